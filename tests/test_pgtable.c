/*
 * test_pgtable.c - the kernel page tables: the direct map built at boot
 * walks back to the physical address of every lowmem page, large pages
 * where whole aligned blocks are RAM, and mappings made after boot take
 * their table pages from the buddy allocator and give them back.
 */
#include "kmm_test.h"

#include <kmm/pgtable.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(pgtable, .fini = fini, .timeout = 60);

static void boot(const char *profile, u64 mem)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = mem;
	boot_or_fail(&p);
	deferred_init_wait();
}

/* Every direct-mapped page walks back to its own physical address. */
static void check_direct_map(void)
{
	unsigned long end = M->prof->bits == 64 ? M->max_pfn : M->max_low_pfn, mapped = 0;
	for (unsigned long pfn = 0; pfn < end; pfn += 7) {
		unsigned long va = M->layout.page_offset + (pfn << PAGE_SHIFT) + 0x123;
		phys_addr_t pa;
		bool ram = memblock_is_memory(PFN_PHYS(pfn));
		bool ok = kernel_va_to_phys(va, &pa);
		if (!ram)
			continue;
		cr_assert(ok, "%s: pfn %#lx (RAM) is not in the direct map", M->prof->name, pfn);
		cr_assert_eq(pa, PFN_PHYS(pfn) + 0x123, "%s: va %#lx walks to %#llx", M->prof->name, va,
			     (unsigned long long)pa);
		mapped++;
	}
	cr_assert_gt(mapped, 1000);
	/* large pages cover all but the first block and the edges */
	cr_assert_gt(M->direct_map_large, M->direct_map_4k * 10);
	unsigned int level;
	lookup_address(M->layout.page_offset + (64UL << 20), &level);
	cr_assert_eq(level, PG_LEVEL_2M, "64 MiB into lowmem is a large page");
	lookup_address(M->layout.page_offset + 0x5000, &level);
	cr_assert_eq(level, PG_LEVEL_4K, "the first block uses 4 KiB pages");
}

Test(pgtable, direct_map_i386) { boot("i386", 2ULL << 30); check_direct_map(); }
Test(pgtable, direct_map_pae) { boot("i386-pae", 2ULL << 30); check_direct_map(); }
Test(pgtable, direct_map_x86_64) { boot("x86_64", 6ULL << 30); check_direct_map(); }

static void check_map_unmap(void)
{
	drain_all_pages(NULL);
	unsigned long before = nr_free_pages();
	unsigned long va = M->layout.vmalloc_start + (8UL << 20);
	struct page *pages = alloc_pages(GFP_KERNEL, 2);
	unsigned long pfn = page_to_pfn(pages);
	cr_assert_eq(kernel_map_pages(va, pfn, 4, __PAGE_KERNEL), 0);
	for (int i = 0; i < 4; i++) {
		phys_addr_t pa;
		unsigned int level;
		cr_assert(kernel_va_to_phys(va + (unsigned long)i * PAGE_SIZE + 8, &pa));
		cr_assert_eq(pa, PFN_PHYS(pfn + (unsigned long)i) + 8);
		pteval_t e = lookup_address(va + (unsigned long)i * PAGE_SIZE, &level);
		cr_assert_eq(level, PG_LEVEL_4K);
		cr_assert(e & _PAGE_RW);
		cr_assert_eq(!!(e & _PAGE_NX), M->prof->pae || M->prof->bits == 64, "NX only where the format has it");
	}
	phys_addr_t pa;
	cr_assert(!kernel_va_to_phys(va + 4 * PAGE_SIZE, &pa), "the page after is not mapped");
	kernel_unmap_pages(va, 4);
	for (int i = 0; i < 4; i++)
		cr_assert(!kernel_va_to_phys(va + (unsigned long)i * PAGE_SIZE, &pa));
	__free_pages(pages, 2);
	/* the table pages the mapping needed went back too */
	drain_all_pages(NULL);
	cr_assert_eq(nr_free_pages(), before, "%ld pages lost", (long)before - (long)nr_free_pages());
	assert_machine_sane();
}

Test(pgtable, map_unmap_i386) { boot("i386", 1ULL << 30); check_map_unmap(); }
Test(pgtable, map_unmap_pae) { boot("i386-pae", 1ULL << 30); check_map_unmap(); }
Test(pgtable, map_unmap_x86_64) { boot("x86_64", 1ULL << 30); check_map_unmap(); }

/* ---- the host mirror ------------------------------------------------------------ */

static unsigned long mirror_va;

static void touch_va(void *arg)
{
	volatile char *p = kmm_kva_to_host(mirror_va);
	p[0] = *(const char *)arg; /* a store through the window */
}

static void check_aliasing(const char *profile)
{
	boot(profile, 1ULL << 30);
	drain_all_pages(NULL);
	unsigned long before = nr_free_pages();
	/* a lowmem page and a highmem (or any) page, both mapped into the vmalloc area */
	struct page *low = alloc_pages(GFP_KERNEL, 0);
	struct page *any = alloc_pages(GFP_HIGHUSER, 0);
	mirror_va = M->layout.vmalloc_start + (4UL << 20);
	cr_assert_eq(kernel_map_pages(mirror_va, page_to_pfn(low), 1, __PAGE_KERNEL), 0);
	cr_assert_eq(kernel_map_pages(mirror_va + PAGE_SIZE, page_to_pfn(any), 1, __PAGE_KERNEL), 0);
	char *alias = kmm_kva_to_host(mirror_va);
	cr_assert_not_null(alias);
	cr_assert_eq(kmm_host_to_kva(alias + 5), mirror_va + 5);
	/* written through the window, read through the direct map: the same bytes */
	strcpy(alias, "written via vmalloc alias");
	cr_assert_str_eq((char *)page_address(low), "written via vmalloc alias");
	strcpy((char *)page_address(low) + 100, "and back");
	cr_assert_str_eq(alias + 100, "and back");
	/* a highmem page has no direct map, but the window reaches it */
	strcpy(alias + PAGE_SIZE, "highmem bytes");
	cr_assert_str_eq(alias + PAGE_SIZE, "highmem bytes");
	/* the guard page after them faults: an oops, and the access fails */
	unsigned long oopses = M->oopses;
	mirror_va += 2 * PAGE_SIZE;
	cr_assert_eq(kmm_try(touch_va, "x"), -EFAULT);
	cr_assert_eq(M->oopses, oopses + 1);
	cr_assert_not_null(strstr(kmm_dmesg(), "BUG: unable to handle page fault for address: "));
	cr_assert_not_null(strstr(kmm_dmesg(), "#PF: supervisor write access in kernel mode"));
	cr_assert_not_null(strstr(kmm_dmesg(), "not-present page"));
	/* after unmapping, the old alias faults too: the mirror is no stale cache */
	mirror_va -= 2 * PAGE_SIZE;
	kernel_unmap_pages(mirror_va, 2);
	cr_assert_eq(kmm_try(touch_va, "y"), -EFAULT);
	cr_assert_str_eq((char *)page_address(low), "written via vmalloc alias", "the failed store changed nothing");
	__free_pages(low, 0);
	__free_pages(any, 0);
	drain_all_pages(NULL);
	cr_assert_eq(nr_free_pages(), before);
	assert_machine_sane();
}

TEST_ON_EVERY_PROFILE(pgtable, window_aliasing, check_aliasing)
