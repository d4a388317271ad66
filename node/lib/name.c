/*
 * name: validation of node names, and where a name lies in the tree.
 * Everything that names a node on the wire or in a config passes through
 * name_valid() before it is used. The subtree tests compare whole labels
 * only, so that a suffix match can never grant a name another node's
 * authority ("xbacquang.hagiang" is not below "bacquang.hagiang").
 * A mailbox address is a mailbox name at a node name; a subtree address
 * is a mailbox name at every node of a subtree.
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

int
name_within(const char *name, const char *subtree)
{
	size_t	nl, sl;

	if (!name_valid(name) || !name_valid(subtree))
		return 0;
	nl = strlen(name);
	sl = strlen(subtree);
	if (nl == sl)
		return strcmp(name, subtree) == 0;
	/* Below: at least one label and its dot before the subtree. */
	if (nl < sl + 2)
		return 0;
	return name[nl - sl - 1] == '.' &&
	    memcmp(name + nl - sl, subtree, sl) == 0;
}

int
name_strictly_within(const char *name, const char *subtree)
{
	return name_within(name, subtree) && strcmp(name, subtree) != 0;
}

int
name_is_child(const char *name, const char *parent)
{
	const char	*dot = strchr(name, '.');

	return dot != NULL && name_strictly_within(name, parent) &&
	    strcmp(dot + 1, parent) == 0;
}

static int
mailbox_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '.' || c == '-' || c == '_';
}

int
name_mailbox_valid(const char *s, size_t len)
{
	if (len == 0 || len > NAME_MAILBOX_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!mailbox_char(s[i]))
			return 0;
	return 1;
}

int
name_mailbox(const char *addr, const char **node)
{
	const char	*at = strchr(addr, '@');

	if (at == NULL || !name_mailbox_valid(addr, (size_t)(at - addr)) ||
	    !name_valid(at + 1))
		return 0;
	if (node != NULL)
		*node = at + 1;
	return 1;
}

int
name_person(const char *s, const char **office)
{
	return strnlen(s, NAME_PERSON_MAX + 1) <= NAME_PERSON_MAX &&
	    name_mailbox(s, office);
}

int
name_may_certify(const char *subject, const char *issuer)
{
	const char	*office;

	if (name_person(subject, &office))
		return strcmp(office, issuer) == 0;
	return name_strictly_within(subject, issuer);
}

int
name_may_revoke(const char *subject, const char *revoker)
{
	const char	*office;

	if (name_person(subject, &office))
		return name_within(office, revoker);
	return name_strictly_within(subject, revoker);
}

int
name_subtree_address(const char *addr, const char **subtree)
{
	const char	*at = strchr(addr, '@');
	const char	*sub;

	if (at == NULL || !name_mailbox_valid(addr, (size_t)(at - addr)) ||
	    at[1] != '*')
		return 0;
	if (at[2] == '\0')
		sub = at + 2;		/* "*": below the root */
	else if (at[2] == '.' && name_valid(at + 3))
		sub = at + 3;
	else
		return 0;
	if (subtree != NULL)
		*subtree = sub;
	return 1;
}

int
name_in_subtree(const char *name, const char *subtree, const char *root)
{
	/* The root's children are one-label names, not below its name: the
	 * whole network is a subtree of its own. */
	if (subtree[0] == '\0')
		return name_valid(name) && strcmp(name, root) != 0;
	return name_strictly_within(name, subtree);
}

int
name_meets_subtree(const char *name, const char *subtree, const char *root)
{
	if (strcmp(name, root) == 0)
		return name_valid(name);	/* every node is below it */
	return name_in_subtree(name, subtree, root) ||
	    (subtree[0] != '\0' && name_within(subtree, name));
}

int
name_may_address(const char *origin, const char *subtree, const char *root)
{
	if (strcmp(origin, root) == 0)
		return name_valid(origin);
	return subtree[0] != '\0' && name_within(subtree, origin);
}
