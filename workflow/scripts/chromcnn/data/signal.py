"""Quantitative targets (``targets.mode: signal``): per-window coverage from one bigWig per cell type.

For each window the target is the **summed coverage over the central**
``targets.center`` **bp** (``[start + (L - c) // 2, +c)``), transformed by
``targets.transform`` (``log1p``, the default; ``asinh``; ``none``). The values
are float32 ``y`` (N, T) in the split files (see :mod:`chromcnn.io.split_h5`).

**Missing and bad coverage.** Bases the bigWig does not cover (pyBigWig reads them
as NaN) count as zero coverage: bigWigs routinely omit zero-coverage stretches.
NaN values and negative values are both *counted* (:class:`SignalCounts`, logged
and stored as split attributes) and treated as zero, never silently summed.
A window on a chromosome the bigWig lacks has target 0 (its bases count as missing).

**Chromosome names** are checked against the genome before any heavy step
(:func:`check_signal_chroms`), with the wording used for peak files.

Windows are read one at a time per chunk of rows, so memory does not grow with N.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from chromcnn.data.chromnames import counterparts, unknown_chrom_error
from chromcnn.errors import InputError

#: the transforms of ``targets.transform`` (applied to the non-negative window sums).
TRANSFORMS = {"log1p": np.log1p, "asinh": np.arcsinh, "none": lambda v: v}
#: target modes of ``targets.mode``.
MODES = ("binary", "signal")


def transform(values: np.ndarray, name: str) -> np.ndarray:
    """Apply ``targets.transform`` ``name`` to summed coverage.

    Parameters
    ----------
    values : numpy.ndarray
        float, any shape, non-negative sums.
    name : str
        ``log1p``, ``asinh`` or ``none``.

    Returns
    -------
    numpy.ndarray
        float32, the same shape.
    """
    if name not in TRANSFORMS:
        raise InputError(f"unknown targets.transform '{name}'", f"use one of: {', '.join(TRANSFORMS)}")
    return TRANSFORMS[name](np.asarray(values, dtype=np.float64)).astype(np.float32)


@dataclass
class SignalCounts:
    """Bases read per task, and how many were missing (NaN) or negative (both treated as zero)."""

    bases: Counter = field(default_factory=Counter)
    nan: Counter = field(default_factory=Counter)
    negative: Counter = field(default_factory=Counter)

    def as_attrs(self, tasks: list[str]) -> dict:
        """Per-task counts as int64 (T,) arrays, for HDF5 attributes."""
        kinds = ("bases", "nan", "negative")
        return {f"signal_{k}": np.array([getattr(self, k)[t] for t in tasks], np.int64) for k in kinds}


def open_bigwig(path: str, label: str | None = None):
    """Open a bigWig with pyBigWig; one clear line when it is not one."""
    import pyBigWig

    try:
        bw = pyBigWig.open(str(path))
    except RuntimeError:
        bw = None
    if bw is None or not bw.isBigWig():
        raise InputError(
            "not a readable bigWig file",
            "give a bigWig (.bw) coverage track as cell_types.<name>.signal",
            path=label or str(path),
        )
    return bw


def check_signal_chroms(path: str, task: str, chrom_sizes: dict[str, int], label: str | None = None) -> list[str]:
    """A bigWig's chromosome names match the genome's; returns the genome chromosomes it lacks.

    Raises
    ------
    InputError
        When the bigWig's names are the genome's in another naming style (``chr1`` vs ``1``),
        or when it shares no chromosome with the genome (another assembly or organism).
    """
    bw = open_bigwig(path, label)
    try:
        names = dict(bw.chroms())
    finally:
        bw.close()
    unknown = Counter({c: 1 for c in names if c not in chrom_sizes})
    known = [c for c in names if c in chrom_sizes]
    if unknown and (counterparts(list(unknown), chrom_sizes) or not known):
        raise unknown_chrom_error(
            label or str(path),
            f"cell type '{task}' signal",
            "chromosomes",
            len(unknown),
            len(names),
            unknown,
            chrom_sizes,
            "or give the bigWig of this genome's assembly",
        )
    return [c for c in chrom_sizes if c not in names]


def window_sums(bw, chrom: str, starts: np.ndarray, window: int, center: int) -> tuple[np.ndarray, int, int, int]:
    """Summed coverage over the central ``center`` bp of each window on one chromosome.

    Parameters
    ----------
    bw : pyBigWig file
    chrom : str
    starts : numpy.ndarray
        int64 (b,) window starts.
    window, center : int
        Window length L and the central span c <= L.

    Returns
    -------
    (numpy.ndarray, int, int, int)
        float64 (b,) sums (NaN and negative bases as zero), then bases read, NaN bases
        and negative bases.
    """
    out = np.zeros(len(starts), np.float64)
    offset = (window - center) // 2
    length = bw.chroms(chrom)
    if length is None:
        return out, len(starts) * center, len(starts) * center, 0
    nan = neg = 0
    for i, s in enumerate(np.asarray(starts, np.int64)):
        lo = int(s) + offset
        hi = min(lo + center, int(length))
        v = np.asarray(bw.values(chrom, lo, hi, numpy=True), np.float64) if hi > lo else np.zeros(0)
        bad = np.isnan(v)
        nan += int(bad.sum()) + (center - len(v))
        v[bad] = 0.0
        negative = v < 0
        neg += int(negative.sum())
        out[i] = float(v[~negative].sum())
    return out, len(starts) * center, nan, neg


class SignalTargets:
    """The float32 (b, T) targets of chunks of windows: one open bigWig per task.

    Parameters
    ----------
    paths : dict of str to str
        Task -> bigWig path, in task order.
    center : int
        ``targets.center``.
    transform_name : str
        ``targets.transform``.
    """

    def __init__(self, paths: dict[str, str], center: int, transform_name: str) -> None:
        self.tasks = list(paths)
        self.files = {t: open_bigwig(p) for t, p in paths.items()}
        self.center, self.transform_name = int(center), transform_name
        self.counts = SignalCounts()

    def __call__(self, chrom: str, starts: np.ndarray, window: int) -> np.ndarray:
        """Targets of the windows ``[starts, starts + window)`` on ``chrom``: float32 (b, T)."""
        if self.center > window:
            raise InputError(
                f"targets.center {self.center} is longer than the window ({window} bp)", "set targets.center <= window"
            )
        y = np.empty((len(starts), len(self.tasks)), np.float32)
        for j, task in enumerate(self.tasks):
            sums, bases, nan, neg = window_sums(self.files[task], chrom, starts, window, self.center)
            self.counts.bases[task] += bases
            self.counts.nan[task] += nan
            self.counts.negative[task] += neg
            y[:, j] = transform(sums, self.transform_name)
        return y

    def attrs(self) -> dict:
        """HDF5 attributes: the mode, transform, center and the per-task base counts."""
        return {
            "target_mode": "signal",
            "target_transform": self.transform_name,
            "target_center": self.center,
            **self.counts.as_attrs(self.tasks),
        }

    def close(self) -> None:
        for bw in self.files.values():
            bw.close()
