/*
 * kmm/task.h - simulated processes and their address spaces, with Linux
 * 6.1's names (task_struct, mm_struct, vm_area_struct) and system-call
 * semantics.  A call returns what the system call would: an address or 0
 * on success, -errno on failure.  These structs are kmm's bookkeeping; the
 * kernel memory Linux would use for each (task_struct, mm_struct,
 * vm_area_struct ... objects of Linux's caches, a kernel stack) is in
 * simulated RAM, pointed to by their kobj/obj fields (kernel/fork.c).
 *
 *	struct task_struct *t = task_create("cat", 1000);
 *	long addr = task_mmap(t, 0, 10 << 20, PROT_READ | PROT_WRITE,
 *			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
 *	task_munmap(t, addr, 4096);
 *	char *maps = kmm_proc_read("1/maps");   (Linux's /proc/PID/maps)
 *	task_exit(t);
 */
#ifndef KMM_TASK_H
#define KMM_TASK_H

#include <kmm/types.h>
#include <kmm/maple_tree.h>
#include <pthread.h>
#include <signal.h> /* the signal numbers and si_codes, which are Linux's */

struct kmm_window;
struct mem_cgroup;
struct file;
struct anon_vma;

/* PROT_* and MAP_*: the host's <sys/mman.h>, which has Linux's values */
#include <sys/mman.h>
#ifndef MREMAP_MAYMOVE /* <sys/mman.h> has them only with _GNU_SOURCE */
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2
#endif

/* vm_flags */
#define VM_READ 0x00000001UL
#define VM_WRITE 0x00000002UL
#define VM_EXEC 0x00000004UL
#define VM_SHARED 0x00000008UL
#define VM_MAYREAD 0x00000010UL
#define VM_MAYWRITE 0x00000020UL
#define VM_MAYEXEC 0x00000040UL
#define VM_MAYSHARE 0x00000080UL
#define VM_GROWSDOWN 0x00000100UL
#define VM_LOCKED 0x00002000UL
#define VM_IO 0x00004000UL         /* only while mlock_vma_pages_range walks: rmap must not mlock again */
#define VM_LOCKONFAULT 0x00080000UL /* mlock2(MLOCK_ONFAULT), mlockall(MCL_ONFAULT): locked as faulted in */
#define VM_LOCKED_CLEAR_MASK (~(VM_LOCKED | VM_LOCKONFAULT))
#define VM_NORESERVE 0x00200000UL
#define VM_ACCOUNT 0x00100000UL
#define VM_STACK VM_GROWSDOWN

enum { RLIMIT_DATA = 2, RLIMIT_STACK = 3, RLIMIT_NPROC = 6, RLIMIT_NOFILE = 7, RLIMIT_MEMLOCK = 8, RLIMIT_AS = 9, RLIMIT_SIGPENDING = 11,
       RLIM_NLIMITS = 16 };
#define RLIM_INFINITY (~0UL)

enum { MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES, NR_MM_COUNTERS };

#define MMAP_MIN_ADDR 65536UL /* vm.mmap_min_addr (Debian's): nothing maps below it but root's MAP_FIXED */

/*
 * Signals the kernel sends a task (kernel/signal.c): the host's numbers,
 * which are Linux's (SIGSEGV 11, SIGBUS 7; SEGV_MAPERR, BUS_ADRERR ...).
 * A signal waits in the task's queue with its siginfo until dequeued.
 */
#define KMM_NSIG 64        /* _NSIG: signals 1..64, bit sig - 1 of a mask */
#define KMM_SIGRTMIN 32    /* below: standard signals, at most one of each pending */
#pragma push_macro("si_addr") /* <signal.h> made si_addr a macro */
#undef si_addr
typedef struct kernel_siginfo {
	int si_signo;          /* the signal */
	int si_errno;          /* 0 */
	int si_code;           /* SEGV_MAPERR, SEGV_ACCERR, BUS_ADRERR, SI_KERNEL, SI_USER ... */
	union {
		struct {
			unsigned long si_addr; /* SIGSEGV, SIGBUS: the user address that faulted (simulated) */
		} _sigfault;
	} _sifields;           /* by kind of signal, as Linux's (and the host's <signal.h>) nest it */
} kernel_siginfo_t;
#pragma pop_macro("si_addr") /* <signal.h>'s _sifields._sigfault.si_addr reaches our field too */

struct sigqueue {
	struct list_head list;  /* on sigpending.list, oldest first */
	kernel_siginfo_t info;
};

struct sigpending {
	struct list_head list;  /* the queued siginfos */
	u64 signal;             /* bit sig - 1 set while sig is pending (with or without a sigqueue) */
};

struct vm_area_struct {
	unsigned long vm_start, vm_end; /* [start, end) */
	unsigned long vm_flags;
	unsigned long vm_pgoff;         /* offset in the file, or start >> PAGE_SHIFT for anonymous memory */
	struct file *vm_file;           /* the mapped file (a shmem one for shared anonymous memory), or NULL */
	struct anon_vma *anon_vma;      /* what its anonymous pages point at (rmap), NULL until the first */
	struct mm_struct *vm_mm;
	struct list_head anon_vma_chain; /* its anon_vma_chains (same_vma): one per anon_vma from anon_vma to the root */
	void *obj;                      /* its vm_area_struct object in simulated RAM (kernel/fork.c) */
	struct vm_area_struct *vm_detached; /* host: the next VMA of a range munmap took out of the tree, until freed */
	unsigned long swap_readahead_info; /* SWAP_RA_VAL: last swap fault's page | window | readahead hits (atomic) */
};

/*
 * The way back from a maple tree entry (a vm_area_struct object's kernel
 * address) to kmm's VMA: an open-addressing hash on the host, linear
 * probing, cap a power of two kept at least twice nr (mm/mmap.c).
 */
struct vma_map {
	unsigned long *keys;            /* object kernel addresses, 0: a free slot */
	struct vm_area_struct **vals;   /* the VMA whose object keys[i] is */
	unsigned int cap, nr;           /* slots; keys in use (== map_count) */
};

struct mm_struct {
	struct maple_tree mm_mt;        /* the VMAs: [vm_start, vm_end - 1] -> the object's kernel address (6.1's) */
	struct vma_map vma_map;         /* entry -> VMA, host side: nr == map_count */
	int map_count;                  /* VMAs: == entries of mm_mt */
	unsigned long task_size, mmap_base;
	unsigned long start_code, end_code, start_data, end_data;
	unsigned long start_brk, brk, start_stack;
	unsigned long total_vm, data_vm, exec_vm, stack_vm, locked_vm; /* pages */
	unsigned long def_flags;        /* vm_flags every new VMA gets: VM_LOCKED(|VM_LOCKONFAULT) after mlockall(MCL_FUTURE) */
	unsigned long hiwater_vm, hiwater_rss; /* peaks of total_vm and of the RSS */
	struct file *exe_file;          /* the image task_exec_layout mapped */
	phys_addr_t pgd;                /* the page directory (its kernel half is swapper_pg_dir's) */
	unsigned long rss[NR_MM_COUNTERS]; /* resident pages by kind */
	unsigned long flags;            /* MMF_OOM_SKIP, MMF_OOM_VICTIM (atomic bit ops) */
	unsigned long pgtables_seen;    /* page-table pages when the OOM killer last counted them (atomic) */
	pthread_mutex_t mmap_lock;      /* taken with mmap_write_lock() (which records its owner) */
	const void *mmap_lock_owner;    /* the owning thread's token (mmap_lock_token()) while held, else NULL */
	struct task_struct *owner;      /* the task whose address space this is */
	struct kmm_window **host_windows; /* the host-trap windows onto this mm (sim/trap.c) */
	int nr_host_windows;
	int mm_users;                   /* references: the task's + get_task_mm's (atomic) */
	struct mm_struct *async_next;   /* on mmput_async's list once its last reference went there */
	void *obj;                      /* its mm_struct object in simulated RAM (kernel/fork.c) */
};

/*
 * mmap_lock (Linux's rwsem, a mutex here), taken and released through
 * these so that reclaim can tell a lock this thread holds (it may change
 * that mm's page tables, as Linux's rmap does under the page table lock)
 * from one another thread holds (it must not wait for it).
 */
const void *mmap_lock_token(void);
static inline void mmap_write_lock(struct mm_struct *mm)
{
	pthread_mutex_lock(&mm->mmap_lock);
	__atomic_store_n(&mm->mmap_lock_owner, mmap_lock_token(), __ATOMIC_RELAXED);
}
static inline bool mmap_write_trylock(struct mm_struct *mm)
{
	if (pthread_mutex_trylock(&mm->mmap_lock))
		return false;
	__atomic_store_n(&mm->mmap_lock_owner, mmap_lock_token(), __ATOMIC_RELAXED);
	return true;
}
static inline void mmap_write_unlock(struct mm_struct *mm)
{
	__atomic_store_n(&mm->mmap_lock_owner, (const void *)0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&mm->mmap_lock);
}
/* this thread holds mm's mmap_lock */
static inline bool mmap_lock_is_mine(const struct mm_struct *mm)
{
	return __atomic_load_n(&mm->mmap_lock_owner, __ATOMIC_RELAXED) == mmap_lock_token();
}

/*
 * A task's resident pages of one kind (MM_FILEPAGES, MM_ANONPAGES,
 * MM_SWAPENTS, MM_SHMEMPAGES), as Linux's get_mm_counter(): read without
 * the mm's lock, a transient negative as 0.  Hold the mm (get_task_mm) if
 * the task may exit meanwhile.
 */
static inline unsigned long get_mm_counter(struct mm_struct *mm, int member)
{
	long v = (long)__atomic_load_n(&mm->rss[member], __ATOMIC_RELAXED);
	return v < 0 ? 0 : (unsigned long)v;
}

/*
 * The kernel objects a task owns in simulated RAM (kernel/fork.c), each
 * from its Linux cache: what copy_process allocates, freed at exit
 * (task and stack at the last put_task_struct).  Host pointers to kernel
 * memory: nothing in simulated RAM points back here.
 */
struct task_kobjs {
	void *task;    /* task_struct */
	void *stack;   /* THREAD_SIZE kernel stack: pages (32-bit) or vmalloc (64-bit) */
	void *pid;     /* struct pid (pid cache), its numbers[0].nr the task's pid */
	void *cred;    /* cred_jar */
	void *cred_security; /* its LSM blob (kmalloc) */
	void *task_security; /* the task's LSM blob (kmalloc): goes with the task_struct */
	void *files;   /* files_cache: files_struct */
	void *fs;      /* fs_cache: fs_struct */
	void *sighand; /* sighand_cache */
	void *signal;  /* signal_cache: signal_struct */
	void *fdt;     /* beyond NR_OPEN_DEFAULT descriptors: the fdtable (kmalloc), else NULL (files_struct's own) */
	void *fd_array; /* its fd[] (kvmalloc_array: fdt_nr pointers) */
	void *fd_bits; /* its open_fds, close_on_exec and full_fds_bits bitmaps (kvmalloc) */
	unsigned int fdt_nr; /* its max_fds: descriptors it has room for */
};

struct task_struct {
	int pid;
	char comm[16];
	unsigned int uid;
	unsigned long rlim[RLIM_NLIMITS]; /* soft limits */
	struct mm_struct *mm;
	unsigned long min_flt, maj_flt;   /* page faults */
	struct sigpending pending;        /* signals sent and not yet dequeued (siglock) */
	int nr_queued;                    /* sigqueues on pending.list: bounded by RLIMIT_SIGPENDING (siglock) */
	pthread_mutex_t siglock;          /* sighand->siglock: guards pending */
	struct file **fd;                 /* open files by descriptor (NULL: free) */
	int max_fds;                      /* entries of fd[] */
	int usage;                        /* references: task_exit's + get_pid_task's (atomic) */
	int ppid;                         /* the parent's pid (task_fork); 0 for task_create's, as for init */
	u64 start_time;                   /* the simulated clock (ns since boot) when it was made */
	unsigned int flags;               /* PF_FORKNOEXEC: forked and not exec'd since */
	short oom_score_adj;              /* -1000..1000 (/proc/PID/oom_score_adj); fork copies it */
	int oom_victim;                   /* the OOM killer chose it (tsk_is_oom_victim: signal->oom_mm set; atomic) */
	struct mem_cgroup *memcg;         /* its memory cgroup (NULL: the root; mm/memcontrol.c, atomic) */
	int mempolicy;                    /* set_mempolicy's mode (MPOL_DEFAULT ...; mm/mempolicy.c, atomic) */
	unsigned long mempolicy_nodes;    /* ... and its nodes (MAX_NUMNODES = 64 bits) */
	int il_prev;                      /* MPOL_INTERLEAVE: the node of its last page */
	struct task_kobjs kobj;           /* its objects in kernel memory */
};

#define PF_EXITING 0x00000004    /* do_exit ran: its mm, files and kernel objects are gone (Linux's value) */
#define PF_FORKNOEXEC 0x00000040 /* Linux's value: /proc/PID/stat prints the flags */
#define PF_SIGNALED 0x00000400   /* killed by a signal (SIGKILL of the OOM killer) */
#define MMF_OOM_SKIP 21          /* mm->flags bit: the OOM killer looks past this mm (reaped or exiting) */
#define MMF_OOM_VICTIM 25        /* mm->flags bit: the mm of an OOM victim */
#define OOM_SCORE_ADJ_MIN (-1000)
#define OOM_SCORE_ADJ_MAX 1000

struct task_struct *task_create(const char *comm, unsigned int uid);
/* The live task with this pid, unreferenced: the caller makes sure it does not exit meanwhile. */
struct task_struct *find_task_by_pid(int pid);
/* The same, referenced (NULL if none): put_task_struct() when done; exit may happen meanwhile. */
struct task_struct *get_pid_task(int pid);
void put_task_struct(struct task_struct *t);
/* The task's address space, referenced (NULL once it exited): mmput() when done. */
struct mm_struct *get_task_mm(struct task_struct *t);
void mmput(struct mm_struct *mm);
/*
 * mmput_async (kernel/fork.c): for a holder that must not tear an mm down
 * where it stands (the OOM killer, under oom_lock); a last reference
 * dropped here leaves the teardown to mmput_async_flush, run where no lock
 * is held: on the way back from a system call, and before any count of
 * the machine (kmm_verify, the usage settle) or its shutdown.
 */
void mmput_async(struct mm_struct *mm);
void mmput_async_flush(void);
/*
 * set_mempolicy(2): where t's anonymous pages come from from now on.
 * nodemask holds maxnode - 1 bits (Linux's convention); 0 or -EINVAL.
 * get_mempolicy: the mode, and the nodes into *nodemask.
 */
#define MPOL_DEFAULT 0
#define MPOL_PREFERRED 1
#define MPOL_BIND 2
#define MPOL_INTERLEAVE 3
#define MPOL_LOCAL 4
#define MPOL_PREFERRED_MANY 5
int task_set_mempolicy(struct task_struct *t, int mode, const unsigned long *nodemask, unsigned long maxnode);
/*
 * move_pages(2) (mm/migrate.c): the pages at addrs[0..count) of t to
 * nodes[i], or with nodes NULL where each is; status[i] the node or
 * -errno (-ENOENT not present or the zero page, -EFAULT no VMA or an
 * anonymous page never touched, -EACCES mapped by more than one process
 * without MPOL_MF_MOVE_ALL, -EBUSY not on the LRU).
 * Returns the pages that could not be moved, or -errno for the whole
 * call: -ENODEV a node without memory (checked before anything moves),
 * -EINVAL bad flags, -EPERM MPOL_MF_MOVE_ALL without CAP_SYS_NICE (uid 0),
 * -ESRCH no task.  Pages already on their node stay.
 * migrate_pages(2): every page of t on a node of old_nodes to the node of
 * new_nodes at the same position (node_remap); the pages not moved, or
 * -EINVAL (a new node without memory), -ESRCH.  Node masks: bit n = node n.
 */
#define MPOL_MF_MOVE (1 << 1)
#define MPOL_MF_MOVE_ALL (1 << 2)
long task_move_pages(struct task_struct *t, unsigned long count, const unsigned long *addrs, const int *nodes,
		     int *status, int flags);
long task_migrate_pages(struct task_struct *t, unsigned long old_nodes, unsigned long new_nodes);
int task_get_mempolicy(struct task_struct *t, unsigned long *nodemask);
/* Move t (and every task sharing its mm) into the memory cgroup at path ("" the root, "A/B"); 0 or -errno. */
int kmm_cgroup_attach(struct task_struct *t, const char *path);
void task_exit(struct task_struct *t);
/* fork: the child shares the parent's pages copy-on-write; NULL if out of memory. */
struct task_struct *task_fork(struct task_struct *parent);
/*
 * execve(2) of an image of these sizes: a new address space with its code,
 * data, bss, heap and stack replaces the task's old one (which goes with
 * its last user, as after fork the parent's stays); -ENOMEM or another
 * error leaves the task as it was.
 */
int task_exec_layout(struct task_struct *t, const char *path, unsigned long text, unsigned long data,
		     unsigned long bss);

/* mmap: fd is a descriptor from task_open (kmm/fs.h) unless MAP_ANONYMOUS; pgoff is the file offset in pages. */
long task_mmap(struct task_struct *t, unsigned long addr, unsigned long len, unsigned long prot, unsigned long flags,
	       int fd, unsigned long pgoff);
int task_munmap(struct task_struct *t, unsigned long addr, unsigned long len);
/* mremap: shrink, grow in place, or move (MREMAP_MAYMOVE, MREMAP_FIXED); the pages move with their PTEs. */
long task_mremap(struct task_struct *t, unsigned long addr, unsigned long old_len, unsigned long new_len,
		 unsigned long flags, unsigned long new_addr);
int task_mprotect(struct task_struct *t, unsigned long addr, unsigned long len, unsigned long prot);
unsigned long task_brk(struct task_struct *t, unsigned long brk);
/*
 * mm/mlock.c: VM_LOCKED on/off over a range; mlock faults it in and counts
 * RLIMIT_MEMLOCK (root is exempt), its pages go to the unevictable list and
 * are never swapped.  mlock2 takes MLOCK_ONFAULT (lock pages as they are
 * faulted in, fault nothing now); mlockall MCL_CURRENT | MCL_FUTURE |
 * MCL_ONFAULT; munlockall undoes both.  0 or -errno, as the system calls.
 */
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 0x01
#endif
#ifndef MCL_CURRENT
#define MCL_CURRENT 1
#define MCL_FUTURE 2
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif
int task_mlock(struct task_struct *t, unsigned long start, unsigned long len);
int task_mlock2(struct task_struct *t, unsigned long start, unsigned long len, int flags);
int task_munlock(struct task_struct *t, unsigned long start, unsigned long len);
int task_mlockall(struct task_struct *t, int flags);
int task_munlockall(struct task_struct *t);
/*
 * MADV_DONTNEED (drop the pages: they read back as zeros), MADV_NORMAL,
 * MADV_WILLNEED, MADV_COLD (to the inactive list), MADV_PAGEOUT (reclaimed
 * now: anonymous pages to swap): mm/madvise.c
 */
int task_madvise(struct task_struct *t, unsigned long start, unsigned long len, int advice);

/*
 * The software way into a task's memory (trace replay, big machines): each
 * page is translated through the task's page tables and faulted in as the
 * CPU would - a read maps the zero page, a write a fresh zeroed page.  A
 * fault the VMAs do not allow - kernel addresses included - queues SIGSEGV
 * for the task (logged as Linux does; SIGBUS past a file's end) and the
 * call returns -EFAULT.
 */
int mm_access(struct task_struct *t, unsigned long addr, unsigned long len, bool write);
int task_read(struct task_struct *t, unsigned long addr, void *buf, unsigned long len);
int task_write(struct task_struct *t, unsigned long addr, const void *buf, unsigned long len);
int task_memset(struct task_struct *t, unsigned long addr, int c, unsigned long len);

/*
 * The host-trap way in: a host pointer that stands for the task's user
 * address addr, so plain C loads and stores are the task's own accesses.
 * The first touch of a page traps; the trap runs the same fault handler as
 * mm_access (zero page, copy-on-write, stack growth) and maps the frame
 * with the PTE's protection, and the instruction runs again.  A fault the
 * task may not take is its SIGSEGV: inside kmm_try() the call returns
 * -EFAULT, outside it kmm stops the process.  The pointer is good for the
 * whole address space on 32-bit profiles and within a 4 GiB-aligned chunk
 * on x86_64 (take a new one per chunk).  NULL if addr is not a user
 * address or the host has no room for the window.
 */
void *task_user_ptr(struct task_struct *t, unsigned long addr);

/*
 * The task's pending signals: a mask with bit sig - 1 per signal
 * (/proc/PID/status's SigPnd), and dequeue_signal, which takes the next
 * one not in blocked (a synchronous fault signal - SIGSEGV, SIGBUS, SIGILL,
 * SIGTRAP, SIGFPE, SIGSYS - first, else the lowest number; never SIGKILL,
 * which is fatal and stays pending) and fills info: the signal, or 0 if
 * none is pending.  send_sig_info queues sig as the
 * kernel sends it (info NULL: from the kernel, SI_KERNEL): a standard
 * signal already pending is not queued again (0), a real-time one queues
 * again up to RLIMIT_SIGPENDING (-EAGAIN beyond); -EINVAL for a bad sig.
 */
u64 task_sigpending(struct task_struct *t);
/*
 * SIGKILL is pending: the OOM killer (or send_sig_info(SIGKILL)) killed the
 * task.  From then on every call made on its behalf - task_mmap, mm_access,
 * task_read ..., fork, a host-trap access inside kmm_try() - does nothing and
 * returns -EINTR (what the kernel's killable waits return before the task
 * dies on its way back to user space).  Its private memory and swap slots
 * are gone by then (the OOM reaper, or that way back); task_exit() is still
 * the caller's, as for any task, and gives back the rest - page tables,
 * VMAs, files, kernel objects - as the exit of a zombie's last thread.
 * /proc/PID/oom_score of a killed task is 0.
 */
bool fatal_signal_pending(struct task_struct *t);
int dequeue_signal(struct task_struct *t, u64 blocked, kernel_siginfo_t *info);
int send_sig_info(int sig, const kernel_siginfo_t *info, struct task_struct *t);

/* The first VMA ending above addr (through mm_mt), NULL if none; mmap_lock held. */
struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long addr);
/* The VMA below vma (6.1's mas_prev from it), NULL if none; mmap_lock held. */
struct vm_area_struct *vma_prev_of(struct mm_struct *mm, const struct vm_area_struct *vma);
/* kmm's VMA for an entry of mm->mm_mt (its object's kernel address); NULL for NULL. */
struct vm_area_struct *vma_of_entry(const struct mm_struct *mm, const void *entry);

/*
 * 6.1's VMA iterator: the VMAs from addr upwards, in order, through the
 * tree; mmap_lock held.
 *	VMA_ITERATOR(vmi, mm, 0);
 *	for_each_vma(vmi, vma) ...
 */
struct vma_iterator {
	struct ma_state mas;    /* the walk of mm->mm_mt */
	struct mm_struct *mm;   /* whose VMAs (for the way back from an entry) */
};

#define VMA_ITERATOR(name, __mm, __addr)                                                                        \
	struct vma_iterator name = { .mas = { .tree = &(__mm)->mm_mt, .index = (__addr), .last = (__addr),          \
					      .node = MAS_START },                                                \
				     .mm = (__mm) }

static inline struct vm_area_struct *vma_next(struct vma_iterator *vmi)
{
	return vma_of_entry(vmi->mm, mas_find(&vmi->mas, mt_ulong_max()));
}

#define for_each_vma(__vmi, __vma) while (((__vma) = vma_next(&(__vmi))) != NULL)
/* VMAs ordered, disjoint, inside the task size, neighbours that could merge merged; 0 or -EINVAL with why. */
int mm_verify(struct mm_struct *mm, char *why, size_t whylen);

#endif /* KMM_TASK_H */
