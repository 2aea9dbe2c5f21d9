/*
 * base.c - the /proc/PID directory, as Linux 6.1's fs/proc/base.c: the
 * table of a process's views (tgid_base_stuff), the ones small enough to
 * live here (cmdline, oom_adj, oom_score, oom_score_adj), and the reading, writing
 * and dumping of them all.
 *
 *   PID/cmdline        exec's arguments, each ending in a NUL
 *   PID/maps           mm/mmap.c             PID/status    mm/mmap.c
 *   PID/smaps, smaps_rollup, statm, pagemap  proc/task_mmu.c
 *   PID/stat           proc/array.c
 *   PID/oom_score      the OOM killer's badness of the task, in 0..2000
 *   PID/oom_score_adj  -1000..1000, added to it (readable and writable)
 *   PID/oom_adj        the same, in the legacy -17..15 scale
 *   PID/kmm/pagemap    kmm's own: the PTEs in words (not a Linux file)
 *
 * A view is read with the task and its mm held (get_pid_task,
 * get_task_mm), so an exit meanwhile frees nothing under it; a task that
 * has exited has no views (ENOENT).  pagemap is binary: it is read with
 * proc_pid_pread() only, and kmm_proc_read() refuses it (EINVAL).
 *
 * kmm's exec takes no argument vector and lays none out on the stack: its
 * one argument is the path of the image, which cmdline prints (a forked
 * child shares its parent's image, so its command line too).  A task that
 * never exec'd has an empty command line, as a Linux task whose argument
 * area is empty (ps shows its comm in brackets).
 *
 * oom_score is the OOM killer's own oom_badness() (mm/oom_kill.c): the
 * resident pages, swap entries and page-table pages of the task, plus
 * oom_score_adj thousandths of all memory (RAM + swap), scaled to 0..2000
 * and by 2/3 as Linux has always exported it; 0 for the tasks the OOM
 * killer never picks - pid 1 (the global init: kmm's first task is pid 1),
 * oom_score_adj -1000 and a victim already reaped.  The legacy oom_adj
 * (-17..15) reads and writes oom_score_adj through 6.1's two-way scaling
 * and warns once that it is deprecated.  Writes are kmm's own, as root's:
 * the CAP_SYS_RESOURCE rule for lowering (oom_score_adj_min) never refuses.
 */
#include "internal.h"

#include <limits.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <kmm/task.h>

/* ---- cmdline, oom_score, oom_score_adj ------------------------------------------------------ */

static void proc_pid_cmdline(struct strbuf *sb, struct task_struct *t, struct mm_struct *mm)
{
	mmap_write_lock(mm);
	const struct file *exe = mm->exe_file;
	if (exe && exe->f_inode->path) {
		sb_printf(sb, "%s", exe->f_inode->path);
		sb_printf(sb, "%c", 0); /* the NUL that ends argv[0] is part of the file */
	}
	mmap_write_unlock(mm);
}

static void proc_oom_score(struct strbuf *sb, struct task_struct *t, struct mm_struct *mm)
{
	unsigned long totalpages = oom_totalpages(); /* totalram_pages() + total_swap_pages */
	long badness = oom_badness(t, mm, totalpages);
	unsigned long points = 0;
	if (badness != LONG_MIN)
		points = (unsigned long)((1000 + badness * 1000 / (long)totalpages) * 2 / 3);
	sb_printf(sb, "%lu\n", points);
}

static void show_oom_score_adj(struct strbuf *sb, struct task_struct *t, struct mm_struct *mm)
{
	sb_printf(sb, "%hd\n", __atomic_load_n(&t->oom_score_adj, __ATOMIC_RELAXED));
}

/* kstrtoint of the stripped text (at most 12 bytes are looked at): 0, -EINVAL or -ERANGE */
static int proc_kstrtoint(const char *val, int *out)
{
	char buf[13] = { 0 }; /* PROC_NUMBUF */
	snprintf(buf, sizeof(buf), "%s", val);
	char *s = buf, *e = buf + strlen(buf);
	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'))
		*--e = 0;
	if (*s == '+')
		s++;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 0);
	if (end == s || *end || (*s == '-' && s[1] == '-'))
		return -EINVAL;
	if (errno || v < INT_MIN || v > INT_MAX)
		return -ERANGE;
	*out = (int)v;
	return 0;
}

/* oom_score_adj_write(): -1000..1000 or -EINVAL */
static int write_oom_score_adj(struct task_struct *t, const char *val)
{
	int v, err = proc_kstrtoint(val, &v);
	if (err)
		return err;
	if (v < OOM_SCORE_ADJ_MIN || v > OOM_SCORE_ADJ_MAX)
		return -EINVAL;
	__atomic_store_n(&t->oom_score_adj, (short)v, __ATOMIC_RELAXED);
	return 0;
}

/*
 * The legacy oom_adj: -17 (OOM_DISABLE), -16..15, shown and taken as
 * oom_score_adj scaled by 17/1000 (15 stands for 1000, so that the maximum
 * can still be written), with 6.1's "deprecated" warning once per machine.
 */
#define OOM_DISABLE (-17)
#define OOM_ADJUST_MIN (-16)
#define OOM_ADJUST_MAX 15

static void show_oom_adj(struct strbuf *sb, struct task_struct *t, struct mm_struct *mm)
{
	int adj = __atomic_load_n(&t->oom_score_adj, __ATOMIC_RELAXED);
	sb_printf(sb, "%d\n", adj == OOM_SCORE_ADJ_MAX ? OOM_ADJUST_MAX : adj * -OOM_DISABLE / OOM_SCORE_ADJ_MAX);
}

static int write_oom_adj(struct task_struct *t, const char *val)
{
	static const char site[] = "fs/proc/base.c:oom_adj";
	int v, err = proc_kstrtoint(val, &v);
	if (err)
		return err;
	if ((v < OOM_ADJUST_MIN || v > OOM_ADJUST_MAX) && v != OOM_DISABLE)
		return -EINVAL;
	v = v == OOM_ADJUST_MAX ? OOM_SCORE_ADJ_MAX : v * OOM_SCORE_ADJ_MAX / -OOM_DISABLE;
	if (__warn_once_first(site)) { /* pr_warn_once; the writer is kmm's own (pid 0) unless a task's thread writes */
		const struct task_struct *cur = get_current();
		printk(KERN_WARNING "%s (%d): /proc/%d/oom_adj is deprecated, please use /proc/%d/oom_score_adj instead.\n",
		       cur ? cur->comm : "kmm", cur ? cur->pid : 0, t->pid, t->pid);
	}
	__atomic_store_n(&t->oom_score_adj, (short)v, __ATOMIC_RELAXED);
	return 0;
}

/* ---- the table ------------------------------------------------------------------------------ */

struct pid_entry {
	const char *name;
	void (*show)(struct strbuf *sb, struct task_struct *t, struct mm_struct *mm);           /* a text view */
	long (*read)(struct task_struct *t, struct mm_struct *mm, void *buf, size_t count, u64 off); /* or a binary one */
	int (*write)(struct task_struct *t, const char *val);                                   /* writable: 0 or -errno */
};

/* tgid_base_stuff[]: what a task's directory holds (kmm keeps it sorted by name) */
static const struct pid_entry tgid_base_stuff[] = {
	{ "cmdline", proc_pid_cmdline, NULL, NULL },
	{ "kmm/pagemap", show_pagemap_text, NULL, NULL },
	{ "maps", show_pid_maps, NULL, NULL },
	{ "oom_adj", show_oom_adj, NULL, write_oom_adj },
	{ "oom_score", proc_oom_score, NULL, NULL },
	{ "oom_score_adj", show_oom_score_adj, NULL, write_oom_score_adj },
	{ "pagemap", NULL, pagemap_read, NULL },
	{ "smaps", show_smaps, NULL, NULL },
	{ "smaps_rollup", show_smaps_rollup, NULL, NULL },
	{ "stat", proc_tgid_stat, NULL, NULL },
	{ "statm", proc_pid_statm, NULL, NULL },
	{ "status", proc_pid_status, NULL, NULL },
};

static const struct pid_entry *pid_entry_find(const char *view)
{
	for (size_t i = 0; i < ARRAY_SIZE(tgid_base_stuff); i++)
		if (!strcmp(tgid_base_stuff[i].name, view))
			return &tgid_base_stuff[i];
	return NULL;
}

/* The task with this pid and its mm, both held; false (ENOENT) if there is none or it has exited. */
static bool pid_get(int pid, struct task_struct **t, struct mm_struct **mm)
{
	*t = pid > 0 ? get_pid_task(pid) : NULL;
	*mm = *t ? get_task_mm(*t) : NULL;
	if (*mm)
		return true;
	put_task_struct(*t);
	return false;
}

static void pid_put(struct task_struct *t, struct mm_struct *mm)
{
	mmput(mm);
	put_task_struct(t);
}

/* A text view of the task, malloc()ed; NULL with errno ENOENT (no such view or task) or EINVAL (binary). */
char *proc_pid_read(int pid, const char *view)
{
	const struct pid_entry *e = pid_entry_find(view);
	struct task_struct *t;
	struct mm_struct *mm;
	if (!e || !pid_get(pid, &t, &mm)) {
		errno = ENOENT;
		return NULL;
	}
	if (!e->show) {
		pid_put(t, mm);
		errno = EINVAL;
		return NULL;
	}
	struct strbuf sb = { 0 };
	e->show(&sb, t, mm);
	pid_put(t, mm);
	return sb_detach(&sb);
}

/* pread(2) on a view of the task: bytes copied, 0 at the end, or -errno. */
long proc_pid_pread(int pid, const char *view, void *buf, size_t count, u64 off)
{
	const struct pid_entry *e = pid_entry_find(view);
	struct task_struct *t;
	struct mm_struct *mm;
	if (!e || !pid_get(pid, &t, &mm))
		return -ENOENT;
	long ret;
	if (e->read) {
		ret = e->read(t, mm, buf, count, off);
	} else {
		struct strbuf sb = { 0 };
		e->show(&sb, t, mm);
		size_t n = off < sb.len ? min((size_t)(sb.len - off), count) : 0;
		if (n)
			memcpy(buf, sb.buf + off, n);
		sb_free(&sb);
		ret = (long)n;
	}
	pid_put(t, mm);
	return ret;
}

int proc_pid_write(int pid, const char *view, const char *val)
{
	const struct pid_entry *e = pid_entry_find(view);
	struct task_struct *t;
	struct mm_struct *mm;
	if (!e || !pid_get(pid, &t, &mm))
		return -ENOENT;
	int ret = e->write ? e->write(t, val) : -EACCES;
	pid_put(t, mm);
	return ret;
}

/* ---- the dump ------------------------------------------------------------------------------- */

/*
 * dir/PID/name, its directories made; an open fd or -errno.  Like Linux's
 * /proc/PID, the directories and files belong to the task's uid (top
 * takes the owner of the directory as the task's user); when the writer
 * may not give them away (not root) they stay its own.
 */
static int pid_file_open(const char *dir, const struct task_struct *t, const char *name, char *file, size_t len)
{
	snprintf(file, len, "%s/%d/%s", dir, t->pid, name);
	for (char *s = file + strlen(dir) + 1; (s = strchr(s, '/')); s++) {
		*s = 0;
		if (!mkdir(file, 0755)) {
			int r = chown(file, t->uid, (gid_t)-1);
			(void)r;
		}
		*s = '/';
	}
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -errno;
	int r = fchown(fd, t->uid, (gid_t)-1);
	(void)r;
	return fd;
}

static int write_all(int fd, const void *buf, size_t n, u64 off)
{
	for (size_t done = 0; done < n;) {
		ssize_t w = pwrite(fd, (const char *)buf + done, n - done, (off_t)(off + done));
		if (w < 0)
			return -errno;
		done += (size_t)w;
	}
	return 0;
}

/*
 * pagemap as a sparse file: the entries of each VMA at their offsets,
 * holes (which read as zeros, the entry of an unmapped page) elsewhere.
 */
static int dump_pagemap(int fd, struct task_struct *t, struct mm_struct *mm)
{
	enum { CHUNK = 8192 };
	u64 *buf = malloc(CHUNK * sizeof(u64));
	if (!buf)
		return -ENOMEM;
	mmap_write_lock(mm);
	int n = mm->map_count, k = 0;
	unsigned long (*ranges)[2] = calloc((size_t)n + 1, sizeof(*ranges));
	struct vm_area_struct *vma;
	VMA_ITERATOR(vmi, mm, 0);
	for_each_vma(vmi, vma) {
		if (!ranges || k == n)
			break;
		ranges[k][0] = vma->vm_start;
		ranges[k++][1] = vma->vm_end;
	}
	mmap_write_unlock(mm);
	int ret = ranges ? 0 : -ENOMEM;
	for (int i = 0; !ret && i < n; i++)
		for (unsigned long a = ranges[i][0]; !ret && a < ranges[i][1]; a += (unsigned long)CHUNK << PAGE_SHIFT) {
			size_t pages = min((unsigned long)CHUNK, (ranges[i][1] - a) >> PAGE_SHIFT);
			u64 off = (u64)(a >> PAGE_SHIFT) * 8;
			long got = pagemap_read(t, mm, buf, pages * 8, off);
			ret = got < 0 ? (int)got : write_all(fd, buf, (size_t)got, off);
		}
	free(ranges);
	free(buf);
	return ret;
}

/* Every view of the task as a file under dir/PID/; 0 (also when the task is gone) or -errno with the file in err. */
int proc_pid_dump(const char *dir, int pid, char *err, size_t errlen)
{
	struct task_struct *t;
	struct mm_struct *mm;
	if (!pid_get(pid, &t, &mm))
		return 0;
	int ret = 0;
	char file[4096];
	for (size_t i = 0; i < ARRAY_SIZE(tgid_base_stuff) && !ret; i++) {
		const struct pid_entry *e = &tgid_base_stuff[i];
		int fd = pid_file_open(dir, t, e->name, file, sizeof(file));
		if (fd < 0) {
			ret = fd;
			break;
		}
		if (e->show) {
			struct strbuf sb = { 0 };
			e->show(&sb, t, mm);
			ret = write_all(fd, sb.buf ? sb.buf : "", sb.len, 0);
			sb_free(&sb);
		} else {
			ret = dump_pagemap(fd, t, mm);
		}
		if (close(fd) && !ret)
			ret = -errno;
	}
	pid_put(t, mm);
	if (ret)
		snprintf(err, errlen, "cannot write %s: %s", file, strerror(-ret));
	return ret;
}
