/*
 * bench_slab.c - the slab allocator's cost per object, beside four
 * user-space allocators measured in the same run:
 *
 *   1. pair:  kmalloc(n) + kfree, hot on one CPU, n = 16 .. 4096;
 *   2. batch: 1000 kmalloc(64), then the 1000 kfree (per object);
 *   3. cross: kmalloc(64) on CPU 0, kfree on CPU 1 (per object).
 *
 * Baselines: glibc malloc/free, and jemalloc, mimalloc and tcmalloc loaded
 * with dlopen(RTLD_NOW | RTLD_LOCAL) from their Debian packages.  RTLD_LOCAL
 * keeps them from interposing on the process's malloc, so each one is called
 * through its own entry points and frees only what it allocated itself:
 *
 *   allocator   package                soname                      alloc / free
 *   glibc       libc6                  (linked)                    malloc / free
 *   jemalloc    libjemalloc2           libjemalloc.so.2            mallocx / dallocx
 *   mimalloc    libmimalloc2.0         libmimalloc.so.2[.0]        mi_malloc / mi_free
 *   tcmalloc    libtcmalloc-minimal4   libtcmalloc_minimal.so.4    tc_malloc / tc_free
 *
 * jemalloc's malloc/free have the same names as glibc's; mallocx/dallocx
 * exist only in jemalloc, so they cannot resolve to anyone else's.  A
 * library that does not load is "not installed" and its column shows "-".
 * Libraries are never dlclose()d: their thread caches have TLS destructors.
 *
 * Every allocator, kmm included, is called through the same two function
 * pointers by the same loop, so an indirect call is in every column alike.
 *
 * The cross-CPU pattern: the booting thread (on simulated CPU 0) allocates
 * HANDOVER_BATCH objects into a shared array, raises `full`, and waits; a
 * second host thread that entered CPU 1 frees them all and lowers `full`.
 * The two sides alternate and never overlap, so the time per object is one
 * alloc + one remote free + 1/HANDOVER_BATCH of a handshake: the cache lines
 * and slabs travel between CPUs, without the contention of a pipeline.
 * For the user-space allocators the second thread is simply another thread.
 *
 * Tables print ns and TSC cycles per object for each allocator, and kmm's
 * ratio (ns) to the fastest of the others that loaded.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kmm/gfp.h>
#include <kmm/kmm.h>
#include <kmm/slab.h>

#include "bench.h"

/* One allocator under test. */
struct allocator {
	const char *name;             /* column title */
	void *(*alloc)(size_t size);  /* NULL: not installed */
	void (*free)(void *p);
	int cpu;                      /* kmm: simulated CPU the freeing thread enters; -1 others */
};

/* ---- kmm: the boot thread is on CPU 0 ---- */

static void *kmm_alloc(size_t size)
{
	return kmalloc(size, GFP_KERNEL);
}

static void kmm_free(void *p)
{
	kfree(p);
}

/* ---- the dlopen()ed allocators ---- */

enum { JE, MI, TC, NR_LOAD_ERROR };

static void *(*je_mallocx)(size_t size, int flags);
static void (*je_dallocx)(void *p, int flags);
static void *(*lib_malloc[2])(size_t size); /* mimalloc, tcmalloc */
static void (*lib_free[2])(void *p);

static void *je_alloc(size_t size)
{
	return je_mallocx(size, 0);
}

static void je_free(void *p)
{
	je_dallocx(p, 0);
}

static void *mi_alloc(size_t size)
{
	return lib_malloc[0](size);
}

static void mi_free_(void *p)
{
	lib_free[0](p);
}

static void *tc_alloc(size_t size)
{
	return lib_malloc[1](size);
}

static void tc_free_(void *p)
{
	lib_free[1](p);
}

static char load_error[NR_LOAD_ERROR][256]; /* why each library did not load */

/* The first of the sonames that dlopen() loads, or NULL with the reason kept. */
static void *open_first(const char *const *sonames, char *why)
{
	for (; *sonames; sonames++) {
		void *h = dlopen(*sonames, RTLD_NOW | RTLD_LOCAL);
		if (h)
			return h;
		const char *e = dlerror();
		snprintf(why, sizeof(load_error[0]), "%s", e ? e : *sonames);
	}
	return NULL;
}

/* jemalloc through mallocx/dallocx; its malloc must not be the process's. */
static bool load_jemalloc(void)
{
	static const char *const so[] = { "libjemalloc.so.2", NULL };
	void *h = open_first(so, load_error[JE]);
	if (!h)
		return false;
	je_mallocx = (void *(*)(size_t, int))dlsym(h, "mallocx");
	je_dallocx = (void (*)(void *, int))dlsym(h, "dallocx");
	void *its_malloc = dlsym(h, "malloc");
	if (its_malloc == (void *)malloc)
		snprintf(load_error[JE], sizeof(load_error[JE]), "its malloc is the process's (LD_PRELOAD?)");
	else if (!je_mallocx || !je_dallocx)
		snprintf(load_error[JE], sizeof(load_error[JE]), "no mallocx/dallocx");
	return je_mallocx && je_dallocx && its_malloc != (void *)malloc;
}

static bool load_lib(int i, const char *const *sonames, const char *alloc_sym, const char *free_sym)
{
	void *h = open_first(sonames, load_error[MI + i]);
	if (!h)
		return false;
	lib_malloc[i] = (void *(*)(size_t))dlsym(h, alloc_sym);
	lib_free[i] = (void (*)(void *))dlsym(h, free_sym);
	if (!lib_malloc[i] || !lib_free[i])
		snprintf(load_error[MI + i], sizeof(load_error[0]), "no %s/%s", alloc_sym, free_sym);
	return lib_malloc[i] && lib_free[i];
}

/*
 * jemalloc is built with initial-exec TLS (2.6 KiB, DF_STATIC_TLS): dlopen()
 * can place it only in the static TLS surplus glibc reserves at exec time,
 * 512 bytes unless the glibc.rtld.optional_static_tls tunable asks for more,
 * and tunables are read only at exec.  So the bench execs itself once with
 * the tunable set; main() calls this before it prints anything.  If the
 * exec fails the run goes on and jemalloc reports why it did not load.
 */
#define STATIC_TLS_SURPLUS 8192

void bench_slab_exec_setup(char **argv)
{
	static const char tunable[] = "glibc.rtld.optional_static_tls";
	const char *old = getenv("GLIBC_TUNABLES");
	char tunables[1024];
	if (old && strstr(old, tunable))
		return; /* set already, by the exec below or by the user */
	snprintf(tunables, sizeof(tunables), "%s%s%s=%d", old ? old : "", old ? ":" : "", tunable,
		 STATIC_TLS_SURPLUS);
	if (setenv("GLIBC_TUNABLES", tunables, 1))
		return;
	fflush(stdout);
	execv("/proc/self/exe", argv);
}

enum { KMM, GLIBC, JEMALLOC, MIMALLOC, TCMALLOC, NR_ALLOCATORS };

static struct allocator allocators[NR_ALLOCATORS] = {
	[KMM] = { "kmm", kmm_alloc, kmm_free, 1 },
	[GLIBC] = { "glibc", malloc, free, -1 },
	[JEMALLOC] = { "jemalloc", NULL, NULL, -1 },
	[MIMALLOC] = { "mimalloc", NULL, NULL, -1 },
	[TCMALLOC] = { "tcmalloc", NULL, NULL, -1 },
};

static void load_allocators(void)
{
	static const char *const mi[] = { "libmimalloc.so.2", "libmimalloc.so.2.0", NULL };
	static const char *const tc[] = { "libtcmalloc_minimal.so.4", NULL };
	if (load_jemalloc())
		allocators[JEMALLOC].alloc = je_alloc, allocators[JEMALLOC].free = je_free;
	if (load_lib(0, mi, "mi_malloc", "mi_free"))
		allocators[MIMALLOC].alloc = mi_alloc, allocators[MIMALLOC].free = mi_free_;
	if (load_lib(1, tc, "tc_malloc", "tc_free"))
		allocators[TCMALLOC].alloc = tc_alloc, allocators[TCMALLOC].free = tc_free_;
	for (int a = JEMALLOC; a < NR_ALLOCATORS; a++)
		if (!allocators[a].alloc)
			printf("%s: not installed, skipped (%s)\n", allocators[a].name, load_error[a - JEMALLOC]);
}

/* ---- the patterns ---- */

struct pattern_arg {
	const struct allocator *a;
	size_t size;                  /* bytes per object */
};

static void run_pair(void *arg, long iters)
{
	const struct pattern_arg *pa = arg;
	void *(*alloc)(size_t) = pa->a->alloc;
	void (*release)(void *) = pa->a->free;
	for (long i = 0; i < iters; i++) {
		void *p = alloc(pa->size);
		__asm__ volatile("" ::"r"(p) : "memory");
		release(p);
	}
}

#define BATCH 1000

static void run_batch(void *arg, long iters)
{
	const struct pattern_arg *pa = arg;
	void *(*alloc)(size_t) = pa->a->alloc;
	void (*release)(void *) = pa->a->free;
	static void *obj[BATCH];
	for (long done = 0; done < iters; done += BATCH) {
		int n = iters - done < BATCH ? (int)(iters - done) : BATCH;
		for (int i = 0; i < n; i++)
			obj[i] = alloc(pa->size);
		__asm__ volatile("" ::"r"(obj) : "memory");
		for (int i = 0; i < n; i++)
			release(obj[i]);
	}
}

#define HANDOVER_BATCH 1000

/* The array the allocating thread fills and the freeing thread empties. */
static struct handover {
	void *obj[HANDOVER_BATCH];    /* owned by the allocator while !full, by the freer while full */
	int count;                    /* objects in obj[]; 0 with full set: stop */
	int full __attribute__((aligned(64))); /* the handshake flag, on its own cache line */
	const struct allocator *a;    /* whose free() the freeing thread calls */
	int error;                    /* the freeing thread could not enter its CPU */
} ho;

static void wait_for(int *flag, int value)
{
	for (unsigned spins = 0; __atomic_load_n(flag, __ATOMIC_ACQUIRE) != value; spins++) {
		if (spins < 100000)
			_mm_pause();
		else
			sched_yield(); /* fewer host CPUs than threads */
	}
}

static void *handover_freer(void *unused)
{
	void (*release)(void *) = ho.a->free;
	if (ho.a->cpu >= 0 && kmm_cpu_enter(ho.a->cpu))
		ho.error = 1; /* still drain, off-CPU, so the allocating side is not stuck */
	for (;;) {
		wait_for(&ho.full, 1);
		int n = ho.count;
		for (int i = 0; i < n; i++)
			release(ho.obj[i]);
		__atomic_store_n(&ho.full, 0, __ATOMIC_RELEASE);
		if (!n)
			break;
	}
	if (ho.a->cpu >= 0 && !ho.error)
		kmm_cpu_exit();
	return NULL;
}

static void run_cross(void *arg, long iters)
{
	const struct pattern_arg *pa = arg;
	void *(*alloc)(size_t) = pa->a->alloc;
	pthread_t t;
	ho.a = pa->a;
	ho.full = 0;
	if (pthread_create(&t, NULL, handover_freer, NULL)) {
		ho.error = 1;
		return;
	}
	for (long done = 0;; done += HANDOVER_BATCH) {
		int n = iters - done < HANDOVER_BATCH ? (int)(iters - done) : HANDOVER_BATCH;
		if (n < 0)
			n = 0;
		for (int i = 0; i < n; i++)
			ho.obj[i] = alloc(pa->size);
		ho.count = n;
		__atomic_store_n(&ho.full, 1, __ATOMIC_RELEASE);
		wait_for(&ho.full, 0);
		if (!n)
			break;
	}
	pthread_join(t, NULL);
}

/* ---- the tables ---- */

#define CELL "  %8s %8s"

static void table_header(const char *title)
{
	printf("\n%s\n%-8s", title, "size");
	for (int a = 0; a < NR_ALLOCATORS; a++)
		printf("  %17s", allocators[a].name);
	printf("  %7s %s\n%-8s", "ratio", "fastest", "bytes");
	for (int a = 0; a < NR_ALLOCATORS; a++)
		printf(CELL, "ns", "cycles");
	printf("\n");
}

/* Measure every allocator on one row, interleaved, and print it. */
static void table_row(void (*fn)(void *, long), size_t size, long iters, int rounds, bool kmm_ok)
{
	struct bench_result r[NR_ALLOCATORS] = { { 0, 0 } };
	int fastest = -1;
	printf("%-8zu", size);
	for (int a = 0; a < NR_ALLOCATORS; a++) {
		struct pattern_arg pa = { &allocators[a], size };
		if (!allocators[a].alloc || (a == KMM && !kmm_ok)) {
			printf(CELL, "-", "-");
			continue;
		}
		ho.error = 0;
		r[a] = bench_best(fn, &pa, iters, rounds);
		if (ho.error) {
			printf(CELL, "failed", "-");
			if (a == KMM)
				kmm_ok = false;
			continue;
		}
		printf("  %8.1f %8.1f", r[a].ns, r[a].cycles);
		fflush(stdout);
		if (a != KMM && (fastest < 0 || r[a].ns < r[fastest].ns))
			fastest = a;
	}
	if (kmm_ok && fastest >= 0)
		printf("  %7.2f %s\n", r[KMM].ns / r[fastest].ns, allocators[fastest].name);
	else
		printf("  %7s %s\n", "-", fastest >= 0 ? allocators[fastest].name : "-");
}

/* Can kmm serve this size at all?  Say so once instead of timing NULLs. */
static bool kmm_probe(size_t size)
{
	void *p = kmalloc(size, GFP_KERNEL);
	if (!p) {
		fprintf(stderr, "bench: kmalloc(%zu) failed; kmm column skipped\n", size);
		return false;
	}
	kfree(p);
	return true;
}

void bench_slab(void)
{
	static const size_t sizes[] = { 16, 64, 256, 1024, 4096 };
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	char err[256];
	p.profile = "x86_64";
	p.mem_bytes = 4ULL << 30;
	p.nr_cpus = 2;
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
	load_allocators();

	table_header("slab: kmalloc + kfree pair, hot on one CPU (per pair; ratio = kmm ns / fastest other)");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		table_row(run_pair, sizes[i], 1000000, 5, kmm_probe(sizes[i]));

	table_header("slab: 1000 kmalloc then 1000 kfree, one CPU (per object = one alloc + one free)");
	table_row(run_batch, 64, 1000000, 5, kmm_probe(64));

	table_header("slab: alloc on CPU 0, free on CPU 1, 1000 objects per handover (per object)");
	table_row(run_cross, 64, 1000000, 5, kmm_probe(64));

	kmm_shutdown();
}
