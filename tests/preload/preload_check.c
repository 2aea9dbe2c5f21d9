/*
 * preload_check.c - a program run under libkmm-preload.so by tests/preload.sh:
 * the malloc family's answers, threads on fewer CPUs, a signal handler that
 * allocates, the program's own SIGSEGV handler, fork (the child's heap is
 * its own), exec, and exit with the heap still full.  Each check prints
 * "ok NAME" or "FAIL NAME: why"; the status is the number of failures.
 *
 *   preload_check            every check
 *   preload_check leak N     leave N 100-byte objects from leak_some() and an 8 MiB area from leak_big()
 *                            (the leak report's test)
 *   preload_check oom        allocate 100 B, 100 kB and 20 MB objects until NULL (run on a small machine):
 *                            each ends with ENOMEM, and after freeing malloc works again
 *   preload_check doublefree free a 40-byte object twice (with slub_debug: SLUB's report, and the program goes on)
 *   preload_check dump DIR   raise SIGUSR2 (KMM_DUMP_SIGNAL=USR2) and wait up to 10 s for DIR/meminfo
 *   preload_check single     the family, signals, SIGSEGV and fork with one thread (it keeps its CPU between calls)
 *   preload_check child      what the exec check runs: prints "exec ok" and whether its heap is kmm's
 *   preload_check steps N    (KMM_MOUNT, tests/mount.sh) says "step 0", then N times allocates 2000 200-byte
 *                            objects (kmalloc-cg-256) and says "step I", then frees them all and says "freed";
 *                            after each line it waits for a line on stdin, while the test reads the mount.
 *                            After step 1 a forked child allocates and exits: the mount stays the parent's
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *name, const char *why)
{
	if (ok) {
		printf("ok %s\n", name);
	} else {
		printf("FAIL %s: %s\n", name, why);
		failures++;
	}
	fflush(stdout);
}

/* Is p inside a mapping of kmm's RAM memfd (the direct map) or a kmm window mirror? Read from /proc/self/maps. */
static int in_kmm_ram(const void *p)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int found = 0;
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && (uintptr_t)p >= lo && (uintptr_t)p < hi &&
		    strstr(line, "memfd:kmm-ram"))
			found = 1;
	}
	if (f)
		fclose(f);
	return found;
}

static void check_family(void)
{
	char *p = malloc(100);
	check(p && in_kmm_ram(p), "malloc-from-kmm", "malloc(100) is not in kmm's RAM");
	memset(p, 'a', 100);
	size_t us = malloc_usable_size(p);
	check(us >= 100 && us <= 128, "usable-size", "malloc_usable_size(100-byte object) is not its kmalloc-128 slot");
	p = realloc(p, 5000);
	int same = p != NULL;
	for (int i = 0; p && i < 100; i++)
		same &= p[i] == 'a';
	check(same, "realloc-grow", "realloc lost the bytes");
	free(p);
	unsigned char *z = calloc(1000, 7);
	int zero = z != NULL;
	for (int i = 0; z && i < 7000; i++)
		zero &= !z[i];
	check(zero, "calloc-zero", "calloc's memory is not zero");
	free(z);
	volatile size_t half = SIZE_MAX / 2; /* volatile: the compiler must not see the overflow coming */
	errno = 0;
	check(!calloc(half, 4) && errno == ENOMEM, "calloc-overflow", "no ENOMEM");
	errno = 0;
	check(!reallocarray(NULL, half, 4) && errno == ENOMEM, "reallocarray-overflow", "no ENOMEM");
	errno = 0;
	volatile size_t huge = (size_t)3 << 30;
	check(!malloc(huge) && errno == ENOMEM, "malloc-too-big", "3 GiB did not fail with ENOMEM");
	int aligned = 1;
	for (size_t a = 16; a <= (2u << 20); a <<= 1) {
		void *q = NULL;
		if (posix_memalign(&q, a, 24) || ((uintptr_t)q & (a - 1)))
			aligned = 0;
		free(q);
	}
	check(aligned, "posix_memalign", "an alignment from 16 B to 2 MiB was not honoured");
	void *q = aligned_alloc(64, 64), *v = valloc(10), *pv = pvalloc(5000);
	check(q && !((uintptr_t)q & 63) && v && !((uintptr_t)v & 4095) && pv && !((uintptr_t)pv & 4095) &&
		      malloc_usable_size(pv) >= 8192,
	      "aligned_alloc-valloc-pvalloc", "misaligned or short");
	free(q);
	free(v);
	free(pv);
	check(posix_memalign(&q, 24, 8) == EINVAL, "posix_memalign-einval", "alignment 24 accepted");
	/* 16 MiB: above the largest buddy block, so vmalloc; the host mirror makes it plain memory */
	size_t big = 16u << 20;
	char *b = malloc(big);
	int ok = b != NULL;
	for (size_t i = 0; b && i < big; i += 4096)
		b[i] = (char)i;
	for (size_t i = 0; b && i < big; i += 4096)
		ok &= b[i] == (char)i;
	check(ok, "vmalloc-16M", "a 16 MiB buffer did not keep its bytes");
	free(b);
	struct mallinfo2 mi = mallinfo2();
	check(mi.arena > 0 && malloc_trim(0) == 1, "mallinfo2-malloc_trim", "no slab bytes, or trim refused");
}

/* ---- threads: more than the CPUs, freeing each other's objects ---- */

#define NTHREADS 8
static void *shared[NTHREADS][256];

static void *thread_run(void *arg)
{
	long t = (long)arg;
	for (int round = 0; round < 200; round++) {
		for (int i = 0; i < 256; i++) {
			size_t n = (size_t)(16 + (i * 37 + round) % 3000);
			char *p = malloc(n);
			if (!p)
				return (void *)1;
			memset(p, (int)t, n);
			void *old = __atomic_exchange_n(&shared[(t + i) % NTHREADS][i], p, __ATOMIC_ACQ_REL);
			free(old); /* often another thread's object */
		}
	}
	return NULL;
}

static void check_threads(void)
{
	pthread_t th[NTHREADS];
	long bad = 0;
	for (long t = 0; t < NTHREADS; t++)
		pthread_create(&th[t], NULL, thread_run, (void *)t);
	for (int t = 0; t < NTHREADS; t++) {
		void *r;
		pthread_join(th[t], &r);
		bad += r != NULL;
	}
	for (int t = 0; t < NTHREADS; t++)
		for (int i = 0; i < 256; i++) {
			free(shared[t][i]);
			shared[t][i] = NULL;
		}
	check(!bad, "threads", "an allocation failed");
}

/* ---- a signal handler that allocates ---- */

static volatile sig_atomic_t handled;
static void *kept[64];

static void on_alarm(int sig)
{
	(void)sig;
	void *p = malloc(200);
	memset(p, 1, 200);
	if (handled < 64)
		kept[handled] = p; /* freed outside the handler */
	else
		free(p);
	handled++;
}

static void check_signals(void)
{
	signal(SIGALRM, on_alarm);
	struct itimerval it = { { 0, 200 }, { 0, 200 } };
	setitimer(ITIMER_REAL, &it, NULL);
	for (int i = 0; i < 300000 && handled < 200; i++) {
		void *p = malloc((size_t)(i % 500) + 1);
		free(p);
	}
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	for (int i = 0; i < 64; i++)
		free(kept[i]);
	check(handled > 0, "signal-handler-allocates", "the timer never fired");
}

/* ---- the program's own SIGSEGV handler ---- */

static sigjmp_buf segv_jump;
static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(segv_jump, 1);
}

static void check_segv(void)
{
	struct sigaction sa = { 0 };
	sa.sa_handler = on_segv;
	sigaction(SIGSEGV, &sa, NULL);
	size_t big = 8u << 20;
	char *b = malloc(big); /* vmalloc'd: its first touches trap into kmm, not into on_segv */
	int ok = b != NULL;
	for (size_t i = 0; b && i < big; i += 4096)
		b[i] = 1;
	free(b);
	volatile int caught = 0;
	if (!sigsetjmp(segv_jump, 1))
		*(volatile int *)16 = 1;
	else
		caught = 1;
	signal(SIGSEGV, SIG_DFL);
	check(ok && caught, "program-sigsegv-handler", "the program's handler did not get its own fault");
}

/* ---- fork: parent and child do not share the heap ---- */

static void check_fork(void)
{
	char *p = malloc(4096);
	memset(p, 'P', 4096);
	int fds[2];
	if (pipe(fds))
		return;
	pid_t pid = fork();
	if (pid == 0) {
		int ok = p[0] == 'P' && p[4095] == 'P'; /* the parent's bytes at fork time */
		memset(p, 'C', 4096);
		for (int i = 0; i < 10000; i++)
			free(malloc(64)); /* the child's own allocator state */
		void *keep[100];
		for (int i = 0; i < 100; i++)
			keep[i] = malloc(1000);
		(void)keep;
		char c = ok ? 'y' : 'n';
		if (write(fds[1], &c, 1) != 1)
			_exit(2);
		_exit(0); /* with its heap full */
	}
	char c = 0;
	if (read(fds[0], &c, 1) != 1)
		c = '?';
	int status;
	waitpid(pid, &status, 0);
	int ok = c == 'y' && p[0] == 'P' && p[4095] == 'P' && WIFEXITED(status) && !WEXITSTATUS(status);
	/* and the parent's allocator still works after the child wrote its own */
	for (int i = 0; i < 1000; i++)
		free(malloc(64));
	check(ok, "fork-private-heap", c != 'y' ? "the child did not see the parent's bytes" : "the parent's bytes changed");
	free(p);
	close(fds[0]);
	close(fds[1]);
}

static void check_exec(const char *self)
{
	int fds[2];
	if (pipe(fds))
		return;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		execl(self, self, "child", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	char buf[128] = { 0 };
	ssize_t n = read(fds[0], buf, sizeof(buf) - 1);
	int status;
	waitpid(pid, &status, 0);
	close(fds[0]);
	check(n > 0 && strstr(buf, "exec ok kmm") && WIFEXITED(status) && !WEXITSTATUS(status), "fork-exec",
	      "the exec'd program did not run on a machine of its own");
}

static void check_oom(void)
{
	static const size_t sizes[] = { 100, 100000, 20000000 };
	for (int i = 0; i < 3; i++) {
		void *head = NULL, *p;
		size_t n = 0;
		errno = 0;
		while ((p = malloc(sizes[i]))) {
			memset(p, 1, sizes[i] < 4096 ? sizes[i] : 4096);
			*(void **)p = head;
			head = p;
			n++;
		}
		int enomem = errno == ENOMEM;
		while (head) {
			void *next = *(void **)head;
			free(head);
			head = next;
		}
		p = malloc(sizes[i]);
		char name[64];
		snprintf(name, sizeof(name), "oom-%zu", sizes[i]);
		check(n > 0 && enomem && p, name, "no ENOMEM at the end, or no memory after freeing");
		free(p);
	}
}

__attribute__((noinline)) static void leak_some(int n)
{
	for (int i = 0; i < n; i++) {
		char *p = malloc(100);
		snprintf(p, 100, "leaked %d", i);
		__asm__ volatile("" ::"r"(p) : "memory");
	}
}

__attribute__((noinline)) static void leak_big(void)
{
	char *p = malloc(8u << 20); /* above the largest buddy block: a vmalloc area */
	p[0] = 1;
	__asm__ volatile("" ::"r"(p) : "memory");
}

__attribute__((noinline)) static void double_free(void)
{
	char *volatile p = malloc(40); /* volatile: the compiler must not see the bug coming */
	strcpy(p, "hello");
	free(p);
	free(p);
}

/* tests/mount.sh's program: allocations in steps, a line on stdout after each, a line on stdin to go on. */
static int alloc_steps(int steps)
{
	enum { PER_STEP = 2000 };
	char **objs = calloc((size_t)steps * PER_STEP + 1, sizeof(char *));
	char line[64];
	printf("step 0\n");
	fflush(stdout);
	if (!objs || !fgets(line, sizeof(line), stdin))
		return 1;
	for (int s = 1; s <= steps; s++) {
		for (int i = 0; i < PER_STEP; i++) {
			objs[(s - 1) * PER_STEP + i] = malloc(200);
			memset(objs[(s - 1) * PER_STEP + i], s, 200);
		}
		if (s == 1) {
			pid_t pid = fork(); /* the child's exit must neither unmount nor stop the parent's serving */
			if (!pid) {
				free(malloc(100));
				exit(0);
			}
			waitpid(pid, NULL, 0);
		}
		printf("step %d\n", s);
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			return 1;
	}
	for (int i = 0; i < steps * PER_STEP; i++)
		free(objs[i]);
	free(objs);
	printf("freed\n");
	fflush(stdout);
	return fgets(line, sizeof(line), stdin) ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "steps"))
		return alloc_steps(atoi(argv[2]));
	if (argc > 2 && !strcmp(argv[1], "dump")) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/meminfo", argv[2]);
		raise(SIGUSR2);
		for (int i = 0; i < 1000 && access(path, R_OK); i++)
			usleep(10000);
		printf("%s\n", access(path, R_OK) ? "no views" : "views written while running");
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "doublefree")) {
		double_free();
		puts("still running");
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "child")) {
		void *p = malloc(32);
		printf("exec ok %s\n", in_kmm_ram(p) ? "kmm" : "libc");
		free(p);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "single")) {
		check_family();
		check_signals();
		check_segv();
		check_fork();
		return failures;
	}
	if (argc > 2 && !strcmp(argv[1], "threads")) {
		for (int i = atoi(argv[2]); i > 0; i--)
			check_threads();
		return failures;
	}
	if (argc > 1 && !strcmp(argv[1], "oom")) {
		check_oom();
		return failures;
	}
	if (argc > 2 && !strcmp(argv[1], "leak")) {
		leak_some(atoi(argv[2]));
		leak_big();
		return 0;
	}
	check_family();
	check_threads();
	check_signals();
	check_segv();
	check_fork();
	check_exec(argv[0]);
	for (int i = 0; i < 1000; i++)
		(void)!malloc(50); /* exit with the heap full */
	return failures;
}
