/*
 * fault_inject.c - failure injection, as Linux 6.1's lib/fault-inject.c
 * and its two memory-management users: failslab (mm/failslab.c) fails
 * kmem_cache_alloc and kmalloc, fail_page_alloc (in mm/page_alloc.c in 6.1)
 * fails the page allocator.  It exists so that every error path of kmm is
 * walked on purpose, and the walk can be repeated from a seed.
 *
 * A fault_attr decides; its hook first filters which calls are eligible:
 *
 *   alloc_pages(gfp, order)                    kmem_cache_alloc(s, gfp), kmalloc
 *     order < min-order            -> no         s is the "kmem_cache" cache -> no
 *     __GFP_NOFAIL                 -> no         __GFP_NOFAIL                -> no
 *     ignore-gfp-highmem, HIGHMEM  -> no         ignore-gfp-wait, may sleep  -> no
 *     ignore-gfp-wait, may sleep   -> no         cache-filter, no SLAB_FAILSLAB -> no
 *     should_fail(attr, 1 << order)              should_fail(attr, s->object_size)
 *
 * should_fail() then checks, in Linux's order: probability 0 -> no; times
 * 0 -> no (times -1: no limit); space > size -> space -= size, no (a
 * budget let through first); interval > 1 -> count++, no unless count is
 * a multiple of interval; probability <= a random number below 100 -> no.
 * Otherwise the call fails: the report is printed (verbose 1: the two
 * FAULT_INJECTION lines, 2: and a call trace; at most verbose_ratelimit_burst
 * of them per verbose_ratelimit_interval_ms jiffies, by __ratelimit),
 * and times goes down by one unless it is -1.  Linux's defaults stand
 * after boot: probability 0 (off), interval 1, times 1, space 0, verbose
 * 2; ignore-gfp-wait and ignore-gfp-highmem Y, min-order 1, cache-filter N
 * - so a real failure sweep sets ignore-gfp-wait=N, ignore-gfp-highmem=N
 * and min-order=0, since nearly everything kmm allocates may sleep.
 *
 * Settings: the boot parameters fail_page_alloc= and failslab= take
 * "<interval>,<probability>,<space>,<times>"; the debugfs files are /proc
 * views, sys/kernel/debug/{fail_page_alloc,failslab}/..., read and written
 * with kmm_proc_read/kmm_proc_write in debugfs's formats (numbers as
 * "%llu"/"%lld", booleans as Y/N); a scenario's `fail` command writes them.
 * The list of files is FAULT_INJECT_FILES in internal.h; one table here
 * (knobs[]) maps each to its field and type.
 *
 * Random numbers come from the machine's seeded stream (sim/random.c), so
 * a run with the same seed and settings fails the same calls.  The
 * attributes live in the machine (M->fault): a new boot starts from the
 * defaults.  Counters kmm adds: calls and injected, per attribute, for the
 * end-of-run summary of a scenario.  times, space and count are atomics;
 * the ratelimit state sits behind a trylock, as Linux's does.
 *
 * Deliberately not done: the per-task knobs (task-filter with
 * /proc/PID/make-it-fail, /proc/PID/fail-nth), the stack-trace filter
 * (require-start, reject-end, stacktrace-depth), fail_usercopy and the
 * other capabilities.  And boot itself is never failed: injection is armed
 * when kmm_boot() is done (Linux would apply a boot parameter to early
 * allocations too, and a failing boot allocation is a panic there).
 */
#define _GNU_SOURCE
#include "mm/slab.h"

#include <inttypes.h>

/* FAULT_ATTR_INITIALIZER */
static void fault_attr_init(struct fault_attr *attr, const char *name)
{
	*attr = (struct fault_attr){ .name = name, .interval = 1, .times = 1, .verbose = 2,
				     .ratelimit_state = RATELIMIT_STATE_INIT };
}

void fault_inject_init(void)
{
	struct kmm_fault_inject *f = &M->fault;
	f->armed = false;
	fault_attr_init(&f->fail_page_alloc.attr, "fail_page_alloc");
	f->fail_page_alloc.ignore_gfp_reclaim = true;
	f->fail_page_alloc.ignore_gfp_highmem = true;
	f->fail_page_alloc.min_order = 1;
	fault_attr_init(&f->failslab.attr, "failslab");
	f->failslab.ignore_gfp_reclaim = true;
	f->failslab.cache_filter = false;
}

void fault_inject_arm(void)
{
	kallsyms_warm(); /* a report's call trace may come from inside a fault handler */
	M->fault.armed = true;
}

/* setup_fault_attr(): "<interval>,<probability>,<space>,<times>" */
static int setup_fault_attr(struct fault_attr *attr, const char *param, const char *str, char *err, size_t errlen)
{
	unsigned long probability, interval;
	int times, space, end = -1;
	if (!str || sscanf(str, "%lu,%lu,%d,%d%n", &interval, &probability, &space, &times, &end) < 4 ||
	    str[end] || *str == '-') {
		snprintf(err, errlen, "%s=%s: FAULT_INJECTION: failed to parse arguments (expected "
			 "<interval>,<probability>,<space>,<times>, e.g. %s=1,10,0,-1)", param, str ? str : "", param);
		return -EINVAL;
	}
	attr->probability = probability;
	attr->interval = interval;
	attr->times = times;
	attr->space = space;
	return 0;
}

int setup_fail_page_alloc(const char *val, char *err, size_t errlen)
{
	return setup_fault_attr(&M->fault.fail_page_alloc.attr, "fail_page_alloc", val, err, errlen);
}

int setup_failslab(const char *val, char *err, size_t errlen)
{
	return setup_fault_attr(&M->fault.failslab.attr, "failslab", val, err, errlen);
}

/* ---- deciding ------------------------------------------------------------------------ */

static void fail_dump(struct fault_attr *attr)
{
	if (!attr->verbose || !___ratelimit(&attr->ratelimit_state, "fail_dump"))
		return;
	printk(KERN_NOTICE "FAULT_INJECTION: forcing a failure.\n");
	printk(KERN_NOTICE "name %s, interval %lu, probability %lu, space %d, times %d\n", attr->name, attr->interval,
	       attr->probability, __atomic_load_n(&attr->space, __ATOMIC_RELAXED),
	       __atomic_load_n(&attr->times, __ATOMIC_RELAXED));
	if (attr->verbose > 1)
		dump_stack();
}

bool should_fail(struct fault_attr *attr, long size)
{
	__atomic_add_fetch(&attr->calls, 1, __ATOMIC_RELAXED);
	/* no need to look further while the probability is 0 */
	if (!__atomic_load_n(&attr->probability, __ATOMIC_RELAXED))
		return false;
	if (!__atomic_load_n(&attr->times, __ATOMIC_RELAXED))
		return false;
	if (__atomic_load_n(&attr->space, __ATOMIC_RELAXED) > size) {
		__atomic_sub_fetch(&attr->space, (int)size, __ATOMIC_RELAXED);
		return false;
	}
	if (attr->interval > 1 && __atomic_add_fetch(&attr->count, 1, __ATOMIC_RELAXED) % attr->interval)
		return false;
	if (attr->probability <= prandom_u32_max(100))
		return false;
	fail_dump(attr);
	/* atomic_dec_not_zero, unless there is no limit */
	int t = __atomic_load_n(&attr->times, __ATOMIC_RELAXED);
	while (t != -1 && t != 0 &&
	       !__atomic_compare_exchange_n(&attr->times, &t, t - 1, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	__atomic_add_fetch(&attr->injected, 1, __ATOMIC_RELAXED);
	return true;
}

bool __should_fail_alloc_page(gfp_t gfp, unsigned int order)
{
	const typeof(M->fault.fail_page_alloc) *f = &M->fault.fail_page_alloc;
	if (!M->fault.armed || order < f->min_order || (gfp & __GFP_NOFAIL))
		return false;
	if (f->ignore_gfp_highmem && (gfp & __GFP_HIGHMEM))
		return false;
	if (f->ignore_gfp_reclaim && (gfp & __GFP_DIRECT_RECLAIM))
		return false;
	return should_fail(&M->fault.fail_page_alloc.attr, 1L << order);
}

bool __should_failslab(struct kmem_cache *s, gfp_t gfp)
{
	const typeof(M->fault.failslab) *f = &M->fault.failslab;
	/* never the bootstrap cache: every cache's own descriptor comes from it */
	if (!M->fault.armed || s == kmem_cache_cache || (gfp & __GFP_NOFAIL))
		return false;
	if (f->ignore_gfp_reclaim && (gfp & __GFP_DIRECT_RECLAIM))
		return false;
	if (f->cache_filter && !(s->flags & SLAB_FAILSLAB))
		return false;
	return should_fail(&M->fault.failslab.attr, s->object_size);
}

bool fault_inject_summary(char *buf, size_t len)
{
	const struct fault_attr *a[] = { &M->fault.failslab.attr, &M->fault.fail_page_alloc.attr };
	bool any = false;
	size_t at = 0;
	for (size_t i = 0; i < ARRAY_SIZE(a); i++) {
		unsigned long calls = __atomic_load_n(&a[i]->calls, __ATOMIC_RELAXED);
		any |= calls || a[i]->probability;
		at += (size_t)snprintf(buf + at, at < len ? len - at : 0, "%s%s failed %lu of %lu calls", i ? ", " : "",
				       a[i]->name, __atomic_load_n(&a[i]->injected, __ATOMIC_RELAXED), calls);
	}
	return any;
}

/* ---- the debugfs files ------------------------------------------------------------------ */

enum knob_type { KNOB_UL, KNOB_INT, KNOB_U32, KNOB_BOOL };

enum {
#define KNOB_ID(dir, id, file, type, field) KNOB_##dir##_##id,
	FAULT_INJECT_FILES(KNOB_ID)
#undef KNOB_ID
};

static const struct knob {
	const char *path;      /* under sys/kernel/debug/ */
	enum knob_type type;
	size_t offset;         /* in struct kmm_fault_inject */
} knobs[] = {
#define KNOB(dir, id, file, type, field) { #dir "/" file, type, offsetof(struct kmm_fault_inject, field) },
	FAULT_INJECT_FILES(KNOB)
#undef KNOB
};

/*
 * The value as debugfs takes it: kstrtoull/kstrtoll in any base (0x..., 0...)
 * with one trailing newline for numbers; kstrtobool's y/Y/1/on, n/N/0/off.
 */
static int knob_parse(enum knob_type type, const char *val, u64 *out)
{
	if (type == KNOB_BOOL) {
		switch (val[0]) {
		case 'y': case 'Y': case '1': *out = 1; return 0;
		case 'n': case 'N': case '0': *out = 0; return 0;
		case 'o': case 'O':
			if (val[1] == 'n' || val[1] == 'N') { *out = 1; return 0; }
			if (val[1] == 'f' || val[1] == 'F') { *out = 0; return 0; }
		}
		return -EINVAL;
	}
	size_t len = strlen(val);
	if (len && val[len - 1] == '\n')
		len--;
	char buf[32];
	if (!len || len >= sizeof(buf) || val[0] == ' ' || val[0] == '+' || (val[0] == '-' && type != KNOB_INT))
		return -EINVAL;
	memcpy(buf, val, len);
	buf[len] = 0;
	char *e;
	errno = 0;
	*out = type == KNOB_INT ? (u64)strtoll(buf, &e, 0) : strtoull(buf, &e, 0);
	return *e || errno ? -EINVAL : 0;
}

int fault_inject_check(const char *path, const char *value)
{
	u64 v;
	for (size_t i = 0; i < ARRAY_SIZE(knobs); i++)
		if (!strcmp(knobs[i].path, path))
			return knob_parse(knobs[i].type, value, &v);
	return -ENOENT;
}

static void knob_show(const struct knob *k, struct strbuf *sb)
{
	void *p = (char *)&M->fault + k->offset;
	switch (k->type) {
	case KNOB_UL: sb_printf(sb, "%lu\n", __atomic_load_n((unsigned long *)p, __ATOMIC_RELAXED)); break;
	case KNOB_INT: sb_printf(sb, "%d\n", __atomic_load_n((int *)p, __ATOMIC_RELAXED)); break;
	case KNOB_U32: sb_printf(sb, "%" PRIu32 "\n", *(u32 *)p); break;
	case KNOB_BOOL: sb_printf(sb, "%c\n", *(bool *)p ? 'Y' : 'N'); break;
	}
}

static int knob_write(const struct knob *k, const char *val)
{
	void *p = (char *)&M->fault + k->offset;
	u64 v;
	if (knob_parse(k->type, val, &v))
		return -EINVAL;
	switch (k->type) {
	case KNOB_UL: __atomic_store_n((unsigned long *)p, (unsigned long)v, __ATOMIC_RELAXED); break;
	case KNOB_INT: __atomic_store_n((int *)p, (int)v, __ATOMIC_RELAXED); break; /* atomic_set truncates */
	case KNOB_U32: *(u32 *)p = (u32)v; break;
	case KNOB_BOOL: *(bool *)p = v; break;
	}
	return 0;
}

#define KNOB_FUNCTIONS(dir, id, file, type, field)                                                 \
	void fault_show_##dir##_##id(struct strbuf *sb) { knob_show(&knobs[KNOB_##dir##_##id], sb); } \
	int fault_write_##dir##_##id(const char *val) { return knob_write(&knobs[KNOB_##dir##_##id], val); }
FAULT_INJECT_FILES(KNOB_FUNCTIONS)
#undef KNOB_FUNCTIONS
