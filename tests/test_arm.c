/*
 * test_arm.c - the 32-bit ARM profiles (arm: Debian's armmp, arm-lpae:
 * armmp-lpae) against real Debian 6.1 boots on QEMU's virt board with a
 * cortex-a15 (tests/data/linux-ref-arm: armhf-armmp-1G with 256 MiB of
 * HighMem, armhf-lpae-2G).
 *
 * The default board (`kmm boot --profile arm`) is kmm's own tree of QEMU's
 * virt machine; with the capture's initrd it is the capture's machine.
 * Watermarks are checked as Linux computes them from managed counts: the
 * formula below reproduces the captures' zoneinfo_recalc (watermarks
 * recomputed from the final managed pages), then kmm's own recomputation
 * must equal it for kmm's managed pages.
 */
#define _GNU_SOURCE
#include "kmm_test.h"

#include <kmm/highmem.h>
#include <kmm/slab.h>
#include <kmm/vmalloc.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(arm, .fini = fini, .timeout = 120);

#define REF_ARM "armhf-armmp-1G"
#define REF_LPAE "armhf-lpae-2G"
#define CAPTURE_INITRD 0xd8394 /* both captures' initramfs: linux,initrd-end - linux,initrd-start */
#define CAPTURE_CMDLINE "console=ttyAMA0 loglevel=7 panic=-1 no_hash_pointers nokaslr"

static void boot_board(const char *profile, unsigned long long mem, const char *cmdline)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = mem;
	p.initrd_bytes = CAPTURE_INITRD;
	p.cmdline = cmdline ? cmdline : CAPTURE_CMDLINE;
	boot_or_fail(&p);
}

static int boot_dtb_file(const char *machine, const char *profile, char *err, size_t errlen)
{
	return boot_arm_dtb(machine, profile, NULL, err, errlen);
}

static const char *const zones[] = { "DMA", "Normal", "HighMem", "Movable" };

/*
 * __setup_per_zone_wmarks() for one zone of a zoneinfo text, from its managed
 * pages, the lowmem zones' sum and min_free_kbytes (watermark_scale_factor 10).
 */
static void linux_wmarks(const char *zi, const char *zone, long mfk, long w[3])
{
	long lowmem = 0, pages_min = mfk >> 2, managed = zoneinfo_field(zi, 0, zone, "managed");
	for (size_t z = 0; z < ARRAY_SIZE(zones); z++)
		if (strcmp(zones[z], "HighMem") && strcmp(zones[z], "Movable"))
			lowmem += zoneinfo_field(zi, 0, zones[z], "managed");
	long tmp = pages_min * managed / lowmem;
	bool high = !strcmp(zone, "HighMem") || !strcmp(zone, "Movable");
	w[0] = high ? (managed / 1024 < 32 ? 32 : managed / 1024 > 128 ? 128 : managed / 1024) : tmp;
	long scale = managed * 10 / 10000;
	tmp = (tmp >> 2) > scale ? tmp >> 2 : scale;
	w[1] = w[0] + tmp;
	w[2] = w[0] + 2 * tmp;
}

/* spans exact, managed within 0.5%, protection exact; watermarks as Linux computes them for the managed counts */
static void check_zones(const char *machine)
{
	char *ref = arm_ref(machine, "zoneinfo.txt"), *recalc = arm_ref(machine, "zoneinfo_recalc.txt");
	char *rmfk = arm_ref(machine, "min_free_kbytes.txt");
	long ref_mfk = atol(rmfk);
	/* the formula is Linux's: it gives the capture's own recomputation */
	for (size_t z = 0; z < ARRAY_SIZE(zones); z++) {
		long w[3];
		linux_wmarks(recalc, zones[z], ref_mfk, w);
		cr_assert_eq(w[0], zoneinfo_field(recalc, 0, zones[z], "min"), "%s %s: formula min", machine, zones[z]);
		cr_assert_eq(w[1], zoneinfo_field(recalc, 0, zones[z], "low"), "%s %s: formula low", machine, zones[z]);
		cr_assert_eq(w[2], zoneinfo_field(recalc, 0, zones[z], "high"), "%s %s: formula high", machine, zones[z]);
	}
	char *mfk = kmm_proc_read("sys/vm/min_free_kbytes");
	long kmfk = atol(mfk);
	cr_expect(labs(kmfk - ref_mfk) <= ref_mfk / 200, "min_free_kbytes: kmm %ld, Linux %ld", kmfk, ref_mfk);
	/* as the capture did: min_free_kbytes written with its own value recomputes the watermarks */
	cr_assert_eq(kmm_proc_write("sys/vm/min_free_kbytes", mfk), 0);
	free(mfk);
	char *got = kmm_proc_read("zoneinfo");
	for (size_t z = 0; z < ARRAY_SIZE(zones); z++) {
		static const char *const exact[] = { "spanned", "present", "start_pfn:" };
		for (size_t f = 0; f < ARRAY_SIZE(exact); f++)
			cr_expect_eq(zoneinfo_field(got, 0, zones[z], exact[f]), zoneinfo_field(ref, 0, zones[z], exact[f]),
				     "%s %s %s: kmm %ld, Linux %ld", machine, zones[z], exact[f],
				     zoneinfo_field(got, 0, zones[z], exact[f]), zoneinfo_field(ref, 0, zones[z], exact[f]));
		long want = zoneinfo_field(ref, 0, zones[z], "managed"), have = zoneinfo_field(got, 0, zones[z], "managed");
		cr_expect(labs(have - want) <= want / 200, "%s %s managed: kmm %ld, Linux %ld", machine, zones[z], have, want);
		long w[3];
		linux_wmarks(got, zones[z], kmfk, w);
		cr_expect(w[0] == zoneinfo_field(got, 0, zones[z], "min") && w[1] == zoneinfo_field(got, 0, zones[z], "low") &&
			  w[2] == zoneinfo_field(got, 0, zones[z], "high"),
			  "%s %s watermarks: kmm %ld/%ld/%ld, Linux's for kmm's managed %ld/%ld/%ld", machine, zones[z],
			  zoneinfo_field(got, 0, zones[z], "min"), zoneinfo_field(got, 0, zones[z], "low"),
			  zoneinfo_field(got, 0, zones[z], "high"), w[0], w[1], w[2]);
		char pw[128] = "", pg[128] = "";
		zoneinfo_protection(ref, 0, zones[z], pw, sizeof(pw));
		zoneinfo_protection(got, 0, zones[z], pg, sizeof(pg));
		cr_expect_str_eq(pg, pw, "%s %s protection: kmm %s, Linux %s", machine, zones[z], pg, pw);
	}
	free(got);
	free(rmfk);
	free(recalc);
	free(ref);
}

/* the capture's line that starts with prefix equals kmm's */
static void expect_same_line(const char *ref, const char *prefix)
{
	char *want = log_lines(ref, prefix), *got = log_lines(kmm_dmesg(), prefix);
	cr_expect_str_eq(got, want, "\"%s\": kmm \"%s\", Linux \"%s\"", prefix, got, want);
	free(want);
	free(got);
}

/* the Memory: line: the image's sections, CMA and highmem exact; available within 0.5% */
static void check_memory_line(const char *ref)
{
	char *want = log_lines(ref, "Memory: "), *got = log_lines(kmm_dmesg(), "Memory: ");
	unsigned long wa, wt, ga, gt;
	cr_assert_eq(sscanf(want, "Memory: %luK/%luK", &wa, &wt), 2);
	cr_assert_eq(sscanf(got, "Memory: %luK/%luK", &ga, &gt), 2, "%s", got);
	cr_expect_eq(gt, wt);
	cr_expect(labs((long)ga - (long)wa) <= (long)wa / 200, "available: kmm %luK, Linux %luK", ga, wa);
	const char *ws = strstr(want, "available ("), *gs = strstr(got, "available (");
	const char *wr = strstr(want, " reserved, "), *gr = strstr(got, " reserved, ");
	cr_assert(ws && gs && wr && gr, "%s", got);
	const char *wsec = strstr(ws, " bss, "), *gsec = strstr(gs, " bss, ");
	cr_expect(wsec && gsec && wsec - ws == gsec - gs && !strncmp(ws, gs, (size_t)(wsec - ws)),
		  "the image's sections: kmm %s, Linux %s", got, want);
	cr_expect_str_eq(gr, wr, "CMA and highmem: kmm %s, Linux %s", got, want);
	free(want);
	free(got);
}

static void check_capture(const char *machine)
{
	char *ref = arm_ref(machine, "dmesg.txt");
	char *want = zone_ranges_block(ref), *got = zone_ranges_block(kmm_dmesg());
	cr_expect_str_eq(got, want, "%s: the zone ranges differ:\n--- kmm\n%s--- Linux\n%s", machine, got, want);
	free(want);
	free(got);
	check_zones(machine);
	check_memory_line(ref);
	expect_same_line(ref, "cma: Reserved ");
	expect_same_line(ref, "percpu: Embedded ");
	expect_same_line(ref, "Built 1 zonelists");
	expect_same_line(ref, "Dentry cache hash table entries");
	expect_same_line(ref, "Inode-cache hash table entries");
	expect_same_line(ref, "SLUB: HWalign");
	expect_same_line(ref, "Freeing unused kernel image (initmem) memory");
	expect_same_line(ref, "DMA: preallocated ");
	free(ref);
	char *mi = arm_ref(machine, "meminfo.txt");
	/* CmaFree: less dma-mapping's 256 KiB atomic pool */
	static const char *const fields[] = { "CmaTotal:", "CmaFree:", "HighTotal:", "VmallocTotal:" };
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		char *a = strstr(mi, fields[i]);
		cr_assert_not_null(a);
		unsigned long v = strtoul(a + strlen(fields[i]), NULL, 10);
		cr_expect_eq(meminfo_value(fields[i]), v, "%s kmm %lu, Linux %lu", fields[i], meminfo_value(fields[i]), v);
	}
	free(mi);
	assert_machine_sane();
}

Test(arm, default_board_is_the_armmp_capture)
{
	boot_board("arm", 1ULL << 30, NULL);
	check_capture(REF_ARM);
}

Test(arm, default_board_is_the_lpae_capture)
{
	boot_board("arm-lpae", 2ULL << 30, NULL);
	check_capture(REF_LPAE);
}

Test(arm, boots_the_captures_dtb)
{
	char err[256] = "";
	cr_assert_eq(boot_dtb_file(REF_ARM, NULL, err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(M->prof->name, "arm", "the tree's cortex-a15 picks the 32-bit profile");
	cr_expect_eq(M->initrd_start, 0x48000000ULL, "/chosen linux,initrd-start");
	cr_expect_not_null(strstr(kmm_dmesg(), "Kernel command line: " CAPTURE_CMDLINE));
	check_capture(REF_ARM);
	kmm_shutdown();
	cr_assert_eq(boot_dtb_file(REF_LPAE, "arm-lpae", err, sizeof(err)), 0, "%s", err);
	check_capture(REF_LPAE);
	kmm_shutdown();
	/* an ARM tree does not boot a PC */
	cr_expect_neq(boot_dtb_file(REF_ARM, "x86_64", err, sizeof(err)), 0);
	cr_expect_not_null(strstr(err, "ARM profile"), "%s", err);
}

Test(arm, layout)
{
	boot_board("arm", 1ULL << 30, NULL);
	const struct kmm_layout *l = &M->layout;
	cr_expect_eq(l->linear_base, 0xc0000000UL);
	cr_expect_eq(l->phys_offset, 0x40000000UL);
	cr_expect_eq(l->page_offset + 0x40000000UL, 0xc0000000UL, "__va(PHYS_OFFSET) is PAGE_OFFSET");
	cr_expect_eq(l->high_memory, 0xf0000000UL, "240 MiB of vmalloc and its 8 MiB gap below 0xff800000");
	cr_expect_eq(l->vmalloc_start, 0xf0800000UL, "the capture's first vmalloc area");
	cr_expect_eq(l->vmalloc_end, 0xff800000UL);
	cr_expect_eq(l->pkmap_base, 0xbfe00000UL, "PAGE_OFFSET - PMD_SIZE");
	cr_expect_eq(l->modules_vaddr, 0xbf000000UL);
	cr_expect_eq(l->fixaddr_start, 0xffc80000UL);
	cr_expect_eq(l->fixaddr_top, 0xffeff000UL);
	cr_expect_eq(M->arm_lowmem_limit, 0x70000000ULL);
	/* the kernel image: iomem's Kernel code from _stext, _end where "Kernel data" ends */
	cr_expect_eq(M->image.init, 0x41200000ULL, "__init_begin, section aligned");
	cr_expect_eq(M->image.data, 0x41400000ULL, "_sdata");
	/* a kmalloc'ed object is in the direct map, __pa of it is its RAM */
	void *obj = kmalloc(100, GFP_KERNEL);
	unsigned long kva = kmm_host_to_kva(obj);
	cr_expect(kva >= 0xc0000000UL && kva < 0xf0000000UL, "kva %#lx", kva);
	phys_addr_t pa;
	cr_expect(kernel_va_to_phys(kva, &pa));
	cr_expect_eq(pa, kva - 0xc0000000UL + 0x40000000UL);
	kfree(obj);
	void *v = vmalloc(3 * PAGE_SIZE);
	unsigned long vva = kmm_host_to_kva(v);
	cr_expect(vva >= 0xf0800000UL && vva < 0xff800000UL, "vmalloc %#lx", vva);
	vfree(v);
	char *lay = kmm_proc_read("kmm/layout");
	cr_expect(strstr(lay, "    lowmem  : 0xc0000000 - 0xf0000000   ( 768 MB)\n"), "%s", lay);
	cr_expect(strstr(lay, "    pkmap   : 0xbfe00000 - 0xc0000000   (2048 kB)\n"), "%s", lay);
	free(lay);
	assert_machine_sane();
}

Test(arm, vmalloc_parameter_moves_the_lowmem_limit)
{
	/* vmalloc=480M: lowmem ends at __pa(0xff800000 - 480 MiB - 8 MiB) */
	boot_board("arm", 1ULL << 30, CAPTURE_CMDLINE " vmalloc=480M");
	cr_expect_eq(M->arm_lowmem_limit, 0x61000000ULL);
	cr_expect_eq(M->layout.high_memory, 0xe1000000UL);
	cr_expect_eq(M->layout.vmalloc_start, 0xe1800000UL);
	cr_expect_not_null(strstr(kmm_dmesg(), "  DMA      [mem 0x0000000040000000-0x0000000060ffffff]\n"), "%s", kmm_dmesg());
	cr_expect_not_null(strstr(kmm_dmesg(), "  HighMem  [mem 0x0000000061000000-0x000000007fffffff]\n"));
	cr_expect_eq(meminfo_value("VmallocTotal:"), 480UL << 10);
	assert_machine_sane();
	kmm_shutdown();
	/* too small and too big are limited, with Linux's warnings */
	boot_board("arm", 1ULL << 30, "vmalloc=4M");
	cr_expect_not_null(strstr(kmm_dmesg(), "vmalloc area is too small, limiting to 16MiB"));
	cr_expect_eq(meminfo_value("VmallocTotal:"), 16UL << 10);
	kmm_shutdown();
	boot_board("arm", 1ULL << 30, "vmalloc=2G");
	cr_expect_not_null(strstr(kmm_dmesg(), "vmalloc area is too big, limiting to 976MiB"));
	cr_expect_eq(M->arm_lowmem_limit, 0x42000000ULL, "32 MiB of lowmem are left");
	kmm_shutdown();
	/* a small board is all lowmem: no HighMem */
	boot_board("arm", 256ULL << 20, NULL);
	cr_expect_not_null(strstr(kmm_dmesg(), "  HighMem  empty\n"), "%s", kmm_dmesg());
	assert_machine_sane();
}

static void check_kmalloc_geometry(const char *machine)
{
	char *ref = arm_ref(machine, "slabinfo.txt"), *got = kmm_proc_read("slabinfo");
	int checked = expect_kmalloc_geometry(ref, got);
	cr_expect_eq(checked, 36, "the capture's 4 x 9 kmalloc caches (64 .. 8k)");
	/* ARCH_DMA_MINALIGN is the 64-byte cache line: nothing smaller */
	cr_expect_null(strstr(got, "\nkmalloc-32 "));
	cr_expect_null(strstr(got, "\nkmalloc-96 "));
	void *small = kmalloc(8, GFP_KERNEL), *mid = kmalloc(150, GFP_KERNEL);
	cr_expect_eq(ksize(small), 64);
	cr_expect_eq(ksize(mid), 192);
	kfree(small);
	kfree(mid);
	free(ref);
	free(got);
}

Test(arm, slabinfo_kmalloc_geometry)
{
	boot_board("arm", 1ULL << 30, NULL);
	check_kmalloc_geometry(REF_ARM);
	kmm_shutdown();
	boot_board("arm-lpae", 2ULL << 30, NULL);
	check_kmalloc_geometry(REF_LPAE);
}

/* A HighMem page through kmap (PKMAP, below PAGE_OFFSET) and kmap_local (the CPU's fixmap slots). */
static void kmap_highmem(const char *profile)
{
	boot_board(profile, 1ULL << 30, NULL);
	struct kmm_usage u;
	kmm_usage_settle(&u);
	struct page *page = alloc_pages(GFP_HIGHUSER, 0);
	cr_assert_not_null(page);
	cr_expect(PageHighMem(page), "GFP_HIGHUSER on a board with HighMem");
	char *a = kmap(page);
	unsigned long ka = kmm_host_to_kva(a);
	cr_expect(ka >= 0xbfe00000UL && ka < 0xc0000000UL, "kmap %#lx is in PKMAP", ka);
	strcpy(a, "through pkmap");
	char *b = kmap_local_page(page);
	unsigned long kb = kmm_host_to_kva(b);
	cr_expect(kb >= 0xffc80000UL && kb < 0xffeff000UL, "kmap_local %#lx is a fixmap slot", kb);
	cr_expect_str_eq(b, "through pkmap", "the same frame through both windows");
	kunmap_local(b);
	kunmap(page);
	__free_pages(page, 0);
	assert_nothing_lost_since(&u, "kmap of a HighMem page");
}

Test(arm, kmap_highmem_arm) { kmap_highmem("arm"); }
Test(arm, kmap_highmem_lpae) { kmap_highmem("arm-lpae"); }

/* RAM from 1 GiB: a 4 GiB board passes 4 GiB, which a 2-level kernel's phys_addr_t cannot name; LPAE takes it all */
Test(arm, ram_above_4g)
{
	boot_board("arm", 4ULL << 30, NULL);
	cr_expect_not_null(strstr(kmm_dmesg(), "OF: fdt: Ignoring memory range 0x100000000 - 0x140000000\n"), "%s",
			   kmm_dmesg());
	cr_expect_eq(M->max_pfn, 0x100000UL);
	cr_expect_eq(meminfo_value("HighTotal:") + meminfo_value("LowTotal:"), meminfo_value("MemTotal:"));
	assert_machine_sane();
	kmm_shutdown();
	boot_board("arm-lpae", 4ULL << 30, NULL);
	cr_expect_null(strstr(kmm_dmesg(), "Ignoring memory"));
	cr_expect_eq(M->max_pfn, 0x140000UL);
	cr_expect_not_null(strstr(kmm_dmesg(), "  HighMem  [mem 0x0000000070000000-0x000000013fffffff]\n"), "%s",
			   kmm_dmesg());
	assert_machine_sane();
}

Test(arm, hostile_sizes_are_refused)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	char err[256] = "";
	p.profile = "arm";
	p.mem_bytes = 16ULL << 20;
	cr_expect_neq(kmm_boot(&p, err, sizeof(err)), 0);
	cr_expect_not_null(strstr(err, "64 MiB .. 255 GiB"), "%s", err);
	p.mem_bytes = 300ULL << 30;
	cr_expect_neq(kmm_boot(&p, err, sizeof(err)), 0);
	cr_expect(!kmm_booted());
	p.cmdline = "mem=8M";
	p.mem_bytes = 1ULL << 30;
	cr_expect_neq(kmm_boot(&p, err, sizeof(err)), 0, "mem= below the image's end");
	cr_expect(!kmm_booted());
}
