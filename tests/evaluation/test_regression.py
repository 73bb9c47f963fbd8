"""Regression metrics: weighted Pearson/Spearman equal scipy on the resampled sample; paired intervals."""

from __future__ import annotations

import numpy as np
import pytest
from chromcnn.evaluation.metrics import bootstrap_weights, genomic_blocks
from chromcnn.evaluation.regression import (
    regression_differences,
    regression_replicates,
    regression_summary,
    regression_table,
    weighted_mse,
    weighted_pearson,
    weighted_spearman,
)
from scipy import stats


def test_weighted_statistics_equal_scipy_on_the_repeated_sample():
    rng = np.random.default_rng(0)
    y = rng.normal(size=60)
    pred = np.round(y + rng.normal(size=60), 1)  # ties in the prediction
    y[:5] = y[0]  # ties in the targets
    w = next(bootstrap_weights(60, 4, seed=2))
    pr, sp, mse = weighted_pearson(y, pred, w), weighted_spearman(y, pred, w), weighted_mse(y, pred, w)
    for b in range(4):
        ys, ps = np.repeat(y, w[b]), np.repeat(pred, w[b])
        assert pr[b] == pytest.approx(stats.pearsonr(ys, ps)[0], abs=1e-9)
        assert sp[b] == pytest.approx(stats.spearmanr(ys, ps)[0], abs=1e-9)
        assert mse[b] == pytest.approx(np.mean((ys - ps) ** 2))
    assert weighted_pearson(y, pred)[0] == pytest.approx(stats.pearsonr(y, pred)[0])
    assert np.isnan(weighted_pearson(y, np.ones(60))[0])  # a constant prediction has no correlation


def test_intervals_cover_the_truth_and_separate_a_good_from_a_poor_model():
    rng = np.random.default_rng(1)
    n = 2000
    y = rng.normal(size=(n, 2))
    good = y + 0.5 * rng.normal(size=(n, 2))  # true r = 1 / sqrt(1.25) = 0.894
    poor = y + 2.0 * rng.normal(size=(n, 2))  # true r = 1 / sqrt(5) = 0.447
    blocks = genomic_blocks(np.array(["chr1"] * n), np.arange(n) * 1000, 20_000)
    a = regression_replicates(y, good, 300, seed=5, blocks=blocks)
    b = regression_replicates(y, poor, 300, seed=5, blocks=blocks)
    table = regression_table(y, a, ["A", "B"], 0.95)
    assert ((table.pearson_lo < 0.894) & (table.pearson_hi > 0.894)).all()
    assert (table.pearson_hi - table.pearson_lo < 0.05).all() and (table.spearman > 0.85).all()
    assert (table.mse_lo < 0.25).all() and (table.mse_hi > 0.25).all()
    summary = regression_summary("good", a, 0.95)
    assert summary["macro_pearson_lo"] < summary["macro_pearson"] < summary["macro_pearson_hi"]
    rows = regression_differences("good", a, "poor", b, ["A", "B"], 0.95)
    assert {(r["metric"], r["winner"]) for r in rows} == {("pearson", "good"), ("spearman", "good"), ("mse", "good")}
    mse_macro = next(r for r in rows if r["metric"] == "mse" and r["task"] == "macro")
    assert mse_macro["difference"] == pytest.approx(0.25 - 4.0, abs=0.4) and mse_macro["hi"] < 0


def test_no_skill_interval_contains_zero():
    rng = np.random.default_rng(2)
    y, pred = rng.normal(size=(500, 1)), rng.normal(size=(500, 1))
    table = regression_table(y, regression_replicates(y, pred, 200, seed=1), ["A"], 0.95)
    assert table.pearson_lo[0] < 0 < table.pearson_hi[0] and table.spearman_lo[0] < 0 < table.spearman_hi[0]


def test_compare_ranks_signal_models_by_pearson_and_lower_mse_wins(tmp_path):
    from chromcnn.evaluation.compare import compare
    from chromcnn.evaluation.regression import save_regression

    rng = np.random.default_rng(3)
    y = rng.normal(size=(800, 2))
    preds = {"poor-s1": y + 2.0 * rng.normal(size=y.shape), "good-s1": y + 0.5 * rng.normal(size=y.shape)}
    paths = []
    for name, pred in preds.items():
        reps = regression_replicates(y, pred, 200, seed=1)
        paths.append(str(tmp_path / f"{name}.npz"))
        save_regression(paths[-1], reps, y, pred, {"tasks": ["A", "B"], "bootstrap": 200, "seed": 1, "block_bp": 0})
    summary, comparison = compare(list(preds), paths, 0.95)
    assert summary.model.tolist() == ["good-s1", "poor-s1"] and summary.macro_pearson.iloc[0] > 0.85
    macro = comparison[comparison.task == "macro"].set_index("metric")
    assert (macro.winner == "good-s1").all()  # MSE: good-s1's is the smaller (difference < 0), and it wins
    assert macro.loc["mse", "difference"] < 0 and macro.loc["pearson", "difference"] > 0
