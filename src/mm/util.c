/*
 * util.c - the helpers Linux 6.1 keeps in mm/util.c: the kv* family, which
 * tries kmalloc and falls back to vmalloc.
 *
 *   kvmalloc_node(size)   size <= PAGE_SIZE: kmalloc_node, and that is all
 *                         (a vmalloc of less than a page would waste the
 *                         rest of the page and a guard page);
 *                         larger: kmalloc_node without warning, without
 *                         retrying (unless __GFP_RETRY_MAYFAIL) and without
 *                         __GFP_NOFAIL - the fallback is vmalloc, which
 *                         then keeps NOFAIL's promise - and, when that
 *                         fails and the caller may sleep, vmalloc on the
 *                         node, huge-page aligned where the architecture
 *                         allows (VM_ALLOW_HUGE_VMAP: x86_64 requests of a
 *                         PMD or more).  A request above INT_MAX is refused
 *                         (WARN_ON_ONCE unless __GFP_NOWARN).
 *   kvrealloc(p, old, new)  never shrinks: new <= old returns p itself;
 *                         otherwise a new kvmalloc, the old bytes copied,
 *                         p freed.  On failure p is untouched.
 *   kvfree_sensitive      zeroes the bytes first.
 *
 * kvzalloc, kvmalloc_array (overflow-checked: NULL when n * size
 * overflows) and kvcalloc are inline in kmm/slab.h, as in Linux's slab.h;
 * they and kvrealloc call kvmalloc_node(..., NUMA_NO_NODE), which is what
 * Linux's kvmalloc() is; kvmalloc() is that call, kvfree() frees either
 * kind by its address.
 * What may fail and what is refused follows the functions they call: a
 * refused request changes nothing.
 *
 * Overcommit accounting, as 6.1's: vm_committed_as counts the pages
 * promised - every VMA with VM_ACCOUNT (private writable mappings without
 * MAP_NORESERVE, brk, the stack, exec's data and bss, anything mprotect
 * made writable) and every shared anonymous mapping's shmem object, from
 * its creation to its last put.  Each promise asks __vm_enough_memory
 * first, which charges the pages and then judges by vm.overcommit_memory:
 *
 *   0 OVERCOMMIT_GUESS   refuse only what can never fit: one request of
 *                        more pages than RAM + swap
 *   1 OVERCOMMIT_ALWAYS  never refuse (MAP_NORESERVE is honoured in 0 and 1)
 *   2 OVERCOMMIT_NEVER   Committed_AS must stay below CommitLimit less the
 *                        admin reserve (unless CAP_SYS_ADMIN) and
 *                        min(total_vm / 32, user reserve) of the task;
 *                        MAP_NORESERVE is ignored
 *
 *   CommitLimit = (overcommit_kbytes ? kbytes / 4 : RAM * ratio / 100) + swap
 *
 * (RAM less the hugetlb pool, which kmm has none of.)  A refusal gives
 * the charge back, prints 6.1's ratelimited "__vm_enough_memory: pid: N,
 * comm: C, no enough memory for the allocation" and the call fails with
 * -ENOMEM, changing nothing; munmap, exit, brk and mremap shrinking give
 * their VM_ACCOUNT pages back (vm_unacct_memory).  Invariant at rest:
 * vm_committed_as == Σ vma_pages(v) over VM_ACCOUNT VMAs of every mm +
 * Σ pages of live accounted shmem objects.  Writing overcommit_ratio sets
 * overcommit_kbytes to 0 and the other way round; the reserves start at
 * free memory / 32, capped at 128 MiB (user) and 8 MiB (admin), as the
 * subsys initcalls set them.  6.1's per-CPU counter is one atomic here,
 * exact rather than batched.
 */
#include "internal.h"

#include <kmm/slab.h>
#include <kmm/swap.h>
#include <kmm/task.h>
#include <kmm/vmalloc.h>
#include <kmm/vmstat.h>
#include <limits.h>

static inline bool gfpflags_allow_blocking(gfp_t gfp)
{
	return gfp & __GFP_DIRECT_RECLAIM;
}

/*
 * kvmalloc_node for a caller that allocates on behalf of another (the
 * preload: the program's call site): kmalloc_caller is who SLUB's track and
 * the kmalloc event name, caller who vmallocinfo names.  kvmalloc_node is
 * 6.1's: its kmalloc names kvmalloc_node, its vmalloc area its caller.
 */
static void *kvmalloc_node_callers(size_t size, gfp_t flags, int node, unsigned long kmalloc_caller,
				   unsigned long caller)
{
	gfp_t kmalloc_flags = flags;
	if (size > PAGE_SIZE) {
		kmalloc_flags |= __GFP_NOWARN;
		if (!(kmalloc_flags & __GFP_RETRY_MAYFAIL))
			kmalloc_flags |= __GFP_NORETRY;
		kmalloc_flags &= ~__GFP_NOFAIL; /* vmalloc keeps the NOFAIL promise */
	}
	void *ret = __kmalloc_node_track_caller(size, kmalloc_flags, node, kmalloc_caller);
	if (ret || size <= PAGE_SIZE)
		return ret;
	if (!gfpflags_allow_blocking(flags))
		return NULL; /* vmalloc may sleep */
	/* "Don't even allow crazy sizes" */
	if (size > INT_MAX) {
		WARN_ON_ONCE_AT(!(flags & __GFP_NOWARN), "mm/util.c:596");
		return NULL;
	}
	return vmalloc_huge_node(size, flags, node, (const void *)caller); /* VM_ALLOW_HUGE_VMAP */
}

void *__kvmalloc_node_caller(size_t size, gfp_t flags, int node, unsigned long caller)
{
	return kvmalloc_node_callers(size, flags, node, caller, caller);
}

void *kvmalloc_node(size_t size, gfp_t flags, int node)
{
	__label__ here;
here:
	return kvmalloc_node_callers(size, flags, node, (unsigned long)&&here,
				     (unsigned long)__builtin_return_address(0));
}

void *kvmalloc(size_t size, gfp_t flags)
{
	return kvmalloc_node(size, flags, NUMA_NO_NODE);
}

void kvfree(const void *addr)
{
	if (is_vmalloc_addr(addr))
		vfree(addr);
	else
		kfree(addr);
}

void *kvrealloc(const void *p, size_t oldsize, size_t newsize, gfp_t flags)
{
	if (oldsize >= newsize)
		return (void *)p;
	void *newp = kvmalloc_node(newsize, flags, NUMA_NO_NODE);
	if (!newp)
		return NULL;
	if (p)
		memcpy(newp, p, oldsize);
	kvfree(p);
	return newp;
}

void kvfree_sensitive(const void *addr, size_t len)
{
	if (ZERO_OR_NULL_PTR(addr))
		return;
	memset((void *)addr, 0, len);
	__asm__ __volatile__("" : : "r"(addr) : "memory"); /* memzero_explicit: the stores stay */
	kvfree(addr);
}

/* ---- overcommit accounting ------------------------------------------------------------------ */

void vm_acct_memory(long pages)
{
	__atomic_add_fetch(&M->vm_committed_as, pages, __ATOMIC_RELAXED);
}

void vm_unacct_memory(long pages)
{
	vm_acct_memory(-pages);
}

/* vm_memory_committed: Committed_AS in pages (never below 0) */
unsigned long vm_memory_committed(void)
{
	long n = __atomic_load_n(&M->vm_committed_as, __ATOMIC_RELAXED);
	return n > 0 ? (unsigned long)n : 0;
}

/* vm_commit_limit: CommitLimit in pages */
unsigned long vm_commit_limit(void)
{
	unsigned long kbytes = __atomic_load_n(&M->overcommit_kbytes, __ATOMIC_RELAXED), allowed;
	if (kbytes)
		allowed = kbytes >> (PAGE_SHIFT - 10);
	else /* totalram_pages() - hugetlb_total_pages() (0); the ratio is an int, as 6.1 multiplies it */
		allowed = totalram_pages() * (unsigned long)(long)__atomic_load_n(&M->overcommit_ratio, __ATOMIC_RELAXED) / 100;
	return allowed + kmm_total_swap_pages();
}

/*
 * __vm_enough_memory: may pages more be promised to mm (NULL: to none)?
 * 0 with them charged, or -ENOMEM with nothing changed.
 */
int __vm_enough_memory(struct mm_struct *mm, long pages, int cap_sys_admin)
{
	vm_acct_memory(pages);
	int mode = __atomic_load_n(&M->overcommit_memory, __ATOMIC_RELAXED);
	if (mode == OVERCOMMIT_ALWAYS)
		return 0;
	if (mode == OVERCOMMIT_GUESS) {
		if (pages <= (long)(totalram_pages() + kmm_total_swap_pages()))
			return 0;
	} else {
		long allowed = (long)vm_commit_limit();
		if (!cap_sys_admin) /* some for root, to log in and kill what hogs */
			allowed -= (long)(__atomic_load_n(&M->admin_reserve_kbytes, __ATOMIC_RELAXED) >> (PAGE_SHIFT - 10));
		if (mm) { /* no single task grows so big that its user cannot recover */
			long reserve = (long)(__atomic_load_n(&M->user_reserve_kbytes, __ATOMIC_RELAXED) >> (PAGE_SHIFT - 10));
			allowed -= min((long)(mm->total_vm / 32), reserve);
		}
		if ((long)vm_memory_committed() < allowed)
			return 0;
	}
	struct task_struct *t = mm ? mm->owner : NULL;
	if (__ratelimit(&M->vm_enough_rs))
		pr_warn("%s: pid: %d, comm: %s, no enough memory for the allocation\n", __func__, t ? t->pid : 0,
			t ? t->comm : "swapper/0");
	vm_unacct_memory(pages);
	return -ENOMEM;
}

/* security_vm_enough_memory_mm: the commoncap module's, CAP_SYS_ADMIN being the task's uid 0 */
int vm_enough_memory(struct mm_struct *mm, long pages)
{
	struct task_struct *t = mm ? mm->owner : NULL;
	return __vm_enough_memory(mm, pages, t && t->uid == 0);
}

/* init_user_reserve and init_admin_reserve (subsys initcalls), and the sysctls' defaults */
void mm_overcommit_init(void)
{
	unsigned long free_kbytes = global_zone_page_state(NR_FREE_PAGES) << (PAGE_SHIFT - 10);
	M->overcommit_memory = OVERCOMMIT_GUESS;
	M->overcommit_ratio = 50;
	M->overcommit_kbytes = 0;
	M->user_reserve_kbytes = min(free_kbytes / 32, 1UL << 17);
	M->admin_reserve_kbytes = min(free_kbytes / 32, 1UL << 13);
	M->vm_committed_as = 0;
	M->vm_enough_rs = RATELIMIT_STATE_INIT;
}
