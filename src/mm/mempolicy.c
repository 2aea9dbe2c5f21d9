/*
 * mempolicy.c - a task's NUMA memory policy, as set_mempolicy(2) sets it
 * in Linux 6.1's mm/mempolicy.c: where the task's anonymous pages come
 * from (vma_alloc_folio's policy when the VMA has none of its own).
 *
 *   MPOL_DEFAULT        node 0 first, then the others by distance (kmm does
 *                       not place its CPUs on nodes for user memory)
 *   MPOL_LOCAL          the same, asked for explicitly
 *   MPOL_PREFERRED      one node first (the mask's first), then the others
 *   MPOL_BIND           only the mask's nodes: an allocation that finds no
 *                       room there reclaims and then OOM-kills among the
 *                       tasks that may use those nodes (CONSTRAINT_MEMORY_POLICY,
 *                       mm/oom_kill.c), however much the other nodes have free
 *   MPOL_INTERLEAVE     page after page on the mask's nodes in turn
 *   MPOL_PREFERRED_MANY the mask's nodes first without reclaim, then any
 *
 * The mask is checked as do_set_mempolicy checks it: maxnode counts one
 * bit too many (get_nodes' historic --maxnode), bits past MAX_NUMNODES
 * must be clear, MPOL_DEFAULT and MPOL_LOCAL take an empty mask, an empty
 * one turns MPOL_PREFERRED into MPOL_LOCAL, and the others need a node
 * with memory in it.  A refused call changes nothing.  fork copies the
 * policy.
 *
 * Not done: VMA policies (mbind), the MPOL_F_* mode flags, the page cache
 * and kernel allocations following the task's policy, /proc/PID/numa_maps,
 * cpusets.  move_pages(2) and migrate_pages(2) are mm/migrate.c's.
 */
#include "internal.h"

#include <kmm/task.h>

#define MPOL_MAX 6

static bool node_has_memory(int nid)
{
	return nid < M->nr_nodes && NODE_DATA(nid)->node_present_pages;
}

int task_set_mempolicy(struct task_struct *t, int mode, const unsigned long *nodemask, unsigned long maxnode)
{
	if (!M)
		return -ENODEV;
	if (!t || mode < 0 || mode >= MPOL_MAX)
		return -EINVAL;
	if (task_killed(t))
		return -EINTR;
	/* get_nodes: maxnode - 1 bits of the user's mask, at most a page of bits */
	unsigned long nodes = 0, nbits = maxnode ? maxnode - 1 : 0;
	if (nbits > PAGE_SIZE * 8)
		return -EINVAL;
	if (nodemask && nbits) {
		unsigned long words = (nbits + 63) / 64;
		for (unsigned long w = 0; w < words; w++) {
			unsigned long v = nodemask[w];
			if (w == words - 1 && nbits % 64)
				v &= (1UL << (nbits % 64)) - 1;
			if (w == 0)
				nodes = v;
			else if (v)
				return -EINVAL; /* a node past MAX_NUMNODES */
		}
	}
	if (mode == MPOL_DEFAULT || mode == MPOL_LOCAL) {
		if (nodes)
			return -EINVAL;
	} else if (!nodes) {
		if (mode != MPOL_PREFERRED)
			return -EINVAL;
		mode = MPOL_LOCAL;
	} else {
		unsigned long usable = 0;
		for (int nid = 0; nid < MAX_NUMNODES; nid++)
			if ((nodes >> nid & 1) && node_has_memory(nid))
				usable |= 1UL << nid;
		if (!usable)
			return -EINVAL; /* mpol_set_nodemask: none of them has memory */
		nodes = usable;
	}
	__atomic_store_n(&t->mempolicy_nodes, nodes, __ATOMIC_RELAXED);
	__atomic_store_n(&t->mempolicy, mode, __ATOMIC_RELEASE);
	return 0;
}

int task_get_mempolicy(struct task_struct *t, unsigned long *nodemask)
{
	if (!t)
		return -EINVAL;
	if (nodemask)
		*nodemask = __atomic_load_n(&t->mempolicy_nodes, __ATOMIC_RELAXED);
	return __atomic_load_n(&t->mempolicy, __ATOMIC_ACQUIRE);
}

/* the child is in the task list already (the OOM scan reads its policy): whole stores */
void mpol_fork(struct task_struct *child, const struct task_struct *parent)
{
	__atomic_store_n(&child->mempolicy_nodes, __atomic_load_n(&parent->mempolicy_nodes, __ATOMIC_RELAXED),
			 __ATOMIC_RELAXED);
	__atomic_store_n(&child->il_prev, __atomic_load_n(&parent->il_prev, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
	__atomic_store_n(&child->mempolicy, __atomic_load_n(&parent->mempolicy, __ATOMIC_ACQUIRE), __ATOMIC_RELEASE);
}

static int this_cpu_node(void)
{
	int cpu = smp_processor_id();
	return cpu < 0 ? 0 : cpu % M->nr_nodes;
}

static int first_node(unsigned long nodes)
{
	return nodes ? __builtin_ctzl(nodes) : 0;
}

/* interleave_nodes: the next node of the mask after the last one used */
static int interleave_nid(struct task_struct *t, unsigned long nodes)
{
	int prev = __atomic_load_n(&t->il_prev, __ATOMIC_RELAXED), next = prev;
	for (int i = 1; i <= MAX_NUMNODES; i++) {
		int nid = (prev + i) % MAX_NUMNODES;
		if (nodes >> nid & 1) {
			next = nid;
			break;
		}
	}
	__atomic_store_n(&t->il_prev, next, __ATOMIC_RELAXED);
	return next;
}

/*
 * alloc_pages_mpol: 2^order pages for task t's user memory under its
 * policy (NULL t: the default).  The nodemask of MPOL_BIND goes with the
 * allocation, so that its OOM is constrained to those nodes.
 */
struct page *alloc_pages_mpol(struct task_struct *t, gfp_t gfp, unsigned int order)
{
	int mode = t ? __atomic_load_n(&t->mempolicy, __ATOMIC_ACQUIRE) : MPOL_DEFAULT;
	unsigned long nodes = t ? __atomic_load_n(&t->mempolicy_nodes, __ATOMIC_RELAXED) : 0;
	int nid = this_cpu_node();
	switch (mode) {
	case MPOL_PREFERRED:
		return __alloc_pages(gfp, order, first_node(nodes), NULL);
	case MPOL_BIND:
		if (!(nodes >> nid & 1))
			nid = first_node(nodes); /* policy_node: the local node if allowed, else the mask's first */
		return __alloc_pages(gfp, order, nid, &nodes);
	case MPOL_INTERLEAVE:
		return __alloc_pages(gfp, order, interleave_nid(t, nodes), NULL);
	case MPOL_PREFERRED_MANY: {
		struct page *page = __alloc_pages((gfp | __GFP_NOWARN) & ~(__GFP_DIRECT_RECLAIM | __GFP_NOFAIL), order,
						  (nodes >> nid & 1) ? nid : first_node(nodes), &nodes);
		return page ?: __alloc_pages(gfp, order, nid, NULL);
	}
	default: /* as alloc_pages: kmm's CPUs are not placed on nodes for user memory, node 0 comes first */
		return __alloc_pages(gfp, order, 0, NULL);
	}
}

/* mempolicy_in_oom_domain: may killing t help an OOM constrained to nodemask (its policy binds it elsewhere: no) */
bool mempolicy_in_oom_domain(const struct task_struct *t, const unsigned long *nodemask)
{
	if (!nodemask || __atomic_load_n(&t->mempolicy, __ATOMIC_ACQUIRE) != MPOL_BIND)
		return true;
	return (__atomic_load_n(&t->mempolicy_nodes, __ATOMIC_RELAXED) & nodemask[0]) != 0;
}
