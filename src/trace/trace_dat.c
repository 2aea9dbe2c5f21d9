/*
 * trace_dat.c - reading trace-cmd's binary trace.dat for the replay.
 *
 * A trace.dat holds, besides the raw ring-buffer pages of every CPU, the
 * formats of the events as the recording kernel described them
 * (events/SYSTEM/EVENT/format), its page size and the size of its long,
 * its uname and the ring buffer's statistics per CPU.  libtracecmd opens
 * the file and merges the CPUs' records into time order; libtraceevent
 * reads a field of a record by the offsets and sizes the file's own format
 * gives, so a kernel that moved, widened or added a field is read right.
 *
 *   trace.dat --tracecmd_iterate_events--> record (cpu, ts, raw bytes)
 *      --event id--> one of the six replayed kmem events ? fields by name --> event
 *                                                        : printed as text --> the text reader
 *
 * The six events (kmalloc, kfree, kmem_cache_alloc, kmem_cache_free,
 * mm_page_alloc, mm_page_free) are read field by field, never printed.
 * Their gfp_flags are the recording kernel's bits, which need not be 6.1's:
 * kmm takes their meaning from the names the kernel prints for them (the
 * format's __print_flags table, applied by libtraceevent).  The first record
 * with a given raw gfp value of an event is printed and read by the text
 * parser; the value it gives is remembered for the rest.  Every other
 * record - another kmem event, an event kmm does not know, one whose format
 * lacks a field kmm needs (an older kernel's layout) - is printed as a text
 * line and goes the way a line of `trace-cmd report` goes.  So a trace.dat
 * and the text printed from it replay alike, the binary one faster.
 *
 * What the file says of itself goes into the stats: page size, pointer
 * width, uname, and events lost to a full ring buffer (per record, the
 * count the buffer page carries; per CPU, the overrun in the file's
 * statistics).  A page size or pointer width other than the machine's
 * refuses the replay unless the config allows it: the traced pfns, orders
 * and sizes were chosen for the recording machine.
 */
#include "internal.h"

#include <unistd.h>

#include <trace-cmd.h>

#include "trace/replay_internal.h"

/* Exported by libtracecmd, declared only in trace-cmd's private header. */
const char *tracecmd_get_uname(struct tracecmd_input *handle);
const char *tracecmd_get_cpustats(struct tracecmd_input *handle);
int tracecmd_page_size(struct tracecmd_input *handle);
int tracecmd_long_size(struct tracecmd_input *handle);

#define GFP_CACHE_SLOTS 64      /* distinct raw gfp values remembered per event (a trace has a few dozen) */

enum dat_field { F_PTR, F_PFN, F_BYTES_REQ, F_BYTES_ALLOC, F_GFP, F_NODE, F_ORDER, F_MIGRATETYPE, F_NAME, NR_FIELDS };

static const char *const dat_field_name[NR_FIELDS] = {
	"ptr", "pfn", "bytes_req", "bytes_alloc", "gfp_flags", "node", "order", "migratetype", "name",
};

/* What each kind needs (without it the record is read as text); node, migratetype and name may be absent. */
static const unsigned kind_needs[KMM_TRACE_NR_KINDS] = {
	[KMM_TRACE_KMALLOC] = 1u << F_PTR | 1u << F_BYTES_REQ | 1u << F_BYTES_ALLOC | 1u << F_GFP,
	[KMM_TRACE_KFREE] = 1u << F_PTR,
	[KMM_TRACE_CACHE_ALLOC] = 1u << F_PTR | 1u << F_BYTES_REQ | 1u << F_BYTES_ALLOC | 1u << F_GFP,
	[KMM_TRACE_CACHE_FREE] = 1u << F_PTR,
	[KMM_TRACE_PAGE_ALLOC] = 1u << F_PFN | 1u << F_ORDER | 1u << F_GFP,
	[KMM_TRACE_PAGE_FREE] = 1u << F_PFN | 1u << F_ORDER,
};

struct gfp_slot {
	unsigned long long raw;
	gfp_t gfp;
	bool used;
};

/* One event id of the file that kmm reads field by field. */
struct dat_event {
	int id;
	enum kmm_trace_kind kind;
	struct tep_event *event;
	struct tep_format_field *field[NR_FIELDS];
	struct gfp_slot gfp[GFP_CACHE_SLOTS];
};

struct dat_reader {
	struct kmm_replay *r;
	struct tracecmd_input *in;
	struct tep_handle *tep;
	struct dat_event ev[8];
	unsigned nr_ev;
	struct trace_seq seq;
	char *line;
	size_t line_cap;
	int long_bits;
};

static const struct {
	const char *name;
	enum kmm_trace_kind kind;
} dat_kinds[] = {
	{ "kmalloc", KMM_TRACE_KMALLOC },
	{ "kmalloc_node", KMM_TRACE_KMALLOC },
	{ "kfree", KMM_TRACE_KFREE },
	{ "kmem_cache_alloc", KMM_TRACE_CACHE_ALLOC },
	{ "kmem_cache_alloc_node", KMM_TRACE_CACHE_ALLOC },
	{ "kmem_cache_free", KMM_TRACE_CACHE_FREE },
	{ "mm_page_alloc", KMM_TRACE_PAGE_ALLOC },
	{ "mm_page_free", KMM_TRACE_PAGE_FREE },
};

static void dat_events_init(struct dat_reader *d)
{
	for (size_t i = 0; i < sizeof(dat_kinds) / sizeof(dat_kinds[0]); i++) {
		struct tep_event *e = tep_find_event_by_name(d->tep, "kmem", dat_kinds[i].name);
		if (!e)
			continue;
		struct dat_event *de = &d->ev[d->nr_ev];
		memset(de, 0, sizeof(*de));
		unsigned have = 0;
		for (int f = 0; f < NR_FIELDS; f++) {
			de->field[f] = tep_find_field(e, dat_field_name[f]);
			if (de->field[f])
				have |= 1u << f;
		}
		if ((have & kind_needs[dat_kinds[i].kind]) != kind_needs[dat_kinds[i].kind])
			continue; /* an older layout: its records are read as text */
		de->id = e->id;
		de->kind = dat_kinds[i].kind;
		de->event = e;
		d->nr_ev++;
	}
}

static struct dat_event *dat_event_of(struct dat_reader *d, int id)
{
	for (unsigned i = 0; i < d->nr_ev; i++)
		if (d->ev[i].id == id)
			return &d->ev[i];
	return NULL;
}

/* The record as one line of trace-cmd report: "<comm>-<pid> [cpu] secs.usecs: event: fields". */
static const char *dat_print(struct dat_reader *d, struct tep_record *rec, size_t *len)
{
	trace_seq_reset(&d->seq);
	tep_print_event(d->tep, &d->seq, rec, "%s-%d [%03d] %6.1000d: %s: %s", TEP_PRINT_COMM, TEP_PRINT_PID,
			TEP_PRINT_CPU, TEP_PRINT_TIME, TEP_PRINT_NAME, TEP_PRINT_INFO);
	trace_seq_terminate(&d->seq);
	*len = strnlen(d->seq.buffer, d->seq.len);
	return d->seq.buffer;
}

static bool dat_number(struct dat_event *de, enum dat_field f, struct tep_record *rec, unsigned long long *v)
{
	return de->field[f] && !tep_read_number_field(de->field[f], rec->data, v);
}

static long long sign_extend(unsigned long long v, int size)
{
	if (size >= 8)
		return (long long)v;
	unsigned long long sign = 1ULL << (size * 8 - 1);
	v &= (sign << 1) - 1;
	return (long long)((v ^ sign) - sign);
}

/* The kmm gfp for a raw value: remembered, or read once from the record as the kernel prints it. */
static bool dat_gfp(struct dat_reader *d, struct dat_event *de, struct tep_record *rec, unsigned long long raw,
		    gfp_t *gfp)
{
	unsigned h = (unsigned)((raw * 0x9e3779b97f4a7c15ULL) >> 58) % GFP_CACHE_SLOTS;
	for (unsigned i = 0; i < GFP_CACHE_SLOTS; i++) {
		struct gfp_slot *s = &de->gfp[(h + i) % GFP_CACHE_SLOTS];
		if (s->used && s->raw == raw) {
			*gfp = s->gfp;
			return true;
		}
		if (!s->used)
			break;
	}
	size_t len;
	const char *line = dat_print(d, rec, &len);
	struct kmm_trace_event ev;
	if (kmm_trace_parse_line(line, len, &ev, NULL, 0) != KMM_TRACE_EVENT)
		return false;
	*gfp = ev.gfp;
	for (unsigned i = 0; i < GFP_CACHE_SLOTS; i++) {
		struct gfp_slot *s = &de->gfp[(h + i) % GFP_CACHE_SLOTS];
		if (!s->used) {
			*s = (struct gfp_slot){ .raw = raw, .gfp = ev.gfp, .used = true };
			break;
		}
	}
	return true;
}

/* Fill ev from the record's fields; false: read it as text instead. */
static bool dat_event_read(struct dat_reader *d, struct dat_event *de, struct tep_record *rec,
			   struct kmm_trace_event *ev)
{
	unsigned long long v;
	memset(ev, 0, sizeof(*ev));
	ev->kind = de->kind;
	ev->cpu = rec->cpu;
	ev->ts_ns = (rec->ts + 500) / 1000 * 1000; /* the text's microseconds, rounded as it prints them */
	ev->pfn = ~0ULL;
	ev->node = -1;
	ev->migratetype = -1;
	if (de->field[F_PTR]) {
		if (!dat_number(de, F_PTR, rec, &v))
			return false;
		ev->ptr = v;
	}
	if (de->field[F_PFN] && (de->kind == KMM_TRACE_PAGE_ALLOC || de->kind == KMM_TRACE_PAGE_FREE)) {
		if (!dat_number(de, F_PFN, rec, &v))
			return false;
		/* -1UL of the recording kernel: no page (a failed allocation) */
		bool none = d->long_bits < 64 ? v == 0xffffffffULL : v == ~0ULL;
		ev->pfn = none ? ~0ULL : v;
		ev->ptr = 0;
	}
	if (dat_number(de, F_BYTES_REQ, rec, &v))
		ev->bytes_req = (unsigned long)v;
	if (dat_number(de, F_BYTES_ALLOC, rec, &v))
		ev->bytes_alloc = (unsigned long)v;
	if (dat_number(de, F_ORDER, rec, &v))
		ev->order = (unsigned int)v;
	if (dat_number(de, F_NODE, rec, &v))
		ev->node = (int)sign_extend(v, de->field[F_NODE]->size);
	if (dat_number(de, F_MIGRATETYPE, rec, &v))
		ev->migratetype = (int)sign_extend(v, de->field[F_MIGRATETYPE]->size);
	if (de->field[F_NAME]) {
		int len = 0;
		const char *name = tep_get_field_raw(&d->seq, de->event, "name", rec, &len, 0);
		if (!name || len < 0)
			return false;
		ev->name = name;
		ev->name_len = strnlen(name, (size_t)len);
	}
	if (de->field[F_GFP]) {
		if (!dat_number(de, F_GFP, rec, &v) || !dat_gfp(d, de, rec, v, &ev->gfp))
			return false;
	}
	return true;
}

static int dat_record(struct tracecmd_input *in, struct tep_record *rec, int cpu, void *arg)
{
	struct dat_reader *d = arg;
	struct kmm_replay_stats *st = replay_stats_rw(d->r);
	if (rec->missed_events > 0)
		st->events_lost += (unsigned long)rec->missed_events;
	else if (rec->missed_events < 0)
		st->lost_gaps++;
	struct dat_event *de = dat_event_of(d, tep_data_type(d->tep, rec));
	struct kmm_trace_event ev;
	if (de && dat_event_read(d, de, rec, &ev)) {
		st->lines++;
		replay_event(d->r, &ev);
	} else {
		size_t len;
		const char *line = dat_print(d, rec, &len);
		replay_text_line(d->r, line, len);
	}
	return replay_stopped(d->r) ? 1 : 0;
}

/* "overrun: N" of every CPU in the file's ring-buffer statistics: events the buffer wrote over. */
static unsigned long cpustats_overrun(const char *stats)
{
	unsigned long sum = 0;
	for (const char *p = stats; p && (p = strstr(p, "overrun:")); ) {
		p += 8;
		while (*p == ' ')
			p++;
		unsigned long n = 0;
		while (*p >= '0' && *p <= '9' && n < (1UL << 58))
			n = n * 10 + (unsigned long)(*p++ - '0');
		sum += n;
	}
	return sum;
}

int trace_dat_replay_fd(struct kmm_replay *r, int fd)
{
	struct kmm_replay_stats *st = replay_stats_rw(r);
	if (!st->input_format || !strstr(st->input_format, "trace.dat"))
		st->input_format = "trace.dat"; /* a compressed one keeps its "zstd trace.dat" */
	int own = dup(fd); /* tracecmd_close() closes the descriptor it was given */
	if (own < 0) {
		replay_input_error(r, "trace.dat: %s", strerror(errno));
		return -1;
	}
	lseek(own, 0, SEEK_SET); /* a spooled file was written up to its end */
	tracecmd_set_loglevel(TEP_LOG_NONE);
	struct tracecmd_input *in = tracecmd_open_fd(own, TRACECMD_FL_LOAD_NO_PLUGINS | TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS);
	if (!in) {
		close(own);
		replay_input_error(r, "trace.dat: libtracecmd cannot read it (truncated, or a version it does not know)");
		return -1;
	}
	struct dat_reader d = { .r = r, .in = in, .tep = tracecmd_get_tep(in) };
	if (!d.tep) {
		tracecmd_close(in);
		replay_input_error(r, "trace.dat: no event formats in it");
		return -1;
	}
	tep_set_loglevel(TEP_LOG_NONE);
	const char *uname = tracecmd_get_uname(in);
	if (uname)
		snprintf(st->kernel_release, sizeof(st->kernel_release), "%s", uname);
	/* the file header's page size and long size are the recording kernel's */
	st->trace_page_size = (unsigned)tracecmd_page_size(in);
	st->trace_long_size = (unsigned)tracecmd_long_size(in);
	d.long_bits = (int)st->trace_long_size * 8;
	unsigned machine_long = (unsigned)M->prof->bits / 8;
	if ((st->trace_page_size != PAGE_SIZE || st->trace_long_size != machine_long) &&
	    !replay_config(r)->allow_mismatch) {
		st->refused = true;
		replay_input_error(r, "recorded with %u-byte pages and %u-bit pointers, the %s machine has %lu and %u: "
				   "not replayed unless the mismatch is allowed",
				   st->trace_page_size, st->trace_long_size * 8, M->prof->name, PAGE_SIZE, machine_long * 8);
		tracecmd_close(in);
		return -1;
	}
	trace_seq_init(&d.seq);
	dat_events_init(&d);
	tracecmd_iterate_events(in, NULL, 0, dat_record, &d);
	unsigned long overrun = cpustats_overrun(tracecmd_get_cpustats(in));
	if (overrun > st->events_lost)
		st->events_lost = overrun;
	trace_seq_destroy(&d.seq);
	tracecmd_close(in);
	return replay_stopped(r) ? -1 : 0;
}
