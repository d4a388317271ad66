/*
 * esc: the one way a string that came from another node (or any outside
 * source) is shown on a terminal or written into a log line. What could
 * steer a terminal or forge a line is escaped: C0 and C1 controls, DEL,
 * bytes that are not UTF-8, and the Unicode characters that reorder or
 * break text (bidi controls, line and paragraph separators). Printable
 * UTF-8 (Vietnamese included) passes as it is.
 */
#ifndef ESC_H
#define ESC_H

#include <stddef.h>

#define ESC_NEWLINES	0x1	/* keep \n and \t: a letter's text */
#define ESC_QUOTED	0x2	/* escape " and \: inside "..." in a log line */

/* Room for esc() of n input bytes, whatever they are, and the NUL. */
#define ESC_SIZE(n)	(6 * (n) + 1)
/* A buffer for a log line's field: longer strings are cut with "...". */
#define ESC_FIELD	256

/*
 * Writes s (slen bytes) escaped into out (outlen bytes, at least 4),
 * always NUL-terminated; cut with "..." if out is too small. Returns out.
 */
char	*esc(char *out, size_t outlen, const char *s, size_t slen, int flags);
/* esc() of a NUL-terminated string, NULL shown as "". */
char	*esc_str(char *out, size_t outlen, const char *s, int flags);

#endif
