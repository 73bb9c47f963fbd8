"""A file given with --configfile stands alone: nothing is merged in from config.yaml.

The documented commands are run as a user types them (dry runs from the repository
root); Snakemake alone would merge the example's dictionaries into config.yaml's,
so the demo's five cell types would be downloaded beside the example's four.
"""

from __future__ import annotations

import os
import re
import subprocess
import time

import pytest
import yaml
from conftest import ROOT, needs_realdata
from workflow_helpers import SNAKEMAKE, job_counts, run_env

pytestmark = pytest.mark.slow  # Snakemake dry runs: a minute or more (slow tier)


def dry_run(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    cmd = [SNAKEMAKE, "-n", "--cores", "1", "--nocolor", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=run_env(), timeout=600)


def peak_sources(stdout: str) -> set[str]:
    return set(re.findall(r"resources/peaks/(\w+)\.bed\.gz", stdout))


def test_encode_example_stands_alone():
    proc = dry_run("--configfile", "config/examples/encode_hg38_dnase.yaml")
    assert proc.returncode == 0, proc.stderr
    example = yaml.safe_load((ROOT / "config/examples/encode_hg38_dnase.yaml").read_text())
    assert peak_sources(proc.stdout) == set(example["cell_types"])  # not the demo's five
    assert job_counts(proc.stdout)["download_peaks"] == len(example["cell_types"])


@needs_realdata
def test_chr22_example_stands_alone_as_its_header_says():
    header = (ROOT / "config/examples/chr22_realdata.yaml").read_text().splitlines()[2]
    assert "--configfile config/examples/chr22_realdata.yaml" in header
    proc = dry_run("--configfile", "config/examples/chr22_realdata.yaml")
    assert proc.returncode == 0, proc.stderr
    assert peak_sources(proc.stdout) == {"DNase_GM12878", "DNase_HepG2", "ChIP_MAX_K562", "ChIP_MYC_K562"}


def test_config_overrides_still_apply_on_top_of_a_configfile():
    """--config key=value is applied to the given file: a bad value is reported, a good one used."""
    proc = dry_run("--configfile", "config/examples/encode_hg38_dnase.yaml", "--config", "window=0")
    assert proc.returncode != 0 and "window" in proc.stderr and "minimum of 1" in proc.stderr
    proc = dry_run("--config", "window=0")  # the default config.yaml, overridden
    assert proc.returncode != 0 and "minimum of 1" in proc.stderr
    # blamed on the command line, not on config.yaml's valid window line
    assert "chromcnn error: command line (--config window=0): config key 'window'" in proc.stderr


def test_an_error_names_the_file_given_with_configfile(tmp_path):
    cfg = (ROOT / "config/examples/encode_hg38_dnase.yaml").read_text() + "windw: 5\n"
    path = tmp_path / "mine.yaml"
    path.write_text(cfg)
    proc = dry_run("--configfile", str(path))
    assert proc.returncode != 0
    line = next(ln for ln in proc.stderr.splitlines() if "chromcnn error" in ln)
    assert "mine.yaml" in line and "windw" in line and "config.yaml" not in line.replace("mine.yaml", "")


@pytest.mark.parametrize("section", ["train", "motifs"])
def test_nothing_of_the_demo_leaks_into_another_configfile(tmp_path, section):
    """Sections the example leaves out get the schema's defaults, not the demo's settings."""
    cfg = yaml.safe_load((ROOT / "config/examples/encode_hg38_dnase.yaml").read_text())
    cfg.pop(section, None)
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(cfg))
    proc = dry_run("--configfile", str(path), "--printshellcmds")
    assert proc.returncode == 0, proc.stderr
    assert "planted_motifs.tsv" not in proc.stdout  # the demo's motifs.planted


EXAMPLE = ROOT / "config/examples/encode_hg38_dnase.yaml"
SYNTAX_FIX = (
    "Fix: correct the YAML syntax at that line (a missing ':' or space after it, an unclosed quote or bracket, "
    "an indentation that does not line up with the lines above)."
)


def broken_example(text: str) -> tuple[str, int]:
    """``text`` with the example's ``window:`` line broken as stated; the broken line's number."""
    lines = EXAMPLE.read_text().splitlines()
    number = next(i for i, t in enumerate(lines) if t.startswith("window:"))
    lines[number] = text
    return "\n".join(lines) + "\n", number + 1


@pytest.fixture
def user_file():
    """A file under config/examples/ (removed afterwards), named as a user types it."""
    rel = f"config/examples/mine-{os.getpid()}.yaml"
    yield rel
    (ROOT / rel).unlink(missing_ok=True)


@pytest.mark.parametrize(
    "case",
    ["tab", "missing colon", "unclosed bracket", "empty"],
)
def test_a_yaml_mistake_in_a_configfile_is_our_one_line(user_file, case):
    """Snakemake reads --configfile files before the Snakefile; profiles/default checks them first."""
    rows = EXAMPLE.read_text().splitlines()
    top = next(i for i, t in enumerate(rows) if t.startswith("splits:"))
    if case == "tab":
        text, line = "\n".join(rows[: top + 1] + ["\tvalid: [chr9]"] + rows[top + 1 :]) + "\n", top + 2
    elif case == "missing colon":
        text, line = broken_example("window 300")
    elif case == "unclosed bracket":
        text, line = broken_example("window: [300")
    else:
        text, line = "", None
    (ROOT / user_file).write_text(text)
    start = time.perf_counter()
    proc = dry_run("--configfile", user_file)
    seconds = time.perf_counter() - start
    assert proc.returncode == 1
    errors = [t for t in proc.stderr.splitlines() if "chromcnn error" in t]
    assert len(errors) == 1 and "WorkflowError" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    if case == "tab":
        assert errors[0] == (
            f"chromcnn error: {user_file}:{line}: a tab indents this line; YAML indentation must be spaces. "
            "Fix: replace the tab(s) with spaces (the file's other lines use spaces)."
        )
    elif case == "empty":
        assert errors[0].startswith(f"chromcnn error: {user_file}: config file is empty. Fix: copy config.yaml")
    else:
        assert errors[0].startswith(f"chromcnn error: {user_file}:{line}: not valid YAML (")
        assert errors[0].endswith(SYNTAX_FIX)
    # how soon the line comes is printed, not asserted (no timed tests: a loaded CI machine)
    print(f"{case}: {seconds:.1f} s until the error")


def test_a_missing_configfile_and_the_second_of_two_files_are_named(tmp_path):
    proc = dry_run("--configfile", "config/examples/nosuch.yaml")
    assert proc.returncode == 1
    assert "chromcnn error: config/examples/nosuch.yaml: config file not found. Fix: check the path" in proc.stderr
    second = tmp_path / "second.yaml"
    second.write_text("window: 300\nseed: [1\n")
    proc = dry_run(f"--configfile={EXAMPLE}", "--configfile", str(second))  # Snakemake takes the last option
    assert proc.returncode == 1
    assert f"chromcnn error: {second}:2: not valid YAML (" in proc.stderr
