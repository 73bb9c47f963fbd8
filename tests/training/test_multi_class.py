"""task_type multi-class: one target definition (a cell type, or background for all-zero windows) in
training, validation and evaluation, and windows with several positives stopped before training."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import torch
from chromcnn.config.settings import TrainSettings
from chromcnn.config.training import check_multi_class_labels
from chromcnn.errors import InputError
from chromcnn.evaluation import metrics as ev
from chromcnn.inference import load, model_file
from chromcnn.inference.predict import predict_split
from chromcnn.models import seqgra
from chromcnn.models.losses import BACKGROUND, MultiPositiveError, class_targets, n_outputs, task_labels, task_scores
from chromcnn.training.loop import fit
from chromcnn.training.objective import targets
from chromcnn.training.validation import summarise
from sklearn.metrics import roc_auc_score
from train_helpers import toy_split

CPU = torch.device("cpu")
MC = TrainSettings(
    arch="cnn",
    hparams={"num_filters": 16, "kernel_size": 9},
    task_type="multi-class",
    lr=3e-3,
    batch_size=32,
    max_epochs=4,
    patience=10,
    shift=2,
    seed=3,
    device="cpu",
)


def test_all_zero_rows_are_background_and_several_positives_are_an_error():
    y = np.array([[0, 0, 0], [0, 1, 0], [1, 0, 0], [0, 0, 0]], np.uint8)
    assert class_targets(y).tolist() == [3, 1, 0, 3] and BACKGROUND == "background"
    assert n_outputs("multi-class", 3) == 4 and n_outputs("multi-label", 3) == 3
    assert task_labels(y, "multi-class").tolist() == y.tolist()
    with pytest.raises(MultiPositiveError, match=r"2 of 3 windows have more than one positive label \(first: row 0\)"):
        class_targets(np.array([[1, 1, 0], [0, 1, 1], [0, 0, 1]]))


def test_training_validation_and_evaluation_share_one_target_definition():
    """Before the fix, all-zero windows were class 0 in training and validation (argmax of the label row)
    and negatives in evaluation; now every stage scores task j as ``class == j`` on the softmax."""
    rng = np.random.default_rng(0)
    y = np.eye(4, dtype=np.uint8)[rng.integers(0, 4, 400)][:, :3]  # a quarter background
    logits = rng.normal(size=(400, 4)).astype(np.float32) + 2.0 * np.eye(4, dtype=np.float32)[class_targets(y)]
    assert targets(y, MC, CPU).tolist() == class_targets(y).tolist()
    probs = torch.softmax(torch.from_numpy(logits), dim=1).numpy()
    reference = [roc_auc_score(y[:, j], probs[:, j]) for j in range(3)]  # background rows are negatives
    valid = summarise(logits, y, "multi-class")
    assert [t["auroc"] for t in valid["tasks"]] == pytest.approx(reference)
    evaluated = ev.replicates(task_labels(y, "multi-class"), task_scores(probs, "multi-class", 3, logits=False), 0, 1)
    assert evaluated.auroc.tolist() == pytest.approx(reference)
    assert valid["macro_auroc"] == pytest.approx(np.mean(reference))


def test_a_split_with_several_positives_per_window_stops_training_before_any_epoch(tmp_path):
    train = toy_split(tmp_path / "train.h5", 200, seed=0)  # tasks drawn independently: shared windows
    valid = toy_split(tmp_path / "valid.h5", 50, seed=1, one_class=True)
    with pytest.raises(InputError) as err:
        fit(lambda: model_file.build({"tasks": "ABC", "seq_len": 200, "seqgra": None, **vars(MC)}), train, valid,
            tmp_path / "out", MC)  # fmt: skip
    message = str(err.value)
    assert message.startswith(f"{train}: train.task_type is multi-class, but ")
    assert "windows have more than one positive cell type (first: chrT:" in message
    assert "Fix: use task_type: multi-label" in message
    assert not (tmp_path / "out" / "checkpoints" / "last.pt").exists()


def test_multi_class_trains_saves_and_evaluates_end_to_end(tmp_path):
    """Tiny one-class data: the saved model has T + 1 outputs, evaluation scores the T cell types, and
    background windows get most of their probability on the background class."""
    split = {n: str(toy_split(tmp_path / f"{n}.h5", k, seed=i, one_class=True)) for i, (n, k) in
             enumerate((("train", 800), ("valid", 200), ("test", 300)))}  # fmt: skip
    s = dataclasses.replace(MC, arch="rc_cnn", hparams={"filters": 16, "kernels": [9, 5, 3]}, max_epochs=6)
    header = model_file.header(s, ["A", "B", "C"], 200)
    fit(lambda: model_file.build(header), split["train"], split["valid"], tmp_path / "m", s, header)
    loaded = load(str(tmp_path / "m" / "model.pt"))
    assert loaded.task_type == "multi-class" and loaded.model(torch.zeros(1, 4, 200)).shape == (1, 4)
    probs, y = predict_split(loaded.model, split["test"], 64, CPU, loaded.task_type)
    assert probs.shape == y.shape == (300, 3)
    auroc = ev.replicates(y, probs, 0, 1).auroc
    assert (auroc > 0.8).all(), auroc
    background = y.sum(axis=1) == 0
    assert (1 - probs[background].sum(axis=1)).mean() > 0.5 > (1 - probs[~background].sum(axis=1)).mean()


def test_shared_windows_in_the_current_qc_json_stop_the_run_at_parse_time(tmp_path):
    qc = tmp_path / "qc.json"
    counts = [[10, 3, 0], [3, 8, 0], [0, 0, 5]]
    cooc = {"tasks": list("ABC"), "counts": counts}
    qc.write_text(json.dumps({"provenance": {"config_hash": "h"}, "label_cooccurrence": cooc}))
    with pytest.raises(InputError, match=r"^config.yaml:7: train.task_type is multi-class, but .*qc.json counts "
                       r"windows positive for more than one cell type \(3 for A and B\)"):  # fmt: skip
        check_multi_class_labels(qc, "h", "config.yaml", 7)
    check_multi_class_labels(qc, "other", "config.yaml", 7)  # stale data: training checks its splits instead
    check_multi_class_labels(tmp_path / "absent.json", "h", "config.yaml", 7)
    qc.write_text(json.dumps({"provenance": {"config_hash": "h"}, "label_cooccurrence": {"tasks": list("ABC"),
                              "counts": np.diag([4, 5, 6]).tolist()}}))  # fmt: skip
    check_multi_class_labels(qc, "h", "config.yaml", 7)


def test_a_multi_class_seqgra_definition_declares_the_background_class():
    defn = seqgra.ModelDefinition.__new__(seqgra.ModelDefinition)
    defn.path, defn.task, defn.labels = "m.xml", "multi-class classification", ["c1", "c2", "c3"]
    with pytest.raises(InputError, match=r"3 labels \(c1..c3\) against 3 tasks .* and the 'background' class"):
        seqgra.check_against(defn, ["A", "B", "C"], "multi-class")
    defn.labels = ["c1", "c2", "c3", "c4"]
    seqgra.check_against(defn, ["A", "B", "C"], "multi-class")
