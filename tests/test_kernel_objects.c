/*
 * test_kernel_objects.c - the kernel objects of processes and files in
 * their Linux caches (kernel/fork.c, mm/mmap.c, mm/rmap.c, mm/filemap.c).
 *
 * Per profile: the caches exist with 6.1's sizes and merge as 6.1's do;
 * fork, exec, exit, mmap, munmap, mprotect, open and close change exactly
 * the object counts Linux's would; the kernel stack follows the task in
 * KernelStack and nr_kernel_stack; a failure of each of these allocations
 * (failslab, the n-th call) gives Linux's error and loses nothing; what
 * kmm writes into the objects is Linux's fields, kernel addresses for
 * pointers; and after fork the anon_vma_chains lead from an anonymous page
 * to every PTE that maps it.  Every test ends with "nothing lost" against
 * the usage right after boot.
 */
#include "kmm_test.h"

#include <kmm/fs.h>
#include <kmm/slab.h>
#include <kmm/task.h>
#include <kmm/vmalloc.h>

#include "kernel/kobj.h"
#include "mm/slab.h"

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(kobj, .fini = fini, .timeout = 120);

static struct kmm_usage at_boot;

static void boot_profile(const char *profile)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 1ULL << 30;
	boot_or_fail(&p);
	kmm_usage_settle(&at_boot);
}

static void assert_nothing_lost(const char *what)
{
	assert_nothing_lost_since(&at_boot, what);
}

/* Objects in use of every kind, by kind (a merged kind counts its whole cache). */
struct counts {
	long n[NR_KOBJ];
	bool had[NR_KOBJ]; /* the kind's cache existed (the store's ext4 ones: after its mount) */
};

static struct counts count_now(void)
{
	struct counts c;
	for (int k = 0; k < NR_KOBJ; k++) { /* the store's ext4 caches: none before its mount */
		struct kmem_cache *s = kobj_cache((enum kobj_kind)k);
		c.n[k] = s ? kmem_cache_objects_in_use(kmem_cache_name(s)) : 0;
		c.had[k] = s != NULL;
	}
	return c;
}

/*
 * now - before equals want (by kind) for every cache: kinds that share a
 * cache through merging add up.
 */
static void assert_delta(const struct counts *before, const long want[NR_KOBJ], const char *what)
{
	struct counts now = count_now();
	for (int k = 0; k < NR_KOBJ; k++) {
		long expect = 0;
		if (!before->had[k] && !want[k])
			continue; /* made since, and perhaps merged into a cache that was there: its count is that cache's */
		for (int j = 0; j < NR_KOBJ; j++)
			if (kobj_cache((enum kobj_kind)j) == kobj_cache((enum kobj_kind)k))
				expect += want[j];
		if (M->pgd_cache && kobj_cache((enum kobj_kind)k) == M->pgd_cache)
			expect += want[KOBJ_MM]; /* PAE: each mm's page directory, merged with this kind's objects */
		cr_assert_eq(now.n[k] - before->n[k], expect, "%s: %s changed by %ld objects, expected %ld", what,
			     kmem_cache_name(kobj_cache((enum kobj_kind)k)), now.n[k] - before->n[k], expect);
	}
}

/* The value of a "Name:  N kB" line of meminfo, or of a "name N" line of vmstat. */
static int count_substr(const char *text, const char *what)
{
	int n = 0;
	for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

static long view_field(const char *view, const char *field)
{
	char *text = kmm_proc_read(view);
	cr_assert_not_null(text);
	char *at = strstr(text, field);
	cr_assert_not_null(at, "%s has no %s", view, field);
	long v = strtol(at + strlen(field), NULL, 10);
	free(text);
	return v;
}


/* the next slab allocation fails */
static void set_failslab_next(void)
{
	failslab_nth(1);
}

/* ---- the caches ---------------------------------------------------------------------------- */

static void caches_are_linuxs(const char *profile)
{
	ARM_NOT_YET(profile, "kernel object sizes are the x86 builds' (no ARM slabinfo of them yet)");
	boot_profile(profile);
	bool x86_64 = !strcmp(profile, "x86_64"), pae = !strcmp(profile, "i386-pae");
	/* slabinfo's objsize (the slab's object stride) of the 6.1 kernels of the reference captures */
	static const struct {
		enum kobj_kind k;
		unsigned int i386, pae, x86_64;
	} want[] = {
		{ KOBJ_TASK, 2944, 3008, 6208 }, { KOBJ_MM, 576, 576, 1152 },       { KOBJ_VMA, 72, 80, 152 },
		{ KOBJ_ANON_VMA, 56, 56, 104 },  { KOBJ_AVC, 32, 32, 64 },          { KOBJ_FILES, 256, 256, 704 },
		{ KOBJ_FILP, 192, 192, 256 },    { KOBJ_SIGNAL, 768, 768, 1152 },   { KOBJ_SIGHAND, 1344, 1344, 2112 },
		{ KOBJ_CRED, 128, 128, 192 },    { KOBJ_PID, 64, 64, 128 },         { KOBJ_DENTRY, 128, 128, 192 },
		{ KOBJ_SHMEM_INODE, 488, 488, 784 }, { KOBJ_RADIX, 304, 304, 584 },
	};
	char *slabinfo = kmm_proc_read("slabinfo");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct kmem_cache *s = kobj_cache(want[i].k);
		cr_assert_not_null(s);
		unsigned int size = x86_64 ? want[i].x86_64 : pae ? want[i].pae : want[i].i386;
		cr_assert_eq(s->size, size, "%s: objsize %u, 6.1's is %u", s->name, s->size, size);
		char line[64];
		snprintf(line, sizeof(line), "\n%-17s ", s->name);
		cr_assert_not_null(strstr(slabinfo, line), "slabinfo has no %s line", s->name);
	}
	/* fs_cache merges as 6.1's: into pid on i386, into anon_vma_chain on x86_64 */
	cr_assert_eq(kobj_cache(KOBJ_FS), kobj_cache(x86_64 ? KOBJ_AVC : KOBJ_PID));
	cr_assert_null(strstr(slabinfo, "\nfs_cache "));
	/* a constructor, a usercopy region: never merged */
	cr_assert_str_eq(kobj_cache(KOBJ_ANON_VMA)->name, "anon_vma");
	cr_assert_str_eq(kobj_cache(KOBJ_TASK)->name, "task_struct");
	cr_assert(kobj_cache(KOBJ_ANON_VMA)->flags & SLAB_TYPESAFE_BY_RCU);
	cr_assert(kobj_cache(KOBJ_DENTRY)->flags & SLAB_RECLAIM_ACCOUNT);
	free(slabinfo);
	assert_nothing_lost("boot");
}
TEST_ON_EVERY_PROFILE(kobj, caches_are_linuxs, caches_are_linuxs)

/*
 * vm.drop_caches 2, twice: a dentry used again since it first became
 * unused is only unmarked by the first (DCACHE_REFERENCED: one more
 * round), and a pass that frees one object is the last, as 6.1's
 * drop_slab_node; the second frees it and then its inode.
 */
static void drop_dentries_and_inodes(void)
{
	cr_assert_eq(kmm_proc_write("sys/vm/drop_caches", "2"), 0);
	cr_assert_eq(kmm_proc_write("sys/vm/drop_caches", "2"), 0);
}

/* ---- fork, exec, exit --------------------------------------------------------------------- */

static void fork_exec_exit_counts(const char *profile)
{
	boot_profile(profile);
	struct counts boot = count_now();
	long stack_kb = (long)(thread_size() >> 10);
	long ks0 = view_field("meminfo", "KernelStack:");
	cr_assert_eq(view_field("vmstat", "\nnr_kernel_stack "), ks0);

	struct task_struct *t = task_create("sh", 1000);
	cr_assert_not_null(t);
	long task_objs[NR_KOBJ] = { [KOBJ_TASK] = 1, [KOBJ_MM] = 1, [KOBJ_CRED] = 1, [KOBJ_FILES] = 1, [KOBJ_FS] = 1,
				    [KOBJ_SIGHAND] = 1, [KOBJ_SIGNAL] = 1, [KOBJ_PID] = 1 };
	assert_delta(&boot, task_objs, "task_create");
	cr_assert_eq(view_field("meminfo", "KernelStack:"), ks0 + stack_kb);
	cr_assert_eq(view_field("vmstat", "\nnr_kernel_stack "), ks0 + stack_kb);
	/* zoneinfo: the node's block, under its first populated zone (one node here) */
	cr_assert_eq(view_field("zoneinfo", "\n      nr_kernel_stack "), ks0 + stack_kb);
	char *zi = kmm_proc_read("zoneinfo");
	cr_assert_eq(count_substr(zi, "  per-node stats\n"), 1);
	cr_assert(!strncmp(zi, "Node 0, zone      DMA\n  per-node stats\n      nr_inactive_anon ", 61), "%.200s", zi);
	free(zi);
	/* struct pid holds the number */
	unsigned int numbers = M->prof->bits == 64 ? 96 : 52;
	cr_assert_eq(*(u32 *)((char *)t->kobj.pid + numbers), (u32)t->pid);

	/* exec: the image's file, and text, data, bss and stack VMAs */
	cr_assert_eq(task_exec_layout(t, "/bin/sh", 128 << 10, 32 << 10, 64 << 10), 0);
	struct counts c = boot;
	long exec_objs[NR_KOBJ] = { [KOBJ_TASK] = 1, [KOBJ_MM] = 1, [KOBJ_CRED] = 1, [KOBJ_FILES] = 1, [KOBJ_FS] = 1,
				    [KOBJ_SIGHAND] = 1, [KOBJ_SIGNAL] = 1, [KOBJ_PID] = 1, [KOBJ_FILP] = 1,
				    [KOBJ_LSM_FILE] = 1, [KOBJ_VMA] = 4,
				    /* the image's file was made: its dentry, ext4 inode and the inode's LSM blob */
				    [KOBJ_DENTRY] = 1, [KOBJ_EXT4_INODE] = 1, [KOBJ_LSM_INODE] = 1 };
	assert_delta(&c, exec_objs, "exec");
	cr_assert_eq(t->mm->map_count, 4);

	/* a heap touched: its VMA, an anon_vma and one chain link */
	long m = task_mmap(t, 0, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(m, 0);
	cr_assert_eq(task_memset(t, (unsigned long)m, 1, 1 << 20), 0);
	c = count_now();

	/* fork: the task's objects again, a VMA per VMA, and per VMA with an anon_vma its own plus two links */
	struct task_struct *child = task_fork(t);
	cr_assert_not_null(child);
	long fork_objs[NR_KOBJ] = { [KOBJ_TASK] = 1, [KOBJ_MM] = 1, [KOBJ_CRED] = 1, [KOBJ_FILES] = 1, [KOBJ_FS] = 1,
				    [KOBJ_SIGHAND] = 1, [KOBJ_SIGNAL] = 1, [KOBJ_PID] = 1, [KOBJ_VMA] = 5,
				    [KOBJ_ANON_VMA] = 1, [KOBJ_AVC] = 2 };
	assert_delta(&c, fork_objs, "fork");
	cr_assert_eq(view_field("meminfo", "KernelStack:"), ks0 + 2 * stack_kb);
	/* a grandchild: three links for its heap (its anon_vma, the child's, the root) */
	struct counts c2 = count_now();
	struct task_struct *grandchild = task_fork(child);
	cr_assert_not_null(grandchild);
	fork_objs[KOBJ_AVC] = 3;
	assert_delta(&c2, fork_objs, "fork of a fork");
	if (M->prof->bits == 64) {
		char *vi = kmm_proc_read("vmallocinfo");
		cr_assert_not_null(strstr(vi, " 20480 "), "the vmap stacks (16 KiB + guard) are in vmallocinfo:\n%s", vi);
		free(vi);
	}
	task_exit(child); /* the grandchild's anon_vma keeps the child's alive: it is still on its path */
	task_exit(grandchild);
	long none[NR_KOBJ] = { 0 };
	assert_delta(&c, none, "the children exited");
	task_exit(t);
	drop_dentries_and_inodes(); /* the image's dentry and inode, now unused */
	assert_delta(&boot, none, "every task exited");
	cr_assert_eq(view_field("meminfo", "KernelStack:"), ks0);
	assert_nothing_lost("fork/exec/exit");
}
TEST_ON_EVERY_PROFILE(kobj, fork_exec_exit_counts, fork_exec_exit_counts)

/*
 * fork then exec, as a shell runs a program: the child's copied mm goes
 * at exec (its VMAs, its anon_vma links), the parent's stays with its
 * bytes; a reference taken on the old mm (a /proc reader) keeps it until
 * it is put.
 */
static void exec_after_fork(const char *profile)
{
	boot_profile(profile);
	struct counts boot = count_now();
	struct task_struct *t = task_create("sh", 1000);
	cr_assert_eq(task_exec_layout(t, "/bin/sh", 128 << 10, 32 << 10, 64 << 10), 0);
	long heap = task_mmap(t, 0, 64 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(heap, 0);
	cr_assert_eq(task_memset(t, (unsigned long)heap, 0x5a, 64 << 10), 0);
	struct counts c = count_now();
	struct task_struct *child = task_fork(t);
	cr_assert_not_null(child);
	struct mm_struct *copied = get_task_mm(child);
	cr_assert_eq(copied->map_count, 5);
	cr_assert_eq(task_exec_layout(child, "/bin/ls", 64 << 10, 16 << 10, 8 << 10), 0);
	cr_assert_neq(child->mm, copied);
	cr_assert_eq(child->mm->map_count, 4, "the new image: text, data, bss, stack");
	cr_assert_eq(copied->map_count, 5, "the old mm lives while it is referenced");
	mmput(copied);
	/* the child now holds its task's objects, the new mm and image; the parent's heap is its own */
	long child_objs[NR_KOBJ] = { [KOBJ_TASK] = 1, [KOBJ_MM] = 1, [KOBJ_CRED] = 1, [KOBJ_FILES] = 1, [KOBJ_FS] = 1,
				     [KOBJ_SIGHAND] = 1, [KOBJ_SIGNAL] = 1, [KOBJ_PID] = 1, [KOBJ_FILP] = 1,
				     [KOBJ_LSM_FILE] = 1, [KOBJ_VMA] = 4,
				     [KOBJ_DENTRY] = 1, [KOBJ_EXT4_INODE] = 1, [KOBJ_LSM_INODE] = 1 }; /* /bin/ls made */
	assert_delta(&c, child_objs, "fork, then exec in the child");
	char b[4];
	cr_assert_eq(task_read(t, (unsigned long)heap + 100, b, 4), 0);
	cr_assert_eq(memcmp(b, "\x5a\x5a\x5a\x5a", 4), 0);
	cr_assert_eq(t->mm->map_count, 5);
	task_exit(child);
	long none[NR_KOBJ] = { 0 };
	drop_dentries_and_inodes(); /* /bin/ls's; /bin/sh's is the parent's image */
	assert_delta(&c, none, "the child exited");
	task_exit(t);
	drop_dentries_and_inodes(); /* the image's dentry and inode, now unused */
	assert_delta(&boot, none, "every task exited");
	assert_nothing_lost("exec after fork");
}
TEST_ON_EVERY_PROFILE(kobj, exec_after_fork, exec_after_fork)

/* ---- mmap, munmap, mprotect, mremap ------------------------------------------------------------ */

static void mmap_counts(const char *profile)
{
	boot_profile(profile);
	struct task_struct *t = task_create("mm", 1000);
	cr_assert_not_null(t);
	struct counts c = count_now();
	long a = task_mmap(t, 0, 64 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	long one_vma[NR_KOBJ] = { [KOBJ_VMA] = 1 };
	assert_delta(&c, one_vma, "mmap");
	cr_assert_eq(task_memset(t, (unsigned long)a, 7, 64 * PAGE_SIZE), 0);
	long touched[NR_KOBJ] = { [KOBJ_VMA] = 1, [KOBJ_ANON_VMA] = 1, [KOBJ_AVC] = 1 };
	assert_delta(&c, touched, "first fault");
	/* a hole in the middle: two VMAs sharing the anon_vma, each with its link */
	cr_assert_eq(task_munmap(t, (unsigned long)a + 16 * PAGE_SIZE, 16 * PAGE_SIZE), 0);
	long split[NR_KOBJ] = { [KOBJ_VMA] = 2, [KOBJ_ANON_VMA] = 1, [KOBJ_AVC] = 2 };
	assert_delta(&c, split, "munmap of the middle");
	/* mprotect of a piece splits again; back to rw it merges */
	cr_assert_eq(task_mprotect(t, (unsigned long)a, 4 * PAGE_SIZE, PROT_READ), 0);
	long three[NR_KOBJ] = { [KOBJ_VMA] = 3, [KOBJ_ANON_VMA] = 1, [KOBJ_AVC] = 3 };
	assert_delta(&c, three, "mprotect split");
	cr_assert_eq(task_mprotect(t, (unsigned long)a, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
	assert_delta(&c, split, "mprotect merged back");
	/* mremap moves the upper VMA: a new one, the old one gone */
	long moved = task_mremap(t, (unsigned long)a + 32 * PAGE_SIZE, 32 * PAGE_SIZE, 64 * PAGE_SIZE, MREMAP_MAYMOVE, 0);
	cr_assert_gt(moved, 0);
	assert_delta(&c, split, "mremap moved");
	/* the objects hold Linux's fields */
	struct mm_struct *mm = t->mm;
	unsigned int w = kobj_word();
	struct vm_area_struct *v;
	VMA_ITERATOR(vmi, mm, 0);
	for_each_vma(vmi, v) {
		cr_assert_eq(kobj_get_word(v->obj, 0), v->vm_start);
		cr_assert_eq(kobj_get_word(v->obj, w), v->vm_end);
		cr_assert_eq(kobj_get_word(v->obj, 2 * w), kmm_host_to_kva(mm->obj), "vm_mm is the mm_struct's kernel address");
		cr_assert_eq(kobj_get_word(v->obj, 3 * w + (M->prof->pae ? 8 : w)), v->vm_flags);
		cr_assert_geq(kmm_host_to_kva(v->obj), M->layout.page_offset, "the object is in the kernel's direct map");
		struct list_head *pos;
		list_for_each(pos, &v->anon_vma_chain) {
			struct anon_vma_chain *avc = list_entry(pos, struct anon_vma_chain, same_vma);
			cr_assert_eq(kobj_get_word(avc->obj, 0), kmm_host_to_kva(v->obj));
			cr_assert_eq(kobj_get_word(avc->obj, w), kmm_host_to_kva(avc->anon_vma->obj));
		}
	}
	/* mm_verify holds the objects to it: a VMA's object that says otherwise is reported */
	struct vm_area_struct *v0 = find_vma(mm, 0);
	unsigned long end = kobj_get_word(v0->obj, w);
	kobj_put_word(v0->obj, w, end + PAGE_SIZE);
	char why[256];
	cr_assert_eq(mm_verify(mm, why, sizeof(why)), -EINVAL);
	cr_assert_not_null(strstr(why, "vm_area_struct object"), "%s", why);
	kobj_put_word(v0->obj, w, end);
	cr_assert_eq(mm_verify(mm, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(task_munmap(t, (unsigned long)a, 32 * PAGE_SIZE), 0);
	cr_assert_eq(task_munmap(t, (unsigned long)moved, 64 * PAGE_SIZE), 0);
	long none[NR_KOBJ] = { 0 };
	assert_delta(&c, none, "everything unmapped");
	task_exit(t);
	assert_nothing_lost("mmap");
}
TEST_ON_EVERY_PROFILE(kobj, mmap_counts, mmap_counts)

/* ---- open, close, shared anonymous memory --------------------------------------------------- */

static void file_counts(const char *profile)
{
	boot_profile(profile);
	struct task_struct *t = task_create("files", 1000);
	cr_assert_not_null(t);
	cr_assert_eq(kmm_file_create("/etc/passwd", "root:x:0:0\n", 11), 0);
	struct counts c = count_now();
	int fd = task_open(t, "/etc/passwd", O_RDONLY), fd2 = task_open(t, "/etc/passwd", O_RDONLY);
	cr_assert_geq(fd, 0);
	cr_assert_geq(fd2, 0);
	long two_files[NR_KOBJ] = { [KOBJ_FILP] = 2, [KOBJ_LSM_FILE] = 2 }; /* the names went back */
	assert_delta(&c, two_files, "two opens");
	long fm = task_mmap(t, 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
	cr_assert_gt(fm, 0);
	cr_assert_eq(task_close(t, fd), 0);
	cr_assert_eq(task_close(t, fd2), 0);
	long mapped[NR_KOBJ] = { [KOBJ_FILP] = 1, [KOBJ_LSM_FILE] = 1, [KOBJ_VMA] = 1 }; /* the mapping holds its file */
	assert_delta(&c, mapped, "closed, still mapped");
	cr_assert_eq(task_munmap(t, (unsigned long)fm, PAGE_SIZE), 0);
	long none[NR_KOBJ] = { 0 };
	assert_delta(&c, none, "unmapped");
	/* stat: the name passes through names_cache and goes back */
	unsigned long size = 0;
	cr_assert_eq(task_stat(t, "/etc/passwd", &size), 0);
	cr_assert_eq(size, 11);
	cr_assert_eq(task_stat(t, "/etc/shadow", &size), -ENOENT);
	cr_assert_eq(task_stat(t, "etc", &size), -EINVAL);
	assert_delta(&c, none, "stat");
	/* shared anonymous memory: a shmem inode, its dentry and its file */
	long sh = task_mmap(t, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(sh, 0);
	long shmem[NR_KOBJ] = { [KOBJ_SHMEM_INODE] = 1, [KOBJ_LSM_INODE] = 1, [KOBJ_DENTRY] = 1, [KOBJ_FILP] = 1,
				[KOBJ_LSM_FILE] = 1, [KOBJ_VMA] = 1 };
	assert_delta(&c, shmem, "MAP_SHARED | MAP_ANONYMOUS");
	cr_assert_eq(task_munmap(t, (unsigned long)sh, 4 * PAGE_SIZE), 0);
	assert_delta(&c, none, "shmem unmapped");
	task_exit(t);
	cr_assert_eq(kmm_file_unlink("/etc/passwd"), 0);
	assert_nothing_lost("files");
}
TEST_ON_EVERY_PROFILE(kobj, file_counts, file_counts)

/* Beyond a long's bits of descriptors, an fdtable; a failed one leaves the table as it was; fork copies its size. */
static void fdtable_grows(const char *profile)
{
	boot_profile(profile);
	struct task_struct *t = task_create("many", 1000);
	cr_assert_eq(kmm_file_create("/f", "x", 1), 0);
	unsigned int bits = (unsigned)M->prof->bits;
	for (unsigned int i = 0; i < bits; i++)
		cr_assert_eq(task_open(t, "/f", O_RDONLY), (int)i);
	cr_assert_null(t->kobj.fdt, "files_struct's own table holds %u", bits);
	set_failslab_next();
	cr_assert_eq(task_open(t, "/f", O_RDONLY), -ENOMEM, "the fdtable could not be had");
	failslab_off(0);
	cr_assert_null(t->kobj.fdt);
	cr_assert_eq(task_open(t, "/f", O_RDONLY), (int)bits);
	cr_assert_not_null(t->kobj.fdt);
	cr_assert_eq(t->kobj.fdt_nr, bits == 32 ? 256u : 128u, "alloc_fdtable's size: %u", t->kobj.fdt_nr);
	struct task_struct *child = task_fork(t);
	cr_assert_not_null(child);
	cr_assert_eq(child->kobj.fdt_nr, t->kobj.fdt_nr, "dup_fd: room for the parent's highest descriptor");
	task_exit(child);
	task_exit(t);
	cr_assert_eq(kmm_file_unlink("/f"), 0);
	assert_nothing_lost("fdtable");
}
TEST_ON_EVERY_PROFILE(kobj, fdtable_grows, fdtable_grows)

/* ---- the page cache's xarray nodes ------------------------------------------------------------ */

static void read_page(const char *path, unsigned long index)
{
	char b;
	cr_assert_eq(kmm_file_pread(path, &b, 1, index << PAGE_SHIFT), 1, "page %lu", index);
}

static void page_cache_nodes(const char *profile)
{
	boot_profile(profile);
	cr_assert_eq(kmm_file_create("/big", NULL, 4097UL << PAGE_SHIFT), 0);
	struct counts c = count_now();
	long want[NR_KOBJ] = { 0 };
	read_page("/big", 0);
	assert_delta(&c, want, "page 0 alone sits in the xarray's head");
	read_page("/big", 1);
	want[KOBJ_RADIX] = 1;
	assert_delta(&c, want, "pages 0 and 1: one leaf node");
	read_page("/big", 64);
	want[KOBJ_RADIX] = 3; /* two leaves under a new root */
	assert_delta(&c, want, "page 64: the tree grows a level");
	read_page("/big", 4096);
	want[KOBJ_RADIX] = 6; /* leaves of chunks 0, 1 and 64, two level-1 nodes, the root */
	assert_delta(&c, want, "page 4096: a third level");
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
	/* a node that cannot be had: the read fails, nothing changes */
	set_failslab_next();
	char b;
	cr_assert_eq(kmm_file_pread("/big", &b, 1, 200UL << PAGE_SHIFT), -ENOMEM);
	failslab_off(0);
	assert_delta(&c, want, "a failed read");
	cr_assert_eq(kmm_file_cached_pages("/big"), 4);
	/* dropped (the LRU batches' references let go first): the tree shrinks back to nothing */
	lru_add_drain_all();
	cr_assert_eq(kmm_proc_write("sys/vm/drop_caches", "1"), 0);
	long none[NR_KOBJ] = { 0 };
	assert_delta(&c, none, "the cache dropped");
	cr_assert_eq(kmm_file_unlink("/big"), 0);
	assert_nothing_lost("page cache nodes");
}
TEST_ON_EVERY_PROFILE(kobj, page_cache_nodes, page_cache_nodes)

/* ---- the store's ext4 ------------------------------------------------------------------------ */

/* slabinfo has a line for name (a cache of its own), of that objsize */
static bool slabinfo_has(const char *slabinfo, const char *name, unsigned int objsize)
{
	char line[80];
	snprintf(line, sizeof(line), "\n%-17s ", name);
	const char *at = strstr(slabinfo, line);
	if (!at)
		return false;
	unsigned long active, num, size;
	return sscanf(at + strlen(line), "%lu %lu %lu", &active, &num, &size) == 3 && size == objsize;
}

/*
 * After a real boot (the boot population), no ext4 cache; the first file
 * mounts the store: the caches Debian's 6.1 shows after insmod ext4 and
 * mount (tests/data/ext4/), of their own or merged as there, with the same
 * object sizes; a second file makes none.
 */
static void ext4_caches_are_linuxs(const char *profile)
{
	ARM_NOT_YET(profile, "kernel object caches are the x86 builds'");
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 512ULL << 20;
	p.boot_population = true;
	boot_or_fail(&p);
	kmm_usage_settle(&at_boot);
	bool x86_64 = !strcmp(profile, "x86_64");
	char *slabinfo = kmm_proc_read("slabinfo");
	cr_assert(!kobj_ext4_mounted());
	cr_assert_null(strstr(slabinfo, "\next4_"), "no ext4 cache before the mount");
	cr_assert_null(strstr(slabinfo, "\njbd2_"));
	cr_assert(slabinfo_has(slabinfo, "buffer_head", x86_64 ? 104 : 64), "buffer_init made it at boot");
	for (int k = NR_KOBJ_BOOT; k < NR_KOBJ; k++)
		cr_assert_null(kobj_cache((enum kobj_kind)k));
	free(slabinfo);

	cr_assert_eq(kmm_file_create("/etc/fstab", "/dev/sda1 / ext4\n", 17), 0);
	cr_assert(kobj_ext4_mounted());
	slabinfo = kmm_proc_read("slabinfo");
	/* the slabinfo lines of the captures' 2-mounted_slabinfo.txt */
	static const struct {
		const char *name;
		unsigned int i386, x86_64; /* objsize; 0: merged into another cache on that profile */
	} want[] = {
		{ "ext4_groupinfo_4k", 136, 184 },     { "ext4_fc_dentry_update", 80, 96 },
		{ "ext4_inode_cache", 800, 1192 },     { "ext4_allocation_context", 112, 136 },
		{ "ext4_prealloc_space", 72, 0 },      { "ext4_system_zone", 0, 40 },
		{ "ext4_io_end", 0, 64 },              { "ext4_extent_status", 0, 40 },
		{ "ext4_io_end_vec", 0, 0 },           { "ext4_free_data", 0, 0 },
		{ "ext4_pending_reservation", 0, 0 },  { "ext4_bio_post_read_ctx", 0, 0 },
		{ "jbd2_journal_handle", 48, 0 },      { "jbd2_journal_head", 72, 120 },
		{ "jbd2_revoke_table_s", 16, 16 },     { "jbd2_revoke_record_s", 32, 32 },
		{ "jbd2_transaction_s", 0, 0 },        { "jbd2_inode", 0, 0 },
		{ "mbcache", 40, 56 },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		unsigned int size = x86_64 ? want[i].x86_64 : want[i].i386;
		char line[80];
		snprintf(line, sizeof(line), "\n%-17s ", want[i].name);
		if (size)
			cr_assert(slabinfo_has(slabinfo, want[i].name, size), "%s: a cache of objsize %u", want[i].name, size);
		else
			cr_assert_null(strstr(slabinfo, line), "%s merges into another cache", want[i].name);
	}
	/* the merges of /sys/kernel/slab's links in the captures */
	if (x86_64) {
		cr_assert_eq(kobj_cache(KOBJ_EXT4_PREALLOC), kobj_cache(KOBJ_BH));
		cr_assert_eq(kobj_cache(KOBJ_JBD2_HANDLE), kobj_cache(KOBJ_MBCACHE));
		cr_assert_eq(kobj_cache(KOBJ_EXT4_FREE_DATA), kobj_cache(KOBJ_MBCACHE));
		cr_assert_eq(kobj_cache(KOBJ_EXT4_PENDING), kobj_cache(KOBJ_JBD2_REVOKE_RECORD));
		cr_assert_eq(kobj_cache(KOBJ_EXT4_IO_END_VEC), kobj_cache(KOBJ_LSM_INODE));
	} else {
		cr_assert_eq(kobj_cache(KOBJ_EXT4_ES), kobj_cache(KOBJ_JBD2_REVOKE_RECORD));
		cr_assert_eq(kobj_cache(KOBJ_EXT4_PENDING), kobj_cache(KOBJ_JBD2_REVOKE_TABLE));
		cr_assert_eq(kobj_cache(KOBJ_EXT4_IO_END), kobj_cache(KOBJ_MBCACHE));
		cr_assert_eq(kobj_cache(KOBJ_EXT4_FREE_DATA), kobj_cache(KOBJ_MBCACHE));
		cr_assert_eq(kobj_cache(KOBJ_EXT4_SYSTEM_ZONE), kobj_cache(KOBJ_EXT4_POST_READ));
	}
	struct kmem_cache *ei = kobj_cache(KOBJ_EXT4_INODE);
	cr_assert_str_eq(ei->name, "ext4_inode_cache");
	cr_assert_not_null(ei->ctor, "init_once");
	cr_assert_eq(ei->useroffset, 0, "i_data opens ext4_inode_info");
	cr_assert_eq(ei->usersize, 60);
	cr_assert(ei->flags & SLAB_ACCOUNT);
	free(slabinfo);
	/* mounted once */
	struct kmem_cache *before[NR_KOBJ];
	for (int k = 0; k < NR_KOBJ; k++)
		before[k] = kobj_cache((enum kobj_kind)k);
	cr_assert_eq(kmm_file_create("/etc/hosts", "127.0.0.1 localhost\n", 20), 0);
	for (int k = 0; k < NR_KOBJ; k++)
		cr_assert_eq(kobj_cache((enum kobj_kind)k), before[k]);
	cr_assert_eq(kmm_file_unlink("/etc/fstab"), 0);
	cr_assert_eq(kmm_file_unlink("/etc/hosts"), 0);
	char why[256]; /* the boot population's vmalloc areas are there for good: no "nothing lost" after it */
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
}
TEST_ON_EVERY_PROFILE(kobj, ext4_caches_are_linuxs, ext4_caches_are_linuxs)

/*
 * A named file's objects: a dentry, an ext4 inode and its LSM blob from
 * create to the last reference after unlink; a buffer_head per page the
 * first time it is written (by write(2) or through a shared mapping),
 * freed when the page leaves the cache; drop_caches 2 evicts an unused
 * file's inode and dentry, and the next lookup reads them in again.
 */
static void ext4_file_objects(const char *profile)
{
	boot_profile(profile);
	struct task_struct *t = task_create("writer", 1000);
	cr_assert_not_null(t);
	struct counts c = count_now();
	cr_assert_eq(kmm_file_create("/var/log/syslog", NULL, 4 * PAGE_SIZE), 0);
	long inode[NR_KOBJ] = { [KOBJ_DENTRY] = 1, [KOBJ_EXT4_INODE] = 1, [KOBJ_LSM_INODE] = 1 };
	assert_delta(&c, inode, "create");
	c = count_now(); /* the ext4 caches exist now */
	long none[NR_KOBJ] = { 0 };
	char buf[2 * PAGE_SIZE];
	cr_assert_eq(kmm_file_pread("/var/log/syslog", buf, PAGE_SIZE, 0), PAGE_SIZE);
	assert_delta(&c, none, "a read: no buffers");
	memset(buf, 'w', sizeof(buf));
	cr_assert_eq(kmm_file_pwrite("/var/log/syslog", buf, PAGE_SIZE + 10, 0), PAGE_SIZE + 10);
	long two_bh[NR_KOBJ] = { [KOBJ_BH] = 2, [KOBJ_RADIX] = 1 }; /* pages 0 and 1: a leaf node too */
	assert_delta(&c, two_bh, "a write over two pages: a buffer_head each");
	cr_assert_eq(kmm_file_pwrite("/var/log/syslog", buf, 100, 50), 100);
	assert_delta(&c, two_bh, "written again: the same buffers");
	/* a shared writable mapping: the store to page 2 is its first write */
	int fd = task_open(t, "/var/log/syslog", O_RDWR);
	cr_assert_geq(fd, 0);
	long a = task_mmap(t, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	cr_assert_gt(a, 0);
	cr_assert_eq(u_read(t, (unsigned long)a + 3 * PAGE_SIZE, buf, 1), 0);
	long mapped[NR_KOBJ] = { [KOBJ_BH] = 2, [KOBJ_RADIX] = 1, [KOBJ_FILP] = 1, [KOBJ_LSM_FILE] = 1, [KOBJ_VMA] = 1 };
	assert_delta(&c, mapped, "mapped and read: no buffers");
	cr_assert_eq(u_write(t, (unsigned long)a + 2 * PAGE_SIZE, "x", 1), 0);
	mapped[KOBJ_BH] = 3;
	assert_delta(&c, mapped, "page_mkwrite: its buffer_head");
	cr_assert_eq(u_write(t, (unsigned long)a + 2 * PAGE_SIZE + 1, "y", 1), 0);
	kmm_sync(); /* written back: the PTE is read-only again, the buffers stay */
	cr_assert_eq(u_write(t, (unsigned long)a + 2 * PAGE_SIZE + 2, "z", 1), 0);
	assert_delta(&c, mapped, "dirtied again after writeback: the same buffers");
	cr_assert_eq(task_munmap(t, (unsigned long)a, 4 * PAGE_SIZE), 0);
	cr_assert_eq(task_close(t, fd), 0);
	kmm_sync();
	lru_add_drain_all(); /* the LRU batches let their references go */
	cr_assert_eq(kmm_proc_write("sys/vm/drop_caches", "1"), 0);
	assert_delta(&c, none, "the pages dropped: their buffers with them");
	/* evicted when unused, read in again by a lookup */
	drop_dentries_and_inodes();
	long evicted[NR_KOBJ] = { [KOBJ_DENTRY] = -1, [KOBJ_EXT4_INODE] = -1, [KOBJ_LSM_INODE] = -1 };
	assert_delta(&c, evicted, "drop_caches 2: the unused inode and dentry");
	unsigned long size = 0;
	cr_assert_eq(task_stat(t, "/var/log/syslog", &size), 0);
	cr_assert_eq(size, 4 * PAGE_SIZE);
	assert_delta(&c, none, "stat: looked up again");
	fd = task_open(t, "/var/log/syslog", O_RDONLY);
	cr_assert_geq(fd, 0);
	drop_dentries_and_inodes();
	long open1[NR_KOBJ] = { [KOBJ_FILP] = 1, [KOBJ_LSM_FILE] = 1 };
	assert_delta(&c, open1, "an open file's inode stays");
	/* unlinked while open: the objects go with the last reference */
	cr_assert_eq(kmm_file_unlink("/var/log/syslog"), 0);
	assert_delta(&c, open1, "unlinked, still open");
	cr_assert_eq(task_close(t, fd), 0);
	assert_delta(&c, evicted, "the last reference");
	/* O_CREAT: the name, then the new file's dentry, inode and blob, and the struct file */
	fd = task_open(t, "/tmp/new", O_CREAT | O_RDWR);
	cr_assert_geq(fd, 0);
	assert_delta(&c, open1, "O_CREAT: the new file's objects, and its struct file");
	cr_assert_eq(task_close(t, fd), 0);
	cr_assert_eq(kmm_file_unlink("/tmp/new"), 0);
	assert_delta(&c, evicted, "unlinked");
	/* a name too long for the dentry's d_iname: an external name from the reclaimable kmalloc caches */
	const char *longname = "/var/log/a-name-longer-than-any-inline-dentry-name.log";
	unsigned long len = strlen(strrchr(longname, '/') + 1); /* 45: past 35 (i386) and 31 (x86_64) */
	struct kmem_cache *rcl = kmalloc_slab(2 * kobj_word() + 1 + len, GFP_KERNEL_ACCOUNT | __GFP_RECLAIMABLE);
	cr_assert_not_null(rcl);
	cr_assert(!strncmp(kmem_cache_name(rcl), "kmalloc-rcl-", 12), "%s", kmem_cache_name(rcl));
	long ext0 = kmem_cache_objects_in_use(kmem_cache_name(rcl));
	cr_assert_eq(kmm_file_create(longname, NULL, 0), 0);
	cr_assert_eq(kmem_cache_objects_in_use(kmem_cache_name(rcl)), ext0 + 1);
	cr_assert_eq(kmm_file_create("/var/log/name-of-31-bytes-fits-inline.tx", NULL, 0), 0); /* inline on both */
	cr_assert_eq(kmem_cache_objects_in_use(kmem_cache_name(rcl)), ext0 + 1);
	cr_assert_eq(kmm_file_unlink(longname), 0);
	cr_assert_eq(kmm_file_unlink("/var/log/name-of-31-bytes-fits-inline.tx"), 0);
	cr_assert_eq(kmem_cache_objects_in_use(kmem_cache_name(rcl)), ext0);
	task_exit(t);
	assert_nothing_lost("ext4 objects");
}
TEST_ON_EVERY_PROFILE(kobj, ext4_file_objects, ext4_file_objects)

/*
 * Direct reclaim takes written pages back once they are clean: each one's
 * buffer_head goes with it (__remove_mapping's try_to_free_buffers), so
 * the buffer_heads in use stay one per cached page of the file.
 */
static void ext4_reclaim_frees_buffers(const char *profile)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = (strcmp(profile, "x86_64") ? 64ULL : 128ULL) << 20;
	boot_or_fail(&p);
	kmm_usage_settle(&at_boot);
	long bh0 = kmem_cache_objects_in_use("buffer_head");
	unsigned long pages = nr_free_pages() / 2;
	char *buf = malloc(PAGE_SIZE);
	memset(buf, 'r', PAGE_SIZE);
	cr_assert_eq(kmm_file_create("/data/written", NULL, 0), 0);
	for (unsigned long i = 0; i < pages; i++)
		cr_assert_eq(kmm_file_pwrite("/data/written", buf, PAGE_SIZE, i * PAGE_SIZE), PAGE_SIZE);
	free(buf);
	cr_assert_eq(kmem_cache_objects_in_use("buffer_head") - bh0, (long)pages, "a buffer_head per written page");
	kmm_sync(); /* clean: reclaimable */
	struct task_struct *hog = task_create("hog", 1000);
	unsigned long anon = (nr_free_pages() + pages / 2) * PAGE_SIZE;
	long a = task_mmap(hog, 0, anon, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	cr_assert_eq(task_memset(hog, (unsigned long)a, 0x77, anon), 0, "reclaim made room");
	long cached = kmm_file_cached_pages("/data/written");
	cr_assert_lt(cached, (long)pages, "written pages were reclaimed");
	cr_assert_eq(kmem_cache_objects_in_use("buffer_head") - bh0, cached, "the buffers went with the pages");
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why);
	task_exit(hog);
	cr_assert_eq(kmm_file_unlink("/data/written"), 0);
	assert_nothing_lost("reclaimed buffers");
}
TEST_ON_EVERY_PROFILE(kobj, ext4_reclaim_frees_buffers, ext4_reclaim_frees_buffers)

/*
 * failslab over create, open with O_CREAT, write(2) and a store through
 * a shared mapping: a failed call changes no count.  The buffer_heads are
 * __GFP_NOFAIL (create_empty_buffers), which failslab never fails, as in
 * 6.1; what can fail is the file's objects and the page cache's nodes.
 */
static void ext4_failslab(const char *profile)
{
	boot_profile(profile);
	struct task_struct *t = task_create("failing", 1000);
	cr_assert_not_null(t);
	cr_assert_eq(kmm_file_create("/mnt", NULL, 0), 0); /* mounted */
	struct counts c = count_now();
	long none[NR_KOBJ] = { 0 };
	int failed_creates = 0, failed_opens = 0, failed_writes = 0, failed_stores = 0;
	for (unsigned long n = 1;; n++) {
		unsigned long before = M->fault.failslab.attr.injected;
		failslab_nth(n);
		int ret = kmm_file_create("/f", "data", 4);
		bool failed = failslab_off(before);
		cr_assert(ret == 0 || (failed && ret == -ENOMEM), "create gave %d", ret);
		if (ret) {
			assert_delta(&c, none, "a failed create");
			cr_assert_eq(kmm_file_cached_pages("/f"), -ENOENT);
		}
		if (!failed)
			break;
		failed_creates++;
	}
	cr_assert_eq(failed_creates, 3, "dentry, ext4 inode, its LSM blob: %d", failed_creates);
	cr_assert_eq(kmm_file_unlink("/f"), 0);
	for (unsigned long n = 1;; n++) {
		unsigned long before = M->fault.failslab.attr.injected;
		failslab_nth(n);
		int fd = task_open(t, "/g", O_CREAT | O_RDWR);
		bool failed = failslab_off(before);
		cr_assert(fd >= 0 || (failed && fd == -ENOMEM), "open gave %d", fd);
		if (fd < 0) {
			assert_delta(&c, none, "a failed O_CREAT");
			cr_assert_eq(kmm_file_cached_pages("/g"), -ENOENT, "no file made");
		} else {
			cr_assert_eq(task_close(t, fd), 0);
			cr_assert_eq(kmm_file_unlink("/g"), 0);
		}
		if (!failed)
			break;
		failed_opens++;
	}
	cr_assert_eq(failed_opens, 6, "the name, dentry, inode, blob, file, its blob: %d", failed_opens);
	cr_assert_eq(kmm_file_create("/h", NULL, 0), 0);
	struct counts h = count_now();
	char buf[2 * PAGE_SIZE];
	memset(buf, 'h', sizeof(buf));
	for (unsigned long n = 1;; n++) {
		unsigned long before = M->fault.failslab.attr.injected;
		failslab_nth(n);
		long w = kmm_file_pwrite("/h", buf, 2 * PAGE_SIZE, 0);
		bool failed = failslab_off(before);
		cr_assert(w == 2 * PAGE_SIZE || (failed && (w == -ENOMEM || w == PAGE_SIZE)), "write gave %ld", w);
		if (!failed)
			break;
		failed_writes++;
		lru_add_drain_all(); /* the LRU batches let their references go */
		cr_assert_eq(kmm_proc_write("sys/vm/drop_caches", "1"), 0); /* nothing dirty: a failed write wrote none */
	}
	cr_assert_eq(failed_writes, 1, "only the xarray node of page 1: %d", failed_writes);
	long two_bh[NR_KOBJ] = { [KOBJ_BH] = 2, [KOBJ_RADIX] = 1 };
	assert_delta(&h, two_bh, "written");
	int fd = task_open(t, "/h", O_RDWR);
	long a = task_mmap(t, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	cr_assert_gt(a, 0);
	cr_assert_eq(kmm_file_pwrite("/h", buf, 2 * PAGE_SIZE, 2 * PAGE_SIZE), 2 * PAGE_SIZE); /* the file is 4 pages */
	kmm_sync();
	lru_add_drain_all(); /* the LRU batches let their references go */
	cr_assert_eq(kmm_proc_write("sys/vm/drop_caches", "1"), 0); /* the clean pages leave, with their buffers */
	struct counts m = count_now();
	for (unsigned long n = 1;; n++) {
		unsigned long before = M->fault.failslab.attr.injected;
		failslab_nth(n);
		int ret = task_write(t, (unsigned long)a + 3 * PAGE_SIZE, "s", 1);
		bool failed = failslab_off(before);
		cr_assert(ret == 0 || (failed && ret == -ENOMEM), "the store gave %d", ret);
		if (ret)
			assert_delta(&m, none, "a failed store");
		if (!failed)
			break;
		failed_stores++;
	}
	long stored[NR_KOBJ] = { [KOBJ_BH] = 1, [KOBJ_RADIX] = 1 }; /* the fault read the file around it again */
	assert_delta(&m, stored, "the store's page: its buffer_head");
	cr_assert_leq(failed_stores, 1, "the page cache read's xarray node, if any: %d", failed_stores);
	cr_assert_eq(task_munmap(t, (unsigned long)a, 4 * PAGE_SIZE), 0);
	cr_assert_eq(task_close(t, fd), 0);
	cr_assert_eq(kmm_file_unlink("/h"), 0);
	cr_assert_eq(kmm_file_unlink("/mnt"), 0);
	task_exit(t);
	assert_nothing_lost("ext4 under failslab");
}
TEST_ON_EVERY_PROFILE(kobj, ext4_failslab, ext4_failslab)

/* ---- failslab in each ------------------------------------------------------------------------- */



/*
 * fork, mmap, open and shared mmap with the n-th slab allocation failing,
 * n = 1, 2 ... until each runs without one: the call fails as Linux's
 * does and the object counts are where they were.
 */
static void failslab_in_each(const char *profile)
{
	boot_profile(profile);
	struct task_struct *t = task_create("parent", 1000);
	cr_assert_not_null(t);
	cr_assert_eq(task_exec_layout(t, "/bin/p", 64 << 10, 16 << 10, 16 << 10), 0);
	long heap = task_mmap(t, 0, 256 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_eq(task_memset(t, (unsigned long)heap, 3, 256 << 10), 0);
	cr_assert_eq(kmm_file_create("/data", NULL, 8192), 0);
	struct counts c = count_now();
	long none[NR_KOBJ] = { 0 };
	int failed_forks = 0, failed_mmaps = 0, failed_opens = 0, failed_shm = 0, failed_execs = 0;
	for (unsigned long n = 1;; n++) {
		unsigned long before = M->fault.failslab.attr.injected;
		failslab_nth(n);
		struct task_struct *child = task_fork(t);
		bool failed = failslab_off(before);
		cr_assert_eq(!child, failed, "fork with slab call %lu failing", n);
		task_exit(child);
		assert_delta(&c, none, "fork and exit");
		if (!failed)
			break;
		failed_forks++;
	}
	for (unsigned long n = 1;; n++) {
		unsigned long before = M->fault.failslab.attr.injected;
		failslab_nth(n);
		/* MAP_NORESERVE: flags unlike the heap's, so it does not merge into it and has its own anon_vma */
		long a = task_mmap(t, 0, 64 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		int touched = a > 0 ? task_memset(t, (unsigned long)a, 1, 64 << 10) : 0;
		bool failed = failslab_off(before);
		cr_assert(a > 0 || (failed && a == -ENOMEM), "mmap gave %ld", a);
		cr_assert(!touched || (failed && touched == -ENOMEM), "the fault gave %d", touched);
		if (a > 0)
			cr_assert_eq(task_munmap(t, (unsigned long)a, 64 << 10), 0);
		assert_delta(&c, none, "mmap and munmap");
		if (!failed)
			break;
		failed_mmaps++;
	}
	for (unsigned long n = 1;; n++) {
		unsigned long before = M->fault.failslab.attr.injected;
		failslab_nth(n);
		int fd = task_open(t, "/data", O_RDWR);
		bool failed = failslab_off(before);
		cr_assert(fd >= 0 || (failed && fd == -ENOMEM), "open gave %d", fd);
		if (fd >= 0)
			cr_assert_eq(task_close(t, fd), 0);
		assert_delta(&c, none, "open and close");
		if (!failed)
			break;
		failed_opens++;
	}
	for (unsigned long n = 1;; n++) {
		unsigned long before = M->fault.failslab.attr.injected;
		failslab_nth(n);
		long a = task_mmap(t, 0, 16 << 10, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		bool failed = failslab_off(before);
		cr_assert(a > 0 || (failed && a == -ENOMEM), "shared mmap gave %ld", a);
		if (a > 0)
			cr_assert_eq(task_munmap(t, (unsigned long)a, 16 << 10), 0);
		assert_delta(&c, none, "shared mmap and munmap");
		if (!failed)
			break;
		failed_shm++;
	}
	for (unsigned long n = 1;; n++) {
		struct task_struct *fresh = task_create("exec", 1000);
		cr_assert_not_null(fresh);
		struct counts c0 = count_now();
		void *cred = fresh->kobj.cred;
		unsigned long before = M->fault.failslab.attr.injected;
		failslab_nth(n);
		int ret = task_exec_layout(fresh, "/bin/p", 64 << 10, 16 << 10, 16 << 10);
		bool failed = failslab_off(before);
		cr_assert(!ret || (failed && ret == -ENOMEM), "exec gave %d", ret);
		if (ret) { /* nothing changed: no VMA, the old cred, the old mm_struct */
			cr_assert_eq(fresh->mm->map_count, 0);
			cr_assert_eq(fresh->kobj.cred, cred);
			assert_delta(&c0, none, "a failed exec");
		} else {
			cr_assert_neq(fresh->kobj.cred, cred, "exec committed its new cred");
		}
		task_exit(fresh);
		if (!failed)
			break;
		failed_execs++;
	}
	/*
	 * fork: task_struct, cred, files, fs, sighand, signal, mm, pid, then
	 * per VMA (text, data, bss, stack, heap) its copy, and for the heap an
	 * anon_vma and two links - plus what the stack's vmalloc asks of slab
	 * on x86_64; mmap: the VMA, vma_link's maple_node preallocation
	 * (1 + 3 * height nodes: 4 in this one-level tree, each its own
	 * failure point), then the anon_vma and its link at the fault; open:
	 * the name, the file and its LSM blob; shared: inode and its LSM blob,
	 * dentry, file and its blob, VMA and the same 4 maple nodes; exec: the
	 * name, binprm, cred and its blob, program headers, the image's file
	 * and blob, the mm_struct, then the VMAs and their maple nodes.
	 */
	cr_assert_geq(failed_forks, 8 + 5 + 3, "%d", failed_forks);
	cr_assert_eq(failed_mmaps, 1 + 4 + 2, "%d", failed_mmaps);
	cr_assert_eq(failed_opens, 3);
	cr_assert_eq(failed_shm, 6 + 4, "%d", failed_shm);
	cr_assert_geq(failed_execs, 5 + 2 + 1 + 4, "%d", failed_execs);
	task_exit(t);
	cr_assert_eq(kmm_file_unlink("/data"), 0);
	assert_nothing_lost("failslab");
}
TEST_ON_EVERY_PROFILE(kobj, failslab_in_each, failslab_in_each)

/* ---- rmap after fork ------------------------------------------------------------------------ */

struct pfn_at {
	unsigned long pfn;
};

static void pte_pfn(unsigned long addr, phys_addr_t table, unsigned long idx, pteval_t pte, void *arg)
{
	((struct pfn_at *)arg)->pfn = PHYS_PFN(pte & PTE_PFN_MASK);
}

static struct page *page_at(struct task_struct *t, unsigned long addr)
{
	struct pfn_at p = { 0 };
	walk_ptes(t->mm, addr, addr + PAGE_SIZE, pte_pfn, &p);
	cr_assert(p.pfn && pfn_valid(p.pfn), "nothing mapped at %#lx", addr);
	return pfn_to_page(p.pfn);
}

struct found {
	struct mm_struct *mm[8];
	unsigned long addr[8];
	int n;
};

static void note(struct vm_area_struct *vma, unsigned long addr, void *arg)
{
	struct found *f = arg;
	cr_assert_lt(f->n, 8);
	f->mm[f->n] = vma->vm_mm;
	f->addr[f->n++] = addr;
}

static bool found_in(const struct found *f, struct task_struct *t, unsigned long addr)
{
	for (int i = 0; i < f->n; i++)
		if (f->mm[i] == t->mm && f->addr[i] == addr)
			return true;
	return false;
}

static void rmap_after_fork(const char *profile)
{
	boot_profile(profile);
	struct task_struct *t = task_create("p", 1000);
	long a = task_mmap(t, 0, 16 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_eq(task_memset(t, (unsigned long)a, 0x11, 16 * PAGE_SIZE), 0);
	unsigned long at = (unsigned long)a + 5 * PAGE_SIZE;
	struct page *page = page_at(t, at);
	struct task_struct *c1 = task_fork(t), *c2 = task_fork(t);
	struct task_struct *gc = task_fork(c1);
	cr_assert(c1 && c2 && gc);
	/* the parent moves its heap: the page is found at its new address there */
	long moved = task_mremap(t, (unsigned long)a, 16 * PAGE_SIZE, 16 * PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED,
				 (unsigned long)a - (64UL << 20));
	cr_assert_gt(moved, 0);
	struct found f = { .n = 0 };
	cr_assert_eq(rmap_walk_anon(page, note, &f), 4);
	cr_assert_eq(page_mapcount(page), 4);
	cr_assert(found_in(&f, t, (unsigned long)moved + 5 * PAGE_SIZE));
	cr_assert(found_in(&f, c1, at) && found_in(&f, c2, at) && found_in(&f, gc, at));
	/* c1 writes: its copy is its own, found only there; the original loses c1 */
	cr_assert_eq(task_memset(c1, at, 0x22, 1), 0);
	struct page *copy = page_at(c1, at);
	cr_assert_neq(copy, page);
	f.n = 0;
	cr_assert_eq(rmap_walk_anon(copy, note, &f), 1);
	cr_assert(found_in(&f, c1, at));
	f.n = 0;
	cr_assert_eq(rmap_walk_anon(page, note, &f), 3);
	cr_assert(!found_in(&f, c1, at) && found_in(&f, gc, at));
	/* the grandchild outlives its parent: the chain still leads to it */
	task_exit(c1);
	f.n = 0;
	cr_assert_eq(rmap_walk_anon(page, note, &f), 3);
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "%s", why); /* the chains of the tasks left are the paths */
	task_exit(gc);
	task_exit(c2);
	f.n = 0;
	cr_assert_eq(rmap_walk_anon(page, note, &f), 1);
	task_exit(t);
	assert_nothing_lost("rmap");
}
TEST_ON_EVERY_PROFILE(kobj, rmap_after_fork, rmap_after_fork)
