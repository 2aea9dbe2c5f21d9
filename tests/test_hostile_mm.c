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

static struct kmm_usage at_boot;

static void boot_hostile(const char *profile, unsigned long long mem)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = mem;
	p.nr_cpus = 1;
	boot_or_fail(&p);
	kmm_usage_settle(&at_boot);
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
	/* a page inside a free block with a refcount */
	set_page_count(head + 1, 2);
	expect_zone_verify_fails(head, "a page inside a free block with refcount 2");
	set_page_count(head + 1, 0);
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

