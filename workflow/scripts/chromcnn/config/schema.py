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
from typing import Any

import jsonschema
import yaml

from chromcnn.config.regions import Region, parse_region
from chromcnn.errors import InputError

NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")
URL_RE = re.compile(r"^(https?|ftp)://", re.IGNORECASE)


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate mapping keys."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise InputError(
                f"duplicate key '{key}' (first defined on line {seen[key]})",
                "keep one definition of each key; cell-type names must be unique",
                path=loader.name,
                line=line,
            )
        seen[key] = line
    return yaml.SafeLoader.construct_mapping(loader, node)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def key_lines(path: str | Path) -> dict[tuple[str, ...], int]:
    """Map every key path in a YAML file to its 1-based line number.

    Parameters
    ----------
    path : str or Path
        YAML file.

    Returns
    -------
    dict of tuple of str to int
        ``("merge", "mode") -> 12`` and so on; list items use their index.
    """
    text = Path(path).read_text()
    lines: dict[tuple[str, ...], int] = {}

    def walk(node: yaml.Node, prefix: tuple[str, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = prefix + (str(k.value),)
                lines[key] = k.start_mark.line + 1
                walk(v, key)
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                key = prefix + (str(i),)
                lines[key] = v.start_mark.line + 1
                walk(v, key)

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is not None:
        walk(root, ())
    return lines


def load_yaml(path: str | Path) -> dict:
    """Read a YAML config file, rejecting duplicate keys with their line."""
    with open(path) as handle:
        loader = _LineLoader(handle)
        loader.name = str(path)
        try:
            data = loader.get_single_data() or {}
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            raise InputError(
                f"not valid YAML ({getattr(err, 'problem', err)})",
                "correct the YAML syntax at that line",
                path=path,
                line=None if mark is None else mark.line + 1,
            ) from None
        finally:
            loader.dispose()
    return data


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


def _locate(err_path: list, lines: dict[tuple[str, ...], int]) -> tuple[str, int | None]:
    keys = tuple(str(p) for p in err_path)
    while keys and keys not in lines:
        keys = keys[:-1]
    dotted = ".".join(str(p) for p in err_path) or "(top level)"
    return dotted, lines.get(keys)


def _schema_error(err: jsonschema.ValidationError, source: str, lines: dict, schema: dict) -> InputError:
    path = list(err.absolute_path)
    if err.validator == "additionalProperties":
        extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
        where = path + [extra[0]] if extra else path
        key, line = _locate(where, lines)
        known = ", ".join(sorted(err.schema.get("properties", {})))
        return InputError(
            f"unknown config key '{key}'",
            f"remove it or use one of: {known}",
            path=source,
            line=line,
        )
    if path == ["cell_types"] and err.validator == "pattern" and isinstance(err.instance, str):
        key, line = _locate(path + [err.instance], lines)
        return InputError(
            f"invalid cell-type name '{err.instance}'",
            "use only letters, digits, '_' and '-' (it becomes a column and task name)",
            path=source,
            line=line,
        )
    key, line = _locate(path, lines)
    return InputError(f"config key '{key}': {err.message}", _fix_for(err, key), path=source, line=line)


def _fix_for(err: jsonschema.ValidationError, key: str) -> str:
    """A concrete fix for a schema violation."""
    sub = err.schema
    desc = sub.get("description", "").rstrip(".")
    if err.validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        low = sub.get("minimum", sub.get("exclusiveMinimum", "-inf"))
        high = sub.get("maximum", sub.get("exclusiveMaximum", "inf"))
        return f"set {key} between {low} and {high} ({desc})"
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


def validate_config(config: dict, schema_path: str | Path, source: str | Path = "config.yaml") -> dict:
    """Validate ``config`` against the schema and fill in defaults.

    Parameters
    ----------
    config : dict
        Parsed configuration (modified in place: defaults are filled in).
    schema_path : str or Path
        The JSON schema in YAML form.
    source : str or Path
        The config file the values came from, for line numbers in errors.

    Returns
    -------
    dict
        The same ``config`` object, validated and completed.

    Raises
    ------
    InputError
        On the first problem found, naming ``source`` and the key's line.
    """
    schema = yaml.safe_load(Path(schema_path).read_text())
    lines = key_lines(source) if Path(source).is_file() else {}
    validator = _default_filler(jsonschema.Draft7Validator)(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.path))
    if errors:
        best = jsonschema.exceptions.best_match(errors)
        raise _schema_error(best, str(source), lines, schema)
    _check_semantics(config, str(source), lines)
    return config


def _check_semantics(config: dict, source: str, lines: dict) -> None:
    """Checks a JSON schema cannot express."""
    if not config["cell_types"]:
        raise InputError(
            "no cell types configured",
            "add at least one entry under cell_types: name -> peak file",
            path=source,
            line=lines.get(("cell_types",)),
        )
    regions: list[tuple[str, Region]] = []
    for split in ("valid", "test"):
        for i, text in enumerate(config["splits"][split]):
            line = lines.get(("splits", split, str(i)))
            try:
                regions.append((split, parse_region(text)))
            except ValueError as err:
                raise InputError(
                    f"splits.{split}: {err}",
                    "write a chromosome name (chr8) or a region chr:start-end with start < end",
                    path=source,
                    line=line,
                ) from None
    for i, (split_a, a) in enumerate(regions):
        for split_b, b in regions[i + 1 :]:
            if a.overlaps(b):
                raise InputError(
                    f"split regions overlap: {a} ({split_a}) and {b} ({split_b})",
                    "make valid and test regions disjoint",
                    path=source,
                    line=lines.get(("splits",)),
                )
    for _name, path, key in iter_inputs(config):
        if not URL_RE.match(path) and not Path(path).exists():
            raise InputError(
                f"{'.'.join(key)}: file '{path}' does not exist",
                "give an existing path (relative to the directory you run snakemake in) or an http(s)/ftp URL",
                path=source,
                line=lines.get(key),
            )


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
