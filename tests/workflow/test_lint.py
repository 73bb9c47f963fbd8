"""Style and workflow hygiene: ruff, snakefmt, snakemake --lint, logs and pinned envs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

BIN = Path(sys.executable).parent


def run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    "cmd",
    [
        ("ruff", "check", "."),
        ("ruff", "format", "--check", "."),
        ("snakefmt", "--check", "Snakefile", "workflow/rules"),
    ],
)
def test_linters_are_clean(cmd):
    proc = run(str(BIN / cmd[0]), *cmd[1:])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_snakemake_lint_is_clean():
    proc = run(str(BIN / "snakemake"), "--lint")
    assert proc.returncode == 0 and "Lints for" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr


def rules() -> dict[str, str]:
    out = {}
    for smk in sorted((ROOT / "workflow" / "rules").glob("*.smk")):
        text = smk.read_text()
        for match in re.finditer(r"^rule (\w+):\n((?:    .*\n|\n)*)", text, re.MULTILINE):
            out[match[1]] = match[2]
    return out


def test_every_rule_has_log_and_a_pinned_conda_env():
    found = rules()
    assert {"download_genome", "download_peaks", "build_windows", "encode_split"} <= set(found)
    for name, body in found.items():
        assert "    log:" in body, f"rule {name} has no log"
        env = re.search(r'conda:\n\s+"([^"]+)"', body)
        assert env, f"rule {name} names no conda env"
        path = (ROOT / "workflow" / "rules" / env[1]).resolve()
        spec = yaml.safe_load(path.read_text())
        assert spec["channels"] == ["conda-forge", "bioconda", "nodefaults"], path
        for dep in spec["dependencies"]:
            if isinstance(dep, dict):  # a pip: section for packages only on PyPI
                assert list(dep) == ["pip"] and all(re.match(r"^[\w.-]+==\S+$", d) for d in dep["pip"]), path
                continue
            assert isinstance(dep, str) and re.match(r"^[\w.-]+ =\S+$", dep), f"{path}: unpinned {dep}"


# Every deliberate difference between the conda env files (workflow/envs/) and the tested
# lock (requirements.txt + constraints.txt); the README's "Conda environments" names them.
CONDA_NAMES = {  # conda-forge's name -> the PyPI name in the lock (same project, same version)
    "pytorch": "torch",
    "matplotlib-base": "matplotlib",  # matplotlib without the Qt/Tk GUI back-ends
}
NOT_IN_LOCK = {  # pinned in an env file, absent from the pip lock
    "python": "the lock is tested on Python 3.11 (pyproject requires-python); envs pin the minor version",
    "bedtools": "a binary, not a Python package: tests use the system's (apt) bedtools",
    "pip": "the installer of an env's pip: section",
}


def env_pins(path) -> dict[str, str]:
    """Package (lower case, '-' for '_') -> pinned version of a conda env file, pip: section included."""
    pins = {}
    for dep in yaml.safe_load(path.read_text())["dependencies"]:
        for item in dep["pip"] if isinstance(dep, dict) else [dep]:
            name, version = re.split(r"\s*==?\s*", item.replace(" =", "=="), maxsplit=1)
            pins[name.lower().replace("_", "-")] = version
    return pins


def pip_lock() -> dict[str, str]:
    """Package -> version of the tested environment: requirements.txt and constraints.txt."""
    lock = {}
    for name in ("requirements.txt", "constraints.txt"):
        for line in (ROOT / name).read_text().splitlines():
            if "==" in line and not line.lstrip().startswith("#"):
                package, version = line.split("#")[0].split("==")
                key = package.strip().lower().replace("_", "-")
                assert lock.setdefault(key, version.strip()) == version.strip(), f"{name}: {key} pinned twice"
    return lock


def test_env_files_are_used_and_pin_the_tested_lock():
    used = {re.search(r'conda:\n\s+"\.\./envs/([^"]+)"', body)[1] for body in rules().values()}
    envs = {p.name for p in (ROOT / "workflow" / "envs").glob("*.yaml")}
    assert used == envs  # no env file is unused, no rule names a missing one
    lock, wrong = pip_lock(), []
    for env in sorted(envs):
        for name, version in env_pins(ROOT / "workflow" / "envs" / env).items():
            if name in NOT_IN_LOCK:
                continue
            pip_name = CONDA_NAMES.get(name, name)
            if lock.get(pip_name) != version:
                wrong.append(f"{env}: {name} ={version}, tested {pip_name}=={lock.get(pip_name, '(not in the lock)')}")
    assert not wrong, "env pins that differ from the tested lock (fix them or list them above):\n" + "\n".join(wrong)
    pins = {n: v for env in envs for n, v in env_pins(ROOT / "workflow" / "envs" / env).items()}
    assert pins["python"] == "{}.{}".format(*sys.version_info[:2]) and not set(NOT_IN_LOCK) & set(lock)
    torch_env = (ROOT / "workflow" / "envs" / "torch.yaml").read_text()
    assert "CONDA_OVERRIDE_CUDA" in torch_env


def test_slurm_profile_follows_the_plugin_rules():
    profile = yaml.safe_load((ROOT / "slurm" / "config.yaml").read_text())
    assert profile["executor"] == "slurm" and profile["retries"] >= 1 and profile["latency-wait"] >= 30
    assert profile["set-resources"]["train"]["gpu"] == 1
    for where in [profile.get("default-resources", {}), *profile.get("set-resources", {}).values()]:
        extra = str(where.get("slurm_extra", ""))
        assert not re.search(r"--(gres|gpus|qos|mem|partition|time|account)\b|(^|\s)-[ptA]\s", extra), extra
        runtime = where.get("runtime")
        assert runtime is None or isinstance(runtime, int) or re.match(r"^\d+[hm]$", str(runtime))
    text = (ROOT / "slurm" / "config.yaml").read_text()
    for key in profile:  # every key is explained where it is set
        line = next(line for line in text.splitlines() if line.startswith(f"{key}:"))
        assert "#" in line or key in ("default-resources", "set-resources"), key


def test_scripts_never_read_snakemake_config():
    for script in (ROOT / "workflow" / "scripts").glob("*.py"):
        assert "snakemake.config" not in script.read_text() and "smk.config" not in script.read_text(), script
