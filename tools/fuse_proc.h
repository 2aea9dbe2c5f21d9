/*
 * tools/fuse_proc.h - the booted machine's /proc views served live as a FUSE
 * file system (tools/fuse_proc.c, over libfuse3): `kmm mount`, `kmm run
 * --mount`, `kmm shell --mount` and the preload's KMM_MOUNT.  Linked into
 * kmm and libkmm-preload.so only; libkmm itself knows nothing of FUSE.
 */
#ifndef KMM_FUSE_PROC_H
#define KMM_FUSE_PROC_H

#include <stdbool.h>
#include <stddef.h>

struct fuse_proc;

/*
 * Mount the views at dir (an empty directory) and serve them from a thread
 * of its own.  live: the machine is booted and may be read now (false: the
 * root stays empty until fuse_proc_set_live()).  NULL with a one-line reason
 * in err (dir missing, not a directory, not empty; /dev/fuse missing; not
 * root and no fusermount3; libfuse's own complaint) - and nothing mounted.
 */
struct fuse_proc *fuse_proc_start(const char *dir, bool live, char *err, size_t errlen);
/* Could dir be mounted on?  0, or -1 with the reason in err (as fuse_proc_start says it). */
int fuse_proc_check(const char *dir, char *err, size_t errlen);
/* Make the views readable, or not; on false it returns once no request is inside kmm. */
void fuse_proc_set_live(struct fuse_proc *fp, bool live);
/* Did the session end from outside (fusermount3 -u DIR)? */
bool fuse_proc_ended(const struct fuse_proc *fp);
/* Stop serving, unmount, free.  NULL is ignored. */
void fuse_proc_stop(struct fuse_proc *fp);

/* fork(2) in a program that serves a mount: before, no request inside kmm; after, in either process. */
void fuse_proc_fork_prepare(struct fuse_proc *fp);
void fuse_proc_fork_parent(struct fuse_proc *fp);
/* In the child: the mount is the parent's - close the child's copy of the device, never serve or unmount. */
void fuse_proc_fork_child(struct fuse_proc *fp);

/* A process that dies at once (a kernel BUG's _exit): detach the mount, async-signal-safe. */
void fuse_proc_emergency_unmount(struct fuse_proc *fp);

#endif
