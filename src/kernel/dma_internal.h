/*
 * kernel/dma_internal.h - what the DMA files share (private): the mapping
 * core (kernel/dma.c) with the software IO TLB (kernel/swiotlb.c), the
 * IOMMU (kernel/iommu.c) and the pools (mm/dmapool.c).
 *
 *   dma.c        devices, dma_alloc_attrs/dma_map_* (mapping.c), dma-direct
 *                (direct.c), the dma-debug records every mapping leaves
 *   swiotlb.c    the bounce buffer: slots, areas, copies
 *   iommu.c      intel_iommu=on: a domain per device, its IOVA allocator
 *                and IO page table, and the dma-iommu ops
 *   dmapool.c    small coherent blocks carved from dma_alloc_coherent pages
 *
 * Locks: dma_lock (dma.c) guards the device list and every device's
 * dma-debug records; each swiotlb area has its own lock, each IOMMU domain
 * its own.  Order: dma_lock, then a domain's or an area's lock, then the
 * zone locks the page allocator takes.
 */
#ifndef KMM_KERNEL_DMA_INTERNAL_H
#define KMM_KERNEL_DMA_INTERNAL_H

#include "internal.h"

#include <pthread.h>

#include <kmm/dma.h>

#ifndef PAGE_ALIGN
#define PAGE_ALIGN(x) ALIGN((unsigned long)(x), PAGE_SIZE) /* 0 for sizes within a page of ULONG_MAX */
#endif

#ifndef list_for_each_entry
#define list_for_each_entry(pos, head, member)                                       \
	for (pos = list_entry((head)->next, __typeof__(*pos), member); &pos->member != (head); \
	     pos = list_entry(pos->member.next, __typeof__(*pos), member))
#endif

/* ---- messages in the kernel's form: "pci 0000:00:02.0: ..." ---- */

/* dev_printk: "<driver> <name>: <text>" at a log level */
void dev_printk(const char *level, const struct device *dev, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * dev_WARN_ONCE's report (once per call site and machine): the cut line,
 * "<driver> <name>: <text>", "WARNING: ... at where func", the stack.
 * Counts a DMA bug.  Returns true if it printed.
 */
bool dev_warn_once_report(const void *site, const struct device *dev, const char *where, const char *func,
			  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* "kernel BUG at where!" for a BUG_ON that kmm refuses instead of stopping the machine; counts a DMA bug */
void dma_bug_report(const char *where, const char *func);

static inline bool valid_dma_direction(int dir)
{
	return dir == DMA_BIDIRECTIONAL || dir == DMA_TO_DEVICE || dir == DMA_FROM_DEVICE;
}

static inline u64 min_not_zero(u64 a, u64 b)
{
	return a == 0 ? b : b == 0 ? a : min(a, b);
}

/* dma_capable (include/linux/dma-direct.h): can dev reach [addr, addr + size) on its own? */
static inline bool dma_capable(const struct device *dev, dma_addr_t addr, size_t size)
{
	dma_addr_t end = addr + size - 1; /* size 0: addr - 1, as Linux computes it */
	if (addr == DMA_MAPPING_ERROR || (size && end < addr))
		return false;
	return end <= min_not_zero(*dev->dma_mask, dev->bus_dma_limit);
}

/* the page allocator can give what lies below 4 GiB in this zone (x86: GFP_DMA32 has no zone on 32-bit) */
#define ZONE_DMA_BITS 24

/* ---- the software IO TLB (kernel/swiotlb.c) ---- */

#define IO_TLB_SHIFT 11
#define IO_TLB_SIZE (1UL << IO_TLB_SHIFT)
#define IO_TLB_SEGSIZE 128
#define IO_TLB_DEFAULT_SIZE (64ULL << 20)

int setup_io_tlb_npages(const char *val, char *err, size_t errlen); /* swiotlb=N[,AREAS][,force|noforce] */
void swiotlb_init(void);            /* mem_init's pci_iommu_alloc(): the buffer from memblock */
void swiotlb_late_init(void);       /* after the slab allocator: its areas' locks, its slots made free */
void swiotlb_exit(void);
bool is_swiotlb_active(void);
bool is_swiotlb_force_bounce(void);
bool is_swiotlb_buffer(phys_addr_t paddr);
/* map size bytes at paddr through a bounce buffer: its bus address, or DMA_MAPPING_ERROR */
dma_addr_t swiotlb_map(struct device *dev, phys_addr_t paddr, size_t size, enum dma_data_direction dir,
		       unsigned long attrs);
void swiotlb_tbl_unmap_single(struct device *dev, phys_addr_t tlb_addr, size_t size, enum dma_data_direction dir,
			      unsigned long attrs);
void swiotlb_sync_single_for_device(struct device *dev, phys_addr_t tlb_addr, size_t size,
				    enum dma_data_direction dir);
void swiotlb_sync_single_for_cpu(struct device *dev, phys_addr_t tlb_addr, size_t size, enum dma_data_direction dir);
size_t swiotlb_max_mapping_size(struct device *dev);
unsigned long swiotlb_nslabs(void);
unsigned long swiotlb_used(void);
unsigned long swiotlb_bounced(void);
int swiotlb_verify(char *why, size_t whylen);

/* ---- the IOMMU (kernel/iommu.c) ---- */

int setup_intel_iommu(const char *val, char *err, size_t errlen); /* intel_iommu=on|off */
bool iommu_enabled(void);
void intel_iommu_init(void);        /* pci_iommu_init(): "DMAR: IOMMU enabled" */
int iommu_attach_device(struct device *dev);   /* a DMA domain of its own; 0 or -ENOMEM */
void iommu_detach_device(struct device *dev);  /* the domain goes (its IOVAs must be free) */
void *iommu_dma_alloc(struct device *dev, size_t size, dma_addr_t *handle, gfp_t gfp, unsigned long attrs,
		      struct page ***pages, unsigned int *npages);
void iommu_dma_free(struct device *dev, size_t size, void *cpu_addr, dma_addr_t handle, struct page **pages,
		    unsigned int npages);
dma_addr_t iommu_dma_map_page(struct device *dev, struct page *page, unsigned long offset, size_t size,
			      enum dma_data_direction dir, unsigned long attrs);
void iommu_dma_unmap_page(struct device *dev, dma_addr_t handle, size_t size, enum dma_data_direction dir,
			  unsigned long attrs);
int iommu_dma_map_sg(struct device *dev, struct scatterlist *sg, int nents, enum dma_data_direction dir,
		     unsigned long attrs);
void iommu_dma_unmap_sg(struct device *dev, struct scatterlist *sg, int nents, enum dma_data_direction dir,
			unsigned long attrs);
/* the physical address behind a bus address of dev's domain (for the device's own access); false: a fault */
bool iommu_iova_to_phys(struct device *dev, dma_addr_t iova, bool write, phys_addr_t *phys);
unsigned long iommu_pgtable_pages(void);
unsigned long iommu_iova_pages(void);
int iommu_verify(char *why, size_t whylen);
void iommu_exit(void);                /* shutdown: the domains' host structures */

/* ---- dma.c for the others ---- */

extern pthread_mutex_t dma_lock;
void dma_init(void);                /* the end of boot: the PCI device, and its IOMMU domain */
void dma_exit(void);
int dma_verify(char *why, size_t whylen);
int dma_nothing_lost(char *why, size_t whylen);
bool dma_pool_registered(const struct list_head *pool_node); /* is it on some device's dma_pools? */
void dmapool_exit_device(struct device *dev);  /* mm/dmapool.c: shutdown, the pools' host memory */

#endif /* KMM_KERNEL_DMA_INTERNAL_H */
