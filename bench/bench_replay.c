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
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

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

static void replay_buffer(struct replay_input *in, const void *data, size_t len)
{
	struct kmm_replay_config cfg = KMM_REPLAY_DEFAULTS;
	struct kmm_replay *r = kmm_replay_create(&cfg);
	kmm_replay_feed(r, data, len);
	kmm_replay_finish(r);
	in->sink = kmm_replay_stats(r)->events;
	kmm_replay_destroy(r);
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
	kmm_shutdown();
	free(in.zst);
	free(in.text);
}
