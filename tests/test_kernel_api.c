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

/* ---- the counters as numbers ----------------------------------------------------------------- */

#include <kmm/gfp.h>
#include <kmm/task.h>
#include <kmm/vmstat.h>
#include <pthread.h>

/* a view with a newline in front, so every line's key reads "\nKey" */
static char *view(const char *name)
{
	char *raw = kmm_proc_read(name);
	cr_assert_not_null(raw);
	char *text = malloc(strlen(raw) + 2);
	text[0] = '\n';
	strcpy(text + 1, raw);
	free(raw);
	return text;
}

static long meminfo_kb(const char *field)
{
	char *text = view("meminfo");
	char key[64];
	snprintf(key, sizeof(key), "\n%s:", field);
	const char *at = strstr(text, key);
	cr_assert_not_null(at, "no %s in meminfo", field);
	long kb = strtol(at + strlen(key), NULL, 10);
	free(text);
	return kb;
}

/* a /proc/vmstat line's value; -1 when the line is absent (the events of zones a profile lacks) */
static long vmstat_value(const char *name)
{
	char *text = view("vmstat");
	char key[64];
	snprintf(key, sizeof(key), "\n%s ", name);
	const char *at = strstr(text, key);
	long v = at ? strtol(at + strlen(key), NULL, 10) : -1;
	free(text);
	return v;
}

/* the numbers are the views' numbers */
static void assert_counters_match_views(void)
{
	struct sysinfo si;
	memset(&si, 0xee, sizeof(si));
	si_meminfo(&si);
	cr_assert_eq(si.mem_unit, PAGE_SIZE);
	cr_assert_eq(si.totalram * (PAGE_SIZE / 1024), (unsigned long)meminfo_kb("MemTotal"));
	cr_assert_eq(si.freeram * (PAGE_SIZE / 1024), (unsigned long)meminfo_kb("MemFree"));
	cr_assert_eq(si.sharedram * (PAGE_SIZE / 1024), (unsigned long)meminfo_kb("Shmem"));
	cr_assert_eq(si.bufferram, 0);
	if (M->prof->bits == 32) {
		cr_assert_eq(si.totalhigh * (PAGE_SIZE / 1024), (unsigned long)meminfo_kb("HighTotal"));
		cr_assert_eq(si.freehigh * (PAGE_SIZE / 1024), (unsigned long)meminfo_kb("HighFree"));
	} else {
		cr_assert_eq(si.totalhigh, 0);
	}
	cr_assert_eq(global_zone_page_state(NR_FREE_PAGES), nr_free_pages());
	cr_assert_eq((long)global_zone_page_state(NR_FREE_PAGES), vmstat_value("nr_free_pages"));
	cr_assert_eq(global_node_page_state(NR_FILE_PAGES) * (PAGE_SIZE / 1024), (unsigned long)meminfo_kb("Cached"));
	cr_assert_eq(global_node_page_state(NR_ANON_MAPPED) * (PAGE_SIZE / 1024), (unsigned long)meminfo_kb("AnonPages"));
	cr_assert_eq(global_node_page_state(NR_PAGETABLE) * (PAGE_SIZE / 1024), (unsigned long)meminfo_kb("PageTables"));
	cr_assert_eq(global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B) * (PAGE_SIZE / 1024),
		     (unsigned long)meminfo_kb("SUnreclaim"));
	cr_assert_eq(global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B) * (PAGE_SIZE / 1024),
		     (unsigned long)meminfo_kb("SReclaimable"));
	unsigned long ev[NR_VM_EVENT_ITEMS];
	all_vm_events(ev);
	int shown = 0;
	for (int i = 0; i < NR_VM_EVENT_ITEMS; i++) {
		const char *name = vm_event_name((enum vm_event_item)i);
		long v = vmstat_value(name);
		cr_assert_eq(v < 0 ? 0 : (unsigned long)v, ev[i], "%s: vmstat %ld, all_vm_events %lu", name, v, ev[i]);
		shown += v >= 0;
	}
	cr_assert_geq(shown, 10);
	/* a zone's counter, and the sum of the zones' */
	struct zone *zone;
	unsigned long sum = 0;
	for_each_zone(zone)
		sum += zone_page_state(zone, NR_FREE_PAGES);
	cr_assert_eq(sum, global_zone_page_state(NR_FREE_PAGES));
	sum = 0;
	for (int n = 0; n < nr_online_nodes; n++)
		sum += node_page_state(NODE_DATA(n), NR_FILE_PAGES);
	cr_assert_eq(sum, global_node_page_state(NR_FILE_PAGES));
}

static void check_counters(const char *profile)
{
	boot_api(profile, NULL, 1);
	assert_counters_match_views();
	cr_assert_null(vm_event_name(NR_VM_EVENT_ITEMS));
	cr_assert_eq(global_vm_event(NR_VM_EVENT_ITEMS), 0);

	/* an order-6 block comes from the buddy lists: 64 pages fewer free, 64 more allocated, then back */
	drain_all_pages(NULL);
	unsigned long free0 = global_zone_page_state(NR_FREE_PAGES);
	unsigned long ev0[NR_VM_EVENT_ITEMS], ev1[NR_VM_EVENT_ITEMS];
	all_vm_events(ev0);
	struct page *pg = alloc_pages(GFP_KERNEL, 6);
	cr_assert_not_null(pg);
	cr_assert_eq(global_zone_page_state(NR_FREE_PAGES), free0 - 64);
	all_vm_events(ev1);
	cr_assert_eq(ev1[PGALLOC_NORMAL] + ev1[PGALLOC_DMA] + ev1[PGALLOC_DMA32] + ev1[PGALLOC_HIGH] + ev1[PGALLOC_MOVABLE] -
			     (ev0[PGALLOC_NORMAL] + ev0[PGALLOC_DMA] + ev0[PGALLOC_DMA32] + ev0[PGALLOC_HIGH] + ev0[PGALLOC_MOVABLE]),
		     64);
	__free_pages(pg, 6);
	cr_assert_eq(global_vm_event(PGFREE) - ev1[PGFREE], 64);
	cr_assert_eq(global_zone_page_state(NR_FREE_PAGES), free0);

	/* a task's anonymous pages: its mm counter, the node counter, the fault events */
	struct task_struct *t = task_create("counter", 1000);
	cr_assert_not_null(t);
	unsigned long anon0 = global_node_page_state(NR_ANON_MAPPED), faults0 = global_vm_event(PGFAULT);
	long addr = task_mmap(t, 0, 20 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(addr, 0);
	cr_assert_eq(task_memset(t, (unsigned long)addr, 0x5a, 20 * PAGE_SIZE), 0);
	cr_assert_eq(get_mm_counter(t->mm, MM_ANONPAGES), 20);
	cr_assert_eq(get_mm_counter(t->mm, MM_FILEPAGES), 0);
	cr_assert_eq(global_node_page_state(NR_ANON_MAPPED), anon0 + 20);
	cr_assert_geq(global_vm_event(PGFAULT) - faults0, 20);
	assert_counters_match_views();
	cr_assert_eq(task_munmap(t, (unsigned long)addr, 10 * PAGE_SIZE), 0);
	cr_assert_eq(get_mm_counter(t->mm, MM_ANONPAGES), 10);
	task_exit(t);
	cr_assert_eq(global_node_page_state(NR_ANON_MAPPED), anon0);
	assert_nothing_lost();
}
TEST_ON_EVERY_PROFILE(kernel_api, counters, check_counters)

/* ---- four tasks on two CPUs, as kmm.h's threading rules say -------------------------------- */

#define NR_TASK_THREADS 4
#define SLICES 40

struct task_thread {
	struct task_struct *task;
	unsigned long addr;
	int index;
	int entered;         /* slices run */
	int errors;
};

static void *task_thread_run(void *arg)
{
	struct task_thread *tt = arg;
	for (int s = 0; s < SLICES; s++) {
		if (kmm_cpu_enter(tt->index % 2)) {
			tt->errors++;
			continue;
		}
		if (kmm_cpu_enter(1 - tt->index % 2) != -EBUSY) /* never nested, never a wait */
			tt->errors++;
		unsigned long at = tt->addr + (unsigned long)(s % 8) * PAGE_SIZE;
		if (task_memset(tt->task, at, tt->index + s, PAGE_SIZE))
			tt->errors++;
		unsigned char b;
		if (task_read(tt->task, at + 100, &b, 1) || b != (unsigned char)(tt->index + s))
			tt->errors++;
		void *k = kmalloc(64 + 32 * (unsigned)tt->index, GFP_KERNEL);
		if (!k || kmm_cpu_current() != tt->index % 2)
			tt->errors++;
		kfree(k);
		tt->entered++;
		kmm_cpu_exit();
	}
	return NULL;
}

static void check_four_tasks_two_cpus(const char *profile)
{
	boot_api(profile, NULL, 2);
	struct task_thread tt[NR_TASK_THREADS];
	pthread_t th[NR_TASK_THREADS];
	for (int i = 0; i < NR_TASK_THREADS; i++) {
		tt[i] = (struct task_thread){ .task = task_create("worker", 1000), .index = i };
		cr_assert_not_null(tt[i].task);
		long a = task_mmap(tt[i].task, 0, 8 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		cr_assert_gt(a, 0);
		tt[i].addr = (unsigned long)a;
	}
	kmm_cpu_exit();
	for (int i = 0; i < NR_TASK_THREADS; i++)
		pthread_create(&th[i], NULL, task_thread_run, &tt[i]);
	for (int i = 0; i < NR_TASK_THREADS; i++)
		pthread_join(th[i], NULL);
	cr_assert_eq(kmm_cpu_enter(0), 0);
	for (int i = 0; i < NR_TASK_THREADS; i++) {
		cr_assert_eq(tt[i].entered, SLICES);
		cr_assert_eq(tt[i].errors, 0, "thread %d: %d errors", i, tt[i].errors);
		cr_assert_eq(get_mm_counter(tt[i].task->mm, MM_ANONPAGES), 8);
		task_exit(tt[i].task);
	}
	assert_counters_match_views();
	assert_nothing_lost();
}
TEST_ON_EVERY_PROFILE(kernel_api, four_tasks_two_cpus, check_four_tasks_two_cpus)
