"""``targets`` in config.yaml: which mode, and each cell type's coverage bigWig in signal and profile modes.

Binary mode (the default) reads nothing new. Signal and profile modes need
``cell_types.<name>.signal`` for every cell type (checked at parse time, naming the first
one without it). Signal mode needs a ``targets.center`` no longer than the window;
profile mode a window less ``2 x targets.crop`` that is a multiple of ``targets.bin``,
and only architectures that output bins (:data:`PROFILE_ARCHITECTURES`).
"""

from __future__ import annotations

from chromcnn.config.sources import ConfigSources
from chromcnn.errors import InputError

#: the modes whose ``y`` is coverage (a bigWig per cell type).
QUANTITATIVE = ("signal", "profile")
#: architectures whose output can be (N, T, bins) (``targets.mode: profile``).
PROFILE_ARCHITECTURES = ("basenji",)


def target_mode(config: dict) -> str:
    """``binary``, ``signal`` or ``profile`` (``binary`` when ``targets`` is absent)."""
    return (config.get("targets") or {}).get("mode", "binary")


def signal_source(config: dict, cell_type: str) -> tuple[str | None, str | None]:
    """``(url_or_path, md5)`` of a cell type's coverage bigWig; ``(None, None)`` when it has none."""
    value = config["cell_types"][cell_type]
    if isinstance(value, str):
        return None, None
    return value.get("signal"), value.get("signal_md5")


def check_targets(config: dict, sources: ConfigSources | None = None) -> None:
    """Signal and profile modes: every cell type has a bigWig; the centre fits in the window (signal),
    the bins tile the cropped window and every model outputs bins (profile).

    Raises
    ------
    InputError
        Naming the config file and the line of the offending key.
    """
    mode = target_mode(config)
    if mode not in QUANTITATIVE:
        return
    where = sources.at if sources is not None else (lambda key: {})
    for task in config["cell_types"]:
        if signal_source(config, task)[0] is None:
            raise InputError(
                f"targets.mode is '{mode}', but cell type '{task}' has no coverage bigWig",
                f"give it as cell_types.{task}: {{peaks: ..., signal: URL-or-path-of.bw}}, or use targets.mode: binary",
                **where(("cell_types", task)),
            )
    if mode == "profile":
        check_profile(config, where)
        return
    center, window = int(config["targets"].get("center", 200)), int(config["window"])
    if center > window:
        raise InputError(
            f"targets.center {center} is longer than the window ({window} bp)",
            f"set targets.center to at most {window}",
            **where(("targets", "center")),
        )


def profile_shape(config: dict) -> tuple[int, int]:
    """``(targets.bin, targets.crop)`` of a profile config (defaults 128 and 0)."""
    targets = config.get("targets") or {}
    return int(targets.get("bin", 128)), int(targets.get("crop", 0))


def profile_hparams(config: dict) -> dict:
    """basenji's bin-head hyperparameters of a profile config (``profile_bin``, ``profile_crop``)."""
    bin_bp, crop = profile_shape(config)
    return {"profile_bin": bin_bp, "profile_crop": crop}


def check_profile(config: dict, where) -> None:
    """Profile mode: ``window - 2 crop`` a positive multiple of ``bin``; every model a bin-output architecture.

    Raises
    ------
    InputError
        Naming ``targets.bin`` (or ``targets.crop``), or the architecture's key and line,
        with the list of architectures that can predict profiles.
    """
    bin_bp, crop = profile_shape(config)
    window = int(config["window"])
    inner = window - 2 * crop
    if inner <= 0 or inner % bin_bp or crop % bin_bp:
        key = ("targets", "crop") if inner <= 0 or crop % bin_bp else ("targets", "bin")
        raise InputError(
            f"targets.mode is 'profile', but the window ({window} bp) less 2 x targets.crop ({crop} bp) = "
            f"{inner} bp is not a positive multiple of targets.bin ({bin_bp} bp), or the crop is not whole bins",
            "choose window, targets.crop and targets.bin so that (window - 2 x crop) / bin and crop / bin "
            "are whole numbers",
            **where(key),
        )
    train = config["train"]
    named = [(n, n, ("train", "architectures")) for n in train["architectures"]]
    named += [(n, e.get("arch"), ("train", "models", n, "arch")) for n, e in (train.get("models") or {}).items()]
    named += [(n, "seqgra", ("train", "seqgra", n)) for n in train.get("seqgra") or {}]
    for name, arch, key in named:
        if arch not in PROFILE_ARCHITECTURES:
            raise InputError(
                f"targets.mode is 'profile' (coverage per {bin_bp} bp bin), but model '{name}' "
                f"({arch}) predicts one value per window",
                f"use only architectures that output bins: {', '.join(PROFILE_ARCHITECTURES)} "
                "(or targets.mode: signal for the others)",
                **where(key),
            )
