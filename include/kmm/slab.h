/*
 * kmm/slab.h - the slab allocator (SLUB) and the kmalloc family, with
 * Linux 6.1's names, flags and meaning (include/linux/slab.h).
 *
 *	struct kmem_cache *c = kmem_cache_create("my_obj", 120, 0, SLAB_HWCACHE_ALIGN, NULL);
 *	void *o = kmem_cache_alloc(c, GFP_KERNEL);
 *	kmem_cache_free(c, o);
 *	kmem_cache_destroy(c);
 *
 *	char *s = kmalloc(100, GFP_KERNEL);     // from kmalloc-128
 *	kfree(s);
 *
 * Objects live in simulated RAM (lowmem): the pointers are real and C code
 * reads and writes through them.
 */
#ifndef KMM_SLAB_H
#define KMM_SLAB_H

#include <kmm/gfp.h>
#include <kmm/types.h>

typedef unsigned int slab_flags_t;

/* Cache flags (include/linux/slab.h, 6.1 values) */
#define SLAB_CONSISTENCY_CHECKS 0x00000100U /* expensive checks on alloc and free */
#define SLAB_RED_ZONE 0x00000400U           /* red zones around objects */
#define SLAB_POISON 0x00000800U             /* poison free objects (0x6b) and new ones (0x5a) */
#define SLAB_KMALLOC 0x00001000U            /* a kmalloc cache */
#define SLAB_HWCACHE_ALIGN 0x00002000U      /* align objects to cache lines */
#define SLAB_CACHE_DMA 0x00004000U          /* slab pages from ZONE_DMA */
#define SLAB_CACHE_DMA32 0x00008000U        /* slab pages from ZONE_DMA32 */
#define SLAB_STORE_USER 0x00010000U         /* record who allocated and freed each object */
#define SLAB_PANIC 0x00040000U              /* panic if creation fails */
#define SLAB_TYPESAFE_BY_RCU 0x00080000U    /* slab pages outlive an RCU grace period */
#define SLAB_MEM_SPREAD 0x00100000U
#define SLAB_TRACE 0x00200000U
#define SLAB_DEBUG_OBJECTS 0x00400000U
#define SLAB_NOLEAKTRACE 0x00800000U
#define SLAB_FAILSLAB 0x02000000U
#define SLAB_ACCOUNT 0x04000000U            /* charge to the memory cgroup */
#define SLAB_KASAN 0
#define SLAB_NO_USER_FLAGS 0x10000000U
#define SLAB_RECLAIM_ACCOUNT 0x00020000U    /* reclaimable objects: MIGRATE_RECLAIMABLE pages */
#define SLAB_RECLAIMABLE SLAB_RECLAIM_ACCOUNT

#define ZERO_SIZE_PTR ((void *)16)
#define ZERO_OR_NULL_PTR(x) ((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)

#define KMALLOC_SHIFT_LOW 3
#define KMALLOC_SHIFT_HIGH (PAGE_SHIFT + 1)
#define KMALLOC_SHIFT_MAX (10 + PAGE_SHIFT)    /* MAX_ORDER - 1 + PAGE_SHIFT */
#define KMALLOC_MIN_SIZE (1 << KMALLOC_SHIFT_LOW)
#define KMALLOC_MAX_CACHE_SIZE (1UL << KMALLOC_SHIFT_HIGH)
#define KMALLOC_MAX_SIZE (1UL << KMALLOC_SHIFT_MAX)

struct kmem_cache;

struct kmem_cache *kmem_cache_create(const char *name, unsigned int size, unsigned int align, slab_flags_t flags,
				     void (*ctor)(void *));
struct kmem_cache *kmem_cache_create_usercopy(const char *name, unsigned int size, unsigned int align,
					      slab_flags_t flags, unsigned int useroffset, unsigned int usersize,
					      void (*ctor)(void *));
void kmem_cache_destroy(struct kmem_cache *s);
int kmem_cache_shrink(struct kmem_cache *s);
unsigned int kmem_cache_size(struct kmem_cache *s);
const char *kmem_cache_name(struct kmem_cache *s);

void *kmem_cache_alloc(struct kmem_cache *s, gfp_t flags);
void *kmem_cache_alloc_node(struct kmem_cache *s, gfp_t flags, int node);
static inline void *kmem_cache_zalloc(struct kmem_cache *s, gfp_t flags)
{
	return kmem_cache_alloc(s, flags | __GFP_ZERO);
}
void kmem_cache_free(struct kmem_cache *s, void *x);
int kmem_cache_alloc_bulk(struct kmem_cache *s, gfp_t flags, size_t nr, void **p);
void kmem_cache_free_bulk(struct kmem_cache *s, size_t nr, void **p);

/* Walk every slab of the cache and check freelists, counts, red zones and poison. */
int kmem_cache_verify(struct kmem_cache *s, char *why, size_t whylen);
/*
 * SLUB's own check (mm/slub.c, what slub_debug's validate and the SLUB
 * KUnit test call): flush the CPU slabs, walk every slab on the node
 * lists, report each problem with SLUB's BUG/FIX lines and repair what
 * SLUB repairs (a broken free chain is cut, the counts fixed).  Returns
 * the number of errors reported (Linux returns the slabs walked); -EINVAL
 * for a destroyed cache.
 */
long validate_slab_cache(struct kmem_cache *s);
/*
 * For a test harness, as Linux's slab_add_kunit_errors(): while hook is
 * set, each error SLUB would report (a BUG report, a FIX line) calls
 * hook(arg) instead of printing; repairs happen all the same.  NULL: print.
 */
void kmm_slab_set_error_hook(void (*hook)(void *arg), void *arg);

void *kmalloc(size_t size, gfp_t flags);
void *kmalloc_node(size_t size, gfp_t flags, int node);
/* kmalloc_node for a caller that allocates on behalf of another: caller (a code address) is who SLUB's track records. */
void *__kmalloc_node_track_caller(size_t size, gfp_t flags, int node, unsigned long caller);
void *krealloc(const void *p, size_t new_size, gfp_t flags);
void kfree(const void *x);
/* kfree for a caller that frees on behalf of another: caller is who SLUB's free track names. */
void __kfree_caller(const void *x, unsigned long caller);
void kfree_sensitive(const void *x);
size_t ksize(const void *x);
void *kmemdup(const void *src, size_t len, gfp_t gfp);
char *kstrdup(const char *s, gfp_t gfp);
char *kstrndup(const char *s, size_t max, gfp_t gfp);
void *kvmalloc(size_t size, gfp_t flags);
void kvfree(const void *addr);
/*
 * The kv* family (mm/util.c), with Linux 6.1's signatures: kmalloc on the
 * node, and above a page, when that fails and the caller may sleep
 * (__GFP_DIRECT_RECLAIM), vmalloc.  Sizes above INT_MAX are refused.
 * Free with kvfree().
 */
#define NUMA_NO_NODE (-1) /* as kmm/memblock.h: any node */
void *kvmalloc_node(size_t size, gfp_t flags, int node);
/* The same on behalf of caller (a code address): SLUB's track and vmallocinfo name it. */
void *__kvmalloc_node_caller(size_t size, gfp_t flags, int node, unsigned long caller);
/* Grow to newsize (never shrinks: newsize <= oldsize returns p); p is freed on success, kept on failure. */
void *kvrealloc(const void *p, size_t oldsize, size_t newsize, gfp_t flags);
/* Zero len bytes, then kvfree. */
void kvfree_sensitive(const void *addr, size_t len);

static inline void *kvzalloc(size_t size, gfp_t flags)
{
	return kvmalloc_node(size, flags | __GFP_ZERO, NUMA_NO_NODE);
}

static inline void *kvzalloc_node(size_t size, gfp_t flags, int node)
{
	return kvmalloc_node(size, flags | __GFP_ZERO, node);
}

/* n * size bytes; NULL when the product overflows a size_t (check_mul_overflow). */
static inline void *kvmalloc_array(size_t n, size_t size, gfp_t flags)
{
	size_t bytes;
	if (__builtin_mul_overflow(n, size, &bytes))
		return (void *)0;
	return kvmalloc_node(bytes, flags, NUMA_NO_NODE);
}

static inline void *kvcalloc(size_t n, size_t size, gfp_t flags)
{
	return kvmalloc_array(n, size, flags | __GFP_ZERO);
}

static inline void *kzalloc(size_t size, gfp_t flags)
{
	return kmalloc(size, flags | __GFP_ZERO);
}

static inline void *kmalloc_array(size_t n, size_t size, gfp_t flags)
{
	size_t bytes;
	if (__builtin_mul_overflow(n, size, &bytes))
		return (void *)0;
	return kmalloc(bytes, flags);
}

static inline void *kcalloc(size_t n, size_t size, gfp_t flags)
{
	return kmalloc_array(n, size, flags | __GFP_ZERO);
}

/* The kmalloc cache a request of `size` bytes with these flags uses (NULL: none). */
struct kmem_cache *kmalloc_slab(size_t size, gfp_t flags);

#endif /* KMM_SLAB_H */
