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
 * (exit status 1).
 *
 *   tsan-stress [OPS]     (default 60000, shared by the CPUs, per machine)
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmm/kmm.h>
#include <kmm/stress.h>

static int run(const char *profile, const char *mem, const char *cmdline, unsigned long ops, u64 seed)
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
	static struct kmm_stress_result r;
	struct kmm_stress_opts o = { .seed = seed, .ops = ops, .cpus = 2, .check_every = 2000, .max_pages = 256 };
	int ret = kmm_stress_run(&o, &r);
	if (ret)
		fprintf(stderr, "tsan-stress: %s, seed %llu: FAILED on CPU %d at operation %lu: %s\n", profile,
			(unsigned long long)seed, r.fail_cpu, r.fail_op, r.why);
	else
		printf("tsan-stress: %s --mem %s, 2 CPUs, seed %llu: %lu operations, %lu validator rounds, "
		       "%lu calls failed as they may, nothing lost\n",
		       profile, mem, (unsigned long long)seed, r.ops, r.checks, r.failed);
	kmm_shutdown();
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	unsigned long ops = argc > 1 ? strtoul(argv[1], NULL, 0) : 60000;
	int bad = run("i386", "1G", "vmalloc=512M", ops, 1);  /* HighMem, PKMAP and kmap_local in play */
	bad |= run("x86_64", "1G", NULL, ops / 2, 2);         /* 4-level tables, user windows per 4 GiB chunk */
	return bad;
}
