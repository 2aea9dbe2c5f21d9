/*
 * kmm - the command-line face of the simulator.
 *
 *   kmm boot [options]        boot a machine, print its boot log and zones
 *   kmm run [options] FILE    run a scenario script (tools/run.c)
 *   kmm shell [options]       the scenario language at a prompt (tools/run.c)
 *   kmm replay [options] TRACE  replay a kernel's kmem: trace (tools/replay.c)
 *   kmm map [options] --svg FILE  draw physical memory after booting
 *   kmm stress [options]      seeded random operations on every CPU (tools/stress.c)
 *   kmm record [-o FILE] -- COMMAND  trace this host's kmem events while COMMAND runs (tools/record.c)
 *   kmm mount [options] DIR   serve a machine's /proc views live at DIR over FUSE (tools/mount.c)
 *   kmm --version
 *
 * Options of `boot` (kept stable; later commands take the same ones):
 *   --profile i386|i386-pae|x86_64|arm64|arm|arm-lpae   the kernel build (default i386)
 *   --mem SIZE                        RAM, e.g. 4G (default 4G); a PC e820 map is made
 *   --e820 FILE                       Linux's "BIOS-e820: [mem ...] type" lines instead
 *   --dmesg FILE                      the machine a real x86 dmesg describes (map, command
 *                                     line, CPUs, NUMA nodes, initrd, kernel build)
 *   --dtb FILE, --dts FILE            an ARM board's device tree (blob, or source for dtc)
 *   --cpus N                          simulated CPUs (default 1)
 *   --cmdline "..."                   kernel parameters: mem= memmap= highmem= vmalloc= ...
 *   --numa "0:0-2G,1:2G-4G"           NUMA memory ranges (x86_64)
 *   --distance "10 20,20 10"          NUMA distance table, one row per node
 *   --initrd SIZE                     an initial ramdisk of SIZE from the boot loader
 *   --kernel-size SIZE                a smaller kernel image, linked at 1 MiB (small machines)
 *   --seed N                          the seed for everything random
 *   --kconfig CMA=y,CMA_SIZE_MBYTES=16  kernel build options (default: Debian's)
 *   --proc-dir DIR                    write every /proc view into DIR
 *   --show VIEW                       print a view (zoneinfo, meminfo, ...) after booting
 *   -q, --quiet                       no boot log
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <kmm/kmm.h>
#include <kmm/scenario.h>

#include "kmm.h"

static void usage(FILE *f)
{
	fputs("usage: kmm run [boot options] [--fail S]... [--proc-dir DIR] [--mount DIR] [--plot FILE.svg] [--max-steps N]\n"
	      "               [-v] FILE                                  (kmm run --help)\n"
	      "       kmm shell [boot options] [--fail S]... [--proc-dir DIR] [--mount DIR] [--plot FILE.svg] [--max-steps N]\n"
	      "                 [-v]                                     (kmm shell --help)\n"
	      "       kmm replay [boot options] [--strict] [--allow-mismatch] [--proc-dir DIR] [--svg FILE] TRACE\n"
	      "                                                          (kmm replay --help)\n"
	      "       kmm map [boot options] [--proc-dir DIR] --svg FILE   (kmm map --help)\n"
	      "       kmm stress [--seed N] [--cpus N] [--ops N] [boot options]   (kmm stress --help)\n"
	      "       kmm record [-o FILE] [--text] [--all] [--kallsyms] -- COMMAND [ARG]...  (kmm record --help)\n"
	      "       kmm mount [boot options] [-q] DIR                  (kmm mount --help)\n"
	      "       kmm --version\n"
	      "       kmm --list commands|profiles|views\n"
	      "       kmm boot [--profile i386|i386-pae|x86_64|arm64|arm|arm-lpae] [--mem SIZE | --e820 FILE | --dmesg FILE | --dtb FILE | --dts FILE]\n"
	      "                [--cpus N] [--cmdline \"mem=... vmalloc=... highmem=...\"]\n"
	      "                [--numa \"NID:START-END,...\"] [--distance \"10 20,20 10\"]\n"
	      "                [--initrd SIZE] [--kernel-size SIZE] [--seed N] [--kconfig OPTS]\n"
	      "                [--proc-dir DIR] [--show VIEW]... [-q]    (kmm boot --help)\n",
	      f);
}

static const char boot_help[] =
	"NAME\n"
	"    kmm boot - boot a simulated machine and print its boot log\n"
	"\n"
	"SYNOPSIS\n"
	"    kmm boot [--profile i386|i386-pae|x86_64|arm64|arm|arm-lpae] [--mem SIZE | --e820 FILE | --dmesg FILE |\n"
	"             --dtb FILE | --dts FILE] [--cpus N]\n"
	"             [--cmdline \"...\"] [--numa RANGES] [--distance TABLE] [--initrd SIZE]\n"
	"             [--kernel-size SIZE] [--seed N] [--kconfig OPTS] [--proc-dir DIR] [--show VIEW]... [-q]\n"
	"\n"
	"DESCRIPTION\n"
	"    Boots the machine as Linux 6.1 would (e820 or device tree, memblock, zones, watermarks,\n"
	"    the buddy and slab allocators) and prints the kernel log and a summary of\n"
	"    the zones, or the views asked for.  kmm run, kmm shell and kmm replay take\n"
	"    the same machine options.\n"
	"\n"
	"    The machine ends its boot holding what a real 6.1 kernel of the profile\n"
	"    holds when init runs: its slab caches and objects, kernel stacks, vmalloc\n"
	"    areas and pages (README: \"The booted machine\").  --cmdline boot_population=off\n"
	"    boots a bare machine (kmm run, shell, replay and stress boot bare unless\n"
	"    the command line says boot_population=on).\n"
	"\n"
	"OPTIONS\n"
	"    --profile P       the kernel build: i386 (default; 3G/1G split, HighMem),\n"
	"                      i386-pae, x86_64, arm64 (Debian's arm64 kernel on QEMU's virt\n"
	"                      board: RAM at 1 GiB, booted from a device tree kmm makes),\n"
	"                      arm, arm-lpae (Debian's 32-bit armmp and armmp-lpae kernels\n"
	"                      on that board: HighMem above 768 MiB of lowmem)\n"
	"    --mem SIZE        RAM, e.g. 512M, 4G (default 4G); a PC e820 map is made for it\n"
	"    --e820 FILE       Linux's \"BIOS-e820: [mem ...] type\" lines instead (a dmesg)\n"
	"    --dmesg FILE      boot the machine a real x86 kernel log describes: its e820 map,\n"
	"                      command line (--cmdline adds to it), CPUs, NUMA nodes, initrd\n"
	"                      and kernel build (i386, i386-pae or x86_64)\n"
	"    --dtb FILE        boot the ARM board a flattened device tree describes (arm64, or\n"
	"                      arm for 32-bit cores; --profile arm-lpae for armmp-lpae):\n"
	"                      /memory, /reserved-memory, /chosen bootargs (--cmdline adds to\n"
	"                      them) and initrd, CPUs, numa-node-id, dma-ranges; loaded as\n"
	"                      QEMU's -dtb loads one\n"
	"    --dts FILE        the same from device tree source, compiled with dtc\n"
	"    --cpus N          simulated CPUs (default 1)\n"
	"    --cmdline \"...\"   kernel parameters: mem= memmap= highmem= vmalloc= kernelcore=\n"
	"                      movablecore= numa= min_free_kbytes= slub_debug= ...;\n"
	"                      trace_event=kmem (or kmem:kmalloc,kmem:kfree ...) records the\n"
	"                      kmem: tracepoints into sys/kernel/tracing/trace from boot on,\n"
	"                      trace_buf_size=SIZE its ring buffer per CPU\n"
	"                      swiotlb=N[,force|noforce] the DMA bounce buffer's 2 KiB slots\n"
	"                      (made when RAM passes 4 GiB, or forced); intel_iommu=on puts\n"
	"                      every device behind an IOMMU\n"
	"    --numa RANGES     NUMA memory ranges, \"0:0-4G,1:4G-8G\" (x86_64)\n"
	"    --distance TABLE  the node distance table, \"10 21,21 10\"\n"
	"    --initrd SIZE     an initial ramdisk of that size from the boot loader\n"
	"    --kernel-size SIZE  a smaller kernel image, linked at 1 MiB\n"
	"    --seed N          the seed for everything random\n"
	"    --kconfig OPTS    the kernel build's options, NAME=VALUE[,...], as a .config:\n"
	"                      CMA=y|n (Contiguous Memory Allocator; Debian's x86 kernels: n,\n"
	"                      and then cma= is an unknown parameter), CMA_SIZE_MBYTES=N (the\n"
	"                      default area when there is no cma=; x86's default 0: none).\n"
	"                      With CMA=y, --cmdline cma=SIZE[@BASE[-LIMIT]] reserves the area.\n"
	"                      PAGE_TABLE_ISOLATION=y|n (x86_64, i386-pae; Debian's: y): on x86_64\n"
	"                      every process's page directory is then an order-1 block (8 KiB)\n"
	"    --proc-dir DIR    write every /proc view into DIR as a file\n"
	"    --show VIEW       print a view: zoneinfo meminfo buddyinfo pagetypeinfo slabinfo\n"
	"                      vmallocinfo vmstat iomem dmesg kmm/layout sys/vm/...\n"
	"                      sys/kernel/tracing/trace ... (repeatable)\n"
	"    -q, --quiet       no boot log\n"
	"    -h, --help        this text\n"
	"\n"
	"EXIT STATUS\n"
	"    0 booted; 1 the machine did not boot (the message says why); 2 a usage error.\n";

/*
 * An input file, whole, within a bound: a directory, a device that never
 * ends (/dev/zero) or a file larger than max are refused with a message
 * rather than read for gigabytes.  "-" is standard input.
 */
char *read_input(const char *path, size_t max, size_t *lenp, char *err, size_t errlen)
{
	bool is_stdin = !strcmp(path, "-");
	FILE *f = is_stdin ? stdin : fopen(path, "r");
	struct stat st;
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (!fstat(fileno(f), &st) && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: is a directory, not a file", path);
		if (!is_stdin)
			fclose(f);
		return NULL;
	}
	size_t cap = 4096, len = 0, n;
	char *buf = malloc(cap);
	while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len > max)
			break;
		if (cap - len < 2) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	int rerr = ferror(f) ? errno : 0;
	if (!is_stdin)
		fclose(f);
	if (!buf) {
		snprintf(err, errlen, "%s: out of host memory", path);
		return NULL;
	}
	if (rerr) {
		snprintf(err, errlen, "%s: %s", path, strerror(rerr));
		free(buf);
		return NULL;
	}
	if (len > max) {
		snprintf(err, errlen, "%s: larger than %zu KiB, the most kmm reads of such a file", path, max >> 10);
		free(buf);
		return NULL;
	}
	buf[len] = 0;
	if (lenp)
		*lenp = len;
	return buf;
}

int boot_option(const char *name, const char *arg, struct kmm_boot_params *p, char **e820)
{
	char err[256];
	if (!strcmp(name, "e820") || !strcmp(name, "dmesg")) {
		/* one file: the last of --e820 and --dmesg counts */
		size_t len;
		free(*e820);
		*e820 = read_input(arg, KMM_INPUT_MAX, &len, err, sizeof(err));
		if (!*e820) {
			fprintf(stderr, "kmm: --%s %s\n", name, err);
			return 2;
		}
		int line, col;
		if (kmm_text_find_nul(*e820, len, &line, &col)) {
			fprintf(stderr, "kmm: --%s %s:%d:%d: a NUL byte: %s\n", name, arg, line, col,
				name[0] == 'e' ? "an e820 map is text" : "a kernel log is text");
			free(*e820);
			*e820 = NULL;
			return 2;
		}
		p->e820_text = name[0] == 'e' ? *e820 : NULL;
		p->dmesg_text = name[0] == 'd' ? *e820 : NULL;
		p->dtb = NULL;
		return 0;
	}
	if (!strcmp(name, "dtb") || !strcmp(name, "dts")) {
		/* a device tree blob, or its source compiled by dtc; the file is checked whole at boot */
		size_t len = 0;
		void *blob = NULL;
		free(*e820);
		*e820 = NULL;
		if (name[2] == 'b')
			blob = read_input(arg, 4UL << 20, &len, err, sizeof(err));
		else if (kmm_dtc(arg, &blob, &len, err, sizeof(err)))
			blob = NULL;
		if (!blob) {
			fprintf(stderr, "kmm: --%s %s\n", name, err);
			return 2;
		}
		*e820 = blob;
		p->dtb = blob;
		p->dtb_size = len;
		p->e820_text = p->dmesg_text = NULL;
		return 0;
	}
	if (kmm_boot_param_set(p, name, arg, err, sizeof(err))) {
		fprintf(stderr, "kmm: %s\n", err);
		return 2;
	}
	return 0;
}

int boot_machine(const struct kmm_boot_params *p, char *e820)
{
	char err[512];
	int ret = kmm_boot(p, err, sizeof(err));
	free(e820);
	if (ret) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	return 0;
}

int write_proc_dir(const char *dir, const int *pids, int npids)
{
	char err[512];
	if (kmm_proc_dump(dir, pids, npids, err, sizeof(err))) {
		fprintf(stderr, "kmm: %s\n", err);
		return -1;
	}
	return 0;
}

static void print_zone_summary(void)
{
	char *zi = kmm_proc_read("zoneinfo");
	if (!zi)
		return;
	printf("\nZone summary (pages of 4 KiB):\n");
	printf("  %-4s %-8s %10s %10s %10s %10s %8s %8s %8s\n", "node", "zone", "start_pfn", "spanned",
	       "present", "managed", "min", "low", "high");
	char *save = NULL;
	int node = 0;
	char zone[16] = "";
	unsigned long v[8] = { 0 };
	for (char *line = strtok_r(zi, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "Node %d, zone %15s", &node, zone) == 2) {
			memset(v, 0, sizeof(v));
			continue;
		}
		sscanf(line, " pages free %lu", &v[0]);
		sscanf(line, " min %lu", &v[1]);
		sscanf(line, " low %lu", &v[2]);
		sscanf(line, " high %lu", &v[3]);
		sscanf(line, " spanned %lu", &v[4]);
		sscanf(line, " present %lu", &v[5]);
		if (sscanf(line, " managed %lu", &v[6]) == 1 && !v[4])
			printf("  %-4d %-8s %10s %10s %10s %10s %8s %8s %8s\n", node, zone, "-", "0", "0", "0", "-", "-", "-");
		if (sscanf(line, " start_pfn: %lu", &v[7]) == 1)
			printf("  %-4d %-8s %10lu %10lu %10lu %10lu %8lu %8lu %8lu\n", node, zone, v[7], v[4], v[5], v[6],
			       v[1], v[2], v[3]);
	}
	free(zi);
	char *mfk = kmm_proc_read("sys/vm/min_free_kbytes");
	if (mfk)
		printf("  min_free_kbytes: %s", mfk);
	free(mfk);
}

static int cmd_boot(int argc, char **argv)
{
	static const struct option opts[] = {
		BOOT_OPTIONS,
		{ "proc-dir", required_argument, 0, 'o' }, { "show", required_argument, 0, 's' },
		{ "quiet", no_argument, 0, 'q' },         { "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.boot_population = true; /* `kmm boot` shows a booted kernel; boot_population=off for a bare one */
	const char *proc_dir = NULL, *shows[32];
	int nshow = 0, quiet = 0, c, idx = 0;
	char *e820 = NULL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", opts, &idx)) != -1) {
		switch (c) {
		case 'B':
			if (boot_option(opts[idx].name, optarg, &p, &e820))
				return 2;
			break;
		case 'o': proc_dir = optarg; break;
		case 's':
			if (nshow < 32)
				shows[nshow++] = optarg;
			break;
		case 'q': quiet = 1; break;
		case 'h': fputs(boot_help, stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "kmm boot: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (boot_machine(&p, e820))
		return 1;
	if (!quiet) {
		fputs(kmm_dmesg(), stdout);
		if (!nshow)
			print_zone_summary();
	}
	for (int i = 0; i < nshow; i++) {
		char *text = kmm_proc_read(shows[i]);
		if (!text) {
			fprintf(stderr, "kmm: --show %s: no such view\n", shows[i]);
			kmm_shutdown();
			return 2;
		}
		fputs(text, stdout);
		free(text);
	}
	if (proc_dir && write_proc_dir(proc_dir, NULL, 0)) {
		kmm_shutdown();
		return 1;
	}
	kmm_shutdown();
	return 0;
}

static const char map_help[] =
	"NAME\n"
	"    kmm map - draw a booted machine's physical memory, frame by frame\n"
	"\n"
	"SYNOPSIS\n"
	"    kmm map [boot options] [--proc-dir DIR] --svg FILE\n"
	"\n"
	"DESCRIPTION\n"
	"    Boots the machine (kmm boot's options) and writes an SVG picture of its\n"
	"    physical memory: each populated zone a band, 4 MiB of frames per row, one\n"
	"    pixel per 4 KiB frame, coloured by what the frame does - free in the buddy\n"
	"    allocator (shaded by the block's order), on a per-CPU list, reserved at\n"
	"    boot, slab, page table, user anonymous, page cache, shmem, vmalloc, kmap'd\n"
	"    or other kernel memory.  To draw memory in the middle of a workload, use the\n"
	"    scenario command `map FILE.svg` in `kmm run`.\n"
	"\n"
	"OPTIONS\n"
	"    --svg FILE   where to write the picture (required)\n"
	"    --proc-dir DIR  also write every /proc view into DIR\n"
	"    boot options as kmm boot --help lists them\n"
	"\n"
	"EXIT STATUS\n"
	"    0 drawn; 1 the machine did not boot or the file could not be written;\n"
	"    2 usage error\n";

static int cmd_map(int argc, char **argv)
{
	static const struct option opts[] = {
		BOOT_OPTIONS,
		{ "svg", required_argument, 0, 's' }, { "help", no_argument, 0, 'h' },
		{ "proc-dir", required_argument, 0, 'o' },
		{ 0, 0, 0, 0 },
	};
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.boot_population = true; /* the map of a booted machine, as `kmm boot` shows it */
	const char *svg = NULL, *proc_dir = NULL;
	char *e820 = NULL;
	int c, idx = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
		switch (c) {
		case 'B':
			if (boot_option(opts[idx].name, optarg, &p, &e820))
				return 2;
			break;
		case 's': svg = optarg; break;
		case 'o': proc_dir = optarg; break;
		case 'h': free(e820); fputs(map_help, stdout); return 0;
		default: free(e820); usage(stderr); return 2;
		}
	}
	if (!svg || optind < argc) {
		fprintf(stderr, optind < argc ? "kmm map: unexpected argument \"%s\"\n" : "kmm map: --svg FILE is required\n",
			optind < argc ? argv[optind] : "");
		free(e820);
		return 2;
	}
	if (boot_machine(&p, e820))
		return 1;
	FILE *f = fopen(svg, "w");
	int ret = f ? kmm_map_svg(f) : -errno;
	if (f && fclose(f) && !ret)
		ret = -errno;
	if (ret)
		fprintf(stderr, "kmm map: %s: %s\n", svg, strerror(-ret));
	else if (proc_dir && write_proc_dir(proc_dir, NULL, 0))
		ret = -EIO;
	kmm_shutdown();
	return ret ? 1 : 0;
}

/*
 * `kmm --list commands|profiles|views`: one name a line, for the bash completion
 * (completion/kmm), from the tables kmm itself uses, so the two cannot drift.
 */
static int list_names(const char *what)
{
	static const char *const commands[] = { "boot", "run", "shell", "replay", "map", "stress", "record", "mount", NULL };
	if (!strcmp(what, "commands")) {
		for (const char *const *c = commands; *c; c++)
			puts(*c);
		return 0;
	}
	if (!strcmp(what, "views")) {
		for (const char *const *v = kmm_proc_paths(); *v; v++)
			puts(*v);
		return 0;
	}
	if (!strcmp(what, "profiles")) {
		/* kmm_boot()'s refusal of an unknown profile lists the known ones: "... (i386, x86_64)" */
		struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
		char err[512] = "", *open, *close;
		p.profile = "?";
		if (!kmm_boot(&p, err, sizeof(err))) {
			kmm_shutdown();
			return 1;
		}
		open = strrchr(err, '(');
		close = open ? strchr(open, ')') : NULL;
		if (!open || !close)
			return 1;
		*close = 0;
		for (char *save = NULL, *t = strtok_r(open + 1, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
			puts(t);
		return 0;
	}
	fprintf(stderr, "kmm --list: commands, profiles or views\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "boot"))
		return cmd_boot(argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "shell"))
		return cmd_shell(argc - 1, argv + 1);
	if (!strcmp(argv[1], "replay"))
		return cmd_replay(argc - 1, argv + 1);
	if (!strcmp(argv[1], "map"))
		return cmd_map(argc - 1, argv + 1);
	if (!strcmp(argv[1], "stress"))
		return cmd_stress(argc - 1, argv + 1);
	if (!strcmp(argv[1], "record"))
		return cmd_record(argc - 1, argv + 1);
	if (!strcmp(argv[1], "mount"))
		return cmd_mount(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--list") && argc == 3)
		return list_names(argv[2]);
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("kmm %s (the Linux 6.1 memory manager in user space)\n", KMM_VERSION);
		return 0;
	}
	fprintf(stderr, "kmm: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return 2;
}
