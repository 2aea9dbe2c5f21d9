/*
 * kmm/pgtable.h - x86 page table entries and the kernel page table walk.
 * Entries are 64-bit values here whatever the profile's width (i386
 * stores 32-bit entries; the walk reads them as they are stored).
 */
#ifndef KMM_PGTABLE_H
#define KMM_PGTABLE_H

#include <kmm/types.h>

typedef u64 pteval_t;

#define _PAGE_PRESENT 0x001ULL
#define _PAGE_RW 0x002ULL
#define _PAGE_USER 0x004ULL
#define _PAGE_PWT 0x008ULL
#define _PAGE_PCD 0x010ULL
#define _PAGE_ACCESSED 0x020ULL
#define _PAGE_DIRTY 0x040ULL
#define _PAGE_PSE 0x080ULL
#define _PAGE_GLOBAL 0x100ULL
#define _PAGE_PROTNONE _PAGE_GLOBAL /* a user PTE of a PROT_NONE VMA: kept, not present (never global) */
#define _PAGE_NX (1ULL << 63)
#define PTE_PFN_MASK 0x000ffffffffff000ULL

#define _KERNPG_TABLE (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define __PAGE_KERNEL (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_GLOBAL | _PAGE_NX)
#define __PAGE_KERNEL_EXEC (__PAGE_KERNEL & ~_PAGE_NX)

enum pg_level { PG_LEVEL_NONE, PG_LEVEL_4K, PG_LEVEL_2M, PG_LEVEL_1G };
/* On i386 without PAE, PG_LEVEL_2M names the 4 MiB large page, as in Linux. */

/* The kernel page table entry mapping va and its level (PG_LEVEL_NONE: unmapped). */
pteval_t lookup_address(unsigned long va, unsigned int *level);
/* The physical address va maps to, by walking swapper_pg_dir. */
bool kernel_va_to_phys(unsigned long va, phys_addr_t *pa);
/* Map nr pages from pfn at the kernel address va with 4 KiB entries; -ENOMEM, or -EBUSY over a live entry. */
int kernel_map_pages(unsigned long va, unsigned long pfn, unsigned long nr, pteval_t prot);
/* The same for an array of pages (vmap_pages_range). */
struct page;
int kernel_map_page_array(unsigned long va, struct page **pages, unsigned long nr, pteval_t prot);
/* Unmap them; page-table pages that become empty go back to the buddy allocator. */
void kernel_unmap_pages(unsigned long va, unsigned long nr);
/* The same without the TLB flush; flush_tlb_kernel_range() then does one for many. */
void kernel_unmap_pages_noflush(unsigned long va, unsigned long nr);
void flush_tlb_kernel_range(unsigned long start, unsigned long end);
void flush_tlb_one_kernel(unsigned long va);

#endif /* KMM_PGTABLE_H */
