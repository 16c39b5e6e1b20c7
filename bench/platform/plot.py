"""bench/platform: plots of a run (run.sh calls it with Debian's python3-matplotlib).

    plot.py RUN_TOOL_DIR OUTPUT_PREFIX P99_TARGET_MS

Reads resources.csv (idle window per step N) and sweep.csv (command rates per step) and writes
OUTPUT_PREFIX-cpu.png, -rss.png and -latency.png.
"""
import csv
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# More processes than the default 10 colours: each line its own.
plt.rcParams["axes.prop_cycle"] = plt.cycler(color=plt.get_cmap("tab20").colors)


def main():
    src, prefix, target = sys.argv[1], sys.argv[2], float(sys.argv[3])
    rows = list(csv.DictReader(open(f"{src}/resources.csv")))
    cpu = defaultdict(dict)
    rss = defaultdict(dict)
    for r in rows:
        n = int(r["n"])
        name = r["process"]
        if r["kind"] == "load":
            name = "load processes (sum)"
            cpu[name][n] = cpu[name].get(n, 0.0) + float(r["cpu_cores"])
            rss[name][n] = rss[name].get(n, 0.0) + float(r["rss_mib"])
            continue
        cpu[name][n] = float(r["cpu_cores"])
        rss[name][n] = float(r["rss_mib"])
    ns = sorted({int(r["n"]) for r in rows})
    platform = {n: sum(v.get(n, 0.0) for k, v in cpu.items() if k != "load processes (sum)") for n in ns}

    fig, ax = plt.subplots(figsize=(9, 5.5))
    for name in sorted(cpu, key=lambda k: -max(cpu[k].values())):
        xs = sorted(cpu[name])
        ax.plot(xs, [cpu[name][x] for x in xs], marker="o", linestyle="--" if name.startswith("load") else "-", label=name)
    ax.plot(ns, [platform[n] for n in ns], marker="s", color="black", linewidth=2, label="platform total")
    ax.axhline(0.5, color="red", linestyle=":", label="target: platform < 25% of 2 cores")
    ax.set_xlabel("devices online (N)")
    ax.set_ylabel("CPU, cores (idle window)")
    ax.set_title("CPU at idle against devices")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(f"{prefix}-cpu.png", dpi=100)

    fig, ax = plt.subplots(figsize=(9, 5.5))
    for name in sorted(rss, key=lambda k: -max(rss[k].values())):
        xs = sorted(rss[name])
        ax.plot(xs, [rss[name][x] for x in xs], marker="o", linestyle="--" if name.startswith("load") else "-", label=name)
    ax.set_xlabel("devices online (N)")
    ax.set_ylabel("resident memory (VmRSS), MiB")
    ax.set_title("Memory at idle against devices")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(f"{prefix}-rss.png", dpi=100)

    sweep = list(csv.DictReader(open(f"{src}/sweep.csv")))
    fig, ax = plt.subplots(figsize=(9, 5.5))
    by_n = defaultdict(list)
    for r in sweep:
        by_n[int(r["n"])].append(r)
    for n in sorted(by_n):
        pts = sorted(by_n[n], key=lambda r: int(r["rate"]))
        xs = [int(r["rate"]) for r in pts]
        line, = ax.plot(xs, [max(float(r["p99_ms"]), 0.01) for r in pts], marker="o", label=f"N={n} p99")
        ax.plot(xs, [max(float(r["p50_ms"]), 0.01) for r in pts], marker="x", linestyle="--", color=line.get_color(), label=f"N={n} p50")
        for r in pts:
            if int(r["lost"]) > 0:
                ax.annotate(f"{r['lost']} lost", (int(r["rate"]), max(float(r["p99_ms"]), 0.01)), fontsize=7, color="red")
    ax.axhline(target, color="red", linestyle=":", label=f"target p99 {target:g} ms")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("commands/s (open loop)")
    ax.set_ylabel("enqueue → device receipt, ms")
    ax.set_title("Command latency against rate")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(f"{prefix}-latency.png", dpi=100)


if __name__ == "__main__":
    main()
