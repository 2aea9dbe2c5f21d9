/*
 * setup_arm.c - booting a 32-bit ARMv7 board (Debian's armmp and
 * armmp-lpae kernels) from its device tree: arch/arm/kernel/setup.c's
 * setup_arch() up to paging_init(), with arch/arm/mm/{init,mmu}.c.
 * arch/setup_arm64.c turns the tree into boot parameters (the same QEMU
 * `virt` board, with cortex-a15 CPUs); arch/setup.c runs the rest of
 * start_kernel(), shared with every profile.
 *
 *   the image          the decompressor puts _text at PHYS_OFFSET +
 *                      TEXT_OFFSET (0x208000); _stext and __init_begin
 *                      are section aligned (1 MiB, LPAE 2 MiB), and
 *                      "Kernel code" is _stext.._etext, rodata follows it
 *   PHYS_OFFSET        where the kernel runs, minus TEXT_OFFSET: the
 *                      start of RAM on virt; PAGE_OFFSET maps it
 *   setup_dma_zone     arm_dma_limit: the machine's dma_zone_size (none on
 *                      a DT-only board, so 4 GiB - 1: ZONE_DMA is all lowmem
 *                      and ZONE_NORMAL is empty)
 *   adjust_lowmem_bounds
 *                      vmalloc_limit = __pa(VMALLOC_END - vmalloc_size -
 *                      VMALLOC_OFFSET): lowmem ends there or at the end of
 *                      RAM below it (arm_lowmem_limit, high_memory); the
 *                      memblock limit is the same, rounded down to a PMD
 *   arm_memblock_init  reserve _stext.._end, the initrd, swapper_pg_dir
 *                      (16 KiB below _text; LPAE: its PGD page and four
 *                      PMD pages, 20 KiB), /memreserve/ and
 *                      /reserved-memory (not the blob itself), then the
 *                      default CMA area below arm_dma_limit: top-down in
 *                      highmem first (cma_declare_contiguous)
 *   paging_init        map_lowmem: sections (a PMD each), no PTE tables;
 *                      kmap_init: the PKMAP table; the fixmap's table
 *                      (bm_pte, in .bss); devicemaps_init: the vectors'
 *                      two pages; the zero page
 *   bootmem_init       (arch/setup.c) zone_sizes_init: DMA up to
 *                      min(arm_dma_pfn_limit, max_low), Normal up to
 *                      max_low, HighMem up to max_pfn; FLATMEM's mem_map
 *
 * After the CMA areas are up, arm_atomic_pool_init() takes dma-mapping's
 * 256 KiB atomic pool from the default area.
 *
 * Not modelled: ATAGs (a device tree only), the EFI stub, XIP kernels,
 * the machine descriptors' own reserve hooks, the SA1111's first pages,
 * cache aliasing (every armmp core has a PIPT/VIPT non-aliasing cache).
 * The tables use x86's 2-level geometry (10/10/12 with 4 MiB large
 * entries) on `arm` and PAE's (2/9/9/12, the same as LPAE's) on
 * `arm-lpae`, in x86 bits: ARM's short- and long-descriptor encodings
 * are not written yet (README, not done).
 */
#include "internal.h"
#include "arch/fdt.h"
#include "mm/cma.h"
#include "sim/ram.h"

#include <kmm/kmm.h>

#define ARM_VMALLOC_OFFSET (8ULL << 20)

/* The sections where the linker put them, from _text (arch/arm/kernel/vmlinux.lds.S). */
static void arm_image_layout(u64 text)
{
	const struct kmm_profile *p = M->prof;
	struct kmm_image *im = &M->image;
	u64 section = 1ULL << (p->pae ? 21 : 20); /* SECTION_SIZE */
	im->text = ALIGN(text + PAGE_SIZE, section);     /* _stext, after .head.text */
	im->etext = im->text + (u64)p->text_k * 1024;
	im->rodata = im->etext;
	im->erodata = im->rodata + (u64)p->rodata_k * 1024;
	im->init = ALIGN(im->erodata, section);          /* __init_begin */
	im->einit = im->init + (u64)p->init_k * 1024;    /* __init_end, section aligned as well */
	im->data = im->einit;                            /* _sdata */
	im->edata = im->data + (u64)p->rwdata_k * 1024;
	im->bss = im->edata;
	im->ebss = im->bss + (u64)p->bss_k * 1024;       /* _end */
}

/* adjust_lowmem_bounds(): arm_lowmem_limit and the memblock limit; returns the latter. */
static u64 adjust_lowmem_bounds(void)
{
	const struct kmm_layout *l = &M->layout;
	u64 pmd = 1ULL << M->prof->pmd_shift;
	u64 vmalloc_limit = (u64)l->vmalloc_end - l->vmalloc_reserve - ARM_VMALLOC_OFFSET - l->linear_base +
			    l->phys_offset;
	u64 lowmem_limit = 0, memblock_limit = 0;
	const struct memblock_type *t = &M->memblock.memory;
	for (unsigned long i = 0; i < t->cnt; i++) {
		u64 start = t->regions[i].base, end = start + t->regions[i].size;
		if (start >= vmalloc_limit)
			continue;
		if (end > lowmem_limit)
			lowmem_limit = min(vmalloc_limit, end);
		if (!memblock_limit) {
			if (!IS_ALIGNED(start, pmd))
				memblock_limit = start;
			else if (!IS_ALIGNED(end, pmd))
				memblock_limit = lowmem_limit;
		}
	}
	M->arm_lowmem_limit = lowmem_limit;
	if (!memblock_limit)
		memblock_limit = lowmem_limit;
	return ALIGN_DOWN(memblock_limit, pmd);
}

/* reserve_initrd_mem(): the initrd where /chosen says, if it is RAM. */
static void arm_reserve_initrd(void)
{
	if (!M->params.initrd_bytes)
		return;
	u64 start = ALIGN_DOWN(M->params.initrd_start, (u64)PAGE_SIZE);
	u64 size = ALIGN(M->params.initrd_start + M->params.initrd_bytes, (u64)PAGE_SIZE) - start;
	if (start + size < start || !dt_ram_covers(start, start + size)) {
		pr_err("INITRD: 0x%08llx+0x%08llx is not a memory region - disabling initrd\n",
		       (unsigned long long)start, (unsigned long long)size);
		return;
	}
	if (memblock_is_region_reserved(start, size)) {
		pr_err("INITRD: 0x%08llx+0x%08llx overlaps in-use memory region - disabling initrd\n",
		       (unsigned long long)start, (unsigned long long)size);
		return;
	}
	memblock_reserve(start, size);
	M->initrd_start = start;
	M->initrd_size = size;
}

int setup_arch_arm(char *err, size_t errlen)
{
	const struct kmm_profile *p = M->prof;
	struct kmm_dt *dt = M->dt;
	int ret;

	pr_info("Booting Linux on physical CPU 0x0\n");
	pr_info("Linux version 6.1.0-kmm-%s (kmm) #1 SMP\n", p->name);
	pr_info("CPU: ARMv7 Processor [414fc0f0] revision 0 (ARMv7), cr=10c5387d\n");
	pr_info("OF: fdt: Machine model: %s\n", dt->model);
	memblock_set_current_limit(MEMBLOCK_ALLOC_ANYWHERE);
	/*
	 * early_init_dt_add_memory_arch(): what a phys_addr_t cannot name
	 * (MAX_MEMBLOCK_ADDR: 4 GiB - 1 without LPAE) is dropped; kmm also
	 * keeps LPAE's RAM below its 40-bit MAX_PHYSMEM_BITS.
	 */
	u64 phys_end = p->pae ? 1ULL << p->max_physmem_bits : 1ULL << 32;
	for (int i = 0; i < dt->nr_mem; i++) {
		u64 base = dt->mem[i].base, size = dt->mem[i].size;
		if (base >= phys_end) {
			pr_warn("OF: fdt: Ignoring memory block 0x%llx - 0x%llx\n", (unsigned long long)base,
				(unsigned long long)(base + size));
			continue;
		}
		if (size > phys_end - base) {
			pr_warn("OF: fdt: Ignoring memory range 0x%llx - 0x%llx\n", (unsigned long long)phys_end,
				(unsigned long long)(base + size));
			size = phys_end - base;
		}
		memblock_add(base, size);
	}
	if (!M->memblock.memory.cnt) {
		snprintf(err, errlen, "kmm: the device tree's memory lies above the %s kernel's physical address space",
			 p->name);
		return -EINVAL;
	}
	M->init_on_alloc = p->init_on_alloc_default;
	M->init_on_free = p->init_on_free_default;
	ret = parse_early_param(M->cmdline, err, errlen);
	if (ret)
		return ret;
	pr_info("efi: UEFI not found.\n");

	/* the kernel runs where the boot loader put it: PHYS_OFFSET is RAM's start (2 MiB aligned, p2v) */
	u64 dram = memblock_start_of_DRAM();
	M->layout.phys_offset = ALIGN_DOWN(dram, 2ULL << 20);
	u64 text = M->layout.phys_offset + p->phys_start;
	arm_image_layout(text);
	if (!memblock_is_memory(text - 0x5000) || !memblock_is_memory(M->image.ebss - 1)) {
		snprintf(err, errlen, "kmm: the kernel image at %#llx-%#llx is not in the board's RAM (an %s board needs some 32 MiB)",
			 (unsigned long long)text, (unsigned long long)M->image.ebss - 1, p->name);
		return -EINVAL;
	}
	if (M->mem_limit) {
		memblock_mem_limit_remove(M->mem_limit);
		if (!memblock_is_memory(M->image.ebss - 1)) {
			snprintf(err, errlen, "kmm: mem= leaves no room for the kernel image (it ends at %#llx)",
				 (unsigned long long)M->image.ebss);
			return -EINVAL;
		}
	}
	M->arm_dma_limit = 0xffffffffULL; /* setup_dma_zone(): no dma_zone_size on a DT board */
	layout_compute_fixed();
	u64 memblock_limit = adjust_lowmem_bounds();
	M->max_pfn = PFN_DOWN(memblock_end_of_DRAM());
	M->max_low_pfn = PFN_DOWN(M->arm_lowmem_limit);
	layout_set_high_memory(M->max_low_pfn);

	/* arm_memblock_init() */
	memblock_reserve(M->image.text, M->image.ebss - M->image.text); /* KERNEL_START (_stext) .. _end */
	arm_reserve_initrd();
	memblock_reserve(text - (p->pae ? 0x5000 : 0x4000), p->pae ? 0x5000 : 0x4000); /* swapper_pg_dir */
	/* explicit ends: the dynamic regions and the CMA area may lie in highmem, above the memblock limit */
	dt_scan_reserved_mem(false);
	if (M->kconfig.cma)
		dma_contiguous_reserve(M->arm_dma_limit + 1); /* an exclusive end */
	memblock_set_current_limit(memblock_limit);

	M->highstart_pfn = M->highend_pfn = M->max_pfn;
	if (M->max_pfn > M->max_low_pfn)
		M->highstart_pfn = M->max_low_pfn;
	dt_firmware_ram_map();

	/* paging_init(): simulated RAM exists from here, the tables are written into it */
	ret = ram_and_device_init(err, errlen);
	if (ret)
		return ret;
	if (init_kernel_page_tables()) { /* map_lowmem */
		snprintf(err, errlen, "kmm: out of memory for the kernel page tables");
		return -ENOMEM;
	}
	if (kmm_window_add(M->layout.vmalloc_start, M->layout.vmalloc_end - M->layout.vmalloc_start)) {
		snprintf(err, errlen, "kmm: cannot reserve host address space for the vmalloc area");
		return -ENOMEM;
	}
	/* devicemaps_init(): the vectors page and the kuser helpers' page, then kmap_init() */
	memblock_phys_alloc_range(2 * PAGE_SIZE, 2 * PAGE_SIZE, 0, MEMBLOCK_ALLOC_ANYWHERE);
	if (kmap_init()) {
		snprintf(err, errlen, "kmm: out of memory for the PKMAP and fixmap page tables");
		return -ENOMEM;
	}
	return 0;
}

/*
 * A kernel page table while booting: the root is swapper_pg_dir below
 * _text (LPAE: its four PMD pages follow the PGD page, one per GiB);
 * every other table is early_alloc()'s, memblock top-down below the
 * memblock limit.
 */
phys_addr_t arm_early_pgtable_alloc(unsigned long va, int depth)
{
	u64 text = M->layout.phys_offset + M->prof->phys_start;
	if (depth == 0)
		return text - (M->prof->pae ? 0x5000 : 0x4000);
	if (M->prof->pae && depth == 1)
		return text - 0x4000 + (va >> 30) * PAGE_SIZE;
	return memblock_phys_alloc_range(PAGE_SIZE, PAGE_SIZE, 0, MEMBLOCK_ALLOC_ANYWHERE);
}

/*
 * atomic_pool_init() (arch/arm/mm/dma-mapping.c, a postcore initcall):
 * 256 KiB for atomic coherent allocations, from the default CMA area when
 * there is one, else one order-6 block, kept for good.  (Linux also maps
 * it into the vmalloc area, "dma-coherent" in vmallocinfo: kmm does not.)
 */
void arm_atomic_pool_init(void)
{
	const unsigned long size = 256UL << 10, order = 6; /* get_order(atomic_pool_size) */
	struct page *page = NULL;
	if (dma_contiguous_default_area)
		page = cma_alloc(dma_contiguous_default_area, size >> PAGE_SHIFT, order, true);
	else
		page = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);
	if (!page) {
		pr_err("DMA: failed to allocate %lu KiB pool for atomic coherent allocation\n", size >> 10);
		return;
	}
	M->dma_pool[0] = page;
	M->dma_pool_order[0] = (int)order;
	pr_info("DMA: preallocated %lu KiB pool for atomic coherent allocations\n", size >> 10);
}

/* free_initmem(): ARM frees the init sections (poisoned first). */
void arm_free_initmem(void)
{
	free_reserved_area_pfn(PFN_DOWN(M->image.init), PFN_UP(M->image.einit), "unused kernel image (initmem)");
}
