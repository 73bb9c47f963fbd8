"""What a training run leaves on disk, always written atomically (``chromcnn.io.atomic``).

``checkpoints/last.pt``
    After every epoch: model, optimizer, scheduler, :class:`State`, and the
    run's key (:func:`run_key`: the settings and the split files it trains on; a
    checkpoint of other settings or other data is not resumed).
``checkpoints/best.pt``
    The best epoch so far, in the model-file layout of
    :mod:`chromcnn.inference.model_file`.
``model.pt``, ``history.tsv``
    The declared outputs, written only when the run is complete.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import torch
from torch import nn

from chromcnn.config.settings import TrainSettings
from chromcnn.io.atomic import atomic_path, write_text

LOG = logging.getLogger(__name__)
HISTORY_COLUMNS = ["epoch", "train_loss", "valid_loss", "valid_auroc", "valid_auprc", "lr", "seconds", "samples_per_s"]
#: The epoch's wall time and speed: in history.tsv (and the log), never in model.pt, so the
#: same config and seed give a byte-identical model file (and everything computed from it).
WALL_TIME_COLUMNS = ("seconds", "samples_per_s")
#: history.tsv of a regression (``targets.mode: signal``): its validation metrics, named for what they hold.
REGRESSION_HISTORY_COLUMNS = [*HISTORY_COLUMNS[:3], "valid_pearson", "valid_mse", *HISTORY_COLUMNS[5:]]
#: history.tsv of a profile model (``targets.mode: profile``): mean per-window correlation across
#: bins (the monitor), Pearson over all bins pooled, MSE of the predicted coverage.
PROFILE_HISTORY_COLUMNS = [*HISTORY_COLUMNS[:3], "valid_window_pearson", *REGRESSION_HISTORY_COLUMNS[3:]]


@dataclass
class State:
    """Mutable training state saved in every checkpoint."""

    epoch: int = 0
    best: float = -math.inf
    best_epoch: int = 0
    bad_epochs: int = 0
    history: list[dict] = field(default_factory=list)


def save_atomic(obj: Any, path: Path) -> None:
    """``torch.save`` to a temporary name, renamed when complete."""
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def save_best(out: Path, model: nn.Module, settings: TrainSettings, epoch: int, row: dict, meta: dict | None) -> None:
    """``checkpoints/best.pt``: weights, settings, the epoch's validation row (without its wall
    time: :data:`WALL_TIME_COLUMNS`) and ``meta`` (the model-file header)."""
    save_atomic(
        {
            "state_dict": model.state_dict(),
            "settings": dataclasses.asdict(settings),
            "best_epoch": epoch,
            "valid": {k: v for k, v in row.items() if k not in WALL_TIME_COLUMNS},
            **(meta or {}),
        },
        out / "checkpoints" / "best.pt",
    )


def split_fingerprint(path: str | Path) -> str:
    """Identity of a split file without reading its arrays: size, attributes, shapes, coordinates.

    The coordinates are (N,) vectors (a few tens of MB at two million windows);
    x and y are not hashed, their shapes and the file size stand in for them.
    """
    digest = hashlib.sha256(str(Path(path).stat().st_size).encode())
    with h5py.File(path, "r") as h5:
        attrs = {k: np.asarray(v).tolist() for k, v in sorted(h5.attrs.items())}
        digest.update(json.dumps(attrs, sort_keys=True, default=str).encode())
        for name in sorted(h5):
            digest.update(f"{name}{h5[name].shape}{h5[name].dtype}".encode())
        for name in ("chrom", "start", "end"):
            if name in h5:
                digest.update(np.ascontiguousarray(h5[name][:]).tobytes())
    return digest.hexdigest()[:16]


def run_key(settings: TrainSettings, *splits: str | Path) -> str:
    """The key a checkpoint is resumed under: the settings' key and each split file's fingerprint."""
    return "-".join([settings.key(), *(split_fingerprint(p) for p in splits)])


def save_checkpoint(
    out: Path, key: str, model: nn.Module, opt: torch.optim.Optimizer, sched: Any, state: State
) -> None:
    """``checkpoints/last.pt``: everything needed to resume after this epoch (``key``: :func:`run_key`)."""
    save_atomic(
        {
            "key": key,
            "model": model.state_dict(),
            "optimizer": opt.state_dict(),
            "scheduler": sched.state_dict(),
            "state": dataclasses.asdict(state),
        },
        out / "checkpoints" / "last.pt",
    )


def resume(out: Path, key: str, model: nn.Module, opt: torch.optim.Optimizer, sched: Any) -> State | None:
    """Load ``checkpoints/last.pt`` when it belongs to the same run (same :func:`run_key`); else None."""
    path = out / "checkpoints" / "last.pt"
    if not path.is_file():
        return None
    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    if ckpt.get("key") != key:
        LOG.warning("ignoring %s: it belongs to a run with other settings or other data", path)
        return None
    model.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["optimizer"])
    sched.load_state_dict(ckpt["scheduler"])
    LOG.info("resuming from %s (epoch %d)", path, ckpt["state"]["epoch"])
    return State(**ckpt["state"])


def publish(out: Path, state: State) -> None:
    """The declared outputs, complete: ``model.pt`` (the best epoch) and ``history.tsv``."""
    save_atomic(torch.load(out / "checkpoints" / "best.pt", weights_only=False), out / "model.pt")
    write_history(state.history, out / "history.tsv")


def write_history(rows: list[dict], path: Path) -> None:
    """history.tsv as in the contract: one row per epoch, floats as ``%.6g``."""
    columns = REGRESSION_HISTORY_COLUMNS if rows and "valid_pearson" in rows[0] else HISTORY_COLUMNS
    if rows and "valid_window_pearson" in rows[0]:
        columns = PROFILE_HISTORY_COLUMNS
    lines = ["\t".join(columns)]
    for row in rows:
        lines.append("\t".join(f"{row[c]:.6g}" if isinstance(row[c], float) else str(row[c]) for c in columns))
    write_text("\n".join(lines) + "\n", path)
