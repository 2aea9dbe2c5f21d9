/*
 * madvise.c - madvise(2) as Linux 6.1's mm/madvise.c, for the advice kmm
 * models:
 *
 *   MADV_NORMAL, MADV_WILLNEED   accepted; nothing to do (kmm has no
 *                                readahead hints on VMAs)
 *   MADV_DONTNEED                the range's pages go (zap); private
 *                                anonymous memory reads back as zeros; a
 *                                locked VMA refuses (-EINVAL)
 *   MADV_COLD                    the pages only this mapping maps lose
 *                                their young bit and PG_referenced and
 *                                move to the inactive list (deactivate_page,
 *                                pgdeactivate for active ones): the next
 *                                reclaim takes them first
 *   MADV_PAGEOUT                 the same pages, isolated and reclaimed at
 *                                once (reclaim_pages): anonymous ones are
 *                                written to swap, clean file pages dropped;
 *                                the rest back on their lists.  File pages
 *                                only of a mapping the task could write
 *                                (can_do_pageout); kmm's files have no
 *                                owner, so root or a writable mapping
 *
 * COLD and PAGEOUT refuse a locked VMA (can_madv_lru_vma: -EINVAL; kmm has
 * no PFN or hugetlb mappings, the other two it refuses) and skip
 * pages shared with other mappings, the zero page, and pages not on an LRU
 * list.  A hole in the range is -ENOMEM after the rest was advised, as
 * Linux does.  The whole call holds mmap_lock (6.1 takes it for reading);
 * reclaim's rmap walks use it for this mm.
 */
#include "internal.h"

#include <kmm/task.h>

struct cold_walk {
	struct mm_struct *mm;
	bool pageout;
	struct list_head isolated; /* pageout: the pages for reclaim_pages */
};

/* madvise_cold_or_pageout_pte_range, for one PTE */
static void cold_pte(unsigned long addr, phys_addr_t table, unsigned long idx, pteval_t pte, void *arg)
{
	struct cold_walk *w = arg;
	if (!(pte & _PAGE_PRESENT))
		return;
	unsigned long pfn = PHYS_PFN(pte & PTE_PFN_MASK);
	if (pfn == zero_pfn())
		return;
	struct page *page = pfn_to_page(pfn);
	if (!page_flag(page, PG_lru) || page_mapcount(page) != 1)
		return; /* shared with other mappings, or not on a list */
	if (pte & _PAGE_ACCESSED) {
		flush_tlb_mm_range(w->mm, addr, addr + PAGE_SIZE);
		pte_set(table, idx, pte & ~(pteval_t)_PAGE_ACCESSED);
	}
	page_clear_flag(page, PG_referenced);
	if (!w->pageout) {
		deactivate_page(page);
		return;
	}
	if (!folio_isolate_lru(page))
		return;
	if (page_flag(page, PG_unevictable))
		putback_lru_page(page);
	else
		list_add(&page->lru, &w->isolated);
}

static bool can_do_pageout(const struct task_struct *t, const struct vm_area_struct *v)
{
	if (!v->vm_file)
		return true;
	return t->uid == 0 || (v->vm_flags & VM_MAYWRITE);
}

static int do_task_madvise(struct task_struct *t, unsigned long start, unsigned long len, int advice)
{
	struct mm_struct *mm = t ? t->mm : NULL;
	if (!mm || (start & ~PAGE_MASK))
		return -EINVAL;
	switch (advice) {
	case MADV_NORMAL: case MADV_WILLNEED: case MADV_DONTNEED: case MADV_COLD: case MADV_PAGEOUT:
		break;
	default:
		return -EINVAL; /* the others are not modelled yet */
	}
	if (len > ~0UL - (PAGE_SIZE - 1))
		return -EINVAL;
	len = ALIGN(len, PAGE_SIZE);
	unsigned long end = start + len;
	if (end < start)
		return -EINVAL;
	if (!len)
		return 0;
	bool lru_advice = advice == MADV_COLD || advice == MADV_PAGEOUT;
	if (lru_advice)
		lru_add_drain(); /* this CPU's new pages onto their lists, so the walk finds them there */
	mmap_write_lock(mm);
	int ret = 0;
	unsigned long at = start;
	struct vm_area_struct *v;
	VMA_ITERATOR(vmi, mm, start);
	while ((v = vma_next(&vmi)) && v->vm_start < end) {
		if (v->vm_start > at)
			ret = -ENOMEM; /* a hole: the rest is still advised, as Linux does */
		unsigned long s = max(v->vm_start, start), e = min(v->vm_end, end);
		if (advice == MADV_DONTNEED) {
			if (v->vm_flags & VM_LOCKED) {
				ret = -EINVAL;
				break;
			}
			/* the pages go; private anonymous memory reads back as zeros */
			zap_page_range(mm, s, e);
		} else if (lru_advice) {
			if (v->vm_flags & VM_LOCKED) {
				ret = -EINVAL;
				break;
			}
			struct cold_walk w = { mm, advice == MADV_PAGEOUT, LIST_HEAD_INIT(w.isolated) };
			if (!w.pageout || can_do_pageout(t, v)) {
				walk_ptes(mm, s, e, cold_pte, &w);
				if (w.pageout)
					reclaim_pages(&w.isolated);
			}
		}
		at = v->vm_end;
	}
	if (at < end && !ret)
		ret = -ENOMEM;
	mmap_write_unlock(mm);
	return ret;
}

/* the system call, in the task's context (TASK_SYSCALL) */
int task_madvise(struct task_struct *t, unsigned long start, unsigned long len, int advice)
{
	return TASK_SYSCALL(t, do_task_madvise(t, start, len, advice));
}
