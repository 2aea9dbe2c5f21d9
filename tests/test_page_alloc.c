/*
 * test_page_alloc.c - the buddy allocator: splitting and merging, the
 * zonelist walk with watermarks and lowmem_reserve, GFP semantics, migrate
 * types, per-CPU lists, the slow path, bad frees, and concurrency; each
 * test ends with everything freed and "nothing lost".
 */
#include "kmm_test.h"

#include <pthread.h>

static unsigned long free_at_boot;

static void boot_profile(const char *profile, u64 mem, int cpus)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = mem;
	p.nr_cpus = cpus;
	boot_or_fail(&p);
	deferred_init_wait();
	drain_all_pages(NULL);
	free_at_boot = nr_free_pages();
}

/* Everything freed: after draining the pcp lists, free pages are back to the boot value. */
static void assert_nothing_lost(void)
{
	drain_all_pages(NULL);
	cr_assert_eq(nr_free_pages(), free_at_boot, "free pages %lu, after boot %lu: %ld lost", nr_free_pages(),
		     free_at_boot, (long)free_at_boot - (long)nr_free_pages());
	assert_machine_sane();
}

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(page_alloc, .fini = fini, .timeout = 120);

static unsigned long zone_free(struct zone *z)
{
	return (unsigned long)z->vm_stat[NR_FREE_PAGES];
}

/* A growable list of allocations to give back at the end. */
struct held {
	struct page **p;
	unsigned *order;
	size_t n, cap;
};

static void hold(struct held *h, struct page *page, unsigned order)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 1024;
		h->p = realloc(h->p, h->cap * sizeof(*h->p));
		h->order = realloc(h->order, h->cap * sizeof(*h->order));
	}
	h->p[h->n] = page;
	h->order[h->n++] = order;
}

static void release(struct held *h)
{
	for (size_t i = 0; i < h->n; i++)
		__free_pages(h->p[i], h->order[i]);
	free(h->p);
	free(h->order);
	*h = (struct held){ 0 };
}

Test(page_alloc, split_and_merge_picture)
{
	boot_profile("x86_64", 1ULL << 30, 1);
	struct zone *z = zone_by_name(0, "DMA32");
	unsigned long before[MAX_ORDER];
	for (int o = 0; o < MAX_ORDER; o++)
		before[o] = z->free_area[o].nr_free;
	int k = 4;
	while (k < MAX_ORDER && !before[k])
		k++;
	cr_assert_lt(k, MAX_ORDER);
	/* order 4 does not use the pcp lists: the buddy lists show the split
	 * (movable, so it takes the smallest movable block: no fallback) */
	struct page *page = alloc_pages(GFP_KERNEL | __GFP_MOVABLE, 4);
	cr_assert_not_null(page);
	cr_assert_eq(page_zone(page), z);
	char *pic = kmm_proc_read("buddyinfo");
	cr_log_info("after an order-4 allocation:\n%s", pic);
	free(pic);
	for (int o = 4; o < k; o++)
		cr_expect_eq(z->free_area[o].nr_free, before[o] + 1, "order %d: %lu -> %lu", o, before[o], z->free_area[o].nr_free);
	cr_expect_eq(z->free_area[k].nr_free, before[k] - 1);
	/* freeing merges everything back */
	__free_pages(page, 4);
	for (int o = 0; o < MAX_ORDER; o++)
		cr_expect_eq(z->free_area[o].nr_free, before[o], "order %d did not merge back", o);
	assert_nothing_lost();
}

Test(page_alloc, every_order_every_profile)
{
	const char *profiles[] = { "i386", "i386-pae", "x86_64" };
	for (size_t i = 0; i < ARRAY_SIZE(profiles); i++) {
		boot_profile(profiles[i], 1ULL << 30, 2);
		struct held h = { 0 };
		for (unsigned o = 0; o < MAX_ORDER; o++)
			for (int r = 0; r < 3; r++) {
				struct page *p = alloc_pages(GFP_KERNEL, o);
				cr_assert_not_null(p, "%s order %u", profiles[i], o);
				cr_assert_eq(page_to_pfn(p) & ((1UL << o) - 1), 0, "block not aligned to its order");
				cr_assert_eq(page_ref_count(p), 1);
				hold(&h, p, o);
			}
		release(&h);
		assert_nothing_lost();
		kmm_shutdown();
	}
}

Test(page_alloc, api_addresses_and_zeroing)
{
	boot_profile("i386", 2ULL << 30, 1);
	unsigned long addr = __get_free_pages(GFP_KERNEL, 2);
	cr_assert_neq(addr, 0);
	memset((void *)addr, 0xa5, 4 * PAGE_SIZE);
	struct page *page = virt_to_page((void *)addr);
	cr_assert_eq(page_address(page), (void *)addr);
	cr_assert(virt_addr_valid((void *)addr));
	free_pages(addr, 2);
	/* a zeroed page really is zero, even where garbage was */
	for (int i = 0; i < 64; i++) {
		unsigned long z = get_zeroed_page(GFP_KERNEL);
		const unsigned char *b = (const unsigned char *)z;
		for (size_t j = 0; j < PAGE_SIZE; j++)
			cr_assert_eq(b[j], 0);
		memset((void *)z, 0x5a, PAGE_SIZE);
		free_page(z);
	}
	/* highmem pages have no direct-map address; __GFP_ZERO still zeroes them */
	struct page *hp = alloc_pages(GFP_HIGHUSER | __GFP_ZERO, 0);
	cr_assert_eq(page_zonenum(hp), ZONE_HIGHMEM);
	cr_assert_null(page_address(hp));
	__free_pages(hp, 0);
	/* __get_free_pages refuses highmem: it only returns direct-map addresses */
	unsigned long a2 = __get_free_pages(GFP_HIGHUSER, 0);
	cr_assert(virt_addr_valid((void *)a2));
	cr_assert_neq(page_zonenum(virt_to_page((void *)a2)), ZONE_HIGHMEM);
	free_page(a2);
	assert_nothing_lost();
}

Test(page_alloc, exact_split_compound_refcounts)
{
	boot_profile("x86_64", 1ULL << 30, 1);
	unsigned long before = nr_free_pages();
	void *v = alloc_pages_exact(5 * PAGE_SIZE, GFP_KERNEL);
	cr_assert_not_null(v);
	drain_all_pages(NULL);
	cr_assert_eq(before - nr_free_pages(), 5, "alloc_pages_exact(5 pages) holds %lu", before - nr_free_pages());
	free_pages_exact(v, 5 * PAGE_SIZE);

	struct page *p = alloc_pages(GFP_KERNEL, 3);
	split_page(p, 3);
	for (int i = 0; i < 8; i++)
		cr_assert_eq(page_ref_count(&p[i]), 1);
	for (int i = 7; i >= 0; i--)
		__free_pages(&p[i], 0);

	struct page *c = alloc_pages(GFP_KERNEL | __GFP_COMP, 2);
	cr_assert(PageHead(c));
	cr_assert_eq(compound_order(c), 2);
	cr_assert_eq(compound_head(&c[3]), c);
	get_page(&c[2]); /* a reference through a tail page lands on the head */
	cr_assert_eq(page_ref_count(c), 2);
	put_page(&c[1]);
	put_page(c); /* the last reference frees the whole compound page */
	cr_assert(PageBuddy(c) || page_ref_count(c) == 0);
	assert_nothing_lost();
}

Test(page_alloc, zone_modifiers)
{
	boot_profile("x86_64", 8ULL << 30, 1);
	struct page *p = alloc_pages(GFP_DMA, 0);
	cr_assert_eq(page_zonenum(p), ZONE_DMA);
	__free_pages(p, 0);
	p = alloc_pages(GFP_DMA32, 0);
	cr_assert_eq(page_zonenum(p), ZONE_DMA32);
	cr_assert_lt(page_to_pfn(p), SZ_4G >> PAGE_SHIFT);
	__free_pages(p, 0);
	p = alloc_pages(GFP_KERNEL, 0);
	cr_assert_eq(page_zonenum(p), ZONE_NORMAL);
	__free_pages(p, 0);
	cr_assert_eq(gfp_zone(GFP_HIGHUSER_MOVABLE), ZONE_MOVABLE);
	cr_assert_eq(gfp_zone(GFP_HIGHUSER), ZONE_NORMAL, "x86_64 has no highmem");
	cr_assert_null(alloc_pages(__GFP_DMA | __GFP_HIGHMEM | __GFP_NOWARN, 0), "two zone modifiers");
	cr_assert_null(alloc_pages(GFP_KERNEL | __GFP_NOWARN, MAX_ORDER));
	cr_assert_null(strstr(kmm_dmesg(), "MAX_ORDER"), "__GFP_NOWARN must stay quiet");
	cr_assert_null(alloc_pages(GFP_KERNEL, MAX_ORDER));
	cr_assert_not_null(strstr(kmm_dmesg(), "WARNING:"));
	assert_nothing_lost();
}

Test(page_alloc, numa_nodes_and_thisnode)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "x86_64";
	p.mem_bytes = 4ULL << 30;
	p.nr_cpus = 2;
	p.numa_ranges[0] = (struct kmm_numa_range){ 0, 0, 2ULL << 30 };
	p.numa_ranges[1] = (struct kmm_numa_range){ 1, 2ULL << 30, 5ULL << 30 };
	p.nr_numa_ranges = 2;
	boot_or_fail(&p);
	deferred_init_wait();
	drain_all_pages(NULL);
	free_at_boot = nr_free_pages();
	struct page *a = alloc_pages_node(1, GFP_KERNEL, 0);
	cr_assert_eq(page_to_nid(a), 1);
	struct page *b = alloc_pages_node(0, GFP_KERNEL, 0);
	cr_assert_eq(page_to_nid(b), 0);
	/* node 0 has no Normal zone: GFP_KERNEL on node 0 takes DMA32 first */
	cr_assert_eq(page_zonenum(b), ZONE_DMA32);
	struct page *c = alloc_pages_node(1, GFP_KERNEL | __GFP_THISNODE, 2);
	cr_assert_eq(page_to_nid(c), 1);
	__free_pages(a, 0);
	__free_pages(b, 0);
	__free_pages(c, 2);
	assert_nothing_lost();
}

/*
 * GFP_HIGHUSER walks HighMem -> Normal -> DMA, first down to each zone's
 * low watermark (the fast path), then down to min (the slow path).  Each
 * lowmem zone keeps its protection (lowmem_reserve) for lowmem requests.
 */
Test(page_alloc, zone_exhaustion_and_lowmem_reserve)
{
	boot_profile("i386", 1200ULL << 20, 1);
	struct zone *dma = zone_by_name(0, "DMA"), *normal = zone_by_name(0, "Normal"), *high = zone_by_name(0, "HighMem");
	struct held h = { 0 };
	enum zone_type seen[8];
	int nseen = 0;
	struct page *p;
	while ((p = alloc_pages(GFP_HIGHUSER | __GFP_NOWARN | __GFP_NORETRY, 0))) {
		enum zone_type zt = page_zonenum(p);
		if (!nseen || seen[nseen - 1] != zt) {
			if (nseen) {
				/* the zone we leave failed its watermark check */
				struct zone *left = &NODE_DATA(0)->node_zones[seen[nseen - 1]];
				cr_assert(!zone_watermark_ok(left, 0, low_wmark_pages(left), ZONE_HIGHMEM, 1),
					  "left %s with %lu free", left->name, zone_free(left));
			}
			if (nseen < 8)
				seen[nseen++] = zt;
		}
		hold(&h, p, 0);
	}
	/* fast path HighMem, Normal, DMA; then the slow path from HighMem again */
	cr_assert_geq(nseen, 3);
	cr_assert(seen[0] == ZONE_HIGHMEM && seen[1] == ZONE_NORMAL && seen[2] == ZONE_DMA, "%d %d %d", seen[0], seen[1], seen[2]);
	/* at the end no zone passes min + its protection for a HighMem request */
	struct zone *zs[] = { dma, normal, high };
	for (int i = 0; i < 3; i++) {
		struct zone *z = zs[i];
		cr_assert_leq(zone_free(z), min_wmark_pages(z) + (unsigned long)z->lowmem_reserve[ZONE_HIGHMEM], "%s", z->name);
	}
	/* and lowmem kept its protection */
	cr_assert_gt(zone_free(normal), (unsigned long)normal->lowmem_reserve[ZONE_HIGHMEM]);
	cr_assert_gt(zone_free(dma), (unsigned long)dma->lowmem_reserve[ZONE_HIGHMEM]);
	/* ... which a GFP_KERNEL allocation may still have */
	p = alloc_pages(GFP_KERNEL, 0);
	cr_assert_not_null(p);
	cr_assert_neq(page_zonenum(p), ZONE_HIGHMEM);
	hold(&h, p, 0);
	release(&h);
	assert_nothing_lost();
}

Test(page_alloc, atomic_digs_deeper_than_kernel)
{
	boot_profile("x86_64", 512ULL << 20, 1);
	struct held h = { 0 };
	struct page *p;
	while ((p = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0)))
		hold(&h, p, 0);
	unsigned long stalls = sum_vm_event(ALLOCSTALL_DMA32) + sum_vm_event(ALLOCSTALL_NORMAL);
	cr_assert_gt(stalls, 0, "GFP_KERNEL tried direct reclaim before failing");
	/* GFP_NOWAIT: no reserves, and it never stalls */
	unsigned long wakes = sum_vm_event(KSWAPD_WAKE);
	cr_assert_null(alloc_pages(GFP_NOWAIT | __GFP_NOWARN, 0));
	cr_assert_eq(sum_vm_event(ALLOCSTALL_DMA32) + sum_vm_event(ALLOCSTALL_NORMAL), stalls, "NOWAIT slept");
	cr_assert_gt(sum_vm_event(KSWAPD_WAKE), wakes, "NOWAIT wakes kswapd");
	/* __GFP_NOFAIL gets a page from the reserves below min */
	p = alloc_pages(GFP_KERNEL | __GFP_NOFAIL, 0);
	cr_assert_not_null(p);
	hold(&h, p, 0);
	stalls = sum_vm_event(ALLOCSTALL_DMA32) + sum_vm_event(ALLOCSTALL_NORMAL);
	/* GFP_ATOMIC may go deeper still */
	int atomic = 0;
	while ((p = alloc_pages(GFP_ATOMIC | __GFP_NOWARN, 0))) {
		hold(&h, p, 0);
		atomic++;
	}
	cr_assert_gt(atomic, 0, "GFP_ATOMIC got nothing where GFP_KERNEL failed");
	cr_assert_eq(sum_vm_event(ALLOCSTALL_DMA32) + sum_vm_event(ALLOCSTALL_NORMAL), stalls, "ATOMIC slept");
	/* a failure without __GFP_NOWARN is reported with the Mem-Info dump */
	cr_assert_null(alloc_pages(GFP_KERNEL, 0));
	cr_assert_not_null(strstr(kmm_dmesg(), "page allocation failure: order:0, mode:0xcc0(GFP_KERNEL), nodemask=(null)"),
			   "%s", kmm_dmesg());
	cr_assert_not_null(strstr(kmm_dmesg(), "Mem-Info:"));
	cr_assert_not_null(strstr(kmm_dmesg(), "Out of memory and no killable processes"));
	release(&h);
	assert_nothing_lost();
}

Test(page_alloc, migratetypes_fallback_and_steal)
{
	boot_profile("i386", 1ULL << 30, 1);
	/* at boot every pageblock is movable; an unmovable allocation steals one */
	struct page *u = alloc_pages(GFP_KERNEL, 0);
	cr_assert_eq(get_pageblock_migratetype(u), MIGRATE_UNMOVABLE);
	struct page *m = alloc_pages(GFP_HIGHUSER_MOVABLE, 0);
	cr_assert_eq(get_pageblock_migratetype(m), MIGRATE_MOVABLE);
	struct page *r = alloc_pages(GFP_KERNEL | __GFP_RECLAIMABLE, 0);
	cr_assert_eq(get_pageblock_migratetype(r), MIGRATE_RECLAIMABLE);
	/* the pcp batch came from the stolen block, so the next ones share it */
	struct page *u2 = alloc_pages(GFP_KERNEL, 0);
	cr_assert_eq(ALIGN_DOWN(page_to_pfn(u2), pageblock_nr_pages()), ALIGN_DOWN(page_to_pfn(u), pageblock_nr_pages()));
	char *pti = kmm_proc_read("buddyinfo");
	free(pti);
	__free_pages(u, 0);
	__free_pages(u2, 0);
	__free_pages(m, 0);
	__free_pages(r, 0);
	assert_nothing_lost();
}

/* Under pressure, a high-order atomic allocation reserves its pageblock for more like it. */
Test(page_alloc, highatomic_reserve)
{
	boot_profile("x86_64", 512ULL << 20, 1);
	struct zone *dma32 = zone_by_name(0, "DMA32"), *dma = zone_by_name(0, "DMA");
	struct held h = { 0 };
	/*
	 * take memory until no zone passes the low watermark: the fast path is
	 * over.  The unboosted mark: a boost (raised when a fallback steals a
	 * pageblock) goes away again when kswapd has balanced the zone.
	 */
	while (zone_watermark_ok(dma32, 0, dma32->_watermark[WMARK_LOW], ZONE_NORMAL, 1) ||
	       zone_watermark_ok(dma, 0, dma->_watermark[WMARK_LOW], ZONE_NORMAL, 1))
		hold(&h, alloc_pages(GFP_KERNEL, 0), 0);
	cr_assert_eq(dma32->nr_reserved_highatomic, 0);
	struct page *p = alloc_pages(GFP_ATOMIC, 2);
	cr_assert_not_null(p);
	struct zone *z = page_zone(p);
	cr_assert_eq(z->nr_reserved_highatomic, pageblock_nr_pages());
	cr_assert_eq(get_pageblock_migratetype(p), MIGRATE_HIGHATOMIC);
	hold(&h, p, 2);
	/* the next high-order atomic allocation comes from the reserve */
	struct page *q = alloc_pages(GFP_ATOMIC, 2);
	cr_assert_eq(get_pageblock_migratetype(q), MIGRATE_HIGHATOMIC);
	hold(&h, q, 2);
	/* ordinary allocations cannot have it */
	cr_assert(!zone_watermark_ok(z, 0, low_wmark_pages(z), ZONE_NORMAL, 1));
	release(&h);
	assert_nothing_lost();
}

Test(page_alloc, pcp_batch_and_high)
{
	boot_profile("i386", 2ULL << 30, 1);
	struct zone *z = zone_by_name(0, "Normal");
	struct per_cpu_pages *pcp = &z->pageset[0];
	cr_assert_eq(pcp->count, 0);
	struct page *p = alloc_pages(GFP_KERNEL, 0);
	cr_assert_eq(page_zone(p), z);
	cr_assert_eq(pcp->count, pcp->batch - 1, "one batch came over, one page went out");
	__free_pages(p, 0);
	cr_assert_eq(pcp->count, pcp->batch);
	/* free more than high: the list never stays at or above high */
	struct held h = { 0 };
	for (int i = 0; i < pcp->high + 3 * pcp->batch; i++)
		hold(&h, alloc_pages(GFP_KERNEL, 0), 0);
	for (size_t i = 0; i < h.n; i++) {
		__free_pages(h.p[i], 0);
		cr_assert_lt(pcp->count, pcp->high);
	}
	free(h.p);
	free(h.order);
	cr_assert_gt(pcp->count, 0);
	drain_all_pages(NULL);
	cr_assert_eq(pcp->count, 0);
	/* orders 1..3 live on their own lists */
	struct page *o3 = alloc_pages(GFP_KERNEL, 3);
	cr_assert_eq(pcp->count, (max(pcp->batch >> 3, 2) - 1) << 3);
	__free_pages(o3, 3);
	assert_nothing_lost();
}

static void *drain_thread(void *arg)
{
	(void)arg;
	drain_all_pages(NULL); /* from a thread on no CPU */
	return NULL;
}

Test(page_alloc, drain_from_another_thread)
{
	boot_profile("i386", 1ULL << 30, 2);
	struct page *p = alloc_pages(GFP_KERNEL, 0);
	__free_pages(p, 0);
	struct zone *z = page_zone(p);
	cr_assert_gt(z->pageset[0].count, 0);
	pthread_t t;
	pthread_create(&t, NULL, drain_thread, NULL);
	pthread_join(t, NULL);
	/* CPU 0 is busy (this thread is on it): the drain waits for its next call */
	cr_assert_gt(z->pageset[0].count, 0);
	p = alloc_pages(GFP_KERNEL, 0);
	__free_pages(p, 0);
	cr_assert_leq(z->pageset[0].count, z->pageset[0].batch);
	assert_nothing_lost();
}

Test(page_alloc, bad_frees_are_reported_not_done)
{
	boot_profile("i386", 1ULL << 30, 1);
	unsigned long bad = kmm_bad_pages();
	struct page *p = alloc_pages(GFP_KERNEL, 0);
	__free_pages(p, 0);
	__free_pages(p, 0); /* twice */
	cr_assert_eq(kmm_bad_pages(), bad + 1);
	cr_assert_not_null(strstr(kmm_dmesg(), "BUG: Bad page state in process kmm  pfn:"));
	cr_assert_not_null(strstr(kmm_dmesg(), "page dumped because: VM_BUG_ON_PAGE(page_ref_count(page) == 0)"));

	struct page *q = alloc_pages(GFP_KERNEL, 1);
	__free_pages(q, 2); /* the wrong order */
	cr_assert_eq(kmm_bad_pages(), bad + 2);
	cr_assert_not_null(strstr(kmm_dmesg(), "freed with order 2, allocated with order 1"));
	set_page_count(q, 1);
	__free_pages(q, 1); /* now right */

	struct page *kernel = pfn_to_page(PFN_DOWN(M->image.text)); /* reserved */
	__free_pages(kernel, 0);
	cr_assert_eq(kmm_bad_pages(), bad + 3);
	cr_assert(PageReserved(kernel));
	cr_assert_not_null(strstr(kmm_dmesg(), "PAGE_FLAGS_CHECK_AT_FREE flag(s) set"));

	__free_pages(mem_map + max_mapnr + 100, 0); /* outside any zone */
	cr_assert_eq(kmm_bad_pages(), bad + 4);
	struct page *r = alloc_pages(GFP_KERNEL, 0);
	__free_pages(r, MAX_ORDER); /* an impossible order */
	cr_assert_eq(kmm_bad_pages(), bad + 5);
	set_page_count(r, 1);
	__free_pages(r, 0);
	free_pages(0x1000, 0); /* not a kernel address */
	cr_assert_eq(kmm_bad_pages(), bad + 6);
	assert_nothing_lost();
}

Test(page_alloc, gfp_names_as_linux_prints_them)
{
	boot_profile("x86_64", 1ULL << 30, 1);
	char b[200];
	struct { gfp_t g; const char *s; } cases[] = {
		{ GFP_KERNEL, "GFP_KERNEL" },
		{ GFP_KERNEL_ACCOUNT | __GFP_ZERO, "GFP_KERNEL_ACCOUNT|__GFP_ZERO" },
		{ GFP_ATOMIC | __GFP_NOWARN, "GFP_ATOMIC|__GFP_NOWARN" },
		{ GFP_HIGHUSER_MOVABLE | __GFP_ZERO, "GFP_HIGHUSER_MOVABLE|__GFP_ZERO" },
		{ GFP_NOWAIT, "GFP_NOWAIT" },
		{ GFP_NOFS | __GFP_COMP, "GFP_NOFS|__GFP_COMP" },
		{ 0, "none" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		gfp_flags_name(cases[i].g, b, sizeof(b));
		cr_assert_str_eq(b, cases[i].s);
	}
	gfp_flags_name(GFP_KERNEL, b, sizeof(b));
	cr_assert_eq(GFP_KERNEL, 0xcc0u);
}

/* gfp_flags_parse(): what scripts and traces say (symbolic, 0x, mixed, aliases), bounded by its length */
Test(page_alloc, gfp_flags_parse_reads_what_linux_prints)
{
	static const struct {
		const char *s;
		gfp_t g;
	} good[] = {
		{ "GFP_KERNEL|__GFP_ZERO", GFP_KERNEL | __GFP_ZERO },
		{ "none", 0 },
		{ "0", 0 },
		{ "0xcc0", GFP_KERNEL },
		{ "0XCC0", GFP_KERNEL },
		{ "GFP_NOFS|0x100000", GFP_NOFS | __GFP_HARDWALL },
		{ "__GFP_DMA|__GFP_DMA32", __GFP_DMA | __GFP_DMA32 },
		{ "GFP_KERNEL|__GFP_SKIP_KASAN|__GFP_NOLOCKDEP", GFP_KERNEL }, /* later kernels' bits, dropped */
	};
	gfp_t g;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		cr_assert_eq(gfp_flags_parse(good[i].s, strlen(good[i].s), &g, NULL), 0, "refused \"%s\"", good[i].s);
		cr_assert_eq(g, good[i].g, "\"%s\" read as %#x, not %#x", good[i].s, g, good[i].g);
	}
	/* every name kmm prints reads back to its mask */
	static const gfp_t masks[] = { GFP_TRANSHUGE, GFP_HIGHUSER_MOVABLE, GFP_USER, GFP_KERNEL_ACCOUNT, GFP_ATOMIC,
				       GFP_NOIO, GFP_NOWAIT, GFP_DMA | GFP_KERNEL, __GFP_HIGHMEM | __GFP_NOWARN,
				       GFP_DMA32 | __GFP_RETRY_MAYFAIL | __GFP_COMP | __GFP_RECLAIMABLE,
				       __GFP_MEMALLOC | __GFP_THISNODE | __GFP_WRITE | __GFP_ZEROTAGS, 0x4000000 };
	for (size_t i = 0; i < ARRAY_SIZE(masks); i++) {
		char name[200];
		gfp_flags_name(masks[i], name, sizeof(name));
		cr_assert_eq(gfp_flags_parse(name, strlen(name), &g, NULL), 0, "refused \"%s\"", name);
		cr_assert_eq(g, masks[i], "%s read back as %#x, not %#x", name, g, masks[i]);
	}
	/* only len bytes are read: the rest of a trace line follows */
	const char *line = "GFP_KERNEL|__GFP_ZERO node=-1";
	cr_assert_eq(gfp_flags_parse(line, 10, &g, NULL), 0);
	cr_assert_eq(g, GFP_KERNEL);
	static const char *const bad[] = { "", "GFP_KERNEL|", "|GFP_KERNEL", "GFP_KERNEL||__GFP_ZERO", "0x", "0xfffffffff",
					   "0x8000000", "0x12g", "__GFP_BOGUS", "gfp_kernel" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *at = NULL;
		cr_assert_eq(gfp_flags_parse(bad[i], strlen(bad[i]), &g, &at), -EINVAL, "accepted \"%s\"", bad[i]);
		cr_assert(at >= bad[i] && at <= bad[i] + strlen(bad[i]), "\"%s\": *bad outside the string", bad[i]);
	}
	const char *at = NULL;
	cr_assert_eq(gfp_flags_parse("GFP_KERNEL|__GFP_BOGUS", 22, &g, &at), -EINVAL);
	cr_assert_str_eq(at, "__GFP_BOGUS");
}

struct stress_arg {
	int cpu;
	unsigned seed;
	long ops;
};

static void *stress_cpu(void *argp)
{
	struct stress_arg *a = argp;
	if (kmm_cpu_enter(a->cpu))
		return (void *)1;
	struct page *slots[256] = { 0 };
	unsigned orders[256] = { 0 };
	unsigned s = a->seed;
	static const gfp_t gfps[] = { GFP_KERNEL, GFP_ATOMIC, GFP_HIGHUSER_MOVABLE, GFP_KERNEL | __GFP_RECLAIMABLE,
				      GFP_NOWAIT, GFP_DMA, GFP_KERNEL | __GFP_ZERO, GFP_KERNEL | __GFP_COMP };
	for (long i = 0; i < a->ops; i++) {
		s = s * 1103515245u + 12345u;
		unsigned k = (s >> 8) % 256;
		if (slots[k]) {
			__free_pages(slots[k], orders[k]);
			slots[k] = NULL;
		} else {
			unsigned o = (s >> 16) % 8 == 0 ? (s >> 20) % MAX_ORDER : (s >> 20) % 4;
			gfp_t g = gfps[(s >> 24) % ARRAY_SIZE(gfps)] | __GFP_NOWARN;
			slots[k] = alloc_pages(g, o);
			orders[k] = o;
		}
	}
	for (int k = 0; k < 256; k++)
		if (slots[k])
			__free_pages(slots[k], orders[k]);
	kmm_cpu_exit();
	return NULL;
}

Test(page_alloc, concurrent_stress_seeded)
{
	boot_profile("i386", 1ULL << 30, 4);
	kmm_cpu_exit(); /* the test thread steps aside; four threads take the CPUs */
	pthread_t t[4];
	struct stress_arg args[4];
	for (int c = 0; c < 4; c++) {
		args[c] = (struct stress_arg){ c, 1234u + (unsigned)c, 40000 };
		pthread_create(&t[c], NULL, stress_cpu, &args[c]);
	}
	for (int c = 0; c < 4; c++) {
		void *ret;
		pthread_join(t[c], &ret);
		cr_assert_null(ret);
	}
	kmm_cpu_enter(0);
	assert_nothing_lost();
	cr_assert_eq(kmm_bad_pages(), 0);
}

static void *alloc_right_after_boot(void *arg)
{
	int cpu = (int)(long)arg;
	cr_assert_eq(kmm_cpu_enter(cpu), 0);
	/* the first allocations wait for the deferred struct pages, all CPUs at once */
	for (int i = 0; i < 100; i++)
		__free_pages(alloc_pages(GFP_KERNEL, (unsigned)(i % 4)), (unsigned)(i % 4));
	kmm_cpu_exit();
	return NULL;
}

Test(page_alloc, many_cpus_wait_for_deferred_init)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "x86_64";
	p.mem_bytes = 8ULL << 30;
	p.nr_cpus = 4;
	boot_or_fail(&p);
	kmm_cpu_exit();
	pthread_t t[4];
	for (long c = 0; c < 4; c++)
		pthread_create(&t[c], NULL, alloc_right_after_boot, (void *)c);
	for (int c = 0; c < 4; c++)
		pthread_join(t[c], NULL);
	kmm_cpu_enter(0);
	assert_machine_sane();
}
