/*
 * verify_rate: how many record signatures one core of this machine can
 * check in a second; the limit a hop is held against (bench/bench_hop.sh).
 *
 * A record's signature covers WIRE_SIGN_PREFIX, its NUL and the 32-byte
 * id (node/lib/wire.c): 50 bytes. NSIG such messages with distinct ids are
 * signed before the clock starts, then crypto_sign_verify_detached runs
 * over them in turn, in chunks, until SECONDS of wall time have passed,
 * on this one thread. Prints one line, N a second of wall time (what a
 * hop is timed in) and, in brackets, a second of this thread's CPU time
 * (the two part when the machine is busy with something else):
 *
 *   verify_rate: crypto_sign_verify_detached, 50 B, one core: N/s (...)
 *
 * With SIGN=1 in the environment it times crypto_sign_detached over the
 * same messages instead, what a node's own submissions cost:
 *
 *   sign_rate: crypto_sign_detached, 50 B, one core: N/s (...)
 *
 * usage: verify_rate [SECONDS]	(default 1; 0.1 to 60)
 * Exit: 0, 1 if a good signature fails or the library cannot start, 2 on
 * bad usage.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "wire.h"

#define NSIG		256
#define SIGNED_BYTES	(sizeof(WIRE_SIGN_PREFIX) + WIRE_ID_BYTES)
#define CHUNK		64

static double
now(clockid_t clock)
{
	struct timespec	ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char *argv[])
{
	static uint8_t	msg[NSIG][SIGNED_BYTES];
	static uint8_t	sig[NSIG][crypto_sign_BYTES];
	uint8_t		pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t		sk[crypto_sign_SECRETKEYBYTES];
	double		secs = 1.0, t0, t, c0, c;
	uint64_t	n = 0;
	char		*end;
	int		sign = getenv("SIGN") != NULL;

	if (argc > 2) {
		fprintf(stderr, "usage: verify_rate [SECONDS]\n");
		return 2;
	}
	if (argc == 2) {
		errno = 0;
		secs = strtod(argv[1], &end);
		if (errno != 0 || *end != '\0' || end == argv[1] ||
		    !(secs >= 0.1 && secs <= 60)) {
			fprintf(stderr, "usage: verify_rate [SECONDS]\n");
			return 2;
		}
	}
	if (sodium_init() == -1) {
		fprintf(stderr, "verify_rate: sodium_init failed\n");
		return 1;
	}
	crypto_sign_keypair(pk, sk);
	for (size_t i = 0; i < NSIG; i++) {
		memcpy(msg[i], WIRE_SIGN_PREFIX, sizeof(WIRE_SIGN_PREFIX));
		randombytes_buf(msg[i] + sizeof(WIRE_SIGN_PREFIX),
		    WIRE_ID_BYTES);
		crypto_sign_detached(sig[i], NULL, msg[i], SIGNED_BYTES, sk);
	}
	t0 = now(CLOCK_MONOTONIC);
	c0 = now(CLOCK_THREAD_CPUTIME_ID);
	do {
		for (int k = 0; k < CHUNK; k++, n++) {
			size_t	i = n % NSIG;

			if (sign)
				crypto_sign_detached(sig[i], NULL, msg[i],
				    SIGNED_BYTES, sk);
			else if (crypto_sign_verify_detached(sig[i], msg[i],
			    SIGNED_BYTES, pk) != 0) {
				fprintf(stderr, "verify_rate: a good signature "
				    "failed to verify\n");
				return 1;
			}
		}
	} while ((t = now(CLOCK_MONOTONIC)) - t0 < secs);
	c = now(CLOCK_THREAD_CPUTIME_ID) - c0;
	t -= t0;
	sodium_memzero(sk, sizeof(sk));

	printf("%s: %s, %zu B, one core: %.0f/s (%llu in %.2f s; %.0f per "
	    "CPU second, libsodium %s)\n", sign ? "sign_rate" : "verify_rate",
	    sign ? "crypto_sign_detached" : "crypto_sign_verify_detached",
	    SIGNED_BYTES, (double)n / t, (unsigned long long)n, t,
	    (double)n / c, sodium_version_string());
	return 0;
}
