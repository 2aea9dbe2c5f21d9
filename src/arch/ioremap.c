/*
 * ioremap.c - device memory in the kernel's address space, as Linux 6.1's
 * arch/x86/mm/ioremap.c.
 *
 * ioremap(phys, size) takes an area of the vmalloc space (VM_IOREMAP,
 * with its guard page), maps the physical pages there with the caching
 * the caller asked for, and returns the address plus phys's offset in its
 * page.  RAM is refused: the kernel already maps it, and a second mapping
 * with other caching would corrupt it on real hardware.  The cache mode of
 * every live mapping is recorded as PAT's memtype list is:
 *
 *     ioremap / ioremap_uc_minus   PCD       uncached-minus (the default)
 *     ioremap_uc                   PCD|PWT   uncached
 *     ioremap_wc                   PWT       write-combining (PAT index 1)
 *     ioremap_cache                -         write-back
 *
 * The simulated machine's device memory is one PCI BAR (sim/ram.c), listed
 * in /proc/iomem; its bytes are a memfd, so the pointer ioremap returns
 * really reaches them through the host mirror.  iounmap() gives the area
 * back (lazily, as vfree) and forgets the memtype.
 */
#include "internal.h"
#include "sim/ram.h"

#include <kmm/io.h>
#include <kmm/pgtable.h>
#include <kmm/vmalloc.h>

enum memtype { MT_WB, MT_WC, MT_UC_MINUS, MT_UC };

static const char *const memtype_name[] = { "write-back", "write-combining", "uncached-minus", "uncached" };
static const pteval_t memtype_bits[] = { 0, _PAGE_PWT, _PAGE_PCD, _PAGE_PCD | _PAGE_PWT };

/* Is any byte of [start, end] System RAM? */
static bool range_is_ram(u64 start, u64 end)
{
	for (u32 i = 0; i < M->e820.nr_entries; i++) {
		const struct e820_entry *e = &M->e820.entries[i];
		if (e->type == E820_TYPE_RAM && start < e->addr + e->size && e->addr <= end)
			return true;
	}
	return false;
}

static void __iomem *__ioremap_caller(phys_addr_t phys_addr, unsigned long size, enum memtype mt, const void *caller)
{
	phys_addr_t last_addr = phys_addr + size - 1;
	if (!M || !size || last_addr < phys_addr)
		return NULL;
	u64 max_phys = (u64)M->prof->max_arch_pfn << PAGE_SHIFT; /* 1 << MAX_PHYSMEM_BITS */
	if (last_addr >= max_phys) {
		printk(KERN_WARNING "ioremap: invalid physical address %llx\n", (unsigned long long)phys_addr);
		M->vmalloc_bugs++;
		return NULL;
	}
	if (range_is_ram(phys_addr, last_addr)) {
		printk(KERN_WARNING "WARNING: ioremap on RAM at 0x%016llx - 0x%016llx\n", (unsigned long long)phys_addr,
		       (unsigned long long)last_addr);
		M->vmalloc_bugs++;
		return NULL;
	}
	unsigned long offset = (unsigned long)(phys_addr & ~PAGE_MASK);
	phys_addr_t base = phys_addr & PAGE_MASK;
	unsigned long mapped = ALIGN((unsigned long)(last_addr + 1 - base), PAGE_SIZE);
	struct vm_struct *area = get_vm_area_caller(mapped, VM_IOREMAP, caller);
	if (!area)
		return NULL;
	area->phys_addr = base;
	area->memtype = (unsigned int)mt;
	if (kernel_map_pages(kmm_host_to_kva(area->addr), PHYS_PFN(base), mapped >> PAGE_SHIFT, __PAGE_KERNEL | memtype_bits[mt])) {
		free_vm_area(area);
		return NULL;
	}
	return (char *)area->addr + offset;
}

#define CALLER __builtin_return_address(0)

void __iomem *ioremap(phys_addr_t phys_addr, unsigned long size) { return __ioremap_caller(phys_addr, size, MT_UC_MINUS, CALLER); }
void __iomem *ioremap_uc(phys_addr_t phys_addr, unsigned long size) { return __ioremap_caller(phys_addr, size, MT_UC, CALLER); }
void __iomem *ioremap_wc(phys_addr_t phys_addr, unsigned long size) { return __ioremap_caller(phys_addr, size, MT_WC, CALLER); }
void __iomem *ioremap_cache(phys_addr_t phys_addr, unsigned long size) { return __ioremap_caller(phys_addr, size, MT_WB, CALLER); }

void iounmap(volatile void __iomem *addr)
{
	if (!addr || !M)
		return;
	void *start = (void *)((unsigned long)addr & PAGE_MASK);
	struct vm_struct *area = find_vm_area(start);
	if (!area || !(area->flags & VM_IOREMAP) || area->addr != start) {
		printk(KERN_ERR "iounmap: bad address %lx\n", kmm_addr_for_print((const void *)addr));
		M->vmalloc_bugs++;
		return;
	}
	free_vm_area(area);
}

static void show_memtype_of(const struct vm_struct *area, void *arg)
{
	unsigned long len = area->size - PAGE_SIZE; /* without the guard page */
	sb_printf(arg, "%s @ 0x%llx-0x%llx\n", memtype_name[area->memtype], (unsigned long long)area->phys_addr,
		  (unsigned long long)(area->phys_addr + len));
}

/* /sys/kernel/debug/x86/pat_memtype_list: the cache mode of every ioremap (in vmalloc-area order). */
void show_pat_memtype_list(struct strbuf *sb)
{
	sb_printf(sb, "PAT memtype list:\n");
	vmap_for_each_area(VM_IOREMAP, show_memtype_of, sb);
}
