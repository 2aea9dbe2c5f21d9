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
