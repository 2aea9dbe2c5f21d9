/*
 * test_lru.c - the LRU lists (mm/swap.c): where new anonymous, shmem and
 * page-cache pages go, the per-CPU batches they wait in, the two-touch
 * activation of mark_page_accessed, the accessed bit the software path
 * sets, and the counters meminfo, zoneinfo and vmstat show.
 */
#include "kmm_test.h"

#include <kmm/fs.h>
#include <kmm/task.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(lru, .fini = fini, .timeout = 60);

static bool flag(const struct page *page, int bit)
{
	return page->flags & (1UL << bit);
}

static struct page *page_at(struct task_struct *t, unsigned long addr)
{
	unsigned long idx;
	phys_addr_t table = user_pte_table(t->mm->pgd, addr, false, &idx);
	cr_assert(table, "no page table at %#lx", addr);
	pteval_t pte = pte_get(table, idx);
	cr_assert(pte & _PAGE_PRESENT, "nothing mapped at %#lx", addr);
	return pfn_to_page(PHYS_PFN(pte & PTE_PFN_MASK));
}

static void assert_verified(void)
{
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
}

/*
 * Anonymous pages start on the inactive anon list, by way of this CPU's
 * batch: 14 new pages wait in it, the 15th takes the batch onto the list
 * at once; exit takes them all off again.
 */
static void anon_pages_batched(const char *profile)
{
	struct task_struct *t = boot_with_task(profile, "anon", "/bin/anon", 0x4000, 0x1000, 0x1000);
	lru_add_drain_all();
	unsigned long inactive0 = meminfo_value("Inactive(anon):"), active0 = meminfo_value("Active(anon):");
	long a = task_mmap(t, 0, 64 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	for (int i = 0; i < FOLIO_BATCH_SIZE - 1; i++)
		cr_assert_eq(mm_access(t, (unsigned long)a + (unsigned long)i * PAGE_SIZE, 1, true), 0);
	cr_assert_eq(meminfo_value("Inactive(anon):"), inactive0, "14 pages wait in the batch");
	struct page *first = page_at(t, (unsigned long)a);
	cr_assert(!flag(first, PG_lru));
	cr_assert(flag(first, PG_swapbacked), "an anonymous page is swap-backed");
	cr_assert_eq(page_ref_count(first), 2, "its PTE's reference and the batch's");
	cr_assert_eq(mm_access(t, (unsigned long)a + (FOLIO_BATCH_SIZE - 1) * PAGE_SIZE, 1, true), 0);
	cr_assert_eq(meminfo_value("Inactive(anon):"), inactive0 + FOLIO_BATCH_SIZE * 4, "the full batch went onto the list");
	cr_assert(flag(first, PG_lru));
	cr_assert(!flag(first, PG_active), "new anonymous pages start inactive");
	cr_assert_eq(page_ref_count(first), 1, "the batch let go of it");
	cr_assert_eq(meminfo_value("Active(anon):"), active0);
	/* the zones' counts add up to the node's, and zoneinfo shows both */
	char *zi = kmm_proc_read("zoneinfo");
	cr_assert_not_null(strstr(zi, "\n      nr_inactive_anon "));
	cr_assert_not_null(strstr(zi, "\n      nr_zone_inactive_anon "));
	free(zi);
	cr_assert_eq(vmstat_value("nr_inactive_anon"), meminfo_value("Inactive(anon):") / 4);
	unsigned long zsum = 0;
	struct zone *zone;
	for_each_zone(zone)
		zsum += (unsigned long)zone->vm_stat[NR_ZONE_INACTIVE_ANON];
	cr_assert_eq(zsum * 4, meminfo_value("Inactive(anon):"));
	assert_verified();
	/* more pages than a batch: all of them listed after a drain; exit takes them off */
	cr_assert_eq(mm_access(t, (unsigned long)a, 64 * PAGE_SIZE, true), 0);
	lru_add_drain_all();
	cr_assert_eq(meminfo_value("Inactive(anon):"), inactive0 + 64 * 4);
	task_exit(t);
	lru_add_drain_all();
	cr_assert_eq(meminfo_value("Inactive(anon):"), inactive0);
	assert_machine_sane();
}
TEST_ON_EVERY_PROFILE(lru, anon_pages_batched, anon_pages_batched)

/*
 * Page-cache pages start inactive; read(2) touches them: the first read
 * sets PG_referenced, the second activates (pgactivate), whether the page
 * still waits in the batch (made active there, not counted) or is listed.
 */
static void read_activates(const char *profile)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 256ULL << 20;
	boot_or_fail(&p);
	char data[4 * PAGE_SIZE];
	memset(data, 'f', sizeof(data));
	cr_assert_eq(kmm_file_create("/data/f", data, sizeof(data)), 0);
	char buf[4 * PAGE_SIZE];
	unsigned long act0 = vmstat_value("pgactivate");
	cr_assert_eq(kmm_file_pread("/data/f", buf, 4 * PAGE_SIZE, 0), 4 * PAGE_SIZE);
	lru_add_drain_all();
	unsigned long inactive = meminfo_value("Inactive(file):");
	cr_assert_eq(inactive, 4 * 4, "the read brought the whole file onto the inactive file list");
	cr_assert_eq(meminfo_value("Active(file):"), 0);
	cr_assert_eq(kmm_file_pread("/data/f", buf, PAGE_SIZE, 0), PAGE_SIZE);
	lru_add_drain_all();
	cr_assert_eq(meminfo_value("Active(file):"), 4, "the second read activated the page");
	cr_assert_eq(meminfo_value("Inactive(file):"), 3 * 4);
	cr_assert_eq(vmstat_value("pgactivate"), act0 + 1);
	/* a third read changes nothing but PG_referenced */
	cr_assert_eq(kmm_file_pread("/data/f", buf, PAGE_SIZE, 0), PAGE_SIZE);
	lru_add_drain_all();
	cr_assert_eq(vmstat_value("pgactivate"), act0 + 1);
	/* shmem pages are swap-backed: the anon lists */
	struct task_struct *t = task_create("shm", 1000);
	unsigned long anon0 = meminfo_value("Inactive(anon):");
	long s = task_mmap(t, 0, 8 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(s, 0);
	cr_assert_eq(mm_access(t, (unsigned long)s, 8 * PAGE_SIZE, true), 0);
	lru_add_drain_all();
	cr_assert_eq(meminfo_value("Inactive(anon):"), anon0 + 8 * 4);
	cr_assert_eq(meminfo_value("Inactive(file):"), 3 * 4, "no shmem page on the file lists");
	assert_verified();
	task_exit(t);
	cr_assert_eq(kmm_file_unlink("/data/f"), 0);
	assert_machine_sane();
}
TEST_ON_EVERY_PROFILE(lru, read_activates, read_activates)

/*
 * The software path is the MMU: an access sets the PTE's accessed bit, a
 * write its dirty bit; unmapping a young file page marks it accessed.
 */
static void accessed_bit(const char *profile)
{
	struct task_struct *t = boot_with_task(profile, "bits", "/bin/bits", 0x4000, 0x1000, 0x1000);
	char data[2 * PAGE_SIZE];
	memset(data, 'x', sizeof(data));
	cr_assert_eq(kmm_file_create("/data/m", data, sizeof(data)), 0);
	int fd = task_open(t, "/data/m", O_RDONLY);
	long m = task_mmap(t, 0, 2 * PAGE_SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
	cr_assert_eq(task_close(t, fd), 0);
	char c;
	cr_assert_eq(task_read(t, (unsigned long)m, &c, 1), 0);
	unsigned long idx;
	phys_addr_t table = user_pte_table(t->mm->pgd, (unsigned long)m, false, &idx);
	pte_set(table, idx, pte_get(table, idx) & ~(pteval_t)_PAGE_ACCESSED); /* as reclaim's aging clears it */
	cr_assert_eq(task_read(t, (unsigned long)m, &c, 1), 0);
	cr_assert(pte_get(table, idx) & _PAGE_ACCESSED, "the read set the accessed bit again");
	struct page *page = page_at(t, (unsigned long)m);
	cr_assert(!flag(page, PG_referenced));
	cr_assert_eq(task_munmap(t, (unsigned long)m, 2 * PAGE_SIZE), 0);
	cr_assert(flag(page, PG_referenced), "zap saw a young PTE: mark_page_accessed");
	task_exit(t);
	cr_assert_eq(kmm_file_unlink("/data/m"), 0);
	assert_machine_sane();
}
TEST_ON_EVERY_PROFILE(lru, accessed_bit, accessed_bit)

/* Busy CPUs: each adds pages through its own batch; drain_all gets them all onto the lists. */
static void *cpu_faults(void *arg)
{
	struct task_struct *t = arg;
	int cpu = t->pid % 2;
	cr_assert_eq(kmm_cpu_enter(cpu), 0);
	long a = task_mmap(t, 0, 40 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	cr_assert_eq(mm_access(t, (unsigned long)a, 40 * PAGE_SIZE, true), 0);
	kmm_cpu_exit();
	return NULL;
}

Test(lru, two_cpus)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.mem_bytes = 256ULL << 20;
	p.nr_cpus = 2;
	boot_or_fail(&p);
	lru_add_drain_all();
	unsigned long inactive0 = meminfo_value("Inactive(anon):");
	struct task_struct *t[2] = { task_create("a", 1000), task_create("b", 1000) };
	kmm_cpu_exit();
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, cpu_faults, t[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	cr_assert_eq(kmm_cpu_enter(0), 0);
	lru_add_drain_all();
	cr_assert_eq(meminfo_value("Inactive(anon):"), inactive0 + 80 * 4);
	assert_verified();
	task_exit(t[0]);
	task_exit(t[1]);
	assert_machine_sane();
}

/* ---- reclaim (mm/vmscan.c) ---------------------------------------------------------------------- */

/* A file of n pages, page i filled with its number's low byte. */
static void make_numbered_file(const char *path, unsigned long n)
{
	char *data = malloc(n * PAGE_SIZE);
	for (unsigned long i = 0; i < n; i++)
		memset(data + i * PAGE_SIZE, (int)(i & 0xff), PAGE_SIZE);
	cr_assert_eq(kmm_file_create(path, data, n * PAGE_SIZE), 0);
	free(data);
}

static void assert_numbered_file(const char *path, unsigned long n)
{
	char buf[PAGE_SIZE];
	for (unsigned long i = 0; i < n; i++) {
		cr_assert_eq(kmm_file_pread(path, buf, PAGE_SIZE, i * PAGE_SIZE), PAGE_SIZE);
		cr_assert(buf[0] == (char)(i & 0xff) && buf[PAGE_SIZE - 1] == (char)(i & 0xff), "page %lu of %s", i, path);
	}
}

/*
 * A small machine whose page cache holds most of its memory: a task that
 * then touches more anonymous memory than is free gets it, because direct
 * reclaim takes clean cache pages back - also pages another task maps,
 * whose PTEs (and host mirrors) go, so its next touch reads the file
 * again.  Every byte of the file reads back the same.
 */
static void reclaim_clean_cache(const char *profile)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = (strcmp(profile, "x86_64") ? 64ULL : 128ULL) << 20; /* x86_64's kernel image ends at 68 MiB */
	boot_or_fail(&p);
	unsigned long free_kb = meminfo_value("MemFree:"), file_pages = (free_kb / 4) * 3 / 4;
	make_numbered_file("/data/big", file_pages);
	struct task_struct *mapper = task_create("mapper", 1000);
	int fd = task_open(mapper, "/data/big", O_RDONLY);
	long fm = task_mmap(mapper, 0, 256 * PAGE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	cr_assert_gt(fm, 0);
	cr_assert_eq(task_close(mapper, fd), 0);
	char c;
	for (unsigned long i = 0; i < 256; i++)
		cr_assert_eq(u_read(mapper, (unsigned long)fm + i * PAGE_SIZE, &c, 1), 0);
	char *buf = malloc(PAGE_SIZE);
	for (unsigned long i = 256; i < file_pages; i++)
		cr_assert_eq(kmm_file_pread("/data/big", buf, PAGE_SIZE, i * PAGE_SIZE), PAGE_SIZE);
	free(buf);
	cr_assert_geq(meminfo_value("Cached:"), file_pages * 4 - 64, "the file is in the cache");
	unsigned long steal0 = vmstat_value("pgsteal_direct") + vmstat_value("pgsteal_kswapd");
	/* more anonymous memory than is free now */
	struct task_struct *hog = task_create("hog", 1000);
	unsigned long anon = (meminfo_value("MemFree:") / 4 + file_pages / 2) * PAGE_SIZE;
	long a = task_mmap(hog, 0, anon, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	cr_assert_eq(u_memset(hog, (unsigned long)a, 0x77, anon), 0, "reclaim made room");
	cr_assert_gt(vmstat_value("pgsteal_direct") + vmstat_value("pgsteal_kswapd"), steal0);
	cr_assert_gt(vmstat_value("pgscan_direct") + vmstat_value("pgscan_kswapd"), 0);
	cr_assert_gt(vmstat_value("pgsteal_file"), 0);
	cr_assert_lt(meminfo_value("Cached:"), file_pages * 4, "cache pages went");
	/* the mapper's pages: whatever reclaim unmapped reads back from the disk */
	for (unsigned long i = 0; i < 256; i++) {
		cr_assert_eq(u_read(mapper, (unsigned long)fm + i * PAGE_SIZE, &c, 1), 0);
		cr_assert_eq(c, (char)(i & 0xff));
	}
	assert_verified();
	task_exit(hog);
	assert_numbered_file("/data/big", file_pages);
	task_exit(mapper);
	cr_assert_eq(kmm_file_unlink("/data/big"), 0);
	assert_machine_sane();
}
TEST_BOTH_WAYS(lru, reclaim_clean_cache, reclaim_clean_cache)

/*
 * Dirty cache pages are not dropped by reclaim: meeting only them, it
 * wakes the flusher (wakeup_flusher_threads), which writes them back, and
 * marked PG_reclaim they go to the inactive tail and are taken then.  The
 * file reads back what was written.
 */
static void dirty_cache_written_then_taken(const char *profile)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = (strcmp(profile, "x86_64") ? 64ULL : 128ULL) << 20; /* x86_64's kernel image ends at 68 MiB */
	boot_or_fail(&p);
	unsigned long pages = (meminfo_value("MemFree:") / 4) / 2;
	make_numbered_file("/data/d", pages);
	char *buf = malloc(PAGE_SIZE);
	memset(buf, 0x5a, PAGE_SIZE);
	for (unsigned long i = 0; i < pages; i++)
		cr_assert_eq(kmm_file_pwrite("/data/d", buf, PAGE_SIZE, i * PAGE_SIZE), PAGE_SIZE);
	free(buf);
	unsigned long dirty = meminfo_value("Dirty:");
	cr_assert_eq(dirty, pages * 4);
	struct task_struct *hog = task_create("hog", 1000);
	unsigned long anon = (meminfo_value("MemFree:") / 4 + pages / 2) * PAGE_SIZE;
	long a = task_mmap(hog, 0, anon, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	unsigned long out0 = vmstat_value("pgpgout"), steal0 = vmstat_value("pgsteal_file");
	cr_assert_eq(mm_access(hog, (unsigned long)a, anon, true), 0, "the flusher cleaned them, reclaim took them");
	cr_assert_lt(meminfo_value("Dirty:"), dirty, "written back");
	cr_assert_geq(vmstat_value("pgpgout") - out0, (dirty - meminfo_value("Dirty:")), "each written page counted");
	cr_assert_gt(vmstat_value("pgsteal_file"), steal0);
	task_exit(hog);
	buf = malloc(PAGE_SIZE);
	for (unsigned long i = 0; i < pages; i += 7) {
		cr_assert_eq(kmm_file_pread("/data/d", buf, PAGE_SIZE, i * PAGE_SIZE), PAGE_SIZE);
		cr_assert(buf[0] == 0x5a && buf[PAGE_SIZE - 1] == 0x5a, "page %lu of the file", i);
	}
	free(buf);
	kmm_sync();
	cr_assert_eq(kmm_file_unlink("/data/d"), 0);
	assert_machine_sane();
}
TEST_ON_EVERY_PROFILE(lru, dirty_cache_written_then_taken, dirty_cache_written_then_taken)

/* The mm_vmscan_write_folio lines of the trace buffer with flags (file: RECLAIM_WB_FILE, else _ANON). */
static unsigned long trace_writes(bool file)
{
	char *t = kmm_proc_read("sys/kernel/tracing/trace");
	cr_assert_not_null(t);
	unsigned long n = 0;
	for (char *l = strtok(t, "\n"); l; l = strtok(NULL, "\n"))
		if (strstr(l, " mm_vmscan_write_folio: ") && strstr(l, file ? "flags=RECLAIM_WB_FILE|" : "flags=RECLAIM_WB_ANON|"))
			n++;
	free(t);
	return n;
}

/*
 * kswapd writes dirty file pages itself once a whole round of the file
 * pages it took was dirty and unqueued (PGDAT_DIRTY) and it meets a page
 * dirty again (PG_reclaim).  A task's stores through a shared mapping
 * dirty a file whose blocks are on the disk (it was written once), so
 * ext4's writepage writes each page at once and kswapd frees it there and
 * then; the file reads back what the task stored.  Without swap, the
 * anonymous hog leaves reclaim nothing else.
 */
static void kswapd_writes_dirty_file_pages(const char *profile)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = (strcmp(profile, "x86_64") ? 64ULL : 128ULL) << 20;
	boot_or_fail(&p);
	unsigned long pages = (meminfo_value("MemFree:") / 4) / 2;
	make_numbered_file("/data/w", pages);
	char *buf = malloc(PAGE_SIZE);
	struct task_struct *writer = task_create("writer", 1000);
	int fd = task_open(writer, "/data/w", O_RDWR);
	cr_assert_geq(fd, 0);
	long w = task_mmap(writer, 0, pages * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	cr_assert_gt(w, 0);
	for (unsigned long i = 0; i < pages; i++) {
		memset(buf, (int)((i + 1) & 0xff), PAGE_SIZE);
		cr_assert_eq(task_write(writer, (unsigned long)w + i * PAGE_SIZE, buf, PAGE_SIZE), 0);
	}
	cr_assert_eq(meminfo_value("Dirty:"), pages * 4, "the stores dirtied every page");
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/set_event", "vmscan:mm_vmscan_write_folio"), 0);
	unsigned long writes0 = vmstat_value("nr_vmscan_write"), immediate0 = vmstat_value("nr_vmscan_immediate_reclaim");
	struct task_struct *hog = task_create("hog", 1000);
	unsigned long anon = (meminfo_value("MemFree:") / 4 + pages / 2) * PAGE_SIZE;
	long a = task_mmap(hog, 0, anon, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	cr_assert_eq(mm_access(hog, (unsigned long)a, anon, true), 0);
	cr_assert_gt(trace_writes(true), 0, "kswapd wrote file pages");
	cr_assert_eq(trace_writes(false), 0, "no swap: no anonymous page written");
	cr_assert_eq(vmstat_value("nr_vmscan_write") - writes0, trace_writes(true), "nr_vmscan_write counts each pageout");
	cr_assert_gt(vmstat_value("nr_vmscan_immediate_reclaim"), immediate0, "met dirty first, marked for immediate reclaim");
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/set_event", ""), 0);
	task_exit(hog);
	task_exit(writer);
	for (unsigned long i = 0; i < pages; i++) {
		cr_assert_eq(kmm_file_pread("/data/w", buf, PAGE_SIZE, i * PAGE_SIZE), PAGE_SIZE);
		cr_assert(buf[0] == (char)((i + 1) & 0xff) && buf[PAGE_SIZE - 1] == (char)((i + 1) & 0xff), "page %lu", i);
	}
	free(buf);
	cr_assert_eq(kmm_file_unlink("/data/w"), 0);
	assert_machine_sane();
}
TEST_ON_EVERY_PROFILE(lru, kswapd_writes_dirty_file_pages, kswapd_writes_dirty_file_pages)

/*
 * Writeback cleans a shared mapping's PTEs as page_mkclean does: read-only
 * and without the dirty bit.  Reclaim unmapping the page afterwards finds
 * nothing dirty, so the clean page is dropped, not written a second time.
 */
static void writeback_cleans_the_ptes(const char *profile)
{
	struct task_struct *t = boot_with_task(profile, "mk", "/bin/mk", 0x4000, 0x1000, 0x1000);
	make_numbered_file("/data/c", 4);
	int fd = task_open(t, "/data/c", O_RDWR);
	cr_assert_geq(fd, 0);
	long w = task_mmap(t, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	cr_assert_gt(w, 0);
	cr_assert_eq(mm_access(t, (unsigned long)w, 4 * PAGE_SIZE, false), 0);
	char b = 0x77;
	cr_assert_eq(task_write(t, (unsigned long)w + PAGE_SIZE, &b, 1), 0);
	cr_assert_eq(meminfo_value("Dirty:"), 4);
	lru_add_drain_all();
	kmm_sync();
	cr_assert_eq(meminfo_value("Dirty:"), 0);
	unsigned long idx;
	phys_addr_t table = user_pte_table(t->mm->pgd, (unsigned long)w + PAGE_SIZE, false, &idx);
	pteval_t pte = pte_get(table, idx);
	cr_assert(pte & _PAGE_PRESENT);
	cr_assert_not(pte & (_PAGE_RW | _PAGE_DIRTY), "write-protected and clean: %#llx", (unsigned long long)pte);
	unsigned long dirtied0 = vmstat_value("nr_dirtied"), out0 = vmstat_value("pgpgout");
	cr_assert_eq(task_madvise(t, (unsigned long)w, 4 * PAGE_SIZE, MADV_PAGEOUT), 0);
	cr_assert_eq(vmstat_value("nr_dirtied"), dirtied0, "no stale dirty bit came back");
	cr_assert_eq(vmstat_value("pgpgout"), out0, "nothing written again");
	cr_assert_eq(kmm_file_cached_pages("/data/c"), 0, "the clean pages were dropped");
	char back;
	cr_assert_eq(task_read(t, (unsigned long)w + PAGE_SIZE, &back, 1), 0);
	cr_assert_eq(back, 0x77, "the file kept the store");
	task_exit(t);
	cr_assert_eq(kmm_file_unlink("/data/c"), 0);
	assert_machine_sane();
}
TEST_ON_EVERY_PROFILE(lru, writeback_cleans_the_ptes, writeback_cleans_the_ptes)
