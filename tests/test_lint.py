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
            assert isinstance(dep, str) and re.match(r"^[\w.-]+ =\S+$", dep), f"{path}: unpinned {dep}"


def test_scripts_never_read_snakemake_config():
    for script in (ROOT / "workflow" / "scripts").glob("*.py"):
        assert "snakemake.config" not in script.read_text() and "smk.config" not in script.read_text(), script
