#define _GNU_SOURCE
/*
 * test_memcg.c - cgroup v2's memory controller (mm/memcontrol.c): the
 * tree and its refusals, charging of user pages, the page cache and
 * kernel memory, a group over memory.max reclaiming its own pages and then
 * killing within itself while the machine has room, memory.high,
 * memory.low's protection from the node's reclaim, memory.oom.group, and
 * the views - on every profile, "nothing lost" after each.
 */
#include "kmm_test.h"

#include <kmm/fs.h>
#include <kmm/swap.h>
#include <kmm/task.h>

#include <fcntl.h>
#include <pthread.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(memcg, .fini = fini, .timeout = 300);

#define MB (1UL << 20)

/* boot, and the figures "nothing lost" is checked against */
static void boot_settled(const char *profile, unsigned long long mem, int cpus, struct kmm_usage *boot)
{
	boot_machine(profile, mem, cpus, NULL);
	kmm_usage_settle(boot);
}

static struct task_struct *make_task(const char *comm)
{
	struct task_struct *t = task_create(comm, 0);
	cr_assert_not_null(t);
	cr_assert_eq(task_exec_layout(t, "/bin/hog", 64 << 10, 16 << 10, 16 << 10), 0);
	return t;
}

/* a task in group (made if it is not there yet) */
static struct task_struct *grouped_task(const char *comm, const char *group)
{
	struct task_struct *t = make_task(comm);
	int ret = kmm_cgroup_mkdir(group);
	cr_assert(ret == 0 || ret == -EEXIST, "mkdir %s: %d", group, ret);
	cr_assert_eq(kmm_cgroup_attach(t, group), 0);
	return t;
}

static long anon_map(struct task_struct *t, unsigned long len)
{
	long a = task_mmap(t, 0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	return a;
}

/* a number from a group's file: the whole file ("memory.current") or the line "key N" of it */
static unsigned long cg_value(const char *group, const char *file, const char *key)
{
	char path[256];
	snprintf(path, sizeof(path), "sys/fs/cgroup/%s/%s", group, file);
	char *text = kmm_proc_read(path);
	cr_assert_not_null(text, "%s: %s", path, strerror(errno));
	const char *at = text;
	if (key) {
		size_t k = strlen(key);
		for (at = text; at && !(!strncmp(at, key, k) && at[k] == ' '); at = strchr(at, '\n'), at = at ? at + 1 : NULL)
			;
		cr_assert_not_null(at, "%s has no %s", path, key);
		at += strlen(key) + 1;
	}
	unsigned long v = strtoul(at, NULL, 10);
	free(text);
	return v;
}

static void cg_write(const char *group, const char *file, const char *value)
{
	char path[256];
	snprintf(path, sizeof(path), "sys/fs/cgroup/%s/%s", group, file);
	int ret = kmm_proc_write(path, value);
	cr_assert_eq(ret, 0, "%s <- %s: %s", path, value, strerror(-ret));
}

/*
 * memory.current once the CPUs' stocks of pages charged ahead went back:
 * at most MEMCG_CHARGE_BATCH (64) pages per CPU more before, as 6.1; a
 * write of memory.max drains them (drain_all_stock).
 */
static unsigned long cg_current_drained(const char *group)
{
	unsigned long before = cg_value(group, "memory.current", NULL);
	char path[256];
	snprintf(path, sizeof(path), "sys/fs/cgroup/%s/memory.max", group);
	char *max = kmm_proc_read(path);
	cr_assert_not_null(max);
	cg_write(group, "memory.max", max);
	free(max);
	unsigned long after = cg_value(group, "memory.current", NULL);
	cr_assert_leq(after, before);
	cr_assert_leq(before - after, 64 * PAGE_SIZE * (unsigned long)M->nr_cpus, "more than the stocks");
	return after;
}

/* ---- the tree ----------------------------------------------------------------------------- */

static void tree(const char *profile)
{
	boot_machine(profile, 256ULL << 20, 1, NULL);
	struct kmm_usage boot;
	kmm_usage_settle(&boot);
	cr_assert_eq(kmm_cgroup_mkdir("A"), 0);
	cr_assert_eq(kmm_cgroup_mkdir("A"), -EEXIST);
	cr_assert_eq(kmm_cgroup_mkdir("/A/B/"), 0, "leading and trailing slashes as mkdir -p's path");
	cr_assert_eq(kmm_cgroup_mkdir("X/Y"), -ENOENT, "no parent");
	cr_assert_eq(kmm_cgroup_mkdir("A/memory.max"), -EEXIST, "a file's name");
	cr_assert_eq(kmm_cgroup_mkdir("A/.."), -EINVAL);
	cr_assert_eq(kmm_cgroup_mkdir(""), -EEXIST, "the root");
	char longname[300];
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	cr_assert_eq(kmm_cgroup_mkdir(longname), -ENAMETOOLONG);
	cr_assert_eq(kmm_cgroup_mkdir(NULL), -EINVAL);
	/* the files: what a new group reads */
	cr_assert_eq(cg_value("A", "memory.current", NULL), 0);
	char *max = kmm_proc_read("sys/fs/cgroup/A/memory.max");
	cr_assert_str_eq(max, "max\n");
	free(max);
	cr_assert_eq(cg_value("A", "memory.events", "oom_kill"), 0);
	cr_assert_null(kmm_proc_read("sys/fs/cgroup/memory.max"), "the root has no memory.max");
	cr_assert_eq(errno, ENOENT);
	char *stat = kmm_proc_read("sys/fs/cgroup/memory.stat");
	cr_assert_not_null(stat, "the root has memory.stat");
	cr_assert(!strncmp(stat, "anon ", 5), "memory.stat starts with anon");
	free(stat);
	cr_assert_null(kmm_proc_read("sys/fs/cgroup/Z/memory.current"));
	/* writes: 6.1's parser and its refusals, which change nothing */
	cg_write("A", "memory.max", "64M");
	cr_assert_eq(cg_value("A", "memory.max", NULL), 64 * MB);
	cr_assert_eq(kmm_proc_write("sys/fs/cgroup/A/memory.max", "lots"), -EINVAL);
	cr_assert_eq(kmm_proc_write("sys/fs/cgroup/A/memory.max", "-1"), -EINVAL);
	cr_assert_eq(kmm_proc_write("sys/fs/cgroup/A/memory.max", "99999E"), -EINVAL, "past 2^64");
	cr_assert_eq(cg_value("A", "memory.max", NULL), 64 * MB);
	cg_write("A", "memory.max", "max\n");
	max = kmm_proc_read("sys/fs/cgroup/A/memory.max");
	cr_assert_str_eq(max, "max\n");
	free(max);
	cg_write("A", "memory.high", "1000"); /* bytes round down to pages */
	cr_assert_eq(cg_value("A", "memory.high", NULL), 0);
	cr_assert_eq(kmm_proc_write("sys/fs/cgroup/A/memory.oom.group", "2"), -EINVAL);
	cr_assert_eq(kmm_proc_write("sys/fs/cgroup/A/memory.current", "0"), -EACCES);
	cr_assert_eq(kmm_proc_write("sys/fs/cgroup/A/cgroup.procs", "x"), -EINVAL);
	cr_assert_eq(kmm_proc_write("sys/fs/cgroup/A/cgroup.procs", "99999"), -ESRCH);
	/* tasks: a fork's child joins its parent's group; a group with tasks or children stays */
	struct task_struct *t = make_task("t");
	cr_assert_eq(kmm_cgroup_attach(t, "A/B"), 0);
	struct task_struct *c = task_fork(t);
	cr_assert_not_null(c);
	char *procs = kmm_proc_read("sys/fs/cgroup/A/B/cgroup.procs"), want[64];
	snprintf(want, sizeof(want), "%d\n%d\n", t->pid, c->pid);
	cr_assert_str_eq(procs, want);
	free(procs);
	cr_assert_eq(kmm_cgroup_rmdir("A/B"), -EBUSY, "tasks in it");
	cr_assert_eq(kmm_cgroup_rmdir("A"), -EBUSY, "a child");
	cr_assert_eq(kmm_cgroup_rmdir(""), -EBUSY, "the root");
	cr_assert_eq(kmm_cgroup_rmdir("Q"), -ENOENT);
	cr_assert_eq(kmm_cgroup_attach(t, "nope"), -ENOENT);
	task_exit(c);
	cr_assert_eq(kmm_cgroup_attach(t, ""), 0, "back to the root");
	cr_assert_eq(kmm_cgroup_rmdir("A/B"), 0);
	cr_assert_eq(kmm_cgroup_rmdir("A/B"), -ENOENT);
	cr_assert_eq(kmm_cgroup_rmdir("A"), 0);
	cr_assert_eq(kmm_cgroup_mkdir("A"), 0, "the name is free again");
	task_exit(t);
	assert_nothing_lost_since(&boot, profile);
}

TEST_ON_EVERY_PROFILE(memcg, tree, tree)

/* ---- memory.max: reclaim within the group, then its OOM ----------------------------------------- */

/*
 * A group of 16 MiB on a 256 MiB machine without swap: its task that
 * touches 32 MiB is killed by the group's OOM ("Memory cgroup out of
 * memory"), not a task outside (which holds more), nor its -500 neighbour;
 * memory.events counts max, oom and oom_kill; the group never went above
 * its limit.
 */
static void limit_oom(const char *profile)
{
	struct kmm_usage boot;
	boot_settled(profile, 256ULL << 20, 1, &boot);
	struct task_struct *init = make_task("init");
	struct task_struct *out = make_task("outsider"), *hog = grouped_task("hog", "A"), *nb = grouped_task("neighbour", "A");
	char path[32];
	snprintf(path, sizeof(path), "%d/oom_score_adj", nb->pid);
	cr_assert_eq(kmm_proc_write(path, "-500"), 0);
	cg_write("A", "memory.max", "16M");
	long o = anon_map(out, 48 * MB), h = anon_map(hog, 32 * MB), n = anon_map(nb, 4 * MB);
	cr_assert_eq(u_touch(out, (unsigned long)o, 48 * MB, true), 0, "outside the group: room enough");
	cr_assert_eq(u_write(nb, (unsigned long)n, "neighbour", 10), 0);
	cr_assert_eq(u_touch(nb, (unsigned long)n, 4 * MB, true), 0);
	int ret = u_touch(hog, (unsigned long)h, 32 * MB, true);
	cr_assert_eq(ret, -EINTR, "%s: the hog was killed (%d)", profile, ret);
	cr_assert(fatal_signal_pending(hog));
	cr_assert(!fatal_signal_pending(nb) && !fatal_signal_pending(out));
	const char *log = kmm_dmesg();
	cr_assert_not_null(strstr(log, "hog invoked oom-killer: gfp_mask=0x"));
	cr_assert_not_null(strstr(log, "memory: usage 16384kB, limit 16384kB, failcnt "));
	cr_assert_not_null(strstr(log, "Memory cgroup stats for /A:"));
	cr_assert_not_null(strstr(log, "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),"));
	cr_assert_not_null(strstr(log, ",oom_memcg=/A,task_memcg=/A,task=hog,"));
	char killed[64];
	snprintf(killed, sizeof(killed), "Memory cgroup out of memory: Killed process %d (hog)", hog->pid);
	cr_assert_not_null(strstr(log, killed));
	cr_assert_null(strstr(log, "Out of memory: Killed"), "no global OOM");
	cr_assert_gt(cg_value("A", "memory.events", "max"), 0);
	cr_assert_eq(cg_value("A", "memory.events", "oom"), 1);
	cr_assert_eq(cg_value("A", "memory.events", "oom_kill"), 1);
	cr_assert_eq(cg_value("A", "memory.events.local", "oom_kill"), 1);
	cr_assert_eq(cg_value("A", "memory.peak", NULL), 16 * MB, "never above the limit");
	cr_assert_eq(vmstat_value("oom_kill"), 1);
	/* the victim's memory is back in the group's count; the neighbour's data is intact */
	cr_assert_leq(cg_value("A", "memory.current", NULL), 5 * MB);
	char back[10];
	cr_assert_eq(u_read(nb, (unsigned long)n, back, sizeof(back)), 0);
	cr_assert_str_eq(back, "neighbour");
	task_exit(hog);
	task_exit(nb);
	cr_assert_eq(cg_current_drained("A"), 0, "everything uncharged");
	cr_assert_eq(kmm_cgroup_rmdir("A"), 0);
	task_exit(out);
	task_exit(init);
	assert_nothing_lost_since(&boot, profile);
}

TEST_BOTH_WAYS(memcg, limit_oom, limit_oom)

/*
 * With swap, the same group reclaims its own anonymous pages to swap and
 * nobody dies: its task's 32 MiB are all there (bytes written one way read
 * back), the group at most at its limit, its pages scanned and stolen by
 * its own reclaim (memory.stat pgscan/pgsteal), the machine's other memory
 * untouched by that reclaim.
 */
static void limit_swap(const char *profile)
{
	struct kmm_usage boot;
	boot_settled(profile, 256ULL << 20, 1, &boot);
	cr_assert_eq(kmm_swapon("/dev/vda", 128 * MB, 0), 0);
	struct task_struct *init = make_task("init"), *t = grouped_task("grower", "A");
	cg_write("A", "memory.max", "16M");
	long a = anon_map(t, 32 * MB);
	for (unsigned long off = 0; off < 32 * MB; off += PAGE_SIZE) {
		unsigned long v = off ^ 0x5a5a;
		cr_assert_eq(u_write(t, (unsigned long)a + off, &v, sizeof(v)), 0);
	}
	cr_assert(!fatal_signal_pending(t), "%s: no OOM with swap", profile);
	cr_assert_eq(cg_value("A", "memory.events", "oom"), 0);
	cr_assert_gt(cg_value("A", "memory.events", "max"), 0);
	cr_assert_leq(cg_value("A", "memory.current", NULL), 16 * MB);
	cr_assert_gt(cg_value("A", "memory.stat", "pgsteal"), 0);
	cr_assert_gt(vmstat_value("pswpout"), 0);
	cr_assert_eq(vmstat_value("allocstall_normal") + vmstat_value("allocstall_movable") + vmstat_value("pageoutrun"), 0,
		     "the machine itself never reclaimed");
	for (unsigned long off = 0; off < 32 * MB; off += PAGE_SIZE) {
		unsigned long v;
		cr_assert_eq(u_read(t, (unsigned long)a + off, &v, sizeof(v)), 0);
		cr_assert_eq(v, off ^ 0x5a5a, "%s: the page at +%#lx", profile, off);
	}
	task_exit(t);
	cr_assert_eq(cg_current_drained("A"), 0);
	task_exit(init);
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	assert_nothing_lost_since(&boot, profile);
}

TEST_BOTH_WAYS(memcg, limit_swap, limit_swap)

/* ---- what is charged ------------------------------------------------------------------------- */

/*
 * The page cache a task reads is its group's (memory.stat file), and a
 * limit below the file's size reclaims the group's clean cache instead of
 * killing; its page tables, kernel stack's and VMAs' objects are kernel
 * memory of the group (kernel, pagetables, slab); all of it goes back.
 */
static void charged(const char *profile)
{
	struct kmm_usage boot;
	boot_settled(profile, 256ULL << 20, 1, &boot);
	cr_assert_eq(kmm_file_create("/data", NULL, 8 * MB), 0);
	struct task_struct *t = grouped_task("reader", "A");
	int fd = task_open(t, "/data", O_RDONLY);
	cr_assert_geq(fd, 0);
	long m = task_mmap(t, 0, 8 * MB, PROT_READ, MAP_PRIVATE, fd, 0);
	cr_assert_gt(m, 0);
	for (int i = 0; i < 64; i++) /* VMAs: vm_area_struct is SLAB_ACCOUNT */
		anon_map(t, PAGE_SIZE * (unsigned long)(i % 2 + 1) * 4);
	cr_assert_eq(u_touch(t, (unsigned long)m, 8 * MB, false), 0);
	unsigned long file = cg_value("A", "memory.stat", "file");
	cr_assert_geq(file, 8 * MB, "%s: the file's pages are the group's (%lu)", profile, file);
	cr_assert_geq(cg_value("A", "memory.stat", "file_mapped"), 8 * MB);
	cr_assert_gt(cg_value("A", "memory.stat", "pagetables"), 0);
	cr_assert_gt(cg_value("A", "memory.stat", "slab_unreclaimable"), 0);
	unsigned long kernel = cg_value("A", "memory.stat", "kernel");
	cr_assert_geq(kernel, cg_value("A", "memory.stat", "pagetables"), "kernel includes the page tables");
	unsigned long cur = cg_value("A", "memory.current", NULL);
	cr_assert_geq(cur, file + kernel - PAGE_SIZE, "memory.current covers the cache and kernel memory");
	cr_assert_geq(cg_value("", "memory.stat", "file"), file, "the root's stat includes its children");
	/* a limit under the cache: the group's clean cache is reclaimed, nobody is killed */
	cg_write("A", "memory.max", "4M");
	cr_assert_leq(cg_value("A", "memory.current", NULL), 4 * MB);
	cr_assert_eq(u_touch(t, (unsigned long)m, 8 * MB, false), 0, "%s: read again within 4 MiB", profile);
	cr_assert(!fatal_signal_pending(t));
	cr_assert_eq(cg_value("A", "memory.events", "oom"), 0);
	cr_assert_gt(cg_value("A", "memory.stat", "workingset_refault_file"), 0, "the re-read refaults");
	task_exit(t);
	/* the cache outlives the task, charged to the group: a dying group after rmdir, until reclaim */
	cr_assert_eq(kmm_cgroup_rmdir("A"), 0);
	cr_assert_eq(kmm_proc_write("sys/vm/drop_caches", "3"), 0);
	cr_assert_eq(kmm_file_unlink("/data"), 0);
	assert_nothing_lost_since(&boot, profile);
}

TEST_ON_EVERY_PROFILE(memcg, charged, charged)

/* ---- memory.high, memory.low, memory.oom.group ---------------------------------------------- */

/* over memory.high: "high" events and reclaim on the way back to user space, no OOM even without a max */
static void high(const char *profile)
{
	struct kmm_usage boot;
	boot_settled(profile, 256ULL << 20, 1, &boot);
	cr_assert_eq(kmm_swapon("/dev/vda", 64 * MB, 0), 0);
	struct task_struct *t = grouped_task("t", "A");
	cg_write("A", "memory.high", "8M");
	long a = anon_map(t, 24 * MB);
	for (int i = 0; i < 24; i++)
		cr_assert_eq(u_touch(t, (unsigned long)a + (unsigned long)i * MB, MB, true), 0);
	cr_assert_gt(cg_value("A", "memory.events", "high"), 0);
	cr_assert_eq(cg_value("A", "memory.events", "max"), 0);
	cr_assert_eq(cg_value("A", "memory.events", "oom"), 0);
	cr_assert_leq(cg_value("A", "memory.current", NULL), 8 * MB, "%s: back under high", profile);
	cr_assert_gt(cg_value("A", "memory.peak", NULL), 8 * MB, "it went over for a moment");
	/* memory.reclaim takes what it is asked for */
	unsigned long before = cg_value("A", "memory.current", NULL);
	cg_write("A", "memory.reclaim", "2M");
	cr_assert_leq(cg_value("A", "memory.current", NULL), before - 2 * MB);
	task_exit(t);
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	assert_nothing_lost_since(&boot, profile);
}

TEST_ON_EVERY_PROFILE(memcg, high, high)

/*
 * memory.low: under the node's pressure (a task outside the group touching
 * more than the machine has, with swap) the protected group keeps its
 * pages while the outsider's go to swap; with the protection off the same
 * run takes from both.
 */
static unsigned long low_run(const char *profile, bool protect)
{
	boot_machine(profile, 128ULL << 20, 1, NULL);
	cr_assert_eq(kmm_swapon("/dev/vda", 256 * MB, 0), 0);
	struct task_struct *init = make_task("init"), *keep = grouped_task("keeper", "P"), *hog = grouped_task("hog", "Q");
	if (protect)
		cg_write("P", "memory.low", "32M");
	long k = anon_map(keep, 24 * MB), h = anon_map(hog, 160 * MB);
	cr_assert_eq(mm_access(keep, (unsigned long)k, 24 * MB, true), 0);
	for (int i = 0; i < 160; i++)
		cr_assert_eq(mm_access(hog, (unsigned long)h + (unsigned long)i * MB, MB, true), 0);
	unsigned long kept = cg_value("P", "memory.current", NULL);
	if (protect)
		cr_assert_eq(cg_value("P", "memory.events", "low"), 0, "never needed to break the protection");
	task_exit(keep);
	task_exit(hog);
	task_exit(init);
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	kmm_shutdown();
	return kept;
}

static void low(const char *profile)
{
	unsigned long with = low_run(profile, true), without = low_run(profile, false);
	cr_assert_geq(with, 24 * MB, "%s: protected, all 24 MiB stayed (%lu)", profile, with);
	cr_assert_lt(without, with, "%s: unprotected, reclaim took some (%lu of %lu)", profile, without, with);
}

TEST_ON_EVERY_PROFILE(memcg, low, low)

/* memory.oom.group: the victim's whole group goes, oom_group_kill counts, the rest of the machine stays */
Test(memcg, oom_group)
{
	via_trap = false;
	boot_machine("i386", 256ULL << 20, 1, NULL);
	struct kmm_usage boot;
	kmm_usage_settle(&boot);
	struct task_struct *init = make_task("init"), *a = grouped_task("a", "G"), *b = grouped_task("b", "G"), *c = make_task("c");
	cg_write("G", "memory.max", "8M");
	cg_write("G", "memory.oom.group", "1");
	long ma = anon_map(a, 16 * MB), mb = anon_map(b, MB), mc = anon_map(c, MB);
	cr_assert_eq(mm_access(b, (unsigned long)mb, MB, true), 0);
	cr_assert_eq(mm_access(c, (unsigned long)mc, MB, true), 0);
	cr_assert_eq(mm_access(a, (unsigned long)ma, 16 * MB, true), -EINTR);
	cr_assert(fatal_signal_pending(a) && fatal_signal_pending(b), "the whole group");
	cr_assert(!fatal_signal_pending(c) && !fatal_signal_pending(init));
	cr_assert_not_null(strstr(kmm_dmesg(), "Tasks in /G are going to be killed due to memory.oom.group set"));
	cr_assert_eq(cg_value("G", "memory.events", "oom_group_kill"), 1);
	cr_assert_eq(cg_value("G", "memory.events", "oom_kill"), 2);
	task_exit(a);
	task_exit(b);
	task_exit(c);
	task_exit(init);
	assert_nothing_lost_since(&boot, "oom.group");
}

/* ---- two CPUs: groups at their limits, kills while the other CPU touches memory ------------------ */

struct cpu_run {
	struct task_struct *t;
	long addr;
	int kills;
};

static struct cpu_run runs[2];

static void *grow(void *arg)
{
	long cpu = (long)arg;
	struct cpu_run *r = &runs[cpu];
	if (kmm_cpu_enter((int)cpu))
		return (void *)1L;
	long bad = 0;
	for (int round = 0; round < 6 && !bad; round++) {
		int ret = mm_access(r->t, (unsigned long)r->addr, 24 * MB, true);
		if (ret == -EINTR) { /* killed by its group's OOM */
			r->kills++;
			break;
		}
		bad = ret ? 2 : 0;
	}
	kmm_cpu_exit();
	return (void *)bad;
}

Test(memcg, two_cpus_at_their_limits)
{
	boot_machine("i386", 256ULL << 20, 2, NULL);
	struct kmm_usage boot;
	kmm_usage_settle(&boot);
	cr_assert_eq(kmm_swapon("/dev/vda", 32 * MB, 0), 0);
	struct task_struct *init = make_task("init");
	const char *groups[2] = { "one", "two" };
	for (int i = 0; i < 2; i++) {
		runs[i].t = grouped_task(groups[i], groups[i]);
		cg_write(groups[i], "memory.max", "12M");
		runs[i].addr = anon_map(runs[i].t, 24 * MB);
	}
	kmm_cpu_exit();
	pthread_t th[2];
	void *res[2];
	for (long c = 0; c < 2; c++)
		pthread_create(&th[c], NULL, grow, (void *)c);
	for (int c = 0; c < 2; c++)
		pthread_join(th[c], &res[c]);
	kmm_cpu_enter(0);
	for (int i = 0; i < 2; i++) {
		cr_assert_null(res[i], "CPU %d: %ld", i, (long)res[i]);
		cr_assert_leq(cg_value(groups[i], "memory.peak", NULL), 12 * MB);
		cr_assert_eq(cg_value(groups[i], "memory.events", "oom_kill"), (unsigned long)runs[i].kills);
		task_exit(runs[i].t);
	}
	task_exit(init);
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0); /* the swap cache's pages (some written out as the tasks went) go */
	for (int i = 0; i < 2; i++)
		cr_assert_eq(cg_current_drained(groups[i]), 0);
	assert_nothing_lost_since(&boot, "two CPUs");
}

/*
 * Killed by its group's OOM in the middle of exec (the new mm's tables and
 * objects are charged): the exec fails (-ENOMEM, or -EINTR when the kill
 * came after the new mm was made), the task keeps the mm it
 * was chosen for and gives it back on the way out (reaped, MMF_OOM_SKIP),
 * so that no later OOM waits for a victim nobody runs (a livelock the
 * stress engine found: the victim lived on in its new mm).
 */
Test(memcg, killed_in_exec)
{
	struct kmm_usage boot;
	boot_settled("i386", 256ULL << 20, 1, &boot);
	struct task_struct *init = make_task("init"), *t = grouped_task("t", "E");
	long a = anon_map(t, 4 * MB);
	cr_assert_eq(mm_access(t, (unsigned long)a, 4 * MB, true), 0);
	cg_write("E", "memory.max", "max"); /* drains the CPU's stock */
	char lim[32];
	snprintf(lim, sizeof(lim), "%lu", cg_value("E", "memory.current", NULL)); /* not a page more */
	cg_write("E", "memory.max", lim);
	/* the new mm's page directory is charged (GFP_PGTABLE_USER): the group's OOM chooses t itself */
	int ret = task_exec_layout(t, "/bin/big", 1 << 20, 64 << 10, 64 << 10);
	cr_assert(ret == -ENOMEM || ret == -EINTR, "exec: %d", ret);
	cr_assert(fatal_signal_pending(t));
	cr_assert_eq(cg_value("E", "memory.events", "oom_kill"), 1);
	cr_assert(t->mm && (t->mm->flags & (1UL << MMF_OOM_SKIP)), "the old mm stayed, and was reaped");
	cr_assert_eq(get_mm_counter(t->mm, MM_ANONPAGES), 0);
	task_exit(t);
	task_exit(init);
	assert_nothing_lost_since(&boot, "killed in exec");
}
