/*
 * test_ref.c - kmm against what real Linux 6.1 kernels printed for the same
 * machines (tests/data/linux-ref, captures of real boots): the same e820 map gives the same zone
 * ranges, spanned and present pages; the same managed counts give the same
 * min_free_kbytes, watermarks and protection, at boot and after the
 * sysctl writes recorded there.
 */
#include "kmm_test.h"

static void fini(void)
{
	kmm_shutdown();
}

TestSuite(ref, .fini = fini, .timeout = 60);

/* Boot-log lines that must be identical to the real kernel's. */
static const char *const same_lines[] = {
	"Zone ranges:", "  DMA ", "  DMA32 ", "  Normal ", "  HighMem ", "Movable zone start",
	"  Node ", "Early memory node ranges", "  node ", "Initmem setup node", "On node ",
	"Built ", "Policy zone", "MB HIGHMEM available", "MB LOWMEM available", "  mapped low ram",
	"  low ram", "Initializing HighMem", "Dentry cache hash table entries: 131072",
	"Dentry cache hash table entries: 65536", "Inode-cache hash table entries: 65536",
	"Inode-cache hash table entries: 32768", "setup_percpu:", "percpu: Embedded",
	"BIOS-e820:", "e820: update", "e820: remove", "RAMDISK:",
};

static void check_boot_log(const char *machine)
{
	char *ref = ref_file(machine, "dmesg.txt");
	for (size_t i = 0; i < ARRAY_SIZE(same_lines); i++) {
		char *want = log_lines(ref, same_lines[i]);
		char *got = log_lines(kmm_dmesg(), same_lines[i]);
		cr_expect_str_eq(got, want, "%s: lines starting \"%s\" differ:\n--- kmm\n%s--- linux\n%s", machine,
				 same_lines[i], got, want);
		free(want);
		free(got);
	}
	free(ref);
}

static const char *const zone_names_all[] = { "DMA", "DMA32", "Normal", "HighMem", "Movable", "Device" };

static void check_spans(const char *machine)
{
	char *ref = ref_file(machine, "zoneinfo.txt");
	char *got = kmm_proc_read("zoneinfo");
	int checked = 0;
	for (int nid = 0; nid < M->nr_nodes; nid++)
		for (size_t z = 0; z < ARRAY_SIZE(zone_names_all); z++) {
			const char *zn = zone_names_all[z];
			if (zoneinfo_field(ref, nid, zn, "spanned") < 0) {
				cr_expect_lt(zoneinfo_field(got, nid, zn, "spanned"), 0, "%s: kmm has zone %s, Linux not", machine, zn);
				continue;
			}
			for (const char *f = "spanned"; f; f = !strcmp(f, "spanned") ? "present" : !strcmp(f, "present") ? "start_pfn" : NULL) {
				cr_expect_eq(zoneinfo_field(got, nid, zn, f), zoneinfo_field(ref, nid, zn, f),
					     "%s node %d zone %s %s: kmm %ld, Linux %ld", machine, nid, zn, f,
					     zoneinfo_field(got, nid, zn, f), zoneinfo_field(ref, nid, zn, f));
			}
			checked++;
		}
	cr_assert_geq(checked, 4);
	free(ref);
	free(got);
}

/* Give every zone the managed count the real kernel's zoneinfo shows. */
static void set_managed_from(const char *zoneinfo)
{
	struct zone *zone;
	long total = 0, high = 0;
	for_each_zone(zone) {
		long m = zoneinfo_field(zoneinfo, zone->node, zone->name, "managed");
		cr_assert_geq(m, 0, "no managed count for node %d zone %s", zone->node, zone->name);
		zone->managed_pages = m;
		total += m;
		if (is_highmem(zone))
			high += m;
	}
	M->totalram_pages = total;
	M->totalhigh_pages = high;
}

static void check_wmarks(const char *machine, const char *file, bool pcp)
{
	char *ref = ref_file(machine, file);
	char *got = kmm_proc_read("zoneinfo");
	struct zone *zone;
	for_each_zone(zone) {
		static const char *const f[] = { "min", "low", "high", "managed" };
		for (size_t i = 0; i < ARRAY_SIZE(f); i++) {
			long want = zoneinfo_field(ref, zone->node, zone->name, f[i]);
			long have = zoneinfo_field(got, zone->node, zone->name, f[i]);
			cr_expect_eq(have, want, "%s %s: node %d zone %s %s: kmm %ld, Linux %ld", machine, file,
				     zone->node, zone->name, f[i], have, want);
		}
		char pw[128] = "", pg[128] = "";
		zoneinfo_protection(ref, zone->node, zone->name, pw, sizeof(pw));
		zoneinfo_protection(got, zone->node, zone->name, pg, sizeof(pg));
		cr_expect_str_eq(pg, pw, "%s %s: node %d zone %s protection: kmm %s, Linux %s", machine, file,
				 zone->node, zone->name, pg, pw);
		if (pcp && populated_zone(zone)) {
			long want = zoneinfo_field(ref, zone->node, zone->name, "high:");
			long have = zoneinfo_field(got, zone->node, zone->name, "high:");
			cr_expect_eq(have, want, "%s %s: zone %s pcp high: kmm %ld, Linux %ld", machine, file, zone->name, have, want);
			want = zoneinfo_field(ref, zone->node, zone->name, "batch:");
			have = zoneinfo_field(got, zone->node, zone->name, "batch:");
			cr_expect_eq(have, want, "%s %s: zone %s pcp batch: kmm %ld, Linux %ld", machine, file, zone->name, have, want);
		}
	}
	free(ref);
	free(got);
}

static void write_ok(const char *path, const char *val)
{
	int ret = kmm_proc_write(path, val);
	cr_assert_eq(ret, 0, "writing %s to %s: %d", val, path, ret);
}

/* The sysctl experiments recorded with each reference boot. */
static void check_sysctls(const char *machine)
{
	char *recalc = ref_file(machine, "zoneinfo_recalc.txt");
	char *mfk = ref_file(machine, "min_free_kbytes.txt");
	char *ratio = ref_file(machine, "lowmem_reserve_ratio.txt");
	set_managed_from(recalc);
	write_ok("sys/vm/min_free_kbytes", mfk);
	write_ok("sys/vm/lowmem_reserve_ratio", ratio);
	check_wmarks(machine, "zoneinfo_recalc.txt", true);
	char *rr = kmm_proc_read("sys/vm/lowmem_reserve_ratio");
	cr_expect_str_eq(rr, ratio);
	free(rr);

	write_ok("sys/vm/min_free_kbytes", "8192");
	write_ok("sys/vm/watermark_scale_factor", "100");
	check_wmarks(machine, "zoneinfo_mfk8192_wsf100.txt", true);
	free(recalc);
	free(mfk);
	free(ratio);
}

/*
 * The boot-time figures: min_free_kbytes and the zoneinfo watermarks were
 * computed by the initcalls, before the initrd and the kernel's init
 * sections were freed.  Take the final managed counts, remove what those
 * late frees gave back (the amounts the real dmesg reports, in the zone
 * the reference machine had them), rerun the initcalls, compare.
 */
static long dmesg_kib(const char *dmesg, const char *what)
{
	const char *s = strstr(dmesg, what);
	return s ? atol(s + strlen(what)) : 0;
}

static void check_boot_wmarks(const char *machine, int late_nid, const char *late_zone, int initrd_nid,
			      const char *initrd_zone)
{
	char *zi = ref_file(machine, "zoneinfo.txt");
	char *dmesg = ref_file(machine, "dmesg.txt");
	char *mfk = ref_file(machine, "min_free_kbytes.txt");
	set_managed_from(zi);
	long late = dmesg_kib(dmesg, "Freeing unused kernel image (initmem) memory: ") +
		    dmesg_kib(dmesg, "Freeing unused decrypted memory: ") +
		    dmesg_kib(dmesg, "Freeing unused kernel image (text/rodata gap) memory: ") +
		    dmesg_kib(dmesg, "Freeing unused kernel image (rodata/data gap) memory: ");
	long initrd = dmesg_kib(dmesg, "Freeing initrd memory: ");
	zone_by_name(late_nid, late_zone)->managed_pages -= late / 4;
	zone_by_name(initrd_nid, initrd_zone)->managed_pages -= initrd / 4;
	M->totalram_pages -= (late + initrd) / 4;

	M->min_free_kbytes = 0;
	M->user_min_free_kbytes = -1;
	struct zone *zone;
	for_each_zone(zone) /* before the first initcall no watermark exists */
		memset(zone->_watermark, 0, sizeof(zone->_watermark));
	M->thp_enabled = M->prof->thp && (unsigned long)M->totalram_pages >= (512UL << (20 - PAGE_SHIFT));
	init_per_zone_wmark_min();
	if (M->thp_enabled)
		set_recommended_min_free_kbytes();
	cr_expect_eq(M->min_free_kbytes, atoi(mfk), "%s: min_free_kbytes kmm %d, Linux %d", machine,
		     M->min_free_kbytes, atoi(mfk));
	set_managed_from(zi); /* the late frees do not recompute anything */
	check_wmarks(machine, "zoneinfo.txt", false);
	free(zi);
	free(dmesg);
	free(mfk);
}

Test(ref, i386_686_2G_boot_log) { boot_like_ref("i386-686-2G", NULL); check_boot_log("i386-686-2G"); }
Test(ref, i386_686_2G_spans) { boot_like_ref("i386-686-2G", NULL); check_spans("i386-686-2G"); assert_machine_sane(); }
Test(ref, i386_686_2G_sysctls) { boot_like_ref("i386-686-2G", NULL); check_sysctls("i386-686-2G"); }
Test(ref, i386_686_2G_boot_wmarks) { boot_like_ref("i386-686-2G", NULL); check_boot_wmarks("i386-686-2G", 0, "Normal", 0, "Normal"); }

Test(ref, i386_pae_2G_boot_log) { boot_like_ref("i386-pae-2G", NULL); check_boot_log("i386-pae-2G"); }
Test(ref, i386_pae_2G_spans) { boot_like_ref("i386-pae-2G", NULL); check_spans("i386-pae-2G"); assert_machine_sane(); }
Test(ref, i386_pae_2G_sysctls) { boot_like_ref("i386-pae-2G", NULL); check_sysctls("i386-pae-2G"); }
Test(ref, i386_pae_2G_boot_wmarks) { boot_like_ref("i386-pae-2G", NULL); check_boot_wmarks("i386-pae-2G", 0, "Normal", 0, "Normal"); }

Test(ref, i386_pae_512M_boot_log) { boot_like_ref("i386-pae-512M", NULL); check_boot_log("i386-pae-512M"); }
Test(ref, i386_pae_512M_spans) { boot_like_ref("i386-pae-512M", NULL); check_spans("i386-pae-512M"); assert_machine_sane(); }
Test(ref, i386_pae_512M_sysctls) { boot_like_ref("i386-pae-512M", NULL); check_sysctls("i386-pae-512M"); }
Test(ref, i386_pae_512M_boot_wmarks) { boot_like_ref("i386-pae-512M", NULL); check_boot_wmarks("i386-pae-512M", 0, "Normal", 0, "Normal"); }

Test(ref, x86_64_numa2_boot_log) { boot_like_ref("x86_64-4G-numa2", NULL); check_boot_log("x86_64-4G-numa2"); }
Test(ref, x86_64_numa2_spans) { boot_like_ref("x86_64-4G-numa2", NULL); check_spans("x86_64-4G-numa2"); assert_machine_sane(); }
Test(ref, x86_64_numa2_sysctls) { boot_like_ref("x86_64-4G-numa2", NULL); check_sysctls("x86_64-4G-numa2"); }
Test(ref, x86_64_numa2_boot_wmarks) { boot_like_ref("x86_64-4G-numa2", NULL); check_boot_wmarks("x86_64-4G-numa2", 0, "DMA32", 1, "DMA32"); }

/* The virtual layout the real kernels imply: vmallocinfo starts at VMALLOC_START. */
static void check_vmalloc_start(const char *machine)
{
	char *vi = ref_file(machine, "vmallocinfo.txt");
	char *mi = ref_file(machine, "meminfo.txt");
	unsigned long start = strtoul(vi, NULL, 16);
	cr_expect_eq(M->layout.vmalloc_start, start, "%s: VMALLOC_START kmm %#lx, Linux %#lx", machine,
		     M->layout.vmalloc_start, start);
	char *got = kmm_proc_read("meminfo");
	char *want_line = log_lines(mi, "VmallocTotal:"), *got_line = log_lines(got, "VmallocTotal:");
	cr_expect_str_eq(got_line, want_line);
	free(want_line);
	free(got_line);
	free(got);
	free(vi);
	free(mi);
}

Test(ref, i386_layout) { boot_like_ref("i386-686-2G", NULL); check_vmalloc_start("i386-686-2G"); }
Test(ref, i386_pae_layout) { boot_like_ref("i386-pae-2G", NULL); check_vmalloc_start("i386-pae-2G"); }
Test(ref, i386_pae_512M_layout) { boot_like_ref("i386-pae-512M", NULL); check_vmalloc_start("i386-pae-512M"); }
