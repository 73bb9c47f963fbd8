"""Every model's test metrics side by side: summary.tsv and the paired comparison.tsv, and
per variant over seeds: seeds.tsv and variant_comparison.tsv (:mod:`chromcnn.evaluation.stats`).

The planted-motif oracle, when the data has planted motifs, is one more row
(:data:`ORACLE`) of summary.tsv and comparison.tsv; its predictions.npz has the
same format as a model's. A comparison's ``winner`` is decided after
multiple-testing control (``compare.multiple_testing``: Benjamini-Hochberg by
default, or Holm) within each family: the rows of one metric, per-task rows and
macro rows apart, pairs with the oracle apart from pairs of models.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from chromcnn.errors import InputError
from chromcnn.evaluation import metrics as ev
from chromcnn.evaluation import regression as rg
from chromcnn.evaluation import stats

#: the row of the planted-motif oracle (:mod:`chromcnn.evaluation.oracle`); model ids are
#: ``{name}-s{seed}``, so no model has this name.
ORACLE = "oracle"
#: how the report labels that row.
ORACLE_LABEL = "oracle (knows the planted motifs; a reference, not a ceiling)"
COMPARISON_COLUMNS = ["model_a", "model_b", "task", "metric", "difference", "lo", "hi", "p", "p_adjusted", "winner"]


def load(models: list[str], paths: list[str]) -> dict[str, tuple]:
    """``model -> load_replicates(path)``; every model must be scored on the same test windows.

    The replicates are paired because every evaluation draws them from the same
    seed over the same test windows and genomic blocks (``evaluate.block_bp``).

    Raises
    ------
    InputError
        Naming the predictions.npz whose labels, or bootstrap settings, differ from the first model's.
    """
    read = rg.load_regression if rg.is_regression(paths[0]) else ev.load_replicates
    loaded = {m: read(path) for m, path in zip(models, paths)}
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


def compare(models: list[str], paths: list[str], level: float, method: str = "bh") -> tuple[pd.DataFrame, pd.DataFrame]:
    """summary.tsv (one row per model, best macro AUROC first) and comparison.tsv (every pair).

    Parameters
    ----------
    models : list of str
        Names of the rows (model ids, and ``oracle`` when planted motifs are known).
    paths : list of str
        Their predictions.npz files, in ``models`` order.
    level : float
        Confidence level of the intervals; a winner needs an adjusted p-value under ``1 - level``.
    method : str
        Multiple-testing control of the winners: ``bh``, ``holm`` or ``none``.
    """
    loaded = load(models, paths)
    tasks = loaded[models[0]][3]["tasks"]
    signal = isinstance(loaded[models[0]][0], rg.RegressionReplicates)
    row_of, differences = (
        (rg.regression_summary, rg.regression_differences) if signal else (ev.summary_row, ev.paired_differences)
    )
    summary = pd.DataFrame([row_of(m, reps, level) for m, (reps, *_) in loaded.items()])
    summary = summary.sort_values("macro_pearson" if signal else "macro_auroc", ascending=False, na_position="last")
    rows = []
    for a, b in itertools.combinations(summary.model, 2):
        rows += differences(a, loaded[a][0], b, loaded[b][0], tasks, level)
    return summary, decide_winners(pd.DataFrame(rows, columns=COMPARISON_COLUMNS), method, level)


def decide_winners(comparison: pd.DataFrame, method: str, level: float) -> pd.DataFrame:
    """comparison.tsv with ``p_adjusted`` and ``winner`` after multiple-testing control per family."""
    if comparison.empty:
        return comparison
    frame = comparison.assign(
        family=np.where(comparison.task == "macro", "macro", "task"),
        oracle=(comparison.model_a == ORACLE) | (comparison.model_b == ORACLE),
    )
    frame = stats.decide(frame, ["metric", "family", "oracle"], method, level)
    lower = frame.metric.isin(rg.LOWER_IS_BETTER) & (frame.winner != "tie")  # MSE: the smaller one wins
    frame.loc[lower, "winner"] = np.where(
        frame.winner[lower] == frame.model_a[lower], frame.model_b[lower], frame.model_a[lower]
    )
    return frame[COMPARISON_COLUMNS]


def across_seeds(
    models: list[str], paths: list[str], level: float, seed: int, method: str = "bh"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """seeds.tsv (per variant: mean and spread of the macro metrics over seeds) and
    variant_comparison.tsv (pairs of variants, resampling seeds and windows; empty with one seed
    per variant). The oracle is left out: it has no seeds. Signal-mode models get empty tables (not yet)."""
    models_paths = [(m, p) for m, p in zip(models, paths) if m != ORACLE]
    models, paths = [m for m, _ in models_paths], [p for _, p in models_paths]
    if not models or rg.is_regression(paths[0]):  # signal mode: seed tables not yet (empty, with headers)
        return pd.DataFrame(columns=stats.SEED_COLUMNS), pd.DataFrame(columns=stats.VARIANT_COLUMNS)
    loaded = load(models, paths)
    tasks = loaded[models[0]][3]["tasks"]
    summary = pd.DataFrame([ev.summary_row(m, reps, level) for m, (reps, *_) in loaded.items()])
    seeds = stats.seed_table(summary)
    if seeds.n_seeds.max() < 2:
        return seeds, pd.DataFrame(columns=stats.VARIANT_COLUMNS)
    reps = {m: r for m, (r, *_) in loaded.items()}
    return seeds, stats.seed_comparison(reps, tasks, level, seed, method)
