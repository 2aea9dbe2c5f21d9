/*
 * vmstat.c - the /proc views of memory management, in Linux 6.1's exact
 * text formats, and the /proc/sys/vm tunables.
 *
 * Every view is a function that writes into a strbuf; kmm_proc_read() finds
 * it by its path under /proc (a "PID/..." path goes to the task's views in
 * proc/base.c; the binary views - kpageflags, kpagecount, PID/pagemap -
 * are read as pread(2) reads them, with kmm_proc_pread()), and
 * kmm_proc_dump() writes them all as a tree that can stand in for /proc.
 * A view's lines are the ones 6.1 prints under the profile's config; a
 * value kmm has no model for is never made up.  A counter of something kmm
 * never does (THPs, pins, balloons, KSM, zswap so far) reads
 * 0, as on a machine that never did it; a text field with no model is
 * left out.
 *
 * The views, and what they read:
 *   buddyinfo, zoneinfo       free_area[o].nr_free, vm_stat[], watermarks
 *   pagetypeinfo              the free lists per migratetype, get_pageblock_migratetype()
 *   vmstat                    Σ zones vm_stat[] (KMM_ZONE_STATS), Σ zones
 *                             vm_numa_event[] (x86_64), the node counters
 *                             (node_stat_item), the dirty limits, then the
 *                             events (KMM_VM_EVENTS, summed over CPUs)
 *   sys/kernel/debug/extfrag/ unusable_index and extfrag_index, computed from
 *                             nr_free per order (fill_contig_page_info)
 *   sys/kernel/debug/swiotlb/ io_tlb_nslabs and io_tlb_used (kernel/swiotlb.c)
 * The per-zone views go node by node through walk_zones_in_node(), which
 * holds zone->lock around each zone, as Linux's walker does: a view never
 * sees a block half way through a split or merge, so the counts of one zone
 * agree with each other (Σ types of pagetypeinfo == buddyinfo, per order).
 * zone->lock is a leaf lock here: a print callback takes no other lock and
 * never allocates pages.
 *
 * Linux prints the items its configuration has, so do these views: the
 * migratetypes of the build (Debian's x86 kernels have no CONFIG_CMA, so
 * no "CMA" row or column; --kconfig CMA=y adds them, CmaTotal and CmaFree
 * in meminfo and cma_alloc_success/fail in vmstat), the per-zone events of the zone types the profile compiles in
 * (pgalloc_high on i386, pgalloc_dma32 on x86_64), the NUMA items where
 * the profile has CONFIG_NUMA (x86_64, even with one node), and no item
 * Linux has no line for: /proc/vmstat's names and their order are 6.1's,
 * exactly, as are zoneinfo's.
 *
 * The sysctls recompute what depends on them the way their Linux handlers
 * do: min_free_kbytes and watermark_scale_factor -> setup_per_zone_wmarks(),
 * lowmem_reserve_ratio -> setup_per_zone_lowmem_reserve(),
 * percpu_pagelist_high_fraction -> the pcp high limits, the dirty ratios
 * and bytes -> global_dirty_limits() (a ratio clears its bytes and the
 * other way round, as their handlers do); drop_caches runs
 * drop_pagecache (1) and the shrinkers' drop_slab (2, mm/shrinker.c),
 * counting drop_pagecache and drop_slab as 6.1's handler does.
 * panic_on_oom, oom_kill_allocating_task and oom_dump_tasks are the OOM
 * killer's (mm/oom_kill.c), read at each OOM; they recompute nothing.
 */
#include "internal.h"
#include "kernel/dma_internal.h"

#include <ctype.h>
#include <limits.h>

#include <kmm/kstrtox.h>
#include <kmm/shrinker.h>

#include <kmm/swap.h>
#include <kmm/task.h>
#include <kmm/vmstat.h>
#include <kmm/percpu.h>
#include "sim/ram.h"
#include "mm/kfence.h"
#include "trace/events.h"

#include <sys/stat.h>

static int fls_long(unsigned long x)
{
	return x ? 64 - __builtin_clzl(x) : 0;
}

/* calculate_normal_threshold(): the per-CPU counter drift allowed. */
static int zone_stat_threshold(const struct zone *zone)
{
	unsigned long mem = zone_managed_pages(zone) >> (27 - PAGE_SHIFT);
	int threshold = 2 * fls_long((unsigned long)M->nr_cpus) * (1 + fls_long(mem));
	return min(125, threshold);
}

/* ---- walking the zones of a node ------------------------------------------------ */

typedef void (*zone_print_fn)(struct strbuf *sb, pg_data_t *pgdat, struct zone *zone);

/*
 * Linux's walk_zones_in_node(): print each zone of the node that the
 * profile has, only the populated ones if assert_populated, with
 * zone->lock held around each so its free lists and counters are read in
 * one state.  The caller holds no zone lock.
 */
static void walk_zones_in_node(struct strbuf *sb, pg_data_t *pgdat, bool assert_populated, zone_print_fn print)
{
	for (struct zone *zone = pgdat->node_zones; zone < pgdat->node_zones + MAX_ZONE_TYPES; zone++) {
		if (!zone->in_profile || (assert_populated && !populated_zone(zone)))
			continue;
		pthread_mutex_lock(&zone->lock);
		print(sb, pgdat, zone);
		pthread_mutex_unlock(&zone->lock);
	}
}

/* N_MEMORY: the node has pages (the views that skip memoryless nodes ask). */
static bool node_has_memory(const pg_data_t *pgdat)
{
	for (int z = 0; z < MAX_ZONE_TYPES; z++)
		if (pgdat->node_zones[z].in_profile && populated_zone(&pgdat->node_zones[z]))
			return true;
	return false;
}

/* ---- the per-node counters ------------------------------------------------------ */

/*
 * The node_stat_items under 6.1's names (vmstat_text), indexed by the enum,
 * which is in 6.1's order: vmstat's and zoneinfo's per-node block print
 * them in enum order.  Whether an item is printed depends on the profile's
 * configuration (node_item_in_config); where kmm keeps its count, in
 * node_stat_offset at the end of this file.
 */
static const char *const node_stat_names[NR_VM_NODE_STAT_ITEMS] = {
	[NR_INACTIVE_ANON] = "nr_inactive_anon",
	[NR_ACTIVE_ANON] = "nr_active_anon",
	[NR_INACTIVE_FILE] = "nr_inactive_file",
	[NR_ACTIVE_FILE] = "nr_active_file",
	[NR_UNEVICTABLE] = "nr_unevictable",
	[NR_SLAB_RECLAIMABLE_B] = "nr_slab_reclaimable",
	[NR_SLAB_UNRECLAIMABLE_B] = "nr_slab_unreclaimable",
	[NR_ISOLATED_ANON] = "nr_isolated_anon",
	[NR_ISOLATED_FILE] = "nr_isolated_file",
	[WORKINGSET_NODES] = "workingset_nodes",
	[WORKINGSET_REFAULT_ANON] = "workingset_refault_anon",
	[WORKINGSET_REFAULT_FILE] = "workingset_refault_file",
	[WORKINGSET_ACTIVATE_ANON] = "workingset_activate_anon",
	[WORKINGSET_ACTIVATE_FILE] = "workingset_activate_file",
	[WORKINGSET_RESTORE_ANON] = "workingset_restore_anon",
	[WORKINGSET_RESTORE_FILE] = "workingset_restore_file",
	[WORKINGSET_NODERECLAIM] = "workingset_nodereclaim",
	[NR_ANON_MAPPED] = "nr_anon_pages",
	[NR_FILE_MAPPED] = "nr_mapped",
	[NR_FILE_PAGES] = "nr_file_pages",
	[NR_FILE_DIRTY] = "nr_dirty",
	[NR_WRITEBACK] = "nr_writeback",
	[NR_WRITEBACK_TEMP] = "nr_writeback_temp",
	[NR_SHMEM] = "nr_shmem",
	[NR_SHMEM_THPS] = "nr_shmem_hugepages",
	[NR_SHMEM_PMDMAPPED] = "nr_shmem_pmdmapped",
	[NR_FILE_THPS] = "nr_file_hugepages",
	[NR_FILE_PMDMAPPED] = "nr_file_pmdmapped",
	[NR_ANON_THPS] = "nr_anon_transparent_hugepages",
	[NR_VMSCAN_WRITE] = "nr_vmscan_write",
	[NR_VMSCAN_IMMEDIATE] = "nr_vmscan_immediate_reclaim",
	[NR_DIRTIED] = "nr_dirtied",
	[NR_WRITTEN] = "nr_written",
	[NR_THROTTLED_WRITTEN] = "nr_throttled_written",
	[NR_KERNEL_MISC_RECLAIMABLE] = "nr_kernel_misc_reclaimable",
	[NR_FOLL_PIN_ACQUIRED] = "nr_foll_pin_acquired",
	[NR_FOLL_PIN_RELEASED] = "nr_foll_pin_released",
	[NR_KERNEL_STACK_KB] = "nr_kernel_stack",
	[NR_PAGETABLE] = "nr_page_table_pages",
	[NR_SECONDARY_PAGETABLE] = "nr_sec_page_table_pages",
	[NR_SWAPCACHE] = "nr_swapcached",
	[PGPROMOTE_SUCCESS] = "pgpromote_success",
	[PGPROMOTE_CANDIDATE] = "pgpromote_candidate",
};

/* Does the profile's 6.1 configuration have the item?  pgpromote_* need CONFIG_NUMA_BALANCING. */
static bool node_item_in_config(enum node_stat_item item)
{
	return M->prof->numa || (item != PGPROMOTE_SUCCESS && item != PGPROMOTE_CANDIDATE);
}

/* Each item: of one node (zoneinfo: "      %-12s %lu" after a newline), or summed (vmstat: "%s %lu\n"). */
static void node_stats_print(struct strbuf *sb, pg_data_t *pgdat)
{
	for (int i = 0; i < NR_VM_NODE_STAT_ITEMS; i++) {
		enum node_stat_item item = (enum node_stat_item)i;
		if (!node_item_in_config(item))
			continue;
		/* the THP items would be divided by HPAGE_PMD_NR here (vmstat_item_print_in_thp): kmm counts none */
		unsigned long v = pgdat ? node_page_state(pgdat, item) : global_node_page_state_pages(item);
		if (pgdat)
			sb_printf(sb, "\n      %-12s %lu", node_stat_names[i], v);
		else
			sb_printf(sb, "%s %lu\n", node_stat_names[i], v);
	}
}

static const char *const numa_event_names[NR_VM_NUMA_EVENT_ITEMS] = {
#define X(id, name) [id] = name,
	KMM_NUMA_EVENTS(X)
#undef X
};

/* ---- zoneinfo, buddyinfo -------------------------------------------------------- */

/* is_zone_first_populated(): the node's counters print under its first zone with pages */
static bool zone_first_populated(pg_data_t *pgdat, struct zone *zone)
{
	for (int i = 0; i < MAX_ZONE_TYPES; i++)
		if (populated_zone(&pgdat->node_zones[i]))
			return &pgdat->node_zones[i] == zone;
	return false;
}

static void zoneinfo_show_print(struct strbuf *sb, pg_data_t *pgdat, struct zone *zone)
{
	sb_printf(sb, "Node %d, zone %8s", pgdat->node_id, zone->name);
	if (zone_first_populated(pgdat, zone)) {
		sb_printf(sb, "\n  per-node stats");
		node_stats_print(sb, pgdat);
	}
	sb_printf(sb,
		  "\n  pages free     %lu"
		  "\n        boost    %lu"
		  "\n        min      %lu"
		  "\n        low      %lu"
		  "\n        high     %lu"
		  "\n        spanned  %lu"
		  "\n        present  %lu"
		  "\n        managed  %lu"
		  "\n        cma      %lu",
		  zone_page_state(zone, NR_FREE_PAGES), zone_wmark_boost(zone), min_wmark_pages(zone),
		  low_wmark_pages(zone), high_wmark_pages(zone), zone->spanned_pages, zone->present_pages,
		  zone_managed_pages(zone), zone->cma_pages);
	bool first = true;
	for (int i = 0; i < MAX_ZONE_TYPES; i++) {
		if (!NODE_DATA(zone->node)->node_zones[i].in_profile)
			continue;
		sb_printf(sb, first ? "\n        protection: (%ld" : ", %ld", zone->lowmem_reserve[i]);
		first = false;
	}
	sb_printf(sb, ")");
	if (!populated_zone(zone)) {
		sb_printf(sb, "\n");
		return;
	}
#define X(id, name) \
	sb_printf(sb, "\n      %-12s %lu", name, (unsigned long)__atomic_load_n(&zone->vm_stat[id], __ATOMIC_RELAXED));
	KMM_ZONE_STATS(X)
#undef X
	if (M->prof->numa)
		for (int i = 0; i < NR_VM_NUMA_EVENT_ITEMS; i++)
			sb_printf(sb, "\n      %-12s %lu", numa_event_names[i],
				  __atomic_load_n(&zone->vm_numa_event[i], __ATOMIC_RELAXED));
	sb_printf(sb, "\n  pagesets");
	for (int c = 0; c < M->nr_cpus; c++) {
		const struct per_cpu_pages *pcp = &zone->pageset[c];
		sb_printf(sb,
			  "\n    cpu: %i"
			  "\n              count: %i"
			  "\n              high:  %i"
			  "\n              batch: %i",
			  c, pcp->count, pcp->high, pcp->batch);
		sb_printf(sb, "\n  vm stats threshold: %d", zone_stat_threshold(zone));
	}
	sb_printf(sb,
		  "\n  node_unreclaimable:  %u"
		  "\n  start_pfn:           %lu\n",
		  0u, zone->zone_start_pfn);
}

static void show_zoneinfo(struct strbuf *sb)
{
	int nid;
	for_each_online_node(nid)
		walk_zones_in_node(sb, NODE_DATA(nid), false, zoneinfo_show_print);
}

static void frag_show_print(struct strbuf *sb, pg_data_t *pgdat, struct zone *zone)
{
	sb_printf(sb, "Node %d, zone %8s ", pgdat->node_id, zone->name);
	for (int o = 0; o < MAX_ORDER; o++)
		sb_printf(sb, "%6lu ", zone->free_area[o].nr_free);
	sb_printf(sb, "\n");
}

static void show_buddyinfo(struct strbuf *sb)
{
	int nid;
	for_each_online_node(nid)
		walk_zones_in_node(sb, NODE_DATA(nid), true, frag_show_print);
}

/* ---- pagetypeinfo --------------------------------------------------------------- */

/* The migratetypes the kernel has: CONFIG_MEMORY_ISOLATION always, CMA with CONFIG_CMA (not Debian's x86). */
static bool migratetype_in_config(int mt)
{
	return mt != MIGRATE_CMA || M->kconfig.cma;
}

/* The free blocks of each migratetype and order; the caller holds zone->lock. */
static void pagetypeinfo_showfree_print(struct strbuf *sb, pg_data_t *pgdat, struct zone *zone)
{
	for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
		if (!migratetype_in_config(mt))
			continue;
		sb_printf(sb, "Node %4d, zone %8s, type %12s ", pgdat->node_id, zone->name, migratetype_names[mt]);
		for (int o = 0; o < MAX_ORDER; o++) {
			unsigned long freecount = 0;
			bool overflow = false;
			struct list_head *curr;
			/* capped as in Linux, which walks the list under a spinlock */
			list_for_each(curr, &zone->free_area[o].free_list[mt]) {
				if (++freecount >= 100000) {
					overflow = true;
					break;
				}
			}
			sb_printf(sb, "%s%6lu ", overflow ? ">" : "", freecount);
		}
		sb_printf(sb, "\n");
	}
}

/*
 * The pageblocks of each migratetype.  Linux samples one pfn per pageblock
 * step from zone_start_pfn (not from an aligned pfn), skipping invalid pfns
 * and pages of another zone: a zone counts DIV_ROUND_UP(spanned, pageblock)
 * blocks less its whole-section holes, which is what the reference kernels
 * print (i386 DMA at pfn 1..4095: 4 blocks).  The caller holds zone->lock.
 */
static void pagetypeinfo_showblockcount_print(struct strbuf *sb, pg_data_t *pgdat, struct zone *zone)
{
	unsigned long count[MIGRATE_TYPES] = { 0 };
	for (unsigned long pfn = zone->zone_start_pfn; pfn < zone_end_pfn(zone); pfn += pageblock_nr_pages()) {
		if (!pfn_valid(pfn))
			continue;
		struct page *page = pfn_to_page(pfn);
		if (page_zone(page) != zone)
			continue;
		int mt = get_pageblock_migratetype(page);
		if (mt < MIGRATE_TYPES)
			count[mt]++;
	}
	sb_printf(sb, "Node %d, zone %8s ", pgdat->node_id, zone->name);
	for (int mt = 0; mt < MIGRATE_TYPES; mt++)
		if (migratetype_in_config(mt))
			sb_printf(sb, "%12lu ", count[mt]);
	sb_printf(sb, "\n");
}

static void show_pagetypeinfo(struct strbuf *sb)
{
	int nid;
	for_each_online_node(nid) {
		pg_data_t *pgdat = NODE_DATA(nid);
		if (!node_has_memory(pgdat))
			continue;
		sb_printf(sb, "Page block order: %d\n", M->prof->pageblock_order);
		sb_printf(sb, "Pages per block:  %lu\n", pageblock_nr_pages());
		sb_printf(sb, "\n");
		sb_printf(sb, "%-43s ", "Free pages count per migrate type at order");
		for (int o = 0; o < MAX_ORDER; o++)
			sb_printf(sb, "%6d ", o);
		sb_printf(sb, "\n");
		walk_zones_in_node(sb, pgdat, true, pagetypeinfo_showfree_print);

		sb_printf(sb, "\n%-23s", "Number of blocks type ");
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			if (migratetype_in_config(mt))
				sb_printf(sb, "%12s ", migratetype_names[mt]);
		sb_printf(sb, "\n");
		walk_zones_in_node(sb, pgdat, true, pagetypeinfo_showblockcount_print);
		/* no "Number of mixed blocks": that needs CONFIG_PAGE_OWNER's records */
	}
}

/* ---- vmstat --------------------------------------------------------------------- */

/* The per-zone events follow enum zone_type, as TEXTS_FOR_ZONES does. */
_Static_assert(PGALLOC_DEVICE - PGALLOC_DMA == ZONE_DEVICE - ZONE_DMA, "pgalloc_* not in zone order");
_Static_assert(ALLOCSTALL_DEVICE - ALLOCSTALL_DMA == ZONE_DEVICE - ZONE_DMA, "allocstall_* not in zone order");
_Static_assert(PGSCAN_SKIP_DEVICE - PGSCAN_SKIP_DMA == ZONE_DEVICE - ZONE_DMA, "pgskip_* not in zone order");

/*
 * Does Linux 6.1 have a line for this event under the profile's Debian
 * configuration?  A per-zone event only for the zone types it compiles in;
 * zone_reclaim_failed with CONFIG_NUMA, numa_* with CONFIG_NUMA_BALANCING,
 * thp_split_pud with the PUD-sized THP of x86_64, direct_map_level*_splits
 * on x86 only.  No Debian x86 kernel
 * has CONFIG_CMA (cma_alloc_*: only with --kconfig CMA=y); all have MIGRATION, COMPACTION,
 * HUGETLB_PAGE, TRANSPARENT_HUGEPAGE, MEMORY_BALLOON with
 * BALLOON_COMPACTION, SWAP, KSM and ZSWAP, and none DEBUG_TLBFLUSH.
 * kswapd_wake is kmm's own count (Linux traces the wakeup, counts none).
 */
static bool vm_event_in_config(enum vm_event_item item)
{
	if (item >= PGALLOC_DMA && item <= PGALLOC_DEVICE)
		return M->prof->zone_mask & (1u << (item - PGALLOC_DMA));
	if (item >= ALLOCSTALL_DMA && item <= ALLOCSTALL_DEVICE)
		return M->prof->zone_mask & (1u << (item - ALLOCSTALL_DMA));
	if (item >= PGSCAN_SKIP_DMA && item <= PGSCAN_SKIP_DEVICE)
		return M->prof->zone_mask & (1u << (item - PGSCAN_SKIP_DMA));
	switch (item) {
	case PGSCAN_ZONE_RECLAIM_FAILED:
	case NUMA_PTE_UPDATES:
	case NUMA_HUGE_PTE_UPDATES:
	case NUMA_HINT_FAULTS:
	case NUMA_HINT_FAULTS_LOCAL:
	case NUMA_PAGE_MIGRATE:
		return M->prof->numa;
	case THP_SPLIT_PUD:
		return M->prof->thp_pud;
	case DIRECT_MAP_LEVEL2_SPLIT:
	case DIRECT_MAP_LEVEL3_SPLIT:
		return M->prof->arch == KMM_ARCH_X86; /* x86's CONFIG_X86_64 || CONFIG_X86_PAE only */
	case CMA_ALLOC_SUCCESS:
	case CMA_ALLOC_FAIL:
		return M->kconfig.cma;
	case KSWAPD_WAKE:
		return false;
	default:
		return true;
	}
}

/*
 * global_dirty_limits (mm/page-writeback.c): domain_dirty_limits of the
 * global domain, for a task that is not real-time.  The dirtyable memory
 * is the free pages above totalreserve_pages plus the file LRU, less what
 * of it is in highmem (vm_highmem_is_dirtyable is 0); the ratios are
 * per-PAGE_SIZE as 6.1 computes them, from vm.dirty_ratio and
 * vm.dirty_background_ratio (20 and 10) or, when set, vm.dirty_bytes and
 * vm.dirty_background_bytes.
 */
static bool counters_ready(void);

static unsigned long highmem_dirtyable_memory(unsigned long total)
{
	unsigned long x = 0;
	struct zone *zone;
	for_each_populated_zone(zone) {
		if (zone_idx(zone) <= ZONE_NORMAL || !is_highmem_idx((enum zone_type)zone_idx(zone)))
			continue;
		unsigned long nr = zone_page_state(zone, NR_FREE_PAGES);
		nr -= min(nr, high_wmark_pages(zone));
		nr += zone_page_state(zone, NR_ZONE_INACTIVE_FILE) + zone_page_state(zone, NR_ZONE_ACTIVE_FILE);
		x += nr;
	}
	return min(x, total);
}

static unsigned long global_dirtyable_memory(void)
{
	unsigned long x = global_zone_page_state(NR_FREE_PAGES);
	x -= min(x, M->totalreserve_pages);
	x += global_node_page_state_pages(NR_INACTIVE_FILE) + global_node_page_state_pages(NR_ACTIVE_FILE);
	x -= highmem_dirtyable_memory(x);
	return x + 1; /* never 0 */
}

void global_dirty_limits(unsigned long *pbackground, unsigned long *pdirty)
{
	*pbackground = *pdirty = 0;
	if (!counters_ready())
		return;
	unsigned long avail = global_dirtyable_memory();
	unsigned long bytes = __atomic_load_n(&M->dirty_bytes, __ATOMIC_RELAXED);
	unsigned long bg_bytes = __atomic_load_n(&M->dirty_background_bytes, __ATOMIC_RELAXED);
	unsigned long ratio = (unsigned long)__atomic_load_n(&M->dirty_ratio, __ATOMIC_RELAXED) * PAGE_SIZE / 100;
	unsigned long bg_ratio = (unsigned long)__atomic_load_n(&M->dirty_background_ratio, __ATOMIC_RELAXED) * PAGE_SIZE / 100;
	unsigned long thresh = bytes ? DIV_ROUND_UP(bytes, PAGE_SIZE) : ratio * avail / PAGE_SIZE;
	unsigned long bg_thresh = bg_bytes ? DIV_ROUND_UP(bg_bytes, PAGE_SIZE) : bg_ratio * avail / PAGE_SIZE;
	if (thresh > UINT_MAX)
		thresh = UINT_MAX;
	if (bg_thresh >= thresh)
		bg_thresh = thresh / 2;
	*pbackground = bg_thresh;
	*pdirty = thresh;
}

/*
 * vmstat_start/vmstat_show: the zone counters summed over zones
 * (global_zone_page_state()), the NUMA events (CONFIG_NUMA), the node
 * counters, the dirty limits, then the events summed over CPUs
 * (all_vm_events()), and the line 6.1 keeps for a counter it dropped.
 * Every list is in vmstat_text[]'s order, so printing each in list order
 * keeps Linux's order (pgalloc_*, allocstall_*, pgskip_*, pgfree, ...).
 */
static void show_vmstat(struct strbuf *sb)
{
	long zone_stat[NR_VM_ZONE_STAT_ITEMS] = { 0 };
	struct zone *zone;
	for_each_zone(zone) {
		pthread_mutex_lock(&zone->lock);
		for (int i = 0; i < NR_VM_ZONE_STAT_ITEMS; i++)
			zone_stat[i] += __atomic_load_n(&zone->vm_stat[i], __ATOMIC_RELAXED); /* LRU items change under lru_lock */
		pthread_mutex_unlock(&zone->lock);
	}
#define X(id, name) sb_printf(sb, "%s %lu\n", name, zone_stat[id] < 0 ? 0UL : (unsigned long)zone_stat[id]);
	KMM_ZONE_STATS(X)
#undef X
	if (M->prof->numa)
		for (int i = 0; i < NR_VM_NUMA_EVENT_ITEMS; i++)
			sb_printf(sb, "%s %lu\n", numa_event_names[i], global_numa_event_state((enum numa_stat_item)i));
	node_stats_print(sb, NULL);
	unsigned long bg, dirty;
	global_dirty_limits(&bg, &dirty);
	sb_printf(sb, "nr_dirty_threshold %lu\nnr_dirty_background_threshold %lu\n", dirty, bg);
#define X(id, name)               \
	if (vm_event_in_config(id)) \
		sb_printf(sb, "%s %lu\n", name, sum_vm_event(id));
	KMM_VM_EVENTS(X)
#undef X
	sb_printf(sb, "nr_unstable 0\n"); /* gone from 6.1's counters, still printed for old readers */
}

/* ---- debugfs extfrag ------------------------------------------------------------ */

struct contig_page_info {
	unsigned long free_pages;           /* Σ nr_free[o] << o */
	unsigned long free_blocks_total;    /* Σ nr_free[o] */
	unsigned long free_blocks_suitable; /* blocks of 2^suitable_order within free blocks that large */
};

/* What free blocks counted per order offer an allocation of suitable_order. */
static void contig_page_info_of(const unsigned long *nr_free, unsigned int suitable_order,
				struct contig_page_info *info)
{
	*info = (struct contig_page_info){ 0 };
	for (unsigned int o = 0; o < MAX_ORDER; o++) {
		unsigned long blocks = nr_free[o];
		info->free_blocks_total += blocks;
		info->free_pages += blocks << o;
		if (o >= suitable_order)
			info->free_blocks_suitable += blocks << (o - suitable_order);
	}
}

/* What the free lists offer an allocation of suitable_order; the caller holds zone->lock. */
static void fill_contig_page_info(const struct zone *zone, unsigned int suitable_order, struct contig_page_info *info)
{
	unsigned long nr_free[MAX_ORDER];
	for (unsigned int o = 0; o < MAX_ORDER; o++)
		nr_free[o] = zone->free_area[o].nr_free;
	contig_page_info_of(nr_free, suitable_order, info);
	/* the lists and the counter agree under the lock (zone_verify) */
	MM_WARN_ON(info->free_pages != (unsigned long)__atomic_load_n(&zone->vm_stat[NR_FREE_PAGES], __ATOMIC_RELAXED));
}

/*
 * The share of free memory unusable for an allocation of this order, in
 * thousandths: 0 no fragmentation .. 1000 all of it (or nothing free).
 */
static int unusable_free_index(unsigned int order, const struct contig_page_info *info)
{
	if (info->free_pages == 0)
		return 1000;
	return (int)((info->free_pages - (info->free_blocks_suitable << order)) * 1000ULL / info->free_pages);
}

/* unusable_free_index() of free blocks counted per order rather than of a zone (trace replay's samples). */
int unusable_index_of(const unsigned long nr_free[MAX_ORDER], unsigned int order)
{
	struct contig_page_info info;
	contig_page_info_of(nr_free, order, &info);
	return unusable_free_index(order, &info);
}

/*
 * Why an allocation of this order would fail, in thousandths: toward 0 lack
 * of memory, toward 1000 fragmentation; -1000 when it would not fail.
 */
static int __fragmentation_index(unsigned int order, const struct contig_page_info *info)
{
	unsigned long requested = 1UL << order;
	if (MM_WARN_ON(order >= MAX_ORDER))
		return 0;
	if (!info->free_blocks_total)
		return 0;
	if (info->free_blocks_suitable)
		return -1000;
	return 1000 - (int)((1000 + info->free_pages * 1000ULL / requested) / info->free_blocks_total);
}

static void unusable_show_print(struct strbuf *sb, pg_data_t *pgdat, struct zone *zone)
{
	struct contig_page_info info;
	sb_printf(sb, "Node %d, zone %8s ", pgdat->node_id, zone->name);
	for (unsigned int o = 0; o < MAX_ORDER; o++) {
		fill_contig_page_info(zone, o, &info);
		int index = unusable_free_index(o, &info);
		sb_printf(sb, "%d.%03d ", index / 1000, index % 1000);
	}
	sb_printf(sb, "\n");
}

static void show_unusable_index(struct strbuf *sb)
{
	int nid;
	for_each_online_node(nid)
		if (node_has_memory(NODE_DATA(nid)))
			walk_zones_in_node(sb, NODE_DATA(nid), true, unusable_show_print);
}

static void extfrag_show_print(struct strbuf *sb, pg_data_t *pgdat, struct zone *zone)
{
	struct contig_page_info info;
	sb_printf(sb, "Node %d, zone %8s ", pgdat->node_id, zone->name);
	for (unsigned int o = 0; o < MAX_ORDER; o++) {
		fill_contig_page_info(zone, o, &info);
		int index = __fragmentation_index(o, &info);
		sb_printf(sb, "%2d.%03d ", index / 1000, index % 1000);
	}
	sb_printf(sb, "\n");
}

static void show_extfrag_index(struct strbuf *sb)
{
	int nid;
	for_each_online_node(nid)
		walk_zones_in_node(sb, NODE_DATA(nid), true, extfrag_show_print);
}

/* ---- meminfo, iomem ------------------------------------------------------------- */

static unsigned long global_low_wmark(void)
{
	unsigned long s = 0;
	struct zone *zone;
	for_each_zone(zone)
		s += low_wmark_pages(zone);
	return s;
}

#define K(x) ((unsigned long)(x) << (PAGE_SHIFT - 10))

static void show_meminfo(struct strbuf *sb)
{
	unsigned long free = nr_free_pages(), highfree = 0;
	struct zone *zone;
	for_each_zone(zone)
		if (is_highmem(zone))
			highfree += (unsigned long)__atomic_load_n(&zone->vm_stat[NR_FREE_PAGES], __ATOMIC_RELAXED);
	unsigned long sreclaimable = 0, sunreclaim = 0;
	for (int n = 0; n < M->nr_nodes; n++) {
		sreclaimable += (unsigned long)__atomic_load_n(&NODE_DATA(n)->nr_slab_reclaimable, __ATOMIC_RELAXED);
		sunreclaim += (unsigned long)__atomic_load_n(&NODE_DATA(n)->nr_slab_unreclaimable, __ATOMIC_RELAXED);
	}
	long cached = global_node_page_state(nr_file_pages), shmem = global_node_page_state(nr_shmem);
	/* si_mem_available(): free above the reserves, plus what reclaim could give: the file cache and slab */
	long available = (long)free - (long)M->totalreserve_pages;
	long pagecache = (long)(lru_pages(LRU_ACTIVE_FILE) + lru_pages(LRU_INACTIVE_FILE)); /* the file LRU */
	available += pagecache - (long)min((unsigned long)pagecache / 2, global_low_wmark());
	available += (long)sreclaimable - (long)min(sreclaimable / 2, global_low_wmark());
	if (available < 0)
		available = 0;
	sb_printf(sb, "MemTotal:       %8lu kB\n", K(M->totalram_pages));
	sb_printf(sb, "MemFree:        %8lu kB\n", K(free));
	sb_printf(sb, "MemAvailable:   %8lu kB\n", K(available));
	sb_printf(sb, "Buffers:        %8lu kB\n", 0UL);
	sb_printf(sb, "Cached:         %8lu kB\n", K(cached));
	sb_printf(sb, "SwapCached:     %8lu kB\n", K(global_node_page_state_pages(NR_SWAPCACHE)));
	unsigned long lru[NR_LRU_LISTS];
	for (int l = 0; l < NR_LRU_LISTS; l++)
		lru[l] = lru_pages((enum lru_list)l);
	sb_printf(sb, "Active:         %8lu kB\n", K(lru[LRU_ACTIVE_ANON] + lru[LRU_ACTIVE_FILE]));
	sb_printf(sb, "Inactive:       %8lu kB\n", K(lru[LRU_INACTIVE_ANON] + lru[LRU_INACTIVE_FILE]));
	sb_printf(sb, "Active(anon):   %8lu kB\n", K(lru[LRU_ACTIVE_ANON]));
	sb_printf(sb, "Inactive(anon): %8lu kB\n", K(lru[LRU_INACTIVE_ANON]));
	sb_printf(sb, "Active(file):   %8lu kB\n", K(lru[LRU_ACTIVE_FILE]));
	sb_printf(sb, "Inactive(file): %8lu kB\n", K(lru[LRU_INACTIVE_FILE]));
	sb_printf(sb, "Unevictable:    %8lu kB\n", K(lru[LRU_UNEVICTABLE]));
	sb_printf(sb, "Mlocked:        %8lu kB\n", K(global_zone_page_state(NR_MLOCK)));
	if (M->prof->bits == 32) {
		sb_printf(sb, "HighTotal:      %8lu kB\n", K(M->totalhigh_pages));
		sb_printf(sb, "HighFree:       %8lu kB\n", K(highfree));
		sb_printf(sb, "LowTotal:       %8lu kB\n", K(M->totalram_pages - M->totalhigh_pages));
		sb_printf(sb, "LowFree:        %8lu kB\n", K(free - highfree));
	}
	sb_printf(sb, "SwapTotal:      %8lu kB\n", K(kmm_total_swap_pages()));
	sb_printf(sb, "SwapFree:       %8lu kB\n", K(kmm_nr_swap_pages()));
	sb_printf(sb, "Zswap:          %8lu kB\n", 0UL); /* CONFIG_ZSWAP, off unless zswap.enabled=1: as Debian boots */
	sb_printf(sb, "Zswapped:       %8lu kB\n", 0UL);
	sb_printf(sb, "Dirty:          %8lu kB\n", K(global_node_page_state(nr_file_dirty)));
	sb_printf(sb, "Writeback:      %8lu kB\n", K(global_node_page_state_pages(NR_WRITEBACK)));
	sb_printf(sb, "AnonPages:      %8lu kB\n", K(global_node_page_state(nr_anon_mapped)));
	sb_printf(sb, "Mapped:         %8lu kB\n", K(global_node_page_state(nr_file_mapped)));
	sb_printf(sb, "Shmem:          %8lu kB\n", K(shmem));
	sb_printf(sb, "KReclaimable:   %8lu kB\n", K(sreclaimable));
	sb_printf(sb, "Slab:           %8lu kB\n", K(sreclaimable + sunreclaim));
	sb_printf(sb, "SReclaimable:   %8lu kB\n", K(sreclaimable));
	sb_printf(sb, "SUnreclaim:     %8lu kB\n", K(sunreclaim));
	sb_printf(sb, "KernelStack:    %8lu kB\n", global_node_page_state_pages(NR_KERNEL_STACK_KB));
	sb_printf(sb, "PageTables:     %8lu kB\n", K(global_node_page_state(nr_page_table_pages)));
	sb_printf(sb, "CommitLimit:    %8lu kB\n", K(vm_commit_limit()));
	sb_printf(sb, "Committed_AS:   %8lu kB\n", K(vm_memory_committed()));
	unsigned long vmalloc_total = (M->layout.vmalloc_end - M->layout.vmalloc_start) >> 10;
	sb_printf(sb, "VmallocTotal:   %8lu kB\n", vmalloc_total);
	sb_printf(sb, "VmallocUsed:    %8lu kB\n", K(vmalloc_used_pages()));
	sb_printf(sb, "VmallocChunk:   %8lu kB\n", 0UL); /* 0 since Linux 5.3 */
	sb_printf(sb, "Percpu:         %8lu kB\n", K(pcpu_nr_pages()));
	if (M->kconfig.cma) { /* CONFIG_CMA: after the THP lines, before hugetlb's, as 6.1 prints them */
		sb_printf(sb, "CmaTotal:       %8lu kB\n", K(M->totalcma_pages));
		sb_printf(sb, "CmaFree:        %8lu kB\n", K(global_zone_page_state(NR_FREE_CMA_PAGES)));
	}
	if (!(M->prof->arch == KMM_ARCH_ARM && !M->prof->pae)) /* 2-level ARM has no hugetlbfs */
		sb_printf(sb, "Hugepagesize:   %8lu kB\n", (1UL << M->prof->pmd_shift) >> 10);
}

static const char *iomem_name(enum e820_type t)
{
	switch (t) {
	case E820_TYPE_RESERVED_KERN:
	case E820_TYPE_RAM: return "System RAM";
	case E820_TYPE_ACPI: return "ACPI Tables";
	case E820_TYPE_NVS: return "ACPI Non-volatile Storage";
	case E820_TYPE_UNUSABLE: return "Unusable memory";
	case E820_TYPE_PRAM: return "Persistent Memory (legacy)";
	case E820_TYPE_PMEM: return "Persistent Memory";
	case E820_TYPE_RESERVED: return "Reserved";
	case E820_TYPE_SOFT_RESERVED: return "Soft Reserved";
	default: return "Unknown E820 type";
	}
}

/*
 * The table 32-bit kernels printed at boot ("virtual kernel memory layout")
 * until Linux 4.19 stopped it (it gave KASLR away); 6.1 prints nothing, so
 * kmm keeps its boot log as 6.1's and shows the table here.  x86_64 has
 * no PKMAP and its lowmem is all of RAM's direct map.
 */
/*
 * arm64's windows, in the format of the table arm64 printed until 5.x
 * (mem_init's "Virtual kernel memory layout"); 6.1 prints none.  The
 * image runs at KIMAGE_VADDR, the linear map starts at PAGE_OFFSET.
 */
static void show_layout_arm64(struct strbuf *sb)
{
	const struct kmm_layout *l = &M->layout;
	const struct kmm_image *im = &M->image;
	unsigned long linear_end = l->page_offset + (M->max_pfn << PAGE_SHIFT);
	unsigned long img = l->kimage_vaddr - (M->image.text - SZ_64K); /* va of a pa in the image */
	const struct { const char *name; unsigned long s, e; bool kb; } w[] = {
		{ "modules", l->modules_vaddr, l->modules_end, false },
		{ "vmalloc", l->vmalloc_start, l->vmalloc_end, false },
		{ "  .text", img + (unsigned long)im->text, img + (unsigned long)im->etext, true },
		{ ".rodata", img + (unsigned long)im->rodata, img + (unsigned long)im->erodata, true },
		{ "  .init", img + (unsigned long)im->init, img + (unsigned long)im->einit, true },
		{ "  .data", img + (unsigned long)im->data, img + (unsigned long)im->edata, true },
		{ "   .bss", img + (unsigned long)im->bss, img + (unsigned long)im->ebss, true },
		{ "fixed", l->fixaddr_start, l->fixaddr_top, true },
		{ "PCI I/O", l->pci_io_start, l->pci_io_end, false },
		{ "vmemmap", l->vmemmap_base + (l->phys_offset >> PAGE_SHIFT) * M->prof->struct_page_size, l->vmemmap_end, false },
		{ " memory", l->linear_base, linear_end, false },
	};
	sb_printf(sb, "Virtual kernel memory layout:\n");
	for (size_t i = 0; i < ARRAY_SIZE(w); i++)
		sb_printf(sb, "    %-7s : 0x%016lx - 0x%016lx   (%8lu %s)\n", w[i].name, w[i].s, w[i].e,
			  (w[i].e - w[i].s) >> (w[i].kb ? 10 : 20), w[i].kb ? "KB" : "MB");
}

static void show_layout(struct strbuf *sb)
{
	const struct kmm_layout *l = &M->layout;
	if (M->prof->arch == KMM_ARCH_ARM64) {
		show_layout_arm64(sb);
		return;
	}
	int w = M->prof->bits == 64 ? 16 : 8;
	unsigned long off = kernel_va_start();
	unsigned long high = M->prof->bits == 64 ? off + M->max_pfn * PAGE_SIZE : l->high_memory;
	const struct kmm_image *im = &M->image;
	sb_printf(sb, "virtual kernel memory layout:\n");
	if (M->prof->bits == 32) {
		sb_printf(sb, "    fixmap  : 0x%0*lx - 0x%0*lx   (%4lu kB)\n", w, l->fixaddr_start, w, l->fixaddr_top,
			  (l->fixaddr_top - l->fixaddr_start) >> 10);
		unsigned long pk = (unsigned long)M->prof->last_pkmap << PAGE_SHIFT;
		sb_printf(sb, "    pkmap   : 0x%0*lx - 0x%0*lx   (%4lu kB)\n", w, l->pkmap_base, w, l->pkmap_base + pk, pk >> 10);
	}
	sb_printf(sb, "    vmalloc : 0x%0*lx - 0x%0*lx   (%4lu MB)\n", w, l->vmalloc_start, w, l->vmalloc_end,
		  (l->vmalloc_end - l->vmalloc_start) >> 20);
	sb_printf(sb, "    lowmem  : 0x%0*lx - 0x%0*lx   (%4lu MB)\n", w, off, w, high, (high - off) >> 20);
	if (M->prof->arch == KMM_ARCH_ARM)
		sb_printf(sb, "    modules : 0x%0*lx - 0x%0*lx   (%4lu MB)\n", w, l->modules_vaddr, w, l->modules_end,
			  (l->modules_end - l->modules_vaddr) >> 20);
	const struct { const char *name; u64 s, e; } secs[] = {
		{ ".init", im->init, im->einit }, { ".data", im->data, im->edata }, { ".text", im->text, im->etext } };
	/* x86_64 runs its image from __START_KERNEL_map, not the direct map */
	unsigned long img = M->prof->bits == 64 ? 0xffffffff80000000UL : l->page_offset;
	for (size_t i = 0; i < ARRAY_SIZE(secs); i++)
		sb_printf(sb, "      %-5s : 0x%0*lx - 0x%0*lx   (%4lu kB)\n", secs[i].name, w, img + (unsigned long)secs[i].s, w,
			  img + (unsigned long)secs[i].e, (unsigned long)(secs[i].e - secs[i].s) >> 10);
}

/* The simulated device's BAR, as the PCI core registers it: the bus window, the device in it. */
static void show_device(struct strbuf *sb)
{
	unsigned long long s = kmm_device.base, e = kmm_device.base + kmm_device.size - 1;
	sb_printf(sb, "%08llx-%08llx : PCI Bus 0000:00\n  %08llx-%08llx : 0000:00:02.0\n", s, e, s, e);
}

/* [s, e] less every occupied range: what is left goes in as "reserved" (reserve_region_with_split) */
struct iomem_piece {
	u64 s, e;
	const char *name;
};

static void iomem_add_split(struct iomem_piece *p, int *n, int cap, u64 s, u64 e)
{
	for (int i = 0; i < *n && s <= e; i++) {
		if (p[i].e < s || p[i].s > e)
			continue;
		if (p[i].s > s) /* the part before the conflict, then the part after it */
			iomem_add_split(p, n, cap, s, p[i].s - 1);
		if (p[i].e >= e)
			return;
		s = p[i].e + 1;
		i = -1; /* the rest may meet an earlier piece */
	}
	if (s <= e && *n < cap)
		p[(*n)++] = (struct iomem_piece){ s, e, "reserved" };
}

static int iomem_piece_cmp(const void *a, const void *b)
{
	const struct iomem_piece *x = a, *y = b;
	return x->s < y->s ? -1 : x->s > y->s;
}

/*
 * arm64's request_standard_resources() and reserve_memblock_reserved_regions():
 * each memblock memory region is "System RAM" (a no-map one "reserved",
 * with nothing under it); "Kernel code" (_stext to __init_begin) and
 * "Kernel data" (_sdata to _end) go under the one holding them, then every
 * memblock reservation overlapping the region when the arch_initcall ran
 * (setup_arm64.c kept them), widened to whole pages, around what is there
 * already.
 */
#define IOMEM_PIECES 128
static void show_iomem_arm64(struct strbuf *sb)
{
	const struct memblock_type *mem = &M->memblock.memory;
	const struct kmm_image *im = &M->image;
	const struct iomem_piece kernel[] = { { im->text, im->init - 1, "Kernel code" },
					      { im->data, M->arm64_image_end - 1, "Kernel data" } };
	bool device_shown = !kmm_device.size;
	for (unsigned long i = 0; i < mem->cnt; i++) {
		const struct memblock_region *r = &mem->regions[i];
		u64 s = r->base, e = r->base + r->size - 1;
		if (!device_shown && kmm_device.base < s) {
			show_device(sb);
			device_shown = true;
		}
		bool nomap = r->flags & MEMBLOCK_NOMAP;
		sb_printf(sb, "%08llx-%08llx : %s\n", (unsigned long long)s, (unsigned long long)e, nomap ? "reserved" : "System RAM");
		if (nomap)
			continue;
		struct iomem_piece p[IOMEM_PIECES];
		int n = 0;
		for (size_t k = 0; k < ARRAY_SIZE(kernel); k++)
			if (kernel[k].s >= s && kernel[k].e <= e)
				p[n++] = kernel[k];
		for (unsigned long j = 0; j < M->nr_iomem_reserved; j++) {
			const struct memblock_region *rr = &M->iomem_reserved[j];
			u64 rs = rr->base & ~(u64)(PAGE_SIZE - 1), re = ALIGN(rr->base + rr->size, PAGE_SIZE) - 1;
			if (re >= s && rs <= e)
				iomem_add_split(p, &n, IOMEM_PIECES, max(rs, s), min(re, e));
		}
		qsort(p, (size_t)n, sizeof(p[0]), iomem_piece_cmp);
		for (int k = 0; k < n; k++)
			sb_printf(sb, "  %08llx-%08llx : %s\n", (unsigned long long)p[k].s, (unsigned long long)p[k].e, p[k].name);
	}
	if (!device_shown)
		show_device(sb);
}

static void show_iomem(struct strbuf *sb)
{
	if (M->prof->arch == KMM_ARCH_ARM64) {
		show_iomem_arm64(sb);
		return;
	}
	const struct kmm_image *im = &M->image;
	const struct { const char *name; u64 s, e; } kernel[] = {
		{ "Kernel code", im->text, im->etext }, { "Kernel rodata", im->rodata, im->erodata },
		{ "Kernel data", im->data, im->edata }, { "Kernel bss", im->bss, im->ebss },
	};
	bool device_shown = !kmm_device.size;
	for (u32 i = 0; i < M->e820.nr_entries; i++) {
		const struct e820_entry *e = &M->e820.entries[i];
		u64 end = e->addr + e->size - 1;
		if (M->prof->bits == 32 && !M->prof->pae && end > 0xffffffffULL)
			continue; /* a 32-bit resource_size_t cannot name it */
		if (!device_shown && kmm_device.base < e->addr) {
			show_device(sb);
			device_shown = true;
		}
		sb_printf(sb, "%08llx-%08llx : %s\n", (unsigned long long)e->addr, (unsigned long long)end,
			  iomem_name(e->type));
		if (e->type != E820_TYPE_RAM)
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(kernel); k++)
			if (kernel[k].s >= e->addr && kernel[k].e - 1 <= end)
				sb_printf(sb, "  %08llx-%08llx : %s\n", (unsigned long long)kernel[k].s,
					  (unsigned long long)kernel[k].e - 1, kernel[k].name);
	}
	if (!device_shown)
		show_device(sb);
}

/* ---- /proc/sys/vm -------------------------------------------------------------- */

static void show_int(struct strbuf *sb, int v)
{
	sb_printf(sb, "%d\n", v);
}

static void show_min_free_kbytes(struct strbuf *sb) { show_int(sb, M->min_free_kbytes); }
static void show_wsf(struct strbuf *sb) { show_int(sb, M->watermark_scale_factor); }
static void show_wbf(struct strbuf *sb) { show_int(sb, M->watermark_boost_factor); }
static void show_pphf(struct strbuf *sb) { show_int(sb, M->percpu_pagelist_high_fraction); }

static void show_lowmem_reserve_ratio(struct strbuf *sb)
{
	bool first = true;
	for (int z = 0; z < MAX_ZONE_TYPES; z++) {
		if (!(M->prof->zone_mask & (1u << z)))
			continue;
		sb_printf(sb, first ? "%d" : "\t%d", M->lowmem_reserve_ratio[z]);
		first = false;
	}
	sb_printf(sb, "\n");
}

/*
 * proc_dointvec_minmax: one integer in [lo, hi], blanks around it, read as
 * proc_get_long() reads it (base 0: 0x.. and 0..; lib/kstrtox.c, so nothing
 * wraps); whatever is wrong - junk, overflow, out of range - is -EINVAL.
 */
static int parse_one_int(const char *val, long lo, long hi, int *out)
{
	char buf[32];
	long v;
	while (*val == ' ' || *val == '\t' || *val == '\n')
		val++;
	size_t n = strlen(val);
	while (n && (val[n - 1] == ' ' || val[n - 1] == '\t' || val[n - 1] == '\n'))
		n--;
	if (!n || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, val, n);
	buf[n] = 0;
	if (kstrtol(buf, 0, &v) || v < lo || v > hi)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

/*
 * proc_doulongvec_minmax with no bounds: one unsigned long, blanks around
 * it, base 0; a sign, junk or overflow is -EINVAL.
 */
static int parse_one_ulong(const char *val, unsigned long *out)
{
	char buf[32];
	while (*val == ' ' || *val == '\t' || *val == '\n')
		val++;
	size_t n = strlen(val);
	while (n && (val[n - 1] == ' ' || val[n - 1] == '\t' || val[n - 1] == '\n'))
		n--;
	if (!n || n >= sizeof(buf) || val[0] == '-' || val[0] == '+')
		return -EINVAL;
	memcpy(buf, val, n);
	buf[n] = 0;
	return kstrtoul(buf, 0, out) ? -EINVAL : 0;
}

/*
 * Overcommit (mm/util.c): vm.overcommit_memory 0..2 (overcommit_policy_handler),
 * vm.overcommit_ratio any int (proc_dointvec) - writing it sets
 * overcommit_kbytes to 0 - and vm.overcommit_kbytes any unsigned long,
 * which sets overcommit_ratio to 0 (the two handlers); the reserves are
 * plain unsigned longs.
 */
static void show_overcommit_memory(struct strbuf *sb) { show_int(sb, __atomic_load_n(&M->overcommit_memory, __ATOMIC_RELAXED)); }
static int write_overcommit_memory(const char *val)
{
	int v;
	if (parse_one_int(val, OVERCOMMIT_GUESS, OVERCOMMIT_NEVER, &v))
		return -EINVAL;
	__atomic_store_n(&M->overcommit_memory, v, __ATOMIC_RELAXED);
	return 0;
}

static void show_overcommit_ratio(struct strbuf *sb) { show_int(sb, __atomic_load_n(&M->overcommit_ratio, __ATOMIC_RELAXED)); }
static int write_overcommit_ratio(const char *val)
{
	int v;
	if (parse_one_int(val, INT_MIN, INT_MAX, &v))
		return -EINVAL;
	__atomic_store_n(&M->overcommit_ratio, v, __ATOMIC_RELAXED);
	__atomic_store_n(&M->overcommit_kbytes, 0UL, __ATOMIC_RELAXED);
	return 0;
}

static void show_ulong(struct strbuf *sb, unsigned long v)
{
	sb_printf(sb, "%lu\n", v);
}

static void show_overcommit_kbytes(struct strbuf *sb) { show_ulong(sb, __atomic_load_n(&M->overcommit_kbytes, __ATOMIC_RELAXED)); }
static int write_overcommit_kbytes(const char *val)
{
	unsigned long v;
	if (parse_one_ulong(val, &v))
		return -EINVAL;
	__atomic_store_n(&M->overcommit_kbytes, v, __ATOMIC_RELAXED);
	__atomic_store_n(&M->overcommit_ratio, 0, __ATOMIC_RELAXED);
	return 0;
}

static void show_admin_reserve(struct strbuf *sb) { show_ulong(sb, __atomic_load_n(&M->admin_reserve_kbytes, __ATOMIC_RELAXED)); }
static int write_admin_reserve(const char *val)
{
	unsigned long v;
	if (parse_one_ulong(val, &v))
		return -EINVAL;
	__atomic_store_n(&M->admin_reserve_kbytes, v, __ATOMIC_RELAXED);
	return 0;
}

static void show_user_reserve(struct strbuf *sb) { show_ulong(sb, __atomic_load_n(&M->user_reserve_kbytes, __ATOMIC_RELAXED)); }
static int write_user_reserve(const char *val)
{
	unsigned long v;
	if (parse_one_ulong(val, &v))
		return -EINVAL;
	__atomic_store_n(&M->user_reserve_kbytes, v, __ATOMIC_RELAXED);
	return 0;
}

static int write_min_free_kbytes(const char *val)
{
	int v;
	if (parse_one_int(val, 0, 1L << 30, &v))
		return -EINVAL;
	M->min_free_kbytes = v;
	M->user_min_free_kbytes = v;
	setup_per_zone_wmarks();
	return 0;
}

/* the flusher's period and the age at which dirty data is written back (sim/clock.c) */
static void show_dwc(struct strbuf *sb) { show_int(sb, M->dirty_writeback_centisecs); }
static void show_dec(struct strbuf *sb) { show_int(sb, M->dirty_expire_centisecs); }

static int write_dwc(const char *val)
{
	int v;
	if (parse_one_int(val, 0, INT_MAX, &v))
		return -EINVAL;
	M->dirty_writeback_centisecs = v; /* re-armed from now, as dirty_writeback_centisecs_handler does */
	M->next_writeback_ns = kmm_clock_ns() + (u64)v * 10000000ULL;
	return 0;
}

/*
 * The dirty limits (mm/page-writeback.c's handlers): a ratio 0..100 or a
 * byte count (dirty_bytes at least two pages, dirty_background_bytes at
 * least 1, either at most UINT_MAX pages: -ERANGE); setting one of a pair
 * clears the other, as the handlers do - dirty_ratio and dirty_bytes only
 * when the value changes.
 */
static int parse_dirty_bytes(const char *val, unsigned long lo, unsigned long *out)
{
	unsigned long v;
	if (parse_one_ulong(val, &v) || v < lo || (M->prof->bits == 32 && v > 0xffffffffUL)) /* the kernel's own long */
		return -EINVAL;
	if (DIV_ROUND_UP(v, PAGE_SIZE) > UINT_MAX)
		return -ERANGE;
	*out = v;
	return 0;
}

static void show_dirty_ratio(struct strbuf *sb) { show_int(sb, M->dirty_ratio); }
static void show_dirty_bg_ratio(struct strbuf *sb) { show_int(sb, M->dirty_background_ratio); }
static void show_dirty_bytes(struct strbuf *sb) { show_ulong(sb, M->dirty_bytes); }
static void show_dirty_bg_bytes(struct strbuf *sb) { show_ulong(sb, M->dirty_background_bytes); }

static int write_dirty_ratio(const char *val)
{
	int v;
	if (parse_one_int(val, 0, 100, &v))
		return -EINVAL;
	if (v != M->dirty_ratio)
		__atomic_store_n(&M->dirty_bytes, 0UL, __ATOMIC_RELAXED);
	__atomic_store_n(&M->dirty_ratio, v, __ATOMIC_RELAXED);
	return 0;
}

static int write_dirty_bg_ratio(const char *val)
{
	int v;
	if (parse_one_int(val, 0, 100, &v))
		return -EINVAL;
	__atomic_store_n(&M->dirty_background_bytes, 0UL, __ATOMIC_RELAXED);
	__atomic_store_n(&M->dirty_background_ratio, v, __ATOMIC_RELAXED);
	return 0;
}

static int write_dirty_bytes(const char *val)
{
	unsigned long v;
	int ret = parse_dirty_bytes(val, 2 * PAGE_SIZE, &v);
	if (ret)
		return ret;
	if (v != M->dirty_bytes)
		__atomic_store_n(&M->dirty_ratio, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&M->dirty_bytes, v, __ATOMIC_RELAXED);
	return 0;
}

static int write_dirty_bg_bytes(const char *val)
{
	unsigned long v;
	int ret = parse_dirty_bytes(val, 1, &v);
	if (ret)
		return ret;
	__atomic_store_n(&M->dirty_background_ratio, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&M->dirty_background_bytes, v, __ATOMIC_RELAXED);
	return 0;
}

static int write_dec(const char *val)
{
	int v;
	if (parse_one_int(val, 0, INT_MAX, &v))
		return -EINVAL;
	M->dirty_expire_centisecs = v;
	return 0;
}

/* drop_caches: 1 the clean page cache, 2 reclaimable slab, 3 both (4: only quiet the message) */
static int drop_caches_last;
static void show_drop_caches(struct strbuf *sb) { show_int(sb, drop_caches_last); }

static int write_drop_caches(const char *val)
{
	int v;
	if (parse_one_int(val, 1, 4, &v))
		return -EINVAL;
	if (v & 1) {
		drop_pagecache();
		count_vm_event(DROP_PAGECACHE);
	}
	if (v & 2) {
		drop_slab(); /* the shrinkers: the store's unused dentries and inodes (mm/shrinker.c) */
		kmm_slab_shrink_all();
		count_vm_event(DROP_SLAB);
	}
	if (!(v & 4))
		printk(KERN_INFO "%s (%d): drop_caches: %d\n", "kmm", 0, v);
	drop_caches_last = v;
	return 0;
}

/* vm.compact_memory: any integer compacts every zone of every node whole (mm/compaction.c) */
static int compact_memory_last;
static void show_compact_memory(struct strbuf *sb) { show_int(sb, compact_memory_last); }
static int write_compact_memory(const char *val)
{
	int v;
	if (parse_one_int(val, INT_MIN, INT_MAX, &v))
		return -EINVAL;
	compact_nodes();
	compact_memory_last = v;
	return 0;
}

/* vm.compaction_proactiveness: 0..100 (proc_dointvec_minmax); a non-zero write makes every kcompactd check at once */
static void show_compaction_proactiveness(struct strbuf *sb)
{
	show_int(sb, __atomic_load_n(&M->compaction_proactiveness, __ATOMIC_RELAXED));
}
static int write_compaction_proactiveness(const char *val)
{
	int v;
	if (parse_one_int(val, 0, 100, &v))
		return -EINVAL;
	__atomic_store_n(&M->compaction_proactiveness, v, __ATOMIC_RELAXED);
	if (v)
		compaction_proactiveness_changed();
	return 0;
}

/* vm.extfrag_threshold: 0..1000 (proc_dointvec_minmax); direct compaction leaves zones whose index is not above it */
static void show_extfrag_threshold(struct strbuf *sb) { show_int(sb, __atomic_load_n(&M->extfrag_threshold, __ATOMIC_RELAXED)); }
static int write_extfrag_threshold(const char *val)
{
	int v;
	if (parse_one_int(val, 0, 1000, &v))
		return -EINVAL;
	__atomic_store_n(&M->extfrag_threshold, v, __ATOMIC_RELAXED);
	return 0;
}

/* vm.vfs_cache_pressure: 0..INT_MAX (proc_dointvec_minmax, extra1 0); 0 keeps dentries and inodes */
static void show_vfs_cache_pressure(struct strbuf *sb) { show_int(sb, __atomic_load_n(&M->vfs_cache_pressure, __ATOMIC_RELAXED)); }
static int write_vfs_cache_pressure(const char *val)
{
	int v;
	if (parse_one_int(val, 0, INT_MAX, &v))
		return -EINVAL;
	__atomic_store_n(&M->vfs_cache_pressure, v, __ATOMIC_RELAXED);
	return 0;
}

/* vm.swappiness: 0..200 (proc_dointvec_minmax with two_hundred) */
static void show_swappiness(struct strbuf *sb) { show_int(sb, __atomic_load_n(&vm_swappiness, __ATOMIC_RELAXED)); }
static int write_swappiness(const char *val)
{
	int v;
	if (parse_one_int(val, 0, 200, &v))
		return -EINVAL;
	__atomic_store_n(&vm_swappiness, v, __ATOMIC_RELAXED);
	return 0;
}

/* vm.panic_on_oom: 0..2 (proc_dointvec_minmax, SYSCTL_ZERO..SYSCTL_TWO); vm.oom_*: any int (proc_dointvec) */
static void show_panic_on_oom(struct strbuf *sb) { show_int(sb, __atomic_load_n(&M->panic_on_oom, __ATOMIC_RELAXED)); }
static int write_panic_on_oom(const char *val)
{
	int v;
	if (parse_one_int(val, 0, 2, &v))
		return -EINVAL;
	__atomic_store_n(&M->panic_on_oom, v, __ATOMIC_RELAXED);
	return 0;
}
static void show_okat(struct strbuf *sb) { show_int(sb, __atomic_load_n(&M->oom_kill_allocating_task, __ATOMIC_RELAXED)); }
static int write_okat(const char *val)
{
	int v;
	if (parse_one_int(val, INT_MIN, INT_MAX, &v))
		return -EINVAL;
	__atomic_store_n(&M->oom_kill_allocating_task, v, __ATOMIC_RELAXED);
	return 0;
}
static void show_oom_dump_tasks(struct strbuf *sb) { show_int(sb, __atomic_load_n(&M->oom_dump_tasks, __ATOMIC_RELAXED)); }
static int write_oom_dump_tasks(const char *val)
{
	int v;
	if (parse_one_int(val, INT_MIN, INT_MAX, &v))
		return -EINVAL;
	__atomic_store_n(&M->oom_dump_tasks, v, __ATOMIC_RELAXED);
	return 0;
}

/* vm.page-cluster: log2 of the swap readahead window (proc_dointvec_minmax, at least 0) */
static void show_page_cluster(struct strbuf *sb) { show_int(sb, __atomic_load_n(&page_cluster, __ATOMIC_RELAXED)); }
static int write_page_cluster(const char *val)
{
	int v;
	if (parse_one_int(val, 0, INT_MAX, &v))
		return -EINVAL;
	__atomic_store_n(&page_cluster, v, __ATOMIC_RELAXED);
	return 0;
}

/* 6.1's kstrtobool: y/t/e/1 and on, n/f/d/0 and off, by their first letters (NULL or empty: -EINVAL) */
static int parse_bool(const char *s, bool *res)
{
	if (!s)
		return -EINVAL;
	switch (s[0]) {
	case 'y': case 'Y': case 't': case 'T': case 'e': case 'E': case '1':
		*res = true;
		return 0;
	case 'n': case 'N': case 'f': case 'F': case 'd': case 'D': case '0':
		*res = false;
		return 0;
	case 'o': case 'O':
		if (s[1] == 'n' || s[1] == 'N' || s[1] == 'f' || s[1] == 'F') {
			*res = s[1] == 'n' || s[1] == 'N';
			return 0;
		}
	}
	return -EINVAL;
}

/* /sys/kernel/mm/swap/vma_ra_enabled: "true" or "false" (kstrtobool's words on the way in) */
static void show_vma_ra_enabled(struct strbuf *sb)
{
	sb_printf(sb, "%s\n", __atomic_load_n(&enable_vma_readahead, __ATOMIC_RELAXED) ? "true" : "false");
}
static int write_vma_ra_enabled(const char *val)
{
	bool v;
	if (parse_bool(val, &v))
		return -EINVAL;
	__atomic_store_n(&enable_vma_readahead, v, __ATOMIC_RELAXED);
	return 0;
}

static int write_wsf(const char *val)
{
	int v;
	if (parse_one_int(val, 1, 3000, &v))
		return -EINVAL;
	M->watermark_scale_factor = v;
	setup_per_zone_wmarks();
	return 0;
}

static int write_wbf(const char *val)
{
	int v;
	if (parse_one_int(val, 0, 1L << 30, &v))
		return -EINVAL;
	M->watermark_boost_factor = v;
	return 0;
}

static int write_pphf(const char *val)
{
	int v;
	if (parse_one_int(val, 0, 1L << 30, &v) || (v && v < 8))
		return -EINVAL; /* MIN_PERCPU_PAGELIST_HIGH_FRACTION */
	M->percpu_pagelist_high_fraction = v;
	setup_per_zone_wmarks();
	return 0;
}

static int write_lowmem_reserve_ratio(const char *val)
{
	int ratios[MAX_ZONE_TYPES], n = 0;
	const char *p = val;
	int types[MAX_ZONE_TYPES], nt = 0;
	for (int z = 0; z < MAX_ZONE_TYPES; z++)
		if (M->prof->zone_mask & (1u << z))
			types[nt++] = z;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		u64 v;
		bool over = false;
		size_t used = kmm_parse_integer(p, strlen(p), 0, &v, &over);
		const char *e = p + used;
		if (!used || over || v > (1UL << 30) || (*e && *e != ' ' && *e != '\t' && *e != '\n'))
			return -EINVAL;
		if (n < nt)
			ratios[n++] = (int)v;
		p = e;
	}
	if (!n)
		return -EINVAL;
	for (int i = 0; i < n; i++)
		M->lowmem_reserve_ratio[types[i]] = ratios[i] < 1 ? 0 : ratios[i];
	setup_per_zone_lowmem_reserve();
	return 0;
}

struct proc_file {
	const char *path;
	void (*show)(struct strbuf *sb);
	int (*write)(const char *val);
};

/* The binary views, read as pread(2) reads them (proc/page.c); kmm_proc_read() refuses them. */
struct proc_bin_file {
	const char *path;
	long (*read)(void *buf, size_t count, u64 off);
};

static const struct proc_bin_file proc_bin_files[] = {
	{ "kpagecount", kpagecount_read },
	{ "kpageflags", kpageflags_read },
};

static const struct proc_bin_file *proc_bin_find(const char *path)
{
	if (!strncmp(path, "/proc/", 6))
		path += 6;
	for (size_t i = 0; i < ARRAY_SIZE(proc_bin_files); i++)
		if (!strcmp(proc_bin_files[i].path, path))
			return &proc_bin_files[i];
	return NULL;
}

/* the swiotlb's debugfs files (kernel/dma/swiotlb.c's swiotlb_create_debugfs_files) */
static void show_io_tlb_nslabs(struct strbuf *sb)
{
	sb_printf(sb, "%lu\n", swiotlb_nslabs());
}

static void show_io_tlb_used(struct strbuf *sb)
{
	sb_printf(sb, "%lu\n", swiotlb_used());
}

static void show_dmesg(struct strbuf *sb)
{
	sb_printf(sb, "%s", kmm_dmesg());
}

static const struct proc_file proc_files[] = {
	{ "buddyinfo", show_buddyinfo, NULL },
	{ "cpuinfo", show_cpuinfo, NULL },
	{ "iomem", show_iomem, NULL },
	{ "kmm/layout", show_layout, NULL },
	{ "loadavg", show_loadavg, NULL },
	{ "meminfo", show_meminfo, NULL },
	{ "pagetypeinfo", show_pagetypeinfo, NULL },
	{ "slabinfo", show_slabinfo, NULL },
	{ "sys/kernel/slab", show_sys_kernel_slab, NULL }, /* the listing; sys/kernel/slab/DIR/ATTR below */
	{ "stat", show_stat, NULL },
	{ "swaps", show_swaps, NULL },
	{ "uptime", show_uptime, NULL },
	{ "vmallocinfo", show_vmallocinfo, NULL },
	{ "vmstat", show_vmstat, NULL },
	{ "zoneinfo", show_zoneinfo, NULL },
	{ "sys/kernel/debug/extfrag/extfrag_index", show_extfrag_index, NULL },
	{ "sys/kernel/debug/fault_around_bytes", show_fault_around_bytes, write_fault_around_bytes },
	{ "sys/kernel/debug/x86/pat_memtype_list", show_pat_memtype_list, NULL },
	{ "sys/kernel/debug/extfrag/unusable_index", show_unusable_index, NULL },
	FAULT_INJECT_FILES(FAULT_FILE_PROC_ENTRY)
	{ "sys/kernel/debug/kfence/objects", show_kfence_objects, NULL },
	{ "sys/kernel/debug/kfence/stats", show_kfence_stats, NULL },
	{ "sys/kernel/debug/swiotlb/io_tlb_nslabs", show_io_tlb_nslabs, NULL },
	{ "sys/kernel/debug/swiotlb/io_tlb_used", show_io_tlb_used, NULL },
	{ "sys/kernel/mm/swap/vma_ra_enabled", show_vma_ra_enabled, write_vma_ra_enabled },
	{ "sys/vm/compact_memory", show_compact_memory, write_compact_memory },
	{ "sys/vm/compaction_proactiveness", show_compaction_proactiveness, write_compaction_proactiveness },
	{ "sys/vm/dirty_background_bytes", show_dirty_bg_bytes, write_dirty_bg_bytes },
	{ "sys/vm/dirty_background_ratio", show_dirty_bg_ratio, write_dirty_bg_ratio },
	{ "sys/vm/dirty_bytes", show_dirty_bytes, write_dirty_bytes },
	{ "sys/vm/dirty_expire_centisecs", show_dec, write_dec },
	{ "sys/vm/dirty_ratio", show_dirty_ratio, write_dirty_ratio },
	{ "sys/vm/dirty_writeback_centisecs", show_dwc, write_dwc },
	{ "sys/vm/drop_caches", show_drop_caches, write_drop_caches },
	{ "sys/vm/extfrag_threshold", show_extfrag_threshold, write_extfrag_threshold },
	{ "sys/vm/lowmem_reserve_ratio", show_lowmem_reserve_ratio, write_lowmem_reserve_ratio },
	{ "sys/vm/admin_reserve_kbytes", show_admin_reserve, write_admin_reserve },
	{ "sys/vm/min_free_kbytes", show_min_free_kbytes, write_min_free_kbytes },
	{ "sys/vm/oom_dump_tasks", show_oom_dump_tasks, write_oom_dump_tasks },
	{ "sys/vm/oom_kill_allocating_task", show_okat, write_okat },
	{ "sys/vm/overcommit_kbytes", show_overcommit_kbytes, write_overcommit_kbytes },
	{ "sys/vm/overcommit_memory", show_overcommit_memory, write_overcommit_memory },
	{ "sys/vm/overcommit_ratio", show_overcommit_ratio, write_overcommit_ratio },
	{ "sys/vm/page-cluster", show_page_cluster, write_page_cluster },
	{ "sys/vm/panic_on_oom", show_panic_on_oom, write_panic_on_oom },
	{ "sys/vm/percpu_pagelist_high_fraction", show_pphf, write_pphf },
	{ "sys/vm/swappiness", show_swappiness, write_swappiness },
	{ "sys/vm/user_reserve_kbytes", show_user_reserve, write_user_reserve },
	{ "sys/vm/vfs_cache_pressure", show_vfs_cache_pressure, write_vfs_cache_pressure },
	{ "sys/vm/watermark_boost_factor", show_wbf, write_wbf },
	{ "sys/vm/watermark_scale_factor", show_wsf, write_wsf },
	{ "dmesg", show_dmesg, NULL },
	TRACE_PROC_FILES /* sys/kernel/tracing/: trace, set_event, tracing_on, buffer_size_kb, events/kmem/ (trace/events.h) */
};

static const struct proc_file *proc_find(const char *path)
{
	if (!strncmp(path, "/proc/", 6))
		path += 6;
	for (size_t i = 0; i < ARRAY_SIZE(proc_files); i++)
		if (!strcmp(proc_files[i].path, path))
			return &proc_files[i];
	return NULL;
}

/* "PID/view": the pid and the view's name; false for a path of the machine's own views */
static bool proc_pid_path(const char *path, int *pid, const char **view)
{
	if (!strncmp(path, "/proc/", 6))
		path += 6;
	char *end;
	long n = strtol(path, &end, 10);
	if (end == path || *end != '/' || !isdigit((unsigned char)*path))
		return false;
	*pid = n > 0 && n <= INT_MAX ? (int)n : -1;
	*view = end + 1;
	return true;
}

char *kmm_proc_read(const char *path)
{
	if (!M) {
		errno = ENODEV;
		return NULL;
	}
	int pid;
	const char *view;
	if (proc_pid_path(path, &pid, &view))
		return proc_pid_read(pid, view);
	if (cgroup_path(path)) { /* sys/fs/cgroup/GROUP/FILE: mm/memcontrol.c */
		deferred_init_wait();
		return cgroup_file_read(path);
	}
	const struct proc_file *f = proc_find(path);
	if (!f && !strncmp(path, "sys/kernel/slab/", 16)) {
		struct strbuf sb = { 0 };
		if (show_sys_kernel_slab_attr(&sb, path + 16)) {
			sb_free(&sb);
			errno = ENOENT;
			return NULL;
		}
		return sb_detach(&sb);
	}
	if (!f) {
		errno = proc_bin_find(path) ? EINVAL : ENOENT; /* a binary view is read with kmm_proc_pread */
		return NULL;
	}
	struct strbuf sb = { 0 };
	deferred_init_wait();
	f->show(&sb);
	return sb_detach(&sb);
}

long kmm_proc_pread(const char *path, void *buf, size_t count, u64 off)
{
	if (!M)
		return -ENODEV;
	if (!path)
		return -EINVAL;
	if (!buf && count)
		return -EFAULT; /* pread(2)'s answer to a buffer it cannot write */
	int pid;
	const char *view;
	if (proc_pid_path(path, &pid, &view))
		return proc_pid_pread(pid, view, buf, count, off);
	const struct proc_bin_file *bf = proc_bin_find(path);
	if (bf) {
		deferred_init_wait();
		return bf->read(buf, count, off);
	}
	if (cgroup_path(path)) {
		char *text = kmm_proc_read(path);
		if (!text)
			return -errno;
		size_t len = strlen(text), n = off < len ? min((size_t)(len - off), count) : 0;
		if (n)
			memcpy(buf, text + off, n);
		free(text);
		return (long)n;
	}
	const struct proc_file *f = proc_find(path);
	if (!f)
		return -ENOENT;
	deferred_init_wait();
	struct strbuf sb = { 0 };
	f->show(&sb);
	size_t n = off < sb.len ? min((size_t)(sb.len - off), count) : 0;
	if (n)
		memcpy(buf, sb.buf + off, n);
	sb_free(&sb);
	return (long)n;
}

int kmm_proc_write(const char *path, const char *value)
{
	if (!M)
		return -ENODEV;
	int pid;
	const char *view;
	if (proc_pid_path(path, &pid, &view))
		return proc_pid_write(pid, view, value);
	if (cgroup_path(path)) { /* a memory cgroup's file: its own locking (it may reclaim and kill) */
		deferred_init_wait();
		return cgroup_file_write(path, value);
	}
	const struct proc_file *f = proc_find(path);
	if (!f)
		return -ENOENT;
	if (!f->write)
		return -EACCES;
	deferred_init_wait();
	/* one writer at a time, as sysctl handlers take their own mutexes: they recompute shared limits */
	static pthread_mutex_t sysctl_lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&sysctl_lock);
	int ret = f->write(value);
	pthread_mutex_unlock(&sysctl_lock);
	return ret;
}

const char *const *kmm_proc_paths(void)
{
	static const char *paths[ARRAY_SIZE(proc_files) + 1];
	for (size_t i = 0; i < ARRAY_SIZE(proc_files); i++)
		paths[i] = proc_files[i].path;
	return paths;
}

/* A binary view into file, as much as it reads; 0 or -errno. */
static int proc_dump_binary(const char *file, const struct proc_bin_file *pf, char *err, size_t errlen)
{
	enum { CHUNK = 1 << 16 };
	char *buf = malloc(CHUNK);
	FILE *f = buf ? fopen(file, "w") : NULL;
	int ret = f ? 0 : buf ? -errno : -ENOMEM;
	for (u64 off = 0; !ret;) {
		long n = pf->read(buf, CHUNK, off);
		if (n <= 0) {
			ret = (int)n;
			break;
		}
		if (fwrite(buf, 1, (size_t)n, f) != (size_t)n)
			ret = -errno;
		off += (u64)n;
	}
	if (f && fclose(f) && !ret)
		ret = -errno;
	free(buf);
	if (ret)
		snprintf(err, errlen, "cannot write %s: %s", file, strerror(-ret));
	return ret;
}

/* One view into dir/path, making the parent directories; 0 or -errno. */
static int proc_dump_one(const char *dir, const char *path, char *err, size_t errlen)
{
	char file[4096];
	snprintf(file, sizeof(file), "%s/%s", dir, path);
	for (char *s = file + strlen(dir) + 1; (s = strchr(s, '/')); s++) {
		*s = 0;
		mkdir(file, 0755);
		*s = '/';
	}
	char *text = kmm_proc_read(path);
	if (!text)
		return 0;
	FILE *f = fopen(file, "w");
	int ret = f && fputs(text, f) >= 0 ? 0 : -errno;
	if (f && fclose(f) && !ret)
		ret = -errno;
	free(text);
	if (ret)
		snprintf(err, errlen, "cannot write %s: %s", file, strerror(-ret));
	return ret;
}

int kmm_proc_dump(const char *dir, const int *pids, int npids, char *err, size_t errlen)
{
	if (mkdir(dir, 0755) && errno != EEXIST) {
		snprintf(err, errlen, "cannot make %s: %s", dir, strerror(errno));
		return -errno;
	}
	for (size_t i = 0; i < ARRAY_SIZE(proc_files); i++) {
		int ret = proc_dump_one(dir, proc_files[i].path, err, errlen);
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < ARRAY_SIZE(proc_bin_files); i++) {
		char file[4096];
		snprintf(file, sizeof(file), "%s/%s", dir, proc_bin_files[i].path);
		int ret = proc_dump_binary(file, &proc_bin_files[i], err, errlen);
		if (ret)
			return ret;
	}
	for (int i = 0; i < npids; i++) {
		int ret = proc_pid_dump(dir, pids[i], err, errlen);
		if (ret)
			return ret;
	}
	/* the memory cgroups' files: sys/fs/cgroup/GROUP/... */
	char **dirs = cgroup_dirs();
	int ret = 0;
	for (int d = 0; dirs && dirs[d] && !ret; d++) {
		const char *name;
		for (int i = 0; !ret && (name = cgroup_file_name(i, !dirs[d][0])); i++) {
			char path[4096];
			snprintf(path, sizeof(path), "sys/fs/cgroup/%s%s%s", dirs[d], dirs[d][0] ? "/" : "", name);
			ret = proc_dump_one(dir, path, err, errlen);
		}
	}
	for (int d = 0; dirs && dirs[d]; d++)
		free(dirs[d]);
	free(dirs);
	return ret;
}

/* ---- the counters as numbers (kmm/vmstat.h) ------------------------------------------------ */

static const char *const vm_event_names[] = {
#define X(id, name) name,
	KMM_VM_EVENTS(X)
#undef X
};

/*
 * A machine to read: booted, its deferred struct pages (x86_64) given to the
 * zones - Linux's page_alloc_init_late() waits for them before anything
 * else runs; kmm lets them finish in the background until someone looks.
 */
static bool counters_ready(void)
{
	if (!M)
		return false;
	deferred_init_wait();
	return true;
}

unsigned long zone_page_state(struct zone *zone, enum zone_stat_item item)
{
	if (!counters_ready() || (unsigned)item >= NR_VM_ZONE_STAT_ITEMS)
		return 0;
	long x = __atomic_load_n(&zone->vm_stat[item], __ATOMIC_RELAXED);
	return x < 0 ? 0 : (unsigned long)x;
}

unsigned long global_zone_page_state(enum zone_stat_item item)
{
	struct zone *zone;
	long x = 0;
	if (!counters_ready() || (unsigned)item >= NR_VM_ZONE_STAT_ITEMS)
		return 0;
	for_each_zone(zone)
		x += __atomic_load_n(&zone->vm_stat[item], __ATOMIC_RELAXED);
	return x < 0 ? 0 : (unsigned long)x;
}

/*
 * Where each node_stat_item lives in pg_data_t, plus one: 0 for an item
 * kmm does not count (it reads 0).
 */
#define NODE_FIELD(f) (offsetof(pg_data_t, f) + 1)
static const size_t node_stat_offset[NR_VM_NODE_STAT_ITEMS] = {
	[NR_INACTIVE_ANON] = NODE_FIELD(nr_lru[LRU_INACTIVE_ANON]),
	[NR_ACTIVE_ANON] = NODE_FIELD(nr_lru[LRU_ACTIVE_ANON]),
	[NR_INACTIVE_FILE] = NODE_FIELD(nr_lru[LRU_INACTIVE_FILE]),
	[NR_ACTIVE_FILE] = NODE_FIELD(nr_lru[LRU_ACTIVE_FILE]),
	[NR_UNEVICTABLE] = NODE_FIELD(nr_lru[LRU_UNEVICTABLE]),
	[NR_SLAB_RECLAIMABLE_B] = NODE_FIELD(nr_slab_reclaimable),
	[NR_SLAB_UNRECLAIMABLE_B] = NODE_FIELD(nr_slab_unreclaimable),
	[NR_ISOLATED_ANON] = NODE_FIELD(nr_isolated[0]),
	[NR_ISOLATED_FILE] = NODE_FIELD(nr_isolated[1]),
	[WORKINGSET_REFAULT_ANON] = NODE_FIELD(nr_workingset[0]),
	[WORKINGSET_REFAULT_FILE] = NODE_FIELD(nr_workingset[1]),
	[WORKINGSET_ACTIVATE_ANON] = NODE_FIELD(nr_workingset[2]),
	[WORKINGSET_ACTIVATE_FILE] = NODE_FIELD(nr_workingset[3]),
	[WORKINGSET_RESTORE_ANON] = NODE_FIELD(nr_workingset[4]),
	[WORKINGSET_RESTORE_FILE] = NODE_FIELD(nr_workingset[5]),
	[NR_ANON_MAPPED] = NODE_FIELD(nr_anon_mapped),
	[NR_FILE_MAPPED] = NODE_FIELD(nr_file_mapped),
	[NR_FILE_PAGES] = NODE_FIELD(nr_file_pages),
	[NR_FILE_DIRTY] = NODE_FIELD(nr_file_dirty),
	[NR_WRITEBACK] = NODE_FIELD(nr_writeback),
	[NR_SHMEM] = NODE_FIELD(nr_shmem),
	[NR_VMSCAN_WRITE] = NODE_FIELD(nr_vmscan_write),
	[NR_VMSCAN_IMMEDIATE] = NODE_FIELD(nr_vmscan_immediate),
	[NR_DIRTIED] = NODE_FIELD(nr_dirtied),
	[NR_WRITTEN] = NODE_FIELD(nr_written),
	[NR_KERNEL_STACK_KB] = NODE_FIELD(nr_kernel_stack),
	[NR_PAGETABLE] = NODE_FIELD(nr_page_table_pages),
	[NR_SWAPCACHE] = NODE_FIELD(nr_swapcached),
};
/* workingset.c indexes nr_workingset[] by item - WORKINGSET_REFAULT_ANON */
_Static_assert(WORKINGSET_RESTORE_FILE - WORKINGSET_REFAULT_ANON == 5, "workingset items not contiguous");

static long node_stat_read(pg_data_t *pgdat, enum node_stat_item item)
{
	size_t off = node_stat_offset[item];
	return off ? __atomic_load_n((long *)((char *)pgdat + off - 1), __ATOMIC_RELAXED) : 0;
}

unsigned long node_page_state(pg_data_t *pgdat, enum node_stat_item item)
{
	if ((unsigned)item >= NR_VM_NODE_STAT_ITEMS)
		return 0;
	long x = node_stat_read(pgdat, item);
	return x < 0 ? 0 : (unsigned long)x;
}

unsigned long global_node_page_state_pages(enum node_stat_item item)
{
	long x = 0;
	if (!M || (unsigned)item >= NR_VM_NODE_STAT_ITEMS)
		return 0;
	for (int n = 0; n < M->nr_nodes; n++)
		x += node_stat_read(NODE_DATA(n), item);
	return x < 0 ? 0 : (unsigned long)x;
}

/*
 * This CPU's node is slub's this_node(): CPU c of the machine sits on node
 * c mod the number of nodes (kmm has no CPU topology of its own), a
 * thread outside the machine on node 0.
 */
void __zone_statistics(struct zone *preferred, struct zone *z)
{
	int cpu = smp_processor_id(), local_nid = cpu < 0 ? 0 : cpu % M->nr_nodes;
	if (z->node == preferred->node) {
		__atomic_add_fetch(&z->vm_numa_event[NUMA_HIT], 1, __ATOMIC_RELAXED);
	} else {
		__atomic_add_fetch(&z->vm_numa_event[NUMA_MISS], 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&preferred->vm_numa_event[NUMA_FOREIGN], 1, __ATOMIC_RELAXED);
	}
	__atomic_add_fetch(&z->vm_numa_event[z->node == local_nid ? NUMA_LOCAL : NUMA_OTHER], 1, __ATOMIC_RELAXED);
}

unsigned long zone_numa_event_state(struct zone *zone, enum numa_stat_item item)
{
	if (!counters_ready() || !M->prof->numa || (unsigned)item >= NR_VM_NUMA_EVENT_ITEMS)
		return 0;
	return __atomic_load_n(&zone->vm_numa_event[item], __ATOMIC_RELAXED);
}

unsigned long global_numa_event_state(enum numa_stat_item item)
{
	struct zone *zone;
	unsigned long x = 0;
	if (!counters_ready() || !M->prof->numa || (unsigned)item >= NR_VM_NUMA_EVENT_ITEMS)
		return 0;
	for_each_zone(zone)
		x += __atomic_load_n(&zone->vm_numa_event[item], __ATOMIC_RELAXED);
	return x;
}

/* the parentheses: inside kmm, global_node_page_state(item) is internal.h's macro (it calls this) */
unsigned long(global_node_page_state)(enum node_stat_item item)
{
	static bool warned;
	if ((item == NR_SLAB_RECLAIMABLE_B || item == NR_SLAB_UNRECLAIMABLE_B) &&
	    !__atomic_exchange_n(&warned, true, __ATOMIC_RELAXED))
		MM_WARN_ON(item == NR_SLAB_RECLAIMABLE_B || item == NR_SLAB_UNRECLAIMABLE_B); /* VM_WARN_ON_ONCE */
	return global_node_page_state_pages(item);
}

unsigned long global_vm_event(enum vm_event_item item)
{
	if (!counters_ready() || (unsigned)item >= NR_VM_EVENT_ITEMS)
		return 0;
	return sum_vm_event(item);
}

void all_vm_events(unsigned long *ret)
{
	for (int i = 0; i < NR_VM_EVENT_ITEMS; i++)
		ret[i] = global_vm_event((enum vm_event_item)i);
}

const char *vm_event_name(enum vm_event_item item)
{
	return (unsigned)item < NR_VM_EVENT_ITEMS ? vm_event_names[item] : NULL;
}

unsigned long totalram_pages(void)
{
	return counters_ready() ? (unsigned long)__atomic_load_n(&M->totalram_pages, __ATOMIC_RELAXED) : 0;
}

unsigned long totalhigh_pages(void)
{
	return counters_ready() ? (unsigned long)__atomic_load_n(&M->totalhigh_pages, __ATOMIC_RELAXED) : 0;
}
