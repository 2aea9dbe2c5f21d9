/*
 * dmesg.c - booting the machine a real kernel log describes.
 *
 * A user who pastes the output of `dmesg` from an x86 Linux machine gets
 * that machine: kmm_boot() with params->dmesg_text reads from the log what
 * the firmware and the boot loader handed the real kernel, and nothing that
 * the kernel computed from them (those figures are what kmm recomputes and
 * what a comparison checks):
 *
 *   the kernel build   "Zone ranges:" lists DMA32 only on x86_64; a 32-bit
 *                      kernel built without PAE says "NX ... cannot be
 *                      enabled: non-PAE kernel!", a PAE one "NX (Execute
 *                      Disable) protection: active" (or "missing in CPU!")
 *   the firmware map   the "BIOS-e820: [mem ...] type" lines (e820.c parses them)
 *   the command line   "Kernel command line: " (x86_64 also prints it early
 *                      as "Command line: ")
 *   the CPUs           "nr_cpu_ids:N" of setup_percpu (the possible CPUs), or
 *                      "smpboot: Allowing N CPUs"
 *   the NUMA nodes     SRAT memory affinity lines "ACPI: SRAT: Node N PXM P
 *                      [mem a-b]"; without them the "NUMA: Node N [mem a-b]
 *                      + [mem c-d] -> ..." lines
 *   the initrd         "RAMDISK: [mem a-b]": where the boot loader put it,
 *                      page-aligned; its exact end is in i386's "Move
 *                      RAMDISK from [mem a-c]" when the kernel moved it
 *
 * The log's command line is printed as it was; its parameters kmm does not
 * know (vt.handoff=, rhgb, rd.lvm.lv= ...) are named in Linux's "Unknown kernel
 * command line parameters" notice and otherwise left alone, so any pasted
 * log boots.  The caller's own command line is appended (a later parameter
 * overrides an earlier one, as in Linux) and parsed strictly.  A log
 * without e820 lines is refused: it does not describe a PC.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <ctype.h>

/* The text after the first occurrence of prefix, up to the end of its line, malloc()ed. */
static char *dmesg_rest_of_line(const char *text, const char *prefix)
{
	const char *s = strstr(text, prefix);
	if (!s)
		return NULL;
	s += strlen(prefix);
	size_t n = strcspn(s, "\n");
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return strndup(s, n);
}

static const char *dmesg_profile(const char *text)
{
	const char *z = strstr(text, "Zone ranges:");
	if (z) {
		const char *end = strstr(z, "Movable zone start");
		const char *d = strstr(z, "  DMA32 ");
		if (d && (!end || d < end))
			return "x86_64";
	}
	if (strstr(text, "non-PAE kernel!"))
		return "i386";
	if (strstr(text, "NX (Execute Disable) protection: "))
		return "i386-pae";
	return "i386";
}

/* "[mem 0xA-0xB]" at s: [A, B+1).  0 on success. */
static int dmesg_mem_range(const char *s, u64 *start, u64 *end)
{
	unsigned long long a, b;
	if (sscanf(s, "[mem %llx-%llx]", &a, &b) != 2 || b < a || b == ~0ULL)
		return -EINVAL;
	*start = a;
	*end = b + 1;
	return 0;
}

static int dmesg_add_range(struct kmm_boot_params *p, int nid, u64 a, u64 b)
{
	if (p->nr_numa_ranges >= KMM_MAX_NUMA_RANGES)
		return -EINVAL;
	p->numa_ranges[p->nr_numa_ranges++] = (struct kmm_numa_range){ nid, a, b };
	return 0;
}

static int dmesg_numa(const char *text, struct kmm_boot_params *p)
{
	int nid, pxm;
	u64 a, b;
	for (const char *s = text; (s = strstr(s, "ACPI: SRAT: Node ")); s++) {
		if (sscanf(s, "ACPI: SRAT: Node %d PXM %d", &nid, &pxm) != 2)
			continue;
		const char *m = strstr(s, "[mem ");
		const char *eol = strchr(s, '\n');
		if (!m || (eol && m > eol) || dmesg_mem_range(m, &a, &b))
			continue; /* a processor affinity line, or another format */
		if (dmesg_add_range(p, nid, a, b))
			return -EINVAL;
	}
	if (p->nr_numa_ranges)
		return 0;
	/* "NUMA: Node 0 [mem a-b] + [mem c-d] -> [mem a-d]": the node's ranges before "->" */
	for (const char *s = text; (s = strstr(s, "NUMA: Node ")); s++) {
		if (sscanf(s, "NUMA: Node %d [mem ", &nid) != 1)
			continue;
		const char *eol = strchr(s, '\n');
		const char *arrow = strstr(s, "->");
		if (!eol)
			eol = s + strlen(s);
		if (!arrow || arrow > eol)
			arrow = eol;
		for (const char *m = strstr(s, "[mem "); m && m < arrow; m = strstr(m + 1, "[mem "))
			if (!dmesg_mem_range(m, &a, &b) && dmesg_add_range(p, nid, a, b))
				return -EINVAL;
	}
	return 0;
}

static void dmesg_initrd(const char *text, struct kmm_boot_params *p)
{
	u64 a, b, c, d;
	const char *r = strstr(text, "RAMDISK: [mem ");
	if (!r || dmesg_mem_range(r + strlen("RAMDISK: "), &a, &b))
		return;
	p->initrd_start = a;
	p->initrd_bytes = b - a;
	/* i386 moved it into lowmem and printed its exact end */
	const char *mv = strstr(text, "Move RAMDISK from [mem ");
	if (mv && !dmesg_mem_range(mv + strlen("Move RAMDISK from "), &c, &d) && c == a && d <= b)
		p->initrd_bytes = d - c;
}

/* Append word to *buf (space-separated). */
static int dmesg_append(char **buf, const char *word, size_t len)
{
	size_t have = *buf ? strlen(*buf) : 0;
	char *nb = realloc(*buf, have + len + 2);
	if (!nb)
		return -ENOMEM;
	if (have)
		nb[have++] = ' ';
	memcpy(nb + have, word, len);
	nb[have + len] = 0;
	*buf = nb;
	return 0;
}

/*
 * The log's command line, split as the kernel splits it (quotes keep
 * spaces): what kmm knows goes to the parser, the rest is only named.
 * A device tree's bootargs are split the same way (arch/setup_arm64.c).
 */
int kmm_cmdline_split(const char *line, struct dmesg_cmdline *cl)
{
	const char *p = line;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		const char *w = p;
		bool quoted = false;
		while (*p && (quoted || *p != ' ')) {
			if (*p == '"')
				quoted = !quoted;
			p++;
		}
		char word[256];
		size_t n = min((size_t)(p - w), sizeof(word) - 1);
		memcpy(word, w, n);
		word[n] = 0;
		if (dmesg_append(kmm_param_known(word) ? &cl->parsed : &cl->unknown, w, (size_t)(p - w)))
			return -ENOMEM;
	}
	return 0;
}

/* Append a space and words to a command line being built (arch/setup_arm64.c too). */
int kmm_cmdline_append(char **buf, const char *words)
{
	return dmesg_append(buf, words, strlen(words));
}

int dmesg_boot_params(const struct kmm_boot_params *in, struct kmm_boot_params *out, struct dmesg_cmdline *cl,
		      char *err, size_t errlen)
{
	const char *text = in->dmesg_text;
	*out = *in;
	*cl = (struct dmesg_cmdline){ 0 };
	if (!strstr(text, "BIOS-e820: [mem ")) {
		snprintf(err, errlen, "kmm: the dmesg has no \"BIOS-e820: [mem ...]\" lines: it does not describe an x86 machine");
		return -EINVAL;
	}
	out->profile = dmesg_profile(text);
	out->e820_text = text;
	out->nr_numa_ranges = 0;
	if (dmesg_numa(text, out)) {
		snprintf(err, errlen, "kmm: the dmesg describes more than %d NUMA memory ranges", KMM_MAX_NUMA_RANGES);
		return -EINVAL;
	}
	const char *c = strstr(text, "nr_cpu_ids:");
	const char *a = strstr(text, "smpboot: Allowing ");
	if (c)
		out->nr_cpus = atoi(c + strlen("nr_cpu_ids:"));
	else if (a)
		out->nr_cpus = atoi(a + strlen("smpboot: Allowing "));
	out->initrd_bytes = 0;
	out->initrd_start = 0;
	dmesg_initrd(text, out);

	char *line = dmesg_rest_of_line(text, "Kernel command line: ");
	if (!line)
		line = dmesg_rest_of_line(text, "Command line: ");
	int ret = line ? kmm_cmdline_split(line, cl) : 0;
	cl->logged = line;
	if (!ret && in->cmdline && *in->cmdline) {
		/* the caller's own parameters: all parsed, unknown ones refused as usual */
		ret = dmesg_append(&cl->parsed, in->cmdline, strlen(in->cmdline));
		if (!ret)
			ret = dmesg_append(&cl->logged, in->cmdline, strlen(in->cmdline));
	}
	if (ret) {
		free(cl->parsed);
		free(cl->logged);
		free(cl->unknown);
		*cl = (struct dmesg_cmdline){ 0 };
		return ret;
	}
	out->cmdline = cl->parsed;
	out->dmesg_text = NULL;
	return 0;
}
