"""Write the per-split HDF5 files of the data contract from ``windows.tsv.gz``.

The layout is documented (and written and read) in :mod:`chromcnn.io.split_h5`.
Rows are streamed from ``windows.tsv.gz`` in blocks of whole chunks, so memory
is one chromosome of base codes plus one shuffle buffer, whatever N is.

**Row order** (format 2). With a seed, rows are written in a seeded random
order, streamed: windows arrive in genomic order and fill a buffer of
``shuffle_chunks`` HDF5 chunks (``shuffle_chunks * chunk_rows`` rows); a full
buffer is permuted, cut into chunks, and each chunk is written to a slot of a
seeded random permutation of the file's chunk slots. A chunk thus holds a
random subset of one buffer's stretch of windows and sits at a random place:
consecutive rows are not neighbouring windows, and a streaming reader's
contiguous blocks come from unrelated loci. The last ``N % chunk_rows`` rows
(a permuted part of the last buffer) fill the final, partial chunk. The same
seed and input give the same bytes. Without a seed rows stay in genomic order.
"""

from __future__ import annotations

import numpy as np

from chromcnn.data.encode import one_hot_windows
from chromcnn.data.genome import fasta_index, load_codes
from chromcnn.data.signal import SignalTargets
from chromcnn.io.split_h5 import FORMAT_VERSION, SplitWriter
from chromcnn.io.windows_table import read_tasks, read_windows

__all__ = ["SplitWriter", "write_split"]  # SplitWriter re-exported for the tests' toy splits


class _Shuffler:
    """Buffers rows in arrival order and writes them, permuted, chunk by chunk to seeded random slots."""

    def __init__(self, writer: SplitWriter, n: int, chunk_rows: int, buffer_chunks: int, window: int, seed):
        self.writer, self.c = writer, chunk_rows
        self.rng = np.random.default_rng(seed) if seed is not None else None
        self.slots = self.rng.permutation(n // chunk_rows) if self.rng is not None else np.arange(n // chunk_rows)
        self.emitted = 0
        size = buffer_chunks * chunk_rows
        self.x = np.empty((size, 4, window), np.uint8)
        self.y = np.empty((size, *writer.y.shape[1:]), writer.y.dtype)
        self.chrom = np.empty(size, dtype=object)
        self.start = np.empty(size, np.int64)
        self.fill = 0
        writer.reserve(n)

    def add(self, x: np.ndarray, y: np.ndarray, chrom: str, start: np.ndarray) -> None:
        """Rows of one chromosome in genomic order: x (b, 4, L) uint8, y (b, T) or (b, T, bins), start (b,)."""
        done = 0
        while done < len(x):
            take = min(len(self.x) - self.fill, len(x) - done)
            sl = slice(self.fill, self.fill + take)
            self.x[sl], self.y[sl] = x[done : done + take], y[done : done + take]
            self.chrom[sl], self.start[sl] = chrom, start[done : done + take]
            self.fill += take
            done += take
            if self.fill == len(self.x):
                self.flush()

    def flush(self) -> None:
        """Write the buffer's whole chunks to their slots and, at the end, the partial tail chunk."""
        n = self.fill
        order = self.rng.permutation(n) if self.rng is not None else np.arange(n)
        window = self.x.shape[2]
        for lo in range(0, n, self.c):
            idx = order[lo : lo + self.c]
            if len(idx) == self.c:
                at = int(self.slots[self.emitted]) * self.c
                self.emitted += 1
            else:
                at = len(self.slots) * self.c  # the tail: only at the very end
            start = self.start[idx]
            self.writer.write_at(at, self.x[idx], self.y[idx], self.chrom[idx].tolist(), start, start + window)
        self.fill = 0


def _count(windows_tsv: str, split: str, rows: int) -> int:
    return sum(int((f["split"] == split).sum()) for f in read_windows(windows_tsv, ["split"], chunksize=rows))


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
    seed: int | None = None,
    shuffle_chunks: int = 64,
    signal: SignalTargets | None = None,
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
    seed : int, optional
        Seeds the row order (see the module docstring); None keeps genomic order.
    shuffle_chunks : int
        Chunks per shuffle buffer (memory: ``shuffle_chunks * chunk_rows * 4 * window`` bytes).
    signal : SignalTargets, optional
        ``targets.mode: signal`` or ``profile``: ``y`` is float32 coverage of each window,
        (N, T) or (N, T, bins) (:mod:`chromcnn.data.signal`), read per block, and the file carries
        ``target_mode`` and its settings; None (binary, the default) writes uint8 labels and no new attributes.

    Returns
    -------
    int
        Number of examples written.
    """
    entries = {e.name: e for e in fasta_index(fasta)}
    tasks = read_tasks(windows_tsv)
    base = {
        "split": split,
        "window": int(window),
        "format_version": FORMAT_VERSION,
        "row_order": "genomic" if seed is None else "shuffled",
        "shuffle_seed": -1 if seed is None else int(seed),
    }
    cache: tuple[str | None, np.ndarray | None] = (None, None)
    # one reusable block buffer: fresh per-block arrays fragment the heap (RSS grew with N)
    buffer = np.empty((block_chunks * chunk_rows, 4, window), dtype=np.uint8)
    chrom_len = max(len(name) for name in entries)
    attrs = {**base, **(attrs or {})}
    n = _count(windows_tsv, split, block_chunks * chunk_rows)
    y_dtype = np.uint8 if signal is None else np.float32
    if signal is not None and signal.tasks != tasks:
        raise ValueError(f"signal tasks {signal.tasks} differ from {windows_tsv}'s {tasks}")
    y_shape = None if signal is None else signal.y_shape(window)
    with SplitWriter(
        out_h5, tasks, window, chunk_rows, compression, level, attrs, chrom_len, y_dtype, y_shape
    ) as writer:
        rows = _Shuffler(writer, n, chunk_rows, shuffle_chunks, window, seed)
        for frame in read_windows(windows_tsv, chunksize=block_chunks * chunk_rows):
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
                y = part[tasks].to_numpy(np.uint8) if signal is None else signal(chrom, starts, window)
                rows.add(x, y, chrom, starts)
        rows.flush()
        if signal is not None:
            for key, value in signal.attrs().items():
                writer.h5.attrs[key] = value
    return writer.n
