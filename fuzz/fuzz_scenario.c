/*
 * fuzz_scenario.c - libFuzzer target: the scenario language (lexer,
 * checker, interpreter, the end-of-run checks) on arbitrary text.
 *
 * Each input is a whole script run by kmm_scenario_run() on a machine of
 * its own, booted and shut down inside the call.  The script's own boot
 * line is honoured, then the harness shrinks the machine (--mem 160M
 * --kernel-size 2M: still DMA, Normal and, with vmalloc=, HighMem) so an
 * input costs a millisecond, and bounds the statements a script may run
 * so repeat loops end.  A crash, a sanitizer report, a leak, or a kernel
 * BUG that aborts is a finding; exit statuses 0, 1 and 2 are all fine.
 * Scripts naming --e820 are skipped: that option reads a host file (the
 * boot target fuzzes e820 text directly).  The bytes go in as kmm run
 * reads a file (kmm_scenario_run_buf), so a NUL byte is the error it is
 * there, not the end of the script.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmm/scenario.h>

#define MAX_SCRIPT 8192

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const boot_opts[] = { "mem", "160M", "kernel-size", "2M" };
	if (size > MAX_SCRIPT || memmem(data, size, "e820", 4))
		return -1; /* not kept in the corpus */
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	struct kmm_scenario_opts o = {
		.name = "fuzz.kmm",
		.boot_opts = boot_opts,
		.nboot_opts = 2,
		.max_steps = 2000,
		.out = devnull,
		.err = devnull,
	};
	kmm_scenario_run_buf((const char *)data, size, &o); /* as kmm run reads a file: a NUL byte is an error */
	return 0;
}
