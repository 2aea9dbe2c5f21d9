/*
 * bench_replay.c - trace replay throughput on the shared sample
 * (tests/data/traces/sample-mixed.trace.zst, or $KMM_TEST_DATA/traces/...),
 * held in memory so the disk is not measured:
 *   replay of the zstd file: decompression + parsing + replay + the final
 *     frees, what `kmm replay` does;
 *   replay of the decompressed text: parsing + replay;
 *   parsing alone: kmm_trace_parse_line() over every line.
 * One operation is one event.  Baselines, same run: zstd decompression of
 * the file plus a memchr() scan for the line ends (the least any reader of
 * the compressed trace does), and the memchr() scan of the text alone.
 * The machine is the default i386 4 GiB one, as `kmm replay` boots.
 *
 * Then trace.dat: tests/data/traces/host-ls.trace.dat against the text
 * trace-cmd report printed from it (host-ls.report.zst, decompressed), both
 * in memory, and libtracecmd's open of the file alone, which parses every
 * event format the file carries.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <trace-cmd.h>

#include <kmm/kmm.h>
#include <kmm/trace.h>

#include "bench.h"

struct replay_input {
	char *zst, *text;
	size_t zst_len, text_len;
	unsigned long lines;
	volatile unsigned long sink;
};

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 22, n = 0;
	char *buf = malloc(cap);
	size_t got;
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				buf = NULL;
			}
			buf = nb;
		}
	}
	fclose(f);
	*len = n;
	return buf;
}

static char *decompress_all(const char *zst, size_t len, size_t *out_len)
{
	ZSTD_DCtx *d = ZSTD_createDCtx();
	size_t cap = len * 8, n = 0;
	char *out = malloc(cap);
	ZSTD_inBuffer in = { zst, len, 0 };
	while (out && d) {
		if (cap - n < (1 << 20)) {
			char *nb = realloc(out, cap *= 2);
			if (!nb) {
				free(out);
				out = NULL;
				break;
			}
			out = nb;
		}
		ZSTD_outBuffer o = { out + n, cap - n, 0 };
		size_t ret = ZSTD_decompressStream(d, &o, &in);
		n += o.pos;
		if (ZSTD_isError(ret)) {
			free(out);
			out = NULL;
			break;
		}
		if (!ret && in.pos == in.size)
			break;
	}
	ZSTD_freeDCtx(d);
	*out_len = n;
	return out;
}

static unsigned long count_lines(const char *p, size_t len)
{
	unsigned long n = 0;
	const char *end = p + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		n++;
		if (!nl)
			break;
		p = nl + 1;
	}
	return n;
}

/* One whole replay of len bytes of a trace; the events it replayed. */
static unsigned long replay_events(const void *data, size_t len, bool allow_mismatch)
{
	struct kmm_replay_config cfg = KMM_REPLAY_DEFAULTS;
	cfg.allow_mismatch = allow_mismatch;
	struct kmm_replay *r = kmm_replay_create(&cfg);
	kmm_replay_feed(r, data, len);
	kmm_replay_finish(r);
	unsigned long events = kmm_replay_stats(r)->events;
	kmm_replay_destroy(r);
	return events;
}

static void replay_buffer(struct replay_input *in, const void *data, size_t len)
{
	in->sink = replay_events(data, len, false);
}

static void replay_zst(void *arg, long iters)
{
	struct replay_input *in = arg;
	replay_buffer(in, in->zst, in->zst_len);
}

static void replay_text(void *arg, long iters)
{
	struct replay_input *in = arg;
	replay_buffer(in, in->text, in->text_len);
}

static void parse_text(void *arg, long iters)
{
	struct replay_input *in = arg;
	struct kmm_trace_event ev;
	unsigned long events = 0;
	const char *p = in->text, *end = in->text + in->text_len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		events += kmm_trace_parse_line(p, n, &ev, NULL, 0) == KMM_TRACE_EVENT;
		p += n + 1;
	}
	in->sink = events;
}

static void base_unzstd_scan(void *arg, long iters)
{
	struct replay_input *in = arg;
	ZSTD_DCtx *d = ZSTD_createDCtx();
	char *out = malloc(256 << 10);
	ZSTD_inBuffer zin = { in->zst, in->zst_len, 0 };
	unsigned long lines = 0;
	for (;;) {
		ZSTD_outBuffer o = { out, 256 << 10, 0 };
		size_t ret = ZSTD_decompressStream(d, &o, &zin);
		if (ZSTD_isError(ret))
			break;
		for (const char *p = out, *e = out + o.pos; (p = memchr(p, '\n', (size_t)(e - p))); p++)
			lines++;
		if (!ret && zin.pos == zin.size)
			break;
	}
	in->sink = lines;
	free(out);
	ZSTD_freeDCtx(d);
}

static void base_scan(void *arg, long iters)
{
	struct replay_input *in = arg;
	in->sink = count_lines(in->text, in->text_len);
}

static void print_rate(const char *what, struct bench_result r)
{
	printf("  %-58s %6.2f million events/s\n", what, 1e3 / r.ns);
}

/* ---- trace.dat against the text printed from it ---------------------------------------------------- */

struct dat_input {
	char *dat, *text;
	size_t dat_len, text_len;
	unsigned long events;
	volatile unsigned long sink;
};

static void replay_dat(void *arg, long iters)
{
	struct dat_input *in = arg;
	in->sink = replay_events(in->dat, in->dat_len, true); /* a 64-bit kernel's trace on i386 */
}

static void replay_dat_text(void *arg, long iters)
{
	struct dat_input *in = arg;
	in->sink = replay_events(in->text, in->text_len, false);
}

/* What libtracecmd takes to open the file (every event format in it parsed), the events not read. */
static void dat_open_only(void *arg, long iters)
{
	struct dat_input *in = arg;
	int fd = memfd_create("bench.dat", MFD_CLOEXEC);
	if (fd < 0 || write(fd, in->dat, in->dat_len) != (ssize_t)in->dat_len || lseek(fd, 0, SEEK_SET)) {
		if (fd >= 0)
			close(fd);
		return;
	}
	struct tracecmd_input *t = tracecmd_open_fd(fd, TRACECMD_FL_LOAD_NO_PLUGINS | TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS);
	if (t)
		tracecmd_close(t); /* closes fd */
	else
		close(fd);
}

static void dat_text_scan(void *arg, long iters)
{
	struct dat_input *in = arg;
	in->sink = count_lines(in->text, in->text_len);
}

/*
 * tests/data/traces/host-ls.trace.dat (a real 6.18 kernel's, through trace-cmd) against
 * host-ls.report.zst decompressed (trace-cmd report -N of the same file), both in memory;
 * baseline: the line scan of the text.  One operation is one event.
 */
static void bench_replay_dat(const char *dir)
{
	char path[1024];
	struct dat_input in = { 0 };
	snprintf(path, sizeof(path), "%s/traces/host-ls.trace.dat", dir);
	in.dat = read_all(path, &in.dat_len);
	snprintf(path, sizeof(path), "%s/traces/host-ls.report.zst", dir);
	size_t zlen;
	char *z = read_all(path, &zlen);
	in.text = z ? decompress_all(z, zlen, &in.text_len) : NULL;
	free(z);
	if (!in.dat || !in.text) {
		fprintf(stderr, "bench: %s/traces/host-ls.*: cannot read them\n", dir);
		free(in.dat);
		free(in.text);
		return;
	}
	replay_dat(&in, 0);
	in.events = in.sink;
	long n = (long)in.events;
	bench_print_header("replay trace.dat (one operation = one event of host-ls.trace.dat, in memory)");
	struct bench_result dat = bench_best(replay_dat, &in, n, 5);
	struct bench_result text = bench_best(replay_dat_text, &in, n, 5);
	struct bench_result scan = bench_best(dat_text_scan, &in, n, 5);
	bench_print("replay trace.dat", dat, text);
	bench_print("replay its text (trace-cmd report -N)", text, scan);
	struct bench_result open = bench_best(dat_open_only, &in, n, 5);
	bench_print("libtracecmd's open alone (per event)", open, dat);
	printf("  (%lu events; %.0f KiB of trace.dat, %.1f MiB of text; the first row's baseline is the second's)\n",
	       in.events, (double)in.dat_len / 1024, (double)in.text_len / (1 << 20));
	print_rate("replay of the trace.dat:", dat);
	print_rate("replay of the same events as text:", text);
	printf("  libtracecmd's open of the file (its event formats parsed): %.1f ms\n", open.ns * (double)n / 1e6);
	free(in.dat);
	free(in.text);
}

void bench_replay(void)
{
	const char *data = getenv("KMM_TEST_DATA");
	char path[1024];
	snprintf(path, sizeof(path), "%s/traces/sample-mixed.trace.zst", data && *data ? data : "tests/data");
	struct replay_input in = { 0 };
	in.zst = read_all(path, &in.zst_len);
	if (!in.zst) {
		fprintf(stderr, "bench: %s: cannot read it (run from the repository's top directory, or set KMM_TEST_DATA)\n", path);
		exit(1);
	}
	in.text = decompress_all(in.zst, in.zst_len, &in.text_len);
	if (!in.text) {
		fprintf(stderr, "bench: %s: not a zstd stream\n", path);
		free(in.zst);
		return;
	}
	in.lines = count_lines(in.text, in.text_len);

	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	char err[256];
	if (kmm_boot(&p, err, sizeof(err))) {
		fprintf(stderr, "bench: %s\n", err);
		free(in.zst);
		free(in.text);
		return;
	}
	/* warm up: the machine's first touches of its slab pages are host page faults */
	replay_text(&in, 0);

	long n = (long)in.lines;
	bench_print_header("replay (one operation = one event of the shared trace sample, in memory)");
	struct bench_result zst = bench_best(replay_zst, &in, n, 5);
	struct bench_result base_z = bench_best(base_unzstd_scan, &in, n, 5);
	bench_print("replay .zst (decompress+parse+replay)", zst, base_z);
	struct bench_result text = bench_best(replay_text, &in, n, 5);
	struct bench_result base_t = bench_best(base_scan, &in, n, 5);
	bench_print("replay text (parse+replay)", text, base_t);
	struct bench_result parse = bench_best(parse_text, &in, n, 5);
	bench_print("parse text only", parse, base_t);
	printf("  (%lu events, %.1f MiB of text, %.1f MiB compressed; baselines: zstd decompression + memchr line scan,\n"
	       "   and the memchr line scan of the text alone)\n",
	       in.lines, (double)in.text_len / (1 << 20), (double)in.zst_len / (1 << 20));
	print_rate("replay of the .zst file, decompression included:", zst);
	print_rate("replay of the decompressed text:", text);
	print_rate("parsing only:", parse);
	print_rate("baseline: zstd decompression + line scan:", base_z);
	bench_replay_dat(data && *data ? data : "tests/data");
	kmm_shutdown();

	/* the same events, each on the CPU its trace names: the replay's thread visits the CPUs */
	p.nr_cpus = 2;
	if (!kmm_boot(&p, err, sizeof(err))) {
		replay_text(&in, 0);
		struct bench_result two = bench_best(replay_text, &in, n, 5);
		bench_print("replay text on 2 CPUs (vs on 1: the row above's)", two, text);
		kmm_shutdown();
	}
	free(in.zst);
	free(in.text);
}
