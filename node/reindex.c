/*
 * reindex: a store written by an older release may hold an index in a
 * layout this one cannot read (the certificates before they kept their
 * issuer, or were found by name too, the ACLs before they kept what they
 * replace and who signed them). The records are all there: rebuild such an index from them at
 * start, in one transaction, so a crash midway leaves the old one to
 * rebuild again.
 */
#include "doc.h"
#include "log.h"
#include "node.h"
#include "reindex.h"
#include "trust.h"

/* Certificates and ACLs travel in the urgent lane (handlers.c), each
 * after what it builds on. */

int
node_reindex(struct node *n)
{
	store_txn_t		*txn = NULL;
	struct store_record	 rec;
	struct wire_record	 wr;
	uint8_t			 id[STORE_ID_BYTES];
	uint64_t		 seq = 0, ncert = 0, nacl = 0;
	int			 certs, acls, rc;

	if ((rc = store_txn_begin(n->n_store, 0, &txn)) != 0)
		goto fail;
	certs = store_cert_index_current(txn);
	acls = store_acl_index_current(txn);
	if (certs < 0 || acls < 0) {
		rc = certs < 0 ? certs : acls;
		goto fail;
	}
	if (certs && acls) {
		store_txn_abort(&txn);
		return 0;
	}
	if ((!certs && (rc = store_cert_reset(txn)) != 0) ||
	    (!acls && (rc = store_acl_reset(txn)) != 0))
		goto fail;
	while (store_lane_next(txn, WIRE_LANE_URGENT, seq + 1, &seq, id) == 0) {
		if (store_get(txn, id, &rec) != 0 ||
		    wire_record_check(rec.body, rec.body_len, rec.sig,
		    &wr) != 0)
			continue;
		rc = 0;
		if (!certs && wr.rb->kind_case ==
		    NODENET__RECORD_BODY__KIND_CERT) {
			(void)trust_apply(n, txn, &wr);
			ncert++;
		} else if (!acls && wr.rb->kind_case ==
		    NODENET__RECORD_BODY__KIND_ACL) {
			rc = doc_apply(txn, &wr, n->n_conf->root_name,
			    n->n_conf->root_key);
			nacl++;
		}
		wire_record_clear(&wr);
		if (rc != 0)
			goto fail;
	}
	if ((rc = store_txn_commit(&txn)) != 0)
		goto fail;
	log_info("event=index_rebuilt certs=%llu acls=%llu",
	    (unsigned long long)ncert, (unsigned long long)nacl);
	return 0;
fail:
	store_txn_abort(&txn);
	log_warnx("event=index_unbuilt reason=\"%s\"", store_strerror(rc));
	return -1;
}
