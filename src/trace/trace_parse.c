/*
 * trace_parse.c - one line of a Linux ftrace `kmem:` text trace into a
 * struct kmm_trace_event, and gfp_flags= values into kmm's gfp_t.
 *
 * The layouts a line comes in (one line each; the tools differ only in
 * what precedes the event name):
 *
 *   tracefs "trace":  <comm>-<pid> [<cpu>] <irq flags> <secs>.<usecs>: <event>: <fields>
 *   trace-cmd report: <comm>-<pid> [<cpu>] <secs>.<usecs>: <event>: <fields>
 *                     (after a first line "cpus=N"; its kmem plugin adds the call
 *                     site's symbol in parentheses, "call_site=ffff... (func+0x1c)",
 *                     a token passed over)
 *   perf script:      <comm> <pid> [<cpu>] <secs>.<usecs>: kmem:<event>: <fields>
 *
 * A comm may hold spaces, dashes and colons ("kworker/u4:2"), so the line is
 * anchored on its timestamp: the first token of digits, one dot and digits
 * that ends in ": ".  The event name follows it; "kmem:" or "vmscan:" in
 * front (perf) is dropped.  Fields are space-separated key=value pairs in the order
 * include/trace/events/kmem.h prints them; this parser takes them by key,
 * so fields it does not use (call_site, accounted) and fields a newer kernel
 * adds are passed over, and a missing field it needs makes the line
 * malformed.  What it reads, by event (6.1 formats; older kernels lack node=,
 * accounted= and name=, and print pfn= in decimal):
 *
 *   kmalloc           ptr bytes_req bytes_alloc gfp_flags [node]
 *   kfree             ptr
 *   kmem_cache_alloc  ptr [name] bytes_req bytes_alloc gfp_flags [node]
 *   kmem_cache_free   ptr [name]
 *   mm_page_alloc     page|pfn order gfp_flags [migratetype]
 *   mm_page_free      page|pfn order
 *
 * The kmem events that allocate and free nothing of their own
 * (mm_page_free_batched, which repeats an mm_page_free, mm_page_alloc_zone_locked,
 * mm_page_pcpu_drain, mm_page_alloc_extfrag, rss_stat) are KMM_TRACE_NOT_REPLAYED:
 * known, their fields not read.
 *
 * Numbers are read by lib/kstrtox.c's kmm_parse_integer() with their lengths
 * bounded (a line need not be NUL-terminated and may be garbage): no strtol,
 * no sscanf; a value too large for its field (bytes_req=18446744073709551616)
 * is a malformed line that says so, never a wrapped number.  The parser
 * keeps no state apart from a small per-thread memo of gfp_flags strings,
 * since a trace repeats a handful of them hundreds of thousands of times.
 */
#include "internal.h"

#include <limits.h>

#include <kmm/kstrtox.h>
#include <kmm/trace.h>

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static void set_why(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_why(char *why, size_t whylen, const char *fmt, ...)
{
	if (!why || !whylen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/* Printable excerpt of untrusted bytes for a message: at most 40, others as '?'. */
static const char *excerpt(const char *s, size_t len, char *buf, size_t buflen)
{
	size_t n = 0;
	for (; n < len && n + 4 < buflen && n < 40; n++)
		buf[n] = (s[n] >= 0x20 && s[n] < 0x7f) ? s[n] : '?';
	if (n < len && n + 4 < buflen) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = 0;
	return buf;
}

/* ---- numbers ----------------------------------------------------------------------- */

/*
 * The readers below are lib/kstrtox.c's kmm_parse_integer() on a bounded
 * value: the whole value must be digits, and one that does not fit is
 * -ERANGE (said as such), never a wrapped or truncated number.  0 or -errno.
 */
static int parse_base(const char *s, size_t len, unsigned base, u64 *out)
{
	bool over = false;
	size_t n = kmm_parse_integer(s, len, base, out, &over);
	if (!n || n != len)
		return -EINVAL;
	return over ? -ERANGE : 0;
}

static int parse_dec(const char *s, size_t len, u64 *out)
{
	if (len && (s[0] < '0' || s[0] > '9'))
		return -EINVAL; /* no sign, no 0x */
	return parse_base(s, len, 10, out);
}

static int parse_hex(const char *s, size_t len, u64 *out)
{
	return parse_base(s, len, 16, out);
}

/* A %p value: at most 16 hex digits (perhaps 0x...), or "(null)" as old kernels print NULL, "(nil)" as libtraceevent does. */
static int parse_ptr(const char *s, size_t len, u64 *out)
{
	if ((len == 6 && !memcmp(s, "(null)", 6)) || (len == 5 && !memcmp(s, "(nil)", 5))) {
		*out = 0;
		return 0;
	}
	if (len - (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 2 : 0) > 16)
		return -EINVAL; /* no kernel prints a pointer wider than 64 bits */
	return parse_hex(s, len, out);
}

static int parse_int(const char *s, size_t len, int *out)
{
	bool neg = len && s[0] == '-';
	u64 v;
	int ret = parse_dec(s + neg, len - neg, &v);
	if (!ret && v > 0x7fffffffULL + neg)
		ret = -ERANGE;
	if (!ret)
		*out = neg ? (int)(-(long long)v) : (int)v;
	return ret;
}

/* ---- gfp flags ------------------------------------------------------------------------ */

/*
 * gfp_flags= values are read by gfp_flags_parse() (mm/page_alloc.c), the
 * library's one reader of Linux's gfp names, which also takes the bits of
 * later kernels that change nothing here and drops them.  This file adds
 * the message and, since a trace repeats a handful of strings hundreds of
 * thousands of times, a small per-thread memo in front of it.
 */
static int gfp_parse_uncached(const char *s, size_t len, gfp_t *out, char *why, size_t whylen)
{
	char buf[48];
	const char *bad = s;
	if (!len) {
		set_why(why, whylen, "gfp_flags: expected GFP_* names joined by '|', got nothing");
		return -EINVAL;
	}
	if (!gfp_flags_parse(s, len, out, &bad))
		return 0;
	size_t n = 0;
	while (bad + n < s + len && bad[n] != '|')
		n++;
	set_why(why, whylen, "gfp_flags: unknown flag \"%s\"", excerpt(bad, n, buf, sizeof(buf)));
	return -EINVAL;
}

/* The per-thread memo: direct-mapped by a hash of the length and the first and last 8 bytes. */
#define GFP_MEMO_SLOTS 64
#define GFP_MEMO_LEN 120

struct gfp_memo {
	unsigned char len;          /* 0: empty */
	char text[GFP_MEMO_LEN];
	gfp_t gfp;
};

static __thread struct gfp_memo gfp_memo[GFP_MEMO_SLOTS];

/* A gfp_flags= value into *out; 0, or -EINVAL naming the first bad flag in why. */
static int gfp_parse(const char *s, size_t len, gfp_t *out, char *why, size_t whylen)
{
	if (!len || len >= GFP_MEMO_LEN)
		return gfp_parse_uncached(s, len, out, why, whylen);
	/* the slot: from the length and the first and last (up to) 8 bytes; memcmp decides */
	u64 head = 0, tail = 0;
	memcpy(&head, s, min(len, (size_t)8));
	memcpy(&tail, s + len - min(len, (size_t)8), min(len, (size_t)8));
	u64 h = (head * 0x9e3779b97f4a7c15ULL) ^ (tail * 0xc2b2ae3d27d4eb4fULL) ^ len;
	struct gfp_memo *m = &gfp_memo[(h >> 58) % GFP_MEMO_SLOTS];
	if (m->len == len && !memcmp(m->text, s, len)) {
		*out = m->gfp;
		return 0;
	}
	int ret = gfp_parse_uncached(s, len, out, why, whylen);
	if (!ret) {
		memcpy(m->text, s, len);
		m->len = (unsigned char)len;
		m->gfp = *out;
	}
	return ret;
}

/* ---- the line ----------------------------------------------------------------------------- */

#define EVENT(name, kind) { name, sizeof(name) - 1, kind }
static const struct {
	const char *name;
	size_t len;
	enum kmm_trace_kind kind;
} trace_events[] = {
	EVENT("kmem_cache_alloc", KMM_TRACE_CACHE_ALLOC), /* the most frequent first */
	EVENT("kmem_cache_free", KMM_TRACE_CACHE_FREE),
	EVENT("kfree", KMM_TRACE_KFREE),
	EVENT("kmalloc", KMM_TRACE_KMALLOC),
	EVENT("mm_page_alloc", KMM_TRACE_PAGE_ALLOC),
	EVENT("mm_page_free", KMM_TRACE_PAGE_FREE),
	EVENT("kmalloc_node", KMM_TRACE_KMALLOC),
	EVENT("kmem_cache_alloc_node", KMM_TRACE_CACHE_ALLOC),
};
#undef EVENT

/*
 * The kmem events that record no allocation or free of their own:
 * mm_page_free_batched follows the mm_page_free of the same page (free_unref_page_list
 * emits both), mm_page_alloc_zone_locked and mm_page_pcpu_drain move pages between
 * the buddy and per-CPU lists, mm_page_alloc_extfrag a pageblock between migratetypes,
 * rss_stat is a process's counter.  Known, well-formed or not, never replayed.
 * So are the vmscan: events (every mm_vmscan_* and mm_shrink_slab_*, the
 * memcg and throttling ones kmm does not record too): reclaim's own
 * account, which a replay's allocations and frees make happen again; and
 * the compaction: and migrate: events (mm_compaction_*, mm_migrate_pages*,
 * set_migration_pte, remove_migration_pte), which move pages without
 * allocating or freeing any the trace names.
 */
static const char *const not_replayed_events[] = {
	"mm_page_free_batched", "mm_page_alloc_zone_locked", "mm_page_pcpu_drain", "mm_page_alloc_extfrag", "rss_stat",
	"set_migration_pte", "remove_migration_pte",
};

static const char *const kind_names[KMM_TRACE_NR_KINDS] = {
	[KMM_TRACE_KMALLOC] = "kmalloc",
	[KMM_TRACE_KFREE] = "kfree",
	[KMM_TRACE_CACHE_ALLOC] = "kmem_cache_alloc",
	[KMM_TRACE_CACHE_FREE] = "kmem_cache_free",
	[KMM_TRACE_PAGE_ALLOC] = "mm_page_alloc",
	[KMM_TRACE_PAGE_FREE] = "mm_page_free",
};

const char *kmm_trace_kind_name(enum kmm_trace_kind kind)
{
	return (unsigned)kind < KMM_TRACE_NR_KINDS ? kind_names[kind] : "?";
}

/* "<digits>.<digits>" ending just before s[end] == ':'; its start in *start. */
static bool timestamp_before(const char *s, size_t end, size_t *start, u64 *ns)
{
	size_t b = end, dot = 0;
	while (b > 0 && !is_space(s[b - 1]))
		b--;
	if (end - b < 3)
		return false;
	u64 sec = 0, frac = 0;
	int frac_digits = 0;
	for (size_t i = b; i < end; i++) {
		if (s[i] == '.') {
			if (dot)
				return false;
			dot = i;
			continue;
		}
		unsigned d = (unsigned)(s[i] - '0');
		if (d > 9)
			return false;
		if (!dot) {
			if (i - b >= 12)
				return false;
			sec = sec * 10 + d;
		} else if (frac_digits < 9) {
			frac = frac * 10 + d;
			frac_digits++;
		}
	}
	if (!dot || dot == b || dot == end - 1)
		return false;
	while (frac_digits++ < 9)
		frac *= 10;
	*start = b;
	*ns = sec * 1000000000ULL + frac;
	return true;
}

/* "[NNN]" somewhere before the timestamp: the CPU. */
static int cpu_before(const char *s, size_t end)
{
	for (size_t i = end; i-- > 0;) {
		if (s[i] != ']')
			continue;
		size_t j = i;
		int cpu = 0, digits = 0;
		while (j > 0 && s[j - 1] >= '0' && s[j - 1] <= '9' && digits < 6) {
			j--;
			digits++;
		}
		if (!digits || j == 0 || s[j - 1] != '[')
			return -1;
		for (size_t k = j; k < i; k++)
			cpu = cpu * 10 + (s[k] - '0');
		return cpu;
	}
	return -1;
}

/* Which fields a line had, and which its event needs. */
enum {
	F_PTR = 1 << 0,
	F_BYTES_REQ = 1 << 1,
	F_BYTES_ALLOC = 1 << 2,
	F_GFP = 1 << 3,
	F_ORDER = 1 << 4,
	F_PAGE = 1 << 5,
	F_PFN = 1 << 6,
};

static const unsigned needed_fields[KMM_TRACE_NR_KINDS] = {
	[KMM_TRACE_KMALLOC] = F_PTR | F_BYTES_REQ | F_BYTES_ALLOC | F_GFP,
	[KMM_TRACE_KFREE] = F_PTR,
	[KMM_TRACE_CACHE_ALLOC] = F_PTR | F_BYTES_REQ | F_BYTES_ALLOC | F_GFP,
	[KMM_TRACE_CACHE_FREE] = F_PTR,
	[KMM_TRACE_PAGE_ALLOC] = F_ORDER | F_GFP,
	[KMM_TRACE_PAGE_FREE] = F_ORDER,
};

static const char *const field_names[] = { "ptr", "bytes_req", "bytes_alloc", "gfp_flags", "order", "page", "pfn" };

#define KEY_IS(k, klen, lit) ((klen) == sizeof(lit) - 1 && !memcmp((k), (lit), sizeof(lit) - 1))

enum kmm_trace_parse_result kmm_trace_parse_line(const char *line, size_t len, struct kmm_trace_event *ev,
						 char *why, size_t whylen)
{
	char buf[48];
	size_t i = 0;
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n' || is_space(line[len - 1])))
		len--;
	while (i < len && is_space(line[i]))
		i++;
	if (i == len || line[i] == '#')
		return KMM_TRACE_SKIP;
	if (len - i > 5 && !memcmp(line + i, "cpus=", 5)) {
		/* trace-cmd report's first line: "cpus=N" */
		size_t d = i + 5;
		while (d < len && line[d] >= '0' && line[d] <= '9')
			d++;
		if (d == len && d > i + 5)
			return KMM_TRACE_SKIP;
	}

	/* the timestamp: the first "<secs>.<frac>: " */
	size_t ts_start = 0, colon = 0;
	u64 ts = 0;
	bool found = false;
	for (size_t c = i; c < len; c++) {
		const char *p = memchr(line + c, ':', len - c);
		if (!p)
			break;
		c = (size_t)(p - line);
		if (c + 1 < len && line[c + 1] == ' ' && timestamp_before(line, c, &ts_start, &ts)) {
			colon = c;
			found = true;
			break;
		}
	}
	if (!found) {
		set_why(why, whylen,
			"not a trace event line: expected \"TASK-PID [CPU] SECS.USECS: EVENT: FIELDS\", got \"%s\"",
			excerpt(line + i, len - i, buf, sizeof(buf)));
		return KMM_TRACE_MALFORMED;
	}

	/* the event name, up to ": " or the end */
	size_t e = colon + 1;
	while (e < len && is_space(line[e]))
		e++;
	size_t ee = e;
	while (ee < len && !is_space(line[ee]) && !(line[ee] == ':' && (ee + 1 == len || is_space(line[ee + 1]))))
		ee++;
	if (ee == e || ee == len || line[ee] != ':') {
		set_why(why, whylen, "expected \"EVENT: \" after the timestamp, got \"%s\"",
			excerpt(line + e, len - e, buf, sizeof(buf)));
		return KMM_TRACE_MALFORMED;
	}
	if (ee - e > 5 && !memcmp(line + e, "kmem:", 5)) /* perf: SYSTEM:EVENT */
		e += 5;
	else if (ee - e > 7 && !memcmp(line + e, "vmscan:", 7))
		e += 7;
	else if (ee - e > 11 && !memcmp(line + e, "compaction:", 11))
		e += 11;
	else if (ee - e > 8 && !memcmp(line + e, "migrate:", 8))
		e += 8;
	int kind = -1;
	for (size_t k = 0; k < ARRAY_SIZE(trace_events); k++) {
		if (trace_events[k].len == ee - e && !memcmp(trace_events[k].name, line + e, ee - e)) {
			kind = (int)trace_events[k].kind;
			break;
		}
	}
	if (kind < 0) {
		set_why(why, whylen, "%s", excerpt(line + e, ee - e, buf, sizeof(buf)));
		for (size_t k = 0; k < ARRAY_SIZE(not_replayed_events); k++)
			if (strlen(not_replayed_events[k]) == ee - e && !memcmp(not_replayed_events[k], line + e, ee - e))
				return KMM_TRACE_NOT_REPLAYED;
		if ((ee - e > 10 && !memcmp(line + e, "mm_vmscan_", 10)) ||
		    (ee - e > 15 && !memcmp(line + e, "mm_shrink_slab_", 15)) ||
		    (ee - e > 14 && !memcmp(line + e, "mm_compaction_", 14)) ||
		    (ee - e >= 16 && !memcmp(line + e, "mm_migrate_pages", 16)))
			return KMM_TRACE_NOT_REPLAYED;
		return KMM_TRACE_UNKNOWN;
	}

	*ev = (struct kmm_trace_event){
		.kind = (enum kmm_trace_kind)kind,
		.cpu = cpu_before(line, ts_start),
		.ts_ns = ts,
		.pfn = ~0ULL,
		.node = NUMA_NO_NODE,
		.migratetype = -1,
	};

	/* key=value fields */
	unsigned have = 0;
	for (size_t p = ee + 1; p < len;) {
		while (p < len && is_space(line[p]))
			p++;
		size_t ks = p;
		while (p < len && line[p] != '=' && !is_space(line[p]))
			p++;
		size_t klen = p - ks;
		if (klen > 1 && line[ks] == '(' && line[p - 1] == ')')
			continue; /* trace-cmd's kmem plugin: the call site's symbol after call_site= */
		if (p >= len || line[p] != '=') {
			if (klen) {
				set_why(why, whylen, "%s: expected key=value, got \"%s\"", kind_names[kind],
					excerpt(line + ks, klen, buf, sizeof(buf)));
				return KMM_TRACE_MALFORMED;
			}
			continue;
		}
		const char *k = line + ks, *v = line + ++p;
		/*
		 * A value runs to the next space (ftrace separates fields by one
		 * space, never a tab).  Most are short: look at a few bytes before
		 * paying for a memchr() call.
		 */
		const char *ve = v, *lend = line + len;
		while (ve < lend && ve < v + 16 && *ve != ' ')
			ve++;
		if (ve == v + 16 && !(ve = memchr(ve, ' ', (size_t)(lend - ve))))
			ve = lend;
		p = (size_t)(ve - line);
		size_t vlen = (size_t)(ve - v);
		u64 n = 0;
		int bad = 0;
		if (KEY_IS(k, klen, "ptr")) {
			bad = parse_ptr(v, vlen, &ev->ptr);
			have |= F_PTR;
		} else if (KEY_IS(k, klen, "bytes_req")) {
			bad = parse_dec(v, vlen, &n);
			if (!bad && n > ULONG_MAX)
				bad = -ERANGE;
			ev->bytes_req = (unsigned long)n;
			have |= F_BYTES_REQ;
		} else if (KEY_IS(k, klen, "bytes_alloc")) {
			bad = parse_dec(v, vlen, &n);
			if (!bad && n > ULONG_MAX)
				bad = -ERANGE;
			ev->bytes_alloc = (unsigned long)n;
			have |= F_BYTES_ALLOC;
		} else if (KEY_IS(k, klen, "gfp_flags")) {
			if (gfp_parse(v, vlen, &ev->gfp, why, whylen))
				return KMM_TRACE_MALFORMED;
			have |= F_GFP;
		} else if (KEY_IS(k, klen, "node")) {
			bad = parse_int(v, vlen, &ev->node);
		} else if (KEY_IS(k, klen, "name")) {
			ev->name = v;
			ev->name_len = vlen;
		} else if (KEY_IS(k, klen, "page")) {
			bad = parse_ptr(v, vlen, &ev->ptr);
			have |= F_PAGE;
		} else if (KEY_IS(k, klen, "pfn")) {
			/* 0x%lx since 5.x, %lu before */
			bad = (vlen > 2 && v[1] == 'x') ? parse_hex(v, vlen, &ev->pfn) : parse_dec(v, vlen, &ev->pfn);
			have |= F_PFN;
		} else if (KEY_IS(k, klen, "order")) {
			int o = 0;
			bad = parse_int(v, vlen, &o);
			if (!bad && o < 0)
				bad = -EINVAL;
			ev->order = bad ? 0 : (unsigned)o;
			have |= F_ORDER;
		} else if (KEY_IS(k, klen, "migratetype")) {
			bad = parse_int(v, vlen, &ev->migratetype);
		}
		if (bad) {
			set_why(why, whylen, "%s: bad value for %.*s=: \"%s\"%s", kind_names[kind], (int)klen, k,
				excerpt(v, vlen, buf, sizeof(buf)),
				bad != -ERANGE ? ""
				: KEY_IS(k, klen, "bytes_req") || KEY_IS(k, klen, "bytes_alloc") ? " (too large for an unsigned long)"
				: KEY_IS(k, klen, "node") || KEY_IS(k, klen, "order") || KEY_IS(k, klen, "migratetype")
				? " (out of an int's range)" : " (too large for 64 bits)");
			return KMM_TRACE_MALFORMED;
		}
	}
	unsigned need = needed_fields[kind];
	unsigned missing = need & ~have;
	if (ev->kind >= KMM_TRACE_PAGE_ALLOC && !(have & (F_PAGE | F_PFN)))
		missing |= F_PFN;
	if (missing) {
		int f = __builtin_ctz(missing);
		set_why(why, whylen, "%s: expected %s=%s", kind_names[kind], field_names[f],
			f == 3 ? "GFP_..." : f == 0 || f == 5 ? "HEX" : f == 6 ? "0xHEX" : "N");
		return KMM_TRACE_MALFORMED;
	}
	if (ev->kind >= KMM_TRACE_PAGE_ALLOC && ev->order >= MAX_ORDER) {
		set_why(why, whylen, "%s: order=%u: expected 0..%d", kind_names[kind], ev->order, MAX_ORDER - 1);
		return KMM_TRACE_MALFORMED;
	}
	if ((ev->kind == KMM_TRACE_CACHE_ALLOC || ev->kind == KMM_TRACE_CACHE_FREE) && ev->name_len >= KMM_REPLAY_NAME_MAX) {
		set_why(why, whylen, "%s: name= longer than %d bytes", kind_names[kind], KMM_REPLAY_NAME_MAX - 1);
		return KMM_TRACE_MALFORMED;
	}
	return KMM_TRACE_EVENT;
}
