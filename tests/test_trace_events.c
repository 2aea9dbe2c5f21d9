/*
 * test_trace_events.c - kmm's own kmem: tracepoints: the trace file's
 * format on every profile (header, columns, %p widths, %pS call sites,
 * gfp names), enabling by trace_event= / set_event / enable files / the
 * scenario's trace statement, the ring buffer's overwrite mode, the round
 * trip through kmm replay, and the per-event-kind mix of a fork/exec/exit
 * scenario's trace against a real kernel's trace of shell commands
 * (tests/data/traces/sample-mixed.trace.zst).
 */
#define _GNU_SOURCE
#include "kmm_test.h"

#include <math.h>

#include <kmm/scenario.h>
#include <kmm/slab.h>
#include <kmm/task.h>
#include <kmm/trace.h>
#include <zstd.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(trace_events, .fini = fini, .timeout = 120);

static void boot_traced(const char *profile, const char *cmdline)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 1ULL << 30;
	p.cmdline = cmdline;
	boot_or_fail(&p);
}

static char *trace_text(void)
{
	char *t = kmm_proc_read("sys/kernel/tracing/trace");
	cr_assert_not_null(t, "sys/kernel/tracing/trace: %s", strerror(errno));
	return t;
}

/* The event lines of a trace (no '#' header), counted. */
static unsigned long event_lines(const char *t)
{
	unsigned long n = 0;
	for (const char *p = t; *p;) {
		const char *nl = strchr(p, '\n');
		if (*p != '#' && nl != p)
			n++;
		p = nl ? nl + 1 : p + strlen(p);
	}
	return n;
}

/* The line of the n-th (0-based) event named ev, or NULL; its end in *len. */
static const char *find_event(const char *t, const char *ev, int nth, size_t *len)
{
	char key[64];
	snprintf(key, sizeof(key), ": %s: ", ev);
	for (const char *p = t; (p = strstr(p, key)); p++) {
		if (nth-- > 0)
			continue;
		const char *b = p;
		while (b > t && b[-1] != '\n')
			b--;
		*len = strcspn(b, "\n");
		return b;
	}
	return NULL;
}

static void entries_header(const char *t, unsigned long *in, unsigned long *written, int *cpus)
{
	const char *h = strstr(t, "# entries-in-buffer/entries-written: ");
	cr_assert_not_null(h, "no entries header in:\n%.400s", t);
	cr_assert_eq(sscanf(h, "# entries-in-buffer/entries-written: %lu/%lu   #P:%d", in, written, cpus), 3, "%.80s", h);
}

/* The slab caller whose name the trace's call_site must show (no clone of it: "traced_kmalloc.constprop.0"). */
#ifdef __clang__
#define NOT_CLONED __attribute__((noinline))
#else
#define NOT_CLONED __attribute__((noipa))
#endif
static NOT_CLONED void *traced_kmalloc(size_t size, gfp_t gfp)
{
	void *p = kmalloc(size, gfp);
	__asm__ volatile("" ::: "memory"); /* no tail call: the call site is this function */
	return p;
}

/* ---- the format ------------------------------------------------------------------------------ */

static void format_on(const char *profile)
{
	boot_traced(profile, "trace_event=kmem");
	kmm_trace_clear();
	int w = strcmp(profile, "x86_64") && strcmp(profile, "arm64") ? 8 : 16; /* a 64-bit kernel's pointers */

	void *a = traced_kmalloc(100, GFP_KERNEL | __GFP_ZERO);
	cr_assert_not_null(a);
	struct kmem_cache *c = kmem_cache_create("trace_test", 200, 0, 0, NULL); /* 200 bytes: no cache to merge into */
	cr_assert_not_null(c);
	void *o = kmem_cache_alloc(c, GFP_KERNEL);
	cr_assert_not_null(o);
	struct page *pg = alloc_pages(GFP_HIGHUSER_MOVABLE, 2);
	cr_assert_not_null(pg);
	unsigned long pfn = page_to_pfn(pg);
	__free_pages(pg, 2);
	kmem_cache_free(c, o);
	kmem_cache_destroy(c);
	kfree(a);
	kfree(NULL);

	char *t = trace_text();
	static const char head[] = "# tracer: nop\n#\n# entries-in-buffer/entries-written: ";
	cr_assert(!strncmp(t, head, strlen(head)), "%.200s", t);
	cr_assert(strstr(t, "#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n"
			    "#              | |         |   |||||     |         |\n"));
	unsigned long in, written;
	int cpus;
	entries_header(t, &in, &written, &cpus);
	cr_assert_eq(in, event_lines(t));
	cr_assert_eq(in, written, "nothing was overwritten");
	cr_assert_eq(cpus, 1);

	/* kmalloc: the prefix's columns as tracefs prints them, then 6.1's fields */
	size_t len;
	const char *l = find_event(t, "kmalloc", 0, &len);
	cr_assert_not_null(l, "no kmalloc in:\n%s", t);
	char want[256];
	snprintf(want, sizeof(want), "          <idle>-0       [000] .....     0.000000: kmalloc: call_site=traced_kmalloc+0x");
	cr_assert(!strncmp(l, want, strlen(want)), "%.*s", (int)len, l);
	snprintf(want, sizeof(want), " ptr=%0*lx bytes_req=100 bytes_alloc=128 gfp_flags=GFP_KERNEL|__GFP_ZERO node=-1 accounted=false",
		 w, kmm_host_to_kva(a));
	cr_assert(strstr(l, want) && strstr(l, want) < l + len, "%.*s\nwanted %s", (int)len, l, want);

	/* kmem_cache_alloc has no name= in 6.1; bytes_req/bytes_alloc are the cache's object_size and size */
	int nth = 0;
	while ((l = find_event(t, "kmem_cache_alloc", nth++, &len)) && !memmem(l, len, "call_site=format_on+", 20))
		;
	cr_assert_not_null(l, "no kmem_cache_alloc from format_on in:\n%s", t);
	snprintf(want, sizeof(want), " ptr=%0*lx bytes_req=200 bytes_alloc=", w, kmm_host_to_kva(o));
	cr_assert(strstr(l, want) && strstr(l, want) < l + len && !memmem(l, len, "name=", 5), "%.*s", (int)len, l);
	cr_assert(!strncmp(l + len - 45, " gfp_flags=GFP_KERNEL node=-1 accounted=false", 45), "%.*s", (int)len, l);
	snprintf(want, sizeof(want), "ptr=%0*lx name=trace_test\n", w, kmm_host_to_kva(o));
	cr_assert(strstr(t, want), "no kmem_cache_free %s in:\n%s", want, t);
	snprintf(want, sizeof(want), "kfree: call_site=format_on+0x");
	cr_assert(strstr(t, want), "%s", t);
	snprintf(want, sizeof(want), " ptr=%0*lx\n", w, kmm_host_to_kva(a));
	cr_assert(strstr(t, want), "kfree of a: %s", want);
	snprintf(want, sizeof(want), " ptr=%0*x\n", w, 0);
	cr_assert(strstr(t, want), "kfree(NULL) is traced with ptr=0: %s", want);

	/* the pages: page= is the struct page's simulated address, pfn= in hex */
	snprintf(want, sizeof(want), " pfn=0x%lx order=2 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n", pfn);
	cr_assert(strstr(t, want), "%s in\n%s", want, t);
	snprintf(want, sizeof(want), " pfn=0x%lx order=2\n", pfn);
	cr_assert(strstr(t, want), "%s", want);
	l = find_event(t, "mm_page_alloc", 0, &len);
	cr_assert_not_null(l);
	const char *pg_at = strstr(l, "page=");
	cr_assert(pg_at && strspn(pg_at + 5, "0123456789abcdef") == (size_t)w, "%.*s", (int)len, l);

	/* every line is one kmm replay reads */
	for (const char *p = t; *p;) {
		size_t n = strcspn(p, "\n");
		struct kmm_trace_event ev;
		char why[160];
		enum kmm_trace_parse_result r = kmm_trace_parse_line(p, n, &ev, why, sizeof(why));
		cr_assert(r == KMM_TRACE_SKIP || r == KMM_TRACE_EVENT || r == KMM_TRACE_NOT_REPLAYED, "%d %s: %.*s", r,
			  why, (int)n, p);
		p += n + (p[n] ? 1 : 0);
	}
	free(t);
	assert_machine_sane();
}

TEST_ON_EVERY_PROFILE(trace_events, format, format_on)

/* ---- enabling ----------------------------------------------------------------------------------- */

Test(trace_events, off_unless_asked)
{
	boot_traced("i386", NULL);
	void *a = kmalloc(64, GFP_KERNEL);
	kfree(a);
	char *t = trace_text();
	unsigned long in, written;
	int cpus;
	entries_header(t, &in, &written, &cpus);
	cr_assert_eq(written, 0);
	free(t);
	char *en = kmm_proc_read("sys/kernel/tracing/events/kmem/enable");
	cr_assert_str_eq(en, "0\n");
	free(en);
	en = kmm_proc_read("sys/kernel/tracing/set_event");
	cr_assert_str_eq(en, "");
	free(en);

	/* an unknown word refuses the whole write and changes nothing */
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/set_event", "kmem:kmalloc kmem:kmalloc_node"), -EINVAL);
	cr_assert_eq(kmm_trace_enable("sched:sched_switch", true), -EINVAL);
	en = kmm_proc_read("sys/kernel/tracing/set_event");
	cr_assert_str_eq(en, "");
	free(en);

	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/set_event", "kmem:kmalloc,kfree"), 0);
	en = kmm_proc_read("sys/kernel/tracing/set_event");
	cr_assert_str_eq(en, "kmem:kfree\nkmem:kmalloc\n");
	free(en);
	en = kmm_proc_read("sys/kernel/tracing/events/kmem/enable");
	cr_assert_str_eq(en, "X\n");
	free(en);
	en = kmm_proc_read("sys/kernel/tracing/events/kmem/kmalloc/enable");
	cr_assert_str_eq(en, "1\n");
	free(en);
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/events/kmem/kfree/enable", "0"), 0);
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/events/kmem/kfree/enable", "2"), -EINVAL);
	a = kmalloc(64, GFP_KERNEL);
	kfree(a);
	/* tracing_on 0 stops recording without disabling */
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/tracing_on", "0"), 0);
	a = kmalloc(64, GFP_KERNEL);
	kfree(a);
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/tracing_on", "1"), 0);
	t = trace_text();
	entries_header(t, &in, &written, &cpus);
	cr_assert_eq(written, 1, "one kmalloc, its kfree off, then tracing_on 0:\n%s", t);
	size_t len;
	cr_assert_not_null(find_event(t, "kmalloc", 0, &len));
	free(t);
	/* writing the trace file empties it */
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/trace", ""), 0);
	t = trace_text();
	entries_header(t, &in, &written, &cpus);
	cr_assert_eq(written, 0);
	free(t);
	assert_machine_sane();
}

Test(trace_events, boot_parameter)
{
	boot_traced("i386", "trace_event=kmem:kmalloc,kmem:kmalloc_node,sched:sched_switch,!kmem:kfree trace_buf_size=64K");
	const char *log = kmm_dmesg();
	cr_assert(strstr(log, "Failed to enable trace event: kmem:kmalloc_node\n"), "%s", log);
	cr_assert(strstr(log, "Failed to enable trace event: sched:sched_switch\n"));
	char *en = kmm_proc_read("sys/kernel/tracing/set_event");
	cr_assert_str_eq(en, "kmem:kmalloc\n");
	free(en);
	en = kmm_proc_read("sys/kernel/tracing/buffer_size_kb");
	cr_assert_str_eq(en, "64\n");
	free(en);
	kmm_shutdown();
	boot_traced("i386", "trace_event=kmem:*");
	en = kmm_proc_read("sys/kernel/tracing/events/kmem/enable");
	cr_assert_str_eq(en, "1\n");
	free(en);
	kmm_shutdown();
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.cmdline = "trace_buf_size=lots";
	char err[256];
	cr_assert_neq(kmm_boot(&p, err, sizeof(err)), 0);
	cr_assert(strstr(err, "trace_buf_size=lots"), "%s", err);
}

/* A full ring drops its oldest page of events, never the newest event. */
Test(trace_events, overwrite_keeps_the_newest)
{
	boot_traced("i386", "trace_event=kmem:kmalloc,kmem:kfree trace_buf_size=8K");
	for (int i = 0; i < 1000; i++) {
		void *p = kmalloc(32 + (size_t)i % 64, GFP_KERNEL);
		cr_assert_not_null(p);
		kfree(p);
	}
	void *last = kmalloc(1000, GFP_KERNEL);
	kfree(last);
	char *t = trace_text();
	unsigned long in, written;
	int cpus;
	entries_header(t, &in, &written, &cpus);
	cr_assert_eq(written, 2002);
	cr_assert_lt(in, written);
	cr_assert_gt(in, 0);
	cr_assert_eq(in, event_lines(t));
	/* the ring holds whole pages: 8 KiB is 2 buffer pages and a partial third at most */
	cr_assert_leq(in * 128, 3 * 4096, "%lu entries in 8 KiB", in);
	char want[64];
	snprintf(want, sizeof(want), "bytes_req=1000 bytes_alloc=1024");
	cr_assert(strstr(t, want), "the newest kmalloc is kept");
	const char *lastline = t + strlen(t) - 1;
	while (lastline > t && lastline[-1] != '\n')
		lastline--;
	snprintf(want, sizeof(want), "ptr=%08lx\n", kmm_host_to_kva(last));
	cr_assert(strstr(lastline, "kfree:") && strstr(lastline, want), "last line %s", lastline);
	free(t);
	/* a smaller buffer by buffer_size_kb starts empty */
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/buffer_size_kb", "4"), 0);
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/buffer_size_kb", "0"), -EINVAL);
	t = trace_text();
	entries_header(t, &in, &written, &cpus);
	cr_assert_eq(written, 0);
	free(t);
	assert_machine_sane();
}

/* ---- a fork/exec/exit scenario: its trace, replayed; its mix against a real kernel's ---------------- */

/*
 * Shells that fork children which write to their copy of the heap and
 * exit, and programs exec'd and exited: the work of the real trace's
 * `ls`, `sha1sum`, `find` ... run from bash.
 */
/*
 * A shell at work, as in the real trace: it forks, the child execs a
 * dynamically linked program that maps ld.so.cache and its libraries,
 * stats a file two dozen times (ls -l, find), opens it, touches some
 * anonymous memory and exits.
 */
static const char fork_exec_exit[] =
	"trace on\n"
	"sh = spawn bash\n"
	"exec sh /bin/bash text=1M data=128K bss=64K\n"
	"heap = mmap sh 256K\n"
	"touch heap\n"
	"file /etc/ld.so.cache 64K\n"
	"file /lib/libc.so.6 2M\n"
	"file /lib/libselinux.so.1 160K\n"
	"file /etc/passwd 4K\n"
	"repeat 8 as i {\n"
	"  c[i] = fork sh\n"
	"  touch heap 0 16K write in c[i]\n"
	"  exec c[i] /bin/ls text=128K data=16K bss=8K\n"
	"  ldc[i] = mmap c[i] 64K r file=/etc/ld.so.cache\n"
	"  libc[i] = mmap c[i] 2M r-x file=/lib/libc.so.6\n"
	"  sel[i] = mmap c[i] 160K r-x file=/lib/libselinux.so.1\n"
	"  touch libc[i] 0 64K read\n"
	"  munmap ldc[i]\n"
	"  repeat 24 as j {\n"
	"    stat c[i] /etc/passwd\n"
	"  }\n"
	"  f[i] = open c[i] /etc/passwd\n"
	"  close f[i]\n"
	"  m[i] = mmap c[i] 64K\n"
	"  touch m[i]\n"
	"  exit c[i]\n"
	"}\n"
	"munmap heap\n"
	"exit sh\n"
	"trace off\n";

/* Run the scenario with tracing on and return its trace; the machine is shut down after. */
static char *scenario_trace_kconfig(const char *profile, const char *kconfig)
{
	const char *boot[] = { "profile", profile, "mem", "1G", "kconfig", kconfig };
	FILE *out = tmpfile();
	struct kmm_scenario_opts o = { .name = "fork_exec_exit", .boot_opts = boot, .nboot_opts = kconfig ? 3 : 2,
				       .out = out, .err = out };
	struct kmm_scenario *sc = kmm_scenario_new(&o);
	cr_assert_not_null(sc);
	cr_assert_eq(kmm_scenario_feed(sc, fork_exec_exit, 1), 0);
	char *t = trace_text();
	cr_assert_eq(kmm_scenario_finish(sc), 0, "the scenario lost something");
	fclose(out);
	return t;
}

static char *scenario_trace(const char *profile)
{
	return scenario_trace_kconfig(profile, NULL);
}

#define MIX_CACHES 64
struct mix {
	unsigned long by_kind[KMM_TRACE_NR_KINDS];
	struct { char name[32]; unsigned long frees; } cache[MIX_CACHES]; /* kmem_cache_free by name= */
	int nr_caches;
	unsigned long events, not_replayed, bad;
	unsigned long page_order0, page_movable; /* mm_page_alloc of order 0, of MIGRATE_MOVABLE */
};

static void mix_count_cache(struct mix *m, const char *name, size_t len)
{
	int i = 0;
	while (i < m->nr_caches && (strlen(m->cache[i].name) != len || memcmp(m->cache[i].name, name, len)))
		i++;
	if (i == m->nr_caches) {
		if (i == MIX_CACHES)
			return;
		memcpy(m->cache[i].name, name, len);
		m->cache[i].name[len] = 0;
		m->nr_caches++;
	}
	m->cache[i].frees++;
}

/* The frees of a cache by name, 0 if none. */
static unsigned long mix_frees(const struct mix *m, const char *name)
{
	for (int i = 0; i < m->nr_caches; i++)
		if (!strcmp(m->cache[i].name, name))
			return m->cache[i].frees;
	return 0;
}

/* The rank of a cache (0: most freed) among the caches of m. */
static int mix_rank(const struct mix *m, const char *name)
{
	unsigned long n = mix_frees(m, name);
	int rank = 0;
	for (int i = 0; i < m->nr_caches; i++)
		rank += m->cache[i].frees > n;
	return rank;
}

static void mix_add_text(struct mix *m, const char *p, size_t len)
{
	const char *end = p + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct kmm_trace_event ev;
		switch (kmm_trace_parse_line(p, n, &ev, NULL, 0)) {
		case KMM_TRACE_EVENT:
			m->events++;
			m->by_kind[ev.kind]++;
			if (ev.kind == KMM_TRACE_PAGE_ALLOC) {
				m->page_order0 += ev.order == 0;
				m->page_movable += ev.migratetype == MIGRATE_MOVABLE;
			}
			if (ev.kind == KMM_TRACE_CACHE_FREE && ev.name_len && ev.name_len < 32)
				mix_count_cache(m, ev.name, ev.name_len);
			break;
		case KMM_TRACE_NOT_REPLAYED:
			m->not_replayed++;
			break;
		case KMM_TRACE_SKIP:
			break;
		default:
			m->bad++;
			break;
		}
		p += n + 1;
	}
}

/* The real trace (zstd), parsed as kmm replay parses it. */
static void mix_of_real(struct mix *m)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/traces/sample-mixed.trace.zst", data_dir());
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "%s is missing", path);
	ZSTD_DCtx *z = ZSTD_createDCtx();
	size_t inlen = ZSTD_DStreamInSize(), outlen = ZSTD_DStreamOutSize();
	char *in = malloc(inlen), *out = malloc(outlen + 65536), *carry = out;
	size_t carried = 0, got;
	while ((got = fread(in, 1, inlen, f))) {
		ZSTD_inBuffer ib = { in, got, 0 };
		while (ib.pos < ib.size) {
			ZSTD_outBuffer ob = { out + carried, outlen, 0 };
			cr_assert(!ZSTD_isError(ZSTD_decompressStream(z, &ob, &ib)));
			size_t have = carried + ob.pos;
			const char *lastnl = have ? memrchr(out, '\n', have) : NULL;
			size_t whole = lastnl ? (size_t)(lastnl - out) + 1 : 0;
			mix_add_text(m, out, whole);
			carried = have - whole;
			cr_assert_lt(carried, (size_t)65536, "a line longer than 64 KiB");
			memmove(carry, out + whole, carried);
		}
	}
	mix_add_text(m, out, carried);
	free(in);
	free(out);
	ZSTD_freeDCtx(z);
	fclose(f);
}

static double share(unsigned long part, unsigned long whole)
{
	return whole ? (double)part / (double)whole : 0.0;
}

/*
 * What the trace itself leaves allocated: allocations with no free after
 * them, matched by ptr= (slab) or pfn= (pages).  Slab caches keep the
 * slabs they grew during the work (min_partial, the CPU slab), as Linux's
 * do, so a trace of work that freed everything still ends with pages.
 */
static unsigned long trace_live(const char *t, unsigned long *unmatched)
{
	*unmatched = 0;
	size_t cap = 1024, n = 0;
	u64 *keys = malloc(cap * sizeof(*keys));
	cr_assert_not_null(keys);
	const char *p = t, *end = t + strlen(t);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct kmm_trace_event ev;
		if (kmm_trace_parse_line(p, len, &ev, NULL, 0) == KMM_TRACE_EVENT) {
			bool page = ev.kind == KMM_TRACE_PAGE_ALLOC || ev.kind == KMM_TRACE_PAGE_FREE;
			u64 key = page ? ev.pfn | (1ULL << 63) : ev.ptr;
			if (ev.kind == KMM_TRACE_KMALLOC || ev.kind == KMM_TRACE_CACHE_ALLOC || ev.kind == KMM_TRACE_PAGE_ALLOC) {
				if (ev.ptr || page) {
					if (n == cap) {
						cap *= 2;
						keys = realloc(keys, cap * sizeof(*keys));
						cr_assert_not_null(keys);
					}
					keys[n++] = key;
				}
			} else if (ev.ptr || page) {
				size_t i = n;
				while (i-- > 0)
					if (keys[i] == key) {
						keys[i] = keys[--n];
						break;
					}
				if (i == (size_t)-1)
					++*unmatched; /* allocated untraced: kmem_cache_alloc_bulk (maple nodes), as in 6.1 */
			}
		}
		p += len + 1;
	}
	free(keys);
	return (unsigned long)n;
}

/*
 * The round trip: kmm's trace of the scenario, replayed on a fresh machine
 * of the same profile, accounts for every event line - each is replayed or
 * is one of the kmem events that allocate nothing of their own - and
 * leaves nothing behind.
 */
static void round_trip_on(const char *profile)
{
	char *t = scenario_trace(profile);
	struct mix m = { 0 };
	mix_add_text(&m, t, strlen(t));
	cr_assert_eq(m.bad, 0, "kmm's own trace has lines kmm cannot read");
	cr_assert_gt(m.by_kind[KMM_TRACE_PAGE_ALLOC], 0);

	boot_traced(profile, NULL);
	struct kmm_replay_config cfg = KMM_REPLAY_DEFAULTS;
	cfg.strict = true;
	struct kmm_replay *r = kmm_replay_create(&cfg);
	cr_assert_not_null(r);
	cr_assert_eq(kmm_replay_feed(r, t, strlen(t)), 0);
	cr_assert_eq(kmm_replay_finish(r), 0);
	const struct kmm_replay_stats *st = kmm_replay_stats(r);
	cr_assert_eq(st->malformed + st->unknown, 0, "%s", st->nr_problems ? st->problems[0].what : "");
	cr_assert_eq(st->events + st->not_replayed, event_lines(t), "every event line is accounted for");
	for (int k = 0; k < KMM_TRACE_NR_KINDS; k++)
		cr_assert_eq(st->by_kind[k], m.by_kind[k], "%s", kmm_trace_kind_name((enum kmm_trace_kind)k));
	/* every free finds its allocation but those of objects allocated in bulk, which 6.1 does not trace */
	unsigned long unmatched, live = trace_live(t, &unmatched);
	cr_assert_eq(st->unmatched_frees, unmatched);
	cr_assert_eq(st->order_mismatches, 0);
	cr_assert_eq(st->alloc_failures[KMM_TRACE_PAGE_ALLOC], 0);
	cr_assert_eq(st->live_at_end, live, "the replay ends with what the trace left allocated");
	cr_assert(st->nothing_lost, "%s", st->lost_why);
	cr_assert_eq(st->bugs, 0);
	kmm_replay_destroy(r);
	free(t);
	assert_machine_sane();
}

TEST_ON_EVERY_PROFILE(trace_events, round_trip, round_trip_on)

/*
 * The mix of event kinds.  The real trace is mostly slab events
 * (names_cache, vm_area_struct, lsm_file_cache, filp, maple_node,
 * anon_vma_chain ... of fork, exec, exit and the shell's file work).
 * kmm's tasks, VMAs, files and path names are slab objects and its VMA
 * tree is the maple tree, so kmm's trace of the same work is mostly slab
 * events too, of the same caches.  Compared: the page allocator's part
 * (order-0, movable, balanced), the slab share of all events, that
 * kmem_cache_alloc outnumbers kmalloc, and the caches freed most.  A real
 * trace never shows the objects of kmem_cache_alloc_bulk /
 * kmem_cache_free_bulk (6.1 traces neither), which is how most maple_node
 * objects come and go, in both.
 */
Test(trace_events, mix_against_a_real_kernel, .timeout = 240)
{
	struct mix real = { 0 }, sim = { 0 };
	mix_of_real(&real);
	cr_assert_gt(real.events, 100000, "the real sample has %lu events", real.events);
	cr_assert_eq(real.bad, 0);

	/*
	 * The real trace's machine is x86_64, and its kernel allocates no order-1 page directories:
	 * it runs without PAGE_TABLE_ISOLATION's, which Debian's 6.1 build (kmm's default) has.
	 */
	char *t = scenario_trace_kconfig("x86_64", "PAGE_TABLE_ISOLATION=n");
	mix_add_text(&sim, t, strlen(t));
	/* the kinds a real fork/exec/exit trace is mostly made of are in kmm's too */
	static const char *const caches[] = { "name=maple_node", "name=vm_area_struct", "name=anon_vma_chain" };
	for (unsigned i = 0; i < 3; i++)
		cr_assert_not_null(strstr(t, caches[i]), "kmm's trace has no %s event", caches[i]);
	free(t);
	cr_assert_eq(sim.bad, 0);

	unsigned long real_pages = real.by_kind[KMM_TRACE_PAGE_ALLOC] + real.by_kind[KMM_TRACE_PAGE_FREE];
	unsigned long sim_pages = sim.by_kind[KMM_TRACE_PAGE_ALLOC] + sim.by_kind[KMM_TRACE_PAGE_FREE];
	cr_assert_gt(sim_pages, 100, "the scenario makes page traffic: %lu events", sim_pages);

	/* page allocations and frees balance in both: work that ends frees what it took */
	double real_alloc = share(real.by_kind[KMM_TRACE_PAGE_ALLOC], real_pages);
	double sim_alloc = share(sim.by_kind[KMM_TRACE_PAGE_ALLOC], sim_pages);
	cr_assert(real_alloc > 0.4 && real_alloc < 0.6, "real: mm_page_alloc is %.3f of page events", real_alloc);
	cr_assert(sim_alloc > 0.4 && sim_alloc < 0.6, "kmm: mm_page_alloc is %.3f of page events", sim_alloc);
	cr_assert_lt(fabs(real_alloc - sim_alloc), 0.1, "alloc share of page events: real %.3f, kmm %.3f", real_alloc,
		     sim_alloc);

	/* process work allocates single pages, and most of them are the processes' own (movable) */
	double real_o0 = share(real.page_order0, real.by_kind[KMM_TRACE_PAGE_ALLOC]);
	double sim_o0 = share(sim.page_order0, sim.by_kind[KMM_TRACE_PAGE_ALLOC]);
	cr_assert_gt(real_o0, 0.95, "real: order 0 is %.3f of page allocations", real_o0);
	cr_assert_gt(sim_o0, 0.95, "kmm: order 0 is %.3f of page allocations", sim_o0);
	double real_mov = share(real.page_movable, real.by_kind[KMM_TRACE_PAGE_ALLOC]);
	double sim_mov = share(sim.page_movable, sim.by_kind[KMM_TRACE_PAGE_ALLOC]);
	cr_assert(real_mov > 0.5 && sim_mov > 0.5, "movable share of page allocations: real %.3f, kmm %.3f", real_mov,
		  sim_mov);

	/* the difference: the real kernel's process work is mostly slab objects */
	unsigned long real_slab = real.events - real_pages, sim_slab = sim.events - sim_pages;
	cr_assert_gt(share(real_slab, real.events), 0.5, "real: slab events are %.3f of all", share(real_slab, real.events));
	cr_assert_gt(real.by_kind[KMM_TRACE_CACHE_ALLOC], real.by_kind[KMM_TRACE_KMALLOC],
		     "real: kmem_cache_alloc outnumbers kmalloc");
	double rs = share(real_slab, real.events), ss = share(sim_slab, sim.events);
	cr_assert_gt(ss, 0.5, "kmm: slab events are %.3f of all", ss);
	cr_assert_lt(fabs(rs - ss), 0.25, "slab share of events: real %.3f, kmm %.3f", rs, ss);
	cr_assert_gt(sim.by_kind[KMM_TRACE_CACHE_ALLOC], sim.by_kind[KMM_TRACE_KMALLOC],
		     "kmm: kmem_cache_alloc outnumbers kmalloc");
	/* the caches the real shell frees most are freed by kmm's too, and kmm's first is among the real's first */
	static const char *const top[] = { "names_cache", "vm_area_struct", "lsm_file_cache", "filp" };
	for (unsigned i = 0; i < ARRAY_SIZE(top); i++) {
		cr_assert_lt(mix_rank(&real, top[i]), 5, "real: %s is not among the caches freed most", top[i]);
		cr_assert_gt(mix_frees(&sim, top[i]), 0, "kmm's trace frees no %s", top[i]);
	}
	int first = 0;
	for (int i = 1; i < sim.nr_caches; i++)
		if (sim.cache[i].frees > sim.cache[first].frees)
			first = i;
	cr_assert_lt(mix_rank(&real, sim.cache[first].name), 5, "kmm frees %s most; the real trace ranks it %d",
		     sim.cache[first].name, mix_rank(&real, sim.cache[first].name));
}

/* ---- several CPUs ---------------------------------------------------------------------------------- */

static void *cpu_worker(void *arg)
{
	int cpu = (int)(long)arg;
	cr_assert_eq(kmm_cpu_enter(cpu), 0);
	for (int i = 0; i < 500; i++) {
		void *p = kmalloc(16 << (i % 8), GFP_KERNEL);
		cr_assert_not_null(p);
		kfree(p);
		if (cpu == 1 && i % 100 == 0) /* a reader while the other CPU writes */
			free(kmm_proc_read("sys/kernel/tracing/trace"));
	}
	kmm_cpu_exit();
	return NULL;
}

/* Each CPU writes its own ring; the trace merges them in time order, [000] and [001]. */
Test(trace_events, per_cpu_rings)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.mem_bytes = 1ULL << 30;
	p.nr_cpus = 2;
	p.cmdline = "trace_event=kmem:kmalloc,kmem:kfree";
	boot_or_fail(&p);
	kmm_cpu_exit();
	pthread_t t[2];
	for (long c = 0; c < 2; c++)
		pthread_create(&t[c], NULL, cpu_worker, (void *)c);
	for (int c = 0; c < 2; c++)
		pthread_join(t[c], NULL);
	cr_assert_eq(kmm_cpu_enter(0), 0);
	char *text = trace_text();
	unsigned long in, written;
	int cpus;
	entries_header(text, &in, &written, &cpus);
	cr_assert_eq(cpus, 2);
	cr_assert_eq(written, 2000, "every kmalloc and kfree of both CPUs: %lu", written);
	cr_assert_eq(in, event_lines(text));
	cr_assert(strstr(text, " [000] "), "CPU 0's events");
	cr_assert(strstr(text, " [001] "), "CPU 1's events");
	free(text);
	assert_machine_sane();
}

/* ---- hostile writes --------------------------------------------------------------------------------- */

/* A refused write to a tracing file changes nothing: the events, the switch, the buffer and its records stay. */
Test(trace_events, refused_writes_change_nothing)
{
	boot_traced("i386", "trace_event=kmem:kmalloc");
	void *a = kmalloc(64, GFP_KERNEL);
	kfree(a);
	char *before = trace_text();
	char *big = malloc(16384);
	memset(big, 'k', 16383);
	big[16383] = 0;
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/set_event", big), -EINVAL);
	free(big);
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/set_event", "kmem:kmalloc kmem:"), 0, "kmem: is the whole system");
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/set_event", "kmem:kmalloc,*:*"), -EINVAL);
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/set_event", "!"), -EINVAL);
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/tracing_on", "yes"), -EINVAL);
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/tracing_on", ""), -EINVAL);
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/buffer_size_kb", "99999999999999999999"), -EINVAL);
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/buffer_size_kb", "4194304"), -ENOMEM);
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/buffer_size_kb", "-1"), -EINVAL);
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/events/kmem/enable", "1 "), -EINVAL);
	char *en = kmm_proc_read("sys/kernel/tracing/events/kmem/enable");
	cr_assert_str_eq(en, "1\n", "the one accepted write enabled the whole system");
	free(en);
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/set_event", "kmem:kmalloc"), 0);
	char *after = trace_text();
	cr_assert_str_eq(after, before, "the records are as they were");
	free(before);
	free(after);
	en = kmm_proc_read("sys/kernel/tracing/buffer_size_kb");
	cr_assert_str_eq(en, "1408\n", "Linux's default trace_buf_size, per CPU");
	free(en);
	assert_machine_sane();
}
