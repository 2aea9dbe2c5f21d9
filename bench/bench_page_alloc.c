/*
 * bench_page_alloc.c - the buddy allocator's cost per operation:
 *   order-0 alloc+free pair, hot (through the per-CPU lists),
 *   order-3 alloc+free pair (the largest pcp order),
 *   a mixed workload: random orders 0..10, random frees, 4096 live blocks.
 * Baseline: glibc aligned_alloc(4096, 4096 << order) + free, same pattern.
 */
#include <stdlib.h>

#include <kmm/gfp.h>
#include <kmm/kmm.h>
#include <kmm/mm.h>

#include "bench.h"

static void kmm_pair(void *arg, long iters)
{
	unsigned order = *(unsigned *)arg;
	for (long i = 0; i < iters; i++) {
		struct page *p = alloc_pages(GFP_KERNEL, order);
		__asm__ volatile("" ::"r"(p) : "memory");
		__free_pages(p, order);
	}
}

static void libc_pair(void *arg, long iters)
{
	unsigned order = *(unsigned *)arg;
	for (long i = 0; i < iters; i++) {
		void *p = aligned_alloc(4096, 4096UL << order);
		__asm__ volatile("" ::"r"(p) : "memory");
		free(p);
	}
}

#define LIVE 4096

static unsigned rng_next(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

/* Random orders (mostly small, as real kernels allocate), random frees. */
static unsigned pick_order(unsigned r)
{
	unsigned x = r % 100;
	return x < 70 ? 0 : x < 85 ? 1 : x < 93 ? 2 : x < 97 ? 3 : 4 + r / 100 % 7;
}

static void kmm_mixed(void *arg, long iters)
{
	static struct page *slot[LIVE];
	static unsigned ord[LIVE];
	unsigned s = 42;
	for (long i = 0; i < iters; i++) {
		unsigned k = rng_next(&s) % LIVE;
		if (slot[k]) {
			__free_pages(slot[k], ord[k]);
			slot[k] = NULL;
		} else {
			ord[k] = pick_order(rng_next(&s));
			slot[k] = alloc_pages(GFP_KERNEL | __GFP_NOWARN, ord[k]);
		}
	}
	for (int k = 0; k < LIVE; k++)
		if (slot[k]) {
			__free_pages(slot[k], ord[k]);
			slot[k] = NULL;
		}
}

static void libc_mixed(void *arg, long iters)
{
	static void *slot[LIVE];
	unsigned s = 42;
	for (long i = 0; i < iters; i++) {
		unsigned k = rng_next(&s) % LIVE;
		if (slot[k]) {
			free(slot[k]);
			slot[k] = NULL;
		} else {
			slot[k] = aligned_alloc(4096, 4096UL << pick_order(rng_next(&s)));
		}
	}
	for (int k = 0; k < LIVE; k++) {
		free(slot[k]);
		slot[k] = NULL;
	}
}

void bench_page_alloc(void)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	char err[256];
	p.profile = "x86_64";
	p.mem_bytes = 4ULL << 30;
	/*
	 * The allocator's own cost: Debian's init_on_alloc=1 zeroes every block
	 * handed out, which none of the baselines do (their memory is not
	 * zeroed either), so the comparison boots with it off.
	 */
	p.cmdline = "init_on_alloc=0";
	if (kmm_boot(&p, err, sizeof(err))) {
		fprintf(stderr, "bench: %s\n", err);
		return;
	}
	bench_print_header("page allocator (one operation = one alloc + one free; baseline = glibc aligned_alloc + free)");
	unsigned o0 = 0, o3 = 3;
	struct bench_result k, b;
	k = bench_best(kmm_pair, &o0, 2000000, 5);
	b = bench_best(libc_pair, &o0, 2000000, 5);
	bench_print("order-0 pair, hot (pcp)", k, b);
	k = bench_best(kmm_pair, &o3, 1000000, 5);
	b = bench_best(libc_pair, &o3, 1000000, 5);
	bench_print("order-3 pair, hot (pcp)", k, b);
	k = bench_best(kmm_mixed, NULL, 2000000, 3);
	b = bench_best(libc_mixed, NULL, 2000000, 3);
	/* one operation of the mixed loop is an alloc or a free: report per pair */
	k.ns *= 2, k.cycles *= 2, b.ns *= 2, b.cycles *= 2;
	bench_print("mixed orders 0..10, 4096 live blocks", k, b);
	kmm_shutdown();
}
