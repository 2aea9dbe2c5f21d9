/*
 * test_shrinker.c - the slab shrinkers (mm/shrinker.c) and the store's
 * dentry and inode caches they prune (mm/filemap.c): 6.1's
 * do_shrink_slab arithmetic (delta, batches, the deferred count) seen by
 * a test shrinker, drop_slab's passes, the work owed per node and the
 * per-node lists, vm.drop_caches 2 and vm.vfs_cache_pressure, names that
 * go (unlink), the page cache of an unused inode (pginodesteal,
 * with highmem), and memory pressure on a machine full of unused files:
 * direct reclaim frees their dentries and inodes, never an open file's.
 */
#include "kmm_test.h"

#include "kernel/kobj.h"
#include <kmm/fs.h>
#include <kmm/shrinker.h>
#include <kmm/slab.h>
#include <kmm/task.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(shrinker, .fini = fini, .timeout = 120);

static struct kmm_usage at_boot;

static void boot_mem(const char *profile, unsigned long long mem)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = mem;
	boot_or_fail(&p);
	kmm_usage_settle(&at_boot);
}

/* ---- a test shrinker: a cache of `objects` it frees as asked ---------------------------------- */

struct test_cache {
	struct shrinker shrinker;
	unsigned long objects;      /* what count_objects reports (and scan frees from) */
	bool frees;                 /* scan_objects frees what it scans */
	bool stop;                  /* scan_objects answers SHRINK_STOP */
	unsigned long scanned_max;  /* > 0: scan_objects looks at no more than this per call */
	unsigned long free_max;     /* > 0: scan_objects frees no more than this per call */
	int calls;                  /* scan_objects calls */
	unsigned long asked;        /* Σ nr_to_scan */
	unsigned long last_nr_to_scan;
	bool not_multiple;          /* some call asked for other than the batch */
};

static struct test_cache *cache_of(struct shrinker *s)
{
	return container_of(s, struct test_cache, shrinker);
}

static unsigned long test_count(struct shrinker *s, struct shrink_control *sc)
{
	return cache_of(s)->objects;
}

static unsigned long test_scan(struct shrinker *s, struct shrink_control *sc)
{
	struct test_cache *c = cache_of(s);
	c->calls++;
	c->asked += sc->nr_to_scan;
	c->last_nr_to_scan = sc->nr_to_scan;
	if (c->stop)
		return SHRINK_STOP;
	if (c->scanned_max && sc->nr_scanned > c->scanned_max)
		sc->nr_scanned = c->scanned_max;
	unsigned long freed = 0;
	if (c->frees) {
		freed = min(sc->nr_scanned, c->objects);
		if (c->free_max)
			freed = min(freed, c->free_max);
		c->objects -= freed;
	}
	return freed;
}

static void test_cache_register(struct test_cache *c, unsigned long objects, int seeks, long batch)
{
	*c = (struct test_cache){ .objects = objects };
	c->shrinker = (struct shrinker){ .count_objects = test_count, .scan_objects = test_scan, .seeks = seeks, .batch = batch };
	cr_assert_eq(register_shrinker(&c->shrinker, "test-%lu", objects), 0);
}

static void reset_calls(struct test_cache *c)
{
	c->calls = 0;
	c->asked = 0;
}

/*
 * 10000 objects, DEFAULT_SEEKS: at priority 12 the share is
 * (10000 >> 12) * 4 / 2 = 4, less than a batch: nothing is scanned and the
 * 4 are owed; a second call owes 8; at priority 0 the share is 20000, the
 * owed 8 come on top but the scan is capped at twice the cache: 156 whole
 * batches of 128 (19968, slabs_scanned), and 8 + 20000 - 19968 = 40 stay
 * owed.
 */
Test(shrinker, delta_batch_and_deferred)
{
	boot_mem("i386", 256ULL << 20);
	struct test_cache c;
	test_cache_register(&c, 10000, DEFAULT_SEEKS, 0);
	unsigned long scanned0 = vmstat_value("slabs_scanned");
	cr_assert_eq(shrink_slab(GFP_KERNEL, 0, 12), 0);
	cr_assert_eq(c.calls, 0, "4 objects are less than a batch");
	cr_assert_eq(c.shrinker.nr_deferred[0], 4);
	shrink_slab(GFP_KERNEL, 0, 12);
	cr_assert_eq(c.calls, 0);
	cr_assert_eq(c.shrinker.nr_deferred[0], 8, "(8 >> 12) + 4 owed, none done");
	cr_assert_eq(shrink_slab(GFP_KERNEL, 0, 0), 0, "it frees nothing, but is asked");
	cr_assert_eq(c.calls, 156);
	cr_assert_eq(c.asked, 156 * 128);
	cr_assert_eq(c.last_nr_to_scan, 128, "whole batches only: 32 left over are less than a batch and the cache");
	cr_assert_eq(c.shrinker.nr_deferred[0], 40);
	cr_assert_eq(vmstat_value("slabs_scanned") - scanned0, 19968);
	/* 32 objects: now the owed work (40 >> 0) + 64 is more than the cache, so it is scanned under a batch */
	c.objects = 32;
	c.frees = true;
	reset_calls(&c);
	cr_assert_eq(shrink_slab(GFP_KERNEL, 0, 0), 32);
	cr_assert_eq(c.calls, 1);
	cr_assert_eq(c.last_nr_to_scan, 64, "min(40 + 64, 2 * 32)");
	cr_assert_eq(c.shrinker.nr_deferred[0], 40, "min(40 + 64 - 64, 2 * 32)");
	unregister_shrinker(&c.shrinker);
	cr_assert_null(c.shrinker.nr_deferred);
	reset_calls(&c);
	shrink_slab(GFP_KERNEL, 0, 0);
	cr_assert_eq(c.calls, 0, "an unregistered shrinker is not asked");
	assert_nothing_lost_since(&at_boot, "a test shrinker");
}

/* seeks 0 (objects that cost no I/O to remake): half the cache at any priority; a batch of the shrinker's own */
Test(shrinker, seeks_zero_and_own_batch)
{
	boot_mem("x86_64", 256ULL << 20);
	struct test_cache c;
	test_cache_register(&c, 1000, 0, 100);
	shrink_slab(GFP_KERNEL, 0, 12);
	cr_assert_eq(c.calls, 5, "1000 / 2 in batches of 100");
	cr_assert_eq(c.asked, 500);
	cr_assert_eq(c.shrinker.nr_deferred[0], 0);
	unregister_shrinker(&c.shrinker);
	/* a cache smaller than a batch: at priority 0 twice its size in one call */
	test_cache_register(&c, 50, DEFAULT_SEEKS, 0);
	shrink_slab(GFP_KERNEL, 0, 0);
	cr_assert_eq(c.calls, 1);
	cr_assert_eq(c.last_nr_to_scan, 100);
	unregister_shrinker(&c.shrinker);
}

/* SHRINK_EMPTY and 0 from count: never scanned; SHRINK_STOP ends the call and keeps the work owed */
Test(shrinker, empty_and_stop)
{
	boot_mem("i386", 256ULL << 20);
	struct test_cache c;
	test_cache_register(&c, SHRINK_EMPTY, DEFAULT_SEEKS, 0);
	cr_assert_eq(shrink_slab(GFP_KERNEL, 0, 0), 0, "SHRINK_EMPTY counts as nothing freed");
	cr_assert_eq(c.calls, 0);
	c.objects = 0;
	shrink_slab(GFP_KERNEL, 0, 0);
	cr_assert_eq(c.calls, 0);
	cr_assert_eq(c.shrinker.nr_deferred[0], 0);
	c.objects = 1000;
	c.stop = true;
	unsigned long scanned0 = vmstat_value("slabs_scanned");
	cr_assert_eq(shrink_slab(GFP_KERNEL, 0, 0), 0);
	cr_assert_eq(c.calls, 1, "SHRINK_STOP: no second batch");
	cr_assert_eq(vmstat_value("slabs_scanned"), scanned0);
	cr_assert_eq(c.shrinker.nr_deferred[0], 2000, "the whole share is owed");
	/*
	 * a shrinker that looks at fewer than it is asked (100 of each batch):
	 * the loop counts what it looked at, and goes on until less than a
	 * batch is left of min(2000 + 2000, 2000): 19 calls, 1900 scanned,
	 * and the cap of twice the cache owed
	 */
	c.stop = false;
	c.scanned_max = 100;
	reset_calls(&c);
	shrink_slab(GFP_KERNEL, 0, 0);
	cr_assert_eq(c.calls, 19);
	cr_assert_eq(vmstat_value("slabs_scanned") - scanned0, 1900);
	cr_assert_eq(c.shrinker.nr_deferred[0], 2000);
	unregister_shrinker(&c.shrinker);
}

/* register_shrinker refuses what it cannot run; unregistering twice is harmless */
Test(shrinker, register_checks)
{
	boot_mem("i386", 256ULL << 20);
	struct shrinker none = { 0 };
	cr_assert_eq(register_shrinker(&none, "none"), -EINVAL);
	cr_assert_eq(register_shrinker(NULL, "null"), -EINVAL);
	struct test_cache c;
	test_cache_register(&c, 10, DEFAULT_SEEKS, 0);
	cr_assert_eq(register_shrinker(&c.shrinker, "again"), -EINVAL, "already registered");
	struct shrinker bad = { .count_objects = test_count, .scan_objects = test_scan, .seeks = -1 };
	cr_assert_eq(register_shrinker(&bad, "bad"), -EINVAL);
	cr_assert_eq(bad.flags & SHRINKER_REGISTERED, 0);
	cr_assert_str_eq(c.shrinker.name, "test-10");
	unregister_shrinker(&c.shrinker);
	unregister_shrinker(&c.shrinker);
	unregister_shrinker(&bad);
	unregister_shrinker(NULL);
	cr_assert_eq(shrink_slab(GFP_KERNEL, -1, 0), 0, "no such node");
	cr_assert_eq(shrink_slab(GFP_KERNEL, 0, 99), 0, "no such priority");
}

/* drop_slab: passes at priority 0 while a pass frees more than 2^pass objects */
Test(shrinker, drop_slab_passes)
{
	boot_mem("i386", 256ULL << 20);
	struct test_cache c;
	test_cache_register(&c, 1000, DEFAULT_SEEKS, 0);
	c.frees = true;
	drop_slab();
	cr_assert_eq(c.objects, 0, "the first pass scans twice the cache");
	cr_assert_eq(c.calls, 15, "batches of 128 until less than one is left of 2000; the second pass counts 0");
	/* a cache that gives back one object a call: a pass that frees one is the last */
	c.objects = 5;
	c.free_max = 1;
	reset_calls(&c);
	drop_slab();
	cr_assert_eq(c.calls, 1, "one call of 10 (twice the cache) frees one");
	cr_assert_eq(c.objects, 4);
	/* two a call: the second pass must free more than 2, the third more than 4 */
	c.free_max = 2;
	c.objects = 100;
	reset_calls(&c);
	drop_slab();
	cr_assert_eq(c.calls, 2, "100 > 2: pass 1 freed 2 (2 >> 0 > 1); pass 2 freed 2 (2 >> 1 is 1): the end");
	cr_assert_eq(c.objects, 96);
	unregister_shrinker(&c.shrinker);
}

/* ---- the store's dentries and inodes ---------------------------------------------------------- */

static long objs(enum kobj_kind k)
{
	struct kmem_cache *s = kobj_cache(k);
	return s ? kmem_cache_objects_in_use(kmem_cache_name(s)) : 0;
}

static void drop(const char *what)
{
	cr_assert_eq(kmm_proc_write("sys/vm/drop_caches", what), 0);
}

static void make_files(int n, unsigned long size)
{
	char path[64];
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/srv/f%05d", i);
		cr_assert_eq(kmm_file_create(path, NULL, size), 0, "%s", path);
	}
}

/*
 * drop_caches 2: unused dentries go (oldest first), their inodes after
 * them; a dentry used again (stat) goes round once more - in the same
 * walk when the walk is long enough to come back to it; an open file
 * keeps both; a lookup reads them in again.  slabs_scanned, drop_slab and
 * drop_pagecache count.
 */
static void drop_caches_prunes(const char *profile)
{
	boot_mem(profile, 1ULL << 30);
	struct task_struct *t = task_create("ls", 1000);
	cr_assert_not_null(t);
	make_files(200, 100);
	long d0 = objs(KOBJ_DENTRY), i0 = objs(KOBJ_EXT4_INODE);
	unsigned long size;
	cr_assert_eq(task_stat(t, "/srv/f00007", &size), 0); /* used again: DCACHE_REFERENCED */
	cr_assert_eq(size, 100);
	int fd = task_open(t, "/srv/f00009", O_RDONLY);
	cr_assert_geq(fd, 0);
	struct inode *open = t->fd[fd]->f_inode;
	unsigned long scanned0 = vmstat_value("slabs_scanned"), dropped0 = vmstat_value("drop_slab");
	drop("2");
	cr_assert_gt(vmstat_value("slabs_scanned"), scanned0);
	cr_assert_eq(vmstat_value("drop_slab"), dropped0 + 1);
	cr_assert_eq(objs(KOBJ_DENTRY), d0 - 199, "every unused dentry, the referenced one at the walk's end");
	cr_assert_eq(objs(KOBJ_EXT4_INODE), i0 - 199, "and their inodes, in the next passes");
	cr_assert_not_null(open->dentry, "an open file's dentry stays");
	cr_assert_not_null(open->obj, "and its inode");
	assert_machine_sane();
	/* a lookup reads them in again; read(2) finds the bytes */
	char buf[100];
	cr_assert_eq(kmm_file_pread("/srv/f00007", buf, 100, 0), 100);
	cr_assert_eq(objs(KOBJ_DENTRY), d0 - 198);
	cr_assert_eq(objs(KOBJ_EXT4_INODE), i0 - 198);
	cr_assert_eq(task_close(t, fd), 0);
	lru_add_drain_all(); /* the read page's batch reference: drop_caches 1 takes it, then its inode may go */
	drop("3");
	cr_assert_eq(objs(KOBJ_DENTRY), d0 - 200, "closed: unused too");
	cr_assert_eq(objs(KOBJ_EXT4_INODE), i0 - 200);
	cr_assert_eq(vmstat_value("drop_pagecache"), 1);
	cr_assert_eq(vmstat_value("drop_slab"), dropped0 + 2);
	task_exit(t);
	assert_nothing_lost_since(&at_boot, "drop_caches 2");
}
TEST_ON_EVERY_PROFILE(shrinker, drop_caches_prunes, drop_caches_prunes)

/*
 * A name that goes (unlink, or a create over it) takes its dentry and
 * inode off the LRUs at once: an open unlinked file is never pruned, and
 * its objects go with its last reference.
 */
static void unlink_and_replace(const char *profile)
{
	boot_mem(profile, 1ULL << 30);
	struct task_struct *t = task_create("rm", 1000);
	cr_assert_not_null(t);
	make_files(4, PAGE_SIZE);
	long d0 = objs(KOBJ_DENTRY), i0 = objs(KOBJ_EXT4_INODE);
	int fd = task_open(t, "/srv/f00001", O_RDONLY);
	cr_assert_geq(fd, 0);
	struct inode *open = t->fd[fd]->f_inode;
	cr_assert_eq(kmm_file_unlink("/srv/f00001"), 0);
	cr_assert_eq(kmm_file_unlink("/srv/f00002"), 0);
	cr_assert_eq(objs(KOBJ_DENTRY), d0 - 1, "the unused one's objects went with its name");
	cr_assert_eq(kmm_file_create("/srv/f00003", NULL, 10), 0); /* over the old one: a new inode */
	assert_machine_sane();
	drop("2");
	drop("2");
	cr_assert_eq(objs(KOBJ_DENTRY), d0 - 3, "f00000 and the new f00003 pruned, the open unlinked one kept");
	cr_assert_eq(objs(KOBJ_EXT4_INODE), i0 - 3);
	cr_assert_not_null(open->dentry);
	cr_assert_not_null(open->obj);
	cr_assert_eq(task_close(t, fd), 0);
	cr_assert_eq(objs(KOBJ_DENTRY), d0 - 4, "the last reference");
	assert_machine_sane();
	task_exit(t);
	assert_nothing_lost_since(&at_boot, "unlink and replace");
}
TEST_ON_EVERY_PROFILE(shrinker, unlink_and_replace, unlink_and_replace)

/* vm.vfs_cache_pressure: 100 by default, 0 keeps dentries and inodes from the shrinker; bad writes change nothing */
static void vfs_cache_pressure(const char *profile)
{
	boot_mem(profile, 1ULL << 30);
	char *v = kmm_proc_read("sys/vm/vfs_cache_pressure");
	cr_assert_str_eq(v, "100\n");
	free(v);
	static const char *const bad[] = { "-1", "abc", "", "1 2", "99999999999" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		cr_assert_eq(kmm_proc_write("sys/vm/vfs_cache_pressure", bad[i]), -EINVAL, "\"%s\"", bad[i]);
	v = kmm_proc_read("sys/vm/vfs_cache_pressure");
	cr_assert_str_eq(v, "100\n", "refused writes change nothing");
	free(v);
	make_files(50, 0);
	long d0 = objs(KOBJ_DENTRY), i0 = objs(KOBJ_EXT4_INODE);
	cr_assert_eq(kmm_proc_write("sys/vm/vfs_cache_pressure", "0"), 0);
	unsigned long scanned0 = vmstat_value("slabs_scanned");
	drop("2");
	drop("2");
	cr_assert_eq(vmstat_value("slabs_scanned"), scanned0, "a count of 0: never scanned");
	cr_assert_eq(objs(KOBJ_DENTRY), d0);
	cr_assert_eq(objs(KOBJ_EXT4_INODE), i0);
	cr_assert_eq(kmm_proc_write("sys/vm/vfs_cache_pressure", "1000"), 0);
	drop("2");
	cr_assert_eq(objs(KOBJ_DENTRY), d0 - 50);
	cr_assert_eq(objs(KOBJ_EXT4_INODE), i0 - 50);
	assert_nothing_lost_since(&at_boot, "vfs_cache_pressure");
}
TEST_ON_EVERY_PROFILE(shrinker, vfs_cache_pressure, vfs_cache_pressure)

/*
 * An unused inode with cached pages: with highmem (i386, PAE) the inode
 * shrinker invalidates its clean pages (pginodesteal) and evicts it the
 * next time round; without (x86_64) it waits off the list until its pages
 * have gone (drop_caches 1), as mapping_shrinkable says.
 */
static void inode_page_cache(const char *profile)
{
	ARM64_NOT_YET(profile, "x86 zone expectations for pginodesteal (not investigated on arm64)");
	boot_mem(profile, 1ULL << 30);
	make_files(1, 8 * PAGE_SIZE);
	static char buf[8 * PAGE_SIZE];
	cr_assert_eq(kmm_file_pread("/srv/f00000", buf, sizeof(buf), 0), (long)sizeof(buf));
	cr_assert_eq(kmm_file_cached_pages("/srv/f00000"), 8);
	lru_add_drain_all(); /* the batches' references: then the cache's is a page's only one */
	long d0 = objs(KOBJ_DENTRY), i0 = objs(KOBJ_EXT4_INODE);
	bool highmem = strcmp(profile, "x86_64") != 0;
	drop("2"); /* read again after its create: the dentry goes round once more */
	drop("2"); /* the dentry goes; the inode is met once: its pages go (highmem) */
	cr_assert_eq(objs(KOBJ_DENTRY), d0 - 1);
	cr_assert_eq(vmstat_value("pginodesteal"), highmem ? 8 : 0);
	cr_assert_eq(vmstat_value("kswapd_inodesteal"), 0);
	cr_assert_eq(kmm_file_cached_pages("/srv/f00000"), highmem ? 0 : 8);
	cr_assert_eq(objs(KOBJ_EXT4_INODE), i0, "an inode keeps its objects while it has pages");
	assert_machine_sane();
	if (!highmem) {
		drop("2");
		cr_assert_eq(objs(KOBJ_EXT4_INODE), i0, "not on the list while it has pages");
		drop("1");
		cr_assert_eq(kmm_file_cached_pages("/srv/f00000"), 0);
	}
	drop("2");
	cr_assert_eq(objs(KOBJ_EXT4_INODE), i0 - 1, "no page left: evicted");
	cr_assert_eq(kmm_file_pread("/srv/f00000", buf, sizeof(buf), 0), (long)sizeof(buf), "read in again");
	assert_nothing_lost_since(&at_boot, "an inode's page cache");
}
TEST_ON_EVERY_PROFILE(shrinker, inode_page_cache, inode_page_cache)

/*
 * NUMA: a SHRINKER_NUMA_AWARE shrinker owes work per node; the store's
 * lists are per node too, so reclaim of a node whose memory holds none of
 * the files' objects frees none of them, and drop_slab, going through
 * every node, frees them all.
 */
Test(shrinker, per_node)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "x86_64";
	p.mem_bytes = 4ULL << 30;
	p.cmdline = "numa=fake=2";
	boot_or_fail(&p);
	cr_assert_eq(M->nr_nodes, 2);
	struct test_cache c;
	test_cache_register(&c, 10000, DEFAULT_SEEKS, 0);
	unregister_shrinker(&c.shrinker);
	c.shrinker.flags = SHRINKER_NUMA_AWARE;
	cr_assert_eq(register_shrinker(&c.shrinker, "numa"), 0);
	shrink_slab(GFP_KERNEL, 1, 12);
	cr_assert_eq(c.shrinker.nr_deferred[1], 4);
	cr_assert_eq(c.shrinker.nr_deferred[0], 0, "each node owes its own");
	unregister_shrinker(&c.shrinker);
	make_files(100, 0);
	long d0 = objs(KOBJ_DENTRY);
	shrink_slab(GFP_KERNEL, 1, 0);
	cr_assert_eq(objs(KOBJ_DENTRY), d0, "node 1 holds none of them (CPU 0 allocated on node 0)");
	drop_slab();
	cr_assert_eq(objs(KOBJ_DENTRY), d0 - 100);
	assert_machine_sane();
}

/*
 * A lookup of a file whose dentry was pruned but whose inode is in core
 * (its pages keep it, x86_64) takes only a new dentry; when that fails the
 * read fails with -ENOMEM and the inode stays as it was.
 */
Test(shrinker, relookup_fails_cleanly)
{
	boot_mem("x86_64", 1ULL << 30);
	make_files(1, 4 * PAGE_SIZE);
	static char buf[4 * PAGE_SIZE];
	cr_assert_eq(kmm_file_pread("/srv/f00000", buf, sizeof(buf), 0), (long)sizeof(buf));
	lru_add_drain_all();
	long d0 = objs(KOBJ_DENTRY), i0 = objs(KOBJ_EXT4_INODE);
	drop("2");
	drop("2");
	cr_assert_eq(objs(KOBJ_DENTRY), d0 - 1);
	cr_assert_eq(objs(KOBJ_EXT4_INODE), i0, "its pages keep the inode");
	unsigned long injected = M->fault.failslab.attr.injected;
	failslab_nth(1);
	cr_assert_eq(kmm_file_pread("/srv/f00000", buf, sizeof(buf), 0), -ENOMEM, "d_alloc failed");
	cr_assert(failslab_off(injected));
	cr_assert_eq(objs(KOBJ_DENTRY), d0 - 1);
	cr_assert_eq(objs(KOBJ_EXT4_INODE), i0, "nothing taken, nothing lost");
	assert_machine_sane();
	cr_assert_eq(kmm_file_pread("/srv/f00000", buf, sizeof(buf), 0), (long)sizeof(buf));
	cr_assert_eq(objs(KOBJ_DENTRY), d0, "a dentry again, for the same inode");
	cr_assert_eq(objs(KOBJ_EXT4_INODE), i0);
	assert_nothing_lost_since(&at_boot, "a failed lookup");
}

/* ---- memory pressure ---------------------------------------------------------------------------- */

/* Σ allocstall_* (the zone types the profile has) */
static unsigned long allocstalls(void)
{
	char *v = kmm_proc_read("vmstat");
	unsigned long n = 0;
	for (char *p = strstr(v, "allocstall_"); p; p = strstr(p + 1, "allocstall_"))
		n += strtoul(strchr(p, ' ') + 1, NULL, 10);
	free(v);
	return n;
}

/* A machine small enough to fill: i386 and PAE 64 MiB, x86_64 128 MiB (its kernel image ends at 68 MiB). */
static unsigned long long small_mem(const char *profile)
{
	return (strcmp(profile, "x86_64") ? 64ULL : 128ULL) << 20;
}

/*
 * 6000 unused files fill the slab with dentries and inodes; a task then
 * touches more anonymous memory than is free, with no swap: direct
 * reclaim finds no LRU page it can take, and the store's shrinker gives
 * back the files' objects (SReclaimable falls, slabs_scanned grows), but
 * never those of the file the task holds open.
 */
static void pressure_prunes(const char *profile)
{
	boot_mem(profile, small_mem(profile));
	struct task_struct *t = task_create("hog", 1000);
	cr_assert_not_null(t);
	make_files(6000, 0);
	int fd = task_open(t, "/srv/f00000", O_RDONLY); /* the oldest: first in line were it unused */
	cr_assert_geq(fd, 0);
	struct inode *open = t->fd[fd]->f_inode;
	unsigned long reclaimable0 = meminfo_value("SReclaimable:"), scanned0 = vmstat_value("slabs_scanned");
	long d0 = objs(KOBJ_DENTRY);
	unsigned long runs0 = allocstalls() + vmstat_value("pageoutrun");
	unsigned long n = meminfo_value("MemFree:") / 4 + reclaimable0 / 4 / 3;
	long a = task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	cr_assert_eq(mm_access(t, (unsigned long)a, n * PAGE_SIZE, true), 0,
		     "%lu pages: free memory and a third of the reclaimable slab", n);
	cr_assert_gt(allocstalls() + vmstat_value("pageoutrun"), runs0, "direct reclaim or kswapd ran");
	cr_assert_gt(vmstat_value("slabs_scanned"), scanned0);
	cr_assert_lt(meminfo_value("SReclaimable:"), reclaimable0 - reclaimable0 / 4,
		     "SReclaimable %lu kB, was %lu kB", meminfo_value("SReclaimable:"), reclaimable0);
	cr_assert_lt(objs(KOBJ_DENTRY), d0);
	cr_assert_not_null(open->dentry, "an open file's dentry stays");
	cr_assert_not_null(open->obj, "and its inode");
	cr_assert_eq(vmstat_value("pswpout"), 0);
	assert_machine_sane();
	task_exit(t);
	assert_nothing_lost_since(&at_boot, "memory pressure on the dentry and inode caches");
}
TEST_ON_EVERY_PROFILE(shrinker, pressure_prunes, pressure_prunes)

/* vfs_cache_pressure 0: the same pressure finds nothing to reclaim, and the touch fails */
Test(shrinker, pressure_with_vfs_cache_pressure_0)
{
	boot_mem("i386", 64ULL << 20);
	struct task_struct *t = task_create("hog", 1000);
	cr_assert_not_null(t);
	make_files(6000, 0);
	cr_assert_eq(kmm_proc_write("sys/vm/vfs_cache_pressure", "0"), 0);
	unsigned long reclaimable0 = meminfo_value("SReclaimable:"), scanned0 = vmstat_value("slabs_scanned");
	long d0 = objs(KOBJ_DENTRY), i0 = objs(KOBJ_EXT4_INODE);
	unsigned long n = meminfo_value("MemFree:") / 4 + reclaimable0 / 4 / 3;
	long a = task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	cr_assert_eq(mm_access(t, (unsigned long)a, n * PAGE_SIZE, true), -ENOMEM);
	cr_assert_eq(vmstat_value("slabs_scanned"), scanned0);
	cr_assert_eq(objs(KOBJ_DENTRY), d0);
	cr_assert_eq(objs(KOBJ_EXT4_INODE), i0);
	task_exit(t);
	assert_nothing_lost_since(&at_boot, "vfs_cache_pressure 0 under pressure");
}
