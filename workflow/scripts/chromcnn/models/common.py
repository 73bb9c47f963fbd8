"""Shared pieces of the architectures: length arithmetic and the output head."""

from __future__ import annotations

import torch
from torch import nn


def conv_len(length: int, kernel: int, padding: int = 0, dilation: int = 1, stride: int = 1) -> int:
    """Output length of a 1-D convolution (PyTorch's formula)."""
    return (length + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def pool_len(length: int, kernel: int, stride: int | None = None) -> int:
    """Output length of a 1-D max pooling with floor mode."""
    stride = stride or kernel
    return (length - kernel) // stride + 1 if length >= kernel else 0


def check_length(name: str, seq_len: int, out_len: int, minimum: int) -> None:
    """Raise ValueError naming the minimum window when the trunk output is empty."""
    if out_len < 1:
        raise ValueError(
            f"window of {seq_len} bp is too short for {name}: its convolutions and pooling need at least "
            f"{minimum} bp. Fix: raise window in config.yaml to >= {minimum} or choose another architecture"
        )


def minimum_length(out_len_fn, start: int = 1, limit: int = 100_000) -> int:
    """Smallest input length for which ``out_len_fn`` returns >= 1 (monotone search)."""
    lo, hi = start, start
    while out_len_fn(hi) < 1 and hi < limit:
        hi *= 2
    while lo < hi:
        mid = (lo + hi) // 2
        if out_len_fn(mid) >= 1:
            hi = mid
        else:
            lo = mid + 1
    return lo


class Flatten(nn.Module):
    """(N, C, L) -> (N, C * L)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.size(0), -1)


class Exp(nn.Module):
    """Exponential activation (Koo & Ploenzke 2021), elementwise, any shape.

    In the first layer it suppresses weak, partial matches and amplifies strong
    ones, so each filter is pushed to hold a whole motif; after BatchNorm its
    input is standardised, which keeps it finite.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.exp(x)


FIRST_ACTIVATIONS = {"relu": nn.ReLU, "exp": Exp}


def activation_layer(name: str) -> nn.Module:
    """The first-layer nonlinearity ``name`` (``relu``: the published choice; ``exp``: Koo & Ploenzke 2021)."""
    if name not in FIRST_ACTIVATIONS:
        raise ValueError(
            f"first_activation '{name}' is not known. Fix: use one of {', '.join(FIRST_ACTIVATIONS)} "
            "(exp: exponential first layer, for interpretable filters)"
        )
    return FIRST_ACTIVATIONS[name]()
