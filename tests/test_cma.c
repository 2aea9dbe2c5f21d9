/*
 * test_cma.c - the Contiguous Memory Allocator (mm/cma.c) as a kernel
 * build option: without CONFIG_CMA cma= stays an unknown parameter; with
 * it the boot reserves the area (6.1's "cma: Reserved" and "cma-reserved"
 * words), its pageblocks are MIGRATE_CMA, the views carry CmaTotal/CmaFree,
 * the CMA column and cma_alloc_* in the reference capture's formats
 * (tests/data/pressure/cma-arm64-1G); movable allocations borrow the area
 * under 6.1's rule and nothing else does; cma_alloc migrates the borrowed
 * pages away (the bytes intact both ways in), skips a range a pinned page
 * keeps busy, cma_release gives back; hostile sizes and releases are
 * refused changing nothing; nothing lost.
 */
#include "kmm_test.h"

#include "mm/cma.h"

#include <kmm/task.h>
#include <kmm/trace.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(cma, .fini = fini, .timeout = 180);

/* Boot profile with mem, --kconfig kconfig (NULL: the profile's) and cmdline; the boot's return and message. */
static int boot_cma(const char *profile, unsigned long long mem, const char *kconfig, const char *cmdline, char *err,
		    size_t errlen)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = mem;
	p.kconfig = kconfig;
	p.cmdline = cmdline;
	err[0] = 0;
	return kmm_boot(&p, err, errlen);
}

static void boot_cma_ok(const char *profile, unsigned long long mem, const char *kconfig, const char *cmdline)
{
	char err[512];
	int ret = boot_cma(profile, mem, kconfig, cmdline, err, sizeof(err));
	cr_assert_eq(ret, 0, "boot failed: %s", err);
}

static char *view(const char *name)
{
	char *s = kmm_proc_read(name);
	cr_assert_not_null(s, "no view %s", name);
	return s;
}

/* pageblocks of the area (or of the zone outside it) of migratetype mt */
static unsigned long blocks_of_type(unsigned long start, unsigned long end, int mt)
{
	unsigned long n = 0;
	for (unsigned long pfn = start; pfn < end; pfn += pageblock_nr_pages())
		n += get_pageblock_migratetype(pfn_to_page(pfn)) == mt;
	return n;
}

static void verify(const char *when)
{
	char why[512];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s: %s", when, why);
}

static bool pfn_in_cma(unsigned long pfn)
{
	return cma_area_of_pfn(pfn) != NULL;
}

/* ---- the build option ------------------------------------------------------------------------- */

/* Debian's x86 kernels have no CONFIG_CMA: cma= is refused as unknown, as before; CMA=n says the same */
static void config_off(const char *profile)
{
	char err[512];
	const char *configs[] = { NULL, "CMA=n", "CONFIG_CMA=n,CMA_SIZE_MBYTES=16" };
	/* Debian's ARM builds (arm64, armmp) have CMA: only an explicit CMA=n takes cma= away there */
	for (int i = !strncmp(profile, "arm", 3); i < 3; i++) {
		cr_assert_neq(boot_cma(profile, 512ULL << 20, configs[i], "cma=64M", err, sizeof(err)), 0);
		cr_assert(strstr(err, "Unknown kernel command line parameters \"cma=64M\""), "%s", err);
		cr_assert(!kmm_booted());
	}
	boot_cma_ok(profile, 512ULL << 20, "CMA=n", NULL);
	cr_assert_null(dma_contiguous_default_area);
	cr_assert_null(cma_alloc(dma_contiguous_default_area, 1, 0, true));
	char *mi = view("meminfo"), *pt = view("pagetypeinfo"), *vs = view("vmstat");
	cr_assert_null(strstr(mi, "Cma"));
	cr_assert_null(strstr(pt, "CMA"));
	cr_assert_null(strstr(vs, "cma_alloc"));
	cr_assert(strstr(vs, "nr_free_cma 0\n"), "nr_free_cma is printed whatever the config (6.1)");
	cr_assert(strstr(kmm_dmesg(), " 0K cma-reserved"));
	free(mi);
	free(pt);
	free(vs);
}
TEST_ON_EVERY_PROFILE(cma, config_off, config_off)

Test(cma, kconfig_refused)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	char err[256];
	static const struct { const char *text, *says; } bad[] = {
		{ "CMA=maybe", "expected y or n" },
		{ "CMAA=y", "unknown option \"CMAA\"" },
		{ "CMA_SIZE_MBYTES=-1", "CMA_SIZE_MBYTES" },
		{ "CMA_SIZE_MBYTES=99999999999", "CMA_SIZE_MBYTES" },
		{ "CMA", "expected NAME=VALUE" },
		{ "CMA=", "expected NAME=VALUE" },
		{ "=y", "expected NAME=VALUE" },
		{ "", "expected NAME=VALUE" },
		{ "THP=y", "unknown option" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		cr_assert_eq(kmm_boot_param_set(&p, "kconfig", bad[i].text, err, sizeof(err)), -EINVAL, "%s", bad[i].text);
		cr_assert(strstr(err, bad[i].says), "--kconfig %s: %s", bad[i].text, err);
		cr_assert_null(p.kconfig, "a refused --kconfig changes nothing");
	}
	cr_assert_eq(kmm_boot_param_set(&p, "kconfig", "CMA=y,CMA_SIZE_MBYTES=16", err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(p.kconfig, "CMA=y,CMA_SIZE_MBYTES=16");
	/* kmm_boot checks it too (a caller that filled the field itself) */
	cr_assert_neq(boot_cma("x86_64", 512ULL << 20, "CMA=x", NULL, err, sizeof(err)), 0);
	cr_assert(strstr(err, "expected y or n"), "%s", err);
	cr_assert(!kmm_booted());
}

/* ---- boot ----------------------------------------------------------------------------------------- */

/* cma=64M: the reserve line and the Memory: line in 6.1's words, the views in the capture's formats */
static void reserve(const char *profile)
{
	boot_cma_ok(profile, 1ULL << 30, "CMA=y", "cma=64M");
	struct cma *cma = dma_contiguous_default_area;
	cr_assert_not_null(cma);
	cr_assert_str_eq(cma_get_name(cma), "reserved");
	cr_assert_eq(cma_get_size(cma), 64UL << 20);
	cr_assert_eq(cma->base_pfn % pageblock_nr_pages(), 0);
	/* "cma: Reserved 64 MiB at 0x000000007ac00000" (i386 without PAE: a 32-bit phys_addr_t) */
	char want[96];
	int w = strcmp(profile, "i386") && strcmp(profile, "arm") ? 16 : 8;
	snprintf(want, sizeof(want), "cma: Reserved 64 MiB at 0x%0*llx\n", w, (unsigned long long)cma_get_base(cma));
	cr_assert(strstr(kmm_dmesg(), want), "no \"%s\" in the log", want);
	cr_assert(strstr(kmm_dmesg(), " 65536K cma-reserved"), "the Memory: line counts the area");
	/* the reference's reserve line has that shape */
	char *ref = slurp("tests/data/pressure/cma-arm64-1G/dmesg_cma.txt");
	cr_assert_not_null(ref);
	cr_assert(strstr(ref, "] cma: Reserved 64 MiB at 0x000000007ac00000\n"));
	cr_assert(strstr(ref, " 65536K cma-reserved)"));
	free(ref);

	/* activated: every pageblock MIGRATE_CMA, managed, free (but 32-bit ARM's atomic DMA pool, 256 KiB, one cma_alloc) */
	unsigned long held = M->prof->arch == KMM_ARCH_ARM ? (256UL << 10) >> PAGE_SHIFT : 0;
	unsigned long s = cma->base_pfn, e = s + cma->count;
	cr_assert_eq(blocks_of_type(s, e, MIGRATE_CMA), cma->count / pageblock_nr_pages());
	struct zone *zone = page_zone(pfn_to_page(s));
	cr_assert_eq(zone->cma_pages, cma->count);
	cr_assert_eq(zone_page_state(zone, NR_FREE_CMA_PAGES), cma->count - held);
	cr_assert_eq(M->totalcma_pages, cma->count);
	for (unsigned long pfn = s; pfn < e; pfn++)
		cr_assert(!PageReserved(pfn_to_page(pfn)), "pfn %#lx still reserved", pfn);

	char *mi = view("meminfo"), *zi = view("zoneinfo"), *pt = view("pagetypeinfo"), *vs = view("vmstat");
	/* 32-bit ARM's dma-mapping took its 256 KiB atomic pool from the area at boot */
	cr_assert(strstr(mi, held ? "CmaTotal:          65536 kB\nCmaFree:           65280 kB\n"
				  : "CmaTotal:          65536 kB\nCmaFree:           65536 kB\n"),
		  "%s", mi);
	/* 6.1's order: after Percpu's group, before the hugetlb lines */
	const char *hugepagesize = strstr(mi, "Hugepagesize:"); /* none on 2-level ARM: no hugetlbfs */
	cr_assert(hugepagesize ? strstr(mi, "CmaFree:") < hugepagesize : !strcmp(profile, "arm"));
	cr_assert(strstr(mi, "Percpu:") < strstr(mi, "CmaTotal:"));
	cr_assert_eq(zoneinfo_field(zi, 0, zone->name, "cma"), (long)cma->count);
	cr_assert_eq(zoneinfo_field(zi, 0, zone->name, "nr_free_cma"), (long)(cma->count - held));
	/* vmstat's CONFIG_CMA events, where 6.1 has them */
	cr_assert(strstr(vs, held ? "\nhtlb_buddy_alloc_fail 0\ncma_alloc_success 1\ncma_alloc_fail 0\nunevictable_pgs_culled "
				  : "\nhtlb_buddy_alloc_fail 0\ncma_alloc_success 0\ncma_alloc_fail 0\nunevictable_pgs_culled "));
	char *refvs = slurp("tests/data/pressure/cma-arm64-1G/vmstat.txt");
	cr_assert_not_null(refvs);
	cr_assert(strstr(refvs, "\nhtlb_buddy_alloc_fail 0\ncma_alloc_success 3\ncma_alloc_fail 0\nunevictable_pgs_culled "));
	free(refvs);
	/* pagetypeinfo: the reference's CMA row and column headings, byte for byte */
	char *refpt = slurp("tests/data/pressure/cma-arm64-1G/pagetypeinfo.txt");
	char *refmi = slurp("tests/data/pressure/cma-arm64-1G/meminfo.txt");
	cr_assert_not_null(refpt);
	cr_assert_not_null(refmi);
	const char *hdr = "\nNumber of blocks type     Unmovable      Movable  Reclaimable   HighAtomic          CMA      Isolate \n";
	cr_assert(strstr(refpt, hdr));
	cr_assert(strstr(pt, hdr), "%s", pt);
	char row[80];
	snprintf(row, sizeof(row), "Node    0, zone %8s, type          CMA ", zone->name);
	cr_assert(strstr(pt, row), "no CMA row for %s", zone->name);
	cr_assert(strstr(refpt, "Node    0, zone      DMA, type          CMA "));
	cr_assert(strstr(refmi, "\nCmaTotal:          65536 kB\nCmaFree:           65152 kB\n"));
	free(refpt);
	free(refmi);
	free(mi);
	free(zi);
	free(pt);
	free(vs);
	verify("after boot");
}
TEST_ON_EVERY_PROFILE(cma, reserve, reserve)

/* CMA=y without cma=: CONFIG_CMA_SIZE_MBYTES's area (x86's default 0: none), as dma_contiguous_reserve */
Test(cma, size_mbytes)
{
	boot_cma_ok("x86_64", 1ULL << 30, "CMA=y", NULL);
	cr_assert_null(dma_contiguous_default_area);
	char *mi = view("meminfo");
	cr_assert(strstr(mi, "CmaTotal:              0 kB\n"));
	free(mi);
	kmm_shutdown();
	boot_cma_ok("x86_64", 1ULL << 30, "CMA=y,CMA_SIZE_MBYTES=16", NULL);
	cr_assert_not_null(dma_contiguous_default_area);
	cr_assert_eq(cma_get_size(dma_contiguous_default_area), 16UL << 20);
	cr_assert(strstr(kmm_dmesg(), "cma: Reserved 16 MiB at 0x"));
	kmm_shutdown();
	/* cma= wins over the build's size */
	boot_cma_ok("x86_64", 1ULL << 30, "CMA=y,CMA_SIZE_MBYTES=16", "cma=32M");
	cr_assert_eq(cma_get_size(dma_contiguous_default_area), 32UL << 20);
	kmm_shutdown();
	/* cma=SIZE@BASE: exactly there */
	boot_cma_ok("x86_64", 1ULL << 30, "CMA=y", "cma=16M@256M");
	cr_assert_eq(cma_get_base(dma_contiguous_default_area), 256ULL << 20);
	verify("fixed area");
}

/* Hostile cma=: refused with 6.1's words; the machine boots without the area, or not at all - never half */
Test(cma, hostile_boot)
{
	static const struct { const char *cmdline, *says; } no_area[] = {
		{ "cma=0", NULL },
		{ "cma=4G", "cma: Failed to reserve 4096 MiB" },
		{ "cma=16M@0x100001", "must be aligned to" },
		{ "cma=16M@0xfffffffffff00000", "cma: Failed to reserve 16 MiB" },
		{ "cma=16M@128M-130M", "exceeds limit" },
		{ "cma=1E", "cma: Failed to reserve" },
		{ "cma=16M@16M", "cma: Failed to reserve 16 MiB" }, /* over the kernel image: reserved */
	};
	char err[512];
	for (size_t i = 0; i < ARRAY_SIZE(no_area); i++) {
		boot_cma_ok("x86_64", 1ULL << 30, "CMA=y", no_area[i].cmdline);
		cr_assert_null(dma_contiguous_default_area, "%s", no_area[i].cmdline);
		cr_assert_eq(M->totalcma_pages, 0);
		cr_assert(strstr(kmm_dmesg(), " 0K cma-reserved"), "%s", no_area[i].cmdline);
		if (no_area[i].says)
			cr_assert(strstr(kmm_dmesg(), no_area[i].says), "%s: no \"%s\" in the log", no_area[i].cmdline,
				  no_area[i].says);
		struct zone *zone;
		for_each_populated_zone(zone) {
			cr_assert_eq(zone->cma_pages, 0);
			cr_assert_eq(blocks_of_type(ALIGN(zone->zone_start_pfn, pageblock_nr_pages()), zone_end_pfn(zone),
						    MIGRATE_CMA), 0);
		}
		cr_assert_null(cma_alloc(dma_contiguous_default_area, 16, 0, false));
		verify(no_area[i].cmdline);
		kmm_shutdown();
	}
	static const struct { const char *cmdline, *says; } refused[] = {
		{ "cma=", "Config string not provided" },
		{ "cma", "Config string not provided" },
		{ "cma=abc", "expected SIZE[@BASE[-LIMIT]]" },
		{ "cma=16M@", "expected SIZE[@BASE[-LIMIT]]" },
		{ "cma=17179869185G", "does not fit in 64 bits" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
		cr_assert_neq(boot_cma("x86_64", 1ULL << 30, "CMA=y", refused[i].cmdline, err, sizeof(err)), 0, "%s",
			      refused[i].cmdline);
		cr_assert(strstr(err, refused[i].says), "%s: %s", refused[i].cmdline, err);
		cr_assert(!kmm_booted());
	}
}

/* ---- the borrowing rule ------------------------------------------------------------------------ */

/*
 * Movable allocations take CMA pages while free CMA pages are more than
 * half of the zone's free pages; unmovable and reclaimable ones never do,
 * even when the rest of the zone runs out, and no fallback steals a CMA
 * pageblock.
 */
Test(cma, borrowing_rule)
{
	boot_cma_ok("x86_64", 256ULL << 20, "CMA=y", "cma=128M");
	struct kmm_usage boot;
	kmm_usage_settle(&boot);
	struct cma *cma = dma_contiguous_default_area;
	cr_assert_not_null(cma);
	struct zone *zone = page_zone(pfn_to_page(cma->base_pfn));
	unsigned long nblocks = cma->count / pageblock_nr_pages();
	cr_assert_gt(zone_page_state(zone, NR_FREE_CMA_PAGES), zone_page_state(zone, NR_FREE_PAGES) / 2);
	/* more than half is CMA: a movable page comes from the area */
	struct page *mov = alloc_pages(GFP_HIGHUSER_MOVABLE, 0);
	cr_assert_not_null(mov);
	cr_assert(pfn_in_cma(page_to_pfn(mov)), "a movable page borrows the CMA area first");
	__free_pages(mov, 0);
	/* unmovable and reclaimable requests until the zone's own memory is gone: never a CMA page */
	unsigned long n = 0, cap = 1UL << 16;
	struct page **held = calloc(cap, sizeof(*held));
	cr_assert_not_null(held);
	static const gfp_t kinds[] = { GFP_NOWAIT | __GFP_NOWARN, GFP_NOWAIT | __GFP_NOWARN | __GFP_RECLAIMABLE };
	for (int k = 0; k < 2; k++) {
		struct page *p;
		while (n < cap && (p = alloc_pages(kinds[k] | __GFP_DMA32, 0))) {
			cr_assert(!pfn_in_cma(page_to_pfn(p)), "an unmovable or reclaimable page in the CMA area");
			held[n++] = p;
		}
	}
	cr_assert_gt(n, 1000);
	cr_assert_eq(blocks_of_type(cma->base_pfn, cma->base_pfn + cma->count, MIGRATE_CMA), nblocks,
		     "no fallback stole a CMA pageblock");
	/* the zone's own memory is short now: a movable request still gets memory, from the area */
	mov = alloc_pages(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN, 0);
	cr_assert_not_null(mov);
	cr_assert(pfn_in_cma(page_to_pfn(mov)));
	__free_pages(mov, 0);
	for (unsigned long i = 0; i < n; i++)
		__free_pages(held[i], 0);
	free(held);
	verify("after the unmovable fill");
	assert_nothing_lost_since(&boot, "borrowing");
}

/* ---- cma_alloc and cma_release ------------------------------------------------------------------ */

static struct task_struct *make_task(const char *comm)
{
	struct task_struct *t = task_create(comm, 1000);
	cr_assert_not_null(t);
	cr_assert_eq(task_exec_layout(t, "/bin/borrower", 64 << 10, 16 << 10, 16 << 10), 0);
	return t;
}

#define NR_TASK_PAGES 8192UL /* 32 MiB: what the rest of the zone can take when they move */

/* A task's n pages, written with the pattern; how many of them the area lent. */
static unsigned long fill_task(struct task_struct *t, unsigned long n, long *addr)
{
	long a = task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	u_write_pattern(t, (unsigned long)a, 0, n, 1);
	unsigned long borrowed = 0;
	for (unsigned long i = 0; i < n; i++) {
		struct page *p = mapped_page(t, (unsigned long)a + i * PAGE_SIZE);
		cr_assert_not_null(p);
		borrowed += pfn_in_cma(page_to_pfn(p));
	}
	*addr = a;
	return borrowed;
}

/*
 * The whole area while a task's pages fill it: they migrate out, the
 * range comes back contiguous and referenced once a page, the task reads
 * its bytes both ways in; released, the area is whole again.
 */
static void alloc_by_migration(const char *profile)
{
	ARM64_NOT_YET(profile, "a 256 MiB virt board has no 128 MiB free run for cma=128M (its image is 40 MiB larger)");
	ARM32_NOT_YET(profile, "takes the whole area, whose first 256 KiB 32-bit ARM's atomic DMA pool holds from boot");
	/* the area is more than half of the free memory: movable pages borrow it from the start */
	boot_cma_ok(profile, 256ULL << 20, "CMA=y", "cma=128M");
	struct kmm_usage boot;
	kmm_usage_settle(&boot);
	struct cma *cma = dma_contiguous_default_area;
	cr_assert_not_null(cma);
	struct task_struct *t = make_task("borrower");
	unsigned long n = NR_TASK_PAGES;
	long a;
	unsigned long borrowed = fill_task(t, n, &a);
	cr_assert_gt(borrowed, 100, "the area lent pages (%lu)", borrowed);
	unsigned long mig0 = vmstat_value("pgmigrate_success"), ok0 = vmstat_value("cma_alloc_success");
	struct page *page = cma_alloc(cma, cma->count, 0, false);
	cr_assert_not_null(page, "cma_alloc of the whole area");
	cr_assert_eq(page_to_pfn(page), cma->base_pfn);
	cr_assert_geq(vmstat_value("pgmigrate_success") - mig0, borrowed, "every borrowed page moved");
	cr_assert_eq(vmstat_value("cma_alloc_success") - ok0, 1);
	for (unsigned long i = 0; i < cma->count; i++) {
		cr_assert_eq(page_ref_count(page + i), 1, "page %lu of the range", i);
		cr_assert(!PageBuddy(page + i) && !page_flag(page + i, PG_lru));
	}
	for (unsigned long i = 0; i < n; i++)
		cr_assert(!pfn_in_cma(page_to_pfn(mapped_page(t, (unsigned long)a + i * PAGE_SIZE))), "page %lu still there",
			  i);
	cr_assert_eq(zone_page_state(page_zone(page), NR_FREE_CMA_PAGES), 0);
	verify("after cma_alloc");
	u_check_pattern(t, (unsigned long)a, 0, n, 1);
	/* the device's buffer is memory: written through the direct map */
	memset(page_address(page), 0x5a, PAGE_SIZE);
	cr_assert(cma_release(cma, page, cma->count));
	drain_all_pages(NULL); /* the freed pages wait on the per-CPU lists first, as in Linux */
	cr_assert_eq(zone_page_state(page_zone(page), NR_FREE_CMA_PAGES), cma->count);
	verify("after cma_release");
	u_check_pattern(t, (unsigned long)a, 0, n, 1);
	task_exit(t);
	assert_nothing_lost_since(&boot, profile);
}
TEST_BOTH_WAYS(cma, alloc_by_migration, alloc_by_migration)

/*
 * A pinned page (a reference beyond its mapping) in the area: an
 * allocation of the whole area fails with 6.1's words, changing nothing;
 * pageblock-sized allocations skip the busy range (-EBUSY: the next
 * aligned position) and get every other one.
 */
static void pinned(const char *profile)
{
	ARM64_NOT_YET(profile, "a 256 MiB virt board has no 128 MiB free run for cma=128M (its image is 40 MiB larger)");
	ARM32_NOT_YET(profile, "takes the whole area, whose first 256 KiB 32-bit ARM's atomic DMA pool holds from boot");
	boot_cma_ok(profile, 256ULL << 20, "CMA=y", "cma=128M");
	struct kmm_usage boot;
	kmm_usage_settle(&boot);
	struct cma *cma = dma_contiguous_default_area;
	struct task_struct *t = make_task("pinner");
	long a;
	cr_assert_gt(fill_task(t, NR_TASK_PAGES, &a), 0);
	struct page *pin = NULL;
	unsigned long pin_at = 0;
	for (unsigned long i = 0; i < NR_TASK_PAGES && !pin; i++) {
		struct page *p = mapped_page(t, (unsigned long)a + i * PAGE_SIZE);
		if (pfn_in_cma(page_to_pfn(p))) {
			pin = p;
			pin_at = (unsigned long)a + i * PAGE_SIZE;
		}
	}
	cr_assert_not_null(pin);
	get_page(pin); /* get_user_pages' pin */
	unsigned long pin_pfn = page_to_pfn(pin), fail0 = vmstat_value("cma_alloc_fail");
	size_t log0 = strlen(kmm_dmesg());
	cr_assert_null(cma_alloc(cma, cma->count, 0, false));
	char want[128];
	snprintf(want, sizeof(want), "cma: cma_alloc: reserved: alloc failed, req-size: %lu pages, ret: -16\n", cma->count);
	cr_assert(strstr(kmm_dmesg() + log0, want), "no \"%s\" in the log", want);
	cr_assert_eq(vmstat_value("cma_alloc_fail") - fail0, 1);
	cr_assert_eq(mapped_page(t, pin_at), pin, "the pinned page stays");
	cr_assert_eq(blocks_of_type(cma->base_pfn, cma->base_pfn + cma->count, MIGRATE_CMA),
		     cma->count / pageblock_nr_pages(), "no pageblock left isolated");
	verify("after the failure");
	/* pageblock by pageblock: all but the pinned page's */
	unsigned long pb = pageblock_nr_pages(), nb = cma->count / pb, got = 0;
	unsigned int order = (unsigned int)M->prof->pageblock_order;
	struct page **runs = calloc(nb, sizeof(*runs));
	cr_assert_not_null(runs);
	struct page *p;
	while (got < nb && (p = cma_alloc(cma, pb, order, true))) {
		unsigned long s = page_to_pfn(p);
		cr_assert(pin_pfn < s || pin_pfn >= s + pb, "the pinned page's range was taken");
		runs[got++] = p;
	}
	cr_assert_eq(got, nb - 1, "every pageblock but the pinned page's (%lu of %lu)", got, nb);
	u_check_pattern(t, (unsigned long)a, 0, NR_TASK_PAGES, 1);
	for (unsigned long i = 0; i < got; i++)
		cr_assert(cma_release(cma, runs[i], pb));
	free(runs);
	put_page(pin);
	/* unpinned, the whole area can be had again */
	p = cma_alloc(cma, cma->count, 0, false);
	cr_assert_not_null(p);
	u_check_pattern(t, (unsigned long)a, 0, NR_TASK_PAGES, 1);
	cr_assert(cma_release(cma, p, cma->count));
	task_exit(t);
	assert_nothing_lost_since(&boot, profile);
}
TEST_ON_EVERY_PROFILE(cma, pinned, pinned)

/* Hostile cma_alloc and cma_release: refused, counted as 6.1 counts them, changing nothing */
Test(cma, hostile_calls)
{
	boot_cma_ok("x86_64", 512ULL << 20, "CMA=y", "cma=32M");
	struct kmm_usage boot;
	kmm_usage_settle(&boot);
	struct cma *cma = dma_contiguous_default_area;
	unsigned long free0 = nr_free_pages(), fail0 = vmstat_value("cma_alloc_fail");
	cr_assert_null(cma_alloc(cma, 0, 0, false));
	cr_assert_null(cma_alloc(cma, cma->count + 1, 0, false));
	cr_assert_null(cma_alloc(cma, ~0UL, 0, false));
	cr_assert_null(cma_alloc(cma, 1, 40, false));
	cr_assert_null(cma_alloc(NULL, 1, 0, false));
	cr_assert_eq(vmstat_value("cma_alloc_fail") - fail0, 5);
	cr_assert_eq(nr_free_pages(), free0);

	struct page *p = cma_alloc(cma, 16, 4, false);
	cr_assert_not_null(p);
	cr_assert_eq(page_to_pfn(p) % 16, 0, "aligned to 2^4 pages");
	size_t log0 = strlen(kmm_dmesg());
	/* not the area's, not allocated, partly allocated, too long, none, NULL */
	struct page *outside = alloc_pages(GFP_KERNEL, 0);
	cr_assert_not_null(outside);
	cr_assert(!cma_release(cma, outside, 1));
	cr_assert(!cma_release(cma, p + 32, 16), "a free range of the area");
	cr_assert(!cma_release(cma, p + 8, 16), "half allocated");
	cr_assert(!cma_release(cma, p, cma->count + 1));
	cr_assert(!cma_release(cma, p, 0));
	cr_assert(!cma_release(cma, NULL, 16));
	cr_assert(!cma_release(NULL, p, 16));
	cr_assert(strstr(kmm_dmesg() + log0, "are not a range cma_alloc gave out"));
	cr_assert_eq(kmm_bad_pages(), 0, "nothing reached the allocator");
	verify("after the refusals");
	struct page *q = cma_alloc(cma, 16, 4, false);
	cr_assert_not_null(q);
	cr_assert_neq(p, q);
	cr_assert(cma_release(cma, p, 16));
	cr_assert(!cma_release(cma, p, 16), "released twice");
	cr_assert(cma_release(cma, q, 16));
	__free_pages(outside, 0);
	cr_assert_eq(kmm_bad_pages(), 0);
	assert_nothing_lost_since(&boot, "hostile calls");
}

/* ---- while other CPUs work ------------------------------------------------------------------------ */

struct concurrent {
	struct task_struct *t;       /* the task whose pages the allocator migrates */
	long a;
	unsigned long n;
	int rounds;
	unsigned long got, bad;      /* cma_allocs that succeeded; pages that read wrong */
};

/* CPU 0: take 16 MiB of the area and give it back, round after round */
static void *cma_rounds(void *arg)
{
	struct concurrent *c = arg;
	kmm_cpu_enter(0);
	struct cma *cma = dma_contiguous_default_area;
	for (int r = 0; r < c->rounds; r++) {
		struct page *p = cma_alloc(cma, 4096, 8, true);
		if (!p)
			continue;
		c->got++;
		memset(page_address(p), r, PAGE_SIZE);
		cma_release(cma, p, 4096);
	}
	kmm_cpu_exit();
	return NULL;
}

/* CPU 1: read the task's pages (which migrate under it) and fault, write and unmap memory of its own */
static void *fault_rounds(void *arg)
{
	struct concurrent *c = arg;
	static char want[PAGE_SIZE], got[PAGE_SIZE];
	kmm_cpu_enter(1);
	struct task_struct *u = task_create("faulter", 1000);
	for (int r = 0; u && r < c->rounds; r++) {
		for (unsigned long i = r % 7; i < c->n; i += 7) {
			pattern_page(want, i, 1);
			if (task_read(c->t, (unsigned long)c->a + i * PAGE_SIZE, got, PAGE_SIZE) || memcmp(want, got, PAGE_SIZE))
				c->bad++;
		}
		long b = task_mmap(u, 0, 4 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (b > 0) {
			task_memset(u, (unsigned long)b, r, 4 << 20);
			task_munmap(u, (unsigned long)b, 4 << 20);
		}
	}
	if (u)
		task_exit(u);
	kmm_cpu_exit();
	return NULL;
}

/*
 * cma_alloc on one CPU while another reads the pages being migrated and
 * faults and frees movable memory of its own (which borrows the area):
 * the bytes stay right, whatever ranges were busy; verify and nothing lost.
 */
Test(cma, while_other_cpus_fault)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "x86_64";
	p.mem_bytes = 256ULL << 20;
	p.nr_cpus = 2;
	p.kconfig = "CMA=y";
	p.cmdline = "cma=128M";
	boot_or_fail(&p);
	struct kmm_usage boot;
	kmm_usage_settle(&boot);
	struct concurrent c = { .t = make_task("borrower"), .n = NR_TASK_PAGES, .rounds = 12 };
	cr_assert_gt(fill_task(c.t, c.n, &c.a), 0);
	kmm_cpu_exit();
	pthread_t th[2];
	pthread_create(&th[0], NULL, cma_rounds, &c);
	pthread_create(&th[1], NULL, fault_rounds, &c);
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);
	kmm_cpu_enter(0);
	cr_assert_eq(c.bad, 0, "%lu pages read wrong while they moved", c.bad);
	cr_assert_gt(c.got, 0, "no cma_alloc got its range");
	cr_assert_eq(vmstat_value("cma_alloc_success"), c.got);
	verify("after the rounds");
	u_check_pattern(c.t, (unsigned long)c.a, 0, c.n, 1);
	task_exit(c.t);
	assert_nothing_lost_since(&boot, "concurrent");
}

/*
 * The cma: tracepoints (include/trace/events/cma.h): cma_alloc_start and cma_alloc_finish around
 * an allocation, cma_release after the free; a kernel without
 * CONFIG_CMA has no such events, and asking for them is refused.
 */
Test(cma, tracepoints)
{
	boot_cma_ok("x86_64", 256ULL << 20, "CMA=y", "cma=16M");
	struct cma *cma = dma_contiguous_default_area;
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/events/cma/enable", "1"), 0);
	struct page *page = cma_alloc(cma, 256, 4, false);
	cr_assert_not_null(page);
	unsigned long pfn = page_to_pfn(page);
	cr_assert_null(cma_alloc(cma, cma->count + 1, 0, true));
	cr_assert(cma_release(cma, page, 256));
	char *trace = kmm_proc_read("sys/kernel/tracing/trace"), want[160];
	cr_assert_not_null(strstr(trace, "cma_alloc_start: name=reserved count=256 align=4\n"), "%s", trace);
	snprintf(want, sizeof(want), "cma_alloc_finish: name=reserved pfn=0x%lx page=%016lx count=256 align=4\n", pfn,
		 M->layout.vmemmap_base + pfn * 64);
	cr_assert_not_null(strstr(trace, want), "%s\n%s", want, trace);
	snprintf(want, sizeof(want), "cma_release: name=reserved pfn=0x%lx page=%016lx count=256\n", pfn,
		 M->layout.vmemmap_base + pfn * 64);
	cr_assert_not_null(strstr(trace, want), "%s\n%s", want, trace);
	/* as 6.1: a request larger than the area starts, and goes without a finish */
	cr_assert_not_null(strstr(trace, "cma_alloc_start: name=reserved count=4097 align=0\n"), "%s", trace);
	cr_assert_null(strstr(trace, "count=4097 align=0\n          <idle>-0       [000] .....     0.000000: cma_alloc_finish"));
	free(trace);
	char *fmt = kmm_proc_read("sys/kernel/tracing/events/cma/cma_release/format");
	cr_assert_not_null(strstr(fmt, "print fmt: \"name=%s pfn=0x%lx page=%p count=%lu\""), "%s", fmt);
	free(fmt);
	assert_machine_sane();
	kmm_shutdown();

	boot_cma_ok("x86_64", 256ULL << 20, NULL, NULL); /* Debian's x86 build: no CONFIG_CMA */
	cr_assert_eq(kmm_trace_enable("cma", true), -EINVAL);
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/set_event", "cma:cma_alloc_start"), -EINVAL);
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/set_event", "kmem:kmalloc"), 0, "the other systems are there");
	char *ev = kmm_proc_read("sys/kernel/tracing/set_event");
	cr_assert_str_eq(ev, "kmem:kmalloc\n");
	free(ev);
}
