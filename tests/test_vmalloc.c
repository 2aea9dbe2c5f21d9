/*
 * test_vmalloc.c - vmalloc, vfree, vmap, kvmalloc and ioremap: the returned
 * pointers are the pages' own bytes, the guard page faults, bad frees are
 * reported in Linux's words and change nothing, freed areas are reused
 * after a purge, every page and area comes back, and ioremap reaches the
 * simulated device's BAR with the cache mode asked for.
 */
#include "kmm_test.h"
#include "sim/ram.h"

#include <kmm/highmem.h>
#include <kmm/io.h>
#include <kmm/slab.h>
#include <kmm/vmalloc.h>
#include <pthread.h>
#include <regex.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(vmalloc, .fini = fini, .timeout = 60);

static unsigned long boot(const char *profile, u64 mem)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = mem;
	boot_or_fail(&p);
	deferred_init_wait();
	kmm_slab_shrink_all();
	drain_all_pages(NULL);
	return nr_free_pages();
}

/* Everything freed is back: areas purged, pages off the per-CPU lists. */
static void assert_all_back(unsigned long free_before)
{
	vm_unmap_aliases();
	kmm_slab_shrink_all(); /* the vm_structs' slab pages too */
	drain_all_pages(NULL);
	cr_assert_eq(nr_free_pages(), free_before, "free pages %lu, before %lu", nr_free_pages(), free_before);
	assert_machine_sane();
}

static long meminfo_kb(const char *field)
{
	char *text = kmm_proc_read("meminfo");
	cr_assert_not_null(text);
	const char *at = strstr(text, field);
	long kb = at ? strtol(at + strlen(field) + 1, NULL, 10) : -1;
	free(text);
	return kb;
}

static void check_roundtrip(const char *profile)
{
	unsigned long before = boot(profile, 2ULL << 30);
	unsigned long size = 5 * PAGE_SIZE + 100;
	unsigned char *p = vmalloc(size);
	cr_assert_not_null(p);
	cr_assert(is_vmalloc_addr(p));
	cr_assert_eq(kmm_host_to_kva(p) & ~PAGE_MASK, 0, "page aligned");
	cr_assert_geq(kmm_host_to_kva(p), M->layout.vmalloc_start);
	for (unsigned long i = 0; i < size; i++)
		p[i] = (unsigned char)(i * 7 + 3);
	unsigned long high = 0;
	for (unsigned long pg = 0; pg < 6; pg++) {
		struct page *page = vmalloc_to_page(p + pg * PAGE_SIZE + 17);
		cr_assert_not_null(page);
		high += PageHighMem(page);
		/* the page's own bytes, reached by its physical address */
		const unsigned char *own = ram_host(page_to_phys(page));
		for (unsigned long off = 0; off < PAGE_SIZE && pg * PAGE_SIZE + off < size; off += 97)
			cr_assert_eq(own[off], (unsigned char)((pg * PAGE_SIZE + off) * 7 + 3), "page %lu offset %lu", pg,
				     off);
	}
	if (M->totalhigh_pages)
		cr_assert_eq(high, 6, "vmalloc takes highmem pages first where there is highmem");
	cr_assert_eq(vmalloc_used_pages(), 6);
	cr_assert_eq(meminfo_kb("VmallocUsed:"), 24);
	cr_assert_eq(vmap_areas_in_use(), 1);
	vfree(p);
	cr_assert_eq(meminfo_kb("VmallocUsed:"), 0);
	cr_assert_null(vmalloc_to_page(p), "the PTEs go at vfree time");
	assert_all_back(before);
}

TEST_ON_EVERY_PROFILE(vmalloc, roundtrip, check_roundtrip)

static char *guard_target;

static void touch(void *arg)
{
	volatile char *c = guard_target;
	*c = *(const char *)arg;
}

Test(vmalloc, guard_page_faults)
{
	unsigned long before = boot("i386", 1ULL << 30);
	char *a = vmalloc(2 * PAGE_SIZE), *b = vmalloc(PAGE_SIZE);
	cr_assert(a && b);
	cr_assert_eq(kmm_host_to_kva(b), kmm_host_to_kva(a) + 3 * PAGE_SIZE, "areas are packed, one guard page apart");
	unsigned long oopses = M->oopses;
	guard_target = a + 2 * PAGE_SIZE; /* the guard page */
	cr_assert_eq(kmm_try(touch, "x"), -EFAULT);
	cr_assert_eq(M->oopses, oopses + 1);
	cr_assert_not_null(strstr(kmm_dmesg(), "#PF: supervisor write access in kernel mode"));
	/* after vfree the area faults too: nothing stale stays mapped */
	vfree(a);
	guard_target = a;
	cr_assert_eq(kmm_try(touch, "y"), -EFAULT);
	b[0] = 1; /* its neighbour is untouched */
	vfree(b);
	assert_all_back(before);
}

Test(vmalloc, bad_free_is_reported_and_harmless)
{
	unsigned long before = boot("i386", 1ULL << 30);
	char *p = vmalloc(3 * PAGE_SIZE);
	cr_assert_not_null(p);
	unsigned long bugs = M->vmalloc_bugs;
	vfree(p + PAGE_SIZE); /* not the start of an area */
	cr_assert_eq(M->vmalloc_bugs, bugs + 1);
	cr_assert_not_null(strstr(kmm_dmesg(), "Trying to vfree() nonexistent vm area"));
	cr_assert_eq(vmalloc_used_pages(), 3, "the area is still whole");
	p[3 * PAGE_SIZE - 1] = 'z';
	vfree(p);
	vfree(p); /* double free */
	cr_assert_eq(M->vmalloc_bugs, bugs + 2);
	vunmap(p);
	cr_assert_not_null(strstr(kmm_dmesg(), "Trying to vunmap() nonexistent vm area"));
	vfree(NULL); /* allowed, and silent */
	cr_assert_eq(M->vmalloc_bugs, bugs + 3);
	assert_all_back(before);
}

Test(vmalloc, too_big_fails_cleanly)
{
	unsigned long before = boot("i386", 4ULL << 30);
	unsigned long area = M->layout.vmalloc_end - M->layout.vmalloc_start;
	cr_assert_null(vmalloc(area), "no room for the guard page");
	cr_assert_not_null(strstr(kmm_dmesg(), "vmalloc error: size"));
	cr_assert_null(vmalloc(0));
	cr_assert_null(__vmalloc(area + PAGE_SIZE, GFP_KERNEL | __GFP_NOWARN));
	assert_all_back(before);
}

Test(vmalloc, out_of_pages_gives_everything_back)
{
	/* as many pages as the machine has RAM: more than are free, within the vmalloc area of x86_64 */
	unsigned long before = boot("x86_64", 256ULL << 20);
	char *p = __vmalloc((unsigned long)M->totalram_pages << PAGE_SHIFT, GFP_KERNEL | __GFP_NORETRY);
	cr_assert_null(p);
	cr_assert_not_null(strstr(kmm_dmesg(), "failed to allocate pages"));
	assert_all_back(before);
	/* more than the machine's memory is refused before anything is allocated, as 6.1 does */
	kmm_clock_advance(11ULL * 1000000000); /* past warn_alloc's rate limit */
	cr_assert_null(__vmalloc(512UL << 20, GFP_KERNEL | __GFP_NORETRY));
	cr_assert_not_null(strstr(kmm_dmesg(), "vmalloc error: size 536870912, exceeds total pages"));
	assert_all_back(before);
}

static void check_vmalloc_32(const char *profile)
{
	unsigned long before = boot(profile, 5ULL << 30);
	char *p = vmalloc_32(4 * PAGE_SIZE);
	cr_assert_not_null(p);
	for (int i = 0; i < 4; i++) {
		struct page *pg = vmalloc_to_page(p + i * PAGE_SIZE);
		cr_assert(!PageHighMem(pg), "vmalloc_32 takes no HighMem page");
		cr_assert_lt(page_to_phys(pg), 1ULL << 32, "32-bit addressable");
	}
	vfree(p);
	assert_all_back(before);
}

Test(vmalloc, vmalloc_32_pae) { check_vmalloc_32("i386-pae"); }
Test(vmalloc, vmalloc_32_x86_64) { check_vmalloc_32("x86_64"); }

Test(vmalloc, vzalloc_zeroes)
{
	unsigned long before = boot("i386", 1ULL << 30);
	char *p = vmalloc(8 * PAGE_SIZE);
	memset(p, 0xa5, 8 * PAGE_SIZE);
	vfree(p);
	vm_unmap_aliases();
	unsigned char *z = vzalloc(8 * PAGE_SIZE);
	cr_assert_not_null(z);
	for (unsigned long i = 0; i < 8 * PAGE_SIZE; i++)
		cr_assert_eq(z[i], 0, "byte %lu", i);
	vfree(z);
	assert_all_back(before);
}

Test(vmalloc, vmallocinfo)
{
	unsigned long before = boot("i386", 1ULL << 30);
	char *p = vmalloc(3 * PAGE_SIZE);
	char *text = kmm_proc_read("vmallocinfo");
	cr_assert_not_null(text);
	regex_t re;
	/* the caller as %pS prints it: the function (this test's, static or not), offset and size */
	cr_assert_eq(regcomp(&re, "^0x[0-9a-f]{8}-0x[0-9a-f]{8}  +16384 vmalloc_vmallocinfo_impl\\+0x[0-9a-f]+/0x[0-9a-f]+ "
				  "pages=3 vmalloc$", REG_EXTENDED | REG_NEWLINE), 0);
	cr_assert_eq(regexec(&re, text, 0, NULL, 0), 0, "vmallocinfo:\n%s", text);
	char want[64];
	snprintf(want, sizeof(want), "0x%08lx-0x%08lx", kmm_host_to_kva(p), kmm_host_to_kva(p) + 4 * PAGE_SIZE);
	cr_assert_not_null(strstr(text, want), "vmallocinfo:\n%s", text);
	free(text);
	vfree(p);
	text = kmm_proc_read("vmallocinfo");
	cr_assert_not_null(strstr(text, "unpurged vm_area"), "lazily freed until the purge:\n%s", text);
	free(text);
	vm_unmap_aliases();
	text = kmm_proc_read("vmallocinfo");
	cr_assert_str_eq(text, "");
	free(text);
	regfree(&re);
	assert_all_back(before);
}

Test(vmalloc, fragmentation_and_reuse)
{
	unsigned long before = boot("i386-pae", 2ULL << 30);
	enum { N = 96 };
	char *v[N];
	unsigned long first = 0;
	for (int i = 0; i < N; i++) {
		v[i] = vmalloc((unsigned long)(i % 5 + 1) * PAGE_SIZE);
		cr_assert_not_null(v[i]);
		v[i][0] = (char)i;
		if (!i)
			first = kmm_host_to_kva(v[0]);
	}
	char why[256];
	for (int i = 0; i < N; i += 2)
		vfree(v[i]);
	cr_assert_eq(vmap_area_verify(why, sizeof(why)), 0, "%s", why);
	/* once purged, the lowest hole that fits is used: v[0]'s */
	vm_unmap_aliases();
	cr_assert_eq(vmap_area_verify(why, sizeof(why)), 0, "%s", why);
	char *again = vmalloc(PAGE_SIZE);
	cr_assert_eq(kmm_host_to_kva(again), first);
	vfree(again);
	for (int i = 1; i < N; i += 2) {
		cr_assert_eq(v[i][0], (char)i, "area %d kept its bytes", i);
		vfree(v[i]);
	}
	assert_all_back(before);
}

/* vfree clears PTEs without a flush; the purge flushes all CPUs once for many areas. */
Test(vmalloc, one_tlb_flush_per_purge)
{
	unsigned long before = boot("i386", 1ULL << 30);
	vm_unmap_aliases();
	unsigned long flushes = M->tlb_flushes, purges = vmap_purges();
	for (int i = 0; i < 20; i++) {
		char *p = vmalloc(2 * PAGE_SIZE);
		p[0] = 1;
		vfree(p);
	}
	cr_assert_eq(M->tlb_flushes, flushes, "no flush per vfree");
	vm_unmap_aliases();
	cr_assert_eq(vmap_purges(), purges + 1);
	cr_assert_eq(M->tlb_flushes, flushes + 1, "one flush for the 20 areas");
	assert_all_back(before);
}

Test(vmalloc, lazy_areas_are_purged_when_space_runs_out)
{
	unsigned long before = boot("i386", 4ULL << 30);
	unsigned long area = M->layout.vmalloc_end - M->layout.vmalloc_start, purges = vmap_purges();
	unsigned long chunk = area / 4;
	/* 12 chunks of a quarter of the area each: only reuse makes room */
	for (int i = 0; i < 12; i++) {
		char *p = vmalloc(chunk);
		cr_assert_not_null(p, "round %d", i);
		p[chunk - 1] = 1;
		vfree(p);
	}
	cr_assert_gt(vmap_purges(), purges);
	assert_all_back(before);
}

Test(vmalloc, vmap_vunmap)
{
	unsigned long before = boot("i386", 2ULL << 30);
	struct page *pages[3] = { alloc_pages(GFP_KERNEL, 0), alloc_pages(GFP_HIGHUSER, 0), alloc_pages(GFP_KERNEL, 0) };
	for (int i = 0; i < 3; i++)
		cr_assert_not_null(pages[i]);
	char *v = vmap(pages, 3, VM_MAP, __PAGE_KERNEL);
	cr_assert_not_null(v);
	for (int i = 0; i < 3; i++) {
		snprintf(v + (long)i * PAGE_SIZE, 32, "page %d", i);
		char want[32];
		snprintf(want, sizeof(want), "page %d", i);
		cr_assert_str_eq((char *)ram_host(page_to_phys(pages[i])), want);
		cr_assert_eq(vmalloc_to_page(v + (long)i * PAGE_SIZE), pages[i]);
	}
	cr_assert_eq(vmalloc_used_pages(), 0, "vmap maps pages it does not own");
	unsigned long bugs = M->vmalloc_bugs;
	vfree(v); /* wrong: vmap'ed areas go with vunmap */
	cr_assert_eq(M->vmalloc_bugs, bugs + 1);
	cr_assert_not_null(strstr(kmm_dmesg(), "was not allocated by vmalloc"));
	vunmap(v);
	cr_assert_null(vmalloc_to_page(v));
	for (int i = 0; i < 3; i++)
		__free_pages(pages[i], 0);
	assert_all_back(before);
}

Test(vmalloc, kvmalloc_falls_back)
{
	unsigned long before = boot("i386", 1ULL << 30);
	void *small = kvmalloc(200, GFP_KERNEL);
	cr_assert(small && !is_vmalloc_addr(small));
	/* larger than any kmalloc: only vmalloc can */
	unsigned long big = 16UL << 20;
	char *b = kvmalloc(big, GFP_KERNEL);
	cr_assert_not_null(b);
	cr_assert(is_vmalloc_addr(b));
	b[big - 1] = 1;
	kvfree(b);
	kvfree(small);
	assert_all_back(before);
}

/* Pointer arrays larger than a page are vmalloc'ed themselves. */
Test(vmalloc, large_area)
{
	unsigned long before = boot("x86_64", 1ULL << 30);
	unsigned long size = 64UL << 20;
	char *p = vmalloc(size);
	cr_assert_not_null(p);
	for (unsigned long off = 0; off < size; off += PAGE_SIZE)
		p[off] = (char)(off >> PAGE_SHIFT);
	char *text = kmm_proc_read("vmallocinfo");
	cr_assert_not_null(strstr(text, " vpages"), "%s", text);
	free(text);
	cr_assert_eq(vmalloc_used_pages(), (size >> PAGE_SHIFT) + (size >> PAGE_SHIFT) * sizeof(void *) / PAGE_SIZE);
	vfree(p);
	assert_all_back(before);
}

/* An area reserved with get_vm_area, mapped by hand, given back whole. */
Test(vmalloc, get_vm_area)
{
	unsigned long before = boot("i386-pae", 1ULL << 30);
	struct vm_struct *area = get_vm_area(2 * PAGE_SIZE, VM_IOREMAP);
	cr_assert_not_null(area);
	cr_assert_eq(area->size, 3 * PAGE_SIZE, "two pages and the guard");
	cr_assert(is_vmalloc_addr(area->addr));
	cr_assert_eq(find_vm_area((char *)area->addr + PAGE_SIZE + 9), area);
	cr_assert_null(vmalloc_to_page(area->addr), "nothing is mapped yet");
	struct page *pg = alloc_pages(GFP_KERNEL, 0);
	cr_assert_eq(kernel_map_pages(kmm_host_to_kva(area->addr) + PAGE_SIZE, page_to_pfn(pg), 1, __PAGE_KERNEL), 0);
	cr_assert_eq(kernel_map_pages(kmm_host_to_kva(area->addr) + PAGE_SIZE, page_to_pfn(pg), 1, __PAGE_KERNEL), -EBUSY,
		     "a live entry is not overwritten");
	cr_assert_not_null(strstr(kmm_dmesg(), "is already mapped"));
	strcpy((char *)area->addr + PAGE_SIZE, "by hand");
	cr_assert_str_eq((char *)page_address(pg), "by hand");
	char *text = kmm_proc_read("vmallocinfo");
	cr_assert_not_null(strstr(text, "   12288 "), "%s", text);
	cr_assert_not_null(strstr(text, " ioremap\n"), "%s", text);
	free(text);
	void *addr = area->addr;
	free_vm_area(area);
	cr_assert_null(vmalloc_to_page((char *)addr + PAGE_SIZE), "free_vm_area unmaps what was mapped");
	cr_assert_null(find_vm_area(addr));
	__free_pages(pg, 0);
	assert_all_back(before);
}

/* ---- ioremap -------------------------------------------------------------------- */

static void check_ioremap(const char *profile)
{
	ARM_NOT_YET(profile, "x86 RAM at 1 MiB; on arm64 that address is no RAM");
	unsigned long before = boot(profile, 1ULL << 30);
	cr_assert_gt(kmm_device.size, 0, "the machine has the simulated device");
	char *iomem = kmm_proc_read("iomem");
	char want[96];
	snprintf(want, sizeof(want), "%08llx-%08llx : 0000:00:02.0", (unsigned long long)kmm_device.base,
		 (unsigned long long)(kmm_device.base + kmm_device.size - 1));
	cr_assert_not_null(strstr(iomem, want), "%s", iomem);
	free(iomem);

	char __iomem *regs = ioremap(kmm_device.base + 0x1230, 0x100);
	cr_assert_not_null(regs);
	cr_assert(is_vmalloc_addr(regs));
	cr_assert_eq(kmm_host_to_kva(regs) & ~PAGE_MASK, 0x230, "the offset in the page is kept");
	writel(0xdeadbeef, regs + 4);
	cr_assert_eq(*(u32 *)((char *)kmm_device.host + 0x1234), 0xdeadbeef, "the device's own bytes");
	*(u32 *)((char *)kmm_device.host + 0x1238) = 0x12345678;
	cr_assert_eq(readl(regs + 8), 0x12345678);
	cr_assert_null(vmalloc_to_page(regs), "device memory has no struct page");
	unsigned int level;
	pteval_t e = lookup_address(kmm_host_to_kva(regs), &level);
	cr_assert_eq(e & (_PAGE_PCD | _PAGE_PWT), _PAGE_PCD, "uncached-minus");

	char __iomem *wc = ioremap_wc(kmm_device.base + 0x10000, 2 * PAGE_SIZE);
	e = lookup_address(kmm_host_to_kva(wc), &level);
	cr_assert_eq(e & (_PAGE_PCD | _PAGE_PWT), _PAGE_PWT, "write-combining");
	memset_io(wc, 0x5a, 2 * PAGE_SIZE);
	cr_assert_eq(((unsigned char *)kmm_device.host)[0x11fff], 0x5a);

	char *text = kmm_proc_read("vmallocinfo");
	snprintf(want, sizeof(want), " phys=0x%0*llx ioremap", M->prof->bits == 64 || M->prof->pae ? 16 : 8,
		 (unsigned long long)kmm_device.base + 0x1000);
	cr_assert_not_null(strstr(text, want), "%s", text);
	free(text);
	text = kmm_proc_read("sys/kernel/debug/x86/pat_memtype_list");
	snprintf(want, sizeof(want), "uncached-minus @ 0x%llx-0x%llx", (unsigned long long)kmm_device.base + 0x1000,
		 (unsigned long long)kmm_device.base + 0x2000);
	cr_assert_not_null(strstr(text, want), "%s", text);
	cr_assert_not_null(strstr(text, "write-combining @ "), "%s", text);
	free(text);

	/* misuse: RAM, a bad address, beyond the physical address width */
	unsigned long bugs = M->vmalloc_bugs;
	cr_assert_null(ioremap(0x100000, PAGE_SIZE));
	cr_assert_not_null(strstr(kmm_dmesg(), "ioremap on RAM at"));
	iounmap(regs + PAGE_SIZE);
	cr_assert_not_null(strstr(kmm_dmesg(), "iounmap: bad address"));
	cr_assert_null(ioremap((phys_addr_t)M->prof->max_arch_pfn << PAGE_SHIFT, PAGE_SIZE));
	cr_assert_null(ioremap(kmm_device.base, 0));
	cr_assert_eq(M->vmalloc_bugs, bugs + 3);
	cr_assert_eq(readl(regs + 4), 0xdeadbeef, "still mapped after the bad iounmap");

	iounmap(regs);
	iounmap(wc);
	text = kmm_proc_read("sys/kernel/debug/x86/pat_memtype_list");
	cr_assert_str_eq(text, "PAT memtype list:\n");
	free(text);
	assert_all_back(before);
}

TEST_ON_EVERY_PROFILE(vmalloc, ioremap, check_ioremap)

/*
 * Found by kmm stress on 2 CPUs: vfree put the area on the lazy list before
 * clearing its PTEs and host mirror, so a purge on another CPU could hand
 * the range to a new area first - whose stores then went through the old
 * mirror into the freed pages.  Each CPU writes its areas through the
 * alias and reads the bytes back through the pages.
 */
#define VFREE_RACE_ROUNDS 20000

static void *vmalloc_churn(void *arg)
{
	long cpu = (long)arg, bad = 0;
	cr_assert_eq(kmm_cpu_enter((int)cpu), 0);
	for (int i = 0; i < VFREE_RACE_ROUNDS && !bad; i++) {
		unsigned long n = 1 + (unsigned long)(i % 3);
		unsigned char *v = vmalloc(n * PAGE_SIZE), tag = (unsigned char)(cpu * 100 + i);
		if (!v)
			continue;
		for (unsigned long k = 0; k < n; k++)
			v[k * PAGE_SIZE + 7] = tag;
		for (unsigned long k = 0; k < n && !bad; k++) {
			struct page *page = vmalloc_to_page(v + k * PAGE_SIZE);
			if (!page) { /* another CPU's vfree cleared our PTEs */
				bad = 1;
				break;
			}
			unsigned char *p = kmap_local_page(page);
			bad = p[7] != tag;
			kunmap_local(p);
		}
		vfree(v);
		vm_unmap_aliases(); /* a purge: freed ranges are reusable at once */
	}
	kmm_cpu_exit();
	return (void *)bad;
}

Test(vmalloc, vfree_unmaps_before_the_range_can_be_reused)
{
	void *bad[2];
	run_on_cpus(2, 512ULL << 20, vmalloc_churn, bad);
	for (int c = 0; c < 2; c++)
		cr_assert_null(bad[c], "CPU %d wrote through a vmalloc alias into other pages than its area's", c);
	assert_machine_sane();
	kmm_shutdown();
}
