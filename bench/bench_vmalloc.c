/*
 * bench_vmalloc.c - the cost of vmalloc and its host mirror:
 *   vmalloc(3 pages)+vfree: page tables only (nothing touched, so the host
 *     mirror does nothing), against the host's mmap+munmap of 3 memfd pages;
 *   vmalloc(3 pages)+write+vfree: the mirror included (the write faults the
 *     pages into the window), against the host's mmap+write+munmap of 3
 *     memfd pages;
 *   vmalloc(1 MiB)+vfree, against mmap+munmap of 1 MiB of the memfd.
 * Linux's own test_vmalloc reports about 1 µs for a small vmalloc+vfree.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <kmm/kmm.h>
#include <kmm/vmalloc.h>

#include "bench.h"

struct vcase {
	unsigned long size;
	bool write;
	int fd; /* the host baseline's memfd */
};

static void kmm_vmalloc_pair(void *arg, long iters)
{
	const struct vcase *c = arg;
	for (long i = 0; i < iters; i++) {
		char *p = vmalloc(c->size);
		if (c->write)
			for (unsigned long off = 0; off < c->size; off += 4096)
				p[off] = 1;
		__asm__ volatile("" ::"r"(p) : "memory");
		vfree(p);
	}
}

static void host_mmap_pair(void *arg, long iters)
{
	const struct vcase *c = arg;
	for (long i = 0; i < iters; i++) {
		char *p = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
		if (p == MAP_FAILED)
			return;
		if (c->write)
			for (unsigned long off = 0; off < c->size; off += 4096)
				p[off] = 1;
		__asm__ volatile("" ::"r"(p) : "memory");
		munmap(p, c->size);
	}
}

void bench_vmalloc(void)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS; /* the default i386 machine: HighMem pages */
	char err[256];
	if (kmm_boot(&p, err, sizeof(err))) {
		fprintf(stderr, "bench: %s\n", err);
		return;
	}
	int fd = memfd_create("bench-vmalloc", 0);
	if (fd < 0 || ftruncate(fd, 1 << 20)) {
		perror("bench: memfd");
		kmm_shutdown();
		return;
	}
	bench_print_header("vmalloc (one operation = alloc [+ write each page] + free; baseline = host mmap of a memfd + munmap)");
	struct vcase small = { 3 * 4096, false, fd }, small_w = { 3 * 4096, true, fd }, big = { 1 << 20, false, fd };
	struct bench_result k, b;
	k = bench_best(kmm_vmalloc_pair, &small, 200000, 5);
	b = bench_best(host_mmap_pair, &small, 200000, 5);
	bench_print("vmalloc(3 pages)+vfree", k, b);
	k = bench_best(kmm_vmalloc_pair, &small_w, 50000, 5);
	b = bench_best(host_mmap_pair, &small_w, 50000, 5);
	bench_print("vmalloc(3 pages)+write+vfree", k, b);
	k = bench_best(kmm_vmalloc_pair, &big, 5000, 5);
	b = bench_best(host_mmap_pair, &big, 5000, 5);
	bench_print("vmalloc(1 MiB)+vfree", k, b);
	close(fd);
	kmm_shutdown();
}
