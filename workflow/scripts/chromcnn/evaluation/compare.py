"""Every model's test metrics side by side: summary.tsv and the paired comparison.tsv, and
per variant over seeds: seeds.tsv and variant_comparison.tsv (:mod:`chromcnn.evaluation.stats`).

The planted-motif oracle, when the data has planted motifs, is one more row
(:data:`ORACLE`) of summary.tsv and comparison.tsv; its predictions.npz has the
same format as a model's. A comparison's ``winner`` is decided after
multiple-testing control (``compare.multiple_testing``: Benjamini-Hochberg by
default, or Holm) within each family: the rows of one metric, per-task rows and
macro rows apart, pairs with a reference (the oracle, the GC-only regression, the mean profile)
apart from pairs of models.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from chromcnn.errors import InputError
from chromcnn.evaluation import metrics as ev
from chromcnn.evaluation import profile as pf
from chromcnn.evaluation import regression as rg
from chromcnn.evaluation import stats

#: the row of the planted-motif oracle (:mod:`chromcnn.evaluation.oracle`); model ids are
#: ``{name}-s{seed}``, so no model has this name.
ORACLE = "oracle"
#: how the report labels that row.
ORACLE_LABEL = "oracle (knows the planted motifs; a reference, not a ceiling)"
#: the row of the GC-only regression in signal mode (:mod:`chromcnn.evaluation.signal_reference`).
GC_ONLY = "gc_only"
#: the row of the mean-profile baseline in profile mode (:func:`chromcnn.evaluation.profile.mean_profile`).
MEAN_PROFILE = "mean_profile"
#: rows that are references, not models: their pairs form their own multiple-testing family.
REFERENCES = (ORACLE, GC_ONLY, MEAN_PROFILE)
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
    if pf.is_profile(paths[0]):
        return _load_profiles(models, paths)
    read = rg.load_regression if rg.is_regression(paths[0]) else ev.load_replicates
    loaded = {m: read(path) for m, path in zip(models, paths)}
    _check_paired(loaded, models, paths)
    return loaded


def _load_profiles(models: list[str], paths: list[str]) -> dict[str, tuple]:
    """Profile models as ``(reps, y, predictions, meta)``, and the first model's mean-profile
    baseline as one more row (:data:`MEAN_PROFILE`; the same baseline for every model)."""
    loaded, baseline = {}, None
    for model, path in zip(models, paths):
        reps, base, y, probs, meta = pf.load_profile(path)
        loaded[model] = (reps, y, probs, meta)
        baseline = baseline or (base, y, None, meta)
    _check_paired(loaded, models, paths)
    if baseline is not None and baseline[0] is not None:
        loaded[MEAN_PROFILE] = baseline
    return loaded


def _check_paired(loaded: dict[str, tuple], models: list[str], paths: list[str]) -> None:
    """Every model scored on the first model's test windows with its bootstrap settings, else InputError."""
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


def _kind(first: object) -> tuple:
    """(summary row, differences, sort column) for the replicates' kind: binary, signal or profile."""
    if isinstance(first, pf.ProfileReplicates):

        def differences(a, ra, b, rb, tasks, level):
            return rg.regression_differences(a, ra, b, rb, tasks, level, pf.METRICS, pf.LOWER_IS_BETTER)

        return pf.profile_summary, differences, "macro_window_pearson"
    if isinstance(first, rg.RegressionReplicates):
        return rg.regression_summary, rg.regression_differences, "macro_pearson"
    return ev.summary_row, ev.paired_differences, "macro_auroc"


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
    row_of, differences, key = _kind(loaded[models[0]][0])
    summary = pd.DataFrame([row_of(m, reps, level) for m, (reps, *_) in loaded.items()])
    summary = summary.sort_values(key, ascending=False, na_position="last")
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
        oracle=comparison.model_a.isin(REFERENCES) | comparison.model_b.isin(REFERENCES),
    )
    frame = stats.decide(frame, ["metric", "family", "oracle"], method, level)
    lower = frame.metric.isin((*rg.LOWER_IS_BETTER, *pf.LOWER_IS_BETTER)) & (frame.winner != "tie")  # MSE: smaller wins
    frame.loc[lower, "winner"] = np.where(
        frame.winner[lower] == frame.model_a[lower], frame.model_b[lower], frame.model_a[lower]
    )
    return frame[COMPARISON_COLUMNS]


def across_seeds(
    models: list[str], paths: list[str], level: float, seed: int, method: str = "bh"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """seeds.tsv (per variant: mean and spread of the macro metrics over seeds) and
    variant_comparison.tsv (pairs of variants, resampling seeds and windows; empty with one seed
    per variant). The oracle is left out: it has no seeds. Signal and profile models get empty tables (not yet)."""
    models_paths = [(m, p) for m, p in zip(models, paths) if m != ORACLE]
    models, paths = [m for m, _ in models_paths], [p for _, p in models_paths]
    if not models or rg.is_regression(paths[0]) or pf.is_profile(paths[0]):  # seed tables: binary mode only
        return pd.DataFrame(columns=stats.SEED_COLUMNS), pd.DataFrame(columns=stats.VARIANT_COLUMNS)
    loaded = load(models, paths)
    tasks = loaded[models[0]][3]["tasks"]
    summary = pd.DataFrame([ev.summary_row(m, reps, level) for m, (reps, *_) in loaded.items()])
    seeds = stats.seed_table(summary)
    if seeds.n_seeds.max() < 2:
        return seeds, pd.DataFrame(columns=stats.VARIANT_COLUMNS)
    reps = {m: r for m, (r, *_) in loaded.items()}
    return seeds, stats.seed_comparison(reps, tasks, level, seed, method)
