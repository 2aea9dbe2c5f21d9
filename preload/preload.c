/*
 * preload.c - libkmm-preload.so: a real program's malloc served by kmm.
 *
 *     LD_PRELOAD=build/libkmm-preload.so KMM_PROFILE=x86_64 python3 ...
 *
 * The library's constructor boots a machine (KMM_PROFILE, KMM_MEM,
 * KMM_CMDLINE, KMM_CPUS, KMM_SEED) and from then on the program's heap is
 * the machine's kernel heap.  The program is the machine's kernel code, in
 * effect: every malloc is a kmalloc with GFP_KERNEL_ACCOUNT (a kernel
 * allocation on behalf of a process, as a syscall's buffers are: it may
 * sleep, reclaim and fail, and is charged to kmalloc-cg-* caches):
 *
 *   size <= KMALLOC_MAX_CACHE_SIZE   kmalloc, a kmalloc-cg-N object; SLUB's
 *                                    alloc track names the program's caller
 *   larger                           kvmalloc: kmalloc_large (buddy pages,
 *                                    __GFP_NORETRY) and, failing that or
 *                                    above MAX_ORDER, vmalloc, whose host
 *                                    mirror makes it ordinary memory
 *   above INT_MAX                    refused, as kvmalloc refuses it
 *
 * and what the allocator answers is what the program gets: NULL with
 * errno ENOMEM after reclaim (and the OOM killer's choice, when the
 * machine has tasks to choose from) - never a crash of kmm.  Objects are
 * at least 16 bytes (the host ABI's max_align_t); a power-of-two kmalloc
 * is naturally aligned (6.1's guarantee), which memalign and friends use;
 * alignments above a page come from buddy blocks of that order.
 *
 * Who serves a call:
 *   - kmm, once booted, for a thread that is not inside kmm;
 *   - the host's libc, found by dlsym(RTLD_NEXT) - before the machine is
 *     up, while it boots, for kmm's own host allocations (a thread inside
 *     kmm: in_kmm), and for a signal handler that interrupted kmm;
 *   - a small static arena while dlsym itself is being resolved (dlsym
 *     may calloc).
 * free() and realloc() send a pointer back to its owner by address: the
 * direct map or the vmalloc window is kmm's, the arena is the arena's,
 * anything else libc's.  A kmm pointer freed by a signal handler that
 * interrupted kmm is queued on the thread and freed when kmm is left.
 *
 * kmm's own threads (deferred struct page init, the KMM_DUMP_SIGNAL
 * dumper) are created from inside kmm, and pthread_create (wrapped) makes
 * them libc's clients for good.
 *
 * Threads and CPUs: a program with one thread is one task on CPU 0: it
 * stays there between calls (no lock taken or released per call).  Once
 * the program starts a thread (pthread_create, wrapped), each host thread
 * gets a home CPU (round robin over KMM_CPUS); a call enters the home CPU
 * if it is idle, else any idle CPU, else runs on none (SLUB's and the page
 * allocator's slow paths, under the node and zone locks), and leaves the
 * CPU when it returns, as a task scheduled out (the per-CPU lists stay).
 * So any number of threads work, and no thread ever waits for a CPU that
 * another keeps.  A fork holds every CPU and waits for the threads on none
 * to leave; an entrant that sees it coming waits for its CPU.
 *
 * fork(): the child gets its own copy of the machine, as a forked Linux
 * process gets a copy of its memory: the atfork handlers hold every CPU
 * and the host-mirror lock across the fork, and the child copies the RAM
 * memfd and maps the copy over every mapping of it (sim/ram.c,
 * ram_fork_private).  vfork/posix_spawn children share nothing and exec.
 * exec: the memfds are close-on-exec, so the machine ends with the old
 * image; the new one boots its own if it is preloaded too.
 * exit: the machine is never torn down (later destructors and other
 * threads may still free); the destructor writes the views
 * (KMM_PROC_DIR) and the leak report (KMM_REPORT), as does KMM_DUMP_SIGNAL.
 * KMM_MOUNT (preload_mount.c) serves the views live over FUSE from boot
 * until the destructor unmounts them.
 */
#define _GNU_SOURCE
#include "internal.h"
#include "sim/ram.h"

#include <dlfcn.h>
#include <kmm/slab.h>
#include <kmm/vmalloc.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <unistd.h>

#include "preload.h"
#include "preload_mount.h"

#define PRELOAD_GFP GFP_KERNEL_ACCOUNT
#define MIN_OBJECT 16 /* _Alignof(max_align_t) on the host */
_Static_assert(MIN_OBJECT >= _Alignof(max_align_t), "malloc must align for any type");

enum preload_state { PRELOAD_COLD, PRELOAD_RESOLVING, PRELOAD_BOOTING, PRELOAD_UP, PRELOAD_OFF };
static volatile int state = PRELOAD_COLD;

/* >0 while this thread runs kmm code: its own host allocations go to libc */
static __thread int in_kmm __attribute__((tls_model("initial-exec")));
/* the thread's home CPU + 1 (0: not chosen yet) */
static __thread int home_cpu __attribute__((tls_model("initial-exec")));
/* kmm pointers a signal handler freed while the thread was inside kmm, linked through their first word */
static __thread void *deferred_frees __attribute__((tls_model("initial-exec")));
static int next_home;

/* ---- the host's libc ---------------------------------------------------------------------- */

static void *(*libc_malloc)(size_t);
static void (*libc_free)(void *);
static void *(*libc_calloc)(size_t, size_t);
static void *(*libc_realloc)(void *, size_t);
static void *(*libc_memalign)(size_t, size_t);
static size_t (*libc_usable_size)(void *);

/*
 * The bootstrap arena: what is asked for while dlsym resolves libc's
 * functions.  Bump-allocated, a 16-byte header holding the size; free()
 * of it is a no-op (it is static memory).
 */
#define ARENA_BYTES (64 << 10)
static _Alignas(64) char arena[ARENA_BYTES];
static size_t arena_used;

static bool in_arena(const void *p)
{
	return (const char *)p >= arena && (const char *)p < arena + ARENA_BYTES;
}

static void *arena_alloc(size_t n, size_t align)
{
	if (align < MIN_OBJECT)
		align = MIN_OBJECT;
	for (;;) {
		size_t old = __atomic_load_n(&arena_used, __ATOMIC_RELAXED);
		size_t start = (old + MIN_OBJECT + align - 1) & ~(align - 1);
		if (n > ARENA_BYTES || start + n > ARENA_BYTES)
			return NULL;
		if (__atomic_compare_exchange_n(&arena_used, &old, start + n, false, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED)) {
			*(size_t *)(arena + start - MIN_OBJECT) = n;
			return arena + start; /* static memory: zero, and never reused */
		}
	}
}

static size_t arena_size(const void *p)
{
	return *(const size_t *)((const char *)p - MIN_OBJECT);
}

static void resolve_libc(void)
{
	state = PRELOAD_RESOLVING;
	libc_malloc = dlsym(RTLD_NEXT, "malloc");
	libc_free = dlsym(RTLD_NEXT, "free");
	libc_calloc = dlsym(RTLD_NEXT, "calloc");
	libc_realloc = dlsym(RTLD_NEXT, "realloc");
	libc_memalign = dlsym(RTLD_NEXT, "memalign");
	libc_usable_size = dlsym(RTLD_NEXT, "malloc_usable_size");
	if (!libc_malloc || !libc_free || !libc_calloc || !libc_realloc || !libc_memalign || !libc_usable_size) {
		static const char msg[] = "kmm-preload: the host's malloc cannot be found (dlsym)\n";
		if (write(2, msg, sizeof(msg) - 1) < 0)
			_exit(127);
		_exit(127);
	}
	state = PRELOAD_BOOTING;
}

/* ---- the host side: libc or the arena ----------------------------------------------------- */

static void *host_malloc(size_t n, size_t align, bool zero)
{
	if (state == PRELOAD_COLD)
		resolve_libc();
	if (state == PRELOAD_RESOLVING)
		return arena_alloc(n, align);
	if (align > MIN_OBJECT) {
		void *p = libc_memalign(align, n);
		if (p && zero)
			memset(p, 0, n);
		return p;
	}
	return zero ? libc_calloc(1, n) : libc_malloc(n);
}

/* ---- kmm's side ---------------------------------------------------------------------------- */

static inline bool kmm_serves(void)
{
	return state == PRELOAD_UP && !in_kmm;
}

/* Only once the machine is up: what is freed while it boots is kmm's own, libc's (its windows are not laid out yet). */
static bool kmm_owns(const void *p)
{
	if (state != PRELOAD_UP)
		return false;
	if ((uintptr_t)p - (uintptr_t)kmm_ram.direct_base < kmm_ram.direct_size)
		return true;
	return is_vmalloc_addr(p);
}

static void free_deferred(void);

/* The program has started a thread (pthread_create): from then on a call leaves its CPU when it returns. */
static bool program_threads;

/* Leave the CPU this thread kept between calls, if it did (it is not inside kmm). */
static void cpu_let_go(void)
{
	if (kmm_this_cpu >= 0)
		kmm_cpu_switch_out();
}

/*
 * Threads inside kmm on no CPU (all were busy), and whether a fork is
 * being prepared: a fork holds every CPU and waits for these to leave, and
 * an entrant that sees the fork coming waits for a CPU instead (both sides
 * publish first, then look: seq_cst).
 */
static int nocpu_inside, forking;

/*
 * Enter a CPU: home if idle, else any idle one, else none - the slow paths
 * under the zone and node locks, as Linux takes them when the per-CPU lock
 * cannot be had.  Never waiting for a CPU means no thread ever waits for
 * one that another thread keeps (the one-thread program's, or one held by
 * a thread that waits for this one).
 */
static void kmm_enter(void)
{
	in_kmm++;
	if (kmm_this_cpu >= 0)
		return; /* the CPU it kept: the program has one thread */
	int n = M->nr_cpus;
	if (!home_cpu)
		home_cpu = __atomic_fetch_add(&next_home, 1, __ATOMIC_RELAXED) % n + 1;
	int home = home_cpu - 1;
	if (!kmm_cpu_try_enter(home))
		return;
	for (int i = 1; i < n; i++)
		if (!kmm_cpu_try_enter((home + i) % n))
			return;
	__atomic_add_fetch(&nocpu_inside, 1, __ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&forking, __ATOMIC_SEQ_CST))
		return;
	__atomic_sub_fetch(&nocpu_inside, 1, __ATOMIC_SEQ_CST);
	kmm_cpu_enter(home); /* a fork holds every CPU: this waits until it is made */
}

static void kmm_leave(void)
{
	if (kmm_this_cpu < 0)
		__atomic_sub_fetch(&nocpu_inside, 1, __ATOMIC_SEQ_CST);
	else if (__atomic_load_n(&program_threads, __ATOMIC_RELAXED))
		kmm_cpu_switch_out();
	in_kmm--;
	if (__builtin_expect(deferred_frees != NULL, 0) && !in_kmm)
		free_deferred();
}

/* Bytes the program may use at kmm pointer p (kmm_enter()ed). */
static size_t kmm_usable(const void *p)
{
	if (is_vmalloc_addr(p)) {
		struct vm_struct *vm = find_vm_area(p);
		return vm ? vm->size - ((vm->flags & VM_NO_GUARD) ? 0 : PAGE_SIZE) - ((const char *)p - (char *)vm->addr)
			  : 0;
	}
	return ksize(p);
}

static void kmm_release(void *p, unsigned long caller)
{
	if (is_vmalloc_addr(p))
		vfree(p);
	else
		__kfree_caller(p, caller);
}

static void free_deferred(void)
{
	void *list = __atomic_exchange_n(&deferred_frees, NULL, __ATOMIC_ACQ_REL);
	if (!list)
		return;
	kmm_enter();
	while (list) {
		void *next = *(void **)list;
		kmm_release(list, 0);
		list = next;
	}
	kmm_leave();
}

static inline size_t roundup_pow2(size_t n)
{
	return n <= 1 ? 1 : (size_t)1 << (8 * sizeof(size_t) - (size_t)__builtin_clzl(n - 1));
}

/*
 * The allocation every entry point comes to: n bytes aligned to align (a
 * power of two) for caller.  NULL: the allocator said no (errno ENOMEM).
 */
static void *kmm_alloc(size_t n, size_t align, gfp_t extra, unsigned long caller)
{
	void *p = NULL;
	if (n < MIN_OBJECT)
		n = MIN_OBJECT;
	if (n > INT_MAX || align > (PAGE_SIZE << (MAX_ORDER - 1))) {
		errno = ENOMEM; /* kvmalloc refuses it; no block is so aligned */
		return NULL;
	}
	gfp_t gfp = PRELOAD_GFP | extra;
	kmm_enter();
	if (align <= MIN_OBJECT) {
		if (n <= KMALLOC_MAX_CACHE_SIZE)
			p = __kmalloc_node_track_caller(n, gfp, NUMA_NO_NODE, caller);
		else
			p = __kvmalloc_node_caller(n, gfp, NUMA_NO_NODE, caller);
	} else if (align <= PAGE_SIZE && n > KMALLOC_MAX_CACHE_SIZE) {
		p = __kvmalloc_node_caller(n, gfp, NUMA_NO_NODE, caller); /* pages or a vmalloc area: page-aligned */
	} else {
		/* a power-of-two kmalloc, or a buddy block of that order, is aligned to its size */
		size_t sz = roundup_pow2(max(n, align));
		p = __kmalloc_node_track_caller(sz, gfp, NUMA_NO_NODE, caller);
		if (p && ((uintptr_t)p & (align - 1))) {
			kfree(p);
			p = NULL;
		}
	}
	kmm_leave();
	if (!p)
		errno = ENOMEM;
	return p;
}

static void kmm_free(void *p, unsigned long caller)
{
	if (__builtin_expect(in_kmm > 0, 0)) {
		/* a signal handler interrupted kmm on this thread: free it when kmm is left */
		*(void **)p = deferred_frees;
		deferred_frees = p;
		return;
	}
	kmm_enter();
	kmm_release(p, caller);
	kmm_leave();
}

/* ---- the malloc family --------------------------------------------------------------------- */

#define CALLER ((unsigned long)__builtin_return_address(0))

static void *do_malloc(size_t n, unsigned long caller)
{
	if (!kmm_serves())
		return host_malloc(n, 0, false);
	return kmm_alloc(n, 0, 0, caller);
}

void *malloc(size_t n)
{
	return do_malloc(n, CALLER);
}

static void do_free(void *p, unsigned long caller)
{
	if (!p || in_arena(p))
		return;
	if (kmm_owns(p))
		kmm_free(p, caller);
	else
		libc_free(p);
}

void free(void *p)
{
	do_free(p, CALLER);
}

void *calloc(size_t nmemb, size_t size)
{
	size_t n;
	if (__builtin_mul_overflow(nmemb, size, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	if (!kmm_serves())
		return host_malloc(n, 0, true);
	return kmm_alloc(n, 0, __GFP_ZERO, CALLER);
}

static size_t usable_size(void *p)
{
	if (!p)
		return 0;
	if (in_arena(p))
		return arena_size(p);
	if (kmm_owns(p)) {
		in_kmm++; /* ksize and find_vm_area take no CPU; keep kmm's own allocations off kmm */
		size_t n = kmm_usable(p);
		in_kmm--;
		return n;
	}
	return libc_usable_size(p);
}

size_t malloc_usable_size(void *p)
{
	return usable_size(p);
}

/* krealloc's rule: what fits in the object stays where it is; else a new object, the bytes copied, the old freed. */
static void *do_realloc(void *p, size_t n, unsigned long caller)
{
	if (!p)
		return do_malloc(n, caller);
	if (!n) {
		do_free(p, caller); /* glibc's answer: freed, NULL */
		return NULL;
	}
	size_t old = usable_size(p);
	if (kmm_owns(p) && n <= old && kmm_serves())
		return p;
	if (!kmm_owns(p) && !in_arena(p) && !kmm_serves())
		return libc_realloc(p, n); /* libc's before kmm is up, or kmm's own */
	void *q = kmm_serves() ? kmm_alloc(n, 0, 0, caller) : host_malloc(n, 0, false);
	if (!q)
		return NULL; /* p is untouched */
	memcpy(q, p, min(old, n));
	do_free(p, caller);
	return q;
}

void *realloc(void *p, size_t n)
{
	return do_realloc(p, n, CALLER);
}

void *reallocarray(void *p, size_t nmemb, size_t size)
{
	size_t n;
	if (__builtin_mul_overflow(nmemb, size, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	return do_realloc(p, n, CALLER);
}

static void *do_memalign(size_t align, size_t n, unsigned long caller)
{
	if (!align || (align & (align - 1))) {
		errno = EINVAL;
		return NULL;
	}
	if (!kmm_serves())
		return host_malloc(n, align, false);
	return kmm_alloc(n, align, 0, caller);
}

void *memalign(size_t align, size_t n)
{
	return do_memalign(align, n, CALLER);
}

void *aligned_alloc(size_t align, size_t n)
{
	return do_memalign(align, n, CALLER);
}

int posix_memalign(void **out, size_t align, size_t n)
{
	if (!align || (align & (align - 1)) || align % sizeof(void *))
		return EINVAL;
	int saved = errno;
	void *p = do_memalign(align, n, CALLER);
	if (!p)
		return ENOMEM;
	errno = saved;
	*out = p;
	return 0;
}

void *valloc(size_t n)
{
	return do_memalign(PAGE_SIZE, n, CALLER);
}

void *pvalloc(size_t n)
{
	size_t r = (n + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (r < n) {
		errno = ENOMEM;
		return NULL;
	}
	return do_memalign(PAGE_SIZE, r ? r : PAGE_SIZE, CALLER);
}

/* What kmm has cached comes back: empty slabs, the CPUs' page lists, lazy vmap areas.  1: something may have. */
int malloc_trim(size_t pad)
{
	if (!kmm_serves())
		return 0;
	kmm_enter();
	kmm_slab_shrink_all();
	drain_all_pages(NULL);
	vm_unmap_aliases();
	kmm_leave();
	return 1;
}

/*
 * mallinfo2 from the machine's meminfo (preload_report.c): arena the slab
 * bytes, hblkhd the vmalloc bytes, uordblks their sum, fordblks MemFree.
 */
struct mallinfo2 mallinfo2(void)
{
	struct mallinfo2 mi = { 0 };
	if (state == PRELOAD_UP && !in_kmm) {
		in_kmm++;
		preload_meminfo_mallinfo(&mi);
		in_kmm--;
	}
	return mi;
}

struct mallinfo mallinfo(void)
{
	struct mallinfo2 m2 = mallinfo2();
	struct mallinfo m = { 0 };
	m.arena = (int)min(m2.arena, (size_t)INT_MAX);
	m.hblkhd = (int)min(m2.hblkhd, (size_t)INT_MAX);
	m.uordblks = (int)min(m2.uordblks, (size_t)INT_MAX);
	m.fordblks = (int)min(m2.fordblks, (size_t)INT_MAX);
	return m;
}

/* ---- signals: the program's SIGSEGV handler sits behind the host-mirror trap -------------- */

int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	static int (*libc_sigaction)(int, const struct sigaction *, struct sigaction *);
	if (!libc_sigaction)
		libc_sigaction = dlsym(RTLD_NEXT, "sigaction");
	if (sig == SIGSEGV && state == PRELOAD_UP && !kmm_trap_host_sigaction(act, old))
		return 0;
	return libc_sigaction(sig, act, old);
}

sighandler_t signal(int sig, sighandler_t handler)
{
	struct sigaction sa, old;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}

/* ---- kmm's own threads ---------------------------------------------------------------------------- */

/*
 * A thread kmm starts (deferred struct page init, the dumper) runs kmm's
 * code from its first instruction: its host allocations are libc's, as
 * those of a thread inside kmm are.  pthread_create called from inside kmm
 * marks the new thread so.
 */
struct kmm_thread_start {
	void *(*fn)(void *);
	void *arg;
};

static void *kmm_thread(void *p)
{
	struct kmm_thread_start start = *(struct kmm_thread_start *)p;
	libc_free(p);
	in_kmm = 1;
	return start.fn(start.arg);
}

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	static int (*libc_pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
	if (!libc_pthread_create)
		libc_pthread_create = dlsym(RTLD_NEXT, "pthread_create");
	if (in_kmm > 0 && libc_malloc) {
		struct kmm_thread_start *start = libc_malloc(sizeof(*start));
		if (!start)
			return EAGAIN;
		*start = (struct kmm_thread_start){ fn, arg };
		int ret = libc_pthread_create(thread, attr, kmm_thread, start);
		if (ret)
			libc_free(start);
		return ret;
	}
	if (state == PRELOAD_UP && !__atomic_load_n(&program_threads, __ATOMIC_RELAXED)) {
		__atomic_store_n(&program_threads, true, __ATOMIC_RELAXED);
		cpu_let_go(); /* the only thread there was: nobody else can hold a CPU */
	}
	return libc_pthread_create(thread, attr, fn, arg);
}

/* ---- fork ------------------------------------------------------------------------------------ */

static void fork_prepare(void)
{
	cpu_let_go();
	in_kmm++;
	preload_fork_prepare();
	preload_mount_fork_prepare();
	__atomic_store_n(&forking, 1, __ATOMIC_SEQ_CST);
	kmm_cpus_lock_all();
	while (__atomic_load_n(&nocpu_inside, __ATOMIC_SEQ_CST))
		sched_yield(); /* a thread on no CPU finishes its call */
	kmm_windows_fork_prepare();
}

static void fork_parent(void)
{
	kmm_windows_fork_done();
	__atomic_store_n(&forking, 0, __ATOMIC_SEQ_CST);
	kmm_cpus_unlock_all();
	preload_mount_fork_parent();
	preload_fork_parent();
	in_kmm--;
}

static void fork_child(void)
{
	int ret = ram_fork_private();
	if (ret) {
		static const char msg[] = "kmm-preload: fork: the child cannot have its own copy of the machine's RAM\n";
		if (write(2, msg, sizeof(msg) - 1) < 0)
			_exit(127);
		_exit(127);
	}
	kmm_windows_fork_done();
	forking = 0;
	kmm_cpus_unlock_all();
	preload_mount_fork_child();
	preload_forked();
	in_kmm--;
}

/* ---- boot and exit ------------------------------------------------------------------------- */

__attribute__((constructor)) static void preload_init(void)
{
	if (state == PRELOAD_COLD)
		resolve_libc();
	if (state != PRELOAD_BOOTING)
		return;
	in_kmm++;
	int ret = preload_boot();
	if (!ret) {
		kmm_cpu_exit(); /* the booting thread takes CPUs per call, as every thread does */
		pthread_atfork(fork_prepare, fork_parent, fork_child);
		preload_mount_start(); /* KMM_MOUNT */
	}
	in_kmm--;
	state = ret ? PRELOAD_OFF : PRELOAD_UP;
}

__attribute__((destructor)) static void preload_fini(void)
{
	if (state != PRELOAD_UP)
		return;
	in_kmm++;
	preload_mount_stop(); /* KMM_MOUNT: unmounted before the views are written */
	preload_write_views();
	in_kmm--;
}
