/* ram.h - simulated RAM on the host (see ram.c). */
#ifndef KMM_SIM_RAM_H
#define KMM_SIM_RAM_H

#include <kmm/mm.h>
#include <kmm/types.h>
#include <sys/types.h>

struct kmm_ram {
	int fd;                 /* memfd backing all simulated RAM */
	u64 size;               /* bytes, PFN_PHYS(max_pfn) */
	void *direct_base;      /* host address of physical 0 in the direct map */
	u64 direct_size;        /* bytes of the direct map, PFN_PHYS(max_low_pfn) */
};

extern struct kmm_ram kmm_ram;

/* Host pointer of a direct-mapped physical address. */
static inline void *phys_to_host(phys_addr_t pa)
{
	return (char *)kmm_ram.direct_base + pa;
}

/* Direct-map address of a lowmem page (the caller knows it is lowmem: slab pages). */
static inline void *lowmem_page_address(const struct page *page)
{
	return (char *)kmm_ram.direct_base + (page_to_pfn(page) << PAGE_SHIFT);
}

/* The page of a direct-map address (the caller checked it is one). */
static inline struct page *lowmem_virt_to_page(const void *x)
{
	return pfn_to_page((unsigned long)((const char *)x - (const char *)kmm_ram.direct_base) >> PAGE_SHIFT);
}

/* Host pointer of any RAM byte (kmm-internal: zeroing and copying pages). */
static inline void *ram_host(phys_addr_t pa)
{
	return (char *)kmm_ram.direct_base + pa;
}

/* The simulated device's memory BAR (see ram.c); size 0 if the machine has none. */
struct kmm_device {
	phys_addr_t base;
	u64 size;
	int fd;
	void *host;
};
extern struct kmm_device kmm_device;

static inline bool phys_is_device(phys_addr_t pa)
{
	return kmm_device.size && pa >= kmm_device.base && pa - kmm_device.base < kmm_device.size;
}

/* The memfd and offset holding physical address pa (RAM or the device); -1 if neither. */
static inline int phys_backing(phys_addr_t pa, off_t *off)
{
	if (phys_is_device(pa)) {
		*off = (off_t)(pa - kmm_device.base);
		return kmm_device.fd;
	}
	*off = (off_t)pa;
	return pa < kmm_ram.size ? kmm_ram.fd : -1;
}

#endif
