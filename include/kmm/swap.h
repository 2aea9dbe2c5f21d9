/*
 * kmm/swap.h - swap areas of the simulated machine (mm/swapfile.c).
 *
 *	kmm_swapon("/dev/vda", 1UL << 30, 0);       (mkswap and swapon a 1 GiB disk)
 *	kmm_swapon("/dev/vdb", 256UL << 20, SWAP_FLAG_PREFER | 5);
 *	... /proc/swaps, SwapTotal/SwapFree in meminfo ...
 *	kmm_swapoff("/dev/vda");
 *
 *	kmm_file_create("/swapfile", data, 64UL << 20);  (a file of the store, every block written)
 *	kmm_mkswap("/swapfile");
 *	kmm_swapon_file("/swapfile", 0);
 *	kmm_swapoff("/swapfile");
 *
 * A swap area is a disk of the machine (its bytes in host memory, taken
 * as pages are written) or a file of the store (kmm/fs.h), formatted as
 * mkswap does: a header page, then the slots.  A swap file's slots are
 * its own bytes on the store's disk (slot n is the file's page n), and
 * while it is on it cannot be written or truncated (-ETXTBSY), unlinked
 * or replaced (-EPERM).  Calls return 0 or -errno as swapon(2)/swapoff(2)
 * would.
 */
#ifndef KMM_SWAP_H
#define KMM_SWAP_H

#include <kmm/types.h>

#define SWAP_FLAG_PREFER 0x8000    /* the priority below is given */
#define SWAP_FLAG_PRIO_MASK 0x7fff
#define SWAP_FLAG_DISCARD 0x10000
#define SWAP_FLAG_DISCARD_ONCE 0x20000
#define SWAP_FLAG_DISCARD_PAGES 0x40000

/*
 * mkswap + swapon: a disk named name (a /dev path, at most 63 bytes) of
 * bytes bytes; -EBUSY if one of that name is on, -EINVAL for a disk
 * smaller than 10 pages or flags swapon(2) does not know, -EPERM past
 * MAX_SWAPFILES areas.
 */
int kmm_swapon(const char *name, unsigned long bytes, int swap_flags);
/*
 * The same for a disk that is rotational (kmm_swapon's, as QEMU's virtio
 * disk is) or solid state ("SS" in the Adding line).  While any rotational
 * area is on, swap readahead goes by slot; with none, by VMA (when
 * /sys/kernel/mm/swap/vma_ra_enabled).  A solid-state area hands slots out
 * by cluster (256 slots), each simulated CPU from its own; SWAP_FLAG_DISCARD*
 * are taken by a solid-state disk only ("D", "s", "c" in the Adding line).
 */
int kmm_swapon_disk(const char *name, unsigned long bytes, int swap_flags, bool rotational);
/*
 * mkswap(8) on a file of the store: the swap header (SWAPSPACE2, version
 * 1, last_page = its pages - 1, no bad pages) written into its first page
 * and synced; the rest of the file is left as it is.  -EINVAL for a file
 * of fewer than 10 pages, -ETXTBSY for an active swap file, open(2)'s
 * errors for the path (-ENOENT ...).
 */
int kmm_mkswap(const char *path);
/*
 * swapon(2) of a file of the store (its size is the file's): -ENOENT /
 * -EISDIR ... for the path as open(2) gives them, -EBUSY if it is swap
 * already, -EINVAL if its first page holds no valid swap header ("Unable
 * to find swap-space signature"), the header names more pages than the
 * file has, or the file has holes (blocks never written: a file made
 * without data, or written only in part); -EPERM past MAX_SWAPFILES.  A
 * refused swapon changes nothing.  kmm_swapoff takes the path.
 */
int kmm_swapon_file(const char *path, int swap_flags);
/*
 * swapoff: every page on the area is read back into memory and mapped
 * where its swap entries were (try_to_unuse), then the area goes.
 * -EINVAL if no such area is on (or its swapoff is running); -ENOMEM if
 * memory cannot hold its pages (the area stays on, the pages brought back
 * so far stay in memory); -EBUSY if a slot's holder cannot be reached.
 */
int kmm_swapoff(const char *name);
/*
 * pages of swap space, and of it free (SwapTotal, SwapFree).  As on Linux,
 * slots a CPU's swap slot cache holds (up to 64 taken ahead, up to 64 freed
 * but not yet given back) are not free: SwapFree may stay a little below
 * SwapTotal after every page came back, until swapoff drains the caches.
 */
unsigned long kmm_total_swap_pages(void);
unsigned long kmm_nr_swap_pages(void);

#endif /* KMM_SWAP_H */
