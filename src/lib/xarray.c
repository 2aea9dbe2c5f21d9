/*
 * xarray.c - the shape of 6.1's xarray (lib/xarray.c) under a file's
 * page cache: which radix_tree_node objects a mapping's pages and swap
 * entries would need, allocated and freed as Linux's tree grows and
 * shrinks, so that slabinfo's radix_tree_node line is the kernel's.  The
 * pages themselves stay in the mapping's flat array (src/mm/filemap.c);
 * every call is made with filemap_lock held.
 *
 * Linux 6.1 keeps a file's pages in an xarray: 64-slot nodes
 * (XA_CHUNK_SHIFT 6) from the radix_tree_node cache.  A lone page at
 * index 0 sits in the head and needs no node; otherwise the tree is as tall
 * as the highest index needs (h levels: max_index < 64^h), and a node of
 * level l (0: the leaves) exists for each 64^(l+1)-aligned chunk that holds
 * a page - xas_store adds the missing ones, deleting a page frees the
 * nodes it leaves empty and xas_shrink the top ones that lead only to slot
 * 0.  kmm keeps the pages in a flat array and models just that shape: per
 * level, how many pages each chunk holds, and the node object of each
 * occupied chunk, in which it writes the node's shift and offset.
 *
 *   h = 2:        [level 1, chunk 0]             shift 6
 *                  /                 \
 *   [level 0, chunk 0]   ...   [level 0, chunk 63]    shift 0, pages 0..4095
 *
 * Invariants (filemap_verify checks them through xa_nodes_recount): a
 * node exists exactly for each occupied chunk of each level below the
 * height, and nr_nodes counts them; spare nodes are had before the tree
 * changes (xa_insert), so a failed allocation leaves it as it was.
 * Locking: filemap_lock, held by every caller; an allocation made here may
 * run reclaim, which may delete entries of this very mapping (it knows the
 * lock is held), so what is wanted is counted again after it.
 */
#include "internal.h"
#include "kernel/kobj.h"
#include "lib/xarray.h"

#define XA_CHUNK_SHIFT 6
#define XA_MAX_LEVELS ((int)((sizeof(unsigned long) * 8 + XA_CHUNK_SHIFT - 1) / XA_CHUNK_SHIFT))

struct xa_level {
	unsigned long *pages; /* [chunk]: pages whose index >> (6 * (level + 1)) is chunk */
	void **node;          /* [chunk]: its radix_tree_node object, or NULL */
	unsigned long n;      /* entries of both */
};

struct xa_nodes {
	struct xa_level level[XA_MAX_LEVELS];
	unsigned long max_index; /* the highest index cached (nrpages > 0) */
	int height;              /* levels of nodes: 0 with no page or only index 0 */
	unsigned long nr_nodes;  /* node objects held */
	void *spare[2 * XA_MAX_LEVELS]; /* nodes xa_insert had before changing the tree, not yet placed */
	int nr_spare, next_spare;
};

/*
 * An index the xarray holds an entry for: a page, or - in a shmem file -
 * the swap entry of a page out on swap (a value entry in 6.1, where a
 * named file's shadows are not counted: see workingset.c).
 */
static bool xa_present(const struct address_space *m, unsigned long k)
{
	return k < m->nr_slots && (m->pages[k] || (m->host->shmem && m->shadows && m->shadows[k]));
}

/* The entries xa_present finds (filemap_lock held). */
static unsigned long xa_entries(const struct address_space *m)
{
	return m->nrpages + m->host->swapped;
}

static int xa_height_for(unsigned long max_index)
{
	int h = 0;
	while (h < XA_MAX_LEVELS && max_index >> (XA_CHUNK_SHIFT * h))
		h++;
	return h;
}

static unsigned long xa_chunk(unsigned long index, int l)
{
	unsigned int shift = XA_CHUNK_SHIFT * (unsigned)(l + 1);
	return shift >= sizeof(unsigned long) * 8 ? 0 : index >> shift;
}

/* Make (l, c)'s node exist exactly when it should: 0, or -ENOMEM if it could not be had. */
static int xa_reconcile(struct xa_nodes *xa, int l, unsigned long c)
{
	struct xa_level *lv = &xa->level[l];
	bool want = l < xa->height && c < lv->n && lv->pages[c];
	void *node = c < lv->n ? lv->node[c] : NULL;
	if (want && !node) {
		if (xa->next_spare < xa->nr_spare)
			node = xa->spare[xa->next_spare++];
		else if (!(node = kobj_alloc(KOBJ_RADIX)))
			return -ENOMEM;
		unsigned char shift = (unsigned char)(XA_CHUNK_SHIFT * l), offset = (unsigned char)(c & 63);
		memcpy(node, &shift, 1);          /* xa_node.shift */
		memcpy((char *)node + 1, &offset, 1); /* xa_node.offset: its slot in the parent */
		lv->node[c] = node;
		xa->nr_nodes++;
	} else if (!want && node) {
		kobj_free(KOBJ_RADIX, node);
		lv->node[c] = NULL;
		xa->nr_nodes--;
	}
	return 0;
}

/* Every node a change at index (and a change of height) may concern: index's chunks and chunk 0, at each level. */
static int xa_reconcile_around(struct xa_nodes *xa, unsigned long index)
{
	int ret = 0;
	for (int l = 0; l < XA_MAX_LEVELS; l++) {
		ret |= xa_reconcile(xa, l, xa_chunk(index, l));
		ret |= xa_reconcile(xa, l, 0);
	}
	return ret;
}

/* Room in every level's arrays for index's chunks: 0 or -ENOMEM. */
static int xa_grow(struct xa_nodes *xa, unsigned long index)
{
	for (int l = 0; l < XA_MAX_LEVELS; l++) {
		struct xa_level *lv = &xa->level[l];
		unsigned long c = xa_chunk(index, l);
		if (c < lv->n)
			continue;
		unsigned long n = max(c + 1, 2 * lv->n);
		unsigned long *pages = realloc(lv->pages, n * sizeof(*pages));
		if (pages)
			lv->pages = pages;
		void **node = pages ? realloc(lv->node, n * sizeof(*node)) : NULL;
		if (!node)
			return -ENOMEM;
		lv->node = node;
		memset(lv->pages + lv->n, 0, (n - lv->n) * sizeof(*lv->pages));
		memset(lv->node + lv->n, 0, (n - lv->n) * sizeof(*lv->node));
		lv->n = n;
	}
	return 0;
}

/*
 * A page is about to go in at index (not yet in m->pages): the nodes it
 * needs are allocated, or -ENOMEM with the tree as it was (xas_nomem's
 * failure).
 */
/* The nodes a page going in at index would add (xa_reconcile_around's, after the change, counted before it). */
static int xa_nodes_wanted(const struct address_space *m, unsigned long index)
{
	const struct xa_nodes *xa = m->xa;
	int h = xa_height_for(m->nrpages ? max(xa->max_index, index) : index), need = 0;
	for (int l = 0; l < h; l++) {
		const struct xa_level *lv = &xa->level[l];
		unsigned long c = xa_chunk(index, l);
		need += !lv->node[c];                        /* index's chunk holds a page then */
		need += c && lv->pages[0] && !lv->node[0];   /* chunk 0, if it holds one */
	}
	return need;
}

/* The spare nodes not placed go back. */
static void xa_spare_free(struct xa_nodes *xa)
{
	while (xa->next_spare < xa->nr_spare)
		kobj_free(KOBJ_RADIX, xa->spare[xa->next_spare++]);
	xa->nr_spare = xa->next_spare = 0;
}

int xa_insert(struct address_space *m, unsigned long index)
{
	if (!m->xa && !(m->xa = calloc(1, sizeof(*m->xa))))
		return -ENOMEM;
	struct xa_nodes *xa = m->xa;
	if (xa_grow(xa, index))
		return -ENOMEM;
	/*
	 * xas_nomem's order: the nodes are had before the tree changes.  An
	 * allocation may run reclaim, which may evict pages of this very file
	 * (filemap_lock is held: reclaim knows) and so change the tree; it
	 * must find the tree whole, and what is wanted is counted again after.
	 */
	for (int need; (need = xa_nodes_wanted(m, index)) > xa->nr_spare;) {
		void *node = need <= (int)ARRAY_SIZE(xa->spare) ? kobj_alloc(KOBJ_RADIX) : NULL;
		if (!node) {
			xa_spare_free(xa);
			return -ENOMEM;
		}
		xa->spare[xa->nr_spare++] = node;
	}
	unsigned long old_max = xa->max_index;
	int old_height = xa->height;
	for (int l = 0; l < XA_MAX_LEVELS; l++)
		xa->level[l].pages[xa_chunk(index, l)]++;
	xa->max_index = xa_entries(m) ? max(old_max, index) : index;
	xa->height = xa_height_for(xa->max_index);
	int ret = xa_reconcile_around(xa, index);
	xa_spare_free(xa);
	if (!ret)
		return 0;
	/* undo: the counts and height as they were free what was allocated */
	for (int l = 0; l < XA_MAX_LEVELS; l++)
		xa->level[l].pages[xa_chunk(index, l)]--;
	xa->max_index = old_max;
	xa->height = old_height;
	xa_reconcile_around(xa, index);
	return -ENOMEM;
}

/*
 * The entry at index left (m->pages, or a shmem file's swap entry, and the
 * counts already say so): the nodes it leaves empty go, and the top ones
 * xas_shrink drops.
 */
void xa_delete(struct address_space *m, unsigned long index)
{
	struct xa_nodes *xa = m->xa;
	for (int l = 0; l < XA_MAX_LEVELS; l++)
		xa->level[l].pages[xa_chunk(index, l)]--;
	if (xa_entries(m) && index == xa->max_index)
		while (xa->max_index && !xa_present(m, xa->max_index))
			xa->max_index--;
	if (!xa_entries(m))
		xa->max_index = 0;
	xa->height = xa_entries(m) ? xa_height_for(xa->max_index) : 0;
	xa_reconcile_around(xa, index); /* frees only: it cannot fail */
}

void xa_destroy(struct address_space *m)
{
	if (!m->xa)
		return;
	MM_BUG_ON(m->xa->nr_nodes);
	for (int l = 0; l < XA_MAX_LEVELS; l++) {
		free(m->xa->level[l].pages);
		free(m->xa->level[l].node);
	}
	free(m->xa);
	m->xa = NULL;
}

/* The nodes the cached indices call for, recounted from m->pages: the check of the model. */
unsigned long xa_nodes_recount(const struct address_space *m)
{
	unsigned long max_index = 0, nodes = 0;
	for (unsigned long k = 0; k < m->nr_slots; k++)
		if (xa_present(m, k))
			max_index = k;
	int h = xa_entries(m) ? xa_height_for(max_index) : 0;
	for (int l = 0; l < h; l++) {
		unsigned long last = ~0UL;
		for (unsigned long k = 0; k < m->nr_slots; k++)
			if (xa_present(m, k) && xa_chunk(k, l) != last) {
				last = xa_chunk(k, l);
				nodes++;
			}
	}
	return nodes;
}

unsigned long xa_nodes_held(const struct address_space *m)
{
	return m->xa ? m->xa->nr_nodes : 0;
}
