"""Demo-speed training settings: one-cycle schedule, examples per epoch, BatchNorm examples, prefetch."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from chromcnn import models
from chromcnn.config.settings import TrainSettings
from chromcnn.errors import InputError
from chromcnn.inference.device import prefetch
from chromcnn.io.batches import Batches
from chromcnn.training.loop import bn_pass_examples, fit, recalibrate_batchnorm
from chromcnn.training.objective import make_optimizer, make_scheduler, steps_per_epoch
from train_helpers import toy_split


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    d = tmp_path_factory.mktemp("toy")
    return str(toy_split(d / "train.h5", 600, seed=0)), str(toy_split(d / "valid.h5", 200, seed=1))


def settings(**kw) -> TrainSettings:
    base = {
        "arch": "cnn",
        "hparams": {"num_filters": 16, "kernel_size": 9},
        "lr": 3e-3,
        "batch_size": 32,
        "max_epochs": 3,
        "patience": 10,
        "shift": 2,
        "seed": 3,
        "device": "cpu",
    }
    return TrainSettings(**{**base, **kw})


def build(s: TrainSettings):
    return lambda: models.build(s.arch, 3, 200, **s.hparams)


def test_one_cycle_peaks_at_lr_and_ends_near_zero(toy, tmp_path):
    s = settings(schedule="onecycle", max_epochs=3)
    fit(build(s), *toy, tmp_path, s)
    history = pd.read_csv(tmp_path / "history.tsv", sep="\t")
    assert len(history) == 3
    assert history.lr.iloc[0] > history.lr.iloc[-1] and history.lr.iloc[-1] < 1e-4  # annealed per batch
    opt = torch.optim.Adam(models.build("cnn", 3, 200, **s.hparams).parameters(), lr=s.lr)
    sched = make_scheduler(opt, s, 600)
    lrs = []
    for _ in range(steps_per_epoch(600, s) * s.max_epochs):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert max(lrs) == pytest.approx(s.lr, rel=1e-3) and lrs[0] < s.lr / 10


def fit_counting_rows(s: TrainSettings, toy, out) -> int:
    """Train with ``s``; the number of windows the model saw with gradients on."""
    rows: list[int] = []

    def count(module, inputs, output) -> None:
        if module.training and torch.is_grad_enabled():
            rows.append(len(output))

    def make():
        model = build(s)()
        model.register_forward_hook(count)
        return model

    fit(make, *toy, out, s)
    return sum(rows)


def test_epoch_examples_caps_each_epoch_and_resumes_identically(toy, tmp_path):
    s = settings(epoch_examples=200, schedule="onecycle")
    assert steps_per_epoch(600, s) == 7  # ceil(200 / 32)
    # 7 batches of 32 = 224 windows an epoch instead of 600 (rows a gradient flows through,
    # counted by a hook: the validation and BatchNorm passes run without one)
    assert fit_counting_rows(s, toy, tmp_path / "straight") == 3 * 224
    assert fit_counting_rows(settings(schedule="onecycle"), toy, tmp_path / "full") == 3 * 600
    fit(build(s), *toy, tmp_path / "killed", s, stop_after_epoch=1)
    fit(build(s), *toy, tmp_path / "killed", s)
    a = torch.load(tmp_path / "straight" / "model.pt", weights_only=False)["state_dict"]
    b = torch.load(tmp_path / "killed" / "model.pt", weights_only=False)["state_dict"]
    assert all(torch.equal(a[k], b[k]) for k in a)  # the one-cycle state is checkpointed too


def test_unknown_schedule_is_rejected(toy, tmp_path):
    with pytest.raises(InputError, match="onecycle"):
        fit(build(settings()), *toy, tmp_path, settings(schedule="cosine"))


def test_prefetch_yields_the_same_batches_as_uint8_tensors(toy):
    batches = Batches(toy[0], 64)
    plain = list(batches.epoch(1, 1))
    staged = list(prefetch(batches.epoch(1, 1), torch.device("cpu")))
    assert len(staged) == len(plain) == 10
    for (x, y), (xt, yt) in zip(plain, staged):
        assert xt.dtype == torch.uint8 and np.array_equal(xt.numpy(), x) and np.array_equal(yt, y)


def test_precise_batchnorm_pass_uses_at_most_an_epoch_of_windows(toy):
    assert bn_pass_examples(settings(bn_examples=4096)) == 4096
    assert bn_pass_examples(settings(bn_examples=4096, epoch_examples=200)) == 200
    assert bn_pass_examples(settings(bn_examples=100, epoch_examples=200)) == 100
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv1d(4, 3, 5), torch.nn.BatchNorm1d(3))
    rows = []
    model[0].register_forward_hook(lambda m, i, o: rows.append(len(o)))
    s = settings(batch_size=32, bn_examples=4096, epoch_examples=100)
    recalibrate_batchnorm(model, Batches(toy[0], 32), s, torch.device("cpu"), 1)
    assert sum(rows) == 128  # batches of 32 until >= 100 windows (4,096 would be all 600)
    assert model[1].num_batches_tracked.item() == 4 and model[1].momentum == 0.1


@pytest.mark.parametrize("optimizer", ["adam", "adamw"])
def test_fused_optimizer_on_cpu_makes_the_reference_update(optimizer):
    torch.manual_seed(0)
    s = settings(optimizer=optimizer, lr=1e-2, weight_decay=0.01)
    model = models.build(s.arch, 3, 200, **s.hparams)
    reference = models.build(s.arch, 3, 200, **s.hparams)
    reference.load_state_dict(model.state_dict())
    start = [p.detach().clone() for p in model.parameters()]
    opt = make_optimizer(model, s)
    assert opt.param_groups[0]["fused"] is True
    ref_cls = torch.optim.Adam if optimizer == "adam" else torch.optim.AdamW
    ref = ref_cls(reference.parameters(), lr=1e-2, weight_decay=0.01, foreach=False)
    x = torch.randn(8, 4, 200)
    for _ in range(3):
        for m, o in ((model, opt), (reference, ref)):
            o.zero_grad()
            m(x).square().mean().backward()
            o.step()
    for a, b in zip(model.parameters(), reference.parameters()):
        assert torch.allclose(a, b, atol=1e-6, rtol=1e-5)
    moved = max(float((a.detach() - b).abs().max()) for a, b in zip(model.parameters(), start))
    assert moved > 1e-3  # the parameters did change
