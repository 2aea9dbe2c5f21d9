/*
 * page_alloc.c - the zoned buddy allocator's free side, the per-zone
 * reserves (watermarks, lowmem_reserve, min_free_kbytes) and the zonelists,
 * as Linux 6.1's mm/page_alloc.c computes them.
 *
 * Free area: zone->free_area[order] holds free blocks of 2^order pages, one
 * list per migratetype.  A free block's first struct page has PageBuddy set
 * and page->private == order; its buddy is the block at pfn ^ (1 << order).
 * Freeing merges with a free buddy of the same order as long as one exists:
 *
 *   order 2 free:  [0 1 2 3][4 5 6 7]  both free, both PageBuddy order 2
 *                      \       /
 *   order 3:       [0 1 2 3 4 5 6 7]   one block, page 0 carries order 3
 *
 * Reserves, with Linux's names and rules:
 *   min_free_kbytes  = max(user setting, int_sqrt(lowmem_kbytes * 16))
 *                      clamped to [128, 262144]; khugepaged raises it to
 *                      keep 2 + 3*3 pageblocks per zone free (≤ 5% of lowmem)
 *   _watermark[MIN]  = min_free_pages * zone managed / lowmem managed
 *                      (highmem: managed/1024 clamped to [32, 128])
 *   _watermark[LOW]  = MIN + max(MIN/4, managed * watermark_scale_factor/10000)
 *   _watermark[HIGH] = LOW + the same step; PROMO = HIGH + the step
 *   lowmem_reserve[j] of zone i < j = Σ managed of zones i+1..j / ratio[i]
 *   totalreserve     = Σ zones (max lowmem_reserve + high watermark)
 *
 * Locking: zone->lock protects free_area and vm_stat[NR_FREE_PAGES]; the
 * sysctl recomputations run with every zone lock taken in turn, as Linux
 * does under its spinlocks.  Invariant (zone_verify):
 *   vm_stat[NR_FREE_PAGES] == Σ free_area[o].nr_free << o  (+ pcp counts).
 */
#include "internal.h"

const char *const migratetype_names[MIGRATE_TYPES] = {
	"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate",
};

/* ---- pageblocks -------------------------------------------------------- */

static unsigned long pageblock_index(const struct zone *zone, unsigned long pfn)
{
	return (pfn - ALIGN_DOWN(zone->zone_start_pfn, pageblock_nr_pages())) >> M->prof->pageblock_order;
}

int get_pageblock_migratetype(const struct page *page)
{
	const struct zone *zone = page_zone(page);
	return zone->pageblock_mt[pageblock_index(zone, page_to_pfn(page))];
}

void set_pageblock_migratetype(struct page *page, int mt)
{
	struct zone *zone = page_zone(page);
	zone->pageblock_mt[pageblock_index(zone, page_to_pfn(page))] = (unsigned char)mt;
}

/* ---- the free lists ---------------------------------------------------- */

static inline void add_to_free_list(struct page *page, struct zone *zone, unsigned int order, int mt)
{
	list_add(&page->lru, &zone->free_area[order].free_list[mt]);
	zone->free_area[order].nr_free++;
}

static inline void del_page_from_free_list(struct page *page, struct zone *zone, unsigned int order)
{
	list_del(&page->lru);
	__ClearPageBuddy(page);
	page->private = 0;
	zone->free_area[order].nr_free--;
}

static inline bool page_is_buddy(struct page *buddy, unsigned int order)
{
	return PageBuddy(buddy) && buddy->private == order;
}

/*
 * Put 2^order pages at page back, merging with free buddies.
 * The caller holds zone->lock; the block lies inside the zone.
 */
void __free_one_page(struct page *page, unsigned long pfn, struct zone *zone, unsigned int order, int mt)
{
	MM_BUG_ON_PAGE(PageBuddy(page), page);
	MM_BUG_ON(pfn & ((1UL << order) - 1));
	zone->vm_stat[NR_FREE_PAGES] += 1L << order;
	while (order < MAX_ORDER - 1) {
		unsigned long buddy_pfn = pfn ^ (1UL << order);
		if (buddy_pfn < zone->zone_start_pfn || buddy_pfn >= zone_end_pfn(zone) || !pfn_valid(buddy_pfn))
			break;
		struct page *buddy = pfn_to_page(buddy_pfn);
		if (!page_is_buddy(buddy, order) || page_zone(buddy) != zone)
			break;
		del_page_from_free_list(buddy, zone, order);
		pfn &= buddy_pfn;
		page = pfn_to_page(pfn);
		order++;
	}
	page->private = order;
	__SetPageBuddy(page);
	add_to_free_list(page, zone, order, mt);
}

/* A page the buddy allocator gets for the first time (boot, hotplug). */
void __free_pages_core(struct page *page, unsigned int order)
{
	free_pages_boot(page, order, true);
}

/* count_managed false: the pages were counted as managed in advance (deferred init). */
void free_pages_boot(struct page *page, unsigned int order, bool count_managed)
{
	unsigned long nr = 1UL << order;
	for (unsigned long i = 0; i < nr; i++) {
		ClearPageReserved(&page[i]);
		set_page_count(&page[i], 0);
	}
	struct zone *zone = page_zone(page);
	/* totalram is counted by the caller (memblock_free_all counts deferred pages too) */
	if (count_managed)
		__atomic_add_fetch(&zone->managed_pages, (long)nr, __ATOMIC_RELAXED);
	pthread_mutex_lock(&zone->lock);
	__free_one_page(page, page_to_pfn(page), zone, order, get_pageblock_migratetype(page));
	pthread_mutex_unlock(&zone->lock);
}

void adjust_managed_page_count(struct page *page, long count)
{
	struct zone *zone = page_zone(page);
	__atomic_add_fetch(&zone->managed_pages, count, __ATOMIC_RELAXED);
	M->totalram_pages += count;
	if (is_highmem(zone))
		M->totalhigh_pages += count;
}

/*
 * Free boot-time memory that was reserved (initrd, init sections) to the
 * buddy allocator, as free_reserved_area() does, and log it.
 */
void free_reserved_area_pfn(unsigned long start_pfn, unsigned long end_pfn, const char *what)
{
	unsigned long pages = 0;
	for (unsigned long pfn = start_pfn; pfn < end_pfn; pfn++) {
		struct page *page = pfn_to_page(pfn);
		if (!PageReserved(page))
			continue;
		ClearPageReserved(page);
		set_page_count(page, 0);
		struct zone *zone = page_zone(page);
		adjust_managed_page_count(page, 1);
		pthread_mutex_lock(&zone->lock);
		__free_one_page(page, pfn, zone, 0, get_pageblock_migratetype(page));
		pthread_mutex_unlock(&zone->lock);
		pages++;
	}
	memblock_phys_free(PFN_PHYS(start_pfn), PFN_PHYS(end_pfn - start_pfn));
	if (what)
		pr_info("Freeing %s memory: %luK\n", what, pages << (PAGE_SHIFT - 10));
}

unsigned long nr_free_pages(void)
{
	unsigned long n = 0;
	struct zone *zone;
	for_each_zone(zone)
		n += (unsigned long)__atomic_load_n(&zone->vm_stat[NR_FREE_PAGES], __ATOMIC_RELAXED);
	return n;
}

/* ---- zone counters the reserves are computed from ------------------------ */

/* Σ over the zones a GFP_USER allocation may use of (managed - high). */
static unsigned long nr_free_zone_pages(int highest_zone)
{
	unsigned long sum = 0;
	struct zone *zone;
	for_each_zone(zone) {
		if (zone_idx(zone) > highest_zone)
			continue;
		unsigned long size = zone_managed_pages(zone), high = high_wmark_pages(zone);
		if (size > high)
			sum += size - high;
	}
	return sum;
}

/* The highest zone GFP_USER (no highmem, not movable) may use. */
static int gfp_user_zone(void)
{
	return ZONE_NORMAL;
}

unsigned long nr_free_buffer_pages(void)
{
	return nr_free_zone_pages(gfp_user_zone());
}

unsigned long nr_free_pagecache_pages(void)
{
	return nr_free_zone_pages(ZONE_MOVABLE);
}

static unsigned long int_sqrt(unsigned long x)
{
	unsigned long r = 0, bit = 1UL << 62;
	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

/* ---- reserves -------------------------------------------------------------- */

void calculate_totalreserve_pages(void)
{
	unsigned long reserve_pages = 0;
	for (int n = 0; n < M->nr_nodes; n++) {
		pg_data_t *pgdat = NODE_DATA(n);
		pgdat->totalreserve_pages = 0;
		for (int i = 0; i < MAX_ZONE_TYPES; i++) {
			struct zone *zone = &pgdat->node_zones[i];
			if (!zone->in_profile)
				continue;
			long max = 0;
			for (int j = i; j < MAX_ZONE_TYPES; j++)
				if (zone->lowmem_reserve[j] > max)
					max = zone->lowmem_reserve[j];
			/* we treat the high watermark as reserved pages */
			max += (long)high_wmark_pages(zone);
			if ((unsigned long)max > zone_managed_pages(zone))
				max = (long)zone_managed_pages(zone);
			pgdat->totalreserve_pages += (unsigned long)max;
			reserve_pages += (unsigned long)max;
		}
	}
	M->totalreserve_pages = reserve_pages;
}

void setup_per_zone_lowmem_reserve(void)
{
	for (int n = 0; n < M->nr_nodes; n++) {
		pg_data_t *pgdat = NODE_DATA(n);
		for (int i = 0; i < MAX_ZONE_TYPES - 1; i++) {
			struct zone *zone = &pgdat->node_zones[i];
			if (!zone->in_profile)
				continue;
			int ratio = M->lowmem_reserve_ratio[i];
			bool clear = !ratio || !zone_managed_pages(zone);
			unsigned long managed = 0;
			for (int j = i + 1; j < MAX_ZONE_TYPES; j++) {
				struct zone *upper = &pgdat->node_zones[j];
				if (!upper->in_profile)
					continue;
				managed += zone_managed_pages(upper);
				zone->lowmem_reserve[j] = clear ? 0 : (long)(managed / (unsigned long)ratio);
			}
		}
	}
	calculate_totalreserve_pages();
}

static void __setup_per_zone_wmarks(void)
{
	unsigned long pages_min = (unsigned long)M->min_free_kbytes >> (PAGE_SHIFT - 10);
	unsigned long lowmem_pages = 0;
	struct zone *zone;

	for_each_zone(zone)
		if (!is_highmem(zone))
			lowmem_pages += zone_managed_pages(zone);

	for_each_zone(zone) {
		pthread_mutex_lock(&zone->lock);
		u64 tmp = (u64)pages_min * zone_managed_pages(zone);
		tmp = lowmem_pages ? tmp / lowmem_pages : 0;
		if (is_highmem(zone)) {
			/*
			 * __GFP_HIGH and PF_MEMALLOC allocations never reach
			 * highmem, so its min watermark stays small.
			 */
			unsigned long min_pages = zone_managed_pages(zone) / 1024;
			min_pages = clamp(min_pages, 32UL, 128UL);
			zone->_watermark[WMARK_MIN] = min_pages;
		} else {
			zone->_watermark[WMARK_MIN] = tmp;
		}
		/* the step: a quarter of min, or watermark_scale_factor of managed */
		u64 step = (u64)zone_managed_pages(zone) / 10000 * (u64)M->watermark_scale_factor +
			   (u64)zone_managed_pages(zone) % 10000 * (u64)M->watermark_scale_factor / 10000;
		tmp = max(tmp >> 2, step);
		zone->watermark_boost = 0;
		zone->_watermark[WMARK_LOW] = min_wmark_pages(zone) + tmp;
		zone->_watermark[WMARK_HIGH] = low_wmark_pages(zone) + tmp;
		zone->_watermark[WMARK_PROMO] = high_wmark_pages(zone) + tmp;
		pthread_mutex_unlock(&zone->lock);
	}
	calculate_totalreserve_pages();
}

static void zone_set_pageset_high_and_batch(struct zone *zone);

void setup_per_zone_wmarks(void)
{
	__setup_per_zone_wmarks();
	/* the watermarks moved: so do the pcp high limits that follow them */
	struct zone *zone;
	for_each_zone(zone)
		zone_set_pageset_high_and_batch(zone);
}

/* init_per_zone_wmark_min: min_free_kbytes from the size of lowmem. */
static void calculate_min_free_kbytes(void)
{
	unsigned long lowmem_kbytes = nr_free_buffer_pages() * (PAGE_SIZE >> 10);
	unsigned long new_min = int_sqrt(lowmem_kbytes * 16);
	if ((long)new_min > (long)M->user_min_free_kbytes) {
		M->min_free_kbytes = (int)clamp(new_min, 128UL, 262144UL);
	} else {
		pr_warn("min_free_kbytes is not updated to %lu because user defined value %d is preferred\n",
			new_min, M->user_min_free_kbytes);
	}
}

int init_per_zone_wmark_min(void)
{
	calculate_min_free_kbytes();
	setup_per_zone_wmarks();
	setup_per_zone_lowmem_reserve();
	return 0;
}

/* khugepaged: keep pageblocks free so huge pages can be assembled. */
void set_recommended_min_free_kbytes(void)
{
	struct zone *zone;
	int nr_zones = 0;
	if (!M->thp_enabled) {
		calculate_min_free_kbytes();
		setup_per_zone_wmarks();
		return;
	}
	for_each_populated_zone(zone) {
		/* ZONE_MOVABLE only holds movable pages: no fragmentation to fear */
		if (zone_idx(zone) > gfp_user_zone())
			continue;
		nr_zones++;
	}
	unsigned long recommended = pageblock_nr_pages() * (unsigned long)nr_zones * 2;
	recommended += pageblock_nr_pages() * (unsigned long)nr_zones * MIGRATE_PCPTYPES * MIGRATE_PCPTYPES;
	recommended = min(recommended, nr_free_buffer_pages() / 20);
	recommended <<= (PAGE_SHIFT - 10);
	if (recommended > (unsigned long)M->min_free_kbytes) {
		if (M->user_min_free_kbytes >= 0)
			pr_info("raising min_free_kbytes from %d to %lu to help transparent hugepage allocations\n",
				M->min_free_kbytes, recommended);
		M->min_free_kbytes = (int)recommended;
	}
	setup_per_zone_wmarks();
}

/* ---- per-CPU page lists: sizing ---------------------------------------------- */

static int zone_batchsize(const struct zone *zone)
{
	long batch = (long)min(zone_managed_pages(zone) >> 10, (1UL << 20) / PAGE_SIZE);
	batch /= 4; /* effectively *= 4 below */
	if (batch < 1)
		batch = 1;
	/* clamp to 2^n - 1 so that batches do not alias in the cache */
	long b = batch + batch / 2, p = 1;
	while (p * 2 <= b)
		p *= 2;
	return (int)(p - 1);
}

static int zone_highsize(const struct zone *zone, int batch, int cpu_online)
{
	unsigned long total_pages;
	if (!M->percpu_pagelist_high_fraction)
		total_pages = low_wmark_pages(zone); /* so a full pcp does not wake kswapd */
	else
		total_pages = zone_managed_pages(zone) / (unsigned long)M->percpu_pagelist_high_fraction;
	/* split among the CPUs local to the zone's node (CPU c sits on node c % nodes) */
	int nr_split_cpus = cpu_online;
	for (int c = 0; c < M->nr_cpus; c++)
		if (c % M->nr_nodes == zone->node)
			nr_split_cpus++;
	if (!nr_split_cpus)
		nr_split_cpus = M->nr_cpus;
	int high = (int)(total_pages / (unsigned long)nr_split_cpus);
	return max(high, batch << 2);
}

static void zone_set_pageset_high_and_batch(struct zone *zone)
{
	int new_batch = max(1, zone_batchsize(zone));
	int new_high = zone_highsize(zone, new_batch, 0);
	zone->pageset_high = new_high;
	zone->pageset_batch = new_batch;
	if (!zone->pageset)
		return;
	for (int c = 0; c < M->nr_cpus; c++) {
		zone->pageset[c].high = new_high;
		zone->pageset[c].batch = new_batch;
	}
}

/* Boot pagesets: batch 1, high 0 until setup_per_cpu_pageset(). */
void zone_pcp_init(struct zone *zone)
{
	zone->pageset_high = 0;
	zone->pageset_batch = 1;
}

void setup_per_cpu_pageset(void)
{
	struct zone *zone;
	for_each_zone(zone) {
		zone->pageset = calloc((size_t)M->nr_cpus, sizeof(*zone->pageset));
		if (!zone->pageset)
			abort();
		for (int c = 0; c < M->nr_cpus; c++)
			for (int t = 0; t < MIGRATE_PCPTYPES; t++)
				INIT_LIST_HEAD(&zone->pageset[c].lists[t]);
		zone_set_pageset_high_and_batch(zone);
	}
}

/* ---- zonelists ---------------------------------------------------------------- */

static int build_zonerefs_node(pg_data_t *pgdat, struct zoneref *zonerefs)
{
	int nr = 0;
	for (int z = MAX_ZONE_TYPES - 1; z >= 0; z--) {
		struct zone *zone = &pgdat->node_zones[z];
		if (zone->in_profile && managed_zone(zone)) {
			zonerefs[nr].zone = zone;
			zonerefs[nr].zone_idx = z;
			nr++;
		}
	}
	return nr;
}

/*
 * The node order for a node's fallback list: nearest first; among equally
 * distant nodes, the one fewer lists have already preferred (node_load), as
 * find_next_best_node() spreads the load.
 */
static void build_zonelists(pg_data_t *pgdat, int *node_load)
{
	int order[MAX_NUMNODES], nr = 0, local = pgdat->node_id;
	bool used[MAX_NUMNODES] = { false };
	int prev_dist = M->distance[local][local];
	for (;;) {
		int best = -1, best_val = 0;
		for (int n = 0; n < M->nr_nodes; n++) {
			if (used[n])
				continue;
			/* the local node always comes first */
			if (n == local && !used[local]) {
				best = n;
				break;
			}
			int val = M->distance[local][n];
			val += (n < local); /* prefer the next node after local */
			val *= MAX_NUMNODES * MAX_ZONE_TYPES;
			val += node_load[n];
			if (best < 0 || val < best_val) {
				best = n;
				best_val = val;
			}
		}
		if (best < 0)
			break;
		used[best] = true;
		if (M->distance[local][best] != prev_dist)
			node_load[best] += 1;
		prev_dist = M->distance[local][best];
		order[nr++] = best;
	}
	struct zoneref *zr = pgdat->node_zonelists[ZONELIST_FALLBACK]._zonerefs;
	int k = 0;
	for (int i = 0; i < nr; i++)
		k += build_zonerefs_node(NODE_DATA(order[i]), zr + k);
	zr[k].zone = NULL;
	zr[k].zone_idx = 0;
	zr = pgdat->node_zonelists[ZONELIST_NOFALLBACK]._zonerefs;
	k = build_zonerefs_node(pgdat, zr);
	zr[k].zone = NULL;
	zr[k].zone_idx = 0;
}

void build_all_zonelists(void)
{
	int node_load[MAX_NUMNODES] = { 0 };
	for (int n = 0; n < M->nr_nodes; n++)
		build_zonelists(NODE_DATA(n), node_load);
	M->vm_total_pages = nr_free_pagecache_pages();
	M->page_group_by_mobility_disabled = M->vm_total_pages < pageblock_nr_pages() * MIGRATE_TYPES;
	pr_info("Built %u zonelists, mobility grouping %s.  Total pages: %ld\n", (unsigned)M->nr_nodes,
		M->page_group_by_mobility_disabled ? "off" : "on", (long)M->vm_total_pages);
	if (M->prof->bits == 64) { /* CONFIG_NUMA: the highest zone memory policies apply to */
		int policy_zone = ZONE_DMA;
		struct zone *zone;
		for_each_populated_zone(zone)
			if (zone_idx(zone) < ZONE_MOVABLE && zone_idx(zone) > policy_zone)
				policy_zone = zone_idx(zone);
		pr_info("Policy zone: %s\n", zone_names[policy_zone]);
	}
}

/* ---- validation ----------------------------------------------------------------- */

/* Recount the free lists and check them against PageBuddy and the counters. */
int zone_verify(struct zone *zone, char *why, size_t whylen)
{
	long free = 0;
	int ret = 0;
	pthread_mutex_lock(&zone->lock);
	for (unsigned o = 0; o < MAX_ORDER && !ret; o++) {
		unsigned long blocks = 0;
		for (int t = 0; t < MIGRATE_TYPES && !ret; t++) {
			struct list_head *pos;
			list_for_each(pos, &zone->free_area[o].free_list[t]) {
				struct page *page = list_entry(pos, struct page, lru);
				unsigned long pfn = page_to_pfn(page);
				if (!PageBuddy(page) || page->private != o) {
					snprintf(why, whylen, "pfn %#lx on order-%u list is not a free block of that order", pfn, o);
					ret = -EINVAL;
					break;
				}
				if (page_zone(page) != zone || pfn < zone->zone_start_pfn || pfn + (1UL << o) > zone_end_pfn(zone)) {
					snprintf(why, whylen, "pfn %#lx on zone %s's list is outside the zone", pfn, zone->name);
					ret = -EINVAL;
					break;
				}
				if (pfn & ((1UL << o) - 1)) {
					snprintf(why, whylen, "pfn %#lx is not aligned to its order %u", pfn, o);
					ret = -EINVAL;
					break;
				}
				unsigned long bp = pfn ^ (1UL << o);
				if (o < MAX_ORDER - 1 && bp >= zone->zone_start_pfn && bp < zone_end_pfn(zone) &&
				    pfn_valid(bp) && page_is_buddy(pfn_to_page(bp), o)) {
					snprintf(why, whylen, "pfn %#lx and its buddy %#lx are both free at order %u", pfn, bp, o);
					ret = -EINVAL;
					break;
				}
				blocks++;
			}
		}
		if (!ret && blocks != zone->free_area[o].nr_free) {
			snprintf(why, whylen, "zone %s order %u: nr_free %lu but %lu blocks listed", zone->name, o,
				 zone->free_area[o].nr_free, blocks);
			ret = -EINVAL;
		}
		free += (long)(blocks << o);
	}
	if (!ret && free != zone->vm_stat[NR_FREE_PAGES]) {
		snprintf(why, whylen, "zone %s: NR_FREE_PAGES %ld but the lists hold %ld pages", zone->name,
			 zone->vm_stat[NR_FREE_PAGES], free);
		ret = -EINVAL;
	}
	pthread_mutex_unlock(&zone->lock);
	return ret;
}
