/*
 * fuzz_stress.c - libFuzzer target: operation sequences.  The input's
 * bytes are decoded by the stress engine (src/stress/stress.c) into
 * kmm's API calls on a small machine - i386 with DMA, Normal and HighMem
 * zones - with the validators every 64 operations and "nothing lost" at
 * the end.  A failed check is a finding: it is printed and the target
 * aborts.  Mappings and vmalloc areas stay within 64 pages: a populated
 * page costs the host a fault.
 *
 * The machine is reset, not rebooted, between inputs: every input ends
 * with everything it took freed and the accounting back at its starting
 * figures (kmm_stress_bytes checks exactly that), and a fresh boot and
 * shutdown would cost more than the input itself.  What an input leaves
 * behind that the accounting does not see (per-CPU lists, the order of
 * free lists, pids) is bounded by booting anew every REBOOT_EVERY inputs,
 * and a crash prints how many inputs this machine ran; a crash input
 * replayed alone (fuzz-stress FILE) runs on a fresh machine.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <kmm/kmm.h>
#include <kmm/stress.h>

#define MAX_OPS_BYTES 4096
#define REBOOT_EVERY 1000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void machine_boot(void)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.mem_bytes = 160ULL << 20;
	p.kernel_bytes = 2ULL << 20;
	p.cmdline = "vmalloc=900M"; /* lowmem ends near 100M: the rest is HighMem */
	char err[256];
	if (kmm_boot(&p, err, sizeof(err))) {
		fprintf(stderr, "the fuzz machine does not boot: %s\n", err);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kmm_stress_result r;
	static unsigned long inputs;
	if (size > MAX_OPS_BYTES)
		return -1;
	if (inputs++ % REBOOT_EVERY == 0) {
		if (kmm_booted())
			kmm_shutdown();
		machine_boot();
	}
	struct kmm_stress_opts o = { .check_every = 64, .max_pages = 64 };
	if (kmm_stress_bytes(data, size, &o, &r)) {
		fprintf(stderr, "kmm stress (fuzz input %lu of this machine): operation %lu: %s\n%s",
			(inputs - 1) % REBOOT_EVERY + 1, r.fail_op, r.why, kmm_dmesg());
		abort();
	}
	return 0;
}
