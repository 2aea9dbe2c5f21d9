/*
 * kmm/highmem.h - kernel mappings of high memory, with Linux 6.1's API
 * (include/linux/highmem.h).  On a 32-bit machine a HighMem page has no
 * address in the direct map; these give it one for a while.  A lowmem page
 * maps to its direct-map address and uses no slot.  The pointers returned
 * are host pointers into the PKMAP or FIXMAP window, aliases of the page's
 * own bytes.
 */
#ifndef KMM_HIGHMEM_H
#define KMM_HIGHMEM_H

#include <kmm/mm_types.h>

#define KM_MAX_IDX 16 /* kmap_local/kmap_atomic slots per CPU */

/* Long-lived, may sleep until a PKMAP entry is free. */
void *kmap(struct page *page);
void kunmap(struct page *page);
void *kmap_high(struct page *page);
void kunmap_high(struct page *page);
/* Drop the mappings nobody holds any more (one TLB flush). */
void kmap_flush_unused(void);

/* Short-lived, per CPU, in a stack: unmap in the reverse order. */
void *kmap_local_page(struct page *page);
void kunmap_local(const void *addr);
void *kmap_atomic(struct page *page);
void kunmap_atomic(const void *addr);

/*
 * The interface of Linux 2.6 that textbooks describe: a fixed slot per use
 * (KM_USER0 ...) on each CPU, in the same FIXMAP area.  Each slot holds one
 * mapping; a slot the kmap_local stack is using, or one already in use, is
 * refused.  Do not mix it with kmap_local on one CPU at the same time.
 */
enum km_type {
	KM_BOUNCE_READ, KM_SKB_SUNRPC_DATA, KM_SKB_DATA_SOFTIRQ, KM_USER0, KM_USER1, KM_BIO_SRC_IRQ,
	KM_BIO_DST_IRQ, KM_PTE0, KM_PTE1, KM_IRQ0, KM_IRQ1, KM_SOFTIRQ0, KM_SOFTIRQ1, KM_TYPE_NR
};
void *kmap_atomic_type(struct page *page, enum km_type type);
void kunmap_atomic_type(const void *addr, enum km_type type);

#endif /* KMM_HIGHMEM_H */
