"""What a run needs from its process environment: the lock a killed run left, and this
workflow's library first on every job's import path.

:func:`library_first`: Snakemake appends a script's folder to ``sys.path``, after
the environment's site-packages, so a chromcnn installed there (an older release,
or another checkout's editable install) would run in a job instead of the
workflow's own copy; putting the workflow's library first on ``PYTHONPATH``
(inherited by every job) prevents that.

Snakemake's working-directory lock after a killed run:

Snakemake locks the outputs it is about to write (``.snakemake/locks``) and
removes the lock when it ends; SIGKILL (a time limit, an out-of-memory kill, a
closed laptop) leaves it behind, and the next run stops with "Directory cannot
be locked". The workflow records who holds the lock (:func:`record_lock_owner`,
from ``onstart``, which Snakemake calls only once it holds the lock and never
in a dry run) and, when it is parsed again, clears a lock whose owner is no
longer running on this host (:func:`clear_stale_lock`). A lock held by a live
process, by another host, or without a record is left alone, and Snakemake's
own message (with ``--unlock``) stands.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
from pathlib import Path

OWNER = "chromcnn-lock-owner.json"


def library_first(library: str | Path) -> None:
    """Put ``library`` (the workflow's ``workflow/scripts``) first on ``PYTHONPATH`` for jobs."""
    rest = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != str(library)]
    os.environ["PYTHONPATH"] = os.pathsep.join([str(library), *rest])


def record_lock_owner(state_dir: str | Path = ".snakemake") -> None:
    """Write ``{pid, host}`` of this process (the one holding the lock) to ``state_dir``."""
    state = Path(state_dir)
    state.mkdir(parents=True, exist_ok=True)
    tmp = state / f".{OWNER}.part-{os.getpid()}"
    tmp.write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname()}))
    os.replace(tmp, state / OWNER)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


UNLOCK = (
    "if no other snakemake runs in this directory, type: snakemake --unlock --cores 1 "
    "(with the same --configfile, if any), then this command again"
)


def _owner(owner_file: Path) -> tuple[int, str] | None:
    try:
        owner = json.loads(owner_file.read_text())
        return int(owner["pid"]), str(owner["host"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def clear_stale_lock(state_dir: str | Path = ".snakemake") -> str | None:
    """Remove the lock a killed run left; return a one-line note, or None when there is no lock.

    The lock is removed only when the recorded owner ran on this host and that
    process no longer exists. Any other lock is left alone and the note says
    who holds it and exactly what to type if that run is gone.
    """
    state = Path(state_dir)
    locks = state / "locks"
    if not locks.is_dir() or not any(locks.iterdir()):
        return None
    owner = _owner(state / OWNER)
    if owner is None:
        return f"{locks} holds a lock of unknown owner; {UNLOCK}"
    pid, host = owner
    if host != socket.gethostname():
        return f"{locks} holds a lock of snakemake pid {pid} on {host}; {UNLOCK}"
    if pid == os.getpid() or _alive(pid):
        return f"{locks} holds a lock of snakemake pid {pid}, still running on this host; wait for it, or stop it"
    shutil.rmtree(locks, ignore_errors=True)
    (state / OWNER).unlink(missing_ok=True)
    return f"removed the lock left by a killed run (snakemake pid {pid} on {host} no longer exists)"
