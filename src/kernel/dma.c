/*
 * dma.c - devices and the DMA mapping API, as Linux 6.1's
 * kernel/dma/mapping.c (the entry points), kernel/dma/direct.c (mapping
 * without an IOMMU) and kernel/dma/debug.c (the records that catch misuse).
 *
 * Vocabulary.  A device reaches memory by bus address (dma_addr_t).  Its
 * dma_mask bounds the bus addresses of streaming mappings, its
 * coherent_dma_mask those of coherent buffers.  Without an IOMMU
 * ("dma-direct") a bus address is the physical address; with
 * intel_iommu=on every device has a DMA domain and its bus addresses are
 * IOVAs (kernel/iommu.c).
 *
 *   dma_alloc_coherent                    dma_map_page / _single / _sg
 *        |                                        |
 *   dma-direct: zone from the mask        dma-direct: dma_capable?
 *   (24 bits: GFP_DMA, 32: GFP_DMA32),      yes: bus address = phys
 *   [CMA first: dma_alloc_contiguous],      no:  bounce via swiotlb.c
 *   lower zone if the page is out of     (swiotlb=force: always bounce)
 *   reach; highmem remapped (vmap);
 *   zeroed                               iommu: an IOVA range mapped onto
 *   iommu: scattered pages, one IOVA,      the pages (sg: one range,
 *   one vmap                               merged segments)
 *
 * On i386 there is no ZONE_DMA32: GFP_DMA32 falls to ZONE_NORMAL (lowmem,
 * below 896 MiB, so in a 32-bit device's reach), and a page found out of
 * reach is retried in ZONE_DMA, as __dma_direct_alloc_pages does.
 *
 * dma-debug.  Every mapping and coherent buffer leaves a record on its
 * device (type, bus address, size, direction, CPU address, sg counts).
 * Unmap, free and sync look it up first; misuse - freeing what was never
 * mapped, another size or direction, the wrong function, a second free -
 * is reported as CONFIG_DMA_API_DEBUG reports it ("DMA-API: pci
 * 0000:00:02.0: device driver tries to free DMA memory it has not
 * allocated ...") and then refused, so it changes nothing (Linux would go
 * on and free; kmm keeps the machine sound, as its slab checks do).  A
 * bad direction, which Linux meets with BUG_ON, is reported as that BUG and
 * refused.  Every report counts in M->dma_bugs.
 *
 * Invariants (dma_verify): each device's nr_mappings equals its records;
 * no two records of a device share a bus address; the swiotlb's slots in
 * use are those of live bounced records.  "Nothing lost": no record on any
 * device, no swiotlb slot or IOVA in use.
 *
 * Devices are host structures (struct device is the bus's, not mm's); the
 * machine's PCI device 0000:00:02.0 is made at the end of boot with a
 * 32-bit DMA mask, others by kmm_device_create().  Locks: dma_lock guards
 * the device list, the records and the IOMMU's domain list; it is held
 * across the page allocator only to make or free a domain's top table
 * (the allocator never calls back into DMA code), never for a mapping.
 *
 * Not done: non-coherent devices (x86's are coherent: no cache
 * maintenance), the atomic pools for non-blocking remaps, dma_mmap_*,
 * dma_alloc_pages/noncontiguous, P2P DMA.
 */
#include "kernel/dma_internal.h"
#include "mm/cma.h"
#include "sim/ram.h"

#include <kmm/vmalloc.h>

pthread_mutex_t dma_lock = PTHREAD_MUTEX_INITIALIZER;

struct kmm_dma {
	struct list_head devices;      /* every struct device, the PCI one first */
	struct device *pci;            /* 0000:00:02.0 */
};

enum dma_debug_type { dma_debug_single, dma_debug_sg, dma_debug_coherent, dma_debug_page };
static const char *const type2name[] = { "single", "scatter-gather", "coherent", "page" };
static const char *const dir2name[] = { "DMA_BIDIRECTIONAL", "DMA_TO_DEVICE", "DMA_FROM_DEVICE", "DMA_NONE" };

/* A live mapping or coherent buffer (kernel/dma/debug.c's struct dma_debug_entry) */
struct dma_debug_entry {
	struct list_head list;         /* on dev->mappings */
	enum dma_debug_type type;
	dma_addr_t dev_addr;           /* its bus address */
	u64 size;                      /* bytes */
	phys_addr_t paddr;             /* the CPU's bytes (sg: the segment's first entry) */
	void *cpu_addr;                /* coherent: what dma_alloc_coherent returned */
	int direction;
	int sg_call_ents, sg_mapped_ents; /* sg: nents passed, segments made */
	bool bounced;                  /* through the swiotlb */
	unsigned int order;            /* coherent, contiguous: the block's order */
	struct page **pages;           /* coherent over an IOMMU: the scattered pages (host array) */
	unsigned int npages;
};

/* ---- messages ---------------------------------------------------------------------------- */

static const char *dev_driver_string(const struct device *dev)
{
	return dev ? dev->driver : "NULL";
}

static const char *dev_name(const struct device *dev)
{
	return dev ? dev->name : "NULL";
}

void dev_printk(const char *level, const struct device *dev, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	(void)level; /* the log keeps no levels: printk strips them */
	printk("%s %s: %s", dev_driver_string(dev), dev_name(dev), text);
}

static void warn_with_text(const char *where, const char *func, const char *text)
{
	printk(KERN_WARNING "------------[ cut here ]------------\n");
	printk(KERN_WARNING "%s", text);
	printk(KERN_WARNING "WARNING: CPU: %d PID: 0 at %s %s\n", max(smp_processor_id(), 0), where, func);
	dump_stack();
	printk(KERN_WARNING "---[ end trace 0000000000000000 ]---\n");
}

bool dev_warn_once_report(const void *site, const struct device *dev, const char *where, const char *func,
			  const char *fmt, ...)
{
	__atomic_add_fetch(&M->dma_bugs, 1, __ATOMIC_RELAXED);
	if (!__warn_once_first(site))
		return false;
	char text[512];
	int n = snprintf(text, sizeof(text), "%s %s: ", dev_driver_string(dev), dev_name(dev));
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text + n, sizeof(text) - (size_t)n, fmt, ap);
	va_end(ap);
	warn_with_text(where, func, text);
	return true;
}

void dma_bug_report(const char *where, const char *func)
{
	__atomic_add_fetch(&M->dma_bugs, 1, __ATOMIC_RELAXED);
	printk(KERN_ALERT "------------[ cut here ]------------\n");
	printk(KERN_ALERT "kernel BUG at %s!\n", where);
	printk(KERN_ALERT "invalid opcode: 0000 [#1] PREEMPT SMP NOPTI\n");
	printk(KERN_ALERT "EIP: %s (kmm refused the call; the machine goes on)\n", func);
}

/* err_printk (kernel/dma/debug.c): a WARN with "DMA-API: <driver> <name>: <text>", every time */
static void __attribute__((format(printf, 4, 5)))
err_printk(const struct device *dev, const char *where, const char *func, const char *fmt, ...)
{
	__atomic_add_fetch(&M->dma_bugs, 1, __ATOMIC_RELAXED);
	char text[640];
	int n = snprintf(text, sizeof(text), "DMA-API: %s %s: ", dev_driver_string(dev), dev_name(dev));
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text + n, sizeof(text) - (size_t)n, fmt, ap);
	va_end(ap);
	warn_with_text(where, func, text);
}

/* ---- devices ------------------------------------------------------------------------------- */

static struct kmm_dma *dma_state(void)
{
	return M ? M->dma : NULL;
}

/* dma_direct_supported: a mask below what ZONE_DMA (or all of RAM) spans cannot be served */
static bool dma_supported(const struct device *dev, u64 mask)
{
	if (dev->domain || mask >= DMA_BIT_MASK(32))
		return true; /* dma-iommu has no dma_supported: any mask */
	u64 min_mask = (u64)(M->max_pfn - 1) << PAGE_SHIFT;
	min_mask = min(min_mask, DMA_BIT_MASK(ZONE_DMA_BITS));
	return mask >= min_mask;
}

static u64 dma_addr_width_mask(void)
{
	/* dma_addr_t is 32 bits on i386 without PAE (CONFIG_ARCH_DMA_ADDR_T_64BIT is off) */
	return M->prof->bits == 32 && !M->prof->pae ? DMA_BIT_MASK(32) : DMA_BIT_MASK(64);
}

int dma_set_mask(struct device *dev, u64 mask)
{
	if (!dev || !dev->dma_mask)
		return -EIO;
	mask &= dma_addr_width_mask(); /* truncated to what dma_addr_t holds */
	if (!dma_supported(dev, mask))
		return -EIO;
	*dev->dma_mask = mask;
	return 0;
}

int dma_set_coherent_mask(struct device *dev, u64 mask)
{
	if (!dev)
		return -EIO;
	mask &= dma_addr_width_mask();
	if (!dma_supported(dev, mask))
		return -EIO;
	dev->coherent_dma_mask = mask;
	return 0;
}

int dma_set_mask_and_coherent(struct device *dev, u64 mask)
{
	int ret = dma_set_mask(dev, mask);
	return ret ? ret : dma_set_coherent_mask(dev, mask);
}

static int fls64(u64 x)
{
	return x ? 64 - __builtin_clzll(x) : 0;
}

u64 dma_get_required_mask(struct device *dev)
{
	if (!M || !dev)
		return 0;
	if (dev->domain)
		return DMA_BIT_MASK(32);
	u64 max_dma = (u64)(M->max_pfn - 1) << PAGE_SHIFT;
	return (1ULL << (fls64(max_dma) - 1)) * 2 - 1;
}

static struct device *device_new(const char *name, const char *driver, int bits, bool pci)
{
	struct device *dev = calloc(1, sizeof(*dev));
	if (!dev)
		return NULL;
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->driver = driver;
	dev->dma_mask = &dev->dma_mask_store;
	/* pci_device_add(): dma_parms with 64 KiB segments that never cross 4 GiB */
	dev->max_segment_size = 65536;
	dev->seg_boundary_mask = 0xffffffffUL;
	dev->numa_node = NUMA_NO_NODE;
	dev->pci = pci;
	INIT_LIST_HEAD(&dev->dma_pools);
	INIT_LIST_HEAD(&dev->mappings);
	/* the bus's default 32-bit masks, then the driver's dma_set_mask_and_coherent */
	dev->dma_mask_store = DMA_BIT_MASK(32);
	dev->coherent_dma_mask = DMA_BIT_MASK(32);
	if (iommu_enabled() && iommu_attach_device(dev)) {
		free(dev);
		return NULL;
	}
	if (dma_set_mask_and_coherent(dev, DMA_BIT_MASK(bits))) {
		pr_warn("%s %s: No suitable DMA available (a %d-bit DMA mask cannot reach ZONE_DMA)\n", driver, name, bits);
		if (dev->domain)
			iommu_detach_device(dev);
		free(dev);
		return NULL;
	}
	return dev;
}

struct device *kmm_device_create(const char *name, int mask_bits)
{
	struct kmm_dma *d = dma_state();
	if (!d || !name || !*name || strlen(name) >= sizeof(((struct device *)0)->name) || mask_bits < 1 ||
	    mask_bits > 64)
		return NULL;
	pthread_mutex_lock(&dma_lock);
	struct device *dev = NULL, *old;
	bool taken = false;
	list_for_each_entry(old, &d->devices, node)
		taken |= !strcmp(old->name, name);
	if (!taken && (dev = device_new(name, "kmm", mask_bits, false)))
		list_add_tail(&dev->node, &d->devices);
	pthread_mutex_unlock(&dma_lock);
	return dev;
}

int kmm_device_destroy(struct device *dev)
{
	struct kmm_dma *d = dma_state();
	if (!d || !dev)
		return -EINVAL;
	pthread_mutex_lock(&dma_lock);
	struct device *pos;
	bool found = false;
	list_for_each_entry(pos, &d->devices, node)
		found |= pos == dev;
	int ret = 0;
	if (!found || dev->pci) {
		ret = -EINVAL;
	} else if (dev->nr_mappings || !list_empty(&dev->dma_pools)) {
		/* debug_dma_assert_idle / device_del's check: "device driver has pending DMA allocations while released" */
		struct dma_debug_entry *e = dev->nr_mappings ? list_first_entry(&dev->mappings, struct dma_debug_entry, list) : NULL;
		if (e)
			err_printk(dev, "kernel/dma/debug.c:859", "dma_debug_device_change",
				   "device driver has pending DMA allocations while released from device "
				   "[count=%lu]\nOne of leaked entries details: [device address=0x%016llx] [size=%llu bytes] "
				   "[mapped with %s] [mapped as %s]\n",
				   dev->nr_mappings, e->dev_addr, e->size, dir2name[e->direction], type2name[e->type]);
		else
			err_printk(dev, "mm/dmapool.c:279", "dma_pool_destroy", "device has DMA pools left\n");
		ret = -EBUSY;
	} else {
		list_del(&dev->node);
		if (dev->domain)
			iommu_detach_device(dev);
	}
	pthread_mutex_unlock(&dma_lock);
	if (!ret)
		free(dev);
	return ret;
}

struct device *kmm_pci_device(void)
{
	struct kmm_dma *d = dma_state();
	return d ? d->pci : NULL;
}

struct device *kmm_device_find(const char *name)
{
	struct kmm_dma *d = dma_state();
	struct device *dev, *found = NULL;
	if (!d || !name)
		return NULL;
	pthread_mutex_lock(&dma_lock);
	list_for_each_entry(dev, &d->devices, node)
		if (!strcmp(dev->name, name))
			found = dev;
	pthread_mutex_unlock(&dma_lock);
	return found;
}

/* Is dev one of the machine's devices?  (A foreign pointer is refused before anything reads it.) */
static bool device_known(const struct device *dev)
{
	struct kmm_dma *d = dma_state();
	struct device *pos;
	bool found = false;
	if (!d || !dev)
		return false;
	pthread_mutex_lock(&dma_lock);
	list_for_each_entry(pos, &d->devices, node)
		found |= pos == dev;
	pthread_mutex_unlock(&dma_lock);
	return found;
}

bool dma_pool_registered(const struct list_head *pool_node)
{
	struct kmm_dma *d = dma_state();
	struct device *dev;
	bool found = false;
	if (!d)
		return false;
	pthread_mutex_lock(&dma_lock);
	list_for_each_entry(dev, &d->devices, node)
		for (struct list_head *p = dev->dma_pools.next; p != &dev->dma_pools; p = p->next)
			found |= p == pool_node;
	pthread_mutex_unlock(&dma_lock);
	return found;
}

/* ---- dma-debug records ---------------------------------------------------------------------- */

static void debug_add(struct device *dev, struct dma_debug_entry *e)
{
	pthread_mutex_lock(&dma_lock);
	list_add_tail(&e->list, &dev->mappings);
	dev->nr_mappings++;
	pthread_mutex_unlock(&dma_lock);
}

static struct dma_debug_entry *debug_new(enum dma_debug_type type, dma_addr_t addr, u64 size, phys_addr_t paddr,
					 int dir)
{
	struct dma_debug_entry *e = calloc(1, sizeof(*e));
	if (e)
		*e = (struct dma_debug_entry){ .type = type, .dev_addr = addr, .size = size, .paddr = paddr, .direction = dir };
	return e;
}

/* The record of the mapping at bus address addr (bucket_find_exact); dma_lock held. */
static struct dma_debug_entry *debug_find(struct device *dev, dma_addr_t addr)
{
	struct dma_debug_entry *e;
	list_for_each_entry(e, &dev->mappings, list)
		if (e->dev_addr == addr)
			return e;
	return NULL;
}

/* The record whose range holds [addr, addr + size) (bucket_find_contain); dma_lock held. */
static struct dma_debug_entry *debug_find_contain(struct device *dev, dma_addr_t addr)
{
	struct dma_debug_entry *e;
	list_for_each_entry(e, &dev->mappings, list)
		if (addr >= e->dev_addr && addr - e->dev_addr < max(e->size, (u64)1))
			return e;
	return NULL;
}

/*
 * check_unmap: the record an unmap or free names, taken off its device if
 * everything matches; NULL after a report (and then nothing is done).
 */
static struct dma_debug_entry *check_unmap(struct device *dev, enum dma_debug_type type, dma_addr_t addr, u64 size,
					   int dir, const void *cpu_addr, int sg_call_ents)
{
	pthread_mutex_lock(&dma_lock);
	struct dma_debug_entry *e = debug_find(dev, addr);
	const char *where = "kernel/dma/debug.c:973", *func = "check_unmap";
	if (!e) {
		pthread_mutex_unlock(&dma_lock);
		if (addr == DMA_MAPPING_ERROR)
			err_printk(dev, where, func, "device driver tries to free an invalid DMA memory address\n");
		else
			err_printk(dev, where, func,
				   "device driver tries to free DMA memory it has not allocated [device address=0x%016llx] "
				   "[size=%llu bytes]\n",
				   addr, size);
		return NULL;
	}
	bool bad = false;
	if (type == dma_debug_sg && e->type == dma_debug_sg)
		size = e->size; /* the segments' lengths are the mapping's own */
	if (size != e->size) {
		err_printk(dev, "kernel/dma/debug.c:984", func,
			   "device driver frees DMA memory with different size [device address=0x%016llx] [map size=%llu bytes] "
			   "[unmap size=%llu bytes]\n",
			   addr, e->size, size);
		bad = true;
	}
	if (type != e->type) {
		err_printk(dev, "kernel/dma/debug.c:992", func,
			   "device driver frees DMA memory with wrong function [device address=0x%016llx] [size=%llu bytes] "
			   "[mapped as %s] [unmapped as %s]\n",
			   addr, size, type2name[e->type], type2name[type]);
		bad = true;
	} else if (type == dma_debug_coherent && cpu_addr != e->cpu_addr) {
		err_printk(dev, "kernel/dma/debug.c:1000", func,
			   "device driver frees DMA memory with different CPU address [device address=0x%016llx] "
			   "[size=%llu bytes] [cpu alloc address=0x%016lx] [cpu free address=0x%016lx]",
			   addr, size, kmm_addr_for_print(e->cpu_addr), kmm_addr_for_print(cpu_addr));
		bad = true;
	}
	if (type == dma_debug_sg && e->type == dma_debug_sg && sg_call_ents != e->sg_call_ents) {
		err_printk(dev, "kernel/dma/debug.c:1012", func,
			   "device driver frees DMA sg list with different entry count [map count=%d] [unmap count=%d]\n",
			   e->sg_call_ents, sg_call_ents);
		bad = true;
	}
	if (dir != e->direction) {
		err_printk(dev, "kernel/dma/debug.c:1023", func,
			   "device driver frees DMA memory with different direction [device address=0x%016llx] "
			   "[size=%llu bytes] [mapped with %s] [unmapped with %s]\n",
			   addr, size, dir2name[e->direction], dir2name[dir]);
		bad = true;
	}
	if (!bad) {
		list_del(&e->list);
		dev->nr_mappings--;
	}
	pthread_mutex_unlock(&dma_lock);
	return bad ? NULL : e;
}

/* check_sync: may the CPU or the device take [addr, addr + size) now?  false after a report */
static bool check_sync(struct device *dev, dma_addr_t addr, size_t size, int dir, bool to_cpu)
{
	pthread_mutex_lock(&dma_lock);
	struct dma_debug_entry *e = debug_find_contain(dev, addr);
	const char *func = "check_sync";
	bool ok = false;
	if (!e) {
		pthread_mutex_unlock(&dma_lock);
		err_printk(dev, "kernel/dma/debug.c:1104", func,
			   "device driver tries to sync DMA memory it has not allocated [device address=0x%016llx] "
			   "[size=%llu bytes]\n",
			   addr, (u64)size);
		return false;
	}
	struct dma_debug_entry ent = *e;
	pthread_mutex_unlock(&dma_lock);
	if (addr - ent.dev_addr + size > ent.size || addr - ent.dev_addr + size < size) {
		err_printk(dev, "kernel/dma/debug.c:1112", func,
			   "device driver syncs DMA memory outside allocated range [device address=0x%016llx] "
			   "[allocation size=%llu bytes] [sync offset+size=%llu]\n",
			   ent.dev_addr, ent.size, addr - ent.dev_addr + size);
	} else if (ent.direction != DMA_BIDIRECTIONAL && dir != ent.direction) {
		err_printk(dev, "kernel/dma/debug.c:1125", func,
			   "device driver syncs DMA memory with different direction [device address=0x%016llx] "
			   "[size=%llu bytes] [mapped with %s] [synced with %s]\n",
			   addr, ent.size, dir2name[ent.direction], dir2name[dir]);
	} else {
		ok = true;
	}
	(void)to_cpu;
	return ok;
}

/* ---- the CMA hook --------------------------------------------------------------------------------- */

/*
 * dma_alloc_contiguous / dma_free_contiguous (kernel/dma/contiguous.c):
 * with CONFIG_CMA a coherent buffer of more than a page comes from the
 * default CMA area (dma_contiguous_default_area) first, by cma_alloc; a
 * page that is not from the area goes back to the buddy allocator.
 *
 * Only a caller that may sleep uses the area (cma_alloc migrates), and a
 * buffer of one page never does; the alignment is the buffer's order up to
 * CONFIG_CMA_ALIGNMENT (8: 1 MiB), as cma_alloc_aligned asks.  Without
 * CONFIG_CMA there is no area and both fall through to the buddy allocator.
 */
#define CMA_ALIGNMENT 8

static struct page *dma_alloc_contiguous(struct device *dev, size_t size, gfp_t gfp)
{
	(void)dev;
	if (!(gfp & __GFP_DIRECT_RECLAIM) || size <= PAGE_SIZE || !dma_contiguous_default_area)
		return NULL;
	unsigned int align = min(get_order(size), (unsigned int)CMA_ALIGNMENT);
	return cma_alloc(dma_contiguous_default_area, PAGE_ALIGN(size) >> PAGE_SHIFT, align, gfp & __GFP_NOWARN);
}

static void dma_free_contiguous(struct device *dev, struct page *page, size_t size)
{
	(void)dev;
	if (cma_release(dma_contiguous_default_area, page, PAGE_ALIGN(size) >> PAGE_SHIFT))
		return;
	__free_pages(page, get_order(size)); /* not the area's: the buddy allocator's block */
}

/* ---- dma-direct (kernel/dma/direct.c) ---------------------------------------------------------- */

/* dma_direct_optimal_gfp_mask: the zone the mask falls in; *phys_limit the highest reachable byte */
static gfp_t dma_direct_optimal_gfp_mask(const struct device *dev, u64 *phys_limit)
{
	u64 dma_limit = min_not_zero(dev->coherent_dma_mask, dev->bus_dma_limit);
	*phys_limit = dma_limit;
	if (*phys_limit <= DMA_BIT_MASK(ZONE_DMA_BITS))
		return GFP_DMA;
	if (*phys_limit <= DMA_BIT_MASK(32))
		return GFP_DMA32;
	return 0;
}

static bool dma_coherent_ok(const struct device *dev, phys_addr_t phys, size_t size)
{
	return phys + size - 1 <= min_not_zero(dev->coherent_dma_mask, dev->bus_dma_limit);
}

static bool zone_dma32_configured(void)
{
	return M->prof->zone_mask & (1u << ZONE_DMA32);
}

/*
 * __dma_direct_alloc_pages: CMA first, then the buddy allocator in the
 * zone the mask names; a block out of reach goes back and the next lower
 * zone is tried (DMA32, then DMA).
 */
static struct page *__dma_direct_alloc_pages(struct device *dev, size_t size, gfp_t gfp)
{
	u64 phys_limit;
	gfp |= dma_direct_optimal_gfp_mask(dev, &phys_limit);
	struct page *page = dma_alloc_contiguous(dev, size, gfp);
	if (page && !dma_coherent_ok(dev, page_to_phys(page), size)) {
		dma_free_contiguous(dev, page, size);
		page = NULL;
	}
	for (;;) {
		if (!page)
			page = alloc_pages_node(dev->numa_node, gfp, get_order(size));
		if (!page || dma_coherent_ok(dev, page_to_phys(page), size))
			return page;
		dma_free_contiguous(dev, page, size);
		page = NULL;
		if (zone_dma32_configured() && phys_limit < DMA_BIT_MASK(64) && !(gfp & (GFP_DMA32 | GFP_DMA))) {
			gfp |= GFP_DMA32;
			continue;
		}
		if (!(gfp & GFP_DMA)) {
			gfp = (gfp & ~GFP_DMA32) | GFP_DMA;
			continue;
		}
		return NULL;
	}
}

/* dma_direct_alloc: a zeroed buffer; its kernel address (a HighMem page from CMA is remapped) */
static void *dma_direct_alloc(struct device *dev, size_t size, dma_addr_t *dma_handle, gfp_t gfp,
			      struct dma_debug_entry *rec)
{
	size = PAGE_ALIGN(size);
	struct page *page = __dma_direct_alloc_pages(dev, size, gfp & ~__GFP_ZERO);
	if (!page)
		return NULL;
	void *ret;
	if (PageHighMem(page)) {
		/* dma_common_contiguous_remap: the block's pages in the vmalloc area */
		unsigned int count = (unsigned int)(size >> PAGE_SHIFT);
		struct page **pages = malloc(count * sizeof(*pages));
		for (unsigned int i = 0; pages && i < count; i++)
			pages[i] = page + i;
		ret = pages ? vmap(pages, count, VM_MAP, __PAGE_KERNEL) : NULL;
		free(pages);
		if (!ret) {
			dma_free_contiguous(dev, page, size);
			return NULL;
		}
	} else {
		ret = page_address(page);
	}
	memset(ret, 0, size);
	*dma_handle = page_to_phys(page);
	rec->order = get_order(size);
	return ret;
}

static void dma_direct_free(struct device *dev, size_t size, void *cpu_addr, dma_addr_t dma_addr)
{
	if (is_vmalloc_addr(cpu_addr))
		vunmap(cpu_addr);
	dma_free_contiguous(dev, pfn_to_page(PHYS_PFN(dma_addr)), PAGE_ALIGN(size));
}

static void dma_direct_sync_single_for_cpu(struct device *dev, dma_addr_t addr, size_t size,
					   enum dma_data_direction dir)
{
	if (is_swiotlb_buffer(addr))
		swiotlb_sync_single_for_cpu(dev, addr, size, dir);
}

static void dma_direct_sync_single_for_device(struct device *dev, dma_addr_t addr, size_t size,
					      enum dma_data_direction dir)
{
	if (is_swiotlb_buffer(addr))
		swiotlb_sync_single_for_device(dev, addr, size, dir);
}

static dma_addr_t dma_direct_map_page(struct device *dev, struct page *page, unsigned long offset, size_t size,
				      enum dma_data_direction dir, unsigned long attrs)
{
	phys_addr_t phys = page_to_phys(page) + offset;
	dma_addr_t dma_addr = phys;
	if (is_swiotlb_force_bounce())
		return swiotlb_map(dev, phys, size, dir, attrs);
	if (!dma_capable(dev, dma_addr, size)) {
		if (is_swiotlb_active())
			return swiotlb_map(dev, phys, size, dir, attrs);
		static const char site;
		dev_warn_once_report(&site, dev, "kernel/dma/direct.h:105", "dma_direct_map_page",
				     "DMA addr %#018llx+%zu overflow (mask %llx, bus limit %llx).\n", dma_addr, size,
				     *dev->dma_mask, dev->bus_dma_limit);
		return DMA_MAPPING_ERROR;
	}
	return dma_addr;
}

static void dma_direct_unmap_page(struct device *dev, dma_addr_t addr, size_t size, enum dma_data_direction dir,
				  unsigned long attrs)
{
	if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC))
		dma_direct_sync_single_for_cpu(dev, addr, size, dir);
	if (is_swiotlb_buffer(addr))
		swiotlb_tbl_unmap_single(dev, addr, size, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
}

/* ---- the API (kernel/dma/mapping.c) ------------------------------------------------------------ */

void *dma_alloc_attrs(struct device *dev, size_t size, dma_addr_t *dma_handle, gfp_t gfp, unsigned long attrs)
{
	if (!M || !device_known(dev) || !dma_handle)
		return NULL;
	static const char site;
	if (!dev->coherent_dma_mask)
		dev_warn_once_report(&site, dev, "kernel/dma/mapping.c:500", "dma_alloc_attrs", "no coherent DMA mask\n");
	/* let the implementation decide on the zone to allocate from */
	gfp &= ~(__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM);
	if (attrs & DMA_ATTR_NO_WARN)
		gfp |= __GFP_NOWARN;
	struct dma_debug_entry *rec = debug_new(dma_debug_coherent, 0, size, 0, DMA_BIDIRECTIONAL);
	if (!rec)
		return NULL;
	void *cpu_addr;
	if (dev->domain)
		cpu_addr = iommu_dma_alloc(dev, size, dma_handle, gfp, attrs, &rec->pages, &rec->npages);
	else
		cpu_addr = dma_direct_alloc(dev, size, dma_handle, gfp, rec);
	if (!cpu_addr) {
		free(rec);
		return NULL;
	}
	rec->dev_addr = *dma_handle;
	rec->cpu_addr = cpu_addr;
	rec->paddr = is_vmalloc_addr(cpu_addr) ? page_to_phys(vmalloc_to_page(cpu_addr)) : *dma_handle;
	debug_add(dev, rec);
	return cpu_addr;
}

/* check_unmap's first test: a device dma-debug never saw has nothing to give back (reported) */
static bool device_known_or_report(struct device *dev, dma_addr_t addr, size_t size)
{
	if (device_known(dev))
		return true;
	err_printk(NULL, "kernel/dma/debug.c:973", "check_unmap",
		   "device driver tries to free DMA memory it has not allocated [device address=0x%016llx] "
		   "[size=%llu bytes]\n",
		   addr, (u64)size);
	return false;
}

void dma_free_attrs(struct device *dev, size_t size, void *cpu_addr, dma_addr_t dma_handle, unsigned long attrs)
{
	(void)attrs;
	if (!M || !cpu_addr)
		return;
	if (!device_known_or_report(dev, dma_handle, size))
		return;
	struct dma_debug_entry *e = check_unmap(dev, dma_debug_coherent, dma_handle, size, DMA_BIDIRECTIONAL, cpu_addr, 0);
	if (!e)
		return;
	if (dev->domain)
		iommu_dma_free(dev, size, cpu_addr, dma_handle, e->pages, e->npages);
	else
		dma_direct_free(dev, size, cpu_addr, dma_handle);
	free(e->pages);
	free(e);
}

/* Is [phys, phys + size) RAM the machine has (a page of mem_map, no wrap)? */
static bool phys_range_is_ram(phys_addr_t phys, size_t size)
{
	phys_addr_t last = phys + (size ? size - 1 : 0);
	if (last < phys || last >= PFN_PHYS(M->max_pfn))
		return false;
	for (unsigned long pfn = PHYS_PFN(phys); pfn <= PHYS_PFN(last); pfn++)
		if (!pfn_valid(pfn))
			return false;
	return true;
}

static bool page_known(const struct page *page)
{
	return page >= mem_map && page < mem_map + max_mapnr && pfn_valid(page_to_pfn(page));
}

static dma_addr_t map_page(struct device *dev, struct page *page, size_t offset, size_t size,
			   enum dma_data_direction dir, unsigned long attrs, enum dma_debug_type type)
{
	if (!valid_dma_direction(dir)) {
		dma_bug_report("kernel/dma/mapping.c:155", "dma_map_page_attrs"); /* BUG_ON(!valid_dma_direction(dir)) */
		return DMA_MAPPING_ERROR;
	}
	if (!page_known(page) || offset + size < offset ||
	    !phys_range_is_ram(page_to_phys(page) + offset, size)) {
		err_printk(dev, "kernel/dma/debug.c:1199", "check_for_illegal_area",
			   "device driver maps memory from invalid area [addr=%#lx] [len=%zu]\n",
			   page_known(page) ? (unsigned long)(page_to_phys(page) + offset) : 0UL, size);
		return DMA_MAPPING_ERROR;
	}
	struct dma_debug_entry *rec = debug_new(type, 0, size, page_to_phys(page) + offset, dir);
	if (!rec)
		return DMA_MAPPING_ERROR;
	dma_addr_t addr = dev->domain ? iommu_dma_map_page(dev, page, offset, size, dir, attrs)
				      : dma_direct_map_page(dev, page, offset, size, dir, attrs);
	if (addr == DMA_MAPPING_ERROR) {
		free(rec);
		return addr;
	}
	rec->dev_addr = addr;
	rec->bounced = !dev->domain && is_swiotlb_buffer(addr);
	debug_add(dev, rec);
	return addr;
}

dma_addr_t dma_map_page_attrs(struct device *dev, struct page *page, size_t offset, size_t size,
			      enum dma_data_direction dir, unsigned long attrs)
{
	if (!M || !device_known(dev))
		return DMA_MAPPING_ERROR;
	return map_page(dev, page, offset, size, dir, attrs, dma_debug_page);
}

dma_addr_t dma_map_single_attrs(struct device *dev, void *ptr, size_t size, enum dma_data_direction dir,
				unsigned long attrs)
{
	if (!M || !device_known(dev))
		return DMA_MAPPING_ERROR;
	/* DMA must never operate on areas that might be remapped */
	static const char site;
	if (is_vmalloc_addr(ptr)) {
		dev_warn_once_report(&site, dev, "include/linux/dma-mapping.h:329", "dma_map_single_attrs",
				     "rejecting DMA map of vmalloc memory\n");
		return DMA_MAPPING_ERROR;
	}
	if (!virt_addr_valid(ptr)) {
		err_printk(dev, "kernel/dma/debug.c:1199", "debug_dma_map_single",
			   "device driver maps memory from invalid area [addr=%#lx] [len=%zu]\n", kmm_addr_for_print(ptr),
			   size);
		return DMA_MAPPING_ERROR;
	}
	return map_page(dev, virt_to_page(ptr), (unsigned long)ptr & ~PAGE_MASK, size, dir, attrs, dma_debug_single);
}

static void unmap(struct device *dev, dma_addr_t addr, size_t size, enum dma_data_direction dir, unsigned long attrs,
		  enum dma_debug_type type, const char *func)
{
	if (!M)
		return;
	if (!valid_dma_direction(dir)) {
		dma_bug_report("kernel/dma/mapping.c:172", func);
		return;
	}
	if (!device_known_or_report(dev, addr, size))
		return;
	struct dma_debug_entry *e = check_unmap(dev, type, addr, size, dir, NULL, 0);
	if (!e)
		return;
	if (dev->domain)
		iommu_dma_unmap_page(dev, addr, size, dir, attrs);
	else
		dma_direct_unmap_page(dev, addr, size, dir, attrs);
	free(e);
}

void dma_unmap_page_attrs(struct device *dev, dma_addr_t addr, size_t size, enum dma_data_direction dir,
			  unsigned long attrs)
{
	unmap(dev, addr, size, dir, attrs, dma_debug_page, "dma_unmap_page_attrs");
}

void dma_unmap_single_attrs(struct device *dev, dma_addr_t addr, size_t size, enum dma_data_direction dir,
			    unsigned long attrs)
{
	unmap(dev, addr, size, dir, attrs, dma_debug_single, "dma_unmap_page_attrs");
}

/* The CPU's bytes behind bus address addr of a live streaming mapping of dev (iommu: its own walk) */
static void sync(struct device *dev, dma_addr_t addr, size_t size, enum dma_data_direction dir, bool to_cpu)
{
	if (!M || !device_known(dev))
		return;
	if (!valid_dma_direction(dir)) {
		dma_bug_report("kernel/dma/mapping.c:331", to_cpu ? "dma_sync_single_for_cpu" : "dma_sync_single_for_device");
		return;
	}
	if (!check_sync(dev, addr, size, dir, to_cpu))
		return;
	if (dev->domain)
		return; /* a coherent device behind an IOMMU: nothing to copy */
	if (to_cpu)
		dma_direct_sync_single_for_cpu(dev, addr, size, dir);
	else
		dma_direct_sync_single_for_device(dev, addr, size, dir);
}

void dma_sync_single_for_cpu(struct device *dev, dma_addr_t addr, size_t size, enum dma_data_direction dir)
{
	sync(dev, addr, size, dir, true);
}

void dma_sync_single_for_device(struct device *dev, dma_addr_t addr, size_t size, enum dma_data_direction dir)
{
	sync(dev, addr, size, dir, false);
}

/* ---- scatterlists ---------------------------------------------------------------------------- */

void sg_init_table(struct scatterlist *sgl, unsigned int nents)
{
	if (!sgl || !nents)
		return;
	memset(sgl, 0, nents * sizeof(*sgl));
	sgl[nents - 1].end = true;
}

void sg_set_page(struct scatterlist *sg, struct page *page, unsigned int len, unsigned int offset)
{
	sg->page = page;
	sg->offset = offset;
	sg->length = len;
}

void sg_set_buf(struct scatterlist *sg, const void *buf, unsigned int buflen)
{
	sg_set_page(sg, virt_addr_valid(buf) ? virt_to_page(buf) : NULL, buflen, (unsigned int)((unsigned long)buf & ~PAGE_MASK));
}

/* Every entry of the list is a range of the machine's RAM; nents entries exist before the end mark. */
static bool sg_valid(struct device *dev, struct scatterlist *sgl, int nents)
{
	struct scatterlist *s;
	int i;
	for (i = 0, s = sgl; i < nents; i++) {
		if (!s) {
			err_printk(dev, "kernel/dma/mapping.c:196", "__dma_map_sg_attrs",
				   "the scatterlist ends after %d of %d entries\n", i, nents);
			return false;
		}
		if (!page_known(s->page) || (u64)s->offset + s->length > ~0U ||
		    !phys_range_is_ram(page_to_phys(s->page) + s->offset, s->length)) {
			err_printk(dev, "kernel/dma/debug.c:1199", "check_for_illegal_area",
				   "device driver maps memory from invalid area [addr=%#lx] [len=%u]\n",
				   page_known(s->page) ? (unsigned long)(page_to_phys(s->page) + s->offset) : 0UL, s->length);
			return false;
		}
		if (s->length > dev->max_segment_size)
			err_printk(dev, "kernel/dma/debug.c:1177", "check_sg_segment",
				   "mapping sg segment longer than device claims to support [len=%u] [max=%u]\n", s->length,
				   dev->max_segment_size);
		s = sg_next(s);
	}
	return true;
}

static void dma_direct_unmap_sg(struct device *dev, struct scatterlist *sgl, int nents, enum dma_data_direction dir,
				unsigned long attrs)
{
	struct scatterlist *sg;
	int i;
	for_each_sg(sgl, sg, nents, i)
		dma_direct_unmap_page(dev, sg->dma_address, sg_dma_len(sg), dir, attrs);
}

static int dma_direct_map_sg(struct device *dev, struct scatterlist *sgl, int nents, enum dma_data_direction dir,
			     unsigned long attrs)
{
	struct scatterlist *sg;
	int i;
	for_each_sg(sgl, sg, nents, i) {
		sg->dma_address = dma_direct_map_page(dev, sg->page, sg->offset, sg->length, dir, attrs);
		if (sg->dma_address == DMA_MAPPING_ERROR) {
			dma_direct_unmap_sg(dev, sgl, i, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
			return -EIO;
		}
		sg_dma_len(sg) = sg->length;
	}
	return nents;
}

int dma_map_sg_attrs(struct device *dev, struct scatterlist *sgl, int nents, enum dma_data_direction dir,
		     unsigned long attrs)
{
	if (!M || !device_known(dev))
		return 0;
	if (!valid_dma_direction(dir)) {
		dma_bug_report("kernel/dma/mapping.c:193", "__dma_map_sg_attrs");
		return 0;
	}
	static const char site;
	if (!sgl || nents <= 0) {
		dev_warn_once_report(&site, dev, "kernel/dma/mapping.c:233", "dma_map_sg_attrs", "no entries to map\n");
		return 0;
	}
	if (!sg_valid(dev, sgl, nents))
		return 0;
	int ents = dev->domain ? iommu_dma_map_sg(dev, sgl, nents, dir, attrs) : dma_direct_map_sg(dev, sgl, nents, dir, attrs);
	if (ents <= 0)
		return 0;
	/* debug_dma_map_sg: a record per mapped segment, each knowing both counts */
	struct scatterlist *s;
	int i;
	for_each_sg(sgl, s, ents, i) {
		struct dma_debug_entry *rec = debug_new(dma_debug_sg, s->dma_address, s->dma_length,
							page_to_phys(s->page) + s->offset, dir);
		if (!rec)
			break; /* host memory: the record is lost, the mapping is not */
		rec->sg_call_ents = nents;
		rec->sg_mapped_ents = ents;
		rec->bounced = !dev->domain && is_swiotlb_buffer(s->dma_address);
		debug_add(dev, rec);
	}
	return ents;
}

void dma_unmap_sg_attrs(struct device *dev, struct scatterlist *sgl, int nents, enum dma_data_direction dir,
			unsigned long attrs)
{
	if (!M)
		return;
	if (!valid_dma_direction(dir)) {
		dma_bug_report("kernel/dma/mapping.c:241", "dma_unmap_sg_attrs");
		return;
	}
	if (!device_known(dev) || !sgl || nents <= 0) {
		err_printk(device_known(dev) ? dev : NULL, "kernel/dma/debug.c:973", "check_unmap",
			   "device driver tries to free DMA memory it has not allocated [device address=0x%016llx] "
			   "[size=%llu bytes]\n",
			   sgl ? sgl->dma_address : 0ULL, sgl ? (u64)sgl->dma_length : 0ULL);
		return;
	}
	/* the first segment's record says how many were mapped; each is checked, then all go */
	pthread_mutex_lock(&dma_lock);
	struct dma_debug_entry *first = debug_find(dev, sgl->dma_address);
	int mapped = first && first->type == dma_debug_sg ? first->sg_mapped_ents : 0;
	pthread_mutex_unlock(&dma_lock);
	if (!mapped || mapped > nents) {
		check_unmap(dev, dma_debug_sg, sgl->dma_address, sgl->dma_length, dir, NULL, nents); /* reports */
		return;
	}
	struct dma_debug_entry *taken[mapped];
	struct scatterlist *s = sgl;
	int got = 0;
	for (int i = 0; i < mapped && s; i++, s = sg_next(s)) {
		taken[got] = check_unmap(dev, dma_debug_sg, s->dma_address, s->dma_length, dir, NULL, nents);
		if (!taken[got])
			break;
		got++;
	}
	if (got < mapped) { /* refused: the records taken go back, nothing is unmapped */
		for (int i = 0; i < got; i++)
			debug_add(dev, taken[i]);
		return;
	}
	if (dev->domain)
		iommu_dma_unmap_sg(dev, sgl, mapped, dir, attrs);
	else
		dma_direct_unmap_sg(dev, sgl, mapped, dir, attrs);
	for (int i = 0; i < got; i++)
		free(taken[i]);
}

void dma_sync_sg_for_cpu(struct device *dev, struct scatterlist *sgl, int nelems, enum dma_data_direction dir)
{
	struct scatterlist *s;
	int i;
	if (!sgl || nelems <= 0)
		return;
	for_each_sg(sgl, s, nelems, i) {
		if (!s || !s->dma_length)
			break;
		sync(dev, s->dma_address, s->dma_length, dir, true);
	}
}

void dma_sync_sg_for_device(struct device *dev, struct scatterlist *sgl, int nelems, enum dma_data_direction dir)
{
	struct scatterlist *s;
	int i;
	if (!sgl || nelems <= 0)
		return;
	for_each_sg(sgl, s, nelems, i) {
		if (!s || !s->dma_length)
			break;
		sync(dev, s->dma_address, s->dma_length, dir, false);
	}
}

/* ---- the device's own accesses ----------------------------------------------------------------- */

/*
 * Walk [addr, addr + len) as the device's bus sees it: each page's
 * physical address, through the IOMMU if there is one.  Every page is
 * checked before any byte moves.
 */
static int device_access(struct device *dev, dma_addr_t addr, void *buf, size_t len, bool write)
{
	if (!M || !device_known(dev) || !buf)
		return -EINVAL;
	if (!len)
		return 0;
	if (addr + len - 1 < addr || addr + len - 1 > *dev->dma_mask)
		return -EFAULT; /* the device cannot drive those address lines */
	for (int pass = 0; pass < 2; pass++) {
		size_t done = 0;
		while (done < len) {
			dma_addr_t a = addr + done;
			size_t chunk = min(len - done, (size_t)(PAGE_SIZE - (a & ~PAGE_MASK)));
			phys_addr_t phys = a;
			if (dev->domain && !iommu_iova_to_phys(dev, a, write, &phys))
				return -EFAULT;
			if (!phys_range_is_ram(phys, chunk))
				return -EFAULT;
			if (pass) {
				if (write)
					memcpy(ram_host(phys), (const u8 *)buf + done, chunk);
				else
					memcpy((u8 *)buf + done, ram_host(phys), chunk);
			}
			done += chunk;
		}
	}
	return 0;
}

int kmm_device_read(struct device *dev, dma_addr_t addr, void *buf, size_t len)
{
	return device_access(dev, addr, buf, len, false);
}

int kmm_device_write(struct device *dev, dma_addr_t addr, const void *buf, size_t len)
{
	return device_access(dev, addr, (void *)buf, len, true);
}

/* ---- the machine ------------------------------------------------------------------------------- */

/* The end of boot (pci_iommu_init, then the PCI bus's scan): the IOMMU, the PCI device. */
void dma_init(void)
{
	struct kmm_dma *d = calloc(1, sizeof(*d));
	if (!d)
		return;
	INIT_LIST_HEAD(&d->devices);
	M->dma = d;
	swiotlb_late_init();
	intel_iommu_init();
	if (kmm_device.size) {
		d->pci = device_new("0000:00:02.0", "pci", 32, true);
		if (d->pci)
			list_add_tail(&d->pci->node, &d->devices);
	}
}

void dma_exit(void)
{
	struct kmm_dma *d = dma_state();
	if (d) {
		while (!list_empty(&d->devices)) {
			struct device *dev = list_first_entry(&d->devices, struct device, node);
			list_del(&dev->node);
			dev->domain = NULL; /* iommu_exit frees the domains */
			dmapool_exit_device(dev);
			while (!list_empty(&dev->mappings)) {
				struct dma_debug_entry *e = list_first_entry(&dev->mappings, struct dma_debug_entry, list);
				list_del(&e->list);
				free(e->pages);
				free(e);
			}
			free(dev);
		}
		free(d);
		M->dma = NULL;
	}
	iommu_exit();
	swiotlb_exit();
}

void kmm_dma_stats(struct kmm_dma_stats *st)
{
	memset(st, 0, sizeof(*st));
	struct kmm_dma *d = dma_state();
	if (!d)
		return;
	st->swiotlb_nslabs = swiotlb_nslabs();
	st->swiotlb_used = swiotlb_used();
	st->swiotlb_bounced = swiotlb_bounced();
	st->iommu = iommu_enabled();
	pthread_mutex_lock(&dma_lock);
	st->iommu_pgtable_pages = iommu_pgtable_pages();
	st->iova_pages = iommu_iova_pages();
	struct device *dev;
	list_for_each_entry(dev, &d->devices, node) {
		st->devices++;
		st->mappings += dev->nr_mappings;
	}
	pthread_mutex_unlock(&dma_lock);
}

int dma_verify(char *why, size_t whylen)
{
	struct kmm_dma *d = dma_state();
	if (!d)
		return 0;
	if (swiotlb_verify(why, whylen))
		return -EINVAL;
	pthread_mutex_lock(&dma_lock);
	int ret = iommu_verify(why, whylen);
	unsigned long bounced_slots = 0;
	struct device *dev;
	list_for_each_entry(dev, &d->devices, node) {
		unsigned long n = 0;
		struct dma_debug_entry *e, *f;
		list_for_each_entry(e, &dev->mappings, list) {
			n++;
			if (e->bounced)
				bounced_slots += (unsigned long)DIV_ROUND_UP(e->size, IO_TLB_SIZE);
			list_for_each_entry(f, &dev->mappings, list)
				if (f != e && f->dev_addr == e->dev_addr && ret == 0) {
					snprintf(why, whylen, "device %s: two DMA mappings at bus address %#llx", dev->name,
						 e->dev_addr);
					ret = -EINVAL;
				}
		}
		if (n != dev->nr_mappings && !ret) {
			snprintf(why, whylen, "device %s counts %lu DMA mappings and holds %lu", dev->name, dev->nr_mappings, n);
			ret = -EINVAL;
		}
	}
	if (!ret && bounced_slots != swiotlb_used()) {
		snprintf(why, whylen, "the live bounced mappings hold %lu swiotlb slots, %lu are in use", bounced_slots,
			 swiotlb_used());
		ret = -EINVAL;
	}
	pthread_mutex_unlock(&dma_lock);
	return ret;
}

int dma_nothing_lost(char *why, size_t whylen)
{
	struct kmm_dma_stats st;
	kmm_dma_stats(&st);
	if (st.mappings)
		snprintf(why, whylen, "%lu DMA mappings or coherent buffers are still live", st.mappings);
	else if (st.swiotlb_used)
		snprintf(why, whylen, "%lu swiotlb slots are still in use", st.swiotlb_used);
	else if (st.iova_pages)
		snprintf(why, whylen, "%lu IOVA pages are still allocated", st.iova_pages);
	else
		return 0;
	return -EINVAL;
}
