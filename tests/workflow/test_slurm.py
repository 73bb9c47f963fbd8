"""The cluster path on a real single-node SLURM cluster (Debian's slurm-wlm + munge, started here).

`tests/slurm/start_cluster.sh` starts slurmctld and slurmd as root with partitions cpu
(default) and gpu; the node advertises one GPU so `--gpus=1` jobs are scheduled. The
tiny pipeline runs through `--profile slurm` (the shipped profile) and must match a local
run of the same config; a training job cancelled mid-way must be retried and resume.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
import torch
import yaml
from conftest import ROOT, needs_bedtools
from workflow_helpers import demo_config, run_env, run_workflow, snakemake_command

pytestmark = [pytest.mark.slow, needs_bedtools]
LOCAL_RULES = {"all", "download_genome", "download_blacklist", "download_peaks"}


@pytest.fixture(scope="module")
def cluster():
    proc = subprocess.run(["bash", str(ROOT / "tests/slurm/start_cluster.sh")], capture_output=True, text=True)
    assert proc.returncode == 0, f"could not start the test SLURM cluster:\n{proc.stderr}"
    return True


def tiny_config(**train) -> dict:
    cfg = demo_config()
    cfg["train"].update(
        {
            "architectures": ["cnn", "linear"],
            "max_epochs": 2,
            "overrides": {"cnn": {"hparams": {"num_filters": 8, "kernel_size": 15}}},
            **train,
        }
    )
    cfg["evaluate"].update(bootstrap=50)
    cfg["motifs"].update(influence_sequences=20)
    return cfg


def slurm_command(workdir: Path, cfg_path: Path, *extra: str) -> list[str]:
    return snakemake_command(
        workdir,
        cfg_path,
        "--profile",
        str(ROOT / "slurm"),
        "--slurm-status-command",
        "squeue",  # this cluster has no accounting database (real clusters keep sacct)
        "--slurm-init-seconds-before-status-checks",
        "2",
        "--seconds-between-status-checks",
        "2",
        "--set-resources",
        "train:slurm_partition=gpu",
        "filter_motifs:slurm_partition=gpu",
        "--slurm-keep-successful-logs",
        *extra,
    )


def write_config(workdir: Path, cfg: dict) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def slurm_run(cluster, tmp_path_factory):
    work = tmp_path_factory.mktemp("slurm")
    cfg_path = write_config(work, tiny_config())
    proc = subprocess.run(slurm_command(work, cfg_path), capture_output=True, text=True, env=run_env(), timeout=1800)
    assert proc.returncode == 0, proc.stderr[-5000:]
    return work, proc


def test_every_cluster_job_ran_under_slurm(slurm_run):
    work, proc = slurm_run
    submitted = re.findall(r"Job \d+ has been submitted with SLURM jobid (\d+)", proc.stderr)
    rules = set(re.findall(r"^rule (\w+):", proc.stderr, flags=re.M))
    local = set(re.findall(r"^localrule (\w+):", proc.stderr, flags=re.M))
    assert local <= LOCAL_RULES and "train" in rules and "report" in rules
    n_jobs = len(re.findall(r"^rule \w+:", proc.stderr, flags=re.M))
    assert len(submitted) == n_jobs > 10
    logs = (work / ".snakemake/slurm_logs").rglob("*.log")  # rule_<name>/[<wildcards>/]<jobid>.log
    slurm_logs = {part for p in logs for part in p.parts if part.startswith("rule_")}
    assert {f"rule_{r}" for r in rules} <= slurm_logs
    for model in ("cnn-s1", "linear-s1"):
        log = (work / "logs/train" / f"{model}.log").read_text()
        job = re.search(r"SLURM job (\d+) \(partition (\w+), node \S+, GPUs (\S+)\)", log)
        assert job and job.group(1) in submitted and job.group(2) == "gpu" and job.group(3) != "none"
        assert "no GPU visible: training on CPU" in log  # a GPU job on a node without CUDA says so
    data_log = (work / "logs/data/build_windows.log").read_text()
    assert re.search(r"SLURM job \d+ \(partition cpu,", data_log)  # the data stage on the CPU partition


def test_cluster_results_match_a_local_run(slurm_run, tmp_path):
    work, _ = slurm_run
    proc = run_workflow(tmp_path, tiny_config())
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert md5(work / "results/data/windows.tsv.gz") == md5(tmp_path / "results/data/windows.tsv.gz")
    for model in ("cnn-s1", "linear-s1"):
        a = torch.load(work / f"results/models/{model}/model.pt", weights_only=False)["state_dict"]
        b = torch.load(tmp_path / f"results/models/{model}/model.pt", weights_only=False)["state_dict"]
        assert all(torch.equal(a[k], b[k]) for k in a), model
    pd.testing.assert_frame_equal(
        pd.read_csv(work / "results/evaluation/summary.tsv", sep="\t"),
        pd.read_csv(tmp_path / "results/evaluation/summary.tsv", sep="\t"),
    )
    assert (work / "results/report.html").stat().st_size > 100_000


def test_cancelled_training_job_is_retried_and_resumes(cluster, tmp_path):
    cfg = tiny_config(architectures=["cnn"], max_epochs=12, patience=50)
    cfg_path = write_config(tmp_path, cfg)
    cmd = slurm_command(tmp_path, cfg_path, "results/models/cnn-s1/model.pt")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=run_env())
    checkpoint = tmp_path / "results/models/cnn-s1/checkpoints/last.pt"
    deadline = time.time() + 900
    while not checkpoint.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.5)
    assert checkpoint.exists(), "training never wrote a checkpoint"
    log = tmp_path / "logs/train/cnn-s1.log"
    job = re.search(r"SLURM job (\d+)", log.read_text()).group(1)
    subprocess.run(["scancel", job], check=True)  # as a preemption or a time limit would
    out, _ = proc.communicate(timeout=1200)
    assert proc.returncode == 0, out[-4000:]
    assert re.search(rf"SLURM jobid {job}\b.*(CANCELLED|failed)|Error in rule train", out, flags=re.S | re.I), out[
        -3000:
    ]
    final = log.read_text()
    second = re.search(r"SLURM job (\d+)", final).group(1)
    assert second != job  # a new submission (attempt 2)
    resumed = re.search(r"resuming from \S+ \(epoch (\d+)\)", final)
    assert resumed and int(resumed.group(1)) >= 1
    history = pd.read_csv(tmp_path / "results/models/cnn-s1/history.tsv", sep="\t")
    assert list(history.epoch) == list(range(1, 13))  # no epoch lost or repeated


def test_resource_the_plugin_rejects_fails_that_job_with_a_clear_error(cluster, tmp_path):
    cfg_path = write_config(tmp_path, tiny_config())
    cmd = slurm_command(tmp_path, cfg_path, "results/data/windows.tsv.gz")
    cmd += ["--set-resources", "build_windows:slurm_extra='--mem=1000'"]  # a managed flag in slurm_extra
    proc = subprocess.run(cmd, capture_output=True, text=True, env=run_env(), timeout=600)
    assert proc.returncode != 0
    assert re.search(r"slurm_extra.*--mem|--mem.*slurm_extra", proc.stderr, flags=re.S), proc.stderr[-3000:]
    assert "submitted with SLURM jobid" not in proc.stderr  # nothing reached the cluster
    assert not (tmp_path / "results/data/windows.tsv.gz").exists()
