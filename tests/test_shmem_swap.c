/*
 * test_shmem_swap.c - shared anonymous memory (a shmem file, mm/filemap.c)
 * under memory pressure goes to swap as 6.1's mm/shmem.c sends it
 * (shmem_writepage: the page from the file's cache to the swap cache, its
 * swap entry left at its index) and comes back on a fault
 * (shmem_swapin_folio) or at swapoff (shmem_unuse): Shmem, RssShmem and
 * smaps' Swap move as Linux's do, the bytes survive, both tasks of a fork
 * see one page and one slot, and the slots are free once the last user
 * is gone.
 */
#include "kmm_test.h"

#include <kmm/swap.h>
#include <kmm/task.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(shmem_swap, .fini = fini, .timeout = 120);

/* A machine small enough to swap (as test_swap.c's): i386 and PAE 64 MiB, x86_64 128 MiB, 128 MiB of swap. */
static void small_machine_with_swap(const char *profile, struct kmm_usage *u)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = (strcmp(profile, "x86_64") ? 64ULL : 128ULL) << 20;
	boot_or_fail(&p);
	cr_assert_eq(kmm_swapon("/dev/vda", 128UL << 20, 0), 0);
	kmm_usage_settle(u);
}

/* A field of /proc/PID/status, in kB */
static unsigned long status_kb(struct task_struct *t, const char *field)
{
	char path[32];
	snprintf(path, sizeof(path), "%d/status", t->pid);
	char *st = kmm_proc_read(path);
	const char *at = strstr(st, field);
	cr_assert_not_null(at, "%s", field);
	unsigned long v = strtoul(at + strlen(field), NULL, 10);
	free(st);
	return v;
}

/* smaps' Swap: line of the VMA that starts at a, in kB */
static unsigned long smaps_swap_kb(struct task_struct *t, unsigned long a)
{
	char path[32], head[32];
	snprintf(path, sizeof(path), "%d/smaps", t->pid);
	snprintf(head, sizeof(head), "%08lx-", a);
	char *sm = kmm_proc_read(path);
	const char *vma = strstr(sm, head);
	cr_assert_not_null(vma, "no VMA at %s in\n%s", head, sm);
	const char *sw = strstr(vma, "\nSwap:");
	cr_assert_not_null(sw);
	unsigned long v = strtoul(sw + 6, NULL, 10);
	free(sm);
	return v;
}

/*
 * A shared anonymous region of a parent and its child, larger than the
 * machine: writing it sends shmem pages to swap (pswpout; Shmem,
 * RssShmem down; smaps Swap up, the same for both tasks), the child reads
 * the parent's bytes back through swap, a write by one is seen by the
 * other after swap-in, and munmap and exit free every slot.
 */
static void shared_region_swaps(const char *profile)
{
	struct kmm_usage u;
	small_machine_with_swap(profile, &u);
	struct task_struct *t = task_create("shm", 1000);
	cr_assert_not_null(t);
	unsigned long n = meminfo_value("MemFree:") / 4 * 3 / 2;
	long a = task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	struct task_struct *c = task_fork(t);
	cr_assert_not_null(c);
	unsigned long out0 = vmstat_value("pswpout");
	u_write_pattern(t, (unsigned long)a, 0, n, 1);
	unsigned long out = vmstat_value("pswpout") - out0;
	cr_assert_gt(out, n / 4, "%lu of %lu shmem pages went to swap", out, n);
	unsigned long shmem_kb = meminfo_value("Shmem:");
	unsigned long swap_used_kb = meminfo_value("SwapTotal:") - meminfo_value("SwapFree:");
	cr_assert_lt(shmem_kb, n * 4, "Shmem %lu kB of %lu pages", shmem_kb, n);
	cr_assert_geq(swap_used_kb + shmem_kb, n * 4, "every page is in memory or on swap");
	cr_assert_lt(status_kb(t, "RssShmem:"), n * 4);
	unsigned long swap_kb = smaps_swap_kb(t, (unsigned long)a);
	cr_assert_gt(swap_kb, 0);
	cr_assert_eq(smaps_swap_kb(c, (unsigned long)a), swap_kb, "one slot per page, whoever maps it");
	cr_assert_eq(status_kb(t, "VmSwap:"), 0, "no PTE holds a shmem page's slot");
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);

	/* the child reads the parent's bytes back, through swap */
	unsigned long in0 = vmstat_value("pswpin"), maj0 = c->maj_flt;
	u_check_pattern(c, (unsigned long)a, 0, n, 1);
	cr_assert_gt(vmstat_value("pswpin"), in0);
	cr_assert_gt(c->maj_flt, maj0, "reading a shmem page back from swap is a major fault");
	/* what one writes the other sees, after each swapped in what the other wrote */
	u_write_pattern(c, (unsigned long)a, 0, 16, 2);
	u_check_pattern(t, (unsigned long)a, 16, n - 16, 1); /* pushes the first 16 out again */
	u_check_pattern(t, (unsigned long)a, 0, 16, 2);
	u_write_pattern(t, (unsigned long)a, 0, n, 3);
	u_check_pattern(c, (unsigned long)a, 0, n, 3);
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);

	/* the child's munmap and exit leave the parent's mapping and slots; the parent's end frees them */
	cr_assert_eq(task_munmap(c, (unsigned long)a, n * PAGE_SIZE), 0);
	task_exit(c);
	cr_assert_lt(meminfo_value("SwapFree:"), meminfo_value("SwapTotal:"));
	u_check_pattern(t, (unsigned long)a, n - 16, 16, 3);
	cr_assert_eq(task_munmap(t, (unsigned long)a, n * PAGE_SIZE), 0);
	cr_assert_eq(meminfo_value("Shmem:"), 0);
	task_exit(t);
	swap_cache_settle();
	cr_assert_eq(swap_free_kb_settled(), meminfo_value("SwapTotal:"), "every slot is free after the last user");
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	assert_machine_sane();
	assert_nothing_lost_since(&u, "after the shared region");
}
TEST_BOTH_WAYS(shmem_swap, shared_region_swaps, shared_region_swaps)

/* Exit of both tasks while shmem pages are out (none read back): the inode's end frees their slots. */
static void exit_frees_slots(const char *profile)
{
	struct kmm_usage u;
	small_machine_with_swap(profile, &u);
	struct task_struct *t = task_create("shm", 1000);
	cr_assert_not_null(t);
	unsigned long n = meminfo_value("MemFree:") / 4 * 5 / 4;
	long a = task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	struct task_struct *c = task_fork(t);
	cr_assert_not_null(c);
	u_write_pattern(c, (unsigned long)a, 0, n, 1);
	cr_assert_gt(vmstat_value("pswpout"), 0);
	cr_assert_lt(meminfo_value("SwapFree:"), meminfo_value("SwapTotal:"));
	task_exit(t);
	task_exit(c);
	swap_cache_settle();
	cr_assert_eq(swap_free_kb_settled(), meminfo_value("SwapTotal:"));
	cr_assert_eq(meminfo_value("Shmem:"), 0);
	assert_machine_sane();
	assert_nothing_lost_since(&u, "after exit");
}
TEST_ON_EVERY_PROFILE(shmem_swap, exit_frees_slots, exit_frees_slots)

/*
 * swapoff with shmem pages out: shmem_unuse brings them back into the
 * file's cache (Shmem whole again) without a fault; the bytes are the
 * ones written.
 */
static void swapoff_brings_shmem_back(const char *profile)
{
	struct kmm_usage u;
	small_machine_with_swap(profile, &u);
	struct task_struct *t = task_create("shm", 1000);
	cr_assert_not_null(t);
	unsigned long free_pages = meminfo_value("MemFree:") / 4, n = free_pages / 2, m = free_pages * 3 / 4;
	long a = task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	long b = task_mmap(t, 0, m * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	cr_assert_gt(b, 0);
	u_write_pattern(t, (unsigned long)a, 0, n, 1);
	u_write_pattern(t, (unsigned long)b, 0, m, 1); /* the older shmem pages go to swap first */
	cr_assert_lt(meminfo_value("Shmem:"), n * 4, "some shmem pages went to swap");
	cr_assert_eq(task_munmap(t, (unsigned long)b, m * PAGE_SIZE), 0); /* room for them again */
	unsigned long maj0 = t->maj_flt;
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	cr_assert_eq(meminfo_value("SwapTotal:"), 0);
	cr_assert_eq(meminfo_value("Shmem:"), n * 4, "every shmem page is back in its file");
	cr_assert_eq(smaps_swap_kb(t, (unsigned long)a), 0);
	unsigned long in0 = vmstat_value("pswpin");
	u_check_pattern(t, (unsigned long)a, 0, n, 1);
	cr_assert_eq(vmstat_value("pswpin"), in0, "nothing left to read");
	cr_assert_eq(t->maj_flt, maj0);
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
	task_exit(t);
	assert_machine_sane();
	assert_nothing_lost_since(&u, "after swapoff");
}
TEST_ON_EVERY_PROFILE(shmem_swap, swapoff_brings_shmem_back, swapoff_brings_shmem_back)

/* Without swap space a shmem page has nowhere to go: it stays (activated), and nothing is written. */
Test(shmem_swap, without_swap_shmem_stays)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "i386";
	p.mem_bytes = 64ULL << 20;
	boot_or_fail(&p);
	struct kmm_usage u;
	kmm_usage_settle(&u);
	struct task_struct *t = task_create("shm", 1000);
	unsigned long n = meminfo_value("MemFree:") / 4 / 2;
	long a = task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	u_write_pattern(t, (unsigned long)a, 0, n, 1);
	long b = task_mmap(t, 0, n * 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_eq(mm_access(t, (unsigned long)b, n * 2 * PAGE_SIZE, true), -ENOMEM);
	cr_assert_eq(vmstat_value("pswpout"), 0);
	cr_assert_eq(meminfo_value("Shmem:"), n * 4);
	u_check_pattern(t, (unsigned long)a, 0, n, 1);
	task_exit(t);
	assert_machine_sane();
	assert_nothing_lost_since(&u, "after the pressure");
}

/*
 * A fault on a shmem page whose write to swap is still on the disk (or
 * that is still in the swap cache after it): the page comes back from
 * the swap cache, not from the slot (shmem_swapin_folio's
 * folio_wait_writeback, then a minor fault), with its bytes.
 */
static void fault_during_writeback(const char *profile)
{
	struct kmm_usage u;
	small_machine_with_swap(profile, &u);
	struct task_struct *t = task_create("shm", 1000);
	cr_assert_not_null(t);
	unsigned long n = meminfo_value("MemFree:") / 4 * 5 / 4;
	long a = task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	u_write_pattern(t, (unsigned long)a, 0, n, 1);
	/* (i386's last reclaim may have waited for its writes: then there is none in flight) */
	bool in_flight = swap_io_in_flight() > 0;
	unsigned long in0 = vmstat_value("pswpin"), out = vmstat_value("pswpout"), maj0 = t->maj_flt;
	/* the page reclaim took last (the highest no PTE maps) is still in the swap cache: no read */
	unsigned long last = n;
	while (last-- > 0) {
		unsigned long idx;
		phys_addr_t table = user_pte_table(t->mm->pgd, (unsigned long)a + last * PAGE_SIZE, false, &idx);
		if (!table || !(pte_get(table, idx) & _PAGE_PRESENT))
			break;
	}
	cr_assert_lt(last, n, "some page went out");
	u_check_pattern(t, (unsigned long)a, last, 1, 1);
	if (in_flight) {
		cr_assert_eq(vmstat_value("pswpin"), in0, "page %lu came from the swap cache", last);
		cr_assert_eq(t->maj_flt, maj0, "a minor fault");
	}
	for (unsigned long i = n; i-- > 0;)
		u_check_pattern(t, (unsigned long)a, i, 1, 1);
	cr_assert_gt(vmstat_value("pswpin"), in0);
	cr_assert_geq(vmstat_value("pswpout"), out);
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
	task_exit(t);
	swap_cache_settle();
	cr_assert_eq(swap_free_kb_settled(), meminfo_value("SwapTotal:"));
	assert_machine_sane();
	assert_nothing_lost_since(&u, "after the faults");
}
TEST_BOTH_WAYS(shmem_swap, fault_during_writeback, fault_during_writeback)
