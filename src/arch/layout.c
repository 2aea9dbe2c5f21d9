/*
 * layout.c - the simulated kernel's virtual address layout, computed the way
 * arch/x86/include/asm/pgtable_32_areas.h and fixmap.h define it.
 *
 * i386 (3G/1G split), top of the address space downwards:
 *
 *   FIXADDR_TOP       0xfffff000   fixmap: permanent slots, then per-CPU
 *                                  kmap_atomic slots (KM_MAX_IDX each),
 *   FIXADDR_START                  then the boot-time (btmap) slots
 *   FIXADDR_TOT_START
 *                                  read-only IDT page + NR_CPUS cpu_entry_areas
 *   CPU_ENTRY_AREA_BASE            (PMD aligned)
 *   LDT_BASE_ADDR                  one PMD for the LDT remap
 *   PKMAP_BASE                     LAST_PKMAP pages for kmap()
 *   VMALLOC_END       = PKMAP_BASE - 2 pages
 *   VMALLOC_START     = high_memory + VMALLOC_OFFSET (8 MiB gap)
 *   high_memory       = PAGE_OFFSET + lowmem bytes
 *   PAGE_OFFSET       0xc0000000   direct map of lowmem
 *
 * MAXMEM = VMALLOC_END - PAGE_OFFSET - __VMALLOC_RESERVE is how much RAM the
 * direct map can cover: that is where the famous ~896 MiB line comes from,
 * and why vmalloc= moves it.  Every constant below is a configuration value
 * of the simulated kernel (NR_CPUS, KM_MAX_IDX, MAX_IO_APICS, the size of
 * struct cpu_entry_area); the addresses are derived from them.
 *
 * x86_64 uses its fixed 4-level layout (direct map at 0xffff888000000000,
 * vmalloc at 0xffffc90000000000 up to VMALLOC_END 0xffffe8ffffffffff - an
 * inclusive address in Linux's definition, used as an exclusive bound -
 * vmemmap at 0xffffea0000000000).
 *
 * arm64 (48-bit VA, 4 KiB pages; arch/arm64/include/asm/memory.h), from
 * the bottom of the kernel half (TTBR1) upwards:
 *
 *   PAGE_OFFSET       0xffff000000000000   linear map of all RAM, 128 TiB;
 *                                          PAGE_OFFSET maps PHYS_OFFSET
 *   MODULES_VADDR     0xffff800000000000   _PAGE_END(48): modules, 128 MiB
 *   KIMAGE_VADDR      0xffff800008000000   the kernel image (= MODULES_END)
 *   VMALLOC_START     = MODULES_END        vmalloc up to VMEMMAP_START - 256 MiB
 *   FIXADDR_TOP       = VMEMMAP_START - 32 MiB   fixmap below it
 *   PCI_IO_START      = VMEMMAP_START - 24 MiB   16 MiB of PCI I/O space
 *   VMEMMAP_START     0xfffffc0000000000   struct pages of the linear map, 2 TiB
 *
 * 32-bit ARM (arch/arm/include/asm/{memory,highmem,fixmap,pgtable}.h),
 * VMSPLIT_3G, top down:
 *
 *   FIXADDR_END       0xfff00000   (the vectors page is at 0xffff0000)
 *   FIXADDR_TOP       0xffeff000   fixmap: FIX_EARLYCON_MEM_BASE, then
 *                                  KM_MAX_IDX kmap_local slots per CPU
 *   FIXADDR_START     0xffc80000
 *   VMALLOC_END       0xff800000
 *   VMALLOC_START     = high_memory + VMALLOC_OFFSET (8 MiB)
 *   high_memory       = __va(arm_lowmem_limit): lowmem ends where a
 *                       vmalloc area of vmalloc_size (240 MiB, vmalloc=)
 *                       still fits: VMALLOC_END - vmalloc_size - 8 MiB
 *   PAGE_OFFSET       0xc0000000   maps PHYS_OFFSET, the start of RAM
 *   PKMAP_BASE        PAGE_OFFSET - PMD_SIZE: LAST_PKMAP (512) pages
 *   MODULES_VADDR     PAGE_OFFSET - 16 MiB  (= TASK_SIZE), up to PKMAP_BASE
 *
 * As on arm64, kmm's page_offset is PAGE_OFFSET - PHYS_OFFSET and
 * linear_base is Linux's PAGE_OFFSET.  6.1 prints no layout on ARM.
 *
 * PHYS_OFFSET (memstart_addr) is the start of RAM rounded down to 1 GiB,
 * so the linear map does not start at physical 0 as x86's direct map does.
 * kmm's page_offset is PAGE_OFFSET - PHYS_OFFSET: __va(pa) is then
 * page_offset + pa on every profile.  6.1 prints no layout table on
 * arm64; the kmm/layout view shows these windows.
 */
#include "internal.h"

#define VMALLOC_OFFSET (8UL << 20)
#include <kmm/highmem.h> /* KM_MAX_IDX */
#define MAX_IO_APICS 64
#define NR_FIX_BTMAPS 64
#define FIX_BTMAPS_SLOTS 8
#define TOTAL_FIX_BTMAPS (NR_FIX_BTMAPS * FIX_BTMAPS_SLOTS)
#define CPU_ENTRY_AREA_SIZE_PAGES 43  /* sizeof(struct cpu_entry_area) on i386: gdt, guards,
					 entry stack, doublefault stack, TSS+io bitmap (5),
					 debug store (1), BTS/PEBS buffers (32) */

/* enum fixed_addresses on i386: how many slots come before the btmap. */
static unsigned long fix_permanent_slots(int nr_cpus)
{
	unsigned long idx = 0;
	idx += 3;                              /* FIX_HOLE, FIX_DBGP_BASE, FIX_EARLYCON_MEM_BASE */
	idx += 1;                              /* FIX_APIC_BASE */
	idx += MAX_IO_APICS;                   /* FIX_IO_APIC_BASE_0.. */
	idx += (unsigned long)KM_MAX_IDX * nr_cpus; /* FIX_KMAP_BEGIN..FIX_KMAP_END */
	idx += 1;                              /* FIX_PCIE_MCFG */
	idx += 2;                              /* FIX_APEI_GHES_IRQ, FIX_APEI_GHES_NMI */
	return idx;                            /* __end_of_permanent_fixed_addresses */
}

static unsigned long fix_total_slots(unsigned long permanent, unsigned long ptrs_per_pte, unsigned long *btmap_begin_out)
{
	unsigned long p = permanent, btmap_end;
	/* The boot-time slots must not cross a page-table page. */
	if ((p ^ (p + TOTAL_FIX_BTMAPS - 1)) & -ptrs_per_pte)
		btmap_end = p + TOTAL_FIX_BTMAPS - (p & (TOTAL_FIX_BTMAPS - 1));
	else
		btmap_end = p;
	unsigned long btmap_begin = btmap_end + TOTAL_FIX_BTMAPS - 1;
	*btmap_begin_out = btmap_begin;
	return btmap_begin + 1 /* FIX_WP_TEST */ + 1 /* FIX_TBOOT_BASE */ + 1;
}

void layout_compute_fixed(void)
{
	const struct kmm_profile *prof = M->prof;
	struct kmm_layout *l = &M->layout;

	l->page_offset = prof->page_offset;
	if (prof->arch == KMM_ARCH_ARM64) {
		const unsigned long va_bits = 48, vmemmap_shift = PAGE_SHIFT - 6; /* STRUCT_PAGE_MAX_SHIFT */
		l->linear_base = prof->page_offset;                       /* -(1 << VA_BITS) */
		l->page_offset = l->linear_base - l->phys_offset;        /* phys_offset: arm64_memblock_init */
		l->modules_vaddr = -(1UL << (va_bits - 1));               /* _PAGE_END(VA_BITS_MIN) */
		l->modules_end = l->modules_vaddr + (128UL << 20);        /* MODULES_VSIZE */
		l->kimage_vaddr = l->modules_end;
		l->vmalloc_start = l->modules_end;
		l->vmemmap_base = -(1UL << (va_bits - vmemmap_shift));    /* VMEMMAP_START */
		l->vmemmap_end = l->vmemmap_base + ((1UL << (va_bits - 1)) >> vmemmap_shift);
		l->vmalloc_end = l->vmemmap_base - (256UL << 20);
		l->pci_io_end = l->vmemmap_base - (8UL << 20);
		l->pci_io_start = l->pci_io_end - (16UL << 20);
		l->fixaddr_top = l->vmemmap_base - (32UL << 20);
		/*
		 * enum fixed_addresses of Debian's build: FIX_HOLE, the FDT's 4 MiB
		 * (MAX_FDT_SIZE + 2 MiB), EARLYCON, TEXT_POKE0, four GHES slots (APEI
		 * and SDEI), four entry trampoline pages: FIXADDR_SIZE; then the
		 * boot-time btmap slots (7 of 65 pages) and FIX_PTE..FIX_PGD.
		 */
		l->fixaddr_size = (1 + 1024 + 1 + 1 + 4 + 4) << PAGE_SHIFT;
		l->fixaddr_start = l->fixaddr_top - l->fixaddr_size;
		l->fixaddr_tot_start = l->fixaddr_start - ((65 * 7 + 4) << PAGE_SHIFT);
		/* vmemmap is indexed by pfn: struct page of pfn at VMEMMAP_START + (pfn - PHYS_PFN_OFFSET) * 64 */
		l->vmemmap_base -= (l->phys_offset >> PAGE_SHIFT) * prof->struct_page_size;
		l->maxmem = (1UL << (va_bits - 1)); /* the linear region: PAGE_END - PAGE_OFFSET */
		return;
	}
	if (prof->arch == KMM_ARCH_ARM) {
		const unsigned long pmd_size = 1UL << prof->pmd_shift;
		l->linear_base = prof->page_offset;
		l->page_offset = l->linear_base - l->phys_offset; /* phys_offset: setup_arm.c, the start of RAM */
		l->vmalloc_end = 0xff800000UL;
		if (!l->vmalloc_reserve)
			l->vmalloc_reserve = 240UL << 20;         /* vmalloc_size */
		l->maxmem = l->vmalloc_end - l->vmalloc_reserve - VMALLOC_OFFSET - l->linear_base;
		l->pkmap_base = l->linear_base - pmd_size;
		l->modules_vaddr = l->linear_base - (16UL << 20);
		l->modules_end = l->pkmap_base;
		l->fixaddr_start = 0xffc80000UL;
		l->fixaddr_top = 0xfff00000UL - PAGE_SIZE;
		l->fixaddr_tot_start = l->fixaddr_start;
		l->fixaddr_size = l->fixaddr_top + PAGE_SIZE - l->fixaddr_start;
		l->fix_kmap_begin = 1;                             /* after FIX_EARLYCON_MEM_BASE */
		l->fix_btmap_begin = l->fixaddr_top - ((1UL + 32 * 7 - 1) << PAGE_SHIFT); /* NR_FIX_BTMAPS * SLOTS */
		return;
	}
	if (prof->bits == 64) {
		l->fixaddr_top = 0xffffffffff7ff000UL;
		l->vmalloc_start = 0xffffc90000000000UL;
		/*
		 * VMALLOC_START + 32 TiB - 1: Linux defines VMALLOC_END as the
		 * last byte, yet its vmalloc uses it as the exclusive bound, so
		 * VmallocTotal is one byte short of 32 TiB.
		 */
		l->vmalloc_end = 0xffffe8ffffffffffUL;
		l->vmemmap_base = 0xffffea0000000000UL;
		l->maxmem = (unsigned long)prof->max_arch_pfn << PAGE_SHIFT;
		return;
	}

	unsigned long pmd_mask = ~((1UL << prof->pmd_shift) - 1);
	unsigned long ptrs_per_pte = prof->pae ? 512 : 1024;
	int ncpu = prof->nr_cpus_config;
	unsigned long perm = fix_permanent_slots(ncpu);
	unsigned long btmap_begin;
	unsigned long tot = fix_total_slots(perm, ptrs_per_pte, &btmap_begin);

	l->fixaddr_top = 0xfffff000UL;
	l->fix_kmap_begin = 3 + 1 + MAX_IO_APICS; /* after FIX_HOLE..FIX_IO_APIC_BASE_END, as fix_permanent_slots counts */
	l->fixaddr_start = l->fixaddr_top - (perm << PAGE_SHIFT);
	l->fixaddr_tot_start = l->fixaddr_top - (tot << PAGE_SHIFT);
	l->fix_btmap_begin = l->fixaddr_top - (btmap_begin << PAGE_SHIFT); /* early_ioremap's bm_pte maps its PMD */
	unsigned long cea_pages = (unsigned long)ncpu * CPU_ENTRY_AREA_SIZE_PAGES;
	l->cpu_entry_area_base = (l->fixaddr_tot_start - PAGE_SIZE * (cea_pages + 1)) & pmd_mask;
	l->cpu_entry_area_size = PAGE_SIZE * (cea_pages + 1);
	l->ldt_base = (l->cpu_entry_area_base - PAGE_SIZE) & pmd_mask;
	l->pkmap_base = (l->ldt_base - PAGE_SIZE) & pmd_mask;
	l->vmalloc_end = l->pkmap_base - 2 * PAGE_SIZE;
	if (!l->vmalloc_reserve)
		l->vmalloc_reserve = 128UL << 20;
	l->maxmem = l->vmalloc_end - l->page_offset - l->vmalloc_reserve;
}

/* Called once lowmem's end is known (find_low_pfn_range / initmem_init). */
void layout_set_high_memory(unsigned long highstart_pfn)
{
	struct kmm_layout *l = &M->layout;
	l->high_memory = l->page_offset + (highstart_pfn << PAGE_SHIFT);
	if (M->prof->bits == 32)
		l->vmalloc_start = l->high_memory + VMALLOC_OFFSET;
}
