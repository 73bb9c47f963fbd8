"""Signal-mode report: the metrics section shows Pearson, Spearman and MSE with intervals, not AUROC."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
from chromcnn.evaluation.regression import regression_replicates, regression_summary, regression_table, save_regression
from chromcnn.report.signal_sections import is_signal, prediction_meta, signal_metrics


def test_signal_metrics_section_shows_the_regression_metrics(tmp_path):
    rng = np.random.default_rng(0)
    y = rng.normal(size=(300, 2))
    pred = y + rng.normal(size=y.shape)
    reps = regression_replicates(y, pred, 100, seed=1)
    save_regression(str(tmp_path / "p.npz"), reps, y, pred, {"tasks": ["A", "B"], "block_bp": 0})
    pd.DataFrame([regression_summary("m-s1", reps, 0.95)]).to_csv(tmp_path / "summary.tsv", sep="\t", index=False)
    regression_table(y, reps, ["A", "B"], 0.95).to_csv(tmp_path / "metrics.tsv", sep="\t", index=False)
    inp = SimpleNamespace(
        summary=str(tmp_path / "summary.tsv"),
        models=["m-s1"],
        metrics=[str(tmp_path / "metrics.tsv")],
        predictions=[str(tmp_path / "p.npz")],
    )
    assert is_signal(inp) and prediction_meta(inp.predictions[0])["tasks"] == ["A", "B"]
    html = signal_metrics(inp, "")
    r = reps.point["pearson"]
    assert "macro Pearson [95% CI]" in html and "AUROC" not in html
    assert f"{r[0]:.3f} [" in html and f"{r[1]:.3f} [" in html  # per-task Pearson with its interval
    assert "<b>Good:</b>" in html and "<b>Bad:</b>" in html
