/*
 * cpu.c - simulated CPUs.
 *
 * A simulated CPU is a host thread that has entered the machine with
 * kmm_cpu_enter(cpu): from then on the thread runs "on" that CPU, and the
 * CPU's per-CPU data (the pcp lists of every zone, its vm event counters,
 * later its slab and kmap_atomic slots) belong to it alone, so their fast
 * paths take no lock and no atomic instruction.  cpus[cpu].lock is held for
 * as long as a thread is on the CPU; another CPU that needs this CPU's pcp
 * lists back (drain_all_pages) takes the lock if the CPU is idle, or else
 * leaves a request (drain_pending) that the owner honours at its next
 * allocator call or when it leaves.  A thread on no CPU may still call the
 * allocator: it goes straight to the buddy lists under zone->lock, as Linux
 * does when the pcp lock cannot be taken.
 *
 * The thread that boots the machine runs on CPU 0 until kmm_shutdown().
 * A host process whose own threads allocate (the preload, preload/) has
 * each call take an idle CPU (kmm_cpu_try_enter) and leave it as a task
 * scheduled out (kmm_cpu_switch_out: the per-CPU lists stay), and holds
 * every CPU across a fork(2) (kmm_cpus_lock_all) so that no thread is
 * inside the machine when the child is made.
 */
#include "internal.h"

__thread int kmm_this_cpu = -1;

void cpus_init(void)
{
	for (int c = 0; c < KMM_MAX_CPUS; c++)
		pthread_mutex_init(&M->cpus[c].lock, NULL);
	pthread_mutex_init(&M->timer_lock, NULL);
	pthread_mutex_lock(&M->cpus[0].lock);
	kmm_this_cpu = 0;
}

void cpus_exit(void)
{
	if (kmm_this_cpu >= 0)
		pthread_mutex_unlock(&M->cpus[kmm_this_cpu].lock);
	kmm_this_cpu = -1;
	for (int c = 0; c < KMM_MAX_CPUS; c++)
		pthread_mutex_destroy(&M->cpus[c].lock);
	pthread_mutex_destroy(&M->timer_lock);
}

int kmm_cpu_enter(int cpu)
{
	if (!M)
		return -ENODEV;
	if (cpu < 0 || cpu >= M->nr_cpus)
		return -EINVAL;
	if (kmm_this_cpu >= 0)
		return -EBUSY; /* leave the current CPU first */
	pthread_mutex_lock(&M->cpus[cpu].lock);
	kmm_this_cpu = cpu;
	return 0;
}

/*
 * Leave the thread's CPU: giving its per-CPU pages back (kmm_cpu_exit), or
 * keeping them there as a task scheduled out does (kmm_cpu_switch_out),
 * honouring only a drain another CPU asked for.
 */
static void cpu_leave(bool keep_pages)
{
	int cpu = kmm_this_cpu;
	if (cpu < 0 || !M)
		return;
	if (!keep_pages)
		drain_local_pages(NULL);
	else if (__builtin_expect(__atomic_load_n(&M->cpus[cpu].drain_pending, __ATOMIC_RELAXED), 0) &&
		 __atomic_exchange_n(&M->cpus[cpu].drain_pending, 0, __ATOMIC_RELAXED)) /* a locked xchg only when asked */
		drain_local_pages(NULL);
	kmm_this_cpu = -1;
	pthread_mutex_unlock(&M->cpus[cpu].lock);
}

void kmm_cpu_exit(void)
{
	cpu_leave(false);
}

/*
 * For a host process whose threads are the machine's tasks (the preload,
 * preload/): take CPU cpu only if it is idle (0, or -EBUSY), and leave
 * it as a task that is scheduled out does - its per-CPU pages and slabs stay
 * where they are, for whoever runs there next.  A drain another CPU asked
 * for is honoured first, as kmm_cpu_exit() does.
 */
int kmm_cpu_try_enter(int cpu)
{
	if (!M || cpu < 0 || cpu >= M->nr_cpus)
		return -EINVAL;
	if (kmm_this_cpu >= 0)
		return -EBUSY;
	if (pthread_mutex_trylock(&M->cpus[cpu].lock))
		return -EBUSY;
	kmm_this_cpu = cpu;
	return 0;
}

void kmm_cpu_switch_out(void)
{
	cpu_leave(true);
}

/* fork(2) of the host process: no thread may be inside the machine meanwhile (preload/). */
void kmm_cpus_lock_all(void)
{
	for (int c = 0; c < M->nr_cpus; c++)
		pthread_mutex_lock(&M->cpus[c].lock);
}

void kmm_cpus_unlock_all(void)
{
	for (int c = 0; c < M->nr_cpus; c++)
		pthread_mutex_unlock(&M->cpus[c].lock);
}

int kmm_cpu_current(void)
{
	return kmm_this_cpu;
}

/*
 * Run fn on every CPU's per-CPU data, as Linux's on_each_cpu(): ours at
 * once, an idle CPU's by holding it for the moment, and for a CPU that is
 * busy in another thread, ask(cpu) leaves it a request to do it itself.
 */
void kmm_on_each_cpu(void (*fn)(int cpu, void *arg), void (*ask)(int cpu, void *arg), void *arg)
{
	int self = kmm_this_cpu;
	for (int cpu = 0; cpu < M->nr_cpus; cpu++) {
		if (cpu == self) {
			fn(cpu, arg);
		} else if (!pthread_mutex_trylock(&M->cpus[cpu].lock)) {
			fn(cpu, arg);
			pthread_mutex_unlock(&M->cpus[cpu].lock);
		} else {
			ask(cpu, arg);
		}
	}
}

unsigned long sum_vm_event(enum vm_event_item item)
{
	unsigned long sum = __atomic_load_n(&M->orphan_events[item], __ATOMIC_RELAXED);
	for (int c = 0; c < M->nr_cpus; c++)
		sum += __atomic_load_n(&M->cpus[c].events[item], __ATOMIC_RELAXED); /* its owner may be counting */
	return sum;
}
