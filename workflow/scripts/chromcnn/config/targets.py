"""``targets`` in config.yaml: which mode, and each cell type's coverage bigWig in signal mode.

Binary mode (the default) reads nothing new. Signal mode needs ``cell_types.<name>.signal``
for every cell type (checked at parse time, naming the first one without it) and a
``targets.center`` no longer than the window.
"""

from __future__ import annotations

from chromcnn.config.sources import ConfigSources
from chromcnn.errors import InputError


def target_mode(config: dict) -> str:
    """``binary`` or ``signal`` (``binary`` when ``targets`` is absent)."""
    return (config.get("targets") or {}).get("mode", "binary")


def signal_source(config: dict, cell_type: str) -> tuple[str | None, str | None]:
    """``(url_or_path, md5)`` of a cell type's coverage bigWig; ``(None, None)`` when it has none."""
    value = config["cell_types"][cell_type]
    if isinstance(value, str):
        return None, None
    return value.get("signal"), value.get("signal_md5")


def check_targets(config: dict, sources: ConfigSources | None = None) -> None:
    """Signal mode: every cell type has a bigWig, and the centre fits in the window.

    Raises
    ------
    InputError
        Naming the config file and the line of the offending key.
    """
    if target_mode(config) != "signal":
        return
    where = sources.at if sources is not None else (lambda key: {})
    for task in config["cell_types"]:
        if signal_source(config, task)[0] is None:
            raise InputError(
                f"targets.mode is 'signal', but cell type '{task}' has no coverage bigWig",
                f"give it as cell_types.{task}: {{peaks: ..., signal: URL-or-path-of.bw}}, or use targets.mode: binary",
                **where(("cell_types", task)),
            )
    center, window = int(config["targets"].get("center", 200)), int(config["window"])
    if center > window:
        raise InputError(
            f"targets.center {center} is longer than the window ({window} bp)",
            f"set targets.center to at most {window}",
            **where(("targets", "center")),
        )
