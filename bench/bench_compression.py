"""Choose the HDF5 filter for x by measurement: size, write time, sequential and
shuffled-chunk read throughput (what a training loader does).

    .venv/bin/python bench/bench_compression.py [--windows 50000] [--workdir bench/out]

Uses real hg38 chr22 from ../shared/realdata when present (real sequence
compresses differently from random), else the synthetic benchmark genome.
"""

from __future__ import annotations

import time
from pathlib import Path

import h5py
import numpy as np
from common import ROOT, make_genome, parse_args  # puts workflow/scripts on sys.path

# isort: split
from chromcnn.data.genome import prepare_genome, read_fai
from chromcnn.data.hdf5 import write_split
from chromcnn.io.windows_table import WindowsWriter

L = 1000
CHR22 = ROOT.parent / "shared" / "realdata" / "genome" / "hg38.chr22.fa.gz"
SETTINGS = [("none", 0), ("lzf", 0), ("gzip", 1), ("gzip", 4), ("gzip", 9)]


def genome(work: Path) -> tuple[str, str]:
    if CHR22.is_file():
        fa = work / "chr22.fa"
        if not Path(f"{fa}.fai").is_file():
            prepare_genome(CHR22, fa, work / "chr22.sizes")
        return str(fa), "hg38 chr22 (real)"
    return make_genome(work), "synthetic 50 Mb"


def windows_table(path: Path, fasta: str, n: int) -> None:
    rng = np.random.default_rng(0)
    entry = read_fai(f"{fasta}.fai")[0]
    starts = np.sort(rng.integers(17_000_000, entry.length - L - 1_000_000, n)) if entry.length > 20e6 else None
    if starts is None:
        starts = np.sort(rng.integers(0, entry.length - L, n))
    with WindowsWriter(path, ["A"]) as out:
        out.write(entry.name, starts, starts + L, np.full(len(starts), "train"), np.ones((len(starts), 1), np.uint8))


def read_all(path: Path, shuffled: bool) -> float:
    with h5py.File(path) as h5:
        x = h5["x"]
        rows = x.chunks[0]
        order = np.arange(0, x.shape[0], rows)
        if shuffled:
            order = np.random.default_rng(1).permutation(order)
        t = time.perf_counter()
        for i in order:
            x[i : i + rows]
        return time.perf_counter() - t


def main() -> None:
    args, work = parse_args(__doc__, 50_000, "chromcnn-comp-")
    fasta, label = genome(work)
    table = work / "comp.tsv.gz"
    windows_table(table, fasta, args.windows)
    raw_mb = args.windows * 4 * L / 1e6
    print(f"\n{args.windows:,} windows x {L} bp from {label}; x is {raw_mb:.0f} MB uncompressed\n")
    print("| filter | file MB | ratio | write s | sequential read MB/s | shuffled-chunk read MB/s |")
    print("|---|---:|---:|---:|---:|---:|")
    for comp, level in SETTINGS:
        out = work / f"comp-{comp}{level}.h5"
        t = time.perf_counter()
        write_split(str(table), "train", fasta, str(out), L, compression=comp, level=level)
        t_write = time.perf_counter() - t
        size = out.stat().st_size / 1e6
        seq = min(read_all(out, False) for _ in range(2))
        shuf = min(read_all(out, True) for _ in range(2))
        name = comp if comp != "gzip" else f"gzip-{level}"
        print(
            f"| {name} | {size:.0f} | {raw_mb / size:.1f}x | {t_write:.2f} "
            f"| {raw_mb / seq:,.0f} | {raw_mb / shuf:,.0f} |"
        )
        out.unlink()


if __name__ == "__main__":
    main()
