/* ram.h - simulated RAM on the host (see ram.c). */
#ifndef KMM_SIM_RAM_H
#define KMM_SIM_RAM_H

#include <kmm/types.h>

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

/* Host pointer of any RAM byte (kmm-internal: zeroing and copying pages). */
static inline void *ram_host(phys_addr_t pa)
{
	return (char *)kmm_ram.direct_base + pa;
}

#endif
