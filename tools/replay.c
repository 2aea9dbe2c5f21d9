/*
 * replay.c - `kmm replay`: boot a machine, replay a kernel's kmem: trace on
 * it through the library (src/trace/), and report what happened: speed,
 * agreement with the real kernel's bytes_alloc, per-cache peaks, slab
 * pages, fragmentation over time, failures and the "nothing lost" check;
 * optionally the final /proc views (--proc-dir) and an SVG picture of the
 * free lists and fragmentation over the replay (--svg).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include <kmm/kmm.h>
#include <kmm/kstrtox.h>
#include <kmm/trace.h>

#include "kmm.h"

static const char replay_help[] =
	"NAME\n"
	"    kmm replay - replay a Linux kmem: trace on a simulated machine\n"
	"\n"
	"SYNOPSIS\n"
	"    kmm replay [boot options] [--strict] [--allow-mismatch] [--proc-dir DIR]\n"
	"               [--svg FILE] [--sample-every N] [--quiet] TRACE\n"
	"\n"
	"DESCRIPTION\n"
	"    Boots a machine as `kmm boot` does with the same options, then replays TRACE:\n"
	"    trace-cmd's binary trace.dat (read with libtracecmd, the event formats taken\n"
	"    from the file), or ftrace text as /sys/kernel/tracing/trace, trace-cmd report\n"
	"    or perf script print it, each plain or zstd- or gzip-compressed (recognised\n"
	"    by their first bytes, whatever the file is called), with\n"
	"    the events kmem:kmalloc, kfree, kmem_cache_alloc, kmem_cache_free,\n"
	"    mm_page_alloc and mm_page_free.  Allocations and frees are paired by the\n"
	"    traced (hashed) pointer, pages by pfn; a traced kmem_cache is created on first\n"
	"    use with the traced object size; gfp_flags are read from their symbolic (or\n"
	"    0x...) form.  A free of something the trace never allocated is counted, not\n"
	"    an error.  At the end everything the trace left allocated is freed and kmm\n"
	"    checks that no page was lost.\n"
	"\n"
	"    The other kmem events (mm_page_free_batched, which repeats an mm_page_free,\n"
	"    mm_page_alloc_zone_locked, mm_page_pcpu_drain, mm_page_alloc_extfrag,\n"
	"    rss_stat) allocate nothing of their own: they are counted, not replayed.\n"
	"    kmm's own trace (sys/kernel/tracing/trace of a run with trace_event= or the\n"
	"    scenario's `trace on`) is read back like a real kernel's.\n"
	"\n"
	"    Lines that are not events or that kmm cannot read are counted and the first\n"
	"    few are listed with their line numbers; the replay goes on.\n"
	"\n"
	"OPTIONS\n"
	"    --profile, --mem, --e820, --dmesg, --dtb, --dts, --cpus, --cmdline, --numa,\n"
	"    --distance, --initrd, --kernel-size, --seed, --kconfig\n"
	"        the machine, as for `kmm boot` (default: i386 with 4 GiB).\n"
	"    --strict\n"
	"        stop at the first malformed or unknown line, or a broken compressed\n"
	"        stream: FILE:LINE and what was expected on stderr, exit status 2.\n"
	"    --allow-mismatch\n"
	"        replay a trace.dat recorded with another page size or pointer width than\n"
	"        the machine's (refused by default: its pfns and sizes were that kernel's).\n"
	"    --proc-dir DIR\n"
	"        write every /proc view, as it is when the trace ends, into DIR.\n"
	"    --svg FILE\n"
	"        draw free pages per order and the unusable free index over the replay.\n"
	"    --sample-every N\n"
	"        sample the free lists every N events (default 1024; halved in density\n"
	"        as needed to keep at most 2048 samples).\n"
	"    -q, --quiet\n"
	"        no per-cache table and no fragmentation table.\n"
	"    -h, --help\n"
	"        this text.\n"
	"\n"
	"REPORT\n"
	"    events and events/s (wall time, decompression included); agreement: the\n"
	"    kmalloc and kmem_cache_alloc requests for which kmm gave the same\n"
	"    bytes_alloc as the real kernel; per-cache allocations and peak live\n"
	"    objects; pages used by slab; the unusable free index of every zone at\n"
	"    points of the replay (as /sys/kernel/debug/extfrag/unusable_index);\n"
	"    with --cpus N, the events each simulated CPU ran (an event runs on the CPU\n"
	"    its trace names, modulo N, in the trace's order);\n"
	"    allocations kmm failed; the problem lines; \"nothing lost\".  What the trace\n"
	"    could not say: events lost to a full ring buffer (tracefs's \"[LOST N EVENTS]\",\n"
	"    trace.dat's per-page counts and overruns) and frees of objects allocated\n"
	"    before the trace began; for a trace.dat, the recording kernel's uname, page\n"
	"    size and pointer width.\n"
	"\n"
	"EXIT STATUS\n"
	"    0  the replay ran (problem lines are only reported)\n"
	"    1  kmm found a kernel BUG (a slab or page error, an oops) or lost pages\n"
	"    2  usage error, a missing or unreadable TRACE, a TRACE with no kmem event\n"
	"       and lines kmm cannot read, or with --strict a malformed line, broken\n"
	"       input (a compressed stream that is truncated or fails its checksum or\n"
	"       CRC) or a TRACE with no kmem event at all (an empty file).  Without\n"
	"       --strict an empty TRACE exits 0, saying that nothing was replayed, and\n"
	"       a broken stream is replayed as far as it reads, with a warning; a\n"
	"       trace.dat of another page size or pointer width without --allow-mismatch.\n"
	"\n"
	"EXAMPLES\n"
	"    kmm replay sample-mixed.trace.zst\n"
	"    kmm replay --profile x86_64 trace.dat\n"
	"    kmm replay --profile x86_64 --mem 24G --svg frag.svg --proc-dir out/ trace.gz\n"
	"    perf script | kmm replay --strict /dev/stdin\n";

enum { OPT_STRICT = 256, OPT_SVG, OPT_SAMPLE_EVERY, OPT_ALLOW_MISMATCH };

struct replay_cli {
	const char *trace;          /* the path */
	const char *proc_dir;
	int proc_dir_failed;
};

static void write_views_at_end(void *arg)
{
	struct replay_cli *c = arg;
	if (c->proc_dir && write_proc_dir(c->proc_dir, NULL, 0))
		c->proc_dir_failed = 1;
}

/* ---- the report ---------------------------------------------------------------------- */

static double pct(unsigned long a, unsigned long b)
{
	return b ? 100.0 * (double)a / (double)b : 0.0;
}

static const struct kmm_replay_cache *sort_base;

static int by_allocs_desc(const void *a, const void *b)
{
	const struct kmm_replay_cache *x = &sort_base[*(const unsigned *)a], *y = &sort_base[*(const unsigned *)b];
	if (x->allocs != y->allocs)
		return x->allocs < y->allocs ? 1 : -1;
	return strcmp(x->name, y->name);
}

static void print_caches(const struct kmm_replay_stats *st)
{
	unsigned *order = malloc(st->nr_caches * sizeof(*order) + 1);
	if (!order)
		return;
	for (unsigned i = 0; i < st->nr_caches; i++)
		order[i] = i;
	sort_base = st->caches;
	qsort(order, st->nr_caches, sizeof(*order), by_allocs_desc);
	printf("\nCaches, by allocations (kernel/kmm: bytes_alloc each gave; peak: live objects at most)\n");
	printf("  %-24s %9s %9s %8s %8s %7s %7s %7s %7s\n", "cache", "allocs", "frees", "peak", "failed", "req",
	       "kernel", "kmm", "agree%");
	for (unsigned k = 0; k < st->nr_caches; k++) {
		const struct kmm_replay_cache *c = &st->caches[order[k]];
		char req[16];
		if (c->kmalloc)
			snprintf(req, sizeof(req), "-");
		else
			snprintf(req, sizeof(req), "%lu", c->bytes_req);
		printf("  %-24s %9lu %9lu %8lu %8lu %7s %7lu %7lu %6.1f%%\n", c->name, c->allocs, c->frees, c->peak,
		       c->failures, req, c->kernel_bytes, c->kmm_bytes, pct(c->agree, c->allocs));
	}
	free(order);
}

static void print_fragmentation(const struct kmm_replay_stats *st)
{
	if (!st->nr_samples)
		return;
	printf("\nUnusable free index over the replay (extfrag/unusable_index: 0 = every free page is usable for\n"
	       "an allocation of that order, 1 = none is), at %d points:\n", st->nr_samples < 8 ? (int)st->nr_samples : 8);
	printf("  %10s %8s %-14s", "events", "slab pg", "zone");
	for (int o = 0; o < MAX_ORDER; o++)
		printf(" %5d", o);
	printf("\n");
	unsigned long points = st->nr_samples < 8 ? st->nr_samples : 8;
	for (unsigned long k = 0; k < points; k++) {
		unsigned long i = points == 1 ? 0 : k * (st->nr_samples - 1) / (points - 1);
		const struct kmm_replay_sample *s = &st->samples[i];
		for (unsigned z = 0; z < st->nr_zones; z++) {
			char zn[32];
			snprintf(zn, sizeof(zn), "%d/%s", st->zones[z].nid, st->zones[z].name);
			if (z == 0)
				printf("  %10lu %8lu %-14s", s->event, s->slab_pages, zn);
			else
				printf("  %10s %8s %-14s", "", "", zn);
			for (int o = 0; o < MAX_ORDER; o++) {
				int idx = kmm_replay_unusable_index(s, z, (unsigned)o);
				printf(" %d.%03d", idx / 1000, idx % 1000);
			}
			printf("\n");
		}
	}
}

static void print_report(const char *path, const struct kmm_replay_stats *st, bool quiet)
{
	printf("kmm replay: %s\n", path);
	printf("  lines %lu, events %lu:", st->lines, st->events);
	for (int k = 0; k < KMM_TRACE_NR_KINDS; k++)
		printf(" %s %lu%s", kmm_trace_kind_name((enum kmm_trace_kind)k), st->by_kind[k],
		       k + 1 < KMM_TRACE_NR_KINDS ? "," : "\n");
	printf("  replayed in %.3f s: %.2f million events/s (decompression and parsing included)\n", st->seconds,
	       st->seconds > 0 ? (double)st->events / st->seconds / 1e6 : 0.0);
	if (st->not_replayed)
		printf("  %lu events that allocate nothing of their own (page list moves, rss_stat, vmscan:): not replayed\n",
		       st->not_replayed);
	if (st->events)
		printf("  trace time %.6f .. %.6f s (%.3f s)\n", (double)st->first_ts_ns / 1e9,
		       (double)st->last_ts_ns / 1e9, (double)(st->last_ts_ns - st->first_ts_ns) / 1e9);
	if (st->input_format) {
		printf("  input: %s", st->input_format);
		if (st->kernel_release[0])
			printf(", recorded by %s", st->kernel_release);
		if (st->trace_page_size)
			printf(", %u-byte pages, %u-bit pointers", st->trace_page_size, st->trace_long_size * 8);
		printf(", events on %u CPU%s\n", st->trace_cpus, st->trace_cpus == 1 ? "" : "s");
	}
	if (st->events_on_cpu[0] != st->events) {
		printf("  run on the simulated CPUs the trace names:");
		for (int c = 0; c < KMM_MAX_CPUS; c++)
			if (st->events_on_cpu[c])
				printf(" CPU %d %lu", c, st->events_on_cpu[c]);
		printf("\n");
	}
	printf("\nWhat the trace could not say: %lu events lost to a full ring buffer", st->events_lost);
	if (st->lost_gaps)
		printf(" (and %lu gaps of unknown size)", st->lost_gaps);
	printf(",\n  %lu frees of objects allocated before the trace began (or whose allocation was lost)\n",
	       st->unmatched_frees);
	printf("\nPairing: %lu frees of pointers the trace never allocated, %lu frees of NULL,\n"
	       "  %lu allocations the kernel failed (not replayed), %lu pointers allocated again while live,\n"
	       "  %lu page frees with another order than their allocation\n",
	       st->unmatched_frees, st->null_frees, st->kernel_failures, st->duplicate_allocs, st->order_mismatches);
	printf("\nAgreement (kmm's bytes_alloc == the kernel's):\n");
	printf("  kmalloc           %9lu of %9lu  %6.2f%%\n", st->agree_kmalloc, st->total_kmalloc,
	       pct(st->agree_kmalloc, st->total_kmalloc));
	printf("  kmem_cache_alloc  %9lu of %9lu  %6.2f%%\n", st->agree_cache, st->total_cache,
	       pct(st->agree_cache, st->total_cache));
	printf("  both              %9lu of %9lu  %6.2f%%\n", st->agree_kmalloc + st->agree_cache,
	       st->total_kmalloc + st->total_cache,
	       pct(st->agree_kmalloc + st->agree_cache, st->total_kmalloc + st->total_cache));
	printf("\nAllocation failures (kmm failed, the kernel did not): kmalloc %lu, kmem_cache_alloc %lu, mm_page_alloc %lu\n",
	       st->alloc_failures[KMM_TRACE_KMALLOC], st->alloc_failures[KMM_TRACE_CACHE_ALLOC],
	       st->alloc_failures[KMM_TRACE_PAGE_ALLOC]);
	printf("Slab pages (slabs and large kmallocs): peak %lu (%lu KiB, sampled every few events)\n",
	       st->slab_pages_peak, st->slab_pages_peak * 4);
	printf("Pages held through mm_page_alloc: peak %lu (%lu KiB)\n", st->page_allocs_live_peak,
	       st->page_allocs_live_peak * 4);
	if (!quiet) {
		print_caches(st);
		print_fragmentation(st);
	}
	if (st->malformed || st->unknown || st->input_error[0]) {
		printf("\nProblems: %lu malformed lines, %lu lines of events kmm does not replay\n", st->malformed,
		       st->unknown);
		for (unsigned i = 0; i < st->nr_problems; i++)
			printf("  %s:%lu: %s\n", path, st->problems[i].line, st->problems[i].what);
		if (st->malformed + st->unknown > st->nr_problems)
			printf("  ... and %lu more\n", st->malformed + st->unknown - st->nr_problems);
		if (st->input_error[0])
			printf("  %s: %s\n", path, st->input_error);
	}
	printf("\nNothing lost: %s (free pages %lu at the start, %lu at the end; %lu allocations still live when the\n"
	       "  trace ended were freed)\n",
	       st->nothing_lost ? "yes" : "NO", st->free_pages_start, st->free_pages_end, st->live_at_end);
	if (!st->nothing_lost)
		printf("  %s\n", st->lost_why);
	if (st->bugs)
		printf("Kernel BUG/WARNING reports during the replay: %lu (see the kernel log)\n", st->bugs);
}

/* ---- the picture ---------------------------------------------------------------------------- */

static const char *const order_colours[MAX_ORDER] = {
	"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
	"#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79",
};
static const char *const zone_dashes[] = { "", "6,3", "2,2", "8,3,2,3" };

#define SVG_W 960
#define PANEL_H 300
#define MARGIN_L 80
#define MARGIN_R 170
#define PLOT_W (SVG_W - MARGIN_L - MARGIN_R)

static double sample_x(const struct kmm_replay_stats *st, unsigned long i)
{
	unsigned long last = st->samples[st->nr_samples - 1].event;
	return MARGIN_L + (last ? (double)st->samples[i].event / (double)last : 0.0) * PLOT_W;
}

static int write_svg(const char *file, const char *trace, const struct kmm_replay_stats *st)
{
	FILE *f = fopen(file, "w");
	if (!f) {
		fprintf(stderr, "kmm replay: --svg %s: %s\n", file, strerror(errno));
		return -1;
	}
	int top1 = 50, top2 = top1 + PANEL_H + 70, height = top2 + PANEL_H + 60;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n",
		SVG_W, height);
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	fprintf(f, "<text x=\"%d\" y=\"24\" font-size=\"16\">kmm replay of ", MARGIN_L);
	for (const char *p = trace; *p; p++) { /* the path, XML-escaped */
		if (*p == '<') fputs("&lt;", f);
		else if (*p == '>') fputs("&gt;", f);
		else if (*p == '&') fputs("&amp;", f);
		else fputc(*p, f);
	}
	fprintf(f, ": %lu events</text>\n", st->events);

	/* panel 1: free pages per order (all zones), log scale */
	double maxv = 1;
	for (unsigned long i = 0; i < st->nr_samples; i++)
		for (int o = 0; o < MAX_ORDER; o++) {
			double v = 0;
			for (unsigned z = 0; z < st->nr_zones; z++)
				v += (double)(st->samples[i].nr_free[z][o] << o);
			if (v > maxv)
				maxv = v;
		}
	double decades = ceil(log10(maxv));
	if (decades < 1)
		decades = 1;
	fprintf(f, "<text x=\"%d\" y=\"%d\">Free pages per order on the buddy lists, all zones (log scale)</text>\n",
		MARGIN_L, top1 - 8);
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>\n", MARGIN_L, top1,
		PLOT_W, PANEL_H);
	for (int d = 0; d <= (int)decades; d++) {
		double y = top1 + PANEL_H - (double)d / decades * PANEL_H;
		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>", MARGIN_L, y,
			MARGIN_L + PLOT_W, y);
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">1e%d</text>\n", MARGIN_L - 6, y + 4, d);
	}
	for (int o = 0; o < MAX_ORDER; o++) {
		fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"", order_colours[o]);
		for (unsigned long i = 0; i < st->nr_samples; i++) {
			double v = 0;
			for (unsigned z = 0; z < st->nr_zones; z++)
				v += (double)(st->samples[i].nr_free[z][o] << o);
			double y = top1 + PANEL_H - (v >= 1 ? log10(v) / decades : 0) * PANEL_H;
			fprintf(f, "%.1f,%.1f ", sample_x(st, i), y);
		}
		fprintf(f, "\"/>\n");
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>", MARGIN_L + PLOT_W + 12,
			top1 + 4 + o * 18, order_colours[o]);
		fprintf(f, "<text x=\"%d\" y=\"%d\">order %d (%lu KiB)</text>\n", MARGIN_L + PLOT_W + 30,
			top1 + 14 + o * 18, o, 4UL << o);
	}

	/* panel 2: unusable free index at orders 3 and 9, per zone */
	static const unsigned orders[] = { 3, 9 };
	fprintf(f, "<text x=\"%d\" y=\"%d\">Unusable free index (extfrag, 0..1) per zone: order 3 (costly) and order 9 (2 MiB)</text>\n",
		MARGIN_L, top2 - 8);
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>\n", MARGIN_L, top2,
		PLOT_W, PANEL_H);
	/* the scale: the smallest of 0.01, 0.02, 0.05 ... 1 above every index drawn, so small changes show */
	int top_idx = 0;
	for (unsigned z = 0; z < st->nr_zones; z++)
		for (size_t k = 0; k < sizeof(orders) / sizeof(orders[0]); k++)
			for (unsigned long i = 0; i < st->nr_samples; i++) {
				int idx = kmm_replay_unusable_index(&st->samples[i], z, orders[k]);
				top_idx = idx > top_idx ? idx : top_idx;
			}
	static const double scales[] = { 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0 };
	double ymax = 1.0;
	for (size_t k = 0; k < sizeof(scales) / sizeof(scales[0]); k++)
		if (top_idx / 1000.0 < scales[k]) {
			ymax = scales[k];
			break;
		}
	for (int t = 0; t <= 4; t++) {
		double y = top2 + PANEL_H - t / 4.0 * PANEL_H;
		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>", MARGIN_L, y,
			MARGIN_L + PLOT_W, y);
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.4g</text>\n", MARGIN_L - 6, y + 4,
			ymax * t / 4.0);
	}
	int legend = 0;
	for (unsigned z = 0; z < st->nr_zones; z++) {
		for (size_t k = 0; k < sizeof(orders) / sizeof(orders[0]); k++) {
			const char *colour = order_colours[orders[k]];
			const char *dash = zone_dashes[z % 4];
			fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"%s%s%s points=\"", colour,
				*dash ? " stroke-dasharray=\"" : "", dash, *dash ? "\"" : "");
			for (unsigned long i = 0; i < st->nr_samples; i++) {
				int idx = kmm_replay_unusable_index(&st->samples[i], z, orders[k]);
				fprintf(f, "%.1f,%.1f ", sample_x(st, i), top2 + PANEL_H - idx / 1000.0 / ymax * PANEL_H);
			}
			fprintf(f, "\"/>\n");
			int ly = top2 + 10 + legend++ * 18;
			fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s%s%s/>",
				MARGIN_L + PLOT_W + 8, ly - 4, MARGIN_L + PLOT_W + 26, ly - 4, colour,
				*dash ? " stroke-dasharray=\"" : "", dash, *dash ? "\"" : "");
			fprintf(f, "<text x=\"%d\" y=\"%d\">%d/%s order %u</text>\n", MARGIN_L + PLOT_W + 30, ly,
				st->zones[z].nid, st->zones[z].name, orders[k]);
		}
	}
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">events replayed (0 .. %lu)</text>\n",
		MARGIN_L + PLOT_W / 2, top2 + PANEL_H + 30, st->nr_samples ? st->samples[st->nr_samples - 1].event : 0);
	fprintf(f, "</svg>\n");
	if (fclose(f)) {
		fprintf(stderr, "kmm replay: --svg %s: %s\n", file, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- the command ------------------------------------------------------------------------------ */

int cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		BOOT_OPTIONS,
		{ "proc-dir", required_argument, 0, 'o' },
		{ "strict", no_argument, 0, OPT_STRICT },
		{ "allow-mismatch", no_argument, 0, OPT_ALLOW_MISMATCH },
		{ "svg", required_argument, 0, OPT_SVG },
		{ "sample-every", required_argument, 0, OPT_SAMPLE_EVERY },
		{ "quiet", no_argument, 0, 'q' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	char *e820 = NULL;
	struct kmm_replay_config cfg = KMM_REPLAY_DEFAULTS;
	struct replay_cli cli = { 0 };
	const char *svg = NULL;
	bool quiet = false;
	int c, idx = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", opts, &idx)) != -1) {
		switch (c) {
		case 'B':
			if (boot_option(opts[idx].name, optarg, &p, &e820))
				goto usage_error;
			break;
		case 'o': cli.proc_dir = optarg; break;
		case OPT_STRICT: cfg.strict = true; break;
		case OPT_ALLOW_MISMATCH: cfg.allow_mismatch = true; break;
		case OPT_SVG: svg = optarg; break;
		case OPT_SAMPLE_EVERY: {
			u64 n;
			if (kmm_parse_count(optarg, 1, ULONG_MAX, &n)) {
				fprintf(stderr, "kmm replay: --sample-every \"%s\": expected a number of events from 1 to %lu\n",
					optarg, ULONG_MAX);
				goto usage_error;
			}
			cfg.sample_every = (unsigned long)n;
			break;
		}
		case 'q': quiet = true; break;
		case 'h':
			fputs(replay_help, stdout);
			free(e820);
			return 0;
		default:
			fputs("usage: kmm replay [boot options] [--strict] [--proc-dir DIR] [--svg FILE] TRACE (see --help)\n",
			      stderr);
			goto usage_error;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "kmm replay: %s\nusage: kmm replay [boot options] [--strict] [--proc-dir DIR] [--svg FILE] TRACE\n",
			optind < argc ? "one TRACE file, please" : "which TRACE?");
		goto usage_error;
	}
	cli.trace = argv[optind];
	FILE *probe = fopen(cli.trace, "r");
	struct stat sb;
	if (!probe) {
		fprintf(stderr, "kmm replay: %s: %s\n", cli.trace, strerror(errno));
		goto usage_error;
	}
	if (!fstat(fileno(probe), &sb) && S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "kmm replay: %s: is a directory, not a trace\n", cli.trace);
		fclose(probe);
		goto usage_error;
	}
	fclose(probe);

	if (boot_machine(&p, e820))
		return 1;
	char err[512];
	cfg.at_end = write_views_at_end;
	cfg.at_end_arg = &cli;
	struct kmm_replay *r = kmm_replay_create(&cfg);
	if (!r) {
		fprintf(stderr, "kmm replay: %s\n", strerror(errno));
		kmm_shutdown();
		return 1;
	}
	int status = 0;
	int fed = kmm_replay_file(r, cli.trace, err, sizeof(err));
	if (fed && kmm_replay_stats(r)->refused) {
		fprintf(stderr, "kmm replay: %s: %s; --allow-mismatch replays it anyway\n", cli.trace,
			kmm_replay_stats(r)->input_error);
		kmm_replay_destroy(r);
		kmm_shutdown();
		return 2;
	}
	if (fed && !kmm_replay_stats(r)->nr_problems &&
	    !kmm_replay_stats(r)->input_error[0]) {
		fprintf(stderr, "kmm replay: %s\n", err); /* a read error */
		status = 2;
	}
	if (kmm_replay_finish(r))
		status = 2;
	const struct kmm_replay_stats *st = kmm_replay_stats(r);
	if (cfg.strict && !status && !st->events) {
		/* an empty trace (or one of comments only) is no replay: --strict says so by failing */
		fprintf(stderr, "%s: no kmem event in it (%lu line%s): nothing was replayed\n", cli.trace, st->lines,
			st->lines == 1 ? "" : "s");
		status = 2;
	} else if (cfg.strict && status == 2) {
		if (st->nr_problems)
			fprintf(stderr, "%s:%lu: %s\n", cli.trace, st->problems[0].line, st->problems[0].what);
		if (st->input_error[0])
			fprintf(stderr, "%s: %s\n", cli.trace, st->input_error);
	} else {
		print_report(cli.trace, st, quiet);
		if (!st->events && (st->malformed || st->input_error[0])) {
			fprintf(stderr, "kmm replay: %s: no kmem event in it", cli.trace);
			if (st->nr_problems)
				fprintf(stderr, " (line %lu: %s)", st->problems[0].line, st->problems[0].what);
			else if (st->input_error[0])
				fprintf(stderr, " (%s)", st->input_error);
			fprintf(stderr, "\n");
			status = 2;
		} else if (st->input_error[0]) {
			fprintf(stderr, "kmm replay: warning: %s: %s\n", cli.trace, st->input_error);
		}
		if (!st->events && status != 2)
			fprintf(stderr, "kmm replay: %s: no kmem event in it (%lu line%s): nothing was replayed\n",
				cli.trace, st->lines, st->lines == 1 ? "" : "s");
	}
	if (svg && st->nr_samples && write_svg(svg, cli.trace, st))
		status = status ? status : 2;
	if (cli.proc_dir_failed && !status)
		status = 1;
	if (!status && (st->bugs || !st->nothing_lost))
		status = 1;
	kmm_replay_destroy(r);
	kmm_shutdown();
	return status;

usage_error:
	free(e820);
	return 2;
}
