"""The "Test metrics" section of signal-mode models (``targets.mode: signal``): Pearson,
Spearman and MSE per task and macro, with their paired bootstrap intervals.

Scatter plots of predicted against observed values are not here yet (issue 15).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chromcnn.evaluation.regression import METRICS, is_regression
from chromcnn.report.inputs import ReportInputs, ci
from chromcnn.report.render import render_block


def is_signal(inp: ReportInputs) -> bool:
    """Whether the report's models were evaluated as signal-mode regressions."""
    return bool(inp.predictions) and is_regression(inp.predictions[0])


def prediction_meta(path: str) -> dict:
    """The ``meta`` record of any predictions.npz (binary or signal)."""
    import json

    with np.load(path) as npz:
        return json.loads(str(npz["meta"]))


def _cells(r, prefix: str = "") -> dict:
    return {
        m: ci(getattr(r, f"{prefix}{m}"), getattr(r, f"{prefix}{m}_lo"), getattr(r, f"{prefix}{m}_hi")) for m in METRICS
    }


def signal_metrics(inp: ReportInputs, block_bp: str) -> str:
    """Section "Test metrics" in signal mode: summary.tsv's macro rows, then each model's metrics.tsv."""
    summary = pd.read_csv(inp.summary, sep="\t")
    rows = [{"model": r.model, **_cells(r, "macro_")} for r in summary.itertuples()]
    per_model = []
    for model, path in zip(inp.models, inp.metrics):
        table = pd.read_csv(path, sep="\t")
        per_model.append(
            {"model": model, "tasks": [{"task": r.task, "n": r.n, **_cells(r)} for r in table.itertuples()]}
        )
    ctx = {"summary": rows, "per_model": per_model, "block_bp": block_bp}
    return render_block("signal_metrics", metrics=ctx)
