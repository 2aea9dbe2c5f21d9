"""The C side: libkmm.so through cffi's ABI mode (no compiler at import time).

The declarations below are include/kmm's, copied by hand: kmm.h (boot, views,
usage), slab.h and gfp.h (a few allocator calls), scenario.h and trace.h
(scenarios, replay).  A struct kmm reads has every field up to the last one
it reads, in the header's order, so cffi lays it out as the C compiler does.
tests/test_kmm.py checks the layout against the C library's answers.
"""
import os

import cffi

CDEF = r"""
typedef unsigned long long u64;
typedef unsigned int gfp_t;

struct kmm_numa_range { int nid; u64 start, end; };
struct kmm_boot_params {
    const char *profile; u64 mem_bytes; const char *e820_text; const char *cmdline; int nr_cpus;
    int nr_numa_ranges; struct kmm_numa_range numa_ranges[64]; int nr_distance; int distance[8][8];
    u64 initrd_bytes; u64 initrd_start; u64 kernel_bytes; u64 seed; const char *dmesg_text;
    const char *kconfig; const void *dtb; size_t dtb_size; _Bool boot_population;
};
int kmm_boot(const struct kmm_boot_params *p, char *err, size_t errlen);
int kmm_boot_param_set(struct kmm_boot_params *p, const char *name, const char *value, char *err, size_t errlen);
void kmm_shutdown(void);
_Bool kmm_booted(void);
char *kmm_proc_read(const char *path);
int kmm_proc_write(const char *path, const char *value);
const char *const *kmm_proc_paths(void);
const char *kmm_dmesg(void);
struct kmm_usage { unsigned long free_pages; unsigned long slab_objects; unsigned long percpu_bytes;
                   unsigned long vmap_areas; unsigned long vmalloc_pages; };
int kmm_verify(char *why, size_t whylen);
void kmm_usage_settle(struct kmm_usage *u);
int kmm_nothing_lost(const struct kmm_usage *boot, char *why, size_t whylen);

void *kmalloc(size_t size, gfp_t flags);
void kfree(const void *x);
size_t ksize(const void *objp);
struct page;
struct page *__alloc_pages(gfp_t gfp, unsigned int order, int preferred_nid, const unsigned long *nodemask);
void __free_pages(struct page *page, unsigned int order);

typedef struct _IO_FILE FILE;
FILE *fopen(const char *path, const char *mode);
int fclose(FILE *f);
void free(void *p);
struct kmm_scenario_opts {
    const char *name; const char *const *boot_opts; int nboot_opts; const char *const *after_boot;
    int nafter_boot; const char *proc_dir; const char *plot_file; _Bool trace; _Bool results; long max_steps;
    FILE *out; FILE *err; void (*machine_live)(void *arg, _Bool live); void *machine_live_arg;
};
int kmm_scenario_run_buf(const char *buf, size_t len, const struct kmm_scenario_opts *o);

enum kmm_trace_kind { KMM_TRACE_KMALLOC, KMM_TRACE_KFREE, KMM_TRACE_CACHE_ALLOC, KMM_TRACE_CACHE_FREE,
                      KMM_TRACE_PAGE_ALLOC, KMM_TRACE_PAGE_FREE, KMM_TRACE_NR_KINDS };
struct kmm_trace_event {
    enum kmm_trace_kind kind; int cpu; u64 ts_ns; u64 ptr; u64 pfn; unsigned long bytes_req;
    unsigned long bytes_alloc; gfp_t gfp; int node; unsigned int order; int migratetype;
    const char *name; size_t name_len;
};
int kmm_trace_parse_line(const char *line, size_t len, struct kmm_trace_event *ev, char *why, size_t whylen);
const char *kmm_trace_kind_name(enum kmm_trace_kind kind);

struct kmm_replay_config {
    _Bool strict; unsigned long sample_every; void (*at_end)(void *arg); void *at_end_arg; _Bool allow_mismatch;
};
struct kmm_replay_problem { unsigned long line; char what[160]; };
struct kmm_replay_cache {
    char name[64]; _Bool kmalloc; unsigned long allocs, frees, failures; unsigned long live, peak;
    unsigned long bytes_req; unsigned long kernel_bytes; unsigned long kmm_bytes; unsigned long agree;
};
struct kmm_replay_sample { unsigned long event; u64 ts_ns; unsigned long slab_pages; unsigned long (*nr_free)[11]; };
struct kmm_replay_zone { int nid; const char *name; };
struct kmm_replay_stats {
    unsigned long lines; unsigned long events; unsigned long by_kind[6]; unsigned long malformed, unknown;
    unsigned long not_replayed; struct kmm_replay_problem problems[8]; unsigned int nr_problems;
    char input_error[200];
    unsigned long unmatched_frees; unsigned long null_frees; unsigned long kernel_failures;
    unsigned long duplicate_allocs; unsigned long order_mismatches; unsigned long alloc_failures[6];
    unsigned long agree_kmalloc, total_kmalloc; unsigned long agree_cache, total_cache;
    struct kmm_replay_cache *caches; unsigned int nr_caches;
    unsigned long slab_pages_peak; unsigned long page_allocs_live_peak;
    struct kmm_replay_zone zones[32]; unsigned int nr_zones;
    struct kmm_replay_sample *samples; unsigned long nr_samples;
    unsigned long live_at_end; unsigned long free_pages_start, free_pages_end; _Bool nothing_lost;
    char lost_why[160]; unsigned long bugs; double seconds; u64 first_ts_ns, last_ts_ns;
    const char *input_format; char kernel_release[96]; unsigned int trace_page_size;
    unsigned int trace_long_size; unsigned int trace_cpus; unsigned long events_lost; unsigned long lost_gaps;
    _Bool refused; unsigned long events_on_cpu[64];
};
struct kmm_replay;
struct kmm_replay *kmm_replay_create(const struct kmm_replay_config *cfg);
int kmm_replay_file(struct kmm_replay *r, const char *path, char *err, size_t errlen);
int kmm_replay_finish(struct kmm_replay *r);
const struct kmm_replay_stats *kmm_replay_stats(const struct kmm_replay *r);
void kmm_replay_destroy(struct kmm_replay *r);
int kmm_replay_unusable_index(const struct kmm_replay_sample *s, unsigned int zone, unsigned int order);
"""

MAX_ORDER = 11

ffi = cffi.FFI()
ffi.cdef(CDEF)


def _library_path():
    """KMM_LIB, else the library `make install` put beside this package, else the build tree's."""
    env = os.environ.get("KMM_LIB")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        from . import _installed  # written by make install
        return _installed.LIBKMM
    except ImportError:
        pass
    return os.path.join(here, "..", "..", "build", "libkmm.so")


lib = ffi.dlopen(_library_path())
libc = ffi.dlopen(None)
