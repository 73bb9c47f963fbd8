"""What every result records: config hash, code and package versions, input checksums, outside code.

The code version (:func:`code_version`, under ``packages["chromcnn"]``) is the
package version plus, when the library is tracked in a git checkout, its commit
and whether ``Snakefile`` or ``workflow/`` differ from it: ``0.1.0+git.<sha>``,
``0.1.0+git.<sha>.dirty``, or ``0.1.0`` outside a repository (or without git).
Outside code (:func:`outside_code`) is every file of the user's that a run
executes: today only a seqgra model's ``external`` module.
"""

from __future__ import annotations

import functools
import hashlib
import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import chromcnn
from chromcnn.io.atomic import md5sum

PACKAGES = ("snakemake", "numpy", "pandas", "h5py", "pyfaidx", "pybedtools", "jsonschema")


def config_hash(config: dict) -> str:
    """sha256 of the validated config as canonical JSON (sorted keys)."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _git(folder: Path, *args: str) -> str:
    """stdout of ``git -C folder args`` (raises OSError or CalledProcessError; local, no network)."""
    cmd = ["git", "-C", str(folder), *args]
    return subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=30).stdout


@functools.cache
def code_version() -> str:
    """The version of the code that runs: ``chromcnn.__version__`` plus git commit and dirtiness.

    Computed once per process. The commit is recorded only when the git checkout
    around the library tracks it (a library copied into another project's
    repository gets the package version); uncommitted changes, untracked files
    included, count under ``Snakefile`` and ``workflow/`` only (not the config
    or data a user keeps beside them).

    Returns
    -------
    str
        ``<version>+git.<40-hex commit>[.dirty]``, or ``<version>`` when there is
        no repository, no git or git fails.
    """
    package = Path(chromcnn.__file__).resolve().parent
    try:
        _git(package, "ls-files", "--error-unmatch", "__init__.py")
        commit, top = _git(package, "rev-parse", "HEAD", "--show-toplevel").splitlines()
        dirty = _git(Path(top), "status", "--porcelain", "--", "Snakefile", "workflow").strip()
    except (OSError, ValueError, subprocess.SubprocessError):
        return chromcnn.__version__
    return f"{chromcnn.__version__}+git.{commit}" + (".dirty" if dirty else "")


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """Installed versions of ``names`` plus Python's and the code's (missing ones as 'absent')."""
    out = {"python": platform.python_version(), "chromcnn": code_version()}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "absent"
    return out


def read_provenance(paths: list[str]) -> dict[str, dict]:
    """Load provenance JSON files written by the download rules, keyed by name."""
    out = {}
    for path in paths:
        with open(path) as handle:
            record = json.load(handle)
        out[record.get("name", path)] = record
    return out


def outside_code(seqgra: dict | None) -> list[dict[str, str]]:
    """The user's files a model's code comes from: its seqgra definition and the external module it runs.

    Parameters
    ----------
    seqgra : dict or None
        A model file's ``seqgra`` record (:func:`chromcnn.models.seqgra.embed`:
        ``definition``, ``definition_path``, ``module``, ``module_path``,
        ``module_md5``); None for a registry architecture.

    Returns
    -------
    list of dict
        ``{"role", "path", "md5"}`` per file, the md5 of the text the model file
        holds (the file's md5 for a file with LF line ends); empty for a registry
        architecture (no outside code).
    """
    if not seqgra:
        return []
    return [
        {
            "role": "seqgra definition",
            "path": seqgra["definition_path"],
            "md5": hashlib.md5(seqgra["definition"].encode()).hexdigest(),
        },
        {"role": "external module (executed)", "path": seqgra["module_path"], "md5": seqgra["module_md5"]},
    ]


def record(
    config_hash_value: str,
    inputs: dict[str, str],
    extra_packages: tuple[str, ...] = (),
    outside: list[dict[str, str]] | None = None,
) -> dict:
    """What a result records: config hash, code and package versions, the md5 of each input file.

    ``outside`` (:func:`outside_code` of the model a result comes from) is
    recorded as ``outside_code`` when given: an empty list says "none".
    """
    out = {
        "config_hash": config_hash_value,
        "packages": package_versions(PACKAGES + extra_packages),
        "inputs": {name: {"path": str(path), "md5": md5sum(path)} for name, path in inputs.items()},
    }
    if outside is not None:
        out["outside_code"] = outside
    return out
