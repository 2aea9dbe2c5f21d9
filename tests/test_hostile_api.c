/*
 * test_hostile_api.c - what the C API fuzz target (fuzz/fuzz_api.c) found,
 * each as a regression test: the call, the answer Linux gives, and the
 * machine unchanged and sane after it.
 */
#include "kmm_test.h"

#include <kmm/fs.h>
#include <kmm/task.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(hostile_api, .fini = fini, .timeout = 60);

/* An exited task has no file table: open(2) on it made one that nothing ever closed (a leak). */
Test(hostile_api, exited_task_opens_nothing)
{
	struct task_struct *t = boot_with_task("i386", "gone", "/bin/gone", 0x3000, 0x1000, 0x1000);
	cr_assert_eq(kmm_file_create("/data/f", NULL, 8192), 0);
	struct task_struct *ref = get_pid_task(t->pid);
	task_exit(t);
	cr_assert_eq(task_open(ref, "/data/f", O_RDONLY), -EINVAL);
	cr_assert_eq(ref->max_fds, 0, "a file table was made for an exited task");
	cr_assert_eq(task_mmap(ref, 0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), -EINVAL);
	cr_assert_eq(task_brk(ref, 0x10000000UL), 0);
	cr_assert_null(task_fork(ref));
	cr_assert_null(task_user_ptr(ref, 0x10000000UL));
	cr_assert_eq(mm_access(ref, 0x10000000UL, 1, true), -EINVAL);
	put_task_struct(ref);
	cr_assert_eq(kmm_file_unlink("/data/f"), 0);
	assert_machine_sane();
}

static char *maps_text(struct task_struct *t)
{
	char path[32];
	snprintf(path, sizeof(path), "%d/maps", t->pid);
	char *text = kmm_proc_read(path);
	cr_assert_not_null(text);
	return text;
}

/*
 * mremap with lengths whose sums wrap: addr + old_len wrapped below the
 * VMA's end and passed as "inside one VMA", and the page-table move then
 * walked tables that were already freed (ASan: use-after-poison in
 * move_page_tables).  6.1 compares old_len > vm_end - addr (-EFAULT) and
 * refuses a new length beyond TASK_SIZE (-ENOMEM, or -EINVAL with
 * MREMAP_FIXED).
 */
static void mremap_wrapping_lengths(const char *profile)
{
	struct task_struct *t = boot_with_task(profile, "mr", "/bin/mr", 0x3000, 0x1000, 0x1000);
	unsigned long top = t->mm->task_size;
	char *before = maps_text(t);
	cr_assert_eq(task_mremap(t, top - 4 * 4096, ~0UL - 0x4000, 0x7fffc000, MREMAP_MAYMOVE | MREMAP_FIXED, 0x10000000),
		     -EFAULT);
	cr_assert_eq(task_mremap(t, top - 4 * 4096, ~0UL - 0x4000, 8192, 0, 0), -EFAULT);
	long a = task_mmap(t, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	cr_assert_eq(mm_access(t, (unsigned long)a, 4096, true), 0);
	cr_assert_eq(task_mremap(t, (unsigned long)a, 4096, ~0UL - 8191, MREMAP_MAYMOVE, 0), -ENOMEM);
	cr_assert_eq(task_mremap(t, (unsigned long)a, 4096, ~0UL - 8191, MREMAP_MAYMOVE | MREMAP_FIXED, 0x10000000), -EINVAL);
	cr_assert_eq(task_munmap(t, (unsigned long)a, 4096), 0);
	char *after = maps_text(t);
	cr_assert_str_eq(after, before, "a refused mremap changed the maps");
	free(before);
	free(after);
	char why[200];
	cr_assert_eq(mm_verify(t->mm, why, sizeof(why)), 0, "%s", why);
	task_exit(t);
	assert_machine_sane();
}

TEST_ON_EVERY_PROFILE(hostile_api, mremap_wrapping_lengths, mremap_wrapping_lengths)
