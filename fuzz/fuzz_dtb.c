/*
 * fuzz_dtb.c - libFuzzer target: a device tree blob, read by libfdt and
 * src/arch/fdt.c and booted as an arm64 board (src/arch/setup_arm64.c),
 * through kmm_boot().
 *
 * Input: the blob itself.  A tree that is refused must say why and leave
 * no machine; one that boots must pass every validator and print its
 * views, then is shut down (LeakSanitizer checks that nothing stays).  To
 * keep an input cheap the harness adds mem=256M to the tree's bootargs, so
 * RAM stops after 256 MiB wherever the tree puts it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmm/kmm.h>

#define MAX_INPUT (64 << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_INPUT)
		return -1;
	void *blob = malloc(size ? size : 1); /* an exact-size copy: ASan sees any read past it */
	if (!blob)
		return 0;
	memcpy(blob, data, size);
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.dtb = blob;
	p.dtb_size = size;
	p.cmdline = "mem=256M";
	char err[512] = "";
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
	} else if (!err[0] || kmm_booted()) {
		fprintf(stderr, "a refused tree %s\n", kmm_booted() ? "left a machine behind" : "said nothing");
		abort();
	}
	free(blob);
	return 0;
}
