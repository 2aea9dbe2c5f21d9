/*
 * signal.c - the signals the kernel sends a task, queued as Linux 6.1's
 * kernel/signal.c queues them.
 *
 * A task's pending signals are a mask (bit sig - 1) and a list of
 * sigqueues, one per queued instance, each with its siginfo:
 *
 *   task->pending.signal  ..0100 0100 0000..   (SIGSEGV, SIGBUS pending)
 *   task->pending.list    [SIGBUS, BUS_ADRERR, addr] -> [SIGSEGV, SEGV_MAPERR, addr]
 *
 * A standard signal (below SIGRTMIN) is pending at most once: sending it
 * again while it waits changes nothing (legacy_queue), so the first
 * siginfo is the one delivered.  A real-time signal queues every time,
 * up to RLIMIT_SIGPENDING instances.  If no sigqueue can be had the
 * signal is still marked pending and its siginfo is lost: dequeuing it
 * then gives SI_USER with no address, as collect_signal does.
 *
 * dequeue_signal takes the next signal not blocked: the synchronous ones
 * (SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGSYS) first, as next_signal
 * does, then the lowest number; the mask bit stays while another instance
 * of the same signal is queued.
 *
 * Who sends: the fault handler (mm/memory.c) through
 * force_sig_fault_to_task, for a fault the task may not take (SIGSEGV) or
 * a page beyond a file's end (SIGBUS).  kmm runs no user code, so nothing
 * is delivered: the signals wait until the caller dequeues them or the
 * task exits (flush_sigqueue).  Not modelled: handlers, blocking masks
 * kept by the task, shared (process-wide) pending sets, signalfd.
 *
 * SIGKILL is fatal: once it is pending (the OOM killer sends it, mm/oom_kill.c)
 * nothing more is done for the task.  Every call made on its behalf
 * checks task_killed() first, which answers -EINTR - the way Linux's
 * killed task leaves its system call and dies on the way back to user
 * space - after taking the task's private memory if the OOM reaper has
 * not (what its exit_mmap would free first).  Its page tables, VMAs, files
 * and kernel objects go at task_exit: another thread may still be in a
 * call for the same task, and kmm's calls hold no reference to the mm
 * (Linux's threads each hold theirs until they exit).  A task
 * that is being worked for by a thread is that thread's `current` (the
 * fault handler, mm_access and the host trap set it): the OOM report names
 * it, and the allocator lets a current that is an OOM victim dig into the
 * reserves (ALLOC_OOM) so that it can die quickly.
 *
 * Locking: t->siglock (sighand->siglock) guards pending and nr_queued; it
 * is a leaf lock, taken inside mmap_lock by the fault handler.  The
 * sigqueues are host memory (Linux's come from the sigqueue slab cache).
 */
#include "internal.h"

#include <kmm/task.h>
#include <signal.h>

#define sig_bit(sig) (1ULL << ((sig) - 1))

/* The task this thread works for, NULL if none (the kernel's own work). */
static __thread struct task_struct *current_task;

struct task_struct *get_current(void)
{
	return current_task;
}

/* This thread works for t from now on; the task it worked for before, to give back to set_current. */
struct task_struct *set_current(struct task_struct *t)
{
	struct task_struct *prev = current_task;
	current_task = t;
	return prev;
}

bool fatal_signal_pending(struct task_struct *t)
{
	return t && (__atomic_load_n(&t->pending.signal, __ATOMIC_RELAXED) & sig_bit(SIGKILL));
}

/*
 * A call made for t: -EINTR if SIGKILL killed it, else 0 and the call goes
 * on.  A victim's private memory goes now if the reaper has not taken it
 * (oom_reap_self: the victim was the killer's own task, or no kill but a
 * plain SIGKILL); the rest waits for task_exit, which another thread's
 * call for the same task may still be using.
 */
int task_killed(struct task_struct *t)
{
	if (!fatal_signal_pending(t))
		return 0;
	oom_reap_self(t);
	return -EINTR;
}
#define SYNCHRONOUS_MASK (sig_bit(SIGSEGV) | sig_bit(SIGBUS) | sig_bit(SIGILL) | sig_bit(SIGTRAP) | \
			  sig_bit(SIGFPE) | sig_bit(SIGSYS))

void init_sigpending(struct task_struct *t)
{
	INIT_LIST_HEAD(&t->pending.list);
	t->pending.signal = 0;
	t->nr_queued = 0;
	pthread_mutex_init(&t->siglock, NULL);
}

/* The task is gone: what it never dequeued goes with it. */
void flush_sigqueue(struct task_struct *t)
{
	pthread_mutex_lock(&t->siglock);
	while (!list_empty(&t->pending.list)) {
		struct sigqueue *q = list_entry(t->pending.list.next, struct sigqueue, list);
		list_del(&q->list);
		free(q);
	}
	__atomic_store_n(&t->pending.signal, 0, __ATOMIC_RELAXED);
	t->nr_queued = 0;
	pthread_mutex_unlock(&t->siglock);
}

/* __send_signal_locked: queue sig with info for t (siglock held); 0, or -EAGAIN past RLIMIT_SIGPENDING. */
static int __send_signal(int sig, const kernel_siginfo_t *info, struct task_struct *t)
{
	struct sigpending *p = &t->pending;
	if (sig < KMM_SIGRTMIN && (p->signal & sig_bit(sig)))
		return 0; /* legacy_queue: one instance of a standard signal */
	bool from_kernel = info->si_code > 0 || info->si_code == SI_KERNEL; /* SI_FROMKERNEL */
	struct sigqueue *q = NULL;
	if ((unsigned long)t->nr_queued < t->rlim[RLIMIT_SIGPENDING] || from_kernel) /* override_rlimit for the kernel's */
		q = malloc(sizeof(*q));
	if (q) {
		q->info = *info;
		list_add_tail(&q->list, &p->list);
		t->nr_queued++;
	} else if (sig >= KMM_SIGRTMIN && info->si_code != SI_USER) {
		return -EAGAIN; /* queue overflow: a real-time signal is not sent without its siginfo */
	}
	__atomic_or_fetch(&p->signal, sig_bit(sig), __ATOMIC_RELAXED); /* else a silent loss of the siginfo, as Linux's */
	return 0;
}

int send_sig_info(int sig, const kernel_siginfo_t *info, struct task_struct *t)
{
	if (!t || sig < 1 || sig > KMM_NSIG)
		return -EINVAL;
	kernel_siginfo_t k = { .si_signo = sig, .si_code = SI_KERNEL };
	if (info) {
		k = *info;
		k.si_signo = sig;
	}
	pthread_mutex_lock(&t->siglock);
	int ret = __send_signal(sig, &k, t);
	pthread_mutex_unlock(&t->siglock);
	return ret;
}

/* force_sig_fault_to_task: the fault handler's SIGSEGV / SIGBUS, with the faulting address. */
int force_sig_fault_to_task(int sig, int code, unsigned long addr, struct task_struct *t)
{
	kernel_siginfo_t info = { .si_signo = sig, .si_code = code, .si_addr = addr };
	return send_sig_info(sig, &info, t);
}

u64 task_sigpending(struct task_struct *t)
{
	if (!t)
		return 0;
	pthread_mutex_lock(&t->siglock);
	u64 s = t->pending.signal;
	pthread_mutex_unlock(&t->siglock);
	return s;
}

/* next_signal: the synchronous signals first, then the lowest; 0 if none.  SIGKILL stays: it is fatal, never handled. */
static int next_signal(u64 pending, u64 blocked)
{
	u64 x = pending & ~blocked & ~sig_bit(SIGKILL);
	if (x & SYNCHRONOUS_MASK)
		x &= SYNCHRONOUS_MASK;
	return x ? __builtin_ctzll(x) + 1 : 0;
}

int dequeue_signal(struct task_struct *t, u64 blocked, kernel_siginfo_t *info)
{
	if (!t || !info)
		return -EINVAL;
	pthread_mutex_lock(&t->siglock);
	struct sigpending *p = &t->pending;
	int sig = next_signal(p->signal, blocked);
	if (sig) {
		/* collect_signal: the first sigqueue of sig; the bit stays if another follows */
		struct sigqueue *first = NULL;
		bool more = false;
		struct list_head *pos;
		list_for_each(pos, &p->list) {
			struct sigqueue *q = list_entry(pos, struct sigqueue, list);
			if (q->info.si_signo != sig)
				continue;
			if (first) {
				more = true;
				break;
			}
			first = q;
		}
		if (!more)
			__atomic_and_fetch(&p->signal, ~sig_bit(sig), __ATOMIC_RELAXED);
		if (first) {
			list_del(&first->list);
			*info = first->info;
			free(first);
			t->nr_queued--;
		} else { /* it lost its siginfo on the way in */
			*info = (kernel_siginfo_t){ .si_signo = sig, .si_code = SI_USER };
		}
	}
	pthread_mutex_unlock(&t->siglock);
	return sig;
}
