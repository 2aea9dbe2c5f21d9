/*
 * memory.c - page faults and the page tables of processes, as Linux 6.1's
 * mm/memory.c and arch/x86/mm/fault.c.
 *
 * A task's memory is given at mmap time and taken only when touched:
 *
 *   fault at addr --> find_vma --> access check --> the PTE:
 *     none, anonymous, read   map the shared zero page read-only
 *     none, anonymous, write  a zeroed page (GFP_HIGHUSER_MOVABLE: HighMem
 *                             first on i386), mapped writable
 *     none, file, read        fault-around first: the pages of the aligned
 *                             fault_around_bytes window (64 KiB) that the
 *                             page cache holds get read-only PTEs; if that
 *                             missed the page, the page-cache page itself
 *                             (filemap_fault: read from the disk with
 *                             readahead if missing - a major fault)
 *     none, file, write       shared: the cache page, writable and dirty;
 *                             private: a copy of it (do_cow_fault)
 *     present, write, RO      shared: make it writable, dirty the page;
 *                             private: the zero page or a page-cache page
 *                             is copied; an anonymous page whose only
 *                             reference is this PTE's is reused (decided
 *                             under the page lock), else copied
 *     beyond the file's end   SIGBUS (BUS_ADRERR)
 *     no VMA / no right       SIGSEGV (SEGV_MAPERR / SEGV_ACCERR), logged as
 *     / a kernel address      "comm[pid]: segfault at ADDR ip .. sp .. error N
 *                             likely on CPU C (core C, socket 0)", at most 10
 *                             per 5 s (printk_ratelimit)
 *
 * The error code N is the CPU's: 4 (user) | 2 (write) | 1 (the PTE was
 * present); a user access to a kernel address always has 1.  A stack
 * grows down to a fault below it, keeping stack_guard_gap (256 pages)
 * clear above the VMA under it.  Signals are queued on the task with
 * their siginfo (kernel/signal.c).
 *
 * In a VM_LOCKED VMA every page a fault maps is mlocked (a new anonymous
 * page through folio_add_lru_vma, an existing one by mlock_vma_page), and
 * every page zap or a COW unmaps from it is munlocked (munlock_vma_page):
 * mm/mlock.c keeps them on the unevictable list meanwhile.  zap_page_range
 * therefore walks its range VMA by VMA.
 *
 * Shared anonymous memory is a shmem file (mm/filemap.c), so its faults
 * are file faults that never read a disk.  Every PTE that maps a page
 * holds a reference and a mapcount on it (mm/rmap.c); zapping a PTE drops
 * both, so exit and munmap give every anonymous frame back, and empty
 * page-table pages go too.  The zero page is the first page of the
 * kernel's .bss (empty_zero_page), never counted or freed.
 *
 * Two ways in, one handler: the software path (mm_access and the
 * task_read/write helpers walk the tables and call do_fault where the PTE
 * does not allow the access) and the host trap (a C access through
 * task_user_ptr() traps in sim/trap.c, which calls handle_user_host_fault
 * here).  Whoever changes a present PTE drops the host mirror of it first
 * (flush_tlb_mm_range).  A fault that finds no memory (a page, a page
 * table) fails the software access with -ENOMEM; the host trap retries it
 * instead - the access runs again and faults again, as Linux's
 * pagefault_out_of_memory() retries ("Huh VM_FAULT_OOM leaked out ...") -
 * and gives up after OOM_RETRIES in a row (the OOM killer, mm/oom_kill.c,
 * ran in the allocator before each): the access then fails as one the task
 * may not make.  Both ways run as the task's `current` and stop as soon as
 * the task has SIGKILL pending (an OOM victim): the software access returns
 * -EINTR, the host trap makes kmm_try() return -EINTR, and on that way out
 * the task's private memory goes if the OOM reaper has not taken it
 * (task_killed).
 *
 * Counting, as 6.1 counts: every run of handle_mm_fault is a pgfault in
 * /proc/vmstat; a fault that read the disk, or hit the readahead marker,
 * returns VM_FAULT_RETRY (Linux drops mmap_lock for the I/O) and runs
 * again, so it is two pgfaults, one pgmajfault if it missed the cache,
 * and one major fault of the task (maj_flt); any other is a minor one.
 * A swap fault is major (one pgmajfault) when its page was not in the
 * swap cache and had to be read, with its readahead window (swap_state.c);
 * one that finds a page read ahead is minor.  swapoff brings an area's
 * pages back through unuse_mm here, mapping each old and read-only
 * (PROT_NONE where the VMA allows no access).
 * Locking: the task's mmap_lock around the whole fault; the page cache's
 * lock nests inside it, the page lock (PG_locked) only in do_wp_page.
 */
#include "internal.h"

#include <sched.h>

#include <kmm/swap.h>
#include "kernel/kobj.h"
#include "sim/ram.h"
#include "trace/events.h"

#include <kmm/task.h>
#include <signal.h>

#define PF_PROT 0x1  /* x86 page fault error code: the PTE was present (a protection fault) */
#define PF_WRITE 0x2
#define PF_USER 0x4

/*
 * include/linux/mm.h's add_mm_counter() and friends report each change of
 * an mm's RSS counters here (count: the counter's new value, in pages).
 */
void mm_trace_rss_stat(struct mm_struct *mm, int member, long count)
{
	trace_rss_stat(mm, member, count);
}

unsigned long zero_pfn(void)
{
	return PFN_UP(M->image.bss); /* empty_zero_page, at the start of .bss..page_aligned */
}

static pteval_t user_prot(unsigned long vm_flags, bool writable)
{
	pteval_t p = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED;
	if (writable)
		p |= _PAGE_RW | _PAGE_DIRTY;
	if (!(vm_flags & VM_EXEC))
		p |= _PAGE_NX; /* dropped where the format has no NX (pte_set) */
	return p;
}

/*
 * __bad_area_nosemaphore for a user access: the "segfault at" line
 * (show_signal_msg: at most 10 every 5 s of the simulated clock, with the
 * CPU it happened on, a core per CPU of one socket as the reference
 * machines have them; kmm has no instruction pointer, so ip and sp are 0
 * and no "in file[...]" part or Code: line follows) and SIGSEGV with the
 * address.  A user access to a kernel address always reports a
 * protection fault (sanitize_error_code hides which kernel pages are
 * mapped).
 */
static void bad_area(struct task_struct *t, unsigned long addr, unsigned long error_code, int si_code)
{
	int w = M->prof->bits == 64 ? 16 : 8, cpu = max(smp_processor_id(), 0);
	if (addr >= t->mm->task_size)
		error_code |= PF_PROT;
#define SEGFAULT_FMT "%s[%d]: segfault at %lx ip %0*lx sp %0*lx error %lx likely on CPU %d (core %d, socket 0)\n"
	if (!___ratelimit(&M->printk_rs, "show_signal_msg"))
		;
	else if (t->pid > 1)
		printk(KERN_INFO SEGFAULT_FMT, t->comm, t->pid, addr, w, 0UL, w, 0UL, error_code, cpu, cpu);
	else /* init's segfault is an emergency */
		printk(KERN_EMERG SEGFAULT_FMT, t->comm, t->pid, addr, w, 0UL, w, 0UL, error_code, cpu, cpu);
#undef SEGFAULT_FMT
	force_sig_fault_to_task(SIGSEGV, si_code, addr, t);
}

/*
 * A non-canonical address on x86_64 (bits 47..63 not all equal) is no
 * page fault but a general protection fault: SIGSEGV with SI_KERNEL and
 * no address, logged by show_signal.  arm64 has no such thing: any
 * address the tables do not map is a translation fault (SEGV_MAPERR).
 */
static bool canonical(unsigned long addr)
{
	return M->prof->bits != 64 || M->prof->arch != KMM_ARCH_X86 || (long)(addr << 16) >> 16 == (long)addr;
}

static void gp_user_force_sig_segv(struct task_struct *t)
{
	if (___ratelimit(&M->printk_rs, "show_signal"))
		printk(KERN_INFO "traps: %s[%d] general protection fault ip:%lx sp:%lx error:%x\n", t->comm, t->pid, 0UL, 0UL,
		       0);
	force_sig_fault_to_task(SIGSEGV, SI_KERNEL, 0, t);
}

/*
 * A fresh user page for mm, zeroed unless a copy will fill it, charged to
 * mm's memory cgroup; NULL: the OOM path of the page allocator or of the
 * group (mem_cgroup_charge) ran.
 */
static struct page *alloc_user_page(struct mm_struct *mm, bool zero)
{
	sim_charge(zero ? COST_CLEAR_PAGE : COST_COPY_PAGE, 1);
	/* vma_alloc_folio: a folio is compound (__GFP_COMP), which order 0 makes no different */
	/* vma_alloc_folio: the task's memory policy (mm/mempolicy.c) picks the nodes */
	struct page *page = alloc_pages_mpol(mm->owner, GFP_HIGHUSER_MOVABLE | __GFP_COMP | (zero ? __GFP_ZERO : 0), 0);
	if (page && mem_cgroup_charge(page, mm, GFP_HIGHUSER_MOVABLE)) {
		put_page(page);
		return NULL;
	}
	return page;
}

static bool vma_is_accessible(const struct vm_area_struct *v)
{
	return v->vm_flags & (VM_READ | VM_WRITE | VM_EXEC);
}

/*
 * expand_stack (expand_downwards): a fault below a VM_GROWSDOWN VMA grows
 * it down to the faulting page - not below mmap_min_addr, not into the
 * guard gap above an accessible VMA below that is not itself a stack,
 * within RLIMIT_STACK, RLIMIT_AS and (for a locked stack) RLIMIT_MEMLOCK,
 * and the grown pages committed (acct_stack_growth; mm/util.c's overcommit
 * check).  NULL: refused, the fault is SIGSEGV.
 */
static struct vm_area_struct *expand_stack(struct task_struct *t, struct vm_area_struct *vma, unsigned long addr)
{
	struct mm_struct *mm = t->mm;
	unsigned long start = addr & PAGE_MASK;
	if (start < MMAP_MIN_ADDR)
		return NULL;
	struct vm_area_struct *prev = vma_prev_of(mm, vma);
	if (prev && !(prev->vm_flags & VM_GROWSDOWN) && vma_is_accessible(prev) && start - prev->vm_end < M->stack_guard_gap)
		return NULL;
	unsigned long size = vma->vm_end - start, grow = (vma->vm_start - start) >> PAGE_SHIFT;
	if (grow > vma->vm_pgoff)
		return NULL;
	if (mm->total_vm + grow > t->rlim[RLIMIT_AS] >> PAGE_SHIFT || size > t->rlim[RLIMIT_STACK])
		return NULL;
	if ((vma->vm_flags & VM_LOCKED) && t->uid && mm->locked_vm + grow > t->rlim[RLIMIT_MEMLOCK] >> PAGE_SHIFT)
		return NULL; /* mlock_future_check; root has CAP_IPC_LOCK */
	if (anon_vma_prepare(vma))
		return NULL;
	/* the overcommit check, acct_stack_growth's last (a stack kmm made always has VM_ACCOUNT: what exit gives back) */
	bool charge = vma->vm_flags & VM_ACCOUNT;
	if (charge && vm_enough_memory(mm, (long)grow))
		return NULL;
	MA_STATE(mas, &mm->mm_mt, start, vma->vm_end - 1); /* the tree's write, before anything changes */
	if (mas_preallocate(&mas, NULL, GFP_KERNEL)) {
		if (charge)
			vm_unacct_memory((long)grow);
		return NULL;
	}
	if (vma->vm_flags & VM_LOCKED)
		mm->locked_vm += grow;
	vma->vm_start = start;
	kobj_vma_sync(vma);
	mas_store_prealloc(&mas, mt_entry_of(vma->obj));
	vma->vm_pgoff -= grow;
	mm->total_vm += grow;
	mm->stack_vm += grow;
	return vma;
}

/* Where a fault happens: the VMA, the leaf table and index of its PTE, and the page's address. */
struct vm_fault {
	struct task_struct *t;
	struct vm_area_struct *vma;
	unsigned long addr;         /* page aligned */
	unsigned long real_address; /* the address the access faulted at (siginfo) */
	unsigned long pgoff;        /* the page's offset in the VMA's file (or anonymous pgoff) */
	phys_addr_t table;
	unsigned long idx;
	pteval_t pte;               /* the entry when this run of the fault began */
	unsigned int flags;         /* FAULT_FLAG_WRITE, FAULT_FLAG_TRIED */
};

static void set_pte(struct vm_fault *vmf, struct page *page, bool writable)
{
	unsigned long pfn = page ? page_to_pfn(page) : zero_pfn();
	pte_set(vmf->table, vmf->idx, PFN_PHYS(pfn) | user_prot(vmf->vma->vm_flags, writable));
}

/* A copy of src (NULL: the zero page) for this private VMA, mapped writable in place of the PTE's page. */
static int wp_page_copy(struct vm_fault *vmf, struct page *src)
{
	struct mm_struct *mm = vmf->vma->vm_mm;
	if (anon_vma_prepare(vmf->vma))
		return -ENOMEM;
	/*
	 * The source stays ours while the allocation below may reclaim: a
	 * reference, and its lock when free, so that reclaim passes it over
	 * instead of unmapping it from under this fault (which would then
	 * fault it back in, and could meet reclaim again without end).
	 */
	bool locked = src && trylock_page(src);
	if (src)
		get_page(src);
	struct page *new = alloc_user_page(mm, !src);
	if (locked)
		unlock_page(src);
	if (!new || pte_get(vmf->table, vmf->idx) != vmf->pte) {
		/* none, or reclaim took the PTE's page meanwhile (pte_same failed): the access faults again */
		if (new)
			put_page(new);
		if (src)
			put_page(src);
		return new ? 0 : -ENOMEM;
	}
	if (src) {
		memcpy(ram_host(page_to_phys(new)), ram_host(page_to_phys(src)), PAGE_SIZE); /* copy_user_highpage */
		put_page(src);
	}
	page_add_new_anon_rmap(new, vmf->vma, vmf->addr);
	folio_add_lru_vma(new, vmf->vma);
	if (vmf->pte & _PAGE_PRESENT)
		flush_tlb_mm_range(mm, vmf->addr, vmf->addr + PAGE_SIZE); /* ptep_clear_flush */
	set_pte(vmf, new, true);
	if (vmf->pte & _PAGE_PRESENT) {
		unsigned long pfn = PHYS_PFN(vmf->pte & PTE_PFN_MASK);
		if (pfn != zero_pfn()) {
			munlock_vma_page(pfn_to_page(pfn), vmf->vma); /* page_remove_rmap's, in a locked VMA */
			page_remove_rmap(pfn_to_page(pfn), mm);
			put_page(pfn_to_page(pfn));
		}
	}
	return 0;
}

/* do_anonymous_page */
static int do_anonymous_page(struct vm_fault *vmf)
{
	if (!(vmf->flags & FAULT_FLAG_WRITE)) {
		set_pte(vmf, NULL, false);
		return 0;
	}
	return wp_page_copy(vmf, NULL);
}

/* ---- file faults: fault-around and the page cache ----------------------------------------- */

/* fault_around_bytes in pages: a power of two, 1 (off) to a page table's worth. */
static unsigned long fault_around_pages(void)
{
	return __atomic_load_n(&M->fault_around_bytes, __ATOMIC_RELAXED) >> PAGE_SHIFT;
}

void show_fault_around_bytes(struct strbuf *sb)
{
	sb_printf(sb, "%lu\n", __atomic_load_n(&M->fault_around_bytes, __ATOMIC_RELAXED));
}

/* A write is rounded down to a power of two (a page at least); more than a page table maps is -EINVAL. */
int write_fault_around_bytes(const char *val)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(val, &end, 0); /* kstrtoull, base 0 */
	if (end == val || errno || (*end && strcmp(end, "\n")) || val[0] == '-')
		return -EINVAL;
	if (v / PAGE_SIZE > user_pte_span() / PAGE_SIZE)
		return -EINVAL;
	unsigned long bytes = PAGE_SIZE;
	while (v > PAGE_SIZE && bytes * 2 <= v)
		bytes *= 2; /* rounddown_pow_of_two */
	__atomic_store_n(&M->fault_around_bytes, bytes, __ATOMIC_RELAXED);
	return 0;
}

struct around_map_ctx {
	struct vm_fault *vmf;
	int ret; /* VM_FAULT_NOPAGE once the faulting page is mapped */
};

/* do_set_pte for a page fault-around found: mapped read-only where the PTE is none. */
static void fault_around_map(void *arg, unsigned long index, struct page *page)
{
	struct around_map_ctx *c = arg;
	struct vm_fault *vmf = c->vmf;
	struct vm_area_struct *vma = vmf->vma;
	unsigned long addr = vma->vm_start + ((index - vma->vm_pgoff) << PAGE_SHIFT);
	unsigned long idx = vmf->idx + (unsigned long)((long)(addr - vmf->addr) / (long)PAGE_SIZE); /* in the fault's table */
	if (pte_get(vmf->table, idx)) {
		put_page(page);
		return;
	}
	page_add_file_rmap(page, vma->vm_mm);
	mlock_vma_page(page, vma); /* page_add_file_rmap's, in a locked VMA */
	pte_set(vmf->table, idx, page_to_phys(page) | user_prot(vma->vm_flags, false)); /* keeps the reference */
	if (addr == vmf->addr)
		c->ret = VM_FAULT_NOPAGE;
}

/*
 * do_fault_around: before a read fault asks the file for its page, the
 * pages of the fault_around_bytes-aligned window around it that the page
 * cache already holds get PTEs too - within the VMA and the fault's page
 * table.  VM_FAULT_NOPAGE if that mapped the faulting page itself.
 */
static int do_fault_around(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long nr_pages = fault_around_pages(), ptrs = user_pte_span() >> PAGE_SHIFT;
	unsigned long mask = ~(nr_pages * PAGE_SIZE - 1) & PAGE_MASK;
	unsigned long address = max(vmf->addr & mask, vma->vm_start);
	unsigned long off = ((vmf->addr - address) >> PAGE_SHIFT) & (ptrs - 1);
	unsigned long start_pgoff = vmf->pgoff - off;
	unsigned long end_pgoff = start_pgoff - ((address >> PAGE_SHIFT) & (ptrs - 1)) + ptrs - 1;
	end_pgoff = min(end_pgoff, ((vma->vm_end - vma->vm_start) >> PAGE_SHIFT) + vma->vm_pgoff - 1);
	end_pgoff = min(end_pgoff, start_pgoff + nr_pages - 1);
	struct around_map_ctx c = { vmf, 0 };
	filemap_map_pages(vma->vm_file, start_pgoff, end_pgoff, fault_around_map, &c);
	return c.ret;
}

/* __do_fault: the file's page for this fault (referenced), or NULL with VM_FAULT_RETRY or an error. */
static struct page *__do_fault(struct vm_fault *vmf, int *ret)
{
	struct page *page = filemap_fault(vmf->vma->vm_file, vmf->pgoff, vmf->flags, ret);
	if (*ret == -EFAULT) /* beyond the end of the file */
		force_sig_fault_to_task(SIGBUS, BUS_ADRERR, vmf->real_address, vmf->t);
	return page;
}

/* do_read_fault: fault-around first; if that did not map the page, the file gives it, mapped read-only. */
static int do_read_fault(struct vm_fault *vmf)
{
	if (fault_around_pages() > 1) {
		int ret = do_fault_around(vmf);
		if (ret)
			return ret;
	}
	int ret;
	struct page *page = __do_fault(vmf, &ret);
	if (!page)
		return ret;
	page_add_file_rmap(page, vmf->vma->vm_mm); /* finish_fault */
	mlock_vma_page(page, vmf->vma);
	set_pte(vmf, page, false);                 /* the PTE keeps filemap_fault's reference */
	return ret;
}

/* do_cow_fault / do_shared_fault: a write fault where no PTE is. */
static int do_write_file_fault(struct vm_fault *vmf)
{
	int ret;
	struct page *page = __do_fault(vmf, &ret);
	if (!page)
		return ret;
	if (!(vmf->vma->vm_flags & VM_SHARED)) { /* do_cow_fault: a private copy of the file's page */
		int err = wp_page_copy(vmf, page);
		put_page(page);
		return err ? err : ret;
	}
	/* do_shared_fault: the file's page, locked (reclaim passes it over), writable and dirty */
	while (!trylock_page(page))
		sched_yield();
	int err = filemap_page_mkwrite(page);
	if (err) { /* VM_FAULT_OOM from ->page_mkwrite; -EAGAIN: truncated meanwhile, the access faults again */
		unlock_page(page);
		put_page(page);
		return err == -EAGAIN ? 0 : err;
	}
	page_add_file_rmap(page, vmf->vma->vm_mm);
	mlock_vma_page(page, vmf->vma);
	set_pte(vmf, page, true);
	unlock_page(page);
	return ret;
}

/* ---- write-protect faults --------------------------------------------------------------------- */

/*
 * do_wp_page: a write to a present read-only PTE of a writable VMA.  An
 * anonymous page is reused when this PTE holds its only reference, as
 * 6.1 decides it: on the page count alone, checked again under the page
 * lock.  The mapcount is not read - other tasks' exits and COW faults,
 * under their own mmap_lock, change it - and the count is read with
 * acquire, so the other side's last put_page, and everything it did to
 * the page before, happens before the reuse.
 */
static int do_wp_page(struct vm_fault *vmf)
{
	unsigned long pfn = PHYS_PFN(vmf->pte & PTE_PFN_MASK);
	struct page *old = pfn == zero_pfn() ? NULL : pfn_to_page(pfn);
	if (old && (vmf->vma->vm_flags & VM_SHARED)) { /* wp_page_shared: the file's page, now dirty */
		/*
		 * Referenced and locked first, as 6.1's do_page_mkwrite locks it:
		 * the buffers' allocation may reclaim, and reclaim - through this
		 * thread's own mmap_lock - would otherwise unmap and free this very
		 * page under the fault.  One that left the cache meanwhile: the
		 * access faults again.
		 */
		get_page(old);
		while (!trylock_page(old))
			sched_yield();
		int err = 0;
		if (page_mapping_raw(old) && !PageAnon(old) && pte_get(vmf->table, vmf->idx) == vmf->pte) {
			err = filemap_page_mkwrite(old);
			/* reclaim may have unmapped it meanwhile: the PTE is checked again */
			if (!err && pte_get(vmf->table, vmf->idx) == vmf->pte) {
				pte_set(vmf->table, vmf->idx, vmf->pte | _PAGE_RW | _PAGE_DIRTY);
				count_vm_event(PGREUSE); /* finish_mkwrite_fault's wp_page_reuse */
			}
			if (err == -EAGAIN)
				err = 0; /* truncated meanwhile: the access faults again */
		}
		unlock_page(old);
		put_page(old);
		return err;
	}
	/* a swap-cache page whose slot no other PTE holds leaves the cache: its reference is no sharer */
	if (old && PageAnon(old) && page_in_swap_cache(old) && trylock_page(old)) {
		try_to_free_swap(old);
		unlock_page(old);
	}
	/* a reference from this CPU's LRU batch is not a sharer (6.1 drains it; other CPUs' it cannot see) */
	if (old && PageAnon(old) && !(__atomic_load_n(&old->flags, __ATOMIC_RELAXED) & (1UL << PG_lru)))
		lru_add_drain();
	if (old && PageAnon(old) && __atomic_load_n(&old->_refcount, __ATOMIC_ACQUIRE) == 1 && trylock_page(old)) {
		bool reuse = __atomic_load_n(&old->_refcount, __ATOMIC_ACQUIRE) == 1 && !anon_vma_prepare(vmf->vma);
		if (reuse)
			page_move_anon_rmap(old, vmf->vma); /* only we map it: it is this VMA's now */
		unlock_page(old);
		if (reuse) {
			pte_set(vmf->table, vmf->idx, vmf->pte | _PAGE_RW | _PAGE_DIRTY); /* wp_page_reuse */
			count_vm_event(PGREUSE);
			return 0;
		}
	}
	return wp_page_copy(vmf, old);
}

/*
 * do_swap_page: the PTE holds a swap entry.  The page comes from the swap
 * cache - a minor fault, even when readahead put it there (swap_ra_hit) -
 * or is read back from the slot with its readahead window (swapin_
 * readahead): a major fault, VM_FAULT_MAJOR, as 6.1 counts it whenever
 * the cache missed.  The PTE maps it, the slot loses this PTE's hold.  On
 * a write, a page only this PTE wanted leaves the swap cache and is
 * mapped writable; otherwise it stays cached (its bytes are on the slot:
 * reclaim may drop it without a write) and is mapped read-only, for
 * do_wp_page to decide.
 */
static int do_swap_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	swp_entry_t entry = pte_to_swp_entry(vmf->pte);
	if (anon_vma_prepare(vma))
		return -ENOMEM;
	bool major;
	unsigned long nr_read;
	struct page *page = swapin_readahead(entry, vma, vmf->addr, vmf->table, vmf->idx, &major, &nr_read);
	if (nr_read) /* the task sleeps on the read: one request for the window (6.1 plugs it), its pages */
		sim_io_wait(SWAP_READ_LATENCY_NS + nr_read * SWAP_READ_PAGE_NS);
	if (!page)
		return pte_get(vmf->table, vmf->idx) != vmf->pte ? 0 : -ENOMEM;
	while (!trylock_page(page))
		sched_yield(); /* reclaim holds it for a moment */
	if (pte_get(vmf->table, vmf->idx) != vmf->pte) { /* another thread of the task got here first */
		unlock_page(page);
		put_page(page);
		return 0;
	}
	bool exclusive = swap_count(entry) == 1; /* only this PTE holds the slot */
	page_add_anon_rmap(page, vma, vmf->addr, exclusive);
	mlock_vma_page(page, vma); /* page_add_anon_rmap's, in a locked VMA */
	mm_swapents_add(vma->vm_mm, -1);
	swap_free(entry);
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	/* should_try_to_free_swap: a write with nobody else on the page, a locked VMA, or swap half full */
	if (write && page_ref_count(page) == 2)
		try_to_free_swap(page);
	else if ((vma->vm_flags & VM_LOCKED) || kmm_nr_swap_pages() * 2 < kmm_total_swap_pages())
		try_to_free_swap(page);
	bool writable = write && !page_in_swap_cache(page) && exclusive && page_ref_count(page) == 1;
	pte_set(vmf->table, vmf->idx, PFN_PHYS(page_to_pfn(page)) | user_prot(vma->vm_flags, writable));
	unlock_page(page);
	return major ? VM_FAULT_MAJOR : 0;
}

/* ---- swapoff: every PTE of an area back to its page (mm/swapfile.c's unuse_*) ---------------- */

struct unuse_ctx {
	struct mm_struct *mm;
	struct vm_area_struct *vma;
	unsigned int type; /* the area going */
	int err;
};

/*
 * unuse_pte_range for one PTE: a swap entry of the area gets its page,
 * through the swap cache (and readahead, as swapoff reads it), mapped
 * old and read-only as vm_page_prot maps a private page (a write then
 * decides in do_wp_page), or PROT_NONE in a VMA without access; the slot
 * loses the PTE's hold, and the page
 * lets go of the slot if no other PTE holds it.  A slot that went
 * meanwhile is skipped; no page for it fails the walk with -ENOMEM.
 */
static void unuse_pte(unsigned long addr, phys_addr_t table, unsigned long idx, pteval_t pte, void *arg)
{
	struct unuse_ctx *c = arg;
	if (c->err || !is_swap_pte(pte))
		return;
	swp_entry_t entry = pte_to_swp_entry(pte);
	if (swp_type(entry) != c->type)
		return;
	bool major;
	unsigned long nr_read;
	struct page *page = swapin_readahead(entry, c->vma, addr, table, idx, &major, &nr_read);
	if (!page) {
		if (pte_get(table, idx) == pte && swap_count(entry))
			c->err = -ENOMEM;
		return;
	}
	while (!trylock_page(page))
		sched_yield();
	if (pte_get(table, idx) != pte) { /* reclaim or a fault of another thread changed it */
		unlock_page(page);
		put_page(page);
		return;
	}
	page_add_anon_rmap(page, c->vma, addr, swap_count(entry) == 1); /* the reference is the PTE's now */
	mlock_vma_page(page, c->vma); /* page_add_anon_rmap's, in a locked VMA */
	mm_swapents_add(c->mm, -1);
	swap_free(entry);
	pteval_t e = PFN_PHYS(page_to_pfn(page)) | (user_prot(c->vma->vm_flags, false) & ~(pteval_t)_PAGE_ACCESSED);
	if (!vma_is_accessible(c->vma)) /* PROT_NONE: vm_page_prot keeps the page but no access (change_pte_prot's) */
		e = (e & ~(pteval_t)(_PAGE_PRESENT | _PAGE_RW)) | _PAGE_PROTNONE;
	pte_set(table, idx, e);
	try_to_free_swap(page);
	unlock_page(page);
}

/* unuse_mm: every swap PTE of the area in mm's anonymous VMAs gets its page (0, or -ENOMEM) */
int unuse_mm(struct mm_struct *mm, unsigned int type)
{
	struct unuse_ctx c = { mm, NULL, type, 0 };
	mmap_write_lock(mm);
	VMA_ITERATOR(vmi, mm, 0);
	struct vm_area_struct *vma;
	for_each_vma(vmi, vma) {
		if (!vma->anon_vma || c.err)
			continue;
		c.vma = vma;
		walk_ptes_swap(mm, vma->vm_start, vma->vm_end, unuse_pte, &c);
	}
	mmap_write_unlock(mm);
	return c.err;
}

/* handle_pte_fault for one run of a fault: VM_FAULT_* bits, or -errno. */
static int handle_pte_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	vmf->pte = pte_get(vmf->table, vmf->idx);
	if (!(vmf->pte & _PAGE_PRESENT)) {
		if (is_swap_pte(vmf->pte))
			return do_swap_page(vmf);
		if (!vma->vm_file)
			return do_anonymous_page(vmf);
		return vmf->flags & FAULT_FLAG_WRITE ? do_write_file_fault(vmf) : do_read_fault(vmf);
	}
	if ((vmf->flags & FAULT_FLAG_WRITE) && !(vmf->pte & _PAGE_RW))
		return do_wp_page(vmf);
	return 0; /* another fault got here first */
}

/* access_error: may the VMA take this fault (error_code as the CPU gave it)? */
static bool access_error(unsigned long error_code, const struct vm_area_struct *vma)
{
	if (error_code & PF_WRITE)
		return !(vma->vm_flags & VM_WRITE);
	if (error_code & PF_PROT)
		return true; /* a read of a present page faulted */
	return !vma_is_accessible(vma);
}

/* ---- mmap_lock: who holds it ---- */

static __thread char lock_token;

const void *mmap_lock_token(void)
{
	return &lock_token;
}

/*
 * Reclaim's use of an mm: this thread's own lock as it is (*took false),
 * another's only if free at once (*took true); false if it is not free.
 */
bool reclaim_lock_mm(struct mm_struct *mm, bool *took)
{
	*took = false;
	if (mmap_lock_is_mine(mm))
		return true;
	return *took = mmap_write_trylock(mm);
}

void reclaim_unlock_mm(struct mm_struct *mm, bool took)
{
	if (took)
		mmap_write_unlock(mm);
}

/*
 * do_user_addr_fault + handle_mm_fault for one address, mmap_lock held:
 * 0, or -EFAULT after SIGSEGV/SIGBUS, or -ENOMEM.  The error code is the
 * CPU's: PF_USER, PF_WRITE for a write, PF_PROT only if the PTE was
 * present (kmm has no instruction fetches, so never PF_INSTR).  Every run
 * of handle_mm_fault counts in pgfault; a fault that ran again after
 * VM_FAULT_RETRY, or read the disk, is the task's major fault
 * (mm_account_fault), else its minor one.
 */
static int do_fault(struct task_struct *t, unsigned long addr, bool write)
{
	struct mm_struct *mm = t->mm;
	unsigned long error = PF_USER | (write ? PF_WRITE : 0);
	if (addr >= mm->task_size) { /* fault_in_kernel_space: no user access gets there */
		if (!canonical(addr))
			gp_user_force_sig_segv(t);
		else
			bad_area(t, addr, error, SEGV_MAPERR);
		return -EFAULT;
	}
	unsigned long idx;
	phys_addr_t table = user_pte_table(mm->pgd, addr, false, &idx);
	if (table && (pte_get(table, idx) & _PAGE_PRESENT))
		error |= PF_PROT;
	struct vm_area_struct *vma = find_vma(mm, addr);
	if (vma && addr < vma->vm_start)
		vma = (vma->vm_flags & VM_GROWSDOWN) ? expand_stack(t, vma, addr) : NULL;
	if (!vma) {
		bad_area(t, addr, error, SEGV_MAPERR);
		return -EFAULT;
	}
	if (access_error(error, vma)) {
		bad_area(t, addr, error, SEGV_ACCERR);
		return -EFAULT;
	}
	struct vm_fault vmf = { .t = t, .vma = vma, .addr = addr & PAGE_MASK, .real_address = addr,
				.pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT) };
	vmf.table = table; /* the walk above, unless the leaf table is still to be made */
	vmf.idx = idx;
	if (!vmf.table && !(vmf.table = user_pte_table(mm->pgd, addr, true, &vmf.idx)))
		return -ENOMEM;
	unsigned int flags = write ? FAULT_FLAG_WRITE : 0;
	int ret;
	for (;;) {
		count_vm_events(PGFAULT, 1);
		memcg_count_event_mm(mm, MEMCG_PGFAULT);
		sim_charge(COST_FAULT, 1);
		vmf.flags = flags;
		ret = handle_pte_fault(&vmf);
		if (ret > 0 && (ret & VM_FAULT_MAJOR)) {
			count_vm_events(PGMAJFAULT, 1); /* filemap_fault counts it when it misses */
			memcg_count_event_mm(mm, MEMCG_PGMAJFAULT);
		}
		if (ret < 0 || !(ret & VM_FAULT_RETRY))
			break;
		flags |= FAULT_FLAG_TRIED;
	}
	if (ret < 0)
		return ret;
	if ((ret & VM_FAULT_MAJOR) || (flags & FAULT_FLAG_TRIED))
		t->maj_flt++;
	else
		t->min_flt++;
	return 0;
}

/* The leaf table last walked to (a TLB of one entry); valid while mmap_lock is held. */
struct walk_cache {
	unsigned long base; /* the address the table's first entry maps */
	phys_addr_t table;  /* 0: none */
};

/* The physical address of addr if the PTE allows the access, else 0 (a fault is due). */
static phys_addr_t translate(struct mm_struct *mm, unsigned long addr, bool write, struct walk_cache *wc)
{
	unsigned long span = user_pte_span(), idx = (addr & (span - 1)) >> PAGE_SHIFT;
	if (!wc->table || ALIGN_DOWN(addr, span) != wc->base) {
		wc->table = user_pte_table(mm->pgd, addr, false, &idx);
		wc->base = ALIGN_DOWN(addr, span);
		if (!wc->table)
			return 0;
	}
	pteval_t pte = pte_get(wc->table, idx);
	if (!(pte & _PAGE_PRESENT) || !(pte & _PAGE_USER) || (write && !(pte & _PAGE_RW)))
		return 0;
	/* the MMU's part: the access sets the accessed bit, a write the dirty bit (reclaim reads them) */
	pteval_t set = _PAGE_ACCESSED | (write ? _PAGE_DIRTY : 0);
	if ((pte & set) != set)
		pte_set(wc->table, idx, pte | set);
	return (pte & PTE_PFN_MASK) | (addr & ~PAGE_MASK);
}

/* Walk [addr, addr + len) page by page, faulting as needed; fn gets each piece's bytes. */
static int access_range(struct task_struct *t, unsigned long addr, unsigned long len, bool write,
			void (*fn)(void *host, unsigned long off, unsigned long n, void *arg), void *arg)
{
	if (task_killed(t))
		return -EINTR;
	if (!t || !t->mm)
		return -EINVAL;
	struct mm_struct *mm = t->mm;
	if (addr + len < addr || (M->prof->bits == 32 && addr + len > (1UL << 32)))
		return -EFAULT; /* not addresses of this machine at all */
	struct task_struct *prev = set_current(t);
	mmap_write_lock(mm);
	int ret = 0;
	struct walk_cache wc = { 0, 0 };
	for (unsigned long done = 0; done < len && !ret;) {
		if (fatal_signal_pending(t)) /* the OOM killer chose it: no more work for it */
			break;
		unsigned long a = addr + done, n = min(len - done, PAGE_SIZE - (a & ~PAGE_MASK));
		phys_addr_t pa = a < mm->task_size ? translate(mm, a, write, &wc) : 0; /* above: the kernel's tables */
		/*
		 * Fault until the access is allowed: one fault may leave a page
		 * read-only (a swapped-in page still cached) for the next to make
		 * writable, or lose a race with reclaim (pte_same) and change nothing.
		 */
		for (int tries = 0; !pa && !ret; tries++) {
			ret = tries < 16 ? do_fault(t, a, write) : -EFAULT;
			/* an existing table stays where it is; a missing one the fault may have made */
			if (!ret)
				pa = translate(mm, a, write, &wc);
		}
		if (ret)
			break;
		if (fn)
			fn(ram_host(pa), done, n, arg);
		done += n;
		/* each page's fault returned to user space: a group over memory.high reclaims there */
		mem_cgroup_handle_over_high();
		/* between two pages, a task could be preempted (kswapd's turn): the lock goes for it */
		if (done < len && sched_kthread_wants_cpu()) {
			mmap_write_unlock(mm);
			sched_point();
			mmap_write_lock(mm);
			wc.table = 0;
		}
	}
	mmap_write_unlock(mm);
	mem_cgroup_handle_over_high(); /* the return to user space: a group over memory.high reclaims */
	set_current(prev);
	sched_point();
	if (fatal_signal_pending(t)) /* killed meanwhile: it dies on the way back to user space */
		ret = task_killed(t);
	return ret;
}

/* ---- the host-trap way in ----------------------------------------------------------------- */

struct around_ctx {
	struct mm_struct *mm;
	struct walk_cache wc;
};

static pteval_t around_lookup(void *arg, unsigned long addr)
{
	struct around_ctx *c = arg;
	unsigned long span = user_pte_span(), idx = (addr & (span - 1)) >> PAGE_SHIFT;
	if (!c->wc.table || ALIGN_DOWN(addr, span) != c->wc.base) {
		c->wc.table = user_pte_table(c->mm->pgd, addr, false, &idx);
		c->wc.base = ALIGN_DOWN(addr, span);
	}
	return c->wc.table ? pte_get(c->wc.table, idx) : 0;
}

/*
 * A host access through mm's window w trapped at user address addr: fault
 * the page in as the CPU would if its PTE does not allow the access, then
 * mirror it together with the pages after it, in the same VMA, that are
 * mapped to the frames that follow its frame (fault-around in one host
 * call: sequentially faulted pages usually got consecutive frames from
 * the per-CPU list, and a page the next write will replace - the zero
 * page, a COW page - is not worth a call of its own).  0, or -EFAULT
 * after the task's SIGSEGV.
 */
#define OOM_RETRIES 8
static __thread int oom_retries; /* this thread's faults in a row that found no memory */

int handle_user_host_fault(struct mm_struct *mm, struct kmm_window *w, unsigned long addr, bool write)
{
	struct task_struct *t = mm->owner;
	if (fatal_signal_pending(t))
		return task_killed(t); /* an OOM victim's memory: the access is the killed task's, it goes no further */
	struct around_ctx c = { mm, { 0, 0 } };
	struct task_struct *prev = set_current(t);
	mmap_write_lock(mm);
	int ret = 0;
	if (!translate(mm, addr, write, &c.wc)) {
		ret = do_fault(t, addr, write);
		c.wc.table = 0; /* the fault may have made the table */
		/* the access the fault was for now happens: the MMU sets the accessed (and dirty) bit */
		if (!ret)
			translate(mm, addr, write, &c.wc);
	}
	if (ret == -ENOMEM && oom_retries < OOM_RETRIES && !fatal_signal_pending(t)) {
		mmap_write_unlock(mm);
		set_current(prev);
		oom_retries++;
		if (__ratelimit(&M->pfoom_rs))
			pr_warn("Huh VM_FAULT_OOM leaked out to the #PF handler. Retrying PF\n");
		sched_point();
		return 0; /* nothing mapped: the access faults again */
	}
	oom_retries = 0;
	if (!ret) {
		unsigned long page = addr & PAGE_MASK;
		struct vm_area_struct *vma = find_vma(mm, addr);
		ret = kmm_window_mirror(w, page, min(vma->vm_end, page + FAULT_AROUND * PAGE_SIZE), 1, around_lookup, &c);
	}
	mmap_write_unlock(mm);
	mem_cgroup_handle_over_high(); /* a group over memory.high reclaims on the way back */
	set_current(prev);
	sched_point(); /* the return to user */
	if (fatal_signal_pending(t)) /* killed meanwhile (its own fault chose it): it dies on the way back to user */
		return task_killed(t);
	return ret ? -EFAULT : 0;
}

void *task_user_ptr(struct task_struct *t, unsigned long addr)
{
	return t && t->mm ? kmm_user_host(t->mm, addr) : NULL;
}

/* The host mirror of mm's [start, end) goes: its PTEs are about to change (mmap_lock held). */
void flush_tlb_mm_range(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	kmm_user_window_unmap(mm, start, end);
}

int mm_access(struct task_struct *t, unsigned long addr, unsigned long len, bool write)
{
	return access_range(t, addr, len, write, NULL, NULL);
}

static void copy_out(void *host, unsigned long off, unsigned long n, void *arg)
{
	memcpy((char *)arg + off, host, n);
}

static void copy_in(void *host, unsigned long off, unsigned long n, void *arg)
{
	memcpy(host, (const char *)arg + off, n);
}

static void fill(void *host, unsigned long off, unsigned long n, void *arg)
{
	memset(host, *(int *)arg, n);
}

int task_read(struct task_struct *t, unsigned long addr, void *buf, unsigned long len)
{
	return access_range(t, addr, len, false, copy_out, buf);
}

int task_write(struct task_struct *t, unsigned long addr, const void *buf, unsigned long len)
{
	return access_range(t, addr, len, true, copy_in, (void *)buf);
}

int task_memset(struct task_struct *t, unsigned long addr, int c, unsigned long len)
{
	return access_range(t, addr, len, true, fill, &c);
}

/* ---- zap, protection, teardown (mmap_lock held) ------------------------------------------- */

/*
 * fn on every PTE of [start, end) that maps a page (present, or kept by
 * PROT_NONE) - and with swap set, on swap PTEs too - with its table and
 * index so it may change the entry; leaf tables that do not exist are
 * skipped whole.
 */
static void __walk_ptes(struct mm_struct *mm, unsigned long start, unsigned long end, pte_fn fn, void *arg, bool swap)
{
	unsigned long span = user_pte_span();
	for (unsigned long a = start; a < end;) {
		unsigned long idx;
		phys_addr_t table = user_pte_table(mm->pgd, a, false, &idx);
		unsigned long table_end = min(ALIGN_DOWN(a, span) + span, end);
		if (!table) {
			a = table_end;
			continue;
		}
		for (; a < table_end; a += PAGE_SIZE, idx++) {
			pteval_t pte = pte_get(table, idx);
			if ((pte & (_PAGE_PRESENT | _PAGE_PROTNONE)) || (swap && pte))
				fn(a, table, idx, pte, arg);
		}
	}
}

void walk_ptes(struct mm_struct *mm, unsigned long start, unsigned long end, pte_fn fn, void *arg)
{
	__walk_ptes(mm, start, end, fn, arg, false);
}

void walk_ptes_swap(struct mm_struct *mm, unsigned long start, unsigned long end, pte_fn fn, void *arg)
{
	__walk_ptes(mm, start, end, fn, arg, true);
}

struct zap_details {
	struct mm_struct *mm;
	struct vm_area_struct *vma; /* the VMA the PTEs belong to */
};

static void zap_pte(unsigned long addr, phys_addr_t table, unsigned long idx, pteval_t pte, void *arg)
{
	struct zap_details *z = arg;
	struct mm_struct *mm = z->mm;
	pte_set(table, idx, 0);
	if (is_swap_pte(pte)) { /* the slot loses a holder; its cached page may go with it */
		mm_swapents_add(mm, -1);
		free_swap_and_cache(pte_to_swp_entry(pte));
		return;
	}
	unsigned long pfn = PHYS_PFN(pte & PTE_PFN_MASK);
	if (pfn != zero_pfn()) {
		struct page *page = pfn_to_page(pfn);
		if (!PageAnon(page) && (pte & _PAGE_ACCESSED))
			folio_mark_accessed(page); /* zap_pte_range: a young file page was in use */
		if (z->vma)
			munlock_vma_page(page, z->vma); /* page_remove_rmap's, in a locked VMA */
		page_remove_rmap(page, mm);
		/* free_swap_cache: a swap-cache page no task maps lets go of its slot (if no PTE holds it) */
		if (page_in_swap_cache(page) && !page_mapcount(page) && trylock_page(page)) {
			try_to_free_swap(page);
			unlock_page(page);
		}
		put_page(page);
	}
}

/*
 * zap_page_range: drop every PTE of [start, end), VMA by VMA (unmap_vmas:
 * a page leaving a locked VMA is munlocked), then the tables left empty.
 * The range's VMAs are still in the tree.  unmap_page_range leaves the
 * tables (the OOM reaper's: it may run inside a page-table allocation,
 * which holds the tables' lock).
 */
void zap_page_range(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	unmap_page_range(mm, start, end);
	user_free_pgtables(mm->pgd, start, end);
}

void unmap_page_range(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	lru_add_drain(); /* free_pages_and_swap_cache: this CPU's batch lets go of the pages first */
	flush_tlb_mm_range(mm, start, end);
	for (unsigned long a = start; a < end;) {
		struct vm_area_struct *vma = find_vma(mm, a);
		unsigned long to = !vma ? end : vma->vm_start > a ? min(vma->vm_start, end) : min(vma->vm_end, end);
		struct zap_details z = { mm, vma && vma->vm_start <= a ? vma : NULL };
		__walk_ptes(mm, a, to, zap_pte, &z, true);
		a = to;
	}
	lru_add_drain(); /* tlb_finish_mmu's: the munlocks in this CPU's mlock batch are done */
}

static void change_pte_prot(unsigned long addr, phys_addr_t table, unsigned long idx, pteval_t pte, void *arg)
{
	unsigned long flags = *(unsigned long *)arg;
	pteval_t e;
	if (!(flags & (VM_READ | VM_WRITE | VM_EXEC))) {
		e = (pte & ~(pteval_t)(_PAGE_PRESENT | _PAGE_RW)) | _PAGE_PROTNONE;
	} else {
		e = (pte & ~(pteval_t)(_PAGE_PROTNONE | _PAGE_NX)) | _PAGE_PRESENT;
		if (!(flags & VM_WRITE))
			e &= ~(pteval_t)_PAGE_RW;
		if (!(flags & VM_EXEC))
			e |= _PAGE_NX;
	}
	if (e != pte)
		pte_set(table, idx, e);
}

/*
 * change_protection: the PTEs of [start, end) follow new VMA flags.  With
 * no access left they become PROT_NONE entries (not present, the page
 * kept); else present, read-only unless the VMA is writable - and a PTE
 * that was read-only stays so, since write permission is granted by the
 * next write fault (which reuses the page or copies it).
 */
void change_protection(struct mm_struct *mm, unsigned long start, unsigned long end, unsigned long vm_flags)
{
	flush_tlb_mm_range(mm, start, end);
	walk_ptes(mm, start, end, change_pte_prot, &vm_flags);
}

static void mkclean_pte(unsigned long addr, phys_addr_t table, unsigned long idx, pteval_t pte, void *arg)
{
	(void)addr;
	(void)arg;
	if ((pte & _PAGE_PRESENT) && (pte & (_PAGE_RW | _PAGE_DIRTY)))
		pte_set(table, idx, pte & ~(pteval_t)(_PAGE_RW | _PAGE_DIRTY));
}

/*
 * page_mkclean over [start, end) of a shared file mapping, before its
 * pages are written back: each PTE loses write access and its dirty bit
 * (page_mkclean_one's pte_wrprotect and pte_mkclean), so the next store
 * faults and dirties the page again, and reclaim's unmapping does not
 * find a stale dirty bit and write the page a second time.  A PTE's dirty
 * bit here never says more than the page's PG_dirty: the write fault that
 * made the PTE writable dirtied the page.
 */
void mkclean_range(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	flush_tlb_mm_range(mm, start, end);
	walk_ptes(mm, start, end, mkclean_pte, NULL);
}

struct copy_ctx {
	struct mm_struct *dst;
	bool cow;
	int ret;
};

static void copy_pte(unsigned long addr, phys_addr_t stable, unsigned long sidx, pteval_t pte, void *arg)
{
	struct copy_ctx *c = arg;
	unsigned long didx;
	phys_addr_t dtable = c->ret ? 0 : user_pte_table(c->dst->pgd, addr, true, &didx);
	if (!dtable) {
		c->ret = -ENOMEM;
		return;
	}
	/*
	 * Making the child's table may have reclaimed, and reclaim may use
	 * this fork's own mms (it holds their locks): the parent's PTE is read
	 * again after it (6.1 copies under the page-table lock, allocating
	 * nothing while it does).
	 */
	pte = pte_get(stable, sidx);
	if (!pte)
		return;
	if (is_swap_pte(pte)) { /* copy_nonpresent_pte: the child holds the slot too */
		if (swap_duplicate(pte_to_swp_entry(pte))) {
			c->ret = -ENOMEM;
			return;
		}
		mm_swapents_add(c->dst, 1);
		pte_set(dtable, didx, pte);
		return;
	}
	unsigned long pfn = PHYS_PFN(pte & PTE_PFN_MASK);
	if (pfn != zero_pfn()) {
		struct page *page = pfn_to_page(pfn);
		get_page(page);
		page_dup_rmap(page, c->dst);
		if (c->cow && (pte & _PAGE_RW)) {
			pte &= ~(pteval_t)_PAGE_RW;
			pte_set(stable, sidx, pte);
		}
	}
	pte_set(dtable, didx, pte);
}

/*
 * copy_page_range for fork: the child's PTEs map the parent's pages too.
 * In a private writable VMA both sides lose write access, so the first
 * write on either side copies (or, once the other side has its own
 * copy, reuses).  A VMA with no anonymous pages (no anon_vma) is not
 * copied: the child's faults find its pages in the page cache.  Returns
 * -ENOMEM if a page table cannot be had.
 */
int copy_page_range(struct mm_struct *dst, struct mm_struct *src, const struct vm_area_struct *vma)
{
	struct copy_ctx c = { dst, (vma->vm_flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE, 0 };
	if (!vma->anon_vma)
		return 0; /* vma_needs_copy: the child's faults fill file and shared PTEs from the page cache */
	if (c.cow)
		flush_tlb_mm_range(src, vma->vm_start, vma->vm_end); /* the parent's writable mirror goes too */
	__walk_ptes(src, vma->vm_start, vma->vm_end, copy_pte, &c, true);
	return c.ret;
}

struct move_ctx {
	unsigned long delta; /* new - old */
	struct mm_struct *mm;
	int ret;
};

static void move_pte(unsigned long addr, phys_addr_t stable, unsigned long sidx, pteval_t pte, void *arg)
{
	struct move_ctx *c = arg;
	unsigned long didx;
	phys_addr_t dtable = c->ret ? 0 : user_pte_table(c->mm->pgd, addr + c->delta, true, &didx);
	if (!dtable) {
		c->ret = -ENOMEM;
		return;
	}
	pte_set(dtable, didx, pte);
	pte_set(stable, sidx, 0);
}

static void prepare_move(unsigned long addr, phys_addr_t stable, unsigned long sidx, pteval_t pte, void *arg)
{
	struct move_ctx *c = arg;
	unsigned long didx;
	if (!c->ret && !user_pte_table(c->mm->pgd, addr + c->delta, true, &didx))
		c->ret = -ENOMEM;
}

/*
 * move_page_tables for mremap: the PTEs of [old, old + len) go to new,
 * pages untouched.  The tables at new are made first, so running out of
 * memory (-ENOMEM) moves nothing and leaves no table behind; Linux moves
 * what it moved back instead.
 */
int move_page_tables(struct mm_struct *mm, unsigned long old, unsigned long new, unsigned long len)
{
	struct move_ctx c = { new - old, mm, 0 };
	__walk_ptes(mm, old, old + len, prepare_move, &c, true);
	if (c.ret) {
		user_free_pgtables(mm->pgd, new, new + len);
		return c.ret;
	}
	flush_tlb_mm_range(mm, old, old + len);
	__walk_ptes(mm, old, old + len, move_pte, &c, true);
	user_free_pgtables(mm->pgd, old, old + len);
	return c.ret;
}
