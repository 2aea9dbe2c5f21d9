/*
 * test_slab.c - SLUB and kmalloc: Linux's size classes and slab geometry,
 * every API and flag, merging, CPU and partial slabs, debug reports for bad
 * input, and "nothing lost" (every cache empty, every slab page back).
 */
#include "kmm_test.h"

#include <kmm/slab.h>
#include <pthread.h>
#include <signal.h>

#include "mm/slab.h"
#include "sim/ram.h"
#include "sim/track.h"

static unsigned long free_at_boot;

/* Free pages once every cache has given back what it can. */
static unsigned long settled_free_pages(void)
{
	kmm_slab_shrink_all();
	drain_all_pages(NULL);
	return nr_free_pages();
}

static void boot_slab(const char *profile, int cpus, const char *cmdline)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 1ULL << 30;
	p.nr_cpus = cpus;
	p.cmdline = cmdline;
	boot_or_fail(&p);
	deferred_init_wait();
	free_at_boot = settled_free_pages();
}

static void assert_slab_nothing_lost(void)
{
	char why[256];
	cr_assert_eq(slab_verify_all(why, sizeof(why)), 0, "%s", why);
	unsigned long now = settled_free_pages();
	cr_assert_eq(now, free_at_boot, "free pages %lu, at boot %lu: %ld pages lost", now, free_at_boot,
		     (long)free_at_boot - (long)now);
	assert_machine_sane();
}

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(slab, .fini = fini, .timeout = 120);

/* ---- exactness ------------------------------------------------------------------- */

/* Every kmalloc size a real x86_64 kernel logged gets the same object size here. */
Test(slab, kmalloc_sizes_match_a_real_trace)
{
	boot_slab("x86_64", 2, NULL);
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "zstd -dc %s/traces/sample-mixed.trace.zst", data_dir());
	FILE *f = popen(cmd, "r");
	cr_assert_not_null(f);
	char line[1024];
	int checked = 0;
	static unsigned char seen[8193];
	while (fgets(line, sizeof(line), f)) {
		const char *r = strstr(line, " kmalloc: ");
		if (!r)
			continue;
		const char *q = strstr(r, "bytes_req="), *a = strstr(r, "bytes_alloc=");
		if (!q || !a)
			continue;
		long req = atol(q + 10), got = atol(a + 12);
		if (req < 1 || req > 8192 || seen[req])
			continue;
		seen[req] = 1;
		struct kmem_cache *s = kmalloc_slab((size_t)req, GFP_KERNEL);
		cr_assert_not_null(s);
		cr_expect_eq((long)s->size, got, "bytes_req=%ld: kmm gives %u, Linux %ld", req, s->size, got);
		checked++;
	}
	pclose(f);
	cr_assert_gt(checked, 50, "only %d sizes in the trace", checked);
	/* and every size 1..8192 lands in the smallest class that holds it */
	static const unsigned classes[] = { 8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192 };
	for (size_t sz = 1; sz <= 8192; sz++) {
		unsigned want = 0;
		for (size_t i = 0; i < ARRAY_SIZE(classes) && !want; i++)
			if (classes[i] >= sz)
				want = classes[i];
		cr_assert_eq(kmalloc_slab(sz, GFP_KERNEL)->object_size, want, "size %zu", sz);
	}
	cr_assert_null(kmalloc_slab(8193, GFP_KERNEL));
}

/* Objects and pages per slab of every cache in a real slabinfo follow calculate_order(). */
static void check_ref_slabinfo(const char *machine, const char *profile, int cpus)
{
	boot_slab(profile, cpus, NULL);
	char *ref = ref_file(machine, "slabinfo.txt");
	char *got = kmm_proc_read("slabinfo");
	int lines = 0, kmalloc_lines = 0;
	for (char *save = NULL, *l = strtok_r(ref, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char name[64];
		unsigned long active, num;
		unsigned size, per, pages;
		if (sscanf(l, "%63s %lu %lu %u %u %u", name, &active, &num, &size, &per, &pages) != 6)
			continue;
		int order = calculate_order(size);
		cr_expect_eq(1u << order, pages, "%s %s: objsize %u: kmm %u pages per slab, Linux %u", machine, name, size,
			     1u << order, pages);
		cr_expect_eq((unsigned)((PAGE_SIZE << order) / size), per, "%s %s: kmm %lu objects per slab, Linux %u",
			     machine, name, (PAGE_SIZE << order) / size, per);
		lines++;
		/* the kmalloc and bootstrap caches exist in kmm with the same geometry */
		if (!strncmp(name, "kmalloc-", 8) || !strncmp(name, "dma-kmalloc-", 12) || !strncmp(name, "kmem_cache", 10)) {
			char want[128];
			snprintf(want, sizeof(want), "\n%-17s ", name);
			char *k = strstr(got, want);
			cr_assert_not_null(k, "kmm has no cache %s", name);
			k++;
			char kname[64];
			unsigned long ka, kn;
			unsigned ks, kper, kpages;
			cr_assert_eq(sscanf(k, "%63s %lu %lu %u %u %u", kname, &ka, &kn, &ks, &kper, &kpages), 6);
			cr_expect_eq(ks, size, "%s: objsize kmm %u, Linux %u", name, ks, size);
			cr_expect_eq(kper, per, "%s: objperslab kmm %u, Linux %u", name, kper, per);
			cr_expect_eq(kpages, pages, "%s: pagesperslab kmm %u, Linux %u", name, kpages, pages);
			kmalloc_lines++;
		}
	}
	cr_assert_gt(lines, 60);
	cr_assert_eq(kmalloc_lines, 54, "kmalloc-*, -cg-, -rcl-, dma- (13 each) and the two kmem_cache caches");
	free(ref);
	free(got);
}

Test(slab, geometry_i386_one_cpu) { check_ref_slabinfo("i386-686-2G", "i386", 1); }
Test(slab, geometry_x86_64_two_cpus) { check_ref_slabinfo("x86_64-4G-numa2", "x86_64", 2); }

Test(slab, slabinfo_format)
{
	boot_slab("i386", 1, NULL);
	char *s = kmm_proc_read("slabinfo");
	cr_assert(!strncmp(s, "slabinfo - version: 2.1\n# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n", 190));
	cr_assert_not_null(strstr(s, "kmalloc-96            "));
	/* Linux's order: newest first, so the bootstrap caches come last */
	cr_assert_not_null(strstr(s, "kmem_cache            "));
	cr_assert_str_eq(strrchr(s, '\n') - 0 == s + strlen(s) - 1 ? "ok" : "no", "ok");
	free(s);
	cr_assert_not_null(strstr(kmm_dmesg(), "SLUB: HWalign=64, Order=0-3, MinObjects=0, CPUs=1, Nodes=1"));
}

/* ---- the cache API ---------------------------------------------------------------- */

static int ctor_calls;
static void ctor(void *p)
{
	ctor_calls++;
	memset(p, 0x42, 24);
}

Test(slab, cache_api)
{
	boot_slab("i386", 1, NULL);
	struct kmem_cache *c = kmem_cache_create("test_obj", 100, 0, SLAB_HWCACHE_ALIGN, NULL);
	cr_assert_not_null(c);
	cr_assert_eq(kmem_cache_size(c), 100);
	cr_assert_eq(c->size, 128, "HWCACHE_ALIGN rounds 100 to 128");
	void *o[200];
	for (int i = 0; i < 200; i++) {
		o[i] = kmem_cache_alloc(c, GFP_KERNEL);
		cr_assert_not_null(o[i]);
		cr_assert_eq((unsigned long)o[i] % 64, 0);
		memset(o[i], i, 100);
	}
	for (int i = 0; i < 200; i++)
		for (int j = 0; j < 100; j++)
			cr_assert_eq(((unsigned char *)o[i])[j], (unsigned char)i, "object %d was overwritten", i);
	char *si = kmm_proc_read("slabinfo");
	cr_assert_not_null(strstr(si, "\ntest_obj "), "%s", si);
	free(si);
	/* objects free on the CPU slab count as active until the CPU gives it back */
	cr_assert_eq(kmem_cache_objects_in_use("test_obj"), 200);
	void *z = kmem_cache_zalloc(c, GFP_KERNEL);
	for (int j = 0; j < 100; j++)
		cr_assert_eq(((char *)z)[j], 0);
	kmem_cache_free(c, z);
	void *n = kmem_cache_alloc_node(c, GFP_KERNEL, 0);
	cr_assert_eq(page_to_nid(virt_to_page(n)), 0);
	kmem_cache_free(c, n);
	for (int i = 0; i < 200; i++)
		kmem_cache_free(c, o[i]);
	void *bulk[64];
	cr_assert_eq(kmem_cache_alloc_bulk(c, GFP_KERNEL, 64, bulk), 64);
	kmem_cache_free_bulk(c, 64, bulk);
	cr_assert_eq(kmem_cache_objects_in_use("test_obj"), 0);
	kmem_cache_destroy(c);
	cr_assert_eq(kmem_cache_objects_in_use("test_obj"), -1, "destroyed caches leave slabinfo");
	assert_slab_nothing_lost();
}

Test(slab, constructor_once_per_object)
{
	boot_slab("x86_64", 1, NULL);
	struct kmem_cache *c = kmem_cache_create("ctor_obj", 48, 0, 0, ctor);
	ctor_calls = 0;
	void *a = kmem_cache_alloc(c, GFP_KERNEL);
	cr_assert_eq(ctor_calls, (int)c->objects, "the whole new slab is constructed");
	cr_assert_eq(((unsigned char *)a)[0], 0x42);
	memset(a, 0x42, 24); /* a constructed state, as the caller must leave it */
	kmem_cache_free(c, a);
	void *b = kmem_cache_alloc(c, GFP_KERNEL);
	cr_assert_eq(ctor_calls, (int)c->objects, "reuse does not construct again");
	cr_assert_eq(((unsigned char *)b)[0], 0x42, "the free pointer must not clobber a constructed object");
	kmem_cache_free(c, b);
	kmem_cache_destroy(c);
	assert_slab_nothing_lost();
}

Test(slab, merging_aliases)
{
	boot_slab("x86_64", 1, NULL);
	struct kmem_cache *a = kmem_cache_create("alpha", 200, 0, 0, NULL);
	struct kmem_cache *b = kmem_cache_create("beta", 196, 0, 0, NULL);
	cr_assert_eq(a, b, "a compatible cache is an alias");
	cr_assert_eq(a->refcount, 2);
	struct kmem_cache *c = kmem_cache_create("gamma", 200, 0, SLAB_RECLAIM_ACCOUNT, NULL);
	cr_assert_neq(c, a, "different merge-same flags");
	struct kmem_cache *d = kmem_cache_create("delta", 200, 0, 0, ctor);
	cr_assert_neq(d, a, "a constructor never merges");
	struct kmem_cache *e = kmem_cache_create("epsilon", 200, 0, SLAB_POISON, NULL);
	cr_assert_neq(e, a, "debug caches never merge");
	struct kmem_cache *f = kmem_cache_create_usercopy("zeta", 200, 0, 0, 0, 16, NULL);
	cr_assert_neq(f, a, "usercopy regions never merge");
	struct kmem_cache *g = kmem_cache_create("eta", 240, 0, 0, NULL);
	cr_assert_neq(g, a, "more than a word bigger");
	char *si = kmm_proc_read("slabinfo");
	cr_assert_null(strstr(si, "beta "), "an alias is not listed");
	free(si);
	kmem_cache_destroy(b);
	cr_assert_eq(a->refcount, 1);
	kmem_cache_destroy(a);
	kmem_cache_destroy(c);
	kmem_cache_destroy(d);
	kmem_cache_destroy(e);
	kmem_cache_destroy(f);
	kmem_cache_destroy(g);
	assert_slab_nothing_lost();
}

Test(slab, flags_dma_reclaim_rcu_account)
{
	boot_slab("x86_64", 1, NULL);
	struct kmem_cache *dma = kmem_cache_create("dma_obj", 64, 0, SLAB_CACHE_DMA, NULL);
	void *o = kmem_cache_alloc(dma, GFP_KERNEL);
	cr_assert_eq(page_zonenum(virt_to_page(o)), ZONE_DMA);
	kmem_cache_free(dma, o);
	struct kmem_cache *d32 = kmem_cache_create("dma32_obj", 64, 0, SLAB_CACHE_DMA32, NULL);
	o = kmem_cache_alloc(d32, GFP_KERNEL);
	cr_assert_leq(page_zonenum(virt_to_page(o)), ZONE_DMA32);
	kmem_cache_free(d32, o);
	long rec_before = NODE_DATA(0)->nr_slab_reclaimable;
	struct kmem_cache *rec = kmem_cache_create("rec_obj", 512, 0, SLAB_RECLAIM_ACCOUNT, NULL);
	o = kmem_cache_alloc(rec, GFP_KERNEL);
	cr_assert_eq(get_pageblock_migratetype(virt_to_page(o)), MIGRATE_RECLAIMABLE);
	cr_assert_eq(NODE_DATA(0)->nr_slab_reclaimable - rec_before, 1L << rec->order);
	char *mi = kmm_proc_read("meminfo");
	cr_assert_not_null(strstr(mi, "SReclaimable:"));
	free(mi);
	kmem_cache_free(rec, o);
	/* SLAB_TYPESAFE_BY_RCU: a freed object keeps its contents (the free pointer lives outside) */
	struct kmem_cache *rcu = kmem_cache_create("rcu_obj", 64, 0, SLAB_TYPESAFE_BY_RCU, NULL);
	cr_assert_geq(rcu->offset, rcu->inuse);
	unsigned char *r = kmem_cache_alloc(rcu, GFP_KERNEL);
	memset(r, 0x77, 64);
	kmem_cache_free(rcu, r);
	for (int i = 0; i < 64; i++)
		cr_assert_eq(r[i], 0x77);
	struct kmem_cache *acc = kmem_cache_create("acc_obj", 64, 0, SLAB_ACCOUNT, NULL);
	cr_assert(acc->flags & SLAB_ACCOUNT);
	kmem_cache_destroy(dma);
	kmem_cache_destroy(d32);
	kmem_cache_destroy(rec);
	kmem_cache_destroy(rcu);
	kmem_cache_destroy(acc);
	assert_slab_nothing_lost();
}

Test(slab, panic_flag, .signal = SIGABRT)
{
	boot_slab("i386", 1, NULL);
	kmem_cache_create("", 64, 0, SLAB_PANIC, NULL); /* an empty name cannot be created */
}

/* ---- per-CPU and partial slabs ---------------------------------------------------------- */

struct remote {
	void **objs;
	int n;
};

static void *free_on_cpu1(void *arg)
{
	struct remote *r = arg;
	cr_assert_eq(kmm_cpu_enter(1), 0);
	for (int i = 0; i < r->n; i++)
		kfree(r->objs[i]);
	kmm_cpu_exit();
	return NULL;
}

/* CPU 1 takes a CPU slab of the cache, then stays busy on its CPU until told to leave. */
struct busy_cpu {
	struct kmem_cache *s;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int state; /* 1: CPU 1 holds a slab of s; 2: it may leave */
};

static void *hold_cpu1(void *arg)
{
	struct busy_cpu *b = arg;
	cr_assert_eq(kmm_cpu_enter(1), 0);
	kmem_cache_free(b->s, kmem_cache_alloc(b->s, GFP_KERNEL));
	pthread_mutex_lock(&b->lock);
	b->state = 1;
	pthread_cond_broadcast(&b->cond);
	while (b->state != 2)
		pthread_cond_wait(&b->cond, &b->lock);
	pthread_mutex_unlock(&b->lock);
	kmm_cpu_exit();
	return NULL;
}

/*
 * Found by kmm stress with 2 CPUs: a cache destroyed while another CPU was
 * busy kept that CPU's (empty) slab, so it "still has objects" and stayed.
 * Nobody may use a cache being destroyed: its slabs on every CPU are taken.
 */
Test(slab, destroy_takes_the_slabs_of_a_busy_cpu)
{
	boot_slab("i386", 2, NULL);
	struct busy_cpu b = { .s = kmem_cache_create("busy_cpu", 96, 0, 0, NULL), .state = 0 };
	pthread_mutex_init(&b.lock, NULL);
	pthread_cond_init(&b.cond, NULL);
	pthread_t t;
	pthread_create(&t, NULL, hold_cpu1, &b);
	pthread_mutex_lock(&b.lock);
	while (b.state != 1)
		pthread_cond_wait(&b.cond, &b.lock);
	pthread_mutex_unlock(&b.lock);
	cr_assert_not_null(b.s->cpu_slab[1].slab, "CPU 1 has a CPU slab of the cache");
	unsigned long slab_bugs = M->slab_bugs;
	kmem_cache_destroy(b.s); /* CPU 1 is busy in its thread */
	cr_assert_null(strstr(kmm_dmesg(), "still has objects"), "%s", kmm_dmesg());
	cr_assert_eq(M->slab_bugs, slab_bugs);
	pthread_mutex_lock(&b.lock);
	b.state = 2;
	pthread_cond_broadcast(&b.cond);
	pthread_mutex_unlock(&b.lock);
	pthread_join(t, NULL);
	char *info = kmm_proc_read("slabinfo");
	cr_assert_null(strstr(info, "busy_cpu"), "the cache is gone");
	free(info);
	assert_machine_sane();
}

Test(slab, cpu_slab_partial_lists_and_shrink)
{
	boot_slab("i386", 2, NULL);
	struct kmem_cache *s = kmalloc_slab(256, GFP_KERNEL);
	unsigned per = s->objects;
	int n = (int)per * 6;
	void **objs = calloc((size_t)n, sizeof(void *));
	for (int i = 0; i < n; i++)
		objs[i] = kmalloc(256, GFP_KERNEL);
	struct kmem_cache_cpu *c0 = &s->cpu_slab[0];
	cr_assert_not_null(c0->slab, "CPU 0 has a CPU slab");
	cr_assert(c0->slab->frozen);
	long slabs = s->node[0]->nr_slabs;
	cr_assert_geq(slabs, 6);
	/* free every other object from CPU 1: full slabs turn partial onto CPU 1's partial list */
	struct remote r = { calloc((size_t)n / 2, sizeof(void *)), 0 };
	for (int i = 0; i < n; i += 2)
		r.objs[r.n++] = objs[i];
	pthread_t t;
	pthread_create(&t, NULL, free_on_cpu1, &r);
	pthread_join(t, NULL);
	char why[256];
	cr_assert_eq(kmem_cache_verify(s, why, sizeof(why)), 0, "%s", why);
	/* CPU 1 left (kmm_cpu_exit drains only pages): its partial slabs are still its own */
	cr_assert_not_null(s->cpu_slab[1].partial, "remote frees froze slabs onto CPU 1's partial list");
	for (int i = 1; i < n; i += 2)
		kfree(objs[i]);
	cr_assert_eq(kmem_cache_verify(s, why, sizeof(why)), 0, "%s", why);
	/* shrink: CPU slabs back to the node, empty slabs back to the buddy allocator */
	kmem_cache_shrink(s);
	cr_assert_null(s->cpu_slab[0].slab);
	cr_assert_null(s->cpu_slab[1].partial);
	cr_assert_eq(s->node[0]->nr_partial, 0);
	cr_assert_lt(s->node[0]->nr_slabs, slabs);
	free(objs);
	free(r.objs);
	assert_slab_nothing_lost();
}

Test(slab, min_partial_keeps_empty_slabs)
{
	boot_slab("x86_64", 1, NULL);
	struct kmem_cache *c = kmem_cache_create("mp_obj", 1024, 0, 0, NULL);
	cr_assert(c->min_partial >= 5 && c->min_partial <= 10);
	int n = (int)c->objects * 12;
	void **o = calloc((size_t)n, sizeof(void *));
	for (int i = 0; i < n; i++)
		o[i] = kmem_cache_alloc(c, GFP_KERNEL);
	for (int i = 0; i < n; i++)
		kmem_cache_free(c, o[i]);
	kmem_cache_flush_all(c);
	/* empty slabs beyond min_partial went back; at most min_partial stay */
	cr_assert_leq(c->node[0]->nr_partial, c->min_partial);
	cr_assert_eq(kmem_cache_objects_in_use("mp_obj"), 0);
	free(o);
	kmem_cache_destroy(c);
	assert_slab_nothing_lost();
}

/* ---- kmalloc family ------------------------------------------------------------------- */

Test(slab, kmalloc_family)
{
	boot_slab("i386", 1, NULL);
	cr_assert_eq(kmalloc(0, GFP_KERNEL), ZERO_SIZE_PTR);
	kfree(ZERO_SIZE_PTR);
	kfree(NULL);
	cr_assert_null(kmalloc(64UL << 20, GFP_KERNEL | __GFP_NOWARN), "above KMALLOC_MAX_SIZE");
	cr_assert_null(kmalloc_array(SIZE_MAX / 2, 4, GFP_KERNEL), "overflow");
	cr_assert_null(kcalloc(SIZE_MAX / 8, 16, GFP_KERNEL));
	char *z = kzalloc(300, GFP_KERNEL);
	for (int i = 0; i < 300; i++)
		cr_assert_eq(z[i], 0);
	cr_assert_eq(ksize(z), 512);
	int *arr = kcalloc(10, sizeof(int), GFP_KERNEL);
	for (int i = 0; i < 10; i++)
		cr_assert_eq(arr[i], 0);
	char *s = kstrdup("hello, kernel", GFP_KERNEL);
	cr_assert_str_eq(s, "hello, kernel");
	char *sn = kstrndup("abcdefgh", 3, GFP_KERNEL);
	cr_assert_str_eq(sn, "abc");
	char *d = kmemdup("xyz", 4, GFP_KERNEL);
	cr_assert_str_eq(d, "xyz");
	/* krealloc keeps the contents; within ksize it stays in place */
	char *r = kmalloc(20, GFP_KERNEL);
	strcpy(r, "keep me");
	char *r2 = krealloc(r, 30, GFP_KERNEL);
	cr_assert_eq(r2, r, "20 -> 30 fits in kmalloc-32");
	char *r3 = krealloc(r2, 1000, GFP_KERNEL);
	cr_assert_str_eq(r3, "keep me");
	cr_assert_eq(ksize(r3), 1024);
	/* large: straight from the page allocator */
	unsigned long before = nr_free_pages();
	char *big = kmalloc(20000, GFP_KERNEL);
	cr_assert_not_null(big);
	cr_assert_eq(ksize(big), 32768);
	memset(big, 1, 20000);
	kfree(big);
	drain_all_pages(NULL);
	cr_assert_geq(nr_free_pages() + 8, before);
	/* the other kmalloc families */
	void *dma = kmalloc(100, GFP_KERNEL | GFP_DMA);
	cr_assert_eq(page_zonenum(virt_to_page(dma)), ZONE_DMA);
	cr_assert_str_eq(compound_head(virt_to_page(dma))->slab_cache->name, "dma-kmalloc-128");
	void *rcl = kmalloc(100, GFP_KERNEL | __GFP_RECLAIMABLE);
	cr_assert_str_eq(compound_head(virt_to_page(rcl))->slab_cache->name, "kmalloc-rcl-128");
	void *cg = kmalloc(100, GFP_KERNEL_ACCOUNT);
	cr_assert_str_eq(compound_head(virt_to_page(cg))->slab_cache->name, "kmalloc-cg-128");
	void *kn = kmalloc_node(100, GFP_KERNEL, 0);
	void *kv = kvmalloc(100000, GFP_KERNEL);
	cr_assert_not_null(kv);
	char *sens = kmalloc(64, GFP_KERNEL);
	memset(sens, 0x99, 64);
	kfree_sensitive(sens);
	kvfree(kv);
	kfree(kn);
	kfree(dma);
	kfree(rcl);
	kfree(cg);
	kfree(z);
	kfree(arr);
	kfree(s);
	kfree(sn);
	kfree(d);
	kfree(r3);
	assert_slab_nothing_lost();
}

/* ---- bad input ---------------------------------------------------------------------------- */

/* kasan=off: these let SLUB's own checks find the bad write, which ASan would stop first */
Test(slab, debug_red_zone)
{
	boot_slab("i386", 1, "slub_debug=FZPU kasan=off");
	unsigned long bugs = M->slab_bugs;
	char *p = kmalloc(64, GFP_KERNEL);
	p[64] = 'X'; /* one byte past the object */
	kfree(p);
	cr_assert_gt(M->slab_bugs, bugs);
	cr_assert_not_null(strstr(kmm_dmesg(), "BUG kmalloc-64 (Not tainted): Redzone overwritten"), "%s", kmm_dmesg());
	cr_assert_not_null(strstr(kmm_dmesg(), "INFO: Allocated in "));
	cr_assert_not_null(strstr(kmm_dmesg(), "FIX kmalloc-64: Restoring Redzone"));
	char why[256];
	cr_assert_eq(slab_verify_all(why, sizeof(why)), 0, "the cache is consistent after the report: %s", why);
}

Test(slab, debug_poison_use_after_free)
{
	boot_slab("i386", 1, "slub_debug=FZPU kasan=off");
	char *p = kmalloc(128, GFP_KERNEL);
	kfree(p);
	p[10] = 'Y'; /* write after free */
	char why[256];
	cr_assert_neq(kmem_cache_verify(kmalloc_slab(128, GFP_KERNEL), why, sizeof(why)), 0);
	cr_assert_not_null(strstr(kmm_dmesg(), "BUG kmalloc-128 (Not tainted): Poison overwritten"), "%s", kmm_dmesg());
	cr_assert_not_null(strstr(kmm_dmesg(), "INFO: Freed in "));
	/* the report restored the poison: the cache is whole again */
	cr_assert_eq(slab_verify_all(why, sizeof(why)), 0, "%s", why);
}

Test(slab, debug_double_free_and_bad_pointers)
{
	boot_slab("x86_64", 1, "slub_debug=FZPU");
	char *p = kmalloc(64, GFP_KERNEL);
	kfree(p);
	kfree(p);
	cr_assert_not_null(strstr(kmm_dmesg(), "BUG kmalloc-64 (Not tainted): Object already free"));
	char *q = kmalloc(64, GFP_KERNEL);
	kfree(q + 8);
	cr_assert_not_null(strstr(kmm_dmesg(), "Invalid object pointer"));
	struct kmem_cache *c = kmem_cache_create("other", 64, 0, 0, NULL);
	kmem_cache_free(c, q); /* the wrong cache: reported, freed into the right one */
	cr_assert_not_null(strstr(kmm_dmesg(), "Wrong slab cache. other but object is from kmalloc-64"));
	unsigned long page = __get_free_page(GFP_KERNEL);
	kfree((void *)page); /* not a slab page */
	cr_assert_not_null(strstr(kmm_dmesg(), "is not a kmalloc object"));
	free_page(page);
	int local;
	kfree(&local);
	cr_assert_not_null(strstr(kmm_dmesg(), "is not in the kernel's direct map"));
	char why[256];
	cr_assert_eq(slab_verify_all(why, sizeof(why)), 0, "%s", why);
	kmem_cache_destroy(c);
	assert_slab_nothing_lost();
}

Test(slab, cheap_checks_without_debug)
{
	boot_slab("x86_64", 1, NULL);
	unsigned long bugs = M->slab_bugs;
	char *p = kmalloc(64, GFP_KERNEL);
	kfree(p);
	kfree(p); /* freelist-hardened's naive check: the same object twice in a row */
	cr_assert_eq(M->slab_bugs, bugs + 1);
	cr_assert_not_null(strstr(kmm_dmesg(), "Object already free"));
	char *q = kmalloc(64, GFP_KERNEL);
	kfree(q + 1);
	cr_assert_eq(M->slab_bugs, bugs + 2);
	kfree(q);
	unsigned long page = __get_free_page(GFP_KERNEL);
	kfree((void *)(page + 64));
	cr_assert_eq(M->slab_bugs, bugs + 3);
	free_page(page);
	char why[256];
	cr_assert_eq(slab_verify_all(why, sizeof(why)), 0, "%s", why);
	assert_slab_nothing_lost();
}

Test(slab, destroy_with_objects_in_use)
{
	boot_slab("i386", 1, NULL);
	struct kmem_cache *c = kmem_cache_create("leaky", 32, 0, 0, NULL);
	void *o = kmem_cache_alloc(c, GFP_KERNEL);
	kmem_cache_destroy(c);
	cr_assert_not_null(strstr(kmm_dmesg(), "Objects remaining in leaky on __kmem_cache_shutdown()"), "%s", kmm_dmesg());
	cr_assert_not_null(strstr(kmm_dmesg(), "kmem_cache_destroy leaky: Slab cache still has objects"));
	cr_assert_eq(kmem_cache_objects_in_use("leaky"), 1, "the cache stays, as Linux leaves it");
	kmem_cache_free(c, o);
	kmem_cache_destroy(c);
	cr_assert_eq(kmem_cache_objects_in_use("leaky"), -1);
	assert_slab_nothing_lost();
}

/* The simulated kernel's address of a direct-map object. */
static unsigned long obj_kva(const void *p)
{
	return M->layout.page_offset + (unsigned long)((const char *)p - (const char *)kmm_ram.direct_base);
}

/*
 * A free object holds the next free object's kernel virtual address, as wide
 * as the profile's pointers: 4 bytes on i386 (the 4 bytes after it are the
 * object's own), 8 on x86_64; the slot is in the middle of the object.
 */
static void check_plain_free_pointer(const char *profile, unsigned int width)
{
	boot_slab(profile, 1, NULL);
	struct kmem_cache *c = kmem_cache_create("plainfp", 24, 0, 0, NULL);
	cr_assert_eq(c->random, 0);
	cr_assert_eq(c->offset, width == 4 ? 12u : 8u, "%s: offset %u", profile, c->offset); /* ALIGN_DOWN(24 / 2, width) */
	void *a = kmem_cache_alloc(c, GFP_KERNEL), *b = kmem_cache_alloc(c, GFP_KERNEL);
	memset(b, 0xab, 24);
	kmem_cache_free(c, a);
	kmem_cache_free(c, b);
	const unsigned char *slot = (const unsigned char *)b + c->offset;
	unsigned long stored = track_load_word(slot, width);
	if (width == 4)
		stored = (u32)stored;
	cr_assert_eq(stored, obj_kva(a), "%s: stored %#lx, expected %#lx", profile, stored, obj_kva(a));
	if (width == 4) {
		cr_assert_lt(obj_kva(a), 1UL << 32);
		cr_assert_eq(track_load_word(slot + 4, 4), 0xababababu, "i386 wrote past its 4-byte free pointer");
	}
	cr_assert_eq(kmem_cache_alloc(c, GFP_KERNEL), b);
	cr_assert_eq(kmem_cache_alloc(c, GFP_KERNEL), a);
	kmem_cache_free(c, a);
	kmem_cache_free(c, b);
	kmem_cache_destroy(c);
	assert_slab_nothing_lost();
}

Test(slab, free_pointer_is_a_kernel_address_i386)
{
	check_plain_free_pointer("i386", 4);
}

Test(slab, free_pointer_is_a_kernel_address_x86_64)
{
	check_plain_free_pointer("x86_64", 8);
}

/* CONFIG_SLAB_FREELIST_HARDENED: ptr ^ s->random ^ swab(address of the slot), in the kernel's width */
static void check_hardened_free_pointer(const char *profile, unsigned int width)
{
	boot_slab(profile, 1, "slab_freelist_hardened");
	struct kmem_cache *c = kmem_cache_create("hard", 64, 0, 0, NULL);
	cr_assert_neq(c->random, 0);
	if (width == 4)
		cr_assert_lt(c->random, 1UL << 32);
	void *a = kmem_cache_alloc(c, GFP_KERNEL), *b = kmem_cache_alloc(c, GFP_KERNEL);
	kmem_cache_free(c, a);
	kmem_cache_free(c, b);
	const char *slot = (const char *)b + c->offset;
	unsigned long stored = track_load_word(slot, width); /* b is free: ASan must not mind */
	unsigned long swabbed = width == 4 ? __builtin_bswap32((u32)obj_kva(slot)) : __builtin_bswap64(obj_kva(slot));
	unsigned long expect = obj_kva(a) ^ c->random ^ swabbed;
	if (width == 4) {
		stored = (u32)stored;
		expect = (u32)expect;
	}
	cr_assert_neq(stored, obj_kva(a));
	cr_assert_eq(stored, expect, "%s: stored %#lx, expected %#lx", profile, stored, expect);
	cr_assert_eq(kmem_cache_alloc(c, GFP_KERNEL), b);
	cr_assert_eq(kmem_cache_alloc(c, GFP_KERNEL), a);
	kmem_cache_free(c, a);
	kmem_cache_free(c, b);
	kmem_cache_destroy(c);
	assert_slab_nothing_lost();
}

Test(slab, hardened_freelist)
{
	check_hardened_free_pointer("x86_64", 8);
}

Test(slab, hardened_freelist_i386)
{
	check_hardened_free_pointer("i386", 4);
}

/* ---- concurrency ------------------------------------------------------------------------ */

static void *kmalloc_stress(void *arg)
{
	int cpu = (int)(long)arg;
	cr_assert_eq(kmm_cpu_enter(cpu), 0);
	static void *shared[4][512];
	unsigned s = 99u + (unsigned)cpu;
	for (int i = 0; i < 30000; i++) {
		s = s * 1103515245u + 12345u;
		int k = (int)((s >> 8) % 512);
		/* free what another CPU allocated, now and then */
		void **slot = &shared[cpu][k];
		if (*slot) {
			kfree(*slot);
			*slot = NULL;
		} else {
			*slot = kmalloc((s >> 16) % 2048 + 1, GFP_KERNEL);
		}
	}
	for (int k = 0; k < 512; k++) {
		kfree(shared[cpu][k]);
		shared[cpu][k] = NULL;
	}
	kmm_cpu_exit();
	return NULL;
}

Test(slab, concurrent_kmalloc)
{
	boot_slab("x86_64", 4, NULL);
	kmm_cpu_exit();
	pthread_t t[4];
	for (long c = 0; c < 4; c++)
		pthread_create(&t[c], NULL, kmalloc_stress, (void *)c);
	for (int c = 0; c < 4; c++)
		pthread_join(t[c], NULL);
	kmm_cpu_enter(0);
	assert_slab_nothing_lost();
	cr_assert_eq(M->slab_bugs, 0);
}

/*
 * The preload's scheduling (preload/preload.c): more threads than CPUs,
 * each call on an idle CPU or, when none is, on no CPU - alloc_single()
 * and __slab_free() under the node and slab locks, beside CPUs freezing
 * slabs onto their partial lists with the slab lock alone.  A slab that
 * alloc_single() fills leaves the partial list before its slab lock goes:
 * else a CPU's free freezes it through the word slab_list shares, and the
 * lists break (a freelist through garbage, a kfree of a page that is no slab).
 */
#define NOCPU_THREADS 8
static void *nocpu_shared[NOCPU_THREADS][256];

/* the preload's way: an idle CPU, else none */
static void enter_cpu_or_none(long t)
{
	for (int i = 0; i < M->nr_cpus; i++)
		if (!kmm_cpu_try_enter(((int)t + i) % M->nr_cpus))
			return;
}

static void leave_cpu_or_none(void)
{
	if (kmm_cpu_current() >= 0)
		kmm_cpu_switch_out();
}

static void *nocpu_stress(void *arg)
{
	long t = (long)arg;
	for (int round = 0; round < 100; round++)
		for (int i = 0; i < 256; i++) {
			size_t n = (size_t)(16 + (i * 37 + round) % 3000);
			enter_cpu_or_none(t);
			char *p = kmalloc(n, GFP_KERNEL_ACCOUNT);
			leave_cpu_or_none();
			cr_assert_not_null(p);
			memset(p, (int)t, n);
			void *old = __atomic_exchange_n(&nocpu_shared[(t + i) % NOCPU_THREADS][i], p, __ATOMIC_ACQ_REL);
			enter_cpu_or_none(t);
			kfree(old); /* often another thread's object */
			leave_cpu_or_none();
		}
	return NULL;
}

Test(slab, threads_on_no_cpu_beside_cpus)
{
	boot_slab("i386", 2, NULL);
	kmm_cpu_exit();
	pthread_t t[NOCPU_THREADS];
	for (long i = 0; i < NOCPU_THREADS; i++)
		pthread_create(&t[i], NULL, nocpu_stress, (void *)i);
	for (int i = 0; i < NOCPU_THREADS; i++)
		pthread_join(t[i], NULL);
	kmm_cpu_enter(0);
	for (int i = 0; i < NOCPU_THREADS; i++)
		for (int k = 0; k < 256; k++)
			kfree(nocpu_shared[i][k]);
	cr_assert_eq(M->slab_bugs, 0);
	assert_slab_nothing_lost();
}

Test(slab, debug_flags_per_cache)
{
	boot_slab("x86_64", 1, "kasan=off"); /* it reads and damages red zones, which ASan guards */
	struct kmem_cache *plain = kmem_cache_create("plain_obj", 40, 0, 0, NULL);
	struct kmem_cache *dbg = kmem_cache_create("dbg_obj", 40, 0, SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER, NULL);
	cr_assert_neq(plain, dbg);
	cr_assert_gt(dbg->size, plain->size, "red zones and tracks make room");
	cr_assert_eq(dbg->red_left_pad, 8);
	unsigned char *o = kmem_cache_alloc(dbg, GFP_KERNEL);
	/* a new object carries the free poison until it is written; its red zone is active */
	cr_assert_eq(o[0], POISON_FREE);
	cr_assert_eq(o[39], POISON_END);
	cr_assert_eq(o[-1], SLUB_RED_ACTIVE);
	cr_assert_eq(o[40], SLUB_RED_ACTIVE);
	o[-1] = 0; /* underflow into the left red zone */
	kmem_cache_free(dbg, o);
	cr_assert_not_null(strstr(kmm_dmesg(), "BUG dbg_obj (Not tainted): Left Redzone overwritten"), "%s", kmm_dmesg());
	cr_assert_not_null(strstr(kmm_dmesg(), "INFO: Allocated in "));
	cr_assert_not_null(strstr(kmm_dmesg(), "not freed"), "as Linux, a damaged object is not freed");
	kmem_cache_free(dbg, o); /* the red zone was restored: now it goes */
	/* the plain cache is not checked: same bytes, no report */
	unsigned long bugs = M->slab_bugs;
	unsigned char *p = kmem_cache_alloc(plain, GFP_KERNEL);
	kmem_cache_free(plain, p);
	cr_assert_eq(M->slab_bugs, bugs);
	kmem_cache_destroy(dbg);
	kmem_cache_destroy(plain);
	assert_slab_nothing_lost();
}

Test(slab, verify_finds_a_corrupt_freelist)
{
	boot_slab("i386", 1, NULL);
	struct kmem_cache *c = kmem_cache_create("victim", 64, 0, 0, NULL);
	void *keep = kmem_cache_alloc(c, GFP_KERNEL);
	void *o = kmem_cache_alloc(c, GFP_KERNEL);
	kmem_cache_free(c, o);
	kmem_cache_flush_all(c); /* the slab goes to the node's partial list, o on its freelist */
	char why[256];
	cr_assert_eq(kmem_cache_verify(c, why, sizeof(why)), 0, "%s", why);
	void *fp = (char *)o + c->offset;
	unsigned long saved = track_load_word(fp, 4);
	track_store_word(fp, obj_kva(o) + 3, 4); /* a stray write into a free object, unseen by ASan */
	cr_assert_neq(kmem_cache_verify(c, why, sizeof(why)), 0);
	cr_assert_not_null(strstr(why, "is not an object"), "%s", why);
	track_store_word(fp, saved, 4);
	cr_assert_eq(kmem_cache_verify(c, why, sizeof(why)), 0, "%s", why);
	kmem_cache_free(c, keep);
	kmem_cache_destroy(c);
	assert_slab_nothing_lost();
}
