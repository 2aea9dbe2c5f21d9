/*
 * preload_report.c - the preload's machine: booting it from the
 * environment, and what it tells at the program's end.
 *
 * Environment (all optional):
 *   KMM_PROFILE   i386 (default), i386-pae, x86_64, arm64 ...
 *   KMM_MEM       RAM size, "4G" (default: the profile's 4 GiB)
 *   KMM_CPUS      simulated CPUs (default 1); threads take turns on them
 *   KMM_CMDLINE   the kernel command line (slub_debug=..., mem=, vmalloc=, ...)
 *   KMM_SEED      the machine's seed
 *   KMM_KCONFIG   kernel build options, "CMA=y,..."
 *   KMM_PROC_DIR  at exit, every /proc view of the machine is written under
 *                 this directory (kmm_proc_dump); "%p" in it is the host pid
 *                 (a forked child writes only where the path has a %p)
 *   KMM_CONSOLE   set: the kernel log is echoed to stderr from the end of
 *                 boot on, as a console shows it - SLUB's reports of a
 *                 double free or an overwritten red zone (KMM_CMDLINE=
 *                 slub_debug=FZPU), allocation failures, the OOM killer
 *   KMM_DUMP_SIGNAL  a signal ("USR2", "SIGUSR1", or its number) on which
 *                 the views and the report are written while the program
 *                 runs: the handler only posts a semaphore, and a thread of
 *                 the preload's own (on no CPU, its allocations libc's)
 *                 writes them.  A program that installs its own handler for
 *                 that signal replaces this one.
 *   KMM_REPORT    at exit, a kmemleak-style summary of the objects the
 *                 program never freed, by cache and by allocation site
 *                 (%pS), to this file ("-": stderr).  It turns on SLUB's
 *                 alloc tracks for the program's caches (slub_debug=U,
 *                 kmalloc-cg-*) unless KMM_CMDLINE sets slub_debug itself.
 * A machine that cannot boot ends the program with kmm's message and
 * status 127: a program that asked for kmm never silently runs on libc.
 *
 * The program's objects are exactly those of the kmalloc-cg-* caches
 * (GFP_KERNEL_ACCOUNT: nothing else on the machine allocates with
 * __GFP_ACCOUNT), plus its kmalloc_large pages and vmalloc areas; the
 * report counts the first by walking the caches' slabs
 * (kmm_slab_for_each_object), and lists the vmalloc areas that are new
 * since boot from vmallocinfo.  Not counted: kmalloc_large pages (they
 * carry no alloc track) and objects in the slab of a CPU that another
 * thread is using at that moment.
 */
#define _GNU_SOURCE
#include "internal.h"
#include "mm/slab.h"

#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <unistd.h>

#include "preload.h"

static bool forked_child;
static char *boot_vmallocinfo; /* the vmalloc areas the machine had when the program started */

static void dump_signal_setup(void);

static _Noreturn void die(const char *what, const char *err)
{
	fprintf(stderr, "kmm-preload: %s%s%s\n", what, err[0] ? ": " : "", err);
	_exit(127);
}

int preload_boot(void)
{
	static const struct {
		const char *env, *param;
	} opts[] = { { "KMM_PROFILE", "profile" }, { "KMM_MEM", "mem" },   { "KMM_CPUS", "cpus" },
		     { "KMM_SEED", "seed" },       { "KMM_KCONFIG", "kconfig" } };
	static char cmdline[4096];
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	char err[512], what[128];
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
		const char *v = getenv(opts[i].env);
		if (v && *v && kmm_boot_param_set(&p, opts[i].param, v, err, sizeof(err))) {
			snprintf(what, sizeof(what), "%s=%s", opts[i].env, v);
			die(what, err);
		}
	}
	const char *cl = getenv("KMM_CMDLINE");
	snprintf(cmdline, sizeof(cmdline), "%s", cl ? cl : "");
	if (getenv("KMM_REPORT") && !strstr(cmdline, "slub_debug")) {
		size_t len = strlen(cmdline);
		snprintf(cmdline + len, sizeof(cmdline) - len, "%sslub_debug=U,kmalloc-cg-*", len ? " " : "");
	}
	p.cmdline = cmdline;
	if (kmm_boot(&p, err, sizeof(err)))
		die("the machine does not boot", err);
	if (getenv("KMM_REPORT"))
		boot_vmallocinfo = kmm_proc_read("vmallocinfo");
	if (getenv("KMM_CONSOLE"))
		kmm_log_to_stderr = true;
	dump_signal_setup();
	return 0;
}

/* ---- KMM_DUMP_SIGNAL ----------------------------------------------------------------------- */

static sem_t dump_sem;
static int dump_signal;
static pthread_mutex_t dump_lock = PTHREAD_MUTEX_INITIALIZER; /* held while views are written: a fork waits for it */

static void on_dump_signal(int sig)
{
	sem_post(&dump_sem); /* async-signal-safe; the dumper does the work */
}

static void *dumper(void *arg)
{
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL); /* the program's signals are for its own threads */
	for (;;) {
		while (sem_wait(&dump_sem))
			;
		pthread_mutex_lock(&dump_lock);
		preload_write_views();
		pthread_mutex_unlock(&dump_lock);
	}
	return NULL;
}

static void dumper_start(void)
{
	pthread_t t;
	sem_init(&dump_sem, 0, 0);
	if (pthread_create(&t, NULL, dumper, NULL))
		die("KMM_DUMP_SIGNAL: no thread to write the views", strerror(errno));
	pthread_detach(t);
}

static int signal_by_name(const char *name)
{
	char *end;
	long n = strtol(name, &end, 10);
	if (!*end && n > 0 && n < NSIG)
		return (int)n;
	if (!strncmp(name, "SIG", 3))
		name += 3;
	for (int sig = 1; sig < NSIG; sig++) {
		const char *abbrev = sigabbrev_np(sig);
		if (abbrev && !strcmp(abbrev, name))
			return sig;
	}
	return 0;
}

static void dump_signal_setup(void)
{
	const char *v = getenv("KMM_DUMP_SIGNAL");
	if (!v || !*v)
		return;
	dump_signal = signal_by_name(v);
	if (!dump_signal || dump_signal == SIGSEGV || dump_signal == SIGKILL || dump_signal == SIGSTOP)
		die("KMM_DUMP_SIGNAL: not a signal kmm can take", v);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_dump_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(dump_signal, &sa, NULL);
	dumper_start();
}

/* fork(2): not while the dumper is inside the machine, whose locks the child would inherit held. */
void preload_fork_prepare(void)
{
	pthread_mutex_lock(&dump_lock);
}

void preload_fork_parent(void)
{
	pthread_mutex_unlock(&dump_lock);
}

void preload_forked(void)
{
	pthread_mutex_unlock(&dump_lock);
	forked_child = true;
	if (dump_signal)
		dumper_start(); /* the child has only the forking thread */
}

/* path with each %p made the pid; false if it has none and we are a forked child (the parent writes there). */
static bool expand_path(const char *in, char *out, size_t len)
{
	bool has_pid = false;
	size_t o = 0;
	for (const char *c = in; *c && o + 24 < len; c++) {
		if (c[0] == '%' && c[1] == 'p') {
			o += (size_t)snprintf(out + o, len - o, "%d", (int)getpid());
			c++;
			has_pid = true;
		} else {
			out[o++] = *c;
		}
	}
	out[o] = 0;
	return has_pid || !forked_child;
}

/* ---- the leak report ----------------------------------------------------------------------- */

struct leak_site {
	unsigned long site;
	struct kmem_cache *cache;
	unsigned long objects, bytes;
};

struct leak_scan {
	struct leak_site *sites;
	size_t cap, used;
	unsigned long objects, bytes; /* of the cache being walked */
};

static void leak_count(struct kmem_cache *s, void *obj, unsigned long site, void *arg)
{
	struct leak_scan *ls = arg;
	ls->objects++;
	ls->bytes += s->object_size;
	size_t h = (site >> 4) * 2654435761u % ls->cap;
	for (size_t i = 0; i < ls->cap; i++, h = (h + 1) % ls->cap) {
		struct leak_site *e = &ls->sites[h];
		if (!e->objects) {
			*e = (struct leak_site){ site, s, 0, 0 };
			ls->used++;
		}
		if (e->site == site && e->cache == s) {
			e->objects++;
			e->bytes += s->object_size;
			return;
		}
	}
}

static int by_bytes(const void *a, const void *b)
{
	const struct leak_site *x = a, *y = b;
	return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : 0;
}

static void leak_report(FILE *f)
{
	struct leak_scan ls = { calloc(8192, sizeof(struct leak_site)), 8192, 0, 0, 0 };
	if (!ls.sites)
		return;
	unsigned long total = 0, total_bytes = 0;
	fprintf(f, "kmm: objects the program (pid %d) never freed, kmemleak-style\n", (int)getpid());
	fprintf(f, "%-24s %10s %12s\n", "cache", "objects", "bytes");
	for (int i = 0; i <= KMALLOC_SHIFT_HIGH; i++) {
		struct kmem_cache *s = kmalloc_caches[KMALLOC_CGROUP][i];
		if (!s || (i > 0 && s == kmalloc_caches[KMALLOC_CGROUP][i - 1]))
			continue;
		ls.objects = ls.bytes = 0;
		kmm_slab_for_each_object(s, leak_count, &ls);
		if (ls.objects)
			fprintf(f, "%-24s %10lu %12lu\n", s->name, ls.objects, ls.bytes);
		total += ls.objects;
		total_bytes += ls.bytes;
	}
	fprintf(f, "%-24s %10lu %12lu\n", "total", total, total_bytes);
	size_t n = 0;
	for (size_t i = 0; i < ls.cap; i++)
		if (ls.sites[i].objects)
			ls.sites[n++] = ls.sites[i];
	qsort(ls.sites, n, sizeof(*ls.sites), by_bytes);
	fprintf(f, "by allocation site:\n%10s %12s  %-20s %s\n", "objects", "bytes", "cache", "site");
	for (size_t i = 0; i < n; i++) {
		char name[256];
		if (ls.sites[i].site)
			sprint_symbol(name, sizeof(name), ls.sites[i].site);
		else
			snprintf(name, sizeof(name), "(not tracked: slub_debug without U)");
		fprintf(f, "%10lu %12lu  %-20s %s\n", ls.sites[i].objects, ls.sites[i].bytes, ls.sites[i].cache->name,
			name);
	}
	free(ls.sites);
	char *now = kmm_proc_read("vmallocinfo");
	if (now) {
		fprintf(f, "vmalloc areas not freed:\n");
		for (char *save = NULL, *l = strtok_r(now, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			if (strstr(l, " vmalloc") && !(boot_vmallocinfo && strstr(boot_vmallocinfo, l)))
				fprintf(f, "  %s\n", l);
		free(now);
	}
}

void preload_write_views(void)
{
	char path[4096], err[512];
	const char *dir = getenv("KMM_PROC_DIR");
	if (dir && *dir && expand_path(dir, path, sizeof(path)) && kmm_proc_dump(path, NULL, 0, err, sizeof(err)))
		fprintf(stderr, "kmm-preload: KMM_PROC_DIR=%s: %s\n", path, err);
	const char *rep = getenv("KMM_REPORT");
	if (!rep || !*rep)
		return;
	if (!strcmp(rep, "-")) {
		leak_report(stderr);
		return;
	}
	if (!expand_path(rep, path, sizeof(path)))
		return;
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "kmm-preload: KMM_REPORT=%s: %s\n", path, strerror(errno));
		return;
	}
	leak_report(f);
	fclose(f);
}

/* ---- mallinfo2 ------------------------------------------------------------------------------- */

static size_t meminfo_bytes(const char *text, const char *name)
{
	const char *l = strstr(text, name);
	unsigned long kb = 0;
	if (l)
		sscanf(l + strlen(name), " %lu", &kb);
	return (size_t)kb << 10;
}

void preload_meminfo_mallinfo(struct mallinfo2 *mi)
{
	char *text = kmm_proc_read("meminfo");
	if (!text)
		return;
	mi->arena = meminfo_bytes(text, "\nSlab:");
	mi->hblkhd = meminfo_bytes(text, "\nVmallocUsed:");
	mi->uordblks = mi->arena + mi->hblkhd;
	mi->fordblks = meminfo_bytes(text, "MemFree:");
	free(text);
}
