/*
 * utf8: the one UTF-8 check (records' strings, SMTP's subjects and
 * SMTPUTF8 commands): no overlong forms, no surrogates, nothing past
 * U+10FFFF, no sequence cut short. NUL is valid UTF-8; callers that
 * refuse it say so.
 */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>
#include <stdint.h>

/* 1 if s[0..len) is valid UTF-8, 0 if not. */
int	utf8_valid(const uint8_t *s, size_t len);

#endif
