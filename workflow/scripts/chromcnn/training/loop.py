"""Train one model on the HDF5 splits: resumable, seeded, with early stopping.

Every epoch ends with a checkpoint (``checkpoints/last.pt``: model, optimizer,
scheduler, early-stopping state, history); the best model so far is
``checkpoints/best.pt``, published as ``model.pt`` when the run ends. A killed
job that is started again resumes after its last finished epoch and ends with
the same weights as an uninterrupted run: batch order, augmentation and
dropout are seeded from ``(seed, epoch)`` alone, and early stopping is checked
before each epoch. Bit-identical resumption is tested on CPU; on CUDA,
``train.deterministic`` (default) selects deterministic kernels
(:func:`set_deterministic`).

The parts live beside this module: :mod:`~chromcnn.training.objective`
(targets, optimizer, monitored value), :mod:`~chromcnn.training.augment`,
:mod:`~chromcnn.training.validation` and :mod:`~chromcnn.training.checkpoint`;
the loss is :func:`chromcnn.models.losses.make_loss`.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from chromcnn.config.settings import TrainSettings, check_monitor, monitor_value
from chromcnn.evaluation.profile import mean_profile
from chromcnn.inference.device import autocast, pick_device, prefetch
from chromcnn.io.batches import Batches
from chromcnn.models.losses import make_loss
from chromcnn.training.augment import augment
from chromcnn.training.checkpoint import State, publish, resume, run_key, save_best, save_checkpoint
from chromcnn.training.objective import (
    check_targets,
    count_labels,
    make_optimizer,
    make_scheduler,
    per_batch,
    targets,
)
from chromcnn.training.validation import validate

LOG = logging.getLogger(__name__)


class TrainingError(RuntimeError):
    """Training cannot go on (non-finite loss)."""


@dataclass
class Run:
    """What one training run works with (built by :func:`prepare`)."""

    settings: TrainSettings
    out: Path
    device: torch.device
    model: nn.Module
    step: nn.Module  # the model, compiled when settings.compile on CUDA
    train_b: Batches
    valid_b: Batches
    loss_fn: nn.Module
    opt: torch.optim.Optimizer
    sched: Any
    state: State
    resumed_from: int
    key: str  # checkpoint.run_key: settings and split files


def train_epoch(
    model: nn.Module,
    opt: torch.optim.Optimizer,
    loss_fn: nn.Module,
    batches: Batches,
    settings: TrainSettings,
    device: torch.device,
    epoch: int,
    sched: Any = None,
) -> tuple[float, int]:
    """One pass over the training split (or its first ``epoch_examples``); returns mean loss and examples seen.

    ``sched`` is stepped after every batch when the schedule is per batch (one-cycle).
    Batches are staged on ``device`` one ahead (:func:`chromcnn.inference.device.prefetch`).
    """
    model.train()
    torch.manual_seed(settings.seed * 100_003 + epoch)
    gen = torch.Generator().manual_seed(settings.seed * 7_919 + epoch)
    total, seen = 0.0, 0
    limit = settings.epoch_examples or batches.info.n
    step_sched = sched is not None and per_batch(settings)
    for i, (xt, y) in enumerate(prefetch(batches.epoch(settings.seed, epoch), device)):
        xb = augment(xt.float(), settings, gen)
        with autocast(device, settings.bf16):
            loss = loss_fn(model(xb).float(), targets(y, settings, device))
        if not torch.isfinite(loss):
            raise TrainingError(f"non-finite loss ({loss.item()}) at epoch {epoch}, batch {i + 1}")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if settings.clipnorm:
            nn.utils.clip_grad_norm_(model.parameters(), settings.clipnorm)
        opt.step()
        if step_sched:
            sched.step()
        total += loss.item() * len(y)
        seen += len(y)
        if seen >= limit:
            break
    return total / max(seen, 1), seen


def bn_pass_examples(settings: TrainSettings) -> int:
    """Windows of the precise-BatchNorm pass: ``bn_examples``, at most ``epoch_examples`` when that is set."""
    if settings.epoch_examples is None:
        return settings.bn_examples
    return min(settings.bn_examples, settings.epoch_examples)


@torch.no_grad()
def recalibrate_batchnorm(
    model: nn.Module,
    batches: Batches,
    settings: TrainSettings,
    device: torch.device,
    epoch: int,
    n_examples: int | None = None,
) -> None:
    """Recompute BatchNorm running statistics at the current weights ("precise BN").

    The exponential moving average kept during training lags behind weights that
    move quickly (few steps per epoch, Adam at 1e-3): on the demo it cost basset
    0.04 validation AUROC. A forward pass over ``n_examples`` training windows
    (default ``settings.bn_examples``) with a cumulative average fixes that; its order
    depends on (seed, epoch). With ``epoch_examples`` set, the pass uses no more windows
    than an epoch trains on (deepsea, chromdragonn in the demo: 3,000 and 2,000 instead
    of 4,096 forward passes after every epoch).
    """
    n_examples = bn_pass_examples(settings) if n_examples is None else n_examples
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return
    saved = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative moving average
    model.train()
    seen = 0
    for x, _ in prefetch(batches.epoch(settings.seed + 1, epoch), device):
        with autocast(device, settings.bf16):
            model(x.float())
        seen += len(x)
        if seen >= n_examples:
            break
    for m, momentum in zip(norms, saved):
        m.momentum = momentum


def set_deterministic(device: torch.device, enabled: bool) -> None:
    """Deterministic kernels on CUDA (``train.deterministic``); nothing on other devices.

    Sets ``torch.use_deterministic_algorithms(True, warn_only=True)`` (an op without a
    deterministic kernel warns instead of failing), cuDNN's deterministic mode without
    benchmarking, and ``CUBLAS_WORKSPACE_CONFIG=:4096:8`` unless the environment sets it
    (it must be set before the first cuBLAS call: call this before building the model).
    """
    if not enabled or device.type != "cuda":
        return
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False


def prepare(build: Callable[[], nn.Module], train_h5: str, valid_h5: str, out: Path, settings: TrainSettings) -> Run:
    """Seeded model, loaders, loss, optimizer and scheduler; resumed from ``checkpoints/last.pt`` when it matches."""
    check_monitor(settings.task_type, settings.monitor)
    for split in (train_h5, valid_h5):
        check_targets(split, settings.task_type)  # multi-class: one positive at most, before any epoch
    (out / "checkpoints").mkdir(parents=True, exist_ok=True)
    device = pick_device(settings.device)
    set_deterministic(device, settings.deterministic)
    torch.manual_seed(settings.seed)
    model = build().to(device)
    if hasattr(model, "set_output_bias") and settings.loss == "poisson":  # profile: start at the mean rate
        model.set_output_bias(np.log(mean_profile(train_h5).mean(axis=1) + 1e-3))
    train_b = Batches(train_h5, settings.batch_size, settings.memory_budget_mb)
    valid_b = Batches(valid_h5, max(settings.batch_size, 256), settings.memory_budget_mb)
    loss_fn = make_loss(settings, count_labels(train_h5) if settings.pos_weight else None).to(device)
    opt = make_optimizer(model, settings)
    sched = make_scheduler(opt, settings, train_b.info.n)
    key = run_key(settings, train_h5, valid_h5)
    state = resume(out, key, model, opt, sched) or State()
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
    return Run(settings, out, device, model, step, train_b, valid_b, loss_fn, opt, sched, state, state.epoch, key)


def run_epoch(run: Run, epoch: int) -> dict:
    """Train one epoch, recalibrate BatchNorm, validate; the epoch's history row."""
    t0 = time.perf_counter()
    train_loss, seen = train_epoch(
        run.step, run.opt, run.loss_fn, run.train_b, run.settings, run.device, epoch, run.sched
    )
    seconds = time.perf_counter() - t0
    recalibrate_batchnorm(run.model, run.train_b, run.settings, run.device, epoch)
    row = {
        "epoch": epoch,
        "train_loss": train_loss,
        **validate(run.model, run.valid_b, run.loss_fn, run.settings, run.device),
        "lr": run.opt.param_groups[0]["lr"],
        "seconds": seconds,
        "samples_per_s": seen / seconds,
    }
    metrics = " ".join(f"{k} {v:.4f}" for k, v in row.items() if k.startswith("valid_"))
    LOG.info("epoch %d: train_loss %.4f %s (%.0f samples/s)", epoch, train_loss, metrics, row["samples_per_s"])
    return row


def record_epoch(run: Run, row: dict, meta: dict | None) -> None:
    """Step the scheduler, append the row, keep the best model, write ``checkpoints/last.pt``."""
    state, settings = run.state, run.settings
    value = monitor_value(row, settings.monitor)
    if not per_batch(settings):
        run.sched.step(value)
    state.history.append(row)
    state.epoch = row["epoch"]
    if value > state.best:
        state.best, state.best_epoch, state.bad_epochs = value, row["epoch"], 0
        save_best(run.out, run.model, settings, row["epoch"], row, meta)
    else:
        state.bad_epochs += 1
    save_checkpoint(run.out, run.key, run.model, run.opt, run.sched, state)


def patience_spent(state: State, settings: TrainSettings) -> bool:
    """Early stopping is due: checked before every epoch, so a run resumed after its stopping epoch trains no more."""
    return settings.early_stopping and state.bad_epochs >= settings.patience


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
        Returns a fresh model (called after seeding with ``settings.seed``).
    train_h5, valid_h5 : str
        Split files of the data contract.
    out_dir : str or Path
        Receives ``model.pt``, ``history.tsv`` and ``checkpoints/``.
    settings : TrainSettings
    meta : dict, optional
        Stored in ``model.pt``: the header of :func:`chromcnn.inference.model_file.header`
        (without it the file is not loadable by :func:`chromcnn.inference.load`).
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
    InputError
        A ``monitor`` the task type does not compute (before any epoch).
    """
    run = prepare(build, train_h5, valid_h5, Path(out_dir), settings)
    state = run.state
    while state.epoch < settings.max_epochs and not patience_spent(state, settings):
        epoch = state.epoch + 1
        record_epoch(run, run_epoch(run, epoch), meta)
        if stop_after_epoch == epoch:
            return {"stopped_at": epoch}
    if patience_spent(state, settings):
        LOG.info("early stopping after epoch %d (best epoch %d)", state.epoch, state.best_epoch)
    publish(run.out, state)  # the declared outputs appear only now, complete
    best = state.history[state.best_epoch - 1]
    return {"best_epoch": state.best_epoch, **best, "resumed_from": run.resumed_from}
