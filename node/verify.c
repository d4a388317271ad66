/*
 * verify: a fork-join pool for wire_record_open().
 *
 * One job at a time, on the caller's stack: verify_batch() publishes it,
 * wakes the workers and takes indices itself; each thread claims the
 * next index with an atomic counter, so the cores stay busy whatever
 * each record costs. verify_batch() returns only once every index is
 * done and no worker holds the job (vj_active, under the lock), then
 * unpublishes it: a worker that wakes late finds no job. Workers touch
 * only the job's arrays, never the node.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "log.h"
#include "verify.h"
#include "xmem.h"

struct verify_job {
	const ProtobufCBinaryData *const *vj_recs;
	struct wire_record	*vj_out;
	int			*vj_rc;
	size_t			 vj_n;
	atomic_size_t		 vj_next;
	atomic_size_t		 vj_finished;
	unsigned		 vj_active;	/* workers in it; the lock's */
};

struct verify_pool {
	pthread_t		*vp_threads;
	unsigned		 vp_nthreads;
	pthread_mutex_t		 vp_lock;
	pthread_cond_t		 vp_start;	/* a job, or stop */
	pthread_cond_t		 vp_done;	/* a job may be over */
	struct verify_job	*vp_job;	/* NULL between jobs */
	uint64_t		 vp_generation;	/* one per job */
	int			 vp_stop;
};

static void
work(struct verify_job *j)
{
	size_t	i;

	while ((i = atomic_fetch_add(&j->vj_next, 1)) < j->vj_n) {
		j->vj_rc[i] = wire_record_open(j->vj_recs[i]->data,
		    j->vj_recs[i]->len, &j->vj_out[i]);
		atomic_fetch_add(&j->vj_finished, 1);
	}
}

static void *
worker(void *arg)
{
	verify_pool_t		*vp = arg;
	struct verify_job	*j;
	uint64_t		 seen = 0;

	pthread_mutex_lock(&vp->vp_lock);
	for (;;) {
		while (!vp->vp_stop && (vp->vp_job == NULL ||
		    vp->vp_generation == seen))
			pthread_cond_wait(&vp->vp_start, &vp->vp_lock);
		if (vp->vp_stop)
			break;
		seen = vp->vp_generation;
		j = vp->vp_job;
		j->vj_active++;
		pthread_mutex_unlock(&vp->vp_lock);
		work(j);
		pthread_mutex_lock(&vp->vp_lock);
		j->vj_active--;
		pthread_cond_broadcast(&vp->vp_done);
	}
	pthread_mutex_unlock(&vp->vp_lock);
	return NULL;
}

verify_pool_t *
verify_pool_new(unsigned nworkers)
{
	verify_pool_t	*vp = xcalloc(1, sizeof(*vp));

	pthread_mutex_init(&vp->vp_lock, NULL);
	pthread_cond_init(&vp->vp_start, NULL);
	pthread_cond_init(&vp->vp_done, NULL);
	vp->vp_threads = xcalloc(nworkers + 1, sizeof(*vp->vp_threads));
	for (unsigned i = 0; i < nworkers; i++) {
		if (pthread_create(&vp->vp_threads[i], NULL, worker, vp) != 0) {
			log_warnx("verify: could start only %u worker(s)", i);
			break;
		}
		vp->vp_nthreads++;
	}
	return vp;
}

void
verify_pool_free(verify_pool_t **pp)
{
	verify_pool_t	*vp = *pp;

	if (vp == NULL)
		return;
	pthread_mutex_lock(&vp->vp_lock);
	vp->vp_stop = 1;
	pthread_cond_broadcast(&vp->vp_start);
	pthread_mutex_unlock(&vp->vp_lock);
	for (unsigned i = 0; i < vp->vp_nthreads; i++)
		pthread_join(vp->vp_threads[i], NULL);
	pthread_cond_destroy(&vp->vp_start);
	pthread_cond_destroy(&vp->vp_done);
	pthread_mutex_destroy(&vp->vp_lock);
	free(vp->vp_threads);
	free(vp);
	*pp = NULL;
}

void
verify_batch(verify_pool_t *vp, const ProtobufCBinaryData *const *recs,
    size_t n, struct wire_record *out, int *rc)
{
	struct verify_job	j = { .vj_recs = recs, .vj_out = out,
	    .vj_rc = rc, .vj_n = n };

	atomic_init(&j.vj_next, 0);
	atomic_init(&j.vj_finished, 0);
	/* Small jobs are not worth waking anyone for. */
	if (n >= 8 && vp->vp_nthreads > 0) {
		pthread_mutex_lock(&vp->vp_lock);
		vp->vp_job = &j;
		vp->vp_generation++;
		pthread_cond_broadcast(&vp->vp_start);
		pthread_mutex_unlock(&vp->vp_lock);
	}
	work(&j);
	pthread_mutex_lock(&vp->vp_lock);
	while (atomic_load(&j.vj_finished) < n || j.vj_active > 0)
		pthread_cond_wait(&vp->vp_done, &vp->vp_lock);
	vp->vp_job = NULL;
	pthread_mutex_unlock(&vp->vp_lock);
}
