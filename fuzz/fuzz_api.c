/*
 * fuzz_api.c - libFuzzer target: kmm's C API itself, called as a hostile
 * caller would.  Where fuzz_stress (src/stress/stress.c) only stresses the
 * API with calls that are right, this target decodes its input into calls
 * with extreme and misused arguments and into wrong calls:
 *
 *   - sizes, lengths and addresses from a table of edges - 0, 1, PAGE_SIZE
 *     and its neighbours, KMALLOC_MAX_CACHE_SIZE and KMALLOC_MAX_SIZE +-1,
 *     2^31, 2^32 +-1, 2^63 +-1, ULONG_MAX and the last page below it, the
 *     task's TASK_SIZE, start_brk, mmap_min_addr - or any 8, 16, 32 or 64
 *     bits of the input;
 *   - orders up to 64 and "negative" (as unsigned), node ids out of range
 *     (NUMA_NO_NODE, -5, 1, 64, INT_MAX), gfp masks of any bits;
 *   - frees of wrong pointers: an object's interior, an object given to
 *     kmem_cache_free with another cache, a vmalloc address to kfree, a
 *     kmalloc address and an interior address to vfree, pages to
 *     __free_pages with the wrong order or by a tail page, double frees
 *     of objects, pages and vmalloc areas, kunmap of a page nobody mapped,
 *     kunmap_local/kunmap_atomic out of order, a cache destroyed with
 *     objects in it, destroyed twice, caches with odd sizes, alignments
 *     and flags;
 *   - mmap, munmap, mprotect, mremap, brk, madvise and mlock with those
 *     numbers, and every task operation again after the task exited.
 *
 * Every call must come back (no crash, no hang: libFuzzer's -timeout), and
 * the kernel's answer must be the one Linux gives:
 *   - a misuse that Linux reports (or a debug kernel does: kmm's fuzz
 *     build has ASan, so SLUB's KASAN check sees double frees) must be
 *     reported - one of the machine's bug counters grows - and refused;
 *   - a call that is merely extreme (a size no allocator can give, an
 *     order above MAX_ORDER, an address beyond TASK_SIZE) must fail as
 *     Linux's does, and report nothing of the kind a bug counter counts;
 *   - the validators (kmm_verify) pass every 64 operations and at the end,
 *     and once the target freed what it holds "nothing lost" holds
 *     against the figures of the input's start;
 *   - what is held keeps its contents: each allocation is tagged at both
 *     ends and checked when freed, and a new allocation may not overlap
 *     one that is held (an object handed out twice).
 * A failed check prints the operation and the kernel log, and aborts.
 *
 * Kept out, each because the target could not tell Linux's answer from
 * a bug (Linux itself corrupts, leaks, panics or loops by design):
 *   - __GFP_NOFAIL: an allocation it cannot satisfy loops for ever, as
 *     Linux's does;  SLAB_PANIC: a failed create panics, as in Linux;
 *   - vunmap() of a vmalloc() area: Linux's __vunmap(addr, 0) leaks its
 *     pages, so "nothing lost" would fail by design;
 *   - free_pages_exact() with another size, kfree() of a page from the
 *     page allocator (Linux frees it as a large kmalloc, with a warning
 *     at most): each frees memory the caller did not own;
 *   - a second free of anything after something else could have been
 *     given the same memory (it would free the new owner's memory: no
 *     kernel can tell), so every double free here follows its first free
 *     at once, and none into a SLAB_TYPESAFE_BY_RCU cache (KASAN does
 *     not check those);
 *   - kunmap() of a page the target holds kmapped (it would drop the
 *     target's own hold), split_page() of a compound page and get_page()
 *     of a free one (VM_BUG_ON_PAGE in Linux), task_exit() twice and a
 *     task_struct used after its last reference;
 *   - kmap_atomic_type() mixed with kmap_local on one CPU (highmem.h says
 *     not to);  destroying a cache that kmem_cache_create merged into
 *     another (its name is not ours) more than once, which drops the other
 *     cache's reference;
 *   - touching memory beyond 64 pages at once (MAP_POPULATE, mlock,
 *     mm_access of a long range): a populated page costs the host a
 *     fault and a page of its memory; longer ranges are still mapped,
 *     only not faulted in.
 *
 * The machine (i386, 96M, HighMem above ~72M) is reset between inputs
 * as fuzz_stress's is (fuzz_machine.h): the final "nothing lost" check is
 * the reset's proof.  A crash input replayed alone (fuzz-api FILE) runs on
 * a fresh machine.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <kmm/fs.h>
#include <kmm/highmem.h>
#include <kmm/kmm.h>
#include <kmm/mm.h>
#include <kmm/slab.h>
#include <kmm/task.h>
#include <kmm/vmalloc.h>

#include "fuzz_machine.h"
#include "internal.h"
#include "sim/track.h"

#define FUZZ_MAX_INPUT 4096
#define MAX_OPS 400
#define CHECK_EVERY 64
#define NPAGES 24
#define NOBJS 48
#define NCACHES 4
#define NVMS 8
#define NKMAPS 6
#define NSTACK 8
#define NTASKS 5
#define TOUCH_MAX (64 * PAGE_SIZE)   /* bytes faulted in by one operation at most */
#define TAG_LEN 8

/*
 * Misuse this target found in the allocators.  A case is off (0) while its
 * bug is open, so that a campaign finds what is new; all three are fixed
 * and on.  Build with -DFUZZ_API_...=0 to leave one out.
 */
#ifndef FUZZ_API_MOVABLE_RECLAIMABLE
#define FUZZ_API_MOVABLE_RECLAIMABLE 1 /* both mobility bits: fallbacks[] read out of bounds (found here; now refused with a WARN) */
#endif
#ifndef FUZZ_API_SLAB_KMALLOC
#define FUZZ_API_SLAB_KMALLOC 1        /* a cache made with SLAB_KMALLOC lost 2 objects at destroy (found here; now -EINVAL as 6.1) */
#endif
#ifndef FUZZ_API_VMAP_VM_ALLOC
#define FUZZ_API_VMAP_VM_ALLOC 1       /* vfree of a vmap(VM_ALLOC) area indexed its NULL pages[] (found here; fixed) */
#endif

/* ---- the input ------------------------------------------------------------------------------ */

static const u8 *in_buf;
static size_t in_len, in_pos;

static unsigned int byte(void)
{
	return in_pos < in_len ? in_buf[in_pos++] : 0;
}

static u64 bytes(int n)
{
	u64 v = 0;
	for (int i = 0; i < n; i++)
		v |= (u64)byte() << (8 * i);
	return v;
}

static unsigned int pick(unsigned int n)
{
	return n ? (unsigned int)bytes(2) % n : 0;
}

/* A number: an edge of some range, or any bits of the input; anchor is a meaningful address (0: none). */
static unsigned long number(unsigned long anchor)
{
	unsigned int b = byte();
	switch (b % 32) {
	case 0: return 0;
	case 1: return 1;
	case 2: return PAGE_SIZE - 1;
	case 3: return PAGE_SIZE;
	case 4: return PAGE_SIZE + 1;
	case 5: return KMALLOC_MAX_CACHE_SIZE + (b >> 5) % 3 - 1;
	case 6: return KMALLOC_MAX_SIZE + (b >> 5) % 3 - 1;
	case 7: return 1UL << 31;
	case 8: return (1UL << 32) + (b >> 5) % 3 - 1;
	case 9: return (1UL << 63) + (b >> 5) % 3 - 1;
	case 10: return ULONG_MAX - (b >> 5);
	case 11: return ULONG_MAX - PAGE_SIZE + 1 - (b >> 5) % 2;
	case 12: return ULONG_MAX - PAGE_SIZE * (1 + (b >> 5));
	case 13: case 14: return bytes(1);
	case 15: case 16: return bytes(2);
	case 17: return bytes(4);
	case 18: return bytes(8);
	case 19: case 20: case 21: return PAGE_SIZE * (1 + bytes(1) % 64);
	case 22: return PAGE_SIZE * (1 + bytes(1) % 64) + (b >> 5);
	case 23: return 0xc0000000UL - PAGE_SIZE * (b >> 5);          /* i386's TASK_SIZE, and below */
	case 24: return 0x7ffffffff000UL;                              /* x86_64's */
	case 25: return 65536 - PAGE_SIZE * ((b >> 5) % 2);           /* vm.mmap_min_addr */
	default: /* an anchor and a small step either way */
		if (!anchor)
			return PAGE_SIZE * bytes(1);
		return anchor + PAGE_SIZE * (bytes(1) % 32) * ((b >> 5) & 1 ? 1 : -1UL) + ((b >> 6) == 3);
	}
}

/* A size that an allocator is meant to give, mostly: small, sometimes an edge. */
static unsigned long alloc_size(void)
{
	unsigned int b = byte();
	if (b < 96)
		return 1 + bytes(1) * (b & 7 ? 1 : 8);
	if (b < 160)
		return 1 + bytes(2) % (2 * PAGE_SIZE);
	if (b < 176)
		return PAGE_SIZE * (1 + bytes(1) % 16);
	return number(0);
}

static unsigned int order_arg(void)
{
	unsigned int b = byte();
	if (b < 160)
		return b % 4;
	if (b < 224)
		return b % 11;
	if (b < 240)
		return b % 65;
	return (unsigned int)-(int)(1 + b % 16); /* "negative" */
}

static int node_arg(void)
{
	static const int nodes[] = { 0, 0, 0, 0, NUMA_NO_NODE, 1, 63, 64, INT_MAX, -5, INT_MIN };
	return nodes[pick(ARRAY_SIZE(nodes))];
}

/* Any mask but __GFP_NOFAIL (loops for ever by design when it cannot be met). */
static gfp_t gfp_arg(void)
{
	static const gfp_t kinds[] = { GFP_KERNEL, GFP_ATOMIC, GFP_NOWAIT, GFP_NOIO, GFP_HIGHUSER,
				       GFP_HIGHUSER_MOVABLE, GFP_KERNEL | GFP_DMA, GFP_KERNEL | GFP_DMA32 };
	unsigned int b = byte();
	gfp_t g = b < 200 ? kinds[b % ARRAY_SIZE(kinds)] | (byte() & 1 ? __GFP_ZERO : 0) : (gfp_t)bytes(4);
	if (byte() < 224)
		g |= __GFP_NOWARN; /* the warning paths run too, 1 in 8 */
	if (!FUZZ_API_MOVABLE_RECLAIMABLE && (g & (__GFP_MOVABLE | __GFP_RECLAIMABLE)) == (__GFP_MOVABLE | __GFP_RECLAIMABLE))
		g &= ~__GFP_RECLAIMABLE;
	return g & ~__GFP_NOFAIL;
}

/* ---- what the input holds -------------------------------------------------------------------- */

struct held_page { struct page *page; unsigned int order; u8 tag; };
struct held_obj { u8 *p; size_t size; struct kmem_cache *cache; bool kv; u8 tag; };
struct held_cache { struct kmem_cache *c; unsigned int size; bool alias, rcu; };
struct held_vm { u8 *p; unsigned long size; struct page **pages; unsigned int nr; u8 tag; };
struct held_kmap { struct page *page; };
struct held_local { struct page *page; void *addr; };

static struct {
	struct held_page pages[NPAGES];
	int npages;
	struct held_obj objs[NOBJS];
	int nobjs;
	struct held_cache caches[NCACHES];
	int ncaches;
	struct held_vm vms[NVMS];
	int nvms;
	struct held_kmap kmaps[NKMAPS];
	int nkmaps;
	struct held_local stack[NSTACK];
	int nstack;
	struct task_struct *tasks[NTASKS];  /* each with a reference of ours: exited ones stay readable */
	int ntasks;
	int op;
	unsigned int seq;
	char line[256];                     /* the current operation, for the failure report */
	bool files;
} H;

static unsigned long bugs(void)
{
	return kmm_bad_pages() + M->slab_bugs + M->vmalloc_bugs + M->kmap_bugs + M->oopses;
}

static void __attribute__((format(printf, 1, 2), noreturn)) fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "fuzz-api: operation %d (%s): ", H.op, H.line);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n--- kernel log ---\n%s", kmm_dmesg());
	abort();
}

static int trace = -1; /* FUZZ_API_TRACE set: each operation to stderr, said before it runs */

static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(H.line, sizeof(H.line), fmt, ap);
	va_end(ap);
	if (trace > 0)
		fprintf(stderr, "%d> %s\n", H.op, H.line);
}

/* The call just made was a misuse Linux reports: a report must have come. */
static void expect_report(unsigned long before)
{
	if (bugs() == before)
		fail("a misuse went unreported");
}

/* The call just made was legal, however extreme: no bug report may come. */
static void expect_quiet(unsigned long before)
{
	if (bugs() != before)
		fail("a legal call was reported as a kernel bug");
}

static u8 new_tag(void)
{
	return (u8)(++H.seq * 37 + 11);
}

/* The first TAG_LEN bytes, and the last TAG_LEN that are not among them. */
static void tag(u8 *p, size_t n, u8 t)
{
	size_t k = n < TAG_LEN ? n : TAG_LEN, back = n - k > k ? n - k : k;
	for (size_t i = 0; i < k; i++)
		p[i] = (u8)(t + i);
	for (size_t i = back; i < n; i++)
		p[i] = (u8)((t ^ 0xa5) + i);
}

static bool tag_ok(const u8 *p, size_t n, u8 t)
{
	size_t k = n < TAG_LEN ? n : TAG_LEN, back = n - k > k ? n - k : k;
	for (size_t i = 0; i < k; i++)
		if (p[i] != (u8)(t + i))
			return false;
	for (size_t i = back; i < n; i++)
		if (p[i] != (u8)((t ^ 0xa5) + i))
			return false;
	return true;
}

static void page_tag(struct page *page, u8 t, bool check)
{
	u8 *p = kmap_local_page(page);
	if (check && !tag_ok(p, PAGE_SIZE, t))
		fail("the tag of pfn %#lx was overwritten while it was held", page_to_pfn(page));
	if (!check)
		tag(p, PAGE_SIZE, t);
	kunmap_local(p);
}

/* Does [p, p + n) overlap something held (an allocator handed memory out twice)? */
static void check_fresh(const u8 *p, size_t n)
{
	for (int i = 0; i < H.nobjs; i++)
		if (p < H.objs[i].p + (H.objs[i].size ? H.objs[i].size : 1) && H.objs[i].p < p + n)
			fail("new memory at %#lx overlaps the held object at %#lx", kmm_host_to_kva(p),
			     kmm_host_to_kva(H.objs[i].p));
}

static void check_fresh_pages(const struct page *page, unsigned int order)
{
	for (int i = 0; i < H.npages; i++)
		if (page < H.pages[i].page + (1UL << H.pages[i].order) && H.pages[i].page < page + (1UL << order))
			fail("pfn %#lx (order %u) overlaps the held pfn %#lx (order %u)", page_to_pfn(page), order,
			     page_to_pfn(H.pages[i].page), H.pages[i].order);
}

/* ---- pages ----------------------------------------------------------------------------------- */

static void op_alloc_pages(void)
{
	gfp_t gfp = gfp_arg();
	unsigned int order = order_arg(), how = byte() % 3;
	int nid = node_arg();
	say("alloc_pages how %u gfp %#x order %u nid %d", how, gfp, order, nid);
	unsigned long before = bugs();
	struct page *page;
	if (how == 0)
		page = alloc_pages(gfp, order);
	else if (how == 1)
		page = alloc_pages_node(nid, gfp, order);
	else {
		unsigned long a = __get_free_pages(gfp & ~__GFP_HIGHMEM, order);
		page = a ? virt_to_page((void *)a) : NULL;
	}
	expect_quiet(before);
	if (!page)
		return;
	if (order >= MAX_ORDER)
		fail("an order-%u allocation succeeded", order);
	check_fresh_pages(page, order);
	if (H.npages == NPAGES) {
		__free_pages(page, order);
		return;
	}
	struct held_page *h = &H.pages[H.npages++];
	*h = (struct held_page){ page, order, new_tag() };
	page_tag(page, h->tag, false);
}

static void page_release(int i)
{
	struct held_page *h = &H.pages[i];
	page_tag(h->page, h->tag, true);
	unsigned long before = bugs();
	__free_pages(h->page, h->order);
	expect_quiet(before);
	H.pages[i] = H.pages[--H.npages];
}

static void op_free_pages(void)
{
	if (!H.npages)
		return;
	int i = (int)pick((unsigned)H.npages);
	struct held_page h = H.pages[i];
	unsigned int how = byte() % 6;
	say("free_pages pfn %#lx order %u how %u", page_to_pfn(h.page), h.order, how);
	unsigned long before = bugs();
	switch (how) {
	case 0: /* the wrong order: refused, and nothing changes (the right free below still works) */
	{
		unsigned int wrong = order_arg();
		if (wrong == h.order)
			wrong = h.order + 1;
		__free_pages(h.page, wrong);
		expect_report(before);
		page_release(i);
		return;
	}
	case 1: /* by a tail page */
		if (h.order) {
			__free_pages(h.page + 1 + pick((1u << h.order) - 1), h.order);
			expect_report(before);
		}
		page_release(i);
		return;
	case 2: /* twice: the second is refused */
		page_release(i);
		before = bugs();
		__free_pages(h.page, h.order);
		expect_report(before);
		return;
	case 3: /* free_pages of an address that is not in the direct map, or of a lowmem page */
		if (!PageHighMem(h.page) && byte() & 1) {
			page_tag(h.page, h.tag, true);
			free_pages((unsigned long)page_address(h.page), h.order);
			expect_quiet(before);
			H.pages[i] = H.pages[--H.npages];
		} else {
			free_pages(0xdead000UL, h.order); /* no host pointer of the direct map */
			expect_report(before);
			page_release(i);
		}
		return;
	default:
		page_release(i);
	}
}

static void op_alloc_pages_exact(void)
{
	size_t size = alloc_size();
	gfp_t gfp = gfp_arg() & ~__GFP_HIGHMEM;
	say("alloc_pages_exact %zu gfp %#x", size, gfp);
	unsigned long before = bugs();
	void *p = alloc_pages_exact(size, gfp);
	expect_quiet(before);
	if (!p)
		return;
	if (!size || size > (PAGE_SIZE << (MAX_ORDER - 1)))
		fail("alloc_pages_exact(%zu) succeeded", size);
	check_fresh(p, size);
	tag(p, size, 0x3c);
	if (!tag_ok(p, size, 0x3c))
		fail("alloc_pages_exact memory does not keep what is written");
	free_pages_exact(p, size);
	expect_quiet(before);
}

/* ---- slab ------------------------------------------------------------------------------------ */

static void obj_add(void *p, size_t size, struct kmem_cache *cache, bool kv)
{
	if (ZERO_OR_NULL_PTR(p))
		return;
	check_fresh(p, size ? size : 1);
	if (H.nobjs == NOBJS) {
		if (cache)
			kmem_cache_free(cache, p);
		else
			kvfree(p);
		return;
	}
	struct held_obj *h = &H.objs[H.nobjs++];
	*h = (struct held_obj){ p, size, cache, kv, new_tag() };
	tag(p, size, h->tag);
}

static void op_kmalloc(void)
{
	size_t size = alloc_size();
	gfp_t gfp = gfp_arg();
	unsigned int how = byte() % 5;
	int node = node_arg();
	say("kmalloc how %u size %zu gfp %#x node %d", how, size, gfp, node);
	unsigned long before = bugs();
	void *p;
	if (how == 0)
		p = kmalloc(size, gfp);
	else if (how == 1)
		p = kmalloc_node(size, gfp, node);
	else if (how == 2)
		p = kvmalloc(size, gfp);
	else if (how == 3)
		p = kmalloc_array(size, bytes(1) + 1, gfp), size = 0; /* size unknown: held as 0 bytes */
	else
		p = kcalloc(bytes(1), size, gfp), size = 0;
	expect_quiet(before);
	if (p && !ZERO_OR_NULL_PTR(p) && size > KMALLOC_MAX_SIZE && how != 2)
		fail("kmalloc of %zu bytes succeeded", size);
	if (p == ZERO_SIZE_PTR && size)
		fail("ZERO_SIZE_PTR for %zu bytes", size);
	obj_add(p, size, NULL, how == 2);
}

static void obj_release(int i)
{
	struct held_obj *h = &H.objs[i];
	if (!tag_ok(h->p, h->size, h->tag))
		fail("the tag of the %zu-byte object at %#lx was overwritten while it was held", h->size,
		     kmm_host_to_kva(h->p));
	unsigned long before = bugs();
	if (h->cache)
		kmem_cache_free(h->cache, h->p);
	else if (h->kv)
		kvfree(h->p);
	else
		kfree(h->p);
	expect_quiet(before);
	H.objs[i] = H.objs[--H.nobjs];
}

/* A held object of the kmalloc family (not kvmalloc), or -1. */
static int pick_kmalloc_obj(void)
{
	int idx[NOBJS], n = 0;
	for (int i = 0; i < H.nobjs; i++)
		if (!H.objs[i].cache && !H.objs[i].kv)
			idx[n++] = i;
	return n ? idx[pick((unsigned)n)] : -1;
}

static bool in_rcu_cache(const struct held_obj *h)
{
	for (int i = 0; i < H.ncaches; i++)
		if (H.caches[i].c == h->cache)
			return H.caches[i].rcu;
	return false;
}

static void op_kfree(void)
{
	if (!H.nobjs)
		return;
	int i = (int)pick((unsigned)H.nobjs);
	struct held_obj h = H.objs[i];
	unsigned int how = byte() % 8;
	say("free %#lx (%zu bytes, %s) how %u", kmm_host_to_kva(h.p), h.size, h.cache ? kmem_cache_name(h.cache) : "kmalloc",
	    how);
	unsigned long before = bugs();
	bool slab = !h.kv && !is_vmalloc_addr(h.p) && PageSlab(compound_head(virt_to_page(h.p)));
	switch (how) {
	case 0: /* an interior pointer of a slab object: "Invalid object pointer", refused */
		if (slab && ksize(h.p) > 1) {
			u8 *inner = h.p + 1 + pick((unsigned)ksize(h.p) - 1);
			if (h.cache)
				kmem_cache_free(h.cache, inner);
			else
				kfree(inner);
			expect_report(before);
		}
		obj_release(i);
		return;
	case 1: /* twice at once: KASAN's double free (the fuzz build has ASan), or a free page: refused */
		obj_release(i);
		if (!h.kv && ((KMM_TRACK && slab && !in_rcu_cache(&h)) || (!slab && h.size > KMALLOC_MAX_CACHE_SIZE))) {
			before = bugs();
			if (h.cache)
				kmem_cache_free(h.cache, h.p);
			else
				kfree(h.p);
			expect_report(before);
		}
		return;
	case 2: /* to another cache: "Wrong slab cache", freed into its own */
		if (H.ncaches && slab && !h.kv) {
			struct kmem_cache *other = H.caches[pick((unsigned)H.ncaches)].c;
			struct kmem_cache *own = compound_head(virt_to_page(h.p))->slab_cache;
			if (!tag_ok(h.p, h.size, h.tag))
				fail("the tag of the object at %#lx was overwritten while it was held", kmm_host_to_kva(h.p));
			kmem_cache_free(other, h.p);
			if (other != own)
				expect_report(before);
			else
				expect_quiet(before);
			H.objs[i] = H.objs[--H.nobjs];
			return;
		}
		obj_release(i);
		return;
	case 3: /* kfree of a vmalloc address, vfree of a kmalloc one: refused */
		if (H.nvms && byte() & 1) {
			kfree(H.vms[pick((unsigned)H.nvms)].p);
			expect_report(before);
		} else if (slab) {
			vfree(h.p);
			expect_report(before);
		}
		obj_release(i);
		return;
	case 4: /* ksize, kfree_sensitive */
		if (!h.cache && !h.kv) {
			if (ksize(h.p) < h.size)
				fail("ksize(%#lx) is %zu, below the %zu asked for", kmm_host_to_kva(h.p), ksize(h.p), h.size);
			if (!tag_ok(h.p, h.size, h.tag))
				fail("the tag of the object at %#lx was overwritten while it was held", kmm_host_to_kva(h.p));
			kfree_sensitive(h.p);
			expect_quiet(before);
			H.objs[i] = H.objs[--H.nobjs];
			return;
		}
		obj_release(i);
		return;
	default:
		obj_release(i);
	}
}

static void op_krealloc(void)
{
	int i = pick_kmalloc_obj();
	size_t size = alloc_size();
	gfp_t gfp = gfp_arg();
	say("krealloc #%d size %zu gfp %#x", i, size, gfp);
	unsigned long before = bugs();
	if (i < 0) {
		void *p = krealloc(NULL, size, gfp);
		expect_quiet(before);
		obj_add(p, size, NULL, false);
		return;
	}
	struct held_obj h = H.objs[i];
	if (!tag_ok(h.p, h.size, h.tag))
		fail("the tag of the object at %#lx was overwritten while it was held", kmm_host_to_kva(h.p));
	void *p = krealloc(h.p, size, gfp);
	expect_quiet(before);
	if (!p)
		return; /* the old object stays */
	H.objs[i] = H.objs[--H.nobjs];
	if (ZERO_OR_NULL_PTR(p))
		return; /* size 0: freed */
	/* the kept bytes: the front tag survives if it fits */
	size_t keep = size < h.size ? size : h.size;
	for (size_t k = 0; k < keep && k < TAG_LEN && h.size > 2 * TAG_LEN; k++)
		if (((u8 *)p)[k] != (u8)(h.tag + k))
			fail("krealloc lost the object's first bytes");
	obj_add(p, size, NULL, false);
}

static void op_cache_create(void)
{
	unsigned int size = byte() < 192 ? 1 + (unsigned)bytes(2) % 1024 : (unsigned)number(0);
	unsigned int align = byte() < 128 ? 0 : byte() < 200 ? 1u << (byte() % 16) : (unsigned)bytes(2);
	slab_flags_t flags = byte() < 128 ? 0 : (slab_flags_t)bytes(4);
	if (byte() & 1)
		flags &= SLAB_HWCACHE_ALIGN | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | SLAB_TYPESAFE_BY_RCU |
			 SLAB_RECLAIM_ACCOUNT | SLAB_CACHE_DMA | SLAB_CONSISTENCY_CHECKS | SLAB_ACCOUNT;
	flags &= ~SLAB_PANIC;
	if (!FUZZ_API_SLAB_KMALLOC)
		flags &= ~SLAB_KMALLOC;
	char name[32];
	snprintf(name, sizeof(name), "fuzz-%u", ++H.seq);
	say("kmem_cache_create %s size %u align %u flags %#x", name, size, align, flags);
	if (H.ncaches == NCACHES)
		return;
	unsigned long before = bugs();
	struct kmem_cache *s = kmem_cache_create(name, size, align, flags, NULL);
	expect_quiet(before);
	if (!s)
		return;
	if (!size || size > KMALLOC_MAX_SIZE)
		fail("a cache of %u-byte objects was made", size);
	if (kmem_cache_size(s) < size)
		fail("the cache's objects are %u bytes, %u were asked for", kmem_cache_size(s), size);
	H.caches[H.ncaches++] = (struct held_cache){ s, size, strcmp(kmem_cache_name(s), name) != 0,
						     (flags & SLAB_TYPESAFE_BY_RCU) != 0 };
}

static void op_cache_alloc(void)
{
	if (!H.ncaches)
		return;
	struct held_cache *c = &H.caches[pick((unsigned)H.ncaches)];
	gfp_t gfp = gfp_arg();
	int node = node_arg();
	unsigned int how = byte() % 3;
	say("kmem_cache_alloc %s how %u gfp %#x node %d", kmem_cache_name(c->c), how, gfp, node);
	unsigned long before = bugs();
	if (how == 2) { /* bulk, freed again at once */
		void *p[16];
		size_t nr = 1 + byte() % 16;
		int got = kmem_cache_alloc_bulk(c->c, gfp, nr, p);
		expect_quiet(before);
		for (int k = 0; k < got; k++) {
			check_fresh(p[k], c->size);
			tag(p[k], c->size, (u8)k);
		}
		for (int k = 0; k < got; k++)
			if (!tag_ok(p[k], c->size, (u8)k))
				fail("kmem_cache_alloc_bulk gave object %d twice or overlapping", k);
		kmem_cache_free_bulk(c->c, (size_t)got, p);
		expect_quiet(before);
		return;
	}
	void *p = how ? kmem_cache_alloc_node(c->c, gfp, node) : kmem_cache_alloc(c->c, gfp);
	expect_quiet(before);
	obj_add(p, c->size, c->c, false);
}

static void op_cache_destroy(void)
{
	if (!H.ncaches)
		return;
	int i = (int)pick((unsigned)H.ncaches);
	struct held_cache c = H.caches[i];
	unsigned int how = byte() % 4;
	say("kmem_cache_destroy %s how %u", kmem_cache_name(c.c), how);
	bool has_objs = false;
	for (int j = 0; j < H.nobjs; j++)
		has_objs |= H.objs[j].cache == c.c;
	for (int j = 0; j < H.ncaches; j++)
		if (j != i && H.caches[j].c == c.c)
			c.alias = true; /* the same cache twice in the table: merged with each other */
	unsigned long before = bugs();
	if (how == 0 && has_objs && !c.alias) {
		/* with objects in it: refused with Linux's warning, the cache stays */
		kmem_cache_destroy(c.c);
		if (!strstr(kmm_dmesg(), "Slab cache still has objects"))
			fail("kmem_cache_destroy of a cache with objects said nothing");
		return;
	}
	for (int j = H.nobjs - 1; j >= 0; j--)
		if (H.objs[j].cache == c.c)
			obj_release(j);
	kmem_cache_destroy(c.c);
	expect_quiet(before);
	H.caches[i] = H.caches[--H.ncaches];
	if (how == 1 && !c.alias) { /* twice: KASAN's use-after-free report, refused */
		kmem_cache_destroy(c.c);
		expect_report(before);
	}
}

/* ---- vmalloc --------------------------------------------------------------------------------- */

static void op_vmalloc(void)
{
	unsigned long size = alloc_size();
	unsigned int how = byte() % 6;
	gfp_t gfp = gfp_arg();
	int node = node_arg();
	say("vmalloc how %u size %lu gfp %#x node %d", how, size, gfp, node);
	unsigned long before = bugs();
	void *p;
	switch (how) {
	case 0: p = vmalloc(size); break;
	case 1: p = vzalloc(size); break;
	case 2: p = vmalloc_node(size, node); break;
	case 3: p = vmalloc_32(size); break;
	case 4: p = vmalloc_user(size); break;
	default: p = __vmalloc(size, gfp); break;
	}
	expect_quiet(before);
	if (!p)
		return;
	if (!size || size > M->layout.vmalloc_end - M->layout.vmalloc_start)
		fail("vmalloc(%lu) succeeded", size);
	struct vm_struct *vm = find_vm_area(p);
	if (!vm || vm->size < size + PAGE_SIZE)
		fail("vmalloc(%lu) gave an area of %lu bytes", size, vm ? vm->size : 0);
	if (H.nvms == NVMS || size > TOUCH_MAX) {
		vfree(p);
		expect_quiet(before);
		return;
	}
	struct held_vm *h = &H.vms[H.nvms++];
	*h = (struct held_vm){ p, size, NULL, 0, new_tag() };
	tag(p, size, h->tag);
}

/* vmap of pages of its own (freed with it), with any flags and protection */
static void op_vmap(void)
{
	unsigned int nr = byte() < 224 ? 1 + byte() % 8 : (unsigned)number(0);
	unsigned long flags = byte() < 200 ? VM_MAP : bytes(8);
	if (!FUZZ_API_VMAP_VM_ALLOC)
		flags &= ~VM_ALLOC;
	pteval_t prot = byte() < 200 ? __PAGE_KERNEL : (pteval_t)bytes(8);
	say("vmap %u pages flags %#lx prot %#llx", nr, flags, (unsigned long long)prot);
	if (H.nvms == NVMS)
		return;
	unsigned int have = nr > 8 ? 8 : nr;
	struct page **pages = calloc(have ? have : 1, sizeof(*pages));
	unsigned int got = 0;
	for (; got < have; got++)
		if (!(pages[got] = alloc_page(GFP_HIGHUSER | __GFP_NOWARN)))
			break;
	unsigned long before = bugs();
	void *p = got == have ? vmap(pages, nr > have ? have : nr, flags, prot) : NULL;
	expect_quiet(before);
	if (!p) {
		for (unsigned int k = 0; k < got; k++)
			__free_page(pages[k]);
		free(pages);
		return;
	}
	H.vms[H.nvms++] = (struct held_vm){ p, (unsigned long)have * PAGE_SIZE, pages, have, 0 };
}

static void vm_release(int i)
{
	struct held_vm *h = &H.vms[i];
	unsigned long before = bugs();
	if (h->pages) {
		vunmap(h->p);
		for (unsigned int k = 0; k < h->nr; k++)
			__free_page(h->pages[k]);
		free(h->pages);
	} else {
		if (!tag_ok(h->p, h->size, h->tag))
			fail("the tag of vmalloc area %#lx was overwritten while it was held", kmm_host_to_kva(h->p));
		vfree(h->p);
	}
	expect_quiet(before);
	H.vms[i] = H.vms[--H.nvms];
}

static void op_vfree(void)
{
	if (!H.nvms)
		return;
	int i = (int)pick((unsigned)H.nvms);
	struct held_vm h = H.vms[i];
	unsigned int how = byte() % 5;
	say("vfree %#lx (%s) how %u", kmm_host_to_kva(h.p), h.pages ? "vmap" : "vmalloc", how);
	unsigned long before = bugs();
	switch (how) {
	case 0: /* an interior address: refused */
		if (h.size > 1) {
			u8 *inner = h.p + 1 + pick((unsigned)(h.size - 1));
			if (h.pages)
				vunmap(inner);
			else
				vfree(inner);
			expect_report(before);
		}
		vm_release(i);
		return;
	case 1: /* twice */
		vm_release(i);
		before = bugs();
		if (h.pages)
			vunmap(h.p);
		else
			vfree(h.p);
		expect_report(before);
		return;
	case 2: /* vfree of a vmap area: Linux unmaps it (its pages stay the caller's); kmm may refuse it */
		if (h.pages) {
			vfree(h.p);
			if (!find_vm_area(h.p)) {
				for (unsigned int k = 0; k < h.nr; k++)
					__free_page(h.pages[k]);
				free(h.pages);
				H.vms[i] = H.vms[--H.nvms];
				return;
			}
		}
		vm_release(i);
		return;
	case 3: /* the address's page */
		if (!h.pages && h.size) {
			struct page *pg = vmalloc_to_page(h.p + pick((unsigned)h.size));
			/* its guard page (vmalloc areas have one) maps nothing */
			if (!pg || vmalloc_to_page(h.p + ((h.size + PAGE_SIZE - 1) & PAGE_MASK)) || !is_vmalloc_addr(h.p))
				fail("vmalloc_to_page of area %#lx is wrong", kmm_host_to_kva(h.p));
		}
		vm_release(i);
		return;
	default:
		vm_release(i);
	}
}

/* ---- kmap ------------------------------------------------------------------------------------ */

/* A page of the held ones (its head or one of its pages), or NULL. */
static struct page *some_held_page(void)
{
	if (!H.npages)
		return NULL;
	struct held_page *h = &H.pages[pick((unsigned)H.npages)];
	return h->page + pick(1u << h->order);
}

static bool page_is_kmapped(const struct page *page)
{
	for (int i = 0; i < H.nkmaps; i++)
		if (H.kmaps[i].page == page)
			return true;
	return false;
}

static void op_kmap(void)
{
	struct page *page = some_held_page();
	unsigned int how = byte() % 4;
	say("kmap pfn %#lx how %u", page ? page_to_pfn(page) : 0, how);
	if (!page)
		return;
	unsigned long before = bugs();
	if (how == 0 && H.nkmaps < NKMAPS) {
		u8 *p = kmap(page);
		expect_quiet(before);
		if (!p)
			fail("kmap gave NULL");
		H.kmaps[H.nkmaps++] = (struct held_kmap){ page };
	} else if (how == 1 && H.nkmaps) {
		int i = (int)pick((unsigned)H.nkmaps);
		kunmap(H.kmaps[i].page);
		expect_quiet(before);
		H.kmaps[i] = H.kmaps[--H.nkmaps];
	} else if (how == 2 && PageHighMem(page) && !page_is_kmapped(page)) {
		kunmap(page); /* nobody mapped it: reported */
		expect_report(before);
	}
}

static void op_kmap_local(void)
{
	unsigned int how = byte() % 4;
	say("kmap_local how %u depth %d", how, H.nstack);
	unsigned long before = bugs();
	if (how <= 1) {
		struct page *page = some_held_page();
		if (!page || H.nstack == NSTACK)
			return;
		void *p = how ? kmap_atomic(page) : kmap_local_page(page);
		expect_quiet(before);
		if (!p)
			fail("kmap_local_page gave NULL");
		H.stack[H.nstack++] = (struct held_local){ page, p };
		return;
	}
	if (!H.nstack)
		return;
	if (how == 2) {
		void *top = H.stack[--H.nstack].addr;
		if (byte() & 1)
			kunmap_local(top);
		else
			kunmap_atomic(top);
		expect_quiet(before);
		return;
	}
	/* out of order: Linux warns and unmaps the top slot anyway */
	int i = (int)pick((unsigned)H.nstack);
	bool highmem_top = PageHighMem(H.stack[H.nstack - 1].page);
	if (i != H.nstack - 1 && highmem_top && PageHighMem(H.stack[i].page)) {
		kunmap_local(H.stack[i].addr);
		expect_report(before);
		H.nstack--;
	}
}

/* ---- tasks ----------------------------------------------------------------------------------- */

static struct task_struct *some_task(void)
{
	return H.ntasks ? H.tasks[pick((unsigned)H.ntasks)] : NULL;
}

static void task_add(struct task_struct *t)
{
	if (!t)
		return;
	struct task_struct *ref = get_pid_task(t->pid);
	if (ref != t)
		fail("get_pid_task(%d) did not find the new task", t->pid);
	if (H.ntasks == NTASKS) {
		task_exit(t);
		put_task_struct(t);
		return;
	}
	H.tasks[H.ntasks++] = t;
}

static unsigned long image_size(void)
{
	unsigned long v = number(0);
	return v > TOUCH_MAX && v < (1UL << 32) ? TOUCH_MAX : v;
}

static void op_task_create(void)
{
	unsigned int how = byte() % 3;
	say("task_create how %u", how);
	struct task_struct *t = task_create("fuzz", byte() & 1 ? 0 : 1000);
	if (!t)
		return;
	if (how) {
		/* an image is a file of that size on the host: sizes it could take are kept small */
		unsigned long text = how == 1 ? PAGE_SIZE * (1 + byte() % 8) : image_size();
		unsigned long data = how == 1 ? PAGE_SIZE * (byte() % 4) : image_size();
		unsigned long bss = how == 1 ? PAGE_SIZE * (byte() % 4) : image_size();
		say("task_create + exec_layout %lu %lu %lu", text, data, bss);
		task_exec_layout(t, "/fuzz/bin", text, data, bss);
		H.files = true;
	}
	task_add(t);
}

static void op_task_exit(void)
{
	int i = H.ntasks ? (int)pick((unsigned)H.ntasks) : -1;
	say("task_exit #%d", i);
	if (i < 0 || !H.tasks[i]->mm)
		return; /* twice is kept out (see the top) */
	task_exit(H.tasks[i]);
}

static void op_fork(void)
{
	struct task_struct *t = some_task();
	say("fork %d", t ? t->pid : 0);
	if (!t)
		return;
	struct task_struct *child = task_fork(t);
	if (child && !t->mm)
		fail("an exited task forked");
	task_add(child);
}

/* An address of the task's: its heap, stack, a VMA's edge, or any number. */
static unsigned long task_addr(struct task_struct *t)
{
	struct mm_struct *mm = t->mm;
	unsigned long anchor = 0;
	if (mm) {
		unsigned int b = byte() % 4;
		if (b == 0)
			anchor = mm->brk;
		else if (b == 1)
			anchor = mm->mmap_base;
		else if (mm->map_count) {
			struct vm_area_struct *v;
			unsigned int nth = pick((unsigned)mm->map_count);
			VMA_ITERATOR(vmi, mm, 0);
			while ((v = vma_next(&vmi)) && nth--)
				;
			anchor = b == 2 ? v->vm_start : v->vm_end;
		}
	}
	return number(anchor) & (byte() < 200 ? PAGE_MASK : ~0UL);
}

static void op_mmap(void)
{
	struct task_struct *t = some_task();
	if (!t)
		return;
	unsigned long addr = task_addr(t), len = byte() < 128 ? PAGE_SIZE * (1 + byte() % 32) : number(0);
	unsigned long prot = byte() < 200 ? PROT_READ | PROT_WRITE : bytes(1);
	unsigned long flags = byte() < 160 ? MAP_PRIVATE | MAP_ANONYMOUS : byte() < 128 ? MAP_SHARED | MAP_ANONYMOUS : bytes(4);
	if (byte() < 64)
		flags |= MAP_FIXED;
	if (len > TOUCH_MAX)
		flags &= ~(unsigned long)(MAP_POPULATE | MAP_LOCKED);
	int fd = -1;
	unsigned long pgoff = 0;
	if (!(flags & MAP_ANONYMOUS)) {
		if (kmm_file_create("/fuzz/file", NULL, PAGE_SIZE * (1 + byte() % 16)) == 0)
			H.files = true;
		fd = task_open(t, "/fuzz/file", byte() & 1 ? O_RDWR : O_RDONLY);
		if (fd >= 0 && !t->mm)
			fail("an exited task opened a file (fd %d)", fd);
		pgoff = byte() < 200 ? byte() % 16 : number(0);
	}
	say("mmap %d addr %#lx len %#lx prot %#lx flags %#lx fd %d pgoff %#lx", t->pid, addr, len, prot, flags, fd, pgoff);
	unsigned long before = bugs();
	long ret = task_mmap(t, addr, len, prot, flags, fd, pgoff);
	expect_quiet(before);
	if (fd >= 0)
		task_close(t, fd);
	if (ret > 0 && ((unsigned long)ret & ~PAGE_MASK))
		fail("mmap returned %#lx", (unsigned long)ret);
	if (ret > 0 && t->mm && (unsigned long)ret + len > t->mm->task_size)
		fail("mmap placed %#lx bytes at %#lx, beyond TASK_SIZE", len, (unsigned long)ret);
}

static void op_vma_call(void)
{
	struct task_struct *t = some_task();
	if (!t)
		return;
	unsigned int how = byte() % 7;
	unsigned long addr = task_addr(t), len = byte() < 128 ? PAGE_SIZE * (1 + byte() % 32) : number(0);
	unsigned long arg = bytes(1), arg2 = number(0);
	say("vma call %u pid %d addr %#lx len %#lx arg %#lx/%#lx", how, t->pid, addr, len, arg, arg2);
	unsigned long before = bugs();
	long ret = 0;
	switch (how) {
	case 0: ret = task_munmap(t, addr, len); break;
	case 1: ret = task_mprotect(t, addr, len, arg & 7 ? arg & 7 : arg); break;
	case 2: ret = task_mremap(t, addr, len, arg2 & 0x7fffffff, arg & 3, task_addr(t)); break;
	case 3: ret = task_madvise(t, addr, len, arg & 0x80 ? 19 + (int)(arg % 4) : (int)(arg % 12) - 1); break;
	case 4:
		if (len > TOUCH_MAX && len < (1UL << 40))
			len = TOUCH_MAX;
		ret = arg & 1 ? task_mlock(t, addr, len) : task_munlock(t, addr, len);
		break;
	case 5: { /* touch: software or plain reads and writes */
		if (len > TOUCH_MAX && len < (1UL << 40))
			len = TOUCH_MAX;
		u8 buf[64];
		if (arg & 1)
			ret = mm_access(t, addr, len, arg & 2);
		else if (arg & 2)
			ret = task_write(t, addr, buf, sizeof(buf) < len ? sizeof(buf) : len), memset(buf, 0, sizeof(buf));
		else
			ret = task_read(t, addr, buf, sizeof(buf) < len ? sizeof(buf) : len);
		break;
	}
	default: { /* brk */
		unsigned long old = t->mm ? t->mm->brk : 0, start = t->mm ? t->mm->start_brk : 0;
		unsigned long want = byte() & 1 ? number(start) : addr;
		say("brk pid %d %#lx (start %#lx, brk %#lx)", t->pid, want, start, old);
		unsigned long got = task_brk(t, want);
		if (t->mm && got != want && got != old)
			fail("brk(%#lx) returned %#lx: neither the request nor the old break %#lx", want, got, old);
		if (t->mm && got != t->mm->brk)
			fail("brk returned %#lx, the break is %#lx", got, t->mm->brk);
		break;
	}
	}
	expect_quiet(before);
	if (ret > 0 && how != 2)
		fail("returned %ld", ret);
}

/* ---- the rest -------------------------------------------------------------------------------- */

static void op_verify(void)
{
	char why[256];
	say("verify");
	if (kmm_verify(why, sizeof(why)))
		fail("kmm_verify: %s", why);
}

static void op_proc(void)
{
	static const char *const views[] = { "meminfo", "buddyinfo", "vmallocinfo", "slabinfo", "zoneinfo" };
	struct task_struct *t = some_task();
	char path[64];
	if (t && byte() & 1)
		snprintf(path, sizeof(path), "%d/%s", t->pid, byte() & 1 ? "maps" : "status");
	else
		snprintf(path, sizeof(path), "%s", views[pick(ARRAY_SIZE(views))]);
	say("proc %s", path);
	free(kmm_proc_read(path));
}

typedef void (*op_fn)(void);
static const struct {
	op_fn fn;
	int weight;
} ops[] = {
	{ op_alloc_pages, 10 }, { op_free_pages, 8 },	{ op_alloc_pages_exact, 2 }, { op_kmalloc, 12 },
	{ op_kfree, 10 },	{ op_krealloc, 3 },	{ op_cache_create, 2 },	     { op_cache_alloc, 6 },
	{ op_cache_destroy, 2 }, { op_vmalloc, 4 },	{ op_vmap, 2 },		     { op_vfree, 4 },
	{ op_kmap, 4 },		{ op_kmap_local, 5 },	{ op_task_create, 2 },	     { op_task_exit, 1 },
	{ op_fork, 1 },		{ op_mmap, 5 },		{ op_vma_call, 10 },	     { op_verify, 1 },
	{ op_proc, 1 },
};

static op_fn op_of(unsigned int b)
{
	int total = 0;
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		total += ops[i].weight;
	int w = (int)(b % (unsigned)total);
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		if ((w -= ops[i].weight) < 0)
			return ops[i].fn;
	return ops[0].fn;
}

/* Give back everything held, in an order that is legal. */
static void release_all(void)
{
	say("release everything");
	while (H.nstack) {
		kunmap_local(H.stack[--H.nstack].addr);
	}
	while (H.nkmaps)
		kunmap(H.kmaps[--H.nkmaps].page);
	while (H.nobjs)
		obj_release(H.nobjs - 1);
	while (H.ncaches) {
		kmem_cache_destroy(H.caches[--H.ncaches].c);
	}
	while (H.nvms)
		vm_release(H.nvms - 1);
	while (H.npages)
		page_release(H.npages - 1);
	while (H.ntasks) {
		struct task_struct *t = H.tasks[--H.ntasks];
		if (t->mm)
			task_exit(t);
		put_task_struct(t);
	}
	if (H.files) {
		kmm_file_unlink("/fuzz/file");
		kmm_file_unlink("/fuzz/bin");
		H.files = false;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned long inputs;
	if (size > FUZZ_MAX_INPUT)
		return -1;
	/* i386, lowmem ending near 72M (vmalloc=928M): the rest, 24M, is HighMem; small, so the validators are quick */
	fuzz_machine_ready(inputs++, 96ULL << 20, 2ULL << 20, "vmalloc=928M");
	memset(&H, 0, sizeof(H));
	in_buf = data;
	in_len = size;
	in_pos = 0;
	struct kmm_usage before;
	kmm_usage_settle(&before);
	if (trace < 0)
		trace = getenv("FUZZ_API_TRACE") != NULL; /* each operation to stderr */
	for (H.op = 1; H.op <= MAX_OPS && in_pos < in_len; H.op++) {
		H.line[0] = 0;
		op_of(byte())();
		if (trace) {
			static struct timespec t0;
			struct timespec t1;
			clock_gettime(CLOCK_MONOTONIC, &t1);
			fprintf(stderr, "%d: %s  [%.3f ms]\n", H.op, H.line,
				t0.tv_sec ? (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6 : 0.0);
			t0 = t1;
			for (int i = 0; i < H.nobjs; i++) /* and where a tag broke */
				if (!tag_ok(H.objs[i].p, H.objs[i].size, H.objs[i].tag))
					fail("the tag of the object at %#lx is broken", kmm_host_to_kva(H.objs[i].p));
		}
		if (H.op % CHECK_EVERY == 0)
			op_verify();
	}
	op_verify();
	release_all();
	char why[256];
	if (kmm_nothing_lost(&before, why, sizeof(why)))
		fail("after everything was freed: %s", why);
	return 0;
}
