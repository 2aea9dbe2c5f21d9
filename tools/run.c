/*
 * run.c - `kmm run FILE` and `kmm shell`: the scenario language
 * (src/scenario/scenario.c) from a file, or typed at a prompt with libedit's
 * line editing, history and completion.
 *
 * Exit status, as the library's run: 0 ok, 1 an expect failed or a command
 * was skipped for a NULL handle, 2 a usage error, 3 the kernel reported a
 * BUG, a validator failed or something was lost.  A kernel BUG that stops
 * the simulated kernel (MM_BUG_ON aborts) also exits 3, after the log.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <editline/readline.h>

#include <kmm/kstrtox.h>
#include <kmm/scenario.h>

#include "fuse_proc.h"
#include "kmm.h"

static const char run_help[] =
	"NAME\n"
	"    kmm run - run a scenario script on a simulated machine\n"
	"\n"
	"SYNOPSIS\n"
	"    kmm run [BOOT OPTIONS] [--seed N] [--fail SETTINGS]... [--proc-dir DIR]\n"
	"            [--mount DIR] [--plot FILE.svg] [--max-steps N] [-v] FILE\n"
	"\n"
	"DESCRIPTION\n"
	"    Boots a machine (kmm boot's options; on the command line they come after\n"
	"    the script's own boot line, so a scenario can be tried on another machine)\n"
	"    and runs FILE (- for standard input), a script of kmm's operations.  The\n"
	"    whole script is checked before any of it runs.  Views, say lines and the\n"
	"    kernel's messages go to standard output; errors and failed expects to\n"
	"    standard error.  At the end everything the script still holds is freed (a\n"
	"    swap file still on is swapped off) and the free pages and slab objects\n"
	"    must be back at their post-boot values.\n"
	"\n"
	"THE LANGUAGE\n"
	"    One statement a line (or split by ;), words separated by blanks, \"quoted\n"
	"    strings\", # comments.  A command that allocates sets a handle:\n"
	"        p = alloc_pages GFP_KERNEL|__GFP_ZERO order=3\n"
	"        free_pages p\n"
	"    A failed allocation sets it to NULL; a command that needs what a NULL\n"
	"    handle would hold is skipped (said on standard error; a handle it sets is\n"
	"    NULL too) and the run goes on.  repeat N [as I] { ... } loops; a\n"
	"    handle may be indexed, p[I] or p[3].  Sizes are like 4K, 10M, 0x1000;\n"
	"    GFP flags are Linux's names joined by |.\n"
	"\n"
	"    boot --mem 1G --cmdline \"...\"       the machine (first, once; else the defaults)\n"
	"    say TEXT | echo TEXT                print a line\n"
	"    show VIEW [SECTION] | show TASK/VIEW | show HANDLE\n"
	"                                        a /proc view (zoneinfo, buddyinfo, slabinfo,\n"
	"                                        meminfo, vmallocinfo, vmstat, pagetypeinfo,\n"
	"                                        kmm/layout, dmesg, sys/vm/..., counters) or a\n"
	"                                        task's (t/maps, t/smaps, t/smaps_rollup,\n"
	"                                        t/status, t/stat, t/statm, t/cmdline,\n"
	"                                        t/oom_score, t/oom_score_adj, t/oom_adj,\n"
	"                                        t/kmm/pagemap), or what a\n"
	"                                        handle holds\n"
	"    expect HANDLE == NULL | expect HANDLE != NULL\n"
	"    expect VIEW [SECTION] FIELD OP NUMBER\n"
	"                                        OP is == != < <= > >=; FIELD a line's leading\n"
	"                                        words (MemFree, \"pages free\") or a column of a\n"
	"                                        table row (buddyinfo Normal 3, slabinfo\n"
	"                                        kmalloc-64 active_objs); SECTION a zone or cache\n"
	"    verify                              every validator\n"
	"    map FILE.svg                        draw physical memory as it is now, frame by frame\n"
	"    plot FILE.svg                       draw memory pressure from boot until now: free\n"
	"                                        pages of each zone against its min/low/high\n"
	"                                        watermarks, the LRU lists, swap in use, and when\n"
	"                                        kswapd and direct reclaim ran, over the simulated\n"
	"                                        clock (sampled after each statement and at each\n"
	"                                        reclaim event)\n"
	"    sysctl vm.NAME[=VALUE]              read or set a /proc/sys/vm tunable\n"
	"    compact                             compact every zone of every node: movable pages\n"
	"                                        migrate to the top of each zone, free blocks merge\n"
	"                                        (echo 1 > /proc/sys/vm/compact_memory)\n"
	"    cgroup create|remove GROUP          a memory cgroup (cgroup v2) under sys/fs/cgroup\n"
	"    cgroup attach GROUP T               move a task in (a fork's child follows it)\n"
	"    cgroup set GROUP FILE VALUE         memory.max, memory.high, memory.low, memory.min\n"
	"                                        (a size or max), memory.oom.group, memory.reclaim;\n"
	"                                        its files are views: sys/fs/cgroup/GROUP/memory.events,\n"
	"                                        memory.current, memory.peak, memory.stat, cgroup.procs\n"
	"    fail failslab|fail_page_alloc [FILE=VALUE]...\n"
	"                                        inject allocation failures as Linux's\n"
	"                                        fault-injection debugfs files say:\n"
	"                                        probability= (percent) interval= times=\n"
	"                                        (-1: no limit) space= verbose= ignore-gfp-wait=\n"
	"                                        (Y/N) ignore-gfp-highmem= min-order=\n"
	"                                        cache-filter=; alone, shows them\n"
	"    P = alloc_pages GFP [order=N] [node=N]     free_pages P\n"
	"    P = cma_alloc SIZE [align=N]        cma_release P\n"
	"                                        SIZE bytes, physically contiguous, from the\n"
	"                                        default CMA area (--kconfig CMA=y, cma=64M):\n"
	"                                        the movable pages that borrowed it migrate\n"
	"                                        away; aligned to 2^N pages (default\n"
	"                                        get_order(SIZE), at most 8); NULL if no range\n"
	"                                        can be emptied (scenarios/cma.kmm)\n"
	"    C = kmem_cache_create NAME SIZE [SLAB_FLAGS] [align=N]\n"
	"    O = kmem_cache_alloc C [GFP]        kmem_cache_free [C] O\n"
	"    kmem_cache_shrink C                 kmem_cache_destroy C\n"
	"    O = kmalloc|kzalloc|kvmalloc SIZE [GFP]     O = krealloc O SIZE [GFP]\n"
	"    kfree O | kvfree O\n"
	"    V = vmalloc|vzalloc|vmalloc_32 SIZE         vfree V\n"
	"    K = kmap P | kmap_atomic P | kmap_local_page P\n"
	"    kunmap K | kunmap_atomic K | kunmap_local K\n"
	"    T = task_create COMM [uid=N]  (or spawn)    exec T PATH [text=S] [data=S] [bss=S]\n"
	"    M = mmap T SIZE [PROT] [shared] [populate] [file=PATH]\n"
	"                                        PROT like rw, r-x, none (rw if not given)\n"
	"    touch M [OFF [LEN]] [read|write] [in T]     page faults fill it in\n"
	"    write M OFF TEXT [in T]   mprotect M PROT [OFF LEN] [in T]\n"
	"    check M OFF TEXT [in T]             the bytes there are TEXT, read by the software\n"
	"                                        walk and by the host trap; fail the run if not\n"
	"    munmap M [OFF LEN] [in T]\n"
	"    H = brk T SIZE                      the heap grows by SIZE; H is the new part\n"
	"    mremap M NEWSIZE [maymove]          resize a region (moving it if maymove allows)\n"
	"    mlock M [OFF LEN] [onfault] [in T]  munlock M [OFF LEN] [in T]\n"
	"                                        locked pages go on the unevictable list (Mlocked)\n"
	"    mlockall T [current] [future] [onfault]     munlockall T\n"
	"    swapon DEV SIZE [prio=N]            swapoff DEV\n"
	"                                        a disk made swap space (/proc/swaps): kswapd\n"
	"                                        and direct reclaim write anonymous pages there\n"
	"    mkswap PATH   swapon PATH [prio=N]  swapoff PATH\n"
	"                                        a swap file: a file of the disk (every block\n"
	"                                        written) given a swap header, then swapped to;\n"
	"                                        no write, truncate or unlink of it while on\n"
	"    madvise M normal|willneed|dontneed|cold|pageout [OFF LEN] [in T]\n"
	"                                        cold: to the inactive list; pageout: reclaimed now\n"
	"    C2 = fork T                         exit T\n"
	"    oom_score_adj T N                   the task's oom_score_adj, -1000..1000: when\n"
	"                                        memory runs out the OOM killer kills the task\n"
	"                                        of the highest badness (its RSS, swap and page\n"
	"                                        tables plus N thousandths of memory; -1000:\n"
	"                                        never) and reaps its memory; calls for a\n"
	"                                        killed task then fail: the task was killed\n"
	"                                        (SIGKILL) (scenarios/oom.kmm)\n"
	"    file PATH SIZE                      a file of SIZE bytes (at most 1G) on the\n"
	"                                        simulated disk, for mmap file=PATH\n"
	"    F = open T PATH [rw] [create]       close F\n"
	"    stat T PATH                         a path looked up, as stat(2)\n"
	"    sync                                write every dirty page-cache page back\n"
	"    sleep TIME                          let simulated time pass (30s, 500ms, 2m, 1h):\n"
	"                                        the flusher's periodic writeback runs on time\n"
	"    step [N]                            let N ticks pass (HZ=250: 4 ms each; 1 if no N)\n"
	"    trace on [EVENTS] | trace off [EVENTS] | trace clear\n"
	"                                        record trace events: kmem:, vmscan:, compaction:,\n"
	"                                        migrate:, cma: (kmem:kmalloc, kmem:kfree, vmscan\n"
	"                                        for reclaim's ...; all of kmem if none) into the view\n"
	"                                        sys/kernel/tracing/trace, which kmm replay\n"
	"                                        reads back; TASK-PID is the task the\n"
	"                                        statement names\n"
	"    D = device NAME BITS | device pci   a device doing DMA with a BITS-bit mask (24:\n"
	"                                        ZONE_DMA only; 32: below 4 GiB), or the machine's\n"
	"                                        PCI device 0000:00:02.0     device_destroy D\n"
	"    B = dma_alloc D SIZE [GFP]          dma_free B: coherent memory from the zone the\n"
	"                                        mask reaches (or scattered pages behind the\n"
	"                                        IOMMU, --cmdline intel_iommu=on), zeroed\n"
	"    M = dma_map D P|O [to|from|bidi] [off=N] [len=N]     dma_unmap M\n"
	"                                        a streaming mapping of pages or an object; out\n"
	"                                        of the device's reach it bounces through the\n"
	"                                        swiotlb (RAM above 4 GiB, or --cmdline swiotlb=force)\n"
	"    L = dma_pool_create D NAME SIZE [align=N] [boundary=N]     dma_pool_destroy L\n"
	"    X = dma_pool_alloc L [GFP]          dma_pool_free X\n"
	"    dma_write B|M|X OFF TEXT            the device stores bytes at its bus address\n"
	"    dma_read B|M|X|P|O OFF LEN          what the device sees there (of P or O: what\n"
	"                                        the CPU sees) (scenarios/dma.kmm)\n"
	"    repeat N [as I] { ... }             N from 0 to 1000000\n"
	"    help [COMMAND]                      list the commands, or describe one\n"
	"\n"
	"    A system call that fails (mmap, mprotect, munmap, touch, write, exec, open,\n"
	"    stat, the open of mmap file=) is said on standard error as\n"
	"    FILE:LINE:COL: CALL: ERROR and the script goes on (ERROR is \"the task was\n"
	"    killed (SIGKILL)\" for a task the OOM killer killed).  A script is text: a\n"
	"    NUL byte in it is an error, and FILE may be at most 16 MiB.\n"
	"\n"
	"OPTIONS\n"
	"    --profile i386|i386-pae|x86_64|arm64|arm|arm-lpae, --mem SIZE, --e820 FILE, --dmesg FILE,\n"
	"    --dtb FILE, --dts FILE, --cpus N,\n"
	"    --cmdline \"...\", --numa RANGES, --distance TABLE, --initrd SIZE,\n"
	"    --kernel-size SIZE, --seed N, --kconfig OPTS\n"
	"                      the machine, as kmm boot takes them\n"
	"    --fail SETTINGS   after boot, run `fail SETTINGS` (e.g. --fail \"failslab\n"
	"                      probability=10 times=-1 ignore-gfp-wait=N\"); with --seed\n"
	"                      the same calls fail on every run.  Also the boot parameters\n"
	"                      failslab= and fail_page_alloc=<interval>,<probability>,\n"
	"                      <space>,<times> in --cmdline\n"
	"    --proc-dir DIR    at the end, before freeing, write every view as a file\n"
	"    --mount DIR       while the script runs, serve its machine's views live at\n"
	"                      the empty directory DIR as a FUSE file system (kmm mount\n"
	"                      --help): cat DIR/slabinfo, watch -n1 cat DIR/buddyinfo.\n"
	"                      Empty until the machine boots; unmounted when the script\n"
	"                      ends, before what it holds is freed.  A DIR that cannot be\n"
	"                      mounted on is said at once, with exit status 1\n"
	"    --plot FILE.svg   at the end, before freeing, draw memory pressure over the\n"
	"                      run (the scenario's plot command, on everything it ran)\n"
	"    --max-steps N     stop the script (a usage error) once it has run N\n"
	"                      statements, counting each pass of a repeat's body; the\n"
	"                      default 10000000 is seconds of work; 0: no limit\n"
	"    -v, --trace       echo each statement and describe the handle it sets\n"
	"    -h, --help        this text\n"
	"\n"
	"EXIT STATUS\n"
	"    The worst of: 0 ok; 1 an expect failed, or a command was skipped for a\n"
	"    NULL handle; 2 a usage error (the message says FILE:LINE:COL and what was\n"
	"    expected); 3 the kernel failed - it reported a BUG (or stopped on one), a\n"
	"    validator (verify) failed, or something was lost.  Under --fail, 1 is a\n"
	"    script meeting failures it did not expect; 3 is always a bug of kmm's.\n"
	"\n"
	"EXAMPLE\n"
	"    kmm run scenarios/demo.kmm\n"
	"    kmm run --profile x86_64 --mem 8G -v scenarios/process.kmm\n"
	"    kmm run --plot pressure.svg scenarios/swapon.kmm\n"
	"    kmm run --seed 3 --fail \"failslab probability=20 times=-1 ignore-gfp-wait=N\" \\\n"
	"            --fail \"fail_page_alloc probability=20 times=-1 ignore-gfp-wait=N\n"
	"            ignore-gfp-highmem=N min-order=0 verbose=0\" scenarios/demo.kmm\n";

static const char shell_help[] =
	"NAME\n"
	"    kmm shell - the scenario language at a prompt\n"
	"\n"
	"SYNOPSIS\n"
	"    kmm shell [BOOT OPTIONS] [--seed N] [--fail SETTINGS]... [--proc-dir DIR]\n"
	"              [--mount DIR] [--plot FILE.svg] [--max-steps N] [-v]\n"
	"\n"
	"DESCRIPTION\n"
	"    Reads statements of the scenario language (see kmm run --help) one line\n"
	"    at a time, with line editing and history (~/.kmm_history), and Tab\n"
	"    completing commands, handles and /proc view names.  Each line runs at\n"
	"    once; a handle a command sets is described.  `help` lists the commands,\n"
	"    `help CMD` describes one.  A `repeat N {` reads on until its `}` (a block\n"
	"    of at most 64 KiB; a line of at most 16 MiB; a NUL byte makes a line an\n"
	"    error).\n"
	"    `quit` or end of input frees what is held, checks that nothing was lost,\n"
	"    and ends.  Without a terminal the lines are read from standard input with\n"
	"    no prompt.\n"
	"\n"
	"OPTIONS\n"
	"    The boot options of kmm boot, --fail SETTINGS, --proc-dir DIR, --mount DIR\n"
	"    (the views live while the session runs), --plot FILE.svg, -v/--trace and\n"
	"    -h/--help as kmm run's; --max-steps N bounds the statements each line\n"
	"    (or repeat block) runs (default 10000000, 0: no limit).\n"
	"\n"
	"EXIT STATUS\n"
	"    As kmm run's, for the whole session.\n";

struct run_args {
	struct kmm_scenario_opts o;
	const char *boot_opts[64];
	char *after_boot[16];        /* "fail SETTINGS" of each --fail */
	const char *file;
	const char *mount_dir;       /* --mount DIR */
};

/* --mount: the views being served, so that a run that dies does not leave DIR a dead mount */
static struct fuse_proc *run_mount;

static void on_kernel_bug(int sig)
{
	(void)sig;
	static const char msg[] = "kmm: the simulated kernel stopped on a BUG (see the log above)\n";
	if (write(2, msg, sizeof(msg) - 1) < 0) {
		/* nothing left to tell it with */
	}
	fuse_proc_emergency_unmount(run_mount);
	_exit(3);
}

/* SIGINT or SIGTERM while --mount serves: unmount, then die of the signal as before */
static void on_stop_signal(int sig)
{
	fuse_proc_emergency_unmount(run_mount);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void mount_live(void *arg, bool live)
{
	fuse_proc_set_live(arg, live);
}

/* --mount DIR: mounted now, empty until the scenario's machine boots; 0, or 1 said on stderr. */
static int run_mount_start(struct run_args *a, const char *cmd)
{
	char err[512];
	if (!a->mount_dir)
		return 0;
	run_mount = fuse_proc_start(a->mount_dir, false, err, sizeof(err));
	if (!run_mount) {
		fprintf(stderr, "kmm %s: --mount %s\n", cmd, err);
		return 1;
	}
	a->o.machine_live = mount_live;
	a->o.machine_live_arg = run_mount;
	signal(SIGINT, on_stop_signal);
	signal(SIGTERM, on_stop_signal);
	return 0;
}

static void run_mount_stop(void)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	fuse_proc_stop(run_mount);
	run_mount = NULL;
}

/* The options run and shell share; the rest is the FILE argument.  0, or the exit status. */
static int parse_args(int argc, char **argv, struct run_args *a, const char *help, bool want_file)
{
	static const struct option opts[] = {
		BOOT_OPTIONS,
		{ "proc-dir", required_argument, 0, 'o' },
		{ "mount", required_argument, 0, 'm' },
		{ "plot", required_argument, 0, 'P' },
		{ "fail", required_argument, 0, 'f' },
		{ "trace", no_argument, 0, 'v' },
		{ "max-steps", required_argument, 0, 'S' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int c, idx = 0;
	u64 steps;
	optind = 1;
	a->o.max_steps = KMM_SCENARIO_MAX_STEPS;
	while ((c = getopt_long(argc, argv, "vh", opts, &idx)) != -1) {
		switch (c) {
		case 'B': {
			struct kmm_boot_params scratch = KMM_BOOT_DEFAULTS;
			char *e820 = NULL;
			int ret = boot_option(opts[idx].name, optarg, &scratch, &e820); /* said here, not mid-run */
			free(e820);
			if (ret)
				return ret;
			if (a->o.nboot_opts == 32) {
				fprintf(stderr, "kmm: too many boot options\n");
				return 2;
			}
			a->boot_opts[2 * a->o.nboot_opts] = opts[idx].name;
			a->boot_opts[2 * a->o.nboot_opts + 1] = optarg;
			a->o.nboot_opts++;
			break;
		}
		case 'o': a->o.proc_dir = optarg; break;
		case 'm': a->mount_dir = optarg; break;
		case 'P': a->o.plot_file = optarg; break;
		case 'f':
			if (a->o.nafter_boot == (int)(sizeof(a->after_boot) / sizeof(a->after_boot[0])) ||
			    asprintf(&a->after_boot[a->o.nafter_boot], "fail %s", optarg) < 0) {
				fprintf(stderr, "kmm: too many --fail options\n");
				return 2;
			}
			a->o.nafter_boot++;
			break;
		case 'v': a->o.trace = true; break;
		case 'S':
			if (kmm_parse_count(optarg, 0, LONG_MAX, &steps)) {
				fprintf(stderr, "kmm: --max-steps \"%s\": expected a number of statements from 0 (no limit) to %ld\n",
					optarg, LONG_MAX);
				return 2;
			}
			a->o.max_steps = (long)steps;
			break;
		case 'h': fputs(help, stdout); return -1;
		default: fputs(help, stderr); return 2;
		}
	}
	a->o.boot_opts = a->boot_opts;
	a->o.after_boot = (const char *const *)a->after_boot;
	if (a->o.plot_file) {
		/* said now, not after the whole run: can the picture be written there? (a file made to see goes again) */
		bool existed = access(a->o.plot_file, F_OK) == 0;
		FILE *f = fopen(a->o.plot_file, "a");
		if (!f) {
			fprintf(stderr, "kmm: --plot %s: %s\n", a->o.plot_file, strerror(errno));
			return 2;
		}
		fclose(f);
		if (!existed)
			unlink(a->o.plot_file);
	}
	if (want_file && optind == argc - 1) {
		a->file = argv[optind];
		return 0;
	}
	if (!want_file && optind == argc)
		return 0;
	fprintf(stderr, "usage: kmm %s [BOOT OPTIONS] [--fail SETTINGS]... [--proc-dir DIR] [--mount DIR] [--plot FILE.svg] [--max-steps N] [-v]%s\n",
		want_file ? "run" : "shell", want_file ? " FILE" : "");
	if (optind < argc && (!want_file || optind < argc - 1))
		fprintf(stderr, "kmm: unexpected argument \"%s\"\n", argv[want_file ? argc - 1 : optind]);
	else if (want_file)
		fprintf(stderr, "kmm run: which scenario file? (e.g. kmm run scenarios/demo.kmm)\n");
	return 2;
}

int cmd_run(int argc, char **argv)
{
	struct run_args a = { 0 };
	int ret = parse_args(argc, argv, &a, run_help, true);
	if (ret)
		return ret < 0 ? 0 : ret;
	char err[512];
	size_t len;
	char *text = read_input(a.file, KMM_INPUT_MAX, &len, err, sizeof(err));
	if (!text) {
		fprintf(stderr, "kmm run: %s\n", err);
		return 2;
	}
	a.o.name = a.file;
	if (run_mount_start(&a, "run")) {
		free(text);
		return 1;
	}
	signal(SIGABRT, on_kernel_bug);
	fflush(stdout);
	ret = kmm_scenario_run_buf(text, len, &a.o);
	run_mount_stop();
	free(text);
	for (int i = 0; i < a.o.nafter_boot; i++)
		free(a.after_boot[i]);
	return ret;
}

/* ---- the shell ------------------------------------------------------------------------------- */

static struct kmm_scenario *shell_sc;

#define SHELL_BLOCK_MAX (64UL << 10) /* a repeat block typed or piped at the prompt, all its lines */

/* Completion: commands for the first word, then handles and view names. */
static char *complete_word(const char *text, int state)
{
	static const char *const *lists[3];
	static int list, i;
	static const char *const extra[] = { "counters", "quit", "GFP_KERNEL", "GFP_ATOMIC", "GFP_USER",
					     "GFP_HIGHUSER", "GFP_HIGHUSER_MOVABLE", "GFP_DMA", "GFP_DMA32",
					     "__GFP_ZERO", "__GFP_NOWARN", "__GFP_HIGHMEM", "__GFP_COMP", NULL };
	if (!state) {
		bool first = true;
		for (int p = 0; p < rl_point - (int)strlen(text); p++)
			if (rl_line_buffer[p] != ' ' && rl_line_buffer[p] != '\t')
				first = false;
		const char *eq = strstr(rl_line_buffer, " = ");
		if (eq && eq - rl_line_buffer + 3 >= rl_point - (int)strlen(text))
			first = true; /* "p = <tab>" */
		lists[0] = first ? kmm_scenario_commands() : kmm_scenario_handles(shell_sc);
		lists[1] = first ? NULL : kmm_proc_paths();
		lists[2] = first ? NULL : extra;
		list = 0;
		i = 0;
	}
	for (; list < 3; list++, i = 0)
		for (; lists[list] && lists[list][i]; i++)
			if (!strncmp(lists[list][i], text, strlen(text)))
				return strdup(lists[list][i++]);
	return NULL;
}

static char **complete(const char *text, int start, int end)
{
	(void)start;
	(void)end;
	rl_attempted_completion_over = 1;
	return rl_completion_matches(text, complete_word);
}

/*
 * A line typed or read.  Read lines are bounded (KMM_INPUT_MAX: `kmm shell
 * < /dev/zero` must not grow one line until the host runs out); one that is
 * longer, or holds a NUL byte, is said with where and read as empty: *bad is set.
 */
static char *next_line(bool tty, const char *prompt, int lineno, bool *bad)
{
	if (tty)
		return readline(prompt);
	size_t cap = 256, n = 0;
	char *line = malloc(cap);
	int c = EOF;
	bool nul = false, toolong = false;
	while (line && (c = getchar()) != EOF && c != '\n') {
		if (n >= KMM_INPUT_MAX) {
			toolong = true;
			continue; /* skip the rest of it, keep nothing */
		}
		if (!c && !nul) {
			nul = true;
			fprintf(stderr, "shell:%d:%zu: a NUL byte: a script is text (the line is not run)\n", lineno, n + 1);
		}
		if (n + 1 >= cap) {
			char *nl = realloc(line, cap *= 2);
			if (!nl)
				free(line);
			line = nl;
			if (!line)
				break;
		}
		line[n++] = (char)c;
	}
	if (!line)
		return NULL;
	if (c == EOF && !n) {
		free(line);
		return NULL;
	}
	line[n] = 0;
	if (toolong)
		fprintf(stderr, "shell:%d: a line longer than %lu KiB (the line is not run)\n", lineno, KMM_INPUT_MAX >> 10);
	if (nul || toolong) {
		*line = 0;
		*bad = true;
	}
	return line;
}

int cmd_shell(int argc, char **argv)
{
	struct run_args a = { 0 };
	int ret = parse_args(argc, argv, &a, shell_help, false);
	if (ret)
		return ret < 0 ? 0 : ret;
	bool tty = isatty(0);
	char history[4096] = "";
	a.o.name = "shell";
	a.o.results = true;
	if (run_mount_start(&a, "shell"))
		return 1;
	shell_sc = kmm_scenario_new(&a.o);
	if (!shell_sc) {
		run_mount_stop();
		return 2;
	}
	signal(SIGABRT, on_kernel_bug);
	if (tty) {
		const char *home = getenv("HOME");
		if (home)
			snprintf(history, sizeof(history), "%s/.kmm_history", home);
		using_history();
		if (*history)
			read_history(history);
		rl_attempted_completion_function = complete;
		printf("kmm shell: the scenario language at a prompt.  `help` lists the commands, Tab completes,\n"
		       "`quit` (or Ctrl-D) frees what is held and ends.\n");
	}
	int lineno = 0;
	bool bad = false;
	for (;;) {
		char *line = next_line(tty, "kmm> ", lineno + 1, &bad);
		if (!line)
			break;
		lineno++;
		int first = lineno;
		if (!strcmp(line, "quit") || !strcmp(line, "q")) {
			free(line);
			break;
		}
		/* a repeat block reads on until its } */
		while (kmm_scenario_incomplete(line)) {
			char *more = next_line(tty, "...> ", lineno + 1, &bad);
			if (!more)
				break;
			lineno++;
			char *joined = NULL;
			if (strlen(line) + strlen(more) >= SHELL_BLOCK_MAX) {
				/* a block is rescanned at each line: bounded, or a stream of lines would be quadratic */
				fprintf(stderr, "shell:%d: a block longer than %lu KiB (it is not run; kmm run takes longer ones)\n",
					first, SHELL_BLOCK_MAX >> 10);
				*line = 0;
				bad = true;
			} else if (asprintf(&joined, "%s\n%s", line, more) < 0) {
				joined = NULL;
			}
			free(more);
			if (!joined)
				break;
			free(line);
			line = joined;
		}
		if (tty && *line)
			add_history(line);
		kmm_scenario_feed(shell_sc, line, first);
		fflush(stdout);
		free(line);
	}
	if (tty && *history)
		write_history(history);
	ret = kmm_scenario_finish(shell_sc);
	run_mount_stop();
	for (int i = 0; i < a.o.nafter_boot; i++)
		free(a.after_boot[i]);
	return bad && ret < 2 ? 2 : ret;
}
