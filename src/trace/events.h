/*
 * trace/events.h - the kmem:, vmscan:, compaction:, migrate: and cma: tracepoints,
 * as the allocators, reclaim, compaction and migration call them (Linux's
 * include/trace/events/kmem.h, vmscan.h, compaction.h and migrate.h;
 * private to kmm).
 *
 * Each trace_<event>() is a one-line call placed where Linux 6.1 places its
 * tracepoint (mm/slub.c, mm/slab_common.c, mm/page_alloc.c, mm/memory.c,
 * mm/vmscan.c).  While the event is off it costs one load of kmm_trace_on
 * and one branch predicted not taken, and its arguments are not computed
 * (they are evaluated inside the branch); the record is written out of line
 * by src/trace/tracepoint.c.
 *
 * Where they are, as in 6.1 (kmm keeps kmalloc and kfree in slub.c, where
 * 6.1 has them in slab_common.c):
 *   kmalloc, kmem_cache_alloc, kfree,   slub.c: the entry points, after the allocation
 *   kmem_cache_free                     (kmalloc's large branch too), before the free
 *   mm_page_alloc                       page_alloc.c: the end of __alloc_pages(), failures too
 *   mm_page_free                        free_pages_prepare(), and the boot-time frees
 *                                       (__free_pages_core, free_reserved_area)
 *   mm_page_alloc_zone_locked           __rmqueue_smallest()
 *   mm_page_alloc_extfrag               __rmqueue_fallback(), after the steal
 *   mm_page_pcpu_drain                  free_pcppages_bulk()
 *   rss_stat                            memory.c's mm_trace_rss_stat(), for the RSS counters
 *                                       (its caller is rmap.c's counter update: not yet wired)
 *   mm_page_free_batched                free_unref_page_list(), which kmm does not have yet
 *
 *   mm_vmscan_wakeup_kswapd             vmscan.c's wakeup_kswapd(), when the node's kswapd is woken
 *   mm_vmscan_kswapd_wake, _sleep       vmscan.c's kswapd: before a balance_pgdat run, and when it
 *                                       goes to sleep after its nap
 *   mm_vmscan_direct_reclaim_begin/end  vmscan.c's try_to_free_pages(), around do_try_to_free_pages()
 *   mm_vmscan_lru_isolate               the end of isolate_lru_pages() (6.1's isolate_lru_folios)
 *   mm_vmscan_lru_shrink_inactive       the end of shrink_inactive_list(), when it took pages
 *   mm_vmscan_lru_shrink_active         the end of shrink_active_list()
 *   mm_vmscan_write_folio               pageout(): after the page went to its writepage (swap_writepage)
 *   mm_vmscan_node_reclaim_begin/end    node_reclaim() (zone_reclaim_mode), which kmm does not have:
 *                                       listed and enabled as on Linux, never recorded
 * 6.1's vmscan events of memcg reclaim, slab shrinking (mm_shrink_slab_*)
 * and throttling (mm_vmscan_throttled) are not there.
 */
#ifndef KMM_TRACE_EVENTS_H
#define KMM_TRACE_EVENTS_H

#include "internal.h"

/*
 * The events of each system, in the order `ls events/SYSTEM` lists them:
 * X(id, "name").  The id is the bit of kmm_trace_on: the kmem events
 * first, then the vmscan ones.
 */
#define KMEM_EVENTS(X)                                             \
	X(KFREE, "kfree")                                          \
	X(KMALLOC, "kmalloc")                                      \
	X(KMEM_CACHE_ALLOC, "kmem_cache_alloc")                    \
	X(KMEM_CACHE_FREE, "kmem_cache_free")                      \
	X(MM_PAGE_ALLOC, "mm_page_alloc")                          \
	X(MM_PAGE_ALLOC_EXTFRAG, "mm_page_alloc_extfrag")          \
	X(MM_PAGE_ALLOC_ZONE_LOCKED, "mm_page_alloc_zone_locked")  \
	X(MM_PAGE_FREE, "mm_page_free")                            \
	X(MM_PAGE_FREE_BATCHED, "mm_page_free_batched")            \
	X(MM_PAGE_PCPU_DRAIN, "mm_page_pcpu_drain")                \
	X(RSS_STAT, "rss_stat")

#define VMSCAN_EVENTS(X)                                                         \
	X(MM_VMSCAN_DIRECT_RECLAIM_BEGIN, "mm_vmscan_direct_reclaim_begin")      \
	X(MM_VMSCAN_DIRECT_RECLAIM_END, "mm_vmscan_direct_reclaim_end")          \
	X(MM_VMSCAN_KSWAPD_SLEEP, "mm_vmscan_kswapd_sleep")                      \
	X(MM_VMSCAN_KSWAPD_WAKE, "mm_vmscan_kswapd_wake")                        \
	X(MM_VMSCAN_LRU_ISOLATE, "mm_vmscan_lru_isolate")                        \
	X(MM_VMSCAN_LRU_SHRINK_ACTIVE, "mm_vmscan_lru_shrink_active")            \
	X(MM_VMSCAN_LRU_SHRINK_INACTIVE, "mm_vmscan_lru_shrink_inactive")        \
	X(MM_VMSCAN_NODE_RECLAIM_BEGIN, "mm_vmscan_node_reclaim_begin")          \
	X(MM_VMSCAN_NODE_RECLAIM_END, "mm_vmscan_node_reclaim_end")              \
	X(MM_VMSCAN_WAKEUP_KSWAPD, "mm_vmscan_wakeup_kswapd")                    \
	X(MM_VMSCAN_WRITE_FOLIO, "mm_vmscan_write_folio")

#define COMPACTION_EVENTS(X)                                                                     \
	X(MM_COMPACTION_BEGIN, "mm_compaction_begin")                                            \
	X(MM_COMPACTION_DEFER_COMPACTION, "mm_compaction_defer_compaction")                      \
	X(MM_COMPACTION_DEFER_RESET, "mm_compaction_defer_reset")                                \
	X(MM_COMPACTION_DEFERRED, "mm_compaction_deferred")                                      \
	X(MM_COMPACTION_END, "mm_compaction_end")                                                \
	X(MM_COMPACTION_FINISHED, "mm_compaction_finished")                                      \
	X(MM_COMPACTION_ISOLATE_FREEPAGES, "mm_compaction_isolate_freepages")                    \
	X(MM_COMPACTION_ISOLATE_MIGRATEPAGES, "mm_compaction_isolate_migratepages")              \
	X(MM_COMPACTION_KCOMPACTD_SLEEP, "mm_compaction_kcompactd_sleep")                        \
	X(MM_COMPACTION_KCOMPACTD_WAKE, "mm_compaction_kcompactd_wake")                          \
	X(MM_COMPACTION_MIGRATEPAGES, "mm_compaction_migratepages")                              \
	X(MM_COMPACTION_SUITABLE, "mm_compaction_suitable")                                      \
	X(MM_COMPACTION_TRY_TO_COMPACT_PAGES, "mm_compaction_try_to_compact_pages")              \
	X(MM_COMPACTION_WAKEUP_KCOMPACTD, "mm_compaction_wakeup_kcompactd")

#define MIGRATE_EVENTS(X)                                                                        \
	X(MM_MIGRATE_PAGES, "mm_migrate_pages")                                                  \
	X(MM_MIGRATE_PAGES_START, "mm_migrate_pages_start")                                      \
	X(REMOVE_MIGRATION_PTE, "remove_migration_pte")                                          \
	X(SET_MIGRATION_PTE, "set_migration_pte")

/* include/trace/events/cma.h: only a kernel with CONFIG_CMA has them (set_event refuses them without) */
#define CMA_EVENTS(X)                                                                            \
	X(CMA_ALLOC_BUSY_RETRY, "cma_alloc_busy_retry")                                          \
	X(CMA_ALLOC_FINISH, "cma_alloc_finish")                                                  \
	X(CMA_ALLOC_START, "cma_alloc_start")                                                    \
	X(CMA_RELEASE, "cma_release")

/* every system's events, in the order of their bits */
#define ALL_TRACE_EVENTS(X) KMEM_EVENTS(X) VMSCAN_EVENTS(X) COMPACTION_EVENTS(X) MIGRATE_EVENTS(X) CMA_EVENTS(X)

/* the systems, in the same order: X(name, NAME) - events/name/, NAME_EVENTS, TRACE_NAME_MASK */
#define TRACE_SYSTEMS(X) X(kmem, KMEM) X(vmscan, VMSCAN) X(compaction, COMPACTION) X(migrate, MIGRATE) X(cma, CMA)

enum trace_event_id {
#define TRACE_EVENT_ENUM(id, name) TRACE_##id,
	ALL_TRACE_EVENTS(TRACE_EVENT_ENUM)
#undef TRACE_EVENT_ENUM
	NR_TRACE_EVENTS
};

#define TRACE_EVENT_COUNT(id, name) +1
enum {
	NR_KMEM_EVENTS = 0 KMEM_EVENTS(TRACE_EVENT_COUNT),
	NR_VMSCAN_EVENTS = 0 VMSCAN_EVENTS(TRACE_EVENT_COUNT),
	NR_COMPACTION_EVENTS = 0 COMPACTION_EVENTS(TRACE_EVENT_COUNT),
	NR_MIGRATE_EVENTS = 0 MIGRATE_EVENTS(TRACE_EVENT_COUNT),
	NR_CMA_EVENTS = 0 CMA_EVENTS(TRACE_EVENT_COUNT),
};
#undef TRACE_EVENT_COUNT
_Static_assert(NR_TRACE_EVENTS <= 64, "kmm_trace_on has a bit per event");

/* The events of each system as bits of kmm_trace_on: the systems' events are consecutive */
#define TRACE_SYSTEM_MASK(first, n) ((((1ULL << (n)) - 1)) << (first))
#define TRACE_KMEM_MASK TRACE_SYSTEM_MASK(0, NR_KMEM_EVENTS)
#define TRACE_VMSCAN_MASK TRACE_SYSTEM_MASK(NR_KMEM_EVENTS, NR_VMSCAN_EVENTS)
#define TRACE_COMPACTION_MASK TRACE_SYSTEM_MASK(NR_KMEM_EVENTS + NR_VMSCAN_EVENTS, NR_COMPACTION_EVENTS)
#define TRACE_MIGRATE_MASK TRACE_SYSTEM_MASK(NR_KMEM_EVENTS + NR_VMSCAN_EVENTS + NR_COMPACTION_EVENTS, NR_MIGRATE_EVENTS)
#define TRACE_CMA_MASK \
	TRACE_SYSTEM_MASK(NR_KMEM_EVENTS + NR_VMSCAN_EVENTS + NR_COMPACTION_EVENTS + NR_MIGRATE_EVENTS, NR_CMA_EVENTS)
#define TRACE_ALL_MASK ((NR_TRACE_EVENTS == 64 ? 0ULL : 1ULL << NR_TRACE_EVENTS) - 1)

/* An event's name, and the system it belongs to ("kmem", "vmscan", "compaction", "migrate", "cma") */
extern const char *const trace_event_names[NR_TRACE_EVENTS];
static inline const char *trace_event_system(enum trace_event_id ev)
{
	u64 bit = 1ULL << ev;
#define TRACE_SYSTEM_OF(name, NAME)        \
	if (bit & TRACE_##NAME##_MASK)     \
		return #name;
	TRACE_SYSTEMS(TRACE_SYSTEM_OF)
#undef TRACE_SYSTEM_OF
	return "?";
}

/*
 * The booted machine's events recording now, a bit each: enabled and
 * tracing_on.  A plain global rather than a field of *M, so a hook costs
 * one load relative to the instruction pointer (one machine runs at a time
 * per process); tracepoint.c keeps it, 0 when no machine is booted.
 */
extern u64 kmm_trace_on __attribute__((visibility("hidden")));

static inline bool trace_event_on(enum trace_event_id ev)
{
	return __builtin_expect(!!(__atomic_load_n(&kmm_trace_on, __ATOMIC_RELAXED) & (1ULL << ev)), 0);
}

struct kmem_cache;
struct mm_struct;

/* the records (tracepoint.c): called only while their event is on, so out of the hot paths' way */
#define __trace_cold __attribute__((cold, noinline))
__trace_cold void __trace_kmalloc(unsigned long call_site, const void *ptr, size_t bytes_req, size_t bytes_alloc, gfp_t gfp,
		     int node);
__trace_cold void __trace_kmem_cache_alloc(unsigned long call_site, const void *ptr, struct kmem_cache *s, gfp_t gfp, int node);
__trace_cold void __trace_kfree(unsigned long call_site, const void *ptr);
__trace_cold void __trace_kmem_cache_free(unsigned long call_site, const void *ptr, const struct kmem_cache *s);
__trace_cold void __trace_mm_page(enum trace_event_id ev, struct page *page, unsigned int order, gfp_t gfp, int mt, int extra);
__trace_cold void __trace_mm_page_alloc_extfrag(struct page *page, int alloc_order, int fallback_order, int alloc_mt,
				   int fallback_mt);
__trace_cold void __trace_rss_stat(struct mm_struct *mm, int member, long count);

/* ---- the tracepoints ---------------------------------------------------------------- */

#define _RET_IP_ ((unsigned long)__builtin_return_address(0))

/*
 * Macros rather than inline functions: the arguments (the caller's return
 * address, s->size ...) are then computed only inside the taken branch,
 * where an inline function's would be loaded ahead of the test.
 */
#define trace_kmalloc(call_site, ptr, bytes_req, bytes_alloc, gfp, node)                            \
	do {                                                                                         \
		if (trace_event_on(TRACE_KMALLOC))                                                   \
			__trace_kmalloc(call_site, ptr, bytes_req, bytes_alloc, gfp, node);          \
	} while (0)

#define trace_kmem_cache_alloc(call_site, ptr, s, gfp, node)                                         \
	do {                                                                                         \
		if (trace_event_on(TRACE_KMEM_CACHE_ALLOC))                                          \
			__trace_kmem_cache_alloc(call_site, ptr, s, gfp, node);                      \
	} while (0)

#define trace_kfree(call_site, ptr)                                                                  \
	do {                                                                                         \
		if (trace_event_on(TRACE_KFREE))                                                     \
			__trace_kfree(call_site, ptr);                                               \
	} while (0)

#define trace_kmem_cache_free(call_site, ptr, s)                                                     \
	do {                                                                                         \
		if (trace_event_on(TRACE_KMEM_CACHE_FREE))                                           \
			__trace_kmem_cache_free(call_site, ptr, s);                                  \
	} while (0)

/* page NULL: the allocation failed (page=00000000 pfn=0x0) */
#define trace_mm_page_alloc(page, order, gfp, mt)                                                    \
	do {                                                                                         \
		if (trace_event_on(TRACE_MM_PAGE_ALLOC))                                             \
			__trace_mm_page(TRACE_MM_PAGE_ALLOC, page, order, gfp, mt, 0);               \
	} while (0)

#define trace_mm_page_free(page, order)                                                              \
	do {                                                                                         \
		if (trace_event_on(TRACE_MM_PAGE_FREE))                                              \
			__trace_mm_page(TRACE_MM_PAGE_FREE, page, order, 0, 0, 0);                   \
	} while (0)

#define trace_mm_page_free_batched(page)                                                             \
	do {                                                                                         \
		if (trace_event_on(TRACE_MM_PAGE_FREE_BATCHED))                                      \
			__trace_mm_page(TRACE_MM_PAGE_FREE_BATCHED, page, 0, 0, 0, 0);               \
	} while (0)

#define trace_mm_page_alloc_zone_locked(page, order, mt, percpu_refill)                              \
	do {                                                                                         \
		if (trace_event_on(TRACE_MM_PAGE_ALLOC_ZONE_LOCKED))                                 \
			__trace_mm_page(TRACE_MM_PAGE_ALLOC_ZONE_LOCKED, page, order, 0, mt, percpu_refill); \
	} while (0)

#define trace_mm_page_pcpu_drain(page, order, mt)                                                    \
	do {                                                                                         \
		if (trace_event_on(TRACE_MM_PAGE_PCPU_DRAIN))                                        \
			__trace_mm_page(TRACE_MM_PAGE_PCPU_DRAIN, page, order, 0, mt, 0);            \
	} while (0)

#define trace_mm_page_alloc_extfrag(page, alloc_order, fallback_order, alloc_mt, fallback_mt)        \
	do {                                                                                         \
		if (trace_event_on(TRACE_MM_PAGE_ALLOC_EXTFRAG))                                     \
			__trace_mm_page_alloc_extfrag(page, alloc_order, fallback_order, alloc_mt, fallback_mt); \
	} while (0)

/* count: the counter's new value, in pages */
#define trace_rss_stat(mm, member, count)                                                            \
	do {                                                                                         \
		if (trace_event_on(TRACE_RSS_STAT))                                                  \
			__trace_rss_stat(mm, member, count);                                         \
	} while (0)

/* ---- the vmscan: tracepoints --------------------------------------------------------- */

/*
 * What shrink_folio_list() saw of the pages it was given (6.1's struct
 * reclaim_stat, include/linux/vmstat.h), as mm_vmscan_lru_shrink_inactive
 * prints it; the fields reclaim does not count yet stay 0.
 */
struct reclaim_stat {
	unsigned int nr_dirty;        /* dirty pages met */
	unsigned int nr_unqueued_dirty; /* ... of them not yet under writeback */
	unsigned int nr_congested;    /* under writeback to a congested device */
	unsigned int nr_writeback;    /* under writeback already */
	unsigned int nr_immediate;    /* under writeback and marked for immediate reclaim */
	unsigned int nr_pageout;      /* written out by this pass */
	unsigned int nr_activate[2];  /* activated: [0] anon, [1] file */
	unsigned int nr_ref_keep;     /* kept inactive because referenced */
	unsigned int nr_unmap_fail;   /* mapped, and try_to_unmap failed */
	unsigned int nr_lazyfree_fail;
};

/* isolate_lru_pages' isolate_mode: ISOLATE_UNMAPPED when !sc->may_unmap (include/linux/mmzone.h) */
#define ISOLATE_UNMAPPED 0x2u

__trace_cold void __trace_mm_vmscan_node(enum trace_event_id ev, int nid, int zid, int order, gfp_t gfp);
__trace_cold void __trace_mm_vmscan_reclaim_end(enum trace_event_id ev, unsigned long nr_reclaimed);
__trace_cold void __trace_mm_vmscan_lru_isolate(int highest_zoneidx, int order, unsigned long nr_requested,
						unsigned long nr_scanned, unsigned long nr_skipped, unsigned long nr_taken,
						unsigned int isolate_mode, int lru);
__trace_cold void __trace_mm_vmscan_write_folio(struct page *page, bool file);
__trace_cold void __trace_mm_vmscan_lru_shrink_inactive(int nid, unsigned long nr_scanned, unsigned long nr_reclaimed,
							const struct reclaim_stat *stat, int priority, bool file);
__trace_cold void __trace_mm_vmscan_lru_shrink_active(int nid, unsigned long nr_taken, unsigned long nr_active,
						      unsigned long nr_deactivated, unsigned long nr_referenced,
						      int priority, bool file);

#define trace_mm_vmscan_kswapd_sleep(nid)                                                            \
	do {                                                                                         \
		if (trace_event_on(TRACE_MM_VMSCAN_KSWAPD_SLEEP))                                    \
			__trace_mm_vmscan_node(TRACE_MM_VMSCAN_KSWAPD_SLEEP, nid, 0, 0, 0);          \
	} while (0)

/* zid: the highest zone kswapd balances (kswapd_highest_zoneidx); order: kswapd_order */
#define trace_mm_vmscan_kswapd_wake(nid, zid, order)                                                 \
	do {                                                                                         \
		if (trace_event_on(TRACE_MM_VMSCAN_KSWAPD_WAKE))                                     \
			__trace_mm_vmscan_node(TRACE_MM_VMSCAN_KSWAPD_WAKE, nid, zid, order, 0);     \
	} while (0)

#define trace_mm_vmscan_wakeup_kswapd(nid, zid, order, gfp)                                          \
	do {                                                                                         \
		if (trace_event_on(TRACE_MM_VMSCAN_WAKEUP_KSWAPD))                                   \
			__trace_mm_vmscan_node(TRACE_MM_VMSCAN_WAKEUP_KSWAPD, nid, zid, order, gfp); \
	} while (0)

#define trace_mm_vmscan_direct_reclaim_begin(order, gfp)                                             \
	do {                                                                                         \
		if (trace_event_on(TRACE_MM_VMSCAN_DIRECT_RECLAIM_BEGIN))                            \
			__trace_mm_vmscan_node(TRACE_MM_VMSCAN_DIRECT_RECLAIM_BEGIN, 0, 0, order, gfp); \
	} while (0)

#define trace_mm_vmscan_direct_reclaim_end(nr_reclaimed)                                             \
	do {                                                                                         \
		if (trace_event_on(TRACE_MM_VMSCAN_DIRECT_RECLAIM_END))                              \
			__trace_mm_vmscan_reclaim_end(TRACE_MM_VMSCAN_DIRECT_RECLAIM_END, nr_reclaimed); \
	} while (0)

#define trace_mm_vmscan_node_reclaim_begin(nid, order, gfp)                                          \
	do {                                                                                         \
		if (trace_event_on(TRACE_MM_VMSCAN_NODE_RECLAIM_BEGIN))                              \
			__trace_mm_vmscan_node(TRACE_MM_VMSCAN_NODE_RECLAIM_BEGIN, nid, 0, order, gfp); \
	} while (0)

#define trace_mm_vmscan_node_reclaim_end(nr_reclaimed)                                               \
	do {                                                                                         \
		if (trace_event_on(TRACE_MM_VMSCAN_NODE_RECLAIM_END))                                \
			__trace_mm_vmscan_reclaim_end(TRACE_MM_VMSCAN_NODE_RECLAIM_END, nr_reclaimed); \
	} while (0)

/* nr_scanned: every page looked at, skipped ones too; lru: enum lru_list */
#define trace_mm_vmscan_lru_isolate(highest_zoneidx, order, nr_requested, nr_scanned, nr_skipped, nr_taken, mode, lru) \
	do {                                                                                         \
		if (trace_event_on(TRACE_MM_VMSCAN_LRU_ISOLATE))                                     \
			__trace_mm_vmscan_lru_isolate(highest_zoneidx, order, nr_requested, nr_scanned, \
						      nr_skipped, nr_taken, mode, lru);              \
	} while (0)

/* file: folio_is_file_lru() (RECLAIM_WB_FILE, else RECLAIM_WB_ANON) */
#define trace_mm_vmscan_write_folio(page, file)                                                      \
	do {                                                                                         \
		if (trace_event_on(TRACE_MM_VMSCAN_WRITE_FOLIO))                                     \
			__trace_mm_vmscan_write_folio(page, file);                                   \
	} while (0)

#define trace_mm_vmscan_lru_shrink_inactive(nid, nr_scanned, nr_reclaimed, stat, priority, file)     \
	do {                                                                                         \
		if (trace_event_on(TRACE_MM_VMSCAN_LRU_SHRINK_INACTIVE))                             \
			__trace_mm_vmscan_lru_shrink_inactive(nid, nr_scanned, nr_reclaimed, stat, priority, file); \
	} while (0)

#define trace_mm_vmscan_lru_shrink_active(nid, nr_taken, nr_active, nr_deactivated, nr_referenced, priority, file) \
	do {                                                                                         \
		if (trace_event_on(TRACE_MM_VMSCAN_LRU_SHRINK_ACTIVE))                               \
			__trace_mm_vmscan_lru_shrink_active(nid, nr_taken, nr_active, nr_deactivated, \
							    nr_referenced, priority, file);          \
	} while (0)

/* ---- the compaction: and migrate: tracepoints ----------------------------------------- */

struct zone;
__trace_cold void __trace_mm_compaction_isolate(enum trace_event_id ev, unsigned long start_pfn, unsigned long end_pfn,
						unsigned long nr_scanned, unsigned long nr_taken);
__trace_cold void __trace_mm_compaction_migratepages(unsigned long nr_migrated, unsigned long nr_failed);
__trace_cold void __trace_mm_compaction_range(enum trace_event_id ev, unsigned long zone_start, unsigned long migrate_pfn,
					      unsigned long free_pfn, unsigned long zone_end, bool sync, int status);
__trace_cold void __trace_mm_compaction_try_to_compact_pages(int order, gfp_t gfp, int prio);
__trace_cold void __trace_mm_compaction_zone(enum trace_event_id ev, struct zone *zone, int order, int ret);
__trace_cold void __trace_mm_compaction_node(enum trace_event_id ev, int nid, int order, int highest_zoneidx);
__trace_cold void __trace_mm_migrate_pages(unsigned long succeeded, unsigned long failed, unsigned long thp_succeeded,
					   unsigned long thp_failed, unsigned long thp_split, int mode, int reason);
__trace_cold void __trace_mm_migrate_pages_start(int mode, int reason);
__trace_cold void __trace_migration_pte(enum trace_event_id ev, unsigned long addr, u64 pte, int order);

/*
 * Where they are, as in 6.1 (mm/compaction.c, mm/migrate.c):
 *   mm_compaction_isolate_migratepages  isolate_migratepages_block(), after a block's scan
 *   mm_compaction_isolate_freepages     isolate_freepages_block(), after a block's scan
 *   mm_compaction_migratepages          compact_zone(), after each migrate_pages()
 *   mm_compaction_begin / _end          compact_zone(), around the scanners' run
 *   mm_compaction_try_to_compact_pages  try_to_compact_pages() (priority: 6.1's
 *                                       COMPACT_PRIO_ASYNC 2 or _SYNC_LIGHT 1)
 *   mm_compaction_suitable / _finished  compaction_suitable(), compact_finished() - the
 *                                       latter when it ends the run or says continue for
 *                                       an order, as 6.1's compact_finished() does
 *   mm_compaction_deferred, _defer_compaction, _defer_reset   the deferral functions
 *   mm_compaction_kcompactd_sleep       kcompactd going to sleep
 *   mm_compaction_kcompactd_wake        kcompactd_do_work()
 *   mm_compaction_wakeup_kcompactd      wakeup_kcompactd(), when it wakes it
 *   mm_migrate_pages_start / mm_migrate_pages   migrate_pages(), at its start and end
 *   set_migration_pte / remove_migration_pte    each PTE made a migration entry and back
 */
#define trace_mm_compaction_isolate_migratepages(start, end, scanned, taken)                        \
	do {                                                                                        \
		if (trace_event_on(TRACE_MM_COMPACTION_ISOLATE_MIGRATEPAGES))                       \
			__trace_mm_compaction_isolate(TRACE_MM_COMPACTION_ISOLATE_MIGRATEPAGES, start, end, \
						      scanned, taken);                              \
	} while (0)

#define trace_mm_compaction_isolate_freepages(start, end, scanned, taken)                           \
	do {                                                                                        \
		if (trace_event_on(TRACE_MM_COMPACTION_ISOLATE_FREEPAGES))                          \
			__trace_mm_compaction_isolate(TRACE_MM_COMPACTION_ISOLATE_FREEPAGES, start, end, \
						      scanned, taken);                              \
	} while (0)

#define trace_mm_compaction_migratepages(nr_migrated, nr_failed)                                    \
	do {                                                                                        \
		if (trace_event_on(TRACE_MM_COMPACTION_MIGRATEPAGES))                               \
			__trace_mm_compaction_migratepages(nr_migrated, nr_failed);                 \
	} while (0)

#define trace_mm_compaction_begin(zone_start, migrate_pfn, free_pfn, zone_end, sync)                \
	do {                                                                                        \
		if (trace_event_on(TRACE_MM_COMPACTION_BEGIN))                                      \
			__trace_mm_compaction_range(TRACE_MM_COMPACTION_BEGIN, zone_start, migrate_pfn, \
						    free_pfn, zone_end, sync, 0);                   \
	} while (0)

#define trace_mm_compaction_end(zone_start, migrate_pfn, free_pfn, zone_end, sync, status)          \
	do {                                                                                        \
		if (trace_event_on(TRACE_MM_COMPACTION_END))                                        \
			__trace_mm_compaction_range(TRACE_MM_COMPACTION_END, zone_start, migrate_pfn,   \
						    free_pfn, zone_end, sync, status);              \
	} while (0)

#define trace_mm_compaction_try_to_compact_pages(order, gfp, prio)                                  \
	do {                                                                                        \
		if (trace_event_on(TRACE_MM_COMPACTION_TRY_TO_COMPACT_PAGES))                       \
			__trace_mm_compaction_try_to_compact_pages(order, gfp, prio);               \
	} while (0)

/* ev: TRACE_MM_COMPACTION_SUITABLE or _FINISHED (ret: enum compact_result), or one of the defer events */
#define trace_mm_compaction_zone(ev, zone, order, ret)                                              \
	do {                                                                                        \
		if (trace_event_on(ev))                                                             \
			__trace_mm_compaction_zone(ev, zone, order, ret);                           \
	} while (0)

/* ev: TRACE_MM_COMPACTION_KCOMPACTD_SLEEP, _KCOMPACTD_WAKE or _WAKEUP_KCOMPACTD */
#define trace_mm_compaction_node(ev, nid, order, highest_zoneidx)                                   \
	do {                                                                                        \
		if (trace_event_on(ev))                                                             \
			__trace_mm_compaction_node(ev, nid, order, highest_zoneidx);                \
	} while (0)

#define trace_mm_migrate_pages(succeeded, failed, mode, reason)                                     \
	do {                                                                                        \
		if (trace_event_on(TRACE_MM_MIGRATE_PAGES))                                         \
			__trace_mm_migrate_pages(succeeded, failed, 0, 0, 0, mode, reason);         \
	} while (0)

#define trace_mm_migrate_pages_start(mode, reason)                                                  \
	do {                                                                                        \
		if (trace_event_on(TRACE_MM_MIGRATE_PAGES_START))                                   \
			__trace_mm_migrate_pages_start(mode, reason);                               \
	} while (0)

__trace_cold void __trace_cma_alloc_start(const char *name, unsigned long count, unsigned int align);
__trace_cold void __trace_cma_range(enum trace_event_id ev, const char *name, unsigned long pfn, const struct page *page,
				    unsigned long count, unsigned int align);
#define trace_cma_alloc_start(name, count, align)                                                   \
	do {                                                                                        \
		if (trace_event_on(TRACE_CMA_ALLOC_START))                                          \
			__trace_cma_alloc_start(name, count, align);                                \
	} while (0)
/* ev: TRACE_CMA_ALLOC_FINISH or TRACE_CMA_ALLOC_BUSY_RETRY */
#define trace_cma_alloc(ev, name, pfn, page, count, align)                                          \
	do {                                                                                        \
		if (trace_event_on(ev))                                                             \
			__trace_cma_range(ev, name, pfn, page, count, align);                       \
	} while (0)
#define trace_cma_release(name, pfn, page, count)                                                   \
	do {                                                                                        \
		if (trace_event_on(TRACE_CMA_RELEASE))                                              \
			__trace_cma_range(TRACE_CMA_RELEASE, name, pfn, page, count, 0);            \
	} while (0)

/* ev: TRACE_SET_MIGRATION_PTE or TRACE_REMOVE_MIGRATION_PTE */
#define trace_migration_pte(ev, addr, pte, order)                                                   \
	do {                                                                                        \
		if (trace_event_on(ev))                                                             \
			__trace_migration_pte(ev, addr, pte, order);                                \
	} while (0)

/* ---- the rest of the tracer (tracepoint.c) ------------------------------------------- */

/* trace_event= and trace_buf_size= of the command line (arch/setup.c's table) */
int setup_trace_event(const char *val, char *err, size_t errlen);
int setup_trace_buf_size(const char *val, char *err, size_t errlen);
/* start_kernel()'s trace_init(): the ring buffer, then the events trace_event= named */
void trace_init(void);
void trace_exit(void);
/* the ring buffer's invariants, for kmm_verify: 0 or -EINVAL with why */
int trace_verify(char *why, size_t whylen);
/* The scenario's or a caller's idea of `current` for the TASK-PID column (NULL: <idle>-0). */
struct task_struct;
void trace_set_current(struct task_struct *t);

/*
 * The tracefs files under sys/kernel/tracing, for vmstat.c's table of
 * views: X(id, "path", show, write).
 */
void trace_show(struct strbuf *sb);
int trace_write(const char *val);
void trace_show_set_event(struct strbuf *sb);
int trace_write_set_event(const char *val);
void trace_show_tracing_on(struct strbuf *sb);
int trace_write_tracing_on(const char *val);
void trace_show_buffer_size_kb(struct strbuf *sb);
int trace_write_buffer_size_kb(const char *val);
#define TRACE_SYSTEM_ENABLE_DECLARE(name, NAME)          \
	void trace_show_##name##_enable(struct strbuf *sb); \
	int trace_write_##name##_enable(const char *val);
TRACE_SYSTEMS(TRACE_SYSTEM_ENABLE_DECLARE)
#undef TRACE_SYSTEM_ENABLE_DECLARE
#define TRACE_EVENT_ENABLE_DECLARE(id, name)                         \
	void trace_show_enable_##id(struct strbuf *sb);              \
	int trace_write_enable_##id(const char *val);
#define TRACE_EVENT_FORMAT_DECLARE(id, name) void trace_show_format_##id(struct strbuf *sb);
ALL_TRACE_EVENTS(TRACE_EVENT_ENABLE_DECLARE)
ALL_TRACE_EVENTS(TRACE_EVENT_FORMAT_DECLARE)
#undef TRACE_EVENT_ENABLE_DECLARE
#undef TRACE_EVENT_FORMAT_DECLARE
/* events/SYSTEM/EVENT/enable and format; events/SYSTEM/enable */
#define TRACE_EVENT_FILES_ENTRY(sys, id, name)                                                                   \
	{ "sys/kernel/tracing/events/" sys "/" name "/enable", trace_show_enable_##id, trace_write_enable_##id }, \
	{ "sys/kernel/tracing/events/" sys "/" name "/format", trace_show_format_##id, NULL },
#define KMEM_EVENT_FILES_ENTRY(id, name) TRACE_EVENT_FILES_ENTRY("kmem", id, name)
#define VMSCAN_EVENT_FILES_ENTRY(id, name) TRACE_EVENT_FILES_ENTRY("vmscan", id, name)
#define COMPACTION_EVENT_FILES_ENTRY(id, name) TRACE_EVENT_FILES_ENTRY("compaction", id, name)
#define MIGRATE_EVENT_FILES_ENTRY(id, name) TRACE_EVENT_FILES_ENTRY("migrate", id, name)
#define CMA_EVENT_FILES_ENTRY(id, name) TRACE_EVENT_FILES_ENTRY("cma", id, name)
#define TRACE_SYSTEM_FILES_ENTRY(name, NAME)                                                                         \
	{ "sys/kernel/tracing/events/" #name "/enable", trace_show_##name##_enable, trace_write_##name##_enable }, \
	NAME##_EVENTS(NAME##_EVENT_FILES_ENTRY)
#define TRACE_PROC_FILES                                                                           \
	{ "sys/kernel/tracing/trace", trace_show, trace_write },                                   \
	{ "sys/kernel/tracing/set_event", trace_show_set_event, trace_write_set_event },           \
	{ "sys/kernel/tracing/tracing_on", trace_show_tracing_on, trace_write_tracing_on },        \
	{ "sys/kernel/tracing/buffer_size_kb", trace_show_buffer_size_kb, trace_write_buffer_size_kb }, \
	TRACE_SYSTEMS(TRACE_SYSTEM_FILES_ENTRY)

#endif /* KMM_TRACE_EVENTS_H */
