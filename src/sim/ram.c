/*
 * ram.c - the host side of simulated physical memory.
 *
 * Simulated RAM is one memfd as large as the highest RAM address (max_pfn),
 * sparse: a page costs host memory only once something touches it.  The
 * direct map of the simulated kernel (lowmem on 32-bit, all RAM on x86_64)
 * is that memfd mapped once, at boot, into a host window, so a simulated
 * kernel virtual address in the direct map and a host pointer differ by a
 * constant (ram.direct_bias):
 *
 *     host = (char *)(kaddr - PAGE_OFFSET) + direct_base
 *
 *        simulated physical                  host window
 *     0 +------------------+             +------------------+ direct_base
 *       |  lowmem          | <---------> |  mmap(memfd, 0)  |
 *  max_low_pfn ------------+             +------------------+
 *       |  highmem         |   reached only through the kmap and vmalloc
 *       |  (no direct map) |   windows (sim/trap.c)
 *  max_pfn ----------------+
 *
 * Invariants: the memfd's size is PFN_PHYS(max_pfn); only [0, max_low_pfn)
 * is the direct map (page_address() answers only there); the rest of the
 * same host mapping is kmm-internal access to highmem bytes (ram_host()).
 * The simulated device's memory BAR is a second, small memfd (see
 * device_init); phys_backing() says which memfd holds a physical address.
 * Nothing here is on an allocation hot path: all host calls happen at boot
 * and shutdown.
 */
#define _GNU_SOURCE
#include "internal.h"
#include "sim/ram.h"
#include "sim/track.h"

#include <sys/mman.h>
#include <unistd.h>

struct kmm_ram kmm_ram = { .fd = -1 };

int ram_init(char *err, size_t errlen)
{
	u64 bytes = PFN_PHYS(M->max_pfn);
	u64 direct = PFN_PHYS(M->max_low_pfn);

	int fd = memfd_create("kmm-ram", MFD_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "kmm: cannot create the RAM memfd: %s", strerror(errno));
		return -ENOMEM;
	}
	if (ftruncate(fd, (off_t)bytes) < 0) {
		snprintf(err, errlen, "kmm: cannot size simulated RAM to %llu bytes: %s",
			 (unsigned long long)bytes, strerror(errno));
		close(fd);
		return -ENOMEM;
	}
	/*
	 * One mapping of all of RAM: its lowmem part is the direct map; the rest
	 * is kmm's own way to reach highmem bytes (clearing a page, as Linux's
	 * clear_highpage() does through a short-lived kmap).
	 */
	void *base = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (base == MAP_FAILED) {
		snprintf(err, errlen, "kmm: cannot map simulated RAM (%llu bytes): %s",
			 (unsigned long long)bytes, strerror(errno));
		close(fd);
		return -ENOMEM;
	}
	kmm_ram.fd = fd;
	kmm_ram.size = bytes;
	kmm_ram.direct_base = base;
	kmm_ram.direct_size = direct;
	return 0;
}

/*
 * A simulated PCI device with one 1 MiB memory BAR, placed as firmware
 * places BARs: in the hole below the IO-APIC (0xfec00000), at the highest
 * 1 MiB that no e820 entry covers.  Its bytes are a memfd of their own, so
 * ioremap() aliases really reach them and they are never RAM.
 */
struct kmm_device kmm_device = { .fd = -1 };

static bool e820_overlaps(u64 start, u64 end)
{
	for (u32 i = 0; i < M->e820.nr_entries; i++) {
		const struct e820_entry *e = &M->e820.entries[i];
		if (start < e->addr + e->size && e->addr < end)
			return true;
	}
	return false;
}

int device_init(void)
{
	const u64 size = 1ULL << 20, top = 0xfec00000ULL;
	kmm_device = (struct kmm_device){ .fd = -1 };
	u64 base = top - size;
	while (base >= (1ULL << 31) && e820_overlaps(base, base + size))
		base -= size;
	if (base < (1ULL << 31))
		return 0; /* the firmware left no hole: a machine without the device */
	int fd = memfd_create("kmm-device", MFD_CLOEXEC);
	if (fd < 0)
		return -ENOMEM;
	void *host = MAP_FAILED;
	if (ftruncate(fd, (off_t)size) == 0)
		host = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (host == MAP_FAILED) {
		close(fd);
		return -ENOMEM;
	}
	kmm_device = (struct kmm_device){ .base = base, .size = size, .fd = fd, .host = host };
	return 0;
}

void device_exit(void)
{
	if (kmm_device.host)
		munmap(kmm_device.host, kmm_device.size);
	if (kmm_device.fd >= 0)
		close(kmm_device.fd);
	kmm_device = (struct kmm_device){ .fd = -1 };
}

void ram_exit(void)
{
	if (kmm_ram.direct_base) {
		track_forget(kmm_ram.direct_base, kmm_ram.size); /* the next machine may be mapped here */
		munmap(kmm_ram.direct_base, kmm_ram.size);
	}
	track_on = KMM_TRACK;
	if (kmm_ram.fd >= 0)
		close(kmm_ram.fd);
	kmm_ram = (struct kmm_ram){ .fd = -1 };
}
