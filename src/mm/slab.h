/*
 * mm/slab.h - what slub.c and slab_common.c share: the cache descriptor,
 * its per-CPU and per-node parts, and the object layout helpers.
 *
 * Object layout (s->size bytes per object, objects back to back from the
 * slab's first byte):
 *
 *   | red_left_pad | object_size bytes | pad to word | [free ptr] | [track alloc][track free] | [red zone] | align |
 *   ^ slot start   ^ object (what callers get)        ^ s->inuse        (debug only: SLAB_STORE_USER, SLAB_RED_ZONE)
 *
 * The free pointer lives at s->offset from the object: in the middle of
 * the object normally, after it (s->inuse) when the object must keep its
 * contents while free (ctor, SLAB_TYPESAFE_BY_RCU, SLAB_POISON).
 */
#ifndef KMM_MM_SLAB_H
#define KMM_MM_SLAB_H

#include <kmm/slab.h>

#include "internal.h"

/* sizeof(void *) in the simulated kernel: 4 on i386, 8 on x86_64 (layouts and free pointers) */
#define KPTR_SIZE ((unsigned int)M->prof->bits / 8u)

struct kmem_cache_cpu {
	void *freelist;          /* free objects of `slab` owned by this CPU */
	struct page *slab;       /* the CPU slab (frozen), or NULL */
	struct page *partial;    /* CPU partial slabs (frozen), linked by ->next */
	int flush_pending;       /* another CPU asked us to give everything back */
};

struct kmem_cache_node {
	pthread_mutex_t list_lock;  /* protects partial, full, nr_partial; then slab locks */
	unsigned long nr_partial;   /* slabs on partial */
	struct list_head partial;   /* slabs with free objects, not owned by a CPU */
	struct list_head full;      /* debug caches: full slabs, so they can be walked */
	long nr_slabs;              /* all slabs of this node (atomic) */
	long total_objects;         /* objects in them (atomic) */
};

struct kmem_cache {
	struct kmem_cache_cpu *cpu_slab;   /* [nr_cpus] */
	slab_flags_t flags;                /* SLAB_* and the internal __OBJECT_POISON */
	unsigned long min_partial;         /* keep this many partial slabs per node */
	unsigned int size;                 /* object + metadata, aligned: the stride */
	unsigned int reciprocal_size;      /* ceil(2^32 / size): offset -> index without a division */
	unsigned int object_size;          /* what the user asked for */
	unsigned int offset;               /* free pointer offset from the object */
	unsigned int cpu_partial;          /* objects a CPU may keep on partial slabs */
	unsigned int cpu_partial_slabs;    /* ... as slabs */
	unsigned int order, objects;       /* preferred slab order and objects per slab */
	unsigned int min_order, min_objects; /* the smallest slab, when memory is short */
	gfp_t allocflags;                  /* gfp bits for slab pages (__GFP_COMP, DMA, ...) */
	int refcount;                      /* users, aliases included */
	void (*ctor)(void *);              /* constructor, run once per object per slab */
	unsigned int inuse;                /* offset of the metadata */
	unsigned int align;                /* object alignment */
	unsigned int red_left_pad;         /* left red zone */
	unsigned int useroffset, usersize; /* usercopy whitelist */
	unsigned long random;              /* free pointer obfuscation key, 0 = plain */
	unsigned long kva_bias;            /* kernel address - host address in the direct map (free pointers) */
	unsigned int fp_size;              /* KPTR_SIZE, kept here for the fast paths */
	char *name;                        /* as in /proc/slabinfo */
	char **alias_names;                /* the caches merged into this one, by name (/sys/kernel/slab links) */
	unsigned int nr_alias_names;
	struct list_head list;             /* slab_caches, newest first */
	struct kmem_cache_node *node[MAX_NUMNODES];
	void *descriptor;                  /* this cache's object in the "kmem_cache" cache */
	void *node_descriptor[MAX_NUMNODES]; /* ... and in "kmem_cache_node", per node */
	bool has_cpu_partial;              /* not a debug cache */
	bool dead;                         /* destroyed: kept a while only to report late uses (atomic) */
	unsigned long kaddr;               /* its descriptor's simulated kernel address, for reports */
};

#define __OBJECT_POISON 0x80000000U       /* poison the object itself */
#define SLAB_DEBUG_FLAGS (SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | SLAB_TRACE | SLAB_CONSISTENCY_CHECKS)
#define SLAB_NEVER_MERGE (SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | SLAB_TRACE | SLAB_TYPESAFE_BY_RCU | \
			  SLAB_NOLEAKTRACE | SLAB_FAILSLAB | SLAB_KASAN)
#define SLAB_MERGE_SAME (SLAB_RECLAIM_ACCOUNT | SLAB_CACHE_DMA | SLAB_CACHE_DMA32 | SLAB_ACCOUNT)

/* Poison and red zone bytes (include/linux/poison.h) */
#define POISON_INUSE 0x5a
#define POISON_FREE 0x6b
#define POISON_END 0xa5
#define SLUB_RED_INACTIVE 0xbb
#define SLUB_RED_ACTIVE 0xcc

static inline bool kmem_cache_debug(const struct kmem_cache *s)
{
	return s->flags & SLAB_DEBUG_FLAGS;
}

/*
 * A destroyed cache.  Its struct stays (without its per-CPU and per-node
 * parts) for the next DEAD_CACHES_KEPT destroys, so a late
 * kmem_cache_alloc/free/destroy on it gets kmem_cache_use_after_destroy()'s
 * report - KASAN's words for a use of the freed descriptor - and is
 * refused, instead of a host SIGSEGV.
 */
static inline bool kmem_cache_dead(struct kmem_cache *s)
{
	return __builtin_expect(__atomic_load_n(&s->dead, __ATOMIC_RELAXED), 0);
}
void kmem_cache_use_after_destroy(struct kmem_cache *s, const char *fn);
/* A cache the caller cannot use: NULL (Linux's NULL pointer oops, reported) or destroyed.  True: refuse. */
static inline bool kmem_cache_unusable(struct kmem_cache *s, const char *fn)
{
	if (__builtin_expect(!s, 0)) {
		printk(KERN_ALERT "BUG: kernel NULL pointer dereference, address: 00000000 (%s with no cache)\n", fn);
		M->slab_bugs++;
		return true;
	}
	if (kmem_cache_dead(s)) {
		kmem_cache_use_after_destroy(s, fn);
		return true;
	}
	return false;
}

/* The slab (head page) an object address belongs to, or NULL if none. */
struct page *virt_to_slab(const void *x);

/* slub.c */
int __kmem_cache_create(struct kmem_cache *s, slab_flags_t flags);
int __kmem_cache_shutdown(struct kmem_cache *s);
int __kmem_cache_shrink(struct kmem_cache *s);
void __kmem_cache_release(struct kmem_cache *s);
slab_flags_t kmem_cache_flags(unsigned int object_size, slab_flags_t flags, const char *name);
unsigned int slab_ksize(const struct kmem_cache *s);
void print_tracking(struct kmem_cache *s, void *object);
void kmem_cache_flush_all(struct kmem_cache *s);
int calculate_order(unsigned int size);

struct slabinfo {
	unsigned long active_objs, num_objs, active_slabs, num_slabs;
	unsigned int objects_per_slab, cache_order;
};
void get_slabinfo(struct kmem_cache *s, struct slabinfo *sinfo);

/* slab_common.c */
enum kmalloc_cache_type { KMALLOC_NORMAL, KMALLOC_CGROUP, KMALLOC_RECLAIM, KMALLOC_DMA, NR_KMALLOC_TYPES };
extern struct kmem_cache *kmalloc_caches[NR_KMALLOC_TYPES][KMALLOC_SHIFT_HIGH + 1];
extern struct kmem_cache *kmem_cache_cache; /* the bootstrap cache of descriptors (Linux's kmem_cache) */
void *kmalloc_large_node(size_t size, gfp_t flags, int node);
void free_large_kmalloc(struct page *page, const void *object);

/* Sizes up to 192 bytes: (size - 1) / 8 -> kmalloc index (1 = 96, 2 = 192). */
static const unsigned char size_index[24] = {
	3, 4, 5, 5, 6, 6, 6, 6, 1, 1, 1, 1, 7, 7, 7, 7, 2, 2, 2, 2, 2, 2, 2, 2,
};

static inline unsigned int kmalloc_index(size_t size)
{
	/*
	 * setup_kmalloc_cache_index_table(): nothing below KMALLOC_MIN_SIZE;
	 * with 64 (32-bit ARM's cache line) no kmalloc-96, so 65..96 bytes take
	 * kmalloc-128; with 128 (arm64's ARCH_DMA_MINALIGN) no kmalloc-192
	 * either, so 129..192 take kmalloc-256.
	 */
	unsigned int min_shift = (unsigned int)M->prof->kmalloc_min_shift;
	if (size <= 192) {
		if (size <= (1UL << min_shift))
			return min_shift;
		if (min_shift >= 6 && size <= 96)
			return 7;
		if (min_shift >= 7)
			return 8;
		return size_index[(size - 1) / 8];
	}
	return (unsigned int)(64 - __builtin_clzl(size - 1));
}

static inline enum kmalloc_cache_type kmalloc_type(gfp_t flags)
{
	if (!(flags & (__GFP_DMA | __GFP_RECLAIMABLE | __GFP_ACCOUNT)))
		return KMALLOC_NORMAL;
	if (flags & __GFP_DMA)
		return KMALLOC_DMA;
	if (flags & __GFP_RECLAIMABLE)
		return KMALLOC_RECLAIM;
	return KMALLOC_CGROUP;
}



extern struct list_head slab_caches;
extern pthread_mutex_t slab_mutex;
extern int slub_min_order, slub_max_order, slub_min_objects;
extern bool slab_nomerge, slab_freelist_hardened;
void kmem_cache_init(void);
void kmem_cache_exit(void);
int slub_debug_setup(const char *val, char *err, size_t errlen);
void show_slabinfo(struct strbuf *sb);

/*
 * init_on_alloc / init_on_free for objects (Linux's mm/slab.h): constructed
 * objects keep their contents, SLAB_TYPESAFE_BY_RCU objects may still be
 * read, SLAB_POISON objects carry their poison - those are zeroed only
 * when __GFP_ZERO asks.  The whole object_size is zeroed, a kmalloc's tail
 * beyond the size asked too, though the tool keeps that tail off limits.
 */
static inline bool slab_want_init_on_alloc(gfp_t flags, const struct kmem_cache *s)
{
	if (M->init_on_alloc) {
		if (s->ctor)
			return false;
		if (s->flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON))
			return flags & __GFP_ZERO;
		return true;
	}
	return flags & __GFP_ZERO;
}

static inline bool slab_want_init_on_free(const struct kmem_cache *s)
{
	return M->init_on_free && !(s->ctor || (s->flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON)));
}

#endif
