/*
 * test_boot_population.c - the boot population (mm/boot_population.c): after
 * boot a machine holds what a real 6.1 kernel of the same machine holds.
 *
 * Acceptance, on every real x86 boot under tests/data/linux-ref (booted from
 * its dmesg; the population's tables come from other boots, under
 * tests/data/boottrace, so these are machines the figures were not taken
 * from, but for i386-686-2G): MemFree within 1% of the real kernel's, Slab
 * within 10%, and where the boot kept its slabinfo, the same set of caches.
 * Also: the merges follow /sys/kernel/slab's links; the populated machine
 * passes kmm_verify and goes back to its post-boot state after work;
 * boot_population=off is today's bare machine; a machine too small for the
 * population boots with what fits; what the population costs in host time.
 */
#define _GNU_SOURCE
#include "kmm_test.h"

#include <kmm/slab.h>
#include <kmm/vmalloc.h>
#include <time.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(boot_population, .fini = fini, .timeout = 120);

static void boot_populated(const char *machine, const char *extra)
{
	char cmdline[256];
	snprintf(cmdline, sizeof(cmdline), "boot_population=on%s%s", extra ? " " : "", extra ? extra : "");
	boot_like_ref(machine, cmdline);
	cr_assert(boot_population_stats()->populated, "%s: no boot population", machine);
}

/* "Name:   N kB" of a meminfo text */
static long meminfo_kb(const char *text, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, name, n) && p[n] == ':')
			return atol(p + n + 1);
	cr_assert_fail("meminfo has no %s", name);
	return -1;
}

static char *kmm_meminfo(void)
{
	char *m = kmm_proc_read("meminfo");
	cr_assert_not_null(m);
	return m;
}

/* The cache names a slabinfo text lists, sorted, one per line. */
static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *slabinfo_names(const char *text)
{
	char *names[512];
	int n = 0;
	for (const char *p = text; p && *p && n < 512; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, "slabinfo", 8) || *p == '#' || *p == '\n')
			continue;
		names[n++] = strndup(p, strcspn(p, " \n"));
	}
	qsort(names, n, sizeof(*names), strp_cmp);
	struct strbuf sb = { 0 };
	for (int i = 0; i < n; i++) {
		sb_printf(&sb, "%s\n", names[i]);
		free(names[i]);
	}
	return sb.buf ? sb.buf : strdup("");
}

/* Lines of a that b lacks ("-name") and lines of b that a lacks ("+name"): both sorted. */
static int name_diff(const char *a, const char *b, char *out, size_t len)
{
	int ndiff = 0;
	size_t o = 0;
	out[0] = 0;
	while (*a || *b) {
		size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
		int c = !*a ? 1 : !*b ? -1 : strncmp(a, b, max(la, lb));
		if (c && la != lb && !strncmp(a, b, min(la, lb)))
			c = la < lb ? -1 : 1;
		if (c < 0 || c > 0) {
			const char *w = c < 0 ? a : b;
			size_t lw = c < 0 ? la : lb;
			if (o + lw + 3 < len)
				o += (size_t)snprintf(out + o, len - o, " %c%.*s", c < 0 ? '-' : '+', (int)lw, w);
			ndiff++;
		}
		if (c <= 0 && *a)
			a += la + (a[la] == '\n');
		if (c >= 0 && *b)
			b += lb + (b[lb] == '\n');
	}
	return ndiff;
}

/*
 * MemFree within 1% and Slab within 10% of the real kernel's.  (x86_64-512M
 * is the farthest, +0.8%: a pressure capture whose init had already enabled
 * a swap device, swap_map and the block device's state on top of a boot.)
 */
static void check_memfree_and_slab(const char *machine)
{
	char *ref = ref_file(machine, "meminfo.txt");
	boot_populated(machine, NULL);
	char *mi = kmm_meminfo();
	long real_free = meminfo_kb(ref, "MemFree"), free_kb = meminfo_kb(mi, "MemFree");
	long real_slab = meminfo_kb(ref, "Slab"), slab = meminfo_kb(mi, "Slab");
	cr_expect(labs(free_kb - real_free) <= real_free / 100, "%s: MemFree %ld kB, Linux %ld kB (%+.2f%%)", machine,
		  free_kb, real_free, 100.0 * (free_kb - real_free) / real_free);
	cr_expect(labs(slab - real_slab) <= real_slab / 10, "%s: Slab %ld kB, Linux %ld kB (%+.1f%%)", machine, slab,
		  real_slab, 100.0 * (slab - real_slab) / real_slab);
	/* the bare machine is far off: the population is what closes the gap */
	long sreclaim = meminfo_kb(mi, "SReclaimable"), real_sreclaim = meminfo_kb(ref, "SReclaimable");
	cr_expect(labs(sreclaim - real_sreclaim) <= real_sreclaim / 5, "%s: SReclaimable %ld kB, Linux %ld kB", machine,
		  sreclaim, real_sreclaim);
	/* the kernel's own percpu allocations fill what Percpu counts, every unit of the groups included */
	cr_expect_eq(meminfo_kb(mi, "Percpu"), meminfo_kb(ref, "Percpu"), "%s: Percpu", machine);
	/* the boot's threads' stacks count in KernelStack, as the kernel's own */
	long stack = meminfo_kb(mi, "KernelStack"), real_stack = meminfo_kb(ref, "KernelStack");
	cr_expect(labs(stack - real_stack) <= real_stack / 7, "%s: KernelStack %ld kB, Linux %ld kB", machine, stack,
		  real_stack);
	/* the traced captures: their 64 MiB per CPU of ftrace ring buffer is part of the boot */
	char *cmdline = ref_file(machine, "cmdline.txt");
	if (strstr(cmdline, "trace_buf_size=64M"))
		cr_expect_geq(boot_population_stats()->trace_pages, 16384UL * M->nr_cpus, "%s: %lu ring buffer pages",
			      machine, boot_population_stats()->trace_pages);
	else
		cr_expect_eq(boot_population_stats()->trace_pages, 0);
	free(cmdline);
	/* the late hash tables, sized for this machine, log the lines the real kernel logged */
	char *ref_dmesg = ref_file(machine, "dmesg.txt");
	static const char *const hashes[] = { "Mount-cache hash", "futex hash", "IP idents hash", "TCP established hash",
					      "TCP bind hash", "UDP hash", "tcp_listen_portaddr_hash hash" };
	for (size_t i = 0; i < ARRAY_SIZE(hashes); i++) {
		char *want = log_lines(ref_dmesg, hashes[i]), *got = log_lines(kmm_dmesg(), hashes[i]);
		cr_expect_str_eq(got, want, "%s: %s", machine, hashes[i]);
		free(want);
		free(got);
	}
	free(ref_dmesg);
	char why[256];
	cr_expect_eq(kmm_verify(why, sizeof(why)), 0, "%s: kmm_verify: %s", machine, why);
	free(mi);
	free(ref);
}

#define REF_TEST(name, machine) \
	Test(boot_population, memfree_slab_##name) { check_memfree_and_slab(machine); }
REF_TEST(i386_686_256M, "i386-686-256M")
REF_TEST(i386_686_256M_intel, "i386-686-256M-intel")
REF_TEST(i386_686_1G_traced, "i386-686-1G")
REF_TEST(i386_686_2G, "i386-686-2G")
REF_TEST(i386_pae_512M, "i386-pae-512M")
REF_TEST(i386_pae_768M, "i386-pae-768M")
REF_TEST(i386_pae_2G, "i386-pae-2G")
REF_TEST(x86_64_512M, "x86_64-512M")
REF_TEST(x86_64_1G, "x86_64-1G")
REF_TEST(x86_64_3G_smp3, "x86_64-3G-smp3")
REF_TEST(x86_64_4G_numa2, "x86_64-4G-numa2")
REF_TEST(x86_64_4G_smp2_traced, "x86_64-4G-smp2")

/*
 * The set of caches slabinfo lists (merging done) is the real kernel's.  The
 * i386-pae-512M and -2G boots lack bio-96, which the boot the i386-pae
 * tables come from has (as every i386 and x86_64 boot kept has): a bio slab
 * that a bioset created during device probing asks for in some boots and
 * not in others; exactly that difference is allowed there.
 */
static void check_cache_set(const char *machine, const char *allowed)
{
	char *ref = ref_file(machine, "slabinfo.txt");
	boot_populated(machine, NULL);
	char *si = kmm_proc_read("slabinfo");
	cr_assert_not_null(si);
	char *want = slabinfo_names(ref), *got = slabinfo_names(si), diff[512];
	int n = name_diff(got, want, diff, sizeof(diff));
	cr_expect(!n || (allowed && !strcmp(diff, allowed)), "%s: %d caches differ from Linux's (-kmm only, +Linux only):%s", machine, n, diff);
	free(want);
	free(got);
	free(si);
	free(ref);
}

Test(boot_population, cache_set_i386_2G) { check_cache_set("i386-686-2G", NULL); }
Test(boot_population, cache_set_pae_512M) { check_cache_set("i386-pae-512M", " -bio-96"); }
Test(boot_population, cache_set_pae_2G) { check_cache_set("i386-pae-2G", " -bio-96"); }
Test(boot_population, cache_set_x86_64_numa2) { check_cache_set("x86_64-4G-numa2", NULL); }

/*
 * The "vmalloc" lines of a vmallocinfo text as "size function pages" lines,
 * sorted: what the areas are, wherever they were put.  The large hashes
 * (kmm's boot makes them itself) are left out.
 */
static char *vmalloc_areas(const char *text)
{
	char *lines[512];
	int n = 0;
	for (const char *p = text; p && *p && n < 512; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		size_t len = strcspn(p, "\n");
		char line[512], range[64], caller[128];
		unsigned long size;
		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		if (!strstr(line, " vmalloc") || sscanf(line, "%63s %lu %127s", range, &size, caller) != 3 ||
		    strstr(line, "alloc_large_system_hash"))
			continue;
		const char *pg = strstr(line, "pages=");
		caller[strcspn(caller, "+")] = 0;
		if (asprintf(&lines[n], "%lu %s %ld", size, caller, pg ? atol(pg + 6) : 0L) > 0)
			n++;
	}
	qsort(lines, n, sizeof(*lines), strp_cmp);
	struct strbuf sb = { 0 };
	for (int i = 0; i < n; i++) {
		sb_printf(&sb, "%s\n", lines[i]);
		free(lines[i]);
	}
	return sb.buf ? sb.buf : strdup("");
}

/* The boots the tables were taken from (tests/data/boottrace): the same set, MemFree and Slab. */
static void source_boot(const char *profile)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/boottrace/%s/", data_dir(), profile);
	size_t n = strlen(path);
	strcpy(path + n, "dmesg.txt");
	char *dmesg = slurp(path);
	strcpy(path + n, "slabinfo.txt");
	char *ref = slurp(path);
	strcpy(path + n, "meminfo.txt");
	char *refmi = slurp(path);
	cr_assert(dmesg && ref && refmi, "missing files under %s", path);
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.dmesg_text = dmesg;
	p.boot_population = true;
	boot_or_fail(&p);
	char *si = kmm_proc_read("slabinfo"), *mi = kmm_meminfo();
	char *want = slabinfo_names(ref), *got = slabinfo_names(si), diff[512];
	int nd = name_diff(got, want, diff, sizeof(diff));
	cr_expect_eq(nd, 0, "%s: %d caches differ from Linux's:%s", profile, nd, diff);
	long real_free = meminfo_kb(refmi, "MemFree"), free_kb = meminfo_kb(mi, "MemFree");
	long real_slab = meminfo_kb(refmi, "Slab"), slab = meminfo_kb(mi, "Slab");
	cr_expect(labs(free_kb - real_free) <= real_free / 100, "%s: MemFree %ld kB, Linux %ld kB", profile, free_kb,
		  real_free);
	cr_expect(labs(slab - real_slab) <= real_slab / 10, "%s: Slab %ld kB, Linux %ld kB", profile, slab, real_slab);
	cr_expect_eq(meminfo_kb(mi, "VmallocUsed"), meminfo_kb(refmi, "VmallocUsed"), "%s: VmallocUsed", profile);
	/* /sys/kernel/slab: the same links (merges and unique ids), and each directory's layout attributes */
	strcpy(path + n, "slab_links.txt");
	char *links = slurp(path), *sys = kmm_proc_read("sys/kernel/slab");
	cr_assert(links && sys);
	for (const char *l = links; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] ? 1 : 0)) {
		char line[256];
		snprintf(line, sizeof(line), "\n%.*s\n", (int)strcspn(l, "\n"), l);
		cr_expect(strstr(sys, line) || !strncmp(sys, line + 1, strlen(line + 1)), "%s: no link %s", profile, line + 1);
	}
	int nlinks = 0;
	for (const char *q = sys; (q = strstr(q, " -> ")); q++)
		nlinks++;
	int real_links = 0;
	for (const char *q = links; (q = strchr(q, '\n')); q++)
		real_links++;
	cr_expect_eq(nlinks, real_links, "%s: %d links, Linux %d", profile, nlinks, real_links);
	strcpy(path + n, "slab_attrs.txt");
	char *attrs = slurp(path);
	cr_assert(attrs);
	for (const char *l = attrs; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] ? 1 : 0)) {
		char dir[96];
		if (sscanf(l, "%95s", dir) != 1)
			continue;
		static const char *const keys[] = { "object_size", "slab_size", "order", "objs_per_slab", "aliases", "align",
						   "hwcache_align", "reclaim_account", "destroy_by_rcu", "usersize" };
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			char key[48], real[32] = "", file[160];
			snprintf(key, sizeof(key), " %s=", keys[k]);
			const char *v = strstr(l, key);
			cr_assert(v && v < l + strcspn(l, "\n"), "%s: %s has no %s", profile, dir, keys[k]);
			sscanf(v + strlen(key), "%31s", real);
			snprintf(file, sizeof(file), "sys/kernel/slab/%s/%s", dir, keys[k]);
			char *val = kmm_proc_read(file);
			cr_expect_not_null(val, "%s: no %s", profile, file);
			if (val) {
				val[strcspn(val, "\n")] = 0;
				cr_expect_str_eq(val, real, "%s: %s is %s, Linux %s", profile, file, val, real);
			}
			free(val);
		}
	}
	free(attrs);
	free(links);
	free(sys);
	/* vmallocinfo: the same vmalloc areas (size, caller, pages) */
	strcpy(path + n, "vmallocinfo.txt");
	char *refvi = slurp(path), *vi = kmm_proc_read("vmallocinfo");
	cr_assert(refvi && vi);
	char *va_want = vmalloc_areas(refvi), *va_got = vmalloc_areas(vi);
	cr_expect_str_eq(va_got, va_want, "%s: vmalloc areas differ", profile);
	free(va_want);
	free(va_got);
	free(refvi);
	free(vi);
	/* buddyinfo: per zone, the order-10 blocks within 2 of Linux's, and as few pages in the small orders */
	strcpy(path + n, "buddyinfo.txt");
	char *refbi = slurp(path), *bi = kmm_proc_read("buddyinfo");
	cr_assert(refbi && bi);
	for (const char *r = refbi; r && *r; r = strchr(r, '\n'), r = r ? r + 1 : NULL) {
		char zone[16];
		long want_o[11], got_o[11];
		if (sscanf(r, "Node 0, zone %15s", zone) != 1)
			continue;
		const char *k = bi;
		char key[64];
		snprintf(key, sizeof(key), "zone %8s", zone);
		k = strstr(bi, key);
		cr_assert_not_null(k, "%s: kmm's buddyinfo has no zone %s", profile, zone);
		const char *rv = strstr(r, zone) + strlen(zone), *kv = k + strlen(key);
		long small_want = 0, small_got = 0;
		for (int o = 0; o <= 10; o++) {
			want_o[o] = strtol(rv, (char **)&rv, 10);
			got_o[o] = strtol(kv, (char **)&kv, 10);
			if (o < 10) {
				small_want += want_o[o] << o;
				small_got += got_o[o] << o;
			}
		}
		cr_expect(labs(got_o[10] - want_o[10]) <= 2, "%s %s: %ld order-10 blocks, Linux %ld", profile, zone,
			  got_o[10], want_o[10]);
		cr_expect(small_got <= 2 * small_want + 512, "%s %s: %ld pages free below order 10, Linux %ld", profile,
			  zone, small_got, small_want);
	}
	free(refbi);
	free(bi);
	free(want);
	free(got);
	free(si);
	free(mi);
	free(ref);
	free(refmi);
	free(dmesg);
}
Test(boot_population, source_boot_i386) { source_boot("i386"); }
Test(boot_population, source_boot_pae) { source_boot("i386-pae"); }
Test(boot_population, source_boot_x86_64) { source_boot("x86_64"); }

/* Every alias of /sys/kernel/slab merged into the cache Linux merged it into, on every profile. */
static void merges(const char *profile)
{
	ARM_NOT_YET(profile, "no boot population for arm64 yet (x86 captures only)");
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 2ULL << 30;
	p.boot_population = true;
	boot_or_fail(&p);
	const struct boot_population_stats *st = boot_population_stats();
	const struct boot_population *bp = boot_population_find(profile);
	cr_assert_not_null(bp);
	cr_expect(st->populated);
	cr_expect_eq(st->merge_mismatches, 0, "%s: %u aliases merged elsewhere, first: %s", profile, st->merge_mismatches,
		     st->first_mismatch);
	/* every name slabinfo shows for a cache has as many objects in use as Linux's slabinfo says, or more */
	for (unsigned int i = 0; i < bp->nr_caches; i++) {
		const struct boot_cache *c = &bp->caches[i];
		if (c->alias)
			continue;
		long inuse = kmem_cache_objects_in_use(c->name);
		cr_expect_geq(inuse, (long)c->active_objs, "%s: %s has %ld objects in use, Linux %u", profile, c->name,
			      inuse, c->active_objs);
	}
	char why[256];
	cr_expect_eq(kmm_verify(why, sizeof(why)), 0, "kmm_verify: %s", why);
}
TEST_ON_EVERY_PROFILE(boot_population, merges, merges)

/* The tables themselves: each profile has caches and pages, aliases only after a cache, sizes sane. */
Test(boot_population, tables)
{
	static const char *const profiles[] = { "i386", "i386-pae", "x86_64" };
	for (size_t k = 0; k < ARRAY_SIZE(profiles); k++) {
		const struct boot_population *bp = boot_population_find(profiles[k]);
		cr_assert_not_null(bp, "no population for %s", profiles[k]);
		cr_expect_gt(bp->nr_caches, 100);
		cr_expect(!bp->caches[0].alias);
		unsigned long objs = 0;
		for (unsigned int i = 0; i < bp->nr_caches; i++) {
			const struct boot_cache *c = &bp->caches[i];
			cr_expect(c->object_size > 0 && c->object_size <= 64 * 1024, "%s %s", profiles[k], c->name);
			cr_expect(c->align && !(c->align & (c->align - 1)), "%s %s align %u", profiles[k], c->name, c->align);
			cr_expect_leq(c->active_objs, c->num_objs, "%s %s", profiles[k], c->name);
			objs += c->active_objs;
		}
		cr_expect_gt(objs, 30000, "%s: %lu objects", profiles[k], objs);
	}
	cr_expect_null(boot_population_find("arm"));
}

/* boot_population=off and the C API's default are today's bare machine, byte for byte in the views. */
static void bare(const char *profile)
{
	static const char *const views[] = { "meminfo", "slabinfo", "vmallocinfo", "buddyinfo", "zoneinfo" };
	char *text[2][ARRAY_SIZE(views)];
	for (int run = 0; run < 2; run++) {
		struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
		p.profile = profile;
		p.mem_bytes = 1ULL << 30;
		p.cmdline = run ? "boot_population=off" : NULL;
		p.boot_population = run; /* the command line overrides the field */
		boot_or_fail(&p);
		cr_expect(!boot_population_stats()->populated);
		for (size_t v = 0; v < ARRAY_SIZE(views); v++)
			text[run][v] = kmm_proc_read(views[v]);
		assert_machine_sane();
		kmm_shutdown();
	}
	for (size_t v = 0; v < ARRAY_SIZE(views); v++) {
		cr_expect_str_eq(text[1][v], text[0][v], "%s: %s differs", profile, views[v]);
		free(text[0][v]);
		free(text[1][v]);
	}
}
TEST_ON_EVERY_PROFILE(boot_population, bare_machine, bare)

/*
 * "Nothing lost" on a populated machine: work (pages of every order, kmalloc
 * objects, a vmalloc area, a new cache) done and undone leaves free pages,
 * objects in use and vmalloc areas at their post-boot values.
 */
static void back_to_boot(const char *profile)
{
	ARM_NOT_YET(profile, "no boot population for arm64 yet (x86 captures only)");
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 1ULL << 30;
	p.boot_population = true;
	boot_or_fail(&p);
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "kmm_verify after boot: %s", why);
	unsigned long objs = slab_objects_in_use(), areas = vmap_areas_in_use(), vpages = vmalloc_used_pages();
	cr_expect_gt(objs, 30000);
	cr_expect_gt(areas, 0);
	drain_all_pages(NULL);
	unsigned long free0 = global_zone_page_state(NR_FREE_PAGES);

	struct page *pages[11];
	for (int o = 0; o <= 10; o++)
		pages[o] = alloc_pages(GFP_KERNEL, o);
	void *obj[300];
	for (int i = 0; i < 300; i++)
		obj[i] = kmalloc(8 + i * 13, GFP_KERNEL);
	void *v = vmalloc(300 << 10);
	struct kmem_cache *c = kmem_cache_create("test_cache", 200, 0, SLAB_HWCACHE_ALIGN, NULL);
	void *co = kmem_cache_alloc(c, GFP_KERNEL);
	cr_assert(v && c && co);
	kmem_cache_free(c, co);
	kmem_cache_destroy(c);
	vfree(v);
	for (int i = 0; i < 300; i++)
		kfree(obj[i]);
	for (int o = 0; o <= 10; o++)
		if (pages[o])
			__free_pages(pages[o], o);

	cr_expect_eq(slab_objects_in_use(), objs);
	cr_expect_eq(vmap_areas_in_use(), areas);
	cr_expect_eq(vmalloc_used_pages(), vpages);
	kmm_slab_shrink_all();
	drain_all_pages(NULL);
	/* the caches may keep a few more empty partial slabs than before (min_partial) */
	long d = (long)global_zone_page_state(NR_FREE_PAGES) - (long)free0;
	cr_expect(d >= -16 && d <= 64, "free pages %+ld after the work was undone", d);
	cr_expect_eq(kmm_verify(why, sizeof(why)), 0, "kmm_verify: %s", why);
}
TEST_ON_EVERY_PROFILE(boot_population, back_to_boot, back_to_boot)

/* A machine smaller than the population boots with what fits and says so; the rest still works. */
Test(boot_population, tiny_machine)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.mem_bytes = 16ULL << 20;
	p.kernel_bytes = 2ULL << 20;
	p.boot_population = true;
	boot_or_fail(&p);
	cr_expect(boot_population_stats()->populated);
	cr_expect_not_null(strstr(kmm_dmesg(), "boot population: out of memory at "));
	char why[256];
	cr_expect_eq(kmm_verify(why, sizeof(why)), 0, "kmm_verify: %s", why);
	void *x = kmalloc(100, GFP_KERNEL);
	cr_expect_not_null(x);
	kfree(x);
}

/* A bad value is refused with a clear message; the machine is not booted. */
Test(boot_population, bad_value)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.cmdline = "boot_population=maybe";
	char err[256];
	cr_expect_eq(kmm_boot(&p, err, sizeof(err)), -EINVAL);
	cr_expect_not_null(strstr(err, "boot_population=maybe: expected on or off"), "%s", err);
	cr_expect(!kmm_booted());
}

/* What the population costs: made in well under a second on every profile (measured: a few ms). */
static void cost(const char *profile)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 4ULL << 30;
	p.nr_cpus = 2;
	p.boot_population = true;
	boot_or_fail(&p);
	double t = boot_population_stats()->host_seconds;
	cr_log_info("%s: boot population made in %.1f ms", profile, t * 1e3);
	cr_expect_lt(t, 1.0, "%s: %.3f s", profile, t);
}
TEST_ON_EVERY_PROFILE(boot_population, cost, cost)

/*
 * Machines no real boot here describes: every profile, small and large,
 * several CPUs, NUMA, highmem= and mem= limits.  The population is made in
 * full from 128 MiB up, verifies, and its Slab is the profile's (between 8
 * and 20 MB, as on every real boot kept).
 */
Test(boot_population, other_machines)
{
	static const struct {
		const char *profile;
		unsigned long long mem;
		int cpus;
		const char *cmdline;
	} m[] = {
		{ "i386", 128ULL << 20, 1, NULL },
		{ "i386", 3ULL << 30, 2, "highmem=512M" },
		{ "i386", 4ULL << 30, 1, "mem=900M" },
		{ "i386-pae", 8ULL << 30, 4, NULL },
		{ "i386-pae", 192ULL << 20, 1, "vmalloc=256M" },
		{ "x86_64", 256ULL << 20, 1, NULL },
		{ "x86_64", 16ULL << 30, 8, "numa=fake=4" },
		{ "x86_64", 6ULL << 30, 3, "movablecore=2G" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(m); i++) {
		struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
		p.profile = m[i].profile;
		p.mem_bytes = m[i].mem;
		p.nr_cpus = m[i].cpus;
		p.cmdline = m[i].cmdline;
		p.boot_population = true;
		boot_or_fail(&p);
		const char *tag = m[i].cmdline ? m[i].cmdline : "";
		cr_expect(boot_population_stats()->populated, "%s %lluM %s", m[i].profile, m[i].mem >> 20, tag);
		cr_expect_null(strstr(kmm_dmesg(), "boot population: out of memory"), "%s %lluM %s: population cut short",
			       m[i].profile, m[i].mem >> 20, tag);
		char *mi = kmm_meminfo(), why[256];
		long slab = meminfo_kb(mi, "Slab");
		cr_expect(slab > 8000 && slab < 20000, "%s %lluM %s: Slab %ld kB", m[i].profile, m[i].mem >> 20, tag, slab);
		cr_expect_eq(kmm_verify(why, sizeof(why)), 0, "%s %lluM %s: kmm_verify: %s", m[i].profile, m[i].mem >> 20,
			     tag, why);
		free(mi);
		kmm_shutdown();
	}
}

/* Six kernel threads per CPU (cpuhp, migration, ksoftirqd, two kworkers, the idle task): their x86_64 stacks. */
static unsigned long stack_areas(int cpus)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "x86_64";
	p.mem_bytes = 2ULL << 30;
	p.nr_cpus = cpus;
	p.boot_population = true;
	boot_or_fail(&p);
	char *vi = kmm_proc_read("vmallocinfo");
	cr_assert_not_null(vi);
	unsigned long n = 0;
	for (const char *s = vi; (s = strstr(s, " kernel_clone+")); s++)
		n++;
	free(vi);
	kmm_shutdown();
	return n;
}

Test(boot_population, stacks_per_cpu)
{
	unsigned long one = stack_areas(1), four = stack_areas(4);
	cr_expect_gt(one, 40);
	cr_expect_eq(four, one + 3 * 6, "%lu stacks with 4 CPUs, %lu with 1", four, one);
}
