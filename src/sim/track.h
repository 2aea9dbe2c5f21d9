/*
 * track.h - telling ASan and Valgrind's memcheck which bytes of simulated
 * RAM may be touched (STYLE.md 9, after mimalloc's track.h).
 *
 * Simulated RAM is one host mapping of a memfd (sim/ram.c), so to the
 * host tools every byte of it is always good: a use of a freed kmalloc
 * object or of a page given back to the buddy allocator reads harmless
 * old bytes, and nobody notices.  kmm tells them instead, as KASAN tells
 * the kernel's own shadow memory:
 *
 *   track_mem_noaccess(p, n)   nobody may touch these bytes (freed)
 *   track_mem_undefined(p, n)  handed out, contents not yet written (kmalloc)
 *   track_mem_defined(p, n)    handed out, contents meaningful (a page, an
 *                              object a constructor filled)
 *
 * The three are one thing to ASan (addressable or not, in 8-byte granules
 * with an exact end) and three to memcheck.  Which tool is told is fixed
 * at compile time: ASan when the compiler instruments for it
 * (-fsanitize=address), memcheck when built with -DKMM_VALGRIND=1 (make
 * test-valgrind); otherwise every call here compiles to nothing.  At run
 * time the boot parameter kasan=off switches the telling off for one
 * machine (track_on), for runs where the shadow writes cost too much.
 *
 * kmm's own legitimate touches of bytes it has declared off limits - the
 * SLUB free pointer inside a free object, red zones and tracks read by
 * the debug checks - go through track_load_word()/track_store_word(), which
 * the tools do not check, or open the bytes for the moment (slub.c's
 * metadata_access_enable), as Linux's slub.c does with kasan_reset_tag()
 * and metadata_access_enable().
 */
#ifndef KMM_SIM_TRACK_H
#define KMM_SIM_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__SANITIZE_ADDRESS__)
#define KMM_TRACK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KMM_TRACK_ASAN 1
#endif
#endif
#ifndef KMM_TRACK_ASAN
#define KMM_TRACK_ASAN 0
#endif

#if !KMM_TRACK_ASAN && defined(KMM_VALGRIND) && KMM_VALGRIND
#define KMM_TRACK_VALGRIND 1
#else
#define KMM_TRACK_VALGRIND 0
#endif

#define KMM_TRACK (KMM_TRACK_ASAN || KMM_TRACK_VALGRIND)

/* What each tool is told, in its own words (mimalloc's track.h does the same). */
#if KMM_TRACK_ASAN
#include <sanitizer/asan_interface.h>
#define TRACK_UNCHECKED __attribute__((no_sanitize_address, noinline))
#define TRACK_NOACCESS(p, n) __asan_poison_memory_region(p, n)
#define TRACK_UNDEFINED(p, n) __asan_unpoison_memory_region(p, n)
#define TRACK_DEFINED(p, n) __asan_unpoison_memory_region(p, n)
#elif KMM_TRACK_VALGRIND
#include <valgrind/memcheck.h>
#define TRACK_NOACCESS(p, n) VALGRIND_MAKE_MEM_NOACCESS(p, n)
#define TRACK_UNDEFINED(p, n) VALGRIND_MAKE_MEM_UNDEFINED(p, n)
#define TRACK_DEFINED(p, n) VALGRIND_MAKE_MEM_DEFINED(p, n)
#else
#define TRACK_NOACCESS(p, n) ((void)(p), (void)(n))
#define TRACK_UNDEFINED(p, n) ((void)(p), (void)(n))
#define TRACK_DEFINED(p, n) ((void)(p), (void)(n))
#endif

/* The tool is told about this machine (the kasan= boot parameter); always false without a tool. */
extern bool track_on;

/* The name of the tool kmm tells, for logs and tests: "ASan", "Valgrind" or NULL. */
static inline const char *track_tool(void)
{
	return KMM_TRACK_ASAN ? "ASan" : KMM_TRACK_VALGRIND ? "Valgrind" : NULL;
}

static inline void track_mem_noaccess(const void *p, size_t n)
{
	if (KMM_TRACK && track_on && n)
		TRACK_NOACCESS(p, n);
}

static inline void track_mem_undefined(const void *p, size_t n)
{
	if (KMM_TRACK && track_on && n)
		TRACK_UNDEFINED(p, n);
}

static inline void track_mem_defined(const void *p, size_t n)
{
	if (KMM_TRACK && track_on && n)
		TRACK_DEFINED(p, n);
}

/* Is the byte at p off limits?  (A second free of an object finds it so.) */
static inline bool track_mem_is_noaccess(const void *p)
{
#if KMM_TRACK_ASAN
	return track_on && __asan_address_is_poisoned(p);
#else
	(void)p;
	return false;
#endif
}

/*
 * How many of the n bytes at p may be touched, counted from p: n for an
 * object in use (or without a tool), the requested size for a kmalloc
 * object whose tail is off limits, 0 for a free one.
 */
size_t track_mem_accessible(const void *p, size_t n);

/*
 * The size-byte word (4 or 8: a simulated kernel pointer) at p, read or
 * written without the tool's check (a free object's free pointer).
 */
#if KMM_TRACK_ASAN
TRACK_UNCHECKED unsigned long track_load_word(const void *p, unsigned int size);
TRACK_UNCHECKED void track_store_word(void *p, unsigned long v, unsigned int size);
#elif KMM_TRACK_VALGRIND
unsigned long track_load_word(const void *p, unsigned int size);
void track_store_word(void *p, unsigned long v, unsigned int size);
#else
static inline unsigned long track_load_word(const void *p, unsigned int size)
{
	return size == 4 ? *(const uint32_t *)p : *(const unsigned long *)p;
}

static inline void track_store_word(void *p, unsigned long v, unsigned int size)
{
	if (size == 4)
		*(uint32_t *)p = (uint32_t)v;
	else
		*(unsigned long *)p = v;
}
#endif

/*
 * kasan_disable_current() depth of this thread (kmm/kasan.h): reports kmm
 * raises from what the tool says - a double free - are suppressed while it
 * is above zero, as Linux's report_suppressed().
 */
extern __thread int kasan_depth;
static inline bool track_report_suppressed(void)
{
	return kasan_depth > 0;
}

/* Forget everything said about [p, p + n): the range is about to be unmapped (ram_exit). */
void track_forget(void *p, size_t n);

#endif
