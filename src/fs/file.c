/*
 * file.c - a task's file descriptors (fs/file.c): the table of open
 * files each task holds (host side: task->fd[], the struct files of
 * src/mm/filemap.c's store) and the kernel memory Linux spends on it.
 *
 * files_struct embeds room for NR_OPEN_DEFAULT (BITS_PER_LONG)
 * descriptors; a table that needs more gets an fdtable from kmalloc, with
 * its fd array and its bitmaps from kvmalloc (alloc_fdtable: 256 slots at
 * least on 32-bit, then powers of two), and the old one goes (Linux:
 * after RCU; here at once, nobody else reads it).  open takes the lowest
 * free descriptor under RLIMIT_NOFILE; fork's dup_fd shares the parent's
 * struct files; exit's close_files puts them and frees the table.
 * Every call is the task's own (no locking: a task's table is touched
 * only by the thread making a call for it).
 */
#include "internal.h"
#include "kernel/kobj.h"

#include <kmm/fs.h>
#include <kmm/slab.h>
#include <kmm/task.h>

#define NR_OPEN_DEFAULT (M->prof->bits)

/* __free_fdtable(): only a table that was expanded (Linux never frees the embedded one) */
static void fdtable_free(struct task_struct *t)
{
	if (!t->kobj.fdt)
		return;
	kfree(t->kobj.fdt);
	kvfree(t->kobj.fd_array);
	kvfree(t->kobj.fd_bits);
	t->kobj.fdt = t->kobj.fd_array = t->kobj.fd_bits = NULL;
	t->kobj.fdt_nr = 0;
}

/* Room for descriptors [0, slots): 0, or -ENOMEM with the table as it was. */
static int fdtable_expand(struct task_struct *t, unsigned int slots)
{
	unsigned int word = M->prof->bits / 8, nr;
	if (slots <= (unsigned)NR_OPEN_DEFAULT || slots <= t->kobj.fdt_nr)
		return 0;
	if (M->prof->bits == 32 && slots < 256)
		nr = 256;
	else
		for (nr = 1; nr < slots; nr <<= 1)
			;
	/* sizeof(struct fdtable): max_fds, four pointers, an rcu_head */
	void *fdt = kmalloc(word == 8 ? 56 : 28, GFP_KERNEL_ACCOUNT);
	void *array = fdt ? kvmalloc_array(nr, word, GFP_KERNEL_ACCOUNT) : NULL;
	/* open_fds and close_on_exec (nr bits each) and full_fds_bits, a cache line at least */
	size_t bitbit = (((size_t)nr / (word * 8) + word * 8 - 1) / (word * 8)) * word;
	void *bits = array ? kvmalloc(max((size_t)nr / 4 + bitbit, (size_t)SMP_CACHE_BYTES), GFP_KERNEL_ACCOUNT) : NULL;
	if (!bits) {
		kfree(fdt);
		kvfree(array);
		return -ENOMEM;
	}
	fdtable_free(t);
	t->kobj.fdt = fdt;
	t->kobj.fd_array = array;
	t->kobj.fd_bits = bits;
	t->kobj.fdt_nr = nr;
	return 0;
}

/* The file open at fd, with a reference; NULL if none. */
struct file *fget(struct task_struct *t, int fd)
{
	return t && fd >= 0 && fd < t->max_fds ? get_file(t->fd[fd]) : NULL;
}

static int do_task_open(struct task_struct *t, const char *path, int flags)
{
	if (!t || !t->mm)
		return -EINVAL; /* exited: its table went at exit, a new one would never be closed */
	int fd = 0;
	while (fd < t->max_fds && t->fd[fd])
		fd++; /* the lowest free descriptor */
	if ((unsigned long)fd >= t->rlim[RLIMIT_NOFILE])
		return -EMFILE;
	if (fdtable_expand(t, (unsigned)fd + 1)) /* expand_files */
		return -ENOMEM;
	if (fd == t->max_fds) {
		int n = t->max_fds ? 2 * t->max_fds : 16;
		struct file **grown = realloc(t->fd, (size_t)n * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		memset(grown + t->max_fds, 0, (size_t)(n - t->max_fds) * sizeof(*grown));
		t->fd = grown;
		t->max_fds = n;
	}
	/* do_sys_openat2: getname, do_filp_open, putname */
	void *name = kobj_getname(path ? path : "");
	if (!name)
		return -ENOMEM;
	int err;
	struct file *f = filemap_open(path, flags, &err);
	kobj_putname(name);
	if (!f)
		return err;
	t->fd[fd] = f;
	return fd;
}

/* the system call, in the task's context (TASK_SYSCALL) */
int task_open(struct task_struct *t, const char *path, int flags)
{
	return TASK_SYSCALL(t, do_task_open(t, path, flags));
}

int task_close(struct task_struct *t, int fd)
{
	if (!t || fd < 0 || fd >= t->max_fds || !t->fd[fd])
		return -EBADF;
	fput(t->fd[fd]);
	t->fd[fd] = NULL;
	return 0;
}

/* fork: the child gets the parent's open files (the same struct files, as dup_fd shares them). */
int dup_fd(struct task_struct *child, const struct task_struct *parent)
{
	if (!parent->max_fds)
		return 0;
	/* count_open_files: the child's table must hold the parent's highest open descriptor */
	int open_files = parent->max_fds;
	while (open_files > 0 && !parent->fd[open_files - 1])
		open_files--;
	if (fdtable_expand(child, (unsigned)open_files))
		return -ENOMEM;
	child->fd = calloc((size_t)parent->max_fds, sizeof(*child->fd));
	if (!child->fd)
		return -ENOMEM;
	child->max_fds = parent->max_fds;
	for (int i = 0; i < parent->max_fds; i++)
		child->fd[i] = get_file(parent->fd[i]);
	return 0;
}

void close_files(struct task_struct *t)
{
	for (int i = 0; i < t->max_fds; i++)
		if (t->fd[i])
			fput(t->fd[i]);
	free(t->fd);
	t->fd = NULL;
	t->max_fds = 0;
	fdtable_free(t); /* exit_files: the files_struct's table goes with it */
}
