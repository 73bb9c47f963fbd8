"""Write the per-split HDF5 files of the data contract (layout: :mod:`chromcnn.io.split_h5`).

Layout of ``results/data/{split}.h5``:

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
``format_version``, plus ``config_hash`` and ``provenance`` (JSON).
Rows are streamed from ``windows.tsv.gz`` in blocks of whole chunks, so memory
is one chromosome of base codes plus one block, whatever N is.
"""

from __future__ import annotations

import os
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from chromcnn.data.encode import one_hot_windows
from chromcnn.data.genome import load_codes, read_fai
from chromcnn.io.atomic import temp_path
from chromcnn.io.split_h5 import FORMAT_VERSION

COMPRESSIONS = ("none", "lzf", "gzip")


def _filter_kwargs(compression: str, level: int) -> dict:
    if compression == "none":
        return {}
    if compression == "gzip":
        return {"compression": "gzip", "compression_opts": int(level)}
    if compression == "lzf":
        return {"compression": "lzf"}
    raise ValueError(f"compression must be one of {COMPRESSIONS}, got {compression!r}")


class SplitWriter:
    """Appends blocks of examples to a new HDF5 file with resizable chunked datasets."""

    def __init__(
        self,
        path: str | Path,
        tasks: list[str],
        window: int,
        chunk_rows: int,
        compression: str,
        level: int,
        attrs: dict,
        chrom_len: int = 32,
    ) -> None:
        self.path = Path(path)
        self.tmp = temp_path(self.path)
        self.h5 = h5py.File(self.tmp, "w")
        t, kw = len(tasks), _filter_kwargs(compression, level)
        self.x = self.h5.create_dataset(
            "x", (0, 4, window), np.uint8, maxshape=(None, 4, window), chunks=(chunk_rows, 4, window), **kw
        )
        self.y = self.h5.create_dataset(
            "y", (0, t), np.uint8, maxshape=(None, t), chunks=(max(chunk_rows, 1024), t), **kw
        )
        vec = {"maxshape": (None,), "chunks": (max(chunk_rows, 4096),), **kw}
        # fixed-length ASCII: variable-length strings live in HDF5's global heap, whose
        # cache grows with N (measured: +0.2 kB per row); read with h5["chrom"].asstr()
        name_len = max(1, chrom_len)
        self.chrom = self.h5.create_dataset("chrom", (0,), h5py.string_dtype("ascii", name_len), **vec)
        self.start = self.h5.create_dataset("start", (0,), np.int64, **vec)
        self.end = self.h5.create_dataset("end", (0,), np.int64, **vec)
        self.h5.attrs["tasks"] = np.array(tasks, dtype=h5py.string_dtype())
        for key, value in attrs.items():
            self.h5.attrs[key] = value
        self.n = 0

    def append(self, x: np.ndarray, y: np.ndarray, chrom: list[str], start: np.ndarray, end: np.ndarray) -> None:
        """Append a block: x (b, 4, L) uint8, y (b, T) uint8, chrom/start/end (b,)."""
        b = len(x)
        lo, hi = self.n, self.n + b
        for ds in (self.x, self.y, self.chrom, self.start, self.end):
            ds.resize(hi, axis=0)
        self.x[lo:hi] = x
        self.y[lo:hi] = y
        self.chrom[lo:hi] = np.array(chrom, dtype=f"S{self.chrom.dtype.itemsize}")
        self.start[lo:hi] = start
        self.end[lo:hi] = end
        self.n = hi

    def close(self, ok: bool) -> None:
        """Close; rename into place only when ``ok``."""
        self.h5.close()
        if ok:
            os.replace(self.tmp, self.path)
        self.tmp.unlink(missing_ok=True)


def write_split(
    windows_tsv: str,
    split: str,
    fasta: str,
    out_h5: str,
    window: int,
    compression: str = "gzip",
    level: int = 4,
    chunk_rows: int = 256,
    attrs: dict | None = None,
    block_chunks: int = 16,
    threads: int = 1,
) -> int:
    """Encode the windows of one split into ``out_h5``.

    Parameters
    ----------
    windows_tsv : str
        ``windows.tsv.gz`` (chrom, start, end, split, one column per task).
    split : str
        ``train``, ``valid`` or ``test``.
    fasta : str
        Plain indexed FASTA.
    out_h5 : str
        File to write (atomically).
    window : int
        Window length L (checked against every row).
    compression, level, chunk_rows : see config.yaml ``hdf5``.
    attrs : dict, optional
        Extra file attributes.
    block_chunks : int
        Chunks per write (a block is ``block_chunks * chunk_rows`` rows).
    threads : int
        Threads for one-hot encoding.

    Returns
    -------
    int
        Number of examples written.
    """
    entries = {e.name: e for e in read_fai(f"{fasta}.fai")}
    header = pd.read_csv(windows_tsv, sep="\t", nrows=0).columns.tolist()
    tasks = header[4:]
    base = {"split": split, "window": int(window), "format_version": FORMAT_VERSION}
    writer = SplitWriter(
        out_h5,
        tasks,
        window,
        chunk_rows,
        compression,
        level,
        {**base, **(attrs or {})},
        chrom_len=max(len(name) for name in entries),
    )
    cache: tuple[str | None, np.ndarray | None] = (None, None)
    # one reusable block buffer: fresh per-block arrays fragment the heap (RSS grew with N)
    buffer = np.empty((block_chunks * chunk_rows, 4, window), dtype=np.uint8)
    ok = False
    try:
        reader = pd.read_csv(
            windows_tsv, sep="\t", chunksize=block_chunks * chunk_rows, dtype={"chrom": str, "split": str}
        )
        for frame in reader:
            frame = frame[frame["split"] == split]
            if frame.empty:
                continue
            if ((frame["end"] - frame["start"]) != window).any():
                raise ValueError(f"{windows_tsv}: window length differs from {window}; rebuild it")
            for chrom, part in frame.groupby("chrom", sort=False):
                if cache[0] != chrom:
                    cache = (chrom, load_codes(fasta, entries[chrom]))
                starts = part["start"].to_numpy(np.int64)
                x = one_hot_windows(cache[1], starts, window, out=buffer[: len(starts)], threads=threads)
                y = part[tasks].to_numpy(np.uint8)
                writer.append(x, y, part["chrom"].tolist(), starts, part["end"].to_numpy(np.int64))
        ok = True
    finally:
        writer.close(ok)
    return writer.n
