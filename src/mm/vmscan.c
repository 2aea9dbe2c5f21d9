/*
 * vmscan.c - page reclaim, as Linux 6.1's mm/vmscan.c runs it with the
 * classic active/inactive LRU (MGLRU off, as Debian boots it).
 *
 * Direct reclaim: an allocation that may sleep and found no page above the
 * min watermark calls try_to_free_pages (the slow path in page_alloc.c),
 * which tries priorities DEF_PRIORITY (12) down to 0 until it has freed
 * SWAP_CLUSTER_MAX (32) pages:
 *
 *   do_try_to_free_pages
 *     shrink_zones          each node of the zonelist once, zones up to reclaim_idx
 *       shrink_node         may_deactivate / cache_trim_mode from the list sizes
 *         shrink_lruvec     get_scan_count: how many of each list to scan
 *           shrink_list     active lists: shrink_active_list (only when the inactive is low)
 *                           inactive lists: shrink_inactive_list
 *             isolate_lru_pages     off the tail, a reference taken, PG_lru cleared
 *             shrink_page_list      what happens to each (below)
 *             putback               the survivors back onto their lists
 *
 * shrink_page_list, for each isolated page (its lock taken by trylock):
 *   referenced through a PTE twice, or once and PG_referenced, or mapped
 *   executable file  -> activate;   referenced once -> keep (inactive,
 *   PG_referenced);   anonymous -> add_to_swap (a slot, the swap cache),
 *   try_to_unmap (each PTE takes the swap entry), swap_writepage if dirty
 *   (pswpout), out of the swap cache and freed; activated when swap is
 *   full or a mapping cannot be reached;   shmem -> activate (shmem's own
 *   swap is not there yet);   file mapped -> try_to_unmap, kept active if
 *   some mapping cannot be reached;   dirty file -> activate (direct
 *   reclaim never writes file pages; kmm's flusher writes them back on its
 *   clock);   clean file -> __remove_mapping: out of the page cache, freed.
 * page_referenced and try_to_unmap walk the page's mappings (the rmap:
 * every task's VMAs of the file, or the anon_vma's chain) and use an mm's
 * page tables when this thread holds its mmap_lock (reclaim inside a
 * fault, fork, mmap ...: Linux's rmap needs only the page-table lock) or
 * when another thread's lock is free at once (6.1's rwc->try_lock; a
 * contended walk counts as a reference, so the page is kept).  A young
 * PTE's accessed bit is cleared and its host mirror dropped, so that the
 * next touch through the host trap faults and sets it again (idle-page
 * tracking's way).  Swap I/O is synchronous (mm/swap_state.c), so a page
 * written out is freed on the same pass.
 *
 * get_scan_count: only the file lists without free swap space or with
 * vm.swappiness 0; both equally at priority 0; only anon when the file
 * cache and free pages are under the high watermarks (file_is_tiny); only
 * file while there is enough inactive file cache (cache_trim_mode); else
 * SCAN_FRACT: swappiness against 200 - swappiness, each weighted by the
 * I/O its type cost (lru_note_cost: pages written out, halved as they
 * grow past a quarter of the LRU).  inactive_is_low: inactive * ratio <
 * active with ratio = int_sqrt(10 * GiB of the pair), 1 under a GiB; the
 * anon active list is aged whenever there is swap space.
 *
 * Counters: allocstall_* (page_alloc.c), pgscan_direct, pgsteal_direct,
 * pgscan_anon/file, pgsteal_anon/file, pgrefill, pgactivate, pgdeactivate,
 * pswpout (swap_state.c).
 *
 * Not yet: kswapd's reclaim (it is only woken and counted), workingset
 * shadow entries, slab shrinkers, writeback of file pages from reclaim,
 * shmem swap, mlock's unevictable pages.
 *
 * Locking: lru_lock for the lists (isolate, putback), then the page
 * cache's lock around the decisions of shrink_page_list (filemap_reclaim_
 * lock: the caller may hold it already), inside it the rmap walk's
 * tasks_lock and mmap_locks by trylock only.
 */
#include "internal.h"

#include <kmm/swap.h>
#include <kmm/task.h>

#include "trace/events.h"

#define DEF_PRIORITY 12
#define SWAP_CLUSTER_MAX 32UL

struct scan_control {
	unsigned long nr_to_reclaim;
	gfp_t gfp_mask;
	unsigned int order;
	int priority;
	int reclaim_idx;         /* the highest zone whose pages may be taken */
	bool may_unmap;
	bool kswapd;             /* current_is_kswapd() */
	unsigned int may_deactivate; /* DEACTIVATE_ANON | DEACTIVATE_FILE */
	bool cache_trim_mode;
	bool file_is_tiny;
	bool may_writepage;
	unsigned long nr_scanned;
	unsigned long nr_reclaimed;
};
#define DEACTIVATE_ANON 1
#define DEACTIVATE_FILE 2

/* get_page_unless_zero: a reference, unless the page is on its way to being freed */
static bool get_page_unless_zero(struct page *page)
{
	int c = __atomic_load_n(&page->_refcount, __ATOMIC_RELAXED);
	while (c > 0)
		if (__atomic_compare_exchange_n(&page->_refcount, &c, c + 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return true;
	return false;
}

static inline bool is_file_lru(enum lru_list lru)
{
	return lru == LRU_INACTIVE_FILE || lru == LRU_ACTIVE_FILE;
}

static inline bool is_active_lru(enum lru_list lru)
{
	return lru == LRU_ACTIVE_ANON || lru == LRU_ACTIVE_FILE;
}

/* page_is_file_lru */
static inline bool page_file_lru(const struct page *page)
{
	return !page_flag(page, PG_swapbacked);
}

/* lruvec_lru_size: pages of the list in zones up to zone_idx */
static unsigned long lru_size_eligible(pg_data_t *pgdat, enum lru_list lru, int zone_idx)
{
	unsigned long n = 0;
	for (int z = 0; z <= zone_idx && z < MAX_ZONE_TYPES; z++)
		n += (unsigned long)max(__atomic_load_n(&pgdat->node_zones[z].vm_stat[NR_ZONE_LRU_BASE + lru],
							__ATOMIC_RELAXED), 0L);
	return n;
}

static unsigned long int_sqrt(unsigned long x)
{
	unsigned long r = 0;
	while ((r + 1) * (r + 1) <= x)
		r++;
	return r;
}

/* A list's size, read without lru_lock (its writers hold it; readers here do not) */
static unsigned long lru_nr(const pg_data_t *pgdat, int lru)
{
	long n = __atomic_load_n(&pgdat->__lruvec.nr_pages[lru], __ATOMIC_RELAXED);
	return n > 0 ? (unsigned long)n : 0;
}

/* inactive_is_low: the inactive list is smaller than its share of the pair */
static bool inactive_is_low(pg_data_t *pgdat, enum lru_list inactive_lru)
{
	unsigned long inactive = lru_nr(pgdat, inactive_lru), active = lru_nr(pgdat, inactive_lru + LRU_ACTIVE);
	unsigned long gb = (inactive + active) >> (30 - PAGE_SHIFT);
	unsigned long ratio = gb ? int_sqrt(10 * gb) : 1;
	return inactive * ratio < active;
}

/* zone_reclaimable_pages: what reclaim could free in the zone (the file lists; anon too with swap space free) */
unsigned long zone_reclaimable_pages(struct zone *zone)
{
	long n = __atomic_load_n(&zone->vm_stat[NR_ZONE_INACTIVE_FILE], __ATOMIC_RELAXED) +
		 __atomic_load_n(&zone->vm_stat[NR_ZONE_ACTIVE_FILE], __ATOMIC_RELAXED);
	if (kmm_nr_swap_pages())
		n += __atomic_load_n(&zone->vm_stat[NR_ZONE_INACTIVE_ANON], __ATOMIC_RELAXED) +
		     __atomic_load_n(&zone->vm_stat[NR_ZONE_ACTIVE_ANON], __ATOMIC_RELAXED);
	return n > 0 ? (unsigned long)n : 0;
}

/* ---- isolating and putting back ------------------------------------------------------------- */

static void lru_size_add(struct lruvec *lruvec, enum lru_list lru, struct page *page, long nr)
{
	__atomic_add_fetch(&lruvec->nr_pages[lru], nr, __ATOMIC_RELAXED);
	__atomic_add_fetch(&page_zone(page)->vm_stat[NR_ZONE_LRU_BASE + lru], nr, __ATOMIC_RELAXED);
}

/*
 * isolate_lru_folios: up to nr_to_scan pages off the tail of the list onto
 * dst, each with a reference and PG_lru cleared (lru_lock held).  Pages of
 * zones above reclaim_idx are skipped (back to the head, as 6.1 splices
 * them); a page whose last reference is going is rotated and left to its
 * release.  *nr_scanned: every page looked at.
 */
static unsigned long isolate_lru_pages(unsigned long nr_to_scan, struct lruvec *lruvec, struct list_head *dst,
				       unsigned long *nr_scanned, struct scan_control *sc, enum lru_list lru)
{
	struct list_head *src = &lruvec->lists[lru], skipped;
	INIT_LIST_HEAD(&skipped);
	unsigned long scan = 0, total_scan = 0, nr_taken = 0;
	while (scan < nr_to_scan && !list_empty(src)) {
		struct page *page = list_entry(src->prev, struct page, lru);
		total_scan++;
		if ((int)page_zonenum(page) > sc->reclaim_idx) {
			list_move(&page->lru, &skipped);
			continue;
		}
		scan++;
		if (!get_page_unless_zero(page)) {
			list_move(&page->lru, src);
			continue;
		}
		page_clear_flag(page, PG_lru);
		list_move(&page->lru, dst);
		lru_size_add(lruvec, lru, page, -1);
		nr_taken++;
	}
	list_splice(&skipped, src); /* the skipped pages go to the head of the list */
	*nr_scanned = total_scan;
	trace_mm_vmscan_lru_isolate(sc->reclaim_idx, (int)sc->order, nr_to_scan, total_scan, total_scan - scan, nr_taken,
				    sc->may_unmap ? 0 : ISOLATE_UNMAPPED, lru);
	return nr_taken;
}

/*
 * move_folios_to_lru: each page back onto the list its flags name (PG_lru
 * set again), then the isolation's reference goes - the last one frees the
 * page, which takes it off again.
 */
static void putback_pages(struct lruvec *lruvec, struct list_head *list)
{
	while (!list_empty(list)) {
		struct page *page = list_entry(list->next, struct page, lru);
		list_del(&page->lru);
		pthread_mutex_lock(&lruvec->lru_lock);
		enum lru_list lru = page_flag(page, PG_unevictable) ? LRU_UNEVICTABLE
				    : (enum lru_list)((page_file_lru(page) ? LRU_INACTIVE_FILE : LRU_INACTIVE_ANON) +
						      (page_flag(page, PG_active) ? LRU_ACTIVE : 0));
		page_set_flag(page, PG_lru);
		list_add(&page->lru, &lruvec->lists[lru]);
		lru_size_add(lruvec, lru, page, 1);
		pthread_mutex_unlock(&lruvec->lru_lock);
		put_page(page);
	}
}

/* ---- the rmap: references and unmapping (filemap_lock held) -------------------------------- */

struct rmap_arg {
	struct page *page;
	unsigned long vm_flags; /* of the VMAs found mapping it */
};

/* The PTE of addr in mm if it maps page: its table and index, else 0. */
static phys_addr_t pte_of(struct mm_struct *mm, unsigned long addr, const struct page *page, unsigned long *idx)
{
	phys_addr_t table = user_pte_table(mm->pgd, addr, false, idx);
	if (!table)
		return 0;
	pteval_t pte = pte_get(table, *idx);
	if (!(pte & _PAGE_PRESENT) || PHYS_PFN(pte & PTE_PFN_MASK) != page_to_pfn(page))
		return 0;
	return table;
}

/* folio_referenced_one: a young PTE counts, and is made old; its host mirror goes so the next touch shows. */
static int referenced_one(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr, void *arg)
{
	struct rmap_arg *ra = arg;
	unsigned long idx;
	phys_addr_t table = pte_of(mm, addr, ra->page, &idx);
	if (!table)
		return 0;
	ra->vm_flags |= vma->vm_flags;
	pteval_t pte = pte_get(table, idx);
	if (!(pte & _PAGE_ACCESSED))
		return 0;
	flush_tlb_mm_range(mm, addr, addr + PAGE_SIZE); /* ptep_clear_flush_young */
	pte_set(table, idx, pte & ~(pteval_t)_PAGE_ACCESSED);
	return 1;
}

/* folio_referenced: young PTEs found (their bits cleared), -1 if a mapping could not be reached. */
static int page_referenced(struct page *page, unsigned long *vm_flags)
{
	*vm_flags = 0;
	if (!page_mapcount(page))
		return 0;
	struct rmap_arg ra = { page, 0 };
	struct inode *inode = page_cache_inode(page);
	int n;
	if (inode)
		n = rmap_walk_file_trylock(inode, page->index, referenced_one, &ra);
	else if (PageAnon(page))
		n = rmap_walk_anon_trylock(page, referenced_one, &ra);
	else
		return -1;
	*vm_flags = ra.vm_flags;
	return n < 0 ? -1 : n;
}

/* try_to_unmap_one: the PTE goes (its dirty bit to the page), with its reference and rmap count. */
static int unmap_one(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr, void *arg)
{
	struct rmap_arg *ra = arg;
	unsigned long idx;
	phys_addr_t table = pte_of(mm, addr, ra->page, &idx);
	if (!table)
		return 0;
	if (vma->vm_flags & VM_LOCKED)
		return 0; /* mlocked: stays */
	pteval_t pte = pte_get(table, idx);
	flush_tlb_mm_range(mm, addr, addr + PAGE_SIZE); /* ptep_clear_flush */
	pte_set(table, idx, 0);
	if (pte & _PAGE_DIRTY)
		__set_page_dirty_locked(ra->page);
	page_remove_rmap(ra->page, mm);
	put_page(ra->page); /* never the last: the caller holds one */
	return 1;
}

/*
 * try_to_unmap_one of an anonymous page in the swap cache: the PTE takes
 * the page's swap entry instead (MM_SWAPENTS), and holds the slot.
 */
static int unmap_one_anon(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr, void *arg)
{
	struct rmap_arg *ra = arg;
	unsigned long idx;
	phys_addr_t table = pte_of(mm, addr, ra->page, &idx);
	if (!table || (vma->vm_flags & VM_LOCKED))
		return 0;
	swp_entry_t entry = { ra->page->private };
	if (swap_duplicate(entry))
		return 0; /* the slot's count is full: the page stays mapped */
	pteval_t pte = pte_get(table, idx);
	flush_tlb_mm_range(mm, addr, addr + PAGE_SIZE); /* ptep_clear_flush */
	pte_set(table, idx, swp_entry_to_pte(entry));
	if (pte & _PAGE_DIRTY)
		page_set_flag(ra->page, PG_dirty);
	mm_swapents_add(mm, 1);
	page_remove_rmap(ra->page, mm);
	put_page(ra->page); /* never the last: the caller and the swap cache hold it */
	return 1;
}

static void try_to_unmap(struct page *page)
{
	struct rmap_arg ra = { page, 0 };
	struct inode *inode = page_cache_inode(page);
	if (inode)
		rmap_walk_file_trylock(inode, page->index, unmap_one, &ra);
	else if (PageAnon(page) && page_in_swap_cache(page))
		rmap_walk_anon_trylock(page, unmap_one_anon, &ra);
}

/* ---- what to do with each page ---------------------------------------------------------------- */

enum page_references { PAGEREF_RECLAIM, PAGEREF_RECLAIM_CLEAN, PAGEREF_KEEP, PAGEREF_ACTIVATE };

static enum page_references page_check_references(struct page *page)
{
	unsigned long vm_flags;
	int referenced_ptes = page_referenced(page, &vm_flags);
	bool referenced_page = page_test_clear_flag(page, PG_referenced);
	if (vm_flags & VM_LOCKED)
		return PAGEREF_ACTIVATE;
	if (referenced_ptes == -1)
		return PAGEREF_KEEP;
	if (referenced_ptes) {
		page_set_flag(page, PG_referenced);
		if (referenced_page || referenced_ptes > 1)
			return PAGEREF_ACTIVATE;
		if ((vm_flags & VM_EXEC) && page_file_lru(page))
			return PAGEREF_ACTIVATE;
		return PAGEREF_KEEP;
	}
	if (referenced_page && page_file_lru(page))
		return PAGEREF_RECLAIM_CLEAN;
	return PAGEREF_RECLAIM;
}

/*
 * shrink_folio_list: each isolated page is freed (its references gone) or
 * left on page_list for putback, PG_active set where it is to be
 * activated.  Returns the pages freed.
 */
static unsigned long shrink_page_list(struct list_head *page_list, struct scan_control *sc, unsigned long *nr_activate,
				      unsigned long *nr_pageout)
{
	struct list_head keep, *pos, *n;
	INIT_LIST_HEAD(&keep);
	unsigned long nr_reclaimed = 0;
	bool took = filemap_reclaim_lock();
	for (pos = page_list->next; pos != page_list; pos = n) {
		n = pos->next;
		struct page *page = list_entry(pos, struct page, lru);
		list_del(&page->lru);
		if (!trylock_page(page))
			goto keep;
		if (page_flag(page, PG_unevictable) || (page_mapcount(page) && !sc->may_unmap))
			goto keep_locked;
		enum page_references ref = page_check_references(page);
		if (ref == PAGEREF_ACTIVATE)
			goto activate_locked;
		if (ref == PAGEREF_KEEP)
			goto keep_locked;
		if (PageAnon(page)) {
			/* an anonymous page: a swap slot and the swap cache first (add_to_swap) */
			if (!page_in_swap_cache(page)) {
				if (!(sc->gfp_mask & __GFP_IO))
					goto keep_locked;
				if (!add_to_swap(page))
					goto activate_locked; /* swap is full */
			}
			if (page_mapcount(page)) {
				try_to_unmap(page);
				if (page_mapcount(page))
					goto activate_locked;
			}
			if (page_flag(page, PG_dirty)) {
				if (!sc->may_writepage)
					goto keep_locked;
				swap_writepage(page); /* pageout: the bytes onto the slot */
				trace_mm_vmscan_write_folio(page, false);
				(*nr_pageout)++;
			}
			if (!remove_from_swap_cache(page))
				goto keep_locked;
			unlock_page(page);
			put_page(page); /* the isolation's reference was the last: freed */
			nr_reclaimed++;
			continue;
		}
		/* shmem pages need swap of their own (shmem_writepage), which is not there yet */
		if (!page_file_lru(page) || !page_cache_inode(page))
			goto activate_locked;
		if (page_mapcount(page)) {
			try_to_unmap(page);
			if (page_mapcount(page))
				goto activate_locked;
		}
		/* dirty: only kswapd would write it, and only when it sees it again; the flusher will */
		if (page_flag(page, PG_dirty))
			goto activate_locked;
		if (!__remove_mapping(page))
			goto keep_locked;
		unlock_page(page);
		put_page(page); /* the isolation's reference was the last: freed */
		nr_reclaimed++;
		continue;
activate_locked:
		if (!page_flag(page, PG_active)) {
			page_set_flag(page, PG_active);
			(*nr_activate)++;
		}
keep_locked:
		unlock_page(page);
keep:
		list_add_tail(&page->lru, &keep);
	}
	filemap_reclaim_unlock(took);
	/* the survivors back on page_list for the caller's putback */
	while (!list_empty(&keep)) {
		struct list_head *e = keep.next;
		list_del(e);
		list_add_tail(e, page_list);
	}
	return nr_reclaimed;
}

/* shrink_inactive_list */
static unsigned long shrink_inactive_list(unsigned long nr_to_scan, struct lruvec *lruvec, struct scan_control *sc,
					  enum lru_list lru)
{
	struct list_head page_list;
	INIT_LIST_HEAD(&page_list);
	unsigned long nr_scanned, nr_activate = 0, nr_pageout = 0;
	bool file = is_file_lru(lru);
	lru_add_drain();
	pthread_mutex_lock(&lruvec->lru_lock);
	unsigned long nr_taken = isolate_lru_pages(nr_to_scan, lruvec, &page_list, &nr_scanned, sc, lru);
	pthread_mutex_unlock(&lruvec->lru_lock);
	count_vm_events(sc->kswapd ? PGSCAN_KSWAPD : PGSCAN_DIRECT, nr_scanned);
	count_vm_events(file ? PGSCAN_FILE : PGSCAN_ANON, nr_scanned);
	if (!nr_taken)
		return 0;
	unsigned long nr_reclaimed = shrink_page_list(&page_list, sc, &nr_activate, &nr_pageout);
	sc->nr_scanned += nr_scanned;
	lru_note_cost(lruvec, file, nr_pageout);
	putback_pages(lruvec, &page_list);
	count_vm_events(PGACTIVATE, nr_activate);
	count_vm_events(sc->kswapd ? PGSTEAL_KSWAPD : PGSTEAL_DIRECT, nr_reclaimed);
	count_vm_events(file ? PGSTEAL_FILE : PGSTEAL_ANON, nr_reclaimed);
	trace_mm_vmscan_lru_shrink_inactive(container_of(lruvec, pg_data_t, __lruvec)->node_id, nr_scanned, nr_reclaimed,
					    (&(struct reclaim_stat){ .nr_pageout = (unsigned)nr_pageout,
								     .nr_activate = { file ? 0 : (unsigned)nr_activate,
										      file ? (unsigned)nr_activate : 0 } }),
					    sc->priority, file);
	return nr_reclaimed;
}

/*
 * shrink_active_list: pages off the active tail; referenced executable
 * file pages stay active, the rest go to the inactive list (PG_workingset
 * marks that they were active once).
 */
static void shrink_active_list(unsigned long nr_to_scan, struct lruvec *lruvec, struct scan_control *sc,
			       enum lru_list lru)
{
	struct list_head hold, active, inactive;
	INIT_LIST_HEAD(&hold);
	INIT_LIST_HEAD(&active);
	INIT_LIST_HEAD(&inactive);
	unsigned long nr_scanned, nr_deactivate = 0;
	lru_add_drain();
	pthread_mutex_lock(&lruvec->lru_lock);
	unsigned long nr_taken = isolate_lru_pages(nr_to_scan, lruvec, &hold, &nr_scanned, sc, lru);
	pthread_mutex_unlock(&lruvec->lru_lock);
	count_vm_events(PGREFILL, nr_scanned);
	bool took = filemap_reclaim_lock();
	while (!list_empty(&hold)) {
		struct page *page = list_entry(hold.next, struct page, lru);
		list_del(&page->lru);
		if (page_flag(page, PG_unevictable)) {
			list_add(&page->lru, &active);
			continue;
		}
		unsigned long vm_flags;
		if (page_referenced(page, &vm_flags) > 0 && (vm_flags & VM_EXEC) && page_file_lru(page)) {
			list_add(&page->lru, &active);
			continue;
		}
		page_clear_flag(page, PG_active);
		page_set_flag(page, PG_workingset);
		list_add(&page->lru, &inactive);
		nr_deactivate++;
	}
	filemap_reclaim_unlock(took);
	putback_pages(lruvec, &active);
	putback_pages(lruvec, &inactive);
	count_vm_events(PGDEACTIVATE, nr_deactivate);
	trace_mm_vmscan_lru_shrink_active(container_of(lruvec, pg_data_t, __lruvec)->node_id, nr_taken,
					  nr_taken - nr_deactivate, nr_deactivate, nr_taken - nr_deactivate, sc->priority,
					  is_file_lru(lru));
}

static unsigned long shrink_list(enum lru_list lru, unsigned long nr_to_scan, struct lruvec *lruvec,
				 struct scan_control *sc)
{
	if (is_active_lru(lru)) {
		if (sc->may_deactivate & (is_file_lru(lru) ? DEACTIVATE_FILE : DEACTIVATE_ANON))
			shrink_active_list(nr_to_scan, lruvec, sc, lru);
		return 0;
	}
	return shrink_inactive_list(nr_to_scan, lruvec, sc, lru);
}

/* ---- how much of each list --------------------------------------------------------------------- */

/* vm.swappiness: how readily anonymous pages go to swap against the file cache (0..200) */
int vm_swappiness = 60;

/*
 * lru_note_cost: the I/O reclaim caused (pages written to swap, or file
 * pages written back) weighs against that list type; the costs decay by
 * half once they exceed a quarter of the LRU.
 */
void lru_note_cost(struct lruvec *lruvec, bool file, unsigned long nr_pages)
{
	pthread_mutex_lock(&lruvec->lru_lock);
	if (file)
		lruvec->file_cost += nr_pages;
	else
		lruvec->anon_cost += nr_pages;
	unsigned long lrusize = 0;
	for (int l = 0; l < LRU_UNEVICTABLE; l++)
		lrusize += (unsigned long)max(lruvec->nr_pages[l], 0L);
	if (lruvec->anon_cost + lruvec->file_cost > lrusize / 4) {
		lruvec->anon_cost /= 2;
		lruvec->file_cost /= 2;
	}
	pthread_mutex_unlock(&lruvec->lru_lock);
}

enum scan_balance { SCAN_EQUAL, SCAN_FRACT, SCAN_ANON, SCAN_FILE };

/*
 * get_scan_count: each evictable list's eligible size >> priority,
 * balanced between anon and file: only file without swap space or with
 * swappiness 0, both equally at priority 0, only anon when the file cache
 * is tiny, only file while cache trimming, else in the proportion of
 * swappiness and of the I/O each type cost (SCAN_FRACT).
 */
static void get_scan_count(pg_data_t *pgdat, struct scan_control *sc, unsigned long nr[NR_LRU_LISTS])
{
	struct lruvec *lruvec = &pgdat->__lruvec;
	int swappiness = __atomic_load_n(&vm_swappiness, __ATOMIC_RELAXED);
	enum scan_balance balance;
	unsigned long fraction[2] = { 0, 0 }, denominator = 1;
	if (!kmm_nr_swap_pages() || !swappiness) {
		balance = SCAN_FILE;
	} else if (!sc->priority) {
		balance = SCAN_EQUAL;
	} else if (sc->file_is_tiny) {
		balance = SCAN_ANON;
	} else if (sc->cache_trim_mode) {
		balance = SCAN_FILE;
	} else {
		balance = SCAN_FRACT;
		pthread_mutex_lock(&lruvec->lru_lock);
		unsigned long total_cost = lruvec->anon_cost + lruvec->file_cost;
		unsigned long anon_cost = total_cost + lruvec->anon_cost, file_cost = total_cost + lruvec->file_cost;
		pthread_mutex_unlock(&lruvec->lru_lock);
		total_cost = anon_cost + file_cost;
		fraction[0] = (unsigned long)swappiness * (total_cost + 1) / (anon_cost + 1);
		fraction[1] = (unsigned long)(200 - swappiness) * (total_cost + 1) / (file_cost + 1);
		denominator = fraction[0] + fraction[1];
	}
	for (int l = 0; l < NR_LRU_LISTS; l++) {
		enum lru_list lru = (enum lru_list)l;
		bool file = is_file_lru(lru);
		nr[l] = 0;
		if (lru == LRU_UNEVICTABLE)
			continue;
		unsigned long scan = lru_size_eligible(pgdat, lru, sc->reclaim_idx) >> sc->priority;
		switch (balance) {
		case SCAN_EQUAL:
			break;
		case SCAN_FRACT:
			scan = scan * fraction[file] / denominator;
			break;
		case SCAN_FILE:
		case SCAN_ANON:
			if ((balance == SCAN_FILE) != file)
				scan = 0;
			break;
		}
		nr[l] = scan;
	}
}

/* shrink_lruvec: the lists in rounds of SWAP_CLUSTER_MAX until the counts are used up or enough is freed */
static void shrink_lruvec(pg_data_t *pgdat, struct scan_control *sc)
{
	struct lruvec *lruvec = &pgdat->__lruvec;
	unsigned long nr[NR_LRU_LISTS];
	get_scan_count(pgdat, sc, nr);
	/* direct reclaim at the first priority scans the whole share, as 6.1's proportional reclaim */
	bool proportional = !sc->kswapd && sc->priority == DEF_PRIORITY;
	unsigned long nr_reclaimed = 0;
	while (nr[LRU_INACTIVE_ANON] || nr[LRU_ACTIVE_FILE] || nr[LRU_INACTIVE_FILE]) {
		for (int l = 0; l < LRU_UNEVICTABLE; l++) {
			if (!nr[l])
				continue;
			unsigned long nr_to_scan = min(nr[l], SWAP_CLUSTER_MAX);
			nr[l] -= nr_to_scan;
			nr_reclaimed += shrink_list((enum lru_list)l, nr_to_scan, lruvec, sc);
		}
		if (sc->nr_reclaimed + nr_reclaimed >= sc->nr_to_reclaim && !proportional)
			break;
	}
	sc->nr_reclaimed += nr_reclaimed;
	/* even if nothing was scanned there, keep the anon inactive list filled (can_age_anon_pages) */
	if (kmm_total_swap_pages() && inactive_is_low(pgdat, LRU_INACTIVE_ANON))
		shrink_active_list(SWAP_CLUSTER_MAX, lruvec, sc, LRU_ACTIVE_ANON);
}

/* shrink_node: which active lists may be aged, then the lists */
static void shrink_node(pg_data_t *pgdat, struct scan_control *sc)
{
	sc->may_deactivate = 0;
	if (inactive_is_low(pgdat, LRU_INACTIVE_ANON))
		sc->may_deactivate |= DEACTIVATE_ANON;
	if (inactive_is_low(pgdat, LRU_INACTIVE_FILE))
		sc->may_deactivate |= DEACTIVATE_FILE;
	unsigned long file = lru_nr(pgdat, LRU_INACTIVE_FILE);
	sc->cache_trim_mode = (file >> sc->priority) && !(sc->may_deactivate & DEACTIVATE_FILE);
	/* file_is_tiny: the file cache and free pages together are under the high watermarks */
	unsigned long free = 0, total_high_wmark = 0;
	for (int z = 0; z < MAX_ZONE_TYPES; z++) {
		struct zone *zone = &pgdat->node_zones[z];
		if (!managed_zone(zone))
			continue;
		free += (unsigned long)max(__atomic_load_n(&zone->vm_stat[NR_FREE_PAGES], __ATOMIC_RELAXED), 0L);
		total_high_wmark += high_wmark_pages(zone);
	}
	unsigned long all_file = file + lru_nr(pgdat, LRU_ACTIVE_FILE), anon = lru_nr(pgdat, LRU_INACTIVE_ANON);
	sc->file_is_tiny = all_file + free <= total_high_wmark && !(sc->may_deactivate & DEACTIVATE_ANON) &&
			   (anon >> sc->priority);
	shrink_lruvec(pgdat, sc);
	/* nothing inactive left to take but active pages there: age them (6.1's force_deactivate retry) */
	if (!sc->nr_reclaimed && !(sc->may_deactivate & DEACTIVATE_FILE) &&
	    lru_size_eligible(pgdat, LRU_ACTIVE_FILE, sc->reclaim_idx)) {
		sc->may_deactivate |= DEACTIVATE_FILE;
		shrink_active_list(SWAP_CLUSTER_MAX, &pgdat->__lruvec, sc, LRU_ACTIVE_FILE);
	}
}

/* do_try_to_free_pages: priorities 12 .. 0 over the nodes of the allocation's zonelist */
static unsigned long do_try_to_free_pages(struct zonelist *zonelist, struct scan_control *sc)
{
	do {
		pg_data_t *done[MAX_NUMNODES] = { 0 };
		int ndone = 0;
		for (struct zoneref *z = zonelist->_zonerefs; z->zone; z++) {
			if (z->zone_idx > sc->reclaim_idx || !populated_zone(z->zone))
				continue;
			pg_data_t *pgdat = z->zone->zone_pgdat;
			bool seen = false;
			for (int i = 0; i < ndone; i++)
				seen = seen || done[i] == pgdat;
			if (seen)
				continue;
			done[ndone++] = pgdat;
			shrink_node(pgdat, sc);
		}
		if (sc->nr_reclaimed >= sc->nr_to_reclaim)
			break;
	} while (--sc->priority >= 0);
	return sc->nr_reclaimed;
}

unsigned long try_to_free_pages(gfp_t gfp, unsigned int order, int highest_zoneidx, int preferred_nid)
{
	struct scan_control sc = {
		.nr_to_reclaim = SWAP_CLUSTER_MAX,
		.gfp_mask = gfp,
		.order = order,
		.priority = DEF_PRIORITY,
		.reclaim_idx = highest_zoneidx,
		.may_unmap = true,
		.may_writepage = true, /* !laptop_mode */
	};
	struct zonelist *zonelist = &NODE_DATA(preferred_nid)->node_zonelists[ZONELIST_FALLBACK];
	trace_mm_vmscan_direct_reclaim_begin((int)order, sc.gfp_mask);
	plot_event(PLOT_DIRECT_RECLAIM_BEGIN, preferred_nid);
	unsigned long nr_reclaimed = do_try_to_free_pages(zonelist, &sc);
	trace_mm_vmscan_direct_reclaim_end(nr_reclaimed);
	plot_event(PLOT_DIRECT_RECLAIM_END, preferred_nid);
	return nr_reclaimed;
}
