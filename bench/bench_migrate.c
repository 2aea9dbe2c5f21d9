/*
 * bench_migrate.c - page migration and compaction (mm/migrate.c,
 * mm/compaction.c), against the host kernel doing comparable work in the
 * same run:
 *   one page migrated: kmm task_move_pages of one touched anonymous page
 *     of an x86_64 machine with two fake NUMA nodes, to the other node
 *     each time (unmap through rmap to a migration entry, the 4 KiB copy,
 *     the PTE of the new frame); host: move_pages(2) of one of this
 *     process's pages to another node where the host has two; on one
 *     node (the usual container) the kernel would not move it, so the
 *     baseline is mremap(2) of a touched page to another address and back
 *     (the PTE moved, no copy) - the nearest work one node can do.
 *   compaction throughput: compact_memory of the compact-x86_64-1G
 *     capture's machine (1 GiB, 600 MiB touched, every other page given
 *     back), pages migrated per second; host: the same number of 4 KiB
 *     pages copied by memcpy from one buffer to another (the copy alone,
 *     the floor of any migration).
 * One operation = one page moved (both benches).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <kmm/kmm.h>
#include <kmm/task.h>

#include "bench.h"
#include "internal.h"

static struct task_struct *task;
static unsigned long page_addr;

static void kmm_move_one(void *arg, long n)
{
	for (long i = 0; i < n; i++) {
		int node = (int)(i & 1) ^ 1, status;
		task_move_pages(task, 1, &page_addr, &node, &status, MPOL_MF_MOVE);
	}
}

static char *host_page, *host_spare;
static int host_nodes;

static void host_move_one(void *arg, long n)
{
	void *pages[1] = { host_page };
	for (long i = 0; i < n; i++) {
		int node = (int)(i & 1) ^ 1, status;
		syscall(SYS_move_pages, 0, 1UL, pages, &node, &status, 1 /* MPOL_MF_MOVE */);
	}
}

static void host_mremap_one(void *arg, long n)
{
	for (long i = 0; i < n; i++) {
		char *from = (i & 1) ? host_spare : host_page, *to = (i & 1) ? host_page : host_spare;
		mremap(from, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	}
}

/* the host's nodes: move_pages to node 1 of a page of ours answers whether there is one */
static int host_node_count(void)
{
	void *pages[1] = { host_page };
	int node = 1, status = -1;
	if (syscall(SYS_move_pages, 0, 1UL, pages, &node, &status, 1) < 0 || status != 1)
		return 1;
	return 2;
}

static void bench_move_page(void)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "x86_64";
	p.mem_bytes = 1ULL << 30;
	p.cmdline = "numa=fake=2";
	char err[256];
	if (kmm_boot(&p, err, sizeof(err))) {
		fprintf(stderr, "bench: %s\n", err);
		return;
	}
	task = task_create("bench", 1000);
	task_exec_layout(task, "/usr/bin/bench", 1 << 16, 1 << 12, 1 << 12);
	long a = task_mmap(task, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	page_addr = (unsigned long)a;
	mm_access(task, page_addr, 4096, true);
	struct bench_result k = bench_best(kmm_move_one, NULL, 20000, 5);
	task_exit(task);
	kmm_shutdown();

	host_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	host_spare = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(host_page, 1, 4096);
	host_nodes = host_node_count();
	if (host_nodes > 1) {
		struct bench_result b = bench_best(host_move_one, NULL, 20000, 5);
		bench_print("migrate one page: move_pages (x86_64)", k, b);
	} else {
		struct bench_result b = bench_best(host_mremap_one, NULL, 20000, 5);
		bench_print("migrate one page vs host mremap (x86_64)", k, b);
	}
	munmap(host_page, 4096);
	munmap(host_spare, 4096);
}

/* the capture's machine, fragmented; the task's region in *a */
static struct task_struct *fragment_1G(unsigned long pages)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "x86_64";
	p.mem_bytes = 1ULL << 30;
	char err[256];
	if (kmm_boot(&p, err, sizeof(err))) {
		fprintf(stderr, "bench: %s\n", err);
		return NULL;
	}
	struct task_struct *t = task_create("hog", 1000);
	task_exec_layout(t, "/bin/hog", 1 << 16, 1 << 12, 1 << 12);
	long a = task_mmap(t, 0, pages * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mm_access(t, (unsigned long)a, pages * 4096, true);
	for (unsigned long i = 1; i < pages; i += 2)
		task_madvise(t, (unsigned long)a + i * 4096, 4096, MADV_DONTNEED);
	return t;
}

static unsigned long vm_event(const char *name)
{
	char *v = kmm_proc_read("vmstat");
	unsigned long n = 0;
	const char *at = v ? strstr(v, name) : NULL;
	if (at)
		n = strtoul(at + strlen(name) + 1, NULL, 10);
	free(v);
	return n;
}

static void bench_compaction(void)
{
	const unsigned long pages = (600UL << 20) / 4096;
	double best_ns = 1e300, best_cy = 1e300;
	unsigned long moved = 0;
	for (int r = 0; r < 3; r++) {
		struct task_struct *t = fragment_1G(pages);
		if (!t)
			return;
		unsigned long m0 = vm_event("pgmigrate_success");
		uint64_t t0 = bench_ns(), c0 = bench_cycles();
		kmm_proc_write("sys/vm/compact_memory", "1");
		uint64_t c1 = bench_cycles(), t1 = bench_ns();
		moved = vm_event("pgmigrate_success") - m0;
		if (moved && (double)(t1 - t0) / (double)moved < best_ns) {
			best_ns = (double)(t1 - t0) / (double)moved;
			best_cy = (double)(c1 - c0) / (double)moved;
		}
		task_exit(t);
		kmm_shutdown();
	}
	/* the host: as many 4 KiB copies, buffer to buffer */
	char *src = malloc(moved * 4096), *dst = malloc(moved * 4096);
	if (!src || !dst || !moved) {
		free(src);
		free(dst);
		return;
	}
	memset(src, 1, moved * 4096);
	memset(dst, 0, moved * 4096);
	double host_ns = 1e300, host_cy = 1e300;
	for (int r = 0; r < 3; r++) {
		uint64_t t0 = bench_ns(), c0 = bench_cycles();
		for (unsigned long i = 0; i < moved; i++)
			memcpy(dst + i * 4096, src + i * 4096, 4096);
		uint64_t c1 = bench_cycles(), t1 = bench_ns();
		if ((double)(t1 - t0) / (double)moved < host_ns) {
			host_ns = (double)(t1 - t0) / (double)moved;
			host_cy = (double)(c1 - c0) / (double)moved;
		}
	}
	free(src);
	free(dst);
	struct bench_result k = { best_ns, best_cy }, b = { host_ns, host_cy };
	char name[80];
	snprintf(name, sizeof(name), "compact_memory, per page (%.0f k pages/s)", 1e6 / best_ns);
	bench_print(name, k, b);
	printf("  (%lu pages migrated per run; baseline: memcpy of 4 KiB, %.0f k pages/s)\n", moved, 1e6 / host_ns);
}

void bench_migrate(void)
{
	bench_print_header("migration and compaction (one operation = one page moved)");
	bench_move_page();
	bench_compaction();
}
