/*
 * oom_kill.c - the out-of-memory killer, as Linux 6.1's mm/oom_kill.c: when
 * reclaim and compaction could free nothing more, the page allocator
 * (__alloc_pages_may_oom, mm/page_alloc.c) calls out_of_memory(), which
 * chooses the task whose death frees the most, kills it with SIGKILL and
 * reaps its anonymous memory at once.
 *
 * Vocabulary.
 *   badness      oom_badness(): the task's resident pages (file, anon and
 *                shmem: get_mm_rss), swap entries and page-table pages, plus
 *                oom_score_adj * totalpages / 1000.  totalpages is RAM +
 *                swap (totalram_pages + total_swap_pages; the nodes of the
 *                allowed set under a memory policy).  LONG_MIN: never chosen
 *                (pid 1, oom_score_adj -1000, an mm already reaped).
 *   oom_score    /proc/PID/oom_score (proc/base.c) shows badness scaled to
 *                0..2000, times 2/3, as Linux has always exported it.
 *   victim       the chosen task: SIGKILL pending (kernel/signal.c), marked
 *                (task->oom_victim, MMF_OOM_VICTIM on its mm), counted (the
 *                oom_kill event of /proc/vmstat).
 *   reaping      __oom_reap_task_mm: the victim's private memory is unmapped
 *                (unmap_page_range over every VMA that is anonymous or not
 *                shared; the tables stay until exit, as Linux's reaper leaves
 *                them): its anonymous pages and swap slots come back before
 *                the victim itself runs; then MMF_OOM_SKIP, so the next OOM
 *                looks past this mm.
 *
 * The flow, in 6.1's order:
 *
 *   __alloc_pages_may_oom --oom_lock--> out_of_memory
 *     current already killed?  -> it may use the reserves (ALLOC_OOM), true
 *     no __GFP_FS              -> true, nothing killed (the caller retries)
 *     constrained_alloc        -> CONSTRAINT_NONE or _MEMORY_POLICY, totalpages
 *     check_panic_on_oom       -> vm.panic_on_oom: the report, then panic
 *     vm.oom_kill_allocating_task -> current is the victim
 *     select_bad_process       -> the task list in order: a live victim aborts
 *                                 the scan (wait for it), else highest badness
 *     oom_kill_process -> dump_header (rate-limited: invoked-oom-killer line,
 *                         the stack, Mem-Info, the task table if
 *                         vm.oom_dump_tasks, the oom-kill: summary)
 *                      -> __oom_kill_process: SIGKILL, mark, "Killed process"
 *                         line, SIGKILL to every other task sharing the mm
 *                      -> the reaper (below)
 *
 * What kmm does differently, and why.  kmm's tasks run no code of their own:
 * a task acts only while a thread works for it (get_current(): the fault
 * handler, mm_access, the host trap).  So the reaper, Linux's kernel thread
 * that waits OOM_REAPER_DELAY for the victim to exit by itself, runs
 * synchronously in the killer: a victim that no thread works for would never
 * exit by itself.  A victim that is the killer's own current (the allocating
 * task chose itself) is not reaped: its fault holds its mmap_lock, and it
 * gives its private memory back on the way back from the call
 * (task_killed: oom_reap_self) and sets MMF_OOM_SKIP, as its exit_mmap
 * would.  A killed task's page tables, VMAs, files and kernel objects go
 * at task_exit (kmm's zombie), and the task table leaves it out once its
 * memory is gone, as 6.1's leaves out a victim that has exited.  The reaper takes the victim's mmap_lock
 * with trylock, MAX_OOM_REAP_RETRIES times with a short host sleep between
 * (another CPU's fault on the victim's memory holds it briefly), and says
 * "unable to reap" as Linux does if it never gets it.  The killer holds
 * the victim's mm as 6.1's holds it with mmgrab, and lets it go with
 * mmput_async: a victim that exits on another CPU meanwhile leaves the
 * killer the last reference, and exit_mmap must not run under oom_lock
 * (its fput takes filemap_lock, under which page cache faults allocate
 * and so wait for oom_lock).  When no task can be
 * killed 6.1 panics ("System is deadlocked on memory"); kmm reports "Out of
 * memory and no killable processes..." and lets the allocation fail, so a
 * scenario without tasks that exhausts memory goes on.  Kernel threads are
 * not tasks in kmm (kswapd is stepped, not scheduled), so the only
 * unkillable task is init (pid 1).  A panic (vm.panic_on_oom) prints the
 * report and "Kernel panic - not syncing: ..." and stops the process, as
 * kmm's other panics do.
 *
 * A memory cgroup's OOM (mm/memcontrol.c: a charge over memory.max that
 * reclaim within the group could not help) comes in through
 * out_of_memory_memcg: CONSTRAINT_MEMCG, the victim chosen among the
 * group's tasks with badness against the group's limit plus swap, the
 * group's "memory: usage ..." lines and memory.stat in place of Mem-Info,
 * only its tasks in the table, "oom_memcg=/GROUP" in the summary, and
 * "Memory cgroup out of memory: Killed process ..."; memory.oom.group
 * takes every task of the group with the victim.  The oom_kill event
 * counts in the victim's group either way.  Not done: cpusets, the oom
 * notifier chain, sysrq-f, oom_score_adj_min.
 *
 * Locking: oom_lock serialises the killers (mutex_trylock, as 6.1: a loser
 * counts as progress and retries).  The scan walks the task list under
 * tasks_lock (for_each_task); an mm's page-table pages are counted under its
 * mmap_lock taken with trylock (the allocating thread may hold its own or
 * another's), else the last count stands.  Nothing here allocates simulated
 * memory.
 */
#include "internal.h"

#include <kmm/swap.h>
#include <kmm/task.h>
#include <kmm/vmstat.h>

#include <limits.h>
#include <time.h>

#define K(x) ((unsigned long)(x) << (PAGE_SHIFT - 10))
#define MAX_OOM_REAP_RETRIES 10
#define OOM_ABORT ((struct task_struct *)-1L) /* oc->chosen: a victim is still on its way out */

enum oom_constraint { CONSTRAINT_NONE, CONSTRAINT_CPUSET, CONSTRAINT_MEMORY_POLICY, CONSTRAINT_MEMCG };

static const char *const oom_constraint_text[] = {
	[CONSTRAINT_NONE] = "CONSTRAINT_NONE",
	[CONSTRAINT_CPUSET] = "CONSTRAINT_CPUSET",
	[CONSTRAINT_MEMORY_POLICY] = "CONSTRAINT_MEMORY_POLICY",
	[CONSTRAINT_MEMCG] = "CONSTRAINT_MEMCG",
};

struct oom_control {
	gfp_t gfp_mask;                 /* the allocation's */
	unsigned int order;
	const unsigned long *nodemask;  /* the allocation's nodes; NULL unless a memory policy narrowed them */
	unsigned long totalpages;       /* badness is a share of these: RAM + swap (of the allowed nodes) */
	struct task_struct *chosen;     /* the victim (referenced), NULL, or OOM_ABORT */
	long chosen_points;
	enum oom_constraint constraint;
	struct mem_cgroup *memcg;       /* a memory cgroup over its limit: the OOM is the group's (NULL: global) */
	struct task_struct *unreaped;   /* a victim the scan waited for, not yet reaped and not current (referenced) */
};

/* is_memcg_oom */
static bool is_memcg_oom(const struct oom_control *oc)
{
	return oc->memcg != NULL;
}

/* ---- badness -------------------------------------------------------------------------------- */

/* is_global_init(), or a kernel thread (kmm has none among its tasks) */
static bool oom_unkillable_task(const struct task_struct *t)
{
	return t->pid == 1;
}

/*
 * mm_pgtables_bytes / PAGE_SIZE: counted under the mm's lock, which this
 * thread may hold already (its own fault) or may not get at once (another
 * CPU's); then the count of the last time stands.
 */
static unsigned long mm_pgtables_pages(struct mm_struct *mm)
{
	if (mmap_lock_is_mine(mm)) {
		unsigned long n = user_pgtable_pages(mm->pgd);
		__atomic_store_n(&mm->pgtables_seen, n, __ATOMIC_RELAXED);
		return n;
	}
	if (mmap_write_trylock(mm)) {
		unsigned long n = user_pgtable_pages(mm->pgd);
		__atomic_store_n(&mm->pgtables_seen, n, __ATOMIC_RELAXED);
		mmap_write_unlock(mm);
		return n;
	}
	return __atomic_load_n(&mm->pgtables_seen, __ATOMIC_RELAXED);
}

static unsigned long get_mm_rss(struct mm_struct *mm)
{
	return get_mm_counter(mm, MM_FILEPAGES) + get_mm_counter(mm, MM_ANONPAGES) + get_mm_counter(mm, MM_SHMEMPAGES);
}

/*
 * The task's badness for a machine of totalpages pages, LONG_MIN if the
 * OOM killer never chooses it.  mm is the task's, held by the caller (the
 * task list's lock, or get_task_mm).  /proc/PID/oom_score shows the same.
 */
long oom_badness(struct task_struct *t, struct mm_struct *mm, unsigned long totalpages)
{
	if (!t || !mm || oom_unkillable_task(t))
		return LONG_MIN;
	long adj = __atomic_load_n(&t->oom_score_adj, __ATOMIC_RELAXED);
	if (adj == OOM_SCORE_ADJ_MIN || (__atomic_load_n(&mm->flags, __ATOMIC_RELAXED) & (1UL << MMF_OOM_SKIP)))
		return LONG_MIN;
	long points = (long)(get_mm_rss(mm) + get_mm_counter(mm, MM_SWAPENTS) + mm_pgtables_pages(mm));
	adj *= (long)(totalpages / 1000); /* oom_score_adj units: thousandths of the memory */
	return points + adj;
}

/* RAM and swap: what badness is a share of when nothing constrains the allocation */
unsigned long oom_totalpages(void)
{
	return (unsigned long)M->totalram_pages + kmm_total_swap_pages();
}

/* ---- the report ----------------------------------------------------------------------------- */

/* "%*pbl" of a node mask: "0-1,3", "(null)" for none */
static void nodemask_str(const unsigned long *mask, char *buf, size_t len)
{
	if (!mask) {
		snprintf(buf, len, "(null)");
		return;
	}
	size_t at = 0;
	buf[0] = 0;
	for (int nid = 0; nid < nr_online_nodes; nid++) {
		if (!(mask[nid / 64] >> (nid % 64) & 1))
			continue;
		int last = nid;
		while (last + 1 < nr_online_nodes && (mask[(last + 1) / 64] >> ((last + 1) % 64) & 1))
			last++;
		int n = last == nid ? snprintf(buf + at, len - at, "%s%d", at ? "," : "", nid)
				    : snprintf(buf + at, len - at, "%s%d-%d", at ? "," : "", nid, last);
		if (n < 0 || (size_t)n >= len - at)
			break;
		at += (size_t)n;
		nid = last;
	}
}

/* dump_task: one line of the task table, for a task the killer could choose (tasks_lock held) */
static void dump_task(struct task_struct *t, void *arg)
{
	const struct oom_control *oc = arg;
	struct mm_struct *mm = t->mm;
	if (oom_unkillable_task(t) || !mm || (is_memcg_oom(oc) && !task_in_mem_cgroup(t, oc->memcg)) ||
	    (!is_memcg_oom(oc) && !mempolicy_in_oom_domain(t, oc->nodemask)))
		return;
	/* a victim whose memory is gone has exited as far as the killer can tell (find_lock_task_mm: no mm) */
	if (fatal_signal_pending(t) && (__atomic_load_n(&mm->flags, __ATOMIC_RELAXED) & (1UL << MMF_OOM_SKIP)))
		return;
	printk(KERN_INFO "[%7d] %5u %5d %8lu %8lu %8lu %8lu         %5hd %s\n", t->pid, t->uid, t->pid,
	       __atomic_load_n(&mm->total_vm, __ATOMIC_RELAXED), get_mm_rss(mm), mm_pgtables_pages(mm) * PAGE_SIZE,
	       get_mm_counter(mm, MM_SWAPENTS), __atomic_load_n(&t->oom_score_adj, __ATOMIC_RELAXED), t->comm);
}

/* dump_oom_summary: the one line that names the context and the victim */
static void dump_oom_summary(const struct oom_control *oc, const struct task_struct *victim)
{
	char nodes[64], mems[64];
	unsigned long all[(MAX_NUMNODES + 63) / 64] = { 0 };
	for (int nid = 0; nid < nr_online_nodes; nid++)
		all[nid / 64] |= 1UL << (nid % 64);
	char oom_memcg[256 + 16] = ",global_oom", task_memcg_path[256];
	nodemask_str(oc->nodemask, nodes, sizeof(nodes));
	nodemask_str(all, mems, sizeof(mems)); /* cpuset_current_mems_allowed: every node, no cpusets */
	if (is_memcg_oom(oc)) { /* mem_cgroup_print_oom_context */
		char path[256];
		mem_cgroup_path(oc->memcg, path, sizeof(path));
		snprintf(oom_memcg, sizeof(oom_memcg), ",oom_memcg=%s", path);
	}
	mem_cgroup_path(task_memcg(victim), task_memcg_path, sizeof(task_memcg_path));
	printk(KERN_INFO "oom-kill:constraint=%s,nodemask=%s,cpuset=/,mems_allowed=%s%s,task_memcg=%s,task=%s,pid=%d,uid=%u\n",
	       oom_constraint_text[oc->constraint], nodes, mems, oom_memcg, task_memcg_path, victim->comm, victim->pid,
	       victim->uid);
}

/* dump_header: who asked, the stack, Mem-Info, the tasks, the summary */
static void dump_header(const struct oom_control *oc, const struct task_struct *victim)
{
	const struct task_struct *cur = get_current();
	char name[160];
	gfp_flags_name(oc->gfp_mask, name, sizeof(name));
	printk(KERN_WARNING "%s invoked oom-killer: gfp_mask=%#x(%s), order=%u, oom_score_adj=%d\n",
	       cur ? cur->comm : "kmm", oc->gfp_mask, name, oc->order,
	       cur ? (int)__atomic_load_n(&cur->oom_score_adj, __ATOMIC_RELAXED) : 0);
	dump_stack();
	if (is_memcg_oom(oc))
		mem_cgroup_print_oom_meminfo(oc->memcg);
	else
		show_free_areas();
	if (__atomic_load_n(&M->oom_dump_tasks, __ATOMIC_RELAXED)) {
		printk(KERN_INFO "Tasks state (memory values in pages):\n");
		printk(KERN_INFO "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name\n");
		for_each_task(dump_task, (void *)oc);
	}
	if (victim)
		dump_oom_summary(oc, victim);
}

/* ---- the kill ------------------------------------------------------------------------------- */

/* __oom_reap_task_mm: unmap the private memory of every VMA (mmap_lock held) */
static void __oom_reap_task_mm(struct mm_struct *mm)
{
	struct vm_area_struct *vma;
	VMA_ITERATOR(vmi, mm, 0);
	for_each_vma(vmi, vma)
		if (!vma->vm_file || !(vma->vm_flags & VM_SHARED)) /* vma_is_anonymous, or private */
			unmap_page_range(mm, vma->vm_start, vma->vm_end); /* the tables stay: their lock may be ours */
}

/* oom_reap_task_mm: false if the lock could not be had (try again) */
static bool oom_reap_task_mm(struct task_struct *tsk, struct mm_struct *mm)
{
	if (!mmap_write_trylock(mm))
		return false;
	if (!(__atomic_load_n(&mm->flags, __ATOMIC_RELAXED) & (1UL << MMF_OOM_SKIP))) {
		__oom_reap_task_mm(mm);
		printk(KERN_INFO "oom_reaper: reaped process %d (%s), now anon-rss:%lukB, file-rss:%lukB, shmem-rss:%lukB\n",
		       tsk->pid, tsk->comm, K(get_mm_counter(mm, MM_ANONPAGES)), K(get_mm_counter(mm, MM_FILEPAGES)),
		       K(get_mm_counter(mm, MM_SHMEMPAGES)));
	}
	mmap_write_unlock(mm);
	return true;
}

/*
 * The OOM reaper, run at once (see the theory above).  The victim that is
 * this thread's current is in the middle of its own fault: its memory goes
 * on the way back instead.  One whose mm this thread has locked for other
 * work (fork copying it) cannot be reaped now: the reaper gives up at once,
 * as Linux's does after its retries, and the next OOM looks past it.
 */
static void oom_reap_task(struct task_struct *tsk, struct mm_struct *mm)
{
	if (tsk == get_current())
		return; /* it gives its memory back on its way out (task_killed) */
	/* this thread in the middle of other work on that mm (a fork copying it): no attempt can succeed */
	int attempts = mmap_lock_is_mine(mm) ? MAX_OOM_REAP_RETRIES + 1 : 0;
	while (attempts++ < MAX_OOM_REAP_RETRIES && !oom_reap_task_mm(tsk, mm)) {
		struct timespec ts = { 0, 1000000 }; /* HZ/10 in Linux; a host millisecond is long for a fault */
		nanosleep(&ts, NULL);
	}
	if (attempts > MAX_OOM_REAP_RETRIES && !(__atomic_load_n(&mm->flags, __ATOMIC_RELAXED) & (1UL << MMF_OOM_SKIP)))
		printk(KERN_INFO "oom_reaper: unable to reap pid:%d (%s)\n", tsk->pid, tsk->comm);
	/* reaped, or someone keeps the lock: either way the next OOM looks past it */
	__atomic_or_fetch(&mm->flags, 1UL << MMF_OOM_SKIP, __ATOMIC_RELAXED);
}

struct sharers {
	struct task_struct *victim;
	struct mm_struct *mm;
	bool can_oom_reap;
};

/* every other task of the victim's mm gets SIGKILL too; init keeps it (and it is not reaped) */
static void kill_sharer(struct task_struct *p, void *arg)
{
	struct sharers *s = arg;
	if (p == s->victim || p->mm != s->mm)
		return;
	if (oom_unkillable_task(p)) {
		s->can_oom_reap = false;
		__atomic_or_fetch(&s->mm->flags, 1UL << MMF_OOM_SKIP, __ATOMIC_RELAXED);
		printk(KERN_INFO "oom killer %d (%s) has mm pinned by %d (%s)\n", s->victim->pid, s->victim->comm, p->pid,
		       p->comm);
		return;
	}
	send_sig_info(SIGKILL, NULL, p);
}

/* mark_oom_victim: it may use the reserves, and the next scan waits for it */
static void mark_oom_victim(struct task_struct *t, struct mm_struct *mm)
{
	__atomic_store_n(&t->oom_victim, 1, __ATOMIC_RELAXED);
	__atomic_or_fetch(&mm->flags, 1UL << MMF_OOM_VICTIM, __ATOMIC_RELAXED);
}

/* __oom_kill_process: victim is referenced; the reference goes */
static void __oom_kill_process(struct task_struct *victim, const char *message)
{
	struct mm_struct *mm = get_task_mm(victim); /* find_lock_task_mm, mmgrab */
	if (!mm) {
		printk(KERN_INFO "%s: OOM victim %d (%s) is already exiting. Skip killing the task\n", message, victim->pid,
		       victim->comm);
		put_task_struct(victim);
		return;
	}
	count_vm_event(OOM_KILL); /* before the signal: the reaper must see it */
	memcg_memory_event(get_mem_cgroup_from_mm(mm), MEMCG_OOM_KILL); /* memcg_memory_event_mm */
	send_sig_info(SIGKILL, NULL, victim);
	mark_oom_victim(victim, mm);
	printk(KERN_ERR "%s: Killed process %d (%s) total-vm:%lukB, anon-rss:%lukB, file-rss:%lukB, shmem-rss:%lukB, UID:%u pgtables:%lukB oom_score_adj:%hd\n",
	       message, victim->pid, victim->comm, K(__atomic_load_n(&mm->total_vm, __ATOMIC_RELAXED)),
	       K(get_mm_counter(mm, MM_ANONPAGES)), K(get_mm_counter(mm, MM_FILEPAGES)),
	       K(get_mm_counter(mm, MM_SHMEMPAGES)), victim->uid, mm_pgtables_pages(mm) * PAGE_SIZE >> 10,
	       __atomic_load_n(&victim->oom_score_adj, __ATOMIC_RELAXED));
	struct sharers s = { victim, mm, true };
	for_each_task(kill_sharer, &s);
	if (s.can_oom_reap)
		oom_reap_task(victim, mm);
	mmput_async(mm); /* mmdrop: never the teardown under oom_lock */
	put_task_struct(victim);
}

/* task_will_free_mem, as far as kmm can tell: it has SIGKILL pending or is exiting */
static bool task_will_free_mem(struct task_struct *t)
{
	return t && (fatal_signal_pending(t) || (__atomic_load_n(&t->flags, __ATOMIC_RELAXED) & PF_EXITING));
}

/* oom_kill_memcg_member: memory.oom.group's kill of every other task of the group (tasks_lock held) */
struct group_kill {
	struct mem_cgroup *group;
	const char *message;
	struct task_struct *victims[64];
	int n;
};

static void collect_group_member(struct task_struct *t, void *arg)
{
	struct group_kill *g = arg;
	if (g->n < (int)ARRAY_SIZE(g->victims) && t->mm && !oom_unkillable_task(t) && !fatal_signal_pending(t) &&
	    __atomic_load_n(&t->oom_score_adj, __ATOMIC_RELAXED) != OOM_SCORE_ADJ_MIN &&
	    task_in_mem_cgroup(t, g->group)) {
		__atomic_add_fetch(&t->usage, 1, __ATOMIC_RELAXED); /* get_task_struct */
		g->victims[g->n++] = t;
	}
}

static void oom_kill_process(struct oom_control *oc, const char *message)
{
	struct task_struct *victim = oc->chosen;
	if (task_will_free_mem(victim)) { /* already on its way out: no alarm, no more killing */
		struct mm_struct *mm = get_task_mm(victim);
		if (mm) {
			mark_oom_victim(victim, mm);
			oom_reap_task(victim, mm);
			mmput_async(mm);
		}
		put_task_struct(victim);
		return;
	}
	if (__ratelimit(&M->oom_rs))
		dump_header(oc, victim);
	/* memory.oom.group: the group the victim's death should take with it, decided before it dies */
	struct mem_cgroup *oom_group = mem_cgroup_get_oom_group(victim, oc->memcg);
	__oom_kill_process(victim, message);
	if (oom_group) {
		char path[256];
		memcg_memory_event(oom_group, MEMCG_OOM_GROUP_KILL);
		mem_cgroup_path(oom_group, path, sizeof(path));
		printk(KERN_INFO "Tasks in %s are going to be killed due to memory.oom.group set\n", path);
		struct group_kill g = { .group = oom_group, .message = message };
		for_each_task(collect_group_member, &g);
		for (int i = 0; i < g.n; i++)
			__oom_kill_process(g.victims[i], message); /* takes each reference */
	}
}

/* ---- the choice ----------------------------------------------------------------------------- */

/* oom_evaluate_task, for each task in the list's order (tasks_lock held) */
static void oom_evaluate_task(struct task_struct *t, void *arg)
{
	struct oom_control *oc = arg;
	if (oc->chosen == OOM_ABORT || oom_unkillable_task(t) || !t->mm)
		return;
	/* oom_cpuset_eligible: a task bound by its policy to other nodes frees nothing where memory ran out */
	if (!is_memcg_oom(oc) && !mempolicy_in_oom_domain(t, oc->nodemask))
		return;
	/* a victim still holding its memory: wait for it rather than kill another */
	if (__atomic_load_n(&t->oom_victim, __ATOMIC_RELAXED)) {
		if (__atomic_load_n(&t->mm->flags, __ATOMIC_RELAXED) & (1UL << MMF_OOM_SKIP))
			return;
		if (oc->chosen)
			put_task_struct(oc->chosen);
		oc->chosen = OOM_ABORT;
		if (!oc->unreaped && t != get_current()) { /* the reaper's business: see __out_of_memory */
			__atomic_add_fetch(&t->usage, 1, __ATOMIC_RELAXED);
			oc->unreaped = t;
		}
		return;
	}
	long points = oom_badness(t, t->mm, oc->totalpages);
	if (points == LONG_MIN || points < oc->chosen_points)
		return;
	if (oc->chosen)
		put_task_struct(oc->chosen);
	__atomic_add_fetch(&t->usage, 1, __ATOMIC_RELAXED); /* get_task_struct */
	oc->chosen = t;
	oc->chosen_points = points;
}

/* the group's tasks only, for its OOM (mem_cgroup_scan_tasks) */
static void oom_evaluate_memcg_task(struct task_struct *t, void *arg)
{
	struct oom_control *oc = arg;
	if (task_in_mem_cgroup(t, oc->memcg))
		oom_evaluate_task(t, arg);
}

static void select_bad_process(struct oom_control *oc)
{
	oc->chosen_points = LONG_MIN;
	for_each_task(is_memcg_oom(oc) ? oom_evaluate_memcg_task : oom_evaluate_task, oc);
}

/*
 * constrained_alloc: a group's OOM chooses among its tasks, against its
 * limit (and the swap it may use); a memory policy that leaves out nodes
 * with memory limits the choice to them.
 */
static enum oom_constraint constrained_alloc(struct oom_control *oc)
{
	if (is_memcg_oom(oc)) {
		oc->totalpages = mem_cgroup_get_max(oc->memcg) ?: 1;
		return CONSTRAINT_MEMCG;
	}
	oc->totalpages = oom_totalpages();
	if (!oc->nodemask || (oc->gfp_mask & __GFP_THISNODE))
		return CONSTRAINT_NONE;
	bool subset = true;
	unsigned long pages = kmm_total_swap_pages();
	int nid;
	for_each_online_node(nid) {
		bool in = oc->nodemask[nid / 64] >> (nid % 64) & 1;
		if (in)
			pages += NODE_DATA(nid)->node_present_pages;
		else if (NODE_DATA(nid)->node_present_pages)
			subset = false;
	}
	if (subset)
		return CONSTRAINT_NONE;
	oc->totalpages = pages;
	return CONSTRAINT_MEMORY_POLICY;
}

static void check_panic_on_oom(const struct oom_control *oc)
{
	int panic_on_oom = __atomic_load_n(&M->panic_on_oom, __ATOMIC_RELAXED);
	if (!panic_on_oom || (panic_on_oom != 2 && oc->constraint != CONSTRAINT_NONE))
		return;
	dump_header(oc, NULL);
	char msg[96];
	snprintf(msg, sizeof(msg), "Out of memory: %s panic_on_oom is enabled",
		 panic_on_oom == 2 ? "compulsory" : "system-wide");
	printk(KERN_EMERG "Kernel panic - not syncing: %s\n", msg);
	fputs(kmm_dmesg(), stderr);
	fprintf(stderr, "kmm: Kernel panic - not syncing: %s: stopping\n", msg);
	abort();
}

/*
 * out_of_memory: kill a task so that the allocation can go on.  True if
 * that can help (a victim was killed or is on its way out, or the caller
 * may not kill for lack of __GFP_FS), false if nothing could be killed.
 * The caller holds oom_lock.
 */
static bool __out_of_memory(struct oom_control *oc);

bool out_of_memory(gfp_t gfp, unsigned int order, const unsigned long *nodemask)
{
	struct oom_control oc = { .gfp_mask = gfp, .order = order, .nodemask = nodemask };
	return __out_of_memory(&oc);
}

/* mem_cgroup_out_of_memory's killer: memcg is over its limit and reclaim could not help */
bool out_of_memory_memcg(struct mem_cgroup *memcg, gfp_t gfp, unsigned int order)
{
	struct oom_control oc = { .gfp_mask = gfp, .order = order, .memcg = memcg };
	return __out_of_memory(&oc);
}

static bool __out_of_memory(struct oom_control *oc)
{
	struct task_struct *cur = get_current();
	/* current is dying already: let it have the reserves and go */
	if (task_will_free_mem(cur) && cur->mm) {
		struct mm_struct *mm = get_task_mm(cur);
		if (mm) {
			mark_oom_victim(cur, mm);
			mmput_async(mm);
		}
		return true;
	}
	/* the OOM killer does not make up for reclaim that could not do I/O */
	if (oc->gfp_mask && !(oc->gfp_mask & __GFP_FS) && !is_memcg_oom(oc))
		return true;
	oc->constraint = constrained_alloc(oc);
	if (oc->constraint != CONSTRAINT_MEMORY_POLICY)
		oc->nodemask = NULL;
	check_panic_on_oom(oc);
	if (__atomic_load_n(&M->oom_kill_allocating_task, __ATOMIC_RELAXED) && cur && cur->mm &&
	    !oom_unkillable_task(cur) && __atomic_load_n(&cur->oom_score_adj, __ATOMIC_RELAXED) != OOM_SCORE_ADJ_MIN) {
		__atomic_add_fetch(&cur->usage, 1, __ATOMIC_RELAXED);
		oc->chosen = cur;
		oom_kill_process(oc, "Out of memory (oom_kill_allocating_task)");
		return true;
	}
	select_bad_process(oc);
	if (oc->unreaped) {
		/*
		 * A victim still holding its memory that no thread is giving back:
		 * what 6.1's oom_reaper does OOM_REAPER_DELAY after the kill, now
		 * (it reaps, or gives up and sets MMF_OOM_SKIP) - else every later
		 * OOM would wait for it for ever.
		 */
		struct mm_struct *mm = get_task_mm(oc->unreaped);
		if (mm) {
			oom_reap_task(oc->unreaped, mm);
			mmput_async(mm);
		}
		put_task_struct(oc->unreaped);
	}
	if (!oc->chosen) {
		dump_header(oc, NULL);
		printk(KERN_WARNING "Out of memory and no killable processes...\n");
		return false; /* 6.1 panics here ("System is deadlocked on memory"); kmm fails the allocation */
	}
	if (oc->chosen != OOM_ABORT)
		oom_kill_process(oc, is_memcg_oom(oc) ? "Memory cgroup out of memory" : "Out of memory");
	return true;
}

/*
 * A killed task on its way back from a call (task_killed): what its
 * exit_mmap would free first - the private memory - goes now unless the
 * reaper took it (MMF_OOM_SKIP), and the next OOM looks past it.  No
 * reaper line: this is the victim's own exit, as Linux's victim that exits
 * before the reaper's delay.  The caller holds no mmap_lock.
 */
void oom_reap_self(struct task_struct *t)
{
	struct mm_struct *mm = get_task_mm(t);
	if (!mm)
		return;
	if (!(__atomic_load_n(&mm->flags, __ATOMIC_RELAXED) & (1UL << MMF_OOM_SKIP))) {
		mmap_write_lock(mm);
		if (!(__atomic_load_n(&mm->flags, __ATOMIC_RELAXED) & (1UL << MMF_OOM_SKIP)))
			__oom_reap_task_mm(mm);
		__atomic_or_fetch(&mm->flags, 1UL << MMF_OOM_SKIP, __ATOMIC_RELAXED);
		mmap_write_unlock(mm);
	}
	mmput(mm);
}

/* tsk_is_oom_victim(current) */
bool current_is_oom_victim(void)
{
	struct task_struct *cur = get_current();
	return cur && __atomic_load_n(&cur->oom_victim, __ATOMIC_RELAXED);
}

/* The killer's boot-time state: the sysctls' defaults and dump_header's rate limit. */
void oom_init(void)
{
	M->panic_on_oom = 0;
	M->oom_kill_allocating_task = 0;
	M->oom_dump_tasks = 1;
	M->oom_rs = RATELIMIT_STATE_INIT;
	pthread_mutex_init(&M->oom_lock, NULL);
}
