"""The example table ``results/data/windows.tsv.gz``: its layout, one writer, one reader.

Layout: gzip (mtime 0, so equal content gives equal bytes), tab-separated,
one header line, then one row per window::

    chrom  start  end  split  <task 1> ... <task T>

``start``/``end`` are 0-based half-open integers, ``split`` is ``train``,
``valid`` or ``test``, and each task column is a 0/1 label. Rows are grouped
by chromosome (genome order) and sorted by start within one.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from chromcnn.errors import InputError
from chromcnn.io.atomic import StreamedOutput, temp_path

FIXED_COLUMNS = ("chrom", "start", "end", "split")
_DTYPES = {"chrom": str, "split": str}


def header(tasks: list[str]) -> list[str]:
    """Column names of a table with these tasks, in file order."""
    return [*FIXED_COLUMNS, *tasks]


def read_tasks(path: str | Path) -> list[str]:
    """Task names of a table (the columns after the fixed four), checking the layout."""
    columns = pd.read_csv(path, sep="\t", nrows=0).columns.tolist()
    if tuple(columns[: len(FIXED_COLUMNS)]) != FIXED_COLUMNS:
        raise InputError(
            f"not a windows table: the columns start {columns[:4]}, expected {list(FIXED_COLUMNS)}",
            "rebuild the data stage (delete results/data and rerun snakemake)",
            path=str(path),
        )
    return columns[len(FIXED_COLUMNS) :]


def read_windows(
    path: str | Path, columns: list[str] | None = None, chunksize: int | None = None
) -> pd.DataFrame | Iterator[pd.DataFrame]:
    """Read a windows table, whole or in chunks.

    Parameters
    ----------
    path : str or Path
        ``windows.tsv.gz``.
    columns : list of str, optional
        Columns to read (default: all).
    chunksize : int, optional
        Rows per chunk; when given an iterator of frames is returned.

    Returns
    -------
    pandas.DataFrame or iterator of pandas.DataFrame
        ``chrom`` and ``split`` as str, ``start``/``end`` int64, task columns int64.
    """
    dtype = {k: v for k, v in _DTYPES.items() if columns is None or k in columns}
    return pd.read_csv(path, sep="\t", usecols=columns, chunksize=chunksize, dtype=dtype)


class WindowsWriter(StreamedOutput):
    """Streams rows to a windows table (a temporary name until :meth:`close` with ``ok``).

    Also a context manager: the file is renamed into place only when the block
    ends without an exception.
    """

    def __init__(self, path: str | Path, tasks: list[str]) -> None:
        self.path = Path(path)
        self.tmp = temp_path(self.path)
        self._raw = open(self.tmp, "wb")
        self._gz = gzip.GzipFile(filename="", fileobj=self._raw, mode="wb", mtime=0)
        self._text = io.TextIOWrapper(self._gz, encoding="ascii", newline="\n")
        self._text.write("\t".join(header(tasks)) + "\n")

    def write(self, chrom: str, starts: np.ndarray, ends: np.ndarray, split: np.ndarray, labels: np.ndarray) -> None:
        """Append the windows of one chromosome.

        Parameters
        ----------
        chrom : str
            Chromosome of every row.
        starts, ends : numpy.ndarray
            int64, shape (n,).
        split : numpy.ndarray
            str, shape (n,): ``train``, ``valid`` or ``test``.
        labels : numpy.ndarray
            uint8, shape (n, T).
        """
        n = len(starts)
        columns = [
            np.full(n, chrom, dtype=object),
            starts.astype(str),
            ends.astype(str),
            split,
            *(labels[:, t].astype(str) for t in range(labels.shape[1])),
        ]
        rows = columns[0]
        for col in columns[1:]:
            rows = rows + "\t" + col
        self._text.write("\n".join(rows.tolist()) + ("\n" if n else ""))

    def _close_handles(self) -> None:
        self._text.close()
        self._raw.close()
