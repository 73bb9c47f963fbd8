"""The genome as inference reads it: windows of base codes, N-padded past the ends.

:class:`Genome` opens a plain or bgzip FASTA (indexed with pyfaidx, which
writes a ``.fai`` beside it when missing), keeps one chromosome's base codes
(:func:`chromcnn.data.genome.load_codes`, one byte per base) in memory at a
time, and cuts windows from it. Inputs sorted by chromosome (VCFs, BEDs from
the pipeline) read each chromosome once. :func:`check_names` is the same
naming-style check as the peaks' (:mod:`chromcnn.data.chromnames`).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pyfaidx

from chromcnn.data.chromnames import unknown_chrom_error
from chromcnn.data.encode import codes_from_string
from chromcnn.data.genome import N_CODE, FaiEntry, load_codes
from chromcnn.errors import InputError
from chromcnn.io.sniff import is_gzip


class Genome:
    """An indexed FASTA read one chromosome at a time.

    Parameters
    ----------
    path : str or Path
        Plain or bgzip FASTA (a ``.fai`` is made beside it when missing).

    Attributes
    ----------
    sizes : dict of str to int
        Chromosome lengths, in FASTA order.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if not Path(self.path).is_file():
            raise InputError("genome FASTA not found", "give an existing FASTA file with --genome", path=self.path)
        try:
            self._faidx = pyfaidx.Faidx(self.path)
        except Exception as err:  # pyfaidx raises several types for a bad file; all mean the same here
            first = str(err).strip().splitlines()[0][:160] if str(err).strip() else type(err).__name__
            raise InputError(
                f"genome FASTA cannot be indexed ({first})",
                "give a plain or bgzip FASTA with equal-length sequence lines (e.g. seqkit seq -w 60; bgzip, not gzip)",
                path=self.path,
            ) from None
        self._plain = not is_gzip(self.path)
        self.sizes = {name: int(rec.rlen) for name, rec in self._faidx.index.items()}
        self._chrom: str | None = None
        self._codes = np.empty(0, np.uint8)

    def codes(self, chrom: str) -> np.ndarray:
        """uint8 (length,) base codes (A=0, C=1, G=2, T=3, other=4) of one chromosome (cached)."""
        if chrom != self._chrom:
            self._codes = np.empty(0, np.uint8)  # free the previous chromosome first
            rec = self._faidx.index[chrom]
            if self._plain:
                entry = FaiEntry(chrom, int(rec.rlen), int(rec.offset), int(rec.lenc), int(rec.lenb))
                self._codes = load_codes(self.path, entry)
            else:
                self._codes = codes_from_string(str(self._faidx.fetch(chrom, 1, int(rec.rlen))))
            self._chrom = chrom
        return self._codes

    def window(self, chrom: str, start: int, length: int) -> np.ndarray:
        """uint8 (length,) codes of ``[start, start + length)``; positions off the chromosome are N (4)."""
        codes = self.codes(chrom)
        out = np.full(length, N_CODE, np.uint8)
        lo, hi = max(start, 0), min(start + length, len(codes))
        if hi > lo:
            out[lo - start : hi - start] = codes[lo:hi]
        return out

    def windows(self, chrom: str, starts: np.ndarray, length: int) -> np.ndarray:
        """uint8 (n, length) codes of windows on one chromosome (N-padded off its ends)."""
        codes = self.codes(chrom)
        starts = np.asarray(starts, dtype=np.int64)
        inside = (starts >= 0) & (starts + length <= len(codes))
        out = np.empty((len(starts), length), np.uint8)
        if inside.any() and len(codes) >= length:
            view = np.lib.stride_tricks.sliding_window_view(codes, length)
            out[inside] = view[starts[inside]]
        for i in np.flatnonzero(~inside):
            out[i] = self.window(chrom, int(starts[i]), length)
        return out

    def sequence(self, chrom: str, start: int, end: int) -> str:
        """Upper-case bases of ``[start, end)`` (``N`` for codes other than A, C, G, T)."""
        table = np.frombuffer(b"ACGTN", dtype=np.uint8)
        return table[self.codes(chrom)[start:end]].tobytes().decode()


def check_names(label: str, noun: str, counts: Counter, sizes: dict[str, int], max_fraction: float = 0.0) -> None:
    """Stop when more than ``max_fraction`` of the records lie on chromosomes the genome lacks.

    Parameters
    ----------
    label : str
        The user's file, named in the message.
    noun : str
        What its records are (``"regions"``, ``"variants"``).
    counts : collections.Counter
        Records per chromosome name.
    sizes : dict of str to int
        The genome's chromosome lengths.
    max_fraction : float
        Fraction of records allowed on unknown chromosomes (they are skipped and counted).

    Raises
    ------
    InputError
        The peaks' message (both naming styles named, e.g. ``'1'`` against ``'chr1'``).
    """
    unknown = Counter({c: n for c, n in counts.items() if c not in sizes})
    n_unknown, n_read = sum(unknown.values()), sum(counts.values())
    if n_unknown and n_unknown > max_fraction * n_read:
        raise unknown_chrom_error(
            label,
            noun,
            noun,
            n_unknown,
            n_read,
            unknown,
            sizes,
            "or drop the records on chromosomes the genome lacks",
        )
