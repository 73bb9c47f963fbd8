"""From config.yaml to one TrainSettings per model id ``{name}-s{seed}``.

Precedence: the ``train`` section's global keys, then the architecture's
published defaults (or the seqgra XML's optimizer and training process), then
``train.overrides[name]``. Everything is checked when the workflow is parsed:
unknown architectures, unknown or mistyped hyperparameters, windows too short
for an architecture's pooling, and seqgra files that do not match the data.
"""

from __future__ import annotations

import re

import torch

from chromcnn import models
from chromcnn.config.settings import TrainSettings, check_monitor
from chromcnn.config.sources import ConfigSources
from chromcnn.errors import InputError
from chromcnn.models import seqgra

GLOBAL_KEYS = (
    "task_type",
    "max_epochs",
    "patience",
    "monitor",
    "lr_patience",
    "lr_factor",
    "rc_augment",
    "shift",
    "pos_weight",
    "device",
    "bf16",
    "compile",
    "memory_budget_mb",
    "deterministic",
)
ID_RE = re.compile(r"^(?P<name>[A-Za-z0-9_]+)-s(?P<seed>\d+)$")


def model_ids(config: dict) -> list[str]:
    """``{name}-s{seed}`` for every architecture and seqgra model, and every seed."""
    train = config["train"]
    names = list(train["architectures"]) + list(train["seqgra"])
    return [f"{name}-s{seed}" for name in names for seed in train["seeds"]]


def _at(source: str | ConfigSources, lines: dict, key: tuple[str, ...]) -> dict:
    """``{"path", "line"}`` for ``key``: from ConfigSources, or from one file and its lines."""
    if isinstance(source, ConfigSources):
        return source.at(key)
    return {"path": source, "line": lines.get(key)}


def split_id(model_id: str) -> tuple[str, int]:
    match = ID_RE.match(model_id)
    if not match:
        raise ValueError(f"model id '{model_id}' is not name-sSEED")
    return match["name"], int(match["seed"])


def resolve(
    config: dict,
    model_id: str,
    tasks: list[str],
    source: str | ConfigSources = "config.yaml",
    lines: dict | None = None,
) -> TrainSettings:
    """TrainSettings of one model, checked against the tasks and window.

    Raises
    ------
    InputError
        Naming the source that set the offending key (``source``: the config file, with
        ``lines`` from :func:`~chromcnn.config.sources.key_lines`, or ConfigSources) and its line.
    """
    lines = lines or {}
    train = config["train"]
    name, seed = split_id(model_id)
    base = {k: train[k] for k in GLOBAL_KEYS}
    if train["loss"]:
        base["loss"] = train["loss"]
    if name in train["seqgra"]:
        defn = seqgra.parse(train["seqgra"][name])
        seqgra.check_against(defn, tasks, train["task_type"])
        base.update(seqgra.settings(defn))
    elif name in models.REGISTRY:
        base.update(models.get(name).defaults)
    else:
        raise InputError(
            f"unknown architecture '{name}'",
            f"use one of: {', '.join(models.names())}, or add it under train.seqgra",
            **_at(source, lines, ("train", "architectures")),
        )
    override = dict(train["overrides"].get(name, {}))
    hparams = override.pop("hparams", {})
    base.update(override)
    settings = TrainSettings(arch=name, hparams=hparams, seed=seed, **base)
    check_task_type(settings, source, lines)
    check_buildable(settings, config, tasks, source, lines)
    return settings


def check_task_type(settings: TrainSettings, source: str | ConfigSources, lines: dict) -> None:
    """The data stage writes 0/1 labels: reject regression on them, and a monitor the task type lacks.

    Raises
    ------
    InputError
        Naming ``source`` and the line of ``train.task_type`` or ``train.monitor``.
    """
    if settings.task_type == "regression":
        raise InputError(
            "train.task_type 'regression' needs quantitative targets, but the data stage writes 0/1 labels "
            "(a regression loss on them would be reported as if it were a classifier)",
            "use task_type: multi-label (0/1 labels per cell type) until quantitative targets are supported",
            **_at(source, lines, ("train", "task_type")),
        )
    at = _at(source, lines, ("train", "monitor"))
    check_monitor(settings.task_type, settings.monitor, at["path"], at["line"])


def check_buildable(
    settings: TrainSettings, config: dict, tasks: list[str], source: str | ConfigSources, lines: dict
) -> None:
    """Build the model on the meta device: catches bad hyperparameters and short windows cheaply."""
    if settings.arch in config["train"]["seqgra"]:
        return
    try:
        with torch.device("meta"):
            models.build(settings.arch, len(tasks), config["window"], **settings.hparams)
    except models.ModelConfigError as err:
        key = ("train", "overrides", settings.arch, "hparams") if settings.hparams else ("window",)
        raise InputError(str(err).split(". Fix:")[0], _fix(str(err)), **_at(source, lines, key)) from None


def _fix(message: str) -> str:
    if ". Fix: " in message:
        return message.split(". Fix: ", 1)[1]
    return "correct train.overrides.<architecture>.hparams (see the architecture's signature in chromcnn.models)"
