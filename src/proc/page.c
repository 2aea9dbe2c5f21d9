/*
 * page.c - /proc/kpageflags and /proc/kpagecount, as Linux 6.1's
 * fs/proc/page.c: one 64-bit entry per page frame, read at offset pfn * 8
 * (Documentation/admin-guide/mm/pagemap.rst), up to the last pfn of RAM
 * (rounded up to a memory section where the profile is SPARSEMEM).
 *
 * kpagecount is the frame's mapcount: the PTEs that map it (0 for a hole,
 * a slab page or a page with a type - buddy, page table).  kpageflags is
 * stable_page_flags(): the KPF_* bits of the uapi header, made from the
 * struct page as Linux makes them -
 *
 *   NOPAGE      no struct page (a hole between memory sections)
 *   MMAP, ANON  mapped by a PTE; an anonymous page (page->mapping bit 0)
 *   COMPOUND_HEAD/_TAIL  a high-order allocation's first / other pages
 *   ZERO_PAGE   the shared zero page
 *   BUDDY       free in the buddy allocator: the first page of a free
 *               block (PageBuddy) or any page inside one
 *   PGTABLE     a page-table page
 *   and the PG_ bits copied: LOCKED ERROR REFERENCED UPTODATE DIRTY LRU
 *   ACTIVE SLAB (also a slab's tail pages) WRITEBACK RECLAIM SWAPBACKED
 *   UNEVICTABLE MLOCKED RESERVED MAPPEDTODISK PRIVATE PRIVATE_2
 *   OWNER_PRIVATE ARCH, SWAPCACHE (swapbacked with owner_priv_1)
 *
 * Bits of things kmm does not have stay clear, as on a Linux machine that
 * has none of them: KSM, HUGE (hugetlbfs), THP (user memory is never
 * huge), HWPOISON, OFFLINE, IDLE (no CONFIG_IDLE_PAGE_TRACKING in
 * Debian's build), ARCH_2.
 *
 * Telling a page inside a free block from an allocated one means finding
 * the block's first page: that is done under zone->lock, so a merge or
 * split is never seen half way (Linux reads it unlocked and may be wrong).
 */
#include "internal.h"

#define KPMSIZE 8

enum {
	KPF_LOCKED = 0, KPF_ERROR = 1, KPF_REFERENCED = 2, KPF_UPTODATE = 3, KPF_DIRTY = 4, KPF_LRU = 5,
	KPF_ACTIVE = 6, KPF_SLAB = 7, KPF_WRITEBACK = 8, KPF_RECLAIM = 9, KPF_BUDDY = 10, KPF_MMAP = 11,
	KPF_ANON = 12, KPF_SWAPCACHE = 13, KPF_SWAPBACKED = 14, KPF_COMPOUND_HEAD = 15, KPF_COMPOUND_TAIL = 16,
	KPF_HUGE = 17, KPF_UNEVICTABLE = 18, KPF_HWPOISON = 19, KPF_NOPAGE = 20, KPF_KSM = 21, KPF_THP = 22,
	KPF_OFFLINE = 23, KPF_ZERO_PAGE = 24, KPF_IDLE = 25, KPF_PGTABLE = 26,
	/* the kernel-internal ones (include/linux/kernel-page-flags.h) */
	KPF_RESERVED = 32, KPF_MLOCKED = 33, KPF_MAPPEDTODISK = 34, KPF_PRIVATE = 35, KPF_PRIVATE_2 = 36,
	KPF_OWNER_PRIVATE = 37, KPF_ARCH = 38,
};

/* get_max_dump_pfn() */
static unsigned long max_dump_pfn(void)
{
	if (M->prof->flatmem)
		return M->max_pfn;
	return ALIGN(M->max_pfn, 1UL << (M->prof->section_size_bits - PAGE_SHIFT));
}

u64 kpage_dump_size(void)
{
	return (u64)max_dump_pfn() * KPMSIZE;
}

/* page_has_type(): a buddy or page-table page keeps its type where the mapcount would be */
static bool page_has_type(const struct page *page)
{
	return (int)__atomic_load_n(&page->page_type, __ATOMIC_RELAXED) < -128; /* PAGE_MAPCOUNT_RESERVE */
}

/*
 * The page's type and mapping, read once and relaxed: a fault on another
 * CPU may be setting them (Linux reads them as racily - the flags are a
 * snapshot of pages in use).
 */
static bool page_table_relaxed(const struct page *page)
{
	return (__atomic_load_n(&page->page_type, __ATOMIC_RELAXED) & (PAGE_TYPE_BASE | PG_table)) == PAGE_TYPE_BASE;
}

static bool page_anon_relaxed(const struct page *page)
{
	return (unsigned long)__atomic_load_n(&page->mapping, __ATOMIC_RELAXED) & 1;
}

/* is_free_buddy_page(): inside a free block of some order; zone->lock held. */
static bool is_free_buddy_page(const struct page *page)
{
	unsigned long pfn = page_to_pfn(page);
	for (unsigned int order = 0; order < MAX_ORDER; order++) {
		const struct page *head = page - (pfn & ((1UL << order) - 1));
		if (PageBuddy(head) && head->private >= order)
			return true;
	}
	return false;
}

static u64 kpf_copy_bit(unsigned long flags, int ubit, int kbit)
{
	return (u64)((flags >> kbit) & 1) << ubit;
}

/* stable_page_flags() */
static u64 stable_page_flags(unsigned long pfn)
{
	if (!pfn_valid(pfn))
		return 1ULL << KPF_NOPAGE;
	struct page *page = pfn_to_page(pfn);
	unsigned long k = page_flags(page);
	u64 u = 0;
	if (!PageSlab(page) && !page_has_type(page) && page_mapcount(page) > 0)
		u |= 1ULL << KPF_MMAP;
	if (!PageSlab(page) && !PageTail(page) && page_anon_relaxed(page))
		u |= 1ULL << KPF_ANON;
	if (PageHead(page))
		u |= 1ULL << KPF_COMPOUND_HEAD;
	if (PageTail(page))
		u |= 1ULL << KPF_COMPOUND_TAIL;
	if (pfn == zero_pfn())
		u |= 1ULL << KPF_ZERO_PAGE;
	if (PageBuddy(page)) {
		u |= 1ULL << KPF_BUDDY;
	} else if (page_ref_count(page) == 0) {
		struct zone *zone = page_zone(page);
		pthread_mutex_lock(&zone->lock);
		if (is_free_buddy_page(page))
			u |= 1ULL << KPF_BUDDY;
		pthread_mutex_unlock(&zone->lock);
	}
	if (page_table_relaxed(page))
		u |= 1ULL << KPF_PGTABLE;
	u |= kpf_copy_bit(k, KPF_LOCKED, PG_locked);
	u |= kpf_copy_bit(k, KPF_SLAB, PG_slab);
	if (PageTail(page) && PageSlab(compound_head(page)))
		u |= 1ULL << KPF_SLAB;
	u |= kpf_copy_bit(k, KPF_ERROR, PG_error);
	u |= kpf_copy_bit(k, KPF_DIRTY, PG_dirty);
	u |= kpf_copy_bit(k, KPF_UPTODATE, PG_uptodate);
	u |= kpf_copy_bit(k, KPF_WRITEBACK, PG_writeback);
	u |= kpf_copy_bit(k, KPF_LRU, PG_lru);
	u |= kpf_copy_bit(k, KPF_REFERENCED, PG_referenced);
	u |= kpf_copy_bit(k, KPF_ACTIVE, PG_active);
	u |= kpf_copy_bit(k, KPF_RECLAIM, PG_reclaim);
	if ((k & (1UL << PG_swapbacked)) && (k & (1UL << PG_owner_priv_1))) /* PageSwapCache: PG_swapcache is owner_priv_1 */
		u |= 1ULL << KPF_SWAPCACHE;
	u |= kpf_copy_bit(k, KPF_SWAPBACKED, PG_swapbacked);
	u |= kpf_copy_bit(k, KPF_UNEVICTABLE, PG_unevictable);
	u |= kpf_copy_bit(k, KPF_MLOCKED, PG_mlocked);
	u |= kpf_copy_bit(k, KPF_RESERVED, PG_reserved);
	u |= kpf_copy_bit(k, KPF_MAPPEDTODISK, PG_mappedtodisk);
	u |= kpf_copy_bit(k, KPF_PRIVATE, PG_private);
	u |= kpf_copy_bit(k, KPF_PRIVATE_2, PG_private_2);
	u |= kpf_copy_bit(k, KPF_OWNER_PRIVATE, PG_owner_priv_1);
	u |= kpf_copy_bit(k, KPF_ARCH, PG_arch_1);
	return u;
}

/* kpagecount: the mapcount, 0 for holes, slab pages and typed pages. */
static u64 kpage_count(unsigned long pfn)
{
	if (!pfn_valid(pfn))
		return 0;
	const struct page *page = pfn_to_page(pfn);
	if (PageSlab(page) || page_has_type(page))
		return 0;
	int n = page_mapcount(page);
	return n > 0 ? (u64)n : 0;
}

/* The common read: offset and count multiples of 8 (-EINVAL), entries up to max_dump_pfn, 0 at the end. */
static long kpage_read(void *buf, size_t count, u64 off, u64 (*entry)(unsigned long pfn))
{
	if (off % KPMSIZE || count % KPMSIZE)
		return -EINVAL;
	u64 end = kpage_dump_size();
	if (off >= end)
		return 0;
	count = (size_t)min((u64)count, end - off);
	u64 *out = buf;
	unsigned long pfn = (unsigned long)(off / KPMSIZE);
	for (size_t i = 0; i < count / KPMSIZE; i++)
		out[i] = entry(pfn + i);
	return (long)count;
}

long kpageflags_read(void *buf, size_t count, u64 off)
{
	return kpage_read(buf, count, off, stable_page_flags);
}

long kpagecount_read(void *buf, size_t count, u64 off)
{
	return kpage_read(buf, count, off, kpage_count);
}
