/*
 * test_boot.c - booting every profile and every boot parameter, odd memory
 * maps, NUMA, and the errors a bad map or parameter must give.
 */
#include "kmm_test.h"

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(boot, .fini = fini, .timeout = 60);

static void boot_mem(const char *profile, u64 mem, const char *cmdline)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = mem;
	p.cmdline = cmdline;
	boot_or_fail(&p);
}

static int boot_err(struct kmm_boot_params *p, char *err, size_t len)
{
	int ret = kmm_boot(p, err, len);
	cr_assert_neq(ret, 0, "boot should have failed");
	cr_assert(!kmm_booted(), "a failed boot left a machine behind");
	cr_assert_gt(strlen(err), 10, "no error message");
	return ret;
}

static bool dmesg_has(const char *s)
{
	return strstr(kmm_dmesg(), s) != NULL;
}

/* Every pfn of RAM belongs to exactly one zone, and the counters add up. */
static void assert_zones_cover_memory(void)
{
	unsigned long present = 0;
	struct zone *zone;
	for_each_zone(zone)
		present += zone->present_pages;
	cr_assert_eq((u64)present << PAGE_SHIFT, memblock_phys_mem_size(),
		     "zones hold %lu pages, memblock %llu bytes", present,
		     (unsigned long long)memblock_phys_mem_size());
	assert_machine_sane();
}

Test(boot, default_i386_4G)
{
	boot_mem("i386", 4ULL << 30, NULL);
	/* a non-PAE kernel sees 3 GiB of a 4 GiB PC: the rest is above 4 GiB */
	cr_assert(dmesg_has("2195MB HIGHMEM available."));
	cr_assert(dmesg_has("875MB LOWMEM available."));
	cr_assert(dmesg_has("Normal   [mem 0x0000000001000000-0x0000000036bfdfff]"));
	cr_assert(zone_by_name(0, "HighMem")->present_pages > 500000);
	assert_zones_cover_memory();
}

Test(boot, i386_pae_sees_above_4G)
{
	boot_mem("i386-pae", 4ULL << 30, NULL);
	cr_assert(dmesg_has("HighMem  [mem 0x0000000036ffe000-0x000000013fffffff]"));
	assert_zones_cover_memory();
}

Test(boot, i386_pae_16G_mem_map_eats_lowmem)
{
	boot_mem("i386-pae", 16ULL << 30, NULL);
	struct zone *normal = zone_by_name(0, "Normal"), *high = zone_by_name(0, "HighMem");
	/* 16 GiB of struct pages at 40 bytes is 160 MiB, all of it in lowmem */
	unsigned long memmap_pages = ((16UL << 30) >> PAGE_SHIFT) * 40 / PAGE_SIZE;
	cr_assert_lt((unsigned long)normal->managed_pages, normal->present_pages - memmap_pages);
	cr_assert_gt((unsigned long)high->managed_pages, 3000000UL);
	assert_zones_cover_memory();
}

Test(boot, x86_64_64G)
{
	boot_mem("x86_64", 64ULL << 30, NULL);
	cr_assert(dmesg_has("DMA32    [mem 0x0000000001000000-0x00000000ffffffff]"));
	cr_assert(dmesg_has("Normal   [mem 0x0000000100000000-0x000000103fffffff]"));
	cr_assert(dmesg_has("software IO TLB: mapped"));
	assert_zones_cover_memory();
	/* nothing allocated yet but the slab caches' first slabs, the atomic DMA pools and the vmalloc PUDs: every other managed page is free */
	drain_all_pages(NULL);
	unsigned long slab = (unsigned long)(NODE_DATA(0)->nr_slab_reclaimable + NODE_DATA(0)->nr_slab_unreclaimable);
	unsigned long pools = 0;
	for (int i = 0; i < 3; i++)
		pools += M->dma_pool[i] ? 1UL << M->dma_pool_order[i] : 0;
	/* 128 KiB per GiB would be 8 MiB: capped at MAX_ORDER_NR_PAGES, 4 MiB each */
	cr_assert_eq(pools, 3 * 1024UL, "atomic DMA pools: %lu pages", pools);
	cr_assert(dmesg_has("DMA: preallocated 4096 KiB GFP_KERNEL|GFP_DMA32 pool for atomic allocations"));
	/* and preallocate_vmalloc_pages(): a PUD page per 512 GiB of the 32 TiB vmalloc area */
	unsigned long vmalloc_puds = ((M->layout.vmalloc_end - M->layout.vmalloc_start) >> 39) + 1;
	cr_assert_eq(vmalloc_puds, 64UL);
	cr_assert_eq(nr_free_pages() + slab + pools + vmalloc_puds, (unsigned long)M->totalram_pages);
}

Test(boot, tiny_16M)
{
	char err[512];
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.mem_bytes = 16ULL << 20;
	boot_err(&p, err, sizeof(err));
	cr_assert(strstr(err, "--kernel-size"), "the distribution kernel cannot fit: %s", err);
	p.kernel_bytes = 2ULL << 20;
	boot_or_fail(&p);
	cr_assert(dmesg_has("HighMem  empty"));
	cr_assert(dmesg_has("mobility grouping off"), "16 MiB is below pageblock_nr_pages * MIGRATE_TYPES");
	cr_assert_eq(zone_by_name(0, "Normal")->present_pages, 0);
	assert_zones_cover_memory();
}

/*
 * Found by kmm stress and the op-sequence fuzz target: with --kernel-size
 * the SMP alternatives, freed at boot, lay over the start of .bss, so the
 * zero page went to the buddy allocator and user pages read back another
 * owner's bytes.  .bss stays reserved, and the zero page stays zeros.
 */
Test(boot, small_kernel_keeps_its_bss)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.mem_bytes = 160ULL << 20;
	p.kernel_bytes = 2ULL << 20;
	boot_or_fail(&p);
	for (unsigned long pfn = PFN_DOWN(M->image.bss); pfn < PFN_UP(M->image.ebss); pfn++)
		cr_assert(PageReserved(pfn_to_page(pfn)), "pfn %#lx of .bss was freed", pfn);
	cr_assert(PageReserved(pfn_to_page(zero_pfn())));
	/* take every free page: none of them is the zero page */
	struct page *first = NULL;
	for (struct page *pg; (pg = alloc_pages(GFP_HIGHUSER | __GFP_NOWARN, 0));) {
		cr_assert_neq(page_to_pfn(pg), zero_pfn());
		*(struct page **)page_address(pg) = first; /* a list through the pages (all lowmem here) */
		first = pg;
	}
	while (first) {
		struct page *next = *(struct page **)page_address(first);
		__free_pages(first, 0);
		first = next;
	}
	assert_zones_cover_memory();
}

Test(boot, e820_holes_and_reserved)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.e820_text = "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
		      "BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved\n"
		      "BIOS-e820: [mem 0x0000000000100000-0x0000000007ffffff] usable\n"
		      "BIOS-e820: [mem 0x0000000008000000-0x00000000080fffff] ACPI data\n"
		      "BIOS-e820: [mem 0x0000000008100000-0x000000000fffffff] usable\n"
		      "BIOS-e820: [mem 0x0000000010000000-0x000000001fffffff] unusable\n"
		      "BIOS-e820: [mem 0x0000000020000000-0x000000002fffffff] usable\n";
	boot_or_fail(&p);
	struct zone *normal = zone_by_name(0, "Normal");
	cr_assert_eq(normal->spanned_pages, 0x30000 - 0x1000);
	cr_assert_eq(normal->present_pages, normal->spanned_pages - 0x100 - 0x10000);
	char *iomem = kmm_proc_read("iomem");
	cr_assert(strstr(iomem, "08000000-080fffff : ACPI Tables"), "%s", iomem);
	cr_assert(strstr(iomem, "10000000-1fffffff : Unusable memory"));
	cr_assert(strstr(iomem, "  01000000-"), "kernel code under System RAM");
	free(iomem);
	assert_zones_cover_memory();
}

Test(boot, mem_param_limits_ram)
{
	boot_mem("i386", 2ULL << 30, "mem=512M");
	cr_assert(dmesg_has("e820: remove [mem 0x20000000-0xfffffffffffffffe] usable"));
	cr_assert(dmesg_has("user-defined physical RAM map:"));
	cr_assert(dmesg_has("0MB HIGHMEM available."));
	cr_assert_eq(M->max_pfn, 0x20000);
	assert_zones_cover_memory();
}

Test(boot, memmap_param_forms)
{
	boot_mem("i386", 1ULL << 30, "memmap=64M$0x10000000 memmap=16M#0x20000000");
	cr_assert(dmesg_has("user: [mem 0x0000000010000000-0x0000000013ffffff] reserved"));
	cr_assert(dmesg_has("user: [mem 0x0000000020000000-0x0000000020ffffff] ACPI data"));
	unsigned long present = zone_by_name(0, "Normal")->present_pages;
	kmm_shutdown();
	boot_mem("i386", 1ULL << 30, NULL);
	cr_assert_eq(zone_by_name(0, "Normal")->present_pages - present, (80UL << 20) >> PAGE_SHIFT);
	kmm_shutdown();
	boot_mem("i386", 1ULL << 30, "memmap=exactmap memmap=640K@0 memmap=255M@1M");
	cr_assert_eq(M->max_pfn, 0x10000);
	assert_zones_cover_memory();
}

Test(boot, highmem_param)
{
	boot_mem("i386", 2ULL << 30, "highmem=256M");
	cr_assert(dmesg_has("256MB HIGHMEM available."));
	cr_assert_eq(zone_by_name(0, "HighMem")->spanned_pages, (256UL << 20) >> PAGE_SHIFT);
	kmm_shutdown();
	/* on a lowmem-only machine, highmem= takes from the top of lowmem */
	boot_mem("i386", 512ULL << 20, "highmem=128M");
	cr_assert(dmesg_has("128MB HIGHMEM available."));
	assert_zones_cover_memory();
}

Test(boot, vmalloc_param_moves_lowmem)
{
	boot_mem("i386", 2ULL << 30, "vmalloc=256M");
	/* 136 MiB more vmalloc reserve than the default 128 MiB: lowmem shrinks by 136 MiB */
	cr_assert_eq(M->layout.maxmem, 0x36bfe000UL - (136UL << 20), "maxmem %#lx", M->layout.maxmem);
	cr_assert_eq(M->layout.vmalloc_end - M->layout.vmalloc_start, 256UL << 20);
	cr_assert(dmesg_has("739MB LOWMEM available."));
	assert_zones_cover_memory();
}

Test(boot, movablecore_and_kernelcore)
{
	boot_mem("x86_64", 8ULL << 30, "movablecore=2G");
	struct zone *mov = zone_by_name(0, "Movable");
	cr_assert_geq(mov->present_pages, (2UL << 30) >> PAGE_SHIFT);
	cr_assert(dmesg_has("Movable zone start for each node\n") && dmesg_has("  Node 0: 0x"));
	assert_zones_cover_memory();
	kmm_shutdown();
	boot_mem("x86_64", 8ULL << 30, "kernelcore=50%");
	mov = zone_by_name(0, "Movable");
	cr_assert_gt(mov->present_pages, 0);
	cr_assert_eq(mov->zone_start_pfn % MAX_ORDER_NR_PAGES, 0);
	assert_zones_cover_memory();
	kmm_shutdown();
	/* on i386 ZONE_MOVABLE comes out of HighMem */
	boot_mem("i386", 2ULL << 30, "movablecore=512M");
	cr_assert(is_highmem(zone_by_name(0, "Movable")));
	cr_assert(dmesg_has("Initializing Movable for node 0 (00060000:0007ffe0)"));
	assert_zones_cover_memory();
}

Test(boot, min_free_kbytes_param)
{
	boot_mem("i386", 1ULL << 30, "min_free_kbytes=16384 sysctl.vm.watermark_scale_factor=50");
	cr_assert_eq(M->min_free_kbytes, 16384);
	cr_assert_eq(M->watermark_scale_factor, 50);
	char *s = kmm_proc_read("sys/vm/min_free_kbytes");
	cr_assert_str_eq(s, "16384\n");
	free(s);
}

Test(boot, numa_four_nodes_distance_table)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "x86_64";
	p.mem_bytes = 8ULL << 30;
	p.nr_cpus = 4;
	u64 g = 1ULL << 30;
	p.numa_ranges[0] = (struct kmm_numa_range){ 0, 0, 2 * g };
	p.numa_ranges[1] = (struct kmm_numa_range){ 1, 2 * g, 3 * g };
	p.numa_ranges[2] = (struct kmm_numa_range){ 2, 4 * g, 6 * g };
	p.numa_ranges[3] = (struct kmm_numa_range){ 3, 6 * g, 9 * g };
	p.nr_numa_ranges = 4;
	int d[4][4] = { { 10, 20, 30, 40 }, { 20, 10, 20, 30 }, { 30, 20, 10, 20 }, { 40, 30, 20, 10 } };
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			p.distance[i][j] = d[i][j];
	p.nr_distance = 4;
	boot_or_fail(&p);
	cr_assert(dmesg_has("Built 4 zonelists"));
	/* node 3's fallback list: its own zones, then node 2, 1, 0 by distance */
	struct zoneref *zr = NODE_DATA(3)->node_zonelists[ZONELIST_FALLBACK]._zonerefs;
	int last = -1, order[4], n = 0;
	for (; zr->zone; zr++)
		if (zr->zone->node != last)
			order[n++] = last = zr->zone->node;
	cr_assert_eq(n, 4);
	cr_assert(order[0] == 3 && order[1] == 2 && order[2] == 1 && order[3] == 0, "order %d %d %d %d",
		  order[0], order[1], order[2], order[3]);
	/* within a node, the highest zone first */
	zr = NODE_DATA(0)->node_zonelists[ZONELIST_FALLBACK]._zonerefs;
	cr_assert_eq(zr[0].zone_idx, ZONE_DMA32);
	cr_assert_eq(zr[1].zone_idx, ZONE_DMA);
	assert_zones_cover_memory();
}

Test(boot, fake_numa)
{
	boot_mem("x86_64", 4ULL << 30, "numa=fake=4");
	cr_assert_eq(M->nr_nodes, 4);
	cr_assert(dmesg_has("Faking node 3 at"));
	for (int n = 0; n < 4; n++)
		cr_assert_gt(NODE_DATA(n)->node_present_pages, 200000UL);
	assert_zones_cover_memory();
}

Test(boot, cpus_and_pcp)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.nr_cpus = 4;
	p.mem_bytes = 2ULL << 30;
	boot_or_fail(&p);
	struct zone *normal = zone_by_name(0, "Normal");
	/* the low watermark is split among the node's CPUs */
	cr_assert_eq(normal->pageset[3].high, (int)(low_wmark_pages(normal) / 4));
	char *zi = kmm_proc_read("zoneinfo");
	cr_assert(strstr(zi, "    cpu: 3\n"));
	free(zi);
}

Test(boot, every_profile_every_view)
{
	const char *profiles[] = { "i386", "i386-pae", "x86_64" };
	for (size_t i = 0; i < ARRAY_SIZE(profiles); i++) {
		boot_mem(profiles[i], 1ULL << 30, NULL);
		for (const char *const *v = kmm_proc_paths(); *v; v++) {
			char *t = kmm_proc_read(*v);
			cr_assert_not_null(t, "%s: /proc/%s", profiles[i], *v);
			/* boot vmallocs nothing yet; KFENCE is off, so it has no objects; no trace event is on */
			if (!strcmp(*v, "vmallocinfo") || !strcmp(*v, "sys/kernel/debug/kfence/objects") ||
			    !strcmp(*v, "sys/kernel/tracing/set_event")) {
				cr_assert_str_eq(t, "");
				free(t);
				continue;
			}
			cr_assert_gt(strlen(t), 1, "%s: /proc/%s is empty", profiles[i], *v);
			free(t);
		}
		assert_zones_cover_memory();
		kmm_shutdown();
	}
}

/* ---- bad input ------------------------------------------------------------------ */

Test(boot, malformed_e820)
{
	char err[512];
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.e820_text = "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
		      "BIOS-e820: [mem 0x00000000001000zz-0x0000000007ffffff] usable\n";
	boot_err(&p, err, sizeof(err));
	cr_assert(strstr(err, "line 2"), "%s", err);
	p.e820_text = "BIOS-e820: [mem 0x0000000000100000-0x0000000007ffffff] bananas\n";
	boot_err(&p, err, sizeof(err));
	cr_assert(strstr(err, "unknown memory type \"bananas\""), "%s", err);
	p.e820_text = "BIOS-e820: [mem 0x0000000000200000-0x0000000000100000] usable\n";
	boot_err(&p, err, sizeof(err));
	cr_assert(strstr(err, "ends before it starts"), "%s", err);
	p.e820_text = "nothing here\n";
	boot_err(&p, err, sizeof(err));
	cr_assert(strstr(err, "no \"BIOS-e820"), "%s", err);
}

Test(boot, overlapping_e820)
{
	char err[512];
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.e820_text = "BIOS-e820: [mem 0x0000000000100000-0x0000000007ffffff] usable\n"
		      "BIOS-e820: [mem 0x0000000007000000-0x0000000008ffffff] reserved\n";
	boot_err(&p, err, sizeof(err));
	cr_assert(strstr(err, "overlaps"), "%s", err);
}

Test(boot, mem_below_kernel)
{
	char err[512];
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.cmdline = "mem=16M";
	boot_err(&p, err, sizeof(err));
	cr_assert(strstr(err, "below the end of the kernel image"), "%s", err);
	cr_assert(strstr(err, "mem="), "%s", err);
}

Test(boot, bad_parameters)
{
	char err[512];
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	const char *bad[] = { "frobnicate=1", "mem=lots", "memmap=64M%0x1000", "highmem=", "vmalloc=2G",
			      "kernelcore=150%", "numa=maybe", "min_free_kbytes=-5", "transparent_hugepage=sometimes" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		p.cmdline = bad[i];
		boot_err(&p, err, sizeof(err));
	}
	p.cmdline = "console=ttyS0 frobnicate=1";
	boot_err(&p, err, sizeof(err));
	cr_assert(strstr(err, "Unknown kernel command line parameters \"frobnicate=1\""), "%s", err);
	/* a clean boot still works afterwards */
	p.cmdline = "console=ttyS0 loglevel=7 nokaslr";
	boot_or_fail(&p);
	assert_machine_sane();
}

Test(boot, bad_profile_cpus_mem_numa)
{
	char err[512];
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "sparc";
	boot_err(&p, err, sizeof(err));
	cr_assert(strstr(err, "unknown profile"), "%s", err);
	p = (struct kmm_boot_params)KMM_BOOT_DEFAULTS;
	p.nr_cpus = 1000;
	boot_err(&p, err, sizeof(err));
	p = (struct kmm_boot_params)KMM_BOOT_DEFAULTS;
	p.mem_bytes = 4096;
	boot_err(&p, err, sizeof(err));
	p = (struct kmm_boot_params)KMM_BOOT_DEFAULTS;
	p.numa_ranges[0] = (struct kmm_numa_range){ 0, 0, 1ULL << 30 };
	p.nr_numa_ranges = 1;
	boot_err(&p, err, sizeof(err));
	cr_assert(strstr(err, "without NUMA"), "%s", err);
	p.profile = "x86_64";
	p.numa_ranges[0] = (struct kmm_numa_range){ 1, 0, 1ULL << 30 };
	boot_err(&p, err, sizeof(err));
	cr_assert(strstr(err, "nodes only cover"), "%s", err);
	p.numa_ranges[0] = (struct kmm_numa_range){ 1, 0, 8ULL << 30 };
	boot_err(&p, err, sizeof(err));
	cr_assert(strstr(err, "node 0 has no memory"), "%s", err);
}

Test(boot, sysctl_writes)
{
	boot_mem("i386", 1ULL << 30, NULL);
	cr_assert_eq(kmm_proc_write("sys/vm/min_free_kbytes", "abc"), -EINVAL);
	cr_assert_eq(kmm_proc_write("sys/vm/watermark_scale_factor", "0"), -EINVAL);
	cr_assert_eq(kmm_proc_write("sys/vm/watermark_scale_factor", "3001"), -EINVAL);
	cr_assert_eq(kmm_proc_write("sys/vm/percpu_pagelist_high_fraction", "4"), -EINVAL);
	cr_assert_eq(kmm_proc_write("zoneinfo", "1"), -EACCES);
	cr_assert_eq(kmm_proc_write("sys/vm/nope", "1"), -ENOENT);
	struct zone *normal = zone_by_name(0, "Normal");
	cr_assert_eq(kmm_proc_write("sys/vm/min_free_kbytes", "65536"), 0);
	unsigned long lowmem = zone_managed_pages(normal) + zone_managed_pages(zone_by_name(0, "DMA"));
	cr_assert_eq(min_wmark_pages(normal), 16384UL * zone_managed_pages(normal) / lowmem);
	cr_assert_eq(kmm_proc_write("sys/vm/percpu_pagelist_high_fraction", "8"), 0);
	cr_assert_eq(normal->pageset[0].high, (int)(zone_managed_pages(normal) / 8));
	cr_assert_eq(kmm_proc_write("sys/vm/lowmem_reserve_ratio", "128 0 0 0"), 0);
	struct zone *dma = zone_by_name(0, "DMA");
	cr_assert_eq(dma->lowmem_reserve[ZONE_NORMAL], (long)(zone_managed_pages(normal) / 128));
	cr_assert_eq(normal->lowmem_reserve[ZONE_HIGHMEM], 0, "ratio 0 clears the protection");
	assert_machine_sane();
}
