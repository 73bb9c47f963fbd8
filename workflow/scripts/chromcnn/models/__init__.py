"""Architecture registry: config name -> ``build(n_tasks, seq_len, **hparams)``.

Each entry carries the training defaults of its published definition
(optimizer, learning rate, batch size, gradient clipping); config.yaml may
override both the hyperparameters and the training defaults per architecture.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from torch import nn

from . import baselines, basenji, basset, chromdragonn, deepbind, deepsea, rc_cnn


@dataclass(frozen=True)
class Architecture:
    """A registered architecture."""

    factory: Callable[..., nn.Module]
    defaults: dict
    source: str


REGISTRY: dict[str, Architecture] = {
    "basset": Architecture(basset.Basset, basset.DEFAULTS, "Kelley et al. 2016 (seed definition)"),
    "deepsea": Architecture(deepsea.DeepSEA, deepsea.DEFAULTS, "Zhou & Troyanskaya 2015 (seed definition)"),
    "chromdragonn": Architecture(chromdragonn.ChromDragoNN, chromdragonn.DEFAULTS, "Nair et al. 2019 (seed)"),
    "basenji": Architecture(basenji.Basenji, basenji.DEFAULTS, "Kelley et al. 2018 / Basenji2 model card"),
    "rc_cnn": Architecture(rc_cnn.RCCNN, rc_cnn.DEFAULTS, "reverse-complement parameter sharing"),
    "deepbind": Architecture(deepbind.DeepBind, deepbind.DEFAULTS, "Alipanahi et al. 2015 (DeepBind-style)"),
    "cnn": Architecture(baselines.CNNModel, baselines.CNN_DEFAULTS, "DNA-modelling tutorial CNN"),
    "linear": Architecture(baselines.LinearModel, baselines.LINEAR_DEFAULTS, "DNA-modelling tutorial linear"),
}


class ModelConfigError(ValueError):
    """An architecture name or hyperparameter that cannot be used."""


def names() -> list[str]:
    """Registered architecture names."""
    return list(REGISTRY)


def get(name: str) -> Architecture:
    """The registered architecture, or an error listing the valid names."""
    if name not in REGISTRY:
        raise ModelConfigError(f"unknown architecture '{name}'; valid: {', '.join(REGISTRY)}")
    return REGISTRY[name]


def hparam_defaults(name: str) -> dict[str, Any]:
    """The architecture's hyperparameters and their default values."""
    sig = inspect.signature(get(name).factory)
    return {k: p.default for k, p in sig.parameters.items() if k not in ("n_tasks", "seq_len")}


def check_hparams(name: str, hparams: dict) -> None:
    """Reject unknown hyperparameters and values of the wrong type."""
    known = hparam_defaults(name)
    for key, value in hparams.items():
        if key not in known:
            raise ModelConfigError(
                f"architecture '{name}' has no hyperparameter '{key}'; known: {', '.join(known) or 'none'}"
            )
        default = known[key]
        ok = isinstance(value, type(default))
        if isinstance(default, float):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        elif isinstance(default, (tuple, list)):
            ok = isinstance(value, (tuple, list)) and all(isinstance(v, type(default[0])) for v in value)
        elif isinstance(default, int) and isinstance(value, bool):
            ok = False
        if not ok:
            raise ModelConfigError(
                f"hyperparameter '{key}' of '{name}' must be {type(default).__name__} like {default!r}, got {value!r}"
            )


def build(name: str, n_tasks: int, seq_len: int, **hparams: Any) -> nn.Module:
    """Build architecture ``name`` for ``n_tasks`` outputs and ``seq_len``-bp inputs.

    Raises
    ------
    ModelConfigError
        Unknown name, unknown or mistyped hyperparameter, or a window too short.
    """
    arch = get(name)
    check_hparams(name, hparams)
    hp = {k: tuple(v) if isinstance(v, list) else v for k, v in hparams.items()}
    try:
        return arch.factory(n_tasks, seq_len, **hp)
    except ValueError as err:
        raise ModelConfigError(str(err)) from None
