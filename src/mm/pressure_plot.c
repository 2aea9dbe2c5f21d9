/*
 * pressure_plot.c - a picture of memory pressure over time (`kmm run --plot
 * FILE.svg`, the scenario's `plot FILE.svg`): free pages of each zone
 * against its min/low/high watermarks, the LRU list sizes, swap in use,
 * and the stretches of time kswapd and direct reclaim ran, over the
 * simulated clock.  People see reclaim in this picture faster than in the
 * counters.
 *
 * Vocabulary.  A *sample* is the machine's state at one moment: per
 * populated zone its free pages and its min, low and high watermarks (with
 * the watermark boost added, as the allocator sees them), per node the five
 * LRU list sizes, and swap used and total - all in pages - with the
 * simulated clock (kmm_clock_ns()) and the *sequence number* of the request
 * that took it.  A *request* for a sample comes after every scenario
 * statement (kmm_plot_sample()) and at every reclaim event (plot_event():
 * kswapd woke or slept, direct reclaim began or ended, OOM).  A *span* is
 * one run of kswapd on a node, or of direct reclaim (on any CPU: from the
 * first CPU that enters until the last one leaves), or an OOM kill (a span
 * of no length), with its clock and sequence numbers at both ends.
 *
 *   samples:  t[i] s[i]  v[i * width ...]:
 *             | zone 0: free min low high | zone 1: ... | node 0: 5 LRU sizes | ... | swap used, total |
 *   spans:    { t0 t1 s0 s1 nid kind count } ...       open ones: kswapd_open[nid], direct_depth
 *
 * Which requests are sampled: the first; one where some value moved by
 * a visible step since the last sample (1/256 of the largest value its
 * column has had); one whose clock moved at all (later: by grain_t); and
 * one stride requests past the last sample - so the picture has a point
 * wherever it changes, and a statement that let time pass is seen however
 * many reclaim events came before it.  Each request reads the state (a
 * few dozen atomic loads) to decide.  Bounded memory: at most
 * PLOT_MAX_SAMPLES samples and PLOT_MAX_SPANS spans are kept, in host
 * memory, made at boot (a hook never allocates).  When the samples fill
 * up, every other one goes (the first and the last stay), stride doubles,
 * a visible step doubles (to 1/8 at most) and grain_t becomes the time the
 * kept samples span over half the cap - so a long run is drawn evenly at
 * a coarser grain.  When the spans fill up, each kind's (and node's)
 * spans that lie closer together than a grain are merged - a merged span
 * covers both and the gap between them, and counts the runs it stands for
 * - the grain growing from under a pixel until half the list is free.
 * Lines are drawn as steps: a value holds until the next sample.
 *
 * The time axis.  Where the clock moved, x is the simulated clock.  Where
 * it stood still over the whole picture (kmm's clock moves only with
 * `sleep` and `step` unless work is made to cost time), x is the sequence
 * of requests - statements and reclaim events - and the axis says so;
 * nothing assumes the clock moves or stands still.
 *
 * Invariants: 1 <= n <= PLOT_MAX_SAMPLES once a request came; s[] and t[]
 * never decrease along the samples (requests are numbered under the lock,
 * and a clock read before another CPU moved it is taken as the last
 * sample's); seq counts every request; nspans <= PLOT_MAX_SPANS; colmax[c]
 * >= every sample's value in column c.
 *
 * Locking: plot->lock is a leaf - taken with zone locks or lru_lock held
 * or not, it only reads counters that are read atomically everywhere
 * (NR_FREE_PAGES, the watermarks, the LRU sizes, the swap counts) and
 * calls nothing that locks.  The SVG is written with it held.
 *
 * Deliberately not done: the samples are not taken from the simulated
 * machine's memory; per-memcg lists (the node's totals over every memory
 * cgroup are drawn); a
 * sample per zone of the LRU lists (6.1 keeps them per node, and so does
 * the picture).
 */
#include "internal.h"

#include <math.h>

#include <kmm/swap.h>

#define PLOT_MAX_SAMPLES 2048UL /* even: thinning keeps every other one */
#define PLOT_MAX_SPANS 1024UL

enum { V_FREE, V_MIN, V_LOW, V_HIGH, V_PER_ZONE };
enum span_kind { SPAN_KSWAPD, SPAN_DIRECT, SPAN_OOM, NR_SPAN_KINDS };

struct plot_span {
	u64 t0, t1;          /* the clock at its beginning and end */
	u64 s0, s1;          /* the request sequence at its beginning and end */
	int nid;             /* kswapd: its node; else -1 */
	u8 kind;             /* enum span_kind */
	u32 count;           /* runs it stands for (> 1 once merged) */
};

struct pressure_plot {
	pthread_mutex_t lock;        /* everything below */
	int nzones, nnodes;
	struct zone **zones;         /* [nzones] the populated zones, node by node, as for_each_populated_zone */
	unsigned int width;          /* values per sample: V_PER_ZONE * nzones + NR_LRU_LISTS * nnodes + 2 */
	u64 seq;                     /* requests so far: the next one's number */
	u64 stride;                  /* a request this far past the last sample's is sampled ... */
	u64 grain_t;                 /* ... and one whose clock moved this far (ns; 0: at all) ... */
	int change_shift;            /* ... and one where a value moved 1/2^this of its column's largest */
	u32 *colmax;                 /* [width] the largest value of each column so far */
	u32 *scratch;                /* [width] the state a request reads */
	unsigned long n;             /* samples held */
	u64 *t, *s;                  /* [PLOT_MAX_SAMPLES] clock and sequence of each */
	u32 *v;                      /* [PLOT_MAX_SAMPLES * width] the values, in pages */
	struct plot_span *spans;     /* [PLOT_MAX_SPANS] closed spans, in the order they closed */
	unsigned long nspans;
	long *pending;               /* [NR_SPAN_KINDS * (nnodes + 1)] scratch of span thinning */
	bool *kswapd_open;           /* [nnodes] kswapd of the node is running ... */
	u64 *kswapd_t, *kswapd_s;    /* [nnodes] ... since then */
	int direct_depth;            /* CPUs in direct reclaim */
	u64 direct_t, direct_s;      /* since then (direct_depth > 0) */
	unsigned long runs[NR_SPAN_KINDS]; /* every run since boot, merged or not */
};

static void plot_free(struct pressure_plot *p)
{
	if (!p)
		return;
	free(p->zones);
	free(p->t);
	free(p->s);
	free(p->v);
	free(p->colmax);
	free(p->scratch);
	free(p->spans);
	free(p->pending);
	free(p->kswapd_open);
	free(p->kswapd_t);
	free(p->kswapd_s);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static struct pressure_plot *plot_alloc(void)
{
	struct pressure_plot *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	struct zone *zone;
	for_each_populated_zone(zone)
		p->nzones++;
	p->nnodes = nr_online_nodes;
	p->width = (unsigned int)(V_PER_ZONE * p->nzones + NR_LRU_LISTS * p->nnodes + 2);
	p->stride = PLOT_MAX_SAMPLES; /* until the first thinning, changes and the clock decide */
	p->change_shift = 8;
	p->zones = calloc((size_t)p->nzones + 1, sizeof(*p->zones));
	p->t = calloc(PLOT_MAX_SAMPLES, sizeof(*p->t));
	p->s = calloc(PLOT_MAX_SAMPLES, sizeof(*p->s));
	p->v = calloc(PLOT_MAX_SAMPLES * p->width, sizeof(*p->v));
	p->colmax = calloc(p->width, sizeof(*p->colmax));
	p->scratch = calloc(p->width, sizeof(*p->scratch));
	p->spans = calloc(PLOT_MAX_SPANS, sizeof(*p->spans));
	p->pending = calloc((size_t)NR_SPAN_KINDS * ((size_t)p->nnodes + 1), sizeof(*p->pending));
	p->kswapd_open = calloc((size_t)p->nnodes + 1, sizeof(*p->kswapd_open));
	p->kswapd_t = calloc((size_t)p->nnodes + 1, sizeof(*p->kswapd_t));
	p->kswapd_s = calloc((size_t)p->nnodes + 1, sizeof(*p->kswapd_s));
	if (!p->zones || !p->t || !p->s || !p->v || !p->colmax || !p->scratch || !p->spans || !p->pending || !p->kswapd_open || !p->kswapd_t ||
	    !p->kswapd_s) {
		plot_free(p);
		return NULL;
	}
	int i = 0;
	for_each_populated_zone(zone)
		p->zones[i++] = zone;
	return p;
}

/*
 * At boot, after the zones and nodes are set up (start_kernel's mm_init):
 * the sample store, so that a hook - inside the page-fault trap, under
 * reclaim - never allocates.  Without host memory the machine runs
 * unsampled and kmm_plot_svg() says -ENOMEM.
 */
void plot_init(void)
{
	__atomic_store_n(&M->plot, plot_alloc(), __ATOMIC_RELEASE);
}

static struct pressure_plot *plot_get(void)
{
	return M ? __atomic_load_n(&M->plot, __ATOMIC_ACQUIRE) : NULL;
}

void plot_exit(void)
{
	plot_free(M->plot);
	M->plot = NULL;
}

/* ---- sampling (plot->lock held) ------------------------------------------------------------ */

static u32 pages32(long v)
{
	return v <= 0 ? 0 : v > (long)UINT32_MAX ? UINT32_MAX : (u32)v;
}

/* The machine's state now into v[width] */
static void sample_read(const struct pressure_plot *p, u32 *v)
{
	for (int z = 0; z < p->nzones; z++, v += V_PER_ZONE) {
		struct zone *zone = p->zones[z];
		v[V_FREE] = pages32(__atomic_load_n(&zone->vm_stat[NR_FREE_PAGES], __ATOMIC_RELAXED));
		v[V_MIN] = pages32((long)min_wmark_pages(zone));
		v[V_LOW] = pages32((long)low_wmark_pages(zone));
		v[V_HIGH] = pages32((long)high_wmark_pages(zone));
	}
	for (int nid = 0; nid < p->nnodes; nid++, v += NR_LRU_LISTS) {
		for (int l = 0; l < NR_LRU_LISTS; l++)
			v[l] = pages32(__atomic_load_n(&NODE_DATA(nid)->nr_lru[l], __ATOMIC_RELAXED));
	}
	unsigned long total = kmm_total_swap_pages(), avail = kmm_nr_swap_pages();
	v[0] = pages32((long)(total > avail ? total - avail : 0));
	v[1] = pages32((long)total);
}

/*
 * Every other sample goes, the first and the last stay; from now on a
 * sample is taken half as often by count, by clock and by change.
 */
static void samples_thin(struct pressure_plot *p)
{
	unsigned long k = 0;
	for (unsigned long i = 0; i < p->n; i++) {
		if (i % 2 && i != p->n - 1)
			continue;
		p->t[k] = p->t[i];
		p->s[k] = p->s[i];
		memmove(&p->v[k * p->width], &p->v[i * p->width], p->width * sizeof(*p->v));
		k++;
	}
	p->n = k;
	p->stride *= 2;
	p->grain_t = (p->t[k - 1] - p->t[0]) / (PLOT_MAX_SAMPLES / 2);
	if (p->change_shift > 3)
		p->change_shift--;
}

/* Does v differ from the last sample by a visible step: 1/2^change_shift of the largest value its column had? */
static bool sample_changed(const struct pressure_plot *p, const u32 *v)
{
	const u32 *last = &p->v[(p->n - 1) * p->width];
	for (unsigned int c = 0; c < p->width; c++) {
		u32 d = v[c] > last[c] ? v[c] - last[c] : last[c] - v[c];
		if (d && d >= (max(p->colmax[c], v[c]) >> p->change_shift))
			return true;
	}
	return false;
}

/*
 * A request: numbered, and sampled when it is stride requests past the
 * last sample, or its clock grain_t past it, or the machine changed
 * visibly since (force: the picture's last sample).
 */
static void request(struct pressure_plot *p, bool force)
{
	u64 seq = p->seq++, now = kmm_clock_ns();
	sample_read(p, p->scratch);
	if (p->n && !force) {
		u64 last_s = p->s[p->n - 1], last_t = p->t[p->n - 1];
		if (seq - min(seq, last_s) < p->stride && !(now > last_t && now - last_t >= p->grain_t) &&
		    !sample_changed(p, p->scratch))
			return;
	}
	if (p->n == PLOT_MAX_SAMPLES)
		samples_thin(p);
	if (p->n && now < p->t[p->n - 1])
		now = p->t[p->n - 1]; /* a CPU that read the clock before another moved it: keep the order */
	p->t[p->n] = now;
	p->s[p->n] = seq;
	memcpy(&p->v[p->n * p->width], p->scratch, p->width * sizeof(*p->v));
	for (unsigned int c = 0; c < p->width; c++)
		p->colmax[c] = max(p->colmax[c], p->scratch[c]);
	p->n++;
}

void kmm_plot_sample(void)
{
	struct pressure_plot *p = plot_get();
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	request(p, false);
	pthread_mutex_unlock(&p->lock);
}

/* ---- spans (plot->lock held) ------------------------------------------------------------------- */

static long span_group(const struct pressure_plot *p, const struct plot_span *sp)
{
	return (long)sp->kind * (p->nnodes + 1) + (sp->nid + 1);
}

/*
 * Spans of the same kind (and node) closer than a grain merged, in order,
 * until at most half the list is left: a merged span covers both and the
 * gap between them.  The grain starts at a thousandth of the time (and of
 * the requests) the picture spans so far - less than a pixel - and doubles
 * until enough went; gaps are measured on both axes, so a merge is never
 * seen on the axis the picture will use.
 */
static void spans_thin(struct pressure_plot *p, u64 now, u64 seq)
{
	u64 t_first = p->n ? p->t[0] : now, s_first = p->n ? p->s[0] : seq;
	u64 grain_t = (now - min(now, t_first)) / 1000, grain_s = (seq - min(seq, s_first)) / 1000;
	long groups = (long)NR_SPAN_KINDS * (p->nnodes + 1);
	while (p->nspans > PLOT_MAX_SPANS / 2) {
		for (long g = 0; g < groups; g++)
			p->pending[g] = -1;
		unsigned long k = 0;
		for (unsigned long i = 0; i < p->nspans; i++) {
			struct plot_span sp = p->spans[i];
			long g = span_group(p, &sp);
			struct plot_span *into = p->pending[g] >= 0 ? &p->spans[p->pending[g]] : NULL;
			if (into && sp.t0 <= into->t1 + grain_t && sp.s0 <= into->s1 + grain_s) {
				into->t0 = min(into->t0, sp.t0);
				into->s0 = min(into->s0, sp.s0);
				into->t1 = max(into->t1, sp.t1);
				into->s1 = max(into->s1, sp.s1);
				into->count += sp.count;
				continue;
			}
			p->spans[k] = sp;
			p->pending[g] = (long)k++;
		}
		p->nspans = k;
		grain_t = grain_t ? grain_t * 2 : 1;
		grain_s = grain_s ? grain_s * 2 : 1;
	}
}

static void span_add(struct pressure_plot *p, enum span_kind kind, int nid, u64 t0, u64 s0, u64 t1, u64 s1)
{
	if (p->nspans == PLOT_MAX_SPANS)
		spans_thin(p, t1, s1);
	if (p->nspans == PLOT_MAX_SPANS)
		return; /* every group holds one span: only with more groups (nodes) than PLOT_MAX_SPANS / 2 */
	p->spans[p->nspans++] = (struct plot_span){ t0, max(t1, t0), s0, max(s1, s0), nid, (u8)kind, 1 };
	p->runs[kind]++;
}

void plot_event(enum plot_event ev, int nid)
{
	struct pressure_plot *p = plot_get();
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	u64 seq = p->seq, now = kmm_clock_ns(); /* the request below gets this number */
	bool node_ok = nid >= 0 && nid < p->nnodes;
	switch (ev) {
	case PLOT_KSWAPD_WAKE:
		if (node_ok && !p->kswapd_open[nid]) {
			p->kswapd_open[nid] = true;
			p->kswapd_t[nid] = now;
			p->kswapd_s[nid] = seq;
		}
		break;
	case PLOT_KSWAPD_SLEEP:
		if (node_ok && p->kswapd_open[nid]) {
			p->kswapd_open[nid] = false;
			span_add(p, SPAN_KSWAPD, nid, p->kswapd_t[nid], p->kswapd_s[nid], now, seq);
		}
		break;
	case PLOT_DIRECT_RECLAIM_BEGIN:
		if (!p->direct_depth++) {
			p->direct_t = now;
			p->direct_s = seq;
		}
		break;
	case PLOT_DIRECT_RECLAIM_END:
		if (p->direct_depth > 0 && !--p->direct_depth)
			span_add(p, SPAN_DIRECT, -1, p->direct_t, p->direct_s, now, seq);
		break;
	case PLOT_OOM:
		span_add(p, SPAN_OOM, -1, now, seq, now, seq);
		break;
	}
	request(p, false);
	pthread_mutex_unlock(&p->lock);
}

/* ---- the SVG ------------------------------------------------------------------------------------ */

#define SVG_W 1000
#define PLOT_LEFT 78
#define PLOT_W 660
#define LEGEND_X (PLOT_LEFT + PLOT_W + 16)
#define PANEL_H 150
#define PANEL_GAP 44
#define TOP 62

/* The x axis: the clock, or the request sequence where the clock stood still. */
struct x_axis {
	bool by_time;
	u64 lo, hi;          /* ns or sequence numbers */
};

static double x_of(const struct x_axis *ax, u64 t, u64 s)
{
	u64 v = ax->by_time ? t : s;
	if (v < ax->lo)
		v = ax->lo;
	double span = ax->hi > ax->lo ? (double)(ax->hi - ax->lo) : 1.0;
	return PLOT_LEFT + (double)(v - ax->lo) * PLOT_W / span;
}

/* A round step for about n ticks over range: 1, 2 or 5 times a power of ten. */
static double nice_step(double range, int n)
{
	if (range <= 0)
		return 1;
	double raw = range / n, p10 = 1;
	while (p10 * 10 <= raw)
		p10 *= 10;
	while (p10 > raw)
		p10 /= 10;
	double m = raw / p10;
	return p10 * (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10);
}

static double mib(double pages)
{
	return pages * (double)PAGE_SIZE / (1024.0 * 1024.0);
}

struct panel {
	const char *cls;     /* "zone", "lru", "swap" */
	char id[48];
	char title[128];
	int nid;             /* the node its kswapd spans belong to; -1: all nodes */
	unsigned int col[NR_LRU_LISTS]; /* value columns of its lines */
	const char *name[NR_LRU_LISTS], *colour[NR_LRU_LISTS];
	bool dashed[NR_LRU_LISTS];
	int nlines;
};

static void draw_spans(FILE *out, const struct pressure_plot *p, const struct x_axis *ax, const struct panel *pn,
		       double y0, u64 now, u64 seq_now)
{
	static const char *const fill[NR_SPAN_KINDS] = { "#fb8c00", "#d32f2f", "#212121" };
	static const char *const opacity[NR_SPAN_KINDS] = { "0.12", "0.12", "0.9" };
	for (unsigned long i = 0; i < p->nspans + (unsigned long)p->nnodes + 1; i++) {
		struct plot_span sp;
		if (i < p->nspans) {
			sp = p->spans[i];
		} else if (i < p->nspans + (unsigned long)p->nnodes) { /* kswapd still running: to now */
			int nid = (int)(i - p->nspans);
			if (!p->kswapd_open[nid])
				continue;
			sp = (struct plot_span){ p->kswapd_t[nid], now, p->kswapd_s[nid], seq_now, nid, SPAN_KSWAPD, 1 };
		} else { /* direct reclaim still running */
			if (!p->direct_depth)
				continue;
			sp = (struct plot_span){ p->direct_t, now, p->direct_s, seq_now, -1, SPAN_DIRECT, 1 };
		}
		if (sp.kind == SPAN_KSWAPD && pn->nid >= 0 && sp.nid != pn->nid)
			continue;
		double x0 = x_of(ax, sp.t0, sp.s0), x1 = x_of(ax, sp.t1, sp.s1), w = x1 - x0 < 1 ? 1.0 : x1 - x0;
		const char *cls = sp.kind == SPAN_KSWAPD ? "kswapd" : sp.kind == SPAN_DIRECT ? "direct" : "oom";
		/* a light tint over the panel, and a strip along its top that stays readable where they overlap */
		fprintf(out, "<rect class=\"span %s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\" "
			     "fill-opacity=\"%s\"/>",
			cls, x0, y0, w, PANEL_H, fill[sp.kind], opacity[sp.kind]);
		if (sp.kind != SPAN_OOM)
			fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"5\" fill=\"%s\"/>", x0,
				y0 + 5.0 * sp.kind, w, fill[sp.kind]);
		fprintf(out, "\n");
	}
}

static void draw_panel(FILE *out, const struct pressure_plot *p, const struct x_axis *ax, const struct panel *pn,
		       double y0, u64 now, u64 seq_now, bool last)
{
	double top = 1;
	for (unsigned long i = 0; i < p->n; i++)
		for (int l = 0; l < pn->nlines; l++)
			top = max(top, (double)p->v[i * p->width + pn->col[l]]);
	double step = nice_step(mib(top * 1.1), 4);
	double ymax_mib = step * ((int)(mib(top * 1.1) / step) + 1);
	double ymax = ymax_mib * 1024.0 * 1024.0 / (double)PAGE_SIZE; /* in pages */

	fprintf(out, "<g class=\"panel %s\" id=\"%s\">\n", pn->cls, pn->id);
	fprintf(out, "<text x=\"%d\" y=\"%.1f\" font-size=\"13\" font-weight=\"bold\">%s</text>\n", PLOT_LEFT, y0 - 8,
		pn->title);
	fprintf(out, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"#ffffff\" stroke=\"#9e9e9e\"/>\n",
		PLOT_LEFT, y0, PLOT_W, PANEL_H);
	draw_spans(out, p, ax, pn, y0, now, seq_now);
	for (double m = 0; m <= ymax_mib + step / 2; m += step) {
		double y = y0 + PANEL_H - m / ymax_mib * PANEL_H;
		fprintf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eeeeee\"/>"
			     "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.10g MiB</text>\n",
			PLOT_LEFT, y, PLOT_LEFT + PLOT_W, y, PLOT_LEFT - 6, y + 4, m);
	}
	for (int l = 0; l < pn->nlines; l++) {
		fprintf(out, "<polyline class=\"line %s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s points=\"",
			pn->name[l], pn->colour[l], pn->dashed[l] ? "1.2" : "1.8",
			pn->dashed[l] ? " stroke-dasharray=\"6,3\"" : "");
		/* a step line: a value holds until the next sample, where the change is drawn upright */
		double prev_y = 0;
		for (unsigned long i = 0; i < p->n; i++) {
			double x = x_of(ax, p->t[i], p->s[i]);
			double y = y0 + PANEL_H - (double)p->v[i * p->width + pn->col[l]] / ymax * PANEL_H;
			if (i && y != prev_y)
				fprintf(out, " %.1f,%.1f", x, prev_y);
			fprintf(out, "%s%.1f,%.1f", i ? " " : "", x, y);
			prev_y = y;
		}
		fprintf(out, "\"/>\n");
		double ly = y0 + 14 + l * 16;
		fprintf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"%s/>"
			     "<text x=\"%d\" y=\"%.1f\">%s</text>\n",
			LEGEND_X, ly - 4, LEGEND_X + 22, ly - 4, pn->colour[l],
			pn->dashed[l] ? " stroke-dasharray=\"6,3\"" : "", LEGEND_X + 28, ly, pn->name[l]);
	}
	/* the time axis: ticks on every panel, labels under the last */
	double lo = (double)ax->lo, hi = ax->hi > ax->lo ? (double)ax->hi : lo + 1;
	double unit = !ax->by_time ? 1 : hi - lo >= 2e9 ? 1e9 : 1e6;
	double tstep = nice_step((hi - lo) / unit, 8) * unit;
	if (!ax->by_time && tstep < 1)
		tstep = 1; /* requests are whole */
	for (double v = ceil(lo / tstep) * tstep; v <= hi + tstep / 1e6; v += tstep) {
		double x = PLOT_LEFT + (v - lo) * PLOT_W / (hi - lo);
		fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#757575\"/>", x,
			y0 + PANEL_H, x, y0 + PANEL_H + 4);
		if (last)
			fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.10g</text>", x, y0 + PANEL_H + 16,
				v / unit);
		fprintf(out, "\n");
	}
	fprintf(out, "</g>\n");
}

int kmm_plot_svg(FILE *out)
{
	if (!M)
		return -ENODEV;
	struct pressure_plot *p = plot_get();
	if (!p)
		return -ENOMEM;
	pthread_mutex_lock(&p->lock);
	request(p, true); /* the picture ends now */
	u64 now = p->t[p->n - 1], seq_now = p->s[p->n - 1];

	struct x_axis ax = { true, p->t[0], now };
	if (now == p->t[0])
		ax = (struct x_axis){ false, p->s[0], seq_now };

	static const char *const lru_names[NR_LRU_LISTS] = { "inactive_anon", "active_anon", "inactive_file",
							     "active_file", "unevictable" };
	static const char *const lru_colours[NR_LRU_LISTS] = { "#64b5f6", "#0d47a1", "#4db6ac", "#00695c", "#8e24aa" };
	int npanels = p->nzones + p->nnodes + 1;
	struct panel *pn = calloc((size_t)npanels, sizeof(*pn));
	if (!pn) {
		pthread_mutex_unlock(&p->lock);
		return -ENOMEM;
	}
	int k = 0;
	for (int z = 0; z < p->nzones; z++, k++) {
		struct zone *zone = p->zones[z];
		pn[k].cls = "zone";
		pn[k].nid = zone->node;
		snprintf(pn[k].id, sizeof(pn[k].id), "zone-%d-%s", zone->node, zone->name);
		snprintf(pn[k].title, sizeof(pn[k].title), "Node %d, zone %s: free pages and the watermarks (with boost)",
			 zone->node, zone->name);
		static const char *const names[V_PER_ZONE] = { "free", "min", "low", "high" };
		static const char *const colours[V_PER_ZONE] = { "#1e88e5", "#e53935", "#fb8c00", "#43a047" };
		for (int v = 0; v < V_PER_ZONE; v++) {
			pn[k].col[v] = (unsigned int)(z * V_PER_ZONE + v);
			pn[k].name[v] = names[v];
			pn[k].colour[v] = colours[v];
			pn[k].dashed[v] = v != V_FREE;
		}
		pn[k].nlines = V_PER_ZONE;
	}
	for (int nid = 0; nid < p->nnodes; nid++, k++) {
		pn[k].cls = "lru";
		pn[k].nid = nid;
		snprintf(pn[k].id, sizeof(pn[k].id), "lru-%d", nid);
		snprintf(pn[k].title, sizeof(pn[k].title), "Node %d: the LRU lists", nid);
		for (int l = 0; l < NR_LRU_LISTS; l++) {
			pn[k].col[l] = (unsigned int)(p->nzones * V_PER_ZONE + nid * NR_LRU_LISTS + l);
			pn[k].name[l] = lru_names[l];
			pn[k].colour[l] = lru_colours[l];
		}
		pn[k].nlines = NR_LRU_LISTS;
	}
	pn[k].cls = "swap";
	pn[k].nid = -1;
	snprintf(pn[k].id, sizeof(pn[k].id), "swap");
	snprintf(pn[k].title, sizeof(pn[k].title), "Swap: in use, and the swap space there is");
	pn[k].col[0] = p->width - 2;
	pn[k].col[1] = p->width - 1;
	pn[k].name[0] = "swap used";
	pn[k].name[1] = "swap total";
	pn[k].colour[0] = "#6d4c41";
	pn[k].colour[1] = "#9e9e9e";
	pn[k].dashed[1] = true;
	pn[k].nlines = 2;

	int height = TOP + npanels * (PANEL_H + PANEL_GAP) + 40;
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		     "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
		     "font-size=\"11\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"#fafafa\"/>\n",
		SVG_W, height);
	fprintf(out, "<title>kmm: memory pressure over time</title>\n");
	fprintf(out, "<text x=\"8\" y=\"20\" font-size=\"15\">kmm: memory pressure - profile %s, MemTotal %lu MiB, "
		     "%d CPU%s</text>\n",
		M->prof->name, (M->totalram_pages << PAGE_SHIFT) >> 20, M->nr_cpus, M->nr_cpus == 1 ? "" : "s");
	fprintf(out, "<text x=\"8\" y=\"38\">%lu samples of %llu requests%s; kswapd ran %lu times, direct reclaim %lu "
		     "times%s</text>\n",
		p->n, (unsigned long long)seq_now + 1, p->stride > PLOT_MAX_SAMPLES ? " (thinned by halves)" : "", p->runs[SPAN_KSWAPD],
		p->runs[SPAN_DIRECT], p->runs[SPAN_OOM] ? ", the OOM killer struck" : "");
	/* the shading's legend */
	fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"10\" fill=\"#fb8c00\"/>"
		     "<text x=\"%d\" y=\"%d\">kswapd running</text>\n"
		     "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"10\" fill=\"#d32f2f\"/>"
		     "<text x=\"%d\" y=\"%d\">direct reclaim</text>\n"
		     "<rect x=\"%d\" y=\"%d\" width=\"3\" height=\"10\" fill=\"#212121\"/><text x=\"%d\" y=\"%d\">OOM kill</text>\n",
		LEGEND_X, 10, LEGEND_X + 16, 19, LEGEND_X, 26, LEGEND_X + 16, 35, LEGEND_X, 42, LEGEND_X + 16, 51);
	for (int i = 0; i < npanels; i++)
		draw_panel(out, p, &ax, &pn[i], TOP + PANEL_GAP - 16 + i * (PANEL_H + PANEL_GAP), now, seq_now,
			   i == npanels - 1);
	double axis_y = TOP + PANEL_GAP - 16 + (npanels - 1) * (PANEL_H + PANEL_GAP) + PANEL_H + 32;
	if (ax.by_time)
		fprintf(out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"middle\">simulated time (%s)</text>\n",
			PLOT_LEFT + PLOT_W / 2, axis_y, ax.hi - ax.lo >= 2000000000ULL ? "s" : "ms");
	else
		fprintf(out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"middle\">statements and reclaim events, in order (the "
			     "simulated clock stood still at %.3f s)</text>\n",
			PLOT_LEFT + PLOT_W / 2, axis_y, (double)now / 1e9);
	fprintf(out, "</svg>\n");
	pthread_mutex_unlock(&p->lock);
	free(pn);
	return ferror(out) ? -EIO : 0;
}
