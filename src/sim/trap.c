/*
 * trap.c - the host mirror of the kernel's virtual windows (DESIGN.md).
 *
 * A window (the vmalloc area, later PKMAP and FIXMAP) is a host address
 * range reserved PROT_NONE, at a constant bias from the simulated kernel
 * addresses it stands for:
 *
 *     host = window->host + (kva - window->kva)
 *
 * Nothing is mapped there up front.  The first load or store to a page of
 * a window traps (SIGSEGV); the handler walks the kernel page tables
 * (lookup_address), and if the page is mapped there, maps the same bytes of
 * the RAM memfd at the faulting host page with the PTE's protection and
 * lets the instruction run again - so an alias through a window really is
 * the same memory as the direct map (or, for ioremap, the same bytes as
 * the simulated device's BAR, which has a memfd of its own).  The host
 * mappings are only a cache (a TLB): kmm_window_unmap() drops them when
 * the tables change.  A
 * bitmap per window records which pages are mirrored, so unmapping what
 * was never touched costs no host call; and a fault maps the mapped pages
 * after the faulting one too (fault-around, FAULT_AROUND pages), one host
 * call per physically contiguous run, so touching an area page by page
 * traps once per run rather than once per page.  A fault
 * the tables do not allow is the kernel's oops: it is reported in Linux's
 * words and the access fails - inside kmm_try() the caller gets -EFAULT,
 * elsewhere the process stops, rather than corrupt anything.
 *
 * Faults outside every window go to the handler that was there before.
 */
#define _GNU_SOURCE
#include "internal.h"
#include "sim/ram.h"

#include <kmm/pgtable.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>

#define MAX_WINDOWS 4

#define FAULT_AROUND 16
#define BITS_PER_WORD (8 * sizeof(unsigned long))

struct kmm_window {
	unsigned long kva;       /* simulated kernel address of the window's start */
	unsigned long size;      /* bytes */
	char *host;              /* host address of the start */
	unsigned long *mirrored; /* a bit per page: mapped on the host (NORESERVE: costs what is touched) */
};

static struct kmm_window windows[MAX_WINDOWS];
static int nr_windows;
static struct sigaction old_segv;
static bool trap_installed;
static __thread sigjmp_buf *recovery;

static struct kmm_window *window_of_host(const void *p)
{
	for (int i = 0; i < nr_windows; i++)
		if ((const char *)p >= windows[i].host && (const char *)p < windows[i].host + windows[i].size)
			return &windows[i];
	return NULL;
}

static struct kmm_window *window_of_kva(unsigned long kva)
{
	for (int i = 0; i < nr_windows; i++)
		if (kva >= windows[i].kva && kva - windows[i].kva < windows[i].size)
			return &windows[i];
	return NULL;
}

void *kmm_kva_to_host(unsigned long kva)
{
	unsigned long off = kva - M->layout.page_offset;
	if (kva >= M->layout.page_offset && off < kmm_ram.direct_size)
		return (char *)kmm_ram.direct_base + off;
	struct kmm_window *w = window_of_kva(kva);
	return w ? w->host + (kva - w->kva) : NULL;
}

unsigned long kmm_host_to_kva(const void *p)
{
	const char *c = p, *base = kmm_ram.direct_base;
	if (c >= base && (unsigned long)(c - base) < kmm_ram.direct_size)
		return M->layout.page_offset + (unsigned long)(c - base);
	struct kmm_window *w = window_of_host(p);
	return w ? w->kva + (unsigned long)(c - w->host) : 0;
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

/*
 * Mirror the page at kva and the mapped pages after it (up to FAULT_AROUND,
 * within the window): one mmap of the RAM memfd per run of pages that are
 * physically contiguous with the same protection.
 */
static int mirror_run(struct kmm_window *w, unsigned long kva)
{
	unsigned long end = min(kva + FAULT_AROUND * PAGE_SIZE, w->kva + w->size);
	while (kva < end) {
		/* the windows map with 4 KiB entries only: the frame is the entry's */
		unsigned int level;
		pteval_t e = lookup_address(kva, &level);
		if (level != PG_LEVEL_4K)
			break;
		phys_addr_t pa = e & PTE_PFN_MASK;
		int prot = pte_host_prot(e);
		unsigned long n = 1;
		for (; kva + n * PAGE_SIZE < end; n++) {
			pteval_t ne = lookup_address(kva + n * PAGE_SIZE, &level);
			phys_addr_t next = ne & PTE_PFN_MASK;
			if (level != PG_LEVEL_4K || pte_host_prot(ne) != prot || next != pa + n * PAGE_SIZE ||
			    phys_is_device(next) != phys_is_device(pa))
				break;
		}
		off_t off;
		int fd = phys_backing(pa, &off);
		if (fd < 0)
			return -EFAULT; /* a PTE pointing at no memory: the access oopses */
		unsigned long first = (kva - w->kva) >> PAGE_SHIFT;
		for (unsigned long i = first; i < first + n; i++)
			__atomic_fetch_or(&w->mirrored[i / BITS_PER_WORD], 1UL << (i % BITS_PER_WORD), __ATOMIC_RELAXED);
		if (mmap(w->host + (kva - w->kva), n * PAGE_SIZE, prot, MAP_SHARED | MAP_FIXED | MAP_POPULATE, fd, off) ==
		    MAP_FAILED)
			return -ENOMEM;
		kva += n * PAGE_SIZE;
	}
	return 0;
}

static void trap(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	char *addr = si->si_addr;
	struct kmm_window *w = M ? window_of_host(addr) : NULL;
	if (!w) {
		/* not ours: whoever handled SIGSEGV before us does */
		if (old_segv.sa_flags & SA_SIGINFO && old_segv.sa_sigaction) {
			old_segv.sa_sigaction(sig, si, ucv);
			return;
		}
		if (old_segv.sa_handler != SIG_DFL && old_segv.sa_handler != SIG_IGN) {
			old_segv.sa_handler(sig);
			return;
		}
		signal(SIGSEGV, SIG_DFL);
		return; /* the access faults again and the default action ends the process */
	}
	bool write = uc->uc_mcontext.gregs[REG_ERR] & 2;
	unsigned long kva = w->kva + (unsigned long)(addr - w->host);
	unsigned int level;
	pteval_t e = lookup_address(kva, &level);
	if (level && (!write || (e & _PAGE_RW)) && mirror_run(w, kva & PAGE_MASK) == 0)
		return; /* the instruction runs again, now on the same bytes as the direct map */
	oops(kva, write, level ? e : 0);
	if (recovery)
		siglongjmp(*recovery, 1);
	fputs(kmm_dmesg(), stderr);
	abort();
}

static size_t bitmap_bytes(unsigned long size)
{
	return (size / PAGE_SIZE + BITS_PER_WORD - 1) / BITS_PER_WORD * sizeof(unsigned long);
}

int kmm_window_add(unsigned long kva, unsigned long size)
{
	if (nr_windows == MAX_WINDOWS)
		return -ENOSPC;
	void *p = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	size_t bitmap = bitmap_bytes(size);
	void *bits = mmap(NULL, bitmap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (bits == MAP_FAILED) {
		munmap(p, size);
		return -ENOMEM;
	}
	windows[nr_windows++] = (struct kmm_window){ kva, size, p, bits };
	if (!trap_installed) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = trap;
		sa.sa_flags = SA_SIGINFO | SA_NODEFER;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGSEGV, &sa, &old_segv);
		trap_installed = true;
	}
	return 0;
}

/* Drop the host mappings of [kva, kva + size): the tables changed there. */
void kmm_window_unmap(unsigned long kva, unsigned long size)
{
	struct kmm_window *w = window_of_kva(kva);
	if (!w || !size)
		return;
	/* clear the range's bits; only the span that was mirrored needs a host call */
	unsigned long first = (kva - w->kva) >> PAGE_SHIFT, last = first + ((size + PAGE_SIZE - 1) >> PAGE_SHIFT) - 1;
	unsigned long lo = ULONG_MAX, hi = 0;
	for (unsigned long wd = first / BITS_PER_WORD; wd <= last / BITS_PER_WORD; wd++) {
		unsigned long mask = ~0UL;
		if (wd == first / BITS_PER_WORD)
			mask &= ~0UL << (first % BITS_PER_WORD);
		if (wd == last / BITS_PER_WORD && (last + 1) % BITS_PER_WORD)
			mask &= (1UL << ((last + 1) % BITS_PER_WORD)) - 1;
		if (!(__atomic_load_n(&w->mirrored[wd], __ATOMIC_RELAXED) & mask))
			continue;
		unsigned long was = __atomic_fetch_and(&w->mirrored[wd], ~mask, __ATOMIC_RELAXED) & mask;
		if (!was)
			continue;
		lo = min(lo, wd * BITS_PER_WORD + (unsigned long)__builtin_ctzl(was));
		hi = max(hi, wd * BITS_PER_WORD + BITS_PER_WORD - 1 - (unsigned long)__builtin_clzl(was));
	}
	if (lo > hi)
		return;
	mmap(w->host + lo * PAGE_SIZE, (hi - lo + 1) * PAGE_SIZE, PROT_NONE,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
}

void kmm_windows_exit(void)
{
	for (int i = 0; i < nr_windows; i++) {
		munmap(windows[i].host, windows[i].size);
		munmap(windows[i].mirrored, bitmap_bytes(windows[i].size));
	}
	nr_windows = 0;
	if (trap_installed) {
		sigaction(SIGSEGV, &old_segv, NULL);
		trap_installed = false;
	}
}

/* Run fn; an oops inside it makes it return -EFAULT instead of ending the process. */
int kmm_try(void (*fn)(void *), void *arg)
{
	sigjmp_buf buf, *saved = recovery;
	if (sigsetjmp(buf, 1)) {
		recovery = saved;
		return -EFAULT;
	}
	recovery = &buf;
	fn(arg);
	recovery = saved;
	return 0;
}
