/*
 * fuzz_boot.c - libFuzzer target: the e820 parser and the kernel command
 * line (src/arch/e820.c, src/arch/setup.c), through kmm_boot().
 *
 * Input: the e820 text ("BIOS-e820: [mem 0x...-0x...] usable" lines, or
 * anything), a NUL byte, then the command line.  With no NUL the whole
 * input is the command line on a default PC map.  The first byte also
 * picks the profile and the CPUs.  A machine that boots must pass every
 * validator and print its views; then it is shut down (LeakSanitizer
 * checks that nothing stays).  To keep an input cheap, the harness ends
 * the command line with mem= (closing an open quote first), so RAM stops
 * at 96M..1G whatever the map says (the map is still parsed, sanitised
 * and cut as Linux does).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmm/kmm.h>

#define MAX_INPUT 8192

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const profiles[] = { "i386", "i386-pae", "x86_64", "i386" };
	static const char *const caps[] = { "96M", "192M", "384M", "1G" };
	if (size > MAX_INPUT)
		return -1;
	unsigned int sel = size ? data[0] : 0;
	const uint8_t *nul = memchr(data, 0, size);
	size_t e820_len = nul ? (size_t)(nul - data) : 0, cmd_off = nul ? e820_len + 1 : 0;
	char *e820 = nul ? strndup((const char *)data, e820_len) : NULL;
	char *cmdline = malloc(size - cmd_off + 40);
	if (!cmdline || (nul && !e820)) {
		free(e820);
		free(cmdline);
		return 0;
	}
	memcpy(cmdline, data + cmd_off, size - cmd_off);
	/* an open quote would swallow the cap: close it first */
	size_t quotes = 0;
	for (size_t i = cmd_off; i < size; i++)
		quotes += data[i] == '"';
	sprintf(cmdline + (size - cmd_off), "%s mem=%s", quotes % 2 ? "\"" : "", caps[(sel >> 2) & 3]);
	if (strlen(cmdline) != size - cmd_off + quotes % 2 + strlen(" mem=") + strlen(caps[(sel >> 2) & 3])) {
		free(e820); /* a NUL inside the command line: it would end there anyway */
		free(cmdline);
		return -1;
	}
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profiles[sel & 3];
	p.mem_bytes = 256ULL << 20;
	p.nr_cpus = 1 + ((sel >> 4) & 3);
	p.kernel_bytes = sel & 0x40 ? 2ULL << 20 : 0;
	p.e820_text = e820 && *e820 ? e820 : NULL;
	p.cmdline = cmdline;
	char err[512];
	if (!kmm_boot(&p, err, sizeof(err))) {
		char why[512];
		if (kmm_verify(why, sizeof(why))) {
			fprintf(stderr, "a machine that booted fails a validator: %s\n", why);
			abort();
		}
		static const char *const views[] = { "zoneinfo", "buddyinfo", "meminfo", "iomem", "kmm/layout" };
		for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++)
			free(kmm_proc_read(views[i]));
		kmm_shutdown();
	}
	free(e820);
	free(cmdline);
	return 0;
}
