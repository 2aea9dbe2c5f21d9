/*
 * record.c - `kmm record [-o FILE] -- COMMAND`: run COMMAND on this host with
 * the kernel's kmem allocation events enabled, and write the trace for
 * `kmm replay`.
 *
 * Through tracefs, as root: the six events kmm replays (kmem:kmalloc,
 * kfree, kmem_cache_alloc, kmem_cache_free, mm_page_alloc, mm_page_free)
 * are enabled for COMMAND and its descendants only (set_event_pid with
 * options/event-fork, as trace-cmd -F does; --all traces every process),
 * the ring buffer is emptied first, and COMMAND is held at a pipe until
 * the events are on, so its first allocation is in the trace.  Afterwards
 * the ring buffer goes to FILE: a trace.dat written by `trace-cmd extract`
 * when trace-cmd is installed (the event formats, the kernel's uname and
 * page size, lost-event counts travel with it), else tracefs's text.  What
 * was changed in tracefs (the events' enable files, set_event_pid,
 * event-fork, tracing_on) is put back as it was.
 *
 * Not possible, said plainly, exit status 1: no tracefs (not mounted, or
 * KMM_TRACEFS names a directory without one), not root, a kernel without
 * the kmem events.  Exit status otherwise: COMMAND's own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kmm.h"

static const char record_help[] =
	"NAME\n"
	"    kmm record - record this host's kernel allocations while a command runs\n"
	"\n"
	"SYNOPSIS\n"
	"    kmm record [-o FILE] [--text] [--all] [--kallsyms] -- COMMAND [ARG]...\n"
	"\n"
	"DESCRIPTION\n"
	"    Runs COMMAND with the kernel's kmem:kmalloc, kfree, kmem_cache_alloc,\n"
	"    kmem_cache_free, mm_page_alloc and mm_page_free events enabled through\n"
	"    tracefs for COMMAND and the processes it starts, then writes the ring\n"
	"    buffer to FILE and prints how to replay it.  FILE is a trace.dat written\n"
	"    by `trace-cmd extract` when trace-cmd is installed, else (or with --text)\n"
	"    the text of tracefs's trace file; kmm replay reads both.  The tracefs\n"
	"    settings it changes are restored.  It needs root and a mounted tracefs\n"
	"    (/sys/kernel/tracing, or /sys/kernel/debug/tracing; KMM_TRACEFS names\n"
	"    another).\n"
	"\n"
	"OPTIONS\n"
	"    -o, --output FILE\n"
	"        where the trace goes (default kmm-trace.dat, or kmm-trace.txt as text).\n"
	"    --text\n"
	"        write tracefs's text even when trace-cmd is installed.\n"
	"    --all\n"
	"        record every process's allocations, not only COMMAND's.\n"
	"    --kallsyms\n"
	"        keep the kernel's symbol table in the trace.dat (trace-cmd report then\n"
	"        names call sites); left out by default: kmm needs none, and it is most\n"
	"        of the file and of the time to open it.\n"
	"    -h, --help\n"
	"        this text.\n"
	"\n"
	"EXIT STATUS\n"
	"    COMMAND's; 1 when tracing is not possible here (no tracefs, not root, no\n"
	"    kmem events) or the trace cannot be written; 2 usage error; 127 COMMAND\n"
	"    not found.\n"
	"\n"
	"EXAMPLES\n"
	"    sudo kmm record -o ls.dat -- ls -l /usr/bin\n"
	"    kmm replay --profile x86_64 ls.dat\n";

static const char *const record_events[] = {
	"kmalloc", "kfree", "kmem_cache_alloc", "kmem_cache_free", "mm_page_alloc", "mm_page_free",
};
#define NR_RECORD_EVENTS (sizeof(record_events) / sizeof(record_events[0]))

struct tracefs_state {
	char dir[512];
	char enable[NR_RECORD_EVENTS];  /* '0' or '1': as found */
	char tracing_on;
	char event_fork;                /* 0: the kernel has no options/event-fork */
	char event_pid[256];            /* set_event_pid as found */
};

static int tracefs_write(const char *dir, const char *file, const char *text, bool append, char *err, size_t errlen)
{
	char path[768];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC | (append ? O_APPEND : O_TRUNC));
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	size_t len = strlen(text);
	ssize_t n = len ? write(fd, text, len) : 0;
	int saved = errno;
	close(fd);
	if (n != (ssize_t)len) {
		snprintf(err, errlen, "writing \"%s\" to %s: %s", text, path, n < 0 ? strerror(saved) : "short write");
		return -1;
	}
	return 0;
}

/* The first bytes of a tracefs file, without the newline; "" when it cannot be read. */
static void tracefs_read(const char *dir, const char *file, char *buf, size_t len)
{
	char path[768];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	buf[0] = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
}

/* 0: dir holds tracefs; else the errno of looking (EACCES: there, but not for this user) */
static int is_tracefs(const char *dir)
{
	char path[768];
	struct stat sb;
	snprintf(path, sizeof(path), "%s/trace", dir);
	return stat(path, &sb) ? errno : 0;
}

static const char need_root[] = "tracing needs root: %s is not writable by this user (run: sudo kmm record ...)";

/* Find tracefs; 0, or -1 with what is wrong in err. */
static int tracefs_find(struct tracefs_state *s, char *err, size_t errlen)
{
	const char *env = getenv("KMM_TRACEFS");
	const char *const dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	if (env && *env) {
		snprintf(s->dir, sizeof(s->dir), "%s", env);
		if (is_tracefs(s->dir) == EACCES) {
			snprintf(err, errlen, need_root, env);
			return -1;
		}
		if (is_tracefs(s->dir)) {
			snprintf(err, errlen, "no tracefs at %s (KMM_TRACEFS)", env);
			return -1;
		}
	} else {
		s->dir[0] = 0;
		for (size_t i = 0; i < 2 && !s->dir[0]; i++) {
			int why = is_tracefs(dirs[i]);
			if (why == EACCES) {
				snprintf(err, errlen, need_root, dirs[i]);
				return -1;
			}
			if (!why)
				snprintf(s->dir, sizeof(s->dir), "%s", dirs[i]);
		}
		if (!s->dir[0]) {
			snprintf(err, errlen,
				 "no tracefs: /sys/kernel/tracing is not mounted (as root: mount -t tracefs nodev "
				 "/sys/kernel/tracing), or this kernel was built without CONFIG_FTRACE");
			return -1;
		}
	}
	char path[768];
	snprintf(path, sizeof(path), "%s/events/kmem/kmalloc/enable", s->dir);
	if (access(path, F_OK)) {
		snprintf(err, errlen, "%s: this kernel has no kmem events (CONFIG_TRACEPOINTS)", path);
		return -1;
	}
	if (access(path, W_OK)) {
		snprintf(err, errlen, need_root, path);
		return -1;
	}
	return 0;
}

static void tracefs_save(struct tracefs_state *s)
{
	char buf[64], file[128];
	for (size_t i = 0; i < NR_RECORD_EVENTS; i++) {
		snprintf(file, sizeof(file), "events/kmem/%s/enable", record_events[i]);
		tracefs_read(s->dir, file, buf, sizeof(buf));
		s->enable[i] = buf[0] == '1' ? '1' : '0';
	}
	tracefs_read(s->dir, "tracing_on", buf, sizeof(buf));
	s->tracing_on = buf[0] == '0' ? '0' : '1';
	tracefs_read(s->dir, "options/event-fork", buf, sizeof(buf));
	s->event_fork = buf[0] == '0' || buf[0] == '1' ? buf[0] : 0;
	tracefs_read(s->dir, "set_event_pid", s->event_pid, sizeof(s->event_pid));
}

static void tracefs_events(const struct tracefs_state *s, bool on, char *err, size_t errlen)
{
	char file[128];
	for (size_t i = 0; i < NR_RECORD_EVENTS; i++) {
		snprintf(file, sizeof(file), "events/kmem/%s/enable", record_events[i]);
		tracefs_write(s->dir, file, on ? "1" : "0", false, err, errlen);
	}
}

static void tracefs_restore(const struct tracefs_state *s)
{
	char err[256], file[128];
	for (size_t i = 0; i < NR_RECORD_EVENTS; i++) {
		snprintf(file, sizeof(file), "events/kmem/%s/enable", record_events[i]);
		tracefs_write(s->dir, file, s->enable[i] == '1' ? "1" : "0", false, err, sizeof(err));
	}
	tracefs_write(s->dir, "set_event_pid", "", false, err, sizeof(err));
	/* set_event_pid takes one pid per write */
	char pids[sizeof(s->event_pid)];
	snprintf(pids, sizeof(pids), "%s", s->event_pid);
	for (char *save = NULL, *p = strtok_r(pids, " ", &save); p; p = strtok_r(NULL, " ", &save))
		tracefs_write(s->dir, "set_event_pid", p, true, err, sizeof(err));
	if (s->event_fork)
		tracefs_write(s->dir, "options/event-fork", s->event_fork == '1' ? "1" : "0", false, err, sizeof(err));
	tracefs_write(s->dir, "tracing_on", s->tracing_on == '1' ? "1" : "0", false, err, sizeof(err));
}

static bool have_program(const char *name)
{
	const char *path = getenv("PATH");
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path && *path ? path : "/usr/bin:/bin");
	for (char *save = NULL, *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char full[4200];
		snprintf(full, sizeof(full), "%s/%s", d, name);
		if (!access(full, X_OK))
			return true;
	}
	return false;
}

/*
 * trace-cmd copies /proc/kallsyms into every trace.dat: most of the file, and
 * most of the time a reader takes to open it; kmm needs no symbols.  A mount
 * namespace of the child's own, with /dev/null over /proc/kallsyms, leaves it
 * out (if that cannot be done, it stays in).
 */
static void hide_kallsyms(void)
{
	if (unshare(CLONE_NEWNS))
		return;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return;
	mount("/dev/null", "/proc/kallsyms", NULL, MS_BIND, NULL);
}

/* Run argv and wait: its exit status, or -1. */
static int run_wait(char *const argv[], bool quiet, bool no_kallsyms)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		if (no_kallsyms)
			hide_kallsyms();
		if (quiet) {
			int null = open("/dev/null", O_WRONLY);
			if (null >= 0) {
				dup2(null, 1);
				dup2(null, 2);
			}
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* tracefs's text trace into out: 0 or -1. */
static int copy_text(const char *dir, const char *out, char *err, size_t errlen)
{
	char path[768];
	snprintf(path, sizeof(path), "%s/trace", dir);
	int in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", out, strerror(errno));
		close(in);
		return -1;
	}
	char buf[1 << 16];
	ssize_t n;
	int ret = 0;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n) {
			snprintf(err, errlen, "%s: %s", out, strerror(errno));
			ret = -1;
			break;
		}
	close(in);
	if (close(fd) && !ret) {
		snprintf(err, errlen, "%s: %s", out, strerror(errno));
		ret = -1;
	}
	return ret;
}

/* The kmm profile closest to this host's kernel, for the replay hint. */
static const char *host_profile(void)
{
	struct utsname u;
	if (uname(&u))
		return "x86_64";
	if (!strcmp(u.machine, "aarch64"))
		return "arm64";
	if (u.machine[0] == 'i' && strstr(u.machine, "86"))
		return "i386";
	if (!strncmp(u.machine, "arm", 3))
		return "arm";
	return "x86_64";
}

int cmd_record(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, 0, 'o' },
		{ "text", no_argument, 0, 't' },
		{ "all", no_argument, 0, 'a' },
		{ "kallsyms", no_argument, 0, 'k' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *out = NULL;
	bool text = false, all = false, kallsyms = false;
	int c;
	optind = 1;
	/* "+": the options end at COMMAND, whose own options are its own */
	while ((c = getopt_long(argc, argv, "+o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 't': text = true; break;
		case 'a': all = true; break;
		case 'k': kallsyms = true; break;
		case 'h': fputs(record_help, stdout); return 0;
		default:
			fputs("usage: kmm record [-o FILE] [--text] [--all] -- COMMAND [ARG]... (see --help)\n", stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fputs("kmm record: which COMMAND?\nusage: kmm record [-o FILE] [--text] [--all] -- COMMAND [ARG]...\n",
		      stderr);
		return 2;
	}
	char **command = argv + optind;
	if (!text && !have_program("trace-cmd")) {
		fprintf(stderr, "kmm record: trace-cmd is not installed (apt-get install trace-cmd): writing tracefs's text\n");
		text = true;
	}
	if (!out)
		out = text ? "kmm-trace.txt" : "kmm-trace.dat";

	struct tracefs_state s;
	char err[1024];
	if (tracefs_find(&s, err, sizeof(err))) {
		fprintf(stderr, "kmm record: tracing is not possible here: %s\n", err);
		return 1;
	}
	tracefs_save(&s);

	/* COMMAND waits at a pipe until its pid is traced and the events are on */
	int go[2];
	if (pipe2(go, O_CLOEXEC)) {
		fprintf(stderr, "kmm record: pipe: %s\n", strerror(errno));
		return 1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "kmm record: fork: %s\n", strerror(errno));
		return 1;
	}
	if (!pid) {
		char b;
		close(go[1]);
		if (read(go[0], &b, 1) != 1)
			_exit(126); /* kmm record gave up */
		execvp(command[0], command);
		fprintf(stderr, "kmm record: %s: %s\n", command[0], strerror(errno));
		_exit(127);
	}
	close(go[0]);
	int ret = 0;
	err[0] = 0;
	tracefs_write(s.dir, "tracing_on", "0", false, err, sizeof(err));
	ret |= tracefs_write(s.dir, "trace", "", false, err, sizeof(err)); /* empty the ring buffer */
	if (!all) {
		char pidtext[32];
		snprintf(pidtext, sizeof(pidtext), "%d", (int)pid);
		ret |= tracefs_write(s.dir, "set_event_pid", pidtext, false, err, sizeof(err));
		if (s.event_fork)
			ret |= tracefs_write(s.dir, "options/event-fork", "1", false, err, sizeof(err));
	}
	if (!ret) {
		tracefs_events(&s, true, err, sizeof(err));
		ret |= tracefs_write(s.dir, "tracing_on", "1", false, err, sizeof(err));
	}
	if (ret) {
		fprintf(stderr, "kmm record: tracing is not possible here: %s\n", err);
		close(go[1]); /* COMMAND never runs */
		waitpid(pid, NULL, 0);
		tracefs_restore(&s);
		return 1;
	}
	if (write(go[1], "g", 1) != 1)
		kill(pid, SIGKILL);
	close(go[1]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	tracefs_write(s.dir, "tracing_on", "0", false, err, sizeof(err));
	tracefs_events(&s, false, err, sizeof(err));
	int status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);

	int wrote;
	if (text) {
		wrote = copy_text(s.dir, out, err, sizeof(err));
	} else {
		char *const extract[] = { "trace-cmd", "extract", "-o", (char *)out, NULL };
		wrote = run_wait(extract, true, !kallsyms) == 0 ? 0 : -1;
		if (wrote)
			snprintf(err, sizeof(err), "trace-cmd extract -o %s failed", out);
	}
	tracefs_restore(&s);
	if (wrote) {
		fprintf(stderr, "kmm record: %s\n", err);
		return 1;
	}
	fprintf(stderr,
		"kmm record: the kmem events of \"%s\" (%s) are in %s\n"
		"  replay them: kmm replay --profile %s %s\n"
		"  (on a machine of another word size, e.g. --profile i386, add --allow-mismatch%s)\n",
		command[0], all ? "and every other process" : "and the processes it started", out, host_profile(), out,
		text ? "; a text trace is replayed as it is" : "");
	return status;
}
