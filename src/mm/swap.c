/*
 * swap.c - the LRU lists, as Linux 6.1's mm/swap.c keeps them (the name is
 * Linux's: the file is about the LRU, not about swap space).
 *
 * Every page a task or the page cache uses is on one of the LRU lists of
 * its memory cgroup on its node (page_lruvec: the lruvec of the group
 * page->memcg_data names, mm/memcontrol.c; the root group's is the node's
 * own pgdat->__lruvec), newest at the head:
 *
 *   inactive anon  <->  active anon      PG_swapbacked: anonymous and shmem
 *   inactive file  <->  active file      the page cache of files
 *   unevictable                          PG_unevictable (mlocked pages: mm/mlock.c)
 *
 * The unevictable list, as 6.1's, links nothing: reclaim never scans it,
 * so its pages are only counted (lruvec_add_page/lruvec_del_page skip the
 * links), and the room of their lru.prev holds the page's mlock_count
 * instead (mm_types.h).  lru_verify finds them by their flags.
 * page_lru() reads which from the page's flags: PG_unevictable, else
 * PG_swapbacked picks anon or file and PG_active the active list.  PG_lru
 * says the page is on a list; the lists, PG_lru and PG_active of listed
 * pages change under lruvec->lru_lock.  The lists hold no reference: a
 * page's last put_page takes it off (lru_cache_release), and whoever
 * takes a page off a list to work on it (reclaim's isolation, later) holds
 * a reference while it does.
 *
 * New pages do not go straight onto the lists: folio_add_lru takes a
 * reference and puts the page into this CPU's lru_add batch (15 pages,
 * PAGEVEC_SIZE); a full batch goes onto the lists under one lru_lock, then
 * drops its references (folio_batch_move_lru).  lru_add_fn puts a page
 * that is mlocked by then (folio_evictable) on the unevictable list
 * (unevictable_pgs_culled), and one that is no longer back on an
 * evictable list (rescued); a new page of a VM_LOCKED VMA skips the batch
 * for mlock's (folio_add_lru_vma -> mlock_new_folio).  lru_add_drain
 * empties this CPU's batches, its mlock batch last; lru_add_drain_all
 * every CPU's, an idle CPU's at once and a busy one's when it next adds a
 * page or drains (the pcp lists' scheme, sim/cpu.c).  A thread on no CPU
 * adds its page at once.
 *
 * Aging: new anonymous pages start on the inactive anon list (6.1's
 * lru_cache_add_inactive_or_unevictable), new page-cache pages on the
 * inactive file list.  folio_mark_accessed (read(2) and write(2) of a
 * cached page; zap of a young file PTE) is the two-touch rule: the first
 * touch sets PG_referenced, the second activates the page - at once if it
 * is still in this CPU's lru_add batch (PG_active set there), else through
 * the CPU's activate batch (pgactivate counted when it moves), and the
 * workingset clock moves (workingset_activation, mm/workingset.c).  Accesses
 * through page tables set the PTE's accessed bit instead, which reclaim
 * reads (folio_referenced).
 *
 * Counters: lruvec->nr_pages[lru] and zone_nr[zone][lru] are the group's
 * pages on the node and on each zone; pgdat->nr_lru[lru] is the node's
 * NR_INACTIVE_ANON ... NR_UNEVICTABLE over every group,
 * zone->vm_stat[NR_ZONE_LRU_BASE + lru] the zone's (meminfo's
 * Active/Inactive lines, zoneinfo, vmstat), all changed with the lists
 * under lru_lock and read without it.  A page released while
 * still PG_mlocked loses the flag there (NR_MLOCK, unevictable_pgs_cleared).
 *
 * Locking: lru_lock nests inside mmap_lock, filemap_lock and the page
 * lock; nothing is allocated and no other lock is taken under it (the
 * batch's references are dropped after it is released).
 */
#include "internal.h"

#include <kmm/task.h>

struct lruvec *page_lruvec(const struct page *page)
{
	struct mem_cgroup *memcg = page_memcg_raw(page);
	int nid = page_to_nid(page);
	return memcg ? memcg->lruvec[nid] : &NODE_DATA(nid)->__lruvec;
}

/* The list the page belongs on, from its flags (folio_lru_list). */
static enum lru_list page_lru(const struct page *page)
{
	if (page_flag(page, PG_unevictable))
		return LRU_UNEVICTABLE;
	enum lru_list lru = page_flag(page, PG_swapbacked) ? LRU_INACTIVE_ANON : LRU_INACTIVE_FILE;
	return page_flag(page, PG_active) ? (enum lru_list)(lru + LRU_ACTIVE) : lru;
}

void lruvec_init(struct lruvec *lruvec, pg_data_t *pgdat, struct mem_cgroup *memcg)
{
	memset(lruvec, 0, sizeof(*lruvec));
	for (int l = 0; l < NR_LRU_LISTS; l++)
		INIT_LIST_HEAD(&lruvec->lists[l]);
	lruvec->pgdat = pgdat;
	lruvec->memcg = memcg;
	pthread_mutex_init(&lruvec->lru_lock, NULL);
}

/* update_lru_size: the group's counts, the node's and the zone's (lru_lock held). */
void update_lru_size(struct lruvec *lruvec, enum lru_list lru, struct page *page, long nr)
{
	__atomic_add_fetch(&lruvec->nr_pages[lru], nr, __ATOMIC_RELAXED);
	__atomic_add_fetch(&lruvec->zone_nr[page_zonenum(page)][lru], nr, __ATOMIC_RELAXED);
	__atomic_add_fetch(&lruvec->pgdat->nr_lru[lru], nr, __ATOMIC_RELAXED);
	__atomic_add_fetch(&page_zone(page)->vm_stat[NR_ZONE_LRU_BASE + lru], nr, __ATOMIC_RELAXED);
}

/*
 * lruvec_add_folio / lruvec_del_folio: onto or off the list the page's
 * flags name (lru_lock held).  The unevictable list links nothing, as in
 * 6.1: reclaim never scans it, and lru.prev's room holds the page's
 * mlock_count there (__filler, lru.next's room, stays NULL: even, so
 * compound_head() sees no tail page).
 */
void lruvec_add_page(struct lruvec *lruvec, struct page *page)
{
	enum lru_list lru = page_lru(page);
	update_lru_size(lruvec, lru, page, 1);
	if (lru != LRU_UNEVICTABLE)
		list_add(&page->lru, &lruvec->lists[lru]);
	else
		page->__filler = NULL;
}

void lruvec_del_page(struct lruvec *lruvec, struct page *page)
{
	enum lru_list lru = page_lru(page);
	if (lru != LRU_UNEVICTABLE)
		list_del(&page->lru);
	else
		page->lru.next = page->lru.prev = NULL; /* mlock_count goes with it */
	update_lru_size(lruvec, lru, page, -1);
}

/* ---- the per-CPU batches ---------------------------------------------------------------------- */

typedef void (*move_fn_t)(struct lruvec *lruvec, struct page *page);

/*
 * lru_add_fn: onto the list its flags say - the unevictable one if it is
 * mlocked (folio_evictable), with an mlock_count of 0: whoever mlocked it
 * may or may not have counted already, and an undercount only means the
 * last munlock comes early (reclaim finds the locked VMA and culls it
 * again), where an overcount would strand it.
 */
static void lru_add_fn(struct lruvec *lruvec, struct page *page)
{
	bool was_unevictable = page_test_clear_flag(page, PG_unevictable);
	if (page_evictable(page)) {
		if (was_unevictable)
			count_vm_event(UNEVICTABLE_PGRESCUED);
	} else {
		page_clear_flag(page, PG_active);
		page_set_flag(page, PG_unevictable);
		if (!was_unevictable)
			count_vm_event(UNEVICTABLE_PGCULLED);
	}
	page_set_flag(page, PG_lru);
	lruvec_add_page(lruvec, page);
	if (page_flag(page, PG_unevictable))
		page->mlock_count = 0;
}

/* folio_activate_fn: a listed inactive page to the head of its active list */
static void activate_fn(struct lruvec *lruvec, struct page *page)
{
	if (!page_flag(page, PG_lru) || page_flag(page, PG_active) || page_flag(page, PG_unevictable))
		return;
	lruvec_del_page(lruvec, page);
	page_set_flag(page, PG_active);
	lruvec_add_page(lruvec, page);
	count_vm_event(PGACTIVATE);
}

/*
 * folio_batch_move_lru: each page under its node's lru_lock (taken once per
 * run of pages of one node), then the batch's references go.
 */
static void folio_batch_move_lru(struct folio_batch *fbatch, move_fn_t move_fn)
{
	struct lruvec *locked = NULL;
	for (unsigned int i = 0; i < fbatch->nr; i++) {
		struct lruvec *lruvec = page_lruvec(fbatch->pages[i]);
		if (lruvec != locked) {
			if (locked)
				pthread_mutex_unlock(&locked->lru_lock);
			pthread_mutex_lock(&lruvec->lru_lock);
			locked = lruvec;
		}
		move_fn(lruvec, fbatch->pages[i]);
	}
	if (locked)
		pthread_mutex_unlock(&locked->lru_lock);
	for (unsigned int i = 0; i < fbatch->nr; i++)
		put_page(fbatch->pages[i]);
	fbatch->nr = 0;
}

/* lru_add_drain_cpu, and the CPU's mlock batch after it (lru_add_drain's mlock_page_drain_local) */
static void lru_add_drain_cpu(int cpu)
{
	struct kmm_cpu *c = &M->cpus[cpu];
	if (c->lru_add.nr)
		folio_batch_move_lru(&c->lru_add, lru_add_fn);
	if (c->lru_activate.nr)
		folio_batch_move_lru(&c->lru_activate, activate_fn);
	mlock_page_drain(cpu);
}

/* A drain another CPU asked for, honoured by the owner at its next LRU call. */
static inline void check_lru_drain_request(int cpu)
{
	if (__builtin_expect(__atomic_load_n(&M->cpus[cpu].lru_drain_pending, __ATOMIC_RELAXED), 0)) {
		__atomic_store_n(&M->cpus[cpu].lru_drain_pending, 0, __ATOMIC_RELAXED);
		lru_add_drain_cpu(cpu);
	}
}

/*
 * folio_batch_add_and_move: the page (its reference taken) into this CPU's
 * batch, the batch onto the lists when it is full; with no CPU, at once.
 */
static void batch_add_and_move(struct folio_batch *(*which)(int cpu), struct page *page, move_fn_t move_fn)
{
	int cpu = smp_processor_id();
	if (cpu < 0) {
		struct folio_batch one = { 1, { page } };
		folio_batch_move_lru(&one, move_fn);
		return;
	}
	check_lru_drain_request(cpu);
	struct folio_batch *fbatch = which(cpu);
	fbatch->pages[fbatch->nr++] = page;
	if (fbatch->nr == FOLIO_BATCH_SIZE)
		folio_batch_move_lru(fbatch, move_fn);
}

static struct folio_batch *lru_add_batch(int cpu)
{
	return &M->cpus[cpu].lru_add;
}

static struct folio_batch *activate_batch(int cpu)
{
	return &M->cpus[cpu].lru_activate;
}

void folio_add_lru(struct page *page)
{
	MM_BUG_ON(page_flag(page, PG_lru));
	get_page(page);
	batch_add_and_move(lru_add_batch, page, lru_add_fn);
}

/*
 * lru_cache_add_inactive_or_unevictable: a new anonymous page of vma -
 * inactive, as 6.1 starts them, or mlocked and unevictable in a VM_LOCKED
 * VMA (through the mlock batch instead of the lru_add one).
 */
void folio_add_lru_vma(struct page *page, struct vm_area_struct *vma)
{
	if ((vma->vm_flags & (VM_LOCKED | VM_IO)) == VM_LOCKED)
		mlock_new_folio(page);
	else
		folio_add_lru(page);
}

void lru_add_drain(void)
{
	int cpu = smp_processor_id();
	if (cpu >= 0)
		lru_add_drain_cpu(cpu);
}

static void lru_drain_fn(int cpu, void *arg)
{
	(void)arg;
	lru_add_drain_cpu(cpu);
}

static void lru_drain_ask(int cpu, void *arg)
{
	(void)arg;
	__atomic_store_n(&M->cpus[cpu].lru_drain_pending, 1, __ATOMIC_RELAXED);
}

void lru_add_drain_all(void)
{
	if (M)
		kmm_on_each_cpu(lru_drain_fn, lru_drain_ask, NULL);
}

/* ---- aging ------------------------------------------------------------------------------------ */

/* folio_isolate_lru: off its list with a reference (PG_lru cleared); false if it is on none */
bool folio_isolate_lru(struct page *page)
{
	struct lruvec *lruvec = page_lruvec(page);
	bool taken = false;
	pthread_mutex_lock(&lruvec->lru_lock);
	if (page_flag(page, PG_lru)) {
		page_clear_flag(page, PG_lru);
		get_page(page);
		lruvec_del_page(lruvec, page);
		taken = true;
	}
	pthread_mutex_unlock(&lruvec->lru_lock);
	return taken;
}

/* folio_putback_lru: an isolated page back through this CPU's batch, the isolation's reference dropped */
void putback_lru_page(struct page *page)
{
	folio_add_lru(page);
	put_page(page);
}

/*
 * deactivate_page (MADV_COLD): an active page moves to the head of its
 * inactive list, unreferenced (pgdeactivate).  6.1 batches these per CPU
 * (lru_deactivate); kmm moves the page at once under lru_lock.
 */
void deactivate_page(struct page *page)
{
	struct lruvec *lruvec = page_lruvec(page);
	pthread_mutex_lock(&lruvec->lru_lock);
	if (page_flag(page, PG_lru) && page_flag(page, PG_active) && !page_flag(page, PG_unevictable)) {
		lruvec_del_page(lruvec, page);
		page_clear_flag(page, PG_active);
		page_clear_flag(page, PG_referenced);
		lruvec_add_page(lruvec, page);
		count_vm_event(PGDEACTIVATE);
	}
	pthread_mutex_unlock(&lruvec->lru_lock);
}

/*
 * folio_rotate_reclaimable: a page reclaim wrote out (PG_reclaim), its
 * write done, goes to the tail of its inactive list so that the next scan
 * frees it (pgrotated).  Linux batches these per CPU (lru_rotate); kmm
 * moves the page at once under lru_lock.  A page someone has locked,
 * dirtied, isolated or made unevictable meanwhile stays where it is.
 */
void folio_rotate_reclaimable(struct page *page)
{
	if (page_flag(page, PG_locked) || page_flag(page, PG_dirty) || page_flag(page, PG_unevictable) ||
	    !page_flag(page, PG_lru))
		return;
	struct lruvec *lruvec = page_lruvec(page);
	pthread_mutex_lock(&lruvec->lru_lock);
	if (page_flag(page, PG_lru) && !page_flag(page, PG_unevictable)) {
		lruvec_del_page(lruvec, page);
		page_clear_flag(page, PG_active);
		enum lru_list lru = page_lru(page);
		update_lru_size(lruvec, lru, page, 1);
		list_add_tail(&page->lru, &lruvec->lists[lru]);
		count_vm_event(PGROTATED);
	}
	pthread_mutex_unlock(&lruvec->lru_lock);
}

/* folio_activate: through this CPU's activate batch (the page must be listed; unlisted pages wait) */
static void folio_activate(struct page *page)
{
	if (!page_flag(page, PG_lru) || page_flag(page, PG_active) || page_flag(page, PG_unevictable))
		return;
	get_page(page);
	batch_add_and_move(activate_batch, page, activate_fn);
}

/*
 * __lru_cache_activate_folio: a page still in this CPU's lru_add batch is
 * made active there, so it goes straight onto the active list.
 */
static void lru_cache_activate_page(struct page *page)
{
	int cpu = smp_processor_id();
	if (cpu < 0)
		return;
	struct folio_batch *fbatch = &M->cpus[cpu].lru_add;
	for (int i = (int)fbatch->nr - 1; i >= 0; i--)
		if (fbatch->pages[i] == page) {
			page_set_flag(page, PG_active);
			return;
		}
}

/*
 * folio_mark_accessed: inactive,unreferenced -> inactive,referenced ->
 * active,unreferenced -> active,referenced.
 */
void folio_mark_accessed(struct page *page)
{
	page = compound_head(page);
	if (!page_flag(page, PG_referenced)) {
		page_set_flag(page, PG_referenced);
	} else if (page_flag(page, PG_unevictable)) {
		/* unevictable pages stay where they are */
	} else if (!page_flag(page, PG_active)) {
		if (page_flag(page, PG_lru))
			folio_activate(page);
		else
			lru_cache_activate_page(page);
		page_clear_flag(page, PG_referenced);
		workingset_activation(page); /* the workingset clock moves (mm/workingset.c) */
	}
}

/* ---- release ---------------------------------------------------------------------------------- */

/*
 * __page_cache_release: the last reference went; a listed page leaves its
 * list, and a page freed still mlocked (no munlock got to it: the mlock
 * batch's reference would have kept it) stops being so
 * (unevictable_pgs_cleared).
 */
void lru_cache_release(struct page *page)
{
	if (page_flag(page, PG_lru)) {
		struct lruvec *lruvec = page_lruvec(page);
		pthread_mutex_lock(&lruvec->lru_lock);
		lruvec_del_page(lruvec, page);
		page_clear_flag(page, PG_lru);
		page_clear_flag(page, PG_active);
		page_clear_flag(page, PG_unevictable);
		pthread_mutex_unlock(&lruvec->lru_lock);
	}
	if (__builtin_expect(page_test_clear_flag(page, PG_mlocked), 0)) {
		__atomic_sub_fetch(&page_zone(page)->vm_stat[NR_MLOCK], 1, __ATOMIC_RELAXED);
		count_vm_event(UNEVICTABLE_PGCLEARED);
	}
}

/* ---- counts and checks ---------------------------------------------------------------------- */

unsigned long lru_pages(enum lru_list lru)
{
	long n = 0;
	for (int nid = 0; M && nid < M->nr_nodes; nid++)
		n += __atomic_load_n(&NODE_DATA(nid)->nr_lru[lru], __ATOMIC_RELAXED);
	return n < 0 ? 0 : (unsigned long)n;
}

/*
 * The unevictable pages of lruvec, which no list links: every page of its
 * node with PG_lru and PG_unevictable whose group is lruvec's, each with a
 * reference, counted per zone into zone_count (lru_lock held).  The walk
 * over the node's pfns is skipped while nothing was ever culled - no page
 * can be unevictable then.
 */
static int unevictable_recount(struct lruvec *lruvec, long zone_count[][NR_LRU_LISTS], long *n, char *why,
			       size_t whylen)
{
	pg_data_t *pgdat = lruvec->pgdat;
	*n = 0;
	if (!sum_vm_event(UNEVICTABLE_PGCULLED))
		return 0;
	const unsigned long mask = (1UL << PG_lru) | (1UL << PG_unevictable);
	for (unsigned long pfn = pgdat->node_start_pfn; pfn < pgdat->node_start_pfn + pgdat->node_spanned_pages; pfn++) {
		if (!pfn_valid(pfn))
			continue;
		struct page *page = pfn_to_page(pfn);
		if ((__atomic_load_n(&page->flags, __ATOMIC_RELAXED) & mask) != mask || page_lruvec(page) != lruvec)
			continue;
		if (page_flag(page, PG_active) || page_ref_count(page) <= 0 || page->__filler) {
			snprintf(why, whylen, "unevictable pfn %#lx of node %d is %s", pfn, pgdat->node_id,
				 page_flag(page, PG_active) ? "active too" : page->__filler ? "linked" : "without a reference");
			return -EINVAL;
		}
		zone_count[page_zonenum(page)][LRU_UNEVICTABLE]++;
		(*n)++;
	}
	return 0;
}

/* One group's lists on one node (its lru_lock held): their pages, counts and zone counts. */
static int lruvec_verify(struct lruvec *lruvec, long node_zone_count[][NR_LRU_LISTS], char *why, size_t whylen)
{
	int nid = lruvec->pgdat->node_id;
	long zone_count[MAX_ZONE_TYPES][NR_LRU_LISTS] = { { 0 } };
	char group[256];
	mem_cgroup_path(lruvec->memcg, group, sizeof(group));
	for (int l = 0; l < NR_LRU_LISTS; l++) {
		long n = 0;
		struct list_head *pos;
		if (l == LRU_UNEVICTABLE) {
			if (!list_empty(&lruvec->lists[l])) {
				snprintf(why, whylen, "the unevictable list of node %d, cgroup %s, links pages", nid, group);
				return -EINVAL;
			}
			int ret = unevictable_recount(lruvec, zone_count, &n, why, whylen);
			if (ret)
				return ret;
		}
		list_for_each(pos, &lruvec->lists[l]) {
			struct page *page = list_entry(pos, struct page, lru);
			const char *bad = NULL;
			if (!page_flag(page, PG_lru))
				bad = "without PG_lru";
			else if (page_lru(page) != (enum lru_list)l)
				bad = "on another list than its flags say";
			else if (page_to_nid(page) != nid)
				bad = "of another node";
			else if (page_lruvec(page) != lruvec)
				bad = "of another memory cgroup";
			else if (page_ref_count(page) <= 0)
				bad = "with no reference";
			if (bad) {
				snprintf(why, whylen, "LRU list %d of node %d, cgroup %s, has pfn %#lx %s", l, nid, group,
					 page_to_pfn(page), bad);
				return -EINVAL;
			}
			zone_count[page_zonenum(page)][l]++;
			n++;
		}
		if (n != lruvec->nr_pages[l]) {
			snprintf(why, whylen, "LRU list %d of node %d, cgroup %s, holds %ld pages, its count says %ld", l, nid,
				 group, n, lruvec->nr_pages[l]);
			return -EINVAL;
		}
	}
	for (int z = 0; z < MAX_ZONE_TYPES; z++)
		for (int l = 0; l < NR_LRU_LISTS; l++) {
			if (zone_count[z][l] != lruvec->zone_nr[z][l]) {
				snprintf(why, whylen, "cgroup %s counts %ld pages of zone %d on LRU list %d of node %d, it has %ld",
					 group, lruvec->zone_nr[z][l], z, l, nid, zone_count[z][l]);
				return -EINVAL;
			}
			node_zone_count[z][l] += zone_count[z][l];
		}
	return 0;
}

/*
 * Each node's lists, every group's: every page listed once, on the list
 * its flags name, of this node and its group, with PG_lru and a
 * reference; the unevictable list links nothing and its pages are found
 * by their flags; the counts are the lists' lengths, and the groups'
 * counts add up to the node's and the zones'.  Every lruvec of the node is
 * locked meanwhile (in the tree's order; nothing else holds two).
 */
int lru_verify(char *why, size_t whylen)
{
	for (int nid = 0; nid < M->nr_nodes; nid++) {
		pg_data_t *pgdat = NODE_DATA(nid);
		long zone_count[MAX_ZONE_TYPES][NR_LRU_LISTS] = { { 0 } };
		struct mem_cgroup *memcg;
		int ret = 0;
		for (memcg = mem_cgroup_iter(NULL, NULL); memcg; memcg = mem_cgroup_iter(NULL, memcg))
			pthread_mutex_lock(&memcg->lruvec[nid]->lru_lock);
		for (memcg = mem_cgroup_iter(NULL, NULL); memcg && !ret; memcg = mem_cgroup_iter(NULL, memcg))
			ret = lruvec_verify(memcg->lruvec[nid], zone_count, why, whylen);
		for (int l = 0; l < NR_LRU_LISTS && !ret; l++) {
			long node = 0;
			for (int z = 0; z < MAX_ZONE_TYPES; z++)
				node += zone_count[z][l];
			if (node != __atomic_load_n(&pgdat->nr_lru[l], __ATOMIC_RELAXED)) {
				snprintf(why, whylen, "node %d counts %ld pages on LRU list %d, its groups have %ld", nid,
					 pgdat->nr_lru[l], l, node);
				ret = -EINVAL;
			}
		}
		for (int z = 0; z < MAX_ZONE_TYPES && !ret; z++)
			for (int l = 0; l < NR_LRU_LISTS && !ret; l++) {
				long c = __atomic_load_n(&pgdat->node_zones[z].vm_stat[NR_ZONE_LRU_BASE + l], __ATOMIC_RELAXED);
				if (c != zone_count[z][l]) {
					snprintf(why, whylen, "zone %s of node %d counts %ld pages on LRU list %d, it has %ld",
						 pgdat->node_zones[z].name, nid, c, l, zone_count[z][l]);
					ret = -EINVAL;
				}
			}
		for (memcg = mem_cgroup_iter(NULL, NULL); memcg; memcg = mem_cgroup_iter(NULL, memcg))
			pthread_mutex_unlock(&memcg->lruvec[nid]->lru_lock);
		if (ret)
			return ret;
	}
	return 0;
}
