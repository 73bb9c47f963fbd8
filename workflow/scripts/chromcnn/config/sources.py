"""Where a config value came from: the one map from a key to the file and line that set it.

A run's config is built from config files (``config.yaml`` by default, or the
files given with ``--configfile``, later files winning) and ``--config
key=value`` on the command line, which wins over every file. Every message
about a config value names the source that set it: :class:`ConfigSources`
answers "which file and line" (or "the command line") for a key path, so a
mistake in one file is never blamed on another and a bad ``--config`` value
is never blamed on a valid line of a file.

YAML files are read here too (:func:`load_yaml`), strictly: syntax errors,
tab indentation, duplicate keys and an empty file are one
:class:`~chromcnn.errors.InputError` line with the file and line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from chromcnn.errors import InputError

Key = tuple[str, ...]


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


def _yaml_error(err: yaml.YAMLError, path: str | Path, text: str) -> InputError:
    """One line for a YAML syntax error: the line, and tabs named as such."""
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    problem = str(getattr(err, "problem", None) or err).split("\n")[0]
    context = str(getattr(err, "context", None) or "")
    if any(word in context for word in ("simple key", "flow", "quoted")):
        # a key without ':', an unclosed bracket or quote: the line where it began
        mark = getattr(err, "context_mark", None) or mark
    line = None if mark is None else mark.line + 1
    rows = text.splitlines()
    tabbed = [i + 1 for i, row in enumerate(rows) if row[: len(row) - len(row.lstrip())].count("\t")]
    if "\t" in problem or "'\\t'" in problem or (tabbed and line in tabbed):
        return InputError(
            "a tab indents this line; YAML indentation must be spaces",
            "replace the tab(s) with spaces (the file's other lines use spaces)",
            path=path,
            line=line if line in tabbed or not tabbed else tabbed[0],
        )
    return InputError(
        f"not valid YAML ({problem})",
        "correct the YAML syntax at that line (a missing ':' or space after it, an unclosed quote or bracket, "
        "an indentation that does not line up with the lines above)",
        path=path,
        line=line,
    )


def load_yaml(path: str | Path) -> dict:
    """Read a YAML config file strictly.

    Raises
    ------
    InputError
        Syntax error or tab indentation (with the line), duplicate key (with both
        lines), an empty file, or a top level that is not ``key: value`` pairs.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(
            f"config file is not UTF-8 text ({err.reason} at byte {err.start})",
            "save it as UTF-8 (a YAML config is plain text)",
            path=path,
        ) from None
    loader = _LineLoader(text)
    loader.name = str(path)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as err:
        raise _yaml_error(err, path, text) from None
    finally:
        loader.dispose()
    if data is None:
        raise InputError(
            "config file is empty",
            "copy config.yaml (the demo's, every key commented) and edit it; at least genome and cell_types are needed",
            path=path,
        )
    if not isinstance(data, dict):
        raise InputError(
            f"config file's top level is a {type(data).__name__}, not 'key: value' lines",
            "write one 'key: value' per line at the top level, as in config.yaml",
            path=path,
            line=1,
        )
    return data


def key_lines(path: str | Path) -> dict[Key, int]:
    """Map every key path in a YAML file to its 1-based line number.

    Returns
    -------
    dict of tuple of str to int
        ``("merge", "mode") -> 12`` and so on; list items use their index.
    """
    lines: dict[Key, int] = {}

    def walk(node: yaml.Node, prefix: Key) -> None:
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

    root = yaml.compose(Path(path).read_text(encoding="utf-8-sig"), Loader=yaml.SafeLoader)
    if root is not None:
        walk(root, ())
    return lines


def _flatten(value: Any, prefix: Key = ()) -> set[Key]:
    keys = {prefix} if prefix else set()
    if isinstance(value, dict):
        for k, v in value.items():
            keys |= _flatten(v, prefix + (str(k),))
    return keys


@dataclass
class ConfigSources:
    """The config files (in load order) and ``--config`` values a run's config came from.

    Parameters
    ----------
    files : list of str
        Config files as the user named them; a later file wins over an earlier one.
    cli : dict
        The ``--config key=value`` values (they win over every file).
    """

    files: list[str]
    cli: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.files = [str(f) for f in self.files]
        self.lines = {f: key_lines(f) if Path(f).is_file() else {} for f in self.files}
        self.cli_keys = _flatten(self.cli)

    @property
    def main(self) -> str:
        """The file named when no key is involved (the last one given)."""
        return self.files[-1] if self.files else "config.yaml"

    def at(self, key: Key | list | tuple = ()) -> dict:
        """``{"path": ..., "line": ...}`` of the source that set ``key`` (a key path).

        The command line when ``--config`` set the key or one above it; else the
        file whose keys match the longest part of ``key`` (the last such file,
        which won the merge), at that key's line.
        """
        key = tuple(str(k) for k in key)
        for n in range(len(key), 0, -1):
            if key[:n] in self.cli_keys:
                top = key[0]
                return {"path": f"command line (--config {top}={self.cli[top]})", "line": None}
        best, best_n = self.main, -1
        for f in self.files:
            n = next((n for n in range(len(key), 0, -1) if key[:n] in self.lines[f]), 0)
            if n >= best_n:
                best, best_n = f, n
        lines = self.lines.get(best, {})
        n = max(best_n, 0)
        return {"path": best, "line": lines.get(key[:n]) if n else None}

    def line(self, key: Key) -> int | None:
        """The line of ``key`` in the file that set it (None on the command line)."""
        return self.at(key)["line"]


def as_sources(source: str | Path | ConfigSources) -> ConfigSources:
    """A file name (the single config file) or ConfigSources, as ConfigSources."""
    return source if isinstance(source, ConfigSources) else ConfigSources([str(source)])


def user_path(path: str | Path) -> str:
    """A config file as the user would write it: relative to the current directory when inside it."""
    text = os.path.relpath(path)
    return str(path) if text.startswith("..") else text


def configfiles_in(argv: list[str]) -> list[str]:
    """The files after ``--configfile``/``--configfiles`` in a snakemake command line.

    As Snakemake's own parser reads them (``nargs="+"``: every word up to the next
    option), also in the ``--configfile=FILE`` form.
    """
    files: list[str] = []
    taking = False
    for word in argv:
        name, eq, value = word.partition("=")
        if name in ("--configfile", "--configfiles"):
            taking = not eq
            files += [value] if eq else []
        elif word.startswith("-") and word != "-":
            taking = False
        elif taking:
            files.append(word)
    return files


def check_configfiles(argv: list[str]) -> str | None:
    """The one-line message for the first unreadable file given with ``--configfile``, or None.

    Snakemake loads these files before it reads the Snakefile, and answers a YAML
    mistake with a message naming no file or line; the workflow profile
    (``profiles/default/config.yaml``) calls this first, so the user sees ours.
    """
    for name in configfiles_in(argv):
        try:
            if not Path(name).is_file():
                raise InputError(
                    "config file not found",
                    "check the path given with --configfile (relative to the directory you run snakemake in)",
                    path=name,
                )
            load_yaml(name)
        except InputError as err:
            return f"chromcnn error: {err.one_line()}"
    return None
