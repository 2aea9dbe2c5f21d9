/*
 * test_filemap.c - files, the page cache and shared memory as processes
 * see them: private and shared file mappings, major and minor faults,
 * copy-on-write of file pages, dirty pages and sync, drop_caches, SIGBUS
 * beyond the end of a file, shared anonymous memory across fork, and the
 * error codes of open and mmap.  The fault tests run through both ways in.
 */
#include "kmm_test.h"

#include <kmm/fs.h>
#include <kmm/task.h>
#include <signal.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(filemap, .fini = fini, .timeout = 60);

static struct task_struct *boot_task(const char *profile)
{
	return boot_with_task(profile, "reader", "/usr/bin/reader", 0x4000, 0x1000, 0x1000);
}

static unsigned long settled_free(void)
{
	lru_add_drain_all(); /* the LRU batches' references */
	kmm_slab_shrink_all();
	drain_all_pages(NULL);
	return nr_free_pages();
}

/* A file of n pages whose page i is filled with 'A' + i % 26. */
static void make_file(const char *path, unsigned long pages)
{
	char *data = malloc(pages * PAGE_SIZE);
	for (unsigned long i = 0; i < pages; i++)
		memset(data + i * PAGE_SIZE, 'A' + (int)(i % 26), PAGE_SIZE);
	cr_assert_eq(kmm_file_create(path, data, pages * PAGE_SIZE), 0);
	free(data);
}

static void drop_caches(void)
{
	/* the per-CPU LRU batches hold references (15 pages a CPU) that drop_caches skips, as Linux's does */
	lru_add_drain_all();
	cr_assert_eq(kmm_proc_write("sys/vm/drop_caches", "1"), 0);
}

/*
 * drop_caches 2: the dentries and inodes of files nobody uses (the store's
 * ext4 objects).  Twice: a dentry used again since it first became unused
 * (the exec image's) is only unmarked by the first (DCACHE_REFERENCED: one
 * more round), and a pass that frees one object is the last, as 6.1's
 * drop_slab_node.
 */
static void drop_inodes(void)
{
	cr_assert_eq(kmm_proc_write("sys/vm/drop_caches", "2"), 0);
	cr_assert_eq(kmm_proc_write("sys/vm/drop_caches", "2"), 0);
}

/*
 * The first touch of a file page reads it from the disk (major) with the
 * pages around it (read-around: the whole 8-page file, its first page
 * marked for readahead since the window ends at EOF), and fault-around
 * maps the cached ones but the marked one; a second mapper finds them
 * cached (minor).
 */
static void check_private_read(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	make_file("/data/a", 8);
	int fd = task_open(t, "/data/a", O_RDONLY);
	cr_assert_geq(fd, 0);
	long a = task_mmap(t, 0, 8 * PAGE_SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
	cr_assert_gt(a, 0);
	cr_assert_eq(task_close(t, fd), 0, "the mapping keeps the file");
	unsigned long maj = t->maj_flt, min = t->min_flt, pgmaj = vmstat_value("pgmajfault");
	unsigned long cached = kmm_page_cache_pages();
	char c;
	cr_assert_eq(u_read(t, (unsigned long)a + 3 * PAGE_SIZE + 5, &c, 1), 0);
	cr_assert_eq(c, 'D');
	cr_assert_eq(t->maj_flt - maj, 1, "read from the disk: a major fault");
	cr_assert_eq(t->min_flt, min);
	cr_assert_eq(vmstat_value("pgmajfault") - pgmaj, 1);
	cr_assert_eq(kmm_page_cache_pages() - cached, 8, "read-around brought the whole file in");
	cr_assert_eq(t->mm->rss[MM_FILEPAGES], 7, "fault-around mapped all but the readahead-marked page 0");
	cr_assert_eq(t->mm->rss[MM_ANONPAGES], 0);
	/* another task maps the same file: the page is in the cache, a minor fault, shared */
	struct task_struct *u = task_create("other", 1000);
	fd = task_open(u, "/data/a", O_RDONLY);
	long b = task_mmap(u, 0, 8 * PAGE_SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
	cr_assert_eq(u_read(u, (unsigned long)b + 3 * PAGE_SIZE, &c, 1), 0);
	cr_assert_eq(c, 'D');
	cr_assert_eq(u->maj_flt, 0);
	cr_assert_eq(u->min_flt, 1);
	cr_assert_eq(u->mm->rss[MM_FILEPAGES], 7);
	unsigned long idx;
	phys_addr_t table = user_pte_table(t->mm->pgd, (unsigned long)a + 3 * PAGE_SIZE, false, &idx);
	struct page *page = pfn_to_page(PHYS_PFN(pte_get(table, idx) & PTE_PFN_MASK));
	cr_assert_eq(page_mapcount(page), 2, "both tasks map the one cache page");
	lru_add_drain_all(); /* the LRU batch's reference goes */
	cr_assert_eq(page_ref_count(page), 3, "the cache's reference and one per PTE");
	cr_assert_eq(meminfo_value("Mapped:"), 7 * 4);
	char path[32];
	snprintf(path, sizeof(path), "%d/maps", t->pid);
	char *maps = kmm_proc_read(path);
	char want[96];
	snprintf(want, sizeof(want), "%08lx-%08lx r--p 00000000 08:01 13 ", (unsigned long)a, (unsigned long)a + 8 * PAGE_SIZE);
	cr_assert_not_null(strstr(maps, want), "%s", maps);
	cr_assert_not_null(strstr(maps, " /data/a\n"), "%s", maps);
	free(maps);
	assert_machine_sane();
	task_exit(u);
	task_exit(t);
	assert_machine_sane();
}

TEST_BOTH_WAYS(filemap, private_read, check_private_read)

/* A write to a private file mapping copies the page: the task sees its write, the file does not change. */
static void check_private_cow(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	make_file("/data/b", 2);
	int fd = task_open(t, "/data/b", O_RDWR);
	long a = task_mmap(t, 0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	cr_assert_gt(a, 0);
	char c;
	cr_assert_eq(u_read(t, (unsigned long)a, &c, 1), 0); /* the cache pages, read-only: fault-around maps both */
	cr_assert_eq(t->mm->rss[MM_FILEPAGES], 2);
	cr_assert_eq(u_write(t, (unsigned long)a, "private", 7), 0);
	cr_assert_eq(t->mm->rss[MM_FILEPAGES], 1, "the cache page is no longer mapped");
	cr_assert_eq(t->mm->rss[MM_ANONPAGES], 1, "its copy is anonymous");
	cr_assert_eq(u_write(t, (unsigned long)a + PAGE_SIZE, "x", 1), 0, "the other cache page: copied on write too");
	cr_assert_eq(t->mm->rss[MM_FILEPAGES], 0);
	cr_assert_eq(t->mm->rss[MM_ANONPAGES], 2);
	char buf[8] = { 0 };
	cr_assert_eq(u_read(t, (unsigned long)a, buf, 7), 0);
	cr_assert_str_eq(buf, "private");
	cr_assert_eq(kmm_file_pread("/data/b", buf, 7, 0), 7);
	cr_assert_eq(memcmp(buf, "AAAAAAA", 7), 0, "the file is untouched");
	cr_assert_eq(meminfo_value("Dirty:"), 0);
	assert_machine_sane();
	task_close(t, fd);
	task_exit(t);
	assert_machine_sane();
}

TEST_BOTH_WAYS(filemap, private_cow, check_private_cow)

/* Shared file mappings write the page cache: read(2) sees it at once, sync writes it back, the next write dirties again. */
static void check_shared_write_and_sync(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	make_file("/data/c", 4);
	int fd = task_open(t, "/data/c", O_RDWR);
	long a = task_mmap(t, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	cr_assert_gt(a, 0);
	cr_assert_eq(u_write(t, (unsigned long)a + 10, "shared", 6), 0);
	char buf[8] = { 0 };
	cr_assert_eq(kmm_file_pread("/data/c", buf, 6, 10), 6);
	cr_assert_str_eq(buf, "shared", "read(2) sees the mapping's write");
	cr_assert_eq(meminfo_value("Dirty:"), 4);
	cr_assert_eq(t->mm->rss[MM_FILEPAGES], 1);
	kmm_sync();
	cr_assert_eq(meminfo_value("Dirty:"), 0, "written back");
	/* the PTE was cleaned: the next store faults and dirties the page again */
	unsigned long min = t->min_flt;
	cr_assert_eq(u_write(t, (unsigned long)a + 20, "again", 5), 0);
	cr_assert_eq(t->min_flt - min, 1);
	cr_assert_eq(meminfo_value("Dirty:"), 4);
	kmm_sync();
	/* the disk has both writes: drop the cache (after unmapping) and read again */
	cr_assert_eq(task_munmap(t, (unsigned long)a, 4 * PAGE_SIZE), 0);
	task_close(t, fd);
	drop_caches();
	cr_assert_eq(kmm_file_cached_pages("/data/c"), 0, "clean, unmapped pages leave the cache");
	cr_assert_eq(kmm_file_pread("/data/c", buf, 6, 10), 6);
	cr_assert_str_eq(buf, "shared");
	cr_assert_eq(kmm_file_pread("/data/c", buf, 5, 20), 5);
	cr_assert_eq(memcmp(buf, "again", 5), 0);
	assert_machine_sane();
	task_exit(t);
	assert_machine_sane();
}

TEST_BOTH_WAYS(filemap, shared_write_and_sync, check_shared_write_and_sync)

/* Past the last page of the file: SIGBUS, as a truncated file's mapping gets. */
static void check_sigbus_beyond_eof(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	cr_assert_eq(kmm_file_create("/data/short", "abc", 3), 0);
	int fd = task_open(t, "/data/short", O_RDONLY);
	long a = task_mmap(t, 0, 3 * PAGE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	cr_assert_gt(a, 0);
	char buf[PAGE_SIZE];
	cr_assert_eq(u_read(t, (unsigned long)a, buf, PAGE_SIZE), 0);
	cr_assert_eq(memcmp(buf, "abc", 3), 0);
	for (unsigned long i = 3; i < PAGE_SIZE; i++)
		cr_assert_eq(buf[i], 0, "the page's tail past the end reads as zeros");
	cr_assert_eq(u_read(t, (unsigned long)a + PAGE_SIZE, buf, 1), -EFAULT);
	kernel_siginfo_t si;
	cr_assert_eq(dequeue_signal(t, 0, &si), SIGBUS);
	cr_assert_eq(si.si_code, BUS_ADRERR);
	cr_assert_eq(si.si_addr, (unsigned long)a + PAGE_SIZE, "the address that faulted");
	/* O_TRUNC under a mapping: its pages go, and even the first page is past the end now */
	int w = task_open(t, "/data/short", O_RDWR | O_TRUNC);
	cr_assert_geq(w, 0);
	cr_assert_eq(t->mm->rss[MM_FILEPAGES], 0, "truncate unmapped the page");
	cr_assert_eq(u_read(t, (unsigned long)a, buf, 1), -EFAULT);
	cr_assert_eq(dequeue_signal(t, 0, &si), SIGBUS);
	cr_assert_eq(dequeue_signal(t, 0, &si), 0, "nothing else pending");
	assert_machine_sane();
	task_exit(t);
	assert_machine_sane();
}

TEST_BOTH_WAYS(filemap, sigbus_beyond_eof, check_sigbus_beyond_eof)

/* MAP_SHARED | MAP_ANONYMOUS: one set of pages for parent and child, no copy on write, all back after exit. */
static void check_shared_anonymous(const char *profile)
{
	ARM64_NOT_YET(profile, "kernel_object_pages() models x86 kmalloc classes (arm64 shares kmalloc-128)");
	struct task_struct *t = boot_task(profile);
	unsigned long free0 = settled_free(), kobj0 = kernel_object_pages(); /* the task's kernel objects and stack */
	const unsigned long n = 16;
	long a = task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	cr_assert_eq(u_memset(t, (unsigned long)a, 'p', n * PAGE_SIZE), 0);
	cr_assert_eq(t->mm->rss[MM_SHMEMPAGES], n);
	cr_assert_eq(t->maj_flt, 0, "shmem pages come from no disk");
	cr_assert_eq(meminfo_value("Shmem:"), n * 4);
	struct task_struct *child = task_fork(t);
	cr_assert_not_null(child);
	cr_assert_eq(child->mm->rss[MM_SHMEMPAGES], 0, "fork does not copy the PTEs of a shared mapping");
	char c;
	cr_assert_eq(u_read(child, (unsigned long)a + 4 * PAGE_SIZE, &c, 1), 0); /* the child's page tables */
	cr_assert_eq(c, 'p');
	unsigned long before = settled_free();
	cr_assert_eq(u_write(child, (unsigned long)a + 5 * PAGE_SIZE, "child", 5), 0);
	cr_assert_eq(settled_free(), before, "no copy: the child writes the shared page");
	char buf[6] = { 0 };
	cr_assert_eq(u_read(t, (unsigned long)a + 5 * PAGE_SIZE, buf, 5), 0);
	cr_assert_str_eq(buf, "child", "the parent sees the child's write");
	char path[32];
	snprintf(path, sizeof(path), "%d/maps", child->pid);
	char *maps = kmm_proc_read(path);
	cr_assert_not_null(strstr(maps, " rw-s 00000000 00:01 1 "), "%s", maps);
	cr_assert_not_null(strstr(maps, " /dev/zero (deleted)\n"), "%s", maps);
	free(maps);
	snprintf(path, sizeof(path), "%d/smaps_rollup", t->pid);
	char *rollup = kmm_proc_read(path);
	char want[64];
	unsigned long k = child->mm->rss[MM_SHMEMPAGES]; /* the child's read faulted around the page */
	cr_assert_geq(k, 2);
	snprintf(want, sizeof(want), "Pss_Shmem:      %8lu kB\n", (n - k) * 4 + k * 2);
	cr_assert_not_null(strstr(rollup, want), "%lu pages shared by two, the rest the parent's alone: %s", k, rollup);
	free(rollup);
	assert_machine_sane();
	task_exit(child);
	task_exit(t);
	cr_assert_eq(meminfo_value("Shmem:"), 0);
	drop_inodes(); /* the exec image's inode too */
	cr_assert_eq(settled_free(), free0 + pgd_pages() + kobj0, "every shmem page back (and the page directory, the kernel objects)");
	assert_machine_sane();
}

TEST_BOTH_WAYS(filemap, shared_anonymous, check_shared_anonymous)

/* drop_caches takes clean unmapped pages only; a dropped page is read from the disk again. */
static void check_drop_caches(const char *profile)
{
	ARM64_NOT_YET(profile, "kernel_object_pages() models x86 kmalloc classes (arm64 shares kmalloc-128)");
	struct task_struct *t = boot_task(profile);
	make_file("/data/d", 32);
	unsigned long free0 = settled_free(), kobj0 = kernel_object_pages(); /* the task's kernel objects and stack */
	char buf[PAGE_SIZE];
	for (unsigned long i = 0; i < 32; i++)
		cr_assert_eq(kmm_file_pread("/data/d", buf, PAGE_SIZE, i * PAGE_SIZE), PAGE_SIZE);
	cr_assert_eq(kmm_file_cached_pages("/data/d"), 32);
	cr_assert_eq(meminfo_value("Cached:"), 32 * 4);
	int fd = task_open(t, "/data/d", O_RDONLY);
	long a = task_mmap(t, 0, 32 * PAGE_SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
	cr_assert_eq(u_read(t, (unsigned long)a, buf, 1), 0);
	cr_assert_eq(t->maj_flt, 0, "read(2) brought it in: a minor fault");
	cr_assert_eq(kmm_file_pwrite("/data/d", "dirty", 5, PAGE_SIZE), 5);
	drop_caches();
	cr_assert_eq(kmm_file_cached_pages("/data/d"), 16, "the 16 pages fault-around mapped (the dirty one among them) stay");
	cr_assert_not_null(strstr(kmm_dmesg(), "drop_caches: 1"));
	cr_assert_eq(u_read(t, (unsigned long)a + 20 * PAGE_SIZE, buf, 1), 0);
	cr_assert_eq(t->maj_flt, 1, "dropped: from the disk again");
	cr_assert_eq(kmm_file_cached_pages("/data/d"), 32, "with the rest of the file, read around it");
	task_close(t, fd);
	task_exit(t);
	kmm_sync();
	drop_caches();
	cr_assert_eq(kmm_file_cached_pages("/data/d"), 0);
	drop_inodes();
	cr_assert_eq(settled_free(), free0 + pgd_pages() + kobj0,
		     "the cache gave every page back (and the exec image's, dropped too; the kernel objects)");
	cr_assert_eq(kmm_proc_write("sys/vm/drop_caches", "5"), -EINVAL);
	assert_machine_sane();
}

TEST_BOTH_WAYS(filemap, drop_caches, check_drop_caches)

/* An unlinked file lives on while mapped; its maps line says "(deleted)"; its pages go with the last user. */
static void check_unlink_while_mapped(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	make_file("/tmp/gone", 2);
	int fd = task_open(t, "/tmp/gone", O_RDONLY);
	long a = task_mmap(t, 0, 2 * PAGE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	task_close(t, fd);
	char c;
	cr_assert_eq(u_read(t, (unsigned long)a + PAGE_SIZE, &c, 1), 0);
	cr_assert_eq(kmm_file_unlink("/tmp/gone"), 0);
	cr_assert_eq(kmm_file_unlink("/tmp/gone"), -ENOENT);
	cr_assert_eq(task_open(t, "/tmp/gone", O_RDONLY), -ENOENT);
	cr_assert_eq(u_read(t, (unsigned long)a, &c, 1), 0);
	cr_assert_eq(c, 'A', "the data is still there");
	char path[32];
	snprintf(path, sizeof(path), "%d/maps", t->pid);
	char *maps = kmm_proc_read(path);
	cr_assert_not_null(strstr(maps, " /tmp/gone (deleted)\n"), "%s", maps);
	free(maps);
	unsigned long cached = kmm_page_cache_pages();
	cr_assert_eq(task_munmap(t, (unsigned long)a, 2 * PAGE_SIZE), 0);
	cr_assert_eq(cached - kmm_page_cache_pages(), 2, "the last user gone, the pages went");
	assert_machine_sane();
	task_exit(t);
	assert_machine_sane();
}

TEST_BOTH_WAYS(filemap, unlink_while_mapped, check_unlink_while_mapped)

/* The image's text is a private file mapping: its first touch is a major fault. */
static void check_exec_image(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	char c;
	cr_assert_eq(u_read(t, t->mm->start_code, &c, 1), 0);
	cr_assert_eq(t->maj_flt, 1);
	cr_assert_eq(u_write(t, t->mm->start_code, "x", 1), -EFAULT, "text is not writable");
	kernel_siginfo_t si;
	cr_assert_eq(dequeue_signal(t, 0, &si), SIGSEGV);
	cr_assert_eq(si.si_code, SEGV_ACCERR);
	cr_assert_eq(u_write(t, t->mm->start_data, "d", 1), 0, "data is private: copied on write");
	cr_assert_eq(t->mm->rss[MM_ANONPAGES], 1);
	/* a forked child shares the image's cache pages and its own copy of data */
	struct task_struct *child = task_fork(t);
	cr_assert_eq(u_read(child, t->mm->start_data, &c, 1), 0);
	cr_assert_eq(c, 'd');
	cr_assert_eq(u_read(child, t->mm->start_code, &c, 1), 0);
	cr_assert_eq(child->maj_flt, 0, "the text page is cached");
	assert_machine_sane();
	task_exit(child);
	task_exit(t);
	assert_machine_sane();
}

TEST_BOTH_WAYS(filemap, exec_image, check_exec_image)

/* open(2) and mmap(2) refuse what Linux refuses, with its error codes. */
static void check_error_codes(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	make_file("/data/e", 1);
	cr_assert_eq(task_open(t, "/data/none", O_RDONLY), -ENOENT);
	cr_assert_eq(task_open(t, "relative", O_RDONLY), -EINVAL);
	cr_assert_eq(task_open(t, "/data/e", O_RDONLY | O_CREAT | O_EXCL), -EEXIST);
	cr_assert_eq(task_open(t, "/data/e", O_ACCMODE), -EINVAL);
	cr_assert_eq(task_close(t, 7), -EBADF);
	int ro = task_open(t, "/data/e", O_RDONLY), wo = task_open(t, "/data/e", O_WRONLY);
	cr_assert_eq(ro, 0, "the lowest free descriptor");
	cr_assert_eq(wo, 1);
	cr_assert_eq(task_mmap(t, 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, 9, 0), -EBADF);
	cr_assert_eq(task_mmap(t, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0), -EACCES);
	cr_assert_eq(task_mmap(t, 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, wo, 0), -EACCES);
	cr_assert_eq(task_mmap(t, 0, 2 * PAGE_SIZE, PROT_READ, MAP_PRIVATE, ro, ~0UL), -EOVERFLOW);
	cr_assert_eq(task_mmap(t, 0, 0, PROT_READ, MAP_PRIVATE, ro, 0), -EINVAL);
	/* a read-only file mapped shared is shared in name only: mprotect cannot make it writable */
	long a = task_mmap(t, 0, PAGE_SIZE, PROT_READ, MAP_SHARED, ro, 0);
	cr_assert_gt(a, 0);
	cr_assert_eq(task_mprotect(t, (unsigned long)a, PAGE_SIZE, PROT_READ | PROT_WRITE), -EACCES);
	/* a private mapping of a read-only file may be written: the copies are the task's */
	long b = task_mmap(t, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
	cr_assert_gt(b, 0);
	cr_assert_eq(task_close(t, ro), 0);
	cr_assert_eq(task_close(t, ro), -EBADF);
	t->rlim[RLIMIT_NOFILE] = 2;
	cr_assert_eq(task_open(t, "/data/e", O_RDONLY), 0, "descriptor 0 is free again");
	cr_assert_eq(task_open(t, "/data/e", O_RDONLY), -EMFILE);
	cr_assert_eq(kmm_file_create("no-slash", NULL, 1), -EINVAL);
	cr_assert_eq(kmm_file_create("/data/empty", "", 0), 0, "no bytes to write: an empty file (the fuzzer's find)");
	char byte;
	cr_assert_eq(kmm_file_pread("/data/empty", &byte, 1, 0), 0);
	cr_assert_eq(kmm_file_pread("/data/none", NULL, 1, 0), -ENOENT);
	assert_machine_sane();
	task_exit(t);
	assert_machine_sane();
}

TEST_ON_EVERY_PROFILE(filemap, error_codes, check_error_codes)

/* mremap with old_len 0 makes a second mapping of shared memory (the DOS-emu case); of private memory it is refused. */
static void check_mremap_duplicates_shared(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	long a = task_mmap(t, 0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert_eq(u_write(t, (unsigned long)a + PAGE_SIZE, "one", 4), 0);
	long b = task_mremap(t, (unsigned long)a, 0, 2 * PAGE_SIZE, MREMAP_MAYMOVE, 0);
	cr_assert_gt(b, 0);
	cr_assert_neq(b, a);
	char buf[4];
	cr_assert_eq(u_read(t, (unsigned long)b + PAGE_SIZE, buf, 4), 0);
	cr_assert_str_eq(buf, "one", "the duplicate maps the same pages");
	cr_assert_eq(u_write(t, (unsigned long)b, "two", 4), 0);
	cr_assert_eq(u_read(t, (unsigned long)a, buf, 4), 0);
	cr_assert_str_eq(buf, "two");
	cr_assert_eq(task_mremap(t, (unsigned long)a, 0, PAGE_SIZE, 0, 0), -ENOMEM, "no room to grow in place, may not move");
	long p = task_mmap(t, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_eq(task_mremap(t, (unsigned long)p, 0, PAGE_SIZE, MREMAP_MAYMOVE, 0), -EINVAL);
	cr_assert_not_null(strstr(kmm_dmesg(), "attempted to duplicate a private mapping with mremap"));
	assert_machine_sane();
	task_exit(t);
	assert_machine_sane();
}

TEST_BOTH_WAYS(filemap, mremap_duplicates_shared, check_mremap_duplicates_shared)

/* The flusher: every dirty_writeback_centisecs of simulated time it writes files dirtied dirty_expire_centisecs ago. */
static void check_timed_writeback(const char *profile)
{
	struct task_struct *t = boot_task(profile);
	make_file("/data/w", 4);
	cr_assert_eq(kmm_file_pwrite("/data/w", "new", 3, 0), 3);
	cr_assert_eq(meminfo_value("Dirty:"), 4);
	unsigned long out = vmstat_value("pgpgout");
	kmm_clock_advance(20ULL * 1000000000ULL);
	cr_assert_eq(meminfo_value("Dirty:"), 4, "20 s: not old enough");
	kmm_clock_advance(15ULL * 1000000000ULL);
	cr_assert_eq(meminfo_value("Dirty:"), 0, "35 s: the flusher wrote it");
	cr_assert_eq(vmstat_value("pgpgout") - out, 4, "4 KiB went out");
	cr_assert_eq(kmm_clock_ns(), 35ULL * 1000000000ULL);
	/* the flusher off: nothing is written however long it waits */
	cr_assert_eq(kmm_proc_write("sys/vm/dirty_writeback_centisecs", "0"), 0);
	cr_assert_eq(kmm_file_pwrite("/data/w", "again", 5, PAGE_SIZE), 5);
	kmm_clock_advance(3600ULL * 1000000000ULL);
	cr_assert_eq(meminfo_value("Dirty:"), 4);
	/* on again, with a shorter expiry: written at its next period */
	cr_assert_eq(kmm_proc_write("sys/vm/dirty_expire_centisecs", "100"), 0);
	cr_assert_eq(kmm_proc_write("sys/vm/dirty_writeback_centisecs", "200"), 0);
	kmm_clock_advance(1999ULL * 1000000);
	cr_assert_eq(meminfo_value("Dirty:"), 4, "the period has not come");
	kmm_clock_advance(1000000);
	cr_assert_eq(meminfo_value("Dirty:"), 0);
	cr_assert_eq(kmm_proc_write("sys/vm/dirty_expire_centisecs", "-1"), -EINVAL);
	char buf[8] = { 0 };
	cr_assert_eq(kmm_file_pread("/data/w", buf, 5, PAGE_SIZE), 5);
	cr_assert_str_eq(buf, "again");
	task_exit(t);
	assert_machine_sane();
}

TEST_ON_EVERY_PROFILE(filemap, timed_writeback, check_timed_writeback)
