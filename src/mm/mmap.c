/*
 * mmap.c - process address spaces: tasks, VMAs and the system calls that
 * shape them, as Linux 6.1's mm/mmap.c, mm/mprotect.c and fs/exec.c lay
 * them out.
 *
 *   0   mmap_min_addr                                            TASK_SIZE
 *   |   | text | data | bss | heap ->   ...   <- mmap ... |gap| <- [stack] |
 *                              brk              mmap_base      STACK_TOP
 *
 * An mm_struct indexes its VMAs in 6.1's maple tree, mm->mm_mt
 * (MM_MT_FLAGS, nodes from the maple_node cache in simulated RAM), and
 * nowhere else: the range [vm_start, vm_end - 1] maps to the kernel
 * address of the VMA's vm_area_struct object (mt_entry_of), never a host
 * pointer.  The way back to kmm's host VMA is mm->vma_map, a host hash
 * from that address: simpler than an index kept in the object (which
 * would have to be renumbered as VMAs come and go, and is no field of
 * Linux's), and a lookup costs a hash and usually one probe.  find_vma is
 * mt_find plus that lookup, vma_prev_of a walk and mas_prev; loops walk
 * the tree with VMA_ITERATOR/for_each_vma; map_count counts the entries.
 *
 *   mm->mm_mt:  [a, b-1] -> kva(obj1)   [b, c-1] NULL   [c, d-1] -> kva(obj2)
 *   mm->vma_map: kva(obj1) -> VMA 1, kva(obj2) -> VMA 2   (host)
 *
 * The writers follow 6.1's mm/mmap.c over VMA pointers: mmap tries
 * vma_merge first (the VMA below and/or above grows over the range: one
 * tree write, no new VMA) and links a new VMA (vma_link) only when
 * nothing merges; a split (6.1's __split_vma) stores the copy of the cut
 * VMA over its part; munmap (do_mas_align_munmap) splits at the range's
 * edges, detaches the range's VMAs with one store of NULL, then frees
 * them; mprotect and mlock (mprotect_fixup/mlock_fixup) split the edges,
 * set the flags VMA by VMA and merge what became equal; mremap grows in
 * place (vma_expand) or moves (copy_vma, the PTEs, the old range
 * unmapped).  Each write takes 6.1's preallocation, 1 + 3 * height nodes
 * (mas_preallocate), and writes with mas_store_prealloc (vma_mas_store /
 * vma_mas_remove).
 * Unlike 6.1, a call changes nothing when it fails for -ENOMEM: each
 * step takes everything it can fail on first - the copies a split needs,
 * a preallocated write per store, host room in the map (vma_room) - as
 * a plan (struct vma_split, struct munmap_plan, struct vma_prealloc: a
 * write per merge that can happen, counted on the VMAs as they will be),
 * then commits it, which cannot fail - so no split is ever left that a
 * failure would have to merge back, and mm_verify's "VMAs which could
 * merge are merged" always holds.  (One limit: a write may need more
 * nodes than its state holds if an earlier write of the same call grew
 * the tree a level; mas_store_prealloc then asks the slab with
 * GFP_NOWAIT and, if that fails too, stops the machine, 6.1's BUG_ON.
 * 1 + 3 * height is far more than a write takes, and the tests' failure
 * sweeps never reached it.)  Fork
 * bulk-loads the child's tree (mas_expected_entries, mas_store, then
 * mas_destroy); exit frees the VMAs, then the nodes (mtree_destroy).
 * get_unmapped_area searches the tree's recorded gaps (mas_empty_area /
 * mas_empty_area_rev) and searches again when a stack's guard gap reaches
 * into what it found, as 6.1's unmapped_area(_topdown).  mm_verify walks
 * the tree: mt_verify, then VMA after VMA ordered, disjoint, merged where
 * they can be, each entry's range its VMA's and the map giving it back,
 * as many entries as map_count.
 * Each VMA is [vm_start, vm_end) with vm_flags and holds
 * a reference on its file (vm_file, at page offset vm_pgoff) and on its
 * anon_vma; anonymous VMAs carry vm_pgoff = vm_start >> PAGE_SHIFT so
 * neighbours that were once one area can merge again.  mmap merges a new
 * VMA with compatible neighbours (vma_merge: same flags, same file at
 * contiguous offsets, one anon_vma between them); munmap and mprotect
 * split VMAs at the range's edges and mprotect merges what became equal.
 * The new areas of mmap come from the top down below mmap_base, which
 * sits below the stack by its rlimit plus the stack guard gap (at least
 * 128 MiB), as arch/x86/mm/mmap.c computes it without randomisation; a
 * hint is taken where it is free and clear of every stack's guard gap
 * (stack_guard_gap, 256 pages), and when nothing is free below mmap_base
 * the search goes bottom-up from a third of the task size.
 * The heap is [start_brk, brk): brk grows it from the VMA below (merging
 * as do_brk_flags does) and shrinks it, or leaves everything as it was
 * when Linux would refuse - brk(-1) included - and mm_verify checks the
 * break against TASK_SIZE and start_brk.
 * File mappings take a descriptor of the task's (mm/filemap.c); shared
 * anonymous memory gets a shmem file of its own; exec maps its image as a
 * private file mapping.
 *
 * Pages come later, at fault time (mm/memory.c), or at once with
 * MAP_POPULATE and mlock (mm/mlock.c, which shares mprotect's range work
 * here: mm_range_check, mm_range_set_flags, whose VMAs call
 * mlock_vma_pages_range when VM_LOCKED changes).  MAP_LOCKED and
 * mm->def_flags (mlockall's MCL_FUTURE, taken by every mmap and brk) are
 * checked against RLIMIT_MEMLOCK (mlock_future_check) and populated; fork
 * drops VM_LOCKED from the child's VMAs and merges what only the lock kept
 * apart.  munmap zaps the range's PTEs, mprotect rewrites
 * their protection (PROT_NONE keeps the pages behind not-present
 * entries), fork copies the PTEs of VMAs that have anonymous pages, and
 * exit gives back every page and page-table page.
 *
 * Overcommit (mm/util.c): what a VMA with VM_ACCOUNT spans is committed
 * (vm_committed_as) for as long as the VMA is there.  mmap asks
 * vm_enough_memory for private writable memory not MAP_NORESERVE (honoured
 * only outside mode 2) and for a shared anonymous object (given back when
 * the object goes), brk for its growth, mremap for a growth (a move keeps
 * the moved pages' charge), mprotect for private memory made writable the
 * first time (a VMA keeps VM_ACCOUNT when made read-only again), fork for
 * every VM_ACCOUNT VMA of the parent, exec for its data, bss and stack,
 * and a stack's growth (mm/memory.c); munmap, mremap shrinking, brk
 * shrinking and exit give back what the VMAs that go held.  Each asks
 * before anything changes, so a refusal (-ENOMEM) changes nothing - also
 * for MAP_FIXED, whose unmap 6.1 does first: what it would give back is
 * counted as given back for the question.
 *
 * Kernel memory: the structs here are kmm's bookkeeping; each also owns
 * the object Linux would allocate for it, from Linux's cache in simulated
 * RAM (kernel/fork.c): task_create and fork take a task_struct, stack,
 * cred, files, fs, sighand, signal, pid and mm_struct; every VMA a
 * vm_area_struct (vm_area_alloc, vm_area_dup for split, fork and mremap;
 * vm_area_free when it is unmapped or merged away), whose vm_start,
 * vm_end, vm_mm and vm_flags kmm keeps written (kobj_vma_sync).  Any of
 * them may fail: the call then fails with -ENOMEM (fork with NULL) and
 * what it had taken is given back.
 * Tasks themselves - creation, fork's copy of the tree, exec's layout,
 * exit and the pid table - are kernel/task.c's; it shares the VMA tree's
 * operations through mm/vma.h.
 * Locking: mm->mmap_lock (Linux's rwsem, a mutex here) guards an mm's
 * VMAs and counters; order: kernel/task.c's tasks_lock, then mmap_lock,
 * then the page cache's lock.
 */
#include "internal.h"
#include "kernel/kobj.h"
#include "mm/vma.h"

#include <kmm/fs.h>
#include <kmm/task.h>

#define DEFAULT_MAX_MAP_COUNT 65530        /* vm.max_map_count */
#define PATH_NAME_MAX 200                  /* of a file name shown in maps */
#define CALC_BIT(x, bit, flag) (((x) & (bit)) ? (flag) : 0)


unsigned long task_size(void)
{
	/* TASK_SIZE: x86_64's user half less its last page; arm64's 1 << VA_BITS (48); ARM's PAGE_OFFSET - 16 MiB
	   (the modules lie below the kernel); i386: PAGE_OFFSET */
	if (M->prof->arch == KMM_ARCH_ARM64)
		return 1UL << 48;
	if (M->prof->arch == KMM_ARCH_ARM)
		return M->layout.modules_vaddr;
	return M->prof->bits == 64 ? 0x7ffffffff000UL : M->layout.page_offset;
}

/* ---- the VMA tree and its host map ----------------------------------------------------------- */

static unsigned int vma_map_slot(unsigned long key, unsigned int cap)
{
	return (unsigned int)((key >> 3) * 0x9E3779B97F4A7C15ULL >> 20) & (cap - 1); /* Fibonacci hashing of the word-aligned address */
}

static void vma_map_put(struct vma_map *m, unsigned long key, struct vm_area_struct *v)
{
	unsigned int i = vma_map_slot(key, m->cap);
	while (m->keys[i])
		i = (i + 1) & (m->cap - 1);
	m->keys[i] = key;
	m->vals[i] = v;
	m->nr++;
}

/* Room for nr keys (the table at most half full): 0, or -ENOMEM with the map as it was. */
static int vma_map_reserve(struct mm_struct *mm, unsigned int nr)
{
	struct vma_map *m = &mm->vma_map, grown = { 0 };
	if (2 * nr <= m->cap)
		return 0;
	grown.cap = m->cap ? m->cap : 16;
	while (2 * nr > grown.cap)
		grown.cap *= 2;
	grown.keys = calloc(grown.cap, sizeof(*grown.keys));
	grown.vals = calloc(grown.cap, sizeof(*grown.vals));
	if (!grown.keys || !grown.vals) {
		free(grown.keys);
		free(grown.vals);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < m->cap; i++)
		if (m->keys[i])
			vma_map_put(&grown, m->keys[i], m->vals[i]);
	free(m->keys);
	free(m->vals);
	*m = grown;
	return 0;
}

/* kmm's VMA for a tree entry (its object's kernel address); NULL for NULL. */
struct vm_area_struct *vma_of_entry(const struct mm_struct *mm, const void *entry)
{
	const struct vma_map *m = &mm->vma_map;
	unsigned long key = (unsigned long)entry;
	if (!key || !m->cap)
		return NULL;
	for (unsigned int i = vma_map_slot(key, m->cap); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key)
			return m->vals[i];
	return NULL;
}

/* The key of v goes; the run after it moves back so that every probe still finds its key. */
static void vma_map_del(struct mm_struct *mm, const struct vm_area_struct *v)
{
	struct vma_map *m = &mm->vma_map;
	unsigned long key = kmm_host_to_kva(v->obj);
	unsigned int i = vma_map_slot(key, m->cap), mask = m->cap - 1;
	while (m->keys[i] != key) {
		MM_BUG_ON(!m->keys[i]);
		i = (i + 1) & mask;
	}
	for (unsigned int j = (i + 1) & mask; m->keys[j]; j = (j + 1) & mask) {
		unsigned int home = vma_map_slot(m->keys[j], m->cap);
		/* keys[j] may fill the hole at i unless its home lies cyclically in (i, j] */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			i = j;
		}
	}
	m->keys[i] = 0;
	m->vals[i] = NULL;
	m->nr--;
}

/* Host room for more VMAs in the map: 0 or -ENOMEM, nothing changed. */
int vma_room(struct mm_struct *mm, int more)
{
	return vma_map_reserve(mm, (unsigned int)(mm->map_count + more));
}

/* A state on mm's tree with one write's nodes (6.1's mas_preallocate: 1 + 3 * height): 0 or -ENOMEM, nothing held. */
static int vma_mas_prealloc(struct mm_struct *mm, struct ma_state *mas)
{
	*mas = (struct ma_state){ .tree = &mm->mm_mt, .node = MAS_START };
	return mas_preallocate(mas, NULL, GFP_KERNEL);
}

/*
 * The preallocated tree writes of one step that makes several (the merges
 * after mprotect, mremap's move): each state holds one write's nodes,
 * taken before anything changes; vma_prealloc_done gives back the states
 * not spent.  Up to VMA_PREALLOC_INLINE states live in the struct, more
 * on the host heap.
 */

int vma_prealloc(struct mm_struct *mm, struct vma_prealloc *p, int nr)
{
	p->nr = p->used = 0;
	p->mas = nr <= VMA_PREALLOC_INLINE ? p->inline_mas : calloc((size_t)nr, sizeof(*p->mas));
	if (!p->mas)
		return -ENOMEM;
	for (; p->nr < nr; p->nr++)
		if (vma_mas_prealloc(mm, &p->mas[p->nr])) {
			while (p->nr--)
				mas_destroy(&p->mas[p->nr]);
			p->nr = 0;
			if (p->mas != p->inline_mas)
				free(p->mas);
			p->mas = NULL;
			return -ENOMEM;
		}
	return 0;
}

struct ma_state *vma_prealloc_next(struct vma_prealloc *p)
{
	MM_BUG_ON(p->used >= p->nr);
	return &p->mas[p->used++];
}

void vma_prealloc_done(struct vma_prealloc *p)
{
	for (int i = p->used; i < p->nr; i++)
		mas_destroy(&p->mas[i]);
	if (p->mas && p->mas != p->inline_mas)
		free(p->mas);
	p->mas = NULL;
	p->nr = p->used = 0;
}

/* 6.1's vma_mas_store: the VMA's range maps to its object (what was there is overwritten). */
static void vma_mas_store(struct ma_state *mas, struct vm_area_struct *v)
{
	mas_set_range(mas, v->vm_start, v->vm_end - 1);
	mas_store_prealloc(mas, mt_entry_of(v->obj));
}

/* 6.1's vma_mas_remove over [start, end): nothing is mapped there any more. */
static void vma_mas_remove(struct ma_state *mas, unsigned long start, unsigned long end)
{
	mas_set_range(mas, start, end - 1);
	mas_store_prealloc(mas, NULL);
}

/* 6.1's find_vma: the first VMA ending above addr, through the tree (mt_find). */
struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long addr)
{
	unsigned long index = addr;
	return vma_of_entry(mm, mt_find(&mm->mm_mt, &index, mt_ulong_max()));
}

/* The last VMA below the VMA or gap holding addr (find_vma_prev's prev), NULL if none. */
static struct vm_area_struct *vma_prev_at(struct mm_struct *mm, unsigned long addr)
{
	MA_STATE(mas, &mm->mm_mt, addr, addr);
	mas_walk(&mas);
	return vma_of_entry(mm, mas_prev(&mas, 0));
}

struct vm_area_struct *vma_prev_of(struct mm_struct *mm, const struct vm_area_struct *vma)
{
	return vma_prev_at(mm, vma->vm_start);
}

/*
 * vma_link: vma goes into the tree with mas (preallocated) and into the
 * map (vma_room made space); fork's bulk load passes mas NULL and stores
 * it itself.
 */
void vma_link(struct mm_struct *mm, struct vm_area_struct *vma, struct ma_state *mas)
{
	if (mas)
		vma_mas_store(mas, vma);
	vma_map_put(&mm->vma_map, kmm_host_to_kva(vma->obj), vma);
	mm->map_count++;
}

/*
 * vm_area_alloc: kmm's VMA and its vm_area_struct object (kernel/fork.c),
 * empty; NULL without memory.  vm_area_free gives both back.
 */
struct vm_area_struct *vm_area_alloc(struct mm_struct *mm)
{
	struct vm_area_struct *v = calloc(1, sizeof(*v));
	if (v && !(v->obj = kobj_alloc(KOBJ_VMA))) {
		free(v);
		return NULL;
	}
	if (v) {
		v->vm_mm = mm;
		INIT_LIST_HEAD(&v->anon_vma_chain);
	}
	return v;
}

void vm_area_free(struct vm_area_struct *v)
{
	kobj_free(KOBJ_VMA, v->obj);
	free(v);
}

/*
 * vm_area_dup (split, mremap): a copy of old in mm with its own object,
 * holding old's file and sharing its anon_vma through AVCs of its own
 * (anon_vma_clone); NULL without memory, nothing held.
 */
static struct vm_area_struct *vm_area_dup(struct mm_struct *mm, struct vm_area_struct *old)
{
	struct vm_area_struct *v = vm_area_alloc(mm);
	if (!v)
		return NULL;
	void *obj = v->obj;
	*v = *old;
	v->obj = obj;
	v->vm_mm = mm;
	v->vm_detached = NULL;
	if (anon_vma_clone(v, old)) {
		vm_area_free(v);
		return NULL;
	}
	get_file(v->vm_file);
	kobj_vma_sync(v);
	return v;
}

/* What a VMA holds goes with it: its file, its anon_vma_chains and anon_vma. */
void vma_put_refs(struct vm_area_struct *v)
{
	fput(v->vm_file);
	unlink_anon_vmas(v);
}

/* A VMA no longer in the tree (its range overwritten) leaves the map and goes, with what it holds. */
static void vma_unlink_free(struct mm_struct *mm, struct vm_area_struct *v)
{
	vma_map_del(mm, v);
	vma_put_refs(v);
	vm_area_free(v);
	mm->map_count--;
}

/* vm_stat_account: which counter a VMA's pages go to */
void vm_stat_account(struct mm_struct *mm, unsigned long flags, long npages)
{
	mm->total_vm += (unsigned long)npages;
	mm->hiwater_vm = max(mm->hiwater_vm, mm->total_vm);
	if ((flags & (VM_EXEC | VM_WRITE | VM_STACK)) == VM_EXEC)
		mm->exec_vm += (unsigned long)npages;
	else if (flags & VM_STACK)
		mm->stack_vm += (unsigned long)npages;
	else if ((flags & (VM_WRITE | VM_SHARED | VM_STACK)) == VM_WRITE)
		mm->data_vm += (unsigned long)npages;
	if (flags & VM_LOCKED)
		mm->locked_vm += (unsigned long)npages;
}

/* One anon_vma between them, or none yet on a side (is_mergeable_anon_vma). */
static bool anon_vma_compatible(const struct anon_vma *a, const struct anon_vma *b)
{
	return !a || !b || a == b;
}

/*
 * a and b (a just below b) could be one VMA: same flags, same file,
 * contiguous offsets, and one anon_vma between them.
 */
bool can_merge(const struct vm_area_struct *a, const struct vm_area_struct *b)
{
	return a->vm_end == b->vm_start && a->vm_flags == b->vm_flags && a->vm_file == b->vm_file &&
	       b->vm_pgoff == a->vm_pgoff + vma_pages(a) && anon_vma_compatible(a->anon_vma, b->anon_vma);
}

/*
 * a takes in b, the VMA just above it, that can merge with it (vma_merge's
 * case of removing next): one store of a over both; the anon_vma of
 * either side stays; b goes.
 */
void vma_merge_next(struct mm_struct *mm, struct vm_area_struct *a, struct vm_area_struct *b,
			   struct ma_state *mas)
{
	a->vm_end = b->vm_end;
	if (!a->anon_vma && b->anon_vma)
		anon_vma_chain_move(a, b); /* b's reference and AVCs move to a */
	kobj_vma_sync(a);
	vma_mas_store(mas, a);
	vma_unlink_free(mm, b);
}

/* Of vma's neighbours, the one above (*next) and below (*prev) that it could merge with, else NULL. */
static int vma_mergeable_around(struct mm_struct *mm, const struct vm_area_struct *vma,
				struct vm_area_struct **prev, struct vm_area_struct **next)
{
	*next = find_vma(mm, vma->vm_end);
	*prev = vma_prev_at(mm, vma->vm_start);
	if (*next && !can_merge(vma, *next))
		*next = NULL;
	if (*prev && !can_merge(*prev, vma))
		*prev = NULL;
	/* merged with next first, vma carries next's anon_vma when it had none */
	if (*prev && *next && !anon_vma_compatible((*prev)->anon_vma, vma->anon_vma ? vma->anon_vma : (*next)->anon_vma))
		*prev = NULL;
	return (*prev != NULL) + (*next != NULL);
}

/* vma merged with the neighbours vma_mergeable_around found, a tree write of p each; the VMA that holds its range now. */
static struct vm_area_struct *vma_merge_around(struct mm_struct *mm, struct vm_area_struct *vma,
					       struct vm_area_struct *prev, struct vm_area_struct *next,
					       struct vma_prealloc *p)
{
	if (next)
		vma_merge_next(mm, vma, next, vma_prealloc_next(p));
	if (prev) {
		vma_merge_next(mm, prev, vma, vma_prealloc_next(p));
		vma = prev;
	}
	return vma;
}

/*
 * A split made ready (6.1's __split_vma, cut in two): the copy of vma
 * (vm_area_dup) and the tree write that stores it, taken before anything
 * changes, so that split_commit cannot fail; split_abandon gives them
 * back.  new_below: the copy takes the part below addr and vma keeps the
 * rest (6.1's new_below), else the copy takes the part from addr up.
 */
struct vma_split {
	struct vm_area_struct *vma; /* the VMA to cut, NULL: no split (or done) */
	struct vm_area_struct *new; /* its copy */
	unsigned long addr;         /* where */
	bool new_below;
	struct ma_state mas;        /* the store of new, preallocated */
};

static int split_prepare(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr, bool new_below,
			 struct vma_split *s)
{
	s->vma = NULL;
	if (vma_mas_prealloc(mm, &s->mas))
		return -ENOMEM;
	if (!(s->new = vm_area_dup(mm, vma))) {
		mas_destroy(&s->mas);
		return -ENOMEM;
	}
	s->vma = vma;
	s->addr = addr;
	s->new_below = new_below;
	return 0;
}

static void split_abandon(struct vma_split *s)
{
	if (!s->vma)
		return;
	mas_destroy(&s->mas);
	vma_put_refs(s->new);
	vm_area_free(s->new);
	s->vma = NULL;
}

/*
 * vma_adjust with an insert: s->vma (which may have changed since the
 * split was made ready: its bounds are read now) is cut at s->addr, one
 * store of the copy over its part; vma_room made space in the map.
 * Returns the copy.
 */
static struct vm_area_struct *split_commit(struct mm_struct *mm, struct vma_split *s)
{
	struct vm_area_struct *vma = s->vma, *new = s->new;
	unsigned long pgoff = vma->vm_pgoff + ((s->addr - vma->vm_start) >> PAGE_SHIFT);
	MM_BUG_ON(s->addr <= vma->vm_start || s->addr >= vma->vm_end);
	new->vm_start = vma->vm_start;
	new->vm_end = vma->vm_end;
	new->vm_pgoff = vma->vm_pgoff;
	if (s->new_below) {
		new->vm_end = s->addr;
		vma->vm_start = s->addr;
		vma->vm_pgoff = pgoff;
	} else {
		new->vm_start = s->addr;
		new->vm_pgoff = pgoff;
		vma->vm_end = s->addr;
	}
	kobj_vma_sync(vma);
	kobj_vma_sync(new);
	vma_link(mm, new, &s->mas);
	s->vma = NULL;
	return new;
}

/* ---- munmap ---------------------------------------------------------------------------- */

/*
 * 6.1's do_mas_align_munmap made ready: the splits where [start, end)
 * cuts a VMA (the one at start keeps its lower part, the one at end its
 * upper part) and the store of NULL over the range, every allocation
 * done, so that munmap_commit cannot fail.  mremap makes its old range's
 * munmap ready before it moves anything.
 */
struct munmap_plan {
	unsigned long start, end;
	bool mapped;               /* some VMA lies in [start, end) */
	struct vma_split split[2]; /* at start (the copy above), at end (the copy below) */
	struct ma_state mas;       /* the NULL store, preallocated */
};

static void munmap_abandon(struct munmap_plan *p)
{
	if (!p->mapped)
		return;
	split_abandon(&p->split[0]);
	split_abandon(&p->split[1]);
	mas_destroy(&p->mas);
	p->mapped = false;
}

/* 0 (nothing mapped there: a plan that does nothing), or -ENOMEM with nothing changed. */
static int munmap_prepare(struct mm_struct *mm, unsigned long start, unsigned long end, struct munmap_plan *p)
{
	*p = (struct munmap_plan){ .start = start, .end = end };
	struct vm_area_struct *vma = find_vma(mm, start), *tail;
	if (!vma || vma->vm_start >= end)
		return 0;
	tail = find_vma(mm, end);
	bool cut_start = vma->vm_start < start, cut_end = tail && tail->vm_start < end;
	/* max_map_count, as split_vma checks it before each split */
	if (mm->map_count + cut_start + cut_end > DEFAULT_MAX_MAP_COUNT)
		return -ENOMEM;
	if (vma_room(mm, cut_start + cut_end) || vma_mas_prealloc(mm, &p->mas))
		return -ENOMEM;
	p->mapped = true;
	if ((cut_start && split_prepare(mm, vma, start, false, &p->split[0])) ||
	    (cut_end && split_prepare(mm, tail, end, true, &p->split[1]))) {
		munmap_abandon(p);
		return -ENOMEM;
	}
	return 0;
}

/*
 * The splits, the pages and tables of the range zapped, its VMAs
 * detached (one store of NULL over the range: the point of no return),
 * then counted out and freed.
 */
static void munmap_commit(struct mm_struct *mm, struct munmap_plan *p)
{
	if (!p->mapped)
		return;
	if (p->split[0].vma) {
		struct vm_area_struct *cut = p->split[0].vma, *upper = split_commit(mm, &p->split[0]);
		if (p->split[1].vma == cut) /* one VMA cut at both ends: the part above start is cut at end */
			p->split[1].vma = upper;
	}
	if (p->split[1].vma)
		split_commit(mm, &p->split[1]);
	zap_page_range(mm, p->start, p->end);
	struct vm_area_struct *detached = NULL, **link = &detached, *v;
	VMA_ITERATOR(vmi, mm, p->start);
	while ((v = vma_next(&vmi)) && v->vm_start < p->end) {
		*link = v;
		link = &v->vm_detached;
	}
	*link = NULL;
	vma_mas_remove(&p->mas, p->start, p->end);
	unsigned long nr_accounted = 0;
	while ((v = detached)) {
		detached = v->vm_detached;
		if (v->vm_flags & VM_ACCOUNT)
			nr_accounted += vma_pages(v);
		vm_stat_account(mm, v->vm_flags, -(long)vma_pages(v));
		vma_unlink_free(mm, v);
	}
	vm_unacct_memory((long)nr_accounted); /* remove_vma_list: the range's committed pages come back */
	p->mapped = false;
}

static int do_munmap(struct mm_struct *mm, unsigned long start, unsigned long len)
{
	struct munmap_plan p;
	int ret = munmap_prepare(mm, start, start + len, &p);
	if (!ret)
		munmap_commit(mm, &p);
	return ret;
}

static int do_task_munmap(struct task_struct *t, unsigned long start, unsigned long len)
{
	if (task_killed(t))
		return -EINTR;
	struct mm_struct *mm = t ? t->mm : NULL;
	if (!mm)
		return -EINVAL;
	if ((start & ~PAGE_MASK) || start > task_size() || len > task_size() - start)
		return -EINVAL;
	len = ALIGN(len, PAGE_SIZE);
	if (!len)
		return -EINVAL;
	mmap_write_lock(mm);
	int ret = do_munmap(mm, start, len);
	mmap_write_unlock(mm);
	return ret;
}

/* the system call, in the task's context (TASK_SYSCALL) */
int task_munmap(struct task_struct *t, unsigned long start, unsigned long len)
{
	return TASK_SYSCALL(t, do_task_munmap(t, start, len));
}

/* ---- mmap ------------------------------------------------------------------------------ */

static bool range_free(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	struct vm_area_struct *v = find_vma(mm, start);
	return !v || v->vm_start >= end;
}

/* stack_guard_gap=PAGES: a number of pages (anything else leaves the 256 pages). */
int cmdline_parse_stack_guard_gap(const char *val, char *err, size_t errlen)
{
	char *end;
	unsigned long pages = strtoul(val ? val : "", &end, 10);
	if (val && *val && !*end)
		M->stack_guard_gap = pages << PAGE_SHIFT;
	return 0;
}

/* vm_start_gap: a new mapping must end here - a stack's start less its guard gap (0 if that wraps). */
static unsigned long vm_start_gap(const struct vm_area_struct *v)
{
	unsigned long start = v->vm_start;
	if (v->vm_flags & VM_GROWSDOWN) {
		start -= STACK_GUARD_GAP;
		if (start > v->vm_start)
			start = 0;
	}
	return start;
}

/*
 * vm_unmapped_area, top-down (6.1's unmapped_area_topdown): the highest
 * free len bytes of [low, high) by the tree's gap search
 * (mas_empty_area_rev); when the VMA above is a stack whose guard gap
 * reaches into them, the search goes again below that gap.  (x86 has no
 * VM_GROWSUP: the VMA below never reaches in.)  0 if there is no room.
 */
static unsigned long unmapped_area_topdown(struct mm_struct *mm, unsigned long len, unsigned long low,
					   unsigned long high)
{
	MA_STATE(mas, &mm->mm_mt, 0, 0);
	while (low < high) {
		if (mas_empty_area_rev(&mas, low, high - 1, len))
			return 0;
		unsigned long gap = mas.last + 1 - len;
		struct vm_area_struct *next = find_vma(mm, mas.last);
		if (!next || !(next->vm_flags & VM_GROWSDOWN) || vm_start_gap(next) > mas.last)
			return gap;
		high = vm_start_gap(next);
		mas_reset(&mas);
	}
	return 0;
}

/* vm_unmapped_area, bottom-up (6.1's unmapped_area): the lowest free len bytes of [low, high), clear of a stack's guard gap; 0 if none. */
static unsigned long unmapped_area(struct mm_struct *mm, unsigned long len, unsigned long low, unsigned long high)
{
	MA_STATE(mas, &mm->mm_mt, 0, 0);
	while (low < high) {
		if (mas_empty_area(&mas, low, high - 1, len))
			return 0;
		unsigned long gap = mas.index;
		struct vm_area_struct *next = find_vma(mm, gap);
		if (!next || !(next->vm_flags & VM_GROWSDOWN) || vm_start_gap(next) >= gap + len)
			return gap;
		low = next->vm_end;
		mas_reset(&mas);
	}
	return 0;
}

/*
 * get_unmapped_area for a mapping that is not MAP_FIXED, as 6.1 chooses:
 * a hint (already rounded by round_hint_to_min) is taken if the range is
 * free and clear of every stack's guard gap (i386: the generic
 * arch_get_unmapped_area_topdown, which also wants it above
 * mmap_min_addr and above the previous VMA's end; x86_64: the x86 one,
 * whose hint need only end below the next VMA's gap start).  Else the
 * highest free gap below mmap_base (from PAGE_SIZE up on x86_64, from
 * mmap_min_addr on i386), and failing that the lowest above
 * TASK_UNMAPPED_BASE (a third of the task size).  0: no room.
 */
static unsigned long get_unmapped_area(struct mm_struct *mm, unsigned long addr, unsigned long len)
{
	bool x86_64 = M->prof->bits == 64;
	unsigned long low = x86_64 ? PAGE_SIZE : max(PAGE_SIZE, MMAP_MIN_ADDR);
	if (len > mm->task_size - (x86_64 ? 0 : MMAP_MIN_ADDR))
		return 0;
	if (addr) {
		addr = x86_64 ? addr & PAGE_MASK : ALIGN(addr, PAGE_SIZE);
		const struct vm_area_struct *next = find_vma(mm, addr), *prev = NULL;
		if (!x86_64) { /* find_vma_prev */
			MA_STATE(mas, &mm->mm_mt, addr, addr);
			mas_walk(&mas);
			prev = vma_of_entry(mm, mas_prev(&mas, 0));
		}
		bool fits = addr && mm->task_size - len >= addr && (!next || addr + len <= vm_start_gap(next));
		if (!x86_64)
			fits = fits && addr >= MMAP_MIN_ADDR && (!prev || addr >= prev->vm_end);
		if (fits)
			return addr;
	}
	unsigned long a = unmapped_area_topdown(mm, len, low, mm->mmap_base);
	if (!a) /* "a failed mmap() very likely causes application failure": bottom-up from TASK_UNMAPPED_BASE */
		a = unmapped_area(mm, len, ALIGN(mm->task_size / 3, PAGE_SIZE), mm->task_size);
	return a;
}

static unsigned long calc_vm_flags(unsigned long prot, unsigned long flags)
{
	unsigned long vm = CALC_BIT(prot, PROT_READ, VM_READ) | CALC_BIT(prot, PROT_WRITE, VM_WRITE) |
			   CALC_BIT(prot, PROT_EXEC, VM_EXEC) | CALC_BIT(flags, MAP_GROWSDOWN, VM_GROWSDOWN) |
			   CALC_BIT(flags, MAP_LOCKED, VM_LOCKED) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
	if ((flags & MAP_TYPE) == MAP_SHARED)
		vm |= VM_SHARED | VM_MAYSHARE;
	/* MAP_NORESERVE is honoured only where overcommit is allowed (not in mode 2) */
	if ((flags & MAP_NORESERVE) && __atomic_load_n(&M->overcommit_memory, __ATOMIC_RELAXED) != OVERCOMMIT_NEVER)
		vm |= VM_NORESERVE;
	return vm;
}

/* accountable_mapping: private writable memory not MAP_NORESERVE is committed (no hugetlbfs here) */
static bool accountable_mapping(unsigned long vm_flags)
{
	return (vm_flags & (VM_NORESERVE | VM_SHARED | VM_WRITE)) == VM_WRITE;
}

/* The committed pages of the VM_ACCOUNT VMAs' parts in [start, end) (what an unmap there gives back). */
static unsigned long range_accounted(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	unsigned long n = 0;
	struct vm_area_struct *v;
	VMA_ITERATOR(vmi, mm, start);
	while ((v = vma_next(&vmi)) && v->vm_start < end)
		if (v->vm_flags & VM_ACCOUNT)
			n += (min(v->vm_end, end) - max(v->vm_start, start)) >> PAGE_SHIFT;
	return n;
}

/* Is this VMA's memory counted against RLIMIT_DATA (private, writable, not stack)? */
static bool is_data_mapping(unsigned long flags)
{
	return (flags & (VM_WRITE | VM_SHARED | VM_STACK)) == VM_WRITE;
}

/*
 * Map [addr, addr + len) with vm_flags (the range is free): anonymous, or
 * file (a reference is taken) at pgoff.  As 6.1's mmap_region, vma_merge
 * comes first: when the range can join the VMA below, the one above or
 * both, they grow over it with one tree write and no new VMA; else a new
 * VMA is linked in (vma_link).
 */
long map_region(struct mm_struct *mm, unsigned long addr, unsigned long len, unsigned long vm_flags,
		       struct file *file, unsigned long pgoff)
{
	unsigned long pages = len >> PAGE_SHIFT;
	struct vm_area_struct want = { .vm_start = addr, .vm_end = addr + len, .vm_flags = vm_flags,
				       .vm_pgoff = file ? pgoff : addr >> PAGE_SHIFT, .vm_file = file };
	struct vm_area_struct *prev, *next, *vma;
	struct ma_state mas;
	if (vma_mergeable_around(mm, &want, &prev, &next)) {
		if (vma_mas_prealloc(mm, &mas))
			return -ENOMEM;
		if (prev && next) { /* prev grows over the range and next: next goes */
			vma_merge_next(mm, prev, next, &mas);
		} else if (prev) {
			prev->vm_end = want.vm_end;
			kobj_vma_sync(prev);
			vma_mas_store(&mas, prev);
		} else {
			next->vm_start = want.vm_start;
			next->vm_pgoff = want.vm_pgoff;
			kobj_vma_sync(next);
			vma_mas_store(&mas, next);
		}
		vm_stat_account(mm, vm_flags, (long)pages);
		return (long)addr;
	}
	if (!(vma = vm_area_alloc(mm)))
		return -ENOMEM;
	if (vma_room(mm, 1) || vma_mas_prealloc(mm, &mas)) {
		vm_area_free(vma);
		return -ENOMEM;
	}
	void *obj = vma->obj;
	*vma = want;
	vma->obj = obj;
	vma->vm_mm = mm;
	INIT_LIST_HEAD(&vma->anon_vma_chain);
	get_file(file);
	kobj_vma_sync(vma);
	vma_link(mm, vma, &mas);
	vm_stat_account(mm, vm_flags, (long)pages);
	return (long)addr;
}

/* map_region of VM_ACCOUNT memory, committed first (exec's data, bss and stack); -ENOMEM with nothing changed */
long map_region_accounted(struct mm_struct *mm, unsigned long addr, unsigned long len, unsigned long vm_flags,
				 struct file *file, unsigned long pgoff)
{
	long pages = (vm_flags & VM_ACCOUNT) ? (long)(len >> PAGE_SHIFT) : 0;
	if (pages && vm_enough_memory(mm, pages))
		return -ENOMEM;
	long ret = map_region(mm, addr, len, vm_flags, file, pgoff);
	if (ret < 0)
		vm_unacct_memory(pages);
	return ret;
}

/* may_expand_vm's complaint about RLIMIT_DATA: pr_warn_once, once per boot as in Linux. */
static void warn_vmdata(const struct task_struct *t, unsigned long pages)
{
	static const char site;
	if (__warn_once_first(&site))
		printk(KERN_WARNING "%s (%d): VmData %lu exceed data ulimit %lu. Update limits or use boot option ignore_rlimit_data.\n",
		       t->comm, t->pid, pages << PAGE_SHIFT, t->rlim[RLIMIT_DATA]);
}

/* do_mmap with the file (NULL: anonymous) looked up; mmap_lock held. */
static long do_mmap(struct task_struct *t, unsigned long addr, unsigned long len, unsigned long prot,
		    unsigned long flags, struct file *file, unsigned long pgoff)
{
	struct mm_struct *mm = t->mm;
	if (!len)
		return -EINVAL;
	len = ALIGN(len, PAGE_SIZE);
	if (!len || len > mm->task_size)
		return -ENOMEM;
	if (file && pgoff + (len >> PAGE_SHIFT) < pgoff)
		return -EOVERFLOW;
	unsigned long type = flags & MAP_TYPE;
	if (type != MAP_PRIVATE && type != MAP_SHARED)
		return -EINVAL;
	if (prot & ~(unsigned long)(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	unsigned long vm_flags = calc_vm_flags(prot, flags) | mm->def_flags; /* mlockall(MCL_FUTURE) locks it */
	if ((flags & MAP_LOCKED) && !t->rlim[RLIMIT_MEMLOCK] && t->uid)
		return -EPERM; /* can_do_mlock */
	if (mlock_future_check(t, vm_flags, len))
		return -EAGAIN;
	if (file) {
		if (type == MAP_SHARED) {
			if ((prot & PROT_WRITE) && !(file->f_mode & FMODE_WRITE))
				return -EACCES;
			if (!(file->f_mode & FMODE_WRITE)) /* a read-only file: shared in name only */
				vm_flags &= ~(VM_MAYWRITE | VM_SHARED);
		}
		if (!(file->f_mode & FMODE_READ))
			return -EACCES;
	}
	bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	if (fixed) {
		if (addr & ~PAGE_MASK)
			return -EINVAL;
		if (addr > mm->task_size - len)
			return -ENOMEM;
		if (addr < MMAP_MIN_ADDR)
			return -EPERM;
		if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED) && !range_free(mm, addr, addr + len))
			return -EEXIST;
	} else {
		addr &= PAGE_MASK; /* round_hint_to_min: a hint below mmap_min_addr asks for mmap_min_addr */
		if (addr && addr < MMAP_MIN_ADDR)
			addr = MMAP_MIN_ADDR;
		addr = get_unmapped_area(mm, addr, len);
		if (!addr)
			return -ENOMEM;
		if (addr < MMAP_MIN_ADDR && t->uid) /* security_mmap_addr: only CAP_SYS_RAWIO maps there */
			return -EPERM;
	}
	unsigned long pages = len >> PAGE_SHIFT;
	if (mm->map_count >= DEFAULT_MAX_MAP_COUNT)
		return -ENOMEM;
	/* the limits count what MAP_FIXED replaces as freed */
	if (mm->total_vm + pages > t->rlim[RLIMIT_AS] >> PAGE_SHIFT)
		return -ENOMEM;
	if (is_data_mapping(vm_flags) && mm->data_vm + pages > t->rlim[RLIMIT_DATA] >> PAGE_SHIFT) {
		warn_vmdata(t, mm->data_vm + pages);
		return -ENOMEM;
	}
	/*
	 * The overcommit check (mmap_region's, after MAP_FIXED's unmap there:
	 * what the unmap would give back counts as given back, but nothing is
	 * unmapped before the answer, so a refusal changes nothing).  Shared
	 * anonymous memory commits its shmem object instead (shmem_acct_size),
	 * for as long as the object lives (the inode's last put gives it back).
	 */
	unsigned long charged = 0, replaced = (flags & MAP_FIXED) ? range_accounted(mm, addr, addr + len) : 0;
	bool shm_acct = !file && (vm_flags & VM_SHARED) && !(vm_flags & VM_NORESERVE);
	if (accountable_mapping(vm_flags) || shm_acct) {
		vm_unacct_memory((long)replaced);
		int refused = vm_enough_memory(mm, (long)pages);
		vm_acct_memory((long)replaced);
		if (refused)
			return -ENOMEM;
		charged = pages;
		if (!shm_acct)
			vm_flags |= VM_ACCOUNT;
	}
	if (flags & MAP_FIXED) {
		int ret = do_munmap(mm, addr, len);
		if (ret) {
			vm_unacct_memory((long)charged);
			return ret;
		}
	}
	long ret;
	if (file || !(vm_flags & VM_SHARED)) {
		ret = map_region(mm, addr, len, vm_flags, file, pgoff);
		if (ret < 0)
			vm_unacct_memory((long)charged);
		return ret;
	}
	/* shared anonymous memory: a shmem file of its own (shmem_zero_setup) */
	struct file *shm = shmem_file_setup(len);
	if (!shm) {
		vm_unacct_memory((long)charged);
		return -ENOMEM;
	}
	shm->f_inode->i_acct_pages = charged; /* shmem_unacct_size when the inode goes */
	ret = map_region(mm, addr, len, vm_flags, shm, 0);
	fput(shm);
	return ret;
}

static long do_task_mmap(struct task_struct *t, unsigned long addr, unsigned long len, unsigned long prot, unsigned long flags,
	       int fd, unsigned long pgoff)
{
	if (task_killed(t))
		return -EINTR;
	if (!t || !t->mm)
		return -EINVAL;
	struct file *file = NULL;
	if (!(flags & MAP_ANONYMOUS) && !(file = fget(t, fd)))
		return -EBADF;
	mmap_write_lock(t->mm);
	long ret = do_mmap(t, addr, len, prot, flags, file, file ? pgoff : 0);
	bool locked = (flags & MAP_LOCKED) || (t->mm->def_flags & VM_LOCKED);
	mmap_write_unlock(t->mm);
	fput(file);
	/* mm_populate: fault it all in now, for writing if it is private and writable (not a VMA locked on fault) */
	if (ret > 0 && ((flags & MAP_POPULATE) || locked))
		mm_populate_range(t, (unsigned long)ret, (unsigned long)ret + ALIGN(len, PAGE_SIZE));
	return ret;
}

/* the system call, in the task's context (TASK_SYSCALL) */
long task_mmap(struct task_struct *t, unsigned long addr, unsigned long len, unsigned long prot, unsigned long flags,
	       int fd, unsigned long pgoff)
{
	return TASK_SYSCALL(t, do_task_mmap(t, addr, len, prot, flags, fd, pgoff));
}

/* ---- mprotect, and mlock's VMA work (mm/mlock.c): new flags over a range ------------------ */

/* -ENOMEM unless [start, end) is wholly mapped; else check() on each VMA (0 or -errno). */
int mm_range_check(struct mm_struct *mm, unsigned long start, unsigned long end,
		       int (*check)(const struct vm_area_struct *, unsigned long), unsigned long arg)
{
	unsigned long at = start;
	struct vm_area_struct *v;
	VMA_ITERATOR(vmi, mm, start);
	while (at < end) {
		if (!(v = vma_next(&vmi)) || v->vm_start > at)
			return -ENOMEM;
		int ret = check ? check(v, arg) : 0;
		if (ret)
			return ret;
		at = v->vm_end;
	}
	return 0;
}

/* can_merge but for the anon_vmas: the most merges there can be (mprotect's count before it changes anything). */
static bool can_merge_flags(const struct vm_area_struct *a, const struct vm_area_struct *b)
{
	return a->vm_end == b->vm_start && a->vm_flags == b->vm_flags && a->vm_file == b->vm_file &&
	       b->vm_pgoff == a->vm_pgoff + vma_pages(a);
}

/*
 * Give the VMAs of [start, end) the flags newflags(old) returns (6.1's
 * mprotect_fixup/mlock_fixup over the range's VMAs): the VMAs at the
 * edges are split where the range cuts them and their flags change (a
 * VMA whose flags stay is neither split nor touched, as 6.1 leaves it),
 * each VMA's accounting and PTEs follow, then neighbours that became
 * equal merge.  Unlike 6.1, which may fail half way, everything is taken
 * first - the copies of the two splits, a tree write per split and per
 * merge there can be (counted on the VMAs as they will be), room in the
 * map - so -ENOMEM changes nothing.  The range is known to be mapped.
 */
int mm_range_set_flags(struct mm_struct *mm, unsigned long start, unsigned long end,
			   unsigned long (*newflags)(unsigned long old, unsigned long arg), unsigned long arg)
{
	struct vm_area_struct *first = find_vma(mm, start), *last = find_vma(mm, end - 1), *prev, *v;
	MM_BUG_ON(!first || first->vm_start > start || !last || last->vm_start >= end);
	bool cut_start = first->vm_start < start && newflags(first->vm_flags, arg) != first->vm_flags;
	bool cut_end = last->vm_end > end && newflags(last->vm_flags, arg) != last->vm_flags;
	prev = cut_start ? NULL : vma_prev_of(mm, first);
	/* the VMAs as they will be, pair by pair from the one below to the one above: the merges there can be */
	struct vm_area_struct a = { 0 }, b;
	bool have_a = prev != NULL;
	int merges = 0;
	if (prev)
		a = *prev;
	VMA_ITERATOR(vmi, mm, first->vm_start);
	while ((v = vma_next(&vmi)) && v->vm_start < end) {
		b = *v;
		if (v == first && cut_start)
			b.vm_start = start;
		if (v == last && cut_end)
			b.vm_end = end;
		b.vm_pgoff = v->vm_pgoff + ((b.vm_start - v->vm_start) >> PAGE_SHIFT);
		b.vm_flags = newflags(v->vm_flags, arg);
		merges += have_a && can_merge_flags(&a, &b);
		a = b;
		have_a = true;
	}
	if (v && !cut_end) /* v: the VMA above the range */
		merges += can_merge_flags(&a, v);
	if (mm->map_count + cut_start + cut_end > DEFAULT_MAX_MAP_COUNT) /* split_vma's check, per split */
		return -ENOMEM;
	struct vma_split split[2] = { { .vma = NULL }, { .vma = NULL } };
	struct vma_prealloc p;
	if (vma_room(mm, cut_start + cut_end) || vma_prealloc(mm, &p, merges))
		return -ENOMEM;
	if ((cut_start && split_prepare(mm, first, start, true, &split[0])) ||
	    (cut_end && split_prepare(mm, last, end, false, &split[1]))) {
		split_abandon(&split[0]);
		vma_prealloc_done(&p);
		return -ENOMEM;
	}
	/* nothing fails from here: the copies take the parts outside the range, first and last stay the VMAs inside */
	if (cut_start)
		split_commit(mm, &split[0]);
	if (cut_end)
		split_commit(mm, &split[1]);
	unsigned long stop = last->vm_end; /* the last pair to look at ends with the VMA that starts here */
	VMA_ITERATOR(vmi2, mm, first->vm_start);
	while ((v = vma_next(&vmi2)) && v->vm_start < end) {
		unsigned long flags = newflags(v->vm_flags, arg);
		if (flags == v->vm_flags)
			continue;
		if ((v->vm_flags ^ flags) & (VM_READ | VM_WRITE | VM_EXEC))
			change_protection(mm, v->vm_start, v->vm_end, flags);
		unsigned long old = v->vm_flags;
		vm_stat_account(mm, old, -(long)vma_pages(v));
		if ((old ^ flags) & VM_LOCKED) /* mlock_fixup: the pages already there follow (mm/mlock.c) */
			mlock_vma_pages_range(v, v->vm_start, v->vm_end, flags);
		v->vm_flags = flags;
		kobj_vma_sync(v);
		vm_stat_account(mm, v->vm_flags, (long)vma_pages(v));
	}
	/* the merges, from the VMA below the range up to the one above it */
	for (v = prev ? prev : first; v;) {
		struct vm_area_struct *n = find_vma(mm, v->vm_end);
		if (!n || n->vm_start > stop)
			break;
		if (can_merge(v, n) && p.used < p.nr)
			vma_merge_next(mm, v, n, vma_prealloc_next(&p)); /* v takes n in, and is looked at again */
		else
			v = n;
	}
	vma_prealloc_done(&p);
	return 0;
}

static int prot_allowed(const struct vm_area_struct *v, unsigned long newbits)
{
	unsigned long may = (v->vm_flags & (VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC)) >> 4;
	return newbits & ~may ? -EACCES : 0;
}

/* mprotect_fixup: private memory made writable for the first time is committed from then on */
static bool prot_charges(unsigned long old, unsigned long newbits)
{
	return (newbits & VM_WRITE) && !(old & (VM_ACCOUNT | VM_WRITE | VM_SHARED | VM_NORESERVE));
}

static unsigned long prot_flags(unsigned long old, unsigned long newbits)
{
	unsigned long flags = (old & ~(VM_READ | VM_WRITE | VM_EXEC)) | newbits;
	if (prot_charges(old, newbits))
		flags |= VM_ACCOUNT;
	return flags;
}

/* The pages of [start, end) that mprotect to newbits commits (the range is mapped). */
static unsigned long prot_charge(struct mm_struct *mm, unsigned long start, unsigned long end, unsigned long newbits)
{
	unsigned long n = 0;
	struct vm_area_struct *v;
	VMA_ITERATOR(vmi, mm, start);
	while ((v = vma_next(&vmi)) && v->vm_start < end)
		if (prot_charges(v->vm_flags, newbits))
			n += (min(v->vm_end, end) - max(v->vm_start, start)) >> PAGE_SHIFT;
	return n;
}

/* Page-align [start, start + len): -EINVAL if start is not, -ENOMEM if it wraps; *end set. */
int user_range(unsigned long start, unsigned long len, unsigned long *end)
{
	if (start & ~PAGE_MASK)
		return -EINVAL;
	*end = start + ALIGN(len, PAGE_SIZE);
	return *end < start ? -ENOMEM : 0;
}

static int do_task_mprotect(struct task_struct *t, unsigned long start, unsigned long len, unsigned long prot)
{
	if (task_killed(t))
		return -EINTR;
	struct mm_struct *mm = t ? t->mm : NULL;
	unsigned long end;
	if (!mm)
		return -EINVAL;
	if (prot & ~(unsigned long)(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL; /* PROT_GROWSDOWN/UP are not supported here */
	int ret = user_range(start, len, &end);
	if (ret || end == start)
		return ret;
	unsigned long newbits = CALC_BIT(prot, PROT_READ, VM_READ) | CALC_BIT(prot, PROT_WRITE, VM_WRITE) |
				CALC_BIT(prot, PROT_EXEC, VM_EXEC);
	mmap_write_lock(mm);
	ret = mm_range_check(mm, start, end, prot_allowed, newbits);
	/* the commit check for every VMA that becomes writable, all asked first: a refusal changes nothing */
	unsigned long charged = ret ? 0 : prot_charge(mm, start, end, newbits);
	if (charged && vm_enough_memory(mm, (long)charged))
		ret = -ENOMEM;
	if (!ret && (ret = mm_range_set_flags(mm, start, end, prot_flags, newbits)))
		vm_unacct_memory((long)charged);
	mmap_write_unlock(mm);
	return ret;
}

/* the system call, in the task's context (TASK_SYSCALL) */
int task_mprotect(struct task_struct *t, unsigned long start, unsigned long len, unsigned long prot)
{
	return TASK_SYSCALL(t, do_task_mprotect(t, start, len, prot));
}

/* ---- mremap ------------------------------------------------------------------------------ */

static long do_mremap(struct task_struct *t, unsigned long addr, unsigned long old_len, unsigned long new_len,
		      unsigned long flags, unsigned long new_addr)
{
	struct mm_struct *mm = t->mm;
	struct vm_area_struct *vma = find_vma(mm, addr), *prev, *next;
	/* the old range must lie in one VMA (vma_to_resize; compared so that no sum wraps) */
	if (!vma || vma->vm_start > addr || old_len > vma->vm_end - addr)
		return -EFAULT;
	if (!old_len && !(vma->vm_flags & (VM_SHARED | VM_MAYSHARE))) {
		printk(KERN_WARNING "%s (%d): attempted to duplicate a private mapping with mremap.  This is not supported.\n",
		       t->comm, t->pid);
		return -EINVAL;
	}
	unsigned long grow = (new_len - old_len) >> PAGE_SHIFT;
	if (new_len > old_len && mlock_future_check(t, vma->vm_flags, new_len - old_len))
		return -EAGAIN; /* a locked VMA grows within RLIMIT_MEMLOCK */
	if (new_len > old_len && mm->total_vm + grow > t->rlim[RLIMIT_AS] >> PAGE_SHIFT)
		return -ENOMEM; /* may_expand_vm, whichever way it grows */
	if (!(flags & MREMAP_FIXED)) {
		if (new_len <= old_len) { /* shrink: the tail goes */
			int ret = new_len < old_len ? do_munmap(mm, addr + new_len, old_len - new_len) : 0;
			return ret ? ret : (long)addr;
		}
		/* grow in place when the VMA ends here and the space after it is free (vma_expand) */
		if (addr + old_len == vma->vm_end && new_len <= mm->task_size - addr &&
		    range_free(mm, vma->vm_end, addr + new_len)) {
			struct vma_prealloc p; /* vma_adjust's write, and a merge with the VMA it reaches */
			struct vm_area_struct grown = *vma;
			grown.vm_end = addr + new_len;
			next = find_vma(mm, grown.vm_end);
			if (next && !can_merge(&grown, next))
				next = NULL;
			if ((vma->vm_flags & VM_ACCOUNT) && vm_enough_memory(mm, (long)grow))
				return -ENOMEM;
			if (vma_prealloc(mm, &p, 1 + (next != NULL))) {
				if (vma->vm_flags & VM_ACCOUNT)
					vm_unacct_memory((long)grow);
				return -ENOMEM;
			}
			vm_stat_account(mm, vma->vm_flags, (long)grow);
			vma->vm_end = addr + new_len;
			kobj_vma_sync(vma);
			vma_mas_store(vma_prealloc_next(&p), vma);
			vma_merge_around(mm, vma, NULL, next, &p);
			vma_prealloc_done(&p);
			return (long)addr;
		}
		if (!(flags & MREMAP_MAYMOVE))
			return -ENOMEM;
		new_addr = get_unmapped_area(mm, 0, new_len);
		if (!new_addr)
			return -ENOMEM;
	} else {
		if ((new_addr & ~PAGE_MASK) || new_len > mm->task_size || new_addr > mm->task_size - new_len)
			return -EINVAL;
		if (new_addr < addr + old_len && addr < new_addr + new_len)
			return -EINVAL; /* the ranges overlap */
		int ret = do_munmap(mm, new_addr, new_len);
		if (ret)
			return ret;
		vma = find_vma(mm, addr); /* the unmap may have cut a neighbour; vma itself stays */
	}
	if (mm->map_count >= DEFAULT_MAX_MAP_COUNT)
		return -ENOMEM;
	/*
	 * move_vma: a copy of the VMA over the new range (copy_vma), the PTEs
	 * moved, the old range unmapped.  Everything that can fail is taken
	 * first - the copy, its tree write and the write that takes it out
	 * again if the PTEs cannot move, a write per merge, and the old range's
	 * munmap made ready - so that nothing can fail once the PTEs moved.
	 */
	unsigned long vm_flags = vma->vm_flags, pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	unsigned long moved = min(old_len, new_len);
	/* move_vma's commit check: only the growth is new (the moved pages keep their charge) */
	long charged = (vm_flags & VM_ACCOUNT) && new_len > old_len ? (long)grow : 0;
	if (charged && vm_enough_memory(mm, charged))
		return -ENOMEM;
	struct munmap_plan old = { .mapped = false };
	struct vma_prealloc p;
	struct vm_area_struct *nv = NULL;
	if (old_len && munmap_prepare(mm, addr, addr + old_len, &old)) {
		vm_unacct_memory(charged);
		return -ENOMEM;
	}
	if (vma_room(mm, 1 + 2) || vma_prealloc(mm, &p, 4)) { /* one more VMA, besides the old range's two splits */
		munmap_abandon(&old);
		vm_unacct_memory(charged);
		return -ENOMEM;
	}
	if (!(nv = vm_area_dup(mm, vma))) {
		vma_prealloc_done(&p);
		munmap_abandon(&old);
		vm_unacct_memory(charged);
		return -ENOMEM;
	}
	nv->vm_start = new_addr;
	nv->vm_end = new_addr + new_len;
	nv->vm_pgoff = pgoff;
	kobj_vma_sync(nv);
	vma_link(mm, nv, vma_prealloc_next(&p));
	struct ma_state *undo = vma_prealloc_next(&p);
	vm_stat_account(mm, vm_flags, (long)(new_len >> PAGE_SHIFT));
	int ret = move_page_tables(mm, addr, new_addr, moved);
	if (ret) { /* no table for the PTEs there: nothing moved, and the copy goes again */
		vm_stat_account(mm, vm_flags, -(long)(new_len >> PAGE_SHIFT));
		vma_mas_remove(undo, new_addr, new_addr + new_len);
		vma_unlink_free(mm, nv);
		vma_prealloc_done(&p);
		munmap_abandon(&old);
		vm_unacct_memory(charged);
		return ret;
	}
	mas_destroy(undo);
	munmap_commit(mm, &old); /* old_len 0 duplicates a shared mapping: the old one stays */
	if (vm_flags & VM_ACCOUNT) /* the unmap gave the old range's charge back: the moved part keeps it (6.1 hides VM_ACCOUNT) */
		vm_acct_memory((long)(moved >> PAGE_SHIFT));
	vma_mergeable_around(mm, nv, &prev, &next);
	vma_merge_around(mm, nv, prev, next, &p);
	vma_prealloc_done(&p);
	return (long)new_addr;
}

static long do_task_mremap(struct task_struct *t, unsigned long addr, unsigned long old_len, unsigned long new_len,
		 unsigned long flags, unsigned long new_addr)
{
	if (task_killed(t))
		return -EINTR;
	if (!t || !t->mm)
		return -EINVAL;
	if ((flags & ~(unsigned long)(MREMAP_MAYMOVE | MREMAP_FIXED)) || (addr & ~PAGE_MASK))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	old_len = ALIGN(old_len, PAGE_SIZE);
	new_len = ALIGN(new_len, PAGE_SIZE);
	if (!new_len)
		return -EINVAL; /* old_len 0 is allowed: it duplicates a shared mapping */
	/* mremap_to's first checks, before anything is looked up */
	if ((flags & MREMAP_FIXED) &&
	    ((new_addr & ~PAGE_MASK) || new_len > t->mm->task_size || new_addr > t->mm->task_size - new_len))
		return -EINVAL;
	mmap_write_lock(t->mm);
	struct vm_area_struct *vma = find_vma(t->mm, addr);
	bool locked = vma && vma->vm_start <= addr && (vma->vm_flags & VM_LOCKED);
	long ret = do_mremap(t, addr, old_len, new_len, flags, new_addr);
	mmap_write_unlock(t->mm);
	/* a locked mapping that grew: the new part is faulted in (and so mlocked), as 6.1's mremap populates it */
	if (ret > 0 && locked && new_len > old_len)
		mm_populate_range(t, (unsigned long)ret + old_len, (unsigned long)ret + new_len);
	return ret;
}

/* the system call, in the task's context (TASK_SYSCALL) */
long task_mremap(struct task_struct *t, unsigned long addr, unsigned long old_len, unsigned long new_len,
		 unsigned long flags, unsigned long new_addr)
{
	return TASK_SYSCALL(t, do_task_mremap(t, addr, old_len, new_len, flags, new_addr));
}

/* ---- brk ---------------------------------------------------------------------------------- */

/*
 * brk(2) as Linux 6.1's SYSCALL_DEFINE1(brk): the break moves, or stays
 * where it was, and the return value is the break either way.  Refused,
 * with nothing changed: a break below start_brk; one past RLIMIT_DATA
 * (check_data_rlimit: the heap plus the image's data); a growth whose end
 * PAGE_ALIGN wraps or lies beyond TASK_SIZE (check_brk_limits, so brk(-1)
 * asks for ULONG_MAX - brk bytes and gets -ENOMEM, it does not unmap
 * anything); a heap below mmap_min_addr (a task exec never laid out);
 * a growth that comes within a page of the next mapping, or within the
 * stack guard gap of a stack; RLIMIT_AS and RLIMIT_DATA in pages
 * (may_expand_vm); vm.max_map_count.  Shrinking unmaps [newbrk, oldbrk),
 * but only if a VMA lies there (a heap the task unmapped stays as it is).
 */
static unsigned long do_task_brk(struct task_struct *t, unsigned long brk)
{
	struct mm_struct *mm = t ? t->mm : NULL;
	if (!mm || task_killed(t))
		return 0;
	bool populate = false;
	unsigned long newbrk = 0, oldbrk = 0;
	mmap_write_lock(mm);
	if (brk < mm->start_brk)
		goto out;
	/* check_data_rlimit, without the wrap of (brk - start) + data */
	unsigned long rlim = t->rlim[RLIMIT_DATA], data = mm->end_data - mm->start_data;
	if (rlim != RLIM_INFINITY && (brk - mm->start_brk > rlim || data > rlim - (brk - mm->start_brk)))
		goto out;
	newbrk = ALIGN(brk, PAGE_SIZE);
	oldbrk = ALIGN(mm->brk, PAGE_SIZE);
	if (newbrk < brk)
		goto out; /* PAGE_ALIGN wrapped: far beyond TASK_SIZE (else a break at 0 would "move" to ULONG_MAX) */
	if (newbrk == oldbrk) {
		mm->brk = brk;
		goto out;
	}
	if (brk <= mm->brk) {
		/* shrink: only a heap that is there */
		struct vm_area_struct *brkvma = find_vma(mm, newbrk);
		if (!brkvma || brkvma->vm_start >= oldbrk)
			goto out;
		if (do_munmap(mm, newbrk, oldbrk - newbrk))
			goto out;
		mm->brk = brk;
		goto out;
	}
	/* grow: check_brk_limits (get_unmapped_area with MAP_FIXED) */
	unsigned long len = newbrk - oldbrk;
	if (len > mm->task_size || oldbrk > mm->task_size - len || oldbrk < MMAP_MIN_ADDR)
		goto out;
	/* a page between the heap and the next mapping, the guard gap below a stack */
	struct vm_area_struct *next = find_vma(mm, oldbrk);
	if (next && newbrk + PAGE_SIZE > vm_start_gap(next))
		goto out;
	/* do_brk_flags: may_expand_vm, then the map count */
	unsigned long pages = len >> PAGE_SHIFT,
		      flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_ACCOUNT | mm->def_flags;
	if (mlock_future_check(t, flags, len))
		goto out;
	if (mm->total_vm + pages > t->rlim[RLIMIT_AS] >> PAGE_SHIFT)
		goto out;
	if (mm->data_vm + pages > t->rlim[RLIMIT_DATA] >> PAGE_SHIFT) {
		warn_vmdata(t, mm->data_vm + pages);
		goto out;
	}
	if (mm->map_count > DEFAULT_MAX_MAP_COUNT)
		goto out;
	if (vm_enough_memory(mm, (long)pages)) /* do_brk_flags' commit check */
		goto out;
	if (map_region(mm, oldbrk, len, flags, NULL, 0) < 0) {
		vm_unacct_memory((long)pages);
		goto out;
	}
	mm->brk = brk;
	populate = flags & VM_LOCKED; /* mlockall(MCL_FUTURE): the new heap is locked, and faulted in */
out:;
	unsigned long ret = mm->brk;
	mmap_write_unlock(mm);
	if (populate)
		mm_populate_range(t, oldbrk, newbrk);
	return ret;
}

/* the system call, in the task's context (TASK_SYSCALL) */
unsigned long task_brk(struct task_struct *t, unsigned long brk)
{
	return TASK_SYSCALL(t, do_task_brk(t, brk));
}

/* ---- checks and /proc/PID/maps ------------------------------------------------------------ */

/*
 * The VMAs as the tree yields them: ordered, disjoint, page-aligned, below
 * TASK_SIZE, merged where they could be, each with its vm_area_struct
 * object holding its bounds and its mm_struct's kernel address; the tree
 * itself valid (mt_verify), each entry's range [vm_start, vm_end - 1] of
 * the VMA the map gives back for it, whose object is the entry; as many
 * entries as map_count and as keys in the map; the counters (total, data,
 * exec, stack, locked) equal a recount of the VMAs' flags.  The break:
 * start_brk page-aligned and at or above the image's data, start_brk <=
 * brk, and PAGE_ALIGN(brk) neither wrapping nor beyond TASK_SIZE (brk(-1)
 * once left the break at ULONG_MAX); a task without a heap (no image) has
 * both at 0.  The heap's pages themselves need not be mapped: a task may
 * munmap or remap its heap, as Linux lets it, so only the break is the
 * heap's own invariant.
 */
int mm_verify(struct mm_struct *mm, char *why, size_t whylen)
{
	int ret = 0, n = 0;
	struct mm_struct count = { 0 };
	const struct vm_area_struct *prev = NULL;
	mmap_write_lock(mm);
	if (mt_verify(&mm->mm_mt, why, whylen))
		ret = -EINVAL;
	MA_STATE(mas, &mm->mm_mt, 0, 0);
	void *entry;
	while (!ret && (entry = mas_find(&mas, mt_ulong_max()))) {
		const struct vm_area_struct *v = vma_of_entry(mm, entry);
		n++;
		if (!v || !v->obj || entry != mt_entry_of(v->obj)) {
			snprintf(why, whylen, "mm_mt's entry %#lx for %#lx-%#lx is not in the VMA map", (unsigned long)entry,
				 mas.index, mas.last + 1);
			ret = -EINVAL;
		} else if (mas.index != v->vm_start || mas.last != v->vm_end - 1) {
			snprintf(why, whylen, "mm_mt maps %#lx-%#lx to the VMA %#lx-%#lx", mas.index, mas.last + 1,
				 v->vm_start, v->vm_end);
			ret = -EINVAL;
		} else if (v->vm_start >= v->vm_end || (v->vm_start | v->vm_end) & ~PAGE_MASK ||
			   v->vm_end > mm->task_size) {
			snprintf(why, whylen, "VMA %#lx-%#lx is empty, unaligned or above TASK_SIZE", v->vm_start, v->vm_end);
			ret = -EINVAL;
		} else if (prev && prev->vm_end > v->vm_start) {
			snprintf(why, whylen, "VMA %#lx-%#lx overlaps the one before it", v->vm_start, v->vm_end);
			ret = -EINVAL;
		} else if (v->vm_mm != mm || !mm->obj || kobj_get_word(v->obj, 0) != v->vm_start ||
			   kobj_get_word(v->obj, kobj_word()) != v->vm_end ||
			   kobj_get_word(v->obj, 2 * kobj_word()) != kmm_host_to_kva(mm->obj)) {
			snprintf(why, whylen, "VMA %#lx-%#lx: its vm_area_struct object does not hold its bounds and mm",
				 v->vm_start, v->vm_end);
			ret = -EINVAL;
		} else if (prev && can_merge(prev, v) && !(v->vm_flags & VM_GROWSDOWN)) {
			/* (a stack grown down onto the VMA below it stays apart: expand_downwards merges nothing) */
			snprintf(why, whylen, "VMAs meeting at %#lx should have been merged", v->vm_start);
			ret = -EINVAL;
		}
		if (v)
			vm_stat_account(&count, v->vm_flags, (long)vma_pages(v));
		prev = v;
	}
	if (ret)
		;
	else if (n != mm->map_count || mm->vma_map.nr != (unsigned int)mm->map_count) {
		snprintf(why, whylen, "mm_mt holds %d VMAs, the map %u, map_count is %d", n, mm->vma_map.nr, mm->map_count);
		ret = -EINVAL;
	} else if (count.total_vm != mm->total_vm || count.data_vm != mm->data_vm || count.exec_vm != mm->exec_vm ||
		 count.stack_vm != mm->stack_vm || count.locked_vm != mm->locked_vm) {
		snprintf(why, whylen, "total/data/exec/stack/locked_vm %lu/%lu/%lu/%lu/%lu pages, the VMAs count %lu/%lu/%lu/%lu/%lu",
			 mm->total_vm, mm->data_vm, mm->exec_vm, mm->stack_vm, mm->locked_vm, count.total_vm, count.data_vm,
			 count.exec_vm, count.stack_vm, count.locked_vm);
		ret = -EINVAL;
	} else if (mm->brk < mm->start_brk || mm->brk > mm->task_size || (mm->start_brk & ~PAGE_MASK) ||
		   (mm->start_brk && mm->start_brk < mm->end_data) || (!mm->start_brk && mm->brk)) {
		snprintf(why, whylen, "the break %#lx (start_brk %#lx, end_data %#lx, TASK_SIZE %#lx) is out of place", mm->brk,
			 mm->start_brk, mm->end_data, mm->task_size);
		ret = -EINVAL;
	}
	mmap_write_unlock(mm);
	return ret;
}

/* show_map_vma(): Linux's columns, the name padded to the same place; mmap_lock held */
void show_map_vma(struct strbuf *sb, const struct mm_struct *mm, const struct vm_area_struct *v)
{
	int width = 25 + (M->prof->bits == 64 ? 8 : 4) * 6 - 1;
	char line[256], fname[PATH_NAME_MAX + 16];
	const struct inode *inode = v->vm_file ? v->vm_file->f_inode : NULL;
	/* the store is the root filesystem on sda1 (8:1); shmem lives on the internal mount 0:1 */
	snprintf(line, sizeof(line), "%08lx-%08lx %c%c%c%c %08lx %s %lu ", v->vm_start, v->vm_end,
		 v->vm_flags & VM_READ ? 'r' : '-', v->vm_flags & VM_WRITE ? 'w' : '-',
		 v->vm_flags & VM_EXEC ? 'x' : '-', v->vm_flags & VM_MAYSHARE ? 's' : 'p',
		 inode ? v->vm_pgoff << PAGE_SHIFT : 0UL, inode ? (inode->shmem ? "00:01" : "08:01") : "00:00",
		 inode ? inode->i_ino : 0UL);
	const char *name = NULL;
	if (inode) {
		snprintf(fname, sizeof(fname), "%.*s%s", PATH_NAME_MAX, inode->path, inode->unlinked ? " (deleted)" : "");
		name = fname;
	} else if (v->vm_start <= mm->brk && v->vm_end >= mm->start_brk && mm->start_brk)
		name = "[heap]";
	else if (v->vm_start <= mm->start_stack && v->vm_end >= mm->start_stack)
		name = "[stack]";
	if (name) /* seq_pad(m, ' '): pad to the width, then one space */
		sb_printf(sb, "%-*s %s\n", width, line, name);
	else
		sb_printf(sb, "%s\n", line); /* with its trailing space, as Linux's */
}

void show_pid_maps(struct strbuf *sb, struct task_struct *t, struct mm_struct *mm)
{
	mmap_write_lock(mm);
	struct vm_area_struct *vma;
	VMA_ITERATOR(vmi, mm, 0);
	for_each_vma(vmi, vma)
		show_map_vma(sb, mm, vma);
	mmap_write_unlock(mm);
}

