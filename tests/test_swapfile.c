/*
 * test_swapfile.c - swap files in the store (mm/swapfile.c's kmm_mkswap
 * and kmm_swapon_file over mm/filemap.c's files): the header mkswap
 * writes, the Adding line and /proc/swaps as 6.1 prints them for a file,
 * a hog swapping into the file - the file's own bytes on the disk hold
 * the pages at their slots - and back, swapoff with pages out, the store
 * refusing writes, truncation and unlink while the file is swap, and
 * every refused swapon changing nothing.
 */
#include "kmm_test.h"

#include <kmm/fs.h>
#include <kmm/swap.h>
#include <kmm/task.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(swapfile, .fini = fini, .timeout = 120);

static struct kmm_usage at_boot;

static void boot_mem(const char *profile, unsigned long long mem)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = mem;
	boot_or_fail(&p);
	kmm_usage_settle(&at_boot);
}

/* A file of pages pages, every block written: page i filled with 'a' + i % 26. */
static void make_file(const char *path, unsigned long pages)
{
	char *data = malloc(pages * PAGE_SIZE);
	cr_assert_not_null(data);
	for (unsigned long i = 0; i < pages; i++)
		memset(data + i * PAGE_SIZE, 'a' + (int)(i % 26), PAGE_SIZE);
	cr_assert_eq(kmm_file_create(path, data, pages * PAGE_SIZE), 0);
	free(data);
}

static u32 word_at(const unsigned char *p, unsigned long off)
{
	u32 v;
	memcpy(&v, p + off, sizeof(v));
	return v;
}

static const char swaps_head[] = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";

/* No swap area is on: SwapTotal 0 and /proc/swaps its heading alone. */
static void assert_no_swap(const char *what)
{
	cr_assert_eq(meminfo_value("SwapTotal:"), 0, "%s", what);
	char *sw = kmm_proc_read("swaps");
	cr_assert_str_eq(sw, swaps_head, "%s", what);
	free(sw);
}

/* The file takes a write (it is no swap file), and its bytes come back. */
static void assert_writable(const char *path)
{
	char b = 'w', r = 0;
	cr_assert_eq(kmm_file_pwrite(path, &b, 1, 5 * PAGE_SIZE), 1, "%s takes writes", path);
	cr_assert_eq(kmm_file_pread(path, &r, 1, 5 * PAGE_SIZE), 1);
	cr_assert_eq(r, 'w');
}

/* ---- mkswap and the views ------------------------------------------------------------------------ */

/* mkswap writes the header as 6.1's union swap_header lays it out, from byte 1024 on; the rest is left. */
Test(swapfile, mkswap_header)
{
	boot_mem("i386", 256ULL << 20);
	make_file("/swapfile", 256);
	cr_assert_eq(kmm_mkswap("/swapfile"), 0);
	unsigned char *p = malloc(2 * PAGE_SIZE);
	cr_assert_eq(kmm_file_pread("/swapfile", p, 2 * PAGE_SIZE, 0), (long)(2 * PAGE_SIZE));
	for (int i = 0; i < 1024; i++)
		cr_assert_eq(p[i], 'a', "boot bits byte %d left as it was", i);
	cr_assert_eq(word_at(p, 1024), 1, "version");
	cr_assert_eq(word_at(p, 1028), 255, "last_page: the file's pages less one");
	cr_assert_eq(word_at(p, 1032), 0, "nr_badpages");
	for (unsigned long i = 1036; i < PAGE_SIZE - 10; i++)
		cr_assert_eq(p[i], 0, "uuid, volume, padding, badpages: zero (byte %lu)", i);
	cr_assert(!memcmp(p + PAGE_SIZE - 10, "SWAPSPACE2", 10), "the magic in the page's last 10 bytes");
	for (unsigned long i = PAGE_SIZE; i < 2 * PAGE_SIZE; i++)
		cr_assert_eq(p[i], 'b', "page 1 untouched");
	free(p);
	/* synced: the header is on the disk (dropped from the cache, read back from the disk) */
	lru_add_drain_all();
	cr_assert_eq(kmm_proc_write("sys/vm/drop_caches", "1"), 0);
	char magic[10];
	cr_assert_eq(kmm_file_pread("/swapfile", magic, 10, PAGE_SIZE - 10), 10);
	cr_assert(!memcmp(magic, "SWAPSPACE2", 10));
	/* too small (mkswap wants 10 pages), missing: refused, nothing written */
	make_file("/small", 9);
	cr_assert_eq(kmm_mkswap("/small"), -EINVAL);
	cr_assert_eq(kmm_file_pread("/small", magic, 10, PAGE_SIZE - 10), 10);
	cr_assert(!memcmp(magic, "aaaaaaaaaa", 10));
	cr_assert_eq(kmm_mkswap("/nonesuch"), -ENOENT);
	cr_assert_eq(kmm_mkswap(NULL), -EFAULT);
	assert_nothing_lost_since(&at_boot, "after mkswap");
}

/* The Adding line and /proc/swaps as 6.1 prints them for a regular file on ext4 (a rotational disk). */
static void views_as_linux(const char *profile)
{
	boot_mem(profile, 256ULL << 20);
	make_file("/swapfile", 2048); /* 8 MiB */
	cr_assert_eq(kmm_mkswap("/swapfile"), 0);
	cr_assert_eq(kmm_swapon_file("/swapfile", 0), 0);
	cr_assert_not_null(strstr(kmm_dmesg(), "Adding 8188k swap on /swapfile.  Priority:-2 extents:1 across:8188k FS\n"),
			   "%s", kmm_dmesg());
	char *sw = kmm_proc_read("swaps");
	cr_assert_str_eq(sw, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
			     "/swapfile                               file\t\t8188\t\t0\t\t-2\n");
	free(sw);
	cr_assert_eq(meminfo_value("SwapTotal:"), 8188);
	cr_assert_eq(meminfo_value("SwapFree:"), 8188);
	cr_assert(swap_area_rotational(), "the store's disk spins: readahead by slot");
	/* beside a disk, with a priority; a name with a space is escaped as seq_file_path does */
	make_file("/swap file", 64);
	cr_assert_eq(kmm_mkswap("/swap file"), 0);
	cr_assert_eq(kmm_swapon_file("/swap file", SWAP_FLAG_PREFER | 5), 0);
	cr_assert_eq(kmm_swapon("/dev/vda", 1UL << 20, 0), 0);
	sw = kmm_proc_read("swaps");
	cr_assert_str_eq(sw, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
			     "/swapfile                               file\t\t8188\t\t0\t\t-2\n"
			     "/swap\\040file                           file\t\t252\t\t0\t\t5\n"
			     "/dev/vda                                partition\t1020\t\t0\t\t-3\n");
	free(sw);
	cr_assert_not_null(strstr(kmm_dmesg(), "Adding 252k swap on /swap file.  Priority:5 extents:1 across:252k FS\n"));
	/* slots come from the preferred file, from its slot 1 */
	swp_entry_t e = get_swap_page();
	cr_assert_eq(swp_type(e), 1);
	cr_assert_eq(swp_offset(e), 1);
	swapcache_free(e);
	cr_assert_eq(kmm_swapoff("/swap file"), 0);
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	cr_assert_eq(kmm_swapoff("/swapfile"), 0);
	assert_no_swap("after swapoff");
	assert_writable("/swapfile");
	cr_assert_eq(kmm_file_unlink("/swapfile"), 0);
	cr_assert_eq(kmm_file_unlink("/swap file"), 0);
	assert_nothing_lost_since(&at_boot, "after swapoff");
}
TEST_ON_EVERY_PROFILE(swapfile, views_as_linux, views_as_linux)

/* ---- refusals --------------------------------------------------------------------------------- */

/* A refused swapon: the error, its message in the log, no area, the file still an ordinary one. */
static void refused(const char *path, int want, const char *msg)
{
	size_t log0 = strlen(kmm_dmesg());
	cr_assert_eq(kmm_swapon_file(path, 0), want, "swapon %s", path);
	if (msg)
		cr_assert_not_null(strstr(kmm_dmesg() + log0, msg), "swapon %s printed: %s", path, kmm_dmesg() + log0);
	assert_no_swap(path);
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
}

Test(swapfile, swapon_refusals)
{
	boot_mem("i386", 256ULL << 20);
	/* no header: 6.1's message, -EINVAL */
	make_file("/plain", 64);
	refused("/plain", -EINVAL, "Unable to find swap-space signature\n");
	assert_writable("/plain");
	/* holes: a file made without data is sparse; mkswap allocates its first block only */
	cr_assert_eq(kmm_file_create("/sparse", NULL, 64 * PAGE_SIZE), 0);
	cr_assert_eq(kmm_mkswap("/sparse"), 0);
	refused("/sparse", -EINVAL, "swapon: file /sparse has unallocated extents\n");
	assert_writable("/sparse");
	/* a sparse file written all over is not (the written pages get their blocks at the write back swapon does) */
	char *page = calloc(1, PAGE_SIZE);
	for (unsigned long i = 1; i < 64; i++)
		cr_assert_eq(kmm_file_pwrite("/sparse", page, PAGE_SIZE, i * PAGE_SIZE), (long)PAGE_SIZE);
	cr_assert_eq(kmm_swapon_file("/sparse", 0), 0, "no holes left");
	cr_assert_eq(kmm_swapoff("/sparse"), 0);
	/* a header whose last_page the file does not reach; a version swapon does not know; bad pages in a file */
	make_file("/short", 32);
	cr_assert_eq(kmm_mkswap("/short"), 0);
	u32 v = 1000;
	cr_assert_eq(kmm_file_pwrite("/short", &v, 4, 1028), 4);
	refused("/short", -EINVAL, "Swap area shorter than signature indicates\n");
	v = 0;
	cr_assert_eq(kmm_file_pwrite("/short", &v, 4, 1028), 4);
	refused("/short", -EINVAL, "Empty swap-file\n");
	v = 31;
	cr_assert_eq(kmm_file_pwrite("/short", &v, 4, 1028), 4);
	v = 2;
	cr_assert_eq(kmm_file_pwrite("/short", &v, 4, 1024), 4);
	refused("/short", -EINVAL, "Unable to handle swap header version 2\n");
	v = 1;
	cr_assert_eq(kmm_file_pwrite("/short", &v, 4, 1024), 4);
	cr_assert_eq(kmm_file_pwrite("/short", &v, 4, 1032), 4);
	refused("/short", -EINVAL, NULL);
	v = 0;
	cr_assert_eq(kmm_file_pwrite("/short", &v, 4, 1032), 4);
	/* a byte-swapped header is taken, as read_swap_header's "endianness hack" takes it */
	u32 sw[3] = { __builtin_bswap32(1), __builtin_bswap32(31), 0 };
	cr_assert_eq(kmm_file_pwrite("/short", sw, sizeof(sw), 1024), (long)sizeof(sw));
	cr_assert_eq(kmm_swapon_file("/short", 0), 0);
	cr_assert_eq(meminfo_value("SwapTotal:"), 31 * 4);
	cr_assert_eq(kmm_swapoff("/short"), 0);
	/* paths: missing, a directory's form, relative, none; flags swapon(2) does not know */
	refused("/nonesuch", -ENOENT, NULL);
	refused("/short/", -EISDIR, NULL);
	refused("short", -EINVAL, NULL);
	cr_assert_eq(kmm_swapon_file(NULL, 0), -EFAULT);
	char *longpath = malloc(8192);
	memset(longpath, 'x', 8191);
	longpath[0] = '/';
	longpath[8191] = 0;
	refused(longpath, -ENAMETOOLONG, NULL);
	cr_assert_eq(kmm_mkswap(longpath), -ENAMETOOLONG);
	free(longpath);
	cr_assert_eq(kmm_swapon_file("/short", 0x80000), -EINVAL);
	assert_no_swap("after the bad paths");
	/* already on: -EBUSY, by the same path; the first stays as it was */
	make_file("/swapfile", 64);
	cr_assert_eq(kmm_mkswap("/swapfile"), 0);
	cr_assert_eq(kmm_swapon_file("/swapfile", 0), 0);
	cr_assert_eq(kmm_swapon_file("/swapfile", 0), -EBUSY);
	cr_assert_eq(kmm_swapon("/swapfile", 1UL << 20, 0), -EBUSY, "a disk by the file's name");
	cr_assert_eq(meminfo_value("SwapTotal:"), 63 * 4);
	/* a full table (MAX_SWAPFILES, 23 areas): -EPERM before the file is touched (its dirty page stays dirty) */
	char name[32];
	for (int i = 1; i < 23; i++) {
		snprintf(name, sizeof(name), "/dev/vd%c", 'a' + i);
		cr_assert_eq(kmm_swapon(name, 1UL << 20, 0), 0, "%s", name);
	}
	make_file("/another", 64);
	cr_assert_eq(kmm_mkswap("/another"), 0);
	cr_assert_eq(kmm_file_pwrite("/another", "d", 1, 9 * PAGE_SIZE), 1);
	unsigned long dirty = meminfo_value("Dirty:");
	cr_assert_eq(kmm_swapon_file("/another", 0), -EPERM);
	cr_assert_eq(meminfo_value("Dirty:"), dirty, "not written back");
	for (int i = 1; i < 23; i++) {
		snprintf(name, sizeof(name), "/dev/vd%c", 'a' + i);
		cr_assert_eq(kmm_swapoff(name), 0, "%s", name);
	}
	cr_assert_eq(kmm_file_unlink("/another"), 0);
	free(page);
	cr_assert_eq(kmm_swapoff("/swapfile"), 0);
	cr_assert_eq(kmm_swapoff("/swapfile"), -EINVAL, "no longer on");
	const char *files[] = { "/plain", "/sparse", "/short", "/swapfile" };
	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		cr_assert_eq(kmm_file_unlink(files[i]), 0);
	assert_nothing_lost_since(&at_boot, "after the refusals");
}

/* While the file is swap the store refuses what would write over its slots; swapoff gives it back. */
Test(swapfile, store_refuses_while_on)
{
	boot_mem("i386", 256ULL << 20);
	struct task_struct *t = task_create("sh", 1000);
	cr_assert_not_null(t);
	make_file("/swapfile", 64);
	cr_assert_eq(kmm_mkswap("/swapfile"), 0);
	cr_assert_eq(kmm_swapon_file("/swapfile", 0), 0);
	char b = 'x';
	cr_assert_eq(kmm_file_pwrite("/swapfile", &b, 1, 5 * PAGE_SIZE), -ETXTBSY, "write(2)");
	cr_assert_eq(kmm_file_pwrite("/swapfile", &b, 1, 64 * PAGE_SIZE), -ETXTBSY, "a write that would extend it");
	cr_assert_eq(task_open(t, "/swapfile", O_RDWR | O_TRUNC), -ETXTBSY, "O_TRUNC");
	cr_assert_eq(kmm_mkswap("/swapfile"), -ETXTBSY, "mkswap over it");
	cr_assert_eq(kmm_file_unlink("/swapfile"), -EPERM, "unlink (may_delete)");
	cr_assert_eq(kmm_file_create("/swapfile", NULL, PAGE_SIZE), -EPERM, "a new file over its name");
	unsigned long size = 0;
	cr_assert_eq(task_stat(t, "/swapfile", &size), 0);
	cr_assert_eq(size, 64 * PAGE_SIZE, "its size is as it was");
	/* reading it, and opening it to read and write, are allowed */
	char r = 0;
	cr_assert_eq(kmm_file_pread("/swapfile", &r, 1, 5 * PAGE_SIZE), 1);
	cr_assert_eq(r, 'f');
	int fd = task_open(t, "/swapfile", O_RDWR);
	cr_assert_geq(fd, 0);
	cr_assert_eq(task_close(t, fd), 0);
	cr_assert_eq(meminfo_value("SwapTotal:"), 63 * 4, "still on");
	cr_assert_eq(kmm_swapoff("/swapfile"), 0);
	assert_writable("/swapfile");
	fd = task_open(t, "/swapfile", O_RDWR | O_TRUNC);
	cr_assert_geq(fd, 0);
	cr_assert_eq(task_close(t, fd), 0);
	cr_assert_eq(kmm_file_unlink("/swapfile"), 0);
	task_exit(t);
	assert_nothing_lost_since(&at_boot, "after swapoff");
}

/* ---- swapping into the file ------------------------------------------------------------------------ */

/*
 * Every page of the task now in swap: the file's own bytes at its slot
 * (slot o = the file's page o, read through the store) are the page's.
 * How many were checked.
 */
static unsigned long check_file_holds_pages(struct task_struct *t, unsigned long a, unsigned long n, int pass)
{
	static char buf[PAGE_SIZE], want[PAGE_SIZE];
	unsigned long seen = 0;
	/* swap I/O goes past the file's page cache (as 6.1's): pages of it cached before are stale, drop them */
	lru_add_drain_all();
	cr_assert_eq(kmm_proc_write("sys/vm/drop_caches", "1"), 0);
	for (unsigned long i = 0; i < n; i++) {
		unsigned long idx;
		phys_addr_t table = user_pte_table(t->mm->pgd, a + i * PAGE_SIZE, false, &idx);
		pteval_t pte = table ? pte_get(table, idx) : 0;
		if (!is_swap_pte(pte))
			continue;
		swp_entry_t e = pte_to_swp_entry(pte);
		cr_assert_eq(swp_type(e), 0, "the file is the only area");
		cr_assert_eq(kmm_file_pread("/swapfile", buf, PAGE_SIZE, swp_offset(e) * PAGE_SIZE), (long)PAGE_SIZE);
		pattern_page(want, i, pass);
		cr_assert(!memcmp(buf, want, PAGE_SIZE), "page %lu: the file's page %lu holds other bytes", i,
			  swp_offset(e));
		seen++;
	}
	return seen;
}

/*
 * A hog larger than memory swaps into the file: its pages are the file's
 * bytes at their slots, they come back intact, and swapoff with pages
 * still out brings them home; the file is an ordinary one after.
 */
static void hog_swaps_into_file(const char *profile)
{
	boot_mem(profile, (strcmp(profile, "x86_64") ? 64ULL : 128ULL) << 20);
	make_file("/swapfile", 16384); /* 64 MiB */
	cr_assert_eq(kmm_mkswap("/swapfile"), 0);
	cr_assert_eq(kmm_swapon_file("/swapfile", 0), 0);
	struct task_struct *t = task_create("hog", 1000);
	cr_assert_not_null(t);
	unsigned long n = meminfo_value("MemFree:") / 4 * 3 / 2;
	long a = task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	u_write_pattern(t, (unsigned long)a, 0, n, 1);
	cr_assert_gt(vmstat_value("pswpout"), n / 4);
	cr_assert_lt(meminfo_value("SwapFree:"), meminfo_value("SwapTotal:"));
	unsigned long seen = check_file_holds_pages(t, (unsigned long)a, n, 1);
	cr_assert_gt(seen, n / 4, "%lu of %lu pages checked in the file", seen, n);
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
	u_check_pattern(t, (unsigned long)a, 0, n, 1);
	cr_assert_gt(vmstat_value("pswpin"), 0);
	/* the header page was never a slot */
	char magic[10];
	cr_assert_eq(kmm_file_pread("/swapfile", magic, 10, PAGE_SIZE - 10), 10);
	cr_assert(!memcmp(magic, "SWAPSPACE2", 10));
	/* written again, half given back: what is left fits in memory, some of it on the file */
	u_write_pattern(t, (unsigned long)a, 0, n, 2);
	cr_assert_eq(task_munmap(t, (unsigned long)a + n / 2 * PAGE_SIZE, (n - n / 2) * PAGE_SIZE), 0);
	cr_assert_gt(check_file_holds_pages(t, (unsigned long)a, n / 2, 2), 0, "pages still out at swapoff");
	cr_assert_eq(kmm_file_pwrite("/swapfile", "x", 1, PAGE_SIZE), -ETXTBSY);
	cr_assert_eq(kmm_swapoff("/swapfile"), 0);
	assert_no_swap("after swapoff");
	cr_assert_eq(t->mm->rss[MM_SWAPENTS], 0, "every page back in memory");
	u_check_pattern(t, (unsigned long)a, 0, n / 2, 2);
	assert_writable("/swapfile");
	task_exit(t);
	cr_assert_eq(kmm_file_unlink("/swapfile"), 0);
	assert_nothing_lost_since(&at_boot, "after the hog");
}
TEST_BOTH_WAYS(swapfile, hog_swaps_into_file, hog_swaps_into_file)

/* Before a machine is booted there is nothing to swap to. */
Test(swapfile, before_boot)
{
	cr_assert_eq(kmm_mkswap("/swapfile"), -ENODEV);
	cr_assert_eq(kmm_swapon_file("/swapfile", 0), -ENODEV);
}

/* A machine shut down with the file still on: the area and the file go without complaint. */
Test(swapfile, shutdown_while_on)
{
	boot_mem("i386", 64ULL << 20);
	make_file("/swapfile", 1024);
	cr_assert_eq(kmm_mkswap("/swapfile"), 0);
	cr_assert_eq(kmm_swapon_file("/swapfile", 0), 0);
	struct task_struct *t = task_create("hog", 1000);
	unsigned long n = meminfo_value("MemFree:") / 4 + 512;
	long a = task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	u_memset(t, (unsigned long)a, 1, n * PAGE_SIZE);
	cr_assert_gt(vmstat_value("pswpout"), 0);
	kmm_shutdown();
}
