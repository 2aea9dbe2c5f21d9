/*
 * fuzz_machine.h - the machine the op-sequence and trace targets share
 * between inputs.  Each input ends with everything it took freed and the
 * accounting back at its starting figures (both targets check exactly
 * that), so the machine is reset rather than rebooted: a boot and a
 * shutdown would cost more than the input.  What an input leaves that the
 * accounting does not see (per-CPU lists, the order of free lists, pids)
 * is bounded by booting anew every FUZZ_REBOOT_EVERY inputs.
 */
#ifndef KMM_FUZZ_MACHINE_H
#define KMM_FUZZ_MACHINE_H

#include <stdio.h>
#include <stdlib.h>

#include <kmm/kmm.h>

#define FUZZ_REBOOT_EVERY 1000

/* Before input number n (0-based): boot the machine (i386) when it is time; abort if it does not. */
static inline void fuzz_machine_ready(unsigned long n, u64 mem_bytes, u64 kernel_bytes, const char *cmdline)
{
	if (n % FUZZ_REBOOT_EVERY)
		return;
	if (kmm_booted())
		kmm_shutdown();
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.mem_bytes = mem_bytes;
	p.kernel_bytes = kernel_bytes;
	p.cmdline = cmdline;
	char err[256];
	if (kmm_boot(&p, err, sizeof(err))) {
		fprintf(stderr, "the fuzz machine does not boot: %s\n", err);
		abort();
	}
}

#endif
