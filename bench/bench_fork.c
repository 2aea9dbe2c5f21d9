/*
 * bench_fork.c - process creation and address-space changes with their
 * kernel objects (kernel/fork.c: task_struct, stack, mm_struct, a
 * vm_area_struct per VMA, anon_vma and its chain links ...), against the
 * host kernel doing the same work in the same run:
 *   fork + exit of a task whose 16 MiB heap is touched: kmm task_fork
 *     (every object copy_process takes, the VMAs, the PTEs shared
 *     copy-on-write) then task_exit; host: fork() of this process with a
 *     16 MiB heap it touched, the child _exit(0)s, waitpid;
 *   mmap + munmap of one anonymous page: kmm task_mmap (a vm_area_struct)
 *     and task_munmap; host: mmap and munmap.
 * One operation = one fork+exit, or one mmap+munmap; each profile that
 * differs in its objects (i386: 8 KiB stacks from the page allocator;
 * x86_64: 16 KiB vmap stacks).
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kmm/kmm.h>
#include <kmm/task.h>

#include "bench.h"

#define HEAP (16UL << 20)

static struct task_struct *task;

static void kmm_fork_exit(void *arg, long n)
{
	for (long i = 0; i < n; i++)
		task_exit(task_fork(task));
}

static void host_fork_exit(void *arg, long n)
{
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		waitpid(pid, NULL, 0);
	}
}

static void kmm_mmap_munmap(void *arg, long n)
{
	for (long i = 0; i < n; i++) {
		long a = task_mmap(task, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		task_munmap(task, (unsigned long)a, 4096);
	}
}

static void host_mmap_munmap(void *arg, long n)
{
	for (long i = 0; i < n; i++) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		munmap(p, 4096);
	}
}

void bench_fork(void)
{
	/* the host's side: this process with a 16 MiB heap it touched */
	char *heap = mmap(NULL, HEAP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(heap, 1, HEAP);
	bench_print_header("processes (one operation = fork+exit with a 16 MiB touched heap, or mmap+munmap of a page)");
	static const char *const profiles[] = { "i386", "x86_64" };
	for (int i = 0; i < 2; i++) {
		struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
		p.profile = profiles[i];
		p.mem_bytes = 1ULL << 30;
		char err[256];
		if (kmm_boot(&p, err, sizeof(err))) {
			fprintf(stderr, "bench: %s\n", err);
			continue;
		}
		task = task_create("bench", 1000);
		task_exec_layout(task, "/usr/bin/bench", 1 << 16, 1 << 12, 1 << 12);
		long a = task_mmap(task, 0, HEAP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		mm_access(task, (unsigned long)a, HEAP, true);
		char name[64];
		struct bench_result k = bench_best(kmm_fork_exit, NULL, 200, 5), b = bench_best(host_fork_exit, NULL, 200, 5);
		snprintf(name, sizeof(name), "fork+exit, 16 MiB heap (%s)", profiles[i]);
		bench_print(name, k, b);
		k = bench_best(kmm_mmap_munmap, NULL, 20000, 5);
		b = bench_best(host_mmap_munmap, NULL, 20000, 5);
		snprintf(name, sizeof(name), "mmap+munmap of a page (%s)", profiles[i]);
		bench_print(name, k, b);
		task_exit(task);
		kmm_shutdown();
	}
	munmap(heap, HEAP);
}
