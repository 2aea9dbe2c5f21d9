/*
 * task.c - kmm's processes (include/kmm/task.h): task_create, fork,
 * exec's layout, exit, and the pid table, as kernel/fork.c (mm_alloc,
 * dup_mmap, mmput), kernel/exit.c (do_exit) and fs/exec.c (the image,
 * data, bss and stack VMAs) do them.  The VMAs are made and copied with
 * mm/mmap.c's tree operations (mm/vma.h); the kernel objects every task
 * owns (task_struct, stack, pid, mm_struct ...) are kernel/fork.c's.
 *
 * Lifetimes: a task is referenced by its creator (dropped by task_exit)
 * and by get_pid_task(); its mm by the task and by get_task_mm(); the mm
 * and the files go at exit (do_exit, from task_exit; a task SIGKILL killed
 * loses its private memory at once - the OOM reaper, task_killed - and the
 * rest then), when it also leaves the pid table; the task_struct goes at
 * its last put.
 * Locking: tasks_lock guards the pid table and t->mm; mm->mmap_lock
 * (Linux's rwsem, a mutex here) guards an mm's VMAs and counters; order:
 * tasks_lock, then mmap_lock, then the page cache's lock.
 * Locking: tasks_lock guards the pid table and t->mm; it is taken before
 * any mm's mmap_lock and never held while waiting for one.
 */
#include "internal.h"
#include "kernel/kobj.h"
#include "mm/vma.h"

#include <kmm/fs.h>
#include <kmm/task.h>

#define STACK_EXPAND (128UL << 10) /* setup_arg_pages: the stack VMA starts 128 KiB + a page */

static pthread_mutex_t tasks_lock = PTHREAD_MUTEX_INITIALIZER;
static struct task_struct **tasks;
static int nr_tasks, tasks_cap, last_pid;

/* ---- tasks ---------------------------------------------------------------------------------- */

static void mm_free(struct mm_struct *mm);

static struct mm_struct *mm_alloc(const struct task_struct *t)
{
	struct mm_struct *mm = calloc(1, sizeof(*mm));
	if (!mm)
		return NULL;
	if (!(mm->obj = kobj_alloc(KOBJ_MM))) { /* allocate_mm */
		free(mm);
		return NULL;
	}
	pthread_mutex_init(&mm->mmap_lock, NULL);
	mt_init_flags(&mm->mm_mt, MM_MT_FLAGS); /* mm_init */
	kmm_mt_register(&mm->mm_mt);
	mm->pgd = pgd_alloc();
	if (!mm->pgd) {
		kmm_mt_unregister(&mm->mm_mt);
		pthread_mutex_destroy(&mm->mmap_lock);
		kobj_free(KOBJ_MM, mm->obj);
		free(mm);
		return NULL;
	}
	mm->task_size = task_size();
	mm->mm_users = 1;
	/* mmap_base(): below the stack by its rlimit and the guard gap, 128 MiB at least */
	unsigned long gap = t->rlim[RLIMIT_STACK];
	if (gap == RLIM_INFINITY || gap > mm->task_size / 6 * 5)
		gap = mm->task_size / 6 * 5;
	gap += STACK_GUARD_GAP;
	if (gap < (128UL << 20))
		gap = 128UL << 20;
	mm->mmap_base = ALIGN(mm->task_size - gap, PAGE_SIZE);
	return mm;
}

struct task_struct *task_create(const char *comm, unsigned int uid)
{
	if (!M)
		return NULL;
	struct task_struct *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	if (kobj_task_alloc(t)) { /* task_struct, stack, cred, files, fs, sighand, signal, pid */
		free(t);
		return NULL;
	}
	snprintf(t->comm, sizeof(t->comm), "%s", comm ? comm : "task");
	t->uid = uid;
	init_sigpending(t);
	for (int r = 0; r < RLIM_NLIMITS; r++)
		t->rlim[r] = RLIM_INFINITY;
	t->rlim[RLIMIT_STACK] = 8UL << 20; /* _STK_LIM */
	t->rlim[RLIMIT_MEMLOCK] = 8UL << 20; /* MLOCK_LIMIT */
	t->rlim[RLIMIT_NPROC] = t->rlim[RLIMIT_SIGPENDING] = M->max_threads / 2; /* fork_init() */
	t->mm = mm_alloc(t);
	t->usage = 1; /* task_exit's */
	if (t->mm)
		t->mm->owner = t;
	pthread_mutex_lock(&tasks_lock);
	if (t->mm && nr_tasks == tasks_cap) {
		int cap = tasks_cap ? 2 * tasks_cap : 16;
		struct task_struct **grown = realloc(tasks, (size_t)cap * sizeof(*grown));
		if (grown) {
			tasks = grown;
			tasks_cap = cap;
		}
	}
	if (!t->mm || nr_tasks == tasks_cap) {
		pthread_mutex_unlock(&tasks_lock);
		mm_free(t->mm);
		kobj_task_exit(t);
		kobj_task_free(t);
		free(t);
		return NULL;
	}
	t->pid = ++last_pid;
	kobj_pid_number(t);
	t->start_time = kmm_clock_ns();
	tasks[nr_tasks++] = t;
	pthread_mutex_unlock(&tasks_lock);
	return t;
}

struct task_struct *find_task_by_pid(int pid)
{
	struct task_struct *found = NULL;
	pthread_mutex_lock(&tasks_lock);
	for (int i = 0; i < nr_tasks && !found; i++)
		if (tasks[i]->pid == pid)
			found = tasks[i];
	pthread_mutex_unlock(&tasks_lock);
	return found;
}

static void mm_free(struct mm_struct *mm)
{
	if (!mm)
		return;
	/*
	 * No task uses the mm any more, but reclaim may still reach it through
	 * the anon_vma chains of its VMAs (rmap_walk_anon_trylock): the
	 * teardown holds mmap_lock until the VMAs are unlinked from them.
	 */
	mmap_write_lock(mm);
	struct vm_area_struct *vma;
	VMA_ITERATOR(vmi, mm, 0);
	for_each_vma(vmi, vma)
		zap_page_range(mm, vma->vm_start, vma->vm_end);
	user_free_pgtables(mm->pgd, 0, mm->task_size);
	pgd_free(mm->pgd);
	kmm_user_windows_free(mm);
	/*
	 * exit_mmap: the VMAs go as the tree yields them (the walk reads only
	 * the tree and the map's keys, neither of which the frees touch), then
	 * the tree's nodes at once, then the map.
	 */
	unsigned long nr_accounted = 0;
	VMA_ITERATOR(exit_vmi, mm, 0);
	for_each_vma(exit_vmi, vma) {
		if (vma->vm_flags & VM_ACCOUNT)
			nr_accounted += vma_pages(vma);
		vma_put_refs(vma);
		vm_area_free(vma);
		mm->map_count--;
	}
	MM_BUG_ON(mm->map_count);
	vm_unacct_memory((long)nr_accounted); /* exit_mmap: the promises go with the VMAs */
	mmap_write_unlock(mm);
	mtree_destroy(&mm->mm_mt);
	free(mm->vma_map.keys);
	free(mm->vma_map.vals);
	fput(mm->exe_file);
	pthread_mutex_destroy(&mm->mmap_lock);
	kobj_free(KOBJ_MM, mm->obj); /* free_mm */
	free(mm);
}

struct task_struct *get_pid_task(int pid)
{
	struct task_struct *found = NULL;
	pthread_mutex_lock(&tasks_lock);
	for (int i = 0; i < nr_tasks && !found; i++)
		if (tasks[i]->pid == pid)
			found = tasks[i];
	if (found)
		__atomic_add_fetch(&found->usage, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&tasks_lock);
	return found;
}

void put_task_struct(struct task_struct *t)
{
	if (t && !__atomic_sub_fetch(&t->usage, 1, __ATOMIC_ACQ_REL)) {
		kobj_task_free(t); /* free_task: the stack and the task_struct; its mm and files went at exit */
		free(t);
	}
}

struct mm_struct *get_task_mm(struct task_struct *t)
{
	pthread_mutex_lock(&tasks_lock);
	struct mm_struct *mm = t->mm;
	if (mm)
		__atomic_add_fetch(&mm->mm_users, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&tasks_lock);
	return mm;
}

void mmput(struct mm_struct *mm)
{
	if (mm && !__atomic_sub_fetch(&mm->mm_users, 1, __ATOMIC_ACQ_REL))
		mm_free(mm);
}

/*
 * Linux's mmput_async hands __mmput to a workqueue; kmm's "worker" is the
 * next thread to reach a point where it holds no lock.  Why it matters:
 * the OOM killer runs under oom_lock, which an allocation made under
 * filemap_lock (a page cache fault) waits for, while exit_mmap's fput of
 * the last file takes filemap_lock - a victim that exits on another CPU
 * meanwhile would leave the killer with the last reference and the two
 * CPUs waiting for each other for ever.
 */
static pthread_mutex_t mmput_async_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mm_struct *mmput_async_list;

void mmput_async(struct mm_struct *mm)
{
	if (!mm || __atomic_sub_fetch(&mm->mm_users, 1, __ATOMIC_ACQ_REL))
		return;
	pthread_mutex_lock(&mmput_async_lock);
	mm->async_next = mmput_async_list;
	__atomic_store_n(&mmput_async_list, mm, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&mmput_async_lock);
}

void mmput_async_flush(void)
{
	if (!__atomic_load_n(&mmput_async_list, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&mmput_async_lock);
	struct mm_struct *mm = mmput_async_list;
	__atomic_store_n(&mmput_async_list, NULL, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&mmput_async_lock);
	while (mm) {
		struct mm_struct *next = mm->async_next;
		mm_free(mm);
		mm = next;
	}
}

/*
 * do_exit: the task stops - it leaves the pid table (the others keep their
 * order: the table is the task list the OOM killer and the views walk, in
 * the order the tasks were made) and drops its address space, its files
 * and the kernel objects exit gives back.  The task_struct stays, with its
 * pending signals (a SIGKILL shows who ended it), until task_exit's put.
 * Runs once (PF_EXITING), from task_exit: a call made for a task that
 * SIGKILL killed only answers -EINTR (task_killed, kernel/signal.c), since
 * another thread may be in a call for the same task.  A reader that holds
 * the task (get_pid_task) or its mm (get_task_mm) keeps what it holds
 * until it lets go.
 */
void do_exit(struct task_struct *t)
{
	if (!t || (__atomic_fetch_or(&t->flags, PF_EXITING, __ATOMIC_ACQ_REL) & PF_EXITING))
		return;
	if (fatal_signal_pending(t))
		__atomic_or_fetch(&t->flags, PF_SIGNALED, __ATOMIC_RELAXED);
	pthread_mutex_lock(&tasks_lock);
	for (int i = 0; i < nr_tasks; i++)
		if (tasks[i] == t) {
			memmove(&tasks[i], &tasks[i + 1], (size_t)(nr_tasks - i - 1) * sizeof(*tasks));
			nr_tasks--;
			break;
		}
	struct mm_struct *mm = t->mm;
	t->mm = NULL;
	pthread_mutex_unlock(&tasks_lock);
	if (mm) /* exit_mmap: the OOM killer looks past it from now on */
		__atomic_or_fetch(&mm->flags, 1UL << MMF_OOM_SKIP, __ATOMIC_RELAXED);
	mmput(mm);
	close_files(t);
	kobj_task_exit(t);
	mem_cgroup_exit_task(t); /* its group may be removed now */
}

/* exit and reap: do_exit if it has not run, then the task_struct goes with the pid table's reference. */
void task_exit(struct task_struct *t)
{
	if (!t)
		return;
	do_exit(t);
	flush_sigqueue(t);
	put_task_struct(t);
}

/*
 * fork's child lost its VMAs' VM_LOCKED, so neighbours that only a lock
 * kept apart in the parent are equal now: they merge (6.1 leaves them
 * apart; kmm keeps every pair that could merge merged, and mm_verify
 * holds it to that).  0, or -ENOMEM with nothing merged.
 */
static int vma_merge_unlocked(struct mm_struct *mm)
{
	int merges = 0;
	struct vm_area_struct *v, *prev = NULL;
	VMA_ITERATOR(vmi, mm, 0);
	while ((v = vma_next(&vmi))) {
		merges += prev && can_merge(prev, v) && !(v->vm_flags & VM_GROWSDOWN);
		prev = v;
	}
	struct vma_prealloc p;
	if (!merges)
		return 0;
	if (vma_prealloc(mm, &p, merges))
		return -ENOMEM;
	for (v = find_vma(mm, 0); v;) {
		struct vm_area_struct *n = find_vma(mm, v->vm_end);
		if (!n)
			break;
		if (can_merge(v, n) && !(n->vm_flags & VM_GROWSDOWN) && p.used < p.nr)
			vma_merge_next(mm, v, n, vma_prealloc_next(&p)); /* v takes n in, and is looked at again */
		else
			v = n;
	}
	vma_prealloc_done(&p);
	return 0;
}

/*
 * fork: a child with a copy of the parent's address space (dup_mmap) -
 * the same VMAs, and PTEs that share the parent's pages copy-on-write.
 */
static struct task_struct *do_task_fork(struct task_struct *parent)
{
	if (!parent || task_killed(parent) || !parent->mm)
		return NULL;
	struct task_struct *child = task_create(parent->comm, parent->uid);
	if (!child)
		return NULL;
	memcpy(child->rlim, parent->rlim, sizeof(child->rlim));
	child->ppid = parent->pid;
	child->flags |= PF_FORKNOEXEC;
	child->oom_score_adj = parent->oom_score_adj;
	mem_cgroup_fork(child, parent); /* the child starts in its parent's memory cgroup */
	mpol_fork(child, parent);       /* ... with its memory policy */
	struct mm_struct *mm = child->mm, *old = parent->mm;
	mmap_write_lock(old);
	/*
	 * The child is in the pid table already: walkers of every task (sync's
	 * page_mkclean, the views, tasks_verify) may look at its VMAs while
	 * they are copied, so its own lock is held too (Linux's dup_mmap takes
	 * both).  Nobody else knows the child yet to take them the other way.
	 */
	mmap_write_lock(mm);
	/* dup_mmap: the child's tree is bulk-loaded in order, its nodes asked for at once */
	MA_STATE(mas, &mm->mm_mt, 0, 0);
	int ret = vma_room(mm, old->map_count);
	if (!ret && old->map_count)
		ret = mas_expected_entries(&mas, (unsigned long)old->map_count);
	struct vm_area_struct *pv;
	VMA_ITERATOR(vmi, old, 0);
	while (!ret && (pv = vma_next(&vmi))) {
		/* dup_mmap commits each VM_ACCOUNT VMA again, asked of the parent's mm; the child's exit gives it back */
		long charge = (pv->vm_flags & VM_ACCOUNT) ? (long)vma_pages(pv) : 0;
		if (charge && vm_enough_memory(old, charge)) {
			ret = -ENOMEM;
			break;
		}
		struct vm_area_struct *v = vm_area_alloc(mm); /* vm_area_dup */
		if (!v) {
			vm_unacct_memory(charge);
			ret = -ENOMEM;
			break;
		}
		void *obj = v->obj;
		*v = *pv;
		v->obj = obj;
		v->vm_mm = mm;
		v->vm_detached = NULL;
		v->vm_flags &= VM_LOCKED_CLEAR_MASK; /* mlocks are not inherited (nor def_flags: the child's are 0) */
		kobj_vma_sync(v);
		ret = anon_vma_fork(v, pv);
		get_file(v->vm_file);
		if (!ret) {
			mas_set_range(&mas, v->vm_start, v->vm_end - 1);
			mas_store(&mas, mt_entry_of(v->obj));
			if (mas_is_err(&mas)) { /* the estimate ran short and no node was had */
				ret = -ENOMEM;
				vma_put_refs(v);
			}
		} else {
			fput(v->vm_file);
		}
		if (ret) {
			vm_area_free(v);
			vm_unacct_memory(charge);
			break;
		}
		vma_link(mm, v, NULL); /* stored in the tree above */
		vm_stat_account(mm, v->vm_flags, (long)vma_pages(v));
		ret = copy_page_range(mm, old, v);
	}
	mas_destroy(&mas);
	if (!ret && old->locked_vm)
		ret = vma_merge_unlocked(mm);
	if (!ret)
		ret = dup_fd(child, parent);
	if (!ret) {
		mm->exe_file = get_file(old->exe_file);
		mm->start_code = old->start_code;
		mm->end_code = old->end_code;
		mm->start_data = old->start_data;
		mm->end_data = old->end_data;
		mm->start_brk = old->start_brk;
		mm->brk = old->brk;
		mm->start_stack = old->start_stack;
		mm->mmap_base = old->mmap_base;
	}
	mmap_write_unlock(mm);
	mmap_write_unlock(old);
	if (ret) {
		task_exit(child);
		return NULL;
	}
	return child;
}

/* the system call, in the task's context (TASK_SYSCALL) */
struct task_struct *task_fork(struct task_struct *parent)
{
	return TASK_SYSCALL(parent, do_task_fork(parent));
}

/*
 * fn(mm, vma) for every VMA of every task that maps inode, each task's
 * mmap_lock held around its calls (the i_mmap walk of unmap_mapping_range
 * and page_mkclean; kmm finds the VMAs through the tasks).
 */
void for_each_vma_of_inode(struct inode *inode, void (*fn)(struct mm_struct *, struct vm_area_struct *, void *),
			   void *arg)
{
	/*
	 * The mms are taken (a reference each) under tasks_lock and locked one
	 * by one after it is dropped: a thread holding an mmap_lock may want
	 * tasks_lock (the OOM killer's task scan inside a fault's allocation),
	 * so tasks_lock is never held while waiting for an mmap_lock.
	 */
	pthread_mutex_lock(&tasks_lock);
	struct mm_struct **mms = malloc((size_t)(nr_tasks ? nr_tasks : 1) * sizeof(*mms));
	int n = 0;
	for (int i = 0; mms && i < nr_tasks; i++) {
		struct mm_struct *mm = tasks[i]->mm;
		bool seen = false;
		for (int j = 0; j < n && !seen; j++)
			seen = mms[j] == mm;
		if (!seen) {
			__atomic_add_fetch(&mm->mm_users, 1, __ATOMIC_RELAXED);
			mms[n++] = mm;
		}
	}
	pthread_mutex_unlock(&tasks_lock);
	for (int i = 0; i < n; i++) {
		struct mm_struct *mm = mms[i];
		mmap_write_lock(mm);
		struct vm_area_struct *vma;
		VMA_ITERATOR(vmi, mm, 0);
		for_each_vma(vmi, vma)
			if (vma->vm_file && vma->vm_file->f_inode == inode)
				fn(mm, vma, arg);
		mmap_write_unlock(mm);
		mmput(mm);
	}
	free(mms);
}

/* fn(t, arg) for every live task, in the pid table's order, tasks_lock held (the /proc walkers). */
/*
 * Reclaim's rmap walk of a file page (rmap_walk_file with try_lock): for
 * each task's mm whose lock can be had at once, each VMA of the inode
 * covering index, fn(mm, vma, address).  A lock that cannot be had (held
 * by its task, or by this thread's own fault) makes the walk give up:
 * -EAGAIN, as folio_referenced's -1.  Otherwise the sum of fn's results.
 */
int rmap_walk_file_trylock(struct inode *inode, unsigned long index,
			   int (*fn)(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr, void *arg),
			   void *arg)
{
	if (pthread_mutex_trylock(&tasks_lock))
		return -EAGAIN;
	int sum = 0;
	for (int i = 0; i < nr_tasks && sum >= 0; i++) {
		struct mm_struct *mm = tasks[i]->mm;
		bool shared = false;
		for (int j = 0; j < i; j++)
			shared = shared || tasks[j]->mm == mm;
		if (shared)
			continue; /* threads of one mm: walked once */
		bool took;
		if (!reclaim_lock_mm(mm, &took)) {
			sum = -EAGAIN;
			break;
		}
		struct vm_area_struct *vma;
		VMA_ITERATOR(vmi, mm, 0);
		for_each_vma(vmi, vma) {
			if (!vma->vm_file || vma->vm_file->f_inode != inode || index < vma->vm_pgoff ||
			    index - vma->vm_pgoff >= (vma->vm_end - vma->vm_start) >> PAGE_SHIFT)
				continue;
			sum += fn(mm, vma, vma->vm_start + ((index - vma->vm_pgoff) << PAGE_SHIFT), arg);
		}
		reclaim_unlock_mm(mm, took);
	}
	pthread_mutex_unlock(&tasks_lock);
	return sum;
}

void for_each_task(void (*fn)(struct task_struct *t, void *arg), void *arg)
{
	pthread_mutex_lock(&tasks_lock);
	for (int i = 0; i < nr_tasks; i++)
		fn(tasks[i], arg);
	pthread_mutex_unlock(&tasks_lock);
}

/* Tasks made since boot (Linux's total_forks) - every one took the next pid - and the last pid given. */
int last_pid_given(void)
{
	pthread_mutex_lock(&tasks_lock);
	int pid = last_pid;
	pthread_mutex_unlock(&tasks_lock);
	return pid;
}

/* Everything a machine's tasks hold goes with it (kmm_shutdown). */
void tasks_exit(void)
{
	while (nr_tasks)
		task_exit(tasks[nr_tasks - 1]);
	mmput_async_flush();
	free(tasks);
	tasks = NULL;
	tasks_cap = 0;
	last_pid = 0;
}

/* Every live task's VMAs (mm_verify), then their PTEs against the pages' mapcounts (rmap_verify). */
/* Σ the VM_ACCOUNT VMAs' pages of every live task: what they have committed (overcommit's recount). */
unsigned long tasks_committed_pages(void)
{
	unsigned long n = 0;
	pthread_mutex_lock(&tasks_lock);
	for (int i = 0; i < nr_tasks; i++) {
		struct mm_struct *mm = tasks[i]->mm;
		struct vm_area_struct *v;
		mmap_write_lock(mm);
		VMA_ITERATOR(vmi, mm, 0);
		for_each_vma(vmi, v)
			if (v->vm_flags & VM_ACCOUNT)
				n += vma_pages(v);
		mmap_write_unlock(mm);
	}
	pthread_mutex_unlock(&tasks_lock);
	return n;
}

int tasks_verify(char *why, size_t whylen)
{
	/*
	 * The tasks and their mms are taken (a reference each) under tasks_lock
	 * and checked after it is dropped: a fault holding its mmap_lock may
	 * want tasks_lock (the OOM killer's scan), so tasks_lock is never held
	 * while waiting for an mmap_lock (as for_each_vma_of_inode).
	 */
	pthread_mutex_lock(&tasks_lock);
	int n = 0;
	struct task_struct **ts = malloc((size_t)(nr_tasks ? nr_tasks : 1) * sizeof(*ts));
	struct mm_struct **mms = malloc((size_t)(nr_tasks ? nr_tasks : 1) * sizeof(*mms));
	for (int i = 0; ts && mms && i < nr_tasks; i++) {
		__atomic_add_fetch(&tasks[i]->usage, 1, __ATOMIC_RELAXED); /* get_task_struct */
		__atomic_add_fetch(&tasks[i]->mm->mm_users, 1, __ATOMIC_RELAXED);
		ts[n] = tasks[i];
		mms[n++] = tasks[i]->mm;
	}
	pthread_mutex_unlock(&tasks_lock);
	int ret = ts && mms ? 0 : -ENOMEM;
	for (int i = 0; i < n && !ret; i++)
		ret = mm_verify(mms[i], why, whylen);
	if (!ret)
		ret = rmap_verify(ts, mms, n, why, whylen);
	for (int i = 0; i < n; i++) {
		mmput(mms[i]);
		put_task_struct(ts[i]);
	}
	free(ts);
	free(mms);
	return ret;
}

/*
 * exec's layout without randomisation: a PIE image at ELF_ET_DYN_BASE
 * (2/3 of TASK_SIZE on i386, 0x555555554000 on x86_64) - text, then data,
 * then bss; the heap right after; the stack at STACK_TOP, 128 KiB + a page.
 */
static int do_task_exec_layout(struct task_struct *t, const char *path, unsigned long text, unsigned long data, unsigned long bss)
{
	if (task_killed(t))
		return -EINTR;
	if (!t || !t->mm || !path || !text)
		return -EINVAL;
	unsigned long tsize = t->mm->task_size;
	unsigned long base = (tsize / 3 * 2) & PAGE_MASK; /* ELF_ET_DYN_BASE */
	/* each size below TASK_SIZE first: then neither PAGE_ALIGN nor the sums can wrap */
	if (text > tsize || data > tsize || bss > tsize)
		return -ENOMEM;
	unsigned long text_end = base + ALIGN(text, PAGE_SIZE), data_end = text_end + ALIGN(data, PAGE_SIZE);
	unsigned long bss_end = data_end + ALIGN(bss, PAGE_SIZE);
	unsigned long stack_top = tsize, stack_len = STACK_EXPAND + PAGE_SIZE;
	/* the name, the binprm, the new cred, the program headers: PT_LOAD text (and data), PT_GNU_STACK */
	struct exec_kobjs ek;
	if (kobj_exec_begin(&ek, path, data || bss ? 3 : 2))
		return -ENOMEM;
	/* the image is a file of the store: made (text, then data, zero-filled) if it is not there */
	int err;
	struct file *exe = filemap_open(path, O_RDONLY, &err);
	if (!exe && err == -ENOENT) {
		err = kmm_file_create(path, NULL, ALIGN(text, PAGE_SIZE) + data);
		exe = err ? NULL : filemap_open(path, O_RDONLY, &err);
	}
	if (!exe) {
		kobj_exec_end(t, &ek, false);
		return err;
	}
	/* bprm_mm_init: a new mm (mm_struct object, page tables) that the image is mapped into */
	struct mm_struct *mm = mm_alloc(t);
	if (!mm) {
		fput(exe);
		kobj_exec_end(t, &ek, false);
		return -ENOMEM;
	}
	mm->owner = t; /* mm_init_owner */
	long ret = bss_end >= mm->mmap_base ? -ENOMEM : 0;
	mmap_write_lock(mm);
	const unsigned long may = VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
	if (!ret)
		ret = map_region(mm, base, text_end - base, VM_READ | VM_EXEC | may, exe, 0);
	if (ret >= 0 && data)
		ret = map_region_accounted(mm, text_end, data_end - text_end, VM_READ | VM_WRITE | VM_ACCOUNT | may, exe,
					   (text_end - base) >> PAGE_SHIFT);
	if (ret >= 0 && bss)
		ret = map_region_accounted(mm, data_end, bss_end - data_end, VM_READ | VM_WRITE | VM_ACCOUNT | may, NULL, 0);
	if (ret >= 0) /* VM_STACK_FLAGS include VM_ACCOUNT: insert_vm_struct commits it */
		ret = map_region_accounted(mm, stack_top - stack_len, stack_len,
					   VM_READ | VM_WRITE | VM_GROWSDOWN | VM_ACCOUNT | may, NULL, 0);
	if (ret >= 0) {
		mm->exe_file = exe;
		mm->start_code = base;
		mm->end_code = base + text;
		mm->start_data = text_end;
		mm->end_data = text_end + data;
		mm->start_brk = mm->brk = bss_end;
		mm->start_stack = stack_top - PAGE_SIZE; /* argc sits in the top page */
		ret = 0;
	}
	mmap_write_unlock(mm);
	/*
	 * exec_mmap takes its lock killable: a task the OOM killer chose
	 * meanwhile (a charge of the new mm's tables, its own group's OOM) keeps
	 * the mm it was chosen for, to be reaped on its way out, and the exec
	 * fails - else the victim would live on in a new mm the killer waits on.
	 */
	if (!ret && fatal_signal_pending(t))
		ret = -EINTR;
	if (ret) {
		/* before the point of no return: the new mm goes (with exe, once it is the
		 * mm's exe_file), the task keeps its old one */
		bool exe_in_mm = mm->exe_file == exe;
		mmput(mm);
		if (!exe_in_mm)
			fput(exe);
		kobj_exec_end(t, &ek, false);
		return (int)ret;
	}
	/* exec_mmap: the task takes the new mm; the old one goes with its last user */
	pthread_mutex_lock(&tasks_lock);
	struct mm_struct *old = t->mm;
	t->mm = mm;
	t->flags &= ~PF_FORKNOEXEC;
	pthread_mutex_unlock(&tasks_lock);
	mmput(old);
	kobj_exec_end(t, &ek, true);
	return 0;
}

/* the system call, in the task's context (TASK_SYSCALL) */
int task_exec_layout(struct task_struct *t, const char *path, unsigned long text, unsigned long data, unsigned long bss)
{
	return TASK_SYSCALL(t, do_task_exec_layout(t, path, text, data, bss));
}
