/*
 * workingset.c - workingset detection, as Linux 6.1's mm/workingset.c
 * does it for the classic two-list LRU (MGLRU is off in Debian's 6.1).
 *
 * A page reclaim evicts leaves a shadow entry where it was - in its
 * file's page cache slot (filemap.c's __remove_mapping), or for an
 * anonymous page in its swap slot once it leaves the swap cache
 * (swap_state.c) - that says when it went.  The clock is the node's
 * lruvec->nonresident_age, which ticks for every eviction and every
 * activation (workingset_age_nonresident):
 *
 *   evicted at E               refault at R
 *   ----|------------------------|------>  nonresident_age
 *        <- refault distance R-E ->
 *
 * In that time at most R-E pages were pushed out of the inactive list or
 * moved to the active one, so had the page had R-E more slots of
 * inactive list it would still be there.  A refault whose distance fits
 * in the workingset - the active file list; for an anonymous page the
 * inactive file list too; and when there is swap, the active anon list,
 * and for a file page the inactive anon list too - is activated at once (workingset_activate_*), and one whose page was
 * active when evicted (PG_workingset) is also a restore (workingset_
 * restore_*, and its cost goes to lru_note_cost).  Every refault counts
 * (workingset_refault_anon/file).
 *
 * A shadow is an xarray value entry in the profile's word size, packed
 * as pack_shadow does (from the low bit up):
 *
 *   | 1 (xa value) | workingset | node (NODES_SHIFT) | memcg id (16) | eviction >> bucket_order |
 *
 * NODES_SHIFT is Debian's: 0 on i386 (no NUMA), 10 on x86_64, 4 on arm64; memcg id
 * is the evicting page's memory cgroup's (mm/memcontrol.c; the root's is 1,
 * 0 for a page no group was charged).  The eviction counter keeps
 * timestamp_bits = BITS_PER_LONG - EVICTION_SHIFT bits; when memory has
 * more pages than that counts, evictions are bucketed (bucket_order), as
 * the boot line "workingset: timestamp_bits=... max_order=...
 * bucket_order=..." says.
 *
 * PG_workingset is set by reclaim when it deactivates an active page
 * (vmscan.c's shrink_active_list) and by a restoring refault here.
 *
 * Not done: the shadow node shrinker (workingset_nodes,
 * workingset_nodereclaim): kmm's page cache keeps shadows beside its
 * page array (host memory) and its xarray model counts nodes for pages
 * only, so there are no shadow-only nodes to count or reclaim; those two
 * counters are left out of the views.  The nonresident_age tick for
 * pages reclaim puts back active (move_folios_to_lru) is vmscan.c's.
 * Locking: none of its own; nonresident_age and the counters are atomic.
 */
#include "internal.h"

#include <kmm/swap.h>
#include <kmm/vmstat.h>

#define WORKINGSET_SHIFT 1
#define MEM_CGROUP_ID_SHIFT 16

static unsigned int bucket_order;

static unsigned int bits_per_long(void)
{
	return (unsigned int)M->prof->bits;
}

/* CONFIG_NODES_SHIFT of the profile's Debian build */
static unsigned int nodes_shift(void)
{
	if (M->prof->arch == KMM_ARCH_ARM64)
		return 4;
	return M->prof->bits == 64 ? 10 : 0;
}

/* (BITS_PER_LONG - BITS_PER_XA_VALUE) + WORKINGSET_SHIFT + NODES_SHIFT + MEM_CGROUP_ID_SHIFT */
static unsigned int eviction_shift(void)
{
	return 1 + WORKINGSET_SHIFT + nodes_shift() + MEM_CGROUP_ID_SHIFT;
}

static unsigned long eviction_mask(void)
{
	return (bits_per_long() == 64 ? ~0UL : 0xffffffffUL) >> eviction_shift();
}

static int fls_long(unsigned long x)
{
	return x ? 64 - __builtin_clzl(x) : 0;
}

/* workingset_init: the bucket size that lets the counter span all of memory */
void workingset_init(void)
{
	unsigned int timestamp_bits = bits_per_long() - eviction_shift();
	unsigned long total = totalram_pages();
	unsigned int max_order = (unsigned int)fls_long(total ? total - 1 : 0);
	bucket_order = max_order > timestamp_bits ? max_order - timestamp_bits : 0;
	pr_info("workingset: timestamp_bits=%u max_order=%u bucket_order=%u\n", timestamp_bits, max_order, bucket_order);
}

/* the lruvec of memcg (NULL: the root) on node nid */
static struct lruvec *memcg_lruvec(struct mem_cgroup *memcg, int nid)
{
	return memcg ? memcg->lruvec[nid] : &NODE_DATA(nid)->__lruvec;
}

/* mod_lruvec_state of a workingset event: the node's count and the group's */
static void workingset_count(struct lruvec *lruvec, enum node_stat_item item, long nr)
{
	__atomic_add_fetch(&lruvec->pgdat->nr_workingset[item - WORKINGSET_REFAULT_ANON], nr, __ATOMIC_RELAXED);
	if (lruvec->memcg)
		memcg_stat_mod(lruvec->memcg, nr_workingset[item - WORKINGSET_REFAULT_ANON], nr);
}

/* workingset_age_nonresident: the clock of the lruvec and of its group's ancestors moves on nr pages */
void workingset_age_nonresident(struct lruvec *lruvec, unsigned long nr)
{
	int nid = lruvec->pgdat->node_id;
	for (struct mem_cgroup *m = lruvec->memcg;; m = m->parent) {
		__atomic_add_fetch(&lruvec->nonresident_age, (long)nr, __ATOMIC_RELAXED);
		if (!m || !m->parent)
			break;
		lruvec = m->parent->lruvec[nid];
	}
}

/* pack_shadow: the xarray value entry (bit 0 set), never 0 */
static unsigned long pack_shadow(int memcgid, int nid, unsigned long eviction, bool workingset)
{
	eviction &= eviction_mask();
	eviction = (eviction << MEM_CGROUP_ID_SHIFT) | (unsigned long)memcgid;
	eviction = (eviction << nodes_shift()) | (unsigned long)nid;
	eviction = (eviction << WORKINGSET_SHIFT) | workingset;
	return (eviction << 1) | 1; /* xa_mk_value */
}

/* unpack_shadow: false for a value that is no shadow of this machine (then nothing is told) */
static bool unpack_shadow(unsigned long shadow, int *memcgid, int *nid, unsigned long *eviction, bool *workingset)
{
	if (!(shadow & 1))
		return false;
	unsigned long entry = shadow >> 1;
	*workingset = entry & ((1UL << WORKINGSET_SHIFT) - 1);
	entry >>= WORKINGSET_SHIFT;
	*nid = (int)(entry & ((1UL << nodes_shift()) - 1));
	entry >>= nodes_shift();
	*memcgid = (int)(entry & ((1UL << MEM_CGROUP_ID_SHIFT) - 1));
	entry >>= MEM_CGROUP_ID_SHIFT;
	*eviction = entry;
	return *nid < M->nr_nodes;
}

/*
 * workingset_eviction: the shadow to leave where the page was.  The page
 * is locked, off the LRU, and its last users are the cache and reclaim.
 */
unsigned long workingset_eviction(struct page *page)
{
	MM_BUG_ON(page_flag(page, PG_lru));
	int nid = page_to_nid(page);
	struct lruvec *lruvec = page_lruvec(page);
	unsigned long eviction = (unsigned long)__atomic_load_n(&lruvec->nonresident_age, __ATOMIC_RELAXED);
	eviction >>= bucket_order;
	workingset_age_nonresident(lruvec, 1);
	return pack_shadow(lruvec->memcg ? lruvec->memcg->id : 0, nid, eviction, page_flag(page, PG_workingset));
}

/*
 * workingset_refault: page (new, locked, not yet on the LRU, PG_swapbacked
 * saying anon or file) replaces the evicted one whose shadow this is.
 * Activated if its refault distance fits in the workingset; the caller's
 * folio_add_lru then puts it on the list its flags name.
 */
void workingset_refault(struct page *page, unsigned long shadow)
{
	int memcgid, nid;
	unsigned long eviction;
	bool workingset;
	if (!unpack_shadow(shadow, &memcgid, &nid, &eviction, &workingset))
		return;
	/* the group that evicted it is gone: nothing can be said (6.1's "goto out") */
	struct mem_cgroup *eviction_memcg = memcgid ? mem_cgroup_from_id((unsigned short)memcgid) : NULL;
	if (memcgid && !eviction_memcg)
		return;
	eviction <<= bucket_order;
	bool file = !page_flag(page, PG_swapbacked);
	struct lruvec *eviction_lruvec = memcg_lruvec(eviction_memcg, nid), *lruvec = page_lruvec(page);
	unsigned long refault = (unsigned long)__atomic_load_n(&eviction_lruvec->nonresident_age, __ATOMIC_RELAXED);
	/* modulo the counter's bits: right across its wrap (a lapped shadow may look near: 6.1 accepts that) */
	unsigned long refault_distance = (refault - eviction) & eviction_mask();
	workingset_count(lruvec, WORKINGSET_REFAULT_ANON + file, 1);
	/*
	 * The workingset a refault competes with, in the evicting group (its
	 * subtree; the whole node for the root): active file pages, the
	 * inactive file list too for an anonymous page, and the anonymous
	 * lists (active; inactive too for a file page) only where there is swap.
	 */
	long size[NR_LRU_LISTS] = { 0 };
	if (mem_cgroup_is_root(eviction_memcg)) {
		for (int l = 0; l < NR_LRU_LISTS; l++)
			size[l] = __atomic_load_n(&NODE_DATA(nid)->nr_lru[l], __ATOMIC_RELAXED);
	} else {
		for (struct mem_cgroup *m = eviction_memcg; m; m = mem_cgroup_iter(eviction_memcg, m))
			for (int l = 0; l < NR_LRU_LISTS; l++)
				size[l] += __atomic_load_n(&m->lruvec[nid]->nr_pages[l], __ATOMIC_RELAXED);
	}
	unsigned long workingset_size = (unsigned long)max(size[LRU_ACTIVE_FILE], 0L);
	if (!file)
		workingset_size += (unsigned long)max(size[LRU_INACTIVE_FILE], 0L);
	if (kmm_nr_swap_pages() > 0) {
		workingset_size += (unsigned long)max(size[LRU_ACTIVE_ANON], 0L);
		if (file)
			workingset_size += (unsigned long)max(size[LRU_INACTIVE_ANON], 0L);
	}
	if (refault_distance > workingset_size)
		return;
	page_set_flag(page, PG_active);
	workingset_age_nonresident(lruvec, 1);
	workingset_count(lruvec, WORKINGSET_ACTIVATE_ANON + file, 1);
	if (workingset) { /* it was active before it was evicted: a restore */
		page_set_flag(page, PG_workingset);
		lru_note_cost(lruvec, file, 1); /* lru_note_cost_folio */
		workingset_count(lruvec, WORKINGSET_RESTORE_ANON + file, 1);
	}
}

/* workingset_activation: folio_mark_accessed moved the page to the active list */
void workingset_activation(struct page *page)
{
	workingset_age_nonresident(page_lruvec(page), 1);
}
