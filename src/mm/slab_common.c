/*
 * slab_common.c - creating, merging and destroying caches, the kmalloc
 * caches and the kmalloc family, and /proc/slabinfo, as Linux 6.1's
 * mm/slab_common.c.
 *
 * Caches: kmem_cache_create() first looks for a compatible cache to merge
 * with (an alias: no constructor, no usercopy region, no debugging, the same
 * "merge-same" flags, a size within one word above, compatible alignment),
 * as find_mergeable() does; the alias shares the existing cache and bumps
 * its refcount.  Every cache, aliases apart, is on slab_caches (newest
 * first, the order /proc/slabinfo lists them in) and costs an object in the
 * "kmem_cache" cache and one per node in "kmem_cache_node", as in Linux.
 *
 * kmalloc: 13 size classes per type - 8, 16, 32, 64, 96, 128, 192, 256,
 * 512, 1k, 2k, 4k, 8k; arm64, whose ARCH_DMA_MINALIGN is 128, has 128 and
 * up only (KMALLOC_MIN_SIZE 128, no 96 nor 192) - and four types: kmalloc-* (normal), kmalloc-cg-*
 * (__GFP_ACCOUNT), kmalloc-rcl-* (__GFP_RECLAIMABLE), dma-kmalloc-*
 * (__GFP_DMA).  A size picks its class through size_index[] up to 192
 * bytes and by fls() above; above 8 KiB kmalloc_large() takes pages from
 * the page allocator directly, for any size: one too big for the buddy
 * allocator is refused there (NULL and its WARN_ON_ONCE); kvmalloc()
 * (mm/util.c) refuses sizes above INT_MAX, as 6.1 does.  kmalloc(0)
 * returns ZERO_SIZE_PTR.
 *
 * A destroyed cache's struct is kept for the next DEAD_CACHES_KEPT
 * destroys, marked dead: a kmem_cache_alloc/free/shrink/destroy on it in
 * that time is reported as KASAN reports a use of a freed descriptor and
 * refused (later than that, the pointer is as stale as in Linux).  The
 * boot and kmalloc caches are never destroyed.
 *
 * Locking: slab_mutex guards slab_caches and cache creation/destruction.
 */
#include "mm/slab.h"

#include "mm/kfence.h"
#include "sim/ram.h"
#include "sim/track.h"

#include <kmm/vmalloc.h>
#include <limits.h>

struct list_head slab_caches = LIST_HEAD_INIT(slab_caches);
pthread_mutex_t slab_mutex = PTHREAD_MUTEX_INITIALIZER;
int slub_min_order, slub_max_order = PAGE_ALLOC_COSTLY_ORDER, slub_min_objects;
bool slab_nomerge, slab_freelist_hardened;

/* slub_debug=: flags for all caches or for named ones */
static slab_flags_t slub_debug;
static char slub_debug_names[256];

struct kmem_cache *kmalloc_caches[NR_KMALLOC_TYPES][KMALLOC_SHIFT_HIGH + 1];
struct kmem_cache *kmem_cache_cache; /* Linux's kmem_cache: every cache's descriptor */
static struct kmem_cache *kmem_cache_node_cache;

static const struct {
	const char *name[NR_KMALLOC_TYPES];
	unsigned int size;
} kmalloc_info[] = {
#define INFO(n, sz) { { "kmalloc-" n, "kmalloc-cg-" n, "kmalloc-rcl-" n, "dma-kmalloc-" n }, sz }
	INFO("0", 0), INFO("96", 96), INFO("192", 192), INFO("8", 8), INFO("16", 16), INFO("32", 32),
	INFO("64", 64), INFO("128", 128), INFO("256", 256), INFO("512", 512), INFO("1k", 1024),
	INFO("2k", 2048), INFO("4k", 4096), INFO("8k", 8192),
#undef INFO
};

struct kmem_cache *kmalloc_slab(size_t size, gfp_t flags)
{
	if (!size || size > KMALLOC_MAX_CACHE_SIZE || !M)
		return NULL;
	return kmalloc_caches[kmalloc_type(flags)][kmalloc_index(size)];
}

/* ---- cache creation ---------------------------------------------------------------- */

static unsigned int calculate_alignment(slab_flags_t flags, unsigned int align, unsigned int size)
{
	if (flags & SLAB_HWCACHE_ALIGN) {
		unsigned int ralign = SMP_CACHE_BYTES;
		while (size <= ralign / 2)
			ralign /= 2;
		align = max(align, ralign);
	}
	align = max(align, 8u); /* ARCH_SLAB_MINALIGN: __alignof__(unsigned long long) */
	return ALIGN(align, KPTR_SIZE);
}

slab_flags_t kmem_cache_flags(unsigned int object_size, slab_flags_t flags, const char *name)
{
	if (!slub_debug)
		return flags;
	if (!slub_debug_names[0])
		return flags | slub_debug;
	/* a comma-separated list of cache names the flags apply to */
	const char *p = slub_debug_names;
	size_t len = strlen(name);
	while (*p) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if ((l == len && !strncmp(p, name, l)) || (l && p[l - 1] == '*' && !strncmp(p, name, l - 1)))
			return flags | slub_debug;
		p += l + (e ? 1 : 0);
	}
	return flags;
}

static void alias_names_free(struct kmem_cache *s)
{
	for (unsigned int i = 0; i < s->nr_alias_names; i++)
		free(s->alias_names[i]);
	free(s->alias_names);
	s->alias_names = NULL;
	s->nr_alias_names = 0;
}

static bool slab_unmergeable(const struct kmem_cache *s)
{
	return slab_nomerge || (s->flags & SLAB_NEVER_MERGE) || s->ctor || s->usersize || s->refcount < 0;
}

static struct kmem_cache *find_mergeable(unsigned int size, unsigned int align, slab_flags_t flags,
					 const char *name, void (*ctor)(void *))
{
	if (slab_nomerge || ctor)
		return NULL;
	size = ALIGN(size, KPTR_SIZE);
	align = calculate_alignment(flags, align, size);
	size = ALIGN(size, align);
	flags = kmem_cache_flags(size, flags, name);
	if (flags & SLAB_NEVER_MERGE)
		return NULL;
	/* oldest first, as list_for_each_entry_reverse over slab_caches */
	for (struct list_head *pos = slab_caches.prev; pos != &slab_caches; pos = pos->prev) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);
		if (slab_unmergeable(s))
			continue;
		if (size > s->size)
			continue;
		if ((flags & SLAB_MERGE_SAME) != (s->flags & SLAB_MERGE_SAME))
			continue;
		if ((s->size & ~(align - 1)) != s->size)
			continue;
		if (s->size - size >= KPTR_SIZE)
			continue;
		return s;
	}
	return NULL;
}

static void cache_descriptor_free(struct kmem_cache *s)
{
	if (s->descriptor)
		kmem_cache_free(kmem_cache_cache, s->descriptor);
	for (int nid = 0; nid < M->nr_nodes; nid++)
		if (s->node_descriptor[nid])
			kmem_cache_free(kmem_cache_node_cache, s->node_descriptor[nid]);
}

/*
 * What a cache costs in simulated memory: its descriptor, and one per
 * node.  -ENOMEM (and nothing kept) if one cannot be had: the cache is not
 * made, as Linux's create_cache() and init_kmem_cache_nodes() fail then.
 */
static int cache_descriptor_alloc(struct kmem_cache *s)
{
	if (!kmem_cache_cache || !kmem_cache_node_cache)
		return 0; /* bootstrap: charged once both exist */
	bool ok = (s->descriptor = kmem_cache_alloc(kmem_cache_cache, GFP_KERNEL)) != NULL;
	if (ok)
		s->kaddr = M->layout.page_offset +
			   (unsigned long)((const char *)s->descriptor - (const char *)kmm_ram.direct_base);
	for (int nid = 0; ok && nid < M->nr_nodes; nid++)
		ok = (s->node_descriptor[nid] = kmem_cache_alloc_node(kmem_cache_node_cache, GFP_KERNEL, nid)) != NULL;
	if (!ok)
		cache_descriptor_free(s);
	return ok ? 0 : -ENOMEM;
}

static struct kmem_cache *create_cache(const char *name, unsigned int object_size, unsigned int align,
				       slab_flags_t flags, unsigned int useroffset, unsigned int usersize,
				       void (*ctor)(void *), int *err)
{
	struct kmem_cache *s = calloc(1, sizeof(*s));
	if (!s) {
		*err = -ENOMEM;
		return NULL;
	}
	s->name = strdup(name);
	s->size = s->object_size = object_size;
	s->align = align;
	s->ctor = ctor;
	s->useroffset = useroffset;
	s->usersize = usersize;
	s->refcount = 1;
	*err = __kmem_cache_create(s, flags);
	if (!*err)
		*err = cache_descriptor_alloc(s);
	if (*err) {
		__kmem_cache_release(s);
		alias_names_free(s);
		free(s->name);
		free(s);
		return NULL;
	}
	list_add(&s->list, &slab_caches);
	return s;
}

struct kmem_cache *kmem_cache_create_usercopy(const char *name, unsigned int size, unsigned int align,
					      slab_flags_t flags, unsigned int useroffset, unsigned int usersize,
					      void (*ctor)(void *))
{
	struct kmem_cache *s = NULL;
	int err = 0;
	if (!M)
		return NULL;
	pthread_mutex_lock(&slab_mutex);
	if (!name || !*name || !size || size > KMALLOC_MAX_SIZE || (align & (align - 1)) ||
	    (flags & ~(SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_HWCACHE_ALIGN | SLAB_CACHE_DMA |
		       SLAB_CACHE_DMA32 | SLAB_STORE_USER | SLAB_PANIC | SLAB_TYPESAFE_BY_RCU | SLAB_MEM_SPREAD |
		       SLAB_TRACE | SLAB_DEBUG_OBJECTS | SLAB_NOLEAKTRACE | SLAB_FAILSLAB | SLAB_ACCOUNT |
		       SLAB_NO_USER_FLAGS | SLAB_RECLAIM_ACCOUNT)) || /* SLAB_FLAGS_PERMITTED: SLAB_KMALLOC is slab_common's own */
	    useroffset > size || usersize > size - useroffset) {
		err = -EINVAL;
		goto out;
	}
	if (!usersize) {
		s = find_mergeable(size, align, flags, name, ctor);
		if (s) {
			/* sysfs_slab_alias(): the name stays a link to the cache (a name is kept only if memory allows) */
			char **names = realloc(s->alias_names, (s->nr_alias_names + 1) * sizeof(*names));
			if (names) {
				s->alias_names = names;
				if ((names[s->nr_alias_names] = strdup(name)))
					s->nr_alias_names++;
			}
			s->refcount++;
			/* the alias may need more of each object than the cache gave so far */
			s->object_size = max(s->object_size, size);
			s->inuse = max(s->inuse, ALIGN(size, KPTR_SIZE));
			goto out;
		}
	}
	s = create_cache(name, size, calculate_alignment(flags, align, size), flags, useroffset, usersize, ctor, &err);
out:
	pthread_mutex_unlock(&slab_mutex);
	if (err) {
		if (flags & SLAB_PANIC) {
			printk(KERN_EMERG "Kernel panic - not syncing: %s: Failed to create slab '%s'. Error %d\n",
			       "kmem_cache_create", name ? name : "(null)", err);
			fprintf(stderr, "Kernel panic - not syncing: kmem_cache_create: Failed to create slab '%s'. Error %d\n",
				name ? name : "(null)", err);
			abort();
		}
		printk(KERN_WARNING "kmem_cache_create(%s) failed with error %d\n", name ? name : "(null)", err);
		return NULL;
	}
	return s;
}

struct kmem_cache *kmem_cache_create(const char *name, unsigned int size, unsigned int align, slab_flags_t flags,
				     void (*ctor)(void *))
{
	return kmem_cache_create_usercopy(name, size, align, flags, 0, 0, ctor);
}

/* ---- destroyed caches ----------------------------------------------------------------- */

#define DEAD_CACHES_KEPT 64
static struct kmem_cache *dead_caches[DEAD_CACHES_KEPT]; /* a ring, oldest replaced first (slab_mutex) */
static unsigned int dead_next;

/* Keep a destroyed cache's struct a while; the oldest one kept goes for good.  slab_mutex held. */
static void dead_cache_keep(struct kmem_cache *s)
{
	struct kmem_cache *old = dead_caches[dead_next];
	dead_caches[dead_next] = s;
	dead_next = (dead_next + 1) % DEAD_CACHES_KEPT;
	if (old) {
		free(old->name);
		free(old);
	}
}

static void dead_caches_free(void)
{
	for (unsigned int i = 0; i < DEAD_CACHES_KEPT; i++)
		if (dead_caches[i]) {
			free(dead_caches[i]->name);
			free(dead_caches[i]);
			dead_caches[i] = NULL;
		}
	dead_next = 0;
}

/*
 * fn was called on a destroyed cache: in Linux, a use of its freed
 * descriptor, which KASAN reports so.  Refused: nothing changes.
 */
void kmem_cache_use_after_destroy(struct kmem_cache *s, const char *fn)
{
	pr_err("==================================================================\n");
	pr_err("BUG: KASAN: use-after-free in %s\n", fn);
	pr_err("Read of size %u at addr %lx by task %s/%d\n\n", M->prof->bits / 8, s->kaddr, "kmm", 0);
	pr_err("The buggy address belongs to the object at %lx\n", s->kaddr);
	pr_err(" which belongs to the cache kmem_cache of size %u\n",
	       kmem_cache_cache ? kmem_cache_cache->object_size : 0u);
	pr_err("The object was the cache \"%s\", destroyed by kmem_cache_destroy()\n", s->name);
	pr_err("==================================================================\n");
	M->slab_bugs++;
}

void kmem_cache_destroy(struct kmem_cache *s)
{
	if (!s || !M)
		return;
	pthread_mutex_lock(&slab_mutex);
	if (kmem_cache_dead(s)) {
		pthread_mutex_unlock(&slab_mutex);
		kmem_cache_use_after_destroy(s, "kmem_cache_destroy");
		return;
	}
	/* the boot caches (refcount -1) and the kmalloc caches hold the kernel up: never destroyed */
	if (s->refcount <= 0 || (s->refcount == 1 && (s->flags & SLAB_KMALLOC))) {
		pthread_mutex_unlock(&slab_mutex);
		printk(KERN_WARNING "WARNING: kmem_cache_destroy %s: a boot cache of the kernel, not destroyed\n", s->name);
		M->slab_bugs++;
		return;
	}
	if (--s->refcount > 0) {
		pthread_mutex_unlock(&slab_mutex);
		return;
	}
	if (__kmem_cache_shutdown(s)) {
		char caller[160];
		sprint_symbol(caller, sizeof(caller), (unsigned long)__builtin_return_address(0));
		printk(KERN_WARNING "kmem_cache_destroy %s: Slab cache still has objects when called from %s\n", s->name,
		       caller);
		s->refcount++; /* it stays, as Linux leaves it */
		pthread_mutex_unlock(&slab_mutex);
		return;
	}
	list_del(&s->list);
	cache_descriptor_free(s);
	__kmem_cache_release(s);
	alias_names_free(s);
	__atomic_store_n(&s->dead, true, __ATOMIC_RELAXED);
	dead_cache_keep(s);
	pthread_mutex_unlock(&slab_mutex);
}

int kmem_cache_shrink(struct kmem_cache *s)
{
	if (s && kmem_cache_dead(s)) {
		kmem_cache_use_after_destroy(s, "kmem_cache_shrink");
		return 0;
	}
	return s ? __kmem_cache_shrink(s) : 0;
}

unsigned int kmem_cache_size(struct kmem_cache *s)
{
	return s ? s->object_size : 0; /* a destroyed cache's struct is still readable (dead_caches) */
}

const char *kmem_cache_name(struct kmem_cache *s)
{
	return s ? s->name : NULL;
}

/* ---- allocation entry points --------------------------------------------------------- */

/* ---- kmalloc ---------------------------------------------------------------------------- */

/*
 * Above KMALLOC_MAX_CACHE_SIZE: a compound page of get_order(size), whatever
 * the size - one too big for any block is refused by __alloc_pages() with
 * its WARN_ON_ONCE, as 6.1's __kmalloc_large_node() is.
 */
void *kmalloc_large_node(size_t size, gfp_t flags, int node)
{
	unsigned int order = get_order(size);
	struct page *page = __alloc_pages((flags & ~__GFP_HIGHMEM) | __GFP_COMP, order, node == NUMA_NO_NODE ? 0 : node,
					  NULL);
	if (!page)
		return NULL;
	__atomic_add_fetch(&NODE_DATA(page_to_nid(page))->nr_slab_unreclaimable, 1L << order, __ATOMIC_RELAXED);
	if (page_memcg_raw(page)) /* charged (__GFP_ACCOUNT): slab of its memory cgroup too */
		memcg_stat_mod(page_memcg_raw(page), slab_unreclaimable_b, (long)PAGE_SIZE << order);
	char *p = page_address(page);
	track_mem_noaccess(p + size, (PAGE_SIZE << order) - size); /* kasan_kmalloc_large: the tail */
	return p;
}

void free_large_kmalloc(struct page *page, const void *object)
{
	if (!PageHead(page) || page_address(page) != object) {
		printk(KERN_WARNING "WARNING: kfree: object pointer: 0x%lx is not a kmalloc object\n",
		       M->layout.page_offset + (unsigned long)((const char *)object - (const char *)kmm_ram.direct_base));
		M->slab_bugs++;
		return;
	}
	unsigned int order = compound_order(page);
	__atomic_sub_fetch(&NODE_DATA(page_to_nid(page))->nr_slab_unreclaimable, 1L << order, __ATOMIC_RELAXED);
	if (page_memcg_raw(page))
		memcg_stat_mod(page_memcg_raw(page), slab_unreclaimable_b, -((long)PAGE_SIZE << order));
	__free_pages(page, order);
}

/* What the caller may use of x; all of it is open to ASan/Valgrind from now on, as Linux's ksize() unpoisons it. */
size_t ksize(const void *x)
{
	if (ZERO_OR_NULL_PTR(x) || !virt_addr_valid(x))
		return 0;
	if (is_kfence_address(x))
		return kfence_ksize(x);
	struct page *page = compound_head(virt_to_page(x));
	size_t size = PageSlab(page) ? slab_ksize(page->slab_cache) : PAGE_SIZE << compound_order(page);
	track_mem_defined(x, size);
	return size;
}

void kfree_sensitive(const void *x)
{
	size_t ks = ksize(x);
	if (ks)
		memset((void *)x, 0, ks);
	kfree(x);
}

void *krealloc(const void *p, size_t new_size, gfp_t flags)
{
	if (!new_size) {
		kfree(p);
		return ZERO_SIZE_PTR;
	}
	size_t ks = ZERO_OR_NULL_PTR(p) ? 0 : ksize(p);
	if (ks && new_size <= ks) {
		if (flags & __GFP_ZERO)
			memset((char *)p + new_size, 0, ks - new_size);
		track_mem_noaccess((char *)p + new_size, ks - new_size); /* kasan_krealloc: the new tail */
		return (void *)p;
	}
	void *ret = kmalloc(new_size, flags);
	if (ret && ks) {
		memcpy(ret, p, ks);
		kfree(p);
	}
	return ret;
}

void *kmemdup(const void *src, size_t len, gfp_t gfp)
{
	void *p = kmalloc(len, gfp);
	if (p && !ZERO_OR_NULL_PTR(p))
		memcpy(p, src, len);
	return p;
}

char *kstrdup(const char *s, gfp_t gfp)
{
	return s ? kmemdup(s, strlen(s) + 1, gfp) : NULL;
}

char *kstrndup(const char *s, size_t max, gfp_t gfp)
{
	if (!s)
		return NULL;
	size_t len = strnlen(s, max);
	char *buf = kmalloc(len + 1, gfp);
	if (buf) {
		memcpy(buf, s, len);
		buf[len] = 0;
	}
	return buf;
}

/* ---- boot --------------------------------------------------------------------------------- */

static void new_kmalloc_cache(unsigned int idx, enum kmalloc_cache_type type)
{
	slab_flags_t flags = SLAB_KMALLOC;
	if (type == KMALLOC_RECLAIM)
		flags |= SLAB_RECLAIM_ACCOUNT;
	else if (type == KMALLOC_CGROUP)
		flags |= SLAB_ACCOUNT;
	else if (type == KMALLOC_DMA)
		flags |= SLAB_CACHE_DMA;
	unsigned int size = kmalloc_info[idx].size;
	/* power-of-two kmalloc objects are naturally aligned */
	unsigned int align = (size & (size - 1)) ? 8 : max(8u, size);
	int err;
	kmalloc_caches[type][idx] = create_cache(kmalloc_info[idx].name[type], size,
						 calculate_alignment(flags, align, size), flags, 0, size, NULL, &err);
	if (!kmalloc_caches[type][idx]) {
		printk(KERN_EMERG "Kernel panic - not syncing: Out of memory when creating slab %s\n",
		       kmalloc_info[idx].name[type]);
		abort();
	}
}

/*
 * kmem_cache_init(): the two bootstrap caches first, then every kmalloc
 * cache, in Linux's order (so /proc/slabinfo lists them as Linux does).
 */
void kmem_cache_init(void)
{
	int err;
	unsigned int ptr = M->prof->bits == 64 ? 8 : 4;
	/* sizeof(struct kmem_cache) up to node[], then a pointer per node; sizeof(struct kmem_cache_node) */
	unsigned int cache_size = (M->prof->bits == 64 ? 216 : 136) + ptr * (unsigned)M->nr_nodes; /* sysfs object_size of 6.1 */
	unsigned int node_size = M->prof->kmem_cache_node_size;
	pthread_mutex_lock(&slab_mutex);
	kmem_cache_cache = create_cache("kmem_cache", cache_size, calculate_alignment(SLAB_HWCACHE_ALIGN, 0, cache_size),
					SLAB_HWCACHE_ALIGN, 0, 0, NULL, &err);
	kmem_cache_node_cache = create_cache("kmem_cache_node", node_size,
					     calculate_alignment(SLAB_HWCACHE_ALIGN, 0, node_size), SLAB_HWCACHE_ALIGN, 0,
					     0, NULL, &err);
	if (!kmem_cache_cache || !kmem_cache_node_cache) {
		printk(KERN_EMERG "Kernel panic - not syncing: kmem_cache_init: out of memory\n");
		abort();
	}
	/* the bootstrap caches are exempt from merging (create_boot_cache) */
	kmem_cache_cache->refcount = kmem_cache_node_cache->refcount = -1;
	/* what the bootstrap caches cost for themselves */
	cache_descriptor_alloc(kmem_cache_cache);
	cache_descriptor_alloc(kmem_cache_node_cache);
	for (int type = KMALLOC_NORMAL; type < NR_KMALLOC_TYPES; type++)
		for (unsigned int i = (unsigned)M->prof->kmalloc_min_shift; i <= KMALLOC_SHIFT_HIGH; i++) {
			new_kmalloc_cache(i, (enum kmalloc_cache_type)type);
			/* kmalloc-96 when KMALLOC_MIN_SIZE <= 32, kmalloc-192 when <= 64 */
			if (i == 6 && M->prof->kmalloc_min_shift <= 5)
				new_kmalloc_cache(1, (enum kmalloc_cache_type)type);
			if (i == 7 && M->prof->kmalloc_min_shift <= 6)
				new_kmalloc_cache(2, (enum kmalloc_cache_type)type);
		}
	pthread_mutex_unlock(&slab_mutex);
	pr_info("SLUB: HWalign=%d, Order=%d-%d, MinObjects=%d, CPUs=%d, Nodes=%d\n", SMP_CACHE_BYTES, slub_min_order,
		slub_max_order, slub_min_objects, M->nr_cpus, M->nr_nodes);
}

/* Tear every cache down with the machine (the memory goes with it). */
void kmem_cache_exit(void)
{
	struct list_head *pos, *tmp;
	for (pos = slab_caches.next; pos != &slab_caches; pos = tmp) {
		tmp = pos->next;
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);
		__kmem_cache_release(s);
		alias_names_free(s);
		free(s->name);
		free(s);
	}
	dead_caches_free();
	INIT_LIST_HEAD(&slab_caches);
	memset(kmalloc_caches, 0, sizeof(kmalloc_caches));
	kmem_cache_cache = kmem_cache_node_cache = NULL;
	slub_debug = 0;
	slub_debug_names[0] = 0;
	slub_min_order = 0;
	slub_max_order = PAGE_ALLOC_COSTLY_ORDER;
	slub_min_objects = 0;
	slab_nomerge = false;
	slab_freelist_hardened = false;
}

/* slub_debug[=FZPU[,cache,...]]: F checks, Z red zones, P poison, U user tracking, T trace, - none. */
int slub_debug_setup(const char *val, char *err, size_t errlen)
{
	slab_flags_t flags = 0;
	if (!val || !*val) {
		slub_debug = SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER;
		return 0;
	}
	const char *p = val;
	for (; *p && *p != ','; p++) {
		switch (*p) {
		case 'f': case 'F': flags |= SLAB_CONSISTENCY_CHECKS; break;
		case 'z': case 'Z': flags |= SLAB_RED_ZONE; break;
		case 'p': case 'P': flags |= SLAB_POISON; break;
		case 'u': case 'U': flags |= SLAB_STORE_USER; break;
		case 't': case 'T': flags |= SLAB_TRACE; break;
		case 'a': case 'A': flags |= SLAB_FAILSLAB; break;
		case '-': flags = 0; break;
		default:
			snprintf(err, errlen, "slub_debug option '%c' unknown. skipped (kmm: use F Z P U T A or -)", *p);
			return -EINVAL;
		}
	}
	slub_debug = flags;
	if (*p == ',')
		snprintf(slub_debug_names, sizeof(slub_debug_names), "%s", p + 1);
	return 0;
}

/* ---- /proc/slabinfo ---------------------------------------------------------------------- */

void show_slabinfo(struct strbuf *sb)
{
	sb_printf(sb, "slabinfo - version: 2.1\n");
	sb_printf(sb, "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n");
	pthread_mutex_lock(&slab_mutex);
	struct list_head *pos;
	list_for_each(pos, &slab_caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);
		struct slabinfo si;
		get_slabinfo(s, &si);
		sb_printf(sb, "%-17s %6lu %6lu %6u %4u %4d", s->name, si.active_objs, si.num_objs, s->size,
			  si.objects_per_slab, 1 << si.cache_order);
		sb_printf(sb, " : tunables %4u %4u %4u", 0u, 0u, 0u);
		sb_printf(sb, " : slabdata %6lu %6lu %6lu\n", si.active_slabs, si.num_slabs, 0UL);
	}
	pthread_mutex_unlock(&slab_mutex);
}

/*
 * /sys/kernel/slab as SLUB's sysfs_slab_add() lays it out: a cache that
 * cannot be merged is a directory of its own name; a mergeable one is a
 * directory named by create_unique_id() - ':', the flags merging matches
 * (d DMA, D DMA32, a reclaimable, F consistency checks, A accounted), '-'
 * if any, the object size in 7 digits - and its name and every alias's are
 * links to it.  The listing prints a directory as "NAME/" and a link as
 * "NAME -> TARGET", sorted by name as ls sorts them in the C locale.
 */
static void slab_sysfs_dir(const struct kmem_cache *s, char *buf, size_t len)
{
	if (slab_unmergeable(s)) {
		snprintf(buf, len, "%s", s->name);
		return;
	}
	char flags[8], *f = flags;
	if (s->flags & SLAB_CACHE_DMA)
		*f++ = 'd';
	if (s->flags & SLAB_CACHE_DMA32)
		*f++ = 'D';
	if (s->flags & SLAB_RECLAIM_ACCOUNT)
		*f++ = 'a';
	if (s->flags & SLAB_CONSISTENCY_CHECKS)
		*f++ = 'F';
	if (s->flags & SLAB_ACCOUNT)
		*f++ = 'A';
	*f = 0;
	snprintf(buf, len, ":%s%s%07u", flags, f != flags ? "-" : "", s->size);
}

/* a + b + c in a new string; NULL if there is no memory */
static char *str3(const char *a, const char *b, const char *c)
{
	size_t len = strlen(a) + strlen(b) + strlen(c) + 1;
	char *p = malloc(len);
	if (p)
		snprintf(p, len, "%s%s%s", a, b, c);
	return p;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void show_sys_kernel_slab(struct strbuf *sb)
{
	pthread_mutex_lock(&slab_mutex);
	size_t n = 0, cap = 0;
	char **lines = NULL;
	struct list_head *pos;
	list_for_each(pos, &slab_caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);
		char dir[64];
		slab_sysfs_dir(s, dir, sizeof(dir));
		bool linked = dir[0] == ':';
		size_t need = n + 2 + s->nr_alias_names;
		if (need > cap) {
			cap = max(2 * cap, need);
			char **grown = realloc(lines, cap * sizeof(*lines));
			if (!grown)
				break;
			lines = grown;
		}
		if ((lines[n] = str3(dir, "/", "")))
			n++;
		if (linked && (lines[n] = str3(s->name, " -> ", dir)))
			n++;
		for (unsigned int i = 0; linked && i < s->nr_alias_names; i++)
			if ((lines[n] = str3(s->alias_names[i], " -> ", dir)))
				n++;
	}
	pthread_mutex_unlock(&slab_mutex);
	qsort(lines, n, sizeof(*lines), cmp_str);
	for (size_t i = 0; i < n; i++) {
		sb_printf(sb, "%s\n", lines[i]);
		free(lines[i]);
	}
	free(lines);
}

/* One attribute of a /sys/kernel/slab directory, in slub.c's words (a subset of its files). */
int show_sys_kernel_slab_attr(struct strbuf *sb, const char *path)
{
	const char *slash = strchr(path, '/');
	if (!slash)
		return -ENOENT;
	size_t dirlen = (size_t)(slash - path);
	const char *attr = slash + 1;
	int ret = -ENOENT;
	pthread_mutex_lock(&slab_mutex);
	struct list_head *pos;
	list_for_each(pos, &slab_caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);
		char dir[64];
		slab_sysfs_dir(s, dir, sizeof(dir));
		bool match = strlen(dir) == dirlen && !strncmp(dir, path, dirlen);
		/* a link leads to the directory too */
		if (!match && dir[0] == ':') {
			match = strlen(s->name) == dirlen && !strncmp(s->name, path, dirlen);
			for (unsigned int i = 0; !match && i < s->nr_alias_names; i++)
				match = strlen(s->alias_names[i]) == dirlen && !strncmp(s->alias_names[i], path, dirlen);
		}
		if (!match)
			continue;
		struct slabinfo si;
		get_slabinfo(s, &si);
		ret = 0;
		if (!strcmp(attr, "object_size"))
			sb_printf(sb, "%u\n", s->object_size);
		else if (!strcmp(attr, "slab_size"))
			sb_printf(sb, "%u\n", s->size);
		else if (!strcmp(attr, "order"))
			sb_printf(sb, "%u\n", s->order);
		else if (!strcmp(attr, "objs_per_slab"))
			sb_printf(sb, "%u\n", s->objects);
		else if (!strcmp(attr, "aliases"))
			sb_printf(sb, "%d\n", s->refcount < 0 ? 0 : s->refcount - 1);
		else if (!strcmp(attr, "align"))
			sb_printf(sb, "%u\n", s->align);
		else if (!strcmp(attr, "reclaim_account"))
			sb_printf(sb, "%d\n", !!(s->flags & SLAB_RECLAIM_ACCOUNT));
		else if (!strcmp(attr, "hwcache_align"))
			sb_printf(sb, "%d\n", !!(s->flags & SLAB_HWCACHE_ALIGN));
		else if (!strcmp(attr, "destroy_by_rcu"))
			sb_printf(sb, "%d\n", !!(s->flags & SLAB_TYPESAFE_BY_RCU));
		else if (!strcmp(attr, "cache_dma"))
			sb_printf(sb, "%d\n", !!(s->flags & SLAB_CACHE_DMA));
		else if (!strcmp(attr, "usersize"))
			sb_printf(sb, "%u\n", s->usersize);
		else if (!strcmp(attr, "min_partial"))
			sb_printf(sb, "%lu\n", s->min_partial);
		else if (!strcmp(attr, "cpu_partial"))
			sb_printf(sb, "%u\n", s->cpu_partial);
		else if (!strcmp(attr, "objects"))
			sb_printf(sb, "%lu\n", si.active_objs);
		else if (!strcmp(attr, "total_objects"))
			sb_printf(sb, "%lu\n", si.num_objs);
		else if (!strcmp(attr, "slabs"))
			sb_printf(sb, "%lu\n", si.num_slabs);
		else
			ret = -ENOENT;
		break;
	}
	pthread_mutex_unlock(&slab_mutex);
	return ret;
}

/* Every cache passes kmem_cache_verify. */
int slab_verify_all(char *why, size_t whylen)
{
	int ret = 0;
	pthread_mutex_lock(&slab_mutex);
	struct list_head *pos;
	list_for_each(pos, &slab_caches) {
		ret = kmem_cache_verify(list_entry(pos, struct kmem_cache, list), why, whylen);
		if (ret)
			break;
	}
	pthread_mutex_unlock(&slab_mutex);
	return ret;
}

/* Shrink every cache: CPU slabs back to the nodes, empty slabs back to the buddy allocator. */
void kmm_slab_shrink_all(void)
{
	pthread_mutex_lock(&slab_mutex);
	struct list_head *pos;
	list_for_each(pos, &slab_caches)
		__kmem_cache_shrink(list_entry(pos, struct kmem_cache, list));
	pthread_mutex_unlock(&slab_mutex);
}

/* Objects in use in all caches together, CPU slabs flushed first (the "nothing lost" figure). */
unsigned long slab_objects_in_use(void)
{
	unsigned long sum = 0;
	kmm_slab_shrink_all();
	pthread_mutex_lock(&slab_mutex);
	struct list_head *pos;
	list_for_each(pos, &slab_caches) {
		struct slabinfo si;
		get_slabinfo(list_entry(pos, struct kmem_cache, list), &si);
		sum += si.active_objs;
	}
	pthread_mutex_unlock(&slab_mutex);
	return sum + kfence_objects_in_use(); /* sampled objects are slab objects too */
}

/* Objects in use in a cache found by name (tests, "nothing lost"); -1 if none. */
long kmem_cache_objects_in_use(const char *name)
{
	long ret = -1;
	pthread_mutex_lock(&slab_mutex);
	struct list_head *pos;
	list_for_each(pos, &slab_caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);
		if (strcmp(s->name, name))
			continue;
		pthread_mutex_unlock(&slab_mutex);
		kmem_cache_flush_all(s);
		struct slabinfo si;
		get_slabinfo(s, &si);
		return (long)si.active_objs;
	}
	pthread_mutex_unlock(&slab_mutex);
	return ret;
}
