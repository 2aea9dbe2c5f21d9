/*
 * kmm - the command-line face of the simulator.
 *
 *   kmm boot [options]        boot a machine, print its boot log and zones
 *
 * Options of `boot` (kept stable; later commands take the same ones):
 *   --profile i386|i386-pae|x86_64   the kernel build (default i386)
 *   --mem SIZE                        RAM, e.g. 4G (default 4G); a PC e820 map is made
 *   --e820 FILE                       Linux's "BIOS-e820: [mem ...] type" lines instead
 *   --cpus N                          simulated CPUs (default 1)
 *   --cmdline "..."                   kernel parameters: mem= memmap= highmem= vmalloc= ...
 *   --numa "0:0-2G,1:2G-4G"           NUMA memory ranges (x86_64)
 *   --distance "10 20,20 10"          NUMA distance table, one row per node
 *   --initrd SIZE                     an initial ramdisk of SIZE from the boot loader
 *   --kernel-size SIZE                a smaller kernel image, linked at 1 MiB (small machines)
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

static void usage(FILE *f)
{
	fputs("usage: kmm boot [--profile i386|i386-pae|x86_64] [--mem SIZE | --e820 FILE]\n"
	      "                [--cpus N] [--cmdline \"mem=... vmalloc=... highmem=...\"]\n"
	      "                [--numa \"NID:START-END,...\"] [--distance \"10 20,20 10\"]\n"
	      "                [--initrd SIZE] [--kernel-size SIZE] [--proc-dir DIR] [--show VIEW]... [-q]\n"
	      "views: zoneinfo meminfo buddyinfo iomem dmesg sys/vm/min_free_kbytes ...\n",
	      f);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	size_t n;
	while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
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
	fclose(f);
	if (buf)
		buf[len] = 0;
	return buf;
}

static int parse_size_arg(const char *opt, const char *s, unsigned long long *out)
{
	char *e;
	if (!s || !*s || *s < '0' || *s > '9')
		goto bad;
	*out = memparse(s, &e);
	if (*e == 'B' || *e == 'b')
		e++;
	if (*e)
		goto bad;
	return 0;
bad:
	fprintf(stderr, "kmm: %s: \"%s\" is not a size (e.g. 512M, 4G)\n", opt, s ? s : "");
	return -1;
}

static int parse_numa(const char *s, struct kmm_boot_params *p)
{
	char *copy = strdup(s), *save = NULL;
	int ret = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *e;
		long nid = strtol(tok, &e, 10);
		if (*e != ':' || nid < 0 || p->nr_numa_ranges >= KMM_MAX_NUMA_RANGES) {
			ret = -1;
			break;
		}
		char *dash = strchr(e + 1, '-');
		if (!dash) {
			ret = -1;
			break;
		}
		*dash = 0;
		unsigned long long a, b;
		if (parse_size_arg("--numa", e + 1, &a) || parse_size_arg("--numa", dash + 1, &b)) {
			ret = -1;
			break;
		}
		p->numa_ranges[p->nr_numa_ranges++] = (struct kmm_numa_range){ (int)nid, a, b };
	}
	free(copy);
	if (ret)
		fprintf(stderr, "kmm: --numa \"%s\": expected NID:START-END[,NID:START-END...], e.g. 0:0-2G,1:2G-4G\n", s);
	return ret;
}

static int parse_distance(const char *s, struct kmm_boot_params *p)
{
	char *copy = strdup(s), *save = NULL;
	int row = 0, ret = 0, width = -1;
	for (char *r = strtok_r(copy, ",;", &save); r && !ret; r = strtok_r(NULL, ",;", &save), row++) {
		if (row >= 8) {
			ret = -1;
			break;
		}
		int col = 0;
		char *e;
		for (char *q = r; *q;) {
			while (*q == ' ')
				q++;
			if (!*q)
				break;
			long v = strtol(q, &e, 10);
			if (e == q || v < 10 || v > 254 || col >= 8) {
				ret = -1;
				break;
			}
			p->distance[row][col++] = (int)v;
			q = e;
		}
		if (width >= 0 && col != width)
			ret = -1;
		width = col;
	}
	if (!ret && width != row)
		ret = -1;
	for (int i = 0; !ret && i < row; i++)
		if (p->distance[i][i] != 10)
			ret = -1;
	p->nr_distance = row;
	free(copy);
	if (ret)
		fprintf(stderr, "kmm: --distance \"%s\": expected a square table of 10..254, 10 on the diagonal, rows separated by commas\n", s);
	return ret;
}

static int write_proc_dir(const char *dir)
{
	const char *const *paths = kmm_proc_paths();
	for (int i = 0; paths[i]; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, paths[i]);
		/* make the parent directories */
		for (char *s = path + strlen(dir) + 1; (s = strchr(s, '/')); s++) {
			*s = 0;
			mkdir(path, 0755);
			*s = '/';
		}
		mkdir(dir, 0755);
		char *text = kmm_proc_read(paths[i]);
		FILE *f = fopen(path, "w");
		if (!f || !text) {
			fprintf(stderr, "kmm: cannot write %s: %s\n", path, strerror(errno));
			free(text);
			if (f)
				fclose(f);
			return -1;
		}
		fputs(text, f);
		fclose(f);
		free(text);
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
		{ "profile", required_argument, 0, 'p' }, { "mem", required_argument, 0, 'm' },
		{ "e820", required_argument, 0, 'e' },    { "cpus", required_argument, 0, 'c' },
		{ "cmdline", required_argument, 0, 'k' }, { "numa", required_argument, 0, 'n' },
		{ "distance", required_argument, 0, 'd' }, { "initrd", required_argument, 0, 'i' },
		{ "proc-dir", required_argument, 0, 'o' }, { "show", required_argument, 0, 's' },
		{ "quiet", no_argument, 0, 'q' },         { "help", no_argument, 0, 'h' },
		{ "kernel-size", required_argument, 0, 'K' },
		{ 0, 0, 0, 0 },
	};
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	const char *proc_dir = NULL, *shows[32];
	int nshow = 0, quiet = 0, c;
	char *e820 = NULL;
	unsigned long long sz;
	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'p': p.profile = optarg; break;
		case 'm':
			if (parse_size_arg("--mem", optarg, &sz))
				return 2;
			p.mem_bytes = sz;
			break;
		case 'e':
			e820 = read_file(optarg);
			if (!e820) {
				fprintf(stderr, "kmm: --e820 %s: %s\n", optarg, strerror(errno));
				return 2;
			}
			p.e820_text = e820;
			break;
		case 'c': {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 1) {
				fprintf(stderr, "kmm: --cpus \"%s\": expected a number of CPUs >= 1\n", optarg);
				return 2;
			}
			p.nr_cpus = (int)n;
			break;
		}
		case 'k': p.cmdline = optarg; break;
		case 'n':
			if (parse_numa(optarg, &p))
				return 2;
			break;
		case 'd':
			if (parse_distance(optarg, &p))
				return 2;
			break;
		case 'i':
			if (parse_size_arg("--initrd", optarg, &sz))
				return 2;
			p.initrd_bytes = sz;
			break;
		case 'K':
			if (parse_size_arg("--kernel-size", optarg, &sz))
				return 2;
			p.kernel_bytes = sz;
			break;
		case 'o': proc_dir = optarg; break;
		case 's':
			if (nshow < 32)
				shows[nshow++] = optarg;
			break;
		case 'q': quiet = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "kmm boot: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	char err[512];
	int ret = kmm_boot(&p, err, sizeof(err));
	free(e820);
	if (ret) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
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
	if (proc_dir && write_proc_dir(proc_dir)) {
		kmm_shutdown();
		return 1;
	}
	kmm_shutdown();
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "boot"))
		return cmd_boot(argc - 1, argv + 1);
	fprintf(stderr, "kmm: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return 2;
}
