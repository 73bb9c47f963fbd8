"""Loss functions by task type (training, and interpretation's influence scores), and the one
definition of multi-class targets that training, validation and evaluation share.

Multi-class (``task_type: multi-class``): a window belongs to exactly one class: the
cell type whose label is 1, or the explicit **background** class (index T, after the
T cell types) when every label is 0. A window with more than one positive label has no
class: it is an error (:class:`MultiPositiveError`), never silently assigned. A
multi-class model has T + 1 outputs (:func:`n_outputs`); its per-task scores are the
softmax probabilities of the T cell-type classes (:func:`task_scores`), evaluated
against the labels ``class == task``, which equal the 0/1 columns when every row has
at most one positive.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import torch
from torch import nn

from chromcnn.errors import InputError

TASK_TYPES = ("multi-label", "multi-class", "regression")
LOSSES = {"multi-label": "bce", "multi-class": "ce", "regression": "mse"}
#: name of the multi-class class of windows with no positive label (index T).
BACKGROUND = "background"


class MultiPositiveError(ValueError):
    """A multi-class label matrix has rows with more than one positive (``rows``: their indices)."""

    def __init__(self, rows: np.ndarray, n: int):
        self.rows = rows
        super().__init__(f"{len(rows)} of {n} windows have more than one positive label (first: row {rows[0]})")


def n_outputs(task_type: str, n_tasks: int) -> int:
    """Model outputs for ``n_tasks`` tasks: T + 1 for multi-class (the background class last), else T."""
    return n_tasks + 1 if task_type == "multi-class" else n_tasks


def class_targets(y: np.ndarray) -> np.ndarray:
    """Multi-class targets: the index of the positive cell type, or T (background) for an all-zero row.

    Parameters
    ----------
    y : numpy.ndarray
        0/1 (N, T) labels, any numeric dtype.

    Returns
    -------
    numpy.ndarray
        int64 (N,) class indices in [0, T].

    Raises
    ------
    MultiPositiveError
        When a row has more than one positive.
    """
    y = np.asarray(y) > 0
    positives = y.sum(axis=1)
    bad = np.flatnonzero(positives > 1)
    if len(bad):
        raise MultiPositiveError(bad, len(y))
    return np.where(positives == 0, y.shape[1], y.argmax(axis=1)).astype(np.int64)


def task_labels(y: np.ndarray, task_type: str) -> np.ndarray:
    """The 0/1 (N, T) labels scored per task: ``class == task`` for multi-class (checked), else ``y``."""
    if task_type != "multi-class":
        return np.asarray(y)
    y = np.asarray(y)
    return (class_targets(y)[:, None] == np.arange(y.shape[1])[None, :]).astype(np.uint8)


def task_scores(outputs: np.ndarray, task_type: str, n_tasks: int, logits: bool) -> np.ndarray:
    """Per-task scores (N, T) of model outputs: for multi-class the cell-type classes' softmax
    probabilities (``logits``: softmax first), without the background column; else ``outputs``."""
    outputs = np.asarray(outputs)
    if task_type != "multi-class":
        return outputs
    if logits:
        outputs = torch.softmax(torch.from_numpy(outputs.astype(np.float32)), dim=1).numpy()
    return outputs[:, :n_tasks]


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
