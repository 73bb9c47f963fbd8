"""Read the per-split HDF5 files of the data contract (one reader for every stage).

Layout of ``results/data/{split}.h5`` (written by :mod:`chromcnn.data.hdf5`):

========  ====================  ==========================================
dataset   dtype, shape          meaning
========  ====================  ==========================================
x         uint8 (N, 4, L)       one-hot A, C, G, T; other bases all-zero
y         uint8 (N, T)          binary labels
chrom     ASCII str (N,)        chromosome (fixed length; ``.asstr()``)
start     int64 (N,)            0-based start
end       int64 (N,)            half-open end
========  ====================  ==========================================

Attributes: ``tasks``, ``genome``, ``genome_md5``, ``window``, ``split``,
``format_version``, plus ``config_hash`` and ``provenance`` (JSON). Every
reader checks ``format_version`` first, so a file from another release fails
with one line that says to rebuild the data stage.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from chromcnn.errors import InputError

FORMAT_VERSION = 1


@dataclass
class SplitInfo:
    """What a split file holds."""

    path: str
    n: int
    window: int
    tasks: list[str]
    chunk_rows: int
    y_dtype: np.dtype


def _tasks(h5: h5py.File) -> list[str]:
    return [t.decode() if isinstance(t, bytes) else str(t) for t in h5.attrs["tasks"]]


def _check_version(h5: h5py.File, path: str | Path) -> None:
    version = int(h5.attrs.get("format_version", -1))
    if version != FORMAT_VERSION:
        raise InputError(
            f"HDF5 format_version {version}, this chromcnn reads version {FORMAT_VERSION}",
            "rebuild the data stage with this version (delete results/data and rerun snakemake)",
            path=str(path),
        )


def open_split(path: str | Path) -> SplitInfo:
    """Check a split file's format version and read its shape and tasks."""
    with h5py.File(path, "r") as h5:
        _check_version(h5, path)
        x = h5["x"]
        return SplitInfo(str(path), int(x.shape[0]), int(x.shape[2]), _tasks(h5), int(x.chunks[0]), h5["y"].dtype)


def read_meta(path: str | Path) -> dict:
    """File attributes of a split file, with ``tasks`` as a list of str and ``n``."""
    with h5py.File(path, "r") as h5:
        _check_version(h5, path)
        meta = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in h5.attrs.items()}
        meta["tasks"] = _tasks(h5)
        meta["n"] = int(h5["x"].shape[0])
        if "provenance" in meta:
            meta["provenance"] = json.loads(meta["provenance"])
    return meta


def sample_rows(path: str | Path, n_max: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``n_max`` windows of a split, a seeded uniform sample in file order, read chunk by chunk.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        uint8 (n, 4, L) and labels (n, T).
    """
    with h5py.File(path, "r") as h5:
        _check_version(h5, path)
        n = h5["x"].shape[0]
        keep = np.ones(n, dtype=bool)
        if n > n_max:
            keep[:] = False
            keep[np.random.default_rng(seed).choice(n, n_max, replace=False)] = True
        step = h5["x"].chunks[0] * 8
        xs, ys = [], []
        for s in range(0, n, step):
            m = keep[s : s + step]
            if m.any():
                xs.append(h5["x"][s : s + step][m])
                ys.append(h5["y"][s : s + step][m])
    return np.concatenate(xs), np.concatenate(ys)
