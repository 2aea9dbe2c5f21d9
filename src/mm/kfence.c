/*
 * kfence.c - KFENCE, the sampling guarded-page detector, as Linux 6.1's
 * mm/kfence/ (Documentation/dev-tools/kfence.rst).
 *
 * Vocabulary:
 *   pool      KFENCE_POOL_PAGES pages of the direct map, taken from the
 *             buddy allocator once at the end of boot (as kfence_init_late
 *             does when the pool was not set aside by memblock)
 *   object    a sampled slab allocation, alone on its page; at most
 *             KFENCE_NUM_OBJECTS at a time
 *   guard     the pages between object pages: never accessible
 *   canary    the bytes of an object's page that are not the object, set
 *             to KFENCE_CANARY(addr) and checked when it is freed
 *
 *   page:  0       1       2       3       4       5          2N+1
 *        [guard ][guard ][obj #0][guard ][obj #1][guard ] ... [guard ]
 *                        |cccccccccc|object|  right-aligned: an overflow
 *                        |object|cccccccccc|  left-aligned:  an underflow
 *                                              runs into a guard page
 *
 * Sampling: kmm's clock moves only when a scenario sleeps, so
 * kfence.sample_interval=N counts slab allocations instead of
 * milliseconds: every Nth kmem_cache_alloc or
 * kmalloc after boot (while the pool has room, the request fits a page
 * and is not for DMA) gets a pool object instead of a slab object.  The
 * side an object sits on alternates, where Linux picks it at random.
 *
 * Protection is the host's: pages that may not be touched - guard pages,
 * free and never used object pages - are PROT_NONE in the host's direct
 * map, so an access faults and the trap (sim/trap.c) hands it to
 * kfence_handle_page_fault(), which reports it in KFENCE's words
 * (out-of-bounds, use-after-free, invalid access), opens the page and
 * lets the access run again, as Linux does.  Frees are checked: an
 * address that is not an allocated object's start is an "invalid free",
 * a damaged canary "memory corruption".  A freed object's page is closed
 * and the object goes to the tail of the free list, so its page is
 * reused as late as possible.  Each report counts as a slab bug
 * (M->slab_bugs) and in /sys/kernel/debug/kfence/stats.
 *
 * Object pages are slab pages (PG_slab, slab_cache set while allocated),
 * so virt_to_slab() answers for them; kfree(), kmem_cache_free() and
 * ksize() look at is_kfence_address() first.
 *
 * Locking: kfence_lock guards the metadata, the free list and the pool's
 * protections.  Nothing here touches a closed page while holding it.
 * Not done: Linux's "skipped allocations (covered)" filter of stacks
 * already sampled (the counter stays 0), and zombie objects (a cache
 * with live pool objects is not destroyed, as with slab objects).
 */
#define _GNU_SOURCE
#include "mm/kfence.h"

#include "mm/slab.h"
#include "sim/ram.h"

#include <execinfo.h>
#include <sys/mman.h>

#define KFENCE_NUM_OBJECTS 255
#define KFENCE_POOL_ORDER 9
#define KFENCE_POOL_PAGES ((KFENCE_NUM_OBJECTS + 1) * 2)
#define KFENCE_STACK_DEPTH 24
/* the canary byte at an address, as Linux's KFENCE_CANARY_PATTERN */
#define KFENCE_CANARY(addr) ((u8)(0xaa ^ ((unsigned long)(addr) & 7)))

_Static_assert(KFENCE_POOL_PAGES == 1 << KFENCE_POOL_ORDER, "the pool is one buddy block");

/* Statistics, defined once: /sys/kernel/debug/kfence/stats prints them in this order. */
#define KFENCE_COUNTERS(X)                                                \
	X(KFENCE_COUNTER_ALLOCATED, "currently allocated")                 \
	X(KFENCE_COUNTER_ALLOCS, "total allocations")                      \
	X(KFENCE_COUNTER_FREES, "total frees")                             \
	X(KFENCE_COUNTER_ZOMBIES, "zombie allocations")                    \
	X(KFENCE_COUNTER_BUGS, "total bugs")                               \
	X(KFENCE_COUNTER_SKIP_INCOMPAT, "skipped allocations (incompatible)") \
	X(KFENCE_COUNTER_SKIP_CAPACITY, "skipped allocations (capacity)")  \
	X(KFENCE_COUNTER_SKIP_COVERED, "skipped allocations (covered)")

enum kfence_counter_id {
#define X(id, name) id,
	KFENCE_COUNTERS(X)
#undef X
	KFENCE_COUNTER_COUNT
};

static const char *const kfence_counter_names[] = {
#define X(id, name) name,
	KFENCE_COUNTERS(X)
#undef X
};

enum kfence_object_state { KFENCE_OBJECT_UNUSED, KFENCE_OBJECT_ALLOCATED, KFENCE_OBJECT_FREED };

enum kfence_error_type {
	KFENCE_ERROR_OOB,          /* a guard page next to an allocated object */
	KFENCE_ERROR_UAF,          /* a freed object's page */
	KFENCE_ERROR_CORRUPTION,   /* a canary byte changed, found at free */
	KFENCE_ERROR_INVALID,      /* a page of no object */
	KFENCE_ERROR_INVALID_FREE, /* not the start of an allocated object */
};

/* Who allocated or freed an object: a host backtrace, from the caller of the slab entry point on. */
struct kfence_track {
	int pid, cpu;
	u64 ts_nsec;                       /* simulated time */
	int nr;                            /* entries in stack */
	void *stack[KFENCE_STACK_DEPTH];
};

struct kfence_metadata {
	struct list_head list;             /* on kfence_freelist unless allocated */
	enum kfence_object_state state;
	char *addr;                        /* the object (host); it lies in page 2 * (index + 1) */
	size_t size;                       /* the size asked for */
	struct kmem_cache *cache;          /* NULL once the cache is destroyed */
	struct kfence_track alloc_track, free_track;
};

char *__kfence_pool;
unsigned long __kfence_pool_size;
unsigned long kfence_sample_interval;

static struct page *kfence_pool_page;                  /* the pool's buddy block */
static struct kfence_metadata kfence_metadata[KFENCE_NUM_OBJECTS];
static struct list_head kfence_freelist;               /* oldest free first */
static bool kfence_page_open[KFENCE_POOL_PAGES];       /* a guard page opened by a report */
static long kfence_counters[KFENCE_COUNTER_COUNT];     /* atomics */
static unsigned long kfence_allocs_seen;               /* slab allocations since the pool (atomic) */
static unsigned long kfence_sampled;                   /* pool objects handed out, for the side */
static pthread_mutex_t kfence_lock = PTHREAD_MUTEX_INITIALIZER;

static inline void counter_add(enum kfence_counter_id id, long v)
{
	__atomic_add_fetch(&kfence_counters[id], v, __ATOMIC_RELAXED);
}

static inline char *pool_page(unsigned long i)
{
	return __kfence_pool + i * PAGE_SIZE;
}

static inline long metadata_index(const struct kfence_metadata *meta)
{
	return meta - kfence_metadata;
}

static inline char *metadata_page(const struct kfence_metadata *meta)
{
	return pool_page(2 * (unsigned long)metadata_index(meta) + 2);
}

/* The object whose page holds addr, or for a guard page the object on its left; NULL if none. */
static struct kfence_metadata *addr_to_metadata(const char *addr)
{
	if (!is_kfence_address(addr))
		return NULL;
	long index = (long)((unsigned long)(addr - __kfence_pool) / (2 * PAGE_SIZE)) - 1;
	return index >= 0 && index < KFENCE_NUM_OBJECTS ? &kfence_metadata[index] : NULL;
}

/* Open or close one pool page on the host: the whole of KFENCE's protection. */
static void pool_protect(char *page, bool closed)
{
	if (mprotect(page, PAGE_SIZE, closed ? PROT_NONE : PROT_READ | PROT_WRITE))
		pr_err("kfence: cannot %s page 0x%lx: %s\n", closed ? "protect" : "unprotect", kmm_host_to_kva(page),
		       strerror(errno));
}

/* ---- stacks and reports ------------------------------------------------------------------ */

/* This thread's stack from the frame returning to `from` on (all of it when from is not on it). */
static __attribute__((noinline)) int stack_save(void **out, int max, const void *from)
{
	void *buf[KFENCE_STACK_DEPTH + 16];
	int n = backtrace(buf, (int)ARRAY_SIZE(buf)), first = 0;
	for (int i = 0; i < n; i++)
		if (buf[i] == from) {
			first = i;
			break;
		}
	int nr = min(n - first, max);
	memcpy(out, buf + first, (size_t)nr * sizeof(void *));
	return nr;
}

static void track_record(struct kfence_track *t, const void *caller)
{
	t->pid = 0; /* kernel context: kmm has no current task */
	t->cpu = max(smp_processor_id(), 0);
	t->ts_nsec = kmm_clock_ns();
	t->nr = stack_save(t->stack, KFENCE_STACK_DEPTH, caller);
}

/* Into a view's text when sb is given, else to the kernel log (Linux's seq_con_printf). */
static void seq_con_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void seq_con_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (sb) {
		sb_vprintf(sb, fmt, ap);
	} else {
		char line[512];
		vsnprintf(line, sizeof(line), fmt, ap);
		pr_err("%s", line);
	}
	va_end(ap);
}

static void print_stack(struct strbuf *sb, void *const *stack, int nr)
{
	char sym[256];
	for (int i = 0; i < nr; i++) {
		sprint_symbol(sym, sizeof(sym), (unsigned long)stack[i]);
		seq_con_printf(sb, " %s\n", sym);
	}
}

static void print_track(struct strbuf *sb, const struct kfence_track *t, bool alloc)
{
	seq_con_printf(sb, "%s by task %d on cpu %d at %lu.%06lus:\n", alloc ? "allocated" : "freed", t->pid, t->cpu,
		       (unsigned long)(t->ts_nsec / 1000000000ULL), (unsigned long)(t->ts_nsec % 1000000000ULL / 1000));
	if (t->nr)
		print_stack(sb, t->stack, t->nr);
	else
		seq_con_printf(sb, " no %s stack\n", alloc ? "allocation" : "deallocation");
}

static void print_object(struct strbuf *sb, const struct kfence_metadata *meta)
{
	if (meta->state == KFENCE_OBJECT_UNUSED) {
		seq_con_printf(sb, "kfence-#%ld unused\n", metadata_index(meta));
		return;
	}
	seq_con_printf(sb, "kfence-#%ld: 0x%lx-0x%lx, size=%zu, cache=%s\n", metadata_index(meta),
		       kmm_host_to_kva(meta->addr), kmm_host_to_kva(meta->addr + meta->size - 1), meta->size,
		       meta->cache ? meta->cache->name : "<destroyed>");
	seq_con_printf(sb, "\n");
	print_track(sb, &meta->alloc_track, true);
	if (meta->state == KFENCE_OBJECT_FREED) {
		seq_con_printf(sb, "\n");
		print_track(sb, &meta->free_track, false);
	}
}

/* The bytes from addr on that differ from the canary, up to 16, never into the object or the next page. */
static void print_diff_canary(const char *addr, const struct kfence_metadata *meta, char *buf, size_t len)
{
	const char *end = addr + 16;
	const char *limit = addr < meta->addr ? meta->addr : (const char *)ALIGN((unsigned long)addr + 1, PAGE_SIZE);
	size_t at = 0;
	at += (size_t)snprintf(buf + at, len - at, "[");
	for (const char *p = addr; p < end && p < limit && at < len; p++) {
		if ((u8)*p == KFENCE_CANARY(p))
			at += (size_t)snprintf(buf + at, len - at, " .");
		else
			at += (size_t)snprintf(buf + at, len - at, " 0x%02x", (u8)*p);
	}
	if (at < len)
		snprintf(buf + at, len - at, " ]");
}

/*
 * One report, in KFENCE's words (mm/kfence/report.c).  stack[0] is where
 * the bug happened: the faulting instruction, or the caller of kfree.
 * kfence_lock held.
 */
static void kfence_report_error(const char *addr, bool is_write, void *const *stack, int nr,
				const struct kfence_metadata *meta, enum kfence_error_type type)
{
	const char *access = is_write ? "write" : "read";
	long index = meta ? metadata_index(meta) : -1;
	unsigned long kaddr = kmm_host_to_kva(addr);
	char where[256], diff[160];
	bool tainted = __atomic_load_n(&kfence_counters[KFENCE_COUNTER_BUGS], __ATOMIC_RELAXED) > 0;
	sprint_symbol(where, sizeof(where), nr ? (unsigned long)stack[0] : 0);
	pr_err("==================================================================\n");
	switch (type) {
	case KFENCE_ERROR_OOB: {
		bool left = addr < meta->addr;
		pr_err("BUG: KFENCE: out-of-bounds %s in %s\n", access, where);
		pr_err("\n");
		pr_err("Out-of-bounds %s at 0x%lx (%luB %s of kfence-#%ld):\n", access, kaddr,
		       (unsigned long)(left ? meta->addr - addr : addr - meta->addr), left ? "left" : "right", index);
		break;
	}
	case KFENCE_ERROR_UAF:
		pr_err("BUG: KFENCE: use-after-free %s in %s\n", access, where);
		pr_err("\n");
		pr_err("Use-after-free %s at 0x%lx (in kfence-#%ld):\n", access, kaddr, index);
		break;
	case KFENCE_ERROR_CORRUPTION:
		print_diff_canary(addr, meta, diff, sizeof(diff));
		pr_err("BUG: KFENCE: memory corruption in %s\n", where);
		pr_err("\n");
		pr_err("Corrupted memory at 0x%lx %s (in kfence-#%ld):\n", kaddr, diff, index);
		break;
	case KFENCE_ERROR_INVALID:
		pr_err("BUG: KFENCE: invalid %s in %s\n", access, where);
		pr_err("\n");
		pr_err("Invalid %s at 0x%lx:\n", access, kaddr);
		break;
	case KFENCE_ERROR_INVALID_FREE:
		pr_err("BUG: KFENCE: invalid free in %s\n", where);
		pr_err("\n");
		if (meta)
			pr_err("Invalid free of 0x%lx (in kfence-#%ld):\n", kaddr, index);
		else
			pr_err("Invalid free of 0x%lx:\n", kaddr);
		break;
	}
	print_stack(NULL, stack, nr);
	if (meta) {
		pr_err("\n");
		print_object(NULL, meta);
	}
	pr_err("\n");
	pr_err("CPU: %d PID: 0 Comm: kmm %s 6.1.0-kmm #1\n", max(smp_processor_id(), 0),
	       tainted ? "Tainted: G    B" : "Not tainted");
	pr_err("==================================================================\n");
	counter_add(KFENCE_COUNTER_BUGS, 1);
	M->slab_bugs++;
}

/* ---- allocation and free ---------------------------------------------------------------------- */

static void canary_set(const struct kfence_metadata *meta)
{
	char *page = (char *)ALIGN_DOWN((unsigned long)meta->addr, PAGE_SIZE);
	for (char *p = page; p < meta->addr; p++)
		*p = (char)KFENCE_CANARY(p);
	for (char *p = meta->addr + meta->size; p < page + PAGE_SIZE; p++)
		*p = (char)KFENCE_CANARY(p);
}

/* The first canary byte that changed, or NULL. */
static char *canary_check(const struct kfence_metadata *meta)
{
	char *page = (char *)ALIGN_DOWN((unsigned long)meta->addr, PAGE_SIZE);
	for (char *p = page; p < meta->addr; p++)
		if ((u8)*p != KFENCE_CANARY(p))
			return p;
	for (char *p = meta->addr + meta->size; p < page + PAGE_SIZE; p++)
		if ((u8)*p != KFENCE_CANARY(p))
			return p;
	return NULL;
}

/*
 * The sampled allocation: counted on every slab allocation once the pool
 * exists, the Nth gets an object of the pool when it can.
 */
void *__kfence_alloc(struct kmem_cache *s, size_t size, gfp_t gfp, unsigned long caller)
{
	if (!__kfence_pool_size ||
	    __atomic_add_fetch(&kfence_allocs_seen, 1, __ATOMIC_RELAXED) % kfence_sample_interval)
		return NULL;
	if (size > PAGE_SIZE || (gfp & (__GFP_DMA | __GFP_DMA32)) || (s->flags & (SLAB_CACHE_DMA | SLAB_CACHE_DMA32))) {
		counter_add(KFENCE_COUNTER_SKIP_INCOMPAT, 1);
		return NULL;
	}
	pthread_mutex_lock(&kfence_lock);
	if (list_empty(&kfence_freelist)) {
		pthread_mutex_unlock(&kfence_lock);
		counter_add(KFENCE_COUNTER_SKIP_CAPACITY, 1);
		return NULL;
	}
	struct kfence_metadata *meta = list_first_entry(&kfence_freelist, struct kfence_metadata, list);
	list_del(&meta->list);
	long index = metadata_index(meta);
	char *page = metadata_page(meta);
	pool_protect(page, false);
	/* guard pages a report opened close again around the new object */
	for (long g = 2 * index + 1; g <= 2 * index + 3; g += 2)
		if (kfence_page_open[g]) {
			pool_protect(pool_page((unsigned long)g), true);
			kfence_page_open[g] = false;
		}
	bool right = kfence_sampled++ & 1;
	meta->addr = right ? page + ALIGN_DOWN(PAGE_SIZE - size, s->align) : page;
	meta->size = size;
	meta->cache = s;
	meta->state = KFENCE_OBJECT_ALLOCATED;
	track_record(&meta->alloc_track, (const void *)caller);
	canary_set(meta);
	lowmem_virt_to_page(page)->slab_cache = s;
	counter_add(KFENCE_COUNTER_ALLOCATED, 1);
	counter_add(KFENCE_COUNTER_ALLOCS, 1);
	void *object = meta->addr;
	pthread_mutex_unlock(&kfence_lock);
	if (slab_want_init_on_alloc(gfp, s)) /* __GFP_ZERO, or init_on_alloc (mm/slab.h) */
		memset(object, 0, size);
	if (s->ctor)
		s->ctor(object);
	return object;
}

void __kfence_free(void *object, unsigned long caller)
{
	char *addr = object;
	void *stack[KFENCE_STACK_DEPTH];
	pthread_mutex_lock(&kfence_lock);
	struct kfence_metadata *meta = addr_to_metadata(addr);
	if (!meta || meta->state != KFENCE_OBJECT_ALLOCATED || meta->addr != addr) {
		int nr = stack_save(stack, KFENCE_STACK_DEPTH, (const void *)caller);
		kfence_report_error(addr, false, stack, nr, meta, KFENCE_ERROR_INVALID_FREE);
		pthread_mutex_unlock(&kfence_lock);
		return; /* the object, if any, stays as it was */
	}
	char *bad = canary_check(meta);
	if (bad) {
		int nr = stack_save(stack, KFENCE_STACK_DEPTH, (const void *)caller);
		kfence_report_error(bad, false, stack, nr, meta, KFENCE_ERROR_CORRUPTION);
	}
	track_record(&meta->free_track, (const void *)caller);
	meta->state = KFENCE_OBJECT_FREED;
	pool_protect(metadata_page(meta), true);
	list_add_tail(&meta->list, &kfence_freelist);
	counter_add(KFENCE_COUNTER_ALLOCATED, -1);
	counter_add(KFENCE_COUNTER_FREES, 1);
	pthread_mutex_unlock(&kfence_lock);
}

size_t kfence_ksize(const void *addr)
{
	const struct kfence_metadata *meta = addr_to_metadata(addr);
	return meta && meta->state == KFENCE_OBJECT_ALLOCATED ? meta->size : 0;
}

/* ---- the fault ---------------------------------------------------------------------------- */

bool kfence_handle_page_fault(void *host_addr, bool write, unsigned long ip)
{
	char *addr = host_addr;
	if (!is_kfence_address(addr))
		return false;
	unsigned long page_index = (unsigned long)(addr - __kfence_pool) / PAGE_SIZE;
	struct kfence_metadata *meta = NULL;
	enum kfence_error_type type = KFENCE_ERROR_INVALID;
	pthread_mutex_lock(&kfence_lock);
	if (page_index % 2 || page_index < 2) {
		/* a guard page: the nearer allocated neighbour overflowed (or underflowed) into it */
		long distance = 0;
		struct kfence_metadata *left = page_index >= 3 ? addr_to_metadata(addr - PAGE_SIZE) : NULL;
		struct kfence_metadata *right = page_index + 1 < KFENCE_POOL_PAGES ? addr_to_metadata(addr + PAGE_SIZE) : NULL;
		if (left && left->state == KFENCE_OBJECT_ALLOCATED) {
			meta = left;
			distance = addr - (left->addr + left->size);
		}
		if (right && right->state == KFENCE_OBJECT_ALLOCATED && (!meta || distance > right->addr - addr))
			meta = right;
		if (meta)
			type = KFENCE_ERROR_OOB;
		kfence_page_open[page_index] = true;
	} else {
		meta = addr_to_metadata(addr);
		if (meta->state == KFENCE_OBJECT_FREED)
			type = KFENCE_ERROR_UAF;
		else if (meta->state == KFENCE_OBJECT_UNUSED)
			meta = NULL;
	}
	if (meta && meta->state == KFENCE_OBJECT_ALLOCATED && type != KFENCE_ERROR_OOB) {
		/* allocated meanwhile by another CPU: the page is open now, nothing to report */
		pthread_mutex_unlock(&kfence_lock);
		return true;
	}
	void *stack[KFENCE_STACK_DEPTH];
	int nr = stack_save(stack, KFENCE_STACK_DEPTH, (const void *)ip);
	if (!nr || stack[0] != (void *)ip) {
		stack[0] = (void *)ip; /* the unwinder did not get past the signal frame: the fault alone */
		nr = 1;
	}
	kfence_report_error(addr, write, stack, nr, meta, type);
	pool_protect(pool_page(page_index), false); /* the access goes on, as in Linux */
	pthread_mutex_unlock(&kfence_lock);
	return true;
}

/* ---- boot, caches, views ------------------------------------------------------------------- */

int kfence_setup(const char *val, char *err, size_t errlen)
{
	char *end;
	unsigned long n = val ? strtoul(val, &end, 0) : 0;
	if (!val || !*val || *end || *val == '-') {
		snprintf(err, errlen, "kfence.sample_interval=%s: expected a number of allocations (0 = off)", val ? val : "");
		return -EINVAL;
	}
	kfence_sample_interval = n;
	return 0;
}

void kfence_init(void)
{
	if (!kfence_sample_interval)
		return;
	struct page *pool = alloc_pages(GFP_KERNEL | __GFP_NOWARN, KFENCE_POOL_ORDER);
	if (!pool) {
		pr_err("kfence: failed to allocate pool\n");
		kfence_sample_interval = 0;
		return;
	}
	kallsyms_warm(); /* the unwinder and the symbol table now, not inside the first trap */
	kfence_pool_page = pool;
	__kfence_pool = lowmem_page_address(pool);
	INIT_LIST_HEAD(&kfence_freelist);
	for (int i = 0; i < KFENCE_NUM_OBJECTS; i++) {
		kfence_metadata[i] = (struct kfence_metadata){ .state = KFENCE_OBJECT_UNUSED };
		list_add_tail(&kfence_metadata[i].list, &kfence_freelist);
		pool[2 * i + 2].flags |= 1UL << PG_slab;
	}
	memset(kfence_page_open, 0, sizeof(kfence_page_open));
	memset(kfence_counters, 0, sizeof(kfence_counters));
	kfence_allocs_seen = kfence_sampled = 0;
	if (mprotect(__kfence_pool, (size_t)KFENCE_POOL_PAGES * PAGE_SIZE, PROT_NONE))
		pr_err("kfence: cannot protect the pool: %s\n", strerror(errno));
	__atomic_store_n(&__kfence_pool_size, (unsigned long)KFENCE_POOL_PAGES * PAGE_SIZE, __ATOMIC_RELEASE);
	pr_info("kfence: initialized - using %lu bytes for %d objects at 0x%lx-0x%lx\n", __kfence_pool_size,
		KFENCE_NUM_OBJECTS, kmm_host_to_kva(__kfence_pool), kmm_host_to_kva(__kfence_pool + __kfence_pool_size));
	pr_info("kfence: sampling 1 in %lu slab allocations (kfence.sample_interval counts allocations, not milliseconds)\n",
		kfence_sample_interval);
}

/* The machine goes: its RAM is unmapped next, so the pool only needs opening and forgetting. */
void kfence_exit(void)
{
	if (__kfence_pool)
		mprotect(__kfence_pool, __kfence_pool_size, PROT_READ | PROT_WRITE);
	__kfence_pool = NULL;
	__kfence_pool_size = 0;
	kfence_sample_interval = 0;
	kfence_pool_page = NULL;
}

/* A cache goes: its freed pool objects forget it; the number of its live ones is returned. */
int kfence_shutdown_cache(struct kmem_cache *s)
{
	int live = 0;
	if (!__kfence_pool_size)
		return 0;
	pthread_mutex_lock(&kfence_lock);
	for (int i = 0; i < KFENCE_NUM_OBJECTS; i++) {
		struct kfence_metadata *meta = &kfence_metadata[i];
		if (meta->cache != s)
			continue;
		if (meta->state == KFENCE_OBJECT_ALLOCATED) {
			pr_err("kfence-#%d: 0x%lx, size=%zu: object remaining in %s on __kmem_cache_shutdown()\n", i,
			       kmm_host_to_kva(meta->addr), meta->size, s->name);
			live++;
		} else {
			meta->cache = NULL;
		}
	}
	pthread_mutex_unlock(&kfence_lock);
	return live;
}

unsigned long kfence_objects_in_use(void)
{
	return (unsigned long)__atomic_load_n(&kfence_counters[KFENCE_COUNTER_ALLOCATED], __ATOMIC_RELAXED);
}

void show_kfence_stats(struct strbuf *sb)
{
	sb_printf(sb, "enabled: %d\n", __kfence_pool_size && kfence_sample_interval ? 1 : 0);
	for (int i = 0; i < KFENCE_COUNTER_COUNT; i++)
		sb_printf(sb, "%s: %ld\n", kfence_counter_names[i], __atomic_load_n(&kfence_counters[i], __ATOMIC_RELAXED));
}

/* /sys/kernel/debug/kfence/objects: every object as a report shows it. */
void show_kfence_objects(struct strbuf *sb)
{
	if (!__kfence_pool_size)
		return;
	pthread_mutex_lock(&kfence_lock);
	for (int i = 0; i < KFENCE_NUM_OBJECTS; i++) {
		print_object(sb, &kfence_metadata[i]);
		sb_printf(sb, "---------------------------------\n");
	}
	pthread_mutex_unlock(&kfence_lock);
}
