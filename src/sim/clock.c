/*
 * clock.c - the simulated clock, what the machine's work costs on it, and
 * the work that runs on it.
 *
 * kmm's time moves in three ways:
 *
 *   kmm_clock_advance(ns)   time passing with the CPUs idle (the scenario
 *                           language's `sleep` and `step`)
 *   sim_charge(cost, n)     the work a CPU does for a task or for kswapd:
 *                           each kind of work costs a fixed time on the
 *                           simulated machine (cost_ns below: a modest x86
 *                           core, figures of the order Linux's own fault
 *                           and reclaim microbenchmarks give)
 *   sim_io_wait(ns)         a task sleeping on the disk (a swap read):
 *                           time passes, and the CPU is free meanwhile
 *
 * Only the work of user-visible activity is charged - page faults, the
 * page zeroing and copying they do, reclaim's scanning, unmapping and
 * writing out, swap reads - not the kernel API calls a C program makes, so
 * a run that never faults keeps the clock where its sleeps put it.  Each
 * CPU adds its own work to its own counters (kmm_cpu.work_ns, no atomic
 * instruction on the fault path), and the clock is their sum with the
 * idle time: several CPUs working at once move it as if they had taken
 * turns.
 *
 * Scheduling: kswapd (mm/vmscan.c) is a thread of the machine, and it runs
 * when the scheduler would let it.  kmm models CFS between the tasks and a
 * woken kswapd: kswapd is entitled to as much CPU time as the tasks have
 * used (an equal share, as CFS gives two runnable tasks on one CPU; a
 * kswapd on another, idle, CPU gets the same: the wall time the tasks
 * took), plus all the time the tasks spent waiting on the disk.  A woken
 * kswapd starts with half a scheduling latency of credit after a long
 * sleep, at most that after its nap (GENTLE_FAIR_SLEEPERS' place_entity),
 * and preempts a task once it is owed more than the wakeup granularity.
 * It runs at the scheduling points - sched_point(), where Linux would
 * return to user space, with no lock held: between the pages of a user
 * access, after a host-trap fault, after a scenario command, when the
 * clock is advanced; and cond_resched() inside direct reclaim's batches
 * and the allocator's retries - in the thread that reached the point,
 * until it has used its share or goes to sleep.  kswapd's own work is charged to the CPU it ran
 * on, except what fits in the time the task was waiting for the disk.
 *
 * The host layer never calls mm/ by name: the kernel registers its
 * handlers of the machine's events at boot (struct sim_vectors,
 * mm_vectors_init), and the clock raises them - the timers whose moment
 * has passed (the flusher's, every vm.dirty_writeback_centisecs), the
 * devices' interrupts (swap writes completing), the scheduler's turn for
 * kernel threads (kswapd: woken, its HZ/10 nap over, or owed the CPU).
 *
 * Linux runs more on time (vmstat_update folding per-CPU counters, which
 * kmm keeps exact; khugepaged's sleeps; the lazy vmap purge on a
 * workqueue); those come with the subsystems that need them.
 */
#include "internal.h"

/* What each kind of work takes on the simulated machine (ns per unit). */
static const u32 cost_ns[NR_SIM_COSTS] = {
	[COST_FAULT] = 700,        /* exception, handle_mm_fault's walk, the PTE, the return to user */
	[COST_CLEAR_PAGE] = 300,   /* clear_page: 4 KiB at about 14 GB/s */
	[COST_COPY_PAGE] = 400,    /* copy_page for a COW break or a swap read's copy */
	[COST_LRU_SCAN] = 150,     /* one page isolated off an LRU list, looked at and put back */
	[COST_RMAP_ONE] = 250,     /* one mapping of a page found and its PTE's young bit tested */
	[COST_UNMAP_ONE] = 400,    /* one PTE cleared and its TLB entry flushed */
	[COST_SWAP_ALLOC] = 500,   /* a swap slot taken and the page put in the swap cache */
	[COST_PAGEOUT] = 1500,     /* a page's write: the bio built, the driver told, the end_io */
	[COST_FREE_MAPPING] = 200, /* a page out of the page or swap cache and freed */
};

/* CFS's figures for one CPU (sysctl_sched_latency 6 ms, wakeup granularity 1 ms) */
#define SCHED_LATENCY_NS 6000000LL
#define WAKEUP_GRANULARITY_NS 1000000LL

static __thread struct sched_entity_kswapd *running_kswapd; /* the kswapd this thread runs now */

static inline struct kmm_cpu *this_sim_cpu(void)
{
	int cpu = smp_processor_id();
	return cpu >= 0 ? &M->cpus[cpu] : NULL;
}

/* The CPU's counters are written by its owner only; others read them (relaxed, no lock). */
static inline void cpu_add(u64 *counter, u64 ns)
{
	__atomic_store_n(counter, __atomic_load_n(counter, __ATOMIC_RELAXED) + ns, __ATOMIC_RELAXED);
}

static void work_add(u64 ns, bool task)
{
	struct kmm_cpu *c = this_sim_cpu();
	if (!c) { /* a thread on no CPU */
		__atomic_add_fetch(&M->orphan_work_ns, ns, __ATOMIC_RELAXED);
		if (task)
			__atomic_add_fetch(&M->orphan_task_ns, ns, __ATOMIC_RELAXED);
		return;
	}
	cpu_add(&c->work_ns, ns);
	if (task)
		cpu_add(&c->task_ns, ns);
}

void sim_charge(enum sim_cost cost, unsigned long n)
{
	if (!M || (unsigned)cost >= NR_SIM_COSTS)
		return;
	u64 ns = (u64)cost_ns[cost] * n;
	struct sched_entity_kswapd *k = running_kswapd;
	if (!k) {
		work_add(ns, true);
		return;
	}
	/* kswapd's work: first into the time its task was waiting on the disk (used_ns: others read it) */
	__atomic_store_n(&k->used_ns, __atomic_load_n(&k->used_ns, __ATOMIC_RELAXED) + ns, __ATOMIC_RELAXED);
	u64 idle = min(k->idle_ns, ns);
	k->idle_ns -= idle;
	if (ns > idle)
		work_add(ns - idle, false);
}

void sim_io_wait(u64 ns)
{
	if (!M || !ns)
		return;
	/* the task's time, as far as kswapd's share goes; the CPU was free for it */
	work_add(ns, true);
	struct kmm_cpu *c = this_sim_cpu();
	if (c)
		cpu_add(&c->io_wait_ns, ns);
	else
		__atomic_add_fetch(&M->orphan_io_wait_ns, ns, __ATOMIC_RELAXED);
}

/* Σ over the CPUs of one counter, read without their owners' help */
static u64 sum_cpus(size_t offset, const u64 *orphan)
{
	u64 n = __atomic_load_n(orphan, __ATOMIC_RELAXED);
	for (int c = 0; c < M->nr_cpus; c++)
		n += __atomic_load_n((const u64 *)((const char *)&M->cpus[c] + offset), __ATOMIC_RELAXED);
	return n;
}

u64 kmm_clock_ns(void)
{
	if (!M)
		return 0;
	return __atomic_load_n(&M->clock_ns, __ATOMIC_RELAXED) +
	       sum_cpus(offsetof(struct kmm_cpu, work_ns), &M->orphan_work_ns);
}

/* The time tasks have had the CPUs (or waited on the disk) since boot: what kswapd's share follows. */
u64 sched_task_time(void)
{
	return sum_cpus(offsetof(struct kmm_cpu, task_ns), &M->orphan_task_ns) +
	       __atomic_load_n(&M->idle_ns, __ATOMIC_RELAXED);
}

/* The time this CPU's tasks spent waiting on the disk, taken: kswapd may run in it. */
u64 sched_take_io_wait(void)
{
	struct kmm_cpu *c = this_sim_cpu();
	u64 *w = c ? &c->io_wait_ns : &M->orphan_io_wait_ns;
	return __atomic_exchange_n(w, 0, __ATOMIC_RELAXED);
}

/*
 * A woken kswapd's place (place_entity: max(its vruntime, min_vruntime -
 * half a latency)): after a short sleep, what it is owed now, capped at
 * half a scheduling latency; after a long one, exactly that - on a running
 * machine the others have moved on by more than that meanwhile (and a
 * machine driven only through the C API, whose work costs no time, still
 * lets a woken kswapd run).
 */
void sched_wake_entity(struct sched_entity_kswapd *k, bool long_sleep)
{
	u64 now = sched_task_time(), used = __atomic_load_n(&k->used_ns, __ATOMIC_RELAXED);
	s64 owed = (s64)(now - __atomic_load_n(&k->base_ns, __ATOMIC_RELAXED)) - (s64)used;
	if (long_sleep || owed > SCHED_LATENCY_NS / 2)
		__atomic_store_n(&k->base_ns, now - (u64)(SCHED_LATENCY_NS / 2) - used, __ATOMIC_RELAXED);
}

/* What kswapd is owed now: positive, it should run (read by any thread; written by the one running it) */
s64 sched_entity_owed(const struct sched_entity_kswapd *k)
{
	return (s64)(sched_task_time() - __atomic_load_n(&k->base_ns, __ATOMIC_RELAXED)) -
	       (s64)__atomic_load_n(&k->used_ns, __ATOMIC_RELAXED);
}

bool sched_entity_preempts(const struct sched_entity_kswapd *k)
{
	return sched_entity_owed(k) > WAKEUP_GRANULARITY_NS;
}

void sched_enter_kswapd(struct sched_entity_kswapd *k)
{
	running_kswapd = k;
	k->idle_ns += sched_take_io_wait();
}

void sched_leave_kswapd(struct sched_entity_kswapd *k)
{
	/* the disk time kswapd did not use stays the task's (already on the clock) */
	k->idle_ns = 0;
	running_kswapd = NULL;
}

bool current_is_kswapd(void)
{
	return running_kswapd != NULL;
}

void sim_register_vectors(const struct sim_vectors *v)
{
	M->vectors = v;
}

/* The timers whose moment has passed, one thread at a time (the timer softirq). */
static void run_timers(u64 now)
{
	const struct sim_vectors *v = M->vectors;
	if (!v || v->next_timer() > now || pthread_mutex_trylock(&M->timer_lock))
		return;
	v->timer(now);
	pthread_mutex_unlock(&M->timer_lock);
}

bool sched_kthread_wants_cpu(void)
{
	return M && M->vectors && !running_kswapd && M->vectors->kthread_wants_cpu();
}

/*
 * cond_resched() inside long kernel work (direct reclaim's batches): kswapd
 * may take its turn here, inside the task's work, as a real one preempts a
 * task in direct reclaim.  The caller may hold its own locks (a fault's
 * mmap_lock, a page cache lock): kswapd then does only what reclaim from
 * this point could do anyway - the same trylocks - and the timers wait for
 * a scheduling point.
 */
void cond_resched(void)
{
	if (!M || !M->vectors || running_kswapd)
		return;
	M->vectors->irq();
	if (M->vectors->kthread_wants_cpu())
		M->vectors->kthread_run();
}

void sched_point(void)
{
	if (!M || !M->vectors || running_kswapd)
		return;
	run_timers(kmm_clock_ns());
	M->vectors->irq(); /* the devices' interrupts */
	M->vectors->kthread_run();
	sched_take_io_wait(); /* the disk time no kernel thread used is gone */
}

void kmm_clock_advance(u64 ns)
{
	if (!M)
		return;
	deferred_init_wait();
	u64 now = kmm_clock_ns();
	u64 target = now + ns < now ? ~0ULL : now + ns; /* the end of time, rather than the beginning */
	/* the timers run at their moments on the way */
	for (u64 at; M->vectors && (at = M->vectors->next_timer()) <= target;) {
		at = max(kmm_clock_ns(), at);
		__atomic_add_fetch(&M->clock_ns, at - kmm_clock_ns(), __ATOMIC_RELAXED);
		run_timers(at);
		if (M->vectors->next_timer() <= at)
			break; /* a timer that did not re-arm past now: on at the next step */
	}
	u64 t = kmm_clock_ns();
	if (target > t) {
		/* idle time: kswapd may use all of it, without moving the clock further */
		__atomic_add_fetch(&M->idle_ns, target - t, __ATOMIC_RELAXED);
		struct kmm_cpu *c = this_sim_cpu();
		cpu_add(c ? &c->io_wait_ns : &M->orphan_io_wait_ns, target - t);
		__atomic_add_fetch(&M->clock_ns, target - t, __ATOMIC_RELAXED);
	}
	sched_point(); /* a kernel thread may use all of the idle time */
}
