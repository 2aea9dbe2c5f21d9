/*
 * setup_arm64.c - booting an arm64 board from its device tree: what the
 * boot loader (QEMU's virt machine) does, then arm64's setup_arch() up to
 * paging_init(), as arch/arm64/kernel/setup.c and arch/arm64/mm/init.c,
 * mmu.c do in 6.1.  arch/setup.c runs the rest of start_kernel(), shared
 * with x86 (nodes, zones, memmap, percpu, hash tables, mem_init ...).
 *
 *   the boot loader    (QEMU 7.2's hw/arm/boot.c) the Image at RAM + 2 MiB,
 *                      the initrd at RAM + min(RAM / 2, 128 MiB), the blob
 *                      after it on a 2 MiB boundary; a generated tree is
 *                      padded to 1 MiB, a -dtb file to (size + 10000) * 2
 *   setup_machine_fdt  /memory -> memblock, /chosen -> command line, initrd
 *   parse_early_param  mem= ... (the x86-only ones act on nothing here)
 *   arm64_memblock_init
 *                      drop RAM above 48 bits; PHYS_OFFSET = start of RAM
 *                      rounded down to 1 GiB; mem=; the initrd added back
 *                      and reserved; the image _stext.._end reserved;
 *                      /memreserve/, the blob itself, /reserved-memory:
 *                      static regions reserved (a no-map one marked
 *                      MEMBLOCK_NOMAP, and reserved too: kmm's way of never
 *                      freeing it), then the dynamic ones allocated
 *                      top-down (CMA pools aligned to a pageblock)
 *   paging_init        map_kernel: tables for the image at KIMAGE_VADDR;
 *                      map_mem: the linear map, every page with a 4 KiB PTE
 *                      (KFENCE makes can_set_direct_map() true, so no block
 *                      or contiguous mappings), tables from memblock; no-map
 *                      regions get no linear alias
 *   arch_initcall      reserve_memblock_reserved_regions: /proc/iomem's
 *                      "reserved" pieces under System RAM are memblock's
 *                      reservations of that moment (kept for the view)
 *   bootmem_init       (arch/setup.c: numa_init, memmap_alloc, free_area_init)
 *                      zone limits from zone_sizes_init() below: ZONE_DMA
 *                      ends at max_zone_phys(zone_dma_bits), zone_dma_bits =
 *                      min(32, fls64(of_dma_get_max_cpu_address)); DMA32 at
 *                      max_zone_phys(32); when RAM starts above 4 GiB
 *                      both are empty and all is ZONE_NORMAL
 *
 * CMA (Debian's arm64 build: CONFIG_CMA, CONFIG_CMA_SIZE_MBYTES 64): the
 * device tree's reusable shared-dma-pool regions are placed and reserved
 * here (M->dt->rsv[], arch/fdt.h) and each becomes a CMA area
 * (rmem_cma_setup, mm/cma.c; linux,cma-default: the default area); the
 * boot's dma_contiguous_reserve(arm64_dma_phys_limit) then makes the
 * default area of CONFIG_CMA_SIZE_MBYTES (or cma=) when no pool is the
 * default, and cma_init_reserved_areas() frees them all as MIGRATE_CMA
 * pageblocks at core_initcall.  With --kconfig CMA=n the pools go to the
 * buddy allocator as ordinary movable pages at that moment
 * (arm64_dt_pools_release).
 *
 * Not modelled: the EFI stub, KASLR (nokaslr is assumed), the early
 * idmap, crashkernel= (Debian's command line has none), KVM's hyp
 * reservations, the fixmap's static tables (in the image).
 */
#include "internal.h"
#include "arch/fdt.h"
#include "mm/cma.h"
#include "sim/ram.h"

#include <kmm/kmm.h>

#define ARM64_MEMSTART_ALIGN SZ_1G          /* PUD_SIZE with 4 KiB pages and four levels */
#define ARM64_PHYS_MASK_SHIFT 48
#define ARM64_LINEAR_SIZE (1ULL << 47)      /* PAGE_END - PAGE_OFFSET */
#define QEMU_KERNEL_OFFSET (2ULL << 20)     /* where QEMU loads an Image into RAM */
#define QEMU_INITRD_MAX_OFFSET (128ULL << 20)
#define QEMU_DTB_ALIGN (2ULL << 20)

/* The blob's load address and what early_init_fdt_reserve_self() reserves for it: fdt_totalsize. */
static u64 dtb_phys, dtb_reserve;
static bool dtb_generated;

/* ---- from the device tree to boot parameters (kmm_boot, before any machine exists) ---- */

/* QEMU's initrd address for a board whose RAM starts at ram with size bytes (before the image's end check). */
static u64 qemu_initrd_start(u64 ram, u64 size, u64 image_end)
{
	return max(ram + min(size / 2, QEMU_INITRD_MAX_OFFSET), image_end);
}

/* Where the kernel QEMU loaded ends, from the start of RAM (an Image's _end; armmp: a decompressed zImage's). */
static u64 virt_image_end(const struct kmm_profile *prof)
{
	if (prof->arch == KMM_ARCH_ARM)
		return prof->phys_start + (u64)(prof->text_k + prof->rodata_k + prof->init_k + prof->rwdata_k +
						 prof->bss_k + 4096) * 1024; /* + the section alignment gaps */
	return QEMU_KERNEL_OFFSET + (u64)prof->end_k * 1024;
}

int dt_boot_params(const struct kmm_boot_params *in, struct kmm_boot_params *out, struct dmesg_cmdline *cl,
		   struct kmm_dt **dtp, char *err, size_t errlen)
{
	*out = *in;
	*cl = (struct dmesg_cmdline){ 0 };
	*dtp = NULL;
	const struct kmm_profile *prof = kmm_profile_find(in->profile);
	struct kmm_dt *dt = calloc(1, sizeof(*dt));
	if (!dt)
		return -ENOMEM;
	void *blob = NULL;
	size_t len = 0;
	int ret;
	dtb_generated = !in->dtb;
	if (in->dtb) {
		ret = kmm_dt_parse(in->dtb, in->dtb_size, dt, err, errlen);
		if (ret)
			goto fail;
		/* --profile i386 is the default: a device tree names its own architecture (32-bit cores: armmp) */
		if (!prof || !strcmp(prof->name, "i386")) {
			out->profile = dt->arm64 ? "arm64" : "arm";
			prof = kmm_profile_find(out->profile);
		} else if (!kmm_profile_dt(prof)) {
			snprintf(err, errlen, "kmm: a device tree boots an ARM profile (arm64, arm, arm-lpae), not %s", prof->name);
			ret = -EINVAL;
			goto fail;
		}
		out->nr_cpus = dt->nr_cpus ? dt->nr_cpus : 1;
		/* its bootargs are the command line: known words parsed, the others passed to user space */
		if (dt->bootargs && (ret = kmm_cmdline_split(dt->bootargs, cl)))
			goto fail;
		cl->logged = dt->bootargs ? strdup(dt->bootargs) : NULL;
		if (in->cmdline && *in->cmdline &&
		    (kmm_cmdline_append(&cl->parsed, in->cmdline) || kmm_cmdline_append(&cl->logged, in->cmdline))) {
			ret = -ENOMEM;
			goto fail;
		}
		out->cmdline = cl->parsed;
		u64 ram = dt->mem[0].base;
		for (int i = 1; i < dt->nr_mem; i++)
			ram = min(ram, dt->mem[i].base);
		u64 image_end = ram + virt_image_end(prof);
		if (dt->has_initrd) {
			out->initrd_start = dt->initrd_start;
			out->initrd_bytes = dt->initrd_end - dt->initrd_start;
		} else if (in->initrd_bytes && !in->initrd_start) {
			out->initrd_start = qemu_initrd_start(ram, dt->mem[0].size, image_end);
		}
		u64 after = out->initrd_bytes ? out->initrd_start + out->initrd_bytes
					       : qemu_initrd_start(ram, dt->mem[0].size, image_end);
		dtb_phys = ALIGN(after, QEMU_DTB_ALIGN);
		/* QEMU's load_device_tree(): the file's size plus 10000, twice */
		dtb_reserve = max((u64)dt->totalsize, ((u64)in->dtb_size + 10000) * 2);
		out->nr_numa_ranges = 0;
		for (int i = 0; i < dt->nr_mem; i++) {
			if (dt->mem[i].nid < 0)
				continue;
			if (out->nr_numa_ranges >= KMM_MAX_NUMA_RANGES) {
				snprintf(err, errlen, "device tree: more than %d memory ranges with a numa-node-id", KMM_MAX_NUMA_RANGES);
				ret = -EINVAL;
				goto fail;
			}
			out->numa_ranges[out->nr_numa_ranges++] =
				(struct kmm_numa_range){ dt->mem[i].nid, dt->mem[i].base, dt->mem[i].base + dt->mem[i].size };
		}
	} else {
		/* QEMU's virt board: RAM at 1 GiB, up to its 255 GiB (a 2-level ARM kernel drops what passes 4 GiB) */
		if (in->mem_bytes < (64ULL << 20) || in->mem_bytes > (255ULL << 30)) {
			snprintf(err, errlen, "kmm: --mem %llu: QEMU's virt board takes 64 MiB .. 255 GiB of RAM for an %s kernel",
				 (unsigned long long)in->mem_bytes, prof->name);
			ret = -EINVAL;
			goto fail;
		}
		u64 ram = 0x40000000ULL, image_end = ram + virt_image_end(prof);
		u64 istart = in->initrd_start ? in->initrd_start : qemu_initrd_start(ram, in->mem_bytes, image_end);
		if (in->initrd_bytes && (istart < ram || istart + in->initrd_bytes > ram + in->mem_bytes ||
					 istart + in->initrd_bytes > 0xffffffffULL)) {
			snprintf(err, errlen, "kmm: no room for a %lluK initrd at %#llx in the board's RAM",
				 (unsigned long long)in->initrd_bytes >> 10, (unsigned long long)istart);
			ret = -EINVAL;
			goto fail;
		}
		ret = kmm_dt_build_virt(in->mem_bytes, in->nr_cpus ? in->nr_cpus : 1, in->cmdline, istart,
					in->initrd_bytes, prof->arch == KMM_ARCH_ARM ? "arm,cortex-a15" : "arm,cortex-a57",
					&blob, &len);
		if (ret)
			goto fail;
		ret = kmm_dt_parse(blob, len, dt, err, errlen);
		if (ret)
			goto fail;
		out->initrd_start = in->initrd_bytes ? istart : 0;
		dtb_phys = ALIGN(istart + in->initrd_bytes, QEMU_DTB_ALIGN);
		dtb_reserve = dt->totalsize;
		if (in->cmdline && (cl->parsed = strdup(in->cmdline)) == NULL) {
			ret = -ENOMEM;
			goto fail;
		}
		out->cmdline = cl->parsed;
	}
	free(blob);
	out->dtb = NULL; /* the machine keeps its own copy (dt->blob) */
	out->dtb_size = 0;
	out->mem_bytes = 0;
	*dtp = dt;
	return 0;
fail:
	free(blob);
	kmm_dt_free(dt);
	free(dt);
	free(cl->parsed);
	free(cl->logged);
	free(cl->unknown);
	*cl = (struct dmesg_cmdline){ 0 };
	return ret;
}

/* ---- arm64_memblock_init ------------------------------------------------------------ */

/* memblock_mem_limit_remove_map(limit): keep the first limit bytes of RAM, in address order. */
void memblock_mem_limit_remove(u64 limit)
{
	u64 seen = 0;
	const struct memblock_type *t = &M->memblock.memory;
	for (unsigned long i = 0; i < t->cnt; i++) {
		const struct memblock_region *r = &t->regions[i];
		if (seen + r->size >= limit) {
			u64 cut = r->base + (limit - seen);
			memblock_remove(cut, ~0ULL - cut);
			return;
		}
		seen += r->size;
	}
}

/*
 * The image where the boot loader put it: _text 2 MiB into RAM, _stext
 * 64 KiB later; the sections at the Debian build's offsets from _text.
 */
static void arm64_image_layout(u64 text)
{
	const struct kmm_profile *p = M->prof;
	struct kmm_image *im = &M->image;
	im->text = text + SZ_64K; /* _stext: "Kernel code" starts here */
	im->etext = im->text + (u64)p->text_k * 1024;
	im->rodata = text + p->rodata_off;
	im->erodata = im->rodata + (u64)p->rodata_k * 1024;
	im->init = im->erodata;   /* __init_begin follows rodata */
	im->einit = im->init + (u64)p->init_k * 1024;
	im->data = text + p->data_off;
	im->edata = im->data + (u64)p->rwdata_k * 1024;
	im->bss = text + p->bss_off;
	im->ebss = im->bss + (u64)p->bss_k * 1024;
	M->arm64_image_end = text + (u64)p->end_k * 1024; /* _end: .bss, then idmap, reserved and swapper pg dirs */
}

/* __reserved_mem_alloc_size(): a dynamic region, top-down in its alloc-range. */
static void reserved_mem_alloc(struct kmm_dt_rsv *r)
{
	u64 align = r->align ? r->align : SMP_CACHE_BYTES;
	bool pool = r->reusable && !strcmp(r->compatible, "shared-dma-pool");
	if (pool) /* CMA_MIN_ALIGNMENT_BYTES: a pageblock */
		align = max(align, (u64)PAGE_SIZE << M->prof->pageblock_order);
	u64 start = r->alloc_end ? r->alloc_start : 0, end = r->alloc_end ? r->alloc_end : MEMBLOCK_ALLOC_ANYWHERE;
	phys_addr_t base = memblock_phys_alloc_range(r->size, align, start, end);
	if (!base) {
		pr_err("Reserved memory: failed to allocate memory for node '%s'\n", r->name);
		return;
	}
	r->base = base;
	r->allocated = true;
}

/*
 * early_init_fdt_scan_reserved_mem() and fdt_init_reserved_mem(); arm64
 * reserves the blob itself first (early_init_fdt_reserve_self), 32-bit
 * ARM does not (it unflattens the tree and leaves the blob to be freed).
 */
void dt_scan_reserved_mem(bool reserve_self)
{
	struct kmm_dt *dt = M->dt;
	for (int i = 0; i < dt->nr_memreserve; i++)
		memblock_reserve(dt->memreserve[i].base, dt->memreserve[i].size);
	if (reserve_self)
		memblock_reserve(dtb_phys, dtb_reserve);
	for (int i = 0; i < dt->nr_rsv; i++) {
		struct kmm_dt_rsv *r = &dt->rsv[i];
		if (r->dynamic)
			continue;
		if (memblock_is_region_reserved(r->base, r->size) && r->no_map)
			pr_err("OF: reserved mem: failed to reserve memory for node '%s': base %#llx, size %lu MiB\n",
			       r->name, (unsigned long long)r->base, (unsigned long)(r->size >> 20));
		/* early_init_dt_reserve_memory(): no-map marks it (and kmm reserves it too: never freed) */
		if (r->no_map)
			memblock_mark_nomap(r->base, r->size);
		memblock_reserve(r->base, r->size);
	}
	for (int i = 0; i < dt->nr_rsv; i++)
		if (dt->rsv[i].dynamic)
			reserved_mem_alloc(&dt->rsv[i]);
	for (int i = 0; i < dt->nr_rsv; i++) {
		struct kmm_dt_rsv *r = &dt->rsv[i];
		if (!r->allocated || !r->reusable || strcmp(r->compatible, "shared-dma-pool"))
			continue;
		/* CONFIG_DMA_CMA: rmem_cma_setup(); without it the pool is handed to the buddy allocator at core_initcall */
		if (!M->kconfig.cma) {
			pr_info("Reserved memory: created CMA memory pool at 0x%016llx, size %llu MiB\n",
				(unsigned long long)r->base, (unsigned long long)r->size >> 20);
		} else if (rmem_cma_setup(r->base, r->size, r->name, r->cma_default, r->no_map)) {
			continue;
		}
		pr_info("OF: reserved mem: initialized node %s, compatible id shared-dma-pool\n", r->name);
	}
}

/* max_zone_phys(): a zone limit of zone_bits, moved up when RAM starts above it */
static u64 max_zone_phys(unsigned zone_bits)
{
	u64 mask = zone_bits >= 64 ? ~0ULL : (1ULL << zone_bits) - 1, start = memblock_start_of_DRAM();
	if (start > 0xffffffffULL)
		mask = ~0ULL;
	else if (start > mask)
		mask = 0xffffffffULL;
	return min(mask, (u64)memblock_end_of_DRAM() - 1) + 1;
}

/*
 * map_kernel(): each segment of the image (text, rodata, init, data up to
 * _end) at KIMAGE_VADDR + (pa - _text), with a 2 MiB block wherever one
 * segment covers the whole aligned block, else a PTE table for it.  The
 * PUD and PMD tables above them come first.
 */
#define INIT_PG_DIR_PAGES 5 /* init_pg_dir .. init_pg_end of Debian's build */

static int map_kernel(u64 text)
{
	const struct kmm_image *im = &M->image;
	const u64 seg[4][2] = { { im->text, im->etext }, { im->rodata, im->init }, { im->init, im->einit },
				{ im->data, M->arm64_image_end } };
	const u64 block = 1ULL << M->prof->pmd_shift;
	unsigned long va0 = M->layout.kimage_vaddr - (unsigned long)text; /* va of pa: va0 + pa */
	if (kernel_pgtable_prealloc_depth(va0 + (unsigned long)im->text, M->arm64_image_end - im->text, 2))
		return -ENOMEM;
	for (u64 b = ALIGN_DOWN(im->text, block); b < M->arm64_image_end; b += block) {
		bool whole = false;
		for (int i = 0; i < 4; i++)
			whole |= seg[i][0] <= b && b + block <= ALIGN(seg[i][1], (u64)PAGE_SIZE);
		if (!whole && kernel_pgtable_prealloc(va0 + (unsigned long)max(b, im->text), PAGE_SIZE))
			return -ENOMEM;
	}
	return 0;
}

/* Do the device tree's memory nodes cover [start, end)? */
bool dt_ram_covers(u64 start, u64 end)
{
	const struct kmm_dt *dt = M->dt;
	for (u64 at = start; at < end;) {
		u64 next = at;
		for (int i = 0; i < dt->nr_mem; i++)
			if (dt->mem[i].base <= at && at - dt->mem[i].base < dt->mem[i].size)
				next = max(next, dt->mem[i].base + dt->mem[i].size);
		if (next == at)
			return false;
		at = next;
	}
	return true;
}

/* The firmware's view of RAM, for /proc/iomem and ioremap's RAM check: the memory nodes, as memblock has them. */
void dt_firmware_ram_map(void)
{
	M->e820_firmware.nr_entries = 0;
	for (unsigned long i = 0; i < M->memblock.memory.cnt; i++)
		e820__range_add(&M->e820_firmware, M->memblock.memory.regions[i].base, M->memblock.memory.regions[i].size,
				E820_TYPE_RAM);
	M->e820 = M->e820_firmware;
}

int setup_arch_arm64(char *err, size_t errlen)
{
	const struct kmm_profile *p = M->prof;
	struct kmm_dt *dt = M->dt;
	int ret;

	pr_info("Booting Linux on physical CPU 0x0000000000 [0x411fd070]\n");
	pr_info("Linux version 6.1.0-kmm-%s (kmm) #1 SMP PREEMPT_DYNAMIC\n", p->name);
	pr_info("Machine model: %s\n", dt->model);
	memblock_set_current_limit(MEMBLOCK_ALLOC_ANYWHERE); /* arm64 never lowers it */
	/* early_init_dt_scan_memory() */
	for (int i = 0; i < dt->nr_mem; i++)
		memblock_add(dt->mem[i].base, dt->mem[i].size);
	M->init_on_alloc = p->init_on_alloc_default;
	M->init_on_free = p->init_on_free_default;
	ret = parse_early_param(M->cmdline, err, errlen);
	if (ret)
		return ret;
	if (!dtb_generated)
		pr_info("efi: UEFI not found.\n");

	/* arm64_memblock_init() */
	memblock_remove(1ULL << ARM64_PHYS_MASK_SHIFT, ~0ULL - (1ULL << ARM64_PHYS_MASK_SHIFT));
	if (!M->memblock.memory.cnt) {
		snprintf(err, errlen, "kmm: the device tree's memory lies above the 48-bit physical address space");
		return -EINVAL;
	}
	u64 dram = memblock_start_of_DRAM();
	M->layout.phys_offset = ALIGN_DOWN(dram, (u64)ARM64_MEMSTART_ALIGN);
	arm64_image_layout(dram + QEMU_KERNEL_OFFSET);
	u64 text = dram + QEMU_KERNEL_OFFSET, end = M->arm64_image_end;
	if (!memblock_is_memory(text) || !memblock_is_memory(end - 1)) {
		snprintf(err, errlen, "kmm: the kernel image at %#llx-%#llx is not in the board's RAM (an arm64 board needs some 64 MiB)",
			 (unsigned long long)text, (unsigned long long)end - 1);
		return -EINVAL;
	}
	u64 cut = max((u64)M->layout.phys_offset + ARM64_LINEAR_SIZE, end);
	memblock_remove(cut, ~0ULL - cut);
	if (M->mem_limit) {
		memblock_mem_limit_remove(M->mem_limit);
		memblock_add(text, end - text);
	}
	if (M->params.initrd_bytes) {
		u64 base = ALIGN_DOWN(M->params.initrd_start, (u64)PAGE_SIZE);
		u64 size = ALIGN(M->params.initrd_start + M->params.initrd_bytes, (u64)PAGE_SIZE) - base;
		/*
		 * Linux adds the initrd back to memory if mem= cut it off; kmm
		 * takes it only inside the tree's RAM (a hostile tree's initrd
		 * must not make terabytes of RAM out of nothing).
		 */
		if (base < memblock_start_of_DRAM() || base + size > memblock_start_of_DRAM() + ARM64_LINEAR_SIZE ||
		    base + size < base || !dt_ram_covers(base, base + size)) {
			pr_warn("initrd not fully accessible via the linear mapping -- please check your bootloader ...\n");
		} else {
			memblock_add(base, size);
			memblock_reserve(base, size);
			M->initrd_start = base;
			M->initrd_size = size;
		}
	}
	memblock_reserve(M->image.text, end - M->image.text); /* _stext .. _end */
	dt_scan_reserved_mem(true);
	M->max_pfn = M->max_low_pfn = PFN_DOWN(memblock_end_of_DRAM());
	layout_compute_fixed();
	layout_set_high_memory(M->max_pfn);
	dt_firmware_ram_map();

	/* zone_sizes_init()'s limits, known once RAM is */
	unsigned dma_bits = 32;
	if (dt->dma_max_cpu_addr != ~0ULL)
		dma_bits = min(32u, (unsigned)(64 - __builtin_clzll(dt->dma_max_cpu_addr | 1)));
	M->arm64_dma_phys_limit = max_zone_phys(dma_bits);
	M->arm64_dma32_phys_limit = max_zone_phys(32);

	/* paging_init(): simulated RAM exists from here, the tables are written into it */
	ret = ram_and_device_init(err, errlen);
	if (ret)
		return ret;
	/* map_kernel: the image at KIMAGE_VADDR; then map_mem: the linear map */
	if (map_kernel(text) || init_kernel_page_tables()) {
		snprintf(err, errlen, "kmm: out of memory for the kernel page tables");
		return -ENOMEM;
	}
	/* paging_init() gives back init_pg_dir, the tables head.S ran on, between .bss and _end */
	memblock_phys_free(end - INIT_PG_DIR_PAGES * PAGE_SIZE, INIT_PG_DIR_PAGES * PAGE_SIZE);
	/*
	 * create_idmap(): .idmap.text (a few KiB of .text, with the KPTI flag)
	 * mapped at its physical address under idmap_pg_dir, a static root:
	 * a PUD, a PMD and a PTE table from memblock.  kmm keeps no TTBR0
	 * identity map, so they are taken and left unused.
	 */
	for (int i = 0; i < 3; i++)
		memblock_phys_alloc_range(PAGE_SIZE, PAGE_SIZE, 0, MEMBLOCK_ALLOC_ANYWHERE);
	if (kmm_window_add(M->layout.vmalloc_start, min(M->layout.vmalloc_end - M->layout.vmalloc_start, 1UL << 40))) {
		snprintf(err, errlen, "kmm: cannot reserve host address space for the vmalloc area");
		return -ENOMEM;
	}
	if (kmap_init()) {
		snprintf(err, errlen, "kmm: out of memory for the fixmap's page tables");
		return -ENOMEM;
	}
	return 0;
}

/*
 * A kernel page table while booting (early_pgtable_alloc): swapper_pg_dir
 * is a page of the image (after the idmap, trampoline and reserved
 * directories, just before __init_begin); every other table comes from
 * memblock, top-down anywhere.
 */
phys_addr_t arm64_early_pgtable_alloc(unsigned long va, int depth)
{
	if (depth == 0)
		return M->image.init - PAGE_SIZE;
	return memblock_phys_alloc_range(PAGE_SIZE, PAGE_SIZE, 0, MEMBLOCK_ALLOC_ANYWHERE);
}

/* request_standard_resources(): one struct resource per memblock memory region (64 bytes each). */
void arm64_request_standard_resources(void)
{
	memblock_phys_alloc_range(M->memblock.memory.cnt * 64, SMP_CACHE_BYTES, 0, MEMBLOCK_ALLOC_ANYWHERE);
}

/*
 * A kernel built without CONFIG_CMA (--kconfig CMA=n): the device tree's
 * reusable pools go to the buddy allocator at core_initcall time, once
 * page_alloc_init_late() has started the deferred struct pages (their
 * pages must be initialised and PageReserved first, and counted in
 * totalram as they are freed).  With CMA they are areas, and
 * cma_init_reserved_areas() frees them as MIGRATE_CMA pageblocks.
 */
void arm64_dt_pools_release(void)
{
	struct kmm_dt *dt = M->dt;
	if (M->kconfig.cma)
		return; /* the pools are CMA areas: cma_init_reserved_areas() freed them */
	for (int i = 0; dt && i < dt->nr_rsv; i++) {
		struct kmm_dt_rsv *r = &dt->rsv[i];
		if (r->allocated && r->reusable && !strcmp(r->compatible, "shared-dma-pool")) {
			deferred_init_wait_range(PFN_DOWN(r->base), PFN_UP(r->base + r->size));
			free_reserved_area_pfn(PFN_DOWN(r->base), PFN_DOWN(r->base + r->size), NULL);
		}
	}
}

/*
 * reserve_memblock_reserved_regions(), an arch_initcall: /proc/iomem shows
 * memblock's reservations of that moment under System RAM - the initrd
 * and the init sections not yet freed - and keeps them (the view draws
 * them, mm/vmstat.c).  Host memory; none if it cannot be had.
 */
void arm64_reserve_memblock_reserved_regions(void)
{
	const struct memblock_type *res = &M->memblock.reserved;
	free(M->iomem_reserved);
	M->iomem_reserved = res->cnt ? malloc(res->cnt * sizeof(*res->regions)) : NULL;
	M->nr_iomem_reserved = M->iomem_reserved ? res->cnt : 0;
	if (M->iomem_reserved)
		memcpy(M->iomem_reserved, res->regions, res->cnt * sizeof(*res->regions));
}

/* free_initmem(): arm64 frees the init sections only. */
void arm64_free_initmem(void)
{
	free_reserved_area_pfn(PFN_DOWN(M->image.init), PFN_UP(M->image.einit), "unused kernel");
}

void arm64_dt_release(void)
{
	free(M->iomem_reserved);
	M->iomem_reserved = NULL;
	M->nr_iomem_reserved = 0;
	if (M && M->dt) {
		kmm_dt_free(M->dt);
		free(M->dt);
		M->dt = NULL;
	}
}
