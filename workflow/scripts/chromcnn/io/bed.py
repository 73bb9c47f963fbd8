"""Read BED-like files line by line: the one parser for peaks and blacklists.

Accepted: plain or gzip (sniffed), tab- or whitespace-separated columns, CRLF
line ends, a UTF-8 byte-order mark, comments in another encoding (latin-1; see
:mod:`chromcnn.io.sniff`), blank lines, ``#`` comments, ``track`` and ``browser`` lines, and
one header line before the first record (a line whose start or end is not an
integer). Every record needs ``chrom start end`` with integers
``0 <= start <= end``; anything else raises :class:`~chromcnn.errors.InputError`
naming the file and the 1-based line, and so does a file that is not text
(binary, gzip inside gzip) before its first record.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from chromcnn.errors import InputError
from chromcnn.io.sniff import non_utf8_error, text_lines

SKIP_PREFIXES = ("#", "track", "browser")


class BedRecord(NamedTuple):
    """One data line: its number, all its columns (as text) and the parsed start and end."""

    line_no: int
    cols: list[str]
    start: int
    end: int


def split_line(text: str) -> list[str] | None:
    """Columns of one line (tabs if it has any, else whitespace); None for lines to skip."""
    text = text.rstrip("\r\n")
    if not text.strip() or text.lstrip().startswith(SKIP_PREFIXES):
        return None
    return text.split("\t") if "\t" in text else text.split()


def _looks_like_record(cols: list[str]) -> bool:
    return cols[1].lstrip("-").isdigit() and cols[2].lstrip("-").isdigit()


class BedFile:
    """A BED-like file to iterate over, record by record, in file order.

    Parameters
    ----------
    path : str or Path
        Plain or gzip file.
    label : str, optional
        File name used in messages (defaults to ``path``).
    kind : str
        What the file holds, for messages ("peak", "blacklist").
    formats : str
        Accepted formats, for the fix in messages.

    Examples
    --------
    >>> for rec in BedFile("peaks.bed.gz", kind="peak"):  # doctest: +SKIP
    ...     print(rec.cols[0], rec.start, rec.end)
    """

    def __init__(self, path: str | Path, label: str | None = None, kind: str = "BED", formats: str = "BED3+") -> None:
        self.path = path
        self.label = label or str(path)
        self.kind = kind
        self.formats = formats

    def error(self, line_no: int, problem: str) -> InputError:
        """The error for a bad line: ``{label}:{line_no}: malformed {kind} line: {problem}. Fix: ...``."""
        return InputError(
            f"malformed {self.kind} line: {problem}",
            f"each line needs chrom<TAB>start<TAB>end with integers 0 <= start <= end ({self.formats}); "
            "fix or delete the line",
            path=self.label,
            line=line_no,
        )

    def parse_int(self, text: str, column: str, line_no: int) -> int:
        """``int(text)``, or the malformed-line error naming ``column``."""
        try:
            return int(text)
        except ValueError:
            raise self.error(line_no, f"{column} {text!r} is not an integer") from None

    def __iter__(self) -> Iterator[BedRecord]:
        """Yield each record; ``start`` and ``end`` are 0-based, half-open, ``0 <= start <= end``."""
        seen_record = False
        for line_no, text, utf8 in text_lines(self.path, self.label, self.kind, self.formats):
            cols = split_line(text)
            if cols is None:
                continue
            if len(cols) < 3:
                raise self.error(line_no, f"{len(cols)} column(s), need at least 3")
            if not seen_record and not _looks_like_record(cols):
                seen_record = True  # a single header line before the first record
                continue
            seen_record = True
            if not utf8:
                raise non_utf8_error(self.label, line_no, self.kind)
            yield self._record(cols, line_no)

    def _record(self, cols: list[str], line_no: int) -> BedRecord:
        start = self.parse_int(cols[1], "start", line_no)
        end = self.parse_int(cols[2], "end", line_no)
        if start < 0:
            raise self.error(line_no, f"negative start {start}")
        if start > end:
            raise self.error(line_no, f"start {start} > end {end}")
        return BedRecord(line_no, cols, start, end)
