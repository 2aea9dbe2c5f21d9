/*
 * memcontrol.c - the memory controller of cgroup v2, as Linux 6.1's
 * mm/memcontrol.c and mm/page_counter.c run it: groups of tasks whose
 * memory is counted and limited together, reclaimed from their own LRU
 * lists, and killed within the group when it is over its limit.
 *
 * The tree.  The root group (sys/fs/cgroup) always exists; kmm_cgroup_mkdir
 * makes a group under it ("A", "A/B"), kmm_cgroup_rmdir removes an empty
 * one, and a write of a pid to GROUP/cgroup.procs moves that task (and
 * every task sharing its mm, as a thread group moves) there.  A fork's
 * child starts in its parent's group.  The memory controller is on in
 * every group (as if every cgroup.subtree_control held "+memory", as
 * systemd leaves the root); the no-internal-process rule is not enforced.
 * A removed group that still has charges lives on, offline (a "dying"
 * memcg): its pages stay on its LRU lists and charged to it and its
 * ancestors until they go; kmm frees dying groups with the machine.
 *
 * Charging.  Every page a task's mm gets - anonymous pages (the fault's
 * wp_page_copy), page-cache and shmem pages it reads or writes, pages
 * swapped back in - is charged to the group of the mm's owner
 * (mem_cgroup_charge) before it is mapped or cached: page->memcg_data
 * points at the group, which also picks the page's LRU lists
 * (page_lruvec: the group's lruvec of the page's node).  The charge walks
 * up the page counters (page_counter_try_charge), failing at the first
 * ancestor over its memory.max; the page's last reference uncharges it
 * (mem_cgroup_uncharge, from free_pages_prepare).  Kernel memory:
 * __GFP_ACCOUNT pages (the user page tables, kernel stacks) are charged
 * with MEMCG_DATA_KMEM set, and objects of SLAB_ACCOUNT caches and
 * kmalloc-cg-* by their size through the group's obj_cgroup (whole pages
 * charged, the remainder of the last kept for the next object); the root
 * group's tasks charge no kernel memory, as 6.1's objcg is NULL there.
 *
 * Over the limit (try_charge_memcg): memory.events "max", reclaim from the
 * group (try_to_free_mem_cgroup_pages, mm/vmscan.c: shrink_node_memcgs
 * over the group's subtree only) up to MAX_RECLAIM_RETRIES times, then the
 * group's OOM ("oom"): the OOM killer chooses among the group's tasks
 * (CONSTRAINT_MEMCG, badness against memory.max + swap), prints "memory:
 * usage ..." and the group's memory.stat instead of Mem-Info, and kills
 * with "Memory cgroup out of memory" ("oom_kill"; with memory.oom.group
 * every task of the group, "oom_group_kill").  A charge that may not
 * reclaim, or whose task was killed, fails (-ENOMEM).  memory.high: a
 * charge that leaves a group over it counts "high" and reclaims the
 * excess on the task's way back to user space (mem_cgroup_handle_over_high),
 * or at once when more than MEMCG_CHARGE_BATCH pages are owed.
 * Protection: reclaim from outside a group passes over it while its usage
 * is within its effective memory.min, and within memory.low unless nothing
 * else could be reclaimed (then "low" counts) - effective_protection's
 * distribution of a parent's protection among its children, as 6.1.
 *
 * Statistics: each group counts its own pages' states (memcg_stat: the
 * node counters' names, counted by mod_node_page_state with the node's)
 * and reclaim's events; memory.stat adds up the subtree, memory.events
 * counts the group's and its descendants' events, memory.events.local its
 * own.
 *
 * Charges go through each CPU's stock of pages charged ahead
 * (MEMCG_CHARGE_BATCH at a time, as 6.1: memory.current includes them).
 *
 * What kmm does differently.  No memory.high throttling delay; no
 * swap controller (memory.swap.*), no memory.numa_stat, no socket, percpu
 * or vmalloc charges; the per-memcg slab shrinkers are not run (the
 * store's dentries and inodes are shrunk by global reclaim only); the
 * group structures live in host memory.
 *
 * Locking: cgroup_mutex serialises the tree's users (mkdir, rmdir, attach,
 * nr_procs); nothing under it allocates simulated memory or takes another
 * kmm lock but tasks_lock and memcg_tree_lock.  memcg_tree_lock, a leaf,
 * guards the children lists: a change takes both, a walk either; reclaim
 * and the validators walk the tree one step at a time under it
 * (mem_cgroup_iter, with lru_lock or the page cache's lock held; groups
 * are never freed while the machine runs).  Counters are atomics.
 */
#include "internal.h"

#include <kmm/swap.h>
#include <kmm/task.h>
#include <kmm/kstrtox.h>

#include <limits.h>

#define MEMCG_CHARGE_BATCH 64U
#define MAX_RECLAIM_RETRIES 16
#define MEM_CGROUP_ID_MAX 65535
#define PAGE_ALLOC_COSTLY_ORDER 3

static __thread int in_memcg_reclaim; /* this thread reclaims for a charge: its own charges are forced */
static __thread unsigned long nr_pages_over_high; /* current->memcg_nr_pages_over_high */
static __thread struct mem_cgroup *over_high_memcg;

/* PAGE_COUNTER_MAX: LONG_MAX pages on a 32-bit kernel, LONG_MAX / PAGE_SIZE on a 64-bit one */
unsigned long page_counter_max(void)
{
	return M->prof->bits == 32 ? 0x7fffffffUL : LONG_MAX / PAGE_SIZE;
}

/* ---- page counters ---------------------------------------------------------------------------- */

static unsigned long page_counter_read(const struct page_counter *c)
{
	long v = __atomic_load_n(&c->usage, __ATOMIC_RELAXED);
	return v > 0 ? (unsigned long)v : 0;
}

/* propagate_protected_usage: the parent's sum of its children's protected usage follows this one's */
static void propagate_protected_usage(struct page_counter *c, unsigned long usage)
{
	if (!c->parent)
		return;
	long protected = (long)min(usage, __atomic_load_n(&c->min, __ATOMIC_RELAXED));
	long old = __atomic_exchange_n(&c->min_usage, protected, __ATOMIC_RELAXED);
	if (protected != old)
		__atomic_add_fetch(&c->parent->children_min_usage, protected - old, __ATOMIC_RELAXED);
	protected = (long)min(usage, __atomic_load_n(&c->low, __ATOMIC_RELAXED));
	old = __atomic_exchange_n(&c->low_usage, protected, __ATOMIC_RELAXED);
	if (protected != old)
		__atomic_add_fetch(&c->parent->children_low_usage, protected - old, __ATOMIC_RELAXED);
}

static void page_counter_cancel(struct page_counter *c, unsigned long nr)
{
	long v = __atomic_sub_fetch(&c->usage, (long)nr, __ATOMIC_RELAXED);
	if (MM_WARN_ON(v < 0)) { /* page_counter underflow */
		__atomic_store_n(&c->usage, 0, __ATOMIC_RELAXED);
		v = 0;
	}
	propagate_protected_usage(c, (unsigned long)v);
}

static void watermark_raise(struct page_counter *c, long v)
{
	long w = __atomic_load_n(&c->watermark, __ATOMIC_RELAXED);
	while (v > w && !__atomic_compare_exchange_n(&c->watermark, &w, v, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* page_counter_charge: unconditionally (the forced charges) */
static void page_counter_charge(struct page_counter *counter, unsigned long nr)
{
	for (struct page_counter *c = counter; c; c = c->parent) {
		long v = __atomic_add_fetch(&c->usage, (long)nr, __ATOMIC_RELAXED);
		propagate_protected_usage(c, (unsigned long)v);
		watermark_raise(c, v);
	}
}

/* page_counter_try_charge: false and *fail the first level whose max it would pass; nothing charged then */
static bool page_counter_try_charge(struct page_counter *counter, unsigned long nr, struct page_counter **fail)
{
	struct page_counter *c;
	for (c = counter; c; c = c->parent) {
		long v = __atomic_add_fetch(&c->usage, (long)nr, __ATOMIC_RELAXED);
		if ((unsigned long)v > __atomic_load_n(&c->max, __ATOMIC_RELAXED)) {
			__atomic_sub_fetch(&c->usage, (long)nr, __ATOMIC_RELAXED);
			__atomic_add_fetch(&c->failcnt, 1, __ATOMIC_RELAXED);
			*fail = c;
			for (struct page_counter *u = counter; u != c; u = u->parent)
				page_counter_cancel(u, nr);
			return false;
		}
		propagate_protected_usage(c, (unsigned long)v);
		watermark_raise(c, v);
	}
	return true;
}

static void page_counter_uncharge(struct page_counter *counter, unsigned long nr)
{
	for (struct page_counter *c = counter; c; c = c->parent)
		page_counter_cancel(c, nr);
}

static struct mem_cgroup *memcg_of_counter(struct page_counter *c)
{
	return container_of(c, struct mem_cgroup, memory);
}

/* ---- the per-CPU charge stock ----------------------------------------------------------------- */

/*
 * memcg_stock: each CPU keeps pages charged ahead to one group (a charge
 * takes MEMCG_CHARGE_BATCH at once and leaves the rest here), so most
 * charges touch no shared counter; memory.current includes them.  A charge
 * for another group drains the CPU's stock back first; a group at its
 * limit drains every CPU's stock of its subtree (drain_all_stock), as does
 * its removal.  Each stock has its own lock (another CPU drains it).
 */
struct memcg_stock {
	pthread_mutex_t lock;
	struct mem_cgroup *cached;
	unsigned long nr_pages;
};

static bool mem_cgroup_is_descendant(const struct mem_cgroup *memcg, const struct mem_cgroup *root)
{
	for (; memcg; memcg = memcg->parent)
		if (memcg == root)
			return true;
	return false;
}

static bool consume_stock(struct mem_cgroup *memcg, unsigned long nr_pages)
{
	int cpu = smp_processor_id();
	if (nr_pages > MEMCG_CHARGE_BATCH || cpu < 0 || !M->memcg_stock)
		return false;
	struct memcg_stock *stock = &M->memcg_stock[cpu];
	bool ret = false;
	pthread_mutex_lock(&stock->lock);
	if (stock->cached == memcg && stock->nr_pages >= nr_pages) {
		stock->nr_pages -= nr_pages;
		ret = true;
	}
	pthread_mutex_unlock(&stock->lock);
	return ret;
}

/* drain_stock: what the stock holds goes back (its lock held) */
static void drain_stock(struct memcg_stock *stock)
{
	if (stock->cached && stock->nr_pages)
		page_counter_uncharge(&stock->cached->memory, stock->nr_pages);
	stock->nr_pages = 0;
	stock->cached = NULL;
}

/* refill_stock: nr_pages charged ahead for memcg on this CPU (the stock of another group drains) */
static void refill_stock(struct mem_cgroup *memcg, unsigned long nr_pages)
{
	int cpu = smp_processor_id();
	if (cpu < 0 || !M->memcg_stock) {
		page_counter_uncharge(&memcg->memory, nr_pages);
		return;
	}
	struct memcg_stock *stock = &M->memcg_stock[cpu];
	pthread_mutex_lock(&stock->lock);
	if (stock->cached != memcg) {
		drain_stock(stock);
		stock->cached = memcg;
	}
	stock->nr_pages += nr_pages;
	if (stock->nr_pages > MEMCG_CHARGE_BATCH)
		drain_stock(stock);
	pthread_mutex_unlock(&stock->lock);
}

/* drain_all_stock: every CPU's stock of root's subtree goes back */
static void drain_all_stock(struct mem_cgroup *root)
{
	for (int cpu = 0; M->memcg_stock && cpu < M->nr_cpus; cpu++) {
		struct memcg_stock *stock = &M->memcg_stock[cpu];
		pthread_mutex_lock(&stock->lock);
		if (stock->cached && mem_cgroup_is_descendant(stock->cached, root))
			drain_stock(stock);
		pthread_mutex_unlock(&stock->lock);
	}
}

/* mem_cgroup_margin: pages the group can still charge before some level's max */
static unsigned long mem_cgroup_margin(struct mem_cgroup *memcg)
{
	unsigned long margin = ULONG_MAX;
	for (struct page_counter *c = &memcg->memory; c; c = c->parent) {
		unsigned long count = page_counter_read(c), max = __atomic_load_n(&c->max, __ATOMIC_RELAXED);
		margin = min(margin, count < max ? max - count : 0);
	}
	return margin;
}

unsigned long mem_cgroup_usage(struct mem_cgroup *memcg)
{
	return page_counter_read(&memcg->memory);
}

/* ---- the tree --------------------------------------------------------------------------------- */

bool mem_cgroup_is_root(const struct mem_cgroup *memcg)
{
	return !memcg || memcg == M->root_mem_cgroup;
}

static void memcg_events_add(struct mem_cgroup *memcg, enum memcg_memory_event ev)
{
	__atomic_add_fetch(&memcg->events_local[ev], 1, __ATOMIC_RELAXED);
	for (struct mem_cgroup *m = memcg; m && !mem_cgroup_is_root(m); m = m->parent)
		__atomic_add_fetch(&m->events[ev], 1, __ATOMIC_RELAXED);
}

/* memcg_memory_event */
void memcg_memory_event(struct mem_cgroup *memcg, enum memcg_memory_event ev)
{
	if (memcg && !mem_cgroup_is_root(memcg))
		memcg_events_add(memcg, ev);
}

void memcg_count_event(struct mem_cgroup *memcg, enum memcg_vm_event ev, unsigned long nr)
{
	if (memcg && nr)
		__atomic_add_fetch(&memcg->vm_events[ev], nr, __ATOMIC_RELAXED);
}

/* count_memcg_event_mm: the event of a task's mm, in its owner's group */
void memcg_count_event_mm(struct mm_struct *mm, enum memcg_vm_event ev)
{
	memcg_count_event(get_mem_cgroup_from_mm(mm), ev, 1);
}

static struct mem_cgroup *memcg_alloc(struct mem_cgroup *parent, const char *name)
{
	struct mem_cgroup *memcg = calloc(1, sizeof(*memcg));
	if (!memcg || !(memcg->name = strdup(name))) {
		free(memcg);
		return NULL;
	}
	INIT_LIST_HEAD(&memcg->children);
	INIT_LIST_HEAD(&memcg->sibling);
	pthread_mutex_init(&memcg->objcg_lock, NULL);
	memcg->parent = parent;
	memcg->online = true;
	unsigned long max = page_counter_max();
	memcg->memory = (struct page_counter){ .max = max, .high = max, .parent = parent ? &parent->memory : NULL };
	for (int nid = 0; nid < M->nr_nodes; nid++) {
		if (!parent) {
			memcg->lruvec[nid] = &NODE_DATA(nid)->__lruvec;
			continue;
		}
		struct lruvec *lruvec = calloc(1, sizeof(*lruvec));
		if (!lruvec) {
			for (int i = 0; i < nid; i++)
				free(memcg->lruvec[i]);
			free(memcg->name);
			free(memcg);
			return NULL;
		}
		lruvec_init(lruvec, NODE_DATA(nid), memcg);
		memcg->lruvec[nid] = lruvec;
	}
	return memcg;
}

static void memcg_free(struct mem_cgroup *memcg)
{
	while (!list_empty(&memcg->children)) {
		struct mem_cgroup *c = list_entry(memcg->children.next, struct mem_cgroup, sibling);
		list_del(&c->sibling);
		memcg_free(c);
	}
	if (memcg->parent)
		for (int nid = 0; nid < M->nr_nodes; nid++)
			free(memcg->lruvec[nid]);
	if (memcg->id)
		M->memcg_ids[memcg->id] = NULL;
	pthread_mutex_destroy(&memcg->objcg_lock);
	free(memcg->name);
	free(memcg);
}

/* The root group, at boot (after the nodes' own lruvecs exist). */
void mem_cgroup_init(void)
{
	pthread_mutex_init(&M->cgroup_mutex, NULL);
	pthread_mutex_init(&M->memcg_tree_lock, NULL);
	M->memcg_ids = calloc(MEM_CGROUP_ID_MAX + 1, sizeof(*M->memcg_ids));
	M->root_mem_cgroup = memcg_alloc(NULL, "");
	if (!M->memcg_ids || !M->root_mem_cgroup) {
		fprintf(stderr, "kmm: out of host memory for the root memory cgroup\n");
		abort();
	}
	M->root_mem_cgroup->id = 1;
	M->memcg_ids[1] = M->root_mem_cgroup;
	M->memcg_stock = calloc((size_t)M->nr_cpus, sizeof(*M->memcg_stock));
	for (int cpu = 0; M->memcg_stock && cpu < M->nr_cpus; cpu++)
		pthread_mutex_init(&M->memcg_stock[cpu].lock, NULL);
	for (int nid = 0; nid < M->nr_nodes; nid++)
		NODE_DATA(nid)->__lruvec.memcg = M->root_mem_cgroup;
}

/* Every group, with the machine (its pages are gone by now). */
void mem_cgroup_exit(void)
{
	if (M->root_mem_cgroup)
		drain_all_stock(M->root_mem_cgroup);
	for (int cpu = 0; M->memcg_stock && cpu < M->nr_cpus; cpu++)
		pthread_mutex_destroy(&M->memcg_stock[cpu].lock);
	free(M->memcg_stock);
	M->memcg_stock = NULL;
	if (M->root_mem_cgroup)
		memcg_free(M->root_mem_cgroup);
	M->root_mem_cgroup = NULL;
	free(M->memcg_ids);
	M->memcg_ids = NULL;
	pthread_mutex_destroy(&M->cgroup_mutex);
	pthread_mutex_destroy(&M->memcg_tree_lock);
}

struct mem_cgroup *mem_cgroup_from_id(unsigned short id)
{
	return M->memcg_ids ? __atomic_load_n(&M->memcg_ids[id], __ATOMIC_ACQUIRE) : NULL;
}

/* The online group at path ("" or "/": the root; "A/B"), or NULL (cgroup_mutex held) */
static struct mem_cgroup *memcg_lookup(const char *path)
{
	struct mem_cgroup *memcg = M->root_mem_cgroup;
	while (*path == '/')
		path++;
	while (*path) {
		const char *end = strchr(path, '/');
		size_t len = end ? (size_t)(end - path) : strlen(path);
		struct mem_cgroup *found = NULL;
		struct list_head *pos;
		list_for_each(pos, &memcg->children) {
			struct mem_cgroup *c = list_entry(pos, struct mem_cgroup, sibling);
			if (c->online && strlen(c->name) == len && !strncmp(c->name, path, len)) {
				found = c;
				break;
			}
		}
		if (!found)
			return NULL;
		memcg = found;
		path += len;
		while (*path == '/')
			path++;
	}
	return memcg;
}

/* "/A/B": the group's path as cgroup paths print ("/" for the root) */
void mem_cgroup_path(const struct mem_cgroup *memcg, char *buf, size_t len)
{
	if (!memcg || !memcg->parent) {
		snprintf(buf, len, "/");
		return;
	}
	const struct mem_cgroup *chain[64];
	int n = 0;
	for (const struct mem_cgroup *m = memcg; m->parent && n < 64; m = m->parent)
		chain[n++] = m;
	size_t at = 0;
	buf[0] = 0;
	while (n-- > 0 && at < len) {
		int w = snprintf(buf + at, len - at, "/%s", chain[n]->name);
		if (w < 0)
			break;
		at += (size_t)w;
	}
}

/* the names kernfs refuses, and those of the group's own files */
static bool cgroup_name_bad(const char *name, size_t len)
{
	if (!len || len > 255 || memchr(name, '\n', len) || (len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return true;
	return false;
}

static bool cgroup_name_is_file(const char *name)
{
	return !strncmp(name, "cgroup.", 7) || !strncmp(name, "memory.", 7);
}

int kmm_cgroup_mkdir(const char *path)
{
	if (!M)
		return -ENODEV;
	if (!path)
		return -EINVAL;
	while (*path == '/')
		path++;
	size_t plen = strlen(path);
	while (plen && path[plen - 1] == '/')
		plen--;
	if (!plen || plen >= 4096)
		return plen ? -ENAMETOOLONG : -EEXIST;
	char buf[4096];
	memcpy(buf, path, plen);
	buf[plen] = 0;
	char *slash = strrchr(buf, '/'), *name = slash ? slash + 1 : buf;
	if (slash)
		*slash = 0;
	if (cgroup_name_bad(name, strlen(name)))
		return strlen(name) > 255 ? -ENAMETOOLONG : -EINVAL;
	pthread_mutex_lock(&M->cgroup_mutex);
	int ret = 0;
	struct mem_cgroup *parent = memcg_lookup(slash ? buf : ""), *memcg = NULL;
	if (!parent) {
		ret = -ENOENT;
	} else if (cgroup_name_is_file(name)) {
		ret = -EEXIST;
	} else {
		struct list_head *pos;
		list_for_each(pos, &parent->children)
			if (list_entry(pos, struct mem_cgroup, sibling)->online &&
			    !strcmp(list_entry(pos, struct mem_cgroup, sibling)->name, name))
				ret = -EEXIST;
	}
	int id = 0;
	for (int i = 2; !ret && i <= MEM_CGROUP_ID_MAX && !id; i++)
		if (!M->memcg_ids[i])
			id = i;
	if (!ret && !id)
		ret = -ENOSPC; /* mem_cgroup_alloc: idr_alloc found no id */
	if (!ret && !(memcg = memcg_alloc(parent, name)))
		ret = -ENOMEM;
	if (!ret) {
		memcg->id = (unsigned short)id;
		__atomic_store_n(&M->memcg_ids[id], memcg, __ATOMIC_RELEASE);
		pthread_mutex_lock(&M->memcg_tree_lock);
		list_add_tail(&memcg->sibling, &parent->children);
		pthread_mutex_unlock(&M->memcg_tree_lock);
	}
	pthread_mutex_unlock(&M->cgroup_mutex);
	return ret;
}

static bool memcg_has_online_children(const struct mem_cgroup *memcg)
{
	const struct list_head *pos;
	list_for_each(pos, &memcg->children)
		if (list_entry(pos, struct mem_cgroup, sibling)->online)
			return true;
	return false;
}

int kmm_cgroup_rmdir(const char *path)
{
	if (!M)
		return -ENODEV;
	if (!path)
		return -EINVAL;
	pthread_mutex_lock(&M->cgroup_mutex);
	struct mem_cgroup *memcg = memcg_lookup(path);
	int ret = 0;
	if (!memcg)
		ret = -ENOENT;
	else if (mem_cgroup_is_root(memcg) || memcg->nr_procs || memcg_has_online_children(memcg))
		ret = -EBUSY; /* cgroup_destroy_locked: populated or with children (the root: not a cgroup rmdir can remove) */
	else
		__atomic_store_n(&memcg->online, false, __ATOMIC_RELAXED); /* css_offline: dying until its charges go */
	pthread_mutex_unlock(&M->cgroup_mutex);
	if (!ret)
		drain_all_stock(memcg); /* mem_cgroup_css_offline */
	return ret;
}

/*
 * mem_cgroup_iter: the groups of root's subtree in pre-order (root first),
 * dying ones too; NULL after the last.  Groups are never freed while the
 * machine runs, so prev stays valid between two steps.
 */
struct mem_cgroup *mem_cgroup_iter(struct mem_cgroup *root, struct mem_cgroup *prev)
{
	if (!root)
		root = M->root_mem_cgroup;
	if (!prev)
		return root;
	pthread_mutex_lock(&M->memcg_tree_lock);
	struct mem_cgroup *next = NULL;
	if (!list_empty(&prev->children)) {
		next = list_entry(prev->children.next, struct mem_cgroup, sibling);
	} else {
		for (struct mem_cgroup *m = prev; m != root && m->parent; m = m->parent)
			if (m->sibling.next != &m->parent->children) {
				next = list_entry(m->sibling.next, struct mem_cgroup, sibling);
				break;
			}
	}
	pthread_mutex_unlock(&M->memcg_tree_lock);
	return next;
}

/* the group whose charges a task's mm makes: its owner's (NULL: the root) */
struct mem_cgroup *get_mem_cgroup_from_mm(struct mm_struct *mm)
{
	struct task_struct *owner = mm ? mm->owner : NULL;
	struct mem_cgroup *memcg = owner ? __atomic_load_n(&owner->memcg, __ATOMIC_ACQUIRE) : NULL;
	return memcg ?: M->root_mem_cgroup;
}

struct mem_cgroup *task_memcg(const struct task_struct *t)
{
	struct mem_cgroup *memcg = t ? __atomic_load_n(&t->memcg, __ATOMIC_ACQUIRE) : NULL;
	return memcg ?: M->root_mem_cgroup;
}

/* a fork's child joins its parent's group */
void mem_cgroup_fork(struct task_struct *child, struct task_struct *parent)
{
	pthread_mutex_lock(&M->cgroup_mutex);
	struct mem_cgroup *memcg = parent ? parent->memcg : NULL;
	__atomic_store_n(&child->memcg, memcg, __ATOMIC_RELEASE); /* the child is in the task list already */
	if (memcg)
		memcg->nr_procs++;
	pthread_mutex_unlock(&M->cgroup_mutex);
}

void mem_cgroup_exit_task(struct task_struct *t)
{
	pthread_mutex_lock(&M->cgroup_mutex);
	if (t->memcg)
		t->memcg->nr_procs--;
	__atomic_store_n(&t->memcg, (struct mem_cgroup *)NULL, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&M->cgroup_mutex);
}

struct attach_arg {
	struct mm_struct *mm;
	struct task_struct *leader;
	struct mem_cgroup *to;
};

static void attach_one(struct task_struct *t, struct mem_cgroup *to)
{
	struct mem_cgroup *from = t->memcg;
	if (from)
		from->nr_procs--;
	if (!mem_cgroup_is_root(to))
		to->nr_procs++;
	__atomic_store_n(&t->memcg, mem_cgroup_is_root(to) ? NULL : to, __ATOMIC_RELEASE);
}

static void attach_sharer(struct task_struct *t, void *arg)
{
	struct attach_arg *a = arg;
	if (t != a->leader && a->mm && t->mm == a->mm)
		attach_one(t, a->to);
}

/* cgroup.procs: the task and every task sharing its mm move; charges made so far stay (cgroup v2) */
static int cgroup_procs_write(struct mem_cgroup *memcg, const char *val)
{
	long long pid;
	if (kstrtoll(val, 0, &pid) || pid < 0 || pid > INT_MAX)
		return -EINVAL;
	if (!pid)
		return -ESRCH; /* "0" is the writer itself: kmm's writer is no task */
	struct task_struct *t = get_pid_task((int)pid);
	if (!t)
		return -ESRCH;
	int ret = 0;
	pthread_mutex_lock(&M->cgroup_mutex);
	if (!memcg->online)
		ret = -ENODEV;
	else if (__atomic_load_n(&t->flags, __ATOMIC_RELAXED) & PF_EXITING)
		ret = -ESRCH;
	if (!ret) {
		attach_one(t, memcg);
		struct attach_arg a = { t->mm, t, memcg };
		for_each_task(attach_sharer, &a);
	}
	pthread_mutex_unlock(&M->cgroup_mutex);
	put_task_struct(t);
	return ret;
}

int kmm_cgroup_attach(struct task_struct *t, const char *path)
{
	if (!M)
		return -ENODEV;
	if (!t || !path)
		return -EINVAL;
	pthread_mutex_lock(&M->cgroup_mutex);
	struct mem_cgroup *memcg = memcg_lookup(path);
	pthread_mutex_unlock(&M->cgroup_mutex);
	if (!memcg)
		return -ENOENT;
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", t->pid);
	return cgroup_procs_write(memcg, pid);
}

/* ---- reclaim protection (6.1's effective_protection, without memory_recursiveprot) ------------ */

static unsigned long effective_protection(unsigned long usage, unsigned long setting, unsigned long parent_effective,
					  unsigned long siblings_protected)
{
	unsigned long protected = min(usage, setting);
	/* the children together claim more than the parent has: each gets its share of what the parent has */
	if (siblings_protected > parent_effective)
		return protected * parent_effective / siblings_protected;
	return protected;
}

/* mem_cgroup_calculate_protection: memcg's emin and elow for a reclaim of root's subtree */
void mem_cgroup_calculate_protection(struct mem_cgroup *root, struct mem_cgroup *memcg)
{
	if (!root)
		root = M->root_mem_cgroup;
	if (memcg == root) /* its own limit's reclaim: the stale values are not used (mem_cgroup_protection) */
		return;
	unsigned long usage = page_counter_read(&memcg->memory);
	if (!usage)
		return;
	struct mem_cgroup *parent = memcg->parent;
	struct page_counter *c = &memcg->memory;
	if (parent == root) {
		__atomic_store_n(&c->emin, __atomic_load_n(&c->min, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
		__atomic_store_n(&c->elow, __atomic_load_n(&c->low, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
		return;
	}
	struct page_counter *p = &parent->memory;
	__atomic_store_n(&c->emin,
			 effective_protection(usage, __atomic_load_n(&c->min, __ATOMIC_RELAXED),
					      __atomic_load_n(&p->emin, __ATOMIC_RELAXED),
					      (unsigned long)max(__atomic_load_n(&p->children_min_usage, __ATOMIC_RELAXED), 0L)),
			 __ATOMIC_RELAXED);
	__atomic_store_n(&c->elow,
			 effective_protection(usage, __atomic_load_n(&c->low, __ATOMIC_RELAXED),
					      __atomic_load_n(&p->elow, __ATOMIC_RELAXED),
					      (unsigned long)max(__atomic_load_n(&p->children_low_usage, __ATOMIC_RELAXED), 0L)),
			 __ATOMIC_RELAXED);
}

/* mem_cgroup_protection: what of memcg's usage reclaim of root's subtree leaves (proportional scanning) */
unsigned long mem_cgroup_protection(struct mem_cgroup *root, struct mem_cgroup *memcg, bool in_low_reclaim)
{
	if (!root)
		root = M->root_mem_cgroup;
	if (root == memcg)
		return 0;
	unsigned long emin = __atomic_load_n(&memcg->memory.emin, __ATOMIC_RELAXED);
	if (in_low_reclaim)
		return emin;
	return max(emin, __atomic_load_n(&memcg->memory.elow, __ATOMIC_RELAXED));
}

bool mem_cgroup_below_low(struct mem_cgroup *memcg)
{
	return !mem_cgroup_is_root(memcg) &&
	       __atomic_load_n(&memcg->memory.elow, __ATOMIC_RELAXED) >= page_counter_read(&memcg->memory);
}

bool mem_cgroup_below_min(struct mem_cgroup *memcg)
{
	return !mem_cgroup_is_root(memcg) &&
	       __atomic_load_n(&memcg->memory.emin, __ATOMIC_RELAXED) >= page_counter_read(&memcg->memory);
}

/* ---- charging --------------------------------------------------------------------------------- */

/* mem_cgroup_get_max: the group's limit plus the swap it may use (no swap controller: all of it) */
unsigned long mem_cgroup_get_max(struct mem_cgroup *memcg)
{
	unsigned long max = __atomic_load_n(&memcg->memory.max, __ATOMIC_RELAXED);
	if (__atomic_load_n(&vm_swappiness, __ATOMIC_RELAXED))
		max += kmm_total_swap_pages();
	return max;
}

/* mem_cgroup_oom: the group's OOM killer; true if a charge may retry */
static bool mem_cgroup_oom(struct mem_cgroup *memcg, gfp_t gfp, unsigned int order)
{
	if (order > PAGE_ALLOC_COSTLY_ORDER)
		return false;
	memcg_memory_event(memcg, MEMCG_OOM);
	return mem_cgroup_out_of_memory(memcg, gfp, order);
}

/* mem_cgroup_out_of_memory (also memory.max's write): oom_lock, then the killer unless room appeared */
bool mem_cgroup_out_of_memory(struct mem_cgroup *memcg, gfp_t gfp, unsigned int order)
{
	pthread_mutex_lock(&M->oom_lock);
	bool ret = true;
	struct task_struct *cur = get_current();
	if (mem_cgroup_margin(memcg) < (1UL << order))
		ret = (cur && fatal_signal_pending(cur)) || out_of_memory_memcg(memcg, gfp, order);
	pthread_mutex_unlock(&M->oom_lock);
	return ret;
}

/* reclaim_high: each group from memcg up that is over its memory.high gives back nr_pages */
static void reclaim_high(struct mem_cgroup *memcg, unsigned long nr_pages, gfp_t gfp)
{
	for (; memcg && !mem_cgroup_is_root(memcg); memcg = memcg->parent) {
		if (page_counter_read(&memcg->memory) <= __atomic_load_n(&memcg->memory.high, __ATOMIC_RELAXED))
			continue;
		memcg_memory_event(memcg, MEMCG_HIGH);
		in_memcg_reclaim++;
		try_to_free_mem_cgroup_pages(memcg, nr_pages, gfp, true);
		in_memcg_reclaim--;
	}
}

/* mem_cgroup_handle_over_high: the return to user space of a task whose charges passed memory.high */
void mem_cgroup_handle_over_high(void)
{
	unsigned long nr = nr_pages_over_high;
	struct mem_cgroup *memcg = over_high_memcg;
	if (!nr || !memcg)
		return;
	nr_pages_over_high = 0;
	over_high_memcg = NULL;
	reclaim_high(memcg, nr, GFP_KERNEL);
}

/*
 * try_charge_memcg: nr_pages to memcg and its ancestors, reclaiming and
 * then killing within the group over its limit; 0 or -ENOMEM.
 */
static int try_charge_memcg(struct mem_cgroup *memcg, gfp_t gfp, unsigned long nr_pages)
{
	unsigned long batch = max((unsigned long)MEMCG_CHARGE_BATCH, nr_pages);
	int nr_retries = MAX_RECLAIM_RETRIES;
	bool passed_oom = false, raised_max_event = false, drained = false;
	struct page_counter *counter;
	struct mem_cgroup *over;
	struct task_struct *cur = get_current();
retry:
	if (consume_stock(memcg, nr_pages))
		return 0;
	if (page_counter_try_charge(&memcg->memory, batch, &counter))
		goto done_restock;
	over = memcg_of_counter(counter);
	if (batch > nr_pages) { /* the batch did not fit: just what is asked */
		batch = nr_pages;
		goto retry;
	}
	if (in_memcg_reclaim)
		goto force; /* reclaim's own allocations (PF_MEMALLOC) */
	if (!(gfp & __GFP_DIRECT_RECLAIM))
		goto nomem;
	memcg_memory_event(over, MEMCG_MAX);
	raised_max_event = true;
	in_memcg_reclaim++;
	unsigned long nr_reclaimed = try_to_free_mem_cgroup_pages(over, nr_pages, gfp, true);
	in_memcg_reclaim--;
	if (mem_cgroup_margin(over) >= nr_pages)
		goto retry;
	if (!drained) { /* the other CPUs' stocks of the group may be what is missing */
		drain_all_stock(over);
		drained = true;
		goto retry;
	}
	if (gfp & __GFP_NORETRY)
		goto nomem;
	if (nr_reclaimed && nr_pages <= (1UL << PAGE_ALLOC_COSTLY_ORDER))
		goto retry;
	if (nr_retries--)
		goto retry;
	if (gfp & __GFP_RETRY_MAYFAIL)
		goto nomem;
	if (passed_oom && cur && fatal_signal_pending(cur))
		goto nomem; /* task_is_dying: the killer passed over it */
	if (mem_cgroup_oom(over, gfp, nr_pages <= 1 ? 0U : (unsigned int)(64 - __builtin_clzl(nr_pages - 1)))) {
		passed_oom = true;
		nr_retries = MAX_RECLAIM_RETRIES;
		if (!(cur && fatal_signal_pending(cur)))
			goto retry;
	}
nomem:
	if (!(gfp & (__GFP_NOFAIL | __GFP_HIGH)))
		return -ENOMEM;
force:
	if (!raised_max_event)
		memcg_memory_event(over, MEMCG_MAX);
	page_counter_charge(&memcg->memory, nr_pages);
	return 0;
done_restock:
	if (batch > nr_pages)
		refill_stock(memcg, batch - nr_pages);
	/* over memory.high somewhere up the tree: reclaim on the way back to user space */
	for (struct mem_cgroup *m = memcg; m && !mem_cgroup_is_root(m); m = m->parent)
		if (page_counter_read(&m->memory) > __atomic_load_n(&m->memory.high, __ATOMIC_RELAXED)) {
			nr_pages_over_high += batch;
			over_high_memcg = memcg;
			break;
		}
	if (nr_pages_over_high > MEMCG_CHARGE_BATCH && !in_memcg_reclaim && (gfp & __GFP_DIRECT_RECLAIM))
		mem_cgroup_handle_over_high();
	return 0;
}

/* mem_cgroup_charge: a user page (an mm's anonymous, page-cache or shmem page) to the mm owner's group */
int mem_cgroup_charge(struct page *page, struct mm_struct *mm, gfp_t gfp)
{
	struct task_struct *cur = get_current();
	struct mem_cgroup *memcg = get_mem_cgroup_from_mm(mm ?: (cur ? cur->mm : NULL));
	unsigned long nr = PageHead(page) ? 1UL << compound_order(page) : 1;
	int ret = try_charge_memcg(memcg, gfp, nr);
	if (!ret)
		__atomic_store_n(&page->memcg_data, (unsigned long)memcg, __ATOMIC_RELEASE);
	return ret;
}

/* The group of the task this thread works for, if it is charged kernel memory (not the root), else NULL. */
static struct mem_cgroup *current_objcg_memcg(void)
{
	struct task_struct *cur = get_current();
	struct mem_cgroup *memcg = cur ? __atomic_load_n(&cur->memcg, __ATOMIC_ACQUIRE) : NULL;
	return memcg && !mem_cgroup_is_root(memcg) ? memcg : NULL;
}

/* __memcg_kmem_charge_page: an __GFP_ACCOUNT page of 2^order; 0 or -ENOMEM */
int memcg_kmem_charge_page(struct page *page, gfp_t gfp, unsigned int order)
{
	struct mem_cgroup *memcg = current_objcg_memcg();
	if (!memcg)
		return 0;
	int ret = try_charge_memcg(memcg, gfp, 1UL << order);
	if (ret)
		return ret;
	memcg_stat_mod(memcg, kmem, 1L << order);
	__atomic_store_n(&page->memcg_data, (unsigned long)memcg | MEMCG_DATA_KMEM, __ATOMIC_RELEASE);
	return 0;
}

/* mem_cgroup_uncharge / __memcg_kmem_uncharge_page: the page's charge goes with its last reference */
void mem_cgroup_uncharge(struct page *page, unsigned int order)
{
	unsigned long data = __atomic_exchange_n(&page->memcg_data, 0UL, __ATOMIC_ACQ_REL);
	if (!data)
		return;
	struct mem_cgroup *memcg = (struct mem_cgroup *)(data & ~MEMCG_DATA_FLAGS_MASK);
	if (data & MEMCG_DATA_KMEM)
		memcg_stat_mod(memcg, kmem, -(1L << order));
	page_counter_uncharge(&memcg->memory, 1UL << order);
}

/*
 * obj_cgroup_charge: size bytes of a slab object to the current task's
 * group: whole pages are charged as kernel memory, the remainder kept for
 * the next object (obj_cgroup's nr_charged_bytes).  The group, or NULL if
 * none is charged (the root's tasks, kernel work); ERR: over the limit.
 */
struct mem_cgroup *obj_cgroup_charge(gfp_t gfp, size_t size, bool reclaimable, int *err)
{
	*err = 0;
	struct mem_cgroup *memcg = current_objcg_memcg();
	if (!memcg)
		return NULL;
	pthread_mutex_lock(&memcg->objcg_lock);
	long have = memcg->objcg_bytes;
	pthread_mutex_unlock(&memcg->objcg_lock);
	if (have < (long)size) {
		unsigned long pages = (size - (size_t)have + PAGE_SIZE - 1) >> PAGE_SHIFT;
		if (try_charge_memcg(memcg, gfp, pages)) {
			*err = -ENOMEM;
			return NULL;
		}
		memcg_stat_mod(memcg, kmem, (long)pages);
		pthread_mutex_lock(&memcg->objcg_lock);
		memcg->objcg_bytes += (long)(pages << PAGE_SHIFT);
		pthread_mutex_unlock(&memcg->objcg_lock);
	}
	pthread_mutex_lock(&memcg->objcg_lock);
	memcg->objcg_bytes -= (long)size;
	pthread_mutex_unlock(&memcg->objcg_lock);
	if (reclaimable)
		memcg_stat_mod(memcg, slab_reclaimable_b, (long)size);
	else
		memcg_stat_mod(memcg, slab_unreclaimable_b, (long)size);
	return memcg;
}

/* obj_cgroup_uncharge: the bytes come back; whole pages of them are uncharged */
void obj_cgroup_uncharge(struct mem_cgroup *memcg, size_t size, bool reclaimable)
{
	if (!memcg)
		return;
	if (reclaimable)
		memcg_stat_mod(memcg, slab_reclaimable_b, -(long)size);
	else
		memcg_stat_mod(memcg, slab_unreclaimable_b, -(long)size);
	pthread_mutex_lock(&memcg->objcg_lock);
	memcg->objcg_bytes += (long)size;
	unsigned long pages = (unsigned long)memcg->objcg_bytes >> PAGE_SHIFT;
	memcg->objcg_bytes -= (long)(pages << PAGE_SHIFT);
	pthread_mutex_unlock(&memcg->objcg_lock);
	if (pages) {
		memcg_stat_mod(memcg, kmem, -(long)pages);
		page_counter_uncharge(&memcg->memory, pages);
	}
}

/* ---- the views: sys/fs/cgroup/GROUP/FILE -------------------------------------------------------- */

/* memory.stat's page states, summed over the subtree */
struct memcg_sum {
	struct memcg_stat stat;
	unsigned long vm_events[MEMCG_NR_VM_EVENTS];
	long lru[NR_LRU_LISTS];
};

static void memcg_sum_add(struct memcg_sum *s, struct mem_cgroup *memcg)
{
	const long *from = (const long *)&memcg->stat;
	long *to = (long *)&s->stat;
	for (size_t i = 0; i < sizeof(s->stat) / sizeof(long); i++)
		to[i] += __atomic_load_n(&from[i], __ATOMIC_RELAXED);
	for (int e = 0; e < MEMCG_NR_VM_EVENTS; e++)
		s->vm_events[e] += __atomic_load_n(&memcg->vm_events[e], __ATOMIC_RELAXED);
	for (int nid = 0; nid < M->nr_nodes; nid++)
		for (int l = 0; l < NR_LRU_LISTS; l++)
			s->lru[l] += __atomic_load_n(&memcg->lruvec[nid]->nr_pages[l], __ATOMIC_RELAXED);
}

static void memcg_sum_subtree(struct mem_cgroup *root, struct memcg_sum *s)
{
	memset(s, 0, sizeof(*s));
	for (struct mem_cgroup *m = root; m; m = mem_cgroup_iter(root, m))
		memcg_sum_add(s, m);
}

static unsigned long nn(long v)
{
	return v > 0 ? (unsigned long)v : 0;
}

/* memory_stat_format, in 6.1's order; the THP lines where the profile has THP, zswap's as Debian builds it */
void memory_stat_format(struct mem_cgroup *memcg, struct strbuf *sb)
{
	struct memcg_sum s;
	memcg_sum_subtree(memcg, &s);
	const struct memcg_stat *st = &s.stat;
	unsigned long pg = PAGE_SIZE;
	sb_printf(sb, "anon %lu\n", nn(st->nr_anon_mapped) * pg);
	sb_printf(sb, "file %lu\n", nn(st->nr_file_pages) * pg);
	sb_printf(sb, "kernel %lu\n", nn(st->kmem) * pg);
	sb_printf(sb, "kernel_stack %lu\n", nn(st->nr_kernel_stack) * 1024);
	sb_printf(sb, "pagetables %lu\n", nn(st->nr_page_table_pages) * pg);
	sb_printf(sb, "sec_pagetables %lu\n", 0UL);
	sb_printf(sb, "percpu %lu\n", 0UL);
	sb_printf(sb, "sock %lu\n", 0UL);
	sb_printf(sb, "vmalloc %lu\n", 0UL);
	sb_printf(sb, "shmem %lu\n", nn(st->nr_shmem) * pg);
	sb_printf(sb, "zswap %lu\n", 0UL);
	sb_printf(sb, "zswapped %lu\n", 0UL);
	sb_printf(sb, "file_mapped %lu\n", nn(st->nr_file_mapped) * pg);
	sb_printf(sb, "file_dirty %lu\n", nn(st->nr_file_dirty) * pg);
	sb_printf(sb, "file_writeback %lu\n", nn(st->nr_writeback) * pg);
	sb_printf(sb, "swapcached %lu\n", nn(st->nr_swapcached) * pg);
	if (M->prof->thp) {
		sb_printf(sb, "anon_thp %lu\n", 0UL);
		sb_printf(sb, "file_thp %lu\n", 0UL);
		sb_printf(sb, "shmem_thp %lu\n", 0UL);
	}
	static const char *const lru_names[NR_LRU_LISTS] = { "inactive_anon", "active_anon", "inactive_file",
							     "active_file", "unevictable" };
	for (int l = 0; l < NR_LRU_LISTS; l++)
		sb_printf(sb, "%s %lu\n", lru_names[l], nn(s.lru[l]) * pg);
	sb_printf(sb, "slab_reclaimable %lu\n", nn(st->slab_reclaimable_b));
	sb_printf(sb, "slab_unreclaimable %lu\n", nn(st->slab_unreclaimable_b));
	sb_printf(sb, "slab %lu\n", nn(st->slab_reclaimable_b) + nn(st->slab_unreclaimable_b));
	static const char *const ws_names[6] = { "workingset_refault_anon",  "workingset_refault_file",
						 "workingset_activate_anon", "workingset_activate_file",
						 "workingset_restore_anon",  "workingset_restore_file" };
	for (int i = 0; i < 6; i++)
		sb_printf(sb, "%s %lu\n", ws_names[i], nn(st->nr_workingset[i]));
	sb_printf(sb, "workingset_nodereclaim %lu\n", nn(st->nr_workingset_nodereclaim));
	const unsigned long *ev = s.vm_events;
	sb_printf(sb, "pgscan %lu\n", ev[MEMCG_PGSCAN_KSWAPD] + ev[MEMCG_PGSCAN_DIRECT]);
	sb_printf(sb, "pgsteal %lu\n", ev[MEMCG_PGSTEAL_KSWAPD] + ev[MEMCG_PGSTEAL_DIRECT]);
	static const char *const ev_names[MEMCG_NR_VM_EVENTS] = {
		"pgscan_kswapd", "pgscan_direct", "pgsteal_kswapd", "pgsteal_direct", "pgfault",   "pgmajfault",
		"pgrefill",      "pgactivate",    "pgdeactivate",   "pglazyfree",     "pglazyfreed",
	};
	for (int e = 0; e < MEMCG_NR_VM_EVENTS; e++)
		sb_printf(sb, "%s %lu\n", ev_names[e], ev[e]);
	if (M->prof->thp) {
		sb_printf(sb, "thp_fault_alloc %lu\n", 0UL);
		sb_printf(sb, "thp_collapse_alloc %lu\n", 0UL);
	}
}

#define K(x) ((unsigned long long)(x) << (PAGE_SHIFT - 10))

/* mem_cgroup_print_oom_meminfo: what a group's OOM report shows instead of Mem-Info */
void mem_cgroup_print_oom_meminfo(struct mem_cgroup *memcg)
{
	char path[4096];
	pr_info("memory: usage %llukB, limit %llukB, failcnt %lu\n", K(page_counter_read(&memcg->memory)),
		K(__atomic_load_n(&memcg->memory.max, __ATOMIC_RELAXED)),
		__atomic_load_n(&memcg->memory.failcnt, __ATOMIC_RELAXED));
	pr_info("swap: usage %llukB, limit %llukB, failcnt %lu\n", 0ULL, K(page_counter_max()), 0UL);
	mem_cgroup_path(memcg, path, sizeof(path));
	pr_info("Memory cgroup stats for %s:", path);
	struct strbuf sb = { 0 };
	memory_stat_format(memcg, &sb);
	pr_cont("\n%s", sb.buf ? sb.buf : "");
	sb_free(&sb);
}

/* memory.min ... memory.max: "max" or bytes */
static void show_tunable(struct strbuf *sb, unsigned long pages)
{
	if (pages == page_counter_max())
		sb_printf(sb, "max\n");
	else
		sb_printf(sb, "%llu\n", (unsigned long long)pages * PAGE_SIZE);
}

/* page_counter_memparse: "max" or a size with memparse's suffixes, in pages */
static int page_counter_memparse(const char *val, unsigned long *pages)
{
	char buf[64];
	size_t len = strlen(val);
	while (len && (val[len - 1] == '\n' || val[len - 1] == ' ' || val[len - 1] == '\t'))
		len--;
	while (len && (*val == ' ' || *val == '\t' || *val == '\n'))
		val++, len--;
	if (!len || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, val, len);
	buf[len] = 0;
	if (!strcmp(buf, "max")) {
		*pages = page_counter_max();
		return 0;
	}
	char *end;
	u64 bytes;
	if (kmm_memparse(buf, &end, &bytes) || *end)
		return -EINVAL;
	*pages = (unsigned long)min(bytes / PAGE_SIZE, (u64)page_counter_max());
	return 0;
}

static void show_events(struct strbuf *sb, const long *events)
{
	static const char *const names[MEMCG_NR_MEMORY_EVENTS] = { "low", "high", "max", "oom", "oom_kill",
								    "oom_group_kill" };
	for (int e = 0; e < MEMCG_NR_MEMORY_EVENTS; e++)
		sb_printf(sb, "%s %lu\n", names[e], nn(__atomic_load_n(&events[e], __ATOMIC_RELAXED)));
}

struct procs_arg {
	struct mem_cgroup *memcg;
	struct strbuf *sb;
};

static void show_proc(struct task_struct *t, void *arg)
{
	struct procs_arg *a = arg;
	if (task_memcg(t) == a->memcg && !(__atomic_load_n(&t->flags, __ATOMIC_RELAXED) & PF_EXITING))
		sb_printf(a->sb, "%d\n", t->pid);
}

/* the files of a group (the root has only cgroup.*, memory.stat and memory.reclaim of these) */
enum cg_file {
	CG_PROCS, CG_CONTROLLERS, CG_SUBTREE, CG_CURRENT, CG_PEAK, CG_MIN, CG_LOW, CG_HIGH, CG_MAX, CG_EVENTS,
	CG_EVENTS_LOCAL, CG_STAT, CG_OOM_GROUP, CG_RECLAIM, CG_NR_FILES
};

static const struct {
	const char *name;
	bool root;  /* the root has it too */
	bool read, write;
} cg_files[CG_NR_FILES] = {
	[CG_PROCS] = { "cgroup.procs", true, true, true },
	[CG_CONTROLLERS] = { "cgroup.controllers", true, true, false },
	[CG_SUBTREE] = { "cgroup.subtree_control", true, true, false },
	[CG_CURRENT] = { "memory.current", false, true, false },
	[CG_PEAK] = { "memory.peak", false, true, false },
	[CG_MIN] = { "memory.min", false, true, true },
	[CG_LOW] = { "memory.low", false, true, true },
	[CG_HIGH] = { "memory.high", false, true, true },
	[CG_MAX] = { "memory.max", false, true, true },
	[CG_EVENTS] = { "memory.events", false, true, false },
	[CG_EVENTS_LOCAL] = { "memory.events.local", false, true, false },
	[CG_STAT] = { "memory.stat", true, true, false },
	[CG_OOM_GROUP] = { "memory.oom.group", false, true, true },
	[CG_RECLAIM] = { "memory.reclaim", true, false, true },
};

/* "sys/fs/cgroup/A/B/memory.max" -> the group and the file; -ENOENT if either is not there */
static int cg_resolve(const char *path, struct mem_cgroup **memcg, int *file)
{
	if (!strncmp(path, "/sys/fs/cgroup", 14))
		path += 14;
	else if (!strncmp(path, "sys/fs/cgroup", 13))
		path += 13;
	else
		return -ENOENT;
	if (*path && *path != '/')
		return -ENOENT;
	const char *slash = strrchr(path, '/');
	if (!slash)
		return -EISDIR; /* the root directory itself */
	const char *name = slash + 1;
	char dir[4096];
	size_t dlen = (size_t)(slash - path);
	if (dlen >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, dlen);
	dir[dlen] = 0;
	pthread_mutex_lock(&M->cgroup_mutex);
	struct mem_cgroup *m = memcg_lookup(dir);
	pthread_mutex_unlock(&M->cgroup_mutex);
	if (!m)
		return -ENOENT;
	for (int f = 0; f < CG_NR_FILES; f++)
		if (!strcmp(cg_files[f].name, name)) {
			if (mem_cgroup_is_root(m) && !cg_files[f].root)
				return -ENOENT;
			*memcg = m;
			*file = f;
			return 0;
		}
	/* a directory: the group itself */
	pthread_mutex_lock(&M->cgroup_mutex);
	bool dir_exists = memcg_lookup(path) != NULL;
	pthread_mutex_unlock(&M->cgroup_mutex);
	return dir_exists ? -EISDIR : -ENOENT;
}

bool cgroup_path(const char *path)
{
	return !strncmp(path, "sys/fs/cgroup", 13) || !strncmp(path, "/sys/fs/cgroup", 14);
}

/* The text of a group's file; NULL and errno if there is none or it cannot be read. */
char *cgroup_file_read(const char *path)
{
	struct mem_cgroup *memcg;
	int f, ret = cg_resolve(path, &memcg, &f);
	if (!ret && !cg_files[f].read)
		ret = -EINVAL; /* memory.reclaim: write-only */
	if (ret) {
		errno = -ret;
		return NULL;
	}
	struct strbuf sb = { 0 };
	struct page_counter *c = &memcg->memory;
	switch (f) {
	case CG_PROCS: {
		struct procs_arg a = { memcg, &sb };
		for_each_task(show_proc, &a);
		break;
	}
	case CG_CONTROLLERS:
	case CG_SUBTREE:
		sb_printf(&sb, "memory\n");
		break;
	case CG_CURRENT:
		sb_printf(&sb, "%llu\n", (unsigned long long)page_counter_read(c) * PAGE_SIZE);
		break;
	case CG_PEAK:
		sb_printf(&sb, "%llu\n", (unsigned long long)nn(__atomic_load_n(&c->watermark, __ATOMIC_RELAXED)) * PAGE_SIZE);
		break;
	case CG_MIN:
		show_tunable(&sb, __atomic_load_n(&c->min, __ATOMIC_RELAXED));
		break;
	case CG_LOW:
		show_tunable(&sb, __atomic_load_n(&c->low, __ATOMIC_RELAXED));
		break;
	case CG_HIGH:
		show_tunable(&sb, __atomic_load_n(&c->high, __ATOMIC_RELAXED));
		break;
	case CG_MAX:
		show_tunable(&sb, __atomic_load_n(&c->max, __ATOMIC_RELAXED));
		break;
	case CG_EVENTS:
		show_events(&sb, memcg->events);
		break;
	case CG_EVENTS_LOCAL:
		show_events(&sb, memcg->events_local);
		break;
	case CG_STAT:
		memory_stat_format(memcg, &sb);
		break;
	case CG_OOM_GROUP:
		sb_printf(&sb, "%d\n", __atomic_load_n(&memcg->oom_group, __ATOMIC_RELAXED) ? 1 : 0);
		break;
	}
	return sb_detach(&sb);
}

/* memory.high / memory.max: the new limit, then reclaim (and for max the OOM killer) down to it */
static void limit_reclaim(struct mem_cgroup *memcg, unsigned long limit, bool is_max)
{
	int nr_retries = MAX_RECLAIM_RETRIES;
	drain_all_stock(memcg);
	for (;;) {
		unsigned long usage = page_counter_read(&memcg->memory);
		unsigned long now = __atomic_load_n(is_max ? &memcg->memory.max : &memcg->memory.high, __ATOMIC_RELAXED);
		if (now != limit || usage <= limit)
			break;
		if (nr_retries) {
			if (!try_to_free_mem_cgroup_pages(memcg, usage - limit, GFP_KERNEL, true))
				nr_retries--;
			continue;
		}
		if (!is_max)
			break;
		memcg_memory_event(memcg, MEMCG_OOM);
		if (!mem_cgroup_out_of_memory(memcg, GFP_KERNEL, 0))
			break;
		nr_retries = 1; /* the victim's memory went: look again */
	}
}

/* memory.reclaim: reclaim nr bytes from the group, -EAGAIN if it could not (6.1's retries) */
static int memory_reclaim(struct mem_cgroup *memcg, unsigned long nr_to_reclaim)
{
	unsigned long reclaimed = 0;
	int nr_retries = MAX_RECLAIM_RETRIES;
	while (reclaimed < nr_to_reclaim) {
		unsigned long r = try_to_free_mem_cgroup_pages(memcg, min(nr_to_reclaim - reclaimed, 32UL * 4),
								 GFP_KERNEL, true);
		if (!r && !nr_retries--)
			return -EAGAIN;
		reclaimed += r;
	}
	return 0;
}

int cgroup_file_write(const char *path, const char *val)
{
	struct mem_cgroup *memcg;
	int f, ret = cg_resolve(path, &memcg, &f);
	if (ret)
		return ret == -EISDIR ? -EISDIR : ret;
	if (!cg_files[f].write)
		return -EACCES;
	if (!val)
		return -EINVAL;
	unsigned long pages;
	struct page_counter *c = &memcg->memory;
	switch (f) {
	case CG_PROCS:
		return cgroup_procs_write(memcg, val);
	case CG_MIN:
	case CG_LOW:
		if ((ret = page_counter_memparse(val, &pages)))
			return ret;
		__atomic_store_n(f == CG_MIN ? &c->min : &c->low, pages, __ATOMIC_RELAXED);
		propagate_protected_usage(c, page_counter_read(c));
		return 0;
	case CG_HIGH:
	case CG_MAX:
		if ((ret = page_counter_memparse(val, &pages)))
			return ret;
		__atomic_store_n(f == CG_MAX ? &c->max : &c->high, pages, __ATOMIC_RELAXED);
		limit_reclaim(memcg, pages, f == CG_MAX);
		return 0;
	case CG_OOM_GROUP: {
		long long v;
		if (kstrtoll(val, 0, &v))
			return -EINVAL;
		if (v != 0 && v != 1)
			return -EINVAL;
		__atomic_store_n(&memcg->oom_group, v == 1, __ATOMIC_RELAXED);
		return 0;
	}
	case CG_RECLAIM:
		if ((ret = page_counter_memparse(val, &pages)))
			return ret;
		return memory_reclaim(memcg, pages);
	}
	return -EINVAL;
}

/* The groups' directories, "" for the root, each "A/B" (for listing and dumping the views). */
char **cgroup_dirs(void)
{
	size_t n = 0, cap = 8;
	char **dirs = calloc(cap + 1, sizeof(*dirs));
	for (struct mem_cgroup *m = M->root_mem_cgroup; m && dirs; m = mem_cgroup_iter(NULL, m)) {
		if (!__atomic_load_n(&m->online, __ATOMIC_RELAXED))
			continue;
		if (n == cap) {
			char **d = realloc(dirs, (2 * cap + 1) * sizeof(*dirs));
			if (!d)
				break;
			dirs = d;
			cap *= 2;
		}
		char path[4096];
		mem_cgroup_path(m, path, sizeof(path));
		dirs[n++] = strdup(path[1] ? path + 1 : "");
		dirs[n] = NULL;
	}
	return dirs;
}

const char *cgroup_file_name(int i, bool root)
{
	for (int f = 0; f < CG_NR_FILES; f++)
		if (cg_files[f].read && (!root || cg_files[f].root) && i-- == 0)
			return cg_files[f].name;
	return NULL;
}

/* ---- the OOM killer's view of a group ----------------------------------------------------------- */

/* mem_cgroup_scan_tasks: fn for each task whose group is memcg or below it (tasks_lock held by the caller) */
bool task_in_mem_cgroup(const struct task_struct *t, const struct mem_cgroup *memcg)
{
	for (const struct mem_cgroup *m = task_memcg(t); m; m = m->parent)
		if (m == memcg)
			return true;
	return false;
}

/* mem_cgroup_get_oom_group: the highest group up to oom_domain with memory.oom.group set, or NULL */
struct mem_cgroup *mem_cgroup_get_oom_group(const struct task_struct *victim, struct mem_cgroup *oom_domain)
{
	struct mem_cgroup *found = NULL;
	if (!oom_domain)
		oom_domain = M->root_mem_cgroup;
	struct mem_cgroup *m = task_memcg(victim);
	if (!task_in_mem_cgroup(victim, oom_domain))
		return NULL;
	for (; m && !mem_cgroup_is_root(m); m = m->parent) {
		if (__atomic_load_n(&m->oom_group, __ATOMIC_RELAXED))
			found = m;
		if (m == oom_domain)
			break;
	}
	return found;
}

/*
 * mem_cgroup_migrate: a page's replacement (mm/migrate.c) is charged to
 * the same group by force, as 6.1 does - the old page gives its charge
 * back when it is freed, which it is about to be - and takes its
 * memcg_data, so its counters and LRU lists are the group's.  Nothing for
 * a page no group holds, or a new page charged already.
 */
void mem_cgroup_migrate(struct page *old, struct page *new)
{
	if (page_memcg_raw(new))
		return;
	unsigned long data = __atomic_load_n(&old->memcg_data, __ATOMIC_ACQUIRE);
	if (!data || (data & MEMCG_DATA_FLAGS_MASK))
		return;
	struct mem_cgroup *memcg = (struct mem_cgroup *)data;
	page_counter_charge(&memcg->memory, 1);
	__atomic_store_n(&new->memcg_data, data, __ATOMIC_RELEASE);
}
