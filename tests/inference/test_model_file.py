"""model.pt is self-describing: round trips without config.yaml; old, unknown and broken files fail in one line."""

from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import pytest
import torch
from chromcnn import inference, models
from chromcnn.config.settings import TrainSettings
from chromcnn.errors import InputError
from chromcnn.inference import model_file
from chromcnn.inference.predict import predict
from chromcnn.training.loop import fit
from conftest import ROOT
from train_helpers import toy_split

SEQGRA = ROOT / "workflow" / "models" / "seqgra"
TASKS = ["A", "B", "C"]


def write_record(path, header: dict, model: torch.nn.Module, settings: TrainSettings) -> str:
    """What the trainer writes, without training."""
    record = {"state_dict": model.state_dict(), "settings": dataclasses.asdict(settings), "best_epoch": 1, **header}
    torch.save(record, path)
    return str(path)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    d = tmp_path_factory.mktemp("mf")
    train, valid = str(toy_split(d / "train.h5", 200)), str(toy_split(d / "valid.h5", 80, seed=1))
    s = TrainSettings(arch="cnn", hparams={"num_filters": 8}, max_epochs=2, batch_size=50, device="cpu")
    header = model_file.header(s, TASKS, 200, model_id="cnn-s1", config_hash="c" * 64)
    fit(lambda: model_file.build(header), train, valid, d / "out", s, header)
    return d / "out" / "model.pt", s


def test_registry_model_round_trips(trained):
    path, settings = trained
    loaded = inference.load(path)
    assert (loaded.tasks, loaded.window, loaded.task_type, loaded.transform) == (TASKS, 200, "multi-label", "sigmoid")
    assert loaded.settings == dataclasses.asdict(settings) and not loaded.model.training
    assert loaded.record["model_id"] == "cnn-s1" and loaded.record["format"] == model_file.FORMAT_VERSION
    saved = torch.load(path, weights_only=False)["state_dict"]
    assert all(torch.equal(v, loaded.model.state_dict()[k]) for k, v in saved.items())
    x = np.eye(4, dtype=np.uint8)[np.random.default_rng(0).integers(0, 4, (10, 200))].transpose(0, 2, 1)
    probs = loaded.predict(x, rc_average=True)
    assert probs.shape == (10, 3) and ((probs > 0) & (probs < 1)).all()
    assert np.array_equal(probs, predict(loaded.model, x, transform="sigmoid", rc_average=True))
    with pytest.raises(ValueError, match=r"this model takes \(N, 4, 200\)"):
        loaded.predict(x[:, :, :100])


def test_seqgra_model_rebuilds_from_the_file_alone(tmp_path):
    (tmp_path / "PyTorch").mkdir()
    shutil.copy(SEQGRA / "basset.xml", tmp_path / "m.xml")
    shutil.copy(SEQGRA / "PyTorch" / "basset.py", tmp_path / "PyTorch" / "basset.py")
    s = TrainSettings(arch="sgbasset", task_type="multi-label")
    header = model_file.header(s, TASKS, 300, str(tmp_path / "m.xml"))
    assert header["seqgra"]["module"] == (SEQGRA / "PyTorch" / "basset.py").read_text()
    torch.manual_seed(1)
    model = model_file.build(header)
    path = write_record(tmp_path / "model.pt", header, model, s)
    shutil.rmtree(tmp_path / "PyTorch")
    (tmp_path / "m.xml").unlink()  # neither the XML nor the module is needed any more
    loaded = inference.load(path)
    assert type(loaded.model).__name__ == "TorchModel" and loaded.window == 300
    assert all(torch.equal(v, loaded.model.state_dict()[k]) for k, v in model.state_dict().items())


def one_line_error(path) -> str:
    with pytest.raises(InputError) as err:
        inference.load(path)
    message = str(err.value)
    assert "\n" not in message and message.startswith(f"{path}: ")
    assert f"Fix: retrain: delete {path.parent} and rerun snakemake" in message
    return message


@pytest.fixture
def record(tmp_path):
    s = TrainSettings(arch="linear")
    header = model_file.header(s, TASKS, 200)
    return tmp_path / "model.pt", header, models.build("linear", 3, 200), s


def test_file_from_before_the_format_fails_in_one_line(record):
    path, header, model, s = record
    old = {k: v for k, v in header.items() if k not in ("format", "seqgra", "transform", "arch")}
    write_record(path, old, model, s)
    assert "from before format 2 (no 'format' key)" in one_line_error(path)


def test_unregistered_architecture_fails_in_one_line(record):
    path, header, model, s = record
    write_record(path, {**header, "arch": "transformer"}, model, s)
    assert "architecture 'transformer' is not registered (known: basset" in one_line_error(path)


def test_weights_that_do_not_fit_fail_in_one_line(record):
    path, header, model, s = record
    write_record(path, {**header, "seq_len": 100}, model, s)
    assert "cannot be rebuilt from the file (RuntimeError: Error(s) in loading state_dict" in one_line_error(path)


@pytest.mark.parametrize("damage", ["truncate", "garble", "empty"])
def test_truncated_or_garbled_file_fails_in_one_line(record, damage):
    path, header, model, s = record
    data = open(write_record(path, header, model, s), "rb").read()
    broken = {"truncate": data[: len(data) // 2], "garble": bytes(reversed(data)), "empty": b""}[damage]
    path.write_bytes(broken)
    assert "unreadable model file (" in one_line_error(path)
