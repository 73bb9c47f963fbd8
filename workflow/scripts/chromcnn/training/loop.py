"""Train one model on the HDF5 splits: resumable, seeded, with early stopping.

Every epoch ends with a checkpoint (``checkpoints/last.pt``: model, optimizer,
scheduler, early-stopping state, history); the best model so far is
``model.pt``. A killed job that is started again resumes after its last
finished epoch and ends with the same weights as an uninterrupted run: batch
order, augmentation and dropout are seeded from ``(seed, epoch)`` alone.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from chromcnn.errors import InputError
from chromcnn.io.batches import Batches
from chromcnn.training.validation import summarise

LOG = logging.getLogger(__name__)
TASK_TYPES = ("multi-label", "multi-class", "regression")
LOSSES = {"multi-label": "bce", "multi-class": "ce", "regression": "mse"}


@dataclass
class TrainSettings:
    """Everything that defines a training run (the resume key hashes all of it)."""

    arch: str
    hparams: dict = field(default_factory=dict)
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.0
    weight_decay: float = 0.0
    clipnorm: float | None = None
    batch_size: int = 100
    max_epochs: int = 100
    early_stopping: bool = True
    patience: int = 5
    monitor: str = "valid_auprc"
    lr_patience: int = 2
    lr_factor: float = 0.5
    task_type: str = "multi-label"
    loss: str | None = None
    rc_augment: bool = True
    shift: int = 0
    pos_weight: bool = False
    seed: int = 1
    device: str = "auto"
    bf16: bool = True
    compile: bool = False
    memory_budget_mb: float = 4096

    def key(self) -> str:
        """Hash identifying the run (a checkpoint from another run is not resumed)."""
        return hashlib.sha256(json.dumps(dataclasses.asdict(self), sort_keys=True).encode()).hexdigest()[:16]


class TrainingError(RuntimeError):
    """Training cannot go on (non-finite loss)."""


def pick_device(requested: str) -> torch.device:
    """``auto``: CUDA when available, else CPU (with a warning when CUDA was expected)."""
    if requested == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        LOG.warning("no GPU visible: training on CPU")
        return torch.device("cpu")
    return torch.device(requested)


def make_loss(settings: TrainSettings, y_train: np.ndarray | None) -> nn.Module:
    """Loss for the task type; BCE may use per-task pos_weight = negatives / positives."""
    if settings.task_type not in TASK_TYPES:
        raise InputError(f"unknown task type '{settings.task_type}'", f"use one of: {', '.join(TASK_TYPES)}")
    loss = settings.loss or LOSSES[settings.task_type]
    if loss == "bce":
        weight = None
        if settings.pos_weight and y_train is not None:
            pos = y_train.sum(axis=0).astype(np.float64)
            weight = torch.tensor((len(y_train) - pos) / np.maximum(pos, 1), dtype=torch.float32)
        return nn.BCEWithLogitsLoss(pos_weight=weight)
    if loss == "ce":
        return nn.CrossEntropyLoss()
    if loss == "mse":
        return nn.MSELoss()
    if loss == "poisson":
        return nn.PoissonNLLLoss(log_input=True)
    raise InputError(f"unknown loss '{loss}'", "use bce, ce, mse or poisson")


def targets(y: np.ndarray, settings: TrainSettings, device: torch.device) -> torch.Tensor:
    """Labels as the loss expects them (class index for multi-class)."""
    t = torch.from_numpy(np.asarray(y)).to(device)
    if settings.task_type == "multi-class":
        return t.argmax(dim=1)
    return t.float()


def make_optimizer(model: nn.Module, settings: TrainSettings) -> torch.optim.Optimizer:
    name = settings.optimizer.lower()
    if name == "adam":
        return torch.optim.Adam(model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
    if name == "adamw":
        return torch.optim.AdamW(model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
    if name == "sgd":
        return torch.optim.SGD(
            model.parameters(), lr=settings.lr, momentum=settings.momentum, weight_decay=settings.weight_decay
        )
    raise InputError(f"unknown optimizer '{settings.optimizer}'", "use adam, adamw or sgd")


def augment(x: torch.Tensor, settings: TrainSettings, gen: torch.Generator) -> torch.Tensor:
    """Reverse-complement half of the batch at random and shift each example by up to ``shift`` bp.

    Parameters
    ----------
    x : torch.Tensor
        float (b, 4, L).
    """
    b, _, length = x.shape
    if settings.rc_augment:
        flip = torch.rand(b, generator=gen) < 0.5
        x = torch.where(flip.to(x.device)[:, None, None], x.flip(1, 2), x)
    if settings.shift > 0:
        k = settings.shift
        offsets = torch.randint(-k, k + 1, (b,), generator=gen).to(x.device)
        padded = nn.functional.pad(x, (k, k))
        idx = (torch.arange(length, device=x.device)[None, :] + k + offsets[:, None]).clamp(0, length + 2 * k - 1)
        x = padded.gather(2, idx[:, None, :].expand(b, 4, length))
    return x


def to_input(x: np.ndarray, device: torch.device) -> torch.Tensor:
    """uint8 numpy batch -> float32 tensor on ``device`` (converted after the transfer)."""
    return torch.from_numpy(np.ascontiguousarray(x)).to(device, non_blocking=True).float()


@torch.no_grad()
def predict(
    model: nn.Module, batches: Batches, device: torch.device, bf16: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Logits and labels of a whole split, in file order."""
    model.eval()
    outs, ys = [], []
    for x, y in batches.epoch(0, 0, shuffle=False):
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=bf16 and device.type == "cuda"):
            outs.append(model(to_input(x, device)).float().cpu().numpy())
        ys.append(np.asarray(y))
    return np.concatenate(outs), np.concatenate(ys)


def validate(
    model: nn.Module, batches: Batches, loss_fn: nn.Module, settings: TrainSettings, device: torch.device
) -> dict:
    """Validation loss and macro AUROC / AUPRC."""
    logits, y = predict(model, batches, device, settings.bf16)
    loss = float(loss_fn(torch.from_numpy(logits), targets(y, settings, torch.device("cpu"))))
    metrics = summarise(logits, y, settings.task_type)
    return {"valid_loss": loss, "valid_auroc": metrics["macro_auroc"], "valid_auprc": metrics["macro_auprc"]}


@torch.no_grad()
def recalibrate_batchnorm(
    model: nn.Module,
    batches: Batches,
    settings: TrainSettings,
    device: torch.device,
    epoch: int,
    n_examples: int = 4096,
) -> None:
    """Recompute BatchNorm running statistics at the current weights ("precise BN").

    The exponential moving average kept during training lags behind weights that
    move quickly (few steps per epoch, Adam at 1e-3): on the demo it cost basset
    0.04 validation AUROC. A forward pass over ``n_examples`` training windows
    with a cumulative average fixes that; its order depends on (seed, epoch).
    """
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return
    saved = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative moving average
    model.train()
    seen = 0
    for x, _ in batches.epoch(settings.seed + 1, epoch):
        model(to_input(x, device))
        seen += len(x)
        if seen >= n_examples:
            break
    for m, momentum in zip(norms, saved):
        m.momentum = momentum


@dataclass
class State:
    """Mutable training state saved in every checkpoint."""

    epoch: int = 0
    best: float = -math.inf
    best_epoch: int = 0
    bad_epochs: int = 0
    history: list[dict] = field(default_factory=list)


def save_atomic(obj: Any, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.part-{os.getpid()}")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def monitor_value(row: dict, monitor: str) -> float:
    value = row[monitor]
    return -value if monitor.endswith("loss") else value


def train_epoch(
    model, opt, loss_fn, batches: Batches, settings: TrainSettings, device, epoch: int
) -> tuple[float, int]:
    """One pass over the training split; returns mean loss and examples seen."""
    model.train()
    torch.manual_seed(settings.seed * 100_003 + epoch)
    gen = torch.Generator().manual_seed(settings.seed * 7_919 + epoch)
    total, seen = 0.0, 0
    for i, (x, y) in enumerate(batches.epoch(settings.seed, epoch)):
        xb = augment(to_input(x, device), settings, gen)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=settings.bf16 and device.type == "cuda"):
            loss = loss_fn(model(xb).float(), targets(y, settings, device))
        if not torch.isfinite(loss):
            raise TrainingError(f"non-finite loss ({loss.item()}) at epoch {epoch}, batch {i + 1}")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if settings.clipnorm:
            nn.utils.clip_grad_norm_(model.parameters(), settings.clipnorm)
        opt.step()
        total += loss.item() * len(x)
        seen += len(x)
    return total / max(seen, 1), seen


def fit(
    build: Callable[[], nn.Module],
    train_h5: str,
    valid_h5: str,
    out_dir: str | Path,
    settings: TrainSettings,
    meta: dict | None = None,
    stop_after_epoch: int | None = None,
) -> dict:
    """Train until early stopping or ``max_epochs``; resume from ``checkpoints/last.pt`` if it matches.

    Parameters
    ----------
    build : callable
        Returns a fresh, seeded model.
    train_h5, valid_h5 : str
        Split files of the data contract.
    out_dir : str or Path
        Receives ``model.pt``, ``history.tsv`` and ``checkpoints/last.pt``.
    settings : TrainSettings
    meta : dict, optional
        Stored in ``model.pt`` (arch, hparams, tasks, provenance...).
    stop_after_epoch : int, optional
        Return after this epoch as if killed (tests of resuming).

    Returns
    -------
    dict
        ``best_epoch``, the best validation metrics and ``resumed_from``.

    Raises
    ------
    TrainingError
        On a non-finite loss; ``checkpoints/`` keeps the last good epoch.
    """
    out = Path(out_dir)
    (out / "checkpoints").mkdir(parents=True, exist_ok=True)
    device = pick_device(settings.device)
    torch.manual_seed(settings.seed)
    model = build().to(device)
    train_b = Batches(train_h5, settings.batch_size, settings.memory_budget_mb)
    valid_b = Batches(valid_h5, max(settings.batch_size, 256), settings.memory_budget_mb)
    loss_fn = make_loss(settings, train_b.y if train_b.in_memory else None).to(device)
    opt = make_optimizer(model, settings)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(
        opt, mode="max", factor=settings.lr_factor, patience=settings.lr_patience
    )
    state = resume(out, settings, model, opt, sched) or State()
    resumed_from = state.epoch
    step = torch.compile(model) if settings.compile and device.type == "cuda" else model
    LOG.info(
        "training %s on %s: %d train / %d valid examples, %s loading, resumed after epoch %d",
        settings.arch,
        device,
        train_b.info.n,
        valid_b.info.n,
        "in-RAM" if train_b.in_memory else "streaming",
        state.epoch,
    )
    while state.epoch < settings.max_epochs:
        epoch = state.epoch + 1
        t0 = time.perf_counter()
        train_loss, seen = train_epoch(step, opt, loss_fn, train_b, settings, device, epoch)
        seconds = time.perf_counter() - t0
        recalibrate_batchnorm(model, train_b, settings, device, epoch)
        row = {
            "epoch": epoch,
            "train_loss": train_loss,
            **validate(model, valid_b, loss_fn, settings, device),
            "lr": opt.param_groups[0]["lr"],
            "seconds": seconds,
            "samples_per_s": seen / seconds,
        }
        sched.step(monitor_value(row, settings.monitor))
        state.history.append(row)
        state.epoch = epoch
        LOG.info(
            "epoch %d: train_loss %.4f valid_loss %.4f valid_auroc %.4f valid_auprc %.4f (%.0f samples/s)",
            epoch,
            train_loss,
            row["valid_loss"],
            row["valid_auroc"],
            row["valid_auprc"],
            row["samples_per_s"],
        )
        if monitor_value(row, settings.monitor) > state.best:
            state.best, state.best_epoch, state.bad_epochs = monitor_value(row, settings.monitor), epoch, 0
            save_atomic(
                {
                    "state_dict": model.state_dict(),
                    "settings": dataclasses.asdict(settings),
                    "best_epoch": epoch,
                    "valid": row,
                    **(meta or {}),
                },
                out / "checkpoints" / "best.pt",
            )
        else:
            state.bad_epochs += 1
        save_checkpoint(out, settings, model, opt, sched, state)
        if stop_after_epoch == epoch:
            return {"stopped_at": epoch}
        if settings.early_stopping and state.bad_epochs >= settings.patience:
            LOG.info("early stopping after epoch %d (best epoch %d)", epoch, state.best_epoch)
            break
    # the declared outputs appear only now, complete
    save_atomic(torch.load(out / "checkpoints" / "best.pt", weights_only=False), out / "model.pt")
    write_history(state.history, out / "history.tsv")
    best = state.history[state.best_epoch - 1]
    return {"best_epoch": state.best_epoch, **best, "resumed_from": resumed_from}


def save_checkpoint(out: Path, settings, model, opt, sched, state: State) -> None:
    save_atomic(
        {
            "key": settings.key(),
            "model": model.state_dict(),
            "optimizer": opt.state_dict(),
            "scheduler": sched.state_dict(),
            "state": dataclasses.asdict(state),
        },
        out / "checkpoints" / "last.pt",
    )


def resume(out: Path, settings: TrainSettings, model, opt, sched) -> State | None:
    """Load ``checkpoints/last.pt`` when it belongs to the same run; else None."""
    path = out / "checkpoints" / "last.pt"
    if not path.is_file():
        return None
    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    if ckpt.get("key") != settings.key():
        LOG.warning("ignoring %s: it belongs to a run with other settings", path)
        return None
    model.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["optimizer"])
    sched.load_state_dict(ckpt["scheduler"])
    LOG.info("resuming from %s (epoch %d)", path, ckpt["state"]["epoch"])
    return State(**ckpt["state"])


HISTORY_COLUMNS = ["epoch", "train_loss", "valid_loss", "valid_auroc", "valid_auprc", "lr", "seconds", "samples_per_s"]


def write_history(rows: list[dict], path: Path) -> None:
    """history.tsv as in the contract (atomically)."""
    lines = ["\t".join(HISTORY_COLUMNS)]
    for row in rows:
        lines.append("\t".join(f"{row[c]:.6g}" if isinstance(row[c], float) else str(row[c]) for c in HISTORY_COLUMNS))
    tmp = path.with_name(f".{path.name}.part-{os.getpid()}")
    tmp.write_text("\n".join(lines) + "\n")
    os.replace(tmp, path)
