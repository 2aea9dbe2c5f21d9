/*
 * test_kfence.c - KFENCE (mm/kfence.c): sampled slab objects on guarded
 * pages, each kind of report in KFENCE's words with the allocation and
 * free stacks, /sys/kernel/debug/kfence/stats, and that with sampling
 * off nothing changes.  Every test ends with "nothing lost".
 *
 * The bad accesses are real loads and stores: they fault on the host,
 * the trap reports them and opens the page, and the test goes on (as a
 * kernel does after a KFENCE report).
 */
#include "kmm_test.h"

#include <kmm/slab.h>

#include "mm/kfence.h"
#include "mm/slab.h"

static struct kmm_usage at_boot;

static void boot_kfence(const char *profile, const char *cmdline)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 512ULL << 20;
	p.cmdline = cmdline;
	boot_or_fail(&p);
	kmm_usage_settle(&at_boot);
}

static void assert_nothing_lost(void)
{
	char why[256];
	cr_assert_eq(kmm_nothing_lost(&at_boot, why, sizeof(why)), 0, "%s", why);
	kmm_shutdown();
}

/* Out of line, so the reports name them (from the program's symbol table, as %pS does). */
static __attribute__((noinline)) char kfence_test_read(const volatile char *p)
{
	return *p;
}

static __attribute__((noinline)) void kfence_test_write(volatile char *p, char v)
{
	*p = v;
}

static bool left_aligned(const void *p)
{
	return ((unsigned long)p & (PAGE_SIZE - 1)) == 0;
}

static void assert_log(const char *text)
{
	cr_assert_not_null(strstr(kmm_dmesg(), text), "no \"%s\" in the log:\n%s", text, kmm_dmesg());
}

static long stat_of(const char *name)
{
	char *stats = kmm_proc_read("sys/kernel/debug/kfence/stats");
	cr_assert_not_null(stats);
	char *line = strstr(stats, name);
	cr_assert_not_null(line, "%s: no %s", stats, name);
	long v = atol(line + strlen(name) + 2);
	free(stats);
	return v;
}

/* An underflow and an overflow, each into a guard page: the access runs on once reported. */
static void out_of_bounds(const char *profile)
{
	ARM64_NOT_YET(profile, "expects kmalloc-32 (arm64 has kmalloc-128 and up)");
	ARM32_NOT_YET(profile, "expects kmalloc-32 (32-bit ARM has kmalloc-64 and up)");
	boot_kfence(profile, "kfence.sample_interval=1");
	char *a = kmalloc(32, GFP_KERNEL), *b = kmalloc(32, GFP_KERNEL);
	cr_assert(is_kfence_address(a) && is_kfence_address(b));
	cr_assert(left_aligned(a) != left_aligned(b), "objects sit at their page's start and end by turns");
	char *left = left_aligned(a) ? a : b, *right = left_aligned(a) ? b : a;
	unsigned long bugs = M->slab_bugs;
	kfence_test_read(left - 1);
	assert_log("BUG: KFENCE: out-of-bounds read in kfence_test_read");
	char want[128];
	snprintf(want, sizeof(want), "Out-of-bounds read at 0x%lx (1B left of kfence-#", kmm_host_to_kva(left - 1));
	assert_log(want);
	assert_log("kfence-#0: 0x");
	assert_log(", size=32, cache=kmalloc-32");
	assert_log("allocated by task 0 on cpu 0 at ");
	kfence_test_write(right + 32, 1);
	assert_log("BUG: KFENCE: out-of-bounds write in kfence_test_write");
	assert_log("B right of kfence-#");
	cr_assert_eq(M->slab_bugs, bugs + 2);
	kfence_test_read(left - 1); /* the page was opened for the access to go on: once is reported */
	cr_assert_eq(M->slab_bugs, bugs + 2);
	cr_assert_eq(stat_of("total bugs"), 2);
	kfree(a);
	kfree(b);
	cr_assert_eq(M->slab_bugs, bugs + 2, "the guard pages were written, not the canaries");
	assert_nothing_lost();
}
TEST_ON_EVERY_PROFILE(kfence, out_of_bounds, out_of_bounds)

Test(kfence, use_after_free)
{
	boot_kfence("i386", "kfence.sample_interval=1");
	char *p = kmalloc(48, GFP_KERNEL);
	cr_assert(is_kfence_address(p));
	kfree(p);
	kfence_test_read(p + 4);
	assert_log("BUG: KFENCE: use-after-free read in kfence_test_read");
	char want[128];
	snprintf(want, sizeof(want), "Use-after-free read at 0x%lx (in kfence-#0):", kmm_host_to_kva(p + 4));
	assert_log(want);
	assert_log("allocated by task 0 on cpu 0 at ");
	assert_log("freed by task 0 on cpu 0 at ");
	cr_assert_eq(stat_of("total frees"), 1);
	assert_nothing_lost();
}

Test(kfence, invalid_free)
{
	boot_kfence("x86_64", "kfence.sample_interval=1");
	char *p = kmalloc(64, GFP_KERNEL);
	cr_assert(is_kfence_address(p));
	kfree(p + 8); /* not the object's start: refused, the object stays */
	assert_log("BUG: KFENCE: invalid free in ");
	cr_assert_eq(kfence_ksize(p), 64);
	kfree(p);
	unsigned long bugs = M->slab_bugs;
	kfree(p); /* twice */
	cr_assert_eq(M->slab_bugs, bugs + 1);
	char want[128];
	snprintf(want, sizeof(want), "Invalid free of 0x%lx (in kfence-#0):", kmm_host_to_kva(p));
	assert_log(want);
	assert_log("freed by task 0 on cpu 0 at ");
	assert_nothing_lost();
}

/* A write into the object's page but past the object: no fault, the canary shows it at free. */
Test(kfence, memory_corruption)
{
	boot_kfence("i386-pae", "kfence.sample_interval=1");
	char *p = kmalloc(13, GFP_KERNEL);
	cr_assert(is_kfence_address(p) && left_aligned(p));
	p[13] = 0x78;
	unsigned long bugs = M->slab_bugs;
	kfree(p);
	cr_assert_eq(M->slab_bugs, bugs + 1);
	assert_log("BUG: KFENCE: memory corruption in ");
	char want[128];
	snprintf(want, sizeof(want), "Corrupted memory at 0x%lx [ 0x78 . . . ", kmm_host_to_kva(p + 13));
	assert_log(want);
	assert_log(" (in kfence-#0):");
	assert_log("kfence-#0: 0x");
	assert_log(", size=13, cache=kmalloc-16");
	assert_nothing_lost();
}

/* kfence.sample_interval=N: the Nth, 2Nth, ... slab allocation after boot, and only compatible ones. */
Test(kfence, sample_interval_counts_allocations)
{
	boot_kfence("i386", "kfence.sample_interval=4");
	assert_log("kfence: initialized - using 2097152 bytes for 255 objects at 0x");
	assert_log("kfence: sampling 1 in 4 slab allocations");
	void *p[12];
	for (int i = 0; i < 12; i++) {
		p[i] = kmalloc(100, GFP_KERNEL);
		cr_assert_eq(is_kfence_address(p[i]), (i + 1) % 4 == 0, "allocation %d", i + 1);
	}
	cr_assert_eq(stat_of("currently allocated"), 3);
	void *dma[4];
	for (int i = 0; i < 4; i++)
		dma[i] = kmalloc(100, GFP_DMA);
	cr_assert_eq(stat_of("skipped allocations (incompatible)"), 1, "DMA memory is never sampled");
	for (int i = 0; i < 12; i++)
		kfree(p[i]);
	for (int i = 0; i < 4; i++)
		kfree(dma[i]);
	cr_assert_eq(stat_of("total allocations"), 3);
	cr_assert_eq(stat_of("total frees"), 3);
	assert_nothing_lost();
}

Test(kfence, stats_and_a_full_pool)
{
	boot_kfence("x86_64", "kfence.sample_interval=1");
	char *stats = kmm_proc_read("sys/kernel/debug/kfence/stats");
	cr_assert_str_eq(stats, "enabled: 1\n"
				"currently allocated: 0\n"
				"total allocations: 0\n"
				"total frees: 0\n"
				"zombie allocations: 0\n"
				"total bugs: 0\n"
				"skipped allocations (incompatible): 0\n"
				"skipped allocations (capacity): 0\n"
				"skipped allocations (covered): 0\n");
	free(stats);
	void *p[260];
	for (int i = 0; i < 260; i++)
		p[i] = kmalloc(8, GFP_KERNEL);
	cr_assert_eq(stat_of("currently allocated"), 255);
	cr_assert_eq(stat_of("skipped allocations (capacity)"), 5);
	cr_assert(!is_kfence_address(p[259]), "a full pool leaves allocations to the slabs");
	for (int i = 0; i < 260; i++)
		kfree(p[i]);
	char *objects = kmm_proc_read("sys/kernel/debug/kfence/objects");
	cr_assert_not_null(strstr(objects, "kfence-#254: 0x"));
	cr_assert_not_null(strstr(objects, "freed by task 0 on cpu 0 at "));
	free(objects);
	assert_nothing_lost();
}

static int ctor_runs;
static void ctor(void *p)
{
	ctor_runs++;
	memset(p, 0x5a, 24);
}

/* A cache's own objects are sampled too: constructed, freed back, and named until the cache goes. */
Test(kfence, caches_and_constructors)
{
	boot_kfence("i386", "kfence.sample_interval=1");
	struct kmem_cache *c = kmem_cache_create("kf_ctor", 24, 0, 0, ctor);
	char *o = kmem_cache_alloc(c, GFP_KERNEL);
	cr_assert(is_kfence_address(o));
	cr_assert_eq(o[23], 0x5a);
	cr_assert_eq(ksize(o), 24);
	cr_assert_eq(virt_to_slab(o)->slab_cache, c, "a pool object's page is a slab page of its cache");
	kmem_cache_destroy(c); /* refused: an object is in use */
	assert_log("object remaining in kf_ctor on __kmem_cache_shutdown()");
	kmem_cache_free(c, o);
	kmem_cache_destroy(c);
	char *objects = kmm_proc_read("sys/kernel/debug/kfence/objects");
	cr_assert_not_null(strstr(objects, "cache=<destroyed>"), "%s", objects);
	free(objects);
	char *z = kzalloc(200, GFP_KERNEL);
	cr_assert(is_kfence_address(z));
	for (int i = 0; i < 200; i++)
		cr_assert_eq(z[i], 0);
	z = krealloc(z, 300, GFP_KERNEL);
	cr_assert_eq(z[199], 0, "krealloc copies out of a pool object");
	kfree(z);
	cr_assert_eq(M->slab_bugs, 0);
	assert_nothing_lost();
}

/* Sampling off (no parameter, or 0): the machine is the same, byte for byte in its views. */
Test(kfence, off_changes_nothing)
{
	static const char *views[] = { "meminfo", "buddyinfo", "zoneinfo", "slabinfo", "vmstat" };
	char *without[ARRAY_SIZE(views)];
	boot_kfence("i386", NULL);
	void *p = kmalloc(32, GFP_KERNEL);
	cr_assert(!is_kfence_address(p));
	kfree(p);
	for (size_t i = 0; i < ARRAY_SIZE(views); i++)
		without[i] = kmm_proc_read(views[i]);
	char *stats = kmm_proc_read("sys/kernel/debug/kfence/stats");
	cr_assert_not_null(strstr(stats, "enabled: 0\n"));
	free(stats);
	cr_assert_null(strstr(kmm_dmesg(), "kfence"));
	assert_nothing_lost();

	boot_kfence("i386", "kfence.sample_interval=0");
	p = kmalloc(32, GFP_KERNEL);
	cr_assert(!is_kfence_address(p));
	kfree(p);
	for (size_t i = 0; i < ARRAY_SIZE(views); i++) {
		char *with = kmm_proc_read(views[i]);
		cr_assert_str_eq(with, without[i], "%s differs with kfence.sample_interval=0", views[i]);
		free(with);
		free(without[i]);
	}
	cr_assert_null(strstr(kmm_dmesg(), "kfence:"));
	assert_nothing_lost();
}

Test(kfence, bad_parameter)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.cmdline = "kfence.sample_interval=often";
	char err[256];
	cr_assert_neq(kmm_boot(&p, err, sizeof(err)), 0);
	cr_assert_not_null(strstr(err, "kfence.sample_interval=often"), "%s", err);
}
