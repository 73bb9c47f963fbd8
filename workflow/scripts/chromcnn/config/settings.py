"""The settings of one training run, as a plain dataclass (no torch, no trainer).

:class:`TrainSettings` is resolved from config.yaml at parse time
(:mod:`chromcnn.config.training`), passed to the training job as a dict, used
by the trainer, and stored in every ``model.pt`` (``record["settings"]``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from dataclasses import dataclass, field

from chromcnn.errors import InputError

#: the validation metrics of each task type, the values ``monitor`` may take (history.tsv holds NaN for the others).
MONITORS = {
    "multi-label": ("valid_auprc", "valid_auroc", "valid_loss"),
    "multi-class": ("valid_auprc", "valid_auroc", "valid_loss"),
    "regression": ("valid_pearson", "valid_mse", "valid_loss", "valid_window_pearson"),
}
#: monitors that exist only in ``targets.mode: profile`` (mean over windows of the correlation across bins).
PROFILE_MONITORS = ("valid_window_pearson",)


@dataclass
class TrainSettings:
    """Everything that defines a training run (the resume key hashes all of it)."""

    arch: str
    hparams: dict = field(default_factory=dict)
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.0
    weight_decay: float = 0.0
    clipnorm: float | None = None
    batch_size: int = 100
    max_epochs: int = 100
    early_stopping: bool = True
    patience: int = 5
    monitor: str = "valid_auprc"
    lr_patience: int = 2
    lr_factor: float = 0.5
    task_type: str = "multi-label"
    loss: str | None = None
    rc_augment: bool = True
    shift: int = 0
    pos_weight: bool = False
    seed: int = 1
    device: str = "auto"
    bf16: bool = True
    compile: bool = False
    memory_budget_mb: float = 4096
    deterministic: bool = True
    schedule: str = "plateau"
    epoch_examples: int | None = None
    bn_examples: int = 4096

    def key(self) -> str:
        """Hash identifying the run (a checkpoint from another run is not resumed)."""
        return hashlib.sha256(json.dumps(dataclasses.asdict(self), sort_keys=True).encode()).hexdigest()[:16]


def check_monitor(task_type: str, monitor: str, path: str | None = None, line: int | None = None) -> None:
    """Reject a monitored metric the task type does not compute (e.g. AUPRC of a regression).

    Raises
    ------
    InputError
        Naming ``path`` and ``line`` when given.
    """
    allowed = MONITORS.get(task_type, ())
    if monitor not in allowed:
        raise InputError(
            f"train.monitor '{monitor}' does not exist for task_type '{task_type}'",
            f"set train.monitor to one of: {', '.join(allowed) or 'valid_loss'}",
            path=path,
            line=line,
        )


def monitor_value(row: dict, monitor: str) -> float:
    """The monitored metric of an epoch's row, signed so that larger is better."""
    value = row[monitor]
    return -value if monitor.endswith(("loss", "mse")) else value


def best_epoch(rows: list[dict], monitor: str) -> int:
    """The epoch the trainer saves: the first whose monitored value beats every earlier one.

    The one definition of "best epoch" (the trainer keeps this epoch's weights in
    ``model.pt``; the report shows this epoch's validation row). NaN never wins.
    Returns 0 for an empty history.
    """
    best, epoch = -math.inf, 0
    for row in rows:
        value = monitor_value(row, monitor)
        if value > best:
            best, epoch = value, int(row["epoch"])
    return epoch


def stopped_early(rows: list[dict], settings: dict) -> bool:
    """Whether early stopping ended the run (the trainer's rule: ``patience`` epochs without
    improvement of ``monitor`` after the best epoch). False when the run stopped at ``max_epochs``
    while still improving, or trained with ``early_stopping: false``: such a model is "not
    converged" (more epochs might have helped). ``settings`` is a TrainSettings as a dict."""
    if not rows or not settings.get("early_stopping", _DEFAULTS["early_stopping"]):
        return False
    last = int(rows[-1]["epoch"])
    best = best_epoch(rows, settings.get("monitor", _DEFAULTS["monitor"]))
    return last - best >= int(settings.get("patience", _DEFAULTS["patience"]))


#: TrainSettings' defaults, for settings dicts that lack a key (older model files, tests).
_DEFAULTS = {f.name: f.default for f in dataclasses.fields(TrainSettings)}
