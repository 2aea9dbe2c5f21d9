/*
 * memblock.c - the boot-time memory allocator, as Linux's mm/memblock.c.
 *
 * Vocabulary: memblock keeps two region arrays.  `memory` lists the RAM the
 * firmware reported (e820 usable ranges, page-trimmed), each tagged with its
 * node; `reserved` lists what is taken: the kernel image and its used brk,
 * the first MiB, the initrd, and every boot-time allocation (mem_map, page
 * tables, per-CPU areas, hash tables, the swiotlb, small firmware records:
 * arch/setup.c).  Free memory is memory minus reserved.  A page only partly
 * covered by reserved ranges is not freed: small allocations that share a
 * page cost it once.
 *
 *   memory:   [=====node 0=====]   [==========node 0===========]
 *   reserved:  [xx]      [x]          [kernel]      [mem_map][pt]
 *   free:     ^  ^^^^^^^^ ^^^^^   ^^^^        ^^^^^^         ^^^^
 *
 * A memory region may carry MEMBLOCK_NOMAP (a device tree's no-map
 * region on arm64): it stays present, is reserved too, and is never freed.
 *
 * Invariants (checked by memblock_verify in debug builds): each array is
 * sorted by base, its regions neither overlap nor touch unless their nids
 * or flags differ, and total_size == Σ size.
 *
 * Allocation is top-down below memblock.current_limit (lowmem on i386), as
 * x86 does once the direct map exists.  memblock_free_all() ends memblock's
 * life: every free range of lowmem goes to the buddy allocator in the largest
 * naturally aligned blocks (order <= MAX_ORDER-1); high memory is handed over
 * page by page by mem_init(), as i386's add_highpages_with_active_regions().
 * Single-threaded: memblock runs only while the machine boots.
 *
 * memblock=debug logs every add, reserve, allocation and free as Linux's
 * memblock_dbg() words it, the range as %pa prints a phys_addr_t of the
 * profile (8 hex digits on i386 without PAE, 16 otherwise) and the caller
 * as %pS names it; kmm's callers are the functions that model Linux's.
 */
#include "internal.h"

static void memblock_dbg_range(const char *fn, phys_addr_t base, phys_addr_t size, const void *caller)
{
	if (!M->memblock.debug)
		return;
	int w = M->prof->bits == 64 || M->prof->pae ? 16 : 8;
	char sym[128];
	sprint_symbol(sym, sizeof(sym), (unsigned long)caller);
	unsigned long long mask = w == 8 ? 0xffffffffULL : ~0ULL; /* phys_addr_t is 32 bits on i386 */
	pr_info("%s: [0x%0*llx-0x%0*llx] %s\n", fn, w, (unsigned long long)base & mask, w,
		(unsigned long long)(base + size - 1) & mask, sym);
}

static void memblock_dbg_alloc(const char *fn, phys_addr_t size, phys_addr_t align, phys_addr_t start,
			       phys_addr_t end, const void *caller)
{
	if (!M->memblock.debug)
		return;
	int w = M->prof->bits == 64 || M->prof->pae ? 16 : 8;
	char sym[128];
	sprint_symbol(sym, sizeof(sym), (unsigned long)caller);
	pr_info("%s: %llu bytes align=0x%llx from=0x%0*llx max_addr=0x%0*llx %s\n", fn, (unsigned long long)size,
		(unsigned long long)align, w, (unsigned long long)start, w,
		(unsigned long long)(end == MEMBLOCK_ALLOC_ANYWHERE ? 0 : end) & (w == 8 ? 0xffffffffULL : ~0ULL), sym);
}

static int memblock_grow(struct memblock_type *type)
{
	unsigned long nmax = type->max ? type->max * 2 : 128;
	struct memblock_region *r = realloc(type->regions, nmax * sizeof(*r));
	if (!r)
		return -ENOMEM;
	type->regions = r;
	type->max = nmax;
	return 0;
}

static void memblock_insert_region(struct memblock_type *type, unsigned long idx,
				   phys_addr_t base, phys_addr_t size, int nid, unsigned long flags)
{
	memmove(&type->regions[idx + 1], &type->regions[idx],
		(type->cnt - idx) * sizeof(type->regions[0]));
	type->regions[idx] = (struct memblock_region){ base, size, nid, flags };
	type->cnt++;
	type->total_size += size;
}

static void memblock_remove_region(struct memblock_type *type, unsigned long idx)
{
	type->total_size -= type->regions[idx].size;
	memmove(&type->regions[idx], &type->regions[idx + 1],
		(type->cnt - idx - 1) * sizeof(type->regions[0]));
	type->cnt--;
}

/* Merge neighbours that touch and share a node and flags. */
static void memblock_merge_regions(struct memblock_type *type)
{
	unsigned long i = 0;
	while (i + 1 < type->cnt) {
		struct memblock_region *a = &type->regions[i], *b = &type->regions[i + 1];
		if (a->base + a->size != b->base || a->nid != b->nid || a->flags != b->flags) {
			i++;
			continue;
		}
		phys_addr_t bsize = b->size;
		a->size += bsize;
		type->total_size += bsize; /* memblock_remove_region() takes it off again */
		memblock_remove_region(type, i + 1);
	}
}

/*
 * Split regions so that [base, base+size) starts and ends on region
 * boundaries; return the index range [*start_rgn, *end_rgn) inside it.
 */
static int memblock_isolate_range(struct memblock_type *type, phys_addr_t base, phys_addr_t size,
				  unsigned long *start_rgn, unsigned long *end_rgn)
{
	phys_addr_t end = base + size;
	*start_rgn = *end_rgn = 0;
	for (unsigned long idx = 0; idx < type->cnt; idx++) {
		struct memblock_region *r = &type->regions[idx];
		phys_addr_t rbase = r->base, rend = rbase + r->size;
		if (rbase >= end)
			break;
		if (rend <= base)
			continue;
		if (type->cnt + 2 > type->max && memblock_grow(type))
			return -ENOMEM;
		r = &type->regions[idx];
		if (rbase < base) {
			/* split off the part below base */
			r->base = base;
			r->size -= base - rbase;
			type->total_size -= base - rbase;
			memblock_insert_region(type, idx, rbase, base - rbase, r->nid, r->flags);
		} else if (rend > end) {
			r->base = end;
			r->size -= end - rbase;
			type->total_size -= end - rbase;
			memblock_insert_region(type, idx--, rbase, end - rbase, r->nid, r->flags);
		} else {
			if (!*end_rgn)
				*start_rgn = idx;
			*end_rgn = idx + 1;
		}
	}
	return 0;
}

static int memblock_add_range(struct memblock_type *type, phys_addr_t base, phys_addr_t size, int nid)
{
	if (!size)
		return 0;
	if (base + size < base)
		size = ~(phys_addr_t)0 - base;
	phys_addr_t end = base + size;
	/* insert the pieces of [base, end) not yet covered */
	phys_addr_t cur = base;
	unsigned long idx = 0;
	while (cur < end) {
		while (idx < type->cnt && type->regions[idx].base + type->regions[idx].size <= cur)
			idx++;
		phys_addr_t next_base = idx < type->cnt ? type->regions[idx].base : end;
		if (next_base > cur) {
			phys_addr_t piece_end = min(next_base, end);
			if (type->cnt + 1 > type->max && memblock_grow(type))
				return -ENOMEM;
			memblock_insert_region(type, idx, cur, piece_end - cur, nid, 0);
			cur = piece_end;
			idx++;
		} else {
			cur = type->regions[idx].base + type->regions[idx].size;
			idx++;
		}
	}
	memblock_merge_regions(type);
	return 0;
}

static int memblock_remove_range(struct memblock_type *type, phys_addr_t base, phys_addr_t size)
{
	unsigned long start_rgn, end_rgn;
	int ret = memblock_isolate_range(type, base, size, &start_rgn, &end_rgn);
	if (ret)
		return ret;
	for (unsigned long i = end_rgn; i > start_rgn; i--)
		memblock_remove_region(type, i - 1);
	return 0;
}

int memblock_add_node(phys_addr_t base, phys_addr_t size, int nid)
{
	memblock_dbg_range("memblock_add_node", base, size, __builtin_return_address(0));
	return memblock_add_range(&M->memblock.memory, base, size, nid);
}

int memblock_add(phys_addr_t base, phys_addr_t size)
{
	memblock_dbg_range("memblock_add", base, size, __builtin_return_address(0));
	return memblock_add_range(&M->memblock.memory, base, size, NUMA_NO_NODE);
}

int memblock_remove(phys_addr_t base, phys_addr_t size)
{
	memblock_dbg_range("memblock_remove", base, size, __builtin_return_address(0));
	return memblock_remove_range(&M->memblock.memory, base, size);
}

static int __memblock_reserve(phys_addr_t base, phys_addr_t size, const void *caller)
{
	memblock_dbg_range("memblock_reserve", base, size, caller);
	return memblock_add_range(&M->memblock.reserved, base, size, NUMA_NO_NODE);
}

int memblock_reserve(phys_addr_t base, phys_addr_t size)
{
	memblock_dbg_range("memblock_reserve", base, size, __builtin_return_address(0));
	return memblock_add_range(&M->memblock.reserved, base, size, NUMA_NO_NODE);
}

int memblock_phys_free(phys_addr_t base, phys_addr_t size)
{
	memblock_dbg_range("memblock_phys_free", base, size, __builtin_return_address(0));
	return memblock_remove_range(&M->memblock.reserved, base, size);
}

/* memblock_mark_nomap(): the RAM stays in memory (present), split off with its flag. */
int memblock_mark_nomap(phys_addr_t base, phys_addr_t size)
{
	struct memblock_type *type = &M->memblock.memory;
	unsigned long start_rgn, end_rgn;
	int ret = memblock_isolate_range(type, base, size, &start_rgn, &end_rgn);
	if (ret)
		return ret;
	for (unsigned long i = start_rgn; i < end_rgn; i++)
		type->regions[i].flags |= MEMBLOCK_NOMAP;
	memblock_merge_regions(type);
	return 0;
}

int memblock_set_node(phys_addr_t base, phys_addr_t size, int nid)
{
	struct memblock_type *type = &M->memblock.memory;
	unsigned long start_rgn, end_rgn;
	int ret = memblock_isolate_range(type, base, size, &start_rgn, &end_rgn);
	if (ret)
		return ret;
	for (unsigned long i = start_rgn; i < end_rgn; i++)
		type->regions[i].nid = nid;
	memblock_merge_regions(type);
	return 0;
}

/*
 * Find the highest free, aligned range of `size` bytes inside [start, end)
 * and on node nid (NUMA_NO_NODE: any).  0 when there is none (address 0 is
 * always reserved, so it never names a real allocation).
 */
static phys_addr_t memblock_find_in_range(phys_addr_t size, phys_addr_t align, phys_addr_t start,
					  phys_addr_t end, int nid)
{
	struct memblock_type *mem = &M->memblock.memory, *res = &M->memblock.reserved;
	if (end > M->memblock.current_limit)
		end = M->memblock.current_limit;
	for (unsigned long i = mem->cnt; i-- > 0;) {
		const struct memblock_region *r = &mem->regions[i];
		if (nid != NUMA_NO_NODE && r->nid != nid)
			continue;
		phys_addr_t rs = max(r->base, start), re = min(r->base + r->size, end);
		if (rs >= re)
			continue;
		/* walk the gaps between reserved regions inside [rs, re), top-down */
		phys_addr_t gap_end = re;
		for (unsigned long j = res->cnt + 1; j-- > 0;) {
			phys_addr_t gap_start = j ? res->regions[j - 1].base + res->regions[j - 1].size : 0;
			if (j && res->regions[j - 1].base >= gap_end)
				continue;
			phys_addr_t gs = max(gap_start, rs), ge = gap_end;
			if (ge > gs && ge - gs >= size) {
				phys_addr_t cand = ALIGN_DOWN(ge - size, align);
				if (cand >= gs && cand)
					return cand;
			}
			if (!j)
				break;
			gap_end = res->regions[j - 1].base;
			if (gap_end <= rs)
				break;
		}
	}
	return 0;
}

phys_addr_t memblock_phys_alloc_range(phys_addr_t size, phys_addr_t align, phys_addr_t start,
				      phys_addr_t end)
{
	memblock_dbg_alloc("memblock_phys_alloc_range", size, align, start, end, __builtin_return_address(0));
	phys_addr_t found = memblock_find_in_range(size, align ? align : PAGE_SIZE, start, end, NUMA_NO_NODE);
	if (found && __memblock_reserve(found, size, __builtin_return_address(0)))
		return 0;
	return found;
}

phys_addr_t memblock_phys_alloc_try_nid(phys_addr_t size, phys_addr_t align, int nid)
{
	memblock_dbg_alloc("memblock_phys_alloc_try_nid", size, align, 0, MEMBLOCK_ALLOC_ANYWHERE,
			   __builtin_return_address(0));
	phys_addr_t found = memblock_find_in_range(size, align ? align : PAGE_SIZE, 0,
						   MEMBLOCK_ALLOC_ANYWHERE, nid);
	if (!found && nid != NUMA_NO_NODE)
		found = memblock_find_in_range(size, align ? align : PAGE_SIZE, 0,
					       MEMBLOCK_ALLOC_ANYWHERE, NUMA_NO_NODE);
	if (found && __memblock_reserve(found, size, __builtin_return_address(0)))
		return 0;
	return found;
}

static bool memblock_overlaps(const struct memblock_type *type, phys_addr_t base, phys_addr_t size)
{
	for (unsigned long i = 0; i < type->cnt; i++) {
		const struct memblock_region *r = &type->regions[i];
		if (base < r->base + r->size && r->base < base + size)
			return true;
	}
	return false;
}

bool memblock_is_region_reserved(phys_addr_t base, phys_addr_t size)
{
	return memblock_overlaps(&M->memblock.reserved, base, size);
}

bool memblock_is_memory(phys_addr_t addr)
{
	return memblock_overlaps(&M->memblock.memory, addr, 1);
}

phys_addr_t memblock_start_of_DRAM(void)
{
	return M->memblock.memory.cnt ? M->memblock.memory.regions[0].base : 0;
}

phys_addr_t memblock_end_of_DRAM(void)
{
	const struct memblock_type *t = &M->memblock.memory;
	return t->cnt ? t->regions[t->cnt - 1].base + t->regions[t->cnt - 1].size : 0;
}

phys_addr_t memblock_phys_mem_size(void)
{
	return M->memblock.memory.total_size;
}

phys_addr_t memblock_reserved_size(void)
{
	return M->memblock.reserved.total_size;
}

void memblock_set_current_limit(phys_addr_t limit)
{
	M->memblock.current_limit = limit;
}

/*
 * Call fn(start_pfn, end_pfn) for every free range (memory minus reserved)
 * of node nid (NUMA_NO_NODE: all), clipped to [lo_pfn, hi_pfn).
 */
void memblock_for_each_free_range(int nid, unsigned long lo_pfn, unsigned long hi_pfn,
				  void (*fn)(unsigned long, unsigned long, void *), void *arg)
{
	struct memblock_type *mem = &M->memblock.memory, *res = &M->memblock.reserved;
	unsigned long j = 0;
	for (unsigned long i = 0; i < mem->cnt; i++) {
		if (nid != NUMA_NO_NODE && mem->regions[i].nid != nid)
			continue;
		phys_addr_t cur = mem->regions[i].base, end = cur + mem->regions[i].size;
		j = 0;
		while (cur < end) {
			while (j < res->cnt && res->regions[j].base + res->regions[j].size <= cur)
				j++;
			phys_addr_t next = end;
			if (j < res->cnt && res->regions[j].base < end) {
				if (res->regions[j].base <= cur) {
					cur = res->regions[j].base + res->regions[j].size;
					continue;
				}
				next = res->regions[j].base;
			}
			unsigned long spfn = max(PFN_UP(cur), lo_pfn), epfn = min(PFN_DOWN(next), hi_pfn);
			if (spfn < epfn)
				fn(spfn, epfn, arg);
			cur = next;
		}
	}
}

/*
 * Hand [start, end) to the buddy allocator in naturally aligned blocks;
 * count_managed false when the pages were counted as managed in advance.
 */
void free_pfn_range_boot(unsigned long start, unsigned long end, bool count_managed)
{
	while (start < end) {
		unsigned int order = start ? (unsigned)__builtin_ctzl(start) : MAX_ORDER - 1;
		if (order > MAX_ORDER - 1)
			order = MAX_ORDER - 1;
		while (start + (1UL << order) > end)
			order--;
		free_pages_boot(pfn_to_page(start), order, count_managed);
		start += 1UL << order;
	}
}

void free_pfn_range_to_buddy(unsigned long start, unsigned long end, void *count)
{
	free_pfn_range_boot(start, end, true);
	if (count)
		*(unsigned long *)count += end - start;
}

static void free_early_range(unsigned long start, unsigned long end, void *arg)
{
	M->totalram_pages += (long)(end - start);
	/* struct pages initialised late (deferred init) are freed late */
	for (int nid = 0; nid < M->nr_nodes; nid++) {
		pg_data_t *pgdat = NODE_DATA(nid);
		if (start >= pgdat->node_start_pfn && start < pgdat->node_start_pfn + pgdat->node_spanned_pages)
			end = min(end, max(start, pgdat->first_deferred_pfn));
	}
	free_pfn_range_to_buddy(start, end, arg);
}

/*
 * Release every free lowmem range to the buddy allocator; reserved pages
 * keep PG_reserved.  Returns the number of pages released.
 */
unsigned long memblock_free_all(void)
{
	unsigned long count = 0;
	memblock_for_each_free_range(NUMA_NO_NODE, 0, M->max_low_pfn, free_early_range, &count);
	return count;
}
