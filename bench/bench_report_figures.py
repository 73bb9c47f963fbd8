"""The report's ROC/PR figures drawn in worker processes: ours against pickling the arrays.

    .venv/bin/python bench/bench_report_figures.py [--windows 400000]

The report collects its figures and draws them in forked workers
(``figures.render_deferred``). Ours hands the workers indices; they inherit the
arrays (labels and probabilities, windows x 8 tasks per model) through the fork.
The peer is ``multiprocessing.Pool.map`` over the calls themselves, which pickles
every array to a worker (what the report did before). The limit is one process
drawing everything (nothing is copied) divided by the workers. Each way runs in
a fresh process that reports its wall time and its own peak RSS.
"""

from __future__ import annotations

import json
import multiprocessing
import resource
import subprocess
import sys
import time

from common import ROOT, parse_args

TASKS, WORKERS = 8, 2


def child(way: str, windows: int, models: int) -> None:
    """Draw ``models`` ROC/PR figures ``way`` and print seconds and this process's peak RSS."""
    import numpy as np
    from chromcnn.report import figures

    rng = np.random.default_rng(0)
    with figures.deferred() as calls:
        for _ in range(models):
            y = (rng.random((windows, TASKS)) < 0.2).astype(np.float32)
            p = (0.3 * y + 0.7 * rng.random((windows, TASKS), dtype=np.float32)).astype(np.float32)
            figures.roc_pr(y, p, [f"task{j}" for j in range(TASKS)])
    start = time.perf_counter()
    if way == "serial":
        uris = figures.render_deferred(calls, 1)
    elif way == "ours":
        uris = figures.render_deferred(calls, WORKERS)
    else:  # the peer: the calls, arrays included, pickled to the workers
        with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
            uris = pool.map(figures._draw, calls, chunksize=1)
    seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "parent_mb": rss, "figures": len(uris)}))


def main() -> None:
    args, _ = parse_args(__doc__, 400_000, "bench_figures_")
    if args.child:
        way, windows, models, _ = args.child
        return child(way, int(windows), int(models))
    models = 4
    result = {}
    for way in ("serial", "pickled", "ours"):
        cmd = [sys.executable, __file__, "--child", way, str(args.windows), str(models), "-"]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT / "bench").stdout
        result[way] = json.loads(out.strip().splitlines()[-1])
    limit = result["serial"]["seconds"] / WORKERS
    print(f"{models} ROC/PR figures, {args.windows:,} windows x {TASKS} tasks each, {WORKERS} workers")
    for way, r in result.items():
        print(
            f"  {way:8s} {r['seconds']:6.2f} s ({r['seconds'] / limit:.2f}x the limit)  "
            f"parent peak RSS {r['parent_mb']:6.0f} MB"
        )
    peer, ours = result["pickled"], result["ours"]
    print(
        f"  pickled/ours: time {peer['seconds'] / ours['seconds']:.2f}x, "
        f"parent RSS {peer['parent_mb'] / ours['parent_mb']:.2f}x"
    )


if __name__ == "__main__":
    main()
