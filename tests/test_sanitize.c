/*
 * test_sanitize.c - simulated RAM is visible to ASan and Valgrind
 * (sim/track.h): a use of a freed kmalloc object or of a freed page,
 * and a read past the size a kmalloc asked for, are reported by the
 * host tool.
 *
 * A report ends the process (ASan aborts), so the offending access runs
 * in a child: this test binary run again with KMM_SANITIZE_CHILD=name,
 * which a constructor catches before Criterion starts, boots a machine,
 * does the one thing and exits.  The test reads the child's stderr.
 * A build without a tool has nothing to watch, so the tests exist only in
 * tool builds: `make test` runs them in its ASan+UBSan pass, `make
 * test-valgrind` under memcheck (a Valgrind build not running under
 * valgrind skips them).
 */
#include "kmm_test.h"

#include <kmm/slab.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/track.h"

extern char **environ;

#if KMM_TRACK

/* ---- the child -------------------------------------------------------------------------- */

static void child_boot(const char *cmdline)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.mem_bytes = 256ULL << 20;
	p.cmdline = cmdline;
	char err[256];
	if (kmm_boot(&p, err, sizeof(err))) {
		fprintf(stderr, "child: %s\n", err);
		_exit(3);
	}
}

static __attribute__((noinline)) void child_read(const volatile char *p)
{
	char c = *p;
	(void)c;
}

/* The one bad thing each child does; it prints "survived" when nothing stopped it. */
static void run_child(const char *what)
{
	if (!strcmp(what, "uaf-kmalloc") || !strcmp(what, "uaf-kasan-off")) {
		child_boot(!strcmp(what, "uaf-kasan-off") ? "kasan=off" : NULL);
		char *p = kmalloc(100, GFP_KERNEL);
		p[0] = 1;
		kfree(p);
		child_read(p + 8);
	} else if (!strcmp(what, "uaf-page")) {
		child_boot(NULL);
		struct page *page = alloc_page(GFP_KERNEL);
		char *va = page_address(page);
		va[0] = 1;
		__free_page(page);
		child_read(va + 100);
	} else if (!strcmp(what, "kmalloc-tail")) {
		child_boot(NULL);
		char *p = kmalloc(100, GFP_KERNEL); /* a kmalloc-128 object: 28 bytes nobody asked for */
		child_read(p + 100);
		kfree(p);
	} else if (!strcmp(what, "ksize-whole")) {
		child_boot(NULL);
		char *p = kmalloc(100, GFP_KERNEL);
		size_t ks = ksize(p); /* the caller may use all of it now, as in Linux */
		child_read(p + ks - 1);
		p = krealloc(p, 50, GFP_KERNEL); /* in place: the tail is off limits again */
		child_read(p + 49);
		kfree(p);
	} else if (!strcmp(what, "large-tail")) {
		child_boot(NULL);
		char *p = kmalloc(3 * PAGE_SIZE, GFP_KERNEL); /* pages: the fourth is the tail */
		child_read(p + 3 * PAGE_SIZE - 1);
		child_read(p + 3 * PAGE_SIZE);
		kfree(p);
	} else {
		fprintf(stderr, "child: no such case %s\n", what);
		_exit(3);
	}
	kmm_shutdown();
	printf("survived\n");
	fflush(stdout);
	_exit(0);
}

__attribute__((constructor)) static void sanitize_child(void)
{
	const char *what = getenv("KMM_SANITIZE_CHILD");
	if (what)
		run_child(what);
}

/* ---- the tests ---------------------------------------------------------------------------- */

static bool tool_watches(void)
{
#if KMM_TRACK_ASAN
	return true;
#elif KMM_TRACK_VALGRIND
	return RUNNING_ON_VALGRIND;
#else
	return false;
#endif
}

/* What the tool says about a bad read of one byte. */
static const char *tool_report(void)
{
	return KMM_TRACK_ASAN ? "ERROR: AddressSanitizer: use-after-poison" : "Invalid read of size 1";
}

/* Run this binary as the child `what`; its stdout and stderr together; *status its exit status. */
static char *spawn_child(const char *what, int *status)
{
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	char var[128];
	snprintf(var, sizeof(var), "KMM_SANITIZE_CHILD=%s", what);
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 2, sizeof(*env));
	memcpy(env, environ, n * sizeof(*env));
	env[n] = var;
	char self[4096];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	cr_assert_gt(len, 0);
	self[len] = 0;
	char *argv[] = { self, NULL };
	pid_t pid;
	int ret = posix_spawn(&pid, self, &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	close(fds[1]);
	cr_assert_eq(ret, 0, "posix_spawn: %s", strerror(ret));
	struct strbuf sb = { 0 };
	char buf[4096];
	ssize_t got;
	while ((got = read(fds[0], buf, sizeof(buf) - 1)) > 0) {
		buf[got] = 0;
		sb_printf(&sb, "%s", buf);
	}
	close(fds[0]);
	cr_assert_eq(waitpid(pid, status, 0), pid);
	return sb_detach(&sb);
}

/* The child's access is reported by the tool, at the line that made it. */
static void expect_reported(const char *what)
{
	if (!tool_watches())
		cr_skip_test("a Valgrind build not running under valgrind: nothing to watch (make test-valgrind)");
	int status;
	char *out = spawn_child(what, &status);
	cr_assert_not_null(strstr(out, tool_report()), "%s: no report from %s:\n%s", what, track_tool(), out);
	cr_assert_not_null(strstr(out, "test_sanitize.c:"), "the report names the line of the access:\n%s", out);
	if (KMM_TRACK_ASAN)
		cr_assert(WIFEXITED(status) && WEXITSTATUS(status) != 0, "ASan stops the child");
	free(out);
}

/* The child's accesses are all fine: no report, and it runs to the end. */
static void expect_silent(const char *what)
{
	if (!tool_watches())
		cr_skip_test("a Valgrind build not running under valgrind: nothing to watch (make test-valgrind)");
	int status;
	char *out = spawn_child(what, &status);
	cr_assert_null(strstr(out, tool_report()), "%s: a report where none was due:\n%s", what, out);
	cr_assert_not_null(strstr(out, "survived"), "%s:\n%s", what, out);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(out);
}

Test(sanitize, use_after_free_of_a_kmalloc_object_is_reported)
{
	expect_reported("uaf-kmalloc");
}

Test(sanitize, use_after_free_of_a_page_is_reported)
{
	expect_reported("uaf-page");
}

Test(sanitize, read_past_the_requested_size_of_a_kmalloc_is_reported)
{
	expect_reported("kmalloc-tail");
}

Test(sanitize, read_past_a_large_kmalloc_is_reported)
{
	expect_reported("large-tail");
}

Test(sanitize, ksize_opens_the_whole_object)
{
	expect_silent("ksize-whole");
}

Test(sanitize, kasan_off_tells_the_tool_nothing)
{
	expect_silent("uaf-kasan-off");
}

#if KMM_TRACK_ASAN
/* A second free of an object is refused with KASAN's report, and the freelist stays whole. */
Test(sanitize, double_free_is_reported_in_kasan_words)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.mem_bytes = 256ULL << 20;
	boot_or_fail(&p);
	struct kmm_usage boot;
	kmm_usage_settle(&boot);
	char *a = kmalloc(64, GFP_KERNEL), *b = kmalloc(64, GFP_KERNEL);
	kfree(a);
	kfree(b);
	unsigned long bugs = M->slab_bugs;
	kfree(a); /* not the freelist's head: SLUB's naive check would miss it */
	cr_assert_eq(M->slab_bugs, bugs + 1);
	cr_assert_not_null(strstr(kmm_dmesg(), "BUG: KASAN: double-free in "), "%s", kmm_dmesg());
	cr_assert_not_null(strstr(kmm_dmesg(), "which belongs to the cache kmalloc-64 of size 64"));
	char *c = kmalloc(64, GFP_KERNEL), *d = kmalloc(64, GFP_KERNEL);
	cr_assert_neq(c, d, "the object is on the freelist once");
	kfree(c);
	kfree(d);
	char why[256];
	cr_assert_eq(kmm_nothing_lost(&boot, why, sizeof(why)), 0, "%s", why);
	kmm_shutdown();
}
#endif /* KMM_TRACK_ASAN */
#endif /* KMM_TRACK */
