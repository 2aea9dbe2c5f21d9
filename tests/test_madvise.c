/*
 * test_madvise.c - MADV_COLD and MADV_PAGEOUT (mm/madvise.c): what they
 * take (pages only this mapping maps, on an LRU list), what they do with
 * them (the inactive list; swap at once for anonymous pages), what they
 * refuse (locked VMAs, hostile ranges), and that the bytes come back.
 */
#include "kmm_test.h"

#include <kmm/fs.h>
#include <kmm/swap.h>
#include <kmm/task.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(madvise, .fini = fini, .timeout = 60);

static struct task_struct *boot_task(const char *profile, bool swap)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 256ULL << 20;
	boot_or_fail(&p);
	if (swap)
		cr_assert_eq(kmm_swapon("/dev/vda", 64ULL << 20, 0), 0);
	struct task_struct *t = task_create("advised", 1000);
	cr_assert_not_null(t);
	return t;
}

static unsigned long status_kb(struct task_struct *t, const char *field)
{
	char path[64];
	snprintf(path, sizeof(path), "%d/status", t->pid);
	char *s = kmm_proc_read(path);
	cr_assert_not_null(s);
	const char *at = strstr(s, field);
	cr_assert_not_null(at, "no %s", field);
	unsigned long v = strtoul(at + strlen(field), NULL, 10);
	free(s);
	return v;
}

static long anon_region(struct task_struct *t, unsigned long pages)
{
	long a = task_mmap(t, 0, pages * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	/* every page its own bytes: its index, at both ends */
	for (unsigned long i = 0; i < pages; i++) {
		cr_assert_eq(task_write(t, (unsigned long)a + i * PAGE_SIZE, &i, sizeof(i)), 0);
		cr_assert_eq(task_write(t, (unsigned long)a + (i + 1) * PAGE_SIZE - sizeof(i), &i, sizeof(i)), 0);
	}
	return a;
}

static void assert_bytes(struct task_struct *t, long a, unsigned long pages)
{
	for (unsigned long i = 0; i < pages; i++) {
		unsigned long head = ~0UL, tail = ~0UL;
		cr_assert_eq(task_read(t, (unsigned long)a + i * PAGE_SIZE, &head, sizeof(head)), 0);
		cr_assert_eq(task_read(t, (unsigned long)a + (i + 1) * PAGE_SIZE - sizeof(tail), &tail, sizeof(tail)), 0);
		cr_assert(head == i && tail == i, "page %lu reads %lu/%lu", i, head, tail);
	}
}

/*
 * PAGEOUT writes a task's anonymous pages to swap at once: each PTE takes a
 * swap entry (VmSwap), pswpout counts every page, and the bytes read back
 * - from the swap cache while the pages are still there, from the disk
 * once reclaim has freed them.
 */
static void pageout_anon(const char *profile)
{
	struct task_struct *t = boot_task(profile, true);
	unsigned long pages = 2048;
	long a = anon_region(t, pages);
	unsigned long out0 = vmstat_value("pswpout");
	cr_assert_eq(task_madvise(t, (unsigned long)a, pages * PAGE_SIZE, MADV_PAGEOUT), 0);
	cr_assert_eq(vmstat_value("pswpout") - out0, pages);
	cr_assert_eq(status_kb(t, "VmSwap:"), pages * 4);
	cr_assert_eq(status_kb(t, "RssAnon:"), 0);
	cr_assert_eq(vmstat_value("pgsteal_direct") + vmstat_value("pgsteal_kswapd"), 0, "not counted as reclaim");
	/* the writes complete; reclaim frees the written pages; the re-read goes to the disk */
	swap_io_flush();
	cr_assert_eq(meminfo_value("Writeback:"), 0);
	lru_add_drain_all();
	while (swap_cache_pages() && try_to_free_pages(GFP_KERNEL, 0, MAX_ZONE_TYPES - 1, 0))
		;
	cr_assert_eq(swap_cache_pages(), 0);
	unsigned long in0 = vmstat_value("pswpin");
	assert_bytes(t, a, pages);
	cr_assert_geq(vmstat_value("pswpin") - in0, 1);
	cr_assert_eq(status_kb(t, "VmSwap:"), 0);
	task_exit(t);
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	assert_machine_sane();
}
TEST_ON_EVERY_PROFILE(madvise, pageout_anon, pageout_anon)

/* Without swap space, anonymous pages have nowhere to go: they stay, mapped. */
Test(madvise, pageout_without_swap)
{
	struct task_struct *t = boot_task("i386", false);
	long a = anon_region(t, 256);
	unsigned long rss = status_kb(t, "RssAnon:");
	cr_assert_eq(task_madvise(t, (unsigned long)a, 256 * PAGE_SIZE, MADV_PAGEOUT), 0);
	cr_assert_eq(status_kb(t, "RssAnon:"), rss);
	cr_assert_eq(vmstat_value("pswpout"), 0);
	assert_bytes(t, a, 256);
	task_exit(t);
	assert_machine_sane();
}

/* Pages a fork shares are another mapping's too: PAGEOUT leaves them, the child's own writes go. */
Test(madvise, pageout_leaves_shared_pages)
{
	struct task_struct *t = boot_task("x86_64", true);
	long a = anon_region(t, 128);
	struct task_struct *child = task_fork(t);
	cr_assert_not_null(child);
	cr_assert_eq(task_madvise(t, (unsigned long)a, 128 * PAGE_SIZE, MADV_PAGEOUT), 0);
	cr_assert_eq(vmstat_value("pswpout"), 0, "every page is mapped twice");
	/* the child breaks COW on half: those pages are the parent's alone now */
	cr_assert_eq(task_memset(child, (unsigned long)a, 0x33, 64 * PAGE_SIZE), 0);
	cr_assert_eq(task_madvise(t, (unsigned long)a, 128 * PAGE_SIZE, MADV_PAGEOUT), 0);
	cr_assert_eq(vmstat_value("pswpout"), 64);
	assert_bytes(t, a, 128);
	task_exit(child);
	task_exit(t);
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	assert_machine_sane();
}

/*
 * COLD: active file pages a task maps go back to the inactive list
 * (pgdeactivate) and lose their young bit, so reclaim meets them first;
 * nothing is written or freed.
 */
Test(madvise, cold_deactivates)
{
	struct task_struct *t = boot_task("i386", false);
	unsigned long pages = 256;
	cr_assert_eq(kmm_file_create("/data/cold", NULL, pages * PAGE_SIZE), 0);
	char buf[64];
	for (int pass = 0; pass < 2; pass++) /* two reads: mark_page_accessed activates */
		for (unsigned long i = 0; i < pages; i++)
			cr_assert_eq(kmm_file_pread("/data/cold", buf, sizeof(buf), i * PAGE_SIZE), (long)sizeof(buf));
	lru_add_drain_all();
	unsigned long active = meminfo_value("Active(file):");
	cr_assert_geq(active, pages * 4);
	int fd = task_open(t, "/data/cold", O_RDONLY);
	cr_assert_geq(fd, 0);
	long m = task_mmap(t, 0, pages * PAGE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	cr_assert_gt(m, 0);
	cr_assert_eq(task_close(t, fd), 0);
	cr_assert_eq(mm_access(t, (unsigned long)m, pages * PAGE_SIZE, false), 0);
	unsigned long deact0 = vmstat_value("pgdeactivate");
	cr_assert_eq(task_madvise(t, (unsigned long)m, pages * PAGE_SIZE, MADV_COLD), 0);
	cr_assert_eq(vmstat_value("pgdeactivate") - deact0, pages);
	cr_assert_eq(meminfo_value("Active(file):"), active - pages * 4);
	cr_assert_eq(vmstat_value("pswpout") + vmstat_value("pgsteal_direct"), 0);
	task_exit(t);
	assert_machine_sane();
}

/* What madvise refuses changes nothing: a locked VMA, a range that wraps, advice kmm does not model. */
Test(madvise, refusals)
{
	struct task_struct *t = boot_task("i386", true);
	long a = anon_region(t, 64);
	cr_assert_eq(task_mlock(t, (unsigned long)a, 64 * PAGE_SIZE), 0);
	cr_assert_eq(task_madvise(t, (unsigned long)a, 64 * PAGE_SIZE, MADV_PAGEOUT), -EINVAL);
	cr_assert_eq(task_madvise(t, (unsigned long)a, 64 * PAGE_SIZE, MADV_COLD), -EINVAL);
	cr_assert_eq(task_munlock(t, (unsigned long)a, 64 * PAGE_SIZE), 0);
	cr_assert_eq(task_madvise(t, (unsigned long)a, ~0UL, MADV_PAGEOUT), -EINVAL);
	cr_assert_eq(task_madvise(t, (unsigned long)a + 1, PAGE_SIZE, MADV_PAGEOUT), -EINVAL);
	cr_assert_eq(task_madvise(t, (unsigned long)a, PAGE_SIZE, MADV_FREE), -EINVAL);
	cr_assert_eq(vmstat_value("pswpout"), 0);
	/* a hole after the region: the region is still paged out, then -ENOMEM */
	cr_assert_eq(task_madvise(t, (unsigned long)a, 128 * PAGE_SIZE, MADV_PAGEOUT), -ENOMEM);
	cr_assert_eq(vmstat_value("pswpout"), 64);
	assert_bytes(t, a, 64);
	task_exit(t);
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	assert_machine_sane();
}
