/*
 * swap_state.c - the swap cache and swap I/O, as Linux 6.1's
 * mm/swap_state.c and mm/page_io.c.
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
 *   swap_writepage         the page's bytes onto the slot (pswpout), clean
 *   __remove_from_swap_cache   reclaim: out of the cache once no PTE maps it
 *   swapin_page            a fault: the cached page, or a new one read from the slot (pswpin)
 *   try_to_free_swap       the page stays, its slot goes (no PTE holds the slot any more)
 *   free_swap_and_cache    a PTE holding the slot goes (zap)
 *
 * Swap writes are mm/page_io.c's: submitted by reclaim, completed later
 * on the simulated disk's time, and the page freed by the scan after
 * that; reads are synchronous (the faulting task waits on the disk).
 * A page under writeback keeps its place in the cache and its slot.
 * Not yet: swap readahead (page-cluster), workingset shadow entries for
 * swap.
 *
 * Locking: swap_cache_lock guards the hash; it nests inside mmap_lock and
 * the page lock, and the slot counts (swap_lock) nest inside it.
 */
#include "internal.h"

#include <sched.h>
#include "sim/ram.h"

#include <kmm/swap.h>

static pthread_mutex_t swap_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct page **cache_slots; /* open addressing on entry.val; NULL free, TOMBSTONE deleted */
static unsigned long cache_cap, cache_used, cache_nr;
static struct page tombstone;
#define TOMBSTONE (&tombstone)

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
	__atomic_add_fetch(&NODE_DATA(page_to_nid(page))->nr_swapcached, nr, __ATOMIC_RELAXED);
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
			page->private = entry.val;
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
	page->private = 0;
	if (!page_mapcount(page))
		page->mapping = NULL; /* its anon_vma was kept for the cache; unmapped, it is only being freed */
}

/* delete_from_swap_cache + put_swap_folio: the page leaves the cache, its slot loses the cache's hold. */
static void delete_from_swap_cache(struct page *page)
{
	swp_entry_t entry = { page->private };
	pthread_mutex_lock(&swap_cache_lock);
	delete_from_swap_cache_locked(page);
	pthread_mutex_unlock(&swap_cache_lock);
	swapcache_free(entry); /* the SWAP_HAS_CACHE hold */
	put_page(page);        /* the cache's reference */
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

/* swap_writepage: the page's bytes onto its slot; the page is clean then. */

/*
 * __remove_mapping for a swap-cache page: out of the cache if no PTE maps
 * it and the cache's reference and the caller's are its only ones; the
 * caller's put_page frees it then.
 */
bool remove_from_swap_cache(struct page *page)
{
	if (!PageSwapCache(page) || page_flag(page, PG_dirty) || page_flag(page, PG_writeback) || page_mapcount(page) ||
	    page_ref_count(page) != 2)
		return false;
	delete_from_swap_cache(page);
	return true;
}

/* ---- the fault's side ------------------------------------------------------------------------- */

/*
 * The page for a swap entry: the swap cache's, or a new one read from the
 * slot (*major set) and added to the cache and the LRU.  Referenced; NULL
 * without memory, or for an entry whose slot is free (a race lost: the
 * caller looks at the PTE again).
 */
struct page *swapin_page(swp_entry_t entry, bool *major)
{
	*major = false;
	for (;;) {
		struct page *page = lookup_swap_cache(entry);
		if (page)
			return page;
		if (!swap_count(entry))
			return NULL; /* no PTE holds it: the slot went */
		page = alloc_pages(GFP_HIGHUSER_MOVABLE, 0);
		if (!page)
			return NULL;
		int held = swap_duplicate_cache(entry);
		if (held == -EEXIST) { /* another fault is reading it in: its page, once it is in the cache */
			put_page(page);
			sched_yield();
			continue;
		}
		/* locked until its bytes are in: a fault that finds it in the cache waits for the lock */
		__atomic_fetch_or(&page->flags, 1UL << PG_locked, __ATOMIC_ACQUIRE);
		if (held || add_to_swap_cache(page, entry)) {
			if (!held)
				swapcache_free(entry);
			unlock_page(page);
			put_page(page);
			return NULL; /* the slot went meanwhile */
		}
		memcpy(ram_host(page_to_phys(page)), swap_slot_bytes(entry), PAGE_SIZE);
		count_vm_event(PSWPIN);
		count_vm_events(PGPGIN, PAGE_SIZE >> 10);
		folio_add_lru(page);
		unlock_page(page);
		*major = true;
		return page;
	}
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
