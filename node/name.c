/*
 * name: validation of node names. Everything that names a node on the
 * wire or in a config passes through name_valid() before it is used.
 */
#include <string.h>

#include "name.h"

#define LABEL_MAX	63

static int
label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

int
name_valid(const char *s)
{
	size_t	len = strnlen(s, NAME_MAX_LEN + 1), label = 0;

	if (len == 0 || len > NAME_MAX_LEN)
		return 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (label == 0 || label > LABEL_MAX ||
			    s[i - 1] == '-' || s[i - label] == '-')
				return 0;
			label = 0;
		} else if (label_char(s[i]))
			label++;
		else
			return 0;
	}
	return 1;
}
