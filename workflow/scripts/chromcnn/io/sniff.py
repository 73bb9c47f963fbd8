"""What a source is, from its name or first bytes: URL or path, gzip or plain.

The one place that tells gzip from plain: readers of "plain or gzip" inputs
(genome, peaks, blacklist) open them with :func:`open_text` or
:func:`open_bytes` instead of checking magic bytes themselves.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import IO

GZIP_MAGIC = b"\x1f\x8b"


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
    """Open a plain, gzip or bgzip text file for reading.

    Parameters
    ----------
    path : str or Path
        The file; gzip is recognised by its magic bytes, not its name.
    newline : str, optional
        As for :func:`open`; ``""`` keeps ``\\r\\n`` line ends for the caller to strip.
    """
    if is_gzip(path):
        return gzip.open(path, "rt", newline=newline)
    return open(path, newline=newline)
