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
 */
#include "internal.h"

#include <kmm/slab.h>
#include <kmm/vmalloc.h>
#include <limits.h>

static inline bool gfpflags_allow_blocking(gfp_t gfp)
{
	return gfp & __GFP_DIRECT_RECLAIM;
}

void *kvmalloc_node(size_t size, gfp_t flags, int node)
{
	gfp_t kmalloc_flags = flags;
	if (size > PAGE_SIZE) {
		kmalloc_flags |= __GFP_NOWARN;
		if (!(kmalloc_flags & __GFP_RETRY_MAYFAIL))
			kmalloc_flags |= __GFP_NORETRY;
		kmalloc_flags &= ~__GFP_NOFAIL; /* vmalloc keeps the NOFAIL promise */
	}
	void *ret = kmalloc_node(size, kmalloc_flags, node);
	if (ret || size <= PAGE_SIZE)
		return ret;
	if (!gfpflags_allow_blocking(flags))
		return NULL; /* vmalloc may sleep */
	/* "Don't even allow crazy sizes" */
	if (size > INT_MAX) {
		WARN_ON_ONCE_AT(!(flags & __GFP_NOWARN), "mm/util.c:596");
		return NULL;
	}
	return vmalloc_huge_node(size, flags, node, __builtin_return_address(0)); /* VM_ALLOW_HUGE_VMAP */
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
