/*
 * test_swap_ssd.c - solid-state swap areas (6.1's cluster allocator) and
 * the per-CPU swap slot caches (mm/swap_slots.c), on every profile where
 * a page is written.
 *
 * An SSD area of 4 MiB is 1024 slots, four clusters of 256:
 *
 *   cluster  0: header + 255 | 1: 256..511 | 2: 512..767 | 3: 768..1023
 *   free list after swapon:   1 -> 2 -> 3   (0 holds the header)
 *
 * A CPU takes the free list's head as its own cluster and hands out its
 * slots in order, 64 at a time into its slot cache; another CPU takes the
 * next cluster.  A cluster whose slots all come free goes to the tail.
 */
#include "kmm_test.h"

#include <kmm/swap.h>
#include <kmm/task.h>

#include <sys/mman.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(swap_ssd, .fini = fini, .timeout = 120);

static void boot_cpus(const char *profile, unsigned long mem_mb, int cpus)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = (unsigned long long)mem_mb << 20;
	p.nr_cpus = cpus;
	boot_or_fail(&p);
}

static int free_list(unsigned long *idx, int max)
{
	return swap_free_clusters(0, idx, max);
}

/* The boot thread moves to CPU cpu (leaving the one it is on). */
static void move_to_cpu(int cpu)
{
	kmm_cpu_exit();
	cr_assert_eq(kmm_cpu_enter(cpu), 0);
}

/* The Adding line says SS, the free list holds every cluster but the header's, in order. */
Test(swap_ssd, swapon_sets_up_clusters)
{
	boot_cpus("i386", 64, 1);
	cr_assert_eq(kmm_swapon_disk("/dev/nvme0n1p2", 4UL << 20, 0, false), 0);
	cr_assert_not_null(strstr(kmm_dmesg(), "Adding 4092k swap on /dev/nvme0n1p2.  Priority:-2 extents:1 across:4092k SSFS\n"),
			   "%s", kmm_dmesg());
	unsigned long idx[8];
	cr_assert_eq(free_list(idx, 8), 3);
	cr_assert_eq(idx[0], 1);
	cr_assert_eq(idx[1], 2);
	cr_assert_eq(idx[2], 3);
	/* a rotational area has no clusters */
	cr_assert_eq(kmm_swapon("/dev/vda", 4UL << 20, 0), 0);
	cr_assert_eq(swap_free_clusters(1, idx, 8), -EINVAL);
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	cr_assert_eq(kmm_swapoff("/dev/nvme0n1p2"), 0);
	assert_machine_sane();
}

/* Discard flags show only on an SSD, narrowed by DISCARD_ONCE / DISCARD_PAGES, as 6.1's Adding line. */
Test(swap_ssd, discard_flags_in_the_adding_line)
{
	boot_cpus("x86_64", 128, 1);
	cr_assert_eq(kmm_swapon_disk("/dev/sda", 1UL << 20, SWAP_FLAG_DISCARD, false), 0);
	cr_assert_eq(kmm_swapon_disk("/dev/sdb", 1UL << 20, SWAP_FLAG_DISCARD | SWAP_FLAG_DISCARD_ONCE, false), 0);
	cr_assert_eq(kmm_swapon_disk("/dev/sdc", 1UL << 20, SWAP_FLAG_DISCARD | SWAP_FLAG_DISCARD_PAGES, false), 0);
	cr_assert_eq(kmm_swapon_disk("/dev/sdd", 1UL << 20, SWAP_FLAG_DISCARD, true), 0);
	const char *log = kmm_dmesg();
	cr_assert_not_null(strstr(log, "on /dev/sda.  Priority:-2 extents:1 across:1020k SSDscFS\n"), "%s", log);
	cr_assert_not_null(strstr(log, "on /dev/sdb.  Priority:-3 extents:1 across:1020k SSDsFS\n"), "%s", log);
	cr_assert_not_null(strstr(log, "on /dev/sdc.  Priority:-4 extents:1 across:1020k SSDcFS\n"), "%s", log);
	cr_assert_not_null(strstr(log, "on /dev/sdd.  Priority:-5 extents:1 across:1020k FS\n"), "%s", log);
	const char *names[] = { "/dev/sda", "/dev/sdb", "/dev/sdc", "/dev/sdd" };
	for (int i = 0; i < 4; i++)
		cr_assert_eq(kmm_swapoff(names[i]), 0);
	assert_machine_sane();
}

/*
 * Two CPUs take slots from two clusters: CPU 0 the list's head (1), CPU 1
 * the next (2), each in order from the cluster's start, 64 into its slot
 * cache; swapoff drains both caches, so it finds nothing in use.
 */
Test(swap_ssd, two_cpus_two_clusters)
{
	boot_cpus("i386", 64, 2);
	cr_assert_eq(kmm_swapon_disk("/dev/nvme0n1p2", 4UL << 20, 0, false), 0);
	swp_entry_t a[3], b[3];
	for (int i = 0; i < 3; i++)
		a[i] = get_swap_page();
	move_to_cpu(1);
	for (int i = 0; i < 3; i++)
		b[i] = get_swap_page();
	move_to_cpu(0);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(swp_offset(a[i]), 256 + (unsigned long)i, "CPU 0's slot %d: %lu", i, swp_offset(a[i]));
		cr_assert_eq(swp_offset(b[i]), 512 + (unsigned long)i, "CPU 1's slot %d: %lu", i, swp_offset(b[i]));
	}
	unsigned long idx[8];
	cr_assert_eq(free_list(idx, 8), 1, "clusters 1 and 2 are the CPUs'");
	cr_assert_eq(idx[0], 3);
	cr_assert_eq(swap_slots_cached(), 2 * 61);
	cr_assert_eq(meminfo_value("SwapFree:"), 4092 - 2 * 64 * 4, "slots in a CPU's cache count as used");
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
	for (int i = 0; i < 3; i++) {
		swapcache_free(a[i]);
		swapcache_free(b[i]);
	}
	cr_assert_eq(kmm_swapoff("/dev/nvme0n1p2"), 0, "every cached slot went back first");
	cr_assert_eq(swap_slots_cached(), 0);
	assert_machine_sane();
}

/*
 * A cluster whose every slot comes free goes back, to the free list's
 * tail; the CPU then takes the list's head, not its old cluster.
 */
Test(swap_ssd, freed_cluster_goes_back_to_the_list)
{
	boot_cpus("i386", 64, 1);
	cr_assert_eq(kmm_swapon_disk("/dev/nvme0n1p2", 4UL << 20, 0, false), 0);
	static swp_entry_t e[256];
	for (int i = 0; i < 256; i++) {
		e[i] = get_swap_page();
		cr_assert_eq(swp_offset(e[i]), 256 + (unsigned long)i);
	}
	unsigned long idx[8];
	cr_assert_eq(free_list(idx, 8), 2);
	cr_assert_eq(idx[0], 2);
	for (int i = 0; i < 256; i++)
		swapcache_free(e[i]);
	cr_assert_eq(swap_slots_cached(), 64, "the last 64 wait in the return cache");
	cr_assert_eq(free_list(idx, 8), 2, "cluster 1 still has slots in use");
	disable_swap_slots_cache_lock(); /* what swapoff does first: every cache drained */
	reenable_swap_slots_cache_unlock();
	cr_assert_eq(free_list(idx, 8), 3);
	cr_assert_eq(idx[0], 2);
	cr_assert_eq(idx[1], 3);
	cr_assert_eq(idx[2], 1, "the freed cluster joins the tail");
	swp_entry_t x = get_swap_page();
	cr_assert_eq(swp_offset(x), 512, "the next cluster is the list's head: %lu", swp_offset(x));
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
	swapcache_free(x);
	cr_assert_eq(kmm_swapoff("/dev/nvme0n1p2"), 0);
	assert_machine_sane();
}

/*
 * No cluster free: a CPU scans on for free slots anywhere, and every slot
 * is handed out once; below 2 x 64 free slots a CPU the caches go
 * inactive (drained), so the last slots are not stuck in another CPU's.
 */
Test(swap_ssd, every_slot_once_then_none)
{
	boot_cpus("i386", 64, 2);
	cr_assert_eq(kmm_swapon_disk("/dev/nvme0n1p2", 4UL << 20, 0, false), 0);
	static swp_entry_t all[1024];
	static unsigned char seen[1024];
	unsigned long got = 0;
	for (swp_entry_t x; got < ARRAY_SIZE(all) && (x = get_swap_page()).val; got++) {
		if (got == 100)
			move_to_cpu(1); /* CPU 1 takes the rest, CPU 0's cache keeps some */
		cr_assert_lt(swp_offset(x), 1024);
		cr_assert_eq(seen[swp_offset(x)]++, 0, "slot %lu handed out twice", swp_offset(x));
		all[got] = x;
	}
	move_to_cpu(0);
	cr_assert_eq(got, 1023, "%lu slots", got);
	cr_assert_eq(meminfo_value("SwapFree:"), 0);
	cr_assert_eq(swap_slots_cached(), 0, "the caches went inactive and were drained");
	unsigned long idx[8];
	cr_assert_eq(free_list(idx, 8), 0);
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
	for (unsigned long i = 0; i < got; i++)
		swapcache_free(all[i]);
	cr_assert_eq(meminfo_value("SwapFree:"), 4092, "freed at once while the caches are inactive");
	cr_assert_eq(free_list(idx, 8), 3);
	cr_assert_eq(kmm_swapoff("/dev/nvme0n1p2"), 0);
	assert_machine_sane();
}

/*
 * More anonymous memory than the machine has, on an SSD area with two
 * CPUs touching it in turns: pages go out and come back with their bytes,
 * exit frees every slot (the slot caches' aside), swapoff drains them and
 * nothing is lost.
 */
static void ssd_swap_out_and_in(const char *profile)
{
	boot_cpus(profile, strcmp(profile, "x86_64") ? 64 : 128, 2);
	struct kmm_usage u;
	kmm_usage_settle(&u);
	cr_assert_eq(kmm_swapon_disk("/dev/nvme0n1p2", 128UL << 20, 0, false), 0);
	struct task_struct *t = task_create("hog", 1000);
	cr_assert_not_null(t);
	unsigned long n = meminfo_value("MemFree:") / 4 * 3 / 2;
	long a = task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	u_write_pattern(t, (unsigned long)a, 0, n / 2, 1);
	move_to_cpu(1);
	u_write_pattern(t, (unsigned long)a, n / 2, n - n / 2, 1);
	cr_assert_gt(vmstat_value("pswpout"), n / 4);
	cr_assert_lt(meminfo_value("SwapFree:"), meminfo_value("SwapTotal:"));
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
	u_check_pattern(t, (unsigned long)a, 0, n, 1);
	move_to_cpu(0);
	u_write_pattern(t, (unsigned long)a, 0, n, 2);
	u_check_pattern(t, (unsigned long)a, 0, n, 2);
	cr_assert_gt(vmstat_value("pswpin"), 0);
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
	task_exit(t);
	cr_assert_eq(swap_free_kb_settled(), meminfo_value("SwapTotal:"), "every slot is free after exit");
	cr_assert_eq(kmm_swapoff("/dev/nvme0n1p2"), 0);
	cr_assert_eq(swap_slots_cached(), 0);
	assert_nothing_lost_since(&u, "after the SSD swap test");
}

Test(swap_ssd, swap_out_and_in_i386) { ssd_swap_out_and_in("i386"); }
Test(swap_ssd, swap_out_and_in_pae) { ssd_swap_out_and_in("i386-pae"); }
Test(swap_ssd, swap_out_and_in_x86_64) { ssd_swap_out_and_in("x86_64"); }
