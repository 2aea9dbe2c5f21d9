/*
 * swiotlb.c - the software IO TLB, as Linux 6.1's kernel/dma/swiotlb.c:
 * bounce buffers for streaming DMA to memory a device cannot reach.
 *
 * Vocabulary.  The IO TLB is one physically contiguous buffer below 4 GiB
 * (and, on a 32-bit machine, below the end of lowmem), taken from memblock
 * at boot when RAM reaches above 4 GiB, or with swiotlb=force.  It is cut
 * in slots (slabs) of IO_TLB_SIZE = 2 KiB; IO_TLB_SEGSIZE = 128 slots make
 * a segment, and a mapping never crosses a segment, so no mapping is larger
 * than 256 KiB.  The slots are split in areas, one per CPU rounded up to a
 * power of two, each with its own lock and search cursor; a CPU searches
 * its own area first, then the others.
 *
 *   buffer  |<-------- segment (128 slots) -------->|<---- segment ---- ...
 *   slots   | 3 2 1 0 0 0 0 4 3 2 1 ...           | 128 127 ...
 *              free    used    free run of 4
 *
 * The slot array (struct io_tlb_slot: orig_addr, alloc_size, list) is in
 * simulated RAM, where memblock put it at boot, in the profile's layout
 * (phys_addr_t, size_t, unsigned int).  A slot's list is the number of free
 * slots from it to the end of its free run inside the segment; 0 means
 * used.  So "is there a run of n free slots starting here" is one load:
 * list >= n.  Allocation marks the run used and renumbers the free slots
 * before it; release renumbers the run and the free slots before it,
 * merging with the free run after it.  orig_addr records where each slot's
 * bytes belong (INVALID_PHYS_ADDR: free), alloc_size how many bytes of the
 * mapping remain from that slot on.
 *
 * Invariants (swiotlb_verify): in every segment the list counts are the
 * free-run lengths just described; Σ areas' used == slots with list 0;
 * a free slot has orig_addr INVALID_PHYS_ADDR.
 *
 * Bouncing: swiotlb_tbl_map_single copies the whole mapping into the
 * buffer (also for DMA_FROM_DEVICE: as 6.1 does, so stale buffer bytes
 * never reach the device's reader); unmap and dma_sync_*_for_cpu copy it
 * back for DMA_FROM_DEVICE and DMA_BIDIRECTIONAL.  A HighMem page is copied
 * page by page, as memcpy_from_page does.
 *
 * Not done: restricted DMA pools, late initialisation (swiotlb_init_late),
 * memory encryption, the per-device min_align_mask of NVMe (0 here).
 */
#include "kernel/dma_internal.h"
#include "sim/ram.h"

#include <ctype.h>

#include <kmm/kstrtox.h>
#include <kmm/mm.h>

#define IO_TLB_MIN_SLABS ((1UL << 20) >> IO_TLB_SHIFT)
#define INVALID_PHYS_ADDR (~(phys_addr_t)0)

/* struct io_tlb_area: the lock and the search cursor of a share of the slots */
struct io_tlb_area {
	unsigned long used;        /* slots in use in this area */
	unsigned int index;        /* where the next search starts */
	pthread_mutex_t lock;      /* guards used, index and this area's slots */
};

/* struct io_tlb_mem: the default (and only) IO TLB */
struct io_tlb_mem {
	phys_addr_t start, end;    /* the bounce buffer [start, end) */
	unsigned long nslabs;      /* slots */
	unsigned int nareas;       /* a power of two */
	unsigned long area_nslabs; /* nslabs / nareas */
	phys_addr_t slots_pa;      /* the struct io_tlb_slot array, in simulated RAM */
	unsigned slot_size;        /* sizeof(struct io_tlb_slot) on the profile */
	unsigned off_size, off_list; /* where alloc_size and list are in it */
	unsigned phys_size, word_size; /* sizeof(phys_addr_t), sizeof(size_t) */
	bool force_bounce;         /* swiotlb=force: every streaming mapping bounces */
	struct io_tlb_area *areas; /* nareas of them (host memory: the locks are the host's) */
	unsigned long bounced;     /* mappings made (atomic) */
};

/* ---- the command line ------------------------------------------------------------------- */

/*
 * swiotlb=<slabs>[,<areas>][,force|noforce] (setup_io_tlb_npages): the
 * number of 2 KiB slots, rounded up to a whole segment; the number of
 * areas; force bounces every mapping, noforce never makes a buffer.
 */
int setup_io_tlb_npages(const char *val, char *err, size_t errlen)
{
	const char *s = val ? val : "";
	u64 v;
	bool over = false;
	size_t n;
	if (isdigit((unsigned char)*s)) {
		n = kmm_parse_integer(s, strlen(s), 10, &v, &over);
		if (over || v > (1ULL << 40)) { /* 2 PiB of slots: no machine has it, and the shifts stay exact */
			snprintf(err, errlen, "swiotlb=%s: the number of slabs is too large", val);
			return -EINVAL;
		}
		M->swiotlb_param_nslabs = ALIGN((unsigned long)v, IO_TLB_SEGSIZE);
		s += n;
	}
	if (*s == ',')
		s++;
	if (isdigit((unsigned char)*s)) {
		n = kmm_parse_integer(s, strlen(s), 10, &v, &over);
		if (over || v > 1024) {
			snprintf(err, errlen, "swiotlb=%s: the number of areas is too large", val);
			return -EINVAL;
		}
		unsigned a = v ? 1 : 0;
		while (a && a < v)
			a <<= 1;
		M->swiotlb_param_nareas = a ? a : 1;
		pr_info("software IO TLB: area num %u.\n", M->swiotlb_param_nareas);
		s += n;
	}
	if (*s == ',')
		s++;
	if (!strcmp(s, "force"))
		M->swiotlb_force_bounce = true;
	else if (!strcmp(s, "noforce"))
		M->swiotlb_force_disable = true;
	return 0;
}

/* ---- boot --------------------------------------------------------------------------------- */

static struct io_tlb_mem *mem(void)
{
	return M->io_tlb;
}

static bool is_power_of_2(unsigned long n)
{
	return n && !(n & (n - 1));
}

static unsigned long roundup_pow_of_two(unsigned long n)
{
	unsigned long p = 1;
	while (p < n)
		p <<= 1;
	return p;
}

/*
 * pci_iommu_alloc() -> swiotlb_init(): the buffer when RAM reaches above
 * 4 GiB (pci_swiotlb_detect: max_possible_pfn > MAX_DMA32_PFN; only
 * x86_64 and i386-pae can address it) or swiotlb=force asks, unless
 * swiotlb=noforce.  The buffer, IO_TLB_DEFAULT_SIZE (64 MiB) or
 * swiotlb=N, comes from memblock_alloc_low(): top-down below 4 GiB and the
 * end of lowmem; halved until it fits, down to 1 MiB.  The slot array (one
 * struct io_tlb_slot per slab) and one struct io_tlb_area per area follow
 * from memblock anywhere.  The buffer stays reserved for ever;
 * pci_iommu_init() reports it.
 */
void swiotlb_init(void)
{
	const struct kmm_profile *p = M->prof;
	/* arm64's mem_init(): bounce buffers when RAM reaches past ZONE_DMA, taken below its end */
	u64 below = p->arch == KMM_ARCH_ARM64 ? M->arm64_dma_phys_limit : SZ_4G;
	bool addressing_limit = M->max_pfn > (below >> PAGE_SHIFT);
	if (!addressing_limit && !M->swiotlb_force_bounce)
		return;
	if (M->swiotlb_force_disable)
		return;
	unsigned long default_nslabs = M->swiotlb_param_nslabs ? M->swiotlb_param_nslabs : IO_TLB_DEFAULT_SIZE >> IO_TLB_SHIFT;
	unsigned nareas = M->swiotlb_param_nareas;
	if (!nareas) { /* swiotlb_adjust_nareas(num_possible_cpus()) */
		nareas = (unsigned)roundup_pow_of_two((unsigned long)M->nr_cpus);
		pr_info("software IO TLB: area num %u.\n", nareas);
	}
	/* round_up_default_nslabs(): every area at least a segment; a power of two */
	if (default_nslabs < (unsigned long)IO_TLB_SEGSIZE * nareas)
		default_nslabs = (unsigned long)IO_TLB_SEGSIZE * nareas;
	else if (!is_power_of_2(default_nslabs)) {
		default_nslabs = roundup_pow_of_two(default_nslabs);
		pr_info("software IO TLB: SWIOTLB bounce buffer size roundup to %luMB", (default_nslabs << IO_TLB_SHIFT) >> 20);
	}
	unsigned long nslabs = default_nslabs;
	/* limit_nareas(): an area holds at least one segment */
	if (nslabs < (unsigned long)nareas * IO_TLB_SEGSIZE)
		nareas = (unsigned)(nslabs / IO_TLB_SEGSIZE);
	phys_addr_t pa;
	while (!(pa = memblock_phys_alloc_range(nslabs << IO_TLB_SHIFT, PAGE_SIZE, 0, below))) {
		if (nslabs <= IO_TLB_MIN_SLABS) {
			pr_warn("software IO TLB: swiotlb_memblock_alloc: Failed to allocate %lu bytes tlb structure\n",
				nslabs << IO_TLB_SHIFT);
			return;
		}
		nslabs = ALIGN(nslabs >> 1, IO_TLB_SEGSIZE);
		if (nslabs < (unsigned long)nareas * IO_TLB_SEGSIZE)
			nareas = (unsigned)(nslabs / IO_TLB_SEGSIZE);
	}
	if (nslabs != default_nslabs)
		pr_info("software IO TLB: SWIOTLB bounce buffer size adjusted %lu -> %lu slabs", default_nslabs, nslabs);
	/* struct io_tlb_slot { phys_addr_t orig_addr; size_t alloc_size; unsigned int list; } */
	unsigned phys = p->bits == 64 || p->pae ? 8 : 4, word = p->bits / 8;
	unsigned slot = ALIGN(phys + word + 4, p->bits == 64 ? 8 : 4);
	phys_addr_t slots = memblock_phys_alloc_range(ALIGN(nslabs * slot, PAGE_SIZE), PAGE_SIZE, 0,
						      MEMBLOCK_ALLOC_ANYWHERE);
	/* struct io_tlb_area { unsigned long used; unsigned int index; spinlock_t lock; } */
	memblock_phys_alloc_range(nareas * (word + 4 + 4), SMP_CACHE_BYTES, 0, MEMBLOCK_ALLOC_ANYWHERE);
	struct io_tlb_mem *m = calloc(1, sizeof(*m));
	struct io_tlb_area *areas = calloc(nareas, sizeof(*areas));
	if (!slots || !m || !areas) {
		pr_warn("software IO TLB: swiotlb_init_remap: Failed to allocate %lu bytes align=0x%lx\n",
			(unsigned long)ALIGN(nslabs * slot, PAGE_SIZE), PAGE_SIZE);
		free(m);
		free(areas);
		return;
	}
	*m = (struct io_tlb_mem){ .start = pa, .end = pa + (nslabs << IO_TLB_SHIFT), .nslabs = nslabs, .nareas = nareas,
				  .area_nslabs = nslabs / nareas, .slots_pa = slots, .slot_size = slot,
				  .off_size = phys, .off_list = phys + word, .phys_size = phys, .word_size = word,
				  .force_bounce = M->swiotlb_force_bounce, .areas = areas };
	M->io_tlb = m;
	M->swiotlb_start = pa;
	M->swiotlb_size = (u64)nslabs << IO_TLB_SHIFT;
}

/* ---- the slot array, in simulated RAM ----------------------------------------------------------- */

static u64 slot_load(const struct io_tlb_mem *m, unsigned long i, unsigned off, unsigned width)
{
	const u8 *p = ram_host(m->slots_pa + (phys_addr_t)i * m->slot_size + off);
	if (width == 8) {
		u64 v;
		memcpy(&v, p, 8);
		return v;
	}
	u32 v;
	memcpy(&v, p, 4);
	return v;
}

static void slot_store(struct io_tlb_mem *m, unsigned long i, unsigned off, unsigned width, u64 val)
{
	u8 *p = ram_host(m->slots_pa + (phys_addr_t)i * m->slot_size + off);
	if (width == 8) {
		memcpy(p, &val, 8);
	} else {
		u32 v = (u32)val;
		memcpy(p, &v, 4);
	}
}

static phys_addr_t slot_orig(const struct io_tlb_mem *m, unsigned long i)
{
	u64 v = slot_load(m, i, 0, m->phys_size);
	return m->phys_size == 4 && v == 0xffffffffULL ? INVALID_PHYS_ADDR : v;
}
static void set_slot_orig(struct io_tlb_mem *m, unsigned long i, phys_addr_t v) { slot_store(m, i, 0, m->phys_size, v); }
static unsigned long slot_size_left(const struct io_tlb_mem *m, unsigned long i) { return (unsigned long)slot_load(m, i, m->off_size, m->word_size); }
static void set_slot_size_left(struct io_tlb_mem *m, unsigned long i, unsigned long v) { slot_store(m, i, m->off_size, m->word_size, v); }
static unsigned slot_list(const struct io_tlb_mem *m, unsigned long i) { return (unsigned)slot_load(m, i, m->off_list, 4); }
static void set_slot_list(struct io_tlb_mem *m, unsigned long i, unsigned v) { slot_store(m, i, m->off_list, 4, v); }

/* "swiotlb buffer is full" and its kin: dev_warn_ratelimited's default state, set again at each boot */
static struct ratelimit_state full_rs;

static unsigned long io_tlb_offset(unsigned long val)
{
	return val & (IO_TLB_SEGSIZE - 1);
}

static unsigned long nr_slots(u64 val)
{
	return (unsigned long)DIV_ROUND_UP(val, IO_TLB_SIZE);
}

/*
 * swiotlb_init_io_tlb_mem(), once the allocator runs: every slot free, the
 * buffer zeroed.  (Linux does it in swiotlb_init; kmm's boot figures are
 * the same either way, and the locks want the host's threads.)
 */
void swiotlb_late_init(void)
{
	struct io_tlb_mem *m = mem();
	full_rs = RATELIMIT_STATE_INIT;
	if (!m)
		return;
	for (unsigned a = 0; a < m->nareas; a++)
		pthread_mutex_init(&m->areas[a].lock, NULL);
	for (unsigned long i = 0; i < m->nslabs; i++) {
		set_slot_list(m, i, (unsigned)(IO_TLB_SEGSIZE - io_tlb_offset(i)));
		set_slot_orig(m, i, INVALID_PHYS_ADDR);
		set_slot_size_left(m, i, 0);
	}
	/* the buffer is zero already: memblock never touched it, and simulated RAM starts zeroed */
}

void swiotlb_exit(void)
{
	struct io_tlb_mem *m = mem();
	if (!m)
		return;
	for (unsigned a = 0; a < m->nareas; a++)
		pthread_mutex_destroy(&m->areas[a].lock);
	free(m->areas);
	free(m);
	M->io_tlb = NULL;
}

bool is_swiotlb_active(void)
{
	return mem() && mem()->nslabs;
}

bool is_swiotlb_force_bounce(void)
{
	return mem() && mem()->force_bounce;
}

bool is_swiotlb_buffer(phys_addr_t paddr)
{
	struct io_tlb_mem *m = mem();
	return m && paddr >= m->start && paddr < m->end;
}

/* ---- bouncing ------------------------------------------------------------------------------ */

/*
 * Copy size bytes between the bounce buffer at tlb_addr and where they
 * belong (DMA_TO_DEVICE: into the buffer; otherwise out of it).
 */
static void swiotlb_bounce(struct device *dev, phys_addr_t tlb_addr, size_t size, enum dma_data_direction dir)
{
	struct io_tlb_mem *m = mem();
	unsigned long index = (unsigned long)((tlb_addr - m->start) >> IO_TLB_SHIFT);
	phys_addr_t orig_addr = slot_orig(m, index);
	size_t alloc_size = slot_size_left(m, index);
	if (orig_addr == INVALID_PHYS_ADDR)
		return;
	static const char site1, site2;
	size_t tlb_offset = tlb_addr & (IO_TLB_SIZE - 1);
	if (tlb_offset > alloc_size) {
		dev_warn_once_report(&site1, dev, "kernel/dma/swiotlb.c:580", "swiotlb_bounce",
				     "Buffer overflow detected. Allocation size: %zu. Mapping size: %zu+%zu.\n", alloc_size,
				     size, tlb_offset);
		return;
	}
	orig_addr += tlb_offset;
	alloc_size -= tlb_offset;
	if (size > alloc_size) {
		dev_warn_once_report(&site2, dev, "kernel/dma/swiotlb.c:590", "swiotlb_bounce",
				     "Buffer overflow detected. Allocation size: %zu. Mapping size: %zu.\n", alloc_size, size);
		size = alloc_size;
	}
	/* a HighMem page page by page (memcpy_from_page / memcpy_to_page); kmm reaches every RAM byte the same way */
	u8 *vaddr = ram_host(tlb_addr);
	while (size) {
		size_t sz = min(size, (size_t)(PAGE_SIZE - (orig_addr & ~PAGE_MASK)));
		if (dir == DMA_TO_DEVICE)
			memcpy(vaddr, ram_host(orig_addr), sz);
		else
			memcpy(ram_host(orig_addr), vaddr, sz);
		size -= sz;
		orig_addr += sz;
		vaddr += sz;
	}
}

static phys_addr_t slot_addr(phys_addr_t start, unsigned long idx)
{
	return start + ((phys_addr_t)idx << IO_TLB_SHIFT);
}

static unsigned long wrap_area_index(const struct io_tlb_mem *m, unsigned long index)
{
	return index >= m->area_nslabs ? 0 : index;
}

/* iommu_is_span_boundary: would nr slots from index cross a multiple of boundary_size? */
static bool iommu_is_span_boundary(unsigned long index, unsigned long nr, unsigned long shift,
				   unsigned long boundary_size)
{
	shift = (shift + index) & (boundary_size - 1);
	return shift + nr > boundary_size;
}

/* swiotlb_do_find_slots: a run of slots for alloc_size bytes in one area; its first slot, or -1 */
static long swiotlb_do_find_slots(struct device *dev, unsigned area_index, phys_addr_t orig_addr, size_t alloc_size)
{
	struct io_tlb_mem *m = mem();
	struct io_tlb_area *area = &m->areas[area_index];
	u64 boundary_mask = dev->seg_boundary_mask;
	u64 tbl_dma_addr = m->start & boundary_mask;
	unsigned long max_slots = boundary_mask == ~0UL ? 1UL << (64 - IO_TLB_SHIFT) : nr_slots(boundary_mask + 1);
	unsigned long nslots = nr_slots(alloc_size), stride = 1, count = 0;
	if (alloc_size >= PAGE_SIZE)
		stride = 1UL << (PAGE_SHIFT - IO_TLB_SHIFT); /* page-sized ones page-aligned */
	pthread_mutex_lock(&area->lock);
	long found = -1;
	if (nslots <= m->area_nslabs - area->used) {
		unsigned long slot_base = area_index * m->area_nslabs;
		unsigned long index = wrap_area_index(m, ALIGN((unsigned long)area->index, stride)), wrap = index;
		do {
			unsigned long slot_index = slot_base + index;
			if (!iommu_is_span_boundary(slot_index, nslots, nr_slots(tbl_dma_addr), max_slots) &&
			    slot_list(m, slot_index) >= nslots) {
				found = (long)slot_index;
				break;
			}
			index = wrap_area_index(m, index + stride);
		} while (index != wrap);
		if (found >= 0) {
			unsigned long s = (unsigned long)found;
			for (unsigned long i = s; i < s + nslots; i++) {
				set_slot_list(m, i, 0);
				set_slot_size_left(m, i, alloc_size - ((i - s) << IO_TLB_SHIFT));
			}
			/* the free slots before it now end where it begins */
			for (unsigned long i = s; i-- > 0 && io_tlb_offset(i) != IO_TLB_SEGSIZE - 1 && slot_list(m, i);)
				set_slot_list(m, i, (unsigned)++count);
			index = s - slot_base;
			area->index = index + nslots < m->area_nslabs ? (unsigned)(index + nslots) : 0;
			__atomic_store_n(&area->used, area->used + nslots, __ATOMIC_RELAXED); /* swiotlb_used reads it unlocked */
		}
	}
	pthread_mutex_unlock(&area->lock);
	(void)orig_addr;
	return found;
}

static long swiotlb_find_slots(struct device *dev, phys_addr_t orig_addr, size_t alloc_size)
{
	struct io_tlb_mem *m = mem();
	unsigned start = (unsigned)max(smp_processor_id(), 0) & (m->nareas - 1), i = start;
	do {
		long index = swiotlb_do_find_slots(dev, i, orig_addr, alloc_size);
		if (index >= 0)
			return index;
		if (++i >= m->nareas)
			i = 0;
	} while (i != start);
	return -1;
}

unsigned long swiotlb_used(void)
{
	struct io_tlb_mem *m = mem();
	unsigned long used = 0;
	for (unsigned a = 0; m && a < m->nareas; a++)
		used += __atomic_load_n(&m->areas[a].used, __ATOMIC_RELAXED);
	return used;
}

unsigned long swiotlb_nslabs(void)
{
	return mem() ? mem()->nslabs : 0;
}

unsigned long swiotlb_bounced(void)
{
	return mem() ? __atomic_load_n(&mem()->bounced, __ATOMIC_RELAXED) : 0;
}

/* swiotlb_tbl_map_single: slots for the mapping, the bytes copied in; the buffer's address or DMA_MAPPING_ERROR */
static phys_addr_t swiotlb_tbl_map_single(struct device *dev, phys_addr_t orig_addr, size_t mapping_size,
					  size_t alloc_size, enum dma_data_direction dir, unsigned long attrs)
{
	struct io_tlb_mem *m = mem();
	if (!m || !m->nslabs) {
		if (___ratelimit(&full_rs, "swiotlb_tbl_map_single"))
			dev_printk(KERN_WARNING, dev,
				   "Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer");
		return (phys_addr_t)DMA_MAPPING_ERROR;
	}
	if (!nr_slots(alloc_size)) {
		dma_bug_report("kernel/dma/swiotlb.c:684", "swiotlb_do_find_slots"); /* BUG_ON(!nslots) */
		return (phys_addr_t)DMA_MAPPING_ERROR;
	}
	long index = swiotlb_find_slots(dev, orig_addr, alloc_size);
	if (index == -1) {
		if (!(attrs & DMA_ATTR_NO_WARN) && ___ratelimit(&full_rs, "swiotlb_tbl_map_single"))
			dev_printk(KERN_WARNING, dev,
				   "swiotlb buffer is full (sz: %zd bytes), total %lu (slots), used %lu (slots)\n",
				   alloc_size, m->nslabs, swiotlb_used());
		return (phys_addr_t)DMA_MAPPING_ERROR;
	}
	for (unsigned long i = 0; i < nr_slots(alloc_size); i++)
		set_slot_orig(m, (unsigned long)index + i, orig_addr + ((phys_addr_t)i << IO_TLB_SHIFT));
	phys_addr_t tlb_addr = slot_addr(m->start, (unsigned long)index);
	/* copied whatever the direction: the device must not read what the buffer held before */
	swiotlb_bounce(dev, tlb_addr, mapping_size, DMA_TO_DEVICE);
	(void)dir;
	__atomic_add_fetch(&m->bounced, 1, __ATOMIC_RELAXED);
	return tlb_addr;
}

/* swiotlb_release_slots: the run back, merged with the free slots on both sides inside its segment */
static void swiotlb_release_slots(struct device *dev, phys_addr_t tlb_addr)
{
	struct io_tlb_mem *m = mem();
	unsigned long index = (unsigned long)((tlb_addr - m->start) >> IO_TLB_SHIFT);
	unsigned long nslots = nr_slots(slot_size_left(m, index));
	unsigned long aindex = index / m->area_nslabs;
	struct io_tlb_area *area = &m->areas[aindex];
	unsigned long count;
	pthread_mutex_lock(&area->lock);
	if (index + nslots < ALIGN(index + 1, IO_TLB_SEGSIZE))
		count = slot_list(m, index + nslots);
	else
		count = 0;
	for (unsigned long i = index + nslots; i-- > index;) {
		set_slot_list(m, i, (unsigned)++count);
		set_slot_orig(m, i, INVALID_PHYS_ADDR);
		set_slot_size_left(m, i, 0);
	}
	for (unsigned long i = index; i-- > 0 && io_tlb_offset(i) != IO_TLB_SEGSIZE - 1 && slot_list(m, i);)
		set_slot_list(m, i, (unsigned)++count);
	__atomic_store_n(&area->used, area->used - nslots, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&area->lock);
	(void)dev;
}

void swiotlb_tbl_unmap_single(struct device *dev, phys_addr_t tlb_addr, size_t size, enum dma_data_direction dir,
			      unsigned long attrs)
{
	if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && (dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL))
		swiotlb_bounce(dev, tlb_addr, size, DMA_FROM_DEVICE);
	swiotlb_release_slots(dev, tlb_addr);
}

void swiotlb_sync_single_for_device(struct device *dev, phys_addr_t tlb_addr, size_t size, enum dma_data_direction dir)
{
	if (dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL)
		swiotlb_bounce(dev, tlb_addr, size, DMA_TO_DEVICE);
}

void swiotlb_sync_single_for_cpu(struct device *dev, phys_addr_t tlb_addr, size_t size, enum dma_data_direction dir)
{
	if (dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL)
		swiotlb_bounce(dev, tlb_addr, size, DMA_FROM_DEVICE);
}

/*
 * swiotlb_map: a bounce buffer for size bytes at paddr.  The buffer itself
 * must be in the device's reach; a 24-bit device is not helped by a buffer
 * above 16 MiB ("swiotlb addr ... overflow").
 */
dma_addr_t swiotlb_map(struct device *dev, phys_addr_t paddr, size_t size, enum dma_data_direction dir,
		       unsigned long attrs)
{
	phys_addr_t tlb = swiotlb_tbl_map_single(dev, paddr, size, size, dir, attrs);
	if (tlb == (phys_addr_t)DMA_MAPPING_ERROR)
		return DMA_MAPPING_ERROR;
	dma_addr_t dma_addr = tlb;
	if (!dma_capable(dev, dma_addr, size)) {
		static const char site;
		swiotlb_tbl_unmap_single(dev, tlb, size, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
		dev_warn_once_report(&site, dev, "kernel/dma/swiotlb.c:952", "swiotlb_map",
				     "swiotlb addr %#018llx+%zu overflow (mask %llx, bus limit %llx).\n", dma_addr, size,
				     *dev->dma_mask, dev->bus_dma_limit);
		return DMA_MAPPING_ERROR;
	}
	return dma_addr;
}

size_t swiotlb_max_mapping_size(struct device *dev)
{
	(void)dev;
	return IO_TLB_SIZE * IO_TLB_SEGSIZE;
}

/* ---- checks ------------------------------------------------------------------------------- */

int swiotlb_verify(char *why, size_t whylen)
{
	struct io_tlb_mem *m = mem();
	if (!m)
		return 0;
	unsigned long used = 0;
	for (unsigned long seg = 0; seg < m->nslabs; seg += IO_TLB_SEGSIZE) {
		unsigned long run = 0;
		for (unsigned long i = min(seg + IO_TLB_SEGSIZE, m->nslabs); i-- > seg;) {
			unsigned list = slot_list(m, i);
			run = list ? run + 1 : 0;
			if (list != run) {
				snprintf(why, whylen, "swiotlb slot %lu: list %u, but %lu free slots follow it in its segment", i,
					 list, run);
				return -EINVAL;
			}
			if (!list)
				used++;
			else if (slot_orig(m, i) != INVALID_PHYS_ADDR) {
				snprintf(why, whylen, "swiotlb slot %lu is free but records orig_addr %#llx", i,
					 (unsigned long long)slot_orig(m, i));
				return -EINVAL;
			}
		}
	}
	if (used != swiotlb_used()) {
		snprintf(why, whylen, "swiotlb: %lu slots are in use, the areas count %lu", used, swiotlb_used());
		return -EINVAL;
	}
	return 0;
}
