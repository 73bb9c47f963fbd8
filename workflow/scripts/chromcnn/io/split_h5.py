"""The per-split HDF5 files of the data contract: one writer, one reader for every stage.

Layout of ``results/data/{split}.h5`` (filled from ``windows.tsv.gz`` by
:func:`chromcnn.data.hdf5.write_split` through :class:`SplitWriter`):

========  ====================  ==========================================
dataset   dtype, shape          meaning
========  ====================  ==========================================
x         uint8 (N, 4, L)       one-hot A, C, G, T; other bases all-zero
y         uint8 (N, T)          binary labels (``target_mode`` absent or ``binary``)
y         float32 (N, T)        ``target_mode`` ``signal``: transformed central coverage
y         float32 (N, T, B)     ``target_mode`` ``profile``: summed coverage per bin
chrom     ASCII str (N,)        chromosome (fixed length; ``.asstr()``)
start     int64 (N,)            0-based start
end       int64 (N,)            half-open end
========  ====================  ==========================================

Attributes: ``tasks``, ``genome``, ``genome_md5``, ``window``, ``split``,
``format_version``, ``row_order`` (``shuffled`` or ``genomic``) and
``shuffle_seed``, in signal mode ``target_mode``, ``target_transform``, ``target_center``,
in profile mode ``target_mode``, ``target_bin``, ``target_crop`` (B = (L - 2 crop) / bin),
and in both the per-task counts ``signal_bases``, ``signal_nan``, ``signal_negative``
(:mod:`chromcnn.data.signal`), plus ``config_hash`` and ``provenance`` (JSON). Every reader
checks ``format_version`` first, so a file from another release fails with one
line that says to rebuild the data stage.

Format 2: rows are in a seeded random order (:func:`chromcnn.data.hdf5.write_split`),
not in genomic order, so a streaming reader's contiguous blocks are not runs of
neighbouring windows; row ``i`` of every dataset is the same window, so
``chrom``/``start``/``end`` (:func:`read_coords`) say where each row lies.
Every dataset is chunked by the same ``chunk_rows`` rows, so the writer can
place whole chunks anywhere in the file, each written once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from chromcnn.errors import InputError
from chromcnn.io.atomic import StreamedOutput, temp_path

FORMAT_VERSION = 2


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


def open_h5(path: str | Path) -> h5py.File:
    """Open a split file for reading; a missing, truncated or damaged file is one InputError line.

    HDF5 compares the file's size with the end recorded in its superblock when it
    opens a file, so a file cut short (a copy that stopped, a full disk outside
    :mod:`chromcnn.io.atomic`) fails here, before any training step.
    """
    try:
        return h5py.File(path, "r")
    except OSError as err:
        why = str(err).split("\n")[0]
        problem = "split file does not exist" if not Path(path).exists() else "split file is truncated or damaged"
        raise InputError(
            f"{problem} ({why})",
            "delete it and type the same snakemake command again (rule encode_split rebuilds it)",
            path=str(path),
        ) from None


def open_split(path: str | Path) -> SplitInfo:
    """Check a split file's format version and read its shape and tasks."""
    with open_h5(path) as h5:
        _check_version(h5, path)
        x = h5["x"]
        return SplitInfo(str(path), int(x.shape[0]), int(x.shape[2]), _tasks(h5), int(x.chunks[0]), h5["y"].dtype)


def read_meta(path: str | Path) -> dict:
    """File attributes of a split file, with ``tasks`` as a list of str and ``n``."""
    with open_h5(path) as h5:
        _check_version(h5, path)
        meta = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in h5.attrs.items()}
        meta["tasks"] = _tasks(h5)
        meta["n"] = int(h5["x"].shape[0])
        if "provenance" in meta:
            meta["provenance"] = json.loads(meta["provenance"])
    return meta


def read_coords(path: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """str (N,) chrom, int64 (N,) start and end of every row of a split file, in row order."""
    with h5py.File(path, "r") as h5:
        _check_version(h5, path)
        return h5["chrom"].asstr()[:], h5["start"][:], h5["end"][:]


def sample_rows(path: str | Path, n_max: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``n_max`` windows of a split: a seeded uniform sample, returned in a seeded random order.

    Rows are in genomic order in the file, so the order of the sample is shuffled too:
    every prefix of the result (``x[:n]``) is itself a uniform sample of the whole
    split, not its first windows. The file is still read chunk by chunk in file order
    (only blocks holding a sampled row); each block's rows are written straight into
    their shuffled slots, so memory is the result plus one block.

    Parameters
    ----------
    path : str or Path
        A split file (``results/data/{split}.h5``).
    n_max : int
        The most rows to return; the whole split, shuffled, when it has no more.
    seed : int
        Seeds both the choice of rows and their order.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        uint8 (n, 4, L) sequences and (n, T) labels (the file's dtype), row ``i`` of
        both from the same window; ``n = min(n_max, N)``.
    """
    rng = np.random.default_rng(seed)
    with open_h5(path) as h5:
        _check_version(h5, path)
        xd, yd = h5["x"], h5["y"]
        n = xd.shape[0]
        rows = np.sort(rng.choice(n, n_max, replace=False)) if n > n_max else np.arange(n)
        slot = rng.permutation(len(rows))  # rows[i] goes to output position slot[i]
        x = np.empty((len(rows), *xd.shape[1:]), xd.dtype)
        y = np.empty((len(rows), *yd.shape[1:]), yd.dtype)
        step = xd.chunks[0] * 8
        for s in range(0, n, step):
            lo, hi = np.searchsorted(rows, [s, s + step])
            if hi > lo:
                x[slot[lo:hi]] = xd[s : s + step][rows[lo:hi] - s]
                y[slot[lo:hi]] = yd[s : s + step][rows[lo:hi] - s]
    return x, y


COMPRESSIONS = ("none", "lzf", "gzip")


def _filter_kwargs(compression: str, level: int) -> dict:
    if compression == "none":
        return {}
    if compression == "gzip":
        return {"compression": "gzip", "compression_opts": int(level)}
    if compression == "lzf":
        return {"compression": "lzf"}
    raise ValueError(f"compression must be one of {COMPRESSIONS}, got {compression!r}")


class SplitWriter(StreamedOutput):
    """Appends blocks of examples to a new split file with resizable chunked datasets.

    The file is written under a temporary name and renamed into place by
    :meth:`close` with ``ok`` (or at the end of a ``with`` block without an
    exception). ``attrs`` are stored as given: pass ``format_version``.
    Rows are either appended (:meth:`append`) or, after :meth:`reserve`,
    written at given positions (:meth:`write_at`, whole chunks for efficiency).
    """

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
        y_dtype: type = np.uint8,
        y_shape: tuple[int, ...] | None = None,
    ) -> None:
        self.path = Path(path)
        self.tmp = temp_path(self.path)
        self.h5 = h5py.File(self.tmp, "w")
        t, kw = len(tasks), _filter_kwargs(compression, level)
        self.x = self.h5.create_dataset(
            "x", (0, 4, window), np.uint8, maxshape=(None, 4, window), chunks=(chunk_rows, 4, window), **kw
        )
        # every dataset chunked by chunk_rows: a chunk placed anywhere is written once in each
        row = tuple(y_shape) if y_shape is not None else (t,)  # (T,), or (T, bins) for profiles
        self.y = self.h5.create_dataset("y", (0, *row), y_dtype, maxshape=(None, *row), chunks=(chunk_rows, *row), **kw)
        vec = {"maxshape": (None,), "chunks": (chunk_rows,), **kw}
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
        """Append a block: x (b, 4, L) uint8, y (b, T) (the file's y dtype), chrom/start/end (b,)."""
        lo, hi = self.n, self.n + len(x)
        for ds in (self.x, self.y, self.chrom, self.start, self.end):
            ds.resize(hi, axis=0)
        self.write_at(lo, x, y, chrom, start, end)
        self.n = hi

    def reserve(self, n: int) -> None:
        """Size every dataset to ``n`` rows, to be filled by :meth:`write_at`."""
        for ds in (self.x, self.y, self.chrom, self.start, self.end):
            ds.resize(n, axis=0)
        self.n = n

    def write_at(
        self, lo: int, x: np.ndarray, y: np.ndarray, chrom: list[str], start: np.ndarray, end: np.ndarray
    ) -> None:
        """Write a block of rows at rows ``lo .. lo + b`` (inside the reserved size)."""
        hi = lo + len(x)
        self.x[lo:hi] = x
        self.y[lo:hi] = y
        self.chrom[lo:hi] = np.array(chrom, dtype=f"S{self.chrom.dtype.itemsize}")
        self.start[lo:hi] = start
        self.end[lo:hi] = end

    def _close_handles(self) -> None:
        self.h5.close()
