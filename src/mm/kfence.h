/*
 * mm/kfence.h - what the slab allocator, the trap handler and the views
 * need of KFENCE (mm/kfence.c), as Linux's include/linux/kfence.h.
 */
#ifndef KMM_MM_KFENCE_H
#define KMM_MM_KFENCE_H

#include "internal.h"

struct kmem_cache;
struct strbuf;

extern char *__kfence_pool;                   /* host address of the pool; NULL while off */
extern unsigned long __kfence_pool_size;      /* bytes; 0 while off, so no pointer is in it */
extern unsigned long kfence_sample_interval;  /* sample every Nth slab allocation; 0 = off */

/* Is addr in the guarded pool?  One subtraction and compare: it is on kfree's path. */
static inline bool is_kfence_address(const void *addr)
{
	return (unsigned long)((const char *)addr - __kfence_pool) < __kfence_pool_size;
}

void *__kfence_alloc(struct kmem_cache *s, size_t size, gfp_t gfp, unsigned long caller);

/* A guarded object for this allocation when it is the sampled one, else NULL; caller: for the report. */
static inline void *kfence_alloc(struct kmem_cache *s, size_t size, gfp_t gfp, unsigned long caller)
{
	if (__builtin_expect(!kfence_sample_interval, 1))
		return NULL;
	return __kfence_alloc(s, size, gfp, caller);
}

void __kfence_free(void *addr, unsigned long caller); /* addr is in the pool */
size_t kfence_ksize(const void *addr);                /* the requested size of a pool object, 0 if free */

/* The trap: a fault at host address addr; true when it was KFENCE's and the access may run again. */
bool kfence_handle_page_fault(void *addr, bool write, unsigned long ip);

int kfence_setup(const char *val, char *err, size_t errlen); /* kfence.sample_interval= */
void kfence_init(void);                                      /* the pool, late in boot */
void kfence_exit(void);
int kfence_shutdown_cache(struct kmem_cache *s);             /* how many live objects of s remain */
unsigned long kfence_objects_in_use(void);
void show_kfence_stats(struct strbuf *sb);
void show_kfence_objects(struct strbuf *sb);

#endif
