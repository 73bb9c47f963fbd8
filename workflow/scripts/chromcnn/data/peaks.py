"""Read BED3+ and narrowPeak files into per-chromosome arrays, strictly.

Accepted: plain or gzip, tab- or whitespace-separated, CRLF line ends,
``#`` comments, ``track`` and ``browser`` lines, and one header line before the
first record. Each peak's site is its narrowPeak summit (column 10, offset
from start) when present, else its midpoint. Peaks on chromosomes that the
genome lacks are dropped and counted; peaks past a chromosome end are clipped
or dropped and counted. Blacklists are read by the same parser
(:class:`chromcnn.io.bed.BedFile`), checked for another naming style
(:func:`load_blacklist`) and merged per chromosome.
"""

from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from chromcnn.data.chromnames import counterparts, unknown_chrom_error
from chromcnn.data.intervals import merge_intervals
from chromcnn.errors import InputError
from chromcnn.io.bed import BedFile, BedRecord

SUBSET_FIX = (
    "or, if the genome deliberately holds only some chromosomes, set peaks.max_unknown_fraction: 1.0 to drop the rest"
)


@dataclass
class PeakSet:
    """Peaks of one cell type.

    Attributes
    ----------
    name : str
        Cell-type name.
    by_chrom : dict of str to numpy.ndarray
        int64 arrays of shape (n, 3): start, end, centre (0-based), sorted by centre.
    qc : dict
        Counts: read, kept, dropped_unknown_chrom (+ per chromosome), clipped_past_end,
        dropped_past_end, dropped_empty, summit_outside_peak, format.
    max_end : dict of str to int
        Largest end per chromosome as read (before clipping), unknown chromosomes included.
    """

    name: str
    by_chrom: dict[str, np.ndarray] = field(default_factory=dict)
    qc: dict = field(default_factory=dict)
    max_end: dict[str, int] = field(default_factory=dict)

    def count(self) -> int:
        """Number of peaks kept."""
        return int(sum(len(a) for a in self.by_chrom.values()))


class _Reader:
    """Accumulates parsed peaks and counts for one file."""

    def __init__(self, bed: BedFile, chrom_sizes: dict[str, int], past_end: str) -> None:
        self.bed = bed
        self.sizes = chrom_sizes
        self.past_end = past_end
        self.rows: dict[str, array] = {}  # flat int64 start, end, centre triples
        self.unknown: Counter[str] = Counter()
        self.max_end: dict[str, int] = {}
        self.counts = Counter()
        self.narrowpeak = 0

    def add(self, rec: BedRecord) -> None:
        """Count one peak and keep it, clipped, or drop it (counted)."""
        self.counts["read"] += 1
        self.narrowpeak += len(rec.cols) >= 10
        chrom, start, end = rec.cols[0], rec.start, rec.end
        if end > self.max_end.get(chrom, -1):
            self.max_end[chrom] = end
        size = self.sizes.get(chrom)
        if size is None:
            self.unknown[chrom] += 1
            return
        if start == end:
            self.counts["dropped_empty"] += 1
            return
        centre = self._centre(rec)
        if end > size:
            if self.past_end == "drop" or start >= size:
                self.counts["dropped_past_end"] += 1
                return
            self.counts["clipped_past_end"] += 1
            end = size
            centre = min(centre, size - 1)
        rows = self.rows.get(chrom)
        if rows is None:
            rows = self.rows[chrom] = array("q")
        rows.extend((start, end, centre))

    def _centre(self, rec: BedRecord) -> int:
        if len(rec.cols) >= 10:
            summit = self.bed.parse_int(rec.cols[9], "summit (column 10)", rec.line_no)
            if summit >= 0:
                if rec.start + summit < rec.end:
                    return rec.start + summit
                self.counts["summit_outside_peak"] += 1
        return (rec.start + rec.end) // 2


def read_peaks(
    path: str | Path,
    name: str,
    chrom_sizes: dict[str, int],
    past_end: str = "clip",
    max_unknown_fraction: float = 0.5,
    label: str | None = None,
) -> PeakSet:
    """Read one peak file.

    Parameters
    ----------
    path : str or Path
        BED3+ or narrowPeak, plain or gzip.
    name : str
        Cell-type name.
    chrom_sizes : dict of str to int
        Genome chromosome lengths.
    past_end : {"clip", "drop"}
        Treatment of peaks that run past their chromosome's end.
    max_unknown_fraction : float
        Stop when more than this fraction of peaks lie on unknown chromosomes.
    label : str, optional
        File name used in messages (defaults to ``path``).

    Returns
    -------
    PeakSet

    Raises
    ------
    InputError
        Empty file, malformed line (with its line number) or assembly mismatch.
    """
    label = label or str(path)
    reader = _Reader(BedFile(path, label, "peak", "BED3+ or narrowPeak"), chrom_sizes, past_end)
    for rec in reader.bed:
        reader.add(rec)
    n_read = reader.counts["read"]
    if n_read == 0:
        raise InputError(
            f"peak file of cell type '{name}' has no peaks",
            "give a BED3+/narrowPeak file with at least one chrom/start/end line",
            path=label,
        )
    n_unknown = sum(reader.unknown.values())
    if n_unknown > max_unknown_fraction * n_read:
        raise unknown_chrom_error(
            label, f"cell type '{name}'", "peaks", n_unknown, n_read, reader.unknown, chrom_sizes, SUBSET_FIX
        )
    peaks = PeakSet(name, max_end=reader.max_end)
    for chrom, rows in reader.rows.items():
        arr = np.frombuffer(rows, dtype=np.int64).reshape(-1, 3)
        peaks.by_chrom[chrom] = arr[np.lexsort((arr[:, 0], arr[:, 2]))]
    peaks.qc = {
        "file": label,
        "format": "narrowPeak" if reader.narrowpeak == n_read else "bed",
        "read": n_read,
        "kept": peaks.count(),
        "dropped_unknown_chrom": n_unknown,
        "dropped_unknown_chrom_by_name": dict(reader.unknown.most_common(20)),
        "clipped_past_end": reader.counts["clipped_past_end"],
        "dropped_past_end": reader.counts["dropped_past_end"],
        "dropped_empty": reader.counts["dropped_empty"],
        "summit_outside_peak": reader.counts["summit_outside_peak"],
    }
    return peaks


def load_blacklist(
    path: str | Path,
    chrom_sizes: dict[str, int],
    max_unknown_fraction: float = 0.5,
    label: str | None = None,
) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], dict]:
    """Read a blacklist, stopping when its names are another naming style's.

    Records on chromosomes the genome lacks are dropped and counted. Those whose
    name is a genome chromosome in another style (``1`` for ``chr1``, ``MT`` for
    ``chrM``) mean the blacklist would silently miss its regions: more of them
    than ``max_unknown_fraction`` of the records that name a genome chromosome
    (in either style) stops the run, as does a blacklist with no record on the
    genome at all. Records on chromosomes the genome lacks in every style (a
    whole-genome blacklist against a genome that holds only chr22) are dropped.

    Parameters
    ----------
    path : str or Path
        BED3+ file, plain or gzip.
    chrom_sizes : dict of str to int
        Genome chromosome lengths.
    max_unknown_fraction : float
        ``peaks.max_unknown_fraction``, the same bound as for peaks.
    label : str, optional
        The user's file, named in messages (defaults to ``path``).

    Returns
    -------
    intervals : dict of str to tuple of numpy.ndarray
        int64 starts and ends per chromosome, sorted and disjoint.
    qc : dict
        file, read, kept, dropped_unknown_chrom, dropped_unknown_chrom_by_name.
    """
    label = label or str(path)
    kept: list[tuple[str, int, int]] = []
    unknown: Counter[str] = Counter()
    for rec in BedFile(path, label, kind="blacklist"):
        if rec.cols[0] in chrom_sizes:
            kept.append((rec.cols[0], rec.start, rec.end))
        else:
            unknown[rec.cols[0]] += 1
    n_read, n_unknown = len(kept) + sum(unknown.values()), sum(unknown.values())
    renamed = Counter({c: unknown[c] for c in counterparts(list(unknown), chrom_sizes)})
    n_renamed = sum(renamed.values())
    if (n_read and not kept) or n_renamed > max_unknown_fraction * (len(kept) + n_renamed):
        names = renamed or unknown
        raise unknown_chrom_error(
            label, "blacklist", "records", n_unknown, n_read, names, chrom_sizes, "or set genome.blacklist: null"
        )
    qc = {
        "file": label,
        "read": n_read,
        "kept": len(kept),
        "dropped_unknown_chrom": n_unknown,
        "dropped_unknown_chrom_by_name": dict(unknown.most_common(20)),
    }
    return _merge_blacklist(kept), qc


def read_blacklist(path: str | Path | None, chrom_sizes: dict[str, int]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Blacklist intervals per chromosome, sorted and merged (:func:`load_blacklist` without its counts).

    Parameters
    ----------
    path : str or Path or None
        BED3+ file, plain or gzip (None or "" for no blacklist).
    chrom_sizes : dict of str to int
        Genome chromosome lengths.

    Returns
    -------
    dict of str to tuple of numpy.ndarray
        int64 starts and ends per chromosome, sorted and disjoint.
    """
    return load_blacklist(path, chrom_sizes)[0] if path else {}


def _merge_blacklist(rows: list[tuple[str, int, int]]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Sort and merge intervals per chromosome with bedtools."""
    if not rows:
        return {}
    import pybedtools

    text = "".join(f"{c}\t{s}\t{e}\n" for c, s, e in rows)
    merged = pybedtools.BedTool(text, from_string=True).sort().merge()
    per: dict[str, list[tuple[int, int]]] = {}
    for iv in merged:
        per.setdefault(iv.chrom, []).append((iv.start, iv.end))
    out = {}
    for chrom, ivs in per.items():
        arr = np.asarray(ivs, dtype=np.int64)
        out[chrom] = merge_intervals(arr[:, 0], arr[:, 1])
    pybedtools.cleanup()
    return out
