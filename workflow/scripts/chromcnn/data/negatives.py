"""Negative windows: uniform or GC-matched genomic windows that overlap no peak.

Negatives are drawn inside one chromosome segment at a time (see
:func:`chromcnn.data.splits.segments`), ``ratio`` per positive of that segment, so
every split gets its own matched negatives and none straddles a boundary.
Negatives overlap no peak, no positive window and no other negative (a
window overlapping another shares bases with it: its errors are not
independent, and the bootstrap would count the same sequence twice).
"""

from __future__ import annotations

from bisect import bisect_left, insort

import numpy as np

from chromcnn.data.encode import window_stats
from chromcnn.data.intervals import overlaps_any

MAX_ROUNDS = 40
MAX_CANDIDATES = 200_000  # per round; bounds memory (x window length bytes)


def gc_bin(gc: np.ndarray, n_bins: int) -> np.ndarray:
    """Bin index of GC fractions in ``n_bins`` equal bins over [0, 1] (int64)."""
    return np.minimum((np.asarray(gc) * n_bins).astype(np.int64), n_bins - 1)


def bin_quota(pos_gc: np.ndarray, ratio: float, n_bins: int) -> np.ndarray:
    """Negatives wanted per GC bin: ``ratio`` x positives per bin, largest-remainder rounded.

    Returns
    -------
    numpy.ndarray
        int64, shape (n_bins,), summing to ``round(ratio * len(pos_gc))``.
    """
    want = np.bincount(gc_bin(pos_gc, n_bins), minlength=n_bins) * float(ratio)
    quota = np.floor(want).astype(np.int64)
    short = int(round(ratio * len(pos_gc))) - int(quota.sum())
    if short > 0:
        order = np.argsort(-(want - quota), kind="stable")
        quota[order[:short]] += 1
    return quota


def sample_segment(
    rng: np.random.Generator,
    codes: np.ndarray,
    seg: tuple[int, int],
    window: int,
    exclude: tuple[np.ndarray, np.ndarray],
    max_n_fraction: float,
    quota: np.ndarray,
    matched: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw negatives in one segment until each GC bin's quota is met (or give up).

    Parameters
    ----------
    rng : numpy.random.Generator
    codes : numpy.ndarray
        uint8 (chrom_len,) base codes.
    seg : tuple of int
        Segment ``(start, end)``; windows lie entirely inside it.
    window : int
        Window length L.
    exclude : tuple of numpy.ndarray
        Sorted disjoint intervals (peaks, positive windows, blacklist) to avoid.
    max_n_fraction : float
        Reject windows with more N than this.
    quota : numpy.ndarray
        int64 (n_bins,) wanted per GC bin; with ``matched=False`` only its sum counts.
    matched : bool
        Match GC bins (gc_matched) or take any GC (random).

    Returns
    -------
    tuple of numpy.ndarray
        int64 starts (sorted, at least ``window`` apart: no two windows overlap)
        and float64 GC fractions of the accepted windows.
    """
    lo, hi = seg[0], seg[1] - window
    need = quota.copy() if matched else np.array([quota.sum()])
    kept_s: list[np.ndarray] = []
    kept_gc: list[np.ndarray] = []
    if hi < lo or need.sum() == 0:
        return np.zeros(0, np.int64), np.zeros(0)
    drawn, accepted = 0, 0
    taken: list[int] = []  # sorted starts kept so far
    for _ in range(MAX_ROUNDS):
        if need.sum() <= 0:
            break
        rate = max((accepted + 1) / (drawn + 1), 1e-3)  # adapt to how rare matching windows are
        size = int(min(max(64, 2 * need.sum() / rate), MAX_CANDIDATES))
        cand = np.unique(rng.integers(lo, hi + 1, size=size))
        drawn += size
        cand = cand[~overlaps_any(cand, cand + window, *exclude)]
        if len(cand) == 0:
            continue
        cand = rng.permutation(cand)
        gc, nf = window_stats(codes, cand, window)
        ok = nf <= max_n_fraction
        cand, gc = cand[ok], gc[ok]
        bins = gc_bin(gc, len(quota)) if matched else np.zeros(len(cand), np.int64)
        take = _accept(cand, bins, need, taken, window)  # in drawn order, no overlap with any kept
        accepted += len(take)
        kept_s.append(cand[take])
        kept_gc.append(gc[take])
    if not kept_s:
        return np.zeros(0, np.int64), np.zeros(0)
    starts, gcs = np.concatenate(kept_s), np.concatenate(kept_gc)
    order = np.argsort(starts, kind="stable")
    return starts[order], gcs[order]


def _accept(cand: np.ndarray, bins: np.ndarray, need: np.ndarray, taken: list[int], window: int) -> np.ndarray:
    """Indices of candidates accepted in order: their bin still needs one, and they overlap no kept window.

    ``need`` (int64 per bin) and ``taken`` (sorted kept starts) are updated in place.
    """
    out = []
    kept = np.asarray(taken, dtype=np.int64)
    j = np.searchsorted(kept, cand)
    hit_right = (j < len(kept)) & (kept[np.minimum(j, len(kept) - 1)] - cand < window) if len(kept) else False
    hit_left = (j > 0) & (cand - kept[np.maximum(j - 1, 0)] < window) if len(kept) else False
    for i in np.flatnonzero((need[bins] > 0) & ~(hit_right | hit_left)):
        b, c = bins[i], int(cand[i])
        if need[b] <= 0:
            if need.sum() <= 0:
                break
            continue
        j = bisect_left(taken, c)
        if (j < len(taken) and taken[j] - c < window) or (j > 0 and c - taken[j - 1] < window):
            continue
        insort(taken, c)
        need[b] -= 1
        out.append(i)
    return np.asarray(out, dtype=np.int64)
