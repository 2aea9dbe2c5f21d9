/*
 * mm/page_alloc.h - what the buddy allocator's files share (as 6.1's
 * mm/internal.h does for them): how a free block, a per-CPU list index and
 * an allocation's order are read off struct page.  page_alloc.c owns the
 * free lists; debug.c's zone_verify() checks them with these same rules.
 */
#ifndef KMM_MM_PAGE_ALLOC_H
#define KMM_MM_PAGE_ALLOC_H

#include "internal.h"

static inline bool page_is_buddy(const struct page *buddy, unsigned int order)
{
	return PageBuddy(buddy) && buddy->private == order;
}

static inline bool migratetype_is_mergeable(int mt)
{
	return mt < MIGRATE_PCPTYPES;
}

/* the per-CPU lists: one per migrate type for each order up to PAGE_ALLOC_COSTLY_ORDER, then one for pageblock-order blocks */
static inline int order_to_pindex(int mt, unsigned int order)
{
	if (order > PAGE_ALLOC_COSTLY_ORDER)
		return NR_LOWORDER_PCP_LISTS;
	return MIGRATE_PCPTYPES * (int)order + mt;
}

static inline unsigned int pindex_to_order(int pindex)
{
	if (pindex == NR_LOWORDER_PCP_LISTS)
		return (unsigned)M->prof->pageblock_order;
	return (unsigned)(pindex / MIGRATE_PCPTYPES);
}

/*
 * The order of an allocated block is kept in its head's flags (bits the
 * page flags leave free), so a free with the wrong order is caught, and
 * the validator knows which pages belong to a block.
 */
#define ALLOC_ORDER_SHIFT 24
#define ALLOC_ORDER_MASK (0xfUL << ALLOC_ORDER_SHIFT)

/* flags are read without a reference by pfn walkers (compaction's scanner): whole stores */
static inline void set_alloc_order(struct page *page, unsigned int order)
{
	unsigned long f = __atomic_load_n(&page->flags, __ATOMIC_RELAXED);
	__atomic_store_n(&page->flags, (f & ~ALLOC_ORDER_MASK) | ((unsigned long)(order + 1) << ALLOC_ORDER_SHIFT),
			 __ATOMIC_RELAXED);
}

static inline int get_alloc_order(const struct page *page)
{
	return (int)((page->flags & ALLOC_ORDER_MASK) >> ALLOC_ORDER_SHIFT) - 1;
}

#endif /* KMM_MM_PAGE_ALLOC_H */
