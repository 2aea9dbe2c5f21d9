/*
 * kmm/mmzone.h - nodes (pg_data_t), zones and the free area, as in Linux's
 * include/linux/mmzone.h.
 *
 * A node's zones are indexed by zone type: node_zones[ZONE_DMA] ...
 * node_zones[ZONE_DEVICE].  A profile has only some of the types (i386:
 * DMA, Normal, HighMem, Movable; x86_64: DMA, DMA32, Normal, Movable,
 * Device), exactly the zones its Linux configuration compiles in; the others
 * stay out of every view and walk (zone_in_profile() is false).  The order of
 * the types is Linux's order, so "a higher zone" means the same thing here.
 *
 * Page counts of a zone, with Linux's definitions:
 *   spanned_pages = zone_end_pfn - zone_start_pfn          (holes included)
 *   present_pages = spanned_pages - absent pages (holes)
 *   managed_pages = present_pages - pages reserved at boot (memblock)
 *                 = pages the buddy allocator owns, free or allocated
 *   free          = Σ free_area[o].nr_free << o  (+ per-CPU lists)
 */
#ifndef KMM_MMZONE_H
#define KMM_MMZONE_H

#include <pthread.h>
#include <kmm/types.h>
#include <kmm/mm_types.h>

#define MAX_ORDER 11
#define MAX_ORDER_NR_PAGES (1UL << (MAX_ORDER - 1))
#define MAX_NUMNODES 64
#define KMM_MAX_CPUS 64



enum zone_type {
	ZONE_DMA,
	ZONE_DMA32,
	ZONE_NORMAL,
	ZONE_HIGHMEM,
	ZONE_MOVABLE,
	ZONE_DEVICE,
	MAX_ZONE_TYPES
};

enum migratetype {
	MIGRATE_UNMOVABLE,
	MIGRATE_MOVABLE,
	MIGRATE_RECLAIMABLE,
	MIGRATE_PCPTYPES,
	MIGRATE_HIGHATOMIC = MIGRATE_PCPTYPES,
	MIGRATE_CMA,
	MIGRATE_ISOLATE,
	MIGRATE_TYPES
};

enum zone_watermarks {
	WMARK_MIN,
	WMARK_LOW,
	WMARK_HIGH,
	WMARK_PROMO,
	NR_WMARK
};

/* Per-zone counters (vm_stat), defined once; printed by vmstat.c. */
#define KMM_ZONE_STATS(X)                               \
	X(NR_FREE_PAGES, "nr_free_pages")               \
	X(NR_ZONE_INACTIVE_ANON, "nr_zone_inactive_anon") \
	X(NR_ZONE_ACTIVE_ANON, "nr_zone_active_anon")     \
	X(NR_ZONE_INACTIVE_FILE, "nr_zone_inactive_file") \
	X(NR_ZONE_ACTIVE_FILE, "nr_zone_active_file")     \
	X(NR_ZONE_UNEVICTABLE, "nr_zone_unevictable")     \
	X(NR_ZONE_WRITE_PENDING, "nr_zone_write_pending") \
	X(NR_MLOCK, "nr_mlock")                         \
	X(NR_BOUNCE, "nr_bounce")                       \
	X(NR_ZSPAGES, "nr_zspages")                     \
	X(NR_FREE_CMA_PAGES, "nr_free_cma")

/*
 * Per-zone NUMA allocation events (numa_stat_item, CONFIG_NUMA): where an
 * allocation wanted its page and where it got it.  zoneinfo prints them
 * per zone and /proc/vmstat summed, after the zone counters.
 */
#define KMM_NUMA_EVENTS(X)                        \
	X(NUMA_HIT, "numa_hit")                   \
	X(NUMA_MISS, "numa_miss")                 \
	X(NUMA_FOREIGN, "numa_foreign")           \
	X(NUMA_INTERLEAVE_HIT, "numa_interleave") \
	X(NUMA_LOCAL, "numa_local")               \
	X(NUMA_OTHER, "numa_other")
#define NR_ZONE_LRU_BASE NR_ZONE_INACTIVE_ANON

/*
 * The LRU lists of a node (mm/swap.c): anonymous and file pages each on an
 * inactive and an active list, and the pages reclaim may not take.  The
 * order is Linux's: LRU_ACTIVE is added to an inactive list's index, and
 * the file lists follow the anon ones.
 */
enum lru_list {
	LRU_INACTIVE_ANON,
	LRU_ACTIVE_ANON,
	LRU_INACTIVE_FILE,
	LRU_ACTIVE_FILE,
	LRU_UNEVICTABLE,
	NR_LRU_LISTS
};
#define LRU_ACTIVE 1
#define LRU_FILE 2

struct pglist_data;
struct mem_cgroup;
struct lruvec {
	struct list_head lists[NR_LRU_LISTS]; /* newest at the head; the unevictable one links nothing (6.1) */
	long nr_pages[NR_LRU_LISTS];          /* pages on each (NR_INACTIVE_ANON ..., atomic for readers) */
	long zone_nr[MAX_ZONE_TYPES][NR_LRU_LISTS]; /* ... of each zone (lru_zone_size; atomic for readers) */
	struct pglist_data *pgdat;            /* the node */
	struct mem_cgroup *memcg;             /* the memory cgroup whose pages these are (mm/memcontrol.c) */
	pthread_mutex_t lru_lock;             /* the lists and PG_lru/PG_active of the pages on them */
	unsigned long anon_cost, file_cost;   /* the I/O reclaim caused per type (lru_note_cost) */
	long nonresident_age;                 /* evictions + activations so far (mm/workingset.c's clock, atomic) */
};

/*
 * Events counted per CPU (vm_event_item), defined once, in 6.1's
 * vm_event_item order (include/linux/vm_event_item.h), with the names
 * /proc/vmstat prints.  The list is the union of what Debian's 6.1
 * kernels compile in; /proc/vmstat leaves out an item the profile's
 * configuration has not (vmstat.c: vm_event_in_config).  KSWAPD_WAKE,
 * last, is kmm's own count and never printed.
 */
#define KMM_VM_EVENTS(X)                          \
	X(PGPGIN, "pgpgin")                       \
	X(PGPGOUT, "pgpgout")                     \
	X(PSWPIN, "pswpin")                       \
	X(PSWPOUT, "pswpout")                     \
	X(PGALLOC_DMA, "pgalloc_dma")             \
	X(PGALLOC_DMA32, "pgalloc_dma32")         \
	X(PGALLOC_NORMAL, "pgalloc_normal")       \
	X(PGALLOC_HIGH, "pgalloc_high")           \
	X(PGALLOC_MOVABLE, "pgalloc_movable")     \
	X(PGALLOC_DEVICE, "pgalloc_device")       \
	X(ALLOCSTALL_DMA, "allocstall_dma")       \
	X(ALLOCSTALL_DMA32, "allocstall_dma32")   \
	X(ALLOCSTALL_NORMAL, "allocstall_normal") \
	X(ALLOCSTALL_HIGH, "allocstall_high")     \
	X(ALLOCSTALL_MOVABLE, "allocstall_movable") \
	X(ALLOCSTALL_DEVICE, "allocstall_device") \
	X(PGSCAN_SKIP_DMA, "pgskip_dma")          \
	X(PGSCAN_SKIP_DMA32, "pgskip_dma32")      \
	X(PGSCAN_SKIP_NORMAL, "pgskip_normal")    \
	X(PGSCAN_SKIP_HIGH, "pgskip_high")        \
	X(PGSCAN_SKIP_MOVABLE, "pgskip_movable")  \
	X(PGSCAN_SKIP_DEVICE, "pgskip_device")    \
	X(PGFREE, "pgfree")                       \
	X(PGACTIVATE, "pgactivate")               \
	X(PGDEACTIVATE, "pgdeactivate")           \
	X(PGLAZYFREE, "pglazyfree")               \
	X(PGFAULT, "pgfault")                     \
	X(PGMAJFAULT, "pgmajfault")               \
	X(PGLAZYFREED, "pglazyfreed")             \
	X(PGREFILL, "pgrefill")                   \
	X(PGREUSE, "pgreuse")                     \
	X(PGSTEAL_KSWAPD, "pgsteal_kswapd")       \
	X(PGSTEAL_DIRECT, "pgsteal_direct")       \
	X(PGDEMOTE_KSWAPD, "pgdemote_kswapd")     \
	X(PGDEMOTE_DIRECT, "pgdemote_direct")     \
	X(PGSCAN_KSWAPD, "pgscan_kswapd")         \
	X(PGSCAN_DIRECT, "pgscan_direct")         \
	X(PGSCAN_DIRECT_THROTTLE, "pgscan_direct_throttle") \
	X(PGSCAN_ANON, "pgscan_anon")             \
	X(PGSCAN_FILE, "pgscan_file")             \
	X(PGSTEAL_ANON, "pgsteal_anon")           \
	X(PGSTEAL_FILE, "pgsteal_file")           \
	X(PGSCAN_ZONE_RECLAIM_FAILED, "zone_reclaim_failed") \
	X(PGINODESTEAL, "pginodesteal")           \
	X(SLABS_SCANNED, "slabs_scanned")         \
	X(KSWAPD_INODESTEAL, "kswapd_inodesteal") \
	X(KSWAPD_LOW_WMARK_HIT_QUICKLY, "kswapd_low_wmark_hit_quickly") \
	X(KSWAPD_HIGH_WMARK_HIT_QUICKLY, "kswapd_high_wmark_hit_quickly") \
	X(PAGEOUTRUN, "pageoutrun")               \
	X(PGROTATED, "pgrotated")                 \
	X(DROP_PAGECACHE, "drop_pagecache")       \
	X(DROP_SLAB, "drop_slab")                 \
	X(OOM_KILL, "oom_kill")                   \
	X(NUMA_PTE_UPDATES, "numa_pte_updates")   \
	X(NUMA_HUGE_PTE_UPDATES, "numa_huge_pte_updates") \
	X(NUMA_HINT_FAULTS, "numa_hint_faults")   \
	X(NUMA_HINT_FAULTS_LOCAL, "numa_hint_faults_local") \
	X(NUMA_PAGE_MIGRATE, "numa_pages_migrated") \
	X(PGMIGRATE_SUCCESS, "pgmigrate_success") \
	X(PGMIGRATE_FAIL, "pgmigrate_fail")       \
	X(THP_MIGRATION_SUCCESS, "thp_migration_success") \
	X(THP_MIGRATION_FAIL, "thp_migration_fail") \
	X(THP_MIGRATION_SPLIT, "thp_migration_split") \
	X(COMPACTMIGRATE_SCANNED, "compact_migrate_scanned") \
	X(COMPACTFREE_SCANNED, "compact_free_scanned") \
	X(COMPACTISOLATED, "compact_isolated")    \
	X(COMPACTSTALL, "compact_stall")          \
	X(COMPACTFAIL, "compact_fail")            \
	X(COMPACTSUCCESS, "compact_success")      \
	X(KCOMPACTD_WAKE, "compact_daemon_wake")  \
	X(KCOMPACTD_MIGRATE_SCANNED, "compact_daemon_migrate_scanned") \
	X(KCOMPACTD_FREE_SCANNED, "compact_daemon_free_scanned") \
	X(HTLB_BUDDY_PGALLOC, "htlb_buddy_alloc_success") \
	X(HTLB_BUDDY_PGALLOC_FAIL, "htlb_buddy_alloc_fail") \
	X(CMA_ALLOC_SUCCESS, "cma_alloc_success") \
	X(CMA_ALLOC_FAIL, "cma_alloc_fail")       \
	X(UNEVICTABLE_PGCULLED, "unevictable_pgs_culled")       \
	X(UNEVICTABLE_PGSCANNED, "unevictable_pgs_scanned")     \
	X(UNEVICTABLE_PGRESCUED, "unevictable_pgs_rescued")     \
	X(UNEVICTABLE_PGMLOCKED, "unevictable_pgs_mlocked")     \
	X(UNEVICTABLE_PGMUNLOCKED, "unevictable_pgs_munlocked") \
	X(UNEVICTABLE_PGCLEARED, "unevictable_pgs_cleared")     \
	X(UNEVICTABLE_PGSTRANDED, "unevictable_pgs_stranded")   \
	X(THP_FAULT_ALLOC, "thp_fault_alloc")     \
	X(THP_FAULT_FALLBACK, "thp_fault_fallback") \
	X(THP_FAULT_FALLBACK_CHARGE, "thp_fault_fallback_charge") \
	X(THP_COLLAPSE_ALLOC, "thp_collapse_alloc") \
	X(THP_COLLAPSE_ALLOC_FAILED, "thp_collapse_alloc_failed") \
	X(THP_FILE_ALLOC, "thp_file_alloc")       \
	X(THP_FILE_FALLBACK, "thp_file_fallback") \
	X(THP_FILE_FALLBACK_CHARGE, "thp_file_fallback_charge") \
	X(THP_FILE_MAPPED, "thp_file_mapped")     \
	X(THP_SPLIT_PAGE, "thp_split_page")       \
	X(THP_SPLIT_PAGE_FAILED, "thp_split_page_failed") \
	X(THP_DEFERRED_SPLIT_PAGE, "thp_deferred_split_page") \
	X(THP_SPLIT_PMD, "thp_split_pmd")         \
	X(THP_SCAN_EXCEED_NONE_PTE, "thp_scan_exceed_none_pte") \
	X(THP_SCAN_EXCEED_SWAP_PTE, "thp_scan_exceed_swap_pte") \
	X(THP_SCAN_EXCEED_SHARED_PTE, "thp_scan_exceed_share_pte") \
	X(THP_SPLIT_PUD, "thp_split_pud")         \
	X(THP_ZERO_PAGE_ALLOC, "thp_zero_page_alloc") \
	X(THP_ZERO_PAGE_ALLOC_FAILED, "thp_zero_page_alloc_failed") \
	X(THP_SWPOUT, "thp_swpout")               \
	X(THP_SWPOUT_FALLBACK, "thp_swpout_fallback") \
	X(BALLOON_INFLATE, "balloon_inflate")     \
	X(BALLOON_DEFLATE, "balloon_deflate")     \
	X(BALLOON_MIGRATE, "balloon_migrate")     \
	X(SWAP_RA, "swap_ra")                     \
	X(SWAP_RA_HIT, "swap_ra_hit")             \
	X(KSM_SWPIN_COPY, "ksm_swpin_copy")       \
	X(COW_KSM, "cow_ksm")                     \
	X(ZSWPIN, "zswpin")                       \
	X(ZSWPOUT, "zswpout")                     \
	X(DIRECT_MAP_LEVEL2_SPLIT, "direct_map_level2_splits") \
	X(DIRECT_MAP_LEVEL3_SPLIT, "direct_map_level3_splits") \
	X(KSWAPD_WAKE, "kswapd_wake")

enum vm_event_item {
#define X(id, name) id,
	KMM_VM_EVENTS(X)
#undef X
	NR_VM_EVENT_ITEMS
};

enum zone_stat_item {
#define X(id, name) id,
	KMM_ZONE_STATS(X)
#undef X
	NR_VM_ZONE_STAT_ITEMS
};

enum numa_stat_item {
#define X(id, name) id,
	KMM_NUMA_EVENTS(X)
#undef X
	NR_VM_NUMA_EVENT_ITEMS
};

struct free_area {
	struct list_head free_list[MIGRATE_TYPES]; /* blocks of this order, by migratetype */
	unsigned long nr_free;                     /* blocks (not pages) on all lists */
	unsigned long mt_mask;                     /* bit t set: free_list[t] is not empty */
};

/*
 * Per-CPU page lists of a zone (the pcp): orders 0..PAGE_ALLOC_COSTLY_ORDER
 * by migratetype, and one list for pageblock-order (THP) pages, as 6.1.
 */
#define NR_LOWORDER_PCP_LISTS (MIGRATE_PCPTYPES * 4)
#define NR_PCP_LISTS (NR_LOWORDER_PCP_LISTS + 1)

struct per_cpu_pages {
	int count;                      /* pages (not blocks) on the lists */
	int high;                       /* free to the buddy lists above this */
	int batch;                      /* pages moved to/from the buddy lists at once */
	short free_factor;              /* grows while freeing without allocating */
	struct list_head lists[NR_PCP_LISTS]; /* indexed by order_to_pindex() */
};

struct pglist_data;

struct zone {
	/* Read-mostly: the allocation fast path looks at these. */
	unsigned long _watermark[NR_WMARK]; /* min < low < high < promo, in pages */
	unsigned long watermark_boost;      /* temporary raise after fragmentation events */
	unsigned long nr_reserved_highatomic; /* pages in MIGRATE_HIGHATOMIC pageblocks */
	unsigned long flags;                /* ZONE_BOOSTED_WATERMARK ... */
	long lowmem_reserve[MAX_ZONE_TYPES]; /* pages kept back from allocations aimed at zone [i] */
	int node;                           /* node id */
	struct pglist_data *zone_pgdat;     /* the node this zone belongs to */
	struct per_cpu_pages *pageset;      /* [nr_cpus] per-CPU lists */
	int pageset_high;                   /* pcp->high for every CPU */
	int pageset_batch;                  /* pcp->batch for every CPU */
	unsigned char *pageblock_mt;        /* migratetype of each pageblock, from the zone's first
					       (pfn - ALIGN_DOWN(zone_start_pfn, pageblock)) >> order */

	unsigned long zone_start_pfn;       /* first pfn spanned */
	long managed_pages;                 /* present - boot reservations (see above) */
	unsigned long spanned_pages;        /* zone_end_pfn - zone_start_pfn */
	unsigned long present_pages;        /* spanned - holes */
	unsigned long cma_pages;            /* pages reserved for CMA */
	const char *name;                   /* "DMA", "Normal", ... as Linux prints */

	pthread_mutex_t lock;               /* protects free_area and the counters below */
	struct free_area free_area[MAX_ORDER];
	long vm_stat[NR_VM_ZONE_STAT_ITEMS]; /* NR_FREE_PAGES == Σ nr_free[o] << o */
	unsigned long vm_numa_event[NR_VM_NUMA_EVENT_ITEMS]; /* numa_hit ... numa_other of this zone (atomic) */
	bool in_profile;                    /* this zone type exists in the profile's config */
	/* direct compaction's deferral (mm/compaction.c), written by compactors without a lock, as in 6.1 */
	unsigned int compact_considered;    /* attempts skipped since the last failure */
	unsigned int compact_defer_shift;   /* 1 << this attempts are skipped after a failure (at most 6) */
	int compact_order_failed;           /* the lowest order that failed; lower orders are not deferred */
};

/* A zonelist: the zones an allocation may use, preferred first. */
struct zoneref {
	struct zone *zone;
	int zone_idx;
};

#define MAX_ZONES_PER_ZONELIST (MAX_NUMNODES * MAX_ZONE_TYPES)

struct zonelist {
	struct zoneref _zonerefs[MAX_ZONES_PER_ZONELIST + 1]; /* NULL-terminated */
};

enum {
	ZONELIST_FALLBACK,   /* all nodes, by distance */
	ZONELIST_NOFALLBACK, /* this node only, for __GFP_THISNODE */
	MAX_ZONELISTS
};

/* pg_data_t's flags: kswapd met nothing but dirty file pages, so it may write them itself (mm/vmscan.c) */
#define PGDAT_DIRTY (1UL << 0)

typedef struct pglist_data {
	struct zone node_zones[MAX_ZONE_TYPES];   /* indexed by zone type */
	struct zonelist node_zonelists[MAX_ZONELISTS];
	int node_id;
	unsigned long node_start_pfn;             /* first pfn of the node */
	unsigned long node_present_pages;         /* Σ zone present */
	unsigned long node_spanned_pages;         /* end - start, holes included */
	unsigned long first_deferred_pfn;         /* struct pages from here are initialised late */
	unsigned long deferred_from;              /* where late initialisation started, 0 if none */
	unsigned long totalreserve_pages;         /* pages the node keeps back */
	long nr_slab_reclaimable;                 /* pages in SLAB_RECLAIM_ACCOUNT slabs (atomic) */
	long nr_slab_unreclaimable;               /* pages in other slabs and large kmallocs (atomic) */
	/* the page cache and mapped pages (atomic): nr_shmem <= nr_file_pages, nr_file_dirty <= nr_file_pages */
	long nr_file_pages;                       /* pages in the page cache, shmem's included */
	long nr_shmem;                            /* shmem (shared anonymous) pages */
	long nr_file_dirty;                       /* cache pages newer than the disk */
	long nr_file_mapped;                      /* cache pages some PTE maps */
	long nr_anon_mapped;                      /* anonymous pages some PTE maps */
	long nr_page_table_pages;                 /* page-table pages from the buddy allocator (PageTable) */
	long nr_kernel_stack;                     /* KiB of tasks' kernel stacks (NR_KERNEL_STACK_KB, atomic) */
	long nr_swapcached;                       /* pages in the swap cache (NR_SWAPCACHE, atomic) */
	long nr_writeback;                        /* pages being written out (NR_WRITEBACK, atomic) */
	long nr_workingset[6];                    /* WORKINGSET_REFAULT_ANON .. _RESTORE_FILE events (atomic) */
	long nr_isolated[2];                      /* [file]: pages reclaim holds off the LRU lists (NR_ISOLATED_*, atomic) */
	long nr_vmscan_write;                     /* pages reclaim wrote out (NR_VMSCAN_WRITE, atomic, only grows) */
	long nr_vmscan_immediate;                 /* dirty file pages reclaim marked PG_reclaim (NR_VMSCAN_IMMEDIATE, only grows) */
	long nr_dirtied;                          /* cache pages that became dirty (NR_DIRTIED, atomic, only grows) */
	long nr_written;                          /* pages written back, to a file or swap (NR_WRITTEN, atomic, only grows) */
	long nr_lru[NR_LRU_LISTS];                /* pages on the LRU lists of every memory cgroup (NR_INACTIVE_ANON ..., atomic) */
	struct lruvec __lruvec;                   /* the root memory cgroup's LRU lists on this node */
	/* kswapd (mm/vmscan.c): what the allocator asked of it since it last looked (atomic) */
	int kswapd_order;
	int kswapd_highest_zoneidx;               /* MAX_ZONE_TYPES: nothing asked */
	int kswapd_failures;                      /* balance_pgdat runs in a row that freed nothing */
	unsigned long flags;                      /* PGDAT_DIRTY (atomic) */
	struct kswapd *kswapd;                    /* the daemon's state (NULL before it starts) */
	/* kcompactd (mm/compaction.c): what kswapd and the allocator asked of it (atomic) */
	int kcompactd_max_order;                  /* 0: nothing asked */
	int kcompactd_highest_zoneidx;
	int proactive_compact_trigger;            /* vm.compaction_proactiveness was written: check now */
	struct kcompactd *kcompactd;              /* the daemon's state (NULL before it starts) */
} pg_data_t;

static inline unsigned long zone_end_pfn(const struct zone *zone)
{
	return zone->zone_start_pfn + zone->spanned_pages;
}

static inline bool populated_zone(const struct zone *zone)
{
	return zone->present_pages != 0;
}

static inline bool managed_zone(const struct zone *zone)
{
	return zone->managed_pages > 0;
}

static inline unsigned long zone_managed_pages(const struct zone *zone)
{
	return (unsigned long)__atomic_load_n(&zone->managed_pages, __ATOMIC_RELAXED);
}

static inline int zone_idx(const struct zone *zone)
{
	return (int)(zone - zone->zone_pgdat->node_zones);
}

/*
 * The watermarks and the boost change under zone->lock (sysctls, fallback
 * steals, kswapd) while every allocation reads them without it: relaxed
 * atomics, as Linux's READ_ONCE in wmark_pages().
 */
#define zone_wmark(z, i) __atomic_load_n(&(z)->_watermark[i], __ATOMIC_RELAXED)
#define zone_wmark_boost(z) __atomic_load_n(&(z)->watermark_boost, __ATOMIC_RELAXED)
#define min_wmark_pages(z) (zone_wmark(z, WMARK_MIN) + zone_wmark_boost(z))
#define low_wmark_pages(z) (zone_wmark(z, WMARK_LOW) + zone_wmark_boost(z))
#define high_wmark_pages(z) (zone_wmark(z, WMARK_HIGH) + zone_wmark_boost(z))
#define wmark_pages(z, i) (zone_wmark(z, i) + zone_wmark_boost(z))

/* The nodes of the booted machine. */
extern pg_data_t *node_data[MAX_NUMNODES];
extern int nr_online_nodes;
#define NODE_DATA(nid) (node_data[nid])
#define for_each_online_node(nid) for (nid = 0; nid < nr_online_nodes; nid++)

/* Walk the zones of every node that the profile has (populated or not). */
#define for_each_zone(zone)                                                      \
	for (int __nid = 0; __nid < nr_online_nodes; __nid++)                       \
		for (zone = NODE_DATA(__nid)->node_zones;                            \
		     zone < NODE_DATA(__nid)->node_zones + MAX_ZONE_TYPES; zone++)   \
			if (!zone->in_profile) {} else

#define for_each_populated_zone(zone) \
	for_each_zone(zone) if (!populated_zone(zone)) {} else

bool is_highmem_idx(enum zone_type idx);
static inline bool is_highmem(const struct zone *zone)
{
	return is_highmem_idx((enum zone_type)zone_idx(zone));
}

#endif /* KMM_MMZONE_H */
