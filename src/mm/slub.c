/*
 * slub.c - the SLUB slab allocator, as Linux 6.1's mm/slub.c.
 *
 * Vocabulary:
 *   cache     a kmem_cache: objects of one size and alignment
 *   slab      one or more contiguous pages (a compound page when order > 0)
 *             carved into s->objects objects; its head struct page carries
 *             slab_cache, freelist and the counters inuse/objects/frozen
 *   freelist  free objects chained through a pointer stored inside each
 *             free object, at s->offset (obfuscated with s->random when
 *             slab_freelist_hardened is on)
 *   CPU slab  the slab a CPU allocates from: c->freelist holds its free
 *             objects for that CPU alone; frees by other CPUs go to
 *             slab->freelist
 *   frozen    a slab owned by a CPU (its CPU slab or on its partial list);
 *             not on any node list
 *   partial   a slab with free and used objects: on a CPU's partial list
 *             (frozen, up to cpu_partial_slabs) or its node's (unfrozen)
 *
 *   kmem_cache ──cpu_slab[cpu]──> { freelist ─> obj ─> obj ─> NULL
 *       │                          slab ──> [head page: frozen, inuse=objects]
 *       │                          partial ─> slab ─next─> slab }
 *       └─node[nid]──> { partial: slab <─> slab <─> ...  (list_lock) }
 *
 * Fast paths (the CPU's own thread, no lock, no atomic): allocation pops
 * c->freelist; a free into the CPU slab pushes it.  Slow paths, in Linux's
 * order: refill from the CPU slab's remote frees, the CPU partial list, the
 * node partial list (also refilling the CPU partial list), a new slab from
 * the page allocator.  A free into another slab (__slab_free) links the
 * object into slab->freelist under the slab's lock; a slab that turns from
 * full to partial is frozen onto the freeing CPU's partial list, a slab
 * that turns empty goes back to the buddy allocator unless its node keeps
 * fewer than min_partial partial slabs.
 *
 * Locking: n->list_lock, then the slab lock (a bit lock on PG_locked of the
 * head page, for freelist and counters of slabs not owned by the caller).
 * Linux uses cmpxchg_double there; the result is the same.
 *
 * Debug caches (SLAB_RED_ZONE, SLAB_POISON, SLAB_STORE_USER,
 * SLAB_CONSISTENCY_CHECKS, or slub_debug=) take no CPU slab: every
 * allocation and free goes to the node under its locks and is checked:
 * red zones, poison, double free, the object pointer, the cache; errors are
 * reported in SLUB's words ("BUG kmalloc-64 (Not tainted): Object already
 * free") with the alloc/free tracks, and the cache stays consistent.
 * Invariants (kmem_cache_verify): per slab, inuse == objects - free objects
 * on slab->freelist (a CPU's own free objects count as in use); every
 * freelist a chain of distinct objects of its slab; per node, nr_slabs and
 * total_objects bound a recount.  A double free that is not at the head of
 * the CPU freelist is not seen when it happens (as in Linux without
 * debugging) and leaves a cycle: every walk of a freelist (freechain_walk:
 * a bitmap of the slab's objects, at most objects steps) stops at it, the
 * validators report it, and deactivate_slab()/validate_slab_cache() cut the
 * chain there with SLUB's "Freechain corrupt" and FIX lines.  A destroyed
 * cache is refused with KASAN's use-after-free report (slab_common.c).
 * Reports print simulated kernel addresses only; kmm_slab_set_error_hook()
 * lets a test harness count them instead (slab_add_kunit_errors()).
 *
 * In an ASan or Valgrind build a free object's slot and everything of an
 * allocated one but the bytes asked for are off limits to the tool
 * (sim/track.h, "what ASan/Valgrind are told" below).  With
 * kfence.sample_interval=N the Nth allocation comes from KFENCE's guarded
 * pool instead (mm/kfence.c); kfree() hands such objects back to it.
 * init_on_alloc/init_on_free zero an object's object_size bytes when it is
 * handed out / freed, except objects with a constructor, of RCU-typesafe or
 * SLAB_POISON caches (slab_want_init_on_alloc and _free).
 */
#define _GNU_SOURCE
#include "mm/slab.h"

#include "mm/kfence.h"
#include "sim/ram.h"
#include "sim/track.h"
#include "trace/events.h"


/* ---- slab lock and counters -------------------------------------------------- */

static inline void slab_lock(struct page *slab)
{
	while (__atomic_fetch_or(&slab->flags, 1UL << PG_locked, __ATOMIC_ACQUIRE) & (1UL << PG_locked))
		while (__atomic_load_n(&slab->flags, __ATOMIC_RELAXED) & (1UL << PG_locked))
			__builtin_ia32_pause();
}

/*
 * A plain release store: while the lock is held nobody else changes the
 * other flag bits (lockers only try to set PG_locked, already set).
 */
static inline void slab_unlock(struct page *slab)
{
	__atomic_store_n(&slab->flags, page_flags(slab) & ~(1UL << PG_locked), __ATOMIC_RELEASE);
}



static inline int slab_nid(const struct page *slab)
{
	return page_to_nid(slab);
}

static inline unsigned int slab_order(const struct page *slab)
{
	return PageHead(slab) ? compound_order(slab) : 0;
}

static inline char *slab_address(const struct page *slab)
{
	return lowmem_page_address(slab);
}

/* The simulated kernel's address of a direct-map pointer, for reports. */
static inline unsigned long kva(const void *p)
{
	return M->layout.page_offset + (unsigned long)((const char *)p - (const char *)kmm_ram.direct_base);
}

static inline struct kmem_cache_node *get_node(struct kmem_cache *s, int nid)
{
	return s->node[nid];
}

static inline int this_node(void)
{
	int cpu = smp_processor_id();
	return cpu < 0 ? 0 : cpu % M->nr_nodes;
}

/* ---- free pointers ---------------------------------------------------------------- */

/*
 * What the free pointer slot holds is what Linux 6.1 stores there: the next
 * object's kernel virtual address, KPTR_SIZE bytes wide (4 on i386, 8 on
 * x86_64), and with CONFIG_SLAB_FREELIST_HARDENED that address XORed with
 * the cache's random key and the byte-swapped address of the slot itself
 * (freelist_ptr()).  NULL is stored encoded too, so a zeroed slot is not
 * an end of list.  The slot is read and written with the tools told not to
 * check: it lies inside a free object (sim/track.h).
 */
static inline unsigned long kptr_swab(const struct kmem_cache *s, unsigned long x)
{
	return s->fp_size == 4 ? __builtin_bswap32((u32)x) : __builtin_bswap64(x);
}

static inline unsigned long freelist_key(const struct kmem_cache *s, unsigned long slot)
{
	return s->random ? s->random ^ kptr_swab(s, slot + s->kva_bias) : 0;
}

static inline void *get_freepointer(const struct kmem_cache *s, void *object)
{
	unsigned long slot = (unsigned long)object + s->offset;
	unsigned long v = track_load_word((const void *)slot, s->fp_size) ^ freelist_key(s, slot);
	if (s->fp_size == 4)
		v = (u32)v;
	/* a corrupt value gives a pointer no check accepts; it is never dereferenced unchecked */
	return v ? (void *)(v - s->kva_bias) : NULL;
}

static inline void set_freepointer(const struct kmem_cache *s, void *object, void *fp)
{
	unsigned long slot = (unsigned long)object + s->offset;
	track_store_word((void *)slot, (fp ? (unsigned long)fp + s->kva_bias : 0) ^ freelist_key(s, slot), s->fp_size);
}

/* The object that starts the slot holding address x, or NULL when x is not one. */
static inline void *nearest_obj(const struct kmem_cache *s, const struct page *slab, const void *x)
{
	char *base = slab_address(slab);
	long off = (const char *)x - base - (long)s->red_left_pad;
	if (off < 0 || (unsigned long)off >= (unsigned long)slab->objects * s->size)
		return NULL;
	return base + s->red_left_pad + (unsigned long)off / s->size * s->size;
}

/* Does x start an object of this slab?  Multiplications only: it is on the free fast path. */
static inline bool valid_object_pointer(const struct kmem_cache *s, const struct page *slab, const void *x)
{
	unsigned long off = (unsigned long)((const char *)x - slab_address(slab)) - s->red_left_pad;
	/* slot i exists when it fits the slab's pages (no read of the counters others update) */
	if (off + s->size > (PAGE_SIZE << slab_order(slab)))
		return false;
	unsigned long idx = (unsigned long)(((u64)(u32)off * s->reciprocal_size) >> 32);
	if (__builtin_expect(idx * s->size == off, 1))
		return true;
	return off % s->size == 0; /* the reciprocal is exact only for small slabs */
}

struct page *virt_to_slab(const void *x)
{
	if (!virt_addr_valid(x))
		return NULL;
	struct page *head = compound_head(virt_to_page(x));
	return PageSlab(head) ? head : NULL;
}

/* ---- what ASan/Valgrind are told (sim/track.h) ------------------------------------------ */

/*
 * A slot's bytes as the tool sees them: a free object's whole slot is off
 * limits; an allocated object is open for the size asked (a kmalloc's
 * requested size, as KASAN poisons the tail of a kmalloc-N object, or the
 * cache's object size) and the rest of its slot - red zones, free pointer,
 * tracks, padding - stays off limits.  A new slab is off limits whole.
 * SLAB_TYPESAFE_BY_RCU objects stay open when freed: readers may still
 * look at them (Linux's KASAN does not poison them either).
 */
static inline char *slot_start(const struct kmem_cache *s, void *object)
{
	return (char *)object - s->red_left_pad;
}

static inline void kasan_slab_alloc(struct kmem_cache *s, void *object, size_t orig_size)
{
	size_t n = orig_size ? orig_size : s->object_size;
	if (s->ctor || (s->flags & SLAB_TYPESAFE_BY_RCU))
		track_mem_defined(object, n); /* constructed objects keep their contents while free */
	else
		track_mem_undefined(object, n);
}

static inline void kasan_poison_object(struct kmem_cache *s, void *object)
{
	if (!(s->flags & SLAB_TYPESAFE_BY_RCU))
		track_mem_noaccess(slot_start(s, object), s->size);
}

/*
 * SLUB looking at a slot's red zones, poison and tracks - bytes the tool
 * may have been told are off limits - opens the slot, and afterwards puts
 * back what the object had (as Linux's metadata_access_enable/disable).
 */
static inline size_t metadata_access_enable(const struct kmem_cache *s, void *object)
{
	if (!KMM_TRACK || !track_on)
		return 0;
	if (track_mem_accessible(slot_start(s, object), s->size) == s->size)
		return SIZE_MAX; /* open already (a report inside a check): the outer one closes it */
	size_t keep = track_mem_accessible(object, s->object_size);
	track_mem_defined(slot_start(s, object), s->size);
	return keep;
}

static inline void metadata_access_disable(const struct kmem_cache *s, void *object, size_t keep)
{
	if (!KMM_TRACK || !track_on || keep == SIZE_MAX)
		return;
	track_mem_noaccess(slot_start(s, object), s->size);
	track_mem_defined(object, keep);
}

/* init_on_alloc / init_on_free for objects: what to zero is slab_want_init_on_alloc/_free's (mm/slab.h). */
static void slab_init_object(struct kmem_cache *s, void *object)
{
	size_t keep = metadata_access_enable(s, object);
	memset(object, 0, s->object_size);
	metadata_access_disable(s, object, keep);
}

/* ---- debug: tracks, poison, red zones, reports --------------------------------------- */

/*
 * An allocation or free record, kept in the object's metadata.  Linux's
 * struct track is 32 bytes on x86_64 and 20 on i386; kmm's fits both: the
 * caller is an index into a table of call sites.
 */
struct track {
	u32 site;       /* call site index + 1, 0 = none */
	u16 cpu;
	u16 pid;
	u32 when;       /* simulated jiffies */
	u32 pad;
};

#define TRACK_SLOT_SIZE (M->prof->bits == 64 ? 32u : 20u)
#define MAX_SITES 4096
static unsigned long sites[MAX_SITES];
static pthread_mutex_t sites_lock = PTHREAD_MUTEX_INITIALIZER;

static u32 site_index(unsigned long addr)
{
	pthread_mutex_lock(&sites_lock);
	u32 h = (u32)((addr >> 4) * 2654435761u) % MAX_SITES;
	for (u32 i = 0; i < MAX_SITES; i++, h = (h + 1) % MAX_SITES) {
		if (sites[h] == addr || !sites[h]) {
			sites[h] = addr;
			pthread_mutex_unlock(&sites_lock);
			return h + 1;
		}
	}
	pthread_mutex_unlock(&sites_lock);
	return 0;
}

/* The call site as Linux's %pS names it: "function+0xoff/0xsize" (sim/kallsyms.c). */
static void site_name(u32 idx, char *buf, size_t len)
{
	if (!idx)
		snprintf(buf, len, "0x0");
	else
		sprint_symbol(buf, len, sites[idx - 1]);
}

static inline unsigned int get_info_end(const struct kmem_cache *s)
{
	return s->offset >= s->inuse ? s->inuse + KPTR_SIZE : s->inuse;
}

enum track_item { TRACK_ALLOC, TRACK_FREE };

static struct track *get_track(const struct kmem_cache *s, void *object, enum track_item alloc)
{
	return (struct track *)((char *)object + get_info_end(s) + alloc * TRACK_SLOT_SIZE);
}

static void set_track(struct kmem_cache *s, void *object, enum track_item alloc, unsigned long addr)
{
	if (!(s->flags & SLAB_STORE_USER))
		return;
	size_t keep = metadata_access_enable(s, object);
	struct track *t = get_track(s, object, alloc);
	t->site = addr ? site_index(addr) : 0;
	t->cpu = (u16)max(smp_processor_id(), 0);
	t->pid = 0;
	t->when = (u32)(kmm_clock_ns() / 4000000); /* jiffies at HZ=250 */
	metadata_access_disable(s, object, keep);
}

static void print_track(const char *s, const struct track *t)
{
	if (!t->site)
		return;
	char name[160];
	site_name(t->site, name, sizeof(name));
	pr_err("INFO: %s in %s age=%lu cpu=%u pid=%d\n", s, name,
	       (unsigned long)((u32)(kmm_clock_ns() / 4000000) - t->when), t->cpu, t->pid);
}

void print_tracking(struct kmem_cache *s, void *object)
{
	if (!(s->flags & SLAB_STORE_USER))
		return;
	size_t keep = metadata_access_enable(s, object);
	print_track("Allocated", get_track(s, object, TRACK_ALLOC));
	print_track("Freed", get_track(s, object, TRACK_FREE));
	metadata_access_disable(s, object, keep);
}

/* print_hex_dump(KERN_ERR, text, DUMP_PREFIX_ADDRESS, 16, 1, ...): the level is the line's, never its text */
static void print_section(const char *text, const u8 *addr, unsigned int length)
{
	for (unsigned int i = 0; i < length; i += 16) {
		char hex[64] = "", asc[20] = "";
		unsigned int n = min(16u, length - i);
		for (unsigned int k = 0; k < n; k++) {
			snprintf(hex + strlen(hex), sizeof(hex) - strlen(hex), "%02x%s", addr[i + k], k == 7 ? "  " : " ");
			asc[k] = addr[i + k] >= 32 && addr[i + k] < 127 ? (char)addr[i + k] : '.';
		}
		asc[n] = 0;
		pr_err("%s%08lx: %-50s %s\n", text, kva(addr + i), hex, asc);
	}
}

/*
 * The test harness's error counter (Linux's slab_add_kunit_errors()):
 * while a hook is set, every report SLUB would print - a BUG with its
 * details, a FIX line - calls the hook instead and prints nothing; the
 * repair is made all the same.  Set for the whole process.
 */
static void (*slab_error_hook)(void *arg);
static void *slab_error_hook_arg;

void kmm_slab_set_error_hook(void (*hook)(void *arg), void *arg)
{
	slab_error_hook_arg = arg;
	__atomic_store_n(&slab_error_hook, hook, __ATOMIC_RELEASE);
}

static bool slab_add_kunit_errors(void)
{
	void (*hook)(void *) = __atomic_load_n(&slab_error_hook, __ATOMIC_ACQUIRE);
	if (!hook)
		return false;
	hook(slab_error_hook_arg);
	return true;
}

static void slab_bug(struct kmem_cache *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void slab_bug(struct kmem_cache *s, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_err("=============================================================================\n");
	pr_err("BUG %s (Not tainted): %s\n", s->name, msg);
	pr_err("-----------------------------------------------------------------------------\n\n");
	M->slab_bugs++;
}

static void slab_fix(struct kmem_cache *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void slab_fix(struct kmem_cache *s, const char *fmt, ...)
{
	if (slab_add_kunit_errors())
		return;
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_err("FIX %s: %s\n", s->name, msg);
}

/* A free pointer as SLUB prints it after its "0x": the simulated kernel address, or (null) */
static void fp_text(char *buf, size_t len, const void *fp)
{
	if (fp)
		snprintf(buf, len, "%lx", kva(fp));
	else
		snprintf(buf, len, "(null)");
}

static void print_slab_info(const struct page *slab)
{
	char fp[24];
	fp_text(fp, sizeof(fp), slab->freelist);
	pr_err("Slab 0x%lx objects=%u used=%u fp=0x%s flags=%#lx\n", kva(slab_address(slab)), slab->objects,
	       slab->inuse, fp, slab->flags & ((1UL << __NR_PAGEFLAGS) - 1));
}

static void print_trailer(struct kmem_cache *s, struct page *slab, u8 *p)
{
	u8 *addr = (u8 *)slab_address(slab);
	if (KMM_TRACK && track_on && !valid_object_pointer(s, slab, p)) {
		/* no slot to open: a corrupt free pointer; its bytes may belong to anyone */
		print_slab_info(slab);
		pr_err("Object 0x%lx @offset=%lu\n\n", kva(p), (unsigned long)(p - addr));
		return;
	}
	size_t keep = metadata_access_enable(s, p);
	print_tracking(s, p);
	print_slab_info(slab);
	char fp[24];
	fp_text(fp, sizeof(fp), get_freepointer(s, p));
	pr_err("Object 0x%lx @offset=%lu fp=0x%s\n\n", kva(p), (unsigned long)(p - addr), fp);
	if (s->flags & SLAB_RED_ZONE)
		print_section("Redzone  ", p - s->red_left_pad, s->red_left_pad);
	print_section("Object   ", p, min(s->object_size, 4096u));
	if (s->flags & SLAB_RED_ZONE)
		print_section("Redzone  ", p + s->object_size, s->inuse - s->object_size);
	metadata_access_disable(s, p, keep);
}

static void object_err(struct kmem_cache *s, struct page *slab, u8 *object, const char *reason)
{
	if (slab_add_kunit_errors()) {
		M->slab_bugs++;
		return;
	}
	slab_bug(s, "%s", reason);
	print_trailer(s, slab, object);
}

static void slab_err(struct kmem_cache *s, struct page *slab, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void slab_err(struct kmem_cache *s, struct page *slab, const char *fmt, ...)
{
	if (slab_add_kunit_errors()) {
		M->slab_bugs++;
		return;
	}
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	slab_bug(s, "%s", msg);
	print_slab_info(slab);
}

static void init_object(struct kmem_cache *s, void *object, u8 val)
{
	u8 *p = object;
	size_t keep = metadata_access_enable(s, object);
	if (s->flags & SLAB_RED_ZONE)
		memset(p - s->red_left_pad, val, s->red_left_pad);
	if (s->flags & __OBJECT_POISON) {
		memset(p, POISON_FREE, s->object_size - 1);
		p[s->object_size - 1] = POISON_END;
	}
	if (s->flags & SLAB_RED_ZONE)
		memset(p + s->object_size, val, s->inuse - s->object_size);
	metadata_access_disable(s, object, keep);
}

static bool check_bytes_and_report(struct kmem_cache *s, struct page *slab, u8 *object, const char *what,
				   u8 *start, unsigned int value, unsigned int bytes)
{
	u8 *fault = NULL;
	for (unsigned int i = 0; i < bytes; i++)
		if (start[i] != value) {
			fault = start + i;
			break;
		}
	if (!fault)
		return true;
	u8 *end = start + bytes;
	while (end > fault && end[-1] == value)
		end--;
	if (slab_add_kunit_errors()) {
		M->slab_bugs++;
		memset(fault, (int)value, (size_t)(end - fault));
		return false;
	}
	slab_bug(s, "%s overwritten", what);
	pr_err("0x%lx-0x%lx @offset=%lu. First byte 0x%x instead of 0x%x\n", kva(fault), kva(end - 1),
	       (unsigned long)(fault - (u8 *)slab_address(slab)), fault[0], value);
	print_trailer(s, slab, object);
	memset(fault, (int)value, (size_t)(end - fault));
	slab_fix(s, "Restoring %s 0x%lx-0x%lx=0x%x", what, kva(fault), kva(end - 1), value);
	return false;
}

/* Red zones and poison of an object in state val (active / inactive). */
static bool check_object(struct kmem_cache *s, struct page *slab, u8 *object, u8 val)
{
	bool ok = true;
	size_t keep = metadata_access_enable(s, object);
	if (s->flags & SLAB_RED_ZONE) {
		if (!check_bytes_and_report(s, slab, object, "Left Redzone", object - s->red_left_pad, val, s->red_left_pad))
			ok = false;
		if (!check_bytes_and_report(s, slab, object, "Redzone", object + s->object_size, val,
					    s->inuse - s->object_size))
			ok = false;
	}
	if ((s->flags & __OBJECT_POISON) && val == SLUB_RED_INACTIVE) {
		if (!check_bytes_and_report(s, slab, object, "Poison", object, POISON_FREE, s->object_size - 1) ||
		    !check_bytes_and_report(s, slab, object, "End Poison", object + s->object_size - 1, POISON_END, 1))
			ok = false;
	}
	metadata_access_disable(s, object, keep);
	return ok;
}

/* ---- freelist walks: bounded, every object at most once ---------------------------------- */

#define SEEN_WORDS(objects) ((objects) / 64 + 1) /* never 0: a VLA of none is undefined */

/* The index of object p in slab (p passed valid_object_pointer()). */
static inline unsigned int obj_index(const struct kmem_cache *s, const struct page *slab, const void *p)
{
	unsigned long off = (unsigned long)((const char *)p - slab_address(slab) - s->red_left_pad);
	unsigned long idx = (unsigned long)(((u64)(u32)off * s->reciprocal_size) >> 32); /* no division, usually */
	return (unsigned int)(idx * s->size == off ? idx : off / s->size);
}

/*
 * Follow a chain of free objects of slab from fp: each must start an
 * object of this slab and not be in seen yet (a bitmap of the slab's
 * objects, shared by all the chains of one slab), so the walk takes at
 * most slab->objects steps whatever the chain holds - a cycle, a double
 * free, a wild pointer.  Returns how many objects it walked; *bad is the
 * pointer that broke the chain (NULL: it ended cleanly), *last the object
 * before it (NULL: the chain's head was bad).  Reads only.
 */
static unsigned int freechain_walk(const struct kmem_cache *s, const struct page *slab, void *fp, u64 *seen, void **bad,
				   void **last)
{
	unsigned int nr = 0;
	*bad = *last = NULL;
	while (fp) {
		unsigned int i;
		if (!valid_object_pointer(s, slab, fp) || (i = obj_index(s, slab, fp)) >= slab->objects ||
		    (seen[i / 64] >> (i % 64) & 1)) {
			*bad = fp;
			break;
		}
		seen[i / 64] |= 1ULL << (i % 64);
		nr++;
		*last = fp;
		fp = get_freepointer(s, fp);
	}
	return nr;
}

/* Why fp broke a chain, for the reports. */
static const char *freechain_fault(const struct kmem_cache *s, const struct page *slab, const void *fp)
{
	if (!valid_object_pointer(s, slab, fp) || obj_index(s, slab, fp) >= slab->objects)
		return "is not an object of this slab";
	return "is free already (a double free, or a cycle)";
}

/*
 * Cut a slab's freelist where freechain_walk() found it broken, as SLUB's
 * on_freelist() repairs: after the last good object, or the whole list
 * when its head is bad.  What was cut off stays counted in use: leaked,
 * never handed out twice.  Slab lock held.
 */
static void freechain_isolate(struct kmem_cache *s, struct page *slab, void *last, void *bad)
{
	if (last) {
		slab_err(s, slab, "Freechain corrupt: 0x%lx after 0x%lx %s", kva(bad), kva(last), freechain_fault(s, slab, bad));
		set_freepointer(s, last, NULL);
		slab_fix(s, "Isolate corrupted freechain");
	} else {
		slab_err(s, slab, "Freepointer corrupt: 0x%lx %s", kva(bad), freechain_fault(s, slab, bad));
		slab->freelist = NULL;
		slab->inuse = slab->objects;
		slab_fix(s, "Freelist cleared");
	}
}

/* Is object on the slab's freelist (a double free)?  Caller holds the slab lock. */
static bool on_freelist(struct kmem_cache *s, struct page *slab, void *search)
{
	void *fp = slab->freelist;
	unsigned int nr = 0;
	while (fp && nr <= slab->objects) {
		if (fp == search)
			return true;
		if (!valid_object_pointer(s, slab, fp)) {
			object_err(s, slab, fp, "Freechain corrupt");
			slab->freelist = NULL;
			slab_fix(s, "Isolate corrupted freechain");
			return false;
		}
		fp = get_freepointer(s, fp);
		nr++;
	}
	return false;
}

static bool free_debug_checks(struct kmem_cache *s, struct page *slab, void *object, unsigned long addr)
{
	if (!valid_object_pointer(s, slab, object)) {
		slab_err(s, slab, "Invalid object pointer 0x%lx", kva(object));
		return false;
	}
	if (on_freelist(s, slab, object)) {
		object_err(s, slab, object, "Object already free");
		return false;
	}
	if (!check_object(s, slab, object, SLUB_RED_ACTIVE))
		return false;
	return true;
}

/* ---- slab pages --------------------------------------------------------------------- */

static void inc_slabs_node(struct kmem_cache *s, int nid, int objects)
{
	struct kmem_cache_node *n = get_node(s, nid);
	__atomic_add_fetch(&n->nr_slabs, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&n->total_objects, objects, __ATOMIC_RELAXED);
}

static void dec_slabs_node(struct kmem_cache *s, int nid, int objects)
{
	struct kmem_cache_node *n = get_node(s, nid);
	__atomic_sub_fetch(&n->nr_slabs, 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&n->total_objects, objects, __ATOMIC_RELAXED);
}

static void account_slab(struct page *slab, int order, struct kmem_cache *s, long sign)
{
	pg_data_t *pgdat = NODE_DATA(slab_nid(slab));
	long *counter = (s->flags & SLAB_RECLAIM_ACCOUNT) ? &pgdat->nr_slab_reclaimable : &pgdat->nr_slab_unreclaimable;
	__atomic_add_fetch(counter, sign * (1L << order), __ATOMIC_RELAXED);
}

/* A fresh slab: every object free, chained in address order. */
static struct page *allocate_slab(struct kmem_cache *s, gfp_t flags, int node)
{
	/* the objects are charged to memory cgroups one by one, never the slab's pages (no __GFP_ACCOUNT) */
	gfp_t alloc_gfp = (flags & ~(__GFP_ZERO | __GFP_COMP | __GFP_HIGHMEM | __GFP_MOVABLE | __GFP_ACCOUNT)) | s->allocflags;
	unsigned int order = s->order, objects = s->objects;
	struct page *slab;
	/* the preferred order only if it comes easily */
	gfp_t first = (alloc_gfp | __GFP_NOWARN | __GFP_NORETRY) & ~__GFP_NOFAIL;
	slab = __alloc_pages(order ? first : alloc_gfp, order, node == NUMA_NO_NODE ? this_node() : node, NULL);
	if (!slab && order > s->min_order) {
		order = s->min_order;
		objects = s->min_objects;
		slab = __alloc_pages(alloc_gfp | (order ? __GFP_COMP : 0), order,
				     node == NUMA_NO_NODE ? this_node() : node, NULL);
	}
	if (!slab)
		return NULL;
	slab->slab_cache = s;
	slab->objects = objects;
	slab->inuse = 0;
	slab->frozen = 0;
	__atomic_fetch_or(&slab->flags, 1UL << PG_slab, __ATOMIC_RELAXED); /* compaction reads flags unlocked */
	INIT_LIST_HEAD(&slab->slab_list);
	account_slab(slab, (int)order, s, 1);

	char *start = slab_address(slab);
	char *p = start + s->red_left_pad;
	slab->freelist = p;
	for (unsigned int i = 0; i < objects; i++, p += s->size) {
		if (s->flags & (SLAB_STORE_USER | SLAB_RED_ZONE | __OBJECT_POISON)) {
			init_object(s, p, SLUB_RED_INACTIVE);
			if (s->flags & SLAB_STORE_USER) {
				size_t keep = metadata_access_enable(s, p);
				memset(get_track(s, p, TRACK_ALLOC), 0, 2 * TRACK_SLOT_SIZE);
				metadata_access_disable(s, p, keep);
			}
		}
		if (s->ctor)
			s->ctor(p);
		set_freepointer(s, p, i + 1 < objects ? p + s->size : NULL);
	}
	track_mem_noaccess(start, PAGE_SIZE << order); /* kasan_poison_slab: every object is free */
	inc_slabs_node(s, slab_nid(slab), (int)objects);
	return slab;
}

static void discard_slab(struct kmem_cache *s, struct page *slab)
{
	unsigned int order = slab_order(slab);
	dec_slabs_node(s, slab_nid(slab), slab->objects);
	account_slab(slab, (int)order, s, -1);
	/* SLAB_TYPESAFE_BY_RCU: kmm has no RCU readers, so the grace period is over at once */
	__atomic_fetch_and(&slab->flags, ~(1UL << PG_slab), __ATOMIC_RELAXED);
	slab->slab_cache = NULL;
	slab->freelist = NULL;
	slab->counters = 0;
	INIT_LIST_HEAD(&slab->lru);
	unsigned long objcgs = __atomic_exchange_n(&slab->memcg_data, 0UL, __ATOMIC_ACQ_REL);
	if (objcgs & MEMCG_DATA_OBJCGS) /* memcg_free_slab_cgroups: every object's charge went with it */
		free((void *)(objcgs & ~MEMCG_DATA_FLAGS_MASK));
	if (current_reclaim_state) /* __free_slab: pages reclaim got back from the slab caches */
		current_reclaim_state->reclaimed_slab += 1UL << order;
	__free_pages(slab, order);
}

/* ---- node lists (n->list_lock held) ------------------------------------------------- */

/* nr_partial is also read without the lock (get_partial_node's quick look). */
static inline void add_partial(struct kmem_cache_node *n, struct page *slab, bool tail)
{
	__atomic_store_n(&n->nr_partial, n->nr_partial + 1, __ATOMIC_RELAXED);
	if (tail)
		list_add_tail(&slab->slab_list, &n->partial);
	else
		list_add(&slab->slab_list, &n->partial);
}

static inline void remove_partial(struct kmem_cache_node *n, struct page *slab)
{
	list_del(&slab->slab_list);
	INIT_LIST_HEAD(&slab->slab_list);
	__atomic_store_n(&n->nr_partial, n->nr_partial - 1, __ATOMIC_RELAXED);
}

static inline void add_full(struct kmem_cache *s, struct kmem_cache_node *n, struct page *slab)
{
	if (kmem_cache_debug(s))
		list_add(&slab->slab_list, &n->full);
}

static inline void remove_full(struct kmem_cache *s, struct kmem_cache_node *n, struct page *slab)
{
	if (kmem_cache_debug(s)) {
		list_del(&slab->slab_list);
		INIT_LIST_HEAD(&slab->slab_list);
	}
}

/* ---- giving CPU slabs back ----------------------------------------------------------- */

/* Return the CPU's free objects to the slab and unfreeze it onto the right list. */
static void deactivate_slab(struct kmem_cache *s, struct page *slab, void *freelist)
{
	struct kmem_cache_node *n = get_node(s, slab_nid(slab));
	pthread_mutex_lock(&n->list_lock);
	slab_lock(slab);
	/* objects shares its word with inuse, which a remote __slab_free changes under the slab lock */
	u64 seen[SEEN_WORDS(slab->objects)];
	memset(seen, 0, sizeof(seen));
	bool remote_frees = slab->freelist != NULL;
	/*
	 * Both chains are walked bounded, each object taken once: a double
	 * free left a cycle or a duplicate in them, and following it would
	 * never end.  The rest of a broken chain stays in use (reported).
	 */
	void *bad, *last;
	unsigned int nfree = freechain_walk(s, slab, slab->freelist, seen, &bad, &last), ncpu = 0;
	if (bad)
		freechain_isolate(s, slab, last, bad);
	while (freelist) {
		unsigned int i;
		if (!valid_object_pointer(s, slab, freelist) || (i = obj_index(s, slab, freelist)) >= slab->objects ||
		    (seen[i / 64] >> (i % 64) & 1)) {
			slab_err(s, slab, "Freechain corrupt: 0x%lx on a CPU freelist %s", kva(freelist),
				 freechain_fault(s, slab, freelist));
			slab_fix(s, "Isolate corrupted freechain");
			break;
		}
		seen[i / 64] |= 1ULL << (i % 64);
		void *next = get_freepointer(s, freelist);
		set_freepointer(s, freelist, slab->freelist);
		slab->freelist = freelist;
		nfree++;
		ncpu++;
		freelist = next;
	}
	/* the CPU's objects were counted in use: the counter drops by them, and then matches the free ones */
	if (slab->inuse + nfree != slab->objects + ncpu) {
		if (!bad && !freelist)
			slab_err(s, slab, "Wrong object count. Counter is %u but counted were %u", slab->inuse - ncpu,
				 slab->objects - nfree);
		slab_fix(s, "Object count adjusted");
	}
	slab->inuse = slab->objects - nfree;
	slab->frozen = 0;
	unsigned int inuse = slab->inuse;
	bool has_free = slab->freelist != NULL;
	slab_unlock(slab);
	if (!inuse && n->nr_partial >= s->min_partial) {
		pthread_mutex_unlock(&n->list_lock);
		discard_slab(s, slab);
		return;
	}
	if (has_free)
		add_partial(n, slab, remote_frees);
	else
		add_full(s, n, slab);
	pthread_mutex_unlock(&n->list_lock);
}

static void unfreeze_partials(struct kmem_cache *s, struct page *partial)
{
	while (partial) {
		struct page *slab = partial;
		partial = slab->next;
		INIT_LIST_HEAD(&slab->slab_list);
		deactivate_slab(s, slab, NULL);
	}
}

/* Put a frozen slab on this CPU's partial list; spill the list when it is full. */
static void put_cpu_partial(struct kmem_cache *s, struct page *slab, int cpu)
{
	struct kmem_cache_cpu *c = &s->cpu_slab[cpu];
	struct page *old = c->partial, *spill = NULL;
	long slabs = 0;
	if (old) {
		if (old->slabs >= (long)s->cpu_partial_slabs) {
			spill = old;
			old = NULL;
		} else {
			slabs = old->slabs;
		}
	}
	slab->slabs = slabs + 1;
	slab->next = old;
	c->partial = slab;
	if (spill)
		unfreeze_partials(s, spill);
}

static void flush_cpu_slab(struct kmem_cache *s, int cpu)
{
	struct kmem_cache_cpu *c = &s->cpu_slab[cpu];
	if (c->slab) {
		struct page *slab = c->slab;
		void *freelist = c->freelist;
		c->slab = NULL;
		c->freelist = NULL;
		deactivate_slab(s, slab, freelist);
	}
	struct page *partial = c->partial;
	c->partial = NULL;
	unfreeze_partials(s, partial);
	__atomic_store_n(&c->flush_pending, 0, __ATOMIC_RELAXED); /* flush_cpu_ask() sets it from other CPUs */
}

/* Every CPU gives its slabs of this cache back; a busy CPU does it at its next slow path. */
static void flush_cpu_fn(int cpu, void *s)
{
	flush_cpu_slab(s, cpu);
}

static void flush_cpu_ask(int cpu, void *sp)
{
	struct kmem_cache *s = sp;
	__atomic_store_n(&s->cpu_slab[cpu].flush_pending, 1, __ATOMIC_RELAXED);
}

static void flush_all(struct kmem_cache *s)
{
	kmm_on_each_cpu(flush_cpu_fn, flush_cpu_ask, s);
}

void kmem_cache_flush_all(struct kmem_cache *s)
{
	flush_all(s);
}

/* ---- allocation ------------------------------------------------------------------------ */

/* Take a slab off a node's partial list; for_cpu: with its freelist, for the CPU slab. */
static void *acquire_slab(struct kmem_cache_node *n, struct page *slab, bool for_cpu)
{
	slab_lock(slab);
	void *freelist = slab->freelist;
	if (for_cpu) {
		slab->inuse = slab->objects;
		slab->freelist = NULL;
	}
	slab->frozen = 1;
	slab_unlock(slab);
	remove_partial(n, slab);
	return freelist;
}

static void *get_partial_node(struct kmem_cache *s, struct kmem_cache_node *n, struct page **ret_slab, int cpu)
{
	void *object = NULL;
	unsigned int partial_slabs = 0;
	if (!n || !__atomic_load_n(&n->nr_partial, __ATOMIC_RELAXED))
		return NULL;
	pthread_mutex_lock(&n->list_lock);
	while (!list_empty(&n->partial)) {
		struct page *slab = list_first_entry(&n->partial, struct page, slab_list);
		void *t = acquire_slab(n, slab, object == NULL);
		if (!object) {
			*ret_slab = slab;
			object = t;
		} else {
			put_cpu_partial(s, slab, cpu);
			partial_slabs++;
		}
		if (!s->has_cpu_partial || partial_slabs > s->cpu_partial_slabs / 2)
			break;
	}
	pthread_mutex_unlock(&n->list_lock);
	return object;
}

static void *get_partial(struct kmem_cache *s, int node, struct page **ret_slab, int cpu)
{
	int search = node == NUMA_NO_NODE ? this_node() : node;
	void *object = get_partial_node(s, get_node(s, search), ret_slab, cpu);
	if (object || node != NUMA_NO_NODE)
		return object;
	/* any node, nearest first (get_any_partial) */
	struct zoneref *z = NODE_DATA(search)->node_zonelists[ZONELIST_FALLBACK]._zonerefs;
	int last = search;
	for (; z->zone; z++) {
		int nid = z->zone->node;
		if (nid == last)
			continue;
		last = nid;
		object = get_partial_node(s, get_node(s, nid), ret_slab, cpu);
		if (object)
			return object;
	}
	return NULL;
}

/* Take what remote CPUs freed into our CPU slab. */
static void *get_freelist(struct page *slab)
{
	slab_lock(slab);
	void *freelist = slab->freelist;
	slab->freelist = NULL;
	slab->inuse = slab->objects;
	slab->frozen = freelist != NULL;
	slab_unlock(slab);
	return freelist;
}

static void slab_out_of_memory(struct kmem_cache *s, gfp_t gfp, int nid)
{
	if (gfp & __GFP_NOWARN)
		return;
	char name[160];
	gfp_flags_name(gfp, name, sizeof(name));
	printk(KERN_WARNING "SLUB: Unable to allocate memory on node %d, gfp=%#x(%s)\n", nid, gfp, name);
	printk(KERN_WARNING "  cache: %s, object size: %u, buffer size: %u, default order: %u, min order: %u\n", s->name,
	       s->object_size, s->size, s->order, s->min_order);
}

static void *___slab_alloc(struct kmem_cache *s, gfp_t gfp, int node, struct kmem_cache_cpu *c, int cpu)
{
	struct page *slab;
	void *freelist;
	if (__atomic_load_n(&c->flush_pending, __ATOMIC_RELAXED))
		flush_cpu_slab(s, cpu);
reread:
	slab = c->slab;
	if (!slab)
		goto new_slab;
	if (node != NUMA_NO_NODE && slab_nid(slab) != node) {
		c->slab = NULL;
		freelist = c->freelist;
		c->freelist = NULL;
		deactivate_slab(s, slab, freelist);
		goto new_slab;
	}
	freelist = c->freelist;
	if (freelist)
		goto load_freelist;
	freelist = get_freelist(slab);
	if (!freelist) {
		c->slab = NULL; /* full: it stays unfrozen on no list until something is freed */
		goto new_slab;
	}
load_freelist:
	c->freelist = get_freepointer(s, freelist);
	return freelist;
new_slab:
	if (c->partial) {
		slab = c->partial;
		c->partial = slab->next;
		INIT_LIST_HEAD(&slab->slab_list);
		c->slab = slab;
		c->freelist = NULL;
		goto reread;
	}
	freelist = get_partial(s, node, &slab, cpu);
	if (freelist) {
		c->slab = slab;
		goto load_freelist;
	}
	slab = allocate_slab(s, gfp, node);
	if (!slab) {
		slab_out_of_memory(s, gfp, node);
		return NULL;
	}
	freelist = slab->freelist;
	slab->freelist = NULL;
	slab->inuse = slab->objects;
	slab->frozen = 1;
	c->slab = slab;
	goto load_freelist;
}

/*
 * One object straight from a node, under its locks: debug caches (checked
 * one by one) and threads that are on no CPU.
 */
static void *alloc_single(struct kmem_cache *s, gfp_t gfp, int node, unsigned long addr)
{
	int nid = node == NUMA_NO_NODE ? this_node() : node;
	struct kmem_cache_node *n = get_node(s, nid);
	struct page *slab = NULL;
	void *object;
	pthread_mutex_lock(&n->list_lock);
	if (!list_empty(&n->partial)) {
		slab = list_first_entry(&n->partial, struct page, slab_list);
	} else if (node == NUMA_NO_NODE) {
		/* another node's partial slab before a new one */
		for (int i = 0; i < M->nr_nodes && !slab; i++) {
			struct kmem_cache_node *m = get_node(s, i);
			if (m == n || !__atomic_load_n(&m->nr_partial, __ATOMIC_RELAXED))
				continue;
			pthread_mutex_unlock(&n->list_lock);
			pthread_mutex_lock(&m->list_lock);
			n = m;
			if (!list_empty(&n->partial))
				slab = list_first_entry(&n->partial, struct page, slab_list);
		}
	}
	if (!slab) {
		pthread_mutex_unlock(&n->list_lock);
		slab = allocate_slab(s, gfp, node);
		if (!slab) {
			slab_out_of_memory(s, gfp, nid);
			return NULL;
		}
		n = get_node(s, slab_nid(slab));
		pthread_mutex_lock(&n->list_lock);
		add_partial(n, slab, false);
	}
	slab_lock(slab);
	object = slab->freelist;
	if (kmem_cache_debug(s) && !check_object(s, slab, object, SLUB_RED_INACTIVE))
		init_object(s, object, SLUB_RED_INACTIVE); /* reported and repaired: hand it out clean */
	slab->freelist = get_freepointer(s, object);
	slab->inuse++;
	/*
	 * Full: off the partial list before the slab lock goes.  A free on a
	 * CPU takes only the slab lock, and finding the slab full and unfrozen
	 * it freezes it onto its CPU's partial list - through slab->next, the
	 * word slab_list shares - so the list_del must be done by then.
	 */
	if (!slab->freelist) {
		remove_partial(n, slab);
		add_full(s, n, slab);
	}
	slab_unlock(slab);
	pthread_mutex_unlock(&n->list_lock);
	if (kmem_cache_debug(s)) {
		init_object(s, object, SLUB_RED_ACTIVE);
		set_track(s, object, TRACK_ALLOC, addr);
	}
	return object;
}

/*
 * Memory cgroups (MEMCG_KMEM): an object of a SLAB_ACCOUNT cache, or one
 * asked for with __GFP_ACCOUNT, is charged its slot's size to the current
 * task's group before it is taken (slab_pre_alloc_hook's
 * memcg_slab_pre_alloc_hook); the group is remembered in the slab's
 * obj_cgroups vector (slab->memcg_data with MEMCG_DATA_OBJCGS, one pointer
 * per object, made at the slab's first charged object), and the charge goes
 * back when the object is freed.  The vector is host memory (6.1 kcallocs
 * it); KFENCE's objects are not charged.
 */
static bool slab_wants_charge(const struct kmem_cache *s, gfp_t gfp)
{
	return (gfp & __GFP_ACCOUNT) || (s->flags & SLAB_ACCOUNT);
}

static void memcg_slab_post_alloc_hook(struct kmem_cache *s, struct mem_cgroup *memcg, void *object)
{
	struct page *slab = virt_to_slab(object);
	unsigned long data = __atomic_load_n(&slab->memcg_data, __ATOMIC_ACQUIRE);
	if (!data) {
		void *vec = calloc(slab->objects, sizeof(struct mem_cgroup *));
		if (!vec) { /* memcg_alloc_slab_cgroups failed: the object goes uncharged, as 6.1's */
			obj_cgroup_uncharge(memcg, s->size, s->flags & SLAB_RECLAIM_ACCOUNT);
			return;
		}
		unsigned long want = (unsigned long)vec | MEMCG_DATA_OBJCGS;
		if (!__atomic_compare_exchange_n(&slab->memcg_data, &data, want, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			free(vec); /* another CPU made it first */
		else
			data = want;
	}
	struct mem_cgroup **vec = (struct mem_cgroup **)(data & ~MEMCG_DATA_FLAGS_MASK);
	unsigned long idx = (unsigned long)((char *)object - slab_address(slab) - s->red_left_pad) / s->size;
	__atomic_store_n(&vec[idx], memcg, __ATOMIC_RELEASE);
}

/* memcg_slab_free_hook: the object's charge goes back (a second free finds none) */
static void memcg_slab_free_hook(struct kmem_cache *s, struct page *slab, void *object)
{
	unsigned long data = __atomic_load_n(&slab->memcg_data, __ATOMIC_ACQUIRE);
	if (__builtin_expect(!(data & MEMCG_DATA_OBJCGS), 1))
		return;
	struct mem_cgroup **vec = (struct mem_cgroup **)(data & ~MEMCG_DATA_FLAGS_MASK);
	unsigned long idx = (unsigned long)((char *)object - slab_address(slab) - s->red_left_pad) / s->size;
	struct mem_cgroup *memcg = __atomic_exchange_n(&vec[idx], (struct mem_cgroup *)NULL, __ATOMIC_ACQ_REL);
	if (memcg)
		obj_cgroup_uncharge(memcg, s->size, s->flags & SLAB_RECLAIM_ACCOUNT);
}

static __attribute__((always_inline)) inline void *slab_alloc_node(struct kmem_cache *s, gfp_t gfp, int node,
								   unsigned long addr, size_t orig_size)
{
	void *object = kfence_alloc(s, orig_size ? orig_size : s->object_size, gfp, addr);
	if (__builtin_expect(object != NULL, 0))
		return object; /* sampled: an object of KFENCE's guarded pool */
	int cpu = smp_processor_id();
	if (should_failslab(s, gfp)) /* slab_pre_alloc_hook(): failslab (mm/fault_inject.c) */
		return NULL;
	struct mem_cgroup *memcg = NULL;
	if (__builtin_expect(slab_wants_charge(s, gfp), 0)) {
		int err;
		memcg = obj_cgroup_charge(gfp, s->size, s->flags & SLAB_RECLAIM_ACCOUNT, &err);
		if (err)
			return NULL; /* the group is over its limit and nothing could be done */
	}
	/* a node the machine does not have (negative ones too) means any node, not s->node[] out of bounds */
	if (__builtin_expect(cpu < 0 || !s->has_cpu_partial || (node != NUMA_NO_NODE && (unsigned)node >= (unsigned)M->nr_nodes), 0)) {
		if (node != NUMA_NO_NODE && (unsigned)node >= (unsigned)M->nr_nodes)
			node = NUMA_NO_NODE;
		object = alloc_single(s, gfp, node, addr);
	} else {
		struct kmem_cache_cpu *c = &s->cpu_slab[cpu];
		object = c->freelist;
		if (__builtin_expect(!object || !c->slab || (node != NUMA_NO_NODE && slab_nid(c->slab) != node), 0))
			object = ___slab_alloc(s, gfp, node, c, cpu);
		else
			c->freelist = get_freepointer(s, object);
	}
	if (__builtin_expect(memcg != NULL, 0)) {
		if (object)
			memcg_slab_post_alloc_hook(s, memcg, object);
		else
			obj_cgroup_uncharge(memcg, s->size, s->flags & SLAB_RECLAIM_ACCOUNT);
	}
	if (KMM_TRACK && object)
		kasan_slab_alloc(s, object, orig_size);
	if (object && slab_want_init_on_alloc(gfp, s))
		slab_init_object(s, object);
	return object;
}

/* ---- freeing ------------------------------------------------------------------------------ */

/*
 * kasan_slab_free: the object goes off limits before it is on a freelist
 * another CPU may take it from.  An object that is off limits already was
 * freed before: KASAN's double-free report (not while this thread is in
 * kasan_disable_current()), and the free is refused (the freelist stays
 * whole).
 */
static inline bool kasan_slab_free(struct kmem_cache *s, void *object, unsigned long addr)
{
	if (track_mem_is_noaccess(object) && !(s->flags & SLAB_TYPESAFE_BY_RCU)) {
		if (track_report_suppressed())
			return true; /* kasan_disable_current(): refused, not reported */
		char caller[160];
		site_name(site_index(addr), caller, sizeof(caller));
		pr_err("==================================================================\n");
		pr_err("BUG: KASAN: double-free in %s\n", caller);
		pr_err("Free of addr %lx by task %s/%d\n\n", kva(object), "kmm", 0);
		pr_err("The buggy address belongs to the object at %lx\n", kva(object));
		pr_err(" which belongs to the cache %s of size %u\n", s->name, s->object_size);
		pr_err("==================================================================\n");
		M->slab_bugs++;
		return true;
	}
	kasan_poison_object(s, object);
	return false;
}

/*
 * slab_free_hook(): init_on_free zeroes the object, then the tool is told
 * it is free; true if the free is refused (a double free the tool saw).
 */
static inline bool slab_free_hook(struct kmem_cache *s, void *object, unsigned long addr)
{
	if (__builtin_expect(slab_want_init_on_free(s), 0) &&
	    !(KMM_TRACK && track_mem_is_noaccess(object))) /* a double free is reported below, not zeroed */
		slab_init_object(s, object);
	return KMM_TRACK && kasan_slab_free(s, object, addr);
}

static void __slab_free(struct kmem_cache *s, struct page *slab, void *object)
{
	struct kmem_cache_node *n = NULL;
	int cpu = smp_processor_id();
	bool can_freeze = s->has_cpu_partial && cpu >= 0;
	void *prior;
	bool was_frozen, froze = false;
	unsigned int inuse;
again:
	slab_lock(slab);
	prior = slab->freelist;
	was_frozen = slab->frozen;
	inuse = slab->inuse - 1u;
	if (!n && !was_frozen && (!inuse || !prior) && !(can_freeze && !prior)) {
		/* the slab changes lists: take the node's lock first */
		slab_unlock(slab);
		n = get_node(s, slab_nid(slab));
		pthread_mutex_lock(&n->list_lock);
		goto again;
	}
	set_freepointer(s, object, prior);
	slab->freelist = object;
	slab->inuse = inuse;
	if (!was_frozen && !prior && can_freeze && !n) {
		slab->frozen = 1; /* a full slab turns partial: onto our CPU's partial list */
		froze = true;
	}
	slab_unlock(slab);
	if (!n) {
		if (froze)
			put_cpu_partial(s, slab, cpu);
		return;
	}
	/*
	 * Not slab->frozen again: it shares a word with inuse, which another
	 * CPU's free changes under the slab lock we let go.  Nobody can freeze
	 * the slab meanwhile - that needs it full, and it is fed again only
	 * from the node's list, whose lock we hold - so was_frozen still holds.
	 */
	if (was_frozen) {
		pthread_mutex_unlock(&n->list_lock);
		return;
	}
	if (!inuse && n->nr_partial >= s->min_partial) {
		if (prior)
			remove_partial(n, slab);
		else
			remove_full(s, n, slab);
		pthread_mutex_unlock(&n->list_lock);
		discard_slab(s, slab);
		return;
	}
	if (!prior) {
		remove_full(s, n, slab);
		add_partial(n, slab, true);
	}
	pthread_mutex_unlock(&n->list_lock);
}

static __attribute__((always_inline)) inline void slab_free(struct kmem_cache *s, struct page *slab, void *object,
							       unsigned long addr)
{
	int cpu = smp_processor_id();
	if (__builtin_expect(kmem_cache_debug(s), 0)) {
		struct kmem_cache_node *n = get_node(s, slab_nid(slab));
		pthread_mutex_lock(&n->list_lock);
		slab_lock(slab);
		bool ok = free_debug_checks(s, slab, object, addr);
		slab_unlock(slab);
		pthread_mutex_unlock(&n->list_lock);
		if (!ok) {
			slab_fix(s, "Object at 0x%lx not freed", kva(object));
			return; /* reported; the object stays allocated */
		}
		set_track(s, object, TRACK_FREE, addr);
		memcg_slab_free_hook(s, slab, object);
		if (slab_want_init_on_free(s))
			slab_init_object(s, object);
		init_object(s, object, SLUB_RED_INACTIVE);
		if (KMM_TRACK)
			kasan_poison_object(s, object);
		__slab_free(s, slab, object);
		return;
	}
	if (__builtin_expect(!valid_object_pointer(s, slab, object), 0)) {
		slab_err(s, slab, "Invalid object pointer 0x%lx", kva(object));
		return;
	}
	memcg_slab_free_hook(s, slab, object);
	if (cpu >= 0) {
		struct kmem_cache_cpu *c = &s->cpu_slab[cpu];
		if (__builtin_expect(slab == c->slab, 1)) {
			/* the naive double-free check of SLAB_FREELIST_HARDENED */
			if (__builtin_expect(object == c->freelist, 0)) {
				object_err(s, slab, object, "Object already free");
				return;
			}
			if (slab_free_hook(s, object, addr))
				return;
			set_freepointer(s, object, c->freelist);
			c->freelist = object;
			return;
		}
	}
	if (slab_free_hook(s, object, addr))
		return;
	__slab_free(s, slab, object);
}

/* ---- the entry points (here, so the fast paths inline into them) --------------------------- */

void *kmem_cache_alloc(struct kmem_cache *s, gfp_t flags)
{
	if (kmem_cache_unusable(s, "kmem_cache_alloc"))
		return NULL;
	void *ret = slab_alloc_node(s, flags, NUMA_NO_NODE, _RET_IP_, 0);
	trace_kmem_cache_alloc(_RET_IP_, ret, s, flags, NUMA_NO_NODE);
	return ret;
}

void *kmem_cache_alloc_node(struct kmem_cache *s, gfp_t flags, int node)
{
	if (kmem_cache_unusable(s, "kmem_cache_alloc_node"))
		return NULL;
	void *ret = slab_alloc_node(s, flags, node, _RET_IP_, 0);
	trace_kmem_cache_alloc(_RET_IP_, ret, s, flags, node);
	return ret;
}

/* The cache an object really belongs to; a wrong one is reported (cache_from_obj). */
static struct kmem_cache *cache_from_obj(struct kmem_cache *s, const void *x, struct page **slabp)
{
	struct page *slab = virt_to_slab(x);
	if (!slab) {
		printk(KERN_WARNING "kmem_cache_free(%s): object 0x%lx is not in a slab page\n", s ? s->name : "?",
		       kmm_addr_for_print(x));
		M->slab_bugs++;
		return NULL;
	}
	struct kmem_cache *cachep = slab->slab_cache;
	if (s && cachep != s) {
		printk(KERN_WARNING "WARNING: %s: Wrong slab cache. %s but object is from %s\n", "cache_from_obj", s->name,
		       cachep->name);
		print_tracking(cachep, (void *)x);
		M->slab_bugs++;
	}
	*slabp = slab;
	return cachep;
}

void kmem_cache_free(struct kmem_cache *s, void *x)
{
	struct page *slab;
	if (s && kmem_cache_dead(s)) {
		kmem_cache_use_after_destroy(s, "kmem_cache_free");
		return;
	}
	if (!x)
		return;
	if (__builtin_expect(is_kfence_address(x), 0)) {
		trace_kmem_cache_free(_RET_IP_, x, s);
		__kfence_free(x, (unsigned long)__builtin_return_address(0));
		return;
	}
	s = cache_from_obj(s, x, &slab);
	if (!s)
		return;
	trace_kmem_cache_free(_RET_IP_, x, s);
	slab_free(s, slab, x, _RET_IP_);
}

/*
 * The bulk entry points: as in 6.1, no tracepoint fires for their objects
 * (the maple tree's nodes come and go this way, which is why a real trace
 * shows maple_node frees without allocations).
 */
int kmem_cache_alloc_bulk(struct kmem_cache *s, gfp_t flags, size_t nr, void **p)
{
	if (kmem_cache_unusable(s, "kmem_cache_alloc_bulk"))
		return 0;
	for (size_t i = 0; i < nr; i++) {
		p[i] = slab_alloc_node(s, flags, NUMA_NO_NODE, _RET_IP_, 0);
		if (!p[i]) {
			kmem_cache_free_bulk(s, i, p);
			return 0;
		}
	}
	return (int)nr;
}

void kmem_cache_free_bulk(struct kmem_cache *s, size_t nr, void **p)
{
	if (s && kmem_cache_dead(s)) {
		kmem_cache_use_after_destroy(s, "kmem_cache_free_bulk");
		return;
	}
	for (size_t i = 0; i < nr; i++) {
		struct page *slab;
		if (!p[i])
			continue;
		if (__builtin_expect(is_kfence_address(p[i]), 0)) {
			__kfence_free(p[i], (unsigned long)__builtin_return_address(0));
			continue;
		}
		struct kmem_cache *c = cache_from_obj(s, p[i], &slab);
		if (c)
			slab_free(c, slab, p[i], _RET_IP_);
	}
}

/* kmalloc on behalf of caller: it is the one SLUB's alloc track and the kmalloc event name (6.1's kmalloc_node_track_caller). */
void *__kmalloc_node_track_caller(size_t size, gfp_t flags, int node, unsigned long caller)
{
	void *ret;
	if (__builtin_expect(size > KMALLOC_MAX_CACHE_SIZE, 0)) {
		ret = kmalloc_large_node(size, flags, node);
		trace_kmalloc(caller, ret, size, PAGE_SIZE << get_order(size), flags, node);
		return ret;
	}
	if (__builtin_expect(!size, 0))
		return ZERO_SIZE_PTR;
	struct kmem_cache *s = kmalloc_caches[kmalloc_type(flags)][kmalloc_index(size)];
	ret = slab_alloc_node(s, flags, node, caller, size);
	trace_kmalloc(caller, ret, size, s->size, flags, node);
	return ret;
}

void *kmalloc_node(size_t size, gfp_t flags, int node)
{
	return __kmalloc_node_track_caller(size, flags, node, _RET_IP_);
}

void *kmalloc(size_t size, gfp_t flags)
{
	return __kmalloc_node_track_caller(size, flags, NUMA_NO_NODE, _RET_IP_);
}

/* kfree on behalf of caller (a code address): it is who SLUB's free track and the kfree event name. */
void __kfree_caller(const void *x, unsigned long caller)
{
	trace_kfree(caller, x);
	if (__builtin_expect(ZERO_OR_NULL_PTR(x), 0))
		return;
	if (__builtin_expect(is_kfence_address(x), 0)) {
		__kfence_free((void *)x, caller);
		return;
	}
	/* in the direct map (holes read as empty struct pages: not slab, not a kmalloc) */
	if (__builtin_expect((unsigned long)((const char *)x - (const char *)kmm_ram.direct_base) >= kmm_ram.direct_size, 0)) {
		printk(KERN_WARNING "WARNING: kfree: pointer %lx is not in the kernel's direct map\n",
		       kmm_addr_for_print(x));
		M->slab_bugs++;
		return;
	}
	struct page *page = compound_head(lowmem_virt_to_page(x));
	if (__builtin_expect(!PageSlab(page), 0)) {
		free_large_kmalloc(page, x);
		return;
	}
	slab_free(page->slab_cache, page, (void *)x, caller);
}

void kfree(const void *x)
{
	__kfree_caller(x, _RET_IP_);
}


/* ---- sizes ---------------------------------------------------------------------------------- */

static inline unsigned int order_objects(unsigned int order, unsigned int size)
{
	return (unsigned int)((PAGE_SIZE << order) / size);
}

#define MAX_OBJS_PER_PAGE 32767

static unsigned int calc_slab_order(unsigned int size, unsigned int min_objects, unsigned int max_order,
				    unsigned int fract_leftover)
{
	unsigned int min_order = (unsigned)slub_min_order, order;
	if (order_objects(min_order, size) > MAX_OBJS_PER_PAGE)
		return get_order((unsigned long)size * MAX_OBJS_PER_PAGE) - 1;
	for (order = max(min_order, get_order((unsigned long)min_objects * size)); order <= max_order; order++) {
		unsigned int slab_size = (unsigned int)PAGE_SIZE << order;
		unsigned int rem = slab_size % size;
		if (rem <= slab_size / fract_leftover)
			break;
	}
	return order;
}

/* Linux 6.1's calculate_order(): the smallest order that wastes little and holds enough. */
int calculate_order(unsigned int size)
{
	unsigned int min_objects = (unsigned)slub_min_objects, max_objects, order;
	if (!min_objects) {
		int nr_cpus = M->nr_cpus, fls = 0;
		while ((1 << fls) <= nr_cpus)
			fls++;
		min_objects = 4u * (unsigned)(fls + 1);
	}
	max_objects = order_objects((unsigned)slub_max_order, size);
	min_objects = min(min_objects, max_objects);
	while (min_objects > 1) {
		for (unsigned int fraction = 16; fraction >= 4; fraction /= 2) {
			order = calc_slab_order(size, min_objects, (unsigned)slub_max_order, fraction);
			if (order <= (unsigned)slub_max_order)
				return (int)order;
		}
		min_objects--;
	}
	order = calc_slab_order(size, 1, (unsigned)slub_max_order, 1);
	if (order <= (unsigned)slub_max_order)
		return (int)order;
	order = calc_slab_order(size, 1, MAX_ORDER, 1);
	if (order < MAX_ORDER)
		return (int)order;
	return -ENOSYS;
}

static bool calculate_sizes(struct kmem_cache *s)
{
	slab_flags_t flags = s->flags;
	unsigned int size = ALIGN(s->object_size, KPTR_SIZE);

	/* poison only objects nobody may touch while free */
	if ((flags & SLAB_POISON) && !(flags & SLAB_TYPESAFE_BY_RCU) && !s->ctor)
		s->flags |= __OBJECT_POISON;
	else
		s->flags &= ~__OBJECT_POISON;
	/* a red zone needs room between the object and the free pointer */
	if ((flags & SLAB_RED_ZONE) && size == s->object_size)
		size += KPTR_SIZE;
	s->inuse = size;
	if ((flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON)) || s->ctor ||
	    ((flags & SLAB_RED_ZONE) && s->object_size < KPTR_SIZE)) {
		/* the object keeps its contents while free: the pointer goes after it */
		s->offset = size;
		size += KPTR_SIZE;
	} else {
		/* mid-object, away from small over- and underflows */
		s->offset = ALIGN_DOWN(s->object_size / 2, KPTR_SIZE);
	}
	if (flags & SLAB_STORE_USER)
		size += 2 * TRACK_SLOT_SIZE;
	if (flags & SLAB_RED_ZONE) {
		size += KPTR_SIZE;
		s->red_left_pad = ALIGN(KPTR_SIZE, s->align);
		size += s->red_left_pad;
	}
	size = ALIGN(size, s->align);
	s->size = size;
	s->reciprocal_size = (unsigned int)(((1ULL << 32) + size - 1) / size);
	int order = calculate_order(size);
	if (order < 0)
		return false;
	s->allocflags = 0;
	if (order)
		s->allocflags |= __GFP_COMP;
	if (s->flags & SLAB_CACHE_DMA)
		s->allocflags |= GFP_DMA;
	if (s->flags & SLAB_CACHE_DMA32)
		s->allocflags |= GFP_DMA32;
	if (s->flags & SLAB_RECLAIM_ACCOUNT)
		s->allocflags |= __GFP_RECLAIMABLE;
	s->order = (unsigned)order;
	s->objects = order_objects(s->order, size);
	s->min_order = get_order(size);
	s->min_objects = order_objects(s->min_order, size);
	return s->objects > 0;
}

static void set_min_partial(struct kmem_cache *s, unsigned long min)
{
	s->min_partial = clamp(min, 5UL, 10UL);
}

static void set_cpu_partial(struct kmem_cache *s)
{
	unsigned int nr_objects;
	if (!s->has_cpu_partial)
		nr_objects = 0;
	else if (s->size >= PAGE_SIZE)
		nr_objects = 6;
	else if (s->size >= 1024)
		nr_objects = 24;
	else if (s->size >= 256)
		nr_objects = 52;
	else
		nr_objects = 120;
	s->cpu_partial = nr_objects;
	s->cpu_partial_slabs = DIV_ROUND_UP(nr_objects * 2, s->objects);
}

unsigned int slab_ksize(const struct kmem_cache *s)
{
	if (s->flags & (SLAB_RED_ZONE | SLAB_POISON))
		return s->object_size;
	if (s->flags & (SLAB_TYPESAFE_BY_RCU | SLAB_STORE_USER))
		return s->inuse;
	return s->size;
}

int __kmem_cache_create(struct kmem_cache *s, slab_flags_t flags)
{
	s->flags = kmem_cache_flags(s->size, flags, s->name);
	s->fp_size = KPTR_SIZE;
	s->kva_bias = M->layout.page_offset - (unsigned long)kmm_ram.direct_base;
	if (slab_freelist_hardened)
		s->random = (((unsigned long)rand() << 32 | (unsigned long)rand()) | 1) &
			    (KPTR_SIZE == 4 ? 0xffffffffUL : ~0UL);
	if (!calculate_sizes(s))
		return -EINVAL;
	s->has_cpu_partial = !kmem_cache_debug(s);
	unsigned long lg = 0;
	while ((2UL << lg) <= s->size)
		lg++;
	set_min_partial(s, lg / 2);
	set_cpu_partial(s);
	s->cpu_slab = calloc((size_t)M->nr_cpus, sizeof(*s->cpu_slab));
	if (!s->cpu_slab)
		return -ENOMEM;
	for (int nid = 0; nid < M->nr_nodes; nid++) {
		struct kmem_cache_node *n = calloc(1, sizeof(*n));
		if (!n)
			return -ENOMEM;
		pthread_mutex_init(&n->list_lock, NULL);
		INIT_LIST_HEAD(&n->partial);
		INIT_LIST_HEAD(&n->full);
		s->node[nid] = n;
	}
	return 0;
}

void __kmem_cache_release(struct kmem_cache *s)
{
	for (int nid = 0; nid < M->nr_nodes; nid++) {
		if (s->node[nid])
			pthread_mutex_destroy(&s->node[nid]->list_lock);
		free(s->node[nid]);
		s->node[nid] = NULL;
	}
	free(s->cpu_slab);
	s->cpu_slab = NULL;
}

/* Report the objects still allocated in a slab, as list_slab_objects(). */
static void list_slab_objects(struct kmem_cache *s, struct page *slab, const char *text)
{
	slab_err(s, slab, text, s->name);
	char *addr = slab_address(slab);
	u64 free_map[SEEN_WORDS(slab->objects)];
	memset(free_map, 0, sizeof(free_map));
	void *bad, *last;
	freechain_walk(s, slab, slab->freelist, free_map, &bad, &last);
	for (unsigned int i = 0; i < slab->objects; i++)
		if (!(free_map[i / 64] >> (i % 64) & 1)) {
			void *p = addr + s->red_left_pad + i * s->size;
			pr_err("Object 0x%lx @offset=%lu\n", kva(p), (unsigned long)((char *)p - addr));
			print_tracking(s, p);
		}
}

/*
 * Every object in use in the cache's node slabs, with the call site that
 * allocated it (0 unless SLAB_STORE_USER), as kmemleak's scan sees them:
 * the CPU slabs are flushed to the nodes first (a CPU busy in another
 * thread keeps its slab, whose objects are not seen).  Full slabs are on
 * a node list only for a debug cache, as in Linux.
 */
void kmm_slab_for_each_object(struct kmem_cache *s, void (*fn)(struct kmem_cache *s, void *obj, unsigned long site,
								 void *arg), void *arg)
{
	flush_all(s);
	for (int nid = 0; nid < M->nr_nodes; nid++) {
		struct kmem_cache_node *n = get_node(s, nid);
		struct list_head *lists[2] = { &n->partial, &n->full }, *pos;
		pthread_mutex_lock(&n->list_lock);
		for (int l = 0; l < 2; l++)
			list_for_each(pos, lists[l]) {
				struct page *slab = list_entry(pos, struct page, slab_list);
				char *addr = slab_address(slab);
				u64 free_map[SEEN_WORDS(slab->objects)];
				memset(free_map, 0, sizeof(free_map));
				void *bad, *last;
				slab_lock(slab);
				freechain_walk(s, slab, slab->freelist, free_map, &bad, &last);
				slab_unlock(slab);
				for (unsigned int i = 0; i < slab->objects; i++) {
					if (free_map[i / 64] >> (i % 64) & 1)
						continue;
					void *p = addr + s->red_left_pad + i * s->size;
					unsigned long site = 0;
					if (s->flags & SLAB_STORE_USER) {
						size_t keep = metadata_access_enable(s, p);
						u32 idx = get_track(s, p, TRACK_ALLOC)->site;
						metadata_access_disable(s, p, keep);
						site = idx ? sites[idx - 1] : 0;
					}
					fn(s, p, site, arg);
				}
			}
		pthread_mutex_unlock(&n->list_lock);
	}
}

/* Free the empty partial slabs of a node; list the objects left in the others. */
static void free_partial(struct kmem_cache *s, struct kmem_cache_node *n)
{
	struct list_head discard, *pos, *tmp;
	INIT_LIST_HEAD(&discard);
	pthread_mutex_lock(&n->list_lock);
	for (pos = n->partial.next; pos != &n->partial; pos = tmp) {
		tmp = pos->next;
		struct page *slab = list_entry(pos, struct page, slab_list);
		if (!slab->inuse) {
			remove_partial(n, slab);
			list_add(&slab->slab_list, &discard);
		} else {
			list_slab_objects(s, slab, "Objects remaining in %s on __kmem_cache_shutdown()");
		}
	}
	list_for_each(pos, &n->full) {
		struct page *slab = list_entry(pos, struct page, slab_list);
		list_slab_objects(s, slab, "Objects remaining in %s on __kmem_cache_shutdown()");
	}
	pthread_mutex_unlock(&n->list_lock);
	for (pos = discard.next; pos != &discard; pos = tmp) {
		tmp = pos->next;
		discard_slab(s, list_entry(pos, struct page, slab_list));
	}
}

/*
 * 0 when every object is free and every slab went back; else the cache stays.
 * Nobody may use the cache any more: its last reference was dropped under
 * slab_mutex, which orders every earlier use before this.  So the slabs of
 * a CPU that is busy in another thread are ours to take too - its thread
 * will never touch this cache's per-CPU data again - where flush_all()
 * would only ask it (Linux queues the flush on each CPU and waits).
 */
int __kmem_cache_shutdown(struct kmem_cache *s)
{
	for (int cpu = 0; cpu < M->nr_cpus; cpu++)
		flush_cpu_slab(s, cpu);
	int busy = 0;
	for (int nid = 0; nid < M->nr_nodes; nid++) {
		struct kmem_cache_node *n = get_node(s, nid);
		free_partial(s, n);
		if (n->nr_partial || __atomic_load_n(&n->nr_slabs, __ATOMIC_RELAXED))
			busy = 1;
	}
	if (kfence_shutdown_cache(s))
		busy = 1;
	return busy;
}

/* Give back every empty slab, and the CPUs' slabs. */
int __kmem_cache_shrink(struct kmem_cache *s)
{
	flush_all(s);
	for (int nid = 0; nid < M->nr_nodes; nid++) {
		struct kmem_cache_node *n = get_node(s, nid);
		struct list_head discard, *pos, *tmp;
		INIT_LIST_HEAD(&discard);
		pthread_mutex_lock(&n->list_lock);
		for (pos = n->partial.next; pos != &n->partial; pos = tmp) {
			tmp = pos->next;
			struct page *slab = list_entry(pos, struct page, slab_list);
			slab_lock(slab);
			bool empty = !slab->inuse;
			slab_unlock(slab);
			if (empty) {
				remove_partial(n, slab);
				list_add(&slab->slab_list, &discard);
			}
		}
		pthread_mutex_unlock(&n->list_lock);
		for (pos = discard.next; pos != &discard; pos = tmp) {
			tmp = pos->next;
			discard_slab(s, list_entry(pos, struct page, slab_list));
		}
	}
	return 0;
}

/* /proc/slabinfo's numbers: objects free on node partial lists count as free. */
void get_slabinfo(struct kmem_cache *s, struct slabinfo *sinfo)
{
	unsigned long nr_slabs = 0, nr_objs = 0, nr_free = 0;
	for (int nid = 0; nid < M->nr_nodes; nid++) {
		struct kmem_cache_node *n = get_node(s, nid);
		nr_slabs += (unsigned long)__atomic_load_n(&n->nr_slabs, __ATOMIC_RELAXED);
		nr_objs += (unsigned long)__atomic_load_n(&n->total_objects, __ATOMIC_RELAXED);
		pthread_mutex_lock(&n->list_lock);
		struct list_head *pos;
		list_for_each(pos, &n->partial) {
			struct page *slab = list_entry(pos, struct page, slab_list);
			slab_lock(slab);
			nr_free += slab->objects - slab->inuse;
			slab_unlock(slab);
		}
		pthread_mutex_unlock(&n->list_lock);
	}
	sinfo->active_objs = nr_objs - nr_free;
	sinfo->num_objs = nr_objs;
	sinfo->active_slabs = nr_slabs;
	sinfo->num_slabs = nr_slabs;
	sinfo->objects_per_slab = s->objects;
	sinfo->cache_order = s->order;
}

/* ---- validation ----------------------------------------------------------------------------- */

struct verify_ctx {
	char *why;
	size_t len;
	int ret;
};

/*
 * Check one slab: it is this cache's; its freelist (and the CPU freelist
 * of a CPU slab) are chains of real objects, each free once, walked at
 * most objects steps; inuse == objects - the objects on slab->freelist
 * (a CPU's own free objects count as in use, as SLUB counts them); red
 * zones and poison of debug caches.  where names the list it is on.
 */
static void verify_slab(struct kmem_cache *s, struct page *slab, void *cpu_freelist, struct verify_ctx *v,
			const char *where)
{
	char *addr = slab_address(slab);
	if (!PageSlab(slab) || slab->slab_cache != s || !slab->objects ||
	    (unsigned long)slab->objects * s->size > (PAGE_SIZE << slab_order(slab))) {
		snprintf(v->why, v->len, "%s: %s: page 0x%lx is not a slab of this cache (%u objects)", s->name, where,
			 kva(addr), slab->objects);
		v->ret = -EINVAL;
		return;
	}
	u64 seen[SEEN_WORDS(slab->objects)];
	memset(seen, 0, sizeof(seen));
	void *bad, *last;
	unsigned int nfree = freechain_walk(s, slab, slab->freelist, seen, &bad, &last);
	if (bad) {
		snprintf(v->why, v->len, "%s: %s: slab 0x%lx: free pointer 0x%lx %s", s->name, where, kva(addr), kva(bad),
			 freechain_fault(s, slab, bad));
		v->ret = -EINVAL;
		return;
	}
	if (slab->inuse != slab->objects - nfree) {
		snprintf(v->why, v->len, "%s: %s: slab 0x%lx: inuse %u but %u of %u objects are free", s->name, where,
			 kva(addr), slab->inuse, nfree, slab->objects);
		v->ret = -EINVAL;
		return;
	}
	if (cpu_freelist) {
		freechain_walk(s, slab, cpu_freelist, seen, &bad, &last);
		if (bad) {
			snprintf(v->why, v->len, "%s: %s: slab 0x%lx: CPU free pointer 0x%lx %s", s->name, where, kva(addr),
				 kva(bad), freechain_fault(s, slab, bad));
			v->ret = -EINVAL;
			return;
		}
	}
	if (kmem_cache_debug(s))
		for (unsigned int i = 0; i < slab->objects && !v->ret; i++) {
			u8 *p = (u8 *)addr + s->red_left_pad + i * s->size;
			bool is_free = seen[i / 64] >> (i % 64) & 1;
			if (!check_object(s, slab, p, is_free ? SLUB_RED_INACTIVE : SLUB_RED_ACTIVE)) {
				snprintf(v->why, v->len, "%s: object 0x%lx: red zone or poison damaged (reported above)", s->name, kva(p));
				v->ret = -EINVAL;
			}
		}
}

/*
 * Every slab the cache can see: each CPU's slab with its CPU freelist and
 * its partial list, each node's partial list, and the full list of debug
 * caches; every list walked bounded (no more slabs than the nodes count).
 * The CPUs must be quiet (a validator's precondition), as their per-CPU
 * data is read without their cooperation.
 */
int kmem_cache_verify(struct kmem_cache *s, char *why, size_t whylen)
{
	struct verify_ctx v = { why, whylen, 0 };
	if (!s || kmem_cache_dead(s)) {
		snprintf(why, whylen, s ? "cache %lx (%s) was destroyed" : "no cache", s ? s->kaddr : 0UL, s ? s->name : "");
		return -EINVAL;
	}
	long slabs = 0, objects = 0, max_slabs = 1;
	for (int nid = 0; nid < M->nr_nodes; nid++)
		max_slabs += __atomic_load_n(&get_node(s, nid)->nr_slabs, __ATOMIC_RELAXED);
	for (int cpu = 0; cpu < M->nr_cpus && !v.ret; cpu++) {
		struct kmem_cache_cpu *c = &s->cpu_slab[cpu];
		char where[48];
		snprintf(where, sizeof(where), "CPU %d's slab", cpu);
		if (c->slab) {
			slab_lock(c->slab);
			if (!c->slab->frozen) {
				snprintf(why, whylen, "%s: %s is not frozen", s->name, where);
				v.ret = -EINVAL;
			} else {
				verify_slab(s, c->slab, c->freelist, &v, where);
			}
			slab_unlock(c->slab);
		} else if (c->freelist) {
			snprintf(why, whylen, "%s: CPU %d has a freelist but no slab", s->name, cpu);
			v.ret = -EINVAL;
		}
		snprintf(where, sizeof(where), "CPU %d's partial list", cpu);
		long budget = max_slabs;
		for (struct page *slab = c->partial; slab && !v.ret; slab = slab->next) {
			if (--budget < 0) {
				snprintf(why, whylen, "%s: %s does not end (a loop)", s->name, where);
				v.ret = -EINVAL;
				break;
			}
			slab_lock(slab);
			if (!slab->frozen) {
				snprintf(why, whylen, "%s: a slab on %s is not frozen", s->name, where);
				v.ret = -EINVAL;
			} else {
				verify_slab(s, slab, NULL, &v, where);
			}
			slab_unlock(slab);
		}
	}
	for (int nid = 0; nid < M->nr_nodes && !v.ret; nid++) {
		struct kmem_cache_node *n = get_node(s, nid);
		unsigned long partial = 0;
		char where[48];
		snprintf(where, sizeof(where), "node %d's partial list", nid);
		pthread_mutex_lock(&n->list_lock);
		struct list_head *pos;
		list_for_each(pos, &n->partial) {
			struct page *slab = list_entry(pos, struct page, slab_list);
			if ((long)partial >= max_slabs) {
				snprintf(why, whylen, "%s: %s does not end (a loop)", s->name, where);
				v.ret = -EINVAL;
				break;
			}
			slab_lock(slab);
			if (slab->frozen) {
				snprintf(why, whylen, "%s: a slab on %s is frozen", s->name, where);
				v.ret = -EINVAL;
			} else {
				verify_slab(s, slab, NULL, &v, where);
			}
			slab_unlock(slab);
			partial++;
			if (v.ret)
				break;
		}
		if (!v.ret && partial != n->nr_partial) {
			snprintf(why, whylen, "%s: node %d nr_partial %lu but %lu slabs listed", s->name, nid, n->nr_partial, partial);
			v.ret = -EINVAL;
		}
		snprintf(where, sizeof(where), "node %d's full list", nid);
		long budget = max_slabs;
		if (!v.ret && kmem_cache_debug(s))
			list_for_each(pos, &n->full) {
				struct page *slab = list_entry(pos, struct page, slab_list);
				if (--budget < 0) {
					snprintf(why, whylen, "%s: %s does not end (a loop)", s->name, where);
					v.ret = -EINVAL;
					break;
				}
				slab_lock(slab);
				verify_slab(s, slab, NULL, &v, where);
				slab_unlock(slab);
				if (v.ret)
					break;
			}
		pthread_mutex_unlock(&n->list_lock);
		slabs += n->nr_slabs;
		objects += n->total_objects;
	}
	if (!v.ret && slabs * (long)s->objects < objects) {
		snprintf(why, whylen, "%s: %ld objects in %ld slabs of %u", s->name, objects, slabs, s->objects);
		v.ret = -EINVAL;
	}
	return v.ret;
}

/* ---- validate_slab_cache (the slub_debug validate, and the KUnit test's) ---------------------- */

/*
 * One slab, as 6.1's validate_slab(): check_slab(), then the freelist as
 * on_freelist() walks it (bounded here, duplicates caught too), cut where
 * it breaks; the object count against the page; inuse against the free
 * objects; red zones and poison of every object.  Reports and repairs in
 * SLUB's BUG/FIX words.  Node list_lock and the slab lock held.
 */
static void validate_slab(struct kmem_cache *s, struct page *slab)
{
	if (!PageSlab(slab) || slab->slab_cache != s) {
		slab_err(s, slab, "Not a valid slab page");
		return;
	}
	unsigned int maxobj = min(order_objects(slab_order(slab), s->size), (unsigned)MAX_OBJS_PER_PAGE);
	if (slab->objects > maxobj) {
		slab_err(s, slab, "objects %u > max %u", slab->objects, maxobj);
		return;
	}
	if (slab->inuse > slab->objects) {
		slab_err(s, slab, "inuse %u > max %u", slab->inuse, slab->objects);
		return;
	}
	if (slab->frozen) {
		slab_err(s, slab, "Slab disabled since SLUB metadata consistency check failed");
		return;
	}
	u64 seen[SEEN_WORDS(maxobj)];
	memset(seen, 0, sizeof(seen));
	void *bad, *last;
	unsigned int nr = freechain_walk(s, slab, slab->freelist, seen, &bad, &last);
	if (bad) {
		freechain_isolate(s, slab, last, bad);
		if (!last)
			return; /* the whole list was cleared and the counts set: nothing more to check */
	}
	if (slab->inuse != slab->objects - nr) {
		slab_err(s, slab, "Wrong object count. Counter is %u but counted were %u", slab->inuse, slab->objects - nr);
		slab->inuse = slab->objects - nr;
		slab_fix(s, "Object count adjusted");
	}
	if (kmem_cache_debug(s))
		for (unsigned int i = 0; i < slab->objects; i++) {
			u8 *p = (u8 *)slab_address(slab) + s->red_left_pad + i * s->size;
			if (!check_object(s, slab, p, (seen[i / 64] >> (i % 64) & 1) ? SLUB_RED_INACTIVE : SLUB_RED_ACTIVE))
				break;
		}
}

/* The slabs of one list, at most max of them (a list that does not end is reported, not followed). */
static long validate_slab_list(struct kmem_cache *s, struct list_head *head, long max)
{
	long count = 0;
	struct list_head *pos;
	list_for_each(pos, head) {
		if (count >= max) {
			pr_err("SLUB %s: a slab list does not end after %ld slabs\n", s->name, count);
			slab_add_kunit_errors();
			M->slab_bugs++;
			break;
		}
		struct page *slab = list_entry(pos, struct page, slab_list);
		slab_lock(slab);
		validate_slab(s, slab);
		slab_unlock(slab);
		count++;
	}
	return count;
}

/*
 * Linux 6.1's validate_slab_cache(): every CPU gives its slabs back
 * (flush_all, which itself cuts broken CPU freelists), then every slab on
 * every node's lists is validated and repaired, and the list counters are
 * checked.  Linux returns the number of slabs it walked; kmm returns the
 * number of errors reported (the BUG reports counted by slab_bugs, which
 * is what a caller wants to know), or -EINVAL for a destroyed cache.
 * Full slabs of caches without slub_debug are on no list, as in Linux, so
 * only the CPU slabs among them are seen (at the flush).
 */
long validate_slab_cache(struct kmem_cache *s)
{
	if (!s || !M)
		return -EINVAL;
	if (kmem_cache_dead(s)) {
		kmem_cache_use_after_destroy(s, "validate_slab_cache");
		return -EINVAL;
	}
	unsigned long bugs = __atomic_load_n(&M->slab_bugs, __ATOMIC_RELAXED);
	flush_all(s);
	for (int nid = 0; nid < M->nr_nodes; nid++) {
		struct kmem_cache_node *n = get_node(s, nid);
		long max = __atomic_load_n(&n->nr_slabs, __ATOMIC_RELAXED) + 1;
		pthread_mutex_lock(&n->list_lock);
		long count = validate_slab_list(s, &n->partial, max);
		if (count != (long)n->nr_partial) {
			if (!slab_add_kunit_errors())
				pr_err("SLUB %s: %ld partial slabs counted but counter=%lu\n", s->name, count, n->nr_partial);
			M->slab_bugs++;
		}
		if (kmem_cache_debug(s)) {
			count += validate_slab_list(s, &n->full, max);
			if (count != __atomic_load_n(&n->nr_slabs, __ATOMIC_RELAXED)) {
				if (!slab_add_kunit_errors())
					pr_err("SLUB: %s %ld slabs counted but counter=%ld\n", s->name, count, n->nr_slabs);
				M->slab_bugs++;
			}
		}
		pthread_mutex_unlock(&n->list_lock);
	}
	return (long)(__atomic_load_n(&M->slab_bugs, __ATOMIC_RELAXED) - bugs);
}
