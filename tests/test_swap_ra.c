/*
 * test_swap_ra.c - swap readahead (mm/swap_state.c), workingset shadow
 * entries (mm/workingset.c) and swapoff with pages in use
 * (mm/swapfile.c's try_to_unuse), each checked against what 6.1 does:
 * a sequential re-read of swapped memory reads ahead and most of its
 * faults are minor, a random one with page-cluster 0 reads nothing ahead,
 * every swap-in of an evicted page is an anon refault, a file page
 * refaulted soon after its eviction is activated and one refaulted long
 * after is not, and swapoff brings every page back intact or is refused
 * with the area left on.
 */
#include "kmm_test.h"

#include <kmm/fs.h>
#include <kmm/swap.h>
#include <kmm/task.h>
#include <kmm/vmstat.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(swap_ra, .fini = fini, .timeout = 120);

/* i386 and PAE 64 MiB, x86_64 128 MiB (its kernel image ends at 68 MiB), a swap disk as asked */
static struct task_struct *machine(const char *profile, unsigned long swap_bytes, bool rotational)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = (strcmp(profile, "x86_64") ? 64ULL : 128ULL) << 20;
	boot_or_fail(&p);
	if (swap_bytes)
		cr_assert_eq(kmm_swapon_disk("/dev/vda", swap_bytes, 0, rotational), 0);
	struct task_struct *t = task_create("hog", 1000);
	cr_assert_not_null(t);
	return t;
}

static void fill_page(unsigned long *w, unsigned long i, int pass)
{
	for (unsigned long k = 0; k < PAGE_SIZE / sizeof(*w); k++)
		w[k] = i * 7919UL + k * 31UL + (unsigned long)pass;
}

static void write_page(struct task_struct *t, unsigned long a, unsigned long i, int pass)
{
	static unsigned long buf[PAGE_SIZE / sizeof(unsigned long)];
	fill_page(buf, i, pass);
	cr_assert_eq(task_write(t, a + i * PAGE_SIZE, buf, PAGE_SIZE), 0, "page %lu", i);
}

static void check_page(struct task_struct *t, unsigned long a, unsigned long i, int pass)
{
	static unsigned long buf[PAGE_SIZE / sizeof(unsigned long)], want[PAGE_SIZE / sizeof(unsigned long)];
	cr_assert_eq(task_read(t, a + i * PAGE_SIZE, buf, PAGE_SIZE), 0, "page %lu", i);
	fill_page(want, i, pass);
	cr_assert(!memcmp(buf, want, PAGE_SIZE), "page %lu came back with other bytes (%lx, wanted %lx)", i, buf[0],
		  want[0]);
}

/* A region of n pages written page by page: more than memory holds, so its start goes to swap. */
static unsigned long hog(struct task_struct *t, unsigned long n)
{
	long a = task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	for (unsigned long i = 0; i < n; i++)
		write_page(t, (unsigned long)a, i, 1);
	return (unsigned long)a;
}

static unsigned long vmswap_kb(struct task_struct *t)
{
	char path[32];
	snprintf(path, sizeof(path), "%d/status", t->pid);
	char *st = kmm_proc_read(path);
	cr_assert_not_null(st);
	unsigned long kb = strtoul(strstr(st, "VmSwap:") + 7, NULL, 10);
	free(st);
	return kb;
}

/* ---- readahead ---------------------------------------------------------------------------------- */

struct counts {
	unsigned long pswpin, majflt, ra, ra_hit, refault_anon;
};

static struct counts counts_now(void)
{
	return (struct counts){ vmstat_value("pswpin"), vmstat_value("pgmajfault"), vmstat_value("swap_ra"),
				vmstat_value("swap_ra_hit"), vmstat_value("workingset_refault_anon") };
}

/*
 * The reference's second pass, small: a sequential re-read of swapped
 * memory reads the neighbours of each missing page (swap_ra), finds most
 * of them (swap_ra_hit), so most faults are minor: fewer major faults
 * than pages read; each page read back was evicted, an anon refault.
 */
static void sequential_reread(const char *profile, bool rotational)
{
	struct task_struct *t = machine(profile, 128UL << 20, rotational);
	unsigned long n = meminfo_value("MemFree:") / 4 * 3 / 2;
	unsigned long a = hog(t, n);
	cr_assert_gt(vmswap_kb(t), n); /* over a quarter of it is on the disk */
	struct counts c0 = counts_now();
	for (unsigned long i = 0; i < n; i++)
		check_page(t, a, i, 1);
	struct counts c1 = counts_now();
	unsigned long in = c1.pswpin - c0.pswpin, maj = c1.majflt - c0.majflt;
	cr_assert_gt(in, n / 8, "%lu pages read back", in);
	cr_assert_gt(c1.ra - c0.ra, in / 2, "%lu of %lu read ahead", c1.ra - c0.ra, in);
	cr_assert_gt(c1.ra_hit - c0.ra_hit, (c1.ra - c0.ra) / 2, "%lu hits of %lu", c1.ra_hit - c0.ra_hit, c1.ra - c0.ra);
	cr_assert_lt(maj * 3, in, "%lu major faults for %lu pages read: readahead hits are minor", maj, in);
	cr_assert_eq(c1.refault_anon - c0.refault_anon, in, "every page read back is an anon refault");
	/* which way read ahead: the VMA way keeps its window in the VMA (SWAP_RA_VAL), the slot way does not */
	mmap_write_lock(t->mm);
	unsigned long ra_info = find_vma(t->mm, a)->swap_readahead_info;
	mmap_write_unlock(t->mm);
	if (rotational)
		cr_assert_eq(ra_info, 0, "a rotational area: readahead by slot");
	else
		cr_assert(ra_info && (ra_info & ~0xfffUL) >= a && (ra_info & ~0xfffUL) < a + n * PAGE_SIZE && (ra_info & 0xfc0),
			  "the VMA's last swap fault and window: %#lx", ra_info);
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
	task_exit(t);
	cr_assert_eq(swap_free_kb_settled(), meminfo_value("SwapTotal:"));
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	assert_machine_sane();
}

static void sequential_by_slot(const char *profile)
{
	sequential_reread(profile, true);
}
TEST_ON_EVERY_PROFILE(swap_ra, sequential_by_slot, sequential_by_slot)

static void sequential_by_vma(const char *profile)
{
	sequential_reread(profile, false);
}
TEST_ON_EVERY_PROFILE(swap_ra, sequential_by_vma, sequential_by_vma)

/* page-cluster 0: no window at all; a random re-read reads only what it faults on, each a major fault */
Test(swap_ra, random_without_cluster)
{
	struct task_struct *t = machine("i386", 128UL << 20, true);
	char *pc = kmm_proc_read("sys/vm/page-cluster");
	cr_assert_str_eq(pc, "3\n");
	free(pc);
	cr_assert_eq(kmm_proc_write("sys/vm/page-cluster", "0"), 0);
	unsigned long n = meminfo_value("MemFree:") / 4 * 3 / 2;
	unsigned long a = hog(t, n);
	struct counts c0 = counts_now();
	unsigned long x = 12345;
	for (unsigned long k = 0; k < n / 2; k++) {
		x = x * 6364136223846793005UL + 1442695040888963407UL;
		unsigned long i = (x >> 33) % n;
		check_page(t, a, i, 1);
	}
	struct counts c1 = counts_now();
	cr_assert_gt(c1.pswpin - c0.pswpin, 0);
	cr_assert_eq(c1.ra, c0.ra, "nothing read ahead");
	cr_assert_eq(c1.majflt - c0.majflt, c1.pswpin - c0.pswpin, "each page read is a major fault's");
	task_exit(t);
	assert_machine_sane();
}

/* The knobs: vm.page-cluster takes what 6.1's proc_dointvec_minmax takes; vma_ra_enabled kstrtobool's words. */
Test(swap_ra, knobs)
{
	machine("x86_64", 0, true);
	cr_assert_eq(kmm_proc_write("sys/vm/page-cluster", "-1"), -EINVAL);
	cr_assert_eq(kmm_proc_write("sys/vm/page-cluster", "many"), -EINVAL);
	char *pc = kmm_proc_read("sys/vm/page-cluster");
	cr_assert_str_eq(pc, "3\n", "a refused write changes nothing");
	free(pc);
	cr_assert_eq(kmm_proc_write("sys/vm/page-cluster", "5"), 0);
	pc = kmm_proc_read("sys/vm/page-cluster");
	cr_assert_str_eq(pc, "5\n");
	free(pc);
	char *ra = kmm_proc_read("sys/kernel/mm/swap/vma_ra_enabled");
	cr_assert_str_eq(ra, "true\n");
	free(ra);
	cr_assert_eq(kmm_proc_write("sys/kernel/mm/swap/vma_ra_enabled", "maybe"), -EINVAL);
	cr_assert_eq(kmm_proc_write("sys/kernel/mm/swap/vma_ra_enabled", "off"), 0);
	ra = kmm_proc_read("sys/kernel/mm/swap/vma_ra_enabled");
	cr_assert_str_eq(ra, "false\n");
	free(ra);
	cr_assert_not_null(strstr(kmm_dmesg(), "workingset: timestamp_bits=36 max_order=15 bucket_order=0\n"), "%s",
			   log_lines(kmm_dmesg(), "workingset"));
	cr_assert_eq(kmm_swapon_disk("/dev/nvme0n1p2", 4UL << 20, 0, false), 0);
	cr_assert_not_null(strstr(kmm_dmesg(), "Adding 4092k swap on /dev/nvme0n1p2.  Priority:-2 extents:1 across:4092k SSFS\n"));
	assert_machine_sane();
}

/* The boot line workingset_init prints, as every reference kernel printed it (bucket_order from RAM, bits from the build). */
Test(swap_ra, workingset_boot_line_as_linux)
{
	static const char *const machines[] = { "i386-686-2G", "i386-pae-512M", "i386-686-256M-intel", "x86_64-3G-smp3" };
	for (size_t i = 0; i < ARRAY_SIZE(machines); i++) {
		boot_like_ref(machines[i], NULL);
		char *ref = ref_file(machines[i], "dmesg.txt");
		char *want = log_lines(ref, "workingset:"), *got = log_lines(kmm_dmesg(), "workingset:");
		cr_assert_str_eq(got, want, "%s", machines[i]);
		cr_assert_neq(want[0], 0, "%s has the line", machines[i]);
		free(want);
		free(got);
		free(ref);
		kmm_shutdown();
	}
}

/* ---- workingset ----------------------------------------------------------------------------------- */

static unsigned long refaults_file(void) { return vmstat_value("workingset_refault_file"); }
static unsigned long activations_file(void) { return vmstat_value("workingset_activate_file"); }

static void read_file(const char *path, unsigned long pages)
{
	static char buf[PAGE_SIZE];
	for (unsigned long i = 0; i < pages; i++)
		cr_assert_eq(kmm_file_pread(path, buf, PAGE_SIZE, i * PAGE_SIZE), (long)PAGE_SIZE);
}

/* Reclaim until none of path's pages is cached (each pass takes a batch from the inactive tail). */
static void evict_file(const char *path)
{
	for (int tries = 0; kmm_file_cached_pages(path) > 0; tries++) {
		cr_assert_lt(tries, 10000, "%s stays cached", path);
		try_to_free_pages(GFP_KERNEL, 0, ZONE_NORMAL, 0);
	}
}

static void make_file(const char *path, unsigned long pages)
{
	char *data = calloc(pages, PAGE_SIZE);
	cr_assert_not_null(data);
	for (unsigned long i = 0; i < pages; i++)
		memset(data + i * PAGE_SIZE, (int)(i & 0xff), PAGE_SIZE);
	cr_assert_eq(kmm_file_create(path, data, pages * PAGE_SIZE), 0);
	free(data);
}

/*
 * Workingset detection for the page cache: a file read twice is the
 * workingset (active).  A file read once, evicted by reclaim and read
 * again at once refaults within that distance: activated.  Evicted
 * again, then a stream of more pages than the workingset pushed through
 * and out, its refault is too far: counted, not activated.
 */
Test(swap_ra, file_refault_distance)
{
	machine("i386", 0, true);
	make_file("/work", 256);
	make_file("/once", 32);
	make_file("/stream", 2048);
	read_file("/work", 256);
	read_file("/work", 256);
	lru_add_drain_all();
	cr_assert_geq(meminfo_value("Active(file):"), 256 * 4, "read twice, the file is active");
	read_file("/once", 32);
	lru_add_drain_all();
	evict_file("/once");
	unsigned long r0 = refaults_file(), a0 = activations_file();
	read_file("/once", 32);
	cr_assert_eq(refaults_file() - r0, 32, "every page read back was evicted");
	cr_assert_eq(activations_file() - a0, 32, "refaulted soon: activated");
	lru_add_drain_all();
	evict_file("/once");
	read_file("/stream", 2048);
	lru_add_drain_all();
	evict_file("/stream");
	r0 = refaults_file();
	a0 = activations_file();
	read_file("/once", 32);
	cr_assert_eq(refaults_file() - r0, 32);
	cr_assert_eq(activations_file() - a0, 0, "refaulted after more evictions than the workingset holds: not activated");
	cr_assert_eq(kmm_file_unlink("/once"), 0);
	cr_assert_eq(kmm_file_unlink("/stream"), 0);
	cr_assert_eq(kmm_file_unlink("/work"), 0);
	assert_machine_sane();
}

/*
 * A restore: pages that were active (read twice), deactivated by reclaim
 * (PG_workingset) and evicted, read again soon while a larger active set
 * still stands: activated and counted as restored.
 */
Test(swap_ra, file_restore)
{
	machine("i386", 0, true);
	make_file("/work", 256);
	make_file("/keep", 1024);
	read_file("/work", 256);
	read_file("/work", 256);
	read_file("/keep", 1024);
	read_file("/keep", 1024);
	lru_add_drain_all();
	evict_file("/work");
	unsigned long a0 = activations_file(), r0 = vmstat_value("workingset_restore_file");
	read_file("/work", 256);
	cr_assert_eq(activations_file() - a0, 256, "all of it activated");
	cr_assert_eq(vmstat_value("workingset_restore_file") - r0, 256, "and restored: it was active when evicted");
	cr_assert_eq(kmm_file_unlink("/work"), 0);
	cr_assert_eq(kmm_file_unlink("/keep"), 0);
	assert_machine_sane();
}

/* ---- swapoff with pages in use ---------------------------------------------------------------------- */

/*
 * Half a region on swap, a child sharing its slots, a quarter of it
 * PROT_NONE: swapoff reads every page back into both (the PROT_NONE part
 * as PROT_NONE entries), the data is intact, every slot is free and the
 * area is gone; nothing of it is left in the swap cache.
 */
static void swapoff_brings_pages_back(const char *profile)
{
	struct task_struct *t = machine(profile, 128UL << 20, true);
	unsigned long free_pages = meminfo_value("MemFree:") / 4;
	unsigned long n = free_pages * 2 / 3;
	unsigned long a = hog(t, n);
	long b = task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(b, 0);
	for (unsigned long i = 0; i < n; i++) /* a second region pushes the first out */
		write_page(t, (unsigned long)b, i, 2);
	cr_assert_eq(task_munmap(t, (unsigned long)b, n * PAGE_SIZE), 0);
	unsigned long swapped = vmswap_kb(t) / 4;
	cr_assert_gt(swapped, n / 8, "%lu of %lu pages on swap", swapped, n);
	struct task_struct *c = task_fork(t);
	cr_assert_not_null(c);
	/* the first quarter (the oldest: on swap) without access: its pages come back as PROT_NONE entries */
	unsigned long q = n / 4, idx;
	phys_addr_t table = user_pte_table(t->mm->pgd, a, false, &idx);
	cr_assert(table && is_swap_pte(pte_get(table, idx)), "the first page is on swap");
	cr_assert_eq(task_mprotect(t, a, q * PAGE_SIZE, PROT_NONE), 0);
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	cr_assert_eq(meminfo_value("SwapTotal:"), 0);
	cr_assert_eq(meminfo_value("SwapFree:"), 0);
	cr_assert_eq(meminfo_value("SwapCached:"), 0);
	cr_assert_eq(vmswap_kb(t), 0);
	cr_assert_eq(vmswap_kb(c), 0);
	char *sw = kmm_proc_read("swaps");
	cr_assert_null(strstr(sw, "/dev/vda"), "%s", sw);
	free(sw);
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
	cr_assert(table && (pte_get(table, idx) & _PAGE_PROTNONE) && !(pte_get(table, idx) & _PAGE_PRESENT),
		  "the first page is back, without access: %#llx", (unsigned long long)pte_get(table, idx));
	cr_assert_eq(task_mprotect(t, a, q * PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
	for (unsigned long i = 0; i < n; i++)
		check_page(t, a, i, 1);
	for (unsigned long i = 0; i < n; i += 7)
		check_page(c, a, i, 1);
	task_exit(c);
	task_exit(t);
	assert_machine_sane();
}
TEST_ON_EVERY_PROFILE(swap_ra, swapoff_brings_pages_back, swapoff_brings_pages_back)

/*
 * More on swap than memory can hold: swapoff cannot bring it all back
 * (kmm has no OOM killer to make room): -ENOMEM, and the area stays on
 * with its size and priority; the data is intact, and once the task is
 * gone swapoff succeeds.
 */
Test(swap_ra, swapoff_without_room_is_refused)
{
	struct task_struct *t = machine("i386", 128UL << 20, true);
	unsigned long n = meminfo_value("MemFree:") / 4 * 3 / 2;
	unsigned long a = hog(t, n);
	char *before = kmm_proc_read("swaps");
	unsigned long total = meminfo_value("SwapTotal:");
	cr_assert_eq(kmm_swapoff("/dev/vda"), -ENOMEM);
	cr_assert_eq(meminfo_value("SwapTotal:"), total);
	char *after = kmm_proc_read("swaps");
	char *b = strstr(before, "/dev/vda"), *af = strstr(after, "/dev/vda");
	cr_assert(b && af);
	cr_assert_eq(strncmp(b, af, 48), 0, "the same area, size and type: %s / %s", before, after);
	cr_assert(strstr(after, "\t-2\n"), "its priority: %s", after);
	free(before);
	free(after);
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
	for (unsigned long i = 0; i < n; i++)
		check_page(t, a, i, 1);
	task_exit(t);
	cr_assert_eq(swap_free_kb_settled(), meminfo_value("SwapTotal:"));
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	assert_machine_sane();
}

/*
 * swapoff under load: CPU 0 writes and re-reads more memory than the
 * machine has, over and over, checking every page, while CPU 1 turns a
 * small high-priority area on and off under it - each swapoff reading
 * back what reclaim just put there.  The data stays intact, and every
 * swapoff either succeeds or is refused with the area left on.
 */
static struct task_struct *load_task;
static int load_done;

static void *load_or_swapoff(void *arg)
{
	int cpu = (int)(long)arg;
	cr_assert_eq(kmm_cpu_enter(cpu), 0);
	if (cpu == 0) {
		cr_assert_eq(kmm_swapon("/dev/vda", 128UL << 20, 0), 0);
		struct task_struct *t = task_create("load", 1000);
		cr_assert_not_null(t);
		unsigned long n = meminfo_value("MemFree:") / 4 * 3 / 2;
		unsigned long a = hog(t, n);
		__atomic_store_n(&load_task, t, __ATOMIC_RELEASE);
		for (int pass = 1; pass <= 3; pass++) {
			for (unsigned long i = 0; i < n; i++)
				check_page(t, a, i, pass);
			for (unsigned long i = 0; i < n; i++)
				write_page(t, a, i, pass + 1);
		}
		__atomic_store_n(&load_done, 1, __ATOMIC_RELEASE);
	} else {
		while (!__atomic_load_n(&load_task, __ATOMIC_ACQUIRE))
			sched_yield();
		unsigned long offs = 0, refused = 0;
		while (!__atomic_load_n(&load_done, __ATOMIC_ACQUIRE)) {
			int ret = kmm_swapon("/dev/vdb", 16UL << 20, SWAP_FLAG_PREFER | 10);
			cr_assert(ret == 0 || ret == -EBUSY, "swapon: %d", ret);
			for (int k = 0; k < 2000 && !__atomic_load_n(&load_done, __ATOMIC_ACQUIRE); k++)
				sched_yield(); /* reclaim fills it meanwhile */
			ret = kmm_swapoff("/dev/vdb");
			cr_assert(ret == 0 || ret == -ENOMEM || ret == -EBUSY, "swapoff: %d", ret);
			if (ret)
				refused++;
			else
				offs++;
		}
		cr_assert_gt(offs + refused, 0);
	}
	kmm_cpu_exit();
	return NULL;
}

Test(swap_ra, swapoff_under_load)
{
	load_task = NULL;
	load_done = 0;
	run_on_cpus(2, 64ULL << 20, load_or_swapoff, NULL);
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
	task_exit(load_task);
	cr_assert_eq(swap_free_kb_settled(), meminfo_value("SwapTotal:"), "every slot is free after exit");
	kmm_swapoff("/dev/vdb"); /* if the last swapon left it on */
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	assert_machine_sane();
}

/*
 * The reference capture linux-ref-pressure/swap-x86_64-512M, whole: an
 * 800 MiB hog on a 512 MiB x86_64 machine with 1 GiB of swap on a
 * rotational virtio disk, then a sequential re-read.  Its re-read counts
 * (d:after_exit of vmstat_stages.txt): pswpin 204366, swap_ra 178426,
 * swap_ra_hit 178401, workingset_refault_anon 204366, workingset_activate_
 * anon 17, pgmajfault 25940.  Readahead by slot, page-cluster 3: within
 * 15% of the swap-ins and pages read ahead, nearly every one of them hit,
 * every swap-in an anon refault and almost none activated, and major
 * faults within 15% too (one in 7.9 swap-ins: how well the window meets
 * the next pages depends on reclaim putting them on slots in address
 * order, as 6.1's shrink_folio_list does, oldest first).
 */
Test(swap_ra, reference_capture_x86_64_512M, .timeout = 300)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "x86_64";
	p.mem_bytes = 512ULL << 20;
	boot_or_fail(&p);
	cr_assert_eq(kmm_swapon("/dev/vda", 1UL << 30, 0), 0);
	struct task_struct *t = task_create("hog", 0);
	unsigned long n = 800UL << (20 - PAGE_SHIFT);
	long a = task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	cr_assert_eq(mm_access(t, (unsigned long)a, n * PAGE_SIZE, true), 0);
	struct counts c0 = counts_now();
	cr_assert_eq(mm_access(t, (unsigned long)a, n * PAGE_SIZE, false), 0);
	struct counts c1 = counts_now();
	unsigned long in = c1.pswpin - c0.pswpin, ra = c1.ra - c0.ra, hit = c1.ra_hit - c0.ra_hit;
#define NEAR(x, ref) ((x) * 100 >= (ref) * 85 && (x) * 100 <= (ref) * 115)
	cr_assert(NEAR(in, 204366UL), "pswpin %lu", in);
	cr_assert(NEAR(ra, 178426UL), "swap_ra %lu", ra);
	cr_assert(NEAR(hit, 178401UL), "swap_ra_hit %lu", hit);
	cr_assert_eq(c1.refault_anon - c0.refault_anon, in);
	cr_assert_lt(vmstat_value("workingset_activate_anon") * 100, in, "almost no refault is within the workingset");
	cr_assert(NEAR(c1.majflt - c0.majflt, 25940UL), "pgmajfault %lu for %lu swap-ins", c1.majflt - c0.majflt, in);
	task_exit(t);
	cr_assert_eq(swap_free_kb_settled(), meminfo_value("SwapTotal:"));
	assert_machine_sane();
}
