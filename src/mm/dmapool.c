/*
 * dmapool.c - DMA pools, as Linux 6.1's mm/dmapool.c: many small coherent
 * blocks (descriptors, command buffers) of one size for one device, carved
 * out of dma_alloc_coherent() allocations, so that each costs neither a
 * page nor a mapping of its own.
 *
 * Vocabulary.  A pool hands out blocks of `size` bytes (at least 4,
 * rounded up to `align`) from its pages, each `allocation` bytes (at least
 * a page) of coherent memory with one bus address.  `boundary` (a power of
 * two, default: the allocation) is a line no block crosses, for devices
 * whose descriptors must not span, say, a 4 KiB line.
 *
 *   a pool page (size 64, boundary 4096; allocation 4096):
 *   +----+----+----+ ... +----+----+---------+
 *   | b0 | b1 | b2 |     |b61 |b62 | (unused)|   b63 would end on the boundary:
 *   +----+----+----+ ... +----+----+---------+   6.1 leaves it out
 *     free blocks chain: the first 4 bytes of a free block hold the offset
 *     of the next free one; page->offset is the first (>= allocation: full)
 *
 * The free chain lives in the blocks themselves, in simulated RAM, as ints,
 * exactly as Linux keeps it; the struct dma_pool and struct dma_page
 * headers are host memory.  Pages are never given back while the pool
 * lives ("better have a few empty pages hang around"); dma_pool_destroy
 * gives them all back.
 *
 * Invariants: a page's in_use == blocks not on its chain; the chain visits
 * only block starts, each once.  Lock: pool->lock guards its pages and
 * their chains; it is dropped around dma_alloc_coherent.
 *
 * Bad calls are checked as DMAPOOL_DEBUG checks them (a bus address no page
 * of the pool holds, a CPU address that does not match it, a block freed
 * twice) and reported in its words ("dma_pool_free NAME, dma ... already
 * free"); the call then changes nothing.  dma_pool_destroy of a pool with
 * blocks in use says "dma_pool_destroy NAME, ... busy" as 6.1 does, but
 * where 6.1 leaks those pages and destroys the pool, kmm refuses: the pool
 * and its pages stay, so the blocks can still be freed and nothing is lost.
 *
 * Not done: the sysfs "pools" file, the poison bytes of DMAPOOL_DEBUG.
 */
#include "kernel/dma_internal.h"

struct dma_pool {
	struct list_head page_list;    /* its dma_pages, newest first */
	pthread_mutex_t lock;
	size_t size;                   /* of a block */
	struct device *dev;
	size_t allocation;             /* bytes of a page of the pool */
	size_t boundary;               /* no block crosses a multiple of it */
	char name[32];
	struct list_head pools;        /* on dev->dma_pools */
};

struct dma_page {
	struct list_head page_list;    /* on pool->page_list */
	void *vaddr;                   /* dma_alloc_coherent's address */
	dma_addr_t dma;                /* ... and bus address */
	unsigned int in_use;           /* blocks handed out */
	unsigned int offset;           /* the first free block; >= allocation: none */
};

/* Is pool a live pool of one of the machine's devices?  (Nothing of a foreign pointer is read.) */
static bool pool_known(const struct dma_pool *pool)
{
	return pool && M && dma_pool_registered(&pool->pools);
}

struct dma_pool *dma_pool_create(const char *name, struct device *dev, size_t size, size_t align, size_t boundary)
{
	if (!M || !name || !dev || dev != kmm_device_find(dev->name))
		return NULL;
	if (align == 0)
		align = 1;
	else if (align & (align - 1))
		return NULL;
	if (size == 0 || size > (SIZE_MAX >> 1) || align > (SIZE_MAX >> 1))
		return NULL;
	if (size < 4)
		size = 4;
	size = ALIGN(size, align);
	size_t allocation = max(size, (size_t)PAGE_SIZE);
	if (allocation > (PAGE_SIZE << (MAX_ORDER - 1)) || allocation > 0x7fffffff)
		return NULL; /* more than dma_alloc_coherent could ever give, or than the int chain can count */
	if (!boundary)
		boundary = allocation;
	else if (boundary < size || (boundary & (boundary - 1)))
		return NULL;
	struct dma_pool *pool = calloc(1, sizeof(*pool));
	if (!pool)
		return NULL;
	snprintf(pool->name, sizeof(pool->name), "%s", name);
	pool->dev = dev;
	INIT_LIST_HEAD(&pool->page_list);
	pthread_mutex_init(&pool->lock, NULL);
	pool->size = size;
	pool->boundary = boundary;
	pool->allocation = allocation;
	pthread_mutex_lock(&dma_lock);
	list_add(&pool->pools, &dev->dma_pools);
	pthread_mutex_unlock(&dma_lock);
	return pool;
}

static int *chain_at(const struct dma_pool *pool, const struct dma_page *page, unsigned int offset)
{
	(void)pool;
	return (int *)((char *)page->vaddr + offset);
}

/* pool_initialise_page: every block on the chain, none across a boundary */
static void pool_initialise_page(struct dma_pool *pool, struct dma_page *page)
{
	unsigned int offset = 0, next_boundary = (unsigned int)min(pool->boundary, (size_t)0x80000000u);
	do {
		unsigned int next = offset + (unsigned int)pool->size;
		if (next + pool->size >= next_boundary) {
			next = next_boundary;
			next_boundary += (unsigned int)pool->boundary;
		}
		int v = (int)next;
		memcpy(chain_at(pool, page, offset), &v, sizeof(v));
		offset = next;
	} while (offset < pool->allocation);
}

/* Is offset where pool_initialise_page puts a block? */
static bool pool_block_start(const struct dma_pool *pool, unsigned int want)
{
	unsigned int offset = 0, next_boundary = (unsigned int)min(pool->boundary, (size_t)0x80000000u);
	do {
		if (offset == want)
			return true;
		unsigned int next = offset + (unsigned int)pool->size;
		if (next + pool->size >= next_boundary) {
			next = next_boundary;
			next_boundary += (unsigned int)pool->boundary;
		}
		offset = next;
	} while (offset < pool->allocation && offset <= want);
	return false;
}

static struct dma_page *pool_alloc_page(struct dma_pool *pool, gfp_t mem_flags)
{
	struct dma_page *page = calloc(1, sizeof(*page));
	if (!page)
		return NULL;
	page->vaddr = dma_alloc_coherent(pool->dev, pool->allocation, &page->dma, mem_flags);
	if (!page->vaddr) {
		free(page);
		return NULL;
	}
	pool_initialise_page(pool, page);
	return page;
}

void *dma_pool_alloc(struct dma_pool *pool, gfp_t mem_flags, dma_addr_t *handle)
{
	if (!pool_known(pool) || !handle)
		return NULL;
	struct dma_page *page;
	pthread_mutex_lock(&pool->lock);
	bool ready = false;
	list_for_each_entry(page, &pool->page_list, page_list)
		if (page->offset < pool->allocation) {
			ready = true;
			break;
		}
	if (!ready) {
		/* pool_alloc_page() may sleep: the lock is dropped around it */
		pthread_mutex_unlock(&pool->lock);
		page = pool_alloc_page(pool, mem_flags & ~__GFP_ZERO);
		if (!page)
			return NULL;
		pthread_mutex_lock(&pool->lock);
		list_add(&page->page_list, &pool->page_list);
	}
	page->in_use++;
	unsigned int offset = page->offset;
	int next;
	memcpy(&next, chain_at(pool, page, offset), sizeof(next));
	page->offset = (unsigned int)next;
	void *retval = (char *)page->vaddr + offset;
	*handle = page->dma + offset;
	pthread_mutex_unlock(&pool->lock);
	if (want_init_on_alloc(mem_flags))
		memset(retval, 0, pool->size);
	return retval;
}

void *dma_pool_zalloc(struct dma_pool *pool, gfp_t mem_flags, dma_addr_t *handle)
{
	return dma_pool_alloc(pool, mem_flags | __GFP_ZERO, handle);
}

/* pool_find_page: the page holding bus address dma; pool->lock held */
static struct dma_page *pool_find_page(struct dma_pool *pool, dma_addr_t dma)
{
	struct dma_page *page;
	list_for_each_entry(page, &pool->page_list, page_list)
		if (dma >= page->dma && dma < page->dma + pool->allocation)
			return page;
	return NULL;
}

void dma_pool_free(struct dma_pool *pool, void *vaddr, dma_addr_t dma)
{
	if (!pool_known(pool)) {
		pr_err("dma_pool_free: %lx is not a DMA pool\n", kmm_addr_for_print(pool));
		__atomic_add_fetch(&M->dma_bugs, 1, __ATOMIC_RELAXED);
		return;
	}
	pthread_mutex_lock(&pool->lock);
	struct dma_page *page = pool_find_page(pool, dma);
	const char *bad = NULL;
	unsigned int offset = 0;
	if (!page) {
		bad = "bad dma";
	} else {
		offset = (unsigned int)(dma - page->dma);
		if ((char *)vaddr != (char *)page->vaddr + offset)
			bad = "bad vaddr";
		else if (!pool_block_start(pool, offset))
			bad = "not a block";
	}
	if (bad) {
		pthread_mutex_unlock(&pool->lock);
		__atomic_add_fetch(&M->dma_bugs, 1, __ATOMIC_RELAXED);
		if (!strcmp(bad, "bad vaddr"))
			dev_printk(KERN_ERR, pool->dev, "dma_pool_free %s, %lx (bad vaddr)/%#llx\n", pool->name,
				   kmm_addr_for_print(vaddr), dma);
		else
			dev_printk(KERN_ERR, pool->dev, "dma_pool_free %s, %lx/%#llx (%s)\n", pool->name,
				   kmm_addr_for_print(vaddr), dma, bad);
		return;
	}
	for (unsigned int chain = page->offset; chain < pool->allocation;) {
		if (chain == offset) {
			pthread_mutex_unlock(&pool->lock);
			__atomic_add_fetch(&M->dma_bugs, 1, __ATOMIC_RELAXED);
			dev_printk(KERN_ERR, pool->dev, "dma_pool_free %s, dma %#llx already free\n", pool->name, dma);
			return;
		}
		int next;
		memcpy(&next, chain_at(pool, page, chain), sizeof(next));
		chain = (unsigned int)next;
	}
	if (want_init_on_free())
		memset(vaddr, 0, pool->size);
	page->in_use--;
	int v = (int)page->offset;
	memcpy(vaddr, &v, sizeof(v));
	page->offset = offset;
	pthread_mutex_unlock(&pool->lock);
}

void dma_pool_destroy(struct dma_pool *pool)
{
	if (!pool)
		return;
	if (!pool_known(pool)) {
		pr_err("dma_pool_destroy: %lx is not a DMA pool\n", kmm_addr_for_print(pool));
		__atomic_add_fetch(&M->dma_bugs, 1, __ATOMIC_RELAXED);
		return;
	}
	struct dma_page *page;
	bool busy = false;
	pthread_mutex_lock(&pool->lock);
	list_for_each_entry(page, &pool->page_list, page_list)
		if (page->in_use) {
			dev_printk(KERN_ERR, pool->dev, "dma_pool_destroy %s, %lx busy\n", pool->name,
				   kmm_addr_for_print(page->vaddr));
			busy = true;
		}
	pthread_mutex_unlock(&pool->lock);
	if (busy) {
		__atomic_add_fetch(&M->dma_bugs, 1, __ATOMIC_RELAXED);
		return; /* kmm keeps the pool: see the top of the file */
	}
	pthread_mutex_lock(&dma_lock);
	list_del(&pool->pools);
	pthread_mutex_unlock(&dma_lock);
	while (!list_empty(&pool->page_list)) {
		page = list_first_entry(&pool->page_list, struct dma_page, page_list);
		list_del(&page->page_list);
		dma_free_coherent(pool->dev, pool->allocation, page->vaddr, page->dma);
		free(page);
	}
	pthread_mutex_destroy(&pool->lock);
	free(pool);
}

/* Shutdown: a device's pools that were never destroyed (host memory; their pages go with the machine). */
void dmapool_exit_device(struct device *dev)
{
	while (!list_empty(&dev->dma_pools)) {
		struct dma_pool *pool = list_first_entry(&dev->dma_pools, struct dma_pool, pools);
		list_del(&pool->pools);
		while (!list_empty(&pool->page_list)) {
			struct dma_page *page = list_first_entry(&pool->page_list, struct dma_page, page_list);
			list_del(&page->page_list);
			free(page);
		}
		pthread_mutex_destroy(&pool->lock);
		free(pool);
	}
}
