"""Run the real Snakemake workflow in a scratch directory."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import ROOT

SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))


def job_counts(stdout: str) -> dict[str, int]:
    """Rule -> number of jobs, from the "Job stats" table of a Snakemake (dry-)run's output."""
    table = stdout.split("Job stats:", 1)[1].split("\n\n", 1)[0]
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, flags=re.M)}


def demo_models() -> dict:
    """The shipped config.yaml's named variants (``train.models``: basset_relu, basset_exp)."""
    return yaml.safe_load((ROOT / "config.yaml").read_text())["train"]["models"]


def demo_config(**overrides) -> dict:
    """The shipped config.yaml with demo paths made absolute, without its named variants
    (``train.models``: tests name the models they train; :func:`demo_models` has them), without
    its ``train.overrides`` (an override of an architecture a test does not train is an error) and without
    attribution (``interpret.attribution.models: []``: minutes of CPU per model), then updated."""
    cfg = yaml.safe_load((ROOT / "config.yaml").read_text())
    cfg["train"]["models"] = {}
    cfg["train"]["overrides"] = {}
    cfg["interpret"]["attribution"]["models"] = []
    demo = str(ROOT / "resources" / "demo")
    cfg["genome"]["fasta"] = cfg["genome"]["fasta"].replace("resources/demo", demo)
    cfg["genome"]["blacklist"] = cfg["genome"]["blacklist"].replace("resources/demo", demo)
    cfg["cell_types"] = {k: v.replace("resources/demo", demo) for k, v in cfg["cell_types"].items()}
    if cfg.get("motifs", {}).get("planted"):
        cfg["motifs"]["planted"] = cfg["motifs"]["planted"].replace("resources/demo", demo)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(cfg.get(key), dict):
            cfg[key].update(value)
        else:
            cfg[key] = value
    return cfg


def run_workflow(
    workdir: Path, config: dict | str, *targets: str, extra: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    """Run snakemake on ``config`` (a dict, or raw YAML text) in ``workdir``."""
    workdir.mkdir(parents=True, exist_ok=True)
    cfg_path = workdir / "config.yaml"
    cfg_path.write_text(config if isinstance(config, str) else yaml.safe_dump(config, sort_keys=False))
    cmd = snakemake_command(workdir, cfg_path, *extra, *targets)
    return subprocess.run(cmd, capture_output=True, text=True, env=run_env(), timeout=1800)


def snakemake_command(workdir: Path, cfg_path: Path, *args: str, project: Path = ROOT) -> list[str]:
    """snakemake on ``project``'s Snakefile in ``workdir`` with ``cfg_path``, 2 cores, then ``args``."""
    return [
        SNAKEMAKE,
        "-s",
        str(project / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(cfg_path),
        "--cores",
        "2",
        "--nocolor",
        *args,
    ]


def run_env() -> dict:
    """The environment with this interpreter's bin directory first on PATH."""
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def copy_project(dest: Path) -> Path:
    """A copy of the workflow (Snakefile and workflow/) at ``dest``, to edit its schema or models."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "Snakefile", dest / "Snakefile")
    shutil.copytree(ROOT / "workflow", dest / "workflow", ignore=shutil.ignore_patterns("__pycache__"))
    return dest
