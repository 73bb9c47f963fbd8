"""DeepSEA (Zhou & Troyanskaya 2015), as in the seed definition, any window and task count.

Conv 320x8, ReLU, max-pool 4, dropout 0.2; conv 480x8, ReLU, max-pool 4,
dropout 0.2; conv 960x8, ReLU, dropout 0.5; linear to 925, ReLU; linear to the
tasks (53 x 960 flattened at 1000 bp). ``first_activation="exp"``: an exponential
first layer (Koo & Ploenzke 2021) instead of the ReLU; DeepSEA has no BatchNorm
before it, so large first-layer scores can overflow: keep a ``clipnorm`` (a
non-finite loss stops training with the epoch and batch, keeping the last good
checkpoint).
"""

from __future__ import annotations

import torch
from torch import nn

from .common import activation_layer, check_length, conv_len, minimum_length, pool_len

DEFAULTS = {"optimizer": "sgd", "lr": 0.01, "momentum": 0.9, "batch_size": 100, "early_stopping": True}


def trunk_len(seq_len: int, kernel: int = 8) -> int:
    length = pool_len(conv_len(seq_len, kernel), 4)
    length = pool_len(conv_len(length, kernel), 4) if length >= 1 else 0
    return conv_len(length, kernel) if length >= kernel else 0


class DeepSEA(nn.Module):
    """DeepSEA; input (N, 4, L) float, output (N, n_tasks) logits."""

    def __init__(
        self,
        n_tasks: int,
        seq_len: int,
        filters=(320, 480, 960),
        kernel: int = 8,
        hidden: int = 925,
        first_activation: str = "relu",
    ) -> None:
        super().__init__()
        out = trunk_len(seq_len, kernel)
        check_length("deepsea", seq_len, out, minimum_length(lambda n: trunk_len(n, kernel)))
        self.conv = nn.Sequential(
            nn.Conv1d(4, filters[0], kernel),
            activation_layer(first_activation),
            nn.MaxPool1d(4, 4),
            nn.Dropout(0.2),
            nn.Conv1d(filters[0], filters[1], kernel),
            nn.ReLU(),
            nn.MaxPool1d(4, 4),
            nn.Dropout(0.2),
            nn.Conv1d(filters[1], filters[2], kernel),
            nn.ReLU(),
            nn.Dropout(0.5),
        )
        self.fc = nn.Sequential(nn.Linear(filters[2] * out, hidden), nn.ReLU(), nn.Linear(hidden, n_tasks))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv(x)
        return self.fc(h.reshape(h.size(0), -1))
