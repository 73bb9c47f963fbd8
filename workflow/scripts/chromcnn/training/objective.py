"""What training optimises: targets as the loss expects them, the optimizer, the monitored value."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from chromcnn.config.settings import TrainSettings
from chromcnn.errors import InputError


def targets(y: np.ndarray, settings: TrainSettings, device: torch.device) -> torch.Tensor:
    """Labels (b, T) as the loss expects them: class index (b,) for multi-class, float otherwise."""
    t = torch.from_numpy(np.asarray(y)).to(device)
    if settings.task_type == "multi-class":
        return t.argmax(dim=1)
    return t.float()


def make_optimizer(model: nn.Module, settings: TrainSettings) -> torch.optim.Optimizer:
    """Adam, AdamW or SGD with the run's learning rate, momentum and weight decay."""
    name = settings.optimizer.lower()
    if name == "adam":
        return torch.optim.Adam(model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
    if name == "adamw":
        return torch.optim.AdamW(model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
    if name == "sgd":
        return torch.optim.SGD(
            model.parameters(), lr=settings.lr, momentum=settings.momentum, weight_decay=settings.weight_decay
        )
    raise InputError(f"unknown optimizer '{settings.optimizer}'", "use adam, adamw or sgd")


def make_scheduler(opt: torch.optim.Optimizer, settings: TrainSettings) -> torch.optim.lr_scheduler.ReduceLROnPlateau:
    """Learning rate times ``lr_factor`` after ``lr_patience`` epochs without improvement."""
    return torch.optim.lr_scheduler.ReduceLROnPlateau(
        opt, mode="max", factor=settings.lr_factor, patience=settings.lr_patience
    )
