"""The "Profiles" report section on a small synthetic profile evaluation."""

from __future__ import annotations

import numpy as np
from chromcnn.evaluation import profile as pf
from chromcnn.report.inputs import ReportInputs
from chromcnn.report.profile_sections import example_windows, profiles
from chromcnn.report.sections import SECTIONS


def test_profiles_section_shows_model_and_baseline_with_intervals_and_a_figure(tmp_path):
    rng = np.random.default_rng(0)
    y = rng.poisson(5 * np.hanning(10)[None, None], (30, 2, 10)).astype(np.float64)
    pred = y + rng.uniform(0, 1, y.shape)
    reps = pf.profile_replicates(y, pred, 50, 0)
    base = pf.profile_replicates(y, pf.baseline_predictions(y.mean(axis=0), len(y)), 50, 0)
    path = str(tmp_path / "predictions.npz")
    pf.save_profile(path, reps, y, pred, {"tasks": ["A", "B"], "ci": 0.95}, base)
    page = profiles(ReportInputs(models=["basenji-s1"], predictions=[path]))
    assert page.count("mean-profile baseline") >= 3  # one row per task and the macro row (and the guide)
    assert f"{reps.point['window_pearson'][0]:.3f} [" in page  # the model's value with its interval
    assert f"{base.point['window_pearson'][1]:.3f} [" in page
    assert "per window across its bins, mean over windows" in page and "data:image/png;base64," in page
    assert "profiles" in [s.name for s in SECTIONS]


def test_no_profiles_section_for_other_modes(tmp_path):
    from chromcnn.evaluation.regression import regression_replicates, save_regression

    y = np.random.default_rng(1).normal(size=(20, 2))
    path = str(tmp_path / "p.npz")
    save_regression(path, regression_replicates(y, y, 5, 0), y, y, {"tasks": ["A", "B"]})
    assert profiles(ReportInputs(models=["m"], predictions=[path])) is None


def test_example_windows_skip_windows_without_coverage():
    y = np.zeros((10, 1, 4))
    y[[2, 5, 7], 0] = [[1, 2, 3, 4], [9, 9, 9, 9], [1, 0, 0, 0]]
    rows = example_windows(y, 3)
    assert set(rows) <= {2, 5, 7} and 5 in rows
