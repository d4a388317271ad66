/*
 * evil/seal.c: evil_peer's sealed mail (proto/README.md, "Sealed
 * mail"): mail sealed for the node keys of -P, as an office's node seals
 * it, and the modes that seal it wrongly and sign it all the same: its
 * subject left in clear beside the seal (every node refuses it), or its
 * envelope changed after sealing (relays cannot tell; the recipient's
 * node cannot open it). The modes are documented at the top of
 * evil_peer.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmem.h"

#include "evil.h"

int
evil_seal_add(struct evil *e, const char *hex)
{
	struct seal_to	*t;

	if (e->n_seal == EVIL_MAX_SEAL)
		return -1;
	t = &e->seal_to[e->n_seal];
	if (key_parse_hex(hex, t->ed) != 0 ||
	    key_curve_public(t->ed, t->curve) != 0)
		return -1;
	e->n_seal++;
	return 0;
}

void
evil_seal(struct evil *e, const key_pair_t *kp, const char *origin,
    Nodenet__MailMessage *m)
{
	const char	*subject = m->subject;
	int		 rc;

	if ((rc = seal_mail(m, origin, key_public(kp), e->seal_to,
	    e->n_seal, NULL)) != 0)
		evil_fail("seal", seal_strerror(rc));
	memcpy(e->probe, m->sealed->ciphertext.data, EVIL_PROBE);
	switch (e->seal_fault) {
	case EVIL_SEAL_CLEAR:
		m->subject = (char *)(uintptr_t)subject;
		break;
	case EVIL_SEAL_MOVED:
		m->want_receipt = !m->want_receipt;
		break;
	case EVIL_SEAL_RIGHT:
		break;
	}
}

/* A record sealed with fault f (subject SUBJECT-suffix), then a good one. */
static int
faulty_then_good(struct evil *e, enum evil_seal_fault f, const char *suffix)
{
	char		*sb = evil_subj(e, suffix);
	size_t		 blen, glen;
	uint8_t		*bad, *good;

	e->seal_fault = f;
	bad = evil_make_mail(e, e->signer, e->origin, sb, &blen);
	e->seal_fault = EVIL_SEAL_RIGHT;
	good = evil_make_mail(e, e->signer, e->origin, e->subject, &glen);
	return evil_bad_then_good(e, sb, bad, blen, good, glen);
}

int
evil_mode_seal_bad(struct evil *e)
{
	return faulty_then_good(e, EVIL_SEAL_CLEAR, "-bad");
}

int
evil_mode_seal_moved(struct evil *e)
{
	return faulty_then_good(e, EVIL_SEAL_MOVED, "-moved");
}
