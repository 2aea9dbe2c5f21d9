/*
 * test_dma.c - the DMA API (kernel/dma.c, swiotlb.c, iommu.c,
 * mm/dmapool.c): coherent buffers come from the zone the device's mask
 * reaches; streaming mappings of memory a 32-bit device cannot reach
 * bounce through the software IO TLB, and the device sees the CPU's bytes
 * (and the CPU the device's after unmap); DMA pools carve blocks that
 * never cross their boundary; with intel_iommu=on scattered pages get one
 * contiguous bus range; every misuse gets dma-debug's report and changes
 * nothing; and after each test nothing is lost (no mapping, no swiotlb
 * slot, no IOVA, every page back).
 */
#include "kmm_test.h"
#include "mm/cma.h"
#include "kernel/dma_internal.h"

#include <kmm/dma.h>
#include <pthread.h>
#include <kmm/highmem.h>
#include <kmm/slab.h>
#include <kmm/vmalloc.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(dma, .fini = fini, .timeout = 120);

static struct kmm_usage boot_dma(const char *profile, unsigned long long mem, const char *cmdline)
{
	boot_machine(profile, mem, 1, cmdline);
	struct kmm_usage u;
	kmm_usage_settle(&u);
	return u;
}

static void fill(void *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		((u8 *)p)[i] = (u8)(seed + i * 7);
}

static bool filled(const void *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (((const u8 *)p)[i] != (u8)(seed + i * 7))
			return false;
	return true;
}

static const char *zone_of(const void *cpu_addr)
{
	struct page *page = is_vmalloc_addr(cpu_addr) ? vmalloc_to_page(cpu_addr) : virt_to_page(cpu_addr);
	return page_zone(page)->name;
}

/* ---- coherent buffers ---------------------------------------------------------------------------- */

static void coherent_24bit(const char *profile)
{
	if (!strncmp(profile, "arm", 3))
		cr_skip_test("QEMU virt's RAM starts at 1 GiB: nothing a 24-bit device reaches (6.1 fails the same)");
	struct kmm_usage u = boot_dma(profile, 1ULL << 30, NULL);
	struct device *isa = kmm_device_create("isa", 24);
	cr_assert_not_null(isa);
	dma_addr_t bus;
	void *buf = dma_alloc_coherent(isa, 3 * PAGE_SIZE, &bus, GFP_KERNEL);
	cr_assert_not_null(buf);
	cr_assert_str_eq(zone_of(buf), "DMA", "a 24-bit device's buffer is in ZONE_DMA");
	cr_assert_lt(bus + 3 * PAGE_SIZE - 1, 1ULL << 24);
	cr_assert_eq(bus, page_to_phys(virt_to_page(buf)), "no IOMMU: the bus address is the physical one");
	/* zeroed, and the device sees what the CPU writes */
	u8 seen[3 * PAGE_SIZE];
	cr_assert_eq(kmm_device_read(isa, bus, seen, sizeof(seen)), 0);
	for (size_t i = 0; i < sizeof(seen); i++)
		cr_assert_eq(seen[i], 0);
	fill(buf, 3 * PAGE_SIZE, 5);
	cr_assert_eq(kmm_device_read(isa, bus, seen, sizeof(seen)), 0);
	cr_assert(filled(seen, sizeof(seen), 5));
	/* and beyond its 24 address lines it cannot go */
	cr_assert_eq(kmm_device_read(isa, 1ULL << 24, seen, 16), -EFAULT);
	cr_assert_eq(kmm_device_destroy(isa), -EBUSY, "a device with a live buffer is not destroyed");
	dma_free_coherent(isa, 3 * PAGE_SIZE, buf, bus);
	cr_assert_eq(kmm_device_destroy(isa), 0);
	assert_nothing_lost_since(&u, "coherent_24bit");
}
TEST_ON_EVERY_PROFILE(dma, coherent_24bit, coherent_24bit)

static void coherent_32bit(const char *profile)
{
	struct kmm_usage u = boot_dma(profile, 6ULL << 30, NULL);
	struct device *nic = kmm_device_create("nic", 32), *wide = kmm_device_create("nvme", 64);
	cr_assert(nic && wide);
	dma_addr_t bus, bus64;
	void *buf = dma_alloc_coherent(nic, 64 << 10, &bus, GFP_KERNEL);
	void *buf64 = dma_alloc_coherent(wide, PAGE_SIZE, &bus64, GFP_KERNEL);
	cr_assert(buf && buf64);
	cr_assert_lt(bus + (64 << 10) - 1, SZ_4G);
	/* x86_64: ZONE_DMA32; i386: GFP_DMA32 means ZONE_NORMAL, lowmem, all below 4 GiB */
	cr_assert_str_eq(zone_of(buf), M->prof->bits == 64 ? "DMA32" : "Normal");
	cr_assert_str_eq(zone_of(buf64), "Normal", "a 64-bit device needs no zone modifier");
	if (M->prof->bits == 64)
		cr_assert_geq(bus64, SZ_4G, "on a 6 GiB x86_64 ZONE_NORMAL is above 4 GiB");
	dma_free_coherent(nic, 64 << 10, buf, bus);
	dma_free_coherent(wide, PAGE_SIZE, buf64, bus64);
	cr_assert_eq(kmm_device_destroy(nic), 0);
	cr_assert_eq(kmm_device_destroy(wide), 0);
	assert_nothing_lost_since(&u, "coherent_32bit");
}
Test(dma, coherent_32bit_pae) { coherent_32bit("i386-pae"); }
Test(dma, coherent_32bit_x86_64) { coherent_32bit("x86_64"); }
Test(dma, coherent_32bit_i386)
{
	struct kmm_usage u = boot_dma("i386", 4ULL << 30, NULL);
	struct device *nic = kmm_device_create("nic", 32);
	dma_addr_t bus;
	void *buf = dma_alloc_coherent(nic, PAGE_SIZE, &bus, GFP_KERNEL);
	cr_assert_not_null(buf);
	cr_assert_str_eq(zone_of(buf), "Normal", "i386 has no DMA32: lowmem is below 4 GiB");
	dma_free_coherent(nic, PAGE_SIZE, buf, bus);
	kmm_device_destroy(nic);
	assert_nothing_lost_since(&u, "coherent_32bit_i386");
}

/*
 * A 28-bit device (256 MiB): its mask falls in DMA32 (x86_64) or Normal
 * (i386), whose pages mostly lie above its reach; each such block goes
 * back and the next lower zone is tried, down to ZONE_DMA.
 */
static void coherent_retry(const char *profile)
{
	if (!strncmp(profile, "arm", 3))
		cr_skip_test("QEMU virt's RAM starts at 1 GiB: nothing a 28-bit device reaches (6.1 fails the same)");
	struct kmm_usage u = boot_dma(profile, 2ULL << 30, NULL);
	struct device *dev = kmm_device_create("b43", 28);
	cr_assert_not_null(dev);
	dma_addr_t bus[8];
	void *buf[8];
	for (int i = 0; i < 8; i++) {
		buf[i] = dma_alloc_coherent(dev, 2 * PAGE_SIZE, &bus[i], GFP_KERNEL);
		cr_assert_not_null(buf[i]);
		cr_assert_lt(bus[i] + 2 * PAGE_SIZE - 1, 1ULL << 28, "buffer %d at %#llx is out of reach", i, bus[i]);
	}
	for (int i = 0; i < 8; i++)
		dma_free_coherent(dev, 2 * PAGE_SIZE, buf[i], bus[i]);
	kmm_device_destroy(dev);
	assert_nothing_lost_since(&u, "coherent_retry");
}
TEST_ON_EVERY_PROFILE(dma, coherent_retry, coherent_retry)

/* The machine's own PCI device: 0000:00:02.0 with a 32-bit mask, made at boot. */
/*
 * With CONFIG_CMA a coherent buffer of more than a page comes from the
 * default area (dma_alloc_contiguous), aligned to its order, and goes
 * back to it; a one-page buffer and an atomic caller use the buddy
 * allocator, as 6.1's dma-direct does.
 */
Test(dma, coherent_from_cma)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "x86_64";
	p.mem_bytes = 1ULL << 30;
	p.kconfig = "CMA=y";
	p.cmdline = "cma=16M";
	boot_or_fail(&p);
	struct kmm_usage u;
	kmm_usage_settle(&u);
	unsigned long cma_free = meminfo_value("CmaFree:");
	cr_assert_eq(cma_free, 16384);
	struct device *nic = kmm_device_create("nic", 32);
	cr_assert_not_null(nic);
	dma_addr_t bus, one_bus, atomic_bus;
	void *buf = dma_alloc_coherent(nic, 1 << 20, &bus, GFP_KERNEL);
	cr_assert_not_null(buf);
	struct cma *area = dma_contiguous_default_area;
	cr_assert(bus >= cma_get_base(area) && bus + (1 << 20) <= cma_get_base(area) + cma_get_size(area),
		  "the buffer at %#llx is the area's", (unsigned long long)bus);
	cr_assert_eq(bus & ((1 << 20) - 1), 0, "aligned to its order (256 pages)");
	cr_assert_eq(meminfo_value("CmaFree:"), cma_free - 1024);
	cr_assert_eq(vmstat_value("cma_alloc_success"), 1, "one allocation");
	void *one = dma_alloc_coherent(nic, PAGE_SIZE, &one_bus, GFP_KERNEL);
	void *atomic = dma_alloc_coherent(nic, 4 * PAGE_SIZE, &atomic_bus, GFP_ATOMIC);
	cr_assert(one && atomic);
	cr_assert_eq(vmstat_value("cma_alloc_success"), 1, "one page, or a caller that cannot sleep: not from CMA");
	fill(buf, 1 << 20, 3);
	cr_assert(filled(buf, 1 << 20, 3));
	dma_free_coherent(nic, PAGE_SIZE, one, one_bus);
	dma_free_coherent(nic, 4 * PAGE_SIZE, atomic, atomic_bus);
	dma_free_coherent(nic, 1 << 20, buf, bus);
	struct kmm_usage now;
	kmm_usage_settle(&now); /* the CPU's free lists hold the released pages until drained */
	cr_assert_eq(meminfo_value("CmaFree:"), cma_free, "released to the area");
	cr_assert_eq(kmm_device_destroy(nic), 0);
	assert_nothing_lost_since(&u, "coherent_from_cma");
}

Test(dma, pci_device)
{
	boot_dma("x86_64", 1ULL << 30, NULL);
	struct device *pci = kmm_pci_device();
	cr_assert_not_null(pci);
	cr_assert_str_eq(pci->name, "0000:00:02.0");
	cr_assert_eq(*pci->dma_mask, DMA_BIT_MASK(32));
	cr_assert_eq(kmm_device_destroy(pci), -EINVAL, "the PCI device stays");
	cr_assert_eq(kmm_device_find("0000:00:02.0"), pci);
}

/* Masks: dma_direct_supported refuses what even ZONE_DMA cannot serve; dma_addr_t is 32 bits on i386 */
Test(dma, masks)
{
	boot_dma("i386", 1ULL << 30, NULL);
	cr_assert_null(kmm_device_create("tiny", 16), "a 16-bit device cannot be served");
	cr_assert_null(kmm_device_create("bad", 0));
	cr_assert_null(kmm_device_create("bad", 65));
	struct device *d = kmm_device_create("d", 64);
	cr_assert_eq(*d->dma_mask, DMA_BIT_MASK(32), "i386 without PAE: dma_addr_t holds 32 bits");
	cr_assert_eq(dma_set_mask(d, DMA_BIT_MASK(20)), -EIO);
	cr_assert_eq(*d->dma_mask, DMA_BIT_MASK(32), "a refused mask changes nothing");
	cr_assert_null(kmm_device_create("d", 32), "names are unique");
	cr_assert_eq(dma_get_required_mask(d), DMA_BIT_MASK(30), "1 GiB of RAM needs 30 bits");
	cr_assert_eq(kmm_device_destroy(d), 0);
}

/* ---- streaming mappings and the software IO TLB ------------------------------------------------------- */

/*
 * A block of MAX_ORDER - 1 pages above 4 GiB, which a 32-bit device cannot
 * reach (HighMem on i386-pae, ZONE_NORMAL on x86_64): the blocks below are
 * taken and given back.  Free it with __free_pages(page, MAX_ORDER - 1).
 */
static struct page *block_above_4g(void)
{
	static struct page *keep[2048];
	int n = 0;
	struct page *page = NULL;
	while (n < 2048) {
		page = alloc_pages(GFP_HIGHUSER, MAX_ORDER - 1);
		cr_assert_not_null(page);
		if (page_to_phys(page) >= SZ_4G)
			break;
		keep[n++] = page;
		page = NULL;
	}
	while (n)
		__free_pages(keep[--n], MAX_ORDER - 1);
	cr_assert_not_null(page, "no page above 4 GiB");
	return page;
}

static void bounce(const char *profile)
{
	struct kmm_usage u = boot_dma(profile, 6ULL << 30, NULL);
	cr_assert_gt(swiotlb_nslabs(), 0, "RAM above 4 GiB: the swiotlb is there");
	struct device *nic = kmm_device_create("nic", 32);
	struct page *page = block_above_4g();
	if (M->prof->bits == 32)
		cr_assert(PageHighMem(page));
	u8 *cpu = kmap(page);
	fill(cpu, PAGE_SIZE, 11);
	unsigned long bounced = swiotlb_bounced();
	dma_addr_t bus = dma_map_page(nic, page, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
	cr_assert_neq(dma_mapping_error(nic, bus), -ENOMEM);
	cr_assert_eq(dma_mapping_error(nic, bus), 0);
	cr_assert(is_swiotlb_buffer(bus), "the mapping bounced");
	cr_assert_lt(bus, SZ_4G);
	cr_assert_eq(swiotlb_bounced(), bounced + 1);
	cr_assert_eq(swiotlb_used(), 2, "a page is two 2 KiB slots");
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why); /* dma_verify: the live bounce's slots are those in use */
	char *used = kmm_proc_read("sys/kernel/debug/swiotlb/io_tlb_used");
	cr_assert_str_eq(used, "2\n");
	free(used);
	/* the device sees the CPU's bytes */
	u8 seen[PAGE_SIZE];
	cr_assert_eq(kmm_device_read(nic, bus, seen, PAGE_SIZE), 0);
	cr_assert(filled(seen, PAGE_SIZE, 11));
	/* it writes; the CPU sees it only after unmap */
	fill(seen, PAGE_SIZE, 99);
	cr_assert_eq(kmm_device_write(nic, bus, seen, PAGE_SIZE), 0);
	cr_assert(filled(cpu, PAGE_SIZE, 11), "the bytes are still in the bounce buffer");
	dma_unmap_page(nic, bus, PAGE_SIZE, DMA_BIDIRECTIONAL);
	cr_assert(filled(cpu, PAGE_SIZE, 99), "unmap copied the device's bytes back");
	cr_assert_eq(swiotlb_used(), 0);
	/* a kmalloc buffer, mapped for the device to fill, synced in between */
	u8 *obj = kmalloc(600, GFP_KERNEL);
	memset(obj, 0x5a, 600);
	struct page *high2 = block_above_4g();
	u8 *cpu2 = kmap(high2);
	memset(cpu2, 0x11, PAGE_SIZE);
	dma_addr_t b2 = dma_map_page(nic, high2, 100, 600, DMA_FROM_DEVICE);
	cr_assert(is_swiotlb_buffer(b2));
	cr_assert_eq(kmm_device_write(nic, b2, obj, 600), 0);
	dma_sync_single_for_cpu(nic, b2, 600, DMA_FROM_DEVICE);
	cr_assert_eq(cpu2[100], 0x5a);
	cr_assert_eq(cpu2[699], 0x5a);
	cr_assert_eq(cpu2[99], 0x11, "nothing outside the mapping is touched");
	cr_assert_eq(cpu2[700], 0x11);
	dma_unmap_page(nic, b2, 600, DMA_FROM_DEVICE);
	/* a kmalloc object below 4 GiB is in reach: mapped directly, no slot (x86_64's may be above) */
	dma_addr_t b3 = dma_map_single(nic, obj, 600, DMA_TO_DEVICE);
	phys_addr_t obj_phys = page_to_phys(virt_to_page(obj)) + ((unsigned long)obj & ~PAGE_MASK);
	if (obj_phys + 600 <= SZ_4G)
		cr_assert_eq(b3, obj_phys);
	else
		cr_assert(is_swiotlb_buffer(b3));
	dma_unmap_single(nic, b3, 600, DMA_TO_DEVICE);
	kfree(obj);
	kunmap(high2);
	__free_pages(high2, MAX_ORDER - 1);
	kunmap(page);
	__free_pages(page, MAX_ORDER - 1);
	cr_assert_eq(kmm_device_destroy(nic), 0);
	assert_nothing_lost_since(&u, "bounce");
}
Test(dma, bounce_highmem_pae) { bounce("i386-pae"); }
Test(dma, bounce_above_4g_x86_64) { bounce("x86_64"); }

/* i386 with 4 GiB: a HighMem page is below 4 GiB, in a 32-bit device's reach; a 24-bit one has no swiotlb to help */
Test(dma, highmem_i386)
{
	struct kmm_usage u = boot_dma("i386", 4ULL << 30, NULL);
	cr_assert_eq(swiotlb_nslabs(), 0, "no RAM above 4 GiB: no swiotlb");
	struct device *nic = kmm_device_create("nic", 32), *isa = kmm_device_create("isa", 24);
	struct page *high = alloc_pages(GFP_HIGHUSER, 0);
	cr_assert(PageHighMem(high));
	u8 *cpu = kmap(high);
	fill(cpu, PAGE_SIZE, 3);
	dma_addr_t bus = dma_map_page(nic, high, 0, PAGE_SIZE, DMA_TO_DEVICE);
	cr_assert_eq(bus, page_to_phys(high), "in reach: mapped directly");
	u8 seen[PAGE_SIZE];
	cr_assert_eq(kmm_device_read(nic, bus, seen, PAGE_SIZE), 0);
	cr_assert(filled(seen, PAGE_SIZE, 3));
	dma_unmap_page(nic, bus, PAGE_SIZE, DMA_TO_DEVICE);
	unsigned long bugs = M->dma_bugs;
	cr_assert_eq(dma_map_page(isa, high, 0, PAGE_SIZE, DMA_TO_DEVICE), DMA_MAPPING_ERROR);
	cr_assert(strstr(kmm_dmesg(), "kmm isa: DMA addr"), "dma_direct_map_page's overflow warning");
	cr_assert_eq(M->dma_bugs, bugs + 1);
	kunmap(high);
	__free_pages(high, 0);
	kmm_device_destroy(nic);
	kmm_device_destroy(isa);
	assert_nothing_lost_since(&u, "highmem_i386");
}

/* swiotlb=force: every mapping bounces, even on a small machine; swiotlb=N sizes the buffer */
Test(dma, swiotlb_force_and_full)
{
	struct kmm_usage u = boot_dma("i386", 1ULL << 30, "swiotlb=128,force");
	cr_assert_eq(swiotlb_nslabs(), 128);
	cr_assert(strstr(kmm_dmesg(), "software IO TLB: mapped [mem "));
	struct device *dev = kmm_device_create("dev", 32);
	u8 *a = kmalloc(PAGE_SIZE, GFP_KERNEL);
	struct page *big = alloc_pages(GFP_KERNEL, 6); /* 256 KiB: the whole buffer */
	dma_addr_t ba = dma_map_single(dev, a, 100, DMA_TO_DEVICE);
	cr_assert(is_swiotlb_buffer(ba), "force: bounced though it is in reach");
	/* 256 KiB needs 128 slots in one segment: two are taken */
	unsigned long bugs = M->dma_bugs;
	dma_addr_t bb = dma_map_page(dev, big, 0, 256 << 10, DMA_TO_DEVICE);
	cr_assert_eq(bb, DMA_MAPPING_ERROR);
	cr_assert(strstr(kmm_dmesg(), "kmm dev: swiotlb buffer is full (sz: 262144 bytes), total 128 (slots), used 1 (slots)"));
	cr_assert_eq(M->dma_bugs, bugs, "a full buffer is no misuse");
	cr_assert_eq(swiotlb_used(), 1, "the failed mapping took nothing");
	dma_unmap_single(dev, ba, 100, DMA_TO_DEVICE);
	bb = dma_map_page(dev, big, 0, 256 << 10, DMA_TO_DEVICE);
	cr_assert_neq(bb, DMA_MAPPING_ERROR, "now it fits");
	cr_assert_eq(swiotlb_used(), 128);
	dma_unmap_page(dev, bb, 256 << 10, DMA_TO_DEVICE);
	/* more than a segment never fits */
	cr_assert_eq(dma_map_page(dev, big, 0, (256 << 10) + 1, DMA_TO_DEVICE), DMA_MAPPING_ERROR);
	__free_pages(big, 6);
	kfree(a);
	kmm_device_destroy(dev);
	assert_nothing_lost_since(&u, "swiotlb_force_and_full");
}

Test(dma, swiotlb_cmdline)
{
	char err[256];
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "x86_64";
	p.mem_bytes = 6ULL << 30;
	p.cmdline = "swiotlb=noforce";
	cr_assert_eq(kmm_boot(&p, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(swiotlb_nslabs(), 0, "noforce: no buffer");
	kmm_shutdown();
	p.cmdline = "swiotlb=99999999999999999999";
	cr_assert_neq(kmm_boot(&p, err, sizeof(err)), 0);
	cr_assert(strstr(err, "swiotlb="), "%s", err);
	p.cmdline = "swiotlb=300";
	cr_assert_eq(kmm_boot(&p, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(swiotlb_nslabs(), 512, "384 slots rounded up to a power of two");
}

/* ---- scatterlists ---------------------------------------------------------------------------------- */

static void sg_direct(const char *profile)
{
	struct kmm_usage u = boot_dma(profile, 1ULL << 30, NULL);
	struct device *dev = kmm_device_create("dev", 32);
	struct page *pages[3];
	struct scatterlist sg[3];
	sg_init_table(sg, 3);
	for (int i = 0; i < 3; i++) {
		pages[i] = alloc_pages(GFP_KERNEL, 0);
		fill(page_address(pages[i]), PAGE_SIZE, (unsigned)i);
		sg_set_page(&sg[i], pages[i], PAGE_SIZE - 8 * (unsigned)i, 8 * (unsigned)i);
	}
	int n = dma_map_sg(dev, sg, 3, DMA_TO_DEVICE);
	cr_assert_eq(n, 3, "no IOMMU: one segment per entry");
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(sg_dma_address(&sg[i]), page_to_phys(pages[i]) + 8 * (unsigned)i);
		u8 b;
		cr_assert_eq(kmm_device_read(dev, sg_dma_address(&sg[i]), &b, 1), 0);
		cr_assert_eq(b, (u8)(i + 8 * i * 7));
	}
	/* unmapping with another count is refused; the right one works */
	unsigned long bugs = M->dma_bugs;
	dma_unmap_sg(dev, sg, 2, DMA_TO_DEVICE);
	cr_assert_gt(M->dma_bugs, bugs);
	cr_assert_eq(dev->nr_mappings, 3);
	dma_unmap_sg(dev, sg, 3, DMA_TO_DEVICE);
	cr_assert_eq(dev->nr_mappings, 0);
	for (int i = 0; i < 3; i++)
		__free_pages(pages[i], 0);
	kmm_device_destroy(dev);
	assert_nothing_lost_since(&u, "sg_direct");
}
TEST_ON_EVERY_PROFILE(dma, sg_direct, sg_direct)

/* ---- DMA pools -------------------------------------------------------------------------------------- */

static void pool(const char *profile)
{
	struct kmm_usage u = boot_dma(profile, 1ULL << 30, NULL);
	struct device *dev = kmm_device_create("hcd", 32);
	cr_assert_null(dma_pool_create("bad", dev, 64, 3, 0), "alignment not a power of two");
	cr_assert_null(dma_pool_create("bad", dev, 0, 0, 0));
	cr_assert_null(dma_pool_create("bad", dev, 64, 0, 32), "a boundary smaller than a block");
	cr_assert_null(dma_pool_create("bad", dev, 64, 0, 96));
	cr_assert_null(dma_pool_create("bad", dev, (size_t)-1, 0, 0));
	/* 48-byte blocks, 16-aligned: 48 each; none may cross a 1 KiB line */
	struct dma_pool *p = dma_pool_create("td", dev, 40, 16, 1024);
	cr_assert_not_null(p);
	enum { N = 200 };
	void *v[N];
	dma_addr_t h[N];
	for (int i = 0; i < N; i++) {
		v[i] = dma_pool_zalloc(p, GFP_KERNEL, &h[i]);
		cr_assert_not_null(v[i]);
		cr_assert_eq(h[i] % 16, 0);
		cr_assert_eq(h[i] / 1024, (h[i] + 48 - 1) / 1024, "block %d crosses the boundary", i);
		cr_assert_eq(h[i] - page_to_phys(virt_to_page(v[i])), (unsigned long)v[i] & ~PAGE_MASK);
		for (int j = 0; j < 48; j++)
			cr_assert_eq(((u8 *)v[i])[j], 0);
		memset(v[i], 0xee, 48);
		u8 b;
		cr_assert_eq(kmm_device_read(dev, h[i] + 47, &b, 1), 0);
		cr_assert_eq(b, 0xee);
	}
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++)
			cr_assert_neq(h[i], h[j]);
	/* 21 blocks of 48 bytes per KiB line (a 22nd would cross it): 84 a page */
	cr_assert_eq(dev->nr_mappings, (N + 83) / 84, "one coherent page per 84 blocks");
	/* a freed block of the newest page (searched first) is the next one handed out */
	dma_pool_free(p, v[N - 1], h[N - 1]);
	dma_addr_t again;
	cr_assert_eq(dma_pool_alloc(p, GFP_KERNEL, &again), v[N - 1]);
	cr_assert_eq(again, h[N - 1]);
	/* misuse: reported, nothing changes */
	unsigned long bugs = M->dma_bugs;
	dma_pool_free(p, v[3], h[3]);
	dma_pool_free(p, v[3], h[3]);
	cr_assert(strstr(kmm_dmesg(), "kmm hcd: dma_pool_free td, dma "));
	cr_assert(strstr(kmm_dmesg(), "already free"));
	dma_pool_free(p, v[4], h[5]);
	cr_assert(strstr(kmm_dmesg(), "(bad vaddr)"));
	dma_pool_free(p, v[4], 0x1000);
	cr_assert(strstr(kmm_dmesg(), "(bad dma)"));
	dma_pool_free(p, (char *)v[4] + 8, h[4] + 8);
	cr_assert(strstr(kmm_dmesg(), "(not a block)"));
	cr_assert_eq(M->dma_bugs, bugs + 4);
	dma_pool_destroy(p);
	cr_assert(strstr(kmm_dmesg(), "kmm hcd: dma_pool_destroy td, "), "busy");
	cr_assert(strstr(kmm_dmesg(), " busy"));
	cr_assert_eq(kmm_device_destroy(dev), -EBUSY, "the pool is still there");
	for (int i = 0; i < N; i++)
		if (i != 3)
			dma_pool_free(p, v[i], h[i]);
	dma_pool_destroy(p);
	cr_assert_eq(dev->nr_mappings, 0);
	cr_assert_eq(kmm_device_destroy(dev), 0);
	assert_nothing_lost_since(&u, "pool");
}
TEST_ON_EVERY_PROFILE(dma, pool, pool)

/* ---- the IOMMU -------------------------------------------------------------------------------------- */

static void iommu(const char *profile)
{
	struct kmm_usage u = boot_dma(profile, 2ULL << 30, "intel_iommu=on");
	cr_assert(strstr(kmm_dmesg(), "DMAR: IOMMU enabled"));
	struct device *dev = kmm_device_create("gpu", 32);
	cr_assert_not_null(dev->domain);
	struct kmm_dma_stats st;
	kmm_dma_stats(&st);
	unsigned long tables = st.iommu_pgtable_pages;
	/* 16 pages, scattered, one IOVA range and one kernel address */
	dma_addr_t bus;
	u8 *buf = dma_alloc_coherent(dev, 16 * PAGE_SIZE, &bus, GFP_KERNEL);
	cr_assert_not_null(buf);
	cr_assert(is_vmalloc_addr(buf), "scattered pages: remapped");
	cr_assert_lt(bus + 16 * PAGE_SIZE - 1, SZ_4G);
	for (int i = 0; i < 16; i++) {
		buf[i * PAGE_SIZE + 5] = (u8)(0x40 + i);
		u8 b;
		cr_assert_eq(kmm_device_read(dev, bus + (u64)i * PAGE_SIZE + 5, &b, 1), 0);
		cr_assert_eq(b, 0x40 + i, "page %d seen through its IOVA", i);
	}
	/* four pages that are not neighbours: one bus segment */
	struct page *pg[8];
	for (int i = 0; i < 8; i++)
		pg[i] = alloc_pages(GFP_HIGHUSER, 0);
	struct scatterlist sg[4];
	sg_init_table(sg, 4);
	for (int i = 0; i < 4; i++) {
		u8 *k = kmap(pg[2 * i]);
		memset(k, 0x30 + i, PAGE_SIZE);
		kunmap(pg[2 * i]);
		sg_set_page(&sg[i], pg[2 * i], PAGE_SIZE, 0);
	}
	int n = dma_map_sg(dev, sg, 4, DMA_BIDIRECTIONAL);
	cr_assert_eq(n, 1, "the IOMMU merged four pages into one segment");
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why); /* iommu_verify: IOVA ranges and IO tables as counted */
	cr_assert_eq(sg_dma_len(&sg[0]), 4 * PAGE_SIZE);
	u8 all[4 * PAGE_SIZE];
	cr_assert_eq(kmm_device_read(dev, sg_dma_address(&sg[0]), all, sizeof(all)), 0);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(all[i * PAGE_SIZE + 100], 0x30 + i);
	/* a device may even reach HighMem with a 24-bit mask: the IOVA is what must fit */
	struct device *isa = kmm_device_create("isa", 24);
	dma_addr_t low = dma_map_page(isa, pg[1], 0, PAGE_SIZE, DMA_TO_DEVICE);
	cr_assert_neq(low, DMA_MAPPING_ERROR);
	cr_assert_lt(low, 1ULL << 24);
	/* an unmapped IOVA faults */
	u8 b;
	cr_assert_eq(kmm_device_read(isa, low - PAGE_SIZE, &b, 1), -EFAULT);
	cr_assert(strstr(kmm_dmesg(), "DMAR: [DMA Read NO_PASID] Request device"));
	/* DMA_TO_DEVICE is read-only for the device */
	cr_assert_eq(kmm_device_write(isa, low, &b, 1), -EFAULT);
	dma_unmap_page(isa, low, PAGE_SIZE, DMA_TO_DEVICE);
	cr_assert_eq(kmm_device_destroy(isa), 0);
	dma_unmap_sg(dev, sg, 4, DMA_BIDIRECTIONAL);
	dma_free_coherent(dev, 16 * PAGE_SIZE, buf, bus);
	kmm_dma_stats(&st);
	cr_assert_eq(st.iova_pages, 0);
	cr_assert_eq(st.iommu_pgtable_pages, tables, "the emptied IO page tables went back");
	for (int i = 0; i < 8; i++)
		__free_pages(pg[i], 0);
	cr_assert_eq(kmm_device_destroy(dev), 0);
	assert_nothing_lost_since(&u, "iommu");
}
TEST_ON_EVERY_PROFILE(dma, iommu, iommu)

/* ---- hostile input ------------------------------------------------------------------------------------ */

/* every call here is refused with a report; the machine is as it was */
static void hostile(const char *profile)
{
	struct kmm_usage u = boot_dma(profile, 1ULL << 30, NULL);
	struct device *dev = kmm_device_create("dev", 32);
	dma_addr_t bus = 0;
	unsigned long before = nr_free_pages();
	cr_assert_null(dma_alloc_coherent(dev, 0, &bus, GFP_KERNEL), "size 0");
	cr_assert_null(dma_alloc_coherent(dev, ~0UL, &bus, GFP_KERNEL), "ULONG_MAX");
	cr_assert_null(dma_alloc_coherent(dev, 1UL << 40, &bus, GFP_KERNEL | __GFP_NOWARN));
	cr_assert_null(dma_alloc_coherent(NULL, PAGE_SIZE, &bus, GFP_KERNEL));
	cr_assert_null(dma_alloc_coherent((struct device *)&bus, PAGE_SIZE, &bus, GFP_KERNEL), "a foreign device");
	cr_assert_eq(nr_free_pages(), before);
	void *buf = dma_alloc_coherent(dev, PAGE_SIZE, &bus, GFP_KERNEL);
	struct page *page = alloc_pages(GFP_KERNEL, 0);
	unsigned long bugs = M->dma_bugs;
	/* bad direction: Linux's BUG_ON, refused */
	cr_assert_eq(dma_map_page(dev, page, 0, 64, (enum dma_data_direction)7), DMA_MAPPING_ERROR);
	cr_assert_eq(dma_map_page(dev, page, 0, 64, DMA_NONE), DMA_MAPPING_ERROR);
	cr_assert(strstr(kmm_dmesg(), "kernel BUG at kernel/dma/mapping.c:155!"));
	/* offset + size overflowing, past the end of RAM, a page that is not the machine's */
	cr_assert_eq(dma_map_page(dev, page, ~0UL - 10, 64, DMA_TO_DEVICE), DMA_MAPPING_ERROR);
	cr_assert_eq(dma_map_page(dev, page, 0, ~0UL, DMA_TO_DEVICE), DMA_MAPPING_ERROR);
	cr_assert_eq(dma_map_page(dev, pfn_to_page(M->max_pfn + 5), 0, 64, DMA_TO_DEVICE), DMA_MAPPING_ERROR);
	cr_assert_eq(dma_map_single(dev, &bus, 8, DMA_TO_DEVICE), DMA_MAPPING_ERROR, "not a kernel address");
	void *v = vmalloc(PAGE_SIZE);
	cr_assert_eq(dma_map_single(dev, v, 8, DMA_TO_DEVICE), DMA_MAPPING_ERROR, "vmalloc memory");
	cr_assert(strstr(kmm_dmesg(), "rejecting DMA map of vmalloc memory"));
	vfree(v);
	cr_assert(strstr(kmm_dmesg(), "DMA-API: kmm dev: device driver maps memory from invalid area"));
	/* a mapping of 0 bytes is Linux's answer too: a record, no bytes */
	unsigned long bugs0 = M->dma_bugs;
	dma_addr_t z = dma_map_page(dev, page, 16, 0, DMA_TO_DEVICE);
	cr_assert_neq(z, DMA_MAPPING_ERROR);
	dma_unmap_page(dev, z, 0, DMA_TO_DEVICE);
	cr_assert_eq(M->dma_bugs, bugs0);
	/* unmapping what was never mapped */
	dma_unmap_single(dev, 0x123000, 64, DMA_TO_DEVICE);
	cr_assert(strstr(kmm_dmesg(), "DMA-API: kmm dev: device driver tries to free DMA memory it has not allocated "
				      "[device address=0x0000000000123000] [size=64 bytes]"));
	dma_unmap_page(dev, DMA_MAPPING_ERROR, 64, DMA_TO_DEVICE);
	cr_assert(strstr(kmm_dmesg(), "device driver tries to free an invalid DMA memory address"));
	/* a mapping unmapped with the wrong size, direction or function: refused, then the right call works */
	dma_addr_t m = dma_map_page(dev, page, 0, 64, DMA_TO_DEVICE);
	dma_unmap_page(dev, m, 65, DMA_TO_DEVICE);
	cr_assert(strstr(kmm_dmesg(), "device driver frees DMA memory with different size"));
	dma_unmap_page(dev, m, 64, DMA_FROM_DEVICE);
	cr_assert(strstr(kmm_dmesg(), "device driver frees DMA memory with different direction"));
	dma_unmap_single(dev, m, 64, DMA_TO_DEVICE);
	cr_assert(strstr(kmm_dmesg(), "[mapped as page] [unmapped as single]"));
	dma_sync_single_for_cpu(dev, m + 32, 64, DMA_TO_DEVICE);
	cr_assert(strstr(kmm_dmesg(), "device driver syncs DMA memory outside allocated range"));
	cr_assert_eq(dev->nr_mappings, 2);
	dma_unmap_page(dev, m, 64, DMA_TO_DEVICE);
	cr_assert_eq(dev->nr_mappings, 1);
	/* coherent: wrong CPU address, then a double free */
	dma_free_coherent(dev, PAGE_SIZE, (char *)buf + 8, bus);
	cr_assert(strstr(kmm_dmesg(), "device driver frees DMA memory with different CPU address"));
	cr_assert_eq(dev->nr_mappings, 1);
	dma_free_coherent(dev, PAGE_SIZE, buf, bus);
	dma_free_coherent(dev, PAGE_SIZE, buf, bus);
	cr_assert_eq(dev->nr_mappings, 0);
	cr_assert_eq(M->dma_bugs, bugs + 15);
	/* sg: empty lists, pages that are not RAM */
	struct scatterlist sg[2];
	sg_init_table(sg, 2);
	sg_set_page(&sg[0], page, 64, 0);
	sg_set_page(&sg[1], page, 0xfffff000u, 0x2000);
	cr_assert_eq(dma_map_sg(dev, sg, 0, DMA_TO_DEVICE), 0);
	cr_assert_eq(dma_map_sg(dev, sg, 2, DMA_TO_DEVICE), 0);
	cr_assert_eq(dma_map_sg(dev, sg, 3, DMA_TO_DEVICE), 0, "more entries than the list has");
	cr_assert_eq(dev->nr_mappings, 0);
	__free_pages(page, 0);
	cr_assert_eq(kmm_device_destroy(dev), 0);
	assert_nothing_lost_since(&u, "hostile");
}
TEST_ON_EVERY_PROFILE(dma, hostile, hostile)

/* ---- failures ------------------------------------------------------------------------------------------ */

static void page_fail_nth(unsigned long n)
{
	static const char *const knobs[][2] = { { "ignore-gfp-wait", "N" }, { "ignore-gfp-highmem", "N" },
						 { "min-order", "0" },        { "verbose", "0" },
						 { "times", "1" },            { "space", "0" } };
	char path[96], val[32];
	for (size_t i = 0; i < ARRAY_SIZE(knobs); i++) {
		snprintf(path, sizeof(path), "sys/kernel/debug/fail_page_alloc/%s", knobs[i][0]);
		cr_assert_eq(kmm_proc_write(path, knobs[i][1]), 0, "%s", path);
	}
	M->fault.fail_page_alloc.attr.count = 0;
	snprintf(val, sizeof(val), "%lu", n);
	cr_assert_eq(kmm_proc_write("sys/kernel/debug/fail_page_alloc/interval", val), 0);
	cr_assert_eq(kmm_proc_write("sys/kernel/debug/fail_page_alloc/probability", "100"), 0);
}

/*
 * Every page allocation a coherent buffer, a pool block, a mapping and a
 * scatterlist make (their pages, the IOMMU's table pages) failed in turn,
 * one call at a time: each call fails whole or succeeds, and nothing is
 * lost either way - checked before anything else could reuse what a
 * failure left behind.
 */
enum dma_op { OP_COHERENT, OP_POOL, OP_MAP, OP_SG, NR_OPS };

static bool one_op(struct device *dev, enum dma_op op, struct page **pages, unsigned long n)
{
	dma_addr_t bus;
	bool ok = false;
	struct dma_pool *pool = op == OP_POOL ? dma_pool_create("p", dev, 64, 0, 0) : NULL;
	struct scatterlist sg[3];
	page_fail_nth(n);
	switch (op) {
	case OP_COHERENT: {
		void *buf = dma_alloc_coherent(dev, 8 * PAGE_SIZE, &bus, GFP_KERNEL);
		cr_assert_eq(kmm_proc_write("sys/kernel/debug/fail_page_alloc/probability", "0"), 0);
		if ((ok = buf))
			dma_free_coherent(dev, 8 * PAGE_SIZE, buf, bus);
		break;
	}
	case OP_POOL: {
		void *blk = dma_pool_alloc(pool, GFP_KERNEL, &bus);
		cr_assert_eq(kmm_proc_write("sys/kernel/debug/fail_page_alloc/probability", "0"), 0);
		if ((ok = blk))
			dma_pool_free(pool, blk, bus);
		break;
	}
	case OP_MAP:
		bus = dma_map_page(dev, pages[0], 0, PAGE_SIZE, DMA_TO_DEVICE);
		cr_assert_eq(kmm_proc_write("sys/kernel/debug/fail_page_alloc/probability", "0"), 0);
		if ((ok = bus != DMA_MAPPING_ERROR))
			dma_unmap_page(dev, bus, PAGE_SIZE, DMA_TO_DEVICE);
		break;
	default:
		sg_init_table(sg, 3);
		for (int i = 0; i < 3; i++)
			sg_set_page(&sg[i], pages[i], PAGE_SIZE, 0);
		ok = dma_map_sg(dev, sg, 3, DMA_FROM_DEVICE) > 0;
		cr_assert_eq(kmm_proc_write("sys/kernel/debug/fail_page_alloc/probability", "0"), 0);
		if (ok)
			dma_unmap_sg(dev, sg, 3, DMA_FROM_DEVICE);
		break;
	}
	dma_pool_destroy(pool);
	return ok;
}

static void fail_each(const char *profile, const char *cmdline)
{
	struct kmm_usage u = boot_dma(profile, 1ULL << 30, cmdline);
	struct device *dev = kmm_device_create("dev", 32);
	struct page *pages[3];
	for (int i = 0; i < 3; i++)
		pages[i] = alloc_pages(GFP_KERNEL, 0);
	struct kmm_usage with_dev;
	kmm_usage_settle(&with_dev);
	unsigned long failures = 0;
	for (int op = 0; op < NR_OPS; op++)
		for (unsigned long n = 1; n <= 14; n++) {
			failures += !one_op(dev, (enum dma_op)op, pages, n);
			char what[64];
			snprintf(what, sizeof(what), "op %d, allocation %lu failed", op, n);
			assert_nothing_lost_since(&with_dev, what);
		}
	cr_assert_gt(failures, 0, "some DMA call met a failure");
	cr_assert_eq(M->dma_bugs, 0, "a failed allocation is no misuse");
	for (int i = 0; i < 3; i++)
		__free_pages(pages[i], 0);
	kmm_device_destroy(dev);
	assert_nothing_lost_since(&u, "fail_each");
}
Test(dma, fail_each_i386) { fail_each("i386", NULL); }
Test(dma, fail_each_iommu_i386) { fail_each("i386", "intel_iommu=on"); }
Test(dma, fail_each_iommu_x86_64) { fail_each("x86_64", "intel_iommu=on"); }
Test(dma, fail_each_swiotlb_x86_64) { fail_each("x86_64", "swiotlb=force"); }

/* ---- two CPUs at once ------------------------------------------------------------------------------------ */

/*
 * Two CPUs bounce pages through the swiotlb at the same time, each from its
 * own area first, and a device each: every byte arrives both ways, and the
 * slots all come back.
 */
static void *bounce_loop(void *arg)
{
	long cpu = (long)arg, bad = 0;
	char name[8];
	kmm_cpu_enter((int)cpu);
	snprintf(name, sizeof(name), "dev%ld", cpu);
	struct device *dev = kmm_device_create(name, 32);
	u8 seen[PAGE_SIZE];
	for (int i = 0; i < 400 && dev; i++) {
		struct page *page = alloc_pages(GFP_HIGHUSER, 0); /* x86_64, 6 GiB: ZONE_NORMAL, above 4 GiB */
		u8 *cpu_addr = page_address(page);
		size_t len = 1 + (size_t)(i * 37 % PAGE_SIZE);
		fill(cpu_addr, len, (unsigned)(i + cpu));
		dma_addr_t bus = dma_map_page(dev, page, 0, len, DMA_BIDIRECTIONAL);
		if (bus == DMA_MAPPING_ERROR || !is_swiotlb_buffer(bus) || kmm_device_read(dev, bus, seen, len) ||
		    !filled(seen, len, (unsigned)(i + cpu))) {
			bad++;
		} else {
			fill(seen, len, (unsigned)(i * 3));
			kmm_device_write(dev, bus, seen, len);
			dma_unmap_page(dev, bus, len, DMA_BIDIRECTIONAL);
			bad += !filled(cpu_addr, len, (unsigned)(i * 3));
		}
		__free_pages(page, 0);
	}
	bad += !dev || kmm_device_destroy(dev) != 0;
	kmm_cpu_exit();
	return (void *)bad;
}

Test(dma, bounce_two_cpus)
{
	boot_machine("x86_64", 6ULL << 30, 2, NULL);
	struct kmm_usage u;
	kmm_usage_settle(&u);
	pthread_t t[2];
	void *bad[2];
	kmm_cpu_exit();
	for (long c = 0; c < 2; c++)
		pthread_create(&t[c], NULL, bounce_loop, (void *)c);
	for (int c = 0; c < 2; c++)
		pthread_join(t[c], &bad[c]);
	kmm_cpu_enter(0);
	cr_assert_eq((long)bad[0] + (long)bad[1], 0, "%ld and %ld bad round trips", (long)bad[0], (long)bad[1]);
	cr_assert_eq(swiotlb_used(), 0);
	cr_assert_geq(swiotlb_bounced(), 800);
	assert_nothing_lost_since(&u, "bounce_two_cpus");
}
