/*
 * clock: the two clocks of the tools, named for what they are for. A
 * deadline or a delay is measured on the monotonic clock, which the
 * wall clock's steps (NTP, an operator) do not move; a time that is
 * stored or shown is the wall clock's. (The daemon has its own of
 * each: loop_now_ms() and node_wall_ms().)
 */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>

/* Milliseconds since some fixed point: for deadlines and delays. */
uint64_t	clock_mono_ms(void);
/* Unix milliseconds: for timestamps. */
uint64_t	clock_wall_ms(void);

#endif
