"""Assign windows to train / valid / test by chromosome or region.

A chromosome is cut into segments at the boundaries of the held-out regions;
a window belongs to the split of the segment that contains it entirely, and a
window that straddles a boundary is dropped (code -1). Because segments of
different splits are disjoint, no train window can overlap a valid or test
window; :func:`leakage_report` checks that independently with bedtools.
"""

from __future__ import annotations

import tempfile

import numpy as np

from chromcnn.config.regions import Region
from chromcnn.io.windows_table import read_windows

SPLITS = ("train", "valid", "test")
DROPPED = -1


def segments(chrom: str, chrom_len: int, held_out: dict[str, list[Region]]) -> list[tuple[int, int, int]]:
    """Cut a chromosome into ``(start, end, split_code)`` segments.

    Parameters
    ----------
    chrom : str
        Chromosome name.
    chrom_len : int
        Its length in bp.
    held_out : dict
        ``{"valid": [Region, ...], "test": [Region, ...]}`` (disjoint).

    Returns
    -------
    list of tuple
        Sorted, disjoint, covering ``[0, chrom_len)``; split codes index :data:`SPLITS`.
    """
    cuts = []
    for name in ("valid", "test"):
        for region in held_out.get(name, []):
            if region.chrom == chrom:
                start, end = region.bounded(chrom_len)
                if start < end:
                    cuts.append((start, end, SPLITS.index(name)))
    cuts.sort()
    out, pos = [], 0
    for start, end, code in cuts:
        if start > pos:
            out.append((pos, start, 0))
        out.append((start, end, code))
        pos = end
    if pos < chrom_len:
        out.append((pos, chrom_len, 0))
    return out


def assign(starts: np.ndarray, ends: np.ndarray, segs: list[tuple[int, int, int]]) -> np.ndarray:
    """Split code of each window, or :data:`DROPPED` when it straddles a boundary.

    Parameters
    ----------
    starts, ends : numpy.ndarray
        int64, shape (n,), windows on one chromosome.
    segs : list of tuple
        Output of :func:`segments`.

    Returns
    -------
    numpy.ndarray
        int8, shape (n,), values -1, 0 (train), 1 (valid), 2 (test).
    """
    seg_starts = np.array([s for s, _, _ in segs], dtype=np.int64)
    seg_ends = np.array([e for _, e, _ in segs], dtype=np.int64)
    seg_codes = np.array([c for _, _, c in segs], dtype=np.int8)
    idx = np.searchsorted(seg_starts, starts, side="right") - 1
    idx = np.clip(idx, 0, len(segs) - 1)
    inside = (np.asarray(ends) <= seg_ends[idx]) & (np.asarray(starts) >= seg_starts[idx])
    return np.where(inside, seg_codes[idx], DROPPED).astype(np.int8)


def leakage_report(windows_tsv: str, chunk_rows: int = 200_000) -> dict:
    """Count overlaps between windows of different splits using bedtools.

    The table is streamed in chunks into one temporary BED file per split, so
    memory does not grow with the number of windows.

    Parameters
    ----------
    windows_tsv : str
        ``results/data/windows.tsv.gz``.
    chunk_rows : int
        Rows read at a time.

    Returns
    -------
    dict
        ``{"train_vs_valid": n, "train_vs_test": n, "valid_vs_test": n, "n": {...}}``:
        numbers of windows of the first split overlapping any window of the second.
    """
    import pybedtools

    cols = ["chrom", "start", "end", "split"]
    counts = dict.fromkeys(SPLITS, 0)
    with tempfile.TemporaryDirectory(prefix="chromcnn-split-") as tmp:
        paths = {s: f"{tmp}/{s}.bed" for s in SPLITS}
        handles = {s: open(p, "w") for s, p in paths.items()}
        try:
            for frame in read_windows(windows_tsv, columns=cols, chunksize=chunk_rows):
                for split, part in frame.groupby("split"):
                    part[cols[:3]].to_csv(handles[split], sep="\t", header=False, index=False)
                    counts[split] += len(part)
        finally:
            for handle in handles.values():
                handle.close()
        report: dict = {"n": {s: n for s, n in counts.items() if n}}
        for a, b in (("train", "valid"), ("train", "test"), ("valid", "test")):
            hits = 0
            if counts[a] and counts[b]:
                hits = sum(1 for _ in pybedtools.BedTool(paths[a]).intersect(pybedtools.BedTool(paths[b]), u=True))
            report[f"{a}_vs_{b}"] = hits
        pybedtools.cleanup()
    return report
