/*
 * seal_rate: what sealing a mail costs on one core of this machine
 * (node/lib/seal.c; bench/bench_seal.sh prints it beside the verify
 * rate and the one-hop rates).
 *
 * A mail of SIZE bytes of text (1,024) and a subject is sealed for 1, 2,
 * 16 and 256 node keys, each setting for SECONDS of wall time, the seal
 * thrown away each time; that gives its cost per mail and, from 1 and 256
 * keys, a fixed part (the content) and a part per recipient key. Twice:
 * cold, with a sending key pair made for each mail (the most it costs:
 * an X25519 key pair, and one X25519 operation and one box per key), and
 * as a node seals, with its sending key pair (seal.h: replaced every
 * 1,024 mails and minute) and the box keys it shares with the recipient
 * keys (a box per key, and an X25519 operation per key pair). Then what
 * the recipient's node pays to read one (seal_open(), of a mail sealed
 * for 1 and for 256 keys), and what the origin pays to write one, sealed
 * as a node seals and signed (wire_record_make()), beside a clear one
 * signed. One line each:
 *
 *   seal_rate: cold: 1024 B for 1 key A us, 2: B us, 16: C us, 256: D us;
 *       a mail X us + a recipient key Y us
 *   seal_rate: as a node seals: ... (the same)
 *   seal_rate: open a mail sealed for 1 key: E us, for 256: F us
 *   seal_rate: write (seal and sign) G us, clear (sign) H us a mail
 *
 * usage: seal_rate [SECONDS [SIZE]]	(default 0.3, 1024; SECONDS 0.05 to
 * 60, SIZE 1 to 131072). Exit: 0, 1 if something fails to seal or open,
 * 2 on bad usage.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "key.h"
#include "seal.h"
#include "wire.h"

#define NKEYS		SEAL_MAX_KEYS
#define TEXT_MAX	131072

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void __attribute__((noreturn))
fail(const char *what, int rc)
{
	fprintf(stderr, "seal_rate: %s: %s\n", what, seal_strerror(rc));
	exit(1);
}

struct bench {
	key_pair_t		*origin;
	key_pair_t		*node[NKEYS];
	struct seal_to		 to[NKEYS];
	Nodenet__RecordBody	 rb;
	Nodenet__MailMessage	 m;
	char			*rcpt[1];
	uint8_t			*text;
	size_t			 size;
	double			 secs;
	struct seal_sender	*ss;
	int			 cold;	/* its key pair new for each mail */
};

/* Puts the mail's clear content back, as seal_mail() leaves it empty. */
static void
mail_reset(struct bench *b)
{
	seal_clear(&b->m);
	b->m.subject = (char *)(uintptr_t)"giấy mời họp";
	b->m.text.data = b->text;
	b->m.text.len = b->size;
}

/* Microseconds one seal for n keys takes. */
static double
seal_us(struct bench *b, size_t n)
{
	double		t0 = now(), t;
	uint64_t	count = 0;
	int		rc;

	do {
		mail_reset(b);
		if (b->cold)	/* past its time: wiped */
			seal_sender_tick(b->ss, UINT64_MAX);
		if ((rc = seal_mail(&b->m, b->rb.origin,
		    key_public(b->origin), b->to, n, b->ss)) != 0)
			fail("seal", rc);
		count++;
	} while ((t = now()) - t0 < b->secs);
	mail_reset(b);
	return (t - t0) * 1e6 / (double)count;
}

/* A sealed (n keys; 0: clear) signed record of the mail, into *buf. */
static size_t
make(struct bench *b, size_t n, uint8_t **buf)
{
	uint8_t	id[WIRE_ID_BYTES];
	size_t	len;
	int	rc;

	mail_reset(b);
	if (n > 0 && (rc = seal_mail(&b->m, b->rb.origin,
	    key_public(b->origin), b->to, n, b->ss)) != 0)
		fail("seal", rc);
	if ((rc = wire_record_make(b->origin, &b->rb, buf, &len, id)) != 0) {
		fprintf(stderr, "seal_rate: sign: %s\n", wire_strerror(rc));
		exit(1);
	}
	mail_reset(b);
	return len;
}

/* Microseconds the origin takes to write one: seal (n keys) and sign. */
static double
write_us(struct bench *b, size_t n)
{
	double		t0 = now(), t;
	uint64_t	count = 0;
	uint8_t		*buf;

	do {
		(void)make(b, n, &buf);
		free(buf);
		count++;
	} while ((t = now()) - t0 < b->secs);
	return (t - t0) * 1e6 / (double)count;
}

/* Microseconds the last of n keys' node takes to open one. */
static double
open_us(struct bench *b, size_t n)
{
	struct seal_keyring	 ring = { .current = b->node[n - 1] };
	struct wire_record	 wr;
	Nodenet__MailContent	*c;
	uint8_t			*buf;
	size_t			 len = make(b, n, &buf);
	double			 t0, t;
	uint64_t		 count = 0;
	int			 rc;

	if ((rc = wire_record_open(buf, len, &wr)) != 0) {
		fprintf(stderr, "seal_rate: open: %s\n", wire_strerror(rc));
		exit(1);
	}
	t0 = now();
	do {
		if ((rc = seal_open(&ring, wr.rb, &c, NULL)) != 0)
			fail("open", rc);
		nodenet__mail_content__free_unpacked(c, NULL);
		count++;
	} while ((t = now()) - t0 < b->secs);
	wire_record_clear(&wr);
	free(buf);
	return (t - t0) * 1e6 / (double)count;
}

/* One line: sealing for 1, 2, 16 and NKEYS keys, and what it comes to. */
static void
seals(struct bench *b, const char *how)
{
	static const size_t	ns[] = { 1, 2, 16, NKEYS };
	double			us[4], per;

	for (size_t i = 0; i < 4; i++)
		us[i] = seal_us(b, ns[i]);
	per = (us[3] - us[0]) / (double)(NKEYS - 1);
	printf("seal_rate: %s: %zu B for 1 key %.1f us, 2: %.1f us, 16: "
	    "%.1f us, %d: %.1f us; a mail %.1f us + a recipient key %.1f "
	    "us\n", how, b->size, us[0], us[1], us[2], NKEYS, us[3],
	    us[0] - per, per);
}

static int
args(int argc, char **argv, struct bench *b)
{
	char	*end;
	long	 v;

	b->secs = 0.3;
	b->size = 1024;
	if (argc > 3)
		return -1;
	if (argc >= 2) {
		errno = 0;
		b->secs = strtod(argv[1], &end);
		if (errno != 0 || *end != '\0' || end == argv[1] ||
		    !(b->secs >= 0.05 && b->secs <= 60))
			return -1;
	}
	if (argc == 3) {
		errno = 0;
		v = strtol(argv[2], &end, 10);
		if (errno != 0 || *end != '\0' || end == argv[2] || v < 1 ||
		    v > TEXT_MAX)
			return -1;
		b->size = (size_t)v;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	static struct bench	 b;

	if (args(argc, argv, &b) != 0) {
		fprintf(stderr, "usage: seal_rate [SECONDS [SIZE]]\n");
		return 2;
	}
	if (sodium_init() == -1 || (b.origin = key_generate()) == NULL ||
	    (b.text = malloc(b.size)) == NULL) {
		fprintf(stderr, "seal_rate: cannot start\n");
		return 1;
	}
	for (size_t i = 0; i < NKEYS; i++) {
		if ((b.node[i] = key_generate()) == NULL)
			return 1;
		memcpy(b.to[i].ed, key_public(b.node[i]), KEY_PUBLIC_BYTES);
		if (key_curve_public(b.to[i].ed, b.to[i].curve) != 0)
			return 1;
	}
	randombytes_buf(b.text, b.size);
	b.rcpt[0] = (char *)(uintptr_t)"vanthu@tanthanh.vixuyen.hagiang";
	nodenet__record_body__init(&b.rb);
	nodenet__mail_message__init(&b.m);
	b.m.from = (char *)(uintptr_t)"vanthu@tanthanh.bacquang.hagiang";
	b.m.to = b.rcpt;
	b.m.n_to = 1;
	b.rb.origin = (char *)(uintptr_t)"tanthanh.bacquang.hagiang";
	b.rb.origin_seq = 1;
	b.rb.kind_case = NODENET__RECORD_BODY__KIND_MAIL;
	b.rb.mail = &b.m;

	if ((b.ss = seal_sender_new()) == NULL)
		return 1;
	b.cold = 1;
	seals(&b, "cold");
	b.cold = 0;
	seals(&b, "as a node seals");
	printf("seal_rate: open a mail sealed for 1 key: %.1f us, for %d: "
	    "%.1f us\n", open_us(&b, 1), NKEYS, open_us(&b, NKEYS));
	printf("seal_rate: write (seal for 1 key and sign) %.1f us, clear "
	    "(sign) %.1f us a mail\n", write_us(&b, 1), write_us(&b, 0));

	seal_sender_free(&b.ss);
	for (size_t i = 0; i < NKEYS; i++)
		key_free(&b.node[i]);
	key_free(&b.origin);
	free(b.text);
	return 0;
}
