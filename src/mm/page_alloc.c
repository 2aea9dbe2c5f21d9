/*
 * page_alloc.c - the zoned buddy allocator, as Linux 6.1's mm/page_alloc.c.
 *
 * Free area: zone->free_area[order] holds free blocks of 2^order pages, one
 * list per migratetype.  A free block's first struct page has PageBuddy set
 * and page->private == order; its buddy is the block at pfn ^ (1 << order).
 * Freeing merges with a free buddy of the same order as long as one exists;
 * allocating takes the smallest block that fits and gives the halves back:
 *
 *   order 2 free:  [0 1 2 3][4 5 6 7]  both free, both PageBuddy order 2
 *                      \       /
 *   order 3:       [0 1 2 3 4 5 6 7]   one block, page 0 carries order 3
 *
 * Pageblocks (1 << pageblock_order pages) carry a migratetype; a request
 * takes from its own type's lists and, when they are empty, falls back per
 * the fallbacks[] table, stealing the largest block (and the whole pageblock
 * when enough of it is free or alike) and boosting the watermark.
 *
 * An allocation (__alloc_pages): gfp_zone() names the highest zone, the
 * node's zonelist is walked from there down, and each zone is used only if
 * free - unusable > watermark + lowmem_reserve[highest zone] (the fast path
 * uses the low watermark).  The slow path then wakes kswapd, retries at min
 * (ALLOC_HIGH halves it, ALLOC_HARDER takes a quarter more: GFP_ATOMIC),
 * compacts (mm/compaction.c: costly orders and non-movable high orders
 * first, then every order above 0 after reclaim, each suitable zone not
 * deferred compacted until a block of the order is free, then the free
 * lists tried again: compact_stall, compact_success/fail), reclaims,
 * drains the per-CPU lists, retries, calls the OOM
 * killer (mm/oom_kill.c: it kills a task and reaps its memory, and the
 * allocation retries; a victim may use the reserves, ALLOC_OOM), and
 * finally warns ("page allocation failure", through warn_alloc() and its
 * nopage_rs rate limit: one report per 10 simulated seconds) - in
 * Linux's order.  High-order atomic allocations reserve a pageblock (HIGHATOMIC).
 *
 * CMA (CONFIG_CMA, mm/cma.c): the pageblocks of a CMA area are
 * MIGRATE_CMA; only movable requests (ALLOC_CMA) take from their lists -
 * first while free CMA pages are more than half of the zone's free pages,
 * and otherwise when the movable lists are empty - and no fallback steals
 * them.  MIGRATE_ISOLATE pageblocks (mm/page_isolation.c) give nothing
 * out: what is freed into them stays on their lists until
 * alloc_contig_range takes it.  (Linux takes isolated free pages out of
 * NR_FREE_PAGES; kmm keeps them counted, so the invariants below hold as
 * they are, and the watermarks see them for the short while a range is
 * isolated.)
 *
 * Per-CPU lists: orders 0..3 and the pageblock order go through
 * zone->pageset[cpu]: batch blocks come over at once, frees above high go
 * back in batches growing by free_factor.  Only the CPU's own thread
 * touches its lists (no lock, no atomic); drain_all_pages() takes an idle
 * CPU's lists itself and asks a busy one to drain (sim/cpu.c).
 *
 * Locking: zone->lock protects free_area and NR_FREE_PAGES; nr_free,
 * mt_mask and NR_FREE_PAGES are also read without it (relaxed atomics), as
 * the watermark checks do in Linux.  Invariants (zone_verify, in debug.c):
 *   vm_stat[NR_FREE_PAGES] == Σ free_area[o].nr_free << o
 *   vm_stat[NR_FREE_CMA_PAGES] == Σ blocks on the MIGRATE_CMA lists << o
 *   (a free block's head holds its list's migratetype in page->index)
 *   pcp->count == Σ pages on the CPU's lists;  no two free buddies of one order
 *   managed == allocated + NR_FREE_PAGES + Σ pcp counts
 *   free (buddy or pcp) <=> refcount 0, for every page but reserved ones and
 *   compound tails (and the rest of a non-compound order-n block)
 * Bad frees (twice, wrong order, reserved or foreign pages, impossible
 * orders) are refused with Linux's "BUG: Bad page state" report and change
 * nothing: every check runs before the caller's reference is dropped.
 * Orders come from get_order() (kmm/gfp.h), which ends for every size up
 * to ULONG_MAX; an order >= MAX_ORDER is refused with WARN_ON_ONCE.
 * Reserves and zonelists are computed in mm_init.c.  In an ASan or
 * Valgrind build a freed block is off limits to the tool until it is
 * allocated again (kasan_poison_pages, sim/track.h).
 * init_on_alloc= (Debian's default: on) zeroes every block handed out,
 * init_on_free= every block freed - then nothing is zeroed again on
 * allocation; __GFP_ZERO zeroes whatever the parameters say.
 */
#include "internal.h"
#include "mm/page_alloc.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "sim/ram.h"
#include "sim/track.h"
#include "trace/events.h"

#include <kmm/vmstat.h>

#include <sched.h>

const char *const migratetype_names[MIGRATE_TYPES] = {
	"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate",
};

/* ---- pageblocks -------------------------------------------------------- */

void set_pageblock_migratetype(struct page *page, int mt)
{
	__atomic_store_n(&M->pageblock_flags[page_to_pfn(page) >> M->prof->pageblock_order], (unsigned char)mt,
			 __ATOMIC_RELAXED);
}

/* ---- the free lists ---------------------------------------------------- */

/*
 * nr_free and mt_mask are written under zone->lock but read without it by
 * the watermark checks (as Linux reads them racily): relaxed atomics.
 */
static inline void area_set_nr_free(struct free_area *area, long delta)
{
	__atomic_store_n(&area->nr_free, area->nr_free + (unsigned long)delta, __ATOMIC_RELAXED);
}

static inline void area_update_mask(struct free_area *area, int mt)
{
	unsigned long mask = area->mt_mask;
	if (list_empty(&area->free_list[mt]))
		mask &= ~(1UL << mt);
	else
		mask |= 1UL << mt;
	__atomic_store_n(&area->mt_mask, mask, __ATOMIC_RELAXED);
}

/*
 * NR_FREE_CMA_PAGES counts the pages on the MIGRATE_CMA lists: a free
 * block's head remembers its list in page->index (as a pcp page does), so
 * whatever takes it off knows whether it was CMA.
 */
static inline void free_list_account(struct page *page, struct zone *zone, unsigned int order, int mt, long sign)
{
	page->index = (unsigned long)mt;
	if (mt == MIGRATE_CMA)
		__atomic_add_fetch(&zone->vm_stat[NR_FREE_CMA_PAGES], sign * (1L << order), __ATOMIC_RELAXED);
}

static inline void add_to_free_list(struct page *page, struct zone *zone, unsigned int order, int mt)
{
	struct free_area *area = &zone->free_area[order];
	list_add(&page->lru, &area->free_list[mt]);
	area_set_nr_free(area, 1);
	area_update_mask(area, mt);
	free_list_account(page, zone, order, mt, 1);
}

static inline void add_to_free_list_tail(struct page *page, struct zone *zone, unsigned int order, int mt)
{
	struct free_area *area = &zone->free_area[order];
	list_add_tail(&page->lru, &area->free_list[mt]);
	area_set_nr_free(area, 1);
	area_update_mask(area, mt);
	free_list_account(page, zone, order, mt, 1);
}

/* Move a free block to the list of another migratetype (same order). */
static inline void move_to_free_list(struct page *page, struct zone *zone, unsigned int order, int mt)
{
	struct free_area *area = &zone->free_area[order];
	list_del(&page->lru);
	list_add_tail(&page->lru, &area->free_list[mt]);
	for (int t = 0; t < MIGRATE_TYPES; t++)
		area_update_mask(area, t);
	free_list_account(page, zone, order, (int)page->index, -1);
	free_list_account(page, zone, order, mt, 1);
}

static inline void del_page_from_free_list(struct page *page, struct zone *zone, unsigned int order)
{
	struct free_area *area = &zone->free_area[order];
	struct list_head *next = page->lru.next;
	free_list_account(page, zone, order, (int)page->index, -1);
	list_del(&page->lru);
	__ClearPageBuddy(page);
	__atomic_store_n(&page->private, 0UL, __ATOMIC_RELAXED); /* compaction's scanner reads a buddy's order unlocked */
	area_set_nr_free(area, -1);
	/* the list became empty when the page was its only entry: next is the head */
	for (int t = 0; t < MIGRATE_TYPES; t++)
		if (next == &area->free_list[t])
			area_update_mask(area, t);
}

/* Lockless: is the list of migratetype mt at this order non-empty? */
static inline bool free_area_has(const struct free_area *area, int mt)
{
	return __atomic_load_n(&area->mt_mask, __ATOMIC_RELAXED) & (1UL << mt);
}

static inline struct page *get_page_from_free_area(struct free_area *area, int mt)
{
	if (list_empty(&area->free_list[mt]))
		return NULL;
	return list_first_entry(&area->free_list[mt], struct page, lru);
}

/* The free buddy of order `order` of the block at pfn, or NULL. */
static inline struct page *find_buddy_page_pfn(const struct zone *zone, unsigned long pfn, unsigned int order,
					       unsigned long *buddy_pfn)
{
	unsigned long bp = pfn ^ (1UL << order);
	if (bp < zone->zone_start_pfn || bp >= zone_end_pfn(zone))
		return NULL;
	struct page *buddy = pfn_to_page(bp);
	if (!page_is_buddy(buddy, order) || page_zone(buddy) != zone)
		return NULL;
	if (buddy_pfn)
		*buddy_pfn = bp;
	return buddy;
}

/* Is the merged block likely to merge again soon?  Then queue it at the tail. */
static inline bool buddy_merge_likely(const struct zone *zone, unsigned long pfn, unsigned long buddy_pfn,
				      unsigned int order)
{
	if (order >= MAX_ORDER - 2)
		return false;
	unsigned long higher = buddy_pfn & pfn;
	return find_buddy_page_pfn(zone, higher, order + 1, NULL) != NULL;
}

#define FPI_NONE 0
#define FPI_TO_TAIL 1

/*
 * Put 2^order pages at page back, merging with free buddies.
 * The caller holds zone->lock; the block lies inside the zone.
 */
static void __free_one_page_fpi(struct page *page, unsigned long pfn, struct zone *zone, unsigned int order,
				int mt, int fpi)
{
	unsigned long buddy_pfn = 0;
	MM_BUG_ON_PAGE(PageBuddy(page), page);
	MM_BUG_ON(pfn & ((1UL << order) - 1));
	__atomic_add_fetch(&zone->vm_stat[NR_FREE_PAGES], 1L << order, __ATOMIC_RELAXED);
	while (order < MAX_ORDER - 1) {
		struct page *buddy = find_buddy_page_pfn(zone, pfn, order, &buddy_pfn);
		if (!buddy)
			break;
		if (order >= (unsigned)M->prof->pageblock_order) {
			/* never merge a pageblock that has no fallbacks (isolated, highatomic) with another */
			int buddy_mt = get_pageblock_migratetype(buddy);
			if (mt != buddy_mt && (!migratetype_is_mergeable(mt) || !migratetype_is_mergeable(buddy_mt)))
				break;
		}
		del_page_from_free_list(buddy, zone, order);
		pfn &= buddy_pfn;
		page = pfn_to_page(pfn);
		order++;
	}
	__atomic_store_n(&page->private, (unsigned long)order, __ATOMIC_RELAXED); /* read unlocked by compaction's scanner */
	__SetPageBuddy(page);
	bool to_tail = (fpi & FPI_TO_TAIL) || (buddy_pfn && buddy_merge_likely(zone, pfn, buddy_pfn, order));
	if (to_tail)
		add_to_free_list_tail(page, zone, order, mt);
	else
		add_to_free_list(page, zone, order, mt);
}

void __free_one_page(struct page *page, unsigned long pfn, struct zone *zone, unsigned int order, int mt)
{
	__free_one_page_fpi(page, pfn, zone, order, mt, FPI_NONE);
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
	trace_mm_page_free(page, order); /* __free_pages_core -> __free_pages_ok -> free_pages_prepare */
	count_vm_events(PGFREE, nr);
	/* totalram is counted by the caller (memblock_free_all counts deferred pages too) */
	if (count_managed)
		__atomic_add_fetch(&zone->managed_pages, (long)nr, __ATOMIC_RELAXED);
	pthread_mutex_lock(&zone->lock);
	__free_one_page_fpi(page, page_to_pfn(page), zone, order, get_pageblock_migratetype(page), FPI_TO_TAIL);
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
		trace_mm_page_free(page, 0); /* free_reserved_page -> __free_page */
		adjust_managed_page_count(page, 1);
		count_vm_event(PGFREE);
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

/* ---- GFP ------------------------------------------------------------------ */

/* ALLOC_ flags: how hard an allocation may dig (mm/internal.h). */
#define ALLOC_WMARK_MIN WMARK_MIN
#define ALLOC_WMARK_LOW WMARK_LOW
#define ALLOC_WMARK_HIGH WMARK_HIGH
#define ALLOC_NO_WATERMARKS 0x04
#define ALLOC_WMARK_MASK (ALLOC_NO_WATERMARKS - 1)
#define ALLOC_OOM 0x08
#define ALLOC_HARDER 0x10
#define ALLOC_HIGH 0x20          /* == __GFP_HIGH */
#define ALLOC_CPUSET 0x40
#define ALLOC_CMA 0x80
#define ALLOC_NOFRAGMENT 0x100
#define ALLOC_KSWAPD 0x800      /* == __GFP_KSWAPD_RECLAIM */
_Static_assert(ALLOC_HIGH == __GFP_HIGH && ALLOC_KSWAPD == __GFP_KSWAPD_RECLAIM, "gfp/alloc flag aliases");

#define ZONE_BOOSTED_WATERMARK 1UL
#define MAX_RECLAIM_RETRIES 16

static inline int __gfp_zone(gfp_t flags)
{
	return M->gfp_zone_table[flags & GFP_ZONEMASK];
}

int gfp_zone(gfp_t flags)
{
	return __gfp_zone(flags);
}

/* GFP_ZONE_TABLE for this profile's zones; built once at boot. */
static int gfp_zone_compute(gfp_t flags)
{
	gfp_t bits = flags & GFP_ZONEMASK;
	bool has32 = M->prof->zone_mask & (1u << ZONE_DMA32), hashigh = M->prof->zone_mask & (1u << ZONE_HIGHMEM);
	switch (bits) {
	case 0:
	case __GFP_MOVABLE:
		return ZONE_NORMAL;
	case __GFP_DMA:
	case __GFP_DMA | __GFP_MOVABLE:
		return ZONE_DMA;
	case __GFP_DMA32:
	case __GFP_DMA32 | __GFP_MOVABLE:
		return has32 ? ZONE_DMA32 : ZONE_NORMAL;
	case __GFP_HIGHMEM:
		return hashigh ? ZONE_HIGHMEM : ZONE_NORMAL;
	case __GFP_HIGHMEM | __GFP_MOVABLE:
		return ZONE_MOVABLE;
	default:
		return -1; /* GFP_ZONE_BAD: two zone modifiers at once */
	}
}

void gfp_zone_table_init(void)
{
	/* also the allocator's other boot-time state: warn_alloc()'s rate limit, the OOM killer's */
	M->nopage_rs = (struct ratelimit_state){ .interval = 10 * HZ, .burst = 1 };
	oom_init();
	for (gfp_t b = 0; b < 16; b++)
		M->gfp_zone_table[b] = (signed char)gfp_zone_compute(b);
}

static inline int __gfp_migratetype(gfp_t flags)
{
	if (__builtin_expect(M->page_group_by_mobility_disabled, 0))
		return MIGRATE_UNMOVABLE;
	return (flags & (__GFP_MOVABLE | __GFP_RECLAIMABLE)) >> 3; /* GFP_MOVABLE_SHIFT */
}

int gfp_migratetype(gfp_t flags)
{
	/* both mobility bits name no migrate type (__alloc_pages refuses them) */
	if ((flags & (__GFP_MOVABLE | __GFP_RECLAIMABLE)) == (__GFP_MOVABLE | __GFP_RECLAIMABLE))
		return -EINVAL;
	return __gfp_migratetype(flags);
}

/* ---- watermark checks ---------------------------------------------------------- */

static inline long zone_watermark_unusable_free(const struct zone *z, unsigned int order, unsigned int alloc_flags)
{
	bool alloc_harder = alloc_flags & (ALLOC_HARDER | ALLOC_OOM);
	long unusable = (1L << order) - 1;
	/* without ALLOC_HARDER the highatomic reserve is not for us */
	if (!alloc_harder)
		unusable += (long)__atomic_load_n(&z->nr_reserved_highatomic, __ATOMIC_RELAXED); /* READ_ONCE: the zone lock is not held */
	if (!(alloc_flags & ALLOC_CMA))
		unusable += __atomic_load_n(&z->vm_stat[NR_FREE_CMA_PAGES], __ATOMIC_RELAXED);
	return unusable;
}

bool __zone_watermark_ok(struct zone *z, unsigned int order, unsigned long mark, int highest_zoneidx,
			 unsigned int alloc_flags, long free_pages)
{
	long min = (long)mark;
	bool alloc_harder = alloc_flags & (ALLOC_HARDER | ALLOC_OOM);

	/* free_pages may go negative - that's fine */
	free_pages -= zone_watermark_unusable_free(z, order, alloc_flags);
	if (alloc_flags & ALLOC_HIGH)
		min -= min / 2;
	if (alloc_harder) {
		/* OOM victims dig deeper than ordinary atomic allocations */
		if (alloc_flags & ALLOC_OOM)
			min -= min / 2;
		else
			min -= min / 4;
	}
	/* the order-0 test must pass even for a high-order request */
	if (free_pages <= min + z->lowmem_reserve[highest_zoneidx])
		return false;
	if (!order)
		return true;
	/* a high-order request needs one suitable free block */
	for (unsigned int o = order; o < MAX_ORDER; o++) {
		const struct free_area *area = &z->free_area[o];
		if (!__atomic_load_n(&area->nr_free, __ATOMIC_RELAXED))
			continue;
		for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++)
			if (free_area_has(area, mt))
				return true;
		if ((alloc_flags & ALLOC_CMA) && free_area_has(area, MIGRATE_CMA))
			return true;
		if (alloc_harder && free_area_has(area, MIGRATE_HIGHATOMIC))
			return true;
	}
	return false;
}

bool zone_watermark_ok(struct zone *z, unsigned int order, unsigned long mark, int highest_zoneidx,
		       unsigned int alloc_flags)
{
	return __zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags,
				   __atomic_load_n(&z->vm_stat[NR_FREE_PAGES], __ATOMIC_RELAXED));
}

static inline bool zone_watermark_fast(struct zone *z, unsigned int order, unsigned long mark,
				       int highest_zoneidx, unsigned int alloc_flags, gfp_t gfp_mask)
{
	long free_pages = __atomic_load_n(&z->vm_stat[NR_FREE_PAGES], __ATOMIC_RELAXED);
	if (!order) {
		long reserved = zone_watermark_unusable_free(z, 0, alloc_flags);
		long usable = free_pages - min(free_pages, reserved);
		if (usable > (long)mark + z->lowmem_reserve[highest_zoneidx])
			return true;
	}
	if (__zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags, free_pages))
		return true;
	/* __GFP_HIGH order-0 ignores the boost at the min watermark */
	if (!order && (gfp_mask & __GFP_HIGH) && (alloc_flags & ALLOC_WMARK_MASK) == WMARK_MIN && zone_wmark_boost(z))
		return __zone_watermark_ok(z, order, zone_wmark(z, WMARK_MIN), highest_zoneidx, alloc_flags, free_pages);
	return false;
}

/* ---- taking blocks off the free lists --------------------------------------------- */

/* Split a block of order `high` down to `low`, giving the upper halves back. */
static inline void expand(struct zone *zone, struct page *page, unsigned int low, unsigned int high, int mt)
{
	unsigned long size = 1UL << high;
	while (high > low) {
		high--;
		size >>= 1;
		add_to_free_list(&page[size], zone, high, mt);
		__atomic_store_n(&page[size].private, (unsigned long)high, __ATOMIC_RELAXED); /* read unlocked by compaction */
		__SetPageBuddy(&page[size]);
	}
}

static inline bool pcp_allowed_order(unsigned int order);

static struct page *__rmqueue_smallest(struct zone *zone, unsigned int order, int mt)
{
	for (unsigned int o = order; o < MAX_ORDER; o++) {
		struct free_area *area = &zone->free_area[o];
		struct page *page = get_page_from_free_area(area, mt);
		if (!page)
			continue;
		del_page_from_free_list(page, zone, o);
		expand(zone, page, order, o, mt);
		page->index = (unsigned long)mt; /* set_pcppage_migratetype */
		trace_mm_page_alloc_zone_locked(page, order, mt, pcp_allowed_order(order) && mt < MIGRATE_PCPTYPES);
		return page;
	}
	return NULL;
}

/* Where each migratetype falls back to when its own lists are empty. */
static const int fallbacks[MIGRATE_TYPES][3] = {
	[MIGRATE_UNMOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE, MIGRATE_TYPES },
	[MIGRATE_MOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE, MIGRATE_TYPES },
	[MIGRATE_RECLAIMABLE] = { MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, MIGRATE_TYPES },
};

/* Move the free blocks of the pageblock holding page to migratetype mt. */
int move_freepages_block(struct zone *zone, struct page *page, int mt, int *num_movable)
{
	unsigned long pb = pageblock_nr_pages();
	unsigned long start = ALIGN_DOWN(page_to_pfn(page), pb), end = start + pb;
	if (num_movable)
		*num_movable = 0;
	/* the pageblock must lie in the zone */
	if (start < zone->zone_start_pfn || end > zone_end_pfn(zone))
		return 0;
	int moved = 0;
	for (unsigned long pfn = start; pfn < end;) {
		struct page *p = pfn_to_page(pfn);
		if (!PageBuddy(p)) {
			pfn++;
			continue;
		}
		unsigned int order = (unsigned)p->private;
		move_to_free_list(p, zone, order, mt);
		pfn += 1UL << order;
		moved += 1 << order;
	}
	return moved;
}

static void change_pageblock_range(struct page *page, unsigned int order, int mt)
{
	unsigned long nr = 1UL << (order - (unsigned)M->prof->pageblock_order);
	for (unsigned long i = 0; i < nr; i++)
		set_pageblock_migratetype(page + i * pageblock_nr_pages(), mt);
}

static bool can_steal_fallback(unsigned int order, int start_mt)
{
	unsigned int pbo = (unsigned)M->prof->pageblock_order;
	if (order >= pbo)
		return true;
	return order >= pbo / 2 || start_mt == MIGRATE_RECLAIMABLE || start_mt == MIGRATE_UNMOVABLE ||
	       M->page_group_by_mobility_disabled;
}

static bool boost_watermark(struct zone *zone)
{
	if (!M->watermark_boost_factor)
		return false;
	/* boosting a small zone would make it run out at once */
	if (pageblock_nr_pages() * 4 > zone_managed_pages(zone))
		return false;
	unsigned long high = zone_wmark(zone, WMARK_HIGH);
	unsigned long max_boost = high / 10000 * (unsigned long)M->watermark_boost_factor +
				  high % 10000 * (unsigned long)M->watermark_boost_factor / 10000;
	if (!max_boost)
		return false;
	max_boost = max(pageblock_nr_pages(), max_boost);
	__atomic_store_n(&zone->watermark_boost, min(zone_wmark_boost(zone) + pageblock_nr_pages(), max_boost),
			 __ATOMIC_RELAXED);
	return true;
}

static void steal_suitable_fallback(struct zone *zone, struct page *page, unsigned int alloc_flags,
				    int start_type, bool whole_block)
{
	unsigned int current_order = (unsigned)page->private;
	int old_block_type = get_pageblock_migratetype(page);
	int free_pages, movable_pages, alike_pages;

	if (old_block_type == MIGRATE_HIGHATOMIC)
		goto single_page;
	/* a whole pageblock or more: take it over */
	if (current_order >= (unsigned)M->prof->pageblock_order) {
		change_pageblock_range(page, current_order, start_type);
		goto single_page;
	}
	/* fragmentation: make kswapd reclaim a little more than usual */
	if (boost_watermark(zone) && (alloc_flags & ALLOC_KSWAPD))
		__atomic_or_fetch(&zone->flags, ZONE_BOOSTED_WATERMARK, __ATOMIC_RELAXED); /* rmqueue reads it unlocked */
	if (!whole_block)
		goto single_page;
	free_pages = move_freepages_block(zone, page, start_type, &movable_pages);
	if (!free_pages)
		goto single_page;
	if (start_type == MIGRATE_MOVABLE)
		alike_pages = movable_pages;
	else if (old_block_type == MIGRATE_MOVABLE)
		alike_pages = (int)pageblock_nr_pages() - (free_pages + movable_pages);
	else
		alike_pages = 0;
	/* claim the block when half of it is free or of our kind */
	if (free_pages + alike_pages >= (1 << (M->prof->pageblock_order - 1)) || M->page_group_by_mobility_disabled)
		set_pageblock_migratetype(page, start_type);
	return;
single_page:
	move_to_free_list(page, zone, current_order, start_type);
}

static int find_suitable_fallback(struct free_area *area, unsigned int order, int mt, bool only_stealable,
				  bool *can_steal)
{
	if (!area->nr_free)
		return -1;
	*can_steal = false;
	for (int i = 0;; i++) {
		int fmt = fallbacks[mt][i];
		if (fmt == MIGRATE_TYPES)
			break;
		if (list_empty(&area->free_list[fmt]))
			continue;
		if (can_steal_fallback(order, mt))
			*can_steal = true;
		if (!only_stealable || *can_steal)
			return fmt;
	}
	return -1;
}

/* Steal from another migratetype: the largest block first, to fragment least. */
static bool __rmqueue_fallback(struct zone *zone, unsigned int order, int start_mt, unsigned int alloc_flags)
{
	int min_order = (int)order, current_order, fmt = -1;
	bool can_steal;
	struct free_area *area = NULL;
	if (alloc_flags & ALLOC_NOFRAGMENT)
		min_order = M->prof->pageblock_order;
	for (current_order = MAX_ORDER - 1; current_order >= min_order; current_order--) {
		area = &zone->free_area[current_order];
		fmt = find_suitable_fallback(area, (unsigned)current_order, start_mt, false, &can_steal);
		if (fmt == -1)
			continue;
		/* a movable request that cannot take the whole block splits the smallest */
		if (!can_steal && start_mt == MIGRATE_MOVABLE && current_order > (int)order)
			goto find_smallest;
		goto do_steal;
	}
	return false;
find_smallest:
	for (current_order = (int)order; current_order < MAX_ORDER; current_order++) {
		area = &zone->free_area[current_order];
		fmt = find_suitable_fallback(area, (unsigned)current_order, start_mt, false, &can_steal);
		if (fmt != -1)
			break;
	}
	MM_BUG_ON(current_order == MAX_ORDER);
do_steal:;
	struct page *page = get_page_from_free_area(area, fmt);
	steal_suitable_fallback(zone, page, alloc_flags, start_mt, can_steal);
	trace_mm_page_alloc_extfrag(page, (int)order, current_order, start_mt, fmt);
	return true;
}

/*
 * A movable request (ALLOC_CMA) borrows from the CMA pageblocks when more
 * than half of the zone's free pages are there, so that regular and CMA
 * memory drain together, and when its own lists and CMA's are all that is
 * left, before it steals from another migratetype.  Nothing else ever
 * gets a CMA page: the fallbacks[] table has no MIGRATE_CMA.
 */
static struct page *__rmqueue(struct zone *zone, unsigned int order, int mt, unsigned int alloc_flags)
{
	struct page *page;
	if ((alloc_flags & ALLOC_CMA) &&
	    __atomic_load_n(&zone->vm_stat[NR_FREE_CMA_PAGES], __ATOMIC_RELAXED) >
		    __atomic_load_n(&zone->vm_stat[NR_FREE_PAGES], __ATOMIC_RELAXED) / 2) {
		page = __rmqueue_smallest(zone, order, MIGRATE_CMA);
		if (page)
			return page;
	}
retry:
	page = __rmqueue_smallest(zone, order, mt);
	if (!page && (alloc_flags & ALLOC_CMA))
		page = __rmqueue_smallest(zone, order, MIGRATE_CMA);
	if (!page && __rmqueue_fallback(zone, order, mt, alloc_flags))
		goto retry;
	return page;
}

/* ---- the per-CPU page lists ------------------------------------------------------- */

static inline bool pcp_allowed_order(unsigned int order)
{
	return order <= PAGE_ALLOC_COSTLY_ORDER || (M->prof->thp && order == (unsigned)M->prof->pageblock_order);
}

/* Fill a pcp list with `count` blocks of order `order`; returns how many. */
static int rmqueue_bulk(struct zone *zone, unsigned int order, int count, struct list_head *list, int mt,
			unsigned int alloc_flags)
{
	int i;
	pthread_mutex_lock(&zone->lock);
	for (i = 0; i < count; i++) {
		struct page *page = __rmqueue(zone, order, mt, alloc_flags);
		if (!page)
			break;
		list_add_tail(&page->lru, list);
	}
	__atomic_sub_fetch(&zone->vm_stat[NR_FREE_PAGES], (long)i << order, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&zone->lock);
	return i;
}

/* Give `count` pages of the pcp back to the buddy lists, round-robin over the lists. */
static void free_pcppages_bulk(struct zone *zone, int count, struct per_cpu_pages *pcp, int pindex)
{
	int min_pindex = 0, max_pindex = NR_PCP_LISTS - 1;
	count = min(pcp->count, count);
	pindex--; /* the requested list goes first */
	pthread_mutex_lock(&zone->lock);
	while (count > 0) {
		struct list_head *list;
		for (;;) {
			if (++pindex > max_pindex)
				pindex = min_pindex;
			list = &pcp->lists[pindex];
			if (!list_empty(list))
				break;
			if (pindex == max_pindex)
				max_pindex--;
			if (pindex == min_pindex)
				min_pindex++;
		}
		unsigned int order = pindex_to_order(pindex);
		int nr_pages = 1 << order;
		do {
			struct page *page = list_entry(list->prev, struct page, lru);
			int mt = (int)page->index, block_mt = get_pageblock_migratetype(page);
			list_del(&page->lru);
			count -= nr_pages;
			pcp->count -= nr_pages;
			/* a pageblock isolated since the page was freed keeps it (has_isolate_pageblock) */
			if (mt >= MIGRATE_PCPTYPES || block_mt == MIGRATE_ISOLATE)
				mt = block_mt;
			__free_one_page(page, page_to_pfn(page), zone, order, mt);
			trace_mm_page_pcpu_drain(page, order, mt);
		} while (count > 0 && !list_empty(list));
	}
	pthread_mutex_unlock(&zone->lock);
}

static void drain_pages_zone(int cpu, struct zone *zone)
{
	struct per_cpu_pages *pcp = &zone->pageset[cpu];
	if (pcp->count)
		free_pcppages_bulk(zone, pcp->count, pcp, 0);
}

static void drain_cpu_pages(int cpu, struct zone *zone)
{
	if (zone) {
		drain_pages_zone(cpu, zone);
		return;
	}
	struct zone *z;
	for_each_populated_zone(z)
		drain_pages_zone(cpu, z);
}

/* The owner honours a drain another CPU asked for. */
static inline void check_drain_request(int cpu)
{
	if (__builtin_expect(__atomic_load_n(&M->cpus[cpu].drain_pending, __ATOMIC_RELAXED), 0)) {
		__atomic_store_n(&M->cpus[cpu].drain_pending, 0, __ATOMIC_RELAXED);
		drain_cpu_pages(cpu, NULL);
	}
}

void drain_local_pages(struct zone *zone)
{
	int cpu = smp_processor_id();
	if (cpu >= 0)
		drain_cpu_pages(cpu, zone);
}

/*
 * Every CPU's lists back to the buddy allocator: our own at once, an idle
 * CPU's by taking it for a moment, a busy one's by asking it to (it drains
 * at its next allocator call).
 */
static void drain_cpu_fn(int cpu, void *zone)
{
	drain_cpu_pages(cpu, zone);
}

static void drain_cpu_ask(int cpu, void *zone)
{
	__atomic_store_n(&M->cpus[cpu].drain_pending, 1, __ATOMIC_RELAXED);
}

void drain_all_pages(struct zone *zone)
{
	kmm_on_each_cpu(drain_cpu_fn, drain_cpu_ask, zone);
}

static struct page *rmqueue_pcplist(struct zone *zone, unsigned int order, int mt, unsigned int alloc_flags, int cpu)
{
	struct per_cpu_pages *pcp = &zone->pageset[cpu];
	struct list_head *list = &pcp->lists[order_to_pindex(mt, order)];
	if (pcp->free_factor)
		pcp->free_factor >>= 1;
	if (list_empty(list)) {
		int batch = pcp->batch;
		/* smaller batches of bigger blocks; batch 1 is a boot pageset */
		if (batch > 1)
			batch = max(batch >> order, 2);
		int got = rmqueue_bulk(zone, order, batch, list, mt, alloc_flags);
		pcp->count += got << order;
		if (list_empty(list))
			return NULL;
	}
	struct page *page = list_first_entry(list, struct page, lru);
	__list_del_entry(&page->lru);
	pcp->count -= 1 << order;
	return page;
}

static struct page *rmqueue_buddy(struct zone *zone, unsigned int order, unsigned int alloc_flags, int mt)
{
	struct page *page = NULL;
	pthread_mutex_lock(&zone->lock);
	/* high-order atomic requests use the highatomic reserve first */
	if (order > 0 && (alloc_flags & ALLOC_HARDER))
		page = __rmqueue_smallest(zone, order, MIGRATE_HIGHATOMIC);
	if (!page)
		page = __rmqueue(zone, order, mt, alloc_flags);
	if (page)
		__atomic_sub_fetch(&zone->vm_stat[NR_FREE_PAGES], 1L << order, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&zone->lock);
	return page;
}


static inline struct page *rmqueue(struct zone *zone, unsigned int order, gfp_t gfp, unsigned int alloc_flags, int mt)
{
	struct page *page = NULL;
	int cpu = smp_processor_id();
	if (cpu >= 0 && pcp_allowed_order(order)) {
		check_drain_request(cpu);
		page = rmqueue_pcplist(zone, order, mt, alloc_flags, cpu);
	}
	if (!page)
		page = rmqueue_buddy(zone, order, alloc_flags, mt);
	if (__builtin_expect(__atomic_load_n(&zone->flags, __ATOMIC_RELAXED) & ZONE_BOOSTED_WATERMARK, 0)) {
		__atomic_and_fetch(&zone->flags, ~ZONE_BOOSTED_WATERMARK, __ATOMIC_RELAXED);
		wakeup_kswapd(zone, 0, 0, zone_idx(zone));
	}
	return page;
}

/* ---- bad pages ------------------------------------------------------------------------ */

static unsigned long bad_pages_reported;

static void bad_page(struct page *page, const char *reason)
{
	bad_pages_reported++;
	pr_alert("BUG: Bad page state in process %s  pfn:%05lx\n", "kmm", page_to_pfn(page));
	dump_page(page, reason);
	printk(KERN_WARNING "Disabling lock debugging due to kernel taint\n");
}

unsigned long kmm_bad_pages(void)
{
	return bad_pages_reported;
}

#define PAGE_FLAGS_CHECK_AT_FREE                                                                 \
	((1UL << PG_lru) | (1UL << PG_locked) | (1UL << PG_private) | (1UL << PG_private_2) |     \
	 (1UL << PG_writeback) | (1UL << PG_reserved) | (1UL << PG_slab) | (1UL << PG_active) |  \
	 (1UL << PG_unevictable) | (1UL << PG_mlocked))
#define PAGE_FLAGS_CHECK_AT_PREP (((1UL << __NR_PAGEFLAGS) - 1) & ~(1UL << PG_head))

/* Why page may not be freed (or handed out); ref: the refcount it must have now. */
static inline const char *page_bad_reason_ref(const struct page *page, unsigned long flags, int ref)
{
	if (page->_mapcount != -1)
		return PageBuddy(page) ? "page is free in the buddy allocator" : "nonzero mapcount";
	if (page->mapping)
		return "non-NULL mapping";
	if (page_ref_count(page) != ref)
		return "nonzero _refcount";
	if (page->flags & flags)
		return flags == PAGE_FLAGS_CHECK_AT_FREE ? "PAGE_FLAGS_CHECK_AT_FREE flag(s) set"
							 : "PAGE_FLAGS_CHECK_AT_PREP flag(s) set";
	return NULL;
}

static inline const char *page_bad_reason(const struct page *page, unsigned long flags)
{
	return page_bad_reason_ref(page, flags, 0);
}

/*
 * The checks __free_pages() runs before a block goes back: the head was
 * just released (refcount 0), every tail must look untouched.  The
 * allocation's order is kept in the head's flags, so a free with the
 * wrong order is caught too.
 */
/* A free of the wrong order: said, and refused before anything changed. */
static bool free_order_mismatch(struct page *page, unsigned int order)
{
	int alloc_order = get_alloc_order(page);
	if (__builtin_expect(alloc_order < 0 || alloc_order == (int)order, 1))
		return false;
	char reason[96];
	snprintf(reason, sizeof(reason), "freed with order %u, allocated with order %d", order, alloc_order);
	bad_page(page, reason);
	return true;
}

/*
 * free_pages_prepare()'s checks, made while the caller still holds its
 * reference (ref 1), so a refused free leaves the page exactly as it was:
 * its owner still has it and may free it correctly.  Read-only.
 */
static bool free_pages_refused(struct page *page, unsigned int order)
{
	if (free_order_mismatch(page, order))
		return true;
	const char *why = page_bad_reason_ref(page, PAGE_FLAGS_CHECK_AT_FREE, 1);
	if (why) {
		bad_page(page, why);
		return true;
	}
	for (unsigned long i = 1; i < (1UL << order); i++) {
		why = page_bad_reason(&page[i], PAGE_FLAGS_CHECK_AT_FREE);
		if (why) {
			bad_page(&page[i], why);
			return true;
		}
	}
	return false;
}

/* checked: free_pages_refused() passed with the last reference, nothing can have changed since */
static inline bool free_pages_prepare(struct page *page, unsigned int order, bool checked)
{
	trace_mm_page_free(page, order);
	if (!checked && free_order_mismatch(page, order))
		return false;
	bool compound = PageHead(page);
	if (compound) {
		for (unsigned long i = 1; i < (1UL << order); i++)
			page[i].compound_head = 0;
		page[1].compound_order = 0;
		ClearPageHead(page);
	}
	if (!checked) {
		const char *why = page_bad_reason(page, PAGE_FLAGS_CHECK_AT_FREE);
		if (why) {
			bad_page(page, why);
			return false;
		}
		for (unsigned long i = 1; i < (1UL << order); i++) {
			why = page_bad_reason(&page[i], PAGE_FLAGS_CHECK_AT_FREE);
			if (why) {
				bad_page(&page[i], why);
				return false;
			}
		}
	}
	__atomic_and_fetch(&page->flags, ~(ALLOC_ORDER_MASK | PAGE_FLAGS_CHECK_AT_PREP), __ATOMIC_RELAXED); /* the owner's flags go with it */
	__atomic_store_n(&page->private, 0UL, __ATOMIC_RELAXED);
	if (__atomic_load_n(&page->memcg_data, __ATOMIC_RELAXED))
		mem_cgroup_uncharge(page, order); /* __folio_put's mem_cgroup_uncharge, __memcg_kmem_uncharge_page */
	return true;
}

/* Where a page or pointer names no page of the machine. */
static bool page_outside_memory(const struct page *page)
{
	if (page < mem_map || page >= mem_map + max_mapnr || !pfn_valid(page_to_pfn(page)) ||
	    !page_zone(page)->in_profile || !populated_zone(page_zone(page))) {
		pr_alert("BUG: Bad page state in process %s  pfn:%05lx is outside any zone\n", "kmm",
			 (unsigned long)(page - mem_map));
		bad_pages_reported++;
		return true;
	}
	return false;
}

/* ---- freeing ---------------------------------------------------------------------------- */

static void free_one_page(struct zone *zone, struct page *page, unsigned long pfn, unsigned int order, int mt)
{
	pthread_mutex_lock(&zone->lock);
	/* an isolation may have begun or ended since mt was read without the lock (has_isolate_pageblock) */
	int block_mt = get_pageblock_migratetype(page);
	if (mt == MIGRATE_ISOLATE || block_mt == MIGRATE_ISOLATE)
		mt = block_mt;
	__free_one_page(page, pfn, zone, order, mt);
	pthread_mutex_unlock(&zone->lock);
}

/*
 * CONFIG_PCP_BATCH_SCALE_MAX (mm/Kconfig, default 5; in 6.1 since its
 * stable updates): free_factor stops there, so a CPU freeing without
 * allocating gives back at most batch << 5 pages at a time and keeps its
 * list near high, instead of emptying it down to batch.
 */
#define PCP_BATCH_SCALE_MAX 5

static int nr_pcp_free(struct per_cpu_pages *pcp, int high, int batch, bool free_high)
{
	if (free_high)
		return pcp->count;
	if (high < batch)
		return 1;
	int min_nr_free = batch, max_nr_free = high - batch;
	/* free twice as much each time frees come without allocations */
	batch <<= pcp->free_factor;
	if (batch < max_nr_free && pcp->free_factor < PCP_BATCH_SCALE_MAX)
		pcp->free_factor++;
	return clamp(batch, min_nr_free, max_nr_free);
}

static void free_unref_page(struct page *page, unsigned int order)
{
	unsigned long pfn = page_to_pfn(page);
	int mt = get_pageblock_migratetype(page);
	struct zone *zone = page_zone(page);
	int cpu = smp_processor_id();
	count_vm_events(PGFREE, 1UL << order);
	page->index = (unsigned long)mt;
	if (mt >= MIGRATE_PCPTYPES) {
		if (mt == MIGRATE_ISOLATE || cpu < 0) {
			free_one_page(zone, page, pfn, order, mt);
			return;
		}
		mt = MIGRATE_MOVABLE; /* highatomic pages wait on the movable list */
	}
	if (cpu < 0) {
		free_one_page(zone, page, pfn, order, mt);
		return;
	}
	check_drain_request(cpu);
	struct per_cpu_pages *pcp = &zone->pageset[cpu];
	int pindex = order_to_pindex(mt, order);
	list_add(&page->lru, &pcp->lists[pindex]);
	pcp->count += 1 << order;
	/* high-order pages freed in a row without allocations are not kept */
	bool free_high = pcp->free_factor && order && order <= PAGE_ALLOC_COSTLY_ORDER;
	int high = free_high ? 0 : pcp->high;
	if (pcp->count >= high)
		free_pcppages_bulk(zone, nr_pcp_free(pcp, high, pcp->batch, free_high), pcp, pindex);
}

static void __free_pages_ok(struct page *page, unsigned int order)
{
	unsigned long pfn = page_to_pfn(page);
	int mt = get_pageblock_migratetype(page);
	count_vm_events(PGFREE, 1UL << order);
	free_one_page(page_zone(page), page, pfn, order, mt);
}

/*
 * Freed pages are off limits to ASan/Valgrind until allocated again
 * (kasan_poison_pages): before they are on a list another CPU may take
 * them from.  Pages the buddy allocator got at boot were never handed
 * out and stay unmarked, so the tool's shadow costs only what was used.
 */
static inline void kasan_poison_pages(struct page *page, unsigned int order)
{
	if (KMM_TRACK)
		track_mem_noaccess(ram_host(PFN_PHYS(page_to_pfn(page))), PAGE_SIZE << order);
}

static void clear_pages(struct page *page, unsigned int order);

static inline void free_the_page(struct page *page, unsigned int order, bool checked)
{
	if (!free_pages_prepare(page, order, checked))
		return;
	if (want_init_on_free()) { /* kernel_init_pages: before it is on a list */
		if (KMM_TRACK) /* its user may have left bytes off limits (a slab page); it is poisoned whole next */
			track_mem_defined(ram_host(PFN_PHYS(page_to_pfn(page))), PAGE_SIZE << order);
		clear_pages(page, order);
	}
	kasan_poison_pages(page, order);
	if (pcp_allowed_order(order))
		free_unref_page(page, order);
	else
		__free_pages_ok(page, order);
}

/* Why a free was refused: said once, in the kernel's words; nothing is changed. */
static void __cold_free_diagnose(struct page *page, unsigned int order, int ref)
{
	if (page_outside_memory(page))
		return;
	if (order >= MAX_ORDER)
		bad_page(page, "order above MAX_ORDER-1");
	else if (PageTail(page))
		bad_page(page, "freeing a tail page of a compound page");
	else
		bad_page(page, ref == 0 ? "VM_BUG_ON_PAGE(page_ref_count(page) == 0)" : "negative _refcount");
}

void __free_pages(struct page *page, unsigned int order)
{
	if (!page)
		return;
	int ref;
	if (__builtin_expect(order >= MAX_ORDER || page < mem_map || page >= mem_map + max_mapnr, 0) ||
	    __builtin_expect((ref = page_ref_count(page)) <= 0 || PageTail(page), 0)) {
		__cold_free_diagnose(page, order, page >= mem_map && page < mem_map + max_mapnr ? page_ref_count(page) : 0);
		return;
	}
	/*
	 * The last reference needs no atomic instruction: whoever could race
	 * with us would need a reference of their own.  (Speculative lookups
	 * that take a reference from zero do not exist in kmm.)  A free that
	 * would be refused is refused before the reference goes, so the owner
	 * still holds the page; a wrong order is refused with any refcount.
	 */
	if (ref == 1) {
		if (free_pages_refused(page, order))
			return;
		set_page_count(page, 0);
		free_the_page(page, order, true);
	} else if (!free_order_mismatch(page, order) && page_ref_dec_return(page) == 0) {
		free_the_page(page, order, false);
	}
}

/* get_page_unless_zero: a reference, unless the page is on its way to being freed */
bool get_page_unless_zero(struct page *page)
{
	int c = __atomic_load_n(&page->_refcount, __ATOMIC_RELAXED);
	while (c > 0)
		if (__atomic_compare_exchange_n(&page->_refcount, &c, c + 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return true;
	return false;
}

/* A reference to a free page (refcount 0) would bring it back from the free lists: refused, reported. */
void get_page(struct page *page)
{
	page = compound_head(page);
	if (__builtin_expect(page_ref_count(page) <= 0, 0)) {
		bad_page(page, "VM_BUG_ON_FOLIO(folio_ref_zero_or_close_to_overflow(folio))");
		return;
	}
	page_ref_inc(page);
}

void put_page(struct page *page)
{
	page = compound_head(page);
	if (page_ref_count(page) <= 0) {
		bad_page(page, "VM_BUG_ON_PAGE(page_ref_count(page) == 0)");
		return;
	}
	if (page_ref_dec_return(page) == 0) {
		lru_cache_release(page); /* __folio_put -> __page_cache_release */
		free_the_page(page, PageHead(page) ? compound_order(page) : (unsigned)max(get_alloc_order(page), 0), false);
	}
}

/* ---- addresses ----------------------------------------------------------------------------- */

void *page_address(const struct page *page)
{
	unsigned long pfn = page_to_pfn(page);
	if (pfn >= M->max_low_pfn)
		return page_address_highmem(page); /* its kmap() address, or NULL */
	return phys_to_host(PFN_PHYS(pfn));
}

bool virt_addr_valid(const void *addr)
{
	const char *p = addr, *base = kmm_ram.direct_base;
	return M && p >= base && p < base + kmm_ram.direct_size && pfn_valid((unsigned long)(p - base) >> PAGE_SHIFT);
}

struct page *virt_to_page(const void *addr)
{
	const char *p = addr, *base = kmm_ram.direct_base;
	return pfn_to_page((unsigned long)(p - base) >> PAGE_SHIFT);
}

/*
 * Zero pages through the host's view of simulated RAM (clear_highpage),
 * with non-temporal stores where the host has them: a page being
 * allocated is usually cold, and streaming zeros past the cache skips
 * reading its old contents in first - a third of memset's time for a cold
 * 4 KiB page on the benchmark machine.  Linux's clear_page_erms keeps the
 * page hot for the task about to use it; a simulated task touches far
 * less of its pages, so kmm takes the other side of that trade.
 */
static void clear_pages(struct page *page, unsigned int order)
{
	char *p = ram_host(PFN_PHYS(page_to_pfn(page)));
#if defined(__SSE2__) && !defined(__SANITIZE_ADDRESS__)
	__m128i zero = _mm_setzero_si128();
	for (char *end = p + (PAGE_SIZE << order); p < end; p += 64) {
		_mm_stream_si128((__m128i *)p, zero);
		_mm_stream_si128((__m128i *)(p + 16), zero);
		_mm_stream_si128((__m128i *)(p + 32), zero);
		_mm_stream_si128((__m128i *)(p + 48), zero);
	}
	_mm_sfence(); /* the zeros are visible before the page is handed out */
#else
	memset(p, 0, PAGE_SIZE << order);
#endif
}

/* ---- allocation ------------------------------------------------------------------------------ */

struct alloc_context {
	struct zonelist *zonelist;
	const unsigned long *nodemask;
	struct zoneref *preferred_zoneref;
	int migratetype;
	int highest_zoneidx;
};

static inline bool node_allowed(const unsigned long *nodemask, int nid)
{
	return !nodemask || (nodemask[nid / 64] >> (nid % 64) & 1);
}

#define for_next_zone_zonelist(z, ac)                                                     \
	for (; (z)->zone; (z)++)                                                            \
		if ((z)->zone_idx > (ac)->highest_zoneidx || !node_allowed((ac)->nodemask, (z)->zone->node)) { \
		} else

static struct zoneref *first_zones_zonelist(struct zonelist *zl, int highest_zoneidx, const unsigned long *nodemask)
{
	struct zoneref *z = zl->_zonerefs;
	while (z->zone && (z->zone_idx > highest_zoneidx || !node_allowed(nodemask, z->zone->node)))
		z++;
	return z;
}

static void prep_compound_page(struct page *page, unsigned int order)
{
	SetPageHead(page);
	for (unsigned long i = 1; i < (1UL << order); i++)
		page[i].compound_head = (unsigned long)page | 1;
	page[1].compound_order = (unsigned char)order;
}

static inline void prep_new_page(struct page *page, unsigned int order, gfp_t gfp, unsigned int alloc_flags)
{
#if KMM_DEBUG >= 2
	/* check_new_pages(): what comes off the free lists must look free */
	for (unsigned long i = 0; i < (1UL << order); i++) {
		const char *why = page_bad_reason(&page[i], PAGE_FLAGS_CHECK_AT_PREP);
		if (__builtin_expect(why != NULL, 0))
			bad_page(&page[i], why);
	}
#endif
	__atomic_store_n(&page->private, 0UL, __ATOMIC_RELAXED); /* the buddy order compaction's scanner reads racily */
	page->index = 0;
	set_page_count(page, 1);
	set_alloc_order(page, order);
	if (KMM_TRACK) /* kasan_unpoison_pages: a page's bytes are always defined (old contents or zeros) */
		track_mem_defined(ram_host(PFN_PHYS(page_to_pfn(page))), PAGE_SIZE << order);
	if (!want_init_on_free() && want_init_on_alloc(gfp)) /* freed pages were zeroed then */
		clear_pages(page, order);
	if (order && (gfp & __GFP_COMP))
		prep_compound_page(page, order);
}

static const int pgalloc_event[MAX_ZONE_TYPES] = {
	[ZONE_DMA] = PGALLOC_DMA, [ZONE_DMA32] = PGALLOC_DMA32, [ZONE_NORMAL] = PGALLOC_NORMAL,
	[ZONE_HIGHMEM] = PGALLOC_HIGH, [ZONE_MOVABLE] = PGALLOC_MOVABLE, [ZONE_DEVICE] = PGALLOC_DEVICE,
};

/* A high-order atomic allocation succeeded: keep its pageblock for more like it. */
static void reserve_highatomic_pageblock(struct page *page, struct zone *zone)
{
	unsigned long max_managed = zone_managed_pages(zone) / 100 + pageblock_nr_pages();
	if (__atomic_load_n(&zone->nr_reserved_highatomic, __ATOMIC_RELAXED) >= max_managed)
		return;
	pthread_mutex_lock(&zone->lock);
	int mt = get_pageblock_migratetype(page);
	if (zone->nr_reserved_highatomic < max_managed && migratetype_is_mergeable(mt)) {
		__atomic_store_n(&zone->nr_reserved_highatomic, zone->nr_reserved_highatomic + pageblock_nr_pages(),
				 __ATOMIC_RELAXED); /* watermark checks read it without the lock */
		set_pageblock_migratetype(page, MIGRATE_HIGHATOMIC);
		move_freepages_block(zone, page, MIGRATE_HIGHATOMIC, NULL);
	}
	pthread_mutex_unlock(&zone->lock);
}

/* Give highatomic pageblocks back when memory is short (force: all of them). */
static bool unreserve_highatomic_pageblock(const struct alloc_context *ac, bool force)
{
	struct zoneref *z = ac->zonelist->_zonerefs;
	bool ret = false;
	for_next_zone_zonelist(z, ac) {
		struct zone *zone = z->zone;
		/* keep one pageblock unless forced */
		if (!force && __atomic_load_n(&zone->nr_reserved_highatomic, __ATOMIC_RELAXED) <= pageblock_nr_pages())
			continue;
		pthread_mutex_lock(&zone->lock);
		for (unsigned int order = 0; order < MAX_ORDER; order++) {
			struct page *page = get_page_from_free_area(&zone->free_area[order], MIGRATE_HIGHATOMIC);
			if (!page)
				continue;
			if (get_pageblock_migratetype(page) == MIGRATE_HIGHATOMIC) {
				__atomic_store_n(&zone->nr_reserved_highatomic,
						 zone->nr_reserved_highatomic - min(pageblock_nr_pages(), zone->nr_reserved_highatomic),
						 __ATOMIC_RELAXED);
			}
			set_pageblock_migratetype(page, ac->migratetype);
			if (move_freepages_block(zone, page, ac->migratetype, NULL)) {
				ret = true;
				break;
			}
		}
		pthread_mutex_unlock(&zone->lock);
		if (ret)
			return ret;
	}
	return ret;
}

static __attribute__((always_inline)) inline struct page *
__get_page_from_freelist(gfp_t gfp, unsigned int order, unsigned int alloc_flags, const struct alloc_context *ac)
{
	struct zoneref *z = ac->preferred_zoneref;
	for_next_zone_zonelist(z, ac) {
		struct zone *zone = z->zone;
		if (!(alloc_flags & ALLOC_NO_WATERMARKS)) {
			unsigned long mark = wmark_pages(zone, alloc_flags & ALLOC_WMARK_MASK);
			if (!zone_watermark_fast(zone, order, mark, ac->highest_zoneidx, alloc_flags, gfp))
				continue;
		}
		struct page *page = rmqueue(zone, order, gfp, alloc_flags, ac->migratetype);
		if (page) {
			prep_new_page(page, order, gfp, alloc_flags);
			count_vm_events((enum vm_event_item)pgalloc_event[z->zone_idx], 1UL << order);
			zone_statistics(ac->preferred_zoneref->zone, zone);
			if (order && (alloc_flags & ALLOC_HARDER))
				reserve_highatomic_pageblock(page, zone);
			return page;
		}
	}
	return NULL;
}

/* The slow path's copy; the fast path in __alloc_pages() gets it inlined. */
static __attribute__((noinline)) struct page *get_page_from_freelist(gfp_t gfp, unsigned int order,
								     unsigned int alloc_flags,
								     const struct alloc_context *ac)
{
	return __get_page_from_freelist(gfp, order, alloc_flags, ac);
}

static unsigned int gfp_to_alloc_flags(gfp_t gfp)
{
	unsigned int alloc_flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;
	alloc_flags |= gfp & (__GFP_HIGH | __GFP_KSWAPD_RECLAIM);
	if (gfp & __GFP_ATOMIC) {
		/* GFP_ATOMIC may dig below min, unless it asked not to */
		if (!(gfp & __GFP_NOMEMALLOC))
			alloc_flags |= ALLOC_HARDER;
		alloc_flags &= ~ALLOC_CPUSET;
	}
	return alloc_flags;
}

/* Movable allocations may use CMA pageblocks (without CONFIG_CMA there are none: the flag changes nothing). */
static inline unsigned int gfp_to_alloc_flags_cma(int migratetype, unsigned int alloc_flags)
{
	return migratetype == MIGRATE_MOVABLE ? alloc_flags | ALLOC_CMA : alloc_flags;
}

/* __GFP_MEMALLOC: the caller frees memory; it may take everything. */
static unsigned int gfp_pfmemalloc_flags(gfp_t gfp)
{
	if (gfp & __GFP_NOMEMALLOC)
		return 0;
	if (gfp & __GFP_MEMALLOC)
		return ALLOC_NO_WATERMARKS;
	/* oom_reserves_allowed: an OOM victim digs into the reserves so that it can die quickly */
	if (current_is_oom_victim())
		return ALLOC_OOM;
	return 0;
}

static void wake_all_kswapds(unsigned int order, gfp_t gfp, const struct alloc_context *ac)
{
	struct zoneref *z = ac->zonelist->_zonerefs;
	pg_data_t *last = NULL;
	for_next_zone_zonelist(z, ac) {
		if (z->zone->zone_pgdat != last) {
			last = z->zone->zone_pgdat;
			wakeup_kswapd(z->zone, gfp, order, ac->highest_zoneidx);
		}
	}
}

/* __perform_reclaim: the stall counted as Linux counts it, then mm/vmscan.c's direct reclaim */
static unsigned long perform_reclaim(gfp_t gfp, unsigned int order, const struct alloc_context *ac)
{
	static const int stall[MAX_ZONE_TYPES] = {
		[ZONE_DMA] = ALLOCSTALL_DMA, [ZONE_DMA32] = ALLOCSTALL_DMA32, [ZONE_NORMAL] = ALLOCSTALL_NORMAL,
		[ZONE_HIGHMEM] = ALLOCSTALL_HIGH, [ZONE_MOVABLE] = ALLOCSTALL_MOVABLE, [ZONE_DEVICE] = ALLOCSTALL_DEVICE,
	};
	count_vm_event((enum vm_event_item)stall[ac->highest_zoneidx]);
	unsigned long progress = try_to_free_pages(gfp, order, ac->highest_zoneidx, ac->preferred_zoneref->zone->node);
	cond_resched(); /* a woken kswapd may take its turn here */
	return progress;
}

static struct page *__alloc_pages_direct_reclaim(gfp_t gfp, unsigned int order, unsigned int alloc_flags,
						 const struct alloc_context *ac, unsigned long *progress)
{
	bool drained = false;
	*progress = perform_reclaim(gfp, order, ac);
retry:;
	struct page *page = get_page_from_freelist(gfp, order, alloc_flags, ac);
	/* pages may sit on per-CPU lists or in the highatomic reserve */
	if (!page && !drained) {
		unreserve_highatomic_pageblock(ac, false);
		drain_all_pages(NULL);
		drained = true;
		goto retry;
	}
	return page;
}

struct compact_try {
	gfp_t gfp;
	unsigned int order, alloc_flags;
	const struct alloc_context *ac;
};

static struct page *compact_try_alloc(void *arg)
{
	struct compact_try *t = arg;
	return get_page_from_freelist(t->gfp, t->order, t->alloc_flags, t->ac);
}

/*
 * __alloc_pages_direct_compact: compaction (mm/compaction.c) of the zones
 * the allocation may use, the preferred one first, each followed by a try
 * of the free lists; it counts compact_stall and compact_success/fail.
 */
static struct page *__alloc_pages_direct_compact(gfp_t gfp, unsigned int order, unsigned int alloc_flags,
						 const struct alloc_context *ac)
{
	if (!order)
		return NULL;
	struct zone *zones[MAX_ZONES_PER_ZONELIST];
	int n = 0;
	struct zoneref *z = ac->preferred_zoneref;
	for_next_zone_zonelist(z, ac)
		if (n < MAX_ZONES_PER_ZONELIST)
			zones[n++] = z->zone;
	struct compact_try t = { gfp, order, alloc_flags, ac };
	return try_to_compact_pages(gfp, order, alloc_flags, ac->highest_zoneidx, zones, n, compact_try_alloc, &t);
}

/* Progress that never ends in a page (reclaim freeing what the caller's own work takes back) stops here. */
#define MAX_PROGRESS_RETRIES (64 * MAX_RECLAIM_RETRIES)

static bool should_reclaim_retry(gfp_t gfp, unsigned int order, const struct alloc_context *ac,
				 unsigned int alloc_flags, bool did_some_progress, int *no_progress_loops,
				 int *retries)
{
	/* costly orders gain nothing from reclaim that compaction would not give */
	if (did_some_progress && order <= PAGE_ALLOC_COSTLY_ORDER && ++*retries < MAX_PROGRESS_RETRIES)
		*no_progress_loops = 0;
	else
		(*no_progress_loops)++;
	if (*no_progress_loops > MAX_RECLAIM_RETRIES)
		return unreserve_highatomic_pageblock(ac, true);
	struct zoneref *z = ac->preferred_zoneref;
	for_next_zone_zonelist(z, ac) {
		struct zone *zone = z->zone;
		long available = (long)zone_reclaimable_pages(zone) + (long)zone_page_state(zone, NR_FREE_PAGES);
		available -= DIV_ROUND_UP((long)*no_progress_loops * available, MAX_RECLAIM_RETRIES);
		if (__zone_watermark_ok(zone, order, min_wmark_pages(zone), ac->highest_zoneidx, alloc_flags, available))
			return true;
	}
	return false;
}

/*
 * __alloc_pages_may_oom: reclaim could do no more - time for the OOM killer
 * (mm/oom_kill.c), in the cases 6.1 calls it: one killer at a time
 * (oom_lock; a loser counts as progress and comes back), one last try at
 * the high watermark (another CPU's kill may have made room), never for
 * costly orders, __GFP_RETRY_MAYFAIL or __GFP_THISNODE callers, or
 * allocations that need only the zones below NORMAL.  out_of_memory()
 * answers true for a caller without __GFP_FS without killing (as 6.1 does, by its own admission a stopgap:
 * such a caller retries); *no_fs_loops bounds that in kmm, where no other
 * CPU may free anything meanwhile.
 */
static struct page *__alloc_pages_may_oom(gfp_t gfp, unsigned int order, const struct alloc_context *ac,
					  unsigned long *progress, int *no_fs_loops)
{
	*progress = 0;
	if (pthread_mutex_trylock(&M->oom_lock)) {
		*progress = 1;
		sched_yield(); /* schedule_timeout_uninterruptible(1): someone else is killing for us */
		return NULL;
	}
	/* one last try at the high watermark, to catch a kill that another CPU made meanwhile */
	struct page *page = get_page_from_freelist((gfp | __GFP_HARDWALL) & ~__GFP_DIRECT_RECLAIM, order,
						   ALLOC_WMARK_HIGH | ALLOC_CPUSET, ac);
	if (page)
		goto out;
	if (order > PAGE_ALLOC_COSTLY_ORDER || (gfp & (__GFP_RETRY_MAYFAIL | __GFP_THISNODE)) ||
	    ac->highest_zoneidx < ZONE_NORMAL)
		goto out;
	if (!(gfp & __GFP_FS) && ++*no_fs_loops > MAX_RECLAIM_RETRIES)
		goto out; /* nothing else runs to free memory for a NOFS caller: it fails */
	if (out_of_memory(gfp, order, ac->nodemask))
		*progress = 1;
out:
	pthread_mutex_unlock(&M->oom_lock);
	return page;
}

/*
 * An allocation failure the caller did not ask to keep quiet: "comm: what,
 * mode:..., nodemask=...", the CPU line and the Mem-Info dump, as 6.1's
 * warn_alloc().  Rate-limited by nopage_rs (10*HZ, burst 1, on the
 * simulated clock): a run that fails a million allocations prints one
 * report per ten simulated seconds and "warn_alloc: N callbacks
 * suppressed" for the rest.  vmalloc's failures come here too.
 */
void warn_alloc(gfp_t gfp, const unsigned long *nodemask, const char *fmt, ...)
{
	if ((gfp & __GFP_NOWARN) || !M || !___ratelimit(&M->nopage_rs, "warn_alloc"))
		return;
	char name[160], what[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	gfp_flags_name(gfp, name, sizeof(name));
	printk(KERN_WARNING "kmm: %s, mode:%#x(%s), nodemask=(null)\n", what, gfp, name);
	printk(KERN_WARNING "CPU: %d PID: 0 Comm: kmm Not tainted 6.1.0-kmm-%s #1\n", max(smp_processor_id(), 0),
	       M->prof->name);
	show_free_areas();
}

static __attribute__((noinline, cold)) struct page *__alloc_pages_slowpath(gfp_t gfp, unsigned int order,
									      struct alloc_context *ac)
{
	bool can_direct_reclaim = gfp & __GFP_DIRECT_RECLAIM;
	bool costly_order = order > PAGE_ALLOC_COSTLY_ORDER;
	unsigned long progress = 0;
	int no_progress_loops = 0, retries = 0, no_fs_loops = 0;
	struct page *page;

	/* an atomic allocation that may also sleep is a caller's mistake */
	if ((gfp & (__GFP_ATOMIC | __GFP_DIRECT_RECLAIM)) == (__GFP_ATOMIC | __GFP_DIRECT_RECLAIM)) {
		MM_WARN_ON(1);
		gfp &= ~__GFP_ATOMIC;
	}
	unsigned int alloc_flags = gfp_to_alloc_flags_cma(ac->migratetype, gfp_to_alloc_flags(gfp));
	ac->preferred_zoneref = first_zones_zonelist(ac->zonelist, ac->highest_zoneidx, ac->nodemask);
	if (!ac->preferred_zoneref->zone)
		goto nopage;
	if (alloc_flags & ALLOC_KSWAPD)
		wake_all_kswapds(order, gfp, ac);
	/* the lower watermark alone may be enough */
	page = get_page_from_freelist(gfp, order, alloc_flags, ac);
	if (page)
		return page;
	if (can_direct_reclaim && (costly_order || (order > 0 && ac->migratetype != MIGRATE_MOVABLE)) &&
	    !gfp_pfmemalloc_flags(gfp)) {
		page = __alloc_pages_direct_compact(gfp, order, alloc_flags, ac);
		if (page)
			return page;
		if (costly_order && (gfp & __GFP_NORETRY))
			goto nopage;
	}
retry:
	if (alloc_flags & ALLOC_KSWAPD)
		wake_all_kswapds(order, gfp, ac);
	unsigned int reserve_flags = gfp_pfmemalloc_flags(gfp);
	if (reserve_flags)
		alloc_flags = reserve_flags;
	page = get_page_from_freelist(gfp, order, alloc_flags, ac);
	if (page)
		return page;
	/* a caller that may not sleep gets no more than that */
	if (!can_direct_reclaim)
		goto nopage;
	page = __alloc_pages_direct_reclaim(gfp, order, alloc_flags, ac, &progress);
	if (page)
		return page;
	page = __alloc_pages_direct_compact(gfp, order, alloc_flags, ac);
	if (page)
		return page;
	if (gfp & __GFP_NORETRY)
		goto nopage;
	if (costly_order && !(gfp & __GFP_RETRY_MAYFAIL))
		goto nopage;
	if (should_reclaim_retry(gfp, order, ac, alloc_flags, progress > 0, &no_progress_loops, &retries))
		goto retry;
	page = __alloc_pages_may_oom(gfp, order, ac, &progress, &no_fs_loops);
	if (page)
		return page;
	/* a victim that had the reserves and still found nothing fails rather than loop */
	if (current_is_oom_victim() && ((alloc_flags & ALLOC_OOM) || (gfp & __GFP_NOMEMALLOC)))
		goto nopage;
	if (progress) {
		no_progress_loops = 0;
		goto retry;
	}
nopage:
	if (gfp & __GFP_NOFAIL) {
		/* __GFP_NOFAIL must be able to sleep */
		if (!can_direct_reclaim)
			goto fail;
		MM_WARN_ON(costly_order);
		/* help it with the reserves, but not all of them */
		page = get_page_from_freelist(gfp, order, ALLOC_HARDER | ALLOC_WMARK_MIN, ac);
		if (page)
			return page;
		sched_yield(); /* let another CPU free something */
		goto retry;
	}
fail:
	warn_alloc(gfp, ac->nodemask, "page allocation failure: order:%u", order);
	return NULL;
}

struct page *__alloc_pages(gfp_t gfp, unsigned int order, int preferred_nid, const unsigned long *nodemask)
{
	if (!M)
		return NULL;
	/* WARN_ON_ONCE_GFP: once per boot, and never under __GFP_NOWARN */
	if (__builtin_expect(order >= MAX_ORDER, 0)) {
		WARN_ON_ONCE_AT(!(gfp & __GFP_NOWARN), "mm/page_alloc.c:5634");
		return NULL;
	}
	int zt = __gfp_zone(gfp);
	if (__builtin_expect(zt < 0, 0)) {
		char name[160];
		gfp_flags_name(gfp, name, sizeof(name));
		printk(KERN_WARNING "WARNING: invalid zone modifiers in gfp mask %#x(%s)\n", gfp, name);
		return NULL;
	}
	/*
	 * Movable and reclaimable at once names no migrate type (gfp_migratetype's
	 * VM_WARN_ON): the two bits would index past the three that have free
	 * and per-CPU lists of their own, so the request is refused.
	 */
	if (__builtin_expect((gfp & (__GFP_MOVABLE | __GFP_RECLAIMABLE)) == (__GFP_MOVABLE | __GFP_RECLAIMABLE), 0)) {
		WARN_ON_ONCE_AT(true, "include/linux/gfp.h:18");
		return NULL;
	}
	/* prepare_alloc_pages(): fail_page_alloc may say no before any zone is looked at (mm/fault_inject.c) */
	if (should_fail_alloc_page(gfp, order))
		return NULL;
	if (__builtin_expect(preferred_nid < 0 || preferred_nid >= M->nr_nodes, 0))
		preferred_nid = 0;
	if (__builtin_expect(__atomic_load_n(&M->deferred_active, __ATOMIC_RELAXED), 0))
		deferred_init_wait();
	struct alloc_context ac = {
		.zonelist = &NODE_DATA(preferred_nid)->node_zonelists[gfp & __GFP_THISNODE ? ZONELIST_NOFALLBACK : ZONELIST_FALLBACK],
		.nodemask = nodemask,
		.migratetype = __gfp_migratetype(gfp),
		.highest_zoneidx = zt,
	};
	ac.preferred_zoneref = first_zones_zonelist(ac.zonelist, zt, nodemask);
	/* the fast path: the low watermark, no fragmenting fallbacks across nodes */
	struct page *page = __get_page_from_freelist(gfp, order, gfp_to_alloc_flags_cma(ac.migratetype, ALLOC_WMARK_LOW), &ac);
	if (__builtin_expect(!page, 0))
		page = __alloc_pages_slowpath(gfp, order, &ac);
	/* __GFP_ACCOUNT: kernel memory of the current task's memory cgroup, which may refuse it */
	if (page && (gfp & __GFP_ACCOUNT) && memcg_kmem_charge_page(page, gfp, order)) {
		__free_pages(page, order);
		page = NULL;
	}
	trace_mm_page_alloc(page, order, gfp, ac.migratetype);
	return page;
}

struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned int order)
{
	if (nid == NUMA_NO_NODE)
		nid = 0;
	return __alloc_pages(gfp, order, nid, NULL);
}

unsigned long __get_free_pages(gfp_t gfp, unsigned int order)
{
	/* only the direct map has addresses to return */
	if (gfp & __GFP_HIGHMEM) {
		MM_WARN_ON(1);
		gfp &= ~__GFP_HIGHMEM;
	}
	struct page *page = alloc_pages(gfp, order);
	return page ? (unsigned long)page_address(page) : 0;
}

unsigned long get_zeroed_page(gfp_t gfp)
{
	return __get_free_pages(gfp | __GFP_ZERO, 0);
}

void free_pages(unsigned long addr, unsigned int order)
{
	if (!addr)
		return;
	if (!virt_addr_valid((void *)addr)) {
		unsigned long kva = kmm_host_to_kva((void *)addr); /* the kernel's name for it, if it has one */
		pr_alert("BUG: Bad page state in process %s  free_pages(%#lx): not a direct-mapped address\n", "kmm",
			 kva ? kva : addr);
		bad_pages_reported++;
		return;
	}
	__free_pages(virt_to_page((void *)addr), order);
}

/*
 * __isolate_free_page, for compaction's free scanner (mm/compaction.c;
 * zone->lock held, page a free block of order): the block leaves its free
 * list and NR_FREE_PAGES, unless that would take the zone under its min
 * watermark (0) - a block of an isolated pageblock, which alloc_contig_range
 * (mm/page_isolation.c) takes, is not checked.  A block of at least half a pageblock turns its
 * pageblocks MOVABLE, as 6.1 does.  Returns the pages taken; the caller
 * makes them pages (split_map_pages) once the lock is dropped.
 */
unsigned long isolate_free_block(struct zone *zone, struct page *page, unsigned int order)
{
	MM_BUG_ON(!page_is_buddy(page, order));
	unsigned long nr = 1UL << order;
	if (get_pageblock_migratetype(page) != MIGRATE_ISOLATE &&
	    !__zone_watermark_ok(zone, 0, min_wmark_pages(zone) + nr, 0, ALLOC_CMA,
				 __atomic_load_n(&zone->vm_stat[NR_FREE_PAGES], __ATOMIC_RELAXED)))
		return 0;
	del_page_from_free_list(page, zone, order);
	__atomic_sub_fetch(&zone->vm_stat[NR_FREE_PAGES], (long)nr, __ATOMIC_RELAXED);
	if (order >= (unsigned int)M->prof->pageblock_order - 1)
		for (unsigned long i = 0; i < nr; i += pageblock_nr_pages())
			if (migratetype_is_mergeable(get_pageblock_migratetype(&page[i])))
				set_pageblock_migratetype(&page[i], MIGRATE_MOVABLE);
	return nr;
}

/*
 * For mm/page_isolation.c (zone->lock held): take a free block off its
 * list and out of NR_FREE_PAGES whatever the watermarks say, and put a
 * free block on mt's list as it is, without merging it (a piece of a block
 * split at an isolated pageblock's edge).
 */
void __del_free_block(struct zone *zone, struct page *page, unsigned int order)
{
	MM_BUG_ON(!page_is_buddy(page, order));
	del_page_from_free_list(page, zone, order);
	__atomic_sub_fetch(&zone->vm_stat[NR_FREE_PAGES], 1L << order, __ATOMIC_RELAXED);
}

void __add_free_block(struct zone *zone, struct page *page, unsigned int order, int mt)
{
	__atomic_store_n(&page->private, (unsigned long)order, __ATOMIC_RELAXED);
	__SetPageBuddy(page);
	add_to_free_list(page, zone, order, mt);
	__atomic_add_fetch(&zone->vm_stat[NR_FREE_PAGES], 1L << order, __ATOMIC_RELAXED);
}

/* split_map_pages: an isolated free block as 2^order order-0 pages, each prepared and referenced once, onto list */
void split_map_pages(struct page *page, unsigned int order, struct list_head *list)
{
	for (unsigned long i = 0; i < (1UL << order); i++) {
		prep_new_page(&page[i], 0, __GFP_MOVABLE, 0); /* post_alloc_hook: zeroed under init_on_alloc */
		list_add_tail(&page[i].lru, list);
	}
}

/* Make an order-n non-compound allocation into 2^n order-0 pages. */
void split_page(struct page *page, unsigned int order)
{
	/* DEBUG_VM's VM_BUG_ONs; refused and reported here, as a caller's mistake must not stop the machine */
	if (PageCompound(page) || !page_ref_count(page) || order >= MAX_ORDER || free_order_mismatch(page, order)) {
		if (PageCompound(page) || !page_ref_count(page) || order >= MAX_ORDER)
			bad_page(page, PageCompound(page) ? "VM_BUG_ON_PAGE(PageCompound(page))"
					 : order >= MAX_ORDER ? "split_page: order above MAX_ORDER-1"
							      : "VM_BUG_ON_PAGE(!page_count(page))");
		return;
	}
	for (unsigned long i = 1; i < (1UL << order); i++) {
		set_page_count(&page[i], 1);
		set_alloc_order(&page[i], 0);
	}
	set_alloc_order(page, 0);
}

static void *make_alloc_exact(unsigned long addr, unsigned int order, size_t size)
{
	if (addr) {
		unsigned long nr = DIV_ROUND_UP(size, PAGE_SIZE);
		struct page *page = virt_to_page((void *)addr);
		split_page(page, order);
		for (unsigned long i = nr; i < (1UL << order); i++)
			__free_pages(page + i, 0);
	}
	return (void *)addr;
}

void *alloc_pages_exact(size_t size, gfp_t gfp)
{
	/* size 0 and sizes beyond MAX_ORDER get an order __alloc_pages() refuses, as in Linux */
	unsigned int order = get_order(size);
	if (WARN_ON_ONCE_AT(gfp & (__GFP_COMP | __GFP_HIGHMEM), "mm/page_alloc.c:5930"))
		gfp &= ~(__GFP_COMP | __GFP_HIGHMEM);
	return make_alloc_exact(__get_free_pages(gfp, order), order, size);
}

void free_pages_exact(void *virt, size_t size)
{
	unsigned long addr = (unsigned long)virt, end = addr + ALIGN(size, PAGE_SIZE);
	for (; addr < end; addr += PAGE_SIZE)
		free_page(addr);
}

/* ---- per-CPU page counts; the boot's mem auto-init line ---------------------------- */


unsigned long zone_pcp_pages(const struct zone *zone)
{
	unsigned long n = 0;
	if (zone->pageset)
		for (int c = 0; c < M->nr_cpus; c++)
			n += (unsigned long)zone->pageset[c].count;
	return n;
}

/*
 * report_meminit(): what the kernel zeroes, said before "Memory:".  Stack
 * auto-init is the compiler's (Debian builds with INIT_STACK_ALL_ZERO);
 * kmm has no simulated stacks, so it reports the build's.  With
 * init_on_free Linux clears all memory at boot; kmm's simulated RAM is a
 * fresh memfd and reads as zeros already.
 */
void report_meminit(void)
{
	pr_info("mem auto-init: stack:all(zero), heap alloc:%s, heap free:%s\n", want_init_on_alloc(GFP_KERNEL) ? "on" : "off",
		want_init_on_free() ? "on" : "off");
	if (want_init_on_free())
		pr_info("mem auto-init: clearing system memory may take some time...\n");
}
