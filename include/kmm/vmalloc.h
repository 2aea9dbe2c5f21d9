/*
 * kmm/vmalloc.h - virtually contiguous kernel memory from scattered pages,
 * with Linux 6.1's API (include/linux/vmalloc.h).  The addresses returned
 * are host pointers into the vmalloc window: C code reads and writes them,
 * and the bytes are the pages' own (the same as through the direct map).
 */
#ifndef KMM_VMALLOC_H
#define KMM_VMALLOC_H

#include <kmm/gfp.h>
#include <kmm/mm_types.h>
#include <kmm/pgtable.h>

#define VM_IOREMAP 0x00000001UL
#define VM_ALLOC 0x00000002UL
#define VM_MAP 0x00000004UL
#define VM_USERMAP 0x00000008UL
#define VM_NO_GUARD 0x00000040UL
#define VM_ALLOW_HUGE_VMAP 0x00000400UL /* PMD-sized areas where the architecture maps them (vmalloc_huge) */

/* A busy area of the vmalloc space (Linux's struct vm_struct). */
struct vm_struct {
	void *addr;                /* its start, a host pointer into the vmalloc window */
	unsigned long size;        /* bytes, the guard page included */
	unsigned long flags;       /* VM_ALLOC, VM_MAP, VM_IOREMAP, VM_USERMAP ... */
	struct page **pages;       /* the pages (VM_ALLOC) */
	unsigned int nr_pages;
	phys_addr_t phys_addr;     /* ioremap: the first mapped physical byte */
	unsigned int memtype;      /* ioremap: the cache mode (arch/ioremap.c) */
	const void *caller;        /* who asked, for vmallocinfo */
};

void *vmalloc(unsigned long size);
void *vzalloc(unsigned long size);
void *vmalloc_node(unsigned long size, int node);
void *vmalloc_32(unsigned long size);
void *vmalloc_user(unsigned long size);
void *__vmalloc(unsigned long size, gfp_t gfp);
/*
 * As Linux 6.1: an area whose start is aligned to `align` (a power of
 * two; a smaller one than a page means a page), its pages from `node`
 * (NUMA_NO_NODE: any), `caller` shown in vmallocinfo.  NULL with 6.1's
 * "vmalloc error" warning (unless __GFP_NOWARN) on failure.
 */
void *__vmalloc_node(unsigned long size, unsigned long align, gfp_t gfp_mask, int node, const void *caller);
/* vmalloc with VM_ALLOW_HUGE_VMAP: on x86_64 a request of at least 2 MiB is PMD-aligned and PMD-sized. */
void *vmalloc_huge(unsigned long size, gfp_t gfp_mask);
void vfree(const void *addr);
void *vmap(struct page **pages, unsigned int count, unsigned long flags, pteval_t prot);
void vunmap(const void *addr);
struct page *vmalloc_to_page(const void *addr);
unsigned long vmalloc_to_pfn(const void *addr);
bool is_vmalloc_addr(const void *addr);
/* Reserve an area (and its guard page) without mapping anything; free_vm_area() gives it back. */
struct vm_struct *get_vm_area(unsigned long size, unsigned long flags);
struct vm_struct *get_vm_area_caller(unsigned long size, unsigned long flags, const void *caller);
struct vm_struct *find_vm_area(const void *addr);
void free_vm_area(struct vm_struct *area);
/* Free lazily unmapped areas now (Linux's purge, with one TLB flush). */
void vm_unmap_aliases(void);

#endif /* KMM_VMALLOC_H */
