"""Basset (Kelley et al. 2016), as in the seed definition, for any window and task count.

Three conv/BN/ReLU/max-pool layers (300x19 pool 3, 200x11 pool 4, 200x7 pool 4)
and two 1000-unit fully connected layers with dropout 0.3; the flattened size
is computed from the window (3600 at 1000 bp).

``first_activation="exp"`` replaces the first layer's ReLU by an exponential
(Koo & Ploenzke 2021): on the demo that turns 0 of 7 planted motifs recovered
by the first-layer filters into 7 of 7, with a higher AUROC (README).
"""

from __future__ import annotations

import torch
from torch import nn

from .common import activation_layer, check_length, conv_len, minimum_length, pool_len

DEFAULTS = {
    "optimizer": "adam",
    "lr": 1e-4,
    "clipnorm": 0.5,
    "batch_size": 100,
    "early_stopping": True,
}
HPARAMS = {"filters": (300, 200, 200), "kernels": (19, 11, 7), "pools": (3, 4, 4), "fc": 1000, "dropout": 0.3}


def trunk_len(seq_len: int, kernels=HPARAMS["kernels"], pools=HPARAMS["pools"]) -> int:
    length = seq_len
    for k, p in zip(kernels, pools):
        length = pool_len(conv_len(length, k), p)
        if length < 1:
            return 0
    return length


class Basset(nn.Module):
    """Basset; input (N, 4, L) float, output (N, n_tasks) logits."""

    def __init__(
        self,
        n_tasks: int,
        seq_len: int,
        filters=(300, 200, 200),
        kernels=(19, 11, 7),
        pools=(3, 4, 4),
        fc: int = 1000,
        dropout: float = 0.3,
        first_activation: str = "relu",
    ) -> None:
        super().__init__()
        out = trunk_len(seq_len, kernels, pools)
        check_length("basset", seq_len, out, minimum_length(lambda n: trunk_len(n, kernels, pools)))
        layers, c_in = [], 4
        for i, (f, k, p) in enumerate(zip(filters, kernels, pools)):
            act = activation_layer(first_activation) if i == 0 else nn.ReLU()
            layers += [nn.Conv1d(c_in, f, k), nn.BatchNorm1d(f), act, nn.MaxPool1d(p)]
            c_in = f
        self.conv = nn.Sequential(*layers)
        self.fc = nn.Sequential(
            nn.Linear(c_in * out, fc),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(fc, fc),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(fc, n_tasks),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv(x)
        return self.fc(h.reshape(h.size(0), -1))
