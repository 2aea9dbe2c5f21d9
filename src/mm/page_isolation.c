/*
 * page_isolation.c - taking a physical range away from the buddy
 * allocator: pageblock isolation (Linux 6.1's mm/page_isolation.c) and
 * the range allocator built on it, alloc_contig_range() (6.1 keeps that
 * in mm/page_alloc.c; kmm's page_alloc.c is at its size already).  CMA
 * (mm/cma.c) is the caller.
 *
 * alloc_contig_range(start, end, MIGRATE_CMA, gfp):
 *
 *   start_isolate_page_range   every pageblock of [start, end), rounded
 *                              out to pageblocks, becomes MIGRATE_ISOLATE:
 *                              its free blocks move to the ISOLATE lists,
 *                              from which nothing is allocated, and what is
 *                              freed in it later stays there.  A free block
 *                              bigger than a pageblock that crosses the
 *                              edge is split there first (6.1's
 *                              isolate_single_pageblock).  A non-CMA block
 *                              holding a page that cannot move (reserved,
 *                              slab, page table: has_unmovable_pages) is
 *                              refused, -EBUSY.
 *   drain                      every CPU's LRU batches and per-CPU pages
 *                              (whose pages of isolated blocks go to the
 *                              ISOLATE lists)
 *   migrate                    the LRU pages of the range, 32 at a time,
 *                              by mm/migrate.c's migrate_pages() to new
 *                              pages from the allocator (alloc_migration_
 *                              target: the old page's node); a list that
 *                              still has pages after 5 tries is -EBUSY.
 *                              Anonymous pages with references beyond their
 *                              mappings (pinned) are not isolated: they
 *                              stay, and make the range -EBUSY below
 *   test_pages_isolated        under zone->lock: every page of the range
 *                              is in a free block of an isolated pageblock
 *   take                       the free blocks off the lists as order-0
 *                              pages, each referenced once; what lies
 *                              before start or after end goes back
 *   undo_isolate_page_range    the pageblocks get their migratetype back,
 *                              their free blocks too, and a free block of a
 *                              pageblock or more is freed again so that it
 *                              merges with its buddy
 *
 * Nothing is left changed on failure: the migrated pages stay where they
 * went (as in Linux), the isolation is undone.
 *
 * Locking: zone->lock around each pageblock's change of type and around
 * the test-and-take; migration takes its own locks; M->cma_mutex (cma.c)
 * keeps two ranges from being isolated at once.  An isolated pageblock
 * found by another isolation is -EBUSY.
 *
 * Not done: memory hotplug's offlining (the other user of isolation),
 * reclaim_clean_pages_from_list (clean page-cache pages are migrated, not
 * dropped), hugetlb and THP in the range, zone->nr_isolate_pageblock.
 */
#include "internal.h"

#include "mm/cma.h"

#define CONTIG_CLUSTER_MAX 32UL  /* COMPACT_CLUSTER_MAX: pages isolated per migrate_pages call */

static unsigned long pageblock_start_pfn(unsigned long pfn)
{
	return ALIGN_DOWN(pfn, pageblock_nr_pages());
}

/*
 * has_unmovable_pages: a page of the pageblock that migration cannot move.
 * A CMA pageblock isolated for a CMA allocation never has one (only movable
 * allocations get CMA pages).
 */
static bool has_unmovable_pages(struct zone *zone, struct page *page, int migratetype)
{
	int mt = get_pageblock_migratetype(page);
	if (mt == MIGRATE_CMA)
		return migratetype != MIGRATE_CMA;
	unsigned long pfn = page_to_pfn(page), end = pfn + pageblock_nr_pages();
	while (pfn < end) {
		struct page *p = pfn_to_page(pfn);
		if (page_zone(p) != zone || PageReserved(p))
			return true;
		if (PageBuddy(p)) {
			pfn += 1UL << __atomic_load_n(&p->private, __ATOMIC_RELAXED);
			continue;
		}
		if (page_ref_count(p) && !page_flag(p, PG_lru))
			return true;
		pfn++;
	}
	return false;
}

/*
 * A free block larger than a pageblock that holds boundary (a pageblock
 * edge of the range) and starts before it: split into pageblock-sized
 * blocks, each on its own pageblock's list, unmerged - the isolated side
 * and the other one never merge again until the isolation is undone.
 * The caller holds zone->lock and has set the isolated side's type.
 */
static void split_free_block_at(struct zone *zone, unsigned long boundary)
{
	unsigned int pbo = (unsigned int)M->prof->pageblock_order;
	for (unsigned int order = pbo + 1; order < MAX_ORDER; order++) {
		unsigned long head = boundary & ~((1UL << order) - 1);
		if (head == boundary || !pfn_valid(head) || head < zone->zone_start_pfn)
			continue;
		struct page *page = pfn_to_page(head);
		if (!PageBuddy(page) || page->private != order || page_zone(page) != zone)
			continue;
		__del_free_block(zone, page, order);
		for (unsigned long pfn = head; pfn < head + (1UL << order); pfn += pageblock_nr_pages()) {
			struct page *piece = pfn_to_page(pfn);
			__add_free_block(zone, piece, pbo, get_pageblock_migratetype(piece));
		}
		return;
	}
}

static int set_migratetype_isolate(struct page *page, int migratetype)
{
	struct zone *zone = page_zone(page);
	pthread_mutex_lock(&zone->lock);
	int mt = get_pageblock_migratetype(page);
	if (mt == MIGRATE_ISOLATE || has_unmovable_pages(zone, page, migratetype)) {
		pthread_mutex_unlock(&zone->lock);
		return -EBUSY;
	}
	set_pageblock_migratetype(page, MIGRATE_ISOLATE);
	move_freepages_block(zone, page, MIGRATE_ISOLATE, NULL);
	pthread_mutex_unlock(&zone->lock);
	return 0;
}

static void unset_migratetype_isolate(struct page *page, int migratetype)
{
	struct zone *zone = page_zone(page);
	unsigned long pfn = page_to_pfn(page);
	pthread_mutex_lock(&zone->lock);
	if (get_pageblock_migratetype(page) != MIGRATE_ISOLATE) {
		pthread_mutex_unlock(&zone->lock);
		return;
	}
	set_pageblock_migratetype(page, migratetype);
	move_freepages_block(zone, page, migratetype, NULL);
	/* a free block of a pageblock or more may merge with its buddy now: free it again */
	if (PageBuddy(page) && page->private >= (unsigned long)M->prof->pageblock_order) {
		unsigned int order = (unsigned int)page->private;
		__del_free_block(zone, page, order);
		__free_one_page(page, pfn, zone, order, migratetype);
	}
	pthread_mutex_unlock(&zone->lock);
}

/* The range's pageblocks all lie in one zone's valid memory: 0, or -EINVAL. */
static int range_in_one_zone(unsigned long start_pfn, unsigned long end_pfn, struct zone **zonep)
{
	if (start_pfn >= end_pfn || !pfn_valid(start_pfn))
		return -EINVAL;
	struct zone *zone = page_zone(pfn_to_page(start_pfn));
	unsigned long s = pageblock_start_pfn(start_pfn), e = ALIGN(end_pfn, pageblock_nr_pages());
	if (s < zone->zone_start_pfn || e > zone_end_pfn(zone))
		return -EINVAL;
	for (unsigned long pfn = s; pfn < e; pfn += pageblock_nr_pages())
		if (!pfn_valid(pfn) || page_zone(pfn_to_page(pfn)) != zone)
			return -EINVAL;
	if (zonep)
		*zonep = zone;
	return 0;
}

/*
 * Make every pageblock of [start_pfn, end_pfn) MIGRATE_ISOLATE (the range
 * is rounded out to pageblocks); 0, or -EBUSY with nothing isolated.
 * The range lies in one zone (range_in_one_zone).
 */
int start_isolate_page_range(unsigned long start_pfn, unsigned long end_pfn, int migratetype)
{
	unsigned long pb = pageblock_nr_pages();
	unsigned long s = pageblock_start_pfn(start_pfn), e = ALIGN(end_pfn, pb);
	struct zone *zone;
	if (range_in_one_zone(start_pfn, end_pfn, &zone))
		return -EINVAL;
	for (unsigned long pfn = s; pfn < e; pfn += pb) {
		if (set_migratetype_isolate(pfn_to_page(pfn), migratetype)) {
			undo_isolate_page_range(s, pfn, migratetype);
			return -EBUSY;
		}
	}
	pthread_mutex_lock(&zone->lock);
	split_free_block_at(zone, s);
	split_free_block_at(zone, e);
	pthread_mutex_unlock(&zone->lock);
	return 0;
}

void undo_isolate_page_range(unsigned long start_pfn, unsigned long end_pfn, int migratetype)
{
	unsigned long pb = pageblock_nr_pages();
	for (unsigned long pfn = pageblock_start_pfn(start_pfn); pfn < ALIGN(end_pfn, pb); pfn += pb)
		unset_migratetype_isolate(pfn_to_page(pfn), migratetype);
}

/* Every page of the range in a free block of an isolated pageblock?  zone->lock held. */
static bool __range_isolated_free(struct zone *zone, unsigned long start_pfn, unsigned long end_pfn)
{
	unsigned long pb = pageblock_nr_pages();
	for (unsigned long pfn = pageblock_start_pfn(start_pfn); pfn < end_pfn; pfn += pb)
		if (get_pageblock_migratetype(pfn_to_page(pfn)) != MIGRATE_ISOLATE)
			return false;
	for (unsigned long pfn = start_pfn; pfn < end_pfn;) {
		struct page *page = pfn_to_page(pfn);
		if (!PageBuddy(page) || page_zone(page) != zone)
			return false;
		pfn += 1UL << page->private;
	}
	return true;
}

/* 0 when the range is all free and isolated, else -EBUSY. */
int test_pages_isolated(unsigned long start_pfn, unsigned long end_pfn)
{
	struct zone *zone;
	if (range_in_one_zone(start_pfn, end_pfn, &zone))
		return -EINVAL;
	pthread_mutex_lock(&zone->lock);
	bool ok = __range_isolated_free(zone, start_pfn, end_pfn);
	pthread_mutex_unlock(&zone->lock);
	return ok ? 0 : -EBUSY;
}

/* ---- alloc_contig_range -------------------------------------------------------------------- */

/* alloc_migration_target: a new page on the old one's node, from a zone like its own */
static struct page *alloc_migration_target(struct page *old, unsigned long private)
{
	(void)private;
	gfp_t gfp = GFP_USER | __GFP_MOVABLE | __GFP_RETRY_MAYFAIL | __GFP_NOWARN;
	enum zone_type zidx = page_zonenum(old);
	if (is_highmem_idx(zidx) || zidx == ZONE_MOVABLE)
		gfp |= __GFP_HIGHMEM;
	return alloc_pages_node(page_to_nid(old), gfp, 0);
}

/*
 * isolate_migratepages_range: LRU pages of [*pfn, end) onto list, up to
 * CONTIG_CLUSTER_MAX; *pfn moves past what was scanned.  Returns how many.
 */
static unsigned long isolate_lru_range(struct zone *zone, unsigned long *pfnp, unsigned long end,
				       struct list_head *list)
{
	unsigned long pfn = *pfnp, n = 0;
	for (; pfn < end && n < CONTIG_CLUSTER_MAX; pfn++) {
		struct page *page = pfn_to_page(pfn);
		if (PageBuddy(page)) {
			unsigned long order = __atomic_load_n(&page->private, __ATOMIC_RELAXED);
			if (order > 0 && order < MAX_ORDER)
				pfn += (1UL << order) - 1;
			continue;
		}
		if (!page_flag(page, PG_lru) || PageHead(page) || page_zone(page) != zone)
			continue;
		/* pinned: more references than mappings (and the swap cache) - migration would only fail */
		if (PageAnon(page) && page_ref_count(page) > page_mapcount(page) + (page_in_swap_cache(page) ? 1 : 0))
			continue;
		if (!get_page_unless_zero(page))
			continue;
		bool isolated = page_flag(page, PG_lru) && folio_isolate_lru(page);
		put_page(page);
		if (!isolated)
			continue;
		list_add_tail(&page->lru, list);
		n++;
	}
	*pfnp = pfn;
	return n;
}

/* __alloc_contig_migrate_range: move every LRU page of the range away; 0, -EBUSY or -ENOMEM */
static int alloc_contig_migrate_range(struct zone *zone, unsigned long start, unsigned long end)
{
	struct list_head pages = LIST_HEAD_INIT(pages);
	unsigned long pfn = start;
	int tries = 0, ret = 0;
	lru_add_drain_all();
	while (pfn < end || !list_empty(&pages)) {
		if (list_empty(&pages)) {
			isolate_lru_range(zone, &pfn, end, &pages);
			tries = 0;
			if (list_empty(&pages))
				continue;
		} else if (++tries == 5) {
			ret = -EBUSY;
			break;
		}
		int r = migrate_pages(&pages, alloc_migration_target, NULL, 0, MIGRATE_SYNC, MR_CONTIG_RANGE, NULL);
		if (r == -ENOMEM) {
			ret = -ENOMEM;
			break;
		}
	}
	putback_movable_pages(&pages);
	return ret;
}

/*
 * Take the free blocks of [start, end) (all of them free and isolated, or
 * -EBUSY) and make order-0 pages of them, each referenced once; the pages
 * of the first and last block outside the range go back.
 */
static int take_isolated_range(struct zone *zone, unsigned long start, unsigned long end)
{
	struct list_head blocks = LIST_HEAD_INIT(blocks);
	unsigned long outer_start = start, outer_end = end;
	pthread_mutex_lock(&zone->lock);
	/* the free block holding start may begin before it */
	for (unsigned int order = 1; order < MAX_ORDER && !PageBuddy(pfn_to_page(outer_start)); order++) {
		outer_start = start & ~((1UL << order) - 1);
		if (outer_start < pageblock_start_pfn(start)) /* blocks never cross an isolated range's edge */
			break;
	}
	if (outer_start < pageblock_start_pfn(start) || !PageBuddy(pfn_to_page(outer_start)) ||
	    outer_start + (1UL << pfn_to_page(outer_start)->private) <= start)
		outer_start = start;
	if (!__range_isolated_free(zone, outer_start, end)) {
		pthread_mutex_unlock(&zone->lock);
		return -EBUSY;
	}
	for (unsigned long pfn = outer_start; pfn < end;) {
		struct page *page = pfn_to_page(pfn);
		unsigned int order = (unsigned int)page->private;
		__del_free_block(zone, page, order);
		page->private = order; /* the block's order, until split_map_pages */
		list_add_tail(&page->lru, &blocks);
		pfn += 1UL << order;
		outer_end = pfn;
	}
	pthread_mutex_unlock(&zone->lock);
	struct list_head pages = LIST_HEAD_INIT(pages);
	while (!list_empty(&blocks)) {
		struct page *page = list_first_entry(&blocks, struct page, lru);
		list_del(&page->lru);
		split_map_pages(page, (unsigned int)page->private, &pages);
	}
	/* the pages are consecutive; only the list links need letting go */
	while (!list_empty(&pages))
		list_del_init(pages.next);
	if (outer_start != start)
		free_contig_range(outer_start, start - outer_start);
	if (outer_end != end)
		free_contig_range(end, outer_end - end);
	return 0;
}

/*
 * alloc_contig_range: the pages [start, end) of one zone for the caller,
 * each an order-0 page referenced once (free_contig_range gives them
 * back).  migratetype is the pageblocks' type (MIGRATE_CMA, or
 * MIGRATE_MOVABLE for a range of ordinary memory).  0, -EINVAL (not one
 * zone), -EBUSY (a page could not be moved, or the range is already being
 * taken), -ENOMEM (no page to move one to).
 */
int alloc_contig_range(unsigned long start, unsigned long end, int migratetype, gfp_t gfp)
{
	(void)gfp;
	struct zone *zone;
	if (start >= end || end > M->max_pfn || range_in_one_zone(start, end, &zone))
		return -EINVAL;
	int ret = start_isolate_page_range(start, end, migratetype);
	if (ret)
		return ret;
	drain_all_pages(zone);
	ret = alloc_contig_migrate_range(zone, start, end);
	/* -EBUSY: a page that would not move may have been freed meanwhile; the test below decides */
	if (!ret || ret == -EBUSY) {
		lru_add_drain_all();
		drain_all_pages(zone);
		ret = take_isolated_range(zone, start, end);
	}
	undo_isolate_page_range(start, end, migratetype);
	return ret;
}

/* The pages of alloc_contig_range (or of a split allocation) back to the allocator, one by one. */
void free_contig_range(unsigned long pfn, unsigned long nr_pages)
{
	unsigned long busy = 0;
	for (; nr_pages--; pfn++) {
		struct page *page = pfn_to_page(pfn);
		busy += page_ref_count(page) != 1;
		__free_page(page);
	}
	if (busy)
		pr_warn("WARNING: %lu pages are still in use!\n", busy);
}
