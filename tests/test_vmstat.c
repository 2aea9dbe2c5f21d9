/*
 * test_vmstat.c - /proc/vmstat and zoneinfo's counters against the real
 * 6.1 kernels (tests/data/linux-ref, tests/data/pressure): the same names
 * in the same order for each capture's machine, booted alike; the dirty
 * thresholds of a freshly booted machine within the 1% that its free
 * memory is within; and the counters kmm moves moving where 6.1 moves
 * them (isolation, pageout, dirtying, writeback, reuse on a write fault),
 * each back where it should be when the work is undone.
 */
#include "kmm_test.h"

#include <kmm/fs.h>
#include <kmm/swap.h>
#include <kmm/task.h>
#include <kmm/vmstat.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(vmstat, .fini = fini, .timeout = 120);

/*
 * The item names of a text, one per line into names (malloc()ed, joined by
 * '\n'): the first word of each line of a vmstat file (skip lines first),
 * or of each zoneinfo line indented by exactly six spaces (the per-node
 * block and the zone counters).
 */
static char *names_of(const char *text, int skip, bool zoneinfo)
{
	struct strbuf sb = { 0 };
	int line = 0;
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL, line++) {
		if (line < skip)
			continue;
		const char *w = p;
		if (zoneinfo) {
			if (strncmp(p, "      ", 6) || p[6] == ' ')
				continue;
			w = p + 6;
		}
		size_t n = strcspn(w, " \n");
		if (n)
			sb_printf(&sb, "%.*s\n", (int)n, w);
	}
	return sb_detach(&sb);
}

static char *view(const char *path)
{
	char *t = kmm_proc_read(path);
	cr_assert_not_null(t, "/proc/%s: %s", path, strerror(errno));
	return t;
}

/* The first line where two name lists differ, for the message. */
static void assert_same_names(const char *got, const char *want, const char *what)
{
	const char *g = got, *w = want;
	int line = 1;
	while (*g && *w) {
		size_t lg = strcspn(g, "\n"), lw = strcspn(w, "\n");
		cr_assert(lg == lw && !strncmp(g, w, lg), "%s, item %d: kmm \"%.*s\", Linux \"%.*s\"", what, line, (int)lg,
			  g, (int)lw, w);
		g += lg + (g[lg] == '\n');
		w += lw + (w[lw] == '\n');
		line++;
	}
	cr_assert(!*g && !*w, "%s: kmm has %s after item %d", what, *g ? "more items" : "fewer items", line - 1);
}

static long vmstat_in(const char *text, const char *name);

/* ---- the names, as each real kernel printed them ---------------------------------------------- */

/* kmm's view (vmstat or zoneinfo) names the items the machine's capture names, in its order. */
static void names_like(const char *machine, const char *name, bool zoneinfo)
{
	boot_like_ref(machine, NULL);
	char file[32];
	snprintf(file, sizeof(file), "%s.txt", name);
	char *ref = ref_file(machine, file), *got = view(name);
	char *rn = names_of(ref, 0, zoneinfo), *gn = names_of(got, 0, zoneinfo);
	if (zoneinfo)
		cr_assert_not_null(strstr(rn, "\nnr_isolated_anon\n"), "%s: the capture has a per-node block", machine);
	assert_same_names(gn, rn, machine);
	free(rn);
	free(gn);
	free(ref);
	free(got);
	assert_machine_sane();
}

static void vmstat_names_like(const char *machine)
{
	names_like(machine, "vmstat", false);
}

Test(vmstat, names_i386_686_2G) { vmstat_names_like("i386-686-2G"); }
Test(vmstat, names_i386_pae_2G) { vmstat_names_like("i386-pae-2G"); }
Test(vmstat, names_i386_pae_512M) { vmstat_names_like("i386-pae-512M"); }
Test(vmstat, names_x86_64_numa2) { vmstat_names_like("x86_64-4G-numa2"); }

/* The pressure capture's kernel, one node and swap on (its first column, under two header lines). */
Test(vmstat, names_x86_64_512M_pressure)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/pressure/swap-x86_64-512M/vmstat_stages.txt", data_dir());
	char *ref = slurp(path);
	cr_assert_not_null(ref, "%s is missing", path);
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "x86_64";
	p.mem_bytes = 512ULL << 20;
	boot_or_fail(&p);
	cr_assert_eq(kmm_swapon("/dev/vda", 64UL << 20, 0), 0);
	char *got = view("vmstat");
	char *rn = names_of(ref, 2, false), *gn = names_of(got, 0, false);
	assert_same_names(gn, rn, "swap-x86_64-512M");
	free(rn);
	free(gn);
	free(ref);
	free(got);
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	assert_machine_sane();
}

/* The boots the boot population was taken from (tests/data/boottrace/PROFILE), booted from their dmesg. */
static char *boottrace_file(const char *profile, const char *name)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/boottrace/%s/%s", data_dir(), profile, name);
	char *s = slurp(path);
	cr_assert_not_null(s, "%s is missing", path);
	return s;
}

static void vmstat_names_like_boottrace(const char *profile)
{
	ARM_NOT_YET(profile, "no arm64 boot trace in tests/data/boottrace");
	char *dmesg = boottrace_file(profile, "dmesg.txt");
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.dmesg_text = dmesg;
	p.cmdline = "boot_population=on";
	boot_or_fail(&p);
	free(dmesg);
	char *ref = boottrace_file(profile, "vmstat.txt"), *got = view("vmstat");
	char *rn = names_of(ref, 0, false), *gn = names_of(got, 0, false);
	assert_same_names(gn, rn, profile);
	long want = vmstat_in(ref, "nr_dirty_threshold"), have = vmstat_in(got, "nr_dirty_threshold");
	cr_expect(labs(have - want) <= want / 100, "%s: nr_dirty_threshold %ld, Linux %ld", profile, have, want);
	free(rn);
	free(gn);
	free(ref);
	free(got);
	ref = boottrace_file(profile, "zoneinfo.txt");
	got = view("zoneinfo");
	rn = names_of(ref, 0, true);
	gn = names_of(got, 0, true);
	assert_same_names(gn, rn, profile);
	free(rn);
	free(gn);
	free(ref);
	free(got);
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why); /* (the boot population keeps vmalloc areas) */
}
TEST_ON_EVERY_PROFILE(vmstat, names_like_boottrace, vmstat_names_like_boottrace)

/* zoneinfo: the per-node block and each zone's counters, item by item, zone by zone. */
static void zoneinfo_names_like(const char *machine)
{
	names_like(machine, "zoneinfo", true);
}

Test(vmstat, zoneinfo_names_i386_686_256M) { zoneinfo_names_like("i386-686-256M"); }
Test(vmstat, zoneinfo_names_i386_686_1G) { zoneinfo_names_like("i386-686-1G"); }
Test(vmstat, zoneinfo_names_i386_686_2G) { zoneinfo_names_like("i386-686-2G"); }
Test(vmstat, zoneinfo_names_i386_pae_512M) { zoneinfo_names_like("i386-pae-512M"); }
Test(vmstat, zoneinfo_names_i386_pae_2G) { zoneinfo_names_like("i386-pae-2G"); }
Test(vmstat, zoneinfo_names_x86_64_1G) { zoneinfo_names_like("x86_64-1G"); }
Test(vmstat, zoneinfo_names_i386_686_256M_intel) { zoneinfo_names_like("i386-686-256M-intel"); }
Test(vmstat, zoneinfo_names_i386_pae_768M) { zoneinfo_names_like("i386-pae-768M"); }
Test(vmstat, zoneinfo_names_x86_64_512M) { zoneinfo_names_like("x86_64-512M"); }
Test(vmstat, zoneinfo_names_x86_64_3G_smp3) { zoneinfo_names_like("x86_64-3G-smp3"); }
Test(vmstat, zoneinfo_names_x86_64_4G_smp2) { zoneinfo_names_like("x86_64-4G-smp2"); }
Test(vmstat, zoneinfo_names_x86_64_4G_numa2) { zoneinfo_names_like("x86_64-4G-numa2"); }

/* ---- values at boot ------------------------------------------------------------------------------ */

static long vmstat_in(const char *text, const char *name)
{
	size_t len = strlen(name);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, name, len) && p[len] == ' ')
			return atol(p + len + 1);
	cr_assert_fail("vmstat has no %s", name);
	return -1;
}

/*
 * Booted with the real boot's allocations (boot_population=on), kmm's free
 * memory is within 1% of the capture's, and so the dirty thresholds, which
 * 6.1 computes from it (the file LRU is empty at that point on both).  The
 * numbers vmstat prints are global_dirty_limits()'s.
 */
static void dirty_thresholds_like(const char *machine)
{
	boot_like_ref(machine, "boot_population=on");
	char *ref = ref_file(machine, "vmstat.txt"), *got = view("vmstat");
	static const char *const items[] = { "nr_dirty_threshold", "nr_dirty_background_threshold" };
	for (size_t i = 0; i < ARRAY_SIZE(items); i++) {
		long want = vmstat_in(ref, items[i]), have = vmstat_in(got, items[i]);
		cr_expect(labs(have - want) <= want / 100, "%s: %s %ld, Linux %ld (%+.2f%%)", machine, items[i], have, want,
			  100.0 * (double)(have - want) / (double)want);
	}
	unsigned long bg, dirty;
	global_dirty_limits(&bg, &dirty);
	cr_assert_eq((long)dirty, vmstat_in(got, "nr_dirty_threshold"));
	cr_assert_eq((long)bg, vmstat_in(got, "nr_dirty_background_threshold"));
	/* 10% and 20% of the same dirtyable memory, in 6.1's per-PAGE_SIZE arithmetic */
	cr_assert(bg <= dirty / 2 && bg + 2 * dirty / 1000 + 2 >= dirty / 2, "%lu, %lu", bg, dirty);
	free(ref);
	free(got);
}

Test(vmstat, dirty_thresholds_i386_686_2G) { dirty_thresholds_like("i386-686-2G"); }
Test(vmstat, dirty_thresholds_i386_pae_2G) { dirty_thresholds_like("i386-pae-2G"); }
Test(vmstat, dirty_thresholds_i386_pae_512M) { dirty_thresholds_like("i386-pae-512M"); }
Test(vmstat, dirty_thresholds_x86_64_numa2) { dirty_thresholds_like("x86_64-4G-numa2"); }

/* Highmem is not dirtyable (vm_highmem_is_dirtyable 0): a 2 GiB i386 machine's limits come from its lowmem. */
Test(vmstat, dirty_thresholds_leave_out_highmem)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "i386";
	p.mem_bytes = 2ULL << 30;
	boot_or_fail(&p);
	unsigned long bg, dirty, low_free = 0;
	global_dirty_limits(&bg, &dirty);
	struct zone *zone;
	for_each_populated_zone(zone)
		if (!is_highmem(zone))
			low_free += zone_page_state(zone, NR_FREE_PAGES);
	cr_assert_lt(dirty, low_free / 5 + 1, "%lu pages, lowmem has %lu free", dirty, low_free);
	cr_assert_gt(dirty, (low_free - M->totalreserve_pages) / 5 - 2, "%lu pages", dirty);
}

static unsigned long sysctl_value(const char *name)
{
	char path[64];
	snprintf(path, sizeof(path), "sys/vm/%s", name);
	char *t = view(path);
	unsigned long v = strtoul(t, NULL, 10);
	free(t);
	return v;
}

/*
 * vm.dirty_ratio and friends: 6.1's defaults, the limits they make, a
 * byte count instead of a ratio (and the ratio cleared, and the other way
 * round), and every bad value refused with nothing changed.
 */
static void dirty_sysctls(const char *profile)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	boot_or_fail(&p);
	cr_assert_eq(sysctl_value("dirty_ratio"), 20);
	cr_assert_eq(sysctl_value("dirty_background_ratio"), 10);
	cr_assert_eq(sysctl_value("dirty_bytes"), 0);
	cr_assert_eq(sysctl_value("dirty_background_bytes"), 0);
	unsigned long bg, dirty, bg1, dirty1;
	global_dirty_limits(&bg, &dirty);
	cr_assert_eq(kmm_proc_write("sys/vm/dirty_bytes", "10000000"), 0);
	cr_assert_eq(sysctl_value("dirty_ratio"), 0, "dirty_bytes clears dirty_ratio");
	global_dirty_limits(&bg1, &dirty1);
	cr_assert_eq(dirty1, DIV_ROUND_UP(10000000UL, PAGE_SIZE));
	cr_assert_eq(bg1, dirty1 / 2, "%s: a background limit above the limit is halved", profile);
	cr_assert_eq((long)dirty1, (long)vmstat_value("nr_dirty_threshold"));
	cr_assert_eq(kmm_proc_write("sys/vm/dirty_background_bytes", "4096"), 0);
	cr_assert_eq(sysctl_value("dirty_background_ratio"), 0);
	global_dirty_limits(&bg1, &dirty1);
	cr_assert_eq(bg1, 1);
	/* refused: out of range, not a number, negative, too small a byte count */
	static const char *const bad_ratio[] = { "101", "-1", "abc", "", "20x", "99999999999999999999" };
	for (size_t i = 0; i < ARRAY_SIZE(bad_ratio); i++) {
		cr_assert_eq(kmm_proc_write("sys/vm/dirty_ratio", bad_ratio[i]), -EINVAL, "\"%s\"", bad_ratio[i]);
		cr_assert_eq(kmm_proc_write("sys/vm/dirty_background_ratio", bad_ratio[i]), -EINVAL, "\"%s\"", bad_ratio[i]);
	}
	static const char *const bad_bytes[] = { "0", "8191", "-8192", "x", "", "99999999999999999999" };
	for (size_t i = 0; i < ARRAY_SIZE(bad_bytes); i++)
		cr_assert_eq(kmm_proc_write("sys/vm/dirty_bytes", bad_bytes[i]), -EINVAL, "\"%s\"", bad_bytes[i]);
	cr_assert_eq(kmm_proc_write("sys/vm/dirty_background_bytes", "0"), -EINVAL);
	/* more pages than 32 bits count: too large a long on i386, out of range on x86_64 */
	cr_assert_eq(kmm_proc_write("sys/vm/dirty_bytes", "17592186048512"), M->prof->bits == 32 ? -EINVAL : -ERANGE);
	cr_assert_eq(sysctl_value("dirty_bytes"), 10000000, "a refused write changes nothing");
	cr_assert_eq(sysctl_value("dirty_background_bytes"), 4096);
	cr_assert_eq(sysctl_value("dirty_ratio"), 0);
	/* back to the ratios: the byte counts go */
	cr_assert_eq(kmm_proc_write("sys/vm/dirty_ratio", "20\n"), 0);
	cr_assert_eq(kmm_proc_write("sys/vm/dirty_background_ratio", "10"), 0);
	cr_assert_eq(sysctl_value("dirty_bytes"), 0);
	cr_assert_eq(sysctl_value("dirty_background_bytes"), 0);
	global_dirty_limits(&bg1, &dirty1);
	cr_assert_eq(dirty1, dirty);
	cr_assert_eq(bg1, bg);
	/* the same ratio again leaves dirty_bytes alone (dirty_ratio_handler acts on a change only) */
	cr_assert_eq(kmm_proc_write("sys/vm/dirty_bytes", "1000000"), 0);
	cr_assert_eq(kmm_proc_write("sys/vm/dirty_ratio", "0"), 0);
	cr_assert_eq(sysctl_value("dirty_bytes"), 1000000);
	assert_machine_sane();
}
TEST_ON_EVERY_PROFILE(vmstat, dirty_sysctls, dirty_sysctls)

/* ---- the counters kmm moves ------------------------------------------------------------------- */

static unsigned long node_sum(enum node_stat_item item)
{
	return global_node_page_state_pages(item);
}

/*
 * More anonymous memory than the machine has, with swap: every page reclaim
 * writes is counted in nr_vmscan_write and in nr_written (with pswpout:
 * reclaim is the only writer to swap here), and when reclaim is done no
 * page is left isolated.
 */
static void reclaim_counts(const char *profile)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = (strcmp(profile, "x86_64") ? 64ULL : 128ULL) << 20;
	boot_or_fail(&p);
	cr_assert_eq(kmm_swapon("/dev/vda", 128UL << 20, 0), 0);
	struct task_struct *t = task_create("hog", 1000);
	cr_assert_not_null(t);
	unsigned long write0 = node_sum(NR_VMSCAN_WRITE), written0 = node_sum(NR_WRITTEN), out0 = vmstat_value("pswpout");
	unsigned long n = meminfo_value("MemFree:") / 4 * 3 / 2;
	long a = task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	u_write_pattern(t, (unsigned long)a, 0, n, 1);
	unsigned long out = vmstat_value("pswpout") - out0;
	cr_assert_gt(out, n / 4, "%s: %lu of %lu pages went to swap", profile, out, n);
	cr_assert_eq(node_sum(NR_VMSCAN_WRITE) - write0, out, "%s: reclaim wrote every page swap got", profile);
	cr_assert_eq(node_sum(NR_WRITTEN) - written0, out, "%s", profile);
	cr_assert_eq(vmstat_value("nr_vmscan_write"), node_sum(NR_VMSCAN_WRITE));
	cr_assert_eq(node_sum(NR_ISOLATED_ANON), 0, "%s: pages left isolated", profile);
	cr_assert_eq(node_sum(NR_ISOLATED_FILE), 0, "%s", profile);
	cr_assert_gt(vmstat_value("pgscan_direct") + vmstat_value("pgscan_kswapd"), 0);
	task_exit(t);
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	cr_assert_eq(vmstat_value("nr_isolated_anon"), 0);
	cr_assert_eq(vmstat_value("nr_isolated_file"), 0);
	assert_machine_sane();
}
TEST_ON_EVERY_PROFILE(vmstat, reclaim_counts, reclaim_counts)

/*
 * Reclaim for a lowmem allocation on an i386 machine whose LRU lists are
 * full of highmem pages: the pages of zones above the allocation's are
 * passed over and counted per zone (pgskip_high), none of a lower zone.
 */
Test(vmstat, reclaim_skips_higher_zones)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "i386";
	p.mem_bytes = 256ULL << 20;
	p.cmdline = "mem=160M highmem=64M";
	boot_or_fail(&p);
	cr_assert_eq(kmm_swapon("/dev/vda", 256UL << 20, 0), 0);
	struct task_struct *t = task_create("hog", 1000);
	cr_assert_not_null(t);
	unsigned long n = meminfo_value("MemFree:") / 4 * 5 / 4;
	long a = task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	u_write_pattern(t, (unsigned long)a, 0, n, 1);
	unsigned long skip0 = vmstat_value("pgskip_high");
	/* kernel pages, lowmem only, until reclaim has had to run for them */
	struct list_head held = LIST_HEAD_INIT(held);
	unsigned long stalls0 = vmstat_value("allocstall_normal"), got = 0;
	while (vmstat_value("allocstall_normal") == stalls0 && got < (64UL << 20) / PAGE_SIZE) {
		struct page *pg = alloc_pages(GFP_KERNEL, 0);
		cr_assert_not_null(pg);
		list_add(&pg->lru, &held);
		got++;
	}
	cr_assert_gt(vmstat_value("allocstall_normal"), stalls0, "no direct reclaim after %lu pages", got);
	cr_assert_gt(vmstat_value("pgskip_high"), skip0, "reclaim for Normal passed over no HighMem page");
	cr_assert_eq(vmstat_value("pgskip_dma"), 0);
	cr_assert_eq(vmstat_value("pgskip_normal"), 0);
	cr_assert_eq(node_sum(NR_ISOLATED_ANON) + node_sum(NR_ISOLATED_FILE), 0);
	while (!list_empty(&held)) {
		struct page *pg = list_entry(held.next, struct page, lru);
		list_del(&pg->lru);
		__free_pages(pg, 0);
	}
	task_exit(t);
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	assert_machine_sane();
}

/*
 * A file written through a shared mapping: nr_dirtied counts each page
 * that becomes dirty (once until it is clean again), sync's writeback
 * counts each page in nr_written; the write fault after writeback reuses
 * the page (pgreuse), as does a private page whose other mapper left.
 */
static void dirty_written_reuse(const char *profile)
{
	struct task_struct *t = boot_with_task(profile, "writer", "/usr/bin/writer", 0x4000, 0x1000, 0x1000);
	char *data = calloc(4, PAGE_SIZE);
	cr_assert_eq(kmm_file_create("/data/w", data, 4 * PAGE_SIZE), 0);
	free(data);
	int fd = task_open(t, "/data/w", O_RDWR);
	cr_assert_geq(fd, 0);
	long a = task_mmap(t, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	cr_assert_gt(a, 0);
	kmm_sync();
	unsigned long dirtied0 = node_sum(NR_DIRTIED), written0 = node_sum(NR_WRITTEN);
	cr_assert_eq(u_write(t, (unsigned long)a, "one", 3), 0);
	cr_assert_eq(u_write(t, (unsigned long)a + 2 * PAGE_SIZE, "two", 3), 0);
	cr_assert_eq(u_write(t, (unsigned long)a + 100, "again", 5), 0); /* dirty already: no new count */
	cr_assert_eq(node_sum(NR_DIRTIED) - dirtied0, 2, "%s", profile);
	cr_assert_eq(vmstat_value("nr_dirtied"), node_sum(NR_DIRTIED));
	kmm_sync();
	cr_assert_eq(node_sum(NR_WRITTEN) - written0, 2, "%s: sync wrote both pages", profile);
	cr_assert_eq(vmstat_value("nr_written"), node_sum(NR_WRITTEN));
	/* writeback cleaned the PTE: the next store faults, makes the page writable again and dirties it */
	unsigned long reuse0 = vmstat_value("pgreuse");
	cr_assert_eq(u_write(t, (unsigned long)a, "three", 5), 0);
	cr_assert_eq(vmstat_value("pgreuse") - reuse0, 1, "%s: wp_page_shared reuses the page", profile);
	cr_assert_eq(node_sum(NR_DIRTIED) - dirtied0, 3);
	/*
	 * MADV_PAGEOUT of dirty file pages: reclaim leaves them to the flusher,
	 * marked to go when written - each page dirty once unmapped (the
	 * unmap moves a PTE's dirty bit to its page, as try_to_unmap does).
	 */
	cr_assert_eq(u_write(t, (unsigned long)a + PAGE_SIZE, "four", 4), 0);
	unsigned long imm0 = node_sum(NR_VMSCAN_IMMEDIATE);
	cr_assert_eq(meminfo_value("Dirty:"), 2 * PAGE_SIZE / 1024);
	cr_assert_eq(task_madvise(t, (unsigned long)a, 4 * PAGE_SIZE, MADV_PAGEOUT), 0);
	unsigned long dirty = meminfo_value("Dirty:") / (PAGE_SIZE / 1024);
	cr_assert_geq(dirty, 2);
	cr_assert_eq(node_sum(NR_VMSCAN_IMMEDIATE) - imm0, dirty, "%s: every dirty page of the mapping", profile);
	cr_assert_eq(vmstat_value("nr_vmscan_immediate_reclaim"), node_sum(NR_VMSCAN_IMMEDIATE));
	kmm_sync();
	cr_assert_eq(task_munmap(t, (unsigned long)a, 4 * PAGE_SIZE), 0);
	task_close(t, fd);
	/* an anonymous page shared by fork, written after the child is gone: the only reference, reused */
	long b = task_mmap(t, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(b, 0);
	cr_assert_eq(u_write(t, (unsigned long)b, "x", 1), 0);
	struct task_struct *c = task_fork(t);
	cr_assert_not_null(c);
	task_exit(c);
	reuse0 = vmstat_value("pgreuse");
	cr_assert_eq(u_write(t, (unsigned long)b, "y", 1), 0);
	cr_assert_eq(vmstat_value("pgreuse") - reuse0, 1, "%s: do_wp_page reuses the page", profile);
	task_exit(t);
	assert_machine_sane();
}
TEST_ON_EVERY_PROFILE(vmstat, dirty_written_reuse, dirty_written_reuse)

/* A node's sum of one NUMA event over its zones. */
static unsigned long node_numa(int nid, enum numa_stat_item item)
{
	unsigned long x = 0;
	for (int z = 0; z < MAX_ZONE_TYPES; z++)
		if (NODE_DATA(nid)->node_zones[z].in_profile)
			x += zone_numa_event_state(&NODE_DATA(nid)->node_zones[z], item);
	return x;
}

/*
 * Two nodes: allocations that ask for node 1 are numa_hit there while it
 * has pages, then fall back to node 0 - numa_miss on node 0, numa_foreign
 * on node 1 - and every allocation is numa_local or numa_other as well.
 */
Test(vmstat, numa_hit_miss_foreign)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "x86_64";
	p.mem_bytes = 384ULL << 20;
	p.nr_numa_ranges = 2;
	p.numa_ranges[0] = (struct kmm_numa_range){ 0, 0, 256ULL << 20 };
	p.numa_ranges[1] = (struct kmm_numa_range){ 1, 256ULL << 20, 384ULL << 20 };
	boot_or_fail(&p);
	cr_assert_eq(M->nr_nodes, 2);
	unsigned long hit1 = node_numa(1, NUMA_HIT), miss0 = node_numa(0, NUMA_MISS), foreign1 = node_numa(1, NUMA_FOREIGN);
	struct list_head held = LIST_HEAD_INIT(held);
	unsigned long on1 = 0, on0 = 0;
	while (!on0 && on1 < 1000) {
		struct page *pg = alloc_pages_node(1, GFP_KERNEL | __GFP_NOWARN, 9);
		cr_assert_not_null(pg);
		list_add(&pg->lru, &held);
		if (page_to_nid(pg) == 1)
			on1++;
		else
			on0++;
	}
	cr_assert_eq(on0, 1, "node 1 never ran short (%lu blocks there)", on1);
	cr_assert_eq(node_numa(1, NUMA_HIT) - hit1, on1);
	cr_assert_eq(node_numa(0, NUMA_MISS) - miss0, 1);
	cr_assert_eq(node_numa(1, NUMA_FOREIGN) - foreign1, 1);
	cr_assert_eq(global_numa_event_state(NUMA_HIT) + global_numa_event_state(NUMA_MISS),
		     global_numa_event_state(NUMA_LOCAL) + global_numa_event_state(NUMA_OTHER));
	cr_assert_eq(vmstat_value("numa_hit"), global_numa_event_state(NUMA_HIT));
	cr_assert_eq(vmstat_value("numa_foreign"), global_numa_event_state(NUMA_FOREIGN));
	while (!list_empty(&held)) {
		struct page *pg = list_entry(held.next, struct page, lru);
		list_del(&pg->lru);
		__free_pages(pg, 9);
	}
	assert_machine_sane();
}

/* ---- the counters as numbers, hostile arguments ------------------------------------------------- */

Test(vmstat, numbers_refuse_bad_items)
{
	unsigned long bg = 1, dirty = 1;
	global_dirty_limits(&bg, &dirty);
	cr_assert_eq(bg + dirty, 0, "no machine: nothing dirtyable");
	cr_assert_eq(global_numa_event_state(NUMA_HIT), 0);
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "x86_64";
	boot_or_fail(&p);
	cr_assert_eq(global_numa_event_state(NR_VM_NUMA_EVENT_ITEMS), 0);
	cr_assert_eq(global_numa_event_state((enum numa_stat_item)-1), 0);
	cr_assert_eq(zone_numa_event_state(&NODE_DATA(0)->node_zones[ZONE_NORMAL], (enum numa_stat_item)99), 0);
	cr_assert_eq(node_page_state(NODE_DATA(0), NR_VM_NODE_STAT_ITEMS), 0);
	cr_assert_eq(node_page_state(NODE_DATA(0), (enum node_stat_item)-5), 0);
	cr_assert_eq(global_node_page_state_pages((enum node_stat_item)1000), 0);
	/* the items kmm does not count read 0, the ones it does read their field */
	cr_assert_eq(global_node_page_state_pages(NR_FOLL_PIN_ACQUIRED), 0);
	cr_assert_eq(global_node_page_state_pages(WORKINGSET_NODES), 0);
	cr_assert_eq(global_node_page_state_pages(NR_KERNEL_STACK_KB), (unsigned long)NODE_DATA(0)->nr_kernel_stack);
	cr_assert_str_eq(vm_event_name(PGREUSE), "pgreuse");
	cr_assert_str_eq(vm_event_name(PGSCAN_SKIP_NORMAL), "pgskip_normal");
	cr_assert_null(vm_event_name(NR_VM_EVENT_ITEMS));
	kmm_shutdown();
	/* i386 has no CONFIG_NUMA: no numa_* line, no count */
	p.profile = "i386";
	boot_or_fail(&p);
	cr_assert_eq(global_numa_event_state(NUMA_HIT), 0);
	char *v = view("vmstat"), *z = view("zoneinfo");
	cr_assert_null(strstr(v, "numa_"));
	cr_assert_null(strstr(v, "pgpromote_"));
	cr_assert_null(strstr(z, "numa_hit"));
	cr_assert_not_null(strstr(v, "\nnr_unstable 0\n"));
	free(v);
	free(z);
}
