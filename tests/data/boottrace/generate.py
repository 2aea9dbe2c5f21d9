#!/usr/bin/env python3
"""Generate src/mm/boot_population_data.c from the real 6.1 boots kept here.

For each profile folder (i386, i386-pae, x86_64) it reads:
  slab_attrs.txt  one line per /sys/kernel/slab directory (object_size, align,
                  flags, ctor, usersize) -> the caches to create
  slab_links.txt  the merge aliases (alias -> directory)
  slabinfo.txt    which name slabinfo shows for a merged cache, the creation
                  order (slabinfo lists newest first) and the populations
                  (active_objs, num_objs)
  zoneinfo.txt, vmstat.txt, meminfo.txt, vmallocinfo.txt
                  the page-level population: pcp lists, kernel stacks,
                  vmalloc areas, and the pages boot holds otherwise.
Usage: python3 tests/data/boottrace/generate.py > src/mm/boot_population_data.c
       python3 tests/data/boottrace/generate.py --callers > src/mm/boot_population_callers.c
"""
import os, re, sys

CALLERS = {}  # profile symbol -> [(function, offset, size)] in vmaps order
HERE = os.path.dirname(os.path.abspath(__file__))
PROFILES = [("i386", "i386"), ("i386-pae", "i386_pae"), ("x86_64", "x86_64")]
THREAD_KB = {"i386": 8, "i386-pae": 8, "x86_64": 16}

def read(prof, name):
    with open(os.path.join(HERE, prof, name)) as f:
        return f.read()

def attrs(prof):
    out = {}
    for line in read(prof, "slab_attrs.txt").splitlines():
        w = line.split()
        d = dict(x.split("=", 1) for x in w[1:])
        out[w[0]] = d
    return out

def links(prof):
    out = {}
    for line in read(prof, "slab_links.txt").splitlines():
        a, _, t = line.split()
        out[a] = t.rstrip("/").split("/")[-1]
    return out

def slabinfo(prof):
    rows = []
    for line in read(prof, "slabinfo.txt").splitlines()[2:]:
        w = line.split()
        rows.append((w[0], int(w[1]), int(w[2]), int(w[3])))
    return rows

def vmstat(prof):
    return {l.split()[0]: int(l.split()[1]) for l in read(prof, "vmstat.txt").splitlines()}

def zones(prof):
    """per zone name: managed, free, pcp count (summed over CPUs and nodes)"""
    z, cur = {}, None
    for line in read(prof, "zoneinfo.txt").splitlines():
        m = re.match(r"Node \d+, zone\s+(\S+)", line)
        if m:
            cur = z.setdefault(m.group(1), {"managed": 0, "free": 0, "pcp": 0})
            continue
        w = line.split()
        if cur is None or not w:
            continue
        if w[0] == "managed":
            cur["managed"] += int(w[1])
        elif w[:2] == ["pages", "free"]:
            cur["free"] += int(w[2])
        elif w[0] == "count:":
            cur["pcp"] += int(w[1])
    return z

# alloc_large_system_hash() tables: the early two (memblock; vmalloc'ed later on NUMA) and the late ones
HASHES = ["Dentry cache", "Inode-cache", "Mount-cache", "Mountpoint-cache", "futex", "IP idents",
          "tcp_listen_portaddr_hash", "Table-perturb", "TCP established", "TCP bind", "MPTCP token", "UDP", "UDP-Lite"]

def hashes(prof):
    """name -> (entries, bytes, kind) from the boot log's "NAME hash table entries: N (order: o, B bytes, KIND)" """
    out = {}
    for line in read(prof, "dmesg.txt").splitlines():
        m = re.search(r"\] (.+) hash table entries: (\d+) \(order: \d+, (\d+) bytes, ([a-z ]+)\)", line)
        if m and m.group(1) in HASHES:
            out[m.group(1)] = (int(m.group(2)), int(m.group(3)), m.group(4))
    return out

def flags(d, dirname):
    f = []
    if d["hwcache_align"] == "1": f.append("SLAB_HWCACHE_ALIGN")
    if d["reclaim_account"] == "1": f.append("SLAB_RECLAIM_ACCOUNT")
    if d["destroy_by_rcu"] == "1": f.append("SLAB_TYPESAFE_BY_RCU")
    if d["cache_dma"] == "1": f.append("SLAB_CACHE_DMA")
    # create_unique_id(): 'A' marks SLAB_ACCOUNT (only mergeable caches have an id)
    if dirname.startswith(":") and "A" in dirname.split("-")[0]: f.append("SLAB_ACCOUNT")
    return " | ".join(f) or "0"

def cstr(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

def gen(prof, sym):
    at, ln, si = attrs(prof), links(prof), slabinfo(prof)
    shown = {r[0]: r for r in si}
    # dir -> its names; a named directory is an unmergeable cache of that name
    names = {}
    for a, t in ln.items():
        names.setdefault(t, []).append(a)
    for dname in at:
        if not dname.startswith(":"):
            names.setdefault(dname, []).append(dname)
    primary = {}
    for dname, ns in names.items():
        p = [n for n in ns if n in shown]
        if len(p) != 1:
            sys.exit("%s: %s: %d of its names in slabinfo (%s)" % (prof, dname, len(p), ns))
        primary[p[0]] = dname
    lines = []
    # creation order: slabinfo lists the newest cache first
    for name, active, num, size in reversed(si):
        dname = primary.get(name)
        if dname is None:
            sys.exit("%s: slabinfo's %s has no /sys/kernel/slab entry" % (prof, name))
        d = at[dname]
        ctor = "true" if d["ctor"] not in ('""', "-") else "false"
        for n in [name] + sorted(x for x in names[dname] if x != name):
            a, b = (active, num) if n == name else (0, 0)
            alias = "false" if n == name else "true"
            lines.append("\t{ %-28s %4s, %4s, %-58s %5s, %-5s, %-5s, %6d, %6d }," % (
                cstr(n) + ",", d["object_size"], d["align"], flags(d, dname) + ",", d["usersize"], ctor, alias, a, b))
    # vmalloc areas that hold pages (pages=N, or N0=a N1=b on NUMA), and reserved ones
    vm = []
    for line in read(prof, "vmallocinfo.txt").splitlines():
        w = line.split()
        if len(w) < 3 or w[2] == "unpurged" or "ioremap" in w or "vmap" in w:
            continue
        caller = w[2].split("+")[0]
        if caller in ("alloc_large_system_hash",):  # kmm's boot makes these itself (hashdist)
            continue
        # pages=N, and on NUMA kernels N0=a N1=b ... as well (the same pages, per node)
        pg = [int(x.split("=")[1]) for x in w[3:] if x.startswith("pages=")]
        pages = pg[0] if pg else sum(int(x.split("=")[1]) for x in w[3:] if re.match(r"N\d+=", x))
        stack = caller in ("kernel_clone", "fork_idle", "copy_process")
        m = re.match(r"([A-Za-z0-9_.]+)\+(0x[0-9a-f]+)/(0x[0-9a-f]+)$", w[2])
        CALLERS.setdefault(sym, []).append((m.group(1), int(m.group(2), 16), int(m.group(3), 16)))
        vm.append("\t{ %7d, %4d, %-5s }, /* %s */" % (int(w[1]), pages, "true" if stack else "false", caller))
    vs, z = vmstat(prof), zones(prof)
    mi = {l.split(":")[0]: int(l.split()[1]) for l in read(prof, "meminfo.txt").splitlines()}
    alloc = sum(x["managed"] - x["free"] for x in z.values())
    pcp = {k: v["pcp"] for k, v in z.items()}
    slab = vs["nr_slab_reclaimable"] + vs["nr_slab_unreclaimable"]
    vmalloc_pages = sum(int(l.split(",")[1]) for l in vm)
    stack_pages = 0 if prof == "x86_64" else mi["KernelStack"] // 4  # x86_64: VMAP_STACK, in the vmalloc areas
    user = vs["nr_file_pages"] + vs["nr_anon_pages"] + vs["nr_page_table_pages"]
    hs = hashes(prof)
    missing = [h for h in HASHES if h not in hs]
    if missing:
        sys.exit("%s: dmesg.txt lacks the hash tables %s" % (prof, missing))
    late_linear = sum((b + 4095) // 4096 for n, (e, b, k) in hs.items() if n not in HASHES[:2] and k == "linear")
    other = alloc - sum(pcp.values()) - slab - vmalloc_pages - stack_pages - user - late_linear
    other = max(other, 0)  # x86_64: the itemized pages already cover it (within a few pages)
    o = []
    o.append("/* %s: %d caches (%d names), %d vmalloc areas */" % (prof, len(si), len(lines), len(vm)))
    o.append("static const struct boot_cache %s_caches[] = {" % sym)
    o += lines
    o.append("};")
    o.append("static const struct boot_vmap %s_vmaps[] = {" % sym)
    o += vm
    o.append("};")
    o.append("/* bucket sizes: bytes / entries of the boot log's hash table lines */")
    o.append("static const struct boot_hash %s_hashes[] = {" % sym)
    for h in HASHES:
        e, b, k = hs[h]
        o.append("\t{ %-28s %3d }, /* %d entries, %d bytes, %s */" % (cstr(h) + ",", b // e, e, b, k))
    o.append("};")
    o.append("static const struct boot_population %s_population = {" % sym)
    o.append("\t.profile = %s," % cstr(prof))
    o.append("\t.caches = %s_caches, .nr_caches = ARRAY_SIZE(%s_caches)," % (sym, sym))
    o.append("\t.vmaps = %s_vmaps, .nr_vmaps = ARRAY_SIZE(%s_vmaps)," % (sym, sym))
    o.append("\t.callers = boot_vmap_callers_%s," % sym)
    o.append("\t.hashes = %s_hashes, .nr_hashes = ARRAY_SIZE(%s_hashes)," % (sym, sym))
    cpus = int(re.search(r"nr_cpu_ids:(\d+)", read(prof, "dmesg.txt")).group(1))
    o.append("\t.nr_cpus = %d, /* the boot's CPUs */" % cpus)
    o.append("\t.nr_stacks = %d, /* KernelStack %d kB in %d KiB stacks from the page allocator */" % (
        stack_pages * 4 // THREAD_KB[prof], mi["KernelStack"], THREAD_KB[prof]) if prof != "x86_64" else
        "\t.nr_stacks = 0, /* VMAP_STACK: the stacks are vmalloc areas above */")
    o.append("\t.pcp = { [ZONE_DMA] = %d, [ZONE_DMA32] = %d, [ZONE_NORMAL] = %d, [ZONE_HIGHMEM] = %d }," % (
        pcp.get("DMA", 0), pcp.get("DMA32", 0), pcp.get("Normal", 0), pcp.get("HighMem", 0)))
    slabinfo_pages = sum(int(l.split()[14]) * int(l.split()[5]) for l in read(prof, "slabinfo.txt").splitlines()[2:])
    o.append("\t.large_kmalloc_pages = %d, /* meminfo Slab - slabinfo's slabs: 6.1 counts kmalloc_large() as SUnreclaim */" % max(0, mi["Slab"] // 4 - slabinfo_pages))
    o.append("\t.user_pages = %d, /* nr_file_pages + nr_anon_pages + nr_page_table_pages */" % user)
    o.append("\t.other_pages = %d, /* the rest of managed - free (the late hash tables apart) */" % other)
    units = len(re.findall(r"\s(?:\d+|-)(?=\s)", " ".join(l.split("]", 2)[2] for l in read(prof, "dmesg.txt").splitlines() if "pcpu-alloc: [" in l) + " "))
    o.append("\t.percpu_pages_per_unit = %d, /* meminfo Percpu %d kB over the first chunk's %d units */" % (
        mi["Percpu"] // 4 // units, mi["Percpu"], units))
    o.append("};")
    return "\n".join(o)

if len(sys.argv) > 1 and sys.argv[1] == "--callers":
    for prof, sym in PROFILES:
        gen(prof, sym)
    print("""/*
 * boot_population_callers.c - GENERATED by tests/data/boottrace/generate.py
 * --callers; do not edit, regenerate.
 *
 * vmallocinfo names an area's caller as function+offset/size (%pS): the
 * functions of the real kernel that made the boot's vmalloc areas, as
 * local symbols of the size kallsyms gave them (the first profile's that has
 * them), never called: only their addresses are used, so kmm's vmallocinfo
 * names the same callers.  The symbols are local to this file (no .globl),
 * so they cannot meet kmm's own functions of the same names.
 *
 * Vocabulary and structures: boot_vmap_callers_PROFILE[i] is the caller of
 * the i-th area of that profile's boot_vmap table (boot_population_data.c).
 * Invariants: each array has one entry per area of its table, in order.
 * Locking: none - read-only data.
 */
""")
    # the hash tables a NUMA kernel vmallocs, named as x86_64-4G-numa2's vmallocinfo names them
    CALLERS["hash"] = [("alloc_large_system_hash", 0x197, 0x270)]
    funcs = {}
    for sym in CALLERS:
        for f, off, size in CALLERS[sym]:
            funcs.setdefault(f, size)
    for f, size in sorted(funcs.items()):
        cname = "caller_" + f.replace(".", "_")
        print('__asm__(".pushsection .text\\n.type %s, @function\\n%s:\\n.fill %#x, 1, 0xcc\\n.size %s, %#x\\n.popsection");' % (f, f, size, f, size))
        print('extern const char %s[] __asm__("%s");' % (cname, f))
    print()
    for sym in CALLERS:
        print("extern const void *const boot_vmap_callers_%s[];" % sym)
        print("const void *const boot_vmap_callers_%s[] = {" % sym)
        for f, off, size in CALLERS[sym]:
            print("\t%s + %#x," % ("caller_" + f.replace(".", "_"), off))
        print("};")
    sys.exit(0)

print("""/*
 * boot_population_data.c - GENERATED by tests/data/boottrace/generate.py from
 * the real Linux 6.1 boots in tests/data/boottrace/PROFILE/ (see the README
 * there); do not edit, regenerate.  Read by mm/boot_population.c.
 *
 * Vocabulary and structures (internal.h): per profile a struct
 * boot_population - its boot_cache table (every cache of the real boot in
 * creation order: object size, align, flags, usercopy size, ctor or not,
 * and slabinfo's active/total objects), its boot_vmap table (the real
 * vmallocinfo's areas: size with guard, pages, stack or not), its
 * boot_hash table (bytes per entry of the late hash tables), and the page
 * counts meminfo/zoneinfo leave once the rest is accounted for.
 * Invariants: a cache named in an alias line comes after its target; the
 * figures are the real boot's as read, none tuned.  Locking: none -
 * read-only data.
 */
#include "internal.h"

#include <kmm/slab.h>
""")
for prof, sym in PROFILES:
    print("extern const void *const boot_vmap_callers_%s[]; /* boot_population_callers.c */" % sym)
print("extern const void *const boot_vmap_callers_hash[];")
print()
for prof, sym in PROFILES:
    print(gen(prof, sym))
    print()
print("const struct boot_population *const boot_populations[] = { &i386_population, &i386_pae_population, &x86_64_population, NULL };")
