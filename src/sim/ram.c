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
 * and shutdown, and in the child of a host fork(2), which copies the RAM
 * memfd to have a machine of its own (ram_fork_private, at the end).  The
 * direct map's host address is aligned to the largest buddy block.
 *
 * Before reserving anything, ram_host_check() asks whether the host can hold
 * the machine at all (its struct pages are the real cost) and refuses with
 * the figures when it cannot, instead of meeting the host's OOM killer.
 */
#define _GNU_SOURCE
#include "internal.h"
#include "sim/ram.h"
#include "sim/track.h"

#include <limits.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

struct kmm_ram kmm_ram = { .fd = -1 };

/* ---- what the host can give ------------------------------------------------------ */

/* A "Name:   123 kB" line of /proc/meminfo in bytes; false if absent. */
static bool meminfo_bytes(const char *text, const char *name, u64 *out)
{
	size_t nl = strlen(name);
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (!strncmp(l, name, nl) && l[nl] == ':') {
			unsigned long long kb;
			if (sscanf(l + nl + 1, "%llu", &kb) != 1)
				return false;
			*out = kb << 10;
			return true;
		}
	return false;
}

static bool read_small_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = 0;
	return n > 0;
}

/* The memory cgroup's room (limit - usage), v2 or v1, if this process is limited; else ULLONG_MAX. */
static u64 cgroup_room(void)
{
	char cg[4096], path[4400], a[64], b[64];
	u64 room = ULLONG_MAX;
	if (!read_small_file("/proc/self/cgroup", cg, sizeof(cg)))
		return room;
	for (char *save = NULL, *l = strtok_r(cg, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		const char *rel = NULL, *lim = NULL, *use = NULL, *dir = NULL;
		if (!strncmp(l, "0::", 3)) {
			rel = l + 3, dir = "/sys/fs/cgroup", lim = "memory.max", use = "memory.current";
		} else if (strstr(l, ":memory:")) {
			rel = strstr(l, ":memory:") + 8, dir = "/sys/fs/cgroup/memory", lim = "memory.limit_in_bytes",
			use = "memory.usage_in_bytes";
		}
		if (!rel)
			continue;
		snprintf(path, sizeof(path), "%s%s/%s", dir, rel, lim);
		if (!read_small_file(path, a, sizeof(a)))
			continue;
		snprintf(path, sizeof(path), "%s%s/%s", dir, rel, use);
		if (!read_small_file(path, b, sizeof(b)))
			continue;
		unsigned long long limit, usage;
		if (sscanf(a, "%llu", &limit) == 1 && sscanf(b, "%llu", &usage) == 1 && limit > usage &&
		    limit - usage < room)
			room = limit - usage; /* "max" (v2 unlimited) does not scan */
	}
	return room;
}

static void human(u64 bytes, char *buf, size_t len)
{
	if (bytes >= (10ULL << 30))
		snprintf(buf, len, "%llu GiB", (unsigned long long)(bytes >> 30));
	else
		snprintf(buf, len, "%llu MiB", (unsigned long long)(bytes >> 20));
}

/*
 * Before anything big is reserved: can the host hold this machine?  What a
 * machine costs the host is mostly its struct pages - mem_map, one struct
 * page of host memory per page frame, every one written by memmap_init -
 * while simulated RAM is a sparse memfd that costs only what is touched.
 * So a 64 TiB machine needs a terabyte of host memory before it has booted,
 * and without this check the host's OOM killer ends the process (and
 * others) half-way through memmap_init, with no message.  Checked: the
 * host's MemAvailable + SwapFree, the memory cgroup's room, the commit
 * limit when vm.overcommit_memory is 2 (MAP_NORESERVE is ignored then),
 * RLIMIT_DATA for the mem_map mapping, and - by reserving it for a moment -
 * the address space for RAM and mem_map together (RLIMIT_AS, the host's
 * user address space).
 */
/*
 * The struct pages boot will write, in frames: all of mem_map on a FLATMEM
 * kernel (i386), only the sections that hold RAM on a SPARSEMEM one (x86_64
 * skips the holes, so 1G at 0 and 1G at 32T costs two sections, not 32T).
 * memblock.memory holds the RAM (sorted) by the time ram_init runs.
 */
static u64 memmap_frames(void)
{
	if (M->prof->flatmem)
		return ALIGN(M->max_pfn, MAX_ORDER_NR_PAGES);
	const struct memblock_type *mem = &M->memblock.memory;
	u64 pps = 1ULL << (M->prof->section_size_bits - PAGE_SHIFT), sections = 0, next = 0;
	for (unsigned long i = 0; i < mem->cnt; i++) {
		u64 s = PFN_DOWN(mem->regions[i].base), e = PFN_UP(mem->regions[i].base + mem->regions[i].size);
		u64 first = max(s / pps, next), end = (e + pps - 1) / pps;
		if (end > first) {
			sections += end - first;
			next = end;
		}
	}
	return sections * pps;
}

static int ram_host_check(u64 ram_bytes, char *err, size_t errlen)
{
	const u64 slack = 64ULL << 20; /* page tables, per-CPU areas, slab and the tool itself */
	u64 frames = memmap_frames(), memmap_span = (u64)ALIGN(M->max_pfn, MAX_ORDER_NR_PAGES) * sizeof(struct page);
	u64 need = frames * sizeof(struct page) + slack, avail = ULLONG_MAX, v;
	char text[8192], a[32], b[32];
	const char *what = NULL;
	if (read_small_file("/proc/meminfo", text, sizeof(text)) && meminfo_bytes(text, "MemAvailable", &avail)) {
		what = "available host memory (MemAvailable + SwapFree)";
		if (meminfo_bytes(text, "SwapFree", &v))
			avail += v;
		char oc[16];
		u64 limit, committed;
		if (read_small_file("/proc/sys/vm/overcommit_memory", oc, sizeof(oc)) && oc[0] == '2' &&
		    meminfo_bytes(text, "CommitLimit", &limit) && meminfo_bytes(text, "Committed_AS", &committed)) {
			u64 room = limit > committed ? limit - committed : 0;
			if (room < avail) {
				avail = room;
				what = "the host's commit limit (vm.overcommit_memory = 2: CommitLimit - Committed_AS)";
			}
		}
	}
	v = cgroup_room();
	if (v < avail) {
		avail = v;
		what = "the room left in this process's memory cgroup";
	}
	struct rlimit rl;
	if (!getrlimit(RLIMIT_DATA, &rl) && rl.rlim_cur != RLIM_INFINITY && (u64)rl.rlim_cur < avail) {
		avail = rl.rlim_cur;
		what = "RLIMIT_DATA (ulimit -d)";
	}
	human(PFN_PHYS(M->max_pfn), a, sizeof(a));
	if (need > avail) {
		human(need, b, sizeof(b));
		char c[32];
		human(avail, c, sizeof(c));
		snprintf(err, errlen,
			 "kmm: a machine of %s needs about %s of host memory for its struct pages (%zu bytes for each of "
			 "%llu page frames) and this host can give %s (%s): boot a smaller machine",
			 a, b, sizeof(struct page), (unsigned long long)frames, c, what);
		return -ENOMEM;
	}
	/* the address space: RAM's window and mem_map, reserved together for a moment */
	void *probe = mmap(NULL, ram_bytes + memmap_span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (probe == MAP_FAILED) {
		human(ram_bytes + memmap_span, b, sizeof(b));
		snprintf(err, errlen,
			 "kmm: a machine of %s needs %s of host address space for its RAM window and mem_map, and the "
			 "host refuses it (%s; RLIMIT_AS is ulimit -v): boot a smaller machine",
			 a, b, strerror(errno));
		return -ENOMEM;
	}
	munmap(probe, ram_bytes + memmap_span);
	return 0;
}

/*
 * The direct map at a host address aligned to the largest buddy block, as
 * Linux's direct map is aligned: a block of order n is then aligned to its
 * size in host addresses too (a kmalloc_large or alloc_pages caller that
 * needs its block's natural alignment - memalign in the preload - gets it).
 */
static void *ram_map_aligned(int fd, u64 bytes)
{
	const u64 align = PAGE_SIZE << (MAX_ORDER - 1);
	char *res = mmap(NULL, bytes + align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		return MAP_FAILED;
	char *at = (char *)(((uintptr_t)res + align - 1) & ~(uintptr_t)(align - 1));
	void *base = mmap(at, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE | MAP_FIXED, fd, 0);
	if (base == MAP_FAILED) {
		munmap(res, bytes + align);
		return MAP_FAILED;
	}
	if (at > res)
		munmap(res, (size_t)(at - res));
	if (res + bytes + align > at + bytes)
		munmap(at + bytes, (size_t)(res + bytes + align - (at + bytes)));
	return base;
}

int ram_init(char *err, size_t errlen)
{
	u64 bytes = PFN_PHYS(M->max_pfn);
	u64 direct = PFN_PHYS(M->max_low_pfn);
	int ret = ram_host_check(bytes, err, errlen);
	if (ret)
		return ret;

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
	void *base = ram_map_aligned(fd, bytes);
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

/* ---- fork: the child's RAM is its own --------------------------------------------------- */

/*
 * A fork(2) of the host process shares every MAP_SHARED mapping of the RAM
 * memfd with the child: left so, parent and child would write into one
 * machine's memory.  A forked Linux gets a copy of its parent's memory
 * (copy-on-write); the child of a process running on kmm gets its own copy
 * of the machine the same way, eagerly: ram_fork_private(), in the child,
 * copies the RAM memfd's written extents (SEEK_DATA/SEEK_HOLE: the untouched
 * rest stays sparse) into a new memfd, maps it over every host mapping of
 * the old one - the direct map and each mirrored window page, found in
 * /proc/self/maps by the memfd's inode - at the same place and protection,
 * and takes over the old descriptor number.  The device BAR's memfd goes
 * the same way.  Only the forking thread runs in the child, and the caller
 * holds every CPU and the mirror lock, so nothing changes meanwhile.
 */
static int memfd_copy(int from, u64 size, const char *name)
{
	int to = memfd_create(name, MFD_CLOEXEC);
	if (to < 0)
		return -errno;
	if (ftruncate(to, (off_t)size) < 0)
		goto fail;
	static char buf[1 << 16];
	for (off_t off = 0;;) {
		off_t data = lseek(from, off, SEEK_DATA);
		if (data < 0)
			break; /* ENXIO: no data after off */
		off_t hole = lseek(from, data, SEEK_HOLE);
		if (hole < 0)
			goto fail;
		for (off_t at = data; at < hole;) {
			size_t n = (size_t)min((u64)(hole - at), (u64)sizeof(buf));
			ssize_t r = pread(from, buf, n, at);
			if (r <= 0 || pwrite(to, buf, (size_t)r, at) != r)
				goto fail;
			at += r;
		}
		off = hole;
	}
	return to;
fail:
	close(to);
	return -ENOMEM;
}

/* Map to over every mapping of the file with inode ino (read from /proc/self/maps). */
static int remap_file(unsigned long ino, int to)
{
	int maps = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (maps < 0)
		return -errno;
	static char buf[1 << 16];
	size_t have = 0;
	int ret = 0;
	for (;;) {
		ssize_t r = read(maps, buf + have, sizeof(buf) - 1 - have);
		if (r <= 0)
			break;
		have += (size_t)r;
		buf[have] = 0;
		char *line = buf, *nl;
		while ((nl = strchr(line, '\n'))) {
			*nl = 0;
			unsigned long start, end, ino_l;
			unsigned long long off;
			char perms[8];
			if (sscanf(line, "%lx-%lx %7s %llx %*s %lu", &start, &end, perms, &off, &ino_l) == 5 &&
			    ino_l == ino && strstr(line, "/memfd:")) {
				int prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
					   (perms[2] == 'x' ? PROT_EXEC : 0);
				if (mmap((void *)start, end - start, prot, MAP_SHARED | MAP_FIXED | MAP_NORESERVE, to,
					 (off_t)off) == MAP_FAILED)
					ret = -ENOMEM;
			}
			line = nl + 1;
		}
		have = strlen(line);
		memmove(buf, line, have);
	}
	close(maps);
	return ret;
}

static int fd_make_private(int fd, u64 size, const char *name)
{
	struct stat st;
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0)
		return -errno;
	int to = memfd_copy(fd, size, name);
	if (to < 0)
		return to;
	int ret = remap_file((unsigned long)st.st_ino, to);
	if (!ret && dup3(to, fd, O_CLOEXEC) < 0)
		ret = -errno;
	close(to);
	return ret;
}

int ram_fork_private(void)
{
	int ret = fd_make_private(kmm_ram.fd, kmm_ram.size, "kmm-ram");
	if (!ret && kmm_device.size)
		ret = fd_make_private(kmm_device.fd, kmm_device.size, "kmm-device");
	return ret;
}
