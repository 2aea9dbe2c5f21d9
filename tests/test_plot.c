/*
 * test_plot.c - watching reclaim: the vmscan: tracepoints (their 6.1
 * formats during direct reclaim, their counts against vmstat's, enabling
 * per event and per system, the format files, replay passing them over)
 * and the pressure picture of mm/pressure_plot.c (well-formed SVG, a panel
 * per populated zone, the free-page line falling while a hog allocates,
 * reclaim's runs shaded, bounded memory, the time axis, the scenario's
 * plot command).
 */
#define _GNU_SOURCE
#include "kmm_test.h"

#include <ctype.h>

#include <kmm/scenario.h>
#include <kmm/swap.h>
#include <kmm/task.h>
#include <kmm/trace.h>

#include "trace/events.h"

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(plot, .fini = fini, .timeout = 120);

/* ---- helpers ---------------------------------------------------------------------------------- */

/* The machine's pressure picture as a string (malloc()ed). */
static char *plot_text(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert_not_null(f);
	cr_assert_eq(kmm_plot_svg(f), 0);
	cr_assert_eq(fclose(f), 0);
	return buf;
}

/*
 * A structural check of XML: every element closed in order, attributes
 * quoted, '&' only in entities, one root element, nothing after it.
 * Returns NULL if well-formed, else what is wrong (static).
 */
static const char *xml_problem(const char *s)
{
	static char why[160];
	const char *stack[64];
	size_t len[64];
	int depth = 0, roots = 0;
	for (const char *p = s; *p;) {
		if (*p == '&') {
			const char *semi = strchr(p, ';');
			if (!semi || semi - p > 8)
				return "a bare '&'";
			p = semi + 1;
			continue;
		}
		if (*p != '<') {
			if (!depth && !isspace((unsigned char)*p))
				return "text outside the root element";
			p++;
			continue;
		}
		if (p[1] == '?') {
			const char *e = strstr(p, "?>");
			if (!e)
				return "an unclosed <?...?>";
			p = e + 2;
			continue;
		}
		const char *e = p + 1;
		bool quoted = false;
		for (; *e && (quoted || *e != '>'); e++)
			if (*e == '"')
				quoted = !quoted;
		if (!*e)
			return "an unclosed tag";
		if (p[1] == '/') {
			size_t n = strcspn(p + 2, " >");
			if (!depth || n != len[depth - 1] || strncmp(p + 2, stack[depth - 1], n)) {
				snprintf(why, sizeof(why), "</%.*s> closes <%.*s>", (int)n, p + 2, depth ? (int)len[depth - 1] : 0,
					 depth ? stack[depth - 1] : "");
				return why;
			}
			depth--;
		} else if (e[-1] != '/') {
			if (depth == 64)
				return "elements nested too deep";
			if (!depth && roots++)
				return "a second root element";
			stack[depth] = p + 1;
			len[depth++] = strcspn(p + 1, " >/\n");
		} else if (!depth && roots++) {
			return "a second root element";
		}
		p = e + 1;
	}
	return depth ? "an element left open" : roots == 1 ? NULL : "no root element";
}

static unsigned long count_of(const char *s, const char *what)
{
	unsigned long n = 0;
	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

/* The points of the polyline of class "line NAME" inside the element whose id is panel_id: y of each. */
static int line_ys(const char *svg, const char *panel_id, const char *name, double *ys, int max)
{
	char key[96];
	snprintf(key, sizeof(key), "id=\"%s\"", panel_id);
	const char *panel = strstr(svg, key);
	cr_assert_not_null(panel, "no panel %s", panel_id);
	snprintf(key, sizeof(key), "class=\"line %s\"", name);
	const char *line = strstr(panel, key);
	cr_assert_not_null(line, "no line %s in panel %s", name, panel_id);
	const char *end = strstr(panel, "</g>");
	cr_assert(line < end, "line %s is not inside panel %s", name, panel_id);
	const char *pts = strstr(line, "points=\"");
	cr_assert_not_null(pts);
	pts += 8;
	int n = 0;
	while (*pts != '"' && n < max) {
		char *after;
		strtod(pts, &after); /* x */
		cr_assert_eq(*after, ',', "a point is x,y");
		ys[n++] = strtod(after + 1, &after);
		pts = after;
		while (*pts == ' ')
			pts++;
	}
	return n;
}

static struct task_struct *small_machine_with_swap(const char *profile)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = (strcmp(profile, "x86_64") ? 64ULL : 128ULL) << 20;
	boot_or_fail(&p);
	cr_assert_eq(kmm_swapon("/dev/vda", 128UL << 20, 0), 0);
	struct task_struct *t = task_create("hog", 1000);
	cr_assert_not_null(t);
	return t;
}

/* ---- the picture ------------------------------------------------------------------------------- */

/* Well-formed SVG with a panel per populated zone, the LRU lists per node and swap, on a fresh machine. */
static void panels_per_zone(const char *profile)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 2ULL << 30;
	boot_or_fail(&p);
	kmm_plot_sample();
	char *svg = plot_text();
	const char *why = xml_problem(svg);
	cr_assert_null(why, "%s", why);
	cr_assert_eq(strncmp(svg, "<?xml", 5), 0);
	struct zone *zone;
	unsigned long zones = 0;
	for_each_populated_zone(zone) {
		zones++;
		char id[64];
		snprintf(id, sizeof(id), "id=\"zone-%d-%s\"", zone->node, zone->name);
		cr_assert_not_null(strstr(svg, id), "a panel for zone %s", zone->name);
	}
	cr_assert_eq(count_of(svg, "class=\"panel zone\""), zones, "one panel per populated zone");
	cr_assert_eq(count_of(svg, "class=\"panel lru\""), (unsigned long)nr_online_nodes);
	cr_assert_eq(count_of(svg, "class=\"panel swap\""), 1);
	cr_assert_eq(count_of(svg, "class=\"line free\""), zones);
	cr_assert_eq(count_of(svg, "class=\"line min\""), zones);
	cr_assert_eq(count_of(svg, "class=\"line high\""), zones);
	cr_assert_eq(count_of(svg, "class=\"line inactive_anon\""), (unsigned long)nr_online_nodes);
	cr_assert_not_null(strstr(svg, " MiB</text>"), "the y axes say MiB");
	char title[96];
	snprintf(title, sizeof(title), "profile %s, MemTotal %lu MiB", profile, (M->totalram_pages << PAGE_SHIFT) >> 20);
	cr_assert_not_null(strstr(svg, title), "the title names the profile and memory");
	free(svg);
	assert_machine_sane();
}
TEST_ON_EVERY_PROFILE(plot, panels_per_zone, panels_per_zone)

/* Two nodes: their zones' panels, an LRU panel each, and a kswapd run shaded only on its own node's panels. */
Test(plot, numa_nodes)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "x86_64";
	p.mem_bytes = 2ULL << 30;
	p.cmdline = "numa=fake=2";
	boot_or_fail(&p);
	cr_assert_eq(nr_online_nodes, 2);
	plot_event(PLOT_KSWAPD_WAKE, 1);
	kmm_clock_advance(1000000);
	plot_event(PLOT_KSWAPD_SLEEP, 1);
	char *svg = plot_text();
	cr_assert_null(xml_problem(svg), "%s", xml_problem(svg));
	cr_assert_eq(count_of(svg, "class=\"panel lru\""), 2);
	cr_assert_not_null(strstr(svg, "id=\"zone-1-DMA32\""));
	/* node 1's run: on node 1's zone and LRU panels and the swap panel, not on node 0's */
	unsigned long node1 = 0;
	struct zone *zone;
	for_each_populated_zone(zone)
		node1 += zone->node == 1;
	cr_assert_eq(count_of(svg, "class=\"span kswapd\""), node1 + 1 + 1, "%lu zones of node 1", node1);
	const char *lru0 = strstr(svg, "id=\"lru-0\""), *lru1 = strstr(svg, "id=\"lru-1\"");
	cr_assert(lru0 && lru1 && lru0 < lru1);
	char *span = strstr(lru0, "class=\"span kswapd\"");
	cr_assert(span && span > lru1, "node 0's LRU panel has no kswapd run of node 1");
	free(svg);
	assert_machine_sane();
}

/*
 * A hog touching more than the machine has: the free-page line of the
 * zone it allocates from goes down, swap use goes up, and direct reclaim
 * and kswapd's runs are shaded.  Exit gives it all back.
 */
static void free_line_falls(const char *profile)
{
	struct task_struct *t = small_machine_with_swap(profile);
	unsigned long n = meminfo_value("MemFree:") / 4 * 3 / 2;
	long a = task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	kmm_plot_sample();
	for (unsigned long i = 0; i < n; i += 256) {
		cr_assert_eq(mm_access(t, (unsigned long)a + i * PAGE_SIZE, min(256UL, n - i) * PAGE_SIZE, true), 0);
		kmm_plot_sample();
	}
	char *svg = plot_text();
	cr_assert_null(xml_problem(svg), "%s", xml_problem(svg));
	/* the zone user pages come from first: HighMem on i386, Normal on x86_64 (DMA32 on a small one) */
	struct zone *zone, *top = NULL;
	for_each_populated_zone(zone)
		top = zone;
	char id[64];
	snprintf(id, sizeof(id), "zone-%d-%s", top->node, top->name);
	static double ys[4096];
	int np = line_ys(svg, id, "free", ys, 4096);
	cr_assert_geq(np, 3);
	/* y grows downwards: fewer free pages is a larger y */
	cr_assert_gt(ys[np - 1], ys[0] + 20, "free pages of %s fell: from y %.1f to %.1f", top->name, ys[0], ys[np - 1]);
	int nsw = line_ys(svg, "swap", "swap used", ys, 4096);
	cr_assert_lt(ys[nsw - 1], ys[0], "swap use rose");
	/* reclaim ran - kswapd, direct reclaim or both, as the allocator's slow path chose */
	unsigned long direct = count_of(svg, "class=\"span direct\""), kswapd = count_of(svg, "class=\"span kswapd\"");
	cr_assert_gt(direct + kswapd, 0, "reclaim's runs are shaded");
	if (vmstat_value("pgsteal_direct"))
		cr_assert_gt(direct, 0, "direct reclaim stole pages: its runs are shaded");
	free(svg);
	task_exit(t);
	/* the slots still used are the swap cache's (writes in flight, pages reclaim has not freed yet) and the slot caches' */
	cr_assert_geq(meminfo_value("SwapFree:") + meminfo_value("SwapCached:") + (swap_slots_cached() << (PAGE_SHIFT - 10)),
		      meminfo_value("SwapTotal:"));
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	assert_machine_sane();
}
TEST_ON_EVERY_PROFILE(plot, free_line_falls, free_line_falls)

/* Where the clock moves, x is the simulated clock, in ms or s. */
Test(plot, time_axis_follows_the_clock)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.mem_bytes = 256ULL << 20;
	boot_or_fail(&p);
	kmm_plot_sample();
	kmm_clock_advance(300 * 1000000ULL);
	kmm_plot_sample();
	char *svg = plot_text();
	cr_assert_not_null(strstr(svg, "simulated time (ms)"), "300 ms are drawn in ms");
	cr_assert_null(strstr(svg, "stood still"));
	free(svg);
	kmm_clock_advance(5 * 1000000000ULL);
	svg = plot_text();
	cr_assert_not_null(strstr(svg, "simulated time (s)"));
	cr_assert_null(xml_problem(svg), "%s", xml_problem(svg));
	free(svg);
	assert_machine_sane();
}

/*
 * Memory stays bounded: a million requests keep at most 2048 samples (+1,
 * the one the picture ends with), and thousands of reclaim runs at most
 * 1024 spans a panel - merged, but none of the clock left out.
 */
Test(plot, bounded)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.mem_bytes = 256ULL << 20;
	boot_or_fail(&p);
	for (int i = 0; i < 1000000; i++)
		kmm_plot_sample();
	for (int i = 0; i < 5000; i++) {
		plot_event(PLOT_DIRECT_RECLAIM_BEGIN, 0);
		kmm_clock_advance(1000000);
		plot_event(PLOT_DIRECT_RECLAIM_END, 0);
		plot_event(PLOT_KSWAPD_WAKE, 0);
		kmm_clock_advance(1000000);
		plot_event(PLOT_KSWAPD_SLEEP, 0);
	}
	plot_event(PLOT_KSWAPD_WAKE, 7);  /* a node the machine does not have: nothing */
	plot_event(PLOT_KSWAPD_SLEEP, -1);
	plot_event(PLOT_DIRECT_RECLAIM_END, 0); /* an end without a beginning: nothing */
	plot_event(PLOT_OOM, 0);
	char *svg = plot_text();
	cr_assert_null(xml_problem(svg), "%s", xml_problem(svg));
	static double ys[8192];
	int np = line_ys(svg, "swap", "swap total", ys, 8192);
	cr_assert_leq(np, 2049, "%d samples kept", np);
	cr_assert_geq(np, 1024, "thinned by halves: at least half the cap stays");
	unsigned long panels = count_of(svg, "class=\"panel ");
	unsigned long spans = count_of(svg, "class=\"span ");
	cr_assert_leq(spans, panels * 1024, "%lu span rectangles in %lu panels", spans, panels);
	cr_assert_gt(count_of(svg, "class=\"span direct\""), 0);
	cr_assert_eq(count_of(svg, "class=\"span oom\""), panels, "the OOM mark on every panel");
	const char *ran = strstr(svg, "kswapd ran ");
	cr_assert_not_null(ran);
	char *after;
	unsigned long kswapd_runs = strtoul(ran + 11, &after, 10);
	cr_assert_geq(kswapd_runs, 5000, "every run counted, merged or not");
	cr_assert_not_null(strstr(after, " times, direct reclaim 5000 times"), "%.60s", ran);
	free(svg);
	assert_machine_sane();
}

/* The scenario's plot command, and kmm run --plot's way through kmm_scenario_opts. */
Test(plot, scenario_command)
{
	char path[] = "/tmp/kmm-plot-XXXXXX", file[64], file2[64];
	cr_assert_not_null(mkdtemp(path));
	snprintf(file, sizeof(file), "%s/mid.svg", path);
	snprintf(file2, sizeof(file2), "%s/end.svg", path);
	char script[512];
	snprintf(script, sizeof(script),
		 "boot --mem 64M\nswapon /dev/vda 64M\nt = spawn hog\nm = mmap t 60M\ntouch m write\nplot %s\n"
		 "sleep 1s\nplot %s/no/such/dir.svg\n",
		 file, path);
	char *out = NULL, *err = NULL;
	size_t olen = 0, elen = 0;
	FILE *fo = open_memstream(&out, &olen), *fe = open_memstream(&err, &elen);
	struct kmm_scenario_opts o = { .name = "plot.kmm", .out = fo, .err = fe, .plot_file = file2 };
	int ret = kmm_scenario_run(script, &o);
	fclose(fo);
	fclose(fe);
	cr_assert_eq(ret, KMM_SCENARIO_USAGE, "the unwritable plot is the script's error: %s", err);
	cr_assert_not_null(strstr(out, "plot: memory pressure drawn in "), "%s", out);
	cr_assert_not_null(strstr(err, "plot.kmm:8:6: cannot write"), "%s", err);
	char *mid = slurp(file), *end = slurp(file2);
	cr_assert_not_null(mid);
	cr_assert_not_null(end, "--plot's picture at the end: %s", err);
	cr_assert_null(xml_problem(mid), "%s", xml_problem(mid));
	cr_assert_null(xml_problem(end), "%s", xml_problem(end));
	cr_assert_not_null(strstr(mid, "id=\"zone-0-Normal\""));
	free(mid);
	free(end);
	free(out);
	free(err);
	unlink(file);
	unlink(file2);
	rmdir(path);
}

/* ---- the vmscan: tracepoints ------------------------------------------------------------------ */

/* The value of key= in a line (up to its end), as a number. */
static unsigned long field_of(const char *line, const char *key)
{
	char k[48];
	snprintf(k, sizeof(k), " %s=", key);
	const char *p = strstr(line, k);
	const char *nl = strchr(line, '\n');
	cr_assert(p && (!nl || p < nl), "no %s= in %.*s", key, nl ? (int)(nl - line) : 80, line);
	return strtoul(p + strlen(k), NULL, 0);
}

/*
 * Direct reclaim under a hog, traced: each vmscan event in 6.1's format,
 * begin and end paired, and the trace adds up to vmstat's counters -
 * Σ nr_reclaimed of direct_reclaim_end == pgsteal_direct, of
 * lru_shrink_inactive == pgsteal_direct + pgsteal_kswapd, write_folio
 * lines == pswpout.  (While kswapd reclaims nothing of its own, every
 * shrink is inside a direct reclaim.)
 */
static void vmscan_events(const char *profile)
{
	struct task_struct *t = small_machine_with_swap(profile);
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/buffer_size_kb", "65536"), 0);
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/set_event", "vmscan:*"), 0);
	unsigned long steal0 = vmstat_value("pgsteal_direct"), out0 = vmstat_value("pswpout");
	unsigned long ksteal0 = vmstat_value("pgsteal_kswapd");
	unsigned long n = meminfo_value("MemFree:") / 4 * 5 / 4;
	long a = task_mmap(t, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	trace_set_current(t); /* the task in the TASK-PID column, as the scenario names it */
	cr_assert_eq(mm_access(t, (unsigned long)a, n * PAGE_SIZE, true), 0);
	trace_set_current(NULL);
	cr_assert_eq(kmm_trace_enable("vmscan", false), 0);
	unsigned long steal = vmstat_value("pgsteal_direct") - steal0, pswpout = vmstat_value("pswpout") - out0;
	unsigned long ksteal = vmstat_value("pgsteal_kswapd") - ksteal0;
	cr_assert_gt(steal, 0);
	char *tr = kmm_proc_read("sys/kernel/tracing/trace");
	cr_assert_not_null(tr);
	unsigned long begins = 0, ends = 0, reclaimed = 0, inactive_reclaimed = 0, writes = 0, isolates = 0, wakeups = 0;
	int depth = 0, w = M->prof->bits / 4;
	for (const char *line = tr; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char l[512];
		snprintf(l, sizeof(l), "%.*s", (int)min(len, sizeof(l) - 1), line);
		line += len + (nl ? 1 : 0);
		if (l[0] == '#')
			continue;
		cr_assert(strstr(l, "hog-") || strstr(l, "kswapd"), "TASK-PID is the task that reclaimed: %s", l);
		const char *ev = strstr(l, ": mm_vmscan_");
		cr_assert_not_null(ev, "only vmscan events: %s", l);
		ev += 2;
		if (!strncmp(ev, "mm_vmscan_direct_reclaim_begin: ", 32)) {
			cr_assert_not_null(strstr(ev, ": order=0 gfp_flags=GFP_"), "%s", l);
			cr_assert_eq(depth++, 0, "begin and end alternate");
			begins++;
		} else if (!strncmp(ev, "mm_vmscan_direct_reclaim_end: nr_reclaimed=", 43)) {
			cr_assert_eq(depth--, 1, "begin and end alternate");
			reclaimed += strtoul(ev + 43, NULL, 10);
			ends++;
		} else if (!strncmp(ev, "mm_vmscan_lru_shrink_inactive: nid=0 nr_scanned=", 48)) {
			cr_assert(depth == 1 || ksteal, "inside direct reclaim while kswapd reclaims nothing");
			static const char *const keys[] = { " nr_scanned=", " nr_reclaimed=", " nr_dirty=", " nr_writeback=",
							    " nr_congested=", " nr_immediate=", " nr_activate_anon=",
							    " nr_activate_file=", " nr_ref_keep=", " nr_unmap_fail=",
							    " priority=", " flags=" };
			const char *p = ev;
			for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
				const char *q = strstr(p, keys[k]);
				cr_assert(q, "%s missing or out of 6.1's order: %s", keys[k], l);
				p = q;
			}
			cr_assert_not_null(strstr(l, " flags=RECLAIM_WB_ANON|RECLAIM_WB_ASYNC"), "%s", l);
			cr_assert_leq(field_of(ev, "nr_reclaimed"), field_of(ev, "nr_scanned"));
			cr_assert_leq(field_of(ev, "priority"), 12);
			inactive_reclaimed += field_of(ev, "nr_reclaimed");
		} else if (!strncmp(ev, "mm_vmscan_lru_isolate: isolate_mode=0 classzone=", 48)) {
			cr_assert_not_null(strstr(l, " order=0 nr_requested="), "%s", l);
			cr_assert(strstr(l, " lru=inactive_anon") || strstr(l, " lru=active_anon") ||
					  strstr(l, " lru=inactive_file") || strstr(l, " lru=active_file"),
				  "%s", l);
			cr_assert_leq(field_of(ev, "nr_taken") + field_of(ev, "nr_skipped"), field_of(ev, "nr_scanned"));
			isolates++;
		} else if (!strncmp(ev, "mm_vmscan_write_folio: page=", 28)) {
			const char *pfn = strstr(ev, " pfn=0x");
			cr_assert_not_null(pfn, "%s", l);
			cr_assert_eq((int)(pfn - (ev + 28)), w, "page= is %d hex digits: %s", w, l);
			cr_assert_not_null(strstr(pfn, " flags=RECLAIM_WB_ANON|RECLAIM_WB_ASYNC"), "%s", l);
			writes++;
		} else if (!strncmp(ev, "mm_vmscan_wakeup_kswapd: nid=0 order=", 37) && strstr(ev, " gfp_flags=")) {
			wakeups++;
		} else if (!strncmp(ev, "mm_vmscan_kswapd_wake: nid=0 order=", 35) ||
			   !strcmp(ev, "mm_vmscan_kswapd_sleep: nid=0") ||
			   !strncmp(ev, "mm_vmscan_lru_shrink_active: nid=0 nr_taken=", 44)) {
			/* known, and in their formats */
		} else {
			cr_assert_fail("a line not in 6.1's vmscan formats: %s", l);
		}
	}
	cr_assert_eq(depth, 0);
	cr_assert_gt(begins, 0);
	cr_assert_eq(begins, ends);
	cr_assert_gt(isolates, 0);
	cr_assert_gt(wakeups, 0);
	cr_assert_eq(reclaimed, steal, "direct_reclaim_end's nr_reclaimed add up to pgsteal_direct");
	cr_assert_eq(inactive_reclaimed, steal + ksteal, "lru_shrink_inactive's add up to pgsteal_direct + pgsteal_kswapd");
	cr_assert_eq(writes, pswpout, "a write_folio line per page written to swap");
	free(tr);
	task_exit(t);
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	assert_machine_sane();
}
TEST_ON_EVERY_PROFILE(plot, vmscan_events, vmscan_events)

/* Enabling per event and per system, the format files, and the words refused. */
Test(plot, vmscan_enable_and_formats)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.mem_bytes = 256ULL << 20;
	p.cmdline = "trace_event=vmscan:mm_vmscan_kswapd_wake,vmscan:mm_vmscan_no_such";
	boot_or_fail(&p);
	cr_assert(strstr(kmm_dmesg(), "Failed to enable trace event: vmscan:mm_vmscan_no_such\n"));
	char *en = kmm_proc_read("sys/kernel/tracing/set_event");
	cr_assert_str_eq(en, "vmscan:mm_vmscan_kswapd_wake\n");
	free(en);
	en = kmm_proc_read("sys/kernel/tracing/events/vmscan/enable");
	cr_assert_str_eq(en, "X\n");
	free(en);
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/events/vmscan/enable", "1"), 0);
	en = kmm_proc_read("sys/kernel/tracing/set_event");
	cr_assert_str_eq(en, "vmscan:mm_vmscan_direct_reclaim_begin\nvmscan:mm_vmscan_direct_reclaim_end\n"
			     "vmscan:mm_vmscan_kswapd_sleep\nvmscan:mm_vmscan_kswapd_wake\nvmscan:mm_vmscan_lru_isolate\n"
			     "vmscan:mm_vmscan_lru_shrink_active\nvmscan:mm_vmscan_lru_shrink_inactive\n"
			     "vmscan:mm_vmscan_node_reclaim_begin\nvmscan:mm_vmscan_node_reclaim_end\n"
			     "vmscan:mm_vmscan_wakeup_kswapd\nvmscan:mm_vmscan_write_folio\n");
	free(en);
	en = kmm_proc_read("sys/kernel/tracing/events/kmem/enable");
	cr_assert_str_eq(en, "0\n", "the other system untouched");
	free(en);
	/* set_event replaces: kmem and one vmscan event, bare names and *: */
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/set_event", "kmalloc *:mm_vmscan_write_folio"), 0);
	en = kmm_proc_read("sys/kernel/tracing/set_event");
	cr_assert_str_eq(en, "kmem:kmalloc\nvmscan:mm_vmscan_write_folio\n");
	free(en);
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/events/vmscan/mm_vmscan_write_folio/enable", "0"), 0);
	en = kmm_proc_read("sys/kernel/tracing/events/vmscan/mm_vmscan_write_folio/enable");
	cr_assert_str_eq(en, "0\n");
	free(en);
	/* an event under the wrong system, or a system kmm has not, refuses the write whole */
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/set_event", "vmscan kmem:mm_vmscan_kswapd_wake"), -EINVAL);
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/set_event", "vmscan:kmalloc"), -EINVAL);
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/set_event", "vmscan:mm_shrink_slab_start"), -EINVAL);
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/events/vmscan/enable", "2"), -EINVAL);
	en = kmm_proc_read("sys/kernel/tracing/set_event");
	cr_assert_str_eq(en, "kmem:kmalloc\n", "nothing changed");
	free(en);
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/set_event", "!kmalloc"), 0);

	/* the format files: i386's unsigned long is 4 bytes */
	char *f = kmm_proc_read("sys/kernel/tracing/events/vmscan/mm_vmscan_kswapd_wake/format");
	cr_assert_not_null(f);
	cr_assert_not_null(strstr(f, "name: mm_vmscan_kswapd_wake\nID: "), "%s", f);
	cr_assert_not_null(strstr(f, "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
				     "\tfield:int nid;\toffset:8;\tsize:4;\tsigned:1;\n"
				     "\tfield:int zid;\toffset:12;\tsize:4;\tsigned:1;\n"
				     "\tfield:int order;\toffset:16;\tsize:4;\tsigned:1;\n\n"
				     "print fmt: \"nid=%d order=%d\", REC->nid, REC->order\n"),
			   "%s", f);
	free(f);
	f = kmm_proc_read("sys/kernel/tracing/events/vmscan/mm_vmscan_lru_isolate/format");
	cr_assert_not_null(strstr(f, "\tfield:unsigned long nr_taken;\toffset:28;\tsize:4;\tsigned:0;\n"), "%s", f);
	cr_assert_not_null(strstr(f, "__print_symbolic(REC->lru, {0, \"inactive_anon\"}"), "%s", f);
	free(f);
	f = kmm_proc_read("sys/kernel/tracing/events/vmscan/mm_vmscan_wakeup_kswapd/format");
	cr_assert_not_null(strstr(f, "(REC->gfp_flags) ? __print_flags(REC->gfp_flags, \"|\", {(unsigned long)"), "%s", f);
	cr_assert_not_null(strstr(f, ", \"GFP_KERNEL\"}"), "%s", f);
	cr_assert_not_null(strstr(f, ") : \"none\"\n"), "%s", f);
	free(f);
	cr_assert_eq(kmm_proc_write("sys/kernel/tracing/events/vmscan/mm_vmscan_kswapd_wake/format", "x"), -EACCES);
	assert_machine_sane();
}

/* x86_64: unsigned long is 8 bytes, aligned to 8; the kmem events' formats too. */
Test(plot, vmscan_formats_x86_64)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "x86_64";
	p.mem_bytes = 256ULL << 20;
	boot_or_fail(&p);
	char *f = kmm_proc_read("sys/kernel/tracing/events/vmscan/mm_vmscan_lru_shrink_active/format");
	cr_assert_not_null(strstr(f, "\tfield:int nid;\toffset:8;\tsize:4;\tsigned:1;\n"
				     "\tfield:unsigned long nr_taken;\toffset:16;\tsize:8;\tsigned:0;\n"),
			   "%s", f);
	cr_assert_not_null(strstr(f, "\tfield:int reclaim_flags;\toffset:52;\tsize:4;\tsigned:1;\n"), "%s", f);
	free(f);
	f = kmm_proc_read("sys/kernel/tracing/events/vmscan/mm_vmscan_write_folio/format");
	cr_assert_not_null(strstr(f, "(((struct page *)vmemmap_base) + (REC->pfn))"), "%s", f);
	free(f);
	/* the kmem events have theirs too */
	f = kmm_proc_read("sys/kernel/tracing/events/kmem/kmem_cache_alloc/format");
	cr_assert_not_null(strstr(f, "\tfield:const void * ptr;\toffset:16;\tsize:8;\tsigned:0;\n"), "%s", f);
	cr_assert_not_null(strstr(f, "\tfield:int node;\toffset:48;\tsize:4;\tsigned:1;\n"
				     "\tfield:bool accounted;\toffset:52;\tsize:1;\tsigned:0;\n"),
			   "%s", f);
	cr_assert_not_null(strstr(f, ", REC->node, REC->accounted ? \"true\" : \"false\"\n"), "%s", f);
	free(f);
	f = kmm_proc_read("sys/kernel/tracing/events/kmem/kmem_cache_free/format");
	cr_assert_not_null(strstr(f, "\tfield:__data_loc char[] name;\toffset:24;\tsize:4;\tsigned:0;\n"), "%s", f);
	free(f);
}

/* Replay passes vmscan events over without a complaint, in tracefs's and perf's layouts. */
Test(plot, replay_passes_vmscan_over)
{
	static const char *const lines[] = {
		"           <...>-41      [001] .....   812.123456: mm_vmscan_kswapd_wake: nid=0 order=0",
		"           <...>-41      [001] .....   812.123457: mm_vmscan_memcg_reclaim_begin: order=0 gfp_flags=GFP_KERNEL",
		"            bash-1234    [000] .....   812.2: mm_vmscan_direct_reclaim_end: nr_reclaimed=32",
		"            bash-1234    [000] .....   812.3: mm_shrink_slab_start: super_cache_scan+0x0/0x1e0 ...",
		"   kswapd0    41 [001]   812.123456: vmscan:mm_vmscan_lru_shrink_inactive: nid=0 nr_scanned=32",
	};
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		struct kmm_trace_event ev;
		char why[160];
		cr_assert_eq(kmm_trace_parse_line(lines[i], strlen(lines[i]), &ev, why, sizeof(why)), KMM_TRACE_NOT_REPLAYED,
			     "%s: %s", lines[i], why);
	}
	static const char other[] = "            bash-1234    [000] .....   812.2: sched_switch: prev_comm=bash";
	struct kmm_trace_event ev;
	cr_assert_eq(kmm_trace_parse_line(other, strlen(other), &ev, NULL, 0), KMM_TRACE_UNKNOWN);
}
