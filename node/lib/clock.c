/*
 * clock: the wall and monotonic clocks in ms (see clock.h). Neither read
 * fails with these clock ids; if one did, 0 is answered rather than
 * whatever an unset timespec held.
 */
#include <time.h>

#include "clock.h"

static uint64_t
clock_ms(clockid_t id)
{
	struct timespec	ts;

	if (clock_gettime(id, &ts) == -1)
		return 0;
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
clock_wall_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

uint64_t
clock_mono_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}
