"""Batched inference (one implementation): strand averaging, batch-size and dtype invariance, layering."""

from __future__ import annotations

import subprocess
import sys

import h5py
import numpy as np
import pytest
import torch
from chromcnn import models
from chromcnn.inference.predict import TRANSFORMS, output_probs, predict, predict_labelled, predict_split
from chromcnn.io.batches import Batches
from conftest import ROOT
from train_helpers import toy_split


def one_hot(n: int, length: int = 200, seed: int = 0) -> np.ndarray:
    codes = np.random.default_rng(seed).integers(0, 4, (n, length))
    return np.eye(4, dtype=np.uint8)[codes].transpose(0, 2, 1).copy()


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return models.build("cnn", 3, 200, num_filters=8).eval()


def test_batch_size_and_input_form_do_not_change_outputs(model):
    x = one_hot(37)
    ref = predict(model, x, batch_size=256)
    assert ref.shape == (37, 3) and ref.dtype == np.float32
    for size in (1, 5, 36):
        np.testing.assert_allclose(predict(model, x, batch_size=size), ref, rtol=0, atol=1e-6)
    assert np.array_equal(predict(model, x.astype(np.float32)), ref)  # uint8 and float inputs alike
    assert np.array_equal(predict(model, torch.from_numpy(x)), ref)
    assert np.array_equal(predict(model, [x[:20], x[20:]]), np.concatenate([ref[:20], predict(model, x[20:])]))


@pytest.mark.parametrize("task_type", list(TRANSFORMS))
def test_transform_and_strand_average_match_the_formula(model, task_type):
    x = one_hot(16, seed=1)
    xt = torch.from_numpy(x).float()
    with torch.no_grad():
        fwd, rev = output_probs(model(xt), task_type), output_probs(model(xt.flip(1, 2)), task_type)
    transform = TRANSFORMS[task_type]
    assert np.array_equal(predict(model, x, transform=transform), fwd.numpy())
    assert np.array_equal(predict(model, x, transform=transform, rc_average=True), (0.5 * (fwd + rev)).numpy())


def test_rc_average_is_strand_symmetric(model):
    x = one_hot(8, seed=2)
    a = predict(model, x, transform="sigmoid", rc_average=True)
    b = predict(model, x[:, ::-1, ::-1].copy(), transform="sigmoid", rc_average=True)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


def test_split_prediction_equals_array_prediction_in_file_order(model, tmp_path):
    path = str(toy_split(tmp_path / "test.h5", 50, chunk_rows=8))
    probs, y = predict_split(model, path, 16, torch.device("cpu"), "multi-label", rc_average=True)
    with h5py.File(path) as h5:
        x, y_file = h5["x"][:], h5["y"][:]
    assert np.array_equal(y, y_file)
    np.testing.assert_allclose(probs, predict(model, x, transform="sigmoid", rc_average=True), rtol=0, atol=1e-6)
    logits, y2 = predict_labelled(model, Batches(path, 64, memory_budget_mb=0).epoch(0, 0, shuffle=False), "cpu")
    assert np.array_equal(y2, y_file) and logits.shape == (50, 3)


def test_empty_input_is_an_error(model):
    with pytest.raises(ValueError, match="no sequences"):
        predict(model, np.zeros((0, 4, 200), np.uint8))


def imported_by(module: str) -> list[str]:
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT / 'workflow' / 'scripts')!r}); import {module}; "
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in ('h5py', 'pandas') "
        "or m.startswith('chromcnn.training'))))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return proc.stdout.split()


def test_parse_time_modules_do_not_import_the_trainer_h5py_or_pandas():
    assert imported_by("chromcnn.config.training") == []
    assert imported_by("chromcnn.config.settings") == []


@pytest.mark.parametrize("module", ["chromcnn.inference", "chromcnn.evaluation.metrics"])
def test_inference_and_evaluation_do_not_import_the_trainer(module):
    assert not [m for m in imported_by(module) if m.startswith("chromcnn.training")]


def test_cpu_forward_passes_are_cache_sized_and_give_the_same_outputs(model):
    from chromcnn.inference.device import CPU_PASS_POSITIONS, pass_rows

    cpu = torch.device("cpu")
    assert pass_rows(200, cpu, 512) == CPU_PASS_POSITIONS // 200 and pass_rows(200, cpu, 7) == 7
    assert pass_rows(10**6, cpu, 512) == 4 and pass_rows(1000, torch.device("meta"), 512) == 512  # a GPU: as asked

    seen: list[int] = []
    hook = model.register_forward_pre_hook(lambda _m, args: seen.append(len(args[0])))
    try:
        x = one_hot(CPU_PASS_POSITIONS // 200 * 2 + 3)
        out = predict(model, x, batch_size=len(x), rc_average=True)
    finally:
        hook.remove()
    rows = CPU_PASS_POSITIONS // 200
    assert seen == [rows, rows, rows, rows, 3, 3]  # both strands of each cache-sized pass
    np.testing.assert_allclose(out, predict(model, x, batch_size=1, rc_average=True), rtol=0, atol=1e-6)
