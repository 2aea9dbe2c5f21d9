/*
 * kmm_test.h - helpers shared by the Criterion suites: booting machines
 * (also from a real kernel's dmesg under tests/data/linux-ref), reading the
 * reference files and picking fields out of /proc/zoneinfo text.
 */
#ifndef KMM_TEST_H
#define KMM_TEST_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* tests/data (the captures of real kernels kept in the repository), or $KMM_TEST_DATA */
const char *data_dir(void);
/* a whole file, malloc()ed; NULL if missing */
char *slurp(const char *path);
char *slurp_len(const char *path, size_t *len);
/* a file under tests/data/linux-ref/<machine>/ ; fails the test if missing */
char *ref_file(const char *machine, const char *name);
/* tests/data/linux-ref-arm/<machine>/<name>: its path (malloc), and the file whole (fails the test if missing) */
char *arm_ref_path(const char *machine, const char *name);
char *arm_ref(const char *machine, const char *name);
/* a binary file, whole (fails the test if missing) */
void *read_blob(const char *path, size_t *len);
/* boot the board of tests/data/linux-ref-arm/<machine>/virt.dtb (profile NULL: the tree's); kmm_boot's result */
int boot_arm_dtb(const char *machine, const char *profile, const char *cmdline, char *err, size_t errlen);
/* a log's lines from "Zone ranges:" up to "Initmem setup", timestamps dropped (malloc) */
char *zone_ranges_block(const char *log);
/* boot a machine like the reference one (its e820, NUMA ranges and CPUs) */
void boot_like_ref(const char *machine, const char *cmdline);
/* boot with params; fails the test with the boot error */
struct task_struct;
void boot_or_fail(struct kmm_boot_params *p);
/* boot profile with mem bytes of RAM, cpus CPUs and a kernel command line (NULL: none); fails the test if it cannot */
/* The pages a new task's page directory takes (PAE: with its user PMDs; x86_64 PTI: order 1). */
/* Each kmalloc cache of a real slabinfo has its geometry in kmm's (cr_expect); how many were compared */
int expect_kmalloc_geometry(const char *ref, const char *got);
unsigned long pgd_pages(void);
void boot_machine(const char *profile, unsigned long long mem, int cpus, const char *cmdline);
/* the page a present PTE of t maps at addr (the zero page too), or NULL */
struct page *mapped_page(struct task_struct *t, unsigned long addr);
/* boot profile with 1 GiB and start a task (uid 1000) that exec's an image of these sizes at path */
struct task_struct *boot_with_task(const char *profile, const char *comm, const char *path, unsigned long text,
				   unsigned long data, unsigned long bss);
/* the lines of text (timestamps removed) that start with prefix, joined by '\n' */
char *log_lines(const char *text, const char *prefix);
/* value of "field" in the zone block "Node nid, zone NAME" of a zoneinfo text; -1 if absent */
long zoneinfo_field(const char *zoneinfo, int nid, const char *zone, const char *field);
/* the protection array of that zone as text "(0, 823, ...)" copied into out */
int zoneinfo_protection(const char *zoneinfo, int nid, const char *zone, char *out, size_t len);
/*
 * Pages the live tasks' kernel objects hold, all of which exit gives back
 * when they are the machine's only tasks: their caches' slabs and kernel
 * stacks (kernel/fork.c), the maple_node slabs of their VMA trees, and on x86_64 what the vmalloc area's first
 * stack costs besides (a PMD and a PTE table, the slabs of its vmap_area
 * and vm_struct), which go with the last stack.
 */
unsigned long kernel_object_pages(void);
/* kmm_verify() passes (every zone, cache, vmap area, pkmap entry and task), and no vmalloc area is left */
void assert_machine_sane(void);
/* kmm_nothing_lost() against u (settled after boot), what naming the step, then assert_machine_sane(). */
void assert_nothing_lost_since(const struct kmm_usage *u, const char *what);
/* Write value to sys/kernel/debug/failslab/FILE, asserting it is taken. */
void failslab_set(const char *file, const char *value);
/* The n-th slab allocation from now fails (of the caches the filter lets through), and no other. */
void failslab_nth(unsigned long n);
/* failslab off again; true if it injected since injected_before (M->fault.failslab.attr.injected). */
bool failslab_off(unsigned long injected_before);
/*
 * Boot a machine with n CPUs (mem bytes of RAM) and run fn((void *)cpu) on
 * CPUs 0..n-1 at once, one thread each (fn enters and leaves its CPU), the
 * test's thread giving up CPU 0 meanwhile; the threads' results go to
 * results[] (may be NULL).
 */
void run_on_cpus(int n, unsigned long long mem, void *(*fn)(void *), void **results);
/* look up a zone of the booted machine by node and name */
struct zone *zone_by_name(int nid, const char *name);

/*
 * Skips the test (saying why) if KMM_TEST_PROFILES is set and does not
 * name profile: `make test-asan` runs the per-profile tests on the
 * profiles whose code differs (the 32-bit ARM ones share i386's and PAE's
 * page tables and most of their paths; tests/test_arm.c still runs).
 */
void skip_unselected_profile(const char *profile);

/* Six tests, name_i386, name_pae, name_x86_64, name_arm64, name_arm and name_arm_lpae, each running fn(profile) */
#define TEST_ON_EVERY_PROFILE(suite, name, fn)                                                 \
	Test(suite, name##_i386) { skip_unselected_profile("i386"); fn("i386"); }             \
	Test(suite, name##_pae) { skip_unselected_profile("i386-pae"); fn("i386-pae"); }      \
	Test(suite, name##_x86_64) { skip_unselected_profile("x86_64"); fn("x86_64"); }       \
	Test(suite, name##_arm64) { skip_unselected_profile("arm64"); fn("arm64"); }          \
	Test(suite, name##_arm) { skip_unselected_profile("arm"); fn("arm"); }                \
	Test(suite, name##_arm_lpae) { skip_unselected_profile("arm-lpae"); fn("arm-lpae"); }

/*
 * A per-profile test whose expectations are still x86's (a PC's boot
 * loader and log, the boot population, x86's kmalloc classes in a model of
 * what a task's objects cost ...) skips arm64, saying why; tests/
 * test_arm64.c checks arm64 against its own real boots.
 */
#define ARM64_NOT_YET(profile, why)                                      \
	do {                                                             \
		if (!strcmp((profile), "arm64"))                         \
			cr_skip_test("arm64 not yet: %s", (why));        \
	} while (0)

/* The same for the 32-bit ARM profiles (arm, arm-lpae; tests/test_arm.c checks them against their boots). */
#define ARM32_NOT_YET(profile, why)                                                    \
	do {                                                                           \
		if (!strcmp((profile), "arm") || !strcmp((profile), "arm-lpae"))       \
			cr_skip_test("%s not yet: %s", (profile), (why));              \
	} while (0)
/* Both: a device-tree board of either width. */
#define ARM_NOT_YET(profile, why)                 \
	do {                                      \
		ARM64_NOT_YET(profile, why);      \
		ARM32_NOT_YET(profile, why);      \
	} while (0)

/*
 * The fault tests run twice: through the software API (mm_access and the
 * task_read/write helpers) and through the host trap (plain C loads and
 * stores through task_user_ptr, inside kmm_try so a SIGSEGV of the task
 * comes back as -EFAULT).  The u_* helpers are the one place that differs.
 */
struct task_struct;
extern bool via_trap;
int u_touch(struct task_struct *t, unsigned long addr, unsigned long len, bool write);
int u_read(struct task_struct *t, unsigned long addr, void *buf, unsigned long len);
int u_write(struct task_struct *t, unsigned long addr, const void *buf, unsigned long len);
int u_memset(struct task_struct *t, unsigned long addr, int c, unsigned long len);

/* name_<profile> through the software API and name_trap_<profile> through the host trap, on every profile. */
#define TEST_BOTH_WAYS(suite, name, fn)                                          \
	static void name##_sw(const char *profile) { via_trap = false; fn(profile); } \
	static void name##_trap(const char *profile) { via_trap = true; fn(profile); } \
	TEST_ON_EVERY_PROFILE(suite, name, name##_sw)                               \
	TEST_ON_EVERY_PROFILE(suite, name##_trap, name##_trap)

/*
 * Pages whose bytes say which page they are and which pass wrote them:
 * pages first .. first + n - 1 of the region at a written (through the u_*
 * way in) and checked.
 */
void pattern_page(char *buf, unsigned long i, int pass);
void u_write_pattern(struct task_struct *t, unsigned long a, unsigned long first, unsigned long n, int pass);
void u_check_pattern(struct task_struct *t, unsigned long a, unsigned long first, unsigned long n, int pass);

/* The number after field in meminfo ("MemFree:" -> kB), and of a vmstat line by its name. */
unsigned long meminfo_value(const char *field);
unsigned long vmstat_value(const char *name);
/*
 * SwapFree once the swap writes in flight are done and the cached pages no
 * PTE needs are gone (kmm_usage_settle), plus the kB the per-CPU swap slot
 * caches hold (in use in SwapFree, as on 6.1, but no page's).
 */
unsigned long swap_free_kb_settled(void);

#endif
