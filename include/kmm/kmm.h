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
	const char *profile;    /* "i386" (default), "i386-pae", "x86_64", "arm64" */
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
	const char *kconfig;    /* kernel build options, "CMA=y,CMA_SIZE_MBYTES=16" (NULL: the profile's,
				   Debian's: CMA=n); an unknown name or bad value fails the boot */
	const void *dtb;        /* or: a flattened device tree (an ARM board; arm64 today): its /memory,
				   /reserved-memory, /chosen (bootargs, initrd), CPUs and NUMA node ids
				   describe the machine; cmdline is appended to its bootargs.  NULL on
				   the arm64 profile: QEMU's virt board with mem_bytes of RAM at 1 GiB */
	size_t dtb_size;        /* bytes at dtb */
	bool boot_population;   /* end the boot holding what a real 6.1 kernel holds after boot (caches,
				   objects, stacks, vmalloc areas, pages); false: a bare machine.
				   `boot_population=on|off` on cmdline overrides it */
};

#define KMM_BOOT_DEFAULTS { .profile = "i386", .mem_bytes = 4ULL << 30, .nr_cpus = 1 }

/* Boot a machine.  0 on success; -errno with a message in err otherwise. */
int kmm_boot(const struct kmm_boot_params *p, char *err, size_t errlen);
/*
 * Set one option by its `kmm boot` name - "profile", "mem", "cpus",
 * "cmdline", "numa", "distance", "initrd", "kernel-size", "seed", "kconfig" - from
 * its text ("4G", "0:0-2G,1:2G-4G", "10 20,20 10").  String values are
 * referenced, not copied.  0; -EINVAL with what was expected in err;
 * -ENOENT for an unknown name.  (--e820 FILE and --dmesg FILE are the
 * caller's: it reads the file into e820_text or dmesg_text.)
 */
int kmm_boot_param_set(struct kmm_boot_params *p, const char *name, const char *value, char *err, size_t errlen);
/*
 * Compile a device tree source file with dtc (Debian's device-tree-compiler)
 * into a blob for kmm_boot_params.dtb: 0, *blob malloc()ed; -EINVAL with
 * dtc's failure in err (dtc's own messages go to stderr).
 */
int kmm_dtc(const char *dts_path, void **blob, size_t *len, char *err, size_t errlen);
/* Tear the machine down and release all host memory. */
void kmm_shutdown(void);
/* Is a machine booted? */
bool kmm_booted(void);

/*
 * /proc views by their name under /proc: "zoneinfo", "meminfo", "buddyinfo",
 * "iomem", "stat", "sys/vm/min_free_kbytes", ..., and a task's "PID/maps",
 * "PID/smaps", "PID/stat", "PID/statm", "PID/status", "PID/cmdline",
 * "PID/oom_score", "PID/oom_score_adj", "PID/kmm/pagemap" (the PTEs in
 * words); NULL (errno set) if unknown, or EINVAL for a binary view.
 * The string is malloc()ed; free() it.
 */
char *kmm_proc_read(const char *path);
/*
 * pread(2) on a view: up to count bytes from offset off; the bytes read,
 * 0 at the end, or -errno.  The binary views are read this way only:
 * "kpageflags" and "kpagecount" (8 bytes per page frame, at pfn * 8) and
 * "PID/pagemap" (8 bytes per virtual page, at vaddr / 4096 * 8), with
 * offset and count multiples of 8 (-EINVAL otherwise), in Linux's format
 * (Documentation/admin-guide/mm/pagemap.rst).
 */
long kmm_proc_pread(const char *path, void *buf, size_t count, u64 off);
/*
 * Write a /proc/sys file, e.g. ("sys/vm/min_free_kbytes", "8192"), "PID/oom_score_adj",
 * or a memory cgroup's file ("sys/fs/cgroup/A/memory.max", "64M"; "sys/fs/cgroup/A/cgroup.procs",
 * a pid).  0 or -errno.
 */
int kmm_proc_write(const char *path, const char *value);
/*
 * cgroup v2's memory controller: make or remove the group at path under
 * sys/fs/cgroup ("A", "A/B"), as mkdir(2) and rmdir(2) there.  Its files
 * are views: "sys/fs/cgroup/A/memory.current", memory.max, memory.stat ...
 * 0 or -errno (-EEXIST, -ENOENT, -EBUSY while it has tasks or children).
 */
int kmm_cgroup_mkdir(const char *path);
int kmm_cgroup_rmdir(const char *path);
/* Every text view of the machine kmm has (not the PID ones, not the binary ones), NULL-terminated. */
const char *const *kmm_proc_paths(void);
/*
 * Write every view as a file under dir (made if missing): dir/zoneinfo,
 * dir/sys/vm/min_free_kbytes, ..., dir/kpageflags, and each of the given
 * tasks' directory dir/PID/ (maps, smaps, stat, pagemap ...), so that the
 * tree can stand in for /proc (bind-mounted over it) for ps, top, pmap and
 * vmstat.  0, or -errno with the file in err.
 */
int kmm_proc_dump(const char *dir, const int *pids, int npids, char *err, size_t errlen);
/* The kernel log (dmesg) since boot; owned by kmm. */
const char *kmm_dmesg(void);

/*
 * Simulated CPUs: a host thread enters CPU n (0 <= n < nr_cpus) before it
 * allocates through that CPU's per-CPU lists, and leaves it when done.  The
 * booting thread is on CPU 0.  -EINVAL, -EBUSY (already on a CPU).
 *
 * Threading rules.
 *  - A CPU holds one thread at a time.  kmm_cpu_enter() on a CPU another
 *    thread is on waits (it sleeps, holding nothing of kmm's) until that
 *    thread calls kmm_cpu_exit(); waiters are not served in any fixed order.
 *    So more host threads than simulated CPUs simply take turns, as tasks
 *    take turns on a real CPU: the scheduler is the program's loop.
 *  - A thread is on at most one CPU; entering a second one without leaving
 *    the first is -EBUSY, never a wait.
 *  - kmm never waits for another CPU: draining another CPU's page lists
 *    (drain_all_pages) is done at once if that CPU is idle and otherwise
 *    left as a request its own thread honours at its next allocation or
 *    kmm_cpu_exit().  Leaving a CPU gives its per-CPU pages back.
 *  - A thread on no CPU may still call everything: it takes the slow
 *    paths (the zone lists under zone->lock), as Linux does when the
 *    per-CPU lock cannot be had.  this_cpu_ptr() (kmm/percpu.h) needs a
 *    CPU: on none it warns and gives NULL.
 *  - Tasks do not belong to CPUs: any thread may run any task's calls
 *    (task_mmap, mm_access, stores through task_user_ptr); the task's
 *    mmap_lock orders them.
 *  - The only way to deadlock is the program's own: a thread that is on a
 *    CPU and waits for another thread (pthread_join, a barrier, a lock or
 *    condition of the program) that is itself waiting in kmm_cpu_enter()
 *    for that CPU.  Leave the CPU before waiting for anybody.
 *
 * Four tasks on two CPUs, each thread running one task in slices:
 *
 *	static void *run(void *arg)            (thread i of 4, task t[i])
 *	{
 *		for (int slice = 0; slice < n; slice++) {
 *			kmm_cpu_enter(i % 2);      waits while the other thread is on it
 *			task_memset(t[i], addr, i, len);   one slice of work
 *			kmm_cpu_exit();            the next thread takes the CPU
 *		}
 *		return NULL;
 *	}
 *	kmm_cpu_exit();                        the booting thread gives up CPU 0
 *	for (i = 0; i < 4; i++) pthread_create(&th[i], NULL, run, (void *)i);
 *	for (i = 0; i < 4; i++) pthread_join(th[i], NULL);   on no CPU: no deadlock
 *	kmm_cpu_enter(0);
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
/*
 * Run fn(arg); a kernel oops or a task's SIGSEGV inside makes it return
 * -EFAULT, a host-trap access to the memory of a task that SIGKILL killed
 * (an OOM victim) -EINTR (0 otherwise).
 */
int kmm_try(void (*fn)(void *), void *arg);

/*
 * The simulated clock: it moves when advanced (time passing idle: a woken
 * kswapd may use it all) and with the work of faults and reclaim, each
 * kind at a fixed cost (sim/clock.c); the work that runs on time (the
 * flusher's periodic writeback, kswapd's nap, swap writes completing) runs
 * as its moment passes.
 */
void kmm_clock_advance(u64 ns);
u64 kmm_clock_ns(void);

/* A picture of physical memory as SVG, a pixel per frame coloured by what it does (kmm map --svg). 0 or -errno. */
int kmm_map_svg(FILE *out);

/*
 * The picture of memory pressure over time (kmm run --plot): free pages of
 * each zone against its watermarks, the LRU lists, swap in use, and when
 * kswapd and direct reclaim ran, over the simulated clock.  The machine
 * samples itself at reclaim's events; kmm_plot_sample() adds a sample now
 * (the scenario takes one after each statement).  kmm_plot_svg() draws
 * everything sampled since boot, as SVG: 0 or -errno.
 */
void kmm_plot_sample(void);
int kmm_plot_svg(FILE *out);

/*
 * Checks (src/mm/debug.c).  kmm_verify() runs every validator - zones and
 * their counters, slab caches, vmap areas, the pkmap table, tasks, percpu chunks - and
 * returns 0, or -EINVAL with the first problem in why.
 * "Nothing lost": settle right after boot, and once everything taken has
 * been freed kmm_nothing_lost() finds the same free pages, slab objects, percpu bytes and
 * vmalloc areas (the live tasks' kernel stacks aside), and kmm_verify() passing.
 */
struct kmm_usage {
	unsigned long free_pages;   /* nr_free_pages() with the per-CPU lists drained */
	unsigned long slab_objects; /* objects in use in all slab caches */
	unsigned long percpu_bytes; /* bytes alloc_percpu'd, per CPU */
	unsigned long vmap_areas;   /* vmalloc areas in use, the live tasks' kernel stacks left out */
	unsigned long vmalloc_pages; /* and the pages they hold */
};
int kmm_verify(char *why, size_t whylen);
/* Give back what is only cached (pcp lists, empty slabs, unheld pkmaps, lazy vmap areas); measure. */
void kmm_usage_settle(struct kmm_usage *u);
int kmm_nothing_lost(const struct kmm_usage *boot, char *why, size_t whylen);

/* Parse a size with Linux's memparse() suffixes (K, M, G, T, P, E). */
u64 memparse(const char *s, char **end);

#endif /* KMM_KMM_H */
