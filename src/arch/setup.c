/*
 * setup.c - booting a simulated machine: the kernel command line, x86's
 * setup_arch() and the part of start_kernel() that builds memory management.
 * An arm64 board's setup_arch() - device tree, arm64_memblock_init,
 * paging_init - is arch/setup_arm64.c's; kmm_boot() turns its device tree
 * into boot parameters first (as --dmesg turns a log), boot_machine() calls
 * setup_arch_arm64() instead of the e820 steps below, and the rest of
 * start_kernel() is shared, the x86-only steps (cpu_entry_area, the
 * vmalloc PUD preallocation, SMP alternatives, e820 resources) skipped.
 *
 * The sequence is Linux's, because every figure depends on what was reserved
 * when it was computed, and where (top-down memblock allocations land in
 * the highest zone; the "Memory:" line counts every reserved page):
 *
 *   (--dmesg)           arch/dmesg.c turns a real log into these parameters
 *   parse_early_param   mem= memmap= highmem= vmalloc= kernelcore= ...
 *   e820                firmware map -> user edits -> trim page 0, 640K-1M
 *   max_pfn             end of usable RAM (capped by the page-table format)
 *   --kconfig           the kernel build's options (arch/profile.c); cma=
 *                       is a parameter only with CMA=y
 *   memblock            RAM ranges; reserve the kernel image, the used brk
 *                       (head_32's early PTEs, DMI strings, pgt_buf), the
 *                       first MiB, the initrd where the boot loader put it
 *   init_mem_mapping    the direct map (tables from the image, the brk's
 *                       pgt_buf, then memblock), i386's fixmap tables
 *   reserve_initrd      i386: an initrd above lowmem moves down
 *   dma_contiguous_reserve  CONFIG_CMA: the default CMA area from memblock
 *                       (cma= or CMA_SIZE_MBYTES; mm/cma.c)
 *   paging_init         PKMAP table; nodes, NODE_DATA, mem_section roots,
 *                       zones, mem_map (+ the vmemmap's tables), memmap_init
 *   setup_arch's end    firmware resources (e820, HPET, IO-APIC)
 *   setup_command_line  its two copies
 *   setup_per_cpu_areas first percpu chunk and its maps
 *   build_all_zonelists "Built N zonelists ... Total pages"
 *   hash tables         dentry and inode caches, sized from lowmem
 *   trap_init           the cpu_entry_area's tables
 *   mem_init            pci_iommu_alloc (swiotlb when RAM passes 4 GiB or
 *                       swiotlb=force: kernel/swiotlb.c),
 *                       memblock_free_all, highmem page by page, x86_64's
 *                       vmalloc PUDs, then "Memory:"
 *   alternatives        "Freeing SMP alternatives memory"
 *   postcore initcalls  the atomic DMA pools (x86_64)
 *   page_alloc_init_late deferred struct pages (x86_64, arm64)
 *   core initcalls      CONFIG_CMA: the CMA areas' pageblocks become
 *                       MIGRATE_CMA and go to the buddy allocator; arm64:
 *                       the device tree's CMA pools freed
 *   initcalls           init_per_zone_wmark_min, the overcommit reserves
 *                       (init_user_reserve, init_admin_reserve: free / 32),
 *                       khugepaged's min_free_kbytes, pci_iommu_init's swiotlb report,
 *                       intel_iommu=on's tables and the PCI device (kernel/dma.c)
 *   late frees          initrd; free_initmem (x86_64: the unused decrypted
 *                       bss first); mark_rodata_ro (x86_64: the section gaps)
 *   sysctl.* params     applied last, as do_sysctl_args() does
 *   fault injection     armed: failslab= and fail_page_alloc= act from now on
 *
 * Not modelled: a few small memblock allocations (of ACPI and APIC code,
 * sizes that depend on the firmware) that cost a page or two on some of the
 * real boots in tests/data; the i386 ones of 1 and 2 GiB are exact.
 *
 * A bad parameter or map stops the boot with a message saying what is wrong
 * before anything is allocated; kmm_boot() then leaves no machine behind.
 */
#include "internal.h"
#include "kernel/kobj.h"
#include "kernel/dma_internal.h"

#include <kmm/highmem.h> /* KM_MAX_IDX */
#include <kmm/maple_tree.h>
#include "mm/cma.h"
#include "arch/fdt.h"
#include "mm/kfence.h"
#include "sim/ram.h"
#include "sim/track.h"
#include "trace/events.h"

#include <ctype.h>
#include <limits.h>

#include <kmm/kstrtox.h>

struct kmm_machine *kmm_machine;

/* ---- early parameters ------------------------------------------------------- */

static bool e820_userdef;
static int sysctl_min_free_kbytes = -1, sysctl_wsf = -1;
static char sysctl_lowmem_ratio[128];
/* sysctl.vm.overcommit_* and the reserves, in command-line order (ratio and kbytes zero each other) */
#define LATE_SYSCTLS 16
static struct { const char *path; char val[32]; } late_sysctl[LATE_SYSCTLS];
static int nr_late_sysctls;

/*
 * Every number on the command line is read by the checked readers of
 * lib/kstrtox.c: a size that does not fit in 64 bits (mem=17179869185G) is
 * refused naming it, never wrapped to a small one.
 */
static int parse_size(const char *name, const char *val, u64 *out, char *err, size_t errlen)
{
	int ret = kmm_parse_size(val, ULLONG_MAX, out);
	if (ret == -ERANGE)
		snprintf(err, errlen, "%s=%s: the size does not fit in 64 bits", name, val);
	else if (ret)
		snprintf(err, errlen, "%s=%s: expected a size such as 512M", name, val ? val : "");
	return ret ? -EINVAL : 0;
}

static int param_mem(const char *val, char *err, size_t errlen)
{
	u64 size;
	if (val && !strcmp(val, "nopentium"))
		return 0;
	int ret = parse_size("mem", val, &size, err, errlen);
	if (ret)
		return ret;
	if (!size) {
		snprintf(err, errlen, "mem=%s: a size of 0 leaves no memory", val);
		return -EINVAL;
	}
	e820_userdef = true;
	M->mem_limit = size;
	e820__range_remove(&M->e820, size, ~0ULL - size, E820_TYPE_RAM, true);
	return 0;
}

static int param_memmap_one(char *p, char *err, size_t errlen)
{
	if (!strcmp(p, "exactmap")) {
		M->e820.nr_entries = 0;
		e820_userdef = true;
		return 0;
	}
	if (!isdigit((unsigned char)*p)) {
		snprintf(err, errlen, "memmap=%s: expected nn[KMG]@ss, nn$ss, nn#ss, nn!ss or exactmap", p);
		return -EINVAL;
	}
	char *e;
	u64 size, start;
	if (kmm_memparse(p, &e, &size)) {
		snprintf(err, errlen, "memmap=%s: the size does not fit in 64 bits", p);
		return -EINVAL;
	}
	e820_userdef = true;
	if (!*e) { /* like mem= */
		M->mem_limit = size;
		e820__range_remove(&M->e820, size, ~0ULL - size, E820_TYPE_RAM, true);
		return 0;
	}
	char kind = *e++;
	if (!isdigit((unsigned char)*e)) {
		snprintf(err, errlen, "memmap=%s: expected an address after '%c'", p, kind);
		return -EINVAL;
	}
	if (kmm_memparse(e, &e, &start)) {
		snprintf(err, errlen, "memmap=%s: the address does not fit in 64 bits", p);
		return -EINVAL;
	}
	if (*e) {
		snprintf(err, errlen, "memmap=%s: unexpected \"%s\"", p, e);
		return -EINVAL;
	}
	if (!size || start + size < start) {
		snprintf(err, errlen, "memmap=%s: empty or wrapping range", p);
		return -EINVAL;
	}
	switch (kind) {
	case '@': e820__range_add(&M->e820, start, size, E820_TYPE_RAM); break;
	case '#': e820__range_add(&M->e820, start, size, E820_TYPE_ACPI); break;
	case '$': e820__range_add(&M->e820, start, size, E820_TYPE_RESERVED); break;
	case '!': e820__range_add(&M->e820, start, size, E820_TYPE_PRAM); break;
	default:
		snprintf(err, errlen, "memmap=%s: unknown range kind '%c' (use @ $ # or !)", p, kind);
		return -EINVAL;
	}
	return 0;
}

static int param_memmap(const char *val, char *err, size_t errlen)
{
	char buf[256];
	if (!val || !*val || strlen(val) >= sizeof(buf)) {
		snprintf(err, errlen, "memmap=: expected nn[KMG]@ss, nn$ss, nn#ss, nn!ss or exactmap");
		return -EINVAL;
	}
	strcpy(buf, val);
	for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
		int ret = param_memmap_one(tok, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

static int param_highmem(const char *val, char *err, size_t errlen)
{
	u64 size;
	int ret = parse_size("highmem", val, &size, err, errlen);
	if (ret)
		return ret;
	M->highmem_pages_param = (long)(size >> PAGE_SHIFT);
	return 0;
}

static int param_vmalloc(const char *val, char *err, size_t errlen)
{
	u64 size;
	int ret = parse_size("vmalloc", val, &size, err, errlen);
	if (ret)
		return ret;
	if (M->prof->bits == 64)
		return 0; /* x86_64 has no such parameter effect: its vmalloc area is fixed */
	if (M->prof->arch == KMM_ARCH_ARM) {
		/* early_vmalloc(): the area is exactly size, between 16 MiB and what leaves 32 MiB of lowmem */
		u64 most = 0xff800000ULL - (M->prof->page_offset + (32ULL << 20) + (8ULL << 20));
		if (size < SZ_16M) {
			size = SZ_16M;
			pr_warn("vmalloc area is too small, limiting to %lluMiB\n", (unsigned long long)size >> 20);
		}
		if (size > most) {
			size = most;
			pr_warn("vmalloc area is too big, limiting to %lluMiB\n", (unsigned long long)size >> 20);
		}
		M->layout.vmalloc_reserve = (unsigned long)size;
		return 0;
	}
	if (size > 0x40000000ULL) {
		snprintf(err, errlen, "vmalloc=%s: larger than the whole 1 GiB kernel window", val);
		return -EINVAL;
	}
	M->layout.vmalloc_reserve = (unsigned long)size + (8UL << 20); /* + VMALLOC_OFFSET */
	return 0;
}

static int param_core(const char *name, const char *val, u64 *bytes, int *percent, char *err, size_t errlen)
{
	char *e;
	if (val && !strcmp(val, "mirror") && !strcmp(name, "kernelcore")) {
		snprintf(err, errlen, "kernelcore=mirror: this machine has no mirrored memory");
		return -EINVAL;
	}
	if (!val || !isdigit((unsigned char)*val)) {
		snprintf(err, errlen, "%s=: expected a size (512M) or a percentage (20%%)", name);
		return -EINVAL;
	}
	u64 v;
	if (kmm_memparse(val, &e, &v)) {
		snprintf(err, errlen, "%s=%s: the size does not fit in 64 bits", name, val);
		return -EINVAL;
	}
	if (*e == '%') {
		if (e[1] || v > 100) {
			snprintf(err, errlen, "%s=%s: a percentage must be 0..100", name, val);
			return -EINVAL;
		}
		*percent = (int)v;
		return 0;
	}
	if (*e) {
		snprintf(err, errlen, "%s=%s: unexpected \"%s\"", name, val, e);
		return -EINVAL;
	}
	*bytes = v;
	return 0;
}

static int param_kernelcore(const char *val, char *err, size_t errlen)
{
	return param_core("kernelcore", val, &M->required_kernelcore, &M->required_kernelcore_percent, err, errlen);
}

static int param_movablecore(const char *val, char *err, size_t errlen)
{
	return param_core("movablecore", val, &M->required_movablecore, &M->required_movablecore_percent, err, errlen);
}

/* A number as a module parameter takes it (kstrtol, base 10), then its range. */
static int parse_int_param(const char *name, const char *val, long lo, long hi, long *out, char *err, size_t errlen)
{
	long v = 0;
	int ret = kstrtol(val, 10, &v);
	if (ret || v < lo || v > hi) {
		snprintf(err, errlen, "%s=%s: expected a number from %ld to %ld", name, val ? val : "", lo, hi);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int param_min_free_kbytes(const char *val, char *err, size_t errlen)
{
	long v = 0;
	int ret = parse_int_param("min_free_kbytes", val, 0, 1L << 30, &v, err, errlen);
	sysctl_min_free_kbytes = (int)v;
	return ret;
}

/*
 * sysctl.vm.NAME=VAL for the overcommit sysctls: kept as given, written at
 * the end of boot in the order given (do_sysctl_args), where the sysctl's
 * own handler checks it and a refusal is logged in 6.1's words.
 */
static int param_late_sysctl(const char *path, const char *val, char *err, size_t errlen)
{
	if (!val || strlen(val) >= sizeof(late_sysctl[0].val) || nr_late_sysctls == LATE_SYSCTLS) {
		snprintf(err, errlen, "Failed to set sysctl parameter 'vm.%s=%s': invalid value", path + strlen("sys/vm/"),
			 val ? val : "");
		return -EINVAL;
	}
	late_sysctl[nr_late_sysctls].path = path;
	snprintf(late_sysctl[nr_late_sysctls].val, sizeof(late_sysctl[0].val), "%s", val);
	nr_late_sysctls++;
	return 0;
}

#define LATE_SYSCTL(fn, name)                                                                                  \
	static int fn(const char *val, char *err, size_t errlen)                                               \
	{                                                                                                      \
		return param_late_sysctl("sys/vm/" name, val, err, errlen);                                    \
	}
LATE_SYSCTL(param_overcommit_memory, "overcommit_memory")
LATE_SYSCTL(param_overcommit_ratio, "overcommit_ratio")
LATE_SYSCTL(param_overcommit_kbytes, "overcommit_kbytes")
LATE_SYSCTL(param_admin_reserve, "admin_reserve_kbytes")
LATE_SYSCTL(param_user_reserve, "user_reserve_kbytes")
LATE_SYSCTL(param_compaction_proactiveness, "compaction_proactiveness")

static int param_wsf(const char *val, char *err, size_t errlen)
{
	long v = 0;
	int ret = parse_int_param("watermark_scale_factor", val, 1, 3000, &v, err, errlen);
	sysctl_wsf = (int)v;
	return ret;
}

/*
 * sysctl.vm.lowmem_reserve_ratio=256,256,32: written to the sysctl at the end
 * of boot (apply_boot_sysctls), as do_sysctl_args() does.  The numbers are
 * checked here, as proc_dointvec_minmax() would, so a value the write would
 * refuse stops the boot with Linux's words rather than being dropped.
 */
static int param_lowmem_ratio(const char *val, char *err, size_t errlen)
{
	char buf[sizeof(sysctl_lowmem_ratio)];
	int n = 0;
	if (val && strlen(val) < sizeof(buf)) {
		snprintf(buf, sizeof(buf), "%s", val);
		for (char *save = NULL, *tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
			int v;
			if (kstrtoint(tok, 0, &v) || v < 0 || v > (1 << 30)) {
				n = -1;
				break;
			}
			n++;
		}
	}
	if (n <= 0) {
		snprintf(err, errlen, "Failed to set sysctl parameter 'vm.lowmem_reserve_ratio=%s': invalid value",
			 val ? val : "");
		return -EINVAL;
	}
	snprintf(sysctl_lowmem_ratio, sizeof(sysctl_lowmem_ratio), "%s", val);
	for (char *c = sysctl_lowmem_ratio; *c; c++)
		if (*c == ',')
			*c = ' ';
	return 0;
}

static int param_numa(const char *val, char *err, size_t errlen)
{
	long n = 0;
	if (val && !strcmp(val, "off")) {
		M->numa_off = true;
		return 0;
	}
	if (val && !strncmp(val, "fake=", 5)) {
		if (M->prof->bits != 64) {
			snprintf(err, errlen, "numa=fake: the %s kernel is built without NUMA (CONFIG_NUMA is not set)", M->prof->name);
			return -EINVAL;
		}
		int ret = parse_int_param("numa=fake", val + 5, 1, 64, &n, err, errlen);
		M->fake_numa = (int)n;
		return ret;
	}
	snprintf(err, errlen, "numa=%s: expected numa=off or numa=fake=N", val ? val : "");
	return -EINVAL;
}

static int param_thp(const char *val, char *err, size_t errlen)
{
	if (val && (!strcmp(val, "always") || !strcmp(val, "madvise"))) {
		M->thp_enabled = M->prof->thp;
		return 0;
	}
	if (val && !strcmp(val, "never")) {
		M->thp_enabled = false;
		return 0;
	}
	snprintf(err, errlen, "transparent_hugepage=%s: expected always, madvise or never", val ? val : "");
	return -EINVAL;
}

static int param_slub_order(int *dst, const char *name, long lo, long hi, const char *val, char *err, size_t errlen)
{
	long v = 0;
	int ret = parse_int_param(name, val, lo, hi, &v, err, errlen);
	if (!ret)
		*dst = (int)v;
	return ret;
}

/* slub_min_order= / slub_max_order=: an allocation order, 0 .. MAX_ORDER - 1 */
static int param_order(int *dst, const char *name, const char *val, char *err, size_t errlen)
{
	unsigned int order;
	if (kmm_parse_order(val, &order)) {
		snprintf(err, errlen, "%s=%s: expected an order from 0 to %d", name, val ? val : "", MAX_ORDER - 1);
		return -EINVAL;
	}
	*dst = (int)order;
	return 0;
}

static int param_slub_min_order(const char *val, char *err, size_t errlen)
{
	return param_order(&slub_min_order, "slub_min_order", val, err, errlen);
}

static int param_slub_max_order(const char *val, char *err, size_t errlen)
{
	return param_order(&slub_max_order, "slub_max_order", val, err, errlen);
}

static int param_slub_min_objects(const char *val, char *err, size_t errlen)
{
	return param_slub_order(&slub_min_objects, "slub_min_objects", 0, 32767, val, err, errlen);
}

static int param_slab_nomerge(const char *val, char *err, size_t errlen)
{
	slab_nomerge = true;
	return 0;
}

static int param_slab_merge(const char *val, char *err, size_t errlen)
{
	slab_nomerge = false;
	return 0;
}

static int param_slab_hardened(const char *val, char *err, size_t errlen)
{
	slab_freelist_hardened = !val || !strcmp(val, "1") || !strcmp(val, "on");
	return 0;
}

/* kasan=off: do not tell ASan/Valgrind about freed RAM on this machine (sim/track.h) */
static int param_kasan(const char *val, char *err, size_t errlen)
{
	if (val && (!strcmp(val, "on") || !strcmp(val, "off"))) {
		track_on = KMM_TRACK && !strcmp(val, "on");
		return 0;
	}
	snprintf(err, errlen, "kasan=%s: expected on or off", val ? val : "");
	return -EINVAL;
}

/*
 * init_on_alloc= / init_on_free=: kstrtobool's words (1/0, y/n, on/off).
 * Anything else is Linux's "Malformed early option" warning, and the
 * build's default stays.
 */
static bool param_bool(const char *name, const char *val, bool *out)
{
	if (val && (val[0] == '1' || val[0] == 'y' || val[0] == 'Y'))
		*out = true;
	else if (val && (val[0] == '0' || val[0] == 'n' || val[0] == 'N'))
		*out = false;
	else if (val && (val[0] == 'o' || val[0] == 'O') && (val[1] == 'n' || val[1] == 'N'))
		*out = true;
	else if (val && (val[0] == 'o' || val[0] == 'O') && (val[1] == 'f' || val[1] == 'F'))
		*out = false;
	else {
		pr_warn("Malformed early option '%s'\n", name);
		return false;
	}
	return true;
}

static int param_init_on_alloc(const char *val, char *err, size_t errlen)
{
	param_bool("init_on_alloc", val, &M->init_on_alloc);
	return 0;
}

static int param_init_on_free(const char *val, char *err, size_t errlen)
{
	param_bool("init_on_free", val, &M->init_on_free);
	return 0;
}

static int param_ignored(const char *val, char *err, size_t errlen)
{
	return 0;
}

/* memblock=debug: log memblock's changes (mm/memblock.c's early_param) */
static int param_memblock(const char *val, char *err, size_t errlen)
{
	if (val && !strcmp(val, "debug"))
		M->memblock.debug = true;
	return 0;
}

static const struct kmm_param kmm_params[] = {
	{ "mem", param_mem },
	{ "memmap", param_memmap },
	{ "highmem", param_highmem },
	{ "vmalloc", param_vmalloc },
	{ "kernelcore", param_kernelcore },
	{ "movablecore", param_movablecore },
	{ "numa", param_numa },
	{ "transparent_hugepage", param_thp },
	{ "min_free_kbytes", param_min_free_kbytes },
	{ "sysctl.vm.min_free_kbytes", param_min_free_kbytes },
	{ "sysctl.vm.watermark_scale_factor", param_wsf },
	{ "sysctl.vm.lowmem_reserve_ratio", param_lowmem_ratio },
	{ "sysctl.vm.overcommit_memory", param_overcommit_memory },
	{ "sysctl.vm.overcommit_ratio", param_overcommit_ratio },
	{ "sysctl.vm.overcommit_kbytes", param_overcommit_kbytes },
	{ "sysctl.vm.admin_reserve_kbytes", param_admin_reserve },
	{ "sysctl.vm.user_reserve_kbytes", param_user_reserve },
	{ "sysctl.vm.compaction_proactiveness", param_compaction_proactiveness },
	{ "slub_debug", slub_debug_setup },
	{ "slub_min_order", param_slub_min_order },
	{ "slub_max_order", param_slub_max_order },
	{ "slub_min_objects", param_slub_min_objects },
	{ "slab_nomerge", param_slab_nomerge },
	{ "slub_nomerge", param_slab_nomerge },
	{ "slab_merge", param_slab_merge },
	{ "slub_merge", param_slab_merge },
	{ "slab_freelist_hardened", param_slab_hardened },
	{ "kasan", param_kasan },
	{ "init_on_alloc", param_init_on_alloc },
	{ "init_on_free", param_init_on_free },
	{ "kfence.sample_interval", kfence_setup },
	{ "fail_page_alloc", setup_fail_page_alloc },
	{ "failslab", setup_failslab },
	{ "stack_guard_gap", cmdline_parse_stack_guard_gap },
	{ "memblock", param_memblock },
	{ "boot_population", boot_population_setup }, /* kmm's: off = a bare machine (mm/boot_population.c) */
	{ "swiotlb", setup_io_tlb_npages },           /* kernel/swiotlb.c */
	{ "intel_iommu", setup_intel_iommu },         /* kernel/iommu.c */
	/* not about memory: accepted so a real /proc/cmdline can be pasted */
	{ "console", param_ignored }, { "loglevel", param_ignored }, { "panic", param_ignored },
	{ "no_hash_pointers", param_ignored }, { "nokaslr", param_ignored }, { "quiet", param_ignored },
	{ "root", param_ignored }, { "ro", param_ignored }, { "rw", param_ignored },
	{ "BOOT_IMAGE", param_ignored }, { "init", param_ignored }, { "initrd", param_ignored },
	{ "earlyprintk", param_ignored }, { "debug", param_ignored }, { "splash", param_ignored },
	{ "trace_clock", param_ignored },
	/* kmm's own kmem: tracepoints (trace/tracepoint.c) */
	{ "trace_event", setup_trace_event },
	{ "trace_buf_size", setup_trace_buf_size },
};

/* Does kmm know the parameter of this word ("name" or "name=value")? (arch/dmesg.c asks) */
bool kmm_param_known(const char *word)
{
	size_t n = strcspn(word, "=");
	for (size_t i = 0; i < ARRAY_SIZE(kmm_params); i++)
		if (strlen(kmm_params[i].name) == n && !strncmp(kmm_params[i].name, word, n))
			return true;
	return false;
}

/* Split the command line into name[=value] words and hand each to its handler. */
int parse_early_param(const char *cmdline, char *err, size_t errlen)
{
	if (!cmdline)
		return 0;
	char *copy = strdup(cmdline), *p = copy;
	char unknown[256] = "";
	int ret = 0;
	while (*p && !ret) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		char *word = p;
		bool quoted = false;
		while (*p && (quoted || !isspace((unsigned char)*p))) {
			if (*p == '"') {
				quoted = !quoted;
				memmove(p, p + 1, strlen(p));
				continue;
			}
			p++;
		}
		if (*p)
			*p++ = 0;
		char *eq = strchr(word, '=');
		const char *val = NULL;
		if (eq) {
			*eq = 0;
			val = eq + 1;
		}
		size_t i;
		/* cma= is kernel/dma/contiguous.c's, built with CONFIG_CMA only: else unknown, as on Debian's x86 kernels */
		if (M->kconfig.cma && !strcmp(word, "cma")) {
			ret = early_cma(val, err, errlen);
			continue;
		}
		for (i = 0; i < ARRAY_SIZE(kmm_params); i++)
			if (!strcmp(kmm_params[i].name, word))
				break;
		if (i == ARRAY_SIZE(kmm_params)) {
			if (eq)
				*eq = '=';
			if (strlen(unknown) + strlen(word) + 3 < sizeof(unknown))
				snprintf(unknown + strlen(unknown), sizeof(unknown) - strlen(unknown), "%s%s",
					 *unknown ? " " : "", word);
			continue;
		}
		ret = kmm_params[i].setup(val, err, errlen);
	}
	free(copy);
	if (!ret && *unknown) {
		snprintf(err, errlen, "Unknown kernel command line parameters \"%s\" (kmm knows: mem= memmap= highmem= vmalloc= kernelcore= movablecore= numa= transparent_hugepage= min_free_kbytes= sysctl.vm.*= slub_debug= slub_min_order= slub_max_order= slub_min_objects= slab_nomerge slab_freelist_hardened kasan= init_on_alloc= init_on_free= kfence.sample_interval= failslab= fail_page_alloc= stack_guard_gap= memblock=debug trace_event= trace_buf_size= swiotlb= intel_iommu=)",
			 unknown);
		ret = -EINVAL;
	}
	return ret;
}

/* ---- setup_arch ------------------------------------------------------------------ */

/*
 * The image as the profile's linker script lays it out: text, rodata, data,
 * then the init sections (freed once booted) and the SMP alternatives, other
 * per-CPU and setup sections up to .bss.
 */
static void kernel_image_layout(void)
{
	const struct kmm_profile *p = M->prof;
	struct kmm_image *im = &M->image;
	u64 kb = M->params.kernel_bytes;
	if (kb) {
		/*
		 * A smaller kernel than the distribution's (a tinyconfig build for
		 * a small board): linked to run at 1 MiB, sections in the usual
		 * proportions.
		 */
		u64 a = SZ_1M;
		im->text = a;
		im->etext = a + kb * 6 / 10;
		im->rodata = ALIGN(im->etext, PAGE_SIZE);
		im->erodata = im->rodata + kb * 2 / 10;
		im->data = ALIGN(im->erodata, PAGE_SIZE);
		im->edata = im->data + kb / 10;
		im->init = ALIGN(im->edata, PAGE_SIZE);
		im->einit = im->init + ALIGN(kb / 20, PAGE_SIZE); /* whole pages: freed after boot */
		im->bss = im->einit + (u64)p->alt_k * 1024;     /* after the SMP alternatives, also freed */
		im->ebss = im->bss + kb / 20;
		return;
	}
	u64 a = p->phys_start;
	im->text = a;
	im->etext = a + (u64)p->text_k * 1024;
	im->rodata = a + p->rodata_off;
	im->erodata = im->rodata + (u64)p->rodata_k * 1024;
	im->data = a + p->data_off;
	im->edata = im->data + (u64)p->rwdata_k * 1024;
	im->bss = a + p->bss_off;
	im->ebss = im->bss + (u64)p->bss_k * 1024;
	im->init = ALIGN_DOWN(im->bss - (u64)(p->init_k + p->alt_k) * 1024, PAGE_SIZE);
	im->einit = im->init + (u64)p->init_k * 1024;
}

/*
 * The brk area (extend_brk() in arch/x86/kernel/setup.c).  After .bss the
 * linker leaves room for the RESERVE_BRK users - 64 KiB of slop, head_32's
 * early page tables (i386), dmi_alloc's 64 KiB and early_pgt_alloc's
 * INIT_PGT_BUF_SIZE - and _end follows that room.  Boot then uses it from
 * its start, in this order, and reserve_brk() reserves what was used:
 *
 *   i386      mk_early_pgtbl_32(): PTE pages mapping [0, _end + the page
 *             tables a 1 GiB direct map needs), PAGE_TABLE_SIZE(LOWMEM_PAGES)
 *   all       dmi_setup(): the DMI strings a PC's SMBIOS gives (< 1 page)
 *   all       early_alloc_pgt_buf(): INIT_PGT_BUF_SIZE, page-aligned - 2
 *             pages per page-table level below the PGD (3 levels: 6 pages
 *             on i386; x86_64 is built for 5 levels and RANDOMIZE_MEMORY
 *             doubles it: 16) - from which the first kernel page tables
 *             come (alloc_low_page), memblock after.
 *
 *   .bss | i386 PTEs | DMI | pgt_buf ..... | unused brk room | _end
 *        ^brk_start                         ^brk_end
 */
#define DMI_BYTES 512 /* a PC's DMI strings: vendor, product, BIOS, board */

static void early_brk_init(void)
{
	const struct kmm_profile *p = M->prof;
	u64 base = ALIGN(M->image.ebss, (u64)PAGE_SIZE), brk = base;
	if (M->params.kernel_bytes) {
		M->brk_start = M->brk_end = M->pgt_buf_next = M->pgt_buf_top = base;
		return; /* a small custom kernel: no brk users modelled */
	}
	unsigned long lowmem_pages = (1UL << 30) >> PAGE_SHIFT; /* LOWMEM_PAGES: 4 GiB - PAGE_OFFSET */
	unsigned long ptrs_per_pte = p->pae ? 512 : 1024;
	unsigned long page_table_size = p->pae ? lowmem_pages / 512 + 4 : lowmem_pages / 1024;
	/* INIT_PGT_BUF_SIZE: 2 pages per level below the PGD (3; 4 with X86_5LEVEL, Debian's x86_64), twice with RANDOMIZE_MEMORY */
	unsigned long pgt_buf_pages = p->bits == 64 ? 4 * 4 : 2 * 3;
	u64 room = 64 * 1024 + (u64)(p->bits == 32 ? page_table_size : 0) * PAGE_SIZE + 64 * 1024 +
		   (u64)pgt_buf_pages * PAGE_SIZE;
	u64 end = ALIGN(base + room, (u64)PAGE_SIZE); /* _end */
	if (p->bits == 32) {
		u64 limit = end + (u64)page_table_size * PAGE_SIZE;
		unsigned long ptes = DIV_ROUND_UP(limit, ptrs_per_pte * PAGE_SIZE);
		brk += (u64)ptes * PAGE_SIZE;
		M->head32_mapped = (u64)ptes * ptrs_per_pte * PAGE_SIZE;
	}
	brk += DMI_BYTES;
	brk = ALIGN(brk, (u64)PAGE_SIZE);
	M->pgt_buf_next = brk;
	M->pgt_buf_top = brk + (u64)pgt_buf_pages * PAGE_SIZE;
	M->brk_start = base;
	M->brk_end = M->pgt_buf_top;
	memblock_reserve(M->brk_start, M->brk_end - M->brk_start); /* reserve_brk() */
}

/*
 * A page for a kernel page table at boot.  Linux keeps some tables in the
 * image and the brk, where kmm puts them too, by the table's role:
 *
 *   the root               swapper_pg_dir (i386, in .bss..page_aligned
 *                          after empty_zero_page's page) / init_top_pgt (x86_64, .data)
 *   PAE: the kernel's PMD  initial_pg_pmd, in .bss
 *   32-bit: a PTE table of the direct map that head_32's early tables
 *                          cover - the later direct map reuses those
 *   32-bit: the PTE table of the boot-time fixmap slots: bm_pte, in .bss
 *   32-bit: the PTE table of the top PMD (the fixmap's first slots):
 *                          head_32's initial_pg_fixmap, in .bss
 *
 * Every other table is alloc_low_pages(): the brk's pgt_buf while it
 * lasts, memblock (top-down in lowmem) after.
 */
/* Bytes of RAM (memblock.memory) in [start, end), and the highest RAM byte there + 1 (0: none). */
static u64 memblock_ram_in(u64 start, u64 end, u64 *top)
{
	u64 sum = 0;
	*top = 0;
	for (unsigned long i = 0; i < M->memblock.memory.cnt; i++) {
		const struct memblock_region *r = &M->memblock.memory.regions[i];
		u64 a = max(start, r->base), b = min(end, r->base + r->size);
		if (b > a) {
			sum += b - a;
			*top = b;
		}
	}
	return sum;
}

/*
 * x86_64's init_mem_mapping() maps [0, 1 MiB) first, then memory_map_top_down():
 * from the top 2 MiB block of free RAM downwards, in steps of 2 MiB, then
 * 512 MiB, then 128 GiB once as much is mapped.  A table is taken from the
 * brk's pgt_buf unless the step that first needs it contains the pgt_buf
 * itself (can_use_brk_pgt): then from memblock, at the top of mapped RAM.
 */
static bool direct_map_table_from_brk(unsigned long va, int depth)
{
	static const int cover_shift[4] = { 48, 39, 30, 21 }; /* what a table at depth d maps */
	u64 ts = ALIGN_DOWN((u64)(va - M->prof->page_offset), 1ULL << cover_shift[depth]);
	u64 te = ts + (1ULL << cover_shift[depth]), top;
	if (ts < SZ_1M)
		return true; /* the ISA range is mapped first */
	if (!M->dm_real_end) {
		u64 map_end = PFN_PHYS(M->max_pfn), step = 2ULL << 20, mapped = 0;
		phys_addr_t blk = memblock_phys_alloc_range(step, step, SZ_1M, map_end);
		if (blk)
			memblock_phys_free(blk, step);
		M->dm_real_end = blk ? blk + step : map_end;
		for (u64 last = M->dm_real_end; last > SZ_1M;) {
			u64 start = last > step ? max(ALIGN_DOWN(last - 1, step), (u64)SZ_1M) : SZ_1M;
			mapped += memblock_ram_in(start, last, &top);
			if (start < M->pgt_buf_top && M->pgt_buf_next < last) {
				M->dm_brk_step_start = start;
				M->dm_brk_step_end = last;
			}
			last = start;
			if (mapped >= step)
				step <<= 8; /* get_new_step_size() */
		}
	}
	memblock_ram_in(max(ts, (u64)SZ_1M), min(te, M->dm_real_end), &top);
	if (!top)
		return true; /* first needed above real_end, mapped last */
	return !(top - 1 >= M->dm_brk_step_start && top - 1 < M->dm_brk_step_end);
}

phys_addr_t alloc_low_page(unsigned long va, int depth)
{
	const struct kmm_profile *p = M->prof;
	const struct kmm_image *im = &M->image;
	int leaf = p->pt_levels - 1;
	if (p->arch == KMM_ARCH_ARM64)
		return arm64_early_pgtable_alloc(va, depth);
	if (p->arch == KMM_ARCH_ARM)
		return arm_early_pgtable_alloc(va, depth);
	if (!M->params.kernel_bytes) {
		u64 bss = ALIGN(im->bss, (u64)PAGE_SIZE);
		if (depth == 0)
			return p->bits == 64 ? ALIGN(im->data, (u64)PAGE_SIZE) : bss + PAGE_SIZE;
		if (p->pae && depth == 1 && va >= p->page_offset)
			return bss + 2 * PAGE_SIZE;
		if (p->bits == 32 && depth == leaf) {
			unsigned long pmd = 1UL << p->pmd_shift;
			if (va >= p->page_offset && va - p->page_offset < M->head32_mapped)
				return M->brk_start + ((va - p->page_offset) / pmd) * PAGE_SIZE;
			if ((va & ~(pmd - 1)) == (M->layout.fix_btmap_begin & ~(pmd - 1)))
				return bss + 3 * PAGE_SIZE;
			if ((va & ~(pmd - 1)) == (0xffffffffUL & ~(pmd - 1)))
				return bss + 4 * PAGE_SIZE;
		}
	}
	/* x86_64's set_pte_vaddr() (the cpu_entry_area) takes its tables from spp_getpage(): memblock */
	if (p->bits == 64 && depth && (va < p->page_offset || va - p->page_offset >= PFN_PHYS(M->max_pfn)))
		return memblock_phys_alloc_range(PAGE_SIZE, PAGE_SIZE, 0, MEMBLOCK_ALLOC_ANYWHERE);
	/* alloc_low_pages() takes memblock pages only inside what is mapped already: [min_pfn_mapped, max_pfn_mapped) */
	if (p->bits == 64 && depth && !direct_map_table_from_brk(va, depth))
		return memblock_phys_alloc_range(PAGE_SIZE, PAGE_SIZE, M->dm_brk_step_end, M->dm_real_end);
	if (M->pgt_buf_next < M->pgt_buf_top) {
		phys_addr_t pa = M->pgt_buf_next;
		M->pgt_buf_next += PAGE_SIZE;
		return pa;
	}
	return memblock_phys_alloc_range(PAGE_SIZE, PAGE_SIZE, 0, PFN_PHYS(M->max_low_pfn));
}

/* alloc_low_pages(num): num pages in a row, zeroed, from the brk's pgt_buf if they all fit there, else memblock. */
phys_addr_t alloc_low_pages(unsigned long num)
{
	phys_addr_t pa;
	if (M->pgt_buf_next + num * PAGE_SIZE <= M->pgt_buf_top) {
		pa = M->pgt_buf_next;
		M->pgt_buf_next += num * PAGE_SIZE;
	} else {
		pa = memblock_phys_alloc_range(num * PAGE_SIZE, PAGE_SIZE, 0, PFN_PHYS(M->max_low_pfn));
	}
	if (pa)
		memset(ram_host(pa), 0, num * PAGE_SIZE);
	return pa;
}

/*
 * trap_init(), just before mm_init(): the cpu_entry_area tables.  i386 makes
 * every PTE table of the area (setup_cpu_entry_area_ptes), from the brk or
 * memblock; x86_64 maps each CPU's area (below).
 */
static void cpu_entry_area_init_64(void);

static void trap_init_cpu_entry_areas(void)
{
	if (M->prof->bits == 64)
		cpu_entry_area_init_64();
	else
		kernel_pgtable_prealloc(M->layout.cpu_entry_area_base, M->layout.cpu_entry_area_size);
}

/*
 * x86_64's trap_init() maps each possible CPU's cpu_entry_area at
 * CPU_ENTRY_AREA_BASE (0xfffffe0000000000): after the read-only IDT page,
 * per CPU 59 pages - GDT, entry stack, TSS with its I/O bitmap (5), the
 * exception stacks with their guard pages (19), the debug store - of which
 * all but the last 32 (the BTS/PEBS buffers, mapped only when perf uses
 * them) are mapped now.  Their PUD, PMD and PTE tables come from memblock.
 */
#define CPU_ENTRY_AREA_BASE_64 0xfffffe0000000000UL
#define CEA_PAGES_64 59
#define CEA_MAPPED_PAGES_64 27

static void cpu_entry_area_init_64(void)
{
	unsigned long last = CPU_ENTRY_AREA_BASE_64 + PAGE_SIZE * (1 + (unsigned long)(M->nr_cpus - 1) * CEA_PAGES_64 +
								  CEA_MAPPED_PAGES_64);
	kernel_pgtable_prealloc(CPU_ENTRY_AREA_BASE_64, last - CPU_ENTRY_AREA_BASE_64);
}

/* i386: how much of RAM the direct map can hold; the rest is highmem. */
static void find_low_pfn_range(void)
{
	unsigned long maxmem_pfn = PFN_DOWN(M->layout.maxmem);
	long highmem_pages = M->highmem_pages_param;

	if (M->max_pfn <= maxmem_pfn) {
		M->max_low_pfn = M->max_pfn;
		if (highmem_pages == -1)
			highmem_pages = 0;
		if ((unsigned long)highmem_pages >= M->max_pfn) {
			pr_err("highmem size (%luMB) is bigger than pages available (%luMB)!\n",
			       (unsigned long)highmem_pages >> 8, M->max_pfn >> 8);
			highmem_pages = 0;
		}
		if (highmem_pages) {
			if (M->max_low_pfn - (unsigned long)highmem_pages < (64UL << 20) / PAGE_SIZE) {
				pr_err("highmem size (%luMB) results in <64MB lowmem, ignoring it!\n",
				       (unsigned long)highmem_pages >> 8);
				highmem_pages = 0;
			}
			M->max_low_pfn -= (unsigned long)highmem_pages;
		}
	} else {
		M->max_low_pfn = maxmem_pfn;
		if (highmem_pages == -1)
			highmem_pages = (long)(M->max_pfn - maxmem_pfn);
		if ((unsigned long)highmem_pages + maxmem_pfn < M->max_pfn)
			M->max_pfn = maxmem_pfn + (unsigned long)highmem_pages;
		if ((unsigned long)highmem_pages + maxmem_pfn > M->max_pfn) {
			pr_warn("only %luMB highmem pages available, ignoring highmem size of %luMB!\n",
				(M->max_pfn - maxmem_pfn) >> 8, (unsigned long)highmem_pages >> 8);
			highmem_pages = 0;
		}
		if (!M->prof->pae && M->max_pfn > (1UL << 20)) {
			M->max_pfn = 1UL << 20;
			pr_warn("Warning: only 4GB will be used. Use a HIGHMEM64G enabled kernel!\n");
		}
	}
}

static void initmem_init_32(void)
{
	M->highstart_pfn = M->highend_pfn = M->max_pfn;
	if (M->max_pfn > M->max_low_pfn)
		M->highstart_pfn = M->max_low_pfn;
	pr_notice("%luMB HIGHMEM available.\n", (M->highend_pfn - M->highstart_pfn) >> 8);
	layout_set_high_memory(M->highstart_pfn);
	pr_notice("%luMB LOWMEM available.\n", M->max_low_pfn >> 8);
	pr_info("  mapped low ram: 0 - %08lx\n", M->max_low_pfn << PAGE_SHIFT);
	pr_info("  low ram: 0 - %08lx\n", M->max_low_pfn << PAGE_SHIFT);
}

/*
 * The initrd, where the boot loader put it: given (a real machine's log says
 * where), or placed as QEMU's and GRUB's x86 loaders do - as high as it goes,
 * page-aligned, ending below the top of usable RAM under the kernel's
 * initrd_addr_max (the setup header's 0x7fffffff; a 64-bit kernel sets
 * XLF_CAN_BE_LOADED_ABOVE_4G and the loaders keep it below 4 GiB).  Linux's
 * early_reserve_initrd() then reserves it in memblock, to the page.
 */
static int early_reserve_initrd(char *err, size_t errlen)
{
	u64 bytes = M->params.initrd_bytes, start = M->params.initrd_start;
	if (!bytes)
		return 0;
	u64 limit = M->prof->bits == 64 ? SZ_4G : 0x80000000ULL, top = 0;
	for (u32 i = 0; i < M->e820_firmware.nr_entries; i++) { /* the loader knows nothing of mem= */
		const struct e820_entry *e = &M->e820_firmware.entries[i];
		if (e->type == E820_TYPE_RAM && e->addr < limit && e->addr + e->size > SZ_1M)
			top = max(top, min(e->addr + e->size, limit));
	}
	if (!start) {
		if (top < bytes + SZ_16M) {
			snprintf(err, errlen, "kmm: no room for a %lluK initrd in the RAM below %#llx",
				 (unsigned long long)bytes >> 10, (unsigned long long)limit);
			return -EINVAL;
		}
		start = ALIGN_DOWN(top - 1 - bytes, (u64)PAGE_SIZE);
	}
	u64 size = ALIGN(start + bytes, (u64)PAGE_SIZE) - start;
	/* the loader used the firmware's RAM; mem= does not move it (reserve_initrd relocates it) */
	if (start & (PAGE_SIZE - 1) || start + size < start ||
	    !e820__mapped_all(&M->e820_firmware, start, start + size, E820_TYPE_RAM)) {
		snprintf(err, errlen, "kmm: the initrd at [mem %#010llx-%#010llx] is not in usable RAM",
			 (unsigned long long)start, (unsigned long long)(start + bytes - 1));
		return -EINVAL;
	}
	M->initrd_start = start;
	M->initrd_size = size;
	memblock_reserve(M->initrd_start, size);
	return 0;
}

/* reserve_initrd(): a ramdisk outside the direct map moves into lowmem. */
static void reserve_initrd(void)
{
	u64 image = M->initrd_start, size = M->initrd_size;
	if (!size)
		return;
	pr_info("RAMDISK: [mem 0x%08llx-0x%08llx]\n", (unsigned long long)image, (unsigned long long)(image + size - 1));
	if (PFN_UP(image + size) <= M->max_low_pfn)
		return;
	u64 here = memblock_phys_alloc_range(size, PAGE_SIZE, 0, PFN_PHYS(M->max_low_pfn));
	if (!here) {
		pr_err("initrd: no room in lowmem for a %lluK ramdisk; dropped\n", (unsigned long long)size >> 10);
		memblock_phys_free(image, size);
		M->initrd_size = 0;
		return;
	}
	u64 bytes = M->params.initrd_bytes;
	pr_info("Allocated new RAMDISK: [mem 0x%08llx-0x%08llx]\n", (unsigned long long)here,
		(unsigned long long)(here + bytes - 1));
	pr_info("Move RAMDISK from [mem 0x%08llx-0x%08llx] to [mem 0x%08llx-0x%08llx]\n", (unsigned long long)image,
		(unsigned long long)(image + bytes - 1), (unsigned long long)here, (unsigned long long)(here + bytes - 1));
	memblock_phys_free(image, size);
	M->initrd_start = here;
}

/* A small boot-time structure: memblock_alloc(size, align), anywhere below the limit. */
static phys_addr_t memblock_alloc_small(phys_addr_t size, phys_addr_t align)
{
	return size ? memblock_phys_alloc_range(size, align, 0, MEMBLOCK_ALLOC_ANYWHERE) : 0;
}

/*
 * The first percpu chunk (mm/percpu.c, pcpu_embed_first_chunk and
 * pcpu_setup_first_chunk).  One group of units per node; each group is one
 * memblock allocation of nr_units * unit_size on its node, aligned to the
 * atom (2 MiB on x86_64), whose unit tails past size_sum go back.  Around
 * it: the alloc info and the group pointer array (freed again), then the
 * chunk's bookkeeping - the group/unit maps, the slot lists, and for the
 * reserved region (if any) and the dynamic one a struct pcpu_chunk with
 * its allocation bitmap (one bit per 4 bytes), boundary bitmap and one
 * struct pcpu_block_md (8 ints) per page.  unit_phys[cpu] is where each
 * CPU's unit starts: mm/percpu.c builds its first chunk over them.
 */
/* ... and returns ai->nr_units: every group's units, a group's CPUs rounded up to upa */
static int pcpu_first_chunk_alloc(unsigned long size_sum, unsigned long unit, int upa, unsigned long dyn,
				  phys_addr_t *unit_phys)
{
	int nr_units = 0;
	const struct kmm_profile *p = M->prof;
	unsigned long word = p->bits / 8;
	int ngroups = min(M->nr_nodes, M->nr_cpus);
	/* pcpu_alloc_alloc_info(): struct + groups[] + the cpu_map ints, page-aligned */
	phys_addr_t ai_size = PFN_PHYS(PFN_UP(4 * word + ngroups * 3 * word + M->nr_cpus * 4));
	phys_addr_t ai = memblock_alloc_small(ai_size, PAGE_SIZE);
	phys_addr_t areas_size = PFN_PHYS(PFN_UP(ngroups * word));
	phys_addr_t areas = memblock_alloc_small(areas_size, SMP_CACHE_BYTES);
	for (int g = 0; g < ngroups; g++) {
		int cpus = 0;
		for (int c = 0; c < M->nr_cpus; c++)
			cpus += c % ngroups == g;
		int units = ALIGN(cpus, upa);
		nr_units += units;
		phys_addr_t base = memblock_phys_alloc_try_nid((phys_addr_t)units * unit, p->pcpu_atom, g);
		for (int c = 0, u = 0; c < M->nr_cpus; c++)
			if (c % ngroups == g)
				unit_phys[c] = base ? base + (phys_addr_t)u++ * unit : 0;
		for (int u = 0; base && u < units; u++) {
			phys_addr_t at = base + (phys_addr_t)u * unit;
			if (u >= cpus)
				memblock_phys_free(at, unit); /* a unit no CPU uses */
			else if (unit > size_sum)
				memblock_phys_free(at + size_sum, unit - size_sum);
		}
	}
	/* pcpu_setup_first_chunk() */
	memblock_alloc_small(ngroups * word, SMP_CACHE_BYTES);  /* group_offsets */
	memblock_alloc_small(ngroups * word, SMP_CACHE_BYTES);  /* group_sizes */
	memblock_alloc_small(M->nr_cpus * 4, SMP_CACHE_BYTES);  /* unit_map */
	memblock_alloc_small(M->nr_cpus * word, SMP_CACHE_BYTES); /* unit_off */
	int slots = max(64 - __builtin_clzl(unit) - 5 + 2, 1) + 4;
	memblock_alloc_small(slots * 2 * word, SMP_CACHE_BYTES); /* pcpu_chunk_lists */
	unsigned long start = p->pcpu_static % PAGE_SIZE;
	/* sizeof(struct pcpu_chunk) of 6.1 (MEMCG_KMEM, no PERCPU_STATS), before its populated[] bitmap */
	unsigned long maps[2] = { p->pcpu_reserved, dyn }, chunk_size = p->bits == 64 ? 136 : 92;
	for (int k = 0; k < 2; k++) {
		if (!maps[k])
			continue;
		unsigned long region = ALIGN(start + maps[k], PAGE_SIZE), bits = region / 4, bpl = 8 * word;
		memblock_alloc_small(chunk_size + DIV_ROUND_UP(region >> PAGE_SHIFT, bpl) * word, SMP_CACHE_BYTES);
		memblock_alloc_small(DIV_ROUND_UP(bits, bpl) * word, SMP_CACHE_BYTES);     /* alloc_map */
		memblock_alloc_small(DIV_ROUND_UP(bits + 1, bpl) * word, SMP_CACHE_BYTES); /* bound_map */
		memblock_alloc_small((region >> PAGE_SHIFT) * 32, SMP_CACHE_BYTES);        /* md_blocks */
		start = (start + maps[k]) % PAGE_SIZE;
	}
	if (areas)
		memblock_phys_free(areas, areas_size);
	if (ai)
		memblock_phys_free(ai, ai_size);
	return nr_units;
}

/* setup_per_cpu_areas(): the first percpu chunk, one unit per possible CPU. */
static void setup_per_cpu_areas(void)
{
	const struct kmm_profile *p = M->prof;
	/*
	 * x86 asks PERCPU_MODULE_RESERVE + PERCPU_DYNAMIC_RESERVE less its first-chunk
	 * reserve; the generic setup_per_cpu_areas() (ARM) asks PERCPU_DYNAMIC_RESERVE,
	 * 28 KiB on 64-bit and 20 KiB on 32-bit kernels.
	 */
	unsigned long dyn_reserve = p->arch == KMM_ARCH_ARM ? 20 * 1024UL : 28 * 1024UL;
	unsigned long size_sum = ALIGN(p->pcpu_static + p->pcpu_reserved + dyn_reserve, PAGE_SIZE);
	unsigned long dyn = size_sum - p->pcpu_static - p->pcpu_reserved;
	/*
	 * pcpu_build_alloc_info(): allocations of the atom's size, each holding
	 * upa units; the fewest allocations, then the most of them, that
	 * waste at most a third of the possible CPUs' worth of units.
	 */
	unsigned long min_unit = max(size_sum, 32 * 1024UL), alloc_size = ALIGN(min_unit, p->pcpu_atom);
	int ngroups = min(M->nr_nodes, M->nr_cpus), max_upa = (int)(alloc_size / min_unit), best_upa = 1;
	while (alloc_size % max_upa || (alloc_size / max_upa) % PAGE_SIZE)
		max_upa--;
	for (int upa = max_upa, last_allocs = INT_MAX; upa; upa--) {
		int allocs = 0, wasted = 0;
		if (alloc_size % upa || (alloc_size / upa) % PAGE_SIZE)
			continue;
		for (int g = 0; g < ngroups; g++) {
			int cpus = 0;
			for (int c = 0; c < M->nr_cpus; c++)
				cpus += c % ngroups == g;
			allocs += DIV_ROUND_UP(cpus, upa);
			wasted += DIV_ROUND_UP(cpus, upa) * upa - cpus;
		}
		if (wasted > M->nr_cpus / 3)
			continue;
		if (allocs > last_allocs)
			break;
		last_allocs = allocs;
		best_upa = upa;
	}
	unsigned long unit = alloc_size / best_upa;
	if (p->arch != KMM_ARCH_ARM) /* x86's and arch_numa's setup_per_cpu_areas() say it */
		pr_info("setup_percpu: NR_CPUS:%d nr_cpumask_bits:%d nr_cpu_ids:%d nr_node_ids:%d\n",
			p->nr_cpus_config, M->nr_cpus, M->nr_cpus, M->nr_nodes);
	pr_info("percpu: Embedded %lu pages/cpu s%u r%u d%lu u%lu\n", size_sum >> PAGE_SHIFT, p->pcpu_static,
		p->pcpu_reserved, dyn, unit);
	phys_addr_t unit_phys[KMM_MAX_CPUS];
	int nr_units = pcpu_first_chunk_alloc(size_sum, unit, best_upa, dyn, unit_phys);
	pcpu_setup_first_chunk(unit_phys, nr_units, p->pcpu_static, p->pcpu_reserved, dyn, unit); /* mm/percpu.c */
	/*
	 * x86_64 is built with CPUMASK_OFFSTACK: setup_node_to_cpumask_map()
	 * and setup_cpu_local_masks() take their cpumasks from memblock
	 * (alloc_bootmem_cpumask_var, nr_cpu_ids bits in longs); i386 keeps
	 * them in .data.
	 */
	if (p->arch == KMM_ARCH_X86 && p->bits == 64) {
		phys_addr_t mask = DIV_ROUND_UP(M->nr_cpus, 64) * 8;
		for (int n = 0; n < M->nr_nodes; n++)
			memblock_alloc_small(mask, SMP_CACHE_BYTES); /* node_to_cpumask_map[n] */
		for (int i = 0; i < 4; i++)
			memblock_alloc_small(mask, SMP_CACHE_BYTES); /* cpu_initialized, callin, callout, sibling_setup */
	}
}

/*
 * start_kernel()'s setup_command_line(): saved_command_line and
 * static_command_line, each the command line and its NUL.
 */
static void setup_command_line(void)
{
	size_t len = (M->cmdline ? strlen(M->cmdline) : 0) + 1;
	memblock_alloc_small(len, SMP_CACHE_BYTES);
	memblock_alloc_small(len, SMP_CACHE_BYTES);
}

/*
 * kernel/power/snapshot.c's register_nosave_region() (CONFIG_HIBERNATION,
 * on in Debian's builds): one struct nosave_region (a list_head and two
 * pfns) from memblock per range hibernation must not save, unless the
 * range extends the previous one.
 */
static void register_nosave_region(unsigned long start_pfn, unsigned long end_pfn, unsigned long *last_end)
{
	if (start_pfn >= end_pfn)
		return;
	if (*last_end != start_pfn)
		memblock_alloc_small(4 * (M->prof->bits / 8), SMP_CACHE_BYTES);
	*last_end = end_pfn;
	pr_info("PM: hibernation: Registered nosave memory: [mem 0x%08llx-0x%08llx]\n",
		(unsigned long long)PFN_PHYS(start_pfn), (unsigned long long)PFN_PHYS(end_pfn) - 1);
}

/* e820__register_nosave_regions() of Debian's 6.1: the gaps between RAM entries, and above the last up to limit_pfn. */
static void e820__register_nosave_regions(unsigned long limit_pfn)
{
	unsigned long last_end = ~0UL;
	u64 last_addr = 0;
	for (u32 i = 0; i < M->e820.nr_entries; i++) {
		const struct e820_entry *e = &M->e820.entries[i];
		if (e->type != E820_TYPE_RAM && e->type != E820_TYPE_RESERVED_KERN)
			continue;
		if (last_addr < e->addr)
			register_nosave_region(PFN_DOWN(last_addr), PFN_UP(e->addr), &last_end);
		last_addr = e->addr + e->size;
	}
	register_nosave_region(PFN_DOWN(last_addr), limit_pfn, &last_end);
}

/*
 * The small firmware records setup_arch() keeps in memblock: the HPET's
 * and the IO-APIC's struct resource with their names (acpi_parse_hpet,
 * ioapic_setup_resources), then e820__reserve_resources(): one struct
 * resource per e820 entry and one struct firmware_map_entry per firmware
 * entry (/sys/firmware/memmap).  A PC has one HPET and one IO-APIC.
 */
static void setup_arch_resources(void)
{
	const struct kmm_profile *p = M->prof;
	unsigned word = p->bits / 8, rsz = p->bits == 64 || p->pae ? 8 : 4;
	unsigned resource = 2 * rsz + 6 * word; /* start, end, name, flags, desc, parent, sibling, child */
	unsigned kobject = 7 * word + 8; /* name, entry (2), parent, kset, ktype, sd; kref and the state bits */
	memblock_alloc_small(resource + 9, SMP_CACHE_BYTES);   /* hpet_res + "HPET %u" */
	memblock_alloc_small(resource + 11, SMP_CACHE_BYTES);  /* the IO-APIC's resource + "IOAPIC %u" */
	memblock_alloc_small((phys_addr_t)resource * M->e820.nr_entries, SMP_CACHE_BYTES);
	for (u32 i = 0; i < M->e820_firmware.nr_entries; i++)
		memblock_alloc_small(16 + word + 2 * word + kobject, SMP_CACHE_BYTES);
	e820__register_nosave_regions(M->max_pfn);
}

/* alloc_large_system_hash() for the early, memblock-backed tables. */
static void alloc_large_system_hash(const char *name, unsigned long bucketsize, int scale)
{
	unsigned long numentries = M->nr_kernel_pages;
	numentries = ALIGN(numentries, SZ_1M / PAGE_SIZE);
	if (scale > PAGE_SHIFT)
		numentries >>= (scale - PAGE_SHIFT);
	else
		numentries <<= (PAGE_SHIFT - scale);
	unsigned long pow = 1;
	while (pow < numentries)
		pow <<= 1;
	numentries = pow;
	u64 maxent = ((u64)M->nr_all_pages << PAGE_SHIFT) >> 4;
	maxent /= bucketsize;
	maxent = min(maxent, 0x80000000ULL);
	if (numentries > maxent)
		numentries = (unsigned long)maxent;
	int log2qty = 63 - __builtin_clzl(numentries);
	unsigned long size = bucketsize << log2qty;
	int order = 0;
	while ((PAGE_SIZE << order) < size)
		order++;
	memblock_phys_alloc_range(size, SMP_CACHE_BYTES, 0, MEMBLOCK_ALLOC_ANYWHERE);
	pr_info("%s hash table entries: %ld (order: %d, %lu bytes, linear)\n", name, 1L << log2qty, order, size);
}

/* Simulated RAM (the memfd and its direct map), then the simulated PCI device's BAR in a hole of the RAM map. */
int ram_and_device_init(char *err, size_t errlen)
{
	int ret = ram_init(err, errlen);
	if (ret)
		return ret;
	if (device_init()) {
		snprintf(err, errlen, "kmm: cannot create the simulated device's memory");
		return -ENOMEM;
	}
	return 0;
}

int setup_arch(char *err, size_t errlen)
{
	const struct kmm_profile *p = M->prof;
	int ret;

	pr_info("Linux version 6.1.0-kmm-%s (kmm) #1 SMP PREEMPT_DYNAMIC\n", p->name);
	pr_info("BIOS-provided physical RAM map:\n");
	e820__print_table(&M->e820_firmware, "BIOS-e820");
	M->e820 = M->e820_firmware;
	e820__update_table(&M->e820);

	M->init_on_alloc = p->init_on_alloc_default;
	M->init_on_free = p->init_on_free_default;
	ret = parse_early_param(M->cmdline, err, errlen);
	if (ret)
		return ret;
	if (e820_userdef) {
		if (e820__update_table(&M->e820)) {
			snprintf(err, errlen, "Invalid user supplied memory map");
			return -EINVAL;
		}
		pr_info("user-defined physical RAM map:\n");
		e820__print_table(&M->e820, "user");
	}

	kernel_image_layout();
	/* trim_bios_range: page 0 is the BIOS's, 640K..1M is the legacy hole */
	e820__range_update(&M->e820, 0, PAGE_SIZE, E820_TYPE_RAM, E820_TYPE_RESERVED);
	e820__range_remove(&M->e820, 0xa0000, 0x100000 - 0xa0000, E820_TYPE_RAM, true);

	M->max_pfn = e820__end_of_ram_pfn(&M->e820, p->max_arch_pfn);
	if (!M->max_pfn) {
		snprintf(err, errlen, "kmm: the memory map has no usable RAM");
		return -EINVAL;
	}
	if (PFN_PHYS(M->max_pfn) < ALIGN(M->image.ebss, PAGE_SIZE) + SZ_1M) {
		snprintf(err, errlen,
			 "kmm: RAM ends at %#llx, below the end of the kernel image (%#llx-%#llx)%s",
			 (unsigned long long)PFN_PHYS(M->max_pfn), (unsigned long long)M->image.text,
			 (unsigned long long)M->image.ebss - 1,
			 M->mem_limit ? ": mem= is too small"
				      : "; a smaller kernel (--kernel-size 2M) fits a small machine");
		return -EINVAL;
	}

	if (p->bits == 32) {
		layout_compute_fixed();
		if (M->layout.maxmem < (64UL << 20) || M->layout.maxmem > (1UL << 30)) {
			snprintf(err, errlen, "vmalloc=: leaves %ld MiB of lowmem; at least 64 MiB are needed",
				 (long)M->layout.maxmem >> 20);
			return -EINVAL;
		}
		find_low_pfn_range();
	} else {
		layout_compute_fixed();
		M->max_low_pfn = M->max_pfn;
		layout_set_high_memory(M->max_pfn);
	}

	/* early_reserve_memory + e820__memblock_setup + reserve_real_mode */
	M->memblock.current_limit = PFN_PHYS(M->max_low_pfn);
	memblock_reserve(M->image.text, ALIGN(M->image.ebss, PAGE_SIZE) - M->image.text);
	early_brk_init();
	memblock_reserve(0, SZ_64K);
	ret = early_reserve_initrd(err, errlen);
	if (ret)
		return ret;
	e820__memblock_setup(&M->e820);
	memblock_remove(PFN_PHYS(M->max_pfn), ~(phys_addr_t)0 - PFN_PHYS(M->max_pfn)); /* beyond max_pfn */
	if (!memblock_is_memory(M->image.text) || !memblock_is_memory(M->image.ebss - 1)) {
		snprintf(err, errlen, "kmm: the kernel image at %#llx-%#llx is not in usable RAM",
			 (unsigned long long)M->image.text, (unsigned long long)M->image.ebss - 1);
		return -EINVAL;
	}
	memblock_reserve(0, SZ_1M);
	/* simulated RAM exists from here: the page tables are written into it */
	ret = ram_and_device_init(err, errlen);
	if (ret)
		return ret;
	/* init_mem_mapping(): the direct map in swapper_pg_dir */
	if (init_kernel_page_tables()) {
		snprintf(err, errlen, "kmm: out of memory for the kernel page tables");
		return -ENOMEM;
	}
	/* the vmalloc area's host window (on x86_64 its first TiB: host address space is finite) */
	if (kmm_window_add(M->layout.vmalloc_start,
			   min(M->layout.vmalloc_end - M->layout.vmalloc_start, 1UL << 40))) {
		snprintf(err, errlen, "kmm: cannot reserve host address space for the vmalloc area");
		return -ENOMEM;
	}
	/* i386: the fixmap's tables (init_mem_mapping's early_ioremap_page_table_range_init), up to 4 GiB */
	if (p->bits == 32 &&
	    kernel_pgtable_prealloc_fixmap(M->layout.fixaddr_tot_start, (1UL << 32) - M->layout.fixaddr_tot_start,
					   fix_to_virt(M->layout.fix_kmap_begin + (unsigned long)KM_MAX_IDX * p->nr_cpus_config - 1),
					   fix_to_virt(M->layout.fix_kmap_begin))) {
		snprintf(err, errlen, "kmm: out of memory for the fixmap's page tables");
		return -ENOMEM;
	}
	reserve_initrd();
	/* paging_init(): the PKMAP table (permanent_kmaps_init), the kmap windows */
	if (kmap_init()) {
		snprintf(err, errlen, "kmm: out of memory for the PKMAP and FIXMAP page tables");
		return -ENOMEM;
	}
	if (p->bits == 32)
		initmem_init_32();
	return 0;
}

static void count_pfns(unsigned long s, unsigned long e, void *arg)
{
	*(unsigned long *)arg += e - s;
}

/* pci_iommu_init(): the rootfs initcall that reports the bounce buffer. */
static void pci_iommu_init(void)
{
	if (!M->swiotlb_size)
		return;
	if (M->prof->arch == KMM_ARCH_X86)
		pr_info("PCI-DMA: Using software bounce buffering for IO (SWIOTLB)\n");
	pr_info("software IO TLB: mapped [mem 0x%016llx-0x%016llx] (%lluMB)\n", (unsigned long long)M->swiotlb_start,
		(unsigned long long)(M->swiotlb_start + M->swiotlb_size), (unsigned long long)M->swiotlb_size >> 20);
}

/*
 * dma_atomic_pool_init() (kernel/dma/pool.c, a postcore initcall; built on
 * x86_64, where DMA_COHERENT_POOL is selected, not on i386): three pools
 * for atomic DMA allocations, 128 KiB per GiB of RAM (at least 128 KiB, at
 * most MAX_ORDER_NR_PAGES), each one buddy block of get_order(size) - a
 * smaller order if that fails - from GFP_KERNEL, GFP_DMA (when ZONE_DMA has
 * managed pages) and GFP_DMA32.  The pages are never given back.
 *
 * Linux takes them after the deferred struct pages are free; kmm takes
 * them just before it hands those to their threads, so the boot does not
 * wait: the blocks come from the same zones, the counts are the same.
 */
static void dma_atomic_pool_init(void)
{
	if (M->prof->bits != 64)
		return;
	static const struct { gfp_t gfp; const char *name; } pools[3] = {
		{ GFP_KERNEL, "GFP_KERNEL" },
		{ GFP_KERNEL | GFP_DMA, "GFP_KERNEL|GFP_DMA" },
		{ GFP_KERNEL | GFP_DMA32, "GFP_KERNEL|GFP_DMA32" },
	};
	unsigned long pages = min((unsigned long)M->totalram_pages / (SZ_1G / (128 << 10)), MAX_ORDER_NR_PAGES);
	unsigned long size = max(pages << PAGE_SHIFT, 128UL << 10);
	bool has_dma = false;
	for (int n = 0; n < M->nr_nodes; n++)
		has_dma |= NODE_DATA(n)->node_zones[ZONE_DMA].managed_pages > 0;
	for (int i = 0; i < 3; i++) {
		if (i == 1 && !has_dma)
			continue;
		int order = 0;
		while ((PAGE_SIZE << order) < size)
			order++;
		order = min(order, MAX_ORDER - 1);
		struct page *page;
		while (!(page = alloc_pages(pools[i].gfp | __GFP_NOWARN, order)) && order > 0)
			order--;
		if (!page) {
			pr_err("DMA: failed to allocate %lu KiB %s pool for atomic allocation\n", size >> 10,
			       pools[i].name);
			continue;
		}
		M->dma_pool[i] = page;
		M->dma_pool_order[i] = order;
		pr_info("DMA: preallocated %lu KiB %s pool for atomic allocations\n", (PAGE_SIZE << order) >> 10,
			pools[i].name);
	}
}

/*
 * free_initmem() and mark_rodata_ro(), the last things kernel_init() does
 * before it runs /init.  x86_64 first frees the unused part of the 2 MiB
 * .bss..decrypted block that ends .bss, then the init sections; write
 * protection then frees the gaps its 2 MiB alignment left between text
 * and rodata and between rodata and data.  i386 frees only the init
 * sections (its sections are page-aligned, without gaps).
 */
static void free_initmem(void)
{
	const struct kmm_profile *p = M->prof;
	const struct kmm_image *im = &M->image;
	if (p->arch == KMM_ARCH_ARM64) {
		arm64_free_initmem();
		return;
	}
	if (p->arch == KMM_ARCH_ARM) {
		arm_free_initmem();
		return;
	}
	if (p->bits == 64 && !M->params.kernel_bytes) {
		u64 dec = ALIGN_DOWN(im->ebss - 1, (u64)(2ULL << 20)) + (u64)p->bss_decrypted_k * 1024;
		free_reserved_area_pfn(PFN_UP(dec), PFN_DOWN(ALIGN(dec, (u64)(2ULL << 20))), "unused decrypted");
	}
	free_reserved_area_pfn(PFN_DOWN(im->init), PFN_UP(im->einit), "unused kernel image (initmem)");
	if (p->bits == 32) {
		/* mark_rodata_ro(), and with PAE's NX bit mark_nxdata_nx() up to the large page past __init_end */
		u64 hpage = 1ULL << p->pmd_shift;
		pr_info("Write protecting kernel text and read-only data: %lluk\n",
			(unsigned long long)(im->erodata - im->text) >> 10);
		if (p->pae)
			pr_info("NX-protecting the kernel data: %lluk\n",
				(unsigned long long)(((im->einit + hpage) & ~(hpage - 1)) - ALIGN(im->etext, (u64)PAGE_SIZE)) >> 10);
	}
	if (p->bits == 64 && !M->params.kernel_bytes) {
		pr_info("Write protecting the kernel read-only data: %lluk\n",
			(unsigned long long)(ALIGN(im->erodata, (u64)(2ULL << 20)) - im->text) >> 10);
		free_reserved_area_pfn(PFN_UP(im->etext), PFN_DOWN(im->rodata), "unused kernel image (text/rodata gap)");
		free_reserved_area_pfn(PFN_UP(im->erodata), PFN_DOWN(im->data), "unused kernel image (rodata/data gap)");
	}
}

/* ---- boot and shutdown --------------------------------------------------------------- */

bool kmm_booted(void)
{
	return M != NULL;
}

static void machine_free(void)
{
	if (!M)
		return;
	deferred_init_wait();
	/* kcompactd first: it would move the pages what follows gives back */
	for (int n = 0; n < M->nr_nodes; n++)
		if (node_data[n])
			kcompactd_stop(node_data[n]);
	/* what gives pages back to the zones goes while they are there */
	tasks_exit();
	dma_exit();      /* the devices and their records (host memory) */
	filemap_exit(); /* the files its tasks held, and the page cache */
	swap_io_exit();  /* the writes in flight complete */
	swap_cache_exit();
	swapfile_exit(); /* the swap areas */
	mem_cgroup_exit(); /* the memory cgroups, whose lists are empty now */
	for (int n = 0; n < M->nr_nodes; n++) {
		pg_data_t *pgdat = node_data[n];
		if (!pgdat)
			continue;
		for (int z = 0; z < MAX_ZONE_TYPES; z++) {
			free(pgdat->node_zones[z].pageset);
			pthread_mutex_destroy(&pgdat->node_zones[z].lock);
		}
		kswapd_stop(pgdat);
		free(pgdat);
		node_data[n] = NULL;
	}
	percpu_exit();
	vmalloc_exit();
	kmap_exit();
	kfence_exit();
	kmem_cache_exit();
	kmm_windows_exit();
	nr_online_nodes = 0;
	cpus_exit();
	free(M->pageblock_flags);
	mem_map_exit();
	device_exit();
	ram_exit();
	free(M->memblock.memory.regions);
	free(M->memblock.reserved.regions);
	free(M->cmdline);
	cma_free_areas();
	pthread_mutex_destroy(&M->cma_mutex);
	arm64_dt_release();
	trace_exit();
	plot_exit();
	sb_free(&M->log);
	free(M);
	M = NULL;
}

void kmm_shutdown(void)
{
	machine_free();
}

/* One sysctl.* boot parameter, written as process_sysctl_arg() writes it; a refusal is said in its words. */
static void apply_boot_sysctl(const char *path, const char *val)
{
	if (kmm_proc_write(path, val))
		pr_err("Failed to set sysctl parameter 'vm.%s=%s': invalid value\n", path + strlen("sys/vm/"), val);
}

static void apply_boot_sysctls(void)
{
	char buf[32];
	if (sysctl_lowmem_ratio[0])
		apply_boot_sysctl("sys/vm/lowmem_reserve_ratio", sysctl_lowmem_ratio);
	if (sysctl_wsf >= 0) {
		snprintf(buf, sizeof(buf), "%d", sysctl_wsf);
		apply_boot_sysctl("sys/vm/watermark_scale_factor", buf);
	}
	if (sysctl_min_free_kbytes >= 0) {
		snprintf(buf, sizeof(buf), "%d", sysctl_min_free_kbytes);
		apply_boot_sysctl("sys/vm/min_free_kbytes", buf);
	}
	for (int i = 0; i < nr_late_sysctls; i++)
		apply_boot_sysctl(late_sysctl[i].path, late_sysctl[i].val);
}

static int boot_machine(const struct kmm_boot_params *params, char *err, size_t errlen);
static const char *logged_cmdline, *logged_unknown; /* --dmesg: the command line as its log shows it */
static struct kmm_dt *pending_dt; /* a device tree board's tree, until boot_machine gives it to M */

int kmm_boot(const struct kmm_boot_params *params, char *err, size_t errlen)
{
	char dummy[8];
	if (!err) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = 0;
	if (!params)
		return -EINVAL;
	const struct kmm_profile *asked = kmm_profile_find(params->profile);
	if (params->dtb || (asked && kmm_profile_dt(asked))) {
		/*
		 * A board described by a device tree (arch/setup_arm64.c): the
		 * given blob, or QEMU's virt board made for the parameters.  Its
		 * bootargs are the command line; the words kmm does not know
		 * are named as Linux names them.
		 */
		if (params->dmesg_text || params->e820_text) {
			snprintf(err, errlen, "kmm: a device tree board takes no %s", params->dmesg_text ? "--dmesg" : "--e820");
			return -EINVAL;
		}
		struct kmm_boot_params from_dt;
		struct dmesg_cmdline cl = { 0 };
		int ret = dt_boot_params(params, &from_dt, &cl, &pending_dt, err, errlen);
		logged_cmdline = cl.logged;
		logged_unknown = cl.unknown;
		if (!ret)
			ret = boot_machine(&from_dt, err, errlen);
		if (pending_dt) { /* boot_machine took it unless it failed before */
			kmm_dt_free(pending_dt);
			free(pending_dt);
			pending_dt = NULL;
		}
		logged_cmdline = logged_unknown = NULL;
		free(cl.parsed);
		free(cl.logged);
		free(cl.unknown);
		return ret;
	}
	if (!params->dmesg_text)
		return boot_machine(params, err, errlen);
	/*
	 * The machine a real boot log describes (arch/dmesg.c).  Its command
	 * line is logged as it was; the parameters kmm does not know are left
	 * out of the parsing and named, as Linux names those it passes on.
	 */
	struct kmm_boot_params from_dmesg;
	struct dmesg_cmdline cl = { 0 };
	int ret = dmesg_boot_params(params, &from_dmesg, &cl, err, errlen);
	logged_cmdline = cl.logged;
	logged_unknown = cl.unknown;
	if (!ret)
		ret = boot_machine(&from_dmesg, err, errlen);
	logged_cmdline = logged_unknown = NULL;
	free(cl.parsed); /* M->cmdline is a copy */
	free(cl.logged);
	free(cl.unknown);
	return ret;
}

static int boot_machine(const struct kmm_boot_params *params, char *err, size_t errlen)
{
	if (M) {
		snprintf(err, errlen, "kmm: a machine is already booted; kmm_shutdown() it first");
		return -EBUSY;
	}
	const struct kmm_profile *prof = kmm_profile_find(params->profile);
	if (!prof) {
		snprintf(err, errlen, "kmm: unknown profile \"%s\" (i386, i386-pae, x86_64, arm64, arm, arm-lpae)",
			 params->profile);
		return -EINVAL;
	}
	if (params->nr_cpus < 0 || params->nr_cpus > KMM_MAX_CPUS || params->nr_cpus > prof->nr_cpus_config) {
		snprintf(err, errlen, "kmm: %d CPUs: the %s kernel supports 1..%d", params->nr_cpus, prof->name,
			 min(KMM_MAX_CPUS, prof->nr_cpus_config));
		return -EINVAL;
	}
	struct kmm_kconfig kconfig;
	if (kmm_kconfig_parse(params->kconfig, prof, &kconfig, err, errlen))
		return -EINVAL;
	M = calloc(1, sizeof(*M));
	if (!M)
		return -ENOMEM;
	M->prof = prof;
	M->params = *params;
	M->params.kconfig = NULL; /* the caller's string: read once, here */
	M->kconfig = kconfig;
	pthread_mutex_init(&M->cma_mutex, NULL);
	M->dt = pending_dt; /* freed with the machine from here */
	pending_dt = NULL;
	M->cmdline = params->cmdline ? strdup(params->cmdline) : NULL;
	M->params.cmdline = M->cmdline; /* the caller's strings are theirs */
	M->params.e820_text = M->params.dmesg_text = NULL;
	M->nr_cpus = params->nr_cpus ? params->nr_cpus : 1;
	M->highmem_pages_param = -1;
	M->user_min_free_kbytes = -1;
	M->watermark_scale_factor = 10;
	M->watermark_boost_factor = 15000;
	M->dirty_writeback_centisecs = 500; /* the flusher wakes every 5 s */
	M->dirty_expire_centisecs = 3000;   /* and writes what was dirtied 30 s ago */
	M->dirty_ratio = 20;                /* global_dirty_limits: throttled at 20% dirty, */
	M->dirty_background_ratio = 10;     /* background writeback from 10% */
	M->vfs_cache_pressure = 100;        /* sysctl_vfs_cache_pressure (fs/dcache.c) */
	M->extfrag_threshold = 500;         /* sysctl_extfrag_threshold (mm/compaction.c) */
	M->compaction_proactiveness = 20;   /* sysctl_compaction_proactiveness (mm/compaction.c) */
	M->next_writeback_ns = 5000000000ULL;
	M->pfoom_rs = RATELIMIT_STATE_INIT;
	M->printk_rs = RATELIMIT_STATE_INIT;
	M->stack_guard_gap = 256UL << PAGE_SHIFT;
	M->fault_around_bytes = 65536;
	M->thp_enabled = prof->thp;
	for (int z = 0; z < MAX_ZONE_TYPES; z++)
		M->lowmem_reserve_ratio[z] = z == ZONE_DMA || z == ZONE_DMA32 ? 256 : z == ZONE_NORMAL ? 32 : 0;
	kmm_random_seed(params->seed);
	fault_inject_init();
	cpus_init();
	mm_vectors_init();
	gfp_zone_table_init();
	M->memblock.memory.name = "memory";
	M->memblock.reserved.name = "reserved";
	e820_userdef = false;
	sysctl_min_free_kbytes = sysctl_wsf = -1;
	sysctl_lowmem_ratio[0] = 0;
	nr_late_sysctls = 0;

	int ret;
	if (kmm_profile_dt(prof)) {
		ret = M->dt ? 0 : -EINVAL; /* kmm_boot made it */
		if (ret)
			snprintf(err, errlen, "kmm: the %s profile boots from a device tree", prof->name);
	} else if (params->e820_text) {
		ret = e820_parse_text(&M->e820_firmware, params->e820_text, err, errlen);
	} else if (params->mem_bytes < SZ_16M / 2 || params->mem_bytes > (1ULL << 46)) {
		snprintf(err, errlen, "kmm: --mem %llu: a machine needs 8 MiB .. 64 TiB of RAM",
			 (unsigned long long)params->mem_bytes);
		ret = -EINVAL;
	} else {
		e820_default_map(&M->e820_firmware, params->mem_bytes);
		ret = 0;
	}
	if (!ret && params->kernel_bytes && (params->kernel_bytes < (256 << 10) || params->kernel_bytes > (256ULL << 20))) {
		snprintf(err, errlen, "kmm: a kernel image of %llu bytes: expected 256K .. 256M",
			 (unsigned long long)params->kernel_bytes);
		ret = -EINVAL;
	}
	if (!ret && params->nr_numa_ranges && prof->bits != 64) {
		snprintf(err, errlen, "kmm: the %s kernel is built without NUMA (CONFIG_NUMA is not set); use x86_64",
			 prof->name);
		ret = -EINVAL;
	}
	for (int i = 0; !ret && i < params->nr_numa_ranges; i++) {
		const struct kmm_numa_range *r = &params->numa_ranges[i];
		if (r->nid < 0 || r->nid >= MAX_NUMNODES || r->end <= r->start) {
			snprintf(err, errlen, "kmm: NUMA range %d: node %d [%#llx-%#llx) is not a valid node range", i,
				 r->nid, (unsigned long long)r->start, (unsigned long long)r->end);
			ret = -EINVAL;
		}
	}
	if (!ret)
		ret = prof->arch == KMM_ARCH_ARM64 ? setup_arch_arm64(err, errlen)
		      : prof->arch == KMM_ARCH_ARM ? setup_arch_arm(err, errlen)
						   : setup_arch(err, errlen);
	if (!ret && params->nr_numa_ranges) {
		/* as numa_meminfo_cover_memory(): SRAT must describe all RAM */
		u64 covered = 0, total = memblock_phys_mem_size();
		const struct memblock_type *t = &M->memblock.memory;
		for (unsigned long i = 0; i < t->cnt; i++)
			for (int k = 0; k < params->nr_numa_ranges; k++) {
				const struct kmm_numa_range *r = &params->numa_ranges[k];
				u64 a = max(r->start, t->regions[i].base);
				u64 b = min(r->end, t->regions[i].base + t->regions[i].size);
				if (b > a)
					covered += b - a;
			}
		if (total - covered > SZ_1M) {
			snprintf(err, errlen, "NUMA: nodes only cover %lluMB of your %lluMB e820 RAM",
				 (unsigned long long)covered >> 20, (unsigned long long)total >> 20);
			ret = -EINVAL;
		}
	}
	if (!ret) {
		numa_init();
		for (int n = 0; n < M->nr_nodes && !ret; n++) {
			unsigned long s = ~0UL;
			for (unsigned long i = 0; i < M->memblock.memory.cnt; i++)
				if (M->memblock.memory.regions[i].nid == n)
					s = 0;
			if (s) {
				snprintf(err, errlen, "kmm: NUMA node %d has no memory (node ids must be 0..N-1 and each own RAM)", n);
				ret = -EINVAL;
			}
		}
	}
	/* CONFIG_DMA_CMA: x86's setup_arch takes the default CMA area below the end of the direct map (max_pfn_mapped) */
	if (!ret && M->kconfig.cma && prof->arch == KMM_ARCH_X86)
		dma_contiguous_reserve(PFN_PHYS(M->max_low_pfn));
	if (!ret && prof->arch == KMM_ARCH_X86 && prof->bits == 64) {
		/* memblock_find_dma_reserve(): what boot took below 16 MiB */
		unsigned long lim = SZ_16M >> PAGE_SHIFT, mem = 0, freep = 0;
		const struct memblock_type *t = &M->memblock.memory;
		for (unsigned long i = 0; i < t->cnt; i++) {
			unsigned long s = PFN_UP(t->regions[i].base);
			unsigned long e = min(PFN_DOWN(t->regions[i].base + t->regions[i].size), lim);
			if (s < e)
				mem += e - s;
		}
		memblock_for_each_free_range(NUMA_NO_NODE, 0, lim, count_pfns, &freep);
		M->dma_reserve = mem - freep;
	}
	if (!ret) {
		free_area_init();
		ret = memmap_alloc(err, errlen);
	}
	if (!ret)
		free_area_init_memmap();
	/* arm64's bootmem_init: after sparse_init's memmap and zone_sizes_init, below the end of ZONE_DMA */
	if (!ret && M->kconfig.cma && prof->arch == KMM_ARCH_ARM64)
		dma_contiguous_reserve(M->arm64_dma_phys_limit);
	if (!ret && kmm_profile_dt(prof))
		arm64_request_standard_resources();
	else if (!ret)
		setup_arch_resources(); /* acpi_boot_init .. e820__reserve_resources, after paging_init */
	if (ret) {
		if (!err[0])
			snprintf(err, errlen, "kmm: boot failed (%s)", strerror(-ret));
		machine_free();
		return ret;
	}

	setup_command_line();
	setup_per_cpu_areas();
	build_all_zonelists();
	if (M->cmdline)
		pr_info("Kernel command line: %s\n", logged_cmdline ? logged_cmdline : M->cmdline);
	if (logged_unknown && *logged_unknown)
		pr_notice("Unknown kernel command line parameters \"%s\", will be passed to user space.\n", logged_unknown);
	/*
	 * A NUMA kernel with several memory nodes spreads these tables over the
	 * nodes with vmalloc later (hashdist); otherwise they come from memblock.
	 */
	if (!(prof->bits == 64 && M->nr_nodes > 1)) {
		alloc_large_system_hash("Dentry cache", prof->bits == 64 ? 8 : 4, 13);
		alloc_large_system_hash("Inode-cache", prof->bits == 64 ? 8 : 4, 14);
	}
	if (prof->arch == KMM_ARCH_X86)
		trap_init_cpu_entry_areas();
	swiotlb_init();
	report_meminit();
	mem_init();
	M->pgtable_from_buddy = true;
	/*
	 * x86_64's mem_init() ends with preallocate_vmalloc_pages(): a PUD page
	 * under every top-level entry of the vmalloc area (64 for its 32 TiB),
	 * from the buddy allocator, so that no process's page directory ever
	 * misses one; then mm_init() prints the "Memory:" line.
	 */
	if (prof->arch == KMM_ARCH_X86 && prof->bits == 64)
		kernel_pgtable_prealloc_depth(M->layout.vmalloc_start, M->layout.vmalloc_end - M->layout.vmalloc_start, 1);
	mem_init_print_info();
	kmem_cache_init();
	pgtable_cache_init(); /* mm_init()'s pgtable_init(), before vmalloc_init() */
	vmalloc_init();
	maple_tree_init(); /* start_kernel(): the maple_node cache (lib/maple_tree.c) */
	trace_init(); /* after mm_init(), as start_kernel() calls it: trace_event= goes on */
	plot_init();  /* the pressure picture's samples (mm/pressure_plot.c) */
	/*
	 * fork_init(): threads-max so that THREAD_SIZE stacks (8 KiB on i386,
	 * 16 KiB on x86_64) take at most an eighth of RAM; init's
	 * RLIMIT_NPROC and RLIMIT_SIGPENDING are half of it.
	 */
	u64 threads = (u64)M->totalram_pages * PAGE_SIZE / ((prof->bits == 64 ? 16384u : 8192u) * 8u);
	M->max_threads = (unsigned long)clamp(threads, (u64)20, (u64)0x3fffffff); /* MIN_THREADS, FUTEX_TID_MASK */
	kobj_caches_init(); /* pid_idr_init ... proc_caches_init, vfs_caches_init: the caches of processes and files */
	/* alternative_instructions(): the patch sites are no longer needed */
	if (prof->alt_k)
		free_reserved_area_pfn(PFN_DOWN(M->image.einit), PFN_DOWN(M->image.einit) + prof->alt_k / 4,
				       "SMP alternatives");
	setup_per_cpu_pageset();
	dma_atomic_pool_init(); /* a postcore initcall, taken early: see there */
	page_alloc_init_late();
	cma_init_reserved_areas(); /* core_initcall: it waits for the deferred struct pages when it has an area */
	if (kmm_profile_dt(prof))
		arm64_dt_pools_release(); /* core_initcall, after the deferred pages: the pools without CONFIG_CMA */
	if (prof->arch == KMM_ARCH_ARM)
		arm_atomic_pool_init(); /* postcore_initcall */
	if (prof->arch == KMM_ARCH_ARM64)
		arm64_reserve_memblock_reserved_regions(); /* arch_initcall */
	init_per_zone_wmark_min();
	mm_overcommit_init(); /* init_user_reserve, init_admin_reserve: subsys initcalls, from the memory free now */
	/* khugepaged runs only on machines of 512 MiB and more */
	if ((unsigned long)M->totalram_pages < (512UL << (20 - PAGE_SHIFT)))
		M->thp_enabled = false;
	if (M->thp_enabled)
		set_recommended_min_free_kbytes();
	pci_iommu_init();
	dma_init(); /* pci_iommu_init's intel_iommu_init, then the PCI bus's device (kernel/dma.c) */
	/* populate_rootfs(): the initramfs is unpacked, its image freed */
	if (M->initrd_size) {
		deferred_init_wait_range(PFN_DOWN(M->initrd_start), PFN_UP(M->initrd_start + M->initrd_size));
		free_reserved_area_pfn(PFN_DOWN(M->initrd_start), PFN_UP(M->initrd_start + M->initrd_size), "initrd");
	}
	deferred_init_wait_range(PFN_DOWN(M->image.text), PFN_UP(M->image.ebss));
	free_initmem();
	if (prof->arch != KMM_ARCH_ARM)
		kfence_init(); /* 6.1 has no KFENCE on 32-bit ARM */
	swap_setup(); /* kswapd_init's: vm.page-cluster for the machine's size, before sysctl= overrides it */
	apply_boot_sysctls();
	boot_population(); /* the caches, objects and pages a real kernel holds when init runs */
	workingset_init(); /* a module_init, after the network's hash tables */
	fault_inject_arm(); /* failslab= and fail_page_alloc= act from here on, never on boot itself */
	return 0;
}

/* ---- boot options by name (the `kmm` command's --NAME VALUE, a scenario's boot line) ---- */

static int boot_size(const char *name, const char *s, u64 *out, char *err, size_t errlen)
{
	int ret = kmm_parse_size(s, ULLONG_MAX, out);
	if (ret == -ERANGE)
		snprintf(err, errlen, "--%s: \"%s\" does not fit in 64 bits", name, s);
	else if (ret)
		snprintf(err, errlen, "--%s: \"%s\" is not a size (e.g. 512M, 4G)", name, s ? s : "");
	return ret ? -EINVAL : 0;
}

/* "0:0-2G,1:2G-4G": one SRAT-like range per comma, appended to p->numa_ranges */
static int boot_numa(const char *s, struct kmm_boot_params *p, char *err, size_t errlen)
{
	char *copy = strdup(s), *save = NULL;
	int ret = copy ? 0 : -ENOMEM;
	for (char *tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && !ret; tok = strtok_r(NULL, ",", &save)) {
		char *e = strchr(tok, ':'), *dash;
		u64 nid, a, b;
		if (e)
			*e = 0;
		if (!e || kmm_parse_count(tok, 0, MAX_NUMNODES - 1, &nid) || p->nr_numa_ranges >= KMM_MAX_NUMA_RANGES ||
		    !(dash = strchr(e + 1, '-'))) {
			ret = -EINVAL;
			break;
		}
		*dash = 0;
		if (boot_size("numa", e + 1, &a, err, errlen) || boot_size("numa", dash + 1, &b, err, errlen)) {
			ret = -EINVAL;
			break;
		}
		p->numa_ranges[p->nr_numa_ranges++] = (struct kmm_numa_range){ (int)nid, a, b };
	}
	free(copy);
	if (ret == -EINVAL)
		snprintf(err, errlen, "--numa \"%s\": expected NID:START-END[,NID:START-END...], e.g. 0:0-2G,1:2G-4G", s);
	return ret;
}

/* "10 20,20 10": a square table of 10..254, 10 on the diagonal, rows split by ',' or ';' */
static int boot_distance(const char *s, struct kmm_boot_params *p, char *err, size_t errlen)
{
	int rows = 0, width = -1, ret = 0;
	const char *q = s;
	while (*q && !ret) {
		int col = 0;
		while (*q && *q != ',' && *q != ';' && !ret) {
			u64 v;
			bool over = false;
			if (*q == ' ') {
				q++;
				continue;
			}
			size_t n = kmm_parse_integer(q, strlen(q), 10, &v, &over);
			if (!n || over || v < 10 || v > 254 || col >= 8 || rows >= 8)
				ret = -EINVAL;
			else
				p->distance[rows][col++] = (int)v;
			q += n ? n : 1;
		}
		if (width >= 0 && col != width)
			ret = -EINVAL;
		width = col;
		rows++;
		if (*q)
			q++;
	}
	if (!ret && width != rows)
		ret = -EINVAL;
	for (int i = 0; !ret && i < rows; i++)
		if (p->distance[i][i] != 10)
			ret = -EINVAL;
	p->nr_distance = ret ? 0 : rows;
	if (ret)
		snprintf(err, errlen,
			 "--distance \"%s\": expected a square table of 10..254, 10 on the diagonal, rows separated by commas", s);
	return ret;
}

int kmm_boot_param_set(struct kmm_boot_params *p, const char *name, const char *value, char *err, size_t errlen)
{
	u64 v;
	int ret;
	if (!strcmp(name, "profile")) {
		p->profile = value;
	} else if (!strcmp(name, "mem")) {
		if (boot_size(name, value, &v, err, errlen))
			return -EINVAL;
		p->mem_bytes = v;
	} else if (!strcmp(name, "cpus")) {
		if (kmm_parse_count(value, 1, KMM_MAX_CPUS, &v)) {
			snprintf(err, errlen, "--cpus \"%s\": expected a number of CPUs from 1 to %d", value, KMM_MAX_CPUS);
			return -EINVAL;
		}
		p->nr_cpus = (int)v;
	} else if (!strcmp(name, "cmdline")) {
		p->cmdline = value;
	} else if (!strcmp(name, "numa")) {
		return boot_numa(value, p, err, errlen);
	} else if (!strcmp(name, "distance")) {
		return boot_distance(value, p, err, errlen);
	} else if (!strcmp(name, "initrd")) {
		if (boot_size(name, value, &v, err, errlen))
			return -EINVAL;
		p->initrd_bytes = v;
	} else if (!strcmp(name, "kernel-size")) {
		if (boot_size(name, value, &v, err, errlen))
			return -EINVAL;
		p->kernel_bytes = v;
	} else if (!strcmp(name, "kconfig")) {
		struct kmm_kconfig kc;
		if (kmm_kconfig_parse(value, NULL, &kc, err, errlen))
			return -EINVAL;
		p->kconfig = value;
	} else if (!strcmp(name, "seed")) {
		ret = kmm_parse_count(value, 0, ULLONG_MAX, &v);
		if (ret) {
			snprintf(err, errlen, "--seed \"%s\": %s", value,
				 ret == -ERANGE ? "does not fit in 64 bits" : "expected a number");
			return -EINVAL;
		}
		p->seed = v;
	} else {
		snprintf(err, errlen, "unknown boot option --%s", name);
		return -ENOENT;
	}
	return 0;
}
