/*
 * percpu.c - the per-CPU allocator, as Linux 6.1's mm/percpu.c.
 *
 * Vocabulary:
 *   unit      one CPU's copy of a chunk: pcpu_unit_size bytes (the profile's
 *             "u" of the boot line: 33 pages on i386, 2 MiB on x86_64)
 *   chunk     nr_units units (one per possible CPU) managed as one: an
 *             offset allocated in the chunk is allocated in every unit
 *   area map  a bit per PCPU_MIN_ALLOC_SIZE (4) bytes of a unit: alloc_map
 *             (1 = allocated or hidden), bound_map (the first bit of each
 *             allocation and the bit just after it)
 *   populated a bit per page of a unit: backed by a page in every unit
 *
 * The first chunk is made at boot from memblock memory, one region of
 * size_sum = static + reserved + dynamic bytes per CPU (the "percpu:
 * Embedded N pages/cpu sS rR dD uU" line), in the direct map:
 *
 *   unit c:  | static (the kernel's own) | reserved | dynamic      |
 *            ^ pcpu_unit_addr[c]          ^ reserved chunk (x86_64 only)
 *                                                    ^ first chunk
 *
 * The static part belongs to no chunk; the reserved part is a chunk of its
 * own that serves only __alloc_reserved_percpu(); the dynamic part is
 * pcpu_first_chunk.  Both are always populated and never freed; the bytes
 * of a page that lie outside their region are hidden (set in alloc_map).
 *
 * When no chunk has room, a new one is made from the vmalloc area (as
 * pcpu_create_chunk/pcpu_get_vm_areas): one vm area of nr_units * unit_size
 * bytes, unit c at offset c * unit_size, populated a page at a time - a
 * page for every CPU, on the CPU's node - as allocations reach it.  So a
 * percpu pointer is unit 0's address of the object, and CPU c's copy is
 * the same offset in unit c: pcpu_unit_addr[c] + offset for the first
 * chunk, ptr + c * unit_size for a vmalloc chunk.  An allocation clears
 * every CPU's copy.
 *
 * Choosing a chunk: as Linux, the chunks are tried by slot - the size
 * class of their largest free run - from the smallest slot that can hold
 * the request up to the "entirely free" slot, so fuller chunks are used
 * first; within a slot the older chunk first (Linux's list order is
 * close to that).  Inside a chunk the first free run that fits, aligned,
 * wins.  An atomic request (no __GFP_DIRECT_RECLAIM) takes only populated
 * pages and never makes a chunk.
 *
 * Freeing: the run from the allocation's bound bit to the next is
 * cleared.  A chunk that turns entirely free is given back (its pages to
 * the buddy allocator, its area to vmalloc) when another entirely free
 * chunk exists - one is kept spare, as Linux's pcpu_balance_free does;
 * kmm_usage_settle() gives the spare back too.
 *
 * Counters and invariants (percpu_verify):
 *   chunk->free_bytes  == PCPU_MIN_ALLOC_SIZE × clear bits of alloc_map
 *   chunk->nr_populated == set bits of populated; a vmalloc chunk maps
 *                          exactly its populated pages, allocated bytes
 *                          lie only in populated pages
 *   pcpu_nr_populated  == PFN_DOWN(size_sum) + Σ vmalloc chunks' nr_populated
 *   pcpu_nr_pages()    == pcpu_nr_populated × ai->nr_units (meminfo "Percpu"):
 *                         Linux multiplies by every unit of the first
 *                         chunk's groups, the unused ones that round a
 *                         group up to its units per allocation included
 *
 * Deliberately not done: Linux's per-block hints (a scan of the map is
 * cheap at kmm's sizes), the background balance work that keeps 2-4 empty
 * populated pages ready for atomic requests and depopulates pages of
 * fragmented chunks, memcg accounting.  The vm area is page-aligned, not
 * atom-aligned.  The first chunk's maps live in host memory (setup.c takes
 * their memory from memblock as Linux does).  A vmalloc chunk takes what
 * 6.1's pcpu_alloc_chunk takes, with pcpu_mem_zalloc's placement (kzalloc
 * up to a page, vmalloc beyond): the struct with its populated bitmap,
 * alloc_map, bound_map, md_blocks and MEMCG_KMEM's obj_cgroups; the maps
 * kmm searches are those bitmaps themselves, while the struct, md_blocks
 * and obj_cgroups are memory kmm only holds (its bookkeeping, with host
 * pointers, stays in host memory).
 *
 * Locking: pcpu_lock (Linux's pcpu_alloc_mutex and pcpu_lock in one)
 * protects every chunk and counter; populating allocates pages under it.
 * per_cpu_ptr() takes no lock: it reads only what never changes after boot.
 */
#include "internal.h"
#include "sim/ram.h"

#include <kmm/percpu.h>
#include <limits.h>
#include <kmm/slab.h>
#include <kmm/vmalloc.h>

#define PCPU_SLOT_BASE_SHIFT 5
#define BITS_PER_LONG_HOST (8 * (int)sizeof(unsigned long))

struct pcpu_chunk {
	char *base_addr;              /* unit 0's copy of the chunk's byte 0 (host pointer), page-aligned */
	int nr_pages;                 /* pages of a unit the maps cover */
	int map_bits;                 /* nr_pages * PAGE_SIZE / PCPU_MIN_ALLOC_SIZE */
	int start_offset, end_offset; /* bytes hidden at the start and the end of the covered pages */
	unsigned long *alloc_map;     /* map_bits bits: 1 = allocated or hidden */
	unsigned long *bound_map;     /* map_bits + 1 bits: allocation starts and the bit after each end */
	unsigned long *populated;     /* nr_pages bits: backed in every unit */
	int free_bytes;               /* PCPU_MIN_ALLOC_SIZE × clear bits of alloc_map */
	int nr_populated;             /* set bits of populated */
	bool immutable;               /* first-chunk memory (memblock): always populated, never freed */
	struct vm_struct *vm;         /* a vmalloc chunk's area: nr_units * unit_size bytes, no guard */
	struct page **pages;          /* a vmalloc chunk's pages: [cpu * nr_pages + page], NULL when unpopulated */
	unsigned long seq;            /* creation order */
	void *footprint;              /* a vmalloc chunk's struct pcpu_chunk in kernel memory (6.1's size, populated[] included);
					 this host struct is kmm's bookkeeping of it, and its pointers stay out of simulated RAM */
	void *md_blocks;              /* a vmalloc chunk's pcpu_block_md array (8 ints a page): memory 6.1 spends, kmm keeps no hints in it */
	void *obj_cgroups;            /* MEMCG_KMEM: a pointer per PCPU_MIN_ALLOC_SIZE bytes, all NULL (kmm charges no percpu memory to memory cgroups) */
	struct pcpu_chunk *next;      /* pcpu_chunks: every chunk serving dynamic allocations */
};

static pthread_mutex_t pcpu_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pcpu_chunk *pcpu_first_chunk;    /* the dynamic part of the first chunk */
static struct pcpu_chunk *pcpu_reserved_chunk; /* its reserved part, NULL if the profile has none */
static struct pcpu_chunk *pcpu_chunks;         /* the first chunk, then vmalloc chunks, oldest first */
static char *pcpu_unit_addr[KMM_MAX_CPUS];     /* first-chunk region of each CPU (host pointers; immutable) */
static unsigned long pcpu_size_sum;            /* bytes of the first-chunk region per CPU */
static unsigned long pcpu_unit_size;           /* the unit stride of vmalloc chunks */
static int pcpu_unit_pages;                    /* pcpu_unit_size in pages */
static int pcpu_nr_units;                      /* possible CPUs */
static int pcpu_nr_units_all;                  /* ai->nr_units: unused units of a group too (Percpu counts them) */
static unsigned long pcpu_nr_populated;        /* populated pages per unit, all chunks (read unlocked: atomic) */
static unsigned long pcpu_bytes_used;          /* bytes allocated (per unit), reserved and dynamic */
static unsigned long pcpu_chunk_seq;
static int pcpu_warn_limit;                    /* failure warnings left */
static bool pcpu_warned_no_cpu;                /* this_cpu_ptr() on no CPU was reported (once a boot) */

/* ---- bitmaps ------------------------------------------------------------------------------- */

static inline bool test_bit_(const unsigned long *map, int bit)
{
	return map[bit / BITS_PER_LONG_HOST] >> (bit % BITS_PER_LONG_HOST) & 1;
}

static inline void set_bit_(unsigned long *map, int bit)
{
	map[bit / BITS_PER_LONG_HOST] |= 1UL << (bit % BITS_PER_LONG_HOST);
}

static inline void clear_bit_(unsigned long *map, int bit)
{
	map[bit / BITS_PER_LONG_HOST] &= ~(1UL << (bit % BITS_PER_LONG_HOST));
}

static void bitmap_assign(unsigned long *map, int start, int n, bool v)
{
	for (int b = start; b < start + n;) {
		if (b % BITS_PER_LONG_HOST == 0 && b + BITS_PER_LONG_HOST <= start + n) {
			map[b / BITS_PER_LONG_HOST] = v ? ~0UL : 0;
			b += BITS_PER_LONG_HOST;
		} else {
			if (v)
				set_bit_(map, b);
			else
				clear_bit_(map, b);
			b++;
		}
	}
}

/* The first bit >= from whose value is v, or size. */
static int find_next(const unsigned long *map, int size, int from, bool v)
{
	while (from < size) {
		unsigned long w = map[from / BITS_PER_LONG_HOST];
		if (!v)
			w = ~w;
		w &= ~0UL << (from % BITS_PER_LONG_HOST);
		if (w) {
			int b = (from & ~(BITS_PER_LONG_HOST - 1)) + __builtin_ctzl(w);
			return b < size ? b : size;
		}
		from = (from & ~(BITS_PER_LONG_HOST - 1)) + BITS_PER_LONG_HOST;
	}
	return size;
}

static int count_bits(const unsigned long *map, int start, int n)
{
	int c = 0;
	for (int b = start; b < start + n; b++)
		c += test_bit_(map, b);
	return c;
}

static unsigned long *bitmap_zalloc(int bits, bool host)
{
	size_t bytes = (size_t)(bits + BITS_PER_LONG_HOST) / BITS_PER_LONG_HOST * sizeof(unsigned long);
	return host ? calloc(1, bytes) : kvzalloc(bytes, GFP_KERNEL);
}

/* ---- chunks -------------------------------------------------------------------------------- */

/* Where CPU cpu's copy of the chunk's byte off is. */
static char *pcpu_chunk_addr(const struct pcpu_chunk *chunk, int cpu, unsigned long off)
{
	if (chunk->immutable)
		return pcpu_unit_addr[cpu] + (chunk->base_addr - pcpu_unit_addr[0]) + off;
	return chunk->base_addr + (unsigned long)cpu * pcpu_unit_size + off;
}

static unsigned long chunk_kva(const struct pcpu_chunk *chunk, int cpu, int page)
{
	return kmm_host_to_kva(pcpu_chunk_addr(chunk, cpu, (unsigned long)page << PAGE_SHIFT));
}

/* The largest run of free bits (Linux's contig_hint, recomputed). */
static int chunk_contig_bits(const struct pcpu_chunk *chunk)
{
	int best = 0;
	for (int b = find_next(chunk->alloc_map, chunk->map_bits, 0, false); b < chunk->map_bits;) {
		int e = find_next(chunk->alloc_map, chunk->map_bits, b, true);
		best = max(best, e - b);
		b = find_next(chunk->alloc_map, chunk->map_bits, e, false);
	}
	return best;
}

static int size_to_slot(unsigned long size)
{
	if (size == pcpu_unit_size)
		return INT_MAX; /* pcpu_free_slot: the last */
	int fls = 64 - __builtin_clzl(size);
	return max(fls - PCPU_SLOT_BASE_SHIFT + 2, 1);
}

static int chunk_slot(const struct pcpu_chunk *chunk)
{
	int contig = chunk_contig_bits(chunk);
	if (chunk->free_bytes < PCPU_MIN_ALLOC_SIZE || !contig)
		return 0;
	return size_to_slot((unsigned long)contig * PCPU_MIN_ALLOC_SIZE);
}

static bool chunk_is_free(const struct pcpu_chunk *chunk)
{
	return !chunk->immutable && (unsigned long)chunk->free_bytes == pcpu_unit_size;
}

/* A chunk over [base + off, base + off + map_size) of memory that is there already (the first chunk's). */
static struct pcpu_chunk *pcpu_alloc_first_chunk(unsigned long off, unsigned long map_size)
{
	struct pcpu_chunk *chunk = calloc(1, sizeof(*chunk));
	unsigned long aligned = off & PAGE_MASK;
	chunk->start_offset = (int)(off - aligned);
	unsigned long region = ALIGN(chunk->start_offset + map_size, PAGE_SIZE);
	chunk->end_offset = (int)(region - chunk->start_offset - map_size);
	chunk->base_addr = pcpu_unit_addr[0] + aligned;
	chunk->nr_pages = (int)(region >> PAGE_SHIFT);
	chunk->map_bits = (int)(region / PCPU_MIN_ALLOC_SIZE);
	chunk->alloc_map = bitmap_zalloc(chunk->map_bits, true);
	chunk->bound_map = bitmap_zalloc(chunk->map_bits + 1, true);
	chunk->populated = bitmap_zalloc(chunk->nr_pages, true);
	chunk->immutable = true;
	bitmap_assign(chunk->populated, 0, chunk->nr_pages, true);
	chunk->nr_populated = chunk->nr_pages;
	chunk->free_bytes = (int)map_size;
	if (chunk->start_offset) { /* hide the bytes before the region */
		int bits = chunk->start_offset / PCPU_MIN_ALLOC_SIZE;
		bitmap_assign(chunk->alloc_map, 0, bits, true);
		set_bit_(chunk->bound_map, 0);
		set_bit_(chunk->bound_map, bits);
	}
	if (chunk->end_offset) { /* and after it */
		int bits = chunk->end_offset / PCPU_MIN_ALLOC_SIZE;
		bitmap_assign(chunk->alloc_map, chunk->map_bits - bits, bits, true);
		set_bit_(chunk->bound_map, chunk->map_bits - bits);
		set_bit_(chunk->bound_map, chunk->map_bits);
	}
	chunk->seq = pcpu_chunk_seq++;
	return chunk;
}

static void pcpu_free_chunk_maps(struct pcpu_chunk *chunk)
{
	if (chunk->immutable) {
		free(chunk->alloc_map);
		free(chunk->bound_map);
		free(chunk->populated);
		free(chunk);
	} else {
		kvfree(chunk->alloc_map);
		kvfree(chunk->bound_map);
		kvfree(chunk->md_blocks);
		kvfree(chunk->obj_cgroups);
		kfree(chunk->footprint);
		free(chunk->populated);
		free(chunk->pages);
		free(chunk);
	}
}

/*
 * The vm area of a chunk: nr_units units back to back, no guard page (Linux's
 * pcpu_get_vm_areas(), which vmallocinfo names as the caller).
 */
static struct vm_struct *pcpu_get_vm_areas(unsigned long size)
{
	return get_vm_area_caller(size, VM_ALLOC | VM_NO_GUARD, (const void *)pcpu_get_vm_areas);
}

static struct pcpu_chunk *pcpu_create_chunk(gfp_t gfp);

/* pcpu_mem_zalloc(): kzalloc up to a page, __vmalloc beyond (vmallocinfo names pcpu_create_chunk) */
static void *pcpu_mem_zalloc(size_t size, gfp_t gfp)
{
	if (size <= PAGE_SIZE)
		return kzalloc(size, gfp);
	return __vmalloc_node(size, 1, gfp | __GFP_ZERO, NUMA_NO_NODE, (const void *)pcpu_create_chunk);
}

/* A new chunk in the vmalloc area, nothing populated (pcpu_create_chunk). */
static struct pcpu_chunk *pcpu_create_chunk(gfp_t gfp)
{
	struct pcpu_chunk *chunk = calloc(1, sizeof(*chunk));
	if (!chunk)
		return NULL;
	unsigned long word = (unsigned long)M->prof->bits / 8;
	/* pcpu_chunk_struct_size: sizeof(struct pcpu_chunk) (136 / 92 bytes) + the populated bitmap in longs */
	chunk->footprint = pcpu_mem_zalloc((word == 8 ? 136 : 92) + DIV_ROUND_UP((unsigned long)pcpu_unit_pages, 8 * word) * word, gfp);
	chunk->nr_pages = pcpu_unit_pages;
	chunk->map_bits = (int)(pcpu_unit_size / PCPU_MIN_ALLOC_SIZE);
	chunk->alloc_map = pcpu_mem_zalloc((size_t)DIV_ROUND_UP(chunk->map_bits, 64) * 8, gfp);
	chunk->bound_map = pcpu_mem_zalloc((size_t)DIV_ROUND_UP(chunk->map_bits + 1, 64) * 8, gfp);
	chunk->md_blocks = pcpu_mem_zalloc((size_t)chunk->nr_pages * 32, gfp);
	chunk->obj_cgroups = pcpu_mem_zalloc((size_t)chunk->map_bits * (M->prof->bits / 8), gfp);
	chunk->populated = bitmap_zalloc(chunk->nr_pages, true);
	/* kmm's own index of the backing pages (Linux finds them through the page tables): host memory */
	chunk->pages = calloc((size_t)pcpu_nr_units * (size_t)pcpu_unit_pages, sizeof(struct page *));
	chunk->vm = pcpu_get_vm_areas((unsigned long)pcpu_nr_units * pcpu_unit_size);
	if (!chunk->footprint || !chunk->alloc_map || !chunk->bound_map || !chunk->md_blocks || !chunk->obj_cgroups ||
	    !chunk->populated || !chunk->pages || !chunk->vm) {
		if (chunk->vm)
			free_vm_area(chunk->vm);
		pcpu_free_chunk_maps(chunk);
		return NULL;
	}
	chunk->base_addr = chunk->vm->addr;
	chunk->free_bytes = (int)pcpu_unit_size;
	chunk->seq = pcpu_chunk_seq++;
	return chunk;
}

/* Back page `page` of every unit: a page on each CPU's node, mapped at its place (pcpu_populate_chunk). */
static int pcpu_populate_page(struct pcpu_chunk *chunk, int page, gfp_t gfp)
{
	int cpu;
	for (cpu = 0; cpu < pcpu_nr_units; cpu++) {
		struct page *pg = alloc_pages_node(cpu % M->nr_nodes, gfp | __GFP_HIGHMEM, 0);
		if (!pg || kernel_map_page_array(chunk_kva(chunk, cpu, page), &pg, 1, __PAGE_KERNEL)) {
			if (pg)
				__free_pages(pg, 0);
			break;
		}
		chunk->pages[cpu * pcpu_unit_pages + page] = pg;
	}
	if (cpu < pcpu_nr_units) { /* undo the CPUs done */
		while (cpu-- > 0) {
			kernel_unmap_pages(chunk_kva(chunk, cpu, page), 1);
			kmm_window_unmap(chunk_kva(chunk, cpu, page), PAGE_SIZE);
			__free_pages(chunk->pages[cpu * pcpu_unit_pages + page], 0);
			chunk->pages[cpu * pcpu_unit_pages + page] = NULL;
		}
		return -ENOMEM;
	}
	set_bit_(chunk->populated, page);
	chunk->nr_populated++;
	__atomic_add_fetch(&pcpu_nr_populated, 1, __ATOMIC_RELAXED); /* meminfo reads it without the lock */
	return 0;
}

/* Give a vmalloc chunk back: its area first (the PTEs go), then its pages (pcpu_destroy_chunk). */
static void pcpu_destroy_chunk(struct pcpu_chunk *chunk)
{
	free_vm_area(chunk->vm);
	for (int i = 0; i < pcpu_nr_units * pcpu_unit_pages; i++)
		if (chunk->pages[i])
			__free_pages(chunk->pages[i], 0);
	__atomic_sub_fetch(&pcpu_nr_populated, (unsigned long)chunk->nr_populated, __ATOMIC_RELAXED);
	pcpu_free_chunk_maps(chunk);
}

/* Free every entirely free vmalloc chunk, but one unless all (pcpu_balance_free); pcpu_lock held. */
static void pcpu_balance_free(bool all)
{
	bool kept = all;
	for (struct pcpu_chunk **pp = &pcpu_chunks; *pp;) {
		struct pcpu_chunk *chunk = *pp;
		if (!chunk_is_free(chunk)) {
			pp = &chunk->next;
			continue;
		}
		if (!kept) {
			kept = true;
			pp = &chunk->next;
			continue;
		}
		*pp = chunk->next;
		pcpu_destroy_chunk(chunk);
	}
}

/* ---- allocation ---------------------------------------------------------------------------- */

static bool bits_populated(const struct pcpu_chunk *chunk, int bit, int bits)
{
	int first = bit * PCPU_MIN_ALLOC_SIZE >> PAGE_SHIFT;
	int last = ((bit + bits) * PCPU_MIN_ALLOC_SIZE - 1) >> PAGE_SHIFT;
	return find_next(chunk->populated, last + 1, first, false) > last;
}

/* The first aligned run of `bits` free bits (only in populated pages if asked); -1 if none. */
static int pcpu_find_fit(const struct pcpu_chunk *chunk, int bits, int align_bits, bool populated_only)
{
	int bit = 0;
	for (;;) {
		bit = find_next(chunk->alloc_map, chunk->map_bits, bit, false);
		int start = ALIGN(bit, align_bits);
		if (start + bits > chunk->map_bits)
			return -1;
		int used = find_next(chunk->alloc_map, start + bits, start, true);
		if (used < start + bits) {
			bit = used + 1;
			continue;
		}
		if (populated_only && !bits_populated(chunk, start, bits)) {
			bit = start + align_bits;
			continue;
		}
		return start;
	}
}

static void pcpu_alloc_area(struct pcpu_chunk *chunk, int bit, int bits)
{
	bitmap_assign(chunk->alloc_map, bit, bits, true);
	set_bit_(chunk->bound_map, bit);
	bitmap_assign(chunk->bound_map, bit + 1, bits - 1, false);
	set_bit_(chunk->bound_map, bit + bits);
	chunk->free_bytes -= bits * PCPU_MIN_ALLOC_SIZE;
	pcpu_bytes_used += (unsigned long)bits * PCPU_MIN_ALLOC_SIZE;
}

static void pcpu_free_area(struct pcpu_chunk *chunk, int bit)
{
	int end = find_next(chunk->bound_map, chunk->map_bits + 1, bit + 1, true);
	bitmap_assign(chunk->alloc_map, bit, end - bit, false);
	chunk->free_bytes += (end - bit) * PCPU_MIN_ALLOC_SIZE;
	pcpu_bytes_used -= (unsigned long)(end - bit) * PCPU_MIN_ALLOC_SIZE;
}

/*
 * The dynamic chunks that may hold `size` bytes, in Linux's order: by slot,
 * then age.  A host array (the caller frees it); *n = 0 if there is none.
 */
static struct pcpu_chunk **pcpu_candidates(size_t size, int *n)
{
	int nr = 0, want = size_to_slot(size);
	for (struct pcpu_chunk *c = pcpu_chunks; c; c = c->next)
		nr++;
	struct pcpu_chunk **out = malloc((size_t)nr * sizeof(*out));
	int *slots = malloc((size_t)nr * sizeof(*slots));
	*n = 0;
	if (!out || !slots) {
		free(slots);
		return out;
	}
	for (struct pcpu_chunk *c = pcpu_chunks; c; c = c->next) {
		int slot = chunk_slot(c);
		if (slot < want)
			continue;
		int i = (*n)++;
		while (i > 0 && (slots[i - 1] > slot || (slots[i - 1] == slot && out[i - 1]->seq > c->seq))) {
			out[i] = out[i - 1];
			slots[i] = slots[i - 1];
			i--;
		}
		out[i] = c;
		slots[i] = slot;
	}
	free(slots);
	return out;
}

static void __percpu *pcpu_alloc(size_t size, size_t align, bool reserved, gfp_t gfp)
{
	gfp_t pcpu_gfp = gfp & (GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN);
	bool is_atomic = !(gfp & __GFP_DIRECT_RECLAIM), do_warn = !(gfp & __GFP_NOWARN);
	const char *err;
	if (align < PCPU_MIN_ALLOC_SIZE)
		align = PCPU_MIN_ALLOC_SIZE;
	size = ALIGN(size, PCPU_MIN_ALLOC_SIZE);
	if (!size || size > PCPU_MIN_UNIT_SIZE || align > PAGE_SIZE || (align & (align - 1))) {
		if (do_warn) {
			pr_warn("illegal size (%zu) or align (%zu) for percpu allocation\n", size, align);
			kmm_warn(__FILE__, __LINE__, "illegal size or align");
		}
		return NULL;
	}
	if (!M || !pcpu_first_chunk)
		return NULL;
	int bits = (int)(size / PCPU_MIN_ALLOC_SIZE), align_bits = (int)(align / PCPU_MIN_ALLOC_SIZE);
	struct pcpu_chunk *chunk = NULL;
	int bit = -1;
	pthread_mutex_lock(&pcpu_lock);
	if (reserved && pcpu_reserved_chunk) {
		chunk = pcpu_reserved_chunk;
		bit = pcpu_find_fit(chunk, bits, align_bits, false);
		err = "alloc from reserved chunk failed";
		if (bit < 0)
			goto fail;
		pcpu_alloc_area(chunk, bit, bits);
		goto found;
	}
	for (;;) {
		int n;
		struct pcpu_chunk **cand = pcpu_candidates(size, &n);
		for (int i = 0; i < n && bit < 0; i++) {
			bit = pcpu_find_fit(cand[i], bits, align_bits, is_atomic);
			chunk = cand[i];
		}
		free(cand);
		if (bit >= 0)
			break;
		if (is_atomic) {
			err = "atomic alloc failed, no space left";
			goto fail;
		}
		struct pcpu_chunk *fresh = pcpu_create_chunk(pcpu_gfp);
		if (!fresh) {
			err = "failed to allocate new chunk";
			goto fail;
		}
		struct pcpu_chunk **pp = &pcpu_chunks;
		while (*pp)
			pp = &(*pp)->next;
		*pp = fresh;
	}
	pcpu_alloc_area(chunk, bit, bits);
	if (!is_atomic) { /* populate what the area reaches */
		int first = bit * PCPU_MIN_ALLOC_SIZE >> PAGE_SHIFT;
		int last = ((bit + bits) * PCPU_MIN_ALLOC_SIZE - 1) >> PAGE_SHIFT;
		for (int pg = first; pg <= last; pg++) {
			if (test_bit_(chunk->populated, pg))
				continue;
			MM_WARN_ON(chunk->immutable);
			if (pcpu_populate_page(chunk, pg, pcpu_gfp)) {
				pcpu_free_area(chunk, bit);
				err = "failed to populate";
				goto fail;
			}
		}
	}
found:;
	unsigned long off = (unsigned long)bit * PCPU_MIN_ALLOC_SIZE;
	for (int cpu = 0; cpu < pcpu_nr_units; cpu++)
		memset(pcpu_chunk_addr(chunk, cpu, off), 0, size);
	pthread_mutex_unlock(&pcpu_lock);
	return chunk->base_addr + off;
fail:
	if (!reserved)
		pcpu_balance_free(false); /* a chunk made for nothing goes again */
	if (!is_atomic && do_warn && pcpu_warn_limit) {
		pr_warn("percpu: allocation failed, size=%zu align=%zu atomic=%d, %s\n", size, align, is_atomic, err);
		dump_stack();
		if (!--pcpu_warn_limit)
			pr_info("percpu: limit reached, disable warning\n");
	}
	pthread_mutex_unlock(&pcpu_lock);
	return NULL;
}

void __percpu *__alloc_percpu_gfp(size_t size, size_t align, gfp_t gfp)
{
	return pcpu_alloc(size, align, false, gfp);
}

void __percpu *__alloc_percpu(size_t size, size_t align)
{
	return pcpu_alloc(size, align, false, GFP_KERNEL);
}

void __percpu *__alloc_reserved_percpu(size_t size, size_t align)
{
	return pcpu_alloc(size, align, true, GFP_KERNEL);
}

/* The chunk whose unit 0 holds p; pcpu_lock held. */
static struct pcpu_chunk *pcpu_chunk_of(const char *p)
{
	if (pcpu_reserved_chunk && p >= pcpu_reserved_chunk->base_addr &&
	    p < pcpu_reserved_chunk->base_addr + pcpu_reserved_chunk->map_bits * PCPU_MIN_ALLOC_SIZE)
		return pcpu_reserved_chunk;
	for (struct pcpu_chunk *c = pcpu_chunks; c; c = c->next)
		if (p >= c->base_addr && p < c->base_addr + (unsigned long)c->map_bits * PCPU_MIN_ALLOC_SIZE)
			return c;
	return NULL;
}

void free_percpu(void __percpu *ptr)
{
	if (!ptr || !M)
		return;
	const char *p = ptr;
	pthread_mutex_lock(&pcpu_lock);
	struct pcpu_chunk *chunk = pcpu_chunk_of(p);
	long off = chunk ? p - chunk->base_addr : -1;
	int bit = (int)(off / PCPU_MIN_ALLOC_SIZE);
	if (!chunk || off % PCPU_MIN_ALLOC_SIZE || !test_bit_(chunk->bound_map, bit) || !test_bit_(chunk->alloc_map, bit) ||
	    (bit < chunk->start_offset / PCPU_MIN_ALLOC_SIZE) ||
	    bit >= chunk->map_bits - chunk->end_offset / PCPU_MIN_ALLOC_SIZE) {
		pthread_mutex_unlock(&pcpu_lock);
		pr_err("percpu: free_percpu(%#lx): %s\n", kmm_host_to_kva(p),
		       chunk ? "not the start of an allocated area (double free?)" : "not a percpu address");
		kmm_warn(__FILE__, __LINE__, "bad free_percpu");
		return;
	}
	pcpu_free_area(chunk, bit);
	if (chunk_is_free(chunk))
		pcpu_balance_free(false);
	pthread_mutex_unlock(&pcpu_lock);
}

void *kmm_per_cpu_ptr(const void __percpu *ptr, int cpu)
{
	if (!M || cpu < 0 || cpu >= pcpu_nr_units) {
		MM_WARN_ON(cpu < 0 || !M || cpu >= pcpu_nr_units);
		return NULL;
	}
	const char *p = ptr;
	if (p >= pcpu_unit_addr[0] && p < pcpu_unit_addr[0] + pcpu_size_sum) /* the first chunk's */
		return pcpu_unit_addr[cpu] + (p - pcpu_unit_addr[0]);
	return (char *)p + (unsigned long)cpu * pcpu_unit_size;
}

void *kmm_this_cpu_ptr(const void __percpu *ptr)
{
	int cpu = smp_processor_id();
	if (cpu < 0) {
		if (!__atomic_exchange_n(&pcpu_warned_no_cpu, true, __ATOMIC_RELAXED))
			MM_WARN_ON(cpu < 0); /* this_cpu_ptr() on no CPU */
		return NULL;
	}
	return kmm_per_cpu_ptr(ptr, cpu);
}

unsigned int num_possible_cpus(void)
{
	return M ? (unsigned int)M->nr_cpus : 0;
}

unsigned long pcpu_nr_pages(void)
{
	return __atomic_load_n(&pcpu_nr_populated, __ATOMIC_RELAXED) * (unsigned long)pcpu_nr_units_all;
}

unsigned long pcpu_populated_per_unit(void)
{
	return __atomic_load_n(&pcpu_nr_populated, __ATOMIC_RELAXED);
}

/* ---- boot, settling, checking ---------------------------------------------------------------- */

/*
 * The first chunk over the regions setup_per_cpu_areas() took from memblock
 * (unit_phys[cpu], size_sum bytes each): pcpu_setup_first_chunk.
 */
void pcpu_setup_first_chunk(const phys_addr_t *unit_phys, int nr_units, unsigned long static_size,
			    unsigned long reserved_size, unsigned long dyn_size, unsigned long unit_size)
{
	pcpu_nr_units = M->nr_cpus;
	pcpu_nr_units_all = max(nr_units, pcpu_nr_units);
	for (int c = 0; c < pcpu_nr_units; c++)
		pcpu_unit_addr[c] = phys_to_host(unit_phys[c]);
	pcpu_size_sum = static_size + reserved_size + dyn_size;
	pcpu_unit_size = unit_size;
	pcpu_unit_pages = (int)(unit_size >> PAGE_SHIFT);
	pcpu_warn_limit = 10;
	pcpu_warned_no_cpu = false;
	/* the static part's end is aligned to the granule; the dynamic part gives the difference back */
	unsigned long static_aligned = ALIGN(static_size, PCPU_MIN_ALLOC_SIZE);
	dyn_size -= static_aligned - static_size;
	if (reserved_size)
		pcpu_reserved_chunk = pcpu_alloc_first_chunk(static_aligned, reserved_size);
	pcpu_first_chunk = pcpu_alloc_first_chunk(static_aligned + reserved_size, dyn_size);
	pcpu_chunks = pcpu_first_chunk;
	pcpu_nr_populated = PFN_DOWN(pcpu_size_sum);
	pcpu_bytes_used = 0;
}

/* Give back the spare free chunk too (kmm_usage_settle); the bytes allocated, per unit. */
unsigned long percpu_settle(void)
{
	pthread_mutex_lock(&pcpu_lock);
	pcpu_balance_free(true);
	unsigned long used = pcpu_bytes_used;
	pthread_mutex_unlock(&pcpu_lock);
	return used;
}

static int chunk_verify(const struct pcpu_chunk *chunk, unsigned long *used, char *why, size_t whylen)
{
	int clear = chunk->map_bits - count_bits(chunk->alloc_map, 0, chunk->map_bits);
	if (clear * PCPU_MIN_ALLOC_SIZE != chunk->free_bytes) {
		snprintf(why, whylen, "percpu chunk %#lx: free_bytes %d, the map has %d free", kmm_host_to_kva(chunk->base_addr),
			 chunk->free_bytes, clear * PCPU_MIN_ALLOC_SIZE);
		return -EINVAL;
	}
	int hidden = (chunk->start_offset + chunk->end_offset) / PCPU_MIN_ALLOC_SIZE;
	*used += (unsigned long)(chunk->map_bits - clear - hidden) * PCPU_MIN_ALLOC_SIZE;
	if (count_bits(chunk->populated, 0, chunk->nr_pages) != chunk->nr_populated) {
		snprintf(why, whylen, "percpu chunk %#lx: nr_populated %d, the bitmap has %d",
			 kmm_host_to_kva(chunk->base_addr), chunk->nr_populated, count_bits(chunk->populated, 0, chunk->nr_pages));
		return -EINVAL;
	}
	for (int b = find_next(chunk->alloc_map, chunk->map_bits, 0, true); b < chunk->map_bits;) {
		if (!test_bit_(chunk->bound_map, b)) {
			snprintf(why, whylen, "percpu chunk %#lx: allocated bytes at +%d start no area",
				 kmm_host_to_kva(chunk->base_addr), b * PCPU_MIN_ALLOC_SIZE);
			return -EINVAL;
		}
		int e = find_next(chunk->alloc_map, chunk->map_bits, b, false);
		if (!bits_populated(chunk, b, e - b)) {
			snprintf(why, whylen, "percpu chunk %#lx: allocated bytes at +%d on an unpopulated page",
				 kmm_host_to_kva(chunk->base_addr), b * PCPU_MIN_ALLOC_SIZE);
			return -EINVAL;
		}
		b = find_next(chunk->alloc_map, chunk->map_bits, e, true);
	}
	if (chunk->immutable)
		return 0;
	for (int cpu = 0; cpu < pcpu_nr_units; cpu++)
		for (int pg = 0; pg < chunk->nr_pages; pg++) {
			struct page *want = test_bit_(chunk->populated, pg) ? chunk->pages[cpu * pcpu_unit_pages + pg] : NULL;
			phys_addr_t pa;
			bool mapped = kernel_va_to_phys(chunk_kva(chunk, cpu, pg), &pa);
			if ((want != NULL) != mapped || (want && pfn_to_page(PHYS_PFN(pa)) != want)) {
				snprintf(why, whylen, "percpu chunk %#lx: cpu %d page %d is %s but %s",
					 kmm_host_to_kva(chunk->base_addr), cpu, pg, want ? "populated" : "not populated",
					 mapped ? "mapped elsewhere" : "not mapped");
				return -EINVAL;
			}
		}
	return 0;
}

int percpu_verify(char *why, size_t whylen)
{
	if (!pcpu_first_chunk)
		return 0;
	int ret = 0;
	unsigned long used = 0, populated = PFN_DOWN(pcpu_size_sum);
	pthread_mutex_lock(&pcpu_lock);
	if (pcpu_reserved_chunk)
		ret = chunk_verify(pcpu_reserved_chunk, &used, why, whylen);
	for (struct pcpu_chunk *c = pcpu_chunks; c && !ret; c = c->next) {
		ret = chunk_verify(c, &used, why, whylen);
		if (!c->immutable)
			populated += (unsigned long)c->nr_populated;
	}
	if (!ret && populated != pcpu_nr_populated) {
		snprintf(why, whylen, "percpu: %lu pages populated per unit, the chunks have %lu", pcpu_nr_populated, populated);
		ret = -EINVAL;
	}
	if (!ret && used != pcpu_bytes_used) {
		snprintf(why, whylen, "percpu: %lu bytes allocated per unit, the maps have %lu", pcpu_bytes_used, used);
		ret = -EINVAL;
	}
	pthread_mutex_unlock(&pcpu_lock);
	return ret ? -EINVAL : 0;
}

/* Forget everything at shutdown (the chunks' simulated memory goes with the machine). */
void percpu_exit(void)
{
	if (pcpu_reserved_chunk)
		pcpu_free_chunk_maps(pcpu_reserved_chunk);
	if (pcpu_first_chunk)
		pcpu_free_chunk_maps(pcpu_first_chunk);
	pcpu_reserved_chunk = pcpu_first_chunk = pcpu_chunks = NULL;
	memset(pcpu_unit_addr, 0, sizeof(pcpu_unit_addr));
	pcpu_nr_populated = pcpu_bytes_used = pcpu_size_sum = pcpu_unit_size = 0;
	pcpu_nr_units = pcpu_nr_units_all = pcpu_unit_pages = 0;
}
