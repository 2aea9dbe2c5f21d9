/*
 * test_fault_paths.c - where a process's faults go as 6.1's do: the stack
 * guard gap (mmap hints and stack growth), user accesses to kernel
 * addresses, the page-fault error code of the "segfault at" line,
 * fault-around and mmap readahead with the fault counts they give, PAE's
 * preallocated PMDs in VmPTE and PageTables, the queue of pending signals,
 * and copy-on-write reuse while another CPU's task exits.  The fault tests
 * run through both ways in where a user pointer reaches the address.
 */
#include "kmm_test.h"

#include <kmm/fs.h>
#include <kmm/task.h>
#include <pthread.h>
#include <signal.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(fault_paths, .fini = fini, .timeout = 120);

static struct task_struct *boot_task(const char *profile)
{
	return boot_with_task(profile, "cat", "/bin/cat", 0x6000, 0x1000, 0x1000);
}

static unsigned long proc_kb(const char *path, const char *field)
{
	char *text = kmm_proc_read(path);
	cr_assert_not_null(text, "%s", path);
	const char *at = strstr(text, field);
	cr_assert_not_null(at, "no %s in %s", field, path);
	unsigned long v = strtoul(at + strlen(field), NULL, 10);
	free(text);
	return v;
}

static unsigned long status_kb(struct task_struct *t, const char *field)
{
	char path[32];
	snprintf(path, sizeof(path), "%d/status", t->pid);
	return proc_kb(path, field);
}

static unsigned long settled_free(void)
{
	lru_add_drain_all(); /* the LRU batches' references */
	kmm_slab_shrink_all();
	drain_all_pages(NULL);
	return nr_free_pages();
}

/* The one signal pending: its number, with si_code and si_addr checked; nothing else may wait. */
static void assert_one_signal(struct task_struct *t, int sig, int code, unsigned long addr)
{
	kernel_siginfo_t si;
	cr_assert_eq(dequeue_signal(t, 0, &si), sig, "signal %d pending (mask %#llx)", sig,
		     (unsigned long long)task_sigpending(t));
	cr_assert_eq(si.si_signo, sig);
	cr_assert_eq(si.si_code, code, "si_code %d, want %d", si.si_code, code);
	cr_assert_eq(si.si_addr, addr, "si_addr %#lx, want %#lx", si.si_addr, addr);
	cr_assert_eq(task_sigpending(t), 0, "nothing else pending");
}

/* The log has "comm[pid]: segfault at ADDR ... error N" for this address, with this error code. */
static void assert_segfault_line(struct task_struct *t, unsigned long addr, int error)
{
	int w = M->prof->bits == 64 ? 16 : 8;
	char want[128];
	snprintf(want, sizeof(want), "%s[%d]: segfault at %lx ip %0*d sp %0*d error %d likely on CPU 0 (core 0, socket 0)\n",
		 t->comm, t->pid, addr, w, 0, w, 0, error);
	cr_assert_not_null(strstr(kmm_dmesg(), want), "no \"%s\" in:\n%s", want, kmm_dmesg());
}

/* ---- 1. the stack guard gap ------------------------------------------------------------------- */

static struct vm_area_struct *stack_vma(struct task_struct *t)
{
	struct vm_area_struct *v = find_vma(t->mm, t->mm->start_stack);
	cr_assert_not_null(v);
	cr_assert(v->vm_flags & VM_GROWSDOWN);
	return v;
}

/* A hint inside the 256 pages below the stack is refused and another place chosen; one below the gap is taken. */
static void check_hint_in_guard_gap(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	unsigned long gap = 256 * PAGE_SIZE, len = 4 * PAGE_SIZE;
	unsigned long s = stack_vma(t)->vm_start;
	unsigned long hint = s - 16 * PAGE_SIZE;
	long a = task_mmap(t, hint, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	cr_assert_neq((unsigned long)a, hint, "a hint inside the stack's guard gap is not taken");
	cr_assert_leq((unsigned long)a + len, s - gap, "nor is any address inside it");
	unsigned long edge = s - gap - len; /* ends right at the gap: free, and taken */
	long c = task_mmap(t, edge + PAGE_SIZE, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq((unsigned long)c, edge + PAGE_SIZE, "one page into the gap: refused");
	long b = task_mmap(t, edge, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_eq((unsigned long)b, edge);
	cr_assert_eq(mm_verify(t->mm, NULL, 0), 0);
	/* MAP_FIXED is the caller's word: it may map inside the gap */
	long f = task_mmap(t, hint, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	cr_assert_eq((unsigned long)f, hint);
	/* a hint below mmap_min_addr asks for mmap_min_addr (round_hint_to_min) */
	long m = task_mmap(t, 0x1000, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_eq((unsigned long)m, MMAP_MIN_ADDR);
	task_exit(t);
	assert_machine_sane();
}

TEST_ON_EVERY_PROFILE(fault_paths, hint_in_guard_gap, check_hint_in_guard_gap)

/* stack_guard_gap=16: the gap is 16 pages, so a hint 32 pages below the stack is taken. */
static void check_stack_guard_gap_param(const char *profile)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 256ULL << 20;
	p.cmdline = "stack_guard_gap=16";
	boot_or_fail(&p);
	cr_assert_eq(M->stack_guard_gap, 16 * PAGE_SIZE);
	struct task_struct *t = task_create("cat", 1000);
	cr_assert_eq(task_exec_layout(t, "/bin/cat", 0x6000, 0x1000, 0x1000), 0);
	unsigned long s = stack_vma(t)->vm_start;
	long a = task_mmap(t, s - 32 * PAGE_SIZE, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_eq((unsigned long)a, s - 32 * PAGE_SIZE);
	long b = task_mmap(t, s - 8 * PAGE_SIZE, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq((unsigned long)b, s - 8 * PAGE_SIZE);
	task_exit(t);
	assert_machine_sane();
}

TEST_ON_EVERY_PROFILE(fault_paths, stack_guard_gap_param, check_stack_guard_gap_param)

/*
 * The stack does not grow to within 256 pages of an accessible mapping
 * below it (SIGSEGV, SEGV_MAPERR); once that mapping is PROT_NONE it may.
 */
static void check_stack_growth_keeps_the_gap(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	struct vm_area_struct *stack = stack_vma(t);
	unsigned long s = stack->vm_start;
	long below = task_mmap(t, s - 300 * PAGE_SIZE, 100 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	cr_assert_eq((unsigned long)below, s - 300 * PAGE_SIZE);
	/* 199 pages above the mapping's end: inside its gap */
	unsigned long addr = s - PAGE_SIZE + 8;
	cr_assert_eq(u_write(t, addr, "x", 1), -EFAULT, "the stack may not grow into the gap");
	assert_one_signal(t, SIGSEGV, SEGV_MAPERR, addr);
	assert_segfault_line(t, addr, 6);
	cr_assert_eq(stack->vm_start, s, "the stack did not move");
	cr_assert_eq(task_mprotect(t, (unsigned long)below, 100 * PAGE_SIZE, PROT_NONE), 0);
	cr_assert_eq(u_write(t, addr, "x", 1), 0, "a PROT_NONE neighbour keeps no gap");
	cr_assert_eq(stack->vm_start, s - PAGE_SIZE);
	cr_assert_eq(task_sigpending(t), 0);
	cr_assert_eq(mm_verify(t->mm, NULL, 0), 0);
	task_exit(t);
	assert_machine_sane();
}

TEST_BOTH_WAYS(fault_paths, stack_growth_keeps_the_gap, check_stack_growth_keeps_the_gap)

/* ---- 2. kernel addresses through the software path ------------------------------------------ */

/*
 * A task's read or write of a kernel address faults as a user access
 * does: SIGSEGV (SEGV_MAPERR) and the segfault line, the error code with
 * its present bit set whatever the kernel tables hold (sanitize_error_code);
 * no kernel byte reaches the task.  (A host pointer of the task reaches
 * only its user half, so this is the software way in.)
 */
static void check_kernel_address(const char *profile)
{
	ARM64_NOT_YET(profile, "x86 non-canonical GP faults; arm64 has translation faults only");
	struct task_struct *t = boot_task(profile);
	unsigned long kva = kernel_va_start() + 0x1000; /* the direct map (PAGE_OFFSET): present in the kernel's tables */
	char buf[16];
	memset(buf, 'u', sizeof(buf));
	cr_assert_eq(task_read(t, kva, buf, sizeof(buf)), -EFAULT);
	cr_assert_eq(buf[0], 'u', "nothing was read");
	assert_one_signal(t, SIGSEGV, SEGV_MAPERR, kva);
	assert_segfault_line(t, kva, 5);
	cr_assert_eq(task_write(t, kva, "x", 1), -EFAULT);
	assert_one_signal(t, SIGSEGV, SEGV_MAPERR, kva);
	assert_segfault_line(t, kva, 7);
	/* an access that starts in the stack's last page and runs into TASK_SIZE: its bytes below are read */
	unsigned long top = t->mm->task_size;
	cr_assert_eq(stack_vma(t)->vm_end, top);
	memset(buf, 'u', sizeof(buf));
	cr_assert_eq(task_read(t, top - 4, buf, 8), -EFAULT);
	cr_assert_eq(buf[0], 0, "the stack's bytes came");
	cr_assert_eq(buf[4], 'u');
	assert_one_signal(t, SIGSEGV, SEGV_MAPERR, top);
	assert_segfault_line(t, top, 5);
	if (M->prof->bits == 64) {
		/* a non-canonical address is a general protection fault: SI_KERNEL, no address */
		cr_assert_eq(task_read(t, 0x0000800000000000UL, buf, 1), -EFAULT);
		assert_one_signal(t, SIGSEGV, SI_KERNEL, 0);
		cr_assert_not_null(strstr(kmm_dmesg(), "traps: cat[1] general protection fault ip:0 sp:0 error:0\n"));
		cr_assert_eq(task_read(t, ~0UL - 8, buf, 16), -EFAULT, "wraps around: not addresses");
	} else {
		cr_assert_eq(task_read(t, 0xfffffff0UL, buf, 32), -EFAULT, "beyond 4 GiB: not addresses of the machine");
		cr_assert_eq(task_sigpending(t), 0);
	}
	task_exit(t);
	assert_machine_sane();
}

TEST_ON_EVERY_PROFILE(fault_paths, kernel_address, check_kernel_address)

/* ---- 3. the error code ---------------------------------------------------------------------- */

/* 4 | 2 (write) | 1 (present): error 4, 6, 6 (a never-touched read-only page), 7 (present), 4 (PROT_NONE). */
static void check_error_codes(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	char c;
	unsigned long hole = 0x10000000;
	cr_assert_eq(u_read(t, hole, &c, 1), -EFAULT);
	assert_one_signal(t, SIGSEGV, SEGV_MAPERR, hole);
	assert_segfault_line(t, hole, 4);
	cr_assert_eq(u_write(t, hole + 8, "x", 1), -EFAULT);
	assert_one_signal(t, SIGSEGV, SEGV_MAPERR, hole + 8);
	assert_segfault_line(t, hole + 8, 6);
	long ro = task_mmap(t, 0, 2 * PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_eq(u_write(t, (unsigned long)ro + 3, "x", 1), -EFAULT);
	assert_one_signal(t, SIGSEGV, SEGV_ACCERR, (unsigned long)ro + 3);
	assert_segfault_line(t, (unsigned long)ro + 3, 6);
	cr_assert_eq(u_read(t, (unsigned long)ro + PAGE_SIZE, &c, 1), 0);
	cr_assert_eq(u_write(t, (unsigned long)ro + PAGE_SIZE + 5, "x", 1), -EFAULT);
	assert_one_signal(t, SIGSEGV, SEGV_ACCERR, (unsigned long)ro + PAGE_SIZE + 5);
	assert_segfault_line(t, (unsigned long)ro + PAGE_SIZE + 5, 7);
	long rw = task_mmap(t, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_eq(u_write(t, (unsigned long)rw, "y", 1), 0);
	cr_assert_eq(task_mprotect(t, (unsigned long)rw, PAGE_SIZE, PROT_NONE), 0);
	cr_assert_eq(u_read(t, (unsigned long)rw + 1, &c, 1), -EFAULT);
	assert_one_signal(t, SIGSEGV, SEGV_ACCERR, (unsigned long)rw + 1);
	assert_segfault_line(t, (unsigned long)rw + 1, 4); /* a PROT_NONE PTE is not present to the CPU */
	task_exit(t);
	assert_machine_sane();
}

TEST_BOTH_WAYS(fault_paths, error_codes, check_error_codes)

static unsigned long count_lines(const char *text, const char *needle)
{
	unsigned long n = 0;
	for (const char *p = text; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* A task that faults in a loop: 10 lines per 5 s (printk_ratelimit), then "callbacks suppressed"; every fault is signalled. */
static void check_segfault_lines_ratelimited(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	char c;
	for (int i = 0; i < 25; i++) {
		cr_assert_eq(u_read(t, 0x10000000 + (unsigned long)i * PAGE_SIZE, &c, 1), -EFAULT);
		cr_assert_eq(task_sigpending(t), 1ULL << (SIGSEGV - 1));
	}
	cr_assert_eq(count_lines(kmm_dmesg(), ": segfault at "), 10);
	kmm_clock_advance(6ULL * 1000000000ULL); /* past the 5 s interval */
	cr_assert_eq(u_read(t, 0x20000000, &c, 1), -EFAULT);
	cr_assert_not_null(strstr(kmm_dmesg(), "show_signal_msg: 15 callbacks suppressed\n"), "%s", kmm_dmesg());
	cr_assert_eq(count_lines(kmm_dmesg(), ": segfault at "), 11);
	assert_segfault_line(t, 0x20000000, 4);
	kernel_siginfo_t si;
	cr_assert_eq(dequeue_signal(t, 0, &si), SIGSEGV);
	cr_assert_eq(si.si_addr, 0x10000000UL, "the first one's siginfo: later ones found it pending");
	task_exit(t);
	assert_machine_sane();
}

TEST_BOTH_WAYS(fault_paths, segfault_lines_ratelimited, check_segfault_lines_ratelimited)

/* ---- 4. fault-around and readahead -------------------------------------------------------- */

#define MIB_PAGES 256UL

static void make_file(const char *path, unsigned long pages)
{
	char *data = malloc(pages * PAGE_SIZE);
	for (unsigned long i = 0; i < pages; i++)
		memset(data + i * PAGE_SIZE, 'a' + (int)(i % 26), PAGE_SIZE);
	cr_assert_eq(kmm_file_create(path, data, pages * PAGE_SIZE), 0);
	free(data);
}

/*
 * A free 1 MiB-aligned hint well below mmap_base: fault-around windows are
 * 64 KiB-aligned, so a mapping that starts off that alignment (x86_64's
 * mmap_base is TASK_SIZE less page-aligned gaps) takes one fault more.
 */
static unsigned long aligned_hint(struct task_struct *t)
{
	return ALIGN_DOWN(t->mm->mmap_base - (64UL << 20), 1UL << 20);
}

/* Read 1 MiB of a shared file mapping whose pages are all cached: one fault per 64 KiB, all minor. */
static void check_fault_around_cached(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	make_file("/data/big", MIB_PAGES);
	char *buf = malloc(MIB_PAGES * PAGE_SIZE);
	cr_assert_eq(kmm_file_pread("/data/big", buf, MIB_PAGES * PAGE_SIZE, 0), (long)(MIB_PAGES * PAGE_SIZE));
	int fd = task_open(t, "/data/big", O_RDONLY);
	long a = task_mmap(t, aligned_hint(t), MIB_PAGES * PAGE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	cr_assert_eq((unsigned long)a, aligned_hint(t));
	unsigned long min = t->min_flt, maj = t->maj_flt, pgf = vmstat_value("pgfault"), pgmaj = vmstat_value("pgmajfault");
	memset(buf, 0, MIB_PAGES * PAGE_SIZE);
	cr_assert_eq(u_read(t, (unsigned long)a, buf, MIB_PAGES * PAGE_SIZE), 0);
	for (unsigned long i = 0; i < MIB_PAGES; i++)
		cr_assert_eq(buf[i * PAGE_SIZE + 7], 'a' + (int)(i % 26), "page %lu", i);
	cr_assert_eq(t->min_flt - min, 16, "16 faults for 256 pages");
	cr_assert_eq(t->maj_flt, maj);
	cr_assert_eq(vmstat_value("pgfault") - pgf, 16);
	cr_assert_eq(vmstat_value("pgmajfault"), pgmaj);
	cr_assert_eq(t->mm->rss[MM_FILEPAGES], MIB_PAGES);
	cr_assert_eq(status_kb(t, "RssFile:"), MIB_PAGES * 4);
	/* fault_around_bytes: one page is a fault per page again */
	cr_assert_eq(kmm_proc_write("sys/kernel/debug/fault_around_bytes", "4096"), 0);
	cr_assert_eq(task_munmap(t, (unsigned long)a, MIB_PAGES * PAGE_SIZE), 0);
	a = task_mmap(t, aligned_hint(t), MIB_PAGES * PAGE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	min = t->min_flt;
	cr_assert_eq(u_touch(t, (unsigned long)a, MIB_PAGES * PAGE_SIZE, false), 0);
	cr_assert_eq(t->min_flt - min, MIB_PAGES);
	free(buf);
	task_exit(t);
	assert_machine_sane();
}

TEST_BOTH_WAYS(fault_paths, fault_around_cached, check_fault_around_cached)

/*
 * The same 1 MiB read from the disk: the first fault reads 128 KiB around
 * the page (read-around, its 25th page marked), every marker hit reads
 * the next 128 KiB (marked at its first page), and every fault that did
 * I/O ran twice.  6.1's counts, worked out by hand from mm/filemap.c and
 * mm/readahead.c: faults at pages 0 (major, 2 runs), 16, 24 (marker: 2
 * runs, the task's major), then per 128 KiB from 32: the marker (2 runs,
 * major) and the page 16 on.  pgfault 26, pgmajfault 1, maj_flt 9,
 * min_flt 8; 1 MiB read in, nothing past the end.
 */
static void check_readahead_counts(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	make_file("/data/cold", MIB_PAGES);
	int fd = task_open(t, "/data/cold", O_RDONLY);
	long a = task_mmap(t, aligned_hint(t), MIB_PAGES * PAGE_SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
	cr_assert_eq((unsigned long)a, aligned_hint(t));
	unsigned long min = t->min_flt, maj = t->maj_flt, pgf = vmstat_value("pgfault"), pgmaj = vmstat_value("pgmajfault");
	unsigned long pgpgin = vmstat_value("pgpgin");
	cr_assert_eq(u_touch(t, (unsigned long)a, MIB_PAGES * PAGE_SIZE, false), 0);
	cr_assert_eq(vmstat_value("pgfault") - pgf, 26);
	cr_assert_eq(vmstat_value("pgmajfault") - pgmaj, 1);
	cr_assert_eq(t->maj_flt - maj, 9);
	cr_assert_eq(t->min_flt - min, 8);
	cr_assert_eq(vmstat_value("pgpgin") - pgpgin, MIB_PAGES * 4, "1 MiB read in");
	cr_assert_eq(kmm_file_cached_pages("/data/cold"), (long)MIB_PAGES);
	cr_assert_eq(t->mm->rss[MM_FILEPAGES], MIB_PAGES);
	char path[32];
	snprintf(path, sizeof(path), "%d/status", t->pid);
	cr_assert_eq(status_kb(t, "RssFile:"), MIB_PAGES * 4);
	/* a second reader finds it all cached: 16 minor faults */
	struct task_struct *u = task_create("other", 1000);
	int ufd = task_open(u, "/data/cold", O_RDONLY);
	long b = task_mmap(u, aligned_hint(u), MIB_PAGES * PAGE_SIZE, PROT_READ, MAP_SHARED, ufd, 0);
	cr_assert_eq(u_touch(u, (unsigned long)b, MIB_PAGES * PAGE_SIZE, false), 0);
	cr_assert_eq(u->min_flt, 16);
	cr_assert_eq(u->maj_flt, 0);
	assert_machine_sane();
	task_exit(u);
	task_exit(t);
	assert_machine_sane();
}

TEST_BOTH_WAYS(fault_paths, readahead_counts, check_readahead_counts)

/*
 * A file shorter than the window: read-around reads it whole and marks
 * its first page (the mark sits async_size before the window's end, cut
 * at EOF); fault-around leaves that page unmapped.  When the file goes,
 * no free page keeps the mark (PG_readahead is PG_reclaim).
 */
static void check_readahead_marker(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	make_file("/data/short", 8);
	int fd = task_open(t, "/data/short", O_RDONLY);
	long a = task_mmap(t, 0, 8 * PAGE_SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
	char c;
	cr_assert_eq(u_read(t, (unsigned long)a + 3 * PAGE_SIZE, &c, 1), 0);
	cr_assert_eq(kmm_file_cached_pages("/data/short"), 8);
	cr_assert_eq(t->mm->rss[MM_FILEPAGES], 7, "all but the marked page 0");
	unsigned long maj = t->maj_flt, min = t->min_flt;
	cr_assert_eq(u_read(t, (unsigned long)a, &c, 1), 0);
	cr_assert_eq(c, 'a');
	cr_assert_eq(t->maj_flt - maj, 1, "the marker: readahead (nothing left to read) and a retried fault");
	cr_assert_eq(t->min_flt, min);
	cr_assert_eq(t->mm->rss[MM_FILEPAGES], 8);
	u_read(t, (unsigned long)a + 5 * PAGE_SIZE, &c, 1);
	task_exit(t);
	cr_assert_eq(kmm_file_unlink("/data/short"), 0);
	/* the same again, left marked: the pages go with the file */
	t = task_create("again", 1000);
	make_file("/data/short2", 8);
	fd = task_open(t, "/data/short2", O_RDONLY);
	a = task_mmap(t, 0, 8 * PAGE_SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
	cr_assert_eq(u_read(t, (unsigned long)a + 3 * PAGE_SIZE, &c, 1), 0);
	task_exit(t);
	cr_assert_eq(kmm_file_unlink("/data/short2"), 0);
	drain_all_pages(NULL);
	for (unsigned long pfn = 0; pfn < M->max_pfn; pfn++) /* every free page (refcount 0), buddy heads and tails */
		if (pfn_valid(pfn) && !page_ref_count(pfn_to_page(pfn)))
			cr_assert_eq(pfn_to_page(pfn)->flags & (1UL << PG_reclaim), 0, "pfn %#lx is free and marked", pfn);
	assert_machine_sane();
}

TEST_BOTH_WAYS(fault_paths, readahead_marker, check_readahead_marker)

/* A write fault with no PTE on a private file mapping copies the cache page (do_cow_fault): no fault-around. */
static void check_cow_fault_first(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	make_file("/data/w", 4);
	int fd = task_open(t, "/data/w", O_RDWR);
	long a = task_mmap(t, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	cr_assert_eq(u_write(t, (unsigned long)a + PAGE_SIZE, "W", 1), 0);
	cr_assert_eq(t->mm->rss[MM_ANONPAGES], 1);
	cr_assert_eq(t->mm->rss[MM_FILEPAGES], 0, "a write maps nothing around it");
	cr_assert_eq(t->maj_flt, 1, "it read the file (around it) first");
	cr_assert_eq(kmm_file_cached_pages("/data/w"), 4);
	char c;
	cr_assert_eq(u_read(t, (unsigned long)a, &c, 1), 0);
	cr_assert_eq(c, 'a');
	cr_assert_eq(t->mm->rss[MM_FILEPAGES], 3, "a read maps the cached pages where no PTE is");
	cr_assert_eq(u_read(t, (unsigned long)a + PAGE_SIZE, &c, 1), 0);
	cr_assert_eq(c, 'W', "the private copy stayed");
	task_exit(t);
	assert_machine_sane();
}

TEST_BOTH_WAYS(fault_paths, cow_fault_first, check_cow_fault_first)

/* Shared anonymous memory: the writer faults page by page (holes), a forked reader once per 64 KiB. */
static void check_shmem_fault_around(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	long a = task_mmap(t, aligned_hint(t), MIB_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			   -1, 0);
	cr_assert_eq((unsigned long)a, aligned_hint(t));
	unsigned long min = t->min_flt;
	cr_assert_eq(u_memset(t, (unsigned long)a, 's', MIB_PAGES * PAGE_SIZE), 0);
	cr_assert_eq(t->min_flt - min, MIB_PAGES, "every page a hole: a fault each");
	cr_assert_eq(t->maj_flt, 0);
	struct task_struct *child = task_fork(t);
	cr_assert_not_null(child);
	cr_assert_eq(u_touch(child, (unsigned long)a, MIB_PAGES * PAGE_SIZE, false), 0);
	cr_assert_eq(child->min_flt, 16);
	cr_assert_eq(child->mm->rss[MM_SHMEMPAGES], MIB_PAGES);
	char c;
	cr_assert_eq(u_read(child, (unsigned long)a + 77 * PAGE_SIZE, &c, 1), 0);
	cr_assert_eq(c, 's');
	assert_machine_sane();
	task_exit(child);
	task_exit(t);
	assert_machine_sane();
}

TEST_BOTH_WAYS(fault_paths, shmem_fault_around, check_shmem_fault_around)

Test(fault_paths, fault_around_bytes_knob)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.mem_bytes = 256ULL << 20;
	boot_or_fail(&p);
	char *v = kmm_proc_read("sys/kernel/debug/fault_around_bytes");
	cr_assert_str_eq(v, "65536\n");
	free(v);
	cr_assert_eq(kmm_proc_write("sys/kernel/debug/fault_around_bytes", "100000"), 0);
	v = kmm_proc_read("sys/kernel/debug/fault_around_bytes");
	cr_assert_str_eq(v, "65536\n", "rounded down to a power of two");
	free(v);
	cr_assert_eq(kmm_proc_write("sys/kernel/debug/fault_around_bytes", "0"), 0);
	v = kmm_proc_read("sys/kernel/debug/fault_around_bytes");
	cr_assert_str_eq(v, "4096\n", "a page at least");
	free(v);
	cr_assert_eq(kmm_proc_write("sys/kernel/debug/fault_around_bytes", "8388608"), -EINVAL, "more than a table maps");
	cr_assert_eq(kmm_proc_write("sys/kernel/debug/fault_around_bytes", "lots"), -EINVAL);
	cr_assert_eq(kmm_proc_write("sys/kernel/debug/fault_around_bytes", "-1"), -EINVAL);
	v = kmm_proc_read("sys/kernel/debug/fault_around_bytes");
	cr_assert_str_eq(v, "4096\n", "a refused write changes nothing");
	free(v);
	assert_machine_sane();
}

/* ---- 5. PAE's preallocated PMDs ---------------------------------------------------------------- */

/*
 * A new address space costs x86's PAE three PMD pages at once, ARM's LPAE one (the modules' gigabyte; the
 * others come on demand), counted in VmPTE and PageTables; a PMD once made stays until exit, which gives
 * them back.
 */
static void check_pae_pmds(const char *profile)
{
	ARM64_NOT_YET(profile, "counts x86 page directories");
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 256ULL << 20;
	boot_or_fail(&p);
	unsigned long pt0 = proc_kb("meminfo", "PageTables:"), free0 = settled_free(), kobj0 = kernel_object_pages();
	struct task_struct *t = task_create("sh", 1000);
	cr_assert_not_null(t);
	bool lpae = M->prof->pae && M->prof->arch == KMM_ARCH_ARM;
	unsigned long pmds = M->prof->pae ? (lpae ? 1 : 3) : 0;
	cr_assert_eq(status_kb(t, "VmPTE:"), pmds * 4);
	cr_assert_eq(proc_kb("meminfo", "PageTables:") - pt0, pmds * 4);
	unsigned long taken = free0 - settled_free();
	cr_assert_eq(taken - (kernel_object_pages() - kobj0), pgd_pages(), "the page directory and its PMDs (besides the task's kernel objects)");
	/* a page in the first GiB: one PTE table more; unmapped, the table goes and the PMD stays */
	long a = task_mmap(t, 0x10000000, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	cr_assert_eq(u_write(t, (unsigned long)a, "x", 1), 0);
	/* x86_64: a PUD and a PMD table above it; LPAE: the first gigabyte's PMD */
	unsigned long upper = M->prof->bits == 64 ? 2 : lpae ? 1 : 0;
	cr_assert_eq(status_kb(t, "VmPTE:"), (pmds + upper + 1) * 4);
	cr_assert_eq(proc_kb("meminfo", "PageTables:") - pt0, (pmds + upper + 1) * 4);
	cr_assert_eq(task_munmap(t, (unsigned long)a, PAGE_SIZE), 0);
	cr_assert_eq(status_kb(t, "VmPTE:"), (pmds + (lpae ? 1 : 0)) * 4);
	assert_machine_sane();
	task_exit(t);
	cr_assert_eq(proc_kb("meminfo", "PageTables:"), pt0);
	cr_assert_eq(settled_free(), free0);
	assert_machine_sane();
}

TEST_ON_EVERY_PROFILE(fault_paths, pae_pmds, check_pae_pmds)

/*
 * x86_64's page directory is an order-1 block when the kernel is built with PAGE_TABLE_ISOLATION
 * (Debian's), one page without it; i386 cannot have the option (it needs X86_64 or X86_PAE) and
 * arm64 has no such option.  The block's free at exit reaches the per-CPU list as one order-1 page.
 */
Test(fault_paths, page_table_isolation_kconfig)
{
	const char *kconfig[] = { NULL, "PAGE_TABLE_ISOLATION=n" };
	for (int i = 0; i < 2; i++) {
		struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
		p.profile = "x86_64";
		p.mem_bytes = 256ULL << 20;
		p.kconfig = kconfig[i];
		boot_or_fail(&p);
		unsigned long free0 = settled_free(), kobj0 = kernel_object_pages();
		struct task_struct *t = task_create("sh", 1000);
		cr_assert_not_null(t);
		unsigned long taken = free0 - settled_free() - (kernel_object_pages() - kobj0);
		cr_assert_eq(taken, i == 0 ? 2 : 1, "%s: the page directory takes %lu pages", kconfig[i] ? kconfig[i] : "Debian's build",
			     taken);
		unsigned long pfn = PFN_DOWN(t->mm->pgd);
		if (i == 0) { /* 8 KiB aligned, its second page the block's (no free page, no reference of its own) */
			cr_assert_eq(pfn & 1, 0);
			cr_assert(!PageBuddy(pfn_to_page(pfn + 1)) && page_ref_count(pfn_to_page(pfn + 1)) == 0);
		}
		unsigned long pgfree = vmstat_value("pgfree");
		task_exit(t);
		cr_assert_geq(vmstat_value("pgfree") - pgfree, taken);
		cr_assert_eq(settled_free(), free0);
		assert_machine_sane();
		kmm_shutdown();
	}
	char err[256];
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "i386";
	p.mem_bytes = 256ULL << 20;
	p.kconfig = "PAGE_TABLE_ISOLATION=y";
	cr_assert_eq(kmm_boot(&p, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "X86_64 or X86_PAE"), "%s", err);
	p.kconfig = "PAGE_TABLE_ISOLATION=maybe";
	p.profile = "x86_64";
	cr_assert_eq(kmm_boot(&p, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "expected y or n"), "%s", err);
	p.kconfig = "PAGE_TABLE_ISOLATION=y";
	p.profile = "arm64";
	p.mem_bytes = 1ULL << 30;
	cr_assert_eq(kmm_boot(&p, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "unknown option"), "%s", err);
	p.profile = "i386-pae";
	p.mem_bytes = 256ULL << 20;
	boot_or_fail(&p);
	assert_machine_sane();
}

/* ---- 6. the signal queue ------------------------------------------------------------------------ */

static void check_signal_queue(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	char c;
	/* two faults: one SIGSEGV pending, the first one's siginfo kept (standard signals queue once) */
	cr_assert_eq(u_read(t, 0x20000000, &c, 1), -EFAULT);
	cr_assert_eq(u_read(t, 0x30000000, &c, 1), -EFAULT);
	cr_assert_eq(task_sigpending(t), 1ULL << (SIGSEGV - 1));
	cr_assert_eq(send_sig_info(SIGUSR1, NULL, t), 0);
	cr_assert_eq(kmm_file_create("/data/s", "s", 1), 0);
	int fd = task_open(t, "/data/s", O_RDONLY);
	long m = task_mmap(t, 0, 2 * PAGE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	cr_assert_eq(u_read(t, (unsigned long)m + PAGE_SIZE + 2, &c, 1), -EFAULT);
	cr_assert_eq(task_sigpending(t), (1ULL << (SIGSEGV - 1)) | (1ULL << (SIGBUS - 1)) | (1ULL << (SIGUSR1 - 1)));
	kernel_siginfo_t si;
	/* SIGUSR1 blocked: the synchronous ones come first anyway, the lowest first */
	u64 blocked = 1ULL << (SIGUSR1 - 1);
	cr_assert_eq(dequeue_signal(t, blocked, &si), SIGBUS);
	cr_assert_eq(si.si_code, BUS_ADRERR);
	cr_assert_eq(si.si_addr, (unsigned long)m + PAGE_SIZE + 2);
	cr_assert_eq(dequeue_signal(t, blocked, &si), SIGSEGV);
	cr_assert_eq(si.si_code, SEGV_MAPERR);
	cr_assert_eq(si.si_addr, 0x20000000UL, "the first fault's siginfo");
	cr_assert_eq(dequeue_signal(t, blocked, &si), 0, "only the blocked one is left");
	cr_assert_eq(dequeue_signal(t, 0, &si), SIGUSR1);
	cr_assert_eq(si.si_code, SI_KERNEL);
	cr_assert_eq(task_sigpending(t), 0);
	/* real-time signals queue every instance, up to RLIMIT_SIGPENDING */
	t->rlim[RLIMIT_SIGPENDING] = 2;
	kernel_siginfo_t q = { .si_code = SI_QUEUE };
	const int rt = KMM_SIGRTMIN + 2; /* glibc's SIGRTMIN */
	cr_assert_eq(send_sig_info(rt, &q, t), 0);
	cr_assert_eq(send_sig_info(rt, &q, t), 0);
	cr_assert_eq(send_sig_info(rt, &q, t), -EAGAIN, "the queue is full");
	cr_assert_eq(send_sig_info(0, NULL, t), -EINVAL);
	cr_assert_eq(send_sig_info(65, NULL, t), -EINVAL);
	cr_assert_eq(dequeue_signal(t, 0, NULL), -EINVAL);
	cr_assert_eq(dequeue_signal(t, 0, &si), rt);
	cr_assert_eq(si.si_code, SI_QUEUE);
	cr_assert_eq(task_sigpending(t), 1ULL << (rt - 1), "the second instance is still pending");
	cr_assert_eq(dequeue_signal(t, 0, &si), rt);
	cr_assert_eq(task_sigpending(t), 0);
	/* a forked child starts with nothing pending; what the parent leaves goes at its exit */
	cr_assert_eq(u_read(t, 0x20000000, &c, 1), -EFAULT);
	struct task_struct *child = task_fork(t);
	cr_assert_eq(task_sigpending(child), 0);
	cr_assert_neq(task_sigpending(t), 0);
	task_exit(child);
	task_exit(t);
	assert_machine_sane();
}

TEST_BOTH_WAYS(fault_paths, signal_queue, check_signal_queue)

/* ---- 7. copy-on-write reuse while another CPU's task exits ------------------------------------ */

#define COW_PAGES 64
#define COW_ROUNDS 40

struct cow_race {
	struct task_struct *parent, *child;
	unsigned long addr;
	pthread_barrier_t go;
	int bad;
};

static void *cow_writer(void *arg)
{
	struct cow_race *r = arg;
	cr_assert_eq(kmm_cpu_enter(0), 0);
	pthread_barrier_wait(&r->go);
	for (unsigned long i = 0; i < COW_PAGES; i++)
		if (task_write(r->parent, r->addr + i * PAGE_SIZE, "P", 1))
			r->bad++;
	kmm_cpu_exit();
	return NULL;
}

static void *cow_exiter(void *arg)
{
	struct cow_race *r = arg;
	cr_assert_eq(kmm_cpu_enter(1), 0);
	pthread_barrier_wait(&r->go);
	task_exit(r->child);
	kmm_cpu_exit();
	return NULL;
}

/*
 * The parent writes its pages copy-on-write shared with a child while the
 * child exits on the other CPU: each page is reused or copied, never
 * both, the data is the parent's, and nothing is lost.
 */
static void check_cow_reuse_race(const char *profile)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 256ULL << 20;
	p.nr_cpus = 2;
	boot_or_fail(&p);
	struct task_struct *parent = task_create("parent", 1000);
	long a = task_mmap(parent, 0, COW_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_eq(task_memset(parent, (unsigned long)a, 'o', COW_PAGES * PAGE_SIZE), 0);
	for (int round = 0; round < COW_ROUNDS; round++) {
		struct cow_race r = { .parent = parent, .child = task_fork(parent), .addr = (unsigned long)a };
		cr_assert_not_null(r.child);
		pthread_barrier_init(&r.go, NULL, 2);
		kmm_cpu_exit();
		pthread_t w, e;
		pthread_create(&w, NULL, cow_writer, &r);
		pthread_create(&e, NULL, cow_exiter, &r);
		pthread_join(w, NULL);
		pthread_join(e, NULL);
		kmm_cpu_enter(0);
		pthread_barrier_destroy(&r.go);
		cr_assert_eq(r.bad, 0);
		cr_assert_eq(parent->mm->rss[MM_ANONPAGES], COW_PAGES, "one page per address, reused or copied");
		for (unsigned long i = 0; i < COW_PAGES; i++) {
			char c[2];
			cr_assert_eq(task_read(parent, (unsigned long)a + i * PAGE_SIZE, c, 2), 0);
			cr_assert_eq(c[0], 'P');
			cr_assert_eq(c[1], 'o');
		}
		assert_machine_sane();
	}
	task_exit(parent);
	assert_machine_sane();
}

TEST_ON_EVERY_PROFILE(fault_paths, cow_reuse_race, check_cow_reuse_race)
