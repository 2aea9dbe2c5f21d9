/*
 * test_overcommit.c - overcommit accounting (mm/util.c's __vm_enough_memory
 * and its callers in mm/mmap.c and mm/memory.c), on every profile.
 *
 * Committed_AS must always equal what the VM_ACCOUNT VMAs of the live tasks
 * and the live shared anonymous objects hold (recount() below for the
 * tasks); each mode is taken to its edge: the heuristic one refuses only a
 * request larger than RAM + swap, mode 2 lets Committed_AS reach CommitLimit
 * less the reserves and not one page more, mode 1 refuses nothing.  A
 * refusal is -ENOMEM (NULL for fork, the old break for brk) with nothing
 * changed.
 */
#include "kmm_test.h"

#include <kmm/swap.h>
#include <kmm/task.h>

#include <sys/mman.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(overcommit, .fini = fini, .timeout = 120);

static struct task_struct *small_machine(const char *profile, unsigned int uid)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = (strcmp(profile, "x86_64") ? 64ULL : 128ULL) << 20;
	boot_or_fail(&p);
	struct task_struct *t = task_create("hog", uid);
	cr_assert_not_null(t);
	cr_assert_eq(task_exec_layout(t, "/bin/hog", 64 << 10, 16 << 10, 16 << 10), 0);
	return t;
}

/* The pages the task's VM_ACCOUNT VMAs hold. */
static unsigned long recount(struct task_struct *t)
{
	unsigned long n = 0;
	struct vm_area_struct *v;
	mmap_write_lock(t->mm);
	VMA_ITERATOR(vmi, t->mm, 0);
	for_each_vma(vmi, v)
		if (v->vm_flags & VM_ACCOUNT)
			n += (v->vm_end - v->vm_start) >> PAGE_SHIFT;
	mmap_write_unlock(t->mm);
	return n;
}

static void sysctl_set(const char *name, const char *val)
{
	char path[64];
	snprintf(path, sizeof(path), "sys/vm/%s", name);
	cr_assert_eq(kmm_proc_write(path, val), 0, "%s=%s", name, val);
}

static long sysctl_get(const char *name)
{
	char path[64];
	snprintf(path, sizeof(path), "sys/vm/%s", name);
	char *v = kmm_proc_read(path);
	cr_assert_not_null(v);
	long n = strtol(v, NULL, 10);
	free(v);
	return n;
}

static long anon(struct task_struct *t, unsigned long bytes, unsigned long prot, unsigned long flags)
{
	return task_mmap(t, 0, bytes, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
}

/* Mode 2 with exact edges: no reserves, CommitLimit = kbytes (+ swap). */
static void strict_with_limit_kb(unsigned long kb)
{
	char v[32];
	sysctl_set("admin_reserve_kbytes", "0");
	sysctl_set("user_reserve_kbytes", "0");
	snprintf(v, sizeof(v), "%lu", kb);
	sysctl_set("overcommit_kbytes", v);
	sysctl_set("overcommit_memory", "2");
}

/* The defaults, as 6.1 boots: mode 0, ratio 50, kbytes 0; CommitLimit half of RAM (no hugetlb pool); the meminfo lines where 6.1 prints them. */
static void defaults(const char *profile)
{
	struct task_struct *t = small_machine(profile, 1000);
	cr_assert_eq(sysctl_get("overcommit_memory"), 0);
	cr_assert_eq(sysctl_get("overcommit_ratio"), 50);
	cr_assert_eq(sysctl_get("overcommit_kbytes"), 0);
	unsigned long free_kb = meminfo_value("MemFree:");
	cr_assert_leq(sysctl_get("admin_reserve_kbytes"), 8192);
	cr_assert_leq(sysctl_get("user_reserve_kbytes"), 131072);
	cr_assert_leq(sysctl_get("user_reserve_kbytes"), (long)free_kb / 32 + 1024, "free memory / 32 at the initcall");
	cr_assert_eq(meminfo_value("CommitLimit:"), (totalram_pages() * 50 / 100) << (PAGE_SHIFT - 10));
	cr_assert_eq(meminfo_value("Committed_AS:"), recount(t) << (PAGE_SHIFT - 10));
	cr_assert_eq(recount(t), 4 + 4 + 33, "data, bss and the stack");
	char *mi = kmm_proc_read("meminfo");
	const char *pt = strstr(mi, "\nPageTables:"), *cl = strstr(mi, "\nCommitLimit:"), *ca = strstr(mi, "\nCommitted_AS:"),
		   *vt = strstr(mi, "\nVmallocTotal:");
	cr_assert(pt && cl && ca && vt && pt < cl && cl < ca && ca < vt, "%s", mi);
	cr_assert_not_null(strstr(mi, "\nCommitLimit:   "), "the field is 16 wide, as 6.1's show_val_kb");
	free(mi);
	task_exit(t);
	cr_assert_eq(vm_memory_committed(), 0);
	assert_machine_sane();
}

TEST_ON_EVERY_PROFILE(overcommit, defaults, defaults)

/*
 * Mode 0: one request larger than RAM + swap is refused (and nothing
 * changes); anything else is promised, however much is promised already.
 * What is committed: private writable memory, not MAP_NORESERVE, not
 * read-only, and shared anonymous memory's object.
 */
static void heuristic(const char *profile)
{
	struct task_struct *t = small_machine(profile, 1000);
	unsigned long base = vm_memory_committed(), ram = totalram_pages(), h = ram / 2;
	unsigned long maps = t->mm->map_count, total_vm = t->mm->total_vm;
	cr_assert_eq(anon(t, (ram + 1) << PAGE_SHIFT, PROT_READ | PROT_WRITE, 0), -ENOMEM);
	cr_assert_eq(vm_memory_committed(), base);
	cr_assert_eq(t->mm->map_count, maps);
	cr_assert_eq(t->mm->total_vm, total_vm);
	long a = anon(t, ram << PAGE_SHIFT, PROT_READ | PROT_WRITE, 0);
	cr_assert_gt(a, 0, "RAM's worth at once fits the heuristic");
	long b = anon(t, ram << PAGE_SHIFT, PROT_READ | PROT_WRITE, 0);
	cr_assert_gt(b, 0, "and again: mode 0 does not add up");
	cr_assert_eq(vm_memory_committed(), base + 2 * ram);
	/* the two merged into one VMA of twice RAM: fork commits it as one request, which the heuristic refuses */
	cr_assert_eq(b + (long)(ram << PAGE_SHIFT), a, "the second lies just below the first");
	cr_assert_null(task_fork(t));
	cr_assert_eq(vm_memory_committed(), base + 2 * ram, "the refused fork changed nothing");
	cr_assert_eq(task_munmap(t, (unsigned long)b, (2 * ram - h) << PAGE_SHIFT), 0);
	cr_assert_eq(vm_memory_committed(), base + h);
	long nr = anon(t, 1 << 20, PROT_READ | PROT_WRITE, MAP_NORESERVE);
	long ro = anon(t, 1 << 20, PROT_READ, 0);
	cr_assert_gt(nr, 0);
	cr_assert_gt(ro, 0);
	cr_assert_eq(vm_memory_committed(), base + h, "MAP_NORESERVE and read-only memory are not committed");
	long sh = task_mmap(t, 0, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(sh, 0);
	cr_assert_eq(vm_memory_committed(), base + h + 256, "a shared anonymous object is");
	struct task_struct *c = task_fork(t);
	cr_assert_not_null(c);
	cr_assert_eq(vm_memory_committed(), base * 2 + 2 * h + 256, "fork commits the VM_ACCOUNT VMAs again, not the shared object");
	cr_assert_eq(task_munmap(t, (unsigned long)sh, 1 << 20), 0);
	cr_assert_eq(vm_memory_committed(), base * 2 + 2 * h + 256, "the child still maps the object");
	task_exit(c);
	cr_assert_eq(vm_memory_committed(), base + h, "the object went with its last mapping");
	cr_assert_eq(vm_memory_committed(), recount(t));
	task_exit(t);
	cr_assert_eq(vm_memory_committed(), 0);
	assert_machine_sane();
}

TEST_ON_EVERY_PROFILE(overcommit, heuristic, heuristic)

/* Mode 1: anything, even more than RAM + swap in one request. */
static void always(const char *profile)
{
	struct task_struct *t = small_machine(profile, 1000);
	unsigned long base = vm_memory_committed(), ram = totalram_pages();
	sysctl_set("overcommit_memory", "1");
	long a = anon(t, (4 * ram) << PAGE_SHIFT, PROT_READ | PROT_WRITE, 0);
	cr_assert_gt(a, 0);
	cr_assert_eq(vm_memory_committed(), base + 4 * ram);
	cr_assert_gt(meminfo_value("Committed_AS:"), meminfo_value("CommitLimit:"));
	cr_assert_eq(task_munmap(t, (unsigned long)a, (4 * ram) << PAGE_SHIFT), 0);
	cr_assert_eq(vm_memory_committed(), base);
	task_exit(t);
	assert_machine_sane();
}

TEST_ON_EVERY_PROFILE(overcommit, always, always)

/*
 * Mode 2 to the page: Committed_AS may reach CommitLimit - 1 and no
 * further; MAP_NORESERVE is committed anyway; the admin reserve holds for
 * a user's task and not for root's; the user reserve keeps total_vm / 32.
 */
static void never_edges(const char *profile)
{
	struct task_struct *t = small_machine(profile, 1000);
	unsigned long base = vm_memory_committed();
	strict_with_limit_kb((base + 1000) << (PAGE_SHIFT - 10));
	cr_assert_eq(sysctl_get("overcommit_ratio"), 0, "writing kbytes zeroes the ratio");
	cr_assert_eq(meminfo_value("CommitLimit:"), (base + 1000) << (PAGE_SHIFT - 10));
	unsigned long maps = t->mm->map_count;
	cr_assert_eq(anon(t, 1000UL << PAGE_SHIFT, PROT_READ | PROT_WRITE, 0), -ENOMEM, "Committed_AS would reach the limit");
	cr_assert_eq(vm_memory_committed(), base);
	cr_assert_eq(t->mm->map_count, maps, "nothing changed");
	long a = anon(t, 999UL << PAGE_SHIFT, PROT_READ | PROT_WRITE, 0);
	cr_assert_gt(a, 0, "one page below the limit");
	cr_assert_eq(vm_memory_committed(), base + 999);
	cr_assert_eq(anon(t, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_NORESERVE), -ENOMEM, "MAP_NORESERVE is ignored in mode 2");
	long ro = anon(t, PAGE_SIZE, PROT_READ, 0);
	cr_assert_gt(ro, 0, "read-only memory needs no promise");
	cr_assert_eq(task_mprotect(t, (unsigned long)ro, PAGE_SIZE, PROT_READ | PROT_WRITE), -ENOMEM);
	struct vm_area_struct *v = find_vma(t->mm, (unsigned long)ro);
	cr_assert(!(v->vm_flags & (VM_WRITE | VM_ACCOUNT)), "the refused mprotect changed nothing");
	unsigned long brk0 = t->mm->brk;
	cr_assert_eq(task_brk(t, brk0 + PAGE_SIZE), brk0, "brk stays where it was");
	cr_assert_null(task_fork(t), "fork commits the parent's memory again");
	cr_assert_eq(vm_memory_committed(), base + 999);
	/* the admin reserve: 40 pages kept from a user, not from root */
	sysctl_set("admin_reserve_kbytes", "160");
	cr_assert_eq(task_munmap(t, (unsigned long)a, 999UL << PAGE_SHIFT), 0);
	cr_assert_eq(anon(t, 960UL << PAGE_SHIFT, PROT_READ | PROT_WRITE, 0), -ENOMEM);
	a = anon(t, 959UL << PAGE_SHIFT, PROT_READ | PROT_WRITE, 0);
	cr_assert_gt(a, 0);
	cr_assert_eq(task_munmap(t, (unsigned long)a, 959UL << PAGE_SHIFT), 0);
	t->uid = 0; /* CAP_SYS_ADMIN */
	a = anon(t, 999UL << PAGE_SHIFT, PROT_READ | PROT_WRITE, 0);
	cr_assert_gt(a, 0, "root may use the admin reserve");
	cr_assert_eq(task_munmap(t, (unsigned long)a, 999UL << PAGE_SHIFT), 0);
	/* the user reserve: min(total_vm / 32, user_reserve_kbytes) of the task */
	sysctl_set("user_reserve_kbytes", "1048576");
	unsigned long keep = t->mm->total_vm / 32;
	cr_assert_gt(keep, 0);
	cr_assert_eq(anon(t, (1000 - keep) << PAGE_SHIFT, PROT_READ | PROT_WRITE, 0), -ENOMEM);
	a = anon(t, (999 - keep) << PAGE_SHIFT, PROT_READ | PROT_WRITE, 0);
	cr_assert_gt(a, 0);
	cr_assert_eq(vm_memory_committed(), recount(t));
	task_exit(t);
	cr_assert_eq(vm_memory_committed(), 0);
	assert_machine_sane();
}

TEST_ON_EVERY_PROFILE(overcommit, never_edges, never_edges)

/* Ratio 0 and no swap: CommitLimit 0, nothing more is promised; swap raises the limit by its size. */
static void ratio_zero(const char *profile)
{
	struct task_struct *t = small_machine(profile, 1000);
	sysctl_set("overcommit_ratio", "0");
	sysctl_set("overcommit_memory", "2");
	cr_assert_eq(meminfo_value("CommitLimit:"), 0);
	cr_assert_eq(anon(t, PAGE_SIZE, PROT_READ | PROT_WRITE, 0), -ENOMEM);
	cr_assert_eq(kmm_swapon("/dev/vda", 16UL << 20, 0), 0);
	cr_assert_eq(meminfo_value("CommitLimit:"), meminfo_value("SwapTotal:"));
	long a = anon(t, PAGE_SIZE, PROT_READ | PROT_WRITE, 0);
	cr_assert_gt(a, 0);
	/* swapoff asks for the area's pages: what is committed must fit without them */
	cr_assert_eq(kmm_swapoff("/dev/vda"), -ENOMEM);
	cr_assert_eq(meminfo_value("SwapTotal:"), 16UL * 1024 - 4, "the area stays on");
	sysctl_set("overcommit_memory", "0");
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	task_exit(t);
	assert_machine_sane();
}

TEST_ON_EVERY_PROFILE(overcommit, ratio_zero, ratio_zero)

/* kbytes overrides the ratio and the ratio the kbytes, each write zeroing the other. */
Test(overcommit, kbytes_and_ratio_replace_each_other)
{
	small_machine("i386", 1000);
	sysctl_set("overcommit_kbytes", "4096");
	cr_assert_eq(sysctl_get("overcommit_ratio"), 0);
	cr_assert_eq(meminfo_value("CommitLimit:"), 4096);
	sysctl_set("overcommit_ratio", "100");
	cr_assert_eq(sysctl_get("overcommit_kbytes"), 0);
	cr_assert_eq(meminfo_value("CommitLimit:"), totalram_pages() << (PAGE_SHIFT - 10));
	sysctl_set("overcommit_kbytes", "0"); /* a write of 0 still zeroes the ratio */
	cr_assert_eq(sysctl_get("overcommit_ratio"), 0);
	cr_assert_eq(meminfo_value("CommitLimit:"), 0);
}

/* What the handlers refuse, refused with nothing changed. */
Test(overcommit, sysctl_hostile_input)
{
	small_machine("x86_64", 1000);
	const char *bad_mode[] = { "3", "-1", "", "two", "0x", "99999999999999999999", "1 2" };
	for (size_t i = 0; i < ARRAY_SIZE(bad_mode); i++)
		cr_assert_eq(kmm_proc_write("sys/vm/overcommit_memory", bad_mode[i]), -EINVAL, "\"%s\"", bad_mode[i]);
	cr_assert_eq(sysctl_get("overcommit_memory"), 0);
	const char *bad_ulong[] = { "-5", "", "x", "18446744073709551616", "+-1" };
	for (size_t i = 0; i < ARRAY_SIZE(bad_ulong); i++) {
		cr_assert_eq(kmm_proc_write("sys/vm/overcommit_kbytes", bad_ulong[i]), -EINVAL, "\"%s\"", bad_ulong[i]);
		cr_assert_eq(kmm_proc_write("sys/vm/user_reserve_kbytes", bad_ulong[i]), -EINVAL, "\"%s\"", bad_ulong[i]);
	}
	cr_assert_eq(sysctl_get("overcommit_kbytes"), 0);
	cr_assert_eq(sysctl_get("overcommit_ratio"), 50, "a refused kbytes write does not zero the ratio");
	cr_assert_eq(kmm_proc_write("sys/vm/overcommit_ratio", "2147483648"), -EINVAL);
	sysctl_set("overcommit_ratio", "-5"); /* proc_dointvec takes any int */
	cr_assert_eq(sysctl_get("overcommit_ratio"), -5);
	sysctl_set("overcommit_memory", " 2\n");
	cr_assert_eq(sysctl_get("overcommit_memory"), 2);
}

/*
 * brk, mremap (in place, moved, shrunk), mprotect and stack growth keep
 * Committed_AS equal to the recount; a refused growth changes nothing.
 */
static void callers_keep_the_count(const char *profile)
{
	struct task_struct *t = small_machine(profile, 1000);
	unsigned long brk0 = t->mm->brk;
	cr_assert_eq(task_brk(t, brk0 + (64 << 10)), brk0 + (64 << 10));
	cr_assert_eq(vm_memory_committed(), recount(t));
	cr_assert_eq(task_brk(t, brk0 + (16 << 10)), brk0 + (16 << 10));
	cr_assert_eq(vm_memory_committed(), recount(t), "brk shrinking gives back");
	long a = anon(t, 64 << 10, PROT_READ | PROT_WRITE, 0);
	cr_assert_gt(a, 0);
	long r = task_mremap(t, (unsigned long)a, 64 << 10, 128 << 10, MREMAP_MAYMOVE, 0);
	cr_assert_gt(r, 0);
	cr_assert_eq(vm_memory_committed(), recount(t), "mremap growing");
	/* a hole above it so the next growth must move */
	long blocker = task_mmap(t, r + (128 << 10), PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	cr_assert_eq(blocker, r + (128 << 10));
	long moved = task_mremap(t, (unsigned long)r, 128 << 10, 256 << 10, MREMAP_MAYMOVE, 0);
	cr_assert_gt(moved, 0);
	cr_assert_neq(moved, r);
	cr_assert_eq(vm_memory_committed(), recount(t), "mremap moving and growing");
	cr_assert_eq(task_mremap(t, (unsigned long)moved, 256 << 10, 32 << 10, 0, 0), moved);
	cr_assert_eq(vm_memory_committed(), recount(t), "mremap shrinking");
	long fixed = task_mremap(t, (unsigned long)moved, 32 << 10, 16 << 10, MREMAP_MAYMOVE | MREMAP_FIXED, (unsigned long)a);
	cr_assert_eq(fixed, a);
	cr_assert_eq(vm_memory_committed(), recount(t), "mremap moving and shrinking");
	long ro = anon(t, 32 << 10, PROT_READ, 0);
	cr_assert_eq(task_mprotect(t, (unsigned long)ro + PAGE_SIZE, PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
	cr_assert_eq(vm_memory_committed(), recount(t), "mprotect splitting and committing");
	cr_assert_eq(task_mprotect(t, (unsigned long)ro, 32 << 10, PROT_READ), 0);
	cr_assert_eq(vm_memory_committed(), recount(t), "made read-only, still committed");
	/* the stack grows by a fault below it: committed too */
	unsigned long before = vm_memory_committed();
	struct vm_area_struct *stack = find_vma(t->mm, t->mm->start_stack);
	unsigned long below = stack->vm_start - 8 * PAGE_SIZE;
	char byte = 1;
	cr_assert_eq(task_write(t, below, &byte, 1), 0);
	cr_assert_eq(vm_memory_committed(), before + 8);
	cr_assert_eq(vm_memory_committed(), recount(t));
	/* in mode 2 with no room, a growth is refused and the count stays */
	strict_with_limit_kb(vm_memory_committed() << (PAGE_SHIFT - 10));
	before = vm_memory_committed();
	cr_assert_eq(task_mremap(t, (unsigned long)fixed, 16 << 10, 1 << 20, MREMAP_MAYMOVE, 0), -ENOMEM);
	cr_assert_eq(task_brk(t, t->mm->brk + (1 << 20)), brk0 + (16 << 10));
	cr_assert_neq(task_write(t, below - 8 * PAGE_SIZE, &byte, 1), 0, "the stack cannot grow");
	cr_assert_eq(vm_memory_committed(), before);
	cr_assert_eq(vm_memory_committed(), recount(t));
	task_exit(t);
	cr_assert_eq(vm_memory_committed(), 0);
	assert_machine_sane();
}

TEST_ON_EVERY_PROFILE(overcommit, callers_keep_the_count, callers_keep_the_count)

/*
 * The reference kernels' meminfo: CommitLimit is their MemTotal * 50 / 100
 * in pages plus SwapTotal (the formula kmm uses), and a machine booted like
 * them prints it from its own MemTotal, after PageTables and before
 * VmallocTotal as they do.
 */
static unsigned long field_kb(const char *text, const char *field)
{
	const char *at = strstr(text, field);
	cr_assert_not_null(at, "no %s", field);
	return strtoul(at + strlen(field), NULL, 10);
}

static void commit_limit_like_ref(const char *machine)
{
	char *mi = ref_file(machine, "meminfo.txt");
	unsigned long total = field_kb(mi, "MemTotal:"), swap = field_kb(mi, "SwapTotal:");
	cr_assert_eq(field_kb(mi, "CommitLimit:"), ((total >> 2) * 50 / 100 << 2) + swap, "%s", machine);
	boot_like_ref(machine, NULL);
	char *got = kmm_proc_read("meminfo");
	cr_assert_eq(field_kb(got, "CommitLimit:"), ((field_kb(got, "MemTotal:") >> 2) * 50 / 100 << 2), "%s", machine);
	cr_assert_lt(strstr(mi, "CommitLimit:"), strstr(mi, "Committed_AS:"));
	cr_assert_lt(strstr(got, "CommitLimit:"), strstr(got, "Committed_AS:"));
	free(got);
	free(mi);
}

Test(overcommit, commit_limit_i386_pae_512M) { commit_limit_like_ref("i386-pae-512M"); }
Test(overcommit, commit_limit_i386_686_1G) { commit_limit_like_ref("i386-686-1G"); }
Test(overcommit, commit_limit_x86_64_512M) { commit_limit_like_ref("x86_64-512M"); }

/* sysctl.vm.overcommit_*= on the command line: written at the end of boot in their order, checked by the handlers. */
Test(overcommit, boot_parameters)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "i386";
	p.mem_bytes = 64ULL << 20;
	p.cmdline = "sysctl.vm.overcommit_ratio=80 sysctl.vm.overcommit_memory=2 sysctl.vm.overcommit_kbytes=4096 "
		    "sysctl.vm.admin_reserve_kbytes=0";
	boot_or_fail(&p);
	cr_assert_eq(sysctl_get("overcommit_memory"), 2);
	cr_assert_eq(sysctl_get("overcommit_kbytes"), 4096);
	cr_assert_eq(sysctl_get("overcommit_ratio"), 0, "kbytes came after the ratio, and zeroed it");
	cr_assert_eq(sysctl_get("admin_reserve_kbytes"), 0);
	cr_assert_eq(meminfo_value("CommitLimit:"), 4096);
	kmm_shutdown();
	p.cmdline = "sysctl.vm.overcommit_memory=7 sysctl.vm.overcommit_kbytes=-1";
	boot_or_fail(&p);
	cr_assert_not_null(strstr(kmm_dmesg(), "Failed to set sysctl parameter 'vm.overcommit_memory=7': invalid value\n"),
			   "%s", kmm_dmesg());
	cr_assert_not_null(strstr(kmm_dmesg(), "Failed to set sysctl parameter 'vm.overcommit_kbytes=-1': invalid value\n"));
	cr_assert_eq(sysctl_get("overcommit_memory"), 0);
	cr_assert_eq(sysctl_get("overcommit_ratio"), 50);
}
