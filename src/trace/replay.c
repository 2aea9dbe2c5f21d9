/*
 * replay.c - replaying a real kernel's `kmem:` trace on the booted machine.
 *
 * Vocabulary.  The trace names objects by the kernel's hashed pointers
 * (%p: consistent within one boot, meaningless outside it) and pages by pfn.
 * A *live* allocation is one the trace made and has not freed yet; kmm holds
 * a real object or page for each.  A *record* (struct kmm_replay_cache) is
 * what the report says about one cache: a traced kmem_cache by its name, or
 * a kmalloc class of kmm's (kmalloc-64, kmalloc-cg-192, ...), or the pseudo
 * class "kmalloc-large" of kmallocs above 8 KiB that take pages directly.
 *
 *   input bytes --(zstd | gzip | plain)--> text --(lines)--> kmm_trace_parse_line --> event
 *   trace.dat (first bytes "\027\010\104t") --trace_dat.c, libtracecmd--> event
 *        event --> live table (hashed ptr | pfn -> kmm object, record)
 *                          \--> kmalloc / kmem_cache_alloc / alloc_pages
 *   every sample_every events: nr_free[zone][order] and slab pages -> samples[]
 *
 * The live table is open addressing with linear probing (capacity a power of
 * two, at most half full, deletion by backward shift, so no tombstones):
 * keys are the traced values mixed by a multiplication, key 0 is "empty".
 * Objects and pages have separate tables because their keys come from
 * different spaces (ptr= vs pfn=).  A free finds its allocation by key and
 * frees it the way it was allocated (kfree, kmem_cache_free to the right
 * cache, __free_pages with the allocation's order) whatever the free event
 * says, so a trace cannot make kmm free into the wrong cache.
 *
 * Caches.  A traced cache is created on first use with the traced object
 * size (bytes_req) and laid out as the kernel's evidently was: kmm tries, in
 * order, no flags, SLAB_HWCACHE_ALIGN, SLAB_TYPESAFE_BY_RCU (free pointer
 * after the object, as a constructor also causes) and both, and keeps the
 * first whose object stride equals the traced bytes_alloc (else the plain
 * one).  So the kmem_cache_alloc half of the agreement figure says whether
 * kmm can lay the cache out like the kernel; the kmalloc half compares kmm's
 * size classes with the kernel's for the same requests, with no help.
 * Traces from kernels before 6.2 carry no name= on kmem_cache_alloc: those
 * caches are named "bytes-<bytes_req>".
 *
 * The input's format is chosen by its first four bytes, whatever the file is
 * called.  A trace.dat handed over by kmm_replay_file() is read where it lies;
 * one fed in pieces (a pipe) is kept in a memfd and read at kmm_replay_finish(),
 * since libtracecmd seeks.  What a trace says of lost events is counted: tracefs's
 * "CPU:N [LOST n EVENTS]" and trace-cmd report's "[n EVENTS DROPPED]" lines, and
 * trace.dat's own counts (trace_dat.c).
 *
 * Invariants: stats.by_kind[] sums to events; Σ record.live == objects in
 * the live table (+ pages counted apart); every live entry holds exactly one
 * kmm allocation.  kmm_replay_finish() frees every live entry, destroys the
 * traced caches and asks kmm_nothing_lost() against the usage settled at
 * create (free pages and slab objects as they were, every validator
 * passing): that is "nothing lost".
 *
 * CPUs.  On a machine of several CPUs an event runs on the simulated CPU its
 * trace names (modulo the machine's): see "the traced CPUs" below.
 *
 * Deliberately not done: honouring
 * __GFP_NOFAIL (a replay on a smaller machine must be able to fail instead
 * of looping); telling slab pages apart in mm_page_alloc (the kernel's own
 * slab pages are traced as page allocations too, so they are replayed twice:
 * once by kmm's slab, once as pages).
 *
 * One replay is driven by one thread, on the CPU that thread is on; it
 * visits the other traced CPUs for their events.
 */
#define _GNU_SOURCE /* memmem, memfd_create */
#include "internal.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <kmm/slab.h>
#include <kmm/trace.h>

#include "mm/slab.h"
#include "trace/replay_internal.h"

#define LINE_MAX_BYTES (64 * 1024)      /* a longer line is malformed */
#define ENDLESS_LINE_BYTES (64 << 20)   /* a longer one stops the replay: the input is no text */
#define CHUNK_BYTES (256 * 1024)        /* decompression output per step */
#define MAX_TRACED_CACHES 1024          /* distinct cache names one trace may create */
#define MAX_SAMPLES 2048                /* then every other is dropped */

enum live_type { LIVE_KMALLOC, LIVE_CACHE, LIVE_PAGES };

struct live {
	u64 key;                /* mixed traced value; 0: empty slot */
	void *obj;              /* kmm's object, or struct page * */
	u32 rec;                /* index into stats.caches (objects) */
	u8 type;                /* enum live_type */
	u8 order;               /* pages: the allocation's order */
};

struct live_table {
	struct live *slot;
	size_t mask;            /* capacity - 1 */
	size_t used;
};

/* key -> record index, for the cache records (no deletion) */
struct index_map {
	u64 *key;               /* 0: empty */
	u32 *val;
	size_t mask, used;
};

enum input_format { IN_UNKNOWN, IN_TEXT, IN_ZSTD, IN_GZIP, IN_TRACE_DAT };

struct kmm_replay {
	struct kmm_replay_config cfg;
	struct kmm_replay_stats st;
	size_t caches_cap;
	struct kmem_cache **cache_of;     /* [record]: kmm's cache (NULL: large kmalloc, or creation failed) */
	bool *cache_owned;                /* [record]: created by this replay, destroyed at the end */
	struct live_table objects, pages;
	struct index_map by_name;         /* hash of a traced name -> record */
	struct index_map by_cache;        /* kmm kmalloc cache pointer -> record */
	u32 large_rec;                    /* "kmalloc-large", ~0 until used */
	unsigned long live_pages;         /* pages held through mm_page_alloc */
	unsigned long next_sample;

	/* input */
	enum input_format fmt;
	unsigned char magic[4];           /* first bytes, until the format is known */
	size_t nmagic;
	ZSTD_DCtx *zstd;
	size_t zstd_left;                 /* last ZSTD_decompressStream hint: 0 at a frame end */
	z_stream gz;
	bool gz_live, gz_ended;
	int spool_fd;                     /* trace.dat fed in pieces: kept here until the end (-1: none) */
	unsigned char inner_magic[4];     /* a compressed stream's first decompressed bytes, until its content is known */
	size_t ninner;
	bool inner_known, inner_dat;      /* ... and whether it is a trace.dat (spooled) rather than text */
	unsigned char *out;               /* decompressed chunk */
	char *carry;                      /* the unfinished line of the previous chunk */
	size_t carry_len;
	bool skipping_long_line;
	u64 long_line_bytes;               /* bytes of the over-long line being skipped (ENDLESS_LINE_BYTES stops) */
	bool stopped;                     /* strict stop or broken input: feed no more */
	bool finished;

	struct kmm_usage usage_start;     /* settled at create: kmm_nothing_lost()'s baseline */
	unsigned long bugs_start;
	int cpu;                          /* the CPU the replay runs on */
};

/* ---- hashing and tables ------------------------------------------------------------ */

static inline u64 mix(u64 v)
{
	v ^= v >> 31;
	v *= 0x9e3779b97f4a7c15ULL;
	return v ^ (v >> 29);
}

static int live_table_init(struct live_table *t, size_t cap)
{
	t->slot = calloc(cap, sizeof(*t->slot));
	t->mask = cap - 1;
	t->used = 0;
	return t->slot ? 0 : -ENOMEM;
}

static struct live *live_find(struct live_table *t, u64 key)
{
	for (size_t i = mix(key) & t->mask;; i = (i + 1) & t->mask) {
		if (t->slot[i].key == key)
			return &t->slot[i];
		if (!t->slot[i].key)
			return NULL;
	}
}

static int live_grow(struct live_table *t)
{
	struct live_table n;
	if (live_table_init(&n, (t->mask + 1) * 2))
		return -ENOMEM;
	for (size_t i = 0; i <= t->mask; i++) {
		if (!t->slot[i].key)
			continue;
		size_t j = mix(t->slot[i].key) & n.mask;
		while (n.slot[j].key)
			j = (j + 1) & n.mask;
		n.slot[j] = t->slot[i];
	}
	n.used = t->used;
	free(t->slot);
	*t = n;
	return 0;
}

/* Insert a key that is not in the table. */
static int live_insert(struct live_table *t, const struct live *l)
{
	if ((t->used + 1) * 2 > t->mask + 1 && live_grow(t))
		return -ENOMEM;
	size_t i = mix(l->key) & t->mask;
	while (t->slot[i].key)
		i = (i + 1) & t->mask;
	t->slot[i] = *l;
	t->used++;
	return 0;
}

/* Remove an entry found by live_find(): later entries of its run move back. */
static void live_remove(struct live_table *t, struct live *l)
{
	size_t i = (size_t)(l - t->slot);
	for (size_t j = (i + 1) & t->mask; t->slot[j].key; j = (j + 1) & t->mask) {
		size_t home = mix(t->slot[j].key) & t->mask;
		/* j may move to i if its home is not within (i, j] (cyclically) */
		if (((j - home) & t->mask) >= ((j - i) & t->mask)) {
			t->slot[i] = t->slot[j];
			i = j;
		}
	}
	t->slot[i].key = 0;
	t->used--;
}

static int index_map_init(struct index_map *m, size_t cap)
{
	m->key = calloc(cap, sizeof(*m->key));
	m->val = calloc(cap, sizeof(*m->val));
	m->mask = cap - 1;
	m->used = 0;
	return m->key && m->val ? 0 : -ENOMEM;
}

static void index_map_free(struct index_map *m)
{
	free(m->key);
	free(m->val);
}

/*
 * The record of key, or ~0u; same(val, arg) tells apart keys that collide
 * (names hashed to the same 64 bits).
 */
static u32 index_map_get(const struct index_map *m, u64 key, bool (*same)(u32, const void *, const void *),
			 const void *ctx, const void *arg)
{
	for (size_t i = mix(key) & m->mask; m->key[i]; i = (i + 1) & m->mask)
		if (m->key[i] == key && (!same || same(m->val[i], ctx, arg)))
			return m->val[i];
	return ~0u;
}

static int index_map_put(struct index_map *m, u64 key, u32 val)
{
	if ((m->used + 1) * 2 > m->mask + 1) {
		struct index_map n;
		if (index_map_init(&n, (m->mask + 1) * 2))
			return -ENOMEM;
		for (size_t i = 0; i <= m->mask; i++)
			if (m->key[i])
				index_map_put(&n, m->key[i], m->val[i]);
		index_map_free(m);
		*m = n;
	}
	size_t i = mix(key) & m->mask;
	while (m->key[i])
		i = (i + 1) & m->mask;
	m->key[i] = key;
	m->val[i] = val;
	m->used++;
	return 0;
}

/* ---- problems and counters ------------------------------------------------------------ */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static unsigned long bugs_so_far(void)
{
	return M->slab_bugs + M->vmalloc_bugs + M->kmap_bugs + M->oopses + M->dma_bugs + kmm_bad_pages();
}

/* Count a problem line and remember the first few; strict mode stops there. */
static void problem(struct kmm_replay *r, bool is_malformed, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void problem(struct kmm_replay *r, bool is_malformed, const char *fmt, ...)
{
	struct kmm_replay_stats *st = &r->st;
	if (is_malformed)
		st->malformed++;
	else
		st->unknown++;
	if (st->nr_problems < KMM_REPLAY_MAX_PROBLEMS) {
		struct kmm_replay_problem *p = &st->problems[st->nr_problems++];
		p->line = st->lines;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->what, sizeof(p->what), fmt, ap);
		va_end(ap);
	}
	if (r->cfg.strict)
		r->stopped = true;
}
#define malformed(r, ...) problem(r, true, __VA_ARGS__)

/* ---- records ------------------------------------------------------------------------------ */

static u32 record_new(struct kmm_replay *r, const char *name, size_t len, bool kmalloc)
{
	struct kmm_replay_stats *st = &r->st;
	if (st->nr_caches == r->caches_cap) {
		size_t cap = r->caches_cap ? r->caches_cap * 2 : 64;
		struct kmm_replay_cache *c = realloc(st->caches, cap * sizeof(*c));
		if (c)
			st->caches = c;
		struct kmem_cache **k = realloc(r->cache_of, cap * sizeof(*k));
		if (k)
			r->cache_of = k;
		bool *o = realloc(r->cache_owned, cap * sizeof(*o));
		if (o)
			r->cache_owned = o;
		if (!c || !k || !o)
			return ~0u;
		r->caches_cap = cap;
	}
	u32 idx = st->nr_caches++;
	struct kmm_replay_cache *c = &st->caches[idx];
	*c = (struct kmm_replay_cache){ .kmalloc = kmalloc };
	len = min(len, sizeof(c->name) - 1);
	memcpy(c->name, name, len);
	c->name[len] = 0;
	r->cache_of[idx] = NULL;
	r->cache_owned[idx] = false;
	return idx;
}

static u64 name_hash(const char *s, size_t len)
{
	u64 h = 14695981039346656037ULL;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h | 1; /* never 0, the empty key */
}

struct name_ref {
	const char *s;
	size_t len;
};

static bool record_has_name(u32 idx, const void *ctx, const void *arg)
{
	const struct kmm_replay *r = ctx;
	const struct name_ref *n = arg;
	const char *have = r->st.caches[idx].name;
	return strlen(have) == n->len && !memcmp(have, n->s, n->len);
}

/*
 * Create the traced cache of a record: the layout whose stride is the
 * kernel's bytes_alloc, if kmm can make one (see the theory above).
 */
static void traced_cache_create(struct kmm_replay *r, u32 idx, unsigned long req, unsigned long kernel_bytes)
{
	static const slab_flags_t layouts[] = { 0, SLAB_HWCACHE_ALIGN, SLAB_TYPESAFE_BY_RCU,
						SLAB_TYPESAFE_BY_RCU | SLAB_HWCACHE_ALIGN };
	const char *name = r->st.caches[idx].name;
	struct kmem_cache *plain = NULL;
	if (!req || req > KMALLOC_MAX_SIZE)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(layouts); i++) {
		struct kmem_cache *s = kmem_cache_create(name, (unsigned)req, 0, layouts[i], NULL);
		if (!s)
			break;
		if (s->size == kernel_bytes) {
			if (plain)
				kmem_cache_destroy(plain);
			r->cache_of[idx] = s;
			r->cache_owned[idx] = true;
			return;
		}
		if (!plain)
			plain = s;
		else
			kmem_cache_destroy(s);
	}
	r->cache_of[idx] = plain;
	r->cache_owned[idx] = plain != NULL;
}

/* The record of a traced cache, created on first use; ~0u if there can be none (counted). */
static u32 traced_cache(struct kmm_replay *r, const struct kmm_trace_event *ev)
{
	char synth[32];
	struct name_ref n = { ev->name, ev->name_len };
	if (!n.len) {
		n.len = (size_t)snprintf(synth, sizeof(synth), "bytes-%lu", ev->bytes_req);
		n.s = synth;
	}
	u64 h = name_hash(n.s, n.len);
	u32 idx = index_map_get(&r->by_name, h, record_has_name, r, &n);
	if (idx != ~0u) {
		if (ev->kind == KMM_TRACE_CACHE_ALLOC && r->st.caches[idx].bytes_req != ev->bytes_req) {
			malformed(r, "kmem_cache_alloc: cache %s was traced with bytes_req=%lu, here bytes_req=%lu",
				  r->st.caches[idx].name, r->st.caches[idx].bytes_req, ev->bytes_req);
			return ~0u;
		}
		return idx;
	}
	if (ev->kind != KMM_TRACE_CACHE_ALLOC)
		return ~0u;
	if (r->by_name.used >= MAX_TRACED_CACHES) {
		malformed(r, "kmem_cache_alloc: more than %d distinct cache names", MAX_TRACED_CACHES);
		return ~0u;
	}
	for (size_t i = 0; i < n.len; i++) {
		if (n.s[i] < 0x21 || n.s[i] > 0x7e) {
			malformed(r, "kmem_cache_alloc: name= holds a byte 0x%02x that is not printable",
				  (unsigned char)n.s[i]);
			return ~0u;
		}
	}
	idx = record_new(r, n.s, n.len, false);
	if (idx == ~0u || index_map_put(&r->by_name, h, idx))
		return ~0u;
	r->st.caches[idx].bytes_req = ev->bytes_req;
	traced_cache_create(r, idx, ev->bytes_req, ev->bytes_alloc);
	return idx;
}

/* The record of the kmalloc class kmm used for an object (NULL slab: a large kmalloc). */
static u32 kmalloc_record(struct kmm_replay *r, struct kmem_cache *s)
{
	if (!s) {
		if (r->large_rec == ~0u)
			r->large_rec = record_new(r, "kmalloc-large", strlen("kmalloc-large"), true);
		return r->large_rec;
	}
	u64 key = (u64)(uintptr_t)s;
	u32 idx = index_map_get(&r->by_cache, key, NULL, NULL, NULL);
	if (idx != ~0u)
		return idx;
	idx = record_new(r, s->name, strlen(s->name), true);
	if (idx == ~0u || index_map_put(&r->by_cache, key, idx))
		return ~0u;
	r->cache_of[idx] = s;
	return idx;
}

/* ---- events ---------------------------------------------------------------------------------- */

static void live_release(struct kmm_replay *r, struct live *l)
{
	switch (l->type) {
	case LIVE_KMALLOC:
		kfree(l->obj);
		break;
	case LIVE_CACHE:
		kmem_cache_free(r->cache_of[l->rec], l->obj);
		break;
	case LIVE_PAGES:
		__free_pages(l->obj, l->order);
		r->live_pages -= 1UL << l->order;
		return;
	}
	struct kmm_replay_cache *c = &r->st.caches[l->rec];
	c->frees++;
	c->live--;
}

static bool node_ok(int node)
{
	return node >= 0 && node < nr_online_nodes;
}

static void replay_object_alloc(struct kmm_replay *r, const struct kmm_trace_event *ev)
{
	struct kmm_replay_stats *st = &r->st;
	bool is_kmalloc = ev->kind == KMM_TRACE_KMALLOC;
	if (!ev->ptr) {
		st->kernel_failures++;
		return;
	}
	struct live *old = live_find(&r->objects, ev->ptr);
	if (old) {
		/* the free was not traced (the trace was lossy): it is done now */
		st->duplicate_allocs++;
		live_release(r, old);
		live_remove(&r->objects, old);
	}
	gfp_t gfp = ev->gfp & ~__GFP_NOFAIL;
	int node = node_ok(ev->node) ? ev->node : NUMA_NO_NODE;
	struct live l = { .key = ev->ptr };
	unsigned long kmm_bytes;
	u32 rec;
	if (is_kmalloc) {
		l.type = LIVE_KMALLOC;
		if (!ev->bytes_req) {
			/* kmalloc(0): ZERO_SIZE_PTR, nothing to hold or free */
			st->total_kmalloc++;
			st->agree_kmalloc += ev->bytes_alloc == 0;
			return;
		}
		l.obj = kmalloc_node(ev->bytes_req, gfp, node);
		if (!l.obj) {
			st->alloc_failures[ev->kind]++;
			return;
		}
		struct page *slab = virt_to_slab(l.obj);
		struct kmem_cache *s = slab ? slab->slab_cache : NULL;
		kmm_bytes = s ? s->size : ksize(l.obj);
		rec = kmalloc_record(r, s);
	} else {
		l.type = LIVE_CACHE;
		rec = traced_cache(r, ev);
		if (rec == ~0u)
			return;
		struct kmem_cache *s = r->cache_of[rec];
		l.obj = s ? kmem_cache_alloc_node(s, gfp, node) : NULL;
		if (!l.obj) {
			st->alloc_failures[ev->kind]++;
			st->caches[rec].failures++;
			return;
		}
		kmm_bytes = s->size;
	}
	if (rec == ~0u || live_insert(&r->objects, &(struct live){ .key = l.key, .obj = l.obj, .rec = rec, .type = l.type })) {
		/* no host memory for the bookkeeping: give the object back */
		if (is_kmalloc)
			kfree(l.obj);
		else
			kmem_cache_free(r->cache_of[rec], l.obj);
		st->alloc_failures[ev->kind]++;
		return;
	}
	struct kmm_replay_cache *c = &st->caches[rec];
	c->allocs++;
	if (++c->live > c->peak)
		c->peak = c->live;
	c->kernel_bytes = ev->bytes_alloc;
	c->kmm_bytes = kmm_bytes;
	bool same = kmm_bytes == ev->bytes_alloc;
	c->agree += same;
	if (is_kmalloc) {
		st->total_kmalloc++;
		st->agree_kmalloc += same;
	} else {
		st->total_cache++;
		st->agree_cache += same;
	}
}

static void replay_object_free(struct kmm_replay *r, const struct kmm_trace_event *ev)
{
	if (!ev->ptr) {
		r->st.null_frees++;
		return;
	}
	struct live *l = live_find(&r->objects, ev->ptr);
	if (!l) {
		r->st.unmatched_frees++;
		return;
	}
	live_release(r, l);
	live_remove(&r->objects, l);
}

/* The page table's key: pfn + 1 (pfn 0 is a page), or the hashed page pointer. */
static bool page_key(const struct kmm_trace_event *ev, u64 *key)
{
	if (ev->pfn != ~0ULL) {
		if (ev->pfn == 0xffffffffULL) /* -1UL of a 32-bit kernel: no page */
			return false;
		*key = ev->pfn + 1;
		return true;
	}
	*key = ev->ptr;
	return ev->ptr != 0;
}

static void replay_page_alloc(struct kmm_replay *r, const struct kmm_trace_event *ev)
{
	struct kmm_replay_stats *st = &r->st;
	u64 key;
	if (!page_key(ev, &key)) {
		st->kernel_failures++;
		return;
	}
	struct live *old = live_find(&r->pages, key);
	if (old) {
		st->duplicate_allocs++;
		live_release(r, old);
		live_remove(&r->pages, old);
	}
	struct page *page = alloc_pages(ev->gfp & ~__GFP_NOFAIL, ev->order);
	if (!page) {
		st->alloc_failures[ev->kind]++;
		return;
	}
	if (live_insert(&r->pages, &(struct live){ .key = key, .obj = page, .type = LIVE_PAGES, .order = (u8)ev->order })) {
		__free_pages(page, ev->order);
		st->alloc_failures[ev->kind]++;
		return;
	}
	r->live_pages += 1UL << ev->order;
	if (r->live_pages > st->page_allocs_live_peak)
		st->page_allocs_live_peak = r->live_pages;
}

static void replay_page_free(struct kmm_replay *r, const struct kmm_trace_event *ev)
{
	u64 key;
	if (!page_key(ev, &key)) {
		r->st.null_frees++;
		return;
	}
	struct live *l = live_find(&r->pages, key);
	if (!l) {
		r->st.unmatched_frees++;
		return;
	}
	r->st.order_mismatches += l->order != ev->order;
	live_release(r, l);
	live_remove(&r->pages, l);
}

/* ---- samples ------------------------------------------------------------------------------------ */

static unsigned long slab_pages_now(void)
{
	long n = 0;
	int nid;
	for_each_online_node(nid)
		n += __atomic_load_n(&NODE_DATA(nid)->nr_slab_reclaimable, __ATOMIC_RELAXED) +
		     __atomic_load_n(&NODE_DATA(nid)->nr_slab_unreclaimable, __ATOMIC_RELAXED);
	return n > 0 ? (unsigned long)n : 0;
}

static void zones_init(struct kmm_replay *r)
{
	struct zone *zone;
	for_each_populated_zone(zone) {
		if (r->st.nr_zones == KMM_REPLAY_MAX_ZONES)
			break;
		r->st.zones[r->st.nr_zones++] = (struct kmm_replay_zone){ zone->node, zone->name };
	}
}

static void sample(struct kmm_replay *r, u64 ts)
{
	struct kmm_replay_stats *st = &r->st;
	if (st->nr_samples == MAX_SAMPLES) {
		/* keep every other sample, sample half as often */
		for (unsigned long i = 1; i < MAX_SAMPLES; i += 2)
			free(st->samples[i].nr_free);
		for (unsigned long i = 0; i < MAX_SAMPLES / 2; i++)
			st->samples[i] = st->samples[2 * i];
		st->nr_samples = MAX_SAMPLES / 2;
		r->cfg.sample_every *= 2;
	}
	if (!st->samples) {
		st->samples = calloc(MAX_SAMPLES, sizeof(*st->samples));
		if (!st->samples)
			return;
	}
	unsigned long (*nf)[MAX_ORDER] = calloc(st->nr_zones ? st->nr_zones : 1, sizeof(*nf));
	if (!nf)
		return;
	struct zone *zone;
	unsigned int z = 0;
	for_each_populated_zone(zone) {
		if (z == st->nr_zones)
			break;
		pthread_mutex_lock(&zone->lock);
		for (unsigned int o = 0; o < MAX_ORDER; o++)
			nf[z][o] = zone->free_area[o].nr_free;
		pthread_mutex_unlock(&zone->lock);
		z++;
	}
	unsigned long slab = slab_pages_now();
	if (slab > st->slab_pages_peak)
		st->slab_pages_peak = slab;
	st->samples[st->nr_samples++] = (struct kmm_replay_sample){ st->events, ts, slab, nf };
}

int kmm_replay_unusable_index(const struct kmm_replay_sample *s, unsigned int zone, unsigned int order)
{
	return unusable_index_of(s->nr_free[zone], order);
}

/* ---- lines ---------------------------------------------------------------------------------------- */

/* ---- the traced CPUs ---------------------------------------------------------------------- */

/*
 * An event runs on the simulated CPU its trace names (modulo the machine's
 * CPUs): the replay's thread leaves its own CPU as a task scheduled out
 * does (kmm_cpu_switch_out: the per-CPU lists stay - kmm_cpu_exit() would
 * drain them, which Linux does not do between two allocations), enters the
 * event's CPU, runs it, and comes back.  One thread runs every event, in
 * the trace's order (each CPU's in its own order), so the live tables need
 * no lock of their own, and a switch costs two uncontended lock handovers,
 * not a handoff between host threads.
 */
static void replay_event_here(struct kmm_replay *r, const struct kmm_trace_event *ev);

static void replay_event_on(struct kmm_replay *r, int cpu, const struct kmm_trace_event *ev)
{
	int home = kmm_cpu_current();
	if (home >= 0)
		kmm_cpu_switch_out();
	if (kmm_cpu_enter(cpu)) {
		r->st.events_on_cpu[cpu]--;
		r->st.events_on_cpu[r->cpu]++;
	}
	replay_event_here(r, ev);
	if (kmm_cpu_current() >= 0)
		kmm_cpu_switch_out();
	if (home >= 0)
		kmm_cpu_enter(home); /* waits if a thread of the program took it meanwhile */
}

/* Replay one event, whatever format it came in (a text line, a trace.dat record). */
void replay_event(struct kmm_replay *r, const struct kmm_trace_event *evp)
{
	struct kmm_replay_stats *st = &r->st;
	const struct kmm_trace_event ev = *evp;
	if (ev.cpu >= 0 && (unsigned)ev.cpu >= st->trace_cpus && ev.cpu < 4096)
		st->trace_cpus = (unsigned)ev.cpu + 1;
	if (!st->events)
		st->first_ts_ns = ev.ts_ns;
	st->last_ts_ns = ev.ts_ns;
	st->events++;
	st->by_kind[ev.kind]++;
	int cpu = ev.cpu >= 0 && M->nr_cpus > 1 ? ev.cpu % M->nr_cpus : r->cpu;
	st->events_on_cpu[cpu]++;
	if (cpu != r->cpu)
		replay_event_on(r, cpu, &ev);
	else
		replay_event_here(r, &ev);
	if (st->events >= r->next_sample) {
		sample(r, ev.ts_ns);
		r->next_sample = st->events + r->cfg.sample_every;
	}
}

/* The allocation or free of one event, on the CPU the calling thread is on. */
static void replay_event_here(struct kmm_replay *r, const struct kmm_trace_event *evp)
{
	const struct kmm_trace_event ev = *evp;
	switch (ev.kind) {
	case KMM_TRACE_KMALLOC:
	case KMM_TRACE_CACHE_ALLOC:
		replay_object_alloc(r, &ev);
		break;
	case KMM_TRACE_KFREE:
	case KMM_TRACE_CACHE_FREE:
		replay_object_free(r, &ev);
		break;
	case KMM_TRACE_PAGE_ALLOC:
		replay_page_alloc(r, &ev);
		break;
	case KMM_TRACE_PAGE_FREE:
		replay_page_free(r, &ev);
		break;
	case KMM_TRACE_NR_KINDS:
		break;
	}
}


/*
 * A full ring buffer's note that it dropped events on a CPU: tracefs prints
 * "CPU:1 [LOST 1234 EVENTS]", trace-cmd report "CPU:1 [1234 EVENTS DROPPED]"
 * or, when the count is unknown, "CPU:1 [EVENTS DROPPED]".  n: the count, 0 if unknown.
 */
static bool lost_events_line(const char *line, size_t len, unsigned long *n)
{
	if (len < 6 || memcmp(line, "CPU:", 4))
		return false;
	const char *open = memchr(line, '[', len), *end = line + len;
	if (!open)
		return false;
	const char *p = open + 1;
	bool lost_form = end - p > 5 && !memcmp(p, "LOST ", 5);
	if (lost_form)
		p += 5;
	u64 v = 0;
	const char *d = p;
	while (d < end && *d >= '0' && *d <= '9' && v < (1ULL << 60))
		v = v * 10 + (u64)(*d++ - '0');
	*n = (unsigned long)v;
	if (lost_form)
		return d > p && end - d >= 8 && !memcmp(d, " EVENTS]", 8);
	if (d > p && d < end && *d == ' ')
		d++;
	return end - d >= 15 && !memcmp(d, "EVENTS DROPPED]", 15);
}

static void replay_line(struct kmm_replay *r, const char *line, size_t len)
{
	struct kmm_replay_stats *st = &r->st;
	struct kmm_trace_event ev;
	char why[160];
	unsigned long lost;
	st->lines++;
	switch (kmm_trace_parse_line(line, len, &ev, why, sizeof(why))) {
	case KMM_TRACE_SKIP:
		return;
	case KMM_TRACE_NOT_REPLAYED:
		st->not_replayed++;
		return;
	case KMM_TRACE_UNKNOWN:
		problem(r, false, "unknown event \"%s\" (kmm replays kmalloc, kfree, kmem_cache_alloc, kmem_cache_free, mm_page_alloc, mm_page_free)", why);
		return;
	case KMM_TRACE_MALFORMED:
		if (lost_events_line(line, len, &lost)) {
			st->events_lost += lost;
			st->lost_gaps += !lost;
			return;
		}
		malformed(r, "%s", why);
		return;
	case KMM_TRACE_EVENT:
		break;
	}
	replay_event(r, &ev);
}

static void input_error(struct kmm_replay *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Split text into lines; the unfinished last one waits in carry for the next chunk. */
static void replay_text(struct kmm_replay *r, const char *p, size_t len)
{
	const char *end = p + len;
	while (p < end && !r->stopped) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (r->skipping_long_line) {
			r->long_line_bytes += n;
			if (nl) {
				r->skipping_long_line = false;
			} else if (r->long_line_bytes > ENDLESS_LINE_BYTES) {
				/* /dev/zero, a binary file: no text trace has such a line, and it may never end */
				input_error(r, "more than %d MiB without a newline (after line %lu): not a text trace",
					    ENDLESS_LINE_BYTES >> 20, r->st.lines);
			}
		} else if (r->carry_len + n > LINE_MAX_BYTES) {
			r->st.lines++;
			malformed(r, "a line longer than %d bytes", LINE_MAX_BYTES);
			r->carry_len = 0;
			r->skipping_long_line = !nl;
			r->long_line_bytes = 0;
		} else if (!nl) {
			memcpy(r->carry + r->carry_len, p, n);
			r->carry_len += n;
		} else if (r->carry_len) {
			memcpy(r->carry + r->carry_len, p, n);
			replay_line(r, r->carry, r->carry_len + n);
			r->carry_len = 0;
		} else {
			replay_line(r, p, n);
		}
		p += n + (nl ? 1 : 0);
	}
}

/* ---- input formats ---------------------------------------------------------------------------------- */

static void input_error(struct kmm_replay *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void input_error(struct kmm_replay *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->st.input_error, sizeof(r->st.input_error), fmt, ap);
	va_end(ap);
	r->stopped = true;
}

/* ---- for the trace.dat reader (trace_dat.c) ---------------------------------------------------------- */

void replay_text_line(struct kmm_replay *r, const char *line, size_t len)
{
	replay_line(r, line, len);
}

struct kmm_replay_stats *replay_stats_rw(struct kmm_replay *r)
{
	return &r->st;
}

const struct kmm_replay_config *replay_config(const struct kmm_replay *r)
{
	return &r->cfg;
}

bool replay_stopped(const struct kmm_replay *r)
{
	return r->stopped;
}

void replay_input_error(struct kmm_replay *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->st.input_error, sizeof(r->st.input_error), fmt, ap);
	va_end(ap);
	r->stopped = true;
}

static void spool(struct kmm_replay *r, const void *data, size_t len);

/* The content of a compressed stream is known: a trace.dat (spooled for libtracecmd) or text (replayed). */
static void inner_decide(struct kmm_replay *r)
{
	r->inner_known = true;
	if (r->ninner == 4 && !memcmp(r->inner_magic, TRACE_DAT_MAGIC, 4)) {
		r->spool_fd = memfd_create("kmm-trace.dat", MFD_CLOEXEC);
		if (r->spool_fd < 0) {
			input_error(r, "trace.dat: cannot keep it in memory: %s", strerror(errno));
			return;
		}
		r->inner_dat = true;
		r->st.input_format = r->fmt == IN_ZSTD ? "zstd trace.dat" : "gzip trace.dat";
		spool(r, r->inner_magic, r->ninner);
	} else {
		replay_text(r, (const char *)r->inner_magic, r->ninner);
	}
}

/* Bytes a decompressor gave: by the stream's first 4 bytes, text to replay or a trace.dat to keep. */
static void decompressed(struct kmm_replay *r, const char *p, size_t n)
{
	while (!r->inner_known && n && r->ninner < 4) {
		r->inner_magic[r->ninner++] = (unsigned char)*p++;
		n--;
	}
	if (!r->inner_known && r->ninner == 4)
		inner_decide(r);
	if (!n || r->stopped)
		return;
	if (r->inner_dat)
		spool(r, p, n);
	else
		replay_text(r, p, n);
}

static void feed_zstd(struct kmm_replay *r, const void *data, size_t len)
{
	ZSTD_inBuffer in = { data, len, 0 };
	while (!r->stopped && (in.pos < in.size || r->zstd_left)) {
		ZSTD_outBuffer out = { r->out, CHUNK_BYTES, 0 };
		size_t ret = ZSTD_decompressStream(r->zstd, &out, &in);
		if (ZSTD_isError(ret)) {
			input_error(r, "zstd: %s (after line %lu)", ZSTD_getErrorName(ret), r->st.lines);
			return;
		}
		r->zstd_left = ret;
		decompressed(r, (const char *)r->out, out.pos);
		if (!out.pos && in.pos == in.size)
			break; /* needs more input */
	}
}

static void feed_gzip(struct kmm_replay *r, const void *data, size_t len)
{
	z_stream *z = &r->gz;
	z->next_in = (Bytef *)(uintptr_t)data;
	z->avail_in = (uInt)len;
	while (!r->stopped && z->avail_in) {
		if (r->gz_ended) {
			/* another gzip member follows (cat a.gz b.gz) */
			if (inflateReset(z) != Z_OK) {
				input_error(r, "gzip: cannot restart");
				return;
			}
			r->gz_ended = false;
		}
		z->next_out = r->out;
		z->avail_out = CHUNK_BYTES;
		int ret = inflate(z, Z_NO_FLUSH);
		if (ret != Z_OK && ret != Z_STREAM_END && ret != Z_BUF_ERROR) {
			input_error(r, "gzip: %s (after line %lu)", z->msg ? z->msg : "corrupt data", r->st.lines);
			return;
		}
		decompressed(r, (const char *)r->out, CHUNK_BYTES - z->avail_out);
		if (ret == Z_STREAM_END)
			r->gz_ended = true;
		else if (ret == Z_BUF_ERROR)
			break;
	}
}

static int input_start(struct kmm_replay *r)
{
	static const unsigned char zstd_magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	if (r->nmagic == 4 && !memcmp(r->magic, zstd_magic, 4)) {
		r->zstd = ZSTD_createDCtx();
		r->fmt = IN_ZSTD;
		r->st.input_format = "zstd text";
		return r->zstd ? 0 : -ENOMEM;
	}
	if (r->nmagic == 4 && !memcmp(r->magic, TRACE_DAT_MAGIC, 4)) {
		/* libtracecmd reads a file, not a stream: keep the bytes until the end */
		r->spool_fd = memfd_create("kmm-trace.dat", MFD_CLOEXEC);
		r->fmt = IN_TRACE_DAT;
		r->st.input_format = "trace.dat";
		return r->spool_fd < 0 ? -ENOMEM : 0;
	}
	if (r->nmagic >= 2 && r->magic[0] == 0x1f && r->magic[1] == 0x8b) {
		memset(&r->gz, 0, sizeof(r->gz));
		if (inflateInit2(&r->gz, 16 + MAX_WBITS) != Z_OK)
			return -ENOMEM;
		r->gz_live = true;
		r->fmt = IN_GZIP;
		r->st.input_format = "gzip text";
		return 0;
	}
	r->fmt = IN_TEXT;
	r->st.input_format = "text";
	return 0;
}

static void spool(struct kmm_replay *r, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t n = write(r->spool_fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			input_error(r, "trace.dat: cannot keep it in memory: %s", strerror(errno));
			return;
		}
		p += n;
		len -= (size_t)n;
	}
}

static void feed_format(struct kmm_replay *r, const void *data, size_t len)
{
	switch (r->fmt) {
	case IN_ZSTD: feed_zstd(r, data, len); break;
	case IN_GZIP: feed_gzip(r, data, len); break;
	case IN_TRACE_DAT: spool(r, data, len); break;
	default: replay_text(r, data, len); break;
	}
}

int kmm_replay_feed(struct kmm_replay *r, const void *data, size_t len)
{
	if (r->stopped || r->finished)
		return -1;
	double t0 = now_s();
	const unsigned char *p = data;
	if (r->fmt == IN_UNKNOWN) {
		/* the magic may arrive a byte at a time */
		while (r->nmagic < 4 && len) {
			r->magic[r->nmagic++] = *p++;
			len--;
		}
		if (r->nmagic < 4)
			goto out;
		if (input_start(r)) {
			input_error(r, "out of host memory for the %s", r->fmt == IN_TRACE_DAT ? "trace.dat" : "decompressor");
			goto out;
		}
		feed_format(r, r->magic, r->nmagic);
	}
	if (len)
		feed_format(r, p, len);
out:
	r->st.seconds += now_s() - t0;
	return r->stopped ? -1 : 0;
}

int kmm_replay_file(struct kmm_replay *r, const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	unsigned char head[4];
	if (r->fmt == IN_UNKNOWN && !r->stopped && !r->finished && pread(fd, head, 4, 0) == 4 &&
	    !memcmp(head, TRACE_DAT_MAGIC, 4)) {
		/* a seekable trace.dat: libtracecmd reads it where it lies */
		double t0 = now_s();
		r->fmt = IN_TRACE_DAT;
		int ret = trace_dat_replay_fd(r, fd);
		r->st.seconds += now_s() - t0;
		close(fd);
		if (ret)
			snprintf(err, errlen, "%s: replay stopped", path);
		return ret;
	}
	unsigned char *buf = malloc(1 << 20);
	int ret = 0;
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		close(fd);
		return -1;
	}
	for (;;) {
		ssize_t n = read(fd, buf, 1 << 20);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			ret = -1;
			break;
		}
		if (n == 0)
			break;
		if (kmm_replay_feed(r, buf, (size_t)n)) {
			snprintf(err, errlen, "%s: replay stopped", path);
			ret = -1;
			break;
		}
	}
	free(buf);
	close(fd);
	return ret;
}

/* ---- life cycle ------------------------------------------------------------------------------------------ */

struct kmm_replay *kmm_replay_create(const struct kmm_replay_config *cfg)
{
	if (!kmm_booted()) {
		errno = ENODEV;
		return NULL;
	}
	struct kmm_replay *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->cfg = *cfg;
	if (!r->cfg.sample_every)
		r->cfg.sample_every = 1024;
	r->large_rec = ~0u;
	r->spool_fd = -1;
	r->out = malloc(CHUNK_BYTES);
	r->carry = malloc(LINE_MAX_BYTES + 1);
	if (!r->out || !r->carry || live_table_init(&r->objects, 1 << 12) || live_table_init(&r->pages, 1 << 10) ||
	    index_map_init(&r->by_name, 64) || index_map_init(&r->by_cache, 64)) {
		kmm_replay_destroy(r);
		errno = ENOMEM;
		return NULL;
	}
	r->cpu = kmm_cpu_current();
	if (r->cpu < 0)
		r->cpu = 0;
	zones_init(r);
	kmm_usage_settle(&r->usage_start);
	r->st.free_pages_start = r->usage_start.free_pages;
	r->bugs_start = bugs_so_far();
	sample(r, 0);
	r->next_sample = r->cfg.sample_every;
	return r;
}

static void release_all(struct kmm_replay *r, struct live_table *t)
{
	for (size_t i = 0; i <= t->mask; i++) {
		if (!t->slot[i].key)
			continue;
		r->st.live_at_end++;
		live_release(r, &t->slot[i]);
		t->slot[i].key = 0;
	}
	t->used = 0;
}

int kmm_replay_finish(struct kmm_replay *r)
{
	struct kmm_replay_stats *st = &r->st;
	if (r->finished)
		return 0;
	double t0 = now_s();
	int ret = 0;
	if (!r->stopped) {
		if (r->fmt == IN_UNKNOWN && r->nmagic) {
			r->fmt = IN_TEXT; /* fewer than 4 bytes in all */
			replay_text(r, (const char *)r->magic, r->nmagic);
		}
		if ((r->fmt == IN_ZSTD || r->fmt == IN_GZIP) && !r->inner_known && r->ninner)
			inner_decide(r); /* fewer than 4 bytes decompressed in all: text */
		bool cut = (r->fmt == IN_ZSTD && r->zstd_left) || (r->fmt == IN_GZIP && !r->gz_ended);
		const char *how = r->fmt == IN_ZSTD ? "zstd" : "gzip";
		if (cut && r->inner_dat)
			input_error(r, "%s: the stream is truncated (a compressed trace.dat: nothing replayed)", how);
		else if (cut)
			input_error(r, "%s: the stream is truncated (after line %lu)", how, st->lines);
		else if ((r->fmt == IN_TRACE_DAT || r->inner_dat) && r->spool_fd >= 0)
			trace_dat_replay_fd(r, r->spool_fd);
	}
	/* the last line had no '\n' (or was cut by a truncated stream) */
	if (r->carry_len && !(r->cfg.strict && r->stopped)) {
		bool was_stopped = r->stopped;
		r->stopped = false;
		replay_line(r, r->carry, r->carry_len);
		r->stopped = was_stopped || r->stopped;
		r->carry_len = 0;
	}
	if (r->cfg.strict && r->stopped)
		ret = -1;
	sample(r, st->last_ts_ns);
	if (r->cfg.at_end)
		r->cfg.at_end(r->cfg.at_end_arg);

	release_all(r, &r->objects);
	release_all(r, &r->pages);
	for (u32 i = 0; i < st->nr_caches; i++) {
		if (r->cache_owned[i])
			kmem_cache_destroy(r->cache_of[i]);
		r->cache_owned[i] = false;
		r->cache_of[i] = NULL;
	}
	struct kmm_usage end;
	kmm_usage_settle(&end);
	st->free_pages_end = end.free_pages;
	bool empty = true;
	for (u32 i = 0; i < st->nr_caches; i++)
		empty &= st->caches[i].live == 0;
	if (!empty || r->live_pages)
		snprintf(st->lost_why, sizeof(st->lost_why), "the replay still holds allocations after freeing them all");
	st->nothing_lost = empty && !r->live_pages && !kmm_nothing_lost(&r->usage_start, st->lost_why, sizeof(st->lost_why));
	st->bugs = bugs_so_far() - r->bugs_start;
	r->finished = true;
	st->seconds += now_s() - t0;
	return ret;
}

const struct kmm_replay_stats *kmm_replay_stats(const struct kmm_replay *r)
{
	return &r->st;
}

void kmm_replay_destroy(struct kmm_replay *r)
{
	if (!r)
		return;
	if (!r->finished && r->objects.slot && r->pages.slot && r->cache_of && kmm_booted())
		kmm_replay_finish(r);
	if (r->zstd)
		ZSTD_freeDCtx(r->zstd);
	if (r->gz_live)
		inflateEnd(&r->gz);
	if (r->spool_fd >= 0)
		close(r->spool_fd);
	for (unsigned long i = 0; i < r->st.nr_samples; i++)
		free(r->st.samples[i].nr_free);
	free(r->st.samples);
	free(r->st.caches);
	free(r->cache_of);
	free(r->cache_owned);
	free(r->objects.slot);
	free(r->pages.slot);
	index_map_free(&r->by_name);
	index_map_free(&r->by_cache);
	free(r->out);
	free(r->carry);
	free(r);
}
