/*
 * test_mlock.c - mlock and the unevictable list (mm/mlock.c): locked pages
 * sit on the unevictable list and keep their frames and bytes while
 * reclaim sends everything else to swap; munlock gives them back to the
 * evictable lists; meminfo's Unevictable and Mlocked, vmstat's nr_mlock
 * and unevictable_pgs_*, VmLck, smaps' Locked and kpageflags agree;
 * RLIMIT_MEMLOCK for tasks other than root; mlock2(MLOCK_ONFAULT),
 * mlockall's MCL_CURRENT/MCL_FUTURE/MCL_ONFAULT and munlockall; fork does
 * not pass locks on; a page two tasks lock stays locked until both let
 * go; reclaim culls a locked page that lost its mlock.  "Nothing lost"
 * after each.
 */
#include "kmm_test.h"

#include <kmm/swap.h>
#include <kmm/task.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(mlock, .fini = fini, .timeout = 120);

static void boot_small(const char *profile, unsigned long swap_bytes)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = (strcmp(profile, "x86_64") ? 64ULL : 128ULL) << 20;
	boot_or_fail(&p);
	if (swap_bytes)
		cr_assert_eq(kmm_swapon("/dev/vda", swap_bytes, 0), 0);
}

/* The page a present PTE maps at addr, else NULL. */
static struct page *page_at(struct task_struct *t, unsigned long addr)
{
	unsigned long idx;
	phys_addr_t table = user_pte_table(t->mm->pgd, addr, false, &idx);
	if (!table)
		return NULL;
	pteval_t pte = pte_get(table, idx);
	if (!(pte & _PAGE_PRESENT) || PHYS_PFN(pte & PTE_PFN_MASK) == zero_pfn())
		return NULL;
	return pfn_to_page(PHYS_PFN(pte & PTE_PFN_MASK));
}

static bool page_unevictable(const struct page *page)
{
	return page_flag(page, PG_lru) && page_flag(page, PG_unevictable) && page_flag(page, PG_mlocked);
}

static long map_anon(struct task_struct *t, unsigned long pages, int flags)
{
	long a = task_mmap(t, 0, pages * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
	cr_assert_gt(a, 0, "mmap: %ld", a);
	return a;
}

static unsigned long status_kb(struct task_struct *t, const char *file, const char *field)
{
	char path[64];
	snprintf(path, sizeof(path), "%d/%s", t->pid, file);
	char *s = kmm_proc_read(path);
	cr_assert_not_null(s);
	const char *at = strstr(s, field);
	cr_assert_not_null(at, "%s has no %s", path, field);
	unsigned long v = strtoul(at + strlen(field), NULL, 10);
	free(s);
	return v;
}

/*
 * The pressure test: a task mlocks a region and fills it, a hog then
 * writes more than the machine holds.  The hog's pages go to swap; the
 * locked ones keep their frames and bytes, on the unevictable list.
 * munlock puts them back on evictable lists (unevictable_pgs_munlocked,
 * rescued); exit gives every page and slot back.
 */
static void pressure_keeps_locked_pages(const char *profile)
{
	boot_small(profile, 128UL << 20);
	struct kmm_usage u;
	kmm_usage_settle(&u);
	struct task_struct *locker = task_create("locker", 1000), *hog = task_create("hog", 1000);
	cr_assert(locker && hog);
	const unsigned long n = 512; /* 2 MiB: within the default RLIMIT_MEMLOCK of 8 MiB */
	unsigned long mlocked0 = vmstat_value("unevictable_pgs_mlocked"), munlocked0 = vmstat_value("unevictable_pgs_munlocked");
	long a = map_anon(locker, n, 0);
	cr_assert_eq(task_mlock(locker, (unsigned long)a, n * PAGE_SIZE), 0);
	u_write_pattern(locker, (unsigned long)a, 0, n, 1);
	lru_add_drain();
	static struct page *frames[512];
	for (unsigned long i = 0; i < n; i++) {
		frames[i] = page_at(locker, (unsigned long)a + i * PAGE_SIZE);
		cr_assert_not_null(frames[i], "page %lu is mapped after mlock", i);
		cr_assert(page_unevictable(frames[i]), "page %lu is on the unevictable list", i);
	}
	cr_assert_eq(vmstat_value("unevictable_pgs_mlocked") - mlocked0, n);
	cr_assert_geq(meminfo_value("Mlocked:"), n * 4);
	cr_assert_geq(meminfo_value("Unevictable:"), n * 4);
	/* the hog: one and a half times the free memory */
	unsigned long h = meminfo_value("MemFree:") / 4 * 3 / 2;
	long b = map_anon(hog, h, 0);
	u_write_pattern(hog, (unsigned long)b, 0, h, 2);
	cr_assert_gt(vmstat_value("pswpout"), h / 4, "the hog went to swap");
	cr_assert_gt(status_kb(hog, "status", "VmSwap:"), 0);
	cr_assert_eq(status_kb(locker, "status", "VmSwap:"), 0, "no locked page went to swap");
	for (unsigned long i = 0; i < n; i++)
		cr_assert_eq(page_at(locker, (unsigned long)a + i * PAGE_SIZE), frames[i], "page %lu kept its frame", i);
	u_check_pattern(locker, (unsigned long)a, 0, n, 1);
	u_check_pattern(hog, (unsigned long)b, 0, h, 2);
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
	/* munlock: back on evictable lists */
	unsigned long rescued0 = vmstat_value("unevictable_pgs_rescued");
	cr_assert_eq(task_munlock(locker, (unsigned long)a, n * PAGE_SIZE), 0);
	lru_add_drain();
	cr_assert_eq(vmstat_value("unevictable_pgs_munlocked") - munlocked0, n);
	cr_assert_eq(vmstat_value("unevictable_pgs_rescued") - rescued0, n);
	cr_assert_eq(meminfo_value("Mlocked:"), 0);
	cr_assert_eq(meminfo_value("Unevictable:"), 0);
	for (unsigned long i = 0; i < n; i++)
		cr_assert(page_flag(frames[i], PG_lru) && !page_flag(frames[i], PG_unevictable) &&
				  !page_flag(frames[i], PG_mlocked),
			  "page %lu is evictable again", i);
	/* now they may go too */
	u_write_pattern(hog, (unsigned long)b, 0, h, 3);
	u_check_pattern(locker, (unsigned long)a, 0, n, 1);
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
	task_exit(hog);
	task_exit(locker);
	cr_assert_eq(swap_free_kb_settled(), meminfo_value("SwapTotal:"), "every slot is free after exit");
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	assert_nothing_lost_since(&u, "after the pressure test");
}
TEST_BOTH_WAYS(mlock, pressure_keeps_locked_pages, pressure_keeps_locked_pages)

/* The counts every view shows, through mlock, a partial munlock and munmap. */
static void counts_in_views(const char *profile)
{
	boot_small(profile, 0);
	struct kmm_usage u;
	kmm_usage_settle(&u);
	struct task_struct *t = task_create("counts", 1000);
	cr_assert_not_null(t);
	const unsigned long n = 64;
	unsigned long culled0 = vmstat_value("unevictable_pgs_culled");
	long a = map_anon(t, n, 0);
	cr_assert_eq(task_mlock(t, (unsigned long)a, n * PAGE_SIZE), 0);
	lru_add_drain();
	cr_assert_eq(meminfo_value("Mlocked:"), n * 4);
	cr_assert_eq(meminfo_value("Unevictable:"), n * 4);
	cr_assert_eq(vmstat_value("nr_mlock"), n);
	cr_assert_eq(vmstat_value("nr_unevictable"), n);
	cr_assert_eq(vmstat_value("nr_zone_unevictable"), n);
	cr_assert_eq(vmstat_value("unevictable_pgs_culled") - culled0, n);
	cr_assert_eq(status_kb(t, "status", "VmLck:"), n * 4);
	cr_assert_eq(status_kb(t, "smaps_rollup", "Locked:"), n * 4);
	/* zoneinfo: nr_mlock after nr_zone_unevictable, as 6.1 prints it */
	char *zi = kmm_proc_read("zoneinfo");
	const char *ze = strstr(zi, "nr_zone_unevictable");
	cr_assert_not_null(ze);
	cr_assert_not_null(strstr(ze, "\n      nr_mlock     "));
	free(zi);
	/* meminfo: Mlocked right after Unevictable */
	char *mi = kmm_proc_read("meminfo");
	cr_assert_not_null(strstr(mi, "\nUnevictable:  "));
	const char *un = strstr(mi, "\nUnevictable:");
	cr_assert(!strncmp(strchr(un + 1, '\n'), "\nMlocked:", 9), "Mlocked follows Unevictable");
	free(mi);
	/* kpageflags: UNEVICTABLE (18) and MLOCKED (33) */
	struct page *page = page_at(t, (unsigned long)a);
	cr_assert_not_null(page);
	u64 kpf = 0;
	cr_assert_eq(kmm_proc_pread("kpageflags", &kpf, sizeof(kpf), page_to_pfn(page) * 8), (long)sizeof(kpf));
	cr_assert(kpf & (1ULL << 18), "KPF_UNEVICTABLE: %#llx", (unsigned long long)kpf);
	cr_assert(kpf & (1ULL << 33), "KPF_MLOCKED: %#llx", (unsigned long long)kpf);
	/* munlock of the first half: those leave, the rest stay */
	cr_assert_eq(task_munlock(t, (unsigned long)a, n / 2 * PAGE_SIZE), 0);
	lru_add_drain();
	cr_assert_eq(meminfo_value("Mlocked:"), n / 2 * 4);
	cr_assert_eq(status_kb(t, "status", "VmLck:"), n / 2 * 4);
	cr_assert(!page_flag(page, PG_unevictable) && !page_flag(page, PG_mlocked));
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
	/* munmap of the locked half: munlocked as they go */
	unsigned long munlocked0 = vmstat_value("unevictable_pgs_munlocked");
	cr_assert_eq(task_munmap(t, (unsigned long)a + n / 2 * PAGE_SIZE, n / 2 * PAGE_SIZE), 0);
	cr_assert_eq(vmstat_value("unevictable_pgs_munlocked") - munlocked0, n / 2);
	cr_assert_eq(meminfo_value("Mlocked:"), 0);
	cr_assert_eq(meminfo_value("Unevictable:"), 0);
	cr_assert_eq(status_kb(t, "status", "VmLck:"), 0);
	/* exit of a task with locked pages */
	long c = map_anon(t, n, MAP_LOCKED);
	(void)c;
	lru_add_drain();
	cr_assert_eq(meminfo_value("Mlocked:"), n * 4, "MAP_LOCKED locks and populates");
	task_exit(t);
	cr_assert_eq(meminfo_value("Mlocked:"), 0);
	cr_assert_eq(meminfo_value("Unevictable:"), 0);
	assert_nothing_lost_since(&u, "after exit");
}
TEST_ON_EVERY_PROFILE(mlock, counts_in_views, counts_in_views)

/* RLIMIT_MEMLOCK and the arguments the calls refuse, with nothing changed. */
Test(mlock, limits_and_arguments)
{
	boot_small("i386", 0);
	struct kmm_usage u;
	kmm_usage_settle(&u);
	struct task_struct *t = task_create("limits", 1000);
	cr_assert_not_null(t);
	long a = map_anon(t, 32, 0);
	t->rlim[RLIMIT_MEMLOCK] = 8 * PAGE_SIZE;
	cr_assert_eq(task_mlock(t, (unsigned long)a, 16 * PAGE_SIZE), -ENOMEM);
	cr_assert_eq(t->mm->locked_vm, 0);
	cr_assert_eq(task_mlock(t, (unsigned long)a, 8 * PAGE_SIZE), 0);
	cr_assert_eq(task_mlock(t, (unsigned long)a, 8 * PAGE_SIZE), 0, "pages locked already count once");
	cr_assert_eq(task_mlock(t, (unsigned long)a + 4 * PAGE_SIZE, 8 * PAGE_SIZE), -ENOMEM);
	cr_assert_eq(t->mm->locked_vm, 8);
	cr_assert_eq(task_mlockall(t, MCL_CURRENT), -ENOMEM, "total_vm beyond the limit");
	cr_assert_eq(t->mm->locked_vm, 8);
	cr_assert_eq(task_mmap(t, 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0), -EAGAIN,
		     "mlock_future_check");
	/* no limit at all: -EPERM */
	t->rlim[RLIMIT_MEMLOCK] = 0;
	cr_assert_eq(task_mlock(t, (unsigned long)a + 16 * PAGE_SIZE, PAGE_SIZE), -EPERM);
	cr_assert_eq(task_mlockall(t, MCL_FUTURE), -EPERM);
	cr_assert_eq(task_mmap(t, 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0), -EPERM);
	cr_assert_eq(task_munlock(t, (unsigned long)a, 32 * PAGE_SIZE), 0, "munlock needs no limit");
	cr_assert_eq(t->mm->locked_vm, 0);
	/* arguments */
	t->rlim[RLIMIT_MEMLOCK] = 8UL << 20;
	cr_assert_eq(task_mlock2(t, (unsigned long)a, PAGE_SIZE, 2), -EINVAL);
	cr_assert_eq(task_mlockall(t, 0), -EINVAL);
	cr_assert_eq(task_mlockall(t, MCL_ONFAULT), -EINVAL);
	cr_assert_eq(task_mlockall(t, 8), -EINVAL);
	cr_assert_eq(task_mlock(t, 0x10000000, PAGE_SIZE), -ENOMEM, "not mapped");
	cr_assert_eq(task_mlock(t, (unsigned long)a + 31 * PAGE_SIZE, 2 * PAGE_SIZE), -ENOMEM, "runs past the mapping");
	cr_assert_eq(task_mlock(t, ~0UL - PAGE_SIZE, 4 * PAGE_SIZE), -ENOMEM, "wraps: past the limit first");
	cr_assert_eq(task_munlock(t, ~0UL - PAGE_SIZE, 4 * PAGE_SIZE), -EINVAL, "wraps");
	cr_assert_eq(task_mlock(NULL, (unsigned long)a, PAGE_SIZE), -EINVAL);
	cr_assert_eq(task_mlockall(NULL, MCL_CURRENT), -EINVAL);
	cr_assert_eq(task_munlockall(NULL), -EINVAL);
	cr_assert_eq(t->mm->locked_vm, 0);
	cr_assert_eq(meminfo_value("Mlocked:"), 0);
	/* root is exempt */
	t->uid = 0;
	t->rlim[RLIMIT_MEMLOCK] = 0;
	cr_assert_eq(task_mlock(t, (unsigned long)a, 32 * PAGE_SIZE), 0);
	cr_assert_eq(t->mm->locked_vm, 32);
	task_exit(t);
	assert_nothing_lost_since(&u, "after the limits");
}

/* mlockall(MCL_FUTURE) locks later mmaps and the heap; munlockall stops it; MCL_ONFAULT and MLOCK_ONFAULT fault nothing in. */
Test(mlock, mlockall_future_and_onfault)
{
	boot_small("x86_64", 0);
	struct kmm_usage u;
	kmm_usage_settle(&u);
	struct task_struct *t = task_create("future", 1000);
	cr_assert_not_null(t);
	cr_assert_eq(task_exec_layout(t, "/bin/future", 4 * PAGE_SIZE, 2 * PAGE_SIZE, 2 * PAGE_SIZE), 0);
	long before = map_anon(t, 4, 0);
	cr_assert_eq(task_mlockall(t, MCL_FUTURE), 0);
	cr_assert_eq(find_vma(t->mm, (unsigned long)before)->vm_flags & VM_LOCKED, 0, "MCL_FUTURE alone locks nothing now");
	long a = map_anon(t, 16, 0);
	struct vm_area_struct *v = find_vma(t->mm, (unsigned long)a);
	cr_assert(v->vm_flags & VM_LOCKED, "a later mmap is locked");
	cr_assert_eq(t->mm->rss[MM_ANONPAGES], 16, "and populated");
	lru_add_drain();
	cr_assert_eq(meminfo_value("Mlocked:"), 16 * 4);
	/* the heap too */
	unsigned long brk0 = task_brk(t, 0);
	cr_assert_eq(task_brk(t, brk0 + 4 * PAGE_SIZE), brk0 + 4 * PAGE_SIZE);
	lru_add_drain();
	cr_assert_eq(meminfo_value("Mlocked:"), 20 * 4, "the new heap is locked and faulted in");
	char why[256];
	cr_assert_eq(mm_verify(t->mm, why, sizeof(why)), 0, "%s", why);
	/* munlockall: every VMA and def_flags */
	cr_assert_eq(task_munlockall(t), 0);
	lru_add_drain();
	cr_assert_eq(t->mm->locked_vm, 0);
	cr_assert_eq(t->mm->def_flags, 0);
	cr_assert_eq(meminfo_value("Mlocked:"), 0);
	long b = map_anon(t, 4, 0);
	cr_assert_eq(find_vma(t->mm, (unsigned long)b)->vm_flags & VM_LOCKED, 0);
	cr_assert_eq(mm_verify(t->mm, why, sizeof(why)), 0, "%s", why);
	/* MCL_CURRENT | MCL_ONFAULT: locked, nothing faulted; what is touched later is mlocked */
	unsigned long rss = t->mm->rss[MM_ANONPAGES];
	cr_assert_eq(task_mlockall(t, MCL_CURRENT | MCL_ONFAULT), 0);
	cr_assert_eq(t->mm->rss[MM_ANONPAGES], rss, "nothing faulted in");
	cr_assert_eq(t->mm->locked_vm, t->mm->total_vm);
	cr_assert_eq(u_touch(t, (unsigned long)b, 2 * PAGE_SIZE, true), 0);
	lru_add_drain();
	cr_assert_eq(meminfo_value("Mlocked:"), (20 + 2) * 4, "the pages present and the two touched");
	cr_assert_eq(task_munlockall(t), 0);
	/* mlock2(MLOCK_ONFAULT) of a range */
	long c = map_anon(t, 8, 0);
	cr_assert_eq(task_mlock2(t, (unsigned long)c, 8 * PAGE_SIZE, MLOCK_ONFAULT), 0);
	cr_assert_eq(t->mm->locked_vm, 8);
	cr_assert_null(page_at(t, (unsigned long)c), "MLOCK_ONFAULT faults nothing in");
	cr_assert(find_vma(t->mm, (unsigned long)c)->vm_flags & VM_LOCKONFAULT);
	cr_assert_eq(u_touch(t, (unsigned long)c + PAGE_SIZE, PAGE_SIZE, true), 0);
	lru_add_drain();
	cr_assert(page_unevictable(page_at(t, (unsigned long)c + PAGE_SIZE)), "a page faulted in later is mlocked");
	cr_assert_eq(meminfo_value("Mlocked:"), 4);
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
	task_exit(t);
	cr_assert_eq(meminfo_value("Mlocked:"), 0);
	assert_nothing_lost_since(&u, "after mlockall");
}

/*
 * fork: the child's VMAs are not locked (and merge back where the lock
 * split them); its COW copy is not mlocked; the parent's pages stay so.
 * A shared page two tasks lock stays mlocked until both munlock it.
 */
Test(mlock, fork_and_shared_pages)
{
	boot_small("i386", 0);
	struct kmm_usage u;
	kmm_usage_settle(&u);
	struct task_struct *t = task_create("parent", 1000);
	cr_assert_not_null(t);
	/* a region locked on fault in its middle, never touched (no anon_vma): the child's three parts are one again */
	long z = map_anon(t, 16, 0);
	cr_assert_eq(task_mlock2(t, (unsigned long)z + 4 * PAGE_SIZE, 4 * PAGE_SIZE, MLOCK_ONFAULT), 0);
	int maps0 = t->mm->map_count;
	struct task_struct *c = task_fork(t);
	cr_assert_not_null(c);
	cr_assert_eq(c->mm->locked_vm, 0);
	cr_assert_eq(c->mm->map_count, maps0 - 2, "the child's parts merged again");
	char why[256];
	cr_assert_eq(mm_verify(c->mm, why, sizeof(why)), 0, "%s", why);
	task_exit(c);
	cr_assert_eq(task_munmap(t, (unsigned long)z, 16 * PAGE_SIZE), 0);
	/* touched memory: each of the child's VMAs has an anon_vma of its own, so they stay apart, as in 6.1 */
	long a = map_anon(t, 16, 0);
	cr_assert_eq(task_mlock(t, (unsigned long)a + 4 * PAGE_SIZE, 4 * PAGE_SIZE), 0);
	u_write_pattern(t, (unsigned long)a, 0, 16, 1);
	c = task_fork(t);
	cr_assert_not_null(c);
	cr_assert_eq(c->mm->locked_vm, 0);
	cr_assert_eq(mm_verify(c->mm, why, sizeof(why)), 0, "%s", why);
	struct page *p = page_at(t, (unsigned long)a + 4 * PAGE_SIZE);
	lru_add_drain();
	cr_assert(page_unevictable(p));
	static char buf[PAGE_SIZE];
	memset(buf, 'c', sizeof(buf));
	cr_assert_eq(u_write(c, (unsigned long)a + 4 * PAGE_SIZE, buf, PAGE_SIZE), 0);
	struct page *cp = page_at(c, (unsigned long)a + 4 * PAGE_SIZE);
	lru_add_drain();
	cr_assert_neq(cp, p);
	cr_assert(!page_flag(cp, PG_mlocked), "the child's copy is not locked");
	cr_assert(page_unevictable(p), "the parent's page still is");
	task_exit(c);
	lru_add_drain();
	cr_assert(page_unevictable(p), "and after the child's exit");
	u_check_pattern(t, (unsigned long)a, 0, 16, 1);
	/* shared memory two tasks lock: mlock_count 2 */
	long s = task_mmap(t, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(s, 0);
	cr_assert_eq(u_touch(t, (unsigned long)s, 4 * PAGE_SIZE, true), 0);
	c = task_fork(t);
	cr_assert_not_null(c);
	cr_assert_eq(u_touch(c, (unsigned long)s, 4 * PAGE_SIZE, false), 0);
	struct page *sp = page_at(t, (unsigned long)s);
	cr_assert_eq(page_at(c, (unsigned long)s), sp);
	cr_assert_eq(task_mlock(t, (unsigned long)s, 4 * PAGE_SIZE), 0);
	cr_assert_eq(task_mlock(c, (unsigned long)s, 4 * PAGE_SIZE), 0);
	lru_add_drain();
	cr_assert(page_unevictable(sp));
	cr_assert_eq(sp->mlock_count, 2);
	cr_assert_eq(task_munlock(t, (unsigned long)s, 4 * PAGE_SIZE), 0);
	lru_add_drain();
	cr_assert(page_unevictable(sp), "the child still locks it");
	cr_assert_eq(sp->mlock_count, 1);
	task_exit(c); /* the exit munlocks */
	lru_add_drain();
	cr_assert(!page_flag(sp, PG_mlocked) && !page_flag(sp, PG_unevictable));
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
	task_exit(t);
	cr_assert_eq(meminfo_value("Mlocked:"), 0);
	assert_nothing_lost_since(&u, "after fork");
}

/*
 * A page of a locked VMA that lost its mlock (6.1's mlock_count may
 * undercount) is found by reclaim, mlocked again and culled to the
 * unevictable list instead of going to swap.
 */
Test(mlock, reclaim_culls_a_missed_mlock)
{
	boot_small("i386", 128UL << 20);
	struct kmm_usage u;
	kmm_usage_settle(&u);
	struct task_struct *t = task_create("culled", 1000), *hog = task_create("hog", 1000);
	cr_assert(t && hog);
	const unsigned long n = 64;
	long a = map_anon(t, n, 0);
	cr_assert_eq(task_mlock(t, (unsigned long)a, n * PAGE_SIZE), 0);
	u_write_pattern(t, (unsigned long)a, 0, n, 1);
	lru_add_drain();
	static struct page *frames[64];
	for (unsigned long i = 0; i < n; i++) {
		frames[i] = page_at(t, (unsigned long)a + i * PAGE_SIZE);
		munlock_folio(frames[i]); /* the lost mlock */
	}
	lru_add_drain();
	cr_assert_eq(meminfo_value("Mlocked:"), 0);
	cr_assert(!page_flag(frames[0], PG_unevictable));
	unsigned long culled0 = vmstat_value("unevictable_pgs_culled");
	unsigned long h = meminfo_value("MemFree:") / 4 * 3 / 2;
	long b = map_anon(hog, h, 0);
	u_write_pattern(hog, (unsigned long)b, 0, h, 2);
	lru_add_drain();
	cr_assert_gt(vmstat_value("pswpout"), 0);
	cr_assert_gt(vmstat_value("unevictable_pgs_culled"), culled0, "reclaim culled pages of the locked VMA");
	unsigned long back = 0;
	for (unsigned long i = 0; i < n; i++) {
		cr_assert_eq(page_at(t, (unsigned long)a + i * PAGE_SIZE), frames[i], "page %lu kept its frame", i);
		back += page_unevictable(frames[i]);
	}
	cr_assert_gt(back, 0, "pages reclaim met are unevictable again");
	cr_assert_eq(meminfo_value("Mlocked:"), back * 4);
	u_check_pattern(t, (unsigned long)a, 0, n, 1);
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
	task_exit(hog);
	task_exit(t);
	cr_assert_eq(meminfo_value("Mlocked:"), 0);
	cr_assert_eq(swap_free_kb_settled(), meminfo_value("SwapTotal:"));
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	assert_nothing_lost_since(&u, "after culling");
}

/* mremap: locked pages move with their PTEs and stay mlocked; the grown part is faulted in and locked; a shrink munlocks the tail. */
Test(mlock, mremap_of_a_locked_mapping)
{
	boot_small("x86_64", 0);
	struct kmm_usage u;
	kmm_usage_settle(&u);
	struct task_struct *t = task_create("mremap", 1000);
	cr_assert_not_null(t);
	long a = map_anon(t, 8, 0);
	long blocker = task_mmap(t, (unsigned long)a + 8 * PAGE_SIZE, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
				 -1, 0);
	cr_assert_eq(blocker, a + 8 * PAGE_SIZE, "a neighbour, so that growing moves");
	cr_assert_eq(task_mlock(t, (unsigned long)a, 8 * PAGE_SIZE), 0);
	u_write_pattern(t, (unsigned long)a, 0, 8, 1);
	struct page *first = page_at(t, (unsigned long)a);
	t->rlim[RLIMIT_MEMLOCK] = 12 * PAGE_SIZE;
	cr_assert_eq(task_mremap(t, (unsigned long)a, 8 * PAGE_SIZE, 16 * PAGE_SIZE, MREMAP_MAYMOVE, 0), -EAGAIN,
		     "growing past RLIMIT_MEMLOCK");
	t->rlim[RLIMIT_MEMLOCK] = 8UL << 20;
	long b = task_mremap(t, (unsigned long)a, 8 * PAGE_SIZE, 16 * PAGE_SIZE, MREMAP_MAYMOVE, 0);
	cr_assert_gt(b, 0);
	cr_assert_neq(b, a, "moved");
	cr_assert_eq(page_at(t, (unsigned long)b), first, "the page moved with its PTE");
	cr_assert_eq(t->mm->locked_vm, 16);
	cr_assert_eq(t->mm->rss[MM_ANONPAGES], 16, "the grown part is faulted in");
	lru_add_drain();
	cr_assert(page_unevictable(first));
	cr_assert_eq(meminfo_value("Mlocked:"), 16 * 4);
	u_check_pattern(t, (unsigned long)b, 0, 8, 1);
	/* shrink: the tail's pages are munlocked as they go */
	cr_assert_eq(task_mremap(t, (unsigned long)b, 16 * PAGE_SIZE, 4 * PAGE_SIZE, 0, 0), b);
	lru_add_drain();
	cr_assert_eq(meminfo_value("Mlocked:"), 4 * 4);
	cr_assert_eq(t->mm->locked_vm, 4);
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
	task_exit(t);
	cr_assert_eq(meminfo_value("Mlocked:"), 0);
	assert_nothing_lost_since(&u, "after mremap");
}
