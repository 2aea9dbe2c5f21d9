/*
 * kmm/memblock.h - the boot-time memory allocator, as Linux's memblock.
 * Two sorted, non-overlapping region arrays: memory (what exists) and
 * reserved (what is taken).  Free = memory - reserved.
 */
#ifndef KMM_MEMBLOCK_H
#define KMM_MEMBLOCK_H

#include <kmm/types.h>

#define MEMBLOCK_ALLOC_ANYWHERE (~(phys_addr_t)0)
#define NUMA_NO_NODE (-1)

struct memblock_region {
	phys_addr_t base;
	phys_addr_t size;
	int nid;                /* node, NUMA_NO_NODE until assigned */
	unsigned long flags;    /* MEMBLOCK_NOMAP: RAM kept out of the linear map (memory only) */
};

#define MEMBLOCK_NOMAP 0x4  /* a device tree's no-map region: never mapped, never freed */

struct memblock_type {
	unsigned long cnt;      /* regions in use */
	unsigned long max;      /* capacity of regions[] */
	phys_addr_t total_size; /* Σ size */
	struct memblock_region *regions;
	const char *name;       /* "memory" or "reserved" */
};

struct memblock {
	bool bottom_up;            /* allocation direction */
	bool debug;                /* memblock=debug: log every change with its caller */
	phys_addr_t current_limit; /* highest address an allocation may use */
	struct memblock_type memory;
	struct memblock_type reserved;
};

int memblock_add(phys_addr_t base, phys_addr_t size);
int memblock_add_node(phys_addr_t base, phys_addr_t size, int nid);
int memblock_remove(phys_addr_t base, phys_addr_t size);
int memblock_reserve(phys_addr_t base, phys_addr_t size);
int memblock_phys_free(phys_addr_t base, phys_addr_t size);
int memblock_set_node(phys_addr_t base, phys_addr_t size, int nid);
int memblock_mark_nomap(phys_addr_t base, phys_addr_t size);
phys_addr_t memblock_phys_alloc_range(phys_addr_t size, phys_addr_t align,
				      phys_addr_t start, phys_addr_t end);
phys_addr_t memblock_phys_alloc_try_nid(phys_addr_t size, phys_addr_t align, int nid);
bool memblock_is_region_reserved(phys_addr_t base, phys_addr_t size);
bool memblock_is_memory(phys_addr_t addr);
phys_addr_t memblock_start_of_DRAM(void);
phys_addr_t memblock_end_of_DRAM(void);
phys_addr_t memblock_phys_mem_size(void);
phys_addr_t memblock_reserved_size(void);
void memblock_set_current_limit(phys_addr_t limit);
unsigned long memblock_free_all(void);

#endif /* KMM_MEMBLOCK_H */
