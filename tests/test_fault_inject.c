/*
 * test_fault_inject.c - failslab and fail_page_alloc (mm/fault_inject.c).
 *
 * First should_fail()'s rules one at a time (probability, times, space,
 * interval and the order they are checked in), the hooks' filters, the
 * FAULT_INJECTION report and its ratelimit, the boot parameters and the
 * debugfs files.  Then every subsystem on every profile with each of its
 * allocations failed in turn: the n-th call that can fail is failed, for
 * n = 1, 2, ... until the operation runs without meeting one, and each
 * time the operation must fail cleanly (NULL, -ENOMEM, a short count, or
 * a retry that succeeds) and give everything back: nothing lost.  Last the
 * sweep: every scenario under scenarios/ under injection, which may fail
 * its expects but never break the kernel (exit status 3) or crash.
 */
#define _GNU_SOURCE
#include "kmm_test.h"

#include <glob.h>
#include <kmm/fs.h>
#include <kmm/highmem.h>
#include <kmm/scenario.h>
#include <kmm/slab.h>
#include <kmm/task.h>
#include <kmm/vmalloc.h>

#include "mm/slab.h"

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(fault_inject, .fini = fini, .timeout = 120);

static struct kmm_usage at_boot;

static void boot_seeded(const char *profile, const char *cmdline, u64 seed)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 1ULL << 30;
	p.cmdline = cmdline;
	p.seed = seed;
	boot_or_fail(&p);
	kmm_usage_settle(&at_boot);
}

static void boot_profile(const char *profile)
{
	boot_seeded(profile, NULL, 1);
}

/* Write a debugfs file: set("failslab/times", "-1"). */
static void set(const char *file, const char *value)
{
	char path[128];
	snprintf(path, sizeof(path), "sys/kernel/debug/%s", file);
	int ret = kmm_proc_write(path, value);
	cr_assert_eq(ret, 0, "writing \"%s\" to %s: %d", value, path, ret);
}

static char *get(const char *file)
{
	char path[128];
	snprintf(path, sizeof(path), "sys/kernel/debug/%s", file);
	char *v = kmm_proc_read(path);
	cr_assert_not_null(v, "no %s", path);
	return v;
}

static void assert_file(const char *file, const char *want)
{
	char *v = get(file);
	cr_assert_str_eq(v, want, "%s reads \"%s\", expected \"%s\"", file, v, want);
	free(v);
}

static struct fault_attr *attr_of(const char *dir)
{
	return !strcmp(dir, "failslab") ? &M->fault.failslab.attr : &M->fault.fail_page_alloc.attr;
}

/* dir's knob (e.g. "probability") set to value */
static void dset(const char *dir, const char *knob, const char *value)
{
	char file[128];
	snprintf(file, sizeof(file), "%s/%s", dir, knob);
	set(file, value);
}

/* Every allocation is eligible: sleeping ones, HighMem, order 0; no reports. */
static void eligible_all(const char *dir)
{
	dset(dir, "ignore-gfp-wait", "N");
	dset(dir, "verbose", "0");
	if (!strcmp(dir, "fail_page_alloc")) {
		dset(dir, "ignore-gfp-highmem", "N");
		dset(dir, "min-order", "0");
	}
}

/* The n-th eligible call of dir from now fails, and no other. */
static void fail_nth(const char *dir, unsigned long n)
{
	char buf[32];
	eligible_all(dir);
	attr_of(dir)->count = 0;
	snprintf(buf, sizeof(buf), "%lu", n);
	dset(dir, "interval", buf);
	dset(dir, "times", "1");
	dset(dir, "space", "0");
	dset(dir, "probability", "100");
}

static void fail_off(void)
{
	set("failslab/probability", "0");
	set("fail_page_alloc/probability", "0");
}

static void assert_nothing_lost(const char *what)
{
	char why[256];
	cr_assert_eq(kmm_nothing_lost(&at_boot, why, sizeof(why)), 0, "%s: %s", what, why);
	assert_machine_sane();
}

static const char *const dirs[] = { "failslab", "fail_page_alloc" };

/*
 * run(ctx) with the n-th eligible call of dir failing, for n = 1, 2, ...
 * until it runs without one; undo(ctx, failed) judges what run did (failed:
 * a failure was injected into it) and gives everything back; nothing may
 * be lost then.  Returns the number of failures injected and survived.
 */
static unsigned long for_each_failure(const char *dir, void (*run)(void *), void (*undo)(void *, bool), void *ctx)
{
	unsigned long n;
	for (n = 1; n < 1000000; n++) {
		unsigned long before = attr_of(dir)->injected;
		fail_nth(dir, n);
		run(ctx);
		bool failed = attr_of(dir)->injected != before;
		fail_off();
		undo(ctx, failed);
		char what[64];
		snprintf(what, sizeof(what), "%s, call %lu failed", dir, n);
		assert_nothing_lost(what);
		if (!failed)
			break;
	}
	return n - 1;
}

/* ---- should_fail()'s rules ------------------------------------------------------------------ */

/* should_fail on fail_page_alloc's attribute with a size of 1, n times: how many failed. */
static int fails_of(int n, long size)
{
	int f = 0;
	for (int i = 0; i < n; i++)
		f += should_fail(&M->fault.fail_page_alloc.attr, size);
	return f;
}

Test(fault_inject, defaults_are_linuxs)
{
	boot_profile("i386");
	assert_file("fail_page_alloc/probability", "0\n");
	assert_file("fail_page_alloc/interval", "1\n");
	assert_file("fail_page_alloc/times", "1\n");
	assert_file("fail_page_alloc/space", "0\n");
	assert_file("fail_page_alloc/verbose", "2\n");
	assert_file("fail_page_alloc/ignore-gfp-wait", "Y\n");
	assert_file("fail_page_alloc/ignore-gfp-highmem", "Y\n");
	assert_file("fail_page_alloc/min-order", "1\n");
	assert_file("fail_page_alloc/verbose_ratelimit_interval_ms", "1250\n");
	assert_file("fail_page_alloc/verbose_ratelimit_burst", "10\n");
	assert_file("failslab/ignore-gfp-wait", "Y\n");
	assert_file("failslab/cache-filter", "N\n");
	assert_file("failslab/times", "1\n");
	/* off: nothing is even counted */
	void *p = kmalloc(64, GFP_ATOMIC);
	kfree(p);
	cr_assert_eq(M->fault.failslab.attr.calls, 0);
}

Test(fault_inject, probability_0_and_100)
{
	boot_profile("i386");
	set("fail_page_alloc/times", "-1");
	cr_assert_eq(fails_of(100, 1), 0, "probability 0 fails nothing");
	set("fail_page_alloc/probability", "100");
	cr_assert_eq(fails_of(100, 1), 100, "probability 100 fails everything");
	assert_file("fail_page_alloc/times", "-1\n");
	cr_assert_eq(M->fault.fail_page_alloc.attr.injected, 100);
}

Test(fault_inject, probability_is_a_percentage_from_the_seed)
{
	int first[64];
	for (int round = 0; round < 2; round++) {
		boot_seeded("i386", NULL, 42);
		set("fail_page_alloc/times", "-1");
		set("fail_page_alloc/probability", "30");
		int f = 0;
		for (int i = 0; i < 10000; i++) {
			bool failed = should_fail(&M->fault.fail_page_alloc.attr, 1);
			f += failed;
			if (i < 64 && !round)
				first[i] = failed;
			else if (i < 64)
				cr_assert_eq(first[i], failed, "call %d differs on the same seed", i);
		}
		cr_assert(f > 2800 && f < 3200, "probability 30 failed %d of 10000", f);
		kmm_shutdown();
	}
	/* another seed fails other calls */
	boot_seeded("i386", NULL, 43);
	set("fail_page_alloc/times", "-1");
	set("fail_page_alloc/probability", "30");
	int same = 0;
	for (int i = 0; i < 64; i++)
		same += first[i] == should_fail(&M->fault.fail_page_alloc.attr, 1);
	cr_assert_lt(same, 64, "seeds 42 and 43 fail the same 64 calls");
}

Test(fault_inject, times_counts_down_to_zero)
{
	boot_profile("i386");
	set("fail_page_alloc/probability", "100");
	set("fail_page_alloc/times", "3");
	cr_assert_eq(fails_of(10, 1), 3);
	assert_file("fail_page_alloc/times", "0\n");
	set("fail_page_alloc/times", "0");
	cr_assert_eq(fails_of(10, 1), 0, "times 0: no more failures");
}

Test(fault_inject, interval_fails_every_nth)
{
	boot_profile("i386");
	set("fail_page_alloc/probability", "100");
	set("fail_page_alloc/times", "-1");
	set("fail_page_alloc/interval", "4");
	for (int i = 1; i <= 12; i++)
		cr_assert_eq(should_fail(&M->fault.fail_page_alloc.attr, 1), i % 4 == 0, "call %d", i);
	set("fail_page_alloc/interval", "0"); /* 0 and 1: each call */
	cr_assert_eq(fails_of(5, 1), 5);
}

Test(fault_inject, space_is_a_budget_let_through_first)
{
	boot_profile("i386");
	set("fail_page_alloc/probability", "100");
	set("fail_page_alloc/times", "-1");
	set("fail_page_alloc/space", "10");
	/* 10 > 4: 6 left; 6 > 4: 2 left; 2 > 4 no: fails, and keeps failing */
	cr_assert_not(should_fail(&M->fault.fail_page_alloc.attr, 4));
	assert_file("fail_page_alloc/space", "6\n");
	cr_assert_not(should_fail(&M->fault.fail_page_alloc.attr, 4));
	cr_assert(should_fail(&M->fault.fail_page_alloc.attr, 4));
	cr_assert(should_fail(&M->fault.fail_page_alloc.attr, 4));
	assert_file("fail_page_alloc/space", "2\n");
}

/* Linux's order: probability 0, times 0, space, interval, probability. */
Test(fault_inject, checks_come_in_linuxs_order)
{
	boot_profile("i386");
	struct fault_attr *a = &M->fault.fail_page_alloc.attr;
	set("fail_page_alloc/interval", "2");
	set("fail_page_alloc/space", "100");
	set("fail_page_alloc/times", "-1");
	cr_assert_eq(fails_of(3, 1), 0);
	cr_assert_eq(a->count, 0, "probability 0 stops before the interval counts");
	assert_file("fail_page_alloc/space", "100\n");
	set("fail_page_alloc/probability", "100");
	set("fail_page_alloc/times", "0");
	cr_assert_eq(fails_of(3, 1), 0);
	assert_file("fail_page_alloc/space", "100\n"); /* times 0 stops before space is spent */
	set("fail_page_alloc/times", "-1");
	cr_assert_eq(fails_of(3, 30), 0);
	cr_assert_eq(a->count, 0, "space is spent before the interval counts");
	assert_file("fail_page_alloc/space", "10\n");
	cr_assert_eq(fails_of(4, 30), 2, "then every second call");
	cr_assert_eq(a->count, 4);
}

/* ---- the hooks' filters -------------------------------------------------------------------- */

Test(fault_inject, fail_page_alloc_filters)
{
	boot_profile("i386");
	set("fail_page_alloc/probability", "100");
	set("fail_page_alloc/times", "-1");
	set("fail_page_alloc/verbose", "0");
	/* the defaults: min-order 1, and neither HighMem nor sleeping allocations */
	cr_assert_not(__should_fail_alloc_page(GFP_ATOMIC, 0), "order 0 < min-order 1");
	cr_assert(__should_fail_alloc_page(GFP_ATOMIC, 1));
	cr_assert_not(__should_fail_alloc_page(GFP_KERNEL, 1), "ignore-gfp-wait: GFP_KERNEL may sleep");
	cr_assert_not(__should_fail_alloc_page(GFP_NOWAIT | __GFP_HIGHMEM, 2), "ignore-gfp-highmem");
	cr_assert(__should_fail_alloc_page(GFP_NOWAIT, 2));
	set("fail_page_alloc/min-order", "0");
	set("fail_page_alloc/ignore-gfp-wait", "N");
	set("fail_page_alloc/ignore-gfp-highmem", "N");
	cr_assert(__should_fail_alloc_page(GFP_ATOMIC, 0));
	cr_assert(__should_fail_alloc_page(GFP_KERNEL, 0));
	cr_assert(__should_fail_alloc_page(GFP_HIGHUSER_MOVABLE, 0));
	cr_assert_not(__should_fail_alloc_page(GFP_KERNEL | __GFP_NOFAIL, 0), "never __GFP_NOFAIL");
	set("fail_page_alloc/min-order", "3");
	cr_assert_not(__should_fail_alloc_page(GFP_KERNEL, 2));
	cr_assert(__should_fail_alloc_page(GFP_KERNEL, 3));
	/* through the allocator: NULL, and no "page allocation failure" warning (Linux gives none) */
	cr_assert_null(alloc_pages(GFP_KERNEL, 3));
	cr_assert_not_null(strstr(kmm_dmesg(), "Memory:"));
	cr_assert_null(strstr(kmm_dmesg(), "page allocation failure"));
	struct page *p = alloc_pages(GFP_KERNEL | __GFP_NOFAIL, 0);
	cr_assert_not_null(p);
	__free_pages(p, 0);
	fail_off();
	assert_nothing_lost("filters");
}

Test(fault_inject, failslab_filters)
{
	boot_profile("x86_64");
	struct kmem_cache *plain = kmem_cache_create("fi_plain", 100, 0, SLAB_HWCACHE_ALIGN, NULL);
	struct kmem_cache *marked = kmem_cache_create("fi_marked", 100, 0, SLAB_FAILSLAB, NULL);
	cr_assert(plain && marked);
	set("failslab/probability", "100");
	set("failslab/times", "-1");
	set("failslab/verbose", "0");
	void *slept = kmem_cache_alloc(plain, GFP_KERNEL);
	cr_assert_not_null(slept, "ignore-gfp-wait: GFP_KERNEL may sleep");
	cr_assert_null(kmem_cache_alloc(plain, GFP_ATOMIC));
	cr_assert_null(kmalloc(32, GFP_NOWAIT));
	set("failslab/ignore-gfp-wait", "N");
	cr_assert_null(kmem_cache_alloc(plain, GFP_KERNEL));
	void *nofail = kmem_cache_alloc(plain, GFP_KERNEL | __GFP_NOFAIL);
	cr_assert_not_null(nofail, "never __GFP_NOFAIL");
	cr_assert_not(__should_failslab(kmem_cache_cache, GFP_ATOMIC), "never the kmem_cache cache");
	set("failslab/cache-filter", "Y");
	void *o = kmem_cache_alloc(plain, GFP_KERNEL);
	cr_assert_not_null(o, "cache-filter: only SLAB_FAILSLAB caches fail");
	cr_assert_null(kmem_cache_alloc(marked, GFP_KERNEL));
	fail_off();
	kmem_cache_free(plain, slept);
	kmem_cache_free(plain, o);
	kmem_cache_free(plain, nofail);
	kmem_cache_destroy(plain);
	kmem_cache_destroy(marked);
	cr_assert_eq(M->fault.failslab.attr.injected, 4);
	assert_nothing_lost("failslab filters");
}

/* ---- the report, the boot parameters, the files ----------------------------------------------- */

static int count_of(const char *text, const char *what)
{
	int n = 0;
	for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

Test(fault_inject, report_names_the_attribute_before_times_drops)
{
	boot_profile("i386");
	set("failslab/probability", "100");
	set("failslab/times", "2");
	set("failslab/verbose", "1");
	cr_assert_null(kmalloc(100, GFP_ATOMIC));
	char *lines = log_lines(kmm_dmesg(), "");
	cr_assert_not_null(strstr(lines, "FAULT_INJECTION: forcing a failure.\n"
					  "name failslab, interval 1, probability 100, space 0, times 2\n"),
			   "%s", lines);
	cr_assert_null(strstr(lines, "Call Trace:"), "verbose 1: no call trace");
	free(lines);
	set("failslab/verbose", "2");
	cr_assert_null(kmalloc(100, GFP_ATOMIC));
	lines = log_lines(kmm_dmesg(), "");
	cr_assert_not_null(strstr(lines, "name failslab, interval 1, probability 100, space 0, times 1\n"
					  "CPU: 0 PID: 0 Comm: kmm Not tainted 6.1.0-kmm-i386 #1\nCall Trace:\n <TASK>\n"),
			   "%s", lines);
	cr_assert_not_null(strstr(lines, " </TASK>\n"));
	free(lines);
	set("failslab/times", "1");
	set("failslab/verbose", "0");
	size_t len = strlen(kmm_dmesg());
	cr_assert_null(kmalloc(100, GFP_ATOMIC));
	cr_assert_eq(strlen(kmm_dmesg()), len, "verbose 0 says nothing");
}

Test(fault_inject, reports_are_ratelimited)
{
	boot_profile("i386");
	set("fail_page_alloc/probability", "100");
	set("fail_page_alloc/times", "-1");
	set("fail_page_alloc/verbose", "1");
	cr_assert_eq(fails_of(15, 1), 15);
	cr_assert_eq(count_of(kmm_dmesg(), "FAULT_INJECTION: forcing a failure."), 10, "a burst of 10 per interval");
	set("failslab/probability", "100");
	set("failslab/times", "-1");
	set("failslab/verbose", "1");
	set("failslab/verbose_ratelimit_burst", "3");
	for (int i = 0; i < 9; i++)
		should_fail(&M->fault.failslab.attr, 8);
	cr_assert_eq(count_of(kmm_dmesg(), "name failslab"), 3);
	/* after the interval, the next report says how many were suppressed */
	M->clock_ns += 6ULL * 1000000000;
	should_fail(&M->fault.failslab.attr, 8);
	cr_assert_not_null(strstr(kmm_dmesg(), "fail_dump: 6 callbacks suppressed"), "%s", kmm_dmesg());
	set("failslab/verbose_ratelimit_interval_ms", "0"); /* no limit */
	for (int i = 0; i < 5; i++)
		should_fail(&M->fault.failslab.attr, 8);
	cr_assert_eq(count_of(kmm_dmesg(), "name failslab"), 9);
}

Test(fault_inject, boot_parameters)
{
	boot_seeded("i386", "failslab=5,50,100,7 fail_page_alloc=1,100,0,-1", 1);
	assert_file("failslab/interval", "5\n");
	assert_file("failslab/probability", "50\n");
	assert_file("failslab/space", "100\n");
	assert_file("failslab/times", "7\n");
	assert_file("fail_page_alloc/times", "-1\n");
	/* boot itself was spared; from now on it bites (order >= 1, may not sleep) */
	cr_assert_eq(M->fault.fail_page_alloc.attr.injected, 0);
	set("fail_page_alloc/verbose", "0");
	cr_assert_null(alloc_pages(GFP_ATOMIC, 1));
	struct page *p = alloc_pages(GFP_ATOMIC, 0);
	cr_assert_not_null(p);
	__free_pages(p, 0);
	kmm_shutdown();
	static const char *const bad[] = { "failslab=1,2,3", "failslab=a,b,c,d", "fail_page_alloc=1,2,3,4x", "failslab",
					   "fail_page_alloc=-1,2,3,4" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct kmm_boot_params p2 = KMM_BOOT_DEFAULTS;
		char err[256];
		p2.cmdline = bad[i];
		cr_assert_eq(kmm_boot(&p2, err, sizeof(err)), -EINVAL, "%s booted", bad[i]);
		cr_assert_not_null(strstr(err, "FAULT_INJECTION: failed to parse arguments"), "%s: %s", bad[i], err);
	}
}

Test(fault_inject, debugfs_files)
{
	boot_profile("i386");
	int n = 0;
	for (const char *const *p = kmm_proc_paths(); *p; p++)
		n += !strncmp(*p, "sys/kernel/debug/fail", 21);
	cr_assert_eq(n, 8 + 2 + 8 + 1, "fail_page_alloc's 10 files and failslab's 9");
	set("failslab/cache-filter", "y");
	assert_file("failslab/cache-filter", "Y\n");
	set("failslab/cache-filter", "off");
	assert_file("failslab/cache-filter", "N\n");
	set("failslab/cache-filter", "1\n");
	assert_file("failslab/cache-filter", "Y\n");
	set("fail_page_alloc/times", "0xffffffff"); /* printf %#x -1, as the documentation does it */
	assert_file("fail_page_alloc/times", "-1\n");
	set("fail_page_alloc/probability", "010");
	assert_file("fail_page_alloc/probability", "8\n");
	set("fail_page_alloc/interval", "100\n");
	assert_file("fail_page_alloc/interval", "100\n");
	static const char *const refused[][2] = {
		{ "failslab/cache-filter", "maybe" }, { "failslab/probability", "-1" }, { "failslab/probability", "ten" },
		{ "failslab/times", "" },             { "failslab/times", "1 2" },       { "fail_page_alloc/min-order", "-1" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
		char path[128];
		snprintf(path, sizeof(path), "sys/kernel/debug/%s", refused[i][0]);
		cr_assert_eq(kmm_proc_write(path, refused[i][1]), -EINVAL, "%s took \"%s\"", path, refused[i][1]);
	}
	cr_assert_eq(kmm_proc_write("sys/kernel/debug/failslab/min-order", "1"), -ENOENT, "min-order is fail_page_alloc's");
	cr_assert_eq(fault_inject_check("failslab/times", "-1"), 0);
	cr_assert_eq(fault_inject_check("failslab/times", "x"), -EINVAL);
	cr_assert_eq(fault_inject_check("failslab/nope", "1"), -ENOENT);
}

/* ---- every subsystem, each allocation failed in turn ------------------------------------------ */

/* The page allocator: every entry point returns NULL for an injected failure, and only then. */
struct pa_ctx {
	struct page *p0, *p2;
	unsigned long a3;
	void *exact;
};

static void pa_run(void *arg)
{
	struct pa_ctx *c = arg;
	c->p0 = alloc_pages(GFP_KERNEL, 0);
	c->p2 = alloc_pages(GFP_HIGHUSER | __GFP_ZERO, 2);
	c->a3 = __get_free_pages(GFP_ATOMIC, 3);
	c->exact = alloc_pages_exact(5 * PAGE_SIZE, GFP_KERNEL);
}

static void pa_undo(void *arg, bool failed)
{
	struct pa_ctx *c = arg;
	int nulls = !c->p0 + !c->p2 + !c->a3 + !c->exact;
	cr_assert_eq(nulls, failed, "%d allocations failed, %d failures injected", nulls, failed);
	if (c->p0)
		__free_pages(c->p0, 0);
	if (c->p2)
		__free_pages(c->p2, 2);
	free_pages(c->a3, 3);
	if (c->exact)
		free_pages_exact(c->exact, 5 * PAGE_SIZE);
}

static void page_alloc_fails_cleanly(const char *profile)
{
	boot_profile(profile);
	struct pa_ctx c;
	cr_assert_eq(for_each_failure("fail_page_alloc", pa_run, pa_undo, &c), 4);
	cr_assert_eq(for_each_failure("failslab", pa_run, pa_undo, &c), 0, "the page allocator uses no slab");
}
TEST_ON_EVERY_PROFILE(fault_inject, page_alloc_fails_cleanly, page_alloc_fails_cleanly)

/* Slab: a cache's creation, its objects and slabs, the kmalloc family. */
struct slab_ctx {
	struct kmem_cache *c;
	void *obj[40], *bulk[10], *small, *large, *re, *kv;
	int bulk_n;
	bool re_moved;
};

static void slab_run(void *arg)
{
	struct slab_ctx *x = arg;
	memset(x, 0, sizeof(*x));
	/* SLAB_FAILSLAB: a cache of its own, never merged into another */
	x->c = kmem_cache_create("fi_objs", 200, 0, SLAB_FAILSLAB, NULL);
	for (int i = 0; x->c && i < 40; i++)
		x->obj[i] = kmem_cache_alloc(x->c, GFP_KERNEL);
	x->bulk_n = x->c ? kmem_cache_alloc_bulk(x->c, GFP_KERNEL, 10, x->bulk) : 0;
	x->small = kmalloc(100, GFP_KERNEL);
	x->large = kmalloc(3 * PAGE_SIZE, GFP_KERNEL); /* above KMALLOC_MAX_CACHE_SIZE: pages */
	if (x->small) {
		strcpy(x->small, "kept");
		x->re = krealloc(x->small, 3000, GFP_KERNEL);
		x->re_moved = x->re != NULL;
	}
	x->kv = kvmalloc(64 << 10, GFP_KERNEL); /* kmalloc, else vmalloc */
}

static void slab_undo(void *arg, bool failed)
{
	struct slab_ctx *x = arg;
	int nulls = !x->c + !x->small + !x->large + (x->small && !x->re) + !x->kv + (x->c && x->bulk_n != 10);
	for (int i = 0; i < 40; i++)
		nulls += x->c && !x->obj[i];
	/* one failure at most, and none without one: kvmalloc may save itself with vmalloc */
	cr_assert(nulls <= (int)failed, "%d allocations failed, %d failures injected", nulls, failed);
	if (x->small && !x->re)
		cr_assert_str_eq(x->small, "kept", "krealloc failed: the old object stays as it was");
	for (int i = 0; i < 40; i++)
		if (x->obj[i])
			kmem_cache_free(x->c, x->obj[i]);
	if (x->bulk_n)
		kmem_cache_free_bulk(x->c, (size_t)x->bulk_n, x->bulk);
	kmem_cache_destroy(x->c);
	kfree(x->re_moved ? x->re : x->small);
	kfree(x->large);
	kvfree(x->kv);
}

static void slab_fails_cleanly(const char *profile)
{
	boot_profile(profile);
	struct slab_ctx x;
	cr_assert_gt(for_each_failure("failslab", slab_run, slab_undo, &x), 40);
	cr_assert_gt(for_each_failure("fail_page_alloc", slab_run, slab_undo, &x), 5);
}
TEST_ON_EVERY_PROFILE(fault_inject, slab_fails_cleanly, slab_fails_cleanly)

/* kmem_cache_create: a failure on the cache's own descriptors fails the creation, as Linux's does. */
struct create_ctx {
	struct kmem_cache *c;
};

static void create_run(void *arg)
{
	((struct create_ctx *)arg)->c = kmem_cache_create("fi_create", 300, 0, SLAB_FAILSLAB, NULL);
}

static void create_undo(void *arg, bool failed)
{
	struct create_ctx *x = arg;
	cr_assert_eq(!x->c, failed, "kmem_cache_create %s with %d failures injected", x->c ? "succeeded" : "failed",
		     failed);
	if (x->c)
		cr_assert_not_null(x->c->descriptor, "a cache without its descriptor");
	kmem_cache_destroy(x->c);
}

static void cache_create_fails_cleanly(const char *profile)
{
	boot_profile(profile);
	struct create_ctx x;
	/* kmem_cache_node objects for every node; the kmem_cache cache itself is never failed */
	cr_assert_eq(for_each_failure("failslab", create_run, create_undo, &x), (unsigned long)M->nr_nodes);
	/* now and then a descriptor needs a new slab page: fail the first such page */
	struct kmem_cache *many[256];
	int n;
	fail_nth("fail_page_alloc", 1);
	for (n = 0; n < 256; n++) {
		unsigned long before = M->fault.fail_page_alloc.attr.injected;
		char name[32];
		snprintf(name, sizeof(name), "fi_many%d", n);
		many[n] = kmem_cache_create(name, 300, 0, SLAB_FAILSLAB, NULL);
		if (M->fault.fail_page_alloc.attr.injected != before) {
			cr_assert_null(many[n], "a descriptor's slab page failed, and %s was made all the same", name);
			break;
		}
		cr_assert_not_null(many[n]);
	}
	fail_off();
	cr_assert_lt(n, 256, "256 caches and no descriptor slab page was needed");
	while (n-- > 0)
		kmem_cache_destroy(many[n]);
	assert_nothing_lost("many caches");
}
TEST_ON_EVERY_PROFILE(fault_inject, cache_create_fails_cleanly, cache_create_fails_cleanly)

/*
 * vmalloc: the vm_struct, the pages array, each page, the kernel page
 * tables that map them - each call alone, on an empty vmalloc area, so a
 * table left behind by a failure is not taken over by the next call.
 */
struct vm_ctx {
	struct page *pages[4];
	int which; /* vm_sizes[which], or vmap when 4 */
	void *v;
};

static const unsigned long vm_sizes[5] = { 64 << 10, 5 * PAGE_SIZE + 1, 8 << 10, (2UL << 20) + PAGE_SIZE, 4 * PAGE_SIZE };

static void vm_run(void *arg)
{
	struct vm_ctx *x = arg;
	switch (x->which) {
	case 0: x->v = vmalloc(vm_sizes[0]); break;
	case 1: x->v = vzalloc(vm_sizes[1]); break;
	case 2: x->v = vmalloc_32(vm_sizes[2]); break;
	case 3: x->v = vmalloc(vm_sizes[3]); break; /* its pages array is itself vmalloc()ed */
	default: x->v = vmap(x->pages, 4, VM_MAP, __PAGE_KERNEL); break;
	}
}

static void vm_undo(void *arg, bool failed)
{
	struct vm_ctx *x = arg;
	cr_assert_eq(!x->v, failed, "vmalloc %d %s with %d failures injected", x->which, x->v ? "worked" : "failed",
		     failed);
	if (!x->v)
		return;
	char *p = x->v; /* every page is there, and mapped */
	p[0] = 1;
	p[vm_sizes[x->which] - 1] = 2;
	cr_assert_eq(p[0] + p[vm_sizes[x->which] - 1], 3);
	if (x->which == 4) {
		cr_assert_eq(vmalloc_to_page(x->v), x->pages[0]);
		vunmap(x->v);
	} else {
		vfree(x->v);
	}
}

static void vmalloc_fails_cleanly(const char *profile)
{
	boot_profile(profile);
	struct vm_ctx x;
	for (int i = 0; i < 4; i++)
		x.pages[i] = alloc_page(GFP_HIGHUSER);
	kmm_usage_settle(&at_boot); /* those four stay */
	/* pages, and the vm_struct, the array and the tables too */
	static const unsigned long min_calls[5][2] = { { 16, 1 }, { 6, 1 }, { 2, 1 }, { 513, 2 }, { 0, 1 } };
	for (x.which = 0; x.which < 5; x.which++) {
		cr_assert_gt(for_each_failure("fail_page_alloc", vm_run, vm_undo, &x), min_calls[x.which][0]);
		cr_assert_geq(for_each_failure("failslab", vm_run, vm_undo, &x), min_calls[x.which][1]);
	}
	for (int i = 0; i < 4; i++)
		__free_page(x.pages[i]);
}
TEST_ON_EVERY_PROFILE(fault_inject, vmalloc_fails_cleanly, vmalloc_fails_cleanly)

/* kmap, kmap_atomic and kmap_local_page never allocate: injection cannot make them fail. */
static void kmap_never_fails(const char *profile)
{
	boot_profile(profile);
	struct page *high = alloc_page(GFP_HIGHUSER), *low = alloc_page(GFP_KERNEL);
	for (size_t d = 0; d < ARRAY_SIZE(dirs); d++) {
		eligible_all(dirs[d]);
		dset(dirs[d], "times", "-1");
		dset(dirs[d], "probability", "100");
	}
	for (int i = 0; i < 3 * M->prof->last_pkmap + 10; i++) {
		char *a = kmap(high), *b = kmap_atomic(low), *c = kmap_local_page(high);
		cr_assert(a && b && c);
		a[0] = 'k';
		cr_assert_eq(c[0], 'k', "two mappings of one page see the same byte");
		kunmap_local(c);
		kunmap_atomic(b);
		kunmap(high);
	}
	cr_assert_eq(M->fault.fail_page_alloc.attr.calls + M->fault.failslab.attr.calls, 0, "kmap allocated");
	fail_off();
	__free_page(high);
	__free_page(low);
	assert_nothing_lost("kmap");
}
TEST_ON_EVERY_PROFILE(fault_inject, kmap_never_fails, kmap_never_fails)

/* Page faults (the software way in): the user page, the page-table pages above it. */
struct fault_ctx {
	struct task_struct *t;
	long addr;
	int ret;
};

static void fault_run(void *arg)
{
	struct fault_ctx *x = arg;
	x->addr = task_mmap(x->t, 0, 6UL << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (x->addr < 0) { /* its vm_area_struct could not be had */
		x->ret = (int)x->addr;
		return;
	}
	/* three pages in each of two leaf tables' spans, and a COW of the zero page */
	x->ret = u_touch(x->t, (unsigned long)x->addr + (4UL << 20) - 2 * PAGE_SIZE, 4 * PAGE_SIZE, true);
	if (!x->ret)
		x->ret = u_touch(x->t, (unsigned long)x->addr, PAGE_SIZE, false);
	if (!x->ret)
		x->ret = u_write(x->t, (unsigned long)x->addr, "cow", 3);
}

static void fault_undo(void *arg, bool failed)
{
	struct fault_ctx *x = arg;
	if (x->addr < 0) {
		cr_assert(failed && x->addr == -ENOMEM, "mmap gave %ld", x->addr);
		assert_machine_sane();
		return;
	}
	if (via_trap) /* a fault the allocator failed is retried, as Linux retries it (the failure was once) */
		cr_assert_eq(x->ret, 0, "a retried fault failed: %d", x->ret);
	else
		cr_assert_eq(x->ret, failed ? -ENOMEM : 0, "a fault with %d failures injected returned %d", failed,
			     x->ret);
	if (failed && via_trap)
		cr_assert_not_null(strstr(kmm_dmesg(), "Huh VM_FAULT_OOM leaked out to the #PF handler. Retrying PF"));
	cr_assert_eq(task_munmap(x->t, (unsigned long)x->addr, 6UL << 20), 0);
	assert_machine_sane();
}

static void faults_fail_cleanly(const char *profile)
{
	boot_profile(profile);
	struct fault_ctx x = { .t = task_create("faulty", 1000) };
	cr_assert_not_null(x.t);
	kmm_usage_settle(&at_boot); /* the task's page directory stays */
	cr_assert_geq(for_each_failure("fail_page_alloc", fault_run, fault_undo, &x), 6);
	/*
	 * the VMA (kernel/fork.c), vma_link's maple_node preallocation (one
	 * node: the tree is empty), then at the first fault its anon_vma and
	 * the chain link
	 */
	unsigned long nfail = for_each_failure("failslab", fault_run, fault_undo, &x);
	cr_assert_eq(nfail, 4, "%lu", nfail);
	task_exit(x.t);
}
TEST_BOTH_WAYS(fault_inject, faults_fail_cleanly, faults_fail_cleanly)

/* A host access whose fault never finds memory gives up after its retries (kmm has no OOM killer). */
Test(fault_inject, trap_gives_up_when_memory_never_comes)
{
	boot_profile("x86_64");
	struct task_struct *t = task_create("starved", 1000);
	long addr = task_mmap(t, 0, 64 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(addr, 0);
	kmm_usage_settle(&at_boot);
	eligible_all("fail_page_alloc");
	set("fail_page_alloc/times", "-1");
	set("fail_page_alloc/probability", "100");
	via_trap = true;
	cr_assert_eq(u_touch(t, (unsigned long)addr, PAGE_SIZE, true), -EFAULT);
	cr_assert_eq(M->fault.fail_page_alloc.attr.injected, 9, "the fault and its 8 retries");
	cr_assert_eq(count_of(kmm_dmesg(), "Retrying PF"), 8);
	fail_off();
	cr_assert_eq(u_touch(t, (unsigned long)addr, PAGE_SIZE, true), 0, "and the next access is served");
	task_exit(t);
}

/* Tasks: create (its page directory), exec, fork (the child's tables and COW), mremap's move, exit. */
struct task_ctx {
	struct task_struct *t, *child;
	long m, moved;
	int exec, touched, child_touched;
	unsigned long target;
};

static void task_run(void *arg)
{
	struct task_ctx *x = arg;
	x->child = NULL;
	x->m = x->moved = -1;
	x->t = task_create("fi_task", 1000);
	if (!x->t)
		return;
	x->exec = task_exec_layout(x->t, "/bin/fi", 64 << 10, 16 << 10, 16 << 10);
	x->m = task_mmap(x->t, 0, 256 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (x->m < 0) /* its vm_area_struct failed */
		return;
	x->touched = task_memset(x->t, (unsigned long)x->m, 0x5a, 128 << 10);
	x->child = task_fork(x->t);
	if (x->child)
		x->child_touched = task_memset(x->child, (unsigned long)x->m, 0xc5, 16 << 10);
	/* far away from it: the PTEs move to tables that must be made first */
	x->target = ((unsigned long)x->m - (512UL << 20)) & ~((8UL << 20) - 1);
	x->moved = task_mremap(x->t, (unsigned long)x->m, 256 << 10, 256 << 10, MREMAP_MAYMOVE | MREMAP_FIXED, x->target);
}

static void task_undo(void *arg, bool failed)
{
	struct task_ctx *x = arg;
	if (!x->t) {
		cr_assert(failed, "task_create failed with no failure injected");
		return;
	}
	if (x->m < 0) {
		cr_assert(failed && x->m == -ENOMEM && !x->exec, "mmap gave %ld", x->m);
		task_exit(x->t);
		return;
	}
	int errors = (x->exec != 0) + (x->touched != 0) + !x->child + (x->child && x->child_touched != 0) + (x->moved < 0);
	/* a failed page of a higher-order slab (task_struct's ...) is absorbed: SLUB falls back to the smallest order */
	cr_assert(errors == failed || (failed && !errors), "%d calls failed, %d failures injected", errors, failed);
	cr_assert(!x->exec || x->exec == -ENOMEM);
	cr_assert(x->moved >= 0 || x->moved == -ENOMEM);
	unsigned long at = x->moved >= 0 ? (unsigned long)x->moved : (unsigned long)x->m;
	unsigned char byte = 0;
	/* a failed mremap leaves the old mapping as it was; a moved one holds the bytes */
	if (!x->touched) {
		cr_assert_eq(task_read(x->t, at + 1000, &byte, 1), 0);
		cr_assert_eq(byte, 0x5a, "the task's bytes after mremap %s: %#x", x->moved >= 0 ? "moved" : "failed", byte);
	}
	if (x->moved < 0) {
		char maps[32];
		snprintf(maps, sizeof(maps), "%d/maps", x->t->pid);
		char *text = kmm_proc_read(maps);
		char want[32];
		snprintf(want, sizeof(want), "%08lx-", x->target);
		cr_assert_null(strstr(text, want), "a failed mremap left its new VMA:\n%s", text);
		free(text);
	}
	if (x->child && !x->child_touched) {
		cr_assert_eq(task_read(x->child, (unsigned long)x->m, &byte, 1), 0);
		cr_assert_eq(byte, 0xc5);
	}
	task_exit(x->child);
	task_exit(x->t);
}

static void tasks_fail_cleanly(const char *profile)
{
	boot_profile(profile);
	struct task_ctx x;
	/* page directories 2, the 32 pages touched, the child's 4 copies, and a table each for the three */
	cr_assert_geq(for_each_failure("fail_page_alloc", task_run, task_undo, &x), 2 + 32 + 4 + 3);
	/*
	 * the kernel objects (kernel/fork.c): the task's 8 (task_struct, cred,
	 * files, fs, sighand, signal, pid, mm) twice, exec's file and 4 VMAs,
	 * the mmap's VMA, the touch's anon_vma and link, the child's 5 VMAs
	 * with an anon_vma and 2 links, mremap's VMA copy and its link
	 */
	cr_assert_geq(for_each_failure("failslab", task_run, task_undo, &x), 8 + 5 + 1 + 2 + 8 + 5 + 3 + 2);
}
TEST_ON_EVERY_PROFILE(fault_inject, tasks_fail_cleanly, tasks_fail_cleanly)

/* The page cache and the file store: reads, writes, a shared file mapping, shmem. */
struct file_ctx {
	struct task_struct *t;
	long rd, wr, fm, sh;
	int fd, ftouch, stouch;
	char buf[5 * 4096];
};

static void file_run(void *arg)
{
	struct file_ctx *x = arg;
	x->rd = kmm_file_pread("/fi/data", x->buf, sizeof(x->buf), 0);
	memset(x->buf, 'w', sizeof(x->buf));
	x->wr = kmm_file_pwrite("/fi/data", x->buf, 3 * PAGE_SIZE, 4 * PAGE_SIZE); /* two pages cached, one new */
	/* the file, the VMAs and the shmem inode are slab objects: their slab's page may be the one that fails */
	x->fd = task_open(x->t, "/fi/data", O_RDWR);
	x->fm = x->fd >= 0 ? task_mmap(x->t, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, x->fd, 0) : -EBADF;
	x->ftouch = x->fm > 0 ? task_write(x->t, (unsigned long)x->fm + 100, "mapped", 6) : 0;
	x->sh = task_mmap(x->t, 0, 3 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	x->stouch = x->sh > 0 ? task_memset(x->t, (unsigned long)x->sh, 's', 3 * PAGE_SIZE) : 0;
}

static void file_undo(void *arg, bool failed)
{
	struct file_ctx *x = arg;
	cr_assert(x->rd == (long)sizeof(x->buf) || (failed && (x->rd == -ENOMEM || (x->rd > 0 && !(x->rd % PAGE_SIZE)))),
		  "pread gave %ld", x->rd);
	cr_assert(x->wr == 3 * (long)PAGE_SIZE || (failed && (x->wr == -ENOMEM || x->wr == (long)PAGE_SIZE ||
							       x->wr == 2 * (long)PAGE_SIZE)),
		  "pwrite gave %ld", x->wr);
	cr_assert(x->ftouch == 0 || (failed && x->ftouch == -ENOMEM));
	cr_assert(x->stouch == 0 || (failed && x->stouch == -ENOMEM));
	cr_assert(x->fd >= 0 || (failed && x->fd == -ENOMEM), "open gave %d", x->fd);
	cr_assert(x->fm > 0 || x->fd < 0 || (failed && x->fm == -ENOMEM), "mmap gave %ld", x->fm);
	cr_assert(x->sh > 0 || (failed && x->sh == -ENOMEM), "shared mmap gave %ld", x->sh);
	int errors = (x->rd != (long)sizeof(x->buf)) + (x->wr != 3 * (long)PAGE_SIZE) + !!x->ftouch + !!x->stouch +
		     (x->fd < 0) + (x->fd >= 0 && x->fm <= 0) + (x->sh <= 0);
	/* a failed page of a higher-order slab is absorbed: SLUB falls back to the cache's smallest order */
	cr_assert(errors == failed || (failed && !errors), "%d calls failed, %d failures injected", errors, failed);
	char b[8] = "";
	if (!x->ftouch && x->fm > 0) {
		cr_assert_eq(kmm_file_pread("/fi/data", b, 6, 100), 6);
		cr_assert_eq(memcmp(b, "mapped", 6), 0, "the shared mapping's bytes are the file's");
	}
	if (x->fm > 0)
		cr_assert_eq(task_munmap(x->t, (unsigned long)x->fm, 4 * PAGE_SIZE), 0);
	if (x->sh > 0)
		cr_assert_eq(task_munmap(x->t, (unsigned long)x->sh, 3 * PAGE_SIZE), 0);
	if (x->fd >= 0)
		cr_assert_eq(task_close(x->t, x->fd), 0);
	/* the file as it was, out of the cache */
	static char data[5 * 4096];
	memset(data, 'd', sizeof(data));
	cr_assert_eq(kmm_file_create("/fi/data", data, sizeof(data)), 0);
}

static void page_cache_fails_cleanly(const char *profile)
{
	boot_profile(profile);
	static struct file_ctx x;
	x.t = task_create("fi_files", 1000);
	static char data[5 * 4096];
	memset(data, 'd', sizeof(data));
	cr_assert_eq(kmm_file_create("/fi/data", data, sizeof(data)), 0);
	kmm_usage_settle(&at_boot);
	cr_assert_geq(for_each_failure("fail_page_alloc", file_run, file_undo, &x), 5 + 1 + 1 + 3);
	task_exit(x.t);
}
TEST_ON_EVERY_PROFILE(fault_inject, page_cache_fails_cleanly, page_cache_fails_cleanly)

/* ---- scenarios under injection ---------------------------------------------------------------- */

/* One run of a script: its status, and the failures injected into it. */
struct sweep_run {
	int status;
	unsigned long injected[2], calls[2]; /* failslab, fail_page_alloc */
};

static struct sweep_run run_script(const char *name, const char *text, const char *const *settings, int nsettings,
				   const char *seed)
{
	const char *boot_opts[2] = { "seed", seed };
	FILE *null = fopen("/dev/null", "w");
	struct kmm_scenario_opts o = { .name = name, .boot_opts = boot_opts, .nboot_opts = 1, .after_boot = settings,
				       .nafter_boot = nsettings, .out = null, .err = null };
	struct kmm_scenario *sc = kmm_scenario_new(&o);
	cr_assert_not_null(sc);
	struct sweep_run r = { kmm_scenario_feed(sc, text, 1), { 0 }, { 0 } };
	if (M) {
		r.injected[0] = M->fault.failslab.attr.injected;
		r.injected[1] = M->fault.fail_page_alloc.attr.injected;
		r.calls[0] = M->fault.failslab.attr.calls;
		r.calls[1] = M->fault.fail_page_alloc.attr.calls;
	}
	int fin = kmm_scenario_finish(sc);
	r.status = fin > r.status ? fin : r.status;
	fclose(null);
	cr_assert_null(M, "the scenario left its machine booted");
	return r;
}

/* A script that meets failures it did not expect is skipped past and ends with status 1; nothing else. */
Test(fault_inject, scenario_survives_null_handles)
{
	const char *script = "c = kmem_cache_create fi 64\n"
			     "o = kmem_cache_alloc c\n"
			     "kmem_cache_free c o\n"
			     "p = alloc_pages GFP_HIGHUSER\n"
			     "k = kmap_atomic p\n"
			     "kunmap_atomic k\n"
			     "t = task_create sh\n"
			     "m = mmap t 64K\n"
			     "touch m\n"
			     "c2 = fork t\n"
			     "touch m 0 4K write in c2\n"
			     "show c2/status VmRSS\n"
			     "exit c2\n";
	const char *const all[] = { "fail failslab probability=100 times=-1 ignore-gfp-wait=N verbose=0",
				    "fail fail_page_alloc probability=100 times=-1 ignore-gfp-wait=N ignore-gfp-highmem=N "
				    "min-order=0 verbose=0" };
	struct sweep_run r = run_script("nulls.kmm", script, all, 2, "1");
	cr_assert_eq(r.status, KMM_SCENARIO_FAILED, "everything failed: status %d", r.status);
	cr_assert_gt(r.injected[0] + r.injected[1], 2);
	r = run_script("nulls.kmm", script, all, 0, "1");
	cr_assert_eq(r.status, KMM_SCENARIO_OK);
	const char *const bad[] = { "fail failslab probability=lots" };
	r = run_script("bad.kmm", script, bad, 1, "1");
	cr_assert_eq(r.status, KMM_SCENARIO_USAGE);
}

/*
 * The sweep: every scenario under scenarios/ with failslab and
 * fail_page_alloc on.  Settings are probabilities from a seed, fixed
 * intervals, Linux's defaults turned on (only allocations that may not
 * sleep fail), and the n-th call failed alone for n spread over the whole
 * run (up to SWEEP_NTH of them; every n with KMM_FAULT_SWEEP=full).  An expect may fail (status 1);
 * a BUG, a failed validator, something lost (3), a usage error (2) or a
 * crash may not.  Four shards, so the two CPUs of `make test` share it.
 */
#define SWEEP_SHARDS 4
#define SWEEP_NTH 48 /* n-th call runs per scenario and injector, unless KMM_FAULT_SWEEP=full or _NTH=N */
#define ALL_SLAB "ignore-gfp-wait=N"
#define ALL_PAGE "ignore-gfp-wait=N ignore-gfp-highmem=N min-order=0"

struct sweep_setting {
	const char *slab, *page; /* the fail commands' settings; NULL: that one stays off */
	int seeds;               /* runs with seeds 1..seeds */
};

static const struct sweep_setting sweep_settings[] = {
	{ "probability=100 times=-1", "probability=100 times=-1", 1 }, /* Linux's filters */
	{ "probability=5 times=-1 verbose=0 " ALL_SLAB, "probability=5 times=-1 verbose=0 " ALL_PAGE, 3 },
	{ "probability=30 times=-1 verbose=0 " ALL_SLAB, "probability=30 times=-1 verbose=0 " ALL_PAGE, 3 },
	{ "probability=100 interval=3 times=-1 verbose=0 " ALL_SLAB, "probability=100 interval=7 times=-1 verbose=0 " ALL_PAGE, 1 },
	{ "probability=100 interval=50 times=-1 " ALL_SLAB, "probability=100 interval=50 times=-1 " ALL_PAGE, 1 },
	{ "probability=50 times=-1 verbose=0 " ALL_SLAB, NULL, 2 },
	{ NULL, "probability=10 times=-1 space=64 verbose=0 " ALL_PAGE, 2 },
};

struct sweep_stats {
	unsigned long runs, injected, by_status[4];
};

static char **scenario_files(size_t *n)
{
	glob_t g;
	cr_assert_eq(glob("scenarios/*.kmm", 0, NULL, &g), 0, "no scenarios/*.kmm (run from the top directory)");
	char **v = calloc(g.gl_pathc + 1, sizeof(*v));
	for (size_t i = 0; i < g.gl_pathc; i++)
		v[i] = strdup(g.gl_pathv[i]);
	*n = g.gl_pathc;
	globfree(&g);
	return v;
}

static void sweep_one(struct sweep_stats *st, const char *file, const char *text, const char *slab, const char *page,
		      int seed)
{
	char *set[2] = { NULL, NULL }, seedbuf[16];
	int n = 0;
	if (slab && asprintf(&set[n++], "fail failslab %s", slab) < 0)
		cr_assert_fail("asprintf");
	if (page && asprintf(&set[n++], "fail fail_page_alloc %s", page) < 0)
		cr_assert_fail("asprintf");
	snprintf(seedbuf, sizeof(seedbuf), "%d", seed);
	if (getenv("KMM_FAULT_SWEEP_TRACE"))
		fprintf(stderr, "kmm run --seed %d%s%s%s%s%s %s\n", seed, slab ? " --fail \"failslab " : "", slab ? slab : "",
			slab ? "\"" : "", page ? " --fail \"fail_page_alloc " : "", page ? page : "", file);
	struct sweep_run r = run_script(file, text, (const char *const *)set, n, seedbuf);
	cr_assert(r.status == KMM_SCENARIO_OK || r.status == KMM_SCENARIO_FAILED,
		  "status %d: kmm run --seed %d%s%s%s%s%s%s %s", r.status, seed, slab ? " --fail \"failslab " : "",
		  slab ? slab : "", slab ? "\"" : "", page ? " --fail \"fail_page_alloc " : "", page ? page : "",
		  page ? "\"" : "", file);
	st->runs++;
	st->injected += r.injected[0] + r.injected[1];
	st->by_status[r.status]++;
	free(set[0]);
	free(set[1]);
}

static void sweep_shard(int shard)
{
	size_t nfiles;
	char **files = scenario_files(&nfiles);
	bool full = getenv("KMM_FAULT_SWEEP") && !strcmp(getenv("KMM_FAULT_SWEEP"), "full");
	/* fewer n-th runs where each costs more (make test-asan): the settings' runs stay whole */
	unsigned long nth_runs = getenv("KMM_FAULT_SWEEP_NTH") ? strtoul(getenv("KMM_FAULT_SWEEP_NTH"), NULL, 10) : 0;
	if (!nth_runs)
		nth_runs = SWEEP_NTH;
	struct sweep_stats st = { 0 };
	unsigned long job = 0;
	for (size_t f = 0; f < nfiles; f++) {
		char *text = slurp(files[f]);
		cr_assert_not_null(text);
		for (size_t s = 0; s < ARRAY_SIZE(sweep_settings); s++)
			for (int seed = 1; seed <= sweep_settings[s].seeds; seed++)
				if (job++ % SWEEP_SHARDS == (unsigned long)shard)
					sweep_one(&st, files[f], text, sweep_settings[s].slab, sweep_settings[s].page, seed);
		/* the n-th eligible call alone: count the calls once, then fail each n (or SWEEP_NTH spread over them) */
		const char *const count[] = { "fail failslab probability=100 interval=4000000000 times=-1 " ALL_SLAB,
					      "fail fail_page_alloc probability=100 interval=4000000000 times=-1 " ALL_PAGE };
		struct sweep_run c = run_script(files[f], text, count, 2, "1");
		cr_assert_eq(c.status, KMM_SCENARIO_OK, "%s fails with nothing injected", files[f]);
		for (int d = 0; d < 2; d++) {
			unsigned long calls = c.calls[d], step = full ? 1 : DIV_ROUND_UP(calls, nth_runs);
			for (unsigned long nth = 1; nth <= calls; nth += step) {
				if (job++ % SWEEP_SHARDS != (unsigned long)shard)
					continue;
				char nthset[160];
				snprintf(nthset, sizeof(nthset), "probability=100 interval=%lu times=1 verbose=0 %s", nth,
					 d ? ALL_PAGE : ALL_SLAB);
				unsigned long before = st.injected;
				sweep_one(&st, files[f], text, d ? NULL : nthset, d ? nthset : NULL, 1);
				cr_assert_eq(st.injected, before + 1, "%s: call %lu of %lu was not failed", files[f], nth, calls);
			}
		}
		free(text);
		free(files[f]);
	}
	free(files);
	fprintf(stderr, "fault sweep %d/%d: %lu runs of %zu scenarios, %lu failures injected and survived "
			"(exit 0: %lu, exit 1: %lu)%s\n",
		shard + 1, SWEEP_SHARDS, st.runs, nfiles, st.injected, st.by_status[0], st.by_status[1],
		full ? ", every call" : "");
	cr_assert_gt(st.injected, 0);
}

Test(fault_sweep, shard_1, .timeout = 600) { sweep_shard(0); }
Test(fault_sweep, shard_2, .timeout = 600) { sweep_shard(1); }
Test(fault_sweep, shard_3, .timeout = 600) { sweep_shard(2); }
Test(fault_sweep, shard_4, .timeout = 600) { sweep_shard(3); }
