/*
 * tsan_stress.c - the concurrent stress under ThreadSanitizer.
 *
 * Criterion forks a process per test and its runner is not built for
 * TSan, so this is a plain program: it boots machines with two CPUs and
 * runs the stress engine (src/stress/stress.c) on both at once, each CPU
 * a host thread - remote frees into the other CPU's slabs and per-CPU
 * lists, pages and objects handed between CPUs, shared caches, files and
 * views, the validators at barrier checkpoints.  A data race is TSan's
 * report (and exit status 66); a failed check or something lost is ours
 * (exit status 1).  Then the copy-on-write race: a parent writes pages it
 * shares with a child while the child exits on the other CPU, so
 * do_wp_page's reuse decision meets the exit's unmapping and freeing.
 *
 *   tsan-stress [OPS]     (default 60000, shared by the CPUs, per machine)
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include <kmm/kmm.h>
#include <kmm/stress.h>
#include <kmm/swap.h>
#include <kmm/slab.h>
#include <kmm/task.h>

#include "internal.h" /* kmm_cpu_try_enter, kmm_cpu_switch_out: the preload's scheduling */

static int run(const char *profile, const char *mem, const char *cmdline, unsigned long ops, u64 seed,
	       unsigned long swap_bytes, bool ssd)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	char err[512];
	p.profile = profile;
	p.mem_bytes = memparse(mem, NULL);
	p.cmdline = cmdline;
	p.nr_cpus = 2;
	if (kmm_boot(&p, err, sizeof(err))) {
		/* TSan's shadow takes most of the host's address space: x86_64's 32 TiB vmalloc window may not fit */
		bool no_room = strstr(err, "cannot reserve host address space") != NULL;
		fprintf(no_room ? stdout : stderr, "tsan-stress: %s %s: %s\n", profile, no_room ? "skipped" : "does not boot",
			err);
		return no_room ? 0 : 1;
	}
	int err_swap = swap_bytes ? kmm_swapon_disk("/dev/vda", swap_bytes, 0, !ssd) : 0;
	if (err_swap) {
		fprintf(stderr, "tsan-stress: %s: swapon: %s\n", profile, strerror(-err_swap));
		kmm_shutdown();
		return 1;
	}
	static struct kmm_stress_result r;
	struct kmm_stress_opts o = { .seed = seed, .ops = ops, .cpus = 2, .check_every = 2000, .max_pages = 256 };
	int ret = kmm_stress_run(&o, &r);
	if (ret)
		fprintf(stderr, "tsan-stress: %s, seed %llu: FAILED on CPU %d at operation %lu: %s\n", profile,
			(unsigned long long)seed, r.fail_cpu, r.fail_op, r.why);
	else
		printf("tsan-stress: %s --mem %s%s, 2 CPUs, seed %llu: %lu operations, %lu validator rounds, "
		       "%lu calls failed as they may, nothing lost\n",
		       profile, mem, !swap_bytes ? "" : ssd ? " with SSD swap (a cluster and a slot cache per CPU)" :
		       " with swap (reclaim and kswapd all the time)",
		       (unsigned long long)seed, r.ops, r.checks, r.failed);
	kmm_shutdown();
	return ret ? 1 : 0;
}

#define COW_PAGES 128

struct cow_race {
	struct task_struct *parent, *child;
	unsigned long addr;
	pthread_barrier_t go;
	int failed;
};

static void *cow_writer(void *arg)
{
	struct cow_race *r = arg;
	kmm_cpu_enter(0);
	pthread_barrier_wait(&r->go);
	for (unsigned long i = 0; i < COW_PAGES; i++)
		r->failed |= task_write(r->parent, r->addr + i * 4096, "P", 1) != 0;
	kmm_cpu_exit();
	return NULL;
}

static void *cow_exiter(void *arg)
{
	struct cow_race *r = arg;
	kmm_cpu_enter(1);
	pthread_barrier_wait(&r->go);
	task_exit(r->child);
	kmm_cpu_exit();
	return NULL;
}

/* A 256 MiB machine of 2 CPUs; 0, or 1 with the reason on stderr. */
static int boot_two_cpus(const char *profile)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	char err[512];
	p.profile = profile;
	p.mem_bytes = 256ULL << 20;
	p.nr_cpus = 2;
	if (kmm_boot(&p, err, sizeof(err))) {
		fprintf(stderr, "tsan-stress: %s does not boot: %s\n", profile, err);
		return 1;
	}
	return 0;
}

/* rounds of fork, then the parent's copy-on-write writes on CPU 0 against the child's exit on CPU 1 */
static int cow_exit_race(const char *profile, int rounds)
{
	char err[512];
	if (boot_two_cpus(profile))
		return 1;
	struct task_struct *parent = task_create("parent", 1000);
	long a = task_mmap(parent, 0, COW_PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int bad = a <= 0 || task_memset(parent, (unsigned long)a, 'o', COW_PAGES * 4096) != 0;
	for (int i = 0; i < rounds && !bad; i++) {
		struct cow_race r = { .parent = parent, .child = task_fork(parent), .addr = (unsigned long)a };
		if (!r.child) {
			bad = 1;
			break;
		}
		pthread_barrier_init(&r.go, NULL, 2);
		kmm_cpu_exit();
		pthread_t w, e;
		pthread_create(&w, NULL, cow_writer, &r);
		pthread_create(&e, NULL, cow_exiter, &r);
		pthread_join(w, NULL);
		pthread_join(e, NULL);
		kmm_cpu_enter(0);
		pthread_barrier_destroy(&r.go);
		bad = r.failed;
	}
	task_exit(parent);
	if (!bad && kmm_verify(err, sizeof(err))) {
		fprintf(stderr, "tsan-stress: %s copy-on-write race: %s\n", profile, err);
		bad = 1;
	}
	printf("tsan-stress: %s, 2 CPUs: %d rounds of copy-on-write against exit%s\n", profile, rounds,
	       bad ? ": FAILED" : ", nothing lost");
	kmm_shutdown();
	return bad;
}

/*
 * The preload's scheduling (preload/preload.c): more threads than CPUs, a
 * call on an idle CPU or on none - SLUB's alloc_single() and __slab_free()
 * for those on none, beside CPUs freezing slabs with the slab lock alone.
 */
#define NOCPU_THREADS 6
#define NOCPU_SLOTS 128
static void *nocpu_slots[NOCPU_THREADS][NOCPU_SLOTS];

static void *nocpu_worker(void *arg)
{
	long t = (long)arg;
	for (int round = 0; round < 40; round++)
		for (int i = 0; i < NOCPU_SLOTS; i++) {
			for (int c = 0; c < 2 && kmm_cpu_try_enter(((int)t + c) % 2); c++)
				;
			char *p = kmalloc((size_t)(16 + (i * 37 + round) % 3000), GFP_KERNEL_ACCOUNT);
			if (p)
				p[0] = (char)t;
			void *old = __atomic_exchange_n(&nocpu_slots[(t + i) % NOCPU_THREADS][i], p, __ATOMIC_ACQ_REL);
			kfree(old);
			if (kmm_cpu_current() >= 0)
				kmm_cpu_switch_out();
		}
	return NULL;
}

static int nocpu_race(const char *profile)
{
	char err[512];
	if (boot_two_cpus(profile))
		return 1;
	kmm_cpu_exit();
	pthread_t th[NOCPU_THREADS];
	for (long t = 0; t < NOCPU_THREADS; t++)
		pthread_create(&th[t], NULL, nocpu_worker, (void *)t);
	for (int t = 0; t < NOCPU_THREADS; t++)
		pthread_join(th[t], NULL);
	kmm_cpu_enter(0);
	for (int t = 0; t < NOCPU_THREADS; t++)
		for (int i = 0; i < NOCPU_SLOTS; i++)
			kfree(nocpu_slots[t][i]);
	int bad = kmm_verify(err, sizeof(err)) != 0;
	printf("tsan-stress: %s, 2 CPUs, %d threads on a CPU or on none%s%s\n", profile, NOCPU_THREADS,
	       bad ? ": FAILED: " : ", nothing lost", bad ? err : "");
	kmm_shutdown();
	return bad;
}

int main(int argc, char **argv)
{
	unsigned long ops = argc > 1 ? strtoul(argv[1], NULL, 0) : 60000;
	int bad = run("i386", "1G", "vmalloc=512M", ops, 1, 0, false);  /* HighMem, PKMAP and kmap_local in play */
	bad |= run("x86_64", "1G", NULL, ops / 2, 2, 0, false);         /* 4-level tables, user windows per 4 GiB chunk */
	bad |= run("i386", "64M", NULL, ops / 3, 3, 128UL << 20, false); /* under pressure: kswapd, direct reclaim, swap */
	bad |= run("i386-pae", "64M", NULL, ops / 3, 4, 128UL << 20, true); /* the same on an SSD: per-CPU clusters */
	bad |= cow_exit_race("i386-pae", 50);
	bad |= nocpu_race("i386");
	return bad;
}
