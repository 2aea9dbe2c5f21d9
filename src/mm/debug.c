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
 */
#include "internal.h"

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
