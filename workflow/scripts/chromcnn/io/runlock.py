"""Snakemake's working-directory lock after a killed run.

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


def clear_stale_lock(state_dir: str | Path = ".snakemake") -> str | None:
    """Remove the lock a killed run left; return a one-line note, or None when nothing was done.

    Only when ``state_dir/locks`` holds lock files, the recorded owner ran on this
    host and that process no longer exists.
    """
    state = Path(state_dir)
    locks = state / "locks"
    owner_file = state / OWNER
    if not locks.is_dir() or not any(locks.iterdir()) or not owner_file.is_file():
        return None
    try:
        owner = json.loads(owner_file.read_text())
        pid, host = int(owner["pid"]), str(owner["host"])
    except (ValueError, KeyError, TypeError):
        return None
    if host != socket.gethostname() or pid == os.getpid() or _alive(pid):
        return None
    shutil.rmtree(locks, ignore_errors=True)
    owner_file.unlink(missing_ok=True)
    return f"removed the lock left by a killed run (snakemake pid {pid} on {host} no longer exists)"
