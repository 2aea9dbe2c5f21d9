/*
 * vmstat.c - the /proc views of memory management, in Linux 6.1's exact
 * text formats, and the /proc/sys/vm tunables.
 *
 * Every view is a function that writes into a strbuf; kmm_proc_read() finds
 * it by its path under /proc.  A view prints only what kmm models: a field
 * Linux has but kmm does not model yet is left out, never made up (e.g. the
 * per-node LRU statistics of zoneinfo until reclaim exists).
 *
 * The sysctls recompute what depends on them the way their Linux handlers
 * do: min_free_kbytes and watermark_scale_factor -> setup_per_zone_wmarks(),
 * lowmem_reserve_ratio -> setup_per_zone_lowmem_reserve(),
 * percpu_pagelist_high_fraction -> the pcp high limits.
 */
#include "internal.h"

static int fls_long(unsigned long x)
{
	return x ? 64 - __builtin_clzl(x) : 0;
}

/* calculate_normal_threshold(): the per-CPU counter drift allowed. */
static int zone_stat_threshold(const struct zone *zone)
{
	unsigned long mem = zone_managed_pages(zone) >> (27 - PAGE_SHIFT);
	int threshold = 2 * fls_long((unsigned long)M->nr_cpus) * (1 + fls_long(mem));
	return min(125, threshold);
}

static void show_zoneinfo(struct strbuf *sb)
{
	struct zone *zone;
	for_each_zone(zone) {
		sb_printf(sb, "Node %d, zone %8s", zone->node, zone->name);
		sb_printf(sb,
			  "\n  pages free     %lu"
			  "\n        boost    %lu"
			  "\n        min      %lu"
			  "\n        low      %lu"
			  "\n        high     %lu"
			  "\n        spanned  %lu"
			  "\n        present  %lu"
			  "\n        managed  %lu"
			  "\n        cma      %lu",
			  (unsigned long)zone->vm_stat[NR_FREE_PAGES], zone->watermark_boost, min_wmark_pages(zone),
			  low_wmark_pages(zone), high_wmark_pages(zone), zone->spanned_pages, zone->present_pages,
			  zone_managed_pages(zone), zone->cma_pages);
		bool first = true;
		for (int i = 0; i < MAX_ZONE_TYPES; i++) {
			if (!NODE_DATA(zone->node)->node_zones[i].in_profile)
				continue;
			sb_printf(sb, first ? "\n        protection: (%ld" : ", %ld", zone->lowmem_reserve[i]);
			first = false;
		}
		sb_printf(sb, ")");
		if (!populated_zone(zone)) {
			sb_printf(sb, "\n");
			continue;
		}
#define X(id, name) sb_printf(sb, "\n      %-12s %lu", name, (unsigned long)zone->vm_stat[id]);
		KMM_ZONE_STATS(X)
#undef X
		sb_printf(sb, "\n  pagesets");
		for (int c = 0; c < M->nr_cpus; c++) {
			const struct per_cpu_pages *pcp = &zone->pageset[c];
			sb_printf(sb,
				  "\n    cpu: %i"
				  "\n              count: %i"
				  "\n              high:  %i"
				  "\n              batch: %i",
				  c, pcp->count, pcp->high, pcp->batch);
			sb_printf(sb, "\n  vm stats threshold: %d", zone_stat_threshold(zone));
		}
		sb_printf(sb,
			  "\n  node_unreclaimable:  %u"
			  "\n  start_pfn:           %lu\n",
			  0u, zone->zone_start_pfn);
	}
}

static void show_buddyinfo(struct strbuf *sb)
{
	struct zone *zone;
	for_each_populated_zone(zone) {
		sb_printf(sb, "Node %d, zone %8s ", zone->node, zone->name);
		for (int o = 0; o < MAX_ORDER; o++)
			sb_printf(sb, "%6lu ", zone->free_area[o].nr_free);
		sb_printf(sb, "\n");
	}
}

static unsigned long global_low_wmark(void)
{
	unsigned long s = 0;
	struct zone *zone;
	for_each_zone(zone)
		s += low_wmark_pages(zone);
	return s;
}

#define K(x) ((unsigned long)(x) << (PAGE_SHIFT - 10))

static void show_meminfo(struct strbuf *sb)
{
	unsigned long free = nr_free_pages(), highfree = 0;
	struct zone *zone;
	for_each_zone(zone)
		if (is_highmem(zone))
			highfree += (unsigned long)zone->vm_stat[NR_FREE_PAGES];
	long available = (long)free - (long)M->totalreserve_pages;
	(void)global_low_wmark; /* page cache and reclaimable slab join here once they exist */
	if (available < 0)
		available = 0;
	sb_printf(sb, "MemTotal:       %8lu kB\n", K(M->totalram_pages));
	sb_printf(sb, "MemFree:        %8lu kB\n", K(free));
	sb_printf(sb, "MemAvailable:   %8lu kB\n", K(available));
	if (M->prof->bits == 32) {
		sb_printf(sb, "HighTotal:      %8lu kB\n", K(M->totalhigh_pages));
		sb_printf(sb, "HighFree:       %8lu kB\n", K(highfree));
		sb_printf(sb, "LowTotal:       %8lu kB\n", K(M->totalram_pages - M->totalhigh_pages));
		sb_printf(sb, "LowFree:        %8lu kB\n", K(free - highfree));
	}
	unsigned long vmalloc_total = (M->layout.vmalloc_end - M->layout.vmalloc_start) >> 10;
	sb_printf(sb, "VmallocTotal:   %8lu kB\n", vmalloc_total);
	unsigned long pcpu = ALIGN(M->prof->pcpu_static + M->prof->pcpu_reserved + 28 * 1024UL, PAGE_SIZE);
	sb_printf(sb, "Percpu:         %8lu kB\n", pcpu * (unsigned long)M->nr_cpus >> 10);
	sb_printf(sb, "Hugepagesize:   %8lu kB\n", (1UL << M->prof->pmd_shift) >> 10);
}

static const char *iomem_name(enum e820_type t)
{
	switch (t) {
	case E820_TYPE_RESERVED_KERN:
	case E820_TYPE_RAM: return "System RAM";
	case E820_TYPE_ACPI: return "ACPI Tables";
	case E820_TYPE_NVS: return "ACPI Non-volatile Storage";
	case E820_TYPE_UNUSABLE: return "Unusable memory";
	case E820_TYPE_PRAM: return "Persistent Memory (legacy)";
	case E820_TYPE_PMEM: return "Persistent Memory";
	case E820_TYPE_RESERVED: return "Reserved";
	case E820_TYPE_SOFT_RESERVED: return "Soft Reserved";
	default: return "Unknown E820 type";
	}
}

static void show_iomem(struct strbuf *sb)
{
	const struct kmm_image *im = &M->image;
	const struct { const char *name; u64 s, e; } kernel[] = {
		{ "Kernel code", im->text, im->etext }, { "Kernel rodata", im->rodata, im->erodata },
		{ "Kernel data", im->data, im->edata }, { "Kernel bss", im->bss, im->ebss },
	};
	for (u32 i = 0; i < M->e820.nr_entries; i++) {
		const struct e820_entry *e = &M->e820.entries[i];
		u64 end = e->addr + e->size - 1;
		if (M->prof->bits == 32 && !M->prof->pae && end > 0xffffffffULL)
			continue; /* a 32-bit resource_size_t cannot name it */
		sb_printf(sb, "%08llx-%08llx : %s\n", (unsigned long long)e->addr, (unsigned long long)end,
			  iomem_name(e->type));
		if (e->type != E820_TYPE_RAM)
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(kernel); k++)
			if (kernel[k].s >= e->addr && kernel[k].e - 1 <= end)
				sb_printf(sb, "  %08llx-%08llx : %s\n", (unsigned long long)kernel[k].s,
					  (unsigned long long)kernel[k].e - 1, kernel[k].name);
	}
}

/* ---- /proc/sys/vm -------------------------------------------------------------- */

static void show_int(struct strbuf *sb, int v)
{
	sb_printf(sb, "%d\n", v);
}

static void show_min_free_kbytes(struct strbuf *sb) { show_int(sb, M->min_free_kbytes); }
static void show_wsf(struct strbuf *sb) { show_int(sb, M->watermark_scale_factor); }
static void show_wbf(struct strbuf *sb) { show_int(sb, M->watermark_boost_factor); }
static void show_pphf(struct strbuf *sb) { show_int(sb, M->percpu_pagelist_high_fraction); }

static void show_lowmem_reserve_ratio(struct strbuf *sb)
{
	bool first = true;
	for (int z = 0; z < MAX_ZONE_TYPES; z++) {
		if (!(M->prof->zone_mask & (1u << z)))
			continue;
		sb_printf(sb, first ? "%d" : "\t%d", M->lowmem_reserve_ratio[z]);
		first = false;
	}
	sb_printf(sb, "\n");
}

/* proc_dointvec_minmax: one integer in [lo, hi]. */
static int parse_one_int(const char *val, long lo, long hi, int *out)
{
	char *e;
	errno = 0;
	long v = strtol(val, &e, 10);
	while (*e == ' ' || *e == '\t' || *e == '\n')
		e++;
	if (e == val || *e || errno)
		return -EINVAL;
	if (v < lo || v > hi)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

static int write_min_free_kbytes(const char *val)
{
	int v;
	if (parse_one_int(val, 0, 1L << 30, &v))
		return -EINVAL;
	M->min_free_kbytes = v;
	M->user_min_free_kbytes = v;
	setup_per_zone_wmarks();
	return 0;
}

static int write_wsf(const char *val)
{
	int v;
	if (parse_one_int(val, 1, 3000, &v))
		return -EINVAL;
	M->watermark_scale_factor = v;
	setup_per_zone_wmarks();
	return 0;
}

static int write_wbf(const char *val)
{
	int v;
	if (parse_one_int(val, 0, 1L << 30, &v))
		return -EINVAL;
	M->watermark_boost_factor = v;
	return 0;
}

static int write_pphf(const char *val)
{
	int v;
	if (parse_one_int(val, 0, 1L << 30, &v) || (v && v < 8))
		return -EINVAL; /* MIN_PERCPU_PAGELIST_HIGH_FRACTION */
	M->percpu_pagelist_high_fraction = v;
	setup_per_zone_wmarks();
	return 0;
}

static int write_lowmem_reserve_ratio(const char *val)
{
	int ratios[MAX_ZONE_TYPES], n = 0;
	const char *p = val;
	int types[MAX_ZONE_TYPES], nt = 0;
	for (int z = 0; z < MAX_ZONE_TYPES; z++)
		if (M->prof->zone_mask & (1u << z))
			types[nt++] = z;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		char *e;
		errno = 0;
		long v = strtol(p, &e, 10);
		if (e == p || errno || v < 0 || v > (1L << 30) || (*e && *e != ' ' && *e != '\t' && *e != '\n'))
			return -EINVAL;
		if (n < nt)
			ratios[n++] = (int)v;
		p = e;
	}
	if (!n)
		return -EINVAL;
	for (int i = 0; i < n; i++)
		M->lowmem_reserve_ratio[types[i]] = ratios[i] < 1 ? 0 : ratios[i];
	setup_per_zone_lowmem_reserve();
	return 0;
}

struct proc_file {
	const char *path;
	void (*show)(struct strbuf *sb);
	int (*write)(const char *val);
};

static void show_dmesg(struct strbuf *sb)
{
	sb_printf(sb, "%s", kmm_dmesg());
}

static const struct proc_file proc_files[] = {
	{ "buddyinfo", show_buddyinfo, NULL },
	{ "iomem", show_iomem, NULL },
	{ "meminfo", show_meminfo, NULL },
	{ "zoneinfo", show_zoneinfo, NULL },
	{ "sys/vm/lowmem_reserve_ratio", show_lowmem_reserve_ratio, write_lowmem_reserve_ratio },
	{ "sys/vm/min_free_kbytes", show_min_free_kbytes, write_min_free_kbytes },
	{ "sys/vm/percpu_pagelist_high_fraction", show_pphf, write_pphf },
	{ "sys/vm/watermark_boost_factor", show_wbf, write_wbf },
	{ "sys/vm/watermark_scale_factor", show_wsf, write_wsf },
	{ "dmesg", show_dmesg, NULL },
};

static const struct proc_file *proc_find(const char *path)
{
	if (!strncmp(path, "/proc/", 6))
		path += 6;
	for (size_t i = 0; i < ARRAY_SIZE(proc_files); i++)
		if (!strcmp(proc_files[i].path, path))
			return &proc_files[i];
	return NULL;
}

char *kmm_proc_read(const char *path)
{
	if (!M) {
		errno = ENODEV;
		return NULL;
	}
	const struct proc_file *f = proc_find(path);
	if (!f) {
		errno = ENOENT;
		return NULL;
	}
	struct strbuf sb = { 0 };
	deferred_init_wait();
	f->show(&sb);
	return sb_detach(&sb);
}

int kmm_proc_write(const char *path, const char *value)
{
	if (!M)
		return -ENODEV;
	const struct proc_file *f = proc_find(path);
	if (!f)
		return -ENOENT;
	if (!f->write)
		return -EACCES;
	deferred_init_wait();
	return f->write(value);
}

const char *const *kmm_proc_paths(void)
{
	static const char *paths[ARRAY_SIZE(proc_files) + 1];
	for (size_t i = 0; i < ARRAY_SIZE(proc_files); i++)
		paths[i] = proc_files[i].path;
	return paths;
}
