"""The baselines of the PyTorch DNA-modelling tutorial, for any window and task count.

``linear``: one weight per base and position (flatten, one linear layer); the
baseline every report compares against. ``cnn``: 32 filters of width 3, ReLU,
flatten, one linear layer.
"""

from __future__ import annotations

import torch
from torch import nn

from .common import check_length, conv_len

LINEAR_DEFAULTS = {"optimizer": "adam", "lr": 1e-3, "batch_size": 100, "early_stopping": True}
CNN_DEFAULTS = {"optimizer": "adam", "lr": 1e-3, "batch_size": 100, "early_stopping": True}


class LinearModel(nn.Module):
    """Input (N, 4, L) float, output (N, n_tasks) logits."""

    def __init__(self, n_tasks: int, seq_len: int) -> None:
        super().__init__()
        self.lin = nn.Linear(4 * seq_len, n_tasks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lin(x.reshape(x.size(0), -1))


class CNNModel(nn.Module):
    """Input (N, 4, L) float, output (N, n_tasks) logits."""

    def __init__(self, n_tasks: int, seq_len: int, num_filters: int = 32, kernel_size: int = 3) -> None:
        super().__init__()
        out = conv_len(seq_len, kernel_size)
        check_length("cnn", seq_len, out, kernel_size)
        self.conv = nn.Sequential(nn.Conv1d(4, num_filters, kernel_size), nn.ReLU(inplace=True))
        self.lin = nn.Linear(num_filters * out, n_tasks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv(x)
        return self.lin(h.reshape(h.size(0), -1))
