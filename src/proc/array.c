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
 * (cminflt, cmajflt 0), no blocked, ignored or caught signals (0; the
 * pending ones are the task's queue, the first long of the set, as Linux), last CPU 0, no real-time policy (0, 0), no block I/O delay (0), no
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
	mmap_write_lock(mm);
	unsigned long long vsize = (unsigned long long)mm->total_vm << PAGE_SHIFT;
	unsigned long rss = mm->rss[MM_FILEPAGES] + mm->rss[MM_ANONPAGES] + mm->rss[MM_SHMEMPAGES];
	unsigned long start_code = mm->start_code, end_code = mm->end_code, start_stack = mm->start_stack;
	unsigned long start_data = mm->start_data, end_data = mm->end_data, start_brk = mm->start_brk;
	unsigned long min_flt = t->min_flt, maj_flt = t->maj_flt; /* counted by faults, which hold mmap_lock */
	unsigned int flags = t->flags;                            /* exec clears PF_FORKNOEXEC under it */
	mmap_write_unlock(mm);
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
	pthread_mutex_lock(&t->siglock);
	unsigned long long pending = profile_ulong((unsigned long)t->pending.signal); /* sig[0]: a long's worth */
	pthread_mutex_unlock(&t->siglock);
	sb_printf(sb, " %llu %lu %lu %lu %lu %lu %lu %d %d %u %u", pending, 0UL, 0UL, 0UL, 1UL, 0UL, 0UL, SIGCHLD_NR, 0,
		  0u, 0u);
	/* delayacct_blkio_ticks guest_time cguest_time */
	sb_printf(sb, " %llu %llu %lld", 0ULL, 0ULL, 0LL);
	/* start_data end_data start_brk arg_start arg_end env_start env_end exit_code */
	sb_printf(sb, " %lu %lu %lu %lu %lu %lu %lu %d\n", start_data, end_data, start_brk, 0UL, 0UL, 0UL, 0UL, 0);
}

/* ---- /proc/PID/status (proc_pid_status) ---------------------------------------------------- */

/* A bitmap of nbits as Linux's %*pb prints it: hex, 32-bit groups separated by commas, highest first. */
static void sb_bitmap(struct strbuf *sb, u64 bits, unsigned int nbits)
{
	unsigned int groups = DIV_ROUND_UP(nbits, 32);
	for (unsigned int g = groups; g-- > 0;) {
		unsigned int width = g == groups - 1 && nbits % 32 ? DIV_ROUND_UP(nbits % 32, 4) : 8;
		u32 v = g < 2 ? (u32)(bits >> (32 * g)) : 0;
		sb_printf(sb, "%0*x%s", (int)width, v, g ? "," : "");
	}
}

/* The same as a list (%*pbl): "0", "0-2". */
static void sb_bitmap_list(struct strbuf *sb, unsigned int n)
{
	if (n == 1)
		sb_printf(sb, "0");
	else
		sb_printf(sb, "0-%u", n - 1);
}

/*
 * The fdtable size Linux would have for this table (FDSize): BITS_PER_LONG
 * descriptors at first, then growing in 1 KiB steps of pointers, doubled
 * (alloc_fdtable).  kmm's own table doubles from 16, so half of it has
 * been in use when it is larger than that.
 */
static unsigned long fd_table_size(const struct task_struct *t)
{
	unsigned long word = (unsigned long)M->prof->bits, per_kib = 1024 / (word / 8);
	int max = __atomic_load_n(&t->max_fds, __ATOMIC_RELAXED);
	unsigned long nr = max > 16 ? (unsigned long)max / 2 : 0;
	if (nr < word)
		return word;
	unsigned long steps = nr / per_kib + 1, pow = 1;
	while (pow < steps)
		pow <<= 1;
	return pow * per_kib;
}

/*
 * /proc/PID/status in 6.1's order and words.  What kmm does not have reads
 * as Linux prints it for a task without it: one uid doubles as the gids
 * (kmm tasks have no groups), no tracer, no NUMA balancing group (Ngid 0),
 * no process group or session (0, as /proc/PID/stat says), one thread, no
 * blocked, ignored or caught signals, no seccomp, the speculation answers
 * Debian's 6.1 gives on QEMU's CPU models, every CPU and node allowed, no
 * context switches counted.  SigQ's limit is init's RLIMIT_SIGPENDING,
 * half of fork_init()'s threads-max.  Root
 * has every capability of 6.1 (CAP_LAST_CAP 40), others none.
 */
void proc_pid_status(struct strbuf *sb, struct task_struct *t, struct mm_struct *mm)
{
	sb_printf(sb, "Name:\t%s\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\n"
		      "TracerPid:\t0\nUid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\nFDSize:\t%lu\nGroups:\t \n",
		  t->comm, t->pid, t->pid, t->ppid, t->uid, t->uid, t->uid, t->uid, t->uid, t->uid, t->uid, t->uid,
		  fd_table_size(t));
	sb_printf(sb, "NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t0\nNSsid:\t0\n", t->pid, t->pid);
	mmap_write_lock(mm);
	task_mem(sb, mm);
	mmap_write_unlock(mm);
	sb_printf(sb, "CoreDumping:\t0\nTHP_enabled:\t%d\n", M->prof->thp ? 1 : 0);
	pthread_mutex_lock(&t->siglock);
	u64 pending = t->pending.signal;
	int queued = t->nr_queued;
	pthread_mutex_unlock(&t->siglock);
	sb_printf(sb, "Threads:\t1\nSigQ:\t%d/%lu\nSigPnd:\t%016llx\nShdPnd:\t%016llx\nSigBlk:\t%016llx\n"
		      "SigIgn:\t%016llx\nSigCgt:\t%016llx\n",
		  queued, t->rlim[RLIMIT_SIGPENDING], (unsigned long long)pending, 0ULL, 0ULL, 0ULL, 0ULL);
	unsigned long long caps = t->uid ? 0 : (1ULL << 41) - 1;
	sb_printf(sb, "CapInh:\t%016llx\nCapPrm:\t%016llx\nCapEff:\t%016llx\nCapBnd:\t%016llx\nCapAmb:\t%016llx\n",
		  0ULL, caps, caps, (1ULL << 41) - 1, 0ULL);
	sb_printf(sb, "NoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n"
		      "Speculation_Store_Bypass:\tnot vulnerable\nSpeculationIndirectBranch:\talways enabled\n");
	u64 cpus = M->nr_cpus >= 64 ? ~0ULL : (1ULL << M->nr_cpus) - 1;
	sb_printf(sb, "Cpus_allowed:\t");
	sb_bitmap(sb, cpus, (unsigned int)M->nr_cpus);
	sb_printf(sb, "\nCpus_allowed_list:\t");
	sb_bitmap_list(sb, (unsigned int)M->nr_cpus);
	/* Mems_allowed has MAX_NUMNODES bits: 1 << CONFIG_NODES_SHIFT (10 on Debian's x86_64, no NUMA on i386) */
	sb_printf(sb, "\nMems_allowed:\t");
	sb_bitmap(sb, (1ULL << M->nr_nodes) - 1, M->prof->bits == 64 ? 1024u : 1u);
	sb_printf(sb, "\nMems_allowed_list:\t");
	sb_bitmap_list(sb, (unsigned int)M->nr_nodes);
	sb_printf(sb, "\nvoluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
}
