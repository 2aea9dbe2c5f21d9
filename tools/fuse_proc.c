/*
 * fuse_proc.c - a running machine's /proc as a FUSE file system (libfuse3,
 * Debian's libfuse3-dev), so that cat, less, watch, slabtop and vmstat read
 * it live while a scenario or a preloaded program runs.
 *
 *   DIR/meminfo zoneinfo slabinfo buddyinfo vmstat ...   the text views, kmm_proc_paths()
 *   DIR/sys/vm/min_free_kbytes ...                       a path's directories are directories
 *   DIR/kpageflags DIR/kpagecount                        binary, 8 bytes a page frame
 *   DIR/PID/maps status smaps ... oom_score_adj pagemap  each task alive (pids up to
 *                                                        loadavg's last one)
 *
 * A file is what procfs makes of it: st_size 0, read with direct I/O (the
 * host kernel neither caches the bytes nor trusts the size, so readers go on
 * until a read returns 0).  open() of a text view takes a snapshot of it
 * (kmm_proc_read) that the open file's reads return: one read(2) sequence
 * sees one consistent text, the next open sees the machine as it is then,
 * and so does a read from offset 0 again on the same open file (as
 * seq_file regenerates it: procps's vmstat and slabtop keep the file open
 * and lseek to 0 for each refresh).
 * A binary view is read through at each read(2) (kmm_proc_pread: offsets
 * and counts in whole 8-byte entries, EINVAL otherwise, as Linux's).  A
 * write(2) is one kmm_proc_write of its bytes, whose -errno it returns
 * (EINVAL for a bad number); O_TRUNC is accepted and does nothing, as on
 * procfs.  The writable files are those Linux lets root write: the sysctls
 * and debugfs/tracefs knobs under sys/ (mode 0644) and PID/oom_score_adj,
 * PID/oom_adj; opening any other for writing is EACCES.
 *
 * Threads.  The FUSE session runs on a thread of its own, every signal
 * blocked, and on no simulated CPU: kmm.h lets a thread on no CPU call
 * everything (the allocators' slow paths; views read counters under their
 * locks), as the preload's KMM_DUMP_SIGNAL thread does, so serving never
 * waits for a CPU that a scenario or a program keeps.  Its loop polls the
 * /dev/fuse descriptor and a stop pipe, and processes each request holding
 * serve_lock: fuse_proc_set_live(false) and a preloaded program's fork take
 * that lock to know that no request is inside kmm (a fork must not copy
 * kmm's locks held).  While not live (a scenario has not booted yet, or
 * has ended) the root is empty.
 *
 * Ending.  fuse_proc_stop() (kmm mount's SIGINT/SIGTERM, the scenario's
 * end, the program's exit) wakes the loop through the pipe, joins the
 * thread, then unmounts - lazily (libfuse's umount2 MNT_DETACH as root,
 * fusermount3 -u -z otherwise): an open file of a reader still there then
 * reads ENOTCONN.  `fusermount3 -u DIR` from outside ends the session: the
 * device reads ENODEV, the loop ends and fuse_proc_ended() says so.
 *
 * Errors are found before anything is mounted where they can be: DIR
 * missing, not a directory or not empty; /dev/fuse missing; not root and
 * no fusermount3 on PATH.  What libfuse still refuses (mount(2)'s EPERM in
 * a container) is its own message, captured from its log into the one line.
 *
 * Not served: the memory cgroups' directories (sys/fs/cgroup/GROUP/...),
 * sys/kernel/slab/CACHE/ATTR (sys/kernel/slab is the listing file, as
 * kmm_proc_paths() has it), and inotify/poll of a view.  The files are the
 * mounting user's (procfs's are root's), readable by that user only (no
 * allow_other).
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 31
#include <fuse3/fuse.h>
#include <fuse3/fuse_lowlevel.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <kmm/kmm.h>

#include "fuse_proc.h"

struct fuse_proc {
	struct fuse *fuse;          /* libfuse's file system, mounted at dir */
	char dir[PATH_MAX];         /* the mount point, absolute */
	char fusermount[PATH_MAX];  /* fusermount3's path when not root ("" as root) */
	pthread_t thread;           /* runs serve() */
	int stop[2];                /* a byte written to stop[1] ends serve() */
	pthread_mutex_t serve_lock; /* held while a request is processed */
	bool live;                  /* the machine may be read (under serve_lock) */
	bool ended;                 /* serve() has returned (atomic) */
	bool forked_away;           /* a forked child's copy: never serve, never unmount */
	time_t mounted_at;          /* the files' times */
};

/* ---- the tree -------------------------------------------------------------------------------- */

enum node_kind { NODE_NONE, NODE_DIR, NODE_TEXT, NODE_BINARY };

struct node {
	enum node_kind kind;
	bool writable;
};

/* The binary views (kmm_proc_pread only), and a task's directory (proc/base.c's tgid_base_stuff). */
static const char *const binary_views[] = { "kpagecount", "kpageflags", NULL };
static const char *const pid_views[] = { "cmdline", "kmm/pagemap", "maps",  "oom_adj",      "oom_score",
					 "oom_score_adj", "pagemap", "smaps", "smaps_rollup", "stat",
					 "statm",   "status",      NULL };

/* Files under sys/ that Linux makes read-only (debugfs statistics, tracefs event formats). */
static bool sys_view_writable(const char *path)
{
	static const char *const readonly[] = { "/format",  "extfrag_index", "unusable_index", "pat_memtype_list",
						"/kfence/", "/swiotlb/",     NULL };
	if (strncmp(path, "sys/", 4) || !strcmp(path, "sys/kernel/slab"))
		return false;
	for (const char *const *r = readonly; *r; r++)
		if (strstr(path, *r))
			return false;
	return true;
}

/* Is name one of paths, or a directory of one (a prefix ending at a '/')?  NODE_TEXT, NODE_DIR or NODE_NONE. */
static enum node_kind table_find(const char *name, const char *const *paths)
{
	size_t len = strlen(name);
	enum node_kind kind = NODE_NONE;
	for (const char *const *p = paths; *p; p++) {
		if (!strcmp(*p, name))
			return NODE_TEXT;
		if (!strncmp(*p, name, len) && (*p)[len] == '/')
			kind = NODE_DIR;
	}
	return kind;
}

/* A task with this pid is alive (it has views); pid is the directory's name, digits only. */
static bool pid_alive(const char *pid)
{
	char path[32];
	snprintf(path, sizeof(path), "%.16s/statm", pid);
	return kmm_proc_pread(path, NULL, 0, 0) == 0;
}

/* "123" or "123/..." : the pid part's length, 0 if path does not start with a pid. */
static size_t pid_prefix(const char *path)
{
	size_t n = strspn(path, "0123456789");
	return n && n <= 10 && path[0] != '0' && (!path[n] || path[n] == '/') ? n : 0;
}

/* What path (no leading '/') names; the machine is live. */
static struct node node_find(const char *path)
{
	struct node n = { NODE_NONE, false };
	if (!*path) {
		n.kind = NODE_DIR;
		return n;
	}
	size_t np = pid_prefix(path);
	if (np) {
		char pid[16];
		snprintf(pid, sizeof(pid), "%.*s", (int)np, path);
		if (!pid_alive(pid))
			return n;
		if (!path[np]) {
			n.kind = NODE_DIR;
			return n;
		}
		const char *view = path + np + 1;
		n.kind = table_find(view, pid_views);
		if (n.kind == NODE_TEXT && !strcmp(view, "pagemap"))
			n.kind = NODE_BINARY;
		n.writable = n.kind == NODE_TEXT && (!strcmp(view, "oom_score_adj") || !strcmp(view, "oom_adj"));
		return n;
	}
	if (table_find(path, binary_views) == NODE_TEXT) {
		n.kind = NODE_BINARY;
		return n;
	}
	n.kind = table_find(path, kmm_proc_paths());
	n.writable = n.kind == NODE_TEXT && sys_view_writable(path);
	return n;
}

/* Each name one level under dir ("" the root) that paths have, once. */
static void table_list(const char *dir, const char *const *paths, void *buf, fuse_fill_dir_t fill)
{
	size_t len = strlen(dir);
	for (const char *const *p = paths; *p; p++) {
		if (len && (strncmp(*p, dir, len) || (*p)[len] != '/'))
			continue;
		const char *name = *p + (len ? len + 1 : 0);
		size_t nlen = strcspn(name, "/");
		bool seen = false;
		for (const char *const *q = paths; q < p && !seen; q++) {
			if (len && (strncmp(*q, dir, len) || (*q)[len] != '/'))
				continue;
			const char *other = *q + (len ? len + 1 : 0);
			seen = !strncmp(other, name, nlen) && (other[nlen] == '/' || !other[nlen]);
		}
		if (!seen) {
			char entry[256];
			snprintf(entry, sizeof(entry), "%.*s", (int)nlen, name);
			fill(buf, entry, NULL, 0, 0);
		}
	}
}

/* The tasks alive: pids 1 .. the last one given (loadavg's last field), each that has views. */
static void pids_list(void *buf, fuse_fill_dir_t fill)
{
	char *loadavg = kmm_proc_read("loadavg");
	int last = 0;
	if (!loadavg || sscanf(loadavg, "%*s %*s %*s %*s %d", &last) != 1)
		last = 0;
	free(loadavg);
	for (int pid = 1; pid <= last && pid <= (1 << 22); pid++) { /* PID_MAX_LIMIT */
		char name[16];
		snprintf(name, sizeof(name), "%d", pid);
		if (pid_alive(name))
			fill(buf, name, NULL, 0, 0);
	}
}

/* ---- the operations: each runs in serve(), under serve_lock ------------------------------------ */

static struct fuse_proc *current_fp(void)
{
	return fuse_get_context()->private_data;
}

/* The node at a FUSE path ("/meminfo"); none while the machine is not live. */
static struct node lookup(const char *path)
{
	struct node none = { NODE_NONE, false };
	if (!current_fp()->live)
		return strcmp(path, "/") ? none : (struct node){ NODE_DIR, false };
	return node_find(path + 1);
}

static void *fp_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	cfg->direct_io = 1; /* st_size 0: every read goes to the file system */
	cfg->entry_timeout = 0;
	cfg->attr_timeout = 0;
	cfg->negative_timeout = 0; /* tasks come and go */
	cfg->kernel_cache = 0;
	return current_fp();
}

static int fp_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct node n = lookup(path);
	if (n.kind == NODE_NONE)
		return -ENOENT;
	memset(st, 0, sizeof(*st));
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_atime = st->st_mtime = st->st_ctime = current_fp()->mounted_at;
	if (n.kind == NODE_DIR) {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
	} else {
		st->st_mode = S_IFREG | (n.kind == NODE_BINARY ? 0400 : n.writable ? 0644 : 0444);
		st->st_nlink = 1;
		st->st_size = 0; /* as procfs: the length is known only by reading */
	}
	return 0;
}

static int fp_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off, struct fuse_file_info *fi,
		      enum fuse_readdir_flags flags)
{
	struct node n = lookup(path);
	if (n.kind == NODE_NONE)
		return -ENOENT;
	if (n.kind != NODE_DIR)
		return -ENOTDIR;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	if (!current_fp()->live)
		return 0;
	const char *dir = path + 1;
	size_t np = pid_prefix(dir);
	if (np) {
		table_list(dir[np] ? dir + np + 1 : "", pid_views, buf, fill);
		return 0;
	}
	table_list(dir, kmm_proc_paths(), buf, fill);
	if (!*dir) {
		table_list("", binary_views, buf, fill);
		pids_list(buf, fill);
	}
	return 0;
}

/* An open text view: the snapshot its reads return (NULL if opened write-only). */
struct snapshot {
	char *text;
	size_t len;
	bool read;  /* a read has been served from it: a read at offset 0 now takes a new one */
};

static int fp_open(const char *path, struct fuse_file_info *fi)
{
	struct node n = lookup(path);
	if (n.kind == NODE_NONE)
		return -ENOENT;
	if (n.kind == NODE_DIR)
		return -EISDIR;
	int acc = fi->flags & O_ACCMODE;
	if (acc != O_RDONLY && !n.writable)
		return -EACCES;
	fi->direct_io = 1;
	fi->fh = 0;
	if (n.kind == NODE_BINARY || acc == O_WRONLY)
		return 0;
	struct snapshot *s = malloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->text = kmm_proc_read(path + 1);
	if (!s->text) {
		int err = errno ? errno : EIO;
		free(s);
		return -err;
	}
	s->len = strlen(s->text);
	s->read = false;
	fi->fh = (uintptr_t)s;
	return 0;
}

static int fp_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct snapshot *s = (struct snapshot *)(uintptr_t)fi->fh;
	if (off < 0)
		return -EINVAL;
	if (s) {
		if (!off && s->read && current_fp()->live) {
			/* a reader that keeps the file open and reads it again from the start (procps's
			   vmstat, slabtop, free: lseek(fd, 0) and read) sees the machine as it is now */
			char *text = kmm_proc_read(path + 1);
			if (!text)
				return errno ? -errno : -EIO;
			free(s->text);
			s->text = text;
			s->len = strlen(text);
		}
		s->read = true;
		if ((size_t)off >= s->len)
			return 0;
		size_t n = s->len - (size_t)off < size ? s->len - (size_t)off : size;
		memcpy(buf, s->text + off, n);
		return (int)n;
	}
	if (!current_fp()->live)
		return -ENOENT;
	if (size > INT_MAX)
		size = INT_MAX & ~7;
	return (int)kmm_proc_pread(path + 1, buf, size, (u64)off); /* a binary view */
}

/* The most one write(2) to a view may carry (a sysctl's text is a few numbers; Linux's limit is a page). */
#define VIEW_WRITE_MAX 4096

static int fp_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct node n = lookup(path);
	if (n.kind == NODE_NONE)
		return -ENOENT;
	if (!n.writable)
		return -EACCES;
	if (size >= VIEW_WRITE_MAX)
		return -EINVAL;
	char *text = malloc(size + 1);
	if (!text)
		return -ENOMEM;
	memcpy(text, buf, size);
	text[size] = 0;
	int ret = kmm_proc_write(path + 1, text);
	free(text);
	return ret ? ret : (int)size;
}

/* open(O_TRUNC) of a writable view: accepted, as procfs takes it, and nothing happens. */
static int fp_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct node n = lookup(path);
	if (n.kind == NODE_NONE)
		return -ENOENT;
	return n.writable ? 0 : -EACCES;
}

static int fp_release(const char *path, struct fuse_file_info *fi)
{
	struct snapshot *s = (struct snapshot *)(uintptr_t)fi->fh;
	if (s) {
		free(s->text);
		free(s);
	}
	return 0;
}

static const struct fuse_operations fp_ops = {
	.init = fp_init,
	.getattr = fp_getattr,
	.readdir = fp_readdir,
	.open = fp_open,
	.read = fp_read,
	.write = fp_write,
	.truncate = fp_truncate,
	.release = fp_release,
};

/* ---- the session's thread ------------------------------------------------------------------------ */

static void *serve(void *arg)
{
	struct fuse_proc *fp = arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL); /* the program's and kmm mount's signals are for their own threads */
	struct fuse_session *se = fuse_get_session(fp->fuse);
	struct fuse_buf buf = { 0 };
	struct pollfd pfd[2] = { { fuse_session_fd(se), POLLIN, 0 }, { fp->stop[0], POLLIN, 0 } };
	while (!fuse_session_exited(se)) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break; /* fuse_proc_stop() */
		if (!pfd[0].revents)
			continue;
		int n = fuse_session_receive_buf(se, &buf);
		if (n == -EINTR || n == -EAGAIN)
			continue;
		if (n <= 0)
			break; /* ENODEV: unmounted from outside (fusermount3 -u) */
		pthread_mutex_lock(&fp->serve_lock);
		fuse_session_process_buf(se, &buf);
		pthread_mutex_unlock(&fp->serve_lock);
	}
	free(buf.mem);
	__atomic_store_n(&fp->ended, true, __ATOMIC_RELEASE);
	return NULL;
}

/* ---- mounting ------------------------------------------------------------------------------------ */

/* libfuse's messages: kept while mounting (they become the error's reason), said on stderr otherwise. */
static char fuse_said[256];
static bool fuse_capturing;

static void fuse_log_line(enum fuse_log_level level, const char *fmt, va_list ap)
{
	char line[256];
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = 0;
	if (fuse_capturing)
		snprintf(fuse_said, sizeof(fuse_said), "%s", !strncmp(line, "fuse: ", 6) ? line + 6 : line);
	else if (level <= FUSE_LOG_ERR)
		fprintf(stderr, "kmm: %s\n", line);
}

/* fusermount3 on PATH, into out; false if there is none. */
static bool find_fusermount(char *out, size_t len)
{
	const char *path = getenv("PATH");
	char dirs[4096];
	snprintf(dirs, sizeof(dirs), "%s", path && *path ? path : "/usr/bin:/bin");
	for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(out, len, "%s/fusermount3", d);
		if (!access(out, X_OK))
			return true;
	}
	*out = 0;
	return false;
}

/* What stands in the way of mounting at dir, said in err; 0 or -1. */
static int mount_check(const char *dir, char *fusermount, size_t fmlen, char *err, size_t errlen)
{
	struct stat st;
	if (stat(dir, &st)) {
		snprintf(err, errlen, "%s: %s", dir, errno == ENOENT ? "no such directory" : strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", dir);
		return -1;
	}
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	struct dirent *e;
	bool empty = true;
	while (empty && (e = readdir(d)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	if (!empty) {
		snprintf(err, errlen, "%s: not empty (the views are mounted on an empty directory)", dir);
		return -1;
	}
	if (stat("/dev/fuse", &st)) {
		snprintf(err, errlen, "/dev/fuse is missing: this kernel or container has no FUSE (modprobe fuse, or give "
				      "the container --device /dev/fuse)");
		return -1;
	}
	*fusermount = 0;
	if (geteuid() && !find_fusermount(fusermount, fmlen)) {
		snprintf(err, errlen, "mounting needs root or fusermount3 (Debian's fuse3), and there is neither");
		return -1;
	}
	return 0;
}

int fuse_proc_check(const char *dir, char *err, size_t errlen)
{
	char fusermount[PATH_MAX];
	return mount_check(dir, fusermount, sizeof(fusermount), err, errlen);
}

struct fuse_proc *fuse_proc_start(const char *dir, bool live, char *err, size_t errlen)
{
	struct fuse_proc *fp = calloc(1, sizeof(*fp));
	if (!fp) {
		snprintf(err, errlen, "out of host memory");
		return NULL;
	}
	if (mount_check(dir, fp->fusermount, sizeof(fp->fusermount), err, errlen)) {
		free(fp);
		return NULL;
	}
	if (!realpath(dir, fp->dir)) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		free(fp);
		return NULL;
	}
	pthread_mutex_init(&fp->serve_lock, NULL);
	fp->live = live;
	fp->mounted_at = time(NULL);
	fp->stop[0] = fp->stop[1] = -1;
	char *argv[] = { "kmm", "-o", "fsname=kmm,subtype=kmm", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);
	fuse_set_log_func(fuse_log_line);
	fuse_capturing = true;
	fuse_said[0] = 0;
	fp->fuse = fuse_new(&args, &fp_ops, sizeof(fp_ops), fp);
	fuse_opt_free_args(&args); /* the copies fuse_new's option parsing made */
	int ret = fp->fuse ? fuse_mount(fp->fuse, fp->dir) : -1;
	fuse_capturing = false;
	if (ret) {
		snprintf(err, errlen, "%s: cannot mount: %s", fp->dir, fuse_said[0] ? fuse_said : "libfuse refused");
		if (fp->fuse)
			fuse_destroy(fp->fuse);
		free(fp);
		return NULL;
	}
	if (pipe2(fp->stop, O_CLOEXEC) || pthread_create(&fp->thread, NULL, serve, fp)) {
		snprintf(err, errlen, "%s: no thread to serve the mount: %s", fp->dir, strerror(errno));
		fuse_unmount(fp->fuse);
		fuse_destroy(fp->fuse);
		if (fp->stop[0] >= 0) {
			close(fp->stop[0]);
			close(fp->stop[1]);
		}
		free(fp);
		return NULL;
	}
	return fp;
}

void fuse_proc_set_live(struct fuse_proc *fp, bool live)
{
	if (!fp)
		return;
	pthread_mutex_lock(&fp->serve_lock);
	fp->live = live;
	pthread_mutex_unlock(&fp->serve_lock);
}

bool fuse_proc_ended(const struct fuse_proc *fp)
{
	return fp && __atomic_load_n(&fp->ended, __ATOMIC_ACQUIRE);
}

void fuse_proc_stop(struct fuse_proc *fp)
{
	if (!fp || fp->forked_away)
		return;
	char c = 0;
	if (write(fp->stop[1], &c, 1) < 0) {
		/* a full pipe already says stop */
	}
	pthread_join(fp->thread, NULL);
	fuse_unmount(fp->fuse); /* quiet when fusermount3 -u already did it */
	fuse_destroy(fp->fuse);
	close(fp->stop[0]);
	close(fp->stop[1]);
	pthread_mutex_destroy(&fp->serve_lock);
	free(fp);
}

void fuse_proc_fork_prepare(struct fuse_proc *fp)
{
	if (fp && !fp->forked_away)
		pthread_mutex_lock(&fp->serve_lock);
}

void fuse_proc_fork_parent(struct fuse_proc *fp)
{
	if (fp && !fp->forked_away)
		pthread_mutex_unlock(&fp->serve_lock);
}

void fuse_proc_fork_child(struct fuse_proc *fp)
{
	if (!fp || fp->forked_away)
		return;
	pthread_mutex_unlock(&fp->serve_lock);
	fp->forked_away = true; /* the serving thread is the parent's; so is the mount */
	close(fuse_session_fd(fuse_get_session(fp->fuse)));
	close(fp->stop[0]);
	close(fp->stop[1]);
}

void fuse_proc_emergency_unmount(struct fuse_proc *fp)
{
	if (!fp || fp->forked_away)
		return;
	if (!fp->fusermount[0]) {
		umount2(fp->dir, MNT_DETACH);
		return;
	}
	pid_t pid = fork();
	if (!pid) {
		char *argv[] = { "fusermount3", "-u", "-z", "-q", fp->dir, NULL };
		char *envp[] = { NULL };
		execve(fp->fusermount, argv, envp);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}
