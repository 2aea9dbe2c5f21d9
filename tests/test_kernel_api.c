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
	/* the fallback may use huge mappings (VM_ALLOW_HUGE_VMAP): on x86_64 whole PMDs, PMD-aligned */
	cr_assert(find_vm_area(z)->flags & VM_ALLOW_HUGE_VMAP);
	if (M->prof->bits == 64)
		cr_assert_eq(find_vm_area(z)->nr_pages, ALIGN(big, 2UL << 20) / PAGE_SIZE, "%u pages", find_vm_area(z)->nr_pages);
	else
		cr_assert_eq(find_vm_area(z)->nr_pages, ALIGN(big, PAGE_SIZE) / PAGE_SIZE);
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
static long vmstat_or_none(const char *name)
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
	cr_assert_eq((long)global_zone_page_state(NR_FREE_PAGES), vmstat_or_none("nr_free_pages"));
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
		long v = vmstat_or_none(name);
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
	/* read first thing after boot: the deferred struct pages (x86_64) are in the zones already */
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 4ULL << 30;
	boot_or_fail(&p);
	struct sysinfo si;
	si_meminfo(&si);
	cr_assert_not(__atomic_load_n(&M->deferred_active, __ATOMIC_ACQUIRE));
	cr_assert_eq(si.freeram, nr_free_pages());
	kmm_shutdown();

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

/* ---- the per-CPU allocator ---------------------------------------------------------------------- */

#include <kmm/highmem.h>
#include <kmm/percpu.h>

/* "percpu: Embedded N pages/cpu sS rR dD uU" of this boot */
struct embed_line {
	unsigned long pages, s, r, d, u;
};

static struct embed_line embed_line(void)
{
	struct embed_line e = { 0 };
	const char *at = strstr(kmm_dmesg(), "percpu: Embedded ");
	cr_assert_not_null(at);
	cr_assert_eq(sscanf(at, "percpu: Embedded %lu pages/cpu s%lu r%lu d%lu u%lu", &e.pages, &e.s, &e.r, &e.d, &e.u), 5);
	return e;
}

static void check_percpu_boot(const char *profile)
{
	boot_api(profile, NULL, 2);
	struct embed_line e = embed_line();
	/* the first chunk: static + reserved + dynamic, page-aligned, in a unit of at least 32K */
	cr_assert_eq(e.s, M->prof->pcpu_static);
	cr_assert_eq(e.r, M->prof->pcpu_reserved);
	cr_assert_eq((e.s + e.r + e.d) % PAGE_SIZE, 0);
	cr_assert_eq(e.pages, (e.s + e.r + e.d) / PAGE_SIZE);
	/* PERCPU_DYNAMIC_RESERVE: 28 KiB (x86 asks that on both widths), 20 KiB for the generic 32-bit setup (ARM) */
	cr_assert_geq(e.d, M->prof->arch == KMM_ARCH_ARM ? 20 * 1024 : 28 * 1024);
	cr_assert_geq(e.u, e.pages * PAGE_SIZE);
	/* units share an atom-aligned allocation (x86_64: 1 MiB units, two to a 2 MiB atom), as pcpu_build_alloc_info */
	cr_assert_eq(e.u % PAGE_SIZE, 0);
	cr_assert_eq(ALIGN(e.u, M->prof->pcpu_atom) % e.u, 0);
	/* meminfo's Percpu: every page of it, for every CPU */
	cr_assert_eq(pcpu_nr_pages(), e.pages * 2);
	cr_assert_eq((unsigned long)meminfo_kb("Percpu"), e.pages * 2 * (PAGE_SIZE / 1024));
	cr_assert_eq(num_possible_cpus(), 2);
	assert_nothing_lost();
}
TEST_ON_EVERY_PROFILE(kernel_api, percpu_boot, check_percpu_boot)

struct pcpu_counter {
	unsigned long hits;
	int cpu;
};

static void check_percpu_alloc(const char *profile)
{
	ARM_NOT_YET(profile, "first-chunk reuse assumes the x86 first chunk");
	boot_api(profile, NULL, 2);
	/* the granule: 1-byte areas lie PCPU_MIN_ALLOC_SIZE apart */
	char __percpu *a = __alloc_percpu(1, 1);
	char __percpu *b = __alloc_percpu(1, 1);
	cr_assert_not_null(a);
	cr_assert_not_null(b);
	cr_assert_eq((char *)b - (char *)a, PCPU_MIN_ALLOC_SIZE);
	struct pcpu_counter __percpu *c = alloc_percpu(struct pcpu_counter);
	cr_assert_not_null(c);
	int cpu;
	for_each_possible_cpu(cpu) {
		struct pcpu_counter *mine = per_cpu_ptr(c, cpu);
		cr_assert_not_null(mine);
		cr_assert(all_bytes(mine, 0, sizeof(*mine)), "cpu %d's copy is not zeroed", cpu);
		mine->hits = 100 + (unsigned long)cpu;
		mine->cpu = cpu;
	}
	cr_assert_neq(per_cpu_ptr(c, 0), per_cpu_ptr(c, 1));
	cr_assert_eq(per_cpu_ptr(c, 0)->hits, 100);
	cr_assert_eq(per_cpu_ptr(c, 1)->hits, 101);
	/* this_cpu_ptr: the booting thread is on CPU 0 */
	cr_assert_eq(this_cpu_ptr(c), per_cpu_ptr(c, 0));
	this_cpu_ptr(c)->hits++;
	cr_assert_eq(per_cpu_ptr(c, 0)->hits, 101);
	/* the copies are in simulated RAM: a CPU's copy is its own page's bytes */
	cr_assert_neq(kmm_host_to_kva(per_cpu_ptr(c, 0)), 0);
	cr_assert_null(per_cpu_ptr(c, 2));
	cr_assert_null(per_cpu_ptr(c, -1));

	cr_assert_eq(kmm_host_to_kva(per_cpu_ptr(c, 1)) % __alignof__(struct pcpu_counter), 0);
	/* alignment is honoured */
	void __percpu *al = __alloc_percpu(100, 256);
	cr_assert_not_null(al);
	cr_assert_eq(kmm_host_to_kva(per_cpu_ptr(al, 0)) % 256, 0);
	cr_assert_eq(kmm_host_to_kva(per_cpu_ptr(al, 1)) % 256, 0);
	/* freed bytes are reused, and handed out zeroed again */
	memset(per_cpu_ptr(a, 1), 0x77, 1);
	free_percpu(a);
	char __percpu *a2 = __alloc_percpu(1, 1);
	cr_assert_eq(a2, a);
	cr_assert_eq(*per_cpu_ptr(a2, 1), 0);

	/* illegal requests: NULL, Linux's warning, nothing taken */
	cr_assert_null(__alloc_percpu(0, 4));
	cr_assert_null(__alloc_percpu(PCPU_MIN_UNIT_SIZE + 1, 4));
	cr_assert_null(__alloc_percpu(8, 12));
	void __percpu *small_align = __alloc_percpu(8, 3); /* below the granule: raised to it, as Linux does */
	cr_assert_not_null(small_align);
	free_percpu(small_align);
	cr_assert_null(__alloc_percpu(8, 2 * PAGE_SIZE));
	cr_assert_null(__alloc_percpu_gfp(0, 4, GFP_KERNEL | __GFP_NOWARN));
	cr_assert_not_null(strstr(kmm_dmesg(), "illegal size (0) or align (4) for percpu allocation"));
	cr_assert_not_null(strstr(kmm_dmesg(), "illegal size (8) or align (12) for percpu allocation"));
	/* bad frees are reported and change nothing */
	char why[256];
	free_percpu((char *)c + 4); /* inside an area */
	cr_assert_not_null(strstr(kmm_dmesg(), "not the start of an allocated area"));
	free_percpu(b);
	free_percpu(b);
	cr_assert_not_null(strstr(kmm_dmesg(), "double free"));
	int on_stack;
	free_percpu(&on_stack);
	cr_assert_not_null(strstr(kmm_dmesg(), "not a percpu address"));
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
	free_percpu(NULL);

	free_percpu(a2);
	free_percpu(al);
	free_percpu(c);
	assert_nothing_lost();
}
TEST_ON_EVERY_PROFILE(kernel_api, percpu_alloc, check_percpu_alloc)

/* Fill the first chunk: a chunk in the vmalloc area follows, populated as it is used, freed when empty. */
static void check_percpu_vmalloc_chunk(const char *profile)
{
	ARM_NOT_YET(profile, "percpu expectations of x86 first chunks (not investigated on arm64)");
	boot_api(profile, NULL, 2);
	unsigned long boot_pages = pcpu_nr_pages();
	struct embed_line e = embed_line();
	unsigned long areas = vmap_areas_in_use();
	/* atomic requests never make a chunk: once the first chunk is full they fail */
	enum { N = 64 };
	void __percpu *p[N];
	size_t sz = 2048;
	int n = 0;
	while (vmap_areas_in_use() == areas) {
		cr_assert_lt(n, N);
		p[n] = __alloc_percpu(sz, 8);
		cr_assert_not_null(p[n]);
		n++;
	}
	/* the first chunk's dynamic area held what fits of it */
	cr_assert_geq((unsigned long)(n - 1) * sz, e.d - 2 * sz, "%d areas before a new chunk", n);
	cr_assert_leq((unsigned long)(n - 1) * sz, e.d);
	cr_assert_null(__alloc_percpu_gfp(e.d, 8, GFP_ATOMIC | __GFP_NOWARN)); /* never a new chunk */
	/* the chunk's area, and its maps larger than a page vmalloc'ed as pcpu_mem_zalloc does */
	char *chunk_vi = kmm_proc_read("vmallocinfo");
	unsigned long maps = 0, chunk_areas = 0;
	for (const char *q = chunk_vi; (q = strstr(q, " pcpu_create_chunk+")); q++)
		maps++;
	for (const char *q = chunk_vi; (q = strstr(q, " pcpu_get_vm_areas+")); q++)
		chunk_areas++;
	free(chunk_vi);
	cr_assert_eq(chunk_areas, 1);
	cr_assert_eq(vmap_areas_in_use(), areas + 1 + maps);
	/* the new chunk: in the vmalloc area, a page per CPU populated, counted in Percpu */
	void __percpu *last = p[n - 1];
	cr_assert(is_vmalloc_addr(per_cpu_ptr(last, 0)));
	cr_assert(is_vmalloc_addr(per_cpu_ptr(last, 1)));
	cr_assert_eq(pcpu_nr_pages(), boot_pages + 2);
	cr_assert_eq((unsigned long)meminfo_kb("Percpu"), pcpu_nr_pages() * (PAGE_SIZE / 1024));
	cr_assert_neq(vmalloc_to_page(per_cpu_ptr(last, 0)), vmalloc_to_page(per_cpu_ptr(last, 1)));
	char *vi = kmm_proc_read("vmallocinfo");
	cr_assert_not_null(strstr(vi, " pcpu_get_vm_areas+0x"), "%s", vi);
	free(vi);
	memset(per_cpu_ptr(last, 0), 0xa0, sz);
	memset(per_cpu_ptr(last, 1), 0xa1, sz);
	cr_assert(all_bytes(per_cpu_ptr(last, 0), 0xa0, sz));
	cr_assert(all_bytes(per_cpu_ptr(last, 1), 0xa1, sz));
	/* the area's bytes are its pages' bytes, read through the direct map or a kmap */
	char *via = kmap_local_page(vmalloc_to_page(per_cpu_ptr(last, 1)));
	cr_assert_eq((unsigned char)via[kmm_host_to_kva(per_cpu_ptr(last, 1)) % PAGE_SIZE], 0xa1);
	kunmap_local(via);
	/* an atomic request fits where pages are populated already */
	void __percpu *at = __alloc_percpu_gfp(64, 8, GFP_ATOMIC);
	cr_assert_not_null(at);
	cr_assert_eq(pcpu_nr_pages(), boot_pages + 2);
	/* more of it: further pages populated */
	void __percpu *more[8];
	for (int i = 0; i < 8; i++)
		cr_assert_not_null(more[i] = __alloc_percpu(PCPU_MIN_UNIT_SIZE, PAGE_SIZE));
	cr_assert_gt(pcpu_nr_pages(), boot_pages + 2);
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
	for (int i = 0; i < 8; i++)
		free_percpu(more[i]);
	free_percpu(at);
	for (int i = 0; i < n; i++)
		free_percpu(p[i]);
	/* empty now: kept as the spare until settled, then its pages and area go */
	assert_nothing_lost();
	cr_assert_eq(pcpu_nr_pages(), boot_pages);
	cr_assert_eq((unsigned long)meminfo_kb("Percpu"), boot_pages * (PAGE_SIZE / 1024));
	cr_assert_eq(vmap_areas_in_use(), areas);
}
TEST_ON_EVERY_PROFILE(kernel_api, percpu_vmalloc_chunk, check_percpu_vmalloc_chunk)

/* The reserved area (x86_64 has 8 KiB): reserved requests are served there and only there. */
static void check_percpu_reserved(const char *profile)
{
	ARM_NOT_YET(profile, "percpu expectations of x86 first chunks (not investigated on arm64)");
	boot_api(profile, NULL, 1);
	struct embed_line e = embed_line();
	void __percpu *r = __alloc_reserved_percpu(64, 8);
	cr_assert_not_null(r);
	void __percpu *d = __alloc_percpu(64, 8);
	cr_assert_not_null(d);
	if (e.r) {
		/* the reserved area sits right after the static one, before the dynamic one */
		cr_assert_lt((char *)r, (char *)d);
		cr_assert_geq((char *)d - (char *)r, (long)e.r);
		/* it is full after e.r bytes */
		cr_assert_null(__alloc_reserved_percpu(e.r, 8));
		cr_assert_not_null(strstr(kmm_dmesg(), "percpu: allocation failed, size="));
		cr_assert_not_null(strstr(kmm_dmesg(), "alloc from reserved chunk failed"));
	} else {
		/* no reserved area: the dynamic chunks serve it */
		cr_assert_eq((char *)d - (char *)r, 64);
	}
	free_percpu(r);
	free_percpu(d);
	assert_nothing_lost();
}
TEST_ON_EVERY_PROFILE(kernel_api, percpu_reserved, check_percpu_reserved)

/* this_cpu_ptr on threads of two CPUs: each CPU counts into its own copy. */
struct pcpu_run {
	unsigned long __percpu *counter;
	int cpu, errors;
};

static void *pcpu_thread(void *arg)
{
	struct pcpu_run *r = arg;
	for (int i = 0; i < 1000; i++) {
		if (kmm_cpu_enter(r->cpu)) {
			r->errors++;
			continue;
		}
		unsigned long *mine = this_cpu_ptr(r->counter);
		if (mine != per_cpu_ptr(r->counter, r->cpu))
			r->errors++;
		else
			(*mine)++;
		kmm_cpu_exit();
	}
	return NULL;
}

static void check_percpu_this_cpu(const char *profile)
{
	ARM_NOT_YET(profile, "percpu expectations of x86 first chunks (not investigated on arm64)");
	boot_api(profile, NULL, 2);
	unsigned long __percpu *counter = alloc_percpu(unsigned long);
	cr_assert_not_null(counter);
	struct pcpu_run runs[4];
	pthread_t th[4];
	kmm_cpu_exit();
	cr_assert_null(this_cpu_ptr(counter)); /* on no CPU: a warning and NULL */
	cr_assert_not_null(strstr(kmm_dmesg(), "WARNING:"));
	for (int i = 0; i < 4; i++) {
		runs[i] = (struct pcpu_run){ .counter = counter, .cpu = i % 2 };
		pthread_create(&th[i], NULL, pcpu_thread, &runs[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	cr_assert_eq(kmm_cpu_enter(0), 0);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(runs[i].errors, 0);
	cr_assert_eq(*per_cpu_ptr(counter, 0), 2000);
	cr_assert_eq(*per_cpu_ptr(counter, 1), 2000);
	free_percpu(counter);
	assert_nothing_lost();
}
TEST_ON_EVERY_PROFILE(kernel_api, percpu_this_cpu, check_percpu_this_cpu)

/* ---- init_on_alloc / init_on_free, kasan_disable_current ------------------------------------------ */

#include <kmm/kasan.h>
#include "sim/ram.h"
#include "sim/track.h"

/* A byte the tool may have been told is off limits (a freed page, a kmalloc's tail): read unchecked. */
#if KMM_TRACK_ASAN
__attribute__((no_sanitize_address, noinline))
#endif
static bool peek_all(const void *p, int c, size_t n)
{
	const volatile unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i] != (unsigned char)c)
			return false;
	return true;
}

static const char *ref_machine(const char *profile)
{
	return !strcmp(profile, "i386") ? "i386-686-2G" : !strcmp(profile, "i386-pae") ? "i386-pae-2G" : "x86_64-4G-numa2";
}

static void check_meminit_line(const char *profile)
{
	/* the default is Debian's build: what the real kernel printed */
	boot_api(profile, NULL, 1);
	char *ref = ref_file(ref_machine(profile), "dmesg.txt");
	char *want = log_lines(ref, "mem auto-init:");
	char *got = log_lines(kmm_dmesg(), "mem auto-init:");
	cr_assert_str_eq(got, "mem auto-init: stack:all(zero), heap alloc:on, heap free:off\n");
	cr_assert_str_eq(got, want);
	/* it comes before "Memory:", as mm_init() prints it */
	cr_assert_lt(strstr(kmm_dmesg(), "mem auto-init:"), strstr(kmm_dmesg(), "Memory:"));
	free(want);
	free(got);
	free(ref);
	assert_nothing_lost();
	kmm_shutdown();

	boot_api(profile, "init_on_alloc=0 init_on_free=1", 1);
	got = log_lines(kmm_dmesg(), "mem auto-init:");
	cr_assert_str_eq(got, "mem auto-init: stack:all(zero), heap alloc:off, heap free:on\n"
			      "mem auto-init: clearing system memory may take some time...\n");
	free(got);
	kmm_shutdown();

	/* kstrtobool's words; anything else is Linux's warning and the default stays */
	boot_api(profile, "init_on_alloc=off init_on_free=y", 1);
	cr_assert_not(M->init_on_alloc);
	cr_assert(M->init_on_free);
	kmm_shutdown();
	boot_api(profile, "init_on_alloc=maybe init_on_free=", 1);
	cr_assert_not_null(strstr(kmm_dmesg(), "Malformed early option 'init_on_alloc'"));
	cr_assert_not_null(strstr(kmm_dmesg(), "Malformed early option 'init_on_free'"));
	cr_assert(M->init_on_alloc);
	cr_assert_not(M->init_on_free);
	assert_nothing_lost();
}
TEST_ON_EVERY_PROFILE(kernel_api, meminit_line, check_meminit_line)

/* A page filled, freed and allocated again (the per-CPU list gives the same one back): zeroed or not. */
static bool page_comes_back_zeroed(gfp_t gfp)
{
	struct page *pg = alloc_pages(gfp, 0);
	cr_assert_not_null(pg);
	unsigned char *p = ram_host(PFN_PHYS(page_to_pfn(pg)));
	memset(p, 0xaa, PAGE_SIZE);
	__free_pages(pg, 0);
	struct page *again = alloc_pages(gfp, 0);
	cr_assert_eq(again, pg, "the per-CPU list did not give the page back");
	bool zero = all_bytes(p, 0, PAGE_SIZE);
	cr_assert(zero || all_bytes(p, 0xaa, PAGE_SIZE));
	__free_pages(again, 0);
	return zero;
}

static void check_init_on_alloc_pages(const char *profile)
{
	boot_api(profile, NULL, 1);
	cr_assert(page_comes_back_zeroed(GFP_KERNEL));
	cr_assert(page_comes_back_zeroed(GFP_HIGHUSER));
	assert_nothing_lost();
	kmm_shutdown();

	boot_api(profile, "init_on_alloc=0", 1);
	cr_assert_not(page_comes_back_zeroed(GFP_KERNEL)); /* the old bytes: nothing zeroes them */
	cr_assert(page_comes_back_zeroed(GFP_KERNEL | __GFP_ZERO));
	assert_nothing_lost();
	kmm_shutdown();

	/* init_on_free: zeroed as it is freed, before anyone can take it */
	boot_api(profile, "init_on_alloc=0 init_on_free=1", 1);
	struct page *pg = alloc_pages(GFP_KERNEL, 2);
	unsigned char *p = ram_host(PFN_PHYS(page_to_pfn(pg)));
	memset(p, 0xbb, 4 * PAGE_SIZE);
	__free_pages(pg, 2);
	cr_assert(peek_all(p, 0, 4 * PAGE_SIZE));
	cr_assert(page_comes_back_zeroed(GFP_KERNEL));
	assert_nothing_lost();
}
TEST_ON_EVERY_PROFILE(kernel_api, init_on_alloc_pages, check_init_on_alloc_pages)

static void fill_ctor(void *obj)
{
	memset(obj, 0xcc, 96);
}

static void check_init_on_alloc_slab(const char *profile)
{
	boot_api(profile, NULL, 1);
	/* a kmalloc object handed out again is zeroed, its whole slot of the size class too */
	unsigned char *o = kmalloc(64, GFP_KERNEL);
	memset(o, 0x5a, 64);
	kfree(o);
	unsigned char *o2 = kmalloc(50, GFP_KERNEL);
	cr_assert_eq(o2, o);
	cr_assert(all_bytes(o2, 0, 50));
	cr_assert(peek_all(o2 + 50, 0, 14)); /* the tail past the size asked, as Linux's object_size memset */
	kfree(o2);
	/* constructed objects keep what the constructor wrote */
	struct kmem_cache *c = kmem_cache_create("api_ctor", 96, 0, 0, fill_ctor);
	cr_assert_not_null(c);
	unsigned char *x = kmem_cache_alloc(c, GFP_KERNEL);
	cr_assert(all_bytes(x, 0xcc, 96));
	kmem_cache_free(c, x);
	kmem_cache_destroy(c);
	assert_nothing_lost();
	kmm_shutdown();

	boot_api(profile, "init_on_alloc=0", 1);
	o = kmalloc(64, GFP_KERNEL);
	memset(o, 0x5a, 64);
	kfree(o);
	o2 = kmalloc(64, GFP_KERNEL);
	cr_assert_eq(o2, o);
	int old = 0;
	for (int i = 0; i < 64; i++)
		old += o2[i] == 0x5a;
	cr_assert_geq(old, 64 - 8, "the old bytes stay (all but the free pointer)");
	kfree(o2);
	o2 = kzalloc(64, GFP_KERNEL); /* __GFP_ZERO still zeroes */
	cr_assert(all_bytes(o2, 0, 64));
	kfree(o2);
	assert_nothing_lost();
	kmm_shutdown();

	/* init_on_free: the bytes are gone as it is freed (but the free pointer SLUB stores there) */
	boot_api(profile, "init_on_alloc=0 init_on_free=1", 1);
	o = kmalloc(128, GFP_KERNEL);
	memset(o, 0x5a, 128);
	kfree(o);
	int zero = 0;
	for (int i = 0; i < 128; i++)
		zero += peek_all(o + i, 0, 1);
	cr_assert_geq(zero, 128 - 8, "%d of 128 bytes zeroed", zero);
	assert_nothing_lost();
}
TEST_ON_EVERY_PROFILE(kernel_api, init_on_alloc_slab, check_init_on_alloc_slab)

static void *depth_of_new_thread(void *arg)
{
	return (void *)(long)kasan_current_depth();
}

static void check_kasan_disable_current(const char *profile)
{
	boot_api(profile, NULL, 1);
	/* nested, per thread */
	cr_assert_eq(kasan_current_depth(), 0);
	kasan_disable_current();
	kasan_disable_current();
	cr_assert_eq(kasan_current_depth(), 2);
	pthread_t th;
	void *other;
	pthread_create(&th, NULL, depth_of_new_thread, NULL);
	pthread_join(th, &other);
	cr_assert_eq((long)other, 0, "another thread's reports are not suspended");
	kasan_enable_current();
	cr_assert_eq(kasan_current_depth(), 1);
	kasan_enable_current();
	cr_assert_eq(kasan_current_depth(), 0);

	if (track_tool() && !strcmp(track_tool(), "ASan")) {
		/* a double free the tool sees: reported, refused; with reports off: refused, silent */
		void *a = kmalloc(64, GFP_KERNEL), *b = kmalloc(64, GFP_KERNEL);
		kfree(a);
		kfree(b);
		unsigned long bugs = M->slab_bugs;
		kasan_disable_current();
		kfree(a);
		kasan_enable_current();
		cr_assert_eq(M->slab_bugs, bugs);
		cr_assert_null(strstr(kmm_dmesg(), "BUG: KASAN: double-free"));
		kfree(a);
		cr_assert_eq(M->slab_bugs, bugs + 1);
		cr_assert_not_null(strstr(kmm_dmesg(), "BUG: KASAN: double-free"));
	}
	assert_nothing_lost();
}
TEST_ON_EVERY_PROFILE(kernel_api, kasan_disable_current, check_kasan_disable_current)

/* Two NUMA nodes: each CPU's unit of the first chunk, and of a vmalloc chunk, is on the CPU's node. */
Test(kernel_api, percpu_numa_x86_64)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	char err[256];
	p.profile = "x86_64";
	p.nr_cpus = 2;
	p.mem_bytes = 2ULL << 30;
	cr_assert_eq(kmm_boot_param_set(&p, "numa", "0:0-1G,1:1G-2G", err, sizeof(err)), 0, "%s", err);
	boot_or_fail(&p);
	cr_assert_eq(M->nr_nodes, 2);
	kmm_usage_settle(&at_boot);
	unsigned long __percpu *v = alloc_percpu(unsigned long);
	cr_assert_not_null(v);
	for (int cpu = 0; cpu < 2; cpu++) {
		phys_addr_t pa = kmm_host_to_kva(per_cpu_ptr(v, cpu)) - M->layout.page_offset;
		cr_assert_eq(page_to_nid(pfn_to_page(PHYS_PFN(pa))), cpu, "cpu %d's unit on node %d", cpu,
			     page_to_nid(pfn_to_page(PHYS_PFN(pa))));
		*per_cpu_ptr(v, cpu) = 10 + (unsigned long)cpu;
	}
	cr_assert_eq(*per_cpu_ptr(v, 0), 10);
	cr_assert_eq(*per_cpu_ptr(v, 1), 11);
	/* fill the first chunk: the vmalloc chunk's pages come from each CPU's node too */
	void __percpu *big[16];
	int n = 0;
	unsigned long areas = vmap_areas_in_use();
	while (vmap_areas_in_use() == areas && n < 16)
		cr_assert_not_null(big[n++] = __alloc_percpu(PCPU_MIN_UNIT_SIZE / 2, 8));
	cr_assert_gt(vmap_areas_in_use(), areas);
	for (int cpu = 0; cpu < 2; cpu++)
		cr_assert_eq(page_to_nid(vmalloc_to_page(per_cpu_ptr(big[n - 1], cpu))), cpu);
	while (n > 0)
		free_percpu(big[--n]);
	free_percpu(v);
	assert_nothing_lost();
}
