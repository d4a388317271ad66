/*
 * log: one line per event, with a level, to stderr (or syslog).
 *
 * Lines are meant to be grepped: write them as key=value pairs.
 * Never log payloads, keys or tokens.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

/* Sets the program name shown on each line and the most verbose level kept. */
void	log_init(const char *progname, enum log_level level);
void	log_set_level(enum log_level level);
/* Parses "error", "warn", "info" or "debug"; -1 if it is none of them. */
int	log_level_parse(const char *s);

/* log_warn appends strerror(errno) and keeps errno; log_warnx does not. */
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* For a broken environment only, never for untrusted input: log and exit 1. */
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
