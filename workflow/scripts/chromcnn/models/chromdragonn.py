"""ChromDragoNN stage-1 residual network (Nair et al. 2019), from the seed definition.

The seed uses Conv2d with (k, 1) kernels on a (N, 4, L, 1) tensor; this is
the equivalent 1-D network (same layers, kernels, paddings and pools, including
the 1x1 transition convolution padded by 3 and the final kernel-7 convolution
padded by 4), generalised to any window and task count (200 x 21 = 4200
flattened features at 1000 bp).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .common import check_length, minimum_length, pool_len

DEFAULTS = {"optimizer": "adam", "lr": 2e-3, "batch_size": 256, "early_stopping": True}


class ResBlock(nn.Module):
    """conv/BN(/ReLU) chain with 'same' padding, added to the input, then ReLU."""

    def __init__(self, channels: int, kernels: tuple[int, ...]) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for i, k in enumerate(kernels):
            layers += [nn.Conv1d(channels, channels, k, padding=k // 2), nn.BatchNorm1d(channels)]
            if i < len(kernels) - 1:
                layers.append(nn.ReLU(inplace=True))
        self.layer = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.layer(x) + x)


def conv_bn_relu(c_in: int, c_out: int, k: int, pad: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv1d(c_in, c_out, k, padding=pad), nn.BatchNorm1d(c_out), nn.ReLU(inplace=True))


def trunk_len(seq_len: int) -> int:
    length = pool_len(seq_len, 3) + 6  # maxpool1, then the 1x1 conv padded by 3
    length = pool_len(length, 4) + 2  # maxpool2, then the k7 conv padded by 4
    return pool_len(length, 4) if length >= 4 else 0


class ChromDragoNN(nn.Module):
    """ChromDragoNN; input (N, 4, L) float, output (N, n_tasks) logits."""

    def __init__(
        self, n_tasks: int, seq_len: int, blocks: tuple[int, int, int, int] = (2, 2, 2, 2), dropout: float = 0.3
    ) -> None:
        super().__init__()
        out = trunk_len(seq_len)
        check_length("chromdragonn", seq_len, out, minimum_length(trunk_len))
        self.dropout = dropout
        self.prelayer = nn.Sequential(conv_bn_relu(4, 48, 3, 1), conv_bn_relu(48, 64, 3, 1))
        self.layer1 = nn.Sequential(*[ResBlock(64, (3, 3)) for _ in range(blocks[0])])
        self.l1tol2 = conv_bn_relu(64, 128, 3, 1)
        self.layer2 = nn.Sequential(*[ResBlock(128, (7, 7)) for _ in range(blocks[1])])
        self.maxpool1 = nn.MaxPool1d(3)
        self.l2tol3 = conv_bn_relu(128, 200, 1, 3)
        self.layer3 = nn.Sequential(*[ResBlock(200, (7, 3, 3)) for _ in range(blocks[2])])
        self.maxpool2 = nn.MaxPool1d(4)
        self.layer4 = nn.Sequential(*[ResBlock(200, (7, 7)) for _ in range(blocks[3])])
        self.flayer = conv_bn_relu(200, 200, 7, 4)
        self.maxpool3 = nn.MaxPool1d(4)
        self.fc1, self.bn4 = nn.Linear(200 * out, 1000), nn.BatchNorm1d(1000)
        self.fc2, self.bn5 = nn.Linear(1000, 1000), nn.BatchNorm1d(1000)
        self.fc3 = nn.Linear(1000, n_tasks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.layer1(self.prelayer(x))
        h = self.maxpool1(self.layer2(self.l1tol2(h)))
        h = self.maxpool2(self.layer3(self.l2tol3(h)))
        h = self.maxpool3(self.flayer(self.layer4(h)))
        h = h.reshape(h.size(0), -1)
        h = F.dropout(F.relu(self.bn4(self.fc1(h))), p=self.dropout, training=self.training)
        h = F.dropout(F.relu(self.bn5(self.fc2(h))), p=self.dropout, training=self.training)
        return self.fc3(h)
