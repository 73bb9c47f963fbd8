"""DeepBind-style motif-detector network (Alipanahi et al. 2015), for any window and task count.

Convolution with motif-detector kernels -> BatchNorm -> ReLU (DeepBind's
rectification threshold is the BN shift) -> global max pooling over the whole
window -> one logit per task (``hidden=0``, DeepBind's variant without a
hidden layer; ``hidden=32`` adds DeepBind's 32-unit layer with dropout).

Global max pooling right after the first layer means each detector must hold a
whole motif to help the output, so the first-layer filters read directly as
motifs (Koo & Eddy 2019 show that small first-layer pooling, as in Basset,
spreads motifs over filters instead). DeepBind trained one model per TF with
16 detectors of width 24; one model here serves every task, so the default is
32 detectors (both strands of ~7 factors) of width 19, as Basset's first layer.
"""

from __future__ import annotations

import torch
from torch import nn

from .common import activation_layer, check_length, conv_len

DEFAULTS = {"optimizer": "adam", "lr": 1e-3, "batch_size": 100, "early_stopping": True}


class DeepBind(nn.Module):
    """Input (N, 4, L) float, output (N, n_tasks) logits."""

    def __init__(
        self,
        n_tasks: int,
        seq_len: int,
        filters: int = 32,
        kernel: int = 19,
        hidden: int = 0,
        dropout: float = 0.5,
        first_activation: str = "relu",
    ) -> None:
        super().__init__()
        check_length("deepbind", seq_len, conv_len(seq_len, kernel), kernel)
        self.conv = nn.Sequential(
            nn.Conv1d(4, filters, kernel), nn.BatchNorm1d(filters), activation_layer(first_activation)
        )
        if hidden:
            self.head = nn.Sequential(
                nn.Linear(filters, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, n_tasks)
            )
        else:  # DeepBind's variant without a hidden layer: one weight per detector and task
            self.head = nn.Linear(filters, n_tasks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.conv(x).amax(dim=2))
