/*
 * test_hostile_mm.c - the allocators against a hostile caller: sizes up to
 * ULONG_MAX, frees with the wrong order, double frees, use of a destroyed
 * cache, out-of-order unmaps and corrupt freelists.  Each answer is
 * Linux 6.1's (NULL, the kernel's warning, rate-limited where Linux limits
 * it), comes back within the suite's timeout, and a refused operation
 * changes nothing: every test ends with "nothing lost".
 */
#include "kmm_test.h"

#include <kmm/highmem.h>
#include <kmm/slab.h>
#include <kmm/vmalloc.h>
#include <limits.h>

#include "mm/slab.h"
#include "sim/track.h"

static struct kmm_usage at_boot;

static void boot_hostile_cmdline(const char *profile, unsigned long long mem, const char *cmdline)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = mem;
	p.nr_cpus = 1;
	p.cmdline = cmdline;
	boot_or_fail(&p);
	kmm_usage_settle(&at_boot);
}

static void boot_hostile(const char *profile, unsigned long long mem)
{
	boot_hostile_cmdline(profile, mem, NULL);
}

static void assert_nothing_lost(void)
{
	char why[256];
	cr_assert_eq(kmm_nothing_lost(&at_boot, why, sizeof(why)), 0, "%s", why);
	assert_machine_sane();
}

/* How often needle occurs in the log. */
static int dmesg_count(const char *needle)
{
	int n = 0;
	for (const char *p = kmm_dmesg(); (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(hostile_mm, .fini = fini, .timeout = 60);

/* ---- 1. sizes up to ULONG_MAX ------------------------------------------------------- */

static const unsigned long huge_sizes[] = {
	KMALLOC_MAX_SIZE + 1, 1UL << 40, (1UL << 63) - 1, 1UL << 63, (1UL << 63) + 1,
	ULONG_MAX - PAGE_SIZE, ULONG_MAX - 1, ULONG_MAX,
};

static void huge_sizes_get_null(const char *profile)
{
	boot_hostile(profile, 256ULL << 20);
	cr_assert_eq(get_order(PAGE_SIZE), 0);
	cr_assert_eq(get_order(PAGE_SIZE + 1), 1);
	cr_assert_eq(get_order(ULONG_MAX), 64 - PAGE_SHIFT);
	cr_assert_eq(get_order(0), 64 - PAGE_SHIFT, "Linux's get_order(0)");
	char *keep = kmalloc(100, GFP_KERNEL);
	memset(keep, 0x5a, 100);
	for (size_t i = 0; i < ARRAY_SIZE(huge_sizes); i++) {
		unsigned long sz = huge_sizes[i];
		cr_assert_null(kmalloc(sz, GFP_KERNEL), "kmalloc(%#lx)", sz);
		cr_assert_null(kmalloc_node(sz, GFP_KERNEL, 0), "kmalloc_node(%#lx)", sz);
		cr_assert_null(kzalloc(sz, GFP_KERNEL | __GFP_NOWARN), "kzalloc(%#lx)", sz);
		if (sz > INT_MAX)
			cr_assert_null(kvmalloc(sz, GFP_KERNEL), "kvmalloc(%#lx)", sz);
		cr_assert_null(alloc_pages_exact(sz, GFP_KERNEL), "alloc_pages_exact(%#lx)", sz);
		cr_assert_null(alloc_pages(GFP_KERNEL, get_order(sz)), "alloc_pages(order %u)", get_order(sz));
		/* a refused krealloc leaves the object as it was */
		cr_assert_null(krealloc(keep, sz, GFP_KERNEL), "krealloc(%#lx)", sz);
		for (int b = 0; b < 100; b++)
			cr_assert_eq((unsigned char)keep[b], 0x5a);
	}
	cr_assert_null(alloc_pages_exact(0, GFP_KERNEL), "get_order(0) is beyond MAX_ORDER in Linux too");
	/* WARN_ON_ONCE: one report per boot for each place Linux warns */
	cr_assert_eq(dmesg_count("at mm/page_alloc.c:5634 __alloc_pages"), 1, "%s", kmm_dmesg());
	cr_assert_eq(dmesg_count("at mm/util.c:596 kvmalloc"), 1, "%s", kmm_dmesg());
	cr_assert_eq(dmesg_count("------------[ cut here ]------------"), 2);
	cr_assert_eq(dmesg_count("---[ end trace"), 2);
	kfree(keep);
	assert_nothing_lost();
}
TEST_ON_EVERY_PROFILE(hostile_mm, huge_sizes_get_null, huge_sizes_get_null)

Test(hostile_mm, huge_sizes_nowarn_stay_quiet)
{
	boot_hostile("x86_64", 256ULL << 20);
	size_t before = strlen(kmm_dmesg());
	for (size_t i = 0; i < ARRAY_SIZE(huge_sizes); i++) {
		cr_assert_null(kmalloc(huge_sizes[i], GFP_KERNEL | __GFP_NOWARN));
		if (huge_sizes[i] > INT_MAX)
			cr_assert_null(kvmalloc(huge_sizes[i], GFP_KERNEL | __GFP_NOWARN));
		cr_assert_null(alloc_pages_exact(huge_sizes[i], GFP_KERNEL | __GFP_NOWARN));
	}
	cr_assert_eq(strlen(kmm_dmesg()), before, "%s", kmm_dmesg() + before);
	/* kvmalloc: sizes above INT_MAX never reach vmalloc; atomic callers never do */
	cr_assert_null(kvmalloc((size_t)INT_MAX + 1, GFP_KERNEL | __GFP_NOWARN));
	cr_assert_null(kvmalloc(64 << 20, GFP_ATOMIC | __GFP_NOWARN));
	assert_nothing_lost();
}

/* A later boot in the same process warns again: "once" is per machine. */
Test(hostile_mm, warn_once_is_per_boot)
{
	boot_hostile("i386", 128ULL << 20);
	cr_assert_null(kmalloc(ULONG_MAX, GFP_KERNEL));
	cr_assert_null(kmalloc(ULONG_MAX, GFP_KERNEL));
	cr_assert_eq(dmesg_count("at mm/page_alloc.c:5634 __alloc_pages"), 1);
	kmm_shutdown();
	boot_hostile("i386", 128ULL << 20);
	cr_assert_null(kmalloc(ULONG_MAX, GFP_KERNEL));
	cr_assert_eq(dmesg_count("at mm/page_alloc.c:5634 __alloc_pages"), 1);
	assert_nothing_lost();
}

/* ---- 2. vmalloc sizes, and its failures rate-limited ---------------------------------- */

static void vmalloc_huge_sizes_refused(const char *profile)
{
	boot_hostile(profile, 256ULL << 20);
	unsigned long total = (unsigned long)M->totalram_pages;
	const unsigned long sizes[] = { ULONG_MAX, ULONG_MAX - PAGE_SIZE + 2, ULONG_MAX - 1, 1UL << 63,
					(total + 1) << PAGE_SHIFT };
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned long sz = sizes[i];
		cr_assert_null(vmalloc(sz), "vmalloc(%#lx)", sz);
		cr_assert_null(vzalloc(sz), "vzalloc(%#lx)", sz);
		cr_assert_null(vmalloc_user(sz), "vmalloc_user(%#lx)", sz);
		cr_assert_null(vmalloc_32(sz), "vmalloc_32(%#lx)", sz);
		cr_assert_null(vmalloc_node(sz, 0), "vmalloc_node(%#lx)", sz);
		cr_assert_null(__vmalloc(sz, GFP_KERNEL | __GFP_NOWARN), "__vmalloc(%#lx)", sz);
		if (sz >= 1UL << 63) /* address space only: RAM does not limit it */
			cr_assert_null(get_vm_area(sz, VM_IOREMAP), "get_vm_area(%#lx)", sz);
		cr_assert_eq(vmap_areas_in_use(), 0, "a refused vmalloc left an area");
		cr_assert_eq(vmalloc_used_pages(), 0);
	}
	/* 6.1's words, once: warn_alloc's rate limit holds the rest back */
	char first[96];
	snprintf(first, sizeof(first), "kmm: vmalloc error: size %lu, exceeds total pages, mode:0xcc0(GFP_KERNEL)", ULONG_MAX);
	cr_assert_eq(dmesg_count(first), 1, "%s", kmm_dmesg());
	cr_assert_eq(dmesg_count("exceeds total pages"), 1);
	cr_assert_eq(dmesg_count("Mem-Info:"), 1);
	/* ten simulated seconds later the next report comes, after the count of the ones held back */
	kmm_clock_advance(11ULL * 1000000000);
	cr_assert_null(vmalloc(ULONG_MAX));
	cr_assert_eq(dmesg_count("warn_alloc: 24 callbacks suppressed"), 1, "%s", kmm_dmesg());
	cr_assert_eq(dmesg_count("exceeds total pages"), 2);
	/* vmap of more pages than RAM is refused before anything is looked at, as Linux's */
	struct page *pg = alloc_page(GFP_KERNEL);
	cr_assert_null(vmap(&pg, (unsigned int)total + 1, VM_MAP, __PAGE_KERNEL));
	__free_page(pg);
	/* a zero size: WARN_ON_ONCE */
	cr_assert_null(vmalloc(0));
	cr_assert_null(vmalloc(0));
	cr_assert_eq(dmesg_count("at mm/vmalloc.c:3227 __vmalloc_node"), 1, "%s", kmm_dmesg());
	assert_nothing_lost();
}
TEST_ON_EVERY_PROFILE(hostile_mm, vmalloc_huge_sizes_refused, vmalloc_huge_sizes_refused)

/* A full vmalloc area: the failures are reported once per rate-limit interval, not once per call. */
Test(hostile_mm, vmalloc_area_full_is_reported_rate_limited)
{
	boot_hostile("i386", 1ULL << 30);
	enum { MAX = 4096 };
	void **held = calloc(MAX, sizeof(void *));
	int n = 0, failed = 0;
	for (int i = 0; i < MAX && failed < 2000; i++) {
		void *p = vmalloc(1UL << 20);
		if (p)
			held[n++] = p;
		else
			failed++;
	}
	cr_assert_gt(n, 0);
	cr_assert_eq(failed, 2000, "the i386 vmalloc area holds less than 4 GiB");
	cr_assert_eq(dmesg_count("vm_struct allocation failed"), 1, "%s", kmm_dmesg());
	cr_assert_leq(dmesg_count("vmap allocation for size"), 10, "printk_ratelimit: 10 per 5 s");
	cr_assert_eq(dmesg_count("Mem-Info:"), 1);
	for (int i = 0; i < n; i++)
		vfree(held[i]);
	free(held);
	assert_nothing_lost();
}

/* ---- 3. warn_alloc: nopage_rs --------------------------------------------------------- */

Test(hostile_mm, page_allocation_failures_rate_limited)
{
	boot_hostile("x86_64", 128ULL << 20);
	size_t cap = 1 << 16;
	struct page **list = calloc(cap, sizeof(*list)), *p;
	int held = 0;
	while (held < (int)cap && (p = alloc_pages(GFP_NOWAIT | __GFP_NOWARN, 0)))
		list[held++] = p;
	cr_assert_gt(held, 1000);
	for (int i = 0; i < 100; i++)
		cr_assert_null(alloc_pages(GFP_NOWAIT, 0));
	cr_assert_eq(dmesg_count("page allocation failure: order:0, mode:0x800(GFP_NOWAIT)"), 1, "%s", kmm_dmesg());
	cr_assert_eq(dmesg_count("Mem-Info:"), 1);
	kmm_clock_advance(11ULL * 1000000000);
	/* meanwhile kswapd took back what it could (the clean page cache): that is used up too */
	while (held < (int)cap && (p = alloc_pages(GFP_NOWAIT | __GFP_NOWARN, 0)))
		list[held++] = p;
	cr_assert_null(alloc_pages(GFP_NOWAIT, 0));
	cr_assert_eq(dmesg_count("warn_alloc: 99 callbacks suppressed"), 1, "%s", kmm_dmesg());
	cr_assert_eq(dmesg_count("page allocation failure"), 2);
	while (held)
		__free_page(list[--held]);
	free(list);
	assert_nothing_lost();
}

/* ---- 4. a refused free changes nothing ----------------------------------------------- */

static void wrong_order_free_changes_nothing(const char *profile)
{
	boot_hostile(profile, 256ULL << 20);
	unsigned long bad = kmm_bad_pages();
	/* too small an order, then the right one */
	struct page *p = alloc_pages(GFP_KERNEL, 2);
	__free_pages(p, 0);
	cr_assert_eq(kmm_bad_pages(), bad + 1);
	cr_assert_not_null(strstr(kmm_dmesg(), "BUG: Bad page state"));
	cr_assert_not_null(strstr(kmm_dmesg(), "freed with order 0, allocated with order 2"));
	cr_assert_eq(page_ref_count(p), 1, "the refused free dropped the owner's reference");
	__free_pages(p, 2);
	cr_assert_eq(kmm_bad_pages(), bad + 1, "the correct free after a refused one was refused too");
	/* too large an order, through every free entry point */
	p = alloc_page(GFP_KERNEL);
	__free_pages(p, 3);
	free_pages((unsigned long)page_address(p), 1);
	cr_assert_eq(kmm_bad_pages(), bad + 3);
	cr_assert_eq(page_ref_count(p), 1);
	__free_page(p);
	unsigned long a = __get_free_pages(GFP_KERNEL, 3);
	free_pages(a, 2);
	cr_assert_eq(kmm_bad_pages(), bad + 4);
	free_pages(a, 3);
	/* a wrong order while someone else also holds a reference: refused too, the count stays */
	p = alloc_pages(GFP_KERNEL, 1);
	get_page(p);
	__free_pages(p, 0);
	cr_assert_eq(page_ref_count(p), 2);
	__free_pages(p, 1);
	__free_pages(p, 1);
	/* a page in a state no free may see (mapped): refused, still owned, freed once clean */
	p = alloc_page(GFP_KERNEL);
	p->_mapcount = 0;
	__free_page(p);
	cr_assert_eq(page_ref_count(p), 1);
	p->_mapcount = -1;
	__free_page(p);
	/* alloc_pages_exact / free_pages_exact round trip */
	void *x = alloc_pages_exact(5 * PAGE_SIZE + 1, GFP_KERNEL);
	cr_assert_not_null(x);
	free_pages_exact(x, 5 * PAGE_SIZE + 1);
	/* the page allocator's double free: refused, nothing changes */
	p = alloc_page(GFP_KERNEL);
	__free_page(p);
	unsigned long before = kmm_bad_pages();
	__free_page(p);
	cr_assert_eq(kmm_bad_pages(), before + 1);
	assert_nothing_lost();
}
TEST_ON_EVERY_PROFILE(hostile_mm, wrong_order_free_changes_nothing, wrong_order_free_changes_nothing)

/* ---- 7. out-of-order kunmap_local ------------------------------------------------------ */

static void kunmap_out_of_order(const char *profile)
{
	boot_hostile(profile, 1ULL << 30);
	struct page *a = alloc_page(GFP_HIGHUSER), *b = alloc_page(GFP_HIGHUSER);
	char *va = kmap_local_page(a), *vb = kmap_local_page(b);
	cr_assert_not_null(va);
	cr_assert_not_null(vb);
	unsigned long bugs = M->kmap_bugs;
	/* a before b: 6.1 warns once and pops the stack all the same; so does the second */
	kunmap_local(va);
	kunmap_local(vb);
	if (PageHighMem(a)) {
		cr_assert_eq(M->kmap_bugs, bugs + 2);
		cr_assert_eq(dmesg_count("at mm/highmem.c:610 kunmap_local"), 1, "%s", kmm_dmesg());
	}
	/* the stack is empty: one more unmap is refused, nothing changes */
	kunmap_atomic(va);
	char why[200];
	cr_assert_eq(kmap_in_use(why, sizeof(why)), 0, "%s", why);
	/* and the slots work again */
	char *vc = kmap_atomic(a);
	strcpy(vc, "again");
	kunmap_atomic(vc);
	__free_page(a);
	__free_page(b);
	assert_nothing_lost();
}
Test(hostile_mm, kunmap_out_of_order_i386) { kunmap_out_of_order("i386"); }
Test(hostile_mm, kunmap_out_of_order_pae) { kunmap_out_of_order("i386-pae"); }

/* ---- 8. refcount and free state agree --------------------------------------------------- */

static void expect_zone_verify_fails(struct page *page, const char *what)
{
	char why[256];
	cr_assert_neq(zone_verify(page_zone(page), why, sizeof(why)), 0, "zone_verify missed: %s", what);
	cr_assert_neq(kmm_verify(why, sizeof(why)), 0, "kmm_verify missed: %s", what);
}

static void refcount_and_free_state_agree(const char *profile)
{
	boot_hostile(profile, 256ULL << 20);
	char why[256];
	/* a free block on a buddy list with a refcount */
	struct page *p = alloc_pages(GFP_KERNEL, 3);
	__free_pages(p, 3); /* order 3: straight to the buddy lists */
	drain_all_pages(NULL);
	cr_assert(PageBuddy(p) || PageBuddy(compound_head(p)) || page_ref_count(p) == 0);
	struct zone *z = page_zone(p);
	struct page *head = NULL;
	for (unsigned o = 1; o < MAX_ORDER && !head; o++)
		for (int t = 0; t < MIGRATE_TYPES && !head; t++)
			if (!list_empty(&z->free_area[o].free_list[t]))
				head = list_first_entry(&z->free_area[o].free_list[t], struct page, lru);
	cr_assert_not_null(head);
	cr_assert_eq(zone_verify(z, why, sizeof(why)), 0, "%s", why);
	set_page_count(head, 1);
	expect_zone_verify_fails(head, "a free block's head with refcount 1");
	set_page_count(head, 0);
#if KMM_DEBUG >= 2
	/* a page inside a free block with a refcount: the expensive tier looks inside free blocks */
	set_page_count(head + 1, 2);
	expect_zone_verify_fails(head, "a page inside a free block with refcount 2");
	set_page_count(head + 1, 0);
#endif
	cr_assert_eq(zone_verify(z, why, sizeof(why)), 0, "%s", why);
	/* an allocated page whose refcount went to 0 without a free: lost */
	p = alloc_page(GFP_KERNEL);
	set_page_count(p, 0);
	expect_zone_verify_fails(p, "an allocated page with refcount 0");
	set_page_count(p, -1);
	expect_zone_verify_fails(p, "a negative refcount");
	set_page_count(p, 1);
	/* a page freed to a pcp list that still has a reference */
	struct page *q = alloc_page(GFP_KERNEL);
	__free_page(q);
	set_page_count(q, 1);
	expect_zone_verify_fails(q, "a page on a pcp list with refcount 1");
	set_page_count(q, 0);
	__free_page(p);
	/* a non-compound order-2 allocation is fine: only its first page has a refcount */
	p = alloc_pages(GFP_KERNEL, 2);
	cr_assert_eq(zone_verify(page_zone(p), why, sizeof(why)), 0, "%s", why);
	__free_pages(p, 2);
	assert_nothing_lost();
}
TEST_ON_EVERY_PROFILE(hostile_mm, refcount_and_free_state_agree, refcount_and_free_state_agree)

/* ---- 5. SLUB: double frees the fast path cannot see ---------------------------------------- */

/*
 * A cache whose CPU slab is full: its first slab's objects, all allocated.
 * What is freed then goes on the CPU freelist alone, so a double free
 * there loses nothing else and a flush can put everything right.
 */
static struct kmem_cache *full_cpu_slab(void ***objs, unsigned int *n)
{
	struct kmem_cache *c = kmem_cache_create("hostile_obj", 64, 0, 0, NULL);
	cr_assert_not_null(c);
	void *first = kmem_cache_alloc(c, GFP_KERNEL);
	struct page *slab = virt_to_slab(first);
	*n = slab->objects;
	*objs = calloc(*n, sizeof(void *));
	(*objs)[0] = first;
	for (unsigned int i = 1; i < *n; i++) {
		(*objs)[i] = kmem_cache_alloc(c, GFP_KERNEL);
		cr_assert_eq(virt_to_slab((*objs)[i]), slab);
	}
	return c;
}

static bool kasan_catches_double_free(void)
{
	return KMM_TRACK && track_on; /* the ASan build: kasan_slab_free() refuses the second free */
}

static void double_free_is_seen(const char *profile, int how)
{
	boot_hostile(profile, 256ULL << 20);
	void **o;
	unsigned int n;
	struct kmem_cache *c = full_cpu_slab(&o, &n);
	char why[256];
	cr_assert_eq(kmem_cache_verify(c, why, sizeof(why)), 0, "%s", why);
	unsigned long bugs = M->slab_bugs;
	/* a, b, a: the second free of a is not at the freelist's head, which is all SLUB checks */
	if (how == 0) {
		kmem_cache_free(c, o[1]);
		kmem_cache_free(c, o[2]);
		kmem_cache_free(c, o[1]);
	} else if (how == 1) {
		kfree(o[1]);
		kfree(o[2]);
		kfree(o[1]);
	} else {
		void *dup[3] = { o[1], o[2], o[1] };
		kmem_cache_free_bulk(c, 3, dup);
	}
	if (kasan_catches_double_free()) {
		cr_assert_not_null(strstr(kmm_dmesg(), "BUG: KASAN: double-free"));
	} else {
		/* no report at free time, as Linux without debugging; the validators see the cycle */
		cr_assert_eq(M->slab_bugs, bugs);
		cr_assert_neq(kmem_cache_verify(c, why, sizeof(why)), 0, "a freelist with a cycle passed");
		cr_assert_not_null(strstr(why, "free already"), "%s", why);
		cr_assert_neq(kmm_verify(why, sizeof(why)), 0);
		/* a flush follows the chain bounded, keeps each object once and reports the rest */
		kmem_cache_shrink(c);
		cr_assert_not_null(strstr(kmm_dmesg(), "Freechain corrupt"), "%s", kmm_dmesg());
		cr_assert_not_null(strstr(kmm_dmesg(), "FIX hostile_obj: Isolate corrupted freechain"));
	}
	cr_assert_eq(kmem_cache_verify(c, why, sizeof(why)), 0, "%s", why);
	for (unsigned int i = 0; i < n; i++)
		if (i != 1 && i != 2)
			kmem_cache_free(c, o[i]);
	free(o);
	kmem_cache_destroy(c);
	assert_nothing_lost();
}
static void double_kmem_cache_free(const char *profile) { double_free_is_seen(profile, 0); }
static void double_kfree(const char *profile) { double_free_is_seen(profile, 1); }
static void duplicate_in_free_bulk(const char *profile) { double_free_is_seen(profile, 2); }
TEST_ON_EVERY_PROFILE(hostile_mm, double_kmem_cache_free, double_kmem_cache_free)
TEST_ON_EVERY_PROFILE(hostile_mm, double_kfree, double_kfree)
TEST_ON_EVERY_PROFILE(hostile_mm, duplicate_in_free_bulk, duplicate_in_free_bulk)

/* Every kind of damage the validator can see in a CPU slab, and none of it hangs anything. */
Test(hostile_mm, kmem_cache_verify_sees_corrupt_freelists)
{
	boot_hostile("x86_64", 256ULL << 20);
	if (kasan_catches_double_free())
		return; /* the ASan build refuses the frees this test corrupts with */
	struct kmem_cache *c = kmem_cache_create("hostile_obj", 64, 0, 0, NULL);
	void *a = kmem_cache_alloc(c, GFP_KERNEL), *b = kmem_cache_alloc(c, GFP_KERNEL);
	struct kmem_cache_cpu *cpu = &c->cpu_slab[0];
	cr_assert_not_null(cpu->slab);
	char why[256];
	void *saved = cpu->freelist;
	/* a pointer off an object boundary */
	cpu->freelist = (char *)saved + 8;
	cr_assert_neq(kmem_cache_verify(c, why, sizeof(why)), 0);
	cr_assert_not_null(strstr(why, "is not an object"), "%s", why);
	/* a pointer into another page */
	cpu->freelist = page_address(alloc_page(GFP_KERNEL));
	cr_assert_neq(kmem_cache_verify(c, why, sizeof(why)), 0);
	__free_page(virt_to_page(cpu->freelist));
	/* the slab's count disagrees with its freelist */
	cpu->freelist = saved;
	cpu->slab->inuse--;
	cr_assert_neq(kmem_cache_verify(c, why, sizeof(why)), 0);
	cr_assert_not_null(strstr(why, "inuse"), "%s", why);
	cpu->slab->inuse++;
	cr_assert_eq(kmem_cache_verify(c, why, sizeof(why)), 0, "%s", why);
	kmem_cache_free(c, a);
	kmem_cache_free(c, b);
	kmem_cache_destroy(c);
	assert_nothing_lost();
}

/* ---- 6. a destroyed cache ------------------------------------------------------------------ */

static void destroyed_cache_is_refused(const char *profile)
{
	boot_hostile(profile, 256ULL << 20);
	struct kmem_cache *c = kmem_cache_create("hostile_gone", 100, 0, 0, NULL);
	void *o = kmem_cache_alloc(c, GFP_KERNEL);
	kmem_cache_free(c, o);
	unsigned long kaddr = c->kaddr;
	cr_assert_geq(kaddr, M->layout.page_offset, "the descriptor is an object in simulated memory");
	kmem_cache_destroy(c);
	unsigned long bugs = M->slab_bugs;
	/* each use is reported, naming the call and the descriptor's kernel address, and refused */
	kmem_cache_destroy(c);
	cr_assert_null(kmem_cache_alloc(c, GFP_KERNEL));
	cr_assert_null(kmem_cache_alloc_node(c, GFP_KERNEL, 0));
	kmem_cache_free(c, o);
	void *bulk[2] = { NULL, NULL };
	cr_assert_eq(kmem_cache_alloc_bulk(c, GFP_KERNEL, 2, bulk), 0);
	kmem_cache_free_bulk(c, 2, bulk);
	cr_assert_eq(kmem_cache_shrink(c), 0);
	cr_assert_eq(M->slab_bugs, bugs + 7);
	char line[128];
	snprintf(line, sizeof(line), "Read of size %d at addr %lx by task kmm/0", M->prof->bits / 8, kaddr);
	cr_assert_eq(dmesg_count(line), 7, "%s", kmm_dmesg());
	cr_assert_eq(dmesg_count("BUG: KASAN: use-after-free in kmem_cache_destroy\n"), 1);
	cr_assert_eq(dmesg_count("BUG: KASAN: use-after-free in kmem_cache_alloc\n"), 1);
	cr_assert_eq(dmesg_count("BUG: KASAN: use-after-free in kmem_cache_free\n"), 1);
	cr_assert_eq(dmesg_count("The object was the cache \"hostile_gone\""), 7);
	char why[128];
	cr_assert_neq(kmem_cache_verify(c, why, sizeof(why)), 0);
	/* the kernel's own caches are never destroyed */
	bugs = M->slab_bugs;
	kmem_cache_destroy(kmalloc_caches[KMALLOC_NORMAL][13]);
	kmem_cache_destroy(kmem_cache_cache);
	cr_assert_eq(M->slab_bugs, bugs + 2);
	void *k = kmalloc(8000, GFP_KERNEL);
	cr_assert_not_null(k, "kmalloc-8k still works");
	kfree(k);
	assert_nothing_lost();
}
TEST_ON_EVERY_PROFILE(hostile_mm, destroyed_cache_is_refused, destroyed_cache_is_refused)

/* Many destroys after it: the quarantine lets the oldest go, and nothing leaks. */
Test(hostile_mm, many_destroyed_caches)
{
	boot_hostile("x86_64", 256ULL << 20);
	for (int i = 0; i < 300; i++) {
		char name[32];
		snprintf(name, sizeof(name), "hostile_%d", i);
		struct kmem_cache *c = kmem_cache_create(name, 32 + (unsigned)i, 0, SLAB_STORE_USER, NULL);
		void *o = kmem_cache_alloc(c, GFP_KERNEL);
		kmem_cache_free(c, o);
		kmem_cache_destroy(c);
		kmem_cache_destroy(c); /* the latest is always reported */
	}
	cr_assert_eq(dmesg_count("BUG: KASAN: use-after-free in kmem_cache_destroy"), 300);
	assert_nothing_lost();
}

/* ---- 9. SLUB's reports and validate_slab_cache() -------------------------------------------- */

/* No host pointer, one "0x", no log level inside a line. */
static void assert_report_clean(const void *const *host, int n)
{
	const char *log = kmm_dmesg();
	cr_assert_null(strstr(log, "0x0x"), "%s", log);
	cr_assert_null(strstr(log, "<3>"), "%s", log);
	cr_assert_null(strstr(log, "<4>"), "%s", log);
	for (int i = 0; i < n; i++) {
		char hex[32];
		snprintf(hex, sizeof(hex), "%lx", (unsigned long)host[i]);
		cr_assert_null(strstr(log, hex), "host pointer %s in the log:\n%s", hex, log);
	}
}

static void slub_reports_are_the_kernels(const char *profile)
{
	boot_hostile_cmdline(profile, 256ULL << 20, "kasan=off"); /* it damages a red zone, which ASan guards */
	struct kmem_cache *c = kmem_cache_create("hostile_dbg", 40, 0, SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER, NULL);
	char *o = kmem_cache_alloc(c, GFP_KERNEL), *keep = kmem_cache_alloc(c, GFP_KERNEL);
	o[40] = 0x42; /* one byte into the red zone */
	kmem_cache_free(c, o);
	cr_assert_not_null(strstr(kmm_dmesg(), "BUG hostile_dbg (Not tainted): Redzone overwritten"), "%s", kmm_dmesg());
	cr_assert_not_null(strstr(kmm_dmesg(), "Object   "), "the hexdump");
	kmem_cache_free(c, o); /* the first free was refused (reported, repaired): this one frees */
	kmem_cache_free(c, o); /* a double free: "Object already free" with its trailer */
	cr_assert_not_null(strstr(kmm_dmesg(), "Object already free"));
	char slabline[64];
	snprintf(slabline, sizeof(slabline), "fp=0x%lx", kmm_host_to_kva(o));
	cr_assert_not_null(strstr(kmm_dmesg(), slabline), "the free pointer as a kernel address: %s", kmm_dmesg());
	const void *host[] = { o, keep, virt_to_page(o), c };
	assert_report_clean(host, 4);
	kmem_cache_free(c, keep);
	kmem_cache_destroy(c);
	assert_nothing_lost();
}
TEST_ON_EVERY_PROFILE(hostile_mm, slub_reports_are_the_kernels, slub_reports_are_the_kernels)

/* A page allocator report and a vmalloc report name no host pointer either. */
Test(hostile_mm, page_and_vmalloc_reports_name_kernel_addresses)
{
	boot_hostile("x86_64", 256ULL << 20);
	struct page *p = alloc_page(GFP_KERNEL);
	__free_pages(p, 2);
	void *k = kmalloc(100, GFP_KERNEL);
	char *v = vmalloc(PAGE_SIZE);
	vfree(v + 8);
	vfree(k);
	kfree((void *)0x1234);
	free_pages((unsigned long)v, 0); /* a vmalloc address is no direct-map one */
	cr_assert_not_null(strstr(kmm_dmesg(), "free_pages(0xffffc9"), "%s", kmm_dmesg());
	const void *host[] = { p, k, page_address(p), v };
	assert_report_clean(host, 4);
	char line[96];
	snprintf(line, sizeof(line), "Trying to vfree() nonexistent vm area (%lx)", kmm_host_to_kva(k));
	cr_assert_not_null(strstr(kmm_dmesg(), "Trying to vfree() nonexistent vm area (ffffc9"), "%s", kmm_dmesg());
	cr_assert_not_null(strstr(kmm_dmesg(), line), "%s", kmm_dmesg());
	kfree(k);
	vfree(v);
	__free_page(p);
	assert_nothing_lost();
}

static int errors_seen;
static void count_error(void *arg)
{
	(void)arg;
	errors_seen++;
}

static void validate_repairs(const char *profile)
{
	boot_hostile(profile, 256ULL << 20);
	struct kmem_cache *c = kmem_cache_create("hostile_val", 64, 0, 0, NULL);
	void *keep = kmem_cache_alloc(c, GFP_KERNEL), *o = kmem_cache_alloc(c, GFP_KERNEL);
	kmem_cache_free(c, o);
	cr_assert_eq(validate_slab_cache(c), 0, "a sound cache has no errors");
	/* the slab is on the node's partial list now; its count goes wrong */
	struct page *slab = virt_to_slab(keep);
	cr_assert(!slab->frozen);
	slab->inuse += 3;
	char why[256];
	cr_assert_neq(kmem_cache_verify(c, why, sizeof(why)), 0);
	cr_assert_eq(validate_slab_cache(c), 1);
	cr_assert_not_null(strstr(kmm_dmesg(), "BUG hostile_val (Not tainted): Wrong object count."), "%s", kmm_dmesg());
	cr_assert_not_null(strstr(kmm_dmesg(), "FIX hostile_val: Object count adjusted"));
	cr_assert_eq(kmem_cache_verify(c, why, sizeof(why)), 0, "repaired: %s", why);
	/* with the harness's hook: counted, not printed, repaired all the same */
	slab->inuse += 2;
	size_t len = strlen(kmm_dmesg());
	errors_seen = 0;
	kmm_slab_set_error_hook(count_error, NULL);
	validate_slab_cache(c);
	kmm_slab_set_error_hook(NULL, NULL);
	cr_assert_eq(errors_seen, 2, "the BUG and its FIX");
	cr_assert_eq(strlen(kmm_dmesg()), len, "%s", kmm_dmesg() + len);
	cr_assert_eq(kmem_cache_verify(c, why, sizeof(why)), 0, "%s", why);
	kmem_cache_free(c, keep);
	kmem_cache_destroy(c);
	cr_assert_eq(validate_slab_cache(c), -EINVAL, "a destroyed cache");
	assert_nothing_lost();
}
TEST_ON_EVERY_PROFILE(hostile_mm, validate_repairs, validate_repairs)

/* A double free into a CPU partial slab: validate's flush cuts the cycle, and the cache is whole again. */
Test(hostile_mm, validate_cuts_a_double_free_cycle)
{
	boot_hostile("i386", 256ULL << 20);
	if (kasan_catches_double_free())
		return;
	void **o;
	unsigned int n;
	struct kmem_cache *c = full_cpu_slab(&o, &n);
	kmem_cache_flush_all(c); /* the full slab leaves the CPU: on no list, as SLUB keeps full slabs */
	kmem_cache_free(c, o[1]); /* it turns partial: frozen onto this CPU's partial list */
	kmem_cache_free(c, o[2]);
	kmem_cache_free(c, o[1]);
	char why[256];
	cr_assert_neq(kmem_cache_verify(c, why, sizeof(why)), 0);
	cr_assert_not_null(strstr(why, "CPU 0's partial list"), "%s", why);
	cr_assert_geq(validate_slab_cache(c), 1);
	cr_assert_not_null(strstr(kmm_dmesg(), "Freechain corrupt"), "%s", kmm_dmesg());
	cr_assert_eq(kmem_cache_verify(c, why, sizeof(why)), 0, "%s", why);
	for (unsigned int i = 0; i < n; i++)
		if (i != 1 && i != 2)
			kmem_cache_free(c, o[i]);
	free(o);
	kmem_cache_destroy(c);
	assert_nothing_lost();
}

/* ---- and the other misuses a caller can make of these APIs ------------------------------------ */

static void other_misuse_refused(const char *profile)
{
	boot_hostile(profile, 256ULL << 20);
	unsigned long bad = kmm_bad_pages();
	/* a reference taken on a free page, a split of a compound page: reported and refused, not a stop */
	struct page *p = alloc_page(GFP_KERNEL);
	__free_page(p);
	get_page(p);
	cr_assert_eq(page_ref_count(p), 0);
	struct page *c = alloc_pages(GFP_KERNEL | __GFP_COMP, 2);
	split_page(c, 2);
	cr_assert(PageHead(c));
	p = alloc_pages(GFP_KERNEL, 2);
	split_page(p, 3);
	cr_assert_eq(page_ref_count(p + 1), 0, "a split of the wrong order changes nothing");
	cr_assert_eq(kmm_bad_pages(), bad + 3);
	__free_pages(p, 2);
	__free_pages(c, 2);
	/* nodes the machine does not have: any node, never s->node[] out of bounds */
	struct kmem_cache *kc = kmem_cache_create("hostile_node", 48, 0, 0, NULL);
	int nodes[] = { -5, -2, 1, 7, 1000, INT_MAX, INT_MIN };
	for (size_t i = 0; i < ARRAY_SIZE(nodes); i++) {
		void *a = kmalloc_node(64, GFP_KERNEL, nodes[i]);
		void *b = kmem_cache_alloc_node(kc, GFP_KERNEL, nodes[i]);
		void *l = kmalloc_node(64 << 10, GFP_KERNEL, nodes[i]);
		struct page *pg = alloc_pages_node(nodes[i], GFP_KERNEL, 0);
		void *v = vmalloc_node(3 * PAGE_SIZE, nodes[i]);
		cr_assert(a && b && l && pg && v, "node %d", nodes[i]);
		kfree(a);
		kmem_cache_free(kc, b);
		kfree(l);
		__free_page(pg);
		vfree(v);
	}
	kmem_cache_destroy(kc);
	/* no cache at all: the kernel's NULL pointer oops, reported; nothing allocated */
	unsigned long bugs = M->slab_bugs;
	void *none[1];
	cr_assert_null(kmem_cache_alloc(NULL, GFP_KERNEL));
	cr_assert_null(kmem_cache_alloc_node(NULL, GFP_KERNEL, 0));
	cr_assert_eq(kmem_cache_alloc_bulk(NULL, GFP_KERNEL, 1, none), 0);
	cr_assert_eq(M->slab_bugs, bugs + 3);
	cr_assert_eq(dmesg_count("BUG: kernel NULL pointer dereference"), 3);
	/* vmap of no pages, a NULL page or one that is no page of the machine: WARN, NULL, no area */
	struct page *pages[3] = { alloc_page(GFP_KERNEL), NULL, NULL };
	cr_assert_null(vmap(NULL, 1, VM_MAP, __PAGE_KERNEL));
	cr_assert_null(vmap(pages, 2, VM_MAP, __PAGE_KERNEL));
	pages[1] = mem_map + max_mapnr + 5;
	cr_assert_null(vmap(pages, 2, VM_MAP, __PAGE_KERNEL));
	cr_assert_eq(dmesg_count("at mm/vmalloc.c:545 vmap_pages_pte_range"), 2);
	cr_assert_eq(vmap_areas_in_use(), 0);
	__free_page(pages[0]);
	assert_nothing_lost();
}
TEST_ON_EVERY_PROFILE(hostile_mm, other_misuse_refused, other_misuse_refused)

/* ---- found by fuzz-api ------------------------------------------------------------------- */

/*
 * __GFP_MOVABLE with __GFP_RECLAIMABLE names no migrate type: the request is
 * refused with the warning, where it used to index the fallback table past
 * its three rows.
 */
static void movable_and_reclaimable_refused(const char *profile)
{
	boot_hostile(profile, 256ULL << 20);
	gfp_t both = GFP_KERNEL | __GFP_MOVABLE | __GFP_RECLAIMABLE;
	cr_assert_eq(gfp_migratetype(both), -EINVAL);
	cr_assert_eq(gfp_migratetype(GFP_KERNEL | __GFP_MOVABLE), MIGRATE_MOVABLE);
	cr_assert_null(alloc_pages(both, 0));
	cr_assert_null(alloc_pages(both | __GFP_NOWARN, 3));
	cr_assert_eq(dmesg_count("WARNING: CPU: "), 1, "one warning, once per boot:\n%s", kmm_dmesg());
	assert_nothing_lost();
}
TEST_ON_EVERY_PROFILE(hostile_mm, movable_and_reclaimable_refused, movable_and_reclaimable_refused)

/* A vmap() whose flags say VM_ALLOC, then vfree(): the area goes, the pages stay the caller's. */
static void vfree_of_a_vmap_with_vm_alloc(const char *profile)
{
	boot_hostile(profile, 256ULL << 20);
	struct page *pages[2] = { alloc_page(GFP_KERNEL), alloc_page(GFP_HIGHUSER) };
	cr_assert(pages[0] && pages[1]);
	char *v = vmap(pages, 2, VM_MAP | VM_ALLOC, __PAGE_KERNEL);
	cr_assert_not_null(v);
	v[PAGE_SIZE] = 7;
	vfree(v);
	cr_assert_eq(page_ref_count(pages[0]), 1);
	cr_assert_eq(page_ref_count(pages[1]), 1);
	char *k = kmap(pages[1]);
	cr_assert_eq(k[0], 7, "the page keeps what was written through the area");
	kunmap(pages[1]);
	__free_page(pages[0]);
	__free_page(pages[1]);
	vm_unmap_aliases();
	assert_nothing_lost();
}
TEST_ON_EVERY_PROFILE(hostile_mm, vfree_of_a_vmap_with_vm_alloc, vfree_of_a_vmap_with_vm_alloc)

/* SLAB_KMALLOC is slab_common's own flag: a caller's cache with it is -EINVAL, as SLAB_FLAGS_PERMITTED says. */
static void slab_kmalloc_from_a_caller_refused(const char *profile)
{
	boot_hostile(profile, 256ULL << 20);
	cr_assert_null(kmem_cache_create("x", 100, 0, SLAB_KMALLOC, NULL));
	cr_assert_geq(dmesg_count("kmem_cache_create(x) failed with error -22"), 1);
	assert_nothing_lost();
}
TEST_ON_EVERY_PROFILE(hostile_mm, slab_kmalloc_from_a_caller_refused, slab_kmalloc_from_a_caller_refused)
