/*
 * printk.c - the simulated kernel's log buffer, text buffers and the
 * assertion reports.
 *
 * Vocabulary: the log is one growable text buffer (kmm_machine->log) holding
 * lines in dmesg's format, "[    0.000000] message".  The timestamp is the
 * simulated clock (kmm_clock_ns()), so a run is byte-for-byte
 * reproducible.  A message starts with an optional level marker (KERN_INFO,
 * "<6>", ...) which is stripped, as dmesg shows it; KERN_CONT continues the
 * previous line.  Before a machine exists (or after it is gone) messages go
 * to stderr.
 *
 * ___ratelimit() is lib/ratelimit.c's, on jiffies of the simulated clock;
 * __warn_report() prints a WARN_ON_ONCE as kernel/panic.c's __warn() does,
 * and __warn_once_first() keeps "once" per booted machine.
 * dump_stack() prints what Linux's does - the CPU line (with the pid and
 * comm of the task the thread works for, get_current(); "PID: 0 Comm: kmm"
 * for kmm's own work) and a call trace - with the host's frames named as %pS names them (sprint_symbol(),
 * sim/kallsyms.c: "should_fail+0x9d/0x1c0"), so the text is the same on
 * every run of the same binary.
 *
 * Nothing here allocates simulated memory; it only uses the host heap.
 * log_lock serialises appends: CPUs running in several threads print at
 * once (the stress driver's SIGSEGVs, failure warnings), and an append
 * may move the buffer.  It is a leaf lock, taken with any other held; the
 * trap calls printk from its SIGSEGV handler, which only user-window
 * accesses raise, never code inside printk.  kmm_dmesg()'s text is stable
 * while no CPU prints.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <kmm/task.h>

#include <execinfo.h>
#include <unistd.h>

bool kmm_log_to_stderr;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	if (sb->len + (size_t)n + 1 > sb->cap) {
		size_t cap = sb->cap ? sb->cap : 256;
		while (cap < sb->len + (size_t)n + 1)
			cap *= 2;
		char *nb = realloc(sb->buf, cap);
		if (!nb)
			abort(); /* the host is out of memory: nothing sane is left */
		sb->buf = nb;
		sb->cap = cap;
	}
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sb_vprintf(sb, fmt, ap);
	va_end(ap);
}

char *sb_detach(struct strbuf *sb)
{
	char *s = sb->buf ? sb->buf : strdup("");
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return s;
}

void sb_free(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

void printk(const char *fmt, ...)
{
	bool cont = false;
	if (fmt[0] == '<' && fmt[1] && fmt[2] == '>') {
		cont = fmt[1] == 'c';
		fmt += 3;
	}
	struct strbuf line = { 0 };
	va_list ap;
	va_start(ap, fmt);
	sb_vprintf(&line, fmt, ap);
	va_end(ap);
	if (!line.buf)
		return;

	if (!M) {
		fputs(line.buf, stderr);
		sb_free(&line);
		return;
	}
	struct strbuf *log = &M->log;
	pthread_mutex_lock(&log_lock);
	size_t from = log->len;
	if (!cont || !log->len || log->buf[log->len - 1] == '\n') {
		if (!cont || !log->len) {
			u64 now = kmm_clock_ns();
			sb_printf(log, "[%5lu.%06lu] ", (unsigned long)(now / 1000000000), (unsigned long)(now / 1000 % 1000000));
		}
	}
	sb_printf(log, "%s", line.buf);
	if (kmm_log_to_stderr)
		fputs(log->buf + from, stderr);
	pthread_mutex_unlock(&log_lock);
	sb_free(&line);
}

const char *kmm_dmesg(void)
{
	return M && M->log.buf ? M->log.buf : "";
}

void kmm_bug(const char *file, int line, const char *cond)
{
	printk(KERN_CRIT "kernel BUG at %s:%d!\n", file, line);
	printk(KERN_CRIT "invalid opcode: 0000 [#1] (%s)\n", cond);
	if (M && !kmm_log_to_stderr)
		fputs(M->log.buf, stderr);
	abort();
}

bool ___ratelimit(struct ratelimit_state *rs, const char *func)
{
	if (!rs->interval)
		return true;
	if (__atomic_exchange_n(&rs->lock, 1, __ATOMIC_ACQUIRE))
		return false; /* someone else is deciding: this one is dropped, as Linux drops it */
	unsigned long now = M ? (unsigned long)(kmm_clock_ns() / (1000000000 / HZ)) : 0;
	if (!rs->started) {
		rs->begin = now;
		rs->started = true;
	}
	if (now > rs->begin + rs->interval) {
		if (rs->missed) {
			printk(KERN_WARNING "%s: %d callbacks suppressed\n", func, rs->missed);
			rs->missed = 0;
		}
		rs->begin = now;
		rs->printed = 0;
	}
	bool ok = rs->burst && (u32)rs->printed < rs->burst;
	if (ok)
		rs->printed++;
	else
		rs->missed++;
	__atomic_store_n(&rs->lock, 0, __ATOMIC_RELEASE);
	return ok;
}

void dump_stack(void)
{
	void *frames[24];
	int n = backtrace(frames, (int)ARRAY_SIZE(frames));
	const struct task_struct *cur = get_current(); /* the task this thread works for; kmm's own work: pid 0 */
	printk("CPU: %d PID: %d Comm: %s Not tainted 6.1.0-kmm-%s #1\n", max(smp_processor_id(), 0), cur ? cur->pid : 0,
	       cur ? cur->comm : "kmm", M ? M->prof->name : "?");
	printk("Call Trace:\n");
	printk(" <TASK>\n");
	for (int i = 1; i < n; i++) { /* frame 0 is this function */
		char sym[192];
		sprint_symbol(sym, sizeof(sym), (unsigned long)frames[i]);
		printk(" %s\n", sym);
		if (!strncmp(sym, "main+", 5))
			break;
	}
	printk(" </TASK>\n");
}

/* Has the WARN_ON_ONCE_AT at site not warned on this machine yet?  It has now. */
bool __warn_once_first(const void *site)
{
	if (!M)
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(M->warned_once); i++) {
		const void *seen = __atomic_load_n(&M->warned_once[i], __ATOMIC_RELAXED);
		if (seen == site)
			return false;
		if (!seen && __atomic_compare_exchange_n(&M->warned_once[i], &seen, site, false, __ATOMIC_RELAXED,
							 __ATOMIC_RELAXED))
			return true;
		if (seen == site) /* another CPU took the slot for this site first */
			return false;
	}
	return true; /* more sites than slots: warn again rather than never */
}

/* kernel/panic.c's __warn(): the header, where, the CPU and stack, the end marker. */
void __warn_report(const char *where, const char *func)
{
	printk(KERN_WARNING "------------[ cut here ]------------\n");
	printk(KERN_WARNING "WARNING: CPU: %d PID: 0 at %s %s\n", max(smp_processor_id(), 0), where, func);
	dump_stack();
	printk(KERN_WARNING "---[ end trace 0000000000000000 ]---\n");
}

void kmm_warn(const char *file, int line, const char *cond)
{
	printk(KERN_WARNING "WARNING: CPU: 0 at %s:%d (%s)\n", file, line, cond);
}
