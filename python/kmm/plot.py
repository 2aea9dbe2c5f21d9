"""Pictures for notebooks (matplotlib, written as PNG or shown inline): free pages per zone over a
replay, the buddy allocator's free blocks by order, slab usage by cache."""
import matplotlib

if not matplotlib.get_backend().lower().startswith(("module://", "nbagg", "ipympl", "widget")):
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from . import views as _views  # noqa: E402


def _save(fig, path):
    if path:
        fig.savefig(path, dpi=100)
        plt.close(fig)
    return fig


def free_pages_over_time(replay, path=None):
    """Free pages per zone at each sample of a replay (Machine.replay's dict)."""
    fig, ax = plt.subplots(figsize=(8, 4))
    xs = [s["event"] for s in replay["samples"]]
    for zone in replay["zones"]:
        ys = [sum(n << o for o, n in enumerate(s["nr_free"][zone])) for s in replay["samples"]]
        ax.plot(xs, ys, label=zone)
    ax.set_xlabel("events replayed")
    ax.set_ylabel("free pages")
    ax.set_title("Free pages per zone")
    ax.legend()
    return _save(fig, path)


def buddy_orders(buddyinfo, path=None):
    """Free blocks of each order per zone (Machine.buddyinfo(), or the text of the view)."""
    if isinstance(buddyinfo, str):
        buddyinfo = _views.buddyinfo(buddyinfo)
    fig, ax = plt.subplots(figsize=(8, 4))
    n = max(1, len(buddyinfo))
    width = 0.8 / n
    for i, ((node, zone), counts) in enumerate(sorted(buddyinfo.items())):
        ax.bar([o + i * width for o in range(len(counts))], counts, width, label="%d/%s" % (node, zone))
    ax.set_xlabel("order")
    ax.set_ylabel("free blocks")
    ax.set_yscale("symlog")
    ax.set_title("Buddy allocator: free blocks by order")
    ax.legend()
    return _save(fig, path)


def slab_usage(slabinfo, path=None, top=20):
    """Memory in the top caches (Machine.slabinfo(), or the text of the view): used and total KiB."""
    if isinstance(slabinfo, str):
        slabinfo = _views.slabinfo(slabinfo)
    rows = sorted(slabinfo.items(), key=lambda kv: kv[1]["num_slabs"] * kv[1]["pagesperslab"], reverse=True)[:top]
    fig, ax = plt.subplots(figsize=(8, max(3, len(rows) * 0.3)))
    names = [r[0] for r in rows]
    total = [r[1]["num_slabs"] * r[1]["pagesperslab"] * 4 for r in rows]
    used = [r[1]["active_objs"] * r[1]["objsize"] / 1024 for r in rows]
    ax.barh(names, total, label="slab pages (KiB)")
    ax.barh(names, used, label="objects in use (KiB)")
    ax.invert_yaxis()
    ax.set_title("Slab usage")
    ax.legend()
    return _save(fig, path)
