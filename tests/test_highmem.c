/*
 * test_highmem.c - kmap and kmap_local/kmap_atomic: HighMem pages get a
 * PKMAP or FIXMAP address that reaches their own bytes, entries are reused
 * and flushed as Linux does, a full PKMAP area makes kmap() wait for a
 * kunmap() on another CPU, the per-CPU slots nest as a stack, and every
 * misuse is reported without changing anything.
 */
#include "kmm_test.h"
#include "sim/ram.h"

#include <kmm/highmem.h>
#include <kmm/vmalloc.h>
#include <pthread.h>
#include <unistd.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(highmem, .fini = fini, .timeout = 60);

static unsigned long boot(const char *profile, int cpus)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 2ULL << 30;
	p.nr_cpus = cpus;
	boot_or_fail(&p);
	deferred_init_wait();
	kmm_slab_shrink_all();
	drain_all_pages(NULL);
	return nr_free_pages();
}

static void assert_all_back(unsigned long before)
{
	kmap_flush_unused();
	kmm_slab_shrink_all(); /* vmap's vm_struct came from kmalloc */
	drain_all_pages(NULL);
	cr_assert_eq(nr_free_pages(), before);
	assert_machine_sane();
}

static bool in_pkmap(const void *p)
{
	unsigned long kva = kmm_host_to_kva(p);
	return kva >= M->layout.pkmap_base && kva < M->layout.pkmap_base + ((unsigned long)M->prof->last_pkmap << PAGE_SHIFT);
}

static void check_kmap(const char *profile)
{
	unsigned long before = boot(profile, 1);
	struct page *low = alloc_pages(GFP_KERNEL, 0), *high = alloc_pages(GFP_HIGHUSER, 0);
	cr_assert(PageHighMem(high) && !PageHighMem(low));
	/* lowmem: the direct-map address, no entry taken */
	cr_assert_eq(kmap(low), page_address(low));
	kunmap(low);
	/* highmem: no address until kmapped */
	cr_assert_null(page_address(high));
	char *v = kmap(high);
	cr_assert(in_pkmap(v), "%p is in the PKMAP area", (void *)v);
	cr_assert_eq(page_address(high), v);
	strcpy(v, "through kmap");
	cr_assert_str_eq((char *)ram_host(page_to_phys(high)), "through kmap");
	/* a second kmap of the same page shares the entry */
	cr_assert_eq(kmap(high), v);
	kunmap(high);
	kunmap(high);
	/* unheld, but still mapped until the next flush: kmap reuses it */
	cr_assert_eq(page_address(high), v);
	cr_assert_eq(kmap(high), v);
	kunmap(high);
	unsigned long flushes = M->tlb_flushes;
	kmap_flush_unused();
	cr_assert_eq(M->tlb_flushes, flushes + 1, "one flush for all unheld entries");
	cr_assert_null(page_address(high));
	__free_pages(low, 0);
	__free_pages(high, 0);
	assert_all_back(before);
}

Test(highmem, kmap_i386) { check_kmap("i386"); }
Test(highmem, kmap_pae) { check_kmap("i386-pae"); }

Test(highmem, kmap_on_x86_64_is_the_direct_map)
{
	unsigned long before = boot("x86_64", 1);
	struct page *pg = alloc_pages(GFP_HIGHUSER, 0);
	cr_assert(!PageHighMem(pg));
	cr_assert_eq(kmap(pg), page_address(pg));
	cr_assert_eq(kmap_local_page(pg), page_address(pg));
	kunmap_local(page_address(pg));
	kunmap(pg);
	__free_pages(pg, 0);
	assert_all_back(before);
}

/* Mapping more pages than entries wraps: the unheld ones are flushed together, once. */
Test(highmem, pkmap_wraps_with_one_flush)
{
	unsigned long before = boot("i386", 1);
	int n = M->prof->last_pkmap + 8;
	struct page **pages = calloc((size_t)n, sizeof(*pages));
	void *first = NULL;
	unsigned long flushes = M->tlb_flushes;
	for (int i = 0; i < n; i++) {
		pages[i] = alloc_pages(GFP_HIGHUSER, 0);
		cr_assert(PageHighMem(pages[i]));
		char *v = kmap(pages[i]);
		cr_assert_not_null(v);
		if (!i)
			first = v;
		v[0] = (char)i;
		kunmap(pages[i]);
	}
	cr_assert_eq(M->tlb_flushes, flushes + 1, "entries are reused only after one global flush");
	cr_assert_null(page_address(pages[0]), "flushed at the wrap");
	cr_assert_not_null(page_address(pages[n - 1]));
	(void)first;
	for (int i = 0; i < n; i++) {
		cr_assert_eq(*(char *)kmap(pages[i]), (char)i);
		kunmap(pages[i]);
		__free_pages(pages[i], 0);
	}
	free(pages);
	assert_all_back(before);
}

static struct page *waiter_page;
static void *waiter_addr;
static volatile int waiter_state;

static void *waiter(void *arg)
{
	kmm_cpu_enter(1);
	waiter_state = 1;
	waiter_addr = kmap(waiter_page); /* every entry is held: this sleeps */
	waiter_state = 2;
	kmm_cpu_exit();
	return NULL;
}

/* A full PKMAP area: kmap() on another CPU blocks until kunmap() frees an entry. */
Test(highmem, full_pkmap_blocks_until_kunmap)
{
	unsigned long before = boot("i386-pae", 2);
	int n = M->prof->last_pkmap;
	struct page **pages = calloc((size_t)n, sizeof(*pages));
	for (int i = 0; i < n; i++) {
		pages[i] = alloc_pages(GFP_HIGHUSER, 0);
		cr_assert_not_null(kmap(pages[i]));
	}
	waiter_page = alloc_pages(GFP_HIGHUSER, 0);
	waiter_state = 0;
	pthread_t t;
	pthread_create(&t, NULL, waiter, NULL);
	while (waiter_state < 1)
		usleep(1000);
	usleep(50000);
	cr_assert_eq(waiter_state, 1, "kmap() waits while every entry is held");
	kunmap(pages[7]);
	pthread_join(t, NULL);
	cr_assert_eq(waiter_state, 2);
	cr_assert(in_pkmap(waiter_addr));
	cr_assert_eq(page_address(waiter_page), waiter_addr);
	cr_assert_null(page_address(pages[7]), "its entry was flushed and reused");
	kunmap(waiter_page);
	for (int i = 0; i < n; i++) {
		if (i != 7)
			kunmap(pages[i]);
		__free_pages(pages[i], 0);
	}
	__free_pages(waiter_page, 0);
	free(pages);
	assert_all_back(before);
}

/* With no other CPU to kunmap, a full area is a kmap leak: reported, not a hang. */
Test(highmem, full_pkmap_on_one_cpu_is_reported)
{
	unsigned long before = boot("i386-pae", 1);
	int n = M->prof->last_pkmap;
	struct page **pages = calloc((size_t)n + 1, sizeof(*pages));
	for (int i = 0; i <= n; i++)
		pages[i] = alloc_pages(GFP_HIGHUSER, 0);
	for (int i = 0; i < n; i++)
		cr_assert_not_null(kmap(pages[i]));
	unsigned long bugs = M->kmap_bugs;
	cr_assert_null(kmap(pages[n]));
	cr_assert_eq(M->kmap_bugs, bugs + 1);
	cr_assert_not_null(strstr(kmm_dmesg(), "PKMAP entries are held"));
	char why[200];
	cr_assert_neq(kmap_in_use(why, sizeof(why)), 0, "held entries are found");
	/* held entries are no inconsistency: the validators pass while a kernel holds kmaps */
	cr_assert_eq(kmap_verify(why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
	for (int i = 0; i <= n; i++) {
		if (i < n)
			kunmap(pages[i]);
		__free_pages(pages[i], 0);
	}
	free(pages);
	assert_all_back(before);
}

Test(highmem, kmap_local_nests_as_a_stack)
{
	unsigned long before = boot("i386", 1);
	struct page *pg[KM_MAX_IDX + 1];
	char *v[KM_MAX_IDX + 1];
	for (int i = 0; i <= KM_MAX_IDX; i++)
		pg[i] = alloc_pages(GFP_HIGHUSER, 0);
	for (int i = 0; i < KM_MAX_IDX; i++) {
		v[i] = kmap_atomic(pg[i]);
		cr_assert_not_null(v[i]);
		cr_assert(!in_pkmap(v[i]));
		cr_assert_geq(kmm_host_to_kva(v[i]), M->layout.fixaddr_start, "a FIXMAP slot");
		if (i)
			cr_assert_eq(kmm_host_to_kva(v[i]), kmm_host_to_kva(v[i - 1]) - PAGE_SIZE, "the next slot down");
		snprintf(v[i], 16, "slot %d", i);
	}
	/* one more than KM_MAX_IDX: the kernel's BUG, nothing mapped */
	unsigned long global = M->tlb_flushes, local = M->tlb_flushes_local;
	unsigned long bugs = M->kmap_bugs;
	cr_assert_null(kmap_atomic(pg[KM_MAX_IDX]));
	cr_assert_eq(M->kmap_bugs, bugs + 1);
	cr_assert_not_null(strstr(kmm_dmesg(), "more than KM_MAX_IDX"));
	/* out of order: reported, and the top slot is popped anyway, as 6.1's kunmap_local_indexed() */
	kunmap_atomic(v[3]);
	cr_assert_eq(M->kmap_bugs, bugs + 2);
	cr_assert_str_eq(v[3], "slot 3", "still mapped");
	cr_assert_eq(vmalloc_to_pfn(v[KM_MAX_IDX - 1]), 0, "the top slot's entry went");
	for (int i = KM_MAX_IDX - 2; i >= 0; i--) {
		char want[16];
		snprintf(want, sizeof(want), "slot %d", i);
		cr_assert_str_eq((char *)ram_host(page_to_phys(pg[i])), want);
		kunmap_atomic(v[i]);
	}
	cr_assert_eq(M->kmap_bugs, bugs + 2);
	cr_assert_eq(M->tlb_flushes, global, "kunmap_atomic flushes no other CPU");
	cr_assert_eq(M->tlb_flushes_local, local + KM_MAX_IDX, "one local flush per slot");
	for (int i = 0; i <= KM_MAX_IDX; i++)
		__free_pages(pg[i], 0);
	assert_all_back(before);
}

/* Write through kmap, read through a vmalloc alias and the direct map. */
Test(highmem, aliases_agree)
{
	unsigned long before = boot("i386", 1);
	struct page *pages[2] = { alloc_pages(GFP_HIGHUSER, 0), alloc_pages(GFP_KERNEL, 0) };
	char *alias = vmap(pages, 2, VM_MAP, __PAGE_KERNEL);
	char *k = kmap(pages[0]);
	strcpy(k, "kmap wrote this");
	cr_assert_str_eq(alias, "kmap wrote this");
	char *a = kmap_atomic(pages[0]);
	cr_assert_str_eq(a, "kmap wrote this");
	strcpy(a + 100, "atomic too");
	kunmap_atomic(a);
	cr_assert_str_eq(k + 100, "atomic too");
	char *l = kmap_local_page(pages[1]);
	cr_assert_eq(l, page_address(pages[1]), "lowmem takes no slot");
	strcpy(l, "lowmem");
	cr_assert_str_eq(alias + PAGE_SIZE, "lowmem");
	kunmap_local(l);
	kunmap(pages[0]);
	vunmap(alias);
	__free_pages(pages[0], 0);
	__free_pages(pages[1], 0);
	vm_unmap_aliases();
	assert_all_back(before);
}

Test(highmem, misuse_is_reported_and_harmless)
{
	unsigned long before = boot("i386", 1);
	struct page *high = alloc_pages(GFP_HIGHUSER, 0);
	unsigned long bugs = M->kmap_bugs;
	kunmap(high); /* never kmapped */
	cr_assert_eq(M->kmap_bugs, bugs + 1);
	cr_assert_not_null(strstr(kmm_dmesg(), "is not kmapped"));
	cr_assert_null(kmap(NULL));
	cr_assert_eq(M->kmap_bugs, bugs + 2);
	char *v = kmap(high);
	kunmap(high);
	kunmap(high); /* one kunmap too many */
	cr_assert_eq(M->kmap_bugs, bugs + 3);
	cr_assert_eq(page_address(high), v, "the entry is intact");
	int x;
	kunmap_local(&x); /* not a kmap address */
	cr_assert_eq(M->kmap_bugs, bugs + 4);
	__free_pages(high, 0);
	assert_all_back(before);
}

Test(highmem, legacy_km_type_slots)
{
	unsigned long before = boot("i386", 1);
	struct page *a = alloc_pages(GFP_HIGHUSER, 0), *b = alloc_pages(GFP_HIGHUSER, 0);
	char *u0 = kmap_atomic_type(a, KM_USER0), *u1 = kmap_atomic_type(b, KM_USER1);
	cr_assert(u0 && u1 && u0 != u1);
	strcpy(u0, "user0");
	strcpy(u1, "user1");
	cr_assert_str_eq((char *)ram_host(page_to_phys(a)), "user0");
	unsigned long bugs = M->kmap_bugs;
	cr_assert_null(kmap_atomic_type(b, KM_USER0), "a slot holds one mapping");
	cr_assert_eq(M->kmap_bugs, bugs + 1);
	/* unmapped in any order: each slot is its own */
	kunmap_atomic_type(u0, KM_USER0);
	kunmap_atomic_type(u1, KM_USER1);
	cr_assert_eq(M->kmap_bugs, bugs + 1);
	__free_pages(a, 0);
	__free_pages(b, 0);
	assert_all_back(before);
}

/* The kernel's windows sit as Linux lays them out, in the order 6.1 puts them. */
static void check_layout(const char *profile, const char *cmdline)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.cmdline = cmdline;
	boot_or_fail(&p);
	const struct kmm_layout *l = &M->layout;
	unsigned long high_memory = l->page_offset + (M->max_low_pfn << PAGE_SHIFT);
	unsigned long off8m = 8UL << 20; /* VMALLOC_OFFSET */
	cr_assert_eq(l->vmalloc_start, high_memory + off8m, "VMALLOC_START = high_memory + VMALLOC_OFFSET");
	cr_assert_eq(l->vmalloc_end, l->pkmap_base - 2 * PAGE_SIZE, "VMALLOC_END");
	cr_assert_leq(l->pkmap_base + ((unsigned long)M->prof->last_pkmap << PAGE_SHIFT), l->fixaddr_tot_start);
	/* the kmap slots are inside the fixmap */
	unsigned long slot0 = fix_to_virt(l->fix_kmap_begin);
	cr_assert(slot0 >= l->fixaddr_start && slot0 < l->fixaddr_top);
	cr_assert_geq(fix_to_virt(l->fix_kmap_begin + KM_MAX_IDX * (unsigned long)M->prof->nr_cpus_config - 1),
		      l->fixaddr_start);
	char *text = kmm_proc_read("kmm/layout");
	char want[96];
	snprintf(want, sizeof(want), "    vmalloc : 0x%08lx - 0x%08lx", l->vmalloc_start, l->vmalloc_end);
	cr_assert_not_null(strstr(text, want), "%s", text);
	free(text);
	long total = -1;
	text = kmm_proc_read("meminfo");
	const char *at = strstr(text, "VmallocTotal:");
	if (at)
		total = strtol(at + 13, NULL, 10);
	free(text);
	cr_assert_eq((unsigned long)total, (l->vmalloc_end - l->vmalloc_start) >> 10);
}

Test(highmem, layout_i386) { check_layout("i386", NULL); }
Test(highmem, layout_pae_vmalloc_param) { check_layout("i386-pae", "vmalloc=300M"); }
