"""Loss functions by task type (training, and interpretation's influence scores)."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import torch
from torch import nn

from chromcnn.errors import InputError

TASK_TYPES = ("multi-label", "multi-class", "regression")
LOSSES = {"multi-label": "bce", "multi-class": "ce", "regression": "mse"}


class LossSettings(Protocol):
    """The fields of :class:`chromcnn.config.settings.TrainSettings` a loss depends on."""

    task_type: str
    loss: str | None
    pos_weight: bool


def label_counts(y: np.ndarray) -> tuple[np.ndarray, int]:
    """Positives per task and the number of rows of a label matrix.

    Parameters
    ----------
    y : numpy.ndarray
        0/1 (N, T) labels, any integer dtype.

    Returns
    -------
    (numpy.ndarray, int)
        int64 (T,) count of non-zero labels per task, and N.
    """
    y = np.asarray(y)
    return np.count_nonzero(y, axis=0).astype(np.int64), int(len(y))


def pos_weight(counts: tuple[np.ndarray, int]) -> torch.Tensor:
    """Per-task negatives / positives (a task without positives: its negatives), float32 (T,)."""
    positives, n = counts
    pos = np.asarray(positives, dtype=np.float64)
    return torch.tensor((n - pos) / np.maximum(pos, 1), dtype=torch.float32)


def make_loss(settings: LossSettings, counts: tuple[np.ndarray, int] | None) -> nn.Module:
    """Loss for the task type; BCE may use per-task pos_weight = negatives / positives.

    Parameters
    ----------
    settings : LossSettings
        ``task_type``, ``loss`` (None: the task type's default) and ``pos_weight``.
    counts : (numpy.ndarray, int) or None
        The training labels' positives per task, int64 (T,), and row count
        (:func:`label_counts`; the trainer counts them from the split file).
        None gives an unweighted BCE (the influence scores of interpretation,
        which have no training labels).

    Raises
    ------
    InputError
        Unknown task type or loss.
    """
    if settings.task_type not in TASK_TYPES:
        raise InputError(f"unknown task type '{settings.task_type}'", f"use one of: {', '.join(TASK_TYPES)}")
    loss = settings.loss or LOSSES[settings.task_type]
    if loss == "bce":
        use = settings.pos_weight and counts is not None
        return nn.BCEWithLogitsLoss(pos_weight=pos_weight(counts) if use else None)
    if loss == "ce":
        return nn.CrossEntropyLoss()
    if loss == "mse":
        return nn.MSELoss()
    if loss == "poisson":
        return nn.PoissonNLLLoss(log_input=True)
    raise InputError(f"unknown loss '{loss}'", "use bce, ce, mse or poisson")
