/*
 * task_mmu.c - the views of one process's memory, as Linux 6.1's
 * fs/proc/task_mmu.c prints them: PID/smaps, PID/smaps_rollup, PID/statm
 * and PID/pagemap, plus kmm's own text dump of the PTEs (PID/kmm/pagemap).
 *
 * Every figure comes from walking the task's page tables (walk_ptes) and
 * reading the struct page each PTE maps, under the task's mmap_lock, as
 * Linux's walk_page_vma does:
 *
 *   PTE ---> frame ---> struct page: _mapcount, PageAnon, page_is_shmem,
 *                                    PG_dirty
 *     |                  (none for the zero page: vm_normal_page() says
 *     |                   it is no "normal" page, so it counts nowhere)
 *     +-- _PAGE_DIRTY, _PAGE_ACCESSED: dirty and referenced
 *
 * Rss counts the pages a VMA maps; Pss shares each among its mappers
 * (PAGE_SIZE / mapcount, in fixed point with PSS_SHIFT bits, as Linux
 * does to keep the fractions); Shared_* are the pages mapped more than
 * once, Private_* the others; "Dirty" is the PTE's bit or the page's.
 * Swap is the PTEs' swap entries, SwapPss their share (a slot held by
 * n PTEs counts 1/n); a shmem mapping's Swap adds its file's pages out
 * on swap in its range (shmem_swap_usage; no SwapPss for them, as in
 * 6.1).  The lines kmm has no notion of - LazyFree (no MADV_FREE), the
 * THP and hugetlb sizes (no huge pages are ever mapped) - are printed as
 * Linux prints them when the thing is absent: 0 kB.
 * THPeligible says what hugepage_vma_check() says for the VMA: an
 * anonymous VMA that holds an aligned huge page, on a profile whose
 * configuration has THP (Debian's: enabled=always; shmem huge=never and
 * no READ_ONLY_THP_FOR_FS, so file and shmem VMAs are not eligible).
 * No ProtectionKey line: kmm's CPUs have no protection keys.
 *
 * pagemap is binary, 8 bytes per virtual page, read at offset
 * (vaddr / PAGE_SIZE) * 8 (Documentation/admin-guide/mm/pagemap.rst):
 *
 *   63 present  62 swapped  61 file-page or shared-anon  56 exclusively
 *   mapped (mapcount 1)  55 soft-dirty  0-54 the PFN (present pages)
 *
 * Soft-dirty exists only where Debian's build has CONFIG_MEM_SOFT_DIRTY
 * (x86_64): every VMA is made VM_SOFTDIRTY and nothing (no clear_refs)
 * ever clears it, so every page inside a VMA reads soft-dirty there, as
 * on a fresh Linux process; smaps' VmFlags show it as "sd".  The reader
 * is taken to be privileged (CAP_SYS_ADMIN), so PFNs are shown.
 */
#include "internal.h"

#include <kmm/task.h>

#define PSS_SHIFT 12 /* fixed-point bits of the proportional share, as Linux */

#define VM_SOFTDIRTY 0x08000000UL /* Linux's bit: shown on the profiles whose build has CONFIG_MEM_SOFT_DIRTY */

/* Debian's amd64 build has CONFIG_MEM_SOFT_DIRTY; 32-bit x86 cannot (HAVE_ARCH_SOFT_DIRTY is x86_64's). */
static bool mem_soft_dirty(void)
{
	return M->prof->bits == 64;
}

/* The flags Linux would hold for the VMA: kmm's own, and VM_SOFTDIRTY where the build has it. */
static unsigned long vma_shown_flags(const struct vm_area_struct *v)
{
	return v->vm_flags | (mem_soft_dirty() ? VM_SOFTDIRTY : 0);
}

/* ---- smaps, smaps_rollup -------------------------------------------------------------------- */

struct mem_size_stats {
	unsigned long resident;      /* bytes of the pages mapped */
	unsigned long shared_clean;  /* ... mapped more than once, clean */
	unsigned long shared_dirty;  /* ... mapped more than once, dirty */
	unsigned long private_clean; /* ... mapped once, clean */
	unsigned long private_dirty; /* ... mapped once, dirty */
	unsigned long referenced;    /* ... with the accessed bit */
	unsigned long anonymous;     /* ... that are anonymous */
	u64 pss;                     /* Σ PAGE_SIZE / mapcount, << PSS_SHIFT */
	u64 pss_dirty;               /* its part of the dirty pages */
	u64 pss_anon, pss_file, pss_shmem; /* its parts by kind: pss == Σ of the three */
	u64 pss_locked;              /* its part in VM_LOCKED VMAs */
	unsigned long swap;          /* bytes of swap entries in the PTEs */
	u64 swap_pss;                /* Σ PAGE_SIZE / the slot's holders, << PSS_SHIFT */
	bool locked;                 /* the VMA walked now is VM_LOCKED */
};

/* smaps_pte_entry + smaps_account for one PTE that maps a page. */
static void smaps_pte(unsigned long addr, phys_addr_t table, unsigned long idx, pteval_t pte, void *arg)
{
	struct mem_size_stats *mss = arg;
	if (is_swap_pte(pte)) { /* smaps_pte_entry's swap entry: Swap, and its share in SwapPss */
		int holders = swap_count(pte_to_swp_entry(pte));
		mss->swap += PAGE_SIZE;
		mss->swap_pss += ((u64)PAGE_SIZE << PSS_SHIFT) / (u64)(holders > 1 ? holders : 1);
		return;
	}
	unsigned long pfn = PHYS_PFN(pte & PTE_PFN_MASK);
	if (pfn == zero_pfn() || !pfn_valid(pfn))
		return; /* not a "normal" page (vm_normal_page) */
	struct page *page = pfn_to_page(pfn);
	int mapcount = page_mapcount(page);
	bool dirty = (pte & _PAGE_DIRTY) || (page_flags(page) & (1UL << PG_dirty));
	/* a page only this PTE holds counts as private whatever its mapcount says (page_count == 1) */
	bool private = page_ref_count(page) == 1 || mapcount < 2;
	u64 pss = ((u64)PAGE_SIZE << PSS_SHIFT) / (u64)(private ? 1 : mapcount);
	mss->resident += PAGE_SIZE;
	if ((pte & _PAGE_ACCESSED) || (page_flags(page) & (1UL << PG_referenced)))
		mss->referenced += PAGE_SIZE;
	if (PageAnon(page))
		mss->anonymous += PAGE_SIZE;
	if (private) {
		if (dirty)
			mss->private_dirty += PAGE_SIZE;
		else
			mss->private_clean += PAGE_SIZE;
	} else if (dirty) {
		mss->shared_dirty += PAGE_SIZE;
	} else {
		mss->shared_clean += PAGE_SIZE;
	}
	mss->pss += pss;
	if (PageAnon(page))
		mss->pss_anon += pss;
	else if (page_is_shmem(page))
		mss->pss_shmem += pss;
	else
		mss->pss_file += pss;
	if (dirty)
		mss->pss_dirty += pss;
	if (mss->locked)
		mss->pss_locked += pss;
}

static void smap_gather_stats(struct mm_struct *mm, const struct vm_area_struct *v, struct mem_size_stats *mss)
{
	mss->locked = v->vm_flags & VM_LOCKED;
	walk_ptes_swap(mm, v->vm_start, v->vm_end, smaps_pte, mss);
	/* a shared shmem mapping's pages out on swap are no PTE's: shmem_swap_usage over its range */
	if (v->vm_file && v->vm_file->f_inode->shmem)
		mss->swap += shmem_swap_usage(v->vm_file->f_inode, v->vm_pgoff, (v->vm_end - v->vm_start) >> PAGE_SHIFT);
}

/* __show_smap(): the lines smaps and smaps_rollup share; the Pss parts by kind only in the rollup. */
static void __show_smap(struct strbuf *sb, const struct mem_size_stats *mss, bool rollup)
{
	const struct { const char *name; u64 bytes; bool rollup_only; } rows[] = {
		{ "Rss:", mss->resident, false },
		{ "Pss:", mss->pss >> PSS_SHIFT, false },
		{ "Pss_Dirty:", mss->pss_dirty >> PSS_SHIFT, false },
		{ "Pss_Anon:", mss->pss_anon >> PSS_SHIFT, true },
		{ "Pss_File:", mss->pss_file >> PSS_SHIFT, true },
		{ "Pss_Shmem:", mss->pss_shmem >> PSS_SHIFT, true },
		{ "Shared_Clean:", mss->shared_clean, false },
		{ "Shared_Dirty:", mss->shared_dirty, false },
		{ "Private_Clean:", mss->private_clean, false },
		{ "Private_Dirty:", mss->private_dirty, false },
		{ "Referenced:", mss->referenced, false },
		{ "Anonymous:", mss->anonymous, false },
		{ "LazyFree:", 0, false },       /* no MADV_FREE */
		{ "AnonHugePages:", 0, false },  /* no THP is ever mapped */
		{ "ShmemPmdMapped:", 0, false },
		{ "FilePmdMapped:", 0, false },
		{ "Shared_Hugetlb:", 0, false }, /* no hugetlbfs */
		{ "Private_Hugetlb:", 0, false },
		{ "Swap:", mss->swap, false },
		{ "SwapPss:", mss->swap_pss >> PSS_SHIFT, false },
		{ "Locked:", mss->pss_locked >> PSS_SHIFT, false },
	};
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		if (rollup || !rows[i].rollup_only) /* name and number fill 24 columns, as seq_put_decimal_ull_width */
			sb_printf(sb, "%-16s%8llu kB\n", rows[i].name, (unsigned long long)(rows[i].bytes >> 10));
}

/*
 * hugepage_vma_check(vma, flags, smaps=true, in_pf=false, enforce_sysfs=true)
 * for kmm's VMAs: only anonymous ones can be, and they must hold one
 * aligned huge page (transhuge_vma_suitable at vm_end - HPAGE_PMD_SIZE).
 */
static bool thp_eligible(const struct vm_area_struct *v)
{
	unsigned long hpage = 1UL << M->prof->pmd_shift;
	if (!M->prof->thp || v->vm_file)
		return false;
	unsigned long haddr = (v->vm_end - hpage) & ~(hpage - 1);
	return v->vm_end >= hpage && haddr >= v->vm_start && haddr + hpage <= v->vm_end;
}

/* show_smap_vma_flags(): two letters per flag, in bit order; a bit Linux has no name for (VM_LOCKONFAULT ...) is left out, as 6.1 skips it. */
static void show_smap_vma_flags(struct strbuf *sb, unsigned long flags)
{
	static const char *const mnemonics[32] = {
		"rd", "wr", "ex", "sh", "mr", "mw", "me", "ms", /* VM_READ .. VM_MAYSHARE */
		"gd", "um", "pf", "??", "uw", "lo", "io", "sr", /* VM_GROWSDOWN, UFFD_MISSING, PFNMAP, -, UFFD_WP, LOCKED, IO, SEQ_READ */
		"rr", "dc", "de", "??", "ac", "nr", "ht", "sf", /* RAND_READ, DONTCOPY, DONTEXPAND, LOCKONFAULT, ACCOUNT, NORESERVE, HUGETLB, SYNC */
		"ar", "wf", "dd", "sd", "mm", "hg", "nh", "mg", /* ARCH_1, WIPEONFORK, DONTDUMP, SOFTDIRTY, MIXEDMAP, HUGEPAGE, NOHUGEPAGE, MERGEABLE */
	};
	sb_printf(sb, "VmFlags: ");
	for (int i = 0; i < 32; i++)
		if ((flags & (1UL << i)) && strcmp(mnemonics[i], "??"))
			sb_printf(sb, "%s ", mnemonics[i]);
	sb_printf(sb, "\n");
}

/* show_smap(): the maps line, the sizes, the page counts, THPeligible and VmFlags of every VMA. */
void show_smaps(struct strbuf *sb, struct task_struct *t, struct mm_struct *mm)
{
	mmap_write_lock(mm);
	struct vm_area_struct *v;
	VMA_ITERATOR(vmi, mm, 0);
	for_each_vma(vmi, v) {
		struct mem_size_stats mss = { 0 };
		smap_gather_stats(mm, v, &mss);
		show_map_vma(sb, mm, v);
		sb_printf(sb, "%-16s%8lu kB\n", "Size:", (v->vm_end - v->vm_start) >> 10);
		sb_printf(sb, "%-16s%8lu kB\n", "KernelPageSize:", PAGE_SIZE >> 10);
		sb_printf(sb, "%-16s%8lu kB\n", "MMUPageSize:", PAGE_SIZE >> 10);
		__show_smap(sb, &mss, false);
		sb_printf(sb, "THPeligible:    %d\n", thp_eligible(v));
		show_smap_vma_flags(sb, vma_shown_flags(v));
	}
	mmap_write_unlock(mm);
}

/* show_smaps_rollup(): every VMA's counts summed, under one line spanning them all. */
void show_smaps_rollup(struct strbuf *sb, struct task_struct *t, struct mm_struct *mm)
{
	struct mem_size_stats mss = { 0 };
	mmap_write_lock(mm);
	unsigned long first = 0, last = 0;
	struct vm_area_struct *v;
	VMA_ITERATOR(vmi, mm, 0);
	for_each_vma(vmi, v) {
		smap_gather_stats(mm, v, &mss);
		first = first ? first : v->vm_start;
		last = v->vm_end;
	}
	mmap_write_unlock(mm);
	char head[96];
	snprintf(head, sizeof(head), "%08lx-%08lx ---p 00000000 00:00 0 ", first, last);
	sb_printf(sb, "%-*s %s\n", 25 + (M->prof->bits == 64 ? 8 : 4) * 6 - 1, head, "[rollup]");
	__show_smap(sb, &mss, true);
}

/* ---- statm ------------------------------------------------------------------------------- */

/*
 * task_statm(), in pages: size (total_vm), resident, shared (file and
 * shmem pages), text (the code's pages), lib (0 since Linux 2.6), data
 * (data_vm + stack_vm), dt (0: dirty pages are no longer counted here).
 */
/* task_mem() and hugetlb_report_usage(): the memory lines of /proc/PID/status (mmap_lock held) */
void task_mem(struct strbuf *sb, struct mm_struct *mm)
{
	unsigned long anon = mm->rss[MM_ANONPAGES], file = mm->rss[MM_FILEPAGES], shmem = mm->rss[MM_SHMEMPAGES];
	unsigned long rss = anon + file + shmem;
	unsigned long text = mm->end_code ? (ALIGN(mm->end_code, PAGE_SIZE) - (mm->start_code & PAGE_MASK)) : 0;
	text = min(text, mm->exec_vm << PAGE_SHIFT);
	unsigned long lib = (mm->exec_vm << PAGE_SHIFT) - text;
#define KB(pages) ((pages) << (PAGE_SHIFT - 10))
	sb_printf(sb, "VmPeak:\t%8lu kB\nVmSize:\t%8lu kB\nVmLck:\t%8lu kB\nVmPin:\t%8lu kB\n",
		  KB(max(mm->hiwater_vm, mm->total_vm)), KB(mm->total_vm), KB(mm->locked_vm), 0UL);
	sb_printf(sb, "VmHWM:\t%8lu kB\nVmRSS:\t%8lu kB\nRssAnon:\t%8lu kB\nRssFile:\t%8lu kB\nRssShmem:\t%8lu kB\n",
		  KB(max(mm->hiwater_rss, rss)), KB(rss), KB(anon), KB(file), KB(shmem));
	sb_printf(sb, "VmData:\t%8lu kB\nVmStk:\t%8lu kB\nVmExe:\t%8lu kB\nVmLib:\t%8lu kB\nVmPTE:\t%8lu kB\n",
		  KB(mm->data_vm), KB(mm->stack_vm), text >> 10, lib >> 10, KB(user_pgtable_pages(mm->pgd)));
	sb_printf(sb, "VmSwap:\t%8lu kB\nHugetlbPages:\t%8lu kB\n", KB(get_mm_counter(mm, MM_SWAPENTS)), 0UL); /* no hugetlbfs */
#undef KB
}

void proc_pid_statm(struct strbuf *sb, struct task_struct *t, struct mm_struct *mm)
{
	mmap_write_lock(mm);
	unsigned long shared = mm->rss[MM_FILEPAGES] + mm->rss[MM_SHMEMPAGES];
	unsigned long resident = shared + mm->rss[MM_ANONPAGES];
	unsigned long text = mm->end_code ? (ALIGN(mm->end_code, PAGE_SIZE) - (mm->start_code & PAGE_MASK)) >> PAGE_SHIFT : 0;
	sb_printf(sb, "%lu %lu %lu %lu 0 %lu 0\n", mm->total_vm, resident, shared, text, mm->data_vm + mm->stack_vm);
	mmap_write_unlock(mm);
}

/* ---- pagemap ------------------------------------------------------------------------------ */

#define PM_ENTRY_BYTES 8
#define PM_PFRAME_MASK ((1ULL << 55) - 1)
#define PM_SOFT_DIRTY (1ULL << 55)
#define PM_MMAP_EXCLUSIVE (1ULL << 56)
#define PM_FILE (1ULL << 61)
#define PM_SWAP (1ULL << 62)
#define PM_PRESENT (1ULL << 63)

/* pte_to_pagemap_entry(): a PTE inside v (none, PROT_NONE or present) as its 64-bit entry. */
static u64 pte_to_pagemap_entry(const struct vm_area_struct *v, pteval_t pte)
{
	u64 frame = 0, flags = 0;
	if (pte & (_PAGE_PRESENT | _PAGE_PROTNONE)) { /* pte_present(): a PROT_NONE entry still maps its page */
		unsigned long pfn = PHYS_PFN(pte & PTE_PFN_MASK);
		frame = pfn;
		flags |= PM_PRESENT;
		if (pfn != zero_pfn() && pfn_valid(pfn)) { /* vm_normal_page() */
			const struct page *page = pfn_to_page(pfn);
			if (!PageAnon(page))
				flags |= PM_FILE;
			if (page_mapcount(page) == 1)
				flags |= PM_MMAP_EXCLUSIVE;
		}
	}
	/* kmm writes no swap entries: a PTE that is not present is none */
	if (vma_shown_flags(v) & VM_SOFTDIRTY)
		flags |= PM_SOFT_DIRTY;
	return (frame & PM_PFRAME_MASK) | flags;
}

/*
 * pagemap_read(): count bytes of the task's pagemap from offset off; both
 * multiples of 8 (-EINVAL otherwise, as Linux).  Entries run up to the
 * task size; an address outside every VMA reads 0.  Bytes read, 0 at the
 * end.
 */
long pagemap_read(struct task_struct *t, struct mm_struct *mm, void *buf, size_t count, u64 off)
{
	if (off % PM_ENTRY_BYTES || count % PM_ENTRY_BYTES)
		return -EINVAL;
	u64 first = off / PM_ENTRY_BYTES, end_vpfn = mm->task_size >> PAGE_SHIFT;
	if (first >= end_vpfn || !count)
		return 0;
	size_t n = (size_t)min((u64)(count / PM_ENTRY_BYTES), end_vpfn - first);
	u64 *out = buf;
	memset(out, 0, n * PM_ENTRY_BYTES);
	mmap_write_lock(mm);
	unsigned long addr = (unsigned long)first << PAGE_SHIFT, end = addr + (n << PAGE_SHIFT);
	unsigned long span = user_pte_span();
	while (addr < end) {
		struct vm_area_struct *v = find_vma(mm, addr);
		if (!v || v->vm_start >= end)
			break; /* the rest is a hole: 0 */
		addr = max(addr, v->vm_start);
		unsigned long vend = min(v->vm_end, end);
		while (addr < vend) {
			unsigned long idx, table_end = min(ALIGN_DOWN(addr, span) + span, vend);
			phys_addr_t table = user_pte_table(mm->pgd, addr, false, &idx);
			for (; addr < table_end; addr += PAGE_SIZE, idx++)
				out[(addr >> PAGE_SHIFT) - first] = pte_to_pagemap_entry(v, table ? pte_get(table, idx) : 0);
		}
	}
	mmap_write_unlock(mm);
	return (long)(n * PM_ENTRY_BYTES);
}

/* ---- kmm/pagemap: the PTEs as text, for teaching ------------------------------------------ */

struct pagemap_ctx {
	struct strbuf *sb;
	int w; /* hex digits of an address */
};

static void pagemap_pte(unsigned long addr, phys_addr_t table, unsigned long idx, pteval_t pte, void *arg)
{
	struct pagemap_ctx *c = arg;
	unsigned long pfn = PHYS_PFN(pte & PTE_PFN_MASK);
	sb_printf(c->sb, "%0*lx pfn %8lx %s%s%s", c->w, addr, pfn,
		  !(pte & _PAGE_PRESENT) ? "none" : pte & _PAGE_RW ? "rw" : "ro", pte & _PAGE_DIRTY ? " dirty" : "",
		  pte & _PAGE_NX ? " nx" : "");
	const struct page *page = pfn_to_page(pfn);
	static const char *const kind[NR_MM_COUNTERS] = { "file", "anon", "swap", "shmem" };
	if (pfn == zero_pfn())
		sb_printf(c->sb, " zero-page\n");
	else
		sb_printf(c->sb, " mapcount %d %s %s\n", page_mapcount(page), kind[mm_counter(page)],
			  zone_names[page_zonenum(page)]);
}

/*
 * One line per PTE that maps a page: the address, the frame, its access
 * bits ("none" for PROT_NONE) and what the frame is (the shared zero page,
 * or a page with its mapcount, kind and zone).  The same facts as the
 * binary PID/pagemap, in words.
 */
void show_pagemap_text(struct strbuf *sb, struct task_struct *t, struct mm_struct *mm)
{
	struct pagemap_ctx c = { sb, M->prof->bits == 64 ? 12 : 8 };
	mmap_write_lock(mm);
	struct vm_area_struct *v;
	VMA_ITERATOR(vmi, mm, 0);
	for_each_vma(vmi, v)
		walk_ptes(mm, v->vm_start, v->vm_end, pagemap_pte, &c);
	mmap_write_unlock(mm);
}
