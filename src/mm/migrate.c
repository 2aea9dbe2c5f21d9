/*
 * migrate.c - page migration, as Linux 6.1's mm/migrate.c: a page's
 * contents, its mappings and its place in the page cache or swap cache
 * move to another frame, and the old frame goes back to the allocator.
 * Compaction (mm/compaction.c) and move_pages / migrate_pages of a task
 * on a NUMA machine use it.
 *
 * The caller isolates the pages from the LRU (folio_isolate_lru: a
 * reference, PG_lru clear) onto a list and gives a way to get a new page
 * for each (get_new_page: compaction's free list, a node's allocator).
 * migrate_pages tries each page up to NR_MAX_MIGRATE_PAGES_RETRY (10)
 * passes; one that is busy (-EAGAIN) waits for the next pass, and after
 * the last it counts as failed.  Each attempt, unmap_and_move:
 *
 *   the cache lock (filemap_reclaim_lock)
 *   trylock_page(old)            busy: -EAGAIN (and under writeback)
 *   every mm that maps old, its mmap_lock by trylock - all of them or
 *   none (-EAGAIN)
 *   try_to_migrate               each PTE of old -> a migration entry
 *                                (its host mirror dropped first), the
 *                                PTE's dirty bit to the page, rmap and
 *                                reference dropped
 *   references == expected?      1 (the isolation's) + 1 for a cache;
 *                                one more: pinned, -EAGAIN
 *   mem_cgroup_migrate           new is charged to old's group
 *   copy                         the 4 KiB, through the direct map of RAM
 *   folio_migrate_mapping        the page-cache / swap-cache slot to new,
 *                                old's references frozen meanwhile
 *   folio_migrate_flags          referenced, active/unevictable,
 *                                workingset, dirty, swapbacked, ...
 *   remove_migration_ptes        each migration entry -> a PTE of new
 *                                with the old PTE's bits (rmap, reference,
 *                                mlock for a VM_LOCKED VMA)
 *   new onto the LRU (putback), old's last reference dropped: freed
 *
 * A failure after try_to_migrate puts the PTEs back to old instead.  A
 * migration entry is a swap-type PTE of type SWP_MIGRATION_READ/WRITE
 * holding old's pfn, in each profile's swap PTE format (internal.h,
 * arch/pgtable.c).  kmm's rmap walks need the mapping mm's mmap_lock
 * (Linux's need only the page-table lock), so the migrator holds every
 * mapping mm's lock from try_to_migrate to remove_migration_ptes: no
 * other path - a fault, zap, fork, mprotect, mremap - ever meets a
 * migration entry; a fault on another CPU waits for the mmap_lock where
 * Linux's migration_entry_wait waits for the page lock, and a host-trap
 * access, its mirror gone, faults into that wait.  The locks are all
 * taken by trylock, so the migrator never waits while it holds the page
 * lock and no lock order with faults (mmap_lock, then the page lock)
 * matters.
 *
 * Counters: pgmigrate_success / pgmigrate_fail per page (thp_migration_*
 * stay 0: kmm has no THP), the mm_migrate_pages tracepoint's figures in
 * the return.  User API (include/kmm/task.h): task_move_pages and
 * task_migrate_pages, as move_pages(2) and migrate_pages(2).
 *
 * Locking: filemap_lock, then the page lock of old by trylock (and new),
 * then the mms' mmap_locks (trylock), then the anon_vma / tasks lock of
 * the walk, then the caches' locks - reclaim's order: the only lock
 * waited for is the first, taken before any page lock, so nothing that
 * spins on a page lock (a fault, shmem's swap-in under filemap_lock)
 * waits on the migrator.  Nothing sleeps under them.
 *
 * Not done: THP, hugetlb, movable kernel pages (balloon, zsmalloc),
 * MIGRATE_SYNC's waiting for the page lock and writeback (every mode is
 * MIGRATE_ASYNC's trylock here), NUMA balancing's migrations, device
 * private entries.
 */
#include "internal.h"

#include <kmm/swap.h>
#include <kmm/task.h>

#include "sim/ram.h"
#include "trace/events.h"

#define NR_MAX_MIGRATE_PAGES_RETRY 10

/* A PTE that mapped the page, now a migration entry (all under its mm's lock, held throughout). */
struct migrate_site {
	struct mm_struct *mm;
	struct vm_area_struct *vma;
	unsigned long addr;
	phys_addr_t table;
	unsigned long idx;
	pteval_t pte;            /* the PTE before: its bits go to the new page's */
};

struct migrate_ctl {
	struct page *page;
	struct mm_struct **mms;  /* every mm mapping page, referenced (mm_users) */
	bool *took;              /* ... whose lock this migration took (false: the caller holds it) */
	int nr_mms, cap_mms;
	struct migrate_site *sites;
	int nr_sites, cap_sites;
	bool stray;              /* a mapping in an mm not held, or no memory for the bookkeeping */
};

static bool grow(void **arr, int *cap, int need, size_t size)
{
	if (need <= *cap)
		return true;
	int n = *cap ? *cap * 2 : 8;
	void *p = realloc(*arr, (size_t)n * size);
	if (!p)
		return false;
	*arr = p;
	*cap = n;
	return true;
}

static bool ctl_holds(const struct migrate_ctl *c, const struct mm_struct *mm)
{
	for (int i = 0; i < c->nr_mms; i++)
		if (c->mms[i] == mm)
			return true;
	return false;
}

/* The walk's mm (its lock held by the walk) maps the page: remember it, with a reference. */
static int record_mm(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr, void *arg)
{
	struct migrate_ctl *c = arg;
	unsigned long idx;
	(void)vma;
	if (!page_pte_of(mm, addr, c->page, &idx) || ctl_holds(c, mm))
		return 0;
	if (!grow((void **)&c->mms, &c->cap_mms, c->nr_mms + 1, sizeof(*c->mms))) {
		c->stray = true;
		return 0;
	}
	int users = __atomic_load_n(&mm->mm_users, __ATOMIC_RELAXED);
	do {
		if (!users) { /* on its way out */
			c->stray = true;
			return 0;
		}
	} while (!__atomic_compare_exchange_n(&mm->mm_users, &users, users + 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
	c->mms[c->nr_mms++] = mm;
	return 1;
}

/* rmap_walk with fn over every mapping of page (filemap_lock held), -EAGAIN if one could not be reached. */
static int rmap_walk_trylock(struct page *page,
			     int (*fn)(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr, void *arg),
			     void *arg)
{
	struct inode *inode = page_cache_inode(page) ?: page_shmem_inode(page);
	if (inode)
		return rmap_walk_file_trylock(inode, page->index, fn, arg);
	if (PageAnon(page))
		return rmap_walk_anon_trylock(page, fn, arg);
	return 0;
}

/* Every mm that maps page, locked (trylock), or none: false. */
static bool lock_mappers(struct migrate_ctl *c)
{
	if (!page_mapcount(c->page))
		return true;
	if (rmap_walk_trylock(c->page, record_mm, c) < 0 || c->stray)
		return false;
	c->took = calloc((size_t)c->nr_mms + 1, sizeof(*c->took));
	if (!c->took)
		return false;
	for (int i = 0; i < c->nr_mms; i++)
		if (!reclaim_lock_mm(c->mms[i], &c->took[i])) {
			while (i--)
				reclaim_unlock_mm(c->mms[i], c->took[i]);
			free(c->took);
			c->took = NULL;
			return false;
		}
	return true;
}

static void unlock_mappers(struct migrate_ctl *c)
{
	for (int i = 0; i < c->nr_mms; i++) {
		if (c->took)
			reclaim_unlock_mm(c->mms[i], c->took[i]);
		/* a mapper that exited meanwhile leaves us its last reference: its teardown
		 * (mmap_lock, fput's filemap_lock) must not run under a file page's filemap_lock */
		mmput_async(c->mms[i]);
	}
	free(c->mms);
	free(c->took);
	free(c->sites);
}

/* try_to_migrate_one: the PTE becomes a migration entry; the page loses the mapping and its reference. */
static int migrate_unmap_one(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr, void *arg)
{
	struct migrate_ctl *c = arg;
	unsigned long idx;
	phys_addr_t table = page_pte_of(mm, addr, c->page, &idx);
	if (!table)
		return 0;
	if (!ctl_holds(c, mm) || !grow((void **)&c->sites, &c->cap_sites, c->nr_sites + 1, sizeof(*c->sites))) {
		c->stray = true; /* mapped meanwhile by an mm not held: the page stays */
		return 0;
	}
	pteval_t pte = pte_get(table, idx);
	sim_charge(COST_UNMAP_ONE, 1);
	flush_tlb_mm_range(mm, addr, addr + PAGE_SIZE); /* ptep_clear_flush: the host mirror goes first */
	pteval_t entry = swp_entry_to_pte(make_migration_entry(page_to_pfn(c->page), pte & _PAGE_RW));
	pte_set(table, idx, entry);
	trace_migration_pte(TRACE_SET_MIGRATION_PTE, addr, (u64)entry, 0);
	if (pte & _PAGE_DIRTY) {
		if (page_cache_inode(c->page))
			__set_page_dirty_locked(c->page);
		else
			page_set_flag(c->page, PG_dirty);
	}
	c->sites[c->nr_sites++] = (struct migrate_site){ mm, vma, addr, table, idx, pte };
	munlock_vma_page(c->page, vma);
	page_remove_rmap(c->page, mm);
	put_page(c->page); /* never the last: the isolation holds one */
	return 1;
}

/*
 * remove_migration_ptes: each migration entry becomes a PTE of page (the
 * new one, or the old one when migration failed) with the old PTE's bits.
 */
static void remove_migration_ptes(struct migrate_ctl *c, struct page *page)
{
	for (int i = 0; i < c->nr_sites; i++) {
		struct migrate_site *s = &c->sites[i];
		pteval_t cur = pte_get(s->table, s->idx);
		MM_BUG_ON(!is_swap_pte(cur) || !is_migration_entry(pte_to_swp_entry(cur)));
		get_page(page);
		if (PageAnon(page))
			page_add_anon_rmap(page, s->vma, s->addr, false);
		else
			page_add_file_rmap(page, s->mm);
		pteval_t pte = (s->pte & ~(pteval_t)PTE_PFN_MASK) | PFN_PHYS(page_to_pfn(page));
		pte_set(s->table, s->idx, pte);
		trace_migration_pte(TRACE_REMOVE_MIGRATION_PTE, s->addr, (u64)pte, 0);
		mlock_vma_page(page, s->vma);
	}
	c->nr_sites = 0;
}

/* folio_migrate_flags: what old's flags say about its contents and its lists goes to new. */
static void migrate_flags(struct page *new, struct page *old)
{
	static const int follow[] = { PG_referenced, PG_uptodate, PG_workingset, PG_mappedtodisk, PG_dirty,
				      PG_swapbacked, PG_error };
	for (size_t i = 0; i < sizeof(follow) / sizeof(follow[0]); i++)
		if (page_flag(old, follow[i]))
			page_set_flag(new, follow[i]);
	if (page_test_clear_flag(old, PG_active))
		page_set_flag(new, PG_active);
	else if (page_test_clear_flag(old, PG_unevictable))
		page_set_flag(new, PG_unevictable);
	page_clear_flag(old, PG_dirty);
}

enum migrate_kind { MIG_ANON, MIG_SWAPCACHE, MIG_FILE };

/*
 * __unmap_and_move: old (isolated, referenced) to new (fresh, referenced
 * once).  0: old is unmapped and out of every cache, new has taken its
 * place; -EAGAIN: busy or pinned, nothing changed.
 */
static int __unmap_and_move(struct page *old, struct page *new)
{
	/*
	 * The cache lock first, then the page lock by trylock, as reclaim
	 * takes them: a shmem fault spins for a swap-cache page's lock under
	 * the cache lock, so its holder must never wait for the cache lock.
	 */
	bool took_fm = filemap_reclaim_lock();
	if (!trylock_page(old)) {
		filemap_reclaim_unlock(took_fm);
		return -EAGAIN;
	}
	if (page_flag(old, PG_writeback)) {
		unlock_page(old);
		filemap_reclaim_unlock(took_fm);
		return -EAGAIN;
	}
	MM_BUG_ON(!trylock_page(new)); /* nobody else knows it yet */
	int ret = -EAGAIN;
	enum migrate_kind kind;
	if (page_cache_inode(old) || page_shmem_inode(old))
		kind = MIG_FILE;
	else if (page_in_swap_cache(old))
		kind = MIG_SWAPCACHE;
	else if (PageAnon(old))
		kind = MIG_ANON;
	else
		goto out_unlock; /* left its cache meanwhile (truncated): its last reference will free it */
	void *mapping = page_mapping_raw(old);
	unsigned long index = old->index;
	struct migrate_ctl c = { .page = old };
	if (!lock_mappers(&c))
		goto out_mappers;
	if (page_mapcount(old) && rmap_walk_trylock(old, migrate_unmap_one, &c) < 0)
		c.stray = true;
	mlock_page_drain_local(); /* the munlocks' batch holds references */
	/*
	 * An anonymous page whose last PTE went (a munmap on another CPU)
	 * after it was told apart: only being freed now.  Moving it would
	 * give the new page the anon_vma its last unmapping took from the
	 * old one, and nothing would clear it; the next pass frees it.
	 */
	if (kind == MIG_ANON && !c.nr_sites && !c.stray)
		goto out_mappers;
	int expected = kind == MIG_ANON ? 1 : 2;
	if (c.stray || page_mapcount(old) || page_ref_count(old) != expected)
		goto out_restore;
	mem_cgroup_migrate(old, new);
	memcpy(ram_host(page_to_phys(new)), ram_host(page_to_phys(old)), PAGE_SIZE); /* folio_copy */
	sim_charge(COST_COPY_PAGE, 1);
	if (kind == MIG_FILE)
		ret = filemap_migrate_page(old, new, expected);
	else if (kind == MIG_SWAPCACHE)
		ret = swap_cache_migrate_page(old, new, expected);
	else
		ret = 0;
	if (ret)
		goto out_restore;
	if (kind != MIG_FILE) { /* the anon_vma and index the mappings place it by */
		__atomic_store_n(&new->mapping, mapping, __ATOMIC_RELAXED);
		new->index = index;
	}
	migrate_flags(new, old);
	remove_migration_ptes(&c, new);
	__atomic_store_n(&old->mapping, NULL, __ATOMIC_RELAXED);
	old->index = 0;
	goto out_mappers;
out_restore:
	if (kind != MIG_FILE && c.nr_sites && !PageAnon(old)) /* its last unmapping cleared it */
		__atomic_store_n(&old->mapping, mapping, __ATOMIC_RELAXED);
	remove_migration_ptes(&c, old);
	ret = -EAGAIN;
out_mappers:
	unlock_mappers(&c);
out_unlock:
	mlock_page_drain_local(); /* the new page's mlocks */
	unlock_page(new);
	unlock_page(old);
	filemap_reclaim_unlock(took_fm);
	return ret;
}

/* 0: migrated (or freed meanwhile) and off the list; -EAGAIN: try again; -ENOMEM: no new page. */
static int unmap_and_move(struct page *page, new_page_t get_new_page, free_page_t put_new_page, unsigned long private)
{
	if (page_ref_count(page) == 1) { /* freed from under us: only the isolation holds it */
		page_clear_flag(page, PG_active);
		page_clear_flag(page, PG_unevictable);
		list_del(&page->lru);
		put_page(page);
		return 0;
	}
	struct page *new = get_new_page(page, private);
	if (!new)
		return -ENOMEM;
	int ret = __unmap_and_move(page, new);
	if (ret) {
		__atomic_store_n(&new->mapping, NULL, __ATOMIC_RELAXED);
		/* charged to old's group already (the cache move failed): freed, which uncharges it, not reused */
		if (put_new_page && !page_memcg_raw(new))
			put_new_page(new, private);
		else
			put_page(new);
		return ret;
	}
	/* the map's trail of moves (kmm map --svg): relaxed whole stores, a picture drawn while the machine is quiet */
	unsigned long slot = __atomic_fetch_add(&M->migrate_trail_next, 1, __ATOMIC_RELAXED) % MIGRATE_TRAIL;
	__atomic_store_n(&M->migrate_trail[slot].from, page_to_pfn(page), __ATOMIC_RELAXED);
	__atomic_store_n(&M->migrate_trail[slot].to, page_to_pfn(new), __ATOMIC_RELAXED);
	list_del(&page->lru);
	put_page(page);          /* the isolation's, its last: old is freed */
	putback_lru_page(new);   /* onto the LRU its flags name, the allocation's reference dropped */
	return 0;
}

int migrate_pages(struct list_head *from, new_page_t get_new_page, free_page_t put_new_page, unsigned long private,
		  enum migrate_mode mode, int reason, unsigned int *ret_succeeded)
{
	unsigned int nr_succeeded = 0, nr_failed = 0;
	int rc = 0;
	trace_mm_migrate_pages_start(mode, reason);
	for (int pass = 0; pass < NR_MAX_MIGRATE_PAGES_RETRY; pass++) {
		int retry = 0;
		for (struct list_head *pos = from->next, *n = pos->next; pos != from; pos = n, n = pos->next) {
			struct page *page = list_entry(pos, struct page, lru);
			int r = unmap_and_move(page, get_new_page, put_new_page, private);
			if (!r) {
				nr_succeeded++;
			} else if (r == -EAGAIN) {
				retry++;
			} else { /* -ENOMEM: no target; the rest stay for the caller to put back */
				rc = r;
				goto out;
			}
		}
		if (!retry)
			break;
		cond_resched();
	}
out:;
	struct list_head *pos;
	list_for_each(pos, from)
		nr_failed++;
	count_vm_events(PGMIGRATE_SUCCESS, nr_succeeded);
	count_vm_events(PGMIGRATE_FAIL, nr_failed);
	trace_mm_migrate_pages(nr_succeeded, nr_failed, mode, reason);
	if (ret_succeeded)
		*ret_succeeded = nr_succeeded;
	return rc ? rc : (int)nr_failed;
}

/* putback_movable_pages: what migrate_pages left on the list goes back to the LRU. */
void putback_movable_pages(struct list_head *list)
{
	while (!list_empty(list)) {
		struct page *page = list_entry(list->next, struct page, lru);
		list_del(&page->lru);
		putback_lru_page(page);
	}
}

/* ---- move_pages(2) and migrate_pages(2) --------------------------------------------------- */

static bool node_has_memory(int nid)
{
	return nid >= 0 && nid < M->nr_nodes && NODE_DATA(nid)->node_present_pages;
}

/* alloc_migration_target for a node: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE */
static struct page *alloc_on_node(struct page *old, unsigned long nid)
{
	(void)old;
	return alloc_pages_node((int)nid, GFP_HIGHUSER_MOVABLE | __GFP_THISNODE | __GFP_NOWARN, 0);
}

/*
 * follow_page(FOLL_DUMP) for move_pages: the page mapped at addr of mm
 * (mmap_lock held), or NULL with -EFAULT (no VMA there, or nothing ever
 * touched in an anonymous one: no_page_table's answer to a dump) or
 * -ENOENT (not present - swapped out, or a file page not faulted in - or
 * the zero page).
 */
static struct page *user_page_at(struct mm_struct *mm, unsigned long addr, int *err)
{
	struct vm_area_struct *vma = find_vma(mm, addr);
	if (!vma || addr < vma->vm_start) {
		*err = -EFAULT;
		return NULL;
	}
	unsigned long idx;
	phys_addr_t table = user_pte_table(mm->pgd, addr, false, &idx);
	pteval_t pte = table ? pte_get(table, idx) : 0;
	unsigned long pfn = PHYS_PFN(pte & PTE_PFN_MASK);
	if (!pte) {
		*err = vma->vm_file ? -ENOENT : -EFAULT;
		return NULL;
	}
	if (!(pte & _PAGE_PRESENT) || pfn == zero_pfn() || !pfn_valid(pfn)) {
		*err = -ENOENT;
		return NULL;
	}
	*err = 0;
	return pfn_to_page(pfn);
}

/* add_page_for_migration: isolated onto list (0), already there (the node), or -errno. */
static int add_page_for_migration(struct mm_struct *mm, unsigned long addr, int node, struct list_head *list,
				  bool migrate_all)
{
	int err;
	struct page *page = user_page_at(mm, addr, &err);
	if (!page)
		return err;
	if (page_to_nid(page) == node)
		return node;
	if (page_mapcount(page) > 1 && !migrate_all)
		return -EACCES;
	if (!folio_isolate_lru(page))
		return -EBUSY;
	list_add_tail(&page->lru, list);
	return 0;
}

/* the pages of list to node; how many stayed (put back) */
static int move_list_to_node(struct list_head *list, int node)
{
	if (list_empty(list))
		return 0;
	int err = migrate_pages(list, alloc_on_node, NULL, (unsigned long)node, MIGRATE_SYNC, MR_SYSCALL, NULL);
	int left = 0;
	struct list_head *pos;
	list_for_each(pos, list)
		left++;
	putback_movable_pages(list);
	return err < 0 ? (left ? left : err) : left;
}

long task_move_pages(struct task_struct *t, unsigned long count, const unsigned long *addrs, const int *nodes,
		     int *status, int flags)
{
	if (!M)
		return -ENODEV;
	if (!t)
		return -ESRCH;
	if (flags & ~(MPOL_MF_MOVE | MPOL_MF_MOVE_ALL))
		return -EINVAL;
	if ((flags & MPOL_MF_MOVE_ALL) && t->uid != 0)
		return -EPERM; /* CAP_SYS_NICE */
	if (!count)
		return 0;
	if (!addrs || !status || count > (1UL << 24))
		return -EFAULT;
	if (nodes)
		for (unsigned long i = 0; i < count; i++)
			if (nodes[i] < 0 || nodes[i] >= MAX_NUMNODES || !node_has_memory(nodes[i]))
				return -ENODEV; /* checked before anything moves */
	int killed = task_killed(t);
	if (killed)
		return killed;
	struct mm_struct *mm = get_task_mm(t);
	if (!mm)
		return -EINVAL;
	if (nodes)
		lru_add_drain_all(); /* migrate_prep: pages still in a CPU's batch are on no list yet */
	long not_moved = 0;
	struct list_head list = LIST_HEAD_INIT(list);
	int cur_node = -1;
	unsigned long first = 0;
	for (unsigned long i = 0; i <= count; i++) {
		/* a run of pages for one node is moved together, as do_pages_move batches them */
		if (i == count || (nodes && nodes[i] != cur_node)) {
			if (cur_node >= 0) {
				int left = move_list_to_node(&list, cur_node);
				not_moved += left > 0 ? left : 0;
				(void)first;
			}
			if (i == count)
				break;
			cur_node = nodes ? nodes[i] : -1;
			first = i;
		}
		unsigned long addr = addrs[i] & PAGE_MASK;
		mmap_write_lock(mm);
		int err;
		if (!nodes) { /* do_pages_stat: where each page is */
			struct page *page = user_page_at(mm, addr, &err);
			status[i] = page ? page_to_nid(page) : err;
		} else {
			err = add_page_for_migration(mm, addr, cur_node, &list, flags & MPOL_MF_MOVE_ALL);
			status[i] = err == 0 || err == cur_node ? cur_node : err;
		}
		mmap_write_unlock(mm);
	}
	mmput(mm);
	return not_moved;
}

/* node_remap: the n-th node of old_nodes -> the n-th (mod weight) of new_nodes */
static int node_remap(int nid, unsigned long old_nodes, unsigned long new_nodes)
{
	int n = __builtin_popcountl(old_nodes & ((1UL << nid) - 1)), w = __builtin_popcountl(new_nodes);
	n %= w;
	for (int d = 0; d < MAX_NUMNODES; d++)
		if ((new_nodes >> d & 1) && !n--)
			return d;
	return nid;
}

struct collect_arg {
	struct list_head *list;
	int nid;
	bool migrate_all;
};

static void collect_pte(unsigned long addr, phys_addr_t table, unsigned long idx, pteval_t pte, void *arg)
{
	struct collect_arg *a = arg;
	(void)addr;
	(void)table;
	(void)idx;
	unsigned long pfn = PHYS_PFN(pte & PTE_PFN_MASK);
	if (!(pte & _PAGE_PRESENT) || pfn == zero_pfn() || !pfn_valid(pfn))
		return;
	struct page *page = pfn_to_page(pfn);
	if (page_to_nid(page) != a->nid || (page_mapcount(page) > 1 && !a->migrate_all))
		return;
	if (folio_isolate_lru(page))
		list_add_tail(&page->lru, a->list);
}

long task_migrate_pages(struct task_struct *t, unsigned long old_nodes, unsigned long new_nodes)
{
	if (!M)
		return -ENODEV;
	if (!t)
		return -ESRCH;
	for (int nid = 0; nid < MAX_NUMNODES; nid++)
		if ((new_nodes >> nid & 1) && !node_has_memory(nid))
			return -EINVAL; /* kernel_migrate_pages: new_nodes must be nodes with memory */
	int killed = task_killed(t);
	if (killed)
		return killed;
	old_nodes &= M->nr_nodes >= 64 ? ~0UL : (1UL << M->nr_nodes) - 1;
	if (!new_nodes || !old_nodes || old_nodes == new_nodes)
		return 0;
	struct mm_struct *mm = get_task_mm(t);
	if (!mm)
		return -EINVAL;
	lru_add_drain_all();
	long not_moved = 0;
	for (int src = 0; src < M->nr_nodes; src++) {
		if (!(old_nodes >> src & 1))
			continue;
		int dst = node_remap(src, old_nodes, new_nodes);
		if (dst == src)
			continue;
		struct list_head list = LIST_HEAD_INIT(list);
		struct collect_arg a = { &list, src, t->uid == 0 };
		mmap_write_lock(mm);
		struct vm_area_struct *vma;
		VMA_ITERATOR(vmi, mm, 0);
		for_each_vma(vmi, vma)
			walk_ptes(mm, vma->vm_start, vma->vm_end, collect_pte, &a);
		mmap_write_unlock(mm);
		not_moved += move_list_to_node(&list, dst);
	}
	mmput(mm);
	return not_moved;
}
