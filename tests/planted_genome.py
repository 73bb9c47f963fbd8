"""A tiny genome with planted motifs, its split files and a model trained on them in seconds.

Three chromosomes (chrA train, chrB valid, chrC test) hold 200 bp windows every
250 bp; in each window task t is positive where motif t (train_helpers.MOTIFS)
is planted once near the centre. The split files are cut from the genome, so a
BED of a split's windows scored from the FASTA must reproduce the split's
predictions exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from chromcnn.config.settings import TrainSettings
from chromcnn.data.hdf5 import SplitWriter
from chromcnn.inference.model_file import header
from chromcnn.io.split_h5 import FORMAT_VERSION
from chromcnn.training.loop import fit
from train_helpers import MOTIFS

TASKS = ["A", "B", "C"]
WINDOW, STEP = 200, 250
N_WINDOWS = {"chrA": 900, "chrB": 200, "chrC": 200}
SPLIT_OF = {"chrA": "train", "chrB": "valid", "chrC": "test"}


@dataclass
class Planted:
    """Paths and ground truth: ``sites[chrom]`` rows (window start, task, motif start), ``labels[chrom]`` (n, 3)."""

    root: Path
    fasta: Path
    splits: dict
    sites: dict
    labels: dict
    codes: dict
    model: Path | None = None


def make_genome(root: Path, seed: int = 0) -> Planted:
    """Write genome.fa (+ split HDF5 files); return the planted sites."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    codes, sites, labels = {}, {}, {}
    for chrom, n in N_WINDOWS.items():
        c = rng.integers(0, 4, n * STEP + 100).astype(np.uint8)
        y = (rng.random((n, len(MOTIFS))) < 0.35).astype(np.uint8)
        rows = []
        for i in range(n):
            start = 50 + i * STEP
            used: list[int] = []
            for t, motif in enumerate(MOTIFS):
                if not y[i, t]:
                    continue
                while True:  # motifs of one window do not overlap
                    pos = start + WINDOW // 2 + int(rng.integers(-60, 50))
                    if all(abs(pos - u) > 12 for u in used):
                        break
                used.append(pos)
                c[pos : pos + len(motif)] = ["ACGT".index(b) for b in motif]
                rows.append((start, t, pos))
        codes[chrom], sites[chrom], labels[chrom] = c, np.array(rows, dtype=np.int64), y
    fasta = root / "genome.fa"
    with open(fasta, "w") as out:
        for chrom, c in codes.items():
            seq = np.frombuffer(b"ACGT", np.uint8)[c].tobytes().decode()
            out.write(f">{chrom}\n" + "".join(seq[i : i + 60] + "\n" for i in range(0, len(seq), 60)))
    splits = {SPLIT_OF[ch]: _write_split(root, ch, codes[ch], labels[ch]) for ch in codes}
    return Planted(root, fasta, splits, sites, labels, codes)


def _write_split(root: Path, chrom: str, codes: np.ndarray, y: np.ndarray) -> str:
    n = len(y)
    starts = 50 + STEP * np.arange(n, dtype=np.int64)
    x = np.zeros((n, 4, WINDOW), np.uint8)
    windows = np.stack([codes[s : s + WINDOW] for s in starts])
    for k in range(4):
        x[:, k, :] = windows == k
    path = root / f"{SPLIT_OF[chrom]}.h5"
    attrs = {"split": SPLIT_OF[chrom], "window": WINDOW, "format_version": FORMAT_VERSION, "genome": "planted"}
    writer = SplitWriter(path, TASKS, WINDOW, 64, "gzip", 1, attrs)
    writer.append(x, y, [chrom] * n, starts, starts + WINDOW)
    writer.close(True)
    return str(path)


def train_model(p: Planted, epochs: int = 10) -> Path:
    """A deepbind model (16 detectors) trained on the planted genome; returns model.pt."""
    s = TrainSettings(
        arch="deepbind",
        hparams={"filters": 16, "kernel": 11},
        lr=1e-2,
        batch_size=32,
        max_epochs=epochs,
        patience=10,
        shift=0,
        seed=1,
        device="cpu",
    )
    from chromcnn import models

    def build():
        return models.build("deepbind", len(TASKS), WINDOW, **s.hparams)

    out = p.root / "model"
    fit(build, p.splits["train"], p.splits["valid"], out, s, meta=header(s, TASKS, WINDOW))
    p.model = out / "model.pt"
    return p.model


_CACHE: dict[int, Planted] = {}


def planted_fixture(tmp_path_factory) -> Planted:
    """The planted genome with its trained model (about 12 s on one CPU thread), made once per session."""
    key = id(tmp_path_factory)
    if key not in _CACHE:
        p = make_genome(tmp_path_factory.mktemp("planted"))
        train_model(p)
        _CACHE[key] = p
    return _CACHE[key]
