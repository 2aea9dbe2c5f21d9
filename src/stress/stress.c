/*
 * stress.c - random operation sequences with everything checked, as
 * syzkaller and Linux's mm selftests throw them at a kernel: the engine of
 * `kmm stress`, of the op-sequence fuzz target and of the TSan driver.
 *
 * Vocabulary.  A *stream* is bytes: from a seeded PRNG (splitmix64, one
 * stream per CPU seeded by (seed, cpu)) or from a fuzzer.  Each *operation*
 * takes one byte that picks its kind (weighted by STRESS_OPS, so the
 * common calls come often and the rare ones still come), then the bytes
 * of its arguments; an exhausted byte string reads as zeros and ends the
 * run.  A *table* holds what the operations got back - pages, objects,
 * caches, vmalloc areas, kmaps, tasks and their mapped *regions* - and
 * later operations pick from it by index, so every free is of something
 * live and nothing is freed twice: the engine never misuses the API, it
 * only stresses it.
 *
 *   stream --op byte--> STRESS_OPS[k] --args--> kmm call --> table
 *                                                   \--> trace line --> digest
 *
 * What is checked, besides the kernel's own reports (bad pages, slab and
 * vmalloc errors, kmap misuse, oopses: any of them fails the run):
 *   - contents: every page, object and vmalloc area carries a tag in its
 *     first and last bytes, written when it is taken and checked when it
 *     is freed (krealloc: the kept part), and at checkpoints; __GFP_ZERO,
 *     kzalloc and vzalloc memory must read as zeros; a vmalloc area's bytes
 *     must be the same through the direct map/kmap of its page (aliases);
 *   - user memory: a private anonymous region the engine never wrote must
 *     read as zeros (no kernel data reaches user space, through the zero
 *     page, COW and mremap); what is written through one way in
 *     (mm_access/task_write, or plain stores through task_user_ptr inside
 *     kmm_try) reads back through the other; after fork, a parent's write
 *     is not seen by the child (COW); a file's pwrite reads back;
 *   - the validators (kmm_verify: zones, caches, vmap areas, pkmap, tasks,
 *     page cache; mm_verify of each task) every check_every operations,
 *     and at the end, after everything was freed, kmm_nothing_lost()
 *     against the figures taken before the first operation.
 * A failed call (NULL, -ENOMEM, -EFAULT of a protected page, -EINTR of a
 * task the OOM killer chose - each CPU's tasks move between its memory
 * cgroups, whose limits change) is not an error - a machine runs out of
 * memory - it is counted; wrong data is.
 *
 * CPUs.  With one CPU the engine runs on the caller's thread and is a pure
 * function of the stream and the machine: the trace lines name simulated
 * addresses and pfns, never host pointers, and their hash is the digest.
 * With several, CPU c runs on a host thread that entered CPU c
 * (kmm_cpu_enter), with tables of its own; cross-CPU traffic goes through
 * what is shared on purpose: two kmem caches made before the threads
 * start, a pool where one CPU hands pages and objects over for another to
 * free (remote frees into per-CPU lists and slabs), files named alike on
 * every CPU, the sysctls, the views.  A checkpoint is a barrier: every CPU
 * stops, the last to arrive runs the machine-wide validators, and all go on.
 * A CPU that finishes its share leaves the barrier.  The first failure
 * stops every CPU; its CPU and operation index are reported so that the
 * seed, with one CPU, replays it.
 *
 * Locking: stress->lock guards the pool and the failure record; a CPU's
 * tables are its thread's alone.  Nothing is deliberately bad here: for
 * misuse (double frees, foreign pointers) see the tests of each allocator.
 */
#include "internal.h"
#include "kernel/kobj.h"

#include <kmm/fs.h>
#include <kmm/highmem.h>
#include <kmm/slab.h>
#include <kmm/stress.h>
#include <kmm/swap.h>
#include <kmm/task.h>
#include <kmm/vmalloc.h>

#define NPAGES 48          /* pages held per CPU */
#define NOBJS 160          /* objects (kmalloc family and caches) */
#define NCACHES 3          /* caches of a CPU's own */
#define NSHARED_CACHES 2   /* caches all CPUs allocate from */
#define NVMS 12            /* vmalloc areas */
#define NKMAPS 6           /* held kmap()s */
#define NKSTACK 4          /* kmap_local_page()s, a stack */
#define NTASKS 6           /* tasks */
#define NREGIONS 40        /* mapped regions of the tasks */
#define NPOOL 32           /* pages and objects handed between CPUs */
#define NFILES 6           /* file names: 0..3 the CPU's own, 4.. shared by all */
#define NOWN_FILES 4
#define TAG_BYTES 16       /* tagged at each end */
#define MAX_TOUCH_PAGES 32 /* pages one user access reaches */

/* kind, weight: how often it comes, out of the sum */
#define STRESS_OPS(X)                                                                                    \
	X(page_alloc, 12) X(page_free, 10) X(page_split, 1) X(page_exact, 1)                             \
	X(cache_create, 1) X(cache_destroy, 1) X(cache_alloc, 8) X(cache_free, 7) X(cache_bulk, 1)       \
	X(cache_shrink, 1) X(kmalloc, 12) X(krealloc, 3) X(kfree, 10) X(kvmalloc, 1)                     \
	X(vmalloc, 3) X(vfree, 3) X(vmap, 1) X(kmap, 2) X(kunmap, 2) X(kmap_local, 2) X(kunmap_local, 2) \
	X(task_create, 1) X(task_exit, 1) X(fork, 1) X(mmap, 3) X(munmap, 2) X(mprotect, 2)              \
	X(mremap, 1) X(brk, 1) X(madvise, 1) X(mlock, 1) X(touch, 6) X(touch_trap, 3) X(user_rw, 2)      \
	X(cow, 1) X(file_create, 1) X(file_unlink, 1) X(file_rw, 2) X(file_mmap, 2) X(sync, 1)           \
	X(drop_caches, 1) X(handoff, 2) X(adopt, 2) X(drain, 1) X(proc_read, 1) X(sysctl, 1) X(verify, 1)      \
	X(swap, 1) X(cgroup, 1) X(migrate, 1) X(compact, 1)

enum stress_op {
#define X(name, w) OP_##name,
	STRESS_OPS(X)
#undef X
	NR_STRESS_OPS
};
_Static_assert(NR_STRESS_OPS <= KMM_STRESS_MAX_OPS, "kmm_stress_result.count[] is too small");

static const char *const op_names[] = {
#define X(name, w) #name,
	STRESS_OPS(X)
#undef X
};
static const unsigned char op_weights[] = {
#define X(name, w) w,
	STRESS_OPS(X)
#undef X
};

/* ---- the byte stream --------------------------------------------------------------------------- */

struct stream {
	const u8 *buf;       /* a fuzzer's bytes, or NULL: the PRNG */
	size_t len, pos;
	u64 state;           /* splitmix64 */
	u64 pool;            /* PRNG bits not used yet */
	int pool_bytes;
};

static u64 splitmix64(u64 *state)
{
	u64 z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int next_byte(struct stream *s)
{
	if (s->buf)
		return s->pos < s->len ? s->buf[s->pos++] : 0;
	if (!s->pool_bytes) {
		s->pool = splitmix64(&s->state);
		s->pool_bytes = 8;
	}
	unsigned int b = s->pool & 0xff;
	s->pool >>= 8;
	s->pool_bytes--;
	return b;
}

static bool stream_ended(const struct stream *s)
{
	return s->buf && s->pos >= s->len;
}

static unsigned int next_u16(struct stream *s)
{
	unsigned int lo = next_byte(s);
	return lo | next_byte(s) << 8;
}

/* 0 .. n-1 (0 if n is 0) */
static unsigned int pick(struct stream *s, unsigned int n)
{
	return n ? next_u16(s) % n : 0;
}

/* A count skewed to small ones: 1..max, half of them below max/16. */
static unsigned long pick_count(struct stream *s, unsigned long max)
{
	unsigned int b = next_byte(s);
	unsigned long cap = b & 0x80 ? max : (max + 15) / 16;
	return 1 + (((unsigned long)next_u16(s) << 8 | b) % cap);
}

/* ---- tables ------------------------------------------------------------------------------------ */

enum obj_how { OBJ_KMALLOC, OBJ_KVMALLOC, OBJ_CACHE };

struct held_page {
	struct page *page;   /* the head */
	unsigned int order;
	u8 tag;
	bool exact;          /* alloc_pages_exact: free_pages_exact(virt, size) */
	void *virt;
	size_t size;
};

struct held_obj {
	void *p;
	size_t size;                 /* bytes asked for */
	struct kmem_cache *cache;    /* OBJ_CACHE */
	bool shared_cache;           /* from a cache every CPU uses: may be handed over */
	enum obj_how how;
	u8 tag;
};

struct held_cache {
	struct kmem_cache *c;
	unsigned int size;
};

struct held_vm {
	void *p;
	unsigned long size;
	u8 tag;
};

struct held_kmap {
	struct page *page;   /* a page of the kmap's own (HighMem when there is any) */
	void *addr;
	u8 tag;
};

struct region {
	struct task_struct *t;
	unsigned long addr, len;
	bool anon_private;   /* never written by the engine => reads as zeros */
	bool dirty;          /* the engine wrote into it (or into a fork relative's) */
	bool checkable;      /* contents are this CPU's alone: what is written reads back */
};

struct pool_item {
	bool is_page;
	struct held_page pg;
	struct held_obj obj;
};

struct stress;

struct stress_cpu {
	struct stress *st;
	int cpu;
	struct stream in;
	unsigned long op, nops;      /* the current operation (1-based), of how many (0: until the bytes end) */
	u64 digest;                  /* FNV-1a of the trace lines */
	unsigned long count[NR_STRESS_OPS], failed;
	char line[320];              /* the current operation's trace line */
	size_t line_len;
	unsigned int tag_seq, cache_seq;
	struct held_page pages[NPAGES];
	int npages;
	struct held_obj objs[NOBJS];
	int nobjs;
	struct held_cache caches[NCACHES];
	int ncaches;
	struct held_vm vms[NVMS];
	int nvms;
	struct held_kmap kmaps[NKMAPS], kstack[NKSTACK];
	int nkmaps, nkstack;
	struct task_struct *tasks[NTASKS];
	int ntasks;
	struct region regions[NREGIONS];
	int nregions;
	pthread_t thread;
};

struct stress {
	const struct kmm_stress_opts *o;
	struct kmm_stress_result *r;
	int ncpus;
	struct stress_cpu *cpus;
	struct kmem_cache *shared[NSHARED_CACHES];
	pthread_mutex_t lock;        /* the pool and the failure record */
	struct pool_item pool[NPOOL];
	int npool;
	bool stop;                   /* a check failed: every CPU stops (atomic) */
	/* the checkpoint barrier */
	pthread_mutex_t bar_lock;
	pthread_cond_t bar_cond;
	int bar_parties, bar_waiting;
	unsigned long bar_gen;
	unsigned long bugs_before;
	unsigned long oom_kills_before; /* OOM_KILL events before the first operation */
	unsigned long max_pages;     /* o->max_pages, or its default */
	char mfk[32], wsf[32], cpr[32]; /* the sysctls as they were (cpr: compaction_proactiveness) */
	bool has_swap;               /* the machine had swap when the run began: op_swap turns a second area on and off */
	struct kmm_usage before;
};

static unsigned long kernel_bugs(void)
{
	return kmm_bad_pages() + M->slab_bugs + M->vmalloc_bugs + M->kmap_bugs + M->oopses + M->dma_bugs;
}

static bool stopped(struct stress *st)
{
	return __atomic_load_n(&st->stop, __ATOMIC_RELAXED);
}

/* Record the first failure (c NULL: the final checks) and stop every CPU. */
static void __attribute__((format(printf, 2, 3))) fail(struct stress_cpu *c, const char *fmt, ...)
{
	struct stress *st = c->st;
	pthread_mutex_lock(&st->lock);
	if (!st->r->why[0]) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(st->r->why, sizeof(st->r->why), fmt, ap);
		va_end(ap);
		st->r->fail_cpu = c->cpu;
		st->r->fail_op = c->op;
	}
	__atomic_store_n(&st->stop, true, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&st->lock);
}

/* The trace line of the current operation: what was done and what came of it. */
static void __attribute__((format(printf, 2, 3))) say(struct stress_cpu *c, const char *fmt, ...)
{
	if (c->line_len >= sizeof(c->line) - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(c->line + c->line_len, sizeof(c->line) - c->line_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->line_len = min(c->line_len + (size_t)n, sizeof(c->line) - 1);
}

/* A call failed as it may: counted, and said. */
static void failed(struct stress_cpu *c, long err)
{
	c->failed++;
	say(c, " -> %ld", err);
}

static unsigned long kva(const void *p)
{
	return kmm_host_to_kva(p);
}

/* ---- contents ---------------------------------------------------------------------------------- */

static bool all_zero(const u8 *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* The tag pattern: each byte differs, so a shifted or partial copy does not pass. */
static void tag_fill(u8 *p, size_t n, u8 tag)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (u8)(tag + i * 7);
}

static bool tag_ok(const u8 *p, size_t n, u8 tag)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (u8)(tag + i * 7))
			return false;
	return true;
}

/*
 * Tag (or check the tag of) both ends of n bytes at p: the first 16 and
 * the last 16 that are not among them; want_zero: first check that they
 * are zeros.
 */
static bool ends(u8 *p, size_t n, u8 tag, bool write, bool want_zero)
{
	size_t k = min(n, (size_t)TAG_BYTES), t = max(k, n - k);
	if (!n || p == ZERO_SIZE_PTR)
		return true;
	if (want_zero && (!all_zero(p, k) || !all_zero(p + t, n - t)))
		return false;
	if (write) {
		tag_fill(p, k, tag);
		tag_fill(p + t, n - t, (u8)(tag ^ 0x5a));
		return true;
	}
	return tag_ok(p, k, tag) && tag_ok(p + t, n - t, (u8)(tag ^ 0x5a));
}

/* Both ends of a block of pages, each page reached through kmap_local_page (HighMem too). */
static bool pages_ends(struct page *page, unsigned int order, u8 tag, bool write, bool want_zero)
{
	unsigned long n = 1UL << order;
	for (unsigned long i = 0; i < n; i += n > 1 ? n - 1 : 1) {
		u8 *p = kmap_local_page(page + i);
		bool ok = ends(p, PAGE_SIZE, (u8)(tag + i), write, want_zero);
		kunmap_local(p);
		if (!ok)
			return false;
	}
	return true;
}

static u8 new_tag(struct stress_cpu *c)
{
	return (u8)(c->cpu * 37 + ++c->tag_seq * 13);
}

/* ---- pages ------------------------------------------------------------------------------------- */

static const struct {
	const char *name;
	gfp_t gfp;
} gfp_kinds[] = {
	{ "GFP_KERNEL", GFP_KERNEL },
	{ "GFP_ATOMIC", GFP_ATOMIC },
	{ "GFP_NOWAIT", GFP_NOWAIT },
	{ "GFP_NOIO", GFP_NOIO },
	{ "GFP_NOFS", GFP_NOFS },
	{ "GFP_USER", GFP_USER },
	{ "GFP_HIGHUSER", GFP_HIGHUSER },
	{ "GFP_HIGHUSER_MOVABLE", GFP_HIGHUSER_MOVABLE },
	{ "GFP_DMA", GFP_KERNEL | GFP_DMA },
	{ "GFP_DMA32", GFP_KERNEL | GFP_DMA32 },
	{ "GFP_KERNEL|__GFP_RECLAIMABLE", GFP_KERNEL | __GFP_RECLAIMABLE },
	{ "GFP_KERNEL|__GFP_HIGH", GFP_KERNEL | __GFP_HIGH },
	{ "GFP_TRANSHUGE_LIGHT", GFP_TRANSHUGE_LIGHT },
};

/* A GFP mask: a kind, modifiers, and __GFP_NOWARN but for one in 16 (the warning path runs too). */
static gfp_t pick_gfp(struct stress_cpu *c, const char **name, bool pages)
{
	unsigned int k = pick(&c->in, ARRAY_SIZE(gfp_kinds)), m = next_byte(&c->in);
	gfp_t gfp = gfp_kinds[k].gfp;
	*name = gfp_kinds[k].name;
	if (m & 1)
		gfp |= __GFP_ZERO;
	if (pages && (m & 2))
		gfp |= __GFP_COMP;
	if (m & 4)
		gfp |= (m & 8) ? __GFP_NORETRY : __GFP_RETRY_MAYFAIL;
	if (m >> 4)
		gfp |= __GFP_NOWARN;
	return gfp;
}

/* Orders: 0 half the time, 1..3 a third, up to MAX_ORDER-1 the rest. */
static unsigned int pick_order(struct stress_cpu *c)
{
	unsigned int b = next_byte(&c->in);
	if (b < 128)
		return 0;
	if (b < 212)
		return 1 + b % 3;
	return 4 + b % (MAX_ORDER - 4);
}

/* The checks of what is held: tags intact, or the failure said. */
static bool page_ok(struct stress_cpu *c, const struct held_page *h)
{
	if (h->exact ? ends(h->virt, h->size, h->tag, false, false) : pages_ends(h->page, h->order, h->tag, false, false))
		return true;
	fail(c, "the tag of pfn %#lx (order %u) was overwritten while it was held", page_to_pfn(h->page), h->order);
	return false;
}

static bool obj_ok(struct stress_cpu *c, const struct held_obj *h)
{
	if (ends(h->p, h->size, h->tag, false, false))
		return true;
	fail(c, "the tag of the %zu-byte object at %#lx was overwritten while it was held", h->size, kva(h->p));
	return false;
}

static bool vm_ok(struct stress_cpu *c, const struct held_vm *h)
{
	if (ends(h->p, h->size, h->tag, false, false))
		return true;
	fail(c, "the tag of vmalloc area %#lx was overwritten while it was held", kva(h->p));
	return false;
}

static bool page_check_free(struct stress_cpu *c, struct held_page *h)
{
	bool ok = page_ok(c, h);
	if (h->exact)
		free_pages_exact(h->virt, h->size);
	else
		__free_pages(h->page, h->order);
	return ok;
}

static void op_page_alloc(struct stress_cpu *c)
{
	const char *name;
	gfp_t gfp = pick_gfp(c, &name, true);
	unsigned int order = pick_order(c), how = pick(&c->in, 4);
	say(c, " %s%s order=%u", name, gfp & __GFP_ZERO ? "|__GFP_ZERO" : "", order);
	if (c->npages == NPAGES) {
		say(c, " (table full)");
		return;
	}
	struct page *page;
	if (how == 0) {
		page = alloc_pages_node((int)pick(&c->in, (unsigned int)nr_online_nodes), gfp, order);
	} else if (how == 1 && !(gfp & __GFP_HIGHMEM)) {
		unsigned long a = __get_free_pages(gfp, order);
		page = a ? virt_to_page((void *)a) : NULL;
	} else {
		page = alloc_pages(gfp, order);
	}
	if (!page) {
		failed(c, -ENOMEM);
		return;
	}
	say(c, " -> pfn %#lx", page_to_pfn(page));
	struct held_page *h = &c->pages[c->npages++];
	*h = (struct held_page){ .page = page, .order = order, .tag = new_tag(c) };
	if (!pages_ends(page, order, h->tag, true, gfp & __GFP_ZERO))
		fail(c, "alloc_pages(%s|__GFP_ZERO, %u) gave pfn %#lx, not zeroed", name, order, page_to_pfn(page));
}

static void op_page_free(struct stress_cpu *c)
{
	if (!c->npages)
		return;
	int i = (int)pick(&c->in, c->npages);
	say(c, " pfn %#lx order=%u", page_to_pfn(c->pages[i].page), c->pages[i].order);
	page_check_free(c, &c->pages[i]);
	c->pages[i] = c->pages[--c->npages];
}

/* split_page: an order-N block becomes 2^N pages, freed one by one in a scrambled order. */
static void op_page_split(struct stress_cpu *c)
{
	unsigned int order = 1 + pick(&c->in, 4), step = 1 + 2 * pick(&c->in, 4);
	say(c, " order=%u", order);
	struct page *page = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);
	if (!page) {
		failed(c, -ENOMEM);
		return;
	}
	say(c, " -> pfn %#lx", page_to_pfn(page));
	split_page(page, order);
	unsigned long n = 1UL << order;
	for (unsigned long i = 0, j = 0; i < n; i++, j = (j + step) % n)
		__free_pages(page + j, 0);
}

static void op_page_exact(struct stress_cpu *c)
{
	size_t size = pick_count(&c->in, 64 * PAGE_SIZE);
	say(c, " %zu", size);
	if (c->npages == NPAGES)
		return;
	void *v = alloc_pages_exact(size, GFP_KERNEL | __GFP_NOWARN);
	if (!v) {
		failed(c, -ENOMEM);
		return;
	}
	say(c, " -> %#lx", kva(v));
	struct held_page *h = &c->pages[c->npages++];
	*h = (struct held_page){ .page = virt_to_page(v), .exact = true, .virt = v, .size = size, .tag = new_tag(c) };
	ends(v, size, h->tag, true, false);
}

/* ---- slab -------------------------------------------------------------------------------------- */

static void obj_add(struct stress_cpu *c, void *p, size_t size, enum obj_how how, struct kmem_cache *cache,
		    bool shared, bool want_zero)
{
	say(c, " -> %#lx", kva(p));
	struct held_obj *h = &c->objs[c->nobjs++];
	*h = (struct held_obj){ .p = p, .size = size, .how = how, .cache = cache, .shared_cache = shared,
				.tag = new_tag(c) };
	if (!ends(p, size, h->tag, true, want_zero))
		fail(c, "a zeroed allocation of %zu bytes at %#lx was not zeroed", size, kva(p));
	if (how == OBJ_KMALLOC && size && ksize(p) < size)
		fail(c, "ksize(%#lx) is %zu, below the %zu asked for", kva(p), ksize(p), size);
}

static void obj_free(struct stress_cpu *c, struct held_obj *h)
{
	obj_ok(c, h);
	if (h->how == OBJ_CACHE)
		kmem_cache_free(h->cache, h->p);
	else if (h->how == OBJ_KVMALLOC)
		kvfree(h->p);
	else if (h->size & 1)
		kfree_sensitive(h->p);
	else
		kfree(h->p);
}

static void op_cache_create(struct stress_cpu *c)
{
	static const slab_flags_t flag_bits[] = { SLAB_HWCACHE_ALIGN, SLAB_RED_ZONE,	   SLAB_POISON,
						  SLAB_STORE_USER,    SLAB_RECLAIM_ACCOUNT, SLAB_ACCOUNT,
						  SLAB_CONSISTENCY_CHECKS, SLAB_TYPESAFE_BY_RCU };
	unsigned int size = (unsigned int)pick_count(&c->in, 4096), fb = next_byte(&c->in);
	unsigned int align = (fb & 0x80) ? 8u << pick(&c->in, 7) : 0;
	slab_flags_t flags = 0;
	for (unsigned int i = 0; i < ARRAY_SIZE(flag_bits); i++)
		if (fb & (1u << i) && next_byte(&c->in) < 96)
			flags |= flag_bits[i];
	char name[40];
	snprintf(name, sizeof(name), "stress-%d-%u", c->cpu, ++c->cache_seq);
	say(c, " %s %u align=%u flags=%#x", name, size, align, flags);
	if (c->ncaches == NCACHES)
		return;
	struct kmem_cache *s = kmem_cache_create(name, size, align, flags, NULL);
	if (!s) {
		failed(c, -ENOMEM);
		return;
	}
	c->caches[c->ncaches++] = (struct held_cache){ s, size };
}

static void op_cache_destroy(struct stress_cpu *c)
{
	if (!c->ncaches)
		return;
	int i = (int)pick(&c->in, c->ncaches);
	struct kmem_cache *s = c->caches[i].c;
	say(c, " %s", kmem_cache_name(s));
	for (int j = c->nobjs - 1; j >= 0; j--)
		if (c->objs[j].how == OBJ_CACHE && c->objs[j].cache == s) {
			obj_free(c, &c->objs[j]);
			c->objs[j] = c->objs[--c->nobjs];
		}
	kmem_cache_destroy(s);
	c->caches[i] = c->caches[--c->ncaches];
}

/* A cache to allocate from: one of the CPU's own or a shared one. */
static struct kmem_cache *pick_cache(struct stress_cpu *c, unsigned int *size, bool *shared)
{
	unsigned int i = pick(&c->in, (unsigned int)c->ncaches + NSHARED_CACHES);
	*shared = i >= (unsigned int)c->ncaches;
	if (*shared) {
		struct kmem_cache *s = c->st->shared[i - c->ncaches];
		*size = kmem_cache_size(s);
		return s;
	}
	*size = c->caches[i].size;
	return c->caches[i].c;
}

static void op_cache_alloc(struct stress_cpu *c)
{
	unsigned int size;
	bool shared, zero = next_byte(&c->in) < 64;
	struct kmem_cache *s = pick_cache(c, &size, &shared);
	say(c, " %s%s", kmem_cache_name(s), zero ? " zeroed" : "");
	if (c->nobjs == NOBJS)
		return;
	gfp_t gfp = GFP_KERNEL | __GFP_NOWARN;
	void *p = zero ? kmem_cache_zalloc(s, gfp) : next_byte(&c->in) & 1 ? kmem_cache_alloc_node(s, gfp, 0)
									 : kmem_cache_alloc(s, gfp);
	if (!p) {
		failed(c, -ENOMEM);
		return;
	}
	obj_add(c, p, size, OBJ_CACHE, s, shared, zero);
}

static void op_cache_free(struct stress_cpu *c)
{
	int n = 0, idx[NOBJS];
	for (int i = 0; i < c->nobjs; i++)
		if (c->objs[i].how == OBJ_CACHE)
			idx[n++] = i;
	if (!n)
		return;
	int i = idx[pick(&c->in, (unsigned int)n)];
	say(c, " %s %#lx", kmem_cache_name(c->objs[i].cache), kva(c->objs[i].p));
	obj_free(c, &c->objs[i]);
	c->objs[i] = c->objs[--c->nobjs];
}

/* kmem_cache_alloc_bulk and _free_bulk, within the operation. */
static void op_cache_bulk(struct stress_cpu *c)
{
	unsigned int size, nr = 1 + pick(&c->in, 32);
	bool shared;
	struct kmem_cache *s = pick_cache(c, &size, &shared);
	void *p[32];
	say(c, " %s %u", kmem_cache_name(s), nr);
	int got = kmem_cache_alloc_bulk(s, GFP_KERNEL | __GFP_NOWARN, nr, p);
	if (!got) {
		failed(c, -ENOMEM);
		return;
	}
	u8 tag = new_tag(c);
	for (int i = 0; i < got; i++)
		ends(p[i], size, (u8)(tag + i), true, false);
	for (int i = 0; i < got; i++)
		if (!ends(p[i], size, (u8)(tag + i), false, false))
			fail(c, "kmem_cache_alloc_bulk gave object %d (%#lx) twice or overlapping", i, kva(p[i]));
	kmem_cache_free_bulk(s, (size_t)got, p);
}

static void op_cache_shrink(struct stress_cpu *c)
{
	unsigned int size;
	bool shared;
	struct kmem_cache *s = pick_cache(c, &size, &shared);
	say(c, " %s", kmem_cache_name(s));
	kmem_cache_shrink(s);
}

/* kmalloc sizes: mostly small, some up to a page or two, a few large ones (the page allocator's). */
static size_t pick_kmalloc_size(struct stress_cpu *c)
{
	unsigned int b = next_byte(&c->in);
	if (b < 4)
		return 0;
	if (b < 160)
		return pick_count(&c->in, 512);
	if (b < 240)
		return pick_count(&c->in, 2 * PAGE_SIZE);
	return pick_count(&c->in, 64 * PAGE_SIZE);
}

static void op_kmalloc(struct stress_cpu *c)
{
	size_t size = pick_kmalloc_size(c);
	unsigned int how = pick(&c->in, 8);
	gfp_t gfp = (how == 7 ? GFP_ATOMIC : how == 6 ? GFP_KERNEL | GFP_DMA : GFP_KERNEL) | __GFP_NOWARN;
	static const char *const hows[] = { "kmalloc", "kmalloc", "kzalloc", "kcalloc", "kmalloc_node",
					    "kmemdup", "kmalloc(GFP_DMA)", "kmalloc(GFP_ATOMIC)" };
	say(c, " %s %zu", hows[how], size);
	if (c->nobjs == NOBJS)
		return;
	u8 src[64];
	void *p;
	switch (how) {
	case 2: p = kzalloc(size, gfp); break;
	case 3: p = kcalloc(size ? size : 1, 1, gfp); break;
	case 4: p = kmalloc_node(size, gfp, 0); break;
	case 5:
		memset(src, 0, sizeof(src));
		p = kmemdup(src, min(size, sizeof(src)), gfp); /* zeros: the same check as kzalloc */
		size = min(size, sizeof(src));
		break;
	default: p = kmalloc(size, gfp); break;
	}
	if (!p) {
		failed(c, -ENOMEM);
		return;
	}
	obj_add(c, p, how == 3 && !size ? 1 : size, OBJ_KMALLOC, NULL, false, how == 2 || how == 3 || how == 5);
}

static int pick_obj(struct stress_cpu *c, enum obj_how how)
{
	int n = 0, idx[NOBJS];
	for (int i = 0; i < c->nobjs; i++)
		if (c->objs[i].how == how)
			idx[n++] = i;
	return n ? idx[pick(&c->in, (unsigned int)n)] : -1;
}

/* krealloc keeps min(old, new) bytes: the head tag survives when it fits, then both ends are tagged anew. */
static void op_krealloc(struct stress_cpu *c)
{
	int i = pick_obj(c, OBJ_KMALLOC);
	size_t size = pick_kmalloc_size(c);
	if (i < 0)
		return;
	struct held_obj *h = &c->objs[i];
	say(c, " %#lx %zu -> %zu", kva(h->p), h->size, size);
	obj_ok(c, h);
	u8 head[TAG_BYTES];
	size_t keep = min(min(h->size, size), (size_t)TAG_BYTES);
	if (h->p != ZERO_SIZE_PTR)
		memcpy(head, h->p, keep);
	void *p = krealloc(h->p, size, GFP_KERNEL | __GFP_NOWARN);
	if (!p && size) {
		failed(c, -ENOMEM); /* the old object stays */
		return;
	}
	if (!size) { /* krealloc(p, 0) frees it */
		c->objs[i] = c->objs[--c->nobjs];
		return;
	}
	say(c, " -> %#lx", kva(p));
	if (keep && memcmp(p, head, keep))
		fail(c, "krealloc to %zu bytes lost the first %zu bytes of the object", size, keep);
	h->p = p;
	h->size = size;
	ends(p, size, h->tag, true, false);
}

static void op_kfree(struct stress_cpu *c)
{
	int i = pick_obj(c, next_byte(&c->in) < 16 ? OBJ_KVMALLOC : OBJ_KMALLOC);
	if (i < 0)
		return;
	say(c, " %#lx (%zu)", kva(c->objs[i].p), c->objs[i].size);
	obj_free(c, &c->objs[i]);
	c->objs[i] = c->objs[--c->nobjs];
}

static void op_kvmalloc(struct stress_cpu *c)
{
	size_t size = pick_count(&c->in, min(256UL, c->st->max_pages) * PAGE_SIZE);
	say(c, " %zu", size);
	if (c->nobjs == NOBJS)
		return;
	void *p = kvmalloc(size, GFP_KERNEL | __GFP_NOWARN);
	if (!p) {
		failed(c, -ENOMEM);
		return;
	}
	obj_add(c, p, size, OBJ_KVMALLOC, NULL, false, false);
}

/* ---- vmalloc and kmap -------------------------------------------------------------------------- */

/* The first byte of the area, as the direct map (or a kmap) of its page sees it. */
static bool vm_alias_ok(const void *p)
{
	struct page *page = vmalloc_to_page(p);
	if (!page)
		return false;
	u8 *k = kmap_local_page(page);
	bool ok = k[(uintptr_t)p & ~PAGE_MASK] == *(const u8 *)p;
	kunmap_local(k);
	return ok;
}

static void op_vmalloc(struct stress_cpu *c)
{
	unsigned long size = pick_count(&c->in, min(512UL, c->st->max_pages) * PAGE_SIZE);
	unsigned int how = pick(&c->in, 5);
	static const char *const hows[] = { "vmalloc", "vzalloc", "vmalloc_32", "vmalloc_user", "__vmalloc" };
	say(c, " %s %lu", hows[how], size);
	if (c->nvms == NVMS)
		return;
	void *p;
	switch (how) {
	case 1: p = vzalloc(size); break;
	case 2: p = vmalloc_32(size); break;
	case 3: p = vmalloc_user(size); break;
	case 4: p = __vmalloc(size, GFP_KERNEL | __GFP_NOWARN); break;
	default: p = vmalloc(size); break;
	}
	if (!p) {
		failed(c, -ENOMEM);
		return;
	}
	say(c, " -> %#lx", kva(p));
	struct held_vm *h = &c->vms[c->nvms++];
	*h = (struct held_vm){ p, size, new_tag(c) };
	if (!ends(p, size, h->tag, true, how == 1 || how == 3))
		fail(c, "%s(%lu) at %#lx was not zeroed", hows[how], size, kva(p));
	if (!vm_alias_ok(p) || !vm_alias_ok((u8 *)p + size - 1))
		fail(c, "vmalloc area %#lx: its bytes differ from its pages' own", kva(p));
}

static void op_vfree(struct stress_cpu *c)
{
	if (!c->nvms)
		return;
	int i = (int)pick(&c->in, c->nvms);
	say(c, " %#lx", kva(c->vms[i].p));
	vm_ok(c, &c->vms[i]);
	vfree(c->vms[i].p);
	c->vms[i] = c->vms[--c->nvms];
}

/* vmap of pages the operation takes, written through the alias, read through each page; then undone. */
static void op_vmap(struct stress_cpu *c)
{
	unsigned int n = 1 + pick(&c->in, 16);
	const char *name;
	gfp_t gfp = pick_gfp(c, &name, false) & ~__GFP_ZERO;
	struct page *pages[16];
	unsigned int got = 0;
	say(c, " %u %s", n, name);
	while (got < n && (pages[got] = alloc_page(gfp | __GFP_NOWARN)))
		got++;
	u8 *v = got ? vmap(pages, got, VM_MAP, __PAGE_KERNEL) : NULL;
	if (!v) {
		failed(c, -ENOMEM);
	} else {
		say(c, " -> %#lx", kva(v));
		u8 tag = new_tag(c);
		for (unsigned int i = 0; i < got; i++)
			tag_fill(v + i * PAGE_SIZE + 100, 8, (u8)(tag + i));
		for (unsigned int i = 0; i < got; i++) {
			u8 *k = kmap_local_page(pages[i]);
			bool ok = tag_ok(k + 100, 8, (u8)(tag + i));
			kunmap_local(k);
			if (!ok)
				fail(c, "vmap %#lx: page %u does not hold what was written through the alias", kva(v), i);
		}
		vunmap(v);
	}
	while (got)
		__free_page(pages[--got]);
}

static void op_kmap(struct stress_cpu *c)
{
	if (c->nkmaps == NKMAPS)
		return;
	struct page *page = alloc_page(GFP_HIGHUSER | __GFP_NOWARN);
	if (!page) {
		failed(c, -ENOMEM);
		return;
	}
	u8 *p = kmap(page);
	say(c, " pfn %#lx -> %#lx", page_to_pfn(page), kva(p));
	struct held_kmap *h = &c->kmaps[c->nkmaps++];
	*h = (struct held_kmap){ .page = page, .addr = p, .tag = new_tag(c) };
	ends(p, PAGE_SIZE, h->tag, true, false);
	if (page_address(page) != p)
		fail(c, "page_address of kmapped pfn %#lx is not the kmap address", page_to_pfn(page));
}

static void kunmap_check_free(struct stress_cpu *c, struct held_kmap *h)
{
	if (!ends(h->addr, PAGE_SIZE, h->tag, false, false))
		fail(c, "the kmap of pfn %#lx lost its contents", page_to_pfn(h->page));
	kunmap(h->page);
	if (!pages_ends(h->page, 0, h->tag, false, false)) /* another mapping sees the same bytes */
		fail(c, "pfn %#lx holds other bytes than its kmap did", page_to_pfn(h->page));
	__free_page(h->page);
}

static void op_kunmap(struct stress_cpu *c)
{
	if (!c->nkmaps)
		return;
	int i = (int)pick(&c->in, c->nkmaps);
	say(c, " pfn %#lx", page_to_pfn(c->kmaps[i].page));
	kunmap_check_free(c, &c->kmaps[i]);
	c->kmaps[i] = c->kmaps[--c->nkmaps];
}

/*
 * kmap_local_page mappings nest in a per-CPU stack and may be held across
 * operations (as across a sleep); they are undone from the top.  A
 * kmap_atomic section may not sleep, so it begins and ends within the
 * operation, nested over whatever the stack holds.
 */
static void op_kmap_local(struct stress_cpu *c)
{
	bool atomic = next_byte(&c->in) & 1;
	say(c, " %s", atomic ? "kmap_atomic" : "kmap_local_page");
	if (!atomic && c->nkstack == NKSTACK)
		return;
	struct page *page = alloc_page(GFP_HIGHUSER | __GFP_NOWARN);
	if (!page) {
		failed(c, -ENOMEM);
		return;
	}
	u8 *p = atomic ? kmap_atomic(page) : kmap_local_page(page), tag = new_tag(c);
	say(c, " pfn %#lx -> %#lx", page_to_pfn(page), kva(p));
	ends(p, PAGE_SIZE, tag, true, false);
	if (atomic) {
		kunmap_atomic(p);
		if (!pages_ends(page, 0, tag, false, false))
			fail(c, "pfn %#lx holds other bytes than its kmap_atomic did", page_to_pfn(page));
		__free_page(page);
		return;
	}
	c->kstack[c->nkstack++] = (struct held_kmap){ .page = page, .addr = p, .tag = tag };
}

static void kunmap_local_top(struct stress_cpu *c)
{
	struct held_kmap *h = &c->kstack[--c->nkstack];
	if (!ends(h->addr, PAGE_SIZE, h->tag, false, false))
		fail(c, "the kmap_local of pfn %#lx lost its contents", page_to_pfn(h->page));
	kunmap_local(h->addr);
	__free_page(h->page);
}

static void op_kunmap_local(struct stress_cpu *c)
{
	if (c->nkstack)
		kunmap_local_top(c);
}

/* ---- tasks and their memory -------------------------------------------------------------------- */

static void region_add(struct stress_cpu *c, struct region r)
{
	if (c->nregions < NREGIONS)
		c->regions[c->nregions++] = r;
}

static void task_drop(struct stress_cpu *c, int i)
{
	struct task_struct *t = c->tasks[i];
	for (int j = c->nregions - 1; j >= 0; j--)
		if (c->regions[j].t == t)
			c->regions[j] = c->regions[--c->nregions];
	task_exit(t);
	c->tasks[i] = c->tasks[--c->ntasks];
}

static void file_name(struct stress_cpu *c, unsigned int k, char *buf, size_t len)
{
	if (k < NOWN_FILES)
		snprintf(buf, len, "/stress-cpu%d-%u", c->cpu, k);
	else
		snprintf(buf, len, "/stress-shared-%u", k - NOWN_FILES);
}

static void op_task_create(struct stress_cpu *c)
{
	bool root = next_byte(&c->in) & 1, exec = next_byte(&c->in) & 1;
	unsigned long text = pick_count(&c->in, 256) * PAGE_SIZE, data = pick_count(&c->in, 64) * PAGE_SIZE;
	unsigned long bss = pick_count(&c->in, 64) * PAGE_SIZE;
	say(c, " uid=%d%s", root ? 0 : 1000, exec ? " exec" : "");
	if (c->ntasks == NTASKS)
		return;
	struct task_struct *t = task_create("stress", root ? 0 : 1000);
	if (!t) {
		failed(c, -ENOMEM);
		return;
	}
	say(c, " -> pid %d", t->pid);
	c->tasks[c->ntasks++] = t;
	if (exec) {
		char path[64];
		snprintf(path, sizeof(path), "/stress-bin-cpu%d", c->cpu);
		int err = task_exec_layout(t, path, text, data, bss);
		if (err)
			failed(c, err);
	}
}

static void op_task_exit(struct stress_cpu *c)
{
	if (!c->ntasks)
		return;
	int i = (int)pick(&c->in, c->ntasks);
	say(c, " pid %d", c->tasks[i]->pid);
	task_drop(c, i);
}

static void op_fork(struct stress_cpu *c)
{
	if (!c->ntasks || c->ntasks == NTASKS)
		return;
	struct task_struct *parent = c->tasks[pick(&c->in, c->ntasks)], *child = task_fork(parent);
	say(c, " pid %d", parent->pid);
	if (!child) {
		failed(c, -ENOMEM);
		return;
	}
	say(c, " -> pid %d", child->pid);
	c->tasks[c->ntasks++] = child;
	for (int j = 0, n = c->nregions; j < n; j++)
		if (c->regions[j].t == parent) {
			struct region r = c->regions[j];
			r.t = child;
			region_add(c, r);
		}
}

static unsigned long pick_prot(struct stress_cpu *c)
{
	unsigned int b = next_byte(&c->in);
	return b < 180 ? PROT_READ | PROT_WRITE : b < 215 ? PROT_READ : b < 235 ? PROT_READ | PROT_EXEC
				      : b < 245 ? PROT_READ | PROT_WRITE | PROT_EXEC : PROT_NONE;
}

static void op_mmap(struct stress_cpu *c)
{
	unsigned long len = pick_count(&c->in, c->st->max_pages) * PAGE_SIZE, prot = pick_prot(c);
	unsigned int b = next_byte(&c->in);
	bool shared = b < 40;
	unsigned long flags = (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS | (b & 1 ? MAP_POPULATE : 0) |
			      (b & 2 ? MAP_NORESERVE : 0);
	if (!c->ntasks)
		return;
	struct task_struct *t = c->tasks[pick(&c->in, c->ntasks)];
	say(c, " pid %d %lu prot=%lu flags=%#lx", t->pid, len, prot, flags);
	long a = task_mmap(t, 0, len, prot, flags, -1, 0);
	if (a < 0) {
		failed(c, a);
		return;
	}
	say(c, " -> %#lx", (unsigned long)a);
	region_add(c, (struct region){ t, (unsigned long)a, len, !shared, false, true });
}

/* A region and a page range inside it: [*off, *off + *n) pages, at most max pages. */
static struct region *pick_range(struct stress_cpu *c, unsigned long max, unsigned long *off, unsigned long *n)
{
	unsigned int i = pick(&c->in, c->nregions), o = next_u16(&c->in);
	unsigned long want = pick_count(&c->in, max);
	if (!c->nregions)
		return NULL;
	struct region *r = &c->regions[i];
	unsigned long pages = r->len >> PAGE_SHIFT;
	*off = o % pages;
	*n = min(want, pages - *off);
	return r;
}

static void op_munmap(struct stress_cpu *c)
{
	unsigned long off, n;
	struct region *r = pick_range(c, 1024, &off, &n);
	if (!r)
		return;
	unsigned long start = r->addr + (off << PAGE_SHIFT), len = n << PAGE_SHIFT;
	say(c, " pid %d %#lx %lu", r->t->pid, start, len);
	int err = task_munmap(r->t, start, len);
	if (err) {
		failed(c, err);
		return;
	}
	/* the region keeps what is left of it: up to two pieces */
	struct region right = *r;
	right.addr = start + len;
	right.len = r->addr + r->len - right.addr;
	r->len = start - r->addr;
	if (!r->len)
		*r = c->regions[--c->nregions];
	if (right.len)
		region_add(c, right);
}

static void op_mprotect(struct stress_cpu *c)
{
	unsigned long off, n, prot = pick_prot(c);
	struct region *r = pick_range(c, 4096, &off, &n);
	if (!r)
		return;
	say(c, " pid %d %#lx %lu prot=%lu", r->t->pid, r->addr + (off << PAGE_SHIFT), n << PAGE_SHIFT, prot);
	int err = task_mprotect(r->t, r->addr + (off << PAGE_SHIFT), n << PAGE_SHIFT, prot);
	if (err)
		failed(c, err);
}

/* mremap a whole region: shrink, grow in place, or move. */
static void op_mremap(struct stress_cpu *c)
{
	unsigned long new_len = pick_count(&c->in, c->st->max_pages) * PAGE_SIZE;
	bool may_move = next_byte(&c->in) < 180;
	if (!c->nregions)
		return;
	struct region *r = &c->regions[pick(&c->in, c->nregions)];
	say(c, " pid %d %#lx %lu -> %lu%s", r->t->pid, r->addr, r->len, new_len, may_move ? " MAYMOVE" : "");
	long a = task_mremap(r->t, r->addr, r->len, new_len, may_move ? MREMAP_MAYMOVE : 0, 0);
	if (a < 0) {
		failed(c, a);
		return;
	}
	say(c, " -> %#lx", (unsigned long)a);
	r->addr = (unsigned long)a;
	r->len = new_len;
}

static void op_brk(struct stress_cpu *c)
{
	unsigned long pages = pick(&c->in, 512);
	if (!c->ntasks)
		return;
	struct task_struct *t = c->tasks[pick(&c->in, c->ntasks)];
	struct mm_struct *mm = t->mm;
	if (!mm || !mm->start_brk)
		return;
	say(c, " pid %d start_brk+%lu pages", t->pid, pages);
	task_brk(t, mm->start_brk + pages * PAGE_SIZE);
}

static void op_madvise(struct stress_cpu *c)
{
	static const int advice[] = { MADV_DONTNEED, MADV_NORMAL, MADV_WILLNEED, MADV_COLD, MADV_PAGEOUT };
	unsigned long off, n;
	unsigned int a = pick(&c->in, ARRAY_SIZE(advice));
	struct region *r = pick_range(c, 256, &off, &n);
	if (!r)
		return;
	say(c, " pid %d %#lx %lu advice=%d", r->t->pid, r->addr + (off << PAGE_SHIFT), n << PAGE_SHIFT, advice[a]);
	int err = task_madvise(r->t, r->addr + (off << PAGE_SHIFT), n << PAGE_SHIFT, advice[a]);
	if (err)
		failed(c, err);
}

static void op_mlock(struct stress_cpu *c)
{
	unsigned long off, n;
	bool lock = next_byte(&c->in) & 1;
	struct region *r = pick_range(c, 64, &off, &n);
	if (!r)
		return;
	unsigned long a = r->addr + (off << PAGE_SHIFT);
	say(c, " %s pid %d %#lx %lu", lock ? "mlock" : "munlock", r->t->pid, a, n << PAGE_SHIFT);
	int err = lock ? task_mlock(r->t, a, n << PAGE_SHIFT) : task_munlock(r->t, a, n << PAGE_SHIFT);
	if (err)
		failed(c, err);
}

/* The host-trap way in: plain loads and stores through task_user_ptr, inside kmm_try. */
struct trap_access {
	struct task_struct *t;
	unsigned long addr, len;
	u8 *buf;             /* copy out of (read) or into (write) the task; NULL: touch each page */
	bool write;
};

static void trap_access_run(void *arg)
{
	struct trap_access *a = arg;
	for (unsigned long done = 0; done < a->len;) {
		unsigned long at = a->addr + done, n = min(a->len - done, PAGE_SIZE - (at & ~PAGE_MASK));
		volatile u8 *p = task_user_ptr(a->t, at); /* one per page: x86_64's windows are 4 GiB chunks */
		if (!p)
			return;
		if (a->buf && a->write)
			memcpy((u8 *)p, a->buf + done, n);
		else if (a->buf)
			memcpy(a->buf + done, (u8 *)p, n);
		else if (a->write)
			*p = *p;
		else
			(void)*p;
		done += n;
	}
}

static int trap_access(struct task_struct *t, unsigned long addr, void *buf, unsigned long len, bool write)
{
	struct trap_access a = { t, addr, len, buf, write };
	return kmm_try(trap_access_run, &a);
}

/* Fault pages of a region in, for reading or writing, one way in or the other. */
static void touch(struct stress_cpu *c, bool via_trap)
{
	unsigned long off, n;
	bool write = next_byte(&c->in) & 1;
	struct region *r = pick_range(c, MAX_TOUCH_PAGES, &off, &n);
	if (!r)
		return;
	unsigned long addr = r->addr + (off << PAGE_SHIFT);
	say(c, " pid %d %#lx %lu %s", r->t->pid, addr, n, write ? "write" : "read");
	int err = via_trap ? trap_access(r->t, addr, NULL, n << PAGE_SHIFT, write)
			   : mm_access(r->t, addr, n << PAGE_SHIFT, write);
	if (err)
		failed(c, err);
}

static void op_touch(struct stress_cpu *c)
{
	touch(c, false);
}

static void op_touch_trap(struct stress_cpu *c)
{
	touch(c, true);
}

/* Read len bytes at addr one way or the other; 0 or the error. */
static int user_read(struct task_struct *t, unsigned long addr, void *buf, unsigned long len, bool via_trap)
{
	return via_trap ? trap_access(t, addr, buf, len, false) : task_read(t, addr, buf, len);
}

static int user_write(struct task_struct *t, unsigned long addr, const void *buf, unsigned long len, bool via_trap)
{
	return via_trap ? trap_access(t, addr, (void *)buf, len, true) : task_write(t, addr, buf, len);
}

/*
 * Write a pattern one way in and read it back the other; a private
 * anonymous region nobody wrote must read zeros first.
 */
static void op_user_rw(struct stress_cpu *c)
{
	unsigned long off, n, in = next_u16(&c->in) % PAGE_SIZE;
	bool trap_first = next_byte(&c->in) & 1;
	struct region *r = pick_range(c, 2, &off, &n);
	if (!r)
		return;
	unsigned long addr = r->addr + (off << PAGE_SHIFT) + in, len = min((n << PAGE_SHIFT) - in, 2 * PAGE_SIZE);
	u8 buf[2 * PAGE_SIZE], back[2 * PAGE_SIZE];
	say(c, " pid %d %#lx %lu %s", r->t->pid, addr, len, trap_first ? "trap/sw" : "sw/trap");
	if (r->anon_private && !r->dirty && !user_read(r->t, addr, back, len, trap_first) && !all_zero(back, len)) {
		fail(c, "pid %d: a private anonymous page never written reads non-zero at %#lx", r->t->pid, addr);
		return;
	}
	tag_fill(buf, len, new_tag(c));
	int err = user_write(r->t, addr, buf, len, trap_first);
	r->dirty = true; /* fork relatives keep their own copies (COW), so only this region */
	if (err) {
		failed(c, err);
		return;
	}
	err = user_read(r->t, addr, back, len, !trap_first);
	if (err)
		failed(c, err);
	else if (r->checkable && memcmp(buf, back, len))
		fail(c, "pid %d: %lu bytes written at %#lx read back different the other way in", r->t->pid, len, addr);
}

/* Copy-on-write: after fork, the parent's store is its own; the child still sees what was there. */
static void op_cow(struct stress_cpu *c)
{
	unsigned long off, n;
	bool trap = next_byte(&c->in) & 1;
	struct region *r = pick_range(c, 1, &off, &n);
	if (!r || !r->anon_private)
		return;
	unsigned long addr = r->addr + (off << PAGE_SHIFT) + 64;
	u64 before = (u64)next_u16(&c->in) << 32 | next_u16(&c->in) << 1 | 1, after = ~before, seen = 0;
	say(c, " pid %d %#lx", r->t->pid, addr);
	int err = user_write(r->t, addr, &before, sizeof(before), trap);
	if (err) {
		failed(c, err);
		return;
	}
	r->dirty = true;
	struct task_struct *child = task_fork(r->t);
	if (!child) {
		failed(c, -ENOMEM);
		return;
	}
	if ((err = user_write(r->t, addr, &after, sizeof(after), !trap))) {
		failed(c, err);
	} else if ((err = user_read(child, addr, &seen, sizeof(seen), trap))) {
		failed(c, err);
	} else if (seen != before) {
		fail(c, "pid %d wrote %#lx after fork and its child pid %d sees %#llx, not %#llx", r->t->pid, addr,
		     child->pid, (unsigned long long)seen, (unsigned long long)before);
	} else if (!user_read(r->t, addr, &seen, sizeof(seen), trap) && seen != after) {
		fail(c, "pid %d: its own store at %#lx after fork reads back %#llx", r->t->pid, addr,
		     (unsigned long long)seen);
	}
	task_exit(child);
}

/* ---- files ------------------------------------------------------------------------------------- */

static void op_file_create(struct stress_cpu *c)
{
	char path[64];
	unsigned int k = pick(&c->in, NFILES);
	unsigned long size = pick(&c->in, 64) * PAGE_SIZE + (next_byte(&c->in) & 1 ? pick(&c->in, PAGE_SIZE) : 0);
	file_name(c, k, path, sizeof(path));
	say(c, " %s %lu", path, size);
	int err = kmm_file_create(path, NULL, size);
	if (err)
		failed(c, err);
}

static void op_file_unlink(struct stress_cpu *c)
{
	char path[64];
	file_name(c, pick(&c->in, NFILES), path, sizeof(path));
	say(c, " %s", path);
	int err = kmm_file_unlink(path);
	if (err)
		failed(c, err);
}

/* pwrite then pread through the page cache: a file of this CPU's reads back what was written. */
static void op_file_rw(struct stress_cpu *c)
{
	char path[64];
	unsigned int k = pick(&c->in, NFILES);
	unsigned long off = pick(&c->in, 80 * PAGE_SIZE), len = pick_count(&c->in, 2 * PAGE_SIZE);
	u8 buf[2 * PAGE_SIZE], back[2 * PAGE_SIZE];
	file_name(c, k, path, sizeof(path));
	say(c, " %s %lu %lu", path, off, len);
	tag_fill(buf, len, new_tag(c));
	long wrote = kmm_file_pwrite(path, buf, len, off);
	if (wrote < 0) {
		failed(c, wrote);
		return;
	}
	/* a page the cache could not get (memory ran out) ends a write or a read early, as read(2)/write(2) do */
	long got = kmm_file_pread(path, back, (unsigned long)wrote, off);
	if (got < 0)
		failed(c, got);
	else if (got < wrote || (unsigned long)wrote < len)
		failed(c, -ENOMEM);
	if (got > 0 && k < NOWN_FILES && memcmp(buf, back, (size_t)min(got, wrote)))
		fail(c, "%s: %ld bytes written at %lu read back as other bytes", path, min(got, wrote), off);
}

static void op_file_mmap(struct stress_cpu *c)
{
	char path[64];
	unsigned int k = pick(&c->in, NFILES), b = next_byte(&c->in);
	unsigned long pgoff = pick(&c->in, 16), len = pick_count(&c->in, 64) * PAGE_SIZE;
	bool shared = b & 1, writable = b & 2;
	file_name(c, k, path, sizeof(path));
	if (!c->ntasks)
		return;
	struct task_struct *t = c->tasks[pick(&c->in, c->ntasks)];
	say(c, " pid %d %s %s%s pgoff=%lu %lu", t->pid, path, shared ? "shared" : "private", writable ? " rw" : "",
	    pgoff, len);
	int fd = task_open(t, path, shared && writable ? O_RDWR : O_RDONLY);
	if (fd < 0) {
		failed(c, fd);
		return;
	}
	long a = task_mmap(t, 0, len, PROT_READ | (writable ? PROT_WRITE : 0), shared ? MAP_SHARED : MAP_PRIVATE, fd,
			   pgoff);
	task_close(t, fd);
	if (a < 0) {
		failed(c, a);
		return;
	}
	say(c, " -> %#lx", (unsigned long)a);
	/*
	 * Only private mappings of this CPU's files read back what was written:
	 * a shared one shows other writers' bytes, and what is stored past the
	 * file's end in its last page is not the file's - writeback leaves it
	 * out, so once the page is evicted it reads back as zeros, as on Linux.
	 */
	region_add(c, (struct region){ t, (unsigned long)a, len, false, true, !shared && k < NOWN_FILES });
}

static void op_sync(struct stress_cpu *c)
{
	kmm_sync();
}

static void op_drop_caches(struct stress_cpu *c)
{
	kmm_proc_write("sys/vm/drop_caches", next_byte(&c->in) & 1 ? "1" : "3");
}

/* ---- between CPUs ------------------------------------------------------------------------------ */

/* Hand a page or an object (kmalloc'ed, or of a shared cache) over for any CPU to free. */
static void op_handoff(struct stress_cpu *c)
{
	struct stress *st = c->st;
	bool page = next_byte(&c->in) & 1;
	int i = page ? (c->npages ? (int)pick(&c->in, c->npages) : -1) : pick_obj(c, next_byte(&c->in) & 1 ? OBJ_CACHE : OBJ_KMALLOC);
	if (i < 0 || (!page && c->objs[i].how == OBJ_CACHE && !c->objs[i].shared_cache))
		return;
	pthread_mutex_lock(&st->lock);
	if (st->npool < NPOOL) {
		struct pool_item *it = &st->pool[st->npool++];
		it->is_page = page;
		if (page) {
			it->pg = c->pages[i];
			c->pages[i] = c->pages[--c->npages];
		} else {
			it->obj = c->objs[i];
			c->objs[i] = c->objs[--c->nobjs];
		}
	}
	pthread_mutex_unlock(&st->lock);
	say(c, " %s", page ? "page" : "object");
}

/* Take something another CPU (or this one) handed over: keep it, or free it at once. */
static void op_adopt(struct stress_cpu *c)
{
	struct stress *st = c->st;
	unsigned int i = next_u16(&c->in);
	bool keep = next_byte(&c->in) & 1;
	struct pool_item it;
	pthread_mutex_lock(&st->lock);
	bool got = st->npool > 0;
	if (got) {
		i %= (unsigned int)st->npool;
		it = st->pool[i];
		st->pool[i] = st->pool[--st->npool];
	}
	pthread_mutex_unlock(&st->lock);
	if (!got)
		return;
	say(c, " %s%s", it.is_page ? "page" : "object", keep ? "" : " and free it");
	if (it.is_page && keep && c->npages < NPAGES)
		c->pages[c->npages++] = it.pg;
	else if (!it.is_page && keep && c->nobjs < NOBJS)
		c->objs[c->nobjs++] = it.obj;
	else if (it.is_page)
		page_check_free(c, &it.pg);
	else
		obj_free(c, &it.obj);
}

/* ---- the machine ------------------------------------------------------------------------------- */

static void op_drain(struct stress_cpu *c)
{
	switch (pick(&c->in, 4)) {
	case 0: drain_all_pages(NULL); break;
	case 1: drain_local_pages(NULL); break;
	case 2: kmap_flush_unused(); break;
	default: vm_unmap_aliases(); break;
	}
}

static void op_proc_read(struct stress_cpu *c)
{
	static const char *const views[] = { "buddyinfo", "zoneinfo", "meminfo", "vmstat", "slabinfo",
					     "vmallocinfo", "pagetypeinfo", "PID/maps", "PID/status",
					     "PID/smaps_rollup" };
	unsigned int v = pick(&c->in, ARRAY_SIZE(views));
	char path[64];
	if (!strncmp(views[v], "PID/", 4)) {
		if (!c->ntasks)
			return;
		snprintf(path, sizeof(path), "%d/%s", c->tasks[pick(&c->in, c->ntasks)]->pid, views[v] + 4);
	} else {
		snprintf(path, sizeof(path), "%s", views[v]);
	}
	say(c, " %s", path);
	free(kmm_proc_read(path));
}

/* Move the watermarks: min_free_kbytes and watermark_scale_factor, put back at the end. */
static void op_sysctl(struct stress_cpu *c)
{
	char val[32];
	bool mfk = next_byte(&c->in) & 1;
	unsigned int v = next_u16(&c->in);
	if (mfk)
		snprintf(val, sizeof(val), "%lu", strtoul(c->st->mfk, NULL, 10) / 2 + v % (2 * strtoul(c->st->mfk, NULL, 10) + 1));
	else
		snprintf(val, sizeof(val), "%u", 1 + v % 200);
	say(c, " %s=%s", mfk ? "min_free_kbytes" : "watermark_scale_factor", val);
	kmm_proc_write(mfk ? "sys/vm/min_free_kbytes" : "sys/vm/watermark_scale_factor", val);
}

/*
 * A second, small swap area of higher priority turned on, or off while
 * the CPUs' tasks have pages on it (swapoff under load: try_to_unuse brings
 * them back; -ENOMEM when they do not fit, -EBUSY while another CPU turns
 * it off).  Only on a machine that had swap to begin with.
 */
static void op_swap(struct stress_cpu *c)
{
	if (!c->st->has_swap)
		return;
	bool on = next_byte(&c->in) & 1;
	say(c, " %s /dev/vdb", on ? "swapon" : "swapoff");
	int err = on ? kmm_swapon("/dev/vdb", 8UL << 20, SWAP_FLAG_PREFER | 10) : kmm_swapoff("/dev/vdb");
	if (err)
		failed(c, err);
}

/*
 * Migration: up to 16 pages of a task's region moved to a node
 * (move_pages(2); on one node they stay, but the call walks them), or the
 * task's every page from one node to another (migrate_pages(2)), while
 * the other CPUs fault, fork and free; the bytes are checked by the
 * operations that read them.
 */
static void op_migrate(struct stress_cpu *c)
{
	bool all = next_byte(&c->in) < 32;
	int to = (int)pick(&c->in, (unsigned int)M->nr_nodes), from = (int)pick(&c->in, (unsigned int)M->nr_nodes);
	unsigned long off, n, addrs[16];
	int nodes[16], status[16];
	struct region *r = pick_range(c, 16, &off, &n);
	if (!r)
		return;
	for (unsigned long i = 0; i < n; i++) {
		addrs[i] = r->addr + ((off + i) << PAGE_SHIFT);
		nodes[i] = to;
	}
	say(c, " %s pid %d %#lx %lu %d -> %d", all ? "migrate_pages" : "move_pages", r->t->pid, addrs[0], n, from, to);
	long ret = all ? task_migrate_pages(r->t, 1UL << from, 1UL << to)
		       : task_move_pages(r->t, n, addrs, nodes, status, MPOL_MF_MOVE);
	if (ret < 0)
		failed(c, ret);
}

/*
 * Compaction amid the other CPUs' work: compact_memory, a costly
 * allocation that may compact directly (given back at once), kcompactd
 * woken for an order, or vm.compaction_proactiveness moved (a write wakes
 * kcompactd; put back at the end).
 */
static void op_compact(struct stress_cpu *c)
{
	unsigned int what = pick(&c->in, 4), order = 2 + pick(&c->in, (unsigned int)M->prof->pageblock_order - 1);
	char val[8];
	snprintf(val, sizeof(val), "%u", next_byte(&c->in) % 101);
	pg_data_t *pgdat = NODE_DATA((int)pick(&c->in, (unsigned int)M->nr_nodes));
	say(c, " %s %u", what == 0 ? "compact_memory" : what == 1 ? "alloc order" : what == 2 ? "wakeup_kcompactd order"
											   : "compaction_proactiveness",
	    what == 3 ? (unsigned int)atoi(val) : order);
	if (what == 0) {
		kmm_proc_write("sys/vm/compact_memory", "1");
	} else if (what == 1) {
		struct page *p = alloc_pages(GFP_KERNEL | __GFP_MOVABLE | __GFP_NOWARN, order);
		if (p)
			__free_pages(p, order);
		else
			failed(c, -ENOMEM);
	} else if (what == 2) {
		if (pgdat)
			wakeup_kcompactd(pgdat, (int)order, MAX_ZONE_TYPES - 1);
	} else {
		kmm_proc_write("sys/vm/compaction_proactiveness", val);
	}
}

/*
 * Memory cgroups: one of this CPU's tasks moves into one of the CPU's
 * groups (stress-cpuN/a or /b) or back to the root, or a group's
 * memory.max, memory.high or memory.low changes (2 to 32 MiB, or none;
 * on stress-cpuN itself too, a limit over both; memory.high only on a
 * machine with swap, see below): charges then meet limits,
 * reclaim within a group and the group's OOM killer amid the other
 * operations.  A killed task's calls fail (-EINTR), and what it held is
 * no longer checked.
 */
static void cgroup_name(struct stress_cpu *c, unsigned int g, char *buf, size_t len)
{
	snprintf(buf, len, "stress-cpu%d%s", c->cpu, g == 1 ? "/a" : g == 2 ? "/b" : "");
}

static void op_cgroup(struct stress_cpu *c)
{
	unsigned int what = next_byte(&c->in), g = next_byte(&c->in) % 3;
	unsigned long mb = 2 + next_byte(&c->in) % 31;
	char group[48], path[96], val[24];
	if (what < 128) {
		if (!c->ntasks)
			return;
		struct task_struct *t = c->tasks[pick(&c->in, c->ntasks)];
		if (g)
			cgroup_name(c, g, group, sizeof(group));
		else
			group[0] = 0;
		say(c, " pid %d -> /%s", t->pid, group);
		int err = kmm_cgroup_attach(t, group);
		if (err)
			failed(c, err);
		return;
	}
	static const char *const files[] = { "memory.max", "memory.high", "memory.low" };
	const char *file = files[what % 3];
	cgroup_name(c, g, group, sizeof(group));
	snprintf(path, sizeof(path), "sys/fs/cgroup/%s/%s", group, file);
	/*
	 * Without swap, a group whose anonymous pages pass memory.high can give back only file
	 * pages, and the reclaim on each return to user space takes back the page the fault just
	 * brought in: the access faults for ever (6.1 too, throttled).  memory.high stays off there.
	 */
	bool no_high = what % 3 == 1 && !kmm_total_swap_pages();
	if (what >= 240 || no_high)
		snprintf(val, sizeof(val), "max");
	else
		snprintf(val, sizeof(val), "%luM", mb);
	say(c, " %s=%s", path + 14, val);
	int err = kmm_proc_write(path, val);
	if (err)
		failed(c, err);
}

/* The CPU's own tables: every tag intact, every task's VMAs sane. */
static bool check_tables(struct stress_cpu *c)
{
	char why[256];
	for (int i = 0; i < c->npages; i++)
		if (!page_ok(c, &c->pages[i]))
			return false;
	for (int i = 0; i < c->nobjs; i++)
		if (!obj_ok(c, &c->objs[i]))
			return false;
	for (int i = 0; i < c->nvms; i++)
		if (!vm_ok(c, &c->vms[i]))
			return false;
	for (int i = 0; i < c->ntasks; i++)
		if (c->tasks[i]->mm && mm_verify(c->tasks[i]->mm, why, sizeof(why))) {
			fail(c, "pid %d: %s", c->tasks[i]->pid, why);
			return false;
		}
	return true;
}

/* Every validator of the machine, and no BUG reported since the start. */
static bool check_machine(struct stress_cpu *c)
{
	char why[256];
	if (kmm_verify(why, sizeof(why))) {
		fail(c, "%s", why);
		return false;
	}
	unsigned long bugs = kernel_bugs();
	if (bugs != c->st->bugs_before) {
		fail(c, "the kernel reported %lu BUG%s (see its log)", bugs - c->st->bugs_before,
		     bugs - c->st->bugs_before == 1 ? "" : "s");
		return false;
	}
	return true;
}

static void op_verify(struct stress_cpu *c)
{
	if (check_tables(c) && c->st->ncpus == 1 && check_machine(c))
		__atomic_add_fetch(&c->st->r->checks, 1, __ATOMIC_RELAXED);
}

/* The checkpoint barrier: the last CPU to arrive runs the validators while the others wait. */
static void checkpoint(struct stress_cpu *c)
{
	struct stress *st = c->st;
	if (!check_tables(c))
		return;
	if (st->ncpus == 1) {
		if (check_machine(c))
			st->r->checks++;
		return;
	}
	pthread_mutex_lock(&st->bar_lock);
	unsigned long gen = st->bar_gen;
	if (++st->bar_waiting == st->bar_parties) {
		if (!stopped(st) && check_machine(c))
			st->r->checks++;
		st->bar_waiting = 0;
		st->bar_gen++;
		pthread_cond_broadcast(&st->bar_cond);
	} else {
		while (gen == st->bar_gen)
			pthread_cond_wait(&st->bar_cond, &st->bar_lock);
	}
	pthread_mutex_unlock(&st->bar_lock);
}

/* A CPU done with its share: the others stop waiting for it. */
static void barrier_leave(struct stress *st)
{
	pthread_mutex_lock(&st->bar_lock);
	if (--st->bar_parties && st->bar_waiting == st->bar_parties) {
		if (!stopped(st) && check_machine(&st->cpus[0]))
			st->r->checks++;
		st->bar_waiting = 0;
		st->bar_gen++;
		pthread_cond_broadcast(&st->bar_cond);
	}
	pthread_mutex_unlock(&st->bar_lock);
}

/* ---- running ----------------------------------------------------------------------------------- */

static void (*const op_fns[])(struct stress_cpu *) = {
#define X(name, w) op_##name,
	STRESS_OPS(X)
#undef X
};

static unsigned char op_table[256]; /* a byte to its operation, by weight */
static pthread_once_t op_table_once = PTHREAD_ONCE_INIT;

static void op_table_init(void)
{
	unsigned int total = 0, at = 0;
	for (int k = 0; k < NR_STRESS_OPS; k++)
		total += op_weights[k];
	for (int k = 0; k < NR_STRESS_OPS; k++) {
		unsigned int slots = max(1u, op_weights[k] * 256 / total); /* rounded down: every kind fits */
		for (unsigned int i = 0; i < slots; i++) {
			MM_BUG_ON(at == 256); /* the weights leave no slot for the later kinds */
			op_table[at++] = (unsigned char)k;
		}
	}
	while (at < 256)
		op_table[at++] = OP_kmalloc;
}

/* Scribble on something held, as a stray store of a buggy kernel would (corrupt_at). */
static bool corrupt_something(struct stress_cpu *c)
{
	for (int i = c->nobjs - 1; i >= 0; i--)
		if (c->objs[i].size && c->objs[i].p != ZERO_SIZE_PTR) {
			((u8 *)c->objs[i].p)[0] ^= 0xff;
			return true;
		}
	if (c->npages && !c->pages[0].exact) {
		u8 *p = kmap_local_page(c->pages[0].page);
		p[0] ^= 0xff;
		kunmap_local(p);
		return true;
	}
	return false;
}

static void run_one(struct stress_cpu *c)
{
	unsigned int k = op_table[next_byte(&c->in)];
	c->line_len = 0;
	say(c, "c%d %lu %s", c->cpu, c->op, op_names[k]);
	op_fns[k](c);
	c->count[k]++;
	for (size_t i = 0; i < c->line_len; i++)
		c->digest = (c->digest ^ (u8)c->line[i]) * 0x100000001b3ULL;
	c->digest = (c->digest ^ '\n') * 0x100000001b3ULL;
	if (c->st->o->trace)
		fprintf(c->st->o->trace, "%s\n", c->line);
}

/* The CPU's stream until its share is done (or the bytes end, or a check failed). */
static void cpu_run(struct stress_cpu *c)
{
	struct stress *st = c->st;
	unsigned long every = st->o->check_every;
	bool corrupted = false;
	for (c->op = 1; (!c->nops || c->op <= c->nops) && !stream_ended(&c->in) && !stopped(st); c->op++) {
		run_one(c);
		if (c->cpu == 0 && st->o->corrupt_at && c->op >= st->o->corrupt_at && !corrupted)
			corrupted = corrupt_something(c);
		if (every && c->op % every == 0)
			checkpoint(c);
	}
	c->op--;
}

/* Give back everything the CPU holds, checking it on the way. */
static void cpu_release(struct stress_cpu *c)
{
	c->op++; /* failures found here are after the last operation */
	while (c->nkstack)
		kunmap_local_top(c);
	while (c->nkmaps)
		kunmap_check_free(c, &c->kmaps[--c->nkmaps]);
	while (c->npages)
		page_check_free(c, &c->pages[--c->npages]);
	while (c->nobjs)
		obj_free(c, &c->objs[--c->nobjs]);
	while (c->ncaches)
		kmem_cache_destroy(c->caches[--c->ncaches].c);
	while (c->nvms) {
		vm_ok(c, &c->vms[--c->nvms]);
		vfree(c->vms[c->nvms].p);
	}
	while (c->ntasks)
		task_drop(c, c->ntasks - 1);
	char path[64];
	for (unsigned int k = 0; k < NOWN_FILES; k++) {
		file_name(c, k, path, sizeof(path));
		kmm_file_unlink(path);
	}
	snprintf(path, sizeof(path), "/stress-bin-cpu%d", c->cpu);
	kmm_file_unlink(path);
	c->op--;
}

static void *cpu_thread(void *arg)
{
	struct stress_cpu *c = arg;
	if (kmm_cpu_enter(c->cpu)) {
		fail(c, "cannot enter CPU %d", c->cpu);
		barrier_leave(c->st);
		return NULL;
	}
	char group[48];
	for (unsigned int g = 0; g < 3; g++) { /* the CPU's memory cgroups: stress-cpuN, its a and b */
		cgroup_name(c, g, group, sizeof(group));
		kmm_cgroup_mkdir(group);
	}
	cpu_run(c);
	barrier_leave(c->st);
	cpu_release(c);
	for (unsigned int g = 3; g-- > 0;) { /* empty now: every task exited */
		cgroup_name(c, g, group, sizeof(group));
		kmm_cgroup_rmdir(group);
	}
	kmm_cpu_exit();
	return NULL;
}

static int stress_setup(struct stress *st, const struct kmm_stress_opts *o, struct kmm_stress_result *r, int ncpus)
{
	static const struct kmm_stress_opts defaults = { .check_every = 64, .max_pages = 64 };
	memset(r, 0, sizeof(*r));
	r->fail_cpu = -1;
	memset(st, 0, sizeof(*st));
	st->o = o ? o : &defaults;
	st->r = r;
	st->max_pages = st->o->max_pages ? st->o->max_pages : 4096;
	st->ncpus = ncpus;
	if (!M) {
		snprintf(r->why, sizeof(r->why), "no machine is booted");
		return -ENODEV;
	}
	if (ncpus < 1 || ncpus > M->nr_cpus) {
		snprintf(r->why, sizeof(r->why), "%d CPUs asked for; the machine has %d (boot it with --cpus %d)", ncpus,
			 M->nr_cpus, ncpus);
		return -EINVAL;
	}
	pthread_once(&op_table_once, op_table_init);
	st->cpus = calloc((size_t)ncpus, sizeof(*st->cpus));
	if (!st->cpus) {
		snprintf(r->why, sizeof(r->why), "out of host memory");
		return -ENOMEM;
	}
	pthread_mutex_init(&st->lock, NULL);
	pthread_mutex_init(&st->bar_lock, NULL);
	pthread_cond_init(&st->bar_cond, NULL);
	st->bar_parties = ncpus;
	for (int i = 0; i < ncpus; i++) {
		st->cpus[i].st = st;
		st->cpus[i].cpu = i;
		st->cpus[i].digest = 0xcbf29ce484222325ULL;
	}
	char *v = kmm_proc_read("sys/vm/min_free_kbytes");
	snprintf(st->mfk, sizeof(st->mfk), "%s", v ? v : "1024");
	free(v);
	v = kmm_proc_read("sys/vm/watermark_scale_factor");
	snprintf(st->wsf, sizeof(st->wsf), "%s", v ? v : "10");
	free(v);
	v = kmm_proc_read("sys/vm/compaction_proactiveness");
	snprintf(st->cpr, sizeof(st->cpr), "%s", v ? v : "20");
	free(v);
	st->mfk[strcspn(st->mfk, "\n")] = st->wsf[strcspn(st->wsf, "\n")] = st->cpr[strcspn(st->cpr, "\n")] = 0;
	/* the store's ext4 mounts now, on one CPU: measured amid the CPUs' runs, its cost would be theirs too */
	if (kobj_ext4_mount()) {
		snprintf(r->why, sizeof(r->why), "cannot mount the store");
		return -ENOMEM;
	}
	kmm_usage_settle(&st->before);
	st->bugs_before = kernel_bugs();
	st->oom_kills_before = sum_vm_event(OOM_KILL);
	st->has_swap = kmm_total_swap_pages() > 0;
	/* made after the figures were taken: their kmem_cache objects count as the run's */
	st->shared[0] = kmem_cache_create("stress-shared-a", 64, 0, SLAB_HWCACHE_ALIGN, NULL);
	st->shared[1] = kmem_cache_create("stress-shared-b", 700, 8, SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER, NULL);
	if (!st->shared[0] || !st->shared[1]) {
		snprintf(r->why, sizeof(r->why), "cannot create the shared caches");
		return -ENOMEM;
	}
	return 0;
}

/* After every CPU let go: the pool, the shared caches, the sysctls, and the accounting. */
static int stress_finish(struct stress *st)
{
	struct kmm_stress_result *r = st->r;
	struct stress_cpu *c0 = &st->cpus[0];
	int cpu_was = c0->cpu;
	c0->cpu = -1; /* failures found here are the final checks' */
	unsigned long op_was = c0->op;
	c0->op = 0;
	while (st->npool) {
		struct pool_item *it = &st->pool[--st->npool];
		if (it->is_page)
			page_check_free(c0, &it->pg);
		else
			obj_free(c0, &it->obj);
	}
	for (int i = 0; i < NSHARED_CACHES; i++)
		if (st->shared[i])
			kmem_cache_destroy(st->shared[i]);
	kmm_proc_write("sys/vm/min_free_kbytes", st->mfk);
	kmm_proc_write("sys/vm/watermark_scale_factor", st->wsf);
	kmm_proc_write("sys/vm/compaction_proactiveness", st->cpr);
	if (st->has_swap)
		kmm_swapoff("/dev/vdb"); /* op_swap's area, if it was left on (-EINVAL if not) */
	char why[256];
	if (!r->why[0] && check_machine(c0)) {
		if (kmm_nothing_lost(&st->before, why, sizeof(why)))
			fail(c0, "at the end: %s", why);
		else
			r->checks++;
	}
	c0->cpu = cpu_was;
	c0->op = op_was;
	r->oom_kills = sum_vm_event(OOM_KILL) - st->oom_kills_before;
	for (int i = 0; i < st->ncpus; i++) {
		struct stress_cpu *c = &st->cpus[i];
		r->ops += c->op;
		r->failed += c->failed;
		for (int k = 0; k < NR_STRESS_OPS; k++)
			r->count[k] += c->count[k];
		r->digest = (r->digest ^ c->digest) * 0x100000001b3ULL;
	}
	pthread_mutex_destroy(&st->lock);
	pthread_mutex_destroy(&st->bar_lock);
	pthread_cond_destroy(&st->bar_cond);
	free(st->cpus);
	return r->why[0] ? -EINVAL : 0;
}

int kmm_stress_run(const struct kmm_stress_opts *o, struct kmm_stress_result *r)
{
	struct stress st;
	int ncpus = o->cpus ? o->cpus : 1;
	int ret = stress_setup(&st, o, r, ncpus);
	if (ret) {
		free(st.cpus);
		return ret;
	}
	for (int i = 0; i < ncpus; i++) {
		struct stress_cpu *c = &st.cpus[i];
		c->in.state = o->seed ^ (0x9e3779b97f4a7c15ULL * (u64)(i + 1));
		c->nops = o->ops / (unsigned long)ncpus + ((unsigned long)i < o->ops % (unsigned long)ncpus);
		if (!c->nops) /* 0 would mean "until the bytes end": a CPU with no share gets no bytes */
			c->in.buf = (const u8 *)"";
	}
	int home = kmm_cpu_current();
	if (ncpus == 1 && (home == 0 || (home < 0 && !kmm_cpu_enter(0)))) {
		cpu_run(&st.cpus[0]);
		cpu_release(&st.cpus[0]);
		if (home < 0)
			kmm_cpu_exit();
	} else {
		if (home >= 0)
			kmm_cpu_exit();
		for (int i = 0; i < ncpus; i++)
			pthread_create(&st.cpus[i].thread, NULL, cpu_thread, &st.cpus[i]);
		for (int i = 0; i < ncpus; i++)
			pthread_join(st.cpus[i].thread, NULL);
		if (home >= 0)
			kmm_cpu_enter(home);
	}
	return stress_finish(&st);
}

int kmm_stress_bytes(const void *data, size_t len, const struct kmm_stress_opts *o, struct kmm_stress_result *r)
{
	struct stress st;
	int ret = stress_setup(&st, o, r, 1);
	if (ret) {
		free(st.cpus);
		return ret;
	}
	struct stress_cpu *c = &st.cpus[0];
	c->in.buf = data ? data : "";
	c->in.len = data ? len : 0;
	c->nops = 0;
	cpu_run(c);
	cpu_release(c);
	return stress_finish(&st);
}

const char *kmm_stress_op_name(int k)
{
	return k >= 0 && k < NR_STRESS_OPS ? op_names[k] : NULL;
}
