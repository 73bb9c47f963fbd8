"""The demo's signal and profile examples, planned as a user runs them (dry runs): every
architecture trains in signal mode beside the oracle and the GC-only regression; profile mode
trains basenji, attributes its predicted coverage and has no oracle (its reference is the mean
profile, computed by compare_models). Both ran end to end (README, "Quantitative targets")."""

from __future__ import annotations

import subprocess

import pytest
import yaml
from conftest import ROOT, needs_bedtools
from workflow_helpers import SNAKEMAKE, job_counts, run_env

pytestmark = [pytest.mark.slow, needs_bedtools]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    """A working directory holding resources/demo with its coverage bigWigs (make_demo --signal)."""
    from make_demo import write_demo

    work = tmp_path_factory.mktemp("quant")
    write_demo(work / "resources" / "demo", signal=True)
    return work


def plan(work, example: str) -> dict[str, int]:
    cmd = [SNAKEMAKE, "-n", "--cores", "1", "--nocolor", "-s", str(ROOT / "Snakefile"), "--directory", str(work)]
    cmd += ["--configfile", str(ROOT / "config" / "examples" / example)]
    proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True, env=run_env(), timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return job_counts(proc.stdout)


def test_every_architecture_trains_in_signal_mode(demo_dir):
    jobs = plan(demo_dir, "demo_signal.yaml")
    example = yaml.safe_load((ROOT / "config/examples/demo_signal.yaml").read_text())
    from chromcnn import models

    assert set(example["train"]["architectures"]) == set(models.names())  # every registered architecture
    assert jobs["train"] == jobs["evaluate"] == len(models.names())
    assert jobs["oracle"] == jobs["gc_regression"] == jobs["attribution"] == 1


def test_profile_mode_trains_basenji_without_an_oracle(demo_dir):
    jobs = plan(demo_dir, "demo_profile.yaml")
    assert jobs["train"] == jobs["evaluate"] == jobs["attribution"] == 1
    assert "oracle" not in jobs and "gc_regression" not in jobs
    assert jobs["attribution_recovery"] == 1  # planted motifs: MoDISco's recovery is measured
