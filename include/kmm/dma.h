/*
 * kmm/dma.h - devices that do DMA, and Linux 6.1's DMA API for them
 * (include/linux/dma-mapping.h, dmapool.h, scatterlist.h).
 *
 * A device sees memory through bus addresses (dma_addr_t).  Without an
 * IOMMU the bus address is the physical address, and the device reaches
 * only what its mask covers (24 bits: the first 16 MiB, ZONE_DMA; 32 bits:
 * the first 4 GiB).  With intel_iommu=on each device gets a domain of its
 * own, and a bus address is an IOVA that the domain's IO page table
 * translates to scattered pages.
 *
 *	struct device *dev = kmm_device_create("nic", 32);
 *	dma_addr_t bus;
 *	void *ring = dma_alloc_coherent(dev, 8192, &bus, GFP_KERNEL);
 *	dma_addr_t h = dma_map_single(dev, buf, len, DMA_TO_DEVICE);
 *	if (dma_mapping_error(dev, h)) ...
 *	kmm_device_read(dev, h, copy, len);     what the device sees
 *	dma_unmap_single(dev, h, len, DMA_TO_DEVICE);
 *	dma_free_coherent(dev, 8192, ring, bus);
 *	kmm_device_destroy(dev);
 *
 * Streaming mappings of memory the device cannot reach bounce through the
 * software IO TLB (swiotlb): the bytes are copied to a buffer below 4 GiB
 * on map (DMA_TO_DEVICE, DMA_BIDIRECTIONAL) and back on unmap or
 * dma_sync_*_for_cpu (DMA_FROM_DEVICE, DMA_BIDIRECTIONAL).
 *
 * Misuse is checked as CONFIG_DMA_API_DEBUG checks it (unmapping what was
 * never mapped, with another size or direction, freeing twice): reported
 * in its words ("DMA-API: ...") and refused, so nothing changes.
 */
#ifndef KMM_DMA_H
#define KMM_DMA_H

#include <errno.h>

#include <kmm/gfp.h>
#include <kmm/mm_types.h>
#include <kmm/types.h>

typedef u64 dma_addr_t;

#define DMA_MAPPING_ERROR (~(dma_addr_t)0)
#define DMA_BIT_MASK(n) (((n) == 64) ? ~0ULL : ((1ULL << (n)) - 1))

enum dma_data_direction {
	DMA_BIDIRECTIONAL = 0,
	DMA_TO_DEVICE = 1,
	DMA_FROM_DEVICE = 2,
	DMA_NONE = 3,
};

/* dma_alloc_attrs / dma_map_*_attrs attributes (include/linux/dma-mapping.h) */
#define DMA_ATTR_FORCE_CONTIGUOUS (1UL << 4) /* IOMMU: one physically contiguous block, not scattered pages */
#define DMA_ATTR_SKIP_CPU_SYNC (1UL << 5)    /* no bounce copy on map/unmap (the caller syncs) */
#define DMA_ATTR_NO_WARN (1UL << 8)          /* no "swiotlb buffer is full" message */

struct dma_iommu_domain;
struct dma_debug_entry;

/*
 * A device (Linux's struct device, the part DMA uses).
 * dma_mask points at dma_mask_store, as a PCI device's points at its own
 * pci_dev field; bus_dma_limit 0 means none.
 */
struct device {
	char name[32];                 /* dev_name(): "0000:00:02.0", or kmm_device_create's */
	const char *driver;            /* dev_driver_string(): "pci", "kmm" */
	u64 *dma_mask;                 /* streaming mappings: the highest bus address it can use */
	u64 coherent_dma_mask;         /* dma_alloc_coherent: the same for coherent buffers */
	u64 bus_dma_limit;             /* the bus's own limit (0: none) */
	u64 dma_mask_store;            /* what dma_mask points at */
	unsigned int max_segment_size; /* dma_get_max_seg_size(): 64 KiB without dma_parms */
	unsigned long seg_boundary_mask; /* a segment never crosses a multiple of mask + 1 */
	int numa_node;
	bool pci;                      /* the machine's simulated PCI device (not destroyable) */
	struct dma_iommu_domain *domain; /* intel_iommu=on: its DMA domain; NULL: direct mapping */
	struct list_head dma_pools;    /* its dma_pools (mm/dmapool.c) */
	struct list_head mappings;     /* dma-debug: every live mapping and coherent buffer */
	unsigned long nr_mappings;     /* ... how many */
	struct list_head node;         /* on the machine's device list */
};

/*
 * Devices.  kmm_device_create(name, bits): a PCI-like device whose driver
 * called dma_set_mask_and_coherent(DMA_BIT_MASK(bits)), 8..64 bits; NULL
 * for a bad name or width.  kmm_device_destroy refuses (-EBUSY, with the
 * count) while mappings, coherent buffers or pools are left.  The machine's
 * own simulated PCI device, 0000:00:02.0 (a 32-bit DMA mask), is
 * kmm_pci_device().
 */
struct device *kmm_device_create(const char *name, int mask_bits);
int kmm_device_destroy(struct device *dev);
struct device *kmm_pci_device(void);
struct device *kmm_device_find(const char *name);

int dma_set_mask(struct device *dev, u64 mask);          /* 0, or -EIO if memory could not be reached */
int dma_set_coherent_mask(struct device *dev, u64 mask);
int dma_set_mask_and_coherent(struct device *dev, u64 mask);
u64 dma_get_required_mask(struct device *dev);

/*
 * The device's own accesses: it reads or writes len bytes at bus address
 * addr, through its IOMMU domain if it has one.  0; -EFAULT if any byte is
 * out of its reach (above its mask, not RAM, or no IOMMU mapping: a DMAR
 * fault is logged), and then nothing was copied.
 */
int kmm_device_read(struct device *dev, dma_addr_t addr, void *buf, size_t len);
int kmm_device_write(struct device *dev, dma_addr_t addr, const void *buf, size_t len);

/* ---- coherent buffers (kernel/dma/mapping.c, direct.c) ---- */

void *dma_alloc_attrs(struct device *dev, size_t size, dma_addr_t *dma_handle, gfp_t gfp, unsigned long attrs);
void dma_free_attrs(struct device *dev, size_t size, void *cpu_addr, dma_addr_t dma_handle, unsigned long attrs);
static inline void *dma_alloc_coherent(struct device *dev, size_t size, dma_addr_t *dma_handle, gfp_t gfp)
{
	return dma_alloc_attrs(dev, size, dma_handle, gfp, 0);
}
static inline void dma_free_coherent(struct device *dev, size_t size, void *cpu_addr, dma_addr_t dma_handle)
{
	dma_free_attrs(dev, size, cpu_addr, dma_handle, 0);
}

/* ---- streaming mappings ---- */

dma_addr_t dma_map_page_attrs(struct device *dev, struct page *page, size_t offset, size_t size,
			      enum dma_data_direction dir, unsigned long attrs);
void dma_unmap_page_attrs(struct device *dev, dma_addr_t addr, size_t size, enum dma_data_direction dir,
			  unsigned long attrs);
/* ptr: a direct-map address (kmalloc, page_address of lowmem); a vmalloc address is refused */
dma_addr_t dma_map_single_attrs(struct device *dev, void *ptr, size_t size, enum dma_data_direction dir,
				unsigned long attrs);
void dma_unmap_single_attrs(struct device *dev, dma_addr_t addr, size_t size, enum dma_data_direction dir,
			    unsigned long attrs);
#define dma_map_page(d, p, o, s, r) dma_map_page_attrs(d, p, o, s, r, 0)
#define dma_unmap_page(d, a, s, r) dma_unmap_page_attrs(d, a, s, r, 0)
#define dma_map_single(d, a, s, r) dma_map_single_attrs(d, a, s, r, 0)
#define dma_unmap_single(d, a, s, r) dma_unmap_single_attrs(d, a, s, r, 0)
static inline int dma_mapping_error(struct device *dev, dma_addr_t dma_addr)
{
	(void)dev;
	return dma_addr == DMA_MAPPING_ERROR ? -ENOMEM : 0;
}

void dma_sync_single_for_cpu(struct device *dev, dma_addr_t addr, size_t size, enum dma_data_direction dir);
void dma_sync_single_for_device(struct device *dev, dma_addr_t addr, size_t size, enum dma_data_direction dir);

/*
 * Scatterlists: an array of entries the caller owns (no chaining), the
 * last one marked; sg_dma_address/sg_dma_len are the mapped segments,
 * fewer than the entries when an IOMMU merged them.
 */
struct scatterlist {
	struct page *page;             /* the first page of the entry */
	unsigned int offset;           /* where the bytes start in it */
	unsigned int length;           /* how many (they may run over following pages) */
	dma_addr_t dma_address;        /* after dma_map_sg: the segment's bus address */
	unsigned int dma_length;       /* ... and length */
	bool end;                      /* sg_mark_end: the last entry */
};
void sg_init_table(struct scatterlist *sgl, unsigned int nents);
void sg_set_page(struct scatterlist *sg, struct page *page, unsigned int len, unsigned int offset);
void sg_set_buf(struct scatterlist *sg, const void *buf, unsigned int buflen);
static inline struct scatterlist *sg_next(struct scatterlist *sg) { return sg->end ? NULL : sg + 1; }
static inline struct page *sg_page(struct scatterlist *sg) { return sg->page; }
#define sg_dma_address(sg) ((sg)->dma_address)
#define sg_dma_len(sg) ((sg)->dma_length)
#define for_each_sg(sglist, sg, nr, __i) for (__i = 0, sg = (sglist); __i < (nr); __i++, sg = sg_next(sg))

/* the number of mapped segments (<= nents), 0 on failure (nothing left mapped) */
int dma_map_sg_attrs(struct device *dev, struct scatterlist *sg, int nents, enum dma_data_direction dir,
		     unsigned long attrs);
/* nents: what was passed to dma_map_sg, not what it returned */
void dma_unmap_sg_attrs(struct device *dev, struct scatterlist *sg, int nents, enum dma_data_direction dir,
			unsigned long attrs);
#define dma_map_sg(d, s, n, r) dma_map_sg_attrs(d, s, n, r, 0)
#define dma_unmap_sg(d, s, n, r) dma_unmap_sg_attrs(d, s, n, r, 0)
void dma_sync_sg_for_cpu(struct device *dev, struct scatterlist *sg, int nelems, enum dma_data_direction dir);
void dma_sync_sg_for_device(struct device *dev, struct scatterlist *sg, int nelems, enum dma_data_direction dir);

/* ---- DMA pools (mm/dmapool.c): small coherent blocks carved from pages ---- */

struct dma_pool;
/* size, align (a power of two, 0: 1) and boundary (0 or a power of two >= size); NULL when refused */
struct dma_pool *dma_pool_create(const char *name, struct device *dev, size_t size, size_t align, size_t boundary);
void dma_pool_destroy(struct dma_pool *pool);
void *dma_pool_alloc(struct dma_pool *pool, gfp_t mem_flags, dma_addr_t *handle);
void *dma_pool_zalloc(struct dma_pool *pool, gfp_t mem_flags, dma_addr_t *handle);
void dma_pool_free(struct dma_pool *pool, void *vaddr, dma_addr_t dma);

/* ---- the machine's DMA state, for tests and views ---- */

struct kmm_dma_stats {
	unsigned long swiotlb_nslabs;  /* IO TLB slots of 2 KiB (0: no swiotlb) */
	unsigned long swiotlb_used;    /* ... in use */
	unsigned long swiotlb_bounced; /* mappings that bounced since boot */
	unsigned long mappings;        /* live streaming mappings and coherent buffers, every device */
	unsigned long devices;
	bool iommu;                    /* intel_iommu=on */
	unsigned long iommu_pgtable_pages; /* IO page-table pages of every domain */
	unsigned long iova_pages;      /* IOVA pages allocated in every domain */
};
void kmm_dma_stats(struct kmm_dma_stats *st);

#endif /* KMM_DMA_H */
