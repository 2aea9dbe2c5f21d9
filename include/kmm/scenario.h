/*
 * kmm/scenario.h - scenario scripts: kmm's operations as a small line-based
 * language, so a walk through the memory manager is a file that can be run,
 * typed at a prompt, compared with its expected output, and fuzzed.
 *
 *	boot --mem 1G                       # optional; else the defaults (or the caller's)
 *	p = alloc_pages GFP_KERNEL order=3
 *	show buddyinfo
 *	expect p != NULL
 *	free_pages p
 *
 * `kmm run --help` (tools/run.c) describes the language; the commands are
 * listed by kmm_scenario_commands().  A whole script is checked before any
 * of it runs; at the end everything still held by handles is freed and the
 * "nothing lost" accounting must hold.
 *
 *	struct kmm_scenario_opts o = { .name = "demo.kmm" };
 *	int status = kmm_scenario_run(text, &o);   (0, 1 or 2, as kmm run exits)
 */
#ifndef KMM_SCENARIO_H
#define KMM_SCENARIO_H

#include <stdbool.h>
#include <stdio.h>

/* What a run ends with: kmm run's exit status; the worst of a run counts. */
enum {
	KMM_SCENARIO_OK = 0,
	KMM_SCENARIO_FAILED = 1, /* the script's own checks: an expect failed, or a command was skipped
				    because the allocation that set its handle had failed (the handle is NULL) */
	KMM_SCENARIO_USAGE = 2,  /* the script is malformed or misuses a handle; the message says where */
	KMM_SCENARIO_BROKEN = 3, /* the kernel's: it reported a BUG, a validator (verify) failed, or
				    something was lost - never the script's fault, whatever failed before */
};

/* kmm run's and kmm shell's default bound on statements run (--max-steps changes it): seconds of work */
#define KMM_SCENARIO_MAX_STEPS 10000000L

struct kmm_scenario_opts {
	const char *name;              /* the script's name in messages ("demo.kmm"); NULL: "<input>" */
	const char *const *boot_opts;  /* boot options as name, value pairs ("mem", "1G", ...), applied after the script's own */
	int nboot_opts;                /* pairs in boot_opts */
	const char *const *after_boot; /* statements run right after the machine boots ("fail failslab probability=10") */
	int nafter_boot;               /* entries of after_boot */
	const char *proc_dir;          /* at the end, before freeing, write every /proc view here */
	const char *plot_file;         /* at the end, before freeing, draw memory pressure since boot here (SVG) */
	bool trace;                    /* echo each command, and describe the handle it set */
	bool results;                  /* describe each handle a command sets (kmm shell) */
	long max_steps;                /* stop (a usage error) after running this many statements; 0: no limit
					  (kmm run's default is KMM_SCENARIO_MAX_STEPS; a fuzzer's bound on repeat loops) */
	FILE *out;                     /* views, say, kernel messages (NULL: stdout) */
	FILE *err;                     /* errors and failed expects (NULL: stderr) */
	void (*machine_live)(void *arg, bool live); /* told true once the machine has booted, false when the
						       script has ended, before anything is freed (kmm run --mount
						       serves the views meanwhile); NULL: nobody is told */
	void *machine_live_arg;        /* machine_live's arg */
};

/* Check, then run a whole script; free what it holds, check nothing was lost, shut the machine down. */
int kmm_scenario_run(const char *text, const struct kmm_scenario_opts *o);

/*
 * The same on len bytes that need not be NUL-terminated (a file's contents):
 * a NUL byte in them is a usage error with its line and column (a script is
 * text; C strings would silently end there), and nothing runs.
 */
int kmm_scenario_run_buf(const char *buf, size_t len, const struct kmm_scenario_opts *o);
/* Where the first NUL of buf[0..len) is, as 1-based line and column; false if none. */
bool kmm_text_find_nul(const char *buf, size_t len, int *line, int *col);

/* The same, a piece at a time (kmm shell): each feed is checked and run on the same machine. */
struct kmm_scenario;
struct kmm_scenario *kmm_scenario_new(const struct kmm_scenario_opts *o);
/* Run text (one or more lines; first_line numbers them in messages); 0, 1 or 2 for this piece. */
int kmm_scenario_feed(struct kmm_scenario *s, const char *text, int first_line);
/* Does text end inside a `{ ... }` block, so a prompt should read more lines first? */
bool kmm_scenario_incomplete(const char *text);
/* Free what is held, check nothing was lost, shut down; the worst status of the whole session. */
int kmm_scenario_finish(struct kmm_scenario *s);

/* The language's command words, NULL-terminated (completion), and one line of help for a command. */
const char *const *kmm_scenario_commands(void);
const char *kmm_scenario_help(const char *command);
/* Names of the handles set now, NULL-terminated; valid until the next feed. */
const char *const *kmm_scenario_handles(struct kmm_scenario *s);

#endif /* KMM_SCENARIO_H */
