/*
 * kmm/shrinker.h - caches that give objects back under memory pressure
 * (mm/shrinker.c), as Linux 6.1's include/linux/shrinker.h has them.
 *
 *	static unsigned long my_count(struct shrinker *s, struct shrink_control *sc)
 *	{ return nr_unused ? nr_unused : SHRINK_EMPTY; }
 *	static unsigned long my_scan(struct shrinker *s, struct shrink_control *sc)
 *	{ ... free up to sc->nr_to_scan unused objects; return how many went; }
 *	static struct shrinker my_shrinker = {
 *		.count_objects = my_count, .scan_objects = my_scan, .seeks = DEFAULT_SEEKS,
 *	};
 *	register_shrinker(&my_shrinker, "my-cache");
 *	...
 *	unregister_shrinker(&my_shrinker);
 *
 * Reclaim asks every registered shrinker, in registration order, how many
 * objects it could free (count_objects) and has it scan a share of them
 * that grows as the reclaim priority falls (scan_objects, in batches).
 */
#ifndef KMM_SHRINKER_H
#define KMM_SHRINKER_H

#include <kmm/types.h>
#include <kmm/gfp.h>

/* What reclaim tells a shrinker (struct shrink_control). */
struct shrink_control {
	gfp_t gfp_mask;            /* the allocation that is reclaiming: no __GFP_FS, no filesystem objects */
	int nid;                   /* the node whose memory is wanted (NUMA-aware shrinkers look only at it) */
	unsigned long nr_to_scan;  /* scan_objects: how many objects to look at */
	unsigned long nr_scanned;  /* scan_objects may lower it to what it did look at (preset: nr_to_scan) */
};

#define SHRINK_STOP (~0UL)       /* scan_objects: cannot make progress now (locks, gfp), stop asking */
#define SHRINK_EMPTY (~0UL - 1)  /* count_objects: the cache is empty (0 is "nothing freeable now") */

struct shrinker {
	unsigned long (*count_objects)(struct shrinker *, struct shrink_control *sc);
	unsigned long (*scan_objects)(struct shrinker *, struct shrink_control *sc);
	long batch;                /* objects per scan_objects call; 0: SHRINK_BATCH (128) */
	int seeks;                 /* cost to recreate an object; DEFAULT_SEEKS (2); 0: trim hard */
	unsigned int flags;        /* SHRINKER_* */
	/* below: the shrinker's own, set by register_shrinker */
	struct list_head list;     /* on shrinker_list (shrinker_rwsem) */
	long *nr_deferred;         /* [node, or [0] if not NUMA-aware]: scan work owed from earlier calls (atomic) */
	char *name;                /* register_shrinker's name (CONFIG_SHRINKER_DEBUG's) */
};

#define DEFAULT_SEEKS 2
#define SHRINKER_REGISTERED (1 << 0)
#define SHRINKER_NUMA_AWARE (1 << 1)
#define SHRINKER_MEMCG_AWARE (1 << 2) /* accepted; kmm shrinks per node only, so it is the global shrinker */

/* 0, or -ENOMEM (its deferred counts could not be had), or -EINVAL (no callbacks, seeks < 0, twice) */
int register_shrinker(struct shrinker *shrinker, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void unregister_shrinker(struct shrinker *shrinker);
/* vm.drop_caches 2: every shrinker of every node, until a pass frees little */
void drop_slab(void);

#endif /* KMM_SHRINKER_H */
