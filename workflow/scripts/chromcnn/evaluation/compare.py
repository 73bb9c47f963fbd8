"""Every model's test metrics side by side: summary.tsv and the paired comparison.tsv.

The planted-motif oracle, when the data has planted motifs, is one more row
(:data:`ORACLE`); its predictions.npz has the same format as a model's.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from chromcnn.errors import InputError
from chromcnn.evaluation import metrics as ev

#: the row of the planted-motif oracle (:mod:`chromcnn.evaluation.oracle`); model ids are
#: ``{name}-s{seed}``, so no model has this name.
ORACLE = "oracle"
#: how the report labels that row.
ORACLE_LABEL = "oracle (knows the planted motifs; a reference, not a ceiling)"
COMPARISON_COLUMNS = ["model_a", "model_b", "task", "metric", "difference", "lo", "hi", "winner"]


def load(models: list[str], paths: list[str]) -> dict[str, tuple]:
    """``model -> load_replicates(path)``; every model must be scored on the same test windows.

    The replicates are paired because every evaluation draws them from the same
    seed over the same test windows and genomic blocks (``evaluate.block_bp``).

    Raises
    ------
    InputError
        Naming the predictions.npz whose labels, or bootstrap settings, differ from the first model's.
    """
    loaded = {m: ev.load_replicates(path) for m, path in zip(models, paths)}
    first = loaded[models[0]]
    for model, path in zip(models, paths):
        y = loaded[model][1]
        if y.shape != first[1].shape or not np.array_equal(y, first[1]):
            raise InputError(
                f"{model} was evaluated on other test windows than {models[0]}",
                "rerun the evaluation of every model (delete results/evaluation)",
                path=path,
            )
        keys = ("bootstrap", "seed", "block_bp")
        if any(loaded[model][3].get(k) != first[3].get(k) for k in keys):
            raise InputError(
                f"{model} was bootstrapped with other {'/'.join(keys)} than {models[0]}: replicates are not paired",
                "rerun the evaluation of every model (delete results/evaluation)",
                path=path,
            )
    return loaded


def compare(models: list[str], paths: list[str], level: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """summary.tsv (one row per model, best macro AUROC first) and comparison.tsv (every pair).

    Parameters
    ----------
    models : list of str
        Names of the rows (model ids, and ``oracle`` when planted motifs are known).
    paths : list of str
        Their predictions.npz files, in ``models`` order.
    level : float
        Confidence level of the intervals.
    """
    loaded = load(models, paths)
    tasks = loaded[models[0]][3]["tasks"]
    summary = pd.DataFrame([ev.summary_row(m, reps, level) for m, (reps, *_) in loaded.items()])
    summary = summary.sort_values("macro_auroc", ascending=False, na_position="last")
    rows = []
    for a, b in itertools.combinations(summary.model, 2):
        rows += ev.paired_differences(a, loaded[a][0], b, loaded[b][0], tasks, level)
    return summary, pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
