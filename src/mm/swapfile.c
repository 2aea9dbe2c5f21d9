/*
 * swapfile.c - swap areas, as Linux 6.1's mm/swapfile.c keeps them.
 *
 * kmm_swapon(name, bytes, flags) is mkswap and swapon(2) of a disk of the
 * machine: the disk's bytes are host memory reserved for its size and
 * backed only where pages are written (MAP_NORESERVE), page 0 is the
 * header (slot 0 is never handed out), slots 1 .. last_page the rest, as
 * read_swap_header counts them (p->pages = maxpages - 1, capped by
 * max_swapfile_size(), what the profile's swap PTEs can hold).
 *
 *   swap_info[type]  one per area, type = its index (at most MAX_SWAPFILES)
 *     swap_map[off]  PTEs holding the slot | SWAP_HAS_CACHE (a page is in
 *                    the swap cache for it); 0 = free, SWAP_MAP_BAD = the header
 *     lowest_bit .. highest_bit  where free slots may be
 *     cluster_next, cluster_nr   the rotational-disk allocator's position
 *     cluster_info[idx]  SSD only: per SWAPFILE_CLUSTER (256) slots, the
 *                    count of them in use, or the free list's next link
 *     free_clusters  SSD only: head/tail of the clusters with count 0
 *     percpu_cluster[cpu], cluster_next_cpu[cpu]  SSD only: each CPU's
 *                    cluster and scan base
 *
 *   cluster_info:  [ 0: hdr+255 used ][ 1: FREE -> 2 ][ 2: FREE -> 5 ] ...
 *   free_clusters: head 1 ... tail        CPU0 -> cluster 3, CPU1 -> cluster 4
 *
 * Priorities: SWAP_FLAG_PREFER gives one (0..32767), else areas get -2,
 * -3, ... in swapon order (least_priority); slots come from the highest
 * priority area that has one.  kmm_swapon's disks are rotational, as
 * QEMU's virtio disk is, and so is the store's: slots are found the
 * non-SSD way (scan_swap_map_slots without cluster_info): a run of
 * SWAPFILE_CLUSTER free slots is looked for first, then slots are taken
 * in order from it, and failing that, the first free slot after
 * cluster_next.  A solid-state disk (kmm_swapon_disk(.., false),
 * SWP_SOLIDSTATE) gets 6.1's cluster allocator: each simulated CPU takes
 * slots in order from a cluster of its own, the free list's head when it
 * has none (scan_swap_map_try_ssd_cluster), so two CPUs write to
 * different clusters; a cluster whose last slot goes free joins the free
 * list's tail; with no free cluster a CPU scans on from its own
 * cluster_next_cpu (random at swapon, for wear levelling, and again when
 * the scan crosses a swap cache address space of 2^14 slots).  Invariant:
 * cluster_info[i].count == slots of cluster i with swap_map != 0 (the
 * header and the slots past the end count), and count == 0 <=> FREE <=>
 * on free_clusters.  Discard (SWAP_FLAG_DISCARD*) sets only the flags the
 * Adding line prints ("D", "s", "c"), on an SSD: kmm's disks keep no
 * TRIM state, so a freed cluster skips discard_clusters.
 *
 * Views: /proc/swaps as swap_show prints it; SwapTotal and SwapFree in
 * meminfo (total_swap_pages, nr_swap_pages); the "Adding ...k swap on"
 * line (FS: Debian's frontswap, for zswap, is built in).
 *
 * A slot's count is the PTEs holding it (swap_duplicate, swap_free) and
 * SWAP_HAS_CACHE while a page is in the swap cache for it (swapcache_free
 * drops that).  When both are gone the map keeps SWAP_HAS_CACHE and the
 * slot goes to free_swap_slot (mm/swap_slots.c): this CPU's return cache
 * frees it with 63 others (swapcache_free_entries), or it is freed at
 * once when no slot cache is in use.  Slots are handed out the same way
 * (get_swap_page there, 64 at a time from get_swap_pages here).  The swap
 * cache and the I/O are mm/swap_state.c's.
 *
 * Each slot also keeps the shadow entry reclaim left when the page that
 * was on it left the swap cache (mm/workingset.c); a slot that comes free
 * drops it (clear_shadow_from_swap_cache).  An area is rotational (every
 * disk kmm_swapon makes) or solid state (kmm_swapon_disk): while any
 * rotational one is on (nr_rotate_swap), swap readahead goes by slot.
 *
 * swapoff, as 6.1's: the memory check (__vm_enough_memory, mm/util.c:
 * in the default heuristic mode an area's own pages always pass; with
 * vm.overcommit_memory 2 what is committed must fit without them), the area stops
 * giving slots (SWP_WRITEOK off) and leaves SwapTotal/SwapFree, the slot
 * caches are drained and left unused until it is done, then
 * try_to_unuse brings its pages back - shmem files' (shmem_unuse in
 * filemap.c), every task's PTEs holding its slots (unuse_mm in memory.c,
 * reading through the swap cache with readahead), then the pages still cached for its slots - and repeats
 * while slots stay in use.  If a page cannot be had the area is put back
 * (reinsert_swap_info) and swapoff fails with -ENOMEM; 6.1 would make
 * the swapoff process the OOM victim (oom_origin) and fail with -EINTR,
 * but kmm's caller is no task.  A pass that frees nothing fails with
 * -EBUSY (a holder no task's page tables show, e.g. a bare slot held by
 * the swap cache with no page: 6.1 would loop until a signal).
 *
 * Swap files (kmm_mkswap, kmm_swapon_file): a file of the store
 * (mm/filemap.c) is made swap as 6.1 makes one on ext4.  mkswap writes
 * the header into its first page through the page cache and syncs it;
 * swapon opens the file read-write (si->swap_file holds it until
 * swapoff), refuses it if its name is gone (-ENOENT) or it is swap
 * already (-EBUSY, IS_SWAPFILE), reads the header page through the page
 * cache and checks it (read_swap_header), then ext4's swap_activate
 * (iomap_swapfile_activate): the file is written back, its blocks
 * walked - a hole ("has unallocated extents") is -EINVAL - and the inode
 * marked S_SWAPFILE.  From then on the slots are the file's own bytes on
 * the disk (si->disk is the inode's, slot o its page o: the store keeps
 * a file in one run, so one extent), swap I/O going past the page cache
 * as 6.1's does; the store refuses writes and truncation (-ETXTBSY),
 * unlink and replacement (-EPERM) until swapoff clears the mark and puts
 * the file.  The store's disk is rotational, as QEMU's is.
 *
 * Not yet: more than SWAP_MAP_MAX (62) holders of one slot
 * (swap_count_continued); THP swap (swap_alloc_cluster, CLUSTER_FLAG_HUGE);
 * the reuse of cache-only slots when swap is half full (vm_swap_full).
 *
 * Locking: swapon_mutex serialises swapoffs and swap files' swapons (it
 * is taken outside filemap_lock and mmap_lock, and the slot caches' locks);
 * swap_lock guards the table
 * and every area's map, shadows and counters, and is taken inside
 * mmap_lock, the page lock, swap_cache_lock and a slot cache's locks;
 * the cluster allocator's lists and per-CPU clusters are under it too.
 */
#include "internal.h"

#include <fcntl.h>
#include <sys/mman.h>

#include <kmm/swap.h>
#include <kmm/task.h>

/* MAX_SWAPFILES: internal.h, beside the migration entries' types that follow it */
#define SWAPFILE_CLUSTER 256
#define SWAP_HAS_CACHE 0x40
#define SWAP_MAP_MAX 0x3e       /* PTEs a slot's count holds (no swap_count_continued here: more is refused) */
#define SWAP_MAP_BAD 0x3f
#define SWAP_NAME_MAX 64
#define MIN_SWAP_PAGES 10       /* mkswap: "swap space needs to be at least 40 KiB" */
#define SWAP_ADDRESS_SPACE_SHIFT 14 /* a swap cache address space covers 2^14 slots */
#define SWAP_ADDRESS_SPACE_PAGES (1UL << SWAP_ADDRESS_SPACE_SHIFT)
/*
 * The free list interleaves clusters by column, as setup_swap_map_and_extents:
 * max(L1_CACHE_BYTES / sizeof(struct swap_cluster_info) (64 / 8 on 6.1, a
 * spinlock and the word below), SWAP_ADDRESS_SPACE_PAGES / SWAPFILE_CLUSTER).
 */
#define SWAP_CLUSTER_COLS 64
#define SWP_DISCARDABLE 1
#define SWP_AREA_DISCARD 2
#define SWP_PAGE_DISCARD 4

/*
 * A cluster of SWAPFILE_CLUSTER slots (include/linux/swap.h): data is its
 * count of slots in use, or, while it is free, the next free cluster's
 * index (CLUSTER_FLAG_NEXT_NULL: none).  6.1's per-cluster spinlock is
 * swap_lock's job here: kmm takes one lock for an area's map.
 */
struct swap_cluster_info {
	unsigned int data : 24;          /* the count, or the next cluster on a list */
	unsigned int flags : 8;          /* CLUSTER_FLAG_* */
};
#define CLUSTER_FLAG_FREE 1              /* on free_clusters; data links the list */
#define CLUSTER_FLAG_NEXT_NULL 2         /* no next cluster: a list's end, an empty list or CPU cluster */

/* head and tail of a singly linked list through cluster_info[].data */
struct swap_cluster_list {
	struct swap_cluster_info head;   /* data = the first cluster's index, or NEXT_NULL */
	struct swap_cluster_info tail;   /* data = the last's */
};

/* A CPU's cluster: slots are taken from index.data's cluster at next on */
struct percpu_cluster {
	struct swap_cluster_info index;  /* the cluster (NEXT_NULL: none yet) */
	unsigned int next;               /* the slot to look at next */
};

struct swap_info_struct {
	char *name;                      /* the path swapon was given (a disk's /dev name, or a file of the store) */
	int prio;
	unsigned char *swap_map;         /* a count per slot (host memory) */
	unsigned char *disk;             /* the disk's bytes: slot o at o * PAGE_SIZE (a swap file's own disk bytes) */
	unsigned long disk_bytes;
	struct file *swap_file;          /* a swap file's open file (S_SWAPFILE on its inode); NULL for a disk */
	unsigned long max;               /* slots, the header's included */
	unsigned long pages;             /* usable slots */
	unsigned long inuse_pages;
	unsigned long lowest_bit, highest_bit;
	unsigned long cluster_next, cluster_nr;
	unsigned long *shadow;           /* a shadow entry per slot (workingset.c), 0 none; host memory */
	bool writeok;                    /* SWP_WRITEOK: slots may be handed out (not while swapoff runs) */
	bool rotational;                 /* a spinning disk: counts in nr_rotate_swap */
	unsigned char discard;           /* SWP_DISCARDABLE / SWP_AREA_DISCARD / SWP_PAGE_DISCARD (SSD only) */
	/* SWP_SOLIDSTATE areas only (NULL / unused on a rotational one): */
	struct swap_cluster_info *cluster_info; /* [nr_clusters]: Σ count == slots of the cluster with a map != 0 */
	unsigned long nr_clusters;       /* DIV_ROUND_UP(max, SWAPFILE_CLUSTER) */
	struct swap_cluster_list free_clusters; /* the clusters with count 0, each CLUSTER_FLAG_FREE */
	struct percpu_cluster *percpu_cluster;  /* [nr_cpus]: the cluster each CPU takes slots from */
	unsigned long *cluster_next_cpu; /* [nr_cpus]: where each CPU's scan starts when no cluster is free */
	int nr_cpus;                     /* the two arrays' length (the machine's possible CPUs) */
};

static pthread_mutex_t swap_lock = PTHREAD_MUTEX_INITIALIZER;
static struct swap_info_struct *swap_info[MAX_SWAPFILES];
static int least_priority = -1;
static long total_swap_pages, nr_swap_pages;
static int nr_rotate_swap;   /* areas on rotational disks: swap readahead goes by slot then */
static pthread_mutex_t swapon_mutex = PTHREAD_MUTEX_INITIALIZER; /* one swapoff at a time */

unsigned long kmm_total_swap_pages(void)
{
	return (unsigned long)__atomic_load_n(&total_swap_pages, __ATOMIC_RELAXED);
}

unsigned long kmm_nr_swap_pages(void)
{
	long n = __atomic_load_n(&nr_swap_pages, __ATOMIC_RELAXED);
	return n > 0 ? (unsigned long)n : 0;
}

static int find_area(const char *name)
{
	for (int t = 0; t < MAX_SWAPFILES; t++)
		if (swap_info[t] && !strcmp(swap_info[t]->name, name))
			return t;
	return -1;
}

static void free_area(struct swap_info_struct *si)
{
	if (si->swap_file) { /* swapoff's end for a file: S_SWAPFILE off, filp_close */
		if (si->disk)
			filemap_swap_deactivate(si->swap_file);
		fput(si->swap_file);
	} else if (si->disk) {
		munmap(si->disk, si->disk_bytes);
	}
	free(si->name);
	free(si->swap_map);
	free(si->shadow);
	free(si->cluster_info);
	free(si->percpu_cluster);
	free(si->cluster_next_cpu);
	free(si);
}

static struct swap_info_struct *area_alloc(const char *name, unsigned long maxpages);
static int enable_swap_info(struct swap_info_struct *si, int swap_flags);
static int setup_clusters(struct swap_info_struct *si);

int kmm_swapon(const char *name, unsigned long bytes, int swap_flags)
{
	return kmm_swapon_disk(name, bytes, swap_flags, true);
}

int kmm_swapon_disk(const char *name, unsigned long bytes, int swap_flags, bool rotational)
{
	if (!M)
		return -ENODEV;
	if (!name)
		return -EFAULT;
	if (swap_flags & ~(SWAP_FLAG_PRIO_MASK | SWAP_FLAG_PREFER | SWAP_FLAG_DISCARD | SWAP_FLAG_DISCARD_ONCE |
			   SWAP_FLAG_DISCARD_PAGES))
		return -EINVAL;
	if (name[0] != '/' || strlen(name) >= SWAP_NAME_MAX)
		return -EINVAL;
	unsigned long last_page = bytes / PAGE_SIZE; /* mkswap: pages - 1, the header not counted */
	if (last_page < MIN_SWAP_PAGES)
		return -EINVAL;
	last_page -= 1;
	unsigned long maxpages = max_swapfile_size();
	if (last_page > maxpages) {
		pr_warn("Truncating oversized swap area, only using %luk out of %luk\n", maxpages << (PAGE_SHIFT - 10),
			last_page << (PAGE_SHIFT - 10));
	} else {
		maxpages = last_page + 1;
	}
	struct swap_info_struct *si = area_alloc(name, maxpages);
	if (!si)
		return -ENOMEM;
	si->disk_bytes = maxpages * PAGE_SIZE;
	si->disk = mmap(NULL, si->disk_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (si->disk == MAP_FAILED) {
		si->disk = NULL;
		free_area(si);
		return -ENOMEM;
	}
	si->rotational = rotational;
	int ret = rotational ? 0 : setup_clusters(si);
	if (!ret && !rotational && (swap_flags & SWAP_FLAG_DISCARD)) {
		/* an SSD takes discards (a spinning disk has none to take); the flags narrow the default of both kinds */
		si->discard = SWP_DISCARDABLE | SWP_AREA_DISCARD | SWP_PAGE_DISCARD;
		if (swap_flags & SWAP_FLAG_DISCARD_ONCE)
			si->discard &= ~SWP_PAGE_DISCARD;
		else if (swap_flags & SWAP_FLAG_DISCARD_PAGES)
			si->discard &= ~SWP_AREA_DISCARD;
	}
	if (!ret)
		ret = enable_swap_info(si, swap_flags);
	if (ret) {
		free_area(si);
		return ret;
	}
	pr_info("Adding %luk swap on %s.  Priority:%d extents:%d across:%luk %s%s%s%s%s\n", si->pages << (PAGE_SHIFT - 10),
		name, si->prio, 1, si->pages << (PAGE_SHIFT - 10), rotational ? "" : "SS",
		si->discard & SWP_DISCARDABLE ? "D" : "", si->discard & SWP_AREA_DISCARD ? "s" : "",
		si->discard & SWP_PAGE_DISCARD ? "c" : "", "FS");
	enable_swap_slots_cache();
	return 0;
}

/* An area of maxpages slots (the header's included) under name, not yet in the table; NULL without memory. */
static struct swap_info_struct *area_alloc(const char *name, unsigned long maxpages)
{
	struct swap_info_struct *si = calloc(1, sizeof(*si));
	if (!si)
		return NULL;
	si->name = strdup(name);
	si->max = maxpages;
	si->swap_map = calloc(maxpages, 1);
	si->shadow = calloc(maxpages, sizeof(*si->shadow));
	if (!si->name || !si->swap_map || !si->shadow) {
		free_area(si);
		return NULL;
	}
	si->swap_map[0] = SWAP_MAP_BAD; /* the header */
	si->pages = maxpages - 1;
	si->lowest_bit = 1;
	si->highest_bit = maxpages - 1;
	si->cluster_next = 1;
	si->writeok = true;
	return si;
}

/* ---- the SSD cluster allocator (SWP_SOLIDSTATE areas) ------------------------------------------- */

static bool cluster_is_null(const struct swap_cluster_info *ci)
{
	return ci->flags & CLUSTER_FLAG_NEXT_NULL;
}

static void cluster_set_null(struct swap_cluster_info *ci)
{
	ci->flags = CLUSTER_FLAG_NEXT_NULL;
	ci->data = 0;
}

static void cluster_list_add_tail(struct swap_info_struct *si, struct swap_cluster_list *list, unsigned long idx)
{
	if (cluster_is_null(&list->head)) {
		list->head = (struct swap_cluster_info){ .data = (unsigned)idx, .flags = 0 };
	} else {
		si->cluster_info[list->tail.data].data = (unsigned)idx;
	}
	list->tail = (struct swap_cluster_info){ .data = (unsigned)idx, .flags = 0 };
}

static unsigned long cluster_list_del_first(struct swap_info_struct *si, struct swap_cluster_list *list)
{
	unsigned long idx = list->head.data;
	if (list->tail.data == idx) {
		cluster_set_null(&list->head);
		cluster_set_null(&list->tail);
	} else {
		list->head.data = si->cluster_info[idx].data;
	}
	return idx;
}

/* alloc_cluster: the first free cluster leaves the list with count 0 (it is the one a slot was found in) */
static void alloc_cluster(struct swap_info_struct *si, unsigned long idx)
{
	MM_BUG_ON(cluster_is_null(&si->free_clusters.head) || si->free_clusters.head.data != idx);
	cluster_list_del_first(si, &si->free_clusters);
	si->cluster_info[idx] = (struct swap_cluster_info){ .data = 0, .flags = 0 };
}

/*
 * free_cluster: a cluster whose last slot went free joins the free list's
 * tail.  A discardable area's clusters would go through discard_clusters
 * first (SWP_PAGE_DISCARD): kmm's disks forget nothing on discard, so they
 * come back at once.
 */
static void free_cluster(struct swap_info_struct *si, unsigned long idx)
{
	si->cluster_info[idx] = (struct swap_cluster_info){ .data = 0, .flags = CLUSTER_FLAG_FREE };
	cluster_list_add_tail(si, &si->free_clusters, idx);
}

/* inc_cluster_info_page: a slot of the cluster came into use (swap_lock held) */
static void inc_cluster_info_page(struct swap_info_struct *si, unsigned long offset)
{
	if (!si->cluster_info)
		return;
	unsigned long idx = offset / SWAPFILE_CLUSTER;
	if (si->cluster_info[idx].flags & CLUSTER_FLAG_FREE)
		alloc_cluster(si, idx);
	MM_BUG_ON(si->cluster_info[idx].data >= SWAPFILE_CLUSTER);
	si->cluster_info[idx].data++;
}

/* dec_cluster_info_page: a slot of it went free; the cluster is free once none is in use */
static void dec_cluster_info_page(struct swap_info_struct *si, unsigned long offset)
{
	if (!si->cluster_info)
		return;
	unsigned long idx = offset / SWAPFILE_CLUSTER;
	MM_BUG_ON(!si->cluster_info[idx].data);
	if (!--si->cluster_info[idx].data)
		free_cluster(si, idx);
}

/*
 * swapon's SSD setup: each CPU's scan starts at a random slot (wear
 * levelling), no CPU has a cluster, the header's cluster and the slots
 * past the end of the last one count as in use, and the other clusters
 * go on the free list interleaved by SWAP_CLUSTER_COLS columns, starting
 * at column cluster_next / SWAPFILE_CLUSTER (0: cluster_next is 1).
 * -ENOMEM with nothing kept.
 */
static int setup_clusters(struct swap_info_struct *si)
{
	int nr_cpus = M->nr_cpus > 0 ? M->nr_cpus : 1;
	si->nr_clusters = (si->max + SWAPFILE_CLUSTER - 1) / SWAPFILE_CLUSTER;
	si->cluster_info = calloc(si->nr_clusters, sizeof(*si->cluster_info));
	si->percpu_cluster = calloc((size_t)nr_cpus, sizeof(*si->percpu_cluster));
	si->cluster_next_cpu = calloc((size_t)nr_cpus, sizeof(*si->cluster_next_cpu));
	if (!si->cluster_info || !si->percpu_cluster || !si->cluster_next_cpu) {
		free(si->cluster_info);
		free(si->percpu_cluster);
		free(si->cluster_next_cpu);
		si->cluster_info = NULL;
		si->percpu_cluster = NULL;
		si->cluster_next_cpu = NULL;
		return -ENOMEM;
	}
	si->nr_cpus = nr_cpus;
	for (int cpu = 0; cpu < nr_cpus; cpu++) {
		si->cluster_next_cpu[cpu] = 1 + prandom_u32_max((u32)si->highest_bit);
		cluster_set_null(&si->percpu_cluster[cpu].index);
	}
	cluster_set_null(&si->free_clusters.head);
	cluster_set_null(&si->free_clusters.tail);
	for (unsigned long o = si->max; o < si->nr_clusters * SWAPFILE_CLUSTER; o++)
		inc_cluster_info_page(si, o);
	inc_cluster_info_page(si, 0); /* the header */
	unsigned long col = si->cluster_next / SWAPFILE_CLUSTER % SWAP_CLUSTER_COLS;
	for (unsigned long k = 0; k < SWAP_CLUSTER_COLS; k++) {
		unsigned long j = (k + col) % SWAP_CLUSTER_COLS;
		for (unsigned long i = 0; i * SWAP_CLUSTER_COLS + j < si->nr_clusters; i++) {
			unsigned long idx = i * SWAP_CLUSTER_COLS + j;
			if (!si->cluster_info[idx].data)
				free_cluster(si, idx);
		}
	}
	return 0;
}

/* The simulated CPU the caller is on (CPU 0's share for a thread on none, as the boot thread's). */
static int swap_this_cpu(const struct swap_info_struct *si)
{
	int cpu = smp_processor_id();
	return cpu >= 0 && cpu < si->nr_cpus ? cpu : 0;
}

/*
 * scan_swap_map_ssd_cluster_conflict: a free cluster that is not the
 * free list's first may not be used from the middle of the list; the
 * CPU lets its cluster go and looks again.
 */
static bool ssd_cluster_conflict(struct swap_info_struct *si, int cpu, unsigned long offset)
{
	unsigned long idx = offset / SWAPFILE_CLUSTER;
	if (cluster_is_null(&si->free_clusters.head) || idx == si->free_clusters.head.data ||
	    !(si->cluster_info[idx].flags & CLUSTER_FLAG_FREE))
		return false;
	cluster_set_null(&si->percpu_cluster[cpu].index);
	return true;
}

/*
 * scan_swap_map_try_ssd_cluster: the next free slot of this CPU's
 * cluster, taking the free list's first cluster when it has none or
 * another CPU filled it.  false when no cluster is free.
 */
static bool ssd_try_cluster(struct swap_info_struct *si, int cpu, unsigned long *offset, unsigned long *scan_base)
{
	struct percpu_cluster *cluster = &si->percpu_cluster[cpu];
	for (;;) {
		if (cluster_is_null(&cluster->index)) {
			if (cluster_is_null(&si->free_clusters.head))
				return false;
			cluster->index = si->free_clusters.head;
			cluster->next = cluster->index.data * SWAPFILE_CLUSTER;
		}
		unsigned long tmp = cluster->next;
		unsigned long max = min(si->max, (unsigned long)(cluster->index.data + 1) * SWAPFILE_CLUSTER);
		while (tmp < max && si->swap_map[tmp])
			tmp++;
		if (tmp < max) {
			cluster->next = (unsigned)tmp + 1;
			*offset = *scan_base = tmp;
			return true;
		}
		cluster_set_null(&cluster->index); /* full: another CPU took the rest */
	}
}

/*
 * set_cluster_next on an SSD: this CPU's scan goes on from next, unless
 * that crosses into another swap cache address space (2^14 slots): then
 * a random one between lowest_bit and highest_bit, to spread the CPUs.
 */
static void ssd_set_cluster_next(struct swap_info_struct *si, int cpu, unsigned long next)
{
	unsigned long prev = si->cluster_next_cpu[cpu];
	if ((prev >> SWAP_ADDRESS_SPACE_SHIFT) != (next >> SWAP_ADDRESS_SPACE_SHIFT)) {
		if (si->highest_bit <= si->lowest_bit)
			return;
		next = si->lowest_bit + prandom_u32_max((u32)(si->highest_bit - si->lowest_bit + 1));
		next &= ~(SWAP_ADDRESS_SPACE_PAGES - 1);
		next = max(next, si->lowest_bit);
	}
	si->cluster_next_cpu[cpu] = next;
}

/*
 * scan_swap_map_slots on an SSD, one slot: this CPU's cluster first; if no
 * cluster is free, the first free slot after this CPU's scan base, then
 * from lowest_bit up to it.  0 if none.  (6.1's reuse of cache-only slots
 * when swap is half full, __try_to_reclaim_swap, is not done.)
 */
static unsigned long scan_swap_map_ssd(struct swap_info_struct *si, int cpu)
{
	unsigned long scan_base = si->cluster_next_cpu[cpu], offset = scan_base;
	bool found = ssd_try_cluster(si, cpu, &offset, &scan_base);
	for (;;) {
		if (found) {
			while (ssd_cluster_conflict(si, cpu, offset))
				if (!(found = ssd_try_cluster(si, cpu, &offset, &scan_base)))
					break;
		}
		if (found) {
			if (offset > si->highest_bit)
				scan_base = offset = si->lowest_bit;
			if (!si->swap_map[offset])
				return offset;
		}
		/* scan: on from offset to highest_bit, then lowest_bit up to the scan base */
		found = false;
		while (++offset <= si->highest_bit && !found)
			found = !si->swap_map[offset];
		if (found) {
			offset--;
			continue;
		}
		for (offset = si->lowest_bit; offset < scan_base && !found; offset++)
			found = !si->swap_map[offset];
		if (!found)
			return 0;
		offset--;
	}
}

/*
 * enable_swap_info: the area takes a free type and its priority, and its
 * slots count in SwapTotal and SwapFree; -EBUSY if an area of that name is
 * on, -EPERM past MAX_SWAPFILES.  Nothing changes if it fails.
 */
static int enable_swap_info(struct swap_info_struct *si, int swap_flags)
{
	pthread_mutex_lock(&swap_lock);
	int type = -1, ret = 0;
	if (find_area(si->name) >= 0) {
		ret = -EBUSY;
	} else {
		for (int t = 0; t < MAX_SWAPFILES && type < 0; t++)
			if (!swap_info[t])
				type = t;
		if (type < 0)
			ret = -EPERM; /* alloc_swap_info: MAX_SWAPFILES in use */
	}
	if (ret) {
		pthread_mutex_unlock(&swap_lock);
		return ret;
	}
	si->prio = (swap_flags & SWAP_FLAG_PREFER) ? (swap_flags & SWAP_FLAG_PRIO_MASK) : --least_priority;
	swap_info[type] = si;
	if (si->rotational)
		__atomic_add_fetch(&nr_rotate_swap, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&total_swap_pages, (long)si->pages, __ATOMIC_RELAXED);
	__atomic_add_fetch(&nr_swap_pages, (long)si->pages, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&swap_lock);
	return 0;
}

/* ---- swap files in the store ---------------------------------------------------------------- */

/*
 * union swap_header (include/linux/swap.h) in the header page:
 *
 *   0     bootbits[1024]      (left as they were: mkswap writes from 1024 on)
 *   1024  version             1
 *   1028  last_page           the area's last page (pages - 1)
 *   1032  nr_badpages         0 (a swap file may have none)
 *   1036  sws_uuid[16], 1052 sws_volume[16], 1068 padding[117]
 *   1536  badpages[]          up to MAX_SWAP_BADPAGES
 *   4086  "SWAPSPACE2"        the magic, in the page's last 10 bytes
 *
 * Fields are in the machine's byte order (little-endian on every profile);
 * swapon takes a byte-swapped header too, as read_swap_header does.
 */
#define SWAP_HDR_VERSION 1024
#define SWAP_HDR_LAST_PAGE 1028
#define SWAP_HDR_NR_BADPAGES 1032
#define SWAP_HDR_BADPAGES 1536
#define SWAP_HDR_MAGIC (PAGE_SIZE - 10)
#define MAX_SWAP_BADPAGES ((SWAP_HDR_MAGIC - SWAP_HDR_BADPAGES) / 4)

static u32 hdr_get(const unsigned char *hdr, unsigned long off)
{
	u32 v;
	memcpy(&v, hdr + off, sizeof(v));
	return v;
}

static void hdr_put(unsigned char *hdr, unsigned long off, u32 v)
{
	memcpy(hdr + off, &v, sizeof(v));
}

/*
 * mkswap(8) on a file of the store: the header page's fields and magic
 * written through the page cache from byte 1024 on (the boot bits are
 * left alone), then fsync.  last_page is the file's pages less one; the
 * file must hold MIN_SWAP_PAGES pages.  The rest of the file is not
 * written: a sparse file stays sparse (and swapon refuses it).
 */
int kmm_mkswap(const char *path)
{
	if (!M)
		return -ENODEV;
	int err;
	struct file *f = filemap_open(path, O_RDWR, &err);
	if (!f)
		return err;
	unsigned long pages = f->f_inode->i_size >> PAGE_SHIFT;
	unsigned char *hdr = calloc(1, PAGE_SIZE);
	if (!hdr) {
		err = -ENOMEM;
	} else if (pages < MIN_SWAP_PAGES) {
		err = -EINVAL; /* mkswap: "swap space needs to be at least 40 KiB" (on its stderr, not the kernel's log) */
	} else if (pages - 1 > 0xffffffffUL) {
		err = -EFBIG; /* last_page is 32 bits */
	} else {
		hdr_put(hdr, SWAP_HDR_VERSION, 1);
		hdr_put(hdr, SWAP_HDR_LAST_PAGE, (u32)(pages - 1));
		hdr_put(hdr, SWAP_HDR_NR_BADPAGES, 0);
		memcpy(hdr + SWAP_HDR_MAGIC, "SWAPSPACE2", 10);
		long n = filemap_file_pwrite(f, hdr + SWAP_HDR_VERSION, PAGE_SIZE - SWAP_HDR_VERSION, SWAP_HDR_VERSION);
		err = n < 0 ? (int)n : n != (long)(PAGE_SIZE - SWAP_HDR_VERSION) ? -EIO : 0;
		if (!err)
			filemap_fsync(f);
	}
	free(hdr);
	fput(f);
	return err;
}

/*
 * read_swap_header: the header's check, the area's pages (maxpages: the
 * header's included) or 0 after the message 6.1 prints.  The file must
 * hold every page the header names, and a swap file no bad page.
 */
static unsigned long read_swap_header(unsigned char *hdr, unsigned long file_pages)
{
	if (memcmp(hdr + SWAP_HDR_MAGIC, "SWAPSPACE2", 10)) {
		pr_err("Unable to find swap-space signature\n");
		return 0;
	}
	if (__builtin_bswap32(hdr_get(hdr, SWAP_HDR_VERSION)) == 1) { /* "swap partition endianness hack" */
		unsigned long nbad = __builtin_bswap32(hdr_get(hdr, SWAP_HDR_NR_BADPAGES));
		for (unsigned long off = SWAP_HDR_VERSION; off <= SWAP_HDR_NR_BADPAGES; off += 4)
			hdr_put(hdr, off, __builtin_bswap32(hdr_get(hdr, off)));
		if (nbad > MAX_SWAP_BADPAGES)
			return 0;
	}
	u32 version = hdr_get(hdr, SWAP_HDR_VERSION);
	if (version != 1) {
		pr_warn("Unable to handle swap header version %d\n", (int)version);
		return 0;
	}
	unsigned long maxpages = max_swapfile_size(), last_page = hdr_get(hdr, SWAP_HDR_LAST_PAGE);
	if (!last_page) {
		pr_warn("Empty swap-file\n");
		return 0;
	}
	if (last_page > maxpages)
		pr_warn("Truncating oversized swap area, only using %luk out of %luk\n", maxpages << (PAGE_SHIFT - 10),
			last_page << (PAGE_SHIFT - 10));
	if (maxpages > last_page)
		maxpages = last_page + 1;
	if (file_pages && maxpages > file_pages) {
		pr_warn("Swap area shorter than signature indicates\n");
		return 0;
	}
	if (hdr_get(hdr, SWAP_HDR_NR_BADPAGES)) /* none on a regular file (and more than MAX_SWAP_BADPAGES on none) */
		return 0;
	return maxpages;
}

/*
 * swapon(2) of a file of the store, in 6.1's order: open it read-write
 * (file_open_name: -ENOENT, -EISDIR ...), refuse one whose name is gone
 * (-ENOENT) or already swap (-EBUSY), read and check its header page
 * through the page cache (-EINVAL), then swap_activate - write it back,
 * walk its blocks (a hole: -EINVAL), mark it S_SWAPFILE - and enable it.
 * The slots are the file's own bytes on the disk: slot o is the file's
 * page o.  The store's disk is rotational (QEMU's), so no "SS".
 */
int kmm_swapon_file(const char *path, int swap_flags)
{
	if (!M)
		return -ENODEV;
	if (!path)
		return -EFAULT;
	if (swap_flags & ~(SWAP_FLAG_PRIO_MASK | SWAP_FLAG_PREFER | SWAP_FLAG_DISCARD | SWAP_FLAG_DISCARD_ONCE |
			   SWAP_FLAG_DISCARD_PAGES))
		return -EINVAL;
	/* alloc_swap_info comes first in 6.1: a full table refuses before the file is touched (enable_swap_info checks again) */
	pthread_mutex_lock(&swap_lock);
	int err = -EPERM;
	for (int t = 0; t < MAX_SWAPFILES && err; t++)
		if (!swap_info[t])
			err = 0;
	if (!err && find_area(path) >= 0)
		err = -EBUSY;
	pthread_mutex_unlock(&swap_lock);
	if (err)
		return err;
	struct file *f = filemap_open(path, O_RDWR, &err);
	if (!f)
		return err;
	unsigned char *hdr = NULL;
	struct swap_info_struct *si = NULL;
	unsigned long maxpages = 0, nr_pages = 0;
	unsigned char *disk = NULL;
	int nr_extents = 0;
	pthread_mutex_lock(&swapon_mutex); /* inode_lock's place: one swapon or swapoff of it at a time */
	err = filemap_swap_check(f);
	if (!err && !(hdr = calloc(1, PAGE_SIZE)))
		err = -ENOMEM;
	if (!err) {
		long n = filemap_file_pread(f, hdr, PAGE_SIZE, 0);
		err = n < 0 ? (int)n : 0;
	}
	if (!err && !(maxpages = read_swap_header(hdr, f->f_inode->i_size >> PAGE_SHIFT)))
		err = -EINVAL;
	if (!err && !(si = area_alloc(path, maxpages)))
		err = -ENOMEM;
	if (!err)
		err = filemap_swap_activate(f, maxpages, &disk, &nr_pages, &nr_extents);
	if (!err) {
		si->swap_file = f; /* free_area puts it, and S_SWAPFILE off once disk is set */
		f = NULL;
		si->disk = disk;
		si->disk_bytes = nr_pages * PAGE_SIZE;
		si->max = nr_pages; /* sis->max = the pages of the extents (never more than the header's) */
		si->pages = si->highest_bit = nr_pages - 1;
		si->rotational = true;
		err = enable_swap_info(si, swap_flags);
	}
	if (!err)
		pr_info("Adding %luk swap on %s.  Priority:%d extents:%d across:%luk %s%s\n", si->pages << (PAGE_SHIFT - 10),
			path, si->prio, nr_extents, si->pages << (PAGE_SHIFT - 10), "", "FS");
	pthread_mutex_unlock(&swapon_mutex);
	if (!err)
		enable_swap_slots_cache();
	if (err && si)
		free_area(si);
	fput(f);
	free(hdr);
	return err;
}

static unsigned long area_inuse(struct swap_info_struct *si)
{
	pthread_mutex_lock(&swap_lock);
	unsigned long n = si->inuse_pages;
	pthread_mutex_unlock(&swap_lock);
	return n;
}

struct pid_list {
	int *pid;
	int nr, cap;
	bool nomem;
};

/* for_each_task's callback, under tasks_lock: only the pids (the mms are taken after, with their own locking) */
static void collect_pid(struct task_struct *t, void *arg)
{
	struct pid_list *l = arg;
	if (l->nomem)
		return;
	if (l->nr == l->cap) {
		int cap = l->cap ? 2 * l->cap : 16;
		int *n = realloc(l->pid, (size_t)cap * sizeof(*n));
		if (!n) {
			l->nomem = true;
			return;
		}
		l->pid = n;
		l->cap = cap;
	}
	l->pid[l->nr++] = t->pid;
}

/* unuse_mm on the mm of the task with pid, if it still lives (init_mm.mmlist's walk, mmget_not_zero) */
static int unuse_pid(int pid, unsigned int type)
{
	struct task_struct *t = get_pid_task(pid);
	struct mm_struct *mm = t ? get_task_mm(t) : NULL;
	put_task_struct(t);
	int ret = mm ? unuse_mm(mm, type) : 0;
	mmput(mm);
	return ret;
}

/*
 * try_to_unuse: every shmem page out on the area comes back into its
 * file (shmem_unuse, mm/filemap.c), every PTE holding a slot of the area
 * gets its page back (unuse_mm over every task's mm, reading through the
 * swap cache with readahead), then every page still cached for a slot
 * lets go of it.  A pass repeats while slots stay in use and the last one freed some; one
 * that freed none means a holder kmm cannot reach (6.1 would loop until a
 * signal): -EBUSY.  -ENOMEM when a page cannot be had.
 */
static int try_to_unuse(struct swap_info_struct *si, unsigned int type)
{
	for (;;) {
		unsigned long before = area_inuse(si);
		if (!before)
			return 0;
		int err = shmem_unuse(type); /* shmem files' pages first, as 6.1's try_to_unuse */
		if (err)
			return err;
		struct pid_list l = { NULL, 0, 0, false };
		for_each_task(collect_pid, &l); /* tasks_lock is let go before any page is read: reclaim takes it */
		int ret = l.nomem ? -ENOMEM : 0;
		for (int i = 0; i < l.nr && !ret && area_inuse(si); i++)
			ret = unuse_pid(l.pid[i], type);
		free(l.pid);
		if (ret)
			return ret;
		swap_io_flush(); /* folio_wait_writeback: a page under writeback keeps its slot */
		for (unsigned long o = 1; o < si->max && area_inuse(si); o++) {
			pthread_mutex_lock(&swap_lock);
			bool cached = si->swap_map[o] & SWAP_HAS_CACHE;
			pthread_mutex_unlock(&swap_lock);
			if (cached)
				swap_cache_free_slot(swp_entry(type, o));
		}
		unsigned long after = area_inuse(si);
		if (after && after >= before)
			return -EBUSY;
	}
}

/*
 * swapoff(2): the area stops taking pages (SWP_WRITEOK off, its slots out
 * of SwapTotal and SwapFree), every page on it comes back into memory
 * (try_to_unuse), and it goes.  If that fails the area is put back as it
 * was (reinsert_swap_info); the pages already back stay in memory.  The
 * memory check is 6.1's __vm_enough_memory for the area's pages (in the
 * default mode a swap area's pages always pass: they are counted in
 * total_swap_pages); past it what can fail is finding a page for each slot.
 */
int kmm_swapoff(const char *name)
{
	if (!M)
		return -ENODEV;
	if (!name)
		return -EFAULT;
	pthread_mutex_lock(&swapon_mutex);
	pthread_mutex_lock(&swap_lock);
	int type = find_area(name);
	struct swap_info_struct *si = type >= 0 ? swap_info[type] : NULL;
	/* security_vm_enough_memory_mm for the area's pages, by the swapoff caller (CAP_SYS_ADMIN), and no charge kept */
	int ret = !si || !si->writeok ? -EINVAL : __vm_enough_memory(NULL, (long)si->pages, 1) ? -ENOMEM : 0;
	if (!ret)
		vm_unacct_memory((long)si->pages);
	if (!ret) { /* del_from_avail_list: no slot of it is handed out from here on */
		si->writeok = false;
		__atomic_sub_fetch(&total_swap_pages, (long)si->pages, __ATOMIC_RELAXED);
		__atomic_sub_fetch(&nr_swap_pages, (long)si->pages, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&swap_lock);
	if (ret) {
		pthread_mutex_unlock(&swapon_mutex);
		return ret;
	}
	disable_swap_slots_cache_lock(); /* every CPU's cached slots back to the maps: none of this area's waits there */
	ret = try_to_unuse(si, (unsigned)type);
	pthread_mutex_lock(&swap_lock);
	if (ret) { /* reinsert_swap_info */
		si->writeok = true;
		__atomic_add_fetch(&total_swap_pages, (long)si->pages, __ATOMIC_RELAXED);
		__atomic_add_fetch(&nr_swap_pages, (long)si->pages, __ATOMIC_RELAXED);
	} else {
		MM_BUG_ON(si->inuse_pages);
		swap_info[type] = NULL;
		if (si->rotational)
			__atomic_sub_fetch(&nr_rotate_swap, 1, __ATOMIC_RELAXED);
		if (si->prio < 0) { /* an automatic priority: the ones below move up, the next swapon reuses it */
			for (int t = 0; t < MAX_SWAPFILES; t++)
				if (swap_info[t] && swap_info[t]->prio < si->prio)
					swap_info[t]->prio++;
			least_priority++;
		}
	}
	pthread_mutex_unlock(&swap_lock);
	reenable_swap_slots_cache_unlock();
	pthread_mutex_unlock(&swapon_mutex);
	if (!ret)
		free_area(si);
	return ret;
}

/* every swap file still on goes (a file's area holds the file open; a disk's holds nothing); how many went */
int swapoff_files(void)
{
	int n = 0;
	for (int t = 0; t < MAX_SWAPFILES; t++) {
		pthread_mutex_lock(&swap_lock);
		char *name = swap_info[t] && swap_info[t]->swap_file ? strdup(swap_info[t]->name) : NULL;
		pthread_mutex_unlock(&swap_lock);
		if (name && !kmm_swapoff(name))
			n++;
		free(name);
	}
	return n;
}

void swapfile_exit(void)
{
	swap_slots_exit();
	pthread_mutex_lock(&swap_lock);
	for (int t = 0; t < MAX_SWAPFILES; t++) {
		if (swap_info[t])
			free_area(swap_info[t]);
		swap_info[t] = NULL;
	}
	least_priority = -1;
	total_swap_pages = nr_swap_pages = 0;
	__atomic_store_n(&nr_rotate_swap, 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&swap_lock);
}

/* ---- slots ------------------------------------------------------------------------------------ */

/* scan_swap_map_slots for a rotational disk: a free cluster first, else the next free slot */
static unsigned long scan_swap_map(struct swap_info_struct *si)
{
	unsigned long offset = si->cluster_next;
	if (!si->cluster_nr--) {
		si->cluster_nr = SWAPFILE_CLUSTER - 1;
		if (si->pages - si->inuse_pages >= SWAPFILE_CLUSTER) {
			/* the first run of SWAPFILE_CLUSTER free slots */
			unsigned long last_in_cluster = si->lowest_bit + SWAPFILE_CLUSTER - 1;
			for (unsigned long o = si->lowest_bit; last_in_cluster <= si->highest_bit; o++) {
				if (si->swap_map[o]) {
					last_in_cluster = o + SWAPFILE_CLUSTER;
				} else if (o == last_in_cluster) {
					offset = o - (SWAPFILE_CLUSTER - 1);
					break;
				}
			}
		}
	}
	if (offset < si->lowest_bit || offset > si->highest_bit)
		offset = si->lowest_bit;
	for (unsigned long n = 0; n <= si->highest_bit - si->lowest_bit; n++) {
		if (!si->swap_map[offset])
			return offset;
		offset = offset < si->highest_bit ? offset + 1 : si->lowest_bit;
	}
	return 0;
}

/*
 * get_swap_pages: up to n (at most SWAP_BATCH) slots of the best area with
 * room, each held by the swap cache (SWAP_HAS_CACHE), into entries; how
 * many.  As 6.1's, one area gives them all, in the order its allocator
 * finds them (the caller's CPU's cluster on an SSD).
 */
int get_swap_pages(int n, swp_entry_t entries[])
{
	pthread_mutex_lock(&swap_lock);
	int best = -1;
	for (int t = 0; t < MAX_SWAPFILES; t++) {
		struct swap_info_struct *si = swap_info[t];
		if (si && si->writeok && si->inuse_pages < si->pages && (best < 0 || si->prio > swap_info[best]->prio))
			best = t;
	}
	int got = 0;
	for (; best >= 0 && got < n; got++) {
		struct swap_info_struct *si = swap_info[best];
		swp_entry_t entry = { 0 };
		int cpu = si->cluster_info ? swap_this_cpu(si) : 0;
		unsigned long offset = si->cluster_info ? scan_swap_map_ssd(si, cpu) : scan_swap_map(si);
		if (offset) {
			si->swap_map[offset] = SWAP_HAS_CACHE;
			inc_cluster_info_page(si, offset);
			si->inuse_pages++;
			if (si->cluster_info)
				ssd_set_cluster_next(si, cpu, offset + 1);
			else
				si->cluster_next = offset + 1;
			if (offset == si->lowest_bit)
				while (si->lowest_bit < si->highest_bit && si->swap_map[si->lowest_bit])
					si->lowest_bit++;
			__atomic_sub_fetch(&nr_swap_pages, 1, __ATOMIC_RELAXED);
			entry = swp_entry((unsigned)best, offset);
		}
		if (!entry.val)
			break;
		entries[got] = entry;
	}
	pthread_mutex_unlock(&swap_lock);
	return got;
}

/* The area and slot of an entry (swap_lock held), NULL for one that names none. */
static struct swap_info_struct *entry_area(swp_entry_t entry)
{
	unsigned int type = swp_type(entry);
	struct swap_info_struct *si = type < MAX_SWAPFILES ? swap_info[type] : NULL;
	unsigned long offset = swp_offset(entry);
	if (!si || !offset || offset >= si->max || !si->swap_map[offset] || si->swap_map[offset] == SWAP_MAP_BAD)
		return NULL;
	return si;
}

static void slot_free(struct swap_info_struct *si, unsigned long offset)
{
	si->swap_map[offset] = 0;
	dec_cluster_info_page(si, offset);
	si->shadow[offset] = 0; /* clear_shadow_from_swap_cache: a free slot remembers no page */
	si->inuse_pages--;
	if (offset < si->lowest_bit)
		si->lowest_bit = offset;
	__atomic_add_fetch(&nr_swap_pages, 1, __ATOMIC_RELAXED);
}

int swap_duplicate(swp_entry_t entry)
{
	pthread_mutex_lock(&swap_lock);
	struct swap_info_struct *si = entry_area(entry);
	int ret = -EINVAL;
	if (si) {
		unsigned char *c = &si->swap_map[swp_offset(entry)];
		if ((*c & ~SWAP_HAS_CACHE) < SWAP_MAP_MAX) {
			(*c)++;
			ret = 0;
		} else {
			ret = -ENOMEM;
		}
	}
	pthread_mutex_unlock(&swap_lock);
	return ret;
}

/*
 * A hold on a slot goes - a PTE's (the count) or the swap cache's
 * (SWAP_HAS_CACHE) - and the slot is free once nothing holds it.  A hold
 * that is not there is a bad entry, reported as Linux's swap_free does.
 */
static void slot_put(swp_entry_t entry, bool cache, const char *who)
{
	pthread_mutex_lock(&swap_lock);
	struct swap_info_struct *si = entry_area(entry);
	unsigned char *c = si ? &si->swap_map[swp_offset(entry)] : NULL;
	bool unheld = false;
	if (c && (cache ? (*c & SWAP_HAS_CACHE) : (*c & ~SWAP_HAS_CACHE))) {
		if (cache)
			*c &= ~SWAP_HAS_CACHE;
		else
			--*c;
		if (!*c) {
			*c = SWAP_HAS_CACHE; /* still taken, until free_swap_slot's batch frees it */
			unheld = true;
		}
	} else if (entry.val) {
		pr_err("%s: Bad swap file entry %08lx\n", who, entry.val);
	}
	pthread_mutex_unlock(&swap_lock);
	if (unheld)
		free_swap_slot(entry);
}

/*
 * swapcache_free_entries: slots that nothing holds any more (their map
 * says SWAP_HAS_CACHE only: a slots cache kept them) become free.
 */
void swapcache_free_entries(const swp_entry_t *entries, int n)
{
	pthread_mutex_lock(&swap_lock);
	for (int i = 0; i < n; i++) {
		struct swap_info_struct *si = entry_area(entries[i]);
		unsigned long offset = swp_offset(entries[i]);
		if (!MM_WARN_ON(!si || si->swap_map[offset] != SWAP_HAS_CACHE))
			slot_free(si, offset);
	}
	pthread_mutex_unlock(&swap_lock);
}

/* has_usable_swap: some area hands out slots */
bool swap_has_usable(void)
{
	pthread_mutex_lock(&swap_lock);
	bool any = false;
	for (int t = 0; t < MAX_SWAPFILES && !any; t++)
		any = swap_info[t] && swap_info[t]->writeok;
	pthread_mutex_unlock(&swap_lock);
	return any;
}

/* swap_free: a PTE's hold on the slot goes */
void swap_free(swp_entry_t entry)
{
	slot_put(entry, false, "swap_free");
}

/* put_swap_folio: the swap cache's hold goes */
void swapcache_free(swp_entry_t entry)
{
	slot_put(entry, true, "put_swap_folio");
}

int swap_count(swp_entry_t entry)
{
	pthread_mutex_lock(&swap_lock);
	struct swap_info_struct *si = entry_area(entry);
	int n = si ? si->swap_map[swp_offset(entry)] & ~SWAP_HAS_CACHE : 0;
	pthread_mutex_unlock(&swap_lock);
	return n;
}

void *swap_slot_bytes(swp_entry_t entry)
{
	pthread_mutex_lock(&swap_lock);
	struct swap_info_struct *si = entry_area(entry);
	void *p = si ? si->disk + swp_offset(entry) * PAGE_SIZE : NULL;
	pthread_mutex_unlock(&swap_lock);
	MM_BUG_ON(!p);
	return p;
}

/* The area's slots, the header's included (si->max), 0 for a type that names none. */
unsigned long swap_area_max(unsigned int type)
{
	pthread_mutex_lock(&swap_lock);
	unsigned long max = type < MAX_SWAPFILES && swap_info[type] ? swap_info[type]->max : 0;
	pthread_mutex_unlock(&swap_lock);
	return max;
}

/*
 * An SSD area's free cluster list, first to last, into idx (at most max of
 * them); how many are on it, or -EINVAL for a type that names no SSD area.
 */
int swap_free_clusters(unsigned int type, unsigned long *idx, int max)
{
	pthread_mutex_lock(&swap_lock);
	struct swap_info_struct *si = type < MAX_SWAPFILES ? swap_info[type] : NULL;
	int n = si && si->cluster_info ? 0 : -EINVAL;
	if (!n && !cluster_is_null(&si->free_clusters.head)) {
		for (unsigned long i = si->free_clusters.head.data;; i = si->cluster_info[i].data) {
			if (n < max)
				idx[n] = i;
			n++;
			if (i == si->free_clusters.tail.data || n > (int)si->nr_clusters)
				break;
		}
	}
	pthread_mutex_unlock(&swap_lock);
	return n;
}

/* nr_rotate_swap != 0: an area on a spinning disk is on (readahead goes by slot then) */
bool swap_area_rotational(void)
{
	return __atomic_load_n(&nr_rotate_swap, __ATOMIC_RELAXED) != 0;
}

/* A shadow entry (workingset_eviction's) on a slot some PTE still holds; a free slot takes none. */
void swap_shadow_set(swp_entry_t entry, unsigned long shadow)
{
	pthread_mutex_lock(&swap_lock);
	struct swap_info_struct *si = entry_area(entry);
	if (si)
		si->shadow[swp_offset(entry)] = shadow;
	pthread_mutex_unlock(&swap_lock);
}

/* The slot's shadow entry, taken off it (add_to_swap_cache's old entry); 0 if none. */
unsigned long swap_shadow_take(swp_entry_t entry)
{
	pthread_mutex_lock(&swap_lock);
	struct swap_info_struct *si = entry_area(entry);
	unsigned long shadow = 0;
	if (si) {
		shadow = si->shadow[swp_offset(entry)];
		si->shadow[swp_offset(entry)] = 0;
	}
	pthread_mutex_unlock(&swap_lock);
	return shadow;
}

/* swapcache_prepare: the swap cache takes its hold on a slot some PTE holds */
int swap_duplicate_cache(swp_entry_t entry)
{
	pthread_mutex_lock(&swap_lock);
	struct swap_info_struct *si = entry_area(entry);
	int ret = -ENOENT;
	if (si) {
		unsigned char *c = &si->swap_map[swp_offset(entry)];
		ret = (*c & SWAP_HAS_CACHE) ? -EEXIST : 0;
		if (!ret)
			*c |= SWAP_HAS_CACHE;
	}
	pthread_mutex_unlock(&swap_lock);
	return ret;
}

/* ---- views and checks ----------------------------------------------------------------------- */

/* swap_show */
void show_swaps(struct strbuf *sb)
{
	sb_printf(sb, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
	pthread_mutex_lock(&swap_lock);
	for (int t = 0; t < MAX_SWAPFILES; t++) {
		struct swap_info_struct *si = swap_info[t];
		if (!si)
			continue;
		unsigned long bytes = si->pages << (PAGE_SHIFT - 10), inuse = si->inuse_pages << (PAGE_SHIFT - 10);
		int len = 0; /* seq_file_path: " \t\n\\" in the name as octal escapes (mangle_path) */
		for (const char *c = si->name; *c; c++) {
			bool esc = strchr(" \t\n\\", *c) != NULL;
			if (esc)
				sb_printf(sb, "\\%03o", (unsigned char)*c);
			else
				sb_printf(sb, "%c", *c);
			len += esc ? 4 : 1;
		}
		sb_printf(sb, "%*s%s\t%lu\t%s%lu\t%s%d\n", len < 40 ? 40 - len : 1, " ",
			  si->swap_file ? "file\t" : "partition", bytes,
			  bytes < 10000000 ? "\t" : "", inuse, inuse < 10000000 ? "\t" : "", si->prio);
	}
	pthread_mutex_unlock(&swap_lock);
}

/*
 * An SSD area's clusters: each count is its slots in use (the header's and
 * those past the end included), a cluster is on the free list exactly when
 * its count is 0, and the list reaches its tail without a loop.
 */
static int cluster_info_verify(struct swap_info_struct *si, char *why, size_t whylen)
{
	unsigned long nr_free = 0, on_list = 0;
	for (unsigned long idx = 0; idx < si->nr_clusters; idx++) {
		const struct swap_cluster_info *ci = &si->cluster_info[idx];
		unsigned long used = 0;
		for (unsigned long o = idx * SWAPFILE_CLUSTER; o < (idx + 1) * SWAPFILE_CLUSTER; o++)
			used += o >= si->max || si->swap_map[o];
		bool free = ci->flags & CLUSTER_FLAG_FREE;
		if (free ? used != 0 : ci->data != used) {
			snprintf(why, whylen, "swap area %s: cluster %lu has %lu slots in use, its count says %s%u",
				 si->name, idx, used, free ? "free, " : "", free ? 0 : ci->data);
			return -EINVAL;
		}
		if (!free && !used) {
			snprintf(why, whylen, "swap area %s: cluster %lu is empty but not free", si->name, idx);
			return -EINVAL;
		}
		nr_free += free;
	}
	if (!cluster_is_null(&si->free_clusters.head)) {
		unsigned long idx = si->free_clusters.head.data;
		for (;;) {
			if (idx >= si->nr_clusters || !(si->cluster_info[idx].flags & CLUSTER_FLAG_FREE) ||
			    ++on_list > nr_free) {
				snprintf(why, whylen, "swap area %s: the free cluster list is broken at cluster %lu", si->name,
					 idx);
				return -EINVAL;
			}
			if (idx == si->free_clusters.tail.data)
				break;
			idx = si->cluster_info[idx].data;
		}
	}
	if (on_list != nr_free) {
		snprintf(why, whylen, "swap area %s: %lu clusters are free, %lu on the free list", si->name, nr_free,
			 on_list);
		return -EINVAL;
	}
	return 0;
}

/* Each area's in-use count is its map's, no free slot keeps a shadow, and the free count is the areas' sum. */
int swapfile_verify(char *why, size_t whylen)
{
	pthread_mutex_lock(&swap_lock);
	long free_sum = 0;
	int ret = 0;
	for (int t = 0; t < MAX_SWAPFILES && !ret; t++) {
		struct swap_info_struct *si = swap_info[t];
		if (!si)
			continue;
		unsigned long used = 0, stale = 0;
		for (unsigned long o = 1; o < si->max; o++) {
			used += si->swap_map[o] != 0;
			if (!si->swap_map[o] && si->shadow[o] && !stale)
				stale = o;
		}
		if (stale) {
			snprintf(why, whylen, "swap area %s: free slot %lu keeps a shadow entry", si->name, stale);
			ret = -EINVAL;
			break;
		}
		if (used != si->inuse_pages) {
			snprintf(why, whylen, "swap area %s: %lu slots in use, its count says %lu", si->name, used,
				 si->inuse_pages);
			ret = -EINVAL;
		}
		if (!ret && si->cluster_info)
			ret = cluster_info_verify(si, why, whylen);
		free_sum += si->writeok ? (long)(si->pages - si->inuse_pages) : -(long)si->inuse_pages; /* swapoff took them out */
	}
	if (!ret && free_sum != nr_swap_pages) {
		snprintf(why, whylen, "%ld swap slots are free, nr_swap_pages says %ld", free_sum, nr_swap_pages);
		ret = -EINVAL;
	}
	pthread_mutex_unlock(&swap_lock);
	return ret;
}
