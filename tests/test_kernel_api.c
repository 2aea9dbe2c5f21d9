/*
 * test_kernel_api.c - the kernel API that Linux's own mm self-tests call:
 * __vmalloc_node/vmalloc_huge and the kv* family (mm/util.c), the per-CPU
 * allocator (mm/percpu.c), init_on_alloc/init_on_free and
 * kasan_disable_current, and the counters a C program reads without
 * parsing text (si_meminfo, zone/node page state, vm events,
 * get_mm_counter).  Every test runs on every profile and ends with the
 * "nothing lost" accounting.
 */
#include "kmm_test.h"

#include <kmm/mm.h>
#include <kmm/slab.h>
#include <kmm/vmalloc.h>
#include <limits.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(kernel_api, .fini = fini, .timeout = 120);

static struct kmm_usage at_boot;

static void boot_api(const char *profile, const char *cmdline, int cpus)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 1ULL << 30;
	p.cmdline = cmdline;
	p.nr_cpus = cpus;
	boot_or_fail(&p);
	kmm_usage_settle(&at_boot);
}

static void assert_nothing_lost(void)
{
	char why[256];
	cr_assert_eq(kmm_nothing_lost(&at_boot, why, sizeof(why)), 0, "%s", why);
	assert_machine_sane();
}

static bool all_bytes(const void *p, int c, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i] != (unsigned char)c)
			return false;
	return true;
}

/* ---- __vmalloc_node, vmalloc_huge ------------------------------------------------------ */

static void check_vmalloc_node(const char *profile)
{
	boot_api(profile, NULL, 1);
	/* an aligned area: its start is a multiple of the alignment, its bytes usable */
	unsigned long align = 64 * PAGE_SIZE;
	char *p = __vmalloc_node(3 * PAGE_SIZE + 5, align, GFP_KERNEL | __GFP_ZERO, NUMA_NO_NODE, (void *)check_vmalloc_node);
	cr_assert_not_null(p);
	cr_assert(is_vmalloc_addr(p));
	cr_assert_eq(kmm_host_to_kva(p) % align, 0, "area at %#lx is not %lu-aligned", kmm_host_to_kva(p), align);
	cr_assert(all_bytes(p, 0, 3 * PAGE_SIZE + 5));
	memset(p, 0xa5, 3 * PAGE_SIZE + 5);
	cr_assert_eq(find_vm_area(p)->nr_pages, 4);
	cr_assert_eq(find_vm_area(p)->caller, (void *)check_vmalloc_node);
	/* on node 0 */
	char *q = __vmalloc_node(PAGE_SIZE, 1, GFP_KERNEL, 0, NULL);
	cr_assert_not_null(q);
	cr_assert_eq(page_to_nid(vmalloc_to_page(q)), 0);
	/* an alignment that is no power of two is refused, with vmalloc's words */
	unsigned long used = vmap_areas_in_use();
	cr_assert_null(__vmalloc_node(PAGE_SIZE, 3 * PAGE_SIZE, GFP_KERNEL, NUMA_NO_NODE, NULL));
	cr_assert_eq(vmap_areas_in_use(), used);
	cr_assert_not_null(strstr(kmm_dmesg(), "vmalloc error: size 4096, vm_struct allocation failed"));
	vfree(q);
	vfree(p);

	/* vmalloc_huge: PMD-aligned, whole PMDs where the architecture maps vmalloc with PMDs (x86_64) */
	unsigned long pmd = 1UL << M->prof->pmd_shift;
	char *h = vmalloc_huge(pmd + PAGE_SIZE, GFP_KERNEL);
	cr_assert_not_null(h);
	struct vm_struct *vm = find_vm_area(h);
	cr_assert(vm->flags & VM_ALLOW_HUGE_VMAP);
	if (M->prof->bits == 64) {
		cr_assert_eq(kmm_host_to_kva(h) % pmd, 0);
		cr_assert_eq(vm->nr_pages, 2 * pmd / PAGE_SIZE, "%u pages", vm->nr_pages);
	} else {
		cr_assert_eq(vm->nr_pages, pmd / PAGE_SIZE + 1, "%u pages", vm->nr_pages);
	}
	h[pmd] = 1;
	vfree(h);
	/* a small one is an ordinary vmalloc */
	h = vmalloc_huge(PAGE_SIZE, GFP_KERNEL);
	cr_assert_eq(find_vm_area(h)->nr_pages, 1);
	vfree(h);
	assert_nothing_lost();
}
TEST_ON_EVERY_PROFILE(kernel_api, vmalloc_node, check_vmalloc_node)

/* ---- the kv* family ----------------------------------------------------------------------- */

static void check_kv_family(const char *profile)
{
	boot_api(profile, NULL, 1);
	/* small: kmalloc, never vmalloc */
	char *s = kvmalloc_node(100, GFP_KERNEL, 0);
	cr_assert_not_null(s);
	cr_assert_not(is_vmalloc_addr(s));
	kvfree(s);
	/* kvzalloc zeroes; a large one falls back to vmalloc when kmalloc cannot (GFP_KERNEL may sleep) */
	unsigned long big = (4UL << 20) + 1; /* above KMALLOC_MAX_SIZE */
	char *z = kvzalloc(big, GFP_KERNEL);
	cr_assert_not_null(z);
	cr_assert(is_vmalloc_addr(z));
	cr_assert(all_bytes(z, 0, big));
	/* kvzalloc_node / kvmalloc_node on a node */
	char *zn = kvzalloc_node(3 * PAGE_SIZE, GFP_KERNEL, 0);
	cr_assert_not_null(zn);
	cr_assert(all_bytes(zn, 0, 3 * PAGE_SIZE));
	/* a non-sleeping request never goes to vmalloc */
	cr_assert_null(kvmalloc_node(big, GFP_ATOMIC | __GFP_NOWARN, NUMA_NO_NODE));
	/* crazy sizes are refused, the warning once */
	unsigned long areas = vmap_areas_in_use();
	cr_assert_null(kvmalloc_node((size_t)INT_MAX + 1, GFP_KERNEL, NUMA_NO_NODE));
	cr_assert_eq(vmap_areas_in_use(), areas);
	cr_assert_not_null(strstr(kmm_dmesg(), "WARNING: CPU:"));

	/* kvmalloc_array and kvcalloc: overflow-checked */
	cr_assert_null(kvmalloc_array(SIZE_MAX / 2, 3, GFP_KERNEL));
	cr_assert_null(kvcalloc((SIZE_MAX >> 4) + 1, 16, GFP_KERNEL));
	unsigned int *a = kvcalloc(5000, sizeof(unsigned int), GFP_KERNEL);
	cr_assert_not_null(a);
	cr_assert(all_bytes(a, 0, 5000 * sizeof(unsigned int)));
	for (unsigned int i = 0; i < 5000; i++)
		a[i] = i * 7;
	unsigned long *b = kvmalloc_array(3, sizeof(*b), GFP_KERNEL);
	cr_assert_not_null(b);
	kvfree(b);

	/* kvrealloc: never shrinks; grows keeping the bytes; the old area is freed */
	cr_assert_eq(kvrealloc(a, 5000 * sizeof(unsigned int), 100, GFP_KERNEL), a);
	unsigned int *g = kvrealloc(a, 5000 * sizeof(unsigned int), 1 << 20, GFP_KERNEL);
	cr_assert_not_null(g);
	for (unsigned int i = 0; i < 5000; i++)
		cr_assert_eq(g[i], i * 7);
	/* a failed kvrealloc leaves the old area alone */
	cr_assert_null(kvrealloc(g, 1 << 20, (size_t)INT_MAX + 1, GFP_KERNEL | __GFP_NOWARN));
	cr_assert_eq(g[4999], 4999u * 7);
	kvfree_sensitive(g, 1 << 20);
	kvfree(zn);
	kvfree(z);
	kvfree(NULL);
	assert_nothing_lost();
}
TEST_ON_EVERY_PROFILE(kernel_api, kv_family, check_kv_family)
