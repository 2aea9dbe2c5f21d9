/*
 * cma.h - the Contiguous Memory Allocator's areas (mm/cma.c), as Linux
 * 6.1's include/linux/cma.h, mm/cma.h and include/linux/dma-map-ops.h
 * declare them.  A machine booted without CONFIG_CMA (--kconfig CMA=n,
 * the x86 profiles' default) has no area: dma_contiguous_default_area is
 * NULL and cma_alloc() gives NULL.
 *
 *	struct page *p = cma_alloc(dma_contiguous_default_area, 4096, 8, false);
 *	...                         (16 MiB, physically contiguous, 1 MiB aligned)
 *	cma_release(dma_contiguous_default_area, p, 4096);
 */
#ifndef KMM_MM_CMA_H
#define KMM_MM_CMA_H

#include "internal.h"

#define MAX_CMA_AREAS 8   /* 1 + CONFIG_CMA_AREAS (Debian arm64: 7) */
#define CMA_MAX_NAME 64

/*
 * One area: count pages from base_pfn, all in one zone, every pageblock
 * MIGRATE_CMA once activated.  bitmap has one bit per 1 << order_per_bit
 * pages, set while cma_alloc() has handed them out (or is trying to).
 *   count == cma_bitmap_maxno() << order_per_bit;  bitmap NULL: not activated
 */
struct cma {
	unsigned long base_pfn;        /* first page frame */
	unsigned long count;           /* pages */
	unsigned long *bitmap;         /* allocated pages, one bit per 1 << order_per_bit (host memory) */
	unsigned int order_per_bit;    /* 0 for the default area */
	pthread_mutex_t lock;          /* the bitmap's */
	unsigned long nr_alloc_success, nr_alloc_fail; /* pages; /sys/kernel/mm/cma/NAME/alloc_pages_{success,fail} */
	struct ratelimit_state rs;     /* of the "alloc failed" report (pr_err_ratelimited) */
	char name[CMA_MAX_NAME];       /* "reserved" for the default area */
};

/* The default area (kernel/dma/contiguous.c): the one cma= or CONFIG_CMA_SIZE_MBYTES made; NULL: none. */
#define dma_contiguous_default_area (M->cma_default_area)

struct page *cma_alloc(struct cma *cma, unsigned long count, unsigned int align, bool no_warn);
bool cma_pages_valid(struct cma *cma, const struct page *pages, unsigned long count);
bool cma_release(struct cma *cma, const struct page *pages, unsigned long count);
phys_addr_t cma_get_base(const struct cma *cma);
unsigned long cma_get_size(const struct cma *cma);
const char *cma_get_name(const struct cma *cma);

/* boot (arch/setup.c) */
int early_cma(const char *val, char *err, size_t errlen);  /* cma=SIZE[@BASE[-LIMIT]] */
void dma_contiguous_reserve(phys_addr_t limit);            /* setup_arch, once memblock knows the nodes */
int rmem_cma_setup(phys_addr_t base, phys_addr_t size, const char *name, bool is_default, bool no_map); /* a DT pool */
void cma_init_reserved_areas(void);                        /* core_initcall: pageblocks to MIGRATE_CMA */
void cma_free_areas(void);                                 /* machine teardown: the bitmaps */

/* The area holding pfn, or NULL (the SVG map and the views ask). */
struct cma *cma_area_of_pfn(unsigned long pfn);

/* mm/page_isolation.c and mm/page_alloc.c: the range allocator under cma_alloc */
int alloc_contig_range(unsigned long start, unsigned long end, int migratetype, gfp_t gfp);
void free_contig_range(unsigned long pfn, unsigned long nr_pages);
int start_isolate_page_range(unsigned long start_pfn, unsigned long end_pfn, int migratetype);
void undo_isolate_page_range(unsigned long start_pfn, unsigned long end_pfn, int migratetype);
int test_pages_isolated(unsigned long start_pfn, unsigned long end_pfn);

#endif
