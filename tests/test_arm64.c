/*
 * test_arm64.c - the arm64 profile and booting from a device tree, against
 * real Debian 6.1 arm64 boots on QEMU's virt board (tests/data/
 * linux-ref-arm: arm64-1G, and arm64-1G-dt-reserved-memory with a 32 MiB
 * CMA pool and a 1 MiB no-map region in its /reserved-memory).
 *
 * The default board (`kmm boot --profile arm64`) is kmm's own device tree
 * of QEMU's virt machine; with the capture's initrd size it is the same
 * machine as arm64-1G.  Hostile blobs are refused before any machine exists.
 */
#define _GNU_SOURCE
#include "kmm_test.h"

#include <sys/stat.h>
#include <unistd.h>

#include <libfdt.h>
#include <kmm/slab.h>
#include <kmm/pgtable.h>

#include "arch/fdt.h"
#include "sim/ram.h"

#include <kmm/swap.h>
#include <kmm/task.h>
#include <sys/mman.h>

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(arm64, .fini = fini, .timeout = 120);

#define REF_1G "arm64-1G"
#define REF_RSV "arm64-1G-dt-reserved-memory"
#define CAPTURE_INITRD 0xf1144 /* the capture's initramfs: linux,initrd-end - linux,initrd-start */

static void boot_default_1g(void)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "arm64";
	p.mem_bytes = 1ULL << 30;
	p.initrd_bytes = CAPTURE_INITRD;
	p.cmdline = "console=ttyAMA0 loglevel=7 panic=-1 no_hash_pointers nokaslr";
	boot_or_fail(&p);
}

static int boot_dtb_file(const char *machine, const char *cmdline, char *err, size_t errlen)
{
	return boot_arm_dtb(machine, NULL, cmdline, err, errlen);
}

static void check_zone_block(const char *machine)
{
	char *ref = arm_ref(machine, "dmesg.txt");
	char *want = zone_ranges_block(ref), *got = zone_ranges_block(kmm_dmesg());
	cr_expect_str_eq(got, want, "%s: the zone ranges differ:\n--- kmm\n%s--- Linux\n%s", machine, got, want);
	free(want);
	free(got);
	free(ref);
}

/* spans exact, managed within 0.5%, watermarks and protection exact */
static void check_zones(const char *machine, double managed_tolerance)
{
	char *ref = arm_ref(machine, "zoneinfo.txt");
	char *got = kmm_proc_read("zoneinfo");
	static const char *const zones[] = { "DMA", "DMA32", "Normal", "Movable" };
	for (size_t z = 0; z < ARRAY_SIZE(zones); z++) {
		static const char *const exact[] = { "spanned", "present", "start_pfn:", "min", "low", "high" };
		for (size_t f = 0; f < ARRAY_SIZE(exact); f++)
			cr_expect_eq(zoneinfo_field(got, 0, zones[z], exact[f]), zoneinfo_field(ref, 0, zones[z], exact[f]),
				     "%s %s %s: kmm %ld, Linux %ld", machine, zones[z], exact[f],
				     zoneinfo_field(got, 0, zones[z], exact[f]), zoneinfo_field(ref, 0, zones[z], exact[f]));
		long want = zoneinfo_field(ref, 0, zones[z], "managed"), have = zoneinfo_field(got, 0, zones[z], "managed");
		cr_expect(labs(have - want) <= (long)(want * managed_tolerance), "%s %s managed: kmm %ld, Linux %ld", machine,
			  zones[z], have, want);
		char pw[128] = "", pg[128] = "";
		zoneinfo_protection(ref, 0, zones[z], pw, sizeof(pw));
		zoneinfo_protection(got, 0, zones[z], pg, sizeof(pg));
		cr_expect_str_eq(pg, pw, "%s %s protection: kmm %s, Linux %s", machine, zones[z], pg, pw);
	}
	char *mfk = kmm_proc_read("sys/vm/min_free_kbytes");
	cr_expect_eq(atol(mfk), 22528, "min_free_kbytes %s (THP's recommendation on arm64 with 1 GiB)", mfk);
	free(mfk);
	free(ref);
	free(got);
}

Test(arm64, default_board_is_the_capture)
{
	boot_default_1g();
	check_zone_block(REF_1G);
	check_zones(REF_1G, 0.005);
	/* deferred struct pages: the Memory: line counts the first section's early frees only */
	char *ref = arm_ref(REF_1G, "dmesg.txt");
	char *want = log_lines(ref, "Memory: "), *got = log_lines(kmm_dmesg(), "Memory: ");
	cr_expect(!strncmp(got, want, strlen("Memory: 98324K/1048576K available (13248K kernel code, 2806K rwdata, 9504K rodata, 6464K init, 627K bss")),
		  "kmm: %s\nLinux: %s", got, want);
	free(want);
	free(got);
	/* NODES_SHIFT 4 on Debian's arm64: the workingset shadow's timestamp bits */
	want = log_lines(ref, "workingset: ");
	got = log_lines(kmm_dmesg(), "workingset: ");
	cr_expect_str_eq(got, want);
	free(want);
	free(got);
	free(ref);
}

Test(arm64, layout)
{
	boot_default_1g();
	const struct kmm_layout *l = &M->layout;
	cr_expect_eq(l->linear_base, 0xffff000000000000UL);
	cr_expect_eq(l->phys_offset, 0x40000000UL);
	cr_expect_eq(l->page_offset + 0x40000000UL, 0xffff000000000000UL, "__va(PHYS_OFFSET) is PAGE_OFFSET");
	cr_expect_eq(l->modules_vaddr, 0xffff800000000000UL);
	cr_expect_eq(l->vmalloc_start, 0xffff800008000000UL);
	cr_expect_eq(l->vmalloc_end, 0xfffffbffefffffffUL + 1);
	cr_expect_eq(l->vmemmap_base + (0x40000000UL >> PAGE_SHIFT) * 64, 0xfffffc0000000000UL);
	cr_expect_eq(l->pci_io_start, 0xfffffbfffe800000UL);
	cr_expect_eq(l->fixaddr_top, 0xfffffbfffe000000UL);
	char *lay = kmm_proc_read("kmm/layout");
	cr_expect(strstr(lay, "    modules : 0xffff800000000000 - 0xffff800008000000   (     128 MB)\n"), "%s", lay);
	cr_expect(strstr(lay, "    PCI I/O : 0xfffffbfffe800000 - 0xfffffbffff800000   (      16 MB)\n"), "%s", lay);
	cr_expect(strstr(lay, "    vmemmap : 0xfffffc0000000000 - 0xfffffe0000000000"), "%s", lay);
	cr_expect(strstr(lay, "     memory : 0xffff000000000000 - 0xffff000040000000   (    1024 MB)\n"), "%s", lay);
	free(lay);
	/* VmallocTotal as the capture's meminfo */
	char *mi = kmm_proc_read("meminfo");
	cr_expect(strstr(mi, "VmallocTotal:   133143592960 kB"), "%s", mi);
	free(mi);
	/* a kmalloc'ed object is in the linear map, and its page is where __pa says */
	void *obj = kmalloc(100, GFP_KERNEL);
	unsigned long kva = kmm_host_to_kva(obj);
	cr_expect(kva >= 0xffff000000000000UL && kva < 0xffff000040000000UL, "kva %#lx", kva);
	phys_addr_t pa;
	cr_expect(kernel_va_to_phys(kva, &pa));
	cr_expect_eq(pa, kva - 0xffff000000000000UL + 0x40000000UL);
	kfree(obj);
}

Test(arm64, slabinfo_kmalloc_geometry)
{
	boot_default_1g();
	char *ref = arm_ref(REF_1G, "slabinfo.txt"), *got = kmm_proc_read("slabinfo");
	int checked = expect_kmalloc_geometry(ref, got);
	cr_expect_eq(checked, 28, "the capture's 4 x 7 kmalloc caches (128 .. 8k)");
	/* ARCH_DMA_MINALIGN 128: nothing smaller */
	static const char *const absent[] = { "\nkmalloc-8 ", "\nkmalloc-64 ", "\nkmalloc-96 ", "\nkmalloc-192 " };
	for (size_t i = 0; i < ARRAY_SIZE(absent); i++)
		cr_expect_null(strstr(got, absent[i]), "kmm has%s", absent[i]);
	void *small = kmalloc(8, GFP_KERNEL), *mid = kmalloc(150, GFP_KERNEL);
	cr_expect_eq(ksize(small), 128);
	cr_expect_eq(ksize(mid), 256);
	kfree(small);
	kfree(mid);
	free(ref);
	free(got);
}

Test(arm64, boots_the_captures_dtb)
{
	char err[256] = "";
	cr_assert_eq(boot_dtb_file(REF_1G, NULL, err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(M->prof->name, "arm64", "the tree's cortex-a57 picks the profile");
	assert_machine_sane();
	check_zone_block(REF_1G);
	check_zones(REF_1G, 0.005);
	cr_expect_not_null(strstr(kmm_dmesg(), "Kernel command line: console=ttyAMA0 loglevel=7 panic=-1 no_hash_pointers nokaslr"));
	cr_expect_eq(M->initrd_start, 0x48000000ULL, "/chosen linux,initrd-start");
	cr_expect_not_null(strstr(kmm_dmesg(), "Machine model: linux,dummy-virt"));
}

Test(arm64, reserved_memory_pool_and_nomap)
{
	char err[256] = "";
	cr_assert_eq(boot_dtb_file(REF_RSV, NULL, err, sizeof(err)), 0, "%s", err);
	char *ref = arm_ref(REF_RSV, "dmesg.txt");
	char *want = log_lines(ref, "Reserved memory: "), *got = log_lines(kmm_dmesg(), "Reserved memory: ");
	cr_expect_str_eq(got, want);
	free(want);
	free(got);
	check_zone_block(REF_RSV);
	check_zones(REF_RSV, 0.005);
	/* the no-map MiB at 0x60000000 stays out of the buddy allocator */
	for (unsigned long pfn = 0x60000; pfn < 0x60100; pfn++)
		cr_expect(PageReserved(pfn_to_page(pfn)), "pfn %#lx of the no-map region is not reserved", pfn);
	cr_expect(!PageReserved(pfn_to_page(0x60100)));
	/* and out of the linear map (map_mem skips MEMBLOCK_NOMAP), its neighbours in it */
	phys_addr_t pa;
	cr_expect(!kernel_va_to_phys(M->layout.page_offset + 0x60000000UL, &pa), "the no-map region has a linear alias");
	cr_expect(!kernel_va_to_phys(M->layout.page_offset + 0x600ff000UL, &pa));
	cr_expect(kernel_va_to_phys(M->layout.page_offset + 0x60100000UL, &pa) && pa == 0x60100000UL);
	cr_expect(kernel_va_to_phys(M->layout.page_offset + 0x5ffff000UL, &pa) && pa == 0x5ffff000UL);
	/* the pool is kept for mm/cma.c */
	int pools = 0;
	for (int i = 0; i < M->dt->nr_rsv; i++)
		if (M->dt->rsv[i].cma_default && M->dt->rsv[i].reusable) {
			cr_expect_eq(M->dt->rsv[i].base, 0x7e000000ULL);
			cr_expect_eq(M->dt->rsv[i].size, 32ULL << 20);
			pools++;
		}
	cr_expect_eq(pools, 1);
	assert_machine_sane();
	free(ref);
}

/*
 * /proc/iomem as arm64 registers it: each memblock memory region System RAM, the no-map one
 * "reserved" at the top level; Kernel code (_stext to __init_begin) and Kernel data (_sdata to
 * _end) under the first; memblock's reservations of the arch_initcall's moment - the init
 * sections and the initrd, freed later, among them - as "reserved" beside them.  The capture's
 * RAM lines and the image's and initrd's lines are kmm's exactly (the early page-table,
 * memmap and percpu pieces at the top of RAM differ by a page here and there).
 */
Test(arm64, iomem_of_the_capture)
{
	char err[256] = "";
	cr_assert_eq(boot_dtb_file(REF_RSV, NULL, err, sizeof(err)), 0, "%s", err);
	char *ref = arm_ref(REF_RSV, "iomem.txt"), *got = kmm_proc_read("iomem");
	const char *lines[] = { "40000000-5fffffff : System RAM\n", "  40210000-4185ffff : Kernel code\n",
				"  41860000-41eaffff : reserved\n", "  41eb0000-4220ffff : Kernel data\n",
				"  48000000-480f1fff : reserved\n", "\n60000000-600fffff : reserved\n",
				"\n60100000-7fffffff : System RAM\n" };
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		cr_assert(strstr(ref, lines[i]), "the capture has %s", lines[i]);
		cr_expect(strstr(got, lines[i]), "kmm lacks %s in\n%s", lines[i], got);
	}
	cr_expect(!strstr(got, "60000000-600fffff : System RAM"), "the no-map region is no System RAM");
	free(ref);
	free(got);
}

Test(arm64, dts_through_dtc)
{
	char path[] = "/tmp/kmm-arm64-XXXXXX.dts";
	int fd = mkstemps(path, 4);
	cr_assert_geq(fd, 0);
	/* two NUMA nodes, and a bus whose DMA masters reach the first GiB of RAM only (zone_dma_bits 31) */
	const char *dts = "/dts-v1/;\n/ {\n #address-cells = <2>; #size-cells = <2>; model = \"test board\";\n"
			  " cpus { #address-cells = <1>; #size-cells = <0>;\n"
			  "  cpu@0 { device_type = \"cpu\"; compatible = \"arm,cortex-a72\"; reg = <0>; };\n"
			  "  cpu@1 { device_type = \"cpu\"; compatible = \"arm,cortex-a72\"; reg = <1>; }; };\n"
			  " memory@40000000 { device_type = \"memory\"; reg = <0 0x40000000 0 0x40000000>; numa-node-id = <0>; };\n"
			  " memory@80000000 { device_type = \"memory\"; reg = <0 0x80000000 0 0x40000000>; numa-node-id = <1>; };\n"
			  " soc { compatible = \"simple-bus\"; #address-cells = <2>; #size-cells = <2>; ranges;\n"
			  "  dma-ranges = <0 0x40000000 0 0x40000000 0 0x40000000>; };\n"
			  " chosen { bootargs = \"min_free_kbytes=8192\"; };\n};\n";
	cr_assert_eq(write(fd, dts, strlen(dts)), (ssize_t)strlen(dts));
	close(fd);
	void *blob;
	size_t len;
	char err[256] = "";
	int ret = kmm_dtc(path, &blob, &len, err, sizeof(err));
	unlink(path);
	cr_assert_eq(ret, 0, "%s", err);
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.dtb = blob;
	p.dtb_size = len;
	p.cmdline = "boot_population=off";
	ret = kmm_boot(&p, err, sizeof(err));
	free(blob);
	cr_assert_eq(ret, 0, "%s", err);
	cr_expect_eq(M->nr_cpus, 2);
	cr_expect_eq(M->nr_nodes, 2);
	cr_expect_eq(M->min_free_kbytes, 8192, "bootargs are the command line");
	char *z = log_lines(kmm_dmesg(), "  DMA");
	cr_expect_str_eq(z, "  DMA      [mem 0x0000000040000000-0x000000007fffffff]\n"
			    "  DMA32    [mem 0x0000000080000000-0x00000000bfffffff]\n");
	free(z);
}

Test(arm64, four_gib_board_has_normal_and_swiotlb)
{
	boot_machine("arm64", 4ULL << 30, 1, "boot_population=off");
	char *z = log_lines(kmm_dmesg(), "  ");
	cr_expect(strstr(z, "  DMA      [mem 0x0000000040000000-0x00000000ffffffff]\n  DMA32    empty\n"
			    "  Normal   [mem 0x0000000100000000-0x000000013fffffff]"), "%s", z);
	free(z);
	cr_expect_eq(M->swiotlb_size, 64ULL << 20, "RAM past ZONE_DMA: bounce buffers");
	cr_expect_lt(M->swiotlb_start + M->swiotlb_size, 0x100000000ULL + 1);
}

/* ---- hostile blobs: a clear refusal, no machine ---- */

static void expect_refused(const void *blob, size_t len, const char *why)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.dtb = blob;
	p.dtb_size = len;
	char err[256] = "";
	cr_expect_neq(kmm_boot(&p, err, sizeof(err)), 0, "a blob with %s booted", why);
	cr_expect(!kmm_booted(), "%s: a machine was left behind", why);
	cr_expect(strstr(err, "device tree") != NULL, "%s: the message does not say what is wrong: \"%s\"", why, err);
	kmm_shutdown();
}

/* a small valid tree to spoil: root cells ac/sc, one memory node with reg of regbytes */
static void *tiny_tree(int ac, int sc, const void *reg, int regbytes, size_t *len)
{
	size_t cap = 4096;
	void *fdt = calloc(1, cap);
	int r = fdt_create(fdt, (int)cap);
	r = r ?: fdt_finish_reservemap(fdt);
	r = r ?: fdt_begin_node(fdt, "");
	r = r ?: fdt_property_u32(fdt, "#address-cells", (uint32_t)ac);
	r = r ?: fdt_property_u32(fdt, "#size-cells", (uint32_t)sc);
	r = r ?: fdt_begin_node(fdt, "memory@40000000");
	r = r ?: fdt_property_string(fdt, "device_type", "memory");
	r = r ?: fdt_property(fdt, "reg", reg, regbytes);
	r = r ?: fdt_end_node(fdt);
	r = r ?: fdt_end_node(fdt);
	r = r ?: fdt_finish(fdt);
	cr_assert_eq(r, 0);
	*len = fdt_totalsize(fdt);
	return fdt;
}

Test(arm64, hostile_blobs_are_refused)
{
	size_t len;
	char *path = arm_ref_path(REF_1G, "virt.dtb");
	unsigned char *good = read_blob(path, &len);
	free(path);
	expect_refused(good, 20, "a truncated header");
	unsigned char *bad = malloc(len);
	memcpy(bad, good, len);
	bad[0] ^= 0xff;
	expect_refused(bad, len, "a bad magic");
	memcpy(bad, good, len);
	expect_refused(bad, len / 2, "a totalsize beyond the buffer");
	memcpy(bad, good, len);
	fdt_set_off_dt_strings(bad, (uint32_t)len + 4096);
	expect_refused(bad, len, "a strings block outside the blob");
	memcpy(bad, good, len);
	fdt_set_size_dt_struct(bad, 7);
	expect_refused(bad, len, "a structure block of 7 bytes");
	free(bad);
	free(good);

	fdt32_t reg3[3] = { cpu_to_fdt32(0), cpu_to_fdt32(0x40000000), cpu_to_fdt32(0) };
	void *t = tiny_tree(2, 2, reg3, sizeof(reg3), &len);
	expect_refused(t, len, "a reg of 3 cells under 2+2 cells");
	free(t);
	fdt64_t wrap[2] = { cpu_to_fdt64(0xfffffffff0000000ULL), cpu_to_fdt64(0x20000000ULL) };
	t = tiny_tree(2, 2, wrap, sizeof(wrap), &len);
	expect_refused(t, len, "a memory range that wraps");
	free(t);
	fdt32_t cells[6] = { 0 };
	t = tiny_tree(3, 3, cells, sizeof(cells), &len);
	expect_refused(t, len, "3 address cells");
	free(t);
	fdt64_t none[2] = { cpu_to_fdt64(0x40000000ULL), 0 };
	t = tiny_tree(2, 2, none, sizeof(none), &len);
	expect_refused(t, len, "no RAM");
	free(t);
	fdt64_t many[2 * 80];
	for (int i = 0; i < 80; i++) {
		many[2 * i] = cpu_to_fdt64(0x40000000ULL + (u64)i * 0x1000000);
		many[2 * i + 1] = cpu_to_fdt64(0x100000);
	}
	t = tiny_tree(2, 2, many, sizeof(many), &len);
	expect_refused(t, len, "80 memory ranges");
	free(t);
	/* an x86 profile asked for with a device tree */
	fdt64_t ok[2] = { cpu_to_fdt64(0x40000000ULL), cpu_to_fdt64(1ULL << 30) };
	t = tiny_tree(2, 2, ok, sizeof(ok), &len);
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = "x86_64";
	p.dtb = t;
	p.dtb_size = len;
	char err[256];
	cr_expect_neq(kmm_boot(&p, err, sizeof(err)), 0);
	cr_expect(!kmm_booted());
	free(t);
}

/* The linear map as arm64 stores it: table descriptors down to a 4 KiB page descriptor of the right frame. */
Test(arm64, descriptors_in_ram)
{
	boot_default_1g();
	void *obj = kmalloc(256, GFP_KERNEL);
	unsigned long kva = kmm_host_to_kva(obj);
	phys_addr_t table = M->swapper_pg_dir;
	static const int shift[4] = { 39, 30, 21, 12 };
	u64 d = 0;
	for (int l = 0; l < 4; l++) {
		d = *(u64 *)kmm_kva_to_host(M->layout.page_offset + table + ((kva >> shift[l]) & 511) * 8);
		cr_assert_eq(d & 3, 3, "level %d: %#llx is not a table/page descriptor", l, (unsigned long long)d);
		table = d & 0x0000fffffffff000ULL;
	}
	cr_expect_eq(table, kva - 0xffff000000000000UL + 0x40000000UL - (kva & 4095), "the page descriptor's frame");
	cr_expect(d & (1ULL << 10), "AF");
	cr_expect(!(d & (1ULL << 11)), "a kernel page is global (nG clear)");
	cr_expect(!(d & (1ULL << 6)), "not EL0-accessible");
	cr_expect(!(d & (1ULL << 7)) && (d & (1ULL << 51)), "writable and dirty: DBM set, AP[2] clear");
	cr_expect((d & (3ULL << 53)) == (3ULL << 53), "PXN and UXN: the linear map never executes");
	kfree(obj);
}

/* A user page's descriptor, then its swap entry and its PROT_NONE form, as arm64 stores them. */
Test(arm64, user_swap_and_protnone_descriptors)
{
	struct task_struct *t = boot_with_task("arm64", "pager", "/bin/pager", 4 * PAGE_SIZE, PAGE_SIZE, PAGE_SIZE);
	cr_assert_eq(kmm_swapon("/dev/vda", 64UL << 20, 0), 0);
	long a = task_mmap(t, 0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_gt(a, 0);
	unsigned long v = 0x1234;
	cr_assert_eq(task_write(t, (unsigned long)a, &v, sizeof(v)), 0);
	cr_assert_eq(task_write(t, (unsigned long)a + PAGE_SIZE, &v, sizeof(v)), 0);
	unsigned long idx;
	phys_addr_t table = user_pte_table(t->mm->pgd, (unsigned long)a, false, &idx);
	cr_assert_neq(table, 0);
	u64 *raw = ram_host(table + idx * 8);
	cr_expect_eq(raw[0] & 3, 3, "a valid page descriptor: %#llx", (unsigned long long)raw[0]);
	cr_expect(raw[0] & (1ULL << 6), "EL0 may access it");
	cr_expect(raw[0] & (1ULL << 11), "user pages are not global");
	cr_expect(raw[0] & (1ULL << 53), "PXN: the kernel never runs it");
	cr_expect(!(raw[0] & (1ULL << 7)) && (raw[0] & (1ULL << 51)), "written: writable and dirty");
	cr_assert_eq(task_madvise(t, (unsigned long)a, PAGE_SIZE, MADV_PAGEOUT), 0);
	swp_entry_t e = pte_to_swp_entry(pte_get(table, idx));
	cr_expect_eq(raw[0] & 1, 0, "not valid");
	cr_expect_eq(raw[0] & (1ULL << 58), 0, "not PROT_NONE");
	cr_expect_eq((raw[0] >> 2) & 0x3f, swp_type(e), "type in bits 2-7");
	cr_expect_eq(raw[0] >> 8, swp_offset(e), "offset from bit 8: %#llx", (unsigned long long)raw[0]);
	cr_assert_eq(task_mprotect(t, (unsigned long)a + PAGE_SIZE, PAGE_SIZE, PROT_NONE), 0);
	cr_expect_eq(raw[1] & 1, 0, "PROT_NONE: not valid");
	cr_expect(raw[1] & (1ULL << 58), "PTE_PROT_NONE: %#llx", (unsigned long long)raw[1]);
	cr_assert_eq(task_mprotect(t, (unsigned long)a + PAGE_SIZE, PAGE_SIZE, PROT_READ), 0);
	unsigned long back = 0;
	cr_assert_eq(task_read(t, (unsigned long)a, &back, sizeof(back)), 0);
	cr_expect_eq(back, 0x1234, "swapped back in");
	cr_assert_eq(task_read(t, (unsigned long)a + PAGE_SIZE, &back, sizeof(back)), 0);
	cr_expect_eq(back, 0x1234);
	task_exit(t);
	cr_assert_eq(kmm_swapoff("/dev/vda"), 0);
	assert_machine_sane();
}

/*
 * arm64's user address space is TTBR0's whole 48-bit table (TASK_SIZE 1 << 48): the stack ends
 * there, a PIE image sits at ELF_ET_DYN_BASE (2/3 of it), and a page mapped near the top is
 * reached and given back with its tables like any other.
 */
Test(arm64, user_address_space_is_48_bits)
{
	struct task_struct *t = boot_with_task("arm64", "top", "/bin/top", 4 * PAGE_SIZE, PAGE_SIZE, PAGE_SIZE);
	cr_assert_eq(t->mm->task_size, 1UL << 48);
	char path[32];
	snprintf(path, sizeof(path), "%d/maps", t->pid);
	char *maps = kmm_proc_read(path);
	cr_assert_not_null(maps);
	cr_expect(strstr(maps, "-1000000000000 rw-p 00000000 00:00 0") && strstr(maps, "[stack]"), "%s", maps);
	cr_expect(!strncmp(maps, "aaaaaaaaa000-", 13), "the image at 2/3 of TASK_SIZE: %s", maps);
	free(maps);
	lru_add_drain_all();
	kmm_slab_shrink_all();
	drain_all_pages(NULL);
	unsigned long free0 = nr_free_pages();
	long a = task_mmap(t, 0xfff000000000UL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
			   -1, 0);
	cr_assert_eq(a, (long)0xfff000000000UL);
	unsigned long v = 0xfeed;
	cr_assert_eq(task_write(t, (unsigned long)a, &v, sizeof(v)), 0);
	cr_assert_eq(*(unsigned long *)task_user_ptr(t, (unsigned long)a), 0xfeed, "through the host trap too");
	cr_assert_eq(task_munmap(t, (unsigned long)a, PAGE_SIZE), 0);
	lru_add_drain_all();
	kmm_slab_shrink_all();
	drain_all_pages(NULL);
	cr_assert_eq(nr_free_pages(), free0, "the page and its new tables are back");
	cr_assert_eq(task_mmap(t, 1UL << 48, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), -ENOMEM);
	task_exit(t);
	assert_machine_sane();
}
