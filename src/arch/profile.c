/*
 * profile.c - the machine profiles: what a Linux 6.1 configuration of each
 * architecture compiles in, as far as memory management sees it.
 *
 * A profile is the simulated kernel's build: word size, page-table format,
 * which zones exist, FLATMEM or SPARSEMEM, pageblock order, the size of its
 * struct page and of its image.  The figures describe Debian 12's 6.1
 * kernels (linux-image-686, -686-pae, -amd64), the kernels the project
 * compares itself with; they are configuration facts, like a .config, not
 * results: everything that follows from them (zones, watermarks, layout) is
 * computed by the code that uses them.
 *
 *   profile   PAGE_OFFSET          levels  pageblock  struct page  zones
 *   i386      0xc0000000           2       4 MiB      40 B         DMA Normal HighMem Movable
 *   i386-pae  0xc0000000           3       2 MiB      40 B         DMA Normal HighMem Movable
 *   x86_64    0xffff888000000000   4       2 MiB      64 B         DMA DMA32 Normal Movable Device
 *   arm64     0xffff000000000000   4       2 MiB      64 B         DMA DMA32 Normal Movable
 *   arm       0xc0000000           2       4 MiB      36 B         DMA Normal HighMem Movable
 *   arm-lpae  0xc0000000           3       2 MiB      36 B         DMA Normal HighMem Movable
 *
 * arm and arm-lpae are Debian's linux-image-armmp and -armmp-lpae (ARMv7,
 * VMSPLIT_3G, HIGHMEM, FLATMEM, NR_CPUS 8, ZONE_DMA, no NUMA; THP only
 * with LPAE).  Their struct page is 36 bytes (no HAVE_ALIGNED_STRUCT_PAGE
 * on ARM).  L1_CACHE_BYTES is 64 and ARCH_DMA_MINALIGN follows it, so
 * the smallest kmalloc cache is kmalloc-64.  The image is decompressed
 * to PHYS_OFFSET + TEXT_OFFSET (0x208000: the multi-platform build takes
 * the largest of its platforms'), and the linker aligns _stext and
 * __init_begin to a section (1 MiB; 2 MiB with LPAE); setup_arm.c lays
 * the sections out from the sizes below.  Their pageblock: without
 * hugetlb pages (2-level) MAX_ORDER - 1, with LPAE a 2 MiB PMD.  (Debian
 * builds armmp with ARCH_FORCE_MAX_ORDER 12, so its pageblock is order 11
 * and buddyinfo shows 12 orders: kmm's MAX_ORDER is 11 on every profile
 * yet, so arm's pageblock is order 10 - see README, not done.)
 *
 * arm64 is Debian's linux-image-arm64 (4 KiB pages, 48-bit VA, NR_CPUS
 * 256, SPARSEMEM_VMEMMAP with 128 MiB sections, MAX_PHYSMEM_BITS 48, no
 * ZONE_DEVICE).  Its image is placed by the boot loader (QEMU: 2 MiB into
 * RAM), so phys_start is an offset from the start of RAM there, and its
 * sections follow arm64's linker script: text, rodata, init, data, bss,
 * then the idmap/reserved/swapper page directories up to _end.
 * ARCH_DMA_MINALIGN is 128, so its smallest kmalloc cache is kmalloc-128.
 *
 * Only the x86_64 build has CONFIG_NUMA (with NUMA_BALANCING) and
 * PUD-sized THP; /proc/vmstat's set of items follows (mm/vmstat.c).
 *
 * A few options a user may change, as in a .config (struct kmm_kconfig,
 * `--kconfig NAME=VALUE,...`, kmm_kconfig_parse below):
 *
 *   option            Debian x86 (all profiles)   Debian arm64   Debian armmp(-lpae)   values
 *   CMA               n                           y              y                     y, n   (y brings DMA_CMA: cma=)
 *   CMA_SIZE_MBYTES   0 (Kconfig's x86 default)   64             16                    0 .. 67108864 (64 TiB)
 *   PAGE_TABLE_ISOLATION  y (x86_64, i386-pae)    -              -                     y, n   (i386: n only, as Kconfig's
 *                     "depends on X86_64 || X86_PAE"; ARM: no such option)
 *
 * PAGE_TABLE_ISOLATION is what makes x86_64's PGD an order-1 block
 * (PGD_ALLOCATION_ORDER: the kernel's and the user's halves, 8 KiB
 * aligned), whether PTI runs or not.  On i386-pae it changes nothing kmm
 * models: the PGD is an order-1 page only while PTI runs, and it does not
 * on the AMD CPU QEMU's PCs (and kmm's) present, which Meltdown spares.
 *
 * Anything else is refused by name: a typo must not boot another kernel.
 */
#include "internal.h"

#include <kmm/kstrtox.h>

#define ZMASK(z) (1u << (z))

static const struct kmm_profile profiles[] = {
	{
		.name = "i386", .bits = 32, .pae = false, .pt_levels = 2,
		.page_offset = 0xc0000000UL, .pmd_shift = 22,
		.pageblock_order = 10,          /* HUGETLB_PAGE_ORDER with 4 MiB PSE pages */
		.max_arch_pfn = 1UL << 20,      /* 32-bit physical addresses */
		.struct_page_size = 40,
		.zone_mask = ZMASK(ZONE_DMA) | ZMASK(ZONE_NORMAL) | ZMASK(ZONE_HIGHMEM) | ZMASK(ZONE_MOVABLE),
		.flatmem = true, .section_size_bits = 26,
		.thp = true, .nr_cpus_config = 32, .last_pkmap = 1024,
		.pcpu_static = 103316, .pcpu_reserved = 0, .pcpu_atom = PAGE_SIZE,
		.init_on_alloc_default = true, .init_on_free_default = false,
		.phys_start = 0x1000000,
		.text_k = 9327, .rwdata_k = 1246, .rodata_k = 3188, .init_k = 912, .bss_k = 464,
		.rodata_off = 0x91c000, .data_off = 0xc39000, .bss_off = 0xe72000, .alt_k = 32,
		.pgdat_size = 0, .kmalloc_min_shift = 3, .kmem_cache_node_size = 32, .max_physmem_bits = 32,
	},
	{
		.name = "i386-pae", .bits = 32, .pae = true, .pt_levels = 3,
		.page_offset = 0xc0000000UL, .pmd_shift = 21,
		.pageblock_order = 9,           /* 2 MiB pages with PAE */
		.max_arch_pfn = 1UL << 24,      /* MAX_PHYSMEM_BITS 36: 64 GiB */
		.struct_page_size = 40,
		.zone_mask = ZMASK(ZONE_DMA) | ZMASK(ZONE_NORMAL) | ZMASK(ZONE_HIGHMEM) | ZMASK(ZONE_MOVABLE),
		.flatmem = true, .section_size_bits = 29,
		.thp = true, .nr_cpus_config = 32, .last_pkmap = 512,
		.pcpu_static = 104276, .pcpu_reserved = 0, .pcpu_atom = PAGE_SIZE,
		.init_on_alloc_default = true, .init_on_free_default = false,
		.phys_start = 0x1000000,
		.text_k = 9423, .rwdata_k = 1265, .rodata_k = 3188, .init_k = 928, .bss_k = 476,
		.rodata_off = 0x934000, .data_off = 0xc52000, .bss_off = 0xe94000, .alt_k = 32,
		.pgdat_size = 0, .kmalloc_min_shift = 3, .kmem_cache_node_size = 32, .max_physmem_bits = 36,
	},
	{
		.name = "x86_64", .bits = 64, .pae = false, .pt_levels = 4,
		.page_offset = 0xffff888000000000UL, .pmd_shift = 21,
		.pageblock_order = 9,
		.max_arch_pfn = 1UL << (46 - PAGE_SHIFT), /* MAX_PHYSMEM_BITS 46 */
		.struct_page_size = 64,
		.zone_mask = ZMASK(ZONE_DMA) | ZMASK(ZONE_DMA32) | ZMASK(ZONE_NORMAL) | ZMASK(ZONE_MOVABLE) |
			     ZMASK(ZONE_DEVICE),
		.flatmem = false, .section_size_bits = 27,
		.deferred_struct_page_init = true,
		.thp = true, .thp_pud = true, .numa = true, .nr_cpus_config = 8192, .last_pkmap = 0,
		.pcpu_static = 217088, .pcpu_reserved = 8192, .pcpu_atom = 2UL << 20,
		.init_on_alloc_default = true, .init_on_free_default = false,
		.phys_start = 0x1000000,
		.text_k = 14343, .rwdata_k = 2338, .rodata_k = 9116, .init_k = 2820, .bss_k = 17356,
		.rodata_off = 0x1000000, .data_off = 0x1a00000, .bss_off = 0x230d000, .alt_k = 36,
		.bss_decrypted_k = 12,          /* hv_clock_boot and the kvmclock/steal-time pages */
		.pgdat_size = 0x2b000, .kmalloc_min_shift = 3, .kmem_cache_node_size = 64, .max_physmem_bits = 46,
	},
	{
		.name = "arm64", .arch = KMM_ARCH_ARM64, .bits = 64, .pae = false, .pt_levels = 4,
		.page_offset = 0xffff000000000000UL, .pmd_shift = 21,
		.pageblock_order = 9,           /* HUGETLB_PAGE_ORDER: PMD_SHIFT - PAGE_SHIFT */
		.max_arch_pfn = 1UL << (48 - PAGE_SHIFT), /* PHYS_MASK_SHIFT 48 */
		.struct_page_size = 64,
		.zone_mask = ZMASK(ZONE_DMA) | ZMASK(ZONE_DMA32) | ZMASK(ZONE_NORMAL) | ZMASK(ZONE_MOVABLE),
		.flatmem = false, .section_size_bits = 27,
		.deferred_struct_page_init = true,
		.thp = true, .thp_pud = false, .numa = true, .nr_cpus_config = 256, .last_pkmap = 0,
		.pcpu_static = 87208, .pcpu_reserved = 8192, .pcpu_atom = PAGE_SIZE,
		.init_on_alloc_default = true, .init_on_free_default = false,
		.phys_start = 0x200000,         /* _text: 2 MiB into RAM, where QEMU loads an Image */
		/* _stext is _text + 64 KiB (the Image header and the EFI stub's page); offsets from _text */
		.text_k = 13248, .rwdata_k = 2806, .rodata_k = 9504, .init_k = 6464, .bss_k = 627,
		.rodata_off = 0xd18000, .data_off = 0x1cb0000, .bss_off = 0x1f70400, .alt_k = 0,
		.end_k = 0x2010000 / 1024,      /* _end: after .bss, idmap_pg_dir, reserved_pg_dir, swapper_pg_dir */
		.pgdat_size = 0x2c80, .kmalloc_min_shift = 7, .kmem_cache_node_size = 128, .max_physmem_bits = 48,
	},
	{
		.name = "arm", .arch = KMM_ARCH_ARM, .bits = 32, .pae = false, .pt_levels = 2,
		.page_offset = 0xc0000000UL, .pmd_shift = 21, /* a Linux PMD: two 1 MiB hardware sections */
		.pageblock_order = 10,          /* MAX_ORDER - 1 (no hugetlb pages without LPAE) */
		.max_arch_pfn = 1UL << 20,
		.struct_page_size = 36,
		.zone_mask = ZMASK(ZONE_DMA) | ZMASK(ZONE_NORMAL) | ZMASK(ZONE_HIGHMEM) | ZMASK(ZONE_MOVABLE),
		.flatmem = true, .section_size_bits = 28,
		.thp = false, .nr_cpus_config = 8, .last_pkmap = 512, /* PTRS_PER_PTE */
		.pcpu_static = 45012, .pcpu_reserved = 8192, .pcpu_atom = PAGE_SIZE,
		.init_on_alloc_default = true, .init_on_free_default = false,
		.phys_start = 0x208000,         /* TEXT_OFFSET: _text from the start of RAM */
		.text_k = 11264, .rwdata_k = 1700, .rodata_k = 3732, .init_k = 2048, .bss_k = 377,
		.pgdat_size = 0, .kmalloc_min_shift = 6, .kmem_cache_node_size = 64, .max_physmem_bits = 32,
	},
	{
		.name = "arm-lpae", .arch = KMM_ARCH_ARM, .bits = 32, .pae = true, .pt_levels = 3,
		.page_offset = 0xc0000000UL, .pmd_shift = 21,
		.pageblock_order = 9,           /* HUGETLB_PAGE_ORDER: a 2 MiB PMD block */
		.max_arch_pfn = 1UL << (40 - PAGE_SHIFT), /* 40-bit physical addresses */
		.struct_page_size = 36,
		.zone_mask = ZMASK(ZONE_DMA) | ZMASK(ZONE_NORMAL) | ZMASK(ZONE_HIGHMEM) | ZMASK(ZONE_MOVABLE),
		.flatmem = true, .section_size_bits = 28,
		.thp = true, .nr_cpus_config = 8, .last_pkmap = 512,
		.pcpu_static = 45204, .pcpu_reserved = 8192, .pcpu_atom = PAGE_SIZE,
		.init_on_alloc_default = true, .init_on_free_default = false,
		.phys_start = 0x208000,
		.text_k = 12288, .rwdata_k = 1716, .rodata_k = 3752, .init_k = 2048, .bss_k = 384,
		.pgdat_size = 0, .kmalloc_min_shift = 6, .kmem_cache_node_size = 64, .max_physmem_bits = 40,
	},
};

const struct kmm_profile *kmm_profile_find(const char *name)
{
	if (!name || !*name)
		name = "i386";
	for (size_t i = 0; i < ARRAY_SIZE(profiles); i++)
		if (!strcmp(profiles[i].name, name))
			return &profiles[i];
	return NULL;
}

#define KCONFIG_NAMES "CMA, CMA_SIZE_MBYTES, PAGE_TABLE_ISOLATION"

static int kconfig_set(struct kmm_kconfig *kc, const struct kmm_profile *prof, const char *name, const char *val,
		       char *err, size_t errlen)
{
	if (!strncmp(name, "CONFIG_", 7))
		name += 7;
	/* without a profile (kmm_boot_param_set) the value's form only; boot checks it against the profile */
	if (!strcmp(name, "PAGE_TABLE_ISOLATION") && (!prof || prof->arch == KMM_ARCH_X86)) {
		if (strcmp(val, "y") && strcmp(val, "n")) {
			snprintf(err, errlen, "--kconfig PAGE_TABLE_ISOLATION=%s: expected y or n", val);
			return -EINVAL;
		}
		if (val[0] == 'y' && prof && prof->bits == 32 && !prof->pae) {
			snprintf(err, errlen, "--kconfig PAGE_TABLE_ISOLATION=y: needs X86_64 or X86_PAE (profile %s)", prof->name);
			return -EINVAL;
		}
		kc->pti = val[0] == 'y';
		return 0;
	}
	if (!strcmp(name, "CMA")) {
		if (!strcmp(val, "y") || !strcmp(val, "n")) {
			kc->cma = val[0] == 'y';
			return 0;
		}
		snprintf(err, errlen, "--kconfig CMA=%s: expected y or n", val);
		return -EINVAL;
	}
	if (!strcmp(name, "CMA_SIZE_MBYTES")) {
		u64 v;
		if (kmm_parse_count(val, 0, 64ULL << 20, &v)) {
			snprintf(err, errlen, "--kconfig CMA_SIZE_MBYTES=%s: expected a number of MiB from 0 to %llu", val,
				 64ULL << 20);
			return -EINVAL;
		}
		kc->cma_size_mbytes = (unsigned long)v;
		return 0;
	}
	snprintf(err, errlen, "--kconfig: unknown option \"%s\" (kmm's kernel build has: " KCONFIG_NAMES ")", name);
	return -EINVAL;
}

int kmm_kconfig_parse(const char *text, const struct kmm_profile *prof, struct kmm_kconfig *kc, char *err,
		      size_t errlen)
{
	/* Debian's builds: x86 without CMA (CMA_SIZE_MBYTES 0, Kconfig's x86 default); arm64 with 64 MiB, armmp 16 */
	bool arm64 = prof && prof->arch == KMM_ARCH_ARM64, arm = prof && prof->arch == KMM_ARCH_ARM;
	bool pti = prof && prof->arch == KMM_ARCH_X86 && (prof->bits == 64 || prof->pae);
	*kc = (struct kmm_kconfig){ .cma = arm64 || arm, .cma_size_mbytes = arm64 ? 64 : arm ? 16 : 0, .pti = pti };
	if (!text)
		return 0;
	char *copy = strdup(text), *save = NULL;
	if (!copy) {
		snprintf(err, errlen, "--kconfig: out of host memory");
		return -ENOMEM;
	}
	int ret = 0;
	for (char *item = strtok_r(copy, ",", &save); item && !ret; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		if (!eq || eq == item || !eq[1]) {
			snprintf(err, errlen, "--kconfig \"%s\": expected NAME=VALUE[,NAME=VALUE...], e.g. CMA=y,CMA_SIZE_MBYTES=16",
				 text);
			ret = -EINVAL;
			break;
		}
		*eq = 0;
		ret = kconfig_set(kc, prof, item, eq + 1, err, errlen);
	}
	if (!ret && !*text) {
		snprintf(err, errlen, "--kconfig \"\": expected NAME=VALUE[,NAME=VALUE...], e.g. CMA=y,CMA_SIZE_MBYTES=16");
		ret = -EINVAL;
	}
	free(copy);
	return ret;
}
