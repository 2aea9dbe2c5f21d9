/*
 * kmm/trace.h - real kernel allocation traces: the ftrace `kmem:` text
 * format, and replaying a trace on the booted machine.
 *
 * A trace line is what /sys/kernel/tracing/trace, trace-cmd report or perf
 * script print for one event, e.g.
 *
 *   bash-8556 [000] ..... 240.378690: kmalloc: call_site=lsm_blob_alloc+0x3b/0x60
 *       ptr=000000001937b7ba bytes_req=11 bytes_alloc=16 gfp_flags=GFP_KERNEL|__GFP_ZERO node=-1 accounted=true
 *
 * (one line).  Six events are replayed: kmalloc, kfree, kmem_cache_alloc,
 * kmem_cache_free, mm_page_alloc, mm_page_free (and the older kmalloc_node
 * and kmem_cache_alloc_node spellings); the other kmem events are counted
 * (not_replayed) and passed over.
 *
 *	struct kmm_replay_config cfg = KMM_REPLAY_DEFAULTS;
 *	struct kmm_replay *r = kmm_replay_create(&cfg);      (on a booted machine)
 *	kmm_replay_file(r, "sample.trace.zst");              (or kmm_replay_feed())
 *	kmm_replay_finish(r);                                 (frees what is still live)
 *	const struct kmm_replay_stats *st = kmm_replay_stats(r);
 *	kmm_replay_destroy(r);
 *
 * Input is chosen by content: trace-cmd's binary trace.dat (read through
 * libtracecmd and libtraceevent, the event formats taken from the file
 * itself), or text - tracefs's trace, trace-cmd report, perf script - plain
 * or zstd- or gzip-compressed: the first bytes fed decide.
 * Nothing in a trace can corrupt the machine: a line that does not parse, a
 * free of a pointer the trace never allocated, an impossible order or size is
 * counted (and, with cfg.strict, stops the replay), never acted on.
 */
#ifndef KMM_TRACE_H
#define KMM_TRACE_H

#include <stddef.h>
#include <kmm/gfp.h>
#include <kmm/mmzone.h>
#include <kmm/types.h>

/* ---- one line ------------------------------------------------------------------ */

enum kmm_trace_kind {
	KMM_TRACE_KMALLOC,          /* kmalloc, kmalloc_node */
	KMM_TRACE_KFREE,
	KMM_TRACE_CACHE_ALLOC,      /* kmem_cache_alloc, kmem_cache_alloc_node */
	KMM_TRACE_CACHE_FREE,
	KMM_TRACE_PAGE_ALLOC,       /* mm_page_alloc */
	KMM_TRACE_PAGE_FREE,        /* mm_page_free, mm_page_free_batched */
	KMM_TRACE_NR_KINDS
};

struct kmm_trace_event {
	enum kmm_trace_kind kind;
	int cpu;                    /* [NNN] of the line, -1 if the format has none */
	u64 ts_ns;                  /* the timestamp, in ns */
	u64 ptr;                    /* ptr= (or page= of a page event): the hashed pointer, 0 = NULL */
	u64 pfn;                    /* pfn= of a page event; ~0 if the line has none */
	unsigned long bytes_req;    /* bytes_req= */
	unsigned long bytes_alloc;  /* bytes_alloc=: what the real kernel gave */
	gfp_t gfp;                  /* gfp_flags=, as kmm's (Linux 6.1) bits */
	int node;                   /* node=, NUMA_NO_NODE (-1) when absent */
	unsigned int order;         /* order= of a page event */
	int migratetype;            /* migratetype= of mm_page_alloc, -1 when absent */
	const char *name;           /* name= of a cache event, inside the line (not NUL-terminated) */
	size_t name_len;            /* 0: the line has no name= */
};

enum kmm_trace_parse_result {
	KMM_TRACE_EVENT = 0,        /* *ev holds an event */
	KMM_TRACE_SKIP = 1,         /* a blank line or a "#" header line */
	KMM_TRACE_UNKNOWN = 2,      /* a well-formed line of an event kmm does not know */
	KMM_TRACE_NOT_REPLAYED = 3, /* a kmem event that allocates nothing of its own (mm_page_free_batched,
				       mm_page_alloc_zone_locked, mm_page_pcpu_drain, mm_page_alloc_extfrag, rss_stat),
				       or a vmscan: event (reclaim's own account: mm_vmscan_*, mm_shrink_slab_*) */
	KMM_TRACE_MALFORMED = -1,   /* not an event line, or a field is missing or bad: why says which */
};

/*
 * Parse one line (without its '\n'; it need not be NUL-terminated and may
 * hold any bytes).  why (may be NULL) receives the reason for MALFORMED and
 * the event name for UNKNOWN.
 */
enum kmm_trace_parse_result kmm_trace_parse_line(const char *line, size_t len, struct kmm_trace_event *ev,
						 char *why, size_t whylen);

/* "kmalloc", "kfree", ... */
const char *kmm_trace_kind_name(enum kmm_trace_kind kind);

/* ---- replay -------------------------------------------------------------------- */

struct kmm_replay_config {
	bool strict;                /* stop at the first malformed or unknown line */
	unsigned long sample_every; /* events between two samples of the free lists (0: 1024) */
	/* called by kmm_replay_finish() at the end of the input, before the live allocations are freed */
	void (*at_end)(void *arg);
	void *at_end_arg;
	/* replay a trace.dat whose page size or pointer width differs from the machine's (else refused) */
	bool allow_mismatch;
};

#define KMM_REPLAY_DEFAULTS { .sample_every = 1024 }

#define KMM_REPLAY_MAX_PROBLEMS 8   /* problem lines remembered (all are counted) */
#define KMM_REPLAY_NAME_MAX 64
#define KMM_REPLAY_MAX_ZONES 32     /* zones sampled (nodes x zone types) */

struct kmm_replay_problem {
	unsigned long line;         /* 1-based line number in the (decompressed) input */
	char what[160];             /* what was wrong, or what was expected */
};

/* Per cache: a traced kmem_cache (by its name), or a kmalloc class kmm used. */
struct kmm_replay_cache {
	char name[KMM_REPLAY_NAME_MAX]; /* the traced name, or kmm's kmalloc cache name */
	bool kmalloc;               /* a kmalloc class (kmm's), not a traced cache */
	unsigned long allocs, frees, failures;
	unsigned long live, peak;   /* objects the trace holds now, and at most */
	unsigned long bytes_req;    /* traced object size (named caches) */
	unsigned long kernel_bytes; /* bytes_alloc the real kernel gave (last seen) */
	unsigned long kmm_bytes;    /* bytes_alloc kmm gave (last seen) */
	unsigned long agree;        /* allocations where the two were the same */
};

/* The free lists of every populated zone, at one point of the replay. */
struct kmm_replay_sample {
	unsigned long event;        /* events replayed so far */
	u64 ts_ns;                  /* timestamp of the last one */
	unsigned long slab_pages;   /* pages in slabs and large kmallocs */
	unsigned long (*nr_free)[MAX_ORDER]; /* [zone][order]: blocks free (zones as kmm_replay_stats.zones) */
};

struct kmm_replay_zone {
	int nid;
	const char *name;           /* "DMA", "Normal", ... */
};

struct kmm_replay_stats {
	unsigned long lines;        /* lines read */
	unsigned long events;       /* events replayed */
	unsigned long by_kind[KMM_TRACE_NR_KINDS];
	unsigned long malformed, unknown;
	unsigned long not_replayed;      /* kmem events that allocate nothing of their own (KMM_TRACE_NOT_REPLAYED) */
	struct kmm_replay_problem problems[KMM_REPLAY_MAX_PROBLEMS]; /* the first few, in line order */
	unsigned int nr_problems;
	char input_error[200];      /* decompression error or truncated input, "" if none */

	/* pairing */
	unsigned long unmatched_frees;   /* frees of pointers the trace did not allocate */
	unsigned long null_frees;        /* kfree(NULL) and the like */
	unsigned long kernel_failures;   /* allocations the real kernel failed (ptr/page NULL) */
	unsigned long duplicate_allocs;  /* a live pointer allocated again: the old one is freed first */
	unsigned long order_mismatches;  /* mm_page_free with another order than the allocation */
	unsigned long alloc_failures[KMM_TRACE_NR_KINDS]; /* kmm failed where the kernel did not */

	/* agreement: kmalloc and kmem_cache_alloc requests kmm satisfied */
	unsigned long agree_kmalloc, total_kmalloc;
	unsigned long agree_cache, total_cache;

	struct kmm_replay_cache *caches; /* traced caches in first-use order, then kmalloc classes */
	unsigned int nr_caches;

	unsigned long slab_pages_peak;   /* sampled */
	unsigned long page_allocs_live_peak; /* pages (not blocks) the trace held through mm_page_alloc */

	struct kmm_replay_zone zones[KMM_REPLAY_MAX_ZONES]; /* populated zones, node by node */
	unsigned int nr_zones;
	struct kmm_replay_sample *samples;
	unsigned long nr_samples;

	/* the end: kmm_replay_finish() */
	unsigned long live_at_end;       /* allocations still live when the trace ended (then freed) */
	unsigned long free_pages_start, free_pages_end; /* settled: pcp lists drained, empty slabs shrunk */
	bool nothing_lost;               /* kmm_nothing_lost() against the start, every cache empty */
	char lost_why[160];              /* what was lost, when !nothing_lost */
	unsigned long bugs;              /* kernel BUG/WARNING reports (slab, bad page, oops) during the replay */
	double seconds;                  /* wall time of feed + finish */
	u64 first_ts_ns, last_ts_ns;

	/* what the trace says of itself, and what it could not say */
	const char *input_format;        /* "text", "zstd text", "gzip text", "trace.dat" (NULL before any input) */
	char kernel_release[96];         /* trace.dat: the recording kernel's uname ("" if the file has none) */
	unsigned int trace_page_size;    /* trace.dat: the recording kernel's page size (0: unknown) */
	unsigned int trace_long_size;    /* trace.dat: bytes of its long and pointer (0: unknown) */
	unsigned int trace_cpus;         /* highest CPU an event names + 1 */
	unsigned long events_lost;       /* events a full ring buffer dropped, as the trace reports them */
	unsigned long lost_gaps;         /* places where it dropped an unknown number */
	bool refused;                    /* the trace's page size or pointer width is not the machine's */
	unsigned long events_on_cpu[KMM_MAX_CPUS]; /* events run on each simulated CPU (the trace's CPU
						      modulo the machine's; without one, the replay's) */
};

struct kmm_replay;

/* A replay on the booted machine; NULL (errno) if none is booted or no memory. */
struct kmm_replay *kmm_replay_create(const struct kmm_replay_config *cfg);
/*
 * Feed the next bytes of the input (text, or a zstd/gzip stream: the first
 * bytes decide).  0, or -1 when the replay stopped: a --strict problem
 * (stats problems[]) or a broken compressed stream (stats input_error).
 */
int kmm_replay_feed(struct kmm_replay *r, const void *data, size_t len);
/* Feed a whole file; -1 with err set if it cannot be read, else as kmm_replay_feed. */
int kmm_replay_file(struct kmm_replay *r, const char *path, char *err, size_t errlen);
/*
 * End of input: the last line, then free everything still live, destroy the
 * traced caches and check that nothing was lost.  0, or -1 if the input ended
 * badly (a truncated compressed stream) in strict mode.
 */
int kmm_replay_finish(struct kmm_replay *r);
const struct kmm_replay_stats *kmm_replay_stats(const struct kmm_replay *r);
void kmm_replay_destroy(struct kmm_replay *r);

/* Linux's unusable free index (debugfs extfrag/unusable_index), in thousandths, of a sample. */
int kmm_replay_unusable_index(const struct kmm_replay_sample *s, unsigned int zone, unsigned int order);

/* ---- kmm's own tracepoints (src/trace/tracepoint.c) ------------------------------ */

/*
 * The booted machine records the kmem: events in Linux 6.1's format:
 * kmalloc, kfree, kmem_cache_alloc, kmem_cache_free, mm_page_alloc,
 * mm_page_free, mm_page_free_batched, mm_page_alloc_zone_locked,
 * mm_page_pcpu_drain, mm_page_alloc_extfrag, rss_stat; and the vmscan:
 * events of reclaim: mm_vmscan_kswapd_sleep, mm_vmscan_kswapd_wake,
 * mm_vmscan_wakeup_kswapd, mm_vmscan_direct_reclaim_begin,
 * mm_vmscan_direct_reclaim_end, mm_vmscan_lru_isolate,
 * mm_vmscan_write_folio, mm_vmscan_lru_shrink_inactive,
 * mm_vmscan_lru_shrink_active, mm_vmscan_node_reclaim_begin/end; the
 * compaction: events (mm_compaction_begin/end, _isolate_migratepages/
 * _freepages, _migratepages, _try_to_compact_pages, _suitable, _finished,
 * _deferred, _defer_compaction, _defer_reset, _kcompactd_sleep/_wake,
 * _wakeup_kcompactd) and the migrate: ones (mm_migrate_pages,
 * mm_migrate_pages_start, set_migration_pte, remove_migration_pte).  They are
 * enabled by trace_event= on the command line, by the scenario's `trace
 * on`, by writing sys/kernel/tracing/set_event or events/SYSTEM/enable or
 * events/SYSTEM/EVENT/enable with kmm_proc_write(), or here; the trace is
 * read as the view sys/kernel/tracing/trace, and kmm_replay reads it back
 * (passing the vmscan, compaction and migrate events over).
 *
 * events: words separated by commas or blanks, each "SYSTEM:EVENT",
 * "SYSTEM", "SYSTEM:*", "EVENT" or "*:EVENT" (SYSTEM kmem, vmscan,
 * compaction or migrate), with a leading '!' to turn the event off (NULL:
 * the whole kmem system).
 */
/* Parse events into the event bits to set and to clear; -EINVAL with the first unknown word in bad. */
int kmm_trace_parse_events(const char *events, unsigned long long *set, unsigned long long *clear, char *bad,
			   size_t badlen);
/* Turn the events on or off: 0, -EINVAL (an unknown word: nothing changed), -ENODEV (no machine), -ENOMEM. */
int kmm_trace_enable(const char *events, bool on);
/* Empty the ring buffer (the entries-written count starts again). */
void kmm_trace_clear(void);

#endif /* KMM_TRACE_H */
