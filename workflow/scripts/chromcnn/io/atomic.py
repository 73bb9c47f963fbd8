"""One way to write an output: to a hidden temporary name beside it, renamed when complete.

Every file the pipeline writes (JSON, TSV, NPZ, HDF5, torch files, HTML, MEME,
downloads) goes through :func:`atomic_path`, so a killed job leaves either the
previous file or none, and never a partial one under the real name. Temporary
names are ``.{name}.part-{pid}`` in the destination's folder (same filesystem,
so the rename is atomic).

A job killed with SIGKILL (or a node that lost power) cannot delete its
temporary file; the next write of the same output (the rerun, which Snakemake
schedules because the output is missing or marked incomplete) deletes every
``.{name}.part-*`` left beside it before it starts. Snakemake never runs two
jobs for one output at once, so such a file is always a leftover.

A full disk (``ENOSPC``, ``EDQUOT``, also as h5py reports it) becomes one
:class:`DiskFullError` line naming the output and its folder, and the
temporary file is deleted as for any other error.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chromcnn.errors import InputError

CHUNK = 1 << 20
DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)


class DiskFullError(InputError):
    """The disk (or quota) filled up while an output was written; nothing partial is kept."""


def temp_path(dest: str | Path) -> Path:
    """Hidden temporary name in the destination's directory (same filesystem).

    Calling it starts a write: leftovers of killed writers of the same ``dest``
    (``.{name}.part-*`` of another process) are deleted first.
    """
    dest = Path(dest)
    remove_stale_temps(dest)
    return dest.with_name(f".{dest.name}.part-{os.getpid()}")


def remove_stale_temps(dest: str | Path) -> list[Path]:
    """Delete temporary files of ``dest`` left by other (killed) processes; return them."""
    dest = Path(dest)
    own = f".{dest.name}.part-{os.getpid()}"
    stale = [p for p in dest.parent.glob(f".{dest.name}.part-*") if p.name != own] if dest.parent.is_dir() else []
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def is_disk_full(err: BaseException) -> bool:
    """True for ENOSPC/EDQUOT, also when h5py only names the errno in its message."""
    if isinstance(err, OSError) and err.errno in DISK_FULL_ERRNOS:
        return True
    text = str(err)
    return "No space left on device" in text or "Disk quota exceeded" in text or "errno = 28" in text


def disk_full_error(dest: str | Path, err: BaseException) -> DiskFullError:
    """The one-line message for a full disk while writing ``dest``."""
    folder = Path(dest).resolve().parent
    return DiskFullError(
        f"no space left on device while writing this file (nothing partial was kept; {type(err).__name__})",
        f"free space in {folder} (df -h {folder}) or run in a directory with room, then type the same command again",
        path=str(dest),
    )


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
    except (OSError, RuntimeError) as err:  # torch.save reports a full disk as RuntimeError
        if is_disk_full(err):
            raise disk_full_error(dest, err) from None
        raise
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
        try:
            self.close(exc_type is None)
        except (OSError, RuntimeError) as err:
            if is_disk_full(err):
                raise disk_full_error(self.path, err) from None
            raise
        if exc is not None and is_disk_full(exc):
            raise disk_full_error(self.path, exc) from None
