/* preload.h - between preload.c (the malloc family) and preload_report.c (boot, views, report). */
#ifndef KMM_PRELOAD_H
#define KMM_PRELOAD_H

#include <malloc.h>

/* Boot the machine the environment describes (KMM_PROFILE ...); 0, or the process ends with a message. */
int preload_boot(void);
/* At exit or on KMM_DUMP_SIGNAL: the views under KMM_PROC_DIR, the leak report to KMM_REPORT. */
void preload_write_views(void);
/* fork(2): no view is being written across it; in the child, a process of its own from now on. */
void preload_fork_prepare(void);
void preload_fork_parent(void);
void preload_forked(void);
/* mallinfo2 from the machine's meminfo. */
void preload_meminfo_mallinfo(struct mallinfo2 *mi);

#endif
