/*
 * kmm/vmstat.h - the machine's counters as numbers, under Linux 6.1's names
 * (include/linux/vmstat.h, si_meminfo of mm/page_alloc.c), for C programs
 * that would otherwise parse /proc/meminfo or /proc/vmstat text:
 *
 *	struct sysinfo si;
 *	si_meminfo(&si);                              totalram, freeram, ... in pages of si.mem_unit bytes
 *	unsigned long free = global_zone_page_state(NR_FREE_PAGES);
 *	unsigned long files = global_node_page_state(NR_FILE_PAGES);
 *	unsigned long ev[NR_VM_EVENT_ITEMS];
 *	all_vm_events(ev);                            ev[PGFAULT], ev[PGALLOC_NORMAL], ...
 *	unsigned long anon = get_mm_counter(t->mm, MM_ANONPAGES);   (kmm/task.h)
 *
 * The figures are the same the /proc views print (a page count here, kB
 * there).  A reader never takes a lock: each counter is read once,
 * atomically, so a sum over zones or CPUs may mix moments while other
 * threads allocate - as Linux's readers do.  Negative transient values read
 * as 0 (Linux clamps them too).  Every function needs a booted machine (0
 * without one); an item outside its enum reads 0.  The first read after
 * boot waits until the struct pages whose initialisation is deferred
 * (x86_64) are in the zones, as Linux finishes that before user space runs.
 *
 * Which counter kmm keeps under which name:
 *   zone_stat_item (kmm/mmzone.h)  NR_FREE_PAGES, NR_FREE_CMA_PAGES       per zone
 *   numa_stat_item (kmm/mmzone.h)  NUMA_HIT ... NUMA_OTHER               per zone (CONFIG_NUMA)
 *   node_stat_item (below)         NR_FILE_PAGES ... NR_PAGETABLE         per node
 *   vm_event_item  (kmm/mmzone.h)  PGALLOC_*, PGFREE, PGFAULT, ...        per CPU, summed
 *   MM_* (kmm/task.h)              a task's resident pages by kind        per mm
 */
#ifndef KMM_VMSTAT_H
#define KMM_VMSTAT_H

#include <kmm/mmzone.h>
#include <sys/sysinfo.h> /* struct sysinfo: glibc's is Linux's uapi layout */

/*
 * Per-node counters, in 6.1's node_stat_item order (which is /proc/vmstat's
 * and zoneinfo's per-node block's), in pages unless the name says
 * otherwise.  An item kmm does not move yet (THPs, pins, the secondary
 * page tables...) reads 0, as it would on a machine that never did that;
 * pgpromote_* exist only where the profile has CONFIG_NUMA_BALANCING.
 */
enum node_stat_item {
	NR_INACTIVE_ANON,        /* the LRU lists' sizes, in enum lru_list order (Active(anon) ...) */
	NR_ACTIVE_ANON,
	NR_INACTIVE_FILE,
	NR_ACTIVE_FILE,
	NR_UNEVICTABLE,
	NR_SLAB_RECLAIMABLE_B,   /* pages of SLAB_RECLAIM_ACCOUNT slabs (SReclaimable) */
	NR_SLAB_UNRECLAIMABLE_B, /* pages of other slabs and large kmallocs (SUnreclaim) */
	NR_ISOLATED_ANON,        /* pages reclaim has taken off the LRU lists for a while: anon, file */
	NR_ISOLATED_FILE,
	WORKINGSET_NODES,        /* xarray nodes holding only shadow entries (kmm keeps none: 0) */
	WORKINGSET_REFAULT_ANON, /* evicted pages faulted back (mm/workingset.c): anon, file */
	WORKINGSET_REFAULT_FILE,
	WORKINGSET_ACTIVATE_ANON, /* of them, activated: their refault distance fits the workingset */
	WORKINGSET_ACTIVATE_FILE,
	WORKINGSET_RESTORE_ANON, /* of those, active when they were evicted (PG_workingset) */
	WORKINGSET_RESTORE_FILE,
	WORKINGSET_NODERECLAIM,  /* shadow nodes the shadow shrinker freed */
	NR_ANON_MAPPED,          /* anonymous pages some PTE maps (meminfo AnonPages) */
	NR_FILE_MAPPED,          /* page-cache pages some PTE maps (Mapped) */
	NR_FILE_PAGES,           /* the page cache, shmem included (Cached) */
	NR_FILE_DIRTY,           /* page-cache pages newer than the disk (Dirty) */
	NR_WRITEBACK,            /* pages being written out (Writeback) */
	NR_WRITEBACK_TEMP,       /* FUSE's temporary writeback buffers */
	NR_SHMEM,                /* shmem / shared anonymous pages (Shmem) */
	NR_SHMEM_THPS,           /* shmem THPs; these five print in THPs, not pages */
	NR_SHMEM_PMDMAPPED,
	NR_FILE_THPS,
	NR_FILE_PMDMAPPED,
	NR_ANON_THPS,
	NR_VMSCAN_WRITE,         /* pages reclaim wrote out (pageout), since boot */
	NR_VMSCAN_IMMEDIATE,     /* pages to reclaim at once when their writeback ends */
	NR_DIRTIED,              /* page-cache pages that became dirty, since boot */
	NR_WRITTEN,              /* pages written back (to a file or to swap), since boot */
	NR_THROTTLED_WRITTEN,    /* of them, while reclaim was throttled on writeback */
	NR_KERNEL_MISC_RECLAIMABLE, /* reclaimable kernel pages outside slabs */
	NR_FOLL_PIN_ACQUIRED,    /* pin_user_pages() pins taken, released */
	NR_FOLL_PIN_RELEASED,
	NR_KERNEL_STACK_KB,      /* KiB of kernel stacks (KernelStack): counted in KiB, as Linux's */
	NR_PAGETABLE,            /* page-table pages (PageTables) */
	NR_SECONDARY_PAGETABLE,  /* secondary (KVM, IOMMU) page-table pages */
	NR_SWAPCACHE,            /* pages in the swap cache (SwapCached) */
	PGPROMOTE_SUCCESS,       /* NUMA balancing's promotions done, candidates seen */
	PGPROMOTE_CANDIDATE,
	NR_VM_NODE_STAT_ITEMS
};

/* The writeback limits /proc/vmstat prints after the node items (global_dirty_limits()), in pages. */
enum writeback_stat_item {
	NR_DIRTY_THRESHOLD,
	NR_DIRTY_BG_THRESHOLD,
	NR_VM_WRITEBACK_STAT_ITEMS
};

/*
 * si_meminfo(): totalram, freeram, sharedram (shmem), bufferram (0: kmm has
 * no block-device cache), totalhigh, freehigh, and mem_unit = the page size;
 * the other fields are left as they were, as Linux leaves them.
 */
void si_meminfo(struct sysinfo *val);

/* A zone counter (zone->vm_stat[item]); summed over every zone of every node. */
unsigned long zone_page_state(struct zone *zone, enum zone_stat_item item);
unsigned long global_zone_page_state(enum zone_stat_item item);

/*
 * A node counter; summed over the nodes.  As in Linux, the *_B (byte-
 * accounted) slab items are read with global_node_page_state_pages();
 * global_node_page_state() on them warns once and returns the pages.
 * (Inside kmm's own sources a macro of the same name also takes the
 * pg_data_t field's name; the parentheses keep it off this declaration.)
 */
unsigned long (global_node_page_state)(enum node_stat_item item);
unsigned long global_node_page_state_pages(enum node_stat_item item);
unsigned long node_page_state(pg_data_t *pgdat, enum node_stat_item item);

/*
 * global_dirty_limits(): the dirty page counts at which writers start
 * background writeback and are throttled, from the dirtyable memory (free
 * pages above the kernel's reserve plus the file LRU, lowmem only) and the
 * dirty ratios (6.1's defaults: 10% and 20%).
 */
void global_dirty_limits(unsigned long *pbackground, unsigned long *pdirty);

/* A zone's NUMA event (numa_hit ...) and their sum over the zones: 0 where the profile has no CONFIG_NUMA. */
unsigned long zone_numa_event_state(struct zone *zone, enum numa_stat_item item);
unsigned long global_numa_event_state(enum numa_stat_item item);

/* Every vm event counter summed over the CPUs: ret[NR_VM_EVENT_ITEMS], indexed by enum vm_event_item. */
void all_vm_events(unsigned long *ret);
/* One of them, as /proc/vmstat's line "name value" shows it. */
unsigned long global_vm_event(enum vm_event_item item);
/* The /proc/vmstat name of an event ("pgfault"); NULL outside the enum. */
const char *vm_event_name(enum vm_event_item item);

/* totalram_pages() and nr_free_pages(), Linux's names for MemTotal and MemFree in pages. */
unsigned long totalram_pages(void);
unsigned long totalhigh_pages(void);
unsigned long nr_free_pages(void);

#endif /* KMM_VMSTAT_H */
