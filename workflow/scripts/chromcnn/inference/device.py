"""Where a model runs: device choice, input transfer and bf16 autocast."""

from __future__ import annotations

import contextlib
import logging

import numpy as np
import torch

LOG = logging.getLogger(__name__)


def pick_device(requested: str) -> torch.device:
    """``auto``: CUDA when available, else CPU (with a warning when CUDA was expected)."""
    if requested == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        LOG.warning("no GPU visible: training on CPU")
        return torch.device("cpu")
    return torch.device(requested)


def to_input(x: np.ndarray | torch.Tensor, device: torch.device) -> torch.Tensor:
    """A batch (b, 4, L), uint8 or float, numpy or torch -> float32 tensor on ``device``.

    uint8 is converted after the transfer (a quarter of the bytes cross the bus).
    """
    if not isinstance(x, torch.Tensor):
        x = torch.from_numpy(np.ascontiguousarray(x))
    return x.to(device, non_blocking=True).float()


def autocast(device: torch.device, bf16: bool) -> contextlib.AbstractContextManager:
    """bfloat16 autocast on CUDA when ``bf16``; a no-op context otherwise."""
    return torch.autocast("cuda", dtype=torch.bfloat16, enabled=bf16 and device.type == "cuda")
