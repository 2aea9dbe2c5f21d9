/*
 * arch/fdt.h - what kmm reads from a flattened device tree (arch/fdt.c):
 * the memory, the reserved-memory regions, /chosen and the CPUs, as
 * drivers/of/fdt.c and of_reserved_mem.c read them at boot.
 */
#ifndef KMM_ARCH_FDT_H
#define KMM_ARCH_FDT_H

#include <kmm/types.h>
#include <stddef.h>

#define KMM_DT_MAX_MEM 64        /* /memory reg entries (memblock's INIT_MEMBLOCK_REGIONS is 128) */
#define KMM_DT_MAX_RSV 32        /* /reserved-memory children (MAX_RESERVED_REGIONS is 64) */
#define KMM_DT_MAX_MEMRESERVE 32 /* /memreserve/ entries of the header's map */
#define KMM_DT_MAX_SIZE (2u << 20) /* MAX_FDT_SIZE: the fixmap holds at most 2 MiB of blob */

struct kmm_dt_mem {
	u64 base, size;          /* [base, base + size), one reg entry of a device_type = "memory" node */
	int nid;                 /* its numa-node-id, -1 if none */
};

/*
 * A /reserved-memory child.  Static (reg) or dynamic (size, with
 * alignment and alloc-ranges): base is where it lies, known for a dynamic
 * one once setup_arm64.c allocated it (__reserved_mem_alloc_size).
 *   shared-dma-pool + reusable: a CMA pool (linux,cma-default: the default
 *   area, dma_contiguous_default_area); no-map: kept out of the linear map.
 */
struct kmm_dt_rsv {
	char name[64];           /* node name: "linux,cma", "nomap@60000000" */
	char compatible[64];     /* first string of compatible, "" if none */
	u64 base, size;
	u64 align;               /* dynamic: alignment (0: SMP_CACHE_BYTES) */
	u64 alloc_start, alloc_end; /* dynamic: the first alloc-ranges entry, [start, end); 0, 0: anywhere */
	bool dynamic, no_map, reusable, cma_default;
	bool allocated;          /* base is valid (static, or dynamic and placed) */
	u32 phandle;             /* what a device's memory-region = <&...> names (0: none) */
};

struct kmm_dt {
	void *blob;              /* our copy of the blob (malloc), totalsize bytes */
	u32 totalsize;           /* fdt_totalsize(): what early_init_fdt_reserve_self() reserves */
	char model[128];         /* /model, or /compatible's first string */
	int addr_cells, size_cells; /* the root's #address-cells and #size-cells */
	int nr_mem;
	struct kmm_dt_mem mem[KMM_DT_MAX_MEM];
	int nr_rsv;
	struct kmm_dt_rsv rsv[KMM_DT_MAX_RSV];
	int nr_memreserve;
	struct { u64 base, size; } memreserve[KMM_DT_MAX_MEMRESERVE];
	char *bootargs;          /* /chosen bootargs (malloc), NULL if none */
	bool has_initrd;         /* /chosen linux,initrd-start and -end */
	u64 initrd_start, initrd_end;
	int nr_cpus;             /* /cpus/cpu@N with device_type "cpu" and status okay */
	bool arm64;              /* a CPU says arm,armv8 or arm,cortex-a3x..a7x (an AArch64 core) */
	u64 dma_max_cpu_addr;    /* of_dma_get_max_cpu_address(NULL); ~0: no dma-ranges limit */
	int nr_pools;            /* of the reserved regions, the CMA pools (reusable shared-dma-pool) */
};

/* Read a blob: checks it whole (fdt_check_full), then the nodes above; 0 or -EINVAL with why in err. */
int kmm_dt_parse(const void *blob, size_t len, struct kmm_dt *dt, char *err, size_t errlen);
void kmm_dt_free(struct kmm_dt *dt);
/*
 * QEMU's virt board as QEMU 7.2 describes it to an ARM kernel: RAM at
 * 0x40000000, CPUs of the given compatible ("arm,cortex-a57" for arm64,
 * "arm,cortex-a15" for 32-bit ARM) with PSCI, a PL011, and /chosen with the
 * command line and initrd.  The blob is padded to 1 MiB, as QEMU's is.
 * 0 or -ENOMEM; *blob is malloc()ed.
 */
int kmm_dt_build_virt(u64 ram_bytes, int nr_cpus, const char *bootargs, u64 initrd_start, u64 initrd_size,
		      const char *cpu, void **blob, size_t *len);

#endif /* KMM_ARCH_FDT_H */
