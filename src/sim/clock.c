/*
 * clock.c - the simulated clock and the work that runs on it.
 *
 * kmm's time stands still unless someone moves it: kmm_clock_advance()
 * (the scenario language's `sleep` and `step`).  Time stamps the log
 * (printk), the SLUB alloc/free tracks, and the dirty pages' ages; as it
 * passes, the periodic work whose time comes runs at its own moment, in
 * order:
 *
 *   every vm.dirty_writeback_centisecs   the flusher (wb_kupdate): files
 *                                        dirtied vm.dirty_expire_centisecs
 *                                        ago or more are written back
 *
 * Linux runs more on time (vmstat_update folding per-CPU counters, which
 * kmm keeps exact; kswapd's and khugepaged's sleeps; the lazy vmap purge
 * on a workqueue); those come with the subsystems that need them.  The
 * clock moves only forward, and only from the thread that calls it.
 */
#include "internal.h"

#define NSEC_PER_CENTISEC 10000000ULL

void kmm_clock_advance(u64 ns)
{
	if (!M)
		return;
	deferred_init_wait();
	u64 target = M->clock_ns + ns;
	if (target < M->clock_ns)
		target = ~0ULL; /* the end of time, rather than the beginning */
	while (M->dirty_writeback_centisecs > 0 && M->next_writeback_ns <= target) {
		M->clock_ns = max(M->clock_ns, M->next_writeback_ns);
		wb_kupdate();
		M->next_writeback_ns = M->clock_ns + (u64)M->dirty_writeback_centisecs * NSEC_PER_CENTISEC;
	}
	M->clock_ns = target;
}

u64 kmm_clock_ns(void)
{
	return M ? M->clock_ns : 0;
}
