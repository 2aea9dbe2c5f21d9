/*
 * mlock.c - locking pages in memory, as Linux 6.1's mm/mlock.c: the
 * mlock(2) family of system calls, and the unevictable list they feed.
 *
 * Two things are locked, and they are kept apart:
 *
 *   a VMA:   VM_LOCKED in vm_flags (VM_LOCKONFAULT too for mlock2's
 *            MLOCK_ONFAULT and mlockall's MCL_ONFAULT), counted in
 *            mm->locked_vm, within RLIMIT_MEMLOCK unless the task is root
 *            (CAP_IPC_LOCK); mlockall(MCL_FUTURE) puts VM_LOCKED into
 *            mm->def_flags, which every later mmap and brk takes.
 *   a page:  PG_mlocked, counted per zone (NR_MLOCK: meminfo's Mlocked);
 *            a page that is mlocked is not evictable (page_evictable) and
 *            lives on its node's unevictable LRU list (PG_unevictable),
 *            where reclaim never looks, so it is never swapped or dropped.
 *
 * A page is mlocked while some VM_LOCKED VMA maps it.  Its mlock_count
 * counts those mappings, as well as 6.1 can count them: it lives in the
 * room of lru.prev (mm_types.h), which the unevictable list can lend
 * because that list links nothing - its pages are only counted (swap.c).
 * So the count exists only while the page is on that list: a page mlocked
 * while off the LRU (in an lru_add batch, or isolated by reclaim) goes on
 * with a count of 0, and may then be munlocked by the first of two
 * munlocks; reclaim finds the other locked VMA (try_to_unmap, folio_
 * referenced) and mlocks it again (culled).  Undercounting is the safe
 * side: an overcount would strand an evictable page on the unevictable
 * list for good.
 *
 *   mapped into a VM_LOCKED VMA:
 *     new anonymous page    folio_add_lru_vma -> mlock_new_folio
 *     existing page         (page_add_anon_rmap / page_add_file_rmap)
 *                           -> mlock_vma_page -> mlock_folio
 *     mlock() of a range    mlock_fixup -> mlock_vma_pages_range: each
 *                           present PTE's page -> mlock_folio, then the
 *                           range is populated (the faults above)
 *     reclaim meets it      try_to_unmap / folio_referenced on a VM_LOCKED
 *                           VMA -> mlock_vma_page; the page is put back
 *                           unevictable (unevictable_pgs_culled)
 *   unmapped from one:      zap, COW (page_remove_rmap) -> munlock_vma_page
 *                           -> munlock_folio; munlock() of a range: each
 *                           present PTE's page -> munlock_folio
 *
 * mlock_folio sets PG_mlocked (unevictable_pgs_mlocked, NR_MLOCK) at once;
 * moving the page between lists waits in this CPU's mlock batch (6.1's
 * mlock_pvec), whose entries carry a tag in their low bits - LRU_PAGE
 * (mlock a listed page: __mlock_page), NEW_PAGE (a new page, onto the
 * unevictable list: __mlock_new_page), none (munlock: __munlock_page,
 * which clears PG_mlocked when the count reaches 0:
 * unevictable_pgs_munlocked, and moves the page back to an evictable list:
 * unevictable_pgs_rescued).  The batch holds a reference per page, is
 * drained with the CPU's LRU batches (lru_add_drain_cpu) and by a full
 * batch; a thread on no CPU works at once.  A page freed still mlocked is
 * cleared by its release (unevictable_pgs_cleared, swap.c).  Fork does
 * not pass VM_LOCKED or def_flags on; mremap moves locked pages with
 * their PTEs, and a locked VMA that grows is populated.
 *
 * What kmm does not model: unevictable mappings (ramfs, SHM_LOCK: 6.1's
 * mapping_unevictable), so page_evictable() is !PG_mlocked and
 * unevictable_pgs_scanned (check_move_unevictable_folios) stays 0; huge
 * pages; VM_SPECIAL mappings.
 *
 * Locking: the system calls take mmap_lock for writing around the VMA
 * changes and the PTE walk, and populate after dropping it (as 6.1's
 * __mm_populate).  The batch works under each page's lru_lock (taken once
 * per run of pages of one node), and drops its references after it - the
 * last one frees the page, whose release takes lru_lock itself.  PG_lru,
 * PG_unevictable, PG_active and mlock_count of a listed page change only
 * under lru_lock; PG_mlocked is set without it (test-and-set, so NR_MLOCK
 * counts each page once) and cleared under it, or at the page's release.
 */
#include "internal.h"

#include <kmm/task.h>

#define LRU_PAGE 0x1UL /* batch tag: mlock a page that is on the LRU */
#define NEW_PAGE 0x2UL /* batch tag: mlock a new page, not on the LRU yet */

static inline bool page_test_set_flag(struct page *page, int bit)
{
	return __atomic_fetch_or(&page->flags, 1UL << bit, __ATOMIC_RELAXED) & (1UL << bit);
}

static inline void zone_mlock_add(struct page *page, long nr)
{
	__atomic_add_fetch(&page_zone(page)->vm_stat[NR_MLOCK], nr, __ATOMIC_RELAXED);
}

/* folio_evictable: kmm has no unevictable mappings (ramfs, SHM_LOCK), so only mlock keeps a page off reclaim */
bool page_evictable(const struct page *page)
{
	return !page_flag(page, PG_mlocked);
}

/* A listed page moves to the list its flags now name (lru_lock held). */
static void lru_move(struct lruvec *lruvec, struct page *page, bool unevictable)
{
	lruvec_del_page(lruvec, page);
	if (unevictable) {
		page_clear_flag(page, PG_active);
		page_set_flag(page, PG_unevictable);
	} else {
		page_clear_flag(page, PG_unevictable);
	}
	lruvec_add_page(lruvec, page);
}

/* ---- the batch's work, under lru_lock ---------------------------------------------------------- */

/* __mlock_page: a page off the LRU is left to whoever puts it back (it sees PG_mlocked then). */
static void __mlock_page(struct lruvec *lruvec, struct page *page)
{
	if (!page_flag(page, PG_lru))
		return;
	if (page_evictable(page)) {
		/* munlocked meanwhile by another CPU: if it got onto the unevictable list, it leaves it */
		if (page_flag(page, PG_unevictable)) {
			lru_move(lruvec, page, false);
			count_vm_event(UNEVICTABLE_PGRESCUED);
		}
		return;
	}
	if (page_flag(page, PG_unevictable)) {
		page->mlock_count++; /* one more locked mapping */
		return;
	}
	lru_move(lruvec, page, true);
	page->mlock_count = 1;
	count_vm_event(UNEVICTABLE_PGCULLED);
}

/* __mlock_new_page: a new page goes straight onto the unevictable list (unless munlocked already). */
static void __mlock_new_page(struct lruvec *lruvec, struct page *page)
{
	MM_BUG_ON(page_flag(page, PG_lru));
	bool unevictable = !page_evictable(page);
	if (unevictable) {
		page_clear_flag(page, PG_active);
		page_set_flag(page, PG_unevictable);
		count_vm_event(UNEVICTABLE_PGCULLED);
	}
	page_set_flag(page, PG_lru);
	lruvec_add_page(lruvec, page);
	if (unevictable)
		page->mlock_count = 1;
}

/*
 * __munlock_page: one locked mapping less.  A listed unevictable page
 * keeps PG_mlocked while its count says others remain; otherwise the flag
 * goes (munlocked - or stranded, when the page is not on the LRU to be
 * moved: whoever holds it puts it back on an evictable list then) and a
 * listed page returns to an evictable list (rescued).
 */
static void __munlock_page(struct lruvec *lruvec, struct page *page)
{
	bool listed = page_flag(page, PG_lru);
	if (listed && page_flag(page, PG_unevictable)) {
		if (page->mlock_count)
			page->mlock_count--;
		if (page->mlock_count)
			return;
	}
	if (page_test_clear_flag(page, PG_mlocked)) {
		zone_mlock_add(page, -1);
		count_vm_event(listed || !page_flag(page, PG_unevictable) ? UNEVICTABLE_PGMUNLOCKED
									   : UNEVICTABLE_PGSTRANDED);
	}
	/* page_evictable only after PG_mlocked is cleared */
	if (listed && page_flag(page, PG_unevictable) && page_evictable(page)) {
		lru_move(lruvec, page, false);
		count_vm_event(UNEVICTABLE_PGRESCUED);
	}
}

/*
 * mlock_pagevec: each entry's work under its node's lru_lock (taken once
 * per run of one node), then the batch's references go, lru_lock dropped
 * (a last reference frees the page, and its release takes lru_lock).
 */
static void mlock_fbatch_process(struct folio_batch *fbatch)
{
	struct lruvec *locked = NULL;
	for (unsigned int i = 0; i < fbatch->nr; i++) {
		unsigned long tag = (unsigned long)fbatch->pages[i] & (LRU_PAGE | NEW_PAGE);
		struct page *page = (struct page *)((unsigned long)fbatch->pages[i] & ~(LRU_PAGE | NEW_PAGE));
		fbatch->pages[i] = page;
		struct lruvec *lruvec = page_lruvec(page);
		if (lruvec != locked) {
			if (locked)
				pthread_mutex_unlock(&locked->lru_lock);
			pthread_mutex_lock(&lruvec->lru_lock);
			locked = lruvec;
		}
		if (tag & LRU_PAGE)
			__mlock_page(lruvec, page);
		else if (tag & NEW_PAGE)
			__mlock_new_page(lruvec, page);
		else
			__munlock_page(lruvec, page);
	}
	if (locked)
		pthread_mutex_unlock(&locked->lru_lock);
	for (unsigned int i = 0; i < fbatch->nr; i++)
		put_page(fbatch->pages[i]);
	fbatch->nr = 0;
}

/* The page (referenced, tagged) into this CPU's mlock batch, done when the batch is full; with no CPU, at once. */
static void mlock_fbatch_add(struct page *page, unsigned long tag)
{
	struct page *entry = (struct page *)((unsigned long)page | tag);
	int cpu = smp_processor_id();
	if (cpu < 0) {
		struct folio_batch one = { 1, { entry } };
		mlock_fbatch_process(&one);
		return;
	}
	struct folio_batch *fbatch = &M->cpus[cpu].mlock_fbatch;
	fbatch->pages[fbatch->nr++] = entry;
	if (fbatch->nr == FOLIO_BATCH_SIZE)
		mlock_fbatch_process(fbatch);
}

/* mlock_page_drain_local / _remote: the CPU's batch, by its owner or for an idle CPU (lru_add_drain_cpu) */
void mlock_page_drain(int cpu)
{
	struct folio_batch *fbatch = &M->cpus[cpu].mlock_fbatch;
	if (fbatch->nr)
		mlock_fbatch_process(fbatch);
}

void mlock_page_drain_local(void)
{
	int cpu = smp_processor_id();
	if (cpu >= 0)
		mlock_page_drain(cpu);
}

/* ---- mlocking and munlocking a page ------------------------------------------------------------ */

/* mlock_folio: a page on the LRU (or off it for a moment) is mlocked; its move waits in the batch. */
void mlock_folio(struct page *page)
{
	page = compound_head(page);
	if (!page_test_set_flag(page, PG_mlocked)) {
		zone_mlock_add(page, 1);
		count_vm_event(UNEVICTABLE_PGMLOCKED);
	}
	get_page(page);
	mlock_fbatch_add(page, LRU_PAGE);
}

/* mlock_new_page: a page just made for a VM_LOCKED VMA, which goes onto the unevictable list, not the inactive one. */
void mlock_new_folio(struct page *page)
{
	MM_BUG_ON(page_flag(page, PG_mlocked));
	page_set_flag(page, PG_mlocked);
	zone_mlock_add(page, 1);
	count_vm_event(UNEVICTABLE_PGMLOCKED);
	get_page(page);
	mlock_fbatch_add(page, NEW_PAGE);
}

/* munlock_page: PG_mlocked is left to __munlock_page, which knows whether other locked mappings remain. */
void munlock_folio(struct page *page)
{
	page = compound_head(page);
	get_page(page);
	mlock_fbatch_add(page, 0);
}

/*
 * mlock_vma_folio: page is now mapped in vma.  VM_IO along with VM_LOCKED
 * means mlock_vma_pages_range is walking the VMA and counts its pages
 * itself; a mapping made meanwhile must not count twice.
 */
void mlock_vma_page(struct page *page, struct vm_area_struct *vma)
{
	if ((__atomic_load_n(&vma->vm_flags, __ATOMIC_RELAXED) & (VM_LOCKED | VM_IO)) == VM_LOCKED)
		mlock_folio(page);
}

/* munlock_vma_page: page is no longer mapped in vma. */
void munlock_vma_page(struct page *page, struct vm_area_struct *vma)
{
	if (__atomic_load_n(&vma->vm_flags, __ATOMIC_RELAXED) & VM_LOCKED)
		munlock_folio(page);
}

/* ---- the VMAs ---------------------------------------------------------------------------------- */

/* mlock_pte_range: each present PTE's page (not the zero page) follows the VMA's VM_LOCKED */
static void mlock_pte(unsigned long addr, phys_addr_t table, unsigned long idx, pteval_t pte, void *arg)
{
	struct vm_area_struct *vma = arg;
	(void)addr;
	(void)table;
	(void)idx;
	unsigned long pfn = PHYS_PFN(pte & PTE_PFN_MASK);
	if (pfn == zero_pfn() || !pfn_valid(pfn))
		return;
	struct page *page = pfn_to_page(pfn);
	if (vma->vm_flags & VM_LOCKED)
		mlock_folio(page);
	else
		munlock_folio(page);
}

/*
 * mlock_vma_pages_range: vma takes newflags, and the pages already mapped
 * in [start, end) are mlocked (VM_LOCKED set) or munlocked (cleared).
 * VM_IO is set during the walk, so that nobody mapping a page of the VMA
 * meanwhile (reclaim's rmap walk) counts it a second time.  mmap_lock is
 * held for writing.
 */
void mlock_vma_pages_range(struct vm_area_struct *vma, unsigned long start, unsigned long end,
			   unsigned long newflags)
{
	if (newflags & VM_LOCKED)
		newflags |= VM_IO;
	__atomic_store_n(&vma->vm_flags, newflags, __ATOMIC_RELAXED);
	lru_add_drain();
	walk_ptes(vma->vm_mm, start, end, mlock_pte, vma);
	lru_add_drain();
	__atomic_store_n(&vma->vm_flags, newflags & ~VM_IO, __ATOMIC_RELAXED);
}

/* can_do_mlock: some RLIMIT_MEMLOCK, or root (CAP_IPC_LOCK) */
static bool can_do_mlock(const struct task_struct *t)
{
	return t->rlim[RLIMIT_MEMLOCK] != 0 || t->uid == 0;
}

/*
 * mlock_future_check: a new VM_LOCKED mapping of len bytes (mmap with
 * MAP_LOCKED or after mlockall(MCL_FUTURE), brk, a locked VMA that grows)
 * within RLIMIT_MEMLOCK, or -EAGAIN; mmap_lock held.
 */
int mlock_future_check(const struct task_struct *t, unsigned long vm_flags, unsigned long len)
{
	if (!(vm_flags & VM_LOCKED) || t->uid == 0)
		return 0;
	unsigned long locked = (len >> PAGE_SHIFT) + t->mm->locked_vm;
	return locked > t->rlim[RLIMIT_MEMLOCK] >> PAGE_SHIFT ? -EAGAIN : 0;
}

/* count_mm_mlocked_page_nr: pages of [start, end) already in VM_LOCKED VMAs */
static unsigned long count_mm_mlocked_page_nr(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	unsigned long count = 0;
	struct vm_area_struct *v;
	VMA_ITERATOR(vmi, mm, start);
	while ((v = vma_next(&vmi)) && v->vm_start < end)
		if (v->vm_flags & VM_LOCKED)
			count += (min(v->vm_end, end) - max(v->vm_start, start)) >> PAGE_SHIFT;
	return count;
}

/* apply_vma_lock_flags' newflags: the VMA's flags without the lock bits, then the ones asked for */
static unsigned long lock_flags(unsigned long old, unsigned long add)
{
	return (old & VM_LOCKED_CLEAR_MASK) | add;
}

/*
 * __mm_populate: the pages of [start, end) faulted in, VMA by VMA, for
 * writing where the VMA is private and writable; a VMA without read or
 * write access, or locked on fault only, is skipped; errors are ignored
 * (as mlock's populate ignores them).  mmap_lock is taken per VMA.
 */
void mm_populate_range(struct task_struct *t, unsigned long start, unsigned long end)
{
	struct mm_struct *mm = t->mm;
	for (unsigned long a = start; a < end;) {
		mmap_write_lock(mm);
		struct vm_area_struct *v = find_vma(mm, a);
		unsigned long vstart = v ? max(v->vm_start, a) : end, vend = v ? min(v->vm_end, end) : end;
		unsigned long flags = v ? v->vm_flags : 0;
		mmap_write_unlock(mm);
		if (vstart >= end)
			break;
		if ((flags & (VM_READ | VM_WRITE)) && !(flags & VM_LOCKONFAULT))
			mm_access(t, vstart, vend - vstart, (flags & (VM_WRITE | VM_SHARED)) == VM_WRITE);
		a = vend;
	}
}

/*
 * do_mlock (flags: VM_LOCKED, with VM_LOCKONFAULT for MLOCK_ONFAULT) and
 * munlock (flags 0): the range, from start rounded down, must be wholly
 * mapped (-ENOMEM, nothing changed); mlock must fit RLIMIT_MEMLOCK with
 * what is locked already (pages of the range locked before count once),
 * unless the task is root; with no limit at all it is -EPERM.  Then
 * mlock_fixup on each VMA of the range (mm_range_set_flags splits, sets,
 * walks the present pages, merges), and the range is faulted in.
 */
static int apply_lock(struct task_struct *t, unsigned long start, unsigned long len, unsigned long flags)
{
	struct mm_struct *mm = t ? t->mm : NULL;
	unsigned long end;
	if (!mm)
		return -EINVAL;
	if ((flags & VM_LOCKED) && !can_do_mlock(t))
		return -EPERM;
	int ret = user_range(start & PAGE_MASK, len + (start & ~PAGE_MASK), &end);
	start &= PAGE_MASK;
	if (ret) /* a range that wraps: apply_vma_lock_flags' -EINVAL, unless mlock's limit check refuses it first */
		return (flags & VM_LOCKED) && t->uid != 0 ? -ENOMEM : -EINVAL;
	if (end == start)
		return 0;
	mmap_write_lock(mm);
	ret = mm_range_check(mm, start, end, NULL, 0);
	if (!ret && (flags & VM_LOCKED) && t->uid != 0) {
		unsigned long locked = mm->locked_vm + ((end - start) >> PAGE_SHIFT);
		if (locked > t->rlim[RLIMIT_MEMLOCK] >> PAGE_SHIFT)
			locked -= count_mm_mlocked_page_nr(mm, start, end);
		if (locked > t->rlim[RLIMIT_MEMLOCK] >> PAGE_SHIFT)
			ret = -ENOMEM;
	}
	if (!ret)
		ret = mm_range_set_flags(mm, start, end, lock_flags, flags);
	mmap_write_unlock(mm);
	if (!ret && (flags & VM_LOCKED))
		mm_populate_range(t, start, end);
	return ret;
}

static int do_task_mlock(struct task_struct *t, unsigned long start, unsigned long len)
{
	return apply_lock(t, start, len, VM_LOCKED);
}

/* the system call, in the task's context (TASK_SYSCALL) */
int task_mlock(struct task_struct *t, unsigned long start, unsigned long len)
{
	return TASK_SYSCALL(t, do_task_mlock(t, start, len));
}

int task_mlock2(struct task_struct *t, unsigned long start, unsigned long len, int flags)
{
	if (flags & ~MLOCK_ONFAULT)
		return -EINVAL;
	return apply_lock(t, start, len, VM_LOCKED | ((flags & MLOCK_ONFAULT) ? VM_LOCKONFAULT : 0));
}

static int do_task_munlock(struct task_struct *t, unsigned long start, unsigned long len)
{
	return apply_lock(t, start, len, 0);
}

/* the system call, in the task's context (TASK_SYSCALL) */
int task_munlock(struct task_struct *t, unsigned long start, unsigned long len)
{
	return TASK_SYSCALL(t, do_task_munlock(t, start, len));
}

/*
 * apply_mlockall_flags: MCL_FUTURE sets def_flags (and nothing more without
 * MCL_CURRENT); MCL_CURRENT locks every VMA, MCL_ONFAULT making it on
 * fault; 0 (munlockall) clears both.  A VMA that cannot be changed (no
 * memory for a split's copy) is skipped, as 6.1 ignores mlock_fixup's
 * errors.  mmap_lock held.
 */
static void apply_mlockall_flags(struct mm_struct *mm, int flags)
{
	unsigned long to_add = 0;
	mm->def_flags &= VM_LOCKED_CLEAR_MASK;
	if (flags & MCL_FUTURE) {
		mm->def_flags |= VM_LOCKED | ((flags & MCL_ONFAULT) ? VM_LOCKONFAULT : 0);
		if (!(flags & MCL_CURRENT))
			return;
	}
	if (flags & MCL_CURRENT)
		to_add = VM_LOCKED | ((flags & MCL_ONFAULT) ? VM_LOCKONFAULT : 0);
	struct vm_area_struct *v;
	/* VMA by VMA; a VMA may merge with the one below, so the next is looked up from the end just done */
	for (unsigned long a = 0; (v = find_vma(mm, a));) {
		unsigned long vend = v->vm_end;
		(void)mm_range_set_flags(mm, max(v->vm_start, a), vend, lock_flags, to_add);
		a = vend;
	}
}

static int do_task_mlockall(struct task_struct *t, int flags)
{
	struct mm_struct *mm = t ? t->mm : NULL;
	if (!mm)
		return -EINVAL;
	if (!flags || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || flags == MCL_ONFAULT)
		return -EINVAL;
	if (!can_do_mlock(t))
		return -EPERM;
	int ret = -ENOMEM;
	mmap_write_lock(mm);
	if (!(flags & MCL_CURRENT) || mm->total_vm <= t->rlim[RLIMIT_MEMLOCK] >> PAGE_SHIFT || t->uid == 0) {
		apply_mlockall_flags(mm, flags);
		ret = 0;
	}
	mmap_write_unlock(mm);
	if (!ret && (flags & MCL_CURRENT))
		mm_populate_range(t, 0, mm->task_size);
	return ret;
}

/* the system call, in the task's context (TASK_SYSCALL) */
int task_mlockall(struct task_struct *t, int flags)
{
	return TASK_SYSCALL(t, do_task_mlockall(t, flags));
}

static int do_task_munlockall(struct task_struct *t)
{
	struct mm_struct *mm = t ? t->mm : NULL;
	if (!mm)
		return -EINVAL;
	mmap_write_lock(mm);
	apply_mlockall_flags(mm, 0);
	mmap_write_unlock(mm);
	return 0;
}

/* the system call, in the task's context (TASK_SYSCALL) */
int task_munlockall(struct task_struct *t)
{
	return TASK_SYSCALL(t, do_task_munlockall(t));
}
