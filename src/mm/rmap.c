/*
 * rmap.c - the reverse map's basics, as Linux 6.1's mm/rmap.c: how many
 * PTEs map a page, and what it belongs to.
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
 * own whose parent is the parent VMA's:
 *
 *   child VMA --anon_vma--> av' --parent--> av (parent's VMA) --parent--> ... root
 *   a page faulted in the parent:  mapping = av   (found from both VMAs)
 *   the child's copy-on-write copy: mapping = av'  (found from the child's only)
 *
 * rmap_verify holds every mapped page to that: its anon_vma is on the
 * path from the VMA's anon_vma to the root (or its address_space is the
 * VMA's file's), its index places it at the PTE's address, its mapcount
 * is its number of PTEs and its references at least that; each mm's RSS
 * by kind (mm_counter: anon, file, shmem) is its PTEs' count; nothing is
 * writable where its VMA is not.  Linux also links anon_vmas down to
 * their VMAs (anon_vma_chain) to walk from a page to all its PTEs; kmm
 * adds that when reclaim and migration need it.
 *
 * Counters: the mm's rss[] and hiwater_rss, the node's nr_anon_mapped and
 * nr_file_mapped (a page counts once, at its first mapping).  Callers
 * hold the mm's mmap_lock; anon_vma references are atomic.
 */
#include "internal.h"

#include <kmm/task.h>

#define PAGE_MAPPING_ANON 0x1UL

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
		free(av);
		av = parent; /* the child's reference on its parent goes with it */
	}
}

/* vma's own anon_vma below parent (NULL: a root of its own): 0 or -ENOMEM. */
static int anon_vma_attach_new(struct vm_area_struct *vma, struct anon_vma *parent)
{
	struct anon_vma *av = malloc(sizeof(*av));
	if (!av)
		return -ENOMEM;
	*av = (struct anon_vma){ parent ? parent->root : av, anon_vma_get(parent), 1 };
	vma->anon_vma = av;
	return 0;
}

/* The VMA's anon_vma, made at its first anonymous page: 0 or -ENOMEM. */
int anon_vma_prepare(struct vm_area_struct *vma)
{
	return vma->anon_vma ? 0 : anon_vma_attach_new(vma, NULL);
}

/* fork: the child's copy vma of pvma gets an anon_vma below pvma's. */
int anon_vma_fork(struct vm_area_struct *vma, const struct vm_area_struct *pvma)
{
	vma->anon_vma = NULL;
	return pvma->anon_vma ? anon_vma_attach_new(vma, pvma->anon_vma) : 0;
}

int mm_counter(const struct page *page)
{
	if (PageAnon(page))
		return MM_ANONPAGES;
	return page_is_shmem(page) ? MM_SHMEMPAGES : MM_FILEPAGES;
}

static void rss_add(struct mm_struct *mm, const struct page *page, long delta)
{
	mm->rss[mm_counter(page)] += (unsigned long)delta;
	if (delta > 0)
		mm->hiwater_rss = max(mm->hiwater_rss, mm->rss[MM_ANONPAGES] + mm->rss[MM_FILEPAGES] + mm->rss[MM_SHMEMPAGES]);
}

/* A fresh anonymous page gets its first PTE at addr of vma (which has an anon_vma). */
void page_add_new_anon_rmap(struct page *page, struct vm_area_struct *vma, unsigned long addr)
{
	__atomic_store_n(&page->_mapcount, 0, __ATOMIC_RELAXED);
	page->mapping = (void *)((unsigned long)vma->anon_vma | PAGE_MAPPING_ANON);
	page->index = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	rss_add(vma->vm_mm, page, 1);
	mod_node_page_state(page, nr_anon_mapped, 1);
}

/*
 * A page reused on a write fault is this VMA's alone now: it moves to the
 * VMA's anon_vma.  The caller holds the page lock and saw the page's only
 * reference (do_wp_page): no other task maps it, so none reads mapping.
 */
void page_move_anon_rmap(struct page *page, struct vm_area_struct *vma)
{
	page->mapping = (void *)((unsigned long)vma->anon_vma | PAGE_MAPPING_ANON);
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
		page->mapping = NULL; /* unmapped everywhere: it is only being freed now */
	} else {
		mod_node_page_state(page, nr_file_mapped, -1);
	}
}

/* ---- the check ------------------------------------------------------------------------------ */

struct rmap_check {
	unsigned int *maps;   /* PTEs seen per pfn */
	unsigned long lo, hi; /* the pfns seen lie in [lo, hi): the check walks only those */
	unsigned long rss[NR_MM_COUNTERS]; /* PTEs of this mm mapping a page, by kind */
	unsigned long bad_addr;
	const char *bad_why;
	const struct vm_area_struct *vma;
};

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
	c->maps[pfn]++;
	c->lo = min(c->lo, pfn);
	c->hi = max(c->hi, pfn + 1);
	c->rss[mm_counter(page)]++;
}

/*
 * Every task's PTEs against the pages they map (see the top): 0, or
 * -EINVAL with the first mismatch in why.
 */
int rmap_verify(struct task_struct **tasks, int n, char *why, size_t whylen)
{
	struct rmap_check c = { .maps = calloc(M->max_pfn, sizeof(unsigned int)), .lo = M->max_pfn };
	if (!c.maps)
		return -ENOMEM;
	static const char *const kind[NR_MM_COUNTERS] = { "RssFile", "RssAnon", "VmSwap", "RssShmem" };
	int ret = 0;
	for (int i = 0; i < n && !ret; i++) {
		struct mm_struct *mm = tasks[i]->mm;
		pthread_mutex_lock(&mm->mmap_lock);
		memset(c.rss, 0, sizeof(c.rss));
		for (int v = 0; v < mm->map_count && !c.bad_addr; v++) {
			c.vma = mm->vmas[v];
			walk_ptes(mm, c.vma->vm_start, c.vma->vm_end, count_pte, &c);
		}
		if (c.bad_addr) {
			snprintf(why, whylen, "pid %d: the PTE at %#lx: %s", tasks[i]->pid, c.bad_addr, c.bad_why);
			ret = -EINVAL;
		}
		for (int k = 0; k < NR_MM_COUNTERS && !ret; k++)
			if (c.rss[k] != mm->rss[k]) {
				snprintf(why, whylen, "pid %d: %s is %lu pages, its PTEs map %lu", tasks[i]->pid, kind[k],
					 mm->rss[k], c.rss[k]);
				ret = -EINVAL;
			}
		pthread_mutex_unlock(&mm->mmap_lock);
	}
	for (unsigned long pfn = c.lo; pfn < c.hi && !ret; pfn++) {
		if (!c.maps[pfn])
			continue;
		struct page *page = pfn_to_page(pfn);
		int mapcount = page_mapcount(page); /* relaxed: tasks on other CPUs map and unmap it meanwhile */
		if (mapcount != (int)c.maps[pfn] || page_ref_count(page) < (int)c.maps[pfn]) {
			snprintf(why, whylen, "pfn %#lx: %u PTEs map it, but _mapcount %d and refcount %d", pfn, c.maps[pfn],
				 mapcount - 1, page_ref_count(page));
			ret = -EINVAL;
		}
	}
	free(c.maps);
	return ret;
}
