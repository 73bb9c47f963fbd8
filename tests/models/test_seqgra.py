"""seqgra model definitions: the shipped examples parse and train; mismatches are explained."""

from __future__ import annotations

import pytest
import torch
from chromcnn.config.settings import TrainSettings
from chromcnn.errors import InputError
from chromcnn.models import seqgra
from chromcnn.training.loop import fit
from conftest import ROOT
from train_helpers import toy_split

EXAMPLES = ROOT / "workflow" / "models" / "seqgra"
EXPECTED = {
    "basset": {"optimizer": "adam", "lr": 1e-4, "clipnorm": 0.5, "batch_size": 100},
    "deepsea": {"optimizer": "sgd", "lr": 0.01, "momentum": 0.9, "batch_size": 100},
    "chromdragonn": {"optimizer": "adam", "lr": 0.002, "batch_size": 256},
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_shipped_definitions_parse_with_published_settings(name):
    defn = seqgra.parse(EXAMPLES / f"{name}.xml")
    got = seqgra.settings(defn)
    assert {k: got[k] for k in EXPECTED[name]} == EXPECTED[name]
    assert got["loss"] == "bce" and got["task_type"] == "multi-label" and got["max_epochs"] == 100
    assert got["early_stopping"] is True
    assert defn.labels == ["c1", "c2", "c3", "c4", "c5"]


@pytest.mark.parametrize("name", list(EXPECTED))
def test_shipped_definitions_train_one_step(name, tmp_path):
    defn = seqgra.parse(EXAMPLES / f"{name}.xml")
    defn.labels = defn.labels[:3]  # the toy data set has 3 tasks
    seqgra.check_against(defn, ["A", "B", "C"], "multi-label")
    train = str(toy_split(tmp_path / "train.h5", 40, length=300))
    valid = str(toy_split(tmp_path / "valid.h5", 20, length=300, seed=1))
    s = TrainSettings(arch=name, **{**seqgra.settings(defn), "max_epochs": 1, "batch_size": 40, "device": "cpu"})
    result = fit(lambda: seqgra.build(defn, 3, 300), train, valid, tmp_path / "out", s)
    assert result["best_epoch"] == 1
    model = torch.load(tmp_path / "out" / "model.pt", weights_only=False)
    assert any(k.endswith("weight") for k in model["state_dict"])


def seed_xml(tmp_path, max_labels=50, task="multi-class classification", text=None):
    xml = (EXAMPLES / "basset.xml").read_text()
    xml = xml.replace('max="5"', f'max="{max_labels}"').replace("multi-label classification", task)
    xml = xml.replace("PyTorch/basset.py", str(EXAMPLES / "PyTorch" / "basset.py"))
    path = tmp_path / "model.xml"
    path.write_text(text if text is not None else xml)
    return path


def test_label_count_mismatch(tmp_path):
    defn = seqgra.parse(seed_xml(tmp_path, task="multi-label classification"))
    with pytest.raises(InputError, match=r"50 labels \(c1..c50\) against 4 tasks.*max=\"4\""):
        seqgra.check_against(defn, ["a", "b", "c", "d"], "multi-label")


def test_task_type_mismatch(tmp_path):
    defn = seqgra.parse(seed_xml(tmp_path, max_labels=4))
    with pytest.raises(InputError, match="'multi-class classification' does not match train.task_type 'multi-label'"):
        seqgra.check_against(defn, ["a", "b", "c", "d"], "multi-label")


def test_not_xml_names_the_line(tmp_path):
    path = seed_xml(tmp_path, text="<seqgramodel>\n<general>\n</seqgramodel>\n")
    with pytest.raises(InputError, match="not valid XML") as err:
        seqgra.parse(path)
    assert str(err.value).startswith(f"{path}:3:")


def test_wrong_hyperparameter_type(tmp_path):
    xml = seed_xml(tmp_path).read_text().replace(">0.0001<", ">fast<")
    defn = seqgra.parse(seed_xml(tmp_path, text=xml))
    with pytest.raises(InputError, match="hyperparameter of the wrong type"):
        seqgra.settings(defn)


@pytest.mark.slow  # ~25 s per definition under load
@pytest.mark.parametrize("name", list(EXPECTED))
def test_shipped_definitions_as_multi_class_train_and_evaluate_with_a_background_class(name, tmp_path):
    """The seed definitions' own setting (multi-class, CrossEntropyLoss) on one-class toy data: 3 cell types
    + background = 4 labels; the model file rebuilds a 4-output model; evaluation scores the 3 cell types."""
    from chromcnn.inference import load, model_file
    from chromcnn.inference.predict import predict_split

    text = (EXAMPLES / f"{name}.xml").read_text().replace("BCEWithLogitsLoss", "CrossEntropyLoss")
    text = text.replace("multi-label classification", "multi-class classification").replace('max="5"', 'max="4"')
    xml = tmp_path / f"{name}.xml"
    xml.write_text(text.replace("PyTorch/", str(EXAMPLES / "PyTorch") + "/"))
    defn = seqgra.parse(xml)
    seqgra.check_against(defn, ["A", "B", "C"], "multi-class")  # 4 labels: the cell types and background
    with pytest.raises(InputError, match="and the 'background' class"):
        seqgra.check_against(seqgra.parse(seed_xml(tmp_path, max_labels=3)), ["A", "B", "C"], "multi-class")
    split = {n: str(toy_split(tmp_path / f"{n}.h5", 40, length=300, seed=i, one_class=True)) for i, n in
             enumerate(("train", "valid", "test"))}  # fmt: skip
    s = TrainSettings(arch=name, **{**seqgra.settings(defn), "max_epochs": 1, "batch_size": 40, "device": "cpu"})
    assert s.task_type == "multi-class" and s.loss == "ce"
    header = model_file.header(s, ["A", "B", "C"], 300, str(xml))
    fit(lambda: model_file.build(header), split["train"], split["valid"], tmp_path / "out", s, header)
    loaded = load(str(tmp_path / "out" / "model.pt"))
    assert loaded.model(torch.zeros(2, 4, 300)).shape == (2, 4)
    probs, y = predict_split(loaded.model, split["test"], 20, torch.device("cpu"), loaded.task_type)
    assert probs.shape == y.shape == (40, 3) and (probs.sum(axis=1) < 1).all()  # the rest is background
