/*
 * test_proc_tools.c - the process views as real tools read them.
 *
 * The "tools" tests boot a machine with tasks (an exec'd image, anonymous
 * and file memory, a forked child), write its /proc tree (kmm_proc_dump)
 * and run Debian's procps - ps, pmap -x, top -b -n1, vmstat - on it, bind-
 * mounted over /proc in a private mount namespace (unshare -m), as
 * cli.sh does for slabtop and free.  The tools look themselves up in
 * /proc (self, and their own pid), so the host's /proc is bind-mounted
 * beside the tree and linked from it: self -> HOST/self, and the tool's
 * own pid -> HOST/pid.  What the tools print must be kmm's numbers: the
 * RSS, VSZ and faults of each task, its parent, its command, pmap's line
 * per mapping, top's memory lines and task lines, vmstat's free, buff and
 * cache.
 *
 * The "pagemap" tests read PID/pagemap, kpageflags and kpagecount in
 * their binary format and check each entry against what kmm knows of the
 * page: its PTE, its frame, its mapcount, what the frame is used for.
 * The "views" tests check stat, statm, smaps, cmdline, oom_score and
 * /proc/stat, uptime and loadavg against the task's and the clock's state.
 */
#include "kmm_test.h"

#include <kmm/fs.h>
#include <kmm/slab.h>
#include <kmm/task.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(proc_tools, .fini = fini, .timeout = 120);

#define KB(pages) ((pages) << (PAGE_SHIFT - 10))

static unsigned long rss_pages(const struct task_struct *t)
{
	return t->mm->rss[MM_FILEPAGES] + t->mm->rss[MM_ANONPAGES] + t->mm->rss[MM_SHMEMPAGES];
}

/* ---- a machine with tasks, and the tools run on its tree ------------------------------------ */

struct machine {
	struct task_struct *parent, *child;
	unsigned long anon, file;   /* the parent's anonymous and file mappings */
	unsigned long anon_written; /* pages of anon the parent wrote */
	unsigned long file_read;    /* pages of the file it read */
	unsigned long child_written; /* pages of anon the child wrote after fork */
	char dir[64];               /* the temporary directory: dir/proc is the tree, dir/host the host's /proc */
};

/* The parent exec's /usr/bin/kmmsh, maps 2 MiB of anonymous memory and a 64 KiB file, touches some; then forks. */
static void machine_setup(struct machine *m, const char *profile)
{
	memset(m, 0, sizeof(*m));
	m->parent = boot_with_task(profile, "kmmsh", "/usr/bin/kmmsh", 0x40000, 0x10000, 0x8000);
	struct task_struct *t = m->parent;
	long a = task_mmap(t, 0, 2 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	m->anon = (unsigned long)a;
	m->anon_written = 100;
	cr_assert_eq(task_memset(t, m->anon, 0x5a, m->anon_written * PAGE_SIZE), 0);
	cr_assert_eq(kmm_file_create("/usr/lib/libkmm.so.1", NULL, 64 << 10), 0);
	int fd = task_open(t, "/usr/lib/libkmm.so.1", O_RDONLY);
	cr_assert_geq(fd, 0);
	long f = task_mmap(t, 0, 64 << 10, PROT_READ, MAP_PRIVATE, fd, 0);
	cr_assert_gt(f, 0);
	m->file = (unsigned long)f;
	m->file_read = 16; /* all of it: fault-around would map a partly read 64 KiB window whole anyway */
	static char buf[16 * 4096];
	cr_assert_eq(task_read(t, m->file, buf, m->file_read * PAGE_SIZE), 0);
	kmm_clock_advance(3000000000ULL); /* the child starts 3 s after boot: 300 ticks */
	m->child = task_fork(t);
	cr_assert_not_null(m->child);
	m->child_written = 10;
	cr_assert_eq(task_memset(m->child, m->anon, 1, m->child_written * PAGE_SIZE), 0);
}

static void machine_dump(struct machine *m)
{
	snprintf(m->dir, sizeof(m->dir), "/tmp/kmm-proc-tools-XXXXXX");
	cr_assert_not_null(mkdtemp(m->dir));
	char path[128], err[256];
	snprintf(path, sizeof(path), "%s/proc", m->dir);
	int pids[2] = { m->parent->pid, m->child->pid };
	cr_assert_eq(kmm_proc_dump(path, pids, 2, err, sizeof(err)), 0, "%s", err);
	snprintf(path, sizeof(path), "%s/host", m->dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	char link[128], target[128];
	snprintf(link, sizeof(link), "%s/proc/self", m->dir);
	snprintf(target, sizeof(target), "%s/host/self", m->dir);
	cr_assert_eq(symlink(target, link), 0);
}

static void machine_done(struct machine *m)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", m->dir);
	cr_assert_eq(system(cmd), 0);
	task_exit(m->child);
	task_exit(m->parent);
	assert_machine_sane();
}

/*
 * The tool's output (stdout and stderr), run with the tree over /proc in
 * a private mount namespace; the test fails with a clear message where
 * that cannot be had (no unshare, no procps, no right to mount).
 */
static char *run_tool(const struct machine *m, const char *tool)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
		 "unshare %s sh -c 'mount --bind /proc %s/host && mount --bind %s/proc /proc && "
		 "exec sh -c \"ln -s %s/host/\\$\\$ /proc/\\$\\$ && exec %s\"' 2>&1",
		 getuid() == 0 ? "-m" : "-r -m", m->dir, m->dir, m->dir, tool);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p, "cannot run %s", cmd);
	struct strbuf sb = { 0 };
	char line[1024];
	while (fgets(line, sizeof(line), p))
		sb_printf(&sb, "%s", line);
	int status = pclose(p);
	char *out = sb_detach(&sb);
	cr_assert_eq(status, 0,
		     "%s failed (it needs unshare, procps and the right to bind-mount in a private mount namespace):\n%s",
		     tool, out);
	return out;
}

/* The first line of text whose first field is word (after leading blanks); NULL if none. */
static const char *line_starting(const char *text, const char *word)
{
	size_t n = strlen(word);
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *s = l + strspn(l, " ");
		if (!strncmp(s, word, n) && (s[n] == ' ' || s[n] == '\n' || s[n] == '\t'))
			return s;
	}
	return NULL;
}

/* A field "Name:   N kB" of a meminfo text. */
static unsigned long meminfo_kb(const char *meminfo, const char *name)
{
	const char *l = line_starting(meminfo, name);
	cr_assert_not_null(l, "no %s in meminfo", name);
	return strtoul(l + strlen(name), NULL, 10);
}

static char *tree_file(const struct machine *m, const char *name)
{
	char path[160];
	snprintf(path, sizeof(path), "%s/proc/%s", m->dir, name);
	char *text = slurp(path);
	cr_assert_not_null(text, "the tree has no %s", name);
	return text;
}

/* ps prints each task's pid, parent, VSZ, RSS, faults, threads, nice, comm and command line as kmm counts them. */
static void check_ps(const char *profile)
{
	struct machine m;
	machine_setup(&m, profile);
	machine_dump(&m);
	char tool[256];
	snprintf(tool, sizeof(tool), "ps -p %d,%d -o pid=,ppid=,vsz=,rss=,maj_flt=,min_flt=,nlwp=,ni=,stat=,comm=,args=",
		 m.parent->pid, m.child->pid);
	char *out = run_tool(&m, tool);
	struct task_struct *tasks[2] = { m.parent, m.child };
	for (int i = 0; i < 2; i++) {
		char pid[16];
		snprintf(pid, sizeof(pid), "%d", tasks[i]->pid);
		const char *l = line_starting(out, pid);
		cr_assert_not_null(l, "ps has no line for %s:\n%s", pid, out);
		int p, pp, nlwp, ni;
		unsigned long vsz, rss, majf, minf;
		char stat[8], comm[32], args[64];
		cr_assert_eq(sscanf(l, "%d %d %lu %lu %lu %lu %d %d %7s %31s %63s", &p, &pp, &vsz, &rss, &majf, &minf, &nlwp,
				    &ni, stat, comm, args), 11, "%s", l);
		cr_assert_eq(pp, tasks[i]->ppid, "%s", l);
		cr_assert_eq(vsz, KB(tasks[i]->mm->total_vm), "%s", l);
		cr_assert_eq(rss, KB(rss_pages(tasks[i])), "%s", l);
		cr_assert_eq(minf, tasks[i]->min_flt, "%s", l);
		cr_assert_eq(majf, tasks[i]->maj_flt, "%s", l);
		cr_assert_eq(nlwp, 1);
		cr_assert_eq(ni, 0);
		cr_assert_str_eq(stat, "S");
		cr_assert_str_eq(comm, "kmmsh");
		cr_assert_str_eq(args, "/usr/bin/kmmsh");
	}
	/* the numbers are the workload's, not made up: 100 pages written, 8 read, the child's 10 copies */
	cr_assert_eq(m.parent->mm->rss[MM_ANONPAGES], m.anon_written);
	cr_assert_eq(m.parent->mm->rss[MM_FILEPAGES], m.file_read);
	cr_assert_eq(m.child->ppid, m.parent->pid);
	cr_assert_eq(m.parent->ppid, 0);
	free(out);
	machine_done(&m);
}
TEST_ON_EVERY_PROFILE(proc_tools, ps, check_ps)

/* pmap -x: a line per VMA with its size, RSS and dirty kB, then the totals. */
static void check_pmap(const char *profile)
{
	struct machine m;
	machine_setup(&m, profile);
	machine_dump(&m);
	char tool[64];
	snprintf(tool, sizeof(tool), "pmap -x %d", m.parent->pid);
	char *out = run_tool(&m, tool);
	struct mm_struct *mm = m.parent->mm;
	int lines = 0;
	const struct vm_area_struct *v;
	VMA_ITERATOR(vmi, mm, 0);
	for_each_vma(vmi, v) {
		char addr[32];
		snprintf(addr, sizeof(addr), "%016lx", v->vm_start); /* pmap prints the host's long */
		const char *l = line_starting(out, addr);
		cr_assert_not_null(l, "pmap has no line for %s:\n%s", addr, out);
		unsigned long kbytes, rss, dirty;
		char mode[8];
		cr_assert_eq(sscanf(l + strlen(addr), "%lu %lu %lu %7s", &kbytes, &rss, &dirty, mode), 4, "%s", l);
		cr_assert_eq(kbytes, (v->vm_end - v->vm_start) >> 10, "%s", l);
		unsigned long want_rss = 0, want_dirty = 0;
		if (v->vm_start == m.anon) {
			/* the parent's written pages, shared with the child but for the 10 it copied */
			want_rss = want_dirty = KB(m.anon_written);
			cr_assert_str_eq(mode, "rw---");
		} else if (v->vm_start == m.file) {
			want_rss = KB(m.file_read); /* read: clean page-cache pages */
			cr_assert_str_eq(mode, "r----");
			cr_assert_not_null(strstr(l, "libkmm.so.1"), "%s", l);
		}
		cr_assert_eq(rss, want_rss, "%s", l);
		cr_assert_eq(dirty, want_dirty, "%s", l);
		lines++;
	}
	cr_assert_eq(lines, mm->map_count);
	const char *total = line_starting(out, "total");
	cr_assert_not_null(total, "%s", out);
	unsigned long tk, tr, td;
	cr_assert_eq(sscanf(total, "total kB %lu %lu %lu", &tk, &tr, &td), 3, "%s", total);
	cr_assert_eq(tk, KB(mm->total_vm));
	cr_assert_eq(tr, KB(rss_pages(m.parent)));
	cr_assert_eq(td, KB(m.anon_written));
	free(out);
	machine_done(&m);
}
TEST_ON_EVERY_PROFILE(proc_tools, pmap, check_pmap)

/* top's memory lines are meminfo's, its task lines each task's VIRT, RES, SHR and command. */
static void check_top(const char *profile)
{
	struct machine m;
	machine_setup(&m, profile);
	machine_dump(&m);
	char tool[96];
	snprintf(tool, sizeof(tool), "top -b -n1 -E k -e k -p %d,%d", m.parent->pid, m.child->pid);
	char *out = run_tool(&m, tool);
	char *meminfo = tree_file(&m, "meminfo");
	const char *mem = strstr(out, "KiB Mem :");
	cr_assert_not_null(mem, "%s", out);
	double total, freek;
	cr_assert_eq(sscanf(mem, "KiB Mem : %lf total, %lf free", &total, &freek), 2, "%s", mem);
	cr_assert_eq((unsigned long)total, meminfo_kb(meminfo, "MemTotal:"));
	cr_assert_eq((unsigned long)freek, meminfo_kb(meminfo, "MemFree:"));
	const char *swap = strstr(out, "KiB Swap:");
	cr_assert_not_null(swap, "%s", out);
	double st, sf, su, avail;
	cr_assert_eq(sscanf(swap, "KiB Swap: %lf total, %lf free, %lf used. %lf avail Mem", &st, &sf, &su, &avail), 4, "%s", swap);
	cr_assert_eq(st + sf + su, 0, "no swap");
	cr_assert_eq((unsigned long)avail, meminfo_kb(meminfo, "MemAvailable:"));
	cr_assert_not_null(strstr(out, "Tasks:   2 total,   0 running,   2 sleeping"), "%s", out);
	struct task_struct *tasks[2] = { m.parent, m.child };
	for (int i = 0; i < 2; i++) {
		char pid[16];
		snprintf(pid, sizeof(pid), "%d", tasks[i]->pid);
		const char *l = line_starting(out, pid);
		cr_assert_not_null(l, "top has no line for %s:\n%s", pid, out);
		int p, pr, ni;
		char user[32], s[4], comm[32], cpu[16], pmem[16], time[32];
		unsigned long virt, res, shr;
		cr_assert_eq(sscanf(l, "%d %31s %d %d %lu %lu %lu %3s %15s %15s %31s %31s", &p, user, &pr, &ni, &virt, &res,
				    &shr, s, cpu, pmem, time, comm), 12, "%s", l);
		cr_assert_eq(pr, 20);
		cr_assert_eq(virt, KB(tasks[i]->mm->total_vm), "%s", l);
		cr_assert_eq(res, KB(rss_pages(tasks[i])), "%s", l);
		cr_assert_eq(shr, KB(tasks[i]->mm->rss[MM_FILEPAGES] + tasks[i]->mm->rss[MM_SHMEMPAGES]), "%s", l);
		cr_assert_str_eq(time, "0:00.00");
		cr_assert_str_eq(comm, "kmmsh");
	}
	free(meminfo);
	free(out);
	machine_done(&m);
}
TEST_ON_EVERY_PROFILE(proc_tools, top, check_top)

/* vmstat's memory columns are meminfo's (cache = Cached + SReclaimable), and the CPUs are idle. */
static void check_vmstat(const char *profile)
{
	struct machine m;
	machine_setup(&m, profile);
	machine_dump(&m);
	char *out = run_tool(&m, "vmstat");
	char *meminfo = tree_file(&m, "meminfo");
	const char *l = strstr(out, " id wa st\n");
	cr_assert_not_null(l, "%s", out);
	l += strlen(" id wa st\n");
	unsigned long v[17];
	cr_assert_eq(sscanf(l, "%lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu", &v[0], &v[1], &v[2],
			    &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10], &v[11], &v[12], &v[13], &v[14], &v[15],
			    &v[16]),
		     17, "%s", out);
	cr_assert_eq(v[2], 0, "no swap");
	cr_assert_eq(v[3], meminfo_kb(meminfo, "MemFree:"), "%s", out);
	cr_assert_eq(v[4], meminfo_kb(meminfo, "Buffers:"), "%s", out);
	cr_assert_eq(v[5], meminfo_kb(meminfo, "Cached:") + meminfo_kb(meminfo, "SReclaimable:"), "%s", out);
	cr_assert_gt(meminfo_kb(meminfo, "Cached:"), 0, "the file's pages are cached");
	cr_assert_eq(v[14], 100, "all idle: %s", out);
	free(meminfo);
	free(out);
	machine_done(&m);
}
TEST_ON_EVERY_PROFILE(proc_tools, vmstat, check_vmstat)

/* ---- pagemap, kpageflags, kpagecount --------------------------------------------------------- */

#define PM_PFRAME_MASK ((1ULL << 55) - 1)
#define PM_SOFT_DIRTY (1ULL << 55)
#define PM_MMAP_EXCLUSIVE (1ULL << 56)
#define PM_FILE (1ULL << 61)
#define PM_SWAP (1ULL << 62)
#define PM_PRESENT (1ULL << 63)
#define KPF(bit) (1ULL << (bit))
enum { KPF_SLAB = 7, KPF_BUDDY = 10, KPF_MMAP = 11, KPF_ANON = 12, KPF_NOPAGE = 20, KPF_ZERO_PAGE = 24,
       KPF_PGTABLE = 26, KPF_RESERVED = 32 };

static unsigned long long pagemap_entry(struct task_struct *t, unsigned long addr)
{
	char path[32];
	snprintf(path, sizeof(path), "%d/pagemap", t->pid);
	unsigned long long e = ~0ULL;
	cr_assert_eq(kmm_proc_pread(path, &e, 8, (unsigned long long)(addr / PAGE_SIZE) * 8), 8, "pagemap of %#lx", addr);
	return e;
}

static unsigned long long kpage(const char *file, unsigned long pfn)
{
	unsigned long long e = ~0ULL;
	cr_assert_eq(kmm_proc_pread(file, &e, 8, (unsigned long long)pfn * 8), 8, "%s of pfn %#lx", file, pfn);
	return e;
}

/* The PTE kmm holds for addr (0 if no table). */
static pteval_t pte_of(struct task_struct *t, unsigned long addr)
{
	unsigned long idx;
	phys_addr_t table = user_pte_table(t->mm->pgd, addr, false, &idx);
	return table ? pte_get(table, idx) : 0;
}

static void check_pagemap(const char *profile)
{
	ARM_NOT_YET(profile, "expects a PC's pfn 0 (BIOS); arm64 RAM starts at 1 GiB");
	struct task_struct *t = boot_with_task(profile, "pm", "/usr/bin/pm", 0x4000, 0x1000, 0);
	bool soft_dirty = M->prof->bits == 64; /* CONFIG_MEM_SOFT_DIRTY: Debian's amd64 only */
	unsigned long long sd = soft_dirty ? PM_SOFT_DIRTY : 0;
	long a = task_mmap(t, 0, 16 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	char c;
	cr_assert_eq(task_read(t, (unsigned long)a, &c, 1), 0);           /* page 0: the zero page */
	cr_assert_eq(task_write(t, (unsigned long)a + PAGE_SIZE, "x", 1), 0); /* page 1: its own anonymous page */
	cr_assert_eq(kmm_file_create("/data", NULL, 4 * PAGE_SIZE), 0);
	int fd = task_open(t, "/data", O_RDONLY);
	long f = task_mmap(t, 0, 4 * PAGE_SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
	cr_assert_gt(f, 0);
	cr_assert_eq(task_read(t, (unsigned long)f, &c, 1), 0);           /* a page-cache page */

	/* the zero page: present, its pfn, neither file nor exclusive (it is no "normal" page) */
	unsigned long long e = pagemap_entry(t, (unsigned long)a);
	cr_assert_eq(e, PM_PRESENT | sd | zero_pfn(), "%#llx", e);
	unsigned long long kf = kpage("kpageflags", zero_pfn());
	cr_assert(kf & KPF(KPF_ZERO_PAGE), "%#llx", kf);
	cr_assert(kf & KPF(KPF_RESERVED), "in the kernel's .bss: %#llx", kf);
	cr_assert_eq(kpage("kpagecount", zero_pfn()), 0);

	/* the written page: present, the PTE's frame, anonymous, mapped once */
	unsigned long pfn = PHYS_PFN(pte_of(t, (unsigned long)a + PAGE_SIZE) & PTE_PFN_MASK);
	e = pagemap_entry(t, (unsigned long)a + PAGE_SIZE);
	cr_assert_eq(e, PM_PRESENT | PM_MMAP_EXCLUSIVE | sd | pfn, "%#llx", e);
	kf = kpage("kpageflags", pfn);
	cr_assert(kf & KPF(KPF_MMAP) && kf & KPF(KPF_ANON), "%#llx", kf);
	cr_assert(!(kf & (KPF(KPF_BUDDY) | KPF(KPF_SLAB) | KPF(KPF_ZERO_PAGE))), "%#llx", kf);
	cr_assert_eq(kpage("kpagecount", pfn), 1);

	/* an untouched page of the VMA: no frame; soft-dirty where the build has it (VM_SOFTDIRTY) */
	cr_assert_eq(pagemap_entry(t, (unsigned long)a + 5 * PAGE_SIZE), sd);
	/* outside every VMA: 0 */
	cr_assert_eq(pagemap_entry(t, 0x10000), 0);

	/* the file's page: present, a file page, mapped once */
	unsigned long fpfn = PHYS_PFN(pte_of(t, (unsigned long)f) & PTE_PFN_MASK);
	e = pagemap_entry(t, (unsigned long)f);
	cr_assert_eq(e, PM_PRESENT | PM_FILE | PM_MMAP_EXCLUSIVE | sd | fpfn, "%#llx", e);
	kf = kpage("kpageflags", fpfn);
	cr_assert(kf & KPF(KPF_MMAP) && !(kf & KPF(KPF_ANON)), "%#llx", kf);

	/* after fork the page is the child's too: mapcount 2, no longer exclusive, in both */
	struct task_struct *child = task_fork(t);
	cr_assert_not_null(child);
	cr_assert_eq(kpage("kpagecount", pfn), 2);
	cr_assert_eq(pagemap_entry(t, (unsigned long)a + PAGE_SIZE), PM_PRESENT | sd | pfn);
	cr_assert_eq(pagemap_entry(child, (unsigned long)a + PAGE_SIZE), PM_PRESENT | sd | pfn);
	/* the child writes: its copy is its own, the parent's page is exclusive again */
	cr_assert_eq(task_write(child, (unsigned long)a + PAGE_SIZE, "y", 1), 0);
	unsigned long cpfn = PHYS_PFN(pte_of(child, (unsigned long)a + PAGE_SIZE) & PTE_PFN_MASK);
	cr_assert_neq(cpfn, pfn);
	cr_assert_eq(pagemap_entry(child, (unsigned long)a + PAGE_SIZE), PM_PRESENT | PM_MMAP_EXCLUSIVE | sd | cpfn);
	cr_assert_eq(kpage("kpagecount", pfn), 1);

	/* a page-table page, a slab page, a free block, a reserved frame */
	unsigned long idx;
	unsigned long tpfn = PHYS_PFN(user_pte_table(t->mm->pgd, (unsigned long)a, false, &idx));
	cr_assert(kpage("kpageflags", tpfn) & KPF(KPF_PGTABLE));
	cr_assert_eq(kpage("kpagecount", tpfn), 0);
	void *obj = kmalloc(64, GFP_KERNEL);
	unsigned long spfn = page_to_pfn(virt_to_page(obj));
	cr_assert(kpage("kpageflags", spfn) & KPF(KPF_SLAB));
	cr_assert_eq(kpage("kpagecount", spfn), 0);
	kfree(obj);
	struct page *block = alloc_pages(GFP_KERNEL, 5);
	cr_assert_not_null(block);
	unsigned long bpfn = page_to_pfn(block);
	cr_assert(!(kpage("kpageflags", bpfn + 3) & KPF(KPF_BUDDY)), "allocated");
	__free_pages(block, 5); /* order 5 skips the pcp lists: back in the buddy lists at once */
	cr_assert(kpage("kpageflags", bpfn) & KPF(KPF_BUDDY), "the block's first page, free (maybe merged)");
	cr_assert(kpage("kpageflags", bpfn + 3) & KPF(KPF_BUDDY), "a page inside the free block");
	cr_assert_eq(kpage("kpagecount", bpfn + 3), 0);
	cr_assert(kpage("kpageflags", 0) & KPF(KPF_RESERVED), "pfn 0: the BIOS's");

	/* Linux's answers to bad reads: unaligned -EINVAL, past the end 0, text-only readers refused */
	unsigned long long buf[2];
	char path[32];
	snprintf(path, sizeof(path), "%d/pagemap", t->pid);
	cr_assert_eq(kmm_proc_pread(path, buf, 8, 4), -EINVAL);
	cr_assert_eq(kmm_proc_pread(path, buf, 12, 8), -EINVAL);
	cr_assert_eq(kmm_proc_pread(path, buf, 8, (unsigned long long)(t->mm->task_size / PAGE_SIZE) * 8), 0);
	cr_assert_eq(kmm_proc_pread("kpageflags", buf, 7, 0), -EINVAL);
	cr_assert_eq(kmm_proc_pread("kpageflags", NULL, 8, 0), -EFAULT);
	cr_assert_eq(kmm_proc_pread("kpageflagz", buf, 8, 0), -ENOENT);
	cr_assert_eq(kmm_proc_pread("1/pagemapp", buf, 8, 0), -ENOENT);
	unsigned long long end = (unsigned long long)M->max_pfn * 8;
	if (!M->prof->flatmem)
		end = (unsigned long long)ALIGN(M->max_pfn, 1UL << (M->prof->section_size_bits - PAGE_SHIFT)) * 8;
	cr_assert_eq(kmm_proc_pread("kpagecount", buf, 16, end - 8), 8, "the last entry, no more");
	cr_assert_eq(kmm_proc_pread("kpagecount", buf, 8, end), 0);
	errno = 0;
	cr_assert_null(kmm_proc_read("kpageflags"));
	cr_assert_eq(errno, EINVAL);
	cr_assert_null(kmm_proc_read(path));
	cr_assert_eq(errno, EINVAL);
	/* the text dump keeps kmm's own name */
	snprintf(path, sizeof(path), "%d/kmm/pagemap", t->pid);
	char *text = kmm_proc_read(path);
	cr_assert_not_null(text);
	cr_assert_not_null(strstr(text, "zero-page"), "%s", text);
	free(text);
	task_exit(child);
	task_exit(t);
	assert_machine_sane();
}
TEST_ON_EVERY_PROFILE(proc_tools, pagemap, check_pagemap)

/* Every frame of a whole dump agrees with its struct page: free pages are buddy, mapped ones mapcounted. */
static void check_kpageflags_whole(const char *profile)
{
	struct task_struct *t = boot_with_task(profile, "pm", "/usr/bin/pm", 0x4000, 0x1000, 0);
	long a = task_mmap(t, 0, 64 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_eq(task_memset(t, (unsigned long)a, 1, 64 * PAGE_SIZE), 0);
	unsigned long n = M->max_pfn, buddy = 0, mapped = 0;
	unsigned long long *flags = malloc(n * 8), *count = malloc(n * 8);
	cr_assert_eq(kmm_proc_pread("kpageflags", flags, n * 8, 0), (long)(n * 8));
	cr_assert_eq(kmm_proc_pread("kpagecount", count, n * 8, 0), (long)(n * 8));
	for (unsigned long pfn = 0; pfn < n; pfn++) {
		if (!pfn_valid(pfn)) {
			cr_assert_eq(flags[pfn], KPF(KPF_NOPAGE));
			continue;
		}
		buddy += !!(flags[pfn] & KPF(KPF_BUDDY));
		if (flags[pfn] & KPF(KPF_MMAP)) {
			mapped++;
			cr_assert_eq(count[pfn], (unsigned long long)page_mapcount(pfn_to_page(pfn)));
		}
	}
	/* every free page, but those on the per-CPU lists, is inside a free buddy block */
	drain_local_pages(NULL);
	cr_assert_eq(kmm_proc_pread("kpageflags", flags, n * 8, 0), (long)(n * 8));
	buddy = 0;
	for (unsigned long pfn = 0; pfn < n; pfn++)
		buddy += pfn_valid(pfn) && (flags[pfn] & KPF(KPF_BUDDY));
	cr_assert_eq(buddy, nr_free_pages(), "buddy frames %lu, free pages %lu", buddy, nr_free_pages());
	cr_assert_eq(mapped, rss_pages(t), "the task's 64 pages are all the mapped ones");
	free(flags);
	free(count);
	task_exit(t);
	assert_machine_sane();
}
TEST_ON_EVERY_PROFILE(proc_tools, kpageflags_whole, check_kpageflags_whole)

/* ---- stat, statm, smaps, cmdline, oom_score; /proc/stat, uptime, loadavg -------------------- */

static char *pid_view(const struct task_struct *t, const char *view)
{
	char path[48];
	snprintf(path, sizeof(path), "%d/%s", t->pid, view);
	char *text = kmm_proc_read(path);
	cr_assert_not_null(text, "no %s", path);
	return text;
}

/* The n-th field (1-based) of a /proc/PID/stat line, after the command in parentheses. */
static unsigned long long stat_field(const char *stat, int n)
{
	const char *p = strrchr(stat, ')');
	cr_assert_not_null(p);
	p += 2; /* field 3 */
	for (int i = 3; i < n; i++) {
		p = strchr(p, ' ');
		cr_assert_not_null(p, "no field %d in %s", n, stat);
		p++;
	}
	return strtoull(p, NULL, 10);
}

static void check_views(const char *profile)
{
	struct machine m;
	machine_setup(&m, profile);
	struct task_struct *t = m.parent, *c = m.child;
	/* stat: 52 fields, each from the task */
	char *st = pid_view(c, "stat");
	int fields = 0;
	for (const char *p = strrchr(st, ')') + 1; *p; p++)
		fields += *p == ' ';
	cr_assert_eq(fields + 2, 52, "%s", st);
	char head[64];
	snprintf(head, sizeof(head), "%d (kmmsh) S %d ", c->pid, t->pid);
	cr_assert_eq(strncmp(st, head, strlen(head)), 0, "%s", st);
	cr_assert_eq(stat_field(st, 9), PF_FORKNOEXEC, "forked, no exec since");
	cr_assert_eq(stat_field(st, 10), c->min_flt);
	cr_assert_eq(stat_field(st, 10), m.child_written, "the child's copy-on-write faults");
	cr_assert_eq(stat_field(st, 22), 300, "started 3 s after boot, in USER_HZ ticks");
	cr_assert_eq(stat_field(st, 23), (unsigned long long)c->mm->total_vm * PAGE_SIZE);
	cr_assert_eq(stat_field(st, 24), rss_pages(c));
	cr_assert_eq(stat_field(st, 25), M->prof->bits == 32 ? 0xffffffffULL : ~0ULL, "RLIMIT_RSS unlimited");
	cr_assert_eq(stat_field(st, 26), c->mm->start_code);
	cr_assert_eq(stat_field(st, 28), c->mm->start_stack);
	cr_assert_eq(stat_field(st, 38), 17, "exit_signal SIGCHLD");
	cr_assert_eq(stat_field(st, 47), c->mm->start_brk);
	free(st);
	st = pid_view(t, "stat");
	cr_assert_eq(stat_field(st, 4), 0, "no parent");
	cr_assert_eq(stat_field(st, 9), 0, "exec'd");
	cr_assert_eq(stat_field(st, 22), 0, "made at boot");
	free(st);

	/* statm, in pages */
	char *sm = pid_view(t, "statm");
	unsigned long size, res, shared, text, lib, data, dt;
	cr_assert_eq(sscanf(sm, "%lu %lu %lu %lu %lu %lu %lu", &size, &res, &shared, &text, &lib, &data, &dt), 7);
	cr_assert_eq(size, t->mm->total_vm);
	cr_assert_eq(res, rss_pages(t));
	cr_assert_eq(shared, m.file_read);
	cr_assert_eq(text, 0x40000 / PAGE_SIZE);
	cr_assert_eq(data, t->mm->data_vm + t->mm->stack_vm);
	cr_assert_eq(lib + dt, 0);
	free(sm);

	/* smaps: a block per VMA in 6.1's order; its Size and Rss add up to VmSize and the rollup's Rss */
	char *smaps = pid_view(t, "smaps"), *rollup = pid_view(t, "smaps_rollup");
	static const char *const order[] = { "Size:", "KernelPageSize:", "MMUPageSize:", "Rss:", "Pss:", "Pss_Dirty:",
					     "Shared_Clean:", "Shared_Dirty:", "Private_Clean:", "Private_Dirty:",
					     "Referenced:", "Anonymous:", "LazyFree:", "AnonHugePages:", "ShmemPmdMapped:",
					     "FilePmdMapped:", "Shared_Hugetlb:", "Private_Hugetlb:", "Swap:", "SwapPss:",
					     "Locked:", "THPeligible:", "VmFlags:" };
	unsigned long sizes = 0, rss = 0, anon = 0, blocks = 0;
	for (const char *p = smaps; p && *p;) {
		if (strncmp(p, "Size:", 5)) { /* the VMA's maps line */
			p = strchr(p, '\n') + 1;
			continue;
		}
		for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
			cr_assert_eq(strncmp(p, order[i], strlen(order[i])), 0, "expected %s at %.40s", order[i], p);
			unsigned long v = strtoul(p + strlen(order[i]), NULL, 10);
			if (i == 0)
				sizes += v;
			if (i == 3)
				rss += v;
			if (i == 11)
				anon += v;
			p = strchr(p, '\n') + 1;
		}
		blocks++;
	}
	cr_assert_eq(blocks, (unsigned long)t->mm->map_count);
	cr_assert_eq(sizes, KB(t->mm->total_vm));
	cr_assert_eq(rss, KB(rss_pages(t)));
	cr_assert_eq(rss, strtoul(strstr(rollup, "Rss:") + 4, NULL, 10));
	cr_assert_eq(anon, KB(t->mm->rss[MM_ANONPAGES]));
	cr_assert_not_null(strstr(smaps, M->prof->bits == 64 ? "VmFlags: rd wr mr mw me ac sd \n" : "VmFlags: rd wr mr mw me ac \n"),
			   "the anonymous mapping's flags:\n%s", smaps);
	free(smaps);
	free(rollup);

	/* cmdline: exec's path and its NUL; the child's is the same */
	char cmd[64];
	cr_assert_eq(kmm_proc_pread("1/cmdline", cmd, sizeof(cmd), 0), (long)sizeof("/usr/bin/kmmsh"));
	cr_assert_eq(memcmp(cmd, "/usr/bin/kmmsh", sizeof("/usr/bin/kmmsh")), 0);
	char *cl = pid_view(c, "cmdline");
	cr_assert_str_eq(cl, "/usr/bin/kmmsh");
	free(cl);

	/* oom_score: init (pid 1) never, the child by its pages; oom_score_adj moves it, -1000 stops it */
	char *os = pid_view(t, "oom_score");
	cr_assert_str_eq(os, "0\n");
	free(os);
	os = pid_view(c, "oom_score");
	unsigned long pts = rss_pages(c) + user_pgtable_pages(c->mm->pgd);
	cr_assert_eq(strtoul(os, NULL, 10), (1000 + pts * 1000 / M->totalram_pages) * 2 / 3);
	free(os);
	char path[48];
	snprintf(path, sizeof(path), "%d/oom_score_adj", c->pid);
	cr_assert_eq(kmm_proc_write(path, "500\n"), 0);
	os = pid_view(c, "oom_score_adj");
	cr_assert_str_eq(os, "500\n");
	free(os);
	os = pid_view(c, "oom_score");
	long adj = 500 * (long)(M->totalram_pages / 1000);
	cr_assert_eq(strtoul(os, NULL, 10), (unsigned long)((1000 + ((long)pts + adj) * 1000 / M->totalram_pages) * 2 / 3));
	free(os);
	cr_assert_eq(kmm_proc_write(path, "1001"), -EINVAL);
	cr_assert_eq(kmm_proc_write(path, "-1001"), -EINVAL);
	cr_assert_eq(kmm_proc_write(path, "lots"), -EINVAL);
	os = pid_view(c, "oom_score_adj");
	cr_assert_str_eq(os, "500\n", "a refused write changes nothing");
	free(os);
	cr_assert_eq(kmm_proc_write(path, "-1000"), 0);
	os = pid_view(c, "oom_score");
	cr_assert_str_eq(os, "0\n");
	free(os);
	struct task_struct *gc = task_fork(c);
	cr_assert_eq(gc->oom_score_adj, -1000, "fork copies it");
	task_exit(gc); /* a third task made since boot, gone again */
	cr_assert_eq(kmm_proc_write("999/oom_score_adj", "0"), -ENOENT);
	cr_assert_eq(kmm_proc_write("1/stat", "0"), -EACCES);

	/* /proc/stat and uptime: the clock (3 s) as idle time on each CPU; the tasks made since boot */
	char *stat = kmm_proc_read("stat");
	char want[128];
	snprintf(want, sizeof(want), "cpu  0 0 0 %d 0 0 0 0 0 0\ncpu0 0 0 0 300 0 0 0 0 0 0\nintr 0\n", 300 * M->nr_cpus);
	cr_assert_eq(strncmp(stat, want, strlen(want)), 0, "%s", stat);
	cr_assert_not_null(strstr(stat, "\nbtime 0\nprocesses 3\nprocs_running 1\nprocs_blocked 0\n"), "%s", stat);
	free(stat);
	char *up = kmm_proc_read("uptime");
	cr_assert_str_eq(up, "3.00 3.00\n");
	free(up);
	char *la = kmm_proc_read("loadavg");
	cr_assert_str_eq(la, "0.00 0.00 0.00 1/2 3\n");
	free(la);
	task_exit(m.child);
	task_exit(m.parent);
	assert_machine_sane();
}
TEST_ON_EVERY_PROFILE(proc_tools, views, check_views)

/* Every CPU has its cpuN line and its idle share; a view of a task that exited is gone. */
Test(proc_tools, cpus_and_exited_tasks)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.nr_cpus = 4;
	p.mem_bytes = 1ULL << 30;
	boot_or_fail(&p);
	kmm_clock_advance(1234567890ULL);
	char *stat = kmm_proc_read("stat");
	cr_assert_not_null(strstr(stat, "cpu  0 0 0 493 0"), "4 CPUs idle for 1.23456789 s each: %s", stat);
	cr_assert_not_null(strstr(stat, "\ncpu3 0 0 0 123 0 0 0 0 0 0\n"), "%s", stat);
	cr_assert_null(strstr(stat, "cpu4"));
	free(stat);
	char *up = kmm_proc_read("uptime");
	cr_assert_str_eq(up, "1.23 4.93\n");
	free(up);
	char *ci = kmm_proc_read("cpuinfo");
	cr_assert_str_eq(ci, "processor\t: 0\n\nprocessor\t: 1\n\nprocessor\t: 2\n\nprocessor\t: 3\n\n");
	free(ci);
	struct task_struct *t = task_create("gone", 0);
	int pid = t->pid;
	char path[32];
	snprintf(path, sizeof(path), "%d/stat", pid);
	char *s = kmm_proc_read(path);
	cr_assert_not_null(s);
	free(s);
	task_exit(t);
	errno = 0;
	cr_assert_null(kmm_proc_read(path));
	cr_assert_eq(errno, ENOENT);
	char buf[8];
	snprintf(path, sizeof(path), "%d/pagemap", pid);
	cr_assert_eq(kmm_proc_pread(path, buf, 8, 0), -ENOENT);
	assert_machine_sane();
}

/* The smaps block (from its maps line to VmFlags) of the VMA holding addr, as its own string. */
static char *smaps_block(struct task_struct *t, unsigned long addr)
{
	char *smaps = pid_view(t, "smaps"), head[32];
	unsigned long start = find_vma(t->mm, addr)->vm_start;
	snprintf(head, sizeof(head), "%08lx-", start);
	const char *b = strstr(smaps, head);
	cr_assert_not_null(b, "no VMA at %#lx:\n%s", start, smaps);
	const char *e = strstr(b, "VmFlags:");
	char *block = strndup(b, (size_t)(strchr(e, '\n') + 1 - b));
	free(smaps);
	return block;
}

/*
 * THPeligible: an anonymous VMA that holds an aligned huge page (8 MiB
 * always holds one of 2 or 4 MiB) is; a small one, a file mapping and a
 * shared (shmem) one are not - Debian's THP is enabled=always, shmem
 * huge=never, and it has no READ_ONLY_THP_FOR_FS.
 */
static void check_thp_eligible(const char *profile)
{
	if (!strcmp(profile, "arm"))
		cr_skip_test("Debian's armmp is built without TRANSPARENT_HUGEPAGE (its LPAE build has it)");
	struct task_struct *t = boot_with_task(profile, "thp", "/usr/bin/thp", 0x4000, 0x1000, 0);
	long big = task_mmap(t, 0, 8 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long small = task_mmap(t, 0, 64 << 10, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); /* not merged with big */
	long shared = task_mmap(t, 0, 8 << 20, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert_eq(kmm_file_create("/big", NULL, 8 << 20), 0);
	int fd = task_open(t, "/big", O_RDONLY);
	long file = task_mmap(t, 0, 8 << 20, PROT_READ, MAP_PRIVATE, fd, 0);
	cr_assert(big > 0 && small > 0 && shared > 0 && file > 0);
	const struct { long at; const char *want; } cases[] = {
		{ big, "THPeligible:    1\n" }, { small, "THPeligible:    0\n" },
		{ shared, "THPeligible:    0\n" }, { file, "THPeligible:    0\n" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *b = smaps_block(t, (unsigned long)cases[i].at);
		cr_assert_not_null(strstr(b, cases[i].want), "%s", b);
		free(b);
	}
	char *b = smaps_block(t, (unsigned long)shared);
	cr_assert_not_null(strstr(b, M->prof->bits == 64 ? "VmFlags: rd wr sh mr mw me ms sd \n" : "VmFlags: rd wr sh mr mw me ms \n"),
			   "%s", b);
	free(b);
	task_exit(t);
	assert_machine_sane();
}
TEST_ON_EVERY_PROFILE(proc_tools, thp_eligible, check_thp_eligible)

/*
 * The views read while another CPU changes what they show: CPU 0 maps,
 * faults, forks and unmaps in a loop, CPU 1 reads the tasks' stat, statm,
 * smaps, pagemap, and kpageflags, /proc/stat and loadavg meanwhile.  Each
 * view holds what it walks (the task, its mm and mmap_lock, zone->lock),
 * so nothing is freed under a reader and the machine stays sane.
 */
static struct task_struct *churn_task;
static int churn_done;

static void *churn_or_read(void *arg)
{
	int cpu = (int)(long)arg;
	cr_assert_eq(kmm_cpu_enter(cpu), 0);
	if (cpu == 0) {
		struct task_struct *t = task_create("churn", 1000);
		cr_assert_not_null(t);
		__atomic_store_n(&churn_task, t, __ATOMIC_RELEASE);
		for (int i = 0; i < 200; i++) {
			long a = task_mmap(t, 0, 64 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			cr_assert_gt(a, 0);
			cr_assert_eq(task_memset(t, (unsigned long)a, i, 64 * PAGE_SIZE), 0);
			struct task_struct *c = task_fork(t);
			cr_assert_not_null(c);
			cr_assert_eq(task_memset(c, (unsigned long)a, 1, 8 * PAGE_SIZE), 0);
			task_exit(c);
			cr_assert_eq(task_munmap(t, (unsigned long)a, 64 * PAGE_SIZE), 0);
		}
		__atomic_store_n(&churn_done, 1, __ATOMIC_RELEASE);
	} else {
		struct task_struct *t;
		while (!(t = __atomic_load_n(&churn_task, __ATOMIC_ACQUIRE)))
			sched_yield();
		static const char *const views[] = { "stat", "statm", "smaps", "smaps_rollup", "status", "oom_score" };
		unsigned long long *buf = malloc(4096 * 8);
		for (unsigned n = 0; !__atomic_load_n(&churn_done, __ATOMIC_ACQUIRE); n++) {
			char path[48];
			int pid = t->pid + (int)(n % 3); /* the parent, and children that come and go */
			snprintf(path, sizeof(path), "%d/%s", pid, views[n % ARRAY_SIZE(views)]);
			free(kmm_proc_read(path));
			snprintf(path, sizeof(path), "%d/pagemap", pid);
			/* the 4096 pages below mmap_base, where the mappings come and go */
			long r = kmm_proc_pread(path, buf, 4096 * 8, (unsigned long long)(t->mm->mmap_base / PAGE_SIZE - 4096) * 8);
			cr_assert(r == 4096 * 8 || r == -ENOENT || r == 0, "pagemap read %ld", r);
			cr_assert_eq(kmm_proc_pread("kpageflags", buf, 4096 * 8, (unsigned long long)(n % 31) * 4096 * 8), 4096 * 8);
			free(kmm_proc_read(n & 1 ? "stat" : "loadavg"));
		}
		free(buf);
	}
	kmm_cpu_exit();
	return NULL;
}

Test(proc_tools, read_while_another_cpu_faults)
{
	churn_task = NULL;
	churn_done = 0;
	run_on_cpus(2, 512ULL << 20, churn_or_read, NULL);
	char *s = kmm_proc_read("stat");
	cr_assert_not_null(strstr(s, "\nprocesses 201\n"), "the task and its 200 children: %s", s);
	free(s);
	task_exit(churn_task);
	assert_machine_sane();
}

/* ---- /proc/PID/status ------------------------------------------------------------------- */

/* Every line 6.1 prints, in its order (fs/proc/array.c, task_mmu.c's task_mem). */
static const char *const status_fields[] = {
	"Name", "Umask", "State", "Tgid", "Ngid", "Pid", "PPid", "TracerPid", "Uid", "Gid", "FDSize", "Groups",
	"NStgid", "NSpid", "NSpgid", "NSsid", "VmPeak", "VmSize", "VmLck", "VmPin", "VmHWM", "VmRSS", "RssAnon",
	"RssFile", "RssShmem", "VmData", "VmStk", "VmExe", "VmLib", "VmPTE", "VmSwap", "HugetlbPages",
	"CoreDumping", "THP_enabled", "Threads", "SigQ", "SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt",
	"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", "Seccomp_filters",
	"Speculation_Store_Bypass", "SpeculationIndirectBranch", "Cpus_allowed", "Cpus_allowed_list",
	"Mems_allowed", "Mems_allowed_list", "voluntary_ctxt_switches", "nonvoluntary_ctxt_switches",
};

static char *status_of(const struct task_struct *t)
{
	char path[32];
	snprintf(path, sizeof(path), "%d/status", t->pid);
	char *s = kmm_proc_read(path);
	cr_assert_not_null(s);
	return s;
}

/* The value after "Field:\t" up to the end of its line, in buf. */
static const char *status_value(const char *s, const char *field, char *buf, size_t len)
{
	char key[48];
	snprintf(key, sizeof(key), "\n%s:\t", field);
	const char *p = strncmp(s, key + 1, strlen(key + 1)) ? strstr(s, key) : s - 1;
	cr_assert_not_null(p, "no %s line", field);
	p += strlen(key);
	size_t n = strcspn(p, "\n");
	snprintf(buf, len, "%.*s", (int)n, p);
	return buf;
}

static void check_status(const char *profile, int cpus, const char *mems)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 1ULL << 30;
	p.nr_cpus = cpus;
	boot_or_fail(&p);
	struct task_struct *parent = task_create("init", 0), *user = task_create("user", 1000);
	struct task_struct *child = task_fork(parent);
	cr_assert_not_null(child);
	char *s = status_of(child);
	/* every field, once, in 6.1's order */
	const char *at = s;
	for (size_t i = 0; i < ARRAY_SIZE(status_fields); i++) {
		char key[48];
		snprintf(key, sizeof(key), "%s%s:\t", i ? "\n" : "", status_fields[i]);
		const char *f = strstr(at, key);
		cr_assert_not_null(f, "%s: %s missing or out of order:\n%s", profile, status_fields[i], s);
		at = f + 1;
	}
	char v[400], want[400];
	snprintf(want, sizeof(want), "%d", parent->pid);
	cr_expect_str_eq(status_value(s, "PPid", v, sizeof(v)), want);
	cr_expect_str_eq(status_value(s, "Groups", v, sizeof(v)), " ");
	cr_expect_str_eq(status_value(s, "FDSize", v, sizeof(v)), strcmp(profile, "x86_64") ? "32" : "64");
	cr_expect_str_eq(status_value(s, "CapEff", v, sizeof(v)), "000001ffffffffff");
	snprintf(want, sizeof(want), "%x", (1u << cpus) - 1);
	cr_expect_str_eq(status_value(s, "Cpus_allowed", v, sizeof(v)), want);
	snprintf(want, sizeof(want), cpus == 1 ? "0" : "0-%d", cpus - 1);
	cr_expect_str_eq(status_value(s, "Cpus_allowed_list", v, sizeof(v)), want);
	cr_expect_str_eq(status_value(s, "Mems_allowed", v, sizeof(v)), mems);
	/* SigQ: queued / half of threads-max (totalram * PAGE_SIZE / (THREAD_SIZE * 8)) */
	unsigned long threads = (unsigned long)M->max_threads;
	cr_expect_gt(threads, 20);
	snprintf(want, sizeof(want), "0/%lu", threads / 2);
	cr_expect_str_eq(status_value(s, "SigQ", v, sizeof(v)), want);
	free(s);
	/* a queued signal shows in SigPnd, SigQ counts the queued siginfo */
	cr_assert_eq(send_sig_info(10 /* SIGUSR1 */, NULL, child), 0);
	s = status_of(child);
	cr_expect_str_eq(status_value(s, "SigPnd", v, sizeof(v)), "0000000000000200");
	snprintf(want, sizeof(want), "1/%lu", threads / 2);
	cr_expect_str_eq(status_value(s, "SigQ", v, sizeof(v)), want);
	free(s);
	/* a user has no capabilities but the bounding set */
	s = status_of(user);
	cr_expect_str_eq(status_value(s, "Uid", v, sizeof(v)), "1000\t1000\t1000\t1000");
	cr_expect_str_eq(status_value(s, "CapPrm", v, sizeof(v)), "0000000000000000");
	cr_expect_str_eq(status_value(s, "CapBnd", v, sizeof(v)), "000001ffffffffff");
	free(s);
	task_exit(child);
	task_exit(user);
	task_exit(parent);
	assert_machine_sane();
}

Test(proc_tools, status_i386)
{
	check_status("i386", 1, "1");
}

Test(proc_tools, status_x86_64)
{
	/* MAX_NUMNODES = 1 << CONFIG_NODES_SHIFT (10): 32 groups of 32 bits */
	char mems[400] = "";
	for (int g = 0; g < 31; g++)
		strcat(mems, "00000000,");
	strcat(mems, "00000001");
	check_status("x86_64", 3, mems);
}

/* threads-max as a real 6.1 kernel computed it: 1 GiB x86_64, 2 CPUs, a 1 MiB initramfs -> SigQ 0/3806 */
Test(proc_tools, sigpending_limit_as_linux)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "x86_64";
	p.mem_bytes = 1ULL << 30;
	p.nr_cpus = 2;
	p.initrd_bytes = 1067770; /* the capture's initramfs */
	boot_or_fail(&p);
	struct task_struct *t = task_create("init", 0);
	char *s = status_of(t), v[64];
	cr_expect_str_eq(status_value(s, "SigQ", v, sizeof(v)), "0/3806");
	free(s);
	task_exit(t);
	assert_machine_sane();
}
