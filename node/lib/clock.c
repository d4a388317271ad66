/*
 * clock: the wall and monotonic clocks in ms (see clock.h). Neither read
 * fails with these clock ids; if one did, 0 is answered rather than
 * whatever an unset timespec held. Also how a span of time is written
 * for people, so that every message says it the same way.
 */
#include <stdio.h>
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

char *
clock_span(char *buf, size_t len, uint64_t ms)
{
	unsigned long long	s, m, h;

	if (ms > UINT64_MAX - 1800000)
		ms = UINT64_MAX - 1800000;	/* no wrap when rounding */
	s = (ms + 500) / 1000;
	m = (ms + 30000) / 60000;
	h = (ms + 1800000) / 3600000;
	/* Each unit rounded on its own: 59.6 s is a minute, not "60s". */
	if (s < 60)
		snprintf(buf, len, "%llus", s);
	else if (s < 3600)
		snprintf(buf, len, "%llum%02llus", s / 60, s % 60);
	else if (m < 24 * 60)
		snprintf(buf, len, "%lluh%02llum", m / 60, m % 60);
	else
		snprintf(buf, len, "%llud%02lluh", h / 24, h % 24);
	return buf;
}
