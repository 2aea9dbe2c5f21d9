/*
 * mount.c - `kmm mount [boot options] DIR`: boot a machine and serve its
 * /proc views at DIR as a FUSE file system (tools/fuse_proc.c) until
 * SIGINT, SIGTERM or SIGHUP, or until `fusermount3 -u DIR`; then unmount
 * and shut the machine down.  The main thread boots, then only waits (on
 * CPU 0, which it keeps); the FUSE session serves from a thread of its
 * own.  kmm run --mount and kmm shell --mount (tools/run.c) serve the
 * machine of a scenario instead.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <kmm/kmm.h>

#include "fuse_proc.h"
#include "kmm.h"

static const char mount_help[] =
	"NAME\n"
	"    kmm mount - serve a machine's /proc views live as a FUSE file system\n"
	"\n"
	"SYNOPSIS\n"
	"    kmm mount [boot options] [-q] DIR\n"
	"\n"
	"DESCRIPTION\n"
	"    Boots a machine (kmm boot's options; it ends its boot holding what a\n"
	"    booted 6.1 kernel holds, unless --cmdline boot_population=off) and mounts\n"
	"    its views on the empty directory DIR, laid out as /proc is: DIR/meminfo,\n"
	"    DIR/zoneinfo, DIR/slabinfo, DIR/buddyinfo, DIR/vmstat, DIR/sys/vm/...,\n"
	"    DIR/kpageflags, DIR/PID/... - the names kmm --list views prints.  Each\n"
	"    open(), and each read from offset 0 again, reads the view as the machine\n"
	"    is at that moment, so cat, less, watch -n1 cat DIR/buddyinfo, and slabtop\n"
	"    or vmstat with the views bind-mounted over /proc's files see it change.\n"
	"    Files have size 0 and are read to their end, as procfs's.  DIR/sys/vm/*\n"
	"    and DIR/PID/oom_score_adj are writable (echo 8192 >\n"
	"    DIR/sys/vm/min_free_kbytes); a bad value is EINVAL, as Linux answers it.\n"
	"\n"
	"    It serves until SIGINT (Ctrl-C), SIGTERM or SIGHUP, or until\n"
	"    `fusermount3 -u DIR`, then unmounts and shuts the machine down.  To\n"
	"    watch a scenario or a real program instead: kmm run --mount DIR, kmm\n"
	"    shell --mount DIR, or KMM_MOUNT=DIR for the preload (README).\n"
	"\n"
	"OPTIONS\n"
	"    boot options as kmm boot --help lists them\n"
	"    -q, --quiet       no line saying where the views are\n"
	"    -h, --help        this text\n"
	"\n"
	"EXIT STATUS\n"
	"    0 served and unmounted; 1 the machine did not boot, or DIR cannot be\n"
	"    mounted on (missing, not a directory, not empty; no /dev/fuse; not root\n"
	"    and no fusermount3; mount(2) refused) - one line says why, nothing is\n"
	"    left mounted; 2 a usage error.\n"
	"\n"
	"EXAMPLE\n"
	"    mkdir /tmp/kp && kmm mount --profile x86_64 --mem 2G /tmp/kp &\n"
	"    watch -n1 cat /tmp/kp/buddyinfo\n"
	"    fusermount3 -u /tmp/kp\n";

int cmd_mount(int argc, char **argv)
{
	static const struct option opts[] = {
		BOOT_OPTIONS,
		{ "quiet", no_argument, 0, 'q' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.boot_population = true; /* a machine to look at, as kmm boot shows it */
	char *e820 = NULL, err[512];
	int c, idx = 0, quiet = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", opts, &idx)) != -1) {
		switch (c) {
		case 'B':
			if (boot_option(opts[idx].name, optarg, &p, &e820))
				return 2;
			break;
		case 'q': quiet = 1; break;
		case 'h': free(e820); fputs(mount_help, stdout); return 0;
		default: free(e820); fputs("usage: kmm mount [boot options] [-q] DIR   (kmm mount --help)\n", stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, optind < argc ? "kmm mount: unexpected argument \"%s\"\n" : "kmm mount: which directory?%s\n",
			optind < argc ? argv[argc - 1] : " (kmm mount [boot options] DIR)");
		free(e820);
		return 2;
	}
	const char *dir = argv[optind];
	if (fuse_proc_check(dir, err, sizeof(err))) { /* said before a machine is booted for nothing */
		fprintf(stderr, "kmm mount: %s\n", err);
		free(e820);
		return 1;
	}
	/* the signals that end serving are taken by sigtimedwait below, in this thread only */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	if (boot_machine(&p, e820))
		return 1;
	struct fuse_proc *fp = fuse_proc_start(dir, true, err, sizeof(err));
	if (!fp) {
		fprintf(stderr, "kmm mount: %s\n", err);
		kmm_shutdown();
		return 1;
	}
	if (!quiet)
		printf("kmm mount: the machine's views are at %s; Ctrl-C or `fusermount3 -u %s` ends\n", dir, dir);
	fflush(stdout);
	const struct timespec tick = { 0, 100 * 1000 * 1000 };
	while (!fuse_proc_ended(fp) && sigtimedwait(&stop, NULL, &tick) < 0)
		;
	fuse_proc_stop(fp);
	kmm_shutdown();
	return 0;
}
