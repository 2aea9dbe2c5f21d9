/*
 * bench_fault.c - page faults of simulated processes, through both ways
 * in, against the host kernel doing the same work in the same run:
 *   demand-zero write faults: kmm mm_access(write) over a fresh anonymous
 *     mmap, one fault per page, 4 KiB zeroing included - or a C store to
 *     each page through task_user_ptr (the host trap: a SIGSEGV, the
 *     simulated fault, one host mmap); host: touching each page of a
 *     fresh anonymous mmap;
 *   copy-on-write faults: after fork, the child writes every page (through
 *     either way in); host: fork(), the child writes every page, the
 *     parent waits;
 *   demand-zero write faults of a task in a memory cgroup (memory.max far
 *     above its use): the charge of every page (the per-CPU stock) and its
 *     uncharge at munmap; the same host baseline.
 * One operation = one page.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kmm/kmm.h>
#include <kmm/task.h>

#include "bench.h"

static struct task_struct *task;

static void kmm_demand_zero(void *arg, long pages)
{
	long a = task_mmap(task, 0, (unsigned long)pages << 12, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mm_access(task, (unsigned long)a, (unsigned long)pages << 12, true);
	task_munmap(task, (unsigned long)a, (unsigned long)pages << 12);
}

static void host_demand_zero(void *arg, long pages)
{
	char *p = mmap(NULL, (size_t)pages << 12, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (long i = 0; i < pages; i++)
		p[i << 12] = 1;
	munmap(p, (size_t)pages << 12);
}

static void kmm_demand_zero_trap(void *arg, long pages)
{
	long a = task_mmap(task, 0, (unsigned long)pages << 12, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	volatile char *p = task_user_ptr(task, (unsigned long)a);
	for (long i = 0; i < pages; i++)
		p[i << 12] = 1;
	task_munmap(task, (unsigned long)a, (unsigned long)pages << 12);
}

static void kmm_cow_trap(void *arg, long pages)
{
	long a = *(long *)arg;
	struct task_struct *child = task_fork(task);
	volatile char *p = task_user_ptr(child, (unsigned long)a);
	for (long i = 0; i < pages; i++)
		p[i << 12] = 'c';
	task_exit(child);
}

static void kmm_cow(void *arg, long pages)
{
	long a = *(long *)arg;
	struct task_struct *child = task_fork(task);
	for (long i = 0; i < pages; i++)
		task_write(child, (unsigned long)a + ((unsigned long)i << 12), "c", 1);
	task_exit(child);
}

static void host_cow(void *arg, long pages)
{
	char *p = arg;
	pid_t pid = fork();
	if (pid == 0) {
		for (long i = 0; i < pages; i++)
			p[i << 12] = 2;
		_exit(0);
	}
	waitpid(pid, NULL, 0);
}

void bench_fault(void)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS; /* i386, 4 GiB: user pages from HighMem */
	char err[256];
	if (kmm_boot(&p, err, sizeof(err))) {
		fprintf(stderr, "bench: %s\n", err);
		return;
	}
	task = task_create("bench", 1000);
	task_exec_layout(task, "/usr/bin/bench", 1 << 16, 1 << 12, 1 << 12);
	const long pages = 16384; /* 64 MiB */
	bench_print_header("page faults (one operation = one page; baseline = the host kernel's own fault)");
	struct bench_result k = bench_best(kmm_demand_zero, NULL, pages, 5), b = bench_best(host_demand_zero, NULL, pages, 5);
	bench_print("demand-zero write fault (software API)", k, b);
	k = bench_best(kmm_demand_zero_trap, NULL, pages, 5);
	bench_print("demand-zero write fault (host trap)", k, b);
	long a = task_mmap(task, 0, (unsigned long)pages << 12, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	char *host = mmap(NULL, (size_t)pages << 12, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	k = bench_best(kmm_cow, &a, pages, 5);
	b = bench_best(host_cow, host, pages, 5);
	bench_print("copy-on-write fault after fork (software API)", k, b);
	k = bench_best(kmm_cow_trap, &a, pages, 5);
	bench_print("copy-on-write fault after fork (host trap)", k, b);
	munmap(host, (size_t)pages << 12);
	task_munmap(task, (unsigned long)a, (unsigned long)pages << 12);
	kmm_cgroup_mkdir("bench");
	kmm_proc_write("sys/fs/cgroup/bench/memory.max", "1G");
	kmm_cgroup_attach(task, "bench");
	k = bench_best(kmm_demand_zero, NULL, pages, 5);
	b = bench_best(host_demand_zero, NULL, pages, 5);
	bench_print("demand-zero write fault in a memory cgroup (software API)", k, b);
	task_exit(task);
	kmm_shutdown();
}
