/*
 * maple_tree.c - Linux 6.1's maple tree (lib/maple_tree.c): a B-tree that
 * maps ranges [index, last] of unsigned longs to entries, the structure in
 * which an mm keeps its VMAs (mm->mm_mt) and get_unmapped_area() looks for
 * free gaps.  kmm's own implementation of 6.1's format and behaviour.
 *
 * Vocabulary.  A node covers a range [min, max] (the root covers
 * [0, ULONG_MAX]); its slots split that range at the pivots: slot i holds
 * [pivot[i-1] + 1, pivot[i]], the last slot ends at max.  A leaf's slots
 * hold entries (NULL is an empty range: every index has exactly one slot);
 * an internal node's slots hold its children.  All leaves are at the same
 * depth, the tree's height (kept in ma_flags as 6.1 does).
 *
 * Nodes.  Each is a 256-byte, 256-aligned object of the "maple_node" slab
 * cache, in simulated RAM, and every word in it is as wide as the
 * profile's pointer (4 bytes on i386/i386-pae, 8 on x86_64), so the slot
 * counts are 6.1's for that width:
 *
 *   maple_leaf_64 / maple_range_64     maple_arange_64 (MT_FLAGS_ALLOC_RANGE)
 *   +--------+                         +--------+
 *   | parent |                         | parent |
 *   | pivot[S-1]   S = 16 (32)         | pivot[S-1]   S = 10 (21)
 *   | slot[S]      last slot word      | slot[S]
 *   |   holds meta {end, gap} when     | gap[S]       largest NULL range below slot i
 *   |   the node is not full           | meta {end, gap}: last slot, slot of largest gap
 *   +--------+                         +--------+
 *
 * The end of the data is 6.1's ma_data_end(): an arange node reads meta.end;
 * a range node whose last pivot is 0 reads meta.end, one whose last pivot is
 * max ends there, else it is full.  Unused pivots are 0.
 *
 * Encodings (6.1's).  A node's address is 256-aligned, so its low byte is
 * free: an encoded node ("enode") is kva | type << 3 | 4, the root pointer
 * adds 2 (MAPLE_ROOT_NODE).  A node's parent word is the parent's kva |
 * slot << 3 | 6 (MAPLE_PARENT_RANGE64), or for the root 1 (MAPLE_PARENT_ROOT)
 * | the tree's own kva when the maple_tree struct lives in simulated RAM.
 * Entries are stored as they are; xarray's internal values 2..1026 with the
 * low bits 10 are refused (they would read as nodes or retry markers).
 *
 * Writing.  A store computes the new leaf content (6.1's big node): the
 * part of the leaf holding index before index, the new range, the part of
 * the leaf holding last after last; a NULL store first widens to the NULL
 * ranges beside it, even across leaves (6.1's spanning NULL store), so two
 * NULL ranges never touch (mt_find() relies on it).  If that content fits
 * the one leaf, the leaf is written in place (6.1's slot store and append,
 * and its node store outside RCU mode) or, in RCU mode, a copy replaces it;
 * the parents' gaps are updated in place (mas_update_gap).  Otherwise the
 * nodes of every level up to the common ancestor are rebuilt: the content
 * of a level is the left node's slots before the path, the new children,
 * the right node's slots after the path; more than a node's worth is first
 * shared with a sibling when the two have room (6.1's mas_push_data), else
 * split (mab_calc_split: halves, thirds, not ending a leaf on NULL,
 * left-heavy in bulk mode); too little takes in a sibling (rebalance); the
 * subtrees between the two paths are freed; the root grows or shrinks by a
 * level.  In RCU mode every rebuilt node is new; outside it the level's old
 * nodes are overwritten (so a bulk load's split costs one node, a push
 * none).  The write is planned in host memory first (struct mt_plan), the
 * nodes it needs counted, taken from the preallocation or allocated, and
 * only then is anything written: a write refused for -ENOMEM changes
 * nothing.  Lookups (mtree_load, mt_find) take a walk written once per
 * word width.  On the sequences the tests replay (a fork's bulk load,
 * thousands of in-order stores, erases, a spanning NULL store) the tree
 * has the node counts and heights 6.1's own code gives.
 *
 * Allocation follows 6.1: mas_preallocate() takes 1 + 3 * height nodes,
 * mas_expected_entries() (fork) its estimate for a bulk load, held on the
 * state in maple_alloc nodes (a first node from kmem_cache_alloc, the rest
 * from kmem_cache_alloc_bulk into its slots); mas_destroy() gives back
 * what was not used.  mas_store_gfp() allocates what its plan needs, where
 * 6.1 asks per path (1 + 2h for a split...) and gives back the rest at
 * once: the counts differ in flight, not after.  Linux frees a replaced
 * node through RCU (ma_free_rcu); kmm has no lockless readers of a tree
 * (the mmap_lock or the caller's lock covers every reader), so it frees at
 * once.  Writers are serialised by the caller (MT_FLAGS_LOCK_EXTERN).
 *
 * Not done: 6.1's dense nodes and the root-pointer entry for index 0 (kmm
 * always keeps a leaf); a node with too few entries is pulled up to size
 * from a sibling under the same parent, and when it has none it stays
 * small (valid, never wrong); 6.1's rebalance and spanning-store details
 * are not copied step for step, so after other sequences the shape may
 * differ from 6.1's.
 */
#include "internal.h"

#include <kmm/maple_tree.h>
#include <kmm/slab.h>

#include "mm/slab.h"
#include "sim/ram.h"

#define MAPLE_ROOT_NODE 0x02UL
#define MAPLE_ENODE_NULL 0x04UL
#define MAPLE_ENODE_TYPE_SHIFT 3
#define MAPLE_NODE_MASK 255UL
#define MAPLE_PARENT_ROOT 0x01UL
#define MAPLE_PARENT_SLOT_SHIFT 3
#define MAPLE_PARENT_SLOT_MASK 0xF8UL
#define MAPLE_PARENT_RANGE64 0x06UL

#define MA_STATE_BULK 1
#define MA_STATE_REBALANCE 2
#define MA_STATE_PREALLOC 4

#define MT_MAX_SLOTS 32                      /* the most slots a node has (range64 on 32-bit) */
#define MT_BIG_SLOTS (3 * MT_MAX_SLOTS + 6)  /* a level's content while it is rebuilt */

static struct kmem_cache *maple_node_cache;  /* the "maple_node" cache of the booted machine */

/* ---- the profile's word ----------------------------------------------------------- */

static inline unsigned mt_wbytes(void)
{
	return (unsigned)M->prof->bits / 8u;
}

/*
 * The largest index, inline for this file's own uses: the library is
 * built -fPIC, so a call to the exported mt_ulong_max() from here is not
 * inlined (it could be interposed) and cost ~3 % of an mmap+munmap.
 */
static inline unsigned long mt_max(void)
{
	return mt_wbytes() == 8 ? ~0UL : 0xffffffffUL;
}

unsigned long mt_ulong_max(void)
{
	return mt_max();
}

static inline unsigned mt_slots_t(enum maple_type t)
{
	bool w64 = mt_wbytes() == 8;
	if (t == maple_arange_64)
		return w64 ? MAPLE_ARANGE64_SLOTS_64 : MAPLE_ARANGE64_SLOTS_32;
	return w64 ? MAPLE_RANGE64_SLOTS_64 : MAPLE_RANGE64_SLOTS_32;
}

unsigned int mt_slots_of(enum maple_type type)
{
	return mt_slots_t(type);
}

/* 6.1's mt_min_slots: below this a non-root node is rebalanced. */
static inline unsigned mt_min_slots_t(enum maple_type t)
{
	return t == maple_arange_64 ? mt_slots_t(t) / 2 - 1 : mt_slots_t(t) / 2 - 2;
}

/* maple_alloc (6.1): total, node_count, request_count, then slot[] of node kvas. */
static inline unsigned mt_alloc_slots(void)
{
	return mt_wbytes() == 8 ? 30 : 61; /* MAPLE_ALLOC_SLOTS */
}

/* ---- node words -------------------------------------------------------------------- */

/* A node's host address: slab objects live in the direct map, one addition away. */
static inline void *mn_host(unsigned long kva)
{
	unsigned long off = kva - M->layout.page_offset;
	if (__builtin_expect(off < kmm_ram.direct_size, 1))
		return (char *)kmm_ram.direct_base + off;
	return kmm_kva_to_host(kva);
}

static inline unsigned long mn_get(const void *n, unsigned w)
{
	return mt_wbytes() == 8 ? ((const u64 *)n)[w] : ((const u32 *)n)[w];
}

static inline void mn_set(void *n, unsigned w, unsigned long v)
{
	if (mt_wbytes() == 8)
		((u64 *)n)[w] = v;
	else
		((u32 *)n)[w] = (u32)v;
}

static inline unsigned long mte_kva(unsigned long enode)
{
	return enode & ~MAPLE_NODE_MASK;
}

static inline enum maple_type mte_type(unsigned long enode)
{
	return (enum maple_type)((enode >> MAPLE_ENODE_TYPE_SHIFT) & 0x0F);
}

static inline unsigned long mt_mk_node(unsigned long kva, enum maple_type t)
{
	return kva | ((unsigned long)t << MAPLE_ENODE_TYPE_SHIFT) | MAPLE_ENODE_NULL;
}

static inline bool mt_is_alloc(const struct maple_tree *mt)
{
	return mt->ma_flags & MT_FLAGS_ALLOC_RANGE;
}

unsigned int mt_height(const struct maple_tree *mt)
{
	return (mt->ma_flags & MT_FLAGS_HEIGHT_MASK) >> MT_FLAGS_HEIGHT_OFFSET;
}

static void mt_set_height(struct maple_tree *mt, unsigned h)
{
	mt->ma_flags = (mt->ma_flags & ~MT_FLAGS_HEIGHT_MASK) | (h << MT_FLAGS_HEIGHT_OFFSET);
}

static inline unsigned long mt_root_enode(const struct maple_tree *mt)
{
	return mt->ma_root & ~MAPLE_ROOT_NODE;
}

/* Word positions: parent 0, pivots 1.., slots S.., gaps 2S.. (arange), meta 3S (arange) or slot S-1. */
static inline unsigned w_pivot(unsigned i) { return 1 + i; }
static inline unsigned w_slot(enum maple_type t, unsigned i) { return mt_slots_t(t) + i; }
static inline unsigned w_gap(enum maple_type t, unsigned i) { return 2 * mt_slots_t(t) + i; }
static inline unsigned char *meta_of(void *n, enum maple_type t)
{
	unsigned w = t == maple_arange_64 ? 3 * mt_slots_t(t) : 2 * mt_slots_t(t) - 1;
	return (unsigned char *)n + (size_t)w * mt_wbytes();
}

/* 6.1's ma_data_end(): the offset of the node's last slot in use. */
static unsigned mn_data_end(void *n, enum maple_type t, unsigned long max)
{
	unsigned S = mt_slots_t(t);
	if (t == maple_arange_64)
		return meta_of(n, t)[0];
	unsigned long p = mn_get(n, w_pivot(S - 2));
	if (!p)
		return meta_of(n, t)[0];
	if (p == max)
		return S - 2;
	return S - 1;
}

/* A node read out (6.1's maple_big_node): the end of every slot, its content, gaps. */
struct mt_big {
	enum maple_type type;
	unsigned nr;                        /* slots in use */
	unsigned long pivot[MT_BIG_SLOTS];  /* last index of slot i */
	unsigned long slot[MT_BIG_SLOTS];   /* entry, or encoded child */
	unsigned long gap[MT_BIG_SLOTS];    /* largest NULL range under slot i */
	short newref[MT_BIG_SLOTS];         /* -1, or the planned new node slot i will point at */
};

static void mn_read(unsigned long enode, unsigned long min, unsigned long max, struct mt_big *b)
{
	enum maple_type t = mte_type(enode);
	void *n = mn_host(mte_kva(enode));
	unsigned S = mt_slots_t(t), end = mn_data_end(n, t, max);
	(void)min;
	b->type = t;
	b->nr = end + 1;
	for (unsigned i = 0; i <= end; i++) {
		b->slot[i] = mn_get(n, w_slot(t, i));
		b->pivot[i] = i < end && i < S - 1 ? mn_get(n, w_pivot(i)) : max;
		b->gap[i] = t == maple_arange_64 ? mn_get(n, w_gap(t, i)) : 0;
		b->newref[i] = -1;
	}
}

/* The largest NULL range of a leaf's content [min, ...]; 0 if none. */
static unsigned long big_leaf_gap(const struct mt_big *b, unsigned long min)
{
	unsigned long best = 0, start = min;
	for (unsigned i = 0; i < b->nr; i++) {
		if (!b->slot[i] && b->pivot[i] - start + 1 > best)
			best = b->pivot[i] - start + 1;
		start = b->pivot[i] + 1;
	}
	return best;
}

static unsigned long big_max_gap(const struct mt_big *b, unsigned long min, unsigned *at)
{
	if (b->type == maple_leaf_64)
		return big_leaf_gap(b, min);
	unsigned long best = 0;
	unsigned off = 0;
	for (unsigned i = 0; i < b->nr; i++)
		if (b->gap[i] > best) {
			best = b->gap[i];
			off = i;
		}
	if (at)
		*at = off;
	return best;
}

/* The parent word a node at slot of parent_kva carries. */
static inline unsigned long mt_parent_word(unsigned long parent_kva, unsigned slot)
{
	return parent_kva | ((unsigned long)slot << MAPLE_PARENT_SLOT_SHIFT) | MAPLE_PARENT_RANGE64;
}

static inline unsigned long mt_root_parent_word(const struct maple_tree *mt)
{
	return mt->ma_kva | MAPLE_PARENT_ROOT;
}

/*
 * Write content b[from, from + nr) as the whole node at kva (range [min, max]).
 * Children's parent words are the caller's business (mt_set_children_parent).
 */
static void mn_write(unsigned long kva, const struct mt_big *b, unsigned from, unsigned nr, unsigned long min,
		     unsigned long max, unsigned long parent)
{
	enum maple_type t = b->type;
	void *n = mn_host(kva);
	unsigned S = mt_slots_t(t);
	MM_BUG_ON(nr < 1 || nr > S);
	memset(n, 0, MAPLE_NODE_SIZE);
	mn_set(n, 0, parent);
	for (unsigned i = 0; i < nr; i++) {
		if (i < S - 1)
			mn_set(n, w_pivot(i), i == nr - 1 ? max : b->pivot[from + i]);
		mn_set(n, w_slot(t, i), b->slot[from + i]);
		if (t == maple_arange_64)
			mn_set(n, w_gap(t, i), b->gap[from + i]);
	}
	if (t == maple_arange_64 || nr < S) {
		unsigned char *meta = meta_of(n, t);
		meta[0] = (unsigned char)(nr - 1);
		meta[1] = 0;
		if (t == maple_arange_64) {
			unsigned long best = 0;
			for (unsigned i = 0; i < nr; i++)
				if (b->gap[from + i] > best) {
					best = b->gap[from + i];
					meta[1] = (unsigned char)i;
				}
		}
	}
	(void)min;
}

static void mt_set_children_parent(unsigned long kva, enum maple_type t, unsigned long max)
{
	void *n = mn_host(kva);
	if (t == maple_leaf_64)
		return;
	unsigned end = mn_data_end(n, t, max);
	for (unsigned i = 0; i <= end; i++) {
		unsigned long child = mn_get(n, w_slot(t, i));
		mn_set(mn_host(mte_kva(child)), 0, mt_parent_word(kva, i));
	}
}

/* ---- the maple_node cache and the state's allocations --------------------------------- */

static struct kmem_cache *mt_find_cache(void)
{
	struct kmem_cache *found = NULL;
	struct list_head *pos;
	pthread_mutex_lock(&slab_mutex);
	list_for_each(pos, &slab_caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);
		if (!s->dead && !strcmp(s->name, "maple_node")) {
			found = s;
			break;
		}
	}
	pthread_mutex_unlock(&slab_mutex);
	return found;
}

static void mt_registered_reset(void);

/* Boot (start_kernel): the cache, and no tree of an earlier machine is checked any more. */
void maple_tree_init(void)
{
	/* 6.1: kmem_cache_create("maple_node", sizeof(struct maple_node), sizeof(struct maple_node), SLAB_PANIC, NULL) */
	maple_node_cache = mt_find_cache();
	if (!maple_node_cache)
		maple_node_cache = kmem_cache_create("maple_node", MAPLE_NODE_SIZE, MAPLE_NODE_SIZE, SLAB_PANIC, NULL);
	mt_registered_reset();
}

void mt_init_flags(struct maple_tree *mt, unsigned int flags)
{
	MM_BUG_ON(!M || !maple_node_cache);
	mt->ma_flags = flags & ~MT_FLAGS_HEIGHT_MASK;
	mt->ma_root = 0;
	mt->ma_kva = kmm_host_to_kva(mt);
}

static unsigned long mt_alloc_one(gfp_t gfp)
{
	void *p = kmem_cache_alloc(maple_node_cache, gfp | __GFP_ZERO);
	return p ? kmm_host_to_kva(p) : 0;
}

static void mt_free_one(unsigned long kva)
{
	kmem_cache_free(maple_node_cache, mn_host(kva)); /* 6.1: ma_free_rcu(); no lockless readers here */
}

/*
 * The state's spare nodes (6.1's struct maple_alloc, kept in the nodes
 * themselves): the head's word 0 is the total held, head included; its byte
 * node_count says how many slots it fills.  Slot 0 is "the rest" seen as a
 * maple_alloc of its own (an older head when one filled up, or a plain spare
 * whose node_count is 0); slots 1.. are plain spares.
 */
static inline unsigned ma_w_slot(unsigned i) { return 2 + i; }
static inline unsigned char *ma_node_count(void *n) { return (unsigned char *)n + mt_wbytes(); }

unsigned long mas_allocated(const struct ma_state *mas)
{
	if (!mas->alloc || (mas->alloc & 1))
		return 0;
	return mn_get(mn_host(mas->alloc), 0);
}

/*
 * 6.1's mas_node_count_gfp()/mas_alloc_nodes(): up to count nodes held; a
 * head from one allocation, the rest from kmem_cache_alloc_bulk() into its
 * slots.  On failure what was allocated stays on the state: -ENOMEM.
 */
static int mas_node_count_gfp(struct ma_state *mas, unsigned long count, gfp_t gfp)
{
	unsigned long allocated = mas_allocated(mas);
	unsigned cap = mt_alloc_slots();
	while (allocated < count) {
		void *head = allocated ? mn_host(mas->alloc) : NULL;
		if (!head || *ma_node_count(head) == cap) {
			unsigned long kva = mt_alloc_one(gfp);
			if (!kva)
				return -ENOMEM;
			void *n = mn_host(kva);
			if (head) {
				mn_set(n, ma_w_slot(0), mas->alloc);
				*ma_node_count(n) = 1;
			}
			mn_set(n, 0, ++allocated);
			mas->alloc = kva;
			continue;
		}
		unsigned cnt = *ma_node_count(head), room = cap - cnt;
		unsigned want = count - allocated < room ? (unsigned)(count - allocated) : room;
		void *objs[64];
		int got = kmem_cache_alloc_bulk(maple_node_cache, gfp, want, objs);
		if (got <= 0)
			return -ENOMEM;
		for (int i = 0; i < got; i++) {
			*ma_node_count(objs[i]) = 0; /* as 6.1: a spare in slot 0 reads as an empty maple_alloc */
			mn_set(head, ma_w_slot(cnt + (unsigned)i), kmm_host_to_kva(objs[i]));
		}
		*ma_node_count(head) = (unsigned char)(cnt + (unsigned)got);
		allocated += (unsigned long)got;
		mn_set(head, 0, allocated);
	}
	return 0;
}

/* 6.1's mas_pop_node(): the head's last slot; the head itself when only slot 0 is left. */
static unsigned long mas_pop_node(struct ma_state *mas)
{
	unsigned long total = mas_allocated(mas), ret;
	MM_BUG_ON(!total);
	void *head = mn_host(mas->alloc);
	unsigned cnt = *ma_node_count(head);
	if (total == 1) {
		ret = mas->alloc;
		mas->alloc = 0;
	} else if (cnt == 1) {
		ret = mas->alloc;
		mas->alloc = mn_get(head, ma_w_slot(0));
		mn_set(mn_host(mas->alloc), 0, total - 1);
	} else {
		ret = mn_get(head, ma_w_slot(cnt - 1));
		*ma_node_count(head) = (unsigned char)(cnt - 1);
		mn_set(head, 0, total - 1);
	}
	memset(mn_host(ret), 0, MAPLE_NODE_SIZE);
	return ret;
}

/* 6.1's mas_destroy(): every node the state still holds goes back (spares in bulk). */
static void mas_bulk_rebalance(struct ma_state *mas);

void mas_destroy(struct ma_state *mas)
{
	if (mas->mas_flags & MA_STATE_REBALANCE)
		mas_bulk_rebalance(mas);
	mas->mas_flags &= ~(MA_STATE_BULK | MA_STATE_PREALLOC | MA_STATE_REBALANCE);
	unsigned long kva = mas_allocated(mas) ? mas->alloc : 0;
	while (kva) {
		void *head = mn_host(kva);
		unsigned cnt = *ma_node_count(head), k = 0;
		void *objs[64];
		for (unsigned i = 1; i < cnt; i++)
			objs[k++] = mn_host(mn_get(head, ma_w_slot(i)));
		if (k)
			kmem_cache_free_bulk(maple_node_cache, k, objs);
		unsigned long next = cnt ? mn_get(head, ma_w_slot(0)) : 0;
		mt_free_one(kva);
		kva = next;
	}
	mas->alloc = 0;
}

/* ---- walking ------------------------------------------------------------------------ */

/* The nodes from the root down to the leaf that holds index, and the slot taken at each. */
struct mt_path {
	unsigned h;                              /* levels: path[h - 1] is the leaf */
	unsigned long enode[MAPLE_HEIGHT_MAX];   /* encoded node at each level */
	unsigned long min[MAPLE_HEIGHT_MAX];     /* its range */
	unsigned long max[MAPLE_HEIGHT_MAX];
	unsigned char off[MAPLE_HEIGHT_MAX];     /* the slot that holds index */
	unsigned char end[MAPLE_HEIGHT_MAX];     /* its last slot in use */
};

/* Slot i's range in node n of range [min, max] with last slot end. */
static inline unsigned long mn_slot_min(void *n, unsigned i, unsigned long min)
{
	return i ? mn_get(n, w_pivot(i - 1)) + 1 : min;
}

static inline unsigned long mn_slot_max(void *n, enum maple_type t, unsigned i, unsigned end, unsigned long max)
{
	return i < end && i < mt_slots_t(t) - 1 ? mn_get(n, w_pivot(i)) : max;
}

static void mt_walk_path(const struct maple_tree *mt, unsigned long index, struct mt_path *p)
{
	unsigned long enode = mt_root_enode(mt), min = 0, max = mt_max();
	p->h = mt_height(mt);
	for (unsigned lvl = 0; lvl < p->h; lvl++) {
		enum maple_type t = mte_type(enode);
		void *n = mn_host(mte_kva(enode));
		unsigned end = mn_data_end(n, t, max), i = 0;
		while (i < end && mn_get(n, w_pivot(i)) < index)
			i++;
		p->enode[lvl] = enode;
		p->min[lvl] = min;
		p->max[lvl] = max;
		p->off[lvl] = (unsigned char)i;
		p->end[lvl] = (unsigned char)end;
		unsigned long nmin = mn_slot_min(n, i, min), nmax = mn_slot_max(n, t, i, end, max);
		min = nmin;
		max = nmax;
		enode = mn_get(n, w_slot(t, i));
	}
}

static unsigned long mt_load_w64(unsigned long enode, unsigned long index, unsigned long *start, unsigned long *last);
static unsigned long mt_load_w32(unsigned long enode, unsigned long index, unsigned long *start, unsigned long *last);

/* The entry at index and its range [*start, *end]; NULL for an empty tree (range: everything). */
static unsigned long mt_lookup(const struct maple_tree *mt, unsigned long index, unsigned long *start,
			       unsigned long *endp)
{
	unsigned long enode = mt_root_enode(mt);
	if (!enode) {
		*start = 0;
		*endp = mt_max();
		return 0;
	}
	return mt_wbytes() == 8 ? mt_load_w64(enode, index, start, endp) : mt_load_w32(enode, index, start, endp);
}

/*
 * The lookup walk, written once per word width (the hot path: find_vma and
 * the fault handler): read the pivots as an array, no per-word width test.
 */
#define MT_DEFINE_LOAD(name, word_t, range_slots, arange_slots)                                         \
	static unsigned long name(unsigned long enode, unsigned long index, unsigned long *start,        \
				  unsigned long *last)                                                   \
	{                                                                                                \
		unsigned long min = 0, max = (word_t)~(word_t)0;                                          \
		for (;;) {                                                                               \
			enum maple_type t = mte_type(enode);                                             \
			const word_t *n = mn_host(mte_kva(enode));                                       \
			unsigned S = t == maple_arange_64 ? (arange_slots) : (range_slots), end;         \
			const word_t *piv = n + 1;                                                       \
			const unsigned char *meta = (const unsigned char *)(n + (t == maple_arange_64 ? 3 * S : 2 * S - 1)); \
			if (t == maple_arange_64 || !piv[S - 2])                                         \
				end = meta[0];                                                           \
			else                                                                             \
				end = piv[S - 2] == max ? S - 2 : S - 1;                                 \
			unsigned i = 0; /* pivots are sorted: the slot is the count below index */   \
			for (unsigned k = 0; k < end; k++)                                               \
				i += piv[k] < index;                                                     \
			if (i)                                                                           \
				min = (unsigned long)piv[i - 1] + 1;                                     \
			if (i < end)                                                                     \
				max = piv[i];                                                            \
			if (t == maple_leaf_64) {                                                        \
				*start = min;                                                            \
				*last = max;                                                             \
				return n[S + i];                                                         \
			}                                                                                \
			enode = n[S + i];                                                                \
		}                                                                                        \
	}
MT_DEFINE_LOAD(mt_load_w64, u64, MAPLE_RANGE64_SLOTS_64, MAPLE_ARANGE64_SLOTS_64)
MT_DEFINE_LOAD(mt_load_w32, u32, MAPLE_RANGE64_SLOTS_32, MAPLE_ARANGE64_SLOTS_32)

void *mtree_load(struct maple_tree *mt, unsigned long index)
{
	unsigned long enode = mt_root_enode(mt), s, e;
	if (!enode || index > mt_max())
		return NULL;
	return (void *)(mt_wbytes() == 8 ? mt_load_w64(enode, index, &s, &e) : mt_load_w32(enode, index, &s, &e));
}

/* Point the state at the slot holding mas->index; index/last become that slot's range. */
void *mas_walk(struct ma_state *mas)
{
	struct mt_path p;
	if (mas->index > mt_max() || !mas->tree->ma_root) {
		mas->node = MAS_NONE;
		mas->index = 0;
		mas->last = mt_max();
		return NULL;
	}
	mt_walk_path(mas->tree, mas->index, &p);
	unsigned lf = p.h - 1;
	void *n = mn_host(mte_kva(p.enode[lf]));
	mas->node = p.enode[lf];
	mas->min = p.min[lf];
	mas->max = p.max[lf];
	mas->offset = p.off[lf];
	mas->depth = (unsigned char)p.h;
	mas->index = mn_slot_min(n, p.off[lf], p.min[lf]);
	mas->last = mn_slot_max(n, maple_leaf_64, p.off[lf], p.end[lf], p.max[lf]);
	return (void *)mn_get(n, w_slot(maple_leaf_64, p.off[lf]));
}

static inline bool mas_active(const struct ma_state *mas)
{
	return mas->node > MAPLE_NODE_MASK && !mas_is_err(mas);
}

/* Step to the next slot (any content); false at the end of the tree. */
static bool mas_step_next(struct ma_state *mas)
{
	void *n = mn_host(mte_kva(mas->node));
	unsigned end = mn_data_end(n, maple_leaf_64, mas->max);
	if (mas->offset < end) {
		mas->offset++;
		mas->index = mn_slot_min(n, mas->offset, mas->min);
		mas->last = mn_slot_max(n, maple_leaf_64, mas->offset, end, mas->max);
		return true;
	}
	if (mas->max >= mt_max())
		return false;
	mas->index = mas->max + 1;
	mas_walk(mas);
	return true;
}

static bool mas_step_prev(struct ma_state *mas)
{
	void *n = mn_host(mte_kva(mas->node));
	unsigned end = mn_data_end(n, maple_leaf_64, mas->max);
	if (mas->offset > 0) {
		mas->offset--;
		mas->index = mn_slot_min(n, mas->offset, mas->min);
		mas->last = mn_slot_max(n, maple_leaf_64, mas->offset, end, mas->max);
		return true;
	}
	if (!mas->min)
		return false;
	mas->index = mas->min - 1;
	mas_walk(mas);
	return true;
}

static inline unsigned long mas_slot_entry(const struct ma_state *mas)
{
	return mn_get(mn_host(mte_kva(mas->node)), w_slot(maple_leaf_64, mas->offset));
}

/* 6.1's mas_next_entry(): the next non-NULL entry starting at or below limit. */
static void *mas_next_entry(struct ma_state *mas, unsigned long limit)
{
	while (mas_step_next(mas)) {
		if (mas->index > limit)
			break;
		unsigned long e = mas_slot_entry(mas);
		if (e)
			return (void *)e;
	}
	mas->node = MAS_NONE;
	return NULL;
}

static void *mas_prev_entry(struct ma_state *mas, unsigned long limit)
{
	while (mas_step_prev(mas)) {
		if (mas->last < limit)
			break;
		unsigned long e = mas_slot_entry(mas);
		if (e)
			return (void *)e;
	}
	mas->node = MAS_NONE;
	return NULL;
}

void *mas_find(struct ma_state *mas, unsigned long max)
{
	if (mas->node == MAS_PAUSE) {
		if (mas->last >= mt_max()) {
			mas->node = MAS_NONE;
			return NULL;
		}
		mas->index = ++mas->last;
		mas->node = MAS_START;
	}
	if (mas->node == MAS_START) {
		if (mas->index > max)
			return NULL;
		void *e = mas_walk(mas);
		if (e)
			return e;
	}
	if (!mas_active(mas))
		return NULL;
	return mas_next_entry(mas, max);
}

void *mas_find_rev(struct ma_state *mas, unsigned long min)
{
	if (mas->node == MAS_PAUSE) {
		if (!mas->index) {
			mas->node = MAS_NONE;
			return NULL;
		}
		mas->last = --mas->index;
		mas->node = MAS_START;
	}
	if (mas->node == MAS_START) {
		if (mas->index < min)
			return NULL;
		void *e = mas_walk(mas);
		if (e)
			return e;
	}
	if (!mas_active(mas))
		return NULL;
	return mas_prev_entry(mas, min);
}

void *mas_next(struct ma_state *mas, unsigned long max)
{
	if (mas->node == MAS_NONE || mas->node == MAS_PAUSE)
		mas->node = MAS_START;
	if (mas->node == MAS_START)
		mas_walk(mas);
	if (!mas_active(mas) || mas->last >= mt_max())
		return NULL;
	return mas_next_entry(mas, max);
}

void *mas_prev(struct ma_state *mas, unsigned long min)
{
	if (mas->node == MAS_NONE || mas->node == MAS_PAUSE)
		mas->node = MAS_START;
	if (mas->node == MAS_START)
		mas_walk(mas);
	if (!mas_active(mas) || !mas->index)
		return NULL;
	return mas_prev_entry(mas, min);
}

/*
 * 6.1's mt_find(): the first entry at or after *index, starting at most at
 * max; *index moves past it.  Two NULL ranges never touch, so the range
 * after a NULL one holds an entry: at most two walks.
 */
void *mt_find(struct maple_tree *mt, unsigned long *index, unsigned long max)
{
	unsigned long s, e, entry;
	if (*index > max || *index > mt_max())
		return NULL;
	entry = mt_lookup(mt, *index, &s, &e);
	if (!entry) {
		if (e >= max)
			return NULL;
		entry = mt_lookup(mt, e + 1, &s, &e);
		if (!entry || s > max)
			return NULL;
	}
	*index = (e + 1) & mt_max(); /* 0 after ULONG_MAX: mt_find_after() stops */
	return (void *)entry;
}

void *mt_find_after(struct maple_tree *mt, unsigned long *index, unsigned long max)
{
	if (!*index || *index > max)
		return NULL; /* wrapped past ULONG_MAX, or done */
	return mt_find(mt, index, max);
}

/* ---- writing: a plan in host memory, then the commit ------------------------------------ */

/* A node the write will build: its content, its range, the node it gets at commit. */
struct mt_nbuf {
	enum maple_type type;
	unsigned nr;                          /* slots in use */
	unsigned long min, max;               /* the range it covers */
	unsigned long gapmax;                 /* its largest NULL range (what its parent records) */
	unsigned long pivot[MT_MAX_SLOTS];    /* last index of each slot */
	unsigned long slot[MT_MAX_SLOTS];     /* entry or encoded child (when newref < 0) */
	unsigned long gap[MT_MAX_SLOTS];      /* arange: each child's largest gap */
	short newref[MT_MAX_SLOTS];           /* a child built by this write: its index in plan->nn */
	unsigned long reuse;                  /* outside RCU mode: the old node it overwrites (0: a new one) */
	unsigned long kva;                    /* the node it was given (commit) */
};

#define MT_PLAN_NEW (3 * MAPLE_HEIGHT_MAX + 4)
#define MT_PLAN_FREE (MAPLE_HEIGHT_MAX * (2 * MT_MAX_SLOTS + 4))

struct mt_plan {
	struct mt_path P, Q;                  /* paths to the leaves holding index and last */
	unsigned nr_new;                      /* nodes the write builds (new or reused) */
	struct mt_nbuf nn[MT_PLAN_NEW];       /* ... children before parents */
	unsigned nr_free;                     /* old nodes that go (each alone) */
	unsigned long free_node[MT_PLAN_FREE];
	unsigned nr_tree;                     /* old subtrees that go whole */
	unsigned long free_tree[MT_PLAN_FREE];
	unsigned long free_tree_max[MT_PLAN_FREE]; /* ... and the last index each covers */
	bool inplace_leaf;                    /* the leaf takes the new content where it is (nn[0] holds it) */
	int link_level;                       /* the kept node whose slot link_off takes the top new node; -1: new root */
	unsigned link_off;
	unsigned new_height;                  /* the height after the write */
	unsigned long old_entry;              /* what index held */
};

static __thread struct mt_plan mt_plan_buf;

static void big_push(struct mt_big *b, unsigned long slot, unsigned long pivot, unsigned long gap, short ref)
{
	MM_BUG_ON(b->nr >= MT_BIG_SLOTS);
	b->slot[b->nr] = slot;
	b->pivot[b->nr] = pivot;
	b->gap[b->nr] = gap;
	b->newref[b->nr] = ref;
	b->nr++;
}

/* Two NULL ranges side by side become one (leaf content). */
static void big_merge_nulls(struct mt_big *b)
{
	unsigned j = 0;
	for (unsigned i = 0; i < b->nr; i++) {
		if (j && !b->slot[i] && !b->slot[j - 1]) {
			b->pivot[j - 1] = b->pivot[i];
			continue;
		}
		b->slot[j] = b->slot[i];
		b->pivot[j] = b->pivot[i];
		b->gap[j] = b->gap[i];
		b->newref[j] = b->newref[i];
		j++;
	}
	b->nr = j;
}

/* 6.1's mab_no_null_split(): a node does not end on a NULL range if it can help it. */
static unsigned mt_no_null_split(const struct mt_big *b, unsigned split, unsigned S)
{
	if (b->type == maple_leaf_64 && !b->slot[split]) {
		if (split < S - 1 && (b->nr - 1 - split) > mt_min_slots_t(b->type))
			split++;
		else if (split)
			split--;
	}
	return split;
}

/*
 * 6.1's mab_calc_split(): where the content b is cut (the last slot of each
 * part but the last).  Halves; thirds when two nodes cannot hold it; in bulk
 * mode the left keeps all but the minimum.  Returns the number of parts.
 */
static unsigned mt_calc_split(struct ma_state *mas, const struct mt_big *b, unsigned cut[3])
{
	unsigned S = mt_slots_t(b->type), end = b->nr - 1, m;
	if (b->nr <= S)
		return 1;
	if ((mas->mas_flags & MA_STATE_BULK) && b->nr <= 2 * S) {
		unsigned split = end - mt_min_slots_t(b->type);
		if (b->type == maple_leaf_64) {
			mas->mas_flags |= MA_STATE_REBALANCE;
			if (!b->slot[split])
				split--;
		}
		cut[0] = split;
		m = 2;
	} else {
		unsigned split = end / 2, mid = 0;
		if (end >= 2 * S || (!b->slot[split] && end >= 2 * S - 1)) {
			split = end / 3;
			mid = split * 2;
		}
		cut[0] = mt_no_null_split(b, split, S);
		m = 2;
		if (mid) {
			cut[1] = mt_no_null_split(b, mid, S);
			m = 3;
		}
	}
	/* every part between 1 and S slots, or cut evenly */
	bool ok = true;
	unsigned prev = 0;
	for (unsigned i = 0; i < m; i++) {
		unsigned last = i == m - 1 ? end : cut[i];
		if (last < prev || last - prev + 1 > S)
			ok = false;
		prev = last + 1;
	}
	if (!ok) {
		m = (b->nr + S - 1) / S;
		for (unsigned i = 0; i + 1 < m; i++)
			cut[i] = (unsigned)(((unsigned long)b->nr * (i + 1)) / m) - 1;
	}
	return m;
}

/* A new node for the plan from b[from, from + nr) covering [min, max]. */
static int plan_new_node(struct mt_plan *pl, const struct mt_big *b, unsigned from, unsigned nr, unsigned long min,
			 unsigned long max)
{
	MM_BUG_ON(pl->nr_new >= MT_PLAN_NEW || nr > MT_MAX_SLOTS || !nr);
	struct mt_nbuf *nb = &pl->nn[pl->nr_new];
	nb->type = b->type;
	nb->nr = nr;
	nb->min = min;
	nb->max = max;
	nb->gapmax = 0;
	nb->reuse = 0;
	unsigned long start = min;
	for (unsigned i = 0; i < nr; i++) {
		nb->slot[i] = b->slot[from + i];
		nb->pivot[i] = i == nr - 1 ? max : b->pivot[from + i];
		nb->gap[i] = b->gap[from + i];
		nb->newref[i] = b->newref[from + i];
		if (b->type == maple_leaf_64) {
			if (!nb->slot[i] && nb->pivot[i] - start + 1 > nb->gapmax)
				nb->gapmax = nb->pivot[i] - start + 1;
		} else if (nb->gap[i] > nb->gapmax) {
			nb->gapmax = nb->gap[i];
		}
		start = nb->pivot[i] + 1;
	}
	return (int)pl->nr_new++;
}

static void plan_free_node(struct mt_plan *pl, unsigned long enode)
{
	MM_BUG_ON(pl->nr_free >= MT_PLAN_FREE);
	pl->free_node[pl->nr_free++] = enode;
}

static void plan_free_tree(struct mt_plan *pl, unsigned long enode, unsigned long max)
{
	MM_BUG_ON(pl->nr_tree >= MT_PLAN_FREE);
	pl->free_tree_max[pl->nr_tree] = max;
	pl->free_tree[pl->nr_tree++] = enode;
}

static inline enum maple_type mt_internal_type(const struct maple_tree *mt)
{
	return mt_is_alloc(mt) ? maple_arange_64 : maple_range_64;
}

/* Append slots [from, to] of the node read into src (covering up to max) to b. */
static void big_copy(struct mt_big *b, const struct mt_big *src, unsigned from, unsigned to)
{
	for (unsigned i = from; i <= to && i < src->nr; i++)
		big_push(b, src->slot[i], src->pivot[i], src->gap[i], -1);
}

/*
 * Plan the store of entry over [index, last] in a tree that is not empty.
 * Reads the tree, writes nothing.
 */
static void mt_plan_store(struct ma_state *mas, unsigned long index, unsigned long last, unsigned long entry,
			  struct mt_plan *pl)
{
	struct maple_tree *mt = mas->tree;
	static __thread struct mt_big bufs[4];
	struct mt_big *cur = &bufs[0], *nxt = &bufs[1], *A = &bufs[2], *B = &bufs[3];
	struct mt_path *P = &pl->P, *Q = &pl->Q;
	bool bulk = mas->mas_flags & MA_STATE_BULK;

	pl->nr_new = pl->nr_free = pl->nr_tree = 0;
	pl->inplace_leaf = false;
	mt_walk_path(mt, index, P);
	mt_walk_path(mt, last, Q);
	unsigned h = P->h, lf = h - 1;
	pl->new_height = h;

	/* the leaf content: before index, the new range, after last */
	mn_read(P->enode[lf], P->min[lf], P->max[lf], A);
	mn_read(Q->enode[lf], Q->min[lf], Q->max[lf], B);
	unsigned po = P->off[lf], qo = Q->off[lf];
	pl->old_entry = A->slot[po];
	cur->type = maple_leaf_64;
	cur->nr = 0;
	if (po)
		big_copy(cur, A, 0, po - 1u);
	unsigned long pstart = po ? A->pivot[po - 1] + 1 : P->min[lf];
	if (pstart < index)
		big_push(cur, A->slot[po], index - 1, 0, -1);
	big_push(cur, entry, last, 0, -1);
	if (B->pivot[qo] > last)
		big_push(cur, B->slot[qo], B->pivot[qo], 0, -1);
	big_copy(cur, B, qo + 1, B->nr - 1);
	big_merge_nulls(cur);
	unsigned long lo = P->min[lf], hi = Q->max[lf];

	/* the leaf keeps its place: 6.1's slot store, append, and node store outside RCU mode */
	if (P->enode[lf] == Q->enode[lf] && cur->nr <= mt_slots_t(maple_leaf_64) &&
	    (cur->nr >= mt_min_slots_t(maple_leaf_64) || h == 1 || bulk)) {
		bool same_prefix = cur->nr >= A->nr;
		for (unsigned i = 0; same_prefix && i + 1 < A->nr; i++)
			same_prefix = A->slot[i] == cur->slot[i] && A->pivot[i] == cur->pivot[i];
		bool same_pivots = cur->nr == A->nr;
		for (unsigned i = 0; same_pivots && i < A->nr; i++)
			same_pivots = A->pivot[i] == cur->pivot[i];
		plan_new_node(pl, cur, 0, cur->nr, lo, hi);
		if (!mt_in_rcu(mt) || same_prefix || same_pivots) {
			pl->inplace_leaf = true;
			pl->link_level = (int)lf - 1;
			pl->link_off = lf ? P->off[lf - 1] : 0;
			return;
		}
		plan_free_node(pl, P->enode[lf]);
		pl->link_level = (int)lf - 1;
		pl->link_off = lf ? P->off[lf - 1] : 0;
		return;
	}

	unsigned char curL[MAPLE_HEIGHT_MAX], curR[MAPLE_HEIGHT_MAX];
	memcpy(curL, P->off, sizeof(curL));
	memcpy(curR, Q->off, sizeof(curR));
	for (int k = (int)lf; k >= 0; k--) {
		unsigned long L = P->enode[k], R = Q->enode[k];
		enum maple_type t = cur->type;
		unsigned S = mt_slots_t(t);
		bool absorbed = false;
		int forced = -1;                /* a push into a sibling fixes the split */
		unsigned long sib_left = 0, sib_right = 0;
		unsigned long pr = k ? Q->enode[k - 1] : 0, pll = k ? P->enode[k - 1] : 0;
		enum maple_type ptype = k ? mte_type(pr) : t;
		void *rn = k ? mn_host(mte_kva(pr)) : NULL, *ln = k ? mn_host(mte_kva(pll)) : NULL;
		bool has_right = k && curR[k - 1] < Q->end[k - 1], has_left = k && curL[k - 1] > 0;
		unsigned long r_smin = 0, r_smax = 0, l_smin = 0, l_smax = 0;
		if (has_right) {
			unsigned s = curR[k - 1] + 1u;
			r_smin = mn_slot_min(rn, s, Q->min[k - 1]);
			r_smax = mn_slot_max(rn, ptype, s, Q->end[k - 1], Q->max[k - 1]);
			sib_right = mn_get(rn, w_slot(ptype, s));
		}
		if (has_left) {
			unsigned s = curL[k - 1] - 1u;
			l_smin = mn_slot_min(ln, s, P->min[k - 1]);
			l_smax = mn_slot_max(ln, ptype, s, P->end[k - 1], P->max[k - 1]);
			sib_left = mn_get(ln, w_slot(ptype, s));
		}
		bool take_left = false, take_right = false;
		if (k > 0 && cur->nr > S) {
			/*
			 * 6.1's mas_push_data(): before splitting, share with the
			 * sibling on the left, else the right, when the two hold
			 * less than two nodes' worth (less a slot for a leaf and
			 * for the node that ends at ULONG_MAX).
			 */
			unsigned space = 2 * S - 2 - (t == maple_leaf_64) - (hi == mt_max());
			if (has_left) {
				mn_read(sib_left, l_smin, l_smax, A);
				take_left = (cur->nr - 1) + (A->nr - 1) < space;
			}
			if (!take_left && has_right) {
				mn_read(sib_right, r_smin, r_smax, A);
				take_right = (cur->nr - 1) + (A->nr - 1) < space;
			}
		} else if (k > 0 && cur->nr < mt_min_slots_t(t) && !bulk) {
			/* too little: take in a sibling (6.1's mas_rebalance), the right one first */
			take_right = has_right;
			take_left = !has_right && has_left;
		}
		if (take_right) {
			mn_read(sib_right, r_smin, r_smax, A);
			unsigned slot_total = (cur->nr - 1) + (A->nr - 1);
			big_copy(cur, A, 0, A->nr - 1);
			if (t == maple_leaf_64)
				big_merge_nulls(cur);
			if (cur->nr > S && cur->nr <= 2 * S)
				forced = (int)mt_no_null_split(cur, slot_total - (S - 2), S);
			hi = r_smax;
			curR[k - 1]++;
			absorbed = true;
		} else if (take_left) {
			mn_read(sib_left, l_smin, l_smax, A);
			nxt->type = t;
			nxt->nr = 0;
			big_copy(nxt, A, 0, A->nr - 1);
			for (unsigned i = 0; i < cur->nr; i++)
				big_push(nxt, cur->slot[i], cur->pivot[i], cur->gap[i], cur->newref[i]);
			if (t == maple_leaf_64)
				big_merge_nulls(nxt);
			struct mt_big *tmp = cur;
			cur = nxt;
			nxt = tmp;
			if (cur->nr > S && cur->nr <= 2 * S)
				forced = (int)mt_no_null_split(cur, S - 2, S);
			lo = l_smin;
			curL[k - 1]--;
			absorbed = true;
		}
		/*
		 * The old nodes of this level in index order, and the subtrees
		 * between the two paths.  Outside RCU mode the old nodes are
		 * overwritten by the new ones (6.1 reuses nodes so: a bulk
		 * load's split costs one node, a push none); in RCU mode every
		 * node is new and the old ones go.
		 */
		unsigned long old[4];
		unsigned nold = 0;
		if (take_left)
			old[nold++] = sib_left;
		old[nold++] = L;
		if (R != L)
			old[nold++] = R;
		if (take_right)
			old[nold++] = sib_right;
		if (k < (int)lf) {
			enum maple_type lt = mte_type(L);
			void *lnode = mn_host(mte_kva(L)), *rnode = mn_host(mte_kva(R));
			if (L == R) {
				for (unsigned i = P->off[k] + 1u; i < Q->off[k]; i++)
					plan_free_tree(pl, mn_get(lnode, w_slot(lt, i)),
						       mn_slot_max(lnode, lt, i, P->end[k], P->max[k]));
			} else {
				for (unsigned i = P->off[k] + 1u; i <= P->end[k]; i++)
					plan_free_tree(pl, mn_get(lnode, w_slot(lt, i)),
						       mn_slot_max(lnode, lt, i, P->end[k], P->max[k]));
				for (unsigned i = 0; i < Q->off[k]; i++)
					plan_free_tree(pl, mn_get(rnode, w_slot(lt, i)),
						       mn_slot_max(rnode, lt, i, Q->end[k], Q->max[k]));
			}
		}
		/* the new nodes of this level */
		unsigned cut[3], m;
		if (forced >= 0) {
			cut[0] = (unsigned)forced;
			m = 2;
		} else {
			m = mt_calc_split(mas, cur, cut);
		}
		int ref[4];
		unsigned from = 0;
		unsigned long pmin = lo;
		for (unsigned j = 0; j < m; j++) {
			unsigned to = j == m - 1 ? cur->nr - 1 : cut[j];
			unsigned long pmax = j == m - 1 ? hi : cur->pivot[to];
			ref[j] = plan_new_node(pl, cur, from, to - from + 1, pmin, pmax);
			if (!mt_in_rcu(mt) && j < nold)
				pl->nn[ref[j]].reuse = mte_kva(old[j]);
			pmin = pmax + 1;
			from = to + 1;
		}
		for (unsigned j = mt_in_rcu(mt) ? 0 : m; j < nold; j++)
			plan_free_node(pl, old[j]);
		if (k > 0 && !absorbed && L == R && m == 1) {
			pl->link_level = k - 1;
			pl->link_off = P->off[k - 1];
			return;
		}
		if (k == 0) {
			pl->link_level = -1;
			if (m > 1) {
				nxt->type = mt_internal_type(mt);
				nxt->nr = 0;
				for (unsigned j = 0; j < m; j++)
					big_push(nxt, 0, pl->nn[ref[j]].max, pl->nn[ref[j]].gapmax, (short)ref[j]);
				plan_new_node(pl, nxt, 0, m, 0, mt_max());
				pl->new_height = h + 1;
			}
			return;
		}
		/* the content of the level above: kept slots left, the new nodes, kept slots right */
		nxt->type = mt_internal_type(mt);
		nxt->nr = 0;
		mn_read(P->enode[k - 1], P->min[k - 1], P->max[k - 1], A);
		if (curL[k - 1])
			big_copy(nxt, A, 0, curL[k - 1] - 1u);
		for (unsigned j = 0; j < m; j++)
			big_push(nxt, 0, pl->nn[ref[j]].max, pl->nn[ref[j]].gapmax, (short)ref[j]);
		mn_read(Q->enode[k - 1], Q->min[k - 1], Q->max[k - 1], B);
		big_copy(nxt, B, curR[k - 1] + 1u, B->nr - 1);
		lo = P->min[k - 1];
		hi = Q->max[k - 1];
		struct mt_big *tmp = cur;
		cur = nxt;
		nxt = tmp;
	}
}

/* Free a whole subtree (6.1's mt_destroy_walk: a node's leaf children in bulk, then the node). */
static void mt_free_subtree(unsigned long enode, unsigned long max)
{
	enum maple_type t = mte_type(enode);
	void *n = mn_host(mte_kva(enode));
	if (t != maple_leaf_64) {
		unsigned end = mn_data_end(n, t, max);
		void *leaves[MT_MAX_SLOTS];
		unsigned k = 0;
		for (unsigned i = 0; i <= end; i++) {
			unsigned long child = mn_get(n, w_slot(t, i));
			if (mte_type(child) == maple_leaf_64)
				leaves[k++] = mn_host(mte_kva(child));
			else
				mt_free_subtree(child, mn_slot_max(n, t, i, end, max));
		}
		if (k)
			kmem_cache_free_bulk(maple_node_cache, k, leaves);
	}
	mt_free_one(mte_kva(enode));
}

/* The largest gap a node records or holds. */
static unsigned long mn_max_gap(unsigned long enode, unsigned long min, unsigned long max)
{
	struct mt_big b;
	mn_read(enode, min, max, &b);
	return big_max_gap(&b, min, NULL);
}

/* 6.1's mas_update_gap(): the gap of slot off of each node on the path, upwards, while it changes. */
static void mt_update_gaps(struct maple_tree *mt, const struct mt_path *P, int level, unsigned long child_gap)
{
	if (!mt_is_alloc(mt))
		return;
	for (int k = level; k >= 0; k--) {
		unsigned long enode = P->enode[k];
		enum maple_type t = mte_type(enode);
		void *n = mn_host(mte_kva(enode));
		unsigned end = mn_data_end(n, t, P->max[k]), off = P->off[k];
		unsigned long before = 0, after = 0;
		unsigned char at = 0;
		for (unsigned i = 0; i <= end; i++)
			if (mn_get(n, w_gap(t, i)) > before)
				before = mn_get(n, w_gap(t, i));
		mn_set(n, w_gap(t, off), child_gap);
		for (unsigned i = 0; i <= end; i++)
			if (mn_get(n, w_gap(t, i)) > after) {
				after = mn_get(n, w_gap(t, i));
				at = (unsigned char)i;
			}
		meta_of(n, t)[1] = at;
		if (before == after)
			return;
		child_gap = after;
	}
}

static inline unsigned long nb_enode(const struct mt_plan *pl, int ref)
{
	return mt_mk_node(pl->nn[ref].kva, pl->nn[ref].type);
}

/* Write the nodes of a plan: 6.1's mas_commit_b_node/mas_replace, in an order no step can fail. */
static void mt_commit(struct ma_state *mas, struct mt_plan *pl)
{
	struct maple_tree *mt = mas->tree;
	if (pl->inplace_leaf) {
		struct mt_nbuf *nb = &pl->nn[0];
		unsigned lf = pl->P.h - 1;
		unsigned long kva = mte_kva(pl->P.enode[lf]);
		unsigned long parent = mn_get(mn_host(kva), 0);
		struct mt_big b;
		b.type = nb->type;
		b.nr = nb->nr;
		for (unsigned i = 0; i < nb->nr; i++) {
			b.slot[i] = nb->slot[i];
			b.pivot[i] = nb->pivot[i];
			b.gap[i] = 0;
		}
		mn_write(kva, &b, 0, b.nr, nb->min, nb->max, parent);
		if (pl->link_level >= 0)
			mt_update_gaps(mt, &pl->P, pl->link_level, nb->gapmax);
		pl->nr_new = 0;
		return;
	}
	for (unsigned i = 0; i < pl->nr_new; i++)
		pl->nn[i].kva = pl->nn[i].reuse ? pl->nn[i].reuse : mas_pop_node(mas);
	for (unsigned i = 0; i < pl->nr_new; i++) {
		struct mt_nbuf *nb = &pl->nn[i];
		struct mt_big b;
		b.type = nb->type;
		b.nr = nb->nr;
		for (unsigned j = 0; j < nb->nr; j++) {
			b.slot[j] = nb->newref[j] >= 0 ? nb_enode(pl, nb->newref[j]) : nb->slot[j];
			b.pivot[j] = nb->pivot[j];
			b.gap[j] = nb->gap[j];
		}
		mn_write(nb->kva, &b, 0, b.nr, nb->min, nb->max, 0);
		mt_set_children_parent(nb->kva, nb->type, nb->max);
	}
	int top = (int)pl->nr_new - 1;
	unsigned long top_enode = nb_enode(pl, top);
	if (pl->link_level >= 0) {
		unsigned long pkva = mte_kva(pl->P.enode[pl->link_level]);
		enum maple_type pt = mte_type(pl->P.enode[pl->link_level]);
		mn_set(mn_host(pl->nn[top].kva), 0, mt_parent_word(pkva, pl->link_off));
		mn_set(mn_host(pkva), w_slot(pt, pl->link_off), top_enode);
	} else {
		mn_set(mn_host(pl->nn[top].kva), 0, mt_root_parent_word(mt));
		mt->ma_root = top_enode | MAPLE_ROOT_NODE;
		mt_set_height(mt, pl->new_height);
	}
	for (unsigned i = 0; i < pl->nr_tree; i++)
		mt_free_subtree(pl->free_tree[i], pl->free_tree_max[i]);
	for (unsigned i = 0; i < pl->nr_free; i++)
		mt_free_one(mte_kva(pl->free_node[i]));
	if (pl->link_level >= 0)
		mt_update_gaps(mt, &pl->P, pl->link_level, pl->nn[top].gapmax);
}

/* After a write: a root with one child gives way to it; a leaf root of one NULL range empties the tree. */
static void mt_shrink_root(struct maple_tree *mt)
{
	while (mt->ma_root) {
		unsigned long enode = mt_root_enode(mt);
		enum maple_type t = mte_type(enode);
		void *n = mn_host(mte_kva(enode));
		if (mn_data_end(n, t, mt_max()) != 0)
			return;
		unsigned long slot = mn_get(n, w_slot(t, 0));
		if (t == maple_leaf_64 && slot)
			return; /* one entry over everything */
		mt_free_one(mte_kva(enode));
		if (t == maple_leaf_64) {
			mt->ma_root = 0;
			mt_set_height(mt, 0);
			return;
		}
		mn_set(mn_host(mte_kva(slot)), 0, mt_root_parent_word(mt));
		mt->ma_root = slot | MAPLE_ROOT_NODE;
		mt_set_height(mt, mt_height(mt) - 1);
	}
}

/* xarray's internal entries below 1027 (2, 6, ... XA_RETRY_ENTRY): a tree cannot hold them. */
static inline bool xa_is_advanced(unsigned long entry)
{
	return (entry & 3) == 2 && entry <= 1026;
}

static int mt_check_store(struct ma_state *mas, unsigned long index, unsigned long last, unsigned long entry)
{
	if (index > last || last > mt_max())
		return -EINVAL;
	if (WARN_ON_ONCE_AT(xa_is_advanced(entry) || entry > mt_max(), "mt_check_store"))
		return -EINVAL;
	return 0;
}

/*
 * Store entry over [mas->index, mas->last]: plan, find the nodes (from the
 * state's preallocation, else allocated with gfp), commit.  0 or -errno;
 * on error the tree is as it was.
 */
static int mas_wr_store(struct ma_state *mas, unsigned long entry, gfp_t gfp, unsigned long *old)
{
	struct maple_tree *mt = mas->tree;
	unsigned long index = mas->index, last = mas->last;
	struct mt_plan *pl = &mt_plan_buf;
	int ret = mt_check_store(mas, index, last, entry);
	if (old)
		*old = 0;
	if (ret)
		return ret;
	if (!mt->ma_root) {
		if (!entry)
			return 0;
		/* 6.1's mas_root_expand(): one leaf */
		struct mt_big *b = &(struct mt_big){ .type = maple_leaf_64 };
		if (index)
			big_push(b, 0, index - 1, 0, -1);
		big_push(b, entry, last, 0, -1);
		if (last < mt_max())
			big_push(b, 0, mt_max(), 0, -1);
		pl->nr_new = pl->nr_free = pl->nr_tree = 0;
		pl->inplace_leaf = false;
		pl->link_level = -1;
		pl->new_height = 1;
		plan_new_node(pl, b, 0, b->nr, 0, mt_max());
	} else {
		if (!entry) {
			/* a NULL store takes in the NULL ranges beside it: two never touch */
			unsigned long s, e;
			if (index && !mt_lookup(mt, index - 1, &s, &e))
				index = s;
			if (last < mt_max() && !mt_lookup(mt, last + 1, &s, &e))
				last = e;
		}
		mt_plan_store(mas, index, last, entry, pl);
	}
	unsigned need = 0;
	for (unsigned i = 0; !pl->inplace_leaf && i < pl->nr_new; i++)
		need += !pl->nn[i].reuse;
	if (mas_allocated(mas) < need) {
		ret = mas_node_count_gfp(mas, need, gfp);
		if (ret)
			return ret;
	}
	if (old)
		*old = mt->ma_root ? pl->old_entry : 0;
	mt_commit(mas, pl);
	mt_shrink_root(mt);
	mas->node = MAS_START;
	return 0;
}

void *mas_store(struct ma_state *mas, void *entry)
{
	unsigned long old;
	int ret = mas_wr_store(mas, (unsigned long)entry, GFP_NOWAIT | __GFP_NOWARN, &old);
	if (ret) {
		mas->node = MA_ERROR(ret);
		return NULL;
	}
	return (void *)old;
}

int mas_store_gfp(struct ma_state *mas, void *entry, gfp_t gfp)
{
	int ret = mas_wr_store(mas, (unsigned long)entry, gfp, NULL);
	if (ret == -ENOMEM || !ret)
		mas_destroy(mas); /* 6.1's mas_nomem(): what was allocated and not used goes back */
	if (ret)
		mas->node = MA_ERROR(ret);
	return ret;
}

void mas_store_prealloc(struct ma_state *mas, void *entry)
{
	int ret = mas_wr_store(mas, (unsigned long)entry, GFP_NOWAIT | __GFP_NOWARN, NULL);
	MM_BUG_ON(ret == -ENOMEM); /* the preallocation covers every write */
	if (ret)
		mas->node = MA_ERROR(ret);
	mas_destroy(mas);
}

/* 6.1's mas_erase(): the entry holding mas->index goes, its whole range; returns it. */
void *mas_erase(struct ma_state *mas)
{
	unsigned long s, e;
	unsigned long entry = mt_lookup(mas->tree, mas->index, &s, &e);
	if (!entry)
		return NULL;
	mas->index = s;
	mas->last = e;
	int ret = mas_wr_store(mas, 0, GFP_KERNEL, NULL);
	mas_destroy(mas);
	if (ret) {
		mas->node = MA_ERROR(ret);
		return NULL;
	}
	return (void *)entry;
}

int mas_preallocate(struct ma_state *mas, void *entry, gfp_t gfp)
{
	(void)entry;
	mas->mas_flags &= ~MA_STATE_PREALLOC;
	int ret = mas_node_count_gfp(mas, 1 + mt_height(mas->tree) * 3, gfp);
	if (!ret) {
		mas->mas_flags |= MA_STATE_PREALLOC;
		return 0;
	}
	mas_destroy(mas);
	mas_reset(mas);
	return ret;
}

int mas_expected_entries(struct ma_state *mas, unsigned long nr_entries)
{
	unsigned long nonleaf_cap = mt_slots_t(maple_arange_64) - 2, leaf_cap = mt_slots_t(maple_leaf_64) - 2;
	mas->mas_flags |= MA_STATE_BULK;
	/* as 6.1: a gap beside every entry and a NULL at the end */
	unsigned long nr_nodes = nr_entries * 2 + 1 > nr_entries ? nr_entries * 2 + 1 : nr_entries;
	if (!mt_is_alloc(mas->tree))
		nonleaf_cap = mt_slots_t(maple_range_64) - 2;
	nr_nodes = (nr_nodes + leaf_cap - 1) / leaf_cap;
	nr_nodes += (nr_nodes + nonleaf_cap - 1) / nonleaf_cap;
	int ret = mas_node_count_gfp(mas, nr_nodes + 3, GFP_KERNEL);
	mas->mas_flags |= MA_STATE_PREALLOC;
	if (!ret)
		return 0;
	mas_destroy(mas);
	return ret;
}

int mtree_store_range(struct maple_tree *mt, unsigned long first, unsigned long last, void *entry, gfp_t gfp)
{
	MA_STATE(mas, mt, first, last);
	if (first > last)
		return -EINVAL;
	return mas_store_gfp(&mas, entry, gfp);
}

int mtree_store(struct maple_tree *mt, unsigned long index, void *entry, gfp_t gfp)
{
	return mtree_store_range(mt, index, index, entry, gfp);
}

int mtree_insert_range(struct maple_tree *mt, unsigned long first, unsigned long last, void *entry, gfp_t gfp)
{
	if (first > last || last > mt_max())
		return -EINVAL;
	if (!entry)
		return -EINVAL; /* 6.1: mtree_insert_range() of NULL is refused */
	MA_STATE(mas, mt, first, first);
	if (mas_find(&mas, last))
		return -EEXIST;
	return mtree_store_range(mt, first, last, entry, gfp);
}

int mtree_insert(struct maple_tree *mt, unsigned long index, void *entry, gfp_t gfp)
{
	return mtree_insert_range(mt, index, index, entry, gfp);
}

void *mtree_erase(struct maple_tree *mt, unsigned long index)
{
	MA_STATE(mas, mt, index, index);
	return mas_erase(&mas);
}

void __mt_destroy(struct maple_tree *mt)
{
	if (mt->ma_root)
		mt_free_subtree(mt_root_enode(mt), mt_max());
	mt->ma_root = 0;
	mt_set_height(mt, 0);
}

void mtree_destroy(struct maple_tree *mt)
{
	__mt_destroy(mt);
	kmm_mt_unregister(mt);
}

/* ---- gaps: where get_unmapped_area() finds room --------------------------------------- */

/*
 * The lowest (rev: highest) [a, a + size - 1] inside [min, max] that is
 * all NULL, searched depth first; an arange node's recorded gaps skip
 * subtrees without room.  true and *found = a when there is one.
 */
static bool mt_gap_search(unsigned long enode, unsigned long nmin, unsigned long nmax, unsigned long min,
			  unsigned long max, unsigned long size, bool rev, unsigned long *found)
{
	enum maple_type t = mte_type(enode);
	void *n = mn_host(mte_kva(enode));
	unsigned end = mn_data_end(n, t, nmax);
	for (unsigned j = 0; j <= end; j++) {
		unsigned i = rev ? end - j : j;
		unsigned long smin = mn_slot_min(n, i, nmin), smax = mn_slot_max(n, t, i, end, nmax);
		if (smax < min || smin > max)
			continue;
		unsigned long slot = mn_get(n, w_slot(t, i));
		if (t == maple_leaf_64) {
			if (slot)
				continue;
			unsigned long lo = smin > min ? smin : min, hi = smax < max ? smax : max;
			if (hi - lo < size - 1)
				continue;
			*found = rev ? hi - size + 1 : lo;
			return true;
		}
		if (t == maple_arange_64 && mn_get(n, w_gap(t, i)) < size)
			continue;
		if (mt_gap_search(slot, smin, smax, min, max, size, rev, found))
			return true;
	}
	return false;
}

static int mas_empty_area_dir(struct ma_state *mas, unsigned long min, unsigned long max, unsigned long size,
			      bool rev)
{
	unsigned long found;
	if (min >= max || !size || max > mt_max() || size - 1 > max - min)
		return -EINVAL;
	if (!mas->tree->ma_root) {
		/* 6.1's mas_sparse_area(): everything is free */
		mas->index = rev ? max - size + 1 : min;
		mas->last = mas->index + size - 1;
		return 0;
	}
	if (!mt_gap_search(mt_root_enode(mas->tree), 0, mt_max(), min, max, size, rev, &found))
		return -EBUSY;
	mas->index = found;
	mas->last = found + size - 1;
	mas->node = MAS_START;
	return 0;
}

int mas_empty_area(struct ma_state *mas, unsigned long min, unsigned long max, unsigned long size)
{
	return mas_empty_area_dir(mas, min, max, size, false);
}

int mas_empty_area_rev(struct ma_state *mas, unsigned long min, unsigned long max, unsigned long size)
{
	return mas_empty_area_dir(mas, min, max, size, true);
}

/* ---- bulk loads (fork): the last leaf ------------------------------------------------------ */

/*
 * 6.1's mas_destroy_rebalance(): a bulk load leaves its last leaf short
 * (the splits favoured the left); with its left sibling the data is shared
 * out again, in place as 6.1 does outside RCU mode (a fork's new tree has
 * no readers yet).
 */
static void mas_bulk_rebalance(struct ma_state *mas)
{
	struct maple_tree *mt = mas->tree;
	struct mt_path p;
	if (!mt->ma_root || mt_height(mt) < 2)
		return;
	mt_walk_path(mt, mas->index <= mt_max() ? mas->index : mt_max(), &p);
	unsigned lf = p.h - 1, pl = lf - 1;
	if (p.end[lf] + 1u >= mt_min_slots_t(maple_leaf_64) - 1 || !p.off[pl])
		return;
	struct mt_big *b = &(struct mt_big){ .type = maple_leaf_64 }, *r = &(struct mt_big){ .nr = 0 };
	unsigned long parent = p.enode[pl];
	enum maple_type pt = mte_type(parent);
	void *pn = mn_host(mte_kva(parent));
	unsigned s = p.off[pl] - 1u;
	unsigned long lmin = mn_slot_min(pn, s, p.min[pl]), lmax = mn_slot_max(pn, pt, s, p.end[pl], p.max[pl]);
	unsigned long left = mn_get(pn, w_slot(pt, s));
	mn_read(left, lmin, lmax, b);
	mn_read(p.enode[lf], p.min[lf], p.max[lf], r);
	for (unsigned i = 0; i < r->nr; i++)
		big_push(b, r->slot[i], r->pivot[i], 0, -1);
	unsigned nl = b->nr - b->nr / 2;
	if (!b->slot[nl - 1] && nl > 1)
		nl--;
	unsigned long mid = b->pivot[nl - 1];
	mn_write(mte_kva(left), b, 0, nl, lmin, mid, mn_get(mn_host(mte_kva(left)), 0));
	mn_write(mte_kva(p.enode[lf]), b, nl, b->nr - nl, mid + 1, p.max[lf], mn_get(mn_host(mte_kva(p.enode[lf])), 0));
	mn_set(pn, w_pivot(s), mid);
	if (mt_is_alloc(mt)) {
		mn_set(pn, w_gap(pt, s), mn_max_gap(left, lmin, mid));
		p.off[pl] = (unsigned char)(s + 1);
		mt_update_gaps(mt, &p, (int)pl, mn_max_gap(p.enode[lf], mid + 1, p.max[lf]));
	}
}

/* ---- checks ---------------------------------------------------------------------------------- */

struct mt_vstate {
	char *why;
	size_t whylen;
	unsigned height;
	unsigned long nodes;     /* nodes seen */
	bool prev_null;          /* the previous leaf slot (in index order) was NULL */
	bool seen_slot;
};

#define MT_FAIL(v, ...) ({ snprintf((v)->why, (v)->whylen, __VA_ARGS__); -EINVAL; })

/* Check the node, its children; *gap gets its largest NULL range. */
static int mt_verify_node(struct maple_tree *mt, struct mt_vstate *v, unsigned long enode, unsigned long min,
			  unsigned long max, unsigned depth, unsigned long parent_word, unsigned long *gap)
{
	enum maple_type t = mte_type(enode);
	unsigned long kva = mte_kva(enode);
	if ((enode & 7) != MAPLE_ENODE_NULL || !kva || (kva & MAPLE_NODE_MASK))
		return MT_FAIL(v, "maple tree: node %#lx is not an encoded node", enode);
	bool leaf = depth == v->height - 1;
	if (leaf ? t != maple_leaf_64 : t != mt_internal_type(mt))
		return MT_FAIL(v, "maple tree: node %#lx at depth %u of %u has type %d", kva, depth, v->height, t);
	void *n = mn_host(kva);
	if (!n)
		return MT_FAIL(v, "maple tree: node %#lx is not kernel memory", kva);
	if (compound_head(virt_to_page(n))->slab_cache != maple_node_cache)
		return MT_FAIL(v, "maple tree: node %#lx is not a maple_node object", kva);
	v->nodes++;
	if (mn_get(n, 0) != parent_word)
		return MT_FAIL(v, "maple tree: node %#lx (%#lx-%#lx) has parent %#lx, expected %#lx", kva, min, max,
			       mn_get(n, 0), parent_word);
	unsigned S = mt_slots_t(t), end = mn_data_end(n, t, max);
	if (end >= S)
		return MT_FAIL(v, "maple tree: node %#lx ends at slot %u of %u", kva, end, S);
	unsigned long start = min, best = 0;
	for (unsigned i = 0; i <= end; i++) {
		unsigned long smax = mn_slot_max(n, t, i, end, max);
		if (smax < start || smax > max || (i == end && smax != max))
			return MT_FAIL(v, "maple tree: node %#lx (%#lx-%#lx) slot %u pivot %#lx out of order", kva, min,
				       max, i, smax);
		unsigned long slot = mn_get(n, w_slot(t, i)), g;
		if (leaf) {
			if (xa_is_advanced(slot))
				return MT_FAIL(v, "maple tree: leaf %#lx slot %u holds reserved value %#lx", kva, i, slot);
			if (!slot && v->seen_slot && v->prev_null)
				return MT_FAIL(v, "maple tree: two NULL ranges meet at %#lx (node %#lx slot %u)", start, kva,
					       i);
			v->prev_null = !slot;
			v->seen_slot = true;
			g = slot ? 0 : smax - start + 1;
		} else {
			if (!slot)
				return MT_FAIL(v, "maple tree: node %#lx slot %u has no child", kva, i);
			int ret = mt_verify_node(mt, v, slot, start, smax, depth + 1, mt_parent_word(kva, i), &g);
			if (ret)
				return ret;
			if (t == maple_arange_64 && mn_get(n, w_gap(t, i)) != g)
				return MT_FAIL(v, "maple tree: node %#lx slot %u records gap %#lx, its child has %#lx", kva,
					       i, mn_get(n, w_gap(t, i)), g);
		}
		if (g > best)
			best = g;
		start = smax + 1;
	}
	if (t == maple_arange_64) {
		unsigned at = meta_of(n, t)[1];
		if (at > end || mn_get(n, w_gap(t, at)) != best)
			return MT_FAIL(v, "maple tree: node %#lx meta gap slot %u, the largest gap (%#lx) is elsewhere", kva,
				       at, best);
	}
	/* unused pivots are 0, as ma_data_end() needs */
	for (unsigned i = end + 1; i < S - 1; i++)
		if (mn_get(n, w_pivot(i)))
			return MT_FAIL(v, "maple tree: node %#lx pivot %u past the end is %#lx", kva, i, mn_get(n, w_pivot(i)));
	*gap = best;
	return 0;
}

int mt_verify(struct maple_tree *mt, char *why, size_t whylen)
{
	struct mt_vstate v = { .why = why, .whylen = whylen, .height = mt_height(mt) };
	unsigned long gap;
	int ret;
	if (!mt->ma_root)
		return v.height ? MT_FAIL(&v, "maple tree: empty with height %u", v.height) : 0;
	if (!(mt->ma_root & MAPLE_ROOT_NODE))
		return MT_FAIL(&v, "maple tree: root %#lx is not a node", mt->ma_root);
	if (!v.height || v.height > MAPLE_HEIGHT_MAX)
		return MT_FAIL(&v, "maple tree: height %u", v.height);
	ret = mt_verify_node(mt, &v, mt_root_enode(mt), 0, mt_max(), 0, mt_root_parent_word(mt), &gap);
	return ret;
}

int mt_validate(struct maple_tree *mt)
{
	char why[200];
	int ret = mt_verify(mt, why, sizeof(why));
	if (ret) {
		pr_err("%s\n", why);
		WARN_ON_ONCE_AT(1, "mt_validate");
	}
	return ret;
}

static unsigned long mt_count_nodes(unsigned long enode, unsigned long max)
{
	enum maple_type t = mte_type(enode);
	if (t == maple_leaf_64)
		return 1;
	void *n = mn_host(mte_kva(enode));
	unsigned end = mn_data_end(n, t, max);
	unsigned long c = 1;
	for (unsigned i = 0; i <= end; i++)
		c += mt_count_nodes(mn_get(n, w_slot(t, i)), mn_slot_max(n, t, i, end, max));
	return c;
}

unsigned long mt_nr_nodes(struct maple_tree *mt)
{
	return mt->ma_root ? mt_count_nodes(mt_root_enode(mt), mt_max()) : 0;
}

static void mt_dump_node(unsigned long enode, unsigned long min, unsigned long max, unsigned depth)
{
	enum maple_type t = mte_type(enode);
	void *n = mn_host(mte_kva(enode));
	unsigned end = mn_data_end(n, t, max);
	static const char *const names[] = { "dense", "leaf_64", "range_64", "arange_64" };
	int w = M->prof->bits / 4;
	printk(KERN_INFO "%*s%0*lx-%0*lx: node %0*lx (%s) depth %u end %u\n", (int)depth * 2, "", w, min, w, max, w,
	       mte_kva(enode), names[t & 3], depth, end);
	for (unsigned i = 0; i <= end; i++) {
		unsigned long smin = mn_slot_min(n, i, min), smax = mn_slot_max(n, t, i, end, max);
		unsigned long slot = mn_get(n, w_slot(t, i));
		if (t == maple_leaf_64)
			printk(KERN_INFO "%*s%0*lx-%0*lx: %0*lx\n", (int)depth * 2 + 2, "", w, smin, w, smax, w, slot);
		else
			mt_dump_node(slot, smin, smax, depth + 1);
	}
}

void mt_dump(struct maple_tree *mt)
{
	printk(KERN_INFO "maple_tree(%#x) flags %X, height %u root %#lx\n", 0, mt->ma_flags, mt_height(mt), mt->ma_root);
	if (mt->ma_root)
		mt_dump_node(mt_root_enode(mt), 0, mt_max(), 0);
}

/* ---- trees kmm_verify() checks ------------------------------------------------------------ */

#define MT_REGISTERED_MAX 64
static struct maple_tree *mt_registered[MT_REGISTERED_MAX]; /* host side: checked by kmm_verify() */
static pthread_mutex_t mt_registered_lock = PTHREAD_MUTEX_INITIALIZER;

static void mt_registered_reset(void)
{
	pthread_mutex_lock(&mt_registered_lock);
	memset(mt_registered, 0, sizeof(mt_registered));
	pthread_mutex_unlock(&mt_registered_lock);
}

void kmm_mt_register(struct maple_tree *mt)
{
	pthread_mutex_lock(&mt_registered_lock);
	for (int i = 0; i < MT_REGISTERED_MAX; i++)
		if (!mt_registered[i] || mt_registered[i] == mt) {
			mt_registered[i] = mt;
			break;
		}
	pthread_mutex_unlock(&mt_registered_lock);
}

void kmm_mt_unregister(struct maple_tree *mt)
{
	pthread_mutex_lock(&mt_registered_lock);
	for (int i = 0; i < MT_REGISTERED_MAX; i++)
		if (mt_registered[i] == mt)
			mt_registered[i] = NULL;
	pthread_mutex_unlock(&mt_registered_lock);
}

int mt_verify_registered(char *why, size_t whylen)
{
	int ret = 0;
	pthread_mutex_lock(&mt_registered_lock);
	for (int i = 0; i < MT_REGISTERED_MAX && !ret; i++)
		if (mt_registered[i])
			ret = mt_verify(mt_registered[i], why, whylen);
	pthread_mutex_unlock(&mt_registered_lock);
	return ret;
}
