/*
 * kmm/io.h - device memory: ioremap and the MMIO accessors, with Linux
 * 6.1's API (asm/io.h).  The simulated machine has one PCI device with a
 * 1 MiB memory BAR; /proc/iomem shows where.
 */
#ifndef KMM_IO_H
#define KMM_IO_H

#include <kmm/types.h>
#include <string.h>

#define __iomem /* sparse's address-space marker */

void __iomem *ioremap(phys_addr_t phys_addr, unsigned long size);       /* uncached-minus */
void __iomem *ioremap_uc(phys_addr_t phys_addr, unsigned long size);    /* uncached */
void __iomem *ioremap_wc(phys_addr_t phys_addr, unsigned long size);    /* write-combining */
void __iomem *ioremap_cache(phys_addr_t phys_addr, unsigned long size); /* write-back */
void iounmap(volatile void __iomem *addr);

static inline u8 readb(const volatile void __iomem *a) { return *(const volatile u8 *)a; }
static inline u16 readw(const volatile void __iomem *a) { return *(const volatile u16 *)a; }
static inline u32 readl(const volatile void __iomem *a) { return *(const volatile u32 *)a; }
static inline void writeb(u8 v, volatile void __iomem *a) { *(volatile u8 *)a = v; }
static inline void writew(u16 v, volatile void __iomem *a) { *(volatile u16 *)a = v; }
static inline void writel(u32 v, volatile void __iomem *a) { *(volatile u32 *)a = v; }
static inline void memcpy_fromio(void *to, const volatile void __iomem *from, size_t n) { memcpy(to, (const void *)from, n); }
static inline void memcpy_toio(volatile void __iomem *to, const void *from, size_t n) { memcpy((void *)to, from, n); }
static inline void memset_io(volatile void __iomem *a, int c, size_t n) { memset((void *)a, c, n); }

#endif /* KMM_IO_H */
