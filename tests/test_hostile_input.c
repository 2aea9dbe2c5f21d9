/*
 * test_hostile_input.c - what enters kmm from outside, as a hostile user
 * would write it: numbers that wrap (sizes, counts, orders, addresses at
 * and past 2^64), boot parameters and sysctls with junk, a machine larger
 * than the host can hold, scripts with NUL bytes, loops without end, tens of
 * thousands of handles, trace fields at ULONG_MAX.  Each must end in a
 * clear refusal that names the value (or in Linux's answer), quickly, with
 * nothing booted or nothing lost.  The command-line side of the same probes
 * is in tests/cli.sh.
 */
#define _GNU_SOURCE
#include "kmm_test.h"

#include <limits.h>
#include <time.h>

#include <kmm/kstrtox.h>
#include <kmm/scenario.h>
#include <kmm/trace.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(hostile, .fini = fini, .timeout = 120);

/* ---- the readers themselves (lib/kstrtox.c) ------------------------------------------------ */

Test(hostile, kstrtox_answers_as_linux)
{
	unsigned long long u;
	long long s;
	int i;
	unsigned int ui;
	cr_assert_eq(kstrtoull("18446744073709551615", 10, &u), 0);
	cr_assert_eq(u, ULLONG_MAX);
	cr_assert_eq(kstrtoull("18446744073709551616", 10, &u), -ERANGE);
	cr_assert_eq(kstrtoull("99999999999999999999999999999", 0, &u), -ERANGE);
	cr_assert_eq(kstrtoull("-1", 10, &u), -EINVAL);
	cr_assert_eq(kstrtoull("12abc", 10, &u), -EINVAL);
	cr_assert_eq(kstrtoull("", 10, &u), -EINVAL);
	cr_assert_eq(kstrtoull(" 1", 10, &u), -EINVAL);
	cr_assert_eq(kstrtoull("+7\n", 10, &u), 0);
	cr_assert_eq(u, 7);
	cr_assert_eq(kstrtoull("7\n\n", 10, &u), -EINVAL);
	cr_assert_eq(kstrtoull("0x1f", 0, &u), 0);
	cr_assert_eq(u, 31);
	cr_assert_eq(kstrtoull("010", 0, &u), 0);
	cr_assert_eq(u, 8);
	cr_assert_eq(kstrtoull("0xffffffffffffffff", 16, &u), 0);
	cr_assert_eq(u, ULLONG_MAX);
	cr_assert_eq(kstrtoull("0x10000000000000000", 16, &u), -ERANGE);
	cr_assert_eq(kstrtoll("-9223372036854775808", 10, &s), 0);
	cr_assert_eq(s, LLONG_MIN);
	cr_assert_eq(kstrtoll("-9223372036854775809", 10, &s), -ERANGE);
	cr_assert_eq(kstrtoll("9223372036854775808", 10, &s), -ERANGE);
	cr_assert_eq(kstrtoint("2147483648", 10, &i), -ERANGE);
	cr_assert_eq(kstrtoint("-2147483648", 10, &i), 0);
	cr_assert_eq(i, INT_MIN);
	cr_assert_eq(kstrtouint("4294967296", 10, &ui), -ERANGE);
	cr_assert_eq(kstrtouint("4294967297", 10, &ui), -ERANGE, "4294967297 must not become 1");
}

Test(hostile, memparse_never_wraps)
{
	u64 v;
	char *e;
	cr_assert_eq(kmm_memparse("15E", &e, &v), 0);
	cr_assert_eq(v, 15ULL << 60);
	cr_assert_eq(*e, 0);
	cr_assert_eq(kmm_memparse("16E", &e, &v), -ERANGE, "16E is 2^64, not 0");
	cr_assert_eq(kmm_memparse("17179869185G", &e, &v), -ERANGE, "must not be 1G");
	cr_assert_eq(kmm_memparse("16777215T", &e, &v), 0);
	cr_assert_eq(v, 16777215ULL << 40);
	cr_assert_eq(kmm_memparse("16777216T", &e, &v), -ERANGE);
	cr_assert_eq(kmm_memparse("18446744073709551616", &e, &v), -ERANGE);
	cr_assert_eq(kmm_memparse("x", &e, &v), -EINVAL);
	/* the unchecked one saturates: a caller that forgets to check sees too much, never too little */
	cr_assert_eq(memparse("16E", NULL), ULLONG_MAX);
	cr_assert_eq(memparse("4K", NULL), 4096);

	cr_assert_eq(kmm_parse_size("4KB", ULLONG_MAX, &v), 0);
	cr_assert_eq(v, 4096);
	cr_assert_eq(kmm_parse_size("0x1000", ULLONG_MAX, &v), 0);
	cr_assert_eq(v, 4096);
	cr_assert_eq(kmm_parse_size("-1", ULLONG_MAX, &v), -EINVAL);
	cr_assert_eq(kmm_parse_size("1G", (1ULL << 30) - 1, &v), -ERANGE);
	cr_assert_eq(kmm_parse_size("4Kx", ULLONG_MAX, &v), -EINVAL);
	cr_assert_eq(kmm_parse_size("", ULLONG_MAX, &v), -EINVAL);
}

Test(hostile, counts_orders_addresses)
{
	u64 v;
	unsigned int o;
	const char *end;
	bool over = false;
	cr_assert_eq(kmm_parse_count("64", 1, 64, &v), 0);
	cr_assert_eq(kmm_parse_count("65", 1, 64, &v), -ERANGE);
	cr_assert_eq(kmm_parse_count("0", 1, 64, &v), -ERANGE);
	cr_assert_eq(kmm_parse_count("4294967297", 1, 64, &v), -ERANGE);
	cr_assert_eq(kmm_parse_count("-1", 0, 64, &v), -EINVAL);
	cr_assert_eq(kmm_parse_order("10", &o), 0);
	cr_assert_eq(o, 10);
	cr_assert_eq(kmm_parse_order("11", &o), -ERANGE);
	cr_assert_eq(kmm_parse_order("4294967296", &o), -ERANGE);
	cr_assert_eq(kmm_parse_addr("0xffffffffffffffff]", 19, &end, &v), 0);
	cr_assert_eq(v, ULLONG_MAX);
	cr_assert_eq(*end, ']');
	cr_assert_eq(kmm_parse_addr("0x10000000000000000]", 20, &end, &v), -ERANGE);
	cr_assert_eq(kmm_parse_addr("zz", 2, &end, &v), -EINVAL);
	/* an over-long number is consumed whole, flagged, never cut into a number and junk */
	cr_assert_eq(kmm_parse_integer("123456789012345678901234567890x", 31, 10, &v, &over), 30);
	cr_assert(over);
	/* the length bounds it: bytes past len are never read */
	cr_assert_eq(kmm_parse_integer("12345", 3, 10, &v, &over), 3);
	cr_assert_eq(v, 123);
	cr_assert(!over);
}

/* ---- boot options and parameters ---------------------------------------------------------- */

static void param_refused(const char *name, const char *value, const char *says)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	char err[256] = "";
	cr_assert_neq(kmm_boot_param_set(&p, name, value, err, sizeof(err)), 0, "--%s %s accepted", name, value);
	cr_assert(strstr(err, says), "--%s %s: said \"%s\", expected \"%s\"", name, value, err, says);
}

Test(hostile, boot_options_do_not_wrap)
{
	param_refused("mem", "17179869185G", "does not fit in 64 bits");
	param_refused("mem", "16E", "does not fit in 64 bits");
	param_refused("mem", "-1G", "is not a size");
	param_refused("cpus", "4294967297", "expected a number of CPUs from 1 to");
	param_refused("cpus", "0", "expected a number of CPUs");
	param_refused("cpus", "-1", "expected a number of CPUs");
	param_refused("seed", "18446744073709551616", "does not fit in 64 bits");
	param_refused("initrd", "99999999999999999999", "does not fit in 64 bits");
	param_refused("kernel-size", "16E", "does not fit in 64 bits");
	param_refused("numa", "4294967296:0-1G", "expected NID:START-END");
	param_refused("distance", "10 99999999999999999999,20 10", "square table");
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	char err[256];
	cr_assert_eq(kmm_boot_param_set(&p, "seed", "18446744073709551615", err, sizeof(err)), 0);
	cr_assert_eq(p.seed, ULLONG_MAX);
	cr_assert_eq(kmm_boot_param_set(&p, "cpus", "4", err, sizeof(err)), 0);
	cr_assert_eq(p.nr_cpus, 4);
}

static void cmdline_refused(const char *cmdline, const char *says)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	char err[512] = "";
	p.mem_bytes = 256ULL << 20;
	p.cmdline = cmdline;
	cr_assert_neq(kmm_boot(&p, err, sizeof(err)), 0, "booted with \"%s\"", cmdline);
	cr_assert(!kmm_booted(), "a refused boot left a machine behind");
	cr_assert(strstr(err, says), "\"%s\": said \"%s\", expected \"%s\"", cmdline, err, says);
}

Test(hostile, boot_parameters_do_not_wrap)
{
	cmdline_refused("mem=17179869185G", "mem=17179869185G: the size does not fit in 64 bits");
	cmdline_refused("highmem=16E", "does not fit in 64 bits");
	cmdline_refused("memmap=17179869185G@1G", "the size does not fit");
	cmdline_refused("memmap=1G@17179869185G", "the address does not fit");
	cmdline_refused("kernelcore=99999999999999999999", "does not fit in 64 bits");
	cmdline_refused("min_free_kbytes=99999999999999999999", "expected a number from 0 to");
	cmdline_refused("slub_max_order=4294967297", "slub_max_order=4294967297: expected an order from 0 to 10");
	cmdline_refused("slub_min_order=11", "expected an order from 0 to 10");
	cmdline_refused("numa=fake=4294967297", "numa=fake");
}

/* Linux's do_sysctl_args: a value the sysctl refuses is "Failed to set sysctl parameter" - never dropped silently */
Test(hostile, sysctl_boot_parameter_junk_refused)
{
	cmdline_refused("sysctl.vm.lowmem_reserve_ratio=abc",
			"Failed to set sysctl parameter 'vm.lowmem_reserve_ratio=abc': invalid value");
	cmdline_refused("sysctl.vm.lowmem_reserve_ratio=4294967328", "invalid value");
	cmdline_refused("sysctl.vm.lowmem_reserve_ratio=-1", "invalid value");
	cmdline_refused("sysctl.vm.min_free_kbytes=12x", "expected a number");
	cmdline_refused("sysctl.vm.watermark_scale_factor=0", "expected a number from 1 to 3000");

	/* and a good one is applied */
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.mem_bytes = 256ULL << 20;
	p.cmdline = "sysctl.vm.lowmem_reserve_ratio=64,64,16";
	boot_or_fail(&p);
	char *v = kmm_proc_read("sys/vm/lowmem_reserve_ratio");
	cr_assert(v && !strncmp(v, "64\t", 3), "lowmem_reserve_ratio is \"%s\"", v ? v : "(none)");
	free(v);
	/* a sysctl write of junk is -EINVAL and changes nothing */
	cr_assert_eq(kmm_proc_write("sys/vm/lowmem_reserve_ratio", "abc"), -EINVAL);
	cr_assert_eq(kmm_proc_write("sys/vm/min_free_kbytes", "99999999999999999999"), -EINVAL);
	v = kmm_proc_read("sys/vm/lowmem_reserve_ratio");
	cr_assert(v && !strncmp(v, "64\t", 3), "a refused write changed lowmem_reserve_ratio to \"%s\"", v ? v : "");
	free(v);
	/* proc_dointvec_minmax's reading: blanks around, base 0; past the type is -EINVAL, never wrapped */
	cr_assert_eq(kmm_proc_write("sys/vm/watermark_scale_factor", " 0x20\n"), 0);
	v = kmm_proc_read("sys/vm/watermark_scale_factor");
	cr_assert_str_eq(v, "32\n");
	free(v);
	cr_assert_eq(kmm_proc_write("sys/vm/watermark_scale_factor", "4294967306"), -EINVAL, "4294967306 is not 10");
	cr_assert_eq(kmm_proc_write("sys/vm/watermark_scale_factor", "18446744073709551626"), -EINVAL);
	cr_assert_eq(kmm_proc_write("sys/vm/watermark_scale_factor", "10 junk"), -EINVAL);
	cr_assert_eq(kmm_proc_write("sys/vm/lowmem_reserve_ratio", "256 18446744073709551872 32"), -EINVAL);
	v = kmm_proc_read("sys/vm/watermark_scale_factor");
	cr_assert_str_eq(v, "32\n", "a refused write changed watermark_scale_factor to %s", v);
	free(v);
	assert_machine_sane();
}

Test(hostile, e820_lines_do_not_wrap)
{
	static const struct {
		const char *map, *says;
	} bad[] = {
		{ "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
		  "BIOS-e820: [mem 0x0000000000100000-0x10000000000000000] usable\n",
		  "line 2: a too large (over 64 bits) end address" },
		{ "BIOS-e820: [mem 0x100000000000000000-0x000000000009fbff] usable\n", "too large (over 64 bits) start address" },
		{ "BIOS-e820: [mem 0x0000000000000000-0xffffffffffffffff] usable\n", "ends at the top of the 64-bit space" },
		{ "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] type 4294967297\n", "unknown memory type" },
		{ "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] type -1\n", "unknown memory type" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
		char err[512] = "";
		p.e820_text = bad[i].map;
		cr_assert_neq(kmm_boot(&p, err, sizeof(err)), 0, "booted: %s", bad[i].map);
		cr_assert(!kmm_booted());
		cr_assert(strstr(err, bad[i].says), "said \"%s\", expected \"%s\"", err, bad[i].says);
	}
}

/* ---- a machine the host cannot hold --------------------------------------------------------- */

static void host_refuses(struct kmm_boot_params *p)
{
	char err[512] = "";
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int ret = kmm_boot(p, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_eq(ret, -ENOMEM, "a 64 TiB machine: %d (%s)", ret, err);
	cr_assert(!kmm_booted());
	cr_assert(strstr(err, "of host memory for its struct pages") || strstr(err, "of host address space"),
		  "said \"%s\"", err);
	cr_assert_lt(t1.tv_sec - t0.tv_sec, 10, "refused only after %ld s", (long)(t1.tv_sec - t0.tv_sec));
}

/* 64 TiB of struct pages is a terabyte of host memory: refused before anything is reserved (no OOM killer) */
Test(hostile, machine_larger_than_the_host_refused)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "x86_64";
	p.mem_bytes = 64ULL << 40;
	host_refuses(&p);

	struct kmm_boot_params q = KMM_BOOT_DEFAULTS;
	q.profile = "x86_64";
	q.e820_text = "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
		      "BIOS-e820: [mem 0x0000000000100000-0x00003fffffffffff] usable\n";
	host_refuses(&q);

	/* a machine the host can hold still boots */
	struct kmm_boot_params r = KMM_BOOT_DEFAULTS;
	r.profile = "x86_64";
	r.mem_bytes = 2ULL << 30;
	boot_or_fail(&r);
	assert_machine_sane();
}

/* SPARSEMEM: struct pages only for the sections that hold RAM, so a wide, sparse map the host can hold boots */
Test(hostile, sparse_machine_the_host_can_hold_boots)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "x86_64";
	p.e820_text = "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
		      "BIOS-e820: [mem 0x0000000000100000-0x000000003fffffff] usable\n"
		      "BIOS-e820: [mem 0x0000080000000000-0x000008003fffffff] usable\n";
	boot_or_fail(&p);
	char *mi = kmm_proc_read("meminfo");
	unsigned long total = 0;
	cr_assert(mi && sscanf(strstr(mi, "MemTotal:"), "MemTotal: %lu kB", &total) == 1);
	free(mi);
	cr_assert_gt(total, 1800UL << 10, "both GiB of RAM are there: MemTotal %lu kB", total);
	cr_assert_lt(total, 2UL << 20);
	assert_machine_sane();
}

/* ---- scenarios ------------------------------------------------------------------------------- */

struct captured {
	char *out, *err;
	size_t outlen, errlen;
	int status;
};

static void run_script(const char *text, size_t len, long max_steps, struct captured *c)
{
	FILE *out = open_memstream(&c->out, &c->outlen), *err = open_memstream(&c->err, &c->errlen);
	struct kmm_scenario_opts o = { .name = "t.kmm", .out = out, .err = err, .max_steps = max_steps };
	static const char *const boot_opts[] = { "mem", "256M" };
	o.boot_opts = boot_opts;
	o.nboot_opts = 1;
	c->status = kmm_scenario_run_buf(text, len, &o);
	fclose(out);
	fclose(err);
}

static void captured_free(struct captured *c)
{
	free(c->out);
	free(c->err);
}

static void script_refused(const char *text, const char *says)
{
	struct captured c;
	run_script(text, strlen(text), 0, &c);
	cr_assert_eq(c.status, KMM_SCENARIO_USAGE, "\"%s\": status %d (%s)", text, c.status, c.err);
	cr_assert(strstr(c.err, says), "\"%s\": said \"%s\", expected \"%s\"", text, c.err, says);
	cr_assert(!kmm_booted());
	captured_free(&c);
}

Test(hostile, scenario_numbers_do_not_wrap)
{
	script_refused("p = kmalloc 16E\n", "t.kmm:1:13: the size \"16E\" is too large");
	script_refused("p = kmalloc 18446744073709551616\n", "is too large");
	script_refused("p = kmalloc 9223372036854775808\n", "is too large");
	script_refused("p = kmalloc -1\n", "expected a size");
	script_refused("p = vmalloc 17179869185G\n", "is too large");
	script_refused("p = alloc_pages GFP_KERNEL order=4294967296\n", "expected a number from 0 to");
	script_refused("repeat 4294967297 {\n say x\n}\n", "expected a number from 0 to 1000000");
	script_refused("p[18446744073709551616] = kmalloc 8\n", "the index 18446744073709551616 is larger than");
	script_refused("t = task_create a uid=4294967296\n", "expected a number from 0 to");
	script_refused("file f 2G\n", "larger than 1024 MiB");
}

Test(hostile, scenario_nul_byte_is_an_error_with_its_place)
{
	static const char text[] = "say one\nsay t\0wo\nsay three\n";
	struct captured c;
	run_script(text, sizeof(text) - 1, 0, &c);
	cr_assert_eq(c.status, KMM_SCENARIO_USAGE);
	cr_assert(strstr(c.err, "t.kmm:2:6: a NUL byte"), "said \"%s\"", c.err);
	cr_assert(!strstr(c.out, "one"), "a script with a NUL byte ran: \"%s\"", c.out);
	captured_free(&c);
}

Test(hostile, scenario_step_limit_ends_endless_loops)
{
	static const char text[] = "repeat 1000000 {\n repeat 1000000 {\n  p = kmalloc 8\n  kfree p\n }\n}\n";
	struct captured c;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run_script(text, sizeof(text) - 1, 20000, &c);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_eq(c.status, KMM_SCENARIO_USAGE);
	cr_assert(strstr(c.err, "ran more than 20000 statements, the step limit"), "said \"%s\"", c.err);
	cr_assert(strstr(c.out, "nothing lost"), "the end was not checked: %s", c.out);
	cr_assert_lt(t1.tv_sec - t0.tv_sec, 10);
	captured_free(&c);
	cr_assert_geq(KMM_SCENARIO_MAX_STEPS, 1000000, "kmm run's default leaves real scenarios room");
}

/* 100,000 live handles: the table is O(1) per operation (it was 28 s, quadratic) */
Test(hostile, scenario_handle_table_scales)
{
	static const char text[] = "repeat 100000 as i {\n p[i] = kmalloc 32\n}\n"
				   "repeat 100000 as i {\n q[i] = kmalloc 16\n kfree p[i]\n}\n"
				   "repeat 50000 as i {\n kfree q[i]\n}\n";
	struct captured c;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run_script(text, sizeof(text) - 1, 0, &c);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	cr_assert_eq(c.status, KMM_SCENARIO_OK, "status %d: %s", c.status, c.err);
	cr_assert(strstr(c.out, "end: 50000 handles freed, nothing lost"), "%s", c.out);
	cr_assert_lt(s, 8.0, "300,000 handle operations took %.1f s", s);
	captured_free(&c);
}

/* A name set and freed again and again, and a krealloc'd handle: found, never a stale one */
Test(hostile, scenario_handle_reuse_and_krealloc)
{
	static const char text[] = "repeat 5000 as i {\n p = kmalloc 64\n q[i] = kmalloc 8\n kfree p\n}\n"
				   "r = kmalloc 16\nr = krealloc r 4K\nexpect r != NULL\nkfree r\n"
				   "repeat 5000 as i {\n kfree q[i]\n}\n";
	struct captured c;
	run_script(text, sizeof(text) - 1, 0, &c);
	cr_assert_eq(c.status, KMM_SCENARIO_OK, "status %d: %s", c.status, c.err);
	cr_assert(strstr(c.out, "end: 0 handles freed, nothing lost"), "%s", c.out);
	captured_free(&c);
}

/* A failed system call is said on standard error with its place, not among the views */
Test(hostile, scenario_syscall_errors_go_to_stderr)
{
	static const char text[] = "t = task_create a\nm = mmap t 4M rw\nmunmap m 0x1001 4K\nmprotect m rwx 1 4K\n";
	struct captured c;
	run_script(text, sizeof(text) - 1, 0, &c);
	cr_assert(strstr(c.err, "t.kmm:3:1: munmap: Invalid argument"), "err: \"%s\"", c.err);
	cr_assert(strstr(c.err, "t.kmm:4:1: mprotect: Invalid argument"), "err: \"%s\"", c.err);
	cr_assert(!strstr(c.out, "Invalid argument"), "out: \"%s\"", c.out);
	captured_free(&c);
}

/* ---- traces ---------------------------------------------------------------------------------- */

Test(hostile, trace_fields_parse_as_the_numbers_they_are)
{
	struct kmm_trace_event ev;
	char why[200] = "";
	const char *l = "bash-1 [000] ..... 1.0: kmalloc: call_site=x ptr=00000000deadbeef "
			"bytes_req=18446744073709551615 bytes_alloc=18446744073709551615 gfp_flags=GFP_KERNEL node=-1";
	cr_assert_eq(kmm_trace_parse_line(l, strlen(l), &ev, why, sizeof(why)), KMM_TRACE_EVENT, "%s", why);
	cr_assert_eq(ev.bytes_req, ULONG_MAX, "bytes_req wrapped to %lu", ev.bytes_req);
	cr_assert_eq(ev.bytes_alloc, ULONG_MAX);
	cr_assert_eq(ev.node, -1);
	l = "bash-1 [000] ..... 1.0: kmalloc: call_site=x ptr=00000000deadbeef "
	    "bytes_req=18446744073709551616 bytes_alloc=8 gfp_flags=GFP_KERNEL";
	cr_assert_eq(kmm_trace_parse_line(l, strlen(l), &ev, why, sizeof(why)), KMM_TRACE_MALFORMED);
	cr_assert(strstr(why, "too large for an unsigned long"), "said \"%s\"", why);
	l = "bash-1 [000] ..... 1.0: mm_page_alloc: page=1 pfn=0x10000000000000000 order=0 gfp_flags=GFP_KERNEL";
	cr_assert_eq(kmm_trace_parse_line(l, strlen(l), &ev, why, sizeof(why)), KMM_TRACE_MALFORMED);
	cr_assert(strstr(why, "too large for 64 bits"), "said \"%s\"", why);
	l = "bash-1 [000] ..... 1.0: mm_page_alloc: page=1 pfn=0x10 order=4294967296 gfp_flags=GFP_KERNEL";
	cr_assert_eq(kmm_trace_parse_line(l, strlen(l), &ev, why, sizeof(why)), KMM_TRACE_MALFORMED);
	cr_assert(strstr(why, "bad value for order="), "said \"%s\"", why);
	l = "bash-1 [000] ..... 1.0: kmalloc: ptr=1 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL node=2147483648";
	cr_assert_eq(kmm_trace_parse_line(l, strlen(l), &ev, why, sizeof(why)), KMM_TRACE_MALFORMED);
	cr_assert(strstr(why, "out of an int's range"), "said \"%s\"", why);
}
