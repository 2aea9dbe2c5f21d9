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
 */
#include "internal.h"

static const char *const pageflag_names[] = {
#define X(name) #name,
	KMM_PAGEFLAGS(X)
#undef X
};

void dump_page(struct page *page, const char *reason)
{
	unsigned long pfn = page_to_pfn(page);
	int mapcount = PageBuddy(page) ? 0 : page->_mapcount + 1;
	printk(KERN_WARNING "page:%p refcount:%d mapcount:%d mapping:%p index:%#lx pfn:%#lx\n",
	       (void *)(uintptr_t)(pfn * M->prof->struct_page_size), page_ref_count(page), mapcount,
	       page->mapping, page->index, pfn);
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
