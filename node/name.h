/*
 * name: node names, hierarchical and leaf first ("tanthanh.bacquang.hagiang").
 * A name is 1..253 bytes of dot-separated labels; a label is 1..63 of
 * [a-z0-9-], neither starting nor ending with '-'. Tiers are not encoded.
 */
#ifndef NAME_H
#define NAME_H

#define NAME_MAX_LEN	253

/* 1 if s is a valid node name, 0 otherwise. */
int	name_valid(const char *s);

#endif
