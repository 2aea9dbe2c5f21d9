/* xarray.h - the page cache's radix_tree_node objects (lib/xarray.c), filemap_lock held */
#ifndef KMM_LIB_XARRAY_H
#define KMM_LIB_XARRAY_H

struct address_space;

/* index gains an entry: the nodes it needs are had first; 0 or -ENOMEM with nothing changed */
int xa_insert(struct address_space *m, unsigned long index);
/* index loses its entry: the nodes left empty go, and the top ones that lead only to slot 0 */
void xa_delete(struct address_space *m, unsigned long index);
/* every node of the mapping goes (the inode is evicted) */
void xa_destroy(struct address_space *m);
/* the node objects the mapping holds */
unsigned long xa_nodes_held(const struct address_space *m);
/* the nodes the mapping's entries need, counted from scratch (filemap_verify) */
unsigned long xa_nodes_recount(const struct address_space *m);

#endif
