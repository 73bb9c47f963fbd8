"""Signal-mode references: the planted-motif oracle (best scores + site counts) and the GC-only regression."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from chromcnn.errors import InputError
from chromcnn.evaluation import regression as rg
from chromcnn.evaluation import signal_reference as sr
from chromcnn.evaluation.oracle import log_odds
from chromcnn.io.split_h5 import FORMAT_VERSION, SplitWriter
from sklearn.linear_model import LinearRegression

BG = np.array([0.3, 0.2, 0.2, 0.3])
CONSENSUS = "GATAAGGCTT"
TASKS = ["erythroid", "myeloid"]


def _ppm(seq: str, p: float = 0.97) -> np.ndarray:
    ppm = np.full((4, len(seq)), (1 - p) / 3)
    for j, base in enumerate(seq):
        ppm["ACGT".index(base), j] = p
    return ppm


PPM = _ppm(CONSENSUS)


def _split(path: Path, n: int, seed: int, mode: str = "signal", length: int = 200) -> tuple[Path, np.ndarray]:
    """Windows with 0-4 planted consensus sites; task 0's signal grows with the sites, task 1's with GC."""
    rng = np.random.default_rng(seed)
    gc = rng.uniform(0.3, 0.7, n)
    codes = np.stack([rng.choice(4, size=length, p=[(1 - g) / 2, g / 2, g / 2, (1 - g) / 2]) for g in gc])
    sites = rng.integers(0, 5, n)
    site = np.array(["ACGT".index(b) for b in CONSENSUS], np.uint8)
    for i, k in enumerate(sites):
        for j in range(k):
            codes[i, 10 + 40 * j : 10 + 40 * j + len(site)] = site if j % 2 else 3 - site[::-1]
    x = (codes[:, None, :] == np.arange(4)[None, :, None]).astype(np.uint8)
    x[:3, :, 0:5] = 0  # a few N columns
    y = np.stack([np.log1p(2.0 * sites) + rng.normal(0, 0.2, n), 3 * gc + rng.normal(0, 0.1, n)], axis=1)
    if mode == "binary":
        y = (y > np.median(y, axis=0)).astype(np.uint8)
    attrs = {"split": path.stem, "window": length, "format_version": FORMAT_VERSION, "genome": "toy"}
    if mode == "signal":
        attrs.update(target_mode="signal", target_transform="log1p", target_center=length)
    y_dtype = np.float32 if mode == "signal" else np.uint8
    writer = SplitWriter(path, TASKS, length, 32, "gzip", 1, attrs, y_dtype=y_dtype)
    writer.append(x, y.astype(y_dtype), ["chrT"] * n, np.arange(n, dtype=np.int64) * 1000, np.arange(n) * 1000 + length)
    writer.close(True)
    return path, x


@pytest.fixture(scope="module")
def splits(tmp_path_factory):
    folder = tmp_path_factory.mktemp("signal_reference")
    train, _ = _split(folder / "train.h5", 500, 1)
    test, x = _split(folder / "test.h5", 300, 2)
    return str(train), str(test), x


def test_gc_fraction_counts_called_bases_only():
    x = np.zeros((2, 4, 6), np.uint8)
    for j, b in enumerate("GGCATN"):
        if b != "N":
            x[0, "ACGT".index(b), j] = 1
    assert sr.gc_fraction(x).tolist() == pytest.approx([3 / 5, 0.0])  # an all-N window is 0, not NaN


def test_site_counts_match_a_plain_loop(splits):
    *_, x = splits
    lo = log_odds(PPM, BG)
    counts = sr.site_counts(x[:20], [lo])[:, 0]
    threshold = sr.SITE_FRACTION * lo.max(axis=0).sum()
    rc = lo[::-1, ::-1]
    for i in range(20):
        xi = x[i].astype(float)
        direct = sum(
            (np.sum(m * xi[:, p : p + lo.shape[1]]) >= threshold) for m in (lo, rc) for p in range(200 - 10 + 1)
        )
        assert counts[i] == direct
    assert counts.max() >= 4  # the planted sites are found


def test_fit_predict_equals_sklearn_least_squares():
    rng = np.random.default_rng(0)
    train_x, test_x = rng.normal(size=(50, 3)), rng.normal(size=(20, 3))
    train_x[:, 2] = 1.0  # a constant feature is dropped, not divided by 0
    train_y = rng.normal(size=(50, 2))
    pred = sr.fit_predict(train_x, train_y, test_x)
    for t in range(2):
        expected = LinearRegression().fit(train_x[:, :2], train_y[:, t]).predict(test_x[:, :2])
        np.testing.assert_allclose(pred[:, t], expected, rtol=1e-4, atol=1e-5)


def test_oracle_and_gc_only_values(splits):
    train, test, x = splits
    featurize = sr.oracle_featurizer([PPM], BG, 200, "planted.tsv")
    oracle = sr.evaluate(train, test, featurize, 50, 0, 0.95, 64, None)
    gc = sr.evaluate(train, test, sr.gc_features, 50, 0, 0.95, 64, None)
    # the oracle knows the sites: task 0 (grows with them) well predicted; task 1 (GC) not
    assert oracle.table.pearson[0] > 0.9 and abs(oracle.table.pearson[1]) < 0.3
    # GC-only: the reverse; its point Pearson is numpy's on sklearn's prediction
    assert gc.table.pearson[1] > 0.9 and abs(gc.table.pearson[0]) < 0.3
    train_x = sr.read_features(train, sr.gc_features, 64)
    fit = LinearRegression().fit(train_x[0], train_x[1][:, 1])
    expected = np.corrcoef(fit.predict(sr.gc_features(x)), gc.y[:, 1])[0, 1]
    assert gc.table.pearson[1] == pytest.approx(expected, abs=1e-4)
    # paired with any model: same seed, same windows -> the same replicate weights
    assert oracle.table.pearson_lo[0] <= oracle.table.pearson[0] <= oracle.table.pearson_hi[0]
    diff = rg.regression_differences("oracle", oracle.reps, "gc_only", gc.reps, TASKS, 0.95)
    pearson = {r["task"]: r for r in diff if r["metric"] == "pearson"}
    assert pearson["erythroid"]["winner"] == "oracle" and pearson["myeloid"]["winner"] == "gc_only"


def test_binary_split_is_one_line(tmp_path):
    train, _ = _split(tmp_path / "train.h5", 40, 1, mode="binary")
    test, _ = _split(tmp_path / "test.h5", 40, 2, mode="binary")
    with pytest.raises(InputError, match="binary labels") as err:
        sr.evaluate(str(train), str(test), sr.gc_features, 10, 0, 0.95, 16, None)
    assert "test.h5" in str(err.value) and "\n" not in str(err.value)


def test_matrix_wider_than_window_is_one_line():
    with pytest.raises(InputError, match="columns wide") as err:
        sr.oracle_featurizer([_ppm("A" * 30)], BG, 20, "planted.tsv")
    assert "planted.tsv" in str(err.value)
