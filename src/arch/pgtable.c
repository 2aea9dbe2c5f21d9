/*
 * pgtable.c - the kernel's page tables, in the profile's own format, stored
 * in page frames of simulated RAM and walked in software.
 *
 * Formats (x86):
 *
 *   i386       PGD[1024] -> PTE[1024]               32-bit entries, 10/10/12
 *              a PGD entry with PSE maps 4 MiB
 *   i386-pae   PDPT[4] -> PMD[512] -> PTE[512]       64-bit entries, 2/9/9/12
 *              a PMD entry with PSE maps 2 MiB; NX is bit 63
 *   x86_64     PGD[512] -> PUD[512] -> PMD[512] -> PTE[512], 9/9/9/9/12
 *
 *   entry:  | NX | ... physical frame ... | G | PSE | D | A | PCD | PWT | U/S | R/W | P |
 *            63                        12   8    7    6   5    4     3     2     1    0
 *
 * Format (arm64, 4 KiB granule, 48-bit VA): the same 9/9/9/9/12 walk, in
 * stage-1 descriptors (arch/arm64/include/asm/pgtable-hwdef.h, pgtable-prot.h):
 *
 *   | PROT_NONE | SPECIAL | DIRTY | UXN | PXN | CONT | DBM | address 47:12 | nG | AF | SH | AP2 | AP1 | AttrIndx | T | V |
 *     58          56        55      54    53    52     51                    11   10   9:8  7     6     4:2        1   0
 *
 *   V=1 T=1: a table (levels 0-2) or a page (level 3); V=1 T=0: a block
 *   (level 1 or 2); AP1: EL0 may access (PTE_USER); AP2: read-only
 *   (PTE_RDONLY); DBM is Linux's PTE_WRITE, and a writable entry is dirty
 *   in hardware when AP2 is clear (DIRTY is the software bit); nG: not
 *   global (user pages); AttrIndx: MAIR slot (0 normal, 2 normal
 *   non-cacheable, 3 device nGnRnE, 4 device nGnRE).  Not valid: 0, a
 *   PROT_NONE entry (bit 58), or a swap entry (type in bits 2-7, offset
 *   from bit 8, __SWP_TYPE_SHIFT/__SWP_OFFSET_SHIFT).
 *
 * 32-bit ARM (arm, arm-lpae) walks the i386 and PAE geometries (PAE's
 * 2/9/9/12 is LPAE's too) in x86's encoding: ARM's short-descriptor
 * tables (a 16 KiB PGD of 2048 pairs, Linux and hardware PTEs sharing a
 * page) and LPAE's long descriptors are not written yet.
 *
 * The code above the tables speaks one vocabulary, x86's bits (kmm/
 * pgtable.h); on arm64 pt_write() encodes an entry into a descriptor and
 * pt_read() decodes it back, so what lies in simulated RAM is arm64's
 * format and every entry survives the round trip (arm64_pte_encode/decode).
 *
 * swapper_pg_dir is the kernel's root table; init_mem_mapping() fills it
 * at boot with the direct map - large pages wherever a whole aligned block
 * is RAM, 4 KiB pages for the first block and the ragged edges, as Linux's
 * split_mem_range() does - from page frames that memblock hands out (they
 * stay reserved, as in Linux).  After boot, kernel_map_pages() and
 * kernel_map_page_array() (vmalloc's vmap_pages_range) take table pages
 * from the buddy allocator, walking down once per leaf table and filling
 * its entries in a row; a table page counts its present entries in
 * page->private, so kernel_unmap_pages() sees in O(1) that a table became
 * empty and gives it back: nothing is lost.  (Linux keeps the vmalloc
 * area's tables; kmm frees them so "nothing lost" can be checked.)
 * Mapping over a live entry is refused (-EBUSY), as vmap_pte_range does.
 *
 * The tables are the truth; host mappings (DESIGN.md's mirror, sim/trap.c)
 * are a cache of them that vmalloc, and later kmap, build on.  Locking:
 * pgtable_lock serialises changes of the kernel tables (init_mm's
 * page_table_lock); walks of stable entries need no lock.
 */
#include "internal.h"
#include "sim/ram.h"

#include <kmm/pgtable.h>
#include <kmm/slab.h>

static pthread_mutex_t pgtable_lock = PTHREAD_MUTEX_INITIALIZER;

struct pt_format {
	int levels;          /* tables on a walk */
	int shift[4];        /* address bit each level's index starts at, top first */
	int entries[4];      /* entries per table */
	int esize;           /* bytes per entry */
	int large_level;     /* the level whose entries may map a large page (PSE) */
};

static const struct pt_format fmt_i386 = { 2, { 22, 12 }, { 1024, 1024 }, 4, 0 };
static const struct pt_format fmt_pae = { 3, { 30, 21, 12 }, { 4, 512, 512 }, 8, 1 };
static const struct pt_format fmt_x86_64 = { 4, { 39, 30, 21, 12 }, { 512, 512, 512, 512 }, 8, 2 };

static const struct pt_format *pt_fmt(void)
{
	return M->prof->bits == 64 ? &fmt_x86_64 : M->prof->pae ? &fmt_pae : &fmt_i386;
}

/* ---- arm64 descriptors ---- */
#define A64_VALID (1ULL << 0)
#define A64_TABLE (1ULL << 1)        /* table or page; clear: a block */
#define A64_ATTRIDX_SHIFT 2
#define A64_ATTRIDX_MASK (7ULL << A64_ATTRIDX_SHIFT)
#define A64_USER (1ULL << 6)         /* AP[1] */
#define A64_RDONLY (1ULL << 7)       /* AP[2] */
#define A64_SH_INNER (3ULL << 8)
#define A64_AF (1ULL << 10)
#define A64_NG (1ULL << 11)
#define A64_ADDR_MASK 0x0000fffffffff000ULL
#define A64_DBM (1ULL << 51)         /* PTE_WRITE */
#define A64_PXN (1ULL << 53)
#define A64_UXN (1ULL << 54)
#define A64_DIRTY (1ULL << 55)       /* PTE_DIRTY, software */
#define A64_PROT_NONE (1ULL << 58)
#define A64_SWP_TYPE_SHIFT 2
#define A64_SWP_TYPE_BITS 6
#define A64_SWP_OFFSET_SHIFT 8
#define A64_SWP_OFFSET_BITS 50

static bool pt_arm64(void)
{
	return M->prof->arch == KMM_ARCH_ARM64;
}

/* x86's memory types (ioremap.c's WB, WC, UC-, UC) as MAIR slots */
static const u64 a64_attr_of_x86[4] = { 0, 2, 3, 4 }; /* index: PCD << 1 | PWT */

static u64 arm64_pte_encode(pteval_t v)
{
	if (!v)
		return 0;
	if (!(v & (_PAGE_PRESENT | _PAGE_PROTNONE))) {
		/* a swap entry in x86_64's layout (swp_entry_to_pte below): type on top, offset inverted */
		u64 type = v >> (64 - 5), offset = ~v << 5 >> 14;
		return (type & ((1ULL << A64_SWP_TYPE_BITS) - 1)) << A64_SWP_TYPE_SHIFT |
		       (offset & ((1ULL << A64_SWP_OFFSET_BITS) - 1)) << A64_SWP_OFFSET_SHIFT;
	}
	u64 d = (v & A64_ADDR_MASK) | A64_SH_INNER;
	bool present = v & _PAGE_PRESENT;
	if (present)
		d |= A64_VALID;
	else
		d |= A64_PROT_NONE | A64_NG; /* a PROT_NONE user page */
	if (!(present && (v & _PAGE_PSE)))
		d |= A64_TABLE;
	if (v & _PAGE_USER)
		d |= A64_USER;
	if (v & _PAGE_RW)
		d |= A64_DBM;
	if (!((v & _PAGE_RW) && (v & _PAGE_DIRTY)))
		d |= A64_RDONLY;
	if (v & _PAGE_DIRTY)
		d |= A64_DIRTY;
	if (v & _PAGE_ACCESSED)
		d |= A64_AF;
	if (present && !(v & _PAGE_GLOBAL))
		d |= A64_NG;
	if (v & _PAGE_NX)
		d |= A64_UXN | A64_PXN;
	else if (v & _PAGE_USER)
		d |= A64_PXN; /* the kernel never runs user code */
	d |= a64_attr_of_x86[(!!(v & _PAGE_PCD) << 1) | !!(v & _PAGE_PWT)] << A64_ATTRIDX_SHIFT;
	return d;
}

static pteval_t arm64_pte_decode(u64 d)
{
	if (!d)
		return 0;
	if (!(d & (A64_VALID | A64_PROT_NONE))) {
		u64 type = (d >> A64_SWP_TYPE_SHIFT) & ((1ULL << A64_SWP_TYPE_BITS) - 1);
		u64 offset = (d >> A64_SWP_OFFSET_SHIFT) & ((1ULL << A64_SWP_OFFSET_BITS) - 1);
		return (~offset << 14 >> 5) | (type << (64 - 5));
	}
	pteval_t v = d & A64_ADDR_MASK;
	bool present = d & A64_VALID;
	if (present)
		v |= _PAGE_PRESENT | (d & A64_TABLE ? 0 : _PAGE_PSE) | (d & A64_NG ? 0 : _PAGE_GLOBAL);
	else
		v |= _PAGE_PROTNONE;
	if (d & A64_USER)
		v |= _PAGE_USER;
	if (d & A64_DBM)
		v |= _PAGE_RW;
	if ((d & A64_DIRTY) || ((d & A64_DBM) && !(d & A64_RDONLY)))
		v |= _PAGE_DIRTY;
	if (d & A64_AF)
		v |= _PAGE_ACCESSED;
	if (d & A64_UXN)
		v |= _PAGE_NX;
	switch ((d & A64_ATTRIDX_MASK) >> A64_ATTRIDX_SHIFT) {
	case 2: v |= _PAGE_PWT; break;
	case 3: v |= _PAGE_PCD; break;
	case 4: v |= _PAGE_PCD | _PAGE_PWT; break;
	default: break;
	}
	return v;
}

static inline pteval_t pt_read(phys_addr_t table, unsigned long idx)
{
	const struct pt_format *f = pt_fmt();
	void *p = ram_host(table + idx * (unsigned long)f->esize);
	if (f->esize == 4)
		return __atomic_load_n((u32 *)p, __ATOMIC_RELAXED);
	u64 raw = __atomic_load_n((u64 *)p, __ATOMIC_RELAXED);
	return pt_arm64() ? arm64_pte_decode(raw) : raw;
}

static inline void pt_write(phys_addr_t table, unsigned long idx, pteval_t v)
{
	const struct pt_format *f = pt_fmt();
	void *p = ram_host(table + idx * (unsigned long)f->esize);
	if (pt_arm64())
		v = arm64_pte_encode(v);
	if (f->esize == 4)
		__atomic_store_n((u32 *)p, (u32)v, __ATOMIC_RELAXED);
	else
		__atomic_store_n((u64 *)p, v, __ATOMIC_RELAXED);
}

static inline unsigned long pt_index(const struct pt_format *f, int level, unsigned long va)
{
	return (va >> f->shift[level]) & (unsigned long)(f->entries[level] - 1);
}

static inline phys_addr_t pte_pa(pteval_t v)
{
	return v & PTE_PFN_MASK;
}

/*
 * A page from the buddy allocator becomes a table of a task's page tables
 * below its pgd (PageTable, NR_PAGETABLE: meminfo's PageTables, as
 * pgtable_pte_page_ctor counts them), and back.  Kernel tables and pgds
 * are not counted, as 6.1 does not count them.
 */
static void pgtable_page_ctor(struct page *page)
{
	__SetPageTable(page);
	mod_node_page_state(page, nr_page_table_pages, 1);
}

static void pgtable_page_free(struct page *page)
{
	if (PageTable(page)) {
		__ClearPageTable(page);
		mod_node_page_state(page, nr_page_table_pages, -1);
	}
	__free_pages(page, 0);
}

/* A zeroed page for a table: brk or memblock while booting, the buddy allocator after. */
static phys_addr_t pt_alloc_table(bool user, unsigned long va, int depth)
{
	if (!M->pgtable_from_buddy) {
		phys_addr_t pa = alloc_low_page(va, depth); /* the image's, the brk's, then memblock */
		if (pa)
			memset(ram_host(pa), 0, PAGE_SIZE);
		return pa;
	}
	/* GFP_PGTABLE_USER charges a task's tables to its memory cgroup (__GFP_ACCOUNT), GFP_PGTABLE_KERNEL not */
	struct page *page = alloc_pages(GFP_KERNEL | __GFP_ZERO | (user ? __GFP_ACCOUNT : 0), 0);
	if (!page)
		return 0;
	if (user)
		pgtable_page_ctor(page);
	return PFN_PHYS(page_to_pfn(page));
}

/*
 * A table page taken from the buddy allocator counts its non-empty entries
 * in page->private (present ones, and a user PTE kept not-present by
 * PROT_NONE), so unmapping knows in O(1) when the table became empty.
 * Boot-time tables (memblock, reserved) are never freed and not counted.
 */
static inline void pt_store(phys_addr_t table, unsigned long idx, pteval_t v)
{
	if (M->pgtable_from_buddy) {
		struct page *tp = pfn_to_page(PFN_DOWN(table));
		/* PAE's pgd_cache objects share a slab page: it counts nothing (private is the slab's counters) */
		if (!PageReserved(tp) && !PageSlab(tp)) /* a whole store: compaction's migrate scanner reads private unlocked (TSan) */
			__atomic_store_n(&tp->private, tp->private + (unsigned long)!!v - (unsigned long)!!pt_read(table, idx),
					 __ATOMIC_RELAXED);
	}
	pt_write(table, idx, v);
}

/*
 * A walk that made tables at levels [first, l) and then could not have the
 * next one: those tables hold nothing but each other, so they go again,
 * bottom-up.  Linux leaves them for free_pgtables() (and never frees the
 * vmalloc area's); kmm frees empty kernel tables from the leaf up when
 * unmapping, a walk that never visits a table with no leaf below it, so
 * one left here would be lost.
 */
static void pt_unmake(const phys_addr_t *parents, int first, int l, unsigned long va)
{
	const struct pt_format *f = pt_fmt();
	if (first < 0 || !M->pgtable_from_buddy)
		return;
	while (l-- > first) {
		unsigned long idx = pt_index(f, l, va);
		struct page *child = pfn_to_page(PFN_DOWN(pte_pa(pt_read(parents[l], idx))));
		pt_store(parents[l], idx, 0);
		MM_BUG_ON_PAGE(child->private, child);
		pgtable_page_free(child);
	}
}

/* The entry for va at `level`, creating the tables above it; 0 if out of memory (nothing made then). */
static phys_addr_t pt_table_in(phys_addr_t root, unsigned long va, int level, pteval_t table_prot)
{
	const struct pt_format *f = pt_fmt();
	phys_addr_t table = root, parents[4];
	int first_made = -1;
	for (int l = 0; l < level; l++) {
		unsigned long idx = pt_index(f, l, va);
		pteval_t e = pt_read(table, idx);
		parents[l] = table;
		if (!(e & _PAGE_PRESENT)) {
			phys_addr_t t = pt_alloc_table(table_prot & _PAGE_USER, va, l + 1);
			if (!t) {
				pt_unmake(parents, first_made, l, va);
				return 0;
			}
			if (first_made < 0)
				first_made = l;
			/* the PAE PDPT takes only the present bit (as the CPU requires) */
			e = t | (f->esize == 8 && f->levels == 3 && l == 0 ? _PAGE_PRESENT : table_prot);
			pt_store(table, idx, e);
		} else if (e & _PAGE_PSE) {
			return 0; /* a large page is in the way */
		}
		table = pte_pa(e);
	}
	return table;
}

static phys_addr_t pt_table_for(unsigned long va, int level)
{
	return pt_table_in(M->swapper_pg_dir, va, level, _KERNPG_TABLE);
}

pteval_t lookup_address(unsigned long va, unsigned int *level)
{
	const struct pt_format *f = pt_fmt();
	phys_addr_t table = M->swapper_pg_dir;
	*level = PG_LEVEL_NONE;
	if (!table)
		return 0;
	for (int l = 0; l < f->levels; l++) {
		pteval_t e = pt_read(table, pt_index(f, l, va));
		if (!(e & _PAGE_PRESENT))
			return 0;
		int size_level = f->levels - 1 - l; /* 0: 4K, 1: 2M/4M, 2: 1G */
		if (l == f->levels - 1 || (e & _PAGE_PSE)) {
			*level = (unsigned)(PG_LEVEL_4K + size_level);
			return e;
		}
		table = pte_pa(e);
	}
	return 0;
}

bool kernel_va_to_phys(unsigned long va, phys_addr_t *pa)
{
	unsigned int level;
	pteval_t e = lookup_address(va, &level);
	if (!level)
		return false;
	const struct pt_format *f = pt_fmt();
	unsigned long page_mask = (1UL << f->shift[f->levels - 1 - (level - PG_LEVEL_4K)]) - 1;
	*pa = (pte_pa(e) & ~(phys_addr_t)page_mask) | (va & page_mask);
	return true;
}

/* Map one large page (level 1 = PMD/PGD-PSE) or one 4 KiB page. */
static int pt_set(unsigned long va, phys_addr_t pa, pteval_t prot, bool large)
{
	const struct pt_format *f = pt_fmt();
	int level = large ? f->large_level : f->levels - 1;
	phys_addr_t table = pt_table_for(va, level);
	if (!table)
		return -ENOMEM;
	pt_store(table, pt_index(f, level, va), pa | prot | (large ? _PAGE_PSE : 0));
	return 0;
}

static pteval_t kernel_prot(pteval_t prot)
{
	/* no NX bit in the 32-bit non-PAE format */
	if (pt_fmt()->esize == 4)
		prot &= ~_PAGE_NX;
	return prot;
}

/*
 * Map nr 4 KiB pages at va: pages[i] if pages is given, else pfn + i;
 * -EBUSY (and nothing more mapped) if an entry is already present, since
 * the host mirror and the TLB may still hold the old one.  The
 * tables are walked once per leaf table, whose entries are then filled in
 * a row (as vmap_pages_range does).
 */
static int map_4k(unsigned long va, unsigned long nr, unsigned long pfn, struct page **pages, pteval_t prot)
{
	const struct pt_format *f = pt_fmt();
	int leaf = f->levels - 1;
	unsigned long per_table = (unsigned long)f->entries[leaf];
	prot = kernel_prot(prot);
	pthread_mutex_lock(&pgtable_lock);
	for (unsigned long i = 0; i < nr;) {
		unsigned long a = va + i * PAGE_SIZE;
		phys_addr_t table = pt_table_for(a, leaf);
		if (!table) {
			pthread_mutex_unlock(&pgtable_lock);
			return -ENOMEM;
		}
		for (unsigned long idx = pt_index(f, leaf, a); idx < per_table && i < nr; idx++, i++) {
			if (pt_read(table, idx) & _PAGE_PRESENT) {
				/* as vmap_pte_range: mapping over a live entry is a caller's bug */
				pthread_mutex_unlock(&pgtable_lock);
				printk(KERN_WARNING "WARNING: vmap_pte_range: %#lx is already mapped\n", va + i * PAGE_SIZE);
				return -EBUSY;
			}
			pt_store(table, idx, PFN_PHYS(pages ? page_to_pfn(pages[i]) : pfn + i) | prot);
		}
	}
	pthread_mutex_unlock(&pgtable_lock);
	return 0;
}

int kernel_map_pages(unsigned long va, unsigned long pfn, unsigned long nr, pteval_t prot)
{
	return map_4k(va, nr, pfn, NULL, prot);
}

int kernel_map_page_array(unsigned long va, struct page **pages, unsigned long nr, pteval_t prot)
{
	return map_4k(va, nr, 0, pages, prot);
}

/* Clear 4 KiB entries; give back tables that became empty (never boot-time ones). No TLB flush. */
void kernel_unmap_pages_noflush(unsigned long va, unsigned long nr)
{
	const struct pt_format *f = pt_fmt();
	int leaf = f->levels - 1;
	pthread_mutex_lock(&pgtable_lock);
	for (unsigned long i = 0; i < nr;) {
		unsigned long a = va + i * PAGE_SIZE;
		/* what is left of this leaf table's span */
		unsigned long span = (unsigned long)f->entries[leaf] - pt_index(f, leaf, a);
		phys_addr_t path[4];
		phys_addr_t table = M->swapper_pg_dir;
		int l;
		for (l = 0; l < leaf; l++) {
			path[l] = table;
			pteval_t e = pt_read(table, pt_index(f, l, a));
			if (!(e & _PAGE_PRESENT) || (e & _PAGE_PSE))
				break;
			table = pte_pa(e);
		}
		if (l < leaf) { /* no 4 KiB table here: skip the span it would cover */
			i += span;
			continue;
		}
		path[l] = table;
		for (unsigned long idx = pt_index(f, leaf, a); idx < (unsigned long)f->entries[leaf] && i < nr; idx++, i++)
			pt_store(table, idx, 0);
		/* free empty tables bottom-up, up to (not including) the root */
		for (; l > 0; l--) {
			struct page *tp = pfn_to_page(PFN_DOWN(path[l]));
			if (PageReserved(tp) || tp->private)
				break;
			pt_store(path[l - 1], pt_index(f, l - 1, a), 0);
			pgtable_page_free(tp);
		}
	}
	pthread_mutex_unlock(&pgtable_lock);
}

/* The TLB, and the host mirror that stands for it, forget [start, end). */
void flush_tlb_kernel_range(unsigned long start, unsigned long end)
{
	kmm_window_unmap(start, end - start);
	__atomic_fetch_add(&M->tlb_flushes, 1, __ATOMIC_RELAXED);
}

/* This CPU's TLB entry for one kernel page (kmap_atomic's slots): no IPI. */
void flush_tlb_one_kernel(unsigned long va)
{
	kmm_window_unmap(va & PAGE_MASK, PAGE_SIZE);
	__atomic_fetch_add(&M->tlb_flushes_local, 1, __ATOMIC_RELAXED);
}

void kernel_unmap_pages(unsigned long va, unsigned long nr)
{
	kernel_unmap_pages_noflush(va, nr);
	flush_tlb_kernel_range(va, va + nr * PAGE_SIZE); /* one flush for the batch */
}

/*
 * Boot: the leaf tables of [va, va + size) now, from memblock, so mapping
 * there later never allocates (page_table_range_init() for the fixmap and
 * PKMAP areas: kmap_atomic must not allocate, and they stay for good).
 */
int kernel_pgtable_prealloc(unsigned long va, unsigned long size)
{
	return kernel_pgtable_prealloc_depth(va, size, pt_fmt()->levels - 1);
}

/*
 * i386's page_table_range_init() for the fixmap with HIGHMEM
 * (arch/x86/mm/init_32.c): kmap_atomic reaches its slots as one array of
 * PTEs, so when the slots of all CPUs span several PMDs, the PTE tables of
 * those PMDs must follow each other in memory.  Linux takes that many pages
 * in a row from alloc_low_pages() before the walk and copies each such
 * PMD's table into the next of them (page_table_kmap_check); the table it
 * replaces stays reserved and unused.  On i386 without PAE the slots fit
 * one PMD and nothing is copied; with PAE they do not.
 */
int kernel_pgtable_prealloc_fixmap(unsigned long va, unsigned long size, unsigned long kmap_lo, unsigned long kmap_hi)
{
	const struct pt_format *f = pt_fmt();
	int leaf = f->levels - 1;
	unsigned long span = 1UL << f->shift[leaf - 1], first = va & ~(span - 1), count = 0;
	unsigned long kb = kmap_lo / span, ke = kmap_hi / span;
	for (unsigned long a = first; kb != ke && a < va + size && a >= first; a += span)
		count += a / span >= kb && a / span <= ke;
	phys_addr_t adr = count ? alloc_low_pages(count) : 0;
	if (count && !adr)
		return -ENOMEM;
	for (unsigned long a = first; a < va + size && a >= first; a += span) {
		phys_addr_t t = pt_table_for(a, leaf);
		if (!t)
			return -ENOMEM;
		if (!count || a / span < kb || a / span > ke)
			continue;
		phys_addr_t pmd = pt_table_for(a, leaf - 1);
		unsigned long idx = pt_index(f, leaf - 1, a);
		pteval_t e = pt_read(pmd, idx);
		memcpy(ram_host(adr), ram_host(t), PAGE_SIZE);
		pt_write(pmd, idx, adr | (e & ~PTE_PFN_MASK));
		adr += PAGE_SIZE;
	}
	return 0;
}

/*
 * The same down to the tables `depth` levels below the root (1: x86_64's
 * PUD pages, preallocate_vmalloc_pages).  Tables made from the buddy
 * allocator this way are kept for good (PG_reserved: unmapping never frees
 * them), as Linux never frees the kernel's upper tables.
 */
int kernel_pgtable_prealloc_depth(unsigned long va, unsigned long size, int depth)
{
	const struct pt_format *f = pt_fmt();
	unsigned long span = 1UL << f->shift[depth - 1];
	for (unsigned long a = va & ~(span - 1); a < va + size && a >= (va & ~(span - 1)); a += span) {
		phys_addr_t t = pt_table_for(a, depth);
		if (!t)
			return -ENOMEM;
		if (M->pgtable_from_buddy)
			SetPageReserved(pfn_to_page(PFN_DOWN(t)));
	}
	return 0;
}

/*
 * The direct map, as init_mem_mapping() builds it: large pages for whole
 * aligned blocks of RAM, 4 KiB pages for the first block (fixed-size MTRRs
 * live there) and for ragged edges.
 */
int init_kernel_page_tables(void)
{
	const struct pt_format *f = pt_fmt();
	M->swapper_pg_dir = pt_alloc_table(false, 0, 0);
	if (!M->swapper_pg_dir)
		return -ENOMEM;
	unsigned long large = 1UL << (f->shift[f->large_level] - PAGE_SHIFT);
	unsigned long end = M->prof->bits == 64 ? M->max_pfn : M->max_low_pfn;
	pteval_t prot = kernel_prot(__PAGE_KERNEL);
	const struct memblock_type *mem = &M->memblock.memory;
	for (unsigned long i = 0; i < mem->cnt; i++) {
		unsigned long s = PFN_DOWN(mem->regions[i].base);
		unsigned long e = min(PFN_DOWN(mem->regions[i].base + mem->regions[i].size), end);
		/* arm64's map_mem() walks the memory ranges without MEMBLOCK_NOMAP: a no-map region has no linear alias */
		if (M->prof->arch == KMM_ARCH_ARM64 && (mem->regions[i].flags & MEMBLOCK_NOMAP))
			continue;
		if (M->prof->arch == KMM_ARCH_ARM64 && s < e) {
			/* can_set_direct_map() (KFENCE): no block mappings; each leaf table filled in a row */
			int ret = map_4k(M->layout.page_offset + (s << PAGE_SHIFT), e - s, s, NULL, prot);
			if (ret)
				return ret;
			M->direct_map_4k += e - s;
			continue;
		}
		for (unsigned long pfn = s; pfn < e;) {
			unsigned long va = M->layout.page_offset + (pfn << PAGE_SHIFT);
			bool big = pfn >= large && IS_ALIGNED(pfn, large) && pfn + large <= e;
			int ret = pt_set(va, PFN_PHYS(pfn), prot, big);
			if (ret)
				return ret;
			if (big)
				M->direct_map_large += large;
			else
				M->direct_map_4k++;
			pfn += big ? large : 1;
		}
	}
	return 0;
}

/* ---- user page tables -------------------------------------------------------------- */

/*
 * A process's page directory (pgd_alloc): a fresh table whose kernel half
 * repeats swapper_pg_dir's entries, so the kernel is mapped the same in
 * every address space.  With PAE the PDPT's last entry (the kernel's 1 GiB)
 * is shared the same way, and its three user entries get their PMD tables
 * at once (preallocate_pmds: a PDPT entry is loaded with CR3 and cannot be
 * filled in later on a fault); they count as the task's page tables
 * (NR_PAGETABLE, VmPTE) as pgtable_pmd_page_ctor counts them.  0 if
 * memory runs out (nothing is left then).
 *
 * x86_64 built with PAGE_TABLE_ISOLATION (Debian's) takes an order-1 block
 * (PGD_ALLOCATION_ORDER): PTI's user half is the second page, 8 KiB
 * aligned so a bit of CR3 flips between them.  kmm's CPUs run with the
 * first; the second is allocated and freed with it, and its order-1 free
 * at exit is what 6.1's per-CPU lists see (free_high drains them).
 *
 * i386-pae's PDPT is 4 entries, 32 bytes: with the kernel's PMD shared
 * (SHARED_KERNEL_PMD: PTI not running, as on the CPUs kmm's machines
 * model - QEMU's, which do not have the Meltdown bug) _pgd_alloc takes it
 * from the "pgd_cache" slab (32-byte objects, 32-byte aligned), made by
 * pgtable_cache_init() after kmem_cache_init(); a page otherwise.
 *
 * 32-bit ARM (arch/arm/mm/pgd.c): without LPAE the first-level table is
 * 16 KiB, an order-2 block (kmm's i386-format table is its first page; the
 * rest is allocated and freed with it); with LPAE it is kmalloc()ed (4
 * entries, 32 bytes), and pgd_alloc makes the PMD table of the user
 * gigabyte that holds the modules and PKMAP at once (MODULES_VADDR, just
 * below PAGE_OFFSET) - the other user PMDs come on demand, not
 * preallocated as x86's PAE does.  Neither is charged to a memory cgroup
 * (GFP_KERNEL, not GFP_PGTABLE_USER).
 */
static bool pgd_arm(void)
{
	return M->prof->arch == KMM_ARCH_ARM;
}

static unsigned int pgd_order(void)
{
	if (pgd_arm() && !M->prof->pae)
		return 2;
	return M->prof->arch == KMM_ARCH_X86 && M->prof->bits == 64 && M->kconfig.pti ? 1 : 0;
}

/* the page directory is a slab object: PAE's pgd_cache, or ARM LPAE's kmalloc */
static bool pgd_in_slab(void)
{
	return M->pgd_cache || (pgd_arm() && M->prof->pae);
}

void pgtable_cache_init(void)
{
	const struct pt_format *f = pt_fmt();
	M->pgd_cache = NULL;
	if (M->prof->arch == KMM_ARCH_X86 && M->prof->pae) {
		unsigned int size = (unsigned int)(f->entries[0] * f->esize); /* PGD_SIZE */
		M->pgd_cache = kmem_cache_create("pgd_cache", size, size, SLAB_PANIC, NULL);
	}
}

/* the table's page directory: a page (order pgd_order()) or a slab object */
static phys_addr_t pgd_table_alloc(void)
{
	/* _pgd_alloc's GFP_PGTABLE_USER: the current task's memory cgroup is charged for it; ARM's GFP_KERNEL */
	const gfp_t gfp = GFP_KERNEL | __GFP_ZERO | (pgd_arm() ? 0 : __GFP_ACCOUNT);
	if (pgd_in_slab()) {
		size_t size = (size_t)(pt_fmt()->entries[0] * pt_fmt()->esize);
		void *obj = M->pgd_cache ? kmem_cache_alloc(M->pgd_cache, gfp) : kmalloc(size, gfp);
		return obj ? page_to_phys(lowmem_virt_to_page(obj)) + ((uintptr_t)obj & ~PAGE_MASK) : 0;
	}
	struct page *page = alloc_pages(gfp, pgd_order());
	return page ? page_to_phys(page) : 0;
}

static void pgd_table_free(phys_addr_t pgd)
{
	struct page *page = pfn_to_page(PFN_DOWN(pgd));
	if (pgd_in_slab()) {
		void *obj = (char *)lowmem_page_address(page) + (pgd & ~PAGE_MASK);
		if (M->pgd_cache)
			kmem_cache_free(M->pgd_cache, obj);
		else
			kfree(obj);
		return;
	}
	__atomic_store_n(&page->private, 0UL, __ATOMIC_RELAXED); /* the entries it counted (whole: compaction reads it) */
	MM_BUG_ON_PAGE(PageTable(page), page); /* 6.1 counts no PGD in NR_PAGETABLE */
	__free_pages(page, pgd_order());
}

phys_addr_t pgd_alloc(void)
{
	const struct pt_format *f = pt_fmt();
	phys_addr_t pgd = pgd_table_alloc();
	if (!pgd)
		return 0;
	unsigned long first = pt_index(f, 0, kernel_va_start());
	phys_addr_t pmds[4] = { 0 };
	bool pae = f->esize == 8 && f->levels == 3;
	/* x86 PAE: every user PMD (preallocate_pmds); ARM LPAE: the modules' and PKMAP's only */
	unsigned long lo = pae && pgd_arm() ? pt_index(f, 0, M->layout.modules_vaddr) : 0;
	for (unsigned long i = lo; pae && i < first; i++) {
		if (!(pmds[i] = pt_alloc_table(true, 0, 1))) {
			while (i-- > lo)
				pgtable_page_free(pfn_to_page(PFN_DOWN(pmds[i])));
			pgd_table_free(pgd);
			return 0;
		}
	}
	pthread_mutex_lock(&pgtable_lock);
	/* arm64: the kernel half is TTBR1's swapper_pg_dir; a process's pgd holds its user half only */
	if (M->prof->arch == KMM_ARCH_ARM64)
		first = (unsigned long)f->entries[0];
	for (unsigned long i = first; i < (unsigned long)f->entries[0]; i++) {
		pteval_t e = pt_read(M->swapper_pg_dir, i);
		if (e & _PAGE_PRESENT)
			pt_store(pgd, i, e);
	}
	for (unsigned long i = lo; pae && i < first; i++)
		pt_store(pgd, i, pmds[i] | _PAGE_PRESENT); /* pgd_prepopulate_pmd: the PDPT takes the present bit only */
	pthread_mutex_unlock(&pgtable_lock);
	return pgd;
}

void pgd_free(phys_addr_t pgd)
{
	const struct pt_format *f = pt_fmt();
	unsigned long first = pt_index(f, 0, kernel_va_start());
	for (unsigned long i = 0; f->esize == 8 && f->levels == 3 && i < first; i++) {
		pteval_t e = pt_read(pgd, i); /* pgd_mop_up_pmds: what free_pgtables left */
		if (e & _PAGE_PRESENT) {
			struct page *pmd = pfn_to_page(PFN_DOWN(pte_pa(e)));
			MM_BUG_ON_PAGE(pmd->private, pmd);
			pgtable_page_free(pmd);
		}
	}
	pgd_table_free(pgd);
}

/* The leaf table and index of va in an address space, made on demand if alloc; 0 if none. */
phys_addr_t user_pte_table(phys_addr_t pgd, unsigned long va, bool alloc, unsigned long *idx)
{
	const struct pt_format *f = pt_fmt();
	int leaf = f->levels - 1;
	*idx = pt_index(f, leaf, va);
	phys_addr_t table = pgd;
	for (int l = 0; l < leaf && table; l++) {
		pteval_t e = pt_read(table, pt_index(f, l, va));
		table = (e & _PAGE_PRESENT) ? pte_pa(e) : 0;
	}
	if (table || !alloc)
		return table;
	/* a missing table: made under the lock, as pte_alloc takes it only then */
	pthread_mutex_lock(&pgtable_lock);
	table = pt_table_in(pgd, va, leaf, _KERNPG_TABLE | _PAGE_USER);
	pthread_mutex_unlock(&pgtable_lock);
	return table;
}

pteval_t pte_get(phys_addr_t table, unsigned long idx)
{
	return pt_read(table, idx);
}

void pte_set(phys_addr_t table, unsigned long idx, pteval_t v)
{
	pt_store(table, idx, kernel_prot(v));
}

/* Free the user part's tables that hold no entry any more (free_pgtables); all of them if all. */
/*
 * Where a process's page directory stops holding user entries: x86_64's
 * user half (1 << 47), arm64's TTBR0 table whole (1 << VA_BITS; the kernel
 * is TTBR1's), a 32-bit PGD's entries below PAGE_OFFSET.
 */
static unsigned long user_va_end(void)
{
	if (M->prof->arch == KMM_ARCH_ARM64)
		return 1UL << 48;
	return M->prof->bits == 64 ? 1UL << 47 : kernel_va_start(); /* 32-bit: PAGE_OFFSET (ARM's is not __va's bias) */
}

static void free_tables_below(phys_addr_t table, int l, unsigned long base, unsigned long start, unsigned long end)
{
	const struct pt_format *f = pt_fmt();
	int leaf = f->levels - 1;
	if (l == leaf)
		return; /* a leaf table's entries are pages, not tables */
	unsigned long span = 1UL << f->shift[l];
	/* only the entries that cover [start, end): this table's range overlaps it */
	unsigned long first = start > base ? (start - base) / span : 0, last = (end - 1 - base) / span;
	if (last >= (unsigned long)f->entries[l])
		last = (unsigned long)f->entries[l] - 1;
	for (unsigned long i = first; i <= last; i++) {
		unsigned long a = base + i * span;
		if (a >= user_va_end())
			break; /* the kernel's half from here on */
		pteval_t e = pt_read(table, i);
		if (!(e & _PAGE_PRESENT) || (e & _PAGE_PSE))
			continue;
		phys_addr_t child = pte_pa(e);
		free_tables_below(child, l + 1, a, start, end);
		struct page *cp = pfn_to_page(PFN_DOWN(child));
		if (!cp->private && !(l == 0 && f->esize == 8 && f->levels == 3)) { /* PAE's PMDs stay until pgd_free */
			pt_store(table, i, 0);
			pgtable_page_free(cp);
		}
	}
}

void user_free_pgtables(phys_addr_t pgd, unsigned long start, unsigned long end)
{
	if (start >= end)
		return;
	pthread_mutex_lock(&pgtable_lock);
	free_tables_below(pgd, 0, 0, start, end);
	pthread_mutex_unlock(&pgtable_lock);
}

/* Bytes of address space one leaf table maps (4 MiB, or 2 MiB with 8-byte entries). */
unsigned long user_pte_span(void)
{
	const struct pt_format *f = pt_fmt();
	return 1UL << f->shift[f->levels - 2];
}

static unsigned long count_tables(phys_addr_t table, int l, unsigned long base)
{
	const struct pt_format *f = pt_fmt();
	unsigned long n = 0, span = 1UL << f->shift[l];
	if (l == f->levels - 1)
		return 0;
	for (unsigned long i = 0; i < (unsigned long)f->entries[l]; i++) {
		unsigned long a = base + i * span;
		if (a >= user_va_end())
			break;
		pteval_t e = pt_read(table, i);
		if ((e & _PAGE_PRESENT) && !(e & _PAGE_PSE))
			n += 1 + count_tables(pte_pa(e), l + 1, a);
	}
	return n;
}

/* Page-table pages below a process's page directory, in its user half (mm_pgtables_bytes / PAGE_SIZE). */
unsigned long user_pgtable_pages(phys_addr_t pgd)
{
	return count_tables(pgd, 0, 0);
}

/* ---- swap entries in PTEs ------------------------------------------------------------------ */

/*
 * A swapped-out page's PTE holds its swap entry, not present and not
 * PROT_NONE, in each profile's format (arch/x86/include/asm/pgtable-*.h):
 *   i386, 2 levels: type in bits 1-5, offset from bit 9 (_PAGE_BIT_PROTNONE + 1),
 *     in the 32-bit entry;
 *   PAE and x86_64: type in the top 5 bits, the offset inverted from bit 9
 *     up (L1TF: a not-present entry never points at real memory); PAE's
 *     swp_entry_t is 32 bits (type | offset << 5), so its offsets stop at 2^27.
 */
#define SWP_TYPE_BITS 5
#define SWP_OFFSET_FIRST_BIT 9
#define SWP_OFFSET_SHIFT (SWP_OFFSET_FIRST_BIT + SWP_TYPE_BITS)

pteval_t swp_entry_to_pte(swp_entry_t entry)
{
	u64 type = swp_type(entry), offset = swp_offset(entry);
	if (M->prof->bits == 32 && !M->prof->pae)
		return (u32)((type << 1) | (offset << SWP_OFFSET_FIRST_BIT));
	if (M->prof->pae)
		offset &= (1ULL << (32 - SWP_TYPE_BITS)) - 1; /* the 32-bit arch entry */
	return (~offset << SWP_OFFSET_SHIFT >> SWP_TYPE_BITS) | (type << (64 - SWP_TYPE_BITS));
}

swp_entry_t pte_to_swp_entry(pteval_t pte)
{
	if (M->prof->bits == 32 && !M->prof->pae) {
		u32 v = (u32)pte;
		return swp_entry((v >> 1) & ((1U << SWP_TYPE_BITS) - 1), v >> SWP_OFFSET_FIRST_BIT);
	}
	return swp_entry((unsigned)(pte >> (64 - SWP_TYPE_BITS)), (unsigned long)(~pte << SWP_TYPE_BITS >> SWP_OFFSET_SHIFT));
}

/* generic_max_swapfile_size: one more than the largest offset a PTE can carry */
unsigned long max_swapfile_size(void)
{
	return swp_offset(pte_to_swp_entry(swp_entry_to_pte(swp_entry(0, SWP_OFFSET_MASK)))) + 1;
}
