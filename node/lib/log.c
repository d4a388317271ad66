/*
 * log: levelled one-line logging to stderr.
 *
 * Each line is "TIME PROG: LEVEL: message", TIME in UTC with milliseconds. stderr is line-buffered by the
 * journal and by terminals, so each call writes one whole line with a
 * single fprintf; concurrent writers do not interleave within a line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

static const char	*log_prog = "node";
static enum log_level	 log_max = LOG_LEVEL_INFO;

static const char *const level_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARN] = "warn",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

void
log_init(const char *progname, enum log_level level)
{
	log_prog = progname;
	log_max = level;
}

void
log_set_level(enum log_level level)
{
	log_max = level;
}

int
log_level_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcmp(s, level_names[i]) == 0)
			return (int)i;
	return -1;
}

/*
 * A line stays one line: whatever a caller let through, no control
 * character (C0, DEL, or C1 in UTF-8) reaches the log. Strings from
 * other nodes go through esc() first; this is the net under it.
 */
static void
unbreak(char *line)
{
	for (unsigned char *p = (unsigned char *)line; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
		else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			p[0] = p[1] = '?';
}

static void	vlog(enum log_level, const char *, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

static void
vlog(enum log_level level, const char *err, const char *fmt, va_list ap)
{
	struct timespec	ts;
	struct tm	tm;
	char		line[1024], when[32];

	if (level > log_max)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	vsnprintf(line, sizeof(line), fmt, ap);
	unbreak(line);
	fprintf(stderr, "%s.%03ldZ %s: %s: %s%s%s\n", when,
	    ts.tv_nsec / 1000000, log_prog, level_names[level], line,
	    err != NULL ? ": " : "", err != NULL ? err : "");
}

void
log_warn(const char *fmt, ...)
{
	int	saved = errno;
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_WARN, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_WARN, NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_INFO, NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int	saved = errno;
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_ERROR, strerror(saved), fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_ERROR, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
