/*
 * stress.c - `kmm stress`: boot a machine and run the seeded random
 * operation engine (src/stress/stress.c) on its CPUs, one host thread
 * each; say what ran, and on a failure the seed and the operation that
 * replay it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <kmm/kstrtox.h>
#include <kmm/stress.h>
#include <kmm/swap.h>

#include "kmm.h"

#define STRESS_MAX_PAGES (1ULL << 20) /* --max-pages: 4 GiB regions at most */

static const char stress_help[] =
	"NAME\n"
	"    kmm stress - random operations on every CPU, checked as they go\n"
	"\n"
	"SYNOPSIS\n"
	"    kmm stress [--seed N] [--cpus N] [--ops N] [--check-every N] [--max-pages N] [--swap SIZE]\n"
	"               [--trace] [--counts] [--corrupt-at N]\n"
	"               [BOOT OPTIONS]\n"
	"\n"
	"DESCRIPTION\n"
	"    Boots a machine (kmm boot's options) and runs N operations drawn from a\n"
	"    PRNG seeded by --seed: page allocations of every order and GFP kind, slab\n"
	"    caches and their objects, kmalloc/krealloc/kfree, vmalloc and vmap, kmap\n"
	"    and kmap_local, tasks with mmap, munmap, mprotect, mremap, brk, madvise,\n"
	"    mlock, fork and exit, their memory touched both ways in (mm_access and\n"
	"    plain loads and stores through task_user_ptr), files and the page cache,\n"
	"    pages and objects handed from one CPU to another to free, memory cgroups\n"
	"    (tasks moved between each CPU's groups, whose memory.max, memory.high and\n"
	"    memory.low change, so that groups reclaim and kill within themselves),\n"
	"    page migration (move_pages, migrate_pages) and compaction (compact_memory,\n"
	"    costly allocations, kcompactd woken, vm.compaction_proactiveness),\n"
	"    sysctls and views.  The operations are shared out among the --cpus CPUs,\n"
	"    each a host\n"
	"    thread with its own stream and tables.\n"
	"\n"
	"    Everything taken is checked: tags at both ends of every page, object and\n"
	"    vmalloc area, zeroed allocations, aliases, user memory written one way in\n"
	"    and read the other, copy-on-write after fork, private anonymous memory\n"
	"    never written reading as zeros.  Every --check-every operations of each\n"
	"    CPU all CPUs stop and every validator runs (zones, caches, vmap areas,\n"
	"    pkmap, tasks, the page cache); a BUG report of the kernel fails the run.\n"
	"    At the end everything is freed and the free pages and slab objects must be\n"
	"    what they were before the first operation.\n"
	"\n"
	"    With one CPU a run is a pure function of the seed and the machine: the\n"
	"    same seed gives the same operations and outcomes (the digest says so).\n"
	"    With several, each CPU's operations are fixed by the seed, their\n"
	"    interleaving is the host's.\n"
	"\n"
	"OPTIONS\n"
	"    --seed N          the PRNG's seed (default: from the clock, and printed)\n"
	"    --cpus N          simulated CPUs, each a thread running its share (default 1)\n"
	"    --ops N           operations in all (default 100000)\n"
	"    --check-every N   validators after every N operations of each CPU (default\n"
	"                      10000; 0: at the end only)\n"
	"    --max-pages N     the largest mmap, mremap, vmalloc or kvmalloc in pages\n"
	"                      (default 4096, at most 1048576)\n"
	"    --swap SIZE       a swap disk of SIZE (256M, 1G ...) from the start: on a small\n"
	"                      machine (--mem 64M) reclaim swaps anonymous memory out and in;\n"
	"                      the disk is rotational, as the reference machine's virtio disk\n"
	"    --swap-ssd        ... a solid-state one instead: slots by cluster, one per CPU\n"
	"    --trace           print each operation and its outcome (\"c0 17 kmalloc ...\")\n"
	"    --counts          print how many operations of each kind ran\n"
	"    --corrupt-at N    at operation N of CPU 0 scribble on something held, as a\n"
	"                      kernel bug would: the run must fail (tests the checks)\n"
	"    --profile, --mem, --e820, --dtb, --dts, --cmdline, --numa, --distance, --initrd,\n"
	"    --kernel-size, --kconfig\n"
	"                      the machine, as kmm boot takes them\n"
	"    -q, --quiet       only the result line (and a failure's)\n"
	"    -h, --help        this text\n"
	"\n"
	"EXIT STATUS\n"
	"    0 every check passed and nothing was lost; 1 a check failed: the message\n"
	"    gives the seed, the CPU and the operation, and the command that replays it;\n"
	"    2 a usage error or the machine did not boot.\n"
	"\n"
	"EXAMPLE\n"
	"    kmm stress --seed 1 --ops 1000000\n"
	"    kmm stress --seed 7 --cpus 2 --ops 10000000 --mem 2G\n"
	"    kmm stress --seed 7 --cpus 1 --ops 4321 --trace | tail\n";

/* A whole number of the option in [0, hi] (lib/kstrtox.c: none wraps); 0 or exit status 2. */
static int number(const char *opt, const char *arg, unsigned long long hi, unsigned long long *out)
{
	u64 v;
	int ret = kmm_parse_count(arg, 0, hi, &v);
	if (ret == -ERANGE) {
		fprintf(stderr, "kmm stress: --%s: \"%s\" is larger than %llu\n", opt, arg, hi);
		return 2;
	}
	if (ret) {
		fprintf(stderr, "kmm stress: --%s: expected a number, got \"%s\"\n", opt, arg);
		return 2;
	}
	*out = v;
	return 0;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int cmd_stress(int argc, char **argv)
{
	static const struct option opts[] = {
		BOOT_OPTIONS,
		{ "ops", required_argument, 0, 'n' },
		{ "check-every", required_argument, 0, 'k' },
		{ "corrupt-at", required_argument, 0, 'x' },
		{ "max-pages", required_argument, 0, 'm' },
		{ "swap", required_argument, 0, 's' },
		{ "swap-ssd", no_argument, 0, 'S' },
		{ "trace", no_argument, 0, 't' },
		{ "counts", no_argument, 0, 'c' },
		{ "quiet", no_argument, 0, 'q' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	struct kmm_stress_opts o = { .ops = 100000, .check_every = 10000 };
	bool seeded = false, counts = false, quiet = false;
	unsigned long swap_bytes = 0;
	bool swap_ssd = false;
	char *e820 = NULL, boot_args[1024] = "";
	size_t boot_len = 0;
	unsigned long long v;
	int c, idx = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", opts, &idx)) != -1) {
		switch (c) {
		case 'B':
			if (boot_option(opts[idx].name, optarg, &p, &e820)) {
				free(e820);
				return 2;
			}
			if (!strcmp(opts[idx].name, "seed"))
				seeded = true;
			else if (strcmp(opts[idx].name, "cpus") && boot_len < sizeof(boot_args)) /* for the replay line */
				boot_len += (size_t)snprintf(boot_args + boot_len, sizeof(boot_args) - boot_len,
							     strchr(optarg, ' ') ? " --%s \"%s\"" : " --%s %s",
							     opts[idx].name, optarg);
			break;
		case 'n':
		case 'k':
		case 'm':
		case 'x':
			if (number(opts[idx].name, optarg, c == 'm' ? STRESS_MAX_PAGES : ULONG_MAX, &v)) {
				free(e820);
				return 2;
			}
			*(c == 'n' ? &o.ops : c == 'k' ? &o.check_every : c == 'm' ? &o.max_pages : &o.corrupt_at) = (unsigned long)v;
			break;
		case 's': {
			char *end;
			errno = 0;
			unsigned long long n = strtoull(optarg, &end, 10);
			unsigned long long mult = *end == 'G' ? 1ULL << 30 : *end == 'M' ? 1ULL << 20 : *end == 'K' ? 1ULL << 10 : 1;
			if (errno || end == optarg || (*end && (strchr("GMK", *end) == NULL || end[1])) || n > (64ULL << 30) / mult) {
				fprintf(stderr, "kmm stress: --swap \"%s\": a size such as 256M, at most 64G\n", optarg);
				free(e820);
				return 2;
			}
			swap_bytes = (unsigned long)(n * mult);
			if (boot_len < sizeof(boot_args)) /* the replay needs the same disk */
				boot_len += (size_t)snprintf(boot_args + boot_len, sizeof(boot_args) - boot_len, " --swap %s",
							     optarg);
			break;
		}
		case 'S': swap_ssd = true; break;
		case 't': o.trace = stdout; break;
		case 'c': counts = true; break;
		case 'q': quiet = true; break;
		case 'h': fputs(stress_help, stdout); free(e820); return 0;
		default: fputs("usage: kmm stress [--seed N] [--cpus N] [--ops N] [BOOT OPTIONS]   (kmm stress --help)\n", stderr);
			free(e820);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "kmm stress: unexpected argument \"%s\" (kmm stress --help)\n", argv[optind]);
		free(e820);
		return 2;
	}
	if (!seeded) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		p.seed = (u64)now.tv_sec * 1000003u ^ (u64)now.tv_nsec;
	}
	o.seed = p.seed;
	o.cpus = p.nr_cpus ? p.nr_cpus : 1;
	char err[512];
	int ret = kmm_boot(&p, err, sizeof(err));
	free(e820);
	if (ret) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	if (swap_ssd && !swap_bytes) {
		fprintf(stderr, "kmm stress: --swap-ssd needs --swap SIZE\n");
		kmm_shutdown();
		return 2;
	}
	if (swap_ssd && boot_len < sizeof(boot_args))
		boot_len += (size_t)snprintf(boot_args + boot_len, sizeof(boot_args) - boot_len, " --swap-ssd");
	if (swap_bytes && (ret = kmm_swapon_disk("/dev/vda", swap_bytes, 0, !swap_ssd))) {
		fprintf(stderr, "kmm stress: swapon of %lu bytes: %s\n", swap_bytes, strerror(-ret));
		kmm_shutdown();
		return 2;
	}
	if (!quiet)
		printf("kmm stress: seed %llu, %d CPU%s, %lu operations, validators every %lu per CPU\n", o.seed,
		       o.cpus, o.cpus == 1 ? "" : "s", o.ops, o.check_every);
	fflush(stdout);
	struct kmm_stress_result *r = malloc(sizeof(*r));
	if (!r) {
		kmm_shutdown();
		return 2;
	}
	size_t log_from = strlen(kmm_dmesg()); /* the boot log is not the run's */
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = kmm_stress_run(&o, r);
	double secs = seconds_since(&t0);
	if (counts)
		for (int k = 0; kmm_stress_op_name(k); k++)
			printf("  %-14s %12lu\n", kmm_stress_op_name(k), r->count[k]);
	if (ret) {
		/* a CPU's share; a failure found while it gave back what it held comes after its last operation */
		unsigned long share = o.ops / (unsigned long)o.cpus + ((unsigned long)r->fail_cpu < o.ops % (unsigned long)o.cpus);
		if (r->fail_cpu < 0)
			fprintf(stderr, "kmm stress: FAILED at the end (seed %llu): %s\n", o.seed, r->why);
		else if (r->fail_op > share)
			fprintf(stderr, "kmm stress: FAILED on CPU %d after its last operation, %lu (seed %llu): %s\n",
				r->fail_cpu, share, o.seed, r->why);
		else
			fprintf(stderr, "kmm stress: FAILED on CPU %d at operation %lu (seed %llu): %s\n", r->fail_cpu,
				r->fail_op, o.seed, r->why);
		if (o.cpus == 1)
			fprintf(stderr, "kmm stress: replay it step by step: kmm stress --seed %llu --ops %lu%s --trace\n",
				o.seed, r->fail_op && r->fail_op <= share ? r->fail_op : o.ops, boot_args);
		else
			fprintf(stderr,
				"kmm stress: run it again: kmm stress --seed %llu --cpus %d --ops %lu%s"
				" (CPU %d's operations are the same; their interleaving is the host's)\n",
				o.seed, o.cpus, o.ops, boot_args, r->fail_cpu < 0 ? 0 : r->fail_cpu);
		const char *log = kmm_dmesg() + log_from, *tail = log + strlen(log);
		/* the kernel's first report, if it made one: its first 40 lines */
		const char *marks[] = { "BUG", "Bad page", "WARNING:", "Oops", "oops" }, *first = NULL;
		for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
			const char *at = strstr(log, marks[i]);
			if (at && (!first || at < first))
				first = at;
		}
		if (first) {
			while (first > log && first[-1] != '\n')
				first--;
			const char *end = first;
			for (int lines = 0; *end && lines < 40; end++)
				lines += *end == '\n';
			fprintf(stderr, "kmm stress: the kernel's first report:\n%.*s", (int)(end - first), first);
		}
		for (int lines = 0; tail > log && lines <= 20; tail--)
			lines += tail[-1] == '\n';
		if (*tail)
			fprintf(stderr, "kmm stress: the end of the kernel log:\n%s", tail);
	} else {
		printf("kmm stress: %lu operations on %d CPU%s in %.1f s (%.0f/s): %lu validator rounds passed, "
		       "%lu calls failed as they may, %lu tasks OOM-killed, nothing lost; digest %016llx\n",
		       r->ops, o.cpus, o.cpus == 1 ? "" : "s", secs, secs > 0 ? (double)r->ops / secs : 0.0, r->checks,
		       r->failed, r->oom_kills, r->digest);
	}
	free(r);
	kmm_shutdown();
	return ret ? 1 : 0;
}
