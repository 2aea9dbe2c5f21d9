/*
 * kmm/percpu.h - the per-CPU allocator, with Linux 6.1's API
 * (include/linux/percpu.h, mm/percpu.c).
 *
 *	struct stats { unsigned long hits; } __percpu *s = alloc_percpu(struct stats);
 *	this_cpu_ptr(s)->hits++;                     the calling thread's CPU's copy
 *	for_each_possible_cpu(cpu)
 *		total += per_cpu_ptr(s, cpu)->hits;
 *	free_percpu(s);
 *
 * An allocation is one copy per possible CPU, zeroed, aligned as asked (at
 * least PCPU_MIN_ALLOC_SIZE, at most a page, a power of two), of 1 to
 * PCPU_MIN_UNIT_SIZE bytes; sizes are rounded up to PCPU_MIN_ALLOC_SIZE.
 * An illegal size or alignment warns (unless __GFP_NOWARN) and gives NULL;
 * a request that cannot be met warns "percpu: allocation failed" (the
 * first ten times) and gives NULL.  The percpu pointer itself is not a
 * CPU's copy: reach a copy only through per_cpu_ptr()/this_cpu_ptr().
 * The allocator takes its own lock; any thread may call it.
 */
#ifndef KMM_PERCPU_H
#define KMM_PERCPU_H

#include <kmm/gfp.h>
#include <stddef.h>

#define __percpu /* marks a percpu pointer, as sparse's address space does in Linux */

#define PCPU_MIN_ALLOC_SHIFT 2
#define PCPU_MIN_ALLOC_SIZE (1 << PCPU_MIN_ALLOC_SHIFT) /* the allocation granule: a bit of the area map */
#define PCPU_MIN_UNIT_SIZE (32 << 10)                   /* the largest allocation; the smallest unit */

void __percpu *__alloc_percpu_gfp(size_t size, size_t align, gfp_t gfp);
void __percpu *__alloc_percpu(size_t size, size_t align);
/* From the first chunk's reserved area where the profile has one (x86_64: 8 KiB, for modules' static percpu data). */
void __percpu *__alloc_reserved_percpu(size_t size, size_t align);
void free_percpu(void __percpu *ptr);

#define alloc_percpu_gfp(type, gfp) ((__typeof__(type) __percpu *)__alloc_percpu_gfp(sizeof(type), __alignof__(type), gfp))
#define alloc_percpu(type) ((__typeof__(type) __percpu *)__alloc_percpu(sizeof(type), __alignof__(type)))

/* CPU cpu's copy of the percpu object ptr; NULL (with a warning) for a CPU the machine does not have. */
void *kmm_per_cpu_ptr(const void __percpu *ptr, int cpu);
#define per_cpu_ptr(ptr, cpu) ((__typeof__(ptr))kmm_per_cpu_ptr((ptr), (cpu)))
/* The copy of the CPU the calling thread is on (kmm_cpu_enter); NULL with a warning on no CPU. */
void *kmm_this_cpu_ptr(const void __percpu *ptr);
#define this_cpu_ptr(ptr) ((__typeof__(ptr))kmm_this_cpu_ptr(ptr))

/* The simulated machine's CPUs, all possible and online from boot. */
unsigned int num_possible_cpus(void);
#define for_each_possible_cpu(cpu) for ((cpu) = 0; (cpu) < (int)num_possible_cpus(); (cpu)++)

/* Pages the allocator holds, every unit counted: meminfo's "Percpu" in pages. */
unsigned long pcpu_nr_pages(void);

#endif /* KMM_PERCPU_H */
