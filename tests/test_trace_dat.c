/*
 * test_trace_dat.c - replaying trace-cmd's binary trace.dat: a trace recorded
 * on a real kernel (tests/data/traces/host-ls.trace.dat) replays with the
 * same figures as the text trace-cmd report printed from it; fed in pieces
 * as read from its file; what the file says of itself (uname, page size,
 * pointer width); the refusal on a machine of another pointer width, and a
 * truncated file; a trace.dat compressed whole with zstd or gzip; the text
 * forms of lost events and of trace-cmd report.
 */
#include "kmm_test.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <kmm/trace.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(trace_dat, .fini = fini, .timeout = 120);

static void boot_cpus(const char *profile, int cpus)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.nr_cpus = cpus;
	boot_or_fail(&p);
}

static void boot_profile(const char *profile)
{
	boot_cpus(profile, 1);
}

static void trace_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/traces/%s", data_dir(), name);
}

static struct kmm_replay *replay_path(const char *name, bool allow_mismatch, int *ret)
{
	char path[1024], err[256] = "";
	trace_path(path, sizeof(path), name);
	struct kmm_replay_config cfg = KMM_REPLAY_DEFAULTS;
	cfg.allow_mismatch = allow_mismatch;
	struct kmm_replay *r = kmm_replay_create(&cfg);
	cr_assert_not_null(r);
	*ret = kmm_replay_file(r, path, err, sizeof(err));
	kmm_replay_finish(r);
	return r;
}

/* Whatever the format, the replay of the same events says the same. */
static void assert_same_replay(const struct kmm_replay_stats *a, const struct kmm_replay_stats *b)
{
	cr_assert_eq(a->events, b->events);
	for (int k = 0; k < KMM_TRACE_NR_KINDS; k++)
		cr_assert_eq(a->by_kind[k], b->by_kind[k], "%s", kmm_trace_kind_name((enum kmm_trace_kind)k));
	cr_assert_eq(a->agree_kmalloc, b->agree_kmalloc);
	cr_assert_eq(a->total_kmalloc, b->total_kmalloc);
	cr_assert_eq(a->agree_cache, b->agree_cache);
	cr_assert_eq(a->total_cache, b->total_cache);
	cr_assert_eq(a->unmatched_frees, b->unmatched_frees);
	cr_assert_eq(a->null_frees, b->null_frees);
	cr_assert_eq(a->kernel_failures, b->kernel_failures);
	cr_assert_eq(a->duplicate_allocs, b->duplicate_allocs);
	cr_assert_eq(a->order_mismatches, b->order_mismatches);
	cr_assert_eq(a->page_allocs_live_peak, b->page_allocs_live_peak);
	cr_assert_eq(a->live_at_end, b->live_at_end);
	cr_assert_eq(a->nr_caches, b->nr_caches);
	for (unsigned i = 0; i < a->nr_caches; i++) {
		cr_assert_str_eq(a->caches[i].name, b->caches[i].name);
		cr_assert_eq(a->caches[i].peak, b->caches[i].peak, "%s", a->caches[i].name);
		cr_assert_eq(a->caches[i].agree, b->caches[i].agree, "%s", a->caches[i].name);
	}
	cr_assert_eq(a->trace_cpus, b->trace_cpus);
	cr_assert_eq(a->first_ts_ns, b->first_ts_ns);
	cr_assert_eq(a->last_ts_ns, b->last_ts_ns);
}

Test(trace_dat, same_figures_as_its_text)
{
	boot_profile("x86_64");
	int ret;
	struct kmm_replay *dat = replay_path("host-ls.trace.dat", false, &ret);
	cr_assert_eq(ret, 0);
	const struct kmm_replay_stats *d = kmm_replay_stats(dat);
	cr_assert_str_eq(d->input_format, "trace.dat");
	cr_assert_str_empty(d->input_error);
	cr_assert_eq(d->malformed + d->unknown, 0, "%s", d->nr_problems ? d->problems[0].what : "");
	/* what the file says of the kernel that wrote it: an x86_64 Linux */
	cr_assert(strstr(d->kernel_release, "Linux") && strstr(d->kernel_release, "x86_64"), "uname \"%s\"",
		  d->kernel_release);
	cr_assert_eq(d->trace_page_size, 4096);
	cr_assert_eq(d->trace_long_size, 8);
	for (int k = 0; k < KMM_TRACE_NR_KINDS; k++)
		cr_assert_gt(d->by_kind[k], 0, "no %s", kmm_trace_kind_name((enum kmm_trace_kind)k));
	cr_assert_gt(d->total_kmalloc, 0);
	cr_assert(d->nothing_lost, "%s", d->lost_why);
	cr_assert_eq(d->bugs, 0);

	struct kmm_replay *txt = replay_path("host-ls.report.zst", false, &ret);
	cr_assert_eq(ret, 0);
	const struct kmm_replay_stats *t = kmm_replay_stats(txt);
	cr_assert_str_eq(t->input_format, "zstd text");
	cr_assert_eq(t->malformed + t->unknown, 0, "%s", t->nr_problems ? t->problems[0].what : "");
	assert_same_replay(d, t);
	kmm_replay_destroy(dat);
	kmm_replay_destroy(txt);
	assert_machine_sane();
}

/*
 * A trace of two CPUs, each freeing what the other allocated: kmalloc on the
 * CPU of its line, kfree on the other, pages likewise.  With cpu0_only, every
 * line names CPU 0.
 */
static char *two_cpu_trace(bool cpu0_only, size_t *len)
{
	size_t cap = 1 << 20, n = 0;
	char *t = malloc(cap);
	cr_assert_not_null(t);
	for (int i = 0; i < 2000; i++) {
		int a = cpu0_only ? 0 : i % 2, f = cpu0_only ? 0 : (i + 1) % 2;
		n += (size_t)snprintf(t + n, cap - n,
				      "t-1 [%03d] 1.%06d: kmalloc: call_site=x ptr=%x bytes_req=%d bytes_alloc=%d "
				      "gfp_flags=GFP_KERNEL node=-1\n"
				      "t-1 [%03d] 1.%06d: mm_page_alloc: page=%x pfn=0x%x order=%d migratetype=0 gfp_flags=GFP_KERNEL\n",
				      a, i * 4, 0x1000 + i, 8 + i % 500, 0, a, i * 4 + 1, i + 1, 0x100 + i, i % 3);
		if (i >= 100)
			n += (size_t)snprintf(t + n, cap - n,
					      "t-1 [%03d] 1.%06d: kfree: call_site=x ptr=%x\n"
					      "t-1 [%03d] 1.%06d: mm_page_free: page=%x pfn=0x%x order=%d\n",
					      f, i * 4 + 2, 0x1000 + i - 100, f, i * 4 + 3, i - 99, 0x100 + i - 100, (i - 100) % 3);
	}
	*len = n;
	return t;
}

static struct kmm_replay *replay_buffer(const char *text, size_t len)
{
	struct kmm_replay_config cfg = KMM_REPLAY_DEFAULTS;
	struct kmm_replay *r = kmm_replay_create(&cfg);
	cr_assert_not_null(r);
	cr_assert_eq(kmm_replay_feed(r, text, len), 0);
	cr_assert_eq(kmm_replay_finish(r), 0);
	return r;
}

/* On two CPUs each event runs on the CPU the trace names; the figures are a one-CPU replay's. */
Test(trace_dat, events_on_their_cpus)
{
	size_t len0, len2;
	char *t0 = two_cpu_trace(true, &len0), *t2 = two_cpu_trace(false, &len2);
	boot_profile("x86_64");
	struct kmm_replay *one = replay_buffer(t0, len0);
	const struct kmm_replay_stats *a = kmm_replay_stats(one);
	cr_assert_eq(a->malformed, 0, "%s", a->nr_problems ? a->problems[0].what : "");
	cr_assert_eq(a->events_on_cpu[0], a->events);
	kmm_shutdown();

	boot_cpus("x86_64", 2);
	struct kmm_replay *two = replay_buffer(t2, len2);
	const struct kmm_replay_stats *b = kmm_replay_stats(two);
	cr_assert_eq(b->trace_cpus, 2);
	cr_assert_eq(b->events_on_cpu[0], b->events / 2);
	cr_assert_eq(b->events_on_cpu[1], b->events / 2);
	cr_assert(b->nothing_lost, "%s", b->lost_why);
	cr_assert_eq(b->bugs, 0);
	cr_assert_eq(b->unmatched_frees, 0);
	cr_assert_eq(b->agree_kmalloc, a->agree_kmalloc);
	cr_assert_eq(b->total_kmalloc, 2000);
	cr_assert_eq(b->page_allocs_live_peak, a->page_allocs_live_peak);
	cr_assert_eq(b->live_at_end, a->live_at_end);
	kmm_replay_destroy(two);
	assert_machine_sane();
	kmm_replay_destroy(one); /* its stats outlive its machine */
	free(t0);
	free(t2);
}

/* A pipe's trace.dat arrives in pieces: it is kept until the end and replays alike. */
Test(trace_dat, fed_in_pieces)
{
	boot_profile("x86_64");
	int ret;
	struct kmm_replay *whole = replay_path("host-ls.trace.dat", false, &ret);
	cr_assert_eq(ret, 0);
	char path[1024];
	trace_path(path, sizeof(path), "host-ls.trace.dat");
	int fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0);
	struct kmm_replay_config cfg = KMM_REPLAY_DEFAULTS;
	struct kmm_replay *r = kmm_replay_create(&cfg);
	char buf[4093]; /* not a page: the magic and the sections straddle the pieces */
	ssize_t n;
	size_t first = 3;
	while ((n = read(fd, buf, first ? first : sizeof(buf))) > 0) {
		cr_assert_eq(kmm_replay_feed(r, buf, (size_t)n), 0);
		first = 0;
	}
	close(fd);
	cr_assert_eq(kmm_replay_finish(r), 0);
	const struct kmm_replay_stats *st = kmm_replay_stats(r);
	cr_assert_str_eq(st->input_format, "trace.dat");
	cr_assert_str_empty(st->input_error);
	assert_same_replay(kmm_replay_stats(whole), st);
	cr_assert(st->nothing_lost, "%s", st->lost_why);
	kmm_replay_destroy(whole);
	kmm_replay_destroy(r);
	assert_machine_sane();
}

/* A 64-bit kernel's trace on the 32-bit i386: refused, nothing done; replayed when allowed. */
Test(trace_dat, pointer_width_mismatch)
{
	boot_profile("i386");
	struct kmm_usage before;
	kmm_usage_settle(&before);
	int ret;
	struct kmm_replay *r = replay_path("host-ls.trace.dat", false, &ret);
	const struct kmm_replay_stats *st = kmm_replay_stats(r);
	cr_assert_eq(ret, -1);
	cr_assert(st->refused);
	cr_assert_eq(st->events, 0);
	cr_assert(strstr(st->input_error, "64-bit pointers") && strstr(st->input_error, "i386"), "%s",
		  st->input_error);
	cr_assert(st->nothing_lost, "%s", st->lost_why);
	kmm_replay_destroy(r);

	r = replay_path("host-ls.trace.dat", true, &ret);
	st = kmm_replay_stats(r);
	cr_assert_eq(ret, 0);
	cr_assert_not(st->refused);
	cr_assert_gt(st->events, 0);
	cr_assert_gt(st->agree_kmalloc, 0);
	cr_assert(st->nothing_lost, "%s", st->lost_why);
	kmm_replay_destroy(r);
	char why[160];
	cr_assert_eq(kmm_nothing_lost(&before, why, sizeof(why)), 0, "%s", why);
	assert_machine_sane();
}

/* The first 64 KiB of the file: libtracecmd cannot read it; a clear error, nothing lost. */
Test(trace_dat, truncated_file)
{
	boot_profile("x86_64");
	char path[1024];
	trace_path(path, sizeof(path), "host-ls.trace.dat");
	int fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0);
	static char buf[64 << 10];
	ssize_t n = read(fd, buf, sizeof(buf));
	close(fd);
	cr_assert_eq(n, (ssize_t)sizeof(buf));
	struct kmm_replay_config cfg = KMM_REPLAY_DEFAULTS;
	struct kmm_replay *r = kmm_replay_create(&cfg);
	cr_assert_eq(kmm_replay_feed(r, buf, sizeof(buf)), 0);
	kmm_replay_finish(r);
	const struct kmm_replay_stats *st = kmm_replay_stats(r);
	cr_assert_str_eq(st->input_format, "trace.dat");
	cr_assert(strstr(st->input_error, "trace.dat"), "\"%s\"", st->input_error);
	cr_assert(st->nothing_lost, "%s", st->lost_why);
	kmm_replay_destroy(r);
	assert_machine_sane();
}

/* The file's bytes, compressed as `zstd` (zstd != 0) or `gzip` would; *len is set. */
static void *compressed_trace(int zstd, size_t *len)
{
	char path[1024];
	trace_path(path, sizeof(path), "host-ls.trace.dat");
	size_t n;
	char *raw = slurp_len(path, &n);
	cr_assert_not_null(raw);
	void *out;
	if (zstd) {
		size_t cap = ZSTD_compressBound(n);
		out = malloc(cap);
		*len = ZSTD_compress(out, cap, raw, n, 3);
		cr_assert_not(ZSTD_isError(*len));
	} else {
		z_stream z = { 0 };
		cr_assert_eq(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
		size_t cap = deflateBound(&z, (uLong)n);
		out = malloc(cap);
		z.next_in = (Bytef *)raw;
		z.avail_in = (uInt)n;
		z.next_out = out;
		z.avail_out = (uInt)cap;
		cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
		*len = z.total_out;
		deflateEnd(&z);
	}
	free(raw);
	return out;
}

/* trace.dat compressed whole (trace.dat.zst, trace.dat.gz): recognised inside, the same figures; cut short, refused. */
Test(trace_dat, compressed_whole)
{
	boot_profile("x86_64");
	int ret;
	struct kmm_replay *plain = replay_path("host-ls.trace.dat", false, &ret);
	cr_assert_eq(ret, 0);
	for (int zstd = 0; zstd < 2; zstd++) {
		size_t len;
		char *z = compressed_trace(zstd, &len);
		struct kmm_replay_config cfg = KMM_REPLAY_DEFAULTS;
		struct kmm_replay *r = kmm_replay_create(&cfg);
		/* in pieces, the first of 2 bytes: the outer and the inner magic both straddle them */
		for (size_t off = 0, piece = 2; off < len; off += piece, piece = 4093)
			cr_assert_eq(kmm_replay_feed(r, z + off, min(piece, len - off)), 0);
		cr_assert_eq(kmm_replay_finish(r), 0);
		const struct kmm_replay_stats *st = kmm_replay_stats(r);
		cr_assert_str_eq(st->input_format, zstd ? "zstd trace.dat" : "gzip trace.dat");
		cr_assert_str_empty(st->input_error);
		assert_same_replay(kmm_replay_stats(plain), st);
		cr_assert(st->nothing_lost, "%s", st->lost_why);
		kmm_replay_destroy(r);

		r = kmm_replay_create(&cfg);
		cr_assert_eq(kmm_replay_feed(r, z, len / 2), 0);
		kmm_replay_finish(r);
		st = kmm_replay_stats(r);
		cr_assert(strstr(st->input_error, "truncated") && strstr(st->input_error, "trace.dat"), "\"%s\"",
			  st->input_error);
		cr_assert_eq(st->events, 0);
		cr_assert(st->nothing_lost, "%s", st->lost_why);
		kmm_replay_destroy(r);
		free(z);
	}
	kmm_replay_destroy(plain);
	assert_machine_sane();
}

/* What a text trace says of lost events, and trace-cmd report's own forms. */
Test(trace_dat, text_lost_events_and_report_forms)
{
	boot_profile("x86_64");
	static const char text[] =
		"cpus=2\n"
		"CPU:0 [LOST 12 EVENTS]\n"
		"ls-1 [001] 5.000001: kmalloc: call_site=0xffffffff8221c412 (alloc_fdtable+0x55) ptr=(nil) "
		"bytes_req=56 bytes_alloc=64 gfp_flags=GFP_KERNEL node=-1 accounted=true\n"
		"CPU:1 [34 EVENTS DROPPED]\n"
		"ls-1 [001] 5.000002: kfree: call_site=0xffffffff8221c412 (free_fdtable+0x1c) ptr=(nil)\n"
		"CPU:1 [EVENTS DROPPED]\n"
		"ls-1 [000] 5.000003: kfree: call_site=0xffffffff8221c412 ptr=0xffff8881d7bced00\n";
	struct kmm_replay_config cfg = KMM_REPLAY_DEFAULTS;
	struct kmm_replay *r = kmm_replay_create(&cfg);
	cr_assert_eq(kmm_replay_feed(r, text, sizeof(text) - 1), 0);
	cr_assert_eq(kmm_replay_finish(r), 0);
	const struct kmm_replay_stats *st = kmm_replay_stats(r);
	cr_assert_eq(st->malformed + st->unknown, 0, "%s", st->nr_problems ? st->problems[0].what : "");
	cr_assert_eq(st->events, 3);
	cr_assert_eq(st->events_lost, 46);
	cr_assert_eq(st->lost_gaps, 1);
	cr_assert_eq(st->kernel_failures, 1); /* kmalloc gave NULL */
	cr_assert_eq(st->null_frees, 1);
	cr_assert_eq(st->unmatched_frees, 1); /* allocated before the trace began */
	cr_assert_eq(st->trace_cpus, 2);
	cr_assert_str_eq(st->input_format, "text");
	kmm_replay_destroy(r);
	assert_machine_sane();
}
