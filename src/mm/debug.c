/*
 * debug.c - dumping a struct page the way mm/debug.c's dump_page() does,
 * so a "BUG: Bad page state" report reads like the kernel's:
 *
 *   page:(ptrval) refcount:0 mapcount:0 mapping:00000000 index:0x0 pfn:0x1234
 *   flags: 0x40000000(zone=1)
 *   page dumped because: nonzero mapcount
 *
 * The page's address is printed as the simulated kernel's struct page
 * address would be (vmemmap/mem_map virtual), never as a host pointer.
 * Flags print by name in Linux's order (KMM_PAGEFLAGS), then the node and
 * zone from the top bits; a free page also shows its buddy order.
 *
 * Called with whatever lock the caller holds; it only reads the page and
 * writes the log.
 *
 * Also here, the machine-wide checks that tests, scenarios and the `verify`
 * command share: kmm_verify() runs every structure's validator, and
 * kmm_usage_settle()/kmm_nothing_lost() are DESIGN.md's "nothing lost"
 * accounting - after a user frees what it took, the free pages and the
 * slab objects in use are what they were after boot, and no vmalloc area,
 * held pkmap entry or task is left; swap slots are all free but those the
 * per-CPU slot caches hold, and Committed_AS is exactly what the live
 * tasks' VM_ACCOUNT VMAs and shmem objects committed, and no DMA mapping,
 * coherent buffer, swiotlb slot or IOVA is left (kernel/dma.c).  Settling gives back only what Linux
 * itself caches (per-CPU page lists, empty slabs, unheld pkmap entries,
 * lazily freed vmap areas, clean page-cache pages after a sync, the
 * dentries and inodes of files nobody uses), so a real leak still shows.
 * What the store's mount keeps until shutdown (kernel/fork.c measured it
 * with kmm_usage_settle_raw) is left out of a settled usage, so one taken
 * before the first file compares with one after.
 *
 * And, as in 6.1's mm/debug.c, the names of the gfp flags (%pGg, the
 * trace formats' __print_flags, and parsing them back); and the buddy
 * allocator's own validator, zone_verify() (its rules are page_alloc.c's:
 * mm/page_alloc.h).
 */
#include "internal.h"
#include "mm/page_alloc.h"

#include <kmm/swap.h>
#include "kernel/kobj.h"
#include "kernel/dma_internal.h"
#include "trace/events.h"

#include <kmm/fs.h>
#include <kmm/highmem.h>
#include <kmm/maple_tree.h>
#include <kmm/task.h>
#include <kmm/vmalloc.h>

static const char *const pageflag_names[] = {
#define X(name) #name,
	KMM_PAGEFLAGS(X)
#undef X
};

void dump_page(struct page *page, const char *reason)
{
	unsigned long pfn = page_to_pfn(page);
	int mapcount = PageBuddy(page) ? 0 : page->_mapcount + 1;
	/* struct page's place in the simulated vmemmap (x86_64) or mem_map; mapping as a kernel address */
	unsigned long where = pfn * M->prof->struct_page_size + (M->prof->flatmem ? 0 : M->layout.vmemmap_base);
	unsigned long mapping = page->mapping ? kmm_host_to_kva(page->mapping) : 0;
	char mtext[24];
	if (page->mapping && !mapping)
		snprintf(mtext, sizeof(mtext), "(ptrval)"); /* kmm keeps it outside simulated memory */
	else
		snprintf(mtext, sizeof(mtext), "%0*lx", M->prof->bits / 4, mapping);
	printk(KERN_WARNING "page:%0*lx refcount:%d mapcount:%d mapping:%s index:%#lx pfn:%#lx\n", M->prof->bits / 4, where,
	       page_ref_count(page), mapcount, mtext, page->index, pfn);
	struct strbuf sb = { 0 };
	unsigned long fl = page->flags & ((1UL << __NR_PAGEFLAGS) - 1);
	for (int i = 0; i < __NR_PAGEFLAGS; i++)
		if (fl & (1UL << i))
			sb_printf(&sb, "%s%s", sb.len ? "|" : "", pageflag_names[i]);
	sb_printf(&sb, "%snode=%d|zone=%d", sb.len ? "|" : "", page_to_nid(page), (int)page_zonenum(page));
	printk(KERN_WARNING "flags: %#lx(%s)\n", page->flags, sb.buf);
	if (PageBuddy(page))
		printk(KERN_WARNING "page_type: 0x%x(buddy) order:%lu\n", page->page_type, page->private);
	printk(KERN_WARNING "page dumped because: %s\n", reason);
	sb_free(&sb);
}

int kmm_verify(char *why, size_t whylen)
{
	struct zone *zone;
	unsigned long free = 0;
	long managed = 0;
	if (!M) {
		snprintf(why, whylen, "no machine is booted");
		return -ENODEV;
	}
	deferred_init_wait();
	mmput_async_flush(); /* as flush_workqueue: an mm the OOM killer let go is torn down before it is counted */
	for_each_zone(zone) {
		if (zone_verify(zone, why, whylen))
			return -EINVAL;
		if (zone->present_pages > zone->spanned_pages || (unsigned long)zone->managed_pages > zone->present_pages) {
			snprintf(why, whylen, "zone %s: managed %ld, present %lu, spanned %lu do not nest", zone->name,
				 (long)zone->managed_pages, zone->present_pages, zone->spanned_pages);
			return -EINVAL;
		}
		free += (unsigned long)__atomic_load_n(&zone->vm_stat[NR_FREE_PAGES], __ATOMIC_RELAXED);
		managed += zone->managed_pages;
	}
	if (free != nr_free_pages()) {
		snprintf(why, whylen, "the zones count %lu free pages, nr_free_pages() %lu", free, nr_free_pages());
		return -EINVAL;
	}
	if (managed != M->totalram_pages) {
		snprintf(why, whylen, "the zones manage %ld pages, totalram_pages is %ld", managed, M->totalram_pages);
		return -EINVAL;
	}
	if (vmap_area_verify(why, whylen) || kmap_verify(why, whylen) || tasks_verify(why, whylen) ||
	    filemap_verify(why, whylen) || slab_verify_all(why, whylen) || percpu_verify(why, whylen) ||
	    trace_verify(why, whylen) || mt_verify_registered(why, whylen) || lru_verify(why, whylen) ||
	    swapfile_verify(why, whylen) || dma_verify(why, whylen))
		return -EINVAL;
	return 0;
}

void kmm_usage_settle(struct kmm_usage *u)
{
	/* what the store's mount took stays until shutdown (kernel/fork.c): left out, so a usage before it compares */
	unsigned long free_pages, slab_objects, percpu_bytes;
	kmm_usage_settle_raw(u);
	kobj_mount_cost(&free_pages, &slab_objects, &percpu_bytes);
	u->free_pages += free_pages;
	u->slab_objects -= slab_objects;
	u->percpu_bytes -= percpu_bytes;
}

void kmm_usage_settle_raw(struct kmm_usage *u)
{
	deferred_init_wait();
	mmput_async_flush();
	lru_add_drain_all(); /* the batches' references first: then a cached page's only one is the cache's */
	swap_cache_settle(); /* swap writes in flight end; cached pages nobody needs go */
	kmm_sync();          /* the page cache is a cache too: written back, its clean pages dropped */
	drop_pagecache();
	shrink_dcache_icache(); /* and the dentries and inodes of files nobody uses */
	kmap_flush_unused();
	u->percpu_bytes = percpu_settle(); /* the spare empty chunk too, before its area is purged */
	vm_unmap_aliases();
	u->slab_objects = slab_objects_in_use(); /* shrinks every cache first */
	drain_all_pages(NULL);
	u->free_pages = nr_free_pages();
	/* live tasks' kernel stacks are vmalloc areas on 64-bit profiles (VMAP_STACK): they come and go with tasks */
	unsigned long stacks = nr_vmap_stacks();
	u->vmap_areas = vmap_areas_in_use() - stacks;
	u->vmalloc_pages = vmalloc_used_pages() - stacks * (thread_size() >> PAGE_SHIFT);
}

int kmm_nothing_lost(const struct kmm_usage *boot, char *why, size_t whylen)
{
	int ret = kmm_verify(why, whylen);
	if (!ret && kmap_in_use(why, whylen))
		ret = -EINVAL;
	if (ret)
		return ret;
	struct kmm_usage now;
	kmm_usage_settle(&now);
	/* the boot's areas (its population's) stay; the live tasks' stacks are left out of both counts */
	if (now.vmap_areas != boot->vmap_areas)
		snprintf(why, whylen, "%lu vmalloc areas are in use, %lu after boot", now.vmap_areas, boot->vmap_areas);
	else if (now.vmalloc_pages != boot->vmalloc_pages)
		snprintf(why, whylen, "%lu pages are vmalloc()ed, %lu after boot", now.vmalloc_pages, boot->vmalloc_pages);
	else if (now.percpu_bytes != boot->percpu_bytes)
		snprintf(why, whylen, "%lu percpu bytes allocated per CPU, %lu after boot", now.percpu_bytes, boot->percpu_bytes);
	else if (now.slab_objects != boot->slab_objects)
		snprintf(why, whylen, "%lu slab objects in use, %lu after boot", now.slab_objects, boot->slab_objects);
	else if (now.free_pages != boot->free_pages)
		snprintf(why, whylen, "%lu free pages, %lu after boot: %ld lost", now.free_pages, boot->free_pages,
			 (long)boot->free_pages - (long)now.free_pages);
	else if (vm_memory_committed() != tasks_committed_pages() + shmem_committed_pages())
		snprintf(why, whylen, "Committed_AS is %lu pages, the live VM_ACCOUNT VMAs and shmem objects hold %lu",
			 vm_memory_committed(), tasks_committed_pages() + shmem_committed_pages());
	else if (kmm_nr_swap_pages() + swap_slots_cached() != kmm_total_swap_pages()) /* a CPU's cached slots are no loss */
		snprintf(why, whylen, "%lu swap slots are still in use",
			 kmm_total_swap_pages() - kmm_nr_swap_pages() - swap_slots_cached());
	else if (dma_nothing_lost(why, whylen))
		; /* DMA mappings, swiotlb slots or IOVAs still held: why says which */
	else
		return 0;
	return -EINVAL;
}

/* ---- gfp flags by name (6.1 keeps gfpflag_names here, for %pGg and the trace formats) ---- */

/*
 * Linux's gfp names, largest sets first, as %pGg prints them; the last
 * ones are only read (gfp_flags_parse): the zone bits by their own names
 * (GFP_DMA and GFP_DMA32 are printed before them), and bits of later
 * kernels that change nothing kmm does (KASAN tagging, lockdep, the slab
 * extension vector), mask 0, accepted and dropped.
 */
static const struct {
	gfp_t mask;
	const char *name;
} gfp_names[] = {
	{ GFP_TRANSHUGE, "GFP_TRANSHUGE" },
	{ GFP_TRANSHUGE_LIGHT, "GFP_TRANSHUGE_LIGHT" },
	{ GFP_HIGHUSER_MOVABLE, "GFP_HIGHUSER_MOVABLE" },
	{ GFP_HIGHUSER, "GFP_HIGHUSER" },
	{ GFP_USER, "GFP_USER" },
	{ GFP_KERNEL_ACCOUNT, "GFP_KERNEL_ACCOUNT" },
	{ GFP_KERNEL, "GFP_KERNEL" },
	{ GFP_NOFS, "GFP_NOFS" },
	{ GFP_ATOMIC, "GFP_ATOMIC" },
	{ GFP_NOIO, "GFP_NOIO" },
	{ GFP_NOWAIT, "GFP_NOWAIT" },
	{ GFP_DMA, "GFP_DMA" },
	{ __GFP_HIGHMEM, "__GFP_HIGHMEM" },
	{ GFP_DMA32, "GFP_DMA32" },
	{ __GFP_HIGH, "__GFP_HIGH" },
	{ __GFP_ATOMIC, "__GFP_ATOMIC" },
	{ __GFP_IO, "__GFP_IO" },
	{ __GFP_FS, "__GFP_FS" },
	{ __GFP_NOWARN, "__GFP_NOWARN" },
	{ __GFP_RETRY_MAYFAIL, "__GFP_RETRY_MAYFAIL" },
	{ __GFP_NOFAIL, "__GFP_NOFAIL" },
	{ __GFP_NORETRY, "__GFP_NORETRY" },
	{ __GFP_COMP, "__GFP_COMP" },
	{ __GFP_ZERO, "__GFP_ZERO" },
	{ __GFP_NOMEMALLOC, "__GFP_NOMEMALLOC" },
	{ __GFP_MEMALLOC, "__GFP_MEMALLOC" },
	{ __GFP_HARDWALL, "__GFP_HARDWALL" },
	{ __GFP_THISNODE, "__GFP_THISNODE" },
	{ __GFP_RECLAIMABLE, "__GFP_RECLAIMABLE" },
	{ __GFP_MOVABLE, "__GFP_MOVABLE" },
	{ __GFP_ACCOUNT, "__GFP_ACCOUNT" },
	{ __GFP_WRITE, "__GFP_WRITE" },
	{ __GFP_RECLAIM, "__GFP_RECLAIM" },
	{ __GFP_DIRECT_RECLAIM, "__GFP_DIRECT_RECLAIM" },
	{ __GFP_KSWAPD_RECLAIM, "__GFP_KSWAPD_RECLAIM" },
	{ __GFP_ZEROTAGS, "__GFP_ZEROTAGS" },
	{ __GFP_DMA, "__GFP_DMA" },
	{ __GFP_DMA32, "__GFP_DMA32" },
	{ 0, "__GFP_SKIP_ZERO" },
	{ 0, "__GFP_SKIP_KASAN" },
	{ 0, "__GFP_SKIP_KASAN_POISON" },
	{ 0, "__GFP_SKIP_KASAN_UNPOISON" },
	{ 0, "__GFP_NOLOCKDEP" },
	{ 0, "__GFP_NO_OBJ_EXT" },
	{ 0, "__GFP_NOKFENCE" },
};

/* The way %pGg prints a mask: the largest named sets first, leftovers in hex. */
void gfp_flags_name(gfp_t flags, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = 0;
	if (!flags) {
		snprintf(buf, len, "none");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(gfp_names) && flags; i++) {
		if (!gfp_names[i].mask || (flags & gfp_names[i].mask) != gfp_names[i].mask)
			continue;
		flags &= ~gfp_names[i].mask;
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? "|" : "", gfp_names[i].name);
	}
	if (flags)
		snprintf(buf + n, n < len ? len - n : 0, "%s%#x", n ? "|" : "", flags);
}

/*
 * The i-th name show_gfp_flags() prints (a format file's __print_flags
 * table), with its mask; NULL past the last (the names after __GFP_ZEROTAGS
 * are only read).
 */
const char *gfp_printed_name(size_t i, gfp_t *mask)
{
	if (i >= ARRAY_SIZE(gfp_names) || !strcmp(gfp_names[i].name, "__GFP_DMA"))
		return NULL;
	*mask = gfp_names[i].mask;
	return gfp_names[i].name;
}

/* One name or 0x number of a gfp string, len bytes (not NUL-terminated); false if it is neither. */
static bool gfp_flag_parse(const char *t, size_t len, gfp_t *mask)
{
	for (size_t i = 0; i < ARRAY_SIZE(gfp_names); i++)
		if (strlen(gfp_names[i].name) == len && !memcmp(t, gfp_names[i].name, len)) {
			*mask = gfp_names[i].mask;
			return true;
		}
	/* %pGg's leftover bits: 0x and at most 8 hex digits, within __GFP_BITS_MASK */
	if (len < 3 || len > 10 || t[0] != '0' || (t[1] != 'x' && t[1] != 'X'))
		return false;
	u32 v = 0;
	for (size_t i = 2; i < len; i++) {
		char c = t[i];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
			   : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			   : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16;
		if (d > 15)
			return false;
		v = v << 4 | d;
	}
	if (v & ~__GFP_BITS_MASK)
		return false;
	*mask = v;
	return true;
}

int gfp_flags_parse(const char *s, size_t len, gfp_t *out, const char **bad)
{
	gfp_t gfp = 0;
	if ((len == 4 && !memcmp(s, "none", 4)) || (len == 1 && s[0] == '0')) {
		*out = 0;
		return 0;
	}
	for (size_t i = 0; i <= len;) {
		size_t j = i;
		while (j < len && s[j] != '|')
			j++;
		gfp_t mask;
		if (!gfp_flag_parse(s + i, j - i, &mask)) {
			if (bad)
				*bad = s + i;
			return -EINVAL;
		}
		gfp |= mask;
		i = j + 1;
	}
	*out = gfp;
	return 0;
}

/* ---- the buddy allocator's validation (zone_verify) ----------------------------------------------------------------- */

/*
 * Every page of the zone: its refcount agrees with its state (what
 * check_new_page/free_pages_check see one page at a time, here for all).
 *   free (in a buddy block, or a block on a pcp list)    refcount 0, and
 *                                                        no other buddy inside
 *                                                        (the pages inside a
 *                                                        buddy block: KMM_DEBUG >= 2)
 *   reserved, or a tail of a compound page               not looked at
 *   anything else: allocated                             refcount >= 1; the
 *       other pages of a non-compound order-n block have 0
 * The zone lock is held; the pcp lists are their CPUs' (quiet while a
 * validator runs).  One pass over the zone's pfns that steps over free
 * blocks: its cost is the pages in use, not the zone's size (19 ms per
 * round on a 4 GiB machine when it looked at every free page too).
 */
static int zone_verify_pages(struct zone *zone, char *why, size_t whylen)
{
	unsigned long start = zone->zone_start_pfn, end = zone_end_pfn(zone), n = end - start;
	if (!n)
		return 0;
	unsigned long *on_pcp = calloc((n + 63) / 64, sizeof(unsigned long));
	if (!on_pcp)
		return 0; /* the host is short of memory: no verdict rather than a wrong one */
	for (int c = 0; zone->pageset && c < M->nr_cpus; c++)
		for (int i = 0; i < NR_PCP_LISTS; i++) {
			struct list_head *pos;
			list_for_each(pos, &zone->pageset[c].lists[i]) {
				unsigned long pfn = page_to_pfn(list_entry(pos, struct page, lru));
				for (unsigned long k = 0; k < (1UL << pindex_to_order(i)) && pfn + k < end; k++)
					if (pfn + k >= start)
						on_pcp[(pfn + k - start) / 64] |= 1UL << ((pfn + k - start) % 64);
			}
		}
	int ret = 0;
	for (unsigned long pfn = start; pfn < end && !ret;) {
		if (!pfn_valid(pfn)) {
			/* SPARSEMEM: a missing section is missing whole */
			pfn = M->prof->flatmem ? pfn + 1 : ALIGN(pfn + 1, 1UL << (M->prof->section_size_bits - PAGE_SHIFT));
			continue;
		}
		struct page *page = pfn_to_page(pfn);
		int ref = page_ref_count(page);
		if (page_zone(page) != zone) {
			pfn++;
		} else if (PageBuddy(page)) {
			unsigned long order = page->private, k;
			if (order >= MAX_ORDER) {
				snprintf(why, whylen, "pfn %#lx is free with order %lu", pfn, order);
				ret = -EINVAL;
				break;
			}
			/*
			 * The head always; the pages inside the block only in the
			 * expensive tier (KMM_DEBUG >= 2, as check_new_pages): on a
			 * mostly free machine they are nearly all its pages.
			 */
			unsigned long inside = KMM_DEBUG >= 2 ? 1UL << order : 1;
			for (k = 0; k < inside && pfn + k < end; k++) {
				int r = page_ref_count(page + k);
				if (r || (k && PageBuddy(page + k))) {
					snprintf(why, whylen, "pfn %#lx in the free order-%lu block at pfn %#lx has %s", pfn + k,
						 order, pfn, r ? "a refcount" : "a free block inside it");
					if (r)
						snprintf(why + strlen(why), whylen - strlen(why), " of %d", r);
					ret = -EINVAL;
					break;
				}
			}
			pfn += 1UL << order;
		} else if (on_pcp[(pfn - start) / 64] >> ((pfn - start) % 64) & 1) {
			if (ref) {
				snprintf(why, whylen, "pfn %#lx is free on a pcp list with refcount %d", pfn, ref);
				ret = -EINVAL;
			}
			pfn++;
		} else if (PageReserved(page) || PageTail(page)) {
			pfn++;
		} else if (ref <= 0) {
			snprintf(why, whylen, "pfn %#lx has refcount %d but is on no free list (lost, or freed wrongly)", pfn,
				 ref);
			ret = -EINVAL;
		} else {
			int ao = get_alloc_order(page);
			pfn += !PageHead(page) && ao > 0 ? 1UL << ao : 1; /* the rest of the block has no refcount of its own */
		}
	}
	free(on_pcp);
	return ret;
}

/* Recount the free lists and check them against PageBuddy and the counters. */
int zone_verify(struct zone *zone, char *why, size_t whylen)
{
	long free = 0, free_cma = 0;
	int ret = 0;
	pthread_mutex_lock(&zone->lock);
	for (unsigned o = 0; o < MAX_ORDER && !ret; o++) {
		unsigned long blocks = 0;
		for (int t = 0; t < MIGRATE_TYPES && !ret; t++) {
			struct list_head *pos;
			list_for_each(pos, &zone->free_area[o].free_list[t]) {
				struct page *page = list_entry(pos, struct page, lru);
				unsigned long pfn = page_to_pfn(page);
				if (!PageBuddy(page) || page->private != o) {
					snprintf(why, whylen, "pfn %#lx on order-%u list is not a free block of that order", pfn, o);
					ret = -EINVAL;
					break;
				}
				if (page_zone(page) != zone || pfn < zone->zone_start_pfn || pfn + (1UL << o) > zone_end_pfn(zone)) {
					snprintf(why, whylen, "pfn %#lx on zone %s's list is outside the zone", pfn, zone->name);
					ret = -EINVAL;
					break;
				}
				if (pfn & ((1UL << o) - 1)) {
					snprintf(why, whylen, "pfn %#lx is not aligned to its order %u", pfn, o);
					ret = -EINVAL;
					break;
				}
				if (page->index != (unsigned long)t) {
					snprintf(why, whylen, "pfn %#lx on the %s list says it is on list %lu", pfn,
						 migratetype_names[t], page->index);
					ret = -EINVAL;
					break;
				}
				if (t == MIGRATE_CMA)
					free_cma += 1L << o;
				unsigned long bp = pfn ^ (1UL << o);
				/* pageblocks with no fallbacks (highatomic, isolated) do not merge with others */
				int mt = get_pageblock_migratetype(page);
				int bmt = pfn_valid(bp) ? get_pageblock_migratetype(pfn_to_page(bp)) : mt;
				bool unmergeable = o >= (unsigned)M->prof->pageblock_order && mt != bmt &&
						   (!migratetype_is_mergeable(mt) || !migratetype_is_mergeable(bmt));
				if (o < MAX_ORDER - 1 && bp >= zone->zone_start_pfn && bp < zone_end_pfn(zone) &&
				    pfn_valid(bp) && !unmergeable && page_is_buddy(pfn_to_page(bp), o)) {
					snprintf(why, whylen, "pfn %#lx and its buddy %#lx are both free at order %u", pfn, bp, o);
					ret = -EINVAL;
					break;
				}
				blocks++;
			}
		}
		for (int t = 0; t < MIGRATE_TYPES && !ret; t++)
			if (!!(zone->free_area[o].mt_mask & (1UL << t)) == list_empty(&zone->free_area[o].free_list[t])) {
				snprintf(why, whylen, "zone %s order %u: mt_mask says list %d is %sempty", zone->name, o, t,
					 list_empty(&zone->free_area[o].free_list[t]) ? "not " : "");
				ret = -EINVAL;
			}
		if (!ret && blocks != zone->free_area[o].nr_free) {
			snprintf(why, whylen, "zone %s order %u: nr_free %lu but %lu blocks listed", zone->name, o,
				 zone->free_area[o].nr_free, blocks);
			ret = -EINVAL;
		}
		free += (long)(blocks << o);
	}
	if (!ret && free != zone->vm_stat[NR_FREE_PAGES]) {
		snprintf(why, whylen, "zone %s: NR_FREE_PAGES %ld but the lists hold %ld pages", zone->name,
			 zone->vm_stat[NR_FREE_PAGES], free);
		ret = -EINVAL;
	}
	if (!ret && free_cma != zone->vm_stat[NR_FREE_CMA_PAGES]) {
		snprintf(why, whylen, "zone %s: NR_FREE_CMA_PAGES %ld but the CMA lists hold %ld pages", zone->name,
			 zone->vm_stat[NR_FREE_CMA_PAGES], free_cma);
		ret = -EINVAL;
	}
	/* the per-CPU lists: blocks of the right order, in this zone, counted right */
	for (int c = 0; !ret && zone->pageset && c < M->nr_cpus; c++) {
		const struct per_cpu_pages *pcp = &zone->pageset[c];
		long pages = 0;
		for (int i = 0; i < NR_PCP_LISTS && !ret; i++) {
			struct list_head *pos;
			unsigned int order = pindex_to_order(i);
			list_for_each(pos, &pcp->lists[i]) {
				struct page *page = list_entry(pos, struct page, lru);
				if (PageBuddy(page) || page_ref_count(page) || page_zone(page) != zone ||
				    (page_to_pfn(page) & ((1UL << order) - 1))) {
					snprintf(why, whylen, "zone %s cpu %d: pfn %#lx on a pcp list is not a free order-%u block",
						 zone->name, c, page_to_pfn(page), order);
					ret = -EINVAL;
					break;
				}
				pages += 1L << order;
			}
		}
		if (!ret && pages != pcp->count) {
			snprintf(why, whylen, "zone %s cpu %d: pcp count %d but the lists hold %ld pages", zone->name, c,
				 pcp->count, pages);
			ret = -EINVAL;
		}
	}
	/* the highatomic reserve is whole pageblocks */
	if (!ret && zone->nr_reserved_highatomic % pageblock_nr_pages()) {
		snprintf(why, whylen, "zone %s: nr_reserved_highatomic %lu is not whole pageblocks", zone->name,
			 zone->nr_reserved_highatomic);
		ret = -EINVAL;
	}
	if (!ret)
		ret = zone_verify_pages(zone, why, whylen);
	pthread_mutex_unlock(&zone->lock);
	return ret;
}
