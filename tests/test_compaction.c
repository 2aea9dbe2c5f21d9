/*
 * test_compaction.c - memory compaction (mm/compaction.c): a machine
 * fragmented as the compact-x86_64-1G capture fragments a real one (a
 * task touches 600 MiB, then gives back every other page), then
 * /proc/sys/vm/compact_memory: order-9 and order-10 blocks appear again,
 * pgmigrate_success counts the moves, the task's bytes are intact and
 * "nothing lost"; the sysctls' refusals; direct compaction of a costly
 * allocation; compaction on one CPU while another faults and frees;
 * kcompactd (woken for an order, proactive by the sysctl's trigger and by
 * its timer) and the compaction: and migrate: tracepoints.
 */
#include "kmm_test.h"

#include <kmm/task.h>
#include <kmm/trace.h>

#include <pthread.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(compaction, .fini = fini, .timeout = 300);

#define MB (1UL << 20)

/* Σ over the zones of buddyinfo's column for order */
static unsigned long buddy_blocks(unsigned int order)
{
	unsigned long n = 0;
	struct zone *zone;
	for_each_populated_zone(zone)
		n += __atomic_load_n(&zone->free_area[order].nr_free, __ATOMIC_RELAXED);
	return n;
}

static void verify(const char *what)
{
	char why[512];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s: %s", what, why);
}

/* a region of pages, each holding its index at both ends; then every odd page given back */
static long fragment(struct task_struct *t, unsigned long pages)
{
	long a = task_mmap(t, 0, pages * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	for (unsigned long i = 0; i < pages; i++) {
		cr_assert_eq(task_write(t, (unsigned long)a + i * PAGE_SIZE, &i, sizeof(i)), 0);
		cr_assert_eq(task_write(t, (unsigned long)a + (i + 1) * PAGE_SIZE - sizeof(i), &i, sizeof(i)), 0);
	}
	for (unsigned long i = 1; i < pages; i += 2)
		cr_assert_eq(task_madvise(t, (unsigned long)a + i * PAGE_SIZE, PAGE_SIZE, MADV_DONTNEED), 0);
	return a;
}

static void check_even_pages(struct task_struct *t, long a, unsigned long pages)
{
	for (unsigned long i = 0; i < pages; i += 2) {
		unsigned long head = ~0UL, tail = ~0UL;
		cr_assert_eq(task_read(t, (unsigned long)a + i * PAGE_SIZE, &head, sizeof(head)), 0);
		cr_assert_eq(task_read(t, (unsigned long)a + (i + 1) * PAGE_SIZE - sizeof(tail), &tail, sizeof(tail)), 0);
		cr_assert(head == i && tail == i, "page %lu reads %lu/%lu", i, head, tail);
	}
}

/* the zone's unusable free space index for order (debugfs extfrag/unusable_index), in thousandths */
static unsigned long unusable_index(struct zone *zone, unsigned int order)
{
	unsigned long free = 0, suitable = 0;
	for (unsigned int o = 0; o < MAX_ORDER; o++) {
		unsigned long n = __atomic_load_n(&zone->free_area[o].nr_free, __ATOMIC_RELAXED) << o;
		free += n;
		if (o >= order)
			suitable += n;
	}
	return free ? (free - suitable) * 1000 / free : 0;
}

/* |got - want| within pct percent of want */
#define assert_within(got, want, pct, what)                                                                 \
	cr_assert((got) * 100 >= (want) * (100 - (pct)) && (got) * 100 <= (want) * (100 + (pct)),           \
		  "%s: %lu, the capture %lu (%d%% allowed)", what, (unsigned long)(got), (unsigned long)(want), pct)

/*
 * The capture's workload on its machine: 600 MiB touched, every other
 * page given back; DMA32 is all order-0 blocks then.  The real kernel's
 * compact_memory leaves 124 order-10 and 4 order-9 blocks in DMA32,
 * unusable indexes 0.112 (order 9) and 0.127 (order 10), and counts
 * 38509 pgmigrate_success: kmm's must be within 15% of each.
 *
 * The machine is the capture's as its workload found it: a booted kernel's
 * memory (the boot population: slabs, page tables, the rootfs, the
 * per-CPU lists' ~2300 pages) is in use and scattered before the task
 * starts.
 *
 * What decides the shape: the pages migration frees stay on the CPU's
 * list (6.1's pcp high is the zone's low watermark on one CPU, 13857
 * pages, and CONFIG_PCP_BATCH_SCALE_MAX keeps a CPU that frees without
 * allocating near it), so ~12500 freed pages and their ~12500 free
 * neighbours in the buddy lists make no large block - the capture's
 * zoneinfo shows 12528 on the list after compact_memory.  Before it the
 * list was nearly empty (169): the capture's shell polled the task's log
 * with `sleep 1`, and the sleep that ends after the task's frees frees
 * its order-1 page directory (Debian's PAGE_TABLE_ISOLATION build) with
 * nothing allocated since those frees, which 6.1's free_high rule turns
 * into a flush of the whole list.  The test's sleep does the same.
 */
Test(compaction, compact_memory_x86_64_1G)
{
	boot_machine("x86_64", 1ULL << 30, 1, "boot_population=on");
	struct kmm_usage boot;
	kmm_usage_settle(&boot);
	struct task_struct *t = task_create("hog", 1000);
	cr_assert_not_null(t);
	cr_assert_eq(task_exec_layout(t, "/bin/hog", 64 << 10, 16 << 10, 16 << 10), 0);
	unsigned long pages = 600 * MB / PAGE_SIZE;
	struct task_struct *sleep = task_create("sleep", 1000);
	cr_assert_not_null(sleep);
	cr_assert_eq(task_exec_layout(sleep, "/bin/sleep", 64 << 10, 16 << 10, 16 << 10), 0);
	long a = fragment(t, pages);
	task_exit(sleep);
	cr_assert_lt(NODE_DATA(0)->node_zones[ZONE_DMA32].pageset[0].count, 1000, "the exit flushed the CPU's list");
	struct zone *dma32 = &NODE_DATA(0)->node_zones[ZONE_DMA32];
	unsigned long high_before = buddy_blocks(9) + buddy_blocks(10);
	unsigned long ok0 = vmstat_value("pgmigrate_success"), scanned0 = vmstat_value("compact_migrate_scanned");
	unsigned long stall0 = vmstat_value("compact_stall");
	cr_assert_eq(kmm_proc_write("sys/vm/compact_memory", "1"), 0);
	unsigned long o9 = dma32->free_area[9].nr_free, o10 = dma32->free_area[10].nr_free;
	unsigned long migrated = vmstat_value("pgmigrate_success") - ok0;
	unsigned long u9 = unusable_index(dma32, 9), u10 = unusable_index(dma32, 10);
	cr_log_info("DMA32 order-9 %lu order-10 %lu (before: %lu), unusable index %lu/%lu, pgmigrate_success %lu, "
		    "compact_migrate_scanned %lu, compact_free_scanned %lu, compact_isolated %lu, pcp %d",
		    o9, o10, high_before, u9, u10, migrated, vmstat_value("compact_migrate_scanned") - scanned0,
		    vmstat_value("compact_free_scanned"), vmstat_value("compact_isolated"), dma32->pageset[0].count);
	assert_within(o10, 124UL, 15, "DMA32 order-10 blocks after compaction");
	assert_within(o9, 4UL, 15, "DMA32 order-9 blocks after compaction");
	assert_within(u9, 112UL, 15, "DMA32 unusable index, order 9 (thousandths)");
	assert_within(u10, 127UL, 15, "DMA32 unusable index, order 10 (thousandths)");
	assert_within(migrated, 38509UL, 15, "pgmigrate_success");
	cr_assert_eq(vmstat_value("compact_stall"), stall0, "manual compaction is no stall");
	cr_assert_eq(vmstat_value("compact_success") + vmstat_value("compact_fail"), 0);
	verify("after compaction");
	check_even_pages(t, a, pages);
	task_exit(t);
	{
		char why[256];
		cr_assert_eq(kmm_nothing_lost(&boot, why, sizeof(why)), 0, "compact_memory: %s", why);
	}
}

/* the sysctls: compact_memory takes an integer, extfrag_threshold 0..1000; refusals change nothing */
Test(compaction, sysctls)
{
	boot_machine("i386", 256ULL << 20, 1, NULL);
	cr_assert_eq(kmm_proc_write("sys/vm/compact_memory", "x"), -EINVAL);
	cr_assert_eq(kmm_proc_write("sys/vm/compact_memory", "1"), 0);
	char *v = kmm_proc_read("sys/vm/extfrag_threshold");
	cr_assert_str_eq(v, "500\n");
	free(v);
	cr_assert_eq(kmm_proc_write("sys/vm/extfrag_threshold", "1001"), -EINVAL);
	cr_assert_eq(kmm_proc_write("sys/vm/extfrag_threshold", "-1"), -EINVAL);
	cr_assert_eq(kmm_proc_write("sys/vm/extfrag_threshold", "700"), 0);
	v = kmm_proc_read("sys/vm/extfrag_threshold");
	cr_assert_str_eq(v, "700\n");
	free(v);
	assert_machine_sane();
}

/*
 * Direct compaction: with every large block broken up by a task's pages,
 * a costly allocation that may sleep compacts (compact_stall) and gets its
 * block (compact_success), on every profile.
 */
static void direct(const char *profile)
{
	boot_machine(profile, 256ULL << 20, 1, NULL);
	struct kmm_usage boot;
	kmm_usage_settle(&boot);
	struct task_struct *t = task_create("frag", 1000);
	cr_assert_not_null(t);
	cr_assert_eq(task_exec_layout(t, "/bin/frag", 64 << 10, 16 << 10, 16 << 10), 0);
	unsigned long pages = (unsigned long)(meminfo_value("MemFree:") * 9 / 10) / 4;
	long a = fragment(t, pages);
	/* the high orders left are the zones' whose pages the task could not use */
	unsigned int order = 7;
	unsigned long stall0 = vmstat_value("compact_stall"), success0 = vmstat_value("compact_success");
	struct page *pg[64];
	int got = 0;
	for (; got < 64; got++) {
		pg[got] = alloc_pages(GFP_HIGHUSER_MOVABLE | __GFP_NORETRY | __GFP_NOWARN, order);
		if (!pg[got])
			break;
		if (vmstat_value("compact_stall") > stall0)
			break;
	}
	cr_assert_gt(vmstat_value("compact_stall"), stall0, "no direct compaction after %d blocks", got);
	cr_assert_gt(vmstat_value("compact_success"), success0);
	for (int i = 0; i <= got && i < 64; i++)
		if (pg[i])
			__free_pages(pg[i], order);
	verify("after direct compaction");
	check_even_pages(t, a, pages);
	task_exit(t);
	assert_nothing_lost_since(&boot, profile);
}
TEST_ON_EVERY_PROFILE(compaction, direct, direct)

/* ---- two CPUs: compaction on one, faults and frees on the other ---------------------------- */

static struct task_struct *shared_task;
static long shared_a;
static unsigned long shared_pages;

/* each CPU's work; its result: 0, or the line of what went wrong (no cr_assert off the test's thread) */
static void *cpu_work(void *arg)
{
	int cpu = (int)(long)arg;
	if (kmm_cpu_enter(cpu))
		return (void *)(long)__LINE__;
	long bad = 0;
	if (cpu == 0) {
		for (int i = 0; i < 3 && !bad; i++)
			if (kmm_proc_write("sys/vm/compact_memory", "1"))
				bad = __LINE__;
	} else {
		struct task_struct *t = task_create("churn", 1000);
		if (!t || task_exec_layout(t, "/bin/churn", 64 << 10, 16 << 10, 16 << 10))
			bad = __LINE__;
		for (int round = 0; round < 20 && !bad; round++) {
			long b = task_mmap(t, 0, 256 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (b <= 0 || task_memset(t, (unsigned long)b, round, 256 * PAGE_SIZE)) {
				bad = __LINE__;
				break;
			}
			/* the compacted task's pages, read and written meanwhile */
			for (unsigned long i = 0; i < shared_pages && !bad; i += 64) {
				unsigned long v = ~0UL;
				if (task_read(shared_task, (unsigned long)shared_a + i * PAGE_SIZE, &v, sizeof(v)) || v != i)
					bad = __LINE__;
				if (task_write(shared_task, (unsigned long)shared_a + i * PAGE_SIZE, &i, sizeof(i)))
					bad = __LINE__;
			}
			if (task_munmap(t, (unsigned long)b, 256 * PAGE_SIZE))
				bad = __LINE__;
		}
		if (t)
			task_exit(t);
	}
	kmm_cpu_exit();
	return (void *)bad;
}

Test(compaction, two_cpus)
{
	boot_machine("x86_64", 256ULL << 20, 2, NULL);
	struct kmm_usage boot;
	kmm_usage_settle(&boot);
	shared_task = task_create("hog", 1000);
	cr_assert_not_null(shared_task);
	cr_assert_eq(task_exec_layout(shared_task, "/bin/hog", 64 << 10, 16 << 10, 16 << 10), 0);
	shared_pages = 128 * MB / PAGE_SIZE;
	shared_a = fragment(shared_task, shared_pages);
	kmm_cpu_exit();
	pthread_t th[2];
	void *res[2];
	for (long c = 0; c < 2; c++)
		cr_assert_eq(pthread_create(&th[c], NULL, cpu_work, (void *)c), 0);
	for (int c = 0; c < 2; c++)
		pthread_join(th[c], &res[c]);
	cr_assert_eq(kmm_cpu_enter(0), 0);
	for (int c = 0; c < 2; c++)
		cr_assert_null(res[c], "CPU %d failed at line %ld", c, (long)res[c]);
	verify("after two CPUs");
	check_even_pages(shared_task, shared_a, shared_pages);
	task_exit(shared_task);
	assert_nothing_lost_since(&boot, "two CPUs");
}

/* the capture's fragmented machine (600 MiB touched, every other page given back), the task returned */
static struct task_struct *fragmented_1G(long *a, unsigned long *pages)
{
	boot_machine("x86_64", 1ULL << 30, 1, NULL);
	struct task_struct *t = task_create("hog", 1000);
	cr_assert_not_null(t);
	cr_assert_eq(task_exec_layout(t, "/bin/hog", 64 << 10, 16 << 10, 16 << 10), 0);
	*pages = 600 * MB / PAGE_SIZE;
	*a = fragment(t, *pages);
	return t;
}

/*
 * vm.compaction_proactiveness: 0..100, 20 by default; writing it non-zero
 * makes kcompactd look at the node's fragmentation score at once.  At 100
 * (low mark 5, high mark 15) the fragmented DMA32 (score ~49) is compacted
 * in the background until its score is under 5 or the scanners meet;
 * compact_daemon_wake counts only woken work, never proactive passes.
 */
Test(compaction, proactive_trigger)
{
	long a;
	unsigned long pages;
	struct task_struct *t = fragmented_1G(&a, &pages);
	char *v = kmm_proc_read("sys/vm/compaction_proactiveness");
	cr_assert_str_eq(v, "20\n");
	free(v);
	cr_assert_eq(kmm_proc_write("sys/vm/compaction_proactiveness", "101"), -EINVAL);
	cr_assert_eq(kmm_proc_write("sys/vm/compaction_proactiveness", "-1"), -EINVAL);
	struct zone *dma32 = &NODE_DATA(0)->node_zones[ZONE_DMA32];
	unsigned long u9 = unusable_index(dma32, 9), scanned0 = vmstat_value("compact_migrate_scanned");
	cr_assert_gt(u9, 150, "fragmented: unusable index %lu", u9);
	kmm_clock_advance(2000000000ULL); /* 20: score ~49 is under the high mark 30; four checks do nothing */
	cr_assert_eq(vmstat_value("compact_migrate_scanned"), scanned0);
	cr_assert_eq(kmm_proc_write("sys/vm/compaction_proactiveness", "100"), 0);
	cr_assert_eq(vmstat_value("compact_migrate_scanned"), scanned0, "the write only wakes kcompactd");
	kmm_clock_advance(0); /* a scheduling point: kcompactd runs */
	cr_assert_gt(vmstat_value("compact_migrate_scanned"), scanned0);
	cr_assert_gt(vmstat_value("pgmigrate_success"), 10000);
	cr_assert_lt(unusable_index(dma32, 9), u9 / 2, "unusable index %lu after, %lu before", unusable_index(dma32, 9), u9);
	cr_assert_eq(vmstat_value("compact_daemon_wake"), 0);
	cr_assert_eq(vmstat_value("compact_stall"), 0);
	verify("after proactive compaction");
	check_even_pages(t, a, pages);
	task_exit(t);
}

/*
 * The timer: with proactiveness 100 from the command line, kcompactd's
 * sleep ends every HPAGE_FRAG_CHECK_INTERVAL_MSEC (500 ms) and a
 * fragmented node is compacted without anyone writing anything; with 0
 * it sleeps until woken.
 */
Test(compaction, proactive_timer)
{
	boot_machine("x86_64", 1ULL << 30, 1, "sysctl.vm.compaction_proactiveness=0");
	struct task_struct *t = task_create("hog", 1000);
	cr_assert_not_null(t);
	cr_assert_eq(task_exec_layout(t, "/bin/hog", 64 << 10, 16 << 10, 16 << 10), 0);
	unsigned long pages = 600 * MB / PAGE_SIZE;
	long a = fragment(t, pages);
	kmm_clock_advance(5000000000ULL);
	cr_assert_eq(vmstat_value("compact_migrate_scanned"), 0, "proactiveness 0: no background compaction");
	task_exit(t);
	kmm_shutdown();

	boot_machine("x86_64", 1ULL << 30, 1, "sysctl.vm.compaction_proactiveness=100");
	t = task_create("hog", 1000);
	cr_assert_not_null(t);
	cr_assert_eq(task_exec_layout(t, "/bin/hog", 64 << 10, 16 << 10, 16 << 10), 0);
	a = fragment(t, pages);
	cr_assert_eq(vmstat_value("compact_migrate_scanned"), 0);
	kmm_clock_advance(600000000ULL); /* past one interval */
	cr_assert_gt(vmstat_value("compact_migrate_scanned"), 0, "the timed-out sleep compacted the node");
	cr_assert_gt(vmstat_value("pgmigrate_success"), 10000);
	verify("after timed proactive compaction");
	check_even_pages(t, a, pages);
	task_exit(t);
}

/*
 * wakeup_kcompactd: no free block of order 9 or more left in DMA32 (the
 * test holds them all), kcompactd woken for order 9 compacts DMA32 until
 * one is free (COMPACT_SUCCESS), counting compact_daemon_wake and its
 * scans; no stall, no deferral.  A wake for an order a zone already has
 * (order 1) is not suitable anywhere and does not wake it.
 */
Test(compaction, kcompactd_wake)
{
	long a;
	unsigned long pages;
	struct task_struct *t = fragmented_1G(&a, &pages);
	pg_data_t *pgdat = NODE_DATA(0);
	struct zone *dma32 = &pgdat->node_zones[ZONE_DMA32];
	struct list_head held = LIST_HEAD_INIT(held);
	for (int o = MAX_ORDER - 1; o >= 9; o--)
		while (dma32->free_area[o].nr_free) {
			struct page *p = alloc_pages(GFP_KERNEL | __GFP_NOWARN, (unsigned int)o);
			cr_assert_not_null(p);
			p->private = (unsigned long)o;
			list_add(&p->lru, &held);
		}
	wakeup_kcompactd(pgdat, 1, ZONE_DMA32);
	kmm_clock_advance(0);
	cr_assert_eq(vmstat_value("compact_daemon_wake"), 0, "order 1 is there: not suitable");
	unsigned long scanned0 = vmstat_value("compact_migrate_scanned");
	wakeup_kcompactd(pgdat, 9, ZONE_DMA32);
	cr_assert_eq(vmstat_value("compact_daemon_wake"), 0, "woken: it runs at the next scheduling point");
	kmm_clock_advance(0);
	cr_assert_eq(vmstat_value("compact_daemon_wake"), 1);
	cr_assert_gt(vmstat_value("compact_daemon_migrate_scanned"), 0);
	cr_assert_eq(vmstat_value("compact_daemon_migrate_scanned"), vmstat_value("compact_migrate_scanned") - scanned0);
	cr_assert_gt(dma32->free_area[9].nr_free + dma32->free_area[10].nr_free, 0, "a block of order 9 made");
	cr_assert_eq(pgdat->kcompactd_max_order, 0, "the request was taken");
	cr_assert_eq(dma32->compact_defer_shift, 0U);
	cr_assert_eq(vmstat_value("compact_stall"), 0);
	while (!list_empty(&held)) {
		struct page *p = list_first_entry(&held, struct page, lru);
		list_del(&p->lru);
		unsigned int o = (unsigned int)p->private;
		p->private = 0;
		__free_pages(p, o);
	}
	verify("after kcompactd");
	check_even_pages(t, a, pages);
	task_exit(t);
}

/* the number after "key=" in the first line of text that has it after from; ~0 if none */
static unsigned long field_after(const char *from, const char *key)
{
	const char *at = strstr(from, key);
	return at ? strtoul(at + strlen(key), NULL, 0) : ~0UL;
}

/*
 * The compaction: and migrate: tracepoints in 6.1's formats: a
 * compact_memory of a fragmented x86_64 machine records begin/end per zone
 * (mode=sync, status=complete), the scanners' blocks, each migrate_pages
 * run (mm_migrate_pages' nr_succeeded summing to pgmigrate_success), the
 * migration entries made and removed; direct compaction records
 * try_to_compact_pages and suitable; kcompactd its wake and sleep.  The
 * enable files and set_event know the two systems; the format files give
 * the fields at x86_64's offsets with the status table spelled out; a
 * replay passes the lines over.
 */
Test(compaction, tracepoints)
{
	boot_machine("x86_64", 256ULL << 20, 1, NULL);
	struct task_struct *t = task_create("hog", 1000);
	cr_assert_not_null(t);
	cr_assert_eq(task_exec_layout(t, "/bin/hog", 64 << 10, 16 << 10, 16 << 10), 0);
	unsigned long pages = 64 * MB / PAGE_SIZE;
	long a = fragment(t, pages);
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/events/compaction/enable", "1"), 0);
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/events/migrate/mm_migrate_pages/enable", "1"), 0);
	char *v = kmm_proc_read("sys/kernel/tracing/events/migrate/enable");
	cr_assert_str_eq(v, "X\n");
	free(v);
	v = kmm_proc_read("sys/kernel/tracing/set_event");
	cr_assert_not_null(strstr(v, "compaction:mm_compaction_begin\n"), "%s", v);
	cr_assert_not_null(strstr(v, "migrate:mm_migrate_pages\n"), "%s", v);
	cr_assert_null(strstr(v, "migrate:set_migration_pte"), "%s", v);
	free(v);
	unsigned long ok0 = vmstat_value("pgmigrate_success");
	cr_assert_eq(kmm_proc_write("sys/vm/compact_memory", "1"), 0);
	unsigned long migrated = vmstat_value("pgmigrate_success") - ok0;
	char *tr = kmm_proc_read("sys/kernel/tracing/trace");
	cr_assert_not_null(tr);
	const char *begin = strstr(tr, ": mm_compaction_begin: zone_start=0x");
	cr_assert_not_null(begin, "%s", tr);
	cr_assert_not_null(strstr(begin, ", mode=sync\n"));
	cr_assert_not_null(strstr(tr, ": mm_compaction_end: zone_start=0x"), "%.2000s", tr);
	cr_assert_not_null(strstr(tr, ", mode=sync status=complete\n"), "%.2000s", tr);
	cr_assert_not_null(strstr(tr, ": mm_compaction_finished: node=0 zone=DMA32    order=-1 ret=continue\n"));
	cr_assert_not_null(strstr(tr, ": mm_compaction_isolate_migratepages: range=(0x"));
	cr_assert_not_null(strstr(tr, ": mm_compaction_isolate_freepages: range=(0x"));
	cr_assert_not_null(strstr(tr, ": mm_compaction_migratepages: nr_migrated="));
	cr_assert_null(strstr(tr, "set_migration_pte"), "not enabled");
	unsigned long sum = 0;
	for (const char *p = tr; (p = strstr(p, ": mm_migrate_pages: ")); p++) {
		sum += field_after(p, "nr_succeeded=");
		const char *eol = strchr(p, '\n'), *tail = strstr(p, " nr_thp_succeeded=0 nr_thp_failed=0 nr_thp_split=0 "
								     "mode=MIGRATE_SYNC reason=compaction\n");
		cr_assert(tail && eol && tail < eol, "%.200s", p);
	}
	cr_assert_eq(sum, migrated, "the trace's nr_succeeded add up to pgmigrate_success (%lu)", migrated);
	free(tr);

	/* migration entries: made and removed once per mapped page moved */
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/trace", ""), 0);
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/set_event", "migrate:set_migration_pte migrate:remove_migration_pte"), 0);
	struct page *hold = alloc_pages(GFP_KERNEL, 1); /* a different layout: the pages move again */
	cr_assert_eq(kmm_proc_write("sys/vm/compact_memory", "1"), 0);
	tr = kmm_proc_read("sys/kernel/tracing/trace");
	unsigned long set = 0, removed = 0;
	for (const char *p = tr; (p = strstr(p, ": set_migration_pte: addr=")); p++)
		set++;
	for (const char *p = tr; (p = strstr(p, ": remove_migration_pte: addr=")); p++)
		removed++;
	cr_assert_eq(set, removed);
	cr_assert_not_null(strstr(tr, ", pte="), "%.1000s", tr);
	free(tr);
	__free_pages(hold, 1);

	/* kcompactd and direct compaction */
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/set_event", "compaction"), 0);
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/trace", ""), 0);
	cr_assert_eq(kmm_proc_write("sys/vm/compaction_proactiveness", "100"), 0);
	kmm_clock_advance(0);
	tr = kmm_proc_read("sys/kernel/tracing/trace");
	cr_assert_not_null(strstr(tr, ": mm_compaction_kcompactd_sleep: nid=0\n"), "%s", tr);
	free(tr);
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/trace", ""), 0);
	struct page *p = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 9);
	if (p)
		__free_pages(p, 9);
	wakeup_kcompactd(NODE_DATA(0), 10, ZONE_DMA32);
	kmm_clock_advance(0);
	tr = kmm_proc_read("sys/kernel/tracing/trace");
	cr_assert(strstr(tr, ": mm_compaction_suitable: node=0 zone=") || strstr(tr, ": mm_compaction_kcompactd_wake: "),
		  "%s", tr);
	free(tr);

	/* the format files */
	char *f = kmm_proc_read("sys/kernel/tracing/events/compaction/mm_compaction_end/format");
	cr_assert_not_null(f);
	cr_assert_not_null(strstr(f, "\tfield:unsigned long zone_start;\toffset:8;\tsize:8;\tsigned:0;\n"
				     "\tfield:unsigned long migrate_pfn;\toffset:16;\tsize:8;\tsigned:0;\n"
				     "\tfield:unsigned long free_pfn;\toffset:24;\tsize:8;\tsigned:0;\n"
				     "\tfield:unsigned long zone_end;\toffset:32;\tsize:8;\tsigned:0;\n"
				     "\tfield:bool sync;\toffset:40;\tsize:1;\tsigned:0;\n"
				     "\tfield:int status;\toffset:44;\tsize:4;\tsigned:1;\n"),
			   "%s", f);
	cr_assert_not_null(strstr(f, "__print_symbolic(REC->status, {1, \"skipped\"}, {2, \"deferred\"}, {4, \"continue\"}, "
				     "{8, \"success\"}, {6, \"partial_skipped\"}, {5, \"complete\"}, {3, \"no_suitable_page\"}, "
				     "{0, \"not_suitable_zone\"}, {7, \"contended\"})\n"),
			   "%s", f);
	free(f);
	f = kmm_proc_read("sys/kernel/tracing/events/compaction/mm_compaction_suitable/format");
	cr_assert_not_null(strstr(f, "\tfield:enum zone_type idx;\toffset:12;\tsize:4;\tsigned:0;\n"), "%s", f);
	cr_assert_not_null(strstr(f, "__print_symbolic(REC->idx, {0, \"DMA\"}, {1, \"DMA32\"}, {2, \"Normal\"}, "
				     "{3, \"Movable\"})"),
			   "%s", f);
	free(f);
	f = kmm_proc_read("sys/kernel/tracing/events/migrate/mm_migrate_pages/format");
	cr_assert_not_null(strstr(f, "__print_symbolic(REC->mode, {0, \"MIGRATE_ASYNC\"}, {1, \"MIGRATE_SYNC_LIGHT\"}, "
				     "{2, \"MIGRATE_SYNC\"}), __print_symbolic(REC->reason, {0, \"compaction\"}"),
			   "%s", f);
	free(f);
	f = kmm_proc_read("sys/kernel/tracing/events/compaction/mm_compaction_try_to_compact_pages/format");
	cr_assert_not_null(strstr(f, "\"order=%d gfp_mask=%s priority=%d\", REC->order, (REC->gfp_mask) ? "
				     "__print_flags(REC->gfp_mask, \"|\""),
			   "%s", f);
	free(f);

	/* a replay passes them over, tracefs's and perf's layouts */
	static const char *const lines[] = {
		"   kcompactd0-35      [000] .....   100.1: mm_compaction_kcompactd_wake: nid=0 order=9 classzone_idx=Normal  ",
		"            bash-1    [000] .....   100.2: mm_migrate_pages: nr_succeeded=32 nr_failed=0 nr_thp_succeeded=0",
		"            bash-1    [000] .....   100.3: set_migration_pte: addr=7f00, pte=1234 order=0",
		"   kcompactd0    35 [000]   100.4: compaction:mm_compaction_begin: zone_start=0x1000",
		"   kcompactd0    35 [000]   100.5: migrate:mm_migrate_pages_start: mode=MIGRATE_SYNC reason=compaction",
	};
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		struct kmm_trace_event ev;
		char why[160];
		cr_assert_eq(kmm_trace_parse_line(lines[i], strlen(lines[i]), &ev, why, sizeof(why)), KMM_TRACE_NOT_REPLAYED,
			     "%s: %s", lines[i], why);
	}
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/set_event", ""), 0);
	verify("after the traced compactions");
	check_even_pages(t, a, pages);
	task_exit(t);
}
