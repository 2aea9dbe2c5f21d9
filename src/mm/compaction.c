/*
 * compaction.c - memory compaction, as Linux 6.1's mm/compaction.c: free
 * memory scattered in small blocks is gathered into large ones by moving
 * the movable pages in the way (mm/migrate.c) to free pages elsewhere.
 *
 * Two scanners walk a zone from its ends toward each other, a pageblock
 * at a time:
 *
 *   zone_start_pfn                                              zone_end_pfn
 *   | migrate scanner -->  [used used free used] ... [free used free] <-- free scanner |
 *                  migrate_pfn                               free_pfn
 *
 *   isolate_migratepages   from migrate_pfn: up to COMPACT_CLUSTER_MAX (32)
 *                          pages on an LRU list (folio_isolate_lru), free
 *                          blocks skipped whole, pinned anonymous pages
 *                          (references beyond their mappings) left
 *   isolate_freepages      from free_pfn down, in MOVABLE pageblocks only
 *                          (suitable_migration_target): the free blocks,
 *                          split into order-0 pages (isolate_free_block in
 *                          page_alloc.c; never below the min watermark)
 *   migrate_pages          each isolated page to a free one from the top
 *                          (compaction_alloc; compaction_free takes back one
 *                          not used)
 *
 * until the scanners meet (COMPACT_COMPLETE) or, for an allocation's
 * direct compaction, a free block of the wanted order is there
 * (COMPACT_SUCCESS).  What is left isolated goes back: pages to the LRU,
 * free pages to the allocator - where, the used pages having moved to the
 * top of the zone, their buddies now merge into large blocks.
 *
 * Who compacts:
 *   /proc/sys/vm/compact_memory   writing it compacts every zone of every
 *                                 node whole (compact_node, order -1, sync);
 *                                 it counts no compact_stall/fail/success
 *   direct compaction             the allocation slow path (page_alloc.c's
 *                                 __alloc_pages_direct_compact) for orders
 *                                 above 0 that reclaim alone would not help:
 *                                 each zone of the zonelist that is suitable
 *                                 (compaction_suitable: order-0 pages above the
 *                                 watermark + 2 << order, and fragmentation -
 *                                 the zone's extfrag index for the order above
 *                                 vm.extfrag_threshold (500) - not lack of
 *                                 memory the reason for the failure), not
 *                                 deferred, then the allocation is tried again;
 *                                 compact_stall per attempt, compact_success
 *                                 when it got its page, compact_fail else
 *   kcompactd (one per node)      woken for an order (wakeup_kcompactd: kswapd
 *                                 going to sleep, an allocation that may not
 *                                 reclaim), each suitable zone compacted until
 *                                 a block of it is free (compact_daemon_*);
 *                                 every 500 ms, proactive compaction of the
 *                                 node while its fragmentation score (the
 *                                 free pages outside pageblock-sized blocks,
 *                                 weighted by zone size) is above 100 -
 *                                 vm.compaction_proactiveness (+10 starts it,
 *                                 the mark itself ends it); see its section
 *   deferral                      a zone where direct compaction failed skips
 *                                 the next 1 << compact_defer_shift attempts
 *                                 (compact_considered counts them; the shift
 *                                 grows to COMPACT_MAX_DEFER_SHIFT 6); success
 *                                 resets it (compaction_defer_reset)
 *
 * Counters: compact_migrate_scanned, compact_free_scanned (pfns looked
 * at), compact_isolated (pages isolated by both scanners), compact_stall,
 * compact_fail, compact_success; kcompactd's compact_daemon_wake and
 * compact_daemon_migrate/free_scanned (its woken work only, as 6.1
 * counts them); pgmigrate_* in mm/migrate.c.
 *
 * Locking: zone->lock around the free scanner's isolation of each block;
 * the migrate scanner takes lru_lock through folio_isolate_lru; migration's
 * own locks after that.  No lock is held across migrate_pages.
 *
 * Not done: the pageblock skip bits and cached scanner positions (every run scans
 * the whole zone from its ends), the fast free/migrate searches of the
 * free lists, compaction_capture, async direct
 * compaction's abort on contention, vm.compact_unevictable_allowed (always
 * 1: mlocked pages move, as on Debian's kernels).
 */
#include "internal.h"

#include <kmm/task.h>

#include "trace/events.h"

#define COMPACT_CLUSTER_MAX 32UL
#define COMPACT_MAX_DEFER_SHIFT 6

enum compact_result {
	COMPACT_NOT_SUITABLE_ZONE, COMPACT_SKIPPED, COMPACT_DEFERRED, COMPACT_NO_SUITABLE_PAGE, COMPACT_CONTINUE,
	COMPACT_COMPLETE, COMPACT_PARTIAL_SKIPPED, COMPACT_CONTENDED, COMPACT_SUCCESS,
};

struct compact_control {
	struct list_head freepages;     /* isolated free pages, order 0, referenced */
	struct list_head migratepages;  /* isolated pages to move */
	unsigned long nr_freepages, nr_migratepages;
	unsigned long free_pfn;         /* the free scanner's next pageblock (it scans down) */
	unsigned long migrate_pfn;      /* the migrate scanner's next pfn (it scans up) */
	unsigned long total_migrate_scanned, total_free_scanned;
	struct zone *zone;
	int order;                      /* the order wanted; -1: the whole zone (compact_memory) */
	enum migrate_mode mode;
	bool direct_compaction;
	bool proactive_compaction;      /* kcompactd's background work: until the zone's score is under the low mark */
	int highest_zoneidx;
	unsigned int alloc_flags;
};

static unsigned long pageblock_start(unsigned long pfn)
{
	return pfn & ~(pageblock_nr_pages() - 1);
}

/* ---- the free scanner -------------------------------------------------------------------- */

/* suitable_migration_target: a MOVABLE pageblock not already one free block */
static bool suitable_migration_target(struct page *page)
{
	if (PageBuddy(page) && buddy_order_unsafe(page) >= (unsigned long)M->prof->pageblock_order)
		return false;
	return get_pageblock_migratetype(page) == MIGRATE_MOVABLE;
}

/* isolate_freepages_block: the free blocks of [start, end) onto cc->freepages; false: the watermark stopped it */
static bool isolate_freepages_block(struct compact_control *cc, unsigned long start, unsigned long end)
{
	struct zone *zone = cc->zone;
	bool ok = true;
	unsigned long scanned0 = cc->total_free_scanned, taken0 = cc->nr_freepages;
	struct list_head blocks = LIST_HEAD_INIT(blocks); /* taken under the lock, made pages after it */
	pthread_mutex_lock(&zone->lock);
	for (unsigned long pfn = start; pfn < end;) {
		cc->total_free_scanned++;
		struct page *page = pfn_to_page(pfn);
		if (!pfn_valid(pfn) || !PageBuddy(page) || page_zone(page) != zone) {
			pfn++;
			continue;
		}
		unsigned int order = (unsigned int)page->private;
		unsigned long got = isolate_free_block(zone, page, order);
		if (!got) {
			ok = false;
			break;
		}
		/* off the free lists: the block's order, until split_map_pages (whole: the migrate scanner reads it) */
		__atomic_store_n(&page->private, (unsigned long)order, __ATOMIC_RELAXED);
		list_add_tail(&page->lru, &blocks);
		cc->nr_freepages += got;
		count_vm_events(COMPACTISOLATED, got);
		pfn += 1UL << order;
	}
	pthread_mutex_unlock(&zone->lock);
	trace_mm_compaction_isolate_freepages(start, end, cc->total_free_scanned - scanned0, cc->nr_freepages - taken0);
	while (!list_empty(&blocks)) {
		struct page *page = list_first_entry(&blocks, struct page, lru);
		list_del(&page->lru);
		split_map_pages(page, (unsigned int)page->private, &cc->freepages);
	}
	return ok;
}

/* isolate_freepages: down from free_pfn, block by block, above the migrate scanner's block */
static void isolate_freepages(struct compact_control *cc)
{
	unsigned long pb = pageblock_nr_pages();
	unsigned long low = pageblock_start(cc->migrate_pfn) + pb; /* never the migrate scanner's own block */
	unsigned long zstart = cc->zone->zone_start_pfn, zend = zone_end_pfn(cc->zone);
	for (unsigned long block = cc->free_pfn; block >= low && cc->nr_freepages < cc->nr_migratepages; block -= pb) {
		unsigned long start = max(block, zstart), end = min(block + pb, zend);
		cc->free_pfn = block - pb; /* the next call goes on below */
		if (!pfn_valid(start) || page_zone(pfn_to_page(start)) != cc->zone ||
		    !suitable_migration_target(pfn_to_page(start))) {
			if (block < pb)
				break;
			continue;
		}
		if (!isolate_freepages_block(cc, start, end)) {
			cc->free_pfn = block; /* under the watermark: stop here */
			break;
		}
		if (block < pb)
			break;
	}
}

/* compaction_alloc: migrate_pages' new page, from the free scanner's pages */
static struct page *compaction_alloc(struct page *old, unsigned long data)
{
	struct compact_control *cc = (struct compact_control *)data;
	(void)old;
	if (list_empty(&cc->freepages))
		isolate_freepages(cc);
	if (list_empty(&cc->freepages))
		return NULL;
	struct page *page = list_first_entry(&cc->freepages, struct page, lru);
	list_del(&page->lru);
	cc->nr_freepages--;
	return page;
}

/* compaction_free: a page migrate_pages did not use goes back to the scanner's list */
static void compaction_free(struct page *page, unsigned long data)
{
	struct compact_control *cc = (struct compact_control *)data;
	list_add(&page->lru, &cc->freepages);
	cc->nr_freepages++;
}

static void release_freepages(struct compact_control *cc)
{
	while (!list_empty(&cc->freepages)) {
		struct page *page = list_first_entry(&cc->freepages, struct page, lru);
		list_del(&page->lru);
		put_page(page);
	}
	cc->nr_freepages = 0;
}

/* ---- the migrate scanner ---------------------------------------------------------------- */

/*
 * isolate_migratepages_block: LRU pages of [cc->migrate_pfn, end) onto
 * cc->migratepages, up to COMPACT_CLUSTER_MAX; migrate_pfn moves past
 * what was scanned.
 */
static void isolate_migratepages_block(struct compact_control *cc, unsigned long end)
{
	unsigned long pfn = cc->migrate_pfn, start = pfn, scanned0 = cc->total_migrate_scanned;
	unsigned long taken0 = cc->nr_migratepages;
	for (; pfn < end && cc->nr_migratepages < COMPACT_CLUSTER_MAX; pfn++) {
		cc->total_migrate_scanned++;
		if (!pfn_valid(pfn))
			continue;
		struct page *page = pfn_to_page(pfn);
		if (PageBuddy(page)) { /* a free block: skip it whole (read racily, as 6.1's buddy_order_unsafe) */
			unsigned long order = buddy_order_unsafe(page);
			if (order > 0 && order < MAX_ORDER)
				pfn += (1UL << order) - 1;
			continue;
		}
		/* a tail never has PG_lru; compound_head shares lru.next, which list moves write under lru_lock */
		if (!page_flag(page, PG_lru) || PageHead(page) || page_zone(page) != cc->zone)
			continue;
		/* a pinned anonymous page would only fail: references beyond its mappings (and the swap cache's) */
		if (PageAnon(page) && page_ref_count(page) > page_mapcount(page) + (page_in_swap_cache(page) ? 1 : 0))
			continue;
		/*
		 * folio_try_get first: a page whose last reference is going
		 * (on its way off the LRU to the allocator) must not be
		 * brought back by the isolation's get_page.
		 */
		if (!get_page_unless_zero(page))
			continue;
		bool isolated = page_flag(page, PG_lru) && folio_isolate_lru(page);
		put_page(page); /* the isolation holds its own */
		if (!isolated)
			continue;
		list_add_tail(&page->lru, &cc->migratepages);
		cc->nr_migratepages++;
		count_vm_event(COMPACTISOLATED);
	}
	trace_mm_compaction_isolate_migratepages(start, pfn, cc->total_migrate_scanned - scanned0,
						 cc->nr_migratepages - taken0);
	cc->migrate_pfn = pfn;
}

/* isolate_migratepages: the next pageblock's pages (direct compaction: MOVABLE blocks only) */
static void isolate_migratepages(struct compact_control *cc)
{
	unsigned long pb = pageblock_nr_pages(), zend = zone_end_pfn(cc->zone);
	while (!cc->nr_migratepages && cc->migrate_pfn < cc->free_pfn + pb && cc->migrate_pfn < zend) {
		unsigned long end = min(pageblock_start(cc->migrate_pfn) + pb, zend);
		struct page *first = pfn_valid(pageblock_start(cc->migrate_pfn)) ? pfn_to_page(pageblock_start(cc->migrate_pfn)) : NULL;
		/* suitable_migration_source: async direct compaction moves only from MOVABLE blocks */
		if (!first || (cc->mode == MIGRATE_ASYNC && cc->direct_compaction &&
			       get_pageblock_migratetype(first) != MIGRATE_MOVABLE)) {
			cc->total_migrate_scanned += end - cc->migrate_pfn;
			cc->migrate_pfn = end;
			continue;
		}
		isolate_migratepages_block(cc, end);
		if (cc->migrate_pfn < end) /* the cluster is full: the rest of the block next time */
			break;
	}
}

/* ---- the fragmentation score (proactive compaction) ------------------------------------- */

/*
 * extfrag_for_order: the share (0..100) of the zone's free pages that are
 * in blocks smaller than order.  The score is taken for the order of a
 * huge page (COMPACTION_HPAGE_ORDER: HPAGE_PMD_ORDER with THP, which is
 * the pageblock order on every profile).
 */
static unsigned int extfrag_for_order(struct zone *zone, unsigned int order)
{
	unsigned long free_pages = 0, suitable = 0;
	for (unsigned int o = 0; o < MAX_ORDER; o++) {
		unsigned long n = __atomic_load_n(&zone->free_area[o].nr_free, __ATOMIC_RELAXED);
		free_pages += n << o;
		if (o >= order)
			suitable += n << o;
	}
	if (!free_pages)
		return 0;
	return (unsigned int)((free_pages - min(suitable, free_pages)) * 100 / free_pages);
}

static unsigned int fragmentation_score_zone(struct zone *zone)
{
	return extfrag_for_order(zone, (unsigned int)M->prof->pageblock_order);
}

/* the node's score: each zone's weighted by its share of the node, so a small DMA zone never starts it */
static unsigned int fragmentation_score_node(pg_data_t *pgdat)
{
	unsigned long score = 0;
	for (int z = 0; z < MAX_ZONE_TYPES; z++) {
		struct zone *zone = &pgdat->node_zones[z];
		score += zone->present_pages * fragmentation_score_zone(zone) / (pgdat->node_present_pages + 1);
	}
	return (unsigned int)score;
}

/* the low mark 100 - proactiveness (at least 5) ends proactive compaction; 10 above it starts it */
static unsigned int fragmentation_score_wmark(bool low)
{
	unsigned int proactiveness = (unsigned int)__atomic_load_n(&M->compaction_proactiveness, __ATOMIC_RELAXED);
	unsigned int wmark_low = max(100U - proactiveness, 5U);
	return low ? wmark_low : min(wmark_low + 10, 100U);
}

static bool should_proactive_compact_node(pg_data_t *pgdat)
{
	if (!__atomic_load_n(&M->compaction_proactiveness, __ATOMIC_RELAXED) || kswapd_is_running(pgdat))
		return false;
	return fragmentation_score_node(pgdat) > fragmentation_score_wmark(false);
}

/* ---- when to stop ------------------------------------------------------------------------ */

static bool compact_scanners_met(const struct compact_control *cc)
{
	return pageblock_start(cc->free_pfn) <= pageblock_start(cc->migrate_pfn);
}

static enum compact_result __compact_finished(struct compact_control *cc)
{
	if (compact_scanners_met(cc) || cc->migrate_pfn >= zone_end_pfn(cc->zone))
		return COMPACT_COMPLETE;
	if (cc->proactive_compaction) {
		if (kswapd_is_running(cc->zone->zone_pgdat))
			return COMPACT_PARTIAL_SKIPPED; /* reclaim first: it is freeing what compaction would move */
		return fragmentation_score_zone(cc->zone) > fragmentation_score_wmark(true) ? COMPACT_CONTINUE
											     : COMPACT_SUCCESS;
	}
	if (cc->order < 0)
		return COMPACT_CONTINUE;
	/* a free block of the order: the allocation may find it (find_suitable_fallback's stealing included) */
	for (int o = cc->order; o < MAX_ORDER; o++)
		if (__atomic_load_n(&cc->zone->free_area[o].nr_free, __ATOMIC_RELAXED))
			return COMPACT_SUCCESS;
	return COMPACT_NO_SUITABLE_PAGE;
}

static enum compact_result compact_finished(struct compact_control *cc)
{
	enum compact_result ret = __compact_finished(cc);
	trace_mm_compaction_zone(TRACE_MM_COMPACTION_FINISHED, cc->zone, cc->order, (int)ret);
	return ret == COMPACT_NO_SUITABLE_PAGE ? COMPACT_CONTINUE : ret;
}

/* ---- fragmentation and suitability ------------------------------------------------------- */

/* fragmentation_index: why an allocation of order fails, 0 lack of memory .. 1000 fragmentation; -1000 it would not */
static int fragmentation_index(struct zone *zone, unsigned int order)
{
	unsigned long free_pages = 0, blocks = 0, suitable = 0;
	for (unsigned int o = 0; o < MAX_ORDER; o++) {
		unsigned long n = __atomic_load_n(&zone->free_area[o].nr_free, __ATOMIC_RELAXED);
		blocks += n;
		free_pages += n << o;
		if (o >= order)
			suitable += n << (o - order);
	}
	if (!blocks)
		return 0;
	if (suitable)
		return -1000;
	return 1000 - (int)((1000 + free_pages * 1000ULL / (1UL << order)) / blocks);
}

/* compaction_suitable: could compaction give this zone a block of order? */
static enum compact_result __compaction_suitable(struct zone *zone, int order, unsigned int alloc_flags,
						 int highest_zoneidx)
{
	unsigned long mark = zone_wmark(zone, alloc_flags & 3); /* ALLOC_WMARK_MASK */
	if (zone_watermark_ok(zone, (unsigned int)order, mark, highest_zoneidx, alloc_flags))
		return COMPACT_SUCCESS;
	/* order-0 pages above the watermark plus twice the block, room for the copies */
	unsigned long wm = (order > PAGE_ALLOC_COSTLY_ORDER ? low_wmark_pages(zone) : min_wmark_pages(zone)) + (2UL << order);
	if (!zone_watermark_ok(zone, 0, wm, highest_zoneidx, 0))
		return COMPACT_SKIPPED;
	if (order > PAGE_ALLOC_COSTLY_ORDER) {
		int fragindex = fragmentation_index(zone, (unsigned int)order);
		if (fragindex >= 0 && fragindex <= __atomic_load_n(&M->extfrag_threshold, __ATOMIC_RELAXED))
			return COMPACT_NOT_SUITABLE_ZONE; /* lack of memory, not fragmentation: reclaim's job */
	}
	return COMPACT_CONTINUE;
}

static enum compact_result compaction_suitable(struct zone *zone, int order, unsigned int alloc_flags,
					       int highest_zoneidx)
{
	enum compact_result ret = __compaction_suitable(zone, order, alloc_flags, highest_zoneidx);
	trace_mm_compaction_zone(TRACE_MM_COMPACTION_SUITABLE, zone, order, (int)ret);
	return ret;
}

/* ---- a zone ------------------------------------------------------------------------------- */

static enum compact_result compact_zone(struct compact_control *cc)
{
	struct zone *zone = cc->zone;
	enum compact_result ret;
	if (cc->order >= 0) {
		ret = compaction_suitable(zone, cc->order, cc->alloc_flags, cc->highest_zoneidx);
		if (ret != COMPACT_CONTINUE)
			return ret;
	}
	INIT_LIST_HEAD(&cc->freepages);
	INIT_LIST_HEAD(&cc->migratepages);
	cc->migrate_pfn = zone->zone_start_pfn;
	cc->free_pfn = pageblock_start(zone_end_pfn(zone) - 1);
	lru_add_drain_all(); /* the pages still in the CPUs' batches are on no list yet */
	bool sync = cc->mode != MIGRATE_ASYNC;
	trace_mm_compaction_begin(zone->zone_start_pfn, cc->migrate_pfn, cc->free_pfn, zone_end_pfn(zone), sync);
	while ((ret = compact_finished(cc)) == COMPACT_CONTINUE) {
		isolate_migratepages(cc);
		if (!cc->nr_migratepages)
			continue;
		unsigned int nr_succeeded = 0;
		int err = migrate_pages(&cc->migratepages, compaction_alloc, compaction_free, (unsigned long)cc, cc->mode,
					MR_COMPACTION, &nr_succeeded);
		trace_mm_compaction_migratepages(nr_succeeded, cc->nr_migratepages - nr_succeeded);
		cc->nr_migratepages = 0;
		if (err) {
			putback_movable_pages(&cc->migratepages);
			if (err == -ENOMEM && !compact_scanners_met(cc)) {
				ret = COMPACT_CONTENDED; /* no free page left above the migrate scanner */
				break;
			}
		}
		cond_resched();
	}
	putback_movable_pages(&cc->migratepages);
	cc->nr_migratepages = 0;
	release_freepages(cc);
	count_vm_events(COMPACTMIGRATE_SCANNED, cc->total_migrate_scanned);
	count_vm_events(COMPACTFREE_SCANNED, cc->total_free_scanned);
	trace_mm_compaction_end(zone->zone_start_pfn, cc->migrate_pfn, cc->free_pfn, zone_end_pfn(zone), sync, (int)ret);
	return ret;
}

/* compact_node: every zone of the node, whole (compact_memory) */
static void compact_node(int nid)
{
	pg_data_t *pgdat = NODE_DATA(nid);
	for (int z = 0; z < MAX_ZONE_TYPES; z++) {
		struct zone *zone = &pgdat->node_zones[z];
		if (!populated_zone(zone))
			continue;
		struct compact_control cc = { .zone = zone, .order = -1, .mode = MIGRATE_SYNC };
		compact_zone(&cc);
	}
}

void compact_nodes(void)
{
	lru_add_drain_all();
	for (int nid = 0; nid < M->nr_nodes; nid++)
		if (NODE_DATA(nid)->node_present_pages)
			compact_node(nid);
}

/* ---- deferral ------------------------------------------------------------------------------ */

/*
 * The deferral fields are updated without a lock by every CPU's direct
 * compaction, as 6.1's are (a lost update only shifts when compaction is
 * tried next): relaxed atomics, so that each access is whole.
 */
#define DEFER_LOAD(f) __atomic_load_n(&(f), __ATOMIC_RELAXED)
#define DEFER_STORE(f, v) __atomic_store_n(&(f), (v), __ATOMIC_RELAXED)

/* defer_compaction: direct compaction failed here; skip the next 1 << shift attempts */
static void defer_compaction(struct zone *zone, int order)
{
	DEFER_STORE(zone->compact_considered, 0U);
	unsigned int shift = DEFER_LOAD(zone->compact_defer_shift);
	if (shift < COMPACT_MAX_DEFER_SHIFT)
		DEFER_STORE(zone->compact_defer_shift, shift + 1);
	if (order < DEFER_LOAD(zone->compact_order_failed))
		DEFER_STORE(zone->compact_order_failed, order);
	trace_mm_compaction_zone(TRACE_MM_COMPACTION_DEFER_COMPACTION, zone, order, 0);
}

/* compaction_deferred: still within the skipped attempts (each counted) */
static bool compaction_deferred(struct zone *zone, int order)
{
	unsigned int limit = 1U << DEFER_LOAD(zone->compact_defer_shift);
	if (order < DEFER_LOAD(zone->compact_order_failed))
		return false;
	if (__atomic_add_fetch(&zone->compact_considered, 1, __ATOMIC_RELAXED) >= limit) {
		DEFER_STORE(zone->compact_considered, limit);
		return false;
	}
	trace_mm_compaction_zone(TRACE_MM_COMPACTION_DEFERRED, zone, order, 0);
	return true;
}

/* compaction_defer_reset: success at order; orders up to it are no longer deferred */
static void compaction_defer_reset(struct zone *zone, int order)
{
	DEFER_STORE(zone->compact_considered, 0U);
	DEFER_STORE(zone->compact_defer_shift, 0U);
	if (order >= DEFER_LOAD(zone->compact_order_failed))
		DEFER_STORE(zone->compact_order_failed, order + 1);
	trace_mm_compaction_zone(TRACE_MM_COMPACTION_DEFER_RESET, zone, order, 0);
}

/*
 * try_to_compact_pages + __alloc_pages_direct_compact's accounting: each
 * suitable zone of the zonelist (those the allocation may use, from the
 * preferred one down) that is not deferred is compacted until a block of
 * order is free there, and try_alloc(arg) is asked for the page; the page
 * (compact_success), or NULL (compact_fail if any zone was compacted).
 */
struct page *try_to_compact_pages(gfp_t gfp, unsigned int order, unsigned int alloc_flags, int highest_zoneidx,
				  struct zone **zones, int nr_zones, struct page *(*try_alloc)(void *arg), void *arg)
{
	if (!order || !(gfp & __GFP_IO))
		return NULL; /* 6.1: no compaction for a caller that may not do I/O */
	bool compacted = false;
	struct page *page = NULL;
	enum migrate_mode mode = order > PAGE_ALLOC_COSTLY_ORDER ? MIGRATE_ASYNC : MIGRATE_SYNC_LIGHT;
	/* the priority 6.1 gives these modes: COMPACT_PRIO_ASYNC 2, COMPACT_PRIO_SYNC_LIGHT 1 */
	trace_mm_compaction_try_to_compact_pages((int)order, gfp, mode == MIGRATE_ASYNC ? 2 : 1);
	for (int i = 0; i < nr_zones; i++) {
		struct zone *zone = zones[i];
		if (compaction_deferred(zone, (int)order))
			continue;
		struct compact_control cc = { .zone = zone, .order = (int)order, .mode = mode, .direct_compaction = true,
					      .highest_zoneidx = highest_zoneidx, .alloc_flags = alloc_flags };
		enum compact_result r = compact_zone(&cc);
		if (r == COMPACT_SKIPPED || r == COMPACT_NOT_SUITABLE_ZONE)
			continue;
		compacted = true;
		page = try_alloc(arg);
		if (page) {
			compaction_defer_reset(zone, (int)order);
			break;
		}
		if (r == COMPACT_COMPLETE || r == COMPACT_PARTIAL_SKIPPED)
			defer_compaction(zone, (int)order);
	}
	if (compacted) { /* __alloc_pages_direct_compact: a stall, and how it ended */
		count_vm_event(COMPACTSTALL);
		count_vm_event(page ? COMPACTSUCCESS : COMPACTFAIL);
	}
	return page;
}

/* ---- kcompactd ------------------------------------------------------------------------------- */

/*
 * kcompactd, one per node, as 6.1's: it sleeps on its wait queue with a
 * timeout of HPAGE_FRAG_CHECK_INTERVAL_MSEC (none while
 * vm.compaction_proactiveness is 0).  Woken with work - kswapd going to
 * sleep after balancing for a high order, or an allocation that may not
 * reclaim on a node kswapd cannot help (wakeup_kcompactd, with the order
 * and the highest zone) - it compacts each zone up to that one until a
 * block of the order is free (kcompactd_do_work: compact_daemon_wake, the
 * compact_daemon_* scans; a zone that could not be made so is drained of
 * its CPUs' pages and deferred, as sync direct compaction is).  Its sleep
 * timing out, or the sysctl written (proactive_compact_trigger), it looks
 * at the node's fragmentation score and, above the high mark, compacts
 * every zone whole until each zone's score is under the low mark
 * (proactive_compact_node); no progress sleeps 64 times longer.
 *
 * kcompactd is a thread of the simulated machine run through the
 * machine's timer (sim/clock.c's run_timers, as the flusher is): its
 * timer is due at the end of its sleep, or at once when it was woken, and
 * runs it in the thread at a scheduling point that holds no lock - never
 * from cond_resched inside a fault, whose mmap_lock migration would need.
 * kc->lock is held while it runs, so one thread runs a node's kcompactd at
 * a time; the wake flags are atomics.  A long idle step of the clock runs
 * its checks at their moments on the way.
 */
#define HPAGE_FRAG_CHECK_INTERVAL_NS (500ULL * 1000000ULL) /* HPAGE_FRAG_CHECK_INTERVAL_MSEC */
#define KCOMPACTD_NO_TIMEOUT (~0ULL)                       /* MAX_SCHEDULE_TIMEOUT */

struct kcompactd {
	pthread_mutex_t lock; /* held by the thread running it */
	int wake_pending;     /* woken since it last looked (atomic) */
	int running;          /* out of its wait queue: wakers only leave their request (atomic) */
	int stopping;         /* kthread_should_stop (atomic) */
	u64 timeout_at;       /* the clock when its sleep times out; KCOMPACTD_NO_TIMEOUT (atomic) */
	u64 timeout_ns;       /* the length of its next sleep (lock) */
};

/* pgdat->nr_zones: one above the highest populated zone */
static int pgdat_nr_zones(const pg_data_t *pgdat)
{
	int n = 0;
	for (int z = 0; z < MAX_ZONE_TYPES; z++)
		if (populated_zone(&pgdat->node_zones[z]))
			n = z + 1;
	return n;
}

static bool kcompactd_work_requested(pg_data_t *pgdat)
{
	return __atomic_load_n(&pgdat->kcompactd_max_order, __ATOMIC_RELAXED) > 0 ||
	       __atomic_load_n(&pgdat->proactive_compact_trigger, __ATOMIC_RELAXED);
}

/* kcompactd_node_suitable: some zone up to the highest asked could be compacted for the order */
static bool kcompactd_node_suitable(pg_data_t *pgdat)
{
	int highest = __atomic_load_n(&pgdat->kcompactd_highest_zoneidx, __ATOMIC_RELAXED);
	int order = __atomic_load_n(&pgdat->kcompactd_max_order, __ATOMIC_RELAXED);
	for (int z = 0; z <= highest && z < MAX_ZONE_TYPES; z++) {
		struct zone *zone = &pgdat->node_zones[z];
		if (populated_zone(zone) && compaction_suitable(zone, order, 0, highest) == COMPACT_CONTINUE)
			return true;
	}
	return false;
}

static void kcompactd_wake(struct kcompactd *kc)
{
	__atomic_store_n(&kc->wake_pending, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&M->kcompactd_wakes, 1, __ATOMIC_RELEASE);
}

/*
 * wakeup_kcompactd: the request (the highest order, the lowest zone
 * asked) is left for kcompactd, and a sleeping one woken if some zone
 * could be compacted for it.  Lock-free: callers hold the allocator's locks.
 */
void wakeup_kcompactd(pg_data_t *pgdat, int order, int highest_zoneidx)
{
	struct kcompactd *kc = pgdat->kcompactd;
	if (!order || !kc)
		return;
	if (__atomic_load_n(&pgdat->kcompactd_max_order, __ATOMIC_RELAXED) < order)
		__atomic_store_n(&pgdat->kcompactd_max_order, order, __ATOMIC_RELAXED);
	if (__atomic_load_n(&pgdat->kcompactd_highest_zoneidx, __ATOMIC_RELAXED) > highest_zoneidx)
		__atomic_store_n(&pgdat->kcompactd_highest_zoneidx, highest_zoneidx, __ATOMIC_RELAXED);
	if (__atomic_load_n(&kc->running, __ATOMIC_ACQUIRE))
		return; /* !wq_has_sleeper: it reads the request when it is done */
	if (!kcompactd_node_suitable(pgdat))
		return;
	trace_mm_compaction_node(TRACE_MM_COMPACTION_WAKEUP_KCOMPACTD, pgdat->node_id, order, highest_zoneidx);
	kcompactd_wake(kc);
}

/* kcompactd_do_work: every zone up to the highest asked, until a block of the order is free there */
static void kcompactd_do_work(pg_data_t *pgdat, struct kcompactd *kc)
{
	struct compact_control cc = {
		.order = __atomic_load_n(&pgdat->kcompactd_max_order, __ATOMIC_RELAXED),
		.highest_zoneidx = __atomic_load_n(&pgdat->kcompactd_highest_zoneidx, __ATOMIC_RELAXED),
		.mode = MIGRATE_SYNC_LIGHT,
	};
	trace_mm_compaction_node(TRACE_MM_COMPACTION_KCOMPACTD_WAKE, pgdat->node_id, cc.order, cc.highest_zoneidx);
	count_vm_event(KCOMPACTD_WAKE);
	for (int z = 0; z <= cc.highest_zoneidx && z < MAX_ZONE_TYPES; z++) {
		struct zone *zone = &pgdat->node_zones[z];
		if (!populated_zone(zone) || compaction_deferred(zone, cc.order) ||
		    compaction_suitable(zone, cc.order, 0, z) != COMPACT_CONTINUE)
			continue;
		if (__atomic_load_n(&kc->stopping, __ATOMIC_RELAXED))
			return;
		cc.zone = zone;
		cc.total_migrate_scanned = cc.total_free_scanned = 0;
		enum compact_result status = compact_zone(&cc);
		if (status == COMPACT_SUCCESS) {
			compaction_defer_reset(zone, cc.order);
		} else if (status == COMPACT_PARTIAL_SKIPPED || status == COMPACT_COMPLETE) {
			/* pages stranded on the CPUs' lists may complete a block; deferral limits how often */
			drain_all_pages(zone);
			defer_compaction(zone, cc.order);
		}
		count_vm_events(KCOMPACTD_MIGRATE_SCANNED, cc.total_migrate_scanned);
		count_vm_events(KCOMPACTD_FREE_SCANNED, cc.total_free_scanned);
	}
	/* done until woken again - but a request for more, or for a lower zone, made meanwhile stands */
	if (__atomic_load_n(&pgdat->kcompactd_max_order, __ATOMIC_RELAXED) <= cc.order)
		__atomic_store_n(&pgdat->kcompactd_max_order, 0, __ATOMIC_RELAXED);
	if (__atomic_load_n(&pgdat->kcompactd_highest_zoneidx, __ATOMIC_RELAXED) >= cc.highest_zoneidx)
		__atomic_store_n(&pgdat->kcompactd_highest_zoneidx, pgdat_nr_zones(pgdat) - 1, __ATOMIC_RELAXED);
}

/* proactive_compact_node: every zone whole, each until its score is under the low mark */
static void proactive_compact_node(pg_data_t *pgdat)
{
	for (int z = 0; z < MAX_ZONE_TYPES; z++) {
		struct zone *zone = &pgdat->node_zones[z];
		if (!populated_zone(zone))
			continue;
		struct compact_control cc = { .zone = zone, .order = -1, .mode = MIGRATE_SYNC_LIGHT,
					      .proactive_compaction = true };
		compact_zone(&cc);
	}
}

/* The sleep kcompactd goes into now: the timeout it has, none while proactiveness is 0. */
static void kcompactd_sleep(pg_data_t *pgdat, struct kcompactd *kc)
{
	u64 at = KCOMPACTD_NO_TIMEOUT;
	if (__atomic_load_n(&M->compaction_proactiveness, __ATOMIC_RELAXED))
		at = kmm_clock_ns() + kc->timeout_ns;
	__atomic_store_n(&kc->timeout_at, at, __ATOMIC_RELAXED);
	trace_mm_compaction_node(TRACE_MM_COMPACTION_KCOMPACTD_SLEEP, pgdat->node_id, 0, 0);
	__atomic_store_n(&kc->running, 0, __ATOMIC_RELEASE);
	/* a request made while it ran is seen now, as wait_event tests its condition first */
	if (kcompactd_work_requested(pgdat))
		kcompactd_wake(kc);
}

/*
 * One pass of kcompactd()'s loop, from its wait's end to its next sleep
 * (kc->lock held): woken with work, the work; timed out or triggered, the
 * proactive check.  A wake with nothing asked (the request was taken by
 * an earlier pass) sleeps on with the time that was left.
 */
static void kcompactd_pass(pg_data_t *pgdat, struct kcompactd *kc, bool timed_out)
{
	bool trigger = __atomic_load_n(&pgdat->proactive_compact_trigger, __ATOMIC_RELAXED);
	bool requested = kcompactd_work_requested(pgdat);
	if (!requested && !timed_out)
		return;
	__atomic_store_n(&kc->running, 1, __ATOMIC_RELEASE);
	kc->timeout_ns = HPAGE_FRAG_CHECK_INTERVAL_NS;
	if (requested && !trigger) {
		kcompactd_do_work(pgdat, kc);
	} else {
		if (should_proactive_compact_node(pgdat)) {
			unsigned int prev_score = fragmentation_score_node(pgdat);
			proactive_compact_node(pgdat);
			/* no progress: look again only after 64 intervals */
			if (fragmentation_score_node(pgdat) >= prev_score)
				kc->timeout_ns = HPAGE_FRAG_CHECK_INTERVAL_NS << COMPACT_MAX_DEFER_SHIFT;
		}
		if (trigger)
			__atomic_store_n(&pgdat->proactive_compact_trigger, 0, __ATOMIC_RELAXED);
	}
	kcompactd_sleep(pgdat, kc);
}

u64 kcompactd_next_timer(void)
{
	if (__atomic_load_n(&M->kcompactd_wakes, __ATOMIC_ACQUIRE))
		return 0; /* woken: at once */
	u64 next = KCOMPACTD_NO_TIMEOUT;
	for (int n = 0; n < M->nr_nodes; n++) {
		pg_data_t *pgdat = NODE_DATA(n);
		if (pgdat && pgdat->kcompactd)
			next = min(next, __atomic_load_n(&pgdat->kcompactd->timeout_at, __ATOMIC_RELAXED));
	}
	return next;
}

/* The machine's timer for the kcompactds: those woken, and those whose sleep has timed out by now. */
void kcompactd_timer(u64 now)
{
	__atomic_store_n(&M->kcompactd_wakes, 0, __ATOMIC_RELAXED); /* a wake from here on sets it again */
	for (int n = 0; n < M->nr_nodes; n++) {
		pg_data_t *pgdat = NODE_DATA(n);
		struct kcompactd *kc = pgdat ? pgdat->kcompactd : NULL;
		if (!kc || __atomic_load_n(&kc->stopping, __ATOMIC_ACQUIRE))
			continue;
		bool woken = __atomic_exchange_n(&kc->wake_pending, 0, __ATOMIC_ACQUIRE);
		bool timed_out = __atomic_load_n(&kc->timeout_at, __ATOMIC_RELAXED) <= now;
		if (!woken && !timed_out)
			continue;
		if (pthread_mutex_trylock(&kc->lock)) {
			if (woken) /* it is running in another thread: it reads the request when done */
				kcompactd_wake(kc);
			continue;
		}
		kcompactd_pass(pgdat, kc, timed_out);
		pthread_mutex_unlock(&kc->lock);
	}
}

/* vm.compaction_proactiveness written non-zero: every node's kcompactd looks at its score now */
void compaction_proactiveness_changed(void)
{
	for (int n = 0; n < M->nr_nodes; n++) {
		pg_data_t *pgdat = NODE_DATA(n);
		if (!pgdat || !pgdat->kcompactd || __atomic_load_n(&pgdat->proactive_compact_trigger, __ATOMIC_RELAXED))
			continue;
		__atomic_store_n(&pgdat->proactive_compact_trigger, 1, __ATOMIC_RELAXED);
		kcompactd_wake(pgdat->kcompactd);
	}
}

/* kcompactd_run: the node's kcompactd, asleep with its first timeout (at boot, as kcompactd_init starts them) */
void kcompactd_run(pg_data_t *pgdat)
{
	struct kcompactd *kc = calloc(1, sizeof(*kc));
	if (!kc)
		abort();
	pthread_mutex_init(&kc->lock, NULL);
	kc->timeout_ns = HPAGE_FRAG_CHECK_INTERVAL_NS;
	pgdat->kcompactd_max_order = 0;
	pgdat->kcompactd_highest_zoneidx = MAX_ZONE_TYPES - 1; /* the zones are not there yet: every one */
	kc->timeout_at = M->compaction_proactiveness ? kmm_clock_ns() + kc->timeout_ns : KCOMPACTD_NO_TIMEOUT;
	pgdat->kcompactd = kc;
}

/* kcompactd_stop: kthread_stop - a pass running in another thread is waited for, and none runs after */
void kcompactd_stop(pg_data_t *pgdat)
{
	struct kcompactd *kc = pgdat->kcompactd;
	if (!kc)
		return;
	__atomic_store_n(&kc->stopping, 1, __ATOMIC_RELEASE);
	pthread_mutex_lock(&kc->lock);
	pgdat->kcompactd = NULL;
	pthread_mutex_unlock(&kc->lock);
	pthread_mutex_destroy(&kc->lock);
	free(kc);
}
