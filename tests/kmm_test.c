/* kmm_test.c - see kmm_test.h */
#define _GNU_SOURCE
#include "kmm_test.h"

#include <sys/stat.h>
#include "kernel/kobj.h"
#include "mm/slab.h"

#include <kmm/task.h>

#include <ctype.h>

const char *data_dir(void)
{
	const char *d = getenv("KMM_TEST_DATA");
	return d && *d ? d : "tests/data";
}

/* A file's bytes, NUL-terminated (*len: how many, the NUL not counted); NULL if it cannot be read. */
char *slurp_len(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	size_t got = fread(buf, 1, (size_t)n, f);
	buf[got] = 0;
	fclose(f);
	if (len)
		*len = got;
	return buf;
}

char *slurp(const char *path)
{
	return slurp_len(path, NULL);
}

void skip_unselected_profile(const char *profile)
{
	const char *list = getenv("KMM_TEST_PROFILES");
	if (!list || !*list)
		return;
	size_t n = strlen(profile);
	for (const char *p = list; (p = strstr(p, profile)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return;
	cr_skip_test("%s is not in KMM_TEST_PROFILES=\"%s\"", profile, list);
}

char *ref_file(const char *machine, const char *name)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/linux-ref/%s/%s", data_dir(), machine, name);
	char *s = slurp(path);
	cr_assert_not_null(s, "reference file %s is missing: run the tests from the repository's top directory "
			      "(make test), or set KMM_TEST_DATA to the folder that holds linux-ref/ and traces/", path);
	return s;
}

char *arm_ref_path(const char *machine, const char *name)
{
	char *path;
	cr_assert_geq(asprintf(&path, "%s/linux-ref-arm/%s/%s", data_dir(), machine, name), 0);
	return path;
}

char *arm_ref(const char *machine, const char *name)
{
	char *path = arm_ref_path(machine, name);
	char *text = slurp(path);
	cr_assert_not_null(text, "missing %s", path);
	free(path);
	return text;
}

void *read_blob(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s", path);
	struct stat st;
	cr_assert_eq(fstat(fileno(f), &st), 0);
	void *buf = malloc((size_t)st.st_size + 1);
	cr_assert_eq(fread(buf, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	fclose(f);
	*len = (size_t)st.st_size;
	return buf;
}

int boot_arm_dtb(const char *machine, const char *profile, const char *cmdline, char *err, size_t errlen)
{
	char *path = arm_ref_path(machine, "virt.dtb");
	size_t len;
	void *blob = read_blob(path, &len);
	free(path);
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	if (profile)
		p.profile = profile;
	p.dtb = blob;
	p.dtb_size = len;
	p.cmdline = cmdline;
	int ret = kmm_boot(&p, err, errlen);
	free(blob); /* the machine keeps its own copy */
	return ret;
}

char *zone_ranges_block(const char *log)
{
	const char *a = strstr(log, "Zone ranges:"), *b = a ? strstr(a, "Initmem setup") : NULL;
	cr_assert(a && b, "no Zone ranges block");
	char *lines = strndup(a, (size_t)(b - a)), *out = calloc(1, strlen(lines) + 1), *save = NULL;
	for (char *l = strtok_r(lines, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *t = strstr(l, "] ");
		strcat(out, t ? t + 2 : l);
		strcat(out, "\n");
	}
	free(lines);
	return out;
}

void boot_or_fail(struct kmm_boot_params *p)
{
	char err[512];
	int ret = kmm_boot(p, err, sizeof(err));
	cr_assert_eq(ret, 0, "boot failed: %s", err);
}

/*
 * What a task's page directory costs in pages besides its slab objects: its page; on PAE the
 * three user PMDs preallocated with it (the PDPT itself is a pgd_cache object, which
 * kernel_object_pages() counts with the slabs); on x86_64 built with PAGE_TABLE_ISOLATION
 * (Debian's, kmm's default) an order-1 block, the user half beside the kernel's; on 32-bit
 * ARM 16 KiB, or with LPAE the PMD of the modules' gigabyte.
 */
unsigned long pgd_pages(void)
{
	if (M->prof->arch == KMM_ARCH_ARM) /* arch/arm/mm/pgd.c: a 16 KiB table; LPAE: the modules' PMD (a kmalloc'ed PGD) */
		return M->prof->pae ? 1 : 4;
	if (M->prof->pae)
		return M->pgd_cache ? 3 : 4;
	return M->prof->arch == KMM_ARCH_X86 && M->prof->bits == 64 && M->kconfig.pti ? 2 : 1;
}

void boot_machine(const char *profile, unsigned long long mem, int cpus, const char *cmdline)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = mem;
	p.nr_cpus = cpus;
	p.cmdline = cmdline;
	boot_or_fail(&p);
}

/* The machine a reference boot's dmesg describes, booted as `kmm boot --dmesg` does. */
void boot_like_ref(const char *machine, const char *cmdline)
{
	char *dmesg = ref_file(machine, "dmesg.txt");
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.dmesg_text = dmesg;
	p.cmdline = cmdline;
	boot_or_fail(&p);
	free(dmesg);
}

char *log_lines(const char *text, const char *prefix)
{
	struct strbuf sb = { 0 };
	const char *p = text;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		const char *body = p;
		if (*body == '[') {
			const char *rb = memchr(body, ']', len);
			if (rb) {
				body = rb + 1;
				if (*body == ' ')
					body++;
			}
		}
		size_t blen = len - (size_t)(body - p);
		if (blen >= strlen(prefix) && !strncmp(body, prefix, strlen(prefix)))
			sb_printf(&sb, "%.*s\n", (int)blen, body);
		p += len + (eol ? 1 : 0);
	}
	return sb_detach(&sb);
}

static const char *zone_block(const char *zi, int nid, const char *zone, const char **end)
{
	char hdr[64];
	snprintf(hdr, sizeof(hdr), "Node %d, zone %8s", nid, zone);
	const char *s = strstr(zi, hdr);
	if (!s)
		return NULL;
	const char *e = strstr(s + 1, "\nNode ");
	*end = e ? e : s + strlen(s);
	return s;
}

long zoneinfo_field(const char *zi, int nid, const char *zone, const char *field)
{
	const char *end, *s = zone_block(zi, nid, zone, &end);
	if (!s)
		return -1;
	size_t fl = strlen(field);
	for (const char *p = s; p && p < end; p = strchr(p, '\n')) {
		p++;
		while (*p == ' ')
			p++;
		if (!strncmp(p, field, fl) && (p[fl] == ' ' || p[fl] == ':')) {
			const char *v = p + fl;
			while (*v == ' ' || *v == ':')
				v++;
			return atol(v);
		}
	}
	return -1;
}

int zoneinfo_protection(const char *zi, int nid, const char *zone, char *out, size_t len)
{
	const char *end, *s = zone_block(zi, nid, zone, &end);
	if (!s)
		return -1;
	const char *p = strstr(s, "protection: ");
	if (!p || p > end)
		return -1;
	p += strlen("protection: ");
	const char *q = strchr(p, ')');
	snprintf(out, len, "%.*s", (int)(q - p + 1), p);
	return 0;
}

struct zone *zone_by_name(int nid, const char *name)
{
	for (int z = 0; z < MAX_ZONE_TYPES; z++) {
		struct zone *zone = &NODE_DATA(nid)->node_zones[z];
		if (zone->in_profile && !strcmp(zone->name, name))
			return zone;
	}
	cr_assert_fail("no zone %s on node %d", name, nid);
	return NULL;
}

void failslab_set(const char *file, const char *value)
{
	char path[128];
	snprintf(path, sizeof(path), "sys/kernel/debug/failslab/%s", file);
	cr_assert_eq(kmm_proc_write(path, value), 0, "%s", path);
}

void failslab_nth(unsigned long n)
{
	char buf[32];
	failslab_set("ignore-gfp-wait", "N");
	failslab_set("verbose", "0");
	M->fault.failslab.attr.count = 0;
	snprintf(buf, sizeof(buf), "%lu", n);
	failslab_set("interval", buf);
	failslab_set("times", "1");
	failslab_set("space", "0");
	failslab_set("probability", "100");
}

bool failslab_off(unsigned long injected_before)
{
	failslab_set("probability", "0");
	return M->fault.failslab.attr.injected != injected_before;
}

void assert_nothing_lost_since(const struct kmm_usage *u, const char *what)
{
	char why[256];
	cr_assert_eq(kmm_nothing_lost(u, why, sizeof(why)), 0, "%s: %s", what, why);
	assert_machine_sane();
}

void assert_machine_sane(void)
{
	char why[256];
	cr_assert_eq(kmm_verify(why, sizeof(why)), 0, "kmm_verify: %s", why);
	/* the live tasks' kernel stacks are vmalloc areas on x86_64 (VMAP_STACK): those may stay */
	unsigned long stacks = nr_vmap_stacks();
	cr_assert_eq(vmap_areas_in_use(), stacks, "%lu vmalloc areas still in use, %lu of them stacks", vmap_areas_in_use(),
		     stacks);
	cr_assert_eq(vmalloc_used_pages(), stacks * (thread_size() >> PAGE_SHIFT));
}

/* The slabs of the maple_node cache: the tasks' VMA trees (a test tree's too) */
static unsigned long maple_node_pages(void)
{
	unsigned long pages = 0;
	struct list_head *pos;
	pthread_mutex_lock(&slab_mutex);
	list_for_each(pos, &slab_caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);
		if (!s->dead && !strcmp(s->name, "maple_node")) {
			struct slabinfo si;
			get_slabinfo(s, &si);
			pages = si.num_slabs << si.cache_order;
			break;
		}
	}
	pthread_mutex_unlock(&slab_mutex);
	return pages;
}

unsigned long kernel_object_pages(void)
{
	return kobj_pages() + maple_node_pages() + (nr_vmap_stacks() ? 4 : 0);
}

struct task_struct *boot_with_task(const char *profile, const char *comm, const char *path, unsigned long text,
				   unsigned long data, unsigned long bss)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	p.profile = profile;
	p.mem_bytes = 1ULL << 30;
	boot_or_fail(&p);
	struct task_struct *t = task_create(comm, 1000);
	cr_assert_not_null(t);
	cr_assert_eq(task_exec_layout(t, path, text, data, bss), 0);
	return t;
}

/* ---- the two ways into a task's memory ---- */

#include <kmm/task.h>

/* see kmm_test.h: the u_* helpers go through one way in or the other */
void run_on_cpus(int n, unsigned long long mem, void *(*fn)(void *), void **results)
{
	struct kmm_boot_params p = KMM_BOOT_DEFAULTS;
	pthread_t t[KMM_MAX_CPUS];
	p.mem_bytes = mem;
	p.nr_cpus = n;
	boot_or_fail(&p);
	kmm_cpu_exit();
	for (long c = 0; c < n; c++)
		pthread_create(&t[c], NULL, fn, (void *)c);
	for (int c = 0; c < n; c++)
		pthread_join(t[c], results ? &results[c] : NULL);
	kmm_cpu_enter(0);
}

bool via_trap;

struct host_op {
	struct task_struct *t;
	unsigned long addr, len;
	char *buf;  /* NULL: touch only */
	int fill;   /* >= 0: memset with it */
	bool write;
};

static void host_op_run(void *arg)
{
	struct host_op *op = arg;
	for (unsigned long done = 0; done < op->len;) {
		unsigned long a = op->addr + done, n = min(op->len - done, PAGE_SIZE - (a & ~PAGE_MASK));
		volatile char *p = task_user_ptr(op->t, a); /* a pointer per page: x86_64 windows are 4 GiB chunks */
		cr_assert_not_null((void *)p);
		if (op->fill >= 0)
			memset((char *)p, op->fill, n);
		else if (op->buf && op->write)
			memcpy((char *)p, op->buf + done, n);
		else if (op->buf)
			memcpy(op->buf + done, (char *)p, n);
		else if (op->write)
			*p = *p;
		else
			(void)*p;
		done += n;
	}
}

static int host_op(struct task_struct *t, unsigned long addr, unsigned long len, char *buf, int fill, bool write)
{
	struct host_op op = { t, addr, len, buf, fill, write };
	return kmm_try(host_op_run, &op);
}

int u_touch(struct task_struct *t, unsigned long addr, unsigned long len, bool write)
{
	return via_trap ? host_op(t, addr, len, NULL, -1, write) : mm_access(t, addr, len, write);
}

int u_read(struct task_struct *t, unsigned long addr, void *buf, unsigned long len)
{
	return via_trap ? host_op(t, addr, len, buf, -1, false) : task_read(t, addr, buf, len);
}

int u_write(struct task_struct *t, unsigned long addr, const void *buf, unsigned long len)
{
	return via_trap ? host_op(t, addr, len, (char *)buf, -1, true) : task_write(t, addr, buf, len);
}

int u_memset(struct task_struct *t, unsigned long addr, int c, unsigned long len)
{
	return via_trap ? host_op(t, addr, len, NULL, c & 0xff, true) : task_memset(t, addr, c, len);
}


/* ---- numbers out of the views ---- */

unsigned long meminfo_value(const char *field)
{
	char *text = kmm_proc_read("meminfo");
	const char *at = strstr(text, field);
	cr_assert_not_null(at, "no %s in meminfo", field);
	unsigned long v = strtoul(at + strlen(field), NULL, 10);
	free(text);
	return v;
}

unsigned long swap_free_kb_settled(void)
{
	struct kmm_usage u;
	kmm_usage_settle(&u);
	return meminfo_value("SwapFree:") + (swap_slots_cached() << (PAGE_SHIFT - 10));
}

unsigned long vmstat_value(const char *name)
{
	char *text = kmm_proc_read("vmstat");
	char want[64];
	snprintf(want, sizeof(want), "\n%s ", name);
	const char *at = strstr(text, want);
	cr_assert_not_null(at, "no %s in vmstat", name);
	unsigned long v = strtoul(at + strlen(want), NULL, 10);
	free(text);
	return v;
}

void pattern_page(char *buf, unsigned long i, int pass)
{
	for (unsigned long k = 0; k < PAGE_SIZE; k += sizeof(unsigned long))
		*(unsigned long *)(buf + k) = i * 1000003UL + k + (unsigned long)pass;
}

void u_write_pattern(struct task_struct *t, unsigned long a, unsigned long first, unsigned long n, int pass)
{
	static char buf[PAGE_SIZE];
	for (unsigned long i = first; i < first + n; i++) {
		pattern_page(buf, i, pass);
		cr_assert_eq(u_write(t, a + i * PAGE_SIZE, buf, PAGE_SIZE), 0, "page %lu", i);
	}
}

void u_check_pattern(struct task_struct *t, unsigned long a, unsigned long first, unsigned long n, int pass)
{
	static char buf[PAGE_SIZE], want[PAGE_SIZE];
	for (unsigned long i = first; i < first + n; i++) {
		cr_assert_eq(u_read(t, a + i * PAGE_SIZE, buf, PAGE_SIZE), 0, "page %lu", i);
		pattern_page(want, i, pass);
		cr_assert(!memcmp(buf, want, PAGE_SIZE), "task %d: page %lu came back with other bytes (pass %d: %lx, wanted %lx)",
			  t->pid, i, pass, *(unsigned long *)buf, *(unsigned long *)want);
	}
}

struct page *mapped_page(struct task_struct *t, unsigned long addr)
{
	unsigned long idx;
	phys_addr_t table = user_pte_table(t->mm->pgd, addr, false, &idx);
	if (!table)
		return NULL;
	pteval_t pte = pte_get(table, idx);
	if (!(pte & _PAGE_PRESENT))
		return NULL;
	return pfn_to_page(PHYS_PFN(pte & PTE_PFN_MASK));
}

/*
 * Every kmalloc cache of a real slabinfo (kmalloc-, its cg/rcl/dma kinds) in kmm's with the
 * same object size, objects per slab and pages per slab; the caches compared.
 */
int expect_kmalloc_geometry(const char *ref, const char *got)
{
	int checked = 0;
	char *save = NULL, *copy = strdup(ref);
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char name[64];
		unsigned a, t, objsize, perslab, pages;
		if (sscanf(l, "%63s %u %u %u %u %u", name, &a, &t, &objsize, &perslab, &pages) != 6 ||
		    !strstr(name, "kmalloc-"))
			continue;
		char key[80];
		snprintf(key, sizeof(key), "\n%s ", name);
		const char *g = strstr(got, key);
		cr_expect_not_null(g, "kmm has no %s", name);
		if (!g)
			continue;
		unsigned ga, gt, gsize, gper, gpages;
		cr_assert_eq(sscanf(g + strlen(key), "%u %u %u %u %u", &ga, &gt, &gsize, &gper, &gpages), 5);
		cr_expect(gsize == objsize && gper == perslab && gpages == pages, "%s: kmm %u/%u/%u, Linux %u/%u/%u", name,
			  gsize, gper, gpages, objsize, perslab, pages);
		checked++;
	}
	free(copy);
	return checked;
}
