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

#include <kmm/swap.h>
#include <kmm/vmstat.h>

#define K(x) ((unsigned long)(x) << (PAGE_SHIFT - 10))

/* a zone counter, as zone_page_state() reads it */
static unsigned long zstat(const struct zone *zone, enum zone_stat_item item)
{
	long v = __atomic_load_n(&zone->vm_stat[item], __ATOMIC_RELAXED);
	return v < 0 ? 0 : (unsigned long)v;
}

static unsigned long nstat(const long *field)
{
	long v = __atomic_load_n(field, __ATOMIC_RELAXED);
	return v < 0 ? 0 : (unsigned long)v;
}

/*
 * The Mem-Info dump of an allocation failure or OOM, as 6.1's __show_mem()
 * and __show_free_areas(): the machine's counters in pages, each node's in
 * kB, each populated zone's (free, watermarks, its LRU lists, present and
 * managed) with its lowmem_reserve[], the free blocks per order with their
 * migrate types, the hugepages, page cache and swap lines, and the RAM
 * totals.  Zone and buddy lines name their node only on the profiles whose
 * Debian kernel has CONFIG_NUMA (the 64-bit ones), as show_node() does.
 */
void show_free_areas(void)
{
	struct zone *zone;
	bool numa = M->prof->bits == 64;
	unsigned long free_pcp = 0, lru[NR_LRU_LISTS];
	for_each_populated_zone(zone)
		free_pcp += zone_pcp_pages(zone);
	for (int l = 0; l < NR_LRU_LISTS; l++)
		lru[l] = lru_pages((enum lru_list)l);
	unsigned long sreclaimable = 0, sunreclaim = 0, mapped = 0, shmem = 0, pagetables = 0, dirty = 0, writeback = 0;
	for (int n = 0; n < M->nr_nodes; n++) {
		pg_data_t *pgdat = NODE_DATA(n);
		sreclaimable += nstat(&pgdat->nr_slab_reclaimable);
		sunreclaim += nstat(&pgdat->nr_slab_unreclaimable);
		mapped += nstat(&pgdat->nr_file_mapped);
		shmem += nstat(&pgdat->nr_shmem);
		pagetables += nstat(&pgdat->nr_page_table_pages);
		dirty += nstat(&pgdat->nr_file_dirty);
		writeback += nstat(&pgdat->nr_writeback);
	}
	printk("Mem-Info:\n");
	printk("active_anon:%lu inactive_anon:%lu isolated_anon:0\n", lru[LRU_ACTIVE_ANON], lru[LRU_INACTIVE_ANON]);
	printk(" active_file:%lu inactive_file:%lu isolated_file:0\n", lru[LRU_ACTIVE_FILE], lru[LRU_INACTIVE_FILE]);
	printk(" unevictable:%lu dirty:%lu writeback:%lu\n", lru[LRU_UNEVICTABLE], dirty, writeback);
	printk(" slab_reclaimable:%lu slab_unreclaimable:%lu\n", sreclaimable, sunreclaim);
	printk(" mapped:%lu shmem:%lu pagetables:%lu\n", mapped, shmem, pagetables);
	printk(" sec_pagetables:0 bounce:0\n");
	printk(" kernel_misc_reclaimable:0\n");
	printk(" free:%lu free_pcp:%lu free_cma:%lu\n", nr_free_pages(), free_pcp,
	       (unsigned long)global_zone_page_state(NR_FREE_CMA_PAGES));
	for (int n = 0; n < M->nr_nodes; n++) {
		pg_data_t *pgdat = NODE_DATA(n);
		unsigned long nl[NR_LRU_LISTS] = { 0 };
		bool has = false;
		for (int z = 0; z < MAX_ZONE_TYPES; z++) {
			struct zone *zn = &pgdat->node_zones[z];
			if (!zn->in_profile || !populated_zone(zn))
				continue;
			has = true;
			nl[LRU_INACTIVE_ANON] += zstat(zn, NR_ZONE_INACTIVE_ANON);
			nl[LRU_ACTIVE_ANON] += zstat(zn, NR_ZONE_ACTIVE_ANON);
			nl[LRU_INACTIVE_FILE] += zstat(zn, NR_ZONE_INACTIVE_FILE);
			nl[LRU_ACTIVE_FILE] += zstat(zn, NR_ZONE_ACTIVE_FILE);
			nl[LRU_UNEVICTABLE] += zstat(zn, NR_ZONE_UNEVICTABLE);
		}
		if (!has)
			continue;
		printk("Node %d active_anon:%lukB inactive_anon:%lukB active_file:%lukB inactive_file:%lukB unevictable:%lukB isolated(anon):0kB isolated(file):0kB mapped:%lukB dirty:%lukB writeback:%lukB shmem:%lukB shmem_thp: 0kB shmem_pmdmapped: 0kB anon_thp: 0kB writeback_tmp:0kB kernel_stack:%lukB pagetables:%lukB sec_pagetables:0kB all_unreclaimable? no\n",
		       n, K(nl[LRU_ACTIVE_ANON]), K(nl[LRU_INACTIVE_ANON]), K(nl[LRU_ACTIVE_FILE]), K(nl[LRU_INACTIVE_FILE]),
		       K(nl[LRU_UNEVICTABLE]), K(nstat(&pgdat->nr_file_mapped)), K(nstat(&pgdat->nr_file_dirty)),
		       K(nstat(&pgdat->nr_writeback)), K(nstat(&pgdat->nr_shmem)), nstat(&pgdat->nr_kernel_stack),
		       K(nstat(&pgdat->nr_page_table_pages)));
	}
	for_each_populated_zone(zone) {
		int cpu = max(smp_processor_id(), 0);
		char node[16] = "";
		if (numa)
			snprintf(node, sizeof(node), "Node %d ", zone->node);
		printk("%s%s free:%lukB boost:%lukB min:%lukB low:%lukB high:%lukB reserved_highatomic:%luKB active_anon:%lukB inactive_anon:%lukB active_file:%lukB inactive_file:%lukB unevictable:%lukB writepending:%lukB present:%lukB managed:%lukB mlocked:%lukB bounce:0kB free_pcp:%lukB local_pcp:%ukB free_cma:%lukB\n",
		       node, zone->name, K(zstat(zone, NR_FREE_PAGES)), K(zone_wmark_boost(zone)), K(min_wmark_pages(zone)),
		       K(low_wmark_pages(zone)), K(high_wmark_pages(zone)), K(__atomic_load_n(&zone->nr_reserved_highatomic, __ATOMIC_RELAXED)),
		       K(zstat(zone, NR_ZONE_ACTIVE_ANON)), K(zstat(zone, NR_ZONE_INACTIVE_ANON)),
		       K(zstat(zone, NR_ZONE_ACTIVE_FILE)), K(zstat(zone, NR_ZONE_INACTIVE_FILE)),
		       K(zstat(zone, NR_ZONE_UNEVICTABLE)), K(zstat(zone, NR_ZONE_WRITE_PENDING)), K(zone->present_pages),
		       K(zone_managed_pages(zone)), K(zstat(zone, NR_MLOCK)), K(zone_pcp_pages(zone)),
		       (unsigned)K(zone->pageset ? zone->pageset[cpu].count : 0), K(zstat(zone, NR_FREE_CMA_PAGES)));
		printk("lowmem_reserve[]:");
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
		if (numa)
			printk("Node %d %s: ", zone->node, zone->name);
		else
			printk("%s: ", zone->name);
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
	for (int n = 0; n < M->nr_nodes; n++) /* hugetlb_show_meminfo_node: no pool is ever made */
		printk("Node %d hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=%lukB\n", n,
		       (1UL << M->prof->pmd_shift) >> 10);
	printk("%ld total pagecache pages\n", global_node_page_state(NR_FILE_PAGES));
	printk("%lu pages in swap cache\n", (unsigned long)global_node_page_state_pages(NR_SWAPCACHE));
	printk("Free swap  = %lukB\n", K(kmm_nr_swap_pages()));
	printk("Total swap = %lukB\n", K(kmm_total_swap_pages()));
	unsigned long total = 0, reserved = 0, highmem = 0, cma = 0;
	for_each_zone(zone) {
		total += zone->present_pages;
		reserved += zone->present_pages - zone_managed_pages(zone);
		cma += zone->cma_pages;
		if (is_highmem(zone))
			highmem += zone->present_pages;
	}
	printk("%lu pages RAM\n", total);
	printk("%lu pages HighMem/MovableOnly\n", highmem);
	printk("%lu pages reserved\n", reserved);
	if (cma)
		printk("%lu pages cma reserved\n", cma);
	printk("0 pages hwpoisoned\n");
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

