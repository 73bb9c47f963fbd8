"""Training-time augmentation, batched on the batch's device."""

from __future__ import annotations

import torch
from torch import nn

from chromcnn.config.settings import TrainSettings
from chromcnn.io.onehot import reverse_complement


def augment(x: torch.Tensor, settings: TrainSettings, gen: torch.Generator) -> torch.Tensor:
    """Reverse-complement half of the batch at random and shift each example by up to ``shift`` bp.

    The random draws come from ``gen`` (CPU), in this order: the strand flips
    (``rc_augment``), then the shifts; shifted-in positions are all-zero.

    Parameters
    ----------
    x : torch.Tensor
        float (b, 4, L).
    settings : TrainSettings
        ``rc_augment`` and ``shift``.
    gen : torch.Generator

    Returns
    -------
    torch.Tensor
        float (b, 4, L) on ``x``'s device.
    """
    b, _, length = x.shape
    if settings.rc_augment:
        flip = torch.rand(b, generator=gen) < 0.5
        x = torch.where(flip.to(x.device)[:, None, None], reverse_complement(x), x)
    if settings.shift > 0:
        k = settings.shift
        offsets = torch.randint(-k, k + 1, (b,), generator=gen).to(x.device)
        padded = nn.functional.pad(x, (k, k))
        idx = (torch.arange(length, device=x.device)[None, :] + k + offsets[:, None]).clamp(0, length + 2 * k - 1)
        x = padded.gather(2, idx[:, None, :].expand(b, 4, length))
    return x
