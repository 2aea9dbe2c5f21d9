/*
 * highmem.c - kernel mappings of high memory, as Linux 6.1's mm/highmem.c.
 *
 * A 32-bit kernel maps only the first ~896 MiB of RAM for good (the direct
 * map); a HighMem page needs a mapping made for it.  Two kinds:
 *
 * kmap() - the PKMAP area: LAST_PKMAP page-table entries (1024, or 512
 * with PAE) starting at PKMAP_BASE.  pkmap_count[i] says what entry i is:
 *
 *     0   free: no mapping, no TLB entry
 *     1   mapped but nobody holds it; the TLB may still hold it, so it is
 *         not reused until flush_all_zero_pkmaps() clears every such entry
 *         with one global TLB flush
 *     n   mapped and held by n - 1 kmap() callers
 *
 * A new mapping takes the next entry after last_pkmap_nr; when the search
 * wraps to 0 it flushes first.  When all entries are held, kmap() sleeps on
 * pkmap_map_wait until a kunmap() drops an entry to 1 - with several
 * simulated CPUs the thread really blocks.  page_address() of a kmapped
 * HighMem page finds its entry through page_address_htable (a hash from
 * the page to its entry: x86 keeps no virtual address in struct page).
 * kmap_lock guards all of it.
 *
 *   PKMAP_BASE                                       + LAST_PKMAP pages
 *   | 0 | 1 | 2 | ... last_pkmap_nr ->           ... |
 *
 * kmap_local_page()/kmap_atomic() - per-CPU FIXMAP slots, KM_MAX_IDX per
 * CPU, used as a stack: each map takes the CPU's next slot, each unmap
 * must give back the top one (the slot's entry is cleared and flushed on
 * this CPU only); an unmap out of order warns (once) and still pops the
 * top slot, as 6.1's kunmap_local_indexed() does.  Linux keeps the stack
 * per task and the task cannot move CPU meanwhile; kmm's threads are
 * pinned to their simulated CPU, so the stack is kept per CPU.  Lowmem pages map to their direct-map address and
 * take no slot.  The page tables of both areas are made at boot, so a map
 * never allocates.
 *
 * The host mirror (sim/trap.c) gives both areas a window, so the pointer a
 * map returns reaches the page's own bytes.
 */
#define _GNU_SOURCE
#include "internal.h"
#include "sim/ram.h"

#include <kmm/highmem.h>
#include <kmm/pgtable.h>

#define PA_HASH_SIZE 128 /* page_address_htable buckets (PA_HASH_ORDER 7) */

static pthread_mutex_t kmap_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pkmap_map_wait = PTHREAD_COND_INITIALIZER;
static unsigned int pkmap_count[1024];
static struct page *pkmap_page[1024];     /* the page entry i maps */
static int pa_next[1024], pa_head[PA_HASH_SIZE];
static int last_pkmap_nr, pkmap_waiters;

/* kmap_local: the depth of each CPU's stack and what each slot maps */
static int kmap_idx[KMM_MAX_CPUS];
static struct page *kmap_slot_page[KMM_MAX_CPUS][KM_MAX_IDX];
static unsigned int km_type_busy[KMM_MAX_CPUS]; /* legacy slots in use, a bit per km_type */

static inline int last_pkmap(void) { return M->prof->last_pkmap; }
static inline unsigned long pkmap_addr(int nr) { return M->layout.pkmap_base + ((unsigned long)nr << PAGE_SHIFT); }
static inline int pkmap_nr(unsigned long kva) { return (int)((kva - M->layout.pkmap_base) >> PAGE_SHIFT); }
static inline unsigned int pa_hash(const struct page *page) { return (unsigned int)(page_to_pfn(page) % PA_HASH_SIZE); }

static inline unsigned long kmap_slot_addr(int cpu, int idx)
{
	return fix_to_virt(M->layout.fix_kmap_begin + (unsigned long)idx + (unsigned long)KM_MAX_IDX * (unsigned long)cpu);
}

/*
 * Linux's WARNING header, then what was wrong; fmt takes the one pointer
 * as a simulated kernel address (%lx: a page is named by its struct page's
 * place in mem_map, an address by its kernel address), so the log is the
 * same from run to run.
 */
static void __attribute__((format(printf, 1, 0))) kmap_bug(const char *fmt, const char *fn, unsigned long what)
{
	char msg[160];
	snprintf(msg, sizeof(msg), fmt, what);
	printk(KERN_WARNING "WARNING: CPU: %d PID: 0 at mm/highmem.c %s\n", smp_processor_id(), fn);
	printk(KERN_WARNING "%s", msg);
	M->kmap_bugs++;
}

/* ---- page_address() of HighMem pages ----------------------------------------------- */

static int pkmap_lookup(const struct page *page) /* kmap_lock held */
{
	for (int nr = pa_head[pa_hash(page)]; nr >= 0; nr = pa_next[nr])
		if (pkmap_page[nr] == page)
			return nr;
	return -1;
}

static void set_page_address(struct page *page, int nr) /* kmap_lock held */
{
	unsigned int h = pa_hash(page);
	if (nr >= 0) {
		pkmap_page[nr] = page;
		pa_next[nr] = pa_head[h];
		pa_head[h] = nr;
		return;
	}
	int *link = &pa_head[h];
	while (*link >= 0 && pkmap_page[*link] != page)
		link = &pa_next[*link];
	if (*link >= 0) {
		int gone = *link;
		*link = pa_next[gone];
		pkmap_page[gone] = NULL;
	}
}

void *page_address_highmem(const struct page *page)
{
	if (!last_pkmap())
		return NULL;
	pthread_mutex_lock(&kmap_lock);
	int nr = pkmap_lookup(page);
	pthread_mutex_unlock(&kmap_lock);
	return nr >= 0 ? kmm_kva_to_host(pkmap_addr(nr)) : NULL;
}

/* ---- kmap ---------------------------------------------------------------------------- */

static void flush_all_zero_pkmaps(void) /* kmap_lock held */
{
	bool need_flush = false;
	for (int i = 0; i < last_pkmap(); i++) {
		if (pkmap_count[i] != 1)
			continue;
		pkmap_count[i] = 0;
		kernel_unmap_pages_noflush(pkmap_addr(i), 1);
		set_page_address(pkmap_page[i], -1);
		need_flush = true;
	}
	if (need_flush)
		flush_tlb_kernel_range(pkmap_addr(0), pkmap_addr(last_pkmap()));
}

void kmap_flush_unused(void)
{
	pthread_mutex_lock(&kmap_lock);
	flush_all_zero_pkmaps();
	pthread_mutex_unlock(&kmap_lock);
}

/* Can another simulated CPU ever kunmap?  Only if some other thread runs on one. */
static bool another_cpu_running(void)
{
	for (int cpu = 0; cpu < M->nr_cpus; cpu++) {
		if (cpu == smp_processor_id())
			continue;
		if (pthread_mutex_trylock(&M->cpus[cpu].lock))
			return true; /* held: a thread is on it */
		pthread_mutex_unlock(&M->cpus[cpu].lock);
	}
	return false;
}

static int map_new_virtual(struct page *page) /* kmap_lock held; -1 if it never can */
{
	int count = last_pkmap();
	for (;;) {
		last_pkmap_nr = (last_pkmap_nr + 1) & (last_pkmap() - 1);
		if (!last_pkmap_nr) {
			flush_all_zero_pkmaps();
			count = last_pkmap();
		}
		if (!pkmap_count[last_pkmap_nr])
			break;
		if (--count)
			continue;
		/* every entry is held: sleep until a kunmap() frees one */
		if (!another_cpu_running()) {
			printk(KERN_ERR "kmap: all %d PKMAP entries are held and no other CPU runs to kunmap one: "
					"this kmap() would sleep for ever (a kmap leak?)\n",
			       last_pkmap());
			M->kmap_bugs++;
			return -1;
		}
		pkmap_waiters++;
		pthread_cond_wait(&pkmap_map_wait, &kmap_lock);
		pkmap_waiters--;
		/* someone else may have mapped the page meanwhile */
		int nr = pkmap_lookup(page);
		if (nr >= 0)
			return nr;
		count = last_pkmap();
	}
	int nr = last_pkmap_nr;
	if (kernel_map_pages(pkmap_addr(nr), page_to_pfn(page), 1, __PAGE_KERNEL))
		return -1; /* cannot happen: the table was made at boot */
	pkmap_count[nr] = 1;
	set_page_address(page, nr);
	return nr;
}

void *kmap_high(struct page *page)
{
	pthread_mutex_lock(&kmap_lock);
	int nr = pkmap_lookup(page);
	if (nr < 0)
		nr = map_new_virtual(page);
	if (nr >= 0)
		pkmap_count[nr]++;
	pthread_mutex_unlock(&kmap_lock);
	return nr >= 0 ? kmm_kva_to_host(pkmap_addr(nr)) : NULL;
}

void kunmap_high(struct page *page)
{
	pthread_mutex_lock(&kmap_lock);
	int nr = pkmap_lookup(page);
	if (nr < 0 || pkmap_count[nr] < 2) {
		pthread_mutex_unlock(&kmap_lock);
		kmap_bug("kunmap_high: page %lx is not kmapped\n", "kunmap_high",
			 page_to_pfn(page) * M->prof->struct_page_size);
		return;
	}
	/* 1 means "no one holds it": the entry waits for the next flush */
	if (--pkmap_count[nr] == 1 && pkmap_waiters)
		pthread_cond_broadcast(&pkmap_map_wait);
	pthread_mutex_unlock(&kmap_lock);
}

void *kmap(struct page *page)
{
	if (!page) {
		printk(KERN_ALERT "BUG: kernel NULL pointer dereference, address: 00000000\n");
		printk(KERN_ALERT "kmap(NULL)\n");
		M->kmap_bugs++;
		return NULL;
	}
	if (!PageHighMem(page))
		return page_address(page);
	return kmap_high(page);
}

void kunmap(struct page *page)
{
	if (page && PageHighMem(page))
		kunmap_high(page);
}

/* ---- kmap_local / kmap_atomic ---------------------------------------------------------- */

/* Map page in this CPU's slot idx. */
static void *map_slot(struct page *page, int cpu, int idx)
{
	unsigned long va = kmap_slot_addr(cpu, idx);
	if (kernel_map_pages(va, page_to_pfn(page), 1, __PAGE_KERNEL))
		return NULL; /* the slot's entry is live: cannot happen with the checks above */
	kmap_slot_page[cpu][idx] = page;
	return kmm_kva_to_host(va);
}

static void unmap_slot(int cpu, int idx)
{
	unsigned long va = kmap_slot_addr(cpu, idx);
	kernel_unmap_pages_noflush(va, 1); /* kpte_clear_flush: clear, then this CPU's entry only */
	flush_tlb_one_kernel(va);
	kmap_slot_page[cpu][idx] = NULL;
}

void *kmap_local_page(struct page *page)
{
	if (!page) {
		printk(KERN_ALERT "BUG: kernel NULL pointer dereference, address: 00000000\n");
		M->kmap_bugs++;
		return NULL;
	}
	if (!PageHighMem(page))
		return page_address(page);
	int cpu = smp_processor_id(), idx = kmap_idx[cpu];
	if (idx >= KM_MAX_IDX) {
		printk(KERN_CRIT "kernel BUG at mm/highmem.c: kmap_local: more than KM_MAX_IDX (%d) nested maps on CPU %d\n",
		       KM_MAX_IDX, cpu);
		M->kmap_bugs++;
		return NULL;
	}
	if (km_type_busy[cpu] & (1u << idx)) {
		printk(KERN_CRIT "kernel BUG at mm/highmem.c: kmap_local: slot %d of CPU %d is held by kmap_atomic_type()\n",
		       idx, cpu);
		M->kmap_bugs++;
		return NULL;
	}
	void *p = map_slot(page, cpu, idx);
	if (p)
		kmap_idx[cpu] = idx + 1;
	return p;
}

void kunmap_local(const void *addr)
{
	if (!addr || !M)
		return;
	unsigned long kva = kmm_host_to_kva(addr) & PAGE_MASK;
	int cpu = smp_processor_id(), idx = kmap_idx[cpu] - 1;
	bool in_slots = M->layout.fix_kmap_begin && kva <= kmap_slot_addr(0, 0) &&
			kva > kmap_slot_addr(0, 0) - (unsigned long)KM_MAX_IDX * (unsigned long)M->prof->nr_cpus_config * PAGE_SIZE;
	if (!in_slots) {
		/* a lowmem page's direct-map address: nothing was mapped */
		if (virt_addr_valid(addr))
			return;
		kmap_bug("kunmap_local: %lx was not returned by kmap_local_page()\n", "kunmap_local_indexed",
			 kmm_addr_for_print(addr));
		return;
	}
	if (idx < 0 || (km_type_busy[cpu] & (1u << idx))) {
		/* nothing of kmap_local's to pop: Linux would underflow the stack; kmm refuses */
		kmap_bug("kunmap_local: %lx: no kmap_local_page() mapping is held on this CPU\n", "kunmap_local_indexed",
			 kmm_addr_for_print(addr));
		return;
	}
	if (kva != kmap_slot_addr(cpu, idx)) {
		/*
		 * Out of order: 6.1 warns once (WARN_ON_ONCE(addr !=
		 * __fix_to_virt(FIX_KMAP_BEGIN + idx))) and still pops the
		 * stack - the entry it clears is the top slot's, not addr's.
		 * Every such call is counted as the caller's bug.
		 */
		M->kmap_bugs++;
		if (WARN_ON_ONCE_AT(true, "mm/highmem.c:610"))
			printk(KERN_WARNING "kunmap_local: %lx is not the last mapping of this CPU (unmap in reverse order)\n",
			       kmm_addr_for_print(addr));
	}
	unmap_slot(cpu, idx);
	kmap_idx[cpu] = idx;
}

void *kmap_atomic(struct page *page)
{
	/* preempt_disable(); pagefault_disable(): a kmm thread is already pinned to its CPU */
	return kmap_local_page(page);
}

void kunmap_atomic(const void *addr)
{
	kunmap_local(addr);
}

void *kmap_atomic_type(struct page *page, enum km_type type)
{
	if (!page || (unsigned)type >= KM_TYPE_NR) {
		printk(KERN_CRIT "kernel BUG at mm/highmem.c: kmap_atomic_type: bad page (pfn %#lx) or km_type %d\n",
		       page ? page_to_pfn(page) : 0UL, (int)type);
		M->kmap_bugs++;
		return NULL;
	}
	if (!PageHighMem(page))
		return page_address(page);
	int cpu = smp_processor_id();
	if ((km_type_busy[cpu] & (1u << type)) || (int)type < kmap_idx[cpu]) {
		printk(KERN_CRIT "kernel BUG at mm/highmem.c: kmap_atomic_type: slot %d of CPU %d is in use\n", (int)type,
		       cpu);
		M->kmap_bugs++;
		return NULL;
	}
	void *p = map_slot(page, cpu, (int)type);
	if (p)
		km_type_busy[cpu] |= 1u << type;
	return p;
}

void kunmap_atomic_type(const void *addr, enum km_type type)
{
	if (!addr || !M)
		return;
	int cpu = smp_processor_id();
	unsigned long kva = kmm_host_to_kva(addr) & PAGE_MASK;
	if ((unsigned)type >= KM_TYPE_NR || !(km_type_busy[cpu] & (1u << type)) || kva != kmap_slot_addr(cpu, (int)type)) {
		if (!virt_addr_valid(addr))
			kmap_bug("kunmap_atomic_type: %lx is not mapped in that slot\n", "kunmap_atomic_type",
				 kmm_addr_for_print(addr));
		return;
	}
	unmap_slot(cpu, (int)type);
	km_type_busy[cpu] &= ~(1u << type);
}

/* ---- boot, checks ---------------------------------------------------------------------- */

/* permanent_kmaps_init() and the kmap part of the fixmap: tables and host windows. */
int kmap_init(void)
{
	memset(pkmap_count, 0, sizeof(pkmap_count));
	memset(pkmap_page, 0, sizeof(pkmap_page));
	memset(pa_head, 0xff, sizeof(pa_head));
	memset(kmap_idx, 0, sizeof(kmap_idx));
	memset(kmap_slot_page, 0, sizeof(kmap_slot_page));
	memset(km_type_busy, 0, sizeof(km_type_busy));
	last_pkmap_nr = 0;
	pkmap_waiters = 0;
	if (!last_pkmap())
		return 0; /* x86_64: no HighMem */
	unsigned long pk_size = (unsigned long)last_pkmap() << PAGE_SHIFT;
	unsigned long fix_size = (unsigned long)KM_MAX_IDX * (unsigned long)M->prof->nr_cpus_config * PAGE_SIZE;
	unsigned long fix_low = kmap_slot_addr(0, 0) + PAGE_SIZE - fix_size;
	if (kernel_pgtable_prealloc(M->layout.pkmap_base, pk_size) || kernel_pgtable_prealloc(fix_low, fix_size))
		return -ENOMEM;
	if (kmm_window_add(M->layout.pkmap_base, pk_size) || kmm_window_add(fix_low, fix_size))
		return -ENOMEM;
	return 0;
}

void kmap_exit(void)
{
	memset(pa_head, 0xff, sizeof(pa_head));
}

/*
 * The PKMAP table is consistent: every mapped entry is its page's in
 * page_address_htable.  Held entries are fine here (a kernel holds kmaps
 * while it runs); kmap_in_use() is for "nothing lost".
 */
int kmap_verify(char *why, size_t whylen)
{
	int ret = 0;
	pthread_mutex_lock(&kmap_lock);
	for (int i = 0; i < last_pkmap() && !ret; i++)
		if (pkmap_count[i] && (!pkmap_page[i] || pkmap_lookup(pkmap_page[i]) != i)) {
			snprintf(why, whylen, "PKMAP entry %d is mapped but not in page_address_htable", i);
			ret = -EINVAL;
		}
	pthread_mutex_unlock(&kmap_lock);
	return ret;
}

/* Held mappings: "nothing lost" wants none (entries at 1 are only cached). -EBUSY with the first. */
int kmap_in_use(char *why, size_t whylen)
{
	int ret = 0;
	pthread_mutex_lock(&kmap_lock);
	for (int i = 0; i < last_pkmap() && !ret; i++)
		if (pkmap_count[i] > 1) {
			snprintf(why, whylen, "PKMAP entry %d is still held %u time(s) (page pfn %#lx)", i, pkmap_count[i] - 1,
				 page_to_pfn(pkmap_page[i]));
			ret = -EBUSY;
		}
	pthread_mutex_unlock(&kmap_lock);
	for (int cpu = 0; cpu < M->nr_cpus && !ret; cpu++)
		if (kmap_idx[cpu] || km_type_busy[cpu]) {
			snprintf(why, whylen, "CPU %d still holds %d kmap_local slot(s) and km_type slots %#x", cpu,
				 kmap_idx[cpu], km_type_busy[cpu]);
			ret = -EBUSY;
		}
	return ret;
}
