"""Peak RSS of the data stage in profile mode (targets.mode: profile) at 1x and 10x the windows.

    nice -n 10 .venv/bin/python bench/bench_profile_rss.py [--windows 20000] [--workdir bench/out]

The same random genome (3 x 5 Mb) and the same two coverage bigWigs (a value every 50 bp
over every chromosome) serve both scales; only the number of 1024 bp windows grows
(``--windows`` and 10x that), encoded with their (T, 8) profiles of 128 bp bins into one
split file (gzip-4), each scale in a fresh process that reports its own peak RSS. The
bigWig is read one stretch of at most ``chromcnn.data.signal.STRETCH_BP`` per pyBigWig call,
and rows are written per block, so the peak should not grow with N. The block and shuffle
buffers are fixed in size but only their touched pages count: below ~20,000 windows they are
not yet full, so compare scales at or above that (measured, under load: 20,000 -> 194 MB,
200,000 -> 203 MB, x1.05; 4,000 -> 149 MB and 40,000 -> 285 MB, measured before the buffers fill
and before read_spans bounded its slice to STRETCH_ROWS windows).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from common import make_genome, parse_args

WINDOW, BIN, TASKS = 1024, 128, ("A", "B")


def child(work: str, fasta: str, n: int) -> None:
    """Encode the split of ``n`` windows in profile mode; print peak RSS (MB), CPU and wall seconds as JSON."""
    from chromcnn.data.hdf5 import write_split
    from chromcnn.data.signal import SignalTargets

    w = Path(work)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0, c0 = time.perf_counter(), time.process_time()
    targets = SignalTargets({t: str(w.parent / f"{t}.bw") for t in TASKS}, 0, "none", "profile", BIN, 0)
    rows = write_split(str(w / "windows.tsv.gz"), "train", fasta, str(w / "train.h5"), WINDOW, signal=targets)
    targets.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    print(json.dumps({"n": rows, "peak_mb": peak, "after_imports_mb": base, "cpu_s": cpu, "wall_s": wall}))


def write_bigwigs(work: Path, fasta: str) -> None:
    """One bigWig per task: a value per 50 bp over every chromosome (seeded)."""
    import pyBigWig

    sizes = [(line.split("\t")[0], int(line.split("\t")[1])) for line in Path(f"{fasta}.fai").read_text().splitlines()]
    rng = np.random.default_rng(5)
    for task in TASKS:
        path = work / f"{task}.bw"
        if path.is_file():
            continue
        bw = pyBigWig.open(str(path), "w")
        bw.addHeader(sizes)
        for chrom, length in sizes:
            values = rng.gamma(1.0, 2.0, length // 50).round(2)
            bw.addEntries(chrom, 0, values=values.tolist(), span=50, step=50)
        bw.close()


def windows_table(path: Path, fasta: str, n: int) -> None:
    sizes = [(line.split("\t")[0], int(line.split("\t")[1])) for line in Path(f"{fasta}.fai").read_text().splitlines()]
    rng = np.random.default_rng(2)
    chrom = rng.integers(0, len(sizes), n)
    start = np.array([rng.integers(0, sizes[c][1] - WINDOW) for c in chrom])
    frame = pd.DataFrame({"chrom": [sizes[c][0] for c in chrom], "start": start, "end": start + WINDOW})
    frame = frame.sort_values(["chrom", "start"], kind="stable")
    frame["split"] = "train"
    for t in TASKS:
        frame[t] = 1
    frame.to_csv(path, sep="\t", index=False)


def measure(work: Path, fasta: str, n: int) -> dict:
    scale = work / f"n{n}"
    scale.mkdir(exist_ok=True)
    windows_table(scale / "windows.tsv.gz", fasta, n)
    proc = subprocess.run(
        [sys.executable, __file__, "--workdir", str(work), "--child", str(scale), fasta, str(n), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    args, work = parse_args(__doc__, 20_000, "chromcnn-profile-rss-")
    if args.child:
        scale, fasta, n, _ = args.child
        child(scale, fasta, int(n))
        return
    fasta = make_genome(work, n_chroms=3, chrom_len=5_000_000)
    write_bigwigs(work, fasta)
    small, large = measure(work, fasta, args.windows), measure(work, fasta, 10 * args.windows)
    print("\n| windows | y shape per row | peak RSS MB | CPU s | wall s |")
    print("|---:|---|---:|---:|---:|")
    for r in (small, large):
        shape = f"({len(TASKS)}, {WINDOW // BIN}) float32"
        print(f"| {r['n']:,} | {shape} | {r['peak_mb']:.0f} | {r['cpu_s']:.1f} | {r['wall_s']:.1f} |")
    ratio = large["peak_mb"] / small["peak_mb"]
    print(f"10x windows: peak RSS x{ratio:.2f} (after imports {small['after_imports_mb']:.0f} MB)")
    print(json.dumps({"small": small, "large": large}))


if __name__ == "__main__":
    main()
