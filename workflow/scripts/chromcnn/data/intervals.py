"""Union peaks: Basset's greedy merge, bedtools' overlap merge, and overlap tests.

Sites are handled one chromosome at a time. A site is a centre (int64) and an
activity set, stored as a Python ``int`` bitset (bit ``t`` set when cell type
``t`` supports it), so any number of cell types is supported.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np


@dataclass
class UnionSites:
    """Union sites of one chromosome.

    Attributes
    ----------
    centres : numpy.ndarray
        int64, shape (n,), sorted.
    activity : list of int
        Bitset of supporting cell types per site.
    merges : int
        Number of pairwise merges performed.
    """

    centres: np.ndarray
    activity: list[int]
    merges: int

    def labels(self, n_tasks: int) -> np.ndarray:
        """Activity as a uint8 matrix of shape (n, n_tasks)."""
        acts = np.array(self.activity, dtype=object).reshape(-1, 1)  # Python ints: any task count
        shifts = np.arange(n_tasks, dtype=object).reshape(1, -1)
        return ((acts >> shifts) & 1).astype(np.uint8)


def place(centres: np.ndarray, width: int, chrom_len: int) -> np.ndarray:
    """Start of a ``width``-bp interval around each centre, kept inside the chromosome.

    Parameters
    ----------
    centres : numpy.ndarray
        int64, shape (n,).
    width : int
        Interval width in bp.
    chrom_len : int
        Chromosome length; intervals are shifted (not shrunk) to fit when possible.

    Returns
    -------
    numpy.ndarray
        int64, shape (n,): starts (ends are ``starts + width``).
    """
    starts = np.asarray(centres, dtype=np.int64) - width // 2
    return np.clip(starts, 0, max(chrom_len - width, 0))


def _start(centre: int, width: int, chrom_len: int) -> int:
    return min(max(centre - width // 2, 0), max(chrom_len - width, 0))


def _weighted_centre(c_a: int, w_a: int, c_b: int, w_b: int) -> int:
    """Round-half-up of the weighted mean of two integer centres (exact integers)."""
    num, den = c_a * w_a + c_b * w_b, w_a + w_b
    return (2 * num + den) // (2 * den)


def basset_merge(
    centres: np.ndarray,
    activity: list[int],
    extend: int,
    min_overlap: int,
    chrom_len: int,
) -> UnionSites:
    """Greedy Basset merge of the sites of one chromosome.

    Each site is extended to ``extend`` bp around its centre. While the
    adjacent pair with the largest overlap overlaps by at least
    ``min_overlap`` bp, the pair is replaced by one site whose centre is the mean
    of the two centres weighted by 1 + the number of cell types active in each,
    and whose activity is the union. Ties go to the leftmost pair.

    Parameters
    ----------
    centres : numpy.ndarray
        int64, shape (n,), sorted ascending.
    activity : list of int
        Bitset per site.
    extend, min_overlap, chrom_len : int
        Extension width, merge threshold and chromosome length (bp).

    Returns
    -------
    UnionSites
    """
    n = len(centres)
    cen = [int(c) for c in centres]
    act = list(activity)
    nxt = list(range(1, n + 1))
    prv = list(range(-1, n - 1))
    alive = [True] * n
    ver = [0] * n
    heap: list[tuple[int, int, int, int, int, int]] = []

    def push(i: int) -> None:
        j = nxt[i]
        if 0 <= i and j < n:
            ov = _start(cen[i], extend, chrom_len) + extend - _start(cen[j], extend, chrom_len)
            if ov >= min_overlap:
                heapq.heappush(heap, (-ov, _start(cen[i], extend, chrom_len), i, j, ver[i], ver[j]))

    for i in range(n - 1):
        push(i)
    merges = 0
    while heap:
        _, _, i, j, vi, vj = heapq.heappop(heap)
        if not (alive[i] and alive[j] and nxt[i] == j and ver[i] == vi and ver[j] == vj):
            continue
        w_i, w_j = 1 + act[i].bit_count(), 1 + act[j].bit_count()
        cen[i] = _weighted_centre(cen[i], w_i, cen[j], w_j)
        act[i] |= act[j]
        alive[j] = False
        ver[i] += 1
        nxt[i] = nxt[j]
        if nxt[j] < n:
            prv[nxt[j]] = i
        merges += 1
        push(i)
        if prv[i] >= 0:
            push(prv[i])
    keep = [k for k in range(n) if alive[k]]
    return UnionSites(np.asarray([cen[k] for k in keep], dtype=np.int64), [act[k] for k in keep], merges)


def overlap_merge_bedtools(
    chrom: str,
    centres: np.ndarray,
    activity: list[int],
    extend: int,
    chrom_len: int,
) -> UnionSites:
    """Merge every overlapping pair of extended sites with ``bedtools merge``.

    The union site's centre is the midpoint of the merged interval and its
    activity the union of the members' activities.
    """
    import pybedtools

    starts = place(centres, extend, chrom_len)
    lines = "".join(f"{chrom}\t{s}\t{s + extend}\t{a}\n" for s, a in zip(starts.tolist(), activity))
    bed = pybedtools.BedTool(lines, from_string=True).sort()
    merged = bed.merge(c=4, o="distinct")
    out_c, out_a = [], []
    n_in = len(activity)
    for iv in merged:
        act = 0
        for token in iv.fields[3].split(","):
            act |= int(token)
        out_c.append((iv.start + iv.end) // 2)
        out_a.append(act)
    pybedtools.cleanup()
    return UnionSites(np.asarray(out_c, dtype=np.int64), out_a, n_in - len(out_c))


def merge_intervals(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge overlapping half-open intervals.

    Parameters
    ----------
    starts, ends : numpy.ndarray
        int64, shape (n,), any order.

    Returns
    -------
    tuple of numpy.ndarray
        Sorted, disjoint starts and ends (int64).
    """
    if len(starts) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = np.argsort(starts, kind="stable")
    s, e = np.asarray(starts, np.int64)[order], np.asarray(ends, np.int64)[order]
    run_end = np.maximum.accumulate(e)
    new = np.ones(len(s), dtype=bool)
    new[1:] = s[1:] >= run_end[:-1]
    idx = np.flatnonzero(new)
    last = np.append(idx[1:] - 1, len(s) - 1)
    return s[idx], run_end[last]


def overlaps_any(starts: np.ndarray, ends: np.ndarray, iv_starts: np.ndarray, iv_ends: np.ndarray) -> np.ndarray:
    """Which query intervals overlap any of a set of disjoint sorted intervals.

    Parameters
    ----------
    starts, ends : numpy.ndarray
        int64, shape (n,): query intervals (half-open).
    iv_starts, iv_ends : numpy.ndarray
        int64, shape (m,): sorted, disjoint intervals (see :func:`merge_intervals`).

    Returns
    -------
    numpy.ndarray
        bool, shape (n,).
    """
    if len(iv_starts) == 0:
        return np.zeros(len(starts), dtype=bool)
    idx = np.searchsorted(iv_ends, starts, side="right")
    hit = idx < len(iv_starts)
    hit[hit] = iv_starts[idx[hit]] < np.asarray(ends)[hit]
    return hit
