"""Batched inference: one implementation for validation, evaluation and interpretation.

:func:`predict` runs a model over a ``(N, 4, L)`` array (uint8 one-hot or
float) or over an iterable of such batches, optionally averaging both
strands, and returns logits or probabilities (``transform``). The trainer's
validation pass, :func:`predict_split` (evaluation) and
:meth:`chromcnn.inference.model_file.LoadedModel.predict` all go through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import torch
from torch import nn

from chromcnn.errors import InputError
from chromcnn.inference.device import autocast, pass_rows, to_input
from chromcnn.io.batches import Batches
from chromcnn.io.onehot import reverse_complement
from chromcnn.models.losses import MultiPositiveError, task_labels, task_scores

#: output transform of each task type (stored in model.pt as ``transform``).
TRANSFORMS = {"multi-label": "sigmoid", "multi-class": "softmax", "regression": "identity"}

Array = np.ndarray | torch.Tensor


def apply_transform(logits: torch.Tensor, transform: str) -> torch.Tensor:
    """float32 (N, T) outputs: ``sigmoid``, ``softmax`` (over tasks) or ``identity``."""
    if transform == "softmax":
        return torch.softmax(logits.float(), dim=1)
    if transform == "identity":
        return logits.float()
    if transform == "sigmoid":
        return torch.sigmoid(logits.float())
    raise ValueError(f"unknown output transform '{transform}'; use sigmoid, softmax or identity")


def output_probs(logits: torch.Tensor, task_type: str) -> torch.Tensor:
    """Logits -> probabilities: sigmoid (multi-label), softmax (multi-class), identity (regression)."""
    return apply_transform(logits, TRANSFORMS.get(task_type, "sigmoid"))


def _forward(model: nn.Module, xt: torch.Tensor, device: torch.device, bf16: bool, transform: str) -> torch.Tensor:
    with autocast(device, bf16):
        return apply_transform(model(xt), transform)


def _chunks(x: Array, batch_size: int) -> Iterator[Array]:
    for i in range(0, len(x), batch_size):
        yield x[i : i + batch_size]


@torch.no_grad()
def predict(
    model: nn.Module,
    x: Array | Iterable[Array],
    device: torch.device | str = "cpu",
    *,
    transform: str = "identity",
    rc_average: bool = False,
    bf16: bool = False,
    batch_size: int = 256,
) -> np.ndarray:
    """Outputs of ``model`` for every sequence, in input order.

    Parameters
    ----------
    model : torch.nn.Module
        Put in eval mode and moved to ``device``.
    x : numpy.ndarray, torch.Tensor or iterable of them
        (N, 4, L) one-hot A,C,G,T, uint8 or float; or batches of that shape.
    device : torch.device or str
    transform : str
        ``identity`` (logits), ``sigmoid`` or ``softmax``.
    rc_average : bool
        Mean of the transformed outputs over both strands.
    bf16 : bool
        bfloat16 autocast (CUDA only).
    batch_size : int
        Rows read per step when ``x`` is one array; on CPU each step's forward
        passes take at most ~16,000 bp of windows (:func:`device.pass_rows`).

    Returns
    -------
    numpy.ndarray
        float32 (N, T).
    """
    device = torch.device(device)
    model.eval().to(device)
    batches = _chunks(x, batch_size) if isinstance(x, (np.ndarray, torch.Tensor)) else x
    outs = []
    for xb in batches:
        xt = to_input(xb, device)
        # CPU: cache-sized passes (views of the batch; an empty batch is one empty pass)
        for xs in xt.split(pass_rows(xt.shape[-1], device, len(xt))):
            p = _forward(model, xs, device, bf16, transform)
            if rc_average:
                p = 0.5 * (p + _forward(model, reverse_complement(xs), device, bf16, transform))
            outs.append(p.float().cpu().numpy())
    if not outs:
        raise ValueError("no sequences to predict")
    return np.concatenate(outs)


def predict_labelled(
    model: nn.Module, batches: Iterable[tuple[np.ndarray, np.ndarray]], device: torch.device, **kwargs
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`predict` over ``(x, y)`` batches; returns the outputs and the labels (N, T) as stored."""
    ys: list[np.ndarray] = []

    def xs() -> Iterator[np.ndarray]:
        for x, y in batches:
            ys.append(np.asarray(y))
            yield x

    out = predict(model, xs(), device, **kwargs)
    return out, np.concatenate(ys)


def predict_split(
    model: nn.Module,
    path: str,
    batch_size: int,
    device: torch.device,
    task_type: str = "multi-label",
    rc_average: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Predicted per-task probabilities and labels of a whole split file, in file order.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        float32 (N, T) probabilities (the mean over both strands when
        ``rc_average``) and labels (N, T) as stored. For multi-class, the
        probabilities of the T cell-type classes (the background class's
        column dropped) and the labels ``class == task``
        (:mod:`chromcnn.models.losses`, the training's definition).

    Raises
    ------
    InputError
        Multi-class on a split with a window of several positive labels (naming ``path``).
    """
    batches = Batches(path, batch_size).epoch(0, 0, shuffle=False)
    probs, y = predict_labelled(model, batches, device, transform=TRANSFORMS[task_type], rc_average=rc_average)
    try:
        labels = task_labels(y, task_type)
    except MultiPositiveError as err:
        raise InputError(
            f"a multi-class model cannot be scored on this split: {err}",
            "evaluate multi-class models on windows with at most one positive cell type (task_type: multi-label "
            "otherwise)",
            path=path,
        ) from None
    return task_scores(probs, task_type, y.shape[1], logits=False), labels
