/*
 * kmm/gfp.h - get-free-page flags and the page allocator's API, with
 * Linux 6.1's bit values (include/linux/gfp_types.h) and signatures.
 *
 * Zone modifiers pick the highest zone an allocation may use (gfp_zone()):
 *   none -> ZONE_NORMAL, __GFP_DMA -> ZONE_DMA, __GFP_DMA32 -> ZONE_DMA32,
 *   __GFP_HIGHMEM -> ZONE_HIGHMEM, __GFP_HIGHMEM|__GFP_MOVABLE -> ZONE_MOVABLE.
 * Mobility: __GFP_MOVABLE / __GFP_RECLAIMABLE choose the migrate type.
 * Watermarks: __GFP_HIGH and __GFP_ATOMIC may dig into the reserves below
 * the min watermark; __GFP_DIRECT_RECLAIM means the caller may sleep.
 */
#ifndef KMM_GFP_H
#define KMM_GFP_H

#include <kmm/mm_types.h>
#include <kmm/types.h>

typedef unsigned int gfp_t;

#define ___GFP_DMA 0x01u
#define ___GFP_HIGHMEM 0x02u
#define ___GFP_DMA32 0x04u
#define ___GFP_MOVABLE 0x08u
#define ___GFP_RECLAIMABLE 0x10u
#define ___GFP_HIGH 0x20u
#define ___GFP_IO 0x40u
#define ___GFP_FS 0x80u
#define ___GFP_ZERO 0x100u
#define ___GFP_ATOMIC 0x200u
#define ___GFP_DIRECT_RECLAIM 0x400u
#define ___GFP_KSWAPD_RECLAIM 0x800u
#define ___GFP_WRITE 0x1000u
#define ___GFP_NOWARN 0x2000u
#define ___GFP_RETRY_MAYFAIL 0x4000u
#define ___GFP_NOFAIL 0x8000u
#define ___GFP_NORETRY 0x10000u
#define ___GFP_MEMALLOC 0x20000u
#define ___GFP_COMP 0x40000u
#define ___GFP_NOMEMALLOC 0x80000u
#define ___GFP_HARDWALL 0x100000u
#define ___GFP_THISNODE 0x200000u
#define ___GFP_ACCOUNT 0x400000u
#define ___GFP_ZEROTAGS 0x800000u
#define __GFP_BITS_SHIFT 27
#define __GFP_BITS_MASK ((gfp_t)((1u << __GFP_BITS_SHIFT) - 1))

#define __GFP_DMA ((gfp_t)___GFP_DMA)
#define __GFP_HIGHMEM ((gfp_t)___GFP_HIGHMEM)
#define __GFP_DMA32 ((gfp_t)___GFP_DMA32)
#define __GFP_MOVABLE ((gfp_t)___GFP_MOVABLE)
#define GFP_ZONEMASK (__GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE)
#define __GFP_RECLAIMABLE ((gfp_t)___GFP_RECLAIMABLE)
#define __GFP_WRITE ((gfp_t)___GFP_WRITE)
#define __GFP_HARDWALL ((gfp_t)___GFP_HARDWALL)
#define __GFP_THISNODE ((gfp_t)___GFP_THISNODE)
#define __GFP_ACCOUNT ((gfp_t)___GFP_ACCOUNT)
#define __GFP_ATOMIC ((gfp_t)___GFP_ATOMIC)
#define __GFP_HIGH ((gfp_t)___GFP_HIGH)
#define __GFP_MEMALLOC ((gfp_t)___GFP_MEMALLOC)
#define __GFP_NOMEMALLOC ((gfp_t)___GFP_NOMEMALLOC)
#define __GFP_IO ((gfp_t)___GFP_IO)
#define __GFP_FS ((gfp_t)___GFP_FS)
#define __GFP_DIRECT_RECLAIM ((gfp_t)___GFP_DIRECT_RECLAIM)
#define __GFP_KSWAPD_RECLAIM ((gfp_t)___GFP_KSWAPD_RECLAIM)
#define __GFP_RECLAIM ((gfp_t)(___GFP_DIRECT_RECLAIM | ___GFP_KSWAPD_RECLAIM))
#define __GFP_RETRY_MAYFAIL ((gfp_t)___GFP_RETRY_MAYFAIL)
#define __GFP_NOFAIL ((gfp_t)___GFP_NOFAIL)
#define __GFP_NORETRY ((gfp_t)___GFP_NORETRY)
#define __GFP_NOWARN ((gfp_t)___GFP_NOWARN)
#define __GFP_COMP ((gfp_t)___GFP_COMP)
#define __GFP_ZERO ((gfp_t)___GFP_ZERO)
#define __GFP_ZEROTAGS ((gfp_t)___GFP_ZEROTAGS)

#define GFP_ATOMIC (__GFP_HIGH | __GFP_ATOMIC | __GFP_KSWAPD_RECLAIM)
#define GFP_KERNEL (__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_KERNEL_ACCOUNT (GFP_KERNEL | __GFP_ACCOUNT)
#define GFP_NOWAIT (__GFP_KSWAPD_RECLAIM)
#define GFP_NOIO (__GFP_RECLAIM)
#define GFP_NOFS (__GFP_RECLAIM | __GFP_IO)
#define GFP_USER (__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL)
#define GFP_DMA __GFP_DMA
#define GFP_DMA32 __GFP_DMA32
#define GFP_HIGHUSER (GFP_USER | __GFP_HIGHMEM)
#define GFP_HIGHUSER_MOVABLE (GFP_HIGHUSER | __GFP_MOVABLE)
#define GFP_TRANSHUGE_LIGHT ((GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM)
#define GFP_TRANSHUGE (GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM)

#define PAGE_ALLOC_COSTLY_ORDER 3

/* Allocation: NULL (or 0) when it fails. */
struct page *__alloc_pages(gfp_t gfp, unsigned int order, int preferred_nid, const unsigned long *nodemask);
static inline struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	return __alloc_pages(gfp, order, 0, (const unsigned long *)0);
}
struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned int order);
#define alloc_page(gfp) alloc_pages(gfp, 0)
unsigned long __get_free_pages(gfp_t gfp, unsigned int order);
#define __get_free_page(gfp) __get_free_pages((gfp), 0)
unsigned long get_zeroed_page(gfp_t gfp);
/*
 * The order of the smallest block that holds size bytes, for every size:
 * get_order(PAGE_SIZE) = 0, get_order(PAGE_SIZE + 1) = 1, and sizes too
 * big for any block (above 2^(MAX_ORDER-1) pages, up to ULONG_MAX) give
 * orders >= MAX_ORDER, which the allocator refuses - never a loop that
 * cannot end.  get_order(0) is BITS_PER_LONG - PAGE_SHIFT, as Linux's.
 */
static inline unsigned int get_order(unsigned long size)
{
	size = (size - 1) >> PAGE_SHIFT;
	return size ? (unsigned int)(64 - __builtin_clzl(size)) : 0;
}
void *alloc_pages_exact(size_t size, gfp_t gfp);
void free_pages_exact(void *virt, size_t size);

/* Freeing. */
void __free_pages(struct page *page, unsigned int order);
#define __free_page(page) __free_pages((page), 0)
void free_pages(unsigned long addr, unsigned int order);
#define free_page(addr) free_pages((addr), 0)
void split_page(struct page *page, unsigned int order);

/* Every CPU's per-CPU lists back to the buddy lists (zone NULL: all zones). */
struct zone;
void drain_all_pages(struct zone *zone);
void drain_local_pages(struct zone *zone);

/* The zone type a gfp mask allocates from at most. */
int gfp_zone(gfp_t flags);
/* The migrate type a gfp mask allocates from; -EINVAL for __GFP_MOVABLE with __GFP_RECLAIMABLE. */
int gfp_migratetype(gfp_t flags);
/* "GFP_KERNEL|__GFP_ZERO": the names Linux prints for a mask (%pGg). */
void gfp_flags_name(gfp_t flags, char *buf, size_t len);
/*
 * The reverse, for scripts and traces: len bytes of "GFP_KERNEL|__GFP_ZERO",
 * "0xcc0", "GFP_NOFS|0x100000" or "none" (s need not be NUL-terminated) to
 * a mask.  Also read: __GFP_DMA, __GFP_DMA32, and names of later kernels'
 * bits that change nothing here (__GFP_SKIP_KASAN, __GFP_NOLOCKDEP, ...),
 * which are dropped.  0; -EINVAL with *bad at the first name it does not know.
 */
int gfp_flags_parse(const char *s, size_t len, gfp_t *out, const char **bad);

#endif /* KMM_GFP_H */
