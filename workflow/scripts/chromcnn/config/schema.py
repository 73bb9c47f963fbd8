"""Validate config.yaml once, before any job runs.

The JSON schema (``workflow/schemas/config.schema.yaml``) gives types, enums and
defaults; this module adds what a schema cannot say (duplicate keys, region
syntax, overlapping held-out regions, missing local files) and turns every
failure into one :class:`~chromcnn.errors.InputError` line that names the config
file, the line of the offending key and the fix.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import jsonschema
import yaml

from chromcnn.config.regions import Region, parse_region
from chromcnn.config.sources import ConfigSources, as_sources, key_lines, load_yaml
from chromcnn.errors import InputError

__all__ = ["ConfigSources", "key_lines", "load_yaml", "validate_config"]

NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")
URL_RE = re.compile(r"^(https?|ftp)://", re.IGNORECASE)


def _default_filler(validator_class: type) -> type:
    """Extend a jsonschema validator so that it fills in ``default`` values."""
    validate_props = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, sub in properties.items():
                if "default" in sub and name not in instance:
                    instance[name] = copy.deepcopy(sub["default"])
        yield from validate_props(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


def _locate(err_path: list, sources: ConfigSources) -> tuple[str, dict]:
    """The dotted key and ``{"path", "line"}`` of the source that set it."""
    dotted = ".".join(str(p) for p in err_path) or "(top level)"
    return dotted, sources.at(tuple(err_path))


def _schema_error(err: jsonschema.ValidationError, sources: ConfigSources) -> InputError:
    path = list(err.absolute_path)
    if err.validator == "additionalProperties":
        extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
        where = path + [extra[0]] if extra else path
        key, at = _locate(where, sources)
        known = ", ".join(sorted(err.schema.get("properties", {})))
        return InputError(f"unknown config key '{key}'", f"remove it or use one of: {known}", **at)
    if path == ["cell_types"] and err.validator == "pattern" and isinstance(err.instance, str):
        key, at = _locate(path + [err.instance], sources)
        return InputError(
            f"invalid cell-type name '{err.instance}'",
            "use only letters, digits, '_' and '-' (it becomes a column and task name)",
            **at,
        )
    key, at = _locate(path, sources)
    return InputError(f"config key '{key}': {err.message}", _fix_for(err, key), **at)


def _bounds(sub: dict) -> str:
    """A numeric key's allowed range in words: 'between 1 and 9', 'to 1 or more', 'to more than 0'."""
    low, high = sub.get("minimum", sub.get("exclusiveMinimum")), sub.get("maximum", sub.get("exclusiveMaximum"))
    low_open, high_open = "minimum" not in sub, "maximum" not in sub
    if low is not None and high is not None:
        return f"between {low}{' (excluded)' * low_open} and {high}{' (excluded)' * high_open}"
    if low is not None:
        return f"to more than {low}" if low_open else f"to {low} or more"
    return f"to less than {high}" if high_open else f"to {high} or less"


def _fix_for(err: jsonschema.ValidationError, key: str) -> str:
    """A concrete fix for a schema violation."""
    sub = err.schema
    desc = sub.get("description", "").rstrip(".")
    if err.validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return f"set {key} {_bounds(sub)} ({desc})"
    if err.validator == "enum":
        return f"set {key} to one of: {', '.join(map(str, sub['enum']))}"
    if err.validator == "type":
        kinds = sub["type"] if isinstance(sub["type"], list) else [sub["type"]]
        return f"give {key} a value of type {' or '.join(kinds)} ({desc})"
    if err.validator == "pattern":
        return f"make {key} match the pattern {sub['pattern']}"
    if err.validator == "required" and isinstance(err.instance, dict):
        missing = [k for k in err.validator_value if k not in err.instance]
        return f"add {', '.join(f'{key}.{k}' for k in missing)} (see workflow/schemas/config.schema.yaml)"
    return f"see the description of {key} in workflow/schemas/config.schema.yaml ({desc})"


def validate_config(config: dict, schema_path: str | Path, source: str | Path | ConfigSources = "config.yaml") -> dict:
    """Validate ``config`` against the schema and fill in defaults.

    Parameters
    ----------
    config : dict
        Parsed configuration (modified in place: defaults are filled in).
    schema_path : str or Path
        The JSON schema in YAML form.
    source : str, Path or ConfigSources
        The config file the values came from (or every file and the ``--config``
        values), for the file and line named in errors.

    Returns
    -------
    dict
        The same ``config`` object, validated and completed.

    Raises
    ------
    InputError
        On the first problem found, naming the source that set the key, and its line.
    """
    schema = yaml.safe_load(Path(schema_path).read_text())
    sources = as_sources(source)
    validator = _default_filler(jsonschema.Draft7Validator)(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.path))
    if errors:
        best = jsonschema.exceptions.best_match(errors)
        raise _schema_error(best, sources)
    _check_semantics(config, sources)
    return config


def _check_semantics(config: dict, sources: ConfigSources) -> None:
    """Checks a JSON schema cannot express."""
    from chromcnn.config.references import check_references

    if not config["cell_types"]:
        raise InputError(
            "no cell types configured",
            "add at least one entry under cell_types: name -> peak file",
            **sources.at(("cell_types",)),
        )
    regions: list[tuple[str, Region]] = []
    for split in ("valid", "test"):
        for i, text in enumerate(config["splits"][split]):
            try:
                regions.append((split, parse_region(text)))
            except ValueError as err:
                raise InputError(
                    f"splits.{split}: {err}",
                    "write a chromosome name (chr8) or a region chr:start-end with start < end",
                    **sources.at(("splits", split, str(i))),
                ) from None
    for i, (split_a, a) in enumerate(regions):
        for split_b, b in regions[i + 1 :]:
            if a.overlaps(b):
                raise InputError(
                    f"split regions overlap: {a} ({split_a}) and {b} ({split_b})",
                    "make valid and test regions disjoint",
                    **sources.at(("splits",)),
                )
    for _name, path, key in iter_inputs(config):
        if not URL_RE.match(path) and not Path(path).exists():
            raise InputError(
                f"{'.'.join(key)}: file '{path}' does not exist",
                "give an existing path (relative to the directory you run snakemake in) or an http(s)/ftp URL",
                **sources.at(key),
            )
    check_references(config, sources)  # errors; its warnings are printed by common.smk


def iter_inputs(config: dict) -> list[tuple[str, str, tuple[str, ...]]]:
    """List every input the config names.

    Returns
    -------
    list of (name, url_or_path, key_path)
        ``name`` is ``"genome"``, ``"blacklist"`` or a cell-type name.
    """
    out = [("genome", config["genome"]["fasta"], ("genome", "fasta"))]
    if config["genome"].get("blacklist"):
        out.append(("blacklist", config["genome"]["blacklist"], ("genome", "blacklist")))
    for name, value in config["cell_types"].items():
        if isinstance(value, str):
            out.append((name, value, ("cell_types", name)))
        else:
            out.append((name, value["peaks"], ("cell_types", name, "peaks")))
            if value.get("signal"):  # a coverage bigWig (targets.mode: signal)
                out.append((f"{name} signal", value["signal"], ("cell_types", name, "signal")))
    return out


def peak_source(config: dict, cell_type: str) -> tuple[str, str | None]:
    """Return ``(url_or_path, md5_or_None)`` of a cell type's peak file."""
    value = config["cell_types"][cell_type]
    if isinstance(value, str):
        return value, None
    return value["peaks"], value.get("md5")


def merge_extend(config: dict) -> int:
    """The extension width used for merging (``merge.extend`` or the window)."""
    return int(config["merge"]["extend"] or config["window"])
