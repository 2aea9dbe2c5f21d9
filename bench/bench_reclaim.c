/*
 * bench_reclaim.c - page reclaim of clean page-cache pages, against the
 * host kernel doing comparable work in the same run:
 *   kmm: a 16 MiB file read into the page cache of a 256 MiB i386
 *     machine (pread), then direct reclaim (try_to_free_pages, as the
 *     allocator's slow path calls it) until none of it is cached, then the
 *     file read again from the simulated disk;
 *   host: the same 16 MiB file in the host's page cache (a temporary
 *     file), dropped with posix_fadvise(POSIX_FADV_DONTNEED) and read again.
 * One operation = one page dropped and read back.
 *
 * Anonymous pages, with swap:
 *   kmm: a task's 16 MiB on a 256 MiB i386 machine with a 64 MiB swap
 *     disk: MADV_PAGEOUT (each page written to swap), the writes completed,
 *     reclaim frees the swap-cache pages, and the task reads every page
 *     again (a major fault each: a swap read);
 *   host: where the host has swap, the same with MADV_PAGEOUT on the
 *     host's own anonymous memory; without swap (a container), the work
 *     done by hand: each page written to a file, the memory dropped
 *     (MADV_DONTNEED) and the file's cache dropped, and the page read back.
 *   The swap-in fault alone: kmm's re-read after the pages are out,
 *   against the host's major fault on a mapped file page dropped from its
 *   page cache.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/mman.h>

#include <kmm/fs.h>
#include <kmm/kmm.h>
#include <kmm/swap.h>
#include <kmm/task.h>

#include "bench.h"
#include "internal.h"

#define FILE_PAGES 4096L

static char page_buf[4096];

static void read_all_kmm(void)
{
	for (long i = 0; i < FILE_PAGES; i++)
		kmm_file_pread("/bench/f", page_buf, sizeof(page_buf), (unsigned long)i << 12);
}

static void kmm_reclaim_reread(void *arg, long iters)
{
	(void)arg;
	for (long done = 0; done < iters; done += FILE_PAGES) {
		lru_add_drain_all();
		while (kmm_page_cache_pages())
			if (!try_to_free_pages(GFP_KERNEL, 0, ZONE_HIGHMEM, 0))
				break;
		read_all_kmm();
	}
}

static int host_fd = -1;

static void host_drop_reread(void *arg, long iters)
{
	(void)arg;
	for (long done = 0; done < iters; done += FILE_PAGES) {
		posix_fadvise(host_fd, 0, 0, POSIX_FADV_DONTNEED);
		for (long i = 0; i < FILE_PAGES; i++)
			if (pread(host_fd, page_buf, sizeof(page_buf), (off_t)i << 12) != (ssize_t)sizeof(page_buf))
				abort();
	}
}

static void bench_reclaim_anon(void);

void bench_reclaim(void)
{
	bench_print_header("page reclaim (one operation = one clean cache page reclaimed and read again)");
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.mem_bytes = 256ULL << 20;
	if (kmm_boot(&p, NULL, 0))
		return;
	if (kmm_file_create("/bench/f", NULL, FILE_PAGES << 12))
		return;
	read_all_kmm();
	struct bench_result k = bench_best(kmm_reclaim_reread, NULL, FILE_PAGES * 4, 3);
	kmm_shutdown();

	char path[] = "/tmp/kmm-bench-reclaim-XXXXXX";
	host_fd = mkstemp(path);
	if (host_fd < 0)
		return;
	unlink(path);
	memset(page_buf, 'h', sizeof(page_buf));
	for (long i = 0; i < FILE_PAGES; i++)
		if (write(host_fd, page_buf, sizeof(page_buf)) != (ssize_t)sizeof(page_buf))
			abort();
	fsync(host_fd);
	struct bench_result b = bench_best(host_drop_reread, NULL, FILE_PAGES * 4, 3);
	close(host_fd);
	bench_print("clean file page: reclaim + read again", k, b);
	bench_reclaim_anon();
}

/* ---- anonymous pages to swap and back ---------------------------------------------------------- */

#define ANON_PAGES 4096L

static struct task_struct *task;
static unsigned long anon_addr;

/* The task's pages out to swap and off the machine: pageout, the disk done, the swap cache reclaimed. */
static void kmm_anon_out(void)
{
	task_madvise(task, anon_addr, ANON_PAGES << 12, MADV_PAGEOUT);
	swap_io_flush();
	lru_add_drain_all();
	while (swap_cache_pages())
		if (!try_to_free_pages(GFP_KERNEL, 0, ZONE_HIGHMEM, 0))
			break;
}

static void kmm_anon_pageout_reread(void *arg, long iters)
{
	(void)arg;
	for (long done = 0; done < iters; done += ANON_PAGES) {
		kmm_anon_out();
		mm_access(task, anon_addr, ANON_PAGES << 12, false);
	}
}

static int host_has_swap(void)
{
	FILE *f = fopen("/proc/swaps", "r");
	char line[256];
	int n = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n > 1; /* a header, then one line per area */
}

static char *host_anon;
static int swap_fd = -1;

static void host_anon_pageout_reread(void *arg, long iters)
{
	(void)arg;
	volatile char sum = 0;
	for (long done = 0; done < iters; done += ANON_PAGES) {
		if (host_has_swap()) {
			madvise(host_anon, ANON_PAGES << 12, MADV_PAGEOUT);
		} else {
			for (long i = 0; i < ANON_PAGES; i++)
				if (pwrite(swap_fd, host_anon + (i << 12), 4096, (off_t)i << 12) != 4096)
					abort();
			madvise(host_anon, ANON_PAGES << 12, MADV_DONTNEED);
			fdatasync(swap_fd);
			posix_fadvise(swap_fd, 0, 0, POSIX_FADV_DONTNEED);
			for (long i = 0; i < ANON_PAGES; i++)
				if (pread(swap_fd, host_anon + (i << 12), 4096, (off_t)i << 12) != 4096)
					abort();
		}
		for (long i = 0; i < ANON_PAGES; i++)
			sum += host_anon[i << 12];
	}
	(void)sum;
}

/* Only the re-read timed: best of rounds, per page. */
static struct bench_result kmm_swapin_only(int rounds)
{
	struct bench_result best = { 1e300, 1e300 };
	for (int r = 0; r < rounds; r++) {
		kmm_anon_out();
		uint64_t t0 = bench_ns(), c0 = bench_cycles();
		mm_access(task, anon_addr, ANON_PAGES << 12, false);
		uint64_t c1 = bench_cycles(), t1 = bench_ns();
		double ns = (double)(t1 - t0) / ANON_PAGES, cy = (double)(c1 - c0) / ANON_PAGES;
		if (ns < best.ns)
			best = (struct bench_result){ ns, cy };
	}
	return best;
}

static struct bench_result host_major_fault_only(int rounds)
{
	struct bench_result best = { 1e300, 1e300 };
	char *m = mmap(NULL, ANON_PAGES << 12, PROT_READ, MAP_SHARED, swap_fd, 0);
	if (m == MAP_FAILED)
		return best;
	volatile char sum = 0;
	for (int r = 0; r < rounds; r++) {
		madvise(m, ANON_PAGES << 12, MADV_DONTNEED);
		posix_fadvise(swap_fd, 0, 0, POSIX_FADV_DONTNEED);
		uint64_t t0 = bench_ns(), c0 = bench_cycles();
		for (long i = 0; i < ANON_PAGES; i++)
			sum += m[i << 12];
		uint64_t c1 = bench_cycles(), t1 = bench_ns();
		double ns = (double)(t1 - t0) / ANON_PAGES, cy = (double)(c1 - c0) / ANON_PAGES;
		if (ns < best.ns)
			best = (struct bench_result){ ns, cy };
	}
	(void)sum;
	munmap(m, ANON_PAGES << 12);
	return best;
}

static void bench_reclaim_anon(void)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.mem_bytes = 256ULL << 20;
	if (kmm_boot(&p, NULL, 0))
		return;
	int err = kmm_swapon("/dev/vda", 64ULL << 20, 0);
	if (err) {
		fprintf(stderr, "kmm-bench: swapon: %s\n", strerror(-err));
		return;
	}
	task = task_create("bench", 1000);
	long a = task_mmap(task, 0, ANON_PAGES << 12, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!task || a <= 0 || task_memset(task, (unsigned long)a, 0x5a, ANON_PAGES << 12)) {
		fprintf(stderr, "kmm-bench: the task's 16 MiB could not be made\n");
		return;
	}
	anon_addr = (unsigned long)a;
	struct bench_result k = bench_best(kmm_anon_pageout_reread, NULL, ANON_PAGES * 2, 3);
	struct bench_result ks = kmm_swapin_only(3);
	task_exit(task);
	kmm_shutdown();

	char path[] = "/tmp/kmm-bench-swap-XXXXXX";
	swap_fd = mkstemp(path);
	host_anon = mmap(NULL, ANON_PAGES << 12, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (swap_fd < 0 || host_anon == MAP_FAILED)
		return;
	unlink(path);
	memset(host_anon, 0x5a, ANON_PAGES << 12);
	if (ftruncate(swap_fd, ANON_PAGES << 12))
		abort();
	bool swap = host_has_swap();
	struct bench_result b = bench_best(host_anon_pageout_reread, NULL, ANON_PAGES * 2, 3);
	struct bench_result bs = host_major_fault_only(3);
	munmap(host_anon, ANON_PAGES << 12);
	close(swap_fd);
	bench_print(swap ? "anon page: pageout + swap-in (host swap)" : "anon page: pageout + swap-in (host file)", k, b);
	bench_print("swap-in fault (host: file major fault)", ks, bs);
}
