/*
 * filemap.c - the page cache and the files behind it, as Linux 6.1's
 * mm/filemap.c, mm/truncate.c and (for shared anonymous memory) mm/shmem.c
 * arrange them, over a store that stands in for a disk filesystem.
 *
 * A file is an inode: a name in the store (the root filesystem on sda1,
 * device 08:01, inode numbers from 12 as a fresh ext4's first files), its
 * size, its bytes on the simulated disk (host memory, outside simulated
 * RAM) and its address_space - the page cache, an array of the pages that
 * hold its contents in RAM, by page index:
 *
 *   inode --i_mapping--> address_space.pages[index] --> struct page
 *                                                       mapping = the address_space
 *                                                       index   = index
 *                                                       refcount: 1 for the cache
 *                                                                 + 1 per PTE
 *                                                                 + transient users
 *
 * A read (kmm_file_pread) or a fault on a file mapping finds the page in
 * the cache or allocates one (GFP_HIGHUSER_MOVABLE, the mapping's mask for
 * regular files) and reads it from the disk - that fault is a major fault.
 * A write (kmm_file_pwrite, or a store through a shared writable mapping)
 * marks the page dirty; kmm_sync() writes dirty pages back, after making
 * the shared writable PTEs that map them read-only again (page_mkclean),
 * so the next store dirties the page anew.  Clean pages no PTE maps leave
 * the cache when vm.drop_caches is written.
 *
 * Shared anonymous memory (MAP_SHARED | MAP_ANONYMOUS) is a shmem inode
 * with no name and no disk: its pages are zeroed when first touched, are
 * the only copy (never dropped, only swapped), and count as Shmem.  Its
 * swap is mm/shmem.c's: reclaim unmaps a page from every task and
 * shmem_writepage moves it to the swap cache for a new slot, leaving the
 * slot's entry at its index - in shadows[], as a value entry where no
 * page is, the way 6.1's xarray keeps it, holding the slot (swap_count)
 * - and counting it in inode->swapped (Shmem and RssShmem go down; smaps'
 * Swap of a mapping counts it: shmem_swap_usage).  A fault at that index
 * (shmem_swapin_folio) takes the page from the swap cache or reads it
 * with the slot way's readahead (a major fault), puts it back at its
 * index, dirty, and frees the slot; swapoff does the same for every entry
 * on its area (shmem_unuse); the inode's end frees the slots of its
 * entries (shmem_undo_range's free_swap_and_cache).  Whoever maps the
 * file shares the one slot, as they share the page.
 *
 *   pages[index]: page           shadows[index]: 0
 *   pages[index]: NULL           shadows[index]: swap entry << 1 | 1
 *
 * References: the store's name holds one on its inode, and every struct
 * file one; a struct file is held by file descriptors, VMAs and a task's
 * exe_file.  When the last goes, the inode's pages go (no PTE maps them
 * by then: every VMA held the file), written back first while the file
 * still has a name.
 *
 * Kernel memory: every struct file owns a filp object, every shmem inode
 * a shmem_inode_cache object and a dentry (shmem_kernel_file_setup), in
 * simulated RAM (kernel/fork.c); open fails with -ENOMEM when one cannot
 * be had.  The store is an ext4 filesystem, mounted when its first file
 * is made (store_mount: kobj_ext4_mount, then the store's shrinker).  A
 * named inode is in core - owns a dentry, an ext4_inode_cache object and
 * its LSM blob - from its create or any lookup (open, stat, read, write:
 * __inode_get_core, -ENOMEM without them) until its last reference, or
 * until the store's shrinker (reclaim, drop_caches 2; see "the store's
 * dentry and inode caches" below) prunes its dentry while no file is
 * open, and then its inode while no page is cached; settling the usage
 * evicts every unused one at once (shrink_dcache_icache).  So: i_count >
 * 1 => the dentry in core, nrpages > 0 or a dentry => the inode in core.
 * A page of a named file gets its buffer_heads (page->private,
 * PG_private) the first time it is written - kmm_file_pwrite, or a store
 * through a shared mapping (filemap_page_mkwrite, called by the fault
 * before the page is dirtied; -ENOMEM fails the fault as VM_FAULT_OOM
 * would) - and they go when the page leaves the cache
 * (try_to_free_buffers).  The reference attach_page_private takes for
 * them is not taken.  Open takes its struct file before it looks the name
 * up, as path_openat does, so a failed O_CREAT makes no file.
 * Each address_space holds the radix_tree_node objects 6.1's xarray would
 * need for the indices it caches (src/lib/xarray.c); adding
 * a page fails with -ENOMEM when a node cannot be had.
 *
 * Faults (filemap_fault) read ahead as mm/readahead.c does for mmap: a
 * miss reads a window of ra_pages (the disk's 128 KiB) centred on the page
 * (read-around), its page async_size before the end marked PG_readahead;
 * a fault on the marked page reads the next window - the whole of it
 * marked at its first page - before the reader gets there.  A file whose
 * mmap faults mostly miss (f_ra.mmap_miss above 100) stops reading
 * around.  Fault-around (filemap_map_pages) hands mm/memory.c the cached
 * pages near a read fault, never a marked one.  read(2) (kmm_file_pread)
 * has no struct file to keep a window in and reads only what it is asked.
 *
 *   window:  | start ...                  marked ... start + size |
 *                                            ^ start + size - async_size
 *
 * Shadow entries (mm/workingset.c): a page reclaim evicts
 * (__remove_mapping) leaves workingset_eviction's shadow in
 * address_space.shadows[index], beside the page array; the next page
 * cached at that index takes it and is a refault (workingset_refault,
 * unless it is cached for a write), which may start it on the active
 * list.  drop_caches leaves no shadow; truncate and the inode's end drop
 * them.  The xarray model counts nodes for pages only (no shadow node
 * shrinker: see workingset.c).
 *
 * Blocks: a named file's disk has a block per page once that page has
 * been written to it - kmm_file_create with data, or a dirty page written
 * back (ext4's delayed allocation) - and holes elsewhere (inode->blocks:
 * a file made without data, or grown by a write past its end, is sparse
 * there).  Holes read as zeros; only swapon looks at them (a swap file
 * must have none).  S_SWAPFILE (inode->swapfile, mm/swapfile.c's swapon
 * of the file): its disk bytes are a swap area's slots, so the store
 * refuses writes and O_TRUNC (-ETXTBSY), unlink and a create over its
 * name (-EPERM), and writeback never writes over them.
 *
 * Counters, per node: nr_file_pages (shmem included), nr_shmem,
 * nr_file_dirty, nr_file_mapped (cache pages with a PTE); filemap_verify
 * recounts them.  Locking: filemap_lock guards the store, every
 * address_space and the page flags it uses, and the dentry and inode
 * LRUs; it nests inside mmap_lock and inside shrinker_rwsem (the
 * store's shrinker takes it; registering it happens outside it).
 * Not modelled: read(2)'s readahead, writeback in the background,
 * truncate of mapped pages other than by O_TRUNC, directories (so no
 * parent dentries for the shrinker to free after their children).
 */
#define _GNU_SOURCE /* PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP */
#include "internal.h"
#include "kernel/kobj.h"
#include "lib/xarray.h"
#include "sim/ram.h"

#include <kmm/fs.h>
#include <kmm/shrinker.h>
#include <kmm/slab.h>
#include <kmm/task.h>

#define FIRST_INO 12 /* ext4: 11 is lost+found, the first file gets 12 */
#define PATH_MAX_LEN 4096

/* error-checking: reclaim (mm/vmscan.c) may run inside an allocation made under it, and must know */
static pthread_mutex_t filemap_lock = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
static struct inode **store; /* named files, in creation order */
static struct list_head all_inodes = { &all_inodes, &all_inodes }; /* every live inode */
static int nr_store, store_cap;
static unsigned long next_ino = FIRST_INO, next_shmem_ino = 1;

#define PAGE_FLAG(page, bit) (__atomic_load_n(&(page)->flags, __ATOMIC_RELAXED) & (1UL << (bit)))

/* ---- the page cache (filemap_lock held) ---------------------------------------------- */

static struct page *__find_page(struct address_space *m, unsigned long index)
{
	return index < m->nr_slots ? m->pages[index] : NULL;
}

/* A cache page becomes dirty / clean: the counters, and the inode's dirtied_when at its first dirty page. */
static void __page_mark_dirty(struct page *page)
{
	if (PAGE_FLAG(page, PG_dirty))
		return;
	struct inode *inode = ((struct address_space *)page->mapping)->host;
	__atomic_fetch_or(&page->flags, 1UL << PG_dirty, __ATOMIC_RELAXED); /* as set_bit: others read flags */
	mod_node_page_state(page, nr_file_dirty, 1);
	mod_node_page_state(page, nr_dirtied, 1);
	if (!inode->nr_dirty++)
		inode->dirtied_when = kmm_clock_ns();
}

static void __page_clear_dirty(struct page *page)
{
	if (!PAGE_FLAG(page, PG_dirty))
		return;
	__atomic_fetch_and(&page->flags, ~(1UL << PG_dirty), __ATOMIC_RELAXED);
	mod_node_page_state(page, nr_file_dirty, -1);
	((struct address_space *)page->mapping)->host->nr_dirty--;
}

/* ---- shadow entries: where reclaim evicted a page (mm/workingset.c), filemap_lock held ---------- */

/* The slot's shadow, taken off it (0: none) - a page is about to take the slot. */
static unsigned long __take_shadow(struct address_space *m, unsigned long index)
{
	if (!m->shadows || index >= m->nr_slots)
		return 0;
	unsigned long shadow = m->shadows[index];
	m->shadows[index] = 0;
	return shadow;
}

/* A shadow where an evicted page was; without host memory for the array, none is kept. */
static void __store_shadow(struct address_space *m, unsigned long index, unsigned long shadow)
{
	if (!m->shadows && !(m->shadows = calloc(m->nr_slots, sizeof(*m->shadows))))
		return;
	m->shadows[index] = shadow;
}

/* truncate: the shadows of the pages that went go too */
static void __clear_shadows(struct address_space *m)
{
	free(m->shadows);
	m->shadows = NULL;
}

/*
 * A new page into the cache at index (not cached there).  A shadow left
 * there makes it a refault (workingset_refault may start it active),
 * unless the page is only being written (6.1's __GFP_WRITE): caching data
 * about to be overwritten says nothing about the workingset.
 */
static int __add_to_page_cache(struct address_space *m, struct page *page, unsigned long index, bool write)
{
	if (index >= m->nr_slots) {
		unsigned long n = max(index + 1, 2 * m->nr_slots);
		struct page **grown = realloc(m->pages, n * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		memset(grown + m->nr_slots, 0, (n - m->nr_slots) * sizeof(*grown));
		m->pages = grown;
		if (m->shadows) {
			unsigned long *sh = realloc(m->shadows, n * sizeof(*sh));
			if (!sh)
				return -ENOMEM; /* pages[] is larger than nr_slots says: harmless, it grows again */
			memset(sh + m->nr_slots, 0, (n - m->nr_slots) * sizeof(*sh));
			m->shadows = sh;
		}
		m->nr_slots = n;
	}
	if (xa_insert(m, index))
		return -ENOMEM;
	__atomic_store_n(&page->mapping, m, __ATOMIC_RELAXED);
	page->index = index;
	__atomic_fetch_or(&page->flags, 1UL << PG_uptodate, __ATOMIC_RELAXED);
	m->pages[index] = page;
	m->nrpages++;
	mod_node_page_state(page, nr_file_pages, 1);
	if (m->host->shmem) {
		__atomic_fetch_or(&page->flags, 1UL << PG_swapbacked, __ATOMIC_RELAXED);
		mod_node_page_state(page, nr_shmem, 1);
	}
	unsigned long shadow = __take_shadow(m, index);
	if (shadow && !write)
		workingset_refault(page, shadow);
	folio_add_lru(page); /* filemap_add_folio: inactive file (shmem: inactive anon), or active if refaulted */
	return 0;
}

static void __inode_add_lru(struct inode *inode, bool rotate);

/* The page leaves the cache (no PTE maps it) and the cache's reference goes. */
static void __delete_from_page_cache(struct page *page)
{
	struct address_space *m = page->mapping;
	MM_BUG_ON(page_mapcount(page) > 0);
	__page_clear_dirty(page);
	if (PAGE_FLAG(page, PG_private)) { /* try_to_free_buffers: the page's buffer_heads go with it */
		kobj_free_buffers((void *)page->private);
		__atomic_store_n(&page->private, 0UL, __ATOMIC_RELAXED); /* whole: compaction's scanner reads it unlocked */
		__atomic_fetch_and(&page->flags, ~(1UL << PG_private), __ATOMIC_RELAXED);
	}
	m->pages[page->index] = NULL;
	m->nrpages--;
	xa_delete(m, page->index);
	mod_node_page_state(page, nr_file_pages, -1);
	if (m->host->shmem)
		mod_node_page_state(page, nr_shmem, -1);
	/*
	 * PG_reclaim is PG_readahead here: a marker never reached must not
	 * follow the page out.  PG_swapbacked stays: it names the page's LRU
	 * list until the page is freed (which clears it).
	 */
	__atomic_fetch_and(&page->flags, ~((1UL << PG_uptodate) | (1UL << PG_reclaim)), __ATOMIC_RELAXED);
	__atomic_store_n(&page->mapping, NULL, __ATOMIC_RELAXED);
	page->index = 0;
	put_page(page);
	__inode_add_lru(m->host, false); /* page_cache_delete: its last page gone, an unused inode may go */
}

/* Fill a new cache page from the disk; true if bytes came from it (a major fault's I/O). */
static bool read_page_from_disk(struct inode *inode, struct page *page, unsigned long index)
{
	char *p = ram_host(page_to_phys(page));
	unsigned long off = index << PAGE_SHIFT, n = 0;
	if (inode->disk && off < inode->disk_size) {
		n = min(PAGE_SIZE, inode->disk_size - off);
		memcpy(p, inode->disk + off, n);
	}
	memset(p + n, 0, PAGE_SIZE - n); /* past the end: zeros, never old RAM contents */
	if (n)
		count_vm_events(PGPGIN, PAGE_SIZE >> 10);
	return n > 0;
}

static struct page *__get_page(struct inode *inode, unsigned long index, bool *major, int *err, bool write)
{
	struct address_space *m = &inode->i_mapping;
	struct page *page = __find_page(m, index);
	if (!page) {
		page = alloc_pages(GFP_HIGHUSER_MOVABLE, 0);
		if (page && mem_cgroup_charge(page, NULL, GFP_HIGHUSER_MOVABLE)) { /* the current task's group */
			__free_pages(page, 0);
			page = NULL;
		}
		if (!page) {
			*err = -ENOMEM;
			return NULL;
		}
		bool io = read_page_from_disk(inode, page, index);
		if (__add_to_page_cache(m, page, index, write)) {
			__free_pages(page, 0);
			*err = -ENOMEM;
			return NULL;
		}
		if (major)
			*major = io;
	}
	get_page(page);
	return page;
}

/* ---- shmem's swap (mm/shmem.c), filemap_lock held -------------------------------------------- */

/* swp_to_radix_entry and back: a swap entry as a value entry of the page array's slot */
static unsigned long swp_to_radix_entry(swp_entry_t entry)
{
	return entry.val << 1 | 1;
}

/* The swap entry a shmem file keeps at index for a page out on swap (val 0: none). */
static swp_entry_t __shmem_swap_entry(const struct address_space *m, unsigned long index)
{
	unsigned long v = m->host->shmem && m->shadows && index < m->nr_slots ? m->shadows[index] : 0;
	return (swp_entry_t){ v >> 1 };
}

/*
 * shmem_writepage: reclaim's page (locked, isolated, mapped by no PTE any
 * more) moves from its shmem file's cache to the swap cache for a new
 * slot, and the file keeps the slot's entry at its index (which holds the
 * slot: swap_shmem_alloc) - the xarray's entry stays, so no node changes.
 * The page is dirty in the swap cache for reclaim's swap_writepage.
 * 0; else the page as it was: -EBUSY while someone else holds it
 * (pageout's is_page_cache_freeable, PAGE_KEEP: e.g. a fault that found
 * it and has yet to map it), -ENOSPC without a slot or host memory for
 * the entries.
 */
int shmem_writepage(struct page *page)
{
	struct inode *inode = page_shmem_inode(page);
	/*
	 * acquire: the last unmapper's decrement comes after its reads of
	 * page->mapping (page_remove_rmap's rss_add), which go before the
	 * mapping is cleared below
	 */
	if (!inode || __atomic_load_n(&page->_mapcount, __ATOMIC_ACQUIRE) >= 0)
		return -EBUSY;
	if (page_ref_count(page) != 2) /* the cache's and the caller's: a fault takes its own under this lock */
		return -EBUSY;
	struct address_space *m = &inode->i_mapping;
	if (!m->shadows && !(m->shadows = calloc(m->nr_slots, sizeof(*m->shadows))))
		return -ENOSPC;
	swp_entry_t entry = get_swap_page();
	if (!entry.val)
		return -ENOSPC;
	__page_clear_dirty(page); /* the cache's dirty count; the swap cache marks it dirty its own way */
	if (!shmem_add_to_swap_cache(page, entry)) {
		swapcache_free(entry);
		return -ENOSPC;
	}
	swap_duplicate(entry); /* the file's entry holds the slot (a fresh slot's count cannot be full) */
	unsigned long index = page->index;
	m->pages[index] = NULL; /* shmem_delete_from_page_cache: the swap entry takes the slot */
	m->nrpages--;
	m->shadows[index] = swp_to_radix_entry(entry);
	inode->swapped++;
	mod_node_page_state(page, nr_file_pages, -1);
	mod_node_page_state(page, nr_shmem, -1);
	__atomic_fetch_and(&page->flags, ~(1UL << PG_reclaim), __ATOMIC_RELAXED); /* PG_readahead's bit: not a mark */
	__atomic_store_n(&page->mapping, NULL, __ATOMIC_RELAXED);
	page->index = 0;
	put_page(page); /* the page cache's reference: the swap cache and the caller hold it */
	return 0;
}

/*
 * shmem_swapin_folio: the page for the swap entry at index back into the
 * file's cache - found in the swap cache, or read with the slot way's
 * readahead (*major) - out of the swap cache, its slot freed, dirty (its
 * only copy is in memory again).  Referenced by the cache only; NULL
 * without memory.
 */
static struct page *__shmem_swapin_page(struct inode *inode, unsigned long index, swp_entry_t entry, bool *major)
{
	struct address_space *m = &inode->i_mapping;
	struct page *page = shmem_swapin(entry, major); /* may reclaim under this lock: other indices may go */
	if (!page)
		return NULL;
	if (__shmem_swap_entry(m, index).val != entry.val || m->pages[index]) {
		unlock_page(page); /* cannot be: nothing else takes a shmem index's entry under this lock */
		put_page(page);
		return NULL;
	}
	shmem_swapin_done(page); /* delete_from_swap_cache, swap_free: the slot is free */
	m->shadows[index] = 0;
	inode->swapped--;
	page_clear_flag(page, PG_dirty); /* the swap cache's mark; the cache's own comes below */
	__atomic_fetch_or(&page->flags, (1UL << PG_uptodate) | (1UL << PG_swapbacked), __ATOMIC_RELAXED);
	__atomic_store_n(&page->mapping, m, __ATOMIC_RELAXED);
	page->index = index;
	m->pages[index] = page; /* the xarray's entry was there all along: no node changes */
	m->nrpages++;
	mod_node_page_state(page, nr_file_pages, 1);
	mod_node_page_state(page, nr_shmem, 1);
	__page_mark_dirty(page);
	unlock_page(page);
	return page; /* shmem_swapin's reference is the cache's now */
}

/* shmem_free_swap: the entry at index goes, and its slot with any page still cached for it. */
static void __shmem_free_swap(struct address_space *m, unsigned long index)
{
	swp_entry_t entry = __shmem_swap_entry(m, index);
	if (!entry.val)
		return;
	m->shadows[index] = 0;
	m->host->swapped--;
	xa_delete(m, index);
	free_swap_and_cache(entry);
}

/* shmem_get_folio_gfp for a fault: the cached page, the page back from swap, or a new zeroed one; referenced. */
static struct page *__shmem_get_page(struct inode *inode, unsigned long index, int *ret)
{
	swp_entry_t entry = __shmem_swap_entry(&inode->i_mapping, index);
	if (!entry.val)
		return __get_page(inode, index, NULL, ret, false);
	bool major = false;
	struct page *page = __shmem_swapin_page(inode, index, entry, &major);
	if (!page) {
		*ret = -ENOMEM;
		return NULL;
	}
	*ret = major ? VM_FAULT_MAJOR : 0; /* memory.c counts pgmajfault, as shmem_swapin_folio does */
	get_page(page);
	return page;
}

/*
 * shmem_unuse (swapoff's first pass): every shmem page out on area type
 * comes back into its file's cache.  0, or -ENOMEM when a page cannot be
 * had (the pages back so far stay).
 */
/* The pages the live shmem objects have committed (shmem_acct_size): overcommit's recount (mm/util.c). */
unsigned long shmem_committed_pages(void)
{
	unsigned long n = 0;
	pthread_mutex_lock(&filemap_lock);
	struct list_head *pos;
	list_for_each(pos, &all_inodes)
		n += list_entry(pos, struct inode, i_list)->i_acct_pages;
	pthread_mutex_unlock(&filemap_lock);
	return n;
}

int shmem_unuse(unsigned int type)
{
	int ret = 0;
	pthread_mutex_lock(&filemap_lock);
	struct list_head *pos;
	list_for_each(pos, &all_inodes) {
		struct inode *inode = list_entry(pos, struct inode, i_list);
		for (unsigned long k = 0; inode->swapped && k < inode->i_mapping.nr_slots && !ret; k++) {
			swp_entry_t entry = __shmem_swap_entry(&inode->i_mapping, k);
			bool major;
			if (entry.val && swp_type(entry) == type && !__shmem_swapin_page(inode, k, entry, &major))
				ret = -ENOMEM;
		}
		if (ret)
			break;
	}
	pthread_mutex_unlock(&filemap_lock);
	return ret;
}

/* shmem_swap_usage: the bytes of a shmem file's pages [first, first + nr) out on swap. */
unsigned long shmem_swap_usage(struct inode *inode, unsigned long first, unsigned long nr)
{
	unsigned long n = 0;
	pthread_mutex_lock(&filemap_lock);
	if (inode->swapped)
		for (unsigned long k = first; k < inode->i_mapping.nr_slots && k - first < nr; k++)
			n += __shmem_swap_entry(&inode->i_mapping, k).val != 0;
	pthread_mutex_unlock(&filemap_lock);
	return n << PAGE_SHIFT;
}

/* ---- readahead (mm/readahead.c) --------------------------------------------------------- */

#define VM_READAHEAD_PAGES ((128UL << 10) >> PAGE_SHIFT) /* the disk's read_ahead_kb */
#define MMAP_LOTSAMISS 100
#define PG_readahead PG_reclaim /* Linux shares the bit too: reclaim never sees a page under readahead */

static bool PageReadahead(const struct page *page)
{
	return PAGE_FLAG(page, PG_readahead);
}

static void SetPageReadahead(struct page *page)
{
	__atomic_fetch_or(&page->flags, 1UL << PG_readahead, __ATOMIC_RELAXED);
}

static void ClearPageReadahead(struct page *page)
{
	__atomic_fetch_and(&page->flags, ~(1UL << PG_readahead), __ATOMIC_RELAXED);
}

/*
 * do_page_cache_ra / page_cache_ra_unbounded: read the pages of [index,
 * index + nr_to_read) that are not cached, stopping at the page holding
 * the file's last byte or when memory runs out (readahead's allocations
 * may fail quietly); the page lookahead_size before the window's end gets
 * PG_readahead, so touching it starts the next window early.
 */
static void __do_page_cache_ra(struct inode *inode, unsigned long index, unsigned long nr_to_read,
			       unsigned long lookahead_size)
{
	struct address_space *m = &inode->i_mapping;
	if (!inode->i_size)
		return;
	unsigned long end_index = (inode->i_size - 1) >> PAGE_SHIFT;
	if (index > end_index)
		return;
	if (nr_to_read > end_index - index)
		nr_to_read = end_index - index + 1;
	for (unsigned long i = 0; i < nr_to_read; i++) {
		if (__find_page(m, index + i))
			continue;
		struct page *page = alloc_pages(GFP_HIGHUSER_MOVABLE | __GFP_NORETRY | __GFP_NOWARN, 0);
		if (page && mem_cgroup_charge(page, NULL, GFP_HIGHUSER_MOVABLE | __GFP_NORETRY)) {
			__free_pages(page, 0);
			break;
		}
		if (!page)
			break;
		read_page_from_disk(inode, page, index + i);
		if (__add_to_page_cache(m, page, index + i, false)) {
			__free_pages(page, 0);
			break;
		}
		if (i == nr_to_read - lookahead_size)
			SetPageReadahead(page);
	}
}

static unsigned long get_next_ra_size(const struct file_ra_state *ra, unsigned long max)
{
	unsigned long cur = ra->size;
	if (cur < max / 16)
		return 4 * cur;
	if (cur <= max / 2)
		return 2 * cur;
	return max;
}

static unsigned long get_init_ra_size(unsigned long size, unsigned long max)
{
	unsigned long newsize = 1;
	while (newsize < size)
		newsize <<= 1; /* roundup_pow_of_two */
	if (newsize <= max / 32)
		return newsize * 4;
	if (newsize <= max / 4)
		return newsize * 2;
	return max;
}

/*
 * page_cache_async_ra (ondemand_readahead) for a fault that hit the
 * PG_readahead page at index, asking for a window's worth: at the file's
 * start a first window; at the expected marker (or just past the window)
 * the next window, all of it read ahead; a marker met out of step starts
 * from what the cache holds after it.  A window that would hit its own
 * marker at once takes the next one in too.
 */
static void __page_cache_async_ra(struct inode *inode, struct file_ra_state *ra, struct page *page,
				  unsigned long index)
{
	unsigned long max = ra->ra_pages, req = ra->ra_pages;
	ClearPageReadahead(page);
	if (!max)
		return;
	if (!index) {
		ra->start = index; /* initial_readahead */
		ra->size = (unsigned int)get_init_ra_size(req, max);
		ra->async_size = ra->size > req ? (unsigned int)(ra->size - req) : ra->size;
	} else if (index == ra->start + ra->size - ra->async_size || index == ra->start + ra->size) {
		ra->start += ra->size;
		ra->size = (unsigned int)get_next_ra_size(ra, max);
		ra->async_size = ra->size;
	} else {
		unsigned long start = index + 1; /* page_cache_next_miss */
		while (start - index <= max && __find_page(&inode->i_mapping, start))
			start++;
		if (start - index > max)
			return;
		ra->start = start;
		ra->size = (unsigned int)(start - index + req); /* the old async_size + the request */
		ra->size = (unsigned int)get_next_ra_size(ra, max);
		ra->async_size = ra->size;
	}
	if (index == ra->start && ra->size == ra->async_size) { /* readit: it would hit its own marker */
		unsigned long add = get_next_ra_size(ra, max);
		if (ra->size + add <= max) {
			ra->async_size = (unsigned int)add;
			ra->size += (unsigned int)add;
		} else {
			ra->size = (unsigned int)max;
			ra->async_size = (unsigned int)(max >> 1);
		}
	}
	__do_page_cache_ra(inode, ra->start, ra->size, ra->async_size);
}

/*
 * do_sync_mmap_readahead: a fault missed the cache at index.  Unless mmap
 * faults of this file mostly miss (mmap_miss above MMAP_LOTSAMISS), read
 * around it: a window of ra_pages centred on index, its last quarter
 * marked for the next asynchronous window.
 */
static void __do_sync_mmap_readahead(struct inode *inode, struct file_ra_state *ra, unsigned long index)
{
	if (!ra->ra_pages)
		return;
	if (ra->mmap_miss < MMAP_LOTSAMISS * 10)
		ra->mmap_miss++;
	if (ra->mmap_miss > MMAP_LOTSAMISS)
		return;
	ra->start = index > ra->ra_pages / 2 ? index - ra->ra_pages / 2 : 0;
	ra->size = ra->ra_pages;
	ra->async_size = ra->ra_pages / 4;
	__do_page_cache_ra(inode, ra->start, ra->size, ra->async_size);
}

/* ---- the fault side of the page cache ----------------------------------------------------- */

/*
 * filemap_fault, as 6.1's: a page found in the cache is a minor fault (a
 * hit on the readahead marker reads the next window first); a miss is a
 * major fault that reads around the page.  A fault that did I/O returns
 * VM_FAULT_RETRY on its first run: Linux drops mmap_lock for the I/O and
 * the fault runs again (FAULT_FLAG_TRIED), finding the page, so
 * /proc/vmstat's pgfault counts both runs and the task counts one major
 * fault.  kmm keeps the lock (its I/O is a copy) but counts the same.
 * shmem_fault allocates a zeroed page for a hole: no disk, no readahead.
 */
struct page *filemap_fault(struct file *file, unsigned long index, unsigned int flags, int *ret)
{
	struct inode *inode = file->f_inode;
	struct file_ra_state *ra = &file->f_ra;
	bool first = !(flags & FAULT_FLAG_TRIED);
	*ret = 0;
	pthread_mutex_lock(&filemap_lock);
	struct page *page = NULL;
	if (index >= DIV_ROUND_UP(inode->i_size, PAGE_SIZE)) {
		*ret = -EFAULT; /* beyond the end of the file: SIGBUS */
	} else if ((page = __find_page(&inode->i_mapping, index))) {
		if (first && !inode->shmem && ra->ra_pages) { /* do_async_mmap_readahead */
			if (ra->mmap_miss)
				ra->mmap_miss--;
			if (PageReadahead(page)) {
				__page_cache_async_ra(inode, ra, page, index);
				*ret = VM_FAULT_RETRY;
				page = NULL;
			}
		}
		if (page)
			get_page(page);
	} else if (inode->shmem) {
		page = __shmem_get_page(inode, index, ret);
	} else {
		*ret = VM_FAULT_MAJOR;
		__do_sync_mmap_readahead(inode, ra, index);
		int err = 0;
		page = __get_page(inode, index, NULL, &err, false); /* the page itself, if readahead could not */
		if (!page)
			*ret = err;
		else if (first) {
			put_page(page);
			page = NULL;
			*ret |= VM_FAULT_RETRY;
		}
	}
	pthread_mutex_unlock(&filemap_lock);
	return page;
}

/*
 * filemap_map_pages: the pages of [start, end] that are in the cache,
 * up to date, not under readahead (the marker must be seen by a fault),
 * and inside the file go to map() with a reference each, for fault-around
 * to give them PTEs; each one found counts as an mmap hit.
 */
void filemap_map_pages(struct file *file, unsigned long start, unsigned long end,
		       void (*map)(void *arg, unsigned long index, struct page *page), void *arg)
{
	struct inode *inode = file->f_inode;
	struct address_space *m = &inode->i_mapping;
	pthread_mutex_lock(&filemap_lock);
	unsigned long pages = DIV_ROUND_UP(inode->i_size, PAGE_SIZE);
	if (end >= pages)
		end = pages - 1;
	unsigned int mmap_miss = file->f_ra.mmap_miss;
	for (unsigned long index = start; pages && index <= end; index++) {
		struct page *page = __find_page(m, index);
		if (!page || !PAGE_FLAG(page, PG_uptodate) || PageReadahead(page))
			continue;
		if (mmap_miss > 0)
			mmap_miss--;
		get_page(page);
		map(arg, index, page);
	}
	file->f_ra.mmap_miss = mmap_miss;
	pthread_mutex_unlock(&filemap_lock);
}

void set_page_dirty(struct page *page)
{
	pthread_mutex_lock(&filemap_lock);
	__page_mark_dirty(page);
	pthread_mutex_unlock(&filemap_lock);
}

/*
 * A named file's page is about to be written (ext4's write_begin and
 * page_mkwrite: create_empty_buffers): its buffer_heads, if it has none
 * yet; the head is page->private and PG_private says so.  shmem pages
 * have none.  0, or -ENOMEM when they cannot be had.
 */
static int __page_get_buffers(struct page *page)
{
	if (PAGE_FLAG(page, PG_private) || ((struct address_space *)page->mapping)->host->shmem)
		return 0;
	void *head = kobj_alloc_buffers(page);
	if (!head)
		return -ENOMEM;
	__atomic_store_n(&page->private, (unsigned long)head, __ATOMIC_RELAXED); /* whole: read unlocked by compaction */
	__atomic_fetch_or(&page->flags, 1UL << PG_private, __ATOMIC_RELAXED);
	return 0;
}

/*
 * ext4_page_mkwrite (block_page_mkwrite) then set_page_dirty, the page
 * locked by the caller: -ENOMEM is its VM_FAULT_OOM, the page untouched;
 * -EAGAIN if it left the cache before the lock was had (the fault retries).
 */
int filemap_page_mkwrite(struct page *page)
{
	pthread_mutex_lock(&filemap_lock);
	if (!page_mapping_raw(page) || PageAnon(page)) {
		pthread_mutex_unlock(&filemap_lock);
		return -EAGAIN;
	}
	int err = __page_get_buffers(page);
	if (!err)
		__page_mark_dirty(page);
	pthread_mutex_unlock(&filemap_lock);
	return err;
}

/* ---- the store's dentry and inode caches (filemap_lock held but where said) ---------------- */

/*
 * 6.1's super_block shrinker (fs/super.c) over the store's two LRUs of
 * unused objects (fs/dcache.c, fs/inode.c), in kmm's terms: a named
 * inode's "dentry count" is i_count - 1 (the name holds one reference,
 * each struct file one more; Linux's files hold the dentry), and its
 * Linux i_count is 1 while it has a dentry (the dentry holds the inode),
 * else 0.
 *
 *   lookup (open, stat, read, write, create)  takes what is not in core:
 *                                              the dentry, and the inode
 *                                              if that went too
 *   the use ends, i_count back to 1 (dput)     the dentry onto dentry_lru,
 *                                              or DCACHE_REFERENCED if on it
 *   dentry pruned (iput of the inode)          the inode onto inode_lru (if
 *                                              clean and its cache may go),
 *                                              or I_REFERENCED if on it
 *   inode pruned (evict)                       its ext4_inode_cache object
 *                                              and LSM blob freed
 *
 * super_cache_count: both lists' lengths on the node, weighed by
 * vm.vfs_cache_pressure (0: the shrinker never runs).  super_cache_scan
 * splits nr_to_scan between them in proportion, dentries first (they pin
 * inodes), each walk oldest first: a used dentry (a file open) or inode
 * (its dentry back, dirty pages) leaves its list; a referenced one loses
 * the mark and goes round once more; an unused one is freed.  An unused
 * inode with cached pages: with highmem (i386: CONFIG_HIGHMEM's
 * mapping_shrinkable) its clean unmapped pages are invalidated
 * (pginodesteal, kswapd_inodesteal; reclaimed pages of the reclaim) and
 * the walk starts again; without highmem such an inode is not on the list
 * at all, and comes onto it when its last page leaves the cache.  So an
 * inode keeps its objects while it has pages, and a dentry while its file
 * is open.  The scan gives up (SHRINK_STOP) for an allocation without
 * __GFP_FS or made by this thread inside the store (trylock_super's place).
 */
static struct list_lru dentry_lru, inode_lru; /* sb->s_dentry_lru, sb->s_inode_lru */
static struct shrinker sb_shrinker;             /* sb->s_shrink, registered at the store's mount */
static pthread_mutex_t sb_shrinker_lock = PTHREAD_MUTEX_INITIALIZER; /* its registration; outside filemap_lock */

/* the node of an object in simulated RAM (list_lru's page_to_nid(virt_to_page(item))) */
static int obj_nid(const void *obj)
{
	return page_to_nid(virt_to_page(obj));
}

/* mapping_shrinkable: with highmem, always (lowmem may run out first); else only with no page cached */
static bool mapping_shrinkable(const struct inode *inode)
{
	return (M->prof->zone_mask & (1u << ZONE_HIGHMEM)) || !inode->i_mapping.nrpages;
}

static void __d_lru_del(struct inode *inode)
{
	if (inode->dentry)
		list_lru_del(&dentry_lru, &inode->d_lru, obj_nid(inode->dentry));
}

static void __i_lru_del(struct inode *inode)
{
	if (inode->obj)
		list_lru_del(&inode_lru, &inode->i_lru, obj_nid(inode->obj));
}

/* __inode_add_lru: an inode nobody's dentry holds, clean, in core, onto the LRU; rotate: mark it if there */
static void __inode_add_lru(struct inode *inode, bool rotate)
{
	if (inode->shmem || inode->unlinked || !inode->i_count || !inode->obj || inode->dentry || inode->nr_dirty ||
	    !mapping_shrinkable(inode))
		return;
	if (!list_lru_add(&inode_lru, &inode->i_lru, obj_nid(inode->obj)) && rotate)
		inode->i_state |= I_REFERENCED;
}

/* dput's retain_dentry: the use of a name ended with nobody else using it */
static void __dput(struct inode *inode)
{
	if (inode->shmem || inode->unlinked || !inode->dentry || inode->i_count != 1)
		return;
	if (!list_lru_add(&dentry_lru, &inode->d_lru, obj_nid(inode->dentry)))
		inode->d_flags |= DCACHE_REFERENCED;
}

/* invalidate_mapping_pages over the whole file: its clean pages no PTE maps and nobody holds; how many went */
static unsigned long __invalidate_mapping_pages(struct inode *inode)
{
	struct address_space *m = &inode->i_mapping;
	unsigned long n = 0;
	for (unsigned long k = 0; k < m->nr_slots; k++) {
		struct page *page = m->pages[k];
		if (page && !PAGE_FLAG(page, PG_dirty) && !page_mapcount(page) && page_ref_count(page) == 1) {
			__delete_from_page_cache(page);
			n++;
		}
	}
	return n;
}

/* dentry_lru_isolate, and dentry_kill for the unused: the dentry goes, its inode is iput */
static enum lru_status dentry_lru_isolate(struct list_head *item, struct list_lru_one *lru, void *arg)
{
	struct inode *inode = list_entry(item, struct inode, d_lru);
	(void)arg;
	if (inode->i_count > 1) { /* a file is open (or writeback holds it): off the list, until it is put */
		list_lru_isolate(lru, item);
		return LRU_REMOVED;
	}
	if (inode->d_flags & DCACHE_REFERENCED) {
		inode->d_flags &= ~DCACHE_REFERENCED;
		return LRU_ROTATE;
	}
	list_lru_isolate(lru, item);
	kobj_ext4_dentry_free(inode);
	__inode_add_lru(inode, true); /* iput_final */
	return LRU_REMOVED;
}

static enum lru_status inode_lru_isolate(struct list_head *item, struct list_lru_one *lru, void *arg)
{
	struct inode *inode = list_entry(item, struct inode, i_lru);
	(void)arg;
	if (inode->dentry || inode->nr_dirty || !mapping_shrinkable(inode)) { /* used again: lazily off */
		list_lru_isolate(lru, item);
		return LRU_REMOVED;
	}
	if (inode->i_state & I_REFERENCED) {
		inode->i_state &= ~I_REFERENCED;
		return LRU_ROTATE;
	}
	if (inode->i_mapping.nrpages) { /* highmem: its page cache goes first, then look again */
		unsigned long reap = __invalidate_mapping_pages(inode);
		count_vm_events(current_is_kswapd() ? KSWAPD_INODESTEAL : PGINODESTEAL, reap);
		if (current_reclaim_state)
			current_reclaim_state->reclaimed_slab += reap;
		return LRU_RETRY;
	}
	list_lru_isolate(lru, item);
	kobj_ext4_inode_free(inode); /* evict: destroy_inode */
	return LRU_REMOVED;
}

/* mult_frac(x, n, d): x * n / d without the overflow */
static unsigned long mult_frac(unsigned long x, unsigned long n, unsigned long d)
{
	return x / d * n + x % d * n / d;
}

static unsigned long super_cache_count(struct shrinker *shrink, struct shrink_control *sc)
{
	(void)shrink;
	unsigned long total = list_lru_count_one(&dentry_lru, sc->nid) + list_lru_count_one(&inode_lru, sc->nid);
	return total ? vfs_pressure_ratio(total) : SHRINK_EMPTY;
}

static unsigned long super_cache_scan(struct shrinker *shrink, struct shrink_control *sc)
{
	(void)shrink;
	if (!(sc->gfp_mask & __GFP_FS))
		return SHRINK_STOP; /* the allocation may be the store's own */
	if (!filemap_reclaim_lock())
		return SHRINK_STOP; /* this thread is inside the store: the objects it works on must stay */
	unsigned long inodes = list_lru_count_one(&inode_lru, sc->nid);
	unsigned long dentries = list_lru_count_one(&dentry_lru, sc->nid);
	unsigned long total = dentries + inodes + 1;
	/* in proportion; at least one of each, so a shrinker asked for little still empties small lists */
	unsigned long nr_dentries = mult_frac(sc->nr_to_scan, dentries, total) + 1;
	unsigned long nr_inodes = mult_frac(sc->nr_to_scan, inodes, total) + 1;
	unsigned long freed = list_lru_walk_one(&dentry_lru, sc->nid, dentry_lru_isolate, NULL, &nr_dentries);
	freed += list_lru_walk_one(&inode_lru, sc->nid, inode_lru_isolate, NULL, &nr_inodes);
	pthread_mutex_unlock(&filemap_lock);
	return freed;
}

/* alloc_super's shrinker, registered when the store is first mounted (called without filemap_lock) */
static int sb_shrinker_register(void)
{
	int err = 0;
	pthread_mutex_lock(&sb_shrinker_lock);
	if (!(sb_shrinker.flags & SHRINKER_REGISTERED)) {
		list_lru_init(&dentry_lru);
		list_lru_init(&inode_lru);
		sb_shrinker = (struct shrinker){
			.count_objects = super_cache_count,
			.scan_objects = super_cache_scan,
			.seeks = DEFAULT_SEEKS,
			.batch = 1024,
			.flags = SHRINKER_NUMA_AWARE | SHRINKER_MEMCG_AWARE,
		};
		err = register_shrinker(&sb_shrinker, "sb-%s", "ext4");
	}
	pthread_mutex_unlock(&sb_shrinker_lock);
	return err;
}

/* the store's mount and its shrinker: 0 or -errno */
static int store_mount(void)
{
	int err = kobj_ext4_mount();
	return err ? err : sb_shrinker_register();
}

/*
 * iget (and d_alloc): a named file's in-core objects that a lookup finds
 * pruned - its dentry, and its inode if that went too; 0 or -ENOMEM.
 * shmem inodes keep theirs for life.
 */
static int __inode_get_core(struct inode *inode)
{
	if (inode->shmem || (inode->obj && inode->dentry))
		return 0;
	return kobj_ext4_inode_alloc(inode);
}

/*
 * Settling the usage (and tests): the dentries and inodes of named files
 * nobody uses - no file open, no page cached - are freed whatever their
 * LRUs' order and marks, as umount's shrink_dcache_sb and evict_inodes
 * would; the file stays on the disk and the next lookup reads its inode
 * in again.  vm.drop_caches 2 goes through the shrinker instead.
 */
void shrink_dcache_icache(void)
{
	pthread_mutex_lock(&filemap_lock);
	for (int i = 0; i < nr_store; i++) {
		struct inode *inode = store[i];
		if (inode->obj && inode->i_count == 1 && !inode->i_mapping.nrpages) {
			__d_lru_del(inode);
			__i_lru_del(inode);
			inode->d_flags = inode->i_state = 0;
			kobj_ext4_inode_free(inode);
		}
	}
	pthread_mutex_unlock(&filemap_lock);
}

static struct inode *inode_alloc(const char *path, bool shmem)
{
	struct inode *inode = calloc(1, sizeof(*inode));
	if (!inode || !(inode->path = strdup(path))) {
		free(inode);
		return NULL;
	}
	inode->i_ino = shmem ? next_shmem_ino++ : next_ino++;
	inode->shmem = shmem;
	inode->i_mapping.host = inode;
	inode->i_count = 1;
	INIT_LIST_HEAD(&inode->d_lru);
	INIT_LIST_HEAD(&inode->i_lru);
	list_add_tail(&inode->i_list, &all_inodes);
	return inode;
}

/*
 * A reference goes: back to the name's alone, the dentry is unused (dput);
 * the last, and the file is freed with its pages (it has no name by then).
 */
static void __iput(struct inode *inode)
{
	if (--inode->i_count) {
		__dput(inode);
		return;
	}
	__d_lru_del(inode);
	__i_lru_del(inode);
	struct address_space *m = &inode->i_mapping;
	for (unsigned long i = 0; i < m->nr_slots; i++)
		if (m->pages[i])
			__delete_from_page_cache(m->pages[i]);
		else if (inode->swapped)
			__shmem_free_swap(m, i); /* shmem_undo_range: the slots of its pages out on swap go too */
	xa_destroy(m);
	free(m->pages);
	__clear_shadows(m);
	list_del(&inode->i_list);
	if (inode->shmem) {
		vm_unacct_memory((long)inode->i_acct_pages); /* shmem_evict_inode's shmem_unacct_size */
		kobj_free(KOBJ_DENTRY, inode->dentry);
		security_inode_free(inode->i_security);
		kobj_free(KOBJ_SHMEM_INODE, inode->obj);
	} else {
		kobj_ext4_inode_free(inode);
	}
	free(inode->disk);
	free(inode->blocks);
	free(inode->path);
	free(inode);
}

struct file *get_file(struct file *f)
{
	if (f)
		__atomic_add_fetch(&f->f_count, 1, __ATOMIC_RELAXED);
	return f;
}

void fput(struct file *f)
{
	if (!f || __atomic_sub_fetch(&f->f_count, 1, __ATOMIC_ACQ_REL))
		return;
	pthread_mutex_lock(&filemap_lock);
	__iput(f->f_inode);
	pthread_mutex_unlock(&filemap_lock);
	security_file_free(f->f_security); /* __fput's file_free */
	kobj_free(KOBJ_FILP, f->obj);
	free(f);
}

/* alloc_empty_file: the filp object and its LSM blob, both or neither (false) */
static bool file_objs_alloc(void **obj, void **sec)
{
	*obj = kobj_alloc(KOBJ_FILP);
	*sec = *obj ? security_file_alloc() : NULL;
	if (!*sec) {
		kobj_free(KOBJ_FILP, *obj);
		*obj = NULL;
	}
	return *sec != NULL;
}

/* A struct file of inode around the objects file_objs_alloc gave (given back if it fails). */
static struct file *__file_alloc(struct inode *inode, unsigned int mode, void *obj, void *sec)
{
	struct file *f = malloc(sizeof(*f));
	if (!f) {
		security_file_free(sec);
		kobj_free(KOBJ_FILP, obj);
		return NULL;
	}
	/* file_ra_state_init */
	*f = (struct file){ inode, mode, 1, { .ra_pages = inode->shmem ? 0 : VM_READAHEAD_PAGES }, obj, sec };
	inode->i_count++;
	return f;
}

static struct file *file_alloc(struct inode *inode, unsigned int mode)
{
	void *obj, *sec;
	return file_objs_alloc(&obj, &sec) ? __file_alloc(inode, mode, obj, sec) : NULL;
}

static int __store_index(const char *path)
{
	for (int i = 0; i < nr_store; i++)
		if (!strcmp(store[i]->path, path))
			return i;
	return -1;
}

static int check_path(const char *path)
{
	if (!path)
		return -EFAULT;
	if (path[0] != '/' || !path[1])
		return -EINVAL; /* kmm's store takes absolute paths of files */
	if (strlen(path) >= PATH_MAX_LEN)
		return -ENAMETOOLONG;
	if (path[strlen(path) - 1] == '/')
		return -EISDIR;
	return 0;
}

/* The name goes (d_delete): off the LRUs, never on them again; its users keep the file until they put it. */
static void __store_unlink(struct inode *inode)
{
	__d_lru_del(inode);
	__i_lru_del(inode);
	inode->unlinked = true;
	__iput(inode);
}

/* A new empty file under path, replacing any old one (whose users keep it, as after rename(2)). */
static struct inode *__store_create(const char *path, int *err)
{
	if (nr_store == store_cap) {
		int cap = store_cap ? 2 * store_cap : 16;
		struct inode **grown = realloc(store, (size_t)cap * sizeof(*grown));
		if (!grown) {
			*err = -ENOMEM;
			return NULL;
		}
		store = grown;
		store_cap = cap;
	}
	struct inode *inode = inode_alloc(path, false);
	if (!inode || kobj_ext4_inode_alloc(inode)) {
		if (inode) { /* as if never made: its number too */
			list_del(&inode->i_list);
			next_ino--;
			free(inode->path);
			free(inode);
		}
		*err = -ENOMEM;
		return NULL;
	}
	int old = __store_index(path);
	if (old >= 0) {
		__store_unlink(store[old]);
		store[old] = inode;
	} else {
		store[nr_store++] = inode;
	}
	return inode;
}

/*
 * Make the disk hold size bytes: zeros where new, and holes there (no
 * block allocated until a write reaches the disk).  blocks[] never holds
 * fewer entries than disk[] has pages; what lies past the end is reset
 * when the disk grows over it.
 */
static int disk_resize(struct inode *inode, unsigned long size)
{
	unsigned long old_pages = DIV_ROUND_UP(inode->disk_size, PAGE_SIZE), pages = DIV_ROUND_UP(size, PAGE_SIZE);
	if (pages > old_pages) {
		unsigned char *b = realloc(inode->blocks, pages);
		if (!b)
			return -ENOMEM;
		memset(b + old_pages, 0, pages - old_pages);
		inode->blocks = b;
	}
	unsigned char *d = realloc(inode->disk, size ? size : 1);
	if (!d)
		return -ENOMEM;
	if (size > inode->disk_size)
		memset(d + inode->disk_size, 0, size - inode->disk_size);
	inode->disk = d;
	inode->disk_size = size;
	return 0;
}

int kmm_file_create(const char *path, const void *data, unsigned long size)
{
	int err = check_path(path);
	if (err)
		return err;
	if (!M)
		return -ENODEV;
	if ((err = store_mount()))
		return err;
	pthread_mutex_lock(&filemap_lock);
	int old = __store_index(path);
	struct inode *inode = NULL;
	if (old >= 0 && store[old]->swapfile)
		err = -EPERM; /* may_delete (as rename over it): an active swap file keeps its name */
	else
		inode = __store_create(path, &err);
	if (inode) {
		err = disk_resize(inode, size);
		if (!err && data && size) { /* written: every block allocated; without data the file is holes (ftruncate) */
			memcpy(inode->disk, data, size);
			memset(inode->blocks, 1, DIV_ROUND_UP(size, PAGE_SIZE));
		}
		if (!err)
			inode->i_size = size;
		__dput(inode);
	}
	pthread_mutex_unlock(&filemap_lock);
	return err;
}

int kmm_file_unlink(const char *path)
{
	int err = check_path(path);
	if (err)
		return err;
	pthread_mutex_lock(&filemap_lock);
	int i = __store_index(path);
	if (i < 0) {
		err = -ENOENT;
	} else if (store[i]->swapfile) {
		err = -EPERM; /* may_delete: an active swap file is not unlinked */
	} else {
		struct inode *inode = store[i];
		memmove(&store[i], &store[i + 1], (size_t)(nr_store - i - 1) * sizeof(*store));
		nr_store--;
		__store_unlink(inode);
	}
	pthread_mutex_unlock(&filemap_lock);
	return err;
}

/* shmem_zero_setup: the unnamed inode behind a shared anonymous mapping ("/dev/zero (deleted)"). */
struct file *shmem_file_setup(unsigned long size)
{
	/*
	 * shmem_kernel_file_setup: the inode (shmem_alloc_inode, then
	 * inode_init_always's security_inode_alloc), its dentry
	 * (d_alloc_pseudo), then the file
	 */
	void *iobj = kobj_alloc(KOBJ_SHMEM_INODE), *isec = iobj ? security_inode_alloc() : NULL;
	void *dentry = isec ? kobj_alloc(KOBJ_DENTRY) : NULL;
	if (!dentry) {
		security_inode_free(isec);
		kobj_free(KOBJ_SHMEM_INODE, iobj);
		return NULL;
	}
	pthread_mutex_lock(&filemap_lock);
	struct inode *inode = inode_alloc("/dev/zero", true);
	struct file *f = NULL;
	if (!inode) {
		kobj_free(KOBJ_DENTRY, dentry);
		security_inode_free(isec);
		kobj_free(KOBJ_SHMEM_INODE, iobj);
	} else {
		inode->obj = iobj;
		inode->i_security = isec;
		inode->dentry = dentry;
		inode->i_size = size;
		inode->unlinked = true;
		f = file_alloc(inode, FMODE_READ | FMODE_WRITE);
		__iput(inode); /* the file holds it now */
	}
	pthread_mutex_unlock(&filemap_lock);
	return f;
}

static void unmap_beyond(struct mm_struct *mm, struct vm_area_struct *vma, void *arg);

/* open(2) in the store: a new struct file, or NULL with *err. */
struct file *filemap_open(const char *path, int flags, int *err)
{
	*err = check_path(path);
	if (*err)
		return NULL;
	int acc = flags & O_ACCMODE;
	if (acc == O_ACCMODE || (flags & ~(O_ACCMODE | O_CREAT | O_TRUNC | O_EXCL | O_CLOEXEC))) {
		*err = -EINVAL;
		return NULL;
	}
	unsigned int mode = (acc != O_WRONLY ? FMODE_READ : 0) | (acc != O_RDONLY ? FMODE_WRITE : 0);
	if ((flags & O_CREAT) && (*err = store_mount()))
		return NULL;
	void *fobj, *fsec; /* path_openat takes the file first, then looks the name up (and creates it) */
	if (!file_objs_alloc(&fobj, &fsec)) {
		*err = -ENOMEM;
		return NULL;
	}
	pthread_mutex_lock(&filemap_lock);
	int i = __store_index(path);
	struct inode *inode = i >= 0 ? store[i] : NULL;
	struct file *f = NULL;
	if (inode && (flags & O_CREAT) && (flags & O_EXCL))
		*err = -EEXIST;
	else if (!inode && !(flags & O_CREAT))
		*err = -ENOENT;
	else if (!inode)
		inode = __store_create(path, err);
	else if ((flags & O_TRUNC) && (mode & FMODE_WRITE) && inode->swapfile)
		*err = -ETXTBSY; /* handle_truncate -> inode_newsize_ok: an active swap file is not truncated */
	if (!*err)
		*err = __inode_get_core(inode);
	if (*err) {
		security_file_free(fsec);
		kobj_free(KOBJ_FILP, fobj);
	} else if (!(f = __file_alloc(inode, mode, fobj, fsec))) { /* it gives them back if it fails */
		*err = -ENOMEM;
	}
	if (inode && !f)
		__dput(inode); /* the lookup's use ends here */
	bool truncate = f && (flags & O_TRUNC) && (mode & FMODE_WRITE) && inode->i_size;
	pthread_mutex_unlock(&filemap_lock);
	if (truncate) {
		/* truncate_pagecache: PTEs of the file go first, then its pages and its bytes */
		for_each_vma_of_inode(inode, unmap_beyond, NULL);
		pthread_mutex_lock(&filemap_lock);
		struct address_space *m = &inode->i_mapping;
		for (unsigned long k = 0; k < m->nr_slots && !inode->swapfile; k++)
			if (m->pages[k] && !page_mapcount(m->pages[k]))
				__delete_from_page_cache(m->pages[k]);
		if (!inode->swapfile) { /* a swapon that came in since the check keeps its slots (inode_lock's job in 6.1) */
			__clear_shadows(m);
			inode->i_size = 0;
			disk_resize(inode, 0);
		}
		pthread_mutex_unlock(&filemap_lock);
	}
	return f;
}

/* ---- read, write, sync, drop --------------------------------------------------------------- */

static struct inode *__store_lookup(const char *path)
{
	int i = check_path(path) ? -1 : __store_index(path);
	return i >= 0 ? store[i] : NULL;
}

/* read(2) of a file in core: the bytes through its page cache; how many, or -errno if none */
static long __inode_pread(struct inode *inode, void *buf, unsigned long len, unsigned long off)
{
	long done = 0;
	while (off < inode->i_size && (unsigned long)done < len) {
		unsigned long index = off >> PAGE_SHIFT, in = off & ~PAGE_MASK;
		unsigned long n = min(min(PAGE_SIZE - in, len - (unsigned long)done), inode->i_size - off);
		int err = 0;
		struct page *page = __get_page(inode, index, NULL, &err, false);
		if (!page) {
			done = done ? done : err;
			break;
		}
		memcpy((char *)buf + done, (char *)ram_host(page_to_phys(page)) + in, n);
		folio_mark_accessed(page); /* filemap_read: once per page a read touches */
		put_page(page);
		done += (long)n;
		off += n;
	}
	return done;
}

long kmm_file_pread(const char *path, void *buf, unsigned long len, unsigned long off)
{
	pthread_mutex_lock(&filemap_lock);
	struct inode *inode = __store_lookup(path);
	long done = !inode ? -ENOENT : __inode_get_core(inode) ? -ENOMEM : 0;
	if (!done) {
		done = __inode_pread(inode, buf, len, off);
		__dput(inode);
	}
	pthread_mutex_unlock(&filemap_lock);
	return done;
}

/* write(2) of a file in core: the bytes into its page cache, dirty; how many, or -errno if none */
static long __inode_pwrite(struct inode *inode, const void *buf, unsigned long len, unsigned long off)
{
	if (inode->swapfile)
		return -ETXTBSY; /* generic_write_checks_count: an active swap file's bytes are the swap area's */
	long done = 0;
	while ((unsigned long)done < len) {
		unsigned long index = off >> PAGE_SHIFT, in = off & ~PAGE_MASK;
		unsigned long n = min(PAGE_SIZE - in, len - (unsigned long)done);
		int err = 0;
		struct page *page = __get_page(inode, index, NULL, &err, true);
		if (page && (err = __page_get_buffers(page))) {
			put_page(page);
			page = NULL;
		}
		if (!page) {
			done = done ? done : err;
			break;
		}
		memcpy((char *)ram_host(page_to_phys(page)) + in, (const char *)buf + done, n);
		__page_mark_dirty(page);
		put_page(page);
		done += (long)n;
		off += n;
		inode->i_size = max(inode->i_size, off);
	}
	return done;
}

long kmm_file_pwrite(const char *path, const void *buf, unsigned long len, unsigned long off)
{
	if (off + len < off)
		return -EFBIG;
	pthread_mutex_lock(&filemap_lock);
	struct inode *inode = __store_lookup(path);
	long done = !inode ? -ENOENT : __inode_get_core(inode) ? -ENOMEM : 0;
	if (!done) {
		done = __inode_pwrite(inode, buf, len, off);
		__dput(inode);
	}
	pthread_mutex_unlock(&filemap_lock);
	return done;
}

/* kernel_read / kernel_write at off of an open file (its inode is in core while the file is open) */
long filemap_file_pread(struct file *f, void *buf, unsigned long len, unsigned long off)
{
	pthread_mutex_lock(&filemap_lock);
	long done = __inode_pread(f->f_inode, buf, len, off);
	pthread_mutex_unlock(&filemap_lock);
	return done;
}

long filemap_file_pwrite(struct file *f, const void *buf, unsigned long len, unsigned long off)
{
	if (off + len < off)
		return -EFBIG;
	pthread_mutex_lock(&filemap_lock);
	long done = __inode_pwrite(f->f_inode, buf, len, off);
	pthread_mutex_unlock(&filemap_lock);
	return done;
}

/* page_mkclean for a VMA: its shared writable PTEs of the file become read-only and clean (mmap_lock held). */
static void mkclean_vma(struct mm_struct *mm, struct vm_area_struct *vma, void *arg)
{
	if ((vma->vm_flags & (VM_SHARED | VM_WRITE)) == (VM_SHARED | VM_WRITE))
		mkclean_range(mm, vma->vm_start, vma->vm_end);
}

/* truncate to 0: every PTE of the file goes from this VMA (mmap_lock held) */
static void unmap_beyond(struct mm_struct *mm, struct vm_area_struct *vma, void *arg)
{
	zap_page_range(mm, vma->vm_start, vma->vm_end);
}

/*
 * Writeback's reference goes: a clean inode whose dentry went may be
 * pruned now (inode_sync_complete's inode_add_lru); a dentry the shrinker
 * took off its list while writeback held the file goes back on it.
 */
static void __writeback_iput(struct inode *inode)
{
	if (inode->i_count == 1 || inode->unlinked) {
		__iput(inode);
		return;
	}
	if (--inode->i_count == 1 && inode->dentry && list_empty(&inode->d_lru))
		list_lru_add(&dentry_lru, &inode->d_lru, obj_nid(inode->dentry));
	__inode_add_lru(inode, false);
}

/*
 * One file's dirty pages to the disk, at most budget of them (how many
 * were written is returned), the caller's reference on it put after.  An active swap file's disk is the swap area's: a page dirtied
 * through a mapping (6.1 refuses that store with SIGBUS in do_page_mkwrite,
 * which kmm's fault path does not do yet) is not written over the slots.
 */
static unsigned long writeback_inode(struct inode *inode, unsigned long budget)
{
	unsigned long written = 0;
	if (budget)
		for_each_vma_of_inode(inode, mkclean_vma, NULL);
	pthread_mutex_lock(&filemap_lock);
	struct address_space *m = &inode->i_mapping;
	if (inode->disk_size < inode->i_size && !inode->swapfile)
		disk_resize(inode, inode->i_size);
	for (unsigned long k = 0; k < m->nr_slots && written < budget; k++) {
		struct page *page = m->pages[k];
		if (!page || !PAGE_FLAG(page, PG_dirty) || (k << PAGE_SHIFT) >= inode->disk_size)
			continue;
		written++;
		unsigned long off = k << PAGE_SHIFT;
		if (!inode->swapfile) {
			memcpy(inode->disk + off, ram_host(page_to_phys(page)), min(PAGE_SIZE, inode->disk_size - off));
			inode->blocks[k] = 1; /* delayed allocation: the block is had when its page first reaches the disk */
			count_vm_events(PGPGOUT, PAGE_SIZE >> 10); /* KiB, as /proc/vmstat shows them */
			mod_node_page_state(page, nr_written, 1);
		}
		__page_clear_dirty(page);
		if (page_test_clear_flag(page, PG_reclaim))
			folio_rotate_reclaimable(page); /* reclaim wanted it: the inactive tail */
	}
	__writeback_iput(inode);
	pthread_mutex_unlock(&filemap_lock);
	return written;
}

/* vfs_fsync of an open file: its dirty pages to the disk now */
void filemap_fsync(struct file *f)
{
	pthread_mutex_lock(&filemap_lock);
	struct inode *inode = f->f_inode;
	inode->i_count++; /* writeback_inode puts it */
	pthread_mutex_unlock(&filemap_lock);
	writeback_inode(inode, ~0UL);
}

/* swapon's first look at the file: its name still there, and not swap already */
int filemap_swap_check(struct file *f)
{
	pthread_mutex_lock(&filemap_lock);
	int err = f->f_inode->unlinked ? -ENOENT : f->f_inode->swapfile ? -EBUSY : 0;
	pthread_mutex_unlock(&filemap_lock);
	return err;
}

/*
 * ext4's swap_activate (iomap_swapfile_activate) and the S_SWAPFILE mark:
 * the file is written back first (its delayed blocks allocated), then its
 * blocks over ALIGN_DOWN(i_size, PAGE_SIZE) are walked - a hole is
 * refused - and the pages of the extents, at most max, are the area's.
 * The store keeps a file's bytes in one run, so there is one extent.
 */
int filemap_swap_activate(struct file *f, unsigned long max, unsigned char **disk, unsigned long *nr_pages,
			  int *nr_extents)
{
	filemap_fsync(f);
	pthread_mutex_lock(&filemap_lock);
	struct inode *inode = f->f_inode;
	unsigned long pages = inode->i_size >> PAGE_SHIFT, k = 0;
	int err = inode->unlinked ? -ENOENT : inode->swapfile ? -EBUSY : 0;
	if (!err && inode->disk_size < pages << PAGE_SHIFT)
		err = -ENOMEM; /* the write back could not give the disk its size */
	while (!err && k < pages && inode->blocks[k])
		k++;
	if (!err && k < pages) {
		pr_err("swapon: file %s has unallocated extents\n", inode->path);
		err = -EINVAL;
	}
	if (!err && !pages) {
		pr_warn("swapon: Cannot find a single usable page in file.\n");
		err = -EINVAL;
	}
	if (!err) {
		inode->swapfile = true;
		*disk = inode->disk;
		*nr_pages = min(pages, max);
		*nr_extents = 1;
	}
	pthread_mutex_unlock(&filemap_lock);
	return err;
}

/* swapoff: the file is an ordinary one again */
void filemap_swap_deactivate(struct file *f)
{
	pthread_mutex_lock(&filemap_lock);
	f->f_inode->swapfile = false;
	pthread_mutex_unlock(&filemap_lock);
}

/*
 * Write back the dirty pages of every named file whose first dirty page is
 * older than older_than (ns of the simulated clock; ~0: all of them): per
 * file, the shared writable PTEs are made read-only first (page_mkclean,
 * under the tasks' locks) so the next store dirties the page again, then
 * the bytes go to the disk and the pages are clean.
 */
static unsigned long writeback_inodes(u64 older_than, unsigned long budget)
{
	unsigned long written = 0;
	pthread_mutex_lock(&filemap_lock);
	int n = 0;
	struct inode **snap = malloc((size_t)(nr_store ? nr_store : 1) * sizeof(*snap));
	for (int i = 0; snap && i < nr_store; i++)
		if (store[i]->nr_dirty && (older_than == ~0ULL || store[i]->dirtied_when <= older_than)) {
			snap[n] = store[i];
			snap[n++]->i_count++;
		}
	pthread_mutex_unlock(&filemap_lock);
	if (!snap)
		return 0;
	for (int i = 0; i < n; i++)
		written += writeback_inode(snap[i], budget - written); /* with nothing left to write, it only puts its reference */
	free(snap);
	return written;
}

void kmm_sync(void)
{
	if (M)
		writeback_inodes(~0ULL, ~0UL);
}

/*
 * The flusher's periodic work (wb_workfn, kupdate style): every
 * vm.dirty_writeback_centisecs of simulated time, files dirtied more than
 * vm.dirty_expire_centisecs ago are written back.  A timer of the machine
 * (sim/clock.c runs it when its moment has passed; 0 centisecs: off).
 */
static void wb_kupdate(void)
{
	u64 expire = (u64)M->dirty_expire_centisecs * 10000000ULL;
	if (kmm_clock_ns() >= expire)
		writeback_inodes(kmm_clock_ns() - expire, ~0UL);
}

/*
 * wakeup_flusher_threads(WB_REASON_VMSCAN): reclaim met only dirty pages;
 * the flusher writes all of them, from now on, in wb_writeback's chunks
 * of MAX_WRITEBACK_PAGES: each chunk keeps the disk busy for its pages'
 * transfer time before the next one starts, so reclaim goes on meanwhile
 * (and kswapd may meet the pages still dirty a second time).
 */
#define MAX_WRITEBACK_PAGES 1024
#define FILE_WRITE_PAGE_NS SWAP_READ_PAGE_NS /* the same disk: 4 KiB each way in the same time */

void wakeup_flusher_threads(void)
{
	__atomic_store_n(&M->flusher_kick, 1, __ATOMIC_RELAXED);
}

u64 wb_next_timer(void)
{
	if (__atomic_load_n(&M->flusher_kick, __ATOMIC_RELAXED))
		return __atomic_load_n(&M->flusher_busy_until, __ATOMIC_RELAXED); /* 0 or the past: now */
	return M->dirty_writeback_centisecs > 0 ? __atomic_load_n(&M->next_writeback_ns, __ATOMIC_RELAXED) : ~0ULL;
}

void wb_timer(u64 now)
{
	if (__atomic_load_n(&M->flusher_kick, __ATOMIC_RELAXED) &&
	    __atomic_load_n(&M->flusher_busy_until, __ATOMIC_RELAXED) <= now) {
		unsigned long written = writeback_inodes(~0ULL, MAX_WRITEBACK_PAGES);
		__atomic_store_n(&M->flusher_busy_until, now + written * FILE_WRITE_PAGE_NS, __ATOMIC_RELAXED);
		if (written < MAX_WRITEBACK_PAGES)
			__atomic_store_n(&M->flusher_kick, 0, __ATOMIC_RELAXED); /* nothing dirty is left */
	}
	while (M->dirty_writeback_centisecs > 0 && M->next_writeback_ns <= now) {
		wb_kupdate();
		__atomic_store_n(&M->next_writeback_ns,
				 max(M->next_writeback_ns, now) + (u64)M->dirty_writeback_centisecs * 10000000ULL,
				 __ATOMIC_RELAXED);
	}
}

/* drop_caches=1: clean pages that no PTE maps and nobody holds leave the cache. */
void drop_pagecache(void)
{
	pthread_mutex_lock(&filemap_lock);
	for (int i = 0; i < nr_store; i++)
		__invalidate_mapping_pages(store[i]);
	pthread_mutex_unlock(&filemap_lock);
}

unsigned long kmm_page_cache_pages(void)
{
	return M ? (unsigned long)global_node_page_state(nr_file_pages) : 0;
}

long kmm_file_cached_pages(const char *path)
{
	pthread_mutex_lock(&filemap_lock);
	struct inode *inode = __store_lookup(path);
	long n = inode ? (long)inode->i_mapping.nrpages : -ENOENT;
	pthread_mutex_unlock(&filemap_lock);
	return n;
}

/* ---- the machine's end, and the check ------------------------------------------------------ */

/* The store goes with the machine (after its tasks, which held its files). */
void filemap_exit(void)
{
	pthread_mutex_lock(&sb_shrinker_lock);
	unregister_shrinker(&sb_shrinker);
	pthread_mutex_unlock(&sb_shrinker_lock);
	pthread_mutex_lock(&filemap_lock);
	while (nr_store) {
		struct inode *inode = store[--nr_store];
		inode->unlinked = true;
		__iput(inode);
	}
	free(store);
	store = NULL;
	store_cap = 0;
	next_ino = FIRST_INO;
	next_shmem_ino = 1;
	pthread_mutex_unlock(&filemap_lock);
}

/* Every file's cache: pages point back at it, and the node counters equal a recount. */
int filemap_verify(char *why, size_t whylen)
{
	long cached = 0, shmem = 0, dirty = 0, mapped = 0;
	unsigned long nr_d_lru = 0, nr_i_lru = 0;
	int ret = 0;
	pthread_mutex_lock(&filemap_lock);
	struct list_head *pos;
	list_for_each(pos, &all_inodes) {
		struct inode *inode = list_entry(pos, struct inode, i_list);
		struct address_space *m = &inode->i_mapping;
		unsigned long n = 0, swapped = 0;
		for (unsigned long k = 0; k < m->nr_slots && !ret; k++) {
			struct page *page = m->pages[k];
			unsigned long shadow = m->shadows ? m->shadows[k] : 0;
			/* a shadow (a shmem file's: a swap entry that holds its slot) is a value entry where no page is */
			if (shadow && (page || !(shadow & 1) ||
				       (inode->shmem && swap_count(__shmem_swap_entry(m, k)) < 1))) {
				snprintf(why, whylen, "%s: index %lu has shadow %#lx beside page %p", inode->path, k, shadow,
					 (void *)page);
				ret = -EINVAL;
			}
			swapped += inode->shmem && shadow;
			if (!page)
				continue;
			n++;
			dirty += PAGE_FLAG(page, PG_dirty) ? 1 : 0;
			mapped += page_mapcount(page) > 0; /* relaxed: other CPUs' faults change it */
			if (!!PAGE_FLAG(page, PG_private) != !!page->private || (page->private && inode->shmem)) {
				snprintf(why, whylen, "%s: the cache page at index %lu has PG_private %d, private %#lx",
					 inode->path, k, !!PAGE_FLAG(page, PG_private), page->private);
				ret = -EINVAL;
			}
			if (page->mapping != m || page->index != k || page_ref_count(page) < 1 + page_mapcount(page)) {
				snprintf(why, whylen, "%s: the cache page at index %lu has mapping %p index %lu refcount %d "
					 "mapcount %d", inode->path, k, page->mapping, page->index, page_ref_count(page),
					 page_mapcount(page));
				ret = -EINVAL;
			}
		}
		if (!ret && (inode->i_count > 1 || m->nrpages) && !inode->obj) {
			snprintf(why, whylen, "%s: %d references and %lu pages, but no inode object in RAM", inode->path,
				 inode->i_count, m->nrpages);
			ret = -EINVAL;
		}
		bool on_d = !list_empty(&inode->d_lru), on_i = !list_empty(&inode->i_lru);
		if (!ret && ((inode->dentry && !inode->obj) || (on_d && !inode->dentry) || (on_i && !inode->obj) ||
			     ((on_d || on_i) && (inode->unlinked || inode->shmem)))) {
			snprintf(why, whylen, "%s: dentry %s, inode %s, on the dentry LRU %d, the inode LRU %d%s", inode->path,
				 inode->dentry ? "in core" : "pruned", inode->obj ? "in core" : "evicted", on_d, on_i,
				 inode->unlinked ? ", unlinked" : "");
			ret = -EINVAL;
		}
		if (on_d)
			nr_d_lru++;
		if (on_i)
			nr_i_lru++;
		if (!ret && n != m->nrpages) {
			snprintf(why, whylen, "%s: %lu pages cached, nrpages says %lu", inode->path, n, m->nrpages);
			ret = -EINVAL;
		}
		if (!ret && swapped != inode->swapped) {
			snprintf(why, whylen, "%s: %lu swap entries, swapped says %lu", inode->path, swapped, inode->swapped);
			ret = -EINVAL;
		}
		unsigned long nodes = xa_nodes_held(m);
		if (!ret && nodes != xa_nodes_recount(m)) {
			snprintf(why, whylen, "%s: %lu xarray nodes held, its %lu pages need %lu", inode->path, nodes, n,
				 xa_nodes_recount(m));
			ret = -EINVAL;
		}
		cached += (long)n;
		shmem += inode->shmem ? (long)n : 0;
		if (ret)
			break;
	}
	if (!ret && (nr_d_lru != list_lru_count(&dentry_lru) || nr_i_lru != list_lru_count(&inode_lru))) {
		snprintf(why, whylen, "the dentry and inode LRUs count %lu and %lu entries, hold %lu and %lu",
			 list_lru_count(&dentry_lru), list_lru_count(&inode_lru), nr_d_lru, nr_i_lru);
		ret = -EINVAL;
	}
	pthread_mutex_unlock(&filemap_lock);
	if (!ret && (global_node_page_state(nr_file_pages) != cached || global_node_page_state(nr_shmem) != shmem ||
		     global_node_page_state(nr_file_dirty) != dirty || global_node_page_state(nr_file_mapped) != mapped)) {
		snprintf(why, whylen, "file/shmem/dirty/mapped pages: counters %ld/%ld/%ld/%ld, recount %ld/%ld/%ld/%ld",
			 global_node_page_state(nr_file_pages), global_node_page_state(nr_shmem),
			 global_node_page_state(nr_file_dirty), global_node_page_state(nr_file_mapped), cached, shmem, dirty,
			 mapped);
		ret = -EINVAL;
	}
	return ret;
}

/* ---- stat(2) (a task's descriptors are fs/file.c's) --------------------------------------------- */

/*
 * stat(2)'s part in kernel memory: vfs_statx takes the name
 * (getname_flags) and walks to the file; 0, or -ENOENT when the store
 * has no file of that name (the other errors of check_path as open's).
 */
int task_stat(struct task_struct *t, const char *path, unsigned long *size)
{
	if (!t || !t->mm)
		return -EINVAL;
	int err = check_path(path);
	if (err)
		return err;
	void *name = kobj_getname(path);
	if (!name)
		return -ENOMEM;
	pthread_mutex_lock(&filemap_lock);
	struct inode *inode = __store_lookup(path);
	err = !inode ? -ENOENT : __inode_get_core(inode) ? -ENOMEM : 0;
	if (!err && size)
		*size = inode->i_size;
	if (!err)
		__dput(inode);
	pthread_mutex_unlock(&filemap_lock);
	kobj_putname(name);
	return err;
}

/* ---- reclaim's part (mm/vmscan.c) ------------------------------------------------------------ */

/*
 * Reclaim may run inside an allocation made with filemap_lock held (a
 * page-cache read): then it works under that hold; else it takes the lock.
 * true: it took the lock, and filemap_reclaim_unlock gives it back.
 */
bool filemap_reclaim_lock(void)
{
	return pthread_mutex_lock(&filemap_lock) == 0; /* EDEADLK: this thread holds it already */
}

void filemap_reclaim_unlock(bool took)
{
	if (took)
		pthread_mutex_unlock(&filemap_lock);
}

/* The file a page-cache page belongs to (filemap_lock held), NULL if it left the cache. */
struct inode *page_cache_inode(const struct page *page)
{
	const struct address_space *m = page_mapping_raw(page);
	if (!m || ((unsigned long)m & 1) || m->host->shmem || page->index >= m->nr_slots || m->pages[page->index] != page)
		return NULL;
	return m->host;
}

/* The shmem file a page of its cache belongs to (filemap_lock held), NULL for any other page. */
struct inode *page_shmem_inode(const struct page *page)
{
	const struct address_space *m = page_mapping_raw(page);
	if (!m || ((unsigned long)m & 1) || !m->host->shmem || page->index >= m->nr_slots || m->pages[page->index] != page)
		return NULL;
	return m->host;
}

/*
 * ext4_writepage for kswapd's pageout (filemap_lock held; the page locked,
 * isolated, mapped by no PTE, dirty): a page whose block the disk has
 * (blocks[]) is written and clean - the store writes at once, so it is
 * never under writeback after; one whose block is still delayed is left
 * dirty (redirty_page_for_writepage: ext4 allocates no block from
 * reclaim; the flusher will).  true if it was written.
 */
bool filemap_writepage(struct page *page)
{
	struct inode *inode = page_cache_inode(page);
	if (!inode || inode->swapfile)
		return false;
	unsigned long k = page->index, off = k << PAGE_SHIFT;
	if (off >= inode->disk_size || !inode->blocks[k]) {
		mod_node_page_state(page, nr_dirtied, -1); /* folio_account_redirty */
		return false;
	}
	memcpy(inode->disk + off, ram_host(page_to_phys(page)), min(PAGE_SIZE, inode->disk_size - off));
	count_vm_events(PGPGOUT, PAGE_SIZE >> 10);
	mod_node_page_state(page, nr_written, 1);
	__page_clear_dirty(page);
	return true;
}

/* A PTE's dirty bit found by reclaim's unmapping (filemap_lock held). */
void __set_page_dirty_locked(struct page *page)
{
	__page_mark_dirty(page);
}

/*
 * __remove_mapping: a clean page no PTE maps leaves the cache, if the
 * cache's reference and the caller's are its only ones (filemap_lock
 * held).  true: it left, the caller's put_page frees it.  Only reclaim
 * calls it, so the page was evicted: a shadow entry takes its slot
 * (drop_caches and truncate leave none, as 6.1's do).
 */
bool __remove_mapping(struct page *page)
{
	if (!page_cache_inode(page) || PAGE_FLAG(page, PG_dirty) || page_mapcount(page) || page_ref_count(page) != 2)
		return false;
	struct address_space *m = page->mapping;
	unsigned long index = page->index, shadow = workingset_eviction(page); /* reclaimed: its shadow stays */
	__delete_from_page_cache(page);
	__store_shadow(m, index, shadow);
	return true;
}

/*
 * folio_migrate_mapping for a page-cache or shmem page (filemap_lock
 * held; both pages locked; old unmapped everywhere, new fresh and charged
 * to old's group): if old's references are exactly expected - frozen to
 * 0 meanwhile, as folio_ref_freeze does, so no lookup takes one - its
 * slot takes new, which gets the cache's reference, the dirty state, the
 * buffer_heads (buffer_migrate_folio: ext4's pages move dirty or clean;
 * shmem's migrate_folio has none) and the per-node counters.  Old keeps
 * expected - 1 references (the caller's) and no mapping.  -EAGAIN: a
 * reference more (pinned) or the page left the cache.
 */
int filemap_migrate_page(struct page *old, struct page *new, int expected)
{
	struct address_space *m = page_mapping_raw(old);
	if (!page_cache_inode(old) && !page_shmem_inode(old))
		return -EAGAIN;
	int c = expected;
	if (!__atomic_compare_exchange_n(&old->_refcount, &c, 0, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return -EAGAIN;
	unsigned long index = old->index;
	get_page(new); /* the cache's */
	__atomic_store_n(&new->mapping, m, __ATOMIC_RELAXED);
	new->index = index;
	page_set_flag(new, PG_uptodate);
	if (m->host->shmem)
		page_set_flag(new, PG_swapbacked);
	if (page_test_clear_flag(old, PG_dirty)) { /* inode->nr_dirty stays: the page is still its dirty one */
		page_set_flag(new, PG_dirty);
		mod_node_page_state(old, nr_file_dirty, -1);
		mod_node_page_state(new, nr_file_dirty, 1);
	}
	if (page_test_clear_flag(old, PG_private)) {
		/* whole stores: compaction's migrate scanner reads private unlocked */
		__atomic_store_n(&new->private, old->private, __ATOMIC_RELAXED);
		__atomic_store_n(&old->private, 0UL, __ATOMIC_RELAXED);
		page_set_flag(new, PG_private);
	}
	m->pages[index] = new;
	mod_node_page_state(old, nr_file_pages, -1);
	mod_node_page_state(new, nr_file_pages, 1);
	if (m->host->shmem) {
		mod_node_page_state(old, nr_shmem, -1);
		mod_node_page_state(new, nr_shmem, 1);
	}
	page_clear_flag(old, PG_uptodate);
	__atomic_store_n(&old->mapping, NULL, __ATOMIC_RELAXED);
	old->index = 0;
	__atomic_store_n(&old->_refcount, expected - 1, __ATOMIC_RELEASE); /* the cache's reference went to new */
	return 0;
}
