#define _GNU_SOURCE
/*
 * test_oom.c - the OOM killer (mm/oom_kill.c) against a real 6.1 kernel and
 * at its edges.
 *
 * The capture tests/data/pressure/oom-i386-256M-noswap: an i386 kernel with
 * 256 MiB and no swap, three hogs mapping 150 MiB each with oom_score_adj 0
 * (A), 500 (B) and -500 (C), each touching 60 MiB, then all three on until
 * memory runs out.  kmm runs the same workload on the same machine (the
 * steps of scenarios/oom.kmm) and must show, from the capture's own files:
 *   - the same victims in the same order (B, then A; C survives);
 *   - each hog's oom_score within 2% of the real one at each snapshot
 *     (start, grown, after);
 *   - each OOM report's lines in the same order with the same fields (the
 *     figures differ; a line is compared with its numbers blanked, the
 *     buddy lines up to their colon, the CPU line up to "Not tainted"; the
 *     host's call-trace frames and the real machine's register dump are
 *     not compared);
 *   - the survivor's data intact, the victims' memory back at once (their
 *     anonymous pages, and with task_exit the rest), nothing lost.
 * A memory policy's OOM (MPOL_BIND to one of two nodes) is constrained to
 * its nodes.  Then the edges, on every profile: oom_score_adj -1000 is never killed and
 * 1000 is killed first; vm.panic_on_oom (a child process panics);
 * vm.oom_kill_allocating_task; vm.oom_dump_tasks; a victim killed while
 * another CPU touches its memory through the host trap; what a killed
 * task's calls return; the legacy oom_adj.  "Nothing lost" after each.
 */
#include "kmm_test.h"

#include <kmm/fs.h>
#include <kmm/task.h>

#include <ctype.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(oom, .fini = fini, .timeout = 300);

#define MB (1UL << 20)

/* ---- the capture's files ------------------------------------------------------------------ */

static char *capture_file(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/pressure/oom-i386-256M-noswap/%s", data_dir(), name);
	char *s = slurp(path);
	cr_assert_not_null(s, "%s is missing", path);
	return s;
}

/* "A=270 oom_score_adj=0" lines: the pids of A, B and C */
static void capture_pids(int pid[3])
{
	char *s = capture_file("pids.txt");
	for (int i = 0; i < 3; i++) {
		char key[4] = { (char)('A' + i), '=', 0 };
		const char *at = strstr(s, key);
		cr_assert_not_null(at, "no %s in pids.txt", key);
		pid[i] = atoi(at + 2);
	}
	free(s);
}

/* oom_score of pid in a procs.txt ("--- pid N" blocks); -1 if the task was gone */
static long capture_score(const char *text, int pid)
{
	char key[32];
	snprintf(key, sizeof(key), "--- pid %d\n", pid);
	const char *at = strstr(text, key);
	cr_assert_not_null(at, "no %s", key);
	at += strlen(key);
	if (!strncmp(at, "(gone)", 6))
		return -1;
	cr_assert(!strncmp(at, "oom_score: ", 11), "pid %d: no oom_score", pid);
	return atol(at + 11);
}

/* the text after a "[   12.345678] " stamp, or the line itself */
static const char *unstamp(const char *line)
{
	if (*line != '[')
		return line;
	const char *e = strchr(line, ']');
	return e && e[1] == ' ' ? e + 2 : line;
}

/* A stack frame, a marker around one, or the real machine's registers: not compared. */
static bool not_compared(const char *t)
{
	static const char *const prefixes[] = { "Hardware name:", "EIP:", "Code:", "EAX:", "ESI:", "DS:", " <TASK>",
						" </TASK>", " ...", " ? " };
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (!strncmp(t, prefixes[i], strlen(prefixes[i])))
			return true;
	if (*t == ' ') { /* " name+0x1a/0x40": a frame (a Mem-Info continuation has a ':' before any '+') */
		size_t n = strspn(t + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.");
		return n && t[1 + n] == '+';
	}
	return false;
}

/* a report line with its figures blanked: digits to '#', blanks to one space; buddy and CPU lines cut */
static void shape(const char *t, size_t len, char *out, size_t outlen)
{
	char line[1024];
	len = min(len, sizeof(line) - 1);
	memcpy(line, t, len);
	line[len] = 0;
	char *cut = strstr(line, " Not tainted");
	if (!strncmp(line, "CPU: ", 5) && cut)
		*cut = 0;
	char *colon = strstr(line, ": ");
	if (colon && colon[2] >= '0' && colon[2] <= '9' && strchr(colon, '*')) /* "Normal: 3*4kB (U) ..." */
		colon[1] = 0;
	size_t o = 0;
	for (const char *p = line; *p && o + 2 < outlen; p++) {
		if (isdigit((unsigned char)*p)) {
			while (isdigit((unsigned char)p[1]))
				p++;
			out[o++] = '#';
		} else if (*p == ' ' || *p == '\t') {
			while (p[1] == ' ' || p[1] == '\t')
				p++;
			if (o && out[o - 1] != ' ')
				out[o++] = ' ';
		} else {
			out[o++] = *p;
		}
	}
	while (o && out[o - 1] == ' ')
		o--;
	out[o] = 0;
}

struct report {
	int nr_lines;
	char lines[160][256];
	int victim; /* the pid of "Killed process N" */
};

/* The OOM reports of a log: from "invoked oom-killer" through "Killed process", the shapes of their lines. */
static int reports(const char *log, struct report *r, int max)
{
	int n = -1;
	for (const char *p = log; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *t = unstamp(p);
		size_t tlen = len - (size_t)(t - p);
		if (memmem(t, tlen, " invoked oom-killer: ", 21) && n + 1 < max)
			r[++n].nr_lines = 0;
		if (n >= 0 && r[n].nr_lines >= 0 && !not_compared(t) && r[n].nr_lines < 160)
			shape(t, tlen, r[n].lines[r[n].nr_lines++], sizeof(r[n].lines[0]));
		if (n >= 0 && r[n].nr_lines >= 0 && !strncmp(t, "Out of memory: Killed process ", 30)) {
			r[n].victim = atoi(t + 30);
			r[n].nr_lines = -r[n].nr_lines - 1; /* closed: the lines after it are not its */
		}
		p = nl ? nl + 1 : p + len;
	}
	for (int i = 0; i <= n; i++)
		if (r[i].nr_lines < 0)
			r[i].nr_lines = -r[i].nr_lines - 1;
	return n + 1;
}

static bool within_2pc(long got, long want)
{
	return labs(got - want) * 50 <= want;
}

/* ---- the hogs in kmm ------------------------------------------------------------------------ */

struct hog {
	struct task_struct *t;
	unsigned long addr;
	unsigned long touched; /* MiB */
	int pid;
	bool dead;
};

static struct task_struct *make_task(const char *comm, const char *path, unsigned long text)
{
	struct task_struct *t = task_create(comm, 0);
	cr_assert_not_null(t);
	cr_assert_eq(task_exec_layout(t, path, text, 16 << 10, 16 << 10), 0);
	return t;
}

static void hog_start(struct hog *h, short adj, unsigned long mb)
{
	h->t = make_task("hog", "/bin/hog", 444 << 10);
	h->pid = h->t->pid;
	long a = task_mmap(h->t, 0, mb * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	h->addr = (unsigned long)a;
	char path[32], val[16];
	snprintf(path, sizeof(path), "%d/oom_score_adj", h->pid);
	snprintf(val, sizeof(val), "%d", adj);
	cr_assert_eq(kmm_proc_write(path, val), 0);
}

/* one more MiB, a byte per page as hog.c writes them; false once the hog was killed */
static bool hog_step(struct hog *h)
{
	if (h->dead)
		return false;
	int ret = u_touch(h->t, h->addr + h->touched * MB, MB, true);
	if (ret == -EINTR) {
		cr_assert(fatal_signal_pending(h->t), "pid %d: -EINTR without SIGKILL", h->pid);
		h->dead = true;
		return false;
	}
	cr_assert_eq(ret, 0, "pid %d: touching MiB %lu: %d", h->pid, h->touched, ret);
	h->touched++;
	return true;
}

static long oom_score(int pid)
{
	char path[32];
	snprintf(path, sizeof(path), "%d/oom_score", pid);
	char *s = kmm_proc_read(path);
	cr_assert_not_null(s, "no %s", path);
	long v = atol(s);
	free(s);
	return v;
}

static void boot_256M(const char *profile, int cpus)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 256ULL << 20;
	p.nr_cpus = cpus;
	p.cmdline = "console=ttyS0 loglevel=7 panic=-1 no_hash_pointers nokaslr";
	boot_or_fail(&p);
}

/* ---- the capture -------------------------------------------------------------------------- */

Test(oom, ref_i386_256M_noswap)
{
	int pid[3];
	capture_pids(pid);
	char *snap[3] = { capture_file("start/procs.txt"), capture_file("grown/procs.txt"), capture_file("after/procs.txt") };
	char *dmesg = capture_file("dmesg.txt");
	static struct report want[4], got[4];
	int nwant = reports(dmesg, want, 4);
	cr_assert_eq(nwant, 2, "the capture has two OOM kills (%d)", nwant);

	via_trap = false;
	boot_256M("i386", 1);
	struct kmm_usage boot;
	kmm_usage_settle(&boot);
	struct task_struct *init = make_task("init", "/sbin/init", 64 << 10);
	struct hog h[3] = { { 0 } };
	static const short adj[3] = { 0, 500, -500 };
	for (int i = 0; i < 3; i++)
		hog_start(&h[i], adj[i], 150);
	/* start: stopped after mmap */
	for (int i = 0; i < 3; i++) {
		long want_score = capture_score(snap[0], pid[i]), s = oom_score(h[i].pid);
		cr_assert(within_2pc(s, want_score), "start: %c's oom_score %ld, the capture's %ld", 'A' + i, s, want_score);
	}
	/* C's data, to be found intact at the end */
	static const char msg[] = "C's data, written before the OOM kills";
	cr_assert_eq(task_write(h[2].t, h[2].addr, msg, sizeof(msg)), 0);
	/* grown: 60 MiB each */
	for (int m = 0; m < 60; m++)
		for (int i = 0; i < 3; i++)
			cr_assert(hog_step(&h[i]));
	for (int i = 0; i < 3; i++) {
		long want_score = capture_score(snap[1], pid[i]), s = oom_score(h[i].pid);
		cr_assert(within_2pc(s, want_score), "grown: %c's oom_score %ld, the capture's %ld", 'A' + i, s, want_score);
	}
	struct task_struct *sleeper = make_task("sleep", "/bin/sleep", 4 << 10);
	long s = task_mmap(sleeper, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(s, 0);
	cr_assert_eq(mm_access(sleeper, (unsigned long)s, 1, true), 0);
	/* release: all three on, B and C and A in turn (as the real scheduler had them fault) */
	size_t log_from = strlen(kmm_dmesg());
	for (int m = 60; m < 150; m++) {
		hog_step(&h[1]);
		hog_step(&h[2]);
		hog_step(&h[0]);
	}
	/* the same victims in the same order: B, then A */
	int ngot = reports(kmm_dmesg() + log_from, got, 4);
	cr_assert_eq(ngot, nwant, "%d OOM kills, the capture's %d\n%s", ngot, nwant, kmm_dmesg() + log_from);
	for (int k = 0; k < nwant; k++) {
		int wi = -1, gi = -1;
		for (int i = 0; i < 3; i++) {
			wi = want[k].victim == pid[i] ? i : wi;
			gi = got[k].victim == h[i].pid ? i : gi;
		}
		cr_assert(wi >= 0 && gi == wi, "kill %d: kmm killed %c, the capture %c", k + 1, 'A' + gi, 'A' + wi);
		/* the report's lines, in order, with the same fields */
		cr_assert_eq(got[k].nr_lines, want[k].nr_lines, "kill %d: %d report lines, the capture's %d", k + 1,
			     got[k].nr_lines, want[k].nr_lines);
		for (int l = 0; l < want[k].nr_lines; l++)
			cr_assert_str_eq(got[k].lines[l], want[k].lines[l], "kill %d, line %d", k + 1, l + 1);
	}
	cr_assert(h[0].dead && h[1].dead && !h[2].dead, "A and B killed, C alive");
	cr_assert_eq(h[2].touched, 150, "C touched all of its 150 MiB (%lu)", h[2].touched);
	cr_assert_eq(vmstat_value("oom_kill"), 2);
	/* after: C alone */
	cr_assert_eq(capture_score(snap[2], pid[0]), -1, "the capture's A is gone");
	long want_score = capture_score(snap[2], pid[2]), sc = oom_score(h[2].pid);
	cr_assert(within_2pc(sc, want_score), "after: C's oom_score %ld, the capture's %ld", sc, want_score);
	char back[sizeof(msg)];
	cr_assert_eq(task_read(h[2].t, h[2].addr, back, sizeof(back)), 0);
	cr_assert_str_eq(back, msg, "the survivor's data");
	/* the killed hogs hold no memory of their own any more, and would never be chosen again */
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(get_mm_counter(h[i].t->mm, MM_ANONPAGES), 0, "%c's anonymous memory is back", 'A' + i);
		cr_assert_eq(oom_score(h[i].pid), 0, "%c's oom_score", 'A' + i);
	}
	for (int i = 0; i < 3; i++)
		task_exit(h[i].t);
	task_exit(sleeper);
	task_exit(init);
	assert_nothing_lost_since(&boot, "after the OOM kills");
	for (int i = 0; i < 3; i++)
		free(snap[i]);
	free(dmesg);
}

/* ---- oom_score_adj's edges, on every profile ------------------------------------------------ */

/*
 * Three tasks grow by turns (both ways in): one of -1000 grows the most, one of 0, one of
 * 1000 the least.  The 1000 dies first, then the 0; the -1000 one is never
 * chosen - with it alone left, "no killable processes" and its own
 * allocation fails, and it lives on.
 */
static void adj_edges(const char *profile)
{
	boot_256M(profile, 1);
	struct kmm_usage boot;
	kmm_usage_settle(&boot);
	struct task_struct *init = make_task("init", "/sbin/init", 64 << 10);
	unsigned long ram_mb = meminfo_value("MemTotal:") >> 10;
	struct hog h[3] = { { 0 } };
	static const short adj[3] = { -1000, 0, 1000 };
	for (int i = 0; i < 3; i++)
		hog_start(&h[i], adj[i], ram_mb);
	cr_assert_eq(oom_score(h[0].pid), 0, "-1000: oom_score 0");
	/* 1000 thousandths of totalpages rounded down to a multiple of 1000: a little under 2000 * 2/3 */
	cr_assert_geq(oom_score(h[2].pid), 1300, "1000: near the top of the 0..2000 scale (times 2/3)");
	int order[3], deaths = 0;
	for (int round = 0; round < 10000 && deaths < 2; round++) {
		for (int i = 0; i < 3; i++)
			for (int r = 0; r < 3 - i; r++) { /* -1000 grows three times as fast as 1000 */
				bool was = h[i].dead;
				hog_step(&h[i]);
				if (!was && h[i].dead)
					order[deaths++] = i;
			}
	}
	cr_assert_eq(deaths, 2, "%s: two kills", profile);
	int first = order[0], second = order[1];
	/* the -1000 one is left alone: the rest of its memory finds none, and nothing to kill */
	int ret = mm_access(h[0].t, h[0].addr + h[0].touched * MB, ram_mb * MB - h[0].touched * MB, true);
	cr_assert_eq(ret, -ENOMEM, "%s: the -1000 task's access fails (%d)", profile, ret);
	cr_assert_eq(first, 2, "%s: oom_score_adj 1000 killed first (%d)", profile, first);
	cr_assert_eq(second, 1, "%s: then 0 (%d)", profile, second);
	cr_assert(!h[0].dead && !fatal_signal_pending(h[0].t), "%s: -1000 never killed", profile);
	cr_assert_not_null(strstr(kmm_dmesg(), "Out of memory and no killable processes..."));
	cr_assert_eq(vmstat_value("oom_kill"), 2);
	for (int i = 0; i < 3; i++)
		task_exit(h[i].t);
	task_exit(init);
	assert_nothing_lost_since(&boot, profile);
}

/* through the software access and through the host trap (inside kmm_try: a killed task's access gives -EINTR) */
TEST_BOTH_WAYS(oom, adj_edges, adj_edges)

/* ---- what a killed task's calls get ------------------------------------------------------- */

static void killed_task_calls(const char *profile)
{
	via_trap = false;
	boot_256M(profile, 1);
	struct kmm_usage boot;
	kmm_usage_settle(&boot);
	struct task_struct *init = make_task("init", "/sbin/init", 64 << 10);
	unsigned long ram_mb = meminfo_value("MemTotal:") >> 10;
	struct hog big = { 0 }, asker = { 0 };
	hog_start(&big, 0, ram_mb);
	hog_start(&asker, -999, ram_mb);
	cr_assert_eq(kmm_proc_write("sys/vm/oom_dump_tasks", "0"), 0);
	int fd = task_open(big.t, "/etc/passwd", O_RDONLY | O_CREAT);
	cr_assert_geq(fd, 0);
	for (unsigned long m = 0; m < ram_mb / 2; m++)
		cr_assert(hog_step(&big));
	/* big is the victim of asker's allocations; it is not current: the reaper takes its memory at once */
	while (!big.dead && hog_step(&asker))
		if (fatal_signal_pending(big.t))
			big.dead = true;
	cr_assert(big.dead, "%s: the big task was killed", profile);
	cr_assert_null(strstr(kmm_dmesg(), "Tasks state"), "vm.oom_dump_tasks=0: no task table");
	cr_assert_not_null(strstr(kmm_dmesg(), "oom_reaper: reaped process"));
	cr_assert(task_sigpending(big.t) & (1ULL << (SIGKILL - 1)), "SIGKILL pending");
	kernel_siginfo_t info;
	cr_assert_eq(dequeue_signal(big.t, 0, &info), 0, "SIGKILL is fatal, never dequeued");
	/* its private memory is back (the reaper), and every call made for it: -EINTR */
	cr_assert_eq(get_mm_counter(big.t->mm, MM_ANONPAGES), 0);
	cr_assert(big.t->mm->flags & (1UL << MMF_OOM_SKIP));
	cr_assert_eq(task_mmap(big.t, 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), -EINTR);
	cr_assert_eq(task_munmap(big.t, big.addr, PAGE_SIZE), -EINTR);
	cr_assert_eq(task_mprotect(big.t, big.addr, PAGE_SIZE, PROT_READ), -EINTR);
	cr_assert_eq(mm_access(big.t, big.addr, 1, false), -EINTR);
	cr_assert_eq(task_brk(big.t, 0), 0);
	cr_assert_null(task_fork(big.t));
	cr_assert_eq(task_exec_layout(big.t, "/bin/x", 4096, 4096, 4096), -EINTR);
	cr_assert_eq(oom_score(big.pid), 0, "a killed task is never chosen again");
	/* the asker goes on */
	for (int i = 0; i < 4; i++)
		cr_assert(hog_step(&asker));
	/* the rest - page tables, VMAs, files, kernel objects - goes with task_exit, the exit of a zombie */
	cr_assert(!(big.t->flags & PF_EXITING));
	do_exit(big.t);
	cr_assert(big.t->flags & PF_EXITING, "the exit ran");
	cr_assert(big.t->flags & PF_SIGNALED, "killed by a signal");
	cr_assert_null(big.t->mm);
	char path[32];
	snprintf(path, sizeof(path), "%d/oom_score", big.pid);
	cr_assert_null(kmm_proc_read(path), "gone from /proc");
	task_exit(big.t);
	task_exit(asker.t);
	task_exit(init);
	assert_nothing_lost_since(&boot, profile);
}

TEST_ON_EVERY_PROFILE(oom, killed_task_calls, killed_task_calls)

/* ---- vm.oom_kill_allocating_task -------------------------------------------------------------- */

Test(oom, kill_allocating_task)
{
	via_trap = false;
	boot_256M("i386", 1);
	struct kmm_usage boot;
	kmm_usage_settle(&boot);
	struct task_struct *init = make_task("init", "/sbin/init", 64 << 10);
	unsigned long ram_mb = meminfo_value("MemTotal:") >> 10;
	struct hog big = { 0 }, small = { 0 };
	hog_start(&big, 1000, ram_mb);
	hog_start(&small, 0, ram_mb);
	cr_assert_eq(kmm_proc_write("sys/vm/oom_kill_allocating_task", "1"), 0);
	for (unsigned long m = 0; m < ram_mb * 3 / 4; m++)
		cr_assert(hog_step(&big));
	while (hog_step(&small))
		;
	cr_assert(small.dead && !big.dead, "the allocating task dies, not the one with 1000");
	cr_assert_not_null(strstr(kmm_dmesg(), "Out of memory (oom_kill_allocating_task): Killed process"));
	char *v = kmm_proc_read("sys/vm/oom_kill_allocating_task");
	cr_assert_str_eq(v, "1\n");
	free(v);
	task_exit(big.t);
	task_exit(small.t);
	task_exit(init);
	assert_nothing_lost_since(&boot, "oom_kill_allocating_task");
}

/* ---- vm.panic_on_oom: a child process boots, panics, and its parent reads what it said --------- */

/*
 * vm.panic_on_oom stops the machine at the OOM instead of killing: the
 * kmm tool runs a scenario that sets it and runs a hog out of memory (a
 * process of its own, since the panic stops the machine), and what it
 * printed and its exit status (3: the kernel stopped) are checked.
 */
static void panic_on_oom(const char *value, const char *words)
{
	const char *tool = getenv("KMM_TOOL") ? getenv("KMM_TOOL") : "build/kmm";
	char script[] = "/tmp/kmm-oom-panic-XXXXXX", out[] = "/tmp/kmm-oom-out-XXXXXX";
	int fd = mkstemp(script), ofd = mkstemp(out);
	cr_assert(fd >= 0 && ofd >= 0);
	close(ofd);
	dprintf(fd, "boot --mem 256M --cmdline \"console=ttyS0 loglevel=7 panic=-1\"\n"
		    "init = spawn init\n"
		    "sysctl vm.panic_on_oom=%s\n"
		    "t = spawn hog\n"
		    "m = mmap t 300M rw noreserve\n"
		    "touch m 0 300M write\n",
		value);
	close(fd);
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "%s run %s >%s 2>&1", tool, script, out);
	int status = system(cmd);
	FILE *f = fopen(out, "r");
	cr_assert_not_null(f);
	struct strbuf sb = { 0 };
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_printf(&sb, "%.*s", (int)n, buf);
	fclose(f);
	unlink(script);
	unlink(out);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 3, "the panic stopped the kernel: exit 3 (status %#x)",
		  status);
	cr_assert_not_null(sb.buf);
	char want[128];
	snprintf(want, sizeof(want), "Kernel panic - not syncing: Out of memory: %s panic_on_oom is enabled", words);
	cr_assert_not_null(strstr(sb.buf, want), "%s", sb.buf);
	cr_assert_not_null(strstr(sb.buf, "invoked oom-killer: gfp_mask=0x140dca"), "%s", sb.buf);
	cr_assert_null(strstr(sb.buf, "Killed process"), "nothing killed: it panicked first");
	sb_free(&sb);
}

Test(oom, panic_on_oom)
{
	panic_on_oom("1", "system-wide");
	panic_on_oom("2", "compulsory");
	boot_256M("i386", 1);
	cr_assert_eq(kmm_proc_write("sys/vm/panic_on_oom", "3"), -EINVAL);
	cr_assert_eq(kmm_proc_write("sys/vm/panic_on_oom", "-1"), -EINVAL);
	char *v = kmm_proc_read("sys/vm/panic_on_oom");
	cr_assert_str_eq(v, "0\n");
	free(v);
	v = kmm_proc_read("sys/vm/oom_dump_tasks");
	cr_assert_str_eq(v, "1\n");
	free(v);
}

/* ---- a victim killed while another CPU touches its memory ------------------------------------- */

static struct task_struct *toucher_victim;
static unsigned long toucher_addr, toucher_len;
static int toucher_ret;
static volatile int toucher_ready, grower_done;

static void toucher_run(void *arg)
{
	(void)arg;
	for (;;) {
		for (unsigned long off = 0; off < toucher_len; off += PAGE_SIZE) {
			volatile char *p = task_user_ptr(toucher_victim, toucher_addr + off);
			if (!p)
				return;
			*p = (char)(*p + 1);
		}
		__atomic_store_n(&toucher_ready, 1, __ATOMIC_RELEASE);
	}
}

static void *cpu_thread(void *arg)
{
	long cpu = (long)arg;
	cr_assert_eq(kmm_cpu_enter((int)cpu), 0);
	if (cpu == 1) {
		toucher_ret = kmm_try(toucher_run, NULL); /* runs until the victim's memory is taken from under it */
	} else {
		while (!__atomic_load_n(&toucher_ready, __ATOMIC_ACQUIRE))
			sched_yield();
		unsigned long ram_mb = meminfo_value("MemTotal:") >> 10;
		struct task_struct *g = make_task("grower", "/bin/grower", 64 << 10);
		long a = task_mmap(g, 0, ram_mb * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		cr_assert_gt(a, 0);
		for (unsigned long m = 0; m < ram_mb / 2 + ram_mb / 4; m++)
			cr_assert_eq(mm_access(g, (unsigned long)a + m * MB, MB, true), 0, "the grower's MiB %lu", m);
		__atomic_store_n(&grower_done, 1, __ATOMIC_RELEASE);
		kmm_cpu_exit();
		return g;
	}
	kmm_cpu_exit();
	return NULL;
}

static void victim_touched(const char *profile)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 256ULL << 20;
	p.nr_cpus = 2;
	boot_or_fail(&p);
	struct kmm_usage boot;
	kmm_usage_settle(&boot);
	struct task_struct *init = make_task("init", "/sbin/init", 64 << 10);
	unsigned long ram_mb = meminfo_value("MemTotal:") >> 10;
	struct task_struct *v = make_task("victim", "/bin/victim", 64 << 10);
	cr_assert_eq(kmm_proc_write("sys/vm/oom_dump_tasks", "0"), 0);
	char path[32];
	snprintf(path, sizeof(path), "%d/oom_score_adj", v->pid);
	cr_assert_eq(kmm_proc_write(path, "1000"), 0);
	toucher_len = ram_mb / 3 * MB;
	long a = task_mmap(v, 0, toucher_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	toucher_victim = v;
	toucher_addr = (unsigned long)a;
	toucher_ret = 1;
	toucher_ready = grower_done = 0;
	cr_assert_eq(mm_access(v, toucher_addr, toucher_len, true), 0);
	kmm_cpu_exit();
	pthread_t t[2];
	void *res[2];
	for (long c = 0; c < 2; c++)
		pthread_create(&t[c], NULL, cpu_thread, (void *)c);
	for (int c = 0; c < 2; c++)
		pthread_join(t[c], &res[c]);
	kmm_cpu_enter(0);
	cr_assert_eq(toucher_ret, -EINTR, "%s: the touching CPU got the victim's SIGKILL (%d)", profile, toucher_ret);
	cr_assert(fatal_signal_pending(v), "%s: the victim was killed", profile);
	cr_assert(grower_done);
	cr_assert_not_null(strstr(kmm_dmesg(), "Out of memory: Killed process"), "%s", kmm_dmesg());
	task_exit(v);
	task_exit((struct task_struct *)res[0]);
	task_exit(init);
	assert_nothing_lost_since(&boot, profile);
}

TEST_ON_EVERY_PROFILE(oom, victim_touched_by_another_cpu, victim_touched)

/* ---- the legacy oom_adj ---------------------------------------------------------------------- */

Test(oom, oom_adj_legacy)
{
	boot_256M("i386", 1);
	struct task_struct *init = make_task("init", "/sbin/init", 64 << 10);
	struct task_struct *t = make_task("hog", "/bin/hog", 444 << 10);
	char adj_path[32], score_adj_path[32];
	snprintf(adj_path, sizeof(adj_path), "%d/oom_adj", t->pid);
	snprintf(score_adj_path, sizeof(score_adj_path), "%d/oom_score_adj", t->pid);
	/* oom_adj written -> oom_score_adj, and read back (6.1's scaling both ways) */
	static const struct { const char *write; int score_adj, adj; } cases[] = {
		{ "-17", -1000, -17 }, { "-16", -941, -15 }, { "-8", -470, -7 }, { "-1", -58, 0 }, { "0", 0, 0 },
		{ "1", 58, 0 },        { "5", 294, 4 },      { "10", 588, 9 },   { "15", 1000, 15 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		cr_assert_eq(kmm_proc_write(adj_path, cases[i].write), 0);
		char *s = kmm_proc_read(score_adj_path), *a = kmm_proc_read(adj_path);
		cr_assert_eq(atoi(s), cases[i].score_adj, "oom_adj %s: oom_score_adj %s", cases[i].write, s);
		cr_assert_eq(atoi(a), cases[i].adj, "oom_adj %s: reads back %s", cases[i].write, a);
		free(s);
		free(a);
	}
	/* oom_score_adj 500 and -500 read as 8 and -8, as the capture's */
	cr_assert_eq(kmm_proc_write(score_adj_path, "500"), 0);
	char *a = kmm_proc_read(adj_path);
	cr_assert_str_eq(a, "8\n");
	free(a);
	cr_assert_eq(kmm_proc_write(adj_path, "16"), -EINVAL);
	cr_assert_eq(kmm_proc_write(adj_path, "-18"), -EINVAL);
	cr_assert_eq(kmm_proc_write(adj_path, "x"), -EINVAL);
	cr_assert_eq(kmm_proc_write(score_adj_path, "1001"), -EINVAL);
	char want[128];
	snprintf(want, sizeof(want), "kmm (0): /proc/%d/oom_adj is deprecated, please use /proc/%d/oom_score_adj instead.",
		 t->pid, t->pid);
	const char *first = strstr(kmm_dmesg(), want);
	cr_assert_not_null(first);
	cr_assert_null(strstr(first + strlen(want), "is deprecated"), "said once");
	/* pid 1 is never chosen: oom_score 0 */
	char init_score[32];
	snprintf(init_score, sizeof(init_score), "%d/oom_score", init->pid);
	char *s = kmm_proc_read(init_score);
	cr_assert_str_eq(s, "0\n");
	free(s);
	task_exit(t);
	task_exit(init);
}

/* ---- a memory policy's OOM (CONSTRAINT_MEMORY_POLICY) ---------------------------------------- */

/* the node of the page mapped at addr in t (PID/pagemap's pfn), -1 if none */
static int page_nid_at(struct task_struct *t, unsigned long addr)
{
	char path[32];
	u64 e;
	snprintf(path, sizeof(path), "%d/pagemap", t->pid);
	cr_assert_eq(kmm_proc_pread(path, &e, 8, addr / PAGE_SIZE * 8), 8);
	if (!(e >> 63))
		return -1;
	return page_to_nid(pfn_to_page((unsigned long)(e & ((1ULL << 55) - 1))));
}

/*
 * Two nodes (numa=fake=2 on x86_64): a task bound to node 1 (MPOL_BIND)
 * runs out of memory there while node 0 has room.  The OOM is constrained
 * to node 1 (its nodemask in the summary), and the victim is chosen among
 * the tasks that may use node 1: the bound task, not the bigger one bound
 * to node 0.  set_mempolicy's refusals change nothing; MPOL_INTERLEAVE
 * takes the nodes in turn and fork keeps the policy.
 */
Test(oom, constrained_mempolicy)
{
	via_trap = false;
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "x86_64";
	p.mem_bytes = 512ULL << 20;
	p.cmdline = "numa=fake=2";
	boot_or_fail(&p);
	cr_assert_eq(M->nr_nodes, 2);
	struct kmm_usage boot;
	kmm_usage_settle(&boot);
	struct task_struct *init = make_task("init", "/sbin/init", 64 << 10);
	struct task_struct *big = make_task("big", "/bin/big", 64 << 10), *small = make_task("small", "/bin/small", 64 << 10);
	unsigned long n0 = 1, n1 = 2, none = 0, n5 = 1UL << 5, wide[2] = { 1, 1 };
	/* the refusals */
	cr_assert_eq(task_set_mempolicy(small, 9, &n1, 65), -EINVAL, "no such mode");
	cr_assert_eq(task_set_mempolicy(small, MPOL_BIND, &none, 65), -EINVAL, "an empty bind");
	cr_assert_eq(task_set_mempolicy(small, MPOL_DEFAULT, &n1, 65), -EINVAL, "default takes no nodes");
	cr_assert_eq(task_set_mempolicy(small, MPOL_BIND, wide, 129), -EINVAL, "a node past MAX_NUMNODES");
	cr_assert_eq(task_set_mempolicy(small, MPOL_BIND, &n5, 65), -EINVAL, "a node without memory");
	cr_assert_eq(task_set_mempolicy(small, MPOL_BIND, &n1, 2), -EINVAL, "maxnode 2 is one bit: node 0 only, cleared");
	cr_assert_eq(task_get_mempolicy(small, NULL), MPOL_DEFAULT, "refused: nothing changed");
	cr_assert_eq(task_set_mempolicy(small, MPOL_PREFERRED, &none, 65), 0);
	cr_assert_eq(task_get_mempolicy(small, NULL), MPOL_LOCAL, "preferred with no node is local");
	/* interleave, kept across fork */
	cr_assert_eq(task_set_mempolicy(small, MPOL_INTERLEAVE, (unsigned long[]){ 3 }, 65), 0);
	struct task_struct *child = task_fork(small);
	cr_assert_not_null(child);
	unsigned long nodes;
	cr_assert_eq(task_get_mempolicy(child, &nodes), MPOL_INTERLEAVE);
	cr_assert_eq(nodes, 3UL);
	long il = task_mmap(child, 0, 8 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(il, 0);
	cr_assert_eq(mm_access(child, (unsigned long)il, 8 * PAGE_SIZE, true), 0);
	int on[2] = { 0, 0 };
	for (int i = 0; i < 8; i++) {
		int nid = page_nid_at(child, (unsigned long)il + (unsigned long)i * PAGE_SIZE);
		cr_assert(nid == 0 || nid == 1);
		on[nid]++;
	}
	cr_assert_eq(on[0], 4, "interleaved: half on node 0");
	cr_assert_eq(on[1], 4, "half on node 1");
	task_exit(child);
	/* the binds */
	cr_assert_eq(task_set_mempolicy(big, MPOL_BIND, &n0, 65), 0);
	cr_assert_eq(task_set_mempolicy(small, MPOL_BIND, &n1, 65), 0);
	unsigned long node_mb = NODE_DATA(1)->node_present_pages >> (20 - PAGE_SHIFT);
	int ret;
	long b = task_mmap(big, 0, 120 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long s = task_mmap(small, 0, (node_mb + 16) * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert(b > 0 && s > 0);
	ret = mm_access(big, (unsigned long)b, 120 * MB, true);
	cr_assert_eq(ret, 0, "big: %d", ret);
	cr_assert_eq(page_nid_at(big, (unsigned long)b), 0, "bound to node 0");
	ret = mm_access(small, (unsigned long)s, (node_mb + 16) * MB, true);
	cr_assert_eq(ret, -EINTR, "the small task, bound to node 1, was killed (%d)", ret);
	cr_assert(!fatal_signal_pending(big), "the bigger task is bound elsewhere");
	cr_assert_eq(page_nid_at(small, (unsigned long)s), -1, "its memory is back");
	const char *log = kmm_dmesg();
	cr_assert_not_null(strstr(log, "oom-kill:constraint=CONSTRAINT_MEMORY_POLICY,nodemask=1,"));
	char killed[64];
	snprintf(killed, sizeof(killed), "Out of memory: Killed process %d (small)", small->pid);
	cr_assert_not_null(strstr(log, killed));
	cr_assert_gt(zone_page_state(&NODE_DATA(0)->node_zones[ZONE_NORMAL], NR_FREE_PAGES) +
			     zone_page_state(&NODE_DATA(0)->node_zones[ZONE_DMA32], NR_FREE_PAGES),
		     (20 * MB) >> PAGE_SHIFT, "node 0 had room all along");
	task_exit(small);
	task_exit(big);
	task_exit(init);
	assert_nothing_lost_since(&boot, "mempolicy OOM");
}

/*
 * The killer's hold on a victim's mm is let go with mmput_async: when the
 * victim has exited meanwhile the teardown (and its fput of the image,
 * which takes filemap_lock) waits for a point where no lock is held - the
 * next system call's way back - instead of running under oom_lock.
 */
Test(oom, last_mm_reference_torn_down_later)
{
	boot_256M("i386", 1);
	struct kmm_usage boot;
	kmm_usage_settle(&boot);
	struct task_struct *init = make_task("init", "/sbin/init", 64 << 10);
	struct task_struct *v = make_task("victim", "/bin/victim", 64 << 10);
	long a = task_mmap(v, 0, 4 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	cr_assert_eq(mm_access(v, (unsigned long)a, 4 * MB, true), 0);
	struct mm_struct *mm = get_task_mm(v);
	cr_assert_not_null(mm);
	task_exit(v); /* the victim exits on "another CPU": the hold is the last reference */
	unsigned long anon = meminfo_value("AnonPages:");
	cr_assert_geq(anon, 4096, "the held mm keeps its %lu kB", anon);
	mmput_async(mm);
	cr_assert_eq(meminfo_value("AnonPages:"), anon, "nothing is torn down where the hold is let go");
	cr_assert_gt(task_brk(init, 0), 0); /* a system call of any task: on its way back the teardown runs */
	cr_assert_lt(meminfo_value("AnonPages:"), anon - 4000, "the exited victim's memory is back");
	task_exit(init);
	assert_nothing_lost_since(&boot, "i386");
}
