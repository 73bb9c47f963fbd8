"""What every result records: config hash, package versions, input checksums."""

from __future__ import annotations

import hashlib
import json
import platform
from importlib import metadata

from chromcnn.io.atomic import md5sum

PACKAGES = ("snakemake", "numpy", "pandas", "h5py", "pyfaidx", "pybedtools", "jsonschema")


def config_hash(config: dict) -> str:
    """sha256 of the validated config as canonical JSON (sorted keys)."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """Installed versions of ``names`` plus Python's (missing ones as 'absent')."""
    out = {"python": platform.python_version()}
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


def record(config_hash_value: str, inputs: dict[str, str], extra_packages: tuple[str, ...] = ()) -> dict:
    """What a result records: config hash, package versions and the md5 of each input file."""

    return {
        "config_hash": config_hash_value,
        "packages": package_versions(PACKAGES + extra_packages),
        "inputs": {name: {"path": str(path), "md5": md5sum(path)} for name, path in inputs.items()},
    }
