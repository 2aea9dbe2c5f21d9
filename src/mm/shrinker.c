/*
 * shrinker.c - slab caches that give their unused objects back under
 * memory pressure, as Linux 6.1's mm/vmscan.c (register_shrinker,
 * shrink_slab, do_shrink_slab, drop_slab) and mm/list_lru.c run them.
 * Linux keeps this in vmscan.c; kmm gives it a file of its own.
 *
 * A shrinker (kmm/shrinker.h) is a cache's pair of callbacks:
 * count_objects (how many objects it could free now; SHRINK_EMPTY when it
 * has none at all) and scan_objects (look at nr_to_scan of them, free
 * what may go, return how many went; SHRINK_STOP when it cannot work
 * now).  register_shrinker puts it on shrinker_list; reclaim calls
 * shrink_slab(gfp, nid, priority) from shrink_node after the LRU lists,
 * and each shrinker in turn gets do_shrink_slab:
 *
 *   freeable    = count_objects()                    0 or SHRINK_EMPTY: done
 *   nr          = nr_deferred[nid], taken (set to 0)  work earlier calls owed
 *   delta       = (freeable >> priority) * 4 / seeks  (seeks 0: freeable / 2)
 *   total_scan  = min((nr >> priority) + delta, 2 * freeable)
 *   while total_scan >= batch (SHRINK_BATCH 128) or total_scan >= freeable:
 *       scan_objects(nr_to_scan = min(batch, total_scan))   slabs_scanned += nr_scanned
 *       total_scan -= nr_scanned
 *   nr_deferred[nid] += min(max(nr + delta - scanned, 0), 2 * freeable)
 *
 * So at the first priority (12) a cache is asked for 1/2048 of itself
 * (4/seeks of 1/4096) and usually less than a batch: that work is
 * deferred, and grows until a later call (or a lower priority) does it in
 * whole batches; at priority 0 it scans twice its size.  The deferred
 * count is per node for SHRINKER_NUMA_AWARE shrinkers ([0] for the
 * others), in host memory.  The slab pages the shrinkers free while a
 * reclaim_state is set (shrink_node sets one around shrink_slab) count as
 * reclaimed pages: SLUB's discard_slab adds them to
 * current_reclaim_state->reclaimed_slab, as 6.1's __free_slab does.
 *
 * drop_slab (vm.drop_caches 2) runs shrink_slab at priority 0 on every
 * node, again and again while a pass frees more than 2^pass objects
 * (6.1's drop_slab_node: the loop "until less than 10 freed" is older).
 *
 * list_lru: the lists of unused objects shrinkers walk, one per node,
 * oldest first.  list_lru_walk_one hands each item to an isolate callback:
 * LRU_REMOVED (it took the item off, counted), LRU_ROTATE (referenced: to
 * the tail, one more round), LRU_SKIP, LRU_RETRY (walk again from the
 * head); every item looked at uses up one of nr_to_walk.  The list's user
 * locks it (the store's lists: filemap_lock); only the lengths are read
 * without the lock.
 *
 * The file store's shrinker (6.1's super_block shrinker over the
 * dentry and inode LRUs) is in mm/filemap.c.
 *
 * Locking: shrinker_rwsem (a pthread rwlock) - register and unregister
 * write it; shrink_slab only tries to read it, and gives up (frees
 * nothing) while a registration holds it, as 6.1's down_read_trylock.
 * Shrinkers run with no lock of this file's but the read side.
 *
 * Not done: per-memcg shrinking (SHRINKER_MEMCG_AWARE is accepted and the
 * shrinker is global), the shrinker debugfs files, the
 * mm_shrink_slab_start/end tracepoints, bailing out when a registration
 * waits (rwsem_is_contended).
 */
#define _GNU_SOURCE /* vasprintf */
#include "internal.h"

#include <kmm/shrinker.h>

#include <limits.h>
#include <pthread.h>

#define SHRINK_BATCH 128

static struct list_head shrinker_list = LIST_HEAD_INIT(shrinker_list);
static pthread_rwlock_t shrinker_rwsem = PTHREAD_RWLOCK_INITIALIZER;

__thread struct reclaim_state *current_reclaim_state;

/* ---- list_lru (mm/list_lru.c, the user's lock held) --------------------------------------- */

void list_lru_init(struct list_lru *lru)
{
	for (int nid = 0; nid < MAX_NUMNODES; nid++) {
		INIT_LIST_HEAD(&lru->node[nid].list);
		lru->node[nid].nr_items = 0;
	}
}

/* item: an INIT_LIST_HEAD'ed or list_del_init'ed entry; nid: the node of the object it stands for */
bool list_lru_add(struct list_lru *lru, struct list_head *item, int nid)
{
	if (!list_empty(item))
		return false;
	list_add_tail(item, &lru->node[nid].list);
	__atomic_add_fetch(&lru->node[nid].nr_items, 1, __ATOMIC_RELAXED);
	return true;
}

bool list_lru_del(struct list_lru *lru, struct list_head *item, int nid)
{
	if (list_empty(item))
		return false;
	list_lru_isolate(&lru->node[nid], item);
	return true;
}

void list_lru_isolate(struct list_lru_one *list, struct list_head *item)
{
	list_del_init(item);
	__atomic_sub_fetch(&list->nr_items, 1, __ATOMIC_RELAXED);
}

unsigned long list_lru_count_one(struct list_lru *lru, int nid)
{
	long n = __atomic_load_n(&lru->node[nid].nr_items, __ATOMIC_RELAXED);
	return n > 0 ? (unsigned long)n : 0;
}

unsigned long list_lru_count(struct list_lru *lru)
{
	unsigned long n = 0;
	for (int nid = 0; nid < nr_online_nodes; nid++)
		n += list_lru_count_one(lru, nid);
	return n;
}

unsigned long list_lru_walk_one(struct list_lru *lru, int nid, list_lru_walk_cb isolate, void *arg,
				unsigned long *nr_to_walk)
{
	struct list_lru_one *l = &lru->node[nid];
	unsigned long isolated = 0;
	struct list_head *item, *next;
restart:
	for (item = l->list.next; item != &l->list; item = next) {
		next = item->next;
		if (!*nr_to_walk)
			break;
		--*nr_to_walk;
		switch (isolate(item, l, arg)) {
		case LRU_REMOVED_RETRY:
			isolated++;
			goto restart;
		case LRU_REMOVED:
			isolated++;
			break;
		case LRU_ROTATE:
			list_move_tail(item, &l->list);
			break;
		case LRU_SKIP:
			break;
		case LRU_RETRY:
			goto restart;
		}
	}
	return isolated;
}

/* ---- registration ------------------------------------------------------------------------ */

int register_shrinker(struct shrinker *shrinker, const char *fmt, ...)
{
	if (!shrinker || !shrinker->count_objects || !shrinker->scan_objects || shrinker->seeks < 0 ||
	    shrinker->batch < 0 || (shrinker->flags & SHRINKER_REGISTERED))
		return -EINVAL;
	/* __prealloc_shrinker: a deferred count per node if it is NUMA-aware, else one */
	size_t n = (shrinker->flags & SHRINKER_NUMA_AWARE) ? MAX_NUMNODES : 1;
	long *nr_deferred = calloc(n, sizeof(*nr_deferred));
	char *name = NULL;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		if (vasprintf(&name, fmt, ap) < 0)
			name = NULL;
		va_end(ap);
	}
	if (!nr_deferred || (fmt && !name)) {
		free(nr_deferred);
		free(name);
		return -ENOMEM;
	}
	shrinker->nr_deferred = nr_deferred;
	shrinker->name = name;
	pthread_rwlock_wrlock(&shrinker_rwsem);
	list_add_tail(&shrinker->list, &shrinker_list);
	shrinker->flags |= SHRINKER_REGISTERED;
	pthread_rwlock_unlock(&shrinker_rwsem);
	return 0;
}

/* Off the list; when it returns, no shrink_slab is inside the shrinker's callbacks. */
void unregister_shrinker(struct shrinker *shrinker)
{
	if (!shrinker || !(shrinker->flags & SHRINKER_REGISTERED))
		return;
	pthread_rwlock_wrlock(&shrinker_rwsem);
	list_del(&shrinker->list);
	shrinker->flags &= ~SHRINKER_REGISTERED;
	pthread_rwlock_unlock(&shrinker_rwsem);
	free(shrinker->nr_deferred);
	free(shrinker->name);
	shrinker->nr_deferred = NULL;
	shrinker->name = NULL;
}

/* ---- shrinking ---------------------------------------------------------------------------- */

static long *nr_deferred_of(struct shrinker *shrinker, int nid)
{
	return &shrinker->nr_deferred[(shrinker->flags & SHRINKER_NUMA_AWARE) ? nid : 0];
}

/* do_shrink_slab: one shrinker's share at this priority (see the top); objects freed, or SHRINK_EMPTY */
static unsigned long do_shrink_slab(struct shrink_control *sc, struct shrinker *shrinker, int priority)
{
	long batch_size = shrinker->batch ? shrinker->batch : SHRINK_BATCH;
	unsigned long freed = 0;
	unsigned long freeable = shrinker->count_objects(shrinker, sc);
	if (freeable == 0 || freeable == SHRINK_EMPTY)
		return freeable;
	if (freeable > (unsigned long)LONG_MAX / 4) /* a count that cannot be: keep the arithmetic below in range */
		freeable = LONG_MAX / 4;
	/* taken whole, so that another CPU's reclaim does not do the same deferred work */
	long nr = __atomic_exchange_n(nr_deferred_of(shrinker, sc->nid), 0, __ATOMIC_RELAXED);
	long delta;
	if (shrinker->seeks)
		delta = (long)((freeable >> priority) * 4 / (unsigned long)shrinker->seeks);
	else
		delta = (long)(freeable / 2); /* objects that cost no I/O to make again: trim hard */
	long total_scan = min((nr >> priority) + delta, 2 * (long)freeable);
	long scanned = 0;
	/*
	 * Scan in whole batches; but when the work is larger than the cache
	 * (a low priority: memory is tight) scan it even if it is less than a
	 * batch, or a cache of a few objects spread over many slabs would
	 * never give them back.
	 */
	while (total_scan >= batch_size || total_scan >= (long)freeable) {
		unsigned long nr_to_scan = (unsigned long)min(batch_size, total_scan);
		sc->nr_to_scan = nr_to_scan;
		sc->nr_scanned = nr_to_scan;
		unsigned long ret = shrinker->scan_objects(shrinker, sc);
		if (ret == SHRINK_STOP)
			break;
		freed += ret;
		unsigned long done = min(sc->nr_scanned, nr_to_scan);
		count_vm_events(SLABS_SCANNED, done);
		total_scan -= (long)done;
		scanned += (long)done;
		if (!done) /* a shrinker that looked at nothing: it would never end */
			break;
	}
	/* what was owed and not done is owed still (at most twice the cache) */
	long next_deferred = max(nr + delta - scanned, 0L);
	next_deferred = min(next_deferred, 2 * (long)freeable);
	__atomic_add_fetch(nr_deferred_of(shrinker, sc->nid), next_deferred, __ATOMIC_RELAXED);
	return freed;
}

/*
 * shrink_slab: every registered shrinker at this priority for node nid;
 * the objects they freed.  Nothing while a registration holds the list.
 */
unsigned long shrink_slab(gfp_t gfp_mask, int nid, int priority)
{
	unsigned long freed = 0;
	if (nid < 0 || nid >= MAX_NUMNODES || priority < 0 || priority >= (int)(8 * sizeof(long)))
		return 0;
	if (pthread_rwlock_tryrdlock(&shrinker_rwsem))
		return 0;
	struct list_head *pos;
	list_for_each(pos, &shrinker_list) {
		struct shrinker *shrinker = list_entry(pos, struct shrinker, list);
		struct shrink_control sc = { .gfp_mask = gfp_mask, .nid = nid };
		unsigned long ret = do_shrink_slab(&sc, shrinker, priority);
		freed += ret == SHRINK_EMPTY ? 0 : ret;
	}
	pthread_rwlock_unlock(&shrinker_rwsem);
	return freed;
}

/* drop_slab_node: priority 0 again and again, while a pass frees more than 2^pass objects */
void drop_slab_node(int nid)
{
	unsigned long freed;
	int shift = 0;
	do {
		freed = shrink_slab(GFP_KERNEL, nid, 0);
	} while ((freed >> shift++) > 1 && shift < (int)(8 * sizeof(long)));
}

void drop_slab(void)
{
	if (!M)
		return;
	for (int nid = 0; nid < nr_online_nodes; nid++)
		drop_slab_node(nid);
}

/* fs/dcache.h's vfs_pressure_ratio: mult_frac(val, sysctl_vfs_cache_pressure, 100) */
unsigned long vfs_pressure_ratio(unsigned long val)
{
	unsigned long p = (unsigned long)__atomic_load_n(&M->vfs_cache_pressure, __ATOMIC_RELAXED);
	return val / 100 * p + val % 100 * p / 100;
}
