"""Loader modes, the trainer (learning, resume equivalence, NaN handling) and settings."""

from __future__ import annotations

import os

import h5py
import numpy as np
import pandas as pd
import pytest
import torch
from chromcnn import models
from chromcnn.config.settings import TrainSettings
from chromcnn.errors import InputError
from chromcnn.io.batches import Batches
from chromcnn.io.split_h5 import FORMAT_VERSION, open_split
from chromcnn.training.augment import augment
from chromcnn.training.checkpoint import HISTORY_COLUMNS
from chromcnn.training.loop import TrainingError, fit
from train_helpers import toy_split


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    d = tmp_path_factory.mktemp("toy")
    return str(toy_split(d / "train.h5", 600, seed=0)), str(toy_split(d / "valid.h5", 200, seed=1))


def rows(batches, seed, epoch):
    xs, ys = zip(*batches.epoch(seed, epoch))
    return np.concatenate(xs), np.concatenate(ys)


def test_in_memory_and_streaming_give_every_example_once(toy):
    ram = Batches(toy[0], 50, memory_budget_mb=100)
    stream = Batches(toy[0], 50, memory_budget_mb=0, chunks_per_block=2, buffer_blocks=3)
    assert ram.in_memory and not stream.in_memory
    with h5py.File(toy[0]) as h5:
        full = h5["x"][:].reshape(600, -1)
    for batches in (ram, stream):
        x, _ = rows(batches, 1, 1)
        assert len(x) == 600
        order = sorted(map(bytes, x.reshape(600, -1)))
        assert order == sorted(map(bytes, full))
        assert all(len(b[0]) == 50 for b in list(batches.epoch(1, 1))[:-1])


def test_shuffling_depends_only_on_seed_and_epoch(toy):
    for budget in (100, 0):
        b = Batches(toy[0], 64, memory_budget_mb=budget)
        a1, a2, a3 = rows(b, 1, 1)[1], rows(b, 1, 1)[1], rows(b, 1, 2)[1]
        assert np.array_equal(a1, a2) and not np.array_equal(a1, a3)
    x, _ = next(Batches(toy[0], 600, 0).epoch(0, 0, shuffle=False))
    with h5py.File(toy[0]) as h5:
        assert np.array_equal(x, h5["x"][:])  # unshuffled streaming keeps file order


def test_other_format_version_is_rejected(tmp_path):
    path = toy_split(tmp_path / "old.h5", 20)
    with h5py.File(path, "a") as h5:
        h5.attrs["format_version"] = 1  # rows in genomic order: the loader would batch neighbouring windows
    with pytest.raises(InputError, match=f"format_version 1, this chromcnn reads version {FORMAT_VERSION}"):
        open_split(str(path))


def test_augment_reverse_complements_and_shifts():
    seq = torch.randint(0, 4, (12,), generator=torch.Generator().manual_seed(5))
    x = torch.nn.functional.one_hot(seq, 4).T.float()[None].repeat(64, 1, 1)
    assert not torch.equal(x[0], x[0].flip(0, 1))
    s = TrainSettings(arch="cnn", rc_augment=True, shift=0)
    out = augment(x, s, torch.Generator().manual_seed(0))
    flipped = (out == x.flip(1, 2)).all(dim=(1, 2))
    assert 10 < int(flipped.sum()) < 54 and ((out == x).all(dim=(1, 2)) | flipped).all()
    s = TrainSettings(arch="cnn", rc_augment=False, shift=2)
    out = augment(x, s, torch.Generator().manual_seed(0))
    assert out.shape == x.shape and not torch.equal(out, x)
    assert (out.sum(dim=1) <= 1).all()  # zero-filled ends, still one-hot


SIZES = (("train", 600), ("valid", 200))


def settings(**kw) -> TrainSettings:
    base = {
        "arch": "cnn",
        "hparams": {"num_filters": 16, "kernel_size": 9},
        "lr": 3e-3,
        "batch_size": 32,
        "max_epochs": 4,
        "patience": 10,
        "shift": 2,
        "seed": 3,
        "device": "cpu",
    }
    return TrainSettings(**{**base, **kw})


def build_cnn(s: TrainSettings):
    return lambda: models.build("cnn", 3, 200, **s.hparams)


def test_training_learns_and_writes_the_contract(toy, tmp_path):
    s = settings(arch="rc_cnn", hparams={"filters": 16, "kernels": [9, 5, 3]}, max_epochs=6)
    result = fit(
        lambda: models.build("rc_cnn", 3, 200, **s.hparams), *toy, tmp_path, s, meta={"tasks": ["A", "B", "C"]}
    )
    assert result["valid_auroc"] > 0.9
    history = pd.read_csv(tmp_path / "history.tsv", sep="\t")
    assert history.columns.tolist() == HISTORY_COLUMNS and len(history) == 6
    assert (history.samples_per_s > 0).all()
    saved = torch.load(tmp_path / "model.pt", weights_only=False)
    assert saved["tasks"] == ["A", "B", "C"] and saved["best_epoch"] == result["best_epoch"]
    assert saved["settings"]["arch"] == "rc_cnn"


def test_killed_run_resumes_to_the_same_result(toy, tmp_path):
    s = settings()
    fit(build_cnn(s), *toy, tmp_path / "straight", s)
    assert fit(build_cnn(s), *toy, tmp_path / "killed", s, stop_after_epoch=2) == {"stopped_at": 2}
    assert not (tmp_path / "killed" / "model.pt").exists()  # outputs appear only when complete
    resumed = fit(build_cnn(s), *toy, tmp_path / "killed", s)
    assert resumed["resumed_from"] == 2
    a = torch.load(tmp_path / "straight" / "model.pt", weights_only=False)["state_dict"]
    b = torch.load(tmp_path / "killed" / "model.pt", weights_only=False)["state_dict"]
    assert all(torch.equal(a[k], b[k]) for k in a)
    ha = pd.read_csv(tmp_path / "straight" / "history.tsv", sep="\t").drop(columns=["seconds", "samples_per_s"])
    hb = pd.read_csv(tmp_path / "killed" / "history.tsv", sep="\t").drop(columns=["seconds", "samples_per_s"])
    pd.testing.assert_frame_equal(ha, hb)


def test_checkpoint_of_other_settings_is_not_resumed(toy, tmp_path):
    fit(build_cnn(settings()), *toy, tmp_path, settings(), stop_after_epoch=1)
    other = settings(lr=1e-3, max_epochs=1)
    assert fit(build_cnn(other), *toy, tmp_path, other)["resumed_from"] == 0


def test_checkpoint_of_other_data_is_not_resumed(toy, tmp_path):
    """Same settings, other windows (a changed window or data stage): the checkpoint is ignored."""
    s = settings()
    fit(build_cnn(s), *toy, tmp_path, s, stop_after_epoch=1)
    other_train = str(toy_split(tmp_path / "other_train.h5", 600, seed=5))
    assert fit(build_cnn(s), other_train, toy[1], tmp_path, s)["resumed_from"] == 0
    fit(build_cnn(s), *toy, tmp_path / "same", s, stop_after_epoch=1)
    assert fit(build_cnn(s), *toy, tmp_path / "same", s)["resumed_from"] == 1  # the same data resumes


class BlowsUp(torch.nn.Module):
    """Returns NaN from the 26th training call: epoch 1 has 19 batches (600 / 32), so epoch 2, batch 7."""

    def __init__(self) -> None:
        super().__init__()
        self.inner = models.build("linear", 3, 200)
        self.calls = 0

    def forward(self, x):
        self.calls += 1 if self.training else 0
        out = self.inner(x)
        return out * float("nan") if self.calls > 25 else out


def test_non_finite_loss_stops_with_epoch_and_batch_and_keeps_last_good(toy, tmp_path):
    with pytest.raises(TrainingError, match=r"non-finite loss \(nan\) at epoch 2, batch 7"):
        fit(BlowsUp, *toy, tmp_path, settings(arch="linear", hparams={}))
    last = torch.load(tmp_path / "checkpoints" / "last.pt", weights_only=False)
    assert last["state"]["epoch"] == 1
    assert (tmp_path / "checkpoints" / "best.pt").exists() and not (tmp_path / "model.pt").exists()


def test_losses_and_targets_for_every_task_type():
    from chromcnn.models.losses import label_counts, make_loss
    from chromcnn.training.objective import targets

    y = np.array([[1, 0, 0], [0, 0, 1], [0, 1, 0], [1, 0, 0]], np.uint8)
    cpu = torch.device("cpu")
    bce = make_loss(TrainSettings(arch="x", pos_weight=True), label_counts(y))
    assert isinstance(bce, torch.nn.BCEWithLogitsLoss)
    assert bce.pos_weight.tolist() == [1.0, 3.0, 3.0]  # negatives / positives per task
    ce = TrainSettings(arch="x", task_type="multi-class")
    assert isinstance(make_loss(ce, y), torch.nn.CrossEntropyLoss)
    assert targets(y, ce, cpu).tolist() == [0, 2, 1, 0]
    assert targets(np.zeros((2, 3), np.uint8), ce, cpu).tolist() == [3, 3]  # all-zero: the background class
    reg = TrainSettings(arch="x", task_type="regression")
    assert isinstance(make_loss(reg, y), torch.nn.MSELoss) and targets(y, reg, cpu).dtype == torch.float32
    assert isinstance(
        make_loss(TrainSettings(arch="x", task_type="regression", loss="poisson"), y), torch.nn.PoissonNLLLoss
    )
    with pytest.raises(InputError, match="unknown task type"):
        make_loss(TrainSettings(arch="x", task_type="ranking"), y)


@pytest.mark.parametrize("task_type", ["multi-class", "regression"])
def test_other_task_types_train(toy, tmp_path, task_type):
    """The library trains regression too (for quantitative targets); its history never names MSE as AUROC."""
    monitor = "valid_loss" if task_type == "regression" else "valid_auprc"
    s = settings(task_type=task_type, max_epochs=1, monitor=monitor)
    if task_type == "multi-class":  # one positive at most per window, 3 cell types + background outputs
        toy = [str(toy_split(tmp_path / f"{n}.h5", k, seed=i, one_class=True)) for i, (n, k) in enumerate(SIZES)]
        result = fit(lambda: models.build("cnn", 4, 200, **s.hparams), *toy, tmp_path, s)
    else:
        result = fit(build_cnn(s), *toy, tmp_path, s)
    assert result["best_epoch"] == 1 and np.isfinite(result["train_loss"])
    history = pd.read_csv(tmp_path / "history.tsv", sep="\t")
    assert np.isfinite(history.valid_loss).all()
    if task_type == "regression":  # columns named for what they hold: no AUROC / AUPRC under a regression loss
        assert "valid_auroc" not in history and "valid_auprc" not in history
        assert history.valid_pearson.between(-1, 1).all() and (history.valid_mse >= 0).all()
    else:
        assert history.valid_auroc.between(0, 1).all() and history.valid_auprc.between(0, 1).all()


@pytest.mark.parametrize("monitor", ["valid_auroc", "valid_auprc"])
def test_monitor_the_task_type_has_not_is_rejected(toy, tmp_path, monitor):
    s = settings(task_type="regression", max_epochs=1, monitor=monitor)
    with pytest.raises(InputError, match=f"monitor '{monitor}' does not exist for task_type 'regression'"):
        fit(build_cnn(s), *toy, tmp_path, s)
    assert not (tmp_path / "checkpoints" / "last.pt").exists()


def test_early_stopping_ends_the_run(toy, tmp_path):
    s = settings(lr=1e-12, max_epochs=20, patience=2, monitor="valid_loss")
    fit(build_cnn(s), *toy, tmp_path, s)
    history = pd.read_csv(tmp_path / "history.tsv", sep="\t")
    assert len(history) < 20  # a model that cannot learn stops after `patience` flat epochs


def test_best_epoch_is_the_trainers_on_its_monitor():
    """One definition of the saved epoch: the first strict best of the monitored value (loss minimised, NaN never)."""
    from chromcnn.config.settings import best_epoch

    rows = [
        {"epoch": 1, "valid_auprc": 0.5, "valid_loss": 0.9},
        {"epoch": 2, "valid_auprc": 0.7, "valid_loss": 0.6},
        {"epoch": 3, "valid_auprc": 0.7, "valid_loss": 0.7},
        {"epoch": 4, "valid_auprc": float("nan"), "valid_loss": 0.5},
    ]
    assert best_epoch(rows, "valid_auprc") == 2
    assert best_epoch(rows, "valid_loss") == 4
    assert best_epoch([], "valid_auprc") == 0


def test_run_killed_after_its_early_stopping_epoch_stops_at_once(toy, tmp_path):
    """Patience is checked before each epoch: resumed after its stopping epoch, a run trains no more."""
    s = settings(lr=1e-12, max_epochs=20, patience=2, monitor="valid_loss")
    fit(build_cnn(s), *toy, tmp_path / "straight", s)
    straight = pd.read_csv(tmp_path / "straight" / "history.tsv", sep="\t")
    k = len(straight)
    assert k < 20  # early stopping ended it
    assert fit(build_cnn(s), *toy, tmp_path / "killed", s, stop_after_epoch=k) == {"stopped_at": k}
    resumed = fit(build_cnn(s), *toy, tmp_path / "killed", s)
    assert resumed["resumed_from"] == k
    killed = pd.read_csv(tmp_path / "killed" / "history.tsv", sep="\t")
    pd.testing.assert_frame_equal(
        straight.drop(columns=["seconds", "samples_per_s"]), killed.drop(columns=["seconds", "samples_per_s"])
    )
    a = torch.load(tmp_path / "straight" / "model.pt", weights_only=False)
    b = torch.load(tmp_path / "killed" / "model.pt", weights_only=False)
    assert a["best_epoch"] == b["best_epoch"]
    assert all(torch.equal(a["state_dict"][name], b["state_dict"][name]) for name in a["state_dict"])


def test_pos_weight_is_computed_from_the_labels_in_ram_and_streaming(toy, tmp_path):
    """pos_weight = negatives / positives per task of the training labels, whichever way the split is loaded."""
    from chromcnn.training.loop import prepare

    with h5py.File(toy[0]) as h5:
        y = h5["y"][:]
    pos = y.sum(axis=0).astype(np.float64)
    expected = torch.tensor((len(y) - pos) / pos, dtype=torch.float32)
    weights = []
    for budget in (100, 0):
        s = settings(pos_weight=True, memory_budget_mb=budget)
        run = prepare(build_cnn(s), *toy, tmp_path / str(budget), s)
        assert run.train_b.in_memory == (budget > 0)
        assert run.loss_fn.pos_weight is not None
        weights.append(run.loss_fn.pos_weight)
    assert torch.equal(weights[0], expected) and torch.equal(weights[1], expected)


class DeviceSpy(torch.nn.Module):
    """A loss that records where its inputs are."""

    def __init__(self) -> None:
        super().__init__()
        self.devices: list[torch.device] = []

    def forward(self, logits, target):
        self.devices += [logits.device, target.device]
        return torch.tensor(0.25)


def test_validation_loss_is_computed_on_the_runs_device(toy):
    """The validation loss runs where the loss module (and its pos_weight) lives, and equals the direct loss."""
    from chromcnn.inference.predict import predict_labelled
    from chromcnn.models.losses import label_counts, make_loss
    from chromcnn.training.validation import validate, validation_loss

    y = np.array([[1, 0, 1], [0, 0, 1]], np.uint8)
    spy = DeviceSpy()
    meta = torch.device("meta")
    assert validation_loss(spy, np.zeros((2, 3), np.float32), y, settings(), meta) == 0.25
    assert spy.devices == [meta, meta]

    s = settings(pos_weight=True)
    batches = Batches(toy[1], 64)
    torch.manual_seed(0)
    model = build_cnn(s)()
    loss_fn = make_loss(s, label_counts(batches.y))
    assert loss_fn.pos_weight is not None
    got = validate(model, batches, loss_fn, s, torch.device("cpu"))["valid_loss"]
    logits, labels = predict_labelled(model, batches.epoch(0, 0, shuffle=False), "cpu")
    direct = torch.nn.BCEWithLogitsLoss(pos_weight=loss_fn.pos_weight)(
        torch.from_numpy(logits), torch.from_numpy(labels).float()
    )
    assert got == float(direct)


def test_deterministic_flags_are_set_for_cuda_only(monkeypatch):
    from chromcnn.training.loop import set_deterministic

    before = (torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled())
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    monkeypatch.setattr(torch.backends.cudnn, "deterministic", False)
    monkeypatch.setattr(torch.backends.cudnn, "benchmark", True)
    try:
        for device, enabled in ((torch.device("cpu"), True), (torch.device("cuda"), False)):
            set_deterministic(device, enabled)
            assert not torch.backends.cudnn.deterministic and torch.backends.cudnn.benchmark
            assert "CUBLAS_WORKSPACE_CONFIG" not in os.environ
            assert torch.are_deterministic_algorithms_enabled() == before[0]
        set_deterministic(torch.device("cuda"), True)
        assert torch.are_deterministic_algorithms_enabled() and torch.is_deterministic_algorithms_warn_only_enabled()
        assert torch.backends.cudnn.deterministic and not torch.backends.cudnn.benchmark
        assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
        monkeypatch.setenv("CUBLAS_WORKSPACE_CONFIG", ":16:8")
        set_deterministic(torch.device("cuda"), True)
        assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":16:8"  # a user's setting is kept
    finally:
        torch.use_deterministic_algorithms(before[0], warn_only=before[1])
