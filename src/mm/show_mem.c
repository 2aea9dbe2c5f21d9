/*
 * show_mem.c - what the page allocator reports of itself, as Linux's
 * mm/show_mem.c (split out of page_alloc.c in later kernels; 6.1 keeps
 * them in page_alloc.c): the Mem-Info dump that warn_alloc() and the OOM
 * path print (__show_free_areas: per-zone free, watermarks, reserves,
 * free blocks per order with their migrate types) and si_meminfo(), the
 * figures of sysinfo(2) for C users (kmm/vmstat.h).
 *
 * Structures: none of its own; it reads struct zone (free_area[order] per
 * migrate type, vm_stat, watermarks, lowmem_reserve) and the node counters.
 * Invariants: nothing here writes; a line's figures are each read once, so
 * one dump is a snapshot per zone, not across zones.  Locking: the free
 * lists under zone->lock, the counters as they stand (atomic reads).
 */
#include "internal.h"

#include <kmm/vmstat.h>

#define K(x) ((unsigned long)(x) << (PAGE_SHIFT - 10))

/* The Mem-Info dump of an allocation failure or OOM, as __show_free_areas(). */
void show_free_areas(void)
{
	struct zone *zone;
	unsigned long free_pcp = 0;
	for_each_populated_zone(zone)
		free_pcp += zone_pcp_pages(zone);
	printk(KERN_WARNING "Mem-Info:\n");
	printk(KERN_WARNING "free:%lu free_pcp:%lu free_cma:0\n", nr_free_pages(), free_pcp);
	for_each_populated_zone(zone) {
		int cpu = max(smp_processor_id(), 0);
		printk(KERN_WARNING "Node %d %s free:%lukB boost:%lukB min:%lukB low:%lukB high:%lukB reserved_highatomic:%luKB present:%lukB managed:%lukB free_pcp:%lukB local_pcp:%ukB free_cma:%lukB\n",
		       zone->node, zone->name, K(zone_page_state(zone, NR_FREE_PAGES)), K(zone_wmark_boost(zone)),
		       K(min_wmark_pages(zone)), K(low_wmark_pages(zone)), K(high_wmark_pages(zone)),
		       K(zone->nr_reserved_highatomic), K(zone->present_pages), K(zone_managed_pages(zone)),
		       K(zone_pcp_pages(zone)), (unsigned)K(zone->pageset ? zone->pageset[cpu].count : 0), 0UL);
		printk(KERN_WARNING "lowmem_reserve[]:");
		for (int i = 0; i < MAX_ZONE_TYPES; i++)
			if (zone->zone_pgdat->node_zones[i].in_profile)
				pr_cont(" %ld", zone->lowmem_reserve[i]);
		pr_cont("\n");
	}
	for_each_populated_zone(zone) {
		unsigned long nr[MAX_ORDER], total = 0;
		unsigned char types[MAX_ORDER];
		pthread_mutex_lock(&zone->lock);
		for (int o = 0; o < MAX_ORDER; o++) {
			nr[o] = zone->free_area[o].nr_free;
			total += nr[o] << o;
			types[o] = 0;
			for (int t = 0; t < MIGRATE_TYPES; t++)
				if (!list_empty(&zone->free_area[o].free_list[t]))
					types[o] |= 1 << t;
		}
		pthread_mutex_unlock(&zone->lock);
		printk(KERN_WARNING "Node %d %s: ", zone->node, zone->name);
		for (int o = 0; o < MAX_ORDER; o++) {
			pr_cont("%lu*%lukB ", nr[o], K(1UL) << o);
			if (nr[o]) {
				static const char letters[MIGRATE_TYPES] = { 'U', 'M', 'E', 'H', 'C', 'I' };
				char tmp[MIGRATE_TYPES + 1];
				int k = 0;
				for (int t = 0; t < MIGRATE_TYPES; t++)
					if (types[o] & (1 << t))
						tmp[k++] = letters[t];
				tmp[k] = 0;
				pr_cont("(%s) ", tmp);
			}
		}
		pr_cont("= %lukB\n", K(total));
	}
	printk(KERN_WARNING "%lu pages RAM\n", (unsigned long)M->totalram_pages + 0);
	printk(KERN_WARNING "%lu pages HighMem/MovableOnly\n", (unsigned long)M->totalhigh_pages);
}

/* si_meminfo(): the memory figures of sysinfo(2), in pages of mem_unit bytes (kmm/vmstat.h). */
void si_meminfo(struct sysinfo *val)
{
	struct zone *zone;
	unsigned long freehigh = 0;
	deferred_init_wait(); /* the deferred struct pages are the zones' before anyone reads them */
	for_each_zone(zone)
		if (is_highmem(zone))
			freehigh += zone_page_state(zone, NR_FREE_PAGES);
	val->totalram = totalram_pages();
	val->sharedram = global_node_page_state_pages(NR_SHMEM);
	val->freeram = global_zone_page_state(NR_FREE_PAGES);
	val->bufferram = 0; /* nr_blockdev_pages(): kmm's files have no block-device cache */
	val->totalhigh = totalhigh_pages();
	val->freehigh = freehigh;
	val->mem_unit = PAGE_SIZE;
}

