/*
 * array.c - /proc/PID/stat, the one-line record of a process that ps and
 * top read, as Linux 6.1's fs/proc/array.c (do_task_stat) prints it: 52
 * fields, separated by one space, the command in parentheses.
 *
 * What kmm knows of a process fills its fields:
 *   pid, comm, ppid        task_struct (pid, comm; ppid set by task_fork)
 *   state                  'S': a kmm task runs only while a caller acts
 *                          for it and otherwise waits, as a sleeping task
 *                          (the same state PID/status prints); wchan is
 *                          then 1, as Linux prints for a task not running
 *   flags                  PF_FORKNOEXEC after fork until exec
 *   minflt, majflt         the task's fault counts (mm/memory.c)
 *   starttime              the simulated clock when the task was made,
 *                          in USER_HZ ticks since boot
 *   vsize, rss             total_vm in bytes; file + anon + shmem pages
 *   rsslim                 RLIMIT_RSS, as the profile's unsigned long
 *   startcode .. startstack, start_data .. start_brk   the mm's layout
 *   num_threads            1: every kmm task is one thread
 *   priority, nice         20 and 0: kmm has no scheduler, so every task
 *                          has the default nice value
 *   exit_signal            SIGCHLD (17), the signal a process's parent gets
 * and the fields of things kmm has no notion of carry the value Linux
 * prints when the thing is absent: no process groups or sessions (pgrp and
 * session 0, what Linux prints for a task in none), no terminal (tty_nr 0, tpgid -1), no CPU time
 * accounted (utime, stime, cutime, cstime, guest times 0: the simulated
 * clock moves only while nothing runs), no children's faults reaped
 * (cminflt, cmajflt 0), no pending, blocked, ignored or caught signals
 * (0), last CPU 0, no real-time policy (0, 0), no block I/O delay (0), no
 * argument or environment strings laid out on the stack (arg_start ..
 * env_end 0), exit_code 0.  kstkesp and kstkeip are 0 as Linux prints them
 * for a task that is not dumping core.
 */
#include "internal.h"

#include <kmm/task.h>

#define SIGCHLD_NR 17 /* x86's SIGCHLD */

/* nsec_to_clock_t(): nanoseconds as USER_HZ ticks */
static unsigned long long nsec_to_clock_t(u64 ns)
{
	return ns / (1000000000ULL / USER_HZ);
}

/* An unsigned long of the simulated machine: RLIM_INFINITY is 2^32 - 1 on the 32-bit profiles. */
static unsigned long long profile_ulong(unsigned long v)
{
	return M->prof->bits == 32 ? (unsigned long long)(v & 0xffffffffUL) : v;
}

void proc_tgid_stat(struct strbuf *sb, struct task_struct *t, struct mm_struct *mm)
{
	pthread_mutex_lock(&mm->mmap_lock);
	unsigned long long vsize = (unsigned long long)mm->total_vm << PAGE_SHIFT;
	unsigned long rss = mm->rss[MM_FILEPAGES] + mm->rss[MM_ANONPAGES] + mm->rss[MM_SHMEMPAGES];
	unsigned long start_code = mm->start_code, end_code = mm->end_code, start_stack = mm->start_stack;
	unsigned long start_data = mm->start_data, end_data = mm->end_data, start_brk = mm->start_brk;
	unsigned long min_flt = t->min_flt, maj_flt = t->maj_flt; /* counted by faults, which hold mmap_lock */
	unsigned int flags = t->flags;                            /* exec clears PF_FORKNOEXEC under it */
	pthread_mutex_unlock(&mm->mmap_lock);
	int priority = 20, nice = 0, num_threads = 1;
	/* pid (comm) state ppid pgrp session tty_nr tpgid flags */
	sb_printf(sb, "%d (%s) %c %d %d %d %d %d %u", t->pid, t->comm, 'S', t->ppid, 0, 0, 0, -1, flags);
	/* minflt cminflt majflt cmajflt utime stime cutime cstime */
	sb_printf(sb, " %lu %lu %lu %lu %llu %llu %lld %lld", min_flt, 0UL, maj_flt, 0UL, 0ULL, 0ULL, 0LL, 0LL);
	/* priority nice num_threads itrealvalue starttime vsize rss rsslim */
	sb_printf(sb, " %d %d %d %d %llu %llu %lu %llu", priority, nice, num_threads, 0, nsec_to_clock_t(t->start_time),
		  vsize, rss, profile_ulong(t->rlim[5 /* RLIMIT_RSS */]));
	/* startcode endcode startstack kstkesp kstkeip */
	sb_printf(sb, " %lu %lu %lu %lu %lu", start_code, end_code, start_stack, 0UL, 0UL);
	/* signal blocked sigignore sigcatch wchan nswap cnswap exit_signal processor rt_priority policy */
	sb_printf(sb, " %lu %lu %lu %lu %lu %lu %lu %d %d %u %u", 0UL, 0UL, 0UL, 0UL, 1UL, 0UL, 0UL, SIGCHLD_NR, 0, 0u, 0u);
	/* delayacct_blkio_ticks guest_time cguest_time */
	sb_printf(sb, " %llu %llu %lld", 0ULL, 0ULL, 0LL);
	/* start_data end_data start_brk arg_start arg_end env_start env_end exit_code */
	sb_printf(sb, " %lu %lu %lu %lu %lu %lu %lu %d\n", start_data, end_data, start_brk, 0UL, 0UL, 0UL, 0UL, 0);
}
