/*
 * fuzz_stress.c - libFuzzer target: operation sequences.  The input's
 * bytes are decoded by the stress engine (src/stress/stress.c) into
 * kmm's API calls on a small machine - i386 with DMA, Normal and HighMem
 * zones - with the validators every 64 operations and "nothing lost" at
 * the end.  A failed check is a finding: it is printed and the target
 * aborts.  Mappings and vmalloc areas stay within 64 pages: a populated
 * page costs the host a fault.
 *
 * The machine is reset between inputs, not rebooted (fuzz_machine.h); a
 * crash prints how many inputs this machine ran, and a crash input
 * replayed alone (fuzz-stress FILE) runs on a fresh machine.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <kmm/kmm.h>
#include <kmm/stress.h>

#include "fuzz_machine.h"

#define MAX_OPS_BYTES 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kmm_stress_result r;
	static unsigned long inputs;
	if (size > MAX_OPS_BYTES)
		return -1;
	/* i386, lowmem ending near 100M (vmalloc=900M): the rest is HighMem */
	fuzz_machine_ready(inputs++, 160ULL << 20, 2ULL << 20, "vmalloc=900M");
	struct kmm_stress_opts o = { .check_every = 64, .max_pages = 64 };
	if (kmm_stress_bytes(data, size, &o, &r)) {
		fprintf(stderr, "kmm stress (fuzz input %lu of this machine): operation %lu: %s\n%s",
			(inputs - 1) % FUZZ_REBOOT_EVERY + 1, r.fail_op, r.why, kmm_dmesg());
		abort();
	}
	return 0;
}
