/*
 * bench_highmem.c - the cost of mapping HighMem pages (i386, 4 GiB):
 *   kmap+kunmap of the same page, repeatedly (its PKMAP entry is reused),
 *   kmap+kunmap over 4096 different pages (entries cycle, a flush per wrap),
 *   kmap_atomic+kunmap_atomic (a per-CPU FIXMAP slot).
 * Baseline: what mapping one page costs the host - mmap of one page of a
 * memfd + munmap - measured in the same run.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>

#include <kmm/gfp.h>
#include <kmm/highmem.h>
#include <kmm/kmm.h>
#include <kmm/mm.h>

#include "bench.h"

#define NPAGES 4096
static struct page *pages[NPAGES];
static int bench_fd;

static void kmap_same(void *arg, long iters)
{
	for (long i = 0; i < iters; i++) {
		void *v = kmap(pages[0]);
		__asm__ volatile("" ::"r"(v) : "memory");
		kunmap(pages[0]);
	}
}

static void kmap_many(void *arg, long iters)
{
	for (long i = 0; i < iters; i++) {
		struct page *p = pages[i & (NPAGES - 1)];
		void *v = kmap(p);
		__asm__ volatile("" ::"r"(v) : "memory");
		kunmap(p);
	}
}

static void kmap_atomic_pair(void *arg, long iters)
{
	for (long i = 0; i < iters; i++) {
		void *v = kmap_atomic(pages[i & 7]);
		__asm__ volatile("" ::"r"(v) : "memory");
		kunmap_atomic(v);
	}
}

static void host_map_page(void *arg, long iters)
{
	for (long i = 0; i < iters; i++) {
		void *v = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, bench_fd, 0);
		__asm__ volatile("" ::"r"(v) : "memory");
		munmap(v, 4096);
	}
}

void bench_highmem(void)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	char err[256];
	if (kmm_boot(&p, err, sizeof(err))) {
		fprintf(stderr, "bench: %s\n", err);
		return;
	}
	bench_fd = memfd_create("bench-kmap", 0);
	if (bench_fd < 0 || ftruncate(bench_fd, 4096)) {
		perror("bench: memfd");
		kmm_shutdown();
		return;
	}
	for (int i = 0; i < NPAGES; i++)
		pages[i] = alloc_pages(GFP_HIGHUSER, 0);
	bench_print_header("kmap (one operation = map + unmap; baseline = host mmap + munmap of one memfd page)");
	struct bench_result k, b = bench_best(host_map_page, NULL, 200000, 5);
	k = bench_best(kmap_same, NULL, 2000000, 5);
	bench_print("kmap+kunmap, same page", k, b);
	k = bench_best(kmap_many, NULL, 1000000, 5);
	bench_print("kmap+kunmap, 4096 different pages", k, b);
	k = bench_best(kmap_atomic_pair, NULL, 1000000, 5);
	bench_print("kmap_atomic+kunmap_atomic", k, b);
	for (int i = 0; i < NPAGES; i++)
		__free_pages(pages[i], 0);
	close(bench_fd);
	kmm_shutdown();
}
