/*
 * test_swap.c - swap areas (mm/swapfile.c) and swap entries in PTEs
 * (arch/pgtable.c): each profile's PTE format, swapon/swapoff with
 * priorities, /proc/swaps and the meminfo lines as a real 6.1 kernel
 * prints them, the slot allocator and counts, and hostile arguments.
 */
#include "kmm_test.h"

#include <kmm/swap.h>
#include <kmm/task.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(swap, .fini = fini, .timeout = 60);

static void boot_profile(const char *profile)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 256ULL << 20;
	boot_or_fail(&p);
}

/* A swap entry survives the PTE and back; the PTE is neither present nor PROT_NONE. */
static void entries_round_trip(const char *profile)
{
	boot_profile(profile);
	unsigned long max = max_swapfile_size();
	unsigned long want = M->prof->bits == 64 ? 1UL << 50 : M->prof->pae ? 1UL << 27 : 1UL << 23;
	cr_assert_eq(max, want, "%s holds %#lx slots in a PTE", profile, max);
	/* (x86_64's last offset, 2^50 - 1, would make type 0's PTE all zeros: Linux never gets near it) */
	const unsigned long offsets[] = { 1, 2, 255, 256, 4095, 1UL << 20, max - 2 };
	for (unsigned type = 0; type < 23; type++)
		for (size_t i = 0; i < ARRAY_SIZE(offsets); i++) {
			swp_entry_t e = swp_entry(type, offsets[i]);
			pteval_t pte = swp_entry_to_pte(e);
			cr_assert(is_swap_pte(pte), "%#llx", (unsigned long long)pte);
			cr_assert(!(pte & (_PAGE_PRESENT | _PAGE_PROTNONE)));
			swp_entry_t back = pte_to_swp_entry(pte);
			cr_assert_eq(swp_type(back), type);
			cr_assert_eq(swp_offset(back), offsets[i], "%s type %u offset %#lx came back as %#lx", profile, type,
				     offsets[i], swp_offset(back));
		}
	/* Linux's bits, for one entry */
	pteval_t pte = swp_entry_to_pte(swp_entry(3, 5));
	if (M->prof->bits == 32 && !M->prof->pae)
		cr_assert_eq(pte, (3ULL << 1) | (5ULL << 9));
	else
		cr_assert_eq(pte, (~5ULL << 14 >> 5) | (3ULL << 59));
	cr_assert(!is_swap_pte(0), "an empty PTE is no swap entry");
}
TEST_ON_EVERY_PROFILE(swap, entries_round_trip, entries_round_trip)

/* The line a real 6.1 kernel printed for a 1 GiB virtio disk after mkswap (linux-ref-pressure/swap-x86_64-512M). */
Test(swap, views_as_linux)
{
	boot_profile("x86_64");
	unsigned long total0 = meminfo_value("SwapTotal:");
	cr_assert_eq(total0, 0);
	cr_assert_eq(kmm_swapon("/dev/vda", 1UL << 30, 0), 0);
	char *sw = kmm_proc_read("swaps");
	cr_assert_str_eq(sw, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
			     "/dev/vda                                partition\t1048572\t\t0\t\t-2\n");
	free(sw);
	cr_assert_eq(meminfo_value("SwapTotal:"), 1048572);
	cr_assert_eq(meminfo_value("SwapFree:"), 1048572);
	cr_assert_not_null(strstr(kmm_dmesg(), "Adding 1048572k swap on /dev/vda.  Priority:-2 extents:1 across:1048572k FS\n"));
	char *mi = kmm_proc_read("meminfo");
	const char *order[] = { "\nCached:", "\nSwapCached:", "\nActive:", "\nSwapTotal:", "\nSwapFree:", "\nZswap:",
				"\nZswapped:", "\nDirty:" };
	const char *at = mi;
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		const char *next = strstr(at, order[i]);
		cr_assert_not_null(next, "%s missing or out of 6.1's order", order[i]);
		at = next;
	}
	free(mi);
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	cr_assert_eq(meminfo_value("SwapTotal:"), 0);
	assert_machine_sane();
}

/* Automatic priorities go down from -2; swapoff moves the ones below up; slots come from the highest. */
Test(swap, priorities_and_slots)
{
	boot_profile("i386");
	cr_assert_eq(kmm_swapon("/dev/sda2", 4UL << 20, 0), 0);
	cr_assert_eq(kmm_swapon("/dev/sdb2", 4UL << 20, 0), 0);
	cr_assert_eq(kmm_swapon("/dev/sdc2", 4UL << 20, SWAP_FLAG_PREFER | 7), 0);
	char *sw = kmm_proc_read("swaps");
	cr_assert_not_null(strstr(sw, "/dev/sda2                               partition\t4092\t\t0\t\t-2\n"), "%s", sw);
	cr_assert_not_null(strstr(sw, "\t-3\n"));
	cr_assert_not_null(strstr(sw, "\t7\n"));
	free(sw);
	/*
	 * the preferred area first, its slots from 1 in order; this CPU's slot
	 * cache takes 64 of them at once (3 * 1023 free slots are more than
	 * 5 * 64 a CPU), and they count as used
	 */
	swp_entry_t e[3];
	for (int i = 0; i < 3; i++) {
		e[i] = get_swap_page();
		cr_assert_eq(swp_type(e[i]), 2);
		cr_assert_eq(swp_offset(e[i]), (unsigned long)i + 1);
	}
	cr_assert_eq(meminfo_value("SwapFree:"), 3 * 4092 - 64 * 4);
	cr_assert_eq(swap_slots_cached(), 61);
	cr_assert_eq(swap_count(e[0]), 0, "the swap cache's hold is no PTE");
	cr_assert_eq(swap_duplicate(e[0]), 0);
	cr_assert_eq(swap_duplicate(e[0]), 0);
	cr_assert_eq(swap_count(e[0]), 2);
	cr_assert_eq(kmm_swapoff("/dev/sdc2"), -EBUSY, "slots in use");
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
	swap_free(e[0]);
	swap_free(e[0]);
	cr_assert_eq(swap_count(e[0]), 0);
	cr_assert_eq(swap_slots_cached(), 0, "the failed swapoff drained the cache");
	for (int i = 0; i < 3; i++)
		swapcache_free(e[i]); /* the swap cache lets go: the slots wait in this CPU's return cache */
	cr_assert_eq(swap_slots_cached(), 3);
	cr_assert_eq(meminfo_value("SwapFree:"), 3 * 4092 - 3 * 4, "a slot in a slot cache is not free yet");
	cr_assert_eq(kmm_swapoff("/dev/sdc2"), 0);
	cr_assert_eq(swap_slots_cached(), 0, "swapoff drains the slot caches");
	cr_assert_eq(meminfo_value("SwapFree:"), 2 * 4092);
	cr_assert_eq(swap_duplicate(e[1]), -EINVAL, "a slot of no area");
	/* -2 goes: -3 becomes -2, and the next automatic one is -3 again */
	cr_assert_eq(kmm_swapoff("/dev/sda2"), 0);
	cr_assert_eq(kmm_swapon("/dev/sdd2", 4UL << 20, 0), 0);
	sw = kmm_proc_read("swaps");
	cr_assert_not_null(strstr(sw, "/dev/sdb2                               partition\t4092\t\t0\t\t-2\n"), "%s", sw);
	cr_assert_not_null(strstr(sw, "/dev/sdd2                               partition\t4092\t\t0\t\t-3\n"), "%s", sw);
	free(sw);
	/* both areas: every slot once, then none; "nothing lost" counts them until they are free */
	static swp_entry_t all[2 * 1023 + 1];
	unsigned long got = 0;
	for (swp_entry_t x; got < ARRAY_SIZE(all) && (x = get_swap_page()).val; got++)
		all[got] = x;
	cr_assert_eq(got, 2 * 1023, "%lu slots (4092 KiB each)", got);
	cr_assert_eq(meminfo_value("SwapFree:"), 0);
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
	struct kmm_usage u;
	kmm_usage_settle(&u);
	cr_assert_neq(kmm_nothing_lost(&u, why, sizeof(why)), 0);
	cr_assert_not_null(strstr(why, "2046 swap slots are still in use"), "%s", why);
	for (unsigned long i = 0; i < got; i++)
		swapcache_free(all[i]);
	cr_assert_eq(meminfo_value("SwapFree:"), 2 * 4092);
	assert_machine_sane();
}

/* What swapon(2) refuses, refused with nothing changed. */
Test(swap, hostile_arguments)
{
	boot_profile("i386");
	cr_assert_eq(kmm_swapon(NULL, 1UL << 20, 0), -EFAULT);
	cr_assert_eq(kmm_swapon("vda", 1UL << 20, 0), -EINVAL);
	cr_assert_eq(kmm_swapon("/dev/vda", 39UL << 10, 0), -EINVAL, "under mkswap's 40 KiB");
	cr_assert_eq(kmm_swapon("/dev/vda", 1UL << 20, 0x80000), -EINVAL, "a flag swapon(2) does not know");
	char longname[100];
	memset(longname, 'x', sizeof(longname) - 1);
	longname[0] = '/';
	longname[99] = 0;
	cr_assert_eq(kmm_swapon(longname, 1UL << 20, 0), -EINVAL);
	cr_assert_eq(kmm_swapoff("/dev/nothing"), -EINVAL);
	cr_assert_eq(kmm_swapoff(NULL), -EFAULT);
	cr_assert_eq(meminfo_value("SwapTotal:"), 0);
	cr_assert_eq(kmm_swapon("/dev/vda", 1UL << 20, 0), 0);
	cr_assert_eq(kmm_swapon("/dev/vda", 1UL << 20, 0), -EBUSY);
	char name[32];
	int n = 1;
	for (; n < 30; n++) {
		snprintf(name, sizeof(name), "/dev/sw%d", n);
		int ret = kmm_swapon(name, 1UL << 20, 0);
		if (ret) {
			cr_assert_eq(ret, -EPERM);
			break;
		}
	}
	cr_assert_eq(n, 23, "MAX_SWAPFILES areas, then -EPERM");
	/* larger than a 2-level PTE can address: truncated to 32 GiB, as Linux warns */
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	cr_assert_eq(kmm_swapon("/dev/huge", 64UL << 30, 0), 0);
	cr_assert_not_null(strstr(kmm_dmesg(), "Truncating oversized swap area, only using 33554432k out of 67108860k"));
	char *sw = kmm_proc_read("swaps");
	cr_assert_not_null(strstr(sw, "/dev/huge                               partition\t33554428\t0\t\t"), "%s", sw);
	free(sw);
	assert_machine_sane();
}

/* ---- swapping out and in ------------------------------------------------------------------------ */

/* A machine small enough to swap: i386 and PAE 64 MiB, x86_64 128 MiB (its kernel image ends at 68 MiB). */
static struct task_struct *small_machine_with_swap(const char *profile, unsigned long swap_bytes)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = (strcmp(profile, "x86_64") ? 64ULL : 128ULL) << 20;
	boot_or_fail(&p);
	cr_assert_eq(kmm_swapon("/dev/vda", swap_bytes, 0), 0);
	struct task_struct *t = task_create("hog", 1000);
	cr_assert_not_null(t);
	return t;
}

/*
 * More anonymous memory than the machine has: reclaim writes pages to
 * swap (pswpout, VmSwap, smaps Swap, SwapFree), a second pass reads them
 * back (pswpin, major faults) with the bytes they were written with, and
 * exit gives every slot back.
 */
static void swap_out_and_in(const char *profile)
{
	struct task_struct *t = small_machine_with_swap(profile, 128UL << 20);
	unsigned long n = meminfo_value("MemFree:") / 4 * 3 / 2;
	long a = task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	u_write_pattern(t, (unsigned long)a, 0, n, 1);
	unsigned long out = vmstat_value("pswpout");
	cr_assert_gt(out, n / 4, "%lu of %lu pages went to swap", out, n);
	char path[32];
	snprintf(path, sizeof(path), "%d/status", t->pid);
	char *st = kmm_proc_read(path);
	unsigned long vmswap = strtoul(strstr(st, "VmSwap:") + 7, NULL, 10), rss = strtoul(strstr(st, "VmRSS:") + 6, NULL, 10);
	free(st);
	cr_assert_gt(vmswap, 0);
	cr_assert_eq(vmswap / 4 + rss / 4, n + t->mm->rss[MM_FILEPAGES], "every page is resident or in swap");
	snprintf(path, sizeof(path), "%d/smaps_rollup", t->pid);
	char *sm = kmm_proc_read(path);
	cr_assert_eq(strtoul(strstr(sm, "\nSwap:") + 6, NULL, 10), vmswap);
	free(sm);
	cr_assert_lt(meminfo_value("SwapFree:"), meminfo_value("SwapTotal:"));
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
	unsigned long maj0 = t->maj_flt;
	u_check_pattern(t, (unsigned long)a, 0, n, 1);
	cr_assert_gt(vmstat_value("pswpin"), 0);
	cr_assert_gt(t->maj_flt, maj0, "reading swapped pages back is a major fault");
	/* written again: the pages swap out again, with the new bytes */
	u_write_pattern(t, (unsigned long)a, 0, n, 2);
	u_check_pattern(t, (unsigned long)a, 0, n, 2);
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
	task_exit(t);
	cr_assert_eq(swap_free_kb_settled(), meminfo_value("SwapTotal:"), "every slot is free after exit");
	cr_assert_eq(meminfo_value("SwapCached:"), 0);
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	assert_machine_sane();
}
TEST_BOTH_WAYS(swap, swap_out_and_in, swap_out_and_in)

/*
 * fork after swap-out: the child holds the parent's slots too (the swap
 * count says two); what one writes the other does not see; munmap and
 * exit give the slots back.
 */
static void fork_shares_slots(const char *profile)
{
	struct task_struct *t = small_machine_with_swap(profile, 128UL << 20);
	unsigned long n = meminfo_value("MemFree:") / 4 * 5 / 4;
	long a = task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	u_write_pattern(t, (unsigned long)a, 0, n, 1);
	unsigned long idx;
	phys_addr_t table = user_pte_table(t->mm->pgd, (unsigned long)a, false, &idx);
	cr_assert(is_swap_pte(pte_get(table, idx)), "the first page went to swap");
	struct task_struct *c = task_fork(t);
	cr_assert_not_null(c);
	cr_assert_eq(swap_count(pte_to_swp_entry(pte_get(table, idx))), 2, "parent and child hold the slot");
	cr_assert_eq(c->mm->rss[MM_SWAPENTS], t->mm->rss[MM_SWAPENTS]);
	u_check_pattern(c, (unsigned long)a, 0, 16, 1);
	static char buf[PAGE_SIZE];
	memset(buf, 'c', sizeof(buf));
	cr_assert_eq(u_write(c, (unsigned long)a, buf, PAGE_SIZE), 0);
	u_check_pattern(t, (unsigned long)a, 0, 16, 1); /* the parent's first page is still its own */
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(task_munmap(c, (unsigned long)a, n * PAGE_SIZE), 0);
	task_exit(c);
	u_check_pattern(t, (unsigned long)a, 0, n, 1);
	task_exit(t);
	cr_assert_eq(swap_free_kb_settled(), meminfo_value("SwapTotal:"));
	assert_machine_sane();
}
TEST_BOTH_WAYS(swap, fork_shares_slots, fork_shares_slots)

/* With no swap space, anonymous memory cannot be reclaimed: the allocation fails and nothing is written. */
Test(swap, without_swap_anon_stays)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "i386";
	p.mem_bytes = 64ULL << 20;
	boot_or_fail(&p);
	struct task_struct *t = task_create("hog", 1000);
	unsigned long n = meminfo_value("MemFree:") / 4 * 3 / 2;
	/* more than RAM + swap: the heuristic overcommit check refuses it, unless MAP_NORESERVE */
	cr_assert_eq(task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), -ENOMEM);
	long a = task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	cr_assert_gt(a, 0);
	cr_assert_eq(mm_access(t, (unsigned long)a, n * PAGE_SIZE, true), -ENOMEM);
	cr_assert_eq(vmstat_value("pswpout"), 0);
	task_exit(t);
	assert_machine_sane();
}
