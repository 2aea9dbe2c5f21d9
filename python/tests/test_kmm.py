"""The Python module over libkmm.so: boot, views as data, allocate and free, scenarios, replay of
the shared trace on two profiles with their slabinfo compared, the refusal of a mismatched
trace, and the plotting helpers' PNGs.  Run by `make test` (python3 -m pytest python/tests)."""
import os

import pytest

import kmm
import kmm.plot

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("KMM_TEST_DATA", os.path.join(HERE, "..", "..", "tests", "data"))
TRACE = os.path.join(DATA, "traces", "host-ls.trace.dat")


@pytest.fixture
def machine():
    m = kmm.Machine(profile="i386", mem="1G")
    yield m
    m.shutdown()


def test_views_are_data(machine):
    bi = machine.buddyinfo()
    zi = machine.zoneinfo()
    assert set(bi) == {k for k in zi if zi[k].get("present", 0)}
    for key, counts in bi.items():
        assert len(counts) == kmm.MAX_ORDER
        # the free pages buddyinfo counts are zoneinfo's "pages free" (pcp lists drained at boot's end aside)
        assert sum(n << o for o, n in enumerate(counts)) <= zi[key]["free"]
    assert zi[(0, "Normal")]["managed"] <= zi[(0, "Normal")]["present"] <= zi[(0, "Normal")]["spanned"]
    assert zi[(0, "HighMem")]["managed"] > 0  # 1 GiB on i386: above 896 MiB is high memory
    mi = machine.meminfo()
    assert mi["MemFree"] <= mi["MemTotal"] and mi["HighTotal"] > 0
    si = machine.slabinfo()
    assert si["kmalloc-64"]["objsize"] == 64
    assert si["kmalloc-64"]["objperslab"] == 4096 // 64
    assert machine.vmstat()["nr_free_pages"] == sum(z["free"] for z in zi.values() if "free" in z)
    assert "zoneinfo" in machine.views()
    with pytest.raises(kmm.KmmError):
        machine.view("no-such-view")


def test_allocate_and_free(machine):
    before = machine.usage()
    objs = [machine.kmalloc(100) for _ in range(50)]
    assert all(objs) and len(set(objs)) == 50
    assert machine.ksize(objs[0]) == 128
    assert machine.slabinfo()["kmalloc-128"]["active_objs"] >= 50
    pages = machine.alloc_pages(3, "GFP_HIGHUSER")
    assert machine.usage()["free_pages"] <= before["free_pages"] - 8
    for o in objs:
        machine.kfree(o)
    machine.free_pages(pages)
    assert machine.usage() == before
    machine.verify()
    with pytest.raises(kmm.KmmError):
        machine.kfree(objs[0])  # twice: refused before it reaches the allocator
    with pytest.raises(kmm.KmmError):
        machine.alloc_pages(kmm.MAX_ORDER)
    with pytest.raises(kmm.KmmError):
        kmm.gfp("GFP_NONSENSE")


def test_one_machine_at_a_time(machine):
    with pytest.raises(kmm.KmmError):
        kmm.Machine()
    with pytest.raises(kmm.KmmError):
        kmm.run_scenario("boot --mem 64M\n")


def test_bad_boot_option():
    with pytest.raises(kmm.KmmError, match="size"):
        kmm.Machine(mem="lots")
    with kmm.Machine(profile="x86_64", mem="512M") as m:
        assert (0, "DMA32") in m.zoneinfo()


def test_scenario():
    status, out, err = kmm.run_scenario("boot --mem 64M\nshow buddyinfo\n")
    assert status == 0, err
    assert "Node 0, zone   Normal" in out
    status, out, err = kmm.run_scenario("boot --mem 64M\nfrobnicate\n", name="bad.kmm")
    assert status == 2 and "bad.kmm:2" in err


def _replay_on(profile):
    with kmm.Machine(profile=profile, mem="2G") as m:
        start = m.slabinfo()
        r = m.replay(TRACE, allow_mismatch=True, at_end=m.slabinfo)
        assert r["nothing_lost"], r["lost_why"]
        assert m.slabinfo().keys() >= start.keys()
        return start, r


def test_shared_trace_on_two_profiles():
    s32, r32 = _replay_on("i386")
    s64, r64 = _replay_on("x86_64")
    assert r32["input_format"] == r64["input_format"] == "trace.dat"
    assert r32["trace_long_size"] == 8 and "Linux" in r32["kernel_release"]
    assert r32["events"] == r64["events"] > 0
    assert sum(r32["events_on_cpu"].values()) == r32["events"]  # a layout check of the stats' last field
    # the kmalloc classes are Linux's on both: the same requests land in the same classes
    assert r32["agree_kmalloc"] == r32["total_kmalloc"] == r64["agree_kmalloc"] == r64["total_kmalloc"]
    # slabinfo when the trace ended: every kmalloc class holds the same objects more than at the start
    end32, end64 = r32["at_end"], r64["at_end"]
    grew = 0
    for name in end32:
        if name.startswith("kmalloc-") and name[8:].isdigit() and name in end64:
            d32 = end32[name]["active_objs"] - s32.get(name, {"active_objs": 0})["active_objs"]
            d64 = end64[name]["active_objs"] - s64.get(name, {"active_objs": 0})["active_objs"]
            assert d32 == d64, name
            grew += d32 > 0
            # objects per slab follow the object size and the page size, alike on both
            assert end32[name]["objperslab"] == end64[name]["objperslab"], name
    assert grew > 0
    # the traced caches exist only while the trace holds them
    traced = [c for c, v in r32["caches"].items() if not v["kmalloc"]]
    assert traced and any(c in end32 for c in traced)


def test_mismatch_refused():
    with kmm.Machine(profile="i386", mem="1G") as m:
        before = m.usage()
        with pytest.raises(kmm.KmmError, match="64-bit pointers"):
            m.replay(TRACE)
        assert m.usage() == before


def test_plots_write_png(tmp_path):
    with kmm.Machine(profile="i386", mem="1G") as m:
        r = m.replay(TRACE, allow_mismatch=True, sample_every=256)
        files = {
            "free.png": lambda p: kmm.plot.free_pages_over_time(r, p),
            "buddy.png": lambda p: kmm.plot.buddy_orders(m.buddyinfo(), p),
            "slab.png": lambda p: kmm.plot.slab_usage(m.view("slabinfo"), p),
        }
        for name, draw in files.items():
            path = tmp_path / name
            draw(str(path))
            data = path.read_bytes()
            assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000, name


def test_declarations_match_the_headers():
    """The module's C declarations of the structs it fills are the headers' (a field added to one and not
    the other would let the library write past what Python allocated)."""
    import re
    from kmm._ffi import ffi
    include = os.path.join(HERE, "..", "..", "include", "kmm")
    structs = {"kmm.h": ("kmm_numa_range", "kmm_boot_params", "kmm_usage"), "scenario.h": ("kmm_scenario_opts",),
               "trace.h": ("kmm_trace_event", "kmm_replay_config", "kmm_replay_problem", "kmm_replay_cache",
                           "kmm_replay_sample", "kmm_replay_zone", "kmm_replay_stats")}
    for header, names in structs.items():
        with open(os.path.join(include, header)) as f:
            text = f.read()
        for struct in names:
            body = re.search(r"\nstruct %s \{(.*?)\n\};" % struct, text, re.S).group(1)
            body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
            want = []
            for decl in body.split(";")[:-1]:
                fn = re.search(r"\(\s*\*\s*(\w+)\s*\)\s*[(\[]", decl)  # a pointer to a function or array
                if fn:
                    want.append(fn.group(1))
                    continue
                # "int a, b" declares two; bit fields and array bounds are not names
                for part in decl.split(","):
                    m = re.search(r"(\w+)\s*(?:\[[^]]*\])*\s*(?::\s*\w+)?\s*$", part)
                    if m:
                        want.append(m.group(1))
            got = [name for name, _ in ffi.typeof("struct %s" % struct).fields]
            assert got == want, "struct %s: the module declares %s, %s has %s" % (struct, got, header, want)
