/*
 * test_mmap.c - simulated processes' address spaces: exec's layout, mmap,
 * munmap, mprotect and brk with Linux's error codes, VMAs split and merged
 * as Linux does, and /proc/PID/maps in Linux's format.
 */
#include "kmm_test.h"

#include <kmm/fs.h>
#include <kmm/task.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(mmap, .fini = fini, .timeout = 60);

static struct task_struct *boot_task(const char *profile)
{
	return boot_with_task(profile, "cat", "/usr/bin/cat", 0x5123, 0x1100, 0x2000);
}

static void assert_mm_sane(struct task_struct *t)
{
	char why[200];
	cr_assert_eq(mm_verify(t->mm, why, sizeof(why)), 0, "mm_verify: %s", why);
}

static char *maps_of(struct task_struct *t)
{
	char path[32];
	snprintf(path, sizeof(path), "%d/maps", t->pid);
	char *text = kmm_proc_read(path);
	cr_assert_not_null(text);
	return text;
}

/* Without randomisation, exec puts things where a real kernel does. */
Test(mmap, exec_layout_i386)
{
	struct task_struct *t = boot_task("i386");
	char *maps = maps_of(t);
	const char *want =
		"80000000-80006000 r-xp 00000000 08:01 12         /usr/bin/cat\n"
		"80006000-80008000 rw-p 00006000 08:01 12         /usr/bin/cat\n"
		"80008000-8000a000 rw-p 00000000 00:00 0          [heap]\n" /* the bss reaches start_brk: Linux names it so */
		"bffdf000-c0000000 rw-p 00000000 00:00 0          [stack]\n";
	cr_assert_str_eq(maps, want);
	free(maps);
	cr_assert_eq(t->mm->mmap_base, 0xb8000000UL, "128 MiB below the 3 GiB TASK_SIZE");
	assert_mm_sane(t);
	task_exit(t);
}

Test(mmap, exec_layout_x86_64)
{
	struct task_struct *t = boot_task("x86_64");
	char *maps = maps_of(t);
	cr_assert_not_null(strstr(maps, "555555554000-55555555a000 r-xp 00000000 08:01 12                         /usr/bin/cat\n"), "%s", maps);
	cr_assert_not_null(strstr(maps, "7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]\n"), "%s", maps);
	free(maps);
	cr_assert_eq(t->mm->mmap_base, 0x7ffff7fff000UL);
	task_exit(t);
}

static void check_anonymous_top_down_and_merging(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	unsigned long before = t->mm->total_vm;
	long a = task_mmap(t, 0, 10 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_eq((unsigned long)a, t->mm->mmap_base - (10UL << 20), "the first area ends at mmap_base");
	cr_assert_eq(t->mm->total_vm, before + 2560, "VmSize grows by 10 MiB");
	char *maps = maps_of(t), line[64];
	snprintf(line, sizeof(line), "\n%08lx-%08lx rw-p 00000000 00:00 0 \n", (unsigned long)a, t->mm->mmap_base);
	cr_assert_not_null(strstr(maps, line), "an unnamed line keeps its trailing space:\n%s", maps);
	free(maps);
	long b = task_mmap(t, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_eq(b, a - 4096, "the next one right below");
	int vmas = t->mm->map_count;
	cr_assert_eq(find_vma(t->mm, (unsigned long)b), find_vma(t->mm, (unsigned long)a), "compatible neighbours merge");
	/* a hole in the middle splits it; filling the hole merges it back */
	cr_assert_eq(task_munmap(t, (unsigned long)a + 8192, 4096), 0);
	cr_assert_eq(t->mm->map_count, vmas + 1);
	cr_assert_null(find_vma(t->mm, (unsigned long)a + 8192) == find_vma(t->mm, (unsigned long)a) ? (void *)1 : NULL);
	cr_assert_eq(task_mmap(t, (unsigned long)a + 8192, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
		     a + 8192);
	cr_assert_eq(t->mm->map_count, vmas);
	assert_mm_sane(t);
	/* munmap of everything */
	cr_assert_eq(task_munmap(t, (unsigned long)b, (10 << 20) + 4096), 0);
	cr_assert_eq(t->mm->total_vm, before);
	cr_assert_eq(task_munmap(t, (unsigned long)b, 4096), 0, "unmapping nothing is fine");
	assert_mm_sane(t);
	task_exit(t);
}

TEST_ON_EVERY_PROFILE(mmap, anonymous_top_down_and_merging, check_anonymous_top_down_and_merging)

static void check_mprotect_splits_and_merges(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	long a = task_mmap(t, 0, 5 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int vmas = t->mm->map_count;
	cr_assert_eq(task_mprotect(t, (unsigned long)a + 4096, 2 * 4096, PROT_READ), 0);
	cr_assert_eq(t->mm->map_count, vmas + 2);
	struct vm_area_struct *mid = find_vma(t->mm, (unsigned long)a + 4096);
	cr_assert_eq(mid->vm_start, (unsigned long)a + 4096);
	cr_assert_eq(mid->vm_end, (unsigned long)a + 3 * 4096);
	cr_assert_eq(mid->vm_flags & (VM_READ | VM_WRITE | VM_EXEC), VM_READ);
	char *maps = maps_of(t);
	char want[64];
	snprintf(want, sizeof(want), "%08lx-%08lx r--p", (unsigned long)a + 4096, (unsigned long)a + 3 * 4096);
	cr_assert_not_null(strstr(maps, want), "%s", maps);
	free(maps);
	cr_assert_eq(task_mprotect(t, (unsigned long)a, 5 * 4096, PROT_READ | PROT_WRITE), 0);
	cr_assert_eq(t->mm->map_count, vmas, "equal again: one VMA");
	assert_mm_sane(t);
	/* errors */
	cr_assert_eq(task_mprotect(t, (unsigned long)a + 1, 4096, PROT_READ), -EINVAL);
	cr_assert_eq(task_mprotect(t, (unsigned long)a, 4096, 0x80), -EINVAL);
	cr_assert_eq(task_mprotect(t, (unsigned long)a, 6 * 4096, PROT_READ), -ENOMEM, "a hole in the range");
	cr_assert_eq(t->mm->map_count, vmas, "a failed mprotect changes nothing");
	assert_mm_sane(t);
	task_exit(t);
}

TEST_ON_EVERY_PROFILE(mmap, mprotect_splits_and_merges, check_mprotect_splits_and_merges)

static void check_error_codes(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	const unsigned long rw = PROT_READ | PROT_WRITE, anon = MAP_PRIVATE | MAP_ANONYMOUS;
	cr_assert_eq(task_mmap(t, 0, 0, rw, anon, -1, 0), -EINVAL, "zero length");
	cr_assert_eq(task_mmap(t, 0, 4096, rw, MAP_ANONYMOUS, -1, 0), -EINVAL, "neither private nor shared");
	cr_assert_eq(task_mmap(t, 0, 4096, 0x40, anon, -1, 0), -EINVAL, "unknown prot bit");
	cr_assert_eq(task_mmap(t, 0x10000001, 4096, rw, anon | MAP_FIXED, -1, 0), -EINVAL, "unaligned MAP_FIXED");
	cr_assert_eq(task_mmap(t, 0x1000, 4096, rw, anon | MAP_FIXED, -1, 0), -EPERM, "below mmap_min_addr");
	cr_assert_eq(task_mmap(t, t->mm->task_size - 4096, 8192, rw, anon | MAP_FIXED, -1, 0), -ENOMEM, "beyond TASK_SIZE");
	cr_assert_eq(task_mmap(t, 0, t->mm->task_size, rw, anon, -1, 0), -ENOMEM, "larger than the address space");
	cr_assert_eq(task_mmap(t, 0, 4096, rw, MAP_PRIVATE, 3, 0), -EBADF, "no open file");
	cr_assert_eq(task_mmap(t, t->mm->start_code, 4096, rw, anon | MAP_FIXED_NOREPLACE, -1, 0), -EEXIST, "the text is there");
	cr_assert_eq(task_munmap(t, 0x10000001, 4096), -EINVAL);
	cr_assert_eq(task_munmap(t, 0x10000000, 0), -EINVAL);
	t->rlim[RLIMIT_AS] = (t->mm->total_vm << PAGE_SHIFT) + 4096;
	cr_assert_eq(task_mmap(t, 0, 8192, rw, anon, -1, 0), -ENOMEM, "RLIMIT_AS");
	cr_assert_gt(task_mmap(t, 0, 4096, rw, anon, -1, 0), 0, "one page still fits");
	t->rlim[RLIMIT_AS] = RLIM_INFINITY;
	t->rlim[RLIMIT_DATA] = (t->mm->data_vm << PAGE_SHIFT) + 4096;
	cr_assert_eq(task_mmap(t, 0, 8192, rw, anon, -1, 0), -ENOMEM, "RLIMIT_DATA");
	cr_assert_not_null(strstr(kmm_dmesg(), "exceed data ulimit"));
	cr_assert_gt(task_mmap(t, 0, 8192, PROT_READ, anon, -1, 0), 0, "read-only memory is not data");
	/* MAP_FIXED replaces what was there */
	long a = task_mmap(t, 0, 3 * 4096, PROT_READ, anon, -1, 0);
	cr_assert_eq(task_mmap(t, (unsigned long)a + 4096, 4096, PROT_READ | PROT_EXEC, anon | MAP_FIXED, -1, 0), a + 4096);
	cr_assert_eq(find_vma(t->mm, (unsigned long)a + 4096)->vm_flags & VM_EXEC, VM_EXEC);
	assert_mm_sane(t);
	cr_assert_null(kmm_proc_read("99/maps"));
	cr_assert_eq(errno, ENOENT);
	task_exit(t);
}

TEST_ON_EVERY_PROFILE(mmap, error_codes, check_error_codes)

static void check_brk(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	struct mm_struct *mm = t->mm;
	unsigned long start = mm->start_brk;
	cr_assert_eq(task_brk(t, 0), start, "brk(0) tells where the heap ends");
	cr_assert_eq(task_brk(t, start + 3 * 4096 + 10), start + 3 * 4096 + 10);
	/* the heap grows the bss VMA (do_brk_flags merges with it) */
	struct vm_area_struct *heap = find_vma(mm, start);
	cr_assert_eq(heap->vm_start, start - 2 * 4096);
	cr_assert_eq(heap->vm_end, start + 4 * 4096);
	char *maps = maps_of(t);
	char line[64], want[128];
	snprintf(line, sizeof(line), "%08lx-%08lx rw-p 00000000 00:00 0 ", start - 2 * 4096, start + 4 * 4096);
	/* the name starts after the columns padded to 25 + 6 pointer widths - 1, and a space */
	snprintf(want, sizeof(want), "%-*s [heap]\n", M->prof->bits == 64 ? 72 : 48, line);
	cr_assert_not_null(strstr(maps, want), "%s", maps);
	free(maps);
	cr_assert_eq(task_brk(t, start + 4096), start + 4096, "shrinking unmaps");
	cr_assert_eq(find_vma(mm, start)->vm_end, start + 4096);
	cr_assert_eq(task_brk(t, start - 4096), start + 4096, "below start_brk: refused");
	t->rlim[RLIMIT_DATA] = 64 << 10;
	cr_assert_eq(task_brk(t, start + (1 << 20)), start + 4096, "RLIMIT_DATA");
	t->rlim[RLIMIT_DATA] = RLIM_INFINITY;
	/* the heap may not run into a mapping above it */
	long wall = task_mmap(t, start + 16 * 4096, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	cr_assert_eq(wall, (long)(start + 16 * 4096));
	cr_assert_eq(task_brk(t, start + 20 * 4096), start + 4096);
	/* Linux 6.1 keeps a page between the heap and the next mapping (newbrk + PAGE_SIZE > vm_start_gap) */
	cr_assert_eq(task_brk(t, start + 16 * 4096), start + 4096, "touching it is refused");
	cr_assert_eq(task_brk(t, start + 15 * 4096), start + 15 * 4096, "a page below it is fine");
	assert_mm_sane(t);
	task_exit(t);
}

TEST_ON_EVERY_PROFILE(mmap, brk, check_brk)

/* brk(want) is refused: the old break comes back and the maps, counters and validators are as they were. */
static void assert_brk_refused(struct task_struct *t, unsigned long want, const char *what)
{
	struct mm_struct *mm = t->mm;
	unsigned long old = mm->brk, total = mm->total_vm;
	char *before = maps_of(t);
	cr_assert_eq(task_brk(t, want), old, "brk(%#lx) (%s) was not refused", want, what);
	cr_assert_eq(mm->brk, old, "%s: the break moved", what);
	cr_assert_eq(mm->total_vm, total, "%s", what);
	char *after = maps_of(t);
	cr_assert_str_eq(after, before, "%s changed the maps", what);
	free(before);
	free(after);
	assert_mm_sane(t);
}

/* Issue 12: brk(-1) unmapped everything below the heap and left the break at ULONG_MAX. */
static void check_brk_hostile(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	struct mm_struct *mm = t->mm;
	unsigned long start = mm->start_brk, task_size = mm->task_size;
	cr_assert_eq(task_brk(t, start + 2 * 4096), start + 2 * 4096);
	/* a PAGE_ALIGN that wraps, and everything beyond TASK_SIZE */
	const unsigned long wild[] = { ~0UL, ~0UL - 4095, ~0UL - 4096, 1UL << 63, (1UL << 63) - 1, 1UL << 32,
				       task_size + 1, task_size, task_size - 4096 };
	for (size_t i = 0; i < sizeof(wild) / sizeof(wild[0]); i++)
		if (wild[i] > start + 2 * 4096)
			assert_brk_refused(t, wild[i], "beyond TASK_SIZE, or into the stack");
	assert_brk_refused(t, start - 1, "below start_brk");
	assert_brk_refused(t, 1, "far below start_brk");
	/* RLIMIT_DATA: (brk - start_brk) + data must not wrap past the limit */
	t->rlim[RLIMIT_DATA] = 1UL << 20;
	assert_brk_refused(t, ~0UL - 4096 * 4, "RLIMIT_DATA, with a sum that wraps");
	assert_brk_refused(t, start + (2UL << 20), "RLIMIT_DATA");
	t->rlim[RLIMIT_DATA] = RLIM_INFINITY;
	/* RLIMIT_AS in pages (may_expand_vm) */
	t->rlim[RLIMIT_AS] = mm->total_vm << 12;
	assert_brk_refused(t, start + 8 * 4096, "RLIMIT_AS");
	t->rlim[RLIMIT_AS] = RLIM_INFINITY;
	/* the stack guard gap below a MAP_GROWSDOWN mapping above the heap */
	unsigned long wall = start + 1024 * 4096;
	cr_assert_eq(task_mmap(t, wall, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN, -1, 0),
		     (long)wall);
	assert_brk_refused(t, wall - 256 * 4096, "into the stack guard gap");
	cr_assert_eq(task_brk(t, wall - 257 * 4096), wall - 257 * 4096, "below the gap the heap grows");
	cr_assert_eq(task_munmap(t, wall, 4096), 0);
	/* a heap the task unmapped itself: shrinking finds no VMA and is refused, as in Linux */
	unsigned long heap_end = mm->brk;
	cr_assert_eq(task_munmap(t, start, heap_end - start), 0);
	assert_brk_refused(t, start, "shrinking a heap that is not mapped");
	/* the validator sees a break out of place */
	mm->brk = ~0UL;
	char why[200];
	cr_assert_neq(mm_verify(mm, why, sizeof(why)), 0, "mm_verify passed a break at ULONG_MAX");
	cr_assert_not_null(strstr(why, "break"), "%s", why);
	mm->brk = start - 4096;
	cr_assert_neq(mm_verify(mm, why, sizeof(why)), 0, "mm_verify passed a break below start_brk");
	mm->brk = heap_end;
	assert_mm_sane(t);
	/* a task exec never laid out has no heap: its break stays at 0, nothing is mapped at 0 */
	struct task_struct *bare = task_create("bare", 1000);
	cr_assert_eq(task_brk(bare, 0x10000000UL), 0);
	cr_assert_eq(task_brk(bare, ~0UL), 0);
	cr_assert_eq(bare->mm->map_count, 0);
	assert_mm_sane(bare);
	/* an exited task: nothing to move */
	struct task_struct *gone = get_pid_task(bare->pid);
	task_exit(bare);
	cr_assert_eq(task_brk(gone, 0x10000000UL), 0);
	put_task_struct(gone);
	/* exec's sizes that wrap PAGE_ALIGN or the sums are refused before anything is made */
	struct task_struct *huge = task_create("huge", 1000);
	cr_assert_eq(task_exec_layout(huge, "/bin/huge", ~0UL, 4096, 4096), -ENOMEM);
	cr_assert_eq(task_exec_layout(huge, "/bin/huge", 4096, ~0UL - 4095, 4096), -ENOMEM);
	cr_assert_eq(task_exec_layout(huge, "/bin/huge", 4096, 4096, 1UL << 63), -ENOMEM);
	cr_assert_eq(huge->mm->map_count, 0);
	cr_assert_eq(kmm_file_cached_pages("/bin/huge"), -ENOENT);
	task_exit(huge);
	assert_machine_sane();
	task_exit(t);
}

TEST_ON_EVERY_PROFILE(mmap, brk_hostile, check_brk_hostile)

/* ---- page faults, through both ways in --------------------------------------------------------- */

#include "sim/ram.h"
#include <signal.h>


static unsigned long settled_free(void)
{
	shrink_dcache_icache(); /* an exited task's image file keeps no inode or dentry in RAM */
	kmm_slab_shrink_all();
	drain_all_pages(NULL);
	return nr_free_pages();
}

/* mmap 10 MiB: VmSize grows, RSS does not; reads map the zero page; writes take HighMem pages. */
static void check_lazy(const char *profile)
{
	ARM64_NOT_YET(profile, "kernel_object_pages() models x86 kmalloc classes (arm64 shares kmalloc-128)");
	struct task_struct *t = boot_task(profile);
	unsigned long free0 = settled_free(), kobj0 = kernel_object_pages(); /* the task's kernel objects and stack */
	unsigned long size = 10UL << 20, pages = size >> PAGE_SHIFT;
	long a = task_mmap(t, 0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	cr_assert_eq(t->mm->rss[MM_ANONPAGES], 0);
	cr_assert_eq(u_touch(t, (unsigned long)a, size, false), 0);
	cr_assert_eq(t->mm->rss[MM_ANONPAGES], 0, "reads map the zero page");
	cr_assert_leq(free0 - settled_free(), 8, "only page-table pages were taken");
	unsigned long flt = t->min_flt;
	struct zone *high = zone_by_name(0, M->prof->bits == 64 ? "Normal" : "HighMem");
	unsigned long high_free = (unsigned long)high->vm_stat[NR_FREE_PAGES];
	cr_assert_eq(u_memset(t, (unsigned long)a, 0x5a, size), 0);
	cr_assert_eq(t->min_flt - flt, pages, "one fault per page");
	cr_assert_eq(t->mm->rss[MM_ANONPAGES], pages);
	drain_all_pages(NULL);
	if (M->prof->bits == 32)
		cr_assert_geq(high_free - (unsigned long)high->vm_stat[NR_FREE_PAGES], pages, "user pages come from HighMem");
	char c;
	cr_assert_eq(u_read(t, (unsigned long)a + size - 1, &c, 1), 0);
	cr_assert_eq(c, 0x5a);
	assert_machine_sane();
	char path[32];
	snprintf(path, sizeof(path), "%d/status", t->pid);
	char *status = kmm_proc_read(path);
	cr_assert_not_null(strstr(status, "VmRSS:\t   10240 kB\n"), "%s", status);
	cr_assert_not_null(strstr(status, "RssAnon:\t   10240 kB\n"), "%s", status);
	cr_assert_not_null(strstr(status, "VmStk:\t     132 kB\n"), "%s", status);
	cr_assert_not_null(strstr(status, "VmExe:\t      24 kB\n"), "%s", status);
	const char *pte = strstr(status, "VmPTE:\t");
	cr_assert_not_null(pte);
	unsigned long pte_kb = strtoul(pte + 7, NULL, 10);
	char *meminfo = kmm_proc_read("meminfo");
	const char *pt = strstr(meminfo, "PageTables:");
	cr_assert_not_null(pt);
	cr_assert_eq(strtoul(pt + 11, NULL, 10), pte_kb, "the one task's tables are all the machine's (PageTables %lu kB, VmPTE %lu kB)", strtoul(pt + 11, NULL, 10), pte_kb);
	free(meminfo);
	/* 10 MiB needs 3 leaf tables with 4-byte entries (4 MiB each) or 6 with 8-byte ones, plus the ones above */
	cr_assert_geq(pte_kb, (M->prof->bits == 32 && !M->prof->pae ? 3 : 6) * 4, "%s", status);
	free(status);
	assert_mm_sane(t);
	task_exit(t);
	unsigned long now = settled_free();
	cr_assert_eq(now, free0 + pgd_pages() + kobj0, "exit gives every page and table back, the page directory and the task's kernel objects (%lu, %lu)", now, free0);
	assert_machine_sane();
}

TEST_BOTH_WAYS(mmap, lazy_allocation, check_lazy)

Test(mmap, pagemap_dump)
{
	struct task_struct *t = boot_task("i386");
	long a = task_mmap(t, 0, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char c;
	cr_assert_eq(u_read(t, (unsigned long)a, &c, 1), 0);
	cr_assert_eq(u_write(t, (unsigned long)a + 4096, "w", 1), 0);
	char path[32];
	snprintf(path, sizeof(path), "%d/kmm/pagemap", t->pid); /* the text dump; PID/pagemap is binary */
	char *map = kmm_proc_read(path);
	char want[48];
	snprintf(want, sizeof(want), "%08lx pfn %8lx ro zero-page\n", (unsigned long)a, (unsigned long)PFN_UP(M->image.bss));
	cr_assert_not_null(strstr(map, want), "%s", map);
	snprintf(want, sizeof(want), "%08lx pfn ", (unsigned long)a + 4096);
	const char *line = strstr(map, want);
	cr_assert_not_null(line, "%s", map);
	cr_assert_not_null(strstr(line, "rw dirty mapcount 1 anon HighMem\n"), "%s", map);
	free(map);
	task_exit(t);
}

/* A kernel buffer holding a secret is freed; the user page that reuses the frame reads zeros. */
static void check_user_pages_never_leak_kernel_data(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	long a = task_mmap(t, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char c;
	cr_assert_eq(u_read(t, (unsigned long)a, &c, 1), 0); /* page tables now, so the next fault takes one page */
	struct page *secret = alloc_pages(GFP_HIGHUSER_MOVABLE, 0);
	memset(ram_host(page_to_phys(secret)), 'S', PAGE_SIZE);
	unsigned long pfn = page_to_pfn(secret);
	__free_pages(secret, 0);
	cr_assert_eq(u_write(t, (unsigned long)a, "x", 1), 0);
	unsigned long idx;
	phys_addr_t table = user_pte_table(t->mm->pgd, (unsigned long)a, false, &idx);
	cr_assert_eq(PHYS_PFN(pte_get(table, idx) & PTE_PFN_MASK), pfn, "the user got the very page the secret was in");
	char buf[PAGE_SIZE];
	cr_assert_eq(u_read(t, (unsigned long)a, buf, sizeof(buf)), 0);
	for (unsigned long i = 1; i < PAGE_SIZE; i++)
		cr_assert_eq(buf[i], 0, "byte %lu", i);
	task_exit(t);
	assert_machine_sane();
}

TEST_BOTH_WAYS(mmap, user_pages_never_leak_kernel_data, check_user_pages_never_leak_kernel_data)

static void check_segfaults(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	char c = 0;
	cr_assert_eq(u_read(t, 0x10000000, &c, 1), -EFAULT);
	kernel_siginfo_t si;
	cr_assert_eq(dequeue_signal(t, 0, &si), SIGSEGV);
	cr_assert_eq(si.si_code, SEGV_MAPERR);
	cr_assert_eq(si.si_addr, 0x10000000UL);
	char want[96];
	int w = M->prof->bits == 64 ? 16 : 8;
	snprintf(want, sizeof(want), "cat[1]: segfault at 10000000 ip %0*d sp %0*d error 4", w, 0, w, 0);
	cr_assert_not_null(strstr(kmm_dmesg(), want), "%s", kmm_dmesg());
	long ro = task_mmap(t, 0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_eq(u_write(t, (unsigned long)ro, "x", 1), -EFAULT);
	cr_assert_eq(dequeue_signal(t, 0, &si), SIGSEGV);
	cr_assert_eq(si.si_code, SEGV_ACCERR);
	cr_assert_not_null(strstr(kmm_dmesg(), "error 6"), "a write to a page never touched: not present");
	cr_assert_eq(u_read(t, (unsigned long)ro, &c, 1), 0);
	cr_assert_eq(u_write(t, (unsigned long)ro, "x", 1), -EFAULT);
	cr_assert_eq(dequeue_signal(t, 0, &si), SIGSEGV);
	cr_assert_not_null(strstr(kmm_dmesg(), "error 7"), "the zero page is mapped now: a protection fault");
	/* mprotect: take write away, then give it back: the page is reused, not copied */
	long rw = task_mmap(t, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_eq(u_write(t, (unsigned long)rw, "abc", 4), 0);
	cr_assert_eq(task_mprotect(t, (unsigned long)rw, 4096, PROT_READ), 0);
	cr_assert_eq(u_write(t, (unsigned long)rw, "x", 1), -EFAULT);
	cr_assert_eq(dequeue_signal(t, 0, &si), SIGSEGV);
	cr_assert_eq(task_mprotect(t, (unsigned long)rw, 4096, PROT_READ | PROT_WRITE), 0);
	unsigned long rss = t->mm->rss[MM_ANONPAGES];
	cr_assert_eq(u_write(t, (unsigned long)rw + 1, "B", 1), 0);
	cr_assert_eq(t->mm->rss[MM_ANONPAGES], rss, "reused");
	char buf[4];
	cr_assert_eq(u_read(t, (unsigned long)rw, buf, 4), 0);
	cr_assert_str_eq(buf, "aBc");
	/* PROT_NONE: the page stays, but neither a read nor a write gets to it */
	cr_assert_eq(task_mprotect(t, (unsigned long)rw, 4096, PROT_NONE), 0);
	cr_assert_eq(u_read(t, (unsigned long)rw, buf, 1), -EFAULT);
	cr_assert_eq(dequeue_signal(t, 0, &si), SIGSEGV);
	cr_assert_eq(si.si_code, SEGV_ACCERR);
	cr_assert_eq(u_write(t, (unsigned long)rw, "x", 1), -EFAULT);
	cr_assert_eq(dequeue_signal(t, 0, &si), SIGSEGV);
	cr_assert_eq(t->mm->rss[MM_ANONPAGES], rss, "the page is kept");
	assert_machine_sane();
	cr_assert_eq(task_mprotect(t, (unsigned long)rw, 4096, PROT_READ), 0);
	memset(buf, 0, sizeof(buf));
	cr_assert_eq(u_read(t, (unsigned long)rw, buf, 4), 0);
	cr_assert_str_eq(buf, "aBc", "readable again, with its data");
	cr_assert_eq(u_write(t, (unsigned long)rw, "x", 1), -EFAULT);
	task_exit(t);
}

TEST_BOTH_WAYS(mmap, segfaults, check_segfaults)

static void check_stack_grows_to_its_rlimit(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	struct vm_area_struct *stack = find_vma(t->mm, t->mm->start_stack);
	unsigned long top = stack->vm_end;
	cr_assert_eq(u_write(t, top - (1UL << 20), "s", 1), 0, "1 MiB down: the stack grows");
	cr_assert_eq(stack->vm_start, top - (1UL << 20));
	cr_assert_eq(u_write(t, top - (8UL << 20) + 64, "s", 1), 0, "just inside 8 MiB");
	cr_assert_eq(u_write(t, top - (8UL << 20) - 4096, "s", 1), -EFAULT, "beyond RLIMIT_STACK");
	kernel_siginfo_t si;
	cr_assert_eq(dequeue_signal(t, 0, &si), SIGSEGV);
	cr_assert_eq(si.si_code, SEGV_MAPERR);
	assert_mm_sane(t);
	unsigned long free0 = settled_free();
	task_exit(t);
	cr_assert_gt(settled_free(), free0);
	assert_machine_sane();
}

TEST_BOTH_WAYS(mmap, stack_grows_to_its_rlimit, check_stack_grows_to_its_rlimit)

static void check_munmap_gives_pages_back(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	unsigned long free0 = settled_free();
	long a = task_mmap(t, 0, 64 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_eq(u_memset(t, (unsigned long)a, 1, 64 * 4096), 0);
	cr_assert_eq(task_munmap(t, (unsigned long)a + 16 * 4096, 16 * 4096), 0);
	cr_assert_eq(t->mm->rss[MM_ANONPAGES], 48);
	cr_assert_eq(task_munmap(t, (unsigned long)a, 64 * 4096), 0);
	cr_assert_eq(t->mm->rss[MM_ANONPAGES], 0);
	cr_assert_eq(settled_free(), free0, "pages and page tables are back");
	task_exit(t);
	assert_machine_sane();
}

TEST_BOTH_WAYS(mmap, munmap_gives_pages_back, check_munmap_gives_pages_back)

/* fork, the child writes half the pages: that many copies, the parent's data intact, all back after exit. */
static void check_fork_cow(const char *profile)
{
	ARM64_NOT_YET(profile, "kernel_object_pages() models x86 kmalloc classes (arm64 shares kmalloc-128)");
	struct task_struct *parent = boot_task(profile);
	unsigned long free0 = settled_free(), kobj0 = kernel_object_pages(); /* the parent's kernel objects and stack */
	const unsigned long n = 256;
	long a = task_mmap(parent, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_eq(u_memset(parent, (unsigned long)a, 'P', n * PAGE_SIZE), 0);
	struct task_struct *child = task_fork(parent);
	cr_assert_not_null(child);
	cr_assert_eq(child->mm->rss[MM_ANONPAGES], n, "the child maps the parent's pages");
	char maps_p[64], maps_c[64];
	snprintf(maps_p, sizeof(maps_p), "%d/maps", parent->pid);
	snprintf(maps_c, sizeof(maps_c), "%d/maps", child->pid);
	char *mp = kmm_proc_read(maps_p), *mc = kmm_proc_read(maps_c);
	cr_assert_str_eq(mp, mc, "the same layout");
	free(mp);
	free(mc);
	unsigned long before = settled_free();
	for (unsigned long i = 0; i < n; i += 2)
		cr_assert_eq(u_write(child, (unsigned long)a + i * PAGE_SIZE, "c", 1), 0);
	cr_assert_eq(before - settled_free(), n / 2, "exactly one copy per page written");
	char c;
	for (unsigned long i = 0; i < n; i++) {
		cr_assert_eq(u_read(parent, (unsigned long)a + i * PAGE_SIZE, &c, 1), 0);
		cr_assert_eq(c, 'P', "the parent's page %lu is unchanged", i);
		cr_assert_eq(u_read(child, (unsigned long)a + i * PAGE_SIZE, &c, 1), 0);
		cr_assert_eq(c, i % 2 ? 'P' : 'c');
	}
	/* the parent writes a page the child copied away: it is the parent's alone now, reused */
	before = settled_free();
	cr_assert_eq(u_write(parent, (unsigned long)a, "p", 1), 0);
	cr_assert_eq(settled_free(), before, "reused, not copied");
	/* and one the child still shares: copied */
	cr_assert_eq(u_write(parent, (unsigned long)a + PAGE_SIZE, "p", 1), 0);
	cr_assert_eq(before - settled_free(), 1);
	/* smaps_rollup: the pages both map count half to each (Pss), the copies whole */
	char path[32];
	snprintf(path, sizeof(path), "%d/smaps_rollup", child->pid);
	char *rollup = kmm_proc_read(path);
	unsigned long shared_kb = (n / 2 - 1) * 4, own_kb = (n / 2 + 1) * 4; /* the parent has since copied one more */
	char want[64];
	snprintf(want, sizeof(want), "Rss:            %8lu kB\n", n * 4);
	cr_assert_not_null(strstr(rollup, want), "%s", rollup);
	snprintf(want, sizeof(want), "Pss:            %8lu kB\n", own_kb + shared_kb / 2);
	cr_assert_not_null(strstr(rollup, want), "%s", rollup);
	snprintf(want, sizeof(want), "Shared_Dirty:   %8lu kB\n", shared_kb);
	cr_assert_not_null(strstr(rollup, want), "%s", rollup);
	cr_assert_not_null(strstr(rollup, "[rollup]\n"), "%s", rollup);
	free(rollup);
	assert_mm_sane(parent);
	assert_mm_sane(child);
	assert_machine_sane(); /* with both tasks alive: every shared page's mapcount matches its PTEs */
	task_exit(child);
	task_exit(parent);
	cr_assert_eq(settled_free(), free0 + pgd_pages() + kobj0, "every frame back (and the parent's page directory and kernel objects)");
	assert_machine_sane();
}

TEST_BOTH_WAYS(mmap, fork_cow, check_fork_cow)

static void check_populate_and_dontneed(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	long a = task_mmap(t, 0, 32 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	cr_assert_gt(a, 0);
	cr_assert_eq(t->mm->rss[MM_ANONPAGES], 32, "MAP_POPULATE faults it all in");
	unsigned long flt = t->min_flt;
	cr_assert_eq(u_memset(t, (unsigned long)a, 7, 32 * 4096), 0);
	cr_assert_eq(t->min_flt, flt, "no fault after populating");
	unsigned long free0 = settled_free();
	cr_assert_eq(task_madvise(t, (unsigned long)a + 8 * 4096, 8 * 4096, MADV_DONTNEED), 0);
	cr_assert_eq(t->mm->rss[MM_ANONPAGES], 24);
	cr_assert_eq(settled_free(), free0 + 8);
	char c = 1;
	cr_assert_eq(u_read(t, (unsigned long)a + 9 * 4096, &c, 1), 0);
	cr_assert_eq(c, 0, "dropped pages read back as zeros");
	cr_assert_eq(u_read(t, (unsigned long)a + 7 * 4096, &c, 1), 0);
	cr_assert_eq(c, 7, "the others keep their data");
	cr_assert_eq(task_madvise(t, (unsigned long)a + 1, 4096, MADV_DONTNEED), -EINVAL);
	cr_assert_eq(task_madvise(t, 0x10000000, 4096, MADV_DONTNEED), -ENOMEM);
	assert_mm_sane(t);
	task_exit(t);
	assert_machine_sane();
}

TEST_BOTH_WAYS(mmap, populate_and_dontneed, check_populate_and_dontneed)

/* The rmap check finds a page whose mapcount disagrees with the PTEs, and an RSS that does. */
Test(mmap, rmap_verify_catches_mismatches)
{
	struct task_struct *t = boot_task("i386");
	long a = task_mmap(t, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_eq(u_write(t, (unsigned long)a, "x", 1), 0);
	unsigned long idx;
	phys_addr_t table = user_pte_table(t->mm->pgd, (unsigned long)a, false, &idx);
	struct page *page = pfn_to_page(PHYS_PFN(pte_get(table, idx) & PTE_PFN_MASK));
	char why[200];
	cr_assert_eq(tasks_verify(why, sizeof(why)), 0, "%s", why);
	page->_mapcount++;
	cr_assert_neq(tasks_verify(why, sizeof(why)), 0);
	cr_assert_not_null(strstr(why, "PTEs map it"), "%s", why);
	page->_mapcount--;
	t->mm->rss[MM_ANONPAGES]++;
	cr_assert_neq(tasks_verify(why, sizeof(why)), 0);
	cr_assert_not_null(strstr(why, "RssAnon"), "%s", why);
	t->mm->rss[MM_ANONPAGES]--;
	task_exit(t);
	assert_machine_sane();
}

static void check_mlock(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	long a = task_mmap(t, 0, 16 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int vmas = t->mm->map_count;
	cr_assert_eq(task_mlock(t, (unsigned long)a + 4 * 4096 + 100, 4 * 4096 - 100), 0, "an unaligned start is rounded down");
	cr_assert_eq(t->mm->locked_vm, 4);
	cr_assert_eq(t->mm->map_count, vmas + 2, "the locked part is a VMA of its own");
	cr_assert_eq(t->mm->rss[MM_ANONPAGES], 4, "mlock faults the pages in");
	char path[32];
	snprintf(path, sizeof(path), "%d/status", t->pid);
	char *status = kmm_proc_read(path);
	cr_assert_not_null(strstr(status, "VmLck:\t      16 kB\n"), "%s", status);
	free(status);
	cr_assert_eq(task_madvise(t, (unsigned long)a + 4 * 4096, 4096, MADV_DONTNEED), -EINVAL, "locked pages stay");
	cr_assert_eq(task_munlock(t, (unsigned long)a, 16 * 4096), 0);
	cr_assert_eq(t->mm->locked_vm, 0);
	cr_assert_eq(t->mm->map_count, vmas, "merged again");
	/* RLIMIT_MEMLOCK, for all but root */
	t->rlim[RLIMIT_MEMLOCK] = 8 * 4096;
	cr_assert_eq(task_mlock(t, (unsigned long)a, 16 * 4096), -ENOMEM);
	cr_assert_eq(t->mm->locked_vm, 0, "nothing locked");
	cr_assert_eq(task_mlock(t, (unsigned long)a, 8 * 4096), 0);
	cr_assert_eq(task_mlock(t, (unsigned long)a, 8 * 4096), 0, "locking locked pages again costs nothing");
	t->uid = 0;
	cr_assert_eq(task_mlock(t, (unsigned long)a, 16 * 4096), 0, "root is exempt");
	cr_assert_eq(task_mlock(t, 0x10000000, 4096), -ENOMEM, "not mapped");
	cr_assert_eq(task_mlock(t, (unsigned long)a, 0), 0);
	assert_mm_sane(t);
	task_exit(t);
	assert_machine_sane();
}

TEST_BOTH_WAYS(mmap, mlock, check_mlock)

static void check_mremap(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	const unsigned long rw = PROT_READ | PROT_WRITE, anon = MAP_PRIVATE | MAP_ANONYMOUS;
	long a = task_mmap(t, 0, 4 * 4096, rw, anon, -1, 0);
	cr_assert_eq(u_memset(t, (unsigned long)a, 'm', 4 * 4096), 0);
	/* shrink */
	cr_assert_eq(task_mremap(t, (unsigned long)a, 4 * 4096, 2 * 4096, 0, 0), a);
	cr_assert_eq(t->mm->rss[MM_ANONPAGES], 2);
	/* grow in place: the space above is free (mmap went top-down, so free it first) */
	cr_assert_eq(find_vma(t->mm, (unsigned long)a)->vm_end, (unsigned long)a + 2 * 4096);
	cr_assert_eq(task_mremap(t, (unsigned long)a, 2 * 4096, 4 * 4096, 0, 0), a, "the two pages above were unmapped");
	/* blocked above and not allowed to move */
	long wall = task_mmap(t, (unsigned long)a + 4 * 4096, 4096, PROT_READ, anon | MAP_FIXED, -1, 0);
	cr_assert_eq(wall, a + 4 * 4096);
	cr_assert_eq(task_mremap(t, (unsigned long)a, 4 * 4096, 8 * 4096, 0, 0), -ENOMEM);
	/* allowed to move: the data moves with it, no page is copied */
	unsigned long rss = t->mm->rss[MM_ANONPAGES], flt = t->min_flt;
	long b = task_mremap(t, (unsigned long)a, 4 * 4096, 8 * 4096, MREMAP_MAYMOVE, 0);
	cr_assert_gt(b, 0);
	cr_assert_neq(b, a);
	cr_assert_eq(t->mm->rss[MM_ANONPAGES], rss);
	char buf[2];
	cr_assert_eq(u_read(t, (unsigned long)b + 4096, buf, 2), 0);
	cr_assert_eq(buf[0], 'm');
	cr_assert_eq(t->min_flt, flt, "moved PTEs: no fault");
	cr_assert_eq(u_read(t, (unsigned long)a, buf, 1), -EFAULT, "the old range is gone");
	/* MREMAP_FIXED */
	cr_assert_eq(task_mremap(t, (unsigned long)b, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, 0x20000000), 0x20000000);
	cr_assert_eq(u_read(t, 0x20000000, buf, 1), 0);
	cr_assert_eq(buf[0], 'm');
	/* errors */
	cr_assert_eq(task_mremap(t, (unsigned long)b + 1, 4096, 8192, MREMAP_MAYMOVE, 0), -EINVAL);
	cr_assert_eq(task_mremap(t, (unsigned long)b, 4096, 8192, MREMAP_FIXED, 0x30000000), -EINVAL);
	cr_assert_eq(task_mremap(t, (unsigned long)b, 4096, 0, 0, 0), -EINVAL);
	cr_assert_eq(task_mremap(t, 0x10000000, 4096, 8192, MREMAP_MAYMOVE, 0), -EFAULT);
	t->rlim[RLIMIT_AS] = t->mm->total_vm << PAGE_SHIFT;
	cr_assert_eq(task_mremap(t, 0x20000000, 4096, 8192, MREMAP_MAYMOVE | MREMAP_FIXED, 0x30000000), -ENOMEM,
		     "RLIMIT_AS holds for a move too");
	t->rlim[RLIMIT_AS] = RLIM_INFINITY;
	cr_assert_eq(task_mremap(t, (unsigned long)b + 4096, 16 * 4096, 32 * 4096, MREMAP_MAYMOVE, 0), -EFAULT,
		     "more than the VMA");
	assert_mm_sane(t);
	assert_machine_sane();
	task_exit(t);
	assert_machine_sane();
}

TEST_BOTH_WAYS(mmap, mremap, check_mremap)

/* ---- the host trap's own guarantees ----------------------------------------------------------- */

static int host_map_count(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	cr_assert_not_null(f);
	int n = 0, c;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/*
 * Host mappings are a bounded cache: with room for 64 runs, touching 1024
 * pages that cannot share a run (every other page) evicts old runs and the
 * process's host mapping count stays bounded; the evicted pages fault
 * back with their data, and no simulated fault is counted for that.
 */
static void check_host_mappings_bounded(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	cr_assert_eq(kmm_host_map_budget(64), 0);
	const unsigned long n = 2048;
	long a = task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	char *p = task_user_ptr(t, (unsigned long)a);
	cr_assert_not_null(p);
	int before = host_map_count();
	unsigned long evicted = kmm_host_map_evictions();
	for (unsigned long i = 0; i < n; i += 2)
		p[i * PAGE_SIZE] = (char)i;
	int during = host_map_count();
	cr_assert_leq(during - before, 2 * 64 + 2, "at most two host mappings per run in the budget (%d more)",
		      during - before);
	cr_assert_gt(kmm_host_map_evictions(), evicted, "old runs went");
	unsigned long flt = t->min_flt;
	for (unsigned long i = 0; i < n; i += 2)
		cr_assert_eq(p[i * PAGE_SIZE], (char)i, "page %lu refaulted with its data", i);
	cr_assert_eq(t->min_flt, flt, "refilling the host mirror is not a page fault of the task");
	cr_assert_eq(t->mm->rss[MM_ANONPAGES], n / 2);
	assert_machine_sane();
	task_exit(t);
	cr_assert_eq(kmm_host_map_budget(0), 0);
	assert_machine_sane();
}

TEST_ON_EVERY_PROFILE(mmap, host_mappings_bounded, check_host_mappings_bounded)

static void read_byte(void *p)
{
	(void)*(volatile char *)p;
}

/* A host pointer mapped before munmap, mremap or MADV_DONTNEED sees what the page tables say after. */
static void check_host_mirror_follows_tables(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	long a = task_mmap(t, 0, 8 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p = task_user_ptr(t, (unsigned long)a);
	memset(p, 'm', 8 * PAGE_SIZE);
	cr_assert_eq(task_madvise(t, (unsigned long)a, PAGE_SIZE, MADV_DONTNEED), 0);
	cr_assert_eq(p[0], 0, "dropped: reads back zero through the old host mapping");
	cr_assert_eq(p[PAGE_SIZE], 'm');
	long b = task_mremap(t, (unsigned long)a + 4 * PAGE_SIZE, 4 * PAGE_SIZE, 4 * PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED,
			     (unsigned long)a - 16 * PAGE_SIZE);
	cr_assert_eq(b, a - 16 * (long)PAGE_SIZE);
	cr_assert_eq(kmm_try(read_byte, p + 4 * PAGE_SIZE), -EFAULT, "moved away: the old address is unmapped");
	kernel_siginfo_t si;
	cr_assert_eq(dequeue_signal(t, 0, &si), SIGSEGV);
	cr_assert_eq(si.si_code, SEGV_MAPERR);
	cr_assert_eq(*(char *)task_user_ptr(t, (unsigned long)b), 'm', "the page moved with its data");
	cr_assert_eq(task_munmap(t, (unsigned long)a, 4 * PAGE_SIZE), 0);
	cr_assert_eq(kmm_try(read_byte, p + PAGE_SIZE), -EFAULT, "unmapped");
	cr_assert_eq(kmm_try(read_byte, (char *)task_user_ptr(t, 0x10000)), -EFAULT, "never mapped");
	const char *log = kmm_dmesg();
	char want[64];
	snprintf(want, sizeof(want), "cat[%d]: segfault at %lx ip ", t->pid, (unsigned long)a + PAGE_SIZE);
	cr_assert_not_null(strstr(log, want), "%s", log);
	cr_assert_null(task_user_ptr(t, t->mm->task_size), "not a user address");
	assert_machine_sane();
	task_exit(t);
	assert_machine_sane();
}

TEST_ON_EVERY_PROFILE(mmap, host_mirror_follows_tables, check_host_mirror_follows_tables)

/* A reader holding a task (get_pid_task) or its mm (get_task_mm) keeps them across exit; the frames go at the last put. */
Test(mmap, task_and_mm_references)
{
	struct task_struct *t = boot_task("i386");
	unsigned long free0 = settled_free(), kobj0 = kernel_object_pages(); /* the task's kernel objects and stack */
	long a = task_mmap(t, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_eq(task_memset(t, (unsigned long)a, 1, 4 * PAGE_SIZE), 0);
	int pid = t->pid;
	struct task_struct *held = get_pid_task(pid);
	cr_assert_eq(held, t);
	struct mm_struct *mm = get_task_mm(held);
	cr_assert_not_null(mm);
	task_exit(t);
	cr_assert_null(find_task_by_pid(pid), "gone from the pid table");
	cr_assert_null(get_pid_task(pid));
	cr_assert_str_eq(held->comm, "cat", "the held task is still readable");
	cr_assert_null(get_task_mm(held), "its mm is detached");
	char path[32];
	snprintf(path, sizeof(path), "%d/maps", pid);
	cr_assert_null(kmm_proc_read(path));
	cr_assert_eq(errno, ENOENT);
	cr_assert_eq(mm->rss[MM_ANONPAGES], 4, "the held mm still has its pages");
	/* the objects exit freed (files, signal, pid ...) aside, the held mm's pages are still taken */
	cr_assert_lt(settled_free() - (kobj0 - kernel_object_pages()), free0);
	mmput(mm);
	put_task_struct(held);
	cr_assert_eq(settled_free(), free0 + pgd_pages() + kobj0, "every frame back at the last put (and the page directory, the kernel objects)");
	assert_machine_sane();
}

/* MAP_GROWSDOWN: any such mapping grows down on a fault below it, as the stack does; MAP_NORESERVE: not committed. */
static void check_growsdown_and_noreserve(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	unsigned long top = t->mm->mmap_base - (64UL << 20);
	long a = task_mmap(t, top - 4 * PAGE_SIZE, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN, -1, 0);
	cr_assert_eq(a, (long)(top - 4 * PAGE_SIZE));
	struct vm_area_struct *v = find_vma(t->mm, (unsigned long)a);
	cr_assert(v->vm_flags & VM_GROWSDOWN);
	unsigned long vm = t->mm->total_vm;
	cr_assert_eq(u_write(t, (unsigned long)a - 3 * PAGE_SIZE + 8, "g", 1), 0, "three pages below: it grows");
	cr_assert_eq(v->vm_start, (unsigned long)a - 3 * PAGE_SIZE);
	cr_assert_eq(t->mm->total_vm, vm + 3);
	assert_mm_sane(t);
	long n = task_mmap(t, 0, 16 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	v = find_vma(t->mm, (unsigned long)n);
	cr_assert(v->vm_flags & VM_NORESERVE);
	cr_assert_not(v->vm_flags & VM_ACCOUNT, "MAP_NORESERVE memory is not committed");
	long c = task_mmap(t, 0, 16 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert(find_vma(t->mm, (unsigned long)c)->vm_flags & VM_ACCOUNT, "private writable memory is");
	cr_assert_eq(u_memset(t, (unsigned long)n, 3, 16 * PAGE_SIZE), 0, "and faults in all the same");
	assert_machine_sane();
	task_exit(t);
	assert_machine_sane();
}

TEST_BOTH_WAYS(mmap, growsdown_and_noreserve, check_growsdown_and_noreserve)
