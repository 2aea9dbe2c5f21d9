/*
 * test_stress.c - the random-operation engine (src/stress/stress.c) and
 * `kmm stress`: one CPU replays step for step, several CPUs pass every
 * validator and lose nothing, a planted corruption is caught and reported
 * with the seed and operation that replay it, and the fuzz corpus of the
 * op-sequence target still passes.
 */
#define _GNU_SOURCE
#include "kmm_test.h"

#include <kmm/swap.h>

#include <dirent.h>
#include <kmm/stress.h>
#include <sys/wait.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(stress, .fini = fini, .timeout = 120);

static void boot_cpus(const char *profile, int cpus)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 1ULL << 30;
	p.nr_cpus = cpus;
	p.cmdline = strcmp(profile, "x86_64") ? "vmalloc=512M" : NULL; /* i386: HighMem from 448M */
	boot_or_fail(&p);
}

/* A run's trace (malloc()ed) and result, on a machine booted for it and shut down after. */
static char *traced_run(u64 seed, unsigned long ops, struct kmm_stress_result *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct kmm_stress_opts o = { .seed = seed, .ops = ops, .check_every = 1000, .trace = f };
	boot_cpus("i386", 1);
	int ret = kmm_stress_run(&o, r);
	fclose(f);
	cr_assert_eq(ret, 0, "seed %llu: CPU %d, operation %lu: %s", (unsigned long long)seed, r->fail_cpu, r->fail_op,
		     r->why);
	kmm_shutdown();
	return text;
}

Test(stress, one_cpu_replays_step_for_step)
{
	static struct kmm_stress_result a, b, c;
	char *ta = traced_run(42, 20000, &a), *tb = traced_run(42, 20000, &b), *tc = traced_run(43, 20000, &c);
	cr_assert_eq(a.ops, 20000);
	cr_assert_str_eq(ta, tb, "the same seed ran other operations");
	cr_assert_eq(a.digest, b.digest);
	cr_assert_eq(a.failed, b.failed);
	cr_assert_neq(a.digest, c.digest, "another seed, another run");
	cr_assert_str_neq(ta, tc);
	/* the trace names simulated addresses and outcomes, one line per operation */
	cr_assert(strstr(ta, "c0 1 "), "%.200s", ta);
	cr_assert(strstr(ta, "\nc0 20000 "));
	cr_assert(strstr(ta, " -> pfn 0x"));
	free(ta);
	free(tb);
	free(tc);
}

/* Every kind of operation comes up in a run of a few thousand. */
Test(stress, every_operation_runs)
{
	static struct kmm_stress_result r;
	boot_cpus("i386", 1);
	struct kmm_stress_opts o = { .seed = 5, .ops = 30000, .check_every = 5000 };
	cr_assert_eq(kmm_stress_run(&o, &r), 0, "%s", r.why);
	for (int k = 0; kmm_stress_op_name(k); k++)
		cr_assert_gt(r.count[k], 0, "no %s in 30000 operations", kmm_stress_op_name(k));
	cr_assert_gt(r.failed, 0, "some calls fail as they may (mprotect'd pages, missing files)");
	cr_assert_null(kmm_stress_op_name(KMM_STRESS_MAX_OPS));
}

static void cpus_pass_validators(const char *profile)
{
	static struct kmm_stress_result r;
	boot_cpus(profile, 2);
	struct kmm_usage before;
	kmm_usage_settle(&before);
	struct kmm_stress_opts o = { .seed = 11, .ops = 40000, .cpus = 2, .check_every = 1000, .max_pages = 256 };
	cr_assert_eq(kmm_stress_run(&o, &r), 0, "CPU %d, operation %lu: %s", r.fail_cpu, r.fail_op, r.why);
	cr_assert_eq(r.ops, 40000);
	cr_assert_geq(r.checks, 20 + 1, "a barrier every 1000 operations of each CPU, and the end");
	cr_assert_eq(kmm_cpu_current(), 0, "the caller is back on its CPU");
	char why[256];
	cr_assert_eq(kmm_nothing_lost(&before, why, sizeof(why)), 0, "%s", why);
	assert_machine_sane();
}

TEST_ON_EVERY_PROFILE(stress, two_cpus_pass_every_validator, cpus_pass_validators)

/*
 * Memory cgroups at their limits (the engine's cgroup operations): tasks
 * are OOM-killed by their group while the other CPU goes on touching its
 * own memory, and the validators and "nothing lost" hold throughout.
 */
Test(stress, oom_kills_while_other_cpus_work)
{
	static struct kmm_stress_result r;
	boot_cpus("i386", 2);
	struct kmm_stress_opts o = { .seed = 4, .ops = 100000, .cpus = 2, .check_every = 5000 };
	cr_assert_eq(kmm_stress_run(&o, &r), 0, "CPU %d, operation %lu: %s", r.fail_cpu, r.fail_op, r.why);
	int cg = 0;
	while (kmm_stress_op_name(cg) && strcmp(kmm_stress_op_name(cg), "cgroup"))
		cg++;
	cr_assert_not_null(kmm_stress_op_name(cg));
	cr_assert_gt(r.count[cg], 0);
	cr_assert_gt(r.oom_kills, 0, "no task was OOM-killed in 100000 operations");
	cr_assert_eq(r.oom_kills, vmstat_value("oom_kill"), "every kill counted");
}

/*
 * Migration and compaction amid the rest (the engine's migrate and
 * compact operations): on two fake NUMA nodes, pages move between nodes
 * and within zones while the other CPU faults, forks and frees, and the
 * validators and "nothing lost" hold throughout.
 */
Test(stress, migration_and_compaction_while_other_cpus_work)
{
	static struct kmm_stress_result r;
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "x86_64";
	p.mem_bytes = 1ULL << 30;
	p.nr_cpus = 2;
	p.cmdline = "numa=fake=2";
	boot_or_fail(&p);
	struct kmm_stress_opts o = { .seed = 17, .ops = 60000, .cpus = 2, .check_every = 5000 };
	cr_assert_eq(kmm_stress_run(&o, &r), 0, "CPU %d, operation %lu: %s", r.fail_cpu, r.fail_op, r.why);
	for (const char *const *name = (const char *const[]){ "migrate", "compact", NULL }; *name; name++) {
		int k = 0;
		while (kmm_stress_op_name(k) && strcmp(kmm_stress_op_name(k), *name))
			k++;
		cr_assert_not_null(kmm_stress_op_name(k), "%s", *name);
		cr_assert_gt(r.count[k], 0, "no %s operation", *name);
	}
	cr_assert_gt(vmstat_value("pgmigrate_success"), 0, "no page moved");
	cr_assert_gt(vmstat_value("compact_migrate_scanned"), 0, "no zone compacted");
}

Test(stress, more_cpus_than_booted_is_refused)
{
	static struct kmm_stress_result r;
	boot_cpus("i386", 1);
	struct kmm_stress_opts o = { .seed = 1, .ops = 10, .cpus = 2 };
	cr_assert_eq(kmm_stress_run(&o, &r), -EINVAL);
	cr_assert(strstr(r.why, "boot it with --cpus 2"), "%s", r.why);
}

/* A stray store into something held is caught, at the operation that looks at it. */
Test(stress, corruption_is_caught)
{
	static struct kmm_stress_result r;
	boot_cpus("i386", 1);
	struct kmm_stress_opts o = { .seed = 3, .ops = 3000, .check_every = 100, .corrupt_at = 500 };
	cr_assert_eq(kmm_stress_run(&o, &r), -EINVAL);
	cr_assert_eq(r.fail_cpu, 0);
	cr_assert_geq(r.fail_op, 500);
	cr_assert_leq(r.fail_op, 600, "the checkpoint after the corruption finds it at the latest");
	cr_assert(strstr(r.why, "was overwritten while it was held"), "%s", r.why);
}

/* Run the kmm tool; its exit status, stderr in err (malloc()ed). */
static int run_tool(const char *args, char **err)
{
	const char *tool = getenv("KMM_TOOL") ? getenv("KMM_TOOL") : "build/kmm";
	char cmd[1024], path[] = "/tmp/kmm-stress-err-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "%s stress %s >/dev/null 2>%s", tool, args, path);
	int status = system(cmd);
	*err = slurp(path);
	unlink(path);
	cr_assert_not_null(*err);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The failing-seed message: the seed, CPU and operation, and a command that replays it. */
Test(stress, failure_message_names_the_seed_and_replays)
{
	char *err;
	int rc = run_tool("--seed 9 --ops 2000 --check-every 50 --corrupt-at 300 --mem 512M", &err);
	cr_assert_eq(rc, 1, "%s", err);
	unsigned long op = 0;
	const char *at = strstr(err, "kmm stress: FAILED on CPU 0 at operation ");
	cr_assert_not_null(at, "%s", err);
	cr_assert_eq(sscanf(at, "kmm stress: FAILED on CPU 0 at operation %lu (seed 9): ", &op), 1, "%s", err);
	char replay[160];
	snprintf(replay, sizeof(replay), "kmm stress: replay it step by step: kmm stress --seed 9 --ops %lu --mem 512M --trace",
		 op);
	cr_assert(strstr(err, replay), "no \"%s\" in:\n%s", replay, err);
	/* the replay fails the same way at the same operation */
	char args[160], *again;
	snprintf(args, sizeof(args), "--seed 9 --ops %lu --check-every 50 --corrupt-at 300 --mem 512M", op);
	cr_assert_eq(run_tool(args, &again), 1, "%s", again);
	cr_assert(strstr(again, at + strlen("kmm stress: ")) || strstr(again, "at operation"), "%s", again);
	char first_line[256];
	snprintf(first_line, sizeof(first_line), "%.*s", (int)strcspn(at, "\n"), at);
	cr_assert(strstr(again, first_line), "replayed:\n%s\nfirst run:\n%s", again, first_line);
	free(err);
	free(again);
}

Test(stress, tool_usage_errors)
{
	char *err;
	cr_assert_eq(run_tool("--ops lots", &err), 2);
	cr_assert(strstr(err, "--ops: expected a number"), "%s", err);
	free(err);
	cr_assert_eq(run_tool("--cpus 99", &err), 2);
	free(err);
	cr_assert_eq(run_tool("extra", &err), 2);
	cr_assert(strstr(err, "unexpected argument"), "%s", err);
	free(err);
}

/* The op-sequence fuzz target's corpus, each input on a fresh machine: what fuzzing found stays fixed. */
Test(stress, fuzz_corpus_passes)
{
	DIR *d = opendir("fuzz/corpus/stress");
	cr_assert_not_null(d, "run the tests from the top of the tree");
	int n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char path[512];
		snprintf(path, sizeof(path), "fuzz/corpus/stress/%s", e->d_name);
		FILE *f = fopen(path, "rb");
		cr_assert_not_null(f);
		static unsigned char buf[4096];
		size_t len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
		p.mem_bytes = 160ULL << 20;
		p.kernel_bytes = 2ULL << 20;
		p.cmdline = "vmalloc=900M";
		boot_or_fail(&p);
		static struct kmm_stress_result r;
		struct kmm_stress_opts o = { .check_every = 16, .max_pages = 64 };
		cr_assert_eq(kmm_stress_bytes(buf, len, &o, &r), 0, "%s: operation %lu: %s", path, r.fail_op, r.why);
		kmm_shutdown();
		n++;
	}
	closedir(d);
	cr_assert_gt(n, 0);
}

/*
 * Under pressure: a machine small enough that reclaim runs all the time,
 * with a swap disk, so that anonymous pages go out and come back while
 * the CPUs fork, fault, map files and exit; every slot is free at the end.
 */
static void swap_pressure_on(const char *profile, bool rotational)
{
	static struct kmm_stress_result r;
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = (strcmp(profile, "x86_64") ? 64ULL : 128ULL) << 20;
	p.nr_cpus = 2;
	boot_or_fail(&p);
	cr_assert_eq(kmm_swapon_disk("/dev/vda", 128UL << 20, 0, rotational), 0);
	struct kmm_usage before;
	kmm_usage_settle(&before);
	struct kmm_stress_opts o = { .seed = 7, .ops = 40000, .cpus = 2, .check_every = 2000, .max_pages = 1024 };
	cr_assert_eq(kmm_stress_run(&o, &r), 0, "CPU %d, operation %lu: %s", r.fail_cpu, r.fail_op, r.why);
	cr_assert_gt(vmstat_value("pgsteal_direct"), 0, "reclaim ran");
	char why[256];
	cr_assert_eq(kmm_nothing_lost(&before, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(swap_free_kb_settled(), meminfo_value("SwapTotal:"), "every slot is free");
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	assert_machine_sane();
}

static void swap_pressure(const char *profile)
{
	swap_pressure_on(profile, true);
}

TEST_ON_EVERY_PROFILE(stress, two_cpus_under_swap_pressure, swap_pressure)

/* The same on a solid-state disk: each CPU takes its slots from a cluster of its own. */
static void swap_pressure_ssd(const char *profile)
{
	swap_pressure_on(profile, false);
}

TEST_ON_EVERY_PROFILE(stress, two_cpus_under_swap_pressure_ssd, swap_pressure_ssd)
