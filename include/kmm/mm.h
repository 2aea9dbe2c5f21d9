/*
 * kmm/mm.h - struct page helpers with Linux's names: pfn <-> page, zone
 * and node of a page, reference counts, compound pages, addresses.
 *
 * Addresses: page_address() of a lowmem page is a pointer into the direct
 * map that C code can dereference (the simulated kernel's virtual address
 * and the host pointer differ by a constant); a highmem page has none
 * (NULL) until it is kmapped.
 */
#ifndef KMM_MM_H
#define KMM_MM_H

#include <kmm/gfp.h>
#include <kmm/mm_types.h>
#include <kmm/mmzone.h>

extern struct page *mem_map;       /* mem_map[pfn] for every pfn of the machine */
extern unsigned long max_mapnr;    /* pfns mem_map covers */

static inline struct page *pfn_to_page(unsigned long pfn) { return mem_map + pfn; }
static inline unsigned long page_to_pfn(const struct page *page) { return (unsigned long)(page - mem_map); }
/*
 * page->flags may be read while another CPU holds the page's bit lock
 * (slab pages): readers load it relaxed-atomically, which costs nothing.
 */
static inline unsigned long page_flags(const struct page *p) { return __atomic_load_n(&p->flags, __ATOMIC_RELAXED); }
static inline enum zone_type page_zonenum(const struct page *p) { return (enum zone_type)((page_flags(p) >> ZONES_PGSHIFT) & ZONES_MASK); }
static inline int page_to_nid(const struct page *p) { return (int)((page_flags(p) >> NODES_PGSHIFT) & NODES_MASK); }
/* zone_table[node << ZONES_WIDTH | zone], filled at boot */
extern struct zone *zone_table[1 << (NODES_WIDTH + ZONES_WIDTH)];
static inline struct zone *page_zone(const struct page *p) { return zone_table[page_flags(p) >> ZONES_PGSHIFT]; }
bool pfn_valid(unsigned long pfn);
static inline phys_addr_t page_to_phys(const struct page *p) { return (phys_addr_t)page_to_pfn(p) << PAGE_SHIFT; }
/* a page of ZONE_HIGHMEM: no permanent kernel mapping */
static inline bool PageHighMem(const struct page *p) { return is_highmem_idx(page_zonenum(p)); }

/* set_bit/clear_bit: compaction's scanner reads a page's flags without any lock its owner holds */
#define PAGEFLAG_FNS(uname, lname)                                                                \
	static inline bool Page##uname(const struct page *p) { return page_flags(p) & (1UL << PG_##lname); } \
	static inline void SetPage##uname(struct page *p)                                          \
	{                                                                                          \
		__atomic_fetch_or(&p->flags, 1UL << PG_##lname, __ATOMIC_RELAXED);                 \
	}                                                                                          \
	static inline void ClearPage##uname(struct page *p)                                        \
	{                                                                                          \
		__atomic_fetch_and(&p->flags, ~(1UL << PG_##lname), __ATOMIC_RELAXED);             \
	}
PAGEFLAG_FNS(Reserved, reserved)
PAGEFLAG_FNS(Head, head)
PAGEFLAG_FNS(Slab, slab)
PAGEFLAG_FNS(Private, private)
#undef PAGEFLAG_FNS

/*
 * page_type shares its word with _mapcount: the buddy allocator reads it
 * of a neighbour it does not own (is my buddy free?) while that page's
 * mappers change _mapcount, so the load is relaxed-atomic.  A mapcount
 * never looks like PG_buddy, and a page becomes a buddy only under the
 * zone lock that reader holds.
 */
static inline bool PageBuddy(const struct page *p)
{
	return (__atomic_load_n(&p->page_type, __ATOMIC_RELAXED) & (PAGE_TYPE_BASE | PG_buddy)) == PAGE_TYPE_BASE;
}
/*
 * buddy_order_unsafe: the order of a page seen as PageBuddy without zone->lock (compaction's
 * scanners).  The block may be allocated meanwhile and its word reused (a new slab's counters
 * share it), so the value may be anything: callers check it against MAX_ORDER.  As 6.1's, a
 * racy read by design.
 */
static inline unsigned long buddy_order_unsafe(const struct page *p)
{
	return __atomic_load_n(&p->private, __ATOMIC_RELAXED);
}
/* writers hold the zone lock; compaction's scanner reads without it: whole stores, no locked RMW */
static inline void __SetPageBuddy(struct page *p)
{
	__atomic_store_n(&p->page_type, __atomic_load_n(&p->page_type, __ATOMIC_RELAXED) & ~PG_buddy, __ATOMIC_RELAXED);
}
static inline void __ClearPageBuddy(struct page *p)
{
	__atomic_store_n(&p->page_type, __atomic_load_n(&p->page_type, __ATOMIC_RELAXED) | PG_buddy, __ATOMIC_RELAXED);
}
static inline bool PageTable(const struct page *p) { return (p->page_type & (PAGE_TYPE_BASE | PG_table)) == PAGE_TYPE_BASE; }
/* a page-table page's type changes while other CPUs may read its word as a buddy's neighbour: atomic */
static inline void __SetPageTable(struct page *p) { __atomic_fetch_and(&p->page_type, ~PG_table, __ATOMIC_RELAXED); }
static inline void __ClearPageTable(struct page *p) { __atomic_fetch_or(&p->page_type, PG_table, __ATOMIC_RELAXED); }

static inline int page_ref_count(const struct page *p) { return __atomic_load_n(&p->_refcount, __ATOMIC_RELAXED); }
static inline void set_page_count(struct page *p, int v) { __atomic_store_n(&p->_refcount, v, __ATOMIC_RELAXED); }
static inline void page_ref_inc(struct page *p) { __atomic_add_fetch(&p->_refcount, 1, __ATOMIC_RELAXED); }
static inline int page_ref_dec_return(struct page *p) { return __atomic_sub_fetch(&p->_refcount, 1, __ATOMIC_ACQ_REL); }
static inline int page_mapcount(const struct page *p) { return __atomic_load_n(&p->_mapcount, __ATOMIC_RELAXED) + 1; }

/* Compound pages: the tail pages point at the head (bit 0 set). */
static inline bool PageTail(const struct page *p) { return __atomic_load_n(&p->compound_head, __ATOMIC_RELAXED) & 1; }
static inline bool PageCompound(const struct page *p) { return PageHead(p) || PageTail(p); }
static inline struct page *compound_head(const struct page *p)
{
	unsigned long head = __atomic_load_n(&p->compound_head, __ATOMIC_RELAXED);
	return (struct page *)(head & 1 ? head - 1 : (unsigned long)p);
}
static inline unsigned int compound_order(const struct page *p)
{
	return PageHead(p) ? p[1].compound_order : 0;
}

void get_page(struct page *page);
void put_page(struct page *page);

/*
 * Report an allocation failure (unless gfp has __GFP_NOWARN): "kmm: <fmt>,
 * mode:..., nodemask=(null)", the CPU and the Mem-Info dump, at most once
 * per 10 simulated seconds (Linux's nopage_rs), then how many were
 * suppressed.
 */
void warn_alloc(gfp_t gfp, const unsigned long *nodemask, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

void *page_address(const struct page *page);
struct page *virt_to_page(const void *addr);
bool virt_addr_valid(const void *addr);

#endif /* KMM_MM_H */
