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


def _decode_images(html: str) -> list[np.ndarray]:
    """Every inline PNG of the section, decoded to pixels."""
    import base64
    import io
    import re

    import matplotlib.image as mpimg

    uris = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    return [mpimg.imread(io.BytesIO(base64.b64decode(u)), format="png") for u in uris]


def test_signal_section_scatter_references_and_best_against_them(tmp_path, monkeypatch):
    from chromcnn.evaluation.compare import GC_ONLY, compare
    from chromcnn.report import signal_sections
    from chromcnn.report.signal_sections import GC_LABEL

    monkeypatch.setattr(signal_sections, "HEXBIN_ABOVE", 300)  # a density above 300 points (2,000 in use)
    rng = np.random.default_rng(0)
    n, tasks = 400, ["A", "B"]
    y = rng.normal(size=(n, 2))
    preds = {"cnn-s1": y + 0.5 * rng.normal(size=y.shape), "linear-s1": y + 2 * rng.normal(size=y.shape)}
    preds[GC_ONLY] = rng.normal(size=y.shape)
    paths = {}
    for name, pred in preds.items():
        (tmp_path / name).mkdir()
        reps = regression_replicates(y, pred, 100, seed=1)
        paths[name] = str(tmp_path / name / "predictions.npz")
        save_regression(paths[name], reps, y, pred, {"tasks": tasks, "block_bp": 0, "bootstrap": 100, "seed": 1})
        regression_table(y, reps, tasks, 0.95).to_csv(tmp_path / name / "metrics.tsv", sep="\t", index=False)
    summary, comparison = compare(list(paths), list(paths.values()), 0.95)
    summary.to_csv(tmp_path / "summary.tsv", sep="\t", index=False)
    comparison.to_csv(tmp_path / "comparison.tsv", sep="\t", index=False)
    models = ["cnn-s1", "linear-s1"]
    inp = SimpleNamespace(
        summary=str(tmp_path / "summary.tsv"),
        comparison=str(tmp_path / "comparison.tsv"),
        models=models,
        metrics=[str(tmp_path / m / "metrics.tsv") for m in models],
        predictions=[paths[m] for m in models],
        oracle={},
    )
    html = signal_metrics(inp, "100 kb")
    images = _decode_images(html)
    assert len(images) == 1 and images[0].shape[0] > 100 and images[0].shape[1] > 200  # two decodable panels
    assert "as a density" in html and f"({n} test windows)" in html  # many points: hexbin
    assert html.count(GC_LABEL) >= 2  # its summary row and its per-task table
    best_vs_gc = comparison[(comparison.task == "macro") & (comparison.metric == "pearson")]
    row = best_vs_gc[(best_vs_gc.model_a == "cnn-s1") & (best_vs_gc.model_b == GC_ONLY)].iloc[0]
    assert row.lo > 0.5 and f"{row.difference:.3f} [{row.lo:.3f}, {row.hi:.3f}]" in html
    assert "cnn-s1 minus" in html and "linear-s1</td>" in html
