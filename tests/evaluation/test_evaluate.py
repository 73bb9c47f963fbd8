"""Metrics with bootstrap intervals: parity with scikit-learn, paired replicates, NaN with a reason."""

from __future__ import annotations

import numpy as np
import pytest
from chromcnn.evaluation import metrics as ev
from chromcnn.training import validation as metrics
from sklearn.metrics import average_precision_score, roc_auc_score


@pytest.mark.parametrize("decimals", [None, 1, 0])
def test_auroc_auprc_match_scikit_learn_with_ties(decimals):
    rng = np.random.default_rng(3)
    for _ in range(25):
        n = int(rng.integers(5, 400))
        y = rng.random(n) < rng.uniform(0.05, 0.9)
        if y.all() or not y.any():
            continue
        s = rng.normal(size=n) + y
        if decimals is not None:
            s = np.round(s, decimals)  # many ties
        auroc, auprc = ev.weighted_auroc_auprc(y, s)
        assert auroc[0] == pytest.approx(roc_auc_score(y, s), abs=1e-12)
        assert auprc[0] == pytest.approx(average_precision_score(y, s), abs=1e-12)


def test_validation_metrics_match_scikit_learn():
    """The trainer's per-epoch macro metrics (metrics.summarise) use the same arithmetic."""
    rng = np.random.default_rng(5)
    y = (rng.random((500, 3)) < [0.2, 0.5, 0.0]).astype(np.float32)  # task 2 has no positives
    s = np.round(rng.normal(size=(500, 3)) + y, 1)
    out = metrics.summarise(s, y)
    for t in (0, 1):
        assert out["tasks"][t]["auroc"] == pytest.approx(roc_auc_score(y[:, t], s[:, t]), abs=1e-12)
        assert out["tasks"][t]["auprc"] == pytest.approx(average_precision_score(y[:, t], s[:, t]), abs=1e-12)
    assert out["tasks"][2]["reason"] == "no positives" and np.isnan(out["tasks"][2]["auroc"])
    expected = np.mean([roc_auc_score(y[:, t], s[:, t]) for t in (0, 1)])
    assert out["macro_auroc"] == pytest.approx(expected, abs=1e-12)


def test_weights_equal_resampling_the_windows():
    rng = np.random.default_rng(4)
    y = rng.random(300) < 0.3
    s = np.round(rng.normal(size=300) + y, 1)
    w = next(ev.bootstrap_weights(300, 5, seed=9))
    assert w.shape == (5, 300) and (w.sum(axis=1) == 300).all()
    auroc, auprc = ev.weighted_auroc_auprc(y, s, w)
    for b in range(5):
        idx = np.repeat(np.arange(300), w[b])
        assert auroc[b] == pytest.approx(roc_auc_score(y[idx], s[idx]), abs=1e-12)
        assert auprc[b] == pytest.approx(average_precision_score(y[idx], s[idx]), abs=1e-12)


def test_replicates_intervals_cover_the_point_and_are_paired():
    rng = np.random.default_rng(5)
    y = rng.random((2000, 3)) < [0.1, 0.3, 0.5]
    good = rng.normal(size=y.shape) + 1.5 * y
    bad = rng.normal(size=y.shape) + 0.3 * y
    a, b = ev.replicates(y, good, 200, seed=1), ev.replicates(y, bad, 200, seed=1)
    lo, hi = ev.interval(a.auroc_reps)
    assert (lo < a.auroc).all() and (a.auroc < hi).all() and (hi - lo < 0.1).all()
    assert a.micro_auroc == pytest.approx(roc_auc_score(y.ravel(), good.ravel()))
    rows = ev.paired_differences("good", a, "bad", b, ["t0", "t1", "t2"], 0.95)
    macro = [r for r in rows if r["task"] == "macro" and r["metric"] == "auroc"][0]
    assert macro["winner"] == "good" and macro["lo"] > 0.2
    same = ev.paired_differences("x", a, "y", ev.replicates(y, good, 200, seed=1), ["t0", "t1", "t2"], 0.95)
    assert all(r["winner"] == "tie" and r["difference"] == 0 for r in same)  # identical replicates pair exactly


def test_task_without_positives_is_nan_with_a_reason():
    rng = np.random.default_rng(6)
    y = np.zeros((500, 2), dtype=np.uint8)
    y[:200, 0] = 1
    scores = rng.random((500, 2))
    reps = ev.replicates(y, scores, 50, seed=1)
    table = ev.task_table(y, reps, ["ok", "empty"], 0.95)
    assert np.isfinite(table.auroc[0]) and table.reason[0] == ""
    assert np.isnan(table.auroc[1]) and np.isnan(table.auprc_lo[1])
    assert table.reason[1] == "no positives in the test split"
    row = ev.summary_row("m", reps, 0.95)
    assert row["n_tasks_defined"] == 1 and row["macro_auroc"] == pytest.approx(table.auroc[0])


def test_replicates_do_not_depend_on_block_size(monkeypatch):
    rng = np.random.default_rng(7)
    y = rng.random((300, 2)) < 0.4
    s = rng.normal(size=y.shape) + y
    first = ev.replicates(y, s, 40, seed=2)
    monkeypatch.setattr(ev, "BLOCK_ELEMENTS", 1000)  # many small blocks of replicates
    second = ev.replicates(y, s, 40, seed=2)
    # the weights differ when blocks differ (another draw order), but the point estimates cannot
    assert np.array_equal(first.auroc, second.auroc)
    assert np.isfinite(second.auroc_reps).all() and np.isfinite(second.micro_auroc_reps).all()
