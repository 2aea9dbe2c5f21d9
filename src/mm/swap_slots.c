/*
 * swap_slots.c - the per-CPU swap slot caches, as Linux 6.1's mm/swap_slots.c.
 *
 * Taking a slot from an area means swap_lock and a scan of its map; a CPU
 * that swaps out many pages takes them SWAP_SLOTS_CACHE_SIZE (64) at a
 * time instead, and hands freed slots back 64 at a time.  Each simulated
 * CPU (the one the caller has entered, smp_processor_id()) has
 *
 *   swp_slots[cpu].slots[cur .. cur + nr)   slots taken from the areas,
 *                                           not yet given to a page
 *   swp_slots[cpu].slots_ret[0 .. n_ret)    slots no PTE and no page hold
 *                                           any more, not yet freed
 *
 * Both kinds count as in use in their area's map (SWAP_HAS_CACHE) and in
 * SwapFree/"Used" of /proc/swaps, as on Linux: a slot is free in the map
 * only after swapcache_free_entries.  So SwapFree runs up to 128 slots a
 * CPU behind the pages really out, and comes back when a cache is drained.
 *
 * When: the caches exist once the first swapon enables them (6.1 makes
 * them in a CPU hotplug callback then) and are used while
 *   enabled - some area takes slots (has_usable_swap), off during swapoff;
 *   active  - nr_swap_pages > CPUs * 5 * 64 (THRESHOLD_ACTIVATE); once
 *             active, it goes inactive - every cache drained - when
 *             nr_swap_pages < CPUs * 2 * 64 (THRESHOLD_DEACTIVATE), so
 *             the last slots are not stranded in another CPU's cache.
 * Otherwise get_swap_page takes one slot from the areas and a freed slot
 * is freed at once.  This is for both kinds of area: a rotational one
 * hands out the 64 in order, an SSD one from the CPU's cluster.
 *
 * swapoff drains every cache (disable_swap_slots_cache_lock) before it
 * brings the area's pages back, and holds the enable mutex until it is
 * done, so no slot of the area waits in a cache while it goes.
 *
 * Locking: swap_slots_cache_enable_mutex (swapon, swapoff) outside
 * swap_slots_cache_mutex (activate, deactivate, drain) outside a cache's
 * alloc_lock and free_lock, outside swap_lock.  A freed slot is passed to
 * free_swap_slot after swap_lock is let go.  The arrays are host memory
 * (kvcalloc'd kernel memory in 6.1): they are the simulator's, not the
 * machine's, so they do not count in its slab.
 *
 * Not done: 6.1's memcg swap charge (mem_cgroup_try_charge_swap) and THP
 * swap (a large folio takes a whole cluster past the cache).
 */
#include "internal.h"

#include <stdlib.h>

#include <kmm/swap.h>

#define SWAP_SLOTS_CACHE_SIZE 64                                    /* SWAP_BATCH */
#define THRESHOLD_ACTIVATE_SWAP_SLOTS_CACHE (5 * SWAP_SLOTS_CACHE_SIZE)
#define THRESHOLD_DEACTIVATE_SWAP_SLOTS_CACHE (2 * SWAP_SLOTS_CACHE_SIZE)
#define SLOTS_CACHE 0x1
#define SLOTS_CACHE_RET 0x2

struct swap_slots_cache {
	pthread_mutex_t alloc_lock;  /* slots, cur, nr */
	swp_entry_t *slots;          /* [SWAP_SLOTS_CACHE_SIZE]; slots[cur .. cur + nr) are held for this CPU */
	int cur, nr;
	pthread_mutex_t free_lock;   /* slots_ret, n_ret */
	swp_entry_t *slots_ret;      /* [SWAP_SLOTS_CACHE_SIZE]; freed slots waiting for swapcache_free_entries */
	int n_ret;
};

static struct swap_slots_cache *swp_slots;  /* [nr_cpus], once initialized */
static int swp_slots_nr;
static bool swap_slot_cache_active;        /* enough slots free for caches to hold some (atomic) */
static bool swap_slot_cache_enabled;       /* an area takes slots and no swapoff runs (atomic) */
static bool swap_slot_cache_initialized;
static pthread_mutex_t swap_slots_cache_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t swap_slots_cache_enable_mutex = PTHREAD_MUTEX_INITIALIZER;

static bool use_swap_slot_cache(void)
{
	return __atomic_load_n(&swap_slot_cache_active, __ATOMIC_ACQUIRE) &&
	       __atomic_load_n(&swap_slot_cache_enabled, __ATOMIC_ACQUIRE);
}

/* This CPU's cache, NULL for a thread on no CPU or before the caches exist. */
static struct swap_slots_cache *this_cache(void)
{
	int cpu = smp_processor_id();
	struct swap_slots_cache *caches = __atomic_load_n(&swp_slots, __ATOMIC_ACQUIRE);
	return caches && cpu >= 0 && cpu < swp_slots_nr ? &caches[cpu] : NULL;
}

/* drain_slots_cache_cpu: the CPU's held and returned slots go back to their areas */
static void drain_slots_cache_cpu(struct swap_slots_cache *cache, unsigned int type)
{
	if (type & SLOTS_CACHE) {
		pthread_mutex_lock(&cache->alloc_lock);
		swapcache_free_entries(cache->slots + cache->cur, cache->nr);
		cache->cur = cache->nr = 0;
		pthread_mutex_unlock(&cache->alloc_lock);
	}
	if (type & SLOTS_CACHE_RET) {
		pthread_mutex_lock(&cache->free_lock);
		swapcache_free_entries(cache->slots_ret, cache->n_ret);
		cache->n_ret = 0;
		pthread_mutex_unlock(&cache->free_lock);
	}
}

/* __drain_swap_slots_cache: every CPU's */
static void __drain_swap_slots_cache(unsigned int type)
{
	for (int cpu = 0; swp_slots && cpu < swp_slots_nr; cpu++)
		drain_slots_cache_cpu(&swp_slots[cpu], type);
}

static void deactivate_swap_slots_cache(void)
{
	pthread_mutex_lock(&swap_slots_cache_mutex);
	__atomic_store_n(&swap_slot_cache_active, false, __ATOMIC_RELEASE);
	__drain_swap_slots_cache(SLOTS_CACHE | SLOTS_CACHE_RET);
	pthread_mutex_unlock(&swap_slots_cache_mutex);
}

static void reactivate_swap_slots_cache(void)
{
	pthread_mutex_lock(&swap_slots_cache_mutex);
	__atomic_store_n(&swap_slot_cache_active, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&swap_slots_cache_mutex);
}

/* check_cache_active: on above CPUs * 320 free slots, off again below CPUs * 128 */
static bool check_cache_active(void)
{
	if (!__atomic_load_n(&swap_slot_cache_enabled, __ATOMIC_ACQUIRE))
		return false;
	long pages = (long)kmm_nr_swap_pages(), cpus = M->nr_cpus > 0 ? M->nr_cpus : 1;
	if (!__atomic_load_n(&swap_slot_cache_active, __ATOMIC_ACQUIRE)) {
		if (pages > cpus * THRESHOLD_ACTIVATE_SWAP_SLOTS_CACHE)
			reactivate_swap_slots_cache();
	} else if (pages < cpus * THRESHOLD_DEACTIVATE_SWAP_SLOTS_CACHE) {
		deactivate_swap_slots_cache();
	}
	return __atomic_load_n(&swap_slot_cache_active, __ATOMIC_ACQUIRE);
}

/*
 * enable_swap_slots_cache, at the end of each swapon: the caches are made
 * the first time (every CPU's, as the hotplug callback would), then used
 * while an area takes slots.  Without memory kmm goes on without them,
 * as 6.1 does ("operating without swap slots cache").
 */
void enable_swap_slots_cache(void)
{
	pthread_mutex_lock(&swap_slots_cache_enable_mutex);
	if (!swap_slot_cache_initialized) {
		int n = M->nr_cpus > 0 ? M->nr_cpus : 1;
		struct swap_slots_cache *c = calloc((size_t)n, sizeof(*c));
		bool ok = c != NULL;
		for (int cpu = 0; ok && cpu < n; cpu++) {
			pthread_mutex_init(&c[cpu].alloc_lock, NULL);
			pthread_mutex_init(&c[cpu].free_lock, NULL);
			c[cpu].slots = calloc(SWAP_SLOTS_CACHE_SIZE, sizeof(swp_entry_t));
			c[cpu].slots_ret = calloc(SWAP_SLOTS_CACHE_SIZE, sizeof(swp_entry_t));
			ok = c[cpu].slots && c[cpu].slots_ret;
		}
		if (ok) {
			swp_slots_nr = n;
			__atomic_store_n(&swp_slots, c, __ATOMIC_RELEASE);
			swap_slot_cache_initialized = true;
		} else {
			for (int cpu = 0; c && cpu < n; cpu++) {
				free(c[cpu].slots);
				free(c[cpu].slots_ret);
			}
			free(c);
			pr_warn("Cache allocation failed (%s), operating without swap slots cache.\n", __func__);
		}
	}
	if (swap_slot_cache_initialized)
		__atomic_store_n(&swap_slot_cache_enabled, swap_has_usable(), __ATOMIC_RELEASE);
	pthread_mutex_unlock(&swap_slots_cache_enable_mutex);
}

/* disable_swap_slots_cache_lock, swapoff's: no cache is used, every one drained, until reenable */
void disable_swap_slots_cache_lock(void)
{
	pthread_mutex_lock(&swap_slots_cache_enable_mutex);
	__atomic_store_n(&swap_slot_cache_enabled, false, __ATOMIC_RELEASE);
	if (swap_slot_cache_initialized) {
		pthread_mutex_lock(&swap_slots_cache_mutex);
		__drain_swap_slots_cache(SLOTS_CACHE | SLOTS_CACHE_RET);
		pthread_mutex_unlock(&swap_slots_cache_mutex);
	}
}

void reenable_swap_slots_cache_unlock(void)
{
	if (swap_slot_cache_initialized)
		__atomic_store_n(&swap_slot_cache_enabled, swap_has_usable(), __ATOMIC_RELEASE);
	pthread_mutex_unlock(&swap_slots_cache_enable_mutex);
}

/*
 * free_swap_slot: a slot nothing holds (its map says SWAP_HAS_CACHE only)
 * goes into this CPU's return cache, which is freed in one batch when
 * full; without a cache in use it is freed at once.
 */
void free_swap_slot(swp_entry_t entry)
{
	struct swap_slots_cache *cache = this_cache();
	if (cache && use_swap_slot_cache()) {
		pthread_mutex_lock(&cache->free_lock);
		if (use_swap_slot_cache()) { /* a deactivation may have drained it meanwhile */
			if (cache->n_ret >= SWAP_SLOTS_CACHE_SIZE) {
				swapcache_free_entries(cache->slots_ret, cache->n_ret);
				cache->n_ret = 0;
			}
			cache->slots_ret[cache->n_ret++] = entry;
			pthread_mutex_unlock(&cache->free_lock);
			return;
		}
		pthread_mutex_unlock(&cache->free_lock);
	}
	swapcache_free_entries(&entry, 1);
}

/*
 * folio_alloc_swap for one page: the next slot of this CPU's cache,
 * refilled with up to 64 from the areas when empty; failing that (no
 * cache in use), one slot from the areas.  The slot is held by the swap
 * cache (SWAP_HAS_CACHE); val 0 if there is none.
 */
swp_entry_t get_swap_page(void)
{
	swp_entry_t entry = { 0 };
	struct swap_slots_cache *cache = this_cache();
	if (cache && check_cache_active()) {
		pthread_mutex_lock(&cache->alloc_lock);
		if (!cache->nr && use_swap_slot_cache()) { /* refill_swap_slots_cache */
			cache->cur = 0;
			cache->nr = get_swap_pages(SWAP_SLOTS_CACHE_SIZE, cache->slots);
		}
		if (cache->nr) {
			entry = cache->slots[cache->cur];
			cache->slots[cache->cur++].val = 0;
			cache->nr--;
		}
		pthread_mutex_unlock(&cache->alloc_lock);
		if (entry.val)
			return entry;
	}
	get_swap_pages(1, &entry);
	return entry;
}

/* Slots the caches hold (taken or returned, in use in their maps): kmm's "nothing lost" counts them free. */
unsigned long swap_slots_cached(void)
{
	unsigned long n = 0;
	pthread_mutex_lock(&swap_slots_cache_mutex);
	for (int cpu = 0; swp_slots && cpu < swp_slots_nr; cpu++) {
		struct swap_slots_cache *cache = &swp_slots[cpu];
		pthread_mutex_lock(&cache->alloc_lock);
		n += (unsigned long)cache->nr;
		pthread_mutex_unlock(&cache->alloc_lock);
		pthread_mutex_lock(&cache->free_lock);
		n += (unsigned long)cache->n_ret;
		pthread_mutex_unlock(&cache->free_lock);
	}
	pthread_mutex_unlock(&swap_slots_cache_mutex);
	return n;
}

/* The machine's end (its areas go next, with whatever slots the caches held): the caches go. */
void swap_slots_exit(void)
{
	pthread_mutex_lock(&swap_slots_cache_enable_mutex);
	for (int cpu = 0; swp_slots && cpu < swp_slots_nr; cpu++) {
		pthread_mutex_destroy(&swp_slots[cpu].alloc_lock);
		pthread_mutex_destroy(&swp_slots[cpu].free_lock);
		free(swp_slots[cpu].slots);
		free(swp_slots[cpu].slots_ret);
	}
	free(swp_slots);
	swp_slots = NULL;
	swp_slots_nr = 0;
	swap_slot_cache_initialized = false;
	__atomic_store_n(&swap_slot_cache_enabled, false, __ATOMIC_RELEASE);
	__atomic_store_n(&swap_slot_cache_active, false, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&swap_slots_cache_enable_mutex);
}
