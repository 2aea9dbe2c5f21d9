/*
 * trap.c - the host mirror of simulated virtual memory (DESIGN.md).
 *
 * A window is a host address range reserved PROT_NONE, at a constant bias
 * from the simulated addresses it stands for:
 *
 *     host = window->host + (addr - window->base)
 *
 * Kernel windows (the vmalloc area, PKMAP, the kmap fixmap) are made at
 * boot and translate through the kernel page tables; user windows belong
 * to one mm_struct and translate through its page tables.  A user window
 * covers the whole TASK_SIZE on the 32-bit profiles; on x86_64 the user
 * half (128 TiB) is more than a host can reserve, so an mm has a window
 * per USER_CHUNK of its address space, reserved when first asked for.
 *
 * Nothing is mapped in a window up front.  The first load or store to a
 * page traps (SIGSEGV, on an alternate stack); the handler finds what the
 * page tables say - for a user window, after running the simulated fault
 * handler when the PTE does not allow the access (mm/memory.c) - maps the
 * same bytes of the RAM memfd at the faulting host page with the PTE's
 * protection and lets the instruction run again.  So an alias through a
 * window really is the same memory as the direct map (or, for ioremap,
 * the same bytes as the simulated device's BAR, which has a memfd of its
 * own).  With the mapping, the pages after the faulting one that are
 * already mapped in the tables come too (fault-around, FAULT_AROUND pages,
 * within the VMA for a user window), one host call per physically
 * contiguous run.
 *
 * The host mappings are only a cache (a TLB); the page tables stay the
 * truth:
 *   - whoever changes a PTE drops the mirror first (kmm_window_unmap,
 *     kmm_user_window_unmap: flush_tlb_kernel_range, flush_tlb_mm_range);
 *     a bitmap per window records which pages are mirrored, so dropping
 *     what was never touched costs no host call;
 *   - the cache is bounded: every mirrored run is recorded in a ring, and
 *     when the ring is full its oldest quarter is dropped (refaulted when
 *     touched again), so kmm stays well inside the host's vm.max_map_count
 *     (a run costs the host at most two mappings; the ring holds a quarter
 *     of max_map_count runs).
 * mirror_lock serialises every change of host mappings and bitmaps, so a
 * drop can never miss a mapping being made; lock order: mmap_lock, then
 * mirror_lock.
 *
 * A kernel fault the tables do not allow is the kernel's oops; a user
 * fault the VMAs do not allow is SIGSEGV for the simulated task (logged
 * by the fault handler).  Either way the access fails: inside kmm_try()
 * the caller gets -EFAULT (-EINTR when the task was killed by SIGKILL, the
 * OOM killer's victim), elsewhere the process stops rather than
 * corrupt anything.  Faults outside every window go to the handler that
 * was there before - or, in a program run on kmm by the preload, to the
 * one the program installs later (kmm_trap_host_sigaction: kmm's trap
 * stays first).
 */
#define _GNU_SOURCE
#include "internal.h"
#include "mm/kfence.h"
#include "sim/ram.h"

#include <kmm/pgtable.h>
#include <kmm/task.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <ucontext.h>

#define MAX_KERNEL_WINDOWS 4
#define USER_CHUNK (1UL << 32) /* a user window's size where TASK_SIZE cannot be reserved whole */
#define ALT_STACK_SIZE (256UL << 10)
#define BITS_PER_WORD (8 * sizeof(unsigned long))

struct kmm_window {
	unsigned long base;      /* the simulated address of the window's first byte */
	unsigned long size;      /* bytes */
	char *host;              /* host address of the first byte */
	unsigned long *mirrored; /* a bit per page: mapped on the host (NORESERVE: costs what is touched) */
	struct mm_struct *mm;    /* a user window's address space; NULL: a kernel window */
};

/* A run of pages mirrored by one host call; the ring keeps them oldest first. */
struct mirror_rec {
	struct kmm_window *w; /* NULL: the window went away */
	unsigned long first;  /* page index in the window */
	unsigned long nr;
	phys_addr_t pa;       /* the frame of page first (runs are physically contiguous) */
	int prot;             /* the host protection it was mapped with */
};

static struct kmm_window kwin[MAX_KERNEL_WINDOWS]; /* fixed after boot: read without a lock */
static int nr_kwin;
static struct kmm_window **uwin; /* user windows, sorted by host address; mirror_lock */
static int nr_uwin, uwin_cap;
static struct mirror_rec *ring;  /* mirror_lock */
static unsigned long ring_cap, ring_head, ring_len;
static unsigned long evictions;  /* runs dropped to stay within the budget */
static pthread_mutex_t mirror_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sigaction old_segv;
static bool trap_installed;
static __thread sigjmp_buf *recovery;
static pthread_key_t alt_stack_key;
static pthread_once_t alt_stack_once = PTHREAD_ONCE_INIT;

static bool in_window(const struct kmm_window *w, const char *p)
{
	return p >= w->host && p < w->host + w->size;
}

static struct kmm_window *kernel_window_of_host(const void *p)
{
	for (int i = 0; i < nr_kwin; i++)
		if (in_window(&kwin[i], p))
			return &kwin[i];
	return NULL;
}

/* The user window holding host address p; mirror_lock held. */
static struct kmm_window *user_window_of_host(const char *p)
{
	int lo = 0, hi = nr_uwin;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (uwin[mid]->host + uwin[mid]->size <= p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < nr_uwin && in_window(uwin[lo], p) ? uwin[lo] : NULL;
}

static struct kmm_window *window_of_kva(unsigned long kva)
{
	for (int i = 0; i < nr_kwin; i++)
		if (kva >= kwin[i].base && kva - kwin[i].base < kwin[i].size)
			return &kwin[i];
	return NULL;
}

void *kmm_kva_to_host(unsigned long kva)
{
	/* the direct map covers RAM from PHYS_OFFSET (ARM: PKMAP and the modules lie just below it) */
	unsigned long off = kva - M->layout.page_offset;
	if (kva >= M->layout.page_offset && off >= M->layout.phys_offset && off < kmm_ram.direct_size)
		return (char *)kmm_ram.direct_base + off;
	struct kmm_window *w = window_of_kva(kva);
	return w ? w->host + (kva - w->base) : NULL;
}

unsigned long kmm_host_to_kva(const void *p)
{
	const char *c = p, *base = kmm_ram.direct_base;
	if (c >= base && (unsigned long)(c - base) >= M->layout.phys_offset && (unsigned long)(c - base) < kmm_ram.direct_size)
		return M->layout.page_offset + (unsigned long)(c - base);
	struct kmm_window *w = kernel_window_of_host(p);
	return w ? w->base + (unsigned long)(c - w->host) : 0;
}

/*
 * The address a message prints for p: its simulated kernel address, or,
 * for a pointer that is no kernel address at all (a caller's stray host
 * pointer), what Linux's %p prints for any pointer - a keyed 32-bit hash -
 * so no host address reaches a message.
 */
unsigned long kmm_addr_for_print(const void *p)
{
	unsigned long kva = kmm_host_to_kva(p);
	if (kva || !p)
		return kva;
	u64 h = (u64)(uintptr_t)p * 0x9e3779b97f4a7c15ULL;
	return (unsigned long)(u32)((h >> 32) ^ h ^ M->layout.page_offset);
}

/* The oops, as the x86 fault handler words it. */
static void oops(unsigned long kva, bool write, pteval_t e)
{
	printk(KERN_ALERT "BUG: unable to handle page fault for address: %0*lx\n", M->prof->bits == 64 ? 16 : 8, kva);
	printk(KERN_ALERT "#PF: supervisor %s access in kernel mode\n", write ? "write" : "read");
	printk(KERN_ALERT "#PF: error_code(0x%04x) - %s\n", (write ? 2 : 0) | (e & _PAGE_PRESENT ? 1 : 0),
	       e & _PAGE_PRESENT ? "permissions violation" : "not-present page");
	printk(KERN_ALERT "Oops: %04x [#1] PREEMPT SMP\n", (write ? 2 : 0) | (e & _PAGE_PRESENT ? 1 : 0));
	M->oopses++;
}

static inline int pte_host_prot(pteval_t e)
{
	return PROT_READ | ((e & _PAGE_RW) ? PROT_WRITE : 0);
}

/* ---- the mirrored-page bitmaps and the bounded ring (mirror_lock held) ------------------ */

/* Drop the host mappings of pages [first, last] of w that are mirrored: at most one host call. */
static void __window_drop(struct kmm_window *w, unsigned long first, unsigned long last)
{
	unsigned long lo = ULONG_MAX, hi = 0;
	for (unsigned long wd = first / BITS_PER_WORD; wd <= last / BITS_PER_WORD; wd++) {
		unsigned long mask = ~0UL;
		if (wd == first / BITS_PER_WORD)
			mask &= ~0UL << (first % BITS_PER_WORD);
		if (wd == last / BITS_PER_WORD && (last + 1) % BITS_PER_WORD)
			mask &= (1UL << ((last + 1) % BITS_PER_WORD)) - 1;
		unsigned long was = w->mirrored[wd] & mask;
		if (!was)
			continue;
		w->mirrored[wd] &= ~mask;
		lo = min(lo, wd * BITS_PER_WORD + (unsigned long)__builtin_ctzl(was));
		hi = max(hi, wd * BITS_PER_WORD + BITS_PER_WORD - 1 - (unsigned long)__builtin_clzl(was));
	}
	if (lo <= hi)
		mmap(w->host + lo * PAGE_SIZE, (hi - lo + 1) * PAGE_SIZE, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
}

static unsigned long host_max_map_count(void)
{
	unsigned long n = 65530; /* DEFAULT_MAX_MAP_COUNT */
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
	if (f) {
		if (fscanf(f, "%lu", &n) != 1)
			n = 65530;
		fclose(f);
	}
	return n;
}

/* Size the ring for at most `runs` mirrored runs (0: a quarter of the host's max_map_count). */
static int __ring_resize(unsigned long runs)
{
	if (!runs)
		runs = max(host_max_map_count() / 4, 64UL);
	/* everything mirrored now goes: the new ring starts empty */
	while (ring_len) {
		struct mirror_rec *r = &ring[ring_head];
		if (r->w)
			__window_drop(r->w, r->first, r->first + r->nr - 1);
		ring_head = (ring_head + 1) % ring_cap;
		ring_len--;
	}
	struct mirror_rec *n = calloc(runs, sizeof(*n));
	if (!n)
		return -ENOMEM;
	free(ring);
	ring = n;
	ring_cap = runs;
	ring_head = 0;
	return 0;
}

/*
 * Record a run about to be mirrored; when the ring is full its oldest
 * quarter goes first.  A run that continues the newest one in the window
 * and in the backing file becomes one host mapping with it (the host
 * merges them), so it extends that record instead.
 */
static void __ring_push(struct kmm_window *w, unsigned long first, unsigned long nr, phys_addr_t pa, int prot)
{
	struct mirror_rec *last = ring_len ? &ring[(ring_head + ring_len - 1) % ring_cap] : NULL;
	if (last && last->w == w && last->first + last->nr == first && last->pa + (last->nr << PAGE_SHIFT) == pa &&
	    last->prot == prot && !phys_is_device(pa)) {
		last->nr += nr;
		return;
	}
	if (ring_len == ring_cap) {
		for (unsigned long k = 0; k < max(ring_cap / 4, 1UL); k++) {
			struct mirror_rec *r = &ring[ring_head];
			if (r->w)
				__window_drop(r->w, r->first, r->first + r->nr - 1);
			ring_head = (ring_head + 1) % ring_cap;
			ring_len--;
			evictions++;
		}
	}
	ring[(ring_head + ring_len++) % ring_cap] = (struct mirror_rec){ w, first, nr, pa, prot };
}

int kmm_host_map_budget(unsigned long runs)
{
	pthread_mutex_lock(&mirror_lock);
	int ret = __ring_resize(runs);
	pthread_mutex_unlock(&mirror_lock);
	return ret;
}

unsigned long kmm_host_map_evictions(void)
{
	return __atomic_load_n(&evictions, __ATOMIC_RELAXED);
}

/*
 * Mirror the page at addr and the mapped pages after it, below end: one
 * mmap of the backing memfd per run of pages that are physically
 * contiguous with the same protection, at most max_runs of them.  lookup
 * gives each page's PTE (not present: stop there).  The first page must
 * be mapped.
 */
int kmm_window_mirror(struct kmm_window *w, unsigned long addr, unsigned long end, int max_runs,
		      pteval_t (*lookup)(void *ctx, unsigned long addr), void *ctx)
{
	end = min(end, w->base + w->size);
	int ret = 0;
	pthread_mutex_lock(&mirror_lock);
	for (; addr < end && max_runs > 0; max_runs--) {
		pteval_t e = lookup(ctx, addr);
		if (!(e & _PAGE_PRESENT))
			break;
		phys_addr_t pa = e & PTE_PFN_MASK;
		int prot = pte_host_prot(e);
		unsigned long n = 1;
		for (; addr + n * PAGE_SIZE < end; n++) {
			pteval_t ne = lookup(ctx, addr + n * PAGE_SIZE);
			phys_addr_t next = ne & PTE_PFN_MASK;
			if (!(ne & _PAGE_PRESENT) || pte_host_prot(ne) != prot || next != pa + n * PAGE_SIZE ||
			    phys_is_device(next) != phys_is_device(pa))
				break;
		}
		off_t off;
		int fd = phys_backing(pa, &off);
		if (fd < 0) {
			ret = -EFAULT; /* a PTE pointing at no memory: the access faults */
			break;
		}
		unsigned long first = (addr - w->base) >> PAGE_SHIFT;
		__ring_push(w, first, n, pa, prot);
		for (unsigned long i = first; i < first + n; i++)
			w->mirrored[i / BITS_PER_WORD] |= 1UL << (i % BITS_PER_WORD);
		if (mmap(w->host + (addr - w->base), n * PAGE_SIZE, prot, MAP_SHARED | MAP_FIXED | MAP_POPULATE, fd,
			 off) == MAP_FAILED) {
			ret = -ENOMEM;
			break;
		}
		addr += n * PAGE_SIZE;
	}
	pthread_mutex_unlock(&mirror_lock);
	return ret;
}

/* ---- the trap ---------------------------------------------------------------------------- */

static pteval_t kernel_lookup(void *ctx, unsigned long kva)
{
	unsigned int level;
	pteval_t e = lookup_address(kva, &level);
	return level == PG_LEVEL_4K ? e : 0; /* the windows map with 4 KiB entries only */
}

static void chain(int sig, siginfo_t *si, void *ucv)
{
	if (old_segv.sa_flags & SA_SIGINFO && old_segv.sa_sigaction) {
		old_segv.sa_sigaction(sig, si, ucv);
		return;
	}
	if (old_segv.sa_handler != SIG_DFL && old_segv.sa_handler != SIG_IGN) {
		old_segv.sa_handler(sig);
		return;
	}
	signal(SIGSEGV, SIG_DFL); /* the access faults again and the default action ends the process */
}

/* code: what kmm_try returns (-EFAULT; -EINTR for a task SIGKILL killed) */
static _Noreturn void access_failed(const char *what, int code)
{
	if (recovery)
		siglongjmp(*recovery, -code);
	fputs(kmm_dmesg(), stderr);
	fprintf(stderr, "kmm: %s outside kmm_try(): stopping\n", what);
	abort();
}

static void trap(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	char *addr = si->si_addr;
	if (!M) {
		chain(sig, si, ucv);
		return;
	}
	bool write = uc->uc_mcontext.gregs[REG_ERR] & 2;
	if (kfence_handle_page_fault(addr, write, (unsigned long)uc->uc_mcontext.gregs[REG_RIP]))
		return; /* a KFENCE page: reported, opened, and the access runs again */
	struct kmm_window *w = kernel_window_of_host(addr);
	if (w) {
		unsigned long kva = w->base + (unsigned long)(addr - w->host);
		unsigned int level;
		pteval_t e = lookup_address(kva, &level);
		if (level && (!write || (e & _PAGE_RW)) &&
		    kmm_window_mirror(w, kva & PAGE_MASK, (kva & PAGE_MASK) + FAULT_AROUND * PAGE_SIZE, FAULT_AROUND,
				      kernel_lookup, NULL) == 0)
			return; /* the instruction runs again, now on the same bytes as the direct map */
		oops(kva, write, level ? e : 0);
		access_failed("a kernel oops", -EFAULT);
	}
	pthread_mutex_lock(&mirror_lock);
	w = user_window_of_host(addr);
	struct mm_struct *mm = w ? w->mm : NULL;
	pthread_mutex_unlock(&mirror_lock);
	if (!w) {
		chain(sig, si, ucv);
		return;
	}
	int ret = handle_user_host_fault(mm, w, w->base + (unsigned long)(addr - w->host), write);
	if (ret == 0)
		return;
	access_failed(ret == -EINTR ? "a user access of a task SIGKILL killed" : "a user access the task may not make", ret);
}

static void free_alt_stack(void *p)
{
	stack_t off = { .ss_flags = SS_DISABLE };
	sigaltstack(&off, NULL);
	free(p);
}

static void make_alt_stack_key(void)
{
	pthread_key_create(&alt_stack_key, free_alt_stack);
}

/*
 * The trap runs the fault handler (page allocator and all) on a stack of
 * its own, so a thread's stack depth never matters; one per thread,
 * freed when the thread ends.  A smaller stack set by someone else
 * (a sanitizer's) is replaced.
 */
static void ensure_alt_stack(void)
{
	pthread_once(&alt_stack_once, make_alt_stack_key);
	if (pthread_getspecific(alt_stack_key))
		return;
	stack_t cur;
	if (sigaltstack(NULL, &cur) == 0 && !(cur.ss_flags & SS_DISABLE) && cur.ss_size >= ALT_STACK_SIZE)
		return;
	stack_t ss = { .ss_sp = malloc(ALT_STACK_SIZE), .ss_size = ALT_STACK_SIZE };
	if (!ss.ss_sp)
		return;
	if (sigaltstack(&ss, NULL)) {
		free(ss.ss_sp);
		return;
	}
	pthread_setspecific(alt_stack_key, ss.ss_sp);
}

static void install_trap(void)
{
	if (trap_installed)
		return;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = trap;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	trap_installed = true;
}

static size_t bitmap_bytes(unsigned long size)
{
	return (size / PAGE_SIZE + BITS_PER_WORD - 1) / BITS_PER_WORD * sizeof(unsigned long);
}

/* Reserve a window of size bytes standing for base: its host range and bitmap. */
static int window_reserve(struct kmm_window *w, unsigned long base, unsigned long size, struct mm_struct *mm)
{
	void *p = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	void *bits = mmap(NULL, bitmap_bytes(size), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			  -1, 0);
	if (bits == MAP_FAILED) {
		munmap(p, size);
		return -ENOMEM;
	}
	*w = (struct kmm_window){ base, size, p, bits, mm };
	return 0;
}

static void window_release(struct kmm_window *w)
{
	munmap(w->host, w->size);
	munmap(w->mirrored, bitmap_bytes(w->size));
}

int kmm_window_add(unsigned long kva, unsigned long size)
{
	if (nr_kwin == MAX_KERNEL_WINDOWS)
		return -ENOSPC;
	pthread_mutex_lock(&mirror_lock);
	int ret = ring ? 0 : __ring_resize(0);
	pthread_mutex_unlock(&mirror_lock);
	if (!ret)
		ret = window_reserve(&kwin[nr_kwin], kva, size, NULL);
	if (ret)
		return ret;
	nr_kwin++;
	install_trap();
	ensure_alt_stack();
	return 0;
}

/* Drop the host mappings of [kva, kva + size): the kernel tables changed there. */
void kmm_window_unmap(unsigned long kva, unsigned long size)
{
	struct kmm_window *w = window_of_kva(kva);
	if (!w || !size)
		return;
	unsigned long first = (kva - w->base) >> PAGE_SHIFT;
	pthread_mutex_lock(&mirror_lock);
	__window_drop(w, first, first + ((size + PAGE_SIZE - 1) >> PAGE_SHIFT) - 1);
	pthread_mutex_unlock(&mirror_lock);
}

/* ---- user windows -------------------------------------------------------------------------- */

/*
 * The host address of user address addr of mm, reserving the window that
 * holds it if there is none yet; NULL if addr is not below TASK_SIZE or
 * the host has no room.  The caller holds nothing.
 */
void *kmm_user_host(struct mm_struct *mm, unsigned long addr)
{
	if (addr >= mm->task_size)
		return NULL;
	pthread_mutex_lock(&mirror_lock);
	for (int i = 0; i < mm->nr_host_windows; i++) {
		struct kmm_window *w = mm->host_windows[i];
		if (addr - w->base < w->size) {
			pthread_mutex_unlock(&mirror_lock);
			return w->host + (addr - w->base);
		}
	}
	unsigned long base = 0, size = mm->task_size;
	if (size > USER_CHUNK) {
		base = addr & ~(USER_CHUNK - 1);
		size = min(USER_CHUNK, mm->task_size - base);
	}
	struct kmm_window *w = malloc(sizeof(*w));
	struct kmm_window **mine = realloc(mm->host_windows, (size_t)(mm->nr_host_windows + 1) * sizeof(*mine));
	if (mine)
		mm->host_windows = mine;
	if (nr_uwin == uwin_cap) {
		int cap = uwin_cap ? 2 * uwin_cap : 16;
		struct kmm_window **grown = realloc(uwin, (size_t)cap * sizeof(*grown));
		if (grown) {
			uwin = grown;
			uwin_cap = cap;
		}
	}
	int ret = !w || !mine || nr_uwin == uwin_cap ? -ENOMEM : ring ? 0 : __ring_resize(0);
	if (!ret)
		ret = window_reserve(w, base, size, mm);
	if (ret) {
		pthread_mutex_unlock(&mirror_lock);
		free(w);
		return NULL;
	}
	mm->host_windows[mm->nr_host_windows] = w;
	/* read without the lock by kmm_user_window_unmap's early out (a new window mirrors nothing yet) */
	__atomic_store_n(&mm->nr_host_windows, mm->nr_host_windows + 1, __ATOMIC_RELAXED);
	int at = 0;
	while (at < nr_uwin && uwin[at]->host < w->host)
		at++;
	memmove(&uwin[at + 1], &uwin[at], (size_t)(nr_uwin - at) * sizeof(*uwin));
	uwin[at] = w;
	nr_uwin++;
	pthread_mutex_unlock(&mirror_lock);
	install_trap();
	ensure_alt_stack();
	return w->host + (addr - base);
}

/* Drop the host mappings of mm's [start, end): its page tables change there (mmap_lock held). */
void kmm_user_window_unmap(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	if (!__atomic_load_n(&mm->nr_host_windows, __ATOMIC_RELAXED) || start >= end)
		return; /* no window, or one being made on another CPU, which mirrors nothing yet */
	pthread_mutex_lock(&mirror_lock);
	for (int i = 0; i < mm->nr_host_windows; i++) {
		struct kmm_window *w = mm->host_windows[i];
		unsigned long s = max(start, w->base), e = min(end, w->base + w->size);
		if (s < e)
			__window_drop(w, (s - w->base) >> PAGE_SHIFT, ((e - w->base - 1) >> PAGE_SHIFT));
	}
	pthread_mutex_unlock(&mirror_lock);
}

/* The windows of an mm that goes away: their reservations and ring records. */
void kmm_user_windows_free(struct mm_struct *mm)
{
	if (!mm->nr_host_windows)
		return;
	pthread_mutex_lock(&mirror_lock);
	for (unsigned long k = 0; k < ring_len; k++) {
		struct mirror_rec *r = &ring[(ring_head + k) % ring_cap];
		if (r->w && r->w->mm == mm)
			r->w = NULL;
	}
	for (int i = 0; i < mm->nr_host_windows; i++) {
		struct kmm_window *w = mm->host_windows[i];
		for (int j = 0; j < nr_uwin; j++)
			if (uwin[j] == w) {
				memmove(&uwin[j], &uwin[j + 1], (size_t)(nr_uwin - j - 1) * sizeof(*uwin));
				nr_uwin--;
				break;
			}
		window_release(w);
		free(w);
	}
	pthread_mutex_unlock(&mirror_lock);
	free(mm->host_windows);
	mm->host_windows = NULL;
	mm->nr_host_windows = 0;
}

void kmm_windows_exit(void)
{
	pthread_mutex_lock(&mirror_lock);
	for (int i = 0; i < nr_kwin; i++)
		window_release(&kwin[i]);
	nr_kwin = 0;
	free(ring);
	ring = NULL;
	ring_cap = ring_head = ring_len = 0;
	free(uwin); /* the tasks, and with them their windows, went first */
	uwin = NULL;
	nr_uwin = uwin_cap = 0;
	pthread_mutex_unlock(&mirror_lock);
	if (trap_installed) {
		sigaction(SIGSEGV, &old_segv, NULL);
		trap_installed = false;
	}
}

/*
 * A host process whose program runs on the machine (the preload) keeps
 * the trap first: the program's own SIGSEGV handler becomes the one that
 * faults outside every window are passed on to, as sigaction(2) would have
 * installed it.  0 or -EINVAL.
 */
int kmm_trap_host_sigaction(const struct sigaction *act, struct sigaction *old)
{
	if (!trap_installed)
		return -EINVAL;
	pthread_mutex_lock(&mirror_lock);
	if (old)
		*old = old_segv;
	if (act)
		old_segv = *act;
	pthread_mutex_unlock(&mirror_lock);
	return 0;
}

/* fork(2): the host mappings and their records do not change while the child is made. */
void kmm_windows_fork_prepare(void)
{
	pthread_mutex_lock(&mirror_lock);
}

void kmm_windows_fork_done(void)
{
	pthread_mutex_unlock(&mirror_lock);
}

/*
 * Run fn; an oops or a SIGSEGV of a task inside it makes it return -EFAULT
 * instead of ending the process, an access of a task that SIGKILL killed
 * (the OOM killer's victim) -EINTR.
 */
int kmm_try(void (*fn)(void *), void *arg)
{
	sigjmp_buf buf, *saved = recovery;
	int code = sigsetjmp(buf, 1);
	if (code) {
		recovery = saved;
		return -code;
	}
	recovery = &buf;
	fn(arg);
	recovery = saved;
	return 0;
}
