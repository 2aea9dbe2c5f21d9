/*
 * test_pressure_ref.c - kmm against a real 6.1 kernel under memory
 * pressure: the capture tests/data/pressure/swap-x86_64-512M (an amd64
 * kernel with 512 MiB and a 1 GiB swap disk; hog.c touches 800 MiB, one
 * byte a page, then reads every page back; /proc/meminfo and /proc/vmstat
 * before, after the touch, after the re-read and after exit).
 *
 * The same workload on the same machine description in kmm, stage by
 * stage, against the capture's own files (the figures are read from them,
 * not written here):
 *   - SwapFree, and the swap traffic (pswpout, pswpin) and major faults of
 *     each pass, within 15% (counts that are small in the capture - under
 *     1% of the pages touched - must be small in kmm too);
 *   - the LRU lists: each list holding more than 5% of MemTotal within
 *     15%, the others under 5% in kmm as well;
 *   - who reclaimed: kswapd's share of pgscan and of pgsteal in each pass
 *     within 20 percentage points of the capture's;
 *   - the re-read pass reads back every byte the touch wrote.
 * A real kernel's numbers move a little from run to run; these relations
 * do not.  The other profiles (no capture of their own here) run the same
 * workload scaled to their memory and must show the same relations: the
 * overflow goes to swap and comes back intact, kswapd does most of the
 * work, every slot is free once the task is gone.
 */
#include "kmm_test.h"

#include <kmm/swap.h>
#include <kmm/task.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(pressure_ref, .fini = fini, .timeout = 300);

/* ---- the capture's files ------------------------------------------------------------------ */

enum stage { BEFORE, AFTER_TOUCH, AFTER_REREAD, AFTER_EXIT, NR_STAGES };
static const char *const stage_names[NR_STAGES] = { "before", "after_touch", "after", "after_exit" };

struct snapshot {
	char *text[2]; /* meminfo_stages.txt, vmstat_stages.txt */
	int col[2][NR_STAGES];
};

static char *capture_file(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/pressure/swap-x86_64-512M/%s", data_dir(), name);
	char *s = slurp(path);
	cr_assert_not_null(s, "%s is missing", path);
	return s;
}

/* The columns of the header line "counter before after_touch after after_exit d:..." */
static void find_columns(const char *text, int col[NR_STAGES])
{
	const char *h = strstr(text, "\ncounter");
	cr_assert_not_null(h, "no header line");
	char line[512];
	size_t n = strcspn(h + 1, "\n");
	cr_assert_lt(n, sizeof(line));
	memcpy(line, h + 1, n);
	line[n] = 0;
	for (int s = 0; s < NR_STAGES; s++)
		col[s] = -1;
	int i = 0;
	for (char *save, *w = strtok_r(line, " ", &save); w; w = strtok_r(NULL, " ", &save), i++)
		for (int s = 0; s < NR_STAGES; s++)
			if (!strcmp(w, stage_names[s]))
				col[s] = i;
	for (int s = 0; s < NR_STAGES; s++)
		cr_assert_geq(col[s], 1, "no column %s", stage_names[s]);
}

static struct snapshot capture(void)
{
	struct snapshot c = { { capture_file("meminfo_stages.txt"), capture_file("vmstat_stages.txt") }, { { 0 } } };
	for (int f = 0; f < 2; f++)
		find_columns(c.text[f], c.col[f]);
	return c;
}

/* A counter's value at a stage: file 0 is meminfo (kB), 1 vmstat. */
static unsigned long ref_value(const struct snapshot *c, int f, const char *name, enum stage s)
{
	char key[96];
	snprintf(key, sizeof(key), "\n%s ", name);
	const char *at = strstr(c->text[f], key);
	cr_assert_not_null(at, "the capture has no %s", name);
	at += strlen(key);
	char *end;
	unsigned long v = 0;
	for (int i = 1; i <= c->col[f][s]; i++) {
		v = strtoul(at, &end, 10);
		cr_assert_neq(end, at, "%s: no column %d", name, i);
		at = end;
	}
	return v;
}

/* ---- kmm's side ---------------------------------------------------------------------------- */

#define NR_VM 8
static const char *const vm_names[NR_VM] = { "pswpout", "pswpin", "pgmajfault", "pgscan_kswapd", "pgscan_direct",
					     "pgsteal_kswapd", "pgsteal_direct", "pgfault" };
#define NR_MI 6
static const char *const mi_names[NR_MI] = { "MemTotal", "SwapFree", "Active(anon)", "Inactive(anon)", "Active(file)",
					     "Inactive(file)" };

struct counts {
	unsigned long vm[NR_VM];
	unsigned long mi[NR_MI];
};

static struct counts counts_now(void)
{
	struct counts c;
	for (int i = 0; i < NR_VM; i++)
		c.vm[i] = vmstat_value(vm_names[i]);
	for (int i = 0; i < NR_MI; i++) {
		char f[40];
		snprintf(f, sizeof(f), "%s:", mi_names[i]);
		c.mi[i] = meminfo_value(f);
	}
	return c;
}

static struct counts counts_ref(const struct snapshot *c, enum stage s)
{
	struct counts r;
	for (int i = 0; i < NR_VM; i++)
		r.vm[i] = ref_value(c, 1, vm_names[i], s);
	for (int i = 0; i < NR_MI; i++)
		r.mi[i] = ref_value(c, 0, mi_names[i], s);
	return r;
}

/* hog.c's byte for page i of MiB mb */
static unsigned char hog_byte(unsigned long page)
{
	unsigned long per_mb = (1UL << 20) / PAGE_SIZE;
	return (unsigned char)(page / per_mb + page % per_mb + 1);
}

/* hog.c's passes, one byte a page, each access a return to user space; the counts at each stage. */
static void run_hog(struct task_struct *t, unsigned long pages, struct counts out[NR_STAGES])
{
	long a = task_mmap(t, 0, pages * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	out[BEFORE] = counts_now();
	for (unsigned long i = 0; i < pages; i++) {
		unsigned char b = hog_byte(i);
		cr_assert_eq(task_write(t, (unsigned long)a + i * PAGE_SIZE, &b, 1), 0, "page %lu", i);
	}
	out[AFTER_TOUCH] = counts_now();
	unsigned long bad = 0;
	for (unsigned long i = 0; i < pages; i++) {
		unsigned char b = 0;
		cr_assert_eq(task_read(t, (unsigned long)a + i * PAGE_SIZE, &b, 1), 0, "page %lu", i);
		bad += b != hog_byte(i);
	}
	cr_assert_eq(bad, 0, "the re-read found %lu pages changed", bad);
	out[AFTER_REREAD] = counts_now();
	task_exit(t);
	out[AFTER_EXIT] = counts_now();
}

static bool near(unsigned long x, unsigned long ref, unsigned long small)
{
	if (ref < small)
		return x < small;
	return x * 100 >= ref * 85 && x * 100 <= ref * 115;
}

/* kswapd's share, in percent, of a pass's kswapd + direct */
static long share(unsigned long kswapd, unsigned long direct)
{
	return kswapd + direct ? (long)(kswapd * 100 / (kswapd + direct)) : 100;
}

Test(pressure_ref, swap_x86_64_512M)
{
	struct snapshot cap = capture();
	struct counts ref[NR_STAGES], got[NR_STAGES];
	for (int s = 0; s < NR_STAGES; s++)
		ref[s] = counts_ref(&cap, (enum stage)s);
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "x86_64";
	p.mem_bytes = 512ULL << 20;
	boot_or_fail(&p);
	cr_assert_eq(kmm_swapon("/dev/vda", 1ULL << 30, 0), 0);
	struct task_struct *t = task_create("hog", 0);
	cr_assert_not_null(t);
	unsigned long pages = 800UL << (20 - PAGE_SHIFT);
	run_hog(t, pages, got);
	unsigned long small = pages / 100, mem_total = got[BEFORE].mi[0];
	cr_assert(near(mem_total, ref[BEFORE].mi[0], 1), "MemTotal %lu kB, the capture's %lu", mem_total,
		  ref[BEFORE].mi[0]);
	for (int s = AFTER_TOUCH; s < NR_STAGES; s++) {
		/* SwapFree in kB; a pass's swap traffic and major faults */
		cr_assert(near(got[s].mi[1], ref[s].mi[1], 1), "%s: SwapFree %lu kB, the capture's %lu",
			  stage_names[s], got[s].mi[1], ref[s].mi[1]);
		for (int i = 0; i < 3; i++) {
			unsigned long g = got[s].vm[i] - got[s - 1].vm[i], r = ref[s].vm[i] - ref[s - 1].vm[i];
			cr_assert(near(g, r, small), "%s: %s %lu in the pass, the capture's %lu", stage_names[s],
				  vm_names[i], g, r);
		}
		/* the LRU lists: the large ones within 15%, the small ones small */
		for (int i = 2; i < NR_MI; i++)
			cr_assert(near(got[s].mi[i], ref[s].mi[i], mem_total / 20), "%s: %s %lu kB, the capture's %lu",
				  stage_names[s], mi_names[i], got[s].mi[i], ref[s].mi[i]);
	}
	/* who reclaimed, pass by pass: kswapd's share of the scans and of the steals */
	for (int s = AFTER_TOUCH; s <= AFTER_REREAD; s++)
		for (int i = 3; i <= 5; i += 2) {
			long g = share(got[s].vm[i] - got[s - 1].vm[i], got[s].vm[i + 1] - got[s - 1].vm[i + 1]);
			long r = share(ref[s].vm[i] - ref[s - 1].vm[i], ref[s].vm[i + 1] - ref[s - 1].vm[i + 1]);
			cr_assert(labs(g - r) <= 20, "%s: kswapd did %ld%% of %s, the capture's kswapd %ld%%", stage_names[s],
				  g, i == 3 ? "the scanning" : "the stealing", r);
		}
	free(cap.text[0]);
	free(cap.text[1]);
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	assert_machine_sane();
}

/*
 * The other profiles: the same workload, scaled - a machine of 256 MiB and
 * swap of twice that, a task touching 1.6 times the memory - with the
 * relations the capture shows: what did not fit went to swap and came
 * back intact, the re-read's swap-ins were mostly read ahead (major faults
 * a fraction of them), kswapd did most of the reclaim in both passes, and
 * once the task is gone only the swap cache holds slots.
 */
static void scaled_hog(const char *profile)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 256ULL << 20;
	boot_or_fail(&p);
	cr_assert_eq(kmm_swapon("/dev/vda", 512ULL << 20, 0), 0);
	struct task_struct *t = task_create("hog", 0);
	cr_assert_not_null(t);
	unsigned long mem_kb = meminfo_value("MemTotal:"), pages = mem_kb / 4 * 8 / 5;
	struct counts got[NR_STAGES];
	run_hog(t, pages, got);
	unsigned long out = got[AFTER_TOUCH].vm[0] - got[BEFORE].vm[0];
	unsigned long in = got[AFTER_REREAD].vm[1] - got[AFTER_TOUCH].vm[1];
	unsigned long maj = got[AFTER_REREAD].vm[2] - got[AFTER_TOUCH].vm[2];
	cr_assert_geq(out, pages - mem_kb / 4, "%s: at least the overflow went to swap (%lu of %lu pages)", profile, out,
		      pages);
	cr_assert_geq(in, out / 2, "%s: the re-read brought it back", profile);
	cr_assert_lt(maj * 3, in, "%s: %lu major faults for %lu swap-ins: readahead", profile, maj, in);
	for (int s = AFTER_TOUCH; s <= AFTER_REREAD; s++) {
		unsigned long k = got[s].vm[5] - got[s - 1].vm[5], d = got[s].vm[6] - got[s - 1].vm[6];
		cr_assert_gt(share(k, d), 50, "%s, %s: kswapd stole %lu pages, direct reclaim %lu", profile, stage_names[s],
			     k, d);
	}
	/* what is still used is the swap cache's and the slot caches' (as the capture's 668 kB after the hog's exit) */
	cr_assert_geq(meminfo_value("SwapFree:") + meminfo_value("SwapCached:") + (swap_slots_cached() << (PAGE_SHIFT - 10)),
		      meminfo_value("SwapTotal:"));
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	assert_machine_sane();
}
Test(pressure_ref, scaled_i386) { scaled_hog("i386"); }
Test(pressure_ref, scaled_pae) { scaled_hog("i386-pae"); }
Test(pressure_ref, scaled_x86_64) { scaled_hog("x86_64"); }
