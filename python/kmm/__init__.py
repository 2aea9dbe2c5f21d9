"""kmm from Python: the Linux 6.1 memory manager in user space (libkmm.so through cffi).

    import kmm
    m = kmm.Machine(profile="i386", mem="4G")        # boots; one machine per process
    m.slabinfo()["kmalloc-64"]["active_objs"]
    p = m.kmalloc(100); m.kfree(p)
    r = m.replay("trace.dat", allow_mismatch=True)    # a dict of the replay's figures
    m.shutdown()
    kmm.run_scenario(open("scenarios/demo.kmm").read())

Views come back parsed (kmm.views): zoneinfo, buddyinfo, slabinfo, meminfo, vmstat,
pagetypeinfo; any other view by m.view("name") as text.  kmm.plot draws PNGs.
"""
import os
import tempfile

from ._ffi import MAX_ORDER, ffi, lib, libc
from . import views as _views

__all__ = ["Machine", "KmmError", "gfp", "run_scenario", "MAX_ORDER"]


# alloc_pages() is an inline of the header around __alloc_pages(); names with two leading
# underscores are fetched outside the class, where Python would mangle them
_alloc_pages = getattr(lib, "__alloc_pages")
_free_pages = getattr(lib, "__free_pages")


class KmmError(Exception):
    """kmm refused an operation; the message is kmm's."""


def _err():
    return ffi.new("char[512]")


def gfp(flags="GFP_KERNEL"):
    """gfp_t bits of a gfp_flags text as kernels print it ("GFP_KERNEL|__GFP_ZERO"), read by kmm's own
    trace parser; an int passes through."""
    if isinstance(flags, int):
        return flags
    line = ("x-0 [000] 0.000000: kmalloc: ptr=1 bytes_req=1 bytes_alloc=1 gfp_flags=%s" % flags).encode()
    ev = ffi.new("struct kmm_trace_event *")
    why = ffi.new("char[160]")
    if lib.kmm_trace_parse_line(line, len(line), ev, why, 160) != 0:
        raise KmmError("gfp flags %r: %s" % (flags, ffi.string(why).decode()))
    return ev.gfp


class Machine:
    """A booted simulated machine.  Boot options are `kmm boot`'s, by name: profile, mem, cpus,
    cmdline, numa, distance, initrd, kernel_size, seed, kconfig; boot_population=False boots bare."""

    _current = None

    def __init__(self, profile="i386", mem="4G", boot_population=False, **opts):
        if lib.kmm_booted():
            raise KmmError("a machine is already booted in this process: shut it down first")
        self._keep = []
        p = ffi.new("struct kmm_boot_params *")
        p.nr_cpus = 1
        p.boot_population = bool(boot_population)
        err = _err()
        for name, value in [("profile", profile), ("mem", mem)] + sorted(opts.items()):
            if value is None:
                continue
            s = ffi.new("char[]", str(value).encode())
            self._keep.append(s)
            if lib.kmm_boot_param_set(p, name.replace("_", "-").encode(), s, err, 512):
                raise KmmError(ffi.string(err).decode())
        if lib.kmm_boot(p, err, 512):
            raise KmmError(ffi.string(err).decode())
        self.profile = profile
        self._objects = {}
        self._pages = {}
        Machine._current = self

    # ---- life -------------------------------------------------------------------------------
    def shutdown(self):
        """Free what was allocated through this object, then tear the machine down."""
        if Machine._current is not self:
            return
        for addr in list(self._objects):
            self.kfree(addr)
        for key in list(self._pages):
            self.free_pages(key)
        lib.kmm_shutdown()
        Machine._current = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown()

    def _alive(self):
        if Machine._current is not self:
            raise KmmError("this machine was shut down")

    # ---- views -------------------------------------------------------------------------------
    def view(self, path):
        """A /proc view's text: "zoneinfo", "sys/vm/min_free_kbytes", "1/maps", ..."""
        self._alive()
        p = lib.kmm_proc_read(path.encode())
        if p == ffi.NULL:
            raise KmmError("no view %r (errno %d)" % (path, ffi.errno))
        try:
            return ffi.string(p).decode()
        finally:
            libc.free(p)

    def views(self):
        """The names of every text view."""
        out, paths, i = [], lib.kmm_proc_paths(), 0
        while paths[i] != ffi.NULL:
            out.append(ffi.string(paths[i]).decode())
            i += 1
        return out

    def write(self, path, value):
        """Write a /proc/sys or cgroup file, e.g. ("sys/vm/min_free_kbytes", 8192)."""
        self._alive()
        ret = lib.kmm_proc_write(path.encode(), str(value).encode())
        if ret:
            raise KmmError("writing %r to %s: %s" % (value, path, os.strerror(-ret)))

    def dmesg(self):
        return ffi.string(lib.kmm_dmesg()).decode()

    def zoneinfo(self):
        return _views.zoneinfo(self.view("zoneinfo"))

    def buddyinfo(self):
        return _views.buddyinfo(self.view("buddyinfo"))

    def slabinfo(self):
        return _views.slabinfo(self.view("slabinfo"))

    def meminfo(self):
        return _views.meminfo(self.view("meminfo"))

    def vmstat(self):
        return _views.keyvalue(self.view("vmstat"))

    def pagetypeinfo(self):
        return _views.pagetypeinfo(self.view("pagetypeinfo"))

    def usage(self):
        """Free pages, slab objects, percpu bytes and vmalloc areas and pages (the live tasks' stacks aside)
        once the caches are given back (kmm_usage_settle)."""
        u = ffi.new("struct kmm_usage *")
        lib.kmm_usage_settle(u)
        return {"free_pages": u.free_pages, "slab_objects": u.slab_objects, "percpu_bytes": u.percpu_bytes,
                "vmap_areas": u.vmap_areas, "vmalloc_pages": u.vmalloc_pages}

    def verify(self):
        """Run every validator; raise KmmError with what is wrong."""
        why = ffi.new("char[512]")
        if lib.kmm_verify(why, 512):
            raise KmmError(ffi.string(why).decode())

    # ---- allocating -------------------------------------------------------------------------
    def kmalloc(self, size, flags="GFP_KERNEL"):
        """An object of size bytes: its kernel address (an int), or None if kmm failed."""
        self._alive()
        if not 0 <= size < 1 << 40:
            raise KmmError("kmalloc size %r" % size)
        p = lib.kmalloc(size, gfp(flags))
        if p == ffi.NULL:
            return None
        addr = int(ffi.cast("uintptr_t", p))
        self._objects[addr] = p
        return addr

    def ksize(self, addr):
        return lib.ksize(self._objects[addr])

    def kfree(self, addr):
        self._alive()
        p = self._objects.pop(addr, None)
        if p is None:
            raise KmmError("kfree of %#x: not allocated through this machine" % addr)
        lib.kfree(p)

    def alloc_pages(self, order=0, flags="GFP_KERNEL"):
        """2^order pages: a handle (an int) for free_pages, or None if kmm failed."""
        self._alive()
        if not 0 <= order < MAX_ORDER:
            raise KmmError("order %r: 0 to %d" % (order, MAX_ORDER - 1))
        page = _alloc_pages(gfp(flags), order, 0, ffi.NULL)
        if page == ffi.NULL:
            return None
        key = int(ffi.cast("uintptr_t", page))
        self._pages[key] = (page, order)
        return key

    def free_pages(self, handle):
        self._alive()
        entry = self._pages.pop(handle, None)
        if entry is None:
            raise KmmError("free_pages of %#x: not allocated through this machine" % handle)
        _free_pages(entry[0], entry[1])

    # ---- replay -----------------------------------------------------------------------------
    def replay(self, path, allow_mismatch=False, sample_every=1024, strict=False, at_end=None):
        """Replay a trace (trace.dat, tracefs or trace-cmd or perf text, zstd or gzip) on this machine;
        the figures as a dict (kmm replay's report), with the free-list samples for kmm.plot.
        at_end: called when the trace ends, before what it left allocated is freed (read views
        there); what it returns is the dict's "at_end"."""
        self._alive()
        cfg = ffi.new("struct kmm_replay_config *")
        cfg.sample_every = sample_every
        cfg.allow_mismatch = bool(allow_mismatch)
        cfg.strict = bool(strict)
        result = {}

        def _at_end(_arg):
            try:
                result["at_end"] = at_end()
            except Exception as e:  # raised again below, not through C
                result["error"] = e

        cb = ffi.callback("void(void *)", _at_end) if at_end else None
        if cb:
            cfg.at_end = cb
        r = lib.kmm_replay_create(cfg)
        if r == ffi.NULL:
            raise KmmError("cannot replay: errno %d" % ffi.errno)
        try:
            err = _err()
            lib.kmm_replay_file(r, os.fsencode(path), err, 512)
            lib.kmm_replay_finish(r)
            st = lib.kmm_replay_stats(r)
            if st.refused:
                raise KmmError("%s: %s" % (path, ffi.string(st.input_error).decode()))
            if "error" in result:
                raise result["error"]
            out = _replay_dict(st)
            out["at_end"] = result.get("at_end")
            return out
        finally:
            lib.kmm_replay_destroy(r)


def _replay_dict(st):
    s = lambda x: ffi.string(x).decode(errors="replace")
    kinds = [s(lib.kmm_trace_kind_name(k)) for k in range(6)]
    zones = ["%d/%s" % (st.zones[z].nid, s(st.zones[z].name)) for z in range(st.nr_zones)]
    samples = []
    for i in range(st.nr_samples):
        sm = st.samples[i]
        samples.append({
            "event": sm.event, "ts_ns": sm.ts_ns, "slab_pages": sm.slab_pages,
            "nr_free": {zones[z]: [sm.nr_free[z][o] for o in range(MAX_ORDER)] for z in range(st.nr_zones)},
        })
    caches = {}
    for i in range(st.nr_caches):
        c = st.caches[i]
        caches[s(c.name)] = {k: getattr(c, k) for k in ("kmalloc", "allocs", "frees", "failures", "peak",
                                                         "bytes_req", "kernel_bytes", "kmm_bytes", "agree")}
    return {
        "input_format": s(st.input_format) if st.input_format != ffi.NULL else None,
        "kernel_release": s(st.kernel_release), "trace_page_size": st.trace_page_size,
        "trace_long_size": st.trace_long_size, "trace_cpus": st.trace_cpus,
        "events_lost": st.events_lost, "lost_gaps": st.lost_gaps,
        "lines": st.lines, "events": st.events, "by_kind": dict(zip(kinds, st.by_kind)),
        "malformed": st.malformed, "unknown": st.unknown, "input_error": s(st.input_error),
        "unmatched_frees": st.unmatched_frees, "null_frees": st.null_frees,
        "kernel_failures": st.kernel_failures, "alloc_failures": dict(zip(kinds, st.alloc_failures)),
        "agree_kmalloc": st.agree_kmalloc, "total_kmalloc": st.total_kmalloc,
        "agree_cache": st.agree_cache, "total_cache": st.total_cache,
        "slab_pages_peak": st.slab_pages_peak, "page_allocs_live_peak": st.page_allocs_live_peak,
        "caches": caches, "zones": zones, "samples": samples,
        "nothing_lost": bool(st.nothing_lost), "lost_why": s(st.lost_why), "bugs": st.bugs,
        "seconds": st.seconds,
        "events_on_cpu": {c: st.events_on_cpu[c] for c in range(64) if st.events_on_cpu[c]},
    }


def run_scenario(text, name="<python>", **boot):
    """Run a scenario script (kmm run's language) on a machine of its own: (exit status, output, errors).
    No machine may be booted meanwhile; boot options as Machine's override the script's."""
    if lib.kmm_booted():
        raise KmmError("a machine is booted in this process: a scenario boots its own")
    with tempfile.TemporaryDirectory() as d:
        out_path, err_path = os.path.join(d, "out"), os.path.join(d, "err")
        out = libc.fopen(out_path.encode(), b"w")
        err = libc.fopen(err_path.encode(), b"w")
        keep = [ffi.new("char[]", x) for k, v in sorted(boot.items())
                for x in (k.replace("_", "-").encode(), str(v).encode())]
        opts = ffi.new("struct kmm_scenario_opts *")
        nm = ffi.new("char[]", name.encode())
        opts.name = nm
        arr = ffi.new("const char *[]", keep + [ffi.NULL])
        opts.boot_opts = arr
        opts.nboot_opts = len(keep) // 2
        opts.max_steps = 10000000
        opts.out, opts.err = out, err
        data = text.encode()
        status = lib.kmm_scenario_run_buf(data, len(data), opts)
        libc.fclose(out)
        libc.fclose(err)
        with open(out_path) as f, open(err_path) as g:
            return status, f.read(), g.read()
