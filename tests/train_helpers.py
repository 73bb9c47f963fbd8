"""A tiny, learnable data set in the HDF5 contract, for training tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from chromcnn.data.hdf5 import SplitWriter
from chromcnn.io.split_h5 import FORMAT_VERSION

MOTIFS = ("GATAAGGC", "CACGTGAC", "TTGCGCAA")  # task t is 1 when motif t is planted


def toy_split(
    path: Path, n: int, length: int = 200, seed: int = 0, chunk_rows: int = 16, one_class: bool = False
) -> Path:
    """Random sequences; each of 3 tasks is positive where its motif was planted near the centre.

    ``one_class``: at most one positive per window (multi-class data: each of the 3 tasks
    and the all-zero background a quarter of the windows); else each task at random (35%).
    """
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 4, (n, length)).astype(np.uint8)
    if one_class:
        y = np.eye(len(MOTIFS) + 1, dtype=np.uint8)[rng.integers(0, len(MOTIFS) + 1, n)][:, : len(MOTIFS)]
    else:
        y = (rng.random((n, len(MOTIFS))) < 0.35).astype(np.uint8)
    for i in range(n):
        for t, motif in enumerate(MOTIFS):
            if y[i, t]:
                pos = int(rng.integers(length // 2 - 60, length // 2 + 50))
                codes[i, pos : pos + len(motif)] = ["ACGT".index(c) for c in motif]
    x = np.zeros((n, 4, length), np.uint8)
    for k in range(4):
        x[:, k, :] = codes == k
    writer = SplitWriter(
        path,
        ["A", "B", "C"],
        length,
        chunk_rows,
        "gzip",
        1,
        {"split": path.stem, "window": length, "format_version": FORMAT_VERSION, "genome": "toy"},
    )
    writer.append(x, y, ["chrT"] * n, np.arange(n, dtype=np.int64) * length, np.arange(1, n + 1) * length)
    writer.close(True)
    return path
