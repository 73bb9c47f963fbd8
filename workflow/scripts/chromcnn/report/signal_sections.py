"""The "Test metrics" section of signal-mode models (``targets.mode: signal``).

Pearson, Spearman and MSE per task and macro with their paired bootstrap intervals; the
references (the planted-motif oracle when motifs were planted, and the GC-only regression,
:mod:`chromcnn.evaluation.signal_reference`) as labelled rows; the best model's macro
Pearson against each reference and the ``linear`` baseline from comparison.tsv; and a
scatter plot of the best model's predicted against observed values per task (a hexbin
density when the points are many).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from chromcnn.evaluation.compare import GC_ONLY, ORACLE, ORACLE_LABEL
from chromcnn.evaluation.regression import METRICS, is_regression, load_regression
from chromcnn.report import figures as fig
from chromcnn.report.inputs import ReportInputs, ci
from chromcnn.report.render import render_block

#: how the report labels the GC-only regression's row.
GC_LABEL = "GC-only regression (GC fraction and its square; a composition baseline)"
REFERENCE_LABELS = {ORACLE: ORACLE_LABEL, GC_ONLY: GC_LABEL}
#: above this many test windows a task's scatter is a hexbin density, not points.
HEXBIN_ABOVE = 2000


def is_signal(inp: ReportInputs) -> bool:
    """Whether the report's models were evaluated as signal-mode regressions."""
    return bool(inp.predictions) and is_regression(inp.predictions[0])


def prediction_meta(path: str) -> dict:
    """The ``meta`` record of any predictions.npz (binary or signal)."""
    with np.load(path) as npz:
        return json.loads(str(npz["meta"]))


def _cells(r, prefix: str = "") -> dict:
    return {
        m: ci(getattr(r, f"{prefix}{m}"), getattr(r, f"{prefix}{m}_lo"), getattr(r, f"{prefix}{m}_hi")) for m in METRICS
    }


def scatter(y: np.ndarray, pred: np.ndarray, tasks: list[str], title: str) -> str:
    """Predicted against observed per task, one panel each; a hexbin (log counts) above
    :data:`HEXBIN_ABOVE` points. ``y``, ``pred``: float (N, T). Returns a PNG data URI."""
    import matplotlib.pyplot as plt

    n_tasks = len(tasks)
    cols = min(n_tasks, 3)
    rows = -(-n_tasks // cols)
    figure, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 3.0 * rows), squeeze=False)
    for t, ax in enumerate(axes.flat):
        if t >= n_tasks:
            ax.axis("off")
            continue
        obs, est = np.asarray(y[:, t], float), np.asarray(pred[:, t], float)
        if len(obs) > HEXBIN_ABOVE:
            ax.hexbin(obs, est, gridsize=40, bins="log", cmap="viridis", mincnt=1)
        else:
            ax.scatter(obs, est, s=6, alpha=0.4, linewidths=0)
        lo, hi = float(np.nanmin([obs.min(), est.min()])), float(np.nanmax([obs.max(), est.max()]))
        ax.plot([lo, hi], [lo, hi], color="grey", lw=0.8, ls="--")
        r = np.corrcoef(obs, est)[0, 1] if obs.std() > 0 and est.std() > 0 else float("nan")
        ax.set_title(f"{tasks[t]} (r = {r:.2f})", fontsize=9)
        ax.set_xlabel("observed", fontsize=8)
        ax.set_ylabel("predicted", fontsize=8)
    figure.suptitle(title, fontsize=10, y=1.02)
    return fig.to_uri(figure)


def _task_rows(path: str) -> list[dict]:
    return [{"task": r.task, "n": r.n, **_cells(r)} for r in pd.read_csv(path, sep="\t").itertuples()]


def reference_tables(inp: ReportInputs) -> list[dict]:
    """Per-task rows of the oracle (``inp.oracle``) and of the GC-only regression (beside summary.tsv)."""
    out = []
    if getattr(inp, "oracle", None):
        out.append({"model": ORACLE_LABEL, "tasks": _task_rows(inp.oracle["metrics"])})
    gc_path = Path(inp.summary).parent / GC_ONLY / "metrics.tsv"
    if gc_path.exists():
        out.append({"model": GC_LABEL, "tasks": _task_rows(str(gc_path))})
    return out


def best_against(comparison: str, best: str, level: float = 0.95) -> list[dict]:
    """The best model's macro Pearson minus each reference's and ``linear``'s, with the paired interval."""
    if not comparison or not Path(comparison).exists():
        return []
    comp = pd.read_csv(comparison, sep="\t")
    comp = comp[(comp.task == "macro") & (comp.metric == "pearson")]
    rows = []
    for r in comp[(comp.model_a == best) | (comp.model_b == best)].itertuples():
        other = r.model_b if r.model_a == best else r.model_a
        if other not in REFERENCE_LABELS and not other.startswith("linear"):
            continue
        sign = 1 if r.model_a == best else -1
        lo, hi = sorted((sign * r.lo, sign * r.hi))
        diff = ci(sign * r.difference, lo, hi)
        rows.append({"other": REFERENCE_LABELS.get(other, other), "difference": diff, "winner": r.winner})
    return rows


def signal_metrics(inp: ReportInputs, block_bp: str) -> str:
    """Section "Test metrics" in signal mode: summary.tsv's macro rows (references labelled), the best
    model against the references, a scatter per task of the best model, then every per-task table."""
    summary = pd.read_csv(inp.summary, sep="\t")
    rows = [{"model": REFERENCE_LABELS.get(r.model, r.model), **_cells(r, "macro_")} for r in summary.itertuples()]
    models = [m for m in summary.model if m not in REFERENCE_LABELS and m in inp.models]
    best = models[0] if models else (inp.models[0] if inp.models else "")
    per_model = [{"model": m, "tasks": _task_rows(p)} for m, p in zip(inp.models, inp.metrics)]
    png, n = "", 0
    if best:
        _, y, pred, meta = load_regression(inp.predictions[inp.models.index(best)])
        png, n = scatter(y, pred, meta["tasks"], f"{best}: test windows"), len(y)
    ctx = {
        "summary": rows,
        "per_model": per_model,
        "references": reference_tables(inp),
        "against": best_against(getattr(inp, "comparison", ""), best),
        "best": best,
        "scatter": png,
        "n": n,
        "hexbin": n > HEXBIN_ABOVE,
        "block_bp": block_bp,
    }
    return render_block("signal_metrics", metrics=ctx)
