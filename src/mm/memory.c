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
 *     none, file, read        the page-cache page, read-only (read from the
 *                             disk first if missing: a major fault)
 *     none, file, write       shared: the cache page, writable and dirty;
 *                             private: a copy of it (do_cow_fault)
 *     present, write, RO      shared: make it writable, dirty the page;
 *                             private: the zero page or a page-cache page
 *                             is copied; an anonymous page only this PTE
 *                             maps is reused, else copied (copy-on-write)
 *     beyond the file's end   SIGBUS (BUS_ADRERR)
 *     no VMA / no right       SIGSEGV (SEGV_MAPERR / SEGV_ACCERR), logged as
 *                             "comm[pid]: segfault at ADDR ip .. sp .. error N"
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
 * and gives up after OOM_RETRIES in a row, since kmm has no OOM killer to
 * make room: the access then fails as one the task may not make.  A fault counts as minor, or major when it read
 * the disk, per task and in /proc/vmstat (pgfault, pgmajfault).
 * Locking: the task's mmap_lock around the whole fault; the page cache's
 * lock nests inside it.
 */
#include "internal.h"
#include "sim/ram.h"

#include <kmm/task.h>
#include <signal.h>

#define PF_PROT 0x1  /* x86 page fault error code: the page was present */
#define PF_WRITE 0x2
#define PF_USER 0x4

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

static void segfault(struct task_struct *t, unsigned long addr, int error, int si_code)
{
	int w = M->prof->bits == 64 ? 16 : 8;
	printk(KERN_INFO "%s[%d]: segfault at %lx ip %0*lx sp %0*lx error %x\n", t->comm, t->pid, addr, w, 0UL, w, 0UL,
	       error | PF_USER);
	t->last_signal = SIGSEGV;
	t->last_si_code = si_code;
}

/* A fresh user page, zeroed unless a copy will fill it; NULL: the OOM path of the page allocator ran. */
static struct page *alloc_user_page(bool zero)
{
	return alloc_pages(GFP_HIGHUSER_MOVABLE | (zero ? __GFP_ZERO : 0), 0);
}

/* expand_stack: a fault below a VM_GROWSDOWN VMA grows it, within RLIMIT_STACK and the gap. */
static struct vm_area_struct *expand_stack(struct task_struct *t, struct vm_area_struct *vma, unsigned long addr)
{
	struct mm_struct *mm = t->mm;
	unsigned long start = addr & PAGE_MASK, grow = (vma->vm_start - start) >> PAGE_SHIFT;
	if (vma->vm_end - start > t->rlim[RLIMIT_STACK])
		return NULL;
	struct vm_area_struct *prev = NULL;
	for (int i = 0; i < mm->map_count; i++)
		if (mm->vmas[i] == vma && i > 0)
			prev = mm->vmas[i - 1];
	if (prev && prev->vm_end + (256UL << PAGE_SHIFT) > start) /* stack_guard_gap */
		return NULL;
	if (mm->total_vm + grow > t->rlim[RLIMIT_AS] >> PAGE_SHIFT)
		return NULL;
	vma->vm_start = start;
	vma->vm_pgoff -= grow;
	mm->total_vm += grow;
	mm->stack_vm += grow;
	return vma;
}

/* Where a fault happens: the VMA, the leaf table and index of its PTE, and the page's address. */
struct vm_fault {
	struct task_struct *t;
	struct vm_area_struct *vma;
	unsigned long addr;  /* page aligned */
	phys_addr_t table;
	unsigned long idx;
	pteval_t pte;        /* the entry when the fault began */
	bool write;
	bool major;          /* the page was read from the disk */
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
	struct page *new = alloc_user_page(!src);
	if (!new)
		return -ENOMEM;
	if (src)
		memcpy(ram_host(page_to_phys(new)), ram_host(page_to_phys(src)), PAGE_SIZE); /* copy_user_highpage */
	page_add_new_anon_rmap(new, vmf->vma, vmf->addr);
	if (vmf->pte & _PAGE_PRESENT)
		flush_tlb_mm_range(mm, vmf->addr, vmf->addr + PAGE_SIZE); /* ptep_clear_flush */
	set_pte(vmf, new, true);
	if (vmf->pte & _PAGE_PRESENT) {
		unsigned long pfn = PHYS_PFN(vmf->pte & PTE_PFN_MASK);
		if (pfn != zero_pfn()) {
			page_remove_rmap(pfn_to_page(pfn), mm);
			put_page(pfn_to_page(pfn));
		}
	}
	return 0;
}

/* do_anonymous_page */
static int do_anonymous_page(struct vm_fault *vmf)
{
	if (!vmf->write) {
		set_pte(vmf, NULL, false);
		return 0;
	}
	return wp_page_copy(vmf, NULL);
}

/* do_read_fault / do_cow_fault / do_shared_fault: the page comes from the file's page cache. */
static int do_file_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long index = vma->vm_pgoff + ((vmf->addr - vma->vm_start) >> PAGE_SHIFT);
	int err = 0;
	struct page *page = filemap_get_page(vma->vm_file->f_inode, index, &vmf->major, &err);
	if (!page) {
		if (err == -EFAULT) { /* beyond the end of the file */
			vmf->t->last_signal = SIGBUS;
			vmf->t->last_si_code = BUS_ADRERR;
		}
		return err;
	}
	if (vmf->write && !(vma->vm_flags & VM_SHARED)) { /* do_cow_fault */
		err = wp_page_copy(vmf, page);
		put_page(page);
		return err;
	}
	bool writable = vmf->write; /* shared: a read maps it read-only so the first write dirties it */
	if (writable)
		set_page_dirty(page);
	page_add_file_rmap(page, vma->vm_mm);
	set_pte(vmf, page, writable); /* the PTE keeps filemap_get_page's reference */
	return 0;
}

/* do_wp_page: a write to a present read-only PTE of a writable VMA. */
static int do_wp_page(struct vm_fault *vmf)
{
	unsigned long pfn = PHYS_PFN(vmf->pte & PTE_PFN_MASK);
	struct page *old = pfn == zero_pfn() ? NULL : pfn_to_page(pfn);
	if (old && (vmf->vma->vm_flags & VM_SHARED)) { /* wp_page_shared: the file's page, now dirty */
		set_page_dirty(old);
		pte_set(vmf->table, vmf->idx, vmf->pte | _PAGE_RW | _PAGE_DIRTY);
		return 0;
	}
	if (old && PageAnon(old) && old->_mapcount == 0 && page_ref_count(old) == 1) { /* only we map it: reuse */
		if (anon_vma_prepare(vmf->vma))
			return -ENOMEM;
		page_move_anon_rmap(old, vmf->vma);
		pte_set(vmf->table, vmf->idx, vmf->pte | _PAGE_RW | _PAGE_DIRTY);
		return 0;
	}
	return wp_page_copy(vmf, old);
}

/* handle_mm_fault for one address, mmap_lock held: 0, or -EFAULT after SIGSEGV/SIGBUS, or -ENOMEM. */
static int do_fault(struct task_struct *t, unsigned long addr, bool write)
{
	struct mm_struct *mm = t->mm;
	struct vm_area_struct *vma = find_vma(mm, addr);
	int error = write ? PF_WRITE : 0;
	if (vma && addr < vma->vm_start)
		vma = (vma->vm_flags & VM_GROWSDOWN) ? expand_stack(t, vma, addr) : NULL;
	if (!vma) {
		segfault(t, addr, error, SEGV_MAPERR);
		return -EFAULT;
	}
	if ((write && !(vma->vm_flags & VM_WRITE)) || !(vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC))) {
		segfault(t, addr, error | PF_PROT, SEGV_ACCERR);
		return -EFAULT;
	}
	struct vm_fault vmf = { .t = t, .vma = vma, .addr = addr & PAGE_MASK, .write = write };
	vmf.table = user_pte_table(mm->pgd, addr, true, &vmf.idx);
	if (!vmf.table)
		return -ENOMEM;
	vmf.pte = pte_get(vmf.table, vmf.idx);
	count_vm_events(PGFAULT, 1);
	int ret = 0;
	if (!(vmf.pte & _PAGE_PRESENT))
		ret = vma->vm_file ? do_file_fault(&vmf) : do_anonymous_page(&vmf);
	else if (write && !(vmf.pte & _PAGE_RW))
		ret = do_wp_page(&vmf);
	/* else another fault got here first */
	if (ret)
		return ret;
	if (vmf.major) {
		t->maj_flt++;
		count_vm_events(PGMAJFAULT, 1);
	} else {
		t->min_flt++;
	}
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
	if (!(pte & _PAGE_PRESENT) || (write && !(pte & _PAGE_RW)))
		return 0;
	return (pte & PTE_PFN_MASK) | (addr & ~PAGE_MASK);
}

/* Walk [addr, addr + len) page by page, faulting as needed; fn gets each piece's bytes. */
static int access_range(struct task_struct *t, unsigned long addr, unsigned long len, bool write,
			void (*fn)(void *host, unsigned long off, unsigned long n, void *arg), void *arg)
{
	if (!t || !t->mm)
		return -EINVAL;
	struct mm_struct *mm = t->mm;
	if (addr + len < addr || addr + len > mm->task_size)
		return -EFAULT;
	pthread_mutex_lock(&mm->mmap_lock);
	int ret = 0;
	struct walk_cache wc = { 0, 0 };
	for (unsigned long done = 0; done < len && !ret;) {
		unsigned long a = addr + done, n = min(len - done, PAGE_SIZE - (a & ~PAGE_MASK));
		phys_addr_t pa = translate(mm, a, write, &wc);
		if (!pa) {
			ret = do_fault(t, a, write);
			if (ret)
				break;
			/* an existing table stays where it is; a missing one the fault may have made */
			pa = translate(mm, a, write, &wc);
		}
		if (fn)
			fn(ram_host(pa), done, n, arg);
		done += n;
	}
	pthread_mutex_unlock(&mm->mmap_lock);
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
	struct around_ctx c = { mm, { 0, 0 } };
	pthread_mutex_lock(&mm->mmap_lock);
	int ret = 0;
	if (!translate(mm, addr, write, &c.wc)) {
		ret = do_fault(t, addr, write);
		c.wc.table = 0; /* the fault may have made the table */
	}
	if (ret == -ENOMEM && oom_retries < OOM_RETRIES) {
		pthread_mutex_unlock(&mm->mmap_lock);
		oom_retries++;
		if (__ratelimit(&M->pfoom_rs))
			pr_warn("Huh VM_FAULT_OOM leaked out to the #PF handler. Retrying PF\n");
		return 0; /* nothing mapped: the access faults again */
	}
	oom_retries = 0;
	if (!ret) {
		unsigned long page = addr & PAGE_MASK;
		struct vm_area_struct *vma = find_vma(mm, addr);
		ret = kmm_window_mirror(w, page, min(vma->vm_end, page + FAULT_AROUND * PAGE_SIZE), 1, around_lookup, &c);
	}
	pthread_mutex_unlock(&mm->mmap_lock);
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
 * PROT_NONE), with its table and index so it may change the entry; leaf
 * tables that do not exist are skipped whole.
 */
void walk_ptes(struct mm_struct *mm, unsigned long start, unsigned long end, pte_fn fn, void *arg)
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
			if (pte & (_PAGE_PRESENT | _PAGE_PROTNONE))
				fn(a, table, idx, pte, arg);
		}
	}
}

static void zap_pte(unsigned long addr, phys_addr_t table, unsigned long idx, pteval_t pte, void *mm)
{
	pte_set(table, idx, 0);
	unsigned long pfn = PHYS_PFN(pte & PTE_PFN_MASK);
	if (pfn != zero_pfn()) {
		page_remove_rmap(pfn_to_page(pfn), mm);
		put_page(pfn_to_page(pfn));
	}
}

/* zap_page_range: drop every PTE of [start, end), then the tables left empty. */
void zap_page_range(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	flush_tlb_mm_range(mm, start, end);
	walk_ptes(mm, start, end, zap_pte, mm);
	user_free_pgtables(mm->pgd, start, end);
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
	walk_ptes(src, vma->vm_start, vma->vm_end, copy_pte, &c);
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
	walk_ptes(mm, old, old + len, prepare_move, &c);
	if (c.ret) {
		user_free_pgtables(mm->pgd, new, new + len);
		return c.ret;
	}
	flush_tlb_mm_range(mm, old, old + len);
	walk_ptes(mm, old, old + len, move_pte, &c);
	user_free_pgtables(mm->pgd, old, old + len);
	return c.ret;
}
