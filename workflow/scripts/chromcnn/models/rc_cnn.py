"""A reverse-complement-invariant CNN built from reverse-complement parameter sharing.

The reverse complement of a one-hot (N, 4, L) tensor flips both the channel
(A,C,G,T -> T,G,C,A) and the length axes. An :class:`RCConv` layer stores one
set of kernels W and emits ``[conv(x, W), flip_channels(conv(x, W_rc))]`` with
``W_rc = W`` flipped in its input-channel and width axes, so that reverse
complementing the input flips the output's channels and length ("mirrored"
channels). ReLU, :class:`RCBatchNorm` (statistics shared by mirrored
channels) and :class:`SymmetricMaxPool` (crops the same number of positions at
both ends) keep that property; the head sums each channel's global maximum with
its mirror's, so ``f(x) == f(rc(x))`` exactly, up to float rounding.
``first_activation="exp"`` (elementwise, so it keeps the property too) makes
the first layer exponential (Koo & Ploenzke 2021).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from chromcnn.io.onehot import reverse_complement

from .common import activation_layer, check_length, conv_len, minimum_length

DEFAULTS = {"optimizer": "adam", "lr": 1e-3, "batch_size": 100, "early_stopping": True}


class RCConv(nn.Module):
    """Parameter-shared convolution: (N, C, L) -> (N, 2 * out_channels, L')."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        nn.init.kaiming_uniform_(self.weight, a=5**0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        fwd = F.conv1d(x, self.weight, self.bias)
        rev = F.conv1d(x, reverse_complement(self.weight), self.bias)
        return torch.cat([fwd, rev.flip(1)], dim=1)


class RCBatchNorm(nn.Module):
    """BatchNorm whose statistics and affine parameters are shared by mirrored channels."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.bn = nn.BatchNorm1d(channels)
        self.m = channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        length = x.size(2)
        z = self.bn(torch.cat([x[:, : self.m], x[:, self.m :].flip(1)], dim=2))
        return torch.cat([z[:, :, :length], z[:, :, length:].flip(1)], dim=1)


class SymmetricMaxPool(nn.Module):
    """Max-pool with an odd kernel after cropping the same number of positions at both ends."""

    def __init__(self, kernel: int) -> None:
        super().__init__()
        if kernel % 2 == 0:
            raise ValueError("SymmetricMaxPool needs an odd kernel")
        self.kernel = kernel

    @staticmethod
    def crop(length: int, kernel: int) -> int:
        rem = length % kernel
        return rem if rem % 2 == 0 else rem + kernel

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        crop = self.crop(x.size(2), self.kernel)
        if crop:
            x = x[:, :, crop // 2 : x.size(2) - crop // 2]
        return F.max_pool1d(x, self.kernel)


def trunk_len(seq_len: int, kernels=(15, 7, 5), pool: int = 3) -> int:
    length = seq_len
    for i, k in enumerate(kernels):
        length = conv_len(length, k)
        if i < len(kernels) - 1:
            length = (length - SymmetricMaxPool.crop(length, pool)) // pool if length > 0 else 0
        if length < 1:
            return 0
    return length


class RCCNN(nn.Module):
    """Input (N, 4, L) float, output (N, n_tasks) logits, invariant to reverse complement."""

    def __init__(
        self,
        n_tasks: int,
        seq_len: int,
        filters: int = 64,
        kernels: tuple[int, ...] = (15, 7, 5),
        pool: int = 3,
        hidden: int = 128,
        dropout: float = 0.2,
        first_activation: str = "relu",
    ) -> None:
        super().__init__()
        check_length(
            "rc_cnn", seq_len, trunk_len(seq_len, kernels, pool), minimum_length(lambda n: trunk_len(n, kernels, pool))
        )
        layers: list[nn.Module] = []
        c_in = 4
        for i, k in enumerate(kernels):
            act = activation_layer(first_activation) if i == 0 else nn.ReLU()
            layers += [RCConv(c_in, filters, k), RCBatchNorm(filters), act]
            if i < len(kernels) - 1:
                layers.append(SymmetricMaxPool(pool))
            c_in = 2 * filters
        self.trunk = nn.Sequential(*layers)
        self.filters = filters
        self.head = nn.Sequential(
            nn.Linear(filters, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, n_tasks)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        v = self.trunk(x).amax(dim=2)
        u = v[:, : self.filters] + v[:, self.filters :].flip(1)
        return self.head(u)
