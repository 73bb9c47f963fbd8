"""Profile metrics against numpy / scipy on hand-made arrays, the bootstrap, and the mean-profile baseline."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from chromcnn.evaluation import profile as pf
from scipy import stats


def _data(seed=0, n=40, t=2, b=6):
    rng = np.random.default_rng(seed)
    y = rng.poisson(rng.gamma(2.0, 3.0, (n, t, 1)) * np.hanning(b + 2)[1:-1], (n, t, b)).astype(np.float64)
    pred = y * rng.lognormal(0, 0.3, y.shape) + rng.uniform(0, 1, y.shape)
    return y, pred


def test_point_metrics_equal_numpy_and_scipy():
    y, pred = _data()
    y[3, 0] = 0.0  # a window without coverage: no correlation across bins, left out of the mean
    reps = pf.profile_replicates(y, pred, n_boot=20, seed=1)
    for j in range(y.shape[1]):
        rs = [stats.pearsonr(y[i, j], pred[i, j])[0] for i in range(len(y)) if y[i, j].std() > 0]
        assert reps.point["window_pearson"][j] == pytest.approx(np.mean(rs), rel=1e-9)
        totals = stats.pearsonr(y[:, j].sum(axis=1), pred[:, j].sum(axis=1))[0]
        assert reps.point["total_pearson"][j] == pytest.approx(totals, rel=1e-9)
        assert reps.point["bin_pearson"][j] == pytest.approx(stats.pearsonr(y[:, j].ravel(), pred[:, j].ravel())[0])
        spearman = stats.spearmanr(y[:, j].ravel(), pred[:, j].ravel())[0]
        assert reps.point["bin_spearman"][j] == pytest.approx(spearman, rel=1e-9)
        assert reps.point["mse"][j] == pytest.approx(np.mean((y[:, j] - pred[:, j]) ** 2))
        mu = pred[:, j]
        dev = 2 * np.where(y[:, j] > 0, y[:, j] * np.log(np.where(y[:, j] > 0, y[:, j], 1) / mu), 0) - 2 * (
            y[:, j] - mu
        )
        assert reps.point["poisson_deviance"][j] == pytest.approx(dev.mean())
    assert reps.reps["window_pearson"].shape == (2, 20)


def test_perfect_prediction_and_deviance_zero():
    y, _ = _data(1)
    reps = pf.profile_replicates(y, y.copy(), n_boot=10, seed=0)
    assert np.allclose(reps.point["window_pearson"], 1.0) and np.allclose(reps.point["poisson_deviance"], 0.0)
    assert np.allclose(reps.point["mse"], 0.0)


def test_block_bootstrap_resamples_whole_windows_and_gives_an_interval_around_the_point():
    y, pred = _data(2, n=60)
    blocks = np.repeat(np.arange(12), 5)
    reps = pf.profile_replicates(y, pred, n_boot=200, seed=3, blocks=blocks)
    table = pf.profile_table(y, reps, ["a", "b"], 0.95)
    assert (table.window_pearson_lo < table.window_pearson).all() and (
        table.window_pearson < table.window_pearson_hi
    ).all()
    again = pf.profile_replicates(y, pred, n_boot=200, seed=3, blocks=blocks)
    assert np.array_equal(reps.reps["mse"], again.reps["mse"])  # paired: same windows for every model
    assert list(table.bins) == [6, 6]


def test_coverage_of_poisson_outputs_is_the_rate():
    out = np.log(np.array([[[1.0, 4.0]]]))
    assert np.allclose(pf.coverage(out, "poisson"), [[[1.0, 4.0]]])
    assert np.allclose(pf.coverage(out, "mse"), out)


def test_mean_profile_baseline_knows_the_shape_and_nothing_else(tmp_path):
    y, pred = _data(4, n=80)
    with h5py.File(tmp_path / "train.h5", "w") as h5:
        h5["y"] = y.astype(np.float32)
    mean = pf.mean_profile(str(tmp_path / "train.h5"), rows_per_read=7)
    assert np.allclose(mean, y.mean(axis=0), rtol=1e-6)
    base = pf.baseline_predictions(mean, 30)
    assert base.shape == (30, 2, 6) and np.allclose(base[5], mean)
    reps = pf.profile_replicates(y[:30], base, 50, 0)
    assert np.isnan(reps.point["total_pearson"]).all()  # one total for every window: no correlation
    assert (reps.point["window_pearson"] > 0.5).all()  # the hanning shape is shared by every window
    model = pf.profile_replicates(y[:30], pred[:30], 50, 0)
    assert (model.point["bin_pearson"] > reps.point["bin_pearson"]).all()


def test_validation_row_names_what_it_holds():
    y, pred = _data(5)
    row = pf.profile_validation(np.log(pred), y, "poisson")
    assert set(row) == {"valid_window_pearson", "valid_pearson", "valid_mse"}
    reps = pf.profile_replicates(y, pred, 2, 0)
    assert row["valid_window_pearson"] == pytest.approx(reps.point["window_pearson"].mean())
    assert row["valid_pearson"] == pytest.approx(reps.point["bin_pearson"].mean())


def test_save_and_load_round_trip(tmp_path):
    y, pred = _data(6)
    reps = pf.profile_replicates(y, pred, 5, 0)
    pf.save_profile(str(tmp_path / "p.npz"), reps, y, pred, {"model": "m"}, reps)
    assert pf.is_profile(str(tmp_path / "p.npz"))
    back, base, y2, p2, meta = pf.load_profile(str(tmp_path / "p.npz"))
    assert meta == {"model": "m"} and np.allclose(back.point["mse"], reps.point["mse"]) and base is not None
    assert y2.shape == y.shape and p2.dtype == np.float32


def test_models_compare_in_profile_mode_with_the_mean_profile_row(tmp_path):
    """compare_models in profile mode: one summary row per model plus the mean-profile baseline,
    ranked by macro per-window correlation; paired differences of every profile metric, the
    baseline's pairs in the reference family; the report's comparison ranks by window_pearson."""
    from chromcnn.evaluation.compare import MEAN_PROFILE, across_seeds, compare
    from chromcnn.report.stage_sections import comparison_context

    y, good = _data(7, n=60)
    rng = np.random.default_rng(8)
    poor = good * rng.lognormal(0, 1.5, good.shape)  # a noisier model: worse shapes
    meta = {"tasks": ["a", "b"], "bootstrap": 50, "seed": 1, "block_bp": None}
    mean = y.mean(axis=0)
    paths = []
    for name, pred in (("poor-s1", poor), ("good-s1", good)):
        reps = pf.profile_replicates(y, pred, 50, 1)
        base = pf.profile_replicates(y, pf.baseline_predictions(mean, len(y)), 50, 1)
        paths.append(str(tmp_path / f"{name}.npz"))
        pf.save_profile(paths[-1], reps, y, pred, meta, base)
    summary, comparison = compare(["poor-s1", "good-s1"], paths, 0.95)
    assert list(summary.model)[0] == "good-s1" and set(summary.model) == {"good-s1", "poor-s1", MEAN_PROFILE}
    assert summary.macro_window_pearson.is_monotonic_decreasing
    good_row = summary.set_index("model").loc["good-s1"]
    expected = np.nanmean([np.nanmean(pf.window_correlations(y[:, j], good[:, j])) for j in range(2)])
    assert good_row.macro_window_pearson == pytest.approx(expected)
    assert set(comparison.metric) == set(pf.METRICS) and len(comparison) == 3 * len(pf.METRICS) * 3
    pair = comparison[(comparison.model_a == "good-s1") & (comparison.model_b == "poor-s1")]
    mse = pair[(pair.metric == "mse") & (pair.task == "macro")].iloc[0]
    assert mse.difference < 0 and mse.winner in ("good-s1", "tie")  # lower MSE wins
    seeds, variants = across_seeds(["poor-s1", "good-s1"], paths, 0.95, 1)
    assert seeds.empty and variants.empty
    ctx = comparison_context(comparison)
    assert {p["metric"] for p in ctx["pairs"]} == {m.upper() for m in pf.METRICS}
    assert all(MEAN_PROFILE not in (p["a"], p["b"]) for p in ctx["pairs"])  # a reference, not a model
