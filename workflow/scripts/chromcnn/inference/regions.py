"""What to score: windows from a BED of regions or from a FASTA of sequences.

Window placement (the same for regions and sequences):

* a region (or sequence) up to the model's window ``W`` gets one window of
  ``W`` centred on it: ``start + (length - W) // 2`` (a region of exactly ``W``
  is scored as it is, so the pipeline's own windows are reproduced);
* a longer one is **tiled**: ``n = ceil(length / W)`` adjacent windows, the
  block of ``n * W`` bp centred on it the same way, so every base is scored
  once and the overhang is split between both ends; tiles are named
  ``name:1``, ``name:2``, ... in order;
* with ``resize="exact"`` every region must be exactly ``W`` (else one line
  naming the file, the line and both lengths).

Bases off a chromosome's end (or beyond a FASTA sequence) are N (an all-zero
one-hot column). A BED region itself must lie on the chromosome. For a FASTA
the ``chrom`` column is the record name and ``start``/``end`` are relative to
the sequence (negative or past its length where N-padded). Characters other
than A, C, G, T and N (any case) are counted per record, scored as N and
reported with the record's line.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from chromcnn.data.encode import codes_from_string
from chromcnn.errors import InputError
from chromcnn.inference.genome_reader import Genome, check_names
from chromcnn.io.bed import BedFile
from chromcnn.io.sniff import open_text

LOG = logging.getLogger(__name__)
RESIZE = ("centre", "exact")
_ACGTN = frozenset("ACGTNacgtn")


@dataclass
class Windows:
    """A batch of windows to score.

    Attributes
    ----------
    names, chroms : list of str
    starts, ends : numpy.ndarray
        int64 (n,), 0-based half-open window coordinates.
    codes : numpy.ndarray
        uint8 (n, W) base codes (4 = N).
    """

    names: list[str]
    chroms: list[str]
    starts: np.ndarray
    ends: np.ndarray
    codes: np.ndarray


@dataclass
class Notes:
    """What reading the input counted (reported at the end)."""

    records: int = 0
    windows: int = 0
    tiled: int = 0
    odd_chars: Counter = field(default_factory=Counter)


def tile_starts(start: int, end: int, window: int) -> np.ndarray:
    """int64 window starts covering ``[start, end)``: one centred window, or centred adjacent tiles."""
    length = end - start
    n = max(1, -(-length // window))
    first = start + (length - n * window) // 2
    return first + window * np.arange(n, dtype=np.int64)


def _mismatch(label: str, line: int, what: str, length: int, window: int, model: str) -> InputError:
    return InputError(
        f"{what} is {length} bp but the model {model} takes {window} bp windows",
        f"drop --resize exact (regions are then centred or tiled), or use a model trained on {length} bp windows",
        path=label,
        line=line,
    )


def check_bed(path: str, genome: Genome, window: int, resize: str = "centre", model: str = "") -> int:
    """A first pass over a BED: names, ends and lengths checked before any scoring.

    Returns
    -------
    int
        Number of regions.

    Raises
    ------
    InputError
        No regions; chromosomes the genome lacks (both naming styles named); a region past
        its chromosome's end; with ``resize="exact"``, a region whose length is not ``window``.
    """
    bed = BedFile(path, kind="region")
    counts: Counter = Counter()
    past: tuple[int, str, int, int] | None = None
    for rec in bed:
        chrom = rec.cols[0]
        counts[chrom] += 1
        size = genome.sizes.get(chrom)
        if size is not None and rec.end > size and past is None:
            past = (rec.line_no, chrom, rec.end, size)
        if resize == "exact" and rec.end - rec.start != window:
            raise _mismatch(path, rec.line_no, "the region", rec.end - rec.start, window, model)
    if not counts:
        raise InputError("no regions in the BED file", "give a BED with at least one chrom start end line", path=path)
    check_names(path, "regions", counts, genome.sizes)
    if past:
        line, chrom, end, size = past
        raise InputError(
            f"region ends at {end:,}, past the end of {chrom} ({size:,} bp) in {genome.path}",
            "use a BED of the genome's assembly (or lift it over), or clip the region to the chromosome",
            path=path,
            line=line,
        )
    return sum(counts.values())


def bed_windows(path: str, genome: Genome, window: int, batch: int, notes: Notes) -> Iterator[Windows]:
    """Batches of windows for every region of a checked BED, in file order."""
    rows: list[tuple[str, str, int]] = []
    for rec in BedFile(path, kind="region"):
        chrom = rec.cols[0]
        name = rec.cols[3] if len(rec.cols) > 3 and rec.cols[3] else f"{chrom}:{rec.start}-{rec.end}"
        starts = tile_starts(rec.start, rec.end, window)
        notes.records += 1
        notes.tiled += len(starts) > 1
        for k, s in enumerate(starts, start=1):
            rows.append((f"{name}:{k}" if len(starts) > 1 else name, chrom, int(s)))
        if len(rows) >= batch:
            yield _from_genome(rows, genome, window)
            rows = []
    if rows:
        yield _from_genome(rows, genome, window)


def _from_genome(rows: list[tuple[str, str, int]], genome: Genome, window: int) -> Windows:
    starts = np.array([r[2] for r in rows], dtype=np.int64)
    codes = np.empty((len(rows), window), np.uint8)
    i = 0
    while i < len(rows):  # each run of rows on one chromosome is cut in one call
        chrom = rows[i][1]
        stop = next((j for j in range(i, len(rows)) if rows[j][1] != chrom), len(rows))
        codes[i:stop] = genome.windows(chrom, starts[i:stop], window)
        i = stop
    return Windows([r[0] for r in rows], [r[1] for r in rows], starts, starts + window, codes)


def read_fasta(path: str) -> Iterator[tuple[int, str, str]]:
    """``(line, name, sequence)`` per record of a plain or gzip FASTA (one record in memory)."""
    name, line, parts = None, 0, []
    with open_text(path) as handle:
        for line_no, text in enumerate(handle, start=1):
            text = text.rstrip("\r\n")
            if text.startswith(">"):
                if name is not None:
                    yield line, name, "".join(parts)
                name, line, parts = (text[1:].split() or [""])[0], line_no, []
                if not name:
                    raise InputError("a FASTA header has no name", "write '>name' on header lines", path, line_no)
            elif text.strip():
                if name is None:
                    raise InputError(
                        "not a FASTA file: the first line does not start with '>'",
                        "give a FASTA file of sequences (>name, then the sequence lines)",
                        path,
                        line_no,
                    )
                parts.append(text.strip())
    if name is None:
        raise InputError("no sequences in the FASTA file", "give a FASTA with at least one '>name' record", path)
    yield line, name, "".join(parts)


def check_fasta(path: str, window: int, resize: str = "centre", model: str = "") -> Counter:
    """A first pass over a FASTA: records readable, lengths (``exact``), odd characters per record line.

    Returns
    -------
    collections.Counter
        ``(line, name) -> count`` of characters other than A, C, G, T, N; each is also
        logged as one line naming the file, the line and what is done.
    """
    odd: Counter = Counter()
    for line, name, seq in read_fasta(path):
        if resize == "exact" and len(seq) != window:
            raise _mismatch(path, line, f"sequence '{name}'", len(seq), window, model)
        bad = Counter(c for c in seq if c not in _ACGTN)
        if bad:
            odd[(line, name)] = sum(bad.values())
            shown = ", ".join(repr(c) for c, _ in bad.most_common(3))
            LOG.warning(
                "%s:%d: sequence '%s' has %d characters other than A, C, G, T, N (%s); they are scored as N. "
                "Fix: replace them with N (or the intended bases) to silence this",
                path,
                line,
                name,
                sum(bad.values()),
                shown,
            )
    return odd


def fasta_windows(path: str, window: int, batch: int, notes: Notes) -> Iterator[Windows]:
    """Batches of windows for every record of a FASTA (centred, N-padded or tiled), in file order."""
    names, chroms, starts, codes = [], [], [], []
    for _, name, seq in read_fasta(path):
        seq_codes = codes_from_string(seq)
        tiles = tile_starts(0, len(seq), window)
        notes.records += 1
        notes.tiled += len(tiles) > 1
        for k, s in enumerate(tiles, start=1):
            names.append(f"{name}:{k}" if len(tiles) > 1 else name)
            chroms.append(name)
            starts.append(int(s))
            codes.append(_cut(seq_codes, int(s), window))
        if len(names) >= batch:
            yield _batch(names, chroms, starts, codes, window)
            names, chroms, starts, codes = [], [], [], []
    if names:
        yield _batch(names, chroms, starts, codes, window)


def _cut(codes: np.ndarray, start: int, window: int) -> np.ndarray:
    out = np.full(window, 4, np.uint8)
    lo, hi = max(start, 0), min(start + window, len(codes))
    if hi > lo:
        out[lo - start : hi - start] = codes[lo:hi]
    return out


def _batch(names: list, chroms: list, starts: list, codes: list, window: int) -> Windows:
    s = np.array(starts, dtype=np.int64)
    return Windows(names, chroms, s, s + window, np.stack(codes))
