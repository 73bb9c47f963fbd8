"""Extraction + one-hot throughput against peers and the memcpy limit, and end-to-end
peaks -> HDF5 throughput, measured in one run.

    .venv/bin/python bench/bench_encode.py [--windows 100000] [--workdir bench/out]

Peers: tangermeme.io.extract_loci (pip install -r bench/requirements.txt), a
Basset-style per-character Python encoder, and a memcpy of the same number of
output bytes into a fresh array (the physical limit of writing the output).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyfaidx
from common import best_of, make_genome, make_peaks, parse_args  # puts workflow/scripts on sys.path

# isort: split
from chromcnn.config.regions import parse_region
from chromcnn.data.dataset import build_windows_table
from chromcnn.data.encode import one_hot_windows
from chromcnn.data.genome import load_codes, read_fai
from chromcnn.data.hdf5 import write_split
from chromcnn.data.windows import WindowParams

L = 1000


def random_windows(fasta: str, n: int, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    entries = read_fai(f"{fasta}.fai")
    chrom = rng.integers(0, len(entries), n)
    starts = np.array([rng.integers(0, entries[c].length - L) for c in chrom])
    df = pd.DataFrame({"chrom": [entries[c].name for c in chrom], "start": starts})
    df["end"] = df.start + L
    return df.sort_values(["chrom", "start"], kind="stable").reset_index(drop=True)


def ours(fasta: str, windows: pd.DataFrame, threads: int = 1) -> np.ndarray:
    """chromcnn: one chromosome of uint8 codes at a time, blocked gather + np.equal planes."""
    entries = {e.name: e for e in read_fai(f"{fasta}.fai")}
    out = np.empty((len(windows), 4, L), np.uint8)
    pos = 0
    for chrom, part in windows.groupby("chrom", sort=False):
        codes = load_codes(fasta, entries[chrom])
        n = len(part)
        one_hot_windows(codes, part.start.to_numpy(), L, out=out[pos : pos + n], threads=threads)
        pos += n
    return out


def per_character(fasta: str, windows: pd.DataFrame) -> np.ndarray:
    """Basset-style: fetch each window as a string and set one column per character."""
    fa = pyfaidx.Fasta(fasta, sequence_always_upper=False)
    out = np.zeros((len(windows), 4, L), np.uint8)
    for i, (chrom, start) in enumerate(zip(windows.chrom, windows.start)):
        seq = str(fa[chrom][int(start) : int(start) + L])
        for j, base in enumerate(seq):
            if base in "Aa":
                out[i, 0, j] = 1
            elif base in "Cc":
                out[i, 1, j] = 1
            elif base in "Gg":
                out[i, 2, j] = 1
            elif base in "Tt":
                out[i, 3, j] = 1
    return out


def memcpy_limit(n: int) -> float:
    src = np.ones(n * 4 * L, np.uint8)

    def copy():
        dst = np.empty_like(src)
        np.copyto(dst, src)

    return best_of(copy)


def tangermeme_time(fasta: str, windows: pd.DataFrame, ref: np.ndarray, n_jobs: int) -> float | None:
    try:
        from tangermeme.io import extract_loci
    except ImportError:
        return None
    loci = windows[["chrom", "start", "end"]].copy()
    x = extract_loci(loci, fasta, in_window=L, n_jobs=n_jobs)
    assert np.array_equal(np.asarray(x, dtype=np.uint8), ref), "tangermeme and chromcnn disagree"
    return best_of(lambda: extract_loci(loci, fasta, in_window=L, n_jobs=n_jobs), 2)


def end_to_end(work: Path, fasta: str, n_cells: int, n_peaks: int) -> dict:
    peaks = make_peaks(work, fasta, n_cells, n_peaks)
    held = {"valid": [parse_region("chr4")], "test": [parse_region("chr5")]}
    params = WindowParams(window=L, extend=L, negatives="gc_matched", ratio=1.0, held_out=held)
    t = time.perf_counter()
    qc = build_windows_table(fasta, peaks, None, params, str(work / "windows.tsv.gz"))
    t_windows = time.perf_counter() - t
    t = time.perf_counter()
    n = sum(write_split(str(work / "windows.tsv.gz"), s, fasta, str(work / f"{s}.h5"), L) for s in qc["splits"])
    t_h5 = time.perf_counter() - t
    return {"peaks": n_cells * n_peaks, "windows": n, "windows_s": t_windows, "hdf5_s": t_h5}


def main() -> None:
    args, work = parse_args(__doc__, 100_000, "chromcnn-bench-")
    fasta = make_genome(work)
    windows = random_windows(fasta, args.windows)
    n = len(windows)
    ref = ours(fasta, windows)
    sub = windows.sample(2_000, random_state=0).sort_index()
    assert np.array_equal(per_character(fasta, sub), ref[sub.index.to_numpy()])
    times = {
        "memcpy of the output bytes (limit)": memcpy_limit(n),
        "chromcnn (load_codes + gather + one_hot)": best_of(lambda: ours(fasta, windows)),
        "chromcnn, 2 threads": best_of(lambda: ours(fasta, windows, threads=2)),
        "tangermeme extract_loci, n_jobs=1": tangermeme_time(fasta, windows, ref, 1),
        "tangermeme extract_loci, n_jobs=2": tangermeme_time(fasta, windows, ref, 2),
        "Basset-style per-character encoder": best_of(lambda: per_character(fasta, sub), 1) * n / len(sub),
    }
    mine = times["chromcnn (load_codes + gather + one_hot)"]
    print(f"\nExtraction + one-hot of {n:,} windows x {L} bp from a 50 Mb genome (output {n * 4 * L / 1e6:.0f} MB)\n")
    print("| method | seconds | windows/s | its time / chromcnn time |")
    print("|---|---:|---:|---:|")
    for name, sec in times.items():
        if sec is None:
            print(f"| {name} | not installed | | |")
            continue
        print(f"| {name} | {sec:.3f} | {n / sec:,.0f} | {sec / mine:.2f}x |")
    peer = times["tangermeme extract_loci, n_jobs=1"]
    print(
        f"\nTargets: >= 1.0x tangermeme: {peer / mine if peer else float('nan'):.2f}x; "
        f">= 50x per-character: {times['Basset-style per-character encoder'] / mine:.0f}x; "
        f"within 4x of memcpy: {mine / times['memcpy of the output bytes (limit)']:.2f}x"
    )
    e2e = end_to_end(work, fasta, n_cells=5, n_peaks=20_000)
    total = e2e["windows_s"] + e2e["hdf5_s"]
    print(f"\nEnd to end, {e2e['peaks']:,} peaks in 5 cell types -> {e2e['windows']:,} windows (GC-matched negatives)")
    print("| step | seconds | windows/s |\n|---|---:|---:|")
    print(f"| peaks -> windows.tsv.gz | {e2e['windows_s']:.2f} | {e2e['windows'] / e2e['windows_s']:,.0f} |")
    print(f"| windows -> 3 HDF5 splits (gzip-4) | {e2e['hdf5_s']:.2f} | {e2e['windows'] / e2e['hdf5_s']:,.0f} |")
    print(f"| total | {total:.2f} | {e2e['windows'] / total:,.0f} |")
    print(json.dumps({"times": times, "end_to_end": e2e}))


if __name__ == "__main__":
    main()
