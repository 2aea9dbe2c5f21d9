/*
 * test_trace_dat.c - replaying trace-cmd's binary trace.dat: a trace recorded
 * on a real kernel (tests/data/traces/host-ls.trace.dat) replays with the
 * same figures as the text trace-cmd report printed from it; fed in pieces
 * as read from its file; what the file says of itself (uname, page size,
 * pointer width); the refusal on a machine of another pointer width, and a
 * truncated file; the text forms of lost events and of trace-cmd report.
 */
#include "kmm_test.h"

#include <fcntl.h>
#include <unistd.h>

#include <kmm/trace.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(trace_dat, .fini = fini, .timeout = 120);

static void boot_profile(const char *profile)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	boot_or_fail(&p);
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
