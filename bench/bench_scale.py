"""Basset's scale on one machine: the data stage of the workflow on a synthetic hg38-sized genome.

    .venv/bin/python bench/bench_scale.py [--scale 1.0] [--cells 164] [--cores 2] [--workdir DIR]

``--scale 1`` is hg38's size: 24 chromosomes, 3.1 Gb in all (lengths in hg38's
proportions), each with N gaps (a centromere-like block and scattered runs, ~5%
of the genome), and 164 cell types at Basset's density (about 2,000,000 x scale
union sites, each in one cell type and 30% of them in ~4 more). Smaller ``--scale``
shrinks the genome and the peak counts together (the density stays Basset's);
``--cells`` sets the number of cell types. The workflow itself runs the data stage
(``snakemake --cores N`` up to results/data/{train,valid,test}.h5) from a config
written into the work folder; the report is each rule's wall time and peak RSS
(Snakemake benchmark files) and the sizes of the HDF5 files.

Needs about 3.1 GB of disk per unit of scale for the genome, plus the HDF5 files
(~0.2 GB per million 600 bp windows at gzip-4).
"""

from __future__ import annotations

import argparse
import gzip
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow" / "scripts"))

# hg38 chromosome lengths in Mb (chr1..chr22, chrX, chrY), rounded.
HG38_MB = [
    249,
    242,
    198,
    190,
    181,
    171,
    159,
    145,
    138,
    134,
    135,
    133,
    114,
    107,
    102,
    90,
    83,
    80,
    59,
    64,
    47,
    51,
    156,
    57,
]
UNION_SITES = 2_000_000  # Basset's union sites over 164 cell types
WINDOW = 600
CHUNK = 60 * 166_666  # bases written at a time: whole 60-column lines, so every line but a record's last is full


def make_genome(path: Path, scale: float, seed: int = 0) -> dict[str, int]:
    """Write a gzip FASTA with hg38's chromosome proportions at ``scale`` and N gaps; returns the lengths."""
    rng = np.random.default_rng(seed)
    letters = np.frombuffer(b"ACGTacgt", np.uint8)
    sizes = {}
    with gzip.open(path, "wb", compresslevel=1) as out:
        for i, mb in enumerate(HG38_MB):
            name = f"chr{i + 1}" if i < 22 else ("chrX" if i == 22 else "chrY")
            n = max(200_000, int(mb * 1e6 * scale))
            sizes[name] = n
            out.write(f">{name}\n".encode())
            for start in range(0, n, CHUNK):  # ~10 Mb at a time: bounded memory
                m = min(CHUNK, n - start)
                codes = rng.integers(0, 4, m).astype(np.uint8)
                codes += 4 * np.repeat(rng.random(m // 5_000 + 1) < 0.5, 5_000)[:m].astype(np.uint8)  # soft-masking
                seq = letters[codes]
                for gap in rng.integers(0, m, max(1, m // 2_000_000)):  # scattered 50 kb N runs (~2.5%)
                    seq[gap : gap + 50_000] = ord("N")
                if start <= n // 3 < start + m:  # a centromere-like block (~2.5%)
                    c = n // 3 - start
                    seq[c : c + int(0.025 * n)] = ord("N")
                lines = seq[: m - m % 60].reshape(-1, 60)
                out.write(np.hstack([lines, np.full((len(lines), 1), 10, np.uint8)]).tobytes())
                if m % 60:
                    out.write(seq[m - m % 60 :].tobytes() + b"\n")
    return sizes


def make_peaks(directory: Path, sizes: dict[str, int], cells: int, scale: float, seed: int = 1) -> dict[str, str]:
    """narrowPeak files: ~``UNION_SITES * scale`` distinct sites, each in 1-several cell types."""
    rng = np.random.default_rng(seed)
    names, lengths = list(sizes), np.array(list(sizes.values()), float)
    n_sites = int(UNION_SITES * scale)
    chrom = rng.choice(len(names), n_sites, p=lengths / lengths.sum())
    centre = (rng.random(n_sites) * (lengths[chrom] - 2 * WINDOW)).astype(np.int64) + WINDOW
    # each site in cell types drawn at random; ~30% of sites shared by several
    owners = rng.integers(0, cells, n_sites)
    shared = rng.random(n_sites) < 0.3
    files = {}
    for c in range(cells):
        mine = (owners == c) | (shared & (rng.random(n_sites) < 4 / cells))
        order = np.lexsort((centre[mine], chrom[mine]))
        path = directory / f"cell{c}.narrowPeak.gz"
        with gzip.open(path, "wt", compresslevel=1) as out:
            for k, p in zip(chrom[mine][order], centre[mine][order]):
                out.write(f"{names[k]}\t{p - 100}\t{p + 100}\t.\t0\t.\t5\t-1\t-1\t100\n")
        files[f"cell{c}"] = str(path)
    return files


def write_config(work: Path, fasta: Path, peaks: dict[str, str]) -> Path:
    """The demo's config.yaml with this genome, these peaks, Basset's 600 bp windows and no negatives."""
    import yaml

    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["genome"] = {"name": "scale", "fasta": str(fasta), "md5": None, "blacklist": None, "blacklist_md5": None}
    config["cell_types"] = peaks
    config["window"] = WINDOW
    config["negatives"]["mode"] = "none"  # Basset had none
    config["splits"] = {"valid": ["chr2"], "test": ["chr3"]}
    config["motifs"]["planted"] = None
    path = work / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def report(work: Path) -> None:
    """Wall time and peak RSS per rule (benchmark files), and the HDF5 sizes."""
    rows = []
    for tsv in sorted((work / "benchmarks").rglob("*.tsv")):
        b = pd.read_csv(tsv, sep="\t").iloc[-1]
        rows.append((str(tsv.relative_to(work / "benchmarks")), b["s"], b["max_rss"], b.get("cpu_time", float("nan"))))
    print("\n| rule (benchmark file) | wall s | peak RSS MB | CPU s |\n|---|---:|---:|---:|")
    for name, s, rss, cpu in rows:
        print(f"| {name} | {s:,.1f} | {rss:,.0f} | {cpu:,.1f} |")
    print("\n| file | size MB |\n|---|---:|")
    for h5 in sorted((work / "results" / "data").glob("*.h5")):
        print(f"| {h5.name} | {h5.stat().st_size / 1e6:,.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = hg38's size and Basset's ~2 M sites")
    parser.add_argument("--cells", type=int, default=164)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--workdir", default="bench/out/scale")
    args = parser.parse_args()
    work = Path(args.workdir).resolve()
    (work / "input").mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    fasta = work / "input" / "genome.fa.gz"
    sizes = make_genome(fasta, args.scale)
    peaks = make_peaks(work / "input", sizes, args.cells, args.scale)
    gb = sum(sizes.values()) / 1e9
    print(f"synthetic input: {gb:.3f} Gb, {args.cells} cell types ({time.perf_counter() - t:.0f} s)")
    config = write_config(work, fasta, peaks)
    targets = [f"results/data/{s}.h5" for s in ("train", "valid", "test")]
    cmd = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--directory", str(work)]
    cmd += ["--configfile", str(config), "--cores", str(args.cores), *targets]
    t = time.perf_counter()
    subprocess.run(cmd, check=True)
    print(f"data stage: {time.perf_counter() - t:,.0f} s wall with --cores {args.cores}")
    report(work)


if __name__ == "__main__":
    main()
