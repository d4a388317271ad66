/*
 * name: node names, hierarchical and leaf first ("tanthanh.bacquang.hagiang").
 * A name is 1..253 bytes of dot-separated labels; a label is 1..63 of
 * [a-z0-9-], neither starting nor ending with '-'. Tiers are not encoded.
 * And mailbox names, the user of a mailbox address "user@node".
 */
#ifndef NAME_H
#define NAME_H

#include <stddef.h>

#define NAME_MAX_LEN	253
#define NAME_MAILBOX_MAX	64	/* bytes of the user part of an address */
#define NAME_PERSON_MAX		255	/* bytes of a person's name */

/* 1 if s is a valid node name, 0 otherwise. */
int	name_valid(const char *s);
/*
 * 1 if name is subtree or lies below it, label-aligned: "a.b.c" is within
 * "b.c" and "c", "xb.c" is not within "b.c". 0 if it is not, or if either
 * is not a valid name.
 */
int	name_within(const char *name, const char *subtree);
/* 1 if name lies below subtree and is not subtree itself; 0 otherwise. */
int	name_strictly_within(const char *name, const char *subtree);

/* 1 if name is a direct child of parent (one label below it), else 0. */
int	name_is_child(const char *name, const char *parent);

/*
 * 1 if s[0..len) is a mailbox name, the user of an address: 1 to
 * NAME_MAILBOX_MAX bytes of [a-z0-9._-]. So no upper case, space, quote,
 * '@', control character or byte of UTF-8. Every mailbox name, in an
 * address, a config or an SMTP recipient, is checked here.
 */
int	name_mailbox_valid(const char *s, size_t len);

/*
 * A mailbox address, "user@node": user a mailbox name up to its first
 * '@', node a valid name (so no space, quote or control character
 * anywhere). 1 with *node (if node is not NULL) pointing into addr, 0 if
 * it is not.
 */
int	name_mailbox(const char *addr, const char **node);

/*
 * A person's name, "user@office": an official of the office, whose
 * personal key a certificate of that office binds (proto/README.md,
 * "Personal signatures"). A mailbox address of at most NAME_PERSON_MAX
 * bytes. 1 with *office (if office is not NULL) pointing into s, 0 if
 * it is not one (a node name is not).
 */
int	name_person(const char *s, const char **office);
/*
 * Whether issuer may certify subject, the root's own rule aside: a node
 * name strictly below issuer, or a person of issuer itself (no other
 * office, above or below, speaks for another's officials).
 */
int	name_may_certify(const char *subject, const char *issuer);
/*
 * Whether revoker may revoke a certificate of subject, the root's rule
 * aside: a node name strictly below revoker, or a person of revoker or
 * of an office below it.
 */
int	name_may_revoke(const char *subject, const char *revoker);

/*
 * A subtree (broadcast) address, "user@*.NAME": the mailbox user at
 * every node strictly below NAME (as "*.NAME" means in readers lists
 * and ACLs); or "user@*": at every node but the root. 1 with *subtree
 * (if subtree is not NULL) pointing into addr at NAME, or at "" for
 * "*"; 0 if addr is not one (a mailbox address is not).
 */
int	name_subtree_address(const char *addr, const char **subtree);
/*
 * Where a node name stands to the subtree a subtree address names
 * (subtree as name_subtree_address() gives it; root: the network's root
 * name, above every node though not above any by name).
 *
 * name_in_subtree: 1 if name is one of its nodes.
 * name_meets_subtree: 1 if one of its nodes lies in name's own subtree
 * (name itself or below it): a link to name leads into it.
 * name_may_address: 1 if a node named origin may address it: the root
 * any subtree, any other node only one at or below itself ("*.origin"
 * or "*.x.origin"), so no office broadcasts to a subtree it does not
 * head, nor to the whole network.
 */
int	name_in_subtree(const char *name, const char *subtree,
	    const char *root);
int	name_meets_subtree(const char *name, const char *subtree,
	    const char *root);
int	name_may_address(const char *origin, const char *subtree,
	    const char *root);

#endif
