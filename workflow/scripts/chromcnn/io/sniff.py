"""What a source is, from its name or first bytes: URL or path, gzip or plain, text or not.

The one place that tells gzip from plain and text from binary: readers of
"plain or gzip" inputs (genome, peaks, blacklist) open them with
:func:`open_text`, :func:`open_bytes` or :func:`text_lines` instead of checking
magic bytes themselves.

Text decoding, decided once for every line-based input:

- a UTF-8 byte-order mark at the start is removed (it must not hide the first
  record);
- lines are UTF-8; a line that is not (one latin-1 byte in a comment written
  by an old tool) is decoded as latin-1 instead of rejecting the file, so the
  reader decides: comments and headers are skipped whatever they hold, and a
  data line with such a byte fails on its own line (:func:`non_utf8_error`);
- a file that is not text at all (NUL bytes, UTF-16, gzip inside gzip, another
  known binary format) is rejected on its first block, naming the file and
  what it looks like, before any record is read.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from chromcnn.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"
SNIFF_BYTES = 4096
#: first bytes of (decompressed) content -> what the file is, for messages.
BINARY_MAGIC = {
    GZIP_MAGIC: "gzip-compressed twice",
    b"BZh": "bzip2-compressed",
    b"PK\x03\x04": "a zip archive",
    b"\xfd7zXZ\x00": "xz-compressed",
    b"\x28\xb5\x2f\xfd": "zstd-compressed",
    b"\x89HDF": "an HDF5 file",
    b"\xeb\xf2\x89\x87": "a bigBed/bigWig file",
    b"\x87\x89\xf2\xeb": "a bigBed/bigWig file",
    b"BAM\x01": "a BAM file",
    b"\xff\xfe": "UTF-16 text",
    b"\xfe\xff": "UTF-16 text",
}
FIXES = {
    "gzip-compressed twice": "decompress it once (gunzip -c FILE > plain.gz; check with zcat plain.gz | head)",
    "UTF-16 text": "save it as UTF-8 or ASCII text (e.g. iconv -f UTF-16 -t UTF-8)",
}


def is_url(source: str) -> bool:
    """True for http://, https:// and ftp:// sources."""
    return source.lower().startswith(("http://", "https://", "ftp://"))


def is_gzip(path: str | Path) -> bool:
    """True when the file starts with the gzip magic bytes (gzip and bgzip)."""
    with open(path, "rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def open_bytes(path: str | Path) -> IO[bytes]:
    """Open a plain, gzip or bgzip file for reading its (decompressed) bytes."""
    return gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")


def open_text(path: str | Path, newline: str | None = None) -> IO[str]:
    """Open a plain, gzip or bgzip text file for reading (UTF-8, byte-order mark removed).

    Parameters
    ----------
    path : str or Path
        The file; gzip is recognised by its magic bytes, not its name.
    newline : str, optional
        As for :func:`open`; ``""`` keeps ``\\r\\n`` line ends for the caller to strip.
    """
    if is_gzip(path):
        return gzip.open(path, "rt", newline=newline, encoding="utf-8-sig")
    return open(path, newline=newline, encoding="utf-8-sig")


def binary_kind(head: bytes) -> str | None:
    """What the first bytes of a file's (decompressed) content say it is, when not text.

    Parameters
    ----------
    head : bytes
        Up to :data:`SNIFF_BYTES` first bytes.

    Returns
    -------
    str or None
        e.g. ``"gzip-compressed twice"``, ``"binary (NUL bytes)"``; None for text.
    """
    for magic, kind in BINARY_MAGIC.items():
        if head.startswith(magic):
            return kind
    if b"\x00" in head:
        return "binary (it holds NUL bytes)"
    return None


def check_text(path: str | Path, label: str | None = None, kind: str = "text", expected: str = "text") -> None:
    """Raise unless ``path`` (plain or gzip) holds text.

    Raises
    ------
    InputError
        ``{label}: {kind} file is {what}, not {expected} text. Fix: ...``, also for a
        truncated or corrupt gzip stream.
    """
    label = label or str(path)
    try:
        with open_bytes(path) as handle:
            head = handle.read(SNIFF_BYTES)
    except (OSError, EOFError, zlib.error) as err:
        raise InputError(
            f"{kind} file is a damaged gzip file ({err})",
            "download or compress it again (gzip -t FILE tests it)",
            path=label,
        ) from None
    what = binary_kind(head)
    if what is not None:
        raise InputError(
            f"{kind} file is {what}, not {expected} text",
            FIXES.get(what, f"give a plain or gzip-compressed {expected} text file"),
            path=label,
        )


def text_lines(
    path: str | Path, label: str | None = None, kind: str = "text", expected: str = "text"
) -> Iterator[tuple[int, str, bool]]:
    """Lines of a plain or gzip text file, checked to be text first.

    Yields
    ------
    (int, str, bool)
        1-based line number, the line without its line end (``\\n`` or ``\\r\\n``),
        and whether it was valid UTF-8 (False: decoded as latin-1 instead).
    """
    check_text(path, label, kind, expected)
    with open_bytes(path) as handle:
        for line_no, raw in enumerate(handle, start=1):
            raw = (strip_bom(raw) if line_no == 1 else raw).rstrip(b"\r\n")
            try:
                yield line_no, raw.decode("utf-8"), True
            except UnicodeDecodeError:
                yield line_no, raw.decode("latin-1"), False


def strip_bom(head: bytes) -> bytes:
    """``head`` (the first bytes of a file) without a leading UTF-8 byte-order mark."""
    return head.removeprefix(UTF8_BOM)


def read_past_bom(handle: IO[bytes]) -> bytes:
    """Read the first ``len(UTF8_BOM)`` bytes of ``handle``; return those that are not a BOM (to be prepended)."""
    return strip_bom(handle.read(len(UTF8_BOM)))


def non_utf8_error(label: str, line_no: int, kind: str) -> InputError:
    """The error for a data line that is not UTF-8 text."""
    return InputError(
        f"{kind} line is not UTF-8 text (a byte of another encoding)",
        "save the file as UTF-8 or ASCII (iconv -f latin1 -t utf-8), or fix that line",
        path=label,
        line=line_no,
    )
