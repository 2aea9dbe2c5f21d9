/*
 * memory.c - page faults and the page tables of processes, as Linux 6.1's
 * mm/memory.c and arch/x86/mm/fault.c.
 *
 * A task's memory is given at mmap time and taken only when touched:
 *
 *   fault at addr --> find_vma --> access check --> the PTE:
 *     none, read          map the shared zero page read-only
 *     none, write         a zeroed page (GFP_HIGHUSER_MOVABLE: HighMem
 *                         first on i386), mapped writable
 *     present, write, RO  the zero page: replace it with a zeroed page;
 *                         a page only this PTE maps: make it writable
 *                         (reuse); else copy it (copy-on-write)
 *     no VMA / no right   SIGSEGV (SEGV_MAPERR / SEGV_ACCERR), logged as
 *                         "comm[pid]: segfault at ADDR ip .. sp .. error N"
 *
 * A mapped page counts its PTEs in _mapcount (-1: none) and is anonymous
 * (page->mapping carries PAGE_MAPPING_ANON); zapping a PTE drops both and
 * the page reference, so exit and munmap give every frame back, and empty
 * page-table pages go too.  The zero page is the first page of the
 * kernel's .bss (empty_zero_page), never counted or freed.
 *
 * File-backed and shared anonymous faults need the page cache and shmem
 * (issue 6's next steps): touching such a VMA is refused for now.
 * Locking: the task's mmap_lock around the whole fault.
 */
#include "internal.h"
#include "sim/ram.h"

#include <kmm/task.h>
#include <signal.h>

#define PAGE_MAPPING_ANON 0x1UL
#define PF_PROT 0x1  /* x86 page fault error code: the page was present */
#define PF_WRITE 0x2
#define PF_USER 0x4

static unsigned long zero_pfn(void)
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

/* A page this PTE stops mapping: one mapping and one reference fewer. */
static void page_remove_rmap_and_put(struct mm_struct *mm, struct page *page)
{
	if (--page->_mapcount < 0)
		page->mapping = NULL;
	mm->rss[MM_ANONPAGES]--;
	put_page(page);
}

static void page_add_anon_rmap(struct mm_struct *mm, struct page *page)
{
	if (page->_mapcount++ < 0)
		page->mapping = (void *)((unsigned long)mm | PAGE_MAPPING_ANON);
	mm->rss[MM_ANONPAGES]++;
	mm->hiwater_rss = max(mm->hiwater_rss, mm->rss[MM_ANONPAGES] + mm->rss[MM_FILEPAGES] + mm->rss[MM_SHMEMPAGES]);
}

/* A fresh zeroed user page, or NULL (the OOM path of the page allocator ran). */
static struct page *alloc_user_page(void)
{
	return alloc_pages(GFP_HIGHUSER_MOVABLE | __GFP_ZERO, 0);
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

/* handle_mm_fault for one address, mmap_lock held: 0, or -EFAULT after SIGSEGV. */
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
	if (vma->vm_file || (vma->vm_flags & VM_SHARED)) {
		printk(KERN_ERR "kmm: %s[%d]: a fault on a file or shared mapping at %lx needs the page cache, "
				"which kmm does not have yet\n", t->comm, t->pid, addr);
		t->last_signal = SIGBUS;
		return -EFAULT;
	}
	unsigned long idx;
	phys_addr_t table = user_pte_table(mm->pgd, addr, true, &idx);
	if (!table)
		return -ENOMEM;
	pteval_t pte = pte_get(table, idx);
	t->min_flt++;
	count_vm_events(PGFAULT, 1);
	if (!(pte & _PAGE_PRESENT)) {
		if (!write) { /* do_anonymous_page, read: the zero page */
			pte_set(table, idx, PFN_PHYS(zero_pfn()) | user_prot(vma->vm_flags, false));
			return 0;
		}
		struct page *page = alloc_user_page();
		if (!page)
			return -ENOMEM;
		page_add_anon_rmap(mm, page);
		pte_set(table, idx, PFN_PHYS(page_to_pfn(page)) | user_prot(vma->vm_flags, true));
		return 0;
	}
	if (!write || (pte & _PAGE_RW))
		return 0; /* another fault got here first */
	/* do_wp_page */
	unsigned long pfn = PHYS_PFN(pte & PTE_PFN_MASK);
	struct page *old = pfn == zero_pfn() ? NULL : pfn_to_page(pfn);
	if (old && old->_mapcount == 0 && page_ref_count(old) == 1) { /* only we map it: reuse */
		pte_set(table, idx, (pte & PTE_PFN_MASK) | user_prot(vma->vm_flags, true));
		return 0;
	}
	struct page *new = alloc_user_page();
	if (!new)
		return -ENOMEM;
	if (old)
		memcpy(ram_host(page_to_phys(new)), ram_host(page_to_phys(old)), PAGE_SIZE);
	page_add_anon_rmap(mm, new);
	flush_tlb_mm_range(mm, addr & PAGE_MASK, (addr & PAGE_MASK) + PAGE_SIZE); /* ptep_clear_flush */
	pte_set(table, idx, PFN_PHYS(page_to_pfn(new)) | user_prot(vma->vm_flags, true));
	if (old)
		page_remove_rmap_and_put(mm, old);
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
typedef void (*pte_fn)(unsigned long addr, phys_addr_t table, unsigned long idx, pteval_t pte, void *arg);

static void walk_ptes(struct mm_struct *mm, unsigned long start, unsigned long end, pte_fn fn, void *arg)
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
	if (pfn != zero_pfn())
		page_remove_rmap_and_put(mm, pfn_to_page(pfn));
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
		page->_mapcount++;
		c->dst->rss[MM_ANONPAGES]++;
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
 * copy, reuses).  Returns -ENOMEM if a page table cannot be had.
 */
int copy_page_range(struct mm_struct *dst, struct mm_struct *src, const struct vm_area_struct *vma)
{
	struct copy_ctx c = { dst, (vma->vm_flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE, 0 };
	if (c.cow)
		flush_tlb_mm_range(src, vma->vm_start, vma->vm_end); /* the parent's writable mirror goes too */
	walk_ptes(src, vma->vm_start, vma->vm_end, copy_pte, &c);
	return c.ret;
}

struct rmap_check {
	unsigned int *maps;   /* PTEs seen per pfn */
	unsigned long anon;   /* PTEs of this mm mapping a page (not the zero page) */
	unsigned long bad_addr;
	const struct vm_area_struct *vma;
};

static void count_pte(unsigned long addr, phys_addr_t table, unsigned long idx, pteval_t pte, void *arg)
{
	struct rmap_check *c = arg;
	unsigned long pfn = PHYS_PFN(pte & PTE_PFN_MASK);
	if (pfn == zero_pfn()) {
		if (pte & _PAGE_RW)
			c->bad_addr = addr; /* the zero page must never be writable */
		return;
	}
	if (!pfn_valid(pfn) || ((pte & _PAGE_RW) && !(c->vma->vm_flags & VM_WRITE)))
		c->bad_addr = addr;
	else
		c->maps[pfn]++;
	c->anon++;
}

/*
 * Every task's PTEs against the pages they map: a page mapped by n PTEs
 * has _mapcount n - 1 and at least n references, and each mm's anon RSS
 * is its number of such PTEs.  No PTE is writable where its VMA is not.
 */
int rmap_verify(struct task_struct **tasks, int n, char *why, size_t whylen)
{
	struct rmap_check c = { .maps = calloc(M->max_pfn, sizeof(unsigned int)) };
	if (!c.maps)
		return -ENOMEM;
	int ret = 0;
	for (int i = 0; i < n && !ret; i++) {
		struct mm_struct *mm = tasks[i]->mm;
		pthread_mutex_lock(&mm->mmap_lock);
		c.anon = 0;
		for (int v = 0; v < mm->map_count; v++) {
			c.vma = mm->vmas[v];
			walk_ptes(mm, c.vma->vm_start, c.vma->vm_end, count_pte, &c);
		}
		if (c.bad_addr) {
			snprintf(why, whylen, "pid %d: the PTE at %#lx maps no page, or allows a write its VMA does not",
				 tasks[i]->pid, c.bad_addr);
			ret = -EINVAL;
		} else if (c.anon != mm->rss[MM_ANONPAGES]) {
			snprintf(why, whylen, "pid %d: RssAnon is %lu pages, its PTEs map %lu", tasks[i]->pid,
				 mm->rss[MM_ANONPAGES], c.anon);
			ret = -EINVAL;
		}
		pthread_mutex_unlock(&mm->mmap_lock);
	}
	for (unsigned long pfn = 0; pfn < M->max_pfn && !ret; pfn++) {
		if (!c.maps[pfn])
			continue;
		struct page *page = pfn_to_page(pfn);
		if (page->_mapcount + 1 != (int)c.maps[pfn] || page_ref_count(page) < (int)c.maps[pfn]) {
			snprintf(why, whylen, "pfn %#lx: %u PTEs map it, but _mapcount %d and refcount %d", pfn, c.maps[pfn],
				 page->_mapcount, page_ref_count(page));
			ret = -EINVAL;
		}
	}
	free(c.maps);
	return ret;
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

/* move_page_tables for mremap: the PTEs of [old, old + len) go to new, pages untouched. */
int move_page_tables(struct mm_struct *mm, unsigned long old, unsigned long new, unsigned long len)
{
	struct move_ctx c = { new - old, mm, 0 };
	flush_tlb_mm_range(mm, old, old + len);
	walk_ptes(mm, old, old + len, move_pte, &c);
	user_free_pgtables(mm->pgd, old, old + len);
	return c.ret;
}

/* ---- /proc/PID/smaps_rollup --------------------------------------------------------------- */

#define PSS_SHIFT 12 /* fixed-point bits of the proportional share, as Linux */

struct mem_size_stats {
	unsigned long rss, shared_clean, shared_dirty, private_clean, private_dirty, referenced, anonymous;
	u64 pss, pss_dirty, pss_anon, pss_locked;
	bool locked;
};

static void smaps_pte(unsigned long addr, phys_addr_t table, unsigned long idx, pteval_t pte, void *arg)
{
	struct mem_size_stats *mss = arg;
	unsigned long pfn = PHYS_PFN(pte & PTE_PFN_MASK);
	if (pfn == zero_pfn() || !pfn_valid(pfn))
		return; /* not a "normal" page (vm_normal_page) */
	struct page *page = pfn_to_page(pfn);
	int mapcount = page->_mapcount + 1;
	bool dirty = pte & _PAGE_DIRTY;
	u64 pss = ((u64)PAGE_SIZE << PSS_SHIFT) / (u64)(mapcount > 0 ? mapcount : 1);
	mss->rss += PAGE_SIZE;
	if (pte & _PAGE_ACCESSED)
		mss->referenced += PAGE_SIZE;
	mss->anonymous += PAGE_SIZE; /* every mapped page is anonymous for now */
	if (mapcount >= 2) {
		if (dirty)
			mss->shared_dirty += PAGE_SIZE;
		else
			mss->shared_clean += PAGE_SIZE;
	} else if (dirty) {
		mss->private_dirty += PAGE_SIZE;
	} else {
		mss->private_clean += PAGE_SIZE;
	}
	mss->pss += pss;
	mss->pss_anon += pss;
	if (dirty)
		mss->pss_dirty += pss;
	if (mss->locked)
		mss->pss_locked += pss;
}

void show_smaps_rollup(struct strbuf *sb, struct task_struct *t)
{
	struct mm_struct *mm = t->mm;
	struct mem_size_stats mss = { 0 };
	pthread_mutex_lock(&mm->mmap_lock);
	for (int i = 0; i < mm->map_count; i++) {
		mss.locked = mm->vmas[i]->vm_flags & VM_LOCKED;
		walk_ptes(mm, mm->vmas[i]->vm_start, mm->vmas[i]->vm_end, smaps_pte, &mss);
	}
	unsigned long first = mm->map_count ? mm->vmas[0]->vm_start : 0, last = mm->map_count ? mm->vmas[mm->map_count - 1]->vm_end : 0;
	pthread_mutex_unlock(&mm->mmap_lock);
	char head[96];
	snprintf(head, sizeof(head), "%08lx-%08lx ---p 00000000 00:00 0 ", first, last);
	sb_printf(sb, "%-*s %s\n", 25 + (M->prof->bits == 64 ? 8 : 4) * 6 - 1, head, "[rollup]");
	const struct { const char *name; u64 bytes; } rows[] = {
		{ "Rss:", mss.rss }, { "Pss:", mss.pss >> PSS_SHIFT }, { "Pss_Dirty:", mss.pss_dirty >> PSS_SHIFT },
		{ "Pss_Anon:", mss.pss_anon >> PSS_SHIFT }, { "Pss_File:", 0 }, { "Pss_Shmem:", 0 },
		{ "Shared_Clean:", mss.shared_clean }, { "Shared_Dirty:", mss.shared_dirty },
		{ "Private_Clean:", mss.private_clean }, { "Private_Dirty:", mss.private_dirty },
		{ "Referenced:", mss.referenced }, { "Anonymous:", mss.anonymous }, { "LazyFree:", 0 },
		{ "AnonHugePages:", 0 }, { "ShmemPmdMapped:", 0 }, { "FilePmdMapped:", 0 }, { "Shared_Hugetlb:", 0 },
		{ "Private_Hugetlb:", 0 }, { "Swap:", 0 }, { "SwapPss:", 0 }, { "Locked:", mss.pss_locked >> PSS_SHIFT },
	};
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		sb_printf(sb, "%-16s%8llu kB\n", rows[i].name, (unsigned long long)(rows[i].bytes >> 10));
}

/* ---- PID/pagemap: a text dump of the task's PTEs, for teaching ----------------------------- */

struct pagemap_ctx {
	struct strbuf *sb;
	int w;
};

static void pagemap_pte(unsigned long addr, phys_addr_t table, unsigned long idx, pteval_t pte, void *arg)
{
	struct pagemap_ctx *c = arg;
	unsigned long pfn = PHYS_PFN(pte & PTE_PFN_MASK);
	sb_printf(c->sb, "%0*lx pfn %8lx %s%s%s", c->w, addr, pfn, pte & _PAGE_RW ? "rw" : "ro",
		  pte & _PAGE_DIRTY ? " dirty" : "", pte & _PAGE_NX ? " nx" : "");
	if (pfn == zero_pfn())
		sb_printf(c->sb, " zero-page\n");
	else
		sb_printf(c->sb, " mapcount %d %s\n", pfn_to_page(pfn)->_mapcount + 1, zone_names[page_zonenum(pfn_to_page(pfn))]);
}

/*
 * One line per present PTE: the address, the frame, its access bits and
 * what the frame is (the shared zero page, or a page with its mapcount
 * and zone).  Linux's /proc/PID/pagemap holds the same facts as 64-bit
 * binary entries; kmm prints them.
 */
void show_pagemap(struct strbuf *sb, struct task_struct *t)
{
	struct mm_struct *mm = t->mm;
	struct pagemap_ctx c = { sb, M->prof->bits == 64 ? 12 : 8 };
	pthread_mutex_lock(&mm->mmap_lock);
	for (int i = 0; i < mm->map_count; i++)
		walk_ptes(mm, mm->vmas[i]->vm_start, mm->vmas[i]->vm_end, pagemap_pte, &c);
	pthread_mutex_unlock(&mm->mmap_lock);
}
