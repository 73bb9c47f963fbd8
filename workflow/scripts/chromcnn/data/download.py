"""Fetch inputs over http(s)/ftp or from a local path, verified and atomic.

A file is streamed to a hidden temporary name next to its destination while
its md5 is computed; it is renamed to the destination only when the transfer
is complete, the md5 matches (when one is given) and, for gzip files, the
whole stream decompresses. Transfer failures (refused or dropped connections,
short reads, time-outs, HTTP 5xx/408/429) are retried with exponential
backoff; anything the user must fix (HTTP 404, md5 mismatch, corrupt gzip)
raises :class:`~chromcnn.errors.InputError` at once.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import logging
import os
import shutil
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO

from chromcnn.errors import InputError
from chromcnn.io.atomic import atomic_path, md5sum
from chromcnn.io.sniff import is_gzip, is_url

LOG = logging.getLogger(__name__)
CHUNK = 1 << 20
_RETRY_HTTP = {408, 425, 429, 500, 502, 503, 504}


@dataclass
class FetchRecord:
    """What was fetched, for provenance files."""

    source: str
    path: str
    md5: str
    bytes: int
    attempts: int
    md5_expected: str | None


class _TransientError(Exception):
    """A transfer failure worth another attempt."""


def _copy_stream(src: BinaryIO, dst: BinaryIO, expected: int | None) -> tuple[str, int]:
    digest = hashlib.md5()
    total = 0
    while True:
        try:
            block = src.read(CHUNK)
        except (TimeoutError, http.client.IncompleteRead, ConnectionError, OSError) as err:
            raise _TransientError(f"transfer interrupted after {total} bytes ({err!r})") from err
        if not block:
            break
        digest.update(block)
        dst.write(block)
        total += len(block)
    if expected is not None and total != expected:
        raise _TransientError(f"received {total} of {expected} bytes")
    return digest.hexdigest(), total


def _open_url(url: str, timeout: float) -> tuple[BinaryIO, int | None]:
    try:
        response = urllib.request.urlopen(url, timeout=timeout)  # noqa: S310
    except urllib.error.HTTPError as err:
        if err.code in _RETRY_HTTP:
            raise _TransientError(f"HTTP {err.code} {err.reason}") from err
        raise InputError(
            f"download of {url} failed: HTTP {err.code} {err.reason}",
            "check the URL in config.yaml (open it in a browser), or give a local path",
        ) from None
    except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise _TransientError(f"cannot connect ({reason})") from err
    length = response.headers.get("Content-Length")
    return response, int(length) if length and length.isdigit() else None


def _attempt(source: str, tmp: Path, timeout: float) -> tuple[str, int]:
    if is_url(source):
        response, expected = _open_url(source, timeout)
        with response, open(tmp, "wb") as out:
            return _copy_stream(response, out, expected)
    with open(source, "rb") as src, open(tmp, "wb") as out:
        return _copy_stream(src, out, os.path.getsize(source))


def check_gzip(path: str | Path, label: str) -> None:
    """Decompress a gzip/bgzip file to the end; raise InputError if it is corrupt."""
    try:
        with gzip.open(path, "rb") as handle:
            while handle.read(CHUNK):
                pass
    except (EOFError, OSError, zlib.error) as err:
        raise InputError(
            f"{label} is a truncated or corrupt gzip file ({err})",
            "download it again from its source, or check that the source file is complete",
        ) from None


def check_md5(source: str, digest: str, md5: str | None) -> None:
    """Raise InputError when an expected md5 is given and differs from ``digest``."""
    if md5 is not None and digest.lower() != md5.lower():
        what = "URL" if is_url(source) else "path"
        raise InputError(
            f"md5 mismatch for {source}: expected {md5.lower()}, got {digest}",
            f"check that the {what} and md5 in config.yaml belong to the same file (or set md5: null)",
        )


def fetch(
    source: str,
    dest: str | Path,
    md5: str | None = None,
    retries: int = 4,
    backoff_s: float = 2.0,
    timeout_s: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchRecord:
    """Fetch ``source`` (URL or path) to ``dest``, verified, atomically.

    Parameters
    ----------
    source : str
        http(s)://, ftp:// URL or local path.
    dest : str or Path
        Final path; it appears only when the file is complete and verified.
    md5 : str, optional
        Expected hex md5 of the file as served.
    retries : int
        Extra attempts after a transient failure.
    backoff_s : float
        First wait between attempts; doubles after each failure.
    timeout_s : float
        Socket time-out of one attempt.
    sleep : callable
        Used to wait between attempts (tests pass a no-op).

    Returns
    -------
    FetchRecord
        Source, destination, computed md5, size and number of attempts.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not is_url(source) and not Path(source).is_file():
        raise InputError(f"input file '{source}' does not exist", "fix the path in config.yaml")
    with atomic_path(dest) as tmp:
        digest, size, attempt = _transfer(source, tmp, retries, backoff_s, timeout_s, sleep)
        check_md5(source, digest, md5)
        if is_gzip(tmp):
            check_gzip(tmp, source)
    LOG.info("fetched %s -> %s (%d bytes, md5 %s, %d attempt(s))", source, dest, size, digest, attempt)
    return FetchRecord(source, str(dest), digest, size, attempt, md5)


def _transfer(
    source: str, tmp: Path, retries: int, backoff_s: float, timeout_s: float, sleep: Callable[[float], None]
) -> tuple[str, int, int]:
    """Copy ``source`` to ``tmp``, retrying transient failures: (md5, bytes, attempts)."""
    attempt = 0
    while True:
        attempt += 1
        try:
            digest, size = _attempt(source, tmp, timeout_s)
            return digest, size, attempt
        except _TransientError as err:
            if attempt > retries:
                raise InputError(
                    f"download of {source} failed after {attempt} attempts: {err}",
                    "check the network and the URL, or download the file by hand and give its path",
                ) from None
            wait = backoff_s * 2 ** (attempt - 1)
            LOG.warning("attempt %d for %s failed (%s); retrying in %.1fs", attempt, source, err, wait)
            sleep(wait)


def gzip_file(src: str | Path, dest: str | Path) -> None:
    """Write ``src`` gzip-compressed to ``dest`` atomically (mtime 0: reproducible bytes)."""
    with atomic_path(dest) as tmp, open(src, "rb") as inp, open(tmp, "wb") as raw:
        with gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as out:
            shutil.copyfileobj(inp, out, CHUNK)


def record_dict(record: FetchRecord) -> dict:
    """FetchRecord as a plain dict for JSON."""
    return asdict(record)


def verify_local(source: str, md5: str | None = None) -> FetchRecord:
    """Check a local input in place: it exists, its md5 matches, a gzip is complete.

    Returns
    -------
    FetchRecord
        With ``path == source`` and ``attempts == 0``.
    """
    if not Path(source).is_file():
        raise InputError(f"input file '{source}' does not exist", "fix the path in config.yaml")
    digest = md5sum(source)
    check_md5(source, digest, md5)
    if is_gzip(source):
        check_gzip(source, source)
    return FetchRecord(source, source, digest, os.path.getsize(source), 0, md5)


def obtain(source: str, download_to: str | Path, md5: str | None = None, **retry: float) -> FetchRecord:
    """Fetch a URL to ``download_to``, or verify a local path where it is.

    ``record.path`` is where the verified bytes are (the local path itself, or
    ``download_to``); ``retry`` is passed to :func:`fetch`.
    """
    if is_url(source):
        return fetch(source, download_to, md5, **retry)
    return verify_local(source, md5)


@contextmanager
def obtained(source: str, out: str | Path, md5: str | None = None, **retry: float) -> Iterator[FetchRecord]:
    """:func:`obtain` ``source`` for a job that writes ``out``: a URL is downloaded to a hidden name beside ``out``.

    Within the block ``record.path`` holds the verified bytes (the local path itself
    for a local source); the downloaded copy is removed when the block ends, however
    it ends (the job stores what it needs under ``out`` atomically first).
    """
    out = Path(out)
    raw = out.with_name(f".{out.name}.download")
    try:
        yield obtain(source, raw, md5, **retry)
    finally:
        raw.unlink(missing_ok=True)
