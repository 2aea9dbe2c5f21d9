/*
 * test_migrate.c - page migration (mm/migrate.c): anonymous pages of a
 * task and its fork child, file and shmem pages, swap-cache pages, moved
 * to new frames while mapped, the bytes intact through both ways in, the
 * rmap, LRU and memory cgroup counters consistent (kmm_verify) and
 * "nothing lost"; a pinned page fails and stays; move_pages and
 * migrate_pages on two fake NUMA nodes and what they refuse.
 */
#include "kmm_test.h"

#include <kmm/fs.h>
#include <kmm/swap.h>
#include <kmm/task.h>

#include <fcntl.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(migrate, .fini = fini, .timeout = 120);

static void boot_mem(const char *profile, unsigned long long mem, const char *cmdline)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = mem;
	if (cmdline)
		p.cmdline = cmdline;
	boot_or_fail(&p);
}

static struct task_struct *make_task(const char *comm)
{
	struct task_struct *t = task_create(comm, 1000);
	cr_assert_not_null(t);
	cr_assert_eq(task_exec_layout(t, "/bin/mover", 64 << 10, 16 << 10, 16 << 10), 0);
	return t;
}

static struct page *alloc_any(struct page *old, unsigned long private)
{
	(void)old;
	(void)private;
	return alloc_pages(GFP_HIGHUSER_MOVABLE, 0);
}

/* migrate the page t maps at addr; the pages not migrated */
static int migrate_page_at(struct task_struct *t, unsigned long addr)
{
	lru_add_drain_all();
	struct page *page = mapped_page(t, addr);
	cr_assert_not_null(page, "nothing mapped at %#lx", addr);
	cr_assert(folio_isolate_lru(page), "page at %#lx not on the LRU", addr);
	struct list_head list = LIST_HEAD_INIT(list);
	list_add_tail(&page->lru, &list);
	int left = migrate_pages(&list, alloc_any, NULL, 0, MIGRATE_SYNC, MR_SYSCALL, NULL);
	putback_movable_pages(&list);
	return left;
}

/* migrate every page of [a, a + n pages) of t: each must land on another frame */
static void migrate_range(struct task_struct *t, unsigned long a, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		unsigned long addr = a + i * PAGE_SIZE;
		unsigned long before = page_to_pfn(mapped_page(t, addr));
		cr_assert_eq(migrate_page_at(t, addr), 0, "page %lu not migrated", i);
		struct page *now = mapped_page(t, addr);
		cr_assert_not_null(now);
		cr_assert_neq(page_to_pfn(now), before, "page %lu did not move", i);
	}
}

static void verify(const char *what)
{
	char why[512];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s: %s", what, why);
}

/*
 * Anonymous pages shared by a task and its fork child (and the child's
 * own COW copies) move while mapped in both: both read the bytes, the
 * rmap and counters hold, and the old frames go back to the allocator.
 */
static void anon_fork(const char *profile)
{
	boot_mem(profile, 256ULL << 20, NULL);
	struct kmm_usage boot;
	kmm_usage_settle(&boot);
	struct task_struct *t = make_task("parent");
	unsigned long n = 16;
	long a = task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	u_write_pattern(t, (unsigned long)a, 0, n, 1);
	struct task_struct *c = task_fork(t);
	cr_assert_not_null(c);
	u_write_pattern(c, (unsigned long)a, 8, 8, 2); /* the child's own copies of the upper half */
	unsigned long ok0 = vmstat_value("pgmigrate_success");
	migrate_range(t, (unsigned long)a, n);
	for (unsigned long i = 0; i < 8; i++)
		cr_assert_eq(mapped_page(t, (unsigned long)a + i * PAGE_SIZE), mapped_page(c, (unsigned long)a + i * PAGE_SIZE),
			     "shared page %lu: both tasks map the new frame", i);
	migrate_range(c, (unsigned long)a + 8 * PAGE_SIZE, 8);
	cr_assert_eq(vmstat_value("pgmigrate_success") - ok0, n + 8);
	cr_assert_eq(vmstat_value("pgmigrate_fail"), 0);
	cr_assert_eq(vmstat_value("thp_migration_success"), 0);
	verify("after migration");
	u_check_pattern(t, (unsigned long)a, 0, n, 1);
	u_check_pattern(c, (unsigned long)a, 0, 8, 1);
	u_check_pattern(c, (unsigned long)a, 8, 8, 2);
	/* written again after the move: the new frames are the tasks' own */
	u_write_pattern(t, (unsigned long)a, 0, n, 3);
	u_check_pattern(c, (unsigned long)a, 0, 8, 1);
	verify("after the writes");
	task_exit(c);
	task_exit(t);
	assert_nothing_lost_since(&boot, profile);
}
TEST_BOTH_WAYS(migrate, anon_fork, anon_fork)

/* A file's shared mapping and a shmem mapping: the cache slot follows the page, dirty state and all. */
static void file_shmem(const char *profile)
{
	boot_mem(profile, 256ULL << 20, NULL);
	struct kmm_usage boot;
	kmm_usage_settle(&boot);
	unsigned long n = 8;
	char *data = malloc(n * PAGE_SIZE);
	for (unsigned long i = 0; i < n; i++)
		pattern_page(data + i * PAGE_SIZE, i, 1);
	cr_assert_eq(kmm_file_create("/data/m", data, n * PAGE_SIZE), 0);
	struct task_struct *t = make_task("filer");
	int fd = task_open(t, "/data/m", O_RDWR);
	cr_assert_geq(fd, 0);
	long f = task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	cr_assert_gt(f, 0);
	long s = task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(s, 0);
	u_check_pattern(t, (unsigned long)f, 0, n, 1);
	u_write_pattern(t, (unsigned long)f, 0, n / 2, 2); /* half the file dirty */
	u_write_pattern(t, (unsigned long)s, 0, n, 3);
	struct task_struct *c = task_fork(t);
	cr_assert_not_null(c);
	unsigned long dirty0 = meminfo_value("Dirty:"), shmem0 = meminfo_value("Shmem:");
	unsigned long file0 = vmstat_value("nr_file_pages"), mapped0 = vmstat_value("nr_mapped");
	migrate_range(t, (unsigned long)f, n);
	migrate_range(t, (unsigned long)s, n);
	cr_assert_eq(meminfo_value("Dirty:"), dirty0);
	cr_assert_eq(meminfo_value("Shmem:"), shmem0);
	cr_assert_eq(vmstat_value("nr_file_pages"), file0);
	cr_assert_eq(vmstat_value("nr_mapped"), mapped0);
	verify("after migration");
	u_check_pattern(c, (unsigned long)f, 0, n / 2, 2);
	u_check_pattern(c, (unsigned long)f, n / 2, n / 2, 1);
	u_check_pattern(c, (unsigned long)s, 0, n, 3);
	u_check_pattern(t, (unsigned long)s, 0, n, 3);
	/* the page cache holds the new frames: read(2) sees the written bytes */
	char buf[PAGE_SIZE], want[PAGE_SIZE];
	cr_assert_eq(kmm_file_pread("/data/m", buf, PAGE_SIZE, 0), PAGE_SIZE);
	pattern_page(want, 0, 2);
	cr_assert(!memcmp(buf, want, PAGE_SIZE));
	task_exit(c);
	task_exit(t);
	kmm_sync();
	cr_assert_eq(kmm_file_pread("/data/m", buf, PAGE_SIZE, PAGE_SIZE), PAGE_SIZE);
	pattern_page(want, 1, 2);
	cr_assert(!memcmp(buf, want, PAGE_SIZE), "written back from the new frame");
	cr_assert_eq(kmm_file_unlink("/data/m"), 0);
	free(data);
	assert_nothing_lost_since(&boot, profile);
}
TEST_BOTH_WAYS(migrate, file_shmem, file_shmem)

/* Pages read back from swap are in the swap cache and mapped: the cache's entry follows the page. */
static void swap_cache(const char *profile)
{
	boot_mem(profile, 256ULL << 20, NULL);
	cr_assert_eq(kmm_swapon("/dev/vda", 64ULL << 20, 0), 0);
	struct task_struct *t = make_task("swapper");
	unsigned long n = 16;
	long a = task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	u_write_pattern(t, (unsigned long)a, 0, n, 1);
	cr_assert_eq(task_madvise(t, (unsigned long)a, n * PAGE_SIZE, MADV_PAGEOUT), 0);
	swap_io_flush();
	struct task_struct *c = task_fork(t); /* the child's PTEs hold the slots too */
	cr_assert_not_null(c);
	char buf[8];
	for (unsigned long i = 0; i < n; i++) /* a read fault brings each back, still in the swap cache */
		cr_assert_eq(task_read(t, (unsigned long)a + i * PAGE_SIZE, buf, sizeof(buf)), 0);
	unsigned long in_cache = 0;
	for (unsigned long i = 0; i < n; i++)
		in_cache += page_in_swap_cache(mapped_page(t, (unsigned long)a + i * PAGE_SIZE));
	cr_assert_gt(in_cache, 0, "no page stayed in the swap cache");
	unsigned long cached0 = meminfo_value("SwapCached:");
	migrate_range(t, (unsigned long)a, n);
	cr_assert_eq(meminfo_value("SwapCached:"), cached0);
	unsigned long in_cache_after = 0;
	for (unsigned long i = 0; i < n; i++)
		in_cache_after += page_in_swap_cache(mapped_page(t, (unsigned long)a + i * PAGE_SIZE));
	cr_assert_eq(in_cache_after, in_cache, "the new frames took the old ones' swap-cache entries");
	verify("after migration");
	u_check_pattern(t, (unsigned long)a, 0, n, 1);
	u_check_pattern(c, (unsigned long)a, 0, n, 1);
	task_exit(c);
	task_exit(t);
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	assert_machine_sane();
}
TEST_BOTH_WAYS(migrate, swap_cache, swap_cache)

/* A page with a reference more than its mappings (a pin) is not moved: -EAGAIN ten times, then failed. */
static void pinned(const char *profile)
{
	boot_mem(profile, 256ULL << 20, NULL);
	struct kmm_usage boot;
	kmm_usage_settle(&boot);
	struct task_struct *t = make_task("pinner");
	long a = task_mmap(t, 0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	u_write_pattern(t, (unsigned long)a, 0, 2, 1);
	struct page *page = mapped_page(t, (unsigned long)a);
	get_page(page); /* get_user_pages' pin */
	unsigned long fail0 = vmstat_value("pgmigrate_fail");
	cr_assert_eq(migrate_page_at(t, (unsigned long)a), 1);
	cr_assert_eq(vmstat_value("pgmigrate_fail") - fail0, 1);
	cr_assert_eq(mapped_page(t, (unsigned long)a), page, "the pinned page stays");
	verify("after the failure");
	put_page(page);
	cr_assert_eq(migrate_page_at(t, (unsigned long)a), 0, "unpinned, it moves");
	u_check_pattern(t, (unsigned long)a, 0, 2, 1);
	task_exit(t);
	assert_nothing_lost_since(&boot, profile);
}
TEST_ON_EVERY_PROFILE(migrate, pinned, pinned)

/* move_pages and migrate_pages between two fake NUMA nodes, and their refusals. */
Test(migrate, move_pages_numa)
{
	boot_mem("x86_64", 1ULL << 30, "numa=fake=2");
	cr_assert_eq(M->nr_nodes, 2);
	struct kmm_usage boot;
	kmm_usage_settle(&boot);
	struct task_struct *t = make_task("numa");
	unsigned long n = 8;
	unsigned long node0 = 1;
	cr_assert_eq(task_set_mempolicy(t, MPOL_BIND, &node0, 64), 0);
	long a = task_mmap(t, 0, (n + 2) * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	u_write_pattern(t, (unsigned long)a, 0, n, 1);
	unsigned long addrs[16];
	int nodes[16], status[16];
	for (unsigned long i = 0; i < n; i++)
		addrs[i] = (unsigned long)a + i * PAGE_SIZE;
	cr_assert_eq(task_move_pages(t, n, addrs, NULL, status, 0), 0);
	for (unsigned long i = 0; i < n; i++)
		cr_assert_eq(status[i], 0, "page %lu on node %d", i, status[i]);
	for (unsigned long i = 0; i < n; i++)
		nodes[i] = 1;
	/* refusals: nothing moves */
	cr_assert_eq(task_move_pages(NULL, n, addrs, nodes, status, 0), -ESRCH);
	cr_assert_eq(task_move_pages(t, n, addrs, nodes, status, 0x100), -EINVAL);
	cr_assert_eq(task_move_pages(t, n, addrs, nodes, status, MPOL_MF_MOVE_ALL), -EPERM);
	nodes[3] = 7;
	cr_assert_eq(task_move_pages(t, n, addrs, nodes, status, MPOL_MF_MOVE), -ENODEV);
	nodes[3] = -1;
	cr_assert_eq(task_move_pages(t, n, addrs, nodes, status, MPOL_MF_MOVE), -ENODEV);
	nodes[3] = 1;
	cr_assert_eq(task_move_pages(t, n, addrs, NULL, status, 0), 0);
	for (unsigned long i = 0; i < n; i++)
		cr_assert_eq(status[i], 0, "a refused call moved page %lu", i);
	/* per-page errors, as 6.1's follow_page(FOLL_DUMP) gives them */
	char byte;
	cr_assert_eq(u_read(t, (unsigned long)a + (n + 1) * PAGE_SIZE, &byte, 1), 0); /* the zero page */
	addrs[n] = (unsigned long)a + n * PAGE_SIZE;   /* anonymous, never touched */
	addrs[n + 1] = 0x1000;                          /* no VMA */
	addrs[n + 2] = (unsigned long)a + (n + 1) * PAGE_SIZE + 123; /* the zero page, not aligned */
	nodes[n] = nodes[n + 1] = nodes[n + 2] = 1;
	unsigned long ok0 = vmstat_value("pgmigrate_success");
	cr_assert_eq(task_move_pages(t, n + 3, addrs, nodes, status, MPOL_MF_MOVE), 0);
	for (unsigned long i = 0; i < n; i++)
		cr_assert_eq(status[i], 1, "page %lu: %d", i, status[i]);
	cr_assert_eq(status[n], -EFAULT);
	cr_assert_eq(status[n + 1], -EFAULT);
	cr_assert_eq(status[n + 2], -ENOENT);
	cr_assert_eq(vmstat_value("pgmigrate_success") - ok0, n);
	cr_assert_eq(task_move_pages(t, n, addrs, NULL, status, 0), 0);
	for (unsigned long i = 0; i < n; i++)
		cr_assert_eq(status[i], 1, "page %lu is on node %d", i, status[i]);
	u_check_pattern(t, (unsigned long)a, 0, n, 1);
	verify("after move_pages");
	struct task_struct *c = task_fork(t);
	cr_assert_not_null(c);
	nodes[0] = 0;
	cr_assert_eq(task_move_pages(t, 1, addrs, nodes, status, MPOL_MF_MOVE), 0);
	cr_assert_eq(status[0], -EACCES, "mapped by two processes");
	task_exit(c);
	/* migrate_pages(2): everything on node 1 back to node 0 */
	cr_assert_eq(task_migrate_pages(t, 2, 4), -EINVAL, "node 2 has no memory");
	cr_assert_eq(task_migrate_pages(NULL, 2, 1), -ESRCH);
	cr_assert_eq(task_migrate_pages(t, 2, 1), 0);
	cr_assert_eq(task_move_pages(t, n, addrs, NULL, status, 0), 0);
	for (unsigned long i = 0; i < n; i++)
		cr_assert_eq(status[i], 0, "page %lu is on node %d", i, status[i]);
	u_check_pattern(t, (unsigned long)a, 0, n, 1);
	verify("after migrate_pages");
	task_exit(t);
	assert_nothing_lost_since(&boot, "numa");
}

/* "key N" of a memory cgroup file (the whole file's number with key NULL) */
static unsigned long cg_value(const char *group, const char *file, const char *key)
{
	char path[256];
	snprintf(path, sizeof(path), "sys/fs/cgroup/%s/%s", group, file);
	char *text = kmm_proc_read(path);
	cr_assert_not_null(text, "%s", path);
	const char *at = text;
	if (key) {
		size_t k = strlen(key);
		for (at = text; at && !(!strncmp(at, key, k) && at[k] == ' '); at = strchr(at, '\n'), at = at ? at + 1 : NULL)
			;
		cr_assert_not_null(at, "no %s in %s", key, path);
		at += strlen(key);
	}
	unsigned long v = strtoul(at, NULL, 10);
	free(text);
	return v;
}

/*
 * A task in a memory cgroup, with anonymous, mlocked and file pages: each
 * moves with its charge - memory.current and memory.stat's page counts
 * are what they were, the mlocked pages are still locked (Mlocked,
 * Unevictable) - and the group empties when the task goes.
 */
static void memcg_mlock(const char *profile)
{
	boot_mem(profile, 256ULL << 20, NULL);
	struct kmm_usage boot;
	kmm_usage_settle(&boot);
	cr_assert_eq(kmm_cgroup_mkdir("A"), 0);
	struct task_struct *t = make_task("grouped");
	cr_assert_eq(kmm_cgroup_attach(t, "A"), 0);
	unsigned long n = 8;
	long a = task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	u_write_pattern(t, (unsigned long)a, 0, n, 1);
	cr_assert_eq(task_mlock(t, (unsigned long)a, n / 2 * PAGE_SIZE), 0);
	char *data = calloc(n, PAGE_SIZE);
	cr_assert_eq(kmm_file_create("/data/g", data, n * PAGE_SIZE), 0);
	int fd = task_open(t, "/data/g", O_RDWR);
	long f = task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	cr_assert_gt(f, 0);
	u_write_pattern(t, (unsigned long)f, 0, n, 2);
	lru_add_drain_all();
	static const char *const keys[] = { "anon", "file", "file_mapped", "file_dirty", "inactive_anon", "active_anon",
					    "inactive_file", "active_file", "unevictable" };
	unsigned long before[sizeof(keys) / sizeof(keys[0])];
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		before[k] = cg_value("A", "memory.stat", keys[k]);
	unsigned long current = cg_value("A", "memory.current", NULL);
	unsigned long mlocked = meminfo_value("Mlocked:"), unevictable = meminfo_value("Unevictable:");
	cr_assert_eq(before[8], n / 2 * PAGE_SIZE, "the mlocked pages are unevictable");
	migrate_range(t, (unsigned long)a, n);
	migrate_range(t, (unsigned long)f, n);
	lru_add_drain_all();
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		cr_assert_eq(cg_value("A", "memory.stat", keys[k]), before[k], "memory.stat %s", keys[k]);
	cr_assert_eq(cg_value("A", "memory.current", NULL), current);
	cr_assert_eq(meminfo_value("Mlocked:"), mlocked);
	cr_assert_eq(meminfo_value("Unevictable:"), unevictable);
	verify("after migration");
	u_check_pattern(t, (unsigned long)a, 0, n, 1);
	u_check_pattern(t, (unsigned long)f, 0, n, 2);
	task_exit(t);
	cr_assert_eq(kmm_file_unlink("/data/g"), 0);
	cr_assert_eq(kmm_cgroup_rmdir("A"), 0);
	free(data);
	assert_nothing_lost_since(&boot, profile);
}
TEST_BOTH_WAYS(migrate, memcg_mlock, memcg_mlock)

/*
 * Migration entries in each profile's swap PTE format: not present, a
 * swap PTE, the type past the swap areas' and the pfn round-trip, up to
 * the highest pfn the profile's PTEs can hold (and a swap offset can).
 */
static void entries(const char *profile)
{
	boot_mem(profile, 256ULL << 20, NULL);
	/* the highest pfn the PTEs can hold, if a swap entry's offset reaches it (LPAE's 40 bits: it does not) */
	unsigned long top = min(M->prof->max_arch_pfn, max_swapfile_size());
	unsigned long pfns[] = { 0, 1, 0x12345, M->max_pfn - 1, top - 1 };
	for (size_t i = 0; i < sizeof(pfns) / sizeof(pfns[0]); i++)
		for (int w = 0; w < 2; w++) {
			pteval_t pte = swp_entry_to_pte(make_migration_entry(pfns[i], w));
			cr_assert(!(pte & _PAGE_PRESENT) && is_swap_pte(pte), "pfn %#lx: PTE %#llx", pfns[i], (unsigned long long)pte);
			swp_entry_t e = pte_to_swp_entry(pte);
			cr_assert(is_migration_entry(e), "pfn %#lx: type %u", pfns[i], swp_type(e));
			cr_assert_eq(swp_type(e), w ? (unsigned)SWP_MIGRATION_WRITE : (unsigned)SWP_MIGRATION_READ);
			cr_assert_eq(migration_entry_pfn(e), pfns[i]);
		}
	cr_assert(!is_migration_entry(pte_to_swp_entry(swp_entry_to_pte(swp_entry(MAX_SWAPFILES - 1, 5)))),
		  "a swap area's entry is no migration entry");
}
TEST_ON_EVERY_PROFILE(migrate, entries, entries)

/*
 * kmm map --svg shows the moves: the frame a page left and the frame it
 * went to each get their tick, in the row and column of that frame.
 */
Test(migrate, map_shows_the_trail)
{
	boot_mem("i386", 256ULL << 20, NULL);
	struct task_struct *t = make_task("mover");
	long a = task_mmap(t, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	u_write_pattern(t, (unsigned long)a, 0, 1, 5);
	unsigned long from = page_to_pfn(mapped_page(t, (unsigned long)a));
	unsigned long moves = M->migrate_trail_next;
	cr_assert_eq(migrate_page_at(t, (unsigned long)a), 0);
	unsigned long to = page_to_pfn(mapped_page(t, (unsigned long)a));
	cr_assert_eq(M->migrate_trail_next, moves + 1);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert_eq(kmm_map_svg(f), 0);
	fclose(f);
	cr_assert_not_null(strstr(buf, "page migrated to here"), "the legend names the trail");
	/* both ends drawn at their frame's column in its zone's band (4 MiB rows of 1024 frames, 150 px in) */
	const unsigned long cols[2] = { (from - page_zone(pfn_to_page(from))->zone_start_pfn) % 1024,
					(to - page_zone(pfn_to_page(to))->zone_start_pfn) % 1024 };
	const char *cls[2] = { "migrated-from", "migrated-to" };
	for (int end = 0; end < 2; end++) {
		bool found = false;
		for (const char *q = buf; !found && (q = strstr(q, cls[end])); q++) {
			const char *x = strstr(q, "x=\"");
			found = x && strtoul(x + 3, NULL, 10) == cols[end] + 150;
		}
		cr_assert(found, "%s tick for pfn %#lx", cls[end], end ? to : from);
	}
	free(buf);
	task_exit(t);
}
