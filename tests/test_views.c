/*
 * test_views.c - /proc/pagetypeinfo, /proc/vmstat and debugfs extfrag on
 * every profile: their layout against what the real kernels printed
 * (tests/data/linux-ref), and their numbers against each other and against
 * the allocator (Σ migratetypes == buddyinfo, one block-table entry per
 * pageblock, pgalloc/pgfree move by the pages allocated and freed, the
 * fragmentation indices follow Linux's formulas).  Each test frees what it
 * allocated and ends with the machine sane.
 */
#include "kmm_test.h"

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(views, .fini = fini, .timeout = 60);

static const char *const profiles[] = { "i386", "i386-pae", "x86_64" };

/* The reference boot of the same kernel configuration as the profile. */
static const char *ref_machine(const char *profile)
{
	if (!strcmp(profile, "x86_64"))
		return "x86_64-4G-numa2";
	return !strcmp(profile, "i386-pae") ? "i386-pae-2G" : "i386-686-2G";
}

static void boot_profile(const char *profile)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	boot_or_fail(&p);
	deferred_init_wait();
	drain_all_pages(NULL);
}

static char *view(const char *path)
{
	char *t = kmm_proc_read(path);
	cr_assert_not_null(t, "/proc/%s: %s", path, strerror(errno));
	return t;
}

/* Split text into its lines, in place; returns how many. */
static int split_lines(char *text, char **lines, int max)
{
	int n = 0;
	for (char *p = text; *p && n < max;) {
		char *eol = strchr(p, '\n');
		lines[n++] = p;
		if (!eol)
			break;
		*eol = 0;
		p = eol + 1;
	}
	return n;
}

/* ---- parsing the rows ------------------------------------------------------------ */

#define MAX_ROWS 64
#define NR_SHOWN_TYPES 5 /* Unmovable, Movable, Reclaimable, HighAtomic, Isolate */

struct zone_row {
	int nid;
	char zone[16];
	char type[16];               /* pagetypeinfo free rows only */
	unsigned long v[MAX_ORDER];  /* per order, or per migratetype in the block table */
	int nv;
};

/* Read the numbers after a row's label. */
static int parse_numbers(const char *s, unsigned long *v, int max)
{
	int n = 0;
	char *e;
	while (n < max) {
		unsigned long x = strtoul(s, &e, 10);
		if (e == s)
			break;
		v[n++] = x;
		s = e;
	}
	return n;
}

/* "Node 0, zone   Normal      1      0 ..." (buddyinfo, the block table) */
static bool parse_zone_row(const char *line, struct zone_row *r)
{
	int off = 0;
	memset(r, 0, sizeof(*r));
	if (sscanf(line, "Node %d, zone %15s%n", &r->nid, r->zone, &off) != 2 || !off)
		return false;
	r->nv = parse_numbers(line + off, r->v, MAX_ORDER);
	return true;
}

/* "Node    0, zone   Normal, type      Movable      3      1 ..." */
static bool parse_free_row(const char *line, struct zone_row *r)
{
	int off = 0;
	memset(r, 0, sizeof(*r));
	if (sscanf(line, "Node %d, zone %15[^,], type %15s%n", &r->nid, r->zone, r->type, &off) != 3 || !off)
		return false;
	r->nv = parse_numbers(line + off, r->v, MAX_ORDER);
	return true;
}

/* The pagetypeinfo free rows (or, with blocks, the block-table rows) of a text. */
static int pagetypeinfo_rows(char *text, bool blocks, struct zone_row *rows, int max)
{
	char *lines[512];
	int n = split_lines(text, lines, 512), nr = 0;
	bool in_blocks = false;
	for (int i = 0; i < n && nr < max; i++) {
		if (!strncmp(lines[i], "Number of blocks type", 21)) {
			in_blocks = true;
			continue;
		}
		if (!strncmp(lines[i], "Page block order", 16)) {
			in_blocks = false;
			continue;
		}
		if (strncmp(lines[i], "Node", 4) || in_blocks != blocks)
			continue;
		bool ok = blocks ? parse_zone_row(lines[i], &rows[nr]) : parse_free_row(lines[i], &rows[nr]);
		cr_assert(ok, "unparsable pagetypeinfo row \"%s\"", lines[i]);
		nr++;
	}
	return nr;
}

static int buddyinfo_rows(struct zone_row *rows, int max)
{
	char *t = view("buddyinfo");
	char *lines[MAX_ROWS];
	int n = split_lines(t, lines, MAX_ROWS), nr = 0;
	for (int i = 0; i < n && nr < max; i++)
		if (*lines[i]) {
			cr_assert(parse_zone_row(lines[i], &rows[nr]), "unparsable buddyinfo row \"%s\"", lines[i]);
			nr++;
		}
	free(t);
	return nr;
}

/*
 * A fractional index as Linux prints it, "%d.%03d" of index / 1000 and
 * index % 1000: "0.066", "-1.000", and for a small negative index " 0.-500"
 * (Linux's own rendering).  Returns the thousandths; *ok false if unparsable.
 */
static int parse_index(const char *s, char **end, bool *ok)
{
	int whole, frac, n = 0;
	*ok = sscanf(s, " %d.%d%n", &whole, &frac, &n) == 2;
	*end = (char *)s + n;
	return whole * 1000 + (whole < 0 ? -frac : frac);
}

/* The rows of an extfrag view: zone, then MAX_ORDER indices in thousandths. */
struct index_row {
	int nid;
	char zone[16];
	int v[MAX_ORDER];
};

static int index_rows(const char *path, const char *fmt, struct index_row *rows, int max)
{
	char *t = view(path);
	char *lines[MAX_ROWS];
	int n = split_lines(t, lines, MAX_ROWS), nr = 0;
	for (int i = 0; i < n && nr < max; i++) {
		if (!*lines[i])
			continue;
		struct index_row *r = &rows[nr++];
		int off = 0;
		cr_assert_eq(sscanf(lines[i], "Node %d, zone %15s%n", &r->nid, r->zone, &off), 2, "%s: \"%s\"", path,
			     lines[i]);
		char *s = lines[i] + off, *e;
		/* re-printed with Linux's format, the row must come out the same */
		char again[256];
		int len = snprintf(again, sizeof(again), "Node %d, zone %8s ", r->nid, r->zone);
		for (int o = 0; o < MAX_ORDER; o++) {
			bool ok;
			r->v[o] = parse_index(s, &e, &ok);
			cr_assert(ok, "%s: order %d of \"%s\"", path, o, lines[i]);
			s = e;
			len += snprintf(again + len, sizeof(again) - (size_t)len, fmt, r->v[o] / 1000, r->v[o] % 1000);
		}
		cr_assert_str_eq(lines[i], again, "%s: the row is not in Linux's layout", path);
	}
	free(t);
	return nr;
}

/* ---- pagetypeinfo ---------------------------------------------------------------- */

/* The first lines, and the block table's header, are the real kernel's to the byte. */
Test(views, pagetypeinfo_headers_every_profile)
{
	for (size_t i = 0; i < ARRAY_SIZE(profiles); i++) {
		boot_profile(profiles[i]);
		char *t = view("pagetypeinfo"), *ref = ref_file(ref_machine(profiles[i]), "pagetypeinfo.txt");
		char head[128];
		snprintf(head, sizeof(head), "Page block order: %d\nPages per block:  %lu\n\n", M->prof->pageblock_order,
			 pageblock_nr_pages());
		cr_assert(!strncmp(t, head, strlen(head)), "%s: pagetypeinfo starts\n%.80s", profiles[i], t);
		char *kl[512], *rl[512];
		int nk = split_lines(t, kl, 512), nr = split_lines(ref, rl, 512);
		cr_assert_geq(nk, 4);
		cr_assert_geq(nr, 4);
		for (int l = 0; l < 4; l++)
			cr_assert_str_eq(kl[l], rl[l], "%s: line %d differs from %s", profiles[i], l + 1,
					 ref_machine(profiles[i]));
		const char *kb = NULL, *rb = NULL;
		for (int l = 0; l < nk; l++)
			if (!strncmp(kl[l], "Number of blocks type", 21))
				kb = kl[l];
		for (int l = 0; l < nr; l++)
			if (!strncmp(rl[l], "Number of blocks type", 21))
				rb = rl[l];
		cr_assert_not_null(kb, "%s: no block table", profiles[i]);
		cr_assert_not_null(rb);
		cr_assert_str_eq(kb, rb, "%s: the block table header differs", profiles[i]);
		free(t);
		free(ref);
		assert_machine_sane();
		kmm_shutdown();
	}
}

/*
 * Booted like the reference machines, the same zones give the same rows:
 * line for line the same labels and the same column layout, and the block
 * table counts as many pageblocks per zone as the real kernel did.
 */
static void check_layout_like_ref(const char *machine)
{
	boot_like_ref(machine, NULL);
	char *t = view("pagetypeinfo"), *ref = ref_file(machine, "pagetypeinfo.txt");
	char *kl[512], *rl[512];
	int nk = split_lines(t, kl, 512), nr = split_lines(ref, rl, 512);
	for (int l = 0; l < nk; l++)
		cr_log_info("%s", kl[l]);
	cr_assert_eq(nk, nr, "%s: %d lines, the real kernel printed %d", machine, nk, nr);
	for (int l = 0; l < nk; l++) {
		const char *k = kl[l], *r = rl[l];
		if (strncmp(r, "Node ", 5)) {
			cr_assert_str_eq(k, r, "%s: line %d", machine, l + 1);
			continue;
		}
		/* a row: the label up to the first count, then fixed-width columns */
		size_t label = strcspn(r, "0123456789");
		label += strspn(r + label, "0123456789");
		label += strcspn(r + label, "0123456789");
		cr_assert(!strncmp(k, r, label), "%s: line %d label\n  kmm:   %s\n  linux: %s", machine, l + 1, k, r);
		cr_assert_eq(strlen(k), strlen(r), "%s: line %d width\n  kmm:   %s\n  linux: %s", machine, l + 1, k, r);
	}
	free(t);
	free(ref);

	/* the pageblocks per zone */
	t = view("pagetypeinfo");
	ref = ref_file(machine, "pagetypeinfo.txt");
	struct zone_row kr[MAX_ROWS], rr[MAX_ROWS];
	int nkr = pagetypeinfo_rows(t, true, kr, MAX_ROWS), nrr = pagetypeinfo_rows(ref, true, rr, MAX_ROWS);
	cr_assert_eq(nkr, nrr);
	for (int z = 0; z < nkr; z++) {
		unsigned long ks = 0, rs = 0;
		cr_assert_eq(kr[z].nv, NR_SHOWN_TYPES);
		for (int m = 0; m < NR_SHOWN_TYPES; m++) {
			ks += kr[z].v[m];
			rs += rr[z].v[m];
		}
		cr_assert_eq(ks, rs, "%s: node %d %s has %lu pageblocks, the real kernel %lu", machine, kr[z].nid,
			     kr[z].zone, ks, rs);
	}
	free(t);
	free(ref);
	assert_machine_sane();
}

Test(views, pagetypeinfo_layout_i386_686_2G) { check_layout_like_ref("i386-686-2G"); }
Test(views, pagetypeinfo_layout_i386_pae_2G) { check_layout_like_ref("i386-pae-2G"); }
Test(views, pagetypeinfo_layout_i386_pae_512M) { check_layout_like_ref("i386-pae-512M"); }
Test(views, pagetypeinfo_layout_x86_64_numa2) { check_layout_like_ref("x86_64-4G-numa2"); }

/* A growable list of allocations to give back at the end. */
struct held {
	struct page *p[8192];
	unsigned order[8192];
	size_t n;
};

static bool hold(struct held *h, struct page *page, unsigned order)
{
	if (!page)
		return false;
	cr_assert_lt(h->n, ARRAY_SIZE(h->p));
	h->p[h->n] = page;
	h->order[h->n++] = order;
	return true;
}

static void release(struct held *h)
{
	while (h->n) {
		h->n--;
		__free_pages(h->p[h->n], h->order[h->n]);
	}
	drain_all_pages(NULL);
}

/* Blocks of every migratetype on the lists: movable, unmovable and reclaimable allocations, half freed. */
static void fragment(struct held *h)
{
	static const gfp_t gfps[] = { GFP_KERNEL, GFP_HIGHUSER_MOVABLE, GFP_KERNEL | __GFP_RECLAIMABLE };
	struct held *tmp = calloc(1, sizeof(*tmp));
	for (size_t g = 0; g < ARRAY_SIZE(gfps); g++)
		for (unsigned o = 0; o < 4; o++)
			for (int k = 0; k < 64; k++) {
				struct page *p = alloc_pages(gfps[g], o);
				cr_assert_not_null(p);
				hold(k % 2 ? h : tmp, p, o);
			}
	release(tmp);
	free(tmp);
}

static struct zone_row *find_row(struct zone_row *rows, int n, int nid, const char *zone)
{
	for (int i = 0; i < n; i++)
		if (rows[i].nid == nid && !strcmp(rows[i].zone, zone))
			return &rows[i];
	return NULL;
}

/* Per zone and order, the free blocks of all migratetypes are the blocks buddyinfo counts. */
Test(views, pagetypeinfo_sums_to_buddyinfo)
{
	for (size_t i = 0; i < ARRAY_SIZE(profiles); i++) {
		boot_profile(profiles[i]);
		struct held *h = calloc(1, sizeof(*h));
		fragment(h);
		struct zone_row buddy[MAX_ROWS], fr[MAX_ROWS * NR_SHOWN_TYPES];
		int nb = buddyinfo_rows(buddy, MAX_ROWS);
		char *t = view("pagetypeinfo");
		cr_log_info("%s after fragmenting:\n%s", profiles[i], t);
		int nf = pagetypeinfo_rows(t, false, fr, MAX_ROWS * NR_SHOWN_TYPES);
		cr_assert_gt(nb, 0);
		cr_assert_eq(nf, nb * NR_SHOWN_TYPES, "%s: %d free rows for %d zones", profiles[i], nf, nb);
		for (int z = 0; z < nb; z++) {
			unsigned long sum[MAX_ORDER] = { 0 };
			int types = 0;
			cr_assert_eq(buddy[z].nv, MAX_ORDER);
			for (int r = 0; r < nf; r++) {
				if (fr[r].nid != buddy[z].nid || strcmp(fr[r].zone, buddy[z].zone))
					continue;
				cr_assert_eq(fr[r].nv, MAX_ORDER, "%s: row %s/%s", profiles[i], fr[r].zone, fr[r].type);
				cr_assert(strcmp(fr[r].type, "CMA"), "CMA is not in the Debian config");
				types++;
				for (int o = 0; o < MAX_ORDER; o++)
					sum[o] += fr[r].v[o];
			}
			cr_assert_eq(types, NR_SHOWN_TYPES);
			for (int o = 0; o < MAX_ORDER; o++)
				cr_assert_eq(sum[o], buddy[z].v[o], "%s: node %d %s order %d: Σ types %lu, buddyinfo %lu",
					     profiles[i], buddy[z].nid, buddy[z].zone, o, sum[o], buddy[z].v[o]);
		}
		free(t);
		release(h);
		free(h);
		assert_machine_sane();
		kmm_shutdown();
	}
}

/*
 * The block table has one entry per pageblock of each populated zone:
 * Linux samples zone_start_pfn + k * pageblock_nr_pages, skipping invalid
 * pfns, so a zone without section holes has DIV_ROUND_UP(spanned, pageblock).
 */
Test(views, block_table_counts_every_pageblock)
{
	for (size_t i = 0; i < ARRAY_SIZE(profiles); i++) {
		boot_profile(profiles[i]);
		struct held *h = calloc(1, sizeof(*h));
		fragment(h); /* unmovable and reclaimable allocations claim pageblocks */
		char *t = view("pagetypeinfo");
		struct zone_row br[MAX_ROWS];
		int n = pagetypeinfo_rows(t, true, br, MAX_ROWS), zones = 0;
		unsigned long pb = pageblock_nr_pages();
		struct zone *zone;
		for_each_populated_zone(zone) {
			struct zone_row *r = find_row(br, n, zone->node, zone->name);
			cr_assert_not_null(r, "%s: no block row for %s", profiles[i], zone->name);
			cr_assert_eq(r->nv, NR_SHOWN_TYPES);
			unsigned long total = 0, spanned = 0, valid = 0, by_type[MIGRATE_TYPES] = { 0 };
			for (int m = 0; m < NR_SHOWN_TYPES; m++)
				total += r->v[m];
			for (unsigned long pfn = zone->zone_start_pfn; pfn < zone_end_pfn(zone); pfn += pb) {
				spanned++;
				if (pfn_valid(pfn)) {
					valid++;
					by_type[get_pageblock_migratetype(pfn_to_page(pfn))]++;
				}
			}
			cr_assert_eq(spanned, DIV_ROUND_UP(zone->spanned_pages, pb));
			cr_assert_eq(total, valid, "%s: %s table %lu blocks, the zone spans %lu valid pageblocks",
				     profiles[i], zone->name, total, valid);
			if (M->prof->flatmem)
				cr_assert_eq(total, spanned, "%s: %s", profiles[i], zone->name);
			/* columns in migratetype order, CMA left out */
			cr_assert_eq(r->v[0], by_type[MIGRATE_UNMOVABLE]);
			cr_assert_eq(r->v[1], by_type[MIGRATE_MOVABLE]);
			cr_assert_eq(r->v[2], by_type[MIGRATE_RECLAIMABLE]);
			cr_assert_eq(r->v[3], by_type[MIGRATE_HIGHATOMIC]);
			cr_assert_eq(r->v[4], by_type[MIGRATE_ISOLATE]);
			zones++;
		}
		cr_assert_eq(n, zones, "%s: %d block rows for %d populated zones", profiles[i], n, zones);
		free(t);
		release(h);
		free(h);
		assert_machine_sane();
		kmm_shutdown();
	}
}

/* ---- vmstat ----------------------------------------------------------------------- */

static long vmstat_in(const char *text, const char *name)
{
	size_t len = strlen(name);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, name, len) && p[len] == ' ')
			return atol(p + len + 1);
	cr_assert_fail("vmstat has no %s", name);
	return -1;
}

/* Every line is "name value", each name is one the real kernel prints, in its order. */
Test(views, vmstat_names_and_order_every_profile)
{
	for (size_t i = 0; i < ARRAY_SIZE(profiles); i++) {
		boot_profile(profiles[i]);
		char *t = view("vmstat"), *lines = strdup(t), *ref = ref_file(ref_machine(profiles[i]), "vmstat.txt");
		char *kl[256], *rl[512];
		int nk = split_lines(lines, kl, 256), nr = split_lines(ref, rl, 512);
		int last = -1;
		cr_assert_gt(nk, 3);
		cr_assert(!strncmp(kl[0], "nr_free_pages ", 14), "%s: vmstat starts \"%s\"", profiles[i], kl[0]);
		cr_assert_eq((unsigned long)vmstat_in(t, "nr_free_pages"), nr_free_pages());
		for (int l = 0; l < nk; l++) {
			if (!*kl[l])
				continue;
			char name[64], again[128];
			unsigned long v;
			cr_assert_eq(sscanf(kl[l], "%63s %lu", name, &v), 2, "%s: \"%s\"", profiles[i], kl[l]);
			snprintf(again, sizeof(again), "%s %lu", name, v);
			cr_assert_str_eq(kl[l], again);
			int at = -1;
			for (int r = 0; r < nr && at < 0; r++)
				if (!strncmp(rl[r], name, strlen(name)) && rl[r][strlen(name)] == ' ')
					at = r;
			cr_assert_geq(at, 0, "%s: Linux 6.1 prints no \"%s\"", profiles[i], name);
			cr_assert_gt(at, last, "%s: \"%s\" is out of Linux's order", profiles[i], name);
			last = at;
		}
		/* the per-zone events of exactly the zone types the config has */
		for (int r = 0; r < nr; r++)
			if (!strncmp(rl[r], "pgalloc_", 8) || !strncmp(rl[r], "allocstall_", 11)) {
				char name[64];
				sscanf(rl[r], "%63s", name);
				vmstat_in(t, name);
			}
		cr_assert_null(strstr(t, "kswapd_wake"), "not a Linux vmstat item");
		free(lines);
		free(t);
		free(ref);
		assert_machine_sane();
		kmm_shutdown();
	}
}

/* pgalloc_normal counts the pages allocated from Normal, pgfree the pages freed. */
Test(views, vmstat_counts_allocations_and_frees)
{
	static const unsigned orders[] = { 0, 0, 1, 2, 3, 4, 5, 9 };
	static const char *const pgalloc[] = { "pgalloc_dma", "pgalloc_dma32", "pgalloc_high", "pgalloc_movable" };
	for (size_t i = 0; i < ARRAY_SIZE(profiles); i++) {
		boot_profile(profiles[i]);
		char *before = view("vmstat");
		struct held *h = calloc(1, sizeof(*h));
		unsigned long pages = 0;
		for (size_t k = 0; k < ARRAY_SIZE(orders); k++) {
			struct page *p = alloc_pages(GFP_KERNEL, orders[k]);
			cr_assert_not_null(p);
			cr_assert_eq(zone_idx(page_zone(p)), ZONE_NORMAL, "%s: GFP_KERNEL from %s", profiles[i],
				     page_zone(p)->name);
			hold(h, p, orders[k]);
			pages += 1UL << orders[k];
		}
		char *mid = view("vmstat");
		cr_assert_eq(vmstat_in(mid, "pgalloc_normal") - vmstat_in(before, "pgalloc_normal"), (long)pages,
			     "%s", profiles[i]);
		cr_assert_eq(vmstat_in(mid, "pgfree"), vmstat_in(before, "pgfree"), "%s", profiles[i]);
		release(h);
		free(h);
		char *after = view("vmstat");
		cr_assert_eq(vmstat_in(after, "pgfree") - vmstat_in(before, "pgfree"), (long)pages, "%s",
			     profiles[i]);
		cr_assert_eq(vmstat_in(after, "pgalloc_normal"), vmstat_in(mid, "pgalloc_normal"));
		cr_assert_eq((unsigned long)vmstat_in(after, "nr_free_pages"), nr_free_pages());
		/* nothing was taken from the other zones */
		for (size_t z = 0; z < ARRAY_SIZE(pgalloc); z++)
			if (strstr(before, pgalloc[z]))
				cr_assert_eq(vmstat_in(after, pgalloc[z]), vmstat_in(before, pgalloc[z]), "%s %s",
					     profiles[i], pgalloc[z]);
		free(before);
		free(mid);
		free(after);
		assert_machine_sane();
		kmm_shutdown();
	}
}

/* ---- extfrag ---------------------------------------------------------------------- */

/* The largest order with a free block in each buddyinfo row, -1 if none. */
static int top_order(const struct zone_row *r)
{
	for (int o = MAX_ORDER - 1; o >= 0; o--)
		if (r->v[o])
			return o;
	return -1;
}

/*
 * Both indices, row by row against buddyinfo: unusable is 0 at order 0,
 * within [0, 1] and never falls as the order grows; the fragmentation index
 * is -1.000 exactly where a block of that order or larger is free, and
 * above -1 and at most 1 elsewhere (1 - (1 + free/2^order) / blocks can dip
 * below 0 when few small blocks are free).
 */
static void check_indices(const char *profile)
{
	struct zone_row buddy[MAX_ROWS];
	struct index_row un[MAX_ROWS], ef[MAX_ROWS];
	int nb = buddyinfo_rows(buddy, MAX_ROWS);
	int nu = index_rows("sys/kernel/debug/extfrag/unusable_index", "%d.%03d ", un, MAX_ROWS);
	int ne = index_rows("sys/kernel/debug/extfrag/extfrag_index", "%2d.%03d ", ef, MAX_ROWS);
	cr_assert_eq(nu, nb, "%s: unusable_index has %d zones, buddyinfo %d", profile, nu, nb);
	cr_assert_eq(ne, nb, "%s: extfrag_index has %d zones, buddyinfo %d", profile, ne, nb);
	for (int z = 0; z < nb; z++) {
		cr_assert(un[z].nid == buddy[z].nid && !strcmp(un[z].zone, buddy[z].zone));
		cr_assert(ef[z].nid == buddy[z].nid && !strcmp(ef[z].zone, buddy[z].zone));
		int top = top_order(&buddy[z]);
		if (top >= 0)
			cr_assert_eq(un[z].v[0], 0, "%s: %s unusable index at order 0 is %d/1000", profile, un[z].zone,
				     un[z].v[0]);
		for (int o = 0; o < MAX_ORDER; o++) {
			cr_assert(un[z].v[o] >= 0 && un[z].v[o] <= 1000, "%s: %s order %d: %d", profile, un[z].zone, o,
				  un[z].v[o]);
			if (o)
				cr_assert_geq(un[z].v[o], un[z].v[o - 1], "%s: %s unusable falls at order %d", profile,
					      un[z].zone, o);
			if (o <= top)
				cr_assert_eq(ef[z].v[o], -1000, "%s: %s order %d fits, extfrag %d", profile, ef[z].zone, o,
					     ef[z].v[o]);
			else
				cr_assert(ef[z].v[o] > -1000 && ef[z].v[o] <= 1000, "%s: %s order %d: extfrag %d", profile,
					  ef[z].zone, o, ef[z].v[o]);
		}
	}
}

Test(views, unusable_and_extfrag_index_every_profile)
{
	for (size_t i = 0; i < ARRAY_SIZE(profiles); i++) {
		boot_profile(profiles[i]);
		check_indices(profiles[i]);
		struct held *h = calloc(1, sizeof(*h));
		fragment(h);
		check_indices(profiles[i]);
		release(h);
		free(h);
		assert_machine_sane();
		kmm_shutdown();
	}
}

/*
 * Take ZONE_DMA down to its watermark, largest blocks first: no order-10
 * block is left, so that order's unusable index is 1.000 and its
 * fragmentation index is no longer -1.000.  Given back, the zone merges to
 * the same free blocks and both views read as before.
 */
Test(views, extfrag_of_an_exhausted_zone)
{
	for (size_t i = 0; i < ARRAY_SIZE(profiles); i++) {
		boot_profile(profiles[i]);
		char *un0 = view("sys/kernel/debug/extfrag/unusable_index");
		char *ef0 = view("sys/kernel/debug/extfrag/extfrag_index");
		char *bi0 = view("buddyinfo");
		struct held *h = calloc(1, sizeof(*h));
		for (int o = MAX_ORDER - 1; o >= 0; o--)
			while (hold(h, alloc_pages(GFP_DMA | __GFP_NOWARN, (unsigned)o), (unsigned)o))
				;
		drain_all_pages(NULL);
		struct zone *dma = zone_by_name(0, "DMA");
		cr_assert_eq(dma->free_area[MAX_ORDER - 1].nr_free, 0);
		check_indices(profiles[i]);
		struct index_row un[MAX_ROWS], ef[MAX_ROWS];
		index_rows("sys/kernel/debug/extfrag/unusable_index", "%d.%03d ", un, MAX_ROWS);
		index_rows("sys/kernel/debug/extfrag/extfrag_index", "%2d.%03d ", ef, MAX_ROWS);
		cr_assert_str_eq(un[0].zone, "DMA");
		cr_assert_eq(un[0].v[MAX_ORDER - 1], 1000, "%s: DMA order %d unusable %d", profiles[i], MAX_ORDER - 1,
			     un[0].v[MAX_ORDER - 1]);
		cr_assert_neq(ef[0].v[MAX_ORDER - 1], -1000, "%s: DMA order %d extfrag %d", profiles[i], MAX_ORDER - 1,
			      ef[0].v[MAX_ORDER - 1]);
		release(h);
		free(h);
		char *un1 = view("sys/kernel/debug/extfrag/unusable_index");
		char *ef1 = view("sys/kernel/debug/extfrag/extfrag_index");
		char *bi1 = view("buddyinfo");
		cr_assert_str_eq(bi1, bi0, "%s: the free blocks did not merge back", profiles[i]);
		cr_assert_str_eq(un1, un0);
		cr_assert_str_eq(ef1, ef0);
		free(un0);
		free(ef0);
		free(bi0);
		free(un1);
		free(ef1);
		free(bi1);
		assert_machine_sane();
		kmm_shutdown();
	}
}

/*
 * kmm map --svg: every frame of every populated zone is drawn once, in the
 * colour of what it does - the rectangles' widths add up to the frames
 * spanned (holes excepted), and a page of each kind shows in its colour.
 */
#include <kmm/task.h>
#include <kmm/vmalloc.h>

static unsigned long svg_width_of(const char *svg, const char *colour)
{
	unsigned long sum = 0;
	char want[32];
	snprintf(want, sizeof(want), "fill=\"%s\"/>", colour);
	for (const char *p = svg; (p = strstr(p, "<rect x=\"")); p++) {
		const char *end = strchr(p, '\n');
		const char *w = strstr(p, "width=\"");
		const char *f = strstr(p, want);
		if (w && f && f < end && !strstr(p, "stroke") && w < end)
			sum += strtoul(w + 7, NULL, 10);
	}
	return sum;
}

Test(views, memmap_svg_draws_every_frame)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.mem_bytes = 256ULL << 20;
	boot_or_fail(&p);
	struct task_struct *t = task_create("painter", 1000);
	long a = task_mmap(t, 0, 64 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_eq(task_memset(t, (unsigned long)a, 1, 64 * PAGE_SIZE), 0);
	void *v = vmalloc(32 * PAGE_SIZE);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert_eq(kmm_map_svg(f), 0);
	fclose(f);
	cr_assert_not_null(strstr(buf, "<svg "));
	cr_assert_not_null(strstr(buf, "</svg>\n"));
	cr_assert_not_null(strstr(buf, "Node 0, zone Normal: pfn 0x1000-"));
	cr_assert_geq(svg_width_of(buf, "#1e88e5"), 64, "the task's 64 pages are user anonymous");
	cr_assert_geq(svg_width_of(buf, "#d81b60"), 32, "the vmalloc area's 32 pages");
	cr_assert_gt(svg_width_of(buf, "#8e24aa"), 0, "its page tables");
	unsigned long drawn = 0;
	for (const char *q = buf; (q = strstr(q, "height=\"2\" fill=")); q++) {
		const char *w = q;
		while (w > buf && strncmp(w, "width=\"", 7))
			w--;
		drawn += strtoul(w + 7, NULL, 10);
	}
	unsigned long frames = 0;
	struct zone *zone;
	for_each_zone(zone)
		if (populated_zone(zone))
			for (unsigned long pfn = zone->zone_start_pfn; pfn < zone_end_pfn(zone); pfn++)
				frames += pfn_valid(pfn);
	cr_assert_eq(drawn, frames, "each frame of each zone once: drew %lu of %lu", drawn, frames);
	free(buf);
	vfree(v);
	task_exit(t);
	assert_machine_sane();
}

/* Two CPUs printing at once (found by the TSan stress run: appends raced and could move the buffer). */
#define PRINTS_PER_CPU 20000

static void *print_on_cpu(void *arg)
{
	int cpu = (int)(long)arg;
	cr_assert_eq(kmm_cpu_enter(cpu), 0);
	for (int i = 0; i < PRINTS_PER_CPU; i++)
		printk(KERN_INFO "cpu%d line %d\n", cpu, i);
	kmm_cpu_exit();
	return NULL;
}

Test(views, dmesg_from_two_cpus_at_once)
{
	run_on_cpus(2, 256ULL << 20, print_on_cpu, NULL);
	int lines[2] = { 0, 0 };
	for (const char *s = kmm_dmesg(); (s = strstr(s, "] cpu"));) {
		int cpu, i;
		cr_assert_eq(sscanf(s, "] cpu%d line %d\n", &cpu, &i), 2, "a mangled line: %.40s", s);
		cr_assert_eq(i, lines[cpu], "cpu%d's line %d comes where %d was due", cpu, i, lines[cpu]);
		lines[cpu]++;
		s += 5;
	}
	cr_assert_eq(lines[0], PRINTS_PER_CPU);
	cr_assert_eq(lines[1], PRINTS_PER_CPU);
	kmm_shutdown();
}
