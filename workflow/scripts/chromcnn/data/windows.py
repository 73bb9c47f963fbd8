"""Build the example table ``windows.tsv.gz`` one chromosome at a time.

For each chromosome: union sites from every cell type's peaks (Basset merge
or bedtools overlap merge), positive windows of length L around the union
centres, removal of windows that overlap the blacklist or hold too many N,
split assignment (straddlers dropped), and negatives drawn per split segment.
Only one chromosome's base codes and sites are in memory at a time.
"""

from __future__ import annotations

import zlib
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from chromcnn.config.regions import Region
from chromcnn.data.encode import window_stats
from chromcnn.data.genome import FaiEntry, load_codes
from chromcnn.data.intervals import (
    UnionSites,
    basset_merge,
    merge_intervals,
    overlap_merge_bedtools,
    overlaps_any,
    place,
)
from chromcnn.data.negatives import bin_quota, sample_segment
from chromcnn.data.peaks import PeakSet
from chromcnn.data.splits import DROPPED, SPLITS, assign, segments
from chromcnn.io.windows_table import WindowsWriter


@dataclass
class WindowParams:
    """Parameters of window building (all from config.yaml)."""

    window: int
    merge_mode: str = "basset"
    extend: int = 1000
    min_overlap: int = 200
    negatives: str = "none"
    ratio: float = 1.0
    gc_bins: int = 20
    max_n_fraction: float = 0.1
    seed: int = 1
    held_out: dict[str, list[Region]] = field(default_factory=dict)


@dataclass
class ChromResult:
    """Windows of one chromosome, sorted by start."""

    starts: np.ndarray
    split: np.ndarray
    labels: np.ndarray
    gc: np.ndarray
    is_negative: np.ndarray


def chrom_rng(seed: int, chrom: str) -> np.random.Generator:
    """Generator that depends only on the seed and the chromosome name."""
    return np.random.default_rng([seed, zlib.crc32(chrom.encode())])


def union_sites(peaksets: list[PeakSet], chrom: str, chrom_len: int, p: WindowParams) -> tuple[UnionSites, int]:
    """Union sites of one chromosome and the number of input sites."""
    centres, acts = [], []
    for t, peaks in enumerate(peaksets):
        arr = peaks.by_chrom.get(chrom)
        if arr is not None:
            centres.append(arr[:, 2])
            acts.extend([1 << t] * len(arr))
    if not centres:
        return UnionSites(np.zeros(0, np.int64), [], 0), 0
    cen = np.concatenate(centres)
    order = np.argsort(cen, kind="stable")
    cen = cen[order]
    act = [acts[i] for i in order.tolist()]
    if p.merge_mode == "basset":
        return basset_merge(cen, act, p.extend, p.min_overlap, chrom_len), len(cen)
    return overlap_merge_bedtools(chrom, cen, act, p.extend, chrom_len), len(cen)


def peak_intervals(peaksets: list[PeakSet], chrom: str) -> tuple[np.ndarray, np.ndarray]:
    """All peaks of all cell types on ``chrom`` as merged sorted intervals."""
    arrs = [p.by_chrom[chrom] for p in peaksets if chrom in p.by_chrom]
    if not arrs:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    allp = np.concatenate(arrs)
    return merge_intervals(allp[:, 0], allp[:, 1])


def build_chrom(
    entry: FaiEntry,
    fasta: str,
    peaksets: list[PeakSet],
    blacklist: tuple[np.ndarray, np.ndarray],
    p: WindowParams,
    qc: Counter,
) -> ChromResult | None:
    """Positive and negative windows of one chromosome (None when it has none)."""
    chrom, clen, L = entry.name, entry.length, p.window
    sites, n_sites = union_sites(peaksets, chrom, clen, p)
    qc["sites"] += n_sites
    qc["union_sites"] += len(sites.centres)
    qc["merges"] += sites.merges
    if len(sites.centres) == 0:
        return None
    if clen < L:
        qc["removed_short_chrom"] += len(sites.centres)
        return None
    codes = load_codes(fasta, entry)
    starts = place(sites.centres, L, clen)
    labels = sites.labels(len(peaksets))
    keep = ~overlaps_any(starts, starts + L, *blacklist)
    qc["removed_blacklist"] += int((~keep).sum())
    gc, nf = window_stats(codes, starts, L)
    too_n = keep & (nf > p.max_n_fraction)
    qc["removed_n"] += int(too_n.sum())
    keep &= ~too_n
    segs = segments(chrom, clen, p.held_out)
    split = assign(starts, starts + L, segs)
    qc["dropped_straddling"] += int((keep & (split == DROPPED)).sum())
    keep &= split != DROPPED
    starts, labels, gc, split = starts[keep], labels[keep], gc[keep], split[keep]
    # duplicate windows (two union sites placed at the same start, e.g. at a chromosome end)
    uniq, first = np.unique(starts, return_index=True)
    if len(uniq) < len(starts):
        qc["merged_duplicate_windows"] += len(starts) - len(uniq)
        merged = np.zeros((len(uniq), labels.shape[1]), np.uint8)
        np.maximum.at(merged, np.searchsorted(uniq, starts), labels)
        starts, labels, gc, split = uniq, merged, gc[first], split[first]
    neg = negatives_for_chrom(codes, chrom, segs, starts, gc, split, peaksets, blacklist, p)
    if p.negatives != "none":
        wanted = int(round(p.ratio * len(starts)))
        qc["negatives_wanted"] += wanted
        qc["negatives_shortfall"] += max(0, wanted - len(neg[0]))
    all_starts = np.concatenate([starts, neg[0]])
    order = np.argsort(all_starts, kind="stable")
    return ChromResult(
        starts=all_starts[order],
        split=np.concatenate([split, neg[1]])[order],
        labels=np.concatenate([labels, np.zeros((len(neg[0]), labels.shape[1]), np.uint8)])[order],
        gc=np.concatenate([gc, neg[2]])[order],
        is_negative=np.concatenate([np.zeros(len(starts), bool), np.ones(len(neg[0]), bool)])[order],
    )


def negatives_for_chrom(
    codes: np.ndarray,
    chrom: str,
    segs: list[tuple[int, int, int]],
    pos_starts: np.ndarray,
    pos_gc: np.ndarray,
    pos_split: np.ndarray,
    peaksets: list[PeakSet],
    blacklist: tuple[np.ndarray, np.ndarray],
    p: WindowParams,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Negatives of one chromosome: (starts int64, split int8, gc float64)."""
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int8), np.zeros(0))
    if p.negatives == "none" or len(pos_starts) == 0:
        return empty
    pk_s, pk_e = peak_intervals(peaksets, chrom)
    ex_s, ex_e = merge_intervals(
        np.concatenate([pk_s, pos_starts, blacklist[0]]),
        np.concatenate([pk_e, pos_starts + p.window, blacklist[1]]),
    )
    rng = chrom_rng(p.seed, chrom)
    out_s, out_split, out_gc = [], [], []
    for seg_start, seg_end, code in segs:
        in_seg = (pos_starts >= seg_start) & (pos_starts + p.window <= seg_end)
        if not in_seg.any():
            continue
        quota = bin_quota(pos_gc[in_seg], p.ratio, p.gc_bins)
        s, g = sample_segment(
            rng,
            codes,
            (seg_start, seg_end),
            p.window,
            (ex_s, ex_e),
            p.max_n_fraction,
            quota,
            matched=p.negatives == "gc_matched",
        )
        out_s.append(s)
        out_gc.append(g)
        out_split.append(np.full(len(s), code, np.int8))
    if not out_s:
        return empty
    return np.concatenate(out_s), np.concatenate(out_split), np.concatenate(out_gc)


def write_chrom(writer: WindowsWriter, chrom: str, res: ChromResult, window: int) -> None:
    """Append one chromosome's windows (from :func:`build_chrom`) to the table."""
    writer.write(chrom, res.starts, res.starts + window, np.array(SPLITS)[res.split], res.labels)
