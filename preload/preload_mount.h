/* preload_mount.h - KMM_MOUNT: the program's machine served live over FUSE (preload_mount.c). */
#ifndef KMM_PRELOAD_MOUNT_H
#define KMM_PRELOAD_MOUNT_H

/* Right after boot, inside kmm: mount KMM_MOUNT if set; a mount that fails ends the program (status 127). */
void preload_mount_start(void);
/* At exit: stop serving and unmount (not in a forked child: the mount is the parent's). */
void preload_mount_stop(void);
/* fork(2): no request inside kmm across it; the child forgets the mount. */
void preload_mount_fork_prepare(void);
void preload_mount_fork_parent(void);
void preload_mount_fork_child(void);

#endif
