/*
 * test_boot_ref.c - `kmm boot --dmesg` (kmm_boot_params.dmesg_text): the
 * machine a real kernel's log describes, on every real x86 boot under
 * tests/data/linux-ref - four the boot figures were developed on, five
 * they were not.  The log's facts (firmware map, command line, CPUs, NUMA
 * nodes, initrd, kernel build) go in; what Linux computed from them (the
 * boot log's lines, the "Memory:" line, the zones) must come out.
 *
 * Also here: the boot-time users Linux has that these figures depend on -
 * where the boot loader puts the initrd, the software IO TLB, the atomic
 * DMA pools, x86_64's late frees - on every profile.
 */
#define _GNU_SOURCE
#include "kmm_test.h"

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(boot_ref, .fini = fini, .timeout = 120);

/* The kernel package the log's "Linux version" line names: an independent witness of the build. */
static const char *package_profile(const char *dmesg)
{
	const char *v = strstr(dmesg, "Linux version ");
	cr_assert_not_null(v, "no \"Linux version\" line");
	size_t n = strcspn(v, "\n");
	if (memmem(v, n, "-686-pae ", 9))
		return "i386-pae";
	if (memmem(v, n, "-686 ", 5))
		return "i386";
	if (memmem(v, n, "-amd64 ", 7))
		return "x86_64";
	cr_assert_fail("unknown kernel package in %.80s", v);
	return NULL;
}

/* The lines that must read as the real kernel's, in the same order. */
static const char *const same_lines[] = {
	"BIOS-e820:", "Kernel command line:", "setup_percpu:", "percpu: Embedded", "RAMDISK:",
	"Allocated new RAMDISK:", "Move RAMDISK", "NODE_DATA(", "Zone ranges:", "  DMA ", "  DMA32 ",
	"  Normal ", "  HighMem ", "Early memory node ranges", "  node ", "On node ", "Built ", "Policy zone",
	"MB HIGHMEM available", "MB LOWMEM available", "software IO TLB:", "PCI-DMA:", "DMA: preallocated",
	"Freeing SMP alternatives", "Freeing initrd memory", "Freeing unused decrypted",
	"Freeing unused kernel image", "Write protecting", "NX-protecting the kernel data",
	"PM: hibernation: Registered nosave memory:",
};

static void check_log(const char *m, const char *ref)
{
	for (size_t i = 0; i < ARRAY_SIZE(same_lines); i++) {
		char *want = log_lines(ref, same_lines[i]);
		char *got = log_lines(kmm_dmesg(), same_lines[i]);
		cr_expect_str_eq(got, want, "%s: lines starting \"%s\" differ:\n--- kmm\n%s--- linux\n%s", m, same_lines[i],
				 got, want);
		free(want);
		free(got);
	}
}

/* Booting the log gives Linux's machine: build, CPUs, nodes, and the same boot log lines. */
static void check_machine(const char *m)
{
	char *ref = ref_file(m, "dmesg.txt");
	boot_like_ref(m, NULL);
	cr_expect_str_eq(M->prof->name, package_profile(ref), "%s: profile", m);
	const char *sp = strstr(ref, "setup_percpu: ");
	cr_assert_not_null(sp);
	int ncpu = atoi(strstr(sp, "nr_cpu_ids:") + 11), nnode = atoi(strstr(sp, "nr_node_ids:") + 12);
	cr_expect_eq(M->nr_cpus, ncpu, "%s: %d CPUs, Linux %d", m, M->nr_cpus, ncpu);
	cr_expect_eq(M->nr_nodes, nnode, "%s: %d nodes, Linux %d", m, M->nr_nodes, nnode);
	check_log(m, ref);
	assert_machine_sane();
	free(ref);
}

/*
 * "Memory: A/TK available (CK kernel code, WK rwdata, RK rodata, IK init,
 * BK bss, XK reserved, 0K cma-reserved[, HK highmem])": every figure equals
 * the real kernel's to the KiB, the reserved one included - kmm makes
 * every memblock reservation Linux makes before mem_init(), down to the
 * small ones (the cpumasks, the nosave regions, the percpu chunk headers)
 * whose sum decides whether one more page is shared or taken.
 */


struct memory_line {
	long v[11];
	int n;
};

static struct memory_line memory_line(const char *log, const char *who)
{
	struct memory_line l = { { 0 }, 0 };
	const char *s = strstr(log, "Memory: ");
	cr_assert_not_null(s, "%s: no Memory: line", who);
	s += 8;
	while (*s && *s != '\n' && l.n < 11) {
		if (*s >= '0' && *s <= '9') {
			char *e;
			l.v[l.n++] = strtol(s, &e, 10);
			s = e;
		} else {
			s++;
		}
	}
	return l;
}

static void check_memory_line(const char *m)
{
	char *ref = ref_file(m, "dmesg.txt");
	boot_like_ref(m, NULL);
	struct memory_line want = memory_line(ref, "linux"), got = memory_line(kmm_dmesg(), "kmm");
	cr_assert_eq(got.n, want.n, "%s: the Memory: lines have %d and %d figures", m, got.n, want.n);
	static const char *const what[] = { "available", "total", "kernel code", "rwdata", "rodata", "init",
					   "bss", "reserved", "cma-reserved", "highmem" };
	for (int i = 0; i < want.n && i < 10; i++) {
		cr_expect_eq(got.v[i], want.v[i], "%s: Memory: %s kmm %ldK, Linux %ldK", m, what[i], got.v[i], want.v[i]);
	}
	free(ref);
}

/* zoneinfo after boot: spans, present and managed pages exact. */
static void check_zones(const char *m)
{
	char *ref = ref_file(m, "zoneinfo.txt");
	boot_like_ref(m, NULL);
	char *got = kmm_proc_read("zoneinfo");
	static const char *const zones[] = { "DMA", "DMA32", "Normal", "HighMem", "Movable", "Device" };
	int checked = 0;
	long total_gap = 0;
	for (int nid = 0; nid < M->nr_nodes; nid++)
		for (size_t z = 0; z < ARRAY_SIZE(zones); z++) {
			if (zoneinfo_field(ref, nid, zones[z], "spanned") < 0) {
				cr_expect_lt(zoneinfo_field(got, nid, zones[z], "spanned"), 0, "%s: kmm has zone %s", m, zones[z]);
				continue;
			}
			static const char *const exact[] = { "spanned", "present", "start_pfn:" };
			for (size_t f = 0; f < ARRAY_SIZE(exact); f++)
				cr_expect_eq(zoneinfo_field(got, nid, zones[z], exact[f]), zoneinfo_field(ref, nid, zones[z], exact[f]),
					     "%s node %d %s %s: kmm %ld, Linux %ld", m, nid, zones[z], exact[f],
					     zoneinfo_field(got, nid, zones[z], exact[f]), zoneinfo_field(ref, nid, zones[z], exact[f]));
			long gap = zoneinfo_field(got, nid, zones[z], "managed") - zoneinfo_field(ref, nid, zones[z], "managed");
			cr_expect_eq(gap, 0, "%s node %d %s managed: kmm %ld, Linux %ld", m, nid,
				      zones[z], zoneinfo_field(got, nid, zones[z], "managed"),
				      zoneinfo_field(ref, nid, zones[z], "managed"));
			total_gap += gap;
			checked++;
		}
	cr_assert_geq(checked, 3);
	cr_expect_eq(total_gap, 0, "%s: managed in all: %ld pages off", m, total_gap);
	free(ref);
	free(got);
}

/*
 * The reserves computed at boot from kmm's own managed counts: min_free_kbytes,
 * every zone's watermarks and (for the captures taken right after boot; the
 * pressure scenarios' own sysctl writes recomputed theirs) the protection
 * arrays equal the real kernel's.
 */
static void check_reserves(const char *m, bool protection)
{
	char *ref = ref_file(m, "zoneinfo.txt");
	boot_like_ref(m, NULL);
	char *got = kmm_proc_read("zoneinfo");
	struct zone *zone;
	for_each_zone(zone) {
		static const char *const f[] = { "min", "low", "high" };
		for (size_t i = 0; i < ARRAY_SIZE(f); i++)
			cr_expect_eq(zoneinfo_field(got, zone->node, zone->name, f[i]), zoneinfo_field(ref, zone->node, zone->name, f[i]),
				     "%s node %d %s %s: kmm %ld, Linux %ld", m, zone->node, zone->name, f[i],
				     zoneinfo_field(got, zone->node, zone->name, f[i]), zoneinfo_field(ref, zone->node, zone->name, f[i]));
		if (!protection)
			continue;
		char pw[128] = "", pg[128] = "";
		zoneinfo_protection(ref, zone->node, zone->name, pw, sizeof(pw));
		zoneinfo_protection(got, zone->node, zone->name, pg, sizeof(pg));
		cr_expect_str_eq(pg, pw, "%s node %d %s protection: kmm %s, Linux %s", m, zone->node, zone->name, pg, pw);
	}
	free(ref);
	free(got);
}

#define REF_MACHINE(name, dir, protection)                               \
	Test(boot_ref, name##_machine) { check_machine(dir); }           \
	Test(boot_ref, name##_memory) { check_memory_line(dir); }        \
	Test(boot_ref, name##_zones) { check_zones(dir); }               \
	Test(boot_ref, name##_reserves) { check_reserves(dir, protection); }

REF_MACHINE(i386_2G, "i386-686-2G", true)
REF_MACHINE(i386_1G, "i386-686-1G", true)
REF_MACHINE(i386_256M, "i386-686-256M", false)
REF_MACHINE(pae_2G, "i386-pae-2G", true)
REF_MACHINE(pae_512M, "i386-pae-512M", true)
REF_MACHINE(x86_64_numa2, "x86_64-4G-numa2", true)
REF_MACHINE(x86_64_smp2, "x86_64-4G-smp2", true)
REF_MACHINE(x86_64_1G, "x86_64-1G", false)
REF_MACHINE(x86_64_512M, "x86_64-512M", false)
REF_MACHINE(i386_256M_intel, "i386-686-256M-intel", true)
REF_MACHINE(pae_768M, "i386-pae-768M", true)
REF_MACHINE(x86_64_3G_smp3, "x86_64-3G-smp3", true)

/*
 * memblock=debug logs every reservation as Linux does, the range as %pa
 * prints the profile's phys_addr_t: 8 hex digits on i386, 16 with PAE.
 */
static void check_memblock_debug(const char *profile, int digits)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 256ULL << 20;
	p.cmdline = "memblock=debug";
	boot_or_fail(&p);
	const char *log = kmm_dmesg();
	const char *r = strstr(log, "memblock_reserve: [0x");
	cr_assert_not_null(r, "%s: no memblock_reserve line", profile);
	r += strlen("memblock_reserve: [0x");
	cr_expect_eq(strspn(r, "0123456789abcdef"), (size_t)digits, "%s: %.40s", profile, r);
	cr_expect_not_null(strstr(log, "memblock_phys_alloc_range: "), "%s", profile);
	cr_expect_not_null(strstr(log, "memblock_phys_free: [0x"), "%s", profile);
	/* and nothing without it */
	kmm_shutdown();
	p.cmdline = NULL;
	boot_or_fail(&p);
	cr_expect_null(strstr(kmm_dmesg(), "memblock_reserve:"), "%s", profile);
}

Test(boot_ref, memblock_debug_i386)
{
	check_memblock_debug("i386", 8);
}

Test(boot_ref, memblock_debug_pae)
{
	check_memblock_debug("i386-pae", 16);
}

/* ---- the dmesg import itself ------------------------------------------------- */

static int boot_text(const char *text, const char *cmdline, char *err, size_t errlen)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.dmesg_text = text;
	p.cmdline = cmdline;
	return kmm_boot(&p, err, errlen);
}

Test(boot_ref, dmesg_without_e820_is_refused)
{
	char err[256];
	int ret = boot_text("[    0.000000] Linux version 6.1.0-50-amd64\n[    0.1] Memory: 1K/2K available\n", NULL, err,
			    sizeof(err));
	cr_assert_eq(ret, -EINVAL);
	cr_assert(strstr(err, "BIOS-e820"), "%s", err);
	cr_assert(!kmm_booted());
	cr_assert_eq(boot_text("", NULL, err, sizeof(err)), -EINVAL);
	cr_assert(!kmm_booted());
}

/* The caller's command line comes after the log's: later parameters win, as in Linux. */
Test(boot_ref, dmesg_cmdline_is_extended)
{
	char *ref = ref_file("i386-686-2G", "dmesg.txt"), err[256];
	cr_assert_eq(boot_text(ref, "mem=512M", err, sizeof(err)), 0, "%s", err);
	cr_assert(strstr(kmm_dmesg(), "Kernel command line: console=ttyS0 loglevel=7 panic=-1 no_hash_pointers nokaslr mem=512M\n"));
	cr_assert_leq(M->max_pfn, (512UL << 20) >> PAGE_SHIFT);
	assert_machine_sane();
	kmm_shutdown();
	/* a parameter kmm does not know stops the boot, whichever side it came from */
	cr_assert_eq(boot_text(ref, "frobnicate=1", err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "frobnicate"), "%s", err);
	cr_assert(!kmm_booted());
	free(ref);
}

/* A pasted log of a distribution's boot: parameters kmm does not model are named and left alone. */
Test(boot_ref, dmesg_foreign_parameters)
{
	static const char log[] =
		"[    0.000000] Command line: BOOT_IMAGE=/boot/vmlinuz-6.1.0-13-amd64 root=UUID=1234 ro quiet splash vt.handoff=7 mem=512M\n"
		"[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
		"[    0.000000] BIOS-e820: [mem 0x0000000000100000-0x000000003ffdffff] usable\n"
		"[    0.009000] Zone ranges:\n"
		"[    0.009000]   DMA      [mem 0x0000000000001000-0x0000000000ffffff]\n"
		"[    0.009000]   DMA32    [mem 0x0000000001000000-0x000000003ffdffff]\n";
	char err[256];
	cr_assert_eq(boot_text(log, NULL, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(M->prof->name, "x86_64");
	cr_assert(strstr(kmm_dmesg(), "Kernel command line: BOOT_IMAGE=/boot/vmlinuz-6.1.0-13-amd64 root=UUID=1234 ro quiet splash vt.handoff=7 mem=512M\n"));
	cr_assert(strstr(kmm_dmesg(), "Unknown kernel command line parameters \"vt.handoff=7\", will be passed to user space.\n"));
	cr_assert_eq(M->max_pfn, (512UL << 20) >> PAGE_SHIFT, "mem=512M of the log applies");
	assert_machine_sane();
}

/* Without SRAT lines the "NUMA: Node N [mem ...] + [mem ...] -> ..." lines give the nodes. */
Test(boot_ref, dmesg_numa_from_node_lines)
{
	char *ref = ref_file("x86_64-4G-numa2", "dmesg.txt"), err[256];
	for (char *s; (s = strstr(ref, "ACPI: SRAT: Node "));)
		memcpy(s, "ACPI: srat: node ", 17);
	cr_assert_eq(boot_text(ref, NULL, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(M->nr_nodes, 2);
	cr_assert_eq(NODE_DATA(1)->node_start_pfn, 0x80000UL);
	cr_assert_eq(NODE_DATA(1)->node_start_pfn + NODE_DATA(1)->node_spanned_pages, 0x140000UL);
	assert_machine_sane();
	free(ref);
}

/* ---- the initrd --------------------------------------------------------------- */

/*
 * The boot loader puts it as high as it goes, page-aligned, below the top
 * of RAM under initrd_addr_max (2 GiB for the 32-bit kernels, 4 GiB for a
 * 64-bit one); Linux reserves it, i386 moves it into lowmem when it lies
 * above, and it is freed after boot.
 */
static void initrd_placed(const char *profile)
{
	ARM_NOT_YET(profile, "x86 boot loader placement; arm64 places initrds as QEMU (test_arm64)");
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 4ULL << 30;
	p.initrd_bytes = (1ULL << 20) + 123;
	boot_or_fail(&p);
	char want[128];
	u64 top = !strcmp(profile, "x86_64") ? 0xbffe0000ULL : 0x80000000ULL; /* the default map's RAM below 3 GiB, or 2 GiB */
	u64 at = (top - 1 - p.initrd_bytes) & ~(u64)(PAGE_SIZE - 1);
	snprintf(want, sizeof(want), "RAMDISK: [mem 0x%08llx-0x%08llx]\n", (unsigned long long)at,
		 (unsigned long long)ALIGN(at + p.initrd_bytes, PAGE_SIZE) - 1);
	cr_assert(strstr(kmm_dmesg(), want), "no \"%s\" in the log", want);
	cr_assert(strstr(kmm_dmesg(), "Freeing initrd memory: 1028K\n"));
	if (strcmp(profile, "x86_64")) /* above lowmem: moved */
		cr_assert(strstr(kmm_dmesg(), "Allocated new RAMDISK"));
	/* freed: its pages are the buddy allocator's again, none reserved */
	for (unsigned long pfn = PFN_DOWN(M->initrd_start); pfn < PFN_UP(M->initrd_start + M->initrd_size); pfn++)
		cr_assert(!PageReserved(pfn_to_page(pfn)), "pfn %#lx still reserved", pfn);
	assert_machine_sane();
}

TEST_ON_EVERY_PROFILE(boot_ref, initrd_placed_by_loader, initrd_placed)

static void initrd_too_big(const char *profile)
{
	ARM_NOT_YET(profile, "x86 boot loader placement; arm64 places initrds as QEMU (test_arm64)");
	char err[256];
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 96ULL << 20;
	p.initrd_bytes = 90ULL << 20;
	cr_assert_eq(kmm_boot(&p, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "initrd"), "%s", err);
	cr_assert(!kmm_booted());
	/* nor where no RAM is */
	p.initrd_bytes = 1 << 20;
	p.initrd_start = 0xf0000000ULL;
	cr_assert_eq(kmm_boot(&p, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "not in usable RAM"), "%s", err);
	cr_assert(!kmm_booted());
}

TEST_ON_EVERY_PROFILE(boot_ref, initrd_refused, initrd_too_big)

/* ---- the software IO TLB, the atomic DMA pools, the late frees ---------------- */

/*
 * RAM above 4 GiB: i386-pae and x86_64 keep a 64 MiB bounce buffer below
 * 4 GiB (and in lowmem), reserved for good, as arm64 and arm-lpae do; i386
 * cannot address that RAM, and an `arm` board holds at most 3 GiB.
 */
static void swiotlb(const char *profile)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 8ULL << 30;
	boot_or_fail(&p);
	bool want = strcmp(profile, "i386") && strcmp(profile, "arm");
	cr_assert_eq(strstr(kmm_dmesg(), "software IO TLB: mapped [mem ") != NULL, want);
	cr_assert_eq(M->swiotlb_size, want ? 64ULL << 20 : 0);
	if (want) {
		cr_assert_leq(M->swiotlb_start + M->swiotlb_size, PFN_PHYS(M->max_low_pfn));
		cr_assert_leq(M->swiotlb_start + M->swiotlb_size, 1ULL << 32);
		for (u64 a = M->swiotlb_start; a < M->swiotlb_start + M->swiotlb_size; a += PAGE_SIZE)
			cr_assert(PageReserved(pfn_to_page(PFN_DOWN(a))));
		char line[160];
		snprintf(line, sizeof(line), "software IO TLB: mapped [mem 0x%016llx-0x%016llx] (64MB)\n",
			 (unsigned long long)M->swiotlb_start, (unsigned long long)(M->swiotlb_start + M->swiotlb_size));
		cr_assert(strstr(kmm_dmesg(), line), "no \"%s\"", line);
	}
	assert_machine_sane();
	kmm_shutdown();
	/* 3 GiB of RAM all lies below 4 GiB: no bounce buffer */
	p.mem_bytes = 3ULL << 30;
	boot_or_fail(&p);
	cr_assert_eq(M->swiotlb_size, 0);
	cr_assert(!strstr(kmm_dmesg(), "software IO TLB"));
}

TEST_ON_EVERY_PROFILE(boot_ref, swiotlb_above_4G, swiotlb)

/* x86_64 only: three pools of 128 KiB per GiB, each one block from its zone, never given back. */
static void dma_pools(const char *profile)
{
	ARM64_NOT_YET(profile, "x86 ZONE_DMA (16 MiB) expectations; test_arm64 checks the arm64 pools");
	ARM32_NOT_YET(profile, "32-bit ARM's dma-mapping keeps one 256 KiB pool from CMA instead (test_arm checks it)");
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 2ULL << 30;
	boot_or_fail(&p);
	if (strcmp(profile, "x86_64")) {
		cr_assert(!strstr(kmm_dmesg(), "DMA: preallocated"));
		for (int i = 0; i < 3; i++)
			cr_assert_null(M->dma_pool[i]);
		return;
	}
	/* ~2 GiB managed: 255 KiB -> 128 KiB per GiB rounds to a 256 KiB block */
	cr_assert(strstr(kmm_dmesg(), "DMA: preallocated 256 KiB GFP_KERNEL pool for atomic allocations\n"));
	cr_assert(strstr(kmm_dmesg(), "DMA: preallocated 256 KiB GFP_KERNEL|GFP_DMA pool for atomic allocations\n"));
	cr_assert(strstr(kmm_dmesg(), "DMA: preallocated 256 KiB GFP_KERNEL|GFP_DMA32 pool for atomic allocations\n"));
	cr_assert_eq(zone_idx(page_zone(M->dma_pool[1])), ZONE_DMA);
	cr_assert_eq(zone_idx(page_zone(M->dma_pool[2])), ZONE_DMA32);
	/* DMA's 3840 managed pages: the pool's 64 are gone from its free count */
	struct zone *dma = zone_by_name(0, "DMA");
	drain_all_pages(NULL);
	cr_assert_leq(dma->vm_stat[NR_FREE_PAGES], dma->managed_pages - 64);
	assert_machine_sane();
}

TEST_ON_EVERY_PROFILE(boot_ref, atomic_dma_pools, dma_pools)

/* free_initmem and mark_rodata_ro: the freed sizes follow from the image's layout. */
static void late_frees(const char *profile)
{
	ARM64_NOT_YET(profile, "x86 image and its log lines; arm64 frees only init (test_arm64)");
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 1ULL << 30;
	boot_or_fail(&p);
	const struct kmm_image *im = &M->image;
	char line[128];
	snprintf(line, sizeof(line), "Freeing unused kernel image (initmem) memory: %lluK\n",
		 (unsigned long long)(ALIGN(im->einit, PAGE_SIZE) - im->init) >> 10);
	cr_assert(strstr(kmm_dmesg(), line), "no \"%s\"", line);
	bool x86_64 = !strcmp(profile, "x86_64");
	cr_assert_eq(strstr(kmm_dmesg(), "Freeing unused decrypted memory: ") != NULL, x86_64);
	cr_assert_eq(strstr(kmm_dmesg(), "Freeing unused kernel image (text/rodata gap) memory: ") != NULL, x86_64);
	if (x86_64) {
		snprintf(line, sizeof(line), "Freeing unused kernel image (text/rodata gap) memory: %lluK\n",
			 (unsigned long long)(im->rodata - ALIGN(im->etext, PAGE_SIZE)) >> 10);
		cr_assert(strstr(kmm_dmesg(), line), "no \"%s\"", line);
		snprintf(line, sizeof(line), "Freeing unused kernel image (rodata/data gap) memory: %lluK\n",
			 (unsigned long long)(im->data - ALIGN(im->erodata, PAGE_SIZE)) >> 10);
		cr_assert(strstr(kmm_dmesg(), line), "no \"%s\"", line);
		/* the freed gap is the buddy allocator's: not reserved */
		cr_assert(!PageReserved(pfn_to_page(PFN_UP(im->etext))));
		cr_assert(PageReserved(pfn_to_page(PFN_DOWN(im->rodata))));
	}
	assert_machine_sane();
}

TEST_ON_EVERY_PROFILE(boot_ref, late_frees_of_the_image, late_frees)

/* VMALLOC_END on x86_64 is the area's last byte: VmallocTotal is 32 TiB less one byte, rounded down. */
Test(boot_ref, x86_64_vmalloc_total)
{
	boot_like_ref("x86_64-4G-numa2", NULL);
	char *mi = ref_file("x86_64-4G-numa2", "meminfo.txt");
	char *vi = ref_file("x86_64-4G-numa2", "vmallocinfo.txt");
	char *got = kmm_proc_read("meminfo");
	char *want_line = log_lines(mi, "VmallocTotal:"), *got_line = log_lines(got, "VmallocTotal:");
	cr_expect_str_eq(got_line, want_line);
	cr_expect_eq(M->layout.vmalloc_start, strtoul(vi, NULL, 16));
	free(want_line);
	free(got_line);
	free(got);
	free(mi);
	free(vi);
}
