"""The validation pass of every epoch: loss and per-task / macro AUROC, AUPRC (NaN with a reason when undefined).

The arithmetic is :func:`chromcnn.evaluation.metrics.weighted_auroc_auprc` (equal to scikit-learn's
``roc_auc_score`` / ``average_precision_score``, ties included; tested).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from chromcnn.config.settings import TrainSettings
from chromcnn.evaluation.metrics import weighted_auroc_auprc
from chromcnn.evaluation.profile import profile_validation
from chromcnn.evaluation.regression import weighted_pearson
from chromcnn.inference.predict import predict_labelled
from chromcnn.io.batches import Batches
from chromcnn.models.losses import task_labels, task_scores
from chromcnn.training.objective import targets


def per_task(scores: np.ndarray, y: np.ndarray) -> list[dict]:
    """AUROC and AUPRC of each column.

    Parameters
    ----------
    scores : numpy.ndarray
        float (N, T), any monotone score (logits are fine).
    y : numpy.ndarray
        0/1 (N, T).

    Returns
    -------
    list of dict
        ``n_pos``, ``n_neg``, ``auroc``, ``auprc``, ``reason`` (empty when defined).
    """
    out = []
    for t in range(y.shape[1]):
        yt = np.asarray(y[:, t]) > 0
        n_pos, n_neg = int(yt.sum()), int((~yt).sum())
        row = {"n_pos": n_pos, "n_neg": n_neg, "auroc": float("nan"), "auprc": float("nan"), "reason": ""}
        if n_pos == 0 or n_neg == 0:
            row["reason"] = "no positives" if n_pos == 0 else "no negatives"
        else:
            auroc, auprc = weighted_auroc_auprc(yt, scores[:, t])
            row["auroc"], row["auprc"] = float(auroc[0]), float(auprc[0])
        out.append(row)
    return out


def summarise(scores: np.ndarray, y: np.ndarray, task_type: str = "multi-label") -> dict:
    """Macro AUROC / AUPRC over tasks (NaN tasks skipped).

    ``scores`` are the model's logits, (N, T + 1) for multi-class (:mod:`chromcnn.models.losses`).
    Regression has no AUROC or AUPRC: both are NaN (its monitored metric is the
    validation loss), never a number of another metric under their names.
    """
    if task_type == "regression":
        return {"macro_auroc": float("nan"), "macro_auprc": float("nan"), "tasks": []}
    if task_type == "multi-class":  # the evaluation's definition: softmax of the cell-type classes vs class == task
        y = task_labels(y, task_type)
        scores = task_scores(scores, task_type, y.shape[1], logits=True)
    tasks = per_task(scores, y)
    auroc = [t["auroc"] for t in tasks if t["reason"] == ""]
    auprc = [t["auprc"] for t in tasks if t["reason"] == ""]
    return {
        "macro_auroc": float(np.mean(auroc)) if auroc else float("nan"),
        "macro_auprc": float(np.mean(auprc)) if auprc else float("nan"),
        "tasks": tasks,
    }


def regression_summary(pred: np.ndarray, y: np.ndarray) -> dict:
    """Macro (mean over tasks) Pearson correlation and MSE of float (N, T) predictions and targets.

    A task with constant targets or predictions has no correlation and is skipped
    (``valid_pearson`` is NaN when every task is); a Poisson model's outputs are
    log-rates, so its Pearson is on that scale (a monotone view of the prediction).
    """
    y = np.asarray(y, np.float64)
    pred = np.asarray(pred, np.float64)
    r = [weighted_pearson(y[:, j], pred[:, j])[0] for j in range(y.shape[1])]
    r = [v for v in r if np.isfinite(v)]
    return {
        "valid_pearson": float(np.mean(r)) if r else float("nan"),
        "valid_mse": float(np.mean((y - pred) ** 2)),
    }


def validation_loss(
    loss_fn: nn.Module, logits: np.ndarray, y: np.ndarray, settings: TrainSettings, device: torch.device
) -> float:
    """The loss of the whole split, computed on ``device`` (where ``loss_fn`` and its ``pos_weight`` live).

    Parameters
    ----------
    loss_fn : torch.nn.Module
        The training loss, already on ``device``.
    logits : numpy.ndarray
        float32 (N, T) model outputs.
    y : numpy.ndarray
        (N, T) labels of the split.
    settings : TrainSettings
    device : torch.device

    Returns
    -------
    float
    """
    return float(loss_fn(torch.from_numpy(np.asarray(logits)).to(device), targets(y, settings, device)))


def validate(
    model: nn.Module, batches: Batches, loss_fn: nn.Module, settings: TrainSettings, device: torch.device
) -> dict:
    """Validation loss and macro AUROC / AUPRC of the whole split (``valid_loss``, ``valid_auroc``, ``valid_auprc``).

    The loss is computed on ``device``, beside ``loss_fn``. A regression's row holds
    ``valid_pearson`` and ``valid_mse`` instead (:func:`regression_summary`).
    """
    logits, y = predict_labelled(model, batches.epoch(0, 0, shuffle=False), device, bf16=settings.bf16)
    loss = validation_loss(loss_fn, logits, y, settings, device)
    if settings.task_type == "regression" and np.ndim(y) == 3:  # targets.mode profile: (N, T, bins)
        return {"valid_loss": loss, **profile_validation(logits, y, settings.loss)}
    if settings.task_type == "regression":
        return {"valid_loss": loss, **regression_summary(logits, y)}
    metrics = summarise(logits, y, settings.task_type)
    return {"valid_loss": loss, "valid_auroc": metrics["macro_auroc"], "valid_auprc": metrics["macro_auprc"]}
