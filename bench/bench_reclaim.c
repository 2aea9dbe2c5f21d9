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
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kmm/fs.h>
#include <kmm/kmm.h>

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
}
