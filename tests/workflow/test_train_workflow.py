"""The training stage through Snakemake on the demo: jobs, outputs, and config errors."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import torch
import yaml
from conftest import ROOT, needs_bedtools
from workflow_helpers import demo_config, run_workflow

pytestmark = [pytest.mark.slow, needs_bedtools]


def config_text(**train) -> str:
    """The demo config with ``train`` updated; basset is listed unless ``architectures`` is given."""
    cfg = demo_config()
    cfg["train"].update({"architectures": ["basset"], **train})
    return yaml.safe_dump(cfg, sort_keys=False)


def test_models_train_as_separate_jobs(tmp_path):
    cfg = demo_config()
    cfg["train"].update(
        architectures=["linear", "cnn"], seeds=[1, 2], max_epochs=2, overrides={"cnn": {"hparams": {"num_filters": 8}}}
    )
    ids = ("linear-s1", "linear-s2", "cnn-s1", "cnn-s2")
    proc = run_workflow(tmp_path, cfg, *(f"results/models/{m}/model.pt" for m in ids))  # training only
    assert proc.returncode == 0, proc.stderr[-3000:]
    for model_id in ids:
        out = tmp_path / "results" / "models" / model_id
        saved = torch.load(out / "model.pt", weights_only=False)
        assert saved["model_id"] == model_id and saved["tasks"] == list(cfg["cell_types"])
        assert saved["seq_len"] == cfg["window"] and len(saved["config_hash"]) == 64
        history = pd.read_csv(out / "history.tsv", sep="\t")
        assert len(history) == 2 and history.valid_auroc.notna().all()
        assert saved["valid"]["valid_auroc"] > 0.55  # beats chance (null sd ~0.015 on 1,300 windows)
        assert "samples/s" in (tmp_path / "logs" / "train" / f"{model_id}.log").read_text()
    assert len(re.findall(r"rule train:", proc.stderr)) == 4
    s1 = torch.load(tmp_path / "results/models/cnn-s1/model.pt", weights_only=False)["state_dict"]
    s2 = torch.load(tmp_path / "results/models/cnn-s2/model.pt", weights_only=False)["state_dict"]
    assert not torch.equal(s1["lin.weight"], s2["lin.weight"])  # seeds differ


@pytest.mark.parametrize(
    ("train", "pattern"),
    [
        ({"architectures": ["basset", "transformer"]}, r"unknown architecture 'transformer'. Fix: use one of: basset"),
        ({"overrides": {"basset": {"hparams": {"fc": "big"}}}}, r"'fc' of 'basset' must be int like 1000"),
        ({"overrides": {"basset": {"lr": "fast"}}}, r"'train.overrides.basset.lr': 'fast' is not of type 'number'"),
        (
            {"overrides": {"basset": {"hparams": {"first_activation": "sigmoid"}}}},
            r"first_activation 'sigmoid' is not known. Fix: use one of relu, exp",
        ),
        ({"overrides": {"basset": {"hparams": {"kernels": [19, 11, 7, 7]}, "batch_size": 4}}}, None),
        (
            {"architectures": ["basset", "deepbind"], "models": {"deepbind": {"arch": "deepbind", "lr": 0.01}}},
            r"model name 'deepbind' in train.models collides with train.architectures\[1\]",
        ),
        ({"models": {"basset_x": {"arch": "basset", "hparams": {"fc": "big"}}}}, r"'fc' of 'basset' must be int"),
    ],
)
def test_bad_training_config_fails_before_any_job(tmp_path, train, pattern):
    proc = run_workflow(tmp_path, config_text(**train), "-n")
    if pattern is None:
        assert proc.returncode == 0, proc.stderr[-2000:]
        return
    assert proc.returncode != 0
    assert re.search(rf"config.yaml:\d+: .*{pattern}", proc.stderr), proc.stderr[-2000:]
    assert not (tmp_path / "results").exists()


def test_window_too_short_names_the_minimum(tmp_path):
    cfg = demo_config(window=150)
    cfg["train"]["architectures"] = ["basset"]
    proc = run_workflow(tmp_path, yaml.safe_dump(cfg, sort_keys=False), "-n")
    assert proc.returncode != 0
    assert re.search(r"config.yaml:\d+: window of 150 bp is too short for basset: .* at least 168 bp", proc.stderr)


def test_seqgra_label_mismatch_is_caught_at_parse_time(tmp_path):
    xml = (ROOT / "workflow/models/seqgra/basset.xml").read_text().replace('max="5"', 'max="50"')
    xml = xml.replace("PyTorch/basset.py", str(ROOT / "workflow/models/seqgra/PyTorch/basset.py"))
    (tmp_path / "m.xml").write_text(xml)
    proc = run_workflow(tmp_path / "w", config_text(seqgra={"sgbasset": str(tmp_path / "m.xml")}), "-n")
    assert proc.returncode != 0
    assert "50 labels (c1..c50) against 5 tasks" in proc.stderr
