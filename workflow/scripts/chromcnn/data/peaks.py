"""Read BED3+ and narrowPeak files into per-chromosome arrays, strictly.

Accepted: plain or gzip, tab- or whitespace-separated, CRLF line ends,
``#`` comments, ``track`` and ``browser`` lines, and one header line before the
first record. Each peak's site is its narrowPeak summit (column 10, offset
from start) when present, else its midpoint. Peaks on chromosomes that the
genome lacks are dropped and counted; peaks past a chromosome end are clipped
or dropped and counted. Blacklists are read by the same parser
(:class:`chromcnn.io.bed.BedFile`) and merged per chromosome.
"""

from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from chromcnn.data.intervals import merge_intervals
from chromcnn.errors import InputError
from chromcnn.io.bed import BedFile, BedRecord


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
    """

    name: str
    by_chrom: dict[str, np.ndarray] = field(default_factory=dict)
    qc: dict = field(default_factory=dict)

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
        self.counts = Counter()
        self.narrowpeak = 0

    def add(self, rec: BedRecord) -> None:
        """Count one peak and keep it, clipped, or drop it (counted)."""
        self.counts["read"] += 1
        self.narrowpeak += len(rec.cols) >= 10
        chrom, start, end = rec.cols[0], rec.start, rec.end
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
        raise mismatch_error(label, name, n_unknown, n_read, reader.unknown, chrom_sizes)
    peaks = PeakSet(name)
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


def mismatch_error(
    label: str,
    name: str,
    n_unknown: int,
    n_read: int,
    unknown: Counter,
    chrom_sizes: dict[str, int],
) -> InputError:
    """The classic assembly/naming mismatch, with example names from both sides."""
    peak_names = [c for c, _ in unknown.most_common(3)]
    genome_names = list(chrom_sizes)[:3]
    fix = "use a genome and peak files of the same assembly and naming"
    if all(not c.startswith("chr") for c in peak_names) and any(g.startswith("chr") for g in genome_names):
        fix += " (peaks use Ensembl-style names; add the prefix, e.g. zcat f | sed 's/^/chr/')"
    elif all(c.startswith("chr") for c in peak_names) and not any(g.startswith("chr") for g in genome_names):
        fix += " (peaks use UCSC-style 'chr' names; the genome does not)"
    else:
        fix += (
            ", or, if the genome deliberately holds only some chromosomes, "
            "set peaks.max_unknown_fraction: 1.0 to drop the rest"
        )
    return InputError(
        f"cell type '{name}': {n_unknown} of {n_read} peaks ({100 * n_unknown / n_read:.0f}%) lie on "
        f"chromosomes the genome lacks: peaks name {', '.join(map(repr, peak_names))}, "
        f"genome has {', '.join(map(repr, genome_names))}",
        fix,
        path=label,
    )


def read_blacklist(path: str | Path | None, chrom_sizes: dict[str, int]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Blacklist intervals per chromosome, sorted and merged with bedtools.

    Parameters
    ----------
    path : str or Path or None
        BED3+ file, plain or gzip (None or "" for no blacklist).
    chrom_sizes : dict of str to int
        Genome chromosome lengths; chromosomes the genome lacks are ignored.

    Returns
    -------
    dict of str to tuple of numpy.ndarray
        int64 starts and ends per chromosome, sorted and disjoint.
    """
    if not path:
        return {}
    import pybedtools

    rows = [f"{r.cols[0]}\t{r.start}\t{r.end}\n" for r in BedFile(path, kind="blacklist") if r.cols[0] in chrom_sizes]
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if rows:
        merged = pybedtools.BedTool("".join(rows), from_string=True).sort().merge()
        per: dict[str, list[tuple[int, int]]] = {}
        for iv in merged:
            per.setdefault(iv.chrom, []).append((iv.start, iv.end))
        for chrom, ivs in per.items():
            arr = np.asarray(ivs, dtype=np.int64)
            out[chrom] = merge_intervals(arr[:, 0], arr[:, 1])
        pybedtools.cleanup()
    return out
