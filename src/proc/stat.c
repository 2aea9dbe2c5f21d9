/*
 * stat.c - the machine's CPUs and time as procps reads them: /proc/stat
 * (fs/proc/stat.c), /proc/uptime (fs/proc/uptime.c), /proc/loadavg
 * (fs/proc/loadavg.c) and /proc/cpuinfo (arch/x86/kernel/cpu/proc.c), in
 * Linux 6.1's formats.
 *
 * Time is the simulated clock (kmm_clock_ns(), 0 at boot), counted in USER_HZ
 * ticks.  The clock moves only while nothing runs (kmm_clock_advance: a
 * scenario's sleep), and the work of the simulated CPUs takes no simulated
 * time, so every CPU has been idle for all of it: each cpuN line is idle
 * time only, the "cpu" line their sum, and /proc/uptime's second figure
 * nr_cpus times the first.  The other times (user, nice, system, iowait,
 * irq, softirq, steal, guest) are 0, as Linux prints time nothing was
 * charged to.
 *
 * What kmm has no notion of is printed as Linux prints it in its absence:
 * no interrupt lines (intr 0 and no per-IRQ counts), no context switches
 * (ctxt 0), no softirqs (10 zeros, one per softirq type), no task blocked
 * on I/O (disk reads take no time), no real-time clock: the machine's
 * wall clock starts at the epoch, as a Linux machine's without an RTC
 * does, so btime is 0 - which also keeps the output the same from run to
 * run.  The load averages are 0.00: Linux samples runnable tasks every 5 s
 * of time something runs in, and in kmm nothing ever does.
 *
 * processes is every task made since boot (Linux's total_forks: each took
 * the next pid); procs_running the simulated CPUs a host thread is on (a
 * CPU is busy only while someone runs on it, as the reading task itself
 * counts on Linux); the last pid of loadavg is the last pid given out.
 * cpuinfo prints what kmm models of a CPU: its number.
 */
#include "internal.h"

#include <kmm/task.h>

#define NR_SOFTIRQS 10 /* HI TIMER NET_TX NET_RX BLOCK IRQ_POLL TASKLET SCHED HRTIMER RCU */

static unsigned long long nsec_to_clock_t(u64 ns)
{
	return ns / (1000000000ULL / USER_HZ);
}

/* The simulated CPUs a thread is on now: ours, and any other whose lock is held. */
static int nr_running(void)
{
	int n = 0;
	for (int c = 0; c < M->nr_cpus; c++) {
		if (c == kmm_this_cpu) {
			n++;
		} else if (pthread_mutex_trylock(&M->cpus[c].lock)) {
			n++;
		} else {
			pthread_mutex_unlock(&M->cpus[c].lock);
		}
	}
	return n;
}

static void count_task(struct task_struct *t, void *arg)
{
	(*(int *)arg)++;
}

static int nr_threads(void)
{
	int n = 0;
	for_each_task(count_task, &n);
	return n;
}

/* user nice system idle iowait irq softirq steal guest guest_nice */
static void show_cpu_times(struct strbuf *sb, const char *name, u64 idle_ns)
{
	sb_printf(sb, "%s %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu\n", name, 0ULL, 0ULL, 0ULL,
		  nsec_to_clock_t(idle_ns), 0ULL, 0ULL, 0ULL, 0ULL, 0ULL, 0ULL);
}

void show_stat(struct strbuf *sb)
{
	u64 now = kmm_clock_ns();
	show_cpu_times(sb, "cpu ", now * (u64)M->nr_cpus); /* "cpu  ": Linux's two spaces */
	for (int c = 0; c < M->nr_cpus; c++) {
		char name[16];
		snprintf(name, sizeof(name), "cpu%d", c);
		show_cpu_times(sb, name, now);
	}
	sb_printf(sb, "intr %llu\n", 0ULL);
	sb_printf(sb, "ctxt %llu\nbtime %llu\nprocesses %lu\nprocs_running %u\nprocs_blocked %u\n", 0ULL, 0ULL,
		  (unsigned long)last_pid_given(), (unsigned)nr_running(), 0u);
	sb_printf(sb, "softirq %llu", 0ULL);
	for (int i = 0; i < NR_SOFTIRQS; i++)
		sb_printf(sb, " %u", 0u);
	sb_printf(sb, "\n");
}

void show_uptime(struct strbuf *sb)
{
	unsigned long long now = kmm_clock_ns(), idle = now * (unsigned long long)M->nr_cpus;
	const unsigned long long ns = 1000000000ULL;
	sb_printf(sb, "%llu.%02llu %llu.%02llu\n", now / ns, now % ns / (ns / 100), idle / ns, idle % ns / (ns / 100));
}

void show_loadavg(struct strbuf *sb)
{
	sb_printf(sb, "0.00 0.00 0.00 %d/%d %d\n", nr_running(), nr_threads(), last_pid_given());
}

void show_cpuinfo(struct strbuf *sb)
{
	for (int c = 0; c < M->nr_cpus; c++)
		sb_printf(sb, "processor\t: %d\n\n", c);
}
