"""The /proc views as Python data, parsed from the text kmm writes in Linux's formats."""


def _num(s):
    try:
        return int(s)
    except ValueError:
        try:
            return float(s)
        except ValueError:
            return s


def buddyinfo(text):
    """{(node, zone): [free blocks of order 0, 1, ...]}"""
    out = {}
    for line in text.splitlines():
        f = line.split()
        if len(f) > 4 and f[0] == "Node" and f[2] == "zone":
            out[(int(f[1].rstrip(",")), f[3])] = [int(x) for x in f[4:]]
    return out


def zoneinfo(text):
    """{(node, zone): {field: value}}: a zone's own lines (pages free, min, low, high, spanned,
    present, managed, protection, nr_free_pages ...); per-node stats go to the node's first zone as
    in the file, per-CPU pagesets under "pagesets" as {cpu: {count, high, batch}}."""
    out = {}
    zone = None
    cpu = None
    for line in text.splitlines():
        f = line.split()
        if not f:
            continue
        if f[0] == "Node" and len(f) >= 4 and f[2] == "zone":
            zone = out.setdefault((int(f[1].rstrip(",")), f[3]), {"pagesets": {}})
            cpu = None
            continue
        if zone is None:
            continue
        if f[0] == "pages" and f[1] == "free":
            zone["free"] = int(f[2])
        elif f[0] == "protection:":
            zone["protection"] = [int(x.strip("(),")) for x in f[1:] if x.strip("(),")]
        elif f[0] == "cpu:" and len(f) == 2:
            cpu = zone["pagesets"].setdefault(int(f[1]), {})
        elif cpu is not None and len(f) == 2 and f[0] in ("count:", "high:", "batch:"):
            cpu[f[0].rstrip(":")] = int(f[1])
        elif len(f) == 2 and f[0].endswith(":") and f[0] != "pagesets":
            zone[f[0].rstrip(":")] = _num(f[1])
        elif len(f) == 2:
            zone[f[0]] = _num(f[1])
    return out


def slabinfo(text):
    """{cache name: {active_objs, num_objs, objsize, objperslab, pagesperslab, active_slabs, num_slabs}}"""
    out = {}
    for line in text.splitlines():
        if line.startswith("slabinfo") or line.startswith("#"):
            continue
        f = line.split()
        if len(f) < 16:
            continue
        out[f[0]] = {
            "active_objs": int(f[1]), "num_objs": int(f[2]), "objsize": int(f[3]),
            "objperslab": int(f[4]), "pagesperslab": int(f[5]),
            "active_slabs": int(f[13]), "num_slabs": int(f[14]),
        }
    return out


def meminfo(text):
    """{field: kB (or a count for the HugePages_ lines)}"""
    out = {}
    for line in text.splitlines():
        if ":" not in line:
            continue
        k, v = line.split(":", 1)
        f = v.split()
        if f:
            out[k.strip()] = _num(f[0])
    return out


def keyvalue(text):
    """vmstat and the like: one "name value" a line."""
    out = {}
    for line in text.splitlines():
        f = line.split()
        if len(f) == 2:
            out[f[0]] = _num(f[1])
    return out


def pagetypeinfo(text):
    """{(node, zone, migratetype): [free blocks of order 0, 1, ...]} from the "Free pages count" table."""
    out = {}
    for line in text.splitlines():
        f = line.split()
        if len(f) > 6 and f[0] == "Node" and f[2] == "zone" and f[4] == "type":
            try:
                out[(int(f[1].rstrip(",")), f[3].rstrip(","), f[5])] = [int(x) for x in f[6:]]
            except ValueError:
                pass
    return out


PARSERS = {
    "buddyinfo": buddyinfo, "zoneinfo": zoneinfo, "slabinfo": slabinfo, "meminfo": meminfo,
    "vmstat": keyvalue, "pagetypeinfo": pagetypeinfo,
}
