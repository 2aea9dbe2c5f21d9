/*
 * e820.c - the firmware's physical memory map, as arch/x86/kernel/e820.c
 * keeps it.
 *
 * The map is a table of [addr, addr + size) ranges with a type (usable RAM,
 * reserved, ACPI data, ...).  It comes either from Linux's own boot log lines
 * ("BIOS-e820: [mem 0x...-0x...] usable"), so a user can paste their own
 * machine, or from a PC-style map made for a RAM size (what QEMU's i440FX
 * machine and SeaBIOS report: 639 KiB of base memory, the BIOS area, RAM from
 * 1 MiB, RAM above 4 GiB when more than 3.5 GiB is installed).
 *
 * The kernel edits its copy (kmm_machine->e820): mem= and memmap= remove or
 * add ranges, page 0 becomes reserved and the legacy BIOS hole 640K..1M is
 * removed, each edit logged as Linux logs it.  e820__update_table() puts a
 * table back in order the way Linux's sanitizer does: sorted, overlaps
 * resolved in favour of the higher type number, touching ranges of one type
 * merged.  Finally the usable ranges become memblock.memory.
 */
#include "internal.h"

#include <ctype.h>
#include <limits.h>

#include <kmm/kstrtox.h>

const char *e820_type_name(enum e820_type type)
{
	switch (type) {
	case E820_TYPE_RESERVED_KERN:
	case E820_TYPE_RAM: return "usable";
	case E820_TYPE_RESERVED: return "reserved";
	case E820_TYPE_SOFT_RESERVED: return "soft reserved";
	case E820_TYPE_ACPI: return "ACPI data";
	case E820_TYPE_NVS: return "ACPI NVS";
	case E820_TYPE_UNUSABLE: return "unusable";
	default: return NULL;
	}
}

static void e820_print_type(enum e820_type type)
{
	const char *n = e820_type_name(type);
	if (n)
		pr_cont("%s", n);
	else if (type == E820_TYPE_PMEM || type == E820_TYPE_PRAM)
		pr_cont("persistent (type %u)", (unsigned)type);
	else
		pr_cont("type %u", (unsigned)type);
}

void e820__print_table(const struct e820_table *t, const char *who)
{
	for (u32 i = 0; i < t->nr_entries; i++) {
		const struct e820_entry *e = &t->entries[i];
		pr_info("%s: [mem 0x%016llx-0x%016llx] ", who, (unsigned long long)e->addr,
			(unsigned long long)(e->addr + e->size - 1));
		e820_print_type(e->type);
		pr_cont("\n");
	}
}

void e820__range_add(struct e820_table *t, u64 start, u64 size, enum e820_type type)
{
	if (t->nr_entries >= E820_MAX_ENTRIES) {
		pr_err("too many entries; ignoring [mem 0x%08llx-0x%08llx]\n",
		       (unsigned long long)start, (unsigned long long)(start + size - 1));
		return;
	}
	t->entries[t->nr_entries++] = (struct e820_entry){ start, size, type };
}

/* Sort and resolve overlaps: at each point the highest type present wins. */
int e820__update_table(struct e820_table *t)
{
	u64 pts[2 * E820_MAX_ENTRIES];
	u32 npts = 0;
	for (u32 i = 0; i < t->nr_entries; i++) {
		if (!t->entries[i].size)
			continue;
		pts[npts++] = t->entries[i].addr;
		pts[npts++] = t->entries[i].addr + t->entries[i].size;
	}
	/* insertion sort: at most 256 points */
	for (u32 i = 1; i < npts; i++) {
		u64 v = pts[i];
		u32 j = i;
		while (j && pts[j - 1] > v) {
			pts[j] = pts[j - 1];
			j--;
		}
		pts[j] = v;
	}
	struct e820_table out = { 0 };
	for (u32 i = 0; i + 1 < npts; i++) {
		u64 a = pts[i], b = pts[i + 1];
		if (a == b)
			continue;
		u32 best = 0;
		for (u32 k = 0; k < t->nr_entries; k++) {
			const struct e820_entry *e = &t->entries[k];
			if (e->size && e->addr <= a && e->addr + e->size >= b && (u32)e->type > best)
				best = (u32)e->type;
		}
		if (!best)
			continue;
		struct e820_entry *last = out.nr_entries ? &out.entries[out.nr_entries - 1] : NULL;
		if (last && (u32)last->type == best && last->addr + last->size == a)
			last->size += b - a;
		else if (out.nr_entries < E820_MAX_ENTRIES)
			out.entries[out.nr_entries++] = (struct e820_entry){ a, b - a, (enum e820_type)best };
		else
			return -1;
	}
	*t = out;
	return 0;
}

u64 e820__range_update(struct e820_table *t, u64 start, u64 size, enum e820_type old,
		       enum e820_type new_type)
{
	u64 end = start + size, done = 0;
	printk(KERN_DEBUG "e820: update [mem 0x%08llx-0x%08llx] ", (unsigned long long)start,
	       (unsigned long long)(end - 1));
	e820_print_type(old);
	pr_cont(" ==> ");
	e820_print_type(new_type);
	pr_cont("\n");

	u32 n = t->nr_entries;
	for (u32 i = 0; i < n; i++) {
		struct e820_entry *e = &t->entries[i];
		if (e->type != old || !e->size)
			continue;
		u64 es = e->addr, ee = e->addr + e->size;
		u64 s = max(es, start), f = min(ee, end);
		if (s >= f)
			continue;
		e820__range_add(t, s, f - s, new_type);
		done += f - s;
		e = &t->entries[i];
		/* keep the parts of the old entry outside [s, f) */
		if (es < s && ee > f) {
			e->size = s - es;
			e820__range_add(t, f, ee - f, old);
		} else if (es < s) {
			e->size = s - es;
		} else if (ee > f) {
			e->addr = f;
			e->size = ee - f;
		} else {
			e->size = 0;
		}
	}
	e820__update_table(t);
	return done;
}

u64 e820__range_remove(struct e820_table *t, u64 start, u64 size, enum e820_type old, bool check_type)
{
	if (size > ~0ULL - start)
		size = ~0ULL - start;
	u64 end = start + size, done = 0;
	printk(KERN_DEBUG "e820: remove [mem 0x%08llx-0x%08llx] ", (unsigned long long)start,
	       (unsigned long long)(end - 1));
	if (check_type)
		e820_print_type(old);
	pr_cont("\n");

	u32 n = t->nr_entries;
	for (u32 i = 0; i < n; i++) {
		struct e820_entry *e = &t->entries[i];
		if ((check_type && e->type != old) || !e->size)
			continue;
		u64 es = e->addr, ee = e->addr + e->size;
		u64 s = max(es, start), f = min(ee, end);
		if (s >= f)
			continue;
		done += f - s;
		if (es < s && ee > f) {
			e->size = s - es;
			e820__range_add(t, f, ee - f, e->type);
		} else if (es < s) {
			e->size = s - es;
		} else if (ee > f) {
			e->addr = f;
			e->size = ee - f;
		} else {
			e->size = 0;
		}
	}
	e820__update_table(t);
	return done;
}

/* The map QEMU's PC machine with SeaBIOS reports for mem_bytes of RAM. */
void e820_default_map(struct e820_table *t, u64 mem_bytes)
{
	u64 below_4g = mem_bytes >= 0xe0000000ULL ? 0xc0000000ULL : mem_bytes;
	u64 above_4g = mem_bytes - below_4g;

	t->nr_entries = 0;
	e820__range_add(t, 0, 0x9fc00, E820_TYPE_RAM);
	e820__range_add(t, 0x9fc00, 0x400, E820_TYPE_RESERVED);
	e820__range_add(t, 0xf0000, 0x10000, E820_TYPE_RESERVED);
	if (below_4g > 0x100000 + 0x20000) {
		e820__range_add(t, 0x100000, below_4g - 0x20000 - 0x100000, E820_TYPE_RAM);
		e820__range_add(t, below_4g - 0x20000, 0x20000, E820_TYPE_RESERVED); /* ACPI tables */
	}
	e820__range_add(t, 0xfffc0000ULL, 0x40000, E820_TYPE_RESERVED);    /* BIOS ROM */
	if (above_4g)
		e820__range_add(t, SZ_4G, above_4g, E820_TYPE_RAM);
	e820__range_add(t, 0xfd00000000ULL, 0x300000000ULL, E820_TYPE_RESERVED); /* HyperTransport hole */
}

static const struct {
	const char *name;
	enum e820_type type;
} type_names[] = {
	{ "usable", E820_TYPE_RAM },           { "reserved", E820_TYPE_RESERVED },
	{ "ACPI data", E820_TYPE_ACPI },       { "ACPI NVS", E820_TYPE_NVS },
	{ "unusable", E820_TYPE_UNUSABLE },    { "soft reserved", E820_TYPE_SOFT_RESERVED },
	{ "persistent (type 7)", E820_TYPE_PMEM }, { "persistent (type 12)", E820_TYPE_PRAM },
};

/*
 * Parse "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable" lines,
 * with or without a dmesg timestamp.  Lines without "e820" are skipped, so a
 * whole dmesg may be given; a line that names e820 but does not parse, or a
 * range overlapping an earlier one, is an error naming the line.
 */
int e820_parse_text(struct e820_table *t, const char *text, char *err, size_t errlen)
{
	t->nr_entries = 0;
	int lineno = 0;
	const char *p = text;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char line[512];
		lineno++;
		if (len >= sizeof(line)) {
			snprintf(err, errlen, "e820: line %d: line too long", lineno);
			return -EINVAL;
		}
		memcpy(line, p, len);
		line[len] = 0;
		p += len + (eol ? 1 : 0);

		const char *s = strstr(line, "e820");
		if (!s)
			continue;
		const char *m = strstr(s, "[mem ");
		if (!m) {
			if (strstr(s, "BIOS-e820")) {
				snprintf(err, errlen, "e820: line %d: expected \"[mem 0xSTART-0xEND] type\", got \"%s\"",
					 lineno, line);
				return -EINVAL;
			}
			continue; /* "e820: update ...", "e820: remove ..." and the like */
		}
		if (!strstr(s, "BIOS-e820") && strncmp(s, "e820: [mem", 10))
			continue;
		const char *cq;
		u64 a, b;
		int ret = kmm_parse_addr(m + 5, strlen(m + 5), &cq, &a);
		if (ret || *cq != '-') {
			snprintf(err, errlen, "e820: line %d: %s start address in \"%s\"", lineno,
				 ret == -ERANGE ? "a too large (over 64 bits)" : "bad", line);
			return -EINVAL;
		}
		const char *bs = cq + 1;
		ret = kmm_parse_addr(bs, strlen(bs), &cq, &b);
		if (ret || *cq != ']') {
			snprintf(err, errlen, "e820: line %d: %s end address in \"%s\"", lineno,
				 ret == -ERANGE ? "a too large (over 64 bits)" : "bad", line);
			return -EINVAL;
		}
		char *q = line + (cq - line);
		if (b < a || b == ~0ULL) {
			snprintf(err, errlen, "e820: line %d: range [mem 0x%016llx-0x%016llx] %s", lineno,
				 (unsigned long long)a, (unsigned long long)b,
				 b < a ? "ends before it starts" : "ends at the top of the 64-bit space");
			return -EINVAL;
		}
		q++;
		while (*q == ' ' || *q == '\t')
			q++;
		char *tend = q + strlen(q);
		while (tend > q && isspace((unsigned char)tend[-1]))
			*--tend = 0;
		int type = -1;
		for (size_t i = 0; i < ARRAY_SIZE(type_names); i++)
			if (!strcmp(q, type_names[i].name))
				type = (int)type_names[i].type;
		u64 tn;
		if (type < 0 && !strncmp(q, "type ", 5) && !kmm_parse_count(q + 5, 1, INT_MAX, &tn))
			type = (int)tn;
		if (type < 0) {
			snprintf(err, errlen, "e820: line %d: unknown memory type \"%s\" (usable, reserved, ACPI data, ACPI NVS, unusable, soft reserved, persistent (type N), type N)",
				 lineno, q);
			return -EINVAL;
		}
		for (u32 i = 0; i < t->nr_entries; i++) {
			const struct e820_entry *e = &t->entries[i];
			if (a < e->addr + e->size && e->addr <= b) {
				snprintf(err, errlen, "e820: line %d: [mem 0x%016llx-0x%016llx] overlaps [mem 0x%016llx-0x%016llx]",
					 lineno, (unsigned long long)a, (unsigned long long)b, (unsigned long long)e->addr,
					 (unsigned long long)(e->addr + e->size - 1));
				return -EINVAL;
			}
		}
		if (t->nr_entries >= E820_MAX_ENTRIES) {
			snprintf(err, errlen, "e820: line %d: more than %d entries", lineno, E820_MAX_ENTRIES);
			return -EINVAL;
		}
		t->entries[t->nr_entries++] = (struct e820_entry){ a, b - a + 1, (enum e820_type)type };
	}
	if (!t->nr_entries) {
		snprintf(err, errlen, "e820: no \"BIOS-e820: [mem ...] type\" lines found");
		return -EINVAL;
	}
	return 0;
}

/* The end of usable RAM below limit_pfn, as e820__end_of_ram_pfn(). */
/* Is [start, end) wholly covered by entries of this type?  (Linux's e820__mapped_all) */
bool e820__mapped_all(const struct e820_table *t, u64 start, u64 end, enum e820_type type)
{
	for (u32 i = 0; i < t->nr_entries; i++) {
		const struct e820_entry *e = &t->entries[i];
		if (e->type != type || e->addr >= end || e->addr + e->size <= start)
			continue;
		if (e->addr <= start)
			start = e->addr + e->size;
		if (start >= end)
			return true;
	}
	return false;
}

unsigned long e820__end_of_ram_pfn(const struct e820_table *t, unsigned long limit_pfn)
{
	unsigned long last_pfn = 0;
	for (u32 i = 0; i < t->nr_entries; i++) {
		const struct e820_entry *e = &t->entries[i];
		if (e->type != E820_TYPE_RAM && e->type != E820_TYPE_RESERVED_KERN)
			continue;
		unsigned long start_pfn = PFN_DOWN(e->addr);
		unsigned long end_pfn = PFN_DOWN(e->addr + e->size);
		if (start_pfn >= limit_pfn)
			continue;
		if (end_pfn > limit_pfn) {
			last_pfn = limit_pfn;
			break;
		}
		if (end_pfn > last_pfn)
			last_pfn = end_pfn;
	}
	if (last_pfn > M->prof->max_arch_pfn)
		last_pfn = M->prof->max_arch_pfn;
	pr_info("last_pfn = %#lx max_arch_pfn = %#lx\n", last_pfn, M->prof->max_arch_pfn);
	return last_pfn;
}

void e820__memblock_setup(const struct e820_table *t)
{
	for (u32 i = 0; i < t->nr_entries; i++) {
		const struct e820_entry *e = &t->entries[i];
		if (e->type != E820_TYPE_RAM && e->type != E820_TYPE_RESERVED_KERN)
			continue;
		/* a 32-bit resource_size_t cannot describe RAM ending above 4 GiB */
		if (M->prof->bits == 32 && !M->prof->pae && e->addr + e->size - 1 > 0xffffffffULL)
			continue;
		/* throw away partial pages, as memblock_trim_memory(PAGE_SIZE) */
		u64 s = ALIGN(e->addr, PAGE_SIZE), f = ALIGN_DOWN(e->addr + e->size, PAGE_SIZE);
		if (f > s)
			memblock_add(s, f - s);
	}
}
