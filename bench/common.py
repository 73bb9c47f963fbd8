"""Shared set-up for the benchmarks: a synthetic genome and peak files of any size."""

from __future__ import annotations

import argparse
import gzip
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow" / "scripts"))

from chromcnn.data.genome import prepare_genome  # noqa: E402


def parse_args(doc: str, windows: int | None, prefix: str) -> tuple[argparse.Namespace, Path]:
    """Common command line (``--windows``, ``--workdir``); returns the args and a work folder."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    if windows is not None:
        parser.add_argument("--windows", type=int, default=windows)
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--child", nargs=4, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix=prefix))
    work.mkdir(parents=True, exist_ok=True)
    return args, work


def make_genome(directory: Path, n_chroms: int = 5, chrom_len: int = 10_000_000, seed: int = 0) -> str:
    """Write and index a random genome (soft-masked blocks, an N gap per chromosome)."""
    fa = directory / "genome.fa"
    if Path(f"{fa}.fai").is_file():
        return str(fa)
    rng = np.random.default_rng(seed)
    raw = directory / "raw.fa"
    letters = np.frombuffer(b"ACGTacgt", np.uint8)
    with open(raw, "wb") as out:
        for c in range(n_chroms):
            codes = rng.integers(0, 4, chrom_len).astype(np.uint8)
            codes += (4 * np.repeat(rng.random(chrom_len // 10_000 + 1) < 0.4, 10_000)[:chrom_len]).astype(np.uint8)
            seq = letters[codes]
            seq[1_000_000:1_050_000] = ord("N")
            out.write(f">chr{c + 1}\n".encode())
            lines = seq[: chrom_len - chrom_len % 60].reshape(-1, 60)
            block = np.hstack([lines, np.full((len(lines), 1), 10, np.uint8)])
            out.write(block.tobytes())
            if chrom_len % 60:
                out.write(seq[chrom_len - chrom_len % 60 :].tobytes() + b"\n")
    prepare_genome(raw, fa, directory / "genome.sizes")
    raw.unlink()
    return str(fa)


def make_peaks(directory: Path, fasta: str, n_cells: int, n_peaks: int, seed: int = 1) -> dict[str, str]:
    """narrowPeak files with ``n_peaks`` peaks each; 30% of sites shared across cell types."""
    from chromcnn.data.genome import read_fai

    rng = np.random.default_rng(seed)
    entries = read_fai(f"{fasta}.fai")
    shared = [(e.name, int(p)) for e in entries for p in rng.integers(60_000, e.length - 60_000, n_peaks // 3)]
    files = {}
    for c in range(n_cells):
        rows = []
        picks = rng.choice(len(shared), int(0.3 * n_peaks), replace=False)
        rows += [shared[i] for i in picks]
        for _ in range(n_peaks - len(rows)):
            e = entries[int(rng.integers(len(entries)))]
            rows.append((e.name, int(rng.integers(60_000, e.length - 60_000))))
        path = directory / f"cell{c}.narrowPeak.gz"
        with gzip.open(path, "wt") as out:
            for chrom, centre in sorted(rows):
                start = centre - 150
                out.write(f"{chrom}\t{start}\t{start + 300}\t.\t0\t.\t5\t-1\t-1\t150\n")
        files[f"cell{c}"] = str(path)
    return files


def best_of(fn, repeat: int = 3) -> float:
    """Smallest wall time of ``repeat`` calls (seconds)."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)
