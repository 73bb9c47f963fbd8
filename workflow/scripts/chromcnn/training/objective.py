"""What training optimises: targets as the loss expects them, the optimizer, the monitored value."""

from __future__ import annotations

from typing import Any

import h5py
import numpy as np
import torch
from torch import nn

from chromcnn.config.settings import TrainSettings
from chromcnn.errors import InputError
from chromcnn.models.losses import BACKGROUND, class_targets


def targets(y: np.ndarray, settings: TrainSettings, device: torch.device) -> torch.Tensor:
    """Labels (b, T) as the loss expects them: for multi-class the class index (b,) of
    :func:`chromcnn.models.losses.class_targets` (T = background), float (b, T) otherwise."""
    if settings.task_type == "multi-class":
        return torch.from_numpy(class_targets(y)).to(device)
    return torch.from_numpy(np.asarray(y)).to(device).float()


def check_targets(path: str, task_type: str, rows_per_read: int = 1 << 16) -> None:
    """Before training: every row of a split has a multi-class target (at most one positive).

    Raises
    ------
    InputError
        Naming the split file, how many windows have several positives, the first one
        (chrom:start-end and its cell types) and the fix.
    """
    if task_type != "multi-class":
        return
    with h5py.File(path, "r") as h5:
        y, n, bad = h5["y"], h5["y"].shape[0], 0
        first = None
        for start in range(0, n, rows_per_read):
            many = np.flatnonzero((np.asarray(y[start : start + rows_per_read]) > 0).sum(axis=1) > 1)
            bad += len(many)
            if first is None and len(many):
                first = start + int(many[0])
        if not bad:
            return
        tasks = [str(t) for t in h5.attrs["tasks"]]
        labels = ", ".join(t for t, v in zip(tasks, h5["y"][first]) if v)
        where = f"{h5['chrom'].asstr()[first]}:{int(h5['start'][first])}-{int(h5['end'][first])}"
    raise InputError(
        f"train.task_type is multi-class, but {bad} of {n} windows have more than one positive cell type "
        f"(first: {where}, {labels}); a multi-class window belongs to one cell type or to '{BACKGROUND}'",
        "use task_type: multi-label for cell types that share sites (the demo's do), or give cell types "
        "whose peaks do not overlap",
        path=path,
    )


def count_labels(path: str, rows_per_read: int = 1 << 16) -> tuple[np.ndarray, int]:
    """Positives per task and rows of a split file's ``y``, read in blocks (the split need not fit in RAM).

    Parameters
    ----------
    path : str
        Split file of the data contract (``y``: uint8 (N, T)).
    rows_per_read : int
        Rows of ``y`` per read.

    Returns
    -------
    (numpy.ndarray, int)
        int64 (T,) non-zero labels per task, and N: the ``counts`` of
        :func:`chromcnn.models.losses.make_loss`.
    """
    with h5py.File(path, "r") as h5:
        y = h5["y"]
        n, t = y.shape
        positives = np.zeros(t, np.int64)
        for start in range(0, n, rows_per_read):
            positives += np.count_nonzero(y[start : start + rows_per_read], axis=0)
    return positives, int(n)


def fused_ok(model: nn.Module) -> bool:
    """Whether the fused (one-kernel) Adam/AdamW applies: every parameter floating point, on CPU or CUDA."""
    params = list(model.parameters())
    return bool(params) and all(p.is_floating_point() and p.device.type in ("cpu", "cuda") for p in params)


def make_optimizer(model: nn.Module, settings: TrainSettings) -> torch.optim.Optimizer:
    """Adam, AdamW or SGD with the run's learning rate, momentum and weight decay.

    Adam and AdamW use the fused implementation where it applies (:func:`fused_ok`):
    the same update in one kernel per step. On CPU the default (per-tensor) path cost
    basset (2.6 M parameters) ~330 CPU-ms per step, the fused one ~30 (measured under
    load), about 17% of a training step.
    """
    name = settings.optimizer.lower()
    fused = fused_ok(model)
    if name == "adam":
        return torch.optim.Adam(model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay, fused=fused)
    if name == "adamw":
        return torch.optim.AdamW(model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay, fused=fused)
    if name == "sgd":
        return torch.optim.SGD(
            model.parameters(), lr=settings.lr, momentum=settings.momentum, weight_decay=settings.weight_decay
        )
    raise InputError(f"unknown optimizer '{settings.optimizer}'", "use adam, adamw or sgd")


def steps_per_epoch(n_examples: int, settings: TrainSettings) -> int:
    """Optimizer steps in one epoch: ``epoch_examples`` (or the whole split) in batches of ``batch_size``."""
    n = n_examples if settings.epoch_examples is None else min(n_examples, settings.epoch_examples)
    return max(1, -(-n // settings.batch_size))


def make_scheduler(opt: torch.optim.Optimizer, settings: TrainSettings, n_examples: int = 0) -> Any:
    """The learning-rate schedule of ``settings.schedule``.

    ``plateau``: learning rate times ``lr_factor`` after ``lr_patience`` epochs without
    improvement (stepped once per epoch with the monitored value). ``onecycle``: one cycle
    over ``max_epochs`` epochs of :func:`steps_per_epoch` steps on ``n_examples`` training
    examples, peaking at ``lr`` (stepped after every batch; reaches a given quality in
    fewer epochs than a constant rate).
    """
    if settings.schedule == "onecycle":
        total = settings.max_epochs * steps_per_epoch(n_examples, settings)
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=settings.lr, total_steps=total, pct_start=0.3)
    if settings.schedule != "plateau":
        raise InputError(f"unknown train schedule '{settings.schedule}'", "use plateau or onecycle")
    return torch.optim.lr_scheduler.ReduceLROnPlateau(
        opt, mode="max", factor=settings.lr_factor, patience=settings.lr_patience
    )


def per_batch(settings: TrainSettings) -> bool:
    """Whether the scheduler steps after every batch (one-cycle) rather than once per epoch."""
    return settings.schedule == "onecycle"
