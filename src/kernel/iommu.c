/*
 * iommu.c - a simple IOMMU in the manner of Intel VT-d (intel_iommu=on),
 * with the IOVA allocator of drivers/iommu/iova.c and the DMA ops of
 * drivers/iommu/dma-iommu.c, as Linux 6.1 has them.
 *
 * Vocabulary.  With the IOMMU on, every device is attached to a DMA
 * domain of its own.  A domain has an IO virtual address space (IOVA)
 * and an IO page table that translates it to physical pages: so a device
 * gets contiguous bus addresses over scattered pages, and reaches any page
 * whatever its mask (the mask bounds the IOVAs instead).
 *
 *   the IO page table (VT-d second level, 4 levels of 512 8-byte entries,
 *   48-bit IOVA; pages from the buddy allocator, GFP_ATOMIC | __GFP_ZERO):
 *
 *   IOVA  | 47..39 | 38..30 | 29..21 | 20..12 | 11..0 |
 *            pgd  ->  pud  ->  pmd  ->  pte  -> page
 *   entry: physical address (bits 12..51) | W (bit 1) | R (bit 0)
 *
 * The IOVA allocator hands out page ranges top-down below the limit the
 * device's mask sets, each aligned to the power of two that holds it
 * (alloc_iova's size_aligned), sizes under 32 pages rounded up to a power
 * of two (so they could go back to the per-CPU caches); a PCI device with
 * a mask above 32 bits tries below 4 GiB first (a single address cycle).
 * The ranges a device must never use - the interrupt window
 * 0xfee00000-0xfeefffff and the PCI BAR - are reserved in every domain.
 * Ranges are kept in a list, highest first (Linux: an rbtree).
 *
 * dma_map_sg over an IOMMU takes one IOVA range for the whole list: each
 * entry's pages padded to whole IO pages and laid end to end, then the
 * segments that meet on a page boundary are merged (__finalise_sg), up to
 * the device's maximum segment size.  dma_alloc_coherent takes scattered
 * pages (the highest order that fits, down to single pages, HighMem
 * allowed), maps them at one IOVA and one vmap address.
 *
 * A device's own access (kmm_device_read/write) walks the table; a
 * missing or read-only entry is a DMAR fault, logged as VT-d logs it.
 *
 * Invariants (iommu_verify): a domain's ranges are disjoint and sorted,
 * nr_iova_pages is the sum of its non-reserved ranges, pgtable_pages the
 * table pages reachable from its pgd.  Unmapping frees every table page
 * that becomes empty, so a domain with no IOVA holds only its pgd.
 *
 * Locks: dma_lock (kernel/dma.c) guards the list of domains (attach and
 * detach run under it); each domain's lock guards its IOVAs and table,
 * taken after dma_lock.  Both may be held across the page allocator, which
 * never calls back into DMA code.
 *
 * Not done: the flush queue and IOVA caches of lazy mode (kmm frees IOVAs
 * at once: strict mode), superpages, identity domains, interrupt
 * remapping, the DMAR tables, several IOMMU units.
 */
#include "kernel/dma_internal.h"
#include "sim/ram.h"

#include <kmm/vmalloc.h>

#define VTD_PAGE_SHIFT 12
#define VTD_LEVELS 4
#define DMA_PTE_READ 1ULL
#define DMA_PTE_WRITE 2ULL
#define DMA_PTE_ADDR 0x000ffffffffff000ULL
#define IOVA_START_PFN 1UL
#define IOVA_RANGE_CACHE_MAX_SIZE 6
#define IOAPIC_RANGE_START 0xfee00000ULL
#define IOAPIC_RANGE_END 0xfeefffffULL
#define APERTURE_END ((1ULL << 48) - 1)

struct iova {
	struct list_head list;         /* on the domain's iovas, highest first */
	unsigned long pfn_lo, pfn_hi;  /* [pfn_lo, pfn_hi] */
	bool reserved;                 /* reserve_iova: never handed out */
};

struct dma_iommu_domain {
	pthread_mutex_t lock;
	phys_addr_t pgd;               /* the top table */
	struct list_head iovas;
	unsigned long nr_iova_pages;   /* Σ non-reserved ranges */
	unsigned long pgtable_pages;   /* table pages, the pgd included */
	int devfn;                     /* the device's slot on bus 0, for fault reports */
	struct list_head node;         /* on the IOMMU's domain list */
};

struct kmm_iommu {
	struct list_head domains;
	int next_devfn;
	phys_addr_t root, context;     /* the root table and bus 0's context table */
};

int setup_intel_iommu(const char *val, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	/* intel_iommu=on[,...] / off: the first word decides, the others (sm_on, igfx_off ...) change nothing here */
	if (val && !strncmp(val, "on", 2) && (!val[2] || val[2] == ',')) {
		M->intel_iommu = 1;
		pr_info("DMAR: IOMMU enabled\n");
	} else if (val && !strncmp(val, "off", 3) && (!val[3] || val[3] == ',')) {
		M->intel_iommu = 0;
		pr_info("DMAR: IOMMU disabled\n");
	}
	return 0;
}

bool iommu_enabled(void)
{
	return M && M->iommu;
}

/* A domain's counters change under its lock; the totals read them under dma_lock only: whole stores */
static void counter_add(unsigned long *c, long n)
{
	__atomic_store_n(c, *c + (unsigned long)n, __ATOMIC_RELAXED);
}

static phys_addr_t alloc_pgtable_page(void)
{
	struct page *page = alloc_pages(GFP_ATOMIC | __GFP_ZERO, 0);
	return page ? page_to_phys(page) : 0;
}

static void free_pgtable_page(phys_addr_t pa)
{
	__free_pages(pfn_to_page(PHYS_PFN(pa)), 0);
}

static u64 *pte_at(phys_addr_t table, unsigned idx)
{
	return (u64 *)ram_host(table + (phys_addr_t)idx * 8);
}

static unsigned level_index(u64 iova, int level)
{
	return (unsigned)((iova >> (VTD_PAGE_SHIFT + 9 * (level - 1))) & 511);
}

/* pci_iommu_init() -> intel_iommu_init(): the root and context tables, the default domain type */
void intel_iommu_init(void)
{
	if (!M->intel_iommu)
		return;
	struct kmm_iommu *io = calloc(1, sizeof(*io));
	if (!io)
		return;
	INIT_LIST_HEAD(&io->domains);
	io->next_devfn = 2 << 3; /* 00:02.0 first */
	io->root = alloc_pgtable_page();
	io->context = alloc_pgtable_page();
	if (!io->root || !io->context) {
		pr_err("DMAR: dmar0: can't allocate root entry\n");
		if (io->root)
			free_pgtable_page(io->root);
		free(io);
		return;
	}
	*pte_at(io->root, 0) = io->context | 1; /* bus 0's context table, present */
	M->iommu = io;
	pr_info("iommu: Default domain type: Translated \n");
	pr_info("iommu: DMA domain TLB invalidation policy: strict mode \n");
	pr_info("DMAR: Intel(R) Virtualization Technology for Directed I/O\n");
}

/* ---- IOVAs (drivers/iommu/iova.c) ---------------------------------------------------------- */

static int fls_long(unsigned long x)
{
	return x ? 64 - __builtin_clzl(x) : 0;
}

/* Put r on d's list in order; d->lock held. */
static void iova_insert(struct dma_iommu_domain *d, struct iova *r)
{
	struct list_head *pos = &d->iovas;
	struct iova *cur;
	list_for_each_entry(cur, &d->iovas, list)
		if (cur->pfn_lo < r->pfn_lo) {
			pos = &cur->list;
			break;
		}
	/* before pos (the first lower range), or at the tail */
	list_add_tail(&r->list, pos);
	if (!r->reserved)
		counter_add(&d->nr_iova_pages, (long)(r->pfn_hi - r->pfn_lo + 1));
}

/*
 * __alloc_and_insert_iova_range: the highest aligned range of size pages
 * that ends below limit_pfn (exclusive) and starts at IOVA_START_PFN or
 * above; 0 if none.  d->lock held.
 */
static unsigned long alloc_iova(struct dma_iommu_domain *d, unsigned long size, unsigned long limit_pfn)
{
	unsigned long align_mask = ~0UL << fls_long(size - 1);
	unsigned long high = limit_pfn, new_pfn = 0;
	bool fits = false;
	struct iova *cur;
	if (!size || size > limit_pfn)
		return 0;
	list_for_each_entry(cur, &d->iovas, list) {
		if (cur->pfn_lo >= high)
			continue; /* entirely above the window */
		if (high < size)
			return 0;
		new_pfn = (high - size) & align_mask;
		if (new_pfn > cur->pfn_hi) { /* the gap between cur and high holds it */
			fits = true;
			break;
		}
		high = min(high, cur->pfn_lo);
	}
	if (!fits) { /* below every range */
		if (high < size)
			return 0;
		new_pfn = (high - size) & align_mask;
	}
	if (new_pfn < IOVA_START_PFN)
		return 0;
	struct iova *r = calloc(1, sizeof(*r));
	if (!r)
		return 0;
	r->pfn_lo = new_pfn;
	r->pfn_hi = new_pfn + size - 1;
	iova_insert(d, r);
	return new_pfn;
}

/* free_iova: the range holding pfn goes; false if no range holds it.  d->lock held. */
static bool free_iova(struct dma_iommu_domain *d, unsigned long pfn)
{
	struct iova *cur;
	list_for_each_entry(cur, &d->iovas, list)
		if (!cur->reserved && pfn >= cur->pfn_lo && pfn <= cur->pfn_hi) {
			list_del(&cur->list);
			counter_add(&d->nr_iova_pages, -(long)(cur->pfn_hi - cur->pfn_lo + 1));
			free(cur);
			return true;
		}
	return false;
}

static void reserve_iova(struct dma_iommu_domain *d, u64 start, u64 end)
{
	struct iova *r = calloc(1, sizeof(*r));
	if (!r)
		return;
	r->pfn_lo = (unsigned long)(start >> VTD_PAGE_SHIFT);
	r->pfn_hi = (unsigned long)(end >> VTD_PAGE_SHIFT);
	r->reserved = true;
	iova_insert(d, r);
}

/* iommu_dma_alloc_iova: size bytes (IO-page aligned) below dma_limit; 0 if none */
static dma_addr_t iommu_dma_alloc_iova(struct device *dev, size_t size, u64 dma_limit)
{
	struct dma_iommu_domain *d = dev->domain;
	unsigned long iova_len = size >> VTD_PAGE_SHIFT, pfn = 0;
	if (iova_len < (1UL << (IOVA_RANGE_CACHE_MAX_SIZE - 1))) {
		unsigned long p = 1;
		while (p < iova_len)
			p <<= 1;
		iova_len = p;
	}
	dma_limit = min_not_zero(dma_limit, dev->bus_dma_limit);
	dma_limit = min(dma_limit, (u64)APERTURE_END);
	pthread_mutex_lock(&d->lock);
	if (dma_limit > DMA_BIT_MASK(32)) /* try to get PCI devices a SAC address */
		pfn = alloc_iova(d, iova_len, (unsigned long)(DMA_BIT_MASK(32) >> VTD_PAGE_SHIFT) + 1);
	if (!pfn)
		pfn = alloc_iova(d, iova_len, (unsigned long)(dma_limit >> VTD_PAGE_SHIFT) + 1);
	pthread_mutex_unlock(&d->lock);
	return (dma_addr_t)pfn << VTD_PAGE_SHIFT;
}

/* ---- the IO page table ------------------------------------------------------------------------ */

/* The leaf entry for iova, tables made on the way if alloc; NULL if absent (or no memory). d->lock held. */
static u64 *pfn_to_dma_pte(struct dma_iommu_domain *d, u64 iova, bool alloc)
{
	phys_addr_t table = d->pgd;
	for (int level = VTD_LEVELS; level > 1; level--) {
		u64 *e = pte_at(table, level_index(iova, level));
		if (!(*e & (DMA_PTE_READ | DMA_PTE_WRITE))) {
			if (!alloc)
				return NULL;
			phys_addr_t next = alloc_pgtable_page();
			if (!next)
				return NULL;
			counter_add(&d->pgtable_pages, 1);
			*e = next | DMA_PTE_READ | DMA_PTE_WRITE;
		}
		table = *e & DMA_PTE_ADDR;
	}
	return pte_at(table, level_index(iova, 1));
}

static bool table_empty(phys_addr_t table)
{
	for (unsigned i = 0; i < 512; i++)
		if (*pte_at(table, i))
			return false;
	return true;
}

/* Free the tables under entry e (at level) that hold nothing now; true if the table e points to went. */
static bool prune(struct dma_iommu_domain *d, u64 *e, int level, u64 iova)
{
	if (level == 1 || !(*e & (DMA_PTE_READ | DMA_PTE_WRITE)))
		return false;
	phys_addr_t table = *e & DMA_PTE_ADDR;
	prune(d, pte_at(table, level_index(iova, level - 1)), level - 1, iova);
	if (!table_empty(table))
		return false;
	*e = 0;
	free_pgtable_page(table);
	counter_add(&d->pgtable_pages, -1);
	return true;
}

static void domain_unmap(struct dma_iommu_domain *d, u64 iova, size_t size)
{
	for (u64 a = iova; a < iova + size; a += PAGE_SIZE) {
		u64 *pte = pfn_to_dma_pte(d, a, false);
		if (pte)
			*pte = 0;
	}
	/* dma_pte_free_pagetable: the tables the range emptied */
	for (u64 a = iova; a < iova + size; a += PAGE_SIZE)
		prune(d, pte_at(d->pgd, level_index(a, VTD_LEVELS)), VTD_LEVELS, a);
}

/* iommu_map: [iova, iova + size) onto [phys, ...); -ENOMEM with nothing mapped.  d->lock held. */
static int domain_map(struct dma_iommu_domain *d, u64 iova, phys_addr_t phys, size_t size, u64 prot)
{
	for (size_t off = 0; off < size; off += PAGE_SIZE) {
		u64 *pte = pfn_to_dma_pte(d, iova + off, true);
		if (!pte) {
			/* what was mapped, and the tables made on the way to the failed entry */
			domain_unmap(d, iova, off + PAGE_SIZE);
			return -ENOMEM;
		}
		*pte = ((phys + off) & DMA_PTE_ADDR) | prot;
	}
	return 0;
}

static u64 dir_to_prot(enum dma_data_direction dir)
{
	switch (dir) {
	case DMA_TO_DEVICE: return DMA_PTE_READ;
	case DMA_FROM_DEVICE: return DMA_PTE_WRITE;
	default: return DMA_PTE_READ | DMA_PTE_WRITE;
	}
}

/* ---- domains ---------------------------------------------------------------------------------- */

int iommu_attach_device(struct device *dev)
{
	struct kmm_iommu *io = M->iommu;
	struct dma_iommu_domain *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->pgd = alloc_pgtable_page();
	if (!d->pgd) {
		free(d);
		return -ENOMEM;
	}
	d->pgtable_pages = 1;
	pthread_mutex_init(&d->lock, NULL);
	INIT_LIST_HEAD(&d->iovas);
	d->devfn = io->next_devfn;
	io->next_devfn = (io->next_devfn + 8) & 0xff;
	/* dmar_init_reserved_ranges: the interrupt window and the PCI BARs are never IOVAs */
	reserve_iova(d, IOAPIC_RANGE_START, IOAPIC_RANGE_END);
	if (kmm_device.size)
		reserve_iova(d, kmm_device.base, kmm_device.base + kmm_device.size - 1);
	/* the context entry of its devfn points at the domain */
	*pte_at(io->context, (unsigned)d->devfn * 2) = d->pgd | 1;
	list_add_tail(&d->node, &io->domains);
	dev->domain = d;
	dev_printk(KERN_INFO, dev, "Adding to iommu group %d\n", d->devfn >> 3);
	return 0;
}

void iommu_detach_device(struct device *dev)
{
	struct dma_iommu_domain *d = dev->domain;
	if (!d)
		return;
	*pte_at(M->iommu->context, (unsigned)d->devfn * 2) = 0;
	while (!list_empty(&d->iovas)) {
		struct iova *r = list_first_entry(&d->iovas, struct iova, list);
		MM_WARN_ON(!r->reserved); /* kmm_device_destroy refuses a device with mappings */
		list_del(&r->list);
		free(r);
	}
	free_pgtable_page(d->pgd);
	list_del(&d->node);
	pthread_mutex_destroy(&d->lock);
	free(d);
	dev->domain = NULL;
}

/* ---- the DMA ops (drivers/iommu/dma-iommu.c) -------------------------------------------------- */

static size_t iova_align(size_t size)
{
	return ALIGN(size, PAGE_SIZE);
}

/* __iommu_dma_map: phys..phys + size at a new IOVA; its bus address or DMA_MAPPING_ERROR */
static dma_addr_t __iommu_dma_map(struct device *dev, phys_addr_t phys, size_t size, u64 prot, u64 dma_mask)
{
	struct dma_iommu_domain *d = dev->domain;
	size_t iova_off = phys & ~PAGE_MASK;
	if (size + iova_off < size || size + iova_off > (size_t)(APERTURE_END >> 1))
		return DMA_MAPPING_ERROR;
	size = iova_align(size + iova_off);
	dma_addr_t iova = iommu_dma_alloc_iova(dev, size, dma_mask);
	if (!iova)
		return DMA_MAPPING_ERROR;
	pthread_mutex_lock(&d->lock);
	int ret = domain_map(d, iova, phys - iova_off, size, prot);
	if (ret)
		free_iova(d, PHYS_PFN(iova));
	pthread_mutex_unlock(&d->lock);
	return ret ? DMA_MAPPING_ERROR : iova + iova_off;
}

/* __iommu_dma_unmap: the IO pages of [dma_addr, dma_addr + size) and their IOVA range go */
static void __iommu_dma_unmap(struct device *dev, dma_addr_t dma_addr, size_t size)
{
	struct dma_iommu_domain *d = dev->domain;
	size_t iova_off = dma_addr & ~PAGE_MASK;
	dma_addr -= iova_off;
	size = iova_align(size + iova_off);
	pthread_mutex_lock(&d->lock);
	domain_unmap(d, dma_addr, size);
	MM_WARN_ON(!free_iova(d, PHYS_PFN(dma_addr)));
	pthread_mutex_unlock(&d->lock);
}

dma_addr_t iommu_dma_map_page(struct device *dev, struct page *page, unsigned long offset, size_t size,
			      enum dma_data_direction dir, unsigned long attrs)
{
	(void)attrs;
	return __iommu_dma_map(dev, page_to_phys(page) + offset, size, dir_to_prot(dir), *dev->dma_mask);
}

void iommu_dma_unmap_page(struct device *dev, dma_addr_t handle, size_t size, enum dma_data_direction dir,
			  unsigned long attrs)
{
	(void)dir;
	(void)attrs;
	__iommu_dma_unmap(dev, handle, size);
}

/* __iommu_dma_alloc_pages: count pages, the highest orders of order_mask first, HighMem allowed */
static struct page **__iommu_dma_alloc_pages(struct device *dev, unsigned int count, unsigned long order_mask,
					     gfp_t gfp)
{
	struct page **pages = calloc(count, sizeof(*pages));
	unsigned int i = 0;
	if (!pages)
		return NULL;
	gfp |= __GFP_NOWARN | __GFP_HIGHMEM; /* the IOMMU maps any page */
	gfp &= ~__GFP_COMP;
	while (count) {
		struct page *page = NULL;
		unsigned int order_size = 0;
		for (order_mask &= (2UL << (fls_long(count) - 1)) - 1; order_mask; order_mask &= ~(unsigned long)order_size) {
			unsigned int order = (unsigned)fls_long(order_mask) - 1;
			gfp_t alloc_flags = gfp;
			order_size = 1U << order;
			if (order_mask > order_size)
				alloc_flags |= __GFP_NORETRY;
			page = alloc_pages_node(dev->numa_node, alloc_flags, order);
			if (!page)
				continue;
			if (order)
				split_page(page, order);
			break;
		}
		if (!page) {
			while (i--)
				__free_pages(pages[i], 0);
			free(pages);
			return NULL;
		}
		count -= order_size;
		while (order_size--)
			pages[i++] = page++;
	}
	return pages;
}

void *iommu_dma_alloc(struct device *dev, size_t size, dma_addr_t *handle, gfp_t gfp, unsigned long attrs,
		      struct page ***pages_out, unsigned int *npages)
{
	struct dma_iommu_domain *d = dev->domain;
	u64 prot = DMA_PTE_READ | DMA_PTE_WRITE;
	size = PAGE_ALIGN(size);
	if (!size || size > (PAGE_SIZE << (MAX_ORDER - 1)) * 64UL) {
		/* more than the scattered allocator would try: as the page allocator refuses an impossible order */
		WARN_ON_ONCE_AT(!(gfp & __GFP_NOWARN), "mm/page_alloc.c:5530");
		return NULL;
	}
	*pages_out = NULL;
	*npages = 0;
	if ((gfp & __GFP_DIRECT_RECLAIM) && !(attrs & DMA_ATTR_FORCE_CONTIGUOUS)) {
		/* iommu_dma_alloc_remap: scattered pages (4 KiB or 2 MiB blocks), one IOVA, one vmap */
		unsigned int count = (unsigned int)(size >> PAGE_SHIFT);
		struct page **pages = __iommu_dma_alloc_pages(dev, count, 1UL | (1UL << 9), gfp | __GFP_ZERO);
		if (!pages)
			return NULL;
		dma_addr_t iova = iommu_dma_alloc_iova(dev, size, dev->coherent_dma_mask);
		void *vaddr = NULL;
		if (iova) {
			pthread_mutex_lock(&d->lock);
			unsigned int i;
			int ret = 0;
			for (i = 0; i < count && !ret; i++)
				ret = domain_map(d, iova + ((u64)i << PAGE_SHIFT), page_to_phys(pages[i]), PAGE_SIZE, prot);
			if (ret) {
				domain_unmap(d, iova, (size_t)i << PAGE_SHIFT);
				free_iova(d, PHYS_PFN(iova));
				iova = 0;
			}
			pthread_mutex_unlock(&d->lock);
		}
		if (iova) {
			vaddr = vmap(pages, count, VM_MAP, __PAGE_KERNEL);
			if (!vaddr)
				__iommu_dma_unmap(dev, iova, size);
		}
		if (!vaddr) {
			for (unsigned int i = 0; i < count; i++)
				__free_pages(pages[i], 0);
			free(pages);
			return NULL;
		}
		memset(vaddr, 0, size); /* __GFP_ZERO zeroed them; the alias is the same bytes */
		*handle = iova;
		*pages_out = pages;
		*npages = count;
		return vaddr;
	}
	/* iommu_dma_alloc_pages: one block from the direct map, mapped at an IOVA */
	struct page *page = alloc_pages_node(dev->numa_node, gfp | __GFP_NOWARN, get_order(size));
	if (!page)
		return NULL;
	void *cpu_addr = page_address(page);
	memset(cpu_addr, 0, size);
	*handle = __iommu_dma_map(dev, page_to_phys(page), size, prot, dev->coherent_dma_mask);
	if (*handle == DMA_MAPPING_ERROR) {
		__free_pages(page, get_order(size));
		return NULL;
	}
	return cpu_addr;
}

void iommu_dma_free(struct device *dev, size_t size, void *cpu_addr, dma_addr_t handle, struct page **pages,
		    unsigned int npages)
{
	size = PAGE_ALIGN(size);
	__iommu_dma_unmap(dev, handle, size);
	if (pages) {
		vunmap(cpu_addr);
		for (unsigned int i = 0; i < npages; i++)
			__free_pages(pages[i], 0);
	} else {
		__free_pages(virt_to_page(cpu_addr), get_order(size));
	}
}

/*
 * iommu_dma_map_sg: one IOVA range for the list, each entry's pages padded
 * to whole IO pages, then __finalise_sg merges what meets on a page
 * boundary into as few segments as the device takes.
 */
int iommu_dma_map_sg(struct device *dev, struct scatterlist *sgl, int nents, enum dma_data_direction dir,
		     unsigned long attrs)
{
	(void)attrs;
	struct dma_iommu_domain *d = dev->domain;
	struct scatterlist *s;
	int i;
	u64 mask = dev->seg_boundary_mask;
	size_t iova_len = 0;
	size_t *iova_seg = calloc((size_t)nents, sizeof(*iova_seg)); /* each entry's padded IOVA length */
	if (!iova_seg)
		return -ENOMEM;
	int prev = -1;
	for_each_sg(sgl, s, nents, i) {
		size_t s_iova_off = s->offset & ~PAGE_MASK;
		size_t s_length = iova_align(s->length + s_iova_off);
		size_t pad_len = (size_t)((mask - iova_len + 1) & mask);
		iova_seg[i] = s_length;
		/* a segment that would cross a boundary starts on the next one: the previous one grows */
		if (pad_len && pad_len < s_length - 1 && prev >= 0) {
			iova_seg[prev] += pad_len;
			iova_len += pad_len;
		}
		iova_len += s_length;
		prev = i;
	}
	dma_addr_t iova = iommu_dma_alloc_iova(dev, iova_len, *dev->dma_mask);
	if (!iova) {
		free(iova_seg);
		return -ENOMEM;
	}
	u64 prot = dir_to_prot(dir);
	dma_addr_t at = iova;
	int ret = 0;
	pthread_mutex_lock(&d->lock);
	for_each_sg(sgl, s, nents, i) {
		phys_addr_t phys = page_to_phys(s->page) + (s->offset & PAGE_MASK);
		ret = domain_map(d, at, phys, iova_align(s->length + (s->offset & ~PAGE_MASK)), prot);
		if (ret) {
			domain_unmap(d, iova, at - iova);
			free_iova(d, PHYS_PFN(iova));
			break;
		}
		at += iova_seg[i];
	}
	pthread_mutex_unlock(&d->lock);
	if (ret) {
		free(iova_seg);
		return -ENOMEM;
	}
	/* __finalise_sg */
	struct scatterlist *cur = sgl;
	unsigned int cur_len = 0, max_len = dev->max_segment_size;
	int count = 0;
	dma_addr_t dma_addr = iova;
	for_each_sg(sgl, s, nents, i) {
		unsigned int s_iova_off = s->offset & ~PAGE_MASK, s_length = s->length;
		size_t s_iova_len = iova_seg[i];
		s->dma_address = DMA_MAPPING_ERROR;
		s->dma_length = 0;
		if (cur_len && !s_iova_off && (dma_addr & mask) && max_len - cur_len >= s_length) {
			cur_len += s_length;
		} else {
			if (i > 0)
				cur = sg_next(cur);
			cur_len = s_length;
			count++;
			cur->dma_address = dma_addr + s_iova_off;
		}
		cur->dma_length = cur_len;
		dma_addr += s_iova_len;
		if (s_length + s_iova_off < s_iova_len)
			cur_len = 0;
	}
	free(iova_seg);
	return count;
}

void iommu_dma_unmap_sg(struct device *dev, struct scatterlist *sgl, int nents, enum dma_data_direction dir,
			unsigned long attrs)
{
	(void)dir;
	(void)attrs;
	struct scatterlist *s, *last = sgl;
	int i;
	dma_addr_t start = sgl->dma_address;
	for_each_sg(sgl, s, nents, i) {
		if (!s->dma_length)
			break;
		last = s;
	}
	__iommu_dma_unmap(dev, start, last->dma_address + last->dma_length - start);
}

/* The device's access at iova: the entry must be present with the right permission, else a DMAR fault. */
bool iommu_iova_to_phys(struct device *dev, dma_addr_t iova, bool write, phys_addr_t *phys)
{
	struct dma_iommu_domain *d = dev->domain;
	u64 need = write ? DMA_PTE_WRITE : DMA_PTE_READ;
	pthread_mutex_lock(&d->lock);
	u64 *pte = iova <= APERTURE_END ? pfn_to_dma_pte(d, iova, false) : NULL;
	u64 e = pte ? *pte : 0;
	pthread_mutex_unlock(&d->lock);
	if (!(e & need)) {
		pr_err("DMAR: DRHD: handling fault status reg 2\n");
		pr_err("DMAR: [DMA %s NO_PASID] Request device [00:%02x.%d] fault addr 0x%llx [fault reason 0x%02x] %s\n",
		       write ? "Write" : "Read", d->devfn >> 3, d->devfn & 7, (unsigned long long)(iova & PAGE_MASK),
		       !e ? 0x06 : write ? 0x05 : 0x06,
		       !e ? "PTE Read access is not set" : write ? "PTE Write access is not set" : "PTE Read access is not set");
		return false;
	}
	*phys = (e & DMA_PTE_ADDR) | (iova & ~PAGE_MASK);
	return true;
}

unsigned long iommu_pgtable_pages(void)
{
	struct kmm_iommu *io = M ? M->iommu : NULL;
	struct dma_iommu_domain *d;
	unsigned long n = 0;
	if (!io)
		return 0;
	list_for_each_entry(d, &io->domains, node)
		n += __atomic_load_n(&d->pgtable_pages, __ATOMIC_RELAXED);
	return n;
}

unsigned long iommu_iova_pages(void)
{
	struct kmm_iommu *io = M ? M->iommu : NULL;
	struct dma_iommu_domain *d;
	unsigned long n = 0;
	if (!io)
		return 0;
	list_for_each_entry(d, &io->domains, node)
		n += __atomic_load_n(&d->nr_iova_pages, __ATOMIC_RELAXED);
	return n;
}

static unsigned long count_tables(phys_addr_t table, int level)
{
	unsigned long n = 1;
	if (level == 1)
		return n;
	for (unsigned i = 0; i < 512; i++) {
		u64 e = *pte_at(table, i);
		if (e & (DMA_PTE_READ | DMA_PTE_WRITE))
			n += count_tables(e & DMA_PTE_ADDR, level - 1);
	}
	return n;
}

int iommu_verify(char *why, size_t whylen)
{
	struct kmm_iommu *io = M ? M->iommu : NULL;
	struct dma_iommu_domain *d;
	if (!io)
		return 0;
	list_for_each_entry(d, &io->domains, node) {
		unsigned long pages = 0, below = ~0UL;
		struct iova *r;
		int ret = 0;
		pthread_mutex_lock(&d->lock);
		list_for_each_entry(r, &d->iovas, list) {
			if (r->pfn_lo > r->pfn_hi || r->pfn_hi >= below) {
				snprintf(why, whylen, "IOVA domain %02x: range %#lx-%#lx overlaps or is out of order", d->devfn,
					 r->pfn_lo, r->pfn_hi);
				ret = -EINVAL;
				break;
			}
			below = r->pfn_lo;
			if (!r->reserved)
				pages += r->pfn_hi - r->pfn_lo + 1;
		}
		if (!ret && pages != d->nr_iova_pages) {
			snprintf(why, whylen, "IOVA domain %02x: ranges hold %lu pages, the domain counts %lu", d->devfn, pages,
				 d->nr_iova_pages);
			ret = -EINVAL;
		}
		unsigned long tables = ret ? 0 : count_tables(d->pgd, VTD_LEVELS);
		if (!ret && tables != d->pgtable_pages) {
			snprintf(why, whylen, "IOVA domain %02x: %lu IO page-table pages reachable, %lu counted", d->devfn,
				 tables, d->pgtable_pages);
			ret = -EINVAL;
		}
		pthread_mutex_unlock(&d->lock);
		if (ret)
			return ret;
	}
	return 0;
}

/* Shutdown: the domains' host structures go (their table pages go with the machine's RAM). */
void iommu_exit(void)
{
	struct kmm_iommu *io = M->iommu;
	if (!io)
		return;
	while (!list_empty(&io->domains)) {
		struct dma_iommu_domain *d = list_first_entry(&io->domains, struct dma_iommu_domain, node);
		while (!list_empty(&d->iovas)) {
			struct iova *r = list_first_entry(&d->iovas, struct iova, list);
			list_del(&r->list);
			free(r);
		}
		list_del(&d->node);
		pthread_mutex_destroy(&d->lock);
		free(d);
	}
	free(io);
	M->iommu = NULL;
}
