/*
 * bench_boot.c - how long booting takes and how much host memory a machine
 * costs.  The baseline is what the simplest simulator does: one flat,
 * zero-initialised 64-byte descriptor per page frame, every one written
 * (calloc + a loop that sets zone and refcount) - the work kmm's boot must
 * beat while also building memblock, zones, the buddy free lists and the
 * watermarks.
 */
#include <stdlib.h>
#include <string.h>

#include <kmm/kmm.h>

#include "bench.h"

struct naive_page {
	uint64_t flags, refcount, a, b, c, d, e, f;
};

struct boot_arg {
	const char *profile;
	uint64_t mem;
};

/* Time kmm_boot() alone, and until the deferred struct pages are done. */
static void time_kmm_boot(struct boot_arg *a, int rounds, struct bench_result *ret, struct bench_result *done)
{
	*ret = *done = (struct bench_result){ 1e300, 1e300 };
	for (int r = 0; r < rounds; r++) {
		struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
		char err[256];
		p.profile = a->profile;
		p.mem_bytes = a->mem;
		uint64_t t0 = bench_ns(), c0 = bench_cycles();
		if (kmm_boot(&p, err, sizeof(err))) {
			fprintf(stderr, "bench: boot failed: %s\n", err);
			exit(1);
		}
		uint64_t t1 = bench_ns(), c1 = bench_cycles();
		char *s = kmm_proc_read("buddyinfo"); /* waits for the deferred struct pages */
		uint64_t t2 = bench_ns(), c2 = bench_cycles();
		free(s);
		kmm_shutdown();
		if ((double)(t1 - t0) < ret->ns)
			*ret = (struct bench_result){ (double)(t1 - t0), (double)(c1 - c0) };
		if ((double)(t2 - t0) < done->ns)
			*done = (struct bench_result){ (double)(t2 - t0), (double)(c2 - c0) };
	}
}

/* The naive simulator's boot: write one descriptor per page frame. */
static void time_naive(struct boot_arg *a, int rounds, struct bench_result *best)
{
	*best = (struct bench_result){ 1e300, 1e300 };
	for (int r = 0; r < rounds; r++) {
		size_t n = (size_t)(a->mem >> 12);
		uint64_t t0 = bench_ns(), c0 = bench_cycles();
		struct naive_page *pages = calloc(n, sizeof(*pages));
		if (!pages)
			exit(1);
		for (size_t k = 0; k < n; k++) {
			pages[k].flags = k >> 20;
			pages[k].refcount = 1;
		}
		__asm__ volatile("" ::"r"(pages) : "memory");
		uint64_t t1 = bench_ns(), c1 = bench_cycles();
		free(pages);
		if ((double)(t1 - t0) < best->ns)
			*best = (struct bench_result){ (double)(t1 - t0), (double)(c1 - c0) };
	}
}

static long boot_rss(struct boot_arg *a)
{
	long before = bench_rss();
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	char err[256];
	p.profile = a->profile;
	p.mem_bytes = a->mem;
	if (kmm_boot(&p, err, sizeof(err)))
		return -1;
	char *s = kmm_proc_read("buddyinfo");
	free(s);
	long after = bench_rss();
	kmm_shutdown();
	return after - before;
}

void bench_boot(void)
{
	bench_print_header("boot (one operation = booting a whole machine; baseline = one written 64-byte descriptor per page)");
	struct boot_arg i386 = { "i386", 4ULL << 30 };
	struct boot_arg x64 = { "x86_64", 64ULL << 30 };
	struct bench_result k, kd, b;
	time_kmm_boot(&i386, 7, &k, &kd);
	time_naive(&i386, 5, &b);
	bench_print("boot i386 4 GiB", k, b);
	time_kmm_boot(&x64, 3, &k, &kd);
	time_naive(&x64, 2, &b);
	bench_print("boot x86_64 64 GiB (kmm_boot returns)", k, b);
	bench_print("boot x86_64 64 GiB + deferred init done", kd, b);
	/* issue 18: a 4 GiB arm64 board (QEMU's virt, from its device tree) against x86_64 of the same size */
	struct boot_arg arm = { "arm64", 4ULL << 30 }, x4 = { "x86_64", 4ULL << 30 };
	time_naive(&arm, 5, &b);
	time_kmm_boot(&arm, 5, &k, &kd);
	bench_print("boot arm64 4 GiB (virt, device tree)", kd, b);
	time_kmm_boot(&x4, 5, &k, &kd);
	bench_print("boot x86_64 4 GiB", kd, b);
	/* issue 18: a 2 GiB 32-bit ARM board (armmp, HighMem above 768 MiB) against the x86 profiles of that size */
	static const char *const two[] = { "arm", "arm-lpae", "i386", "i386-pae", "x86_64" };
	struct boot_arg a2 = { NULL, 2ULL << 30 };
	time_naive(&a2, 5, &b);
	for (size_t i = 0; i < sizeof(two) / sizeof(two[0]); i++) {
		char name[64];
		a2.profile = two[i];
		time_kmm_boot(&a2, 7, &k, &kd);
		snprintf(name, sizeof(name), "boot %s 2 GiB", two[i]);
		bench_print(name, kd, b);
	}
	long r1 = boot_rss(&i386), r2 = boot_rss(&x64);
	printf("%-40s %14.1f MiB  (%.1f bytes per simulated page)\n", "host memory, i386 4 GiB", r1 / 1048576.0,
	       (double)r1 / (double)((4ULL << 30) >> 12));
	printf("%-40s %14.1f MiB  (%.1f bytes per simulated page)\n", "host memory, x86_64 64 GiB", r2 / 1048576.0,
	       (double)r2 / (double)((64ULL << 30) >> 12));
}
