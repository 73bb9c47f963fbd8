"""Write the per-split HDF5 files of the data contract from ``windows.tsv.gz``.

The layout is documented (and written and read) in :mod:`chromcnn.io.split_h5`.
Rows are streamed from ``windows.tsv.gz`` in blocks of whole chunks, so memory
is one chromosome of base codes plus one block, whatever N is.
"""

from __future__ import annotations

import numpy as np

from chromcnn.data.encode import one_hot_windows
from chromcnn.data.genome import fasta_index, load_codes
from chromcnn.io.split_h5 import FORMAT_VERSION, SplitWriter
from chromcnn.io.windows_table import read_tasks, read_windows

__all__ = ["SplitWriter", "write_split"]  # SplitWriter re-exported for the tests' toy splits


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
    entries = {e.name: e for e in fasta_index(fasta)}
    tasks = read_tasks(windows_tsv)
    base = {"split": split, "window": int(window), "format_version": FORMAT_VERSION}
    cache: tuple[str | None, np.ndarray | None] = (None, None)
    # one reusable block buffer: fresh per-block arrays fragment the heap (RSS grew with N)
    buffer = np.empty((block_chunks * chunk_rows, 4, window), dtype=np.uint8)
    chrom_len = max(len(name) for name in entries)
    attrs = {**base, **(attrs or {})}
    with SplitWriter(out_h5, tasks, window, chunk_rows, compression, level, attrs, chrom_len=chrom_len) as writer:
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
                y = part[tasks].to_numpy(np.uint8)
                writer.append(x, y, part["chrom"].tolist(), starts, part["end"].to_numpy(np.int64))
    return writer.n
