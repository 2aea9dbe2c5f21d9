/*
 * test_maple_tree.c - the maple tree (src/lib/maple_tree.c): its nodes in
 * the maple_node cache with 6.1's layout on every profile, thousands of
 * random stores and erases checked against a sorted array of ranges after
 * each one (lookups, iteration both ways, free-area searches against brute
 * force, the validator), a fork's node allocations against what 6.1's
 * dup_mmap() makes, failslab on every node allocation leaving the tree as
 * it was, and nothing lost after mtree_destroy().
 */
#include "kmm_test.h"

#include <kmm/maple_tree.h>
#include <kmm/slab.h>

static struct kmm_usage at_boot;

static void boot_mt(const char *profile)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 512ULL << 20;
	boot_or_fail(&p);
	kmm_usage_settle(&at_boot);
}

static void assert_nothing_lost(const char *what)
{
	assert_nothing_lost_since(&at_boot, what);
}

static void assert_valid(struct maple_tree *mt, const char *what)
{
	char why[256];
	cr_assert_eq(mt_verify(mt, why, sizeof(why)), 0, "%s: %s", what, why);
}

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(maple, .fini = fini, .timeout = 300);

/* An entry: a kernel-looking, 16-byte aligned value of the profile's width. */
static void *entry_of(unsigned id)
{
	unsigned long base = M->prof->bits == 64 ? 0xffff888000000000UL : 0xc1000000UL;
	return (void *)(base + (unsigned long)id * 16);
}

/* ---- the reference: a sorted array of the non-NULL ranges ---------------------------- */

struct ref_range {
	unsigned long start, last;
	void *entry;
};

struct ref {
	struct ref_range *r;
	size_t n, cap;
};

static void ref_store(struct ref *rf, unsigned long a, unsigned long b, void *e)
{
	struct ref_range *out = malloc((rf->n + 3) * sizeof(*out));
	size_t m = 0;
	bool placed = false;
	for (size_t i = 0; i < rf->n; i++) {
		struct ref_range r = rf->r[i];
		if (!placed && r.start > b) {
			if (e)
				out[m++] = (struct ref_range){ a, b, e };
			placed = true;
		}
		if (r.last < a || r.start > b) {
			out[m++] = r;
			continue;
		}
		if (r.start < a)
			out[m++] = (struct ref_range){ r.start, a - 1, r.entry };
		if (r.last > b) {
			if (!placed) {
				if (e)
					out[m++] = (struct ref_range){ a, b, e };
				placed = true;
			}
			out[m++] = (struct ref_range){ b + 1, r.last, r.entry };
		}
	}
	if (!placed && e)
		out[m++] = (struct ref_range){ a, b, e };
	free(rf->r);
	rf->r = out;
	rf->n = m;
}

static void *ref_load(const struct ref *rf, unsigned long idx, long *at)
{
	size_t lo = 0, hi = rf->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (rf->r[mid].last < idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = (long)lo;
	return lo < rf->n && rf->r[lo].start <= idx ? rf->r[lo].entry : NULL;
}

/* The lowest / highest start of size free indices inside [min, max], from the gaps between the ranges. */
static bool ref_gap(const struct ref *rf, unsigned long min, unsigned long max, unsigned long size, bool rev,
		    unsigned long *found)
{
	unsigned long cur = min;
	bool done = false, ok = false;
	for (size_t i = 0; i < rf->n && !done; i++) {
		const struct ref_range *r = &rf->r[i];
		if (r->last < min)
			continue;
		if (r->start > max)
			break;
		if (r->start > cur && r->start - 1 - cur >= size - 1) {
			*found = rev ? r->start - 1 - (size - 1) : cur;
			ok = true;
			if (!rev)
				return true;
		}
		if (r->last >= max)
			done = true;
		else
			cur = r->last + 1;
	}
	if (!done && max - cur >= size - 1) {
		*found = rev ? max - (size - 1) : cur;
		ok = true;
	}
	return ok;
}

/* The tree holds exactly the reference's ranges: forward with mas_find, backward with mas_find_rev. */
static void assert_same(struct maple_tree *mt, const struct ref *rf, const char *what)
{
	MA_STATE(mas, mt, 0, 0);
	void *e;
	size_t i = 0;
	mas_for_each(&mas, e, mt_ulong_max()) {
		cr_assert_lt(i, rf->n, "%s: the tree has more than %zu entries", what, rf->n);
		cr_assert(mas.index == rf->r[i].start && mas.last == rf->r[i].last && e == rf->r[i].entry,
			  "%s: entry %zu is %#lx-%#lx %p, the reference has %#lx-%#lx %p", what, i, mas.index, mas.last, e,
			  rf->r[i].start, rf->r[i].last, rf->r[i].entry);
		i++;
	}
	cr_assert_eq(i, rf->n, "%s: the tree has %zu entries, the reference %zu", what, i, rf->n);
	MA_STATE(rmas, mt, mt_ulong_max(), mt_ulong_max());
	i = rf->n;
	while ((e = mas_find_rev(&rmas, 0))) {
		cr_assert_gt(i, 0, "%s: backwards, more entries than the reference", what);
		i--;
		cr_assert(rmas.index == rf->r[i].start && rmas.last == rf->r[i].last && e == rf->r[i].entry,
			  "%s: backwards entry %zu is %#lx-%#lx, the reference has %#lx-%#lx", what, i, rmas.index,
			  rmas.last, rf->r[i].start, rf->r[i].last);
	}
	cr_assert_eq(i, 0, "%s: backwards the tree stops %zu entries short", what, i);
}

static unsigned long rnd_state;
static unsigned long rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* ---- layout and encoding ---------------------------------------------------------------- */

static void node_layout(const char *profile)
{
	boot_mt(profile);
	bool w64 = M->prof->bits == 64;
	cr_assert_eq(mt_slots_of(maple_leaf_64), w64 ? 16 : 32);
	cr_assert_eq(mt_slots_of(maple_range_64), w64 ? 16 : 32);
	cr_assert_eq(mt_slots_of(maple_arange_64), w64 ? 10 : 21);
	struct maple_tree mt;
	mt_init_flags(&mt, MT_FLAGS_ALLOC_RANGE);
	long before = kmem_cache_objects_in_use("maple_node");
	cr_assert_geq(before, 0, "the maple_node cache exists");
	cr_assert_eq(mtree_store_range(&mt, 0x1000, 0x1fff, entry_of(1), GFP_KERNEL), 0);
	cr_assert_eq(kmem_cache_objects_in_use("maple_node"), before + 1, "one leaf");
	/* the root pointer: a 256-aligned kernel address, maple_leaf_64 in bits 3-6, bit 2, bit 1 (root) */
	cr_assert_eq(mt.ma_root & 0xff, (1u << 3) | 4 | 2, "root %#lx", mt.ma_root);
	unsigned long kva = mt.ma_root & ~0xffUL;
	cr_assert_geq(kva, M->layout.page_offset, "the node is in the kernel's direct map");
	unsigned char *n = kmm_kva_to_host(kva);
	unsigned w = (unsigned)M->prof->bits / 8;
	unsigned long word[3];
	for (int i = 0; i < 3; i++)
		word[i] = w == 8 ? ((unsigned long *)n)[i] : ((unsigned *)n)[i];
	/* parent: MAPLE_PARENT_ROOT; pivots 0xfff and 0x1fff, then the last pivot is the node's max */
	cr_assert_eq(word[0] & 0xff, 1, "parent word %#lx", word[0]);
	cr_assert_eq(word[1], 0xfff);
	cr_assert_eq(word[2], 0x1fff);
	unsigned S = mt_slots_of(maple_leaf_64);
	unsigned long slot1 = w == 8 ? ((unsigned long *)n)[S + 1] : ((unsigned *)n)[S + 1];
	cr_assert_eq(slot1, (unsigned long)entry_of(1), "slot 1 holds the entry at word %u", S + 1);
	/* fill until the root splits: an arange_64 root above two leaves */
	for (unsigned i = 0; i < S; i++)
		cr_assert_eq(mtree_store_range(&mt, 0x10000 + i * 0x2000, 0x10fff + i * 0x2000, entry_of(2 + i), GFP_KERNEL),
			     0);
	cr_assert_eq(mt_height(&mt), 2);
	cr_assert_eq((mt.ma_root >> 3) & 0xf, maple_arange_64);
	assert_valid(&mt, "after the split");
	/* reserved values and bad ranges are refused and change nothing */
	unsigned long nodes = mt_nr_nodes(&mt);
	cr_assert_eq(mtree_store_range(&mt, 5, 4, entry_of(3), GFP_KERNEL), -EINVAL);
	cr_assert_eq(mtree_store_range(&mt, 5, 6, (void *)6UL, GFP_KERNEL), -EINVAL);
	cr_assert_eq(mtree_insert_range(&mt, 0x1800, 0x2800, entry_of(9), GFP_KERNEL), -EEXIST);
	if (!w64)
		cr_assert_eq(mtree_store_range(&mt, 5, 0x100000000UL, entry_of(3), GFP_KERNEL), -EINVAL);
	cr_assert_eq(mt_nr_nodes(&mt), nodes);
	cr_assert_eq(mtree_load(&mt, 0x1800), entry_of(1));
	cr_assert_null(mtree_load(&mt, 0x2000));
	/* kmm_verify() checks a registered tree */
	kmm_mt_register(&mt);
	assert_machine_sane();
	mtree_destroy(&mt);
	cr_assert_eq(kmem_cache_objects_in_use("maple_node"), before);
	assert_nothing_lost("node layout");
}
TEST_ON_EVERY_PROFILE(maple, node_layout, node_layout)

/* ---- random stores and erases against the reference -------------------------------------- */

static void random_ops(unsigned flags, unsigned nops, unsigned long seed)
{
	struct maple_tree mt;
	struct ref rf = { 0 };
	mt_init_flags(&mt, flags);
	kmm_mt_register(&mt);
	rnd_state = seed;
	unsigned long top = mt_ulong_max(), U = 1UL << 22;
	for (unsigned op = 0; op < nops; op++) {
		unsigned long kind = rnd() % 100, a, b;
		void *e = entry_of(op + 1);
		if (kind < 60) { /* small ranges */
			a = rnd() % U;
			b = a + rnd() % 64;
		} else if (kind < 80) {
			a = rnd() % U;
			b = a + rnd() % 4096;
		} else if (kind < 85) { /* across many nodes */
			a = rnd() % U;
			b = a + rnd() % (U / 8);
		} else if (kind < 88) { /* at the very top */
			a = top - rnd() % 5000;
			b = top - rnd() % 3 * (a < top - 2 ? 1 : 0);
			if (b < a)
				b = a;
		} else {
			a = rnd() % U;
			b = a + rnd() % 256;
			e = NULL;
		}
		char what[96];
		snprintf(what, sizeof(what), "op %u: %#lx-%#lx = %p (flags %#x)", op, a, b, e, flags);
		if (kind >= 94 && rf.n) {
			/* mas_erase of an existing entry */
			struct ref_range r = rf.r[rnd() % rf.n];
			unsigned long at = r.start + rnd() % (r.last - r.start + 1);
			MA_STATE(mas, &mt, at, at);
			void *old = mas_erase(&mas);
			cr_assert_eq(old, r.entry, "%s: erase at %#lx gave %p", what, at, old);
			ref_store(&rf, r.start, r.last, NULL);
		} else {
			cr_assert_eq(mtree_store_range(&mt, a, b, e, GFP_KERNEL), 0, "%s", what);
			ref_store(&rf, a, b, e);
		}
		assert_valid(&mt, what);
		for (int i = 0; i < 4; i++) {
			unsigned long idx = rnd() % 3 ? rnd() % U : a + rnd() % 8;
			long at;
			cr_assert_eq(mtree_load(&mt, idx), ref_load(&rf, idx, &at), "%s: load %#lx", what, idx);
		}
		if (op % 64 == 63 || op == nops - 1) {
			assert_same(&mt, &rf, what);
			for (int i = 0; i < 24; i++) {
				unsigned long min = rnd() % U, max = min + 1 + rnd() % (U / 4), size = 1 + rnd() % 3000;
				if (i == 0) {
					min = 0;
					max = top;
				}
				bool rev = i & 1;
				unsigned long want = 0, got;
				bool fits = ref_gap(&rf, min, max, size, rev, &want);
				MA_STATE(mas, &mt, 0, 0);
				int ret = rev ? mas_empty_area_rev(&mas, min, max, size) : mas_empty_area(&mas, min, max, size);
				got = mas.index;
				if (max - min < size - 1)
					fits = false; /* 6.1: a size larger than [min, max] is -EINVAL */
				cr_assert_eq(ret, max - min < size - 1 ? -EINVAL : fits ? 0 : -EBUSY, "%s: %s(%#lx, %#lx, %#lx) = %d", what,
					     rev ? "mas_empty_area_rev" : "mas_empty_area", min, max, size, ret);
				if (fits)
					cr_assert(got == want && mas.last == got + size - 1,
						  "%s: %s(%#lx, %#lx, %#lx) found %#lx, brute force %#lx", what,
						  rev ? "rev" : "fwd", min, max, size, got, want);
			}
		}
	}
	/* walking in steps: mas_next/mas_prev visit the same entries */
	MA_STATE(mas, &mt, 0, 0);
	size_t i = 0;
	void *e = mas_find(&mas, top);
	while (e) {
		cr_assert_eq(e, rf.r[i].entry);
		i++;
		e = mas_next(&mas, top);
	}
	cr_assert_eq(i, rf.n);
	if (rf.n) {
		mas_set(&mas, rf.r[rf.n - 1].start);
		e = mas_walk(&mas);
		i = rf.n - 1;
		while (e) {
			cr_assert_eq(e, rf.r[i].entry, "mas_prev at %zu", i);
			e = mas_prev(&mas, 0);
			if (e)
				i--;
		}
		cr_assert_eq(i, 0);
	}
	/* a tree that empties by erases frees every node */
	if (flags & MT_FLAGS_ALLOC_RANGE) {
		for (size_t k = rf.n; k-- > 0;)
			cr_assert_eq(mtree_erase(&mt, rf.r[k].start), rf.r[k].entry);
		cr_assert(mtree_empty(&mt), "erased to empty");
		cr_assert_eq(mt_nr_nodes(&mt), 0);
	}
	assert_machine_sane();
	mtree_destroy(&mt);
	free(rf.r);
}

static void random_against_reference(const char *profile)
{
	boot_mt(profile);
	random_ops(MM_MT_FLAGS, 3000, 0x9e3779b97f4a7c15UL);
	random_ops(0, 1500, 12345);
	random_ops(MT_FLAGS_ALLOC_RANGE, 1500, 777);
	assert_nothing_lost("random stores");
}
TEST_ON_EVERY_PROFILE(maple, random_against_reference, random_against_reference)

/* Many small ranges, in order, then every other one erased: heights 3 and more, merges back down. */
static void grow_and_shrink(const char *profile)
{
	boot_mt(profile);
	struct maple_tree mt;
	struct ref rf = { 0 };
	mt_init_flags(&mt, MM_MT_FLAGS);
	unsigned n = 6000;
	for (unsigned i = 0; i < n; i++) {
		unsigned long a = 0x400000UL + i * 0x3000UL;
		cr_assert_eq(mtree_store_range(&mt, a, a + 0x1fff, entry_of(i + 1), GFP_KERNEL), 0);
		ref_store(&rf, a, a + 0x1fff, entry_of(i + 1));
	}
	assert_valid(&mt, "grown");
	cr_assert_geq(mt_height(&mt), 3, "height %u", mt_height(&mt));
	/*
	 * 6.1's own lib/maple_tree.c, run on the same three steps in user space
	 * (tools/testing/radix-tree, 64-bit only), ends with 846 nodes of
	 * height 4, then 845 of height 4, then one leaf: the same shape.
	 */
	bool w64 = M->prof->bits == 64;
	if (w64)
		cr_assert(mt_nr_nodes(&mt) == 846 && mt_height(&mt) == 4, "grown: %lu nodes, height %u", mt_nr_nodes(&mt),
			  mt_height(&mt));
	assert_same(&mt, &rf, "grown");
	unsigned long grown = mt_nr_nodes(&mt);
	for (unsigned i = 0; i < n; i += 2) {
		unsigned long a = 0x400000UL + i * 0x3000UL;
		cr_assert_eq(mtree_erase(&mt, a + 5), entry_of(i + 1));
		ref_store(&rf, a, a + 0x1fff, NULL);
		if (i % 512 == 0)
			assert_valid(&mt, "erasing");
	}
	assert_valid(&mt, "half erased");
	assert_same(&mt, &rf, "half erased");
	if (w64)
		cr_assert(mt_nr_nodes(&mt) == 845 && mt_height(&mt) == 4, "half erased: %lu nodes, height %u",
			  mt_nr_nodes(&mt), mt_height(&mt));
	/* one store over everything but the first and last entries: a spanning store of the whole tree */
	cr_assert_eq(mtree_store_range(&mt, 0x400000UL + 0x3000UL, 0x400000UL + (n - 2) * 0x3000UL, NULL, GFP_KERNEL), 0);
	ref_store(&rf, 0x400000UL + 0x3000UL, 0x400000UL + (n - 2) * 0x3000UL, NULL);
	assert_valid(&mt, "spanning NULL store");
	assert_same(&mt, &rf, "spanning NULL store");
	cr_assert_lt(mt_nr_nodes(&mt), grown / 8, "%lu nodes left of %lu", mt_nr_nodes(&mt), grown);
	if (w64)
		cr_assert(mt_nr_nodes(&mt) == 1 && mt_height(&mt) == 1, "spanning NULL store: %lu nodes", mt_nr_nodes(&mt));
	mtree_destroy(&mt);
	free(rf.r);
	assert_nothing_lost("grow and shrink");
}
TEST_ON_EVERY_PROFILE(maple, grow_and_shrink, grow_and_shrink)

/* ---- fork: dup_mmap()'s bulk load ---------------------------------------------------------- */

/*
 * A shell's 30 VMAs as /proc/PID/maps lists them: the binary's five
 * (adjacent), the heap, four libraries of five adjacent VMAs each, an
 * anonymous mapping, the stack, vvar and vdso (adjacent).  Returns the
 * number of ranges written to r (start, last).
 */
static unsigned shell_vmas(unsigned long r[][2])
{
	bool w64 = M->prof->bits == 64;
	unsigned long bin = w64 ? 0x55d0c8e00000UL : 0x00448000UL, lib = w64 ? 0x7f2a31c00000UL : 0xb7c00000UL;
	unsigned long stack = w64 ? 0x7ffd5a3fe000UL : 0xbfd00000UL;
	unsigned n = 0;
	for (int i = 0; i < 5; i++, n++) {
		r[n][0] = bin + i * 0x10000UL;
		r[n][1] = r[n][0] + 0xffff;
	}
	r[n][0] = bin + 0x200000UL; /* heap */
	r[n][1] = r[n][0] + 0x20fff;
	n++;
	for (int l = 0; l < 4; l++)
		for (int i = 0; i < 5; i++, n++) {
			r[n][0] = lib + l * 0x400000UL + i * 0x20000UL;
			r[n][1] = r[n][0] + 0x1ffff;
		}
	r[n][0] = lib + 0x1800000UL; /* anonymous */
	r[n][1] = r[n][0] + 0x2fff;
	n++;
	r[n][0] = stack;
	r[n][1] = stack + 0x20fff;
	n++;
	r[n][0] = stack + 0x100000UL; /* vvar, vdso */
	r[n][1] = r[n][0] + 0x3fff;
	n++;
	r[n][0] = r[n - 1][1] + 1;
	r[n][1] = r[n][0] + 0x1fff;
	n++;
	return n;
}

static void fork_node_counts(const char *profile)
{
	boot_mt(profile);
	unsigned long r[40][2];
	unsigned n = shell_vmas(r);
	cr_assert_eq(n, 30);
	struct maple_tree parent, child;
	mt_init_flags(&parent, MM_MT_FLAGS);
	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(mtree_store_range(&parent, r[i][0], r[i][1], entry_of(i + 1), GFP_KERNEL), 0);
	assert_valid(&parent, "parent");

	/* dup_mmap(): mas_expected_entries(map_count), RCU off, one mas_store() per VMA, mas_destroy(), RCU on */
	long base = kmem_cache_objects_in_use("maple_node");
	mt_init_flags(&child, MM_MT_FLAGS);
	MA_STATE(mas, &child, 0, 0);
	cr_assert_eq(mas_expected_entries(&mas, n), 0);
	/*
	 * 6.1: nr_nodes = max(30, 2 * 30 + 1) = 61 leaf slots; leaves
	 * DIV_ROUND_UP(61, MAPLE_RANGE64_SLOTS - 2): 61/14 -> 5 on 64-bit,
	 * 61/30 -> 3 on 32-bit; internal DIV_ROUND_UP(leaves,
	 * MAPLE_ARANGE64_SLOTS - 2) = 1; plus 3: 9 nodes (7 on 32-bit), one
	 * kmem_cache_alloc() and one kmem_cache_alloc_bulk().
	 */
	long expect_alloc = M->prof->bits == 64 ? 9 : 7;
	cr_assert_eq(kmem_cache_objects_in_use("maple_node") - base, expect_alloc);
	cr_assert_eq(mas_allocated(&mas), (unsigned long)expect_alloc);
	mt_clear_in_rcu(&child);
	MA_STATE(old, &parent, 0, 0);
	void *vma;
	unsigned i = 0;
	mas_for_each(&old, vma, mt_ulong_max()) {
		mas.index = old.index;
		mas.last = old.last;
		mas.node = MAS_START;
		mas_store(&mas, vma);
		cr_assert(!mas_is_err(&mas), "store %u", i);
		i++;
	}
	cr_assert_eq(kmem_cache_objects_in_use("maple_node") - base, expect_alloc, "the stores allocate nothing more");
	mas_destroy(&mas);
	mt_set_in_rcu(&child);
	assert_valid(&child, "child");
	/*
	 * The child's leaves hold 40 slots: 30 VMAs, 21 of whose 29 boundaries
	 * touch, so 8 NULL ranges between them plus the leading and trailing
	 * NULL.  The bulk load appends; outside RCU mode 6.1 rewrites nodes in
	 * place, so a split costs one new node (two at the root: the new
	 * root), a push into a sibling none.  64-bit (16 slots): the root leaf
	 * splits at the 12th VMA (17 slots, 11 | 6: mab_calc_split() keeps all
	 * but mt_min_slots on the left), the 22nd overflows the right leaf
	 * (18) and pushes left (11 + 18 < 28: mas_push_data(), cut at
	 * MAPLE_RANGE64_SLOTS - 2 and moved off a NULL: 16 | 13), the 26th
	 * overflows it again (17; 16 + 17 is too much to push) and splits
	 * 10 | 7; four more VMAs make 14.  Leaves of 16, 10 and 14 slots under
	 * the root: 4 nodes, 5 of the 9 given back by mas_destroy().  6.1's
	 * own lib/maple_tree.c, run on this sequence in user space (its
	 * tools/testing/radix-tree harness), builds the same leaves and the
	 * same counts.  32-bit (32 slots): one split, 2 leaves and the root,
	 * 4 of 7 given back.
	 */
	long want_nodes = M->prof->bits == 64 ? 4 : 3;
	cr_assert_eq((long)mt_nr_nodes(&child), want_nodes, "child has %lu nodes", mt_nr_nodes(&child));
	if (M->prof->bits == 64) {
		unsigned leaves[4] = { 0 }, nl = 0;
		unsigned long leaf_min = 1;
		MA_STATE(w, &child, 0, 0);
		for (;;) {
			mas_walk(&w);
			if (w.min != leaf_min) {
				leaf_min = w.min;
				nl++;
			}
			leaves[nl - 1]++;
			if (w.last >= mt_ulong_max())
				break;
			w.index = w.last + 1;
			w.node = MAS_START;
		}
		cr_assert(nl == 3 && leaves[0] == 16 && leaves[1] == 10 && leaves[2] == 14, "leaves of %u, %u, %u (%u)",
			  leaves[0], leaves[1], leaves[2], nl);
	}
	cr_assert_eq(kmem_cache_objects_in_use("maple_node") - base, want_nodes);
	MA_STATE(a, &parent, 0, 0);
	MA_STATE(b, &child, 0, 0);
	void *x, *y;
	while ((x = mas_find(&a, mt_ulong_max()))) {
		y = mas_find(&b, mt_ulong_max());
		cr_assert(x == y && a.index == b.index && a.last == b.last);
	}
	cr_assert_null(mas_find(&b, mt_ulong_max()));

	/* exit: the tree goes whole */
	mtree_destroy(&child);
	cr_assert_eq(kmem_cache_objects_in_use("maple_node"), base);
	/* a VMA change: mas_preallocate() takes 1 + 3 * height nodes, mas_store_prealloc() gives back the rest */
	long tree_only = kmem_cache_objects_in_use("maple_node");
	unsigned long h = mt_height(&parent);
	MA_STATE(pm, &parent, r[5][0], r[5][1] + 0x1000);
	cr_assert_eq(mas_preallocate(&pm, entry_of(99), GFP_KERNEL), 0);
	cr_assert_eq(mas_allocated(&pm), 1 + 3 * h);
	cr_assert_eq(kmem_cache_objects_in_use("maple_node") - tree_only, (long)(1 + 3 * h));
	unsigned long pnodes = mt_nr_nodes(&parent);
	mas_store_prealloc(&pm, entry_of(99));
	cr_assert_eq(mas_allocated(&pm), 0);
	cr_assert_eq(kmem_cache_objects_in_use("maple_node") - tree_only, (long)mt_nr_nodes(&parent) - (long)pnodes,
		     "the state holds nothing after mas_store_prealloc()");
	cr_assert_eq(mtree_load(&parent, r[5][1] + 0x1000), entry_of(99));
	assert_valid(&parent, "after the VMA change");
	mtree_destroy(&parent);
	assert_nothing_lost("fork");
}
TEST_ON_EVERY_PROFILE(maple, fork_node_counts, fork_node_counts)

/* ---- failure injection -------------------------------------------------------------------- */

static void set_dbg(const char *file, const char *value)
{
	char path[128];
	snprintf(path, sizeof(path), "sys/kernel/debug/failslab/%s", file);
	cr_assert_eq(kmm_proc_write(path, value), 0, "writing %s", path);
}

/* The ranges of a tree, as text, to compare before and after. */
static char *tree_text(struct maple_tree *mt)
{
	size_t cap = 1 << 16, len = 0;
	char *s = malloc(cap);
	s[0] = 0;
	MA_STATE(mas, mt, 0, 0);
	void *e;
	mas_for_each(&mas, e, mt_ulong_max()) {
		if (len + 64 > cap)
			s = realloc(s, cap *= 2);
		len += (size_t)snprintf(s + len, cap - len, "%lx-%lx %p\n", mas.index, mas.last, e);
	}
	return s;
}

static void failslab_leaves_tree_unchanged(const char *profile)
{
	boot_mt(profile);
	struct maple_tree mt;
	mt_init_flags(&mt, MM_MT_FLAGS);
	for (unsigned i = 0; i < 400; i++)
		cr_assert_eq(mtree_store_range(&mt, 0x10000UL + i * 0x4000UL, 0x10fffUL + i * 0x4000UL, entry_of(i + 1),
					       GFP_KERNEL),
			     0);
	set_dbg("ignore-gfp-wait", "N");
	set_dbg("verbose", "0");
	set_dbg("times", "-1");
	rnd_state = 42;
	unsigned refused = 0;
	for (unsigned k = 0; k < 300; k++) {
		unsigned long a = 0x10000UL + rnd() % (400 * 0x4000UL), b = a + rnd() % (k % 3 ? 0x3000 : 0x80000);
		void *e = k % 4 ? entry_of(1000 + k) : NULL;
		char *before = tree_text(&mt);
		long inuse = kmem_cache_objects_in_use("maple_node");
		unsigned long nodes = mt_nr_nodes(&mt);
		set_dbg("probability", "100");
		int ret = mtree_store_range(&mt, a, b, e, GFP_KERNEL);
		MA_STATE(mas, &mt, a, b);
		int pret = mas_preallocate(&mas, e, GFP_KERNEL);
		set_dbg("probability", "0");
		cr_assert_eq(pret, -ENOMEM, "mas_preallocate fails with its allocations");
		cr_assert_eq(mas_allocated(&mas), 0);
		char *after = tree_text(&mt);
		assert_valid(&mt, "after a failed store");
		if (ret) {
			refused++;
			cr_assert_eq(ret, -ENOMEM);
			cr_assert_str_eq(before, after, "a refused store changed the tree");
			cr_assert_eq(kmem_cache_objects_in_use("maple_node"), inuse);
			cr_assert_eq(mt_nr_nodes(&mt), nodes);
			/* without failures it goes through */
			cr_assert_eq(mtree_store_range(&mt, a, b, e, GFP_KERNEL), 0);
			cr_assert_eq(mtree_load(&mt, a), e);
			cr_assert_eq(mtree_load(&mt, b), e);
		}
		free(before);
		free(after);
		assert_valid(&mt, "after the store");
	}
	cr_assert_gt(refused, 100, "only %u stores needed a node", refused);
	/* the n-th node allocation of a bulk load fails: nothing is held afterwards */
	struct maple_tree child;
	mt_init_flags(&child, MM_MT_FLAGS);
	for (unsigned nth = 1; nth <= 3; nth++) {
		char buf[16];
		M->fault.failslab.attr.count = 0;
		snprintf(buf, sizeof(buf), "%u", nth);
		set_dbg("interval", buf);
		set_dbg("times", "1");
		set_dbg("probability", "100");
		MA_STATE(mas, &child, 0, 0);
		long inuse = kmem_cache_objects_in_use("maple_node");
		int ret = mas_expected_entries(&mas, 400);
		set_dbg("probability", "0");
		set_dbg("interval", "1");
		cr_assert_eq(ret, -ENOMEM, "failure at allocation %u", nth);
		cr_assert_eq(kmem_cache_objects_in_use("maple_node"), inuse, "everything allocated went back");
	}
	mtree_destroy(&child);
	mtree_destroy(&mt);
	assert_nothing_lost("failslab");
}
TEST_ON_EVERY_PROFILE(maple, failslab_leaves_tree_unchanged, failslab_leaves_tree_unchanged)

/* ---- the API at its edges ---------------------------------------------------------------- */

static void api_edges(const char *profile)
{
	boot_mt(profile);
	unsigned long top = mt_ulong_max();
	struct maple_tree mt;
	mt_init_flags(&mt, MM_MT_FLAGS);
	/* an empty tree */
	cr_assert_null(mtree_load(&mt, 0));
	cr_assert_null(mtree_load(&mt, top));
	MA_STATE(mas, &mt, 1234, 1234);
	cr_assert_null(mas_walk(&mas));
	cr_assert(mas.index == 0 && mas.last == top, "an empty tree is one NULL range");
	mas_set(&mas, 0);
	cr_assert_null(mas_find(&mas, top));
	cr_assert_eq(mas_empty_area(&mas, 0x1000, 0x9fff, 0x2000), 0);
	cr_assert_eq(mas.index, 0x1000);
	cr_assert_eq(mas_empty_area_rev(&mas, 0x1000, 0x9fff, 0x2000), 0);
	cr_assert(mas.index == 0x8000 && mas.last == 0x9fff);
	cr_assert_eq(mas_empty_area(&mas, 0x9fff, 0x1000, 1), -EINVAL, "min above max");
	cr_assert_eq(mas_empty_area(&mas, 0x1000, 0x9fff, 0), -EINVAL, "size 0");
	cr_assert_null(mtree_erase(&mt, 5), "erasing nothing");
	cr_assert_eq(mt_nr_nodes(&mt), 0);

	/* insert refuses what overlaps, and NULL */
	cr_assert_eq(mtree_insert_range(&mt, 0x1000, 0x1fff, entry_of(1), GFP_KERNEL), 0);
	cr_assert_eq(mtree_insert_range(&mt, 0x1fff, 0x2fff, entry_of(2), GFP_KERNEL), -EEXIST);
	cr_assert_eq(mtree_insert(&mt, 0x3000, NULL, GFP_KERNEL), -EINVAL);
	cr_assert_eq(mtree_insert(&mt, 0x3000, entry_of(3), GFP_KERNEL), 0);
	/* the very last index, and a walk that must stop there */
	cr_assert_eq(mtree_store(&mt, top, entry_of(4), GFP_KERNEL), 0);
	cr_assert_eq(mtree_load(&mt, top), entry_of(4));
	cr_assert_null(mtree_load(&mt, top - 1));
	unsigned long index = 0;
	void *e;
	unsigned n = 0;
	mt_for_each(&mt, e, index, top)
		n++;
	cr_assert_eq(n, 3, "mt_for_each saw %u entries", n);
	/* a paused walk resumes after what it saw, even when the tree changed */
	mas_set(&mas, 0);
	cr_assert_eq(mas_find(&mas, top), entry_of(1));
	mas_pause(&mas);
	cr_assert_eq(mtree_store_range(&mt, 0x2000, 0x2fff, entry_of(5), GFP_KERNEL), 0);
	cr_assert_eq(mas_find(&mas, top), entry_of(5));
	cr_assert_eq(mas_find(&mas, top), entry_of(3));
	cr_assert_eq(mas_find(&mas, top), entry_of(4));
	cr_assert_null(mas_find(&mas, top));
	/* backwards from the top */
	MA_STATE(rev, &mt, top, top);
	cr_assert_eq(mas_find_rev(&rev, 0), entry_of(4));
	cr_assert_eq(mas_find_rev(&rev, 0), entry_of(3));
	cr_assert_eq(mas_find_rev(&rev, 0x2800), entry_of(5));
	cr_assert_null(mas_find_rev(&rev, 0x2800), "nothing ends at or above the limit");
	/* a reserved value puts the state in error and changes nothing */
	MA_STATE(bad, &mt, 0x5000, 0x5fff);
	unsigned long nodes = mt_nr_nodes(&mt);
	mas_store(&bad, (void *)2UL);
	cr_assert(mas_is_err(&bad));
	cr_assert_null(mtree_load(&mt, 0x5000));
	cr_assert_eq(mt_nr_nodes(&mt), nodes);
	/* one entry over everything, then erased: the tree is empty and holds no node */
	cr_assert_eq(mtree_store_range(&mt, 0, top, entry_of(6), GFP_KERNEL), 0);
	cr_assert_eq(mtree_load(&mt, 0x123456), entry_of(6));
	cr_assert_eq(mas_empty_area(&mas, 0, top, 1), -EBUSY);
	assert_valid(&mt, "one range");
	cr_assert_eq(mtree_erase(&mt, 77), entry_of(6));
	cr_assert(mtree_empty(&mt));
	cr_assert_eq(mt_height(&mt), 0);
	cr_assert_eq(mt_nr_nodes(&mt), 0);
	/* a tree without gap tracking has range_64 internal nodes */
	struct maple_tree plain;
	mt_init(&plain);
	for (unsigned i = 0; i < 100; i++)
		cr_assert_eq(mtree_store(&plain, i * 3, entry_of(i + 1), GFP_KERNEL), 0);
	cr_assert_eq((plain.ma_root >> 3) & 0xf, maple_range_64);
	assert_valid(&plain, "plain");
	cr_assert_eq(mas_empty_area(&(struct ma_state){ .tree = &plain, .node = MAS_START }, 0, 400, 2), 0);
	/* an object in simulated RAM is stored by its kernel address */
	void *obj = kmalloc(64, GFP_KERNEL);
	cr_assert_eq(mtree_store_range(&plain, 1000, 1999, mt_entry_of(obj), GFP_KERNEL), 0);
	cr_assert_eq((unsigned long)mtree_load(&plain, 1500), kmm_host_to_kva(obj));
	cr_assert_eq(mt_entry_obj(mtree_load(&plain, 1500)), obj);
	cr_assert_eq(mtree_erase(&plain, 1000), mt_entry_of(obj));
	kfree(obj);
	mtree_destroy(&plain);
	mtree_destroy(&mt);
	assert_nothing_lost("edges");
}
TEST_ON_EVERY_PROFILE(maple, api_edges, api_edges)

/* ---- the validator finds what breaks a tree ------------------------------------------------ */

static unsigned long word_at(unsigned char *n, unsigned w)
{
	return M->prof->bits == 64 ? ((unsigned long *)n)[w] : ((unsigned *)n)[w];
}

static void set_word_at(unsigned char *n, unsigned w, unsigned long v)
{
	if (M->prof->bits == 64)
		((unsigned long *)n)[w] = v;
	else
		((unsigned *)n)[w] = (unsigned)v;
}

/* Corrupt word w of node n, expect kmm_verify() to name the tree's problem, put it back. */
static void expect_caught(unsigned char *n, unsigned w, unsigned long bad, const char *what, const char *words)
{
	char why[256];
	unsigned long good = word_at(n, w);
	set_word_at(n, w, bad);
	int ret = kmm_verify(why, sizeof(why));
	set_word_at(n, w, good);
	cr_assert_eq(ret, -EINVAL, "%s went unnoticed", what);
	cr_assert(strstr(why, "maple tree") && strstr(why, words), "%s: \"%s\" does not say \"%s\"", what, why, words);
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s put back: %s", what, why);
}

static void validator_catches(const char *profile)
{
	boot_mt(profile);
	struct maple_tree mt;
	mt_init_flags(&mt, MM_MT_FLAGS);
	for (unsigned i = 0; i < 60; i++)
		cr_assert_eq(mtree_store_range(&mt, 0x10000UL * (i + 1), 0x10000UL * (i + 1) + 0x2fff, entry_of(i + 1),
					       GFP_KERNEL),
			     0);
	cr_assert_geq(mt_height(&mt), 2);
	kmm_mt_register(&mt);
	assert_machine_sane();
	unsigned char *root = kmm_kva_to_host(mt.ma_root & ~0xffUL);
	unsigned S = mt_slots_of(maple_arange_64), LS = mt_slots_of(maple_leaf_64);
	unsigned long child = word_at(root, S + 0);
	while (((child >> 3) & 0xf) != maple_leaf_64) /* down the left edge to the first leaf */
		child = word_at(kmm_kva_to_host(child & ~0xffUL), S + 0);
	unsigned char *leaf = kmm_kva_to_host(child & ~0xffUL);
	/* pivots out of order in a leaf: pivot 1 below pivot 0 */
	expect_caught(leaf, 2, word_at(leaf, 1) - 1, "a pivot out of order", "out of order");
	/* a child whose parent word names another slot */
	expect_caught(leaf, 0, word_at(leaf, 0) + (1 << 3), "a wrong parent slot", "parent");
	/* a recorded gap that is not the child's */
	expect_caught(root, 2 * S + 0, word_at(root, 2 * S + 0) + 1, "a wrong gap", "gap");
	/* a leaf entry holding a reserved value */
	expect_caught(leaf, LS + 1, 6, "a reserved value", "reserved");
	/* a child that is no maple_node object */
	void *stray = kmalloc(256, GFP_KERNEL);
	unsigned long first = word_at(root, S + 0);
	unsigned long stray_enode = kmm_host_to_kva(stray) | (first & 0xff);
	memcpy(stray, kmm_kva_to_host(first & ~0xffUL), 256);
	expect_caught(root, S + 0, stray_enode, "a node from another cache", "not a maple_node");
	kfree(stray);
	/* two NULL ranges side by side: the entry between two gaps made NULL */
	expect_caught(leaf, LS + 1, 0, "touching NULL ranges", "NULL ranges");
	mtree_destroy(&mt);
	assert_nothing_lost("validator");
}
TEST_ON_EVERY_PROFILE(maple, validator_catches, validator_catches)

/* Slots of the tree's last leaf, counted by walking its ranges. */
static unsigned last_leaf_slots(struct maple_tree *mt)
{
	MA_STATE(last, mt, mt_ulong_max(), mt_ulong_max());
	mas_walk(&last);
	unsigned slots = 0;
	MA_STATE(w, mt, last.min, last.min);
	for (;;) {
		mas_walk(&w);
		slots++;
		if (w.last >= mt_ulong_max())
			return slots;
		w.index = w.last + 1;
		w.node = MAS_START;
	}
}

/* A bulk load whose last leaf ends short: mas_destroy() shares out its left sibling's data. */
static void bulk_short_last_leaf(const char *profile)
{
	boot_mt(profile);
	struct maple_tree mt;
	struct ref rf = { 0 };
	mt_init_flags(&mt, MM_MT_FLAGS);
	MA_STATE(mas, &mt, 0, 0);
	unsigned n = M->prof->bits == 64 ? 20 : 40;
	cr_assert_eq(mas_expected_entries(&mas, n), 0);
	mt_clear_in_rcu(&mt);
	for (unsigned i = 0; i < n; i++) {
		mas.index = 0x100000UL + i * 0x10000UL;
		mas.last = mas.index + 0x7fff;
		mas_store(&mas, entry_of(i + 1));
		ref_store(&rf, mas.index, mas.last, entry_of(i + 1));
	}
	cr_assert_geq(mt_height(&mt), 2, "the load split");
	/* the last entries go again (VMAs the fork skipped) until the last leaf is short */
	unsigned k = n;
	while (k > n / 2 && last_leaf_slots(&mt) >= mt_slots_of(maple_leaf_64) / 2 - 3) {
		k--;
		mas.index = 0x100000UL + k * 0x10000UL;
		mas.last = mas.index + 0x7fff;
		mas_store(&mas, NULL);
		ref_store(&rf, mas.index, mas.last, NULL);
	}
	/* the state stays where the last store was, as dup_mmap() leaves it */
	unsigned before = last_leaf_slots(&mt);
	cr_assert_lt(before, mt_slots_of(maple_leaf_64) / 2 - 3, "the last leaf is short (%u slots)", before);
	mas_destroy(&mas);
	mt_set_in_rcu(&mt);
	assert_valid(&mt, "after mas_destroy");
	assert_same(&mt, &rf, "after mas_destroy");
	/* the last leaf holds at least 6.1's mt_min_slots - 1 now */
	unsigned slots = last_leaf_slots(&mt);
	cr_assert_geq(slots, mt_slots_of(maple_leaf_64) / 2 - 3, "the last leaf has %u slots", slots);
	mtree_destroy(&mt);
	free(rf.r);
	assert_nothing_lost("bulk rebalance");
}
TEST_ON_EVERY_PROFILE(maple, bulk_short_last_leaf, bulk_short_last_leaf)
