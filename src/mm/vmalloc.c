/*
 * vmalloc.c - virtually contiguous kernel memory, as Linux 6.1's
 * mm/vmalloc.c.
 *
 * Vocabulary:
 *   vmap_area   a range [va_start, va_end) of the vmalloc area, busy (in
 *               use or lazily freed) or free
 *   vm_struct   what a busy area holds: its pages, flags, caller; the last
 *               page of every area is an unmapped guard page
 *   lazy free   vfree() clears the page table entries at once, but the area
 *               is reused only after a purge, which flushes the TLB once for
 *               all areas freed since (lazy_max_pages() worth of them)
 *
 *   VMALLOC_START                                                 VMALLOC_END
 *   |[area A  ][g]   free   [area B      ][g][lazy C][g]    free            |
 *
 * Two trees, as Linux keeps them: busy areas by address (find_vmap_area),
 * and free blocks by address, each node augmented with the largest free
 * block in its subtree, so the lowest-addressed block that fits is found
 * in O(log n) (find_vmap_lowest_match).  kmm's trees are treaps (random
 * priorities) instead of red-black trees: the same search, simpler code.
 * Freed blocks merge with free neighbours.
 *
 * The pages come from the buddy allocator one by one (GFP_KERNEL |
 * __GFP_HIGHMEM: highmem first on i386) and are mapped with 4 KiB entries
 * in swapper_pg_dir in one pass; the host mirror (sim/trap.c) maps them
 * into the window on first touch, so vmalloc itself makes no host call.
 * get_vm_area() reserves an area without pages (ioremap's and vmap's
 * ground); free_vm_area() unmaps whatever was put there and frees it.
 * vmap_area_lock protects both trees, the lazy list and the counters.
 *
 * Refusals are 6.1's: a zero size warns once; a size of more pages than
 * the machine has RAM ("exceeds total pages", checked before any rounding,
 * so sizes near ULONG_MAX never wrap to a small area), no room in the
 * window or no pages are reported through warn_alloc(), rate-limited as
 * page allocation failures are, and leave no area behind.
 */
#define _GNU_SOURCE
#include "internal.h"
#include "sim/ram.h"

#include <kmm/slab.h>
#include <kmm/vmalloc.h>

struct vmap_area {
	unsigned long va_start, va_end; /* [start, end) */
	struct vm_struct *vm;           /* busy and in use; NULL when lazily freed */
	struct vmap_area *left, *right; /* treap children */
	unsigned int prio;              /* treap priority (heap order) */
	unsigned long subtree_max_size; /* free tree: the largest block below */
	struct vmap_area *lazy_next;    /* the purge list */
};

#define PAGE_ALIGN(x) ALIGN((unsigned long)(x), PAGE_SIZE) /* 0 for sizes within a page of ULONG_MAX */
#define VM_LOWMEM (1UL << 31) /* kmm-internal: no HighMem pages (vmalloc_32), never stored */

static pthread_mutex_t vmap_area_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vmap_area *busy_root, *free_root, *purge_list;
static unsigned long lazy_nr, vmalloc_nr_pages, nr_purges;
/* printk_ratelimit()'s state (5*HZ, burst 10), for "vmap allocation ... failed"; reset at boot */
static struct ratelimit_state printk_ratelimit_state;
static unsigned int treap_seed = 2463534242u;

static unsigned int treap_rand(void)
{
	treap_seed ^= treap_seed << 13;
	treap_seed ^= treap_seed >> 17;
	treap_seed ^= treap_seed << 5;
	return treap_seed;
}

static inline unsigned long va_size(const struct vmap_area *va)
{
	return va->va_end - va->va_start;
}

static inline void update_max(struct vmap_area *n)
{
	unsigned long m = va_size(n);
	if (n->left && n->left->subtree_max_size > m)
		m = n->left->subtree_max_size;
	if (n->right && n->right->subtree_max_size > m)
		m = n->right->subtree_max_size;
	n->subtree_max_size = m;
}

/* Split t into keys < key and keys >= key. */
static void treap_split(struct vmap_area *t, unsigned long key, struct vmap_area **l, struct vmap_area **r)
{
	if (!t) {
		*l = *r = NULL;
		return;
	}
	if (t->va_start < key) {
		treap_split(t->right, key, &t->right, r);
		*l = t;
	} else {
		treap_split(t->left, key, l, &t->left);
		*r = t;
	}
	update_max(t);
}

static struct vmap_area *treap_merge(struct vmap_area *l, struct vmap_area *r)
{
	if (!l || !r)
		return l ? l : r;
	if (l->prio > r->prio) {
		l->right = treap_merge(l->right, r);
		update_max(l);
		return l;
	}
	r->left = treap_merge(l, r->left);
	update_max(r);
	return r;
}

static void treap_insert(struct vmap_area **root, struct vmap_area *n)
{
	struct vmap_area *l, *r;
	n->left = n->right = NULL;
	n->prio = treap_rand();
	update_max(n);
	treap_split(*root, n->va_start, &l, &r);
	*root = treap_merge(treap_merge(l, n), r);
}

static void treap_erase(struct vmap_area **root, unsigned long key)
{
	struct vmap_area *l, *m, *r;
	treap_split(*root, key, &l, &m);
	treap_split(m, key + 1, &m, &r);
	*root = treap_merge(l, r);
}

/* The node whose range holds addr. */
static struct vmap_area *treap_find(struct vmap_area *t, unsigned long addr)
{
	while (t) {
		if (addr < t->va_start)
			t = t->left;
		else if (addr >= t->va_end)
			t = t->right;
		else
			return t;
	}
	return NULL;
}

/* The node ending exactly at addr / starting exactly at addr (free-block neighbours). */
static struct vmap_area *treap_find_end(struct vmap_area *t, unsigned long addr)
{
	while (t) {
		if (t->va_end == addr)
			return t;
		t = addr <= t->va_start ? t->left : t->right;
	}
	return NULL;
}

static struct vmap_area *treap_find_start(struct vmap_area *t, unsigned long addr)
{
	while (t) {
		if (t->va_start == addr)
			return t;
		t = addr < t->va_start ? t->left : t->right;
	}
	return NULL;
}

/* The lowest-addressed free block of at least `length` bytes. */
static struct vmap_area *find_vmap_lowest_match(struct vmap_area *t, unsigned long length)
{
	while (t) {
		if (t->left && t->left->subtree_max_size >= length)
			t = t->left;
		else if (va_size(t) >= length)
			return t;
		else if (t->right && t->right->subtree_max_size >= length)
			t = t->right;
		else
			return NULL;
	}
	return NULL;
}

/* Give [start, end) back to the free tree, merged with free neighbours. */
static void free_range(unsigned long start, unsigned long end, struct vmap_area *va)
{
	struct vmap_area *prev = treap_find_end(free_root, start), *next = treap_find_start(free_root, end);
	if (prev) {
		treap_erase(&free_root, prev->va_start);
		start = prev->va_start;
		free(prev);
	}
	if (next) {
		treap_erase(&free_root, next->va_start);
		end = next->va_end;
		free(next);
	}
	va->va_start = start;
	va->va_end = end;
	va->vm = NULL;
	treap_insert(&free_root, va);
}

static unsigned long lazy_max_pages(void)
{
	int log = 0;
	while ((1 << log) <= M->nr_cpus)
		log++;
	return (unsigned long)log * ((32UL << 20) / PAGE_SIZE);
}

/* The purge: one TLB flush, then the lazily freed areas can be reused. */
static void __purge_vmap_area_lazy(void)
{
	if (!purge_list)
		return;
	__atomic_fetch_add(&M->tlb_flushes, 1, __ATOMIC_RELAXED); /* flush_tlb_kernel_range() over all of them at once */
	nr_purges++;
	while (purge_list) {
		struct vmap_area *va = purge_list;
		purge_list = va->lazy_next;
		treap_erase(&busy_root, va->va_start);
		free_range(va->va_start, va->va_end, va);
	}
	lazy_nr = 0;
}

void vm_unmap_aliases(void)
{
	pthread_mutex_lock(&vmap_area_lock);
	__purge_vmap_area_lazy();
	pthread_mutex_unlock(&vmap_area_lock);
}

static struct vmap_area *alloc_vmap_area(unsigned long size, unsigned long align)
{
	unsigned long length = align > PAGE_SIZE ? size + align - 1 : size;
	/* the area, and a spare node in case the block splits on both sides */
	struct vmap_area *va = calloc(1, sizeof(*va)), *spare = calloc(1, sizeof(*spare));
	if (!va || !spare) {
		free(va);
		free(spare);
		return NULL;
	}
	pthread_mutex_lock(&vmap_area_lock);
	struct vmap_area *blk = find_vmap_lowest_match(free_root, length);
	if (!blk && purge_list) {
		__purge_vmap_area_lazy(); /* reuse what was freed lazily, then try again */
		blk = find_vmap_lowest_match(free_root, length);
	}
	if (!blk) {
		pthread_mutex_unlock(&vmap_area_lock);
		free(va);
		free(spare);
		return NULL;
	}
	unsigned long start = ALIGN(blk->va_start, align), bend = blk->va_end;
	treap_erase(&free_root, blk->va_start);
	/* what is left of the block on either side stays free */
	if (blk->va_start < start) {
		blk->va_end = start;
		treap_insert(&free_root, blk);
		blk = spare;
		spare = NULL;
	}
	if (start + size < bend) {
		blk->va_start = start + size;
		blk->va_end = bend;
		treap_insert(&free_root, blk);
		blk = NULL;
	}
	free(blk);
	free(spare);
	va->va_start = start;
	va->va_end = start + size;
	treap_insert(&busy_root, va);
	pthread_mutex_unlock(&vmap_area_lock);
	return va;
}

/* Give back an area that was never used (its vm_struct could not be set up). */
static void free_vmap_area_now(struct vmap_area *va)
{
	pthread_mutex_lock(&vmap_area_lock);
	treap_erase(&busy_root, va->va_start);
	free_range(va->va_start, va->va_end, va);
	pthread_mutex_unlock(&vmap_area_lock);
}

/* ---- the API ---------------------------------------------------------------------- */

bool is_vmalloc_addr(const void *addr)
{
	if (!M)
		return false;
	unsigned long kva = kmm_host_to_kva(addr);
	return kva >= M->layout.vmalloc_start && kva < M->layout.vmalloc_end;
}

/*
 * The area for size bytes and a guard page, aligned to align (a power of
 * two), or NULL with alloc_vmap_area()'s
 * "vmap allocation for size ... failed" (under printk_ratelimit(), as
 * Linux's) and warn_alloc()'s "vm_struct allocation failed".
 */
static struct vmap_area *vmalloc_area_or_warn(unsigned long size, unsigned long real, unsigned long align, gfp_t gfp)
{
	struct vmap_area *va = NULL;
	if (real + PAGE_SIZE <= M->layout.vmalloc_end - M->layout.vmalloc_start)
		va = alloc_vmap_area(real + PAGE_SIZE, max(align, PAGE_SIZE));
	if (va)
		return va;
	if (!(gfp & __GFP_NOWARN) && ___ratelimit(&printk_ratelimit_state, "alloc_vmap_area"))
		printk(KERN_WARNING "vmap allocation for size %lu failed: use vmalloc=<size> to increase size\n",
		       real + PAGE_SIZE);
	warn_alloc(gfp, NULL, "vmalloc error: size %lu, vm_struct allocation failed%s", size,
		   gfp & __GFP_NOFAIL ? ". Retrying." : "");
	return NULL;
}

/*
 * Linux's __vmalloc_node_range() over the whole vmalloc area with
 * PAGE_KERNEL: an area aligned to `align` (a power of two, at least a
 * page), its pages one by one from the buddy allocator.
 */
static void *__vmalloc_node_range(unsigned long size, unsigned long align, gfp_t gfp, int node, unsigned long caller,
				  unsigned long vmflags)
{
	if (!M)
		return NULL;
	if (WARN_ON_ONCE_AT(!size, "mm/vmalloc.c:3227"))
		return NULL;
	/* before any rounding: a size within a page of ULONG_MAX must not wrap to a small one */
	if ((size >> PAGE_SHIFT) > (unsigned long)M->totalram_pages) {
		warn_alloc(gfp, NULL, "vmalloc error: size %lu, exceeds total pages", size);
		return NULL;
	}
	unsigned long real = PAGE_ALIGN(size);
	struct vmap_area *va = vmalloc_area_or_warn(size, real, align, gfp);
	if (!va)
		return NULL;
	struct vm_struct *vm = kzalloc(sizeof(*vm), GFP_KERNEL);
	unsigned int nr = (unsigned int)(real >> PAGE_SHIFT);
	size_t array = (size_t)nr * sizeof(struct page *);
	struct page **pages = NULL;
	if (vm)
		pages = array > PAGE_SIZE ? __vmalloc_node_range(array, 1, GFP_KERNEL | __GFP_ZERO, node, caller, VM_ALLOC)
					  : kzalloc(array, GFP_KERNEL);
	if (!vm || !pages) {
		kfree(vm);
		free_vmap_area_now(va);
		if (vm)
			warn_alloc(gfp, NULL, "vmalloc error: size %lu, failed to allocate page array size %lu", real,
				   (unsigned long)array);
		else
			warn_alloc(gfp, NULL, "vmalloc error: size %lu, vm_struct allocation failed", size);
		return NULL;
	}
	*vm = (struct vm_struct){ .addr = kmm_kva_to_host(va->va_start), .size = real + PAGE_SIZE,
				  .flags = vmflags & ~VM_LOWMEM, .pages = pages, .caller = (const void *)caller };
	/* HighMem first, unless the caller asked for a zone below it */
	gfp_t page_gfp = (gfp | __GFP_HIGHMEM) & ~__GFP_COMP;
	if ((gfp & (__GFP_DMA | __GFP_DMA32)) || (vmflags & VM_LOWMEM))
		page_gfp &= ~__GFP_HIGHMEM;
	for (unsigned int i = 0; i < nr; i++) {
		struct page *p = alloc_pages_node(node, page_gfp | __GFP_NOWARN, 0);
		if (!p)
			break;
		pages[i] = p;
		vm->nr_pages = i + 1;
	}
	if (vm->nr_pages < nr || kernel_map_page_array(va->va_start, pages, nr, __PAGE_KERNEL)) {
		pthread_mutex_lock(&vmap_area_lock);
		va->vm = vm;
		__atomic_add_fetch(&vmalloc_nr_pages, vm->nr_pages, __ATOMIC_RELAXED); /* vfree() below takes them off */
		pthread_mutex_unlock(&vmap_area_lock);
		if (vm->nr_pages < nr)
			warn_alloc(gfp, NULL, "vmalloc error: size %lu, page order %u, failed to allocate pages",
				   (unsigned long)vm->nr_pages << PAGE_SHIFT, 0u);
		else
			warn_alloc(gfp, NULL, "vmalloc error: size %lu, failed to map pages", real);
		vfree(kmm_kva_to_host(va->va_start));
		return NULL;
	}
	pthread_mutex_lock(&vmap_area_lock);
	va->vm = vm;
	__atomic_add_fetch(&vmalloc_nr_pages, nr, __ATOMIC_RELAXED); /* meminfo reads it without the lock */
	pthread_mutex_unlock(&vmap_area_lock);
	return kmm_kva_to_host(va->va_start);
}

#define CALLER ((unsigned long)__builtin_return_address(0))

void *vmalloc(unsigned long size) { return __vmalloc_node_range(size, 1, GFP_KERNEL, NUMA_NO_NODE, CALLER, VM_ALLOC); }
void *vzalloc(unsigned long size) { return __vmalloc_node_range(size, 1, GFP_KERNEL | __GFP_ZERO, NUMA_NO_NODE, CALLER, VM_ALLOC); }
void *vmalloc_node(unsigned long size, int node) { return __vmalloc_node_range(size, 1, GFP_KERNEL, node, CALLER, VM_ALLOC); }
void *__vmalloc(unsigned long size, gfp_t gfp) { return __vmalloc_node_range(size, 1, gfp, NUMA_NO_NODE, CALLER, VM_ALLOC); }
void *vmalloc_user(unsigned long size)
{
	return __vmalloc_node_range(size, 1, GFP_KERNEL | __GFP_ZERO, NUMA_NO_NODE, CALLER, VM_ALLOC | VM_USERMAP);
}
void *vmalloc_32(unsigned long size)
{
	/* 32-bit addressable pages (GFP_VMALLOC32): DMA32 on x86_64; lowmem on i386, where HighMem may be above 4 GiB */
	return __vmalloc_node_range(size, 1, M && M->prof->bits == 64 ? GFP_KERNEL | GFP_DMA32 : GFP_KERNEL, NUMA_NO_NODE, CALLER,
			      VM_ALLOC | VM_LOWMEM);
}

/*
 * __vmalloc_node(): an area aligned to `align`.  Linux refuses an
 * alignment that is not a power of two where it carves the area
 * (alloc_vmap_area), which vmalloc reports as a failed vm_struct.
 */
void *__vmalloc_node(unsigned long size, unsigned long align, gfp_t gfp_mask, int node, const void *caller)
{
	if (align && (align & (align - 1))) {
		warn_alloc(gfp_mask, NULL, "vmalloc error: size %lu, vm_struct allocation failed", size);
		return NULL;
	}
	return __vmalloc_node_range(size, align, gfp_mask, node, (unsigned long)caller, VM_ALLOC);
}

/*
 * VM_ALLOW_HUGE_VMAP: where the architecture maps vmalloc with PMDs (x86_64
 * selects HAVE_ARCH_HUGE_VMALLOC, i386 does not) a request of at least a
 * PMD per node gets an area aligned to PMD_SIZE and rounded up to whole
 * PMDs, as 6.1's __vmalloc_node_range().  kmm still maps it with 4 KiB
 * entries (its kernel tables have no huge vmap): the area, its size and
 * alignment are Linux's, the entries are not.  vmalloc_huge() and
 * kvmalloc's fallback (mm/util.c) come here.
 */
void *vmalloc_huge_node(unsigned long size, gfp_t gfp_mask, int node, const void *caller)
{
	unsigned long align = 1;
	if (M && M->prof->bits == 64 && size) {
		unsigned long pmd = 1UL << M->prof->pmd_shift;
		unsigned long size_per_node = node == NUMA_NO_NODE ? size / (unsigned long)M->nr_nodes : size;
		if (size_per_node >= pmd && size < -pmd) { /* a size that would wrap is refused below */
			align = pmd;
			size = ALIGN(size, pmd);
		}
	}
	return __vmalloc_node_range(size, align, gfp_mask, node, (unsigned long)caller, VM_ALLOC | VM_ALLOW_HUGE_VMAP);
}

void *vmalloc_huge(unsigned long size, gfp_t gfp_mask)
{
	return vmalloc_huge_node(size, gfp_mask, NUMA_NO_NODE, __builtin_return_address(0));
}

/* The busy area an address returned by vmalloc/vmap starts, or NULL (with Linux's warning). */
static struct vmap_area *find_area_to_free(const void *addr, const char *fn)
{
	unsigned long kva = kmm_host_to_kva(addr);
	pthread_mutex_lock(&vmap_area_lock);
	struct vmap_area *va = treap_find(busy_root, kva);
	if (!va || !va->vm || va->va_start != kva) {
		pthread_mutex_unlock(&vmap_area_lock);
		printk(KERN_WARNING "WARNING: %s: Trying to %s nonexistent vm area (%lx)\n", fn,
		       !strcmp(fn, "vfree") ? "vfree()" : !strcmp(fn, "vunmap") ? "vunmap()" : "free",
		       kmm_addr_for_print(addr));
		M->vmalloc_bugs++;
		return NULL;
	}
	return va; /* with vmap_area_lock held */
}

/* Pages an area can map: its size without the guard page (get_vm_area_size). */
static unsigned long area_pages(const struct vm_struct *vm)
{
	return (vm->size - (vm->flags & VM_NO_GUARD ? 0 : PAGE_SIZE)) >> PAGE_SHIFT;
}

/*
 * The PTEs go now, without a TLB flush (vunmap_range_noflush): the purge
 * flushes once for many areas.  The host mirror of the range goes at once
 * too - stricter than a real TLB, so a use after vfree oopses here.
 */
static void unmap_area_noflush(const struct vm_struct *vm, unsigned long nr)
{
	unsigned long kva = kmm_host_to_kva(vm->addr);
	kernel_unmap_pages_noflush(kva, nr);
	kmm_window_unmap(kva, nr << PAGE_SHIFT);
}

static void free_vmap_area_lazy(struct vmap_area *va)
{
	/* the PTEs go now; the area waits for the next purge (vmap_area_lock held) */
	unsigned long nr = va_size(va) >> PAGE_SHIFT;
	va->vm = NULL;
	va->lazy_next = purge_list;
	purge_list = va;
	lazy_nr += nr;
	if (lazy_nr > lazy_max_pages())
		__purge_vmap_area_lazy();
}

/*
 * Called with vmap_area_lock held on an area being freed; returns with it
 * released.  The PTEs and the host mirror go first, while the area is
 * still busy: once it is on the lazy list, a purge on any CPU may hand its
 * range to a new area, whose PTEs ours must not clear and whose stores
 * must not go through our mirror (Linux, too, unmaps in remove_vm_area
 * before free_vmap_area_noflush).
 */
static void release_area(struct vmap_area *va, const struct vm_struct *vm, unsigned long nr)
{
	pthread_mutex_unlock(&vmap_area_lock);
	unmap_area_noflush(vm, nr);
	pthread_mutex_lock(&vmap_area_lock);
	free_vmap_area_lazy(va);
	pthread_mutex_unlock(&vmap_area_lock);
}

void vfree(const void *addr)
{
	if (!addr || !M)
		return;
	struct vmap_area *va = find_area_to_free(addr, "vfree");
	if (!va)
		return;
	struct vm_struct *vm = va->vm;
	if (!(vm->flags & VM_ALLOC)) {
		pthread_mutex_unlock(&vmap_area_lock);
		printk(KERN_WARNING "WARNING: vfree: %lx was not allocated by vmalloc (use vunmap)\n", kmm_host_to_kva(addr));
		M->vmalloc_bugs++;
		return;
	}
	if (!vm->pages) {
		/*
		 * A vmap() whose caller put VM_ALLOC among its flags: as in Linux,
		 * vfree unmaps and frees the area, and the pages (which the area
		 * never owned: vmalloc_nr_pages did not count them) stay the caller's.
		 */
		release_area(va, vm, vm->nr_pages);
		kfree(vm);
		return;
	}
	__atomic_sub_fetch(&vmalloc_nr_pages, vm->nr_pages, __ATOMIC_RELAXED);
	release_area(va, vm, vm->nr_pages);
	for (unsigned int i = 0; i < vm->nr_pages; i++)
		__free_pages(vm->pages[i], 0);
	if (is_vmalloc_addr(vm->pages))
		vfree(vm->pages);
	else
		kfree(vm->pages);
	kfree(vm);
}

void *vmap(struct page **pages, unsigned int count, unsigned long flags, pteval_t prot)
{
	if (!M || !count || (unsigned long)count > (unsigned long)M->totalram_pages ||
	    (unsigned long)count > (M->layout.vmalloc_end - M->layout.vmalloc_start) >> PAGE_SHIFT)
		return NULL;
	/* "Your top guard is someone else's bottom guard" */
	if (WARN_ON_ONCE_AT(flags & VM_NO_GUARD, "mm/vmalloc.c:2913"))
		flags &= ~VM_NO_GUARD;
	/* vmap_pages_pte_range(): WARN_ON(!page) and fail; a page that is none of the machine's fails too */
	if (!pages)
		return NULL;
	for (unsigned int i = 0; i < count; i++)
		if (!pages[i] || pages[i] < mem_map || pages[i] >= mem_map + max_mapnr || !pfn_valid(page_to_pfn(pages[i]))) {
			__warn_report("mm/vmalloc.c:545", "vmap_pages_pte_range");
			return NULL;
		}
	struct vm_struct *area = get_vm_area_caller((unsigned long)count << PAGE_SHIFT, flags | VM_MAP, (const void *)CALLER);
	if (!area)
		return NULL;
	if (kernel_map_page_array(kmm_host_to_kva(area->addr), pages, count, prot)) {
		free_vm_area(area);
		return NULL;
	}
	area->nr_pages = count;
	return area->addr;
}

void vunmap(const void *addr)
{
	if (!addr || !M)
		return;
	struct vmap_area *va = find_area_to_free(addr, "vunmap");
	if (!va)
		return;
	struct vm_struct *vm = va->vm;
	release_area(va, vm, area_pages(vm));
	kfree(vm);
}

struct vm_struct *get_vm_area_caller(unsigned long size, unsigned long flags, const void *caller)
{
	/* PAGE_ALIGN of a size within a page of ULONG_MAX is 0: refused, as __get_vm_area_node() does */
	if (!M || !PAGE_ALIGN(size) || PAGE_ALIGN(size) >= M->layout.vmalloc_end - M->layout.vmalloc_start)
		return NULL;
	unsigned long real = PAGE_ALIGN(size) + (flags & VM_NO_GUARD ? 0 : PAGE_SIZE);
	struct vmap_area *va = alloc_vmap_area(real, PAGE_SIZE);
	struct vm_struct *vm = va ? kzalloc(sizeof(*vm), GFP_KERNEL) : NULL;
	if (!vm) {
		if (va)
			free_vmap_area_now(va);
		return NULL;
	}
	*vm = (struct vm_struct){ .addr = kmm_kva_to_host(va->va_start), .size = real, .flags = flags, .caller = caller };
	pthread_mutex_lock(&vmap_area_lock);
	va->vm = vm;
	pthread_mutex_unlock(&vmap_area_lock);
	return vm;
}

struct vm_struct *get_vm_area(unsigned long size, unsigned long flags)
{
	return get_vm_area_caller(size, flags, __builtin_return_address(0));
}

struct vm_struct *find_vm_area(const void *addr)
{
	if (!M)
		return NULL;
	pthread_mutex_lock(&vmap_area_lock);
	struct vmap_area *va = treap_find(busy_root, kmm_host_to_kva(addr));
	struct vm_struct *vm = va ? va->vm : NULL;
	pthread_mutex_unlock(&vmap_area_lock);
	return vm;
}

void free_vm_area(struct vm_struct *area)
{
	if (!area)
		return;
	struct vmap_area *va = find_area_to_free(area->addr, "free_vm_area");
	if (!va)
		return;
	if (va->vm != area) {
		pthread_mutex_unlock(&vmap_area_lock);
		printk(KERN_ERR "free_vm_area: vm_struct %lx does not describe the area at %lx\n", kmm_addr_for_print(area),
		       kmm_host_to_kva(area->addr));
		M->vmalloc_bugs++;
		return;
	}
	release_area(va, area, area_pages(area)); /* whatever the user mapped there goes too (remove_vm_area) */
	kfree(area);
}

unsigned long vmalloc_to_pfn(const void *addr)
{
	phys_addr_t pa;
	unsigned long kva = kmm_host_to_kva(addr);
	if (!kva || !kernel_va_to_phys(kva, &pa))
		return 0;
	return PHYS_PFN(pa);
}

struct page *vmalloc_to_page(const void *addr)
{
	unsigned long pfn = vmalloc_to_pfn(addr);
	return pfn && pfn_valid(pfn) ? pfn_to_page(pfn) : NULL; /* device memory has no struct page */
}

/* ---- boot, views, validation --------------------------------------------------------- */

void vmalloc_init(void)
{
	struct vmap_area *all = calloc(1, sizeof(*all));
	if (!all)
		abort();
	all->va_start = M->layout.vmalloc_start;
	all->va_end = M->layout.vmalloc_start + min(M->layout.vmalloc_end - M->layout.vmalloc_start, 1UL << 40);
	busy_root = free_root = purge_list = NULL;
	lazy_nr = vmalloc_nr_pages = nr_purges = 0;
	printk_ratelimit_state = RATELIMIT_STATE_INIT;
	treap_insert(&free_root, all);
}

static void treap_free_all(struct vmap_area *t)
{
	if (!t)
		return;
	treap_free_all(t->left);
	treap_free_all(t->right);
	free(t);
}

void vmalloc_exit(void)
{
	treap_free_all(busy_root);
	treap_free_all(free_root);
	busy_root = free_root = purge_list = NULL;
}

unsigned long vmalloc_used_pages(void)
{
	return __atomic_load_n(&vmalloc_nr_pages, __ATOMIC_RELAXED);
}

/* %pS: the caller as function+offset/size (sim/kallsyms.c), else its address */
static void show_caller(struct strbuf *sb, unsigned long caller)
{
	const char *name;
	unsigned long off, size;
	if (caller && !kallsyms_lookup(caller, &name, &off, &size))
		sb_printf(sb, " %s+0x%lx/0x%lx", name, off, size);
	else if (caller)
		sb_printf(sb, " 0x%lx", caller);
}

static void show_area(struct strbuf *sb, const struct vmap_area *va, int w)
{
	if (!va)
		return;
	show_area(sb, va->left, w);
	if (va->vm) {
		const struct vm_struct *v = va->vm;
		sb_printf(sb, "0x%0*lx-0x%0*lx %7ld", w, va->va_start, w, va->va_start + v->size, (long)v->size);
		show_caller(sb, (unsigned long)v->caller);
		if (v->nr_pages)
			sb_printf(sb, " pages=%u", v->nr_pages);
		if (v->phys_addr) /* %pa: as wide as phys_addr_t (64-bit with PAE) */
			sb_printf(sb, " phys=0x%0*llx", M->prof->bits == 64 || M->prof->pae ? 16 : 8,
				  (unsigned long long)v->phys_addr);
		if (v->flags & VM_IOREMAP)
			sb_printf(sb, " ioremap");
		if (v->flags & VM_ALLOC)
			sb_printf(sb, " vmalloc");
		if (v->flags & VM_MAP)
			sb_printf(sb, " vmap");
		if (v->flags & VM_USERMAP)
			sb_printf(sb, " user");
		if (v->pages && is_vmalloc_addr(v->pages))
			sb_printf(sb, " vpages");
		/* per-node counts: NUMA kernels only (x86_64's, or a machine with nodes) */
		if ((v->flags & VM_ALLOC) && v->pages && (M->prof->bits == 64 || M->nr_nodes > 1)) {
			unsigned int counts[MAX_NUMNODES] = { 0 };
			for (unsigned int i = 0; i < v->nr_pages; i++)
				counts[page_to_nid(v->pages[i])]++;
			for (int n = 0; n < M->nr_nodes; n++)
				if (counts[n])
					sb_printf(sb, " N%d=%u", n, counts[n]);
		}
		sb_printf(sb, "\n");
	} else {
		sb_printf(sb, "0x%0*lx-0x%0*lx %7ld unpurged vm_area\n", w, va->va_start, w, va->va_end,
			  (long)va_size(va));
	}
	show_area(sb, va->right, w);
}

static void for_each_area(const struct vmap_area *t, unsigned long flags, void (*fn)(const struct vm_struct *, void *),
			  void *arg)
{
	if (!t)
		return;
	for_each_area(t->left, flags, fn, arg);
	if (t->vm && (t->vm->flags & flags))
		fn(t->vm, arg);
	for_each_area(t->right, flags, fn, arg);
}

/* fn on every area in use with one of flags, in address order (vmap_area_lock held: fn must not vmalloc). */
void vmap_for_each_area(unsigned long flags, void (*fn)(const struct vm_struct *, void *), void *arg)
{
	pthread_mutex_lock(&vmap_area_lock);
	for_each_area(busy_root, flags, fn, arg);
	pthread_mutex_unlock(&vmap_area_lock);
}

void show_vmallocinfo(struct strbuf *sb)
{
	pthread_mutex_lock(&vmap_area_lock);
	show_area(sb, busy_root, M->prof->bits == 64 ? 16 : 8);
	pthread_mutex_unlock(&vmap_area_lock);
}

struct vcheck {
	unsigned long last_end, free_bytes, busy_bytes;
	int ret;
	char *why;
	size_t len;
};

static void check_tree(const struct vmap_area *t, struct vcheck *c, bool free_tree)
{
	if (!t || c->ret)
		return;
	check_tree(t->left, c, free_tree);
	if (!c->ret && t->va_start < c->last_end) {
		snprintf(c->why, c->len, "vmap area 0x%lx-0x%lx overlaps the one before it", t->va_start, t->va_end);
		c->ret = -EINVAL;
	}
	if (!c->ret && free_tree) {
		unsigned long m = va_size(t);
		if (t->left && t->left->subtree_max_size > m)
			m = t->left->subtree_max_size;
		if (t->right && t->right->subtree_max_size > m)
			m = t->right->subtree_max_size;
		if (m != t->subtree_max_size) {
			snprintf(c->why, c->len, "free block 0x%lx: subtree_max_size %lu, should be %lu", t->va_start,
				 t->subtree_max_size, m);
			c->ret = -EINVAL;
		}
		if (t->va_start == c->last_end && c->last_end) {
			snprintf(c->why, c->len, "free blocks touching at 0x%lx were not merged", t->va_start);
			c->ret = -EINVAL;
		}
	}
	c->last_end = t->va_end;
	if (free_tree)
		c->free_bytes += va_size(t);
	else
		c->busy_bytes += va_size(t);
	check_tree(t->right, c, free_tree);
}

/* Both trees ordered and disjoint, the augmentation right, and busy + free = the area. */
int vmap_area_verify(char *why, size_t whylen)
{
	struct vcheck cb = { 0, 0, 0, 0, why, whylen }, cf = { 0, 0, 0, 0, why, whylen };
	pthread_mutex_lock(&vmap_area_lock);
	check_tree(busy_root, &cb, false);
	if (!cb.ret)
		check_tree(free_root, &cf, true);
	int ret = cb.ret ? cb.ret : cf.ret;
	unsigned long total = min(M->layout.vmalloc_end - M->layout.vmalloc_start, 1UL << 40);
	if (!ret && cb.busy_bytes + cf.free_bytes != total) {
		snprintf(why, whylen, "busy %lu + free %lu bytes != the vmalloc area's %lu", cb.busy_bytes, cf.free_bytes,
			 total);
		ret = -EINVAL;
	}
	pthread_mutex_unlock(&vmap_area_lock);
	return ret;
}

static unsigned long count_in_use(const struct vmap_area *t)
{
	return t ? (t->vm != NULL) + count_in_use(t->left) + count_in_use(t->right) : 0;
}

/* Busy areas in use (not counting lazily freed ones): "nothing lost" wants 0. */
unsigned long vmap_areas_in_use(void)
{
	pthread_mutex_lock(&vmap_area_lock);
	unsigned long n = count_in_use(busy_root);
	pthread_mutex_unlock(&vmap_area_lock);
	return n;
}

unsigned long vmap_purges(void)
{
	return nr_purges;
}
