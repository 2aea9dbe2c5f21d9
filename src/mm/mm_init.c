/*
 * mm_init.c - nodes, zones, the memory map and the zones' reserves, as
 * Linux 6.1's free_area_init(), mem_init() and the watermark code build them.
 *
 * Vocabulary:
 *   arch zone limits  max_zone_pfn[]: where each zone type may end (DMA
 *                     below 16 MiB, DMA32 below 4 GiB, Normal below
 *                     max_low_pfn, HighMem to max_pfn); consecutive zones
 *                     share their boundary ("Zone ranges:" in the log).
 *   ZONE_MOVABLE      carved from the top of each node's highest usable
 *                     zone by kernelcore=/movablecore=, as
 *                     find_zone_movable_pfns_for_nodes() does.
 *   spanned/present   per zone and node; see include/kmm/mmzone.h.
 *   mem_map           one struct page per pfn: host array mem_map[pfn].
 *                     FLATMEM (i386) reserves the whole node span in the
 *                     simulated kernel's memblock; SPARSEMEM_VMEMMAP (x86_64)
 *                     reserves one 2 MiB-mapped chunk per present 128 MiB
 *                     section, so holes cost nothing in either world: the
 *                     host array is an untouched NORESERVE mapping there.
 *   deferred init     x86_64's DEFERRED_STRUCT_PAGE_INIT: on the last zone
 *                     of each node only the first section's struct pages are
 *                     initialised at boot; the rest are initialised and freed
 *                     after mem_init() (page_alloc_init_late), so the
 *                     "Memory:" line counts only early pages, as Linux's does.
 *
 * Boot order (kmm_boot): setup_arch (e820, memblock, layout) -> numa_init ->
 * free_area_init (zones, mem_map, memmap_init) -> build_all_zonelists ->
 * mem_init (memblock_free_all, highmem) -> setup_per_cpu_pageset ->
 * init_per_zone_wmark_min -> khugepaged's min_free_kbytes -> late frees.
 *
 * Reserves, with Linux's names and rules (recomputed by the sysctls):
 *   min_free_kbytes  = max(user setting, int_sqrt(lowmem_kbytes * 16))
 *                      clamped to [128, 262144]; khugepaged raises it to
 *                      keep 2 + 3*3 pageblocks per zone free (<= 5% of lowmem)
 *   _watermark[MIN]  = min_free_pages * zone managed / lowmem managed
 *                      (highmem: managed/1024 clamped to [32, 128])
 *   _watermark[LOW]  = MIN + max(MIN/4, managed * watermark_scale_factor/10000)
 *   _watermark[HIGH] = LOW + the same step; PROMO = HIGH + the step
 *   lowmem_reserve[j] of zone i < j = Σ managed of zones i+1..j / ratio[i]
 *   totalreserve     = Σ zones (max lowmem_reserve + high watermark)
 *   pcp batch/high   = from managed (zone_batchsize) and the low watermark
 *   zonelists        = nodes by distance (find_next_best_node), each node's
 *                      zones from the highest down
 *
 * Invariants after free_area_init: for every zone, spanned == end - start,
 * present <= spanned; every pfn of every memblock.memory range is inside the
 * span of exactly one zone of its node; each initialised struct page carries
 * its zone and node in page->flags.  Single-threaded (boot).
 */
#define _GNU_SOURCE
#include "internal.h"

#include <sys/mman.h>
#include <unistd.h>

pg_data_t *node_data[MAX_NUMNODES];
struct page *mem_map;
unsigned long max_mapnr;
struct zone *zone_table[1 << (NODES_WIDTH + ZONES_WIDTH)];
int nr_online_nodes;

const char *const zone_names[MAX_ZONE_TYPES] = {
	[ZONE_DMA] = "DMA", [ZONE_DMA32] = "DMA32", [ZONE_NORMAL] = "Normal",
	[ZONE_HIGHMEM] = "HighMem", [ZONE_MOVABLE] = "Movable", [ZONE_DEVICE] = "Device",
};

static unsigned long arch_zone_lowest_possible_pfn[MAX_ZONE_TYPES];
static unsigned long arch_zone_highest_possible_pfn[MAX_ZONE_TYPES];

#define MAX_DMA_PFN (SZ_16M >> PAGE_SHIFT)
#define MAX_DMA32_PFN (SZ_4G >> PAGE_SHIFT)

static inline bool zone_type_in_profile(int z)
{
	return M->prof->zone_mask & (1u << z);
}

bool is_highmem_idx(enum zone_type idx)
{
	return idx == ZONE_HIGHMEM || (idx == ZONE_MOVABLE && M->movable_zone == ZONE_HIGHMEM &&
				      zone_type_in_profile(ZONE_HIGHMEM));
}

static unsigned long pages_per_section(void)
{
	return 1UL << (M->prof->section_size_bits - PAGE_SHIFT);
}

bool pfn_valid(unsigned long pfn)
{
	if (pfn >= M->max_pfn && !(M->section_present && (pfn >> (M->prof->section_size_bits - PAGE_SHIFT)) < M->nr_sections))
		return false;
	if (M->prof->flatmem) /* mem_map from ARCH_PFN_OFFSET (ARM: PHYS_PFN_OFFSET; x86: 0) */
		return pfn >= PFN_DOWN(M->layout.phys_offset) && pfn < ALIGN(M->max_pfn, MAX_ORDER_NR_PAGES);
	unsigned long sec = pfn >> (M->prof->section_size_bits - PAGE_SHIFT);
	return sec < M->nr_sections && (M->section_present[sec / 64] >> (sec % 64) & 1);
}

/* ---- memblock.memory walks ------------------------------------------- */

#define for_each_mem_pfn_range(i, nid_filter, spfn, epfn, pnid)                                   \
	for (i = 0; i < M->memblock.memory.cnt; i++)                                                \
		if (((*(spfn) = PFN_UP(M->memblock.memory.regions[i].base)),                       \
		     (*(epfn) = PFN_DOWN(M->memblock.memory.regions[i].base +                      \
					 M->memblock.memory.regions[i].size)),                     \
		     (*(pnid) = M->memblock.memory.regions[i].nid), 0) ||                          \
		    ((nid_filter) != MAX_NUMNODES && *(pnid) != (nid_filter)) || *(spfn) >= *(epfn)) { \
		} else

static void get_pfn_range_for_nid(int nid, unsigned long *start, unsigned long *end)
{
	unsigned long s, e, i;
	int n;
	*start = ~0UL;
	*end = 0;
	for_each_mem_pfn_range(i, nid, &s, &e, &n) {
		*start = min(*start, s);
		*end = max(*end, e);
	}
	if (*start == ~0UL)
		*start = 0;
}

/* Pages of memblock.memory on node nid inside [start, end). */
static unsigned long present_pages_in_range(int nid, unsigned long start, unsigned long end)
{
	unsigned long s, e, i, n = 0;
	int rn;
	for_each_mem_pfn_range(i, nid, &s, &e, &rn) {
		s = clamp(s, start, end);
		e = clamp(e, start, end);
		n += e - s;
	}
	return n;
}

/* ---- the machine's events ---------------------------------------------------------------- */

/*
 * What the kernel does when the machine raises an event (sim/clock.c):
 * the timers - the flusher's, and kcompactd's (the end of its sleep, or at
 * once when woken: it runs where the timers run, at a scheduling point
 * with no lock held) - the swap disk's interrupt, and the scheduler's turn
 * for kswapd.
 */
static u64 mm_next_timer(void)
{
	return min(wb_next_timer(), kcompactd_next_timer());
}

static void mm_timer(u64 now)
{
	if (wb_next_timer() <= now)
		wb_timer(now);
	if (kcompactd_next_timer() <= now)
		kcompactd_timer(now);
}

static const struct sim_vectors mm_vectors = {
	.next_timer = mm_next_timer,
	.timer = mm_timer,
	.irq = swap_io_irq,
	.kthread_wants_cpu = kswapd_wants_to_run,
	.kthread_run = kswapd_sched_point,
};

void mm_vectors_init(void)
{
	sim_register_vectors(&mm_vectors);
}

/* ---- NUMA ------------------------------------------------------------- */

static pg_data_t *pgdat_alloc(int nid)
{
	pg_data_t *pgdat = calloc(1, sizeof(*pgdat));
	if (!pgdat)
		abort();
	pgdat->node_id = nid;
	pgdat->first_deferred_pfn = ~0UL;
	lruvec_init(&pgdat->__lruvec, pgdat, NULL);
	kswapd_run(pgdat);
	kcompactd_run(pgdat);
	for (int z = 0; z < MAX_ZONE_TYPES; z++) {
		struct zone *zone = &pgdat->node_zones[z];
		zone->zone_pgdat = pgdat;
		zone->node = nid;
		zone->name = zone_names[z];
		zone->in_profile = zone_type_in_profile(z);
		zone_table[(nid << ZONES_WIDTH) | z] = zone;
		pthread_mutex_init(&zone->lock, NULL);
		for (int o = 0; o < MAX_ORDER; o++)
			for (int t = 0; t < MIGRATE_TYPES; t++)
				INIT_LIST_HEAD(&zone->free_area[o].free_list[t]);
	}
	return pgdat;
}

/*
 * Assign memblock.memory to nodes: from the SRAT-like ranges given at boot,
 * from numa=fake=N (equal shares of present memory, 32 MiB granules, as
 * x86's numa_emulation), or everything to node 0.
 */
void numa_init(void)
{
	struct kmm_boot_params *p = &M->params;
	int nodes = 1;

	memblock_set_node(0, ~(phys_addr_t)0, 0);
	if (p->nr_numa_ranges && !M->numa_off) {
		for (int i = 0; i < p->nr_numa_ranges; i++) {
			const struct kmm_numa_range *r = &p->numa_ranges[i];
			if (M->prof->arch == KMM_ARCH_X86) /* arm64 reads numa-node-id from the device tree silently */
				pr_info("ACPI: SRAT: Node %d PXM %d [mem 0x%08llx-0x%08llx]\n", r->nid, r->nid,
					(unsigned long long)r->start, (unsigned long long)r->end - 1);
			memblock_set_node(r->start, r->end - r->start, r->nid);
			nodes = max(nodes, r->nid + 1);
		}
	} else if (M->fake_numa > 1 && !M->numa_off) {
		u64 total = memblock_phys_mem_size(), share = total / M->fake_numa;
		const u64 granule = 32ULL << 20; /* FAKE_NODE_MIN_SIZE */
		share = ALIGN_DOWN(share, granule);
		if (!share)
			share = granule;
		/* cut points first: memblock_set_node() splits the region array */
		struct { phys_addr_t base, size; int nid; } cuts[2 * MAX_NUMNODES + 64];
		int ncuts = 0, nid = 0;
		u64 acc = 0;
		const struct memblock_type *mem = &M->memblock.memory;
		for (unsigned long i = 0; i < mem->cnt && ncuts < (int)ARRAY_SIZE(cuts); i++) {
			phys_addr_t b = mem->regions[i].base, e = b + mem->regions[i].size;
			while (b < e && ncuts < (int)ARRAY_SIZE(cuts)) {
				u64 room = nid == M->fake_numa - 1 ? e - b : share - acc;
				phys_addr_t piece = min((u64)(e - b), room);
				cuts[ncuts].base = b;
				cuts[ncuts].size = piece;
				cuts[ncuts++].nid = nid;
				b += piece;
				acc += piece;
				if (acc >= share && nid < M->fake_numa - 1) {
					nid++;
					acc = 0;
				}
			}
		}
		for (int c = 0; c < ncuts; c++)
			memblock_set_node(cuts[c].base, cuts[c].size, cuts[c].nid);
		nodes = nid + 1;
		for (int n = 0; n < nodes; n++) {
			unsigned long s, e;
			get_pfn_range_for_nid(n, &s, &e);
			pr_info("Faking node %d at [mem 0x%016llx-0x%016llx] (%lluMB)\n", n,
				(unsigned long long)PFN_PHYS(s), (unsigned long long)PFN_PHYS(e) - 1,
				(unsigned long long)(present_pages_in_range(n, s, e) >> (20 - PAGE_SHIFT)));
		}
	}
	if (M->prof->arch == KMM_ARCH_ARM64 && nodes == 1 && !p->nr_numa_ranges) { /* arch_numa's dummy_numa_init */
		pr_info("NUMA: No NUMA configuration found\n");
		pr_info("NUMA: Faking a node at [mem 0x%016llx-0x%016llx]\n", (unsigned long long)memblock_start_of_DRAM(),
			(unsigned long long)memblock_end_of_DRAM() - 1);
	}
	M->nr_nodes = nodes;
	nr_online_nodes = nodes;
	for (int nid = 0; nid < nodes; nid++) {
		node_data[nid] = pgdat_alloc(nid);
		for (int j = 0; j < nodes; j++) {
			int d = nid == j ? 10 : 20;
			if (nid < p->nr_distance && j < p->nr_distance && p->distance[nid][j])
				d = p->distance[nid][j];
			M->distance[nid][j] = d;
		}
	}
	/* NODE_DATA lives in node-local memory on NUMA kernels */
	if (M->prof->numa) {
		const phys_addr_t pgdat_size = M->prof->pgdat_size; /* sizeof(pg_data_t) of the profile's config */
		for (int nid = 0; nid < nodes; nid++) {
			phys_addr_t pa = memblock_phys_alloc_try_nid(pgdat_size, 64, nid);
			if (pa && M->prof->arch == KMM_ARCH_ARM64) /* drivers/base/arch_numa.c's setup_node_data */
				pr_info("NUMA: NODE_DATA [mem 0x%08llx-0x%08llx]\n", (unsigned long long)pa,
					(unsigned long long)(pa + pgdat_size - 1));
			else if (pa)
				pr_info("NODE_DATA(%d) allocated [mem 0x%08llx-0x%08llx]\n", nid,
					(unsigned long long)pa, (unsigned long long)(pa + pgdat_size - 1));
		}
	}
}

/* ---- ZONE_MOVABLE -------------------------------------------------------- */

static void find_usable_zone_for_movable(void)
{
	int z;
	for (z = MAX_ZONE_TYPES - 1; z >= 0; z--) {
		if (z == ZONE_MOVABLE || !zone_type_in_profile(z))
			continue;
		if (arch_zone_highest_possible_pfn[z] > arch_zone_lowest_possible_pfn[z])
			break;
	}
	M->movable_zone = z < 0 ? ZONE_NORMAL : (enum zone_type)z;
}

static void find_zone_movable_pfns_for_nodes(void)
{
	unsigned long totalpages = 0, s, e, i;
	unsigned long required_kernelcore = M->required_kernelcore >> PAGE_SHIFT;
	unsigned long required_movablecore = M->required_movablecore >> PAGE_SHIFT;
	int usable_nodes = 0, nid;

	memset(M->zone_movable_pfn, 0, sizeof(M->zone_movable_pfn));
	find_usable_zone_for_movable();
	for_each_mem_pfn_range(i, MAX_NUMNODES, &s, &e, &nid)
		totalpages += e - s;
	for (int n = 0; n < M->nr_nodes; n++) {
		unsigned long ns, ne;
		get_pfn_range_for_nid(n, &ns, &ne);
		if (ne > ns)
			usable_nodes++;
	}
	if (M->required_kernelcore_percent)
		required_kernelcore = (totalpages * 100 * M->required_kernelcore_percent) / 10000UL;
	if (M->required_movablecore_percent)
		required_movablecore = (totalpages * 100 * M->required_movablecore_percent) / 10000UL;
	if (required_movablecore) {
		required_movablecore = ALIGN(required_movablecore, MAX_ORDER_NR_PAGES);
		required_movablecore = min(totalpages, required_movablecore);
		required_kernelcore = max(required_kernelcore, totalpages - required_movablecore);
	}
	if (!required_kernelcore || required_kernelcore >= totalpages)
		return;

	unsigned long usable_startpfn = arch_zone_lowest_possible_pfn[M->movable_zone];
restart:;
	unsigned long kernelcore_node = required_kernelcore / usable_nodes;
	for (int n = 0; n < M->nr_nodes; n++) {
		if (required_kernelcore < kernelcore_node)
			kernelcore_node = required_kernelcore / usable_nodes;
		unsigned long kernelcore_remaining = kernelcore_node;
		for_each_mem_pfn_range(i, n, &s, &e, &nid) {
			s = max(s, M->zone_movable_pfn[n]);
			if (s >= e)
				continue;
			if (s < usable_startpfn) {
				unsigned long kernel_pages = min(e, usable_startpfn) - s;
				kernelcore_remaining -= min(kernel_pages, kernelcore_remaining);
				required_kernelcore -= min(kernel_pages, required_kernelcore);
				if (e <= usable_startpfn) {
					M->zone_movable_pfn[n] = e;
					continue;
				}
				s = usable_startpfn;
			}
			unsigned long size_pages = e - s;
			if (size_pages > kernelcore_remaining)
				size_pages = kernelcore_remaining;
			M->zone_movable_pfn[n] = s + size_pages;
			required_kernelcore -= min(required_kernelcore, size_pages);
			kernelcore_remaining -= size_pages;
			if (!kernelcore_remaining)
				break;
		}
	}
	usable_nodes--;
	if (usable_nodes && required_kernelcore > (unsigned long)usable_nodes)
		goto restart;

	for (int n = 0; n < M->nr_nodes; n++) {
		unsigned long ns, ne;
		M->zone_movable_pfn[n] = ALIGN(M->zone_movable_pfn[n], MAX_ORDER_NR_PAGES);
		get_pfn_range_for_nid(n, &ns, &ne);
		if (M->zone_movable_pfn[n] >= ne)
			M->zone_movable_pfn[n] = 0;
	}
}

static void adjust_zone_range_for_zone_movable(int nid, int zone_type, unsigned long node_end_pfn,
					       unsigned long *zs, unsigned long *ze)
{
	unsigned long zmp = M->zone_movable_pfn[nid];
	if (!zmp)
		return;
	if (zone_type == ZONE_MOVABLE) {
		*zs = zmp;
		*ze = min(node_end_pfn, arch_zone_highest_possible_pfn[M->movable_zone]);
	} else if (*zs < zmp && *ze > zmp) {
		*ze = zmp;
	} else if (*zs >= zmp) {
		*zs = *ze;
	}
}

static unsigned long zone_spanned_pages_in_node(int nid, int zt, unsigned long ns, unsigned long ne,
						unsigned long *zs, unsigned long *ze)
{
	unsigned long lo = arch_zone_lowest_possible_pfn[zt], hi = arch_zone_highest_possible_pfn[zt];
	*zs = *ze = 0;
	if (!ns && !ne)
		return 0;
	*zs = clamp(ns, lo, hi);
	*ze = clamp(ne, lo, hi);
	adjust_zone_range_for_zone_movable(nid, zt, ne, zs, ze);
	if (*ze < ns || *zs > ne)
		return 0;
	*ze = min(*ze, ne);
	*zs = max(*zs, ns);
	return *ze - *zs;
}

static void calculate_node_totalpages(pg_data_t *pgdat, unsigned long ns, unsigned long ne)
{
	unsigned long total = 0, real = 0;
	for (int z = 0; z < MAX_ZONE_TYPES; z++) {
		struct zone *zone = &pgdat->node_zones[z];
		unsigned long zs, ze, size = 0, absent = 0;
		if (zone->in_profile) {
			size = zone_spanned_pages_in_node(pgdat->node_id, z, ns, ne, &zs, &ze);
			if (size)
				absent = size - present_pages_in_range(pgdat->node_id, zs, ze);
		}
		zone->zone_start_pfn = size ? zs : 0;
		zone->spanned_pages = size;
		zone->present_pages = size - absent;
		total += size;
		real += size - absent;
	}
	pgdat->node_spanned_pages = total;
	pgdat->node_present_pages = real;
}

/* ---- the memory map --------------------------------------------------------- */

/* Host side: one NORESERVE mapping for mem_map[0 .. end); touched pages only cost. */
static int mem_map_reserve_host(char *err, size_t errlen)
{
	unsigned long end = ALIGN(M->max_pfn, M->prof->flatmem ? MAX_ORDER_NR_PAGES : pages_per_section());
	size_t bytes = ALIGN(end * sizeof(struct page), 2UL << 20);
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "kmm: cannot reserve %zu bytes of host memory for mem_map: %s", bytes,
			 strerror(errno));
		return -ENOMEM;
	}
	madvise(p, bytes, MADV_HUGEPAGE);
	M->mem_map = p;
	mem_map = p;
	max_mapnr = end;
	M->mem_map_reserved_bytes = bytes;
	M->nr_sections = end / pages_per_section();
	return 0;
}

void mem_map_exit(void)
{
	if (M->mem_map)
		munmap(M->mem_map, M->mem_map_reserved_bytes);
	M->mem_map = NULL;
	mem_map = NULL;
	max_mapnr = 0;
	free(M->section_present);
	M->section_present = NULL;
}

/* The node of the first RAM in the section starting at pfn. */
static int section_first_nid(unsigned long pfn, unsigned long pps)
{
	unsigned long i, s, e;
	int nid;
	for_each_mem_pfn_range(i, MAX_NUMNODES, &s, &e, &nid)
		if (e > pfn && s < pfn + pps)
			return nid;
	return 0;
}

/*
 * The simulated kernel's side: charge mem_map to memblock as Linux does.
 * FLATMEM: alloc_node_mem_map() covers the node span rounded to MAX_ORDER.
 * SPARSEMEM_VMEMMAP: sparse_init() maps each present section with 2 MiB
 * pages from node-local memory, plus a small usemap per section.
 */
int memmap_alloc(char *err, size_t errlen)
{
	const struct kmm_profile *prof = M->prof;
	int ret = mem_map_reserve_host(err, errlen);
	if (ret)
		return ret;

	if (!prof->flatmem) {
		unsigned long pps = pages_per_section(), i, s, e;
		int nid;
		M->section_present = calloc((M->nr_sections + 63) / 64, sizeof(unsigned long));
		if (!M->section_present)
			abort();
		for_each_mem_pfn_range(i, MAX_NUMNODES, &s, &e, &nid)
			for (unsigned long sec = s / pps; sec < DIV_ROUND_UP(e, pps); sec++)
				M->section_present[sec / 64] |= 1UL << (sec % 64);
		/*
		 * memblocks_present(): the mem_section root array - a pointer per
		 * SECTIONS_PER_ROOT (a page of struct mem_section: 32 bytes with
		 * Debian's CONFIG_PAGE_EXTENSION) sections of the physical space
		 * (MAX_PHYSMEM_BITS: 46 on x86_64, 48 on arm64) - then a root page for each root that has a present
		 * section, on that section's node.
		 */
		unsigned long per_root = PAGE_SIZE / 32;
		unsigned long nroots = (1UL << (prof->max_physmem_bits - prof->section_size_bits)) / per_root;
		memblock_phys_alloc_range(nroots * sizeof(u64), SMP_CACHE_BYTES, 0, MEMBLOCK_ALLOC_ANYWHERE);
		for (unsigned long root = 0; root * per_root < M->nr_sections; root++)
			for (unsigned long sec = root * per_root; sec < min((root + 1) * per_root, M->nr_sections); sec++)
				if (M->section_present[sec / 64] & (1UL << (sec % 64))) {
					memblock_phys_alloc_try_nid(PAGE_SIZE, SMP_CACHE_BYTES, section_first_nid(sec * pps, pps));
					break;
				}
		/*
		 * sparse_init_nid(), node by node: the usemaps (a subsection bitmap
		 * and 4 bits per pageblock, per section), the memory map (2 MiB of
		 * struct pages per 128 MiB section, PMD-mapped), and the vmemmap's
		 * own tables - a PUD page per 512 GiB and a PMD page per GiB of
		 * vmemmap, the first time a section needs them (vmemmap_populate).
		 */
		unsigned long map = pps * prof->struct_page_size;
		unsigned long nr_pmd_pages = (M->nr_sections * map >> 30) + 1;
		unsigned char *pmd_done = calloc(nr_pmd_pages, 1);
		bool pud_done[8] = { false };
		if (!pmd_done)
			abort();
		for (int n = 0; n < M->nr_nodes; n++) {
			unsigned long ns, ne, count = 0;
			get_pfn_range_for_nid(n, &ns, &ne);
			for (unsigned long sec = ns / pps; sec < DIV_ROUND_UP(ne, pps); sec++)
				if (pfn_valid(sec * pps) && present_pages_in_range(n, sec * pps, (sec + 1) * pps))
					count++;
			if (!count)
				continue;
			/* mem_section_usage_size(): an rcu_head (6.1.y), the subsection map, the pageblock bits */
			unsigned long usage = 2 * 8 + sizeof(u64) + (pps >> prof->pageblock_order) * 4 / 8;
			memblock_phys_alloc_try_nid(ALIGN(count * usage, 64), SMP_CACHE_BYTES, n);
			if (!memblock_phys_alloc_try_nid(map * count, 2UL << 20, n)) {
				free(pmd_done);
				snprintf(err, errlen, "kmm: not enough memory for the memory map of node %d (%lu sections)", n, count);
				return -ENOMEM;
			}
			for (unsigned long sec = ns / pps; sec < DIV_ROUND_UP(ne, pps); sec++) {
				if (!pfn_valid(sec * pps) || !present_pages_in_range(n, sec * pps, (sec + 1) * pps))
					continue;
				unsigned long off = sec * map;
				if (off >> 39 < ARRAY_SIZE(pud_done) && !pud_done[off >> 39]) {
					pud_done[off >> 39] = true;
					memblock_phys_alloc_try_nid(PAGE_SIZE, PAGE_SIZE, n);
				}
				if (!pmd_done[off >> 30]) {
					pmd_done[off >> 30] = 1;
					memblock_phys_alloc_try_nid(PAGE_SIZE, PAGE_SIZE, n);
				}
			}
		}
		free(pmd_done);
		return 0;
	}
	for (int n = 0; n < M->nr_nodes; n++) {
		pg_data_t *pgdat = NODE_DATA(n);
		if (!pgdat->node_spanned_pages)
			continue;
		unsigned long start = ALIGN_DOWN(pgdat->node_start_pfn, MAX_ORDER_NR_PAGES);
		unsigned long end = ALIGN(pgdat->node_start_pfn + pgdat->node_spanned_pages, MAX_ORDER_NR_PAGES);
		phys_addr_t size = (phys_addr_t)(end - start) * prof->struct_page_size;
		phys_addr_t map = memblock_phys_alloc_try_nid(size, 64, n);
		if (n == 0) /* FLATMEM: pfn_to_page(pfn) == mem_map + pfn, as the trace's page= prints it */
			M->mem_map_phys = map - (u64)start * prof->struct_page_size;
		if (!map) {
			snprintf(err, errlen,
				 "kmm: Failed to allocate %llu bytes for node %d memory map: lowmem (%lu MiB) is too small for %lu pages",
				 (unsigned long long)size, n, M->max_low_pfn >> (20 - PAGE_SHIFT), end - start);
			return -ENOMEM;
		}
		/*
		 * FLATMEM's setup_usemap(): each spanned zone's pageblock bits
		 * (NR_PAGEBLOCK_BITS = 4 per pageblock, in whole longs)
		 */
		unsigned long pb = 1UL << prof->pageblock_order, word_bits = prof->bits;
		for (int z = 0; z < MAX_ZONE_TYPES; z++) {
			struct zone *zone = &pgdat->node_zones[z];
			if (!zone->in_profile || !zone->spanned_pages)
				continue;
			unsigned long pages = zone->spanned_pages + (zone->zone_start_pfn & (pb - 1));
			unsigned long bits = ALIGN(ALIGN(pages, pb) / pb * 4, word_bits);
			memblock_phys_alloc_try_nid(bits / 8, SMP_CACHE_BYTES, n);
		}
	}
	return 0;
}

static void init_single_page(struct page *page, unsigned long pfn, int zone, int nid)
{
	(void)pfn;
	memset(page, 0, sizeof(*page));
	page->flags = ((unsigned long)nid << NODES_PGSHIFT) | ((unsigned long)zone << ZONES_PGSHIFT) |
		      (1UL << PG_reserved);
	page->_refcount = 1;
	page->_mapcount = -1;
	INIT_LIST_HEAD(&page->lru);
}

static void set_pageblock_migratetype_raw(struct zone *zone, unsigned long pfn, int mt)
{
	unsigned long idx = (pfn - ALIGN_DOWN(zone->zone_start_pfn, pageblock_nr_pages())) >> M->prof->pageblock_order;
	zone->pageblock_mt[idx] = (unsigned char)mt;
}

struct zone *page_zone_of_pfn_early(unsigned long pfn);

struct memmap_chunk {
	struct zone *zone;
	unsigned long start, end;
};

static void *memmap_init_chunk(void *argp)
{
	struct memmap_chunk *c = argp;
	struct zone *zone = c->zone;
	int z = zone_idx(zone), nid = zone->node;
	for (unsigned long pfn = c->start; pfn < c->end; pfn++) {
		init_single_page(pfn_to_page(pfn), pfn, z, nid);
		if (IS_ALIGNED(pfn, pageblock_nr_pages()))
			set_pageblock_migratetype_raw(zone, pfn, MIGRATE_MOVABLE);
	}
	return NULL;
}

/*
 * Write the struct pages of [start, end) in zone.  Most of the cost is the
 * host faulting in fresh mem_map memory, so a large range is split among
 * the host's CPUs, as Linux splits deferred init among padata threads.
 */
static void memmap_init_range(struct zone *zone, unsigned long start, unsigned long end)
{
	end = min(end, max(start, zone->zone_pgdat->first_deferred_pfn));
	if (start >= end)
		return;
	static long host_cpus;
	if (!host_cpus)
		host_cpus = clamp(sysconf(_SC_NPROCESSORS_ONLN), 1L, 8L);
	unsigned long n = end - start, per = ALIGN(DIV_ROUND_UP(n, (unsigned long)host_cpus), 512UL);
	if (host_cpus == 1 || n < (1UL << 17)) {
		struct memmap_chunk c = { zone, start, end };
		memmap_init_chunk(&c);
		return;
	}
	pthread_t tid[8];
	struct memmap_chunk c[8];
	int started = 0;
	for (long i = 0; i < host_cpus; i++) {
		unsigned long s = start + (unsigned long)i * per, e = min(end, s + per);
		if (s >= e)
			break;
		c[i] = (struct memmap_chunk){ zone, s, e };
		if (i == 0 || pthread_create(&tid[i], NULL, memmap_init_chunk, &c[i])) {
			if (i)
				memmap_init_chunk(&c[i]);
			continue;
		}
		started |= 1 << i;
	}
	memmap_init_chunk(&c[0]);
	for (long i = 1; i < host_cpus; i++)
		if (started & (1 << i))
			pthread_join(tid[i], NULL);
}

static unsigned long init_unavailable_range(unsigned long spfn, unsigned long epfn, int zone, int nid)
{
	unsigned long pgcnt = 0, pb = pageblock_nr_pages();
	for (unsigned long pfn = spfn; pfn < epfn; pfn++) {
		if (!pfn_valid(ALIGN_DOWN(pfn, pb))) {
			pfn = ALIGN(pfn + 1, pb) - 1;
			continue;
		}
		init_single_page(pfn_to_page(pfn), pfn, zone, nid);
		pgcnt++;
	}
	if (pgcnt)
		pr_info("On node %d, zone %s: %lu pages in unavailable ranges\n", nid, zone_names[zone], pgcnt);
	return pgcnt;
}

/*
 * x86_64 DEFERRED_STRUCT_PAGE_INIT (defer_init()): in the node's last zone,
 * only the first section's worth of present pages is initialised at boot;
 * deferral starts at the next section boundary after that.
 */
static void pgdat_set_deferred_range(pg_data_t *pgdat)
{
	pgdat->first_deferred_pfn = ~0UL;
	if (!M->prof->deferred_struct_page_init)
		return;
	unsigned long ns = pgdat->node_start_pfn, ne = ns + pgdat->node_spanned_pages;
	struct zone *last = NULL;
	for (int z = 0; z < MAX_ZONE_TYPES; z++) {
		struct zone *zone = &pgdat->node_zones[z];
		if (zone->in_profile && populated_zone(zone) && zone_end_pfn(zone) == ne)
			last = zone;
	}
	if (!last)
		return;
	unsigned long pps = pages_per_section(), s, e, i, nr = 0;
	int nid;
	for_each_mem_pfn_range(i, pgdat->node_id, &s, &e, &nid) {
		s = max(s, last->zone_start_pfn);
		e = min(e, ne);
		if (s >= e)
			continue;
		/*
		 * defer_init(): the pfn that is the (pps + 1)th initialised one,
		 * or any later one, once it is section-aligned
		 */
		unsigned long pfn = ALIGN(s + (nr < pps ? pps - nr : 0), pps);
		if (pfn < e) {
			pgdat->first_deferred_pfn = pfn;
			return;
		}
		nr += e - s;
	}
}

static void memmap_init(void)
{
	unsigned long s, e, i, hole_pfn = 0, end_pfn = 0;
	int nid, zone_id = 0, last_nid = 0;
	for_each_mem_pfn_range(i, MAX_NUMNODES, &s, &e, &nid) {
		pg_data_t *pgdat = NODE_DATA(nid);
		for (int z = 0; z < MAX_ZONE_TYPES; z++) {
			struct zone *zone = &pgdat->node_zones[z];
			if (!zone->in_profile || !populated_zone(zone))
				continue;
			unsigned long zs = zone->zone_start_pfn, ze = zone_end_pfn(zone);
			unsigned long rs = clamp(s, zs, ze), re = clamp(e, zs, ze);
			if (rs >= re)
				continue;
			memmap_init_range(zone, rs, re);
			if (hole_pfn < rs)
				init_unavailable_range(hole_pfn, rs, z, nid);
			hole_pfn = re;
			zone_id = z;
		}
		end_pfn = e;
		last_nid = nid;
	}
	if (!M->prof->flatmem) {
		end_pfn = ALIGN(end_pfn, pages_per_section());
		if (hole_pfn < end_pfn)
			init_unavailable_range(hole_pfn, end_pfn, zone_id, last_nid);
	}
}

/* Pages the memory map of a zone costs (calc_memmap_size). */
static unsigned long calc_memmap_size(unsigned long spanned, unsigned long present)
{
	unsigned long pages = spanned;
	if (spanned > present + (present >> 4) && !M->prof->flatmem)
		pages = present;
	return PFN_UP(pages * (unsigned long)M->prof->struct_page_size);
}

static void free_area_init_core(pg_data_t *pgdat)
{
	for (int z = 0; z < MAX_ZONE_TYPES; z++) {
		struct zone *zone = &pgdat->node_zones[z];
		if (!zone->in_profile)
			continue;
		unsigned long size = zone->spanned_pages, freesize = zone->present_pages;
		unsigned long memmap_pages = calc_memmap_size(size, freesize);
		if (!is_highmem_idx(z)) {
			if (freesize >= memmap_pages)
				freesize -= memmap_pages;
			else
				pr_warn("  %s zone: %lu memmap pages exceeds freesize %lu\n", zone_names[z],
					memmap_pages, freesize);
		}
		if (z == ZONE_DMA && freesize > M->dma_reserve)
			freesize -= M->dma_reserve;
		if (!is_highmem_idx(z))
			M->nr_kernel_pages += freesize;
		else if (M->nr_kernel_pages > memmap_pages * 2)
			M->nr_kernel_pages -= memmap_pages;
		M->nr_all_pages += freesize;
		/* an estimate until memblock_free_all() counts the real thing */
		zone->managed_pages = (long)freesize;
		zone_pcp_init(zone);
		if (!size)
			continue;
		/* the zone's window onto the machine-wide pageblock array */
		zone->pageblock_mt = M->pageblock_flags + (zone->zone_start_pfn >> M->prof->pageblock_order);
	}
}

void free_area_init(void)
{
	unsigned long max_zone_pfn[MAX_ZONE_TYPES] = { 0 };
	max_zone_pfn[ZONE_DMA] = min(MAX_DMA_PFN, M->max_low_pfn);
	if (M->prof->arch == KMM_ARCH_ARM64) {
		/* arm64's zone_sizes_init(): the limits arch/setup_arm64.c computed (max_zone_phys) */
		max_zone_pfn[ZONE_DMA] = PFN_DOWN(M->arm64_dma_phys_limit);
		max_zone_pfn[ZONE_DMA32] = PFN_DOWN(M->arm64_dma32_phys_limit);
		max_zone_pfn[ZONE_NORMAL] = M->max_pfn;
	} else if (M->prof->arch == KMM_ARCH_ARM) {
		/* ARM's zone_sizes_init(): DMA up to arm_dma_pfn_limit within lowmem, then Normal, HighMem above */
		max_zone_pfn[ZONE_DMA] = min((unsigned long)(M->arm_dma_limit >> PAGE_SHIFT), M->max_low_pfn);
		max_zone_pfn[ZONE_NORMAL] = M->max_low_pfn;
		max_zone_pfn[ZONE_HIGHMEM] = M->max_pfn;
	} else if (M->prof->bits == 64) {
		max_zone_pfn[ZONE_DMA32] = min(MAX_DMA32_PFN, M->max_pfn);
		max_zone_pfn[ZONE_NORMAL] = M->max_pfn;
	} else {
		max_zone_pfn[ZONE_NORMAL] = M->max_low_pfn;
		max_zone_pfn[ZONE_HIGHMEM] = M->max_pfn;
	}

	unsigned long start_pfn = PFN_UP(memblock_start_of_DRAM()), s, e, i;
	int nid;
	for (int z = 0; z < MAX_ZONE_TYPES; z++) {
		if (z == ZONE_MOVABLE || !zone_type_in_profile(z))
			continue;
		unsigned long end_pfn = max(max_zone_pfn[z], start_pfn);
		arch_zone_lowest_possible_pfn[z] = start_pfn;
		arch_zone_highest_possible_pfn[z] = end_pfn;
		start_pfn = end_pfn;
	}
	find_zone_movable_pfns_for_nodes();

	pr_info("Zone ranges:\n");
	for (int z = 0; z < ZONE_MOVABLE; z++) {
		if (!zone_type_in_profile(z))
			continue;
		pr_info("  %-8s ", zone_names[z]);
		if (arch_zone_lowest_possible_pfn[z] == arch_zone_highest_possible_pfn[z])
			pr_cont("empty\n");
		else
			pr_cont("[mem 0x%016llx-0x%016llx]\n",
				(unsigned long long)PFN_PHYS(arch_zone_lowest_possible_pfn[z]),
				(unsigned long long)PFN_PHYS(arch_zone_highest_possible_pfn[z]) - 1);
	}
	pr_info("Movable zone start for each node\n");
	for (int n = 0; n < M->nr_nodes; n++)
		if (M->zone_movable_pfn[n])
			pr_info("  Node %d: 0x%016llx\n", n, (unsigned long long)PFN_PHYS(M->zone_movable_pfn[n]));
	pr_info("Early memory node ranges\n");
	for_each_mem_pfn_range(i, MAX_NUMNODES, &s, &e, &nid)
		pr_info("  node %3d: [mem 0x%016llx-0x%016llx]\n", nid, (unsigned long long)PFN_PHYS(s),
			(unsigned long long)PFN_PHYS(e) - 1);

	for (int n = 0; n < M->nr_nodes; n++) {
		pg_data_t *pgdat = NODE_DATA(n);
		unsigned long ns, ne;
		get_pfn_range_for_nid(n, &ns, &ne);
		pgdat->node_start_pfn = ns;
		if (ns != ne) {
			pr_info("Initmem setup node %d [mem 0x%016llx-0x%016llx]\n", n,
				(unsigned long long)PFN_PHYS(ns), ne ? (unsigned long long)PFN_PHYS(ne) - 1 : 0);
			calculate_node_totalpages(pgdat, ns, ne);
		} else {
			pr_info("Initmem setup node %d as memoryless\n", n);
		}
	}
}

/* The second half of free_area_init, once mem_map has its memory. */
void free_area_init_memmap(void)
{
	/* one byte per pageblock of the machine: its migratetype (the usemap) */
	M->pageblock_flags = calloc((M->max_pfn >> M->prof->pageblock_order) + 2, 1);
	if (!M->pageblock_flags)
		abort();
	for (int n = 0; n < M->nr_nodes; n++) {
		pgdat_set_deferred_range(NODE_DATA(n));
		free_area_init_core(NODE_DATA(n));
	}
	memmap_init();
}

/* ---- mem_init: the buddy allocator takes over ----------------------------------- */

/*
 * Linux frees highmem one page at a time (free_highmem_page); the buddy
 * allocator merges them as they come, in ascending order, into exactly the
 * blocks - added to the lists in the same order - that freeing naturally
 * aligned blocks gives, so kmm frees the blocks directly.
 */
static void free_highmem_range(unsigned long start, unsigned long end, void *arg)
{
	free_pfn_range_to_buddy(start, end, NULL);
	M->totalram_pages += (long)(end - start);
	M->totalhigh_pages += (long)(end - start);
}

/* Highmem is handed over by add_highpages_with_active_regions(). */
static void set_highmem_pages_init(void)
{
	for (int n = 0; n < M->nr_nodes; n++) {
		pg_data_t *pgdat = NODE_DATA(n);
		for (int z = ZONE_HIGHMEM; z <= ZONE_MOVABLE; z++) {
			struct zone *zone = &pgdat->node_zones[z];
			if (!zone->in_profile || !is_highmem_idx(z))
				continue;
			unsigned long zs = zone->zone_start_pfn, ze = zone_end_pfn(zone);
			if (M->prof->arch == KMM_ARCH_X86) /* arch/x86/mm/highmem_32.c's; ARM's free_highpages() is silent */
				pr_info("Initializing %s for node %d (%08lx:%08lx)\n", zone_names[z], n, zs, ze);
			memblock_for_each_free_range(n, zs, ze, free_highmem_range, NULL);
		}
	}
}

/*
 * page_alloc_init_late(): initialise and free the deferred struct pages.
 *
 * As Linux hands this to one kthread per node while the boot goes on, kmm
 * hands it to one host thread per node: kmm_boot() returns while the
 * threads write the struct pages (touching the host memory behind a large
 * mem_map is what costs), and everything that looks at free memory first
 * waits for them (deferred_init_wait()).  The pages are counted as managed
 * before the threads start, so the watermarks computed meanwhile are the
 * ones Linux computes after its own deferred init.
 */
static pthread_t deferred_threads[MAX_NUMNODES];
static bool deferred_pending[MAX_NUMNODES];

/* The free ranges a node's thread hands over, copied before it starts: memblock goes on changing. */
struct deferred_ranges {
	size_t n, cap;
	unsigned long (*r)[2];
};
static struct deferred_ranges deferred_work[MAX_NUMNODES];

static void deferred_collect(unsigned long s, unsigned long e, void *argp)
{
	struct deferred_ranges *d = argp;
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->r = realloc(d->r, d->cap * sizeof(*d->r));
		if (!d->r)
			abort();
	}
	d->r[d->n][0] = s;
	d->r[d->n][1] = e;
	d->n++;
}

struct deferred_free_arg {
	unsigned long first;    /* first deferred pfn of the node */
	bool count_only;        /* true: only count the pages per zone */
};

static void deferred_range(unsigned long s, unsigned long e, void *argp)
{
	struct deferred_free_arg *arg = argp;
	s = max(s, arg->first);
	if (s >= e)
		return;
	if (arg->count_only) {
		while (s < e) {
			struct zone *zone = page_zone_of_pfn_early(s);
			unsigned long piece = min(e, zone_end_pfn(zone)) - s;
			__atomic_add_fetch(&zone->managed_pages, (long)piece, __ATOMIC_RELAXED);
			s += piece;
		}
		return;
	}
	free_pfn_range_boot(s, e, false);
}

static void *deferred_init_node(void *argp)
{
	pg_data_t *pgdat = argp;
	unsigned long first = pgdat->deferred_from;
	for (int z = 0; z < MAX_ZONE_TYPES; z++) {
		struct zone *zone = &pgdat->node_zones[z];
		if (!zone->in_profile || !populated_zone(zone))
			continue;
		unsigned long zs = max(zone->zone_start_pfn, first), ze = zone_end_pfn(zone);
		if (zs >= ze)
			continue;
		memmap_init_range(zone, zs, ze);
	}
	struct deferred_free_arg arg = { first, false };
	struct deferred_ranges *d = &deferred_work[pgdat->node_id];
	for (size_t i = 0; i < d->n; i++)
		deferred_range(d->r[i][0], d->r[i][1], &arg);
	free(d->r);
	*d = (struct deferred_ranges){ 0 };
	return NULL;
}

/* The zone a deferred pfn will belong to (its struct page is not written yet). */
struct zone *page_zone_of_pfn_early(unsigned long pfn)
{
	for (int n = 0; n < M->nr_nodes; n++) {
		pg_data_t *pgdat = NODE_DATA(n);
		for (int z = 0; z < MAX_ZONE_TYPES; z++) {
			struct zone *zone = &pgdat->node_zones[z];
			if (zone->in_profile && populated_zone(zone) && pfn >= zone->zone_start_pfn && pfn < zone_end_pfn(zone))
				return zone;
		}
	}
	MM_BUG_ON(1);
	return NULL;
}

void page_alloc_init_late(void)
{
	for (int n = 0; n < M->nr_nodes; n++) {
		pg_data_t *pgdat = NODE_DATA(n);
		if (pgdat->first_deferred_pfn == ~0UL)
			continue;
		struct deferred_free_arg arg = { pgdat->first_deferred_pfn, true };
		memblock_for_each_free_range(n, arg.first, ~0UL, deferred_range, &arg);
		memblock_for_each_free_range(n, arg.first, ~0UL, deferred_collect, &deferred_work[n]);
		/* from here on memmap_init_range() writes pages past the old limit */
		unsigned long first = pgdat->first_deferred_pfn;
		pgdat->first_deferred_pfn = ~0UL;
		pgdat->deferred_from = first;
		if (pthread_create(&deferred_threads[n], NULL, deferred_init_node, pgdat)) {
			deferred_init_node(pgdat);
			pr_info("node %d deferred pages initialised in 0ms\n", n);
			continue;
		}
		deferred_pending[n] = true;
		__atomic_store_n(&M->deferred_active, true, __ATOMIC_RELEASE);
	}
}

/*
 * Wait for the deferred struct page threads.  Any thread may get here
 * (views, the allocator's slow path, several CPUs at once): the first one
 * joins the threads, the others wait for it.
 */
static pthread_mutex_t deferred_lock = PTHREAD_MUTEX_INITIALIZER;

void deferred_init_wait(void)
{
	if (!__atomic_load_n(&M->deferred_active, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&deferred_lock);
	for (int n = 0; n < M->nr_nodes; n++) {
		if (!deferred_pending[n])
			continue;
		pthread_join(deferred_threads[n], NULL);
		deferred_pending[n] = false;
	}
	__atomic_store_n(&M->deferred_active, false, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&deferred_lock);
}

/*
 * A boot-time free of [start, end) (the initrd, the kernel's init sections)
 * must find its struct pages initialised: Linux frees them only after
 * page_alloc_init_late() waited for the deferred pages.  kmm's threads may
 * still be writing them; wait if the range reaches a node's deferred part.
 */
void deferred_init_wait_range(unsigned long start, unsigned long end)
{
	if (!__atomic_load_n(&M->deferred_active, __ATOMIC_ACQUIRE))
		return;
	for (int n = 0; n < M->nr_nodes; n++) {
		pg_data_t *pgdat = NODE_DATA(n);
		unsigned long ns = pgdat->node_start_pfn, ne = ns + pgdat->node_spanned_pages;
		if (deferred_pending[n] && end > max(ns, pgdat->deferred_from) && start < ne) {
			deferred_init_wait();
			return;
		}
	}
}

void mem_init(void)
{
	struct zone *zone;
	for_each_zone(zone)
		zone->managed_pages = 0; /* reset_all_zones_managed_pages() */
	M->totalram_pages = 0;
	M->totalhigh_pages = 0;
	memblock_free_all();
	if (zone_type_in_profile(ZONE_HIGHMEM))
		set_highmem_pages_init();
	mem_cgroup_init(); /* the root memory cgroup (cgroup_init runs later in 6.1; nothing charges before) */
}

void mem_init_print_info(void)
{
	unsigned long physpages = 0;
	for (int n = 0; n < M->nr_nodes; n++)
		physpages += NODE_DATA(n)->node_present_pages;
	const struct kmm_image *im = &M->image;
	unsigned long totalram = (unsigned long)M->totalram_pages;
	unsigned long cma = M->totalcma_pages; /* reserved in memblock until cma_init_reserved_areas */
	/* "available" is what the buddy allocator holds free right now */
	pr_info("Memory: %luK/%luK available (%lluK kernel code, %lluK rwdata, %lluK rodata, %lluK init, %lluK bss, %luK reserved, %luK cma-reserved",
		nr_free_pages() << (PAGE_SHIFT - 10), physpages << (PAGE_SHIFT - 10),
		(unsigned long long)(im->etext - im->text) >> 10, (unsigned long long)(im->edata - im->data) >> 10,
		(unsigned long long)(im->erodata - im->rodata) >> 10, (unsigned long long)(im->einit - im->init) >> 10,
		(unsigned long long)(im->ebss - im->bss) >> 10, (physpages - totalram - cma) << (PAGE_SHIFT - 10),
		cma << (PAGE_SHIFT - 10));
	if (zone_type_in_profile(ZONE_HIGHMEM))
		pr_cont(", %luK highmem", (unsigned long)M->totalhigh_pages << (PAGE_SHIFT - 10));
	pr_cont(")\n");
}

/* ---- zone counters the reserves are computed from ------------------------ */

/* Σ over the zones a GFP_USER allocation may use of (managed - high). */
static unsigned long nr_free_zone_pages(int highest_zone)
{
	unsigned long sum = 0;
	struct zone *zone;
	for_each_zone(zone) {
		if (zone_idx(zone) > highest_zone)
			continue;
		unsigned long size = zone_managed_pages(zone), high = high_wmark_pages(zone);
		if (size > high)
			sum += size - high;
	}
	return sum;
}

/* The highest zone GFP_USER (no highmem, not movable) may use. */
static int gfp_user_zone(void)
{
	return ZONE_NORMAL;
}

unsigned long nr_free_buffer_pages(void)
{
	return nr_free_zone_pages(gfp_user_zone());
}

unsigned long nr_free_pagecache_pages(void)
{
	return nr_free_zone_pages(ZONE_MOVABLE);
}

static unsigned long int_sqrt(unsigned long x)
{
	unsigned long r = 0, bit = 1UL << 62;
	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

/* ---- reserves -------------------------------------------------------------- */

void calculate_totalreserve_pages(void)
{
	unsigned long reserve_pages = 0;
	for (int n = 0; n < M->nr_nodes; n++) {
		pg_data_t *pgdat = NODE_DATA(n);
		pgdat->totalreserve_pages = 0;
		for (int i = 0; i < MAX_ZONE_TYPES; i++) {
			struct zone *zone = &pgdat->node_zones[i];
			if (!zone->in_profile)
				continue;
			long max = 0;
			for (int j = i; j < MAX_ZONE_TYPES; j++)
				if (zone->lowmem_reserve[j] > max)
					max = zone->lowmem_reserve[j];
			/* we treat the high watermark as reserved pages */
			max += (long)high_wmark_pages(zone);
			if ((unsigned long)max > zone_managed_pages(zone))
				max = (long)zone_managed_pages(zone);
			pgdat->totalreserve_pages += (unsigned long)max;
			reserve_pages += (unsigned long)max;
		}
	}
	M->totalreserve_pages = reserve_pages;
}

void setup_per_zone_lowmem_reserve(void)
{
	for (int n = 0; n < M->nr_nodes; n++) {
		pg_data_t *pgdat = NODE_DATA(n);
		for (int i = 0; i < MAX_ZONE_TYPES - 1; i++) {
			struct zone *zone = &pgdat->node_zones[i];
			if (!zone->in_profile)
				continue;
			int ratio = M->lowmem_reserve_ratio[i];
			bool clear = !ratio || !zone_managed_pages(zone);
			unsigned long managed = 0;
			for (int j = i + 1; j < MAX_ZONE_TYPES; j++) {
				struct zone *upper = &pgdat->node_zones[j];
				if (!upper->in_profile)
					continue;
				managed += zone_managed_pages(upper);
				zone->lowmem_reserve[j] = clear ? 0 : (long)(managed / (unsigned long)ratio);
			}
		}
	}
	calculate_totalreserve_pages();
}

static void __setup_per_zone_wmarks(void)
{
	unsigned long pages_min = (unsigned long)M->min_free_kbytes >> (PAGE_SHIFT - 10);
	unsigned long lowmem_pages = 0;
	struct zone *zone;

	for_each_zone(zone)
		if (!is_highmem(zone))
			lowmem_pages += zone_managed_pages(zone);

	for_each_zone(zone) {
		pthread_mutex_lock(&zone->lock);
		u64 tmp = (u64)pages_min * zone_managed_pages(zone);
		tmp = lowmem_pages ? tmp / lowmem_pages : 0;
		if (is_highmem(zone)) {
			/*
			 * __GFP_HIGH and PF_MEMALLOC allocations never reach
			 * highmem, so its min watermark stays small.
			 */
			unsigned long min_pages = zone_managed_pages(zone) / 1024;
			min_pages = clamp(min_pages, 32UL, 128UL);
			__atomic_store_n(&zone->_watermark[WMARK_MIN], min_pages, __ATOMIC_RELAXED);
		} else {
			__atomic_store_n(&zone->_watermark[WMARK_MIN], (unsigned long)tmp, __ATOMIC_RELAXED);
		}
		/* the step: a quarter of min, or watermark_scale_factor of managed */
		u64 step = (u64)zone_managed_pages(zone) / 10000 * (u64)M->watermark_scale_factor +
			   (u64)zone_managed_pages(zone) % 10000 * (u64)M->watermark_scale_factor / 10000;
		tmp = max(tmp >> 2, step);
		__atomic_store_n(&zone->watermark_boost, 0UL, __ATOMIC_RELAXED);
		__atomic_store_n(&zone->_watermark[WMARK_LOW], (unsigned long)(min_wmark_pages(zone) + tmp), __ATOMIC_RELAXED);
		__atomic_store_n(&zone->_watermark[WMARK_HIGH], (unsigned long)(low_wmark_pages(zone) + tmp), __ATOMIC_RELAXED);
		__atomic_store_n(&zone->_watermark[WMARK_PROMO], (unsigned long)(high_wmark_pages(zone) + tmp),
				 __ATOMIC_RELAXED);
		pthread_mutex_unlock(&zone->lock);
	}
	calculate_totalreserve_pages();
}

static void zone_set_pageset_high_and_batch(struct zone *zone);

void setup_per_zone_wmarks(void)
{
	__setup_per_zone_wmarks();
	/* the watermarks moved: so do the pcp high limits that follow them */
	struct zone *zone;
	for_each_zone(zone)
		zone_set_pageset_high_and_batch(zone);
}

/* init_per_zone_wmark_min: min_free_kbytes from the size of lowmem. */
static void calculate_min_free_kbytes(void)
{
	unsigned long lowmem_kbytes = nr_free_buffer_pages() * (PAGE_SIZE >> 10);
	unsigned long new_min = int_sqrt(lowmem_kbytes * 16);
	if ((long)new_min > (long)M->user_min_free_kbytes) {
		M->min_free_kbytes = (int)clamp(new_min, 128UL, 262144UL);
	} else {
		pr_warn("min_free_kbytes is not updated to %lu because user defined value %d is preferred\n",
			new_min, M->user_min_free_kbytes);
	}
}

int init_per_zone_wmark_min(void)
{
	calculate_min_free_kbytes();
	setup_per_zone_wmarks();
	setup_per_zone_lowmem_reserve();
	return 0;
}

/* khugepaged: keep pageblocks free so huge pages can be assembled. */
void set_recommended_min_free_kbytes(void)
{
	struct zone *zone;
	int nr_zones = 0;
	if (!M->thp_enabled) {
		calculate_min_free_kbytes();
		setup_per_zone_wmarks();
		return;
	}
	for_each_populated_zone(zone) {
		/* ZONE_MOVABLE only holds movable pages: no fragmentation to fear */
		if (zone_idx(zone) > gfp_user_zone())
			continue;
		nr_zones++;
	}
	unsigned long recommended = pageblock_nr_pages() * (unsigned long)nr_zones * 2;
	recommended += pageblock_nr_pages() * (unsigned long)nr_zones * MIGRATE_PCPTYPES * MIGRATE_PCPTYPES;
	recommended = min(recommended, nr_free_buffer_pages() / 20);
	recommended <<= (PAGE_SHIFT - 10);
	if (recommended > (unsigned long)M->min_free_kbytes) {
		if (M->user_min_free_kbytes >= 0)
			pr_info("raising min_free_kbytes from %d to %lu to help transparent hugepage allocations\n",
				M->min_free_kbytes, recommended);
		M->min_free_kbytes = (int)recommended;
	}
	setup_per_zone_wmarks();
}

/* ---- per-CPU page lists: sizing ---------------------------------------------- */

static int zone_batchsize(const struct zone *zone)
{
	long batch = (long)min(zone_managed_pages(zone) >> 10, (1UL << 20) / PAGE_SIZE);
	batch /= 4; /* effectively *= 4 below */
	if (batch < 1)
		batch = 1;
	/* clamp to 2^n - 1 so that batches do not alias in the cache */
	long b = batch + batch / 2, p = 1;
	while (p * 2 <= b)
		p *= 2;
	return (int)(p - 1);
}

static int zone_highsize(const struct zone *zone, int batch, int cpu_online)
{
	unsigned long total_pages;
	if (!M->percpu_pagelist_high_fraction)
		total_pages = low_wmark_pages(zone); /* so a full pcp does not wake kswapd */
	else
		total_pages = zone_managed_pages(zone) / (unsigned long)M->percpu_pagelist_high_fraction;
	/* split among the CPUs local to the zone's node (CPU c sits on node c % nodes) */
	int nr_split_cpus = cpu_online;
	for (int c = 0; c < M->nr_cpus; c++)
		if (c % M->nr_nodes == zone->node)
			nr_split_cpus++;
	if (!nr_split_cpus)
		nr_split_cpus = M->nr_cpus;
	int high = (int)(total_pages / (unsigned long)nr_split_cpus);
	return max(high, batch << 2);
}

static void zone_set_pageset_high_and_batch(struct zone *zone)
{
	int new_batch = max(1, zone_batchsize(zone));
	int new_high = zone_highsize(zone, new_batch, 0);
	zone->pageset_high = new_high;
	zone->pageset_batch = new_batch;
	if (!zone->pageset)
		return;
	for (int c = 0; c < M->nr_cpus; c++) {
		zone->pageset[c].high = new_high;
		zone->pageset[c].batch = new_batch;
	}
}

/* Boot pagesets: batch 1, high 0 until setup_per_cpu_pageset(). */
/* Boot pagesets: high 0 and batch 1, so nothing stays on them until setup_per_cpu_pageset(). */
void zone_pcp_init(struct zone *zone)
{
	zone->pageset_high = 0;
	zone->pageset_batch = 1;
	zone->pageset = calloc((size_t)M->nr_cpus, sizeof(*zone->pageset));
	if (!zone->pageset)
		abort();
	for (int c = 0; c < M->nr_cpus; c++) {
		zone->pageset[c].high = 0;
		zone->pageset[c].batch = 1;
		for (int t = 0; t < NR_PCP_LISTS; t++)
			INIT_LIST_HEAD(&zone->pageset[c].lists[t]);
	}
}

void setup_per_cpu_pageset(void)
{
	struct zone *zone;
	for_each_zone(zone)
		zone_set_pageset_high_and_batch(zone);
}

/* ---- zonelists ---------------------------------------------------------------- */

static int build_zonerefs_node(pg_data_t *pgdat, struct zoneref *zonerefs)
{
	int nr = 0;
	for (int z = MAX_ZONE_TYPES - 1; z >= 0; z--) {
		struct zone *zone = &pgdat->node_zones[z];
		if (zone->in_profile && managed_zone(zone)) {
			zonerefs[nr].zone = zone;
			zonerefs[nr].zone_idx = z;
			nr++;
		}
	}
	return nr;
}

/*
 * The node order for a node's fallback list: nearest first; among equally
 * distant nodes, the one fewer lists have already preferred (node_load), as
 * find_next_best_node() spreads the load.
 */
static void build_zonelists(pg_data_t *pgdat, int *node_load)
{
	int order[MAX_NUMNODES], nr = 0, local = pgdat->node_id;
	bool used[MAX_NUMNODES] = { false };
	int prev_dist = M->distance[local][local];
	for (;;) {
		int best = -1, best_val = 0;
		for (int n = 0; n < M->nr_nodes; n++) {
			if (used[n])
				continue;
			/* the local node always comes first */
			if (n == local && !used[local]) {
				best = n;
				break;
			}
			int val = M->distance[local][n];
			val += (n < local); /* prefer the next node after local */
			val *= MAX_NUMNODES * MAX_ZONE_TYPES;
			val += node_load[n];
			if (best < 0 || val < best_val) {
				best = n;
				best_val = val;
			}
		}
		if (best < 0)
			break;
		used[best] = true;
		if (M->distance[local][best] != prev_dist)
			node_load[best] += 1;
		prev_dist = M->distance[local][best];
		order[nr++] = best;
	}
	struct zoneref *zr = pgdat->node_zonelists[ZONELIST_FALLBACK]._zonerefs;
	int k = 0;
	for (int i = 0; i < nr; i++)
		k += build_zonerefs_node(NODE_DATA(order[i]), zr + k);
	zr[k].zone = NULL;
	zr[k].zone_idx = 0;
	zr = pgdat->node_zonelists[ZONELIST_NOFALLBACK]._zonerefs;
	k = build_zonerefs_node(pgdat, zr);
	zr[k].zone = NULL;
	zr[k].zone_idx = 0;
}

void build_all_zonelists(void)
{
	int node_load[MAX_NUMNODES] = { 0 };
	for (int n = 0; n < M->nr_nodes; n++)
		build_zonelists(NODE_DATA(n), node_load);
	M->vm_total_pages = nr_free_pagecache_pages();
	M->page_group_by_mobility_disabled = M->vm_total_pages < pageblock_nr_pages() * MIGRATE_TYPES;
	pr_info("Built %u zonelists, mobility grouping %s.  Total pages: %ld\n", (unsigned)M->nr_nodes,
		M->page_group_by_mobility_disabled ? "off" : "on", (long)M->vm_total_pages);
	if (M->prof->bits == 64) { /* CONFIG_NUMA: the highest zone memory policies apply to */
		int policy_zone = ZONE_DMA;
		struct zone *zone;
		for_each_populated_zone(zone)
			if (zone_idx(zone) < ZONE_MOVABLE && zone_idx(zone) > policy_zone)
				policy_zone = zone_idx(zone);
		pr_info("Policy zone: %s\n", zone_names[policy_zone]);
	}
}

