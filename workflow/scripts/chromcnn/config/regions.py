"""Chromosome regions used to define held-out splits."""

from __future__ import annotations

import re
from dataclasses import dataclass

_REGION_RE = re.compile(r"^(?P<chrom>[^:\s]+)(?::(?P<start>[\d,_]+)-(?P<end>[\d,_]+))?$")


@dataclass(frozen=True)
class Region:
    """A 0-based half-open region; ``end=None`` means the whole chromosome."""

    chrom: str
    start: int = 0
    end: int | None = None

    def overlaps(self, other: Region) -> bool:
        """True when the two regions share at least one base."""
        if self.chrom != other.chrom:
            return False
        a_end = float("inf") if self.end is None else self.end
        b_end = float("inf") if other.end is None else other.end
        return self.start < b_end and other.start < a_end

    def bounded(self, chrom_len: int) -> tuple[int, int]:
        """Return ``(start, end)`` clipped to a chromosome of ``chrom_len`` bp."""
        end = chrom_len if self.end is None else min(self.end, chrom_len)
        return min(self.start, chrom_len), end

    def __str__(self) -> str:
        if self.end is None:
            return self.chrom
        return f"{self.chrom}:{self.start}-{self.end}"


def parse_region(text: str) -> Region:
    """Parse ``"chr8"`` or ``"chr22:40,000,000-50818468"`` (0-based, half-open).

    Raises
    ------
    ValueError
        When the text is not a chromosome name or a region with start < end.
    """
    match = _REGION_RE.match(text.strip())
    if not match:
        raise ValueError(f"'{text}' is not a chromosome name or chr:start-end region")
    if match["start"] is None:
        return Region(match["chrom"])
    start = int(match["start"].replace(",", "").replace("_", ""))
    end = int(match["end"].replace(",", "").replace("_", ""))
    if start >= end:
        raise ValueError(f"region '{text}' has start >= end")
    return Region(match["chrom"], start, end)
