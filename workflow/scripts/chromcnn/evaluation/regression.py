"""Test-split metrics of quantitative targets (``targets.mode: signal``) with paired bootstrap intervals.

Per task: Pearson and Spearman correlation of predicted against observed values, and
the mean squared error. The replicates use the same window weights as AUROC
(:func:`chromcnn.evaluation.metrics.bootstrap_weights`, blocks included), so two
models on the same test windows are compared *paired*. A replicate's statistic is
the one of the resampled windows exactly: weighted Pearson is the Pearson of the
sample with each window repeated ``w`` times, and weighted Spearman ranks that
sample (mid-ranks for ties) before correlating, as ``scipy.stats.spearmanr`` would.

Good and bad values: a correlation of 1 is perfect, 0 is no skill (a constant or
shuffled prediction), negative is worse than nothing; MSE is in the transformed
units of ``y`` (``targets.transform``), 0 is perfect, and the variance of ``y`` is
what predicting its mean achieves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from chromcnn.evaluation.metrics import _difference_row, bootstrap_weights, interval, macro
from chromcnn.io.atomic import atomic_path

METRICS = ("pearson", "spearman", "mse")
#: metrics where the lower value is the better one.
LOWER_IS_BETTER = ("mse",)


def weighted_pearson(y: np.ndarray, pred: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Pearson correlation under window weights.

    Parameters
    ----------
    y, pred : numpy.ndarray
        float (N,).
    weights : numpy.ndarray, optional
        (B, N) replicate weights (window counts); None: one replicate of ones.

    Returns
    -------
    numpy.ndarray
        float64 (B,); NaN where either side has zero variance.
    """
    y, p = np.asarray(y, np.float64), np.asarray(pred, np.float64)
    w = np.ones((1, len(y))) if weights is None else np.asarray(weights, np.float64)
    total = w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        my, mp = (w @ y) / total, (w @ p) / total
        cov = (w @ (y * p)) / total - my * mp
        vy = (w @ (y * y)) / total - my * my
        vp = (w @ (p * p)) / total - mp * mp
        r = cov / np.sqrt(vy * vp)
    r[~(vy > 1e-12 * np.maximum(1, my * my)) | ~(vp > 1e-12 * np.maximum(1, mp * mp))] = np.nan
    return np.clip(r, -1.0, 1.0)


def weighted_ranks(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Mid-ranks of each window in each replicate's resampled sample.

    A window drawn ``w`` times whose tie group starts after ``c`` drawn values has
    rank ``c + (g + 1) / 2`` where ``g`` is the tie group's total weight.

    Parameters
    ----------
    values : numpy.ndarray
        float (N,).
    weights : numpy.ndarray
        (B, N).

    Returns
    -------
    numpy.ndarray
        float64 (B, N) ranks (windows of weight 0 get a rank that does not count).
    """
    order = np.argsort(values, kind="stable")
    s = np.asarray(values)[order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    group = np.cumsum(np.r_[True, s[1:] != s[:-1]]) - 1
    wg = np.add.reduceat(np.asarray(weights, np.float64)[:, order], starts, axis=1)
    before = np.cumsum(wg, axis=1) - wg
    ranks = np.empty((len(wg), len(values)))
    ranks[:, order] = (before + (wg + 1) / 2)[:, group]
    return ranks


def weighted_spearman(y: np.ndarray, pred: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Spearman correlation under window weights (float64 (B,)); see :func:`weighted_pearson`."""
    w = np.ones((1, len(y))) if weights is None else np.asarray(weights, np.float64)
    ry, rp = weighted_ranks(np.asarray(y), w), weighted_ranks(np.asarray(pred), w)
    return np.array([weighted_pearson(ry[b], rp[b], w[b : b + 1])[0] for b in range(len(w))])


def weighted_mse(y: np.ndarray, pred: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Mean squared error under window weights, float64 (B,)."""
    w = np.ones((1, len(y))) if weights is None else np.asarray(weights, np.float64)
    err = (np.asarray(y, np.float64) - np.asarray(pred, np.float64)) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        return (w @ err) / w.sum(axis=1)


FUNCTIONS = {"pearson": weighted_pearson, "spearman": weighted_spearman, "mse": weighted_mse}


@dataclass
class RegressionReplicates:
    """Point estimates float64 (T,) and replicates float32 (T, B) per metric of :data:`METRICS`."""

    point: dict
    reps: dict


def regression_replicates(
    y: np.ndarray, pred: np.ndarray, n_boot: int, seed: int, blocks: np.ndarray | None = None
) -> RegressionReplicates:
    """Per-task Pearson, Spearman and MSE with ``n_boot`` paired bootstrap replicates.

    Parameters
    ----------
    y, pred : numpy.ndarray
        float (N, T) observed and predicted targets.
    n_boot, seed : int
    blocks : numpy.ndarray, optional
        int64 (N,) genomic blocks (:func:`chromcnn.evaluation.metrics.genomic_blocks`).
    """
    y, pred = np.asarray(y, np.float64), np.asarray(pred, np.float64)
    n, t = y.shape
    point = {m: np.array([f(y[:, j], pred[:, j])[0] for j in range(t)]) for m, f in FUNCTIONS.items()}
    reps = {m: np.full((t, n_boot), np.nan, np.float32) for m in METRICS}
    done = 0
    for w in bootstrap_weights(n, n_boot, seed, blocks):
        for m, f in FUNCTIONS.items():
            for j in range(t):
                reps[m][j, done : done + len(w)] = f(y[:, j], pred[:, j], w)
        done += len(w)
    return RegressionReplicates(point, reps)


def regression_table(
    y: np.ndarray, reps: RegressionReplicates, tasks: list[str], level: float, metrics: tuple[str, ...] = METRICS
) -> pd.DataFrame:
    """metrics.tsv rows of a signal-mode model: per task n, each metric and its interval
    (``metrics``: of any replicates with ``point`` and ``reps``, e.g. the profile metrics)."""
    table = {"task": tasks, "n": [len(y)] * len(tasks)}
    for m in metrics:
        lo, hi = interval(reps.reps[m], level)
        table.update({m: reps.point[m], f"{m}_lo": lo, f"{m}_hi": hi})
    return pd.DataFrame(table)


def regression_summary(
    model: str, reps: RegressionReplicates, level: float, metrics: tuple[str, ...] = METRICS
) -> dict:
    """summary.tsv row: macro (mean over tasks) of each metric with its interval."""
    row: dict = {"model": model}
    for m in metrics:
        lo, hi = interval(macro(reps.reps[m]), level)
        row.update({f"macro_{m}": float(macro(reps.point[m][:, None])[0]), f"macro_{m}_lo": lo, f"macro_{m}_hi": hi})
    return row


def regression_differences(
    name_a: str,
    a: RegressionReplicates,
    name_b: str,
    b: RegressionReplicates,
    tasks: list[str],
    level: float,
    metrics: tuple[str, ...] = METRICS,
    lower_is_better: tuple[str, ...] = LOWER_IS_BETTER,
) -> list[dict]:
    """Per-task and macro differences (a - b) of each metric, paired intervals, p-value and winner
    (for MSE the lower wins), in the rows of :func:`chromcnn.evaluation.metrics.paired_differences`.

    ``metrics`` / ``lower_is_better``: any replicates with ``point`` and ``reps`` per metric
    (the profile metrics of :mod:`chromcnn.evaluation.profile` too)."""
    rows = []
    for m in metrics:
        pa, pb, ra, rb = a.point[m], b.point[m], a.reps[m], b.reps[m]
        diffs = [(task, pa[i] - pb[i], ra[i] - rb[i]) for i, task in enumerate(tasks)]
        diffs.append(("macro", macro(pa[:, None])[0] - macro(pb[:, None])[0], macro(ra) - macro(rb)))
        lower = m in lower_is_better
        rows += [_difference_row(name_a, name_b, task, m, point, rep, level, lower) for task, point, rep in diffs]
    return rows


def save_regression(path: str, reps: RegressionReplicates, y: np.ndarray, pred: np.ndarray, meta: dict) -> None:
    """predictions.npz of a signal-mode model: ``y``, ``probs`` (the predictions, float32 (N, T)),
    ``meta``, ``target_mode`` = ``signal``, and per metric ``{m}`` (T,) and ``{m}_reps`` (T, B)."""
    arrays = {**{m: reps.point[m] for m in METRICS}, **{f"{m}_reps": reps.reps[m] for m in METRICS}}
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez_compressed(handle, y=np.asarray(y), probs=pred, meta=json.dumps(meta), target_mode="signal", **arrays)


def is_regression(path: str) -> bool:
    """Whether a predictions.npz holds regression replicates (:func:`save_regression`)."""
    with np.load(path) as npz:
        return "target_mode" in npz.files and str(npz["target_mode"]) == "signal"


def load_regression(path: str) -> tuple[RegressionReplicates, np.ndarray, np.ndarray, dict]:
    """Inverse of :func:`save_regression`: replicates, y, predictions, meta."""
    with np.load(path) as npz:
        reps = RegressionReplicates({m: npz[m] for m in METRICS}, {m: npz[f"{m}_reps"] for m in METRICS})
        return reps, npz["y"], npz["probs"], json.loads(str(npz["meta"]))
