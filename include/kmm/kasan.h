/*
 * kmm/kasan.h - Linux 6.1's kasan_disable_current()/kasan_enable_current()
 * (include/linux/kasan.h), for code that touches freed or off-limits memory
 * on purpose - a test that corrupts a red zone and then asks SLUB to find
 * it, a walker that reads freed objects.
 *
 * They nest: a per-thread depth (Linux keeps it per task), so each disable
 * needs its enable.  While the depth is above zero, the reports kmm raises
 * from what it told ASan or Valgrind (sim/track.h) - "BUG: KASAN:
 * double-free" - are not printed for this thread, as Linux's
 * report_suppressed(); what the report would stop is still stopped (a
 * double free is still refused).  SLUB's own checks (red zones, poison:
 * "BUG kmalloc-64 ...") are not KASAN's and still report.  Other threads
 * are not affected.  ASan's checks of the caller's own loads and stores are
 * the host compiler's and cannot be suspended per thread.
 */
#ifndef KMM_KASAN_H
#define KMM_KASAN_H

void kasan_disable_current(void);
void kasan_enable_current(void);
/* This thread's depth: 0 when reports are on. */
int kasan_current_depth(void);

#endif /* KMM_KASAN_H */
