/*
 * fork.c - the kernel objects of processes and files: the slab caches
 * Linux 6.1 keeps them in, and the kernel stacks, as kernel/fork.c,
 * kernel/pid.c, kernel/cred.c, mm/rmap.c, fs/dcache.c, fs/file_table.c,
 * mm/shmem.c, fs/buffer.c and the ext4, jbd2 and mbcache modules create
 * them.
 *
 * kmm's processes and files are host structs (struct task_struct,
 * mm_struct, vm_area_struct, anon_vma, file, inode of kmm/task.h and
 * internal.h): they are kmm's bookkeeping.  Each of them also owns the
 * memory Linux would use for it - an object of Linux's cache, in simulated
 * RAM - and points to it:
 *
 *   host struct task_struct --kobj.task-----> [task_struct object]  task_struct cache
 *                           --kobj.stack----> [THREAD_SIZE stack]   pages / vmalloc
 *                           --kobj.pid------> [struct pid]          pid
 *                           --kobj.cred, signal, sighand, fs, files ...
 *   host struct mm_struct   --obj-----------> [mm_struct object]    mm_struct
 *   host vm_area_struct     --obj-----------> [vm_start vm_end vm_mm .. vm_flags ..]
 *   host anon_vma           --obj ; each anon_vma_chain --obj--> [vma anon_vma ...]
 *   host struct file        --obj-----------> [struct file]         filp
 *   host struct inode (shmem) --obj --dentry-> shmem_inode_cache, dentry
 *   host struct inode (named) --obj --dentry-> ext4_inode_cache, dentry
 *   host address_space      --xa -----------> [xa_node]...          radix_tree_node
 *   struct page (written)   --private ------> [buffer_head] ring    buffer_head
 *
 * Nothing in simulated RAM points back at a host struct: where kmm writes
 * into an object it writes what Linux keeps there, at Linux's offset for
 * the profile, and a pointer there is the simulated kernel virtual address
 * of another object (kmm_host_to_kva), of the profile's width.  kmm writes
 * only what is cheap and worth reading (a VMA's vm_start, vm_end, vm_mm
 * and vm_flags; an anon_vma_chain's vma and anon_vma; an anon_vma's root;
 * a struct pid's count, level and number); the rest of an object stays as
 * the allocator left it (zeroed: __GFP_ZERO, as the kernel's constructors
 * and kmem_cache_zalloc leave them).
 *
 * The caches (kobj_caches[]): Linux's names, flags and object sizes per
 * profile - sizeof the 6.1 structure of the Debian build, i386 (686), PAE
 * and x86_64 (any other 32-bit profile would take i386's, a 64-bit one
 * x86_64's).  They are created in start_kernel's order (pid_idr_init,
 * anon_vma_init, cred_init, fork_init, proc_caches_init, security_init,
 * vfs_caches_init, shmem_init; radix_tree_init's radix_tree_node before
 * them all, buffer_init's buffer_head after them),
 * so kmem_cache_create merges them as Linux does: on i386 fs_cache is an
 * alias of pid and on x86_64 of anon_vma_chain; the caches with a
 * constructor (anon_vma, sighand_cache, shmem_inode_cache) or a usercopy
 * region (task_struct, mm_struct, dentry, names_cache) never merge; the
 * LSM blob caches (lsm_file_cache, lsm_inode_cache: sizes as security_init
 * adds up the blobs of Debian's LSMs) merge where a cache of their size
 * is there.  Each is allocated with Linux's gfp (GFP_KERNEL, zeroing where
 * Linux zallocs; SLAB_ACCOUNT charges by the cache's flag), as the trace
 * shows it.  The size of a
 * cache whose real structure kmm could not measure (signal_cache) is the
 * object_size /sys/kernel/slab shows for it; it is the root of its merge
 * group on both kernels, so slabinfo reads the same.
 *
 * When each is allocated and freed, as Linux does:
 *   fork (copy_process):   task_struct + stack (dup_task_struct), cred_jar
 *     and its LSM blob (copy_creds), the task's LSM blob
 *     (security_task_alloc), files_cache (dup_fd), fs_cache (copy_fs),
 *     sighand_cache, signal_cache, mm_struct (dup_mm), a vm_area_struct per
 *     VMA (vm_area_dup), anon_vma + anon_vma_chains (anon_vma_fork), pid
 *     (alloc_pid); task_create (a process made from nothing) the same.
 *   exec: the name (names_cache), the linux_binprm (kmalloc), a new
 *     mm_struct and page tables for the image (bprm_mm_init), a filp and
 *     its LSM blob for the image, a new cred and blob, the program headers
 *     (kmalloc), the image's VMAs; then the old mm goes (exec_mmap) and the
 *     old cred (commit_creds), and the temporaries are freed.
 *   open and stat: the name in names_cache for the walk (getname/putname).
 *   exit: all of them (the task_struct and stack at the last reference).
 *   mmap: vm_area_struct (vm_area_alloc); split and mremap: vm_area_dup
 *     and anon_vma_clone; munmap and merge: vm_area_free, unlink_anon_vmas.
 *   open: filp and its lsm_file_cache blob; close: the last fput.  Beyond NR_OPEN_DEFAULT (a long's
 *     bits) descriptors, an fdtable (kmalloc) with its fd array and
 *     bitmaps (kvmalloc), as expand_files and dup_fd make them
 *     (mm/filemap.c).  Shared anonymous memory: shmem_inode_cache and
 *     its lsm_inode_cache blob + dentry + filp (shmem_zero_setup).
 *   the page cache: the xarray nodes its pages need (mm/filemap.c).
 *   the store's files (mm/filemap.c): the first create (kmm_file_create,
 *     open with O_CREAT) mounts the store - kobj_ext4_mount makes the
 *     caches insmod mbcache, jbd2 and ext4 and then mount make
 *     (KOBJ_MBCACHE .. KOBJ_EXT4_GROUPINFO; names, sizes, flags from the
 *     captures in tests/data/ext4/), once per boot; a named inode owns a
 *     dentry (and an external name, kmalloc-rcl-*, if its name is too
 *     long for d_iname), an ext4_inode_cache object and its lsm_inode_cache blob
 *     while it is in core: from its create or a lookup (open, stat,
 *     read, write) to its last reference, or until the store's shrinker
 *     (mm/filemap.c) prunes them unused - the dentry first, the inode
 *     when its dentry has gone; a page-cache page of it that is written gets its
 *     buffer_heads (alloc_page_buffers: GFP_NOFS | __GFP_ACCOUNT |
 *     __GFP_NOFAIL, one per 4 KiB block), freed when the page leaves
 *     the cache.
 *   What the mount keeps lasts until shutdown: it is measured by settling
 *     the usage around it (the caches' descriptors and per-CPU slabs),
 *     and kmm_usage_settle leaves it out, so "nothing lost" compares a
 *     usage taken before the first file with one after.  The mount is
 *     measured on one CPU: one amid other CPUs' allocations would count
 *     theirs (the stress driver mounts before its CPUs start).
 * Any of these may fail (failslab reaches them all): fork returns NULL
 * (-ENOMEM), exec, mmap, open and a page-cache read -ENOMEM (a failed
 * kmem_cache_zalloc in alloc_empty_file is -ENOMEM; -ENFILE is for
 * files-max, which kmm does not limit), and what was taken so far is
 * given back.
 *
 * Kernel stacks: THREAD_SIZE is 8 KiB from the page allocator (order 1,
 * THREADINFO_GFP) on 32-bit profiles, and 16 KiB from vmalloc (VMAP_STACK,
 * aligned to THREAD_SIZE, one guard page) on 64-bit ones; each counts in
 * the node's NR_KERNEL_STACK_KB (meminfo KernelStack, vmstat
 * nr_kernel_stack).  Not modelled: the per-CPU cache of two freed vmap
 * stacks (free_thread_stack keeps them; kmm frees at once so that "nothing
 * lost" sees no vmap area left), the objects ext4's mount keeps (see
 * kobj_ext4_mount), its writeback's, and the maple tree's nodes (the VMA
 * index is kmm's own).
 *
 * Locking: none of its own; the slab allocator's locks.  Callers may hold
 * mmap_lock (the VMA paths) but never tasks_lock when they allocate.
 */
#include "internal.h"
#include "kernel/kobj.h"
#include "mm/slab.h"

#include <kmm/slab.h>
#include <kmm/task.h>
#include <kmm/vmalloc.h>

/* One cache: Linux's name, flags and sizeof per profile (i386, PAE, x86_64). */
struct kobj_cache_desc {
	const char *name;
	unsigned int size32, sizepae, size64; /* sizeof the 6.1 structure; 0: computed (kobj_object_size) */
	unsigned int align32, align64;        /* the align argument of kmem_cache_create (0: none) */
	slab_flags_t flags;
	unsigned int usersize32, usersize64;  /* usercopy region (kmem_cache_create_usercopy), 0: none */
	bool ctor;                            /* Linux gives the cache a constructor */
	gfp_t gfp;                            /* what Linux allocates its objects with (the trace shows it) */
	bool user_at_start;                   /* the usercopy region opens the object (ext4_inode_info's i_data) */
};

#define ACC (SLAB_PANIC | SLAB_ACCOUNT)
static const struct kobj_cache_desc kobj_desc[NR_KOBJ] = {
	/* in start_kernel's order: creation order decides what merges into what */
	[KOBJ_RADIX] = { "radix_tree_node", 300, 300, 576, 0, 0, SLAB_PANIC | SLAB_RECLAIM_ACCOUNT, 0, 0, true, GFP_KERNEL, false },
	[KOBJ_PID] = { "pid", 60, 60, 112, 4, 8, SLAB_HWCACHE_ALIGN | ACC, 0, 0, false, GFP_KERNEL, false },
	[KOBJ_ANON_VMA] = { "anon_vma", 52, 52, 96, 0, 0, SLAB_TYPESAFE_BY_RCU | ACC, 0, 0, true, GFP_KERNEL, false },
	[KOBJ_AVC] = { "anon_vma_chain", 32, 32, 64, 4, 8, ACC, 0, 0, false, GFP_KERNEL, false },
	[KOBJ_CRED] = { "cred_jar", 128, 128, 176, 0, 0, SLAB_HWCACHE_ALIGN | ACC, 0, 0, false, GFP_KERNEL, false },
	[KOBJ_TASK] = { "task_struct", 2944, 3008, 6208, 64, 64, ACC, 512, 512, false, GFP_KERNEL, false },
	[KOBJ_SIGHAND] = { "sighand_cache", 1300, 1300, 2080, 0, 0, SLAB_HWCACHE_ALIGN | SLAB_TYPESAFE_BY_RCU | ACC, 0, 0,
			   true, GFP_KERNEL, false },
	[KOBJ_SIGNAL] = { "signal_cache", 768, 768, 1152, 0, 0, SLAB_HWCACHE_ALIGN | ACC, 0, 0, false, GFP_KERNEL | __GFP_ZERO, false },
	[KOBJ_FILES] = { "files_cache", 256, 256, 704, 0, 0, SLAB_HWCACHE_ALIGN | ACC, 0, 0, false, GFP_KERNEL, false },
	[KOBJ_FS] = { "fs_cache", 36, 36, 56, 0, 0, SLAB_HWCACHE_ALIGN | ACC, 0, 0, false, GFP_KERNEL, false },
	[KOBJ_MM] = { "mm_struct", 0, 0, 0, 0, 0, SLAB_HWCACHE_ALIGN | ACC, 192, 384, false, GFP_KERNEL, false },
	[KOBJ_VMA] = { "vm_area_struct", 72, 76, 152, 4, 8, ACC, 0, 0, false, GFP_KERNEL, false },
	/* security_init: the blobs of the LSMs Debian enables (apparmor, landlock, tomoyo, bpf ...) */
	[KOBJ_LSM_FILE] = { "lsm_file_cache", 16, 16, 24, 0, 0, SLAB_PANIC, 0, 0, false, GFP_KERNEL | __GFP_ZERO, false },
	[KOBJ_LSM_INODE] = { "lsm_inode_cache", 16, 16, 32, 0, 0, SLAB_PANIC, 0, 0, false, GFP_NOFS | __GFP_ZERO, false },
	/* vfs_caches_init: names_cache, then dcache_init, files_init */
	[KOBJ_NAMES] = { "names_cache", 4096, 4096, 4096, 0, 0, SLAB_HWCACHE_ALIGN | SLAB_PANIC, 4096, 4096, false,
			 GFP_KERNEL, false },
	[KOBJ_DENTRY] = { "dentry", 128, 128, 192, 4, 8, SLAB_RECLAIM_ACCOUNT | SLAB_MEM_SPREAD | ACC, 36, 32, false, GFP_KERNEL, false },
	[KOBJ_FILP] = { "filp", 168, 168, 232, 0, 0, SLAB_HWCACHE_ALIGN | ACC, 0, 0, false, GFP_KERNEL | __GFP_ZERO, false },
	[KOBJ_SHMEM_INODE] = { "shmem_inode_cache", 480, 480, 776, 0, 0, ACC, 0, 0, true, GFP_KERNEL, false },
	/* buffer_init, from page_alloc_init_late: after start_kernel's caches, before the initcalls' */
	[KOBJ_BH] = { "buffer_head", 60, 60, 104, 0, 0, SLAB_RECLAIM_ACCOUNT | SLAB_PANIC | SLAB_MEM_SPREAD, 0, 0, false,
		      GFP_NOFS | __GFP_ACCOUNT | __GFP_NOFAIL | __GFP_ZERO, false },
	/*
	 * The store's mount: what the mbcache, jbd2 and ext4 modules create when
	 * they load, then ext4_mb_init's group-info cache; sizes and align are
	 * the arguments Debian's 6.1.0-50 modules pass (tests/data/ext4/).
	 * SLAB_TEMPORARY is SLAB_RECLAIM_ACCOUNT.
	 */
	[KOBJ_MBCACHE] = { "mbcache", 36, 36, 56, 0, 0, SLAB_RECLAIM_ACCOUNT | SLAB_MEM_SPREAD, 0, 0, false, GFP_NOFS, false },
	[KOBJ_JBD2_REVOKE_RECORD] = { "jbd2_revoke_record_s", 20, 20, 32, 4, 8, SLAB_HWCACHE_ALIGN | SLAB_RECLAIM_ACCOUNT,
				      0, 0, false, GFP_NOFS, false },
	[KOBJ_JBD2_REVOKE_TABLE] = { "jbd2_revoke_table_s", 12, 12, 16, 4, 8, SLAB_RECLAIM_ACCOUNT, 0, 0, false, GFP_KERNEL, false },
	[KOBJ_JBD2_JOURNAL_HEAD] = { "jbd2_journal_head", 64, 64, 112, 0, 0, SLAB_RECLAIM_ACCOUNT | SLAB_TYPESAFE_BY_RCU, 0, 0,
				     false, GFP_NOFS, false },
	[KOBJ_JBD2_HANDLE] = { "jbd2_journal_handle", 44, 44, 56, 4, 8, SLAB_RECLAIM_ACCOUNT, 0, 0, false, GFP_NOFS, false },
	[KOBJ_JBD2_INODE] = { "jbd2_inode", 40, 40, 64, 4, 8, 0, 0, 0, false, GFP_NOFS, false },
	[KOBJ_JBD2_TRANSACTION] = { "jbd2_transaction_s", 132, 132, 216, 0, 0, SLAB_HWCACHE_ALIGN | SLAB_RECLAIM_ACCOUNT, 0, 0,
				    false, GFP_NOFS, false },
	[KOBJ_EXT4_ES] = { "ext4_extent_status", 28, 28, 40, 0, 0, SLAB_RECLAIM_ACCOUNT, 0, 0, false, GFP_NOFS, false },
	[KOBJ_EXT4_PENDING] = { "ext4_pending_reservation", 16, 16, 32, 0, 0, SLAB_RECLAIM_ACCOUNT, 0, 0, false, GFP_NOFS, false },
	[KOBJ_EXT4_POST_READ] = { "ext4_bio_post_read_ctx", 28, 28, 48, 0, 0, 0, 0, 0, false, GFP_KERNEL, false },
	[KOBJ_EXT4_IO_END] = { "ext4_io_end", 36, 36, 64, 4, 8, SLAB_RECLAIM_ACCOUNT, 0, 0, false, GFP_NOFS, false },
	[KOBJ_EXT4_IO_END_VEC] = { "ext4_io_end_vec", 20, 20, 32, 4, 8, 0, 0, 0, false, GFP_NOFS, false },
	[KOBJ_EXT4_SYSTEM_ZONE] = { "ext4_system_zone", 28, 28, 40, 4, 8, 0, 0, 0, false, GFP_KERNEL, false },
	[KOBJ_EXT4_PREALLOC] = { "ext4_prealloc_space", 68, 68, 104, 4, 8, SLAB_RECLAIM_ACCOUNT, 0, 0, false, GFP_NOFS, false },
	[KOBJ_EXT4_AC] = { "ext4_allocation_context", 112, 112, 136, 4, 8, SLAB_RECLAIM_ACCOUNT, 0, 0, false, GFP_NOFS, false },
	[KOBJ_EXT4_FREE_DATA] = { "ext4_free_data", 36, 36, 56, 4, 8, SLAB_RECLAIM_ACCOUNT, 0, 0, false, GFP_NOFS, false },
	/* ext4_alloc_inode: alloc_inode_sb(GFP_NOFS); the usercopy region is i_data, the object's first 60 bytes */
	[KOBJ_EXT4_INODE] = { "ext4_inode_cache", 792, 792, 1184, 0, 0, SLAB_RECLAIM_ACCOUNT | SLAB_MEM_SPREAD | SLAB_ACCOUNT, 60,
			      60, true, GFP_NOFS, true },
	[KOBJ_EXT4_FC_DENTRY] = { "ext4_fc_dentry_update", 76, 76, 96, 4, 8, SLAB_RECLAIM_ACCOUNT, 0, 0, false, GFP_NOFS, false },
	/* offsetof(struct ext4_group_info, bb_counters[12 + 2]) for 4 KiB blocks */
	[KOBJ_EXT4_GROUPINFO] = { "ext4_groupinfo_4k", 136, 136, 184, 0, 0, SLAB_RECLAIM_ACCOUNT, 0, 0, false, GFP_NOFS, false },
};
#undef ACC

static struct kmem_cache *kobj_caches[NR_KOBJ];
static long nr_thread_stacks; /* live kernel stacks (atomic) */

/* 64-bit profiles are x86_64 or arm64, 32-bit ones take i386's layout (PAE's where it differs). */
static bool kobj_64(void)
{
	return M->prof->bits == 64;
}

/*
 * sizeof the structure on this machine.  mm_struct ends in a cpumask
 * (mm_cache_size: sizeof + cpumask_size()): NR_CPUS bits on i386 (no
 * CPUMASK_OFFSTACK), nr_cpu_ids bits on x86_64 (Debian's MAXSMP build).
 */
static unsigned int kobj_object_size(enum kobj_kind k)
{
	const struct kobj_cache_desc *d = &kobj_desc[k];
	if (k == KOBJ_MM) {
		unsigned int bits = kobj_64() ? (unsigned)M->nr_cpus : (unsigned)M->prof->nr_cpus_config;
		unsigned int word = kobj_64() ? 8 : 4;
		return (kobj_64() ? 1088u : 560u) + (bits + word * 8 - 1) / (word * 8) * word;
	}
	return kobj_64() ? d->size64 : M->prof->pae ? d->sizepae : d->size32;
}

/* The constructors (anon_vma_ctor, sighand_ctor, shmem_init_inode): locks and lists start empty - zeros in kmm's objects. */
static void kobj_ctor_anon_vma(void *obj)
{
	memset(obj, 0, kobj_object_size(KOBJ_ANON_VMA));
}

static void kobj_ctor_radix(void *obj)
{
	memset(obj, 0, kobj_object_size(KOBJ_RADIX));
}

static void kobj_ctor_sighand(void *obj)
{
	memset(obj, 0, kobj_object_size(KOBJ_SIGHAND));
}

static void kobj_ctor_shmem_inode(void *obj)
{
	memset(obj, 0, kobj_object_size(KOBJ_SHMEM_INODE));
}

static void kobj_ctor_ext4_inode(void *obj) /* ext4's init_once */
{
	memset(obj, 0, kobj_object_size(KOBJ_EXT4_INODE));
}

static void (*const kobj_ctors[NR_KOBJ])(void *) = {
	[KOBJ_RADIX] = kobj_ctor_radix,
	[KOBJ_ANON_VMA] = kobj_ctor_anon_vma,
	[KOBJ_SIGHAND] = kobj_ctor_sighand,
	[KOBJ_SHMEM_INODE] = kobj_ctor_shmem_inode,
	[KOBJ_EXT4_INODE] = kobj_ctor_ext4_inode,
};

static struct kmem_cache *kobj_cache_create(enum kobj_kind k)
{
	const struct kobj_cache_desc *d = &kobj_desc[k];
	unsigned int size = kobj_object_size(k);
	unsigned int usersize = kobj_64() ? d->usersize64 : d->usersize32;
	unsigned int align = kobj_64() ? d->align64 : d->align32;
	/* where Linux's whitelisted region sits is not modelled, but where it opens the object: it ends the object */
	unsigned int useroffset = usersize && !d->user_at_start ? size - usersize : 0;
	return kmem_cache_create_usercopy(d->name, size, align, d->flags, useroffset, usersize,
					  d->ctor ? kobj_ctors[k] : NULL);
}

/* the store's mount (kobj_ext4_mount): done, and what it took */
static bool ext4_mounted;
static struct kmm_usage ext4_mount_cost;

void kobj_caches_init(void)
{
	nr_thread_stacks = 0;
	for (int k = 0; k < NR_KOBJ_BOOT; k++)
		kobj_caches[k] = kobj_cache_create((enum kobj_kind)k);
	for (int k = NR_KOBJ_BOOT; k < NR_KOBJ; k++)
		kobj_caches[k] = NULL; /* a new boot: not mounted yet */
	ext4_mounted = false;
	memset(&ext4_mount_cost, 0, sizeof(ext4_mount_cost));
}

struct kmem_cache *kobj_cache(enum kobj_kind k)
{
	return kobj_caches[k];
}

void *kobj_alloc(enum kobj_kind k)
{
	struct kmem_cache *s = kobj_caches[k];
	if (!s)
		return NULL;
	/*
	 * Linux's gfp (SLAB_ACCOUNT caches are charged by their flag); objects
	 * of constructed caches keep their constructed state, the others start
	 * zeroed: by __GFP_ZERO where Linux zallocs, else as the caller's
	 * initialisation (vma_init's memset, dup_task_struct's copy) would
	 * leave them, which kmm does not write field by field.
	 */
	const struct kobj_cache_desc *d = &kobj_desc[k];
	void *obj = kmem_cache_alloc(s, d->gfp);
	if (obj && !d->ctor && !(d->gfp & __GFP_ZERO))
		memset(obj, 0, kobj_object_size(k));
	return obj;
}

void kobj_free(enum kobj_kind k, void *obj)
{
	if (obj)
		kmem_cache_free(kobj_caches[k], obj);
}

/* ---- the store's ext4: its mount, inodes and buffer heads ---------------------------------- */

/*
 * insmod mbcache, jbd2 and ext4, then mount: each module's caches in its
 * init's order, then the mount's ext4_groupinfo_4k.  A failure destroys
 * every cache this call made (merged ones only lose the reference), as a
 * failed module init unwinds.  The usage is settled before and after, so
 * kmm_usage_settle can leave the mount out (it lasts until shutdown).
 * Objects the mount keeps are not taken (the post-read mempool's 128, the
 * superblock's, the journal's, the root and journal inodes, the group
 * infos): they would share slabs with objects that come and go, and the
 * pages the mount holds would then depend on what else was there - "nothing
 * lost" could not tell them from a leak.  The caches' descriptors live in
 * kmem_cache and kmem_cache_node, which nothing else fills and empties.
 */
int kobj_ext4_mount(void)
{
	static pthread_mutex_t mount_lock = PTHREAD_MUTEX_INITIALIZER;
	int err = 0;
	pthread_mutex_lock(&mount_lock);
	if (ext4_mounted)
		goto out;
	struct kmm_usage before, after;
	kmm_usage_settle_raw(&before);
	for (int k = NR_KOBJ_BOOT; k < NR_KOBJ && !err; k++) {
		if (!(kobj_caches[k] = kobj_cache_create((enum kobj_kind)k)))
			err = -ENOMEM;
	}
	if (err) {
		for (int k = NR_KOBJ - 1; k >= NR_KOBJ_BOOT; k--) {
			kmem_cache_destroy(kobj_caches[k]);
			kobj_caches[k] = NULL;
		}
		goto out;
	}
	kmm_usage_settle_raw(&after);
	ext4_mount_cost.free_pages = before.free_pages - after.free_pages;
	ext4_mount_cost.slab_objects = after.slab_objects - before.slab_objects;
	ext4_mount_cost.percpu_bytes = after.percpu_bytes - before.percpu_bytes;
	__atomic_store_n(&ext4_mounted, true, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock(&mount_lock);
	return err;
}

bool kobj_ext4_mounted(void)
{
	return __atomic_load_n(&ext4_mounted, __ATOMIC_ACQUIRE);
}

void kobj_mount_cost(unsigned long *free_pages, unsigned long *slab_objects, unsigned long *percpu_bytes)
{
	bool m = kobj_ext4_mounted();
	*free_pages = m ? ext4_mount_cost.free_pages : 0;
	*slab_objects = m ? ext4_mount_cost.slab_objects : 0;
	*percpu_bytes = m ? ext4_mount_cost.percpu_bytes : 0;
}

/*
 * __d_alloc's external name, for a name longer than the dentry's inline
 * d_iname (DNAME_INLINE_LEN: 36 bytes on 32-bit SMP builds, 32 on 64-bit,
 * the NUL included): a struct external_name - a refcount in a union with
 * an rcu_head, then the name - from the reclaimable kmalloc caches.  NULL
 * when the name fits inline (*ok true) or cannot be had (*ok false).
 */
static void *dentry_external_name(const char *path, bool *ok)
{
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	unsigned long len = strlen(name), w = kobj_word();
	*ok = true;
	if (len <= (kobj_64() ? 32u : 36u) - 1)
		return NULL;
	char *p = kmalloc(2 * w + 1 + len, GFP_KERNEL_ACCOUNT | __GFP_RECLAIMABLE);
	if (!p) {
		*ok = false;
		return NULL;
	}
	u32 one = 1;
	memcpy(p, &one, 4);                   /* u.count */
	memset(p + 4, 0, 2 * w - 4);
	memcpy(p + 2 * w, name, len + 1);     /* name[], NUL-terminated */
	return p;
}

/*
 * A named file's objects, in the order a lookup takes them: its dentry
 * (d_alloc, in lookup_open) and its external name if it needs one, then -
 * unless the inode is still in core, its dentry alone having been pruned -
 * its ext4_inode_info (ext4_alloc_inode) and the inode's LSM blob
 * (inode_init_always).  0, or -ENOMEM with none of them taken.
 */
int kobj_ext4_inode_alloc(struct inode *inode)
{
	bool named = true;
	void *dentry = NULL, *ext = NULL, *obj = NULL, *isec = NULL;
	if (!inode->dentry) {
		dentry = kobj_alloc(KOBJ_DENTRY);
		ext = dentry ? dentry_external_name(inode->path, &named) : NULL;
	}
	bool ok = inode->dentry || (dentry && named);
	if (ok && !inode->obj) {
		obj = kobj_alloc(KOBJ_EXT4_INODE);
		isec = obj ? security_inode_alloc() : NULL;
		ok = isec;
	}
	if (!ok) {
		kobj_free(KOBJ_EXT4_INODE, obj);
		kfree(ext);
		kobj_free(KOBJ_DENTRY, dentry);
		return -ENOMEM;
	}
	if (dentry) {
		inode->dentry = dentry;
		inode->d_name_ext = ext;
	}
	if (obj) {
		inode->obj = obj;
		inode->i_security = isec;
	}
	return 0;
}

/* dentry_free: the dentry's external name, then it (the inode stays in core) */
void kobj_ext4_dentry_free(struct inode *inode)
{
	kfree(inode->d_name_ext);
	kobj_free(KOBJ_DENTRY, inode->dentry);
	inode->dentry = inode->d_name_ext = NULL;
}

/* evict's destroy_inode (the blob, then the inode), and the dentry's dput (its external name, then it), if there */
void kobj_ext4_inode_free(struct inode *inode)
{
	security_inode_free(inode->i_security);
	kobj_free(KOBJ_EXT4_INODE, inode->obj);
	kobj_ext4_dentry_free(inode);
	inode->i_security = inode->obj = NULL;
}

/*
 * struct buffer_head of 6.1: b_state, b_this_page, b_page (words),
 * b_blocknr (a u64 sector_t), b_size, b_data, b_bdev, b_end_io, b_private
 * (words), b_assoc_buffers (a list_head), b_assoc_map, b_count, the lock:
 * 60 bytes on i386, 104 on x86_64.
 */
#define BH_BLOCK_SIZE 4096UL /* the store's ext4 has 4 KiB blocks */
#define BH_UPTODATE 0x1UL   /* 1 << BH_Uptodate: the page cache's pages are read in when added */

static void *bh_next(void *bh)
{
	return kmm_kva_to_host(kobj_get_word(bh, kobj_word()));
}

void kobj_free_buffers(void *head)
{
	if (!head)
		return;
	void *bh = head;
	do {
		void *next = bh_next(bh);
		kobj_free(KOBJ_BH, bh);
		bh = next;
	} while (bh && bh != head);
}

/*
 * alloc_page_buffers + create_empty_buffers: from the page's last block to
 * its first, each buffer_head zeroed (alloc_buffer_head) with its block
 * number unknown (-1), its size and its data (set_bh_page: an offset in a
 * highmem page, an address in a lowmem one); then closed into a ring and
 * marked up to date.  With __GFP_NOFAIL the allocator does not give up;
 * if it still returns NULL, what was had goes back.
 */
void *kobj_alloc_buffers(struct page *page)
{
	unsigned int w = kobj_word();
	void *head = NULL, *tail = NULL;
	for (long offset = (long)(PAGE_SIZE - BH_BLOCK_SIZE); offset >= 0; offset -= (long)BH_BLOCK_SIZE) {
		void *bh = kobj_alloc(KOBJ_BH);
		if (!bh) {
			if (tail)
				kobj_put_ptr(tail, w, head); /* close the ring to give it back */
			kobj_free_buffers(head);
			return NULL;
		}
		kobj_put_ptr(bh, w, head); /* b_this_page */
		if (!tail)
			tail = bh;
		head = bh;
		u64 unknown = ~0ULL;
		memcpy((char *)bh + 3 * w, &unknown, 8);         /* b_blocknr */
		kobj_put_word(bh, 3 * w + 8, BH_BLOCK_SIZE);     /* b_size */
		void *addr = PageHighMem(page) ? NULL : page_address(page);
		kobj_put_word(bh, 4 * w + 8, (addr ? kmm_host_to_kva(addr) : 0) + (unsigned long)offset); /* b_data */
		kobj_put_ptr(bh, 8 * w + 8, (char *)bh + 8 * w + 8);   /* b_assoc_buffers: INIT_LIST_HEAD */
		kobj_put_ptr(bh, 9 * w + 8, (char *)bh + 8 * w + 8);
	}
	kobj_put_ptr(tail, w, head);
	void *bh = head;
	do {
		kobj_put_word(bh, 0, kobj_get_word(bh, 0) | BH_UPTODATE);
		bh = bh_next(bh);
	} while (bh != head);
	return head;
}

/* ---- path names and the LSMs' blobs ------------------------------------------------------ */

/*
 * getname's __getname: the name goes into a PATH_MAX names_cache object
 * (struct filename and its inline name in 6.1; kmm writes the name only).
 */
void *kobj_getname(const char *path)
{
	char *name = kobj_alloc(KOBJ_NAMES);
	if (name)
		snprintf(name, kobj_object_size(KOBJ_NAMES), "%s", path);
	return name;
}

void kobj_putname(void *name)
{
	kobj_free(KOBJ_NAMES, name);
}

/*
 * The blob sizes security_init adds up for the LSMs Debian's 6.1 enables
 * (CONFIG_LSM with apparmor the exclusive one, so tomoyo, landlock and
 * bpf too; selinux and smack stay off): a cred carries apparmor's label
 * and landlock's domain pointer, a task apparmor's aa_task_ctx (three
 * label pointers, a u64 token, a callback_head, a bool) and tomoyo's two
 * domain pointers.  Each module's part is aligned to a pointer.
 */
static unsigned long sizeof_binprm(void);

static unsigned long lbs_cred(void)
{
	return 2 * kobj_word();
}

static unsigned long lbs_task(void)
{
	unsigned long w = kobj_word(), u64_align = kobj_64() ? 8 : 4;
	unsigned long aa = ALIGN(ALIGN(3 * w, u64_align) + 8 + 2 * w + 1, u64_align);
	return ALIGN(aa, w) + 2 * w;
}

/* lsm_cred_alloc: kzalloc(blob_sizes.lbs_cred, GFP_KERNEL) */
void *security_cred_alloc(void)
{
	return kzalloc(lbs_cred(), GFP_KERNEL);
}

void security_cred_free(void *blob)
{
	kfree(blob);
}

void *security_file_alloc(void)
{
	return kobj_alloc(KOBJ_LSM_FILE);
}

void security_file_free(void *blob)
{
	kobj_free(KOBJ_LSM_FILE, blob);
}

void *security_inode_alloc(void)
{
	return kobj_alloc(KOBJ_LSM_INODE);
}

void security_inode_free(void *blob)
{
	kobj_free(KOBJ_LSM_INODE, blob);
}

/* ---- writing Linux's fields ------------------------------------------------------------- */

unsigned int kobj_word(void)
{
	return M->prof->bits / 8;
}

void kobj_put_word(void *obj, unsigned int off, unsigned long val)
{
	if (kobj_word() == 8) {
		u64 v = val;
		memcpy((char *)obj + off, &v, 8);
	} else {
		u32 v = (u32)val;
		memcpy((char *)obj + off, &v, 4);
	}
}

unsigned long kobj_get_word(const void *obj, unsigned int off)
{
	if (kobj_word() == 8) {
		u64 v;
		memcpy(&v, (const char *)obj + off, 8);
		return (unsigned long)v;
	}
	u32 v;
	memcpy(&v, (const char *)obj + off, 4);
	return v;
}

void kobj_put_ptr(void *obj, unsigned int off, const void *target)
{
	kobj_put_word(obj, off, target ? kmm_host_to_kva(target) : 0);
}

/*
 * vm_area_struct's first fields: vm_start, vm_end, vm_mm, vm_page_prot
 * (64 bits on PAE), vm_flags.
 */
void kobj_vma_sync(const struct vm_area_struct *v)
{
	if (!v->obj)
		return;
	unsigned int w = kobj_word();
	kobj_put_word(v->obj, 0, v->vm_start);
	kobj_put_word(v->obj, w, v->vm_end);
	kobj_put_ptr(v->obj, 2 * w, v->vm_mm ? v->vm_mm->obj : NULL);
	kobj_put_word(v->obj, 3 * w + (M->prof->pae ? 8 : w), v->vm_flags);
}

/* ---- the kernel stack ---------------------------------------------------------------------- */

#define THREAD_SIZE_32 8192UL  /* THREAD_SIZE_ORDER 1 */
#define THREAD_SIZE_64 16384UL /* KASAN off: THREAD_SIZE_ORDER 2 */

unsigned long thread_size(void)
{
	return kobj_64() ? THREAD_SIZE_64 : THREAD_SIZE_32;
}

void account_kernel_stack(void *stack, int sign)
{
	if (kobj_64()) {
		for (unsigned long off = 0; off < THREAD_SIZE_64; off += PAGE_SIZE) {
			struct page *page = vmalloc_to_page((char *)stack + off);
			__atomic_add_fetch(&NODE_DATA(page_to_nid(page))->nr_kernel_stack, sign * (long)(PAGE_SIZE >> 10),
					   __ATOMIC_RELAXED);
		}
	} else {
		struct page *page = virt_to_page(stack); /* charged (THREADINFO_GFP): its memory cgroup counts it too */
		mod_node_page_state(page, nr_kernel_stack, sign * (long)(THREAD_SIZE_32 >> 10));
	}
}

/*
 * dup_task_struct's alloc_thread_stack_node: the stack, zeroed; NULL if
 * there is no memory.  caller names the vmap stack in vmallocinfo (Linux's
 * is kernel_clone, which copy_process is inlined into; kmm's task_create).
 */
void *alloc_thread_stack(const void *caller)
{
	void *stack;
	if (kobj_64()) {
		/* __vmalloc_node_range(THREAD_SIZE, THREAD_ALIGN, ..., THREADINFO_GFP & ~__GFP_ACCOUNT ...) */
		stack = __vmalloc_node(THREAD_SIZE_64, THREAD_SIZE_64, GFP_KERNEL | __GFP_ZERO, NUMA_NO_NODE,
				       caller);
	} else {
		struct page *page = alloc_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO, 1);
		stack = page ? page_address(page) : NULL;
	}
	if (stack) {
		account_kernel_stack(stack, 1);
		__atomic_add_fetch(&nr_thread_stacks, 1, __ATOMIC_RELAXED);
	}
	return stack;
}

void free_thread_stack(void *stack)
{
	if (!stack)
		return;
	account_kernel_stack(stack, -1);
	__atomic_sub_fetch(&nr_thread_stacks, 1, __ATOMIC_RELAXED);
	if (kobj_64())
		vfree(stack);
	else
		__free_pages(virt_to_page(stack), 1);
}

unsigned long nr_vmap_stacks(void)
{
	return M && kobj_64() ? (unsigned long)__atomic_load_n(&nr_thread_stacks, __ATOMIC_RELAXED) : 0;
}

/*
 * Pages the objects of processes and files hold now: their caches' slabs
 * (each cache once, merged kinds share one), the kmalloc caches of the
 * LSM blobs and of exec's binprm and program headers, PAE's pgd_cache,
 * and the kernel stacks.
 */
unsigned long kobj_pages(void)
{
	unsigned long pages = (unsigned long)__atomic_load_n(&nr_thread_stacks, __ATOMIC_RELAXED) *
			      (thread_size() >> PAGE_SHIFT);
	struct kmem_cache *caches[NR_KOBJ + 5];
	int n = 0;
	for (int k = 0; k < NR_KOBJ; k++)
		caches[n++] = kobj_caches[k];
	caches[n++] = M->pgd_cache; /* PAE's page directories (arch/pgtable.c), perhaps merged with a kind's cache */
	caches[n++] = kmalloc_slab(lbs_cred(), GFP_KERNEL);
	caches[n++] = kmalloc_slab(lbs_task(), GFP_KERNEL);
	caches[n++] = kmalloc_slab(sizeof_binprm(), GFP_KERNEL);
	caches[n++] = kmalloc_slab(3 * (kobj_64() ? 56 : 32), GFP_KERNEL);
	for (int k = 0; k < n; k++) {
		bool seen = false;
		for (int j = 0; j < k; j++)
			seen = seen || caches[j] == caches[k];
		if (seen || !caches[k])
			continue;
		struct slabinfo si;
		get_slabinfo(caches[k], &si);
		pages += si.num_slabs << si.cache_order;
	}
	return pages;
}

/* ---- a task's objects ------------------------------------------------------------------------ */

/* struct pid: count (1), level (0), numbers[0].nr after the wait queue and the rcu head. */
static void kobj_pid_set(void *pid, int nr)
{
	unsigned int numbers = kobj_64() ? 96 : 52;
	u32 one = 1, zero = 0, n = (u32)nr;
	memcpy(pid, &one, 4);
	memcpy((char *)pid + 4, &zero, 4);
	memcpy((char *)pid + numbers, &n, 4);
	kobj_put_word(pid, numbers + kobj_word(), 0); /* numbers[0].ns: init_pid_ns, not an object of kmm's */
}

void kobj_pid_number(struct task_struct *t)
{
	if (t->kobj.pid)
		kobj_pid_set(t->kobj.pid, t->pid);
}

/*
 * copy_process's allocations, in its order: task_struct and stack,
 * cred and its LSM blob (copy_creds), the task's LSM blob
 * (security_task_alloc), files, fs, sighand, signal (the mm is the
 * caller's: dup_mm / mm_alloc), pid.  0, or -ENOMEM with nothing kept.
 */
int kobj_task_alloc(struct task_struct *t)
{
	struct task_kobjs *o = &t->kobj;
	memset(o, 0, sizeof(*o));
	if (!(o->task = kobj_alloc(KOBJ_TASK)))
		goto fail;
	if (!(o->stack = alloc_thread_stack(__builtin_return_address(0))))
		goto fail;
	if (!(o->cred = kobj_alloc(KOBJ_CRED)) || !(o->cred_security = security_cred_alloc()) ||
	    !(o->task_security = kzalloc(lbs_task(), GFP_KERNEL)) || /* security_task_alloc */
	    !(o->files = kobj_alloc(KOBJ_FILES)) ||
	    !(o->fs = kobj_alloc(KOBJ_FS)) || !(o->sighand = kobj_alloc(KOBJ_SIGHAND)) ||
	    !(o->signal = kobj_alloc(KOBJ_SIGNAL)) || !(o->pid = kobj_alloc(KOBJ_PID)))
		goto fail;
	return 0;
fail:
	kobj_task_exit(t);
	kobj_task_free(t);
	return -ENOMEM;
}

/* exit: what do_exit and release_task give back (the task_struct and its stack wait for the last put). */
void kobj_task_exit(struct task_struct *t)
{
	struct task_kobjs *o = &t->kobj;
	kobj_free(KOBJ_FILES, o->files);  /* exit_files */
	kobj_free(KOBJ_FS, o->fs);        /* exit_fs */
	kobj_free(KOBJ_SIGHAND, o->sighand); /* __exit_signal: __cleanup_sighand */
	kobj_free(KOBJ_SIGNAL, o->signal);   /* put_signal_struct */
	kobj_free(KOBJ_PID, o->pid);         /* detach_pid: put_pid */
	security_cred_free(o->cred_security); /* put_task_struct's exit_creds, done early: nothing reads it */
	kobj_free(KOBJ_CRED, o->cred);
	o->files = o->fs = o->sighand = o->signal = o->pid = o->cred = o->cred_security = NULL;
}

/*
 * sizeof(struct linux_binprm) of 6.1: nine pointer-sized fields before
 * and after a word of flag bits, six ints, the saved rlimit (two words)
 * and the 256-byte header buffer; 416 bytes on x86_64, 348 on i386.
 */
static unsigned long sizeof_binprm(void)
{
	unsigned long w = kobj_word();
	unsigned long head = 5 * w + ALIGN(4, w) + 4 * w + 4 * 4 + 3 * w + 2 * 4;
	return ALIGN(head, w) + 2 * w + 2 * w + 256;
}

int kobj_exec_begin(struct exec_kobjs *e, const char *path, unsigned int nr_phdrs)
{
	unsigned long phdr = kobj_64() ? 56 : 32; /* sizeof(Elf64_Phdr), sizeof(Elf32_Phdr) */
	memset(e, 0, sizeof(*e));
	if ((e->name = kobj_getname(path)) && (e->bprm = kzalloc(sizeof_binprm(), GFP_KERNEL)) &&
	    (e->cred = kobj_alloc(KOBJ_CRED)) && (e->cred_security = security_cred_alloc()) &&
	    (e->phdrs = kmalloc(nr_phdrs * phdr, GFP_KERNEL)))
		return 0;
	kobj_exec_end(NULL, e, false);
	return -ENOMEM;
}

void kobj_exec_end(struct task_struct *t, struct exec_kobjs *e, bool ok)
{
	kfree(e->phdrs); /* load_elf_binary's kfree(elf_phdata) */
	if (ok && t) {   /* commit_creds: the old cred goes (put_cred, an RCU free in Linux) */
		security_cred_free(t->kobj.cred_security);
		kobj_free(KOBJ_CRED, t->kobj.cred);
		t->kobj.cred = e->cred;
		t->kobj.cred_security = e->cred_security;
	} else { /* abort_creds */
		security_cred_free(e->cred_security);
		kobj_free(KOBJ_CRED, e->cred);
	}
	kfree(e->bprm); /* free_bprm */
	kobj_putname(e->name);
	memset(e, 0, sizeof(*e));
}

/* free_task: the stack and the task_struct. */
void kobj_task_free(struct task_struct *t)
{
	kfree(t->kobj.task_security); /* security_task_free */
	free_thread_stack(t->kobj.stack);
	kobj_free(KOBJ_TASK, t->kobj.task);
	t->kobj.stack = t->kobj.task = t->kobj.task_security = NULL;
}
