/*
 * rmap.c - the reverse map, as Linux 6.1's mm/rmap.c: how many PTEs map a
 * page, what it belongs to, and from an anonymous page every PTE that may
 * map it.
 *
 * A mapped page counts its PTEs in _mapcount (-1: none; page_mapcount()
 * is _mapcount + 1) and holds a reference per PTE.  It knows its owner:
 *
 *   anonymous:  page->mapping = anon_vma | PAGE_MAPPING_ANON
 *               page->index   = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT)
 *   file/shmem: page->mapping = the file's address_space
 *               page->index   = the page's offset in the file
 *
 * so in any VMA that may map it the page sits at vm_start + ((index -
 * vm_pgoff) << PAGE_SHIFT).  Anonymous VMAs get an anon_vma at their first
 * fault (anon_vma_prepare); fork gives each child VMA an anon_vma of its
 * own whose parent is the parent VMA's (anon_vma_fork):
 *
 *   child VMA --anon_vma--> av' --parent--> av (parent's VMA) --parent--> ... root
 *   a page faulted in the parent:  mapping = av   (found from both VMAs)
 *   the child's copy-on-write copy: mapping = av'  (found from the child's only)
 *
 * The way down, from a page to its PTEs, is 6.1's anon_vma_chain: an AVC
 * links a VMA to each anon_vma whose pages it may map - its own and every
 * one above it on the path to the root, which is what anon_vma_clone of
 * the parent's chain plus the child's own anon_vma give after any number
 * of forks.  Each AVC is on two lists:
 *
 *   vma->anon_vma_chain:  avc(av') -> avc(av) -> avc(root)     (same_vma)
 *   av->head:             avc(parent's VMA) -> avc(child's VMA) -> ...  (same_anon_vma)
 *
 * so rmap_walk_anon(page) walks page's anon_vma's head, computes the
 * address in each VMA and checks the PTE there.  A split or mremap copy
 * clones the chain (anon_vma_clone: an AVC each, which may fail), a merge
 * moves the absorbed VMA's chain to the one that had none, and a VMA that
 * goes unlinks its chain (unlink_anon_vmas); an anon_vma goes with its
 * last reference (VMAs using it + anon_vmas below it).  Every anon_vma
 * and AVC is also an object of its Linux cache in simulated RAM (anon_vma,
 * anon_vma_chain: kernel/fork.c), where kmm writes the AVC's vma and
 * anon_vma and the anon_vma's root as kernel virtual addresses; the lists
 * themselves are kmm's host bookkeeping (Linux keeps an interval tree).
 *
 * rmap_verify holds every mapped page to that: its anon_vma is on the
 * path from the VMA's anon_vma to the root (or its address_space is the
 * VMA's file's), its index places it at the PTE's address, its mapcount
 * is its number of PTEs and its references at least that; each VMA's
 * chain is exactly that path; each mm's RSS by kind (mm_counter: anon,
 * file, shmem) is its PTEs' count; nothing is writable where its VMA is
 * not.
 *
 * Counters: the mm's rss[] and hiwater_rss, the node's nr_anon_mapped and
 * nr_file_mapped (a page counts once, at its first mapping).
 *
 * Mlock: 6.1's page_add_anon_rmap/page_add_file_rmap mlock a page mapped
 * into a VM_LOCKED VMA, and page_remove_rmap munlocks it; these take the
 * mm, not the VMA, so their callers in mm/memory.c (faults, zap, COW) call
 * mlock_vma_page/munlock_vma_page next to them (mm/mlock.c).  A brand-new
 * anonymous page is mlocked by folio_add_lru_vma instead, as in 6.1.  Callers
 * hold the mm's mmap_lock; anon_vma references are atomic; anon_vma_lock
 * (Linux's anon_vma rwsem, one for all here) guards the chains and nests
 * inside mmap_lock.
 */
#include "internal.h"
#include "kernel/kobj.h"

#include <kmm/task.h>

#define PAGE_MAPPING_ANON 0x1UL

static pthread_mutex_t anon_vma_lock = PTHREAD_MUTEX_INITIALIZER;

struct anon_vma *anon_vma_get(struct anon_vma *av)
{
	if (av)
		__atomic_add_fetch(&av->refcount, 1, __ATOMIC_RELAXED);
	return av;
}

void anon_vma_put(struct anon_vma *av)
{
	while (av && !__atomic_sub_fetch(&av->refcount, 1, __ATOMIC_ACQ_REL)) {
		struct anon_vma *parent = av->parent;
		MM_BUG_ON(!list_empty(&av->head));
		kobj_free(KOBJ_ANON_VMA, av->obj);
		free(av);
		av = parent; /* the child's reference on its parent goes with it */
	}
}

/* anon_vma_alloc: a new anon_vma below parent (NULL: a root of its own), one reference; NULL without memory. */
static struct anon_vma *anon_vma_alloc(struct anon_vma *parent)
{
	struct anon_vma *av = malloc(sizeof(*av));
	void *obj = kobj_alloc(KOBJ_ANON_VMA);
	if (!av || !obj) {
		free(av);
		kobj_free(KOBJ_ANON_VMA, obj);
		return NULL;
	}
	*av = (struct anon_vma){ parent ? parent->root : av, anon_vma_get(parent), 1, LIST_HEAD_INIT(av->head), obj };
	kobj_put_ptr(obj, 0, av->root->obj); /* anon_vma->root, its first field */
	return av;
}

/* anon_vma_chain_link: vma may map av's pages (anon_vma_lock held). */
static int __avc_link(struct vm_area_struct *vma, struct anon_vma *av)
{
	struct anon_vma_chain *avc = malloc(sizeof(*avc));
	void *obj = kobj_alloc(KOBJ_AVC);
	if (!avc || !obj) {
		free(avc);
		kobj_free(KOBJ_AVC, obj);
		return -ENOMEM;
	}
	*avc = (struct anon_vma_chain){ vma, av, LIST_HEAD_INIT(avc->same_vma), LIST_HEAD_INIT(avc->same_anon_vma), obj };
	kobj_put_ptr(obj, 0, vma->obj);
	kobj_put_ptr(obj, kobj_word(), av->obj);
	list_add_tail(&avc->same_vma, &vma->anon_vma_chain);
	list_add_tail(&avc->same_anon_vma, &av->head);
	return 0;
}

static void __avc_unlink_all(struct vm_area_struct *vma)
{
	while (!list_empty(&vma->anon_vma_chain)) {
		struct anon_vma_chain *avc = list_entry(vma->anon_vma_chain.next, struct anon_vma_chain, same_vma);
		list_del(&avc->same_vma);
		list_del(&avc->same_anon_vma);
		kobj_free(KOBJ_AVC, avc->obj);
		free(avc);
	}
}

/* vma (whose anon_vma is set) gets an AVC for each anon_vma from its own to the root: 0, or -ENOMEM and none. */
static int avc_link_path(struct vm_area_struct *vma)
{
	int ret = 0;
	pthread_mutex_lock(&anon_vma_lock);
	for (struct anon_vma *av = vma->anon_vma; av && !ret; av = av->parent)
		ret = __avc_link(vma, av);
	if (ret)
		__avc_unlink_all(vma);
	pthread_mutex_unlock(&anon_vma_lock);
	return ret;
}

/* A new anon_vma below parent (NULL: a root) for vma, with its AVCs: 0, or -ENOMEM with vma holding none. */
static int anon_vma_attach_new(struct vm_area_struct *vma, struct anon_vma *parent)
{
	struct anon_vma *av = anon_vma_alloc(parent);
	if (!av)
		return -ENOMEM;
	vma->anon_vma = av;
	if (avc_link_path(vma)) {
		vma->anon_vma = NULL;
		anon_vma_put(av);
		return -ENOMEM;
	}
	return 0;
}

/* The VMA's anon_vma, made at its first anonymous page: 0 or -ENOMEM (nothing changed). */
int anon_vma_prepare(struct vm_area_struct *vma)
{
	return vma->anon_vma ? 0 : anon_vma_attach_new(vma, NULL);
}

/*
 * fork: the child's copy vma of pvma gets an anon_vma below pvma's, and
 * AVCs to it and to everything pvma may map: 0, or -ENOMEM with vma left
 * without an anon_vma or chain.
 */
int anon_vma_fork(struct vm_area_struct *vma, struct vm_area_struct *pvma)
{
	vma->anon_vma = NULL;
	INIT_LIST_HEAD(&vma->anon_vma_chain);
	return pvma->anon_vma ? anon_vma_attach_new(vma, pvma->anon_vma) : 0;
}

/*
 * anon_vma_clone: dst (a copy of src: split, mremap) shares src's
 * anon_vma and gets its own AVCs; dst's anon_vma field and chain are
 * (re)set here.  0, or -ENOMEM with dst holding nothing.
 */
int anon_vma_clone(struct vm_area_struct *dst, struct vm_area_struct *src)
{
	INIT_LIST_HEAD(&dst->anon_vma_chain);
	dst->anon_vma = anon_vma_get(src->anon_vma);
	if (dst->anon_vma && avc_link_path(dst)) {
		anon_vma_put(dst->anon_vma);
		dst->anon_vma = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* The VMA goes (or merges away): its AVCs, and its reference on its anon_vma. */
void unlink_anon_vmas(struct vm_area_struct *vma)
{
	pthread_mutex_lock(&anon_vma_lock);
	__avc_unlink_all(vma);
	pthread_mutex_unlock(&anon_vma_lock);
	anon_vma_put(vma->anon_vma);
	vma->anon_vma = NULL;
}

/* A merge: dst, which had no anon_vma, takes src's with its chain (what __vma_adjust's clone + unlink leave). */
void anon_vma_chain_move(struct vm_area_struct *dst, struct vm_area_struct *src)
{
	MM_BUG_ON(dst->anon_vma || !list_empty(&dst->anon_vma_chain));
	pthread_mutex_lock(&anon_vma_lock);
	while (!list_empty(&src->anon_vma_chain)) {
		struct anon_vma_chain *avc = list_entry(src->anon_vma_chain.next, struct anon_vma_chain, same_vma);
		list_del(&avc->same_vma);
		list_add_tail(&avc->same_vma, &dst->anon_vma_chain);
		avc->vma = dst;
		kobj_put_ptr(avc->obj, 0, dst->obj);
	}
	pthread_mutex_unlock(&anon_vma_lock);
	dst->anon_vma = src->anon_vma;
	src->anon_vma = NULL;
}

/* ---- walking from a page to its PTEs ---------------------------------------------------------- */

struct rmap_probe {
	unsigned long pfn;
	bool found;
};

static void probe_pte(unsigned long addr, phys_addr_t table, unsigned long idx, pteval_t pte, void *arg)
{
	struct rmap_probe *p = arg;
	if (PHYS_PFN(pte & PTE_PFN_MASK) == p->pfn)
		p->found = true;
}

/*
 * rmap_walk_anon: for each VMA on the page's anon_vma's chain list, the
 * address the page would have there (vma_address) and, if the PTE there
 * maps it, fn(vma, addr, arg).  Returns the number of mappings found,
 * which equals page_mapcount() when the chains are right.  The caller
 * makes sure no task of the fork tree changes its VMAs meanwhile (Linux
 * holds the anon_vma's rwsem, which every such change takes).
 */
int rmap_walk_anon(struct page *page, void (*fn)(struct vm_area_struct *vma, unsigned long addr, void *arg), void *arg)
{
	if (!PageAnon(page))
		return 0;
	struct anon_vma *av = (void *)((unsigned long)page->mapping & ~PAGE_MAPPING_ANON);
	int found = 0;
	pthread_mutex_lock(&anon_vma_lock);
	struct list_head *pos;
	list_for_each(pos, &av->head) {
		struct vm_area_struct *vma = list_entry(pos, struct anon_vma_chain, same_anon_vma)->vma;
		if (page->index < vma->vm_pgoff)
			continue;
		unsigned long addr = vma->vm_start + ((page->index - vma->vm_pgoff) << PAGE_SHIFT);
		if (addr < vma->vm_start || addr >= vma->vm_end)
			continue;
		struct rmap_probe p = { page_to_pfn(page), false };
		walk_ptes(vma->vm_mm, addr, addr + PAGE_SIZE, probe_pte, &p);
		if (!p.found)
			continue;
		found++;
		if (fn)
			fn(vma, addr, arg);
	}
	pthread_mutex_unlock(&anon_vma_lock);
	return found;
}

int mm_counter(const struct page *page)
{
	if (PageAnon(page))
		return MM_ANONPAGES;
	return page_is_shmem(page) ? MM_SHMEMPAGES : MM_FILEPAGES;
}

/*
 * add_mm_counter(): every change is an rss_stat event.  (6.1 with
 * SPLIT_RSS_COUNTING first gathers a task's own fault-time changes and
 * reports them every 64 faults; kmm reports each.)
 */
static void rss_add(struct mm_struct *mm, const struct page *page, long delta)
{
	int member = mm_counter(page);
	mm->rss[member] += (unsigned long)delta;
	mm_trace_rss_stat(mm, member, (long)mm->rss[member]);
	if (delta > 0)
		mm->hiwater_rss = max(mm->hiwater_rss, mm->rss[MM_ANONPAGES] + mm->rss[MM_FILEPAGES] + mm->rss[MM_SHMEMPAGES]);
}

/* A fresh anonymous page gets its first PTE at addr of vma (which has an anon_vma). */
void page_add_new_anon_rmap(struct page *page, struct vm_area_struct *vma, unsigned long addr)
{
	__atomic_store_n(&page->_mapcount, 0, __ATOMIC_RELAXED);
	__atomic_fetch_or(&page->flags, 1UL << PG_swapbacked, __ATOMIC_RELAXED); /* __folio_set_swapbacked */
	__atomic_store_n(&page->mapping, (void *)((unsigned long)vma->anon_vma | PAGE_MAPPING_ANON), __ATOMIC_RELAXED);
	page->index = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	rss_add(vma->vm_mm, page, 1);
	mod_node_page_state(page, nr_anon_mapped, 1);
}

/*
 * do_swap_page: a page from the swap cache gets a PTE at addr of vma.  A
 * page that has no anon_vma yet (read back from swap) takes the VMA's
 * when this was the slot's only PTE (exclusive), else the root's, which
 * every task sharing the slot descends from (__page_set_anon_rmap).
 */
void page_add_anon_rmap(struct page *page, struct vm_area_struct *vma, unsigned long addr, bool exclusive)
{
	if (__atomic_add_fetch(&page->_mapcount, 1, __ATOMIC_ACQ_REL) == 0) {
		if (!PageAnon(page)) {
			struct anon_vma *av = exclusive ? vma->anon_vma : vma->anon_vma->root;
			__atomic_store_n(&page->mapping, (void *)((unsigned long)av | PAGE_MAPPING_ANON), __ATOMIC_RELAXED);
			page->index = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
		}
		mod_node_page_state(page, nr_anon_mapped, 1);
	}
	rss_add(vma->vm_mm, page, 1);
}

/* MM_SWAPENTS: a PTE of mm holds a swap entry more or less. */
void mm_swapents_add(struct mm_struct *mm, long delta)
{
	mm->rss[MM_SWAPENTS] += (unsigned long)delta;
	mm_trace_rss_stat(mm, MM_SWAPENTS, (long)mm->rss[MM_SWAPENTS]);
}

/*
 * Reclaim's rmap walk of an anonymous page (rmap_walk_anon with
 * try_lock): the anon_vma lock and each mapping mm's mmap_lock only if
 * free at once (reclaim may run under either); -EAGAIN when one is not.
 * A page no PTE maps is not walked: its anon_vma may be gone.  Otherwise
 * the sum of fn over the VMAs whose range holds the page's address.
 */
int rmap_walk_anon_trylock(struct page *page,
			   int (*fn)(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr, void *arg),
			   void *arg)
{
	if (pthread_mutex_trylock(&anon_vma_lock))
		return -EAGAIN;
	int sum = 0;
	void *mapping = page_mapping_raw(page);
	if (page_mapcount(page) && ((unsigned long)mapping & PAGE_MAPPING_ANON)) {
		struct anon_vma *av = (void *)((unsigned long)mapping & ~PAGE_MAPPING_ANON);
		struct list_head *pos;
		list_for_each(pos, &av->head) {
			/*
			 * The VMA's range is read under its mm's lock: its owner moves
			 * vm_start/vm_pgoff (a merge, an expand) holding that lock, not
			 * this one (Linux's vma_adjust takes the anon_vma lock too).
			 */
			struct vm_area_struct *vma = list_entry(pos, struct anon_vma_chain, same_anon_vma)->vma;
			bool took;
			if (!reclaim_lock_mm(vma->vm_mm, &took)) {
				sum = -EAGAIN;
				break;
			}
			if (page->index >= vma->vm_pgoff &&
			    page->index - vma->vm_pgoff < (vma->vm_end - vma->vm_start) >> PAGE_SHIFT)
				sum += fn(vma->vm_mm, vma, vma->vm_start + ((page->index - vma->vm_pgoff) << PAGE_SHIFT), arg);
			reclaim_unlock_mm(vma->vm_mm, took);
		}
	}
	pthread_mutex_unlock(&anon_vma_lock);
	return sum;
}

/*
 * A page reused on a write fault is this VMA's alone now: it moves to the
 * VMA's anon_vma.  The caller holds the page lock and saw the page's only
 * reference (do_wp_page): no other task maps it, so none reads mapping.
 */
void page_move_anon_rmap(struct page *page, struct vm_area_struct *vma)
{
	__atomic_store_n(&page->mapping, (void *)((unsigned long)vma->anon_vma | PAGE_MAPPING_ANON), __ATOMIC_RELAXED);
}

/*
 * A page-cache page gets a PTE in mm.  _mapcount changes atomically, as
 * Linux's atomic_t: tasks on other CPUs, under their own mmap_lock, map
 * and unmap the same page-cache and COW-shared pages.
 */
void page_add_file_rmap(struct page *page, struct mm_struct *mm)
{
	if (__atomic_add_fetch(&page->_mapcount, 1, __ATOMIC_RELAXED) == 0)
		mod_node_page_state(page, nr_file_mapped, 1);
	rss_add(mm, page, 1);
}

/* fork: a PTE copied to mm maps the page once more. */
void page_dup_rmap(struct page *page, struct mm_struct *mm)
{
	__atomic_add_fetch(&page->_mapcount, 1, __ATOMIC_RELAXED);
	rss_add(mm, page, 1);
}

/*
 * A PTE of mm stops mapping the page (the caller drops the PTE's
 * reference).  The decrement is fully ordered, as Linux's
 * atomic_add_negative: the last unmapper, which clears an anonymous
 * page's mapping, must come after every other task's reads of it (a COW
 * copy on another CPU looks at PageAnon just before its own decrement).
 */
void page_remove_rmap(struct page *page, struct mm_struct *mm)
{
	rss_add(mm, page, -1);
	if (__atomic_sub_fetch(&page->_mapcount, 1, __ATOMIC_ACQ_REL) >= 0)
		return;
	if (PageAnon(page)) {
		mod_node_page_state(page, nr_anon_mapped, -1);
		if (!page_in_swap_cache(page)) /* unmapped everywhere: it is only being freed now */
			__atomic_store_n(&page->mapping, NULL, __ATOMIC_RELAXED);
	} else {
		mod_node_page_state(page, nr_file_mapped, -1);
	}
}

/* ---- the check ------------------------------------------------------------------------------ */

struct rmap_check {
	/* the pfn of every present PTE seen, one entry per PTE: sorted at the end, a run of one pfn is its mapcount
	 * (memory in proportion to what is mapped, not to the highest pfn: a board's RAM may start at 2^47) */
	unsigned long *pfns;
	size_t nr, cap;
	bool nomem;
	unsigned long rss[NR_MM_COUNTERS]; /* PTEs of this mm mapping a page, by kind */
	unsigned long bad_addr;
	const char *bad_why;
	const struct vm_area_struct *vma;
};

/* vma's chain is exactly the path from its anon_vma to the root, each AVC on its anon_vma's list. */
static bool avc_chain_right(const struct vm_area_struct *vma)
{
	const struct anon_vma *av = vma->anon_vma;
	bool ok = true;
	pthread_mutex_lock(&anon_vma_lock);
	const struct list_head *pos;
	for (pos = vma->anon_vma_chain.next; pos != &vma->anon_vma_chain && ok; pos = pos->next, av = av->parent) {
		const struct anon_vma_chain *avc = list_entry(pos, struct anon_vma_chain, same_vma);
		ok = av && avc->anon_vma == av && avc->vma == vma && avc->obj && av->obj;
	}
	ok = ok && !av;
	pthread_mutex_unlock(&anon_vma_lock);
	return ok;
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
	return x < y ? -1 : x > y;
}

static bool anon_vma_on_path(const struct anon_vma *page_av, const struct anon_vma *av)
{
	for (; av; av = av->parent)
		if (av == page_av)
			return true;
	return false;
}

static void count_pte(unsigned long addr, phys_addr_t table, unsigned long idx, pteval_t pte, void *arg)
{
	struct rmap_check *c = arg;
	const struct vm_area_struct *v = c->vma;
	unsigned long pfn = PHYS_PFN(pte & PTE_PFN_MASK);
	if (c->bad_addr)
		return;
	if (is_swap_pte(pte)) {
		c->rss[MM_SWAPENTS]++;
		return;
	}
	if (pfn == zero_pfn()) {
		if (pte & _PAGE_RW) {
			c->bad_addr = addr;
			c->bad_why = "the zero page is mapped writable";
		}
		return;
	}
	if (!pfn_valid(pfn)) {
		c->bad_addr = addr;
		c->bad_why = "the PTE maps no page";
		return;
	}
	if ((pte & _PAGE_RW) && !(v->vm_flags & VM_WRITE)) {
		c->bad_addr = addr;
		c->bad_why = "the PTE allows a write its VMA does not";
		return;
	}
	const struct page *page = pfn_to_page(pfn);
	unsigned long index = v->vm_pgoff + ((addr - v->vm_start) >> PAGE_SHIFT);
	if (PageAnon(page)) {
		const struct anon_vma *av = (const void *)((unsigned long)page->mapping & ~PAGE_MAPPING_ANON);
		if (!anon_vma_on_path(av, v->anon_vma))
			c->bad_why = "an anonymous page whose anon_vma is not the VMA's or an ancestor's";
	} else if (!v->vm_file || page->mapping != &v->vm_file->f_inode->i_mapping) {
		c->bad_why = "a page that is neither anonymous nor the VMA's file's";
	}
	if (!c->bad_why && page->index != index)
		c->bad_why = "a page whose index does not place it at this address";
	if (c->bad_why) {
		c->bad_addr = addr;
		return;
	}
	if (c->nr == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		unsigned long *grown = reallocarray(c->pfns, cap, sizeof(*grown));
		if (!grown) {
			c->nomem = true;
			c->bad_addr = addr;
			c->bad_why = "no host memory for the check";
			return;
		}
		c->pfns = grown;
		c->cap = cap;
	}
	c->pfns[c->nr++] = pfn;
	c->rss[mm_counter(page)]++;
}

/*
 * Every task's PTEs against the pages they map (see the top): 0, or
 * -EINVAL with the first mismatch in why.
 */
int rmap_verify(struct task_struct **tasks, struct mm_struct **mms, int n, char *why, size_t whylen)
{
	struct rmap_check c = { 0 };
	static const char *const kind[NR_MM_COUNTERS] = { "RssFile", "RssAnon", "VmSwap", "RssShmem" };
	int ret = 0;
	for (int i = 0; i < n && !ret; i++) {
		struct mm_struct *mm = mms[i]; /* tasks[i]'s, referenced by the caller */
		mmap_write_lock(mm);
		memset(c.rss, 0, sizeof(c.rss));
		VMA_ITERATOR(vmi, mm, 0);
		while (!c.bad_addr && (c.vma = vma_next(&vmi))) {
			if (!avc_chain_right(c.vma)) {
				c.bad_addr = c.vma->vm_start;
				c.bad_why = "the VMA's anon_vma_chain is not the path from its anon_vma to the root";
				break;
			}
			walk_ptes_swap(mm, c.vma->vm_start, c.vma->vm_end, count_pte, &c);
		}
		if (c.bad_addr) {
			snprintf(why, whylen, "pid %d: the PTE at %#lx: %s", tasks[i]->pid, c.bad_addr, c.bad_why);
			ret = c.nomem ? -ENOMEM : -EINVAL;
		}
		for (int k = 0; k < NR_MM_COUNTERS && !ret; k++)
			if (c.rss[k] != mm->rss[k]) {
				snprintf(why, whylen, "pid %d: %s is %lu pages, its PTEs map %lu", tasks[i]->pid, kind[k],
					 mm->rss[k], c.rss[k]);
				ret = -EINVAL;
			}
		mmap_write_unlock(mm);
	}
	if (!ret && c.nr)
		qsort(c.pfns, c.nr, sizeof(*c.pfns), cmp_ulong);
	for (size_t i = 0, run; i < c.nr && !ret; i += run) {
		unsigned long pfn = c.pfns[i];
		for (run = 1; i + run < c.nr && c.pfns[i + run] == pfn; run++)
			;
		struct page *page = pfn_to_page(pfn);
		int mapcount = page_mapcount(page); /* relaxed: tasks on other CPUs map and unmap it meanwhile */
		if (mapcount != (int)run || page_ref_count(page) < (int)run) {
			snprintf(why, whylen, "pfn %#lx: %zu PTEs map it, but _mapcount %d and refcount %d", pfn, run,
				 mapcount - 1, page_ref_count(page));
			ret = -EINVAL;
		}
	}
	free(c.pfns);
	return ret;
}

/* The PTE of addr in mm if it maps page (present): its table and index, else 0 (the rmap walkers' check). */
phys_addr_t page_pte_of(struct mm_struct *mm, unsigned long addr, const struct page *page, unsigned long *idx)
{
	phys_addr_t table = user_pte_table(mm->pgd, addr, false, idx);
	if (!table)
		return 0;
	pteval_t pte = pte_get(table, *idx);
	if (!(pte & _PAGE_PRESENT) || PHYS_PFN(pte & PTE_PFN_MASK) != page_to_pfn(page))
		return 0;
	return table;
}
