/*
 * esc: escaping for terminals and log lines; see esc.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "esc.h"

/*
 * The length of the UTF-8 sequence at s (at most n bytes) and its code
 * point, or 0 if it is not one (overlong, surrogate, past U+10FFFF, cut
 * short).
 */
static size_t
utf8_seq(const unsigned char *s, size_t n, unsigned long *cp)
{
	size_t		len;
	unsigned long	c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		c = s[0] & 0x1f;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		c = s[0] & 0x0f;
		min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		c = s[0] & 0x07;
		min = 0x10000;
	} else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Characters that are valid UTF-8 but must not reach a terminal as is. */
static int
unsafe(unsigned long c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) ||
	    c == 0x061c || c == 0x200e || c == 0x200f ||
	    (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

char *
esc(char *out, size_t outlen, const char *s, size_t slen, int flags)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 o = 0, i = 0, mark = SIZE_MAX;

	while (i < slen) {
		char		piece[16];
		size_t		plen, n;
		unsigned long	c;

		if ((n = utf8_seq(p + i, slen - i, &c)) == 0) {
			plen = (size_t)snprintf(piece, sizeof(piece), "\\x%02x",
			    p[i]);
			n = 1;
		} else if ((flags & ESC_NEWLINES) && (c == '\n' || c == '\t')) {
			piece[0] = (char)c;
			plen = 1;
		} else if (c == '\n' || c == '\r' || c == '\t')
			plen = (size_t)snprintf(piece, sizeof(piece), "\\%c",
			    c == '\n' ? 'n' : c == '\r' ? 'r' : 't');
		else if (unsafe(c))
			plen = (size_t)snprintf(piece, sizeof(piece), c < 0x100 ?
			    "\\x%02lx" : "\\u%04lx", c);
		else if ((flags & ESC_QUOTED) && (c == '"' || c == '\\')) {
			piece[0] = '\\';
			piece[1] = (char)c;
			plen = 2;
		} else {
			memcpy(piece, p + i, n);
			plen = n;
		}
		/* The last place "..." still fits after: a piece boundary,
		 * so a cut never splits a character or an escape. */
		if (mark == SIZE_MAX && o + plen + 4 > outlen)
			mark = o;
		if (o + plen + 1 > outlen) {
			o = outlen >= 4 ? mark : 0;
			if (outlen >= 4) {
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(out + o, piece, plen);
		o += plen;
		i += n;
	}
	out[o] = '\0';
	return out;
}

char *
esc_str(char *out, size_t outlen, const char *s, int flags)
{
	if (s == NULL)
		s = "";
	return esc(out, outlen, s, strlen(s), flags);
}
