"""What a source is, from its name or first bytes: URL or path, gzip or plain."""

from __future__ import annotations

from pathlib import Path

GZIP_MAGIC = b"\x1f\x8b"


def is_url(source: str) -> bool:
    """True for http://, https:// and ftp:// sources."""
    return source.lower().startswith(("http://", "https://", "ftp://"))


def is_gzip(path: str | Path) -> bool:
    """True when the file starts with the gzip magic bytes (gzip and bgzip)."""
    with open(path, "rb") as handle:
        return handle.read(2) == GZIP_MAGIC
