"""From config.yaml to one TrainSettings per model id ``{name}-s{seed}``.

A model name is one of three kinds: a listed architecture (``train.architectures``,
the short form: the name is the architecture), a named variant
(``train.models.<name>``: ``arch`` plus any key of ``train.overrides``), or a seqgra
definition (``train.seqgra.<name>``). Names are unique across the three.

Precedence: the ``train`` section's global keys, then the architecture's
published defaults (or the seqgra XML's optimizer and training process), then
``train.overrides[name]`` for a listed architecture or the variant's own keys
(``train.overrides.<arch>`` does not apply to a variant of ``arch``). Everything
is checked when the workflow is parsed: colliding names, unknown architectures,
unknown or mistyped hyperparameters, windows too short for an architecture's
pooling, and seqgra files that do not match the data.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import torch

from chromcnn import models
from chromcnn.config.settings import MONITORS, PROFILE_MONITORS, TrainSettings, check_monitor
from chromcnn.config.sources import ConfigSources
from chromcnn.config.targets import profile_hparams
from chromcnn.errors import InputError
from chromcnn.models import seqgra
from chromcnn.models.losses import n_outputs

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


def model_names(config: dict) -> list[str]:
    """Every model name: listed architectures, then named variants, then seqgra models."""
    train = config["train"]
    return list(train["architectures"]) + list(train.get("models", {})) + list(train["seqgra"])


def model_ids(config: dict) -> list[str]:
    """``{name}-s{seed}`` for every model name (:func:`model_names`) and every seed."""
    return [f"{name}-s{seed}" for name in model_names(config) for seed in config["train"]["seeds"]]


def variant(config: dict, name: str) -> tuple[str, dict]:
    """``(architecture, overrides)`` of a registry model name (a listed architecture or a variant).

    A variant's overrides are its ``train.models`` entry without ``arch``; a listed
    architecture's are ``train.overrides[name]``.
    """
    train = config["train"]
    if name in train.get("models", {}):
        entry = dict(train["models"][name])
        return entry.pop("arch"), entry
    return name, dict(train["overrides"].get(name, {}))


def arch_of(config: dict, model_id: str) -> str:
    """The architecture of a model id (a seqgra model's is its own name)."""
    name, _ = split_id(model_id)
    return variant(config, name)[0]


def check_names(config: dict, source: str | ConfigSources = "config.yaml", lines: dict | None = None) -> None:
    """Model names are unique (case-insensitively: they become folder names), and variants are well formed.

    Raises
    ------
    InputError
        Naming ``source`` and the line of the colliding or malformed key.
    """
    lines = lines or {}
    train = config["train"]
    keys = [("train", "architectures", str(i)) for i in range(len(train["architectures"]))]
    keys += [("train", "models", n) for n in train.get("models", {})]
    keys += [("train", "seqgra", n) for n in train["seqgra"]]
    seen: dict[str, tuple[str, ...]] = {}
    for key, name in zip(keys, model_names(config)):
        first = seen.setdefault(name.lower(), key)
        if first != key:
            raise InputError(
                f"model name '{name}' in {'.'.join(key[:2])} collides with {_where(first)} "
                "(model ids are name-sSEED and name folders, so names must differ, ignoring case)",
                "rename the variant (train.models) or the seqgra model, or list the architecture once",
                **_at(source, lines, key),
            )
    for name, entry in train.get("models", {}).items():
        _check_variant(name, entry, source, lines)
    for name in train["overrides"]:
        if name in train.get("models", {}):
            raise InputError(
                f"train.overrides.{name}: '{name}' is a variant (train.models.{name}), "
                "which train.overrides does not reach",
                f"move these settings into train.models.{name}",
                **_at(source, lines, ("train", "overrides", name)),
            )


def _where(key: tuple[str, ...]) -> str:
    """``train.architectures`` entry 'basset' / ``train.models.basset_exp`` for a name's key."""
    return f"{'.'.join(key[:2])}[{key[2]}]" if key[1] == "architectures" else ".".join(key)


def _check_variant(name: str, entry: dict, source: str | ConfigSources, lines: dict) -> None:
    """A variant's ``arch`` is registered, and a variant named like an architecture is that architecture."""
    arch = entry["arch"]
    if arch not in models.REGISTRY:
        raise InputError(
            f"train.models.{name}: unknown architecture '{arch}'",
            f"set arch to one of: {', '.join(models.names())} (seqgra models go under train.seqgra)",
            **_at(source, lines, ("train", "models", name, "arch")),
        )
    if name in models.REGISTRY and name != arch:
        raise InputError(
            f"train.models.{name}: the variant is named after architecture '{name}' but is a '{arch}'",
            f"rename the variant (e.g. {arch}_{name})",
            **_at(source, lines, ("train", "models", name)),
        )


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
    arch, override = (name, {}) if name in train["seqgra"] else variant(config, name)
    if name in train["seqgra"]:
        defn = seqgra.parse(train["seqgra"][name])
        seqgra.check_against(defn, tasks, train["task_type"])
        base.update(seqgra.settings(defn))
    elif arch in models.REGISTRY:
        base.update(models.get(arch).defaults)
    else:
        raise InputError(
            f"unknown architecture '{name}'",
            f"use one of: {', '.join(models.names())}, or add it under train.seqgra",
            **_at(source, lines, ("train", "architectures")),
        )
    hparams = override.pop("hparams", {})
    base.update(override)
    mode = config.get("targets", {}).get("mode", "binary")
    if mode in ("signal", "profile"):
        base.update(quantitative(base, source, lines, mode))
    if mode == "profile":  # basenji's bin head (config.targets.check_profile allows only it)
        hparams = {**hparams, **profile_hparams(config)}
    settings = TrainSettings(arch=arch, hparams=hparams, seed=seed, **base)
    check_task_type(settings, source, lines, mode)
    if name not in train["seqgra"]:
        check_buildable(settings, name, config, tasks, source, lines)
    return settings


def quantitative(base: dict, source: str | ConfigSources, lines: dict, mode: str = "signal") -> dict:
    """``targets.mode: signal`` or ``profile``: the task type is regression, and the monitor one that exists for it.

    ``train.task_type`` left at ``multi-label`` (the default) becomes ``regression``;
    ``train.monitor`` left at its default (``valid_auprc``, not set in the user's file)
    becomes ``valid_pearson`` (signal) or ``valid_window_pearson`` (profile: the mean over
    windows of the correlation across bins). Profile mode also defaults the loss to
    Poisson (Basenji's) and turns ``rc_augment`` off (a flipped sequence would need its
    bins flipped too).

    Raises
    ------
    InputError
        ``multi-class`` (0/1 classes) or a binary-only monitor chosen in the user's file,
        naming the key and its line.
    """
    if base["task_type"] == "multi-class":
        raise InputError(
            f"train.task_type 'multi-class' needs 0/1 labels, but targets.mode '{mode}' writes coverage",
            f"use task_type: regression (or leave the default) with targets.mode: {mode}",
            **_at(source, lines, ("train", "task_type")),
        )
    out = {"task_type": "regression"}
    at = _at(source, lines, ("train", "monitor"))
    allowed = [m for m in MONITORS["regression"] if mode == "profile" or m not in PROFILE_MONITORS]
    if base["monitor"] == "valid_auprc" and not _set_by_user(source, lines, ("train", "monitor")):
        out["monitor"] = "valid_window_pearson" if mode == "profile" else "valid_pearson"
    elif base["monitor"] not in allowed:
        kind = "a profile-only" if base["monitor"] in PROFILE_MONITORS else "a binary-label"
        raise InputError(
            f"train.monitor '{base['monitor']}' is {kind} metric, but targets.mode is '{mode}'",
            f"set train.monitor to one of: {', '.join(allowed)}",
            **at,
        )
    if mode == "profile":
        out["rc_augment"] = False
        if not base.get("loss"):
            out["loss"] = "poisson"
    return out


def _set_by_user(source: str | ConfigSources, lines: dict, key: tuple[str, ...]) -> bool:
    """Whether a config file (or ``--config``) sets ``key`` itself, not the schema's default."""
    if isinstance(source, ConfigSources):
        on_cli = any(key[:n] in source.cli_keys for n in range(1, len(key) + 1))
        return on_cli or any(key in source.lines.get(f, {}) for f in source.files)
    return key in lines


def check_task_type(settings: TrainSettings, source: str | ConfigSources, lines: dict, mode: str = "binary") -> None:
    """The data stage writes 0/1 labels in binary mode: reject regression on them, and a monitor the task type lacks.

    Raises
    ------
    InputError
        Naming ``source`` and the line of ``train.task_type`` or ``train.monitor``.
    """
    if settings.task_type == "regression" and mode == "binary":
        raise InputError(
            "train.task_type 'regression' needs quantitative targets, but the data stage writes 0/1 labels "
            "(a regression loss on them would be reported as if it were a classifier)",
            "use task_type: multi-label (0/1 labels per cell type), or targets.mode: signal with a "
            "coverage bigWig per cell type (cell_types.<name>.signal)",
            **_at(source, lines, ("train", "task_type")),
        )
    at = _at(source, lines, ("train", "monitor"))
    check_monitor(settings.task_type, settings.monitor, at["path"], at["line"])


def check_buildable(
    settings: TrainSettings, name: str, config: dict, tasks: list[str], source: str | ConfigSources, lines: dict
) -> None:
    """Build model ``name`` (a registry architecture or variant) on the meta device: catches bad
    hyperparameters and short windows cheaply."""
    try:
        with torch.device("meta"):
            models.build(settings.arch, n_outputs(settings.task_type, len(tasks)), config["window"], **settings.hparams)
    except models.ModelConfigError as err:
        is_variant = name in config["train"].get("models", {})
        section = ("train", "models" if is_variant else "overrides", name)
        key = (*section, "hparams") if settings.hparams else ("window",)
        raise InputError(str(err).split(". Fix:")[0], _fix(str(err)), **_at(source, lines, key)) from None


def _fix(message: str) -> str:
    if ". Fix: " in message:
        return message.split(". Fix: ", 1)[1]
    return "correct train.overrides.<architecture>.hparams (see the architecture's signature in chromcnn.models)"


def check_multi_class_labels(qc_path: str | Path, data_hash: str, source: str, line: int | None = None) -> None:
    """Multi-class needs at most one positive cell type per window: check the current data's qc.json.

    The data stage counts, per pair of cell types, the windows positive for both
    (``label_cooccurrence``). When ``qc_path`` exists and was written for this data
    config (its ``config_hash`` is ``data_hash``), any such window stops the run before
    any job; otherwise (no data yet, or data to be rebuilt) training checks its splits
    before the first epoch (:func:`chromcnn.training.objective.check_targets`).

    Raises
    ------
    InputError
        Naming ``source`` and the ``train.task_type`` line, a pair of cell types and its count.
    """
    path = Path(qc_path)
    if not path.is_file():
        return
    qc = json.loads(path.read_text())
    if qc.get("provenance", {}).get("config_hash") != data_hash or "label_cooccurrence" not in qc:
        return
    tasks, counts = qc["label_cooccurrence"]["tasks"], qc["label_cooccurrence"]["counts"]
    pairs = [(counts[i][j], tasks[i], tasks[j]) for i in range(len(tasks)) for j in range(i + 1, len(tasks))]
    shared = max(pairs, default=(0, "", ""))
    if shared[0] > 0:
        raise InputError(
            f"train.task_type is multi-class, but {qc_path} counts windows positive for more than one cell type "
            f"({shared[0]} for {shared[1]} and {shared[2]}); a multi-class window belongs to one cell type "
            "or to 'background'",
            "use task_type: multi-label for cell types that share sites (the demo's do), or give cell types "
            "whose peaks do not overlap",
            path=source,
            line=line,
        )
