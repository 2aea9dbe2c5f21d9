/*
 * four_tasks.c - a C program of a library user, built by tests/pkgconfig.sh
 * against the installed kmm (pkg-config --cflags --libs kmm): it boots a
 * machine with two CPUs, runs four tasks on them from four host threads as
 * kmm.h's threading rules say, and checks the counters of kmm/vmstat.h -
 * read as numbers, not parsed from text - against what it did.
 * Prints "four_tasks: ok ..." and exits 0, or says what is wrong and exits 1.
 */
#include <kmm/kmm.h>
#include <kmm/gfp.h>
#include <kmm/percpu.h>
#include <kmm/task.h>
#include <kmm/vmstat.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NR_TASKS 4
#define NR_CPUS 2
#define PAGES 64  /* each task touches this many pages */
#define SLICES 16 /* in this many turns on its CPU */

struct worker {
	struct task_struct *task;
	unsigned long addr;
	int cpu;
	unsigned long __percpu *turns; /* per-CPU count of turns taken */
	int failed;
};

static int failures;

#define CHECK(cond, ...)                                           \
	do {                                                       \
		if (!(cond)) {                                     \
			fprintf(stderr, "four_tasks: " __VA_ARGS__); \
			fputc('\n', stderr);                       \
			failures++;                                \
		}                                                  \
	} while (0)

static void *run(void *arg)
{
	struct worker *w = arg;
	for (int s = 0; s < SLICES; s++) {
		if (kmm_cpu_enter(w->cpu)) { /* waits while another thread is on the CPU */
			w->failed++;
			continue;
		}
		unsigned long per = PAGES / SLICES;
		if (task_memset(w->task, w->addr + s * per * 4096, 0x40 + s, per * 4096))
			w->failed++;
		(*this_cpu_ptr(w->turns))++;
		kmm_cpu_exit(); /* the next thread takes the CPU */
	}
	return NULL;
}

int main(void)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	char err[256];
	p.profile = getenv("PROFILE") ? getenv("PROFILE") : "i386";
	p.mem_bytes = 512ULL << 20;
	p.nr_cpus = NR_CPUS;
	if (kmm_boot(&p, err, sizeof(err))) {
		fprintf(stderr, "four_tasks: boot: %s\n", err);
		return 1;
	}
	struct sysinfo before;
	si_meminfo(&before);
	CHECK(before.mem_unit == 4096, "mem_unit %u", before.mem_unit);
	CHECK(before.totalram == totalram_pages() && before.freeram == global_zone_page_state(NR_FREE_PAGES),
	      "si_meminfo and the counters disagree");
	unsigned long ev0[NR_VM_EVENT_ITEMS], ev1[NR_VM_EVENT_ITEMS];
	all_vm_events(ev0);
	unsigned long anon0 = global_node_page_state(NR_ANON_MAPPED);

	unsigned long __percpu *turns = alloc_percpu(unsigned long);
	CHECK(turns != NULL, "alloc_percpu failed");
	struct worker w[NR_TASKS];
	pthread_t th[NR_TASKS];
	for (int i = 0; i < NR_TASKS; i++) {
		w[i] = (struct worker){ .task = task_create("worker", 1000), .cpu = i % NR_CPUS, .turns = turns };
		long a = task_mmap(w[i].task, 0, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		CHECK(a > 0, "mmap: %ld", a);
		w[i].addr = (unsigned long)a;
	}
	kmm_cpu_exit(); /* the booting thread leaves CPU 0 before it waits for anybody */
	for (int i = 0; i < NR_TASKS; i++)
		pthread_create(&th[i], NULL, run, &w[i]);
	for (int i = 0; i < NR_TASKS; i++)
		pthread_join(th[i], NULL);
	CHECK(kmm_cpu_enter(0) == 0, "cannot enter CPU 0 again");

	all_vm_events(ev1);
	for (int i = 0; i < NR_TASKS; i++) {
		CHECK(!w[i].failed, "worker %d: %d slices failed", i, w[i].failed);
		CHECK(get_mm_counter(w[i].task->mm, MM_ANONPAGES) == PAGES, "worker %d: %lu anonymous pages", i,
		      get_mm_counter(w[i].task->mm, MM_ANONPAGES));
		unsigned char b = 0;
		CHECK(task_read(w[i].task, w[i].addr + (PAGES - 1) * 4096, &b, 1) == 0 && b == 0x40 + SLICES - 1,
		      "worker %d: read back %#x", i, b);
	}
	unsigned long anon = global_node_page_state(NR_ANON_MAPPED) - anon0;
	unsigned long faults = ev1[PGFAULT] - ev0[PGFAULT];
	CHECK(anon == NR_TASKS * PAGES, "NR_ANON_MAPPED grew by %lu", anon);
	CHECK(faults >= NR_TASKS * PAGES, "%lu page faults", faults);
	CHECK(*per_cpu_ptr(turns, 0) + *per_cpu_ptr(turns, 1) == NR_TASKS * SLICES && *per_cpu_ptr(turns, 0) == 2 * SLICES,
	      "turns per CPU %lu + %lu", *per_cpu_ptr(turns, 0), *per_cpu_ptr(turns, 1));
	struct sysinfo during;
	si_meminfo(&during);
	CHECK(during.freeram + NR_TASKS * PAGES <= before.freeram, "freeram %lu, before %lu", during.freeram, before.freeram);

	for (int i = 0; i < NR_TASKS; i++)
		task_exit(w[i].task);
	free_percpu(turns);
	CHECK(global_node_page_state(NR_ANON_MAPPED) == anon0, "anonymous pages left after exit");
	CHECK(kmm_verify(err, sizeof(err)) == 0, "kmm_verify: %s", err);
	kmm_shutdown();
	if (failures)
		return 1;
	printf("four_tasks: ok on %s: %d tasks on %d CPUs, %lu anonymous pages, %lu faults, %lu free pages before\n", p.profile,
	       NR_TASKS, NR_CPUS, anon, faults, before.freeram);
	return 0;
}
