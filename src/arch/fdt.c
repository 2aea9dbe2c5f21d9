/*
 * fdt.c - the flattened device tree an ARM board boots from: reading it
 * (drivers/of/fdt.c's early scans, of_reserved_mem.c's reserved-memory
 * scan, of_dma_get_max_cpu_address), making QEMU's virt board's tree, and
 * compiling a .dts with dtc.
 *
 * Everything is read with libfdt (Debian's libfdt-dev), never by hand.
 * A blob comes from a file, so it is hostile until proven otherwise:
 *
 *   fdt_check_full()     header, block offsets and sizes inside the buffer,
 *                        every tag, name and property within the structure
 *                        and strings blocks, nesting balanced
 *   cells                #address-cells 1..2 and #size-cells 0..2 where
 *                        kmm reads an address (a u64 holds two cells)
 *   reg / size / ranges  a property's length a whole number of entries;
 *                        base + size must not wrap past 2^64
 *   counts               at most KMM_DT_MAX_* memory ranges, reserved
 *                        regions and /memreserve/ entries: more is refused,
 *                        never truncated silently
 *   strings              bootargs NUL-terminated within its property
 *
 * and any refusal names the node and property.  Nothing of the machine
 * exists yet when this runs (kmm_boot calls it before boot_machine), so a
 * refused tree changes nothing.
 *
 * What kmm takes from the tree (struct kmm_dt, arch/fdt.h):
 *   /memory*          device_type "memory": reg, numa-node-id
 *   /reserved-memory  children: reg (static) or size/alignment/alloc-ranges
 *                     (dynamic), no-map, reusable, compatible, linux,cma-default
 *   /memreserve/      the header's reserve map
 *   /chosen           bootargs, linux,initrd-start/-end (32 or 64 bits)
 *   /cpus             cpu nodes (status okay), and whether they are AArch64
 *   dma-ranges        anywhere: the highest CPU address every DMA master
 *                     reaches (zone_dma_bits); a bus's parent address is
 *                     taken as the CPU address (no nested translation)
 * Not read: interrupt controllers, devices, memory-region users (a device's
 * own pool is kept like any other region), /aliases.
 *
 * The virt board's tree is written with libfdt's sequential-write API: the
 * nodes the kernel's memory management looks at, plus the ones QEMU always
 * has (psci, timer, pl011) so the tree looks like QEMU's to a reader.
 */
#include "internal.h"
#include "arch/fdt.h"

#include <libfdt.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kmm/kmm.h>

#define DT_MAX_DEPTH 64 /* deeper trees are refused (Linux has no limit; real ones nest < 10) */

/* ---- reading ------------------------------------------------------------------ */

/* n cells (1 or 2) at p, big-endian */
static u64 dt_cells(const fdt32_t *p, int n)
{
	u64 v = 0;
	for (int i = 0; i < n; i++)
		v = (v << 32) | fdt32_to_cpu(p[i]);
	return v;
}

static int dt_cells_of(const void *fdt, int node, const char *prop, int dflt, int lo, int hi, int *out, char *err,
		       size_t errlen)
{
	int len;
	const fdt32_t *v = fdt_getprop(fdt, node, prop, &len);
	if (!v) {
		*out = dflt;
		return 0;
	}
	if (len != 4 || (int)fdt32_to_cpu(*v) < lo || (int)fdt32_to_cpu(*v) > hi) {
		snprintf(err, errlen, "device tree: %s of %s is %s (kmm reads %d..%d cells)", prop,
			 fdt_get_name(fdt, node, NULL) ?: "?", len != 4 ? "not one cell" : "out of range", lo, hi);
		return -EINVAL;
	}
	*out = (int)fdt32_to_cpu(*v);
	return 0;
}

/* The path of a node for a message ("/reserved-memory/linux,cma"). */
static const char *dt_path(const void *fdt, int node, char *buf, size_t len)
{
	if (fdt_get_path(fdt, node, buf, (int)len) < 0)
		snprintf(buf, len, "(node at %d)", node);
	return buf;
}

/*
 * A reg-like property of (address, size) pairs: the number of entries, or
 * -EINVAL with why (a length that is not a whole number of entries, a
 * range that wraps).
 */
static int dt_reg(const void *fdt, int node, const char *prop, int ac, int sc, u64 *base, u64 *size, int max,
		  char *err, size_t errlen)
{
	int len;
	char path[256];
	const fdt32_t *p = fdt_getprop(fdt, node, prop, &len);
	if (!p)
		return 0;
	int entry = (ac + sc) * 4;
	if (!entry || len % entry) {
		snprintf(err, errlen, "device tree: %s of %s is %d bytes, not a whole number of %d-byte entries", prop,
			 dt_path(fdt, node, path, sizeof(path)), len, entry);
		return -EINVAL;
	}
	int n = len / entry;
	if (n > max) {
		snprintf(err, errlen, "device tree: %s of %s has %d entries; kmm reads at most %d", prop,
			 dt_path(fdt, node, path, sizeof(path)), n, max);
		return -EINVAL;
	}
	for (int i = 0; i < n; i++, p += ac + sc) {
		base[i] = dt_cells(p, ac);
		size[i] = sc ? dt_cells(p + ac, sc) : 0;
		if (base[i] + size[i] < base[i]) {
			snprintf(err, errlen, "device tree: %s of %s: [%#llx + %#llx] wraps past the end of the address space",
				 prop, dt_path(fdt, node, path, sizeof(path)), (unsigned long long)base[i],
				 (unsigned long long)size[i]);
			return -EINVAL;
		}
	}
	return n;
}

static bool dt_available(const void *fdt, int node)
{
	int len;
	const char *s = fdt_getprop(fdt, node, "status", &len);
	return !s || (len >= 2 && (!strncmp(s, "okay", (size_t)len) || !strncmp(s, "ok", (size_t)len)));
}

/* A string property, checked to end within the property; NULL if absent or not a string. */
static const char *dt_string(const void *fdt, int node, const char *prop)
{
	int len;
	const char *s = fdt_getprop(fdt, node, prop, &len);
	if (!s || len < 1 || s[len - 1] || strnlen(s, (size_t)len) >= (size_t)len)
		return NULL;
	return s;
}

static int dt_memory(const void *fdt, struct kmm_dt *dt, char *err, size_t errlen)
{
	int node;
	fdt_for_each_subnode(node, fdt, 0) {
		const char *type = dt_string(fdt, node, "device_type");
		if (!type || strcmp(type, "memory") || !dt_available(fdt, node))
			continue;
		u64 base[KMM_DT_MAX_MEM], size[KMM_DT_MAX_MEM];
		int room = KMM_DT_MAX_MEM - dt->nr_mem;
		int n = dt_reg(fdt, node, "reg", dt->addr_cells, dt->size_cells, base, size, room, err, errlen);
		if (n < 0)
			return n;
		int len, nid = -1;
		const fdt32_t *id = fdt_getprop(fdt, node, "numa-node-id", &len);
		if (id) {
			if (len != 4 || fdt32_to_cpu(*id) >= MAX_NUMNODES) {
				char path[256];
				snprintf(err, errlen, "device tree: numa-node-id of %s is not a node number below %d",
					 dt_path(fdt, node, path, sizeof(path)), MAX_NUMNODES);
				return -EINVAL;
			}
			nid = (int)fdt32_to_cpu(*id);
		}
		for (int i = 0; i < n; i++) {
			if (!size[i])
				continue;
			dt->mem[dt->nr_mem++] = (struct kmm_dt_mem){ base[i], size[i], nid };
		}
	}
	if (node < 0 && node != -FDT_ERR_NOTFOUND) {
		snprintf(err, errlen, "device tree: %s", fdt_strerror(node));
		return -EINVAL;
	}
	return 0;
}

static int dt_reserved_memory(const void *fdt, struct kmm_dt *dt, char *err, size_t errlen)
{
	int parent = fdt_path_offset(fdt, "/reserved-memory"), node, ac, sc;
	if (parent < 0)
		return 0;
	if (dt_cells_of(fdt, parent, "#address-cells", dt->addr_cells, 1, 2, &ac, err, errlen) ||
	    dt_cells_of(fdt, parent, "#size-cells", dt->size_cells, 1, 2, &sc, err, errlen))
		return -EINVAL;
	if (ac != dt->addr_cells || sc != dt->size_cells) {
		/* fdt_scan_reserved_mem(): "reserved-memory node has invalid #address-cells / #size-cells" */
		snprintf(err, errlen, "device tree: /reserved-memory's #address-cells/#size-cells (%d/%d) differ from the root's (%d/%d)",
			 ac, sc, dt->addr_cells, dt->size_cells);
		return -EINVAL;
	}
	fdt_for_each_subnode(node, fdt, parent) {
		char path[256];
		if (!dt_available(fdt, node))
			continue;
		if (dt->nr_rsv >= KMM_DT_MAX_RSV) {
			snprintf(err, errlen, "device tree: more than %d /reserved-memory regions", KMM_DT_MAX_RSV);
			return -EINVAL;
		}
		struct kmm_dt_rsv *r = &dt->rsv[dt->nr_rsv];
		memset(r, 0, sizeof(*r));
		snprintf(r->name, sizeof(r->name), "%s", fdt_get_name(fdt, node, NULL) ?: "?");
		const char *compat = dt_string(fdt, node, "compatible");
		snprintf(r->compatible, sizeof(r->compatible), "%s", compat ? compat : "");
		r->no_map = fdt_getprop(fdt, node, "no-map", NULL) != NULL;
		r->reusable = fdt_getprop(fdt, node, "reusable", NULL) != NULL;
		r->cma_default = fdt_getprop(fdt, node, "linux,cma-default", NULL) != NULL;
		r->phandle = fdt_get_phandle(fdt, node);
		if (r->no_map && r->reusable) {
			/* __reserved_mem_init_node refuses it: "reusable" and "no-map" contradict each other */
			snprintf(err, errlen, "device tree: %s is both no-map and reusable", dt_path(fdt, node, path, sizeof(path)));
			return -EINVAL;
		}
		u64 base[KMM_DT_MAX_RSV], size[KMM_DT_MAX_RSV];
		int n = dt_reg(fdt, node, "reg", ac, sc, base, size, KMM_DT_MAX_RSV, err, errlen);
		if (n < 0)
			return n;
		if (n > 1) {
			snprintf(err, errlen, "device tree: %s has %d reg entries; kmm keeps one range per region",
				 dt_path(fdt, node, path, sizeof(path)), n);
			return -EINVAL;
		}
		if (n == 1) {
			r->base = base[0];
			r->size = size[0];
			r->allocated = true;
		} else {
			int len;
			const fdt32_t *p = fdt_getprop(fdt, node, "size", &len);
			if (!p) {
				/* Linux skips a node without reg or size */
				continue;
			}
			if (len != sc * 4) {
				snprintf(err, errlen, "device tree: size of %s is %d bytes, not #size-cells (%d) cells",
					 dt_path(fdt, node, path, sizeof(path)), len, sc);
				return -EINVAL;
			}
			r->size = dt_cells(p, sc);
			r->dynamic = true;
			p = fdt_getprop(fdt, node, "alignment", &len);
			if (p) {
				if (len != ac * 4) {
					snprintf(err, errlen, "device tree: invalid alignment property in %s",
						 dt_path(fdt, node, path, sizeof(path)));
					return -EINVAL;
				}
				r->align = dt_cells(p, ac);
				if (r->align & (r->align - 1)) {
					snprintf(err, errlen, "device tree: alignment %#llx of %s is not a power of two",
						 (unsigned long long)r->align, dt_path(fdt, node, path, sizeof(path)));
					return -EINVAL;
				}
			}
			u64 as[KMM_DT_MAX_RSV], asz[KMM_DT_MAX_RSV];
			int na = dt_reg(fdt, node, "alloc-ranges", ac, sc, as, asz, KMM_DT_MAX_RSV, err, errlen);
			if (na < 0)
				return na;
			if (na > 0) {
				r->alloc_start = as[0];
				r->alloc_end = as[0] + asz[0];
			}
		}
		if (!r->size) {
			snprintf(err, errlen, "device tree: %s reserves 0 bytes", dt_path(fdt, node, path, sizeof(path)));
			return -EINVAL;
		}
		if (r->reusable && !strcmp(r->compatible, "shared-dma-pool"))
			dt->nr_pools++;
		dt->nr_rsv++;
	}
	return 0;
}

static int dt_chosen(const void *fdt, struct kmm_dt *dt, char *err, size_t errlen)
{
	int node = fdt_path_offset(fdt, "/chosen"), ls, le;
	if (node < 0)
		return 0;
	int len;
	const char *args = fdt_getprop(fdt, node, "bootargs", &len);
	if (args) {
		if (len < 1 || args[len - 1] || strlen(args) + 1 != (size_t)len) {
			snprintf(err, errlen, "device tree: /chosen bootargs is not one NUL-terminated string");
			return -EINVAL;
		}
		dt->bootargs = strdup(args);
		if (!dt->bootargs)
			return -ENOMEM;
	}
	const fdt32_t *s = fdt_getprop(fdt, node, "linux,initrd-start", &ls);
	const fdt32_t *e = fdt_getprop(fdt, node, "linux,initrd-end", &le);
	if (!s || !e)
		return 0;
	/* early_init_dt_check_for_initrd(): each one or two cells, by its length */
	if ((ls != 4 && ls != 8) || (le != 4 && le != 8)) {
		snprintf(err, errlen, "device tree: /chosen linux,initrd-start/-end must be 4 or 8 bytes each");
		return -EINVAL;
	}
	dt->initrd_start = dt_cells(s, ls / 4);
	dt->initrd_end = dt_cells(e, le / 4);
	if (dt->initrd_end <= dt->initrd_start) {
		snprintf(err, errlen, "device tree: /chosen initrd [%#llx, %#llx) is empty or reversed",
			 (unsigned long long)dt->initrd_start, (unsigned long long)dt->initrd_end);
		return -EINVAL;
	}
	dt->has_initrd = true;
	return 0;
}

static void dt_cpus(const void *fdt, struct kmm_dt *dt)
{
	int parent = fdt_path_offset(fdt, "/cpus"), node;
	if (parent < 0)
		return;
	fdt_for_each_subnode(node, fdt, parent) {
		const char *type = dt_string(fdt, node, "device_type");
		if (!type || strcmp(type, "cpu") || !dt_available(fdt, node))
			continue;
		dt->nr_cpus++;
		int len;
		const char *c = fdt_getprop(fdt, node, "compatible", &len);
		/* every string of the list: "arm,cortex-a57", "arm,armv8" */
		for (int off = 0; c && off < len;) {
			const char *one = c + off;
			size_t n = strnlen(one, (size_t)(len - off));
			if (!strncmp(one, "arm,armv8", n < 9 ? 9 : n) ||
			    (n >= 13 && !strncmp(one, "arm,cortex-a", 12) &&
			     (one[12] == '3' || one[12] == '5' || one[12] == '7') && one[13] != '\0' &&
			     strchr("0123456789", one[13])) ||
			    !strncmp(one, "arm,neoverse", 12))
				dt->arm64 = true;
			off += (int)n + 1;
		}
	}
}

/* of_dma_get_max_cpu_address(): over every available node with dma-ranges, the lowest highest address */
static int dt_dma_limit(const void *fdt, struct kmm_dt *dt, char *err, size_t errlen)
{
	dt->dma_max_cpu_addr = ~0ULL;
	int depth = 0, node = 0;
	int ac_stack[DT_MAX_DEPTH + 1];
	ac_stack[0] = dt->addr_cells;
	for (node = fdt_next_node(fdt, 0, &depth); node >= 0 && depth > 0; node = fdt_next_node(fdt, node, &depth)) {
		if (depth > DT_MAX_DEPTH) {
			snprintf(err, errlen, "device tree: nested deeper than %d nodes", DT_MAX_DEPTH);
			return -EINVAL;
		}
		int ac, sc;
		/* a node's children use its cells; the node's own dma-ranges use its cells and its parent's address cells */
		if (dt_cells_of(fdt, node, "#address-cells", 2, 1, 3, &ac, err, errlen) ||
		    dt_cells_of(fdt, node, "#size-cells", 1, 0, 2, &sc, err, errlen))
			return -EINVAL;
		ac_stack[depth] = ac;
		int len;
		const fdt32_t *p = fdt_getprop(fdt, node, "dma-ranges", &len);
		if (!p || !len || !dt_available(fdt, node))
			continue;
		int pac = ac_stack[depth - 1], entry = (ac + pac + sc) * 4;
		char path[256];
		if (pac > 2 || sc < 1 || len % entry) {
			snprintf(err, errlen, "device tree: dma-ranges of %s is not a whole number of (%d+%d+%d)-cell entries",
				 dt_path(fdt, node, path, sizeof(path)), ac, pac, sc);
			return -EINVAL;
		}
		u64 cpu_end = 0;
		for (int i = 0; i < len / entry; i++, p += ac + pac + sc) {
			u64 cpu = dt_cells(p + ac, pac), size = dt_cells(p + ac + pac, sc);
			if (!size || cpu + size - 1 < cpu) {
				snprintf(err, errlen, "device tree: dma-ranges of %s: [%#llx + %#llx] is empty or wraps",
					 dt_path(fdt, node, path, sizeof(path)), (unsigned long long)cpu,
					 (unsigned long long)size);
				return -EINVAL;
			}
			cpu_end = max(cpu_end, cpu + size - 1);
		}
		dt->dma_max_cpu_addr = min(dt->dma_max_cpu_addr, cpu_end);
	}
	return 0;
}

int kmm_dt_parse(const void *blob, size_t len, struct kmm_dt *dt, char *err, size_t errlen)
{
	memset(dt, 0, sizeof(*dt));
	if (!blob || len < sizeof(struct fdt_header)) {
		snprintf(err, errlen, "device tree: %zu bytes are too few for a flattened device tree header", len);
		return -EINVAL;
	}
	int ret = fdt_check_header(blob);
	if (ret) {
		snprintf(err, errlen, "device tree: bad header: %s", fdt_strerror(ret));
		return -EINVAL;
	}
	if (fdt_totalsize(blob) > len || fdt_totalsize(blob) > KMM_DT_MAX_SIZE) {
		snprintf(err, errlen, "device tree: the header's totalsize %u is beyond the %zu bytes given%s",
			 fdt_totalsize(blob), len, fdt_totalsize(blob) > KMM_DT_MAX_SIZE ? " or the 2 MiB a kernel maps" : "");
		return -EINVAL;
	}
	ret = fdt_check_full(blob, fdt_totalsize(blob));
	if (ret) {
		snprintf(err, errlen, "device tree: malformed: %s", fdt_strerror(ret));
		return -EINVAL;
	}
	dt->totalsize = fdt_totalsize(blob);
	dt->blob = malloc(dt->totalsize);
	if (!dt->blob)
		return -ENOMEM;
	memcpy(dt->blob, blob, dt->totalsize);
	const void *fdt = dt->blob;
	if (dt_cells_of(fdt, 0, "#address-cells", 2, 1, 2, &dt->addr_cells, err, errlen) ||
	    dt_cells_of(fdt, 0, "#size-cells", 1, 1, 2, &dt->size_cells, err, errlen))
		goto bad;
	const char *model = dt_string(fdt, 0, "model");
	if (!model)
		model = dt_string(fdt, 0, "compatible");
	snprintf(dt->model, sizeof(dt->model), "%s", model ? model : "");
	int n = fdt_num_mem_rsv(fdt);
	if (n > KMM_DT_MAX_MEMRESERVE) {
		snprintf(err, errlen, "device tree: %d /memreserve/ entries; kmm reads at most %d", n, KMM_DT_MAX_MEMRESERVE);
		goto bad;
	}
	for (int i = 0; i < n; i++) {
		uint64_t a, s;
		if (fdt_get_mem_rsv(fdt, i, &a, &s) || a + s < a) {
			snprintf(err, errlen, "device tree: /memreserve/ entry %d is unreadable or wraps", i);
			goto bad;
		}
		dt->memreserve[dt->nr_memreserve].base = a;
		dt->memreserve[dt->nr_memreserve++].size = s;
	}
	if ((ret = dt_memory(fdt, dt, err, errlen)) || (ret = dt_reserved_memory(fdt, dt, err, errlen)) ||
	    (ret = dt_chosen(fdt, dt, err, errlen)) || (ret = dt_dma_limit(fdt, dt, err, errlen)))
		goto bad;
	dt_cpus(fdt, dt);
	if (!dt->nr_mem) {
		snprintf(err, errlen, "device tree: no /memory node with a reg range: the board has no RAM");
		goto bad;
	}
	return 0;
bad:
	kmm_dt_free(dt);
	return -EINVAL;
}

void kmm_dt_free(struct kmm_dt *dt)
{
	if (!dt)
		return;
	free(dt->blob);
	free(dt->bootargs);
	dt->blob = NULL;
	dt->bootargs = NULL;
}

/* ---- QEMU's virt board ------------------------------------------------------------- */

#define VIRT_RAM_BASE 0x40000000ULL
#define VIRT_UART_BASE 0x09000000ULL
#define QEMU_DTB_SIZE (1u << 20) /* QEMU's virt pads its generated blob to 1 MiB */

static int fdt_prop_u64_pair(void *fdt, const char *name, u64 a, u64 b)
{
	fdt64_t v[2] = { cpu_to_fdt64(a), cpu_to_fdt64(b) };
	return fdt_property(fdt, name, v, sizeof(v));
}

int kmm_dt_build_virt(u64 ram_bytes, int nr_cpus, const char *bootargs, u64 initrd_start, u64 initrd_size,
		      const char *cpu, void **blobp, size_t *lenp)
{
	void *fdt = calloc(1, QEMU_DTB_SIZE);
	if (!fdt)
		return -ENOMEM;
	char name[64];
	int r = fdt_create(fdt, QEMU_DTB_SIZE);
	r = r ?: fdt_finish_reservemap(fdt);
	r = r ?: fdt_begin_node(fdt, "");
	r = r ?: fdt_property_u32(fdt, "interrupt-parent", 0x8002);
	r = r ?: fdt_property_string(fdt, "model", "linux,dummy-virt");
	r = r ?: fdt_property_u32(fdt, "#size-cells", 2);
	r = r ?: fdt_property_u32(fdt, "#address-cells", 2);
	r = r ?: fdt_property_string(fdt, "compatible", "linux,dummy-virt");
	/* psci */
	r = r ?: fdt_begin_node(fdt, "psci");
	static const char psci[] = "arm,psci-1.0\0arm,psci-0.2\0arm,psci", uart[] = "arm,pl011\0arm,primecell",
			  timer[] = "arm,armv8-timer\0arm,armv7-timer"; /* string lists: each NUL-terminated */
	r = r ?: fdt_property(fdt, "compatible", psci, sizeof(psci));
	r = r ?: fdt_property_string(fdt, "method", "hvc");
	r = r ?: fdt_end_node(fdt);
	/* RAM */
	snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)VIRT_RAM_BASE);
	r = r ?: fdt_begin_node(fdt, name);
	r = r ?: fdt_prop_u64_pair(fdt, "reg", VIRT_RAM_BASE, ram_bytes);
	r = r ?: fdt_property_string(fdt, "device_type", "memory");
	r = r ?: fdt_end_node(fdt);
	/* the console */
	snprintf(name, sizeof(name), "pl011@%llx", (unsigned long long)VIRT_UART_BASE);
	r = r ?: fdt_begin_node(fdt, name);
	r = r ?: fdt_property(fdt, "compatible", uart, sizeof(uart));
	r = r ?: fdt_prop_u64_pair(fdt, "reg", VIRT_UART_BASE, 0x1000);
	r = r ?: fdt_end_node(fdt);
	/* the CPUs */
	r = r ?: fdt_begin_node(fdt, "cpus");
	r = r ?: fdt_property_u32(fdt, "#size-cells", 0);
	r = r ?: fdt_property_u32(fdt, "#address-cells", 1);
	for (int c = 0; c < nr_cpus && !r; c++) {
		snprintf(name, sizeof(name), "cpu@%x", c);
		r = r ?: fdt_begin_node(fdt, name);
		r = r ?: fdt_property_string(fdt, "enable-method", "psci");
		r = r ?: fdt_property_u32(fdt, "reg", (uint32_t)c);
		r = r ?: fdt_property_string(fdt, "compatible", cpu);
		r = r ?: fdt_property_string(fdt, "device_type", "cpu");
		r = r ?: fdt_end_node(fdt);
	}
	r = r ?: fdt_end_node(fdt);
	/* the timer */
	r = r ?: fdt_begin_node(fdt, "timer");
	r = r ?: fdt_property(fdt, "compatible", timer, sizeof(timer));
	r = r ?: fdt_end_node(fdt);
	/* what the boot loader tells the kernel */
	r = r ?: fdt_begin_node(fdt, "chosen");
	if (initrd_size) {
		r = r ?: fdt_property_u32(fdt, "linux,initrd-end", (uint32_t)(initrd_start + initrd_size));
		r = r ?: fdt_property_u32(fdt, "linux,initrd-start", (uint32_t)initrd_start);
	}
	r = r ?: fdt_property_string(fdt, "bootargs", bootargs ? bootargs : "");
	snprintf(name, sizeof(name), "/pl011@%llx", (unsigned long long)VIRT_UART_BASE);
	r = r ?: fdt_property_string(fdt, "stdout-path", name);
	r = r ?: fdt_end_node(fdt);
	r = r ?: fdt_end_node(fdt);
	r = r ?: fdt_finish(fdt);
	r = r ?: fdt_open_into(fdt, fdt, QEMU_DTB_SIZE); /* totalsize: the padded 1 MiB */
	if (r) {
		free(fdt);
		return r == -FDT_ERR_NOSPACE ? -ENOMEM : -EINVAL;
	}
	*blobp = fdt;
	*lenp = QEMU_DTB_SIZE;
	return 0;
}

/* ---- dtc ------------------------------------------------------------------------------- */

/*
 * kmm_dtc(): `dtc -I dts -O dtb -o - PATH`, its output read back whole
 * (at most 2 MiB, what a kernel maps), its messages on our stderr.  dtc is
 * Debian's device-tree-compiler; the Makefile installs it with libfdt-dev.
 */
int kmm_dtc(const char *path, void **blobp, size_t *lenp, char *err, size_t errlen)
{
	int fds[2];
	if (!path || pipe(fds)) {
		snprintf(err, errlen, "dtc: %s", path ? strerror(errno) : "no file");
		return -EINVAL;
	}
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		snprintf(err, errlen, "dtc: fork: %s", strerror(errno));
		return -EINVAL;
	}
	if (!pid) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execlp("dtc", "dtc", "-q", "-I", "dts", "-O", "dtb", "-o", "-", path, (char *)NULL);
		fprintf(stderr, "kmm: cannot run dtc (install Debian's device-tree-compiler): %s\n", strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	size_t cap = 64 << 10, len = 0;
	char *buf = malloc(cap);
	ssize_t n = 0;
	while (buf && (n = read(fds[0], buf + len, cap - len)) > 0) {
		len += (size_t)n;
		if (len == cap) {
			if (cap >= KMM_DT_MAX_SIZE)
				break;
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	close(fds[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!buf || !WIFEXITED(status) || WEXITSTATUS(status) || !len || len >= KMM_DT_MAX_SIZE) {
		snprintf(err, errlen, "dtc could not compile %s%s", path,
			 !buf ? ": out of memory" : len >= KMM_DT_MAX_SIZE ? ": the blob passes 2 MiB" :
			 WIFEXITED(status) && WEXITSTATUS(status) == 127 ? ": dtc is not installed" : "");
		free(buf);
		return -EINVAL;
	}
	*blobp = buf;
	*lenp = len;
	return 0;
}
