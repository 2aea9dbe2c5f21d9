/*
 * machine.c - the scenario language's commands about the machine as a
 * whole rather than about one handle: `show` and `expect` over the views,
 * `verify`, `sysctl`, `fail` (fault injection), the disk (`file`, `sync`),
 * the pictures (`map`: physical memory now; `plot`: memory pressure since
 * boot, from the samples mm/pressure_plot.c takes after every statement
 * and at reclaim's events) and time (`sleep`, `step`).
 *
 * Vocabulary.  A view is a text the machine prints: a /proc path
 * (kmm_proc_read: "meminfo", "sys/vm/drop_caches"), a task's own
 * ("t/maps" - the handle's pid is put in), or "counters" (kmm's bug and
 * fault-injection tallies, which /proc has no file for).  A section of a
 * view is the lines about one thing in it, found by its name as the view
 * writes it:
 *
 *   show buddyinfo Normal     the "Node 0, zone   Normal ..." line
 *   show zoneinfo DMA         the zone's block, up to the next "Node"
 *   show meminfo Dirty        the "Dirty:  ... kB" row
 *   expect meminfo Dirty == 8 the first number after the field's name
 *
 * Invariants.  Every command here parses all its arguments while the
 * script is checked (CHECKED stops it before acting), so a bad time, view
 * or field is a usage error (status 2) before anything runs.  What a view
 * holds depends on the machine and on what ran before (a cache whose
 * creation failed under injection has no slabinfo line), so a missing
 * section or field at run time fails like an expect (status 1) and the run
 * goes on; a failed `verify` is the kernel's failure (status 3).  `show`
 * prints the view exactly as the machine wrote it, so golden outputs are
 * Linux's formats.
 *
 * Locking: none of its own.  Each command calls the library, which takes
 * the machine's locks; scenarios run on one thread, and only they move
 * the simulated clock (kmm_clock_advance from `sleep`/`step`).
 */
#include "scenario_impl.h"

#include <kmm/dma.h>

#include <kmm/trace.h>

#include <kmm/kstrtox.h>

#include <ctype.h>
#include <limits.h>

#include <kmm/fs.h>
#include <kmm/task.h>

/* ---- views ----------------------------------------------------------------------------------- */

/*
 * A view lacks the section or field asked for: what a view holds depends
 * on the machine and on what ran before (a cache whose creation failed has
 * no slabinfo line), so this fails like an expect - status 1, said at t,
 * and the run goes on.
 */
static int __attribute__((format(printf, 3, 4))) view_miss(struct kmm_scenario *sc, const struct tok *t,
							    const char *fmt, ...)
{
	va_list ap;
	fprintf(sc->err, "%s:%d:%d: ", sc->name, t->line, t->col);
	va_start(ap, fmt);
	vfprintf(sc->err, fmt, ap);
	va_end(ap);
	fputc('\n', sc->err);
	sc->failed_expects++;
	if (sc->status < KMM_SCENARIO_FAILED)
		sc->status = KMM_SCENARIO_FAILED;
	return 0;
}

static bool is_view(const char *path)
{
	if (!strcmp(path, "counters"))
		return true;
	for (const char *const *p = kmm_proc_paths(); *p; p++)
		if (!strcmp(*p, path))
			return true;
	return false;
}

/* kmm's own counters as a view: what `expect counters bugs == 0` reads. */
static char *counters_view(void)
{
	struct strbuf sb = { 0 };
	sb_printf(&sb, "free_pages %lu\n", nr_free_pages());
	sb_printf(&sb, "bugs %d\n", sc_bugs());
	sb_printf(&sb, "bad_pages %lu\n", kmm_bad_pages());
	sb_printf(&sb, "slab_bugs %lu\n", M->slab_bugs);
	sb_printf(&sb, "vmalloc_bugs %lu\n", M->vmalloc_bugs);
	sb_printf(&sb, "kmap_bugs %lu\n", M->kmap_bugs);
	sb_printf(&sb, "oopses %lu\n", M->oopses);
	struct kmm_dma_stats dma;
	kmm_dma_stats(&dma);
	sb_printf(&sb, "dma_bugs %lu\n", M->dma_bugs);
	sb_printf(&sb, "dma_mappings %lu\n", dma.mappings);
	sb_printf(&sb, "swiotlb_used %lu\n", dma.swiotlb_used);
	sb_printf(&sb, "swiotlb_bounced %lu\n", dma.swiotlb_bounced);
	sb_printf(&sb, "iova_pages %lu\n", dma.iova_pages);
	sb_printf(&sb, "tlb_flushes %lu\n", M->tlb_flushes);
	return sb_detach(&sb);
}

/*
 * A view's text by the name a script gives it: a /proc path, "counters",
 * or "t/status" with t a task handle.  While checking, only the form.
 * -1 after an error, 1 if the task is NULL (st is skipped, said), else 0.
 */
static int view_read(struct kmm_scenario *sc, struct stmt *st, const struct tok *t, char **text)
{
	*text = NULL;
	const char *slash = strchr(t->text, '/');
	if (is_view(t->text)) {
		if (sc->checking)
			return 0;
		*text = strcmp(t->text, "counters") ? kmm_proc_read(t->text) : counters_view();
		return *text ? 0 : err_tok(sc, t, "cannot read %s: %s", t->text, strerror(errno));
	}
	if (!strncmp(t->text, "sys/fs/cgroup/", 14)) { /* a memory cgroup's file: the group may be made later */
		if (sc->checking)
			return 0;
		*text = kmm_proc_read(t->text);
		return *text ? 0 : err_tok(sc, t, "cannot read %s: %s", t->text, strerror(errno));
	}
	if (slash && slash > t->text) {
		char path[SC_NAME_MAX + 32], name[SC_NAME_MAX];
		struct tok ht = *t;
		struct handle *h;
		snprintf(name, sizeof(name), "%.*s", (int)(slash - t->text), t->text);
		ht.text = name;
		if (isdigit((unsigned char)name[0])) {
			snprintf(path, sizeof(path), "%s", t->text);
		} else {
			int go = need_task(sc, st, &ht, &h);
			if (go || sc->checking)
				return go;
			snprintf(path, sizeof(path), "%d%s", h->task->pid, slash);
		}
		if (sc->checking)
			return 0;
		*text = kmm_proc_read(path);
		if (!*text && !isdigit((unsigned char)name[0]) && fatal_signal_pending(h->task)) {
			/* the OOM killer's victim: its views went with it, as a NULL handle's - skipped, said */
			fprintf(sc->err, "%s:%d:%d: %s: the task was killed (SIGKILL); %s skipped\n", sc->name, t->line, t->col,
				t->text, st->cmd->name);
			sc->skipped++;
			if (sc->status < KMM_SCENARIO_FAILED)
				sc->status = KMM_SCENARIO_FAILED;
			return 1;
		}
		return *text ? 0 : err_tok(sc, t, "no view %s (a task has maps, smaps, smaps_rollup, status, stat, statm, cmdline, oom_score, oom_score_adj, oom_adj, kmm/pagemap)", path);
	}
	return err_tok(sc, t, "no view \"%s\" (views: zoneinfo, buddyinfo, slabinfo, meminfo, vmallocinfo, counters, "
			      "TASK/maps, ... - `help show` lists them)",
		       t->text);
}

static int view_section(const char *text, const char *section, const char **from, const char **to,
			const char **row_end, const char **after_name);

int cmd_show(struct kmm_scenario *sc, struct stmt *st)
{
	if (nargs(sc, st, 1, 2))
		return -1;
	struct tok *t = arg(st, 0);
	char name[SC_NAME_MAX];
	/* a handle, unless the name is a view's */
	if (!is_view(t->text) && !strchr(t->text, '/')) {
		struct handle *h;
		if (t->quoted || !(isalpha((unsigned char)t->text[0]) || t->text[0] == '_'))
			return err_tok(sc, t, "no view or handle \"%s\" (`help show` lists the views)", t->text);
		if (handle_name(sc, t, name))
			return -1;
		CHECKED(sc);
		if (!(h = handle_find(sc, name)))
			return err_tok(sc, t, "no view \"%s\", and no handle of that name holds anything (`help show` "
					      "lists the views)", t->text);
		describe(sc, h);
		return 0;
	}
	char *text;
	const char *from, *to, *row_end, *after;
	int go = view_read(sc, st, t, &text);
	if (go || sc->checking)
		return go < 0 ? -1 : 0;
	if (st->npos == 1) {
		fputs(text, sc->out);
	} else if (view_section(text, arg(st, 1)->text, &from, &to, &row_end, &after)) {
		free(text);
		return view_miss(sc, arg(st, 1), "%s has no section \"%s\"", t->text, arg(st, 1)->text);
	} else {
		fprintf(sc->out, "%.*s\n", (int)(to - from), from);
	}
	free(text);
	return 0;
}

/* compact: every zone of every node, as writing 1 to /proc/sys/vm/compact_memory does (mm/compaction.c) */
int cmd_compact(struct kmm_scenario *sc, struct stmt *st)
{
	if (nargs(sc, st, 0, 0))
		return -1;
	CHECKED(sc);
	int ret = kmm_proc_write("sys/vm/compact_memory", "1");
	if (ret)
		return err_tok(sc, &st->tok[0], "compact_memory: %s", strerror(-ret));
	return 0;
}

int cmd_verify(struct kmm_scenario *sc, struct stmt *st)
{
	char why[512];
	if (nargs(sc, st, 0, 0))
		return -1;
	CHECKED(sc);
	if (kmm_verify(why, sizeof(why))) {
		fprintf(sc->err, "%s:%d:%d: verify failed: %s\n", sc->name, st->tok[0].line, st->tok[0].col, why);
		fprintf(sc->out, "verify: FAILED: %s\n", why);
		sc->status = KMM_SCENARIO_BROKEN; /* the kernel's structures, not the script */
	} else {
		fprintf(sc->out, "verify: ok\n");
	}
	return 0;
}

/* file PATH SIZE: a file of SIZE bytes on the disk, filled with its own name (kmm_file_create) */
int cmd_file(struct kmm_scenario *sc, struct stmt *st)
{
	unsigned long size;
	if (nargs(sc, st, 2, 2) || parse_size(sc, arg(st, 1), arg(st, 1)->text, &size))
		return -1;
	if (size > SC_FILE_MAX)
		return err_tok(sc, arg(st, 1), "a file of %s is larger than %lu MiB, the most a scenario makes (its bytes are "
				"written in host memory first)", arg(st, 1)->text, SC_FILE_MAX >> 20);
	CHECKED(sc);
	const char *path = arg(st, 0)->text;
	char *data = malloc(size ? size : 1);
	if (!data)
		return err_tok(sc, arg(st, 1), "no host memory for %lu bytes", size);
	for (unsigned long i = 0, n = strlen(path); i < size; i++)
		data[i] = path[i % n];
	int ret = kmm_file_create(path, data, size);
	free(data);
	if (ret == -ENOMEM) { /* its inode and dentry could not be had: it failed as creat(2) would, the script goes on */
		fprintf(sc->err, "%s:%d:%d: cannot create \"%s\": %s\n", sc->name, st->tok[st->cmd_at].line,
			st->tok[st->cmd_at].col, path, strerror(-ret));
		return 0;
	}
	if (ret)
		return err_tok(sc, arg(st, 0), "cannot create \"%s\": %s", path, strerror(-ret));
	return 0;
}

/* sync: every dirty page-cache page goes to the disk */
int cmd_sync(struct kmm_scenario *sc, struct stmt *st)
{
	if (nargs(sc, st, 0, 0))
		return -1;
	CHECKED(sc);
	kmm_sync();
	return 0;
}

/* map FILE: the picture of physical memory as it is now (kmm_map_svg) */
int cmd_map(struct kmm_scenario *sc, struct stmt *st)
{
	if (nargs(sc, st, 1, 1))
		return -1;
	CHECKED(sc);
	struct tok *t = arg(st, 0);
	FILE *f = fopen(t->text, "w");
	if (!f)
		return err_tok(sc, t, "cannot write \"%s\": %s", t->text, strerror(errno));
	int ret = kmm_map_svg(f);
	if (fclose(f) || ret)
		return err_tok(sc, t, "cannot write \"%s\": %s", t->text, strerror(ret ? -ret : errno));
	fprintf(sc->out, "map: physical memory drawn in %s\n", t->text);
	return 0;
}

int plot_write(const char *path, char *why, size_t whylen)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(why, whylen, "cannot write \"%s\": %s", path, strerror(errno));
		return -1;
	}
	int ret = kmm_plot_svg(f);
	if (fclose(f) && !ret)
		ret = -errno;
	if (ret) {
		snprintf(why, whylen, "cannot write \"%s\": %s", path, strerror(-ret));
		return -1;
	}
	return 0;
}

/* plot FILE: the picture of memory pressure from boot until now (kmm_plot_svg) */
int cmd_plot(struct kmm_scenario *sc, struct stmt *st)
{
	if (nargs(sc, st, 1, 1))
		return -1;
	CHECKED(sc);
	struct tok *t = arg(st, 0);
	char why[320];
	if (plot_write(t->text, why, sizeof(why)))
		return err_tok(sc, t, "%s", why);
	fprintf(sc->out, "plot: memory pressure drawn in %s\n", t->text);
	return 0;
}

int cmd_sysctl(struct kmm_scenario *sc, struct stmt *st)
{
	if (nargs(sc, st, 1, 1))
		return -1;
	struct tok *t = arg(st, 0);
	const char *eq = strchr(t->text, '=');
	size_t klen = eq ? (size_t)(eq - t->text) : strlen(t->text);
	if (strncmp(t->text, "vm.", 3) || klen <= 3)
		return err_tok(sc, t, "expected vm.NAME=VALUE or vm.NAME, e.g. vm.min_free_kbytes=8192");
	char path[128];
	snprintf(path, sizeof(path), "sys/vm/%.*s", (int)klen - 3, t->text + 3);
	if (!is_view(path))
		return err_tok(sc, t, "no sysctl %.*s (kmm has vm.min_free_kbytes, vm.watermark_scale_factor, vm.overcommit_memory, "
				      "vm.watermark_boost_factor, vm.lowmem_reserve_ratio, vm.percpu_pagelist_high_fraction)",
			       (int)klen, t->text);
	CHECKED(sc);
	if (!eq) {
		char *v = kmm_proc_read(path);
		fprintf(sc->out, "%.*s = %s", (int)klen, t->text, v ? v : "\n");
		free(v);
		return 0;
	}
	int ret = kmm_proc_write(path, eq + 1);
	if (ret)
		return error_at(sc, t->line, t->col + (int)klen + 1, "sysctl %.*s: \"%s\" refused: %s", (int)klen, t->text,
				eq + 1, strerror(-ret));
	return 0;
}

/*
 * trace on [EVENTS] | trace off [EVENTS] | trace clear: kmm's kmem: tracepoints
 * (trace/tracepoint.c).  EVENTS as set_event takes them, commas or blanks
 * between: kmem:kmalloc,kmem:kfree, kmem (all of them, the default), kmem:*,
 * a bare event name.  The trace is the view sys/kernel/tracing/trace.
 */
int cmd_trace(struct kmm_scenario *sc, struct stmt *st)
{
	if (nargs(sc, st, 1, SC_MAX_ARGS))
		return -1;
	struct tok *what = arg(st, 0);
	bool on = !strcmp(what->text, "on"), off = !strcmp(what->text, "off"), clear = !strcmp(what->text, "clear");
	if (!on && !off && !clear)
		return err_tok(sc, what, "expected trace on [EVENTS], trace off [EVENTS] or trace clear, got \"%s\"",
			       what->text);
	if (clear && st->npos > 1)
		return err_tok(sc, arg(st, 1), "trace clear takes no events");
	char events[512] = "";
	for (int i = 1; i < st->npos; i++) {
		struct tok *t = arg(st, i);
		unsigned long long set, unset;
		char bad[128];
		if (kmm_trace_parse_events(t->text, &set, &unset, bad, sizeof(bad)))
			return err_tok(sc, t,
				       "no trace event \"%s\" (kmm traces kmem:kmalloc kmem:kfree kmem:kmem_cache_alloc "
				       "kmem:kmem_cache_free kmem:mm_page_alloc kmem:mm_page_free kmem:mm_page_free_batched "
				       "kmem:mm_page_alloc_zone_locked kmem:mm_page_pcpu_drain kmem:mm_page_alloc_extfrag "
				       "kmem:rss_stat, or kmem for all; vmscan:mm_vmscan_kswapd_wake "
				       "vmscan:mm_vmscan_direct_reclaim_begin ... or vmscan for all; "
				       "compaction:mm_compaction_begin ... or compaction; migrate:mm_migrate_pages ... "
				       "or migrate)",
				       bad);
		if (strlen(events) + strlen(t->text) + 2 > sizeof(events))
			return err_tok(sc, t, "too many events in one trace statement");
		snprintf(events + strlen(events), sizeof(events) - strlen(events), "%s%s", *events ? "," : "", t->text);
	}
	CHECKED(sc);
	if (clear) {
		kmm_trace_clear();
		return 0;
	}
	int ret = kmm_trace_enable(*events ? events : "kmem", on);
	if (ret)
		return err_tok(sc, what, "trace %s: %s", what->text, strerror(-ret));
	return 0;
}

/*
 * fail failslab|fail_page_alloc [FILE=VALUE]...: write the debugfs files of
 * a failure injector (mm/fault_inject.c) - probability=10 times=-1
 * ignore-gfp-wait=N ... - checked before anything runs; with no settings,
 * show them all as one `fail` line that could be pasted back.
 */
int cmd_fail(struct kmm_scenario *sc, struct stmt *st)
{
	if (nargs(sc, st, 1, SC_MAX_ARGS))
		return -1;
	struct tok *n = arg(st, 0);
	char dir[64], files[512] = "";
	if (strcmp(n->text, "failslab") && strcmp(n->text, "fail_page_alloc"))
		return err_tok(sc, n, "expected failslab or fail_page_alloc, got \"%s\"", n->text);
	snprintf(dir, sizeof(dir), "sys/kernel/debug/%s/", n->text);
	for (const char *const *p = kmm_proc_paths(); *p; p++)
		if (!strncmp(*p, dir, strlen(dir)))
			snprintf(files + strlen(files), sizeof(files) - strlen(files), "%s%s", *files ? " " : "",
				 *p + strlen(dir));
	for (int i = 1; i < st->npos; i++) {
		struct tok *t = arg(st, i);
		const char *eq = strchr(t->text, '=');
		char path[128];
		snprintf(path, sizeof(path), "%s/%.*s", n->text, eq ? (int)(eq - t->text) : 0, t->text);
		int ret = eq ? fault_inject_check(path, eq + 1) : -ENOENT;
		if (ret == -ENOENT)
			return err_tok(sc, t, "expected FILE=VALUE, a file of %s being one of: %s; got \"%s\"", n->text, files,
				       t->text);
		if (ret)
			return error_at(sc, t->line, t->col + (int)(eq - t->text) + 1,
					"%s refuses \"%s\" (a number; Y or N for ignore-* and cache-filter)", path, eq + 1);
	}
	CHECKED(sc);
	for (int i = 1; i < st->npos; i++) {
		const char *text = arg(st, i)->text, *eq = strchr(text, '=');
		char path[128];
		snprintf(path, sizeof(path), "%s%.*s", dir, (int)(eq - text), text);
		kmm_proc_write(path, eq + 1); /* checked above */
	}
	if (st->npos == 1) {
		fprintf(sc->out, "fail %s", n->text);
		for (const char *f = files; *f;) {
			size_t len = strcspn(f, " ");
			char path[128];
			snprintf(path, sizeof(path), "%s%.*s", dir, (int)len, f);
			char *v = kmm_proc_read(path);
			fprintf(sc->out, " %.*s=%.*s", (int)len, f, v ? (int)strcspn(v, "\n") : 0, v ? v : "");
			free(v);
			f += len + (f[len] == ' ');
		}
		fputc('\n', sc->out);
	}
	return 0;
}

/* A time like 30s, 500ms, 2m, 1h (bare: seconds) into ns. */
static int parse_time(struct kmm_scenario *sc, const struct tok *t, u64 *ns)
{
	static const struct { const char *unit; u64 ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000ULL }, { "", 1000000000ULL },
		{ "m", 60000000000ULL }, { "h", 3600000000000ULL },
	};
	u64 v = 0;
	bool over = false;
	size_t used = t->text[0] >= '0' && t->text[0] <= '9' ? kmm_parse_integer(t->text, strlen(t->text), 10, &v, &over) : 0;
	for (size_t i = 0; used && i < ARRAY_SIZE(units); i++)
		if (!strcmp(t->text + used, units[i].unit)) {
			if (over || v > ~0ULL / units[i].ns)
				return err_tok(sc, t, "the time \"%s\" is longer than 2^64 ns (584 years)", t->text);
			*ns = v * units[i].ns;
			return 0;
		}
	return err_tok(sc, t, "expected a time like 30s, 500ms or 2m, got \"%s\"", t->text);
}

/* sleep TIME / step [N]: the simulated clock moves, and what runs on time runs (sim/clock.c) */
int cmd_clock(struct kmm_scenario *sc, struct stmt *st)
{
	u64 ns = 4000000; /* step: one tick at HZ=250 */
	long ticks = 1;
	if (!strcmp(st->cmd->name, "sleep")) {
		if (nargs(sc, st, 1, 1) || parse_time(sc, arg(st, 0), &ns))
			return -1;
	} else {
		if (nargs(sc, st, 0, 1) || (st->npos && parse_num(sc, arg(st, 0), arg(st, 0)->text, 1, 1L << 40, &ticks)))
			return -1;
		ns *= (u64)ticks;
	}
	CHECKED(sc);
	kmm_clock_advance(ns);
	return 0;
}

/* ---- expect ---------------------------------------------------------------------------------- */

enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };
static const char *const op_names[] = { "==", "!=", "<", "<=", ">", ">=" };

static int parse_op(struct kmm_scenario *sc, const struct tok *t)
{
	for (int i = 0; i < 6; i++)
		if (!strcmp(t->text, op_names[i]))
			return i;
	return err_tok(sc, t, "expected a comparison (== != < <= > >=), got \"%s\"", t->text);
}

static bool is_word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

/* The n-th whole number on [p, end), or -1. */
static int nth_number(const char *p, const char *end, long n, long long *out)
{
	while (p < end) {
		while (p < end && isspace((unsigned char)*p))
			p++;
		const char *w = p;
		while (p < end && !isspace((unsigned char)*p))
			p++;
		char *e;
		long long v = strtoll(w, &e, 10);
		if (e == p && e > w && n-- == 0) {
			*out = v;
			return 0;
		}
	}
	return -1;
}

/*
 * A number in a view.  With a section (a zone, a cache name): the block that
 * starts at the first line naming it as a whole word, with its indented
 * lines.  The field is a line's leading words ("MemFree", "pages free") -
 * the number after them - or, for a one-line table row, a column: an order
 * in buddyinfo, a <name> of the "# name <active_objs> ..." header in slabinfo.
 */
/*
 * The block of a view that starts at the first line naming section as a
 * whole word, with the indented lines after it: [*from, *to).  *row_end
 * ends that first line; *after_name points behind the name in it.
 */
static int view_section(const char *text, const char *section, const char **from, const char **to,
			const char **row_end, const char **after_name)
{
	size_t sl = strlen(section);
	const char *s = text, *end = text + strlen(text);
	for (; (s = strstr(s, section)); s += sl)
		if ((s == text || !is_word_char(s[-1])) && !is_word_char(s[sl]))
			break;
	if (!s || !sl)
		return -1;
	*after_name = s + sl;
	while (s > text && s[-1] != '\n')
		s--;
	*from = s;
	const char *e = strchr(s, '\n');
	*row_end = e = e ? e : end;
	while (*e == '\n' && (e[1] == ' ' || e[1] == '\t')) {
		const char *nl = strchr(e + 1, '\n');
		e = nl ? nl : end;
	}
	*to = e;
	return 0;
}

static int view_field(const char *text, const char *section, const char *field, long long *out)
{
	const char *from = text, *to = text + strlen(text), *row_end = NULL, *after_name = NULL;
	if (section && view_section(text, section, &from, &to, &row_end, &after_name))
		return -1;
	size_t fl = strlen(field);
	for (const char *l = from; l < to;) {
		const char *p = l;
		while (p < to && (*p == ' ' || *p == '\t'))
			p++;
		const char *eol = memchr(p, '\n', (size_t)(to - p));
		eol = eol ? eol : to;
		if ((size_t)(eol - p) > fl && !strncmp(p, field, fl) && (p[fl] == ' ' || p[fl] == ':' || p[fl] == '\t'))
			if (!nth_number(p + fl + (p[fl] == ':'), eol, 0, out))
				return 0;
		l = eol + 1;
	}
	if (!section)
		return -1;
	/* a column of the section's row */
	char *e;
	long col = strtol(field, &e, 10);
	if (*e || e == field) {
		char want[80];
		snprintf(want, sizeof(want), "<%s>", field);
		const char *hdr = strstr(text, want);
		if (!hdr)
			return -1;
		const char *line = hdr;
		while (line > text && line[-1] != '\n')
			line--;
		col = 0;
		for (const char *q = line; q < hdr; q++)
			col += *q == '<';
	}
	return nth_number(after_name, row_end, col, out);
}

int cmd_expect(struct kmm_scenario *sc, struct stmt *st)
{
	int n = st->npos, op;
	struct tok *a0 = arg(st, 0);
	if (n == 3 && !strcmp(arg(st, 2)->text, "NULL")) {
		struct handle *h;
		if ((op = parse_op(sc, arg(st, 1))) < 0)
			return -1;
		if (op != OP_EQ && op != OP_NE)
			return err_tok(sc, arg(st, 1), "a handle compares with == NULL or != NULL");
		if (handle_get(sc, a0, ~0u, &h))
			return -1;
		CHECKED(sc);
		bool null = handle_null(h);
		if (null != (op == OP_EQ)) {
			fprintf(sc->err, "%s:%d:%d: expect failed: %s is %s\n", sc->name, a0->line, a0->col, h->name,
				null ? "NULL" : "not NULL");
			sc->failed_expects++;
			sc->status = sc->status > KMM_SCENARIO_FAILED ? sc->status : KMM_SCENARIO_FAILED;
		}
		return 0;
	}
	if (n != 4 && n != 5)
		return usage_error(sc, st, n > 5 ? arg(st, 5) : NULL);
	struct tok *section = n == 5 ? arg(st, 1) : NULL, *field = arg(st, n - 3), *vt = arg(st, n - 1);
	long want;
	char *text;
	if ((op = parse_op(sc, arg(st, n - 2))) < 0 || parse_num(sc, vt, vt->text, LONG_MIN, LONG_MAX, &want))
		return -1;
	int go = view_read(sc, st, a0, &text);
	if (go)
		return go < 0 ? -1 : 0;
	CHECKED(sc);
	long long got;
	int found = view_field(text, section ? section->text : NULL, field->text, &got);
	free(text);
	if (found)
		return view_miss(sc, field, "expect failed: %s has no field \"%s\"%s%s", a0->text, field->text, section ? " in section " : "",
			       section ? section->text : "");
	bool ok = op == OP_EQ ? got == want : op == OP_NE ? got != want : op == OP_LT ? got < want :
		  op == OP_LE ? got <= want : op == OP_GT ? got > want : got >= want;
	if (!strcmp(a0->text, "counters") && !strcmp(field->text, "bugs"))
		sc->bugs_seen = (unsigned long)sc_bugs();
	if (!ok) {
		fprintf(sc->err, "%s:%d:%d: expect failed: %s%s%s %s is %lld, expected %s %ld\n", sc->name, a0->line,
			a0->col, a0->text, section ? " " : "", section ? section->text : "", field->text, got,
			op_names[op], want);
		sc->failed_expects++;
		sc->status = sc->status > KMM_SCENARIO_FAILED ? sc->status : KMM_SCENARIO_FAILED;
	}
	return 0;
}

/*
 * cgroup create GROUP | cgroup remove GROUP | cgroup attach GROUP TASK |
 * cgroup set GROUP FILE VALUE: cgroup v2's memory controller, as mkdir and
 * rmdir under /sys/fs/cgroup, a pid written to GROUP/cgroup.procs, and a
 * value to one of the group's files (memory.max, memory.high, memory.low,
 * memory.min, memory.oom.group, memory.reclaim).  GROUP is a path below
 * the root ("A", "A/B"); its files are views: show sys/fs/cgroup/A/memory.events.
 */
int cmd_cgroup(struct kmm_scenario *sc, struct stmt *st)
{
	if (nargs(sc, st, 2, 4))
		return -1;
	struct tok *what = arg(st, 0), *group = arg(st, 1);
	const char *w = what->text;
	int want = !strcmp(w, "create") || !strcmp(w, "remove") ? 2 : !strcmp(w, "attach") ? 3 : !strcmp(w, "set") ? 4 : 0;
	if (!want)
		return err_tok(sc, what, "expected cgroup create|remove|attach|set, not \"%s\"", w);
	if (st->npos != want)
		return usage_error(sc, st, what);
	if (strlen(group->text) > 4000 || strstr(group->text, ".."))
		return err_tok(sc, group, "a cgroup is a path below /sys/fs/cgroup, such as A or A/B");
	int ret;
	if (want == 3) {
		struct handle *h;
		int go = need_task(sc, st, arg(st, 2), &h);
		if (go)
			return go < 0 ? -1 : 0;
		CHECKED(sc);
		ret = fatal_signal_pending(h->task) ? -EINTR : kmm_cgroup_attach(h->task, group->text);
	} else if (want == 4) {
		const char *file = arg(st, 2)->text;
		if (strncmp(file, "memory.", 7) || strchr(file, '/'))
			return err_tok(sc, arg(st, 2), "expected a memory controller file: memory.max, memory.high, "
						       "memory.low, memory.min, memory.oom.group or memory.reclaim");
		CHECKED(sc);
		char path[4200];
		snprintf(path, sizeof(path), "sys/fs/cgroup/%s/%s", group->text, file);
		ret = kmm_proc_write(path, arg(st, 3)->text);
	} else {
		CHECKED(sc);
		ret = want == 2 && w[0] == 'c' ? kmm_cgroup_mkdir(group->text) : kmm_cgroup_rmdir(group->text);
	}
	if (ret) {
		char msg[160];
		snprintf(msg, sizeof(msg), "cgroup %s %s", w, group->text);
		fprintf(sc->err, "%s:%d:%d: %s: %s\n", sc->name, what->line, what->col, msg,
			ret == -EINTR ? "the task was killed (SIGKILL)" : strerror(-ret));
	}
	return 0;
}
