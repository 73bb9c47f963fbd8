"""Peak RSS of the data stage at 1x and 10x the number of windows (same genome).

    .venv/bin/python bench/bench_memory.py [--workdir bench/out]

Each stage runs in a fresh process that reports its own peak RSS, so the two
scales do not share memory. The genome (50 Mb, 10 Mb chromosomes) is the same
at both scales; the stage holds one chromosome of uint8 codes at a time.
windows stage: 2,000 vs 20,000 peaks per cell type (5 cell types, 200 bp
windows so that few sites merge, GC-matched negatives). encode stage: exactly
20,000 vs 200,000 random 1000 bp windows -> HDF5 (gzip-4).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

from common import make_genome, make_peaks, parse_args

L_WINDOWS, L_ENCODE = 200, 1000


def child(stage: str, work: str, fasta: str, n_peaks: int) -> None:
    """Run one stage and print its peak RSS in MB as JSON."""
    from chromcnn.config.regions import parse_region
    from chromcnn.data.dataset import build_windows_table
    from chromcnn.data.hdf5 import write_split
    from chromcnn.data.windows import WindowParams

    w = Path(work)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if stage == "windows":
        peaks = {f"cell{c}": str(w / f"cell{c}.narrowPeak.gz") for c in range(5)}
        held = {"valid": [parse_region("chr4")], "test": [parse_region("chr5")]}
        params = WindowParams(window=L_WINDOWS, extend=L_WINDOWS, negatives="gc_matched", held_out=held)
        qc = build_windows_table(fasta, peaks, None, params, str(w / "windows.tsv.gz"))
        n = sum(v["windows"] for v in qc["splits"].values())
    else:
        n = write_split(str(w / "random.tsv.gz"), "train", fasta, str(w / "train.h5"), L_ENCODE)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"stage": stage, "n": n, "peak_mb": peak, "after_imports_mb": base}))


def random_table(path: Path, fasta: str, n: int) -> None:
    """windows.tsv.gz with exactly ``n`` random train windows of L_ENCODE bp."""
    from bench_encode import random_windows
    from chromcnn.io.windows_table import header

    frame = random_windows(fasta, n)
    frame["split"] = "train"
    frame["cell0"] = 1
    frame[header(["cell0"])].to_csv(path, sep="\t", index=False)


def measure(work: Path, fasta: str, n_peaks: int) -> dict:
    scale = work / f"peaks{n_peaks}"
    scale.mkdir(exist_ok=True)
    make_peaks(scale, fasta, 5, n_peaks)
    random_table(scale / "random.tsv.gz", fasta, 10 * n_peaks)
    out = {}
    for stage in ("windows", "encode"):
        proc = subprocess.run(
            [sys.executable, __file__, "--workdir", str(scale), "--child", stage, str(scale), fasta, str(n_peaks)],
            capture_output=True,
            text=True,
            check=True,
        )
        out[stage] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def main() -> None:
    args, work = parse_args(__doc__, None, "chromcnn-mem-")
    if args.child:
        stage, child_work, fasta, n = args.child
        child(stage, child_work, fasta, int(n))
        return
    fasta = make_genome(work)
    small, large = measure(work, fasta, 2_000), measure(work, fasta, 20_000)
    print("\n| stage | windows (1x) | peak RSS MB | windows (10x) | peak RSS MB | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for stage in ("windows", "encode"):
        a, b = small[stage], large[stage]
        print(
            f"| {stage} | {a['n']:,} | {a['peak_mb']:.0f} | {b['n']:,} | {b['peak_mb']:.0f} | "
            f"{b['peak_mb'] / a['peak_mb']:.2f}x |"
        )
    print(f"(after imports: {small['windows']['after_imports_mb']:.0f} MB; one 10 Mb chromosome of codes: 10 MB)")
    print(json.dumps({"small": small, "large": large}))


if __name__ == "__main__":
    main()
