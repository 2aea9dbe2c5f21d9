/*
 * task_cmds.c - the scenario language's processes: tasks and what they do
 * with their memory, each a system call of kmm/task.h made in the task's
 * context:
 *
 *   t = task cat [uid=N]          exec t /bin/cat 64K 16K 16K
 *   c = fork t                    oom_score_adj t -500
 *   m = mmap t 4M rw private [populate] [file=F] ...   munmap/mprotect/mremap/brk
 *   touch m [OFF LEN] [write]     write m OFF "text"    check m OFF "text"
 *   mlock/mlockall/madvise        swapon/swapoff        open/stat
 *
 * A refused call is the task's -errno, reported as the kernel would give
 * it back (syscall_failed); a region's offsets and lengths are checked
 * against the region before anything is touched.
 */
#include "scenario_impl.h"

#include <ctype.h>
#include <limits.h>

#include <kmm/fs.h>
#include <kmm/swap.h>
#include <kmm/task.h>

static int syscall_failed(struct kmm_scenario *sc, struct stmt *st, const char *what, long err);

int cmd_task_create(struct kmm_scenario *sc, struct stmt *st)
{
	long uid = 1000;
	struct tok *t;
	const char *v;
	int ret;
	if (nargs(sc, st, 1, 1))
		return -1;
	if ((v = opt(st, "uid", &t)) && parse_num(sc, t, v, 0, INT_MAX, &uid))
		return -1;
	struct handle *h = handle_new(sc, st, H_TASK, &ret);
	if (!h)
		return ret;
	h->task = task_create(arg(st, 0)->text, (unsigned)uid);
	return 0;
}

/* A task handle: -1 after an error, 1 if it is NULL (the command is skipped, said), else 0. */
int need_task(struct kmm_scenario *sc, struct stmt *st, const struct tok *t, struct handle **h)
{
	if (handle_get(sc, t, 1u << H_TASK, h))
		return -1;
	if (!sc->checking && handle_null(*h))
		return skip_null(sc, st, t, *h);
	return 0;
}

int cmd_exec(struct kmm_scenario *sc, struct stmt *st)
{
	struct handle *h;
	unsigned long sz[3] = { 64 << 10, 16 << 10, 16 << 10 };
	static const char *const keys[] = { "text", "data", "bss" };
	int go = nargs(sc, st, 2, 2) ? -1 : need_task(sc, st, arg(st, 0), &h);
	if (go)
		return go < 0 ? -1 : 0;
	for (int i = 0; i < 3; i++) {
		struct tok *t;
		const char *v = opt(st, keys[i], &t);
		if (v && parse_size(sc, t, v, &sz[i]))
			return -1;
	}
	CHECKED(sc);
	int ret = task_exec_layout(h->task, arg(st, 1)->text, sz[0], sz[1], sz[2]);
	if (ret) {
		char what[300];
		snprintf(what, sizeof(what), "exec %s", arg(st, 1)->text);
		syscall_failed(sc, st, what, ret);
	}
	return 0;
}

/* oom_score_adj TASK N: what writing N to /proc/PID/oom_score_adj does (-1000..1000) */
int cmd_oom_score_adj(struct kmm_scenario *sc, struct stmt *st)
{
	struct handle *h;
	long v;
	int go = nargs(sc, st, 2, 2) ? -1 : need_task(sc, st, arg(st, 0), &h);
	if (go)
		return go < 0 ? -1 : 0;
	if (parse_num(sc, arg(st, 1), arg(st, 1)->text, OOM_SCORE_ADJ_MIN, OOM_SCORE_ADJ_MAX, &v))
		return -1;
	CHECKED(sc);
	if (task_killed(h->task))
		return syscall_failed(sc, st, "oom_score_adj", -EINTR);
	char val[16], path[32];
	snprintf(val, sizeof(val), "%ld", v);
	snprintf(path, sizeof(path), "%d/oom_score_adj", h->task->pid);
	int ret = kmm_proc_write(path, val);
	return ret ? syscall_failed(sc, st, "oom_score_adj", ret) : 0;
}

int cmd_fork(struct kmm_scenario *sc, struct stmt *st)
{
	struct handle *p, *h;
	int ret;
	int go = nargs(sc, st, 1, 1) ? -1 : need_task(sc, st, arg(st, 0), &p);
	struct task_struct *parent = go == 0 && p ? p->task : NULL; /* handle_new may move the handles */
	if (go < 0 || !(h = handle_new(sc, st, H_TASK, &ret)))
		return go < 0 ? -1 : ret;
	if (!go)
		h->task = task_fork(parent); /* else the child is NULL too */
	return 0;
}

int cmd_mmap(struct kmm_scenario *sc, struct stmt *st)
{
	struct handle *t, *h;
	unsigned long size, prot = PROT_READ | PROT_WRITE, flags = MAP_PRIVATE | MAP_ANONYMOUS;
	int ret, fd = -1;
	struct tok *ft;
	const char *path = opt(st, "file", &ft);
	int go = nargs(sc, st, 2, 6) ? -1 : need_task(sc, st, arg(st, 0), &t);
	if (go < 0 || parse_size(sc, arg(st, 1), arg(st, 1)->text, &size))
		return -1;
	for (int i = 2; i < st->npos; i++) {
		if (!strcmp(arg(st, i)->text, "populate"))
			flags |= MAP_POPULATE;
		else if (!strcmp(arg(st, i)->text, "noreserve"))
			flags |= MAP_NORESERVE;
		else if (!strcmp(arg(st, i)->text, "shared"))
			flags = (flags & ~(unsigned long)MAP_PRIVATE) | MAP_SHARED;
		else if (parse_prot(sc, arg(st, i), &prot))
			return -1;
	}
	struct task_struct *task = t ? t->task : NULL; /* handle_new may move the handles */
	if (!(h = handle_new(sc, st, H_MMAP, &ret)))
		return ret;
	if (go)
		return 0; /* no task: the region is NULL too */
	h->task = task;
	if (path) { /* a file mapping: opened for what the mapping needs, closed again (the VMA keeps the file) */
		flags &= ~(unsigned long)MAP_ANONYMOUS;
		bool rw = (flags & MAP_SHARED) && (prot & PROT_WRITE);
		fd = task_open(task, path, rw ? O_RDWR : O_RDONLY);
		if (fd < 0) {
			char what[300];
			snprintf(what, sizeof(what), "open %s", path);
			return syscall_failed(sc, st, what, fd);
		}
	}
	long a = task_mmap(task, 0, size, prot, flags, fd, 0);
	if (fd >= 0)
		task_close(task, fd);
	if (a < 0 && a > -4096)
		return syscall_failed(sc, st, "mmap", a);
	h->addr = (unsigned long)a;
	h->size = ((size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
	return 0;
}

/*
 * brk(2): the task's break grows by SIZE (page-aligned); the handle names
 * the new part of the heap (for touch, munmap ...).  A refused brk leaves
 * the break where it was, as Linux's does, and the handle NULL.
 */
int cmd_brk(struct kmm_scenario *sc, struct stmt *st)
{
	struct handle *t, *h;
	unsigned long size;
	int ret;
	int go = nargs(sc, st, 2, 2) ? -1 : need_task(sc, st, arg(st, 0), &t);
	if (go < 0 || parse_size(sc, arg(st, 1), arg(st, 1)->text, &size))
		return -1;
	struct task_struct *task = t ? t->task : NULL; /* handle_new may move the handles */
	if (!(h = handle_new(sc, st, H_MMAP, &ret)))
		return ret;
	if (go)
		return 0;
	unsigned long old = task_brk(task, 0), want = old + size;
	if (want < old || task_brk(task, want) != want)
		return syscall_failed(sc, st, "brk", -ENOMEM);
	h->task = task;
	h->addr = old;
	h->size = (want - old + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	return 0;
}

/* mremap(2): the region grows or shrinks to NEWSIZE, moving if "maymove" lets it; the handle follows. */
int cmd_mremap(struct kmm_scenario *sc, struct stmt *st)
{
	struct handle *m;
	unsigned long size, flags = 0;
	if (nargs(sc, st, 2, 3) || handle_get(sc, arg(st, 0), 1u << H_MMAP, &m) ||
	    parse_size(sc, arg(st, 1), arg(st, 1)->text, &size))
		return -1;
	if (st->npos == 3) {
		if (strcmp(arg(st, 2)->text, "maymove"))
			return err_tok(sc, arg(st, 2), "expected maymove, not '%s'", arg(st, 2)->text);
		flags = MREMAP_MAYMOVE;
	}
	if (!sc->checking && handle_null(m))
		return skip_null(sc, st, arg(st, 0), m);
	CHECKED(sc);
	long a = task_mremap(m->task, m->addr, m->size, size, flags, 0);
	if (a < 0 && a > -4096)
		return syscall_failed(sc, st, "mremap", a);
	m->addr = (unsigned long)a;
	m->size = (size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	return 0;
}

/* open(2): a descriptor of the task's, read-only unless "rw", "create" making the file if it is not there. */
int cmd_open(struct kmm_scenario *sc, struct stmt *st)
{
	struct handle *t, *h;
	int ret, flags = O_RDONLY;
	int go = nargs(sc, st, 2, 4) ? -1 : need_task(sc, st, arg(st, 0), &t);
	if (go < 0)
		return -1;
	for (int i = 2; i < st->npos; i++) {
		if (!strcmp(arg(st, i)->text, "rw"))
			flags = (flags & ~O_ACCMODE) | O_RDWR;
		else if (!strcmp(arg(st, i)->text, "create"))
			flags |= O_CREAT;
		else
			return err_tok(sc, arg(st, i), "expected rw or create, not '%s'", arg(st, i)->text);
	}
	struct task_struct *task = t ? t->task : NULL; /* handle_new may move the handles */
	if (!(h = handle_new(sc, st, H_FILE, &ret)))
		return ret;
	if (go)
		return 0; /* no task: no file either */
	int fd = task_open(task, arg(st, 1)->text, flags);
	if (fd < 0) {
		char what[300];
		snprintf(what, sizeof(what), "open %s", arg(st, 1)->text);
		return syscall_failed(sc, st, what, fd);
	}
	h->task = task;
	h->fd = fd;
	return 0;
}

/* stat(2): the path's walk; a missing file is said, as a failed system call is. */
int cmd_stat(struct kmm_scenario *sc, struct stmt *st)
{
	struct handle *t;
	int go = nargs(sc, st, 2, 2) ? -1 : need_task(sc, st, arg(st, 0), &t);
	if (go)
		return go < 0 ? -1 : 0;
	CHECKED(sc);
	int ret = task_stat(t->task, arg(st, 1)->text, NULL);
	if (ret) {
		char what[300];
		snprintf(what, sizeof(what), "stat %s", arg(st, 1)->text);
		syscall_failed(sc, st, what, ret);
	}
	return 0;
}

/* [OFF [LEN]] of a region, and the words left over (read, write, in TASK, a protection). */
struct range_args {
	struct handle *m;
	struct task_struct *task;    /* the region's task, or the one after "in" */
	unsigned long off, len;
	bool write, write_given;
	const struct tok *word;      /* another word (mprotect's protection) */
};

/* -1 after an error, 1 if the region or the task is NULL (skipped, said), 0 to go on. */
static int range_args(struct kmm_scenario *sc, struct stmt *st, struct range_args *r, bool want_word)
{
	struct handle *in = NULL;
	int nnum = 0, null_task = 0;
	memset(r, 0, sizeof(*r));
	if (st->npos < 1)
		return usage_error(sc, st, NULL);
	if (handle_get(sc, arg(st, 0), 1u << H_MMAP, &r->m))
		return -1;
	for (int i = 1; i < st->npos; i++) {
		struct tok *t = arg(st, i);
		if (t->quoted && want_word && !r->word) {
			r->word = t;
		} else if (t->quoted) {
			return usage_error(sc, st, t);
		} else if (!strcmp(t->text, "in") && i + 1 < st->npos) {
			int go = need_task(sc, st, arg(st, ++i), &in);
			if (go < 0)
				return -1;
			null_task = go;
		} else if (!strcmp(t->text, "read") || !strcmp(t->text, "write")) {
			r->write = t->text[0] == 'w';
			r->write_given = true;
		} else if (isdigit((unsigned char)t->text[0]) && nnum < 2) {
			if (parse_size(sc, t, t->text, nnum++ ? &r->len : &r->off))
				return -1;
		} else if (want_word && !r->word) {
			r->word = t;
		} else {
			return usage_error(sc, st, t);
		}
	}
	if (sc->checking || null_task)
		return null_task;
	if (handle_null(r->m))
		return skip_null(sc, st, arg(st, 0), r->m);
	r->task = in ? in->task : r->m->task;
	if (r->off > r->m->size)
		return err_tok(sc, arg(st, 1), "offset %#lx is beyond %s's %#lx bytes", r->off, r->m->name, r->m->size);
	if (nnum < 2)
		r->len = r->m->size - r->off;
	return 0;
}

/*
 * A system call's failure is the scenario's to see, not an error of the
 * script: "demo.kmm:7:1: mprotect: Invalid argument" on standard error (with
 * the other errors, never mixed into the views), and the run goes on.
 */
static int syscall_failed(struct kmm_scenario *sc, struct stmt *st, const char *what, long err)
{
	/* -EINTR from a call for a task is its death: SIGKILL (the OOM killer's) was pending, its exit ran */
	fprintf(sc->err, "%s:%d:%d: %s: %s\n", sc->name, st->tok[st->cmd_at].line, st->tok[st->cmd_at].col, what,
		err == -EINTR ? "the task was killed (SIGKILL)" : strerror((int)-err));
	return 0;
}

static int syscall_result(struct kmm_scenario *sc, struct stmt *st, long ret)
{
	return ret < 0 ? syscall_failed(sc, st, st->cmd->name, ret) : 0;
}

int cmd_touch(struct kmm_scenario *sc, struct stmt *st)
{
	struct range_args r;
	int go = range_args(sc, st, &r, false);
	if (go)
		return go < 0 ? -1 : 0;
	CHECKED(sc);
	long ret = mm_access(r.task, r.m->addr + r.off, r.len, r.write_given ? r.write : true);
	return syscall_result(sc, st, ret);
}

int cmd_munmap(struct kmm_scenario *sc, struct stmt *st)
{
	struct range_args r;
	int go = range_args(sc, st, &r, false);
	if (go)
		return go < 0 ? -1 : 0;
	CHECKED(sc);
	if (r.off == 0 && r.len == r.m->size && r.task == r.m->task) {
		handle_release(sc, r.m);
		return 0;
	}
	long ret = task_munmap(r.task, r.m->addr + r.off, r.len);
	return syscall_result(sc, st, ret);
}

int cmd_mprotect(struct kmm_scenario *sc, struct stmt *st)
{
	struct range_args r;
	unsigned long prot;
	int go = range_args(sc, st, &r, true);
	if (go)
		return go < 0 ? -1 : 0;
	if (!r.word)
		return usage_error(sc, st, NULL);
	if (parse_prot(sc, r.word, &prot))
		return -1;
	CHECKED(sc);
	long ret = task_mprotect(r.task, r.m->addr + r.off, ((r.len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)), prot);
	return syscall_result(sc, st, ret);
}

/*
 * swapon DEV SIZE [prio=N] (mkswap and swapon a disk), swapon PATH [prio=N]
 * (a file of the store, its size the file's: mkswap it first), swapoff
 * DEV|PATH, mkswap PATH
 */
int cmd_swapon(struct kmm_scenario *sc, struct stmt *st)
{
	unsigned long size = 0;
	long prio = -1;
	struct tok *t;
	const char *v;
	bool on = !strcmp(st->cmd->name, "swapon"), mk = !strcmp(st->cmd->name, "mkswap");
	if (nargs(sc, st, 1, on ? 2 : 1))
		return -1;
	bool disk = on && st->npos == 2;
	if (disk && parse_size(sc, arg(st, 1), arg(st, 1)->text, &size))
		return -1;
	if (on && (v = opt(st, "prio", &t)) && parse_num(sc, t, v, 0, SWAP_FLAG_PRIO_MASK, &prio))
		return -1;
	CHECKED(sc);
	int flags = prio >= 0 ? SWAP_FLAG_PREFER | (int)prio : 0;
	const char *name = arg(st, 0)->text;
	int ret = disk ? kmm_swapon(name, size, flags)
		: on   ? kmm_swapon_file(name, flags)
		: mk   ? kmm_mkswap(name)
		       : kmm_swapoff(name);
	if (ret) {
		char what[300];
		snprintf(what, sizeof(what), "%s %s", st->cmd->name, arg(st, 0)->text);
		syscall_failed(sc, st, what, ret);
	}
	return 0;
}

/*
 * mlock, munlock: the region's pages (or part of them) locked in memory, or
 * not any more; "mlock ... onfault" is mlock2(MLOCK_ONFAULT), which locks
 * pages as they are faulted in and faults nothing now.
 */
int cmd_mlock(struct kmm_scenario *sc, struct stmt *st)
{
	struct range_args r;
	bool on = !strcmp(st->cmd->name, "mlock");
	int go = range_args(sc, st, &r, on);
	if (go < 0)
		return -1;
	if (r.word && strcmp(r.word->text, "onfault"))
		return usage_error(sc, st, r.word);
	if (go)
		return 0;
	CHECKED(sc);
	unsigned long len = (r.len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	long ret = !on	   ? task_munlock(r.task, r.m->addr + r.off, len)
		   : r.word ? task_mlock2(r.task, r.m->addr + r.off, len, MLOCK_ONFAULT)
			    : task_mlock(r.task, r.m->addr + r.off, len);
	return syscall_result(sc, st, ret);
}

/*
 * mlockall TASK [current] [future] [onfault]: MCL_CURRENT locks every
 * mapping now (faulting it in unless onfault), MCL_FUTURE every later one;
 * munlockall TASK undoes both.  A combination mlockall(2) refuses (onfault
 * alone) is its EINVAL, reported as a failed call.
 */
int cmd_mlockall(struct kmm_scenario *sc, struct stmt *st)
{
	static const struct { const char *name; int flag; } words[] = {
		{ "current", MCL_CURRENT }, { "future", MCL_FUTURE }, { "onfault", MCL_ONFAULT },
	};
	bool on = !strcmp(st->cmd->name, "mlockall");
	struct handle *t;
	int flags = 0;
	int go = nargs(sc, st, on ? 2 : 1, on ? 4 : 1) ? -1 : need_task(sc, st, arg(st, 0), &t);
	if (go < 0)
		return -1;
	for (int i = 1; i < st->npos; i++) {
		size_t w = 0;
		while (w < ARRAY_SIZE(words) && strcmp(arg(st, i)->text, words[w].name))
			w++;
		if (w == ARRAY_SIZE(words) || arg(st, i)->quoted)
			return usage_error(sc, st, arg(st, i));
		flags |= words[w].flag;
	}
	if (go)
		return 0;
	CHECKED(sc);
	return syscall_result(sc, st, on ? task_mlockall(t->task, flags) : task_munlockall(t->task));
}

/* madvise: the advice Linux's names give (dontneed, normal, willneed, cold, pageout) */
int cmd_madvise(struct kmm_scenario *sc, struct stmt *st)
{
	static const struct { const char *name; int advice; } advices[] = {
		{ "normal", MADV_NORMAL }, { "willneed", MADV_WILLNEED }, { "dontneed", MADV_DONTNEED },
		{ "cold", MADV_COLD },     { "pageout", MADV_PAGEOUT },
	};
	struct range_args r;
	int go = range_args(sc, st, &r, true);
	if (go)
		return go < 0 ? -1 : 0;
	if (!r.word)
		return usage_error(sc, st, NULL);
	int advice = -1;
	for (size_t i = 0; i < ARRAY_SIZE(advices); i++)
		if (!strcmp(r.word->text, advices[i].name))
			advice = advices[i].advice;
	if (advice < 0)
		return err_tok(sc, r.word, "expected normal, willneed, dontneed, cold or pageout, not '%s'", r.word->text);
	CHECKED(sc);
	long ret = task_madvise(r.task, r.m->addr + r.off, (r.len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1), advice);
	return syscall_result(sc, st, ret);
}

int cmd_write(struct kmm_scenario *sc, struct stmt *st)
{
	struct range_args r;
	int go = range_args(sc, st, &r, true);
	if (go)
		return go < 0 ? -1 : 0;
	if (!r.word)
		return usage_error(sc, st, NULL);
	CHECKED(sc);
	long ret = task_write(r.task, r.m->addr + r.off, r.word->text, strlen(r.word->text));
	return syscall_result(sc, st, ret);
}

struct host_copy {
	const char *src;
	char *dst;
	size_t len;
};

static void host_copy_fn(void *arg)
{
	struct host_copy *c = arg;
	for (size_t i = 0; i < c->len; i++) /* byte loads: each one the task's own access */
		c->dst[i] = ((const volatile char *)c->src)[i];
}

/* The bytes at a task's addr by the host trap: loads through task_user_ptr (4 GiB chunks on x86_64). */
static long host_trap_read(struct task_struct *t, unsigned long addr, char *buf, size_t len)
{
	while (len) {
		size_t n = min(len, (size_t)(((addr | 0xffffffffUL) - addr) + 1));
		char *p = task_user_ptr(t, addr);
		if (!p)
			return -EFAULT;
		struct host_copy c = { p, buf, n };
		int ret = kmm_try(host_copy_fn, &c);
		if (ret)
			return ret;
		addr += n;
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * check M OFF TEXT [in T]: the bytes at M + OFF are TEXT, read both ways
 * into a task's memory - the software walk (task_read) and plain loads
 * through the host trap (task_user_ptr) - or the check fails as an expect
 * does.  After a migration each way must find the new frame.
 */
int cmd_check(struct kmm_scenario *sc, struct stmt *st)
{
	struct range_args r;
	int go = range_args(sc, st, &r, true);
	if (go)
		return go < 0 ? -1 : 0;
	if (!r.word)
		return usage_error(sc, st, NULL);
	CHECKED(sc);
	const char *want = r.word->text;
	size_t len = strlen(want);
	char *soft = calloc(1, len + 1), *host = calloc(1, len + 1);
	if (!soft || !host) {
		free(soft);
		free(host);
		return err_tok(sc, &st->tok[0], "out of host memory");
	}
	unsigned long addr = r.m->addr + r.off;
	long ret = task_read(r.task, addr, soft, len);
	if (!ret)
		ret = host_trap_read(r.task, addr, host, len);
	if (!ret && (memcmp(soft, want, len) || memcmp(host, want, len))) {
		const struct tok *a0 = arg(st, 0);
		fprintf(sc->err, "%s:%d:%d: check failed: %s+%lu reads \"%.*s\" by task_read and \"%.*s\" by the host trap, "
				 "expected \"%s\"\n",
			sc->name, a0->line, a0->col, r.m->name, r.off, (int)len, soft, (int)len, host, want);
		sc->failed_expects++;
		sc->status = sc->status > KMM_SCENARIO_FAILED ? sc->status : KMM_SCENARIO_FAILED;
	}
	free(soft);
	free(host);
	return syscall_result(sc, st, ret);
}
