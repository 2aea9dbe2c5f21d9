/*
 * scenario_impl.h - what the scenario interpreter's files share (private):
 * the statement tree, handles, the interpreter's state, and the helpers
 * commands are written with.  scenario.c is the language (lexer, parser,
 * handles, arguments, the command table, running); machine.c the commands
 * about the machine as a whole (show, expect, verify, sysctl, fail, file,
 * sync, map, plot, sleep, step); dma_cmds.c devices and DMA (device,
 * dma_alloc, dma_map, the pools, dma_read/dma_write).
 */
#ifndef KMM_SCENARIO_IMPL_H
#define KMM_SCENARIO_IMPL_H

#include "internal.h"

#include <kmm/dma.h>
#include <kmm/scenario.h>

#define SC_MAX_DEPTH 32          /* nested repeat blocks */
#define SC_MAX_REPEAT 1000000L   /* iterations of one repeat */
#define SC_MAX_ARGS 24           /* words in a statement */
#define SC_NAME_MAX 64           /* a handle's name with its index */
#define SC_FILE_MAX (1UL << 30)  /* bytes of one `file` (made in host memory, then on the disk) */

/* ---- statements ------------------------------------------------------------------------------ */

struct tok {
	char *text;          /* the word, unquoted */
	int line, col;       /* where it starts (1-based) */
	bool quoted;         /* it was a "string" */
};

struct command;

struct stmt {
	struct tok *tok;             /* [NAME =] COMMAND ARG... */
	int ntok;
	int cmd_at;                  /* index of the command word: 0, or 2 after "NAME =" */
	const struct command *cmd;
	int pos[SC_MAX_ARGS], npos;  /* positional arguments (indices into tok) */
	int opt[SC_MAX_ARGS], nopt;  /* key=value options */
	struct stmt *body;           /* repeat: the block */
	int nbody;
};

struct program {
	struct stmt *stmts;
	int n;
	struct program *next;        /* a shell session keeps every piece: boot options point into them */
};

/* ---- handles --------------------------------------------------------------------------------- */

enum hkind { H_NONE, H_PAGES, H_CACHE, H_OBJ, H_VMALLOC, H_KMAP, H_TASK, H_MMAP, H_FILE,
	     H_DEVICE, H_DMA, H_DMAMAP, H_DMAPOOL, H_DMABLOCK, H_NKINDS };
extern const char *const hkind_names[];
enum kmap_how { KMAP_PERMANENT, KMAP_ATOMIC, KMAP_LOCAL };

struct handle {
	char name[SC_NAME_MAX];
	enum hkind kind;             /* H_NONE once released */
	int line;                    /* the statement that set it */
	const char *what;            /* the command that set it ("kzalloc", "fork", ...) */
	struct page *page;           /* pages (the head), kmap (the mapped page) */
	unsigned int order;          /* pages */
	struct kmem_cache *cache;    /* cache; object: its cache, NULL for the kmalloc family */
	void *ptr;                   /* object, vmalloc area, kmap address */
	unsigned long size;          /* object and vmalloc: bytes asked for; mmap: length */
	enum kmap_how how;           /* kmap */
	struct task_struct *task;    /* task; mmap, open file: the task whose region or file it is */
	unsigned long addr;          /* mmap: start */
	int fd;                      /* open file: the descriptor in its task */
	struct device *dev;          /* device; dma buffer, mapping, pool: its device */
	dma_addr_t dma;              /* dma buffer, mapping, pool block: the bus address */
	int dir;                     /* dma mapping: its direction */
	struct dma_pool *pool;       /* pool; pool block: its pool */
	int hnext;                   /* next live handle in its name's hash chain (an index of sc->h), -1: none */
};

struct loopvar {
	const char *name;
	long value;
};

struct kmm_scenario {
	struct kmm_scenario_opts o;
	const char *name;
	FILE *out, *err;
	int status;                  /* worst so far: 0, 1 (failed), 2 (usage) */
	bool checking;               /* parse arguments only */
	bool stop;                   /* a usage error: run no further */
	struct program *programs;
	struct handle *h;            /* in order of creation; released ones (H_NONE) until the next compaction */
	int nh, caph;
	int *bucket;                 /* name hash -> first live handle of that hash (an index of h), -1: none;
					every live handle is on exactly one chain, no released one is */
	unsigned nbucket;            /* a power of two, >= 2 * caph: chains stay short */
	long live[H_NKINDS];          /* live handles of each kind: lets a release skip looking for users */
	const char **handle_names;   /* kmm_scenario_handles() */
	struct loopvar vars[SC_MAX_DEPTH];
	int nvars;

	bool booted;
	bool boot_seen;              /* a boot statement was checked (only one, first) */
	struct kmm_boot_params params;
	char *e820;                  /* --e820 FILE's text */
	struct kmm_usage at_boot;    /* "nothing lost" compares against these */
	size_t log_pos;              /* the kernel log echoed so far */
	unsigned long bugs_seen;     /* bug reports an expect looked at */
	int failed_expects;
	int skipped;                 /* commands skipped for a NULL handle */
	long steps;                  /* statements run (o.max_steps bounds them) */
};

/* A command of the language (scenario.c's table) */
struct command {
	const char *name;
	int (*run)(struct kmm_scenario *sc, struct stmt *st);
	int result;          /* R_NONE, R_HANDLE (NAME = ... required) */
	const char *opts;    /* options it takes, "order,node"; "*": words are raw, no options */
	const char *usage;   /* its arguments */
	const char *help;    /* one line */
	enum hkind kind;     /* cmd_release: the kind of handle it ends */
};
enum { R_NONE, R_HANDLE };

/* ---- helpers (scenario.c) ---- */

int sc_bugs(void);
int __attribute__((format(printf, 4, 5))) error_at(struct kmm_scenario *sc, int line, int col, const char *fmt, ...);
#define err_tok(sc, t, ...) error_at(sc, (t)->line, (t)->col, __VA_ARGS__)
/* commands parse their arguments while checking, then stop before acting */
#define CHECKED(sc) do { if ((sc)->checking) return 0; } while (0)
struct tok *arg(struct stmt *st, int i);
int nargs(struct kmm_scenario *sc, struct stmt *st, int min, int max);
const char *opt(struct stmt *st, const char *key, struct tok **t);

int need_task(struct kmm_scenario *sc, struct stmt *st, const struct tok *t, struct handle **h);
int handle_name(struct kmm_scenario *sc, const struct tok *t, char *buf);
struct handle *handle_find(struct kmm_scenario *sc, const char *name);
void describe(struct kmm_scenario *sc, const struct handle *h);
int parse_size(struct kmm_scenario *sc, const struct tok *t, const char *s, unsigned long *out);
int parse_num(struct kmm_scenario *sc, const struct tok *t, const char *s, long lo, long hi, long *out);
int handle_get(struct kmm_scenario *sc, const struct tok *t, unsigned mask, struct handle **h);
bool handle_null(const struct handle *h);
void handle_release(struct kmm_scenario *sc, struct handle *h); /* the undoing call, and the handle is gone */
int usage_error(struct kmm_scenario *sc, struct stmt *st, const struct tok *at);
struct handle *handle_new(struct kmm_scenario *sc, struct stmt *st, enum hkind kind, int *ret);
int skip_null(struct kmm_scenario *sc, struct stmt *st, const struct tok *t, const struct handle *h);
int parse_gfp(struct kmm_scenario *sc, const struct tok *t, gfp_t *out);
int parse_prot(struct kmm_scenario *sc, const struct tok *t, unsigned long *prot); /* rw, r-x, none */

/* ---- processes (task_cmds.c) ---- */

int cmd_task_create(struct kmm_scenario *sc, struct stmt *st);
int cmd_exec(struct kmm_scenario *sc, struct stmt *st);
int cmd_oom_score_adj(struct kmm_scenario *sc, struct stmt *st);
int cmd_fork(struct kmm_scenario *sc, struct stmt *st);
int cmd_mmap(struct kmm_scenario *sc, struct stmt *st);
int cmd_brk(struct kmm_scenario *sc, struct stmt *st);
int cmd_mremap(struct kmm_scenario *sc, struct stmt *st);
int cmd_open(struct kmm_scenario *sc, struct stmt *st);
int cmd_stat(struct kmm_scenario *sc, struct stmt *st);
int cmd_touch(struct kmm_scenario *sc, struct stmt *st);
int cmd_munmap(struct kmm_scenario *sc, struct stmt *st);
int cmd_mprotect(struct kmm_scenario *sc, struct stmt *st);
int cmd_swapon(struct kmm_scenario *sc, struct stmt *st);
int cmd_mlock(struct kmm_scenario *sc, struct stmt *st);
int cmd_mlockall(struct kmm_scenario *sc, struct stmt *st);
int cmd_madvise(struct kmm_scenario *sc, struct stmt *st);
int cmd_write(struct kmm_scenario *sc, struct stmt *st);
int cmd_check(struct kmm_scenario *sc, struct stmt *st);

/* ---- devices and DMA (dma_cmds.c) ---- */

int cmd_device(struct kmm_scenario *sc, struct stmt *st);
int cmd_dma_alloc(struct kmm_scenario *sc, struct stmt *st);
int cmd_dma_map(struct kmm_scenario *sc, struct stmt *st);
int cmd_dma_pool_create(struct kmm_scenario *sc, struct stmt *st);
int cmd_dma_pool_alloc(struct kmm_scenario *sc, struct stmt *st);
int cmd_dma_read(struct kmm_scenario *sc, struct stmt *st);
int cmd_dma_write(struct kmm_scenario *sc, struct stmt *st);
bool dma_handle_null(const struct handle *h);
void dma_describe(struct kmm_scenario *sc, const struct handle *h);
void dma_handle_release(struct kmm_scenario *sc, struct handle *h);
/* the live handle that still needs h (a device's buffers, a pool's blocks, mapped pages), or NULL */
struct handle *dma_handle_user(struct kmm_scenario *sc, const struct handle *h);

/* ---- the machine as a whole (machine.c) ---- */

int cmd_show(struct kmm_scenario *sc, struct stmt *st);
int cmd_expect(struct kmm_scenario *sc, struct stmt *st);
int cmd_verify(struct kmm_scenario *sc, struct stmt *st);
int cmd_compact(struct kmm_scenario *sc, struct stmt *st);
int cmd_map(struct kmm_scenario *sc, struct stmt *st);
int cmd_plot(struct kmm_scenario *sc, struct stmt *st);
/* the pressure picture into path (kmm_plot_svg): 0, or -1 with why (the end of a run with --plot) */
int plot_write(const char *path, char *why, size_t whylen);
int cmd_sysctl(struct kmm_scenario *sc, struct stmt *st);
int cmd_cgroup(struct kmm_scenario *sc, struct stmt *st);
int cmd_fail(struct kmm_scenario *sc, struct stmt *st);
int cmd_trace(struct kmm_scenario *sc, struct stmt *st);
int cmd_file(struct kmm_scenario *sc, struct stmt *st);
int cmd_sync(struct kmm_scenario *sc, struct stmt *st);
int cmd_clock(struct kmm_scenario *sc, struct stmt *st);

#endif /* KMM_SCENARIO_IMPL_H */
