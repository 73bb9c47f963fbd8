"""What every result records: config hash, package versions, input checksums."""

from __future__ import annotations

import hashlib
import json
import os
import platform
from importlib import metadata
from pathlib import Path

from chromcnn.data.download import temp_path

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
    from chromcnn.data.download import md5sum

    return {
        "config_hash": config_hash_value,
        "packages": package_versions(PACKAGES + extra_packages),
        "inputs": {name: {"path": str(path), "md5": md5sum(path)} for name, path in inputs.items()},
    }


def write_json(obj: dict, path: str | Path) -> None:
    """Write JSON atomically (temporary name, then rename)."""
    path = Path(path)
    tmp = temp_path(path)
    tmp.write_text(json.dumps(obj, indent=2, sort_keys=False, default=str) + "\n")
    os.replace(tmp, path)


def write_tsv_atomic(frame, path: str | Path) -> None:
    """A pandas DataFrame as TSV (NaN as 'NA'), written to a temporary name and renamed."""
    tmp = temp_path(Path(path))
    frame.to_csv(tmp, sep="\t", index=False, na_rep="NA", float_format="%.6g")
    os.replace(tmp, path)
