/*
 * clock: the two clocks the node and its tools read, in milliseconds.
 *
 * The wall clock is for what other nodes see (created_ms, windows,
 * expiries): it may jump. The monotonic clock is for measuring and
 * timing here (timers, timeouts, how long a turn ran): it never goes
 * back, and means nothing outside this process.
 */
#ifndef CLOCK_H
#define CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Unix time in ms (CLOCK_REALTIME); 0 if it cannot be read. */
uint64_t clock_wall_ms(void);
/* ms since an arbitrary start (CLOCK_MONOTONIC); 0 if unreadable. */
uint64_t clock_mono_ms(void);
/*
 * A span of ms for people, in its two largest units, the last rounded:
 * "45s", "12m30s", "2h05m", "3d04h". Into buf (len bytes, 24 is room
 * for any); returns buf.
 */
char	*clock_span(char *buf, size_t len, uint64_t ms);

#endif
