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
 *       shrink_node_memcgs  each memory cgroup's lists on the node (mm/memcontrol.c):
 *                           skipped within its memory.min, and within memory.low
 *                           unless a second pass must ignore it ("low" event)
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
 *   PG_referenced);   under writeback -> PG_reclaim, activate (the write's
 *   end rotates it to the inactive tail);   anonymous -> add_to_swap (a
 *   slot, the swap cache), try_to_unmap (each PTE takes the swap entry),
 *   swap_writepage if dirty (pswpout; mm/page_io.c: kept, PG_reclaim, until
 *   the disk is done), out of the swap cache and freed once clean;
 *   activated when swap is full or a mapping cannot be reached;   shmem ->
 *   try_to_unmap over the file's mappings, shmem_writepage (mm/filemap.c:
 *   a slot, the page from the file's cache to the swap cache, the slot's
 *   entry left at its index), then as an anonymous page from
 *   swap_writepage on;   file mapped -> try_to_unmap, kept active if
 *   some mapping cannot be reached;   dirty file -> PG_reclaim, activate
 *   (when every page a batch took was dirty and not being written, it
 *   wakes the flusher, whose writeback rotates the PG_reclaim pages to the
 *   inactive tail) - except that kswapd, on a node flagged PGDAT_DIRTY (a
 *   whole round of its file pages was dirty and unqueued), writes a page
 *   it meets dirty a second time (PG_reclaim) itself: pageout, ext4's
 *   writepage (filemap_writepage: a page whose block is still delayed is
 *   only redirtied, as ext4 refuses to allocate blocks from reclaim);
 *   nr_vmscan_write counts both;   clean file -> __remove_mapping: out of
 *   the page cache, freed.
 * page_referenced and try_to_unmap walk the page's mappings (the rmap:
 * every task's VMAs of the file, or the anon_vma's chain) and use an mm's
 * page tables when this thread holds its mmap_lock (reclaim inside a
 * fault, fork, mmap ...: Linux's rmap needs only the page-table lock) or
 * when another thread's lock is free at once (6.1's rwc->try_lock; a
 * contended walk counts as a reference, so the page is kept).  A young
 * PTE's accessed bit is cleared and its host mirror dropped, so that the
 * next touch through the host trap faults and sets it again (idle-page
 * tracking's way).  A page written out is freed by the scan after its
 * write completed (pgrotated put it at the tail); direct reclaim that
 * found nothing else waits for the disk.  Inside its batches direct
 * reclaim lets a woken kswapd run (cond_resched), as a real kswapd
 * preempts a task deep in reclaim.
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
 * Counters: allocstall_* (page_alloc.c), pgscan_kswapd/direct,
 * pgsteal_kswapd/direct, pgscan_anon/file, pgsteal_anon/file, pgrefill,
 * pgactivate, pgdeactivate, pageoutrun, kswapd_{low,high}_wmark_hit_quickly,
 * pgskip_<zone>, nr_isolated_anon/file (from isolation to putback),
 * nr_vmscan_write (pageout), nr_vmscan_immediate_reclaim (a dirty file page),
 * pswpout and pgrotated (page_io.c, swap.c).  kswapd: at the end of this
 * file.  Every step of the work is charged to the simulated clock
 * (sim_charge), which is what kswapd's share of the CPU follows.
 *
 * Mlocked pages: reclaim never scans the unevictable list; a page it
 * isolates that a VM_LOCKED VMA maps (found by folio_referenced or
 * try_to_unmap) is mlocked there and then (mm/mlock.c), loses its swap
 * slot, and putback sends it through folio_add_lru to the unevictable
 * list (unevictable_pgs_culled).
 *
 * Memory cgroups: every group has its own lists on each node (the root's
 * are the node's __lruvec); the node's reclaim (kswapd, direct reclaim)
 * walks every group, a group over its limit (try_to_free_mem_cgroup_pages)
 * only its own subtree, from every zone.  The list sizes that decide what
 * to age are the target's (the node's, or the group's subtree on the
 * node); a protected group's lists are scanned in proportion to its usage
 * above its protection; the I/O costs are noted on the group's lists and
 * its ancestors'.  memory.stat's pgscan/pgsteal/pgrefill/pgactivate/
 * pgdeactivate count per group.
 *
 * The slab shrinkers are in mm/shrinker.c, called from shrink_node for the
 * root group (kmm's shrinkers are not per group).
 * Workingset shadow entries: mm/workingset.c (left by __remove_mapping and
 * by the swap cache).  Not yet: 6.1's scan_adjusted proportioning once
 * enough is reclaimed (shrink_lruvec stops instead).
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
	struct mem_cgroup *target_mem_cgroup; /* a group's limit reclaim: only its subtree (NULL: the node's reclaim) */
	bool memcg_low_reclaim;  /* memory.low protection is ignored: nothing else was reclaimable */
	bool memcg_low_skipped;  /* a group was passed over for its memory.low */
	unsigned long nr_to_reclaim;
	gfp_t gfp_mask;
	unsigned int order;
	int priority;
	int reclaim_idx;         /* the highest zone whose pages may be taken */
	bool may_unmap;
	bool may_swap;           /* anonymous pages may go to swap (not in kswapd's boost reclaim) */
	bool kswapd;             /* current_is_kswapd() */
	unsigned int may_deactivate; /* DEACTIVATE_ANON | DEACTIVATE_FILE */
	bool cache_trim_mode;
	bool file_is_tiny;
	bool may_writepage;
	unsigned long nr_unqueued_dirty; /* this shrink_node's: dirty file pages met, not under writeback */
	unsigned long nr_file_taken;     /* ... and the file pages it isolated */
	unsigned long nr_scanned;
	unsigned long nr_reclaimed;
};
#define DEACTIVATE_ANON 1
#define DEACTIVATE_FILE 2

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

/* lruvec_lru_size: the group's pages of the list on the node, in zones up to zone_idx */
static unsigned long lru_size_eligible(struct lruvec *lruvec, enum lru_list lru, int zone_idx)
{
	unsigned long n = 0;
	for (int z = 0; z <= zone_idx && z < MAX_ZONE_TYPES; z++)
		n += (unsigned long)max(__atomic_load_n(&lruvec->zone_nr[z][lru], __ATOMIC_RELAXED), 0L);
	return n;
}

static unsigned long int_sqrt(unsigned long x)
{
	unsigned long r = 0;
	while ((r + 1) * (r + 1) <= x)
		r++;
	return r;
}

/*
 * A list's size on the lruvec's node for its group and the groups below
 * it (lruvec_page_state: the root's is the node's), read without lru_lock
 * (its writers hold it; readers here do not).
 */
static unsigned long lru_nr(struct lruvec *lruvec, int lru)
{
	long n = 0;
	if (mem_cgroup_is_root(lruvec->memcg)) {
		n = __atomic_load_n(&lruvec->pgdat->nr_lru[lru], __ATOMIC_RELAXED);
	} else {
		int nid = lruvec->pgdat->node_id;
		for (struct mem_cgroup *m = lruvec->memcg; m; m = mem_cgroup_iter(lruvec->memcg, m))
			n += __atomic_load_n(&m->lruvec[nid]->nr_pages[lru], __ATOMIC_RELAXED);
	}
	return n > 0 ? (unsigned long)n : 0;
}

/* the lruvec of memcg (NULL: the root) on the node */
static struct lruvec *mem_cgroup_lruvec(struct mem_cgroup *memcg, pg_data_t *pgdat)
{
	return memcg ? memcg->lruvec[pgdat->node_id] : &pgdat->__lruvec;
}

/* inactive_is_low: the inactive list is smaller than its share of the pair */
static bool inactive_is_low(struct lruvec *lruvec, enum lru_list inactive_lru)
{
	unsigned long inactive = lru_nr(lruvec, inactive_lru), active = lru_nr(lruvec, inactive_lru + LRU_ACTIVE);
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
		sim_charge(COST_LRU_SCAN, 1);
		if ((int)page_zonenum(page) > sc->reclaim_idx) {
			count_vm_event((enum vm_event_item)(PGSCAN_SKIP_DMA + page_zonenum(page))); /* pgskip_<zone> */
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
		update_lru_size(lruvec, lru, page, -1);
		nr_taken++;
	}
	list_splice(&skipped, src); /* the skipped pages go to the head of the list */
	mod_lruvec_state(lruvec, nr_isolated[is_file_lru(lru)], nr_taken); /* the caller subtracts them after putback */
	*nr_scanned = total_scan;
	trace_mm_vmscan_lru_isolate(sc->reclaim_idx, (int)sc->order, nr_to_scan, total_scan, total_scan - scan, nr_taken,
				    sc->may_unmap ? 0 : ISOLATE_UNMAPPED, lru);
	return nr_taken;
}

/*
 * move_folios_to_lru: each page back onto its group's list its flags name (PG_lru
 * set again), then the isolation's reference goes - the last one frees the
 * page, which takes it off again.  From the list's tail, onto the LRU's
 * head, so the pages keep their order; an activated page moves the
 * workingset clock (workingset_age_nonresident).
 */
static void putback_pages(struct list_head *list)
{
	while (!list_empty(list)) {
		struct page *page = list_entry(list->prev, struct page, lru);
		struct lruvec *lruvec = page_lruvec(page); /* its group's: isolation took it from there */
		list_del(&page->lru);
		if (!page_evictable(page) || page_flag(page, PG_unevictable)) {
			folio_add_lru(page); /* folio_putback_lru: lru_add_fn finds its list (culled if mlocked) */
			put_page(page);
			continue;
		}
		pthread_mutex_lock(&lruvec->lru_lock);
		enum lru_list lru = page_flag(page, PG_unevictable) ? LRU_UNEVICTABLE
				    : (enum lru_list)((page_file_lru(page) ? LRU_INACTIVE_FILE : LRU_INACTIVE_ANON) +
						      (page_flag(page, PG_active) ? LRU_ACTIVE : 0));
		page_set_flag(page, PG_lru);
		list_add(&page->lru, &lruvec->lists[lru]);
		update_lru_size(lruvec, lru, page, 1);
		if (is_active_lru(lru))
			workingset_age_nonresident(lruvec, 1);
		pthread_mutex_unlock(&lruvec->lru_lock);
		put_page(page);
	}
}

/* ---- the rmap: references and unmapping (filemap_lock held) -------------------------------- */

struct rmap_arg {
	struct page *page;
	unsigned long vm_flags; /* of the VMAs found mapping it */
};

/* folio_referenced_one: a young PTE counts, and is made old; its host mirror goes so the next touch shows. */
static int referenced_one(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr, void *arg)
{
	struct rmap_arg *ra = arg;
	unsigned long idx;
	phys_addr_t table = page_pte_of(mm, addr, ra->page, &idx);
	if (!table)
		return 0;
	ra->vm_flags |= vma->vm_flags;
	sim_charge(COST_RMAP_ONE, 1);
	if (vma->vm_flags & VM_LOCKED) {
		mlock_vma_page(ra->page, vma); /* restore the mlock that got missed: it is culled at putback */
		return 0;
	}
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
	struct inode *inode = page_cache_inode(page) ?: page_shmem_inode(page);
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
	phys_addr_t table = page_pte_of(mm, addr, ra->page, &idx);
	if (!table)
		return 0;
	if (vma->vm_flags & VM_LOCKED) {
		mlock_vma_page(ra->page, vma); /* mlocked: stays, and goes to the unevictable list */
		return 0;
	}
	pteval_t pte = pte_get(table, idx);
	sim_charge(COST_UNMAP_ONE, 1);
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
	phys_addr_t table = page_pte_of(mm, addr, ra->page, &idx);
	if (!table)
		return 0;
	if (vma->vm_flags & VM_LOCKED) {
		mlock_vma_page(ra->page, vma); /* mlocked: stays, and goes to the unevictable list */
		return 0;
	}
	swp_entry_t entry = { ra->page->private };
	if (swap_duplicate(entry))
		return 0; /* the slot's count is full: the page stays mapped */
	pteval_t pte = pte_get(table, idx);
	sim_charge(COST_UNMAP_ONE, 1);
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
	struct inode *inode = page_cache_inode(page) ?: page_shmem_inode(page);
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
	/* oldest first: isolation put the first taken off the LRU's tail at this list's tail */
	for (pos = page_list->prev; pos != page_list; pos = n) {
		n = pos->prev;
		struct page *page = list_entry(pos, struct page, lru);
		list_del(&page->lru);
		if (!trylock_page(page))
			goto keep;
		if (!page_evictable(page))
			goto activate_locked; /* mlocked since it was isolated: putback culls it */
		if (page_mapcount(page) && !sc->may_unmap)
			goto keep_locked;
		/* folio_check_dirty_writeback: the flushers' backlog (anonymous pages are not theirs) */
		if (page_file_lru(page) && page_flag(page, PG_dirty) && !page_flag(page, PG_writeback))
			sc->nr_unqueued_dirty++;
		if (page_flag(page, PG_writeback)) {
			/* its write is still on the disk: out of the way, and to the tail when it is done */
			page_set_flag(page, PG_reclaim);
			goto activate_locked;
		}
		enum page_references ref = page_check_references(page);
		if (ref == PAGEREF_ACTIVATE)
			goto activate_locked;
		if (ref == PAGEREF_KEEP)
			goto keep_locked;
		if (page_shmem_inode(page)) {
			/*
			 * shmem: out of every task's page tables (the file's rmap),
			 * then shmem_writepage: a slot, and the page from the
			 * file's cache to the swap cache; on as an anonymous
			 * swap-cache page below
			 */
			if (!(sc->gfp_mask & __GFP_IO) || !sc->may_swap)
				goto keep_locked;
			if (page_mapcount(page)) {
				try_to_unmap(page);
				if (page_mapcount(page))
					goto activate_locked;
			}
			if (!sc->may_writepage)
				goto keep_locked;
			int err = shmem_writepage(page);
			if (err == -EBUSY)
				goto keep_locked; /* a fault is about to map it */
			if (err)
				goto activate_locked; /* swap is full */
			sim_charge(COST_SWAP_ALLOC, 1);
		}
		if (PageAnon(page) || page_in_swap_cache(page)) {
			/* anonymous (or shmem's, in the swap cache now): a slot and the swap cache first (add_to_swap) */
			if (!page_in_swap_cache(page)) {
				if (!(sc->gfp_mask & __GFP_IO) || !sc->may_swap)
					goto keep_locked;
				if (!add_to_swap(page))
					goto activate_locked; /* swap is full */
				sim_charge(COST_SWAP_ALLOC, 1);
			}
			if (page_mapcount(page)) {
				try_to_unmap(page);
				if (page_mapcount(page))
					goto activate_locked;
			}
			if (page_flag(page, PG_dirty)) {
				if (!sc->may_writepage)
					goto keep_locked;
				/* pageout: the write submitted; the scan after its completion frees the page */
				page_set_flag(page, PG_reclaim);
				swap_writepage(page);
				trace_mm_vmscan_write_folio(page, false);
				sim_charge(COST_PAGEOUT, 1);
				(*nr_pageout)++;
				mod_node_page_state(page, nr_vmscan_write, 1);
				if (page_flag(page, PG_writeback))
					goto keep_locked;
				page_clear_flag(page, PG_reclaim); /* written at once */
			}
			if (!remove_from_swap_cache(page))
				goto keep_locked;
			sim_charge(COST_FREE_MAPPING, 1);
			unlock_page(page);
			put_page(page); /* the isolation's reference was the last: freed */
			nr_reclaimed++;
			continue;
		}
		if (!page_file_lru(page) || !page_cache_inode(page))
			goto activate_locked;
		if (page_mapcount(page)) {
			try_to_unmap(page);
			if (page_mapcount(page))
				goto activate_locked;
		}
		if (page_flag(page, PG_dirty)) {
			/*
			 * Marked to be reclaimed as soon as the flusher has written it
			 * (rotated to the inactive tail then) - unless kswapd meets it
			 * dirty again on a node whose file pages are all dirty: then it
			 * writes the page itself.
			 */
			if (!sc->kswapd || !page_flag(page, PG_reclaim) ||
			    !(__atomic_load_n(&NODE_DATA(page_to_nid(page))->flags, __ATOMIC_RELAXED) & PGDAT_DIRTY)) {
				page_set_flag(page, PG_reclaim);
				mod_node_page_state(page, nr_vmscan_immediate, 1);
				goto activate_locked;
			}
			if (ref == PAGEREF_RECLAIM_CLEAN || !(sc->gfp_mask & __GFP_FS) || !sc->may_writepage)
				goto keep_locked;
			/* pageout: PG_reclaim for the write's end; a write done at once (no PG_writeback) clears it */
			bool written = filemap_writepage(page);
			page_clear_flag(page, PG_reclaim);
			trace_mm_vmscan_write_folio(page, true);
			sim_charge(COST_PAGEOUT, 1);
			(*nr_pageout)++;
			mod_node_page_state(page, nr_vmscan_write, 1);
			if (!written)
				goto keep_locked; /* redirtied: back on the inactive list */
		}
		if (!__remove_mapping(page))
			goto keep_locked;
		sim_charge(COST_FREE_MAPPING, 1);
		unlock_page(page);
		put_page(page); /* the isolation's reference was the last: freed */
		nr_reclaimed++;
		continue;
activate_locked:
		if (page_flag(page, PG_mlocked)) {
			if (page_in_swap_cache(page))
				try_to_free_swap(page); /* never to be swapped: its slot goes */
		} else if (!page_flag(page, PG_active)) {
			page_set_flag(page, PG_active);
			(*nr_activate)++;
		}
keep_locked:
		unlock_page(page);
keep:
		list_add(&page->lru, &keep);
	}
	filemap_reclaim_unlock(took);
	/* the survivors back on page_list for the caller's putback, in the order they came */
	while (!list_empty(&keep)) {
		struct list_head *e = keep.prev;
		list_del(e);
		list_add(e, page_list);
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
	swap_io_complete(); /* the disk's completions that have come meanwhile */
	lru_add_drain();
	pthread_mutex_lock(&lruvec->lru_lock);
	unsigned long nr_taken = isolate_lru_pages(nr_to_scan, lruvec, &page_list, &nr_scanned, sc, lru);
	pthread_mutex_unlock(&lruvec->lru_lock);
	count_vm_events(sc->kswapd ? PGSCAN_KSWAPD : PGSCAN_DIRECT, nr_scanned);
	count_vm_events(file ? PGSCAN_FILE : PGSCAN_ANON, nr_scanned);
	memcg_count_event(lruvec->memcg, sc->kswapd ? MEMCG_PGSCAN_KSWAPD : MEMCG_PGSCAN_DIRECT, nr_scanned);
	if (!nr_taken)
		return 0;
	unsigned long unqueued = sc->nr_unqueued_dirty;
	if (file)
		sc->nr_file_taken += nr_taken;
	unsigned long nr_reclaimed = shrink_page_list(&page_list, sc, &nr_activate, &nr_pageout);
	/* every page taken was dirty and not being written: the flushers are behind, nudge them */
	if (sc->nr_unqueued_dirty - unqueued == nr_taken)
		wakeup_flusher_threads();
	sc->nr_scanned += nr_scanned;
	lru_note_cost(lruvec, file, nr_pageout);
	putback_pages(&page_list);
	mod_lruvec_state(lruvec, nr_isolated[file], -(long)nr_taken);
	count_vm_events(PGACTIVATE, nr_activate);
	count_vm_events(sc->kswapd ? PGSTEAL_KSWAPD : PGSTEAL_DIRECT, nr_reclaimed);
	count_vm_events(file ? PGSTEAL_FILE : PGSTEAL_ANON, nr_reclaimed);
	memcg_count_event(lruvec->memcg, MEMCG_PGACTIVATE, nr_activate);
	memcg_count_event(lruvec->memcg, sc->kswapd ? MEMCG_PGSTEAL_KSWAPD : MEMCG_PGSTEAL_DIRECT, nr_reclaimed);
	trace_mm_vmscan_lru_shrink_inactive(lruvec->pgdat->node_id, nr_scanned, nr_reclaimed,
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
	memcg_count_event(lruvec->memcg, MEMCG_PGREFILL, nr_scanned);
	bool took = filemap_reclaim_lock();
	while (!list_empty(&hold)) {
		struct page *page = list_entry(hold.prev, struct page, lru);
		list_del(&page->lru);
		if (!page_evictable(page)) {
			list_add(&page->lru, &active); /* putback culls it */
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
	putback_pages(&active);
	putback_pages(&inactive);
	mod_lruvec_state(lruvec, nr_isolated[is_file_lru(lru)], -(long)nr_taken);
	count_vm_events(PGDEACTIVATE, nr_deactivate);
	memcg_count_event(lruvec->memcg, MEMCG_PGDEACTIVATE, nr_deactivate);
	trace_mm_vmscan_lru_shrink_active(lruvec->pgdat->node_id, nr_taken,
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
	int nid = lruvec->pgdat->node_id;
	for (struct mem_cgroup *m = lruvec->memcg;;) { /* the group's lruvec and its ancestors' on the node */
		unsigned long lrusize = 0;
		for (int l = 0; l < LRU_UNEVICTABLE; l++)
			lrusize += lru_nr(lruvec, l);
		pthread_mutex_lock(&lruvec->lru_lock);
		if (file)
			lruvec->file_cost += nr_pages;
		else
			lruvec->anon_cost += nr_pages;
		if (lruvec->anon_cost + lruvec->file_cost > lrusize / 4) {
			lruvec->anon_cost /= 2;
			lruvec->file_cost /= 2;
		}
		pthread_mutex_unlock(&lruvec->lru_lock);
		if (!m || !m->parent)
			break;
		m = m->parent;
		lruvec = m->lruvec[nid];
	}
}

enum scan_balance { SCAN_EQUAL, SCAN_FRACT, SCAN_ANON, SCAN_FILE };

/*
 * get_scan_count: each evictable list's eligible size >> priority,
 * balanced between anon and file: only file without swap space or with
 * swappiness 0, both equally at priority 0, only anon when the file cache
 * is tiny, only file while cache trimming, else in the proportion of
 * swappiness and of the I/O each type cost (SCAN_FRACT).
 */
static void get_scan_count(struct lruvec *lruvec, struct scan_control *sc, unsigned long nr[NR_LRU_LISTS])
{
	/* the I/O costs are the reclaim target's (prepare_scan_count), which its groups' costs add up to */
	struct lruvec *target = mem_cgroup_lruvec(sc->target_mem_cgroup, lruvec->pgdat);
	struct mem_cgroup *memcg = lruvec->memcg;
	/* the protection shrink_node_memcgs computed for this group (nothing for the target itself) */
	unsigned long protection = mem_cgroup_is_root(memcg) ? 0
				   : mem_cgroup_protection(sc->target_mem_cgroup, memcg, sc->memcg_low_reclaim);
	int swappiness = __atomic_load_n(&vm_swappiness, __ATOMIC_RELAXED);
	enum scan_balance balance;
	unsigned long fraction[2] = { 0, 0 }, denominator = 1;
	if (!sc->may_swap || !kmm_nr_swap_pages() || !swappiness) {
		balance = SCAN_FILE;
	} else if (!sc->priority) {
		balance = SCAN_EQUAL;
	} else if (sc->file_is_tiny) {
		balance = SCAN_ANON;
	} else if (sc->cache_trim_mode) {
		balance = SCAN_FILE;
	} else {
		balance = SCAN_FRACT;
		pthread_mutex_lock(&target->lru_lock);
		unsigned long total_cost = target->anon_cost + target->file_cost;
		unsigned long anon_cost = total_cost + target->anon_cost, file_cost = total_cost + target->file_cost;
		pthread_mutex_unlock(&target->lru_lock);
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
		unsigned long lruvec_size = lru_size_eligible(lruvec, lru, sc->reclaim_idx), scan = lruvec_size;
		/* a protected group is scanned in proportion to its usage above the protection */
		if (protection) {
			unsigned long cgroup_size = max(mem_cgroup_usage(memcg), protection);
			scan = lruvec_size - lruvec_size * protection / (cgroup_size + 1);
			scan = max(scan, SWAP_CLUSTER_MAX);
		}
		scan >>= sc->priority;
		/* a dying group's last pages go even at low pressure */
		if (!scan && memcg && !__atomic_load_n(&memcg->online, __ATOMIC_RELAXED))
			scan = min(lruvec_size, SWAP_CLUSTER_MAX);
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
static void shrink_lruvec(struct lruvec *lruvec, struct scan_control *sc)
{
	unsigned long nr[NR_LRU_LISTS];
	get_scan_count(lruvec, sc, nr);
	/* global direct reclaim at the first priority scans the whole share, as 6.1's proportional reclaim */
	bool proportional = !sc->kswapd && !sc->target_mem_cgroup && sc->priority == DEF_PRIORITY;
	unsigned long nr_reclaimed = 0;
	while (nr[LRU_INACTIVE_ANON] || nr[LRU_ACTIVE_FILE] || nr[LRU_INACTIVE_FILE]) {
		for (int l = 0; l < LRU_UNEVICTABLE; l++) {
			if (!nr[l])
				continue;
			unsigned long nr_to_scan = min(nr[l], SWAP_CLUSTER_MAX);
			nr[l] -= nr_to_scan;
			nr_reclaimed += shrink_list((enum lru_list)l, nr_to_scan, lruvec, sc);
		}
		cond_resched();
		if (sc->nr_reclaimed + nr_reclaimed >= sc->nr_to_reclaim && !proportional)
			break;
	}
	sc->nr_reclaimed += nr_reclaimed;
	/* even if nothing was scanned there, keep the anon inactive list filled (can_age_anon_pages) */
	if (kmm_total_swap_pages() && inactive_is_low(lruvec, LRU_INACTIVE_ANON))
		shrink_active_list(SWAP_CLUSTER_MAX, lruvec, sc, LRU_ACTIVE_ANON);
}

/*
 * shrink_node_memcgs: each group of the target's subtree on the node, in
 * pre-order: one within its effective memory.min is left alone, one within
 * memory.low too unless this is the retry that ignores it (then "low"
 * counts).  The slab shrinkers run with the root: kmm's are not per group.
 */
static void shrink_node_memcgs(pg_data_t *pgdat, struct scan_control *sc)
{
	struct mem_cgroup *target = sc->target_mem_cgroup;
	for (struct mem_cgroup *memcg = mem_cgroup_iter(target, NULL); memcg; memcg = mem_cgroup_iter(target, memcg)) {
		mem_cgroup_calculate_protection(target, memcg);
		if (mem_cgroup_below_min(memcg))
			continue;
		if (mem_cgroup_below_low(memcg)) {
			if (!sc->memcg_low_reclaim) {
				sc->memcg_low_skipped = true;
				continue;
			}
			memcg_memory_event(memcg, MEMCG_LOW);
		}
		shrink_lruvec(mem_cgroup_lruvec(memcg, pgdat), sc);
		if (mem_cgroup_is_root(memcg)) {
			/* the slab caches' shrinkers (mm/shrinker.c): the slab pages they free are reclaimed pages too */
			struct reclaim_state reclaim_state = { 0 }, *outer = set_task_reclaim_state(&reclaim_state);
			shrink_slab(sc->gfp_mask, pgdat->node_id, sc->priority);
			set_task_reclaim_state(outer);
			sc->nr_reclaimed += reclaim_state.reclaimed_slab;
		}
		cond_resched();
	}
}

/* shrink_node: which active lists may be aged (the target's lists on the node), then the groups' lists */
static void shrink_node(pg_data_t *pgdat, struct scan_control *sc)
{
	struct lruvec *target_lruvec = mem_cgroup_lruvec(sc->target_mem_cgroup, pgdat);
	sc->nr_unqueued_dirty = sc->nr_file_taken = 0; /* memset(&sc->nr, 0, ...) */
	sc->may_deactivate = 0;
	if (inactive_is_low(target_lruvec, LRU_INACTIVE_ANON))
		sc->may_deactivate |= DEACTIVATE_ANON;
	if (inactive_is_low(target_lruvec, LRU_INACTIVE_FILE))
		sc->may_deactivate |= DEACTIVATE_FILE;
	unsigned long file = lru_nr(target_lruvec, LRU_INACTIVE_FILE);
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
	unsigned long all_file = file + lru_nr(target_lruvec, LRU_ACTIVE_FILE),
		      anon = lru_nr(target_lruvec, LRU_INACTIVE_ANON);
	/* file_is_tiny is the node's judgement: not for a group's own limit */
	sc->file_is_tiny = !sc->target_mem_cgroup && all_file + free <= total_high_wmark &&
			   !(sc->may_deactivate & DEACTIVATE_ANON) && (anon >> sc->priority);
	unsigned long nr_reclaimed = sc->nr_reclaimed;
	shrink_node_memcgs(pgdat, sc);
	/* kswapd may write file pages once a whole round of them was dirty and unqueued (none taken counts too, as 6.1's) */
	if (sc->kswapd && sc->nr_unqueued_dirty == sc->nr_file_taken)
		__atomic_fetch_or(&pgdat->flags, PGDAT_DIRTY, __ATOMIC_RELAXED);
	/* kswapd's failures end with any reclaim from the node, direct reclaim's too */
	if (sc->nr_reclaimed > nr_reclaimed)
		__atomic_store_n(&pgdat->kswapd_failures, 0, __ATOMIC_RELAXED);
	/* nothing inactive left to take but active pages there: age them (6.1's force_deactivate retry) */
	if (!sc->nr_reclaimed && !(sc->may_deactivate & DEACTIVATE_FILE) && lru_nr(target_lruvec, LRU_ACTIVE_FILE)) {
		sc->may_deactivate |= DEACTIVATE_FILE;
		struct mem_cgroup *target = sc->target_mem_cgroup;
		for (struct mem_cgroup *m = mem_cgroup_iter(target, NULL); m; m = mem_cgroup_iter(target, m))
			if (lru_size_eligible(mem_cgroup_lruvec(m, pgdat), LRU_ACTIVE_FILE, sc->reclaim_idx))
				shrink_active_list(SWAP_CLUSTER_MAX, mem_cgroup_lruvec(m, pgdat), sc, LRU_ACTIVE_FILE);
	}
}

/*
 * do_try_to_free_pages: priorities 12 .. 0 over the nodes of the
 * allocation's zonelist; if nothing came back but a group was passed over
 * for its memory.low, once more ignoring memory.low.
 */
static unsigned long do_try_to_free_pages(struct zonelist *zonelist, struct scan_control *sc)
{
	int initial_priority = sc->priority;
retry:
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
	if (!sc->nr_reclaimed && sc->memcg_low_skipped) {
		sc->priority = initial_priority;
		sc->memcg_low_reclaim = true;
		sc->memcg_low_skipped = false;
		goto retry;
	}
	return sc->nr_reclaimed;
}

/*
 * try_to_free_mem_cgroup_pages: a group over its limit (memory.max or
 * memory.high, or memory.reclaim asking) reclaims nr_pages from its own
 * subtree, from every zone of every node (node 0's zonelist).
 */
unsigned long try_to_free_mem_cgroup_pages(struct mem_cgroup *memcg, unsigned long nr_pages, gfp_t gfp, bool may_swap)
{
	struct scan_control sc = {
		.nr_to_reclaim = max(nr_pages, SWAP_CLUSTER_MAX),
		.gfp_mask = (gfp & (__GFP_IO | __GFP_FS | __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)) |
			    (GFP_HIGHUSER_MOVABLE & ~(__GFP_IO | __GFP_FS | __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)),
		.reclaim_idx = MAX_ZONE_TYPES - 1,
		.target_mem_cgroup = memcg,
		.priority = DEF_PRIORITY,
		.may_writepage = true,
		.may_unmap = true,
		.may_swap = may_swap,
	};
	struct zonelist *zonelist = &NODE_DATA(0)->node_zonelists[ZONELIST_FALLBACK];
	unsigned long nr_reclaimed = do_try_to_free_pages(zonelist, &sc);
	/* nothing freed, but writes on their way: wait for the disk, as the node's direct reclaim does */
	if (!nr_reclaimed && swap_io_in_flight() && swap_io_wait()) {
		sc.priority = DEF_PRIORITY;
		sc.memcg_low_reclaim = sc.memcg_low_skipped = false;
		nr_reclaimed = do_try_to_free_pages(zonelist, &sc);
	}
	return nr_reclaimed;
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
		.may_swap = true,
		.may_writepage = true, /* !laptop_mode */
	};
	struct zonelist *zonelist = &NODE_DATA(preferred_nid)->node_zonelists[ZONELIST_FALLBACK];
	trace_mm_vmscan_direct_reclaim_begin((int)order, sc.gfp_mask);
	plot_event(PLOT_DIRECT_RECLAIM_BEGIN, preferred_nid);
	unsigned long nr_reclaimed = do_try_to_free_pages(zonelist, &sc);
	/* nothing freed, but writes on their way: wait for the disk (reclaim_throttle, VMSCAN_THROTTLE_WRITEBACK) */
	if (!nr_reclaimed && swap_io_in_flight() && swap_io_wait())
		nr_reclaimed = do_try_to_free_pages(zonelist, &(struct scan_control){
			.nr_to_reclaim = SWAP_CLUSTER_MAX, .gfp_mask = gfp, .order = order, .priority = DEF_PRIORITY,
			.reclaim_idx = highest_zoneidx, .may_unmap = true, .may_swap = true, .may_writepage = true });
	trace_mm_vmscan_direct_reclaim_end(nr_reclaimed);
	plot_event(PLOT_DIRECT_RECLAIM_END, preferred_nid);
	return nr_reclaimed;
}

/*
 * reclaim_pages (MADV_PAGEOUT): isolated pages go through shrink_page_list
 * at once, node by node, with their references as madvise left them
 * (cleared); what is not freed goes back on its list.  Not counted as
 * scanned or stolen, as 6.1 does not count them; pswpout counts.
 */
unsigned long reclaim_pages(struct list_head *list)
{
	unsigned long nr_reclaimed = 0;
	while (!list_empty(list)) {
		struct list_head node_list = LIST_HEAD_INIT(node_list);
		int nid = page_to_nid(list_entry(list->next, struct page, lru));
		struct list_head *pos, *n;
		for (pos = list->next; pos != list; pos = n) {
			n = pos->next;
			struct page *page = list_entry(pos, struct page, lru);
			if (page_to_nid(page) != nid)
				continue;
			page_clear_flag(page, PG_active);
			list_move(pos, &node_list);
		}
		struct scan_control sc = {
			.gfp_mask = GFP_KERNEL, .may_writepage = true, .may_unmap = true, .may_swap = true,
			.priority = DEF_PRIORITY, .reclaim_idx = MAX_ZONE_TYPES - 1,
		};
		unsigned long nr_activate = 0, nr_pageout = 0;
		nr_reclaimed += shrink_page_list(&node_list, &sc, &nr_activate, &nr_pageout);
		count_vm_events(PGACTIVATE, nr_activate);
		putback_pages(&node_list);
	}
	return nr_reclaimed;
}

/* ---- kswapd ----------------------------------------------------------------------------------- */

/*
 * kswapd, one per node: woken by the allocator's slow path when a zone
 * falls under its low watermark (wakeup_kswapd), it reclaims until some
 * zone the waker could use is over its high watermark (pgdat_balanced),
 * then naps HZ/10 and, if nobody woke it meanwhile and the node is still
 * balanced, sleeps until woken.  balance_pgdat goes down the priorities
 * as direct reclaim does, but each round aims at the node's high
 * watermarks (kswapd_shrink_node); a zone's watermark boost (a pageblock
 * stolen for another migrate type) makes it reclaim that much more, without
 * writing or swapping, and ends when it is done.  kcompactd
 * (mm/compaction.c) is woken by kswapd going to sleep for the order it was
 * asked (a high-order run that fell back to order 0 tries to sleep at once,
 * as 6.1's goto kswapd_try_sleep), by a boost worked off (pageblock order),
 * and by wakeup_kswapd for a caller that cannot reclaim on a node already
 * balanced.
 *
 * kswapd is a thread of the simulated machine, run by sim/clock.c's
 * scheduler: its state below is what Linux keeps on kswapd's stack between
 * two slices of CPU time.  A slice runs whole rounds of balance_pgdat (one
 * kswapd_shrink_node each) while kswapd is owed CPU time; the round it is
 * in when the slice ends is finished first, as cond_resched would let a
 * real kswapd go on to the end of a batch.
 */
enum kswapd_state {
	KSWAPD_SLEEPING,     /* on the wait queue until woken */
	KSWAPD_NAPPING,      /* kswapd_try_to_sleep's HZ/10 nap: woken early or at its end */
	KSWAPD_RUNNING,      /* in balance_pgdat, or about to go in */
};

struct kswapd {
	pthread_mutex_t lock;          /* held by the thread running it */
	int state;                     /* enum kswapd_state (atomic: wakers and scheduling points read it) */
	int wake_pending;              /* woken since it last looked (atomic) */
	u64 nap_end;                   /* the clock when the nap ends */
	struct sched_entity_kswapd se; /* its account with the scheduler */
	/* kswapd()'s and balance_pgdat()'s locals between slices */
	int alloc_order, reclaim_order, highest_zoneidx;
	bool in_balance;
	struct scan_control sc;
	unsigned long nr_boost_reclaim;
	unsigned long zone_boosts[MAX_ZONE_TYPES];
	bool boosted;
};

static int kswapd_state_of(const struct kswapd *k)
{
	return __atomic_load_n(&k->state, __ATOMIC_ACQUIRE);
}

static void kswapd_set_state(struct kswapd *k, int state)
{
	__atomic_store_n(&k->state, state, __ATOMIC_RELEASE);
}

/* pgdat_balanced: some zone the request could use is over its high watermark (a node without one: yes) */
static bool pgdat_balanced(pg_data_t *pgdat, int order, int highest_zoneidx)
{
	bool any = false;
	for (int i = 0; i <= highest_zoneidx && i < MAX_ZONE_TYPES; i++) {
		struct zone *zone = &pgdat->node_zones[i];
		if (!managed_zone(zone))
			continue;
		any = true;
		if (zone_watermark_ok(zone, (unsigned int)order, high_wmark_pages(zone), highest_zoneidx, 0))
			return true;
	}
	return !any;
}

static bool pgdat_watermark_boosted(pg_data_t *pgdat, int highest_zoneidx)
{
	for (int i = min(highest_zoneidx, MAX_ZONE_TYPES - 1); i >= 0; i--)
		if (zone_wmark_boost(&pgdat->node_zones[i]))
			return true;
	return false;
}

#define MAX_RECLAIM_RETRIES 16

/* prepare_kswapd_sleep: a hopeless node or a balanced one lets kswapd sleep */
static bool prepare_kswapd_sleep(pg_data_t *pgdat, int order, int highest_zoneidx)
{
	if (__atomic_load_n(&pgdat->kswapd_failures, __ATOMIC_RELAXED) >= MAX_RECLAIM_RETRIES)
		return true;
	if (!pgdat_balanced(pgdat, order, highest_zoneidx))
		return false;
	__atomic_fetch_and(&pgdat->flags, ~PGDAT_DIRTY, __ATOMIC_RELAXED); /* clear_pgdat_congested */
	return true;
}

/* kswapd_highest_zoneidx: what was asked, or prev if nothing was */
static int kswapd_highest_zoneidx(pg_data_t *pgdat, int prev)
{
	int curr = __atomic_load_n(&pgdat->kswapd_highest_zoneidx, __ATOMIC_RELAXED);
	return curr == MAX_ZONE_TYPES ? prev : curr;
}

/*
 * wakeup_kswapd: the allocator's request (the order and the highest zone it
 * could use) is left for kswapd, and kswapd woken unless it is awake, the
 * node is hopeless (MAX_RECLAIM_RETRIES balance runs freed nothing), or
 * balanced with no boost to work off.  Called with the allocator's locks
 * held: it only marks; kswapd runs at the next scheduling point.
 */
void wakeup_kswapd(struct zone *zone, gfp_t gfp, unsigned int order, int highest_zoneidx)
{
	count_vm_event(KSWAPD_WAKE);
	if (!managed_zone(zone))
		return;
	pg_data_t *pgdat = zone->zone_pgdat;
	struct kswapd *k = pgdat->kswapd;
	if (!k)
		return;
	int curr = __atomic_load_n(&pgdat->kswapd_highest_zoneidx, __ATOMIC_RELAXED);
	if (curr == MAX_ZONE_TYPES || curr < highest_zoneidx)
		__atomic_store_n(&pgdat->kswapd_highest_zoneidx, highest_zoneidx, __ATOMIC_RELAXED);
	if (__atomic_load_n(&pgdat->kswapd_order, __ATOMIC_RELAXED) < (int)order)
		__atomic_store_n(&pgdat->kswapd_order, (int)order, __ATOMIC_RELAXED);
	if (kswapd_state_of(k) == KSWAPD_RUNNING)
		return; /* !waitqueue_active: it is awake and will read the request */
	if (__atomic_load_n(&pgdat->kswapd_failures, __ATOMIC_RELAXED) >= MAX_RECLAIM_RETRIES ||
	    (pgdat_balanced(pgdat, (int)order, highest_zoneidx) && !pgdat_watermark_boosted(pgdat, highest_zoneidx))) {
		/* free memory enough but perhaps in pieces: kcompactd, for a caller that cannot compact itself */
		if (!(gfp & __GFP_DIRECT_RECLAIM))
			wakeup_kcompactd(pgdat, (int)order, highest_zoneidx);
		return;
	}
	trace_mm_vmscan_wakeup_kswapd(pgdat->node_id, highest_zoneidx, (int)order, gfp);
	__atomic_store_n(&k->wake_pending, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&M->kswapd_wakes, 1, __ATOMIC_RELEASE);
}

/* balance_pgdat's start: the boost to work off, the scan_control, pageoutrun */
static void balance_begin(pg_data_t *pgdat, struct kswapd *k, int order, int highest_zoneidx)
{
	k->nr_boost_reclaim = 0;
	for (int i = 0; i < MAX_ZONE_TYPES; i++) {
		struct zone *zone = &pgdat->node_zones[i];
		k->zone_boosts[i] = i <= highest_zoneidx && managed_zone(zone) ? zone_wmark_boost(zone) : 0;
		k->nr_boost_reclaim += k->zone_boosts[i];
	}
	k->boosted = k->nr_boost_reclaim != 0;
	k->highest_zoneidx = highest_zoneidx;
	k->sc = (struct scan_control){
		.gfp_mask = GFP_KERNEL,
		.order = (unsigned int)order,
		.may_unmap = true,
		.kswapd = true,
		.priority = DEF_PRIORITY,
	};
	k->in_balance = true;
	count_vm_event(PAGEOUTRUN);
}

/* kswapd_shrink_node: a round aimed at the high watermarks; true if it scanned that much */
static bool kswapd_shrink_node(pg_data_t *pgdat, struct scan_control *sc)
{
	sc->nr_to_reclaim = 0;
	for (int z = 0; z <= sc->reclaim_idx && z < MAX_ZONE_TYPES; z++) {
		struct zone *zone = &pgdat->node_zones[z];
		if (managed_zone(zone))
			sc->nr_to_reclaim += max(high_wmark_pages(zone), SWAP_CLUSTER_MAX);
	}
	shrink_node(pgdat, sc);
	/* compact_gap: enough freed for compaction to make the order, so go on as for order 0 */
	if (sc->order && sc->nr_reclaimed >= 2UL << sc->order)
		sc->order = 0;
	return sc->nr_scanned >= sc->nr_to_reclaim;
}

/* balance_pgdat's end: the boost worked off, the order it stopped at */
static void balance_end(pg_data_t *pgdat, struct kswapd *k)
{
	if (k->boosted) {
		for (int i = 0; i <= k->highest_zoneidx && i < MAX_ZONE_TYPES; i++) {
			struct zone *zone = &pgdat->node_zones[i];
			if (!k->zone_boosts[i])
				continue;
			pthread_mutex_lock(&zone->lock);
			unsigned long b = zone_wmark_boost(zone);
			__atomic_store_n(&zone->watermark_boost, b - min(b, k->zone_boosts[i]), __ATOMIC_RELAXED);
			pthread_mutex_unlock(&zone->lock);
		}
		/* the boost came from a pageblock stolen: kcompactd may now put such blocks back together */
		wakeup_kcompactd(pgdat, M->prof->pageblock_order, k->highest_zoneidx);
	}
	k->reclaim_order = (int)k->sc.order;
	k->in_balance = false;
}

/* One round of balance_pgdat's loop; false when balance_pgdat is over. */
static bool balance_step(pg_data_t *pgdat, struct kswapd *k)
{
	struct scan_control *sc = &k->sc;
	unsigned long nr_reclaimed = sc->nr_reclaimed;
	bool raise_priority = true;
	sc->reclaim_idx = k->highest_zoneidx;
	bool balanced = pgdat_balanced(pgdat, (int)sc->order, k->highest_zoneidx);
	if (!balanced && k->nr_boost_reclaim) {
		/* a node out of balance: the boost waits, reclaim as usual from the top (goto restart) */
		k->nr_boost_reclaim = 0;
		sc->priority = DEF_PRIORITY;
		return true;
	}
	if (!k->nr_boost_reclaim && balanced)
		goto out;
	if (k->nr_boost_reclaim && sc->priority == DEF_PRIORITY - 2)
		raise_priority = false;
	/* boosted reclaim neither writes nor swaps */
	sc->may_writepage = !k->nr_boost_reclaim;
	sc->may_swap = !k->nr_boost_reclaim;
	/* kswapd_age_node: keep the anon inactive list filled, to give pages a chance to be referenced */
	if (sc->may_swap && kmm_total_swap_pages() && inactive_is_low(&pgdat->__lruvec, LRU_INACTIVE_ANON))
		for (struct mem_cgroup *m = mem_cgroup_iter(NULL, NULL); m; m = mem_cgroup_iter(NULL, m))
			shrink_active_list(SWAP_CLUSTER_MAX, mem_cgroup_lruvec(m, pgdat), sc, LRU_ACTIVE_ANON);
	if (sc->priority < DEF_PRIORITY - 2)
		sc->may_writepage = true;
	sc->nr_scanned = 0;
	if (kswapd_shrink_node(pgdat, sc))
		raise_priority = false;
	nr_reclaimed = sc->nr_reclaimed - nr_reclaimed;
	k->nr_boost_reclaim -= min(k->nr_boost_reclaim, nr_reclaimed);
	if (k->nr_boost_reclaim && !nr_reclaimed)
		goto out; /* a boost reclaim that cannot progress (no I/O allowed) stops */
	if (raise_priority || !nr_reclaimed)
		sc->priority--;
	if (sc->priority >= 1)
		return true;
	if (!sc->nr_reclaimed)
		__atomic_add_fetch(&pgdat->kswapd_failures, 1, __ATOMIC_RELAXED);
out:
	balance_end(pgdat, k);
	return false;
}

/* kswapd()'s loop, from reading the request to balance_pgdat */
static void kswapd_begin_balance(pg_data_t *pgdat, struct kswapd *k)
{
	k->alloc_order = __atomic_load_n(&pgdat->kswapd_order, __ATOMIC_RELAXED);
	k->highest_zoneidx = kswapd_highest_zoneidx(pgdat, k->highest_zoneidx);
	__atomic_store_n(&pgdat->kswapd_order, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&pgdat->kswapd_highest_zoneidx, MAX_ZONE_TYPES, __ATOMIC_RELAXED);
	kswapd_set_state(k, KSWAPD_RUNNING);
	trace_mm_vmscan_kswapd_wake(pgdat->node_id, k->highest_zoneidx, k->alloc_order);
	plot_event(PLOT_KSWAPD_WAKE, pgdat->node_id);
	balance_begin(pgdat, k, k->alloc_order, k->highest_zoneidx);
}

/*
 * kswapd_try_to_sleep, its first half: a balanced node lets kswapd nap;
 * one that is not sends it straight back to work (high watermark hit
 * quickly).
 */
static void kswapd_try_to_sleep(pg_data_t *pgdat, struct kswapd *k)
{
	__atomic_store_n(&k->wake_pending, 0, __ATOMIC_RELAXED);
	if (prepare_kswapd_sleep(pgdat, k->reclaim_order, k->highest_zoneidx)) {
		/* balanced for the order reclaim reached: compaction makes the one asked */
		wakeup_kcompactd(pgdat, k->alloc_order, k->highest_zoneidx);
		__atomic_store_n(&k->nap_end, kmm_clock_ns() + 1000000000ULL / 10, __ATOMIC_RELAXED); /* schedule_timeout(HZ/10) */
		/* a waker that found it running left its request; the nap's end or the next wake reads it */
		kswapd_set_state(k, KSWAPD_NAPPING);
		plot_event(PLOT_KSWAPD_SLEEP, pgdat->node_id);
		return;
	}
	count_vm_event(KSWAPD_HIGH_WMARK_HIT_QUICKLY);
	kswapd_begin_balance(pgdat, k);
}

/* The nap's end or a wake: what kswapd does next (its second half). */
static void kswapd_wake_from(pg_data_t *pgdat, struct kswapd *k, bool woken)
{
	int state = kswapd_state_of(k);
	if (state == KSWAPD_NAPPING && woken) {
		/* woken early: the request stands, with at least the order kswapd stopped at */
		__atomic_store_n(&pgdat->kswapd_highest_zoneidx, kswapd_highest_zoneidx(pgdat, k->highest_zoneidx),
				 __ATOMIC_RELAXED);
		if (__atomic_load_n(&pgdat->kswapd_order, __ATOMIC_RELAXED) < k->reclaim_order)
			__atomic_store_n(&pgdat->kswapd_order, k->reclaim_order, __ATOMIC_RELAXED);
		count_vm_event(KSWAPD_LOW_WMARK_HIT_QUICKLY);
	} else if (state == KSWAPD_NAPPING) {
		/* the nap is over: balanced still, sleep until woken */
		if (prepare_kswapd_sleep(pgdat, k->reclaim_order, k->highest_zoneidx)) {
			trace_mm_vmscan_kswapd_sleep(pgdat->node_id);
			kswapd_set_state(k, KSWAPD_SLEEPING);
			if (__atomic_exchange_n(&k->wake_pending, 0, __ATOMIC_ACQUIRE))
				kswapd_wake_from(pgdat, k, true);
			return;
		}
		count_vm_event(KSWAPD_HIGH_WMARK_HIT_QUICKLY);
	}
	/* off the wait queue: a sleeper's place in the run queue (GENTLE_FAIR_SLEEPERS) */
	sched_wake_entity(&k->se, state == KSWAPD_SLEEPING);
	kswapd_begin_balance(pgdat, k);
}

/* A slice of kswapd's CPU time, in the thread at a scheduling point (k->lock held). */
static void kswapd_slice(pg_data_t *pgdat, struct kswapd *k)
{
	sched_enter_kswapd(&k->se);
	for (;;) {
		int state = kswapd_state_of(k);
		if (state != KSWAPD_RUNNING) {
			bool woken = __atomic_exchange_n(&k->wake_pending, 0, __ATOMIC_ACQUIRE);
			if (!woken && !(state == KSWAPD_NAPPING && kmm_clock_ns() >= __atomic_load_n(&k->nap_end, __ATOMIC_RELAXED)))
				break;
			kswapd_wake_from(pgdat, k, woken);
			continue;
		}
		if (sched_entity_owed(&k->se) <= 0)
			break; /* its share is used: the tasks run */
		if (k->in_balance && balance_step(pgdat, k))
			continue;
		/*
		 * balance_pgdat is over.  A high-order run that fell back to
		 * order 0 (reclaim_order below alloc_order) tries to sleep at
		 * the order it reached, kcompactd woken for the one asked.
		 */
		if (k->reclaim_order < k->alloc_order) {
			kswapd_try_to_sleep(pgdat, k);
			continue;
		}
		k->alloc_order = k->reclaim_order = __atomic_load_n(&pgdat->kswapd_order, __ATOMIC_RELAXED);
		k->highest_zoneidx = kswapd_highest_zoneidx(pgdat, k->highest_zoneidx);
		kswapd_try_to_sleep(pgdat, k);
	}
	sched_leave_kswapd(&k->se);
}

/* Does kswapd want the CPU now: woken, its nap over, or running and owed its share? */
static bool kswapd_wants_cpu(const struct kswapd *k)
{
	switch (kswapd_state_of(k)) {
	case KSWAPD_RUNNING:
		return sched_entity_preempts(&k->se);
	case KSWAPD_NAPPING:
		if (kmm_clock_ns() >= __atomic_load_n(&k->nap_end, __ATOMIC_RELAXED))
			return true;
		/* fall through */
	default:
		return __atomic_load_n(&k->wake_pending, __ATOMIC_ACQUIRE);
	}
}

bool kswapd_wants_to_run(void)
{
	if (!__atomic_load_n(&M->kswapd_wakes, __ATOMIC_RELAXED))
		return false;
	for (int n = 0; n < M->nr_nodes; n++) {
		pg_data_t *pgdat = NODE_DATA(n);
		if (pgdat && pgdat->kswapd && kswapd_wants_cpu(pgdat->kswapd))
			return true;
	}
	return false;
}

void kswapd_sched_point(void)
{
	if (!__atomic_load_n(&M->kswapd_wakes, __ATOMIC_ACQUIRE))
		return;
	bool awake = false;
	for (int n = 0; n < M->nr_nodes; n++) {
		pg_data_t *pgdat = NODE_DATA(n);
		struct kswapd *k = pgdat ? pgdat->kswapd : NULL;
		if (!k)
			continue;
		if (kswapd_wants_cpu(k) && !pthread_mutex_trylock(&k->lock)) {
			kswapd_slice(pgdat, k);
			pthread_mutex_unlock(&k->lock);
		}
		awake = awake || kswapd_state_of(k) != KSWAPD_SLEEPING || __atomic_load_n(&k->wake_pending, __ATOMIC_RELAXED);
	}
	if (!awake)
		__atomic_store_n(&M->kswapd_wakes, 0, __ATOMIC_RELAXED);
	/* a wake after the look above sets it again */
	for (int n = 0; n < M->nr_nodes && !awake; n++) {
		pg_data_t *pgdat = NODE_DATA(n);
		if (pgdat && pgdat->kswapd && __atomic_load_n(&pgdat->kswapd->wake_pending, __ATOMIC_ACQUIRE))
			__atomic_store_n(&M->kswapd_wakes, 1, __ATOMIC_RELEASE);
	}
}

/* kswapd_run: the node's kswapd, asleep (at boot, as kswapd_init starts them) */
void kswapd_run(pg_data_t *pgdat)
{
	struct kswapd *k = calloc(1, sizeof(*k));
	if (!k)
		abort();
	pthread_mutex_init(&k->lock, NULL);
	k->state = KSWAPD_SLEEPING;
	k->highest_zoneidx = MAX_ZONE_TYPES - 1;
	pgdat->kswapd_highest_zoneidx = MAX_ZONE_TYPES;
	pgdat->kswapd = k;
}

void kswapd_stop(pg_data_t *pgdat)
{
	struct kswapd *k = pgdat->kswapd;
	if (!k)
		return;
	pthread_mutex_destroy(&k->lock);
	free(k);
	pgdat->kswapd = NULL;
}

/* kswapd_is_running: kswapd is reclaiming (neither napping nor asleep) */
bool kswapd_is_running(pg_data_t *pgdat)
{
	return pgdat->kswapd && kswapd_state_of(pgdat->kswapd) == KSWAPD_RUNNING;
}

/* kswapd's state as a word, for views and tests: "sleeping", "napping", "running" */
const char *kswapd_state_name(const pg_data_t *pgdat)
{
	static const char *const names[] = { "sleeping", "napping", "running" };
	return pgdat->kswapd ? names[kswapd_state_of(pgdat->kswapd)] : "none";
}
