"""A Basenji2-style dilated residual network adapted to one prediction per window.

Following the Basenji model card: a convolution stem (GELU, conv, BN, max-pool),
a width-growing reducing tower (GELU, conv, BN, max-pool per stage), a tower of
dilated residual blocks on a wide stream with a narrow bottleneck (dilation
starts at 1 and is multiplied by ``dilation_rate`` after every block, rounded,
as Basenji2's ``round: true``: 1, 2, 3, 4, 6, 9, ...; the last BatchNorm of each
residual branch starts at gamma 0, Basenji2's ``bn_gamma='zeros'``, so every
block is the identity at initialisation), and a final pointwise convolution block.

Two heads. With ``profile_bin`` 0 (binary and signal modes) the bins are averaged and a
linear head predicts one value per task: (N, T). With ``profile_bin`` > 0
(``targets.mode: profile``, set from ``targets.bin`` / ``targets.crop`` by the config) the
model is the card's coverage model: one more conv block pools the stream to ``profile_bin``
bp per position, the dilated tower runs at bin resolution, ``profile_crop`` bp
(``profile_crop / profile_bin`` bins) are cropped at both ends, and a pointwise convolution
predicts every bin of every task, (N, T, bins) -- the card's (batch, bins, tracks) with
tasks first, as ``y`` is stored. Its outputs are log-rates under the Poisson loss
(``PoissonNLLLoss(log_input=True)``), coverage under MSE. Widths are scaled for ~1 kb
windows (the card's 131 kb model uses 288-1536 channels).
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
    """Input (N, 4, L) float; output (N, n_tasks), or (N, n_tasks, bins) when ``profile_bin`` > 0."""

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
        profile_bin: int = 0,
        profile_crop: int = 0,
    ) -> None:
        super().__init__()
        stride = pool ** (1 + len(tower_channels))
        check_length("basenji", seq_len, seq_len // stride, stride)
        layers = [conv_block(4, stem_channels, stem_kernel, pool=pool)]
        c = stem_channels
        for width in tower_channels:
            layers.append(conv_block(c, width, tower_kernel, pool=pool))
            c = width
        self.crop_bins = 0
        if profile_bin:
            check_profile(seq_len, stride, profile_bin, profile_crop)
            if profile_bin > stride:  # the card's tower reaches 128 bp per position; one more pooled block
                layers.append(conv_block(c, c, tower_kernel, pool=profile_bin // stride))
            self.crop_bins = profile_crop // profile_bin
        for dilation in dilations(n_dilated, dilation_rate):
            layers.append(DilatedResidual(c, bottleneck, dilated_kernel, dilation, dropout))
        layers += [conv_block(c, head_channels, 1, dropout=dropout / 2), nn.GELU()]
        self.trunk = nn.Sequential(*layers)
        self.profile = bool(profile_bin)
        self.head = nn.Conv1d(head_channels, n_tasks, 1) if profile_bin else nn.Linear(head_channels, n_tasks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.trunk(x)
        if not self.profile:
            return self.head(h.mean(dim=2))
        if self.crop_bins:
            h = h[:, :, self.crop_bins : h.shape[2] - self.crop_bins]
        return self.head(h)

    @torch.no_grad()
    def set_output_bias(self, values: np.ndarray) -> None:
        """Profile head: start each task's output at ``values`` (float (T,), e.g. the log mean bin count),
        so that the Poisson rate starts at the training mean instead of exp(0) = 1."""
        if self.profile:
            self.head.bias.copy_(torch.as_tensor(np.asarray(values), dtype=self.head.bias.dtype))


def check_profile(seq_len: int, stride: int, profile_bin: int, profile_crop: int) -> None:
    """ValueError (with a Fix) unless the bins tile the window at the trunk's stride."""
    if profile_bin % stride or seq_len % profile_bin or profile_crop % profile_bin or 2 * profile_crop >= seq_len:
        raise ValueError(
            f"basenji cannot output {profile_bin} bp bins of a {seq_len} bp window cropped by {profile_crop} bp: "
            f"its trunk pools by {stride}. Fix: use a targets.bin that is a multiple of {stride} and divides the "
            "window, and a targets.crop that is a multiple of targets.bin"
        )
