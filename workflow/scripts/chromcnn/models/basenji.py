"""A Basenji2-style dilated residual network adapted to one prediction per window.

Following the Basenji model card: a convolution stem (GELU, conv, BN, max-pool),
a width-growing reducing tower (GELU, conv, BN, max-pool per stage), a tower of
dilated residual blocks on a wide stream with a narrow bottleneck (dilation
starts at 1 and is multiplied by ``dilation_rate`` after every block, rounded,
as Basenji2's ``round: true``: 1, 2, 3, 4, 6, 9, ...; the last BatchNorm of each
residual branch starts at gamma 0, Basenji2's ``bn_gamma='zeros'``, so every
block is the identity at initialisation), and a final pointwise convolution block. Instead of per-bin coverage tracks,
the bins are averaged and a linear head predicts the tasks. Widths are scaled
for ~1 kb windows (the card's 131 kb model uses 288-1536 channels).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .common import check_length

DEFAULTS = {"optimizer": "adam", "lr": 1e-3, "clipnorm": 2.0, "batch_size": 64, "early_stopping": True}


def conv_block(c_in: int, c_out: int, kernel: int, pool: int = 1, dilation: int = 1, dropout: float = 0.0):
    layers: list[nn.Module] = [
        nn.GELU(),
        nn.Conv1d(c_in, c_out, kernel, padding=dilation * (kernel // 2), dilation=dilation),
        nn.BatchNorm1d(c_out, momentum=0.1),
    ]
    if dropout:
        layers.append(nn.Dropout(dropout))
    if pool > 1:
        layers.append(nn.MaxPool1d(pool))
    return nn.Sequential(*layers)


def dilations(n_blocks: int, rate: float) -> list[int]:
    """Dilation of each residual block, Basenji2's rule with ``round: true``.

    The running rate starts at 1.0, each block uses ``int(np.round(rate))``, then
    the rate is multiplied by ``rate`` and rounded (half to even, as NumPy does):
    ``dilations(11, 1.5) == [1, 2, 3, 4, 6, 9, 14, 21, 32, 48, 72]``.
    """
    out, current = [], 1.0
    for _ in range(n_blocks):
        out.append(int(np.round(current)))
        current = float(np.round(current * rate))
    return out


class DilatedResidual(nn.Module):
    """Bottlenecked dilated convolution, projected back and added to the stream.

    The projection's BatchNorm starts with gamma 0 (Basenji2's ``bn_gamma='zeros'``):
    the branch outputs 0 at initialisation, so the block starts as the identity.
    Input and output (N, channels, L) float.
    """

    def __init__(self, channels: int, bottleneck: int, kernel: int, dilation: int, dropout: float) -> None:
        super().__init__()
        self.channels = channels
        self.block = nn.Sequential(
            conv_block(channels, bottleneck, kernel, dilation=dilation),
            conv_block(bottleneck, channels, 1, dropout=dropout),
        )
        nn.init.zeros_(self.block[1][2].weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.block(x)


class Basenji(nn.Module):
    """Input (N, 4, L) float, output (N, n_tasks) logits."""

    def __init__(
        self,
        n_tasks: int,
        seq_len: int,
        stem_channels: int = 128,
        stem_kernel: int = 15,
        tower_channels: tuple[int, ...] = (160, 192),
        tower_kernel: int = 5,
        pool: int = 2,
        n_dilated: int = 4,
        bottleneck: int = 64,
        dilated_kernel: int = 3,
        dilation_rate: float = 1.5,
        dropout: float = 0.1,
        head_channels: int = 256,
    ) -> None:
        super().__init__()
        check_length(
            "basenji", seq_len, seq_len // pool ** (1 + len(tower_channels)), pool ** (1 + len(tower_channels))
        )
        layers = [conv_block(4, stem_channels, stem_kernel, pool=pool)]
        c = stem_channels
        for width in tower_channels:
            layers.append(conv_block(c, width, tower_kernel, pool=pool))
            c = width
        for dilation in dilations(n_dilated, dilation_rate):
            layers.append(DilatedResidual(c, bottleneck, dilated_kernel, dilation, dropout))
        layers += [conv_block(c, head_channels, 1, dropout=dropout / 2), nn.GELU()]
        self.trunk = nn.Sequential(*layers)
        self.head = nn.Linear(head_channels, n_tasks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(x).mean(dim=2))
