/*
 * memmap_svg.c - a picture of physical memory, page by page (`kmm map
 * --svg`): what every frame of mem_map is doing right now.
 *
 * Each populated zone is a band, one row per 4 MiB (1024 frames), one
 * pixel column per frame, and runs of frames in the same state are one
 * rectangle, so a machine with a few GiB stays a picture of a few
 * thousand elements.  A frame's state is read from its struct page and
 * the structures that own it:
 *
 *   free        PageBuddy heads (their whole block, shaded by order), and
 *               frames on the per-CPU lists (refcount 0, not buddy)
 *   reserved    PageReserved (memblock at boot: the kernel, mem_map ...)
 *   slab        PageSlab (head and tail pages)
 *   page table  PageTable (tasks' page tables)
 *   user anon   PageAnon
 *   page cache  a mapping that is an address_space (shmem shaded apart)
 *   vmalloc     the pages of a VM_ALLOC area
 *   kmap'd      mapped in the PKMAP window or a kmap_local/atomic slot
 *   kernel      anything else allocated (alloc_pages by kernel code)
 *   cma_alloc'd a CMA area's frames that cma_alloc handed out
 *
 * A CMA area (CONFIG_CMA, mm/cma.c) stands out: its free frames are shaded
 * gold instead of green, a gold mark left of each of its rows, and the
 * movable pages it lent show in their own colour inside it.
 *
 * Migrations (mm/migrate.c: compaction, cma_alloc, move_pages): the last
 * MIGRATE_TRAIL pages moved leave a trail - a white tick on the frame a
 * page left and a black one on the frame it went to - so compaction's two
 * scanners show as a band of departures low in a zone and of arrivals
 * high in it.
 *
 * The picture is taken while the machine is quiet: nothing is locked
 * around the walk but the vmalloc tree, so a frame changing under it is
 * drawn in either state.
 */
#include "internal.h"

#include <limits.h>

#include <kmm/highmem.h>
#include <kmm/vmalloc.h>

#include "mm/cma.h"

enum frame_state {
	FS_HOLE, FS_RESERVED, FS_PCP, FS_SLAB, FS_PAGETABLE, FS_ANON, FS_FILE, FS_SHMEM, FS_VMALLOC, FS_KMAP,
	FS_KERNEL, FS_CMA_ALLOC, FS_FREE /* + order */, FS_FREE_CMA = FS_FREE + MAX_ORDER /* + order */
};
#define NR_FRAME_STATES (FS_FREE_CMA + MAX_ORDER)
_Static_assert(NR_FRAME_STATES <= 256, "a frame's state is a byte");
#define CMA_COLOUR "#f9a825"

static const struct {
	const char *name, *colour;
} frame_legend[FS_FREE] = {
	[FS_HOLE] = { "hole", "#ffffff" },         [FS_RESERVED] = { "reserved", "#9e9e9e" },
	[FS_PCP] = { "free (per-CPU list)", "#c5e1a5" }, [FS_SLAB] = { "slab", "#fb8c00" },
	[FS_PAGETABLE] = { "page table", "#8e24aa" }, [FS_ANON] = { "user anonymous", "#1e88e5" },
	[FS_FILE] = { "page cache", "#00acc1" },   [FS_SHMEM] = { "shmem", "#00796b" },
	[FS_VMALLOC] = { "vmalloc", "#d81b60" },   [FS_KMAP] = { "kmap'd", "#e53935" },
	[FS_KERNEL] = { "kernel (other)", "#6d4c41" }, [FS_CMA_ALLOC] = { "cma_alloc'd", "#ff6f00" },
};

/* free blocks: from pale (order 0) to deep green (MAX_ORDER - 1) */
static void free_colour(unsigned int order, char *buf, size_t len)
{
	unsigned char shade = (unsigned char)(220 - order * 150 / (MAX_ORDER - 1));
	snprintf(buf, len, "#%02x%02x%02x", shade / 3, (unsigned char)(120 + shade / 2), shade / 3);
}

/*
 * The state of every frame the zones span, [lo, hi): a board's RAM may
 * start far above pfn 0 (arm64 RAM at 2^46), so the map is not indexed
 * from 0.
 */
struct frame_map {
	unsigned char *state;
	unsigned long lo, hi;
};

static inline unsigned char *frame_at(const struct frame_map *m, unsigned long pfn)
{
	return &m->state[pfn - m->lo];
}

static void mark_frame(struct frame_map *m, unsigned long pfn, unsigned char s)
{
	if (pfn >= m->lo && pfn < m->hi)
		*frame_at(m, pfn) = s;
}

static void mark_vmalloc(const struct vm_struct *vm, void *arg)
{
	for (unsigned int i = 0; i < vm->nr_pages; i++)
		if (vm->pages[i])
			mark_frame(arg, page_to_pfn(vm->pages[i]), FS_VMALLOC);
}

static void mark_kmap_range(struct frame_map *m, unsigned long va, unsigned long pages)
{
	for (unsigned long i = 0; i < pages; i++) {
		unsigned int level;
		pteval_t e = lookup_address(va + i * PAGE_SIZE, &level);
		if (level == PG_LEVEL_4K && (e & _PAGE_PRESENT))
			mark_frame(m, PHYS_PFN(e & PTE_PFN_MASK), FS_KMAP);
	}
}

/* CMA's free blocks: from pale (order 0) to deep gold */
static void free_cma_colour(unsigned int order, char *buf, size_t len)
{
	unsigned char shade = (unsigned char)(200 - order * 150 / (MAX_ORDER - 1));
	snprintf(buf, len, "#%02x%02x%02x", 255, (unsigned char)(150 + shade / 4), shade / 3);
}

static unsigned char frame_state(unsigned long pfn, unsigned long *skip)
{
	*skip = 1;
	if (!pfn_valid(pfn)) {
		if (!M->prof->flatmem) /* a section with no memory: the whole section */
			*skip = ALIGN(pfn + 1, 1UL << (M->prof->section_size_bits - PAGE_SHIFT)) - pfn;
		return FS_HOLE;
	}
	struct page *page = pfn_to_page(pfn);
	bool in_cma = cma_area_of_pfn(pfn) != NULL;
	if (PageBuddy(page)) {
		*skip = 1UL << page->private;
		return (unsigned char)((in_cma ? FS_FREE_CMA : FS_FREE) + page->private);
	}
	if (PageReserved(page))
		return FS_RESERVED;
	struct page *head = compound_head(page);
	if (PageSlab(head))
		return FS_SLAB;
	if (PageTable(page))
		return FS_PAGETABLE;
	if (page_ref_count(head) == 0)
		return FS_PCP;
	if (page->mapping && PageAnon(page))
		return FS_ANON;
	if (page->mapping)
		return page_is_shmem(page) ? FS_SHMEM : FS_FILE;
	return in_cma ? FS_CMA_ALLOC : FS_KERNEL;
}

#define ROW_FRAMES 1024UL
#define ROW_PX 2
#define LEFT 150
#define BAND_GAP 28

int kmm_map_svg(FILE *out)
{
	if (!M)
		return -ENODEV;
	deferred_init_wait();
	struct frame_map map = { .lo = ULONG_MAX, .hi = 0 };
	struct zone *zone;
	for_each_zone(zone)
		if (populated_zone(zone)) {
			map.lo = min(map.lo, zone->zone_start_pfn);
			map.hi = max(map.hi, zone_end_pfn(zone));
		}
	if (map.lo >= map.hi)
		return -ENODEV;
	map.state = malloc(map.hi - map.lo); /* a span too wide to draw (RAM banks far apart) fails here */
	if (!map.state)
		return -ENOMEM;
	for (unsigned long pfn = map.lo, skip; pfn < map.hi; pfn += skip) {
		unsigned char st = frame_state(pfn, &skip);
		for (unsigned long i = 0; i < skip && pfn + i < map.hi; i++)
			*frame_at(&map, pfn + i) = st;
	}
	vmap_for_each_area(VM_ALLOC, mark_vmalloc, &map);
	if (M->prof->bits == 32) {
		mark_kmap_range(&map, M->layout.pkmap_base, (unsigned long)M->prof->last_pkmap);
		unsigned long slots = (unsigned long)KM_MAX_IDX * (unsigned long)M->nr_cpus;
		mark_kmap_range(&map, fix_to_virt(M->layout.fix_kmap_begin + slots - 1), slots);
	}

	unsigned long rows = 0, bands = 0;
	for_each_zone(zone)
		if (populated_zone(zone)) {
			rows += DIV_ROUND_UP(zone->spanned_pages, ROW_FRAMES);
			bands++;
		}
	unsigned long moves = min(__atomic_load_n(&M->migrate_trail_next, __ATOMIC_RELAXED), (unsigned long)MIGRATE_TRAIL);
	int nlegend = FS_FREE + 1 + (M->cma_area_count ? 1 : 0); /* + free, + the CMA areas' free */
	int trail_legend = nlegend;
	if (moves)
		nlegend += 2; /* + migrated from, to */
	unsigned long legend_h = 24 + 16 * (unsigned long)((nlegend + 3) / 4), width = LEFT + ROW_FRAMES + 20;
	unsigned long height = legend_h + bands * BAND_GAP + rows * ROW_PX + 10;
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		     "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%lu\" height=\"%lu\" font-family=\"monospace\" "
		     "font-size=\"11\" shape-rendering=\"crispEdges\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"#fafafa\"/>\n",
		width, height);
	fprintf(out, "<text x=\"8\" y=\"16\" font-size=\"13\">kmm: physical memory of a %s machine, %lu MiB, "
		     "one pixel per 4 KiB frame, 4 MiB per row</text>\n",
		M->prof->name, (M->totalram_pages << PAGE_SHIFT) >> 20);
	for (int s = 0; s < nlegend; s++) {
		char colour[16];
		if (s >= trail_legend) {
			unsigned long x = 8 + (unsigned long)(s % 4) * 280, y = 28 + (unsigned long)(s / 4) * 16;
			fprintf(out, "<rect x=\"%lu\" y=\"%lu\" width=\"10\" height=\"10\" fill=\"#bdbdbd\" stroke=\"#555\"/>"
				     "<rect x=\"%lu\" y=\"%lu\" width=\"2\" height=\"10\" fill=\"%s\"/><text x=\"%lu\" y=\"%lu\">%s</text>\n",
				x, y, x + 4, y, s == trail_legend ? "#ffffff" : "#000000", x + 14, y + 9,
				s == trail_legend ? "page migrated from here" : "page migrated to here");
			continue;
		}
		const char *name = s == FS_FREE + 1 ? "CMA area (marked left), free by order"
				   : s == FS_FREE   ? "free (buddy), by order: pale 0 .. deep 10"
						    : frame_legend[s].name;
		if (s == FS_FREE)
			free_colour(MAX_ORDER / 2, colour, sizeof(colour));
		else if (s == FS_FREE + 1)
			free_cma_colour(MAX_ORDER / 2, colour, sizeof(colour));
		unsigned long x = 8 + (unsigned long)(s % 4) * 280, y = 28 + (unsigned long)(s / 4) * 16;
		fprintf(out, "<rect x=\"%lu\" y=\"%lu\" width=\"10\" height=\"10\" fill=\"%s\" stroke=\"#555\"/>"
			     "<text x=\"%lu\" y=\"%lu\">%s</text>\n",
			x, y, s >= FS_FREE ? colour : frame_legend[s].colour, x + 14, y + 9, name);
	}
	unsigned long y = legend_h;
	for_each_zone(zone) {
		if (!populated_zone(zone))
			continue;
		unsigned long start = zone->zone_start_pfn, end = zone_end_pfn(zone);
		y += BAND_GAP;
		fprintf(out, "<text x=\"8\" y=\"%lu\" font-size=\"12\">Node %d, zone %s: pfn %#lx-%#lx, %lu MiB managed</text>\n",
			y - 8, zone->node, zone->name, start, end, ((unsigned long)zone->managed_pages << PAGE_SHIFT) >> 20);
		for (unsigned long row = start; row < end; row += ROW_FRAMES, y += ROW_PX) {
			unsigned long row_end = min(row + ROW_FRAMES, end);
			if ((row - start) % (64 * ROW_FRAMES) == 0) /* every 256 MiB: the physical address */
				fprintf(out, "<text x=\"8\" y=\"%lu\" font-size=\"9\">%#llx</text>\n", y + 6,
					(unsigned long long)PFN_PHYS(row));
			for (unsigned long pfn = row; pfn < row_end; pfn++)
				if (cma_area_of_pfn(pfn)) { /* a row holding CMA frames: the mark */
					fprintf(out, "<rect x=\"%d\" y=\"%lu\" width=\"4\" height=\"%d\" fill=\"" CMA_COLOUR "\"/>\n",
						LEFT - 6, y, ROW_PX);
					break;
				}
			for (unsigned long pfn = row; pfn < row_end;) {
				unsigned long run = pfn;
				while (run < row_end && *frame_at(&map, run) == *frame_at(&map, pfn))
					run++;
				unsigned char st = *frame_at(&map, pfn);
				char colour[16];
				if (st >= FS_FREE_CMA)
					free_cma_colour(st - FS_FREE_CMA, colour, sizeof(colour));
				else if (st >= FS_FREE)
					free_colour(st - FS_FREE, colour, sizeof(colour));
				if (st != FS_HOLE)
					fprintf(out, "<rect x=\"%lu\" y=\"%lu\" width=\"%lu\" height=\"%d\" fill=\"%s\"/>\n",
						LEFT + (pfn - row), y, run - pfn, ROW_PX,
						st >= FS_FREE ? colour : frame_legend[st].colour);
				pfn = run;
			}
		}
	}
	/* the trail: every recorded move, a tick on each end, in the band and row of its frame */
	for (unsigned long i = 0; i < moves; i++)
		for (int end = 0; end < 2; end++) {
			unsigned long pfn = __atomic_load_n(end ? &M->migrate_trail[i].to : &M->migrate_trail[i].from,
							    __ATOMIC_RELAXED);
			unsigned long ty = legend_h;
			for_each_zone(zone) {
				if (!populated_zone(zone))
					continue;
				ty += BAND_GAP;
				if (pfn >= zone->zone_start_pfn && pfn < zone_end_pfn(zone)) {
					unsigned long off = pfn - zone->zone_start_pfn;
					fprintf(out, "<rect class=\"migrated-%s\" x=\"%lu\" y=\"%lu\" height=\"%d\" width=\"1\" "
						     "fill=\"%s\"/>\n",
						end ? "to" : "from", LEFT + off % ROW_FRAMES, ty + off / ROW_FRAMES * ROW_PX, ROW_PX,
						end ? "#000000" : "#ffffff");
					break;
				}
				ty += DIV_ROUND_UP(zone->spanned_pages, ROW_FRAMES) * ROW_PX;
			}
		}
	fprintf(out, "</svg>\n");
	free(map.state);
	return ferror(out) ? -EIO : 0;
}
