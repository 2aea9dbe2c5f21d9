/*
 * kmm/maple_tree.h - Linux 6.1's maple tree (include/linux/maple_tree.h):
 * a B-tree of ranges, its 256-byte nodes objects of the "maple_node" slab
 * cache in simulated RAM, the tree the kernel keeps an mm's VMAs in.
 *
 *	struct maple_tree mt;
 *	mt_init_flags(&mt, MT_FLAGS_ALLOC_RANGE);
 *	mtree_store_range(&mt, 0x8048000, 0x8049fff, vma, GFP_KERNEL);
 *	vma = mtree_load(&mt, 0x8048123);
 *
 *	MA_STATE(mas, &mt, 0, 0);
 *	mas_for_each(&mas, entry, ULONG_MAX) ...      every entry in order
 *	mas_empty_area_rev(&mas, lo, hi, len);         highest free gap of len
 *	mtree_destroy(&mt);
 *
 * Entries are opaque non-NULL values the width of the profile's unsigned
 * long (kernel addresses of objects); values 2, 6, 10 ... 1026 (xarray's
 * internal entries) are refused as in Linux.  Indices run to the profile's
 * ULONG_MAX (mt_ulong_max(): 0xffffffff on i386).  The caller serialises
 * writers (an mm's mmap_lock, MT_FLAGS_LOCK_EXTERN); see src/lib/maple_tree.c.
 */
#ifndef KMM_MAPLE_TREE_H
#define KMM_MAPLE_TREE_H

#include <stdbool.h>
#include <kmm/gfp.h>
#include <kmm/kmm.h>
#include <kmm/types.h>

/* Node capacities: 6.1's values for 64-bit pointers, and for 4-byte pointers in brackets. */
#define MAPLE_RANGE64_SLOTS_64 16   /* maple_range_64 / maple_leaf_64 (32) */
#define MAPLE_ARANGE64_SLOTS_64 10  /* maple_arange_64 (21) */
#define MAPLE_RANGE64_SLOTS_32 32
#define MAPLE_ARANGE64_SLOTS_32 21
#define MAPLE_NODE_SIZE 256         /* every node, and its alignment */
#define MAPLE_HEIGHT_MAX 31

/* Tree flags (ma_flags), 6.1's bits */
#define MT_FLAGS_ALLOC_RANGE 0x01   /* track gaps: internal nodes are maple_arange_64 */
#define MT_FLAGS_USE_RCU 0x02       /* never change a node readers may see: copy it */
#define MT_FLAGS_HEIGHT_OFFSET 0x02
#define MT_FLAGS_HEIGHT_MASK 0x7C   /* the tree's height lives in these bits */
#define MT_FLAGS_LOCK_MASK 0x300
#define MT_FLAGS_LOCK_EXTERN 0x300  /* the user's lock (mmap_lock) serialises writers */
#define MM_MT_FLAGS (MT_FLAGS_ALLOC_RANGE | MT_FLAGS_LOCK_EXTERN | MT_FLAGS_USE_RCU) /* an mm's VMA tree */

enum maple_type {
	maple_dense,     /* not used by kmm (6.1 defines but never builds it) */
	maple_leaf_64,   /* leaf: pivots and entries */
	maple_range_64,  /* internal node of a tree without gap tracking */
	maple_arange_64, /* internal node that also records each child's largest gap */
};

struct maple_tree {
	unsigned int ma_flags;    /* MT_FLAGS_*, the height in MT_FLAGS_HEIGHT_MASK */
	unsigned long ma_root;    /* encoded root node (kva | type << 3 | 4 | 2), or 0: empty */
	unsigned long ma_kva;     /* this struct's own kernel address when it lives in simulated RAM, else 0 */
};

#define MTREE_INIT(name, flags) { .ma_flags = (flags), .ma_root = 0, .ma_kva = 0 }
#define DEFINE_MTREE(name) struct maple_tree name = MTREE_INIT(name, 0)

/*
 * The state of a walk or a write (6.1's struct ma_state).  node is an
 * encoded node, or one of the MAS_* states; [min, max] is that node's
 * range; [index, last] the range asked for, then the range found.
 */
struct ma_state {
	struct maple_tree *tree;  /* the tree */
	unsigned long index;      /* first index of the range */
	unsigned long last;       /* last index of the range (inclusive) */
	unsigned long node;       /* encoded leaf the state points at, or MAS_START/MAS_NONE/MAS_PAUSE/MA_ERROR */
	unsigned long min;        /* smallest index the node covers */
	unsigned long max;        /* largest index the node covers */
	unsigned long alloc;      /* preallocated nodes: kva of a maple_alloc node, or (request << 1) | 1 */
	unsigned char depth;      /* levels walked (for the allocation estimates) */
	unsigned char offset;     /* slot of the node the state points at */
	unsigned char mas_flags;  /* MA_STATE_BULK, MA_STATE_REBALANCE, MA_STATE_PREALLOC */
};

#define MAS_START 1UL   /* walk from the root next time */
#define MAS_ROOT 5UL    /* (6.1: the entry lives in the root pointer; kmm always has a leaf) */
#define MAS_NONE 9UL    /* nothing found / empty tree */
#define MAS_PAUSE 17UL  /* the walk was paused: restart after last */
#define MA_ERROR(err) (((unsigned long)(long)(err) * 4UL) | 2UL) /* a negative errno, xarray's internal form */

#define MA_STATE(name, mt, first, end) \
	struct ma_state name = { .tree = (mt), .index = (first), .last = (end), .node = MAS_START }

static inline bool mas_is_err(const struct ma_state *mas)
{
	return (mas->node & 3) == 2 && mas->node >= MA_ERROR(-4095);
}

static inline void mas_reset(struct ma_state *mas)
{
	mas->node = MAS_START;
}

static inline void mas_set_range(struct ma_state *mas, unsigned long start, unsigned long last)
{
	mas->index = start;
	mas->last = last;
	mas->node = MAS_START;
}

static inline void mas_set(struct ma_state *mas, unsigned long index)
{
	mas_set_range(mas, index, index);
}

static inline void mas_pause(struct ma_state *mas)
{
	mas->node = MAS_PAUSE;
}

static inline bool mt_external_lock(const struct maple_tree *mt)
{
	return (mt->ma_flags & MT_FLAGS_LOCK_MASK) == MT_FLAGS_LOCK_EXTERN;
}

static inline bool mtree_empty(const struct maple_tree *mt)
{
	return mt->ma_root == 0;
}

static inline bool mt_in_rcu(const struct maple_tree *mt)
{
	return mt->ma_flags & MT_FLAGS_USE_RCU;
}

static inline void mt_set_in_rcu(struct maple_tree *mt)
{
	mt->ma_flags |= MT_FLAGS_USE_RCU;
}

static inline void mt_clear_in_rcu(struct maple_tree *mt)
{
	mt->ma_flags &= ~MT_FLAGS_USE_RCU;
}

/*
 * What a tree stores for an object in simulated RAM (a VMA from the
 * vm_area_struct cache) is its kernel address, never the host pointer;
 * these two convert.
 */
static inline void *mt_entry_of(const void *obj)
{
	return (void *)kmm_host_to_kva(obj);
}

static inline void *mt_entry_obj(const void *entry)
{
	return entry ? kmm_kva_to_host((unsigned long)entry) : NULL;
}

/* Create the maple_node cache (6.1's maple_tree_init); mt_init_flags() calls it when needed. */
void maple_tree_init(void);
void mt_init_flags(struct maple_tree *mt, unsigned int flags);
static inline void mt_init(struct maple_tree *mt)
{
	mt_init_flags(mt, 0);
}
/* The profile's ULONG_MAX: the largest index. */
unsigned long mt_ulong_max(void);
/* Slots per node of this type on the booted profile. */
unsigned int mt_slots_of(enum maple_type type);
unsigned int mt_height(const struct maple_tree *mt);

/* The simple interface (takes no state). */
void *mtree_load(struct maple_tree *mt, unsigned long index);
int mtree_store_range(struct maple_tree *mt, unsigned long first, unsigned long last, void *entry, gfp_t gfp);
int mtree_store(struct maple_tree *mt, unsigned long index, void *entry, gfp_t gfp);
int mtree_insert_range(struct maple_tree *mt, unsigned long first, unsigned long last, void *entry, gfp_t gfp);
int mtree_insert(struct maple_tree *mt, unsigned long index, void *entry, gfp_t gfp);
void *mtree_erase(struct maple_tree *mt, unsigned long index);
void mtree_destroy(struct maple_tree *mt);
void __mt_destroy(struct maple_tree *mt);

/* The advanced interface. */
void *mas_walk(struct ma_state *mas);
void *mas_find(struct ma_state *mas, unsigned long max);
void *mas_find_rev(struct ma_state *mas, unsigned long min);
void *mas_next(struct ma_state *mas, unsigned long max);
void *mas_prev(struct ma_state *mas, unsigned long min);
void *mas_store(struct ma_state *mas, void *entry);
int mas_store_gfp(struct ma_state *mas, void *entry, gfp_t gfp);
void mas_store_prealloc(struct ma_state *mas, void *entry);
void *mas_erase(struct ma_state *mas);
int mas_preallocate(struct ma_state *mas, void *entry, gfp_t gfp);
int mas_expected_entries(struct ma_state *mas, unsigned long nr_entries);
void mas_destroy(struct ma_state *mas);
unsigned long mas_allocated(const struct ma_state *mas);
int mas_empty_area(struct ma_state *mas, unsigned long min, unsigned long max, unsigned long size);
int mas_empty_area_rev(struct ma_state *mas, unsigned long min, unsigned long max, unsigned long size);

#define mas_for_each(__mas, __entry, __max) while (((__entry) = mas_find((__mas), (__max))) != NULL)
#define mt_for_each(__tree, __entry, __index, __max)                                                 \
	for (__entry = mt_find(__tree, &(__index), __max); __entry; __entry = mt_find_after(__tree, &(__index), __max))
void *mt_find(struct maple_tree *mt, unsigned long *index, unsigned long max);
void *mt_find_after(struct maple_tree *mt, unsigned long *index, unsigned long max);

/*
 * The validator: ordering and limits of the pivots, the parent pointers and
 * their slots, every leaf at the tree's height, each node's end within its
 * capacity, the recorded gaps equal to a recount, no two NULL ranges side
 * by side.  0, or -EINVAL with the first problem in why.
 */
int mt_verify(struct maple_tree *mt, char *why, size_t whylen);
/* As Linux's mt_validate(): the problem, if any, goes to the log with the kernel's warning; 0 or -EINVAL. */
int mt_validate(struct maple_tree *mt);
/* Nodes the tree holds now (for tests and reports). */
unsigned long mt_nr_nodes(struct maple_tree *mt);
/* Print the tree as 6.1's mt_dump() does (debug aid). */
void mt_dump(struct maple_tree *mt);

/*
 * kmm_verify() checks the trees registered here (an mm's VMA tree, a test's
 * tree) with mt_verify().  Unregister before the tree's memory goes;
 * mtree_destroy() unregisters.
 */
void kmm_mt_register(struct maple_tree *mt);
void kmm_mt_unregister(struct maple_tree *mt);
int mt_verify_registered(char *why, size_t whylen);

#endif
