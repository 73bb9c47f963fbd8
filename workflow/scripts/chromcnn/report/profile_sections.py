"""The "Profiles" section of profile-mode models (``targets.mode: profile``): the profile metrics
(:mod:`chromcnn.evaluation.profile`) of every model beside the mean-profile baseline, and a few
test windows with observed and predicted coverage per track.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from chromcnn.evaluation.metrics import interval, macro
from chromcnn.evaluation.profile import LOWER_IS_BETTER, METRICS, is_profile, load_profile
from chromcnn.report.figures import to_uri
from chromcnn.report.inputs import ReportInputs, ci
from chromcnn.report.render import render_block

#: what each metric is computed on, for the table's header.
ON = {
    "window_pearson": "per window across its bins, mean over windows",
    "total_pearson": "window totals, over windows",
    "bin_pearson": "all bins pooled",
    "bin_spearman": "all bins pooled",
    "mse": "per bin, coverage units",
    "poisson_deviance": "per bin",
}


def example_windows(y: np.ndarray, n: int = 3) -> np.ndarray:
    """Rows of ``n`` test windows to draw: spread over the ranks of total coverage (top, middle, lower)."""
    order = np.argsort(-np.asarray(y, np.float64).sum(axis=(1, 2)), kind="stable")
    covered = order[: max(1, int((np.asarray(y).sum(axis=(1, 2)) > 0).sum()))]
    picks = np.linspace(0, len(covered) - 1, n).round().astype(int) // 2  # from the better-covered half
    return covered[np.unique(picks)]


def profile_figure(y: np.ndarray, pred: np.ndarray, tasks: list[str], rows: np.ndarray) -> str:
    """Observed (bars) and predicted (line) coverage per bin: one panel per window (columns) and task (rows).

    ``y`` and ``pred`` are float (N, T, B) coverage; ``rows`` the windows to draw.
    """
    t, b = y.shape[1], y.shape[2]
    fig, axes = plt.subplots(t, len(rows), figsize=(2.4 * len(rows) + 0.6, 0.9 * t + 0.6), squeeze=False)
    for c, i in enumerate(rows):
        for j in range(t):
            ax = axes[j, c]
            ax.bar(np.arange(b), y[i, j], width=0.9, color="0.75", label="observed")
            ax.plot(np.arange(b), pred[i, j], color="C3", lw=1.2, label="predicted")
            ax.tick_params(labelsize=5)
            if c == 0:
                ax.set_ylabel(tasks[j], fontsize=6, rotation=0, ha="right")
            if j == 0:
                ax.set_title(f"test window {i}", fontsize=7)
    axes[-1, 0].set_xlabel("bin", fontsize=6)
    axes[0, -1].legend(fontsize=5, loc="upper right")
    return to_uri(fig)


def _row(point: np.ndarray, reps: np.ndarray, j: int | None, level: float) -> dict:
    """Cells of one task (``j``) or of the macro average (``None``), each ``point [lo, hi]``."""
    out = {}
    for m in METRICS:
        p, r = (point[m][j], reps[m][j]) if j is not None else (macro(point[m][:, None])[0], macro(reps[m]))
        lo, hi = interval(r, level)
        out[m] = ci(float(p), float(lo), float(hi))
    return out


def model_context(model: str, path: str) -> dict:
    """Table rows (per task and macro, model and baseline) and the example-window figure of one model."""
    reps, base, y, pred, meta = load_profile(path)
    level, tasks = float(meta.get("ci", 0.95)), meta["tasks"]
    rows = []
    for j, task in [*enumerate(tasks), (None, "macro")]:
        rows.append({"task": task, "who": model, **_row(reps.point, reps.reps, j, level)})
        if base is not None:
            rows.append({"task": task, "who": "mean-profile baseline", **_row(base.point, base.reps, j, level)})
    figure = profile_figure(y, pred, tasks, example_windows(y))
    return {"model": model, "rows": rows, "figure": figure, "n": len(y), "bins": y.shape[2], "level": level}


def profiles(inp: ReportInputs) -> str | None:
    """Section "Profiles": shown only when the models were evaluated in profile mode."""
    paths = [(m, p) for m, p in zip(inp.models, inp.predictions) if is_profile(p)]
    if not paths:
        return None
    blocks = [model_context(m, p) for m, p in paths]
    header = [{"metric": m, "on": ON[m], "lower": m in LOWER_IS_BETTER} for m in METRICS]
    return render_block("profiles", blocks=blocks, header=header)
