/*
 * memcontrol.h - the memory controller's structures (mm/memcontrol.c), as
 * Linux 6.1's include/linux/memcontrol.h and page_counter.h keep them.
 */
#ifndef KMM_MM_MEMCONTROL_H
#define KMM_MM_MEMCONTROL_H

#include <kmm/mmzone.h>

/* memory.events, in the file's order */
enum memcg_memory_event {
	MEMCG_LOW,
	MEMCG_HIGH,
	MEMCG_MAX,
	MEMCG_OOM,
	MEMCG_OOM_KILL,
	MEMCG_OOM_GROUP_KILL,
	MEMCG_NR_MEMORY_EVENTS,
};

/*
 * page_counter: pages charged to a group and its descendants, and the
 * limits that apply to that usage.  usage and the limits are read without
 * a lock (atomics); a charge walks up the parents (page_counter_try_charge).
 */
struct page_counter {
	long usage;                   /* pages (atomic) */
	long watermark;               /* the peak of usage: memory.peak (atomic) */
	unsigned long failcnt;        /* charges refused at this level (atomic) */
	unsigned long max, high;      /* memory.max, memory.high (pages; page_counter_max(): none) */
	unsigned long min, low;       /* memory.min, memory.low: protection from reclaim */
	unsigned long emin, elow;     /* the effective protection reclaim last computed */
	long min_usage, low_usage;    /* the protected share of usage, as the parent sees it (atomic) */
	long children_min_usage, children_low_usage; /* Σ of the children's (atomic) */
	struct page_counter *parent;
};

/*
 * memory.stat's page states.  The fields are named as pg_data_t's, so that
 * mod_node_page_state(page, field, delta) counts a page's group with its node.
 */
struct memcg_stat {
	long nr_anon_mapped, nr_file_pages, nr_shmem, nr_file_mapped, nr_file_dirty, nr_writeback, nr_swapcached;
	long nr_page_table_pages, nr_kernel_stack, nr_dirtied, nr_written, nr_vmscan_write, nr_vmscan_immediate;
	long nr_workingset[6];        /* WORKINGSET_REFAULT_ANON .. _RESTORE_FILE */
	long nr_workingset_nodereclaim;
	long kmem;                    /* MEMCG_KMEM: pages charged as kernel memory (slab and __GFP_ACCOUNT pages) */
	long slab_reclaimable_b, slab_unreclaimable_b; /* bytes of charged slab objects */
};

/* the vm events memory.stat shows (memcg_vm_event_stat), counted per group */
enum memcg_vm_event {
	MEMCG_PGSCAN_KSWAPD,
	MEMCG_PGSCAN_DIRECT,
	MEMCG_PGSTEAL_KSWAPD,
	MEMCG_PGSTEAL_DIRECT,
	MEMCG_PGFAULT,
	MEMCG_PGMAJFAULT,
	MEMCG_PGREFILL,
	MEMCG_PGACTIVATE,
	MEMCG_PGDEACTIVATE,
	MEMCG_PGLAZYFREE,
	MEMCG_PGLAZYFREED,
	MEMCG_NR_VM_EVENTS,
};

struct mem_cgroup {
	char *name;                   /* the directory's name ("" for the root) */
	unsigned short id;            /* mem_cgroup_id: 1.. (the root's is 1; 0 is none), in shadow entries */
	bool online;                  /* false once removed (a dying group: its charges keep it; atomic) */
	bool oom_group;               /* memory.oom.group */
	struct mem_cgroup *parent;
	struct list_head children;    /* its child groups, online and dying (cgroup_mutex) */
	struct list_head sibling;     /* on the parent's children */
	int nr_procs;                 /* tasks in it (cgroup_mutex) */
	struct page_counter memory;
	long events[MEMCG_NR_MEMORY_EVENTS];       /* memory.events: this group's and its descendants' (atomic) */
	long events_local[MEMCG_NR_MEMORY_EVENTS]; /* memory.events.local (atomic) */
	struct memcg_stat stat;       /* this group's own pages (atomic); memory.stat adds the descendants' */
	unsigned long vm_events[MEMCG_NR_VM_EVENTS]; /* the same, events (atomic) */
	struct lruvec *lruvec[MAX_NUMNODES]; /* its LRU lists on each node (the root's: the node's own) */
	long objcg_bytes;             /* obj_cgroup: bytes charged as whole pages and not yet used by objects */
	pthread_mutex_t objcg_lock;
};

/*
 * page->memcg_data: the group; MEMCG_DATA_KMEM marks a page charged as
 * kernel memory; a slab's is its obj_cgroups vector with MEMCG_DATA_OBJCGS.
 */
#define MEMCG_DATA_OBJCGS 1UL
#define MEMCG_DATA_KMEM 2UL
#define MEMCG_DATA_FLAGS_MASK 3UL

static inline struct mem_cgroup *page_memcg_raw(const struct page *page)
{
	unsigned long data = __atomic_load_n(&page->memcg_data, __ATOMIC_RELAXED);
	return data & MEMCG_DATA_OBJCGS ? (struct mem_cgroup *)0 : (struct mem_cgroup *)(data & ~MEMCG_DATA_FLAGS_MASK);
}

#define memcg_stat_mod(memcg, field, delta) \
	((void)__atomic_add_fetch(&(memcg)->stat.field, (long)(delta), __ATOMIC_RELAXED))

#endif
