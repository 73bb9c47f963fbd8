"""Quantitative targets (``targets.mode: signal`` or ``profile``): coverage from one bigWig per cell type.

``signal``: for each window the target is the **summed coverage over the central**
``targets.center`` **bp** (``[start + (L - c) // 2, +c)``), transformed by
``targets.transform`` (``log1p``, the default; ``asinh``; ``none``). The values
are float32 ``y`` (N, T) in the split files (see :mod:`chromcnn.io.split_h5`).

``profile`` (Basenji's targets): the window less ``targets.crop`` bp at both ends is cut
into ``targets.bin`` bp bins (default 128) and each bin's target is its **summed
coverage, untransformed** (counts, for the Poisson loss): float32 ``y`` (N, T, (L - 2 crop) / bin).

**Missing and bad coverage.** Bases the bigWig does not cover (pyBigWig reads them
as NaN) count as zero coverage: bigWigs routinely omit zero-coverage stretches.
NaN values and negative values are both *counted* (:class:`SignalCounts`, logged
and stored as split attributes) and treated as zero, never silently summed.
A window on a chromosome the bigWig lacks has target 0 (its bases count as missing).

**Chromosome names** are checked against the genome before any heavy step
(:func:`check_signal_chroms`), with the wording used for peak files.

**Reading.** pyBigWig is called once per *stretch* of a chromosome (windows sorted by
start, grouped while they span at most ``STRETCH_BP``), not once per window; every window's
values are then sliced from that array (:func:`read_spans`). Memory is one stretch plus
one block of rows, whatever N is (``bench/bench_profile_rss.py``).
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
MODES = ("binary", "signal", "profile")
#: the most bp one pyBigWig call reads (the windows of a stretch are sliced from it).
STRETCH_BP = 1 << 20
#: the most windows one pyBigWig call serves (bounds the (rows, span) slice in memory).
STRETCH_ROWS = 256


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


def read_spans(
    bw, chrom: str, lo: np.ndarray, span: int, bin_bp: int | None = None, stretch_bp: int = STRETCH_BP
) -> tuple[np.ndarray, int, int]:
    """Summed coverage of ``[lo, lo + span)`` per ``bin_bp`` bin, one pyBigWig call per stretch of windows.

    Parameters
    ----------
    bw : pyBigWig file
    chrom : str
    lo : numpy.ndarray
        int64 (b,) first base of each span (any order; may overlap).
    span : int
        Bases per window.
    bin_bp : int, optional
        Bases per bin (dividing ``span``); None: one bin, the whole span.
    stretch_bp : int
        The longest region one call reads (a window longer than it is read alone); a call also
        serves at most :data:`STRETCH_ROWS` windows, so memory is bounded by both, not by ``b``.

    Returns
    -------
    (numpy.ndarray, int, int)
        float64 (b, span / bin_bp) sums with missing (NaN, off the chromosome) and negative bases
        as 0, then the number of missing and of negative bases.
    """
    lo = np.asarray(lo, np.int64)
    bin_bp = span if bin_bp is None else int(bin_bp)
    out = np.zeros((len(lo), span // bin_bp), np.float64)
    length = bw.chroms(chrom)
    if length is None or len(lo) == 0:
        return out, len(lo) * span, 0
    order = np.argsort(lo, kind="stable")
    first_lo = lo[order]
    nan = neg = 0
    i = 0
    while i < len(order):
        j = int(np.searchsorted(first_lo, first_lo[i] + stretch_bp - span, side="right"))
        j = min(max(i + 1, j), i + STRETCH_ROWS)
        base, top = int(first_lo[i]), int(first_lo[j - 1]) + span
        stretch = np.full(top - base, np.nan)
        a, b = max(base, 0), min(top, int(length))
        if b > a:
            stretch[a - base : b - base] = bw.values(chrom, a, b, numpy=True)
        bad = np.isnan(stretch)
        negative = stretch < 0
        stretch[bad | negative] = 0.0
        offsets = (first_lo[i:j] - base)[:, None] + np.arange(span)[None, :]
        nan += int(bad[offsets].sum())
        neg += int(negative[offsets].sum())
        out[order[i:j]] = stretch[offsets].reshape(j - i, -1, bin_bp).sum(axis=2)
        i = j
    return out, nan, neg


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
    offset = (window - center) // 2
    sums, nan, neg = read_spans(bw, chrom, np.asarray(starts, np.int64) + offset, center)
    return sums[:, 0], len(starts) * center, nan, neg


def n_bins(window: int, bin_bp: int, crop: int) -> int:
    """Bins of a profile: ``(window - 2 crop) / bin``; ValueError when it does not divide."""
    inner = window - 2 * crop
    if inner <= 0 or inner % bin_bp:
        raise ValueError(
            f"window {window} less 2 x crop {crop} = {inner} bp is not a positive multiple of bin {bin_bp}"
        )
    return inner // bin_bp


def bin_profiles(
    bw, chrom: str, starts: np.ndarray, window: int, bin_bp: int, crop: int = 0
) -> tuple[np.ndarray, int, int, int]:
    """Summed coverage per ``bin_bp`` bin of each window less ``crop`` bp at both ends.

    Returns
    -------
    (numpy.ndarray, int, int, int)
        float64 (b, n_bins) sums (missing and negative bases as 0), bases read, missing, negative.
    """
    nb = n_bins(window, bin_bp, crop)
    sums, nan, neg = read_spans(bw, chrom, np.asarray(starts, np.int64) + crop, nb * bin_bp, bin_bp)
    return sums, len(starts) * nb * bin_bp, nan, neg


class SignalTargets:
    """The float32 (b, T) (signal) or (b, T, bins) (profile) targets of chunks of windows: one bigWig per task.

    Parameters
    ----------
    paths : dict of str to str
        Task -> bigWig path, in task order.
    center : int
        ``targets.center``.
    transform_name : str
        ``targets.transform`` (signal mode; profiles are untransformed sums).
    mode : str
        ``signal`` or ``profile``.
    bin_bp, crop : int
        ``targets.bin`` and ``targets.crop`` (profile mode).
    """

    def __init__(
        self,
        paths: dict[str, str],
        center: int,
        transform_name: str,
        mode: str = "signal",
        bin_bp: int = 128,
        crop: int = 0,
    ) -> None:
        self.tasks = list(paths)
        self.files = {t: open_bigwig(p) for t, p in paths.items()}
        self.center, self.transform_name = int(center), transform_name
        self.mode, self.bin_bp, self.crop = mode, int(bin_bp), int(crop)
        self.counts = SignalCounts()

    def y_shape(self, window: int) -> tuple[int, ...]:
        """Shape of one row of ``y``: (T,) or (T, bins)."""
        if self.mode == "profile":
            return (len(self.tasks), n_bins(window, self.bin_bp, self.crop))
        return (len(self.tasks),)

    def __call__(self, chrom: str, starts: np.ndarray, window: int) -> np.ndarray:
        """Targets of the windows ``[starts, starts + window)`` on ``chrom``: float32 (b, T)."""
        if self.mode == "signal" and self.center > window:
            raise InputError(
                f"targets.center {self.center} is longer than the window ({window} bp)", "set targets.center <= window"
            )
        y = np.empty((len(starts), *self.y_shape(window)), np.float32)
        for j, task in enumerate(self.tasks):
            if self.mode == "profile":
                sums, bases, nan, neg = bin_profiles(self.files[task], chrom, starts, window, self.bin_bp, self.crop)
                y[:, j] = sums
            else:
                sums, bases, nan, neg = window_sums(self.files[task], chrom, starts, window, self.center)
                y[:, j] = transform(sums, self.transform_name)
            self.counts.bases[task] += bases
            self.counts.nan[task] += nan
            self.counts.negative[task] += neg
        return y

    def attrs(self) -> dict:
        """HDF5 attributes: the mode, transform and center (signal) or bin and crop (profile), and base counts."""
        if self.mode == "profile":
            shape = {"target_bin": self.bin_bp, "target_crop": self.crop}
        else:
            shape = {"target_transform": self.transform_name, "target_center": self.center}
        return {"target_mode": self.mode, **shape, **self.counts.as_attrs(self.tasks)}

    def close(self) -> None:
        for bw in self.files.values():
            bw.close()
