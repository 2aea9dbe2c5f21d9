/*
 * random.c - the machine's random numbers, from its seed (kmm boot --seed).
 *
 * One stream per machine: the state is a 64-bit counter that every draw
 * advances by the golden-ratio step, and a draw is that counter put through
 * SplitMix64's finaliser (Steele, Lea and Flood, "Fast splittable
 * pseudorandom number generators", 2014).  The step is one atomic add, so
 * CPUs running as threads may draw at once without a lock; a single-threaded
 * run draws the same numbers in the same order every time, which is what
 * makes a run with failure injection (mm/fault_inject.c) reproducible from
 * its seed.  Linux draws from per-CPU prandom states seeded at random; kmm
 * has one stream and a seed the user gives, because here reproducing a run
 * matters more than unpredictability.  Nothing here is fit for secrets.
 */
#include "internal.h"

#define GOLDEN_GAMMA 0x9e3779b97f4a7c15ULL

void kmm_random_seed(u64 seed)
{
	__atomic_store_n(&M->random_state, seed, __ATOMIC_RELAXED);
}

u32 get_random_u32(void)
{
	u64 z = __atomic_add_fetch(&M->random_state, GOLDEN_GAMMA, __ATOMIC_RELAXED);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (u32)((z ^ (z >> 31)) >> 32);
}
