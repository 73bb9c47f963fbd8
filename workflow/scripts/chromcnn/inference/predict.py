"""Predictions of a trained model on a split file, optionally averaged over both strands."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from chromcnn.config.training import build_model
from chromcnn.io.batches import Batches
from chromcnn.training.loop import TrainSettings, to_input


def load_trained(path: str, seqgra: dict | None = None) -> tuple[nn.Module, dict]:
    """A model rebuilt from ``model.pt`` (weights loaded, eval mode) and the saved record."""
    saved = torch.load(path, map_location="cpu", weights_only=False)
    settings = TrainSettings(**saved["settings"])
    model = build_model(settings, seqgra or {}, len(saved["tasks"]), int(saved["seq_len"]))
    model.load_state_dict(saved["state_dict"])
    return model.eval(), saved


def reverse_complement(x: torch.Tensor) -> torch.Tensor:
    """(N, 4, L) one-hot A,C,G,T -> the other strand."""
    return x.flip(1, 2)


def output_probs(logits: torch.Tensor, task_type: str) -> torch.Tensor:
    """Logits -> probabilities: sigmoid (multi-label), softmax (multi-class), identity (regression)."""
    if task_type == "multi-class":
        return torch.softmax(logits.float(), dim=1)
    if task_type == "regression":
        return logits.float()
    return torch.sigmoid(logits.float())


@torch.no_grad()
def predict_split(
    model: nn.Module,
    path: str,
    batch_size: int,
    device: torch.device,
    task_type: str = "multi-label",
    rc_average: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Predicted probabilities and labels of a whole split, in file order.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        float32 (N, T) probabilities (the mean over both strands when
        ``rc_average``) and labels (N, T) as stored.
    """
    model.eval().to(device)
    probs, ys = [], []
    for x, y in Batches(path, batch_size).epoch(0, 0, shuffle=False):
        xt = to_input(x, device)
        p = output_probs(model(xt), task_type)
        if rc_average:
            p = 0.5 * (p + output_probs(model(reverse_complement(xt)), task_type))
        probs.append(p.cpu().numpy().astype(np.float32))
        ys.append(np.asarray(y))
    return np.concatenate(probs), np.concatenate(ys)
