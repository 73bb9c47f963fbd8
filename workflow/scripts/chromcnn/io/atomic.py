"""One way to write an output: to a hidden temporary name beside it, renamed when complete.

Every file the pipeline writes (JSON, TSV, NPZ, HDF5, torch files, HTML, MEME,
downloads) goes through :func:`atomic_path`, so a killed job leaves either the
previous file or none, and never a partial one under the real name. Temporary
names are ``.{name}.part-{pid}`` in the destination's folder (same filesystem,
so the rename is atomic).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHUNK = 1 << 20


def temp_path(dest: str | Path) -> Path:
    """Hidden temporary name in the destination's directory (same filesystem)."""
    dest = Path(dest)
    return dest.with_name(f".{dest.name}.part-{os.getpid()}")


@contextlib.contextmanager
def atomic_path(dest: str | Path) -> Iterator[Path]:
    """Yield a temporary path; rename it to ``dest`` on success, delete it on any error.

    Examples
    --------
    >>> with atomic_path("out.npz") as tmp:  # doctest: +SKIP
    ...     np.savez(tmp, a=a)
    """
    dest = Path(dest)
    tmp = temp_path(dest)
    ok = False
    try:
        yield tmp
        ok = True
    finally:
        finish(tmp, dest, ok)


def finish(tmp: str | Path, dest: str | Path, ok: bool) -> None:
    """End an atomic write begun at ``tmp = temp_path(dest)``: rename when ``ok``, else delete.

    For writers that stay open across calls (streamed tables, HDF5 files) and so
    cannot sit inside one ``with atomic_path(...)`` block. The temporary file is
    gone afterwards in every case, even when the rename fails.
    """
    tmp = Path(tmp)
    try:
        if ok:
            os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(text: str, path: str | Path) -> None:
    """Write a text file atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_bytes(data: bytes, path: str | Path) -> None:
    """Write a binary file atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_json(obj: Any, path: str | Path) -> None:
    """Write JSON (2-space indent, non-JSON values as str) atomically."""
    write_text(json.dumps(obj, indent=2, sort_keys=False, default=str) + "\n", path)


def write_tsv(frame, path: str | Path) -> None:
    """A pandas DataFrame as TSV (NaN as 'NA', floats '%.6g'), written atomically."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, sep="\t", index=False, na_rep="NA", float_format="%.6g")


def md5sum(path: str | Path) -> str:
    """Hex md5 of a file, read in 1 MiB chunks."""
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


class StreamedOutput:
    """Base of writers that stay open across calls (HDF5 splits, windows tables).

    A subclass sets ``self.path`` (destination) and ``self.tmp`` (its
    :func:`temp_path`) and implements ``_close_handles``. ``close(ok)`` renames
    the temporary file into place only when ``ok`` and the handles closed;
    otherwise it deletes it. As a context manager, an exception means not ok.
    """

    path: Path
    tmp: Path

    def _close_handles(self) -> None:
        raise NotImplementedError

    def close(self, ok: bool) -> None:
        """Finish the file; rename it into place only when ``ok`` (else delete it)."""
        closed = False
        try:
            self._close_handles()
            closed = True
        finally:
            finish(self.tmp, self.path, ok and closed)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(exc_type is None)
