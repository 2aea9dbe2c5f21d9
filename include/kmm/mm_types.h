/*
 * kmm/mm_types.h - struct page, the descriptor of one simulated page frame.
 *
 * One struct page exists for every page frame of the simulated machine's
 * memory map (mem_map), exactly as in Linux.  It is kmm's own host-side
 * descriptor: at most 64 bytes on the 64-bit host (asserted below), while the
 * memory that the simulated kernel reserves for mem_map is charged at the
 * simulated kernel's own sizeof(struct page) (40 bytes on i386, 64 on x86_64),
 * so the boot accounting matches the real kernel's.
 *
 * page->flags, as in Linux, holds the node and zone in its top bits and the
 * PG_ flag bits at the bottom:
 *
 *   63        58 57   55 54                          20 19            0
 *  +------------+-------+------------------------------+---------------+
 *  |  node (6)  |zone(3)|          (unused)            |  PG_* flags   |
 *  +------------+-------+------------------------------+---------------+
 *
 * Field use by state (the one-state-at-a-time rule of DESIGN.md):
 *   free in the buddy allocator: page_type == PG_buddy, private == order,
 *                                lru linked on zone->free_area[order];
 *   reserved (memblock, holes): PG_reserved, refcount 1;
 *   allocated: refcount >= 1, owner's use of mapping/index/private;
 *   on an LRU list: PG_lru, lru linked on the node's list - except the
 *                unevictable one, which only counts its pages (as 6.1):
 *                there lru.prev's room holds mlock_count instead.
 */
#ifndef KMM_MM_TYPES_H
#define KMM_MM_TYPES_H

#include <kmm/types.h>

struct kmem_cache;

/* The PG_ bits, in Linux 6.1's order so dumps read the same. */
#define KMM_PAGEFLAGS(X)        \
	X(locked)               \
	X(referenced)           \
	X(uptodate)             \
	X(dirty)                \
	X(lru)                  \
	X(active)               \
	X(workingset)           \
	X(waiters)              \
	X(error)                \
	X(slab)                 \
	X(owner_priv_1)         \
	X(arch_1)               \
	X(reserved)             \
	X(private)              \
	X(private_2)            \
	X(writeback)            \
	X(head)                 \
	X(mappedtodisk)         \
	X(reclaim)              \
	X(swapbacked)           \
	X(unevictable)          \
	X(mlocked)

enum pageflags {
#define X(name) PG_##name,
	KMM_PAGEFLAGS(X)
#undef X
	__NR_PAGEFLAGS
};

#define NODES_WIDTH 6
#define ZONES_WIDTH 3
#define NODES_PGSHIFT (64 - NODES_WIDTH)
#define ZONES_PGSHIFT (NODES_PGSHIFT - ZONES_WIDTH)
#define NODES_MASK ((1UL << NODES_WIDTH) - 1)
#define ZONES_MASK ((1UL << ZONES_WIDTH) - 1)

/* page_type values live in _mapcount while the page is not mapped. */
#define PAGE_TYPE_BASE 0xf0000000u
#define PG_buddy 0x00000080u
#define PG_table 0x00000200u /* a page-table page taken from the buddy allocator */

struct page {
	unsigned long flags;            /* node | zone | PG_* bits */
	union {
		struct {
			union {
				struct list_head lru;   /* buddy free list, LRU, or owner list */
				struct {                /* on the unevictable "list", which links nothing (mm/mlock.c) */
					void *__filler;         /* kept NULL: even, so no tail page is seen */
					unsigned int mlock_count; /* mlocks counted (it may undercount, never over) */
				};
			};
			void *mapping;          /* address_space / anon_vma, later issues */
			unsigned long index;    /* offset within mapping */
			unsigned long private;  /* buddy: order; else owner's */
		};
		struct {
			unsigned long compound_head; /* bit 0 set: tail page */
			unsigned char compound_dtor;
			unsigned char compound_order;
		};
		struct {                          /* a slab (head page), as Linux's struct slab */
			union {
				struct list_head slab_list;  /* node partial or full list */
				struct {
					struct page *next;   /* CPU partial list */
					long slabs;          /* slabs on it from here on */
				};
			};
			struct kmem_cache *slab_cache;       /* the cache it belongs to */
			void *freelist;                      /* first free object not owned by a CPU */
			union {
				unsigned long counters;
				struct {
					unsigned inuse : 16;     /* objects allocated or owned by a CPU */
					unsigned objects : 15;   /* objects in the slab */
					unsigned frozen : 1;     /* owned by a CPU (its slab or partial list) */
				};
			};
		};
	};
	union {
		int _mapcount;                  /* PTEs mapping the page, -1 = none */
		unsigned int page_type;         /* PAGE_TYPE_BASE & ~type when a type is set */
	};
	int _refcount;                          /* references; 0 = free */
	unsigned long memcg_data;               /* owning memory cgroup, as Linux's MEMCG kernels */
};

/* 64 bytes: one cache line, and page_to_pfn() is a shift */
_Static_assert(sizeof(struct page) == 64, "struct page must be 64 bytes");

#endif /* KMM_MM_TYPES_H */
