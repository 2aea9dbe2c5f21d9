/*
 * test_mm_mt.c - an mm's VMAs in 6.1's maple tree (mm->mm_mt, src/mm/mmap.c):
 * the tree follows every change of the address space (mmap, munmap,
 * mprotect, mremap, stack growth, fork, exit), find_vma through it gives
 * what a search of the sorted VMAs gives, its nodes go back to the
 * maple_node cache at exit, and a failed maple_node allocation makes the
 * call fail with -ENOMEM (fork with NULL) and changes nothing.
 */
#include "kmm_test.h"

#include <kmm/task.h>

#include "mm/slab.h"

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(mm_mt, .fini = fini, .timeout = 120);

static struct kmem_cache *maple_cache(void)
{
	struct kmem_cache *found = NULL;
	struct list_head *pos;
	list_for_each(pos, &slab_caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);
		if (!s->dead && !strcmp(s->name, "maple_node"))
			found = s;
	}
	cr_assert_not_null(found, "no maple_node cache");
	return found;
}

static unsigned long maple_objects(void)
{
	return (unsigned long)kmem_cache_objects_in_use("maple_node");
}

static void assert_mm_sane(struct task_struct *t)
{
	char why[256];
	cr_assert_eq(mm_verify(t->mm, why, sizeof(why)), 0, "mm_verify: %s", why);
}

/* The mm's VMAs in the order the iterator (mas_find) walks them, as an array: calloc'ed, map_count long. */
static struct vm_area_struct **vmas_of(struct mm_struct *mm)
{
	struct vm_area_struct **vmas = calloc((size_t)mm->map_count + 1, sizeof(*vmas)), *v;
	int n = 0;
	cr_assert_not_null(vmas);
	VMA_ITERATOR(vmi, mm, 0);
	for_each_vma(vmi, v) {
		cr_assert_lt(n, mm->map_count, "the tree holds more VMAs than map_count");
		vmas[n++] = v;
	}
	cr_assert_eq(n, mm->map_count);
	return vmas;
}

/* find_vma and vma_prev_of (mt_find, mas_prev and the host map) against a linear scan of the iterator's VMAs, at every page edge and between */
static void assert_find_vma_agrees(struct task_struct *t)
{
	struct mm_struct *mm = t->mm;
	struct vm_area_struct **vmas = vmas_of(mm);
	for (int i = 0; i < mm->map_count; i++) {
		const struct vm_area_struct *v = vmas[i];
		cr_assert_eq(vma_prev_of(mm, v), i ? vmas[i - 1] : NULL, "the VMA below %#lx", v->vm_start);
		unsigned long probes[] = { v->vm_start, v->vm_end - 1, v->vm_start - 1, v->vm_end };
		for (unsigned k = 0; k < 4; k++) {
			const struct vm_area_struct *want = NULL;
			for (int j = 0; j < mm->map_count && !want; j++)
				if (vmas[j]->vm_end > probes[k])
					want = vmas[j];
			cr_assert_eq(find_vma(mm, probes[k]), want, "find_vma(%#lx)", probes[k]);
		}
	}
	cr_assert_null(find_vma(mm, mm->map_count ? vmas[mm->map_count - 1]->vm_end : 0));
	free(vmas);
}

static char *maps_of(struct task_struct *t)
{
	char path[32];
	snprintf(path, sizeof(path), "%d/maps", t->pid);
	char *text = kmm_proc_read(path);
	cr_assert_not_null(text);
	return text;
}

static void check_tree_follows(const char *profile)
{
	struct task_struct *t = boot_with_task(profile, "mt", "/bin/mt", 0x20000, 0x4000, 0x4000);
	unsigned long objs0 = maple_objects() - mt_nr_nodes(&t->mm->mm_mt); /* without the task's tree */
	long a[400];
	/* alternating protections: none merges, the tree grows to several levels */
	for (int i = 0; i < 400; i++) {
		a[i] = task_mmap(t, 0, (unsigned long)(1 + i % 7) << 12, i % 2 ? PROT_READ : PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		cr_assert_gt(a[i], 0);
	}
	assert_mm_sane(t);
	cr_assert_geq(mt_height(&t->mm->mm_mt), 2, "400 VMAs in one leaf?");
	cr_assert_gt(maple_objects(), objs0, "the tree's nodes are maple_node objects");
	assert_find_vma_agrees(t);
	/* munmap every third (tree removals), mprotect some to their neighbours' flags (merges) */
	for (int i = 0; i < 400; i += 3)
		cr_assert_eq(task_munmap(t, (unsigned long)a[i], (unsigned long)(1 + i % 7) << 12), 0);
	assert_mm_sane(t);
	assert_find_vma_agrees(t);
	for (int i = 1; i < 400; i += 3)
		cr_assert_eq(task_mprotect(t, (unsigned long)a[i], (unsigned long)(1 + i % 7) << 12, PROT_READ | PROT_WRITE), 0);
	assert_mm_sane(t);
	assert_find_vma_agrees(t);
	/* a hole punched in the middle of a VMA (two splits, one removal), then moved and grown */
	long big = task_mmap(t, 0, 64 << 12, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	cr_assert_gt(big, 0);
	cr_assert_eq(task_munmap(t, (unsigned long)big + (8 << 12), 4 << 12), 0);
	assert_mm_sane(t);
	long moved = task_mremap(t, (unsigned long)big, 8 << 12, 16 << 12, MREMAP_MAYMOVE, 0);
	cr_assert_gt(moved, 0);
	assert_mm_sane(t);
	assert_find_vma_agrees(t);
	/* fork bulk-loads the child's tree: the same ranges */
	struct task_struct *c = task_fork(t);
	cr_assert_not_null(c);
	assert_mm_sane(c);
	cr_assert_eq(c->mm->map_count, t->mm->map_count);
	struct vm_area_struct *pv;
	VMA_ITERATOR(vmi, t->mm, 0);
	for_each_vma(vmi, pv)
		cr_assert_eq(find_vma(c->mm, pv->vm_start)->vm_end, pv->vm_end);
	assert_find_vma_agrees(c);
	task_exit(c);
	/* the stack grows down: its VMA's range in the tree grows with it */
	unsigned long sp = t->mm->start_stack & PAGE_MASK;
	struct vm_area_struct *stack = find_vma(t->mm, sp);
	cr_assert_not_null(stack);
	unsigned long below = stack->vm_start - (16 << 12);
	cr_assert_eq(task_memset(t, below, 1, 1), 0);
	cr_assert_eq(find_vma(t->mm, below), stack);
	cr_assert_eq(stack->vm_start, below);
	assert_mm_sane(t);
	task_exit(t);
	cr_assert_eq(maple_objects(), objs0, "every node of both trees back at exit (%lu, %lu)", maple_objects(), objs0);
	assert_machine_sane();
}
TEST_ON_EVERY_PROFILE(mm_mt, tree_follows_every_change, check_tree_follows)

/* ---- maple_node allocation failures ---------------------------------------------------------- */


/* The n-th maple_node allocation from now fails (failslab's cache-filter, the cache's failslab flag) and no other. */
static void fail_maple_nth(unsigned long n)
{
	M->fault.failslab.cache_filter = true;
	maple_cache()->flags |= SLAB_FAILSLAB;
	failslab_nth(n);
}

static bool fail_maple_off(unsigned long injected_before)
{
	bool injected = failslab_off(injected_before);
	M->fault.failslab.cache_filter = false;
	maple_cache()->flags &= ~SLAB_FAILSLAB;
	return injected;
}

/* (the merging MAP_FIXED mmap first: a MAP_FIXED that fails may have unmapped what was there, as Linux's) */
enum mt_op { OP_MMAP_MERGE, OP_MMAP, OP_MUNMAP_HOLE, OP_MPROTECT_MIDDLE, OP_MREMAP_MOVE, OP_FORK, NR_OPS };
static const char *const op_name[NR_OPS] = { "mmap merging", "mmap", "munmap of a hole", "mprotect of a middle",
					     "mremap moving", "fork" };

/* Each call with its n-th maple_node allocation failing, n = 1, 2 ... until it runs without a failure. */
static void check_failures(const char *profile)
{
	struct task_struct *t = boot_with_task(profile, "mt", "/bin/mt", 0x20000, 0x4000, 0x4000);
	for (int i = 0; i < 40; i++) /* a tree of two levels */
		cr_assert_gt(task_mmap(t, 0, 2 << 12, i % 2 ? PROT_READ : PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				       -1, 0), 0);
	long area = task_mmap(t, 0, 32 << 12, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	cr_assert_gt(area, 0);
	cr_assert_eq(task_memset(t, (unsigned long)area, 7, 32 << 12), 0);
	for (int op = 0; op < NR_OPS; op++) {
		int failures = 0;
		for (unsigned long n = 1;; n++) {
			char *before = maps_of(t);
			/* nodes outside the task's tree (a split merged back may leave the tree another shape) */
			unsigned long objs = maple_objects() - mt_nr_nodes(&t->mm->mm_mt), injected = M->fault.failslab.attr.injected;
			fail_maple_nth(n);
			long ret = 0;
			struct task_struct *child = NULL;
			switch (op) {
			case OP_MMAP:
				ret = task_mmap(t, 0, 1 << 12, PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
				break;
			case OP_MMAP_MERGE: /* just below the area, with its flags: vma_merge's writes */
				ret = task_mmap(t, (unsigned long)area - (1 << 12), 1 << 12, PROT_READ | PROT_WRITE,
						MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
				break;
			case OP_MUNMAP_HOLE:
				ret = task_munmap(t, (unsigned long)area + (4 << 12), 2 << 12);
				break;
			case OP_MPROTECT_MIDDLE:
				ret = task_mprotect(t, (unsigned long)area + (12 << 12), 2 << 12, PROT_READ);
				break;
			case OP_MREMAP_MOVE:
				ret = task_mremap(t, (unsigned long)area + (20 << 12), 4 << 12, 8 << 12, MREMAP_MAYMOVE, 0);
				break;
			case OP_FORK:
				child = task_fork(t);
				ret = child ? 0 : -ENOMEM;
				break;
			}
			bool failed = fail_maple_off(injected);
			if (!failed) {
				cr_assert_geq(ret, 0, "%s without a failure gave %ld", op_name[op], ret);
				task_exit(child);
				free(before);
				break;
			}
			failures++;
			char *after = maps_of(t);
			cr_assert_eq(ret, -ENOMEM, "%s with maple_node allocation %lu failing gave %ld", op_name[op], n, ret);
			cr_assert_str_eq(after, before, "%s refused for -ENOMEM changed the maps:\n%s\nto\n%s", op_name[op], before, after);
			cr_assert_eq(maple_objects() - mt_nr_nodes(&t->mm->mm_mt), objs, "%s refused kept maple nodes",
				     op_name[op]);
			assert_mm_sane(t);
			assert_machine_sane();
			free(before);
			free(after);
		}
		cr_assert_gt(failures, 0, "%s allocates maple nodes", op_name[op]);
		assert_mm_sane(t);
		assert_find_vma_agrees(t);
	}
	task_exit(t);
	assert_machine_sane();
}
TEST_ON_EVERY_PROFILE(mm_mt, maple_node_failure_changes_nothing, check_failures)

/* ---- any allocation failing: the copies a split makes, their anon_vma_chains, page tables ------ */

/* The n-th eligible call of dir (failslab: any cache; fail_page_alloc) fails, and no other. */
static void fail_any_nth(const char *dir, unsigned long n)
{
	char path[128], buf[32];
	const char *const set[][2] = { { "ignore-gfp-wait", "N" }, { "verbose", "0" }, { "times", "1" },
				       { "space", "0" },           { "interval", buf }, { "probability", "100" } };
	if (!strcmp(dir, "failslab"))
		M->fault.failslab.attr.count = 0;
	else
		M->fault.fail_page_alloc.attr.count = 0;
	snprintf(buf, sizeof(buf), "%lu", n);
	for (unsigned i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
		snprintf(path, sizeof(path), "sys/kernel/debug/%s/%s", dir, set[i][0]);
		cr_assert_eq(kmm_proc_write(path, set[i][1]), 0, "%s", path);
	}
	if (strcmp(dir, "failslab")) { /* page tables and slab pages: order 0, highmem too */
		cr_assert_eq(kmm_proc_write("sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem", "N"), 0);
		cr_assert_eq(kmm_proc_write("sys/kernel/debug/fail_page_alloc/min-order", "0"), 0);
	}
}

static void fail_any_off(const char *dir)
{
	char path[128];
	snprintf(path, sizeof(path), "sys/kernel/debug/%s/probability", dir);
	cr_assert_eq(kmm_proc_write(path, "0"), 0);
}

static unsigned long page_tables_kb(void)
{
	char *mi = kmm_proc_read("meminfo");
	cr_assert_not_null(mi);
	const char *pt = strstr(mi, "PageTables:");
	cr_assert_not_null(pt);
	unsigned long kb = strtoul(pt + strlen("PageTables:"), NULL, 10);
	free(mi);
	return kb;
}

static bool range_is_free(struct task_struct *t, unsigned long start, unsigned long end)
{
	struct vm_area_struct *v = find_vma(t->mm, start);
	return !v || v->vm_start >= end;
}

enum any_op { ANY_MUNMAP_HOLE, ANY_MPROTECT_MIDDLE, ANY_MLOCK_MIDDLE, ANY_MPROTECT_MANY, ANY_MREMAP_MOVE,
	      ANY_MREMAP_FIXED, ANY_MMAP, NR_ANY_OPS };
static const char *const any_name[NR_ANY_OPS] = { "munmap of a hole", "mprotect of a middle", "mlock of a middle",
						  "mprotect over five VMAs", "mremap moving",
						  "mremap to a fixed place far away", "mmap" };

/*
 * Each writer with its n-th slab allocation (any cache: the vm_area_struct
 * a split copies, its anon_vma_chain, maple nodes ...) or its n-th page
 * allocation (a page table at mremap's destination, a new slab) failing:
 * -ENOMEM, the maps as they were, every slab object and page table back.
 */
static void check_any_failures(const char *profile)
{
	static const char *const dirs[] = { "failslab", "fail_page_alloc" };
	struct task_struct *t = boot_with_task(profile, "mt", "/bin/mt", 0x20000, 0x4000, 0x4000);
	t->uid = 0; /* mlock beyond RLIMIT_MEMLOCK */
	for (int i = 0; i < 40; i++) /* a tree of two levels */
		cr_assert_gt(task_mmap(t, 0, 2 << 12, i % 2 ? PROT_READ : PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				       -1, 0), 0);
	for (unsigned d = 0; d < 2; d++) {
		/* an area of its own per kind of failure; its pages give it an anon_vma, whose chain a split clones */
		long area = task_mmap(t, 0, 32 << 12, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				      -1, 0);
		cr_assert_gt(area, 0);
		cr_assert_eq(task_memset(t, (unsigned long)area, 7, 32 << 12), 0);
		/* a destination in a region no page table covers yet (a refused MREMAP_FIXED may unmap it first, as Linux's) */
		unsigned long far = (((unsigned long)area - ((64UL + 8 * d) << 20)) & ~((4UL << 20) - 1));
		cr_assert(range_is_free(t, far, far + (8 << 12)));
		for (int op = 0; op < NR_ANY_OPS; op++) {
			int failures = 0;
			for (unsigned long n = 1;; n++) {
				char *before = maps_of(t);
				struct kmm_usage u0, u1;
				kmm_usage_settle(&u0);
				unsigned long pt0 = page_tables_kb();
				unsigned long injected = M->fault.failslab.attr.injected + M->fault.fail_page_alloc.attr.injected;
				fail_any_nth(dirs[d], n);
				long ret = 0;
				switch (op) {
				case ANY_MUNMAP_HOLE:
					ret = task_munmap(t, (unsigned long)area + (4 << 12), 2 << 12);
					break;
				case ANY_MPROTECT_MIDDLE:
					ret = task_mprotect(t, (unsigned long)area + (12 << 12), 2 << 12, PROT_READ);
					break;
				case ANY_MLOCK_MIDDLE:
					ret = task_mlock(t, (unsigned long)area + (16 << 12), 2 << 12);
					break;
				case ANY_MPROTECT_MANY: /* two splits, three VMAs merged into one, the locked one apart */
					ret = task_mprotect(t, (unsigned long)area + (7 << 12), 12 << 12, PROT_READ);
					break;
				case ANY_MREMAP_MOVE:
					ret = task_mremap(t, (unsigned long)area + (20 << 12), 4 << 12, 8 << 12, MREMAP_MAYMOVE, 0);
					break;
				case ANY_MREMAP_FIXED:
					ret = task_mremap(t, (unsigned long)area + (26 << 12), 2 << 12, 2 << 12,
							  MREMAP_MAYMOVE | MREMAP_FIXED, far);
					break;
				case ANY_MMAP:
					ret = task_mmap(t, 0, 1 << 12, PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
					break;
				}
				fail_any_off(dirs[d]);
				bool failed = M->fault.failslab.attr.injected + M->fault.fail_page_alloc.attr.injected != injected;
				if (!failed) {
					cr_assert_geq(ret, 0, "%s without a failure gave %ld", any_name[op], ret);
					free(before);
					break;
				}
				failures++;
				char *after = maps_of(t);
				cr_assert_eq(ret, -ENOMEM, "%s with %s call %lu failing gave %ld", any_name[op], dirs[d], n, ret);
				cr_assert_str_eq(after, before, "%s refused (%s call %lu) changed the maps:\n%s\nto\n%s", any_name[op],
						 dirs[d], n, before, after);
				kmm_usage_settle(&u1);
				cr_assert_eq(u1.slab_objects, u0.slab_objects, "%s refused (%s call %lu) kept objects", any_name[op],
					     dirs[d], n);
				/* (not free pages: the slab layer may keep a slab page the failed call had it take) */
				cr_assert_eq(page_tables_kb(), pt0, "%s refused (%s call %lu) kept page tables", any_name[op],
					     dirs[d], n);
				assert_mm_sane(t);
				assert_machine_sane();
				free(before);
				free(after);
			}
			if (!strcmp(dirs[d], "failslab") || op == ANY_MREMAP_FIXED) /* (the others may find their slabs and tables there) */
				cr_assert_gt(failures, 0, "%s allocates nothing %s can fail", any_name[op], dirs[d]);
			assert_mm_sane(t);
			assert_find_vma_agrees(t);
		}
	}
	task_exit(t);
	assert_machine_sane();
}
TEST_ON_EVERY_PROFILE(mm_mt, any_allocation_failure_changes_nothing, check_any_failures)
