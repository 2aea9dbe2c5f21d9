/*
 * preload_mount.c - KMM_MOUNT=DIR: while the program runs, its machine's
 * /proc views are a FUSE file system at DIR (tools/fuse_proc.c), so that
 * `cat DIR/slabinfo`, `watch -n1 cat DIR/buddyinfo` or slabtop with the
 * views bind-mounted watch the program's heap live.
 *
 * The mount is made in the constructor, right after boot and inside kmm:
 * libfuse's host allocations are libc's, and its thread, made from inside
 * kmm, is one of kmm's own (preload.c's pthread_create) - on no CPU, its
 * allocations libc's for good, like the KMM_DUMP_SIGNAL thread.  A DIR that
 * cannot be mounted on ends the program with a message and status 127, as
 * a machine that cannot boot does: a program that asked to be watched is
 * never run unwatched.  Once mounted, KMM_MOUNT leaves the environment:
 * the programs this one execs boot machines of their own, and must not
 * try DIR, which is this one's.
 *
 * fork(): the serving thread processes each request under a lock that the
 * fork takes (preload.c's atfork handlers), so the child never inherits a
 * request half done inside kmm; the child has no serving thread, closes
 * its copy of the FUSE device and never unmounts - the mount stays the
 * parent's, showing the parent's machine.  exit: the destructor stops
 * serving and unmounts before the views are written.  A program killed
 * by a signal leaves DIR a dead mount ("Transport endpoint is not
 * connected") until `fusermount3 -u DIR`.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../tools/fuse_proc.h"
#include "preload_mount.h"

static struct fuse_proc *served; /* KMM_MOUNT's, NULL if none */

void preload_mount_start(void)
{
	const char *dir = getenv("KMM_MOUNT");
	char err[512];
	if (!dir || !*dir)
		return;
	served = fuse_proc_start(dir, true, err, sizeof(err));
	if (!served) {
		fprintf(stderr, "kmm-preload: KMM_MOUNT: %s\n", err);
		_exit(127);
	}
	unsetenv("KMM_MOUNT");
}

void preload_mount_stop(void)
{
	fuse_proc_stop(served);
	served = NULL;
}

void preload_mount_fork_prepare(void)
{
	fuse_proc_fork_prepare(served);
}

void preload_mount_fork_parent(void)
{
	fuse_proc_fork_parent(served);
}

void preload_mount_fork_child(void)
{
	fuse_proc_fork_child(served);
}
