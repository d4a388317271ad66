/*
 * xmem: allocation that succeeds or does not return (fatal on OOM),
 * so ordinary code has no NULL checks after allocating.
 */
#ifndef XMEM_H
#define XMEM_H

#include <stddef.h>

void	*xmalloc(size_t size);
void	*xcalloc(size_t nmemb, size_t size);
void	*xrealloc(void *ptr, size_t nmemb, size_t size);
char	*xstrdup(const char *s);
char	*xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
