/*
 * scenario.c - the scenario language: kmm's public API as a small
 * line-based script, for `kmm run`, `kmm shell`, golden tests and fuzzing.
 *
 * Vocabulary.  A script is a sequence of statements, one per line (or split
 * by ';').  A statement is words: `[NAME =] COMMAND ARG...`.  A word is a run
 * of characters other than blanks, '"', ';', '{' and '}'; a "quoted string"
 * is one word with \" \\ \n \t escapes; '#' at the start of a word comments
 * out the rest of the line.  An argument `key=value` is an option of the
 * command (order=3, uid=1000); the rest are positional.  `repeat N [as I]
 * { ... }` runs a block N times, I counting from 0; a handle name may carry
 * an index, `p[I]` or `p[3]`, so a loop can hold many things.
 *
 * Handles name what the script holds: pages, a kmem_cache, an object, a
 * vmalloc area, a kmap, a task, an mmap'd region, a device and its DMA
 * buffers, mappings, pools and pool blocks.  A command that allocates
 * sets one (`p = alloc_pages GFP_KERNEL order=3`); one that frees ends it
 * (`free_pages p`).  A failed allocation sets the handle to NULL, as the C
 * call returns NULL, so `expect p == NULL` can test it.  A command that
 * needs what a NULL handle would hold (kmap of NULL pages, mmap in a task
 * whose fork failed) is skipped with a message, as C code that checks for
 * NULL skips its work, and a handle it would set is NULL too; the run goes
 * on and ends with status 1.  Freeing a NULL handle does nothing, as
 * kfree(NULL).  So a script runs to its end under failure injection (the
 * `fail` command, kmm run --fail).  Setting a handle that still holds
 * something is an error: the script would leak it.
 *
 *   text --lex--> statements (tree: repeat bodies) --check--> --run--> finish
 *
 * Checking runs every command in "checking" mode: it parses its arguments
 * (sizes, GFP flags, numbers, handle names, options) exactly as running
 * does, then stops before acting.  So a malformed line anywhere is reported
 * (file:line:col, what was expected, what was found) before anything runs,
 * and the argument parsing exists once.  Running stops at the first error
 * (exit status 2); a failed `expect` is reported and the run goes on
 * (status 1).  Kernel messages logged by a command are echoed after it
 * (a call trace's frames as one " ..." line: they move with every build).
 * Status 3 is the kernel's failure, never the script's: a BUG report, a
 * failed validator, something lost.
 *
 * At the end (kmm_scenario_finish) the views go to --proc-dir if asked,
 * every live handle is released in reverse order of creation (kmaps before
 * their pages, objects before their caches, regions before their tasks),
 * and kmm_nothing_lost() must agree with the figures taken right after
 * boot.  Kernel BUG reports (bad pages, slab and vmalloc errors, kmap
 * misuse, oopses) fail the run (status 3) unless an `expect counters bugs
 * ...` looked at them.  If failures were injected, how many is said too.
 *
 * Hostile scripts end quickly: every number is read by lib/kstrtox.c's
 * checked readers (kmalloc 16E is an error, not kmalloc(0)); o.max_steps
 * bounds the statements a run executes (kmm run: 10 million by default);
 * kmm_scenario_run_buf() refuses a NUL byte with its place; the handle
 * table is hashed by name, O(1) per operation.
 *
 * `sleep` and `step` move the simulated clock (sim/clock.c): what runs on
 * time - the flusher's writeback - runs as its moment passes.  The
 * commands about the machine as a whole live in machine.c, those of
 * devices and DMA in dma_cmds.c, of processes in task_cmds.c; what the
 * files share is scenario_impl.h.
 *
 * One scenario runs at a time per process, like the machine it boots.
 */

#include "scenario_impl.h"
#include "mm/cma.h"

#include <ctype.h>
#include <limits.h>

#include <kmm/kstrtox.h>
#include "trace/events.h"

#include <kmm/fs.h>
#include <kmm/highmem.h>
#include <kmm/slab.h>
#include <kmm/swap.h>
#include <kmm/task.h>
#include <kmm/vmalloc.h>

/* A handle of pages from cma_alloc (h->size pages, order 0), which cma_release gives back. */
static bool handle_is_cma(const struct handle *h)
{
	return h->kind == H_PAGES && h->what && !strcmp(h->what, "cma_alloc");
}

const char *const hkind_names[] = { "nothing", "pages", "a kmem_cache", "an object", "a vmalloc area",
				    "a kmap", "a task", "an mmap region", "an open file", "a device",
				    "a coherent DMA buffer", "a DMA mapping", "a DMA pool", "a DMA pool block" };

int sc_bugs(void)
{
	return (int)(kmm_bad_pages() + M->slab_bugs + M->vmalloc_bugs + M->kmap_bugs + M->oopses + M->dma_bugs);
}

/* ---- messages -------------------------------------------------------------------------------- */

int __attribute__((format(printf, 4, 5))) error_at(struct kmm_scenario *sc, int line, int col,
							   const char *fmt, ...)
{
	va_list ap;
	fprintf(sc->err, "%s:%d:%d: ", sc->name, line, col);
	va_start(ap, fmt);
	vfprintf(sc->err, fmt, ap);
	va_end(ap);
	fputc('\n', sc->err);
	sc->status = KMM_SCENARIO_USAGE;
	sc->stop = true;
	return -1;
}

/*
 * The kernel's messages since the last statement, as dmesg prints them -
 * but for a call trace's frames: they name kmm's own host functions with
 * offsets that move with every build, so " <TASK>" is followed by one
 * " ..." line (kmm_dmesg() keeps them), and the output of a scenario stays
 * the same from build to build.
 */
static void echo_log(struct kmm_scenario *sc)
{
	if (!M)
		return;
	const char *log = kmm_dmesg();
	size_t len = strlen(log);
	for (const char *p = log + (len > sc->log_pos ? sc->log_pos : len); p < log + len;) {
		const char *nl = memchr(p, '\n', (size_t)(log + len - p));
		const char *end = nl ? nl + 1 : log + len;
		const char *stamp = *p == '[' ? memchr(p, ']', (size_t)(end - p)) : NULL;
		const char *text = stamp && stamp + 1 < end ? stamp + 2 : p; /* past the "[    1.234567] " stamp */
		if (text < end && !strncmp(text, " <TASK>", 7)) {
			fwrite(p, 1, (size_t)(end - p), sc->out);
			fwrite(p, 1, (size_t)(text - p), sc->out);
			fputs(" ...\n", sc->out);
			while (end < log + len) { /* skip to the end marker */
				const char *n2 = memchr(end, '\n', (size_t)(log + len - end));
				const char *e2 = n2 ? n2 + 1 : log + len;
				const char *t2 = memchr(end, ']', (size_t)(e2 - end));
				bool last = t2 && t2 + 1 < e2 && !strncmp(t2 + 2, " </TASK>", 8);
				if (last)
					break;
				end = e2;
			}
		} else {
			fwrite(p, 1, (size_t)(end - p), sc->out);
		}
		p = end;
	}
	sc->log_pos = len;
}

/* ---- the lexer and parser -------------------------------------------------------------------- */

struct lexer {
	struct kmm_scenario *sc;
	const char *p;
	int line, col;
};

enum { T_WORD, T_END, T_LBRACE, T_RBRACE, T_EOF, T_ERROR };

static void lx_advance(struct lexer *lx)
{
	if (*lx->p == '\n') {
		lx->line++;
		lx->col = 1;
	} else {
		lx->col++;
	}
	lx->p++;
}

/* The next token; a word or string is stored in *t (malloc()ed text). */
static int lx_next(struct lexer *lx, struct tok *t)
{
	while (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r')
		lx_advance(lx);
	if (*lx->p == '#')
		while (*lx->p && *lx->p != '\n')
			lx_advance(lx);
	t->line = lx->line;
	t->col = lx->col;
	switch (*lx->p) {
	case 0: return T_EOF;
	case '\n':
	case ';': lx_advance(lx); return T_END;
	case '{': lx_advance(lx); return T_LBRACE;
	case '}': lx_advance(lx); return T_RBRACE;
	}
	struct strbuf sb = { 0 };
	t->quoted = *lx->p == '"';
	if (t->quoted) {
		lx_advance(lx);
		while (*lx->p != '"') {
			char c = *lx->p;
			if (!c || c == '\n') {
				sb_free(&sb);
				return error_at(lx->sc, t->line, t->col, "unterminated string: a closing \" is missing"),
				       T_ERROR;
			}
			if (c == '\\' && lx->p[1] && lx->p[1] != '\n') {
				lx_advance(lx);
				c = *lx->p == 'n' ? '\n' : *lx->p == 't' ? '\t' : *lx->p;
			}
			sb_printf(&sb, "%c", c);
			lx_advance(lx);
		}
		lx_advance(lx);
	} else {
		while (*lx->p && !strchr(" \t\r\n;{}\"", *lx->p)) {
			sb_printf(&sb, "%c", *lx->p);
			lx_advance(lx);
		}
	}
	t->text = sb_detach(&sb);
	return T_WORD;
}

static void stmts_free(struct stmt *s, int n)
{
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < s[i].ntok; j++)
			free(s[i].tok[j].text);
		free(s[i].tok);
		stmts_free(s[i].body, s[i].nbody);
	}
	free(s);
}

static const struct command *command_find(const char *name);
static int stmt_resolve(struct kmm_scenario *sc, struct stmt *st);

/*
 * Statements up to the end of the text, or up to the '}' closing a block
 * (inner).  0, or -1 after an error message.
 */
static int parse_block(struct lexer *lx, struct stmt **out, int *nout, int depth, const struct tok *opener)
{
	struct stmt *v = NULL, cur = { 0 };
	int n = 0, cap = 0;
	for (;;) {
		struct tok t = { 0 };
		int k = lx_next(lx, &t);
		if (k == T_ERROR)
			goto fail;
		if (k == T_WORD) {
			if (cur.ntok == SC_MAX_ARGS) {
				free(t.text);
				err_tok(lx->sc, &t, "too many words in one statement (at most %d)", SC_MAX_ARGS);
				goto fail;
			}
			if (!cur.tok)
				cur.tok = calloc(SC_MAX_ARGS, sizeof(*cur.tok));
			cur.tok[cur.ntok++] = t;
			continue;
		}
		if (k == T_LBRACE) {
			if (!cur.ntok || strcmp(cur.tok[0].text, "repeat")) {
				err_tok(lx->sc, &t, "a { block belongs to `repeat N {`");
				goto fail;
			}
			if (depth + 1 >= SC_MAX_DEPTH) {
				err_tok(lx->sc, &t, "repeat blocks nest too deep (at most %d)", SC_MAX_DEPTH - 1);
				goto fail;
			}
			if (parse_block(lx, &cur.body, &cur.nbody, depth + 1, &cur.tok[0]))
				goto fail;
			cur.nbody = cur.nbody < 0 ? 0 : cur.nbody;
			cur.npos = -1; /* marks "has a block" until resolved */
		}
		if (cur.ntok) {
			if (cur.npos != -1 && !strcmp(cur.tok[0].text, "repeat")) {
				err_tok(lx->sc, &cur.tok[0], "repeat needs a block: `repeat N {` ... `}`");
				goto fail;
			}
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				v = realloc(v, (size_t)cap * sizeof(*v));
			}
			v[n++] = cur;
			memset(&cur, 0, sizeof(cur));
			if (stmt_resolve(lx->sc, &v[n - 1]))
				goto fail_n;
		}
		if (k == T_RBRACE) {
			if (!opener) {
				err_tok(lx->sc, &t, "this } closes no block");
				goto fail_n;
			}
			break;
		}
		if (k == T_EOF) {
			if (opener) {
				err_tok(lx->sc, opener, "the block of this repeat has no closing }");
				goto fail_n;
			}
			break;
		}
	}
	*out = v;
	*nout = n;
	return 0;
fail:
	for (int j = 0; j < cur.ntok; j++)
		free(cur.tok[j].text);
	free(cur.tok);
	stmts_free(cur.body, cur.nbody);
fail_n:
	stmts_free(v, n);
	return -1;
}

/* ---- arguments ------------------------------------------------------------------------------- */


struct tok *arg(struct stmt *st, int i)
{
	return i < st->npos ? &st->tok[st->pos[i]] : NULL;
}

int usage_error(struct kmm_scenario *sc, struct stmt *st, const struct tok *at)
{
	const struct tok *c = &st->tok[st->cmd_at];
	return err_tok(sc, at ? at : c, "usage: %s%s%s", st->cmd->name, *st->cmd->usage ? " " : "", st->cmd->usage);
}

int nargs(struct kmm_scenario *sc, struct stmt *st, int min, int max)
{
	if (st->npos < min)
		return usage_error(sc, st, NULL);
	if (st->npos > max)
		return usage_error(sc, st, arg(st, max));
	return 0;
}

/* The value of option key, or NULL; *t is its token. */
const char *opt(struct stmt *st, const char *key, struct tok **t)
{
	size_t kl = strlen(key);
	for (int i = 0; i < st->nopt; i++) {
		struct tok *o = &st->tok[st->opt[i]];
		if (!strncmp(o->text, key, kl) && o->text[kl] == '=') {
			if (t)
				*t = o;
			return o->text + kl + 1;
		}
	}
	return NULL;
}

/* Split arguments into positional ones and options; every option must be one the command takes. */
static int stmt_resolve(struct kmm_scenario *sc, struct stmt *st)
{
	bool block = st->npos == -1;
	st->npos = 0;
	st->cmd_at = st->ntok >= 2 && !st->tok[1].quoted && !strcmp(st->tok[1].text, "=") ? 2 : 0;
	if (st->cmd_at == 2 && st->ntok == 2)
		return err_tok(sc, &st->tok[1], "expected a command after \"%s =\"", st->tok[0].text);
	struct tok *c = &st->tok[st->cmd_at];
	st->cmd = c->quoted ? NULL : command_find(c->text);
	if (!st->cmd)
		return err_tok(sc, c, "unknown command \"%s\" (`help` lists the commands)", c->text);
	if (block != !strcmp(st->cmd->name, "repeat"))
		return err_tok(sc, c, "only repeat takes a { block }");
	if (st->cmd->result == R_HANDLE && !st->cmd_at)
		return err_tok(sc, c, "%s sets a handle: write NAME = %s ...", c->text, c->text);
	if (st->cmd->result == R_NONE && st->cmd_at)
		return err_tok(sc, &st->tok[0], "%s sets no handle: drop \"%s =\"", c->text, st->tok[0].text);
	for (int i = st->cmd_at + 1; i < st->ntok; i++) {
		struct tok *t = &st->tok[i];
		const char *eq = t->quoted ? NULL : strchr(t->text, '=');
		bool raw = !strcmp(st->cmd->opts, "*");
		if (!raw && eq && eq > t->text && isalpha((unsigned char)t->text[0])) {
			size_t kl = (size_t)(eq - t->text);
			const char *o = st->cmd->opts;
			bool known = false;
			while (*o && !known) {
				size_t ol = strcspn(o, ",");
				known = ol == kl && !strncmp(o, t->text, kl);
				o += ol + (o[ol] == ',');
			}
			if (!known)
				return err_tok(sc, t, "%s has no option \"%.*s\"%s%s", st->cmd->name, (int)kl, t->text,
					       *st->cmd->opts ? "; it takes " : "", st->cmd->opts);
			st->opt[st->nopt++] = i;
		} else {
			st->pos[st->npos++] = i;
		}
	}
	return 0;
}

/* Every number of a script is read by lib/kstrtox.c's checked readers: none wraps. */
int parse_num(struct kmm_scenario *sc, const struct tok *t, const char *s, long lo, long hi, long *out)
{
	long v;
	if (kstrtol(s, 0, &v) || v < lo || v > hi)
		return err_tok(sc, t, "expected a number from %ld to %ld, got \"%s\"", lo, hi, s);
	*out = v;
	return 0;
}

/* A size of bytes: 4K, 10M, 0x1000, 4KB; up to LONG_MAX, as the C API's sizes are asked for. */
int parse_size(struct kmm_scenario *sc, const struct tok *t, const char *s, unsigned long *out)
{
	u64 v;
	int ret = kmm_parse_size(s, LONG_MAX, &v);
	if (ret == -ERANGE)
		return err_tok(sc, t, "the size \"%s\" is too large (at most %ld bytes)", s, LONG_MAX);
	if (ret)
		return err_tok(sc, t, "expected a size like 4K or 10M, got \"%s\"", s);
	*out = (unsigned long)v;
	return 0;
}

int parse_gfp(struct kmm_scenario *sc, const struct tok *t, gfp_t *out)
{
	const char *bad = NULL;
	if (!gfp_flags_parse(t->text, strlen(t->text), out, &bad))
		return 0;
	int len = (int)strcspn(bad, "|");
	return error_at(sc, t->line, t->col + (int)(bad - t->text),
			"expected GFP flags like GFP_KERNEL or GFP_HIGHUSER|__GFP_ZERO, got \"%.*s\"", len, bad);
}

static const struct {
	const char *name;
	slab_flags_t flag;
} slab_flag_names[] = {
	{ "SLAB_HWCACHE_ALIGN", SLAB_HWCACHE_ALIGN }, { "SLAB_RED_ZONE", SLAB_RED_ZONE },
	{ "SLAB_POISON", SLAB_POISON },               { "SLAB_STORE_USER", SLAB_STORE_USER },
	{ "SLAB_CONSISTENCY_CHECKS", SLAB_CONSISTENCY_CHECKS }, { "SLAB_CACHE_DMA", SLAB_CACHE_DMA },
	{ "SLAB_CACHE_DMA32", SLAB_CACHE_DMA32 },     { "SLAB_RECLAIM_ACCOUNT", SLAB_RECLAIM_ACCOUNT },
	{ "SLAB_ACCOUNT", SLAB_ACCOUNT },             { "SLAB_TYPESAFE_BY_RCU", SLAB_TYPESAFE_BY_RCU },
	{ "SLAB_PANIC", SLAB_PANIC },                 { "SLAB_NO_USER_FLAGS", SLAB_NO_USER_FLAGS },
	{ "SLAB_FAILSLAB", SLAB_FAILSLAB },
};

static int parse_slab_flags(struct kmm_scenario *sc, const struct tok *t, slab_flags_t *out)
{
	*out = 0;
	for (const char *s = t->text;; s++) {
		size_t len = strcspn(s, "|"), i;
		for (i = 0; i < ARRAY_SIZE(slab_flag_names); i++)
			if (strlen(slab_flag_names[i].name) == len && !strncmp(s, slab_flag_names[i].name, len))
				break;
		if (i == ARRAY_SIZE(slab_flag_names))
			return error_at(sc, t->line, t->col + (int)(s - t->text),
					"expected SLAB_ flags like SLAB_HWCACHE_ALIGN|SLAB_POISON, got \"%.*s\"", (int)len, s);
		*out |= slab_flag_names[i].flag;
		s += len;
		if (!*s)
			return 0;
	}
}

/* "rw", "r-x", "rwx", "none" */
int parse_prot(struct kmm_scenario *sc, const struct tok *t, unsigned long *prot)
{
	*prot = 0;
	if (!strcmp(t->text, "none") || !strcmp(t->text, "---"))
		return 0;
	for (const char *s = t->text; *s; s++) {
		if (*s == 'r')
			*prot |= PROT_READ;
		else if (*s == 'w')
			*prot |= PROT_WRITE;
		else if (*s == 'x')
			*prot |= PROT_EXEC;
		else if (*s != '-')
			return err_tok(sc, t, "expected a protection like rw, r-x or none, got \"%s\"", t->text);
	}
	return *t->text ? 0 : err_tok(sc, t, "expected a protection like rw, r-x or none");
}

/* ---- handles --------------------------------------------------------------------------------- */

/* "p", "p[3]", "p[i]" with i a repeat's counter -> "p[3]" */
int handle_name(struct kmm_scenario *sc, const struct tok *t, char *buf)
{
	const char *s = t->text;
	size_t n = 0;
	if (t->quoted || !(isalpha((unsigned char)*s) || *s == '_'))
		goto bad;
	while (isalnum((unsigned char)s[n]) || s[n] == '_')
		n++;
	if (n >= SC_NAME_MAX - 24)
		return err_tok(sc, t, "a handle name is at most %d characters", SC_NAME_MAX - 25);
	if (!s[n]) {
		memcpy(buf, s, n + 1);
		return 0;
	}
	if (s[n] != '[')
		goto bad;
	const char *idx = s + n + 1, *close = strchr(idx, ']');
	if (!close || close[1] || close == idx)
		goto bad;
	u64 v = 0;
	bool over = false;
	size_t used = kmm_parse_integer(idx, (size_t)(close - idx), 10, &v, &over);
	if (used && idx + used == close && (over || v > SC_MAX_REPEAT))
		return error_at(sc, t->line, t->col + (int)(idx - s), "the index %.*s is larger than %ld",
				(int)(close - idx), idx, SC_MAX_REPEAT);
	if (!used || idx + used != close) {
		int i;
		for (i = sc->nvars - 1; i >= 0; i--)
			if (strlen(sc->vars[i].name) == (size_t)(close - idx) &&
			    !strncmp(sc->vars[i].name, idx, (size_t)(close - idx)))
				break;
		if (i < 0)
			return error_at(sc, t->line, t->col + (int)(idx - s), "\"%.*s\" is no repeat counter here",
					(int)(close - idx), idx);
		v = sc->vars[i].value;
	}
	snprintf(buf, SC_NAME_MAX, "%.*s[%llu]", (int)n, s, (unsigned long long)v);
	return 0;
bad:
	return err_tok(sc, t, "expected a handle name like p or p[i], got \"%s\"", s);
}

/*
 * The table of handles.  sc->h keeps them in order of creation (the order
 * finish releases them in, backwards); a hash of their names, chained
 * through the handles themselves, finds a live one in O(1).  A release
 * unlinks the handle from its chain at once and leaves a hole that the next
 * growth compacts away (then the chains are rebuilt, the indices having
 * moved), so a script holding 100,000 handles, or setting and freeing one
 * name a million times, costs O(1) per operation.
 */
static unsigned handle_hash(const char *name)
{
	unsigned h = 2166136261u; /* FNV-1a */
	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return h;
}

static void handle_rehash(struct kmm_scenario *sc)
{
	unsigned want = 64;
	while (want < 2u * (unsigned)sc->caph)
		want *= 2;
	if (want != sc->nbucket) {
		int *b = realloc(sc->bucket, want * sizeof(*b));
		if (!b) {
			fprintf(stderr, "kmm: out of host memory for the scenario's handles\n");
			abort();
		}
		sc->bucket = b;
		sc->nbucket = want;
	}
	for (unsigned i = 0; i < sc->nbucket; i++)
		sc->bucket[i] = -1;
	for (int i = 0; i < sc->nh; i++) {
		if (sc->h[i].kind == H_NONE)
			continue;
		int *head = &sc->bucket[handle_hash(sc->h[i].name) & (sc->nbucket - 1)];
		sc->h[i].hnext = *head;
		*head = i;
	}
}

struct handle *handle_find(struct kmm_scenario *sc, const char *name)
{
	if (!sc->nbucket)
		return NULL;
	for (int i = sc->bucket[handle_hash(name) & (sc->nbucket - 1)]; i >= 0; i = sc->h[i].hnext)
		if (!strcmp(sc->h[i].name, name))
			return &sc->h[i];
	return NULL;
}

/* The handle ends: off its chain, H_NONE (what it held is the caller's business). */
static void handle_forget(struct kmm_scenario *sc, struct handle *h)
{
	if (h->kind == H_NONE)
		return;
	int idx = (int)(h - sc->h);
	for (int *p = &sc->bucket[handle_hash(h->name) & (sc->nbucket - 1)]; *p >= 0; p = &sc->h[*p].hnext)
		if (*p == idx) {
			*p = h->hnext;
			break;
		}
	sc->live[h->kind]--;
	h->kind = H_NONE;
}

/*
 * The handle an argument names, of one of the kinds in mask (1 << H_...).
 * While checking only the name's form is checked, and *h is NULL.
 */
int handle_get(struct kmm_scenario *sc, const struct tok *t, unsigned mask, struct handle **h)
{
	char name[SC_NAME_MAX];
	*h = NULL;
	if (!t)
		return -1;
	if (handle_name(sc, t, name))
		return -1;
	if (sc->checking)
		return 0;
	*h = handle_find(sc, name);
	if (!*h)
		return err_tok(sc, t, "%s holds nothing (never set, or already freed)", name);
	if (!(mask & (1u << (*h)->kind))) {
		const char *want = "";
		for (int k = H_PAGES; k < H_NKINDS; k++)
			if (mask & (1u << k)) {
				want = hkind_names[k];
				break;
			}
		return err_tok(sc, t, "%s is %s (from line %d); expected %s", name, hkind_names[(*h)->kind],
			       (*h)->line, want);
	}
	return 0;
}

/*
 * The handle "NAME =" sets; NULL while checking (after the name is checked) or on error.
 * It may compact and grow sc->h: a struct handle * taken before is stale after it.
 */
struct handle *handle_new(struct kmm_scenario *sc, struct stmt *st, enum hkind kind, int *ret)
{
	char name[SC_NAME_MAX];
	*ret = handle_name(sc, &st->tok[0], name);
	if (*ret || sc->checking)
		return NULL;
	struct handle *old = handle_find(sc, name);
	if (old) {
		*ret = err_tok(sc, &st->tok[0], "%s still holds %s from line %d: free it first, or use another name", name,
			       hkind_names[old->kind], old->line);
		return NULL;
	}
	if (sc->nh == sc->caph) {
		/* drop released handles before growing */
		int j = 0;
		for (int i = 0; i < sc->nh; i++)
			if (sc->h[i].kind != H_NONE)
				sc->h[j++] = sc->h[i];
		sc->nh = j;
		if (sc->nh * 2 >= sc->caph) {
			struct handle *nhs = realloc(sc->h, (size_t)(sc->caph ? sc->caph * 2 : 32) * sizeof(*sc->h));
			if (!nhs) {
				*ret = err_tok(sc, &st->tok[0], "out of host memory for %d handles", sc->nh + 1);
				return NULL;
			}
			sc->h = nhs;
			sc->caph = sc->caph ? sc->caph * 2 : 32;
		}
		handle_rehash(sc);
	}
	int idx = sc->nh++;
	struct handle *h = &sc->h[idx];
	memset(h, 0, sizeof(*h));
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->kind = kind;
	int *head = &sc->bucket[handle_hash(h->name) & (sc->nbucket - 1)];
	h->hnext = *head;
	*head = idx;
	sc->live[kind]++;
	h->line = st->tok[0].line;
	h->what = st->cmd->name;
	return h;
}

bool handle_null(const struct handle *h)
{
	switch (h->kind) {
	case H_PAGES: return !h->page;
	case H_CACHE: return !h->cache;
	case H_OBJ:
	case H_VMALLOC:
	case H_KMAP: return !h->ptr;
	case H_TASK: return !h->task;
	case H_MMAP: return !h->addr;
	case H_FILE: return !h->task;
	default: return dma_handle_null(h);
	}
}

/*
 * h is NULL because the allocation that set it failed: the command that
 * needed it is skipped (status 1), and the run goes on.  Returns 1.
 */
int skip_null(struct kmm_scenario *sc, struct stmt *st, const struct tok *t, const struct handle *h)
{
	fprintf(sc->err, "%s:%d:%d: %s is NULL: its %s failed; %s skipped\n", sc->name, t->line, t->col, h->name, h->what,
		st->cmd->name);
	sc->skipped++;
	if (sc->status < KMM_SCENARIO_FAILED)
		sc->status = KMM_SCENARIO_FAILED;
	return 1;
}

/* 1048576 -> "1M", 4100 -> "4100" */
static const char *size_str(unsigned long n, char *buf, size_t len)
{
	static const char units[] = "KMG";
	int u = -1;
	while (u < 2 && n && !(n & 1023)) {
		n >>= 10;
		u++;
	}
	snprintf(buf, len, u < 0 ? "%lu" : "%lu%c", n, u < 0 ? 0 : units[u]);
	return buf;
}

static unsigned long kva_of(const void *p)
{
	return p ? kmm_host_to_kva(p) : 0;
}

/* Physically contiguous runs of a vmalloc area's frames: "0x3f7fe-0x3f7ff 0x3f7fc ..." */
static void describe_frames(struct kmm_scenario *sc, const struct handle *h)
{
	unsigned long pages = (h->size + PAGE_SIZE - 1) >> PAGE_SHIFT, runs = 0, i = 0;
	fprintf(sc->out, "  frames:");
	while (i < pages) {
		unsigned long first = vmalloc_to_pfn((const char *)h->ptr + (i << PAGE_SHIFT)), n = 1;
		while (i + n < pages && vmalloc_to_pfn((const char *)h->ptr + ((i + n) << PAGE_SHIFT)) == first + n)
			n++;
		if (++runs <= 8) {
			if (n > 1)
				fprintf(sc->out, " %#lx-%#lx", first, first + n - 1);
			else
				fprintf(sc->out, " %#lx", first);
		}
		i += n;
	}
	if (runs > 8)
		fprintf(sc->out, " ... (%lu runs in all)", runs);
	fprintf(sc->out, "\n");
}

void describe(struct kmm_scenario *sc, const struct handle *h)
{
	FILE *f = sc->out;
	char sz[32];
	if (handle_null(h)) {
		fprintf(f, "%s = NULL (%s failed)\n", h->name, h->what);
		return;
	}
	switch (h->kind) {
	case H_PAGES: {
		unsigned long pfn = page_to_pfn(h->page);
		unsigned long n = handle_is_cma(h) ? h->size : 1UL << h->order;
		fprintf(f, "%s = %lu page%s at pfn %#lx-%#lx, node %d zone %s, ", h->name, n, n > 1 ? "s" : "", pfn,
			pfn + n - 1, page_to_nid(h->page), page_zone(h->page)->name);
		if (PageHighMem(h->page) && !page_address(h->page))
			fprintf(f, "no kernel address (HighMem: kmap it)\n");
		else
			fprintf(f, "kernel address %#lx\n", kva_of(page_address(h->page)));
		break;
	}
	case H_CACHE:
		fprintf(f, "%s = kmem_cache %s, objects of %u bytes\n", h->name, kmem_cache_name(h->cache),
			kmem_cache_size(h->cache));
		break;
	case H_OBJ:
		if (h->cache)
			fprintf(f, "%s = %s object at %#lx\n", h->name, kmem_cache_name(h->cache), kva_of(h->ptr));
		else if (is_vmalloc_addr(h->ptr))
			fprintf(f, "%s = %s(%s) at %#lx, in the vmalloc area\n", h->name, h->what,
				size_str(h->size, sz, sizeof(sz)), kva_of(h->ptr));
		else
			fprintf(f, "%s = %s(%s) at %#lx, ksize %zu\n", h->name, h->what, size_str(h->size, sz, sizeof(sz)),
				kva_of(h->ptr), ksize(h->ptr));
		break;
	case H_VMALLOC:
		fprintf(f, "%s = %s(%s) at %#lx-%#lx, %lu pages\n", h->name, h->what, size_str(h->size, sz, sizeof(sz)),
			kva_of(h->ptr),
			kva_of(h->ptr) + ((h->size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)), (h->size + PAGE_SIZE - 1) >> PAGE_SHIFT);
		describe_frames(sc, h);
		break;
	case H_KMAP: {
		unsigned long kva = kva_of(h->ptr), pkmap = M->layout.pkmap_base;
		const char *where = "the direct map (a lowmem page needs no window)";
		char buf[64];
		if (M->prof->bits == 32 && kva >= pkmap && kva < pkmap + ((unsigned long)M->prof->last_pkmap << PAGE_SHIFT)) {
			snprintf(buf, sizeof(buf), "PKMAP entry %lu", (kva - pkmap) >> PAGE_SHIFT);
			where = buf;
		} else if (kva >= M->layout.fixaddr_start && kva < M->layout.fixaddr_top) {
			snprintf(buf, sizeof(buf), "FIXMAP slot %lu", (M->layout.fixaddr_top - kva) >> PAGE_SHIFT);
			where = buf;
		}
		fprintf(f, "%s = pfn %#lx mapped at %#lx, in %s\n", h->name, page_to_pfn(h->page), kva, where);
		break;
	}
	case H_TASK:
		fprintf(f, "%s = pid %d (%s)%s\n", h->name, h->task->pid, h->task->comm,
			fatal_signal_pending(h->task) ? ", killed by SIGKILL" : "");
		break;
	case H_MMAP:
		fprintf(f, "%s = %#lx-%#lx in pid %d, %s, %lu pages\n", h->name, h->addr, h->addr + h->size,
			h->task->pid, size_str(h->size, sz, sizeof(sz)), h->size >> PAGE_SHIFT);
		break;
	case H_FILE:
		fprintf(f, "%s = fd %d of pid %d\n", h->name, h->fd, h->task->pid);
		break;
	default:
		dma_describe(sc, h);
		break;
	}
}

/* Give back what a handle holds (it must be live). */
void handle_release(struct kmm_scenario *sc, struct handle *h)
{
	if (!handle_null(h)) {
		switch (h->kind) {
		case H_PAGES:
			if (handle_is_cma(h))
				cma_release(dma_contiguous_default_area, h->page, h->size);
			else
				__free_pages(h->page, h->order);
			break;
		case H_CACHE: kmem_cache_destroy(h->cache); break;
		case H_OBJ:
			if (h->cache)
				kmem_cache_free(h->cache, h->ptr);
			else if (!strcmp(h->what, "kvmalloc"))
				kvfree(h->ptr);
			else
				kfree(h->ptr);
			break;
		case H_VMALLOC: vfree(h->ptr); break;
		case H_KMAP:
			if (h->how == KMAP_PERMANENT)
				kunmap(h->page);
			else if (h->how == KMAP_ATOMIC)
				kunmap_atomic(h->ptr);
			else
				kunmap_local(h->ptr);
			break;
		case H_TASK:
			for (int i = 0; sc->live[H_MMAP] && i < sc->nh; i++)
				if (sc->h[i].kind == H_MMAP && sc->h[i].task == h->task)
					handle_forget(sc, &sc->h[i]); /* exit unmaps them */
			for (int i = 0; sc->live[H_FILE] && i < sc->nh; i++)
				if (sc->h[i].kind == H_FILE && sc->h[i].task == h->task)
					handle_forget(sc, &sc->h[i]); /* exit closes them */
			task_exit(h->task);
			break;
		case H_MMAP: task_munmap(h->task, h->addr, h->size); break;
		case H_FILE: task_close(h->task, h->fd); break;
		default: dma_handle_release(sc, h); break;
		}
	}
	handle_forget(sc, h);
}

/* A handle that something else still needs: a kmap of these pages, an object of this cache. */
static struct handle *handle_user(struct kmm_scenario *sc, const struct handle *h)
{
	struct handle *dma_user = dma_handle_user(sc, h);
	if (dma_user)
		return dma_user;
	if ((h->kind == H_PAGES && !sc->live[H_KMAP]) || (h->kind == H_CACHE && !sc->live[H_OBJ]) ||
	    (h->kind != H_PAGES && h->kind != H_CACHE))
		return NULL; /* nothing could use it: no walk over every handle */
	for (int i = 0; i < sc->nh; i++) {
		struct handle *u = &sc->h[i];
		if (u->kind == H_KMAP && h->kind == H_PAGES && h->page && u->page &&
		    page_to_pfn(u->page) - page_to_pfn(h->page) < (1UL << h->order))
			return u;
		if (u->kind == H_OBJ && h->kind == H_CACHE && h->cache && u->cache == h->cache)
			return u;
	}
	return NULL;
}

/* ---- booting --------------------------------------------------------------------------------- */

static int boot_opt(struct kmm_scenario *sc, const struct tok *t, const char *name, const char *value)
{
	char err[256];
	if (!strcmp(name, "e820")) {
		if (sc->checking)
			return 0;
		FILE *f = fopen(value, "r");
		struct strbuf sb = { 0 };
		char buf[4096];
		size_t n;
		if (!f)
			return err_tok(sc, t, "--e820 %s: %s", value, strerror(errno));
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			sb_printf(&sb, "%.*s", (int)n, buf);
		fclose(f);
		free(sc->e820);
		sc->e820 = sb_detach(&sb);
		sc->params.e820_text = sc->e820;
		return 0;
	}
	struct kmm_boot_params scratch = KMM_BOOT_DEFAULTS;
	if (kmm_boot_param_set(sc->checking ? &scratch : &sc->params, name, value, err, sizeof(err)))
		return err_tok(sc, t, "%s", err);
	return 0;
}

static int run_stmts(struct kmm_scenario *sc, struct stmt *s, int n);

/* Statements that are not the script's (opts.after_boot): parsed, checked and run at once, named name. */
static int run_text(struct kmm_scenario *sc, const char *text, const char *name)
{
	const char *script = sc->name;
	struct lexer lx = { sc, text, 1, 1 };
	struct program *prog = calloc(1, sizeof(*prog));
	int ret = -1;
	sc->name = name;
	if (prog && !parse_block(&lx, &prog->stmts, &prog->n, 0, NULL)) {
		prog->next = sc->programs;
		sc->programs = prog;
		sc->checking = true;
		ret = run_stmts(sc, prog->stmts, prog->n);
		sc->checking = false;
		if (!ret)
			ret = run_stmts(sc, prog->stmts, prog->n);
	} else {
		free(prog);
	}
	sc->name = script;
	return ret;
}

static int machine_boot(struct kmm_scenario *sc, const struct tok *at)
{
	char err[512];
	for (int i = 0; i + 1 < 2 * sc->o.nboot_opts; i += 2) {
		struct tok t = { .line = at->line, .col = at->col };
		if (boot_opt(sc, &t, sc->o.boot_opts[i], sc->o.boot_opts[i + 1]))
			return -1;
	}
	if (kmm_boot(&sc->params, err, sizeof(err)))
		return err_tok(sc, at, "the machine did not boot: %s", err);
	free(sc->e820);
	sc->e820 = NULL;
	sc->booted = true;
	kmm_usage_settle(&sc->at_boot);
	sc->log_pos = strlen(kmm_dmesg());
	for (int i = 0; i < sc->o.nafter_boot; i++)
		if (run_text(sc, sc->o.after_boot[i], "after-boot"))
			return -1;
	if (sc->o.machine_live)
		sc->o.machine_live(sc->o.machine_live_arg, true);
	return 0;
}

/* ---- commands -------------------------------------------------------------------------------- */


static int cmd_boot(struct kmm_scenario *sc, struct stmt *st)
{
	if (sc->checking && sc->boot_seen)
		return err_tok(sc, &st->tok[0], "boot comes once, before any other command");
	sc->boot_seen = true;
	for (int i = st->cmd_at + 1; i < st->ntok; i++) {
		struct tok *t = &st->tok[i];
		if (t->quoted || strncmp(t->text, "--", 2))
			return err_tok(sc, t, "expected a boot option like --mem 1G or --profile x86_64, got \"%s\"", t->text);
		char name[32];
		const char *eq = strchr(t->text, '='), *value;
		snprintf(name, sizeof(name), "%.*s", (int)(eq ? eq - t->text - 2 : (long)strlen(t->text + 2)), t->text + 2);
		if (eq) {
			value = eq + 1;
		} else if (i + 1 < st->ntok) {
			value = st->tok[++i].text;
		} else {
			return err_tok(sc, t, "boot option %s needs a value", t->text);
		}
		if (boot_opt(sc, t, name, value))
			return -1;
	}
	CHECKED(sc);
	if (sc->booted)
		return err_tok(sc, &st->tok[0], "the machine is already booted: boot comes before any other command");
	return machine_boot(sc, &st->tok[0]);
}

static int cmd_say(struct kmm_scenario *sc, struct stmt *st)
{
	CHECKED(sc);
	for (int i = st->cmd_at + 1; i < st->ntok; i++)
		fprintf(sc->out, "%s%s", i > st->cmd_at + 1 ? " " : "", st->tok[i].text);
	fputc('\n', sc->out);
	return 0;
}

static int cmd_alloc_pages(struct kmm_scenario *sc, struct stmt *st)
{
	gfp_t gfp;
	long order = 0, node = -1;
	struct tok *t;
	const char *v;
	int ret;
	if (nargs(sc, st, 1, 1) || parse_gfp(sc, arg(st, 0), &gfp))
		return -1;
	if ((v = opt(st, "order", &t)) && parse_num(sc, t, v, 0, 31, &order))
		return -1;
	if ((v = opt(st, "node", &t)) && parse_num(sc, t, v, 0, MAX_NUMNODES - 1, &node))
		return -1;
	struct handle *h = handle_new(sc, st, H_PAGES, &ret);
	if (!h)
		return ret;
	h->order = (unsigned)order;
	h->page = node >= 0 ? alloc_pages_node((int)node, gfp, h->order) : alloc_pages(gfp, h->order);
	return 0;
}

/*
 * cma_alloc SIZE [align=N]: SIZE bytes (whole pages) from the default CMA
 * area, aligned to 2^N pages - by default as dma_alloc_from_contiguous
 * asks, get_order(SIZE) up to CONFIG_CMA_ALIGNMENT (8).  NULL without
 * CONFIG_CMA or when no range of the area can be emptied.
 */
static int cmd_cma_alloc(struct kmm_scenario *sc, struct stmt *st)
{
	unsigned long size;
	long align = -1;
	struct tok *t;
	const char *v;
	int ret;
	if (nargs(sc, st, 1, 1) || parse_size(sc, arg(st, 0), arg(st, 0)->text, &size))
		return -1;
	if (!size || size % PAGE_SIZE)
		return err_tok(sc, arg(st, 0), "cma_alloc %s: expected a whole number of pages (4K, 16M, ...)",
			       arg(st, 0)->text);
	if ((v = opt(st, "align", &t)) && parse_num(sc, t, v, 0, 31, &align))
		return -1;
	struct handle *h = handle_new(sc, st, H_PAGES, &ret);
	if (!h)
		return ret;
	unsigned long count = size >> PAGE_SHIFT;
	if (align < 0)
		align = min(get_order(size), 8);
	h->what = "cma_alloc";
	h->size = count;
	h->order = 0;
	h->page = cma_alloc(dma_contiguous_default_area, count, (unsigned int)align, false);
	return 0;
}

/* The command's one argument, a handle of this kind: -1 after an error, 1 while checking, 0 to go on. */
static int the_handle(struct kmm_scenario *sc, struct stmt *st, enum hkind kind, struct handle **h)
{
	if (nargs(sc, st, 1, 1) || handle_get(sc, arg(st, 0), 1u << kind, h))
		return -1;
	return sc->checking;
}

/* free_pages, kmem_cache_destroy, vfree, exit: end a handle of the command's kind, unless another still needs it. */
static int cmd_release(struct kmm_scenario *sc, struct stmt *st)
{
	struct handle *h;
	int go = the_handle(sc, st, st->cmd->kind, &h);
	if (go)
		return go < 0 ? -1 : 0;
	/* pages go back the way they came: cma_release for cma_alloc's, free_pages for the buddy allocator's */
	if (st->cmd->kind == H_PAGES && handle_is_cma(h) != !strcmp(st->cmd->name, "cma_release"))
		return err_tok(sc, arg(st, 0), "%s is from %s (line %d): %s it", h->name, h->what, h->line,
			       handle_is_cma(h) ? "cma_release" : "free_pages");
	struct handle *u = handle_user(sc, h);
	if (u)
		return err_tok(sc, arg(st, 0), "%s is still in use by %s (line %d): %s it first", h->name, u->name, u->line,
			       u->kind == H_KMAP ? "kunmap" : "free");
	handle_release(sc, h);
	return 0;
}

static int cmd_cache_create(struct kmm_scenario *sc, struct stmt *st)
{
	unsigned long size;
	long align = 0;
	slab_flags_t flags = 0;
	struct tok *t;
	const char *v;
	int ret;
	if (nargs(sc, st, 2, 3) || parse_size(sc, arg(st, 1), arg(st, 1)->text, &size))
		return -1;
	if (size == 0 || size > KMALLOC_MAX_SIZE)
		return err_tok(sc, arg(st, 1), "an object size is 1 to %lu bytes", (unsigned long)KMALLOC_MAX_SIZE);
	if (st->npos == 3 && parse_slab_flags(sc, arg(st, 2), &flags))
		return -1;
	if ((v = opt(st, "align", &t)) && parse_num(sc, t, v, 0, (long)PAGE_SIZE, &align))
		return -1;
	struct handle *h = handle_new(sc, st, H_CACHE, &ret);
	if (!h)
		return ret;
	h->cache = kmem_cache_create(arg(st, 0)->text, (unsigned)size, (unsigned)align, flags, NULL);
	return 0;
}

static int cmd_cache_alloc(struct kmm_scenario *sc, struct stmt *st)
{
	struct handle *c, *h;
	gfp_t gfp = GFP_KERNEL;
	int ret;
	if (nargs(sc, st, 1, 2) || handle_get(sc, arg(st, 0), 1u << H_CACHE, &c) ||
	    (st->npos == 2 && parse_gfp(sc, arg(st, 1), &gfp)))
		return -1;
	struct handle src = c ? *c : (struct handle){ 0 }; /* handle_new may move the handles */
	if (!(h = handle_new(sc, st, H_OBJ, &ret)))
		return ret;
	if (handle_null(&src))
		return skip_null(sc, st, arg(st, 0), &src) - 1; /* the object is NULL too */
	h->cache = src.cache;
	h->size = kmem_cache_size(src.cache);
	h->ptr = kmem_cache_alloc(src.cache, gfp);
	return 0;
}

static int cmd_cache_free(struct kmm_scenario *sc, struct stmt *st)
{
	struct handle *c = NULL, *h;
	if (nargs(sc, st, 1, 2))
		return -1;
	if (st->npos == 2 && handle_get(sc, arg(st, 0), 1u << H_CACHE, &c))
		return -1;
	if (handle_get(sc, arg(st, st->npos - 1), 1u << H_OBJ, &h))
		return -1;
	CHECKED(sc);
	if (handle_null(h) && (!c || handle_null(c) || !h->cache || h->cache == c->cache)) {
		handle_release(sc, h); /* kmem_cache_free(s, NULL) does nothing */
		return 0;
	}
	if (!h->cache || (c && c->cache != h->cache))
		return err_tok(sc, arg(st, st->npos - 1), "%s did not come from %s (line %d)", h->name,
			       c ? c->name : "a kmem_cache", h->line);
	handle_release(sc, h);
	return 0;
}

static int cmd_cache_shrink(struct kmm_scenario *sc, struct stmt *st)
{
	struct handle *c;
	int go = the_handle(sc, st, H_CACHE, &c);
	if (go)
		return go < 0 ? -1 : 0;
	if (!handle_null(c))
		kmem_cache_shrink(c->cache);
	return 0;
}

static int cmd_kmalloc(struct kmm_scenario *sc, struct stmt *st)
{
	unsigned long size;
	gfp_t gfp = GFP_KERNEL;
	int ret;
	if (nargs(sc, st, 1, 2) || parse_size(sc, arg(st, 0), arg(st, 0)->text, &size) ||
	    (st->npos == 2 && parse_gfp(sc, arg(st, 1), &gfp)))
		return -1;
	if (!size)
		return err_tok(sc, arg(st, 0), "%s(0) gives ZERO_SIZE_PTR, nothing to hold: ask for 1 byte or more",
			       st->cmd->name);
	struct handle *h = handle_new(sc, st, H_OBJ, &ret);
	if (!h)
		return ret;
	h->size = size;
	if (!strcmp(st->cmd->name, "kzalloc"))
		h->ptr = kzalloc(size, gfp);
	else if (!strcmp(st->cmd->name, "kvmalloc"))
		h->ptr = kvmalloc(size, gfp);
	else
		h->ptr = kmalloc(size, gfp);
	return 0;
}

static int cmd_krealloc(struct kmm_scenario *sc, struct stmt *st)
{
	struct handle *old, *h;
	unsigned long size;
	gfp_t gfp = GFP_KERNEL;
	int ret;
	if (nargs(sc, st, 2, 3) || handle_get(sc, arg(st, 0), 1u << H_OBJ, &old) ||
	    parse_size(sc, arg(st, 1), arg(st, 1)->text, &size) || (st->npos == 3 && parse_gfp(sc, arg(st, 2), &gfp)))
		return -1;
	if (!size)
		return err_tok(sc, arg(st, 1), "krealloc to 0 bytes frees: use kfree");
	if (sc->checking)
		return handle_new(sc, st, H_OBJ, &ret), ret;
	if (old->cache || !strcmp(old->what, "kvmalloc"))
		return err_tok(sc, arg(st, 0), "%s came from %s: krealloc takes kmalloc memory", old->name,
			       old->cache ? kmem_cache_name(old->cache) : old->what);
	void *p = krealloc(old->ptr, size, gfp);
	if (!p) { /* the old memory stays where it was */
		char name[SC_NAME_MAX];
		handle_name(sc, &st->tok[0], name);
		if (!strcmp(name, old->name))
			return 0;
		if (!(h = handle_new(sc, st, H_OBJ, &ret)))
			return ret;
		h->size = size;
		return 0;
	}
	handle_forget(sc, old); /* krealloc took it over */
	if (!(h = handle_new(sc, st, H_OBJ, &ret))) {
		kfree(p);
		return ret;
	}
	h->ptr = p;
	h->size = size;
	return 0;
}

static int cmd_kfree(struct kmm_scenario *sc, struct stmt *st)
{
	struct handle *h;
	int go = the_handle(sc, st, H_OBJ, &h);
	if (go)
		return go < 0 ? -1 : 0;
	bool kv = !strcmp(h->what, "kvmalloc");
	if (h->cache)
		return err_tok(sc, arg(st, 0), "%s came from kmem_cache %s: use kmem_cache_free", h->name,
			       kmem_cache_name(h->cache));
	if (kv != !strcmp(st->cmd->name, "kvfree"))
		return err_tok(sc, arg(st, 0), "%s came from %s: use %s", h->name, h->what, kv ? "kvfree" : "kfree");
	handle_release(sc, h);
	return 0;
}

static int cmd_vmalloc(struct kmm_scenario *sc, struct stmt *st)
{
	unsigned long size;
	int ret;
	if (nargs(sc, st, 1, 1) || parse_size(sc, arg(st, 0), arg(st, 0)->text, &size))
		return -1;
	struct handle *h = handle_new(sc, st, H_VMALLOC, &ret);
	if (!h)
		return ret;
	h->size = size;
	if (!strcmp(st->cmd->name, "vzalloc"))
		h->ptr = vzalloc(size);
	else if (!strcmp(st->cmd->name, "vmalloc_32"))
		h->ptr = vmalloc_32(size);
	else
		h->ptr = vmalloc(size);
	return 0;
}

static int cmd_kmap(struct kmm_scenario *sc, struct stmt *st)
{
	struct handle *p, *h;
	int ret;
	if (nargs(sc, st, 1, 1) || handle_get(sc, arg(st, 0), 1u << H_PAGES, &p))
		return -1;
	struct handle src = p ? *p : (struct handle){ 0 }; /* handle_new may move the handles */
	if (!(h = handle_new(sc, st, H_KMAP, &ret)))
		return ret;
	bool atomic = !strcmp(st->cmd->name, "kmap_atomic"), local = !strcmp(st->cmd->name, "kmap_local_page");
	h->how = atomic ? KMAP_ATOMIC : local ? KMAP_LOCAL : KMAP_PERMANENT;
	if (handle_null(&src))
		return skip_null(sc, st, arg(st, 0), &src) - 1; /* no page to map: the kmap is NULL */
	h->page = src.page;
	h->ptr = atomic ? kmap_atomic(src.page) : local ? kmap_local_page(src.page) : kmap(src.page);
	return 0;
}

static int cmd_kunmap(struct kmm_scenario *sc, struct stmt *st)
{
	struct handle *h;
	int go = the_handle(sc, st, H_KMAP, &h);
	if (go)
		return go < 0 ? -1 : 0;
	static const char *const unmap_of[] = { "kunmap", "kunmap_atomic", "kunmap_local" };
	if (strcmp(unmap_of[h->how], st->cmd->name))
		return err_tok(sc, &st->tok[st->cmd_at], "%s came from %s: undo it with %s", h->name, h->what,
			       unmap_of[h->how]);
	handle_release(sc, h);
	return 0;
}

/* ---- repeat, help ---------------------------------------------------------------------------- */

static int cmd_repeat(struct kmm_scenario *sc, struct stmt *st)
{
	long count;
	if (st->npos != 1 && st->npos != 3)
		return usage_error(sc, st, NULL);
	if (parse_num(sc, arg(st, 0), arg(st, 0)->text, 0, SC_MAX_REPEAT, &count))
		return -1;
	const char *var = NULL;
	if (st->npos == 3) {
		struct tok *v = arg(st, 2);
		if (strcmp(arg(st, 1)->text, "as"))
			return err_tok(sc, arg(st, 1), "expected `as NAME` after the count, got \"%s\"", arg(st, 1)->text);
		if (!isalpha((unsigned char)v->text[0]) || strspn(v->text, "abcdefghijklmnopqrstuvwxyz"
									"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
								  strlen(v->text))
			return err_tok(sc, v, "expected a counter name like i, got \"%s\"", v->text);
		var = v->text;
	}
	if (sc->nvars == SC_MAX_DEPTH)
		return err_tok(sc, &st->tok[0], "repeat blocks nest too deep");
	sc->vars[sc->nvars++] = (struct loopvar){ var ? var : "", 0 };
	int ret = 0;
	if (sc->checking)
		ret = run_stmts(sc, st->body, st->nbody);
	for (long i = 0; !sc->checking && i < count && !ret; i++) {
		sc->vars[sc->nvars - 1].value = i;
		ret = run_stmts(sc, st->body, st->nbody);
	}
	sc->nvars--;
	return ret;
}

static const struct command commands[];

static int cmd_help(struct kmm_scenario *sc, struct stmt *st)
{
	if (nargs(sc, st, 0, 1))
		return -1;
	CHECKED(sc);
	if (st->npos == 1) {
		const struct command *c = command_find(arg(st, 0)->text);
		if (!c)
			return err_tok(sc, arg(st, 0), "no command \"%s\"", arg(st, 0)->text);
		fprintf(sc->out, "%s%s %s\n    %s\n", c->result == R_HANDLE ? "NAME = " : "", c->name, c->usage, c->help);
		if (!strcmp(c->name, "show")) {
			fprintf(sc->out, "    views:");
			for (const char *const *p = kmm_proc_paths(); *p; p++)
				fprintf(sc->out, " %s", *p);
			fprintf(sc->out, " counters TASK/maps TASK/smaps TASK/smaps_rollup TASK/status TASK/stat TASK/statm"
					 " TASK/cmdline TASK/oom_score TASK/oom_score_adj TASK/kmm/pagemap\n");
		}
		return 0;
	}
	for (const struct command *c = commands; c->name; c++)
		fprintf(sc->out, "  %-16s %s\n", c->name, c->help);
	return 0;
}

static const struct command commands[] = {
	{ "boot", cmd_boot, R_NONE, "*", "[--profile P] [--mem SIZE] [--cmdline \"...\"] [--cpus N] ...",
	  "boot the machine with kmm boot's options (first, once; else it boots with the defaults)", H_NONE },
	{ "say", cmd_say, R_NONE, "*", "TEXT...", "print a line of text", H_NONE },
	{ "echo", cmd_say, R_NONE, "*", "TEXT...", "print a line of text (as say)", H_NONE },
	{ "show", cmd_show, R_NONE, "", "VIEW [SECTION] | TASK/VIEW [SECTION] | HANDLE",
	  "print a /proc view (or its lines about SECTION: a zone, a cache, a field), or describe a handle", H_NONE },
	{ "expect", cmd_expect, R_NONE, "",
	  "HANDLE ==|!= NULL | VIEW [SECTION] FIELD OP NUMBER", "check a handle or a number in a view; fail the run if not", H_NONE },
	{ "verify", cmd_verify, R_NONE, "", "", "run every validator (zones, caches, vmap areas, pkmap, tasks)", H_NONE },
	{ "map", cmd_map, R_NONE, "", "FILE.svg", "draw physical memory frame by frame, by what each frame does", H_NONE },
	{ "plot", cmd_plot, R_NONE, "", "FILE.svg",
	  "draw memory pressure so far: free pages per zone and watermarks, LRU lists, swap, kswapd and direct reclaim",
	  H_NONE },
	{ "sysctl", cmd_sysctl, R_NONE, "*", "vm.NAME[=VALUE]", "read or set a /proc/sys/vm tunable", H_NONE },
	{ "compact", cmd_compact, R_NONE, "", "", "compact every zone (echo 1 > /proc/sys/vm/compact_memory)", H_NONE },
	{ "cgroup", cmd_cgroup, R_NONE, "", "create|remove GROUP | attach GROUP TASK | set GROUP FILE VALUE",
	  "memory cgroups: make or remove one, move a task in, set memory.max/high/low/min/oom.group", H_NONE },
	{ "fail", cmd_fail, R_NONE, "*", "failslab|fail_page_alloc [FILE=VALUE]...",
	  "inject allocation failures: write its sys/kernel/debug files (probability=10 times=-1 ...), or show them",
	  H_NONE },
	{ "trace", cmd_trace, R_NONE, "*", "on [EVENTS] | off [EVENTS] | clear",
	  "record trace events of kmem:, vmscan:, compaction:, migrate:, cma: (kmem:kmalloc,vmscan ...; all of kmem by "
	  "default) into "
	  "sys/kernel/tracing/trace",
	  H_NONE },
	{ "repeat", cmd_repeat, R_NONE, "", "N [as I] { ... }", "run a block N times, I counting from 0", H_NONE },
	{ "alloc_pages", cmd_alloc_pages, R_HANDLE, "order,node", "GFP [order=N] [node=N]",
	  "2^order contiguous page frames from the buddy allocator", H_NONE },
	{ "free_pages", cmd_release, R_NONE, "", "PAGES", "give pages back to the buddy allocator", H_PAGES },
	{ "cma_alloc", cmd_cma_alloc, R_HANDLE, "align", "SIZE [align=N]",
	  "SIZE bytes of physically contiguous pages from the default CMA area (--kconfig CMA=y, cma=), migrating "
	  "the movable pages that borrowed them; aligned to 2^N pages (default get_order(SIZE), at most 8)", H_NONE },
	{ "cma_release", cmd_release, R_NONE, "", "PAGES", "give cma_alloc's pages back to the CMA area", H_PAGES },
	{ "kmem_cache_create", cmd_cache_create, R_HANDLE, "align", "NAME SIZE [SLAB_FLAGS] [align=N]",
	  "a slab cache of SIZE-byte objects", H_NONE },
	{ "kmem_cache_destroy", cmd_release, R_NONE, "", "CACHE", "destroy a slab cache", H_CACHE },
	{ "kmem_cache_alloc", cmd_cache_alloc, R_HANDLE, "", "CACHE [GFP]", "an object from a cache", H_NONE },
	{ "kmem_cache_free", cmd_cache_free, R_NONE, "", "[CACHE] OBJECT", "give an object back to its cache", H_NONE },
	{ "kmem_cache_shrink", cmd_cache_shrink, R_NONE, "", "CACHE", "free a cache's empty slabs", H_NONE },
	{ "kmalloc", cmd_kmalloc, R_HANDLE, "", "SIZE [GFP]", "SIZE bytes from the kmalloc size class that fits", H_NONE },
	{ "kzalloc", cmd_kmalloc, R_HANDLE, "", "SIZE [GFP]", "kmalloc, zeroed", H_NONE },
	{ "kvmalloc", cmd_kmalloc, R_HANDLE, "", "SIZE [GFP]", "kmalloc, or vmalloc when that fails", H_NONE },
	{ "krealloc", cmd_krealloc, R_HANDLE, "", "OBJECT SIZE [GFP]", "resize kmalloc memory (the old handle ends)", H_NONE },
	{ "kfree", cmd_kfree, R_NONE, "", "OBJECT", "free kmalloc memory", H_NONE },
	{ "kvfree", cmd_kfree, R_NONE, "", "OBJECT", "free kvmalloc memory", H_NONE },
	{ "vmalloc", cmd_vmalloc, R_HANDLE, "", "SIZE", "virtually contiguous memory of scattered frames", H_NONE },
	{ "vzalloc", cmd_vmalloc, R_HANDLE, "", "SIZE", "vmalloc, zeroed", H_NONE },
	{ "vmalloc_32", cmd_vmalloc, R_HANDLE, "", "SIZE", "vmalloc from 32-bit addressable (no HighMem) pages", H_NONE },
	{ "vfree", cmd_release, R_NONE, "", "AREA", "free a vmalloc area", H_VMALLOC },
	{ "kmap", cmd_kmap, R_HANDLE, "", "PAGES", "a kernel address for a (HighMem) page: a PKMAP entry", H_NONE },
	{ "kunmap", cmd_kunmap, R_NONE, "", "KMAP", "release a kmap", H_NONE },
	{ "kmap_atomic", cmd_kmap, R_HANDLE, "", "PAGES", "map a page in this CPU's next FIXMAP slot", H_NONE },
	{ "kunmap_atomic", cmd_kunmap, R_NONE, "", "KMAP", "release a kmap_atomic (the last one first)", H_NONE },
	{ "kmap_local_page", cmd_kmap, R_HANDLE, "", "PAGES", "map a page in this CPU's next FIXMAP slot", H_NONE },
	{ "kunmap_local", cmd_kunmap, R_NONE, "", "KMAP", "release a kmap_local_page (the last one first)", H_NONE },
	{ "task_create", cmd_task_create, R_HANDLE, "uid", "COMM [uid=N]", "a new process with an empty address space", H_NONE },
	{ "spawn", cmd_task_create, R_HANDLE, "uid", "COMM [uid=N]", "a new process (as task_create)", H_NONE },
	{ "exec", cmd_exec, R_NONE, "text,data,bss", "TASK PATH [text=SIZE] [data=SIZE] [bss=SIZE]",
	  "lay out code, data, heap and stack as exec does", H_NONE },
	{ "mmap", cmd_mmap, R_HANDLE, "file", "TASK SIZE [PROT] [shared] [populate] [noreserve] [file=PATH]",
	  "a mapping, anonymous or of a file, private or shared (PROT rw by default; noreserve: MAP_NORESERVE, not committed); "
	  "nothing is allocated until touched", H_NONE },
	{ "file", cmd_file, R_NONE, "", "PATH SIZE", "a file of SIZE bytes on the simulated disk", H_NONE },
	{ "open", cmd_open, R_HANDLE, "", "TASK PATH [rw] [create]", "open a file of the disk in a task (read-only unless rw)",
	  H_NONE },
	{ "close", cmd_release, R_NONE, "", "FILE", "close a task's open file", H_FILE },
	{ "stat", cmd_stat, R_NONE, "", "TASK PATH", "look a path up in a task, as stat(2)", H_NONE },
	{ "sync", cmd_sync, R_NONE, "", "", "write every dirty page-cache page back to the disk", H_NONE },
	{ "munmap", cmd_munmap, R_NONE, "", "REGION [OFF LEN] [in TASK]", "unmap a region, or part of it", H_NONE },
	{ "brk", cmd_brk, R_HANDLE, "", "TASK SIZE", "grow the task's heap by SIZE (brk); the handle is the new part", H_NONE },
	{ "mremap", cmd_mremap, R_NONE, "", "REGION NEWSIZE [maymove]", "resize a region (mremap), moving it if maymove", H_NONE },
	{ "mprotect", cmd_mprotect, R_NONE, "", "REGION PROT [OFF LEN] [in TASK]", "change a region's protection", H_NONE },
	{ "mkswap", cmd_swapon, R_NONE, "", "PATH", "write a swap header into a file of the disk (mkswap)", H_NONE },
	{ "swapon", cmd_swapon, R_NONE, "prio", "DEVICE SIZE [prio=N] | PATH [prio=N]",
	  "make a disk of SIZE swap space and use it (mkswap, swapon), or swap to a file made swap with mkswap", H_NONE },
	{ "swapoff", cmd_swapon, R_NONE, "", "DEVICE|PATH", "stop swapping to a disk or a file", H_NONE },
	{ "mlock", cmd_mlock, R_NONE, "", "REGION [OFF LEN] [onfault] [in TASK]",
	  "lock a region's pages in memory, on the unevictable list (faulting them in, or as they fault: onfault)", H_NONE },
	{ "munlock", cmd_mlock, R_NONE, "", "REGION [OFF LEN] [in TASK]", "unlock a region's pages", H_NONE },
	{ "mlockall", cmd_mlockall, R_NONE, "", "TASK [current] [future] [onfault]",
	  "lock every mapping of a task now (current) and every later one (future); onfault: as pages fault in", H_NONE },
	{ "munlockall", cmd_mlockall, R_NONE, "", "TASK", "unlock every mapping of a task, now and later", H_NONE },
	{ "madvise", cmd_madvise, R_NONE, "", "REGION normal|willneed|dontneed|cold|pageout [OFF LEN] [in TASK]",
	  "advise on a region's pages (dontneed drops them)", H_NONE },
	{ "touch", cmd_touch, R_NONE, "", "REGION [OFF [LEN]] [read|write] [in TASK]",
	  "access memory as the CPU would: page faults fill it in (write by default)", H_NONE },
	{ "write", cmd_write, R_NONE, "", "REGION OFF TEXT [in TASK]", "store bytes into a task's memory", H_NONE },
	{ "check", cmd_check, R_NONE, "", "REGION OFF TEXT [in TASK]",
	  "the bytes at REGION+OFF are TEXT, read by the software walk and by the host trap; fail the run if not",
	  H_NONE },
	{ "fork", cmd_fork, R_HANDLE, "", "TASK", "a child sharing the parent's pages copy-on-write", H_NONE },
	{ "exit", cmd_release, R_NONE, "", "TASK", "end a task: its memory goes back", H_TASK },
	{ "oom_score_adj", cmd_oom_score_adj, R_NONE, "", "TASK N",
	  "set the task's oom_score_adj (-1000: never OOM-killed, 1000: killed first)", H_NONE },
	{ "sleep", cmd_clock, R_NONE, "", "TIME", "let simulated time pass (30s, 500ms, 2m); timed work such as the flusher's writeback runs", H_NONE },
	{ "step", cmd_clock, R_NONE, "", "[N]", "let N ticks pass (HZ=250: 4 ms each; 1 if no N)", H_NONE },
	{ "device", cmd_device, R_HANDLE, "", "NAME BITS | pci", "a device doing DMA with a BITS-bit mask (24: ISA-like), or the machine's PCI device",
	  H_NONE },
	{ "device_destroy", cmd_release, R_NONE, "", "DEVICE", "remove a device (its buffers, mappings and pools must be gone)", H_DEVICE },
	{ "dma_alloc", cmd_dma_alloc, R_HANDLE, "", "DEVICE SIZE [GFP]",
	  "dma_alloc_coherent: zeroed memory the device reaches, from the zone its mask names", H_NONE },
	{ "dma_free", cmd_release, R_NONE, "", "BUFFER", "dma_free_coherent", H_DMA },
	{ "dma_map", cmd_dma_map, R_HANDLE, "off,len", "DEVICE PAGES|OBJECT [to|from|bidi] [off=N] [len=N]",
	  "a streaming mapping (bounced through the swiotlb when out of the device's reach)", H_NONE },
	{ "dma_unmap", cmd_release, R_NONE, "", "MAPPING", "end a streaming mapping (the device's bytes come back)", H_DMAMAP },
	{ "dma_pool_create", cmd_dma_pool_create, R_HANDLE, "align,boundary", "DEVICE NAME SIZE [align=N] [boundary=N]",
	  "a pool of small coherent blocks", H_NONE },
	{ "dma_pool_alloc", cmd_dma_pool_alloc, R_HANDLE, "", "POOL [GFP]", "a block from a DMA pool", H_NONE },
	{ "dma_pool_free", cmd_release, R_NONE, "", "BLOCK", "give a block back to its pool", H_DMABLOCK },
	{ "dma_pool_destroy", cmd_release, R_NONE, "", "POOL", "destroy a DMA pool (its blocks must be free)", H_DMAPOOL },
	{ "dma_write", cmd_dma_write, R_NONE, "", "BUFFER|MAPPING|BLOCK OFF TEXT", "the device stores bytes at its bus address", H_NONE },
	{ "dma_read", cmd_dma_read, R_NONE, "", "HANDLE OFF LEN",
	  "print bytes as the device sees them (a DMA handle) or as the CPU does (pages, an object)", H_NONE },
	{ "help", cmd_help, R_NONE, "", "[COMMAND]", "list the commands, or describe one", H_NONE },
	{ NULL, NULL, 0, NULL, NULL, NULL, H_NONE },
};

static const struct command *command_find(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

const char *const *kmm_scenario_commands(void)
{
	static const char *names[ARRAY_SIZE(commands)];
	for (size_t i = 0; commands[i].name; i++)
		names[i] = commands[i].name;
	return names;
}

const char *kmm_scenario_help(const char *name)
{
	const struct command *c = command_find(name);
	return c ? c->help : NULL;
}

/* ---- running --------------------------------------------------------------------------------- */

static void trace_stmt(struct kmm_scenario *sc, const struct stmt *st)
{
	fprintf(sc->out, "%s:%d:", sc->name, st->tok[0].line);
	for (int i = 0; i < st->ntok; i++)
		fprintf(sc->out, st->tok[i].quoted ? " \"%s\"" : " %s", st->tok[i].text);
	fputc('\n', sc->out);
}

/*
 * The task a statement acts on, for the trace's TASK-PID column: the first
 * argument naming a live task or one of its regions (NULL: the work is the
 * kernel's own, "<idle>-0").  Silent: names are checked by the command.
 */
static struct task_struct *stmt_task(struct kmm_scenario *sc, const struct stmt *st)
{
	for (int i = st->cmd_at + 1; i < st->ntok; i++) {
		const char *s = st->tok[i].text;
		size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
		char name[SC_NAME_MAX];
		if (st->tok[i].quoted || !n || n >= SC_NAME_MAX - 24)
			continue;
		if (!s[n]) {
			memcpy(name, s, n + 1);
		} else {
			const char *idx = s + n + 1;
			size_t il = strcspn(idx, "]");
			if (s[n] != '[' || !il || idx[il] != ']' || idx[il + 1])
				continue;
			long v = -1;
			if (strspn(idx, "0123456789") == il && il < 10)
				v = atol(idx);
			for (int k = sc->nvars - 1; v < 0 && k >= 0; k--)
				if (strlen(sc->vars[k].name) == il && !strncmp(sc->vars[k].name, idx, il))
					v = sc->vars[k].value;
			if (v < 0)
				continue;
			snprintf(name, sizeof(name), "%.*s[%ld]", (int)n, s, v);
		}
		struct handle *h = handle_find(sc, name);
		if (h && (h->kind == H_TASK || h->kind == H_MMAP) && h->task)
			return h->task;
	}
	return NULL;
}

static bool needs_machine(const struct stmt *st)
{
	const char *n = st->cmd->name;
	return strcmp(n, "boot") && strcmp(n, "say") && strcmp(n, "echo") && strcmp(n, "help") && strcmp(n, "repeat") &&
	       strcmp(n, "sleep") && strcmp(n, "step");
}

static int run_stmts(struct kmm_scenario *sc, struct stmt *s, int n)
{
	for (int i = 0; i < n && !sc->stop; i++) {
		struct stmt *st = &s[i];
		if (!sc->checking) {
			if (sc->o.max_steps && ++sc->steps > sc->o.max_steps)
				return err_tok(sc, &st->tok[0],
					       "the script ran more than %ld statements, the step limit (kmm run --max-steps N "
					       "raises it, 0 removes it)",
					       sc->o.max_steps);
			if (!sc->booted && needs_machine(st) && machine_boot(sc, &st->tok[0]))
				return -1;
			if (sc->o.trace && strcmp(st->cmd->name, "repeat"))
				trace_stmt(sc, st);
		} else if (strcmp(st->cmd->name, "boot") && strcmp(st->cmd->name, "say") && strcmp(st->cmd->name, "echo")) {
			sc->boot_seen = true; /* boot must come first */
		}
		if (!sc->checking)
			trace_set_current(stmt_task(sc, st));
		int ret = st->cmd->run(sc, st);
		if (!sc->checking) {
			trace_set_current(NULL);
			if (sc->booted)
				sched_point(); /* between two commands, kswapd and the timers get their turn */
			kmm_plot_sample(); /* the pressure picture's sample after each statement */
			echo_log(sc);
			if (!ret && (sc->o.trace || sc->o.results) && st->cmd->result == R_HANDLE) {
				char name[SC_NAME_MAX];
				struct handle *h;
				if (!handle_name(sc, &st->tok[0], name) && (h = handle_find(sc, name)))
					describe(sc, h);
			}
		}
		if (ret)
			return ret;
	}
	return sc->stop ? -1 : 0;
}

struct kmm_scenario *kmm_scenario_new(const struct kmm_scenario_opts *o)
{
	struct kmm_scenario *sc = calloc(1, sizeof(*sc));
	if (!sc)
		return NULL;
	sc->o = *o;
	sc->name = o->name ? o->name : "<input>";
	sc->out = o->out ? o->out : stdout;
	sc->err = o->err ? o->err : stderr;
	sc->params = (struct kmm_boot_params)KMM_BOOT_DEFAULTS;
	return sc;
}

bool kmm_scenario_incomplete(const char *text)
{
	int depth = 0;
	bool quoted = false, comment = false;
	for (const char *p = text; *p; p++) {
		if (*p == '\n')
			comment = quoted = false;
		else if (comment)
			continue;
		else if (*p == '"')
			quoted = !quoted;
		else if (quoted && *p == '\\' && p[1] && p[1] != '\n')
			p++;
		else if (!quoted && *p == '#' && (p == text || strchr(" \t\n;{}", p[-1])))
			comment = true;
		else if (!quoted && *p == '{')
			depth++;
		else if (!quoted && *p == '}')
			depth--;
	}
	return depth > 0;
}

int kmm_scenario_feed(struct kmm_scenario *sc, const char *text, int first_line)
{
	struct lexer lx = { sc, text, first_line, 1 };
	struct program *prog = calloc(1, sizeof(*prog));
	int before = sc->status;
	sc->status = 0;
	sc->stop = false;
	sc->steps = 0; /* o.max_steps bounds each piece (a shell line), not a whole session */
	if (!prog || parse_block(&lx, &prog->stmts, &prog->n, 0, NULL)) {
		free(prog);
		goto out;
	}
	prog->next = sc->programs; /* boot options and cache names may point into it */
	sc->programs = prog;
	bool seen = sc->boot_seen;
	sc->checking = true;
	int ret = run_stmts(sc, prog->stmts, prog->n);
	sc->checking = false;
	sc->boot_seen = seen || sc->booted;
	sc->nvars = 0;
	if (!ret)
		run_stmts(sc, prog->stmts, prog->n);
	sc->nvars = 0;
	sc->boot_seen = sc->boot_seen || sc->booted;
out:;
	int status = sc->status;
	sc->status = status > before ? status : before;
	return status;
}

int kmm_scenario_finish(struct kmm_scenario *sc)
{
	char why[512];
	int status = sc->status;
	if (sc->booted) {
		if (sc->o.machine_live)
			sc->o.machine_live(sc->o.machine_live_arg, false);
		if (sc->o.proc_dir) {
			int pids[256], n = 0;
			for (int i = 0; i < sc->nh && n < 256; i++)
				if (sc->h[i].kind == H_TASK && sc->h[i].task)
					pids[n++] = sc->h[i].task->pid;
			if (kmm_proc_dump(sc->o.proc_dir, pids, n, why, sizeof(why))) {
				fprintf(sc->err, "%s: %s\n", sc->name, why);
				status = KMM_SCENARIO_USAGE;
			}
		}
		if (sc->o.plot_file && plot_write(sc->o.plot_file, why, sizeof(why))) {
			fprintf(sc->err, "%s: --plot %s\n", sc->name, why);
			status = KMM_SCENARIO_USAGE;
		}
		int freed = 0;
		for (int i = sc->nh - 1; i >= 0; i--)
			if (sc->h[i].kind != H_NONE) {
				handle_release(sc, &sc->h[i]);
				freed++;
			}
		swapoff_files(); /* a swap file left on holds its file open: shutdown's swapoff -a (a disk holds nothing) */
		echo_log(sc);
		char injected[160];
		if (fault_inject_summary(injected, sizeof(injected)))
			fprintf(sc->out, "fault injection: %s\n", injected);
		if (kmm_nothing_lost(&sc->at_boot, why, sizeof(why))) {
			fprintf(sc->err, "%s: something was lost: %s\n", sc->name, why);
			status = KMM_SCENARIO_BROKEN;
		} else {
			fprintf(sc->out, "end: %d handle%s freed, nothing lost\n", freed, freed == 1 ? "" : "s");
		}
		unsigned long bugs = (unsigned long)sc_bugs();
		if (bugs > sc->bugs_seen) {
			fprintf(sc->err, "%s: the kernel reported %lu BUG%s (see the messages above)\n", sc->name,
				bugs - sc->bugs_seen, bugs - sc->bugs_seen == 1 ? "" : "s");
			status = KMM_SCENARIO_BROKEN;
		}
		echo_log(sc);
		kmm_shutdown();
	}
	if (sc->failed_expects)
		fprintf(sc->err, "%s: %d expect%s failed\n", sc->name, sc->failed_expects, sc->failed_expects == 1 ? "" : "s");
	if (sc->skipped)
		fprintf(sc->err, "%s: %d command%s skipped for a NULL handle\n", sc->name, sc->skipped,
			sc->skipped == 1 ? "" : "s");
	while (sc->programs) {
		struct program *p = sc->programs;
		sc->programs = p->next;
		stmts_free(p->stmts, p->n);
		free(p);
	}
	free(sc->e820);
	free(sc->h);
	free(sc->bucket);
	free(sc->handle_names);
	free(sc);
	return status;
}

const char *const *kmm_scenario_handles(struct kmm_scenario *sc)
{
	free(sc->handle_names);
	sc->handle_names = calloc((size_t)sc->nh + 1, sizeof(char *));
	int n = 0;
	for (int i = 0; sc->handle_names && i < sc->nh; i++)
		if (sc->h[i].kind != H_NONE)
			sc->handle_names[n++] = sc->h[i].name;
	return sc->handle_names;
}

int kmm_scenario_run(const char *text, const struct kmm_scenario_opts *o)
{
	if (M) {
		fprintf(o->err ? o->err : stderr, "%s: a machine is already booted in this process\n",
			o->name ? o->name : "<input>");
		return KMM_SCENARIO_USAGE;
	}
	struct kmm_scenario *sc = kmm_scenario_new(o);
	if (!sc)
		return KMM_SCENARIO_USAGE;
	int status = kmm_scenario_feed(sc, text, 1);
	/* a script that never needed the machine still boots, so its end is checked the same way */
	if (status != KMM_SCENARIO_USAGE && !sc->booted) {
		struct tok at = { .line = 1, .col = 1 };
		machine_boot(sc, &at);
	}
	int fin = kmm_scenario_finish(sc);
	return fin > status ? fin : status;
}

bool kmm_text_find_nul(const char *buf, size_t len, int *line, int *col)
{
	const char *nul = memchr(buf, 0, len);
	if (!nul)
		return false;
	*line = 1;
	const char *bol = buf;
	for (const char *p = buf; p < nul; p++)
		if (*p == '\n') {
			++*line;
			bol = p + 1;
		}
	*col = (int)(nul - bol) + 1;
	return true;
}

int kmm_scenario_run_buf(const char *buf, size_t len, const struct kmm_scenario_opts *o)
{
	int line, col;
	if (kmm_text_find_nul(buf, len, &line, &col)) {
		fprintf(o->err ? o->err : stderr, "%s:%d:%d: a NUL byte: a script is text (nothing was run)\n",
			o->name ? o->name : "<input>", line, col);
		return KMM_SCENARIO_USAGE;
	}
	char *text = malloc(len + 1);
	if (!text) {
		fprintf(o->err ? o->err : stderr, "%s: no host memory for a script of %zu bytes\n",
			o->name ? o->name : "<input>", len);
		return KMM_SCENARIO_USAGE;
	}
	memcpy(text, buf, len);
	text[len] = 0;
	int status = kmm_scenario_run(text, o);
	free(text);
	return status;
}
