/*
 * tools/kmm.h - what the kmm subcommands share: the boot options every one
 * of them takes (getopt_long entries whose val is 'B'; the option's name
 * says which), reading an input file, and --proc-dir.
 */
#ifndef KMM_TOOL_H
#define KMM_TOOL_H

#include <getopt.h>

#include <kmm/kmm.h>

#define BOOT_OPTIONS                                                                                          \
	{ "profile", required_argument, 0, 'B' }, { "mem", required_argument, 0, 'B' },                       \
	{ "e820", required_argument, 0, 'B' }, { "cpus", required_argument, 0, 'B' },                         \
	{ "dmesg", required_argument, 0, 'B' }, { "dtb", required_argument, 0, 'B' },                        \
	{ "dts", required_argument, 0, 'B' },                                                                  \
	{ "cmdline", required_argument, 0, 'B' }, { "numa", required_argument, 0, 'B' },                      \
	{ "distance", required_argument, 0, 'B' }, { "initrd", required_argument, 0, 'B' },                   \
	{ "kernel-size", required_argument, 0, 'B' }, { "seed", required_argument, 0, 'B' },                  \
	{ "kconfig", required_argument, 0, 'B' }

/* Apply boot option --name arg to p (--e820, --dmesg, --dtb and --dts read the file into *e820, which the
   caller frees; the last of them counts). 0 or exit code 2. */
int boot_option(const char *name, const char *arg, struct kmm_boot_params *p, char **e820);
/* kmm_boot() the options gave, then free their --e820 text; 0, or 1 with the reason on stderr. */
int boot_machine(const struct kmm_boot_params *p, char *e820);
/* The most kmm reads of a script or an e820 map: they are text of a few KiB. */
#define KMM_INPUT_MAX (16UL << 20)
/* A whole file ("-": stdin) of at most max bytes, malloc()ed, NUL-terminated, its length in *len;
   NULL with the reason (naming the file) in err. */
char *read_input(const char *path, size_t max, size_t *len, char *err, size_t errlen);
/* --proc-dir: every view, and those of the given tasks, as files; 0 or -1 (said on stderr). */
int write_proc_dir(const char *dir, const int *pids, int npids);

/* tools/run.c */
int cmd_run(int argc, char **argv);
int cmd_shell(int argc, char **argv);
/* tools/replay.c */
int cmd_replay(int argc, char **argv);
/* tools/stress.c */
int cmd_stress(int argc, char **argv);
/* tools/record.c */
int cmd_record(int argc, char **argv);
/* tools/mount.c */
int cmd_mount(int argc, char **argv);

#endif
