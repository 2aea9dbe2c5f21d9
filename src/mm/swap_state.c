/*
 * swap_state.c - the swap cache, swap I/O and swap readahead, as Linux
 * 6.1's mm/swap_state.c and mm/page_io.c.
 *
 * An anonymous page on its way to swap, or back from it, is in the swap
 * cache: PG_swapcache (PG_owner_priv_1 of a PG_swapbacked page), its swap
 * entry in page->private, one reference held by the cache, and its slot
 * marked SWAP_HAS_CACHE.  The cache is a hash from entry to page (Linux's
 * swapper_spaces xarrays), so a fault on a swap PTE finds a page that is
 * still there (a minor fault) or reads it back (a major one), and every
 * task sharing the slot after fork gets the same page.
 *
 *   add_to_swap            reclaim: a slot for the page, the page into the cache, dirty
 *   swap_writepage         the page's bytes onto the slot (pswpout): mm/page_io.c
 *   remove_from_swap_cache reclaim: out of the cache once no PTE maps it, a
 *                          shadow entry left on the slot (workingset_eviction)
 *   swapin_readahead       a fault: the cached page, or the page and its
 *                          neighbours read from their slots (pswpin each)
 *   try_to_free_swap       the page stays, its slot goes (no PTE holds the slot any more)
 *   free_swap_and_cache    a PTE holding the slot goes (zap)
 *   swap_cache_free_slot   swapoff: a cached page no PTE wants lets go of its slot
 *
 * A shmem page (mm/filemap.c's shmem_writepage) comes into the cache
 * unmapped and out of its file's cache (shmem_add_to_swap_cache); its
 * slot is held by the swap entry the file keeps at its index, not by a
 * PTE, and from there reclaim treats it as any unmapped swap-cache page.
 * It goes back (shmem_swapin: found cached, or read with the slot way's
 * window; shmem_swapin_done: out of the cache, the slot freed) on a fault
 * or at swapoff.  A slot's count is its holders either way: PTEs, or the
 * one shmem entry.
 *
 * Readahead, as 6.1 chooses it (swap_use_vma_readahead): VMA-based when
 * /sys/kernel/mm/swap/vma_ra_enabled and no swap area is on a rotational
 * disk, else by slot (swap_cluster_readahead).  kmm_swapon's disks are
 * rotational, as QEMU's virtio disk is, so the slot way is the default,
 * as in the reference capture; kmm_swapon_disk makes a solid-state one.
 * The window is 1 << vm.page-cluster pages at most (3 by default, 2 under
 * 16 MiB of RAM: swap_setup), sized by __swapin_nr_pages from the hits
 * since the last miss - no hits and a fault not next to the last one: one
 * page; else hits + 2 rounded up to a power of two from 4, and never
 * below half the last window:
 *
 *   by slot: the aligned block of the window around the slot
 *            | s s s S s s s s |        (slot 0, the header, never)
 *   by VMA:  the window's pages of the VMA around the address, inside its
 *            page table (the PMD), ahead of the fault if it moved up by a
 *            page, behind it if down, else centred; the PTEs are copied
 *            first (on 32 bits 6.1 copies them too); the state is
 *            vma->swap_readahead_info = page | window << 6 | hits (SWAP_RA_VAL)
 *
 * Every page read ahead (not the faulting one) is marked PG_readahead
 * (PG_reclaim's bit, as Linux shares it) and counted in swap_ra; a fault
 * or swapoff that later finds it in the cache clears the mark and counts
 * swap_ra_hit, and the hit feeds the next window (the VMA's hits, or the
 * global swapin_readahead_hits for the slot way).  The fault that found
 * its page cached is minor; one that had to read is major (do_swap_page
 * counts pgmajfault).  A page read back whose slot kept a shadow entry is
 * a refault for mm/workingset.c, which may activate it.
 *
 * Swap writes are mm/page_io.c's: submitted by reclaim, completed later
 * on the simulated disk's time, and the page freed by the scan after
 * that.  Reads are synchronous: a fault that reads waits on the disk for
 * one request and the window's pages (do_swap_page's sim_io_wait), so no
 * page read ahead is still under I/O when it is found (6.1's
 * lock_page_or_retry).  A page under writeback keeps its place in the
 * cache and its slot.
 *
 * Locking: swap_cache_lock guards the hash; it nests inside mmap_lock and
 * the page lock, and the slot counts (swap_lock) nest inside it.  Nothing
 * is allocated under it.  The readahead state is atomic.
 */
#include "internal.h"

#include <sched.h>
#include "sim/ram.h"

#include <kmm/swap.h>
#include <kmm/task.h>

static pthread_mutex_t swap_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct page **cache_slots; /* open addressing on entry.val; NULL free, TOMBSTONE deleted */
static unsigned long cache_cap, cache_used, cache_nr;
static struct page tombstone;
#define TOMBSTONE (&tombstone)
#define PG_readahead PG_reclaim /* Linux shares the bit: reclaim never writes back a page just read */

static inline bool PageSwapCache(const struct page *page)
{
	unsigned long f = __atomic_load_n(&page->flags, __ATOMIC_RELAXED);
	return (f & (1UL << PG_swapbacked)) && (f & (1UL << PG_owner_priv_1));
}

bool page_in_swap_cache(const struct page *page)
{
	return PageSwapCache(page);
}

static unsigned long cache_hash(unsigned long val)
{
	return (val * 0x9e3779b97f4a7c15UL) >> 7;
}

/* The slot of entry in the hash, or where it would go (swap_cache_lock held). */
static unsigned long cache_find(unsigned long val, bool *found)
{
	unsigned long i = cache_hash(val) & (cache_cap - 1), first_free = ~0UL;
	for (;; i = (i + 1) & (cache_cap - 1)) {
		struct page *p = cache_slots[i];
		if (!p) {
			*found = false;
			return first_free != ~0UL ? first_free : i;
		}
		if (p == TOMBSTONE) {
			if (first_free == ~0UL)
				first_free = i;
		} else if (p->private == val) {
			*found = true;
			return i;
		}
	}
}

/* Room for one more entry (swap_cache_lock held): -ENOMEM if the host has none. */
static int cache_grow(void)
{
	if ((cache_used + 1) * 4 < cache_cap * 3)
		return 0;
	unsigned long cap = cache_cap ? cache_cap * 2 : 1024;
	if (cache_nr * 2 < cache_cap)
		cap = cache_cap; /* mostly tombstones: rehash at the same size */
	struct page **old = cache_slots, **n = calloc(cap, sizeof(*n));
	if (!n)
		return -ENOMEM;
	unsigned long old_cap = cache_cap;
	cache_slots = n;
	cache_cap = cap;
	cache_used = 0;
	for (unsigned long i = 0; i < old_cap; i++)
		if (old[i] && old[i] != TOMBSTONE) {
			bool found;
			cache_slots[cache_find(old[i]->private, &found)] = old[i];
			cache_used++;
		}
	free(old);
	return 0;
}

static void nr_swapcache_add(struct page *page, long nr)
{
	mod_node_page_state(page, nr_swapcached, nr); /* and the page's memory cgroup's */
}

/* add_to_swap_cache: the page (locked, not in the cache) for entry, with the cache's reference. */
static int add_to_swap_cache(struct page *page, swp_entry_t entry)
{
	pthread_mutex_lock(&swap_cache_lock);
	int ret = cache_grow();
	if (!ret) {
		bool found;
		unsigned long i = cache_find(entry.val, &found);
		if (found) {
			ret = -EEXIST;
		} else {
			get_page(page);
			__atomic_store_n(&page->private, entry.val, __ATOMIC_RELAXED); /* whole: compaction reads it unlocked */
			page_set_flag(page, PG_swapbacked);
			page_set_flag(page, PG_owner_priv_1);
			if (!cache_slots[i])
				cache_used++;
			cache_slots[i] = page;
			cache_nr++;
			nr_swapcache_add(page, 1);
		}
	}
	pthread_mutex_unlock(&swap_cache_lock);
	return ret;
}

/* __delete_from_swap_cache: out of the hash; the cache's reference is the caller's to drop. */
static void delete_from_swap_cache_locked(struct page *page)
{
	bool found;
	unsigned long i = cache_find(page->private, &found);
	MM_BUG_ON(!found || cache_slots[i] != page);
	cache_slots[i] = TOMBSTONE;
	cache_nr--;
	nr_swapcache_add(page, -1);
	page_clear_flag(page, PG_owner_priv_1);
	page_clear_flag(page, PG_readahead); /* a mark never hit does not follow the page out */
	__atomic_store_n(&page->private, 0UL, __ATOMIC_RELAXED);
	if (!page_mapcount(page))
		__atomic_store_n(&page->mapping, NULL, __ATOMIC_RELAXED); /* its anon_vma was kept for the cache; unmapped, it is only being freed */
}

/*
 * delete_from_swap_cache + put_swap_folio: the page leaves the cache, its
 * slot loses the cache's hold.  A shadow (reclaim's eviction) stays on the
 * slot while a PTE still holds it; a slot that comes free drops it.
 */
static void __delete_from_swap_cache(struct page *page, unsigned long shadow)
{
	swp_entry_t entry = { page->private };
	pthread_mutex_lock(&swap_cache_lock);
	delete_from_swap_cache_locked(page);
	pthread_mutex_unlock(&swap_cache_lock);
	if (shadow)
		swap_shadow_set(entry, shadow);
	swapcache_free(entry); /* the SWAP_HAS_CACHE hold */
	put_page(page);        /* the cache's reference */
}

static void delete_from_swap_cache(struct page *page)
{
	__delete_from_swap_cache(page, 0);
}

/* lookup_swap_cache: the page cached for entry, referenced, or NULL */
static struct page *lookup_swap_cache(swp_entry_t entry)
{
	struct page *page = NULL;
	pthread_mutex_lock(&swap_cache_lock);
	if (cache_cap) {
		bool found;
		unsigned long i = cache_find(entry.val, &found);
		if (found) {
			page = cache_slots[i];
			get_page(page);
		}
	}
	pthread_mutex_unlock(&swap_cache_lock);
	return page;
}

/* ---- reclaim's side ---------------------------------------------------------------------------- */

/* add_to_swap: a slot and the cache for an anonymous page (locked); false when swap is full. */
bool add_to_swap(struct page *page)
{
	swp_entry_t entry = get_swap_page();
	if (!entry.val)
		return false;
	if (add_to_swap_cache(page, entry)) {
		swapcache_free(entry); /* the HAS_CACHE hold it was given */
		return false;
	}
	page_set_flag(page, PG_dirty); /* its bytes are nowhere else yet */
	return true;
}

/*
 * __remove_mapping for a swap-cache page: out of the cache if no PTE maps
 * it and the cache's reference and the caller's are its only ones; the
 * caller's put_page frees it then.  Reclaim evicted it: its slot keeps
 * the shadow (page locked and isolated from the LRU).
 */
bool remove_from_swap_cache(struct page *page)
{
	if (!PageSwapCache(page) || page_flag(page, PG_dirty) || page_flag(page, PG_writeback) || page_mapcount(page) ||
	    page_ref_count(page) != 2)
		return false;
	__delete_from_swap_cache(page, workingset_eviction(page));
	return true;
}

/* ---- the fault's side ------------------------------------------------------------------------- */

int page_cluster = 3;
bool enable_vma_readahead = true;
static long swapin_readahead_hits;          /* readahead hits of the slot way since its last window */
static unsigned long ra_prev_offset;        /* the slot of its last miss */
static unsigned int ra_last_pages;          /* its last window */
static __thread unsigned long pages_read;   /* by this thread's swapin_readahead so far */

/* swap_setup (6.1 calls it from kswapd_init): a machine under 16 MiB reads ahead less */
void swap_setup(void)
{
	unsigned long megs = totalram_pages() >> (20 - PAGE_SHIFT);
	__atomic_store_n(&page_cluster, megs < 16 ? 2 : 3, __ATOMIC_RELAXED);
	__atomic_store_n(&enable_vma_readahead, true, __ATOMIC_RELAXED);
	__atomic_store_n(&swapin_readahead_hits, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&ra_prev_offset, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&ra_last_pages, 0, __ATOMIC_RELAXED);
}

/* vm.page-cluster as a shift (6.1 takes any int >= 0 and would shift by it; past 30 is no window more) */
static unsigned int page_cluster_shift(void)
{
	int pc = __atomic_load_n(&page_cluster, __ATOMIC_RELAXED);
	return pc < 0 ? 0 : pc > 30 ? 30 : (unsigned int)pc;
}

static bool swap_use_vma_readahead(void)
{
	return __atomic_load_n(&enable_vma_readahead, __ATOMIC_RELAXED) && !swap_area_rotational();
}

/* SWAP_RA_VAL (vma->swap_readahead_info): page address | window << 6 | hits */
#define SWAP_RA_WIN_SHIFT (PAGE_SHIFT / 2)
#define SWAP_RA_HITS_MASK ((1UL << SWAP_RA_WIN_SHIFT) - 1)
#define SWAP_RA_HITS_MAX SWAP_RA_HITS_MASK
#define SWAP_RA_WIN_MASK (~PAGE_MASK & ~SWAP_RA_HITS_MASK)
#define SWAP_RA_HITS(v) ((v) & SWAP_RA_HITS_MASK)
#define SWAP_RA_WIN(v) (((v) & SWAP_RA_WIN_MASK) >> SWAP_RA_WIN_SHIFT)
#define SWAP_RA_ADDR(v) ((v) & PAGE_MASK)
#define SWAP_RA_VAL(addr, win, hits) \
	(((addr) & PAGE_MASK) | (((unsigned long)(win) << SWAP_RA_WIN_SHIFT) & SWAP_RA_WIN_MASK) | ((hits) & SWAP_RA_HITS_MASK))
#define SWAP_RA_PTE_CACHE_SIZE 32 /* 1 << SWAP_RA_ORDER_CEILING on 64 bits (5); 32 bits have 3 */

/*
 * swap_cache_get_folio: the cached page for entry, referenced, or NULL.
 * A page read ahead is a hit: its mark goes, swap_ra_hit counts, and the
 * next window grows (vma: the VMA's hits, else the slot way's).
 */
static struct page *swap_cache_get_page(swp_entry_t entry, struct vm_area_struct *vma, unsigned long addr)
{
	struct page *page = lookup_swap_cache(entry);
	if (!page)
		return NULL;
	bool vma_ra = swap_use_vma_readahead();
	bool readahead = page_test_clear_flag(page, PG_readahead);
	if (vma && vma_ra) {
		unsigned long ra_val = __atomic_load_n(&vma->swap_readahead_info, __ATOMIC_RELAXED);
		unsigned long win = SWAP_RA_WIN(ra_val), hits = SWAP_RA_HITS(ra_val);
		if (readahead)
			hits = min(hits + 1, SWAP_RA_HITS_MAX);
		__atomic_store_n(&vma->swap_readahead_info, SWAP_RA_VAL(addr, win, hits), __ATOMIC_RELAXED);
	}
	if (readahead) {
		count_vm_event(SWAP_RA_HIT);
		if (!vma || !vma_ra)
			__atomic_add_fetch(&swapin_readahead_hits, 1, __ATOMIC_RELAXED);
	}
	return page;
}

/*
 * __read_swap_cache_async: the cached page for entry, or a new one in the
 * cache and on the LRU, locked for its read (*allocated).  Referenced;
 * NULL without memory, or for a slot no PTE holds (nothing to read, or a
 * race lost to the slot's freeing).  A shadow left on the slot makes it a
 * refault (workingset_refault, which may start it active).
 */
static struct page *__read_swap_cache_async(swp_entry_t entry, bool *allocated)
{
	*allocated = false;
	for (;;) {
		struct page *page = lookup_swap_cache(entry);
		if (page)
			return page;
		if (!swap_count(entry))
			return NULL; /* no PTE holds it: the slot went, or never was */
		page = alloc_pages(GFP_HIGHUSER_MOVABLE, 0);
		if (!page)
			return NULL;
		/* mem_cgroup_swapin_charge_folio: kmm keeps no swap_cgroup record, so the faulting task's group */
		if (mem_cgroup_charge(page, NULL, GFP_HIGHUSER_MOVABLE)) {
			put_page(page);
			return NULL;
		}
		int held = swap_duplicate_cache(entry);
		if (held == -EEXIST) { /* another fault is reading it in: its page, once it is in the cache */
			put_page(page);
			sched_yield();
			continue;
		}
		if (held) {
			put_page(page);
			return NULL; /* the slot went meanwhile */
		}
		/* locked until its bytes are in: a fault that finds it in the cache waits for the lock */
		__atomic_fetch_or(&page->flags, 1UL << PG_locked, __ATOMIC_ACQUIRE);
		if (add_to_swap_cache(page, entry)) {
			swapcache_free(entry);
			unlock_page(page);
			put_page(page);
			return NULL;
		}
		unsigned long shadow = swap_shadow_take(entry);
		if (shadow)
			workingset_refault(page, shadow);
		folio_add_lru(page);
		*allocated = true;
		return page;
	}
}

/* swap_readpage: the slot's bytes into the new page (locked), marked if read ahead, then unlocked */
static void swap_readpage(struct page *page, bool readahead)
{
	memcpy(ram_host(page_to_phys(page)), swap_slot_bytes((swp_entry_t){ page->private }), PAGE_SIZE);
	count_vm_event(PSWPIN);
	count_vm_events(PGPGIN, PAGE_SIZE >> 10);
	pages_read++;
	if (readahead) {
		page_set_flag(page, PG_readahead);
		count_vm_event(SWAP_RA);
	}
	unlock_page(page);
}

/* read_swap_cache_async: the page for entry, read if it was not cached; referenced, or NULL */
static struct page *read_swap_cache_async(swp_entry_t entry)
{
	bool allocated;
	struct page *page = __read_swap_cache_async(entry, &allocated);
	if (allocated)
		swap_readpage(page, false);
	return page;
}

/*
 * One page of a readahead window: read into the cache unless it was
 * there (or no PTE wants its slot); a neighbour (readahead) is marked and
 * counted, the faulting page itself is not.
 */
static void swap_read_window_page(swp_entry_t entry, bool readahead)
{
	bool allocated;
	struct page *page = __read_swap_cache_async(entry, &allocated);
	if (!page)
		return;
	if (allocated)
		swap_readpage(page, readahead);
	put_page(page);
}

/*
 * __swapin_nr_pages: the window.  Hits since the last one make it hits +
 * 2 rounded up to a power of two from 4; no hits, 2 if this fault is next
 * to the last, else 1; at most max_pages, at least half the last window.
 */
static unsigned int __swapin_nr_pages(unsigned long prev_offset, unsigned long offset, unsigned int hits,
				      unsigned int max_pages, unsigned int prev_win)
{
	unsigned int pages = hits + 2;
	if (pages == 2) {
		if (offset != prev_offset + 1 && offset != prev_offset - 1)
			pages = 1;
	} else {
		unsigned int roundup = 4;
		while (roundup < pages)
			roundup <<= 1;
		pages = roundup;
	}
	if (pages > max_pages)
		pages = max_pages;
	if (pages < prev_win / 2) /* do not shrink the window too fast */
		pages = prev_win / 2;
	return pages;
}

/* swapin_nr_pages: the slot way's window, from the hits since its last one */
static unsigned long swapin_nr_pages(unsigned long offset)
{
	unsigned int max_pages = 1U << page_cluster_shift();
	if (max_pages <= 1)
		return 1;
	unsigned int hits = (unsigned int)__atomic_exchange_n(&swapin_readahead_hits, 0, __ATOMIC_RELAXED);
	unsigned int pages = __swapin_nr_pages(__atomic_load_n(&ra_prev_offset, __ATOMIC_RELAXED), offset, hits, max_pages,
					       __atomic_load_n(&ra_last_pages, __ATOMIC_RELAXED));
	if (!hits)
		__atomic_store_n(&ra_prev_offset, offset, __ATOMIC_RELAXED);
	__atomic_store_n(&ra_last_pages, pages, __ATOMIC_RELAXED);
	return pages;
}

/* swap_cluster_readahead: the aligned block of slots around entry's, then entry's page */
static struct page *swap_cluster_readahead(swp_entry_t entry)
{
	unsigned long offset = swp_offset(entry), mask = swapin_nr_pages(offset) - 1;
	if (mask) {
		unsigned long start = offset & ~mask, end = offset | mask, max = swap_area_max(swp_type(entry));
		if (!start)
			start++; /* slot 0 is the header */
		if (max && end >= max)
			end = max - 1;
		for (unsigned long o = start; o <= end; o++)
			swap_read_window_page(swp_entry(swp_type(entry), o), o != offset);
		lru_add_drain(); /* the new pages onto the LRU now */
	}
	return read_swap_cache_async(entry);
}

/*
 * swap_ra_info + swap_vma_readahead: the window's PTEs around addr in its
 * VMA and page table (table, idx: addr's), copied; the swap entries among
 * them read ahead; then entry's page.
 */
static struct page *swap_vma_readahead(swp_entry_t entry, struct vm_area_struct *vma, unsigned long addr,
				       phys_addr_t table, unsigned long idx)
{
	unsigned int ceiling = M->prof->bits == 64 ? 5 : 3; /* SWAP_RA_ORDER_CEILING */
	unsigned int max_win = 1U << min(page_cluster_shift(), ceiling);
	if (max_win == 1 || !table)
		return read_swap_cache_async(entry);
	unsigned long fpfn = PFN_DOWN(addr);
	unsigned long ra_val = __atomic_load_n(&vma->swap_readahead_info, __ATOMIC_RELAXED);
	unsigned long pfn = PFN_DOWN(SWAP_RA_ADDR(ra_val));
	unsigned int win = __swapin_nr_pages(pfn, fpfn, (unsigned int)SWAP_RA_HITS(ra_val), max_win,
					     (unsigned int)SWAP_RA_WIN(ra_val));
	__atomic_store_n(&vma->swap_readahead_info, SWAP_RA_VAL(addr, win, 0UL), __ATOMIC_RELAXED);
	if (win == 1)
		return read_swap_cache_async(entry);
	unsigned long lpfn, rpfn;
	if (fpfn == pfn + 1) { /* moving up: ahead of the fault */
		lpfn = fpfn;
		rpfn = fpfn + win;
	} else if (pfn == fpfn + 1) { /* moving down: behind it */
		lpfn = fpfn >= win - 1 ? fpfn - (win - 1) : 0;
		rpfn = fpfn + 1;
	} else {
		unsigned long left = (win - 1) / 2;
		lpfn = fpfn >= left ? fpfn - left : 0;
		rpfn = fpfn + win - left;
	}
	/* swap_ra_clamp_pfn: inside the VMA and the page table */
	unsigned long span = user_pte_span(), tbase = ALIGN_DOWN(addr, span);
	unsigned long start = max(max(lpfn, PFN_DOWN(vma->vm_start)), PFN_DOWN(tbase));
	unsigned long end = min(min(rpfn, PFN_DOWN(vma->vm_end)), PFN_DOWN(tbase + span));
	pteval_t ptes[SWAP_RA_PTE_CACHE_SIZE];
	unsigned long nr = min(end - start, (unsigned long)SWAP_RA_PTE_CACHE_SIZE), at = fpfn - start;
	for (unsigned long i = 0; i < nr; i++)
		ptes[i] = pte_get(table, idx - at + i);
	for (unsigned long i = 0; i < nr; i++)
		if (is_swap_pte(ptes[i]))
			swap_read_window_page(pte_to_swp_entry(ptes[i]), i != at);
	lru_add_drain(); /* the new pages onto the LRU now */
	return read_swap_cache_async(entry);
}

/*
 * swapin_readahead, with the swap cache looked at first as do_swap_page
 * does: the page for a swap PTE's entry (at addr of vma, the PTE at
 * table[idx]), cached (*major false) or read with its readahead window
 * (*major true; *nr_read: the pages read, the faulting one's included).
 * Referenced and unlocked; NULL without memory, or for an entry whose
 * slot is free (a race lost: the caller looks at the PTE again).
 */
struct page *swapin_readahead(swp_entry_t entry, struct vm_area_struct *vma, unsigned long addr, phys_addr_t table,
			      unsigned long idx, bool *major, unsigned long *nr_read)
{
	struct page *page = swap_cache_get_page(entry, vma, addr);
	*major = !page;
	*nr_read = 0;
	if (page)
		return page;
	pages_read = 0;
	if (vma && swap_use_vma_readahead())
		page = swap_vma_readahead(entry, vma, addr, table, idx);
	else
		page = swap_cluster_readahead(entry);
	*nr_read = pages_read;
	return page;
}

/* ---- shmem's side (mm/shmem.c's calls, from filemap.c) ------------------------------------------ */

/*
 * shmem_writepage's add_to_swap_cache: the page (locked, out of every
 * page table) into the cache for entry, a new slot with the cache's hold,
 * and dirty for swap_writepage; false if the cache has no room.
 */
bool shmem_add_to_swap_cache(struct page *page, swp_entry_t entry)
{
	if (add_to_swap_cache(page, entry))
		return false;
	page_set_flag(page, PG_dirty);
	return true;
}

/*
 * shmem_swapin_folio's reading: the page cached for entry (a hit on a page
 * read ahead counts, as a fault's), or read with the slot way's window
 * (6.1's shmem_swapin calls swap_cluster_readahead whatever
 * vma_ra_enabled says: a shmem file has no VMA of its own) and *major.
 * Referenced, locked, its write (if reclaim's is in flight) done, still
 * the cache's page for entry; NULL without memory.  A fault's pgmajfault
 * is counted by memory.c from VM_FAULT_MAJOR; swapoff counts none.
 */
struct page *shmem_swapin(swp_entry_t entry, bool *major)
{
	struct page *page = swap_cache_get_page(entry, NULL, 0);
	*major = !page;
	if (!page) {
		pages_read = 0;
		page = swap_cluster_readahead(entry);
		if (!page)
			return NULL;
	}
	if (page_flag(page, PG_writeback))
		swap_io_flush(); /* folio_wait_writeback */
	while (!trylock_page(page))
		sched_yield(); /* reclaim or swapoff's cache pass holds it for a moment */
	if (!PageSwapCache(page) || page->private != entry.val) {
		unlock_page(page);
		put_page(page);
		return NULL;
	}
	return page;
}

/* The page (locked, unmapped) leaves the cache for its shmem file's: the cache's hold and the file's on the slot go. */
void shmem_swapin_done(struct page *page)
{
	swp_entry_t entry = { page->private };
	delete_from_swap_cache(page);
	swap_free(entry);
}

/*
 * swapoff's pass over the cache (try_to_unuse): the page cached for
 * entry, if any, lets go of its slot once no PTE holds it (folio_free_swap).
 */
void swap_cache_free_slot(swp_entry_t entry)
{
	struct page *page = lookup_swap_cache(entry);
	if (!page)
		return;
	if (page_flag(page, PG_writeback))
		swap_io_flush(); /* folio_wait_writeback: reclaim wrote it out again since the pass began */
	while (!trylock_page(page))
		sched_yield(); /* a fault or reclaim holds it for a moment */
	if (PageSwapCache(page) && page->private == entry.val)
		try_to_free_swap(page);
	unlock_page(page);
	put_page(page);
}
/* folio_free_swap: a cached page no swap PTE refers to keeps its bytes in memory only (page locked). */
bool try_to_free_swap(struct page *page)
{
	if (!PageSwapCache(page) || page_flag(page, PG_writeback) || swap_count((swp_entry_t){ page->private }))
		return false;
	delete_from_swap_cache(page);
	page_set_flag(page, PG_dirty); /* the only copy is the page */
	return true;
}

/*
 * free_swap_and_cache: a PTE holding entry goes.  When no PTE holds the
 * slot any more and its page is cached but unmapped and not in use, the
 * page goes from the cache too.
 */
void free_swap_and_cache(swp_entry_t entry)
{
	swap_free(entry);
	if (swap_count(entry))
		return;
	struct page *page = lookup_swap_cache(entry);
	if (!page)
		return;
	if (trylock_page(page)) {
		if (!page_mapcount(page) && PageSwapCache(page) && page->private == entry.val)
			try_to_free_swap(page);
		unlock_page(page);
	}
	put_page(page);
}

/*
 * Settling (kmm_usage_settle): the writes in flight complete, and a cached
 * page no PTE maps and no PTE's swap entry needs leaves the cache - the
 * page and its slot are only a cache then, which reclaim would free.
 */
void swap_cache_settle(void)
{
	swap_io_flush();
	for (;;) {
		struct page *batch[64];
		unsigned long n = 0;
		pthread_mutex_lock(&swap_cache_lock);
		for (unsigned long i = 0; i < cache_cap && n < ARRAY_SIZE(batch); i++) {
			struct page *p = cache_slots[i];
			if (p && p != TOMBSTONE && !page_mapcount(p) && !swap_count((swp_entry_t){ p->private }) &&
			    !page_flag(p, PG_locked)) {
				get_page(p);
				batch[n++] = p;
			}
		}
		pthread_mutex_unlock(&swap_cache_lock);
		unsigned long freed = 0;
		for (unsigned long i = 0; i < n; i++) {
			struct page *p = batch[i];
			if (trylock_page(p)) {
				if (PageSwapCache(p) && !page_mapcount(p) && try_to_free_swap(p))
					freed++;
				unlock_page(p);
			}
			put_page(p);
		}
		if (n < ARRAY_SIZE(batch) || !freed)
			return;
	}
}

unsigned long swap_cache_pages(void)
{
	return __atomic_load_n(&cache_nr, __ATOMIC_RELAXED);
}

void swap_cache_exit(void)
{
	pthread_mutex_lock(&swap_cache_lock);
	free(cache_slots);
	cache_slots = NULL;
	cache_cap = cache_used = cache_nr = 0;
	pthread_mutex_unlock(&swap_cache_lock);
}

/*
 * folio_migrate_mapping for a swap-cache page (both pages locked; old
 * unmapped everywhere, new fresh and charged to old's group): under the
 * cache's lock, if old's references are exactly expected (frozen to 0 -
 * a lookup, which takes its reference under this lock, waits), new takes
 * its entry's place, the cache's reference, PG_swapcache and the entry;
 * old keeps expected - 1 references and leaves the cache.  -EAGAIN: a
 * reference more (pinned) or it left the cache meanwhile.
 */
int swap_cache_migrate_page(struct page *old, struct page *new, int expected)
{
	int ret = -EAGAIN;
	pthread_mutex_lock(&swap_cache_lock);
	bool found = false;
	unsigned long i = cache_cap && PageSwapCache(old) ? cache_find(old->private, &found) : 0;
	int c = expected;
	if (found && cache_slots[i] == old &&
	    __atomic_compare_exchange_n(&old->_refcount, &c, 0, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		get_page(new); /* the cache's */
		__atomic_store_n(&new->private, old->private, __ATOMIC_RELAXED);
		page_set_flag(new, PG_swapbacked);
		page_set_flag(new, PG_owner_priv_1);
		if (page_test_clear_flag(old, PG_dirty))
			page_set_flag(new, PG_dirty);
		cache_slots[i] = new;
		nr_swapcache_add(old, -1);
		nr_swapcache_add(new, 1);
		page_clear_flag(old, PG_owner_priv_1);
		if (page_test_clear_flag(old, PG_readahead))
			page_set_flag(new, PG_readahead);
		__atomic_store_n(&old->private, 0UL, __ATOMIC_RELAXED);
		__atomic_store_n(&old->_refcount, expected - 1, __ATOMIC_RELEASE);
		ret = 0;
	}
	pthread_mutex_unlock(&swap_cache_lock);
	return ret;
}
