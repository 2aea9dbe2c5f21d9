/*
 * kmm/kmm.h - boot and tear down a simulated machine; read its /proc views.
 *
 *	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
 *	p.profile = "i386-pae";  p.mem_bytes = 2ULL << 30;
 *	p.cmdline = "vmalloc=256M";
 *	char err[256];
 *	if (kmm_boot(&p, err, sizeof err)) { fputs(err, stderr); ... }
 *	char *text = kmm_proc_read("zoneinfo");   (free() it)
 *	kmm_shutdown();
 *
 * One machine is booted at a time per process; all of Linux's API
 * (alloc_pages, kmalloc, ...) acts on it.
 */
#ifndef KMM_KMM_H
#define KMM_KMM_H

#include <kmm/types.h>
#include <stdio.h>

#define KMM_MAX_NUMA_RANGES 64

struct kmm_numa_range {
	int nid;                /* node the range belongs to (an SRAT memory affinity entry) */
	u64 start, end;         /* physical range [start, end) */
};

struct kmm_boot_params {
	const char *profile;    /* "i386" (default), "i386-pae", "x86_64" */
	u64 mem_bytes;          /* RAM size; a PC-style e820 map is made for it */
	const char *e820_text;  /* or: Linux's own "BIOS-e820: [mem ...] type" lines */
	const char *cmdline;    /* kernel command line: mem= highmem= vmalloc= memmap= ... */
	int nr_cpus;            /* simulated CPUs (default 1) */
	int nr_numa_ranges;     /* 0: one node, unless numa=fake= */
	struct kmm_numa_range numa_ranges[KMM_MAX_NUMA_RANGES];
	int nr_distance;        /* nodes described by distance[][] (0: 10 local, 20 remote) */
	int distance[8][8];
	u64 initrd_bytes;       /* size of the initial ramdisk the boot loader passed */
	u64 initrd_start;       /* where it put it (0: high under the initrd address limit, as QEMU and GRUB do) */
	u64 kernel_bytes;       /* a smaller kernel image, linked at 1 MiB (0: the profile's) */
	u64 seed;               /* for everything random */
	const char *dmesg_text; /* or: a real x86 kernel's log; its e820 map, command line, CPUs, NUMA
				   nodes, initrd and kernel build replace the fields above (cmdline is
				   appended to the log's) */
};

#define KMM_BOOT_DEFAULTS { .profile = "i386", .mem_bytes = 4ULL << 30, .nr_cpus = 1 }

/* Boot a machine.  0 on success; -errno with a message in err otherwise. */
int kmm_boot(const struct kmm_boot_params *p, char *err, size_t errlen);
/*
 * Set one option by its `kmm boot` name - "profile", "mem", "cpus",
 * "cmdline", "numa", "distance", "initrd", "kernel-size", "seed" - from
 * its text ("4G", "0:0-2G,1:2G-4G", "10 20,20 10").  String values are
 * referenced, not copied.  0; -EINVAL with what was expected in err;
 * -ENOENT for an unknown name.  (--e820 FILE and --dmesg FILE are the
 * caller's: it reads the file into e820_text or dmesg_text.)
 */
int kmm_boot_param_set(struct kmm_boot_params *p, const char *name, const char *value, char *err, size_t errlen);
/* Tear the machine down and release all host memory. */
void kmm_shutdown(void);
/* Is a machine booted? */
bool kmm_booted(void);

/*
 * /proc views by their name under /proc: "zoneinfo", "meminfo", "buddyinfo",
 * "iomem", "sys/vm/min_free_kbytes", ... ; NULL (errno set) if unknown.
 * The string is malloc()ed; free() it.
 */
char *kmm_proc_read(const char *path);
/* Write a /proc/sys file, e.g. ("sys/vm/min_free_kbytes", "8192"). 0 or -errno. */
int kmm_proc_write(const char *path, const char *value);
/* Every readable /proc path kmm has, NULL-terminated. */
const char *const *kmm_proc_paths(void);
/*
 * Write every view as a file under dir (made if missing): dir/zoneinfo,
 * dir/sys/vm/min_free_kbytes, ..., and dir/PID/maps, status, ... for the
 * given tasks.  0, or -errno with the file in err.
 */
int kmm_proc_dump(const char *dir, const int *pids, int npids, char *err, size_t errlen);
/* The kernel log (dmesg) since boot; owned by kmm. */
const char *kmm_dmesg(void);

/*
 * Simulated CPUs: a host thread enters CPU n (0 <= n < nr_cpus) before it
 * allocates through that CPU's per-CPU lists, and leaves it when done.  The
 * booting thread is on CPU 0.  -EINVAL, -EBUSY (already on a CPU).
 */
int kmm_cpu_enter(int cpu);
void kmm_cpu_exit(void);
int kmm_cpu_current(void);   /* -1 when on no CPU */

/*
 * Simulated kernel addresses and host pointers: the direct map and the
 * kernel windows (vmalloc area) are host memory at a constant bias.  A host
 * pointer into a window is usable once the kernel page tables map the page
 * (the first touch maps it); an access the tables do not allow is an oops.
 */
void *kmm_kva_to_host(unsigned long kva);
unsigned long kmm_host_to_kva(const void *p);
/* Run fn(arg); a kernel oops inside makes it return -EFAULT (0 otherwise). */
int kmm_try(void (*fn)(void *), void *arg);

/*
 * The simulated clock: it moves only when advanced, and the work that runs
 * on time (the flusher's periodic writeback) runs as its moment passes.
 */
void kmm_clock_advance(u64 ns);
u64 kmm_clock_ns(void);

/* A picture of physical memory as SVG, a pixel per frame coloured by what it does (kmm map --svg). 0 or -errno. */
int kmm_map_svg(FILE *out);

/*
 * Checks (src/mm/debug.c).  kmm_verify() runs every validator - zones and
 * their counters, slab caches, vmap areas, the pkmap table, tasks - and
 * returns 0, or -EINVAL with the first problem in why.
 * "Nothing lost": settle right after boot, and once everything taken has
 * been freed kmm_nothing_lost() finds the same free pages and slab objects,
 * no vmalloc area in use, and kmm_verify() passing.
 */
struct kmm_usage {
	unsigned long free_pages;   /* nr_free_pages() with the per-CPU lists drained */
	unsigned long slab_objects; /* objects in use in all slab caches */
};
int kmm_verify(char *why, size_t whylen);
/* Give back what is only cached (pcp lists, empty slabs, unheld pkmaps, lazy vmap areas); measure. */
void kmm_usage_settle(struct kmm_usage *u);
int kmm_nothing_lost(const struct kmm_usage *boot, char *why, size_t whylen);

/* Parse a size with Linux's memparse() suffixes (K, M, G, T, P, E). */
u64 memparse(const char *s, char **end);

#endif /* KMM_KMM_H */
