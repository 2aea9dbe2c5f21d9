/*
 * kmm/fs.h - the simulated machine's files: an in-kernel file store on a
 * simulated disk (the root filesystem, sda1), read and written through
 * the page cache, and opened by tasks to be mapped.
 *
 *	kmm_file_create("/usr/lib/libc.so.6", NULL, 2 << 20);  (2 MiB of zeros on disk)
 *	int fd = task_open(t, "/usr/lib/libc.so.6", O_RDONLY);
 *	long a = task_mmap(t, 0, 2 << 20, PROT_READ, MAP_PRIVATE, fd, 0);
 *	task_close(t, fd);       (the mapping keeps the file)
 *	mm_access(t, a, 4096, false);   (a major fault: the page is read from disk)
 *
 * Calls return 0 (or a count) on success and -errno as the system call
 * would fail.  Paths are absolute; there are no directories to create.
 */
#ifndef KMM_FS_H
#define KMM_FS_H

#include <fcntl.h>
#include <kmm/types.h>

struct task_struct;

/*
 * Create (or replace) a file on the disk: size bytes of data, or if data
 * is NULL a sparse file of size bytes (holes, reading as zeros, as after
 * ftruncate; a swap file may have none).  -EPERM over an active swap file.
 */
int kmm_file_create(const char *path, const void *data, unsigned long size);
/* Remove the name; the file lives on while a task has it open or mapped.  -EPERM for an active swap file. */
int kmm_file_unlink(const char *path);
/*
 * read(2)/write(2) at an offset, through the page cache (write extends the
 * file, and dirties the cache; its blocks are allocated when written back).
 * write: -ETXTBSY for an active swap file (kmm/swap.h), as is open(2) with O_TRUNC.
 */
long kmm_file_pread(const char *path, void *buf, unsigned long len, unsigned long off);
long kmm_file_pwrite(const char *path, const void *buf, unsigned long len, unsigned long off);
/* sync(2): write every dirty page-cache page back to the disk. */
void kmm_sync(void);
/* Pages of the page cache: all, and of one file (-ENOENT if there is none) */
unsigned long kmm_page_cache_pages(void);
long kmm_file_cached_pages(const char *path);

/* A task's file descriptors: open(2) with O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_TRUNC; close(2). */
int task_open(struct task_struct *t, const char *path, int flags);
int task_close(struct task_struct *t, int fd);
/* stat(2): 0 and the file's size if it exists, else -ENOENT (the path name passes through names_cache). */
int task_stat(struct task_struct *t, const char *path, unsigned long *size);

#endif /* KMM_FS_H */
