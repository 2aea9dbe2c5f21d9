/*
 * internal.h - what kmm's subsystems share and users never see: the booted
 * machine's global state (kept in one struct so a machine can be torn down
 * and another booted in the same process), the kernel log, assertion tiers
 * and a growable text buffer for the /proc writers.
 *
 * Assertion tiers (STYLE.md 5), all under KMM_DEBUG:
 *   MM_BUG_ON(c)          cheap invariant; on failure logs "kernel BUG" and aborts
 *   MM_BUG_ON_PAGE(c, p)  the same, dumping the struct page first
 *   MM_WARN_ON(c)         logs a WARNING with the location, goes on (every build)
 *   KMM_DEBUG >= 2        enables the whole-structure validators after operations
 */
#ifndef KMM_INTERNAL_H
#define KMM_INTERNAL_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmm/kmm.h>
#include <kmm/memblock.h>
#include <kmm/mmzone.h>
#include <kmm/mm.h>
#include <kmm/vmstat.h>
#include <kmm/gfp.h>
#include <kmm/pgtable.h>

struct mm_struct;
struct task_struct;

#ifndef KMM_DEBUG
#define KMM_DEBUG 1
#endif

/* ---- text buffers -------------------------------------------------- */

struct strbuf {
	char *buf;
	size_t len, cap;
};

void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap);
char *sb_detach(struct strbuf *sb);   /* returns the malloc()ed text ("" if empty) */
void sb_free(struct strbuf *sb);

/* ---- the kernel log ---------------------------------------------------- */

#define KERN_EMERG "<0>"
#define KERN_ALERT "<1>"
#define KERN_CRIT "<2>"
#define KERN_ERR "<3>"
#define KERN_WARNING "<4>"
#define KERN_NOTICE "<5>"
#define KERN_INFO "<6>"
#define KERN_DEBUG "<7>"
#define KERN_CONT "<c>"

void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define pr_alert(...) printk(KERN_ALERT __VA_ARGS__)
#define pr_err(...) printk(KERN_ERR __VA_ARGS__)
#define pr_warn(...) printk(KERN_WARNING __VA_ARGS__)
#define pr_notice(...) printk(KERN_NOTICE __VA_ARGS__)
#define pr_info(...) printk(KERN_INFO __VA_ARGS__)
#define pr_debug(...) printk(KERN_DEBUG __VA_ARGS__)
#define pr_cont(...) printk(KERN_CONT __VA_ARGS__)
/* Mirror the log to stderr as it is written (the tool's --verbose). */
extern bool kmm_log_to_stderr;

/* ---- assertions -------------------------------------------------------- */

void kmm_bug(const char *file, int line, const char *cond) __attribute__((noreturn));
void kmm_warn(const char *file, int line, const char *cond);
void dump_page(struct page *page, const char *reason);
/* "CPU: ... Call Trace:" with the host frames, as far as the host can name them (sim/printk.c). */
void dump_stack(void);

#if KMM_DEBUG
#define MM_BUG_ON(c) do { if (__builtin_expect(!!(c), 0)) kmm_bug(__FILE__, __LINE__, #c); } while (0)
#define MM_BUG_ON_PAGE(c, p) do { if (__builtin_expect(!!(c), 0)) { dump_page(p, "MM_BUG_ON_PAGE(" #c ")"); kmm_bug(__FILE__, __LINE__, #c); } } while (0)
#else
#define MM_BUG_ON(c) do { (void)sizeof(c); } while (0)
#define MM_BUG_ON_PAGE(c, p) do { (void)sizeof(c); (void)(p); } while (0)
#endif
/*
 * lib/ratelimit.c: at most burst messages per interval jiffies of the
 * simulated clock, then "func: N callbacks suppressed" when the next
 * interval begins (sim/printk.c).  The clock stands still unless something
 * moves it, so a burst may be all a run ever prints.
 */
#define HZ 250
#define DEFAULT_RATELIMIT_INTERVAL (5 * HZ)
#define DEFAULT_RATELIMIT_BURST 10
struct ratelimit_state {
	u32 interval;            /* jiffies; 0: no limit */
	u32 burst;               /* messages per interval */
	int printed, missed;     /* in this interval */
	unsigned long begin;     /* its first jiffy */
	bool started;            /* begin is set */
	int lock;                /* a trylock: a caller that finds it taken is limited */
};
#define RATELIMIT_STATE_INIT ((struct ratelimit_state){ .interval = DEFAULT_RATELIMIT_INTERVAL, .burst = DEFAULT_RATELIMIT_BURST })
bool ___ratelimit(struct ratelimit_state *rs, const char *func);
/*
 * Overcommit accounting (mm/util.c): vm_enough_memory() is 6.1's
 * security_vm_enough_memory_mm(mm, pages) - the task's CAP_SYS_ADMIN (uid 0)
 * decides the admin reserve - charging pages to vm_committed_as on success
 * (0) and changing nothing on -ENOMEM; vm_unacct_memory gives pages back.
 */
#define OVERCOMMIT_GUESS 0
#define OVERCOMMIT_ALWAYS 1
#define OVERCOMMIT_NEVER 2
struct mm_struct;
int __vm_enough_memory(struct mm_struct *mm, long pages, int cap_sys_admin);
int vm_enough_memory(struct mm_struct *mm, long pages);
void vm_acct_memory(long pages);
void vm_unacct_memory(long pages);
unsigned long vm_commit_limit(void);
unsigned long vm_memory_committed(void);
void mm_overcommit_init(void);          /* the subsys initcalls: defaults and the reserves from free memory */
unsigned long tasks_committed_pages(void);  /* Σ VM_ACCOUNT pages of the live tasks (mm/mmap.c) */
unsigned long shmem_committed_pages(void);  /* Σ pages the live shmem objects committed (mm/filemap.c) */
/* The Mem-Info dump of an allocation failure or OOM (mm/show_mem.c). */
void show_free_areas(void);
#define __ratelimit(rs) ___ratelimit(rs, __func__)

/*
 * WARN_ON_ONCE(cond) with Linux's report: "------------[ cut here ]---",
 * "WARNING: CPU: n PID: 0 at FILE:LINE func", the stack, the end marker.
 * where is the warning's place in Linux 6.1 ("mm/page_alloc.c:5634").
 * Once per booted machine (kmm_machine->warned_once remembers the call
 * sites), as once per boot in Linux.  Evaluates to cond.
 */
void __warn_report(const char *where, const char *func);
bool __warn_once_first(const void *site);
#define WARN_ON_ONCE_AT(cond, where) ({                                                  \
	static const char __site;                                                        \
	bool __c = !!(cond);                                                             \
	if (__builtin_expect(__c, 0) && __warn_once_first(&__site))                      \
		__warn_report(where, __func__);                                          \
	__c; })

/* Like Linux's WARN_ON, on in every build: it reports a caller's mistake. */
#define MM_WARN_ON(c) ({ bool __w = !!(c); if (__builtin_expect(__w, 0)) kmm_warn(__FILE__, __LINE__, #c); __w; })

/* ---- machine profile (src/arch/profile.c) ------------------------------ */

enum kmm_arch {
	KMM_ARCH_X86,               /* a PC: e820 map, x86 page tables and reservations */
	KMM_ARCH_ARM64,             /* a board described by a device tree (src/arch/setup_arm64.c) */
	KMM_ARCH_ARM,               /* a 32-bit ARMv7 board from a device tree (src/arch/setup_arm.c) */
};

struct kmm_profile {
	const char *name;           /* "i386", "i386-pae", "x86_64", "arm64", "arm", "arm-lpae" */
	enum kmm_arch arch;         /* the architecture's boot code and page-table format */
	int bits;                   /* 32 or 64 */
	bool pae;                   /* 3-level 64-bit PTEs on a 32-bit kernel */
	int pt_levels;              /* 2, 3 or 4 */
	unsigned long page_offset;  /* start of the direct map */
	int pmd_shift;              /* 22 (i386), 21 (PAE, x86_64) */
	int pageblock_order;        /* HUGETLB_PAGE_ORDER: 10 (4M pages), 9 (2M) */
	unsigned long max_arch_pfn; /* highest pfn the page tables can reach */
	unsigned struct_page_size;  /* the simulated kernel's sizeof(struct page) */
	unsigned zone_mask;         /* which zone types the config compiles in */
	bool flatmem;               /* FLATMEM (i386) or SPARSEMEM_VMEMMAP (x86_64) */
	int section_size_bits;      /* SPARSEMEM section size (27 = 128 MiB) */
	bool deferred_struct_page_init; /* CONFIG_DEFERRED_STRUCT_PAGE_INIT */
	bool thp;                   /* CONFIG_TRANSPARENT_HUGEPAGE: khugepaged raises min_free_kbytes */
	bool thp_pud;               /* CONFIG_HAVE_ARCH_TRANSPARENT_HUGEPAGE_PUD (thp_split_pud) */
	bool numa;                  /* CONFIG_NUMA and CONFIG_NUMA_BALANCING (numa_* counters) */
	int nr_cpus_config;         /* CONFIG_NR_CPUS */
	int last_pkmap;             /* LAST_PKMAP (32-bit only) */
	unsigned pcpu_static, pcpu_reserved; /* first-chunk static and reserved bytes per CPU */
	unsigned long pcpu_atom;    /* allocation atom: 4K (i386) or 2M (x86_64) */
	bool init_on_alloc_default; /* CONFIG_INIT_ON_ALLOC_DEFAULT_ON */
	bool init_on_free_default;  /* CONFIG_INIT_ON_FREE_DEFAULT_ON */
	/* the kernel image, as the Debian 6.1 build of this profile lays it out (arm64: offsets from _text) */
	u64 phys_start;             /* CONFIG_PHYSICAL_START */
	unsigned text_k, rwdata_k, rodata_k, init_k, bss_k; /* section sizes, KiB ("Memory:" line) */
	u32 rodata_off, data_off, bss_off; /* where the linker put them, from phys_start */
	unsigned alt_k;             /* SMP alternatives, freed once patched */
	unsigned bss_decrypted_k;   /* x86_64: what .bss..decrypted holds at the start of the
				       2 MiB block that ends .bss; the rest is freed after boot */
	unsigned end_k;             /* arm64: _end - _text, KiB (arm64_memblock_init reserves _stext.._end) */
	unsigned pgdat_size;        /* NUMA kernels: sizeof(pg_data_t), NODE_DATA's memblock bytes */
	int kmalloc_min_shift;      /* log2 KMALLOC_MIN_SIZE: 3, or 7 where ARCH_DMA_MINALIGN is 128 (arm64) */
	unsigned kmem_cache_node_size; /* sizeof(struct kmem_cache_node) as slabinfo shows it (64-bit) */
	int max_physmem_bits;       /* MAX_PHYSMEM_BITS: the mem_section root array covers this */
};

const struct kmm_profile *kmm_profile_find(const char *name);
/* Does the profile boot a board from a device tree (arm64, arm, arm-lpae) rather than a PC's e820 map? */
static inline bool kmm_profile_dt(const struct kmm_profile *p)
{
	return p->arch != KMM_ARCH_X86;
}

/*
 * Kernel build options kmm lets a machine change, as a .config would
 * (--kconfig CMA=y,CMA_SIZE_MBYTES=16).  Defaults: Debian 12's builds of
 * the profile (no CONFIG_CMA on x86; CMA_SIZE_MBYTES 0 on x86, Kconfig's;
 * PAGE_TABLE_ISOLATION on x86_64 and i386-pae).
 */
struct kmm_kconfig {
	bool cma;                       /* CONFIG_CMA (and DMA_CMA): mm/cma.c, cma= */
	unsigned long cma_size_mbytes;  /* CONFIG_CMA_SIZE_MBYTES: the default area without cma= */
	bool pti;                       /* CONFIG_PAGE_TABLE_ISOLATION: x86_64's PGDs are 8 KiB (order 1) */
};
/* Fill *kc with prof's defaults, then apply text ("NAME=VALUE,..."; NULL: none).  0 or -EINVAL with err. */
int kmm_kconfig_parse(const char *text, const struct kmm_profile *prof, struct kmm_kconfig *kc, char *err,
		      size_t errlen);

/* ---- the kernel's virtual layout (src/arch/layout.c) ----------------------- */

struct kmm_layout {
	unsigned long page_offset;    /* PAGE_OFFSET */
	unsigned long fixaddr_top;    /* FIXADDR_TOP */
	unsigned long fixaddr_start;  /* FIXADDR_START (permanent fixmaps) */
	unsigned long fixaddr_tot_start; /* FIXADDR_TOT_START (with boot-time fixmaps) */
	unsigned long fix_btmap_begin;   /* fix_to_virt(FIX_BTMAP_BEGIN): the lowest boot-time slot */
	unsigned long cpu_entry_area_base;
	unsigned long cpu_entry_area_size; /* CPU_ENTRY_AREA_MAP_SIZE: the read-only IDT page and NR_CPUS areas */
	unsigned long ldt_base;       /* LDT_BASE_ADDR (32-bit) */
	unsigned long pkmap_base;     /* PKMAP_BASE */
	unsigned long fix_kmap_begin; /* FIX_KMAP_BEGIN (32-bit): kmap_local slot 0 of CPU 0 */
	unsigned long vmalloc_start;  /* VMALLOC_START */
	unsigned long vmalloc_end;    /* VMALLOC_END, the exclusive bound (x86_64: Linux's ...ffff value) */
	unsigned long vmalloc_reserve; /* __VMALLOC_RESERVE (vmalloc= moves it) */
	unsigned long maxmem;         /* MAXMEM: bytes the direct map can cover */
	unsigned long high_memory;    /* virtual end of the direct map */
	unsigned long vmemmap_base;   /* x86_64 */
	/* arm64 (arch/arm64/include/asm/memory.h): the kernel's own windows */
	unsigned long phys_offset;    /* PHYS_OFFSET (memstart_addr): the RAM PAGE_OFFSET maps; on x86 0 */
	unsigned long linear_base;    /* PAGE_OFFSET as Linux names it; page_offset above is
					 PAGE_OFFSET - PHYS_OFFSET, so that __va(pa) == page_offset + pa */
	unsigned long modules_vaddr, modules_end, kimage_vaddr;
	unsigned long vmemmap_end, pci_io_start, pci_io_end, fixaddr_size;
};

void layout_compute_fixed(void);           /* everything not depending on RAM */
void layout_set_high_memory(unsigned long highstart_pfn);

/* ---- e820 (src/arch/e820.c) ------------------------------------------------ */

enum e820_type {
	E820_TYPE_RAM = 1,
	E820_TYPE_RESERVED = 2,
	E820_TYPE_ACPI = 3,
	E820_TYPE_NVS = 4,
	E820_TYPE_UNUSABLE = 5,
	E820_TYPE_PMEM = 7,
	E820_TYPE_PRAM = 12,
	E820_TYPE_SOFT_RESERVED = 0xefffffff,
	E820_TYPE_RESERVED_KERN = 128,
};

#define E820_MAX_ENTRIES 128

struct e820_entry {
	u64 addr;
	u64 size;
	enum e820_type type;
};

struct e820_table {
	u32 nr_entries;
	struct e820_entry entries[E820_MAX_ENTRIES];
};

int e820_parse_text(struct e820_table *t, const char *text, char *err, size_t errlen);
void e820_default_map(struct e820_table *t, u64 mem_bytes);
int e820__update_table(struct e820_table *t);
void e820__range_add(struct e820_table *t, u64 start, u64 size, enum e820_type type);
u64 e820__range_update(struct e820_table *t, u64 start, u64 size, enum e820_type old, enum e820_type new_type);
u64 e820__range_remove(struct e820_table *t, u64 start, u64 size, enum e820_type old, bool check_type);
void e820__print_table(const struct e820_table *t, const char *who);
const char *e820_type_name(enum e820_type type);
bool e820__mapped_all(const struct e820_table *t, u64 start, u64 end, enum e820_type type);
unsigned long e820__end_of_ram_pfn(const struct e820_table *t, unsigned long limit_pfn);
void e820__memblock_setup(const struct e820_table *t);

/* ---- failure injection (mm/fault_inject.c) ------------------------------- */

/* Linux's struct fault_attr: when should_fail() says an eligible call fails. */
struct fault_attr {
	const char *name;             /* its debugfs directory: "failslab", "fail_page_alloc" */
	unsigned long probability;    /* percent of the calls that may fail that do (0: none, >= 100: all) */
	unsigned long interval;       /* only every interval-th call that got that far may fail (0, 1: each) */
	int times;                    /* failures left to inject; -1: no limit (atomic) */
	int space;                    /* bytes or pages let through before anything fails (atomic) */
	unsigned long verbose;        /* 0 quiet, 1 the FAULT_INJECTION report, 2 and a call trace */
	struct ratelimit_state ratelimit_state; /* of the reports (interval in jiffies, as Linux's *_ms file holds) */
	unsigned long count;          /* calls that reached the interval check (atomic) */
	unsigned long calls;          /* kmm's own count of should_fail() calls since boot (atomic) */
	unsigned long injected;       /* ... and of the failures it injected (atomic) */
};

struct kmm_fault_inject {
	bool armed;                   /* boot is over: failures may be injected */
	struct {
		struct fault_attr attr;
		bool ignore_gfp_highmem;  /* __GFP_HIGHMEM allocations never fail */
		bool ignore_gfp_reclaim;  /* allocations that may sleep (__GFP_DIRECT_RECLAIM) never fail */
		u32 min_order;            /* allocations of a smaller order never fail */
	} fail_page_alloc;
	struct {
		struct fault_attr attr;
		bool ignore_gfp_reclaim;  /* as above */
		bool cache_filter;        /* only caches with SLAB_FAILSLAB fail */
	} failslab;
};

/*
 * The debugfs files, one line each: X(dir, id, "file", type, field of
 * struct kmm_fault_inject).  The /proc table (vmstat.c) and the knobs
 * (fault_inject.c) are both made from this list.
 */
#define FAULT_ATTR_FILES(X, dir)                                                                          \
	X(dir, probability, "probability", KNOB_UL, dir.attr.probability)                                 \
	X(dir, interval, "interval", KNOB_UL, dir.attr.interval)                                          \
	X(dir, times, "times", KNOB_INT, dir.attr.times)                                                  \
	X(dir, space, "space", KNOB_INT, dir.attr.space)                                                  \
	X(dir, verbose, "verbose", KNOB_UL, dir.attr.verbose)                                             \
	X(dir, ratelimit_interval, "verbose_ratelimit_interval_ms", KNOB_U32, dir.attr.ratelimit_state.interval) \
	X(dir, ratelimit_burst, "verbose_ratelimit_burst", KNOB_U32, dir.attr.ratelimit_state.burst)       \
	X(dir, ignore_gfp_wait, "ignore-gfp-wait", KNOB_BOOL, dir.ignore_gfp_reclaim)
#define FAULT_INJECT_FILES(X)                                                                  \
	FAULT_ATTR_FILES(X, fail_page_alloc)                                                   \
	X(fail_page_alloc, ignore_gfp_highmem, "ignore-gfp-highmem", KNOB_BOOL, fail_page_alloc.ignore_gfp_highmem) \
	X(fail_page_alloc, min_order, "min-order", KNOB_U32, fail_page_alloc.min_order)         \
	FAULT_ATTR_FILES(X, failslab)                                                          \
	X(failslab, cache_filter, "cache-filter", KNOB_BOOL, failslab.cache_filter)

#define FAULT_FILE_DECLARE(dir, id, file, type, field)      \
	void fault_show_##dir##_##id(struct strbuf *sb); \
	int fault_write_##dir##_##id(const char *val);
FAULT_INJECT_FILES(FAULT_FILE_DECLARE)
#undef FAULT_FILE_DECLARE
/* An entry of vmstat.c's proc_files[]: "sys/kernel/debug/failslab/times" and its two functions. */
#define FAULT_FILE_PROC_ENTRY(dir, id, file, type, field) \
	{ "sys/kernel/debug/" #dir "/" file, fault_show_##dir##_##id, fault_write_##dir##_##id },

void fault_inject_init(void);                      /* Linux's defaults, before the command line */
void fault_inject_arm(void);                       /* the end of boot: injection may begin */
int setup_fail_page_alloc(const char *val, char *err, size_t errlen); /* fail_page_alloc=I,P,S,T */
int setup_failslab(const char *val, char *err, size_t errlen);        /* failslab=I,P,S,T */
/* Would writing value to that debugfs path (no "sys/kernel/debug/") be taken?  0, -ENOENT, -EINVAL; no machine needed. */
int fault_inject_check(const char *path, const char *value);
bool should_fail(struct fault_attr *attr, long size);
bool __should_fail_alloc_page(gfp_t gfp, unsigned int order);
struct kmem_cache;
bool __should_failslab(struct kmem_cache *s, gfp_t gfp);
/* "failslab 3 of 120 calls, fail_page_alloc 0 of 0 calls" since boot; false if nothing was ever eligible. */
bool fault_inject_summary(char *buf, size_t len);

/* ---- the machine ------------------------------------------------------------ */

struct kmm_image {                /* the kernel image's physical layout */
	u64 text, etext, rodata, erodata, data, edata, init, einit, bss, ebss; /* [start, end) */
};

/* A per-CPU batch of pages on their way to the LRU lists (struct folio_batch: PAGEVEC_SIZE) */
#define FOLIO_BATCH_SIZE 15
struct folio_batch {
	unsigned int nr;
	struct page *pages[FOLIO_BATCH_SIZE];
};

/* A simulated CPU: the host thread that entered it owns its per-CPU data. */
struct kmm_cpu {
	pthread_mutex_t lock;             /* held by the thread running on this CPU */
	int drain_pending;                /* another CPU asked for the pcp lists back */
	int lru_drain_pending;            /* ... for its LRU batches (lru_add_drain_all) */
	struct folio_batch lru_add;       /* cpu_fbatches.lru_add: new pages for the LRU */
	struct folio_batch lru_activate;  /* cpu_fbatches.activate: pages to move to an active list */
	struct folio_batch mlock_fbatch;  /* mlock_pvec: pages to mlock (low bits tag them) or munlock */
	unsigned long events[NR_VM_EVENT_ITEMS]; /* vm events counted on this CPU */
	/* sim/clock.c: this CPU's work on the simulated clock, written by its owner only */
	u64 work_ns;                      /* everything it did (the clock's part) */
	u64 task_ns;                      /* ... for tasks, and their disk waits (kswapd's share follows it) */
	u64 io_wait_ns;                   /* disk waits and idle time kswapd has not used yet */
};

struct kmm_machine {
	const struct kmm_profile *prof;
	struct kmm_boot_params params;
	char *cmdline;                    /* the command line, as given */
	struct e820_table e820_firmware;  /* as the BIOS gave it */
	struct e820_table e820;           /* after the kernel's edits */
	struct memblock memblock;
	struct kmm_layout layout;
	struct kmm_image image;
	u64 initrd_start, initrd_size;
	u64 brk_start, brk_end;           /* the brk area used after .bss (reserve_brk reserves it) */
	u64 pgt_buf_next, pgt_buf_top;    /* early_alloc_pgt_buf's pages in it: next free, end */
	u64 head32_mapped;                /* i386: what head_32's early PTE pages (brk_start...) map */
	u64 dm_real_end;                  /* x86_64: where memory_map_top_down() started (0: not yet) */
	u64 dm_brk_step_start, dm_brk_step_end; /* ... its step over the pgt_buf: tables from memblock */
	u64 swiotlb_start, swiotlb_size;  /* the software IO TLB's bounce buffer (0 size: none) */
	u64 arm64_dma_phys_limit;         /* arm64: end of ZONE_DMA (max_zone_phys(zone_dma_bits)) */
	u64 arm64_dma32_phys_limit;       /* arm64: end of ZONE_DMA32 (max_zone_phys(32)) */
	struct kmm_dt *dt;                /* arm64: the device tree the machine booted from (arch/fdt.c) */
	u64 arm64_image_end;              /* arm64: _end, the end of what the image reserves */
	struct memblock_region *iomem_reserved; /* arm64: memblock.reserved as its arch_initcall saw it */
	unsigned long nr_iomem_reserved;  /* (/proc/iomem's "reserved" under System RAM) */
	u64 arm_dma_limit;                /* arm: arm_dma_limit, the last byte ZONE_DMA may hold (setup_dma_zone) */
	u64 arm_lowmem_limit;             /* arm: the end of lowmem (adjust_lowmem_bounds) */
	struct page *dma_pool[3];         /* the atomic DMA pools: GFP_KERNEL, |GFP_DMA, |GFP_DMA32 */
	/* DMA (kernel/dma.c, swiotlb.c, iommu.c: host memory, gone with the machine) */
	unsigned long swiotlb_param_nslabs; /* swiotlb=N: slots of 2 KiB (0: the default 64 MiB) */
	unsigned int swiotlb_param_nareas;  /* swiotlb=N,A: areas (0: one per CPU) */
	bool swiotlb_force_bounce;        /* swiotlb=force: every streaming mapping bounces */
	bool swiotlb_force_disable;       /* swiotlb=noforce: no bounce buffer at all */
	int intel_iommu;                  /* intel_iommu=on: devices get DMA domains */
	struct io_tlb_mem *io_tlb;        /* the software IO TLB (NULL: none) */
	struct kmm_iommu *iommu;          /* the IOMMU (NULL: off) */
	struct kmm_dma *dma;              /* the devices */
	unsigned long dma_bugs;           /* DMA API misuse reported (dma-debug's checks, refused BUG_ONs) */
	int dma_pool_order[3];            /* ... each one block of this order, kept for ever */
	int nr_cpus;

	/* the physical extent */
	unsigned long max_pfn;            /* end of RAM the kernel uses */
	unsigned long max_low_pfn;        /* end of the direct-mapped RAM */
	unsigned long highstart_pfn, highend_pfn;
	long highmem_pages_param;         /* highmem= in pages, -1 if not given */
	u64 mem_limit;                    /* mem= in bytes, 0 if not given */

	/* the memory map (host side) */
	struct page *mem_map;             /* pfn_to_page(pfn) == mem_map + pfn */
	size_t mem_map_reserved_bytes;    /* host VA reserved for mem_map */
	unsigned long *section_present;   /* SPARSEMEM: bitmap of present sections */
	unsigned long nr_sections;

	/* nodes */
	int nr_nodes;
	int distance[MAX_NUMNODES][MAX_NUMNODES];
	int fake_numa;                    /* numa=fake=N */
	bool numa_off;

	/* ZONE_MOVABLE (kernelcore=, movablecore=) */
	u64 required_kernelcore;
	u64 required_movablecore;
	int required_kernelcore_percent;
	int required_movablecore_percent;
	bool kernelcore_mirror;
	unsigned long zone_movable_pfn[MAX_NUMNODES];
	enum zone_type movable_zone;      /* the zone ZONE_MOVABLE takes pages from */

	/* counters and sysctls (mm/page_alloc.c) */
	long totalram_pages;              /* Σ managed */
	long totalhigh_pages;             /* Σ managed of highmem zones */
	unsigned long totalreserve_pages;
	unsigned long nr_kernel_pages, nr_all_pages, vm_total_pages;
	unsigned long dma_reserve;
	bool page_group_by_mobility_disabled;
	int min_free_kbytes;
	int user_min_free_kbytes;         /* -1 until written */
	int watermark_scale_factor;
	int watermark_boost_factor;
	int lowmem_reserve_ratio[MAX_ZONE_TYPES];
	int percpu_pagelist_high_fraction;
	unsigned long max_threads;        /* fork_init()'s set_max_threads(): kernel.threads-max */
	bool thp_enabled;
	bool init_on_alloc;               /* init_on_alloc=: pages and slab objects are zeroed when allocated */
	bool init_on_free;                /* init_on_free=: ... and when freed (then not again when allocated) */
	bool deferred_active;             /* deferred struct page threads still running */
	unsigned long slab_bugs;          /* slab errors reported (BUG ..., WARNING ...) */
	unsigned long vmalloc_bugs;       /* bad vfree/vunmap/ioremap/iounmap calls reported */
	unsigned long kmap_bugs;          /* bad kmap/kunmap calls reported */

	/* the kernel build's options (--kconfig; by default the profile's Debian build: arch/profile.c) */
	struct kmm_kconfig kconfig;

	/* CMA (mm/cma.c); all zero without CONFIG_CMA */
	struct cma *cma_areas;            /* MAX_CMA_AREAS of them (host memory), cma_area_count used */
	unsigned cma_area_count;
	unsigned long totalcma_pages;     /* Σ count of the areas: "cma-reserved", CmaTotal */
	struct cma *cma_default_area;     /* dma_contiguous_default_area (mm/cma.h) */
	/* the last MIGRATE_TRAIL pages migration moved (mm/migrate.c), for the map: slot next % MIGRATE_TRAIL */
#define MIGRATE_TRAIL 4096
	struct { unsigned long from, to; } migrate_trail[MIGRATE_TRAIL];
	unsigned long migrate_trail_next; /* moves recorded since boot (atomic) */
	bool cma_cmdline;                 /* cma= was given: ... */
	u64 cma_size_cmdline, cma_base_cmdline, cma_limit_cmdline; /* ... its size, @base and -limit */
	pthread_mutex_t cma_mutex;        /* one alloc_contig_range at a time (cma_alloc) */

	/* kernel page tables (arch/pgtable.c) */
	phys_addr_t swapper_pg_dir;       /* the kernel's root table */
	bool pgtable_from_buddy;          /* table pages come from the buddy allocator (after boot) */
	struct kmem_cache *pgd_cache;     /* PAE's 32-byte page directories (pgtable_cache_init); else NULL */
	unsigned long direct_map_4k;      /* direct-map pages mapped with 4 KiB entries */
	unsigned long direct_map_large;   /* ... with large (2/4 MiB) entries, in 4 KiB pages */
	unsigned long tlb_flushes;        /* kernel TLB flushes on all CPUs (flush_tlb_kernel_range) */
	unsigned long tlb_flushes_local;  /* one-entry flushes on this CPU only (flush_tlb_one_kernel) */
	unsigned long oopses;             /* kernel page faults the tables did not allow */
	unsigned char *pageblock_flags;   /* migratetype of pageblock pfn >> pageblock_order */
	signed char gfp_zone_table[16];   /* gfp_zone() by the four zone modifier bits (-1: invalid) */

	/* simulated CPUs (sim/cpu.c) */
	struct kmm_cpu cpus[KMM_MAX_CPUS];
	unsigned long orphan_events[NR_VM_EVENT_ITEMS]; /* counted by threads on no CPU (atomic) */

	/* the log */
	struct strbuf log;
	u64 clock_ns;                     /* idle time (kmm_clock_advance); the clock adds the CPUs' work */
	u64 idle_ns;                      /* ... of it, the time tasks slept (kswapd's share counts it) */
	u64 orphan_work_ns, orphan_task_ns, orphan_io_wait_ns; /* kmm_cpu's, for threads on no CPU (atomic) */
	pthread_mutex_t timer_lock;       /* the thread running the timers (sim/clock.c) */
	int kswapd_wakes;                 /* some kswapd may be awake: scheduling points look (atomic) */
	int kcompactd_wakes;              /* some kcompactd was woken or its sleep timed out (atomic) */
	const struct sim_vectors *vectors; /* the kernel's handlers of the machine's events (sim/clock.c) */
	int flusher_kick;                 /* reclaim woke the flusher (atomic; filemap.c) */
	u64 flusher_busy_until;           /* ... whose last chunk is on the disk until then */
	u64 next_writeback_ns;            /* when the flusher's periodic work runs next */
	int dirty_writeback_centisecs;    /* vm.dirty_writeback_centisecs: the flusher's period (0: off) */
	int dirty_expire_centisecs;       /* vm.dirty_expire_centisecs: dirty data older than this is written */
	int dirty_ratio, dirty_background_ratio; /* vm.dirty_ratio, vm.dirty_background_ratio: % of dirtyable memory */
	unsigned long dirty_bytes, dirty_background_bytes; /* vm.dirty_bytes ...: instead of the ratio when not 0 */
	int vfs_cache_pressure;           /* vm.vfs_cache_pressure: the store's dentries and inodes count as this % (mm/shrinker.c) */
	int compaction_proactiveness;     /* vm.compaction_proactiveness 0..100: kcompactd's background target */
	int extfrag_threshold;            /* vm.extfrag_threshold: direct compaction skips a zone whose extfrag index is not above it */

	u64 random_state;                 /* sim/random.c: the stream drawn from the seed */
	struct ratelimit_state pfoom_rs;  /* "Huh VM_FAULT_OOM leaked out" (mm/memory.c) */
	struct ratelimit_state nopage_rs; /* warn_alloc()'s: 10*HZ, burst 1, as mm/page_alloc.c's */
	/* overcommit accounting (mm/util.c); vm_committed_as == Σ pages of every VM_ACCOUNT VMA and shmem object */
	int overcommit_memory;            /* vm.overcommit_memory: OVERCOMMIT_GUESS (0), _ALWAYS (1), _NEVER (2) */
	int overcommit_ratio;             /* vm.overcommit_ratio: % of RAM in CommitLimit (50), when kbytes is 0 */
	unsigned long overcommit_kbytes;  /* vm.overcommit_kbytes: CommitLimit's RAM part instead of the ratio (0: unused) */
	unsigned long user_reserve_kbytes;  /* vm.user_reserve_kbytes: mode 2 keeps min(total_vm / 32, this) from a task */
	unsigned long admin_reserve_kbytes; /* vm.admin_reserve_kbytes: mode 2 keeps this for CAP_SYS_ADMIN */
	long vm_committed_as;             /* pages promised (atomic; Committed_AS) */
	struct ratelimit_state vm_enough_rs; /* __vm_enough_memory's "no enough memory" line */
	const void *warned_once[64];      /* WARN_ON_ONCE_AT call sites that warned on this machine */
	/* the OOM killer (mm/oom_kill.c) */
	int panic_on_oom;                 /* vm.panic_on_oom: 0, 1 (an unconstrained OOM panics), 2 (any OOM) */
	int oom_kill_allocating_task;     /* vm.oom_kill_allocating_task: kill the task that asked, not the worst */
	int oom_dump_tasks;               /* vm.oom_dump_tasks: the report lists the tasks (default 1) */
	struct ratelimit_state oom_rs;    /* oom_kill_process's report: DEFAULT_RATELIMIT (5 s, burst 10) */
	pthread_mutex_t oom_lock;         /* one killer at a time (__alloc_pages_may_oom takes it with trylock) */
	/* memory cgroups (mm/memcontrol.c) */
	struct mem_cgroup *root_mem_cgroup;
	struct mem_cgroup **memcg_ids;    /* by mem_cgroup_id (1..65535; NULL: free), read without the mutex */
	struct memcg_stock *memcg_stock;  /* each CPU's pages charged ahead (mm/memcontrol.c) */
	pthread_mutex_t cgroup_mutex;     /* the tree: mkdir, rmdir, attach */
	pthread_mutex_t memcg_tree_lock;  /* the groups' children lists (a leaf: mem_cgroup_iter) */
	struct ratelimit_state printk_rs; /* printk_ratelimit(): the segfault lines (mm/memory.c) */
	unsigned long stack_guard_gap;    /* bytes kept free below a stack (stack_guard_gap=, mm/mmap.c) */
	unsigned long fault_around_bytes; /* a read fault maps the cached pages of this aligned window (mm/memory.c) */
	struct kmm_fault_inject fault;    /* failslab and fail_page_alloc (mm/fault_inject.c) */
	struct trace_array *trace;        /* the ring buffer and what enabled it; NULL until first used */
	struct pressure_plot *plot;       /* the samples of mm/pressure_plot.c; NULL until the first */
	u64 mem_map_phys;                 /* FLATMEM: where mem_map would put pfn 0's struct page (the trace's page=) */
};

extern struct kmm_machine *kmm_machine;
#define M kmm_machine

static inline unsigned long pageblock_nr_pages(void)
{
	return 1UL << M->prof->pageblock_order;
}

/* Has fail_page_alloc / failslab decided that this allocation fails?  Cheap while injection is off. */
static inline bool should_fail_alloc_page(gfp_t gfp, unsigned int order)
{
	return __builtin_expect(__atomic_load_n(&M->fault.fail_page_alloc.attr.probability, __ATOMIC_RELAXED) != 0, 0) &&
	       __should_fail_alloc_page(gfp, order);
}

static inline bool should_failslab(struct kmem_cache *s, gfp_t gfp)
{
	return __builtin_expect(__atomic_load_n(&M->fault.failslab.attr.probability, __ATOMIC_RELAXED) != 0, 0) &&
	       __should_failslab(s, gfp);
}

/* ---- random numbers (sim/random.c) ------------------------------------------ */

void kmm_random_seed(u64 seed);
u32 get_random_u32(void);
/* A number in [0, ceil), as Linux's prandom_u32_max(). */
static inline u32 prandom_u32_max(u32 ceil)
{
	return (u32)(((u64)get_random_u32() * ceil) >> 32);
}

/* ---- subsystem entry points used by the boot sequence ----------------------- */

int setup_arch(char *err, size_t errlen);            /* arch/setup.c */
/* arch/setup.c: the boot-time page for the kernel table mapping va, depth levels below the root */
phys_addr_t alloc_low_page(unsigned long va, int depth);
phys_addr_t alloc_low_pages(unsigned long num); /* arch/setup.c: num pages in a row, brk or memblock */
int kernel_pgtable_prealloc_fixmap(unsigned long va, unsigned long size, unsigned long kmap_lo, unsigned long kmap_hi);
/* arch/dmesg.c: the boot params a real log describes, and its command line (all malloc()ed) */
struct dmesg_cmdline {
	char *parsed;   /* what kmm parses: the log's known parameters, then the caller's (out->cmdline) */
	char *logged;   /* the log's own line, and the caller's */
	char *unknown;  /* the log's parameters kmm does not know, space-separated */
};
int dmesg_boot_params(const struct kmm_boot_params *in, struct kmm_boot_params *out, struct dmesg_cmdline *cl,
		      char *err, size_t errlen);
bool kmm_param_known(const char *word);               /* arch/setup.c */
int parse_early_param(const char *cmdline, char *err, size_t errlen); /* arch/setup.c */
int kmm_cmdline_split(const char *line, struct dmesg_cmdline *cl); /* arch/dmesg.c: known words to parsed */
int kmm_cmdline_append(char **buf, const char *words);
/* arch/setup_arm64.c: an arm64 board from its device tree */
struct kmm_dt;
int dt_boot_params(const struct kmm_boot_params *in, struct kmm_boot_params *out, struct dmesg_cmdline *cl,
		   struct kmm_dt **dt, char *err, size_t errlen);
int setup_arch_arm64(char *err, size_t errlen);
phys_addr_t arm64_early_pgtable_alloc(unsigned long va, int depth);
void arm64_request_standard_resources(void);
void arm64_dt_pools_release(void);
void arm64_reserve_memblock_reserved_regions(void);
void arm64_free_initmem(void);
void arm64_dt_release(void);
/* arch/setup_arm.c: a 32-bit ARM board (armmp, armmp-lpae) from its device tree */
int setup_arch_arm(char *err, size_t errlen);
void dt_scan_reserved_mem(bool reserve_self);
void dt_firmware_ram_map(void);                 /* e820_firmware (iomem's System RAM) from memblock's memory */
int ram_and_device_init(char *err, size_t errlen); /* setup.c: simulated RAM, then the device's BAR */   /* setup_arm64.c: /memreserve/ and /reserved-memory */
void memblock_mem_limit_remove(u64 limit);      /* mem=: keep the first limit bytes of RAM */
bool dt_ram_covers(u64 start, u64 end);         /* do the tree's memory nodes cover [start, end)? */
phys_addr_t arm_early_pgtable_alloc(unsigned long va, int depth);
void arm_free_initmem(void);
void arm_atomic_pool_init(void);                /* dma-mapping's 256 KiB atomic pool (postcore) */

void numa_init(void);                                 /* mm/mm_init.c */
void free_area_init(void);                            /* mm/mm_init.c */
int memmap_alloc(char *err, size_t errlen);           /* mm/mm_init.c */
void mem_init(void);                                  /* mm/mm_init.c */
void mem_init_print_info(void);
void build_all_zonelists(void);                       /* mm/page_alloc.c */
void setup_per_cpu_pageset(void);
int init_per_zone_wmark_min(void);
void set_recommended_min_free_kbytes(void);          /* khugepaged */
void setup_per_zone_wmarks(void);
void setup_per_zone_lowmem_reserve(void);
void calculate_totalreserve_pages(void);
void zone_pcp_init(struct zone *zone);
unsigned long nr_free_buffer_pages(void);
unsigned long nr_free_pagecache_pages(void);
unsigned long nr_free_pages(void);
void free_area_init_memmap(void);
void page_alloc_init_late(void);
void deferred_init_wait(void);
void deferred_init_wait_range(unsigned long start, unsigned long end); /* before freeing boot memory there */
void free_pages_boot(struct page *page, unsigned int order, bool count_managed);
void memblock_for_each_free_range(int nid, unsigned long lo_pfn, unsigned long hi_pfn,
				  void (*fn)(unsigned long, unsigned long, void *), void *arg);
void gfp_zone_table_init(void);
void free_pfn_range_to_buddy(unsigned long start, unsigned long end, void *count);
void free_pfn_range_boot(unsigned long start, unsigned long end, bool count_managed);
void __free_one_page(struct page *page, unsigned long pfn, struct zone *zone, unsigned int order, int mt);
void __del_free_block(struct zone *zone, struct page *page, unsigned int order); /* zone->lock held: ... */
void __add_free_block(struct zone *zone, struct page *page, unsigned int order, int mt); /* ... page_isolation.c's */
/* The free blocks of page's pageblock onto mt's lists (zone->lock held); the pages moved. */
int move_freepages_block(struct zone *zone, struct page *page, int mt, int *num_movable);
/* read without zone->lock by the freeing CPU (get_pfnblock_flags_mask's READ_ONCE): relaxed-atomic */
static inline int get_pageblock_migratetype(const struct page *page)
{
	return __atomic_load_n(&M->pageblock_flags[page_to_pfn(page) >> M->prof->pageblock_order], __ATOMIC_RELAXED);
}
/* debugfs extfrag/unusable_index of free blocks counted per order, in thousandths (mm/vmstat.c) */
int unusable_index_of(const unsigned long nr_free[MAX_ORDER], unsigned int order);
unsigned long kmm_bad_pages(void);            /* bad page reports so far */
bool zone_watermark_ok(struct zone *z, unsigned int order, unsigned long mark, int highest_zoneidx,
		       unsigned int alloc_flags);
unsigned long zone_pcp_pages(const struct zone *zone);
void set_pageblock_migratetype(struct page *page, int mt);
void __free_pages_core(struct page *page, unsigned int order);
void free_reserved_area_pfn(unsigned long start_pfn, unsigned long end_pfn, const char *what);
void adjust_managed_page_count(struct page *page, long count);
int ram_init(char *err, size_t errlen);               /* sim/ram.c */
int init_kernel_page_tables(void);                    /* arch/pgtable.c */
void pgtable_cache_init(void);                         /* arch/pgtable.c: after kmem_cache_init() */
int kallsyms_lookup(unsigned long addr, const char **name, unsigned long *off, unsigned long *size); /* sim/kallsyms.c */
void sprint_symbol(char *buf, size_t len, unsigned long addr);  /* %pS: function+off/size, module+off, or the address */
void kallsyms_warm(void);                                       /* load the unwinder and the symbols now */
#define FAULT_AROUND 16 /* pages a host-mirror trap maps at once, the faulting one first */
int kmm_window_add(unsigned long kva, unsigned long size); /* sim/trap.c */
unsigned long kmm_addr_for_print(const void *p); /* kva, or a hash for a non-kernel pointer (sim/trap.c) */
struct kmm_window;
int kmm_window_mirror(struct kmm_window *w, unsigned long addr, unsigned long end, int max_runs,
		      pteval_t (*lookup)(void *ctx, unsigned long addr), void *ctx);
void *kmm_user_host(struct mm_struct *mm, unsigned long addr);
void kmm_user_window_unmap(struct mm_struct *mm, unsigned long start, unsigned long end);
void kmm_user_windows_free(struct mm_struct *mm);
int kmm_host_map_budget(unsigned long runs);  /* at most this many mirrored runs (0: from max_map_count) */
unsigned long kmm_host_map_evictions(void);
int kernel_pgtable_prealloc(unsigned long va, unsigned long size); /* arch/pgtable.c */
int kernel_pgtable_prealloc_depth(unsigned long va, unsigned long size, int depth);
void kmm_window_unmap(unsigned long kva, unsigned long size);
void kmm_windows_exit(void);
void ram_exit(void);
int device_init(void);                                /* sim/ram.c */
void device_exit(void);
void mem_map_exit(void);
int zone_verify(struct zone *zone, char *why, size_t whylen);

extern const char *const zone_names[MAX_ZONE_TYPES];
extern const char *const migratetype_names[MIGRATE_TYPES];

/* ---- simulated CPUs (sim/cpu.c) -------------------------------------------- */

/*
 * The default TLS model, not initial-exec: linked into a program (libkmm.a) the
 * linker relaxes it to the same direct access, and libkmm.so stays loadable by
 * dlopen() (Python's cffi), which an initial-exec variable forbids once the
 * library's TLS (the maple tree's plan buffers) outgrows glibc's static surplus.
 */
extern __thread int kmm_this_cpu;
static inline int smp_processor_id(void) { return kmm_this_cpu; }

/* include/linux/mm.h: zero on allocation (init_on_alloc, or asked with __GFP_ZERO), zero on free */
static inline bool want_init_on_alloc(gfp_t flags)
{
	return M->init_on_alloc || (flags & __GFP_ZERO);
}

static inline bool want_init_on_free(void)
{
	return M->init_on_free;
}

/* "mem auto-init: stack:..., heap alloc:..., heap free:..." (mm/page_alloc.c) */
void report_meminit(void);
void cpus_init(void);
void cpus_exit(void);
int kmm_cpu_try_enter(int cpu);   /* the preload's scheduling (sim/cpu.c) */
void kmm_cpu_switch_out(void);
void kmm_cpus_lock_all(void);
void kmm_cpus_unlock_all(void);
struct sigaction;
void kmm_windows_fork_prepare(void);  /* sim/trap.c: no host-mirror change across a fork */
void kmm_windows_fork_done(void);
int kmm_trap_host_sigaction(const struct sigaction *act, struct sigaction *old); /* the program's own SIGSEGV handler */
int ram_fork_private(void);           /* sim/ram.c: a forked child's RAM becomes its own copy */

/*
 * The simulated clock and what work costs on it (sim/clock.c).  sim_charge
 * is called where the work is done (faults, reclaim), by whoever does it:
 * a task, or kswapd in a scheduling point.
 */
enum sim_cost {
	COST_FAULT, COST_CLEAR_PAGE, COST_COPY_PAGE, COST_LRU_SCAN, COST_RMAP_ONE, COST_UNMAP_ONE,
	COST_SWAP_ALLOC, COST_PAGEOUT, COST_FREE_MAPPING, NR_SIM_COSTS
};
void sim_charge(enum sim_cost cost, unsigned long n);
void sim_io_wait(u64 ns);               /* this task sleeps on the disk for ns */
#define SWAP_READ_LATENCY_NS 100000ULL  /* one swap read request on the simulated disk */
#define SWAP_READ_PAGE_NS 4000ULL       /* ... and each 4 KiB it transfers */
/* kswapd's account with the scheduler: its share of the CPU (see clock.c) */
struct sched_entity_kswapd {
	u64 base_ns;                    /* sched_task_time() its share is counted from */
	u64 used_ns;                    /* the CPU time it has used since then */
	u64 idle_ns;                    /* disk-wait time it may use now without moving the clock */
};
u64 sched_task_time(void);
u64 sched_take_io_wait(void);
void sched_wake_entity(struct sched_entity_kswapd *k, bool long_sleep);
s64 sched_entity_owed(const struct sched_entity_kswapd *k);
bool sched_entity_preempts(const struct sched_entity_kswapd *k);
void sched_enter_kswapd(struct sched_entity_kswapd *k);
void sched_leave_kswapd(struct sched_entity_kswapd *k);
bool current_is_kswapd(void);
/* A scheduling point: no lock held; kswapd and the timers may run here. */
void sched_point(void);
void cond_resched(void);                /* inside kernel work: kswapd may run, the timers wait */
bool sched_kthread_wants_cpu(void);     /* cheap: would a scheduling point here run a kernel thread? */
/*
 * The machine's events into the kernel: the host layer raises them through
 * what mm/ registered at boot (mm_vectors_init) and never calls mm/ by name,
 * as a timer wheel, an interrupt vector and the scheduler's run queue are
 * set up by the kernel.
 */
struct sim_vectors {
	u64 (*next_timer)(void);            /* the earliest timer's moment (~0: none armed) */
	void (*timer)(u64 now);             /* run the timers due by now (one thread at a time) */
	void (*irq)(void);                  /* the devices' completions due by now */
	bool (*kthread_wants_cpu)(void);    /* a kernel thread is runnable and owed the CPU (cheap) */
	void (*kthread_run)(void);          /* give the kernel threads their turn */
};
void sim_register_vectors(const struct sim_vectors *v);
void mm_vectors_init(void);             /* mm/mm_init.c: the kernel's handlers */
void kswapd_sched_point(void);          /* mm/vmscan.c: the kswapds' turn */
bool kswapd_wants_to_run(void);

static inline void count_vm_events(enum vm_event_item item, unsigned long n)
{
	int cpu = kmm_this_cpu;
	if (cpu >= 0) /* only this CPU writes it; sum_vm_event() reads it from others: relaxed, no RMW */
		__atomic_store_n(&M->cpus[cpu].events[item], M->cpus[cpu].events[item] + n, __ATOMIC_RELAXED);
	else
		__atomic_add_fetch(&M->orphan_events[item], n, __ATOMIC_RELAXED);
}
#define count_vm_event(item) count_vm_events(item, 1)
unsigned long sum_vm_event(enum vm_event_item item);
/*
 * zone_statistics (mm/vmstat.c): one allocation from z that asked first for
 * preferred's node - numa_hit or numa_miss (and numa_foreign on preferred),
 * numa_local or numa_other as z is on this CPU's node.  Only where the
 * profile has CONFIG_NUMA.
 */
void __zone_statistics(struct zone *preferred, struct zone *z);
#define zone_statistics(preferred, z) ((void)(M->prof->numa ? __zone_statistics(preferred, z) : (void)0))
void kmm_on_each_cpu(void (*fn)(int cpu, void *arg), void (*ask)(int cpu, void *arg), void *arg);

/*
 * PG_ bits of a page others may be changing (LRU, reclaim, the page
 * lock): atomic, as Linux's set_bit/test_and_clear_bit.
 */
static inline bool page_flag(const struct page *page, int bit)
{
	return __atomic_load_n(&page->flags, __ATOMIC_RELAXED) & (1UL << bit);
}
static inline void page_set_flag(struct page *page, int bit)
{
	__atomic_fetch_or(&page->flags, 1UL << bit, __ATOMIC_RELAXED);
}
static inline void page_clear_flag(struct page *page, int bit)
{
	__atomic_fetch_and(&page->flags, ~(1UL << bit), __ATOMIC_RELAXED);
}
static inline bool page_test_clear_flag(struct page *page, int bit)
{
	return __atomic_fetch_and(&page->flags, ~(1UL << bit), __ATOMIC_RELAXED) & (1UL << bit);
}
/* the page lock (PG_locked): trylock_page / unlock_page */
static inline bool trylock_page(struct page *page)
{
	return !(__atomic_fetch_or(&page->flags, 1UL << PG_locked, __ATOMIC_ACQUIRE) & (1UL << PG_locked));
}
static inline void unlock_page(struct page *page)
{
	__atomic_fetch_and(&page->flags, ~(1UL << PG_locked), __ATOMIC_RELEASE);
}

/*
 * Swap entries (include/linux/swapops.h): the area's type and the slot's
 * offset, in an unsigned long of the host; each profile's PTE format is
 * arch/pgtable.c's.  A swap PTE is one that is neither present nor
 * PROT_NONE but not empty.
 */
typedef struct {
	unsigned long val;
} swp_entry_t;
#define MAX_SWAPFILES_SHIFT 5
#define SWP_TYPE_SHIFT (64 - 1 - MAX_SWAPFILES_SHIFT)
#define SWP_OFFSET_MASK ((1UL << SWP_TYPE_SHIFT) - 1)
static inline swp_entry_t swp_entry(unsigned int type, unsigned long offset)
{
	return (swp_entry_t){ ((unsigned long)type << SWP_TYPE_SHIFT) | (offset & SWP_OFFSET_MASK) };
}
static inline unsigned int swp_type(swp_entry_t e)
{
	return (unsigned int)(e.val >> SWP_TYPE_SHIFT);
}
static inline unsigned long swp_offset(swp_entry_t e)
{
	return e.val & SWP_OFFSET_MASK;
}
static inline bool is_swap_pte(pteval_t pte)
{
	return pte && !(pte & (_PAGE_PRESENT | _PAGE_PROTNONE));
}
pteval_t swp_entry_to_pte(swp_entry_t entry);
swp_entry_t pte_to_swp_entry(pteval_t pte);
unsigned long max_swapfile_size(void);
/*
 * The swap types past the areas' (include/linux/swap.h): 32 less the
 * migration (3), hwpoison (1), device private (4) and PTE marker (1)
 * types leave MAX_SWAPFILES areas; hwpoison is the first type after them,
 * then the migration entries.  A migration entry (mm/migrate.c) holds the
 * pfn of the page being moved where a swap entry holds the slot; its type
 * says whether the PTE was writable.
 */
#define MAX_SWAPFILES 23
#define SWP_HWPOISON MAX_SWAPFILES
#define SWP_MIGRATION_READ (MAX_SWAPFILES + 1)
#define SWP_MIGRATION_READ_EXCLUSIVE (MAX_SWAPFILES + 2)
#define SWP_MIGRATION_WRITE (MAX_SWAPFILES + 3)
static inline bool is_migration_entry(swp_entry_t e)
{
	return swp_type(e) >= SWP_MIGRATION_READ && swp_type(e) <= SWP_MIGRATION_WRITE;
}
static inline swp_entry_t make_migration_entry(unsigned long pfn, bool write)
{
	return swp_entry(write ? SWP_MIGRATION_WRITE : SWP_MIGRATION_READ, pfn);
}
/* pfn_swap_entry_to_page's pfn */
static inline unsigned long migration_entry_pfn(swp_entry_t e)
{
	return swp_offset(e);
}

/* swap areas (mm/swapfile.c) */
void swapfile_exit(void);               /* shutdown: every area off */
int swapoff_files(void);               /* swapoff of every swap file still on (a scenario's end, as shutdown's swapoff -a) */
int get_swap_pages(int n, swp_entry_t entries[]); /* up to n slots of one area (the swap cache's hold), how many */
void swapcache_free_entries(const swp_entry_t *entries, int n); /* slots held by nothing (map SWAP_HAS_CACHE) free */
bool swap_has_usable(void);             /* an area hands out slots */
int swap_free_clusters(unsigned int type, unsigned long *idx, int max); /* an SSD area's free list; -EINVAL */
/* the per-CPU swap slot caches (mm/swap_slots.c) */
swp_entry_t get_swap_page(void);        /* folio_alloc_swap: a slot (the swap cache's hold), val 0 if none */
void free_swap_slot(swp_entry_t entry); /* a slot nothing holds: freed now or in this CPU's next batch */
void enable_swap_slots_cache(void);     /* swapon's end */
void disable_swap_slots_cache_lock(void);   /* swapoff: caches drained and unused ... */
void reenable_swap_slots_cache_unlock(void); /* ... until this */
unsigned long swap_slots_cached(void);  /* slots the caches hold */
void swap_slots_exit(void);
int swap_duplicate(swp_entry_t entry);  /* one more PTE holds it: 0, or -EINVAL */
void swap_free(swp_entry_t entry);      /* one PTE less */
void swapcache_free(swp_entry_t entry); /* the swap cache's hold goes (put_swap_folio) */
int swap_count(swp_entry_t entry);      /* PTEs holding the slot */
int swapfile_verify(char *why, size_t whylen);
void *swap_slot_bytes(swp_entry_t entry);   /* the slot's page on the area's disk */
int swap_duplicate_cache(swp_entry_t entry); /* swapcache_prepare: the cache's hold; -EEXIST if held, -ENOENT */

/*
 * Reclaim's use of an mm's page tables (memory.c): the lock this thread
 * holds as it is, another thread's mm only if its lock is free at once.
 */
struct mm_struct;
bool reclaim_lock_mm(struct mm_struct *mm, bool *took);
void reclaim_unlock_mm(struct mm_struct *mm, bool took);

/* the swap cache and swap I/O (mm/swap_state.c) */
bool page_in_swap_cache(const struct page *page);
bool add_to_swap(struct page *page);
/* swap writes (mm/page_io.c): submitted now, completed on the simulated disk's time */
void swap_writepage(struct page *page);
unsigned long swap_io_complete(void);   /* deliver the completions due by now */
void swap_io_irq(void);                 /* ... as the disk's interrupt (sim/clock.c raises it) */
unsigned long swap_io_wait(void);       /* sleep until the oldest write completes */
void swap_io_flush(void);               /* complete everything in flight now */
unsigned long swap_io_in_flight(void);
void swap_io_exit(void);
void swap_cache_settle(void);           /* settling: unused swap-cache pages go, with their slots */
bool remove_from_swap_cache(struct page *page);
bool try_to_free_swap(struct page *page);
void free_swap_and_cache(swp_entry_t entry);
unsigned long swap_cache_pages(void);
void swap_cache_exit(void);
void swap_setup(void);                  /* boot: vm.page-cluster for the machine's size */
extern int page_cluster;                /* vm.page-cluster: log2 of the swap readahead window */
extern bool enable_vma_readahead;       /* /sys/kernel/mm/swap/vma_ra_enabled */
struct vm_area_struct;
/* a fault's swap-in: the cached page (*major false) or one read with its readahead window (*major true; *nr_read pages read) */
struct page *swapin_readahead(swp_entry_t entry, struct vm_area_struct *vma, unsigned long addr,
			      phys_addr_t table, unsigned long idx, bool *major, unsigned long *nr_read);
unsigned long swap_area_max(unsigned int type); /* an area's slots, header included (0: none) */
bool swap_area_rotational(void);        /* any area on is a rotational disk (nr_rotate_swap) */
void swap_shadow_set(swp_entry_t entry, unsigned long shadow); /* a shadow where the page left its slot */
unsigned long swap_shadow_take(swp_entry_t entry);             /* and back, cleared (0: none) */
int unuse_mm(struct mm_struct *mm, unsigned int type);         /* swapoff: bring back mm's pages of an area */
void swap_cache_free_slot(swp_entry_t entry);                  /* swapoff: a cached page no PTE wants lets go */
/* shmem's swap (mm/filemap.c with mm/swap_state.c) */
bool shmem_add_to_swap_cache(struct page *page, swp_entry_t entry); /* shmem_writepage: the page into the swap cache */
struct page *shmem_swapin(swp_entry_t entry, bool *major);      /* the page for entry, cached or read, locked */
void shmem_swapin_done(struct page *page);                      /* ... leaves the swap cache, its slot freed */
int shmem_writepage(struct page *page);                         /* reclaim: an unmapped shmem page to swap */
int shmem_unuse(unsigned int type);                             /* swapoff: shmem's pages of an area back */
struct inode *page_shmem_inode(const struct page *page);        /* the shmem file a cached page belongs to */
unsigned long shmem_swap_usage(struct inode *inode, unsigned long first, unsigned long nr); /* bytes out on swap */

/* workingset detection (mm/workingset.c) */
void workingset_init(void);
void workingset_age_nonresident(struct lruvec *lruvec, unsigned long nr);
unsigned long workingset_eviction(struct page *page);
void workingset_refault(struct page *page, unsigned long shadow);
void workingset_activation(struct page *page);
void show_swaps(struct strbuf *sb);     /* /proc/swaps */

/* the LRU lists (mm/swap.c) */
struct vm_area_struct;
void lruvec_init(struct lruvec *lruvec, pg_data_t *pgdat, struct mem_cgroup *memcg);
void folio_add_lru(struct page *page);           /* a new page for the LRU (the batch takes a reference) */
void folio_add_lru_vma(struct page *page, struct vm_area_struct *vma);
void folio_mark_accessed(struct page *page);     /* mark_page_accessed */
void lru_add_drain(void);                        /* this CPU's batches onto the lists */
void lru_add_drain_all(void);                    /* every CPU's */
void lru_cache_release(struct page *page);       /* its last reference went: off the LRU */
void folio_rotate_reclaimable(struct page *page); /* written out for reclaim: to the inactive tail */
bool folio_isolate_lru(struct page *page);       /* off its list, referenced; false if on none */
void putback_lru_page(struct page *page);        /* ... and back, the reference dropped */
void deactivate_page(struct page *page);         /* MADV_COLD: an active page to its inactive list */
unsigned long lru_pages(enum lru_list lru);      /* Σ nodes */
int lru_verify(char *why, size_t whylen);
struct lruvec *page_lruvec(const struct page *page);
void update_lru_size(struct lruvec *lruvec, enum lru_list lru, struct page *page, long nr); /* lru_lock held */
void lruvec_add_page(struct lruvec *lruvec, struct page *page); /* lruvec_add_folio (lru_lock held) */
void lruvec_del_page(struct lruvec *lruvec, struct page *page); /* lruvec_del_folio (lru_lock held) */

/* mlock and the unevictable list (mm/mlock.c) */
bool page_evictable(const struct page *page);    /* not mlocked (kmm has no unevictable mappings) */
void mlock_folio(struct page *page);             /* mlock a page on (or off for a moment) the LRU */
void mlock_new_folio(struct page *page);         /* mlock a new page not yet on the LRU */
void munlock_folio(struct page *page);           /* one mlock of the page less */
void mlock_vma_page(struct page *page, struct vm_area_struct *vma);   /* mapped in vma: mlocked if it is VM_LOCKED */
void munlock_vma_page(struct page *page, struct vm_area_struct *vma); /* unmapped from vma: munlocked if VM_LOCKED */
void mlock_page_drain(int cpu);                  /* the CPU's mlock batch (mlock_page_drain_local/remote) */
void mlock_page_drain_local(void);

/* page reclaim (mm/vmscan.c) and its access to the page cache (mm/filemap.c) */
struct alloc_context;
unsigned long try_to_free_pages(gfp_t gfp, unsigned int order, int highest_zoneidx, int preferred_nid);
void wakeup_kswapd(struct zone *zone, gfp_t gfp, unsigned int order, int highest_zoneidx);
const char *gfp_printed_name(size_t i, gfp_t *mask); /* %pGg's i-th name (page_alloc.c), NULL past the last */
unsigned long reclaim_pages(struct list_head *list); /* MADV_PAGEOUT: these isolated pages, now */
void kswapd_run(pg_data_t *pgdat);      /* boot: the node's kswapd, asleep */
void kswapd_stop(pg_data_t *pgdat);
const char *kswapd_state_name(const pg_data_t *pgdat);
unsigned long zone_reclaimable_pages(struct zone *zone);
void lru_note_cost(struct lruvec *lruvec, bool file, unsigned long nr_pages);
extern int vm_swappiness;
bool filemap_reclaim_lock(void);
void filemap_reclaim_unlock(bool took);
struct inode *page_cache_inode(const struct page *page);
void __set_page_dirty_locked(struct page *page);
bool filemap_writepage(struct page *page);    /* kswapd's pageout of a dirty file page: true if written */
bool __remove_mapping(struct page *page);

/* mm/shrinker.c: the shrinkers of slab caches (kmm/shrinker.h), and list_lru (mm/list_lru.c) */
unsigned long shrink_slab(gfp_t gfp_mask, int nid, int priority); /* objects freed */
void drop_slab_node(int nid);
/* current->reclaim_state: slab pages freed while it is set count as reclaimed (slub's discard_slab adds them) */
struct reclaim_state {
	unsigned long reclaimed_slab; /* pages */
};
extern __thread struct reclaim_state *current_reclaim_state;
/* set_task_reclaim_state: the new one, and the old one back */
static inline struct reclaim_state *set_task_reclaim_state(struct reclaim_state *rs)
{
	struct reclaim_state *old = current_reclaim_state;
	current_reclaim_state = rs;
	return old;
}
/* vfs_pressure_ratio: a count of dentries and inodes as vm.vfs_cache_pressure weighs it */
unsigned long vfs_pressure_ratio(unsigned long val);
/*
 * list_lru: a list of unused objects per node, oldest first, with its
 * length; the user's lock guards it (the store's: filemap_lock), and
 * list_lru_count reads the length without it.
 */
struct list_lru_one {
	struct list_head list;    /* oldest at the head, added at the tail */
	long nr_items;            /* entries of list (atomic for list_lru_count) */
};
struct list_lru {
	struct list_lru_one node[MAX_NUMNODES];
};
enum lru_status {
	LRU_REMOVED,       /* the callback took the item off (list_lru_isolate) */
	LRU_REMOVED_RETRY, /* ... and the list may have changed: walk again from its head */
	LRU_ROTATE,        /* referenced: to the tail, one more round */
	LRU_SKIP,          /* busy: leave it where it is */
	LRU_RETRY,         /* it changed what it holds (e.g. freed its pages): walk again from the head */
};
typedef enum lru_status (*list_lru_walk_cb)(struct list_head *item, struct list_lru_one *list, void *arg);
void list_lru_init(struct list_lru *lru);
bool list_lru_add(struct list_lru *lru, struct list_head *item, int nid); /* false: it was on already */
bool list_lru_del(struct list_lru *lru, struct list_head *item, int nid); /* false: it was not on */
void list_lru_isolate(struct list_lru_one *list, struct list_head *item);
unsigned long list_lru_count_one(struct list_lru *lru, int nid);
unsigned long list_lru_count(struct list_lru *lru); /* every node's */
/* isolate(item) for up to *nr_to_walk items of node nid, oldest first; how many it removed */
unsigned long list_lru_walk_one(struct list_lru *lru, int nid, list_lru_walk_cb isolate, void *arg,
				unsigned long *nr_to_walk);
/* the mms mapping an inode's page at index, with their mmap_lock tried (reclaim must not wait): see mmap.c */
int rmap_walk_file_trylock(struct inode *inode, unsigned long index,
			   int (*fn)(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr, void *arg),
			   void *arg);

/*
 * The picture of memory pressure over time (mm/pressure_plot.c): reclaim
 * says when kswapd and direct reclaim run (and the OOM killer when it
 * kills); each call records the moment and takes a sample.  Any context
 * that may take a mutex; nid: the node the event is about.
 */
enum plot_event { PLOT_KSWAPD_WAKE, PLOT_KSWAPD_SLEEP, PLOT_DIRECT_RECLAIM_BEGIN, PLOT_DIRECT_RECLAIM_END, PLOT_OOM };
void plot_event(enum plot_event ev, int nid);
void plot_init(void); /* at boot, once the zones are there: the sample store (a hook never allocates) */
void plot_exit(void); /* at shutdown: the samples go */

/* slab (mm/slab_common.c) */
void kmem_cache_init(void);
void kmem_cache_exit(void);

/* mm/highmem.c */
int kmap_init(void);
void kmap_exit(void);
void *page_address_highmem(const struct page *page);
int kmap_verify(char *why, size_t whylen);    /* the table's structure */
int kmap_in_use(char *why, size_t whylen);    /* -EBUSY while a kmap or kmap_local is held */
/* Where the kernel's half of the address space starts: Linux's PAGE_OFFSET (kmm's page_offset is __va's bias). */
static inline unsigned long kernel_va_start(void)
{
	return M->layout.linear_base ? M->layout.linear_base : M->layout.page_offset;
}
static inline unsigned long fix_to_virt(unsigned long idx) { return M->layout.fixaddr_top - (idx << PAGE_SHIFT); }

/* mm/percpu.c */
void pcpu_setup_first_chunk(const phys_addr_t *unit_phys, int nr_units, unsigned long static_size,
			    unsigned long reserved_size, unsigned long dyn_size, unsigned long unit_size);
unsigned long percpu_settle(void);
unsigned long pcpu_populated_per_unit(void); /* pages populated in every unit (meminfo Percpu / units) */
int percpu_verify(char *why, size_t whylen);
void percpu_exit(void);

/* mm/vmalloc.c */
/* __vmalloc_node_range(..., VM_ALLOW_HUGE_VMAP, node, caller): vmalloc_huge on a node, kvmalloc's fallback */
void *vmalloc_huge_node(unsigned long size, gfp_t gfp_mask, int node, const void *caller);
void vmalloc_init(void);
void vmalloc_exit(void);
unsigned long vmalloc_used_pages(void);
void show_vmallocinfo(struct strbuf *sb);
int vmap_area_verify(char *why, size_t whylen);
unsigned long vmap_areas_in_use(void);
unsigned long vmap_purges(void);
struct vm_struct;
void vmap_for_each_area(unsigned long flags, void (*fn)(const struct vm_struct *, void *), void *arg);

#include <kmm/pgtable.h>

/* arch/pgtable.c: user page tables */
phys_addr_t pgd_alloc(void);
void pgd_free(phys_addr_t pgd);
phys_addr_t user_pte_table(phys_addr_t pgd, unsigned long va, bool alloc, unsigned long *idx);
pteval_t pte_get(phys_addr_t table, unsigned long idx);
void pte_set(phys_addr_t table, unsigned long idx, pteval_t v);
void user_free_pgtables(phys_addr_t pgd, unsigned long start, unsigned long end);
unsigned long user_pte_span(void);
unsigned long user_pgtable_pages(phys_addr_t pgd);

/* mm/memory.c */
struct mm_struct;
void zap_page_range(struct mm_struct *mm, unsigned long start, unsigned long end);
void unmap_page_range(struct mm_struct *mm, unsigned long start, unsigned long end); /* the PTEs only, tables stay */
void mm_trace_rss_stat(struct mm_struct *mm, int member, long count); /* the rss_stat tracepoint */
void change_protection(struct mm_struct *mm, unsigned long start, unsigned long end, unsigned long vm_flags);
void mkclean_range(struct mm_struct *mm, unsigned long start, unsigned long end); /* writeback's page_mkclean of a shared mapping */
void flush_tlb_mm_range(struct mm_struct *mm, unsigned long start, unsigned long end);
int handle_user_host_fault(struct mm_struct *mm, struct kmm_window *w, unsigned long addr, bool write);
void show_fault_around_bytes(struct strbuf *sb);  /* debugfs fault_around_bytes */
int write_fault_around_bytes(const char *val);
struct vm_area_struct;
int copy_page_range(struct mm_struct *dst, struct mm_struct *src, const struct vm_area_struct *vma);
int move_page_tables(struct mm_struct *mm, unsigned long old, unsigned long new, unsigned long len);
struct task_struct;
int rmap_verify(struct task_struct **tasks, struct mm_struct **mms, int n, char *why, size_t whylen);
/* The PTE of addr in mm if it maps page (present): its table and index, else 0. */
phys_addr_t page_pte_of(struct mm_struct *mm, unsigned long addr, const struct page *page, unsigned long *idx);
/* A reference, unless the page's last one is going (page_alloc.c) */
bool get_page_unless_zero(struct page *page);

/* mm/mmap.c's range work, which mm/mlock.c shares with mprotect (mmap_lock held for writing) */
int user_range(unsigned long start, unsigned long len, unsigned long *end); /* page-aligned start: *end, or -errno */
int mm_range_check(struct mm_struct *mm, unsigned long start, unsigned long end,
		   int (*check)(const struct vm_area_struct *, unsigned long), unsigned long arg);
int mm_range_set_flags(struct mm_struct *mm, unsigned long start, unsigned long end,
		       unsigned long (*newflags)(unsigned long old, unsigned long arg), unsigned long arg);
/* mm/mlock.c's side of it */
void mlock_vma_pages_range(struct vm_area_struct *vma, unsigned long start, unsigned long end, unsigned long newflags);
int mlock_future_check(const struct task_struct *t, unsigned long vm_flags, unsigned long len); /* 0 or -EAGAIN */
void mm_populate_range(struct task_struct *t, unsigned long start, unsigned long end); /* __mm_populate */

/* mm/filemap.c: the page cache and the file store */
struct inode;
struct address_space {
	struct inode *host;      /* the file whose pages these are */
	struct page **pages;     /* [index]: the cached page, or NULL (filemap_lock) */
	unsigned long nr_slots;  /* entries of pages[] */
	unsigned long nrpages;   /* non-NULL entries */
	struct xa_nodes *xa;     /* the radix_tree_node objects 6.1's xarray of these pages would use (lib/xarray.c) */
	unsigned long *shadows;  /* [nr_slots]: an evicted page's shadow entry where pages[] is NULL, else 0
				    (mm/workingset.c); NULL until reclaim leaves the first */
};
struct inode {
	unsigned long i_ino;     /* inode number (the disk's, or shmem's own) */
	char *path;              /* the name it was created with */
	unsigned long i_size;    /* bytes */
	unsigned char *disk;     /* the bytes on the simulated disk; NULL for shmem */
	unsigned long disk_size; /* bytes of disk[] */
	unsigned char *blocks;   /* per page of disk[]: 1 if its block is allocated (written), 0 a hole */
	bool swapfile;           /* S_SWAPFILE: an active swap area's file; no write, truncate or unlink (filemap_lock) */
	struct address_space i_mapping;
	int i_count;             /* references: the name, open files (filemap_lock) */
	bool shmem;              /* shared anonymous memory: no disk, never dropped */
	bool unlinked;           /* the name is gone ("(deleted)" in maps) */
	unsigned long nr_dirty;  /* dirty pages in i_mapping (filemap_lock) */
	unsigned long swapped;   /* shmem: its pages out on swap, each a swap entry in i_mapping.shadows[] (filemap_lock) */
	unsigned long i_acct_pages; /* shmem: the pages committed for it (shmem_acct_size), given back when it goes */
	u64 dirtied_when;        /* clock_ns when the first of them became dirty */
	struct list_head i_list; /* every live inode, named or not (filemap_lock) */
	void *obj;               /* its shmem_inode_cache or ext4_inode_cache object in simulated RAM (kernel/fork.c);
				    NULL while a named one is not in core (filemap_lock) */
	void *dentry;            /* its dentry object (d_alloc_pseudo for shmem, d_alloc for a named one) */
	void *i_security;        /* its lsm_inode_cache blob (security_inode_alloc) */
	void *d_name_ext;        /* a named one's dentry's external name (kmalloc), if the name is too long to be inline */
	/*
	 * The store's LRUs of unused objects (mm/filemap.c, filemap_lock): a
	 * dentry is on d_lru from the end of a use that left it unused
	 * (i_count == 1: only the name holds the inode); the inode is on
	 * i_lru once its dentry has gone, while it is clean (and on profiles
	 * without highmem, has no page cached).  Entries whose object became
	 * used again leave lazily, when the shrinker meets them.
	 */
	struct list_head d_lru;  /* on the store's dentry LRU (or empty) */
	struct list_head i_lru;  /* on the store's inode LRU (or empty) */
	unsigned int d_flags;    /* DCACHE_REFERENCED: used again while on d_lru, one more round */
	unsigned int i_state;    /* I_REFERENCED: looked up again while on i_lru, one more round */
};
#define DCACHE_REFERENCED 0x40 /* include/linux/dcache.h */
#define I_REFERENCED (1 << 8)  /* include/linux/fs.h */
#define FMODE_READ 0x1
#define FMODE_WRITE 0x2
/* A file's readahead window (mm/readahead.c): [start, start + size), the last async_size of it read ahead. */
struct file_ra_state {
	unsigned long start;     /* first page of the current window */
	unsigned int size;       /* pages in it */
	unsigned int async_size; /* the PG_readahead page sits async_size pages before its end */
	unsigned int ra_pages;   /* the window's maximum: the disk's read_ahead_kb (128 KiB) in pages */
	unsigned int mmap_miss;  /* page-cache misses of mmap faults, less hits: read-around stops above 100 */
};
struct file {
	struct inode *f_inode;
	unsigned int f_mode;     /* FMODE_READ | FMODE_WRITE */
	int f_count;             /* fds, VMAs and exe_file holding it (atomic) */
	struct file_ra_state f_ra; /* its readahead window (filemap_lock) */
	void *obj;               /* its filp object in simulated RAM (kernel/fork.c) */
	void *f_security;        /* its lsm_file_cache blob (security_file_alloc) */
};
/* page->mapping is read without a lock by reclaim's checks while its last unmapper may clear it: relaxed loads */
static inline void *page_mapping_raw(const struct page *p) { return __atomic_load_n(&p->mapping, __ATOMIC_RELAXED); }
static inline bool PageAnon(const struct page *p) { return (unsigned long)page_mapping_raw(p) & 1; }
static inline bool page_is_shmem(const struct page *p)
{
	const struct address_space *m = page_mapping_raw(p); /* read once: reclaim may clear it meanwhile */
	return m && !((unsigned long)m & 1) && m->host->shmem;
}
struct file *get_file(struct file *f);
void fput(struct file *f);
struct file *shmem_file_setup(unsigned long size);
struct file *filemap_open(const char *path, int flags, int *err);
/* vm_fault_t bits that the fault path passes around (mm/memory.c, mm/filemap.c) */
#define VM_FAULT_MAJOR 0x4      /* the page was read from the disk */
#define VM_FAULT_NOPAGE 0x100   /* fault-around mapped the page: nothing more to do */
#define VM_FAULT_RETRY 0x400    /* the handler did I/O "without the lock": run the fault again */
#define FAULT_FLAG_WRITE 0x1
#define FAULT_FLAG_TRIED 0x40   /* the second run of a fault that returned VM_FAULT_RETRY */
/*
 * filemap_fault (shmem_fault for a shmem file): the cache page at index,
 * referenced, with readahead around a miss; NULL with *ret = VM_FAULT_RETRY
 * (I/O was done, fault again), -EFAULT (beyond EOF: SIGBUS) or -ENOMEM.
 */
struct page *filemap_fault(struct file *file, unsigned long index, unsigned int flags, int *ret);
/* filemap_map_pages: map(arg, index, page) for each cached page of [start, end] fault-around may map (referenced). */
void filemap_map_pages(struct file *file, unsigned long start, unsigned long end,
		       void (*map)(void *arg, unsigned long index, struct page *page), void *arg);
/* kmm_usage_settle with the store's mount counted (mm/debug.c; kernel/fork.c measures the mount with it) */
struct kmm_usage;
void kmm_usage_settle_raw(struct kmm_usage *u);
/* do_shared_fault / wp_page_shared: a write through a shared mapping is about to dirty page: 0 or -ENOMEM */
int filemap_page_mkwrite(struct page *page);
void set_page_dirty(struct page *page);
/* a node counter of pg_data_t (nr_file_pages ...) for the node of page */
#define mod_node_page_state(pg, field, delta)                                                    \
	do {                                                                                     \
		const struct page *__mp = (pg);                                                  \
		long __md = (long)(delta);                                                       \
		__atomic_add_fetch(&NODE_DATA(page_to_nid(__mp))->field, __md, __ATOMIC_RELAXED); \
		struct mem_cgroup *__mm = page_memcg_raw(__mp); /* and the page's memory cgroup */ \
		if (__mm)                                                                        \
			memcg_stat_mod(__mm, field, __md);                                       \
	} while (0)
/* the same for a node's counter named by its lruvec (nr_isolated[file] ...) */
#define mod_lruvec_state(lruvec, field, delta) \
	((void)__atomic_add_fetch(&(lruvec)->pgdat->field, (long)(delta), __ATOMIC_RELAXED))
/*
 * global_node_page_state() takes Linux's item (NR_FILE_PAGES) or, inside
 * kmm, the pg_data_t field's name (nr_file_pages): both name the same
 * node_stat_item of kmm/vmstat.h.
 */
#define KMM_NODE_ITEM_nr_anon_mapped NR_ANON_MAPPED
#define KMM_NODE_ITEM_nr_file_mapped NR_FILE_MAPPED
#define KMM_NODE_ITEM_nr_file_pages NR_FILE_PAGES
#define KMM_NODE_ITEM_nr_file_dirty NR_FILE_DIRTY
#define KMM_NODE_ITEM_nr_shmem NR_SHMEM
#define KMM_NODE_ITEM_nr_page_table_pages NR_PAGETABLE
#define KMM_NODE_ITEM_nr_slab_reclaimable NR_SLAB_RECLAIMABLE_B
#define KMM_NODE_ITEM_nr_slab_unreclaimable NR_SLAB_UNRECLAIMABLE_B
#define KMM_NODE_ITEM_NR_ANON_MAPPED NR_ANON_MAPPED
#define KMM_NODE_ITEM_NR_FILE_MAPPED NR_FILE_MAPPED
#define KMM_NODE_ITEM_NR_FILE_PAGES NR_FILE_PAGES
#define KMM_NODE_ITEM_NR_FILE_DIRTY NR_FILE_DIRTY
#define KMM_NODE_ITEM_NR_SHMEM NR_SHMEM
#define KMM_NODE_ITEM_NR_PAGETABLE NR_PAGETABLE
#define KMM_NODE_ITEM_NR_SLAB_RECLAIMABLE_B NR_SLAB_RECLAIMABLE_B
#define KMM_NODE_ITEM_NR_SLAB_UNRECLAIMABLE_B NR_SLAB_UNRECLAIMABLE_B
#define global_node_page_state(item) ((long)(global_node_page_state)(KMM_NODE_ITEM_##item))
struct file *fget(struct task_struct *t, int fd);
int dup_fd(struct task_struct *child, const struct task_struct *parent);
void close_files(struct task_struct *t);
void filemap_exit(void);
int filemap_verify(char *why, size_t whylen);
/*
 * A swap file's hooks into the store (mm/swapfile.c's swapon, mkswap and
 * swapoff of a file): read and write through the page cache as
 * kernel_read/kernel_write do (-ETXTBSY for a write to an active swap
 * file), fsync one file, and swap activation: filemap_swap_check is
 * swapon's early d_unlinked / IS_SWAPFILE test (-ENOENT / -EBUSY);
 * filemap_swap_activate writes the file back (vfs_fsync), refuses a file
 * with holes in its first ALIGN_DOWN(i_size) bytes (-EINVAL) and marks it
 * S_SWAPFILE, giving its disk bytes and usable pages (at most max);
 * filemap_swap_deactivate clears S_SWAPFILE (swapoff).
 */
long filemap_file_pread(struct file *f, void *buf, unsigned long len, unsigned long off);
long filemap_file_pwrite(struct file *f, const void *buf, unsigned long len, unsigned long off);
void filemap_fsync(struct file *f);
int filemap_swap_check(struct file *f);
int filemap_swap_activate(struct file *f, unsigned long max, unsigned char **disk, unsigned long *nr_pages,
			  int *nr_extents);
void filemap_swap_deactivate(struct file *f);
void drop_pagecache(void);
/* every unused named file's dentry and inode, whatever the LRUs say (settling the usage; umount's way) */
void shrink_dcache_icache(void);
u64 wb_next_timer(void);                /* the flusher's next moment (~0: off) */
void wb_timer(u64 now);                 /* the flusher's periodic work due by now, re-armed */
void wakeup_flusher_threads(void);      /* reclaim met only dirty file pages: write back everything soon */

/* mm/rmap.c: anonymous pages find their mappings through an anon_vma (a chain of them across forks) */
struct anon_vma {
	struct anon_vma *root;   /* the first anon_vma of the fork tree */
	struct anon_vma *parent; /* the one it was forked from (referenced), NULL for the root */
	int refcount;            /* VMAs using it + anon_vmas forked from it (atomic) */
	struct list_head head;   /* the anon_vma_chains linking it to VMAs that may map its pages (Linux's rb_root) */
	void *obj;               /* its anon_vma object in simulated RAM (kernel/fork.c) */
};
/* A link between a VMA and an anon_vma whose pages the VMA may map (mm/rmap.c). */
struct anon_vma_chain {
	struct vm_area_struct *vma;
	struct anon_vma *anon_vma;
	struct list_head same_vma;      /* on vma->anon_vma_chain */
	struct list_head same_anon_vma; /* on anon_vma->head */
	void *obj;                      /* its anon_vma_chain object in simulated RAM */
};
int anon_vma_clone(struct vm_area_struct *dst, struct vm_area_struct *src);
void unlink_anon_vmas(struct vm_area_struct *vma);
void anon_vma_chain_move(struct vm_area_struct *dst, struct vm_area_struct *src);
/* Every (VMA, address) whose PTE maps this anonymous page: fn for each; the number found. */
int rmap_walk_anon(struct page *page, void (*fn)(struct vm_area_struct *vma, unsigned long addr, void *arg), void *arg);
struct anon_vma *anon_vma_get(struct anon_vma *av);
void anon_vma_put(struct anon_vma *av);
int anon_vma_prepare(struct vm_area_struct *vma);
int anon_vma_fork(struct vm_area_struct *vma, struct vm_area_struct *pvma);
void page_add_new_anon_rmap(struct page *page, struct vm_area_struct *vma, unsigned long addr);
void page_add_anon_rmap(struct page *page, struct vm_area_struct *vma, unsigned long addr, bool exclusive);
void mm_swapents_add(struct mm_struct *mm, long delta);
int rmap_walk_anon_trylock(struct page *page,
			   int (*fn)(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr, void *arg),
			   void *arg);
void page_move_anon_rmap(struct page *page, struct vm_area_struct *vma);
void page_add_file_rmap(struct page *page, struct mm_struct *mm);
void page_dup_rmap(struct page *page, struct mm_struct *mm);
void page_remove_rmap(struct page *page, struct mm_struct *mm);
int mm_counter(const struct page *page);
typedef void (*pte_fn)(unsigned long addr, phys_addr_t table, unsigned long idx, pteval_t pte, void *arg);
void walk_ptes(struct mm_struct *mm, unsigned long start, unsigned long end, pte_fn fn, void *arg); /* memory.c */
void walk_ptes_swap(struct mm_struct *mm, unsigned long start, unsigned long end, pte_fn fn, void *arg); /* swap PTEs too */
unsigned long zero_pfn(void);

/* mm/memcontrol.c: the memory cgroups */
#include "mm/memcontrol.h"
unsigned long page_counter_max(void);                    /* PAGE_COUNTER_MAX of the profile */
bool mem_cgroup_is_root(const struct mem_cgroup *memcg); /* NULL counts as the root */
void memcg_memory_event(struct mem_cgroup *memcg, enum memcg_memory_event ev);
void memcg_count_event(struct mem_cgroup *memcg, enum memcg_vm_event ev, unsigned long nr);
void memcg_count_event_mm(struct mm_struct *mm, enum memcg_vm_event ev);
void mem_cgroup_init(void);
void mem_cgroup_exit(void);
struct mem_cgroup *mem_cgroup_from_id(unsigned short id);          /* NULL if none */
void mem_cgroup_path(const struct mem_cgroup *memcg, char *buf, size_t len); /* "/A/B" */
struct mem_cgroup *mem_cgroup_iter(struct mem_cgroup *root, struct mem_cgroup *prev); /* root's subtree, pre-order */
struct mem_cgroup *get_mem_cgroup_from_mm(struct mm_struct *mm);    /* its owner's group, the root if none */
struct mem_cgroup *task_memcg(const struct task_struct *t);         /* the root if none */
void mem_cgroup_fork(struct task_struct *child, struct task_struct *parent);
void mem_cgroup_exit_task(struct task_struct *t);
void mem_cgroup_calculate_protection(struct mem_cgroup *root, struct mem_cgroup *memcg);
unsigned long mem_cgroup_protection(struct mem_cgroup *root, struct mem_cgroup *memcg, bool in_low_reclaim);
bool mem_cgroup_below_low(struct mem_cgroup *memcg);
bool mem_cgroup_below_min(struct mem_cgroup *memcg);
unsigned long mem_cgroup_get_max(struct mem_cgroup *memcg);         /* memory.max + the swap it may use */
unsigned long mem_cgroup_usage(struct mem_cgroup *memcg);           /* memory.current in pages */
bool mem_cgroup_out_of_memory(struct mem_cgroup *memcg, gfp_t gfp, unsigned int order);
void mem_cgroup_handle_over_high(void);                            /* the return to user space */
int mem_cgroup_charge(struct page *page, struct mm_struct *mm, gfp_t gfp); /* 0 or -ENOMEM */
int memcg_kmem_charge_page(struct page *page, gfp_t gfp, unsigned int order);
void mem_cgroup_uncharge(struct page *page, unsigned int order);  /* the page is being freed */
struct mem_cgroup *obj_cgroup_charge(gfp_t gfp, size_t size, bool reclaimable, int *err);
void obj_cgroup_uncharge(struct mem_cgroup *memcg, size_t size, bool reclaimable);
void memory_stat_format(struct mem_cgroup *memcg, struct strbuf *sb);
void mem_cgroup_print_oom_meminfo(struct mem_cgroup *memcg);
bool cgroup_path(const char *path);                      /* under sys/fs/cgroup */
char *cgroup_file_read(const char *path);                /* NULL and errno */
int cgroup_file_write(const char *path, const char *val);
char **cgroup_dirs(void);                                /* the online groups' paths ("" root), malloc'd */
const char *cgroup_file_name(int i, bool root);          /* the i-th readable file of a group, NULL after */
bool task_in_mem_cgroup(const struct task_struct *t, const struct mem_cgroup *memcg);
struct mem_cgroup *mem_cgroup_get_oom_group(const struct task_struct *victim, struct mem_cgroup *oom_domain);
/* mm/vmscan.c: reclaim from a group's subtree for its limit; pages freed */
unsigned long try_to_free_mem_cgroup_pages(struct mem_cgroup *memcg, unsigned long nr_pages, gfp_t gfp, bool may_swap);

/*
 * mm/migrate.c: page migration.  The pages on the list are isolated from
 * the LRU (folio_isolate_lru); get_new_page gives a fresh page for each
 * (NULL: none, migration stops), put_new_page takes back one not used
 * (NULL: put_page).  Returns the pages left on the list (not migrated),
 * or -ENOMEM; the caller puts those back (putback_movable_pages).
 */
typedef struct page *(*new_page_t)(struct page *page, unsigned long private);
typedef void (*free_page_t)(struct page *page, unsigned long private);
enum migrate_mode { MIGRATE_ASYNC, MIGRATE_SYNC_LIGHT, MIGRATE_SYNC, MIGRATE_SYNC_NO_COPY };
enum migrate_reason { MR_COMPACTION, MR_MEMORY_FAILURE, MR_MEMORY_HOTPLUG, MR_SYSCALL, MR_MEMPOLICY_MBIND,
		      MR_NUMA_MISPLACED, MR_CONTIG_RANGE, MR_LONGTERM_PIN, MR_DEMOTION, MR_TYPES };
int migrate_pages(struct list_head *from, new_page_t get_new_page, free_page_t put_new_page, unsigned long private,
		  enum migrate_mode mode, int reason, unsigned int *ret_succeeded);
void putback_movable_pages(struct list_head *list);
/* folio_migrate_mapping of the caches (filemap_lock held; the pages locked; old unmapped): 0 or -EAGAIN */
int filemap_migrate_page(struct page *old, struct page *new, int expected);
int swap_cache_migrate_page(struct page *old, struct page *new, int expected);
void mem_cgroup_migrate(struct page *old, struct page *new); /* mm/memcontrol.c: new charged to old's group */

/* page_alloc.c for compaction: a free block off its list (zone->lock held), then made order-0 pages (unlocked) */
unsigned long isolate_free_block(struct zone *zone, struct page *page, unsigned int order);
void split_map_pages(struct page *page, unsigned int order, struct list_head *list);
/*
 * mm/compaction.c: compact_nodes is /proc/sys/vm/compact_memory's work;
 * try_to_compact_pages is direct compaction over the zones an allocation
 * may use (try_alloc asked after each), counted as 6.1 counts it.
 */
void compact_nodes(void);
void wakeup_kcompactd(pg_data_t *pgdat, int order, int highest_zoneidx);
void kcompactd_run(pg_data_t *pgdat);   /* boot: the node's kcompactd, asleep */
void kcompactd_stop(pg_data_t *pgdat);  /* shutdown: after it, the node's kcompactd never runs again */
u64 kcompactd_next_timer(void);         /* the earliest end of a kcompactd's sleep (~0: none) */
void kcompactd_timer(u64 now);          /* the sleeps that end by now */
void compaction_proactiveness_changed(void); /* the sysctl was written non-zero: every node checks (trigger) */
bool kswapd_is_running(pg_data_t *pgdat);
struct page *try_to_compact_pages(gfp_t gfp, unsigned int order, unsigned int alloc_flags, int highest_zoneidx,
				  struct zone **zones, int nr_zones, struct page *(*try_alloc)(void *arg), void *arg);

/* mm/mempolicy.c: a task's NUMA policy */
struct page *alloc_pages_mpol(struct task_struct *t, gfp_t gfp, unsigned int order); /* its user pages */
bool mempolicy_in_oom_domain(const struct task_struct *t, const unsigned long *nodemask);
void mpol_fork(struct task_struct *child, const struct task_struct *parent);

/* mm/oom_kill.c */
bool out_of_memory_memcg(struct mem_cgroup *memcg, gfp_t gfp, unsigned int order); /* oom_lock held */
long oom_badness(struct task_struct *t, struct mm_struct *mm, unsigned long totalpages); /* LONG_MIN: never chosen */
unsigned long oom_totalpages(void);          /* RAM + swap: what badness is a share of */
bool out_of_memory(gfp_t gfp, unsigned int order, const unsigned long *nodemask); /* oom_lock held */
bool current_is_oom_victim(void);
void oom_reap_self(struct task_struct *t);   /* a killed task on its way out: its private memory goes */
void oom_init(void);

/* kernel/signal.c */
void init_sigpending(struct task_struct *t);
void flush_sigqueue(struct task_struct *t);
int force_sig_fault_to_task(int sig, int code, unsigned long addr, struct task_struct *t);
struct task_struct *get_current(void);                    /* the task this thread works for, or NULL */
struct task_struct *set_current(struct task_struct *t);   /* returns the one before, to set back */
int task_killed(struct task_struct *t);                   /* SIGKILL pending: its memory reaped, -EINTR; else 0 */
/*
 * A system call made for task t: call runs in t's context (what it
 * allocates is charged to t's memory cgroup, an OOM it meets is t's), and
 * on the way back to user space a group over memory.high reclaims and a
 * task the OOM killer chose meanwhile gives its memory back (task_killed).
 */
#define TASK_SYSCALL(t, call)                                       \
	({                                                          \
		struct task_struct *__sys_prev = set_current(t);    \
		__auto_type __sys_ret = (call);                     \
		mem_cgroup_handle_over_high();                      \
		set_current(__sys_prev);                            \
		if (fatal_signal_pending(t)) /* killed in the call: dies on the way back */ \
			task_killed(t);                             \
		mmput_async_flush(); /* no lock held here */        \
		__sys_ret;                                          \
	})
void do_exit(struct task_struct *t);                      /* mm/mmap.c: the task stops (once); task_exit reaps it */

/* mm/mmap.c */
struct task_struct;
int cmdline_parse_stack_guard_gap(const char *val, char *err, size_t errlen); /* stack_guard_gap=PAGES */
/* Every task's VMAs that map inode: fn(mm, vma) with the tasks' mmap_locks held. */
void for_each_vma_of_inode(struct inode *inode, void (*fn)(struct mm_struct *, struct vm_area_struct *, void *),
			   void *arg);
void show_map_vma(struct strbuf *sb, const struct mm_struct *mm, const struct vm_area_struct *v);
void show_pid_maps(struct strbuf *sb, struct task_struct *t, struct mm_struct *mm);
void task_mem(struct strbuf *sb, struct mm_struct *mm);                                    /* proc/task_mmu.c, mmap_lock held */
void for_each_task(void (*fn)(struct task_struct *t, void *arg), void *arg);
int last_pid_given(void);
void tasks_exit(void);

/* proc/: the views of processes and of the machine's CPUs and time (proc/base.c dispatches the PID ones) */
char *proc_pid_read(int pid, const char *view);                     /* proc/base.c: NULL, errno set */
long proc_pid_pread(int pid, const char *view, void *buf, size_t count, u64 off);
int proc_pid_write(int pid, const char *view, const char *val);
int proc_pid_dump(const char *dir, int pid, char *err, size_t errlen);
void show_smaps(struct strbuf *sb, struct task_struct *t, struct mm_struct *mm);          /* proc/task_mmu.c */
void show_smaps_rollup(struct strbuf *sb, struct task_struct *t, struct mm_struct *mm);
void show_pagemap_text(struct strbuf *sb, struct task_struct *t, struct mm_struct *mm);
void proc_pid_statm(struct strbuf *sb, struct task_struct *t, struct mm_struct *mm);
long pagemap_read(struct task_struct *t, struct mm_struct *mm, void *buf, size_t count, u64 off);
void proc_tgid_stat(struct strbuf *sb, struct task_struct *t, struct mm_struct *mm);      /* proc/array.c */
void proc_pid_status(struct strbuf *sb, struct task_struct *t, struct mm_struct *mm);     /* proc/array.c */
void show_sys_kernel_slab(struct strbuf *sb);                       /* mm/slab_common.c: the listing */
int show_sys_kernel_slab_attr(struct strbuf *sb, const char *path); /* "DIR/ATTR": 0 or -ENOENT */
void show_stat(struct strbuf *sb);                                                         /* proc/stat.c */
void show_uptime(struct strbuf *sb);
void show_loadavg(struct strbuf *sb);
void show_cpuinfo(struct strbuf *sb);
long kpageflags_read(void *buf, size_t count, u64 off);                                    /* proc/page.c */
long kpagecount_read(void *buf, size_t count, u64 off);
u64 kpage_dump_size(void);
#define USER_HZ 100 /* the clock ticks /proc counts time in (nsec_to_clock_t) */
int tasks_verify(char *why, size_t whylen);

/* arch/ioremap.c */
void show_pat_memtype_list(struct strbuf *sb);
void kmm_slab_shrink_all(void);
struct kmem_cache;
/* mm/slub.c: the objects in use in s's node slabs and who allocated them (0: untracked) */
void kmm_slab_for_each_object(struct kmem_cache *s, void (*fn)(struct kmem_cache *s, void *obj, unsigned long site,
								 void *arg), void *arg);
int slab_verify_all(char *why, size_t whylen);
long kmem_cache_objects_in_use(const char *name);
unsigned long slab_objects_in_use(void);
void show_slabinfo(struct strbuf *sb);
int slub_debug_setup(const char *val, char *err, size_t errlen);
extern int slub_min_order, slub_max_order, slub_min_objects;
extern bool slab_nomerge, slab_freelist_hardened;

/* cmdline (arch/setup.c) */
struct kmm_param {
	const char *name;  /* "mem", "highmem", ... (matched up to '=') */
	int (*setup)(const char *val, char *err, size_t errlen);
};

/* mm/boot_population.c: what a real 6.1 kernel holds after boot (tables: mm/boot_population_data.c) */
struct boot_cache {
	const char *name;            /* the cache's name, or an alias's own name */
	unsigned int object_size;    /* /sys/kernel/slab/X/object_size (an alias: its cache's) */
	unsigned int align;          /* .../align */
	unsigned int flags;          /* (slab_flags_t) SLAB_HWCACHE_ALIGN, _RECLAIM_ACCOUNT, _TYPESAFE_BY_RCU, _CACHE_DMA, _ACCOUNT */
	unsigned int usersize;       /* the usercopy region (makes a cache unmergeable) */
	bool ctor;                   /* it had a constructor (unmergeable) */
	bool alias;                  /* merged into the last entry that is not an alias */
	unsigned int active_objs;    /* slabinfo's figures for the cache (0 for an alias) */
	unsigned int num_objs;
};
struct boot_vmap {
	unsigned long size;          /* the area, its guard page included, as vmallocinfo shows it */
	unsigned int nr_pages;       /* pages it holds; 0: only reserved */
	bool stack;                  /* a VMAP_STACK task stack (THREAD_SIZE aligned) */
};
struct boot_hash {
	const char *name;            /* as the boot log names it: "Mount-cache", "TCP established" ... */
	unsigned int bucketsize;     /* bytes per entry on this profile */
};
struct boot_population {
	const char *profile;                  /* "i386", "i386-pae", "x86_64" */
	const struct boot_cache *caches;      /* in the real kernel's creation order */
	unsigned int nr_caches;
	const struct boot_vmap *vmaps;
	unsigned int nr_vmaps;
	const void *const *callers;           /* [nr_vmaps]: who made each area, for vmallocinfo */
	const struct boot_hash *hashes;       /* alloc_large_system_hash() tables (sized per machine) */
	unsigned int nr_hashes;
	int nr_cpus;                          /* the CPUs of the boot the figures come from */
	unsigned int nr_stacks;               /* THREAD_SIZE stacks from the page allocator (32-bit) */
	unsigned long pcp[MAX_ZONE_TYPES];    /* pages on the per-CPU lists after boot, per zone */
	unsigned long large_kmalloc_pages;    /* in kmalloc_large() blocks: Slab, but not in slabinfo */
	unsigned long user_pages;             /* rootfs page cache, init's anon pages and page tables */
	unsigned long other_pages;            /* the rest of managed - free */
	unsigned long percpu_pages_per_unit;  /* meminfo Percpu / the first chunk's units, in pages */
};
struct boot_population_stats {
	bool populated;              /* the last boot made its population */
	unsigned int caches_created; /* names kmm had not created itself */
	unsigned int merge_mismatches; /* aliases that did not merge where Linux merged them */
	char first_mismatch[160];
	unsigned long objects;       /* slab objects it holds */
	unsigned long pages;         /* pages outside slabs it holds (stacks, vmalloc, trace, other) */
	unsigned long trace_pages;   /* ... of them the ftrace ring buffer's */
	unsigned long hash_pages;    /* ... of them the late hash tables' */
	unsigned int vmaps;          /* vmalloc areas */
	double host_seconds;         /* what making it cost */
};
extern const struct boot_population *const boot_populations[]; /* NULL-terminated */
extern const void *const boot_vmap_callers_hash[]; /* alloc_large_system_hash, for vmallocinfo */
const struct boot_population *boot_population_find(const char *profile);
void boot_population(void);  /* at the end of kmm_boot() */
int boot_population_setup(const char *val, char *err, size_t errlen); /* boot_population= */
const struct boot_population_stats *boot_population_stats(void);

#endif /* KMM_INTERNAL_H */
