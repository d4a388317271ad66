/*
 * clock: a monotonic clock for deadlines and a wall clock for timestamps
 * (clock.h).
 */
#include <time.h>

#include "clock.h"

static uint64_t
ms_of(clockid_t id)
{
	struct timespec	ts;

	/* Neither clock can fail on Linux with these ids. */
	if (clock_gettime(id, &ts) == -1)
		return 0;
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
clock_mono_ms(void)
{
	return ms_of(CLOCK_MONOTONIC);
}

uint64_t
clock_wall_ms(void)
{
	return ms_of(CLOCK_REALTIME);
}
