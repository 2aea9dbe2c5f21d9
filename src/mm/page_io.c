/*
 * page_io.c - swap writes, as Linux 6.1's mm/page_io.c issues them: a
 * page's write is submitted, and completes later, on the simulated disk.
 *
 *   swap_writepage       reclaim's pageout of a dirty anonymous page in the
 *                        swap cache (locked, unmapped): its bytes go to the
 *                        slot, the page is clean and under writeback
 *                        (PG_writeback, nr_writeback, meminfo Writeback)
 *                        until the write completes; pswpout and pgpgout
 *                        count at submission, as count_swpout_vm_event does
 *   swap_io_complete     the disk's completions whose moment has come
 *                        (end_swap_bio_write -> folio_end_writeback): the
 *                        page leaves writeback, and one reclaim marked
 *                        PG_reclaim is rotated to the tail of its inactive
 *                        list (folio_rotate_reclaimable, pgrotated), where
 *                        the next scan frees it
 *   swap_io_wait         reclaim that found nothing to free but pages under
 *                        writeback sleeps until the oldest write is done
 *                        (reclaim_throttle(VMSCAN_THROTTLE_WRITEBACK))
 *   swap_io_flush        everything in flight completes now (swapoff,
 *                        settling, shutdown)
 *
 * The disk takes SWAP_WRITE_LATENCY_NS of the simulated clock per write;
 * writes complete in the order they were submitted.  Completions are
 * delivered at the scheduling points (sim/clock.c) and when reclaim
 * starts on a list, as an interrupt would arrive between two pieces of
 * work.  The bytes are copied at submission: the page is unmapped and
 * locked then, and a task that maps it again while the write is in flight
 * finds it in the swap cache and dirties it for a later write, as with
 * Linux's stable pages.  The page keeps an extra reference while the write
 * is in flight (the bio's), so nothing frees it under the disk.
 *
 * Locking: io_lock guards the queue; page flags change with atomics; the
 * rotation takes lru_lock (mm/swap.c).  io_lock is taken with no other
 * kmm lock than the caller's page lock (submission) or none (completion).
 */
#include "internal.h"

#include "sim/ram.h"

#include <kmm/swap.h>

#define SWAP_WRITE_LATENCY_NS 200000ULL /* a 4 KiB write on the simulated disk */

struct swap_io {
	struct page *page;
	u64 done_at; /* kmm_clock_ns() when the disk is done with it */
};

static pthread_mutex_t io_lock = PTHREAD_MUTEX_INITIALIZER;
static struct swap_io *queue; /* a ring: head .. head + nr - 1 (mod cap) */
static unsigned long queue_cap, queue_head, queue_nr;
static unsigned long nr_in_flight; /* queue_nr, read without io_lock */

static void nr_writeback_add(struct page *page, long nr)
{
	mod_node_page_state(page, nr_writeback, nr); /* and the page's memory cgroup's */
	__atomic_add_fetch(&page_zone(page)->vm_stat[NR_ZONE_WRITE_PENDING], nr, __ATOMIC_RELAXED);
}

/* Room for one more write (io_lock held); false if the host has no memory for the queue. */
static bool queue_grow(void)
{
	if (queue_nr < queue_cap)
		return true;
	unsigned long cap = queue_cap ? queue_cap * 2 : 256;
	struct swap_io *n = malloc(cap * sizeof(*n));
	if (!n)
		return false;
	for (unsigned long i = 0; i < queue_nr; i++)
		n[i] = queue[(queue_head + i) % queue_cap];
	free(queue);
	queue = n;
	queue_cap = cap;
	queue_head = 0;
	return true;
}

/*
 * swap_writepage: the page (locked, dirty, in the swap cache, unmapped)
 * goes to its slot.  Under writeback until swap_io_complete; if the host
 * cannot queue the write it is written at once, and the page is clean on
 * return either way.
 */
void swap_writepage(struct page *page)
{
	swp_entry_t entry = { page->private };
	memcpy(swap_slot_bytes(entry), ram_host(page_to_phys(page)), PAGE_SIZE);
	page_clear_flag(page, PG_dirty);
	count_vm_event(PSWPOUT);
	mod_node_page_state(page, nr_written, 1); /* 6.1 counts it as the write ends; kmm's ends are never lost */
	count_vm_events(PGPGOUT, PAGE_SIZE >> 10);
	pthread_mutex_lock(&io_lock);
	if (queue_grow()) {
		get_page(page); /* the bio's */
		page_set_flag(page, PG_writeback);
		nr_writeback_add(page, 1);
		queue[(queue_head + queue_nr) % queue_cap] = (struct swap_io){ page, kmm_clock_ns() + SWAP_WRITE_LATENCY_NS };
		queue_nr++;
		__atomic_store_n(&nr_in_flight, queue_nr, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&io_lock);
}

/* folio_end_writeback: out of writeback; rotated to the tail if reclaim wants it next */
static void end_page_writeback(struct page *page)
{
	if (page_test_clear_flag(page, PG_reclaim))
		folio_rotate_reclaimable(page);
	page_clear_flag(page, PG_writeback);
	nr_writeback_add(page, -1);
	put_page(page);
}

/* The writes done by now (all of them: every one in flight); how many completed. */
static unsigned long complete(bool all)
{
	if (!__atomic_load_n(&nr_in_flight, __ATOMIC_RELAXED))
		return 0;
	u64 now = kmm_clock_ns();
	unsigned long done = 0;
	for (;;) {
		pthread_mutex_lock(&io_lock);
		struct page *page = NULL;
		if (queue_nr && (all || queue[queue_head].done_at <= now)) {
			page = queue[queue_head].page;
			queue_head = (queue_head + 1) % queue_cap;
			queue_nr--;
			__atomic_store_n(&nr_in_flight, queue_nr, __ATOMIC_RELAXED);
		}
		pthread_mutex_unlock(&io_lock);
		if (!page)
			return done;
		end_page_writeback(page);
		done++;
	}
}

unsigned long swap_io_complete(void)
{
	return complete(false);
}

void swap_io_irq(void)
{
	complete(false);
}

void swap_io_flush(void)
{
	complete(true);
}

unsigned long swap_io_in_flight(void)
{
	return __atomic_load_n(&nr_in_flight, __ATOMIC_RELAXED);
}

/*
 * Reclaim found only pages under writeback: the task sleeps until the
 * oldest write completes (the disk's time passes; kswapd may use it), and
 * the completions are delivered.  How many completed.
 */
unsigned long swap_io_wait(void)
{
	pthread_mutex_lock(&io_lock);
	u64 at = queue_nr ? queue[queue_head].done_at : 0;
	pthread_mutex_unlock(&io_lock);
	u64 now = kmm_clock_ns();
	if (!at)
		return 0;
	if (at > now)
		sim_io_wait(at - now);
	return complete(false);
}

void swap_io_exit(void)
{
	swap_io_flush();
	pthread_mutex_lock(&io_lock);
	free(queue);
	queue = NULL;
	queue_cap = queue_head = queue_nr = 0;
	pthread_mutex_unlock(&io_lock);
}
