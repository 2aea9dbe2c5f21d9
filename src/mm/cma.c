/*
 * cma.c - the Contiguous Memory Allocator, as Linux 6.1's mm/cma.c and
 * the default area of kernel/dma/contiguous.c: memory set aside at boot
 * that the page allocator lends to movable allocations and takes back,
 * by migrating them away, when a driver wants it physically contiguous.
 * A kernel build option: --kconfig CMA=y (struct kmm_kconfig); without
 * it, as on Debian's x86 kernels, cma= is an unknown parameter and there
 * is no area.
 *
 * Life of an area:
 *
 *   cma=SIZE[@BASE[-LIMIT]]   early_cma: the size, and where (BASE with
 *                             SIZE only: exactly there, "fixed")
 *   dma_contiguous_reserve    setup_arch, after the NUMA nodes: cma= or
 *                             else CONFIG_CMA_SIZE_MBYTES (x86's Kconfig
 *                             default 0: no area) below the end of the
 *                             direct map; cma_declare_contiguous_nid
 *                             aligns to a pageblock, reserves it from
 *                             memblock (above 4 GiB bottom-up first when
 *                             RAM reaches that far, else top-down, as 6.1
 *                             does) and logs "cma: Reserved N MiB at 0x..."
 *   "Memory:" line            the area is memblock-reserved, not managed:
 *                             it is counted as "N K cma-reserved"
 *   cma_init_reserved_areas   core_initcall: each pageblock becomes
 *                             MIGRATE_CMA and goes to the buddy allocator
 *                             (init_cma_reserved_pageblock): managed,
 *                             zone->cma_pages, NR_FREE_CMA_PAGES.  An area
 *                             that spans two zones is given to the buddy
 *                             allocator as ordinary memory instead ("CMA
 *                             area reserved could not be activated")
 *   borrowing                 page_alloc.c: movable allocations take CMA
 *                             pages (ALLOC_CMA); nothing else does
 *   cma_alloc(cma, count, align)   a free run in the bitmap, aligned, is
 *                             marked; alloc_contig_range (page_isolation.c)
 *                             migrates the borrowed pages out of it and
 *                             takes it; -EBUSY (a page that did not move)
 *                             unmarks it and tries the next aligned
 *                             position, any other error stops; failure is
 *                             "cma: cma_alloc: NAME: alloc failed, req-size:
 *                             N pages, ret: E" unless no_warn; vmstat counts
 *                             cma_alloc_success / cma_alloc_fail
 *   cma_release               the pages back to the buddy allocator
 *                             (free_contig_range), the bitmap cleared
 *
 *   area:   base_pfn                                  base_pfn + count
 *           |  pb  |  pb  |  pb  |  pb  |  pb  |  pb  |   every pageblock MIGRATE_CMA
 *   bitmap  000000011111111111110000000000000000000000   one bit per 1 << order_per_bit
 *                  ^ cma_alloc'd run: refcount 1 each, not on any list
 *           borrowed movable pages sit where the bitmap is 0
 *
 * Hostile input: cma= that is not a size, a size of 0, a BASE not aligned
 * to a pageblock, a range past RAM, across the low/high memory boundary,
 * over reserved memory, or whose end overflows is refused with 6.1's
 * words and the machine boots without the area; cma_alloc of 0 pages or
 * more than the area is NULL (counted as a failure); cma_release of pages
 * that are not an allocated run of the area is refused (false, and a
 * report), changing nothing.
 *
 * Locking: cma->lock guards the bitmap; M->cma_mutex is held across
 * alloc_contig_range (6.1's cma_mutex), so one range is isolated at a
 * time.  Neither is held while another area's lock is.
 *
 * Not done: areas of device trees and hugetlb_cma, cma_pernuma, CMA
 * debugfs (only the success/fail page counts are kept), the cma_alloc
 * tracepoints, CMA_SIZE_PERCENTAGE.  The bitmap is host memory (6.1's
 * bitmap_zalloc is a kmalloc of count / 8 bytes).
 */
#include "internal.h"
#include "trace/events.h"

#include "mm/cma.h"

#include <kmm/kstrtox.h>

#include <limits.h>

#define CMA_MIN_ALIGNMENT_BYTES ((phys_addr_t)PAGE_SIZE << M->prof->pageblock_order)
#define HOST_BITS_PER_LONG (8 * sizeof(unsigned long))

/* %pa: a phys_addr_t, as wide as the profile's (32 bits on i386 without PAE) */
static const char *pa(char *buf, size_t len, phys_addr_t addr)
{
	snprintf(buf, len, "0x%0*llx", M->prof->bits == 64 || M->prof->pae ? 16 : 8, (unsigned long long)addr);
	return buf;
}

phys_addr_t cma_get_base(const struct cma *cma)
{
	return PFN_PHYS(cma->base_pfn);
}

unsigned long cma_get_size(const struct cma *cma)
{
	return cma->count << PAGE_SHIFT;
}

const char *cma_get_name(const struct cma *cma)
{
	return cma->name;
}

struct cma *cma_area_of_pfn(unsigned long pfn)
{
	if (!M)
		return NULL;
	for (unsigned i = 0; i < M->cma_area_count; i++) {
		struct cma *cma = &M->cma_areas[i];
		if (pfn >= cma->base_pfn && pfn - cma->base_pfn < cma->count)
			return cma;
	}
	return NULL;
}

/* ---- boot ---------------------------------------------------------------------------------- */

/* cma=SIZE[@BASE[-LIMIT]] (memparse's sizes: 64M, 0x4000000) */
int early_cma(const char *val, char *err, size_t errlen)
{
	if (!val || !*val) {
		snprintf(err, errlen, "cma: Config string not provided (cma=SIZE[@BASE[-LIMIT]], e.g. cma=64M)");
		return -EINVAL;
	}
	char buf[96];
	if (strlen(val) >= sizeof(buf)) {
		snprintf(err, errlen, "cma=%.40s...: too long for SIZE[@BASE[-LIMIT]]", val);
		return -EINVAL;
	}
	strcpy(buf, val);
	char *at = strchr(buf, '@'), *dash = NULL;
	if (at) {
		*at++ = 0;
		dash = strchr(at, '-');
		if (dash)
			*dash++ = 0;
	}
	u64 size, base = 0, limit = 0;
	int ret = kmm_parse_size(buf, ULLONG_MAX, &size);
	if (!ret && at)
		ret = kmm_parse_size(at, ULLONG_MAX, &base);
	if (!ret && dash)
		ret = kmm_parse_size(dash, ULLONG_MAX, &limit);
	if (ret) {
		snprintf(err, errlen, "cma=%s: %s", val,
			 ret == -ERANGE ? "a size that does not fit in 64 bits"
					: "expected SIZE[@BASE[-LIMIT]] such as 64M or 16M@256M");
		return -EINVAL;
	}
	M->cma_cmdline = true;
	M->cma_size_cmdline = size;
	M->cma_base_cmdline = base;
	/* BASE without LIMIT: exactly there (base + size, which may wrap: then refused as a bad limit) */
	M->cma_limit_cmdline = !at ? 0 : dash ? limit : base + size;
	return 0;
}

/* cma_init_reserved_mem: an area of memory memblock already holds reserved */
static int cma_init_reserved_mem(phys_addr_t base, phys_addr_t size, unsigned int order_per_bit, const char *name,
				 struct cma **res_cma)
{
	if (M->cma_area_count == MAX_CMA_AREAS) {
		pr_err("cma: Not enough slots for CMA reserved regions!\n");
		return -ENOSPC;
	}
	if (!size || !memblock_is_region_reserved(base, size))
		return -EINVAL;
	if (!IS_ALIGNED(base | size, CMA_MIN_ALIGNMENT_BYTES))
		return -EINVAL;
	struct cma *cma = &M->cma_areas[M->cma_area_count];
	if (name)
		snprintf(cma->name, CMA_MAX_NAME, "%s", name);
	else
		snprintf(cma->name, CMA_MAX_NAME, "cma%u\n", M->cma_area_count);
	cma->base_pfn = PFN_DOWN(base);
	cma->count = (unsigned long)(size >> PAGE_SHIFT);
	cma->order_per_bit = order_per_bit;
	*res_cma = cma;
	M->cma_area_count++;
	M->totalcma_pages += cma->count;
	return 0;
}

/* The lowest free range of size bytes, aligned, in [start, end) of memblock: bottom-up (0: none). */
struct bottom_up_find {
	phys_addr_t size, align, found;
};

static void bottom_up_fit(unsigned long s, unsigned long e, void *argp)
{
	struct bottom_up_find *f = argp;
	phys_addr_t a = ALIGN(PFN_PHYS(s), f->align);
	if (!f->found && a < PFN_PHYS(e) && PFN_PHYS(e) - a >= f->size)
		f->found = a;
}

static phys_addr_t memblock_alloc_bottom_up(phys_addr_t size, phys_addr_t align, phys_addr_t start, phys_addr_t end)
{
	struct bottom_up_find f = { size, align, 0 };
	end = min(end, M->memblock.current_limit);
	if (end <= start)
		return 0;
	memblock_for_each_free_range(NUMA_NO_NODE, PFN_UP(start), PFN_DOWN(end), bottom_up_fit, &f);
	if (f.found && memblock_reserve(f.found, size))
		return 0;
	return f.found;
}

/*
 * cma_declare_contiguous_nid: reserve size bytes at base (fixed) or
 * anywhere in [base, limit), in 6.1's order of tries, and make it an area.
 */
static int cma_declare_contiguous(phys_addr_t base, phys_addr_t size, phys_addr_t limit, phys_addr_t alignment,
				  unsigned int order_per_bit, bool fixed, const char *name, struct cma **res_cma)
{
	phys_addr_t memblock_end = memblock_end_of_DRAM();
	phys_addr_t highmem_start = PFN_PHYS(M->max_low_pfn); /* __pa(high_memory - 1) + 1 */
	char b1[24], b2[24], b3[24];
	int ret = 0;

	if (M->cma_area_count == MAX_CMA_AREAS) {
		pr_err("cma: Not enough slots for CMA reserved regions!\n");
		return -ENOSPC;
	}
	if (!size)
		return -EINVAL;
	if (alignment && (alignment & (alignment - 1)))
		return -EINVAL;
	alignment = max(alignment, CMA_MIN_ALIGNMENT_BYTES);
	if (fixed && (base & (alignment - 1))) {
		pr_err("cma: Region at %s must be aligned to %s bytes\n", pa(b1, sizeof(b1), base),
		       pa(b2, sizeof(b2), alignment));
		ret = -EINVAL;
		goto err;
	}
	/* sizes near 2^64 would wrap when aligned: no machine has that memory */
	if (size > memblock_end || base > memblock_end) {
		ret = -EINVAL;
		pr_err("cma: Size (%s) of region at %s exceeds limit (%s)\n", pa(b1, sizeof(b1), size),
		       pa(b2, sizeof(b2), base), pa(b3, sizeof(b3), memblock_end));
		goto err;
	}
	base = ALIGN(base, alignment);
	size = ALIGN(size, alignment);
	limit &= ~(alignment - 1);
	if (!base)
		fixed = false;
	if (!IS_ALIGNED(size >> PAGE_SHIFT, 1UL << order_per_bit))
		return -EINVAL;
	/* a fixed area must not cross the low/high memory boundary */
	if (fixed && base < highmem_start && base + size > highmem_start) {
		ret = -EINVAL;
		pr_err("cma: Region at %s defined on low/high memory boundary (%s)\n", pa(b1, sizeof(b1), base),
		       pa(b2, sizeof(b2), highmem_start));
		goto err;
	}
	if (limit == 0 || limit > memblock_end)
		limit = memblock_end;
	if (base + size > limit) {
		ret = -EINVAL;
		pr_err("cma: Size (%s) of region at %s exceeds limit (%s)\n", pa(b1, sizeof(b1), size),
		       pa(b2, sizeof(b2), base), pa(b3, sizeof(b3), limit));
		goto err;
	}
	if (fixed) {
		if (memblock_is_region_reserved(base, size) || memblock_reserve(base, size) < 0) {
			ret = -EBUSY;
			goto err;
		}
	} else {
		phys_addr_t addr = 0;
		/* one zone: across the low/high boundary, high memory first, then low */
		if (base < highmem_start && limit > highmem_start) {
			addr = memblock_phys_alloc_range(size, alignment, highmem_start, limit);
			limit = highmem_start;
		}
		/* far from DMA/DMA32 when RAM allows: bottom-up from 4 GiB (CONFIG_PHYS_ADDR_T_64BIT) */
		if (!addr && (M->prof->bits == 64 || M->prof->pae) && memblock_end >= SZ_4G + size)
			addr = memblock_alloc_bottom_up(size, alignment, SZ_4G, limit);
		if (!addr) {
			addr = memblock_phys_alloc_range(size, alignment, base, limit);
			if (!addr) {
				ret = -ENOMEM;
				goto err;
			}
		}
		base = addr;
	}
	ret = cma_init_reserved_mem(base, size, order_per_bit, name, res_cma);
	if (ret) {
		memblock_phys_free(base, size);
		goto err;
	}
	pr_info("cma: Reserved %lu MiB at %s\n", (unsigned long)(size >> 20), pa(b1, sizeof(b1), base));
	return 0;
err:
	pr_err("cma: Failed to reserve %lu MiB\n", (unsigned long)(size >> 20));
	return ret;
}

/* dma_contiguous_reserve: the default area, from cma= or CONFIG_CMA_SIZE_MBYTES, below limit */
/* the areas' table, made by the first area (host memory) */
static bool cma_areas_table(void)
{
	if (!M->cma_areas)
		M->cma_areas = calloc(MAX_CMA_AREAS, sizeof(*M->cma_areas));
	return M->cma_areas != NULL;
}

/*
 * rmem_cma_setup (kernel/dma/contiguous.c): a device tree's reusable
 * shared-dma-pool region, already reserved, becomes a CMA area; with
 * linux,cma-default it is the default area, unless cma= was given (then
 * the command line's area is, and the node is passed over).
 */
int rmem_cma_setup(phys_addr_t base, phys_addr_t size, const char *name, bool is_default, bool no_map)
{
	if (M->cma_cmdline && is_default) {
		pr_info("Reserved memory: bypass %s node, using cmdline CMA params instead\n", name);
		return -EBUSY;
	}
	if (no_map)
		return -EINVAL;
	if (!IS_ALIGNED(base | size, CMA_MIN_ALIGNMENT_BYTES)) {
		pr_err("Reserved memory: incorrect alignment of CMA region\n");
		return -EINVAL;
	}
	struct cma *cma;
	int err = cma_areas_table() ? cma_init_reserved_mem(base, size, 0, name, &cma) : -ENOMEM;
	if (err) {
		pr_err("Reserved memory: unable to setup CMA region\n");
		return err;
	}
	if (is_default)
		M->cma_default_area = cma; /* dma_contiguous_set_default */
	pr_info("Reserved memory: created CMA memory pool at 0x%016llx, size %lu MiB\n", (unsigned long long)base,
		(unsigned long)(size >> 20));
	return 0;
}

void dma_contiguous_reserve(phys_addr_t limit)
{
	phys_addr_t size = 0, base = 0, sel_limit = limit;
	bool fixed = false;
	if (!cma_areas_table())
		return;
	if (M->cma_cmdline) {
		size = M->cma_size_cmdline;
		base = M->cma_base_cmdline;
		/* min_not_zero(limit_cmdline, limit) */
		if (M->cma_limit_cmdline && (!limit || M->cma_limit_cmdline < limit))
			sel_limit = M->cma_limit_cmdline;
		if (M->cma_limit_cmdline && base + size == M->cma_limit_cmdline)
			fixed = true;
		/* BASE + SIZE past 2^64: no limit could hold it */
		if (base + size < base) {
			pr_err("cma: Failed to reserve %lu MiB\n", (unsigned long)(size >> 20));
			return;
		}
	} else {
		size = (phys_addr_t)M->kconfig.cma_size_mbytes << 20;
	}
	if (size && !M->cma_default_area)
		cma_declare_contiguous(base, size, sel_limit, 0, 0, fixed, "reserved", &M->cma_default_area);
}

/* init_cma_reserved_pageblock: a reserved pageblock becomes CMA and free */
static void init_cma_reserved_pageblock(struct page *page)
{
	unsigned long nr = pageblock_nr_pages();
	set_pageblock_migratetype(page, MIGRATE_CMA);
	free_pages_boot(page, (unsigned int)M->prof->pageblock_order, false);
	adjust_managed_page_count(page, (long)nr);
	page_zone(page)->cma_pages += nr;
}

static void cma_activate_area(struct cma *cma)
{
	unsigned long maxno = cma->count >> cma->order_per_bit;
	cma->bitmap = calloc(maxno / HOST_BITS_PER_LONG + 1, sizeof(unsigned long));
	pthread_mutex_init(&cma->lock, NULL);
	cma->rs = RATELIMIT_STATE_INIT;
	if (!cma->bitmap)
		goto out_error;
	/* alloc_contig_range works in one zone: so must the whole area */
	struct zone *zone = pfn_valid(cma->base_pfn) ? page_zone(pfn_to_page(cma->base_pfn)) : NULL;
	for (unsigned long pfn = cma->base_pfn; pfn < cma->base_pfn + cma->count; pfn++)
		if (!zone || !pfn_valid(pfn) || page_zone(pfn_to_page(pfn)) != zone)
			goto not_in_zone;
	for (unsigned long pfn = cma->base_pfn; pfn < cma->base_pfn + cma->count; pfn += pageblock_nr_pages())
		init_cma_reserved_pageblock(pfn_to_page(pfn));
	return;
not_in_zone:
	free(cma->bitmap);
	cma->bitmap = NULL;
out_error:
	/* the pages are of no use to CMA: the buddy allocator has them */
	for (unsigned long pfn = cma->base_pfn; pfn < cma->base_pfn + cma->count; pfn++)
		if (pfn_valid(pfn))
			free_reserved_area_pfn(pfn, pfn + 1, NULL);
	M->totalcma_pages -= cma->count;
	cma->count = 0;
	pr_err("cma: CMA area %s could not be activated\n", cma->name);
}

void cma_init_reserved_areas(void)
{
	if (!M->cma_area_count)
		return;
	deferred_init_wait(); /* the areas' struct pages may be deferred ones (x86_64) */
	for (unsigned i = 0; i < M->cma_area_count; i++)
		cma_activate_area(&M->cma_areas[i]);
}

void cma_free_areas(void)
{
	if (!M->cma_areas)
		return;
	for (unsigned i = 0; i < M->cma_area_count; i++) {
		free(M->cma_areas[i].bitmap);
		if (M->cma_areas[i].bitmap || M->cma_areas[i].count)
			pthread_mutex_destroy(&M->cma_areas[i].lock);
	}
	free(M->cma_areas);
	M->cma_areas = NULL;
	M->cma_area_count = 0;
	M->cma_default_area = NULL;
}

/* ---- the bitmap ---------------------------------------------------------------------------- */

static unsigned long cma_bitmap_maxno(const struct cma *cma)
{
	return cma->count >> cma->order_per_bit;
}

static unsigned long cma_bitmap_aligned_mask(const struct cma *cma, unsigned int align_order)
{
	if (align_order <= cma->order_per_bit)
		return 0;
	return (1UL << (align_order - cma->order_per_bit)) - 1;
}

/* Where base_pfn stands against align_order, in bits. */
static unsigned long cma_bitmap_aligned_offset(const struct cma *cma, unsigned int align_order)
{
	return (cma->base_pfn & ((1UL << align_order) - 1)) >> cma->order_per_bit;
}

static unsigned long cma_bitmap_pages_to_bits(const struct cma *cma, unsigned long pages)
{
	return ALIGN(pages, 1UL << cma->order_per_bit) >> cma->order_per_bit;
}

static bool bit_test(const unsigned long *map, unsigned long i)
{
	return map[i / HOST_BITS_PER_LONG] & (1UL << (i % HOST_BITS_PER_LONG));
}

static void bits_assign(unsigned long *map, unsigned long start, unsigned long n, bool set)
{
	for (unsigned long i = start; i < start + n; i++) {
		if (set)
			map[i / HOST_BITS_PER_LONG] |= 1UL << (i % HOST_BITS_PER_LONG);
		else
			map[i / HOST_BITS_PER_LONG] &= ~(1UL << (i % HOST_BITS_PER_LONG));
	}
}

/*
 * bitmap_find_next_zero_area_off: the first index >= start where nr zero
 * bits begin and (index + align_offset) & align_mask == 0; >= size: none.
 */
static unsigned long bitmap_find_zero_area(const unsigned long *map, unsigned long size, unsigned long start,
					   unsigned long nr, unsigned long align_mask, unsigned long align_offset)
{
	unsigned long index = ((start + align_offset + align_mask) & ~align_mask) - align_offset;
	while (index + nr <= size) {
		unsigned long i;
		for (i = 0; i < nr && !bit_test(map, index + i); i++)
			;
		if (i == nr)
			return index;
		/* past the set bit, then aligned again */
		index = ((index + i + 1 + align_offset + align_mask) & ~align_mask) - align_offset;
	}
	return size;
}

static void cma_clear_bitmap(struct cma *cma, unsigned long pfn, unsigned long count)
{
	unsigned long bitmap_no = (pfn - cma->base_pfn) >> cma->order_per_bit;
	pthread_mutex_lock(&cma->lock);
	bits_assign(cma->bitmap, bitmap_no, cma_bitmap_pages_to_bits(cma, count), false);
	pthread_mutex_unlock(&cma->lock);
}

/* ---- allocation ---------------------------------------------------------------------------- */

/*
 * cma_alloc: count pages of the area, physically contiguous, the first
 * aligned to 1 << align pages; each page referenced once.  NULL when the
 * area has no such run that can be emptied (or no area: cma NULL).
 */
struct page *cma_alloc(struct cma *cma, unsigned long count, unsigned int align, bool no_warn)
{
	struct page *page = NULL;
	int ret = -ENOMEM;
	unsigned long start = 0, pfn = -1UL;
	if (!M || !cma || !cma->count || !cma->bitmap)
		goto out;
	if (!count)
		goto out;
	trace_cma_alloc_start(cma->name, count, align);
	if (align >= MAX_ORDER + 20) /* an alignment beyond any machine: nothing fits */
		goto out;
	unsigned long mask = cma_bitmap_aligned_mask(cma, align), offset = cma_bitmap_aligned_offset(cma, align);
	unsigned long bitmap_maxno = cma_bitmap_maxno(cma), bitmap_count = cma_bitmap_pages_to_bits(cma, count);
	if (count > cma->count || bitmap_count > bitmap_maxno)
		goto out;
	for (;;) {
		pthread_mutex_lock(&cma->lock);
		unsigned long bitmap_no = bitmap_find_zero_area(cma->bitmap, bitmap_maxno, start, bitmap_count, mask, offset);
		if (bitmap_no >= bitmap_maxno) {
			pthread_mutex_unlock(&cma->lock);
			break;
		}
		/* ours from here: the lock can go while the range is emptied */
		bits_assign(cma->bitmap, bitmap_no, bitmap_count, true);
		pthread_mutex_unlock(&cma->lock);

		pfn = cma->base_pfn + (bitmap_no << cma->order_per_bit);
		pthread_mutex_lock(&M->cma_mutex);
		ret = alloc_contig_range(pfn, pfn + count, MIGRATE_CMA, GFP_KERNEL | (no_warn ? __GFP_NOWARN : 0));
		pthread_mutex_unlock(&M->cma_mutex);
		if (!ret) {
			page = pfn_to_page(pfn);
			break;
		}
		cma_clear_bitmap(cma, pfn, count);
		if (ret != -EBUSY)
			break;
		/* busy (a page would not move): the next aligned position */
		trace_cma_alloc(TRACE_CMA_ALLOC_BUSY_RETRY, cma->name, pfn, pfn_to_page(pfn), count, align);
		start = bitmap_no + mask + 1;
	}
	trace_cma_alloc(TRACE_CMA_ALLOC_FINISH, cma->name, pfn, page, count, align);
	if (ret && !no_warn && __ratelimit(&cma->rs))
		pr_err("cma: cma_alloc: %s: alloc failed, req-size: %lu pages, ret: %d\n", cma->name, count, ret);
out:
	if (page) {
		count_vm_event(CMA_ALLOC_SUCCESS);
		__atomic_add_fetch(&cma->nr_alloc_success, count, __ATOMIC_RELAXED);
	} else if (M) {
		count_vm_event(CMA_ALLOC_FAIL);
		if (cma)
			__atomic_add_fetch(&cma->nr_alloc_fail, count, __ATOMIC_RELAXED);
	}
	return page;
}

bool cma_pages_valid(struct cma *cma, const struct page *pages, unsigned long count)
{
	if (!M || !cma || !pages || !cma->bitmap)
		return false;
	if (pages < M->mem_map || pages >= M->mem_map + M->max_pfn)
		return false;
	unsigned long pfn = page_to_pfn(pages);
	return pfn >= cma->base_pfn && pfn < cma->base_pfn + cma->count;
}

/*
 * cma_release: pages of a cma_alloc back to the allocator.  false when
 * they are not the area's; a range that is not wholly allocated (its
 * bitmap bits, one reference each) is reported and refused, changing
 * nothing (6.1 would free what it was given and corrupt the allocator).
 */
bool cma_release(struct cma *cma, const struct page *pages, unsigned long count)
{
	if (!cma_pages_valid(cma, pages, count))
		return false;
	unsigned long pfn = page_to_pfn(pages);
	if (!count || count > cma->base_pfn + cma->count - pfn) {
		pr_err("cma: cma_release: %s: %lu pages at pfn %#lx do not lie in the area\n", cma->name, count, pfn);
		return false;
	}
	unsigned long first = (pfn - cma->base_pfn) >> cma->order_per_bit;
	unsigned long nbits = cma_bitmap_pages_to_bits(cma, count);
	bool ok = true;
	pthread_mutex_lock(&cma->lock);
	for (unsigned long i = first; i < first + nbits && ok; i++)
		ok = bit_test(cma->bitmap, i);
	pthread_mutex_unlock(&cma->lock);
	for (unsigned long i = 0; i < count && ok; i++) {
		const struct page *p = pfn_to_page(pfn + i);
		ok = page_ref_count(p) == 1 && !PageBuddy(p) && !PageCompound(p);
	}
	if (!ok) {
		pr_err("cma: cma_release: %s: %lu pages at pfn %#lx are not a range cma_alloc gave out\n", cma->name,
		       count, pfn);
		return false;
	}
	free_contig_range(pfn, count);
	cma_clear_bitmap(cma, pfn, count);
	trace_cma_release(cma->name, pfn, pages, count);
	return true;
}
