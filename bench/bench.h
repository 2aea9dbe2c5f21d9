/*
 * bench.h - the benchmark runner: time an operation in ns and TSC cycles,
 * beside a baseline measured in the same run, and print one line each:
 *
 *   name                               kmm        baseline     ratio
 */
#ifndef KMM_BENCH_H
#define KMM_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>

static inline uint64_t bench_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline uint64_t bench_cycles(void)
{
	return __rdtsc();
}

struct bench_result {
	double ns;       /* per operation */
	double cycles;   /* per operation */
};

/* Best (lowest) of `rounds` runs of fn(arg, iters), per operation. */
static inline struct bench_result bench_best(void (*fn)(void *, long), void *arg, long iters, int rounds)
{
	struct bench_result best = { 1e300, 1e300 };
	for (int r = 0; r < rounds; r++) {
		uint64_t t0 = bench_ns(), c0 = bench_cycles();
		fn(arg, iters);
		uint64_t c1 = bench_cycles(), t1 = bench_ns();
		double ns = (double)(t1 - t0) / (double)iters, cy = (double)(c1 - c0) / (double)iters;
		if (ns < best.ns)
			best = (struct bench_result){ ns, cy };
	}
	return best;
}

static inline void bench_print_header(const char *title)
{
	printf("\n%s\n%-40s %14s %14s %14s %14s %8s\n", title, "benchmark", "kmm ns/op", "kmm cycles/op",
	       "base ns/op", "base cycles/op", "ratio");
}

static inline void bench_print(const char *name, struct bench_result k, struct bench_result b)
{
	printf("%-40s %14.1f %14.1f %14.1f %14.1f %8.2f\n", name, k.ns, k.cycles, b.ns, b.cycles, k.ns / b.ns);
}

/* Resident host memory of this process, bytes. */
static inline long bench_rss(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * 4096;
}

void bench_boot(void);
void bench_page_alloc(void);
void bench_slab(void);
void bench_vmalloc(void);
void bench_highmem(void);
void bench_fault(void);
void bench_fork(void);
void bench_replay(void);
void bench_maple(void);
void bench_reclaim(void);
void bench_migrate(void);
/* Before anything else: may exec the bench again so jemalloc can be dlopen()ed. */
void bench_slab_exec_setup(char **argv);

#endif
