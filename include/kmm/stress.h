/*
 * kmm/stress.h - random operation sequences against the booted machine:
 * the engine behind `kmm stress`, the op-sequence fuzz target and the TSan
 * driver (src/stress/stress.c).
 *
 * A stream of bytes is decoded into kmm's API calls (pages, caches,
 * kmalloc, vmalloc, kmap, tasks and their memory, files), what they return
 * is kept in tables and checked (contents, zeroing, aliases), the
 * validators run at checkpoints, and at the end everything is freed and
 * "nothing lost" must hold exactly.  The bytes come from a seeded PRNG
 * (kmm_stress_run: one stream per CPU, each CPU a host thread) or from the
 * caller (kmm_stress_bytes: a fuzzer's input, on the calling CPU).
 *
 *	struct kmm_stress_opts o = { .seed = 42, .ops = 100000, .check_every = 10000 };
 *	struct kmm_stress_result r;
 *	if (kmm_stress_run(&o, &r))
 *		printf("CPU %d, op %lu: %s\n", r.fail_cpu, r.fail_op, r.why);
 *
 * With one CPU the run is a pure function of the seed and the machine:
 * the same seed gives the same operations, the same outcomes and the same
 * digest.  With several, each CPU's stream is still fixed by the seed but
 * their interleaving is the host's.
 */
#ifndef KMM_STRESS_H
#define KMM_STRESS_H

#include <stdio.h>

#include <kmm/types.h>

struct kmm_stress_opts {
	u64 seed;                    /* kmm_stress_run: CPU c's stream is seeded by (seed, c) */
	unsigned long ops;           /* kmm_stress_run: operations in all, shared out among the CPUs */
	int cpus;                    /* kmm_stress_run: CPUs 0..cpus-1 as host threads (0: 1) */
	unsigned long check_every;   /* every validator after this many operations of each CPU (0: at the end only) */
	unsigned long max_pages;     /* the largest mmap, mremap, vmalloc or kvmalloc, in pages (0: 4096); what
					a populated mapping costs the host is most of an operation's cost */
	unsigned long corrupt_at;    /* tests of the checks: at this operation of CPU 0 (1-based) scribble on a
					held object or page, as a bug in kmm would; 0: never */
	FILE *trace;                 /* a line per operation ("c0 17 kmalloc 100 GFP_KERNEL -> ok"), or NULL */
};

#define KMM_STRESS_MAX_OPS 64        /* kinds of operation (kmm_stress_op_name) */

struct kmm_stress_result {
	unsigned long ops;                   /* operations run, all CPUs */
	unsigned long count[KMM_STRESS_MAX_OPS]; /* of each kind */
	unsigned long failed;                /* calls that failed as they may (NULL, -ENOMEM, -EFAULT ...) */
	unsigned long checks;                /* validator rounds passed, the final one included */
	unsigned long oom_kills;             /* tasks the OOM killer chose meanwhile (the machine's or a group's) */
	u64 digest;                          /* a hash of each CPU's operations and outcomes */
	/* when a check failed: */
	int fail_cpu;                        /* the CPU whose check failed (-1: the final checks) */
	unsigned long fail_op;               /* its operation (1-based) when it failed; 0: at the end */
	char why[512];                       /* what was found */
};

/*
 * Run o->ops operations from the seeded PRNG on CPUs 0..o->cpus-1 of the
 * booted machine (it needs that many), the caller's thread giving its CPU
 * up meanwhile.  0: every check passed and nothing was lost; -EINVAL: a
 * check failed (r says where and what) - everything held is still freed;
 * -ENODEV, -EINVAL (bad opts, r->why) before anything ran.
 */
int kmm_stress_run(const struct kmm_stress_opts *o, struct kmm_stress_result *r);

/*
 * The same engine on a byte string (a fuzzer's input), on the calling CPU:
 * the operations its bytes decode to, then the final checks.  o may be
 * NULL (validators every 64 operations, mappings up to 64 pages).
 */
int kmm_stress_bytes(const void *data, size_t len, const struct kmm_stress_opts *o, struct kmm_stress_result *r);

/* The name of operation kind k ("kmalloc", "fork" ...), NULL past the last. */
const char *kmm_stress_op_name(int k);

#endif /* KMM_STRESS_H */
