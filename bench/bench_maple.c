/*
 * bench_maple.c - the maple tree's lookup cost against a sorted VMA array
 * (what src/mm/mmap.c kept as mm->vmas before the tree was its only index):
 * trees of 30, 300 and 3000 VMA-like ranges (the entries and gaps of a
 * process's address space), looked up at random addresses,
 *   mtree_load(addr)            the entry holding addr, or NULL;
 *   find_vma: mt_find(addr)     the first entry ending above addr (6.1's find_vma);
 * each against a sorted array of pointers to host VMAs, binary searched on
 * vm_end.  The same addresses in the same run; on i386 (4-byte words,
 * 32-slot leaves) and x86_64 (16).
 */
#include <stdlib.h>
#include <string.h>

#include <kmm/kmm.h>
#include <kmm/maple_tree.h>
#include <kmm/task.h>

#include "bench.h"

#define NADDR 4096

struct host_vma {                 /* what the array points at (its first fields) */
	unsigned long vm_start, vm_end;
	unsigned long pad[22];        /* the rest of a vm_area_struct: the array's lookups chase pointers */
};

struct mcase {
	struct maple_tree mt;
	struct host_vma **vmas;       /* sorted by address, as mm->vmas was */
	int map_count;
	unsigned long addr[NADDR];    /* the random addresses looked up */
	unsigned long sink;
};

static int vma_index(const struct mcase *c, unsigned long addr)
{
	int lo = 0, hi = c->map_count;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (c->vmas[mid]->vm_end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static void array_load(void *arg, long iters)
{
	struct mcase *c = arg;
	unsigned long s = 0;
	for (long i = 0; i < iters; i++) {
		unsigned long a = c->addr[i & (NADDR - 1)];
		int k = vma_index(c, a);
		if (k < c->map_count && c->vmas[k]->vm_start <= a)
			s += (unsigned long)c->vmas[k];
	}
	c->sink += s;
}

static void array_find_vma(void *arg, long iters)
{
	struct mcase *c = arg;
	unsigned long s = 0;
	for (long i = 0; i < iters; i++) {
		int k = vma_index(c, c->addr[i & (NADDR - 1)]);
		if (k < c->map_count)
			s += (unsigned long)c->vmas[k];
	}
	c->sink += s;
}

static void maple_load(void *arg, long iters)
{
	struct mcase *c = arg;
	unsigned long s = 0;
	for (long i = 0; i < iters; i++)
		s += (unsigned long)mtree_load(&c->mt, c->addr[i & (NADDR - 1)]);
	c->sink += s;
}

static void maple_find_vma(void *arg, long iters)
{
	struct mcase *c = arg;
	unsigned long s = 0;
	for (long i = 0; i < iters; i++) {
		unsigned long index = c->addr[i & (NADDR - 1)];
		s += (unsigned long)mt_find(&c->mt, &index, mt_ulong_max());
	}
	c->sink += s;
}

static unsigned long rnd_state = 88172645463325252UL;
static unsigned long rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* n ranges from start: 1-64 pages each, a third of them touching the one before, the rest 1-16 pages apart. */
static int build(struct mcase *c, int n, bool w64)
{
	unsigned long a = w64 ? 0x555555554000UL : 0x08048000UL;
	unsigned long entry_base = w64 ? 0xffff888000000000UL : 0xc1000000UL;
	mt_init_flags(&c->mt, MM_MT_FLAGS);
	c->vmas = calloc((size_t)n, sizeof(*c->vmas));
	c->map_count = n;
	for (int i = 0; i < n; i++) {
		unsigned long len = (1 + rnd() % 64) << 12;
		if (rnd() % 3)
			a += (1 + rnd() % 16) << 12;
		c->vmas[i] = calloc(1, sizeof(struct host_vma));
		c->vmas[i]->vm_start = a;
		c->vmas[i]->vm_end = a + len;
		if (mtree_store_range(&c->mt, a, a + len - 1, (void *)(entry_base + (unsigned long)i * 256), GFP_KERNEL))
			return -1;
		a += len;
	}
	unsigned long lo = c->vmas[0]->vm_start, span = c->vmas[n - 1]->vm_end - lo;
	for (int i = 0; i < NADDR; i++)
		c->addr[i] = lo + rnd() % span;
	return 0;
}

static void drop(struct mcase *c)
{
	mtree_destroy(&c->mt);
	for (int i = 0; i < c->map_count; i++)
		free(c->vmas[i]);
	free(c->vmas);
}

/*
 * find_vma on a real mm (src/mm/mmap.c): n anonymous mappings whose
 * protections alternate, so none merges, looked up through mm->mm_mt and
 * the host map (find_vma) against a binary search of an array of the same
 * mm's VMAs in order (what find_vma was when the mm kept one, mm->vmas).
 */
struct mmcase {
	struct task_struct *t;
	struct vm_area_struct **vmas; /* the mm's VMAs in order, as mm->vmas was */
	int nr;
	unsigned long addr[NADDR];    /* random addresses inside the mapped span */
	unsigned long sink;
};

static void mm_find_vma(void *arg, long iters)
{
	struct mmcase *c = arg;
	unsigned long s = 0;
	for (long i = 0; i < iters; i++)
		s += (unsigned long)find_vma(c->t->mm, c->addr[i & (NADDR - 1)]);
	c->sink += s;
}

static void mm_array_find_vma(void *arg, long iters)
{
	struct mmcase *c = arg;
	unsigned long s = 0;
	for (long i = 0; i < iters; i++) {
		unsigned long a = c->addr[i & (NADDR - 1)];
		int lo = 0, hi = c->nr;
		while (lo < hi) {
			int mid = (lo + hi) / 2;
			if (c->vmas[mid]->vm_end > a)
				hi = mid;
			else
				lo = mid + 1;
		}
		s += lo < c->nr ? (unsigned long)c->vmas[lo] : 0;
	}
	c->sink += s;
}

static void bench_mm_find_vma(const char *profile, int n)
{
	struct mmcase *c = calloc(1, sizeof(*c));
	c->t = task_create("bench", 1000);
	if (!c->t) {
		free(c);
		return;
	}
	unsigned long lo = ~0UL, hi = 0;
	for (int i = 0; i < n; i++) {
		long a = task_mmap(c->t, 0, (1 + rnd() % 16) << 12, i % 2 ? PROT_READ : PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (a < 0)
			break;
		lo = (unsigned long)a < lo ? (unsigned long)a : lo;
		hi = (unsigned long)a > hi ? (unsigned long)a : hi;
	}
	for (int i = 0; i < NADDR; i++)
		c->addr[i] = lo + rnd() % (hi - lo + 1);
	struct vm_area_struct *v;
	c->vmas = calloc((size_t)c->t->mm->map_count, sizeof(*c->vmas));
	VMA_ITERATOR(vmi, c->t->mm, 0);
	for_each_vma(vmi, v)
		c->vmas[c->nr++] = v;
	char name[80];
	snprintf(name, sizeof(name), "%s find_vma on an mm, %d VMAs (h%u)", profile, c->t->mm->map_count,
		 mt_height(&c->t->mm->mm_mt));
	bench_print(name, bench_best(mm_find_vma, c, 200000, 5), bench_best(mm_array_find_vma, c, 200000, 5));
	task_exit(c->t);
	free(c->vmas);
	free(c);
}

void bench_maple(void)
{
	static const char *const profiles[] = { "i386", "x86_64" };
	static const int sizes[] = { 30, 300, 3000 };
	bench_print_header("maple tree lookups (one operation = one lookup at a random address; baseline = a sorted "
			   "array of the VMAs, as mm->vmas was, binary search)");
	for (unsigned p = 0; p < 2; p++) {
		struct kmm_boot_params bp = KMM_BOOT_DEFAULTS;
		char err[256];
		bp.profile = profiles[p];
		bp.mem_bytes = 512ULL << 20;
		if (kmm_boot(&bp, err, sizeof(err))) {
			printf("maple: %s\n", err);
			return;
		}
		for (unsigned s = 0; s < 3; s++) {
			struct mcase *c = calloc(1, sizeof(*c));
			char name[64];
			if (build(c, sizes[s], p == 1)) {
				printf("maple: building a tree of %d failed\n", sizes[s]);
				drop(c);
				free(c);
				continue;
			}
			long iters = 200000;
			snprintf(name, sizeof(name), "%s mtree_load, %d VMAs (h%u)", profiles[p], sizes[s], mt_height(&c->mt));
			bench_print(name, bench_best(maple_load, c, iters, 5), bench_best(array_load, c, iters, 5));
			snprintf(name, sizeof(name), "%s find_vma (mt_find), %d VMAs", profiles[p], sizes[s]);
			bench_print(name, bench_best(maple_find_vma, c, iters, 5), bench_best(array_find_vma, c, iters, 5));
			drop(c);
			free(c);
		}
		for (unsigned s = 0; s < 3; s++)
			bench_mm_find_vma(profiles[p], sizes[s]);
		kmm_shutdown();
	}
}
