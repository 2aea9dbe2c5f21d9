/*
 * kernel/kobj.h - the kernel objects of processes and files in simulated
 * RAM (kernel/fork.c has the theory): Linux 6.1's caches and the calls
 * that take and give back their objects.
 */
#ifndef KMM_KERNEL_KOBJ_H
#define KMM_KERNEL_KOBJ_H

#include <stdbool.h>

struct kmem_cache;
struct page;
struct task_struct;
struct vm_area_struct;

/* The caches, in start_kernel's order of creation. */
enum kobj_kind {
	KOBJ_RADIX,       /* "radix_tree_node": the page cache's xarray nodes (radix_tree_init, early) */
	KOBJ_PID,         /* "pid": struct pid with one upid (alloc_pid) */
	KOBJ_ANON_VMA,    /* "anon_vma" */
	KOBJ_AVC,         /* "anon_vma_chain" */
	KOBJ_CRED,        /* "cred_jar": struct cred (copy_creds) */
	KOBJ_TASK,        /* "task_struct" */
	KOBJ_SIGHAND,     /* "sighand_cache" */
	KOBJ_SIGNAL,      /* "signal_cache": signal_struct */
	KOBJ_FILES,       /* "files_cache": files_struct */
	KOBJ_FS,          /* "fs_cache": fs_struct */
	KOBJ_MM,          /* "mm_struct" */
	KOBJ_VMA,         /* "vm_area_struct" */
	KOBJ_LSM_FILE,    /* "lsm_file_cache": the LSMs' blob of a struct file (security_init) */
	KOBJ_LSM_INODE,   /* "lsm_inode_cache": the LSMs' blob of an inode, after an rcu_head */
	KOBJ_NAMES,       /* "names_cache": PATH_MAX bytes for a path name from user space (getname) */
	KOBJ_DENTRY,      /* "dentry" */
	KOBJ_FILP,        /* "filp": struct file */
	KOBJ_SHMEM_INODE, /* "shmem_inode_cache": shmem_inode_info with its inode */
	KOBJ_BH,          /* "buffer_head": a block of a page-cache page (buffer_init, page_alloc_init_late) */
	NR_KOBJ_BOOT,     /* the kinds above exist from boot; those below from the store's mount on */
	/* insmod mbcache, jbd2, ext4 (each module's init, in order), then mount */
	KOBJ_MBCACHE = NR_KOBJ_BOOT, /* "mbcache": mb_cache_entry (mbcache_init) */
	KOBJ_JBD2_REVOKE_RECORD,  /* "jbd2_revoke_record_s" (journal_init_caches) */
	KOBJ_JBD2_REVOKE_TABLE,   /* "jbd2_revoke_table_s" */
	KOBJ_JBD2_JOURNAL_HEAD,   /* "jbd2_journal_head" */
	KOBJ_JBD2_HANDLE,         /* "jbd2_journal_handle" */
	KOBJ_JBD2_INODE,          /* "jbd2_inode" */
	KOBJ_JBD2_TRANSACTION,    /* "jbd2_transaction_s" */
	KOBJ_EXT4_ES,             /* "ext4_extent_status" (ext4_init_fs from here on) */
	KOBJ_EXT4_PENDING,        /* "ext4_pending_reservation" */
	KOBJ_EXT4_POST_READ,      /* "ext4_bio_post_read_ctx" */
	KOBJ_EXT4_IO_END,         /* "ext4_io_end" */
	KOBJ_EXT4_IO_END_VEC,     /* "ext4_io_end_vec" */
	KOBJ_EXT4_SYSTEM_ZONE,    /* "ext4_system_zone" */
	KOBJ_EXT4_PREALLOC,       /* "ext4_prealloc_space" (ext4_init_mballoc) */
	KOBJ_EXT4_AC,             /* "ext4_allocation_context" */
	KOBJ_EXT4_FREE_DATA,      /* "ext4_free_data" */
	KOBJ_EXT4_INODE,          /* "ext4_inode_cache": ext4_inode_info with its inode (init_inodecache) */
	KOBJ_EXT4_FC_DENTRY,      /* "ext4_fc_dentry_update" */
	KOBJ_EXT4_GROUPINFO,      /* "ext4_groupinfo_4k": made by the mount (ext4_mb_init) */
	NR_KOBJ
};

/* Boot: create the caches up to NR_KOBJ_BOOT (after kmem_cache_init and vmalloc_init). */
void kobj_caches_init(void);
/*
 * The store's ext4 is mounted (the modules loaded, then mount): the other
 * caches made, once per boot; 0, or -ENOMEM with the ext4 module's part
 * undone.  Call without filemap_lock: it settles the usage around the mount
 * (kobj_mount_cost).
 */
int kobj_ext4_mount(void);
bool kobj_ext4_mounted(void);
/* What the mount took and keeps until shutdown, as kmm_usage_settle measures (all 0 before it) */
void kobj_mount_cost(unsigned long *free_pages, unsigned long *slab_objects, unsigned long *percpu_bytes);
struct kmem_cache *kobj_cache(enum kobj_kind k);
/* An object (Linux's gfp, zeroed or constructed); NULL when the allocation fails (failslab included) or its cache is not made yet. */
void *kobj_alloc(enum kobj_kind k);
void kobj_free(enum kobj_kind k, void *obj);

/* Linux's fields: a word of the profile's width, a pointer as the target's kernel virtual address. */
unsigned int kobj_word(void);
void kobj_put_word(void *obj, unsigned int off, unsigned long val);
unsigned long kobj_get_word(const void *obj, unsigned int off);
void kobj_put_ptr(void *obj, unsigned int off, const void *target);
/* vm_start, vm_end, vm_mm and vm_flags into the VMA's object */
void kobj_vma_sync(const struct vm_area_struct *v);

/* THREAD_SIZE; a kernel stack (NR_KERNEL_STACK_KB counts it), NULL without memory */
unsigned long thread_size(void);
/* NR_KERNEL_STACK_KB of the stack's node(s) by sign * its size: a task's, or a boot thread's (mm/boot_population.c) */
void account_kernel_stack(void *stack, int sign);
void *alloc_thread_stack(const void *caller); /* caller: for vmallocinfo */
void free_thread_stack(void *stack);
/* Kernel stacks that are vmap areas (64-bit profiles), 0 on 32-bit ones */
unsigned long nr_vmap_stacks(void);
/* Pages the objects of processes and files hold: their caches' slabs and the kernel stacks */
unsigned long kobj_pages(void);

/*
 * getname: a path name copied into a names_cache object (the object, or
 * NULL when it cannot be had); putname gives it back.
 */
void *kobj_getname(const char *path);
void kobj_putname(void *name);
/* the LSMs' blobs: a cred's and a task's (kzalloc), a file's and an inode's (their caches) */
void *security_cred_alloc(void);
void security_cred_free(void *blob);
void *security_file_alloc(void);
void security_file_free(void *blob);
void *security_inode_alloc(void);
void security_inode_free(void *blob);

/*
 * exec's objects besides the new mm (do_execveat_common, load_elf_binary):
 * the file name (getname), the linux_binprm (alloc_bprm), the new cred
 * and its LSM blob (prepare_bprm_creds), the program headers
 * (load_elf_phdrs: nr_phdrs of them).  kobj_exec_begin takes them all or
 * none (-ENOMEM); kobj_exec_end gives back the temporary ones and, if the
 * exec succeeded, installs the new cred in place of the task's old one
 * (commit_creds), else frees it.
 */
struct exec_kobjs {
	void *name, *bprm, *cred, *cred_security, *phdrs;
};
int kobj_exec_begin(struct exec_kobjs *e, const char *path, unsigned int nr_phdrs);
void kobj_exec_end(struct task_struct *t, struct exec_kobjs *e, bool ok);

/*
 * The buffer_heads of a page-cache page (alloc_page_buffers: one per 4 KiB
 * block, GFP_NOFS | __GFP_ACCOUNT | __GFP_NOFAIL as create_empty_buffers
 * asks), linked in a ring: the head, or NULL when none could be had.
 * kobj_free_buffers gives a ring back (try_to_free_buffers).
 */
void *kobj_alloc_buffers(struct page *page);
void kobj_free_buffers(void *head);
/*
 * A named file's dentry and its ext4 inode with its LSM blob: alloc takes
 * those it lacks (0, or -ENOMEM with none taken), free gives all back;
 * dentry_free only the dentry (the dcache shrinker's, mm/filemap.c).
 */
struct inode;
int kobj_ext4_inode_alloc(struct inode *inode);
void kobj_ext4_inode_free(struct inode *inode);
void kobj_ext4_dentry_free(struct inode *inode);

/* A task's objects but its mm: 0 or -ENOMEM (nothing kept); given back at exit, and at the last put. */
int kobj_task_alloc(struct task_struct *t);
void kobj_task_exit(struct task_struct *t);
void kobj_task_free(struct task_struct *t);
/* the task's pid number into its struct pid */
void kobj_pid_number(struct task_struct *t);

#endif
