/*
 * track.c - the out-of-line part of track.h: the run-time switch, the
 * unchecked free-pointer accessors, asking the tool how much of an
 * object may be touched, and forgetting an unmapped range.
 *
 * ASan keeps its shadow for an address range after the range is
 * unmapped, so RAM poisoned by one machine would still read as poisoned
 * when the next machine's memfd is mapped at the same host address.
 * track_forget() clears it before ram_exit() unmaps: the whole-page part
 * of the shadow is given back to the host (it reads as zeros, i.e.
 * addressable, as ASan itself clears large ranges), so a 64 GiB machine
 * costs no 8 GiB memset at shutdown; only the partial pages at the ends
 * are written.
 */
#define _GNU_SOURCE
#include "sim/track.h"

#include <kmm/kasan.h>

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

bool track_on = KMM_TRACK;

__thread int kasan_depth;

void kasan_disable_current(void)
{
	kasan_depth++;
}

void kasan_enable_current(void)
{
	kasan_depth--;
}

int kasan_current_depth(void)
{
	return kasan_depth;
}

#if KMM_TRACK_ASAN

TRACK_UNCHECKED unsigned long track_load_word(const void *p, unsigned int size)
{
	return size == 4 ? *(const uint32_t *)p : *(const unsigned long *)p;
}

TRACK_UNCHECKED void track_store_word(void *p, unsigned long v, unsigned int size)
{
	if (size == 4)
		*(uint32_t *)p = (uint32_t)v;
	else
		*(unsigned long *)p = v;
}

size_t track_mem_accessible(const void *p, size_t n)
{
	if (!track_on)
		return n;
	const char *bad = __asan_region_is_poisoned((void *)p, n);
	return bad ? (size_t)(bad - (const char *)p) : n;
}

void track_forget(void *p, size_t n)
{
	size_t scale, offset;
	__asan_get_shadow_mapping(&scale, &offset);
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t beg = (uintptr_t)p, end = beg + n;
	/* application bytes whose shadow fills whole host pages */
	uintptr_t granule = page << scale;
	uintptr_t mid_beg = (beg + granule - 1) & ~(granule - 1), mid_end = end & ~(granule - 1);
	if (mid_beg >= mid_end) {
		__asan_unpoison_memory_region(p, n);
		return;
	}
	__asan_unpoison_memory_region(p, mid_beg - beg);
	__asan_unpoison_memory_region((void *)mid_end, end - mid_end);
	madvise((void *)((mid_beg >> scale) + offset), (mid_end - mid_beg) >> scale, MADV_DONTNEED);
}

#elif KMM_TRACK_VALGRIND

/*
 * memcheck has no unchecked load: the word is made readable for the
 * access and its previous state put back (noaccess, or the validity
 * bits it had when it was accessible).
 */
unsigned long track_load_word(const void *p, unsigned int size)
{
	unsigned char vbits[sizeof(unsigned long)];
	unsigned was = VALGRIND_GET_VBITS(p, vbits, size);
	VALGRIND_MAKE_MEM_DEFINED(p, size);
	unsigned long v = size == 4 ? *(const uint32_t *)p : *(const unsigned long *)p;
	if (was == 3)
		VALGRIND_MAKE_MEM_NOACCESS(p, size);
	else if (was == 1)
		VALGRIND_SET_VBITS(p, vbits, size);
	return v;
}

void track_store_word(void *p, unsigned long v, unsigned int size)
{
	unsigned char vbits[sizeof(unsigned long)];
	unsigned was = VALGRIND_GET_VBITS(p, vbits, size);
	VALGRIND_MAKE_MEM_UNDEFINED(p, size);
	if (size == 4)
		*(uint32_t *)p = (uint32_t)v;
	else
		*(unsigned long *)p = v;
	if (was == 3)
		VALGRIND_MAKE_MEM_NOACCESS(p, size);
}

/* The accessible prefix, by halving: memcheck answers only "all of it or not". */
size_t track_mem_accessible(const void *p, size_t n)
{
	if (!track_on || !RUNNING_ON_VALGRIND)
		return n;
	unsigned char vbits[256];
	size_t lo = 0, hi = n; /* [0, lo) accessible; [hi, n) not known to be */
	while (lo < hi) {
		size_t mid = lo + (hi - lo + 1) / 2, ok = 1;
		for (size_t off = 0; off < mid && ok; off += sizeof(vbits)) {
			size_t len = mid - off < sizeof(vbits) ? mid - off : sizeof(vbits);
			ok = VALGRIND_GET_VBITS((const char *)p + off, vbits, len) != 3;
		}
		if (ok)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

void track_forget(void *p, size_t n)
{
	(void)p, (void)n; /* memcheck forgets an unmapped range itself */
}

#else

size_t track_mem_accessible(const void *p, size_t n)
{
	(void)p;
	return n;
}

void track_forget(void *p, size_t n)
{
	(void)p, (void)n;
}

#endif
