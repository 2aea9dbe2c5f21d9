/*
 * tracepoint.c - kmm's own kmem:, vmscan:, compaction:, migrate: and cma:
 * tracepoints and the ring buffer they write, read back as tracefs prints
 * /sys/kernel/tracing/trace in Linux 6.1.
 *
 * Vocabulary.  An *event* is one of the kmem system's eleven, the vmscan
 * system's eleven, the compaction system's fourteen, the migrate
 * system's four or the cma system's four (trace/events.h lists them; the
 * cma ones exist with CONFIG_CMA only); a *system* is a directory of
 * events/.  An event is *enabled* through trace_event= on the command line,
 * set_event, events/SYSTEM/enable, events/SYSTEM/<event>/enable or the
 * scenario's `trace on`, and
 * *records* while tracing_on is 1 too.  kmm_trace_on is the one word the
 * hooks look at: bit ev set <=> event ev enabled && tracing_on, so a hook
 * whose event is off costs a load and a branch.  A *record* (struct
 * trace_entry) holds the event's fields as the tracepoint's TP_fast_assign
 * takes them (one struct for all events: a vmscan event keeps its counts,
 * a compaction one its pfns, where kmem_cache_free keeps the cache's name) - addresses already turned
 * into simulated kernel addresses,
 * the cache name copied (the cache may be gone when the trace is read), the
 * TASK-PID column's comm and pid, the simulated CPU, the simulated clock -
 * and is printed only when the trace is read, with TP_printk's format.
 *
 * The ring buffer is Linux's per CPU, in buffer pages:
 *
 *   cpu[c]: pages[0 .. nr_pages)   a ring of buffer pages, ENTRIES_PER_PAGE records each
 *           head -> [oldest page] [ ... ] [tail: being written] -> (head again)
 *
 * A writer appends to the tail page; a full tail page moves on to the next
 * page, and when that is the head (the buffer is full) the head page's
 * records are overwritten as a whole - Linux's overwrite mode, which drops
 * the oldest page of events, never the newest event.  entries = records in
 * the ring, written = every record since the last clear, overrun = written
 * - entries: the header's "entries-in-buffer/entries-written".  The size
 * per CPU is trace_buf_size= (1441792 bytes, Linux's default) and
 * buffer_size_kb; the rings are host memory, allocated when the first event
 * goes on (a hook never allocates), paid for by the host as written.  A CPU's ring is guarded by its own lock; a thread on no
 * simulated CPU writes CPU 0's.  Reading merges the CPUs' rings by
 * timestamp, a global sequence number breaking ties (kmm's clock stands
 * still between `sleep`s, so many records share a timestamp).
 *
 * Invariants: for each CPU, entries == Σ pages[].nr over the ring from head
 * to tail (pages outside it hold nr 0) and written == entries + overrun;
 * kmm_trace_on == (tracing_on ? enabled : 0) (trace_verify checks them).
 *
 * Columns.  TASK-PID is the task trace_set_current() named (the scenario
 * names the task a statement acts on), else "<idle>-0" as Linux prints
 * boot and kernel work outside a process.  The irq-flags column is "....."
 * except for the events recorded under the zone lock with interrupts off
 * (mm_page_alloc_zone_locked, mm_page_pcpu_drain, mm_page_alloc_extfrag):
 * "d..1.".  Timestamps are the simulated clock, µs rounded as ns2usecs().
 *
 * Deliberately not done: the ring buffer's pages are not taken from the
 * simulated machine's memory (a real 64 MiB-per-CPU buffer lowers MemFree
 * by that much); writing buffer_size_kb starts new, empty rings (Linux
 * keeps what fits), the old ones kept until the machine goes since a hook
 * on another CPU may still be writing one; trace_clock= and per_cpu/ files are not modelled; events of
 * other systems are refused with Linux's boot warning.  Every event has
 * its format file (events/SYSTEM/EVENT/format: the fields with 6.1's
 * offsets for the profile's word size, the print fmt with the macros'
 * values spelled out); the event IDs in them are kmm's own numbering.
 */
#include "internal.h"

#include <kmm/kstrtox.h>
#include <kmm/task.h>
#include <kmm/trace.h>

#include "mm/slab.h"
#include "trace/events.h"

#define TRACE_BUF_SIZE_DEFAULT 1441792UL  /* bytes per CPU: Linux's TRACE_BUF_SIZE_DEFAULT */
#define TRACE_BUF_SIZE_MAX (1UL << 30)    /* bytes per CPU kmm accepts (buffer_size_kb: -ENOMEM above) */
#define BUF_PAGE_HDR 16                   /* Linux's buffer_data_page header: time stamp and commit */
#define TRACE_NAME_LEN 32                 /* kmem_cache_free's name, as __string copies it (cut here) */

const char *const trace_event_names[NR_TRACE_EVENTS] = {
#define TRACE_EVENT_NAME(id, name) [TRACE_##id] = name,
	ALL_TRACE_EVENTS(TRACE_EVENT_NAME)
#undef TRACE_EVENT_NAME
};

/*
 * One event as recorded: the union of the events' TP_STRUCT__entry fields.
 * The vmscan events use node, a-d, gfp, ptr and nr[] (each record function
 * says which field is which).
 */
struct trace_entry {
	u64 ts_ns;                  /* the simulated clock */
	u64 seq;                    /* global order of recording: ties of ts_ns */
	unsigned long call_site;    /* host code address of the caller (%pS when printed) */
	u64 ptr;                    /* object: simulated kernel address; page events: the pfn */
	u64 bytes_req, bytes_alloc; /* kmalloc, kmem_cache_alloc; rss_stat: size in bytes (signed) */
	gfp_t gfp;                  /* gfp_flags */
	int node;                   /* node; page events: order (or alloc_order) */
	int a, b, c, d;             /* migratetype, percpu_refill / fallback_order, alloc_mt, fallback_mt,
				       change_ownership / rss_stat: member, curr, mm_id */
	int pid;                    /* TASK-PID column */
	u8 type;                    /* enum trace_event_id */
	u8 accounted;               /* kmalloc, kmem_cache_alloc: accounted=true */
	u8 page_null;               /* mm_page_alloc of a failed allocation */
	u16 cpu;                    /* the simulated CPU */
	char comm[16];              /* TASK-PID column */
	union {
		char name[TRACE_NAME_LEN]; /* kmem_cache_free: the cache's name */
		u32 nr[TRACE_NAME_LEN / 4]; /* vmscan: page counts (a pass's fit in 32 bits) */
		u64 v[TRACE_NAME_LEN / 8];  /* compaction, migrate: pfns and page counts */
	};
};

#define ENTRIES_PER_PAGE ((PAGE_SIZE - BUF_PAGE_HDR) / sizeof(struct trace_entry))

struct trace_page {
	unsigned int nr;                           /* records in e[] */
	struct trace_entry e[ENTRIES_PER_PAGE];
};

/* One CPU's ring (lock held for everything below it). */
struct ring_buffer_per_cpu {
	pthread_mutex_t lock;
	struct trace_page *pages;   /* [nr_pages], one allocation made when the events go on */
	unsigned long nr_pages;     /* >= 2 */
	unsigned long head;         /* the oldest page */
	unsigned long tail;         /* the page being written */
	unsigned long entries;      /* records in the ring: Σ pages[head..tail].nr */
	unsigned long written;      /* records since the last clear: entries + overrun */
	unsigned long overrun;      /* records overwritten */
};

struct trace_array {
	char *boot_events;          /* trace_event= as given: trace_init() enables them */
	unsigned long buf_size;     /* bytes per CPU */
	u64 enabled;                /* bit per event: set_event, enable files, trace on */
	bool tracing_on;            /* tracing_on: recording at all */
	int nr_cpus;                /* rings in cpu[]: the machine's CPUs */
	struct ring_buffer_per_cpu *cpu; /* [nr_cpus]; NULL until an event goes on (hooks load it once) */
	struct retired_rings {      /* rings a resize replaced: a hook may still be writing one; freed at exit */
		struct ring_buffer_per_cpu *cpu;
		struct retired_rings *next;
	} *retired;
	u64 seq;                    /* next record's sequence number (atomic) */
	pthread_mutex_t lock;       /* enabling, resizing, clearing against each other */
};

/*
 * `current` as the TASK-PID column and rss_stat's curr see it: copied when
 * set, since the task may exit (and be freed) inside the statement it names.
 */
static __thread struct {
	bool set;                   /* a task is current; else <idle>-0 */
	int pid;
	char comm[16];
	const struct mm_struct *mm; /* compared, never followed */
} trace_current;

void trace_set_current(struct task_struct *t)
{
	trace_current.set = t != NULL;
	if (!t)
		return;
	trace_current.pid = t->pid;
	memcpy(trace_current.comm, t->comm, sizeof(trace_current.comm));
	trace_current.comm[sizeof(trace_current.comm) - 1] = 0;
	trace_current.mm = t->mm;
}

/* ---- the buffer ---------------------------------------------------------------------------- */

static unsigned long buf_nr_pages(unsigned long size)
{
	return max(DIV_ROUND_UP(size, PAGE_SIZE - BUF_PAGE_HDR), 2UL);
}

static void rings_free_one(struct ring_buffer_per_cpu *cpu, int nr)
{
	if (!cpu)
		return;
	for (int c = 0; c < nr; c++) {
		free(cpu[c].pages);
		pthread_mutex_destroy(&cpu[c].lock);
	}
	free(cpu);
}

static void rings_free(struct trace_array *tr)
{
	rings_free_one(tr->cpu, tr->nr_cpus);
	tr->cpu = NULL;
	while (tr->retired) {
		struct retired_rings *r = tr->retired;
		tr->retired = r->next;
		rings_free_one(r->cpu, tr->nr_cpus);
		free(r);
	}
}

static int rings_alloc(struct trace_array *tr)
{
	struct ring_buffer_per_cpu *cpu = calloc((size_t)tr->nr_cpus, sizeof(*cpu));
	if (!cpu)
		return -ENOMEM;
	for (int c = 0; c < tr->nr_cpus; c++) {
		pthread_mutex_init(&cpu[c].lock, NULL);
		cpu[c].nr_pages = buf_nr_pages(tr->buf_size);
		/* calloc of this size maps fresh zero pages: only the pages written cost host memory */
		cpu[c].pages = calloc(cpu[c].nr_pages, sizeof(*cpu[c].pages));
		if (!cpu[c].pages) {
			rings_free_one(cpu, c + 1);
			return -ENOMEM;
		}
	}
	__atomic_store_n(&tr->cpu, cpu, __ATOMIC_RELEASE);
	return 0;
}

/* The machine's trace array, made on first use (two CPUs may ask at once); NULL if the host has no memory. */
static struct trace_array *trace_array_get(void)
{
	static pthread_mutex_t making = PTHREAD_MUTEX_INITIALIZER;
	struct trace_array *tr = __atomic_load_n(&M->trace, __ATOMIC_ACQUIRE);
	if (tr)
		return tr;
	pthread_mutex_lock(&making);
	tr = M->trace;
	if (!tr && (tr = calloc(1, sizeof(*tr)))) {
		tr->buf_size = TRACE_BUF_SIZE_DEFAULT;
		tr->tracing_on = true;
		tr->nr_cpus = M->nr_cpus;
		pthread_mutex_init(&tr->lock, NULL);
		__atomic_store_n(&M->trace, tr, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&making);
	return tr;
}

u64 kmm_trace_on;

static void trace_on_update(struct trace_array *tr)
{
	__atomic_store_n(&kmm_trace_on, tr->tracing_on ? tr->enabled : 0, __ATOMIC_RELAXED);
}

/*
 * The next free record of this CPU's ring, its lock held (ring_commit()
 * lets go); NULL if there are no rings.  Never allocates: a hook may run
 * under the zone lock or inside the page-fault trap.
 */
static struct trace_entry *ring_reserve(struct ring_buffer_per_cpu **out)
{
	struct trace_array *tr = __atomic_load_n(&M->trace, __ATOMIC_ACQUIRE);
	struct ring_buffer_per_cpu *rings = tr ? __atomic_load_n(&tr->cpu, __ATOMIC_ACQUIRE) : NULL;
	if (!rings)
		return NULL;
	int c = smp_processor_id();
	if (c < 0 || c >= tr->nr_cpus)
		c = 0;
	struct ring_buffer_per_cpu *b = &rings[c];
	pthread_mutex_lock(&b->lock);
	struct trace_page *pg = &b->pages[b->tail];
	if (pg->nr == ENTRIES_PER_PAGE) {
		unsigned long next = (b->tail + 1) % b->nr_pages;
		if (next == b->head) { /* full: the oldest page goes */
			b->overrun += b->pages[next].nr;
			b->entries -= b->pages[next].nr;
			b->head = (b->head + 1) % b->nr_pages;
		}
		b->tail = next;
		pg = &b->pages[next];
		pg->nr = 0;
	}
	struct trace_entry *e = &pg->e[pg->nr++];
	b->entries++;
	b->written++;
	memset(e, 0, sizeof(*e));
	e->ts_ns = kmm_clock_ns();
	e->seq = __atomic_fetch_add(&tr->seq, 1, __ATOMIC_RELAXED);
	e->cpu = (u16)c;
	if (trace_current.set) {
		e->pid = trace_current.pid;
		memcpy(e->comm, trace_current.comm, sizeof(e->comm));
	} else {
		memcpy(e->comm, "<idle>", 7);
	}
	*out = b;
	return e;
}

static void ring_commit(struct ring_buffer_per_cpu *b)
{
	pthread_mutex_unlock(&b->lock);
}

/* Empty every ring (the trace file opened for writing with O_TRUNC). */
static void rings_reset(struct trace_array *tr)
{
	for (int c = 0; tr->cpu && c < tr->nr_cpus; c++) {
		struct ring_buffer_per_cpu *b = &tr->cpu[c];
		pthread_mutex_lock(&b->lock);
		for (unsigned long p = 0; p < b->nr_pages; p++)
			b->pages[p].nr = 0;
		b->head = b->tail = 0;
		b->entries = b->written = b->overrun = 0;
		pthread_mutex_unlock(&b->lock);
	}
}

/* ---- the records (TP_fast_assign) ---------------------------------------------------------- */

/* %p of a kernel pointer, as no_hash_pointers prints it: the simulated address (small values as they are). */
static u64 trace_ptr(const void *p)
{
	if ((uintptr_t)p < PAGE_SIZE)
		return (uintptr_t)p; /* NULL, ZERO_SIZE_PTR */
	return kmm_addr_for_print(p);
}

void __trace_kmalloc(unsigned long call_site, const void *ptr, size_t bytes_req, size_t bytes_alloc, gfp_t gfp,
		     int node)
{
	struct ring_buffer_per_cpu *b;
	struct trace_entry *e = ring_reserve(&b);
	if (!e)
		return;
	e->type = TRACE_KMALLOC;
	e->call_site = call_site;
	e->ptr = trace_ptr(ptr);
	e->bytes_req = bytes_req;
	e->bytes_alloc = bytes_alloc;
	e->gfp = gfp;
	e->node = node;
	e->accounted = !!(gfp & __GFP_ACCOUNT); /* CONFIG_MEMCG_KMEM, as Debian builds it */
	ring_commit(b);
}

void __trace_kmem_cache_alloc(unsigned long call_site, const void *ptr, struct kmem_cache *s, gfp_t gfp, int node)
{
	struct ring_buffer_per_cpu *b;
	struct trace_entry *e = ring_reserve(&b);
	if (!e)
		return;
	e->type = TRACE_KMEM_CACHE_ALLOC;
	e->call_site = call_site;
	e->ptr = trace_ptr(ptr);
	e->bytes_req = s->object_size;
	e->bytes_alloc = s->size;
	e->gfp = gfp;
	e->node = node;
	e->accounted = (gfp & __GFP_ACCOUNT) || (s->flags & SLAB_ACCOUNT);
	ring_commit(b);
}

void __trace_kfree(unsigned long call_site, const void *ptr)
{
	struct ring_buffer_per_cpu *b;
	struct trace_entry *e = ring_reserve(&b);
	if (!e)
		return;
	e->type = TRACE_KFREE;
	e->call_site = call_site;
	e->ptr = trace_ptr(ptr);
	ring_commit(b);
}

void __trace_kmem_cache_free(unsigned long call_site, const void *ptr, const struct kmem_cache *s)
{
	struct ring_buffer_per_cpu *b;
	struct trace_entry *e = ring_reserve(&b);
	if (!e)
		return;
	e->type = TRACE_KMEM_CACHE_FREE;
	e->call_site = call_site;
	e->ptr = trace_ptr(ptr);
	snprintf(e->name, sizeof(e->name), "%s", s && s->name ? s->name : "(null)");
	ring_commit(b);
}

/* mm_page_alloc, mm_page_free, mm_page_free_batched, mm_page_alloc_zone_locked, mm_page_pcpu_drain */
void __trace_mm_page(enum trace_event_id ev, struct page *page, unsigned int order, gfp_t gfp, int mt, int extra)
{
	struct ring_buffer_per_cpu *b;
	struct trace_entry *e = ring_reserve(&b);
	if (!e)
		return;
	e->type = (u8)ev;
	e->page_null = !page;
	e->ptr = page ? page_to_pfn(page) : 0;
	e->node = (int)order;
	e->gfp = gfp;
	e->a = mt;
	e->b = extra;
	ring_commit(b);
}

void __trace_mm_page_alloc_extfrag(struct page *page, int alloc_order, int fallback_order, int alloc_mt,
				   int fallback_mt)
{
	struct ring_buffer_per_cpu *b;
	struct trace_entry *e = ring_reserve(&b);
	if (!e)
		return;
	e->type = TRACE_MM_PAGE_ALLOC_EXTFRAG;
	e->ptr = page_to_pfn(page);
	e->node = alloc_order;
	e->a = fallback_order;
	e->b = alloc_mt;
	e->c = fallback_mt;
	e->d = alloc_mt == get_pageblock_migratetype(page);
	ring_commit(b);
}

void __trace_rss_stat(struct mm_struct *mm, int member, long count)
{
	struct ring_buffer_per_cpu *b;
	struct trace_entry *e = ring_reserve(&b);
	if (!e)
		return;
	/* mm_ptr_to_hash(): 32 bits that name the mm without giving its address away */
	u64 h = (u64)(uintptr_t)mm * 0x9e3779b97f4a7c15ULL;
	e->type = TRACE_RSS_STAT;
	e->a = member;
	e->b = trace_current.set && trace_current.mm == mm;
	e->c = (int)(u32)(h >> 32);
	e->bytes_req = (u64)(count * (long)PAGE_SIZE);
	ring_commit(b);
}

/* ---- the vmscan records ------------------------------------------------------------------------ */

/* vmscan.h's trace_reclaim_flags(): the page type, and all reclaim writes asynchronously */
#define RECLAIM_WB_ANON 0x0001u
#define RECLAIM_WB_FILE 0x0002u
#define RECLAIM_WB_MIXED 0x0010u
#define RECLAIM_WB_SYNC 0x0004u
#define RECLAIM_WB_ASYNC 0x0008u

static int reclaim_flags(bool file)
{
	return (int)((file ? RECLAIM_WB_FILE : RECLAIM_WB_ANON) | RECLAIM_WB_ASYNC);
}

/* A count kept in 32 bits; a larger one (no pass takes 16 TiB) reads as the largest */
static u32 nr32(unsigned long v)
{
	return v > UINT32_MAX ? UINT32_MAX : (u32)v;
}

/* kswapd_sleep, kswapd_wake, wakeup_kswapd, direct_reclaim_begin, node_reclaim_begin: node a=zid b=order gfp */
void __trace_mm_vmscan_node(enum trace_event_id ev, int nid, int zid, int order, gfp_t gfp)
{
	struct ring_buffer_per_cpu *b;
	struct trace_entry *e = ring_reserve(&b);
	if (!e)
		return;
	e->type = (u8)ev;
	e->node = nid;
	e->a = zid;
	e->b = order;
	e->gfp = gfp;
	ring_commit(b);
}

/* direct_reclaim_end, node_reclaim_end: bytes_req = nr_reclaimed */
void __trace_mm_vmscan_reclaim_end(enum trace_event_id ev, unsigned long nr_reclaimed)
{
	struct ring_buffer_per_cpu *b;
	struct trace_entry *e = ring_reserve(&b);
	if (!e)
		return;
	e->type = (u8)ev;
	e->bytes_req = nr_reclaimed;
	ring_commit(b);
}

/* node = highest_zoneidx, a = order, b = isolate_mode, c = lru; nr[] requested, scanned, skipped, taken */
void __trace_mm_vmscan_lru_isolate(int highest_zoneidx, int order, unsigned long nr_requested, unsigned long nr_scanned,
				   unsigned long nr_skipped, unsigned long nr_taken, unsigned int isolate_mode, int lru)
{
	struct ring_buffer_per_cpu *b;
	struct trace_entry *e = ring_reserve(&b);
	if (!e)
		return;
	e->type = TRACE_MM_VMSCAN_LRU_ISOLATE;
	e->node = highest_zoneidx;
	e->a = order;
	e->b = (int)isolate_mode;
	e->c = lru;
	e->nr[0] = nr32(nr_requested);
	e->nr[1] = nr32(nr_scanned);
	e->nr[2] = nr32(nr_skipped);
	e->nr[3] = nr32(nr_taken);
	ring_commit(b);
}

/* ptr = the pfn, a = reclaim flags */
void __trace_mm_vmscan_write_folio(struct page *page, bool file)
{
	struct ring_buffer_per_cpu *b;
	struct trace_entry *e = ring_reserve(&b);
	if (!e)
		return;
	e->type = TRACE_MM_VMSCAN_WRITE_FOLIO;
	e->ptr = page_to_pfn(page);
	e->a = reclaim_flags(file);
	ring_commit(b);
}

/*
 * node = nid; nr[] scanned, reclaimed, dirty, writeback, congested,
 * immediate, ref_keep, unmap_fail; a, b = nr_activate[0], [1]; c = priority;
 * d = reclaim flags.
 */
void __trace_mm_vmscan_lru_shrink_inactive(int nid, unsigned long nr_scanned, unsigned long nr_reclaimed,
					   const struct reclaim_stat *stat, int priority, bool file)
{
	struct ring_buffer_per_cpu *b;
	struct trace_entry *e = ring_reserve(&b);
	if (!e)
		return;
	e->type = TRACE_MM_VMSCAN_LRU_SHRINK_INACTIVE;
	e->node = nid;
	e->nr[0] = nr32(nr_scanned);
	e->nr[1] = nr32(nr_reclaimed);
	e->nr[2] = stat->nr_dirty;
	e->nr[3] = stat->nr_writeback;
	e->nr[4] = stat->nr_congested;
	e->nr[5] = stat->nr_immediate;
	e->nr[6] = stat->nr_ref_keep;
	e->nr[7] = stat->nr_unmap_fail;
	e->a = (int)stat->nr_activate[0];
	e->b = (int)stat->nr_activate[1];
	e->c = priority;
	e->d = reclaim_flags(file);
	ring_commit(b);
}

/* node = nid; nr[] taken, active, deactivated, referenced; c = priority; d = reclaim flags */
void __trace_mm_vmscan_lru_shrink_active(int nid, unsigned long nr_taken, unsigned long nr_active,
					 unsigned long nr_deactivated, unsigned long nr_referenced, int priority, bool file)
{
	struct ring_buffer_per_cpu *b;
	struct trace_entry *e = ring_reserve(&b);
	if (!e)
		return;
	e->type = TRACE_MM_VMSCAN_LRU_SHRINK_ACTIVE;
	e->node = nid;
	e->nr[0] = nr32(nr_taken);
	e->nr[1] = nr32(nr_active);
	e->nr[2] = nr32(nr_deactivated);
	e->nr[3] = nr32(nr_referenced);
	e->c = priority;
	e->d = reclaim_flags(file);
	ring_commit(b);
}

/* ---- the compaction and migrate records ------------------------------------------------------ */

/* mm_compaction_isolate_migratepages/_freepages: v[] start_pfn, end_pfn, nr_scanned, nr_taken */
void __trace_mm_compaction_isolate(enum trace_event_id ev, unsigned long start_pfn, unsigned long end_pfn,
				   unsigned long nr_scanned, unsigned long nr_taken)
{
	struct ring_buffer_per_cpu *b;
	struct trace_entry *e = ring_reserve(&b);
	if (!e)
		return;
	e->type = (u8)ev;
	e->v[0] = start_pfn;
	e->v[1] = end_pfn;
	e->v[2] = nr_scanned;
	e->v[3] = nr_taken;
	ring_commit(b);
}

/* mm_compaction_migratepages: v[] nr_migrated, nr_failed */
void __trace_mm_compaction_migratepages(unsigned long nr_migrated, unsigned long nr_failed)
{
	struct ring_buffer_per_cpu *b;
	struct trace_entry *e = ring_reserve(&b);
	if (!e)
		return;
	e->type = TRACE_MM_COMPACTION_MIGRATEPAGES;
	e->v[0] = nr_migrated;
	e->v[1] = nr_failed;
	ring_commit(b);
}

/* mm_compaction_begin/_end: v[] zone_start, migrate_pfn, free_pfn, zone_end; a = sync, b = status (end) */
void __trace_mm_compaction_range(enum trace_event_id ev, unsigned long zone_start, unsigned long migrate_pfn,
				 unsigned long free_pfn, unsigned long zone_end, bool sync, int status)
{
	struct ring_buffer_per_cpu *b;
	struct trace_entry *e = ring_reserve(&b);
	if (!e)
		return;
	e->type = (u8)ev;
	e->v[0] = zone_start;
	e->v[1] = migrate_pfn;
	e->v[2] = free_pfn;
	e->v[3] = zone_end;
	e->a = sync;
	e->b = status;
	ring_commit(b);
}

/* mm_compaction_try_to_compact_pages: node = order, gfp, a = prio */
void __trace_mm_compaction_try_to_compact_pages(int order, gfp_t gfp, int prio)
{
	struct ring_buffer_per_cpu *b;
	struct trace_entry *e = ring_reserve(&b);
	if (!e)
		return;
	e->type = TRACE_MM_COMPACTION_TRY_TO_COMPACT_PAGES;
	e->node = order;
	e->gfp = gfp;
	e->a = prio;
	ring_commit(b);
}

/*
 * mm_compaction_suitable/_finished (c = ret) and the defer events (c =
 * order_failed, nr[] considered, defer_shift): node = nid, a = the zone's
 * index, b = order.
 */
void __trace_mm_compaction_zone(enum trace_event_id ev, struct zone *zone, int order, int ret)
{
	struct ring_buffer_per_cpu *b;
	struct trace_entry *e = ring_reserve(&b);
	if (!e)
		return;
	e->type = (u8)ev;
	e->node = zone->node;
	e->a = zone_idx(zone);
	e->b = order;
	e->c = ret;
	if (ev != TRACE_MM_COMPACTION_SUITABLE && ev != TRACE_MM_COMPACTION_FINISHED) {
		e->c = __atomic_load_n(&zone->compact_order_failed, __ATOMIC_RELAXED);
		e->nr[0] = __atomic_load_n(&zone->compact_considered, __ATOMIC_RELAXED);
		e->nr[1] = __atomic_load_n(&zone->compact_defer_shift, __ATOMIC_RELAXED);
	}
	ring_commit(b);
}

/* mm_compaction_kcompactd_sleep, _kcompactd_wake, _wakeup_kcompactd: node = nid, a = order, b = highest_zoneidx */
void __trace_mm_compaction_node(enum trace_event_id ev, int nid, int order, int highest_zoneidx)
{
	struct ring_buffer_per_cpu *b;
	struct trace_entry *e = ring_reserve(&b);
	if (!e)
		return;
	e->type = (u8)ev;
	e->node = nid;
	e->a = order;
	e->b = highest_zoneidx;
	ring_commit(b);
}

/* mm_migrate_pages: v[] succeeded, failed, thp_succeeded, thp_failed; bytes_req = thp_split; a = mode, b = reason */
void __trace_mm_migrate_pages(unsigned long succeeded, unsigned long failed, unsigned long thp_succeeded,
			      unsigned long thp_failed, unsigned long thp_split, int mode, int reason)
{
	struct ring_buffer_per_cpu *b;
	struct trace_entry *e = ring_reserve(&b);
	if (!e)
		return;
	e->type = TRACE_MM_MIGRATE_PAGES;
	e->v[0] = succeeded;
	e->v[1] = failed;
	e->v[2] = thp_succeeded;
	e->v[3] = thp_failed;
	e->bytes_req = thp_split;
	e->a = mode;
	e->b = reason;
	ring_commit(b);
}

/* mm_migrate_pages_start: a = mode, b = reason */
void __trace_mm_migrate_pages_start(int mode, int reason)
{
	struct ring_buffer_per_cpu *b;
	struct trace_entry *e = ring_reserve(&b);
	if (!e)
		return;
	e->type = TRACE_MM_MIGRATE_PAGES_START;
	e->a = mode;
	e->b = reason;
	ring_commit(b);
}

/* ---- the cma records ------------------------------------------------------------------------- */

/* cma_alloc_start: name, bytes_req = count, a = align */
void __trace_cma_alloc_start(const char *name, unsigned long count, unsigned int align)
{
	struct ring_buffer_per_cpu *b;
	struct trace_entry *e = ring_reserve(&b);
	if (!e)
		return;
	e->type = TRACE_CMA_ALLOC_START;
	snprintf(e->name, sizeof(e->name), "%s", name ? name : "(null)");
	e->bytes_req = count;
	e->a = (int)align;
	ring_commit(b);
}

/* cma_alloc_finish, cma_alloc_busy_retry, cma_release: name, ptr = pfn, page_null, bytes_req = count, a = align */
void __trace_cma_range(enum trace_event_id ev, const char *name, unsigned long pfn, const struct page *page,
		       unsigned long count, unsigned int align)
{
	struct ring_buffer_per_cpu *b;
	struct trace_entry *e = ring_reserve(&b);
	if (!e)
		return;
	e->type = (u8)ev;
	snprintf(e->name, sizeof(e->name), "%s", name ? name : "(null)");
	e->ptr = pfn;
	e->page_null = !page;
	e->bytes_req = count;
	e->a = (int)align;
	ring_commit(b);
}

/* set_migration_pte, remove_migration_pte: ptr = the user address, bytes_req = the PTE written, a = order */
void __trace_migration_pte(enum trace_event_id ev, unsigned long addr, u64 pte, int order)
{
	struct ring_buffer_per_cpu *b;
	struct trace_entry *e = ring_reserve(&b);
	if (!e)
		return;
	e->type = (u8)ev;
	e->ptr = addr;
	e->bytes_req = pte;
	e->a = order;
	ring_commit(b);
}

/* ---- printing (TP_printk) ------------------------------------------------------------------- */

/* pfn_to_page(pfn) as the simulated kernel's address: mem_map (FLATMEM) or the vmemmap */
static unsigned long page_kva(u64 pfn)
{
	unsigned long base = M->prof->flatmem ? M->layout.page_offset + M->mem_map_phys : M->layout.vmemmap_base;
	return base + (unsigned long)pfn * M->prof->struct_page_size;
}

/* show_reclaim_flags(): __print_flags in the table's order, leftover bits in hex; 0 is RECLAIM_WB_NONE */
static void reclaim_flags_name(unsigned int flags, char *buf, size_t len)
{
	static const struct {
		unsigned int bit;
		const char *name;
	} names[] = { { RECLAIM_WB_ANON, "RECLAIM_WB_ANON" },   { RECLAIM_WB_FILE, "RECLAIM_WB_FILE" },
		      { RECLAIM_WB_MIXED, "RECLAIM_WB_MIXED" }, { RECLAIM_WB_SYNC, "RECLAIM_WB_SYNC" },
		      { RECLAIM_WB_ASYNC, "RECLAIM_WB_ASYNC" } };
	size_t n = 0;
	snprintf(buf, len, "%s", flags ? "" : "RECLAIM_WB_NONE");
	for (size_t i = 0; i < ARRAY_SIZE(names) && flags; i++) {
		if (!(flags & names[i].bit))
			continue;
		flags &= ~names[i].bit;
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? "|" : "", names[i].name);
	}
	if (flags)
		snprintf(buf + n, n < len ? len - n : 0, "%s0x%x", n ? "|" : "", flags);
}

static const char *const lru_names[] = { "inactive_anon", "active_anon", "inactive_file", "active_file",
					 "unevictable" };

/* The vmscan events' TP_printk, in include/trace/events/vmscan.h's formats */
static void print_vmscan_entry(struct strbuf *sb, const struct trace_entry *e, int w)
{
	char gfp[200], fl[96];
	if (e->gfp)
		gfp_flags_name(e->gfp, gfp, sizeof(gfp));
	else
		snprintf(gfp, sizeof(gfp), "none");
	switch (e->type) {
	case TRACE_MM_VMSCAN_KSWAPD_SLEEP:
		sb_printf(sb, "nid=%d\n", e->node);
		break;
	case TRACE_MM_VMSCAN_KSWAPD_WAKE:
		sb_printf(sb, "nid=%d order=%d\n", e->node, e->b);
		break;
	case TRACE_MM_VMSCAN_WAKEUP_KSWAPD:
	case TRACE_MM_VMSCAN_NODE_RECLAIM_BEGIN:
		sb_printf(sb, "nid=%d order=%d gfp_flags=%s\n", e->node, e->b, gfp);
		break;
	case TRACE_MM_VMSCAN_DIRECT_RECLAIM_BEGIN:
		sb_printf(sb, "order=%d gfp_flags=%s\n", e->b, gfp);
		break;
	case TRACE_MM_VMSCAN_DIRECT_RECLAIM_END:
	case TRACE_MM_VMSCAN_NODE_RECLAIM_END:
		sb_printf(sb, "nr_reclaimed=%llu\n", (unsigned long long)e->bytes_req);
		break;
	case TRACE_MM_VMSCAN_LRU_ISOLATE:
		sb_printf(sb,
			  "isolate_mode=%d classzone=%d order=%d nr_requested=%u nr_scanned=%u nr_skipped=%u nr_taken=%u "
			  "lru=%s\n",
			  e->b, e->node, e->a, e->nr[0], e->nr[1], e->nr[2], e->nr[3],
			  (unsigned)e->c < ARRAY_SIZE(lru_names) ? lru_names[e->c] : "?");
		break;
	case TRACE_MM_VMSCAN_WRITE_FOLIO:
		reclaim_flags_name((unsigned)e->a, fl, sizeof(fl));
		sb_printf(sb, "page=%0*lx pfn=0x%llx flags=%s\n", w, page_kva(e->ptr), (unsigned long long)e->ptr, fl);
		break;
	case TRACE_MM_VMSCAN_LRU_SHRINK_INACTIVE:
		reclaim_flags_name((unsigned)e->d, fl, sizeof(fl));
		sb_printf(sb,
			  "nid=%d nr_scanned=%u nr_reclaimed=%u nr_dirty=%u nr_writeback=%u nr_congested=%u "
			  "nr_immediate=%u nr_activate_anon=%d nr_activate_file=%d nr_ref_keep=%u nr_unmap_fail=%u "
			  "priority=%d flags=%s\n",
			  e->node, e->nr[0], e->nr[1], e->nr[2], e->nr[3], e->nr[4], e->nr[5], e->a, e->b, e->nr[6],
			  e->nr[7], e->c, fl);
		break;
	case TRACE_MM_VMSCAN_LRU_SHRINK_ACTIVE:
		reclaim_flags_name((unsigned)e->d, fl, sizeof(fl));
		sb_printf(sb, "nid=%d nr_taken=%u nr_active=%u nr_deactivated=%u nr_referenced=%u priority=%d flags=%s\n",
			  e->node, e->nr[0], e->nr[1], e->nr[2], e->nr[3], e->c, fl);
		break;
	default:
		sb_printf(sb, "\n");
		break;
	}
}

/* COMPACTION_STATUS (mmflags.h), indexed by enum compact_result, whose order is 6.1's */
static const char *const compact_status_names[] = { "not_suitable_zone", "skipped", "deferred", "no_suitable_page",
						    "continue", "complete", "partial_skipped", "contended", "success" };
static const char *const migrate_mode_names[] = { "MIGRATE_ASYNC", "MIGRATE_SYNC_LIGHT", "MIGRATE_SYNC" };
static const char *const migrate_reason_names[] = { "compaction", "memory_failure", "memory_hotplug",
						    "syscall_or_cpuset", "mempolicy_mbind", "numa_misplaced",
						    "contig_range", "longterm_pin", "demotion" };

/* __print_symbolic: the value's name, or the value in hex when the table has none */
static const char *symbolic(char *buf, size_t len, const char *const *names, size_t n, long v)
{
	if (v >= 0 && (size_t)v < n && names[v])
		return names[v];
	snprintf(buf, len, "0x%lx", (unsigned long)v);
	return buf;
}

/* The compaction and migrate events' TP_printk (include/trace/events/compaction.h, migrate.h) */
static void print_compaction_entry(struct strbuf *sb, const struct trace_entry *e)
{
	char b1[24], b2[24], gfp[200];
	const char *zone = (unsigned)e->a < MAX_ZONE_TYPES ? zone_names[e->a] : "?";
	switch (e->type) {
	case TRACE_MM_COMPACTION_ISOLATE_MIGRATEPAGES:
	case TRACE_MM_COMPACTION_ISOLATE_FREEPAGES:
		sb_printf(sb, "range=(0x%llx ~ 0x%llx) nr_scanned=%llu nr_taken=%llu\n", (unsigned long long)e->v[0],
			  (unsigned long long)e->v[1], (unsigned long long)e->v[2], (unsigned long long)e->v[3]);
		break;
	case TRACE_MM_COMPACTION_MIGRATEPAGES:
		sb_printf(sb, "nr_migrated=%llu nr_failed=%llu\n", (unsigned long long)e->v[0], (unsigned long long)e->v[1]);
		break;
	case TRACE_MM_COMPACTION_BEGIN:
	case TRACE_MM_COMPACTION_END:
		sb_printf(sb, "zone_start=0x%llx migrate_pfn=0x%llx free_pfn=0x%llx zone_end=0x%llx, mode=%s",
			  (unsigned long long)e->v[0], (unsigned long long)e->v[1], (unsigned long long)e->v[2],
			  (unsigned long long)e->v[3], e->a ? "sync" : "async");
		if (e->type == TRACE_MM_COMPACTION_END)
			sb_printf(sb, " status=%s",
				  symbolic(b1, sizeof(b1), compact_status_names, ARRAY_SIZE(compact_status_names), e->b));
		sb_printf(sb, "\n");
		break;
	case TRACE_MM_COMPACTION_TRY_TO_COMPACT_PAGES:
		if (e->gfp)
			gfp_flags_name(e->gfp, gfp, sizeof(gfp));
		else
			snprintf(gfp, sizeof(gfp), "none");
		sb_printf(sb, "order=%d gfp_mask=%s priority=%d\n", e->node, gfp, e->a);
		break;
	case TRACE_MM_COMPACTION_SUITABLE:
	case TRACE_MM_COMPACTION_FINISHED:
		sb_printf(sb, "node=%d zone=%-8s order=%d ret=%s\n", e->node, zone, e->b,
			  symbolic(b1, sizeof(b1), compact_status_names, ARRAY_SIZE(compact_status_names), e->c));
		break;
	case TRACE_MM_COMPACTION_DEFERRED:
	case TRACE_MM_COMPACTION_DEFER_COMPACTION:
	case TRACE_MM_COMPACTION_DEFER_RESET:
		sb_printf(sb, "node=%d zone=%-8s order=%d order_failed=%d consider=%u limit=%lu\n", e->node, zone, e->b, e->c,
			  e->nr[0], 1UL << (e->nr[1] & 63));
		break;
	case TRACE_MM_COMPACTION_KCOMPACTD_SLEEP:
		sb_printf(sb, "nid=%d\n", e->node);
		break;
	case TRACE_MM_COMPACTION_KCOMPACTD_WAKE:
	case TRACE_MM_COMPACTION_WAKEUP_KCOMPACTD:
		sb_printf(sb, "nid=%d order=%d classzone_idx=%-8s\n", e->node, e->a,
			  (unsigned)e->b < MAX_ZONE_TYPES ? zone_names[e->b] : "?");
		break;
	case TRACE_MM_MIGRATE_PAGES:
		sb_printf(sb,
			  "nr_succeeded=%llu nr_failed=%llu nr_thp_succeeded=%llu nr_thp_failed=%llu nr_thp_split=%llu "
			  "mode=%s reason=%s\n",
			  (unsigned long long)e->v[0], (unsigned long long)e->v[1], (unsigned long long)e->v[2],
			  (unsigned long long)e->v[3], (unsigned long long)e->bytes_req,
			  symbolic(b1, sizeof(b1), migrate_mode_names, ARRAY_SIZE(migrate_mode_names), e->a),
			  symbolic(b2, sizeof(b2), migrate_reason_names, ARRAY_SIZE(migrate_reason_names), e->b));
		break;
	case TRACE_MM_MIGRATE_PAGES_START:
		sb_printf(sb, "mode=%s reason=%s\n",
			  symbolic(b1, sizeof(b1), migrate_mode_names, ARRAY_SIZE(migrate_mode_names), e->a),
			  symbolic(b2, sizeof(b2), migrate_reason_names, ARRAY_SIZE(migrate_reason_names), e->b));
		break;
	case TRACE_SET_MIGRATION_PTE:
	case TRACE_REMOVE_MIGRATION_PTE:
		sb_printf(sb, "addr=%llx, pte=%llx order=%d\n", (unsigned long long)e->ptr, (unsigned long long)e->bytes_req,
			  e->a);
		break;
	default:
		sb_printf(sb, "\n");
		break;
	}
}

static void print_entry(struct strbuf *sb, const struct trace_entry *e)
{
	int w = M->prof->bits / 4;
	static const char *const rss_names[] = { "MM_FILEPAGES", "MM_ANONPAGES", "MM_SWAPENTS", "MM_SHMEMPAGES" };
	u64 usecs = (e->ts_ns + 500) / 1000;
	bool irqs_off = e->type == TRACE_MM_PAGE_ALLOC_ZONE_LOCKED || e->type == TRACE_MM_PAGE_PCPU_DRAIN ||
			e->type == TRACE_MM_PAGE_ALLOC_EXTFRAG;
	sb_printf(sb, "%16s-%-7d [%03d] %s %5llu.%06llu: %s: ", e->comm, e->pid, e->cpu, irqs_off ? "d..1." : ".....",
		  (unsigned long long)(usecs / 1000000), (unsigned long long)(usecs % 1000000), trace_event_names[e->type]);
	char sym[160], gfp[200];
	switch (e->type) {
	case TRACE_KMALLOC:
	case TRACE_KMEM_CACHE_ALLOC:
		sprint_symbol(sym, sizeof(sym), e->call_site);
		if (e->gfp)
			gfp_flags_name(e->gfp, gfp, sizeof(gfp));
		else
			snprintf(gfp, sizeof(gfp), "none");
		sb_printf(sb, "call_site=%s ptr=%0*llx bytes_req=%llu bytes_alloc=%llu gfp_flags=%s node=%d accounted=%s\n",
			  sym, w, (unsigned long long)e->ptr, (unsigned long long)e->bytes_req,
			  (unsigned long long)e->bytes_alloc, gfp, e->node, e->accounted ? "true" : "false");
		break;
	case TRACE_KFREE:
		sprint_symbol(sym, sizeof(sym), e->call_site);
		sb_printf(sb, "call_site=%s ptr=%0*llx\n", sym, w, (unsigned long long)e->ptr);
		break;
	case TRACE_KMEM_CACHE_FREE:
		sprint_symbol(sym, sizeof(sym), e->call_site);
		sb_printf(sb, "call_site=%s ptr=%0*llx name=%s\n", sym, w, (unsigned long long)e->ptr, e->name);
		break;
	case TRACE_MM_PAGE_ALLOC:
		if (e->gfp)
			gfp_flags_name(e->gfp, gfp, sizeof(gfp));
		else
			snprintf(gfp, sizeof(gfp), "none");
		sb_printf(sb, "page=%0*lx pfn=0x%llx order=%d migratetype=%d gfp_flags=%s\n", w,
			  e->page_null ? 0UL : page_kva(e->ptr), (unsigned long long)e->ptr, e->node, e->a, gfp);
		break;
	case TRACE_MM_PAGE_FREE:
		sb_printf(sb, "page=%0*lx pfn=0x%llx order=%d\n", w, page_kva(e->ptr), (unsigned long long)e->ptr, e->node);
		break;
	case TRACE_MM_PAGE_FREE_BATCHED:
		sb_printf(sb, "page=%0*lx pfn=0x%llx order=0\n", w, page_kva(e->ptr), (unsigned long long)e->ptr);
		break;
	case TRACE_MM_PAGE_ALLOC_ZONE_LOCKED:
		sb_printf(sb, "page=%0*lx pfn=0x%llx order=%u migratetype=%d percpu_refill=%d\n", w, page_kva(e->ptr),
			  (unsigned long long)e->ptr, (unsigned)e->node, e->a, e->b);
		break;
	case TRACE_MM_PAGE_PCPU_DRAIN:
		sb_printf(sb, "page=%0*lx pfn=0x%llx order=%d migratetype=%d\n", w, page_kva(e->ptr),
			  (unsigned long long)e->ptr, e->node, e->a);
		break;
	case TRACE_MM_PAGE_ALLOC_EXTFRAG:
		sb_printf(sb,
			  "page=%0*lx pfn=0x%llx alloc_order=%d fallback_order=%d pageblock_order=%d alloc_migratetype=%d "
			  "fallback_migratetype=%d fragmenting=%d change_ownership=%d\n",
			  w, page_kva(e->ptr), (unsigned long long)e->ptr, e->node, e->a, M->prof->pageblock_order, e->b,
			  e->c, e->a < M->prof->pageblock_order, e->d);
		break;
	case TRACE_RSS_STAT:
		sb_printf(sb, "mm_id=%u curr=%d type=%s size=%lldB\n", (unsigned)e->c, e->b,
			  (unsigned)e->a < ARRAY_SIZE(rss_names) ? rss_names[e->a] : "?", (long long)e->bytes_req);
		break;
	case TRACE_CMA_ALLOC_START:
		sb_printf(sb, "name=%s count=%llu align=%u\n", e->name, (unsigned long long)e->bytes_req, (unsigned)e->a);
		break;
	case TRACE_CMA_ALLOC_FINISH:
	case TRACE_CMA_ALLOC_BUSY_RETRY:
	case TRACE_CMA_RELEASE: /* pfn is an unsigned long of the profile: cma_alloc's -1 when nothing was tried */
		sb_printf(sb, "name=%s pfn=0x%lx page=%0*lx count=%llu", e->name,
			  M->prof->bits == 64 ? (unsigned long)e->ptr : (unsigned long)(u32)e->ptr, w,
			  e->page_null ? 0UL : page_kva(e->ptr), (unsigned long long)e->bytes_req);
		if (e->type == TRACE_CMA_RELEASE)
			sb_printf(sb, "\n");
		else
			sb_printf(sb, " align=%u\n", (unsigned)e->a);
		break;
	default:
		if ((1ULL << e->type) & TRACE_VMSCAN_MASK)
			print_vmscan_entry(sb, e, w);
		else
			print_compaction_entry(sb, e);
		break;
	}
}

static int entry_cmp(const void *a, const void *b)
{
	const struct trace_entry *x = *(const struct trace_entry *const *)a, *y = *(const struct trace_entry *const *)b;
	if (x->ts_ns != y->ts_ns)
		return x->ts_ns < y->ts_ns ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The trace file: the nop tracer's header, then every record in the rings, oldest first. */
void trace_show(struct strbuf *sb)
{
	struct trace_array *tr = trace_array_get();
	unsigned long entries = 0, written = 0;
	const struct trace_entry **all = NULL;
	size_t n = 0;
	if (tr)
		pthread_mutex_lock(&tr->lock); /* no resize meanwhile */
	if (tr && tr->cpu) {
		for (int c = 0; c < tr->nr_cpus; c++)
			pthread_mutex_lock(&tr->cpu[c].lock);
		for (int c = 0; c < tr->nr_cpus; c++) {
			entries += tr->cpu[c].entries;
			written += tr->cpu[c].written;
		}
		all = malloc((entries ? entries : 1) * sizeof(*all));
		for (int c = 0; all && c < tr->nr_cpus; c++) {
			struct ring_buffer_per_cpu *b = &tr->cpu[c];
			if (!b->entries)
				continue;
			for (unsigned long p = b->head;; p = (p + 1) % b->nr_pages) {
				for (unsigned i = 0; i < b->pages[p].nr; i++)
					all[n++] = &b->pages[p].e[i];
				if (p == b->tail)
					break;
			}
		}
	}
	sb_printf(sb, "# tracer: nop\n#\n# entries-in-buffer/entries-written: %lu/%lu   #P:%d\n#\n", entries, written,
		  M->nr_cpus);
	sb_printf(sb, "#                                _-----=> irqs-off/BH-disabled\n"
		      "#                               / _----=> need-resched\n"
		      "#                              | / _---=> hardirq/softirq\n"
		      "#                              || / _--=> preempt-depth\n"
		      "#                              ||| / _-=> migrate-disable\n"
		      "#                              |||| /     delay\n"
		      "#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n"
		      "#              | |         |   |||||     |         |\n");
	if (all) {
		qsort(all, n, sizeof(*all), entry_cmp);
		for (size_t i = 0; i < n; i++)
			print_entry(sb, all[i]);
	}
	free(all);
	if (tr && tr->cpu)
		for (int c = tr->nr_cpus; c-- > 0;)
			pthread_mutex_unlock(&tr->cpu[c].lock);
	if (tr)
		pthread_mutex_unlock(&tr->lock);
}

/* Writing the trace file (any value: `echo > trace`) empties the buffer. */
int trace_write(const char *val)
{
	kmm_trace_clear();
	return 0;
}

/* ---- enabling -------------------------------------------------------------------------------- */

/* The events of the system named by len bytes at sys ("kmem", "vmscan", "compaction", "migrate"); 0 if none is */
static u64 system_mask(const char *sys, size_t len)
{
	static const struct {
		const char *name;
		u64 mask;
	} systems[] = {
#define TRACE_SYSTEM_MASK_ENTRY(name, NAME) { #name, TRACE_##NAME##_MASK },
		TRACE_SYSTEMS(TRACE_SYSTEM_MASK_ENTRY)
#undef TRACE_SYSTEM_MASK_ENTRY
	};
	for (size_t i = 0; i < ARRAY_SIZE(systems); i++)
		if (strlen(systems[i].name) == len && !memcmp(sys, systems[i].name, len))
			return systems[i].mask;
	return 0;
}

/*
 * One word of set_event or trace_event=, as ftrace_set_clr_event() reads
 * it: "[!]SYSTEM:EVENT", "SYSTEM:" or "SYSTEM:*" (the whole system), "*:EVENT",
 * or a bare word that names a system or an event.  The events it matches
 * (0: none - Linux's -EINVAL); *clear for a leading '!'.
 */
/* The events the booted kernel has: the cma ones only with CONFIG_CMA (no machine: every event, to be checked at boot) */
static u64 kernel_events(void)
{
	return M && !M->kconfig.cma ? TRACE_ALL_MASK & ~TRACE_CMA_MASK : TRACE_ALL_MASK;
}

static u64 event_word_mask(const char *w, size_t len, bool *clear)
{
	*clear = len && w[0] == '!';
	if (*clear) {
		w++;
		len--;
	}
	const char *colon = memchr(w, ':', len);
	const char *ev = w;
	size_t evlen = len;
	u64 within = kernel_events(); /* the events the word may name */
	bool any_system = true;
	if (colon) {
		size_t syslen = (size_t)(colon - w);
		ev = colon + 1;
		evlen = len - syslen - 1;
		if (syslen && !(syslen == 1 && w[0] == '*')) {
			within = system_mask(w, syslen) & kernel_events();
			any_system = false;
			if (!within)
				return 0;
		}
		if (!evlen || (evlen == 1 && ev[0] == '*'))
			return any_system ? 0 : within; /* "*:*" names no system of its own: refused */
	} else if (system_mask(w, len)) {
		return system_mask(w, len) & kernel_events(); /* the system's name */
	}
	for (int i = 0; i < NR_TRACE_EVENTS; i++)
		if ((within & (1ULL << i)) && strlen(trace_event_names[i]) == evlen &&
		    !memcmp(trace_event_names[i], ev, evlen))
			return 1ULL << i;
	return 0;
}

int kmm_trace_parse_events(const char *events, unsigned long long *set, unsigned long long *clear, char *bad,
			   size_t badlen)
{
	*set = *clear = 0;
	if (!events)
		return 0;
	for (const char *p = events; *p;) {
		size_t len = strcspn(p, ", \t\n");
		if (len) {
			bool neg;
			u64 m = event_word_mask(p, len, &neg);
			if (!m) {
				if (bad && badlen)
					snprintf(bad, badlen, "%.*s", (int)min(len, (size_t)100), p);
				return -EINVAL;
			}
			if (neg)
				*clear |= m;
			else
				*set |= m;
		}
		p += len;
		if (*p)
			p++;
	}
	return 0;
}

int kmm_trace_enable(const char *events, bool on)
{
	if (!M)
		return -ENODEV;
	unsigned long long set, clear;
	if (kmm_trace_parse_events(events ? events : "kmem", &set, &clear, NULL, 0))
		return -EINVAL;
	if (!on) {
		clear |= set;
		set = 0;
	}
	struct trace_array *tr = trace_array_get();
	if (!tr)
		return -ENOMEM;
	pthread_mutex_lock(&tr->lock);
	int ret = 0;
	if (set && !tr->cpu)
		ret = rings_alloc(tr);
	if (!ret) {
		tr->enabled = (tr->enabled | set) & ~clear;
		trace_on_update(tr);
	}
	pthread_mutex_unlock(&tr->lock);
	return ret;
}

void kmm_trace_clear(void)
{
	struct trace_array *tr = M ? trace_array_get() : NULL;
	if (!tr)
		return;
	pthread_mutex_lock(&tr->lock);
	rings_reset(tr);
	pthread_mutex_unlock(&tr->lock);
}

/* set_event: the enabled events, one "system:event" a line */
void trace_show_set_event(struct strbuf *sb)
{
	u64 en = M->trace ? M->trace->enabled : 0;
	for (int i = 0; i < NR_TRACE_EVENTS; i++)
		if (en & (1ULL << i))
			sb_printf(sb, "%s:%s\n", trace_event_system((enum trace_event_id)i), trace_event_names[i]);
}

/* Writing set_event as `echo WORDS > set_event` does: everything off, then the words' events on (or off for !). */
int trace_write_set_event(const char *val)
{
	unsigned long long set, clear;
	if (kmm_trace_parse_events(val, &set, &clear, NULL, 0))
		return -EINVAL;
	int ret = kmm_trace_enable(M->kconfig.cma ? "kmem,vmscan,compaction,migrate,cma" : "kmem,vmscan,compaction,migrate",
				   false);
	return ret || !set ? ret : kmm_trace_enable(val, true);
}

void trace_show_tracing_on(struct strbuf *sb)
{
	sb_printf(sb, "%d\n", M->trace ? M->trace->tracing_on : 1);
}

/* A boolean file's value: "0" or "1" (tracing_on takes any number: not 0 is on). */
static int parse_01(const char *val, unsigned long max, unsigned long *out)
{
	char buf[32];
	size_t n = val ? strcspn(val, "\n") : 0;
	if (!n || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, val, n);
	buf[n] = 0;
	if (kstrtoul(buf, 10, out) || *out > max)
		return -EINVAL;
	return 0;
}

int trace_write_tracing_on(const char *val)
{
	unsigned long v;
	if (parse_01(val, ~0UL, &v))
		return -EINVAL;
	struct trace_array *tr = trace_array_get();
	if (!tr)
		return -ENOMEM;
	pthread_mutex_lock(&tr->lock);
	tr->tracing_on = v != 0;
	trace_on_update(tr);
	pthread_mutex_unlock(&tr->lock);
	return 0;
}

void trace_show_buffer_size_kb(struct strbuf *sb)
{
	sb_printf(sb, "%lu\n", (M->trace ? M->trace->buf_size : TRACE_BUF_SIZE_DEFAULT) >> 10);
}

static int trace_resize(unsigned long bytes)
{
	struct trace_array *tr = trace_array_get();
	if (!tr)
		return -ENOMEM;
	pthread_mutex_lock(&tr->lock);
	/*
	 * A hook on another CPU may have loaded the old rings and be writing
	 * one: they are retired, not freed, until the machine goes; the new
	 * rings start empty.
	 */
	int ret = 0;
	struct retired_rings *r = tr->cpu ? malloc(sizeof(*r)) : NULL;
	if (tr->cpu && !r) {
		ret = -ENOMEM;
	} else {
		unsigned long old = tr->buf_size;
		tr->buf_size = bytes;
		if (r) {
			struct ring_buffer_per_cpu *was = tr->cpu;
			ret = rings_alloc(tr);
			if (ret) {
				tr->buf_size = old;
				free(r);
			} else {
				r->cpu = was;
				r->next = tr->retired;
				tr->retired = r;
			}
		}
	}
	pthread_mutex_unlock(&tr->lock);
	return ret;
}

int trace_write_buffer_size_kb(const char *val)
{
	unsigned long kb;
	if (parse_01(val, ~0UL, &kb) || !kb)
		return -EINVAL;
	if (kb > TRACE_BUF_SIZE_MAX >> 10)
		return -ENOMEM;
	return trace_resize(kb << 10);
}

/* events/SYSTEM/enable: 0, 1, or X when some are on */
static void show_system_enable(struct strbuf *sb, u64 mask)
{
	u64 en = (M->trace ? M->trace->enabled : 0) & mask;
	sb_printf(sb, "%s\n", en == mask ? "1" : en ? "X" : "0");
}

static int write_system_enable(const char *sys, const char *val)
{
	unsigned long v;
	if (parse_01(val, 1, &v))
		return -EINVAL;
	return kmm_trace_enable(sys, v);
}

#define TRACE_SYSTEM_ENABLE_FILE(name, NAME)                 \
	void trace_show_##name##_enable(struct strbuf *sb)   \
	{                                                    \
		show_system_enable(sb, TRACE_##NAME##_MASK); \
	}                                                    \
	int trace_write_##name##_enable(const char *val)     \
	{                                                    \
		return write_system_enable(#name, val);      \
	}
TRACE_SYSTEMS(TRACE_SYSTEM_ENABLE_FILE)
#undef TRACE_SYSTEM_ENABLE_FILE

#define TRACE_EVENT_ENABLE_FILE(id, name)                                            \
	void trace_show_enable_##id(struct strbuf *sb)                               \
	{                                                                            \
		sb_printf(sb, "%d\n", M->trace && (M->trace->enabled & (1ULL << TRACE_##id)) ? 1 : 0); \
	}                                                                            \
	int trace_write_enable_##id(const char *val)                                 \
	{                                                                            \
		unsigned long v;                                                     \
		if (parse_01(val, 1, &v))                                            \
			return -EINVAL;                                              \
		return kmm_trace_enable(name, v);                                    \
	}
ALL_TRACE_EVENTS(TRACE_EVENT_ENABLE_FILE)
#undef TRACE_EVENT_ENABLE_FILE

/* ---- format files ------------------------------------------------------------------------------ */

/* A field of an event's record as its format file describes it; size 0: the word (long, pointer, size_t) */
struct format_field {
	const char *type, *name;
	unsigned char size;
	bool is_signed;
};
#define F_INT(n) { "int", n, 4, true }
#define F_UINT(n) { "unsigned int", n, 4, false }
#define F_ULONG(n) { "unsigned long", n, 0, false }
#define F_LONG(n) { "long", n, 0, true }
#define F_PTR(n) { "const void *", n, 0, false }
#define F_SIZE(n) { "size_t", n, 0, false }
#define F_BOOL(n) { "bool", n, 1, false }
#define F_STR(n) { "__data_loc char[]", n, 4, false }
#define F_ENUM(t, n) { "enum " t, n, 4, false }
#define F_PAGE(n) { "const struct page *", n, 0, false }
#define CMA_ALLOC_FORMAT                                                                         \
	{ { F_STR("name"), F_ULONG("pfn"), F_PAGE("page"), F_ULONG("count"), F_UINT("align") }, \
	  "name=%s pfn=0x%lx page=%p count=%lu align=%u", "__get_str(name), REC->pfn, REC->page, REC->count, REC->align" }

/*
 * Each event's fields and print fmt.  The arguments spell out what 6.1's
 * macros expand to: %G show_gfp_flags(REC->gfp_flags), %R
 * show_reclaim_flags(REC->reclaim_flags), %P pfn_to_page(REC->pfn), %B
 * pageblock_order, %A __GFP_ACCOUNT, and the __print_symbolic tables
 * %S COMPACTION_STATUS, %Z ZONE_TYPE (the zones the profile's config has,
 * numbered as its enum zone_type), %M MIGRATE_MODE, %N MIGRATE_REASON -
 * with kmm's values.
 */
#define KMALLOC_FMT "call_site=%pS ptr=%p bytes_req=%zu bytes_alloc=%zu gfp_flags=%s node=%d accounted=%s"
#define KMALLOC_ARGS "(void *)REC->call_site, REC->ptr, REC->bytes_req, REC->bytes_alloc, %G, REC->node, "
static const struct {
	struct format_field f[14];
	const char *fmt;   /* the print fmt's format string */
	const char *args;  /* its arguments */
} event_formats[NR_TRACE_EVENTS] = {
	[TRACE_KMEM_CACHE_ALLOC] = { { F_ULONG("call_site"), F_PTR("ptr"), F_SIZE("bytes_req"), F_SIZE("bytes_alloc"),
				       F_ULONG("gfp_flags"), F_INT("node"), F_BOOL("accounted") },
				     KMALLOC_FMT, KMALLOC_ARGS "REC->accounted ? \"true\" : \"false\"" },
	[TRACE_KMALLOC] = { { F_ULONG("call_site"), F_PTR("ptr"), F_SIZE("bytes_req"), F_SIZE("bytes_alloc"),
			      F_ULONG("gfp_flags"), F_INT("node") },
			    KMALLOC_FMT,
			    KMALLOC_ARGS "(1 && (REC->gfp_flags & (unsigned long)%A)) ? \"true\" : \"false\"" },
	[TRACE_KFREE] = { { F_ULONG("call_site"), F_PTR("ptr") }, "call_site=%pS ptr=%p", "(void *)REC->call_site, REC->ptr" },
	[TRACE_KMEM_CACHE_FREE] = { { F_ULONG("call_site"), F_PTR("ptr"), F_STR("name") }, "call_site=%pS ptr=%p name=%s",
				    "(void *)REC->call_site, REC->ptr, __get_str(name)" },
	[TRACE_MM_PAGE_FREE] = { { F_ULONG("pfn"), F_UINT("order") }, "page=%p pfn=0x%lx order=%d",
				 "%P, REC->pfn, REC->order" },
	[TRACE_MM_PAGE_FREE_BATCHED] = { { F_ULONG("pfn") }, "page=%p pfn=0x%lx order=0", "%P, REC->pfn" },
	[TRACE_MM_PAGE_ALLOC] = { { F_ULONG("pfn"), F_UINT("order"), F_ULONG("gfp_flags"), F_INT("migratetype") },
				  "page=%p pfn=0x%lx order=%d migratetype=%d gfp_flags=%s",
				  "REC->pfn != -1UL ? %P : ((void *)0), REC->pfn != -1UL ? REC->pfn : 0, REC->order, "
				  "REC->migratetype, %G" },
	[TRACE_MM_PAGE_ALLOC_ZONE_LOCKED] = {
		{ F_ULONG("pfn"), F_UINT("order"), F_INT("migratetype"), F_INT("percpu_refill") },
		"page=%p pfn=0x%lx order=%u migratetype=%d percpu_refill=%d",
		"REC->pfn != -1UL ? %P : ((void *)0), REC->pfn != -1UL ? REC->pfn : 0, REC->order, REC->migratetype, "
		"REC->percpu_refill" },
	[TRACE_MM_PAGE_PCPU_DRAIN] = { { F_ULONG("pfn"), F_UINT("order"), F_INT("migratetype") },
				       "page=%p pfn=0x%lx order=%d migratetype=%d",
				       "%P, REC->pfn, REC->order, REC->migratetype" },
	[TRACE_MM_PAGE_ALLOC_EXTFRAG] = {
		{ F_ULONG("pfn"), F_INT("alloc_order"), F_INT("fallback_order"), F_INT("alloc_migratetype"),
		  F_INT("fallback_migratetype"), F_INT("change_ownership") },
		"page=%p pfn=0x%lx alloc_order=%d fallback_order=%d pageblock_order=%d alloc_migratetype=%d "
		"fallback_migratetype=%d fragmenting=%d change_ownership=%d",
		"%P, REC->pfn, REC->alloc_order, REC->fallback_order, %B, REC->alloc_migratetype, "
		"REC->fallback_migratetype, REC->fallback_order < %B, REC->change_ownership" },
	[TRACE_RSS_STAT] = { { F_UINT("mm_id"), F_UINT("curr"), F_INT("member"), F_LONG("size") },
			     "mm_id=%u curr=%d type=%s size=%ldB",
			     "REC->mm_id, REC->curr, __print_symbolic(REC->member, {0, \"MM_FILEPAGES\"}, {1, "
			     "\"MM_ANONPAGES\"}, {2, \"MM_SWAPENTS\"}, {3, \"MM_SHMEMPAGES\"}), REC->size" },

	[TRACE_MM_VMSCAN_KSWAPD_SLEEP] = { { F_INT("nid") }, "nid=%d", "REC->nid" },
	[TRACE_MM_VMSCAN_KSWAPD_WAKE] = { { F_INT("nid"), F_INT("zid"), F_INT("order") },
					  "nid=%d order=%d", "REC->nid, REC->order" },
	[TRACE_MM_VMSCAN_WAKEUP_KSWAPD] = { { F_INT("nid"), F_INT("zid"), F_INT("order"), F_ULONG("gfp_flags") },
					    "nid=%d order=%d gfp_flags=%s", "REC->nid, REC->order, %G" },
	[TRACE_MM_VMSCAN_DIRECT_RECLAIM_BEGIN] = { { F_INT("order"), F_ULONG("gfp_flags") },
						   "order=%d gfp_flags=%s", "REC->order, %G" },
	[TRACE_MM_VMSCAN_DIRECT_RECLAIM_END] = { { F_ULONG("nr_reclaimed") }, "nr_reclaimed=%lu", "REC->nr_reclaimed" },
	[TRACE_MM_VMSCAN_NODE_RECLAIM_BEGIN] = { { F_INT("nid"), F_INT("order"), F_ULONG("gfp_flags") },
						 "nid=%d order=%d gfp_flags=%s", "REC->nid, REC->order, %G" },
	[TRACE_MM_VMSCAN_NODE_RECLAIM_END] = { { F_ULONG("nr_reclaimed") }, "nr_reclaimed=%lu", "REC->nr_reclaimed" },
	[TRACE_MM_VMSCAN_LRU_ISOLATE] = {
		{ F_INT("highest_zoneidx"), F_INT("order"), F_ULONG("nr_requested"), F_ULONG("nr_scanned"),
		  F_ULONG("nr_skipped"), F_ULONG("nr_taken"), F_UINT("isolate_mode"), F_INT("lru") },
		"isolate_mode=%d classzone=%d order=%d nr_requested=%lu nr_scanned=%lu nr_skipped=%lu nr_taken=%lu lru=%s",
		"REC->isolate_mode, REC->highest_zoneidx, REC->order, REC->nr_requested, REC->nr_scanned, "
		"REC->nr_skipped, REC->nr_taken, __print_symbolic(REC->lru, {0, \"inactive_anon\"}, {1, \"active_anon\"}, "
		"{2, \"inactive_file\"}, {3, \"active_file\"}, {4, \"unevictable\"})" },
	[TRACE_MM_VMSCAN_WRITE_FOLIO] = { { F_ULONG("pfn"), F_INT("reclaim_flags") }, "page=%p pfn=0x%lx flags=%s",
					  "%P, REC->pfn, %R" },
	[TRACE_MM_VMSCAN_LRU_SHRINK_INACTIVE] = {
		{ F_INT("nid"), F_ULONG("nr_scanned"), F_ULONG("nr_reclaimed"), F_ULONG("nr_dirty"), F_ULONG("nr_writeback"),
		  F_ULONG("nr_congested"), F_ULONG("nr_immediate"), F_UINT("nr_activate0"), F_UINT("nr_activate1"),
		  F_ULONG("nr_ref_keep"), F_ULONG("nr_unmap_fail"), F_INT("priority"), F_INT("reclaim_flags") },
		"nid=%d nr_scanned=%ld nr_reclaimed=%ld nr_dirty=%ld nr_writeback=%ld nr_congested=%ld nr_immediate=%ld "
		"nr_activate_anon=%d nr_activate_file=%d nr_ref_keep=%ld nr_unmap_fail=%ld priority=%d flags=%s",
		"REC->nid, REC->nr_scanned, REC->nr_reclaimed, REC->nr_dirty, REC->nr_writeback, REC->nr_congested, "
		"REC->nr_immediate, REC->nr_activate0, REC->nr_activate1, REC->nr_ref_keep, REC->nr_unmap_fail, "
		"REC->priority, %R" },
	[TRACE_MM_VMSCAN_LRU_SHRINK_ACTIVE] = {
		{ F_INT("nid"), F_ULONG("nr_taken"), F_ULONG("nr_active"), F_ULONG("nr_deactivated"),
		  F_ULONG("nr_referenced"), F_INT("priority"), F_INT("reclaim_flags") },
		"nid=%d nr_taken=%ld nr_active=%ld nr_deactivated=%ld nr_referenced=%ld priority=%d flags=%s",
		"REC->nid, REC->nr_taken, REC->nr_active, REC->nr_deactivated, REC->nr_referenced, REC->priority, %R" },

#define ISOLATE_FORMAT                                                                                      \
	{ { F_ULONG("start_pfn"), F_ULONG("end_pfn"), F_ULONG("nr_scanned"), F_ULONG("nr_taken") },            \
	  "range=(0x%lx ~ 0x%lx) nr_scanned=%lu nr_taken=%lu",                                                \
	  "REC->start_pfn, REC->end_pfn, REC->nr_scanned, REC->nr_taken" }
#define SUITABLE_FORMAT                                                                                     \
	{ { F_INT("nid"), F_ENUM("zone_type", "idx"), F_INT("order"), F_INT("ret") },                          \
	  "node=%d zone=%-8s order=%d ret=%s",                                                                \
	  "REC->nid, __print_symbolic(REC->idx, %Z), REC->order, __print_symbolic(REC->ret, %S)" }
#define DEFER_FORMAT                                                                                        \
	{ { F_INT("nid"), F_ENUM("zone_type", "idx"), F_INT("order"), F_UINT("considered"), F_UINT("defer_shift"), \
	    F_INT("order_failed") },                                                                          \
	  "node=%d zone=%-8s order=%d order_failed=%d consider=%u limit=%lu",                                 \
	  "REC->nid, __print_symbolic(REC->idx, %Z), REC->order, REC->order_failed, REC->considered, "         \
	  "1UL << REC->defer_shift" }
#define KCOMPACTD_WAKE_FORMAT                                                                               \
	{ { F_INT("nid"), F_INT("order"), F_ENUM("zone_type", "highest_zoneidx") },                           \
	  "nid=%d order=%d classzone_idx=%-8s", "REC->nid, REC->order, __print_symbolic(REC->highest_zoneidx, %Z)" }
#define COMPACTION_RANGE_FIELDS                                                                             \
	F_ULONG("zone_start"), F_ULONG("migrate_pfn"), F_ULONG("free_pfn"), F_ULONG("zone_end"), F_BOOL("sync")
#define COMPACTION_RANGE_FMT "zone_start=0x%lx migrate_pfn=0x%lx free_pfn=0x%lx zone_end=0x%lx, mode=%s"
#define COMPACTION_RANGE_ARGS                                                                               \
	"REC->zone_start, REC->migrate_pfn, REC->free_pfn, REC->zone_end, REC->sync ? \"sync\" : \"async\""
#define MIGRATION_PTE_FORMAT                                                                                \
	{ { F_ULONG("addr"), F_ULONG("pte"), F_INT("order") }, "addr=%lx, pte=%lx order=%d",                   \
	  "REC->addr, REC->pte, REC->order" }

	[TRACE_MM_COMPACTION_ISOLATE_MIGRATEPAGES] = ISOLATE_FORMAT,
	[TRACE_MM_COMPACTION_ISOLATE_FREEPAGES] = ISOLATE_FORMAT,
	[TRACE_MM_COMPACTION_MIGRATEPAGES] = { { F_ULONG("nr_migrated"), F_ULONG("nr_failed") },
					       "nr_migrated=%lu nr_failed=%lu", "REC->nr_migrated, REC->nr_failed" },
	[TRACE_MM_COMPACTION_BEGIN] = { { COMPACTION_RANGE_FIELDS }, COMPACTION_RANGE_FMT, COMPACTION_RANGE_ARGS },
	[TRACE_MM_COMPACTION_END] = { { COMPACTION_RANGE_FIELDS, F_INT("status") }, COMPACTION_RANGE_FMT " status=%s",
				      COMPACTION_RANGE_ARGS ", __print_symbolic(REC->status, %S)" },
	[TRACE_MM_COMPACTION_TRY_TO_COMPACT_PAGES] = { { F_INT("order"), F_ULONG("gfp_mask"), F_INT("prio") },
						       "order=%d gfp_mask=%s priority=%d",
						       "REC->order, %g, REC->prio" },
	[TRACE_MM_COMPACTION_FINISHED] = SUITABLE_FORMAT,
	[TRACE_MM_COMPACTION_SUITABLE] = SUITABLE_FORMAT,
	[TRACE_MM_COMPACTION_DEFERRED] = DEFER_FORMAT,
	[TRACE_MM_COMPACTION_DEFER_COMPACTION] = DEFER_FORMAT,
	[TRACE_MM_COMPACTION_DEFER_RESET] = DEFER_FORMAT,
	[TRACE_MM_COMPACTION_KCOMPACTD_SLEEP] = { { F_INT("nid") }, "nid=%d", "REC->nid" },
	[TRACE_MM_COMPACTION_WAKEUP_KCOMPACTD] = KCOMPACTD_WAKE_FORMAT,
	[TRACE_MM_COMPACTION_KCOMPACTD_WAKE] = KCOMPACTD_WAKE_FORMAT,

	[TRACE_MM_MIGRATE_PAGES] = {
		{ F_ULONG("succeeded"), F_ULONG("failed"), F_ULONG("thp_succeeded"), F_ULONG("thp_failed"),
		  F_ULONG("thp_split"), F_ENUM("migrate_mode", "mode"), F_INT("reason") },
		"nr_succeeded=%lu nr_failed=%lu nr_thp_succeeded=%lu nr_thp_failed=%lu nr_thp_split=%lu mode=%s reason=%s",
		"REC->succeeded, REC->failed, REC->thp_succeeded, REC->thp_failed, REC->thp_split, "
		"__print_symbolic(REC->mode, %M), __print_symbolic(REC->reason, %N)" },
	[TRACE_MM_MIGRATE_PAGES_START] = { { F_ENUM("migrate_mode", "mode"), F_INT("reason") }, "mode=%s reason=%s",
					   "__print_symbolic(REC->mode, %M), __print_symbolic(REC->reason, %N)" },
	[TRACE_SET_MIGRATION_PTE] = MIGRATION_PTE_FORMAT,
	[TRACE_REMOVE_MIGRATION_PTE] = MIGRATION_PTE_FORMAT,
	[TRACE_CMA_ALLOC_START] = { { F_STR("name"), F_ULONG("count"), F_UINT("align") }, "name=%s count=%lu align=%u",
				    "__get_str(name), REC->count, REC->align" },
	[TRACE_CMA_ALLOC_FINISH] = CMA_ALLOC_FORMAT,
	[TRACE_CMA_ALLOC_BUSY_RETRY] = CMA_ALLOC_FORMAT,
	[TRACE_CMA_RELEASE] = { { F_STR("name"), F_ULONG("pfn"), F_PAGE("page"), F_ULONG("count") },
				"name=%s pfn=0x%lx page=%p count=%lu", "__get_str(name), REC->pfn, REC->page, REC->count" },
};


#define TRACE_EVENT_ID_BASE 500 /* kmm's own: a real kernel numbers its events as it registers them */

/*
 * events/SYSTEM/EVENT/format as 6.1 prints it: name, ID, the common fields,
 * the event's fields at the offsets its struct has on the profile (an
 * unsigned long is the word; each field aligned to its size), and the
 * print fmt with the flag tables spelled out as values.
 */
static void trace_show_format(struct strbuf *sb, enum trace_event_id ev)
{
	unsigned int word = (unsigned int)M->prof->bits / 8, off = 8;
	sb_printf(sb, "name: %s\nID: %d\nformat:\n", trace_event_names[ev], TRACE_EVENT_ID_BASE + (int)ev);
	sb_printf(sb, "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
		      "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
		      "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
		      "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n");
	for (const struct format_field *f = event_formats[ev].f; f->type; f++) {
		unsigned int size = f->size ? f->size : word;
		off = (off + size - 1) / size * size;
		sb_printf(sb, "\tfield:%s %s;\toffset:%u;\tsize:%u;\tsigned:%d;\n", f->type, f->name, off, size, f->is_signed);
		off += size;
	}
	sb_printf(sb, "\nprint fmt: \"%s\", ", event_formats[ev].fmt);
	for (const char *a = event_formats[ev].args; *a; a++) {
		if (a[0] != '%' || !a[1]) {
			sb_printf(sb, "%c", *a);
			continue;
		}
		switch (*++a) {
		case 'g': /* show_gfp_flags of a field named gfp_mask */
		case 'G': {
			const char *field = *a == 'g' ? "REC->gfp_mask" : "REC->gfp_flags";
			sb_printf(sb, "(%s) ? __print_flags(%s, \"|\"", field, field);
			/* show_gfp_flags()'s table (__def_gfpflag_names; Debian builds 6.1 without KASAN) */
			gfp_t mask;
			const char *name;
			for (size_t i = 0; (name = gfp_printed_name(i, &mask)); i++)
				sb_printf(sb, ", {(unsigned long)%#x, \"%s\"}", (unsigned)mask, name);
			sb_printf(sb, ") : \"none\"");
			break;
		}
		case 'S': { /* COMPACTION_STATUS, in mmflags.h's order */
			static const int order[] = { 1, 2, 4, 8, 6, 5, 3, 0, 7 };
			for (size_t i = 0; i < ARRAY_SIZE(order); i++)
				sb_printf(sb, "%s{%d, \"%s\"}", i ? ", " : "", order[i], compact_status_names[order[i]]);
			break;
		}
		case 'Z': { /* ZONE_TYPE: the zones the config has, numbered as its enum zone_type */
			int idx = 0;
			for (int z = 0; z < ZONE_DEVICE; z++) {
				if (!(M->prof->zone_mask & (1u << z)) && z != ZONE_NORMAL && z != ZONE_MOVABLE)
					continue;
				sb_printf(sb, "%s{%d, \"%s\"}", idx ? ", " : "", idx, zone_names[z]);
				idx++;
			}
			break;
		}
		case 'M':
			for (size_t i = 0; i < ARRAY_SIZE(migrate_mode_names); i++)
				sb_printf(sb, "%s{%zu, \"%s\"}", i ? ", " : "", i, migrate_mode_names[i]);
			break;
		case 'N':
			for (size_t i = 0; i < ARRAY_SIZE(migrate_reason_names); i++)
				sb_printf(sb, "%s{%zu, \"%s\"}", i ? ", " : "", i, migrate_reason_names[i]);
			break;
		case 'R':
			sb_printf(sb, "(REC->reclaim_flags) ? __print_flags(REC->reclaim_flags, \"|\", {0x0001u, "
				      "\"RECLAIM_WB_ANON\"}, {0x0002u, \"RECLAIM_WB_FILE\"}, {0x0010u, \"RECLAIM_WB_MIXED\"}, "
				      "{0x0004u, \"RECLAIM_WB_SYNC\"}, {0x0008u, \"RECLAIM_WB_ASYNC\"}) : \"RECLAIM_WB_NONE\"");
			break;
		case 'P':
			sb_printf(sb, "%s", M->prof->flatmem ? "(mem_map + ((REC->pfn) - (0UL)))"
							     : "(((struct page *)vmemmap_base) + (REC->pfn))");
			break;
		case 'B':
			sb_printf(sb, "%d", M->prof->pageblock_order);
			break;
		case 'A':
			sb_printf(sb, "%#x", (unsigned)__GFP_ACCOUNT);
			break;
		}
	}
	sb_printf(sb, "\n");
}

#define TRACE_EVENT_FORMAT_FILE(id, name)               \
	void trace_show_format_##id(struct strbuf *sb)  \
	{                                               \
		trace_show_format(sb, TRACE_##id);      \
	}
ALL_TRACE_EVENTS(TRACE_EVENT_FORMAT_FILE)
#undef TRACE_EVENT_FORMAT_FILE

/* ---- the validator -------------------------------------------------------------------------- */

/*
 * The rings' invariants (kmm_verify runs it): per CPU, head and tail inside
 * the ring, entries == Σ nr of the pages from head to tail, no page fuller
 * than ENTRIES_PER_PAGE, written == entries + overrun; kmm_trace_on ==
 * (tracing_on ? enabled : 0), and no event on without rings to write.
 */
int trace_verify(char *why, size_t whylen)
{
	struct trace_array *tr = M->trace;
	if (!tr) {
		if (kmm_trace_on) {
			snprintf(why, whylen, "trace: events %#llx on with no trace array", (unsigned long long)kmm_trace_on);
			return -EINVAL;
		}
		return 0;
	}
	int ret = 0;
	pthread_mutex_lock(&tr->lock);
	u64 want = tr->tracing_on ? tr->enabled : 0;
	if (kmm_trace_on != want) {
		snprintf(why, whylen, "trace: trace_on %#llx, but enabled %#llx and tracing_on %d",
			 (unsigned long long)kmm_trace_on, (unsigned long long)tr->enabled, tr->tracing_on);
		ret = -EINVAL;
	} else if (tr->enabled && !tr->cpu) {
		snprintf(why, whylen, "trace: events %#llx enabled with no ring buffer", (unsigned long long)tr->enabled);
		ret = -EINVAL;
	}
	for (int c = 0; !ret && tr->cpu && c < tr->nr_cpus; c++) {
		struct ring_buffer_per_cpu *b = &tr->cpu[c];
		pthread_mutex_lock(&b->lock);
		unsigned long sum = 0;
		if (b->head >= b->nr_pages || b->tail >= b->nr_pages) {
			snprintf(why, whylen, "trace: cpu%d ring head %lu tail %lu of %lu pages", c, b->head, b->tail,
				 b->nr_pages);
			ret = -EINVAL;
		}
		for (unsigned long p = b->head; !ret; p = (p + 1) % b->nr_pages) {
			if (b->pages[p].nr > ENTRIES_PER_PAGE) {
				snprintf(why, whylen, "trace: cpu%d page %lu holds %u records, at most %zu fit", c, p,
					 b->pages[p].nr, ENTRIES_PER_PAGE);
				ret = -EINVAL;
			}
			sum += b->pages[p].nr;
			if (p == b->tail)
				break;
		}
		if (!ret && (sum != b->entries || b->written != b->entries + b->overrun)) {
			snprintf(why, whylen, "trace: cpu%d ring holds %lu records, counts entries %lu written %lu overrun %lu",
				 c, sum, b->entries, b->written, b->overrun);
			ret = -EINVAL;
		}
		pthread_mutex_unlock(&b->lock);
	}
	pthread_mutex_unlock(&tr->lock);
	return ret;
}

/* ---- boot ----------------------------------------------------------------------------------- */

/* trace_event=LIST: kept until trace_init(), as Linux keeps bootup_event_buf */
int setup_trace_event(const char *val, char *err, size_t errlen)
{
	struct trace_array *tr = trace_array_get();
	if (!tr) {
		snprintf(err, errlen, "trace_event=: out of memory");
		return -ENOMEM;
	}
	free(tr->boot_events);
	tr->boot_events = strdup(val ? val : "");
	return 0;
}

/* trace_buf_size=SIZE: bytes per CPU (memparse; 0 is ignored, as Linux ignores it) */
int setup_trace_buf_size(const char *val, char *err, size_t errlen)
{
	u64 v;
	if (!val || kmm_parse_size(val, ~0ULL, &v)) {
		snprintf(err, errlen, "trace_buf_size=%s: expected a size such as 64M", val ? val : "");
		return -EINVAL;
	}
	if (!v)
		return 0;
	if (v > TRACE_BUF_SIZE_MAX) {
		snprintf(err, errlen, "trace_buf_size=%s: kmm keeps at most %lu MiB per CPU", val, TRACE_BUF_SIZE_MAX >> 20);
		return -EINVAL;
	}
	struct trace_array *tr = trace_array_get();
	if (!tr) {
		snprintf(err, errlen, "trace_buf_size=: out of memory");
		return -ENOMEM;
	}
	tr->buf_size = (unsigned long)v;
	return 0;
}

/*
 * start_kernel()'s trace_init(), after mm_init(): the events of
 * trace_event= go on, each word that matches nothing warned about as
 * early_enable_events() warns.
 */
void trace_init(void)
{
	struct trace_array *tr = M->trace;
	if (!tr || !tr->boot_events)
		return;
	char *list = tr->boot_events;
	tr->boot_events = NULL;
	for (char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		char save = p[len];
		p[len] = 0;
		if (len && kmm_trace_enable(p, p[0] != '!') == -EINVAL)
			pr_warn("Failed to enable trace event: %s\n", p);
		p[len] = save;
		p += len + (save ? 1 : 0);
	}
	free(list);
}

void trace_exit(void)
{
	struct trace_array *tr = M->trace;
	__atomic_store_n(&kmm_trace_on, 0, __ATOMIC_RELAXED);
	if (!tr)
		return;
	rings_free(tr);
	free(tr->boot_events);
	pthread_mutex_destroy(&tr->lock);
	free(tr);
	M->trace = NULL;
}
