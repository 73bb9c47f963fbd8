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


def make_loss(settings: LossSettings, y_train: np.ndarray | None) -> nn.Module:
    """Loss for the task type; BCE may use per-task pos_weight = negatives / positives.

    Parameters
    ----------
    settings : LossSettings
        ``task_type``, ``loss`` (None: the task type's default) and ``pos_weight``.
    y_train : numpy.ndarray or None
        0/1 (N, T) training labels, for ``pos_weight``.
    """
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
