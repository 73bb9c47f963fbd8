"""Test-split metrics of coverage profiles (``targets.mode: profile``) with paired bootstrap intervals.

``y`` and the predictions are float (N, T, B): per window, task and bin the summed coverage
(:mod:`chromcnn.data.signal`). A Poisson model's outputs are log-rates; :func:`coverage`
turns them into predicted coverage before any metric. Per task:

==================  ==========================================================  ===========================
metric              computed on                                                 good / bad
==================  ==========================================================  ===========================
window_pearson      Pearson across the B bins of one window, mean over the      1 perfect shape, 0 none;
                    test windows whose observed and predicted bins vary          the mean-shape baseline is
                    (a window of constant coverage, e.g. all 0, has none)        the bar to beat
total_pearson       Pearson over windows of the window totals (sum of bins)     1 perfect, 0 none
bin_pearson         Pearson over all N x B bins pooled                          1 perfect, 0 none
bin_spearman        Spearman over all N x B bins pooled (mid-ranks)             1 perfect, 0 none
mse                 mean over windows and bins of the squared error (coverage)  0 perfect; lower is better
poisson_deviance    mean over windows and bins of 2 (y log(y / p) - (y - p))    0 perfect; lower is better
==================  ==========================================================  ===========================

The replicates draw windows with :func:`chromcnn.evaluation.metrics.bootstrap_weights` (genomic
blocks included), the same paired resampling as AUROC and the signal metrics: a window's bins
travel together. Macro values are the mean over tasks (:func:`chromcnn.evaluation.metrics.macro`).

The **baseline** (:func:`mean_profile`) predicts every window as the training split's mean
profile per task: the mean shape (at the mean total), which knows where coverage tends to lie
in a window but nothing of the sequence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from chromcnn.evaluation.metrics import BLOCK_ELEMENTS, bootstrap_weights, macro
from chromcnn.evaluation.regression import regression_summary, regression_table, weighted_pearson, weighted_spearman
from chromcnn.io.atomic import atomic_path

METRICS = ("window_pearson", "total_pearson", "bin_pearson", "bin_spearman", "mse", "poisson_deviance")
LOWER_IS_BETTER = ("mse", "poisson_deviance")
#: the floor of a predicted rate in the deviance (a prediction of 0 where coverage was seen).
EPS = 1e-8


def coverage(outputs: np.ndarray, loss: str | None) -> np.ndarray:
    """Predicted coverage from model outputs: ``exp`` of a Poisson model's log-rates, else as is (float64)."""
    out = np.asarray(outputs, np.float64)
    return np.exp(np.minimum(out, 80.0)) if loss == "poisson" else out


def window_correlations(y: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Pearson across bins of each window.

    Parameters
    ----------
    y, pred : numpy.ndarray
        float (N, B).

    Returns
    -------
    numpy.ndarray
        float64 (N,); NaN where the observed or predicted bins are constant.
    """
    y, p = np.asarray(y, np.float64), np.asarray(pred, np.float64)
    yc, pc = y - y.mean(axis=1, keepdims=True), p - p.mean(axis=1, keepdims=True)
    vy, vp = (yc * yc).sum(axis=1), (pc * pc).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (yc * pc).sum(axis=1) / np.sqrt(vy * vp)
    scale = np.maximum(1.0, np.abs(y).max(axis=1) ** 2), np.maximum(1.0, np.abs(p).max(axis=1) ** 2)
    r[~(vy > 1e-12 * scale[0]) | ~(vp > 1e-12 * scale[1])] = np.nan
    return np.clip(r, -1.0, 1.0)


def poisson_deviance(y: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Per-window mean Poisson deviance over bins, float64 (N,) of float (N, B) counts and rates."""
    y, p = np.asarray(y, np.float64), np.maximum(np.asarray(pred, np.float64), EPS)
    with np.errstate(invalid="ignore", divide="ignore"):
        term = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / p), 0.0)
    return (2.0 * (term - (y - p))).mean(axis=1)


def _weighted_mean(values: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Mean of float (N,) values (NaN: left out) under (R, N) window weights, float64 (R,)."""
    ok = np.isfinite(values)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (w[:, ok] @ values[ok]) / w[:, ok].sum(axis=1)


def task_metrics(y: np.ndarray, pred: np.ndarray, w: np.ndarray) -> dict[str, np.ndarray]:
    """Every metric of one task under (R, N) window weights.

    Parameters
    ----------
    y, pred : numpy.ndarray
        float (N, B) observed coverage and predicted coverage (not log-rates).
    w : numpy.ndarray
        (R, N) window counts.

    Returns
    -------
    dict of str to numpy.ndarray
        float64 (R,) per metric of :data:`METRICS`.
    """
    w = np.asarray(w, np.float64)
    bins = np.repeat(w, y.shape[1], axis=1)  # a window's bins travel with it
    return {
        "window_pearson": _weighted_mean(window_correlations(y, pred), w),
        "total_pearson": weighted_pearson(y.sum(axis=1), pred.sum(axis=1), w),
        "bin_pearson": weighted_pearson(y.ravel(), pred.ravel(), bins),
        "bin_spearman": weighted_spearman(y.ravel(), pred.ravel(), bins),
        "mse": _weighted_mean(((y - pred) ** 2).mean(axis=1), w),
        "poisson_deviance": _weighted_mean(poisson_deviance(y, pred), w),
    }


@dataclass
class ProfileReplicates:
    """Point estimates float64 (T,) and replicates float32 (T, R) per metric of :data:`METRICS`."""

    point: dict
    reps: dict


def profile_replicates(
    y: np.ndarray, pred: np.ndarray, n_boot: int, seed: int, blocks: np.ndarray | None = None
) -> ProfileReplicates:
    """Per-task profile metrics with ``n_boot`` paired bootstrap replicates.

    Parameters
    ----------
    y, pred : numpy.ndarray
        float (N, T, B) observed and predicted coverage.
    n_boot, seed : int
    blocks : numpy.ndarray, optional
        int64 (N,) genomic blocks (:func:`chromcnn.evaluation.metrics.genomic_blocks`).
    """
    y, pred = np.asarray(y, np.float64), np.asarray(pred, np.float64)
    n, t, _ = y.shape
    one = np.ones((1, n))
    per_task = [task_metrics(y[:, j], pred[:, j], one) for j in range(t)]
    point = {m: np.array([d[m][0] for d in per_task]) for m in METRICS}
    reps = {m: np.full((t, n_boot), np.nan, np.float32) for m in METRICS}
    done = 0
    step = max(1, BLOCK_ELEMENTS // max(1, n * y.shape[2]))  # replicates per pass: memory ~ step x N x B
    for group in bootstrap_weights(n, n_boot, seed, blocks):
        for k in range(0, len(group), step):
            w = group[k : k + step]
            for j in range(t):
                for m, v in task_metrics(y[:, j], pred[:, j], w).items():
                    reps[m][j, done : done + len(w)] = v
            done += len(w)
    return ProfileReplicates(point, reps)


def profile_table(y: np.ndarray, reps: ProfileReplicates, tasks: list[str], level: float) -> pd.DataFrame:
    """metrics.tsv rows of a profile model: per task n windows, bins, each metric and its interval."""
    table = regression_table(y, reps, tasks, level, METRICS)
    table.insert(2, "bins", y.shape[2])
    return table


def profile_summary(model: str, reps: ProfileReplicates, level: float) -> dict:
    """One row: macro (mean over tasks) of each metric with its interval."""
    return regression_summary(model, reps, level, METRICS)


def mean_profile(path: str, rows_per_read: int = 1 << 14) -> np.ndarray:
    """The training split's mean profile per task, float64 (T, B), read in blocks of rows.

    Parameters
    ----------
    path : str
        A profile split file (``y`` float32 (N, T, B)).
    """
    import h5py

    with h5py.File(path, "r") as h5:
        yd = h5["y"]
        total = np.zeros(yd.shape[1:], np.float64)
        for lo in range(0, yd.shape[0], rows_per_read):
            total += yd[lo : lo + rows_per_read].sum(axis=0, dtype=np.float64)
        return total / max(1, yd.shape[0])


def baseline_predictions(mean: np.ndarray, n: int) -> np.ndarray:
    """The mean-profile baseline's prediction for ``n`` windows: float64 (n, T, B), each the mean profile."""
    return np.broadcast_to(np.asarray(mean, np.float64)[None], (n, *np.shape(mean)))


def save_profile(
    path: str,
    reps: ProfileReplicates,
    y: np.ndarray,
    pred: np.ndarray,
    meta: dict,
    baseline: ProfileReplicates | None = None,
) -> None:
    """predictions.npz of a profile model: ``y`` and ``probs`` (predicted coverage, float32 (N, T, B)),
    ``meta``, ``target_mode`` = ``profile``, per metric ``{m}`` (T,) and ``{m}_reps`` (T, R), and the
    baseline's as ``baseline_{m}`` / ``baseline_{m}_reps``."""
    arrays = {**{m: reps.point[m] for m in METRICS}, **{f"{m}_reps": reps.reps[m] for m in METRICS}}
    if baseline is not None:
        arrays.update({f"baseline_{m}": baseline.point[m] for m in METRICS})
        arrays.update({f"baseline_{m}_reps": baseline.reps[m] for m in METRICS})
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez_compressed(
            handle,
            y=np.asarray(y, np.float32),
            probs=np.asarray(pred, np.float32),
            meta=json.dumps(meta),
            target_mode="profile",
            **arrays,
        )


def is_profile(path: str) -> bool:
    """Whether a predictions.npz holds profile replicates (:func:`save_profile`)."""
    with np.load(path) as npz:
        return "target_mode" in npz.files and str(npz["target_mode"]) == "profile"


def load_profile(path: str) -> tuple[ProfileReplicates, ProfileReplicates | None, np.ndarray, np.ndarray, dict]:
    """Inverse of :func:`save_profile`: model replicates, baseline replicates (or None), y, predictions, meta."""
    with np.load(path) as npz:
        reps = ProfileReplicates({m: npz[m] for m in METRICS}, {m: npz[f"{m}_reps"] for m in METRICS})
        base = None
        if f"baseline_{METRICS[0]}" in npz.files:
            base = ProfileReplicates(
                {m: npz[f"baseline_{m}"] for m in METRICS}, {m: npz[f"baseline_{m}_reps"] for m in METRICS}
            )
        return reps, base, npz["y"], npz["probs"], json.loads(str(npz["meta"]))


def profile_validation(outputs: np.ndarray, y: np.ndarray, loss: str | None) -> dict:
    """The validation row of a profile model (macro over tasks; NaN tasks skipped).

    ``valid_window_pearson``: mean over windows of the correlation across bins (the monitor);
    ``valid_pearson``: Pearson over all bins pooled; ``valid_mse``: squared error of the
    predicted coverage (:func:`coverage` of ``outputs``), float (N, T, B) like ``y``.
    """
    y, pred = np.asarray(y, np.float64), coverage(outputs, loss)
    window = [np.nanmean(window_correlations(y[:, j], pred[:, j])) for j in range(y.shape[1])]
    pooled = [weighted_pearson(y[:, j].ravel(), pred[:, j].ravel())[0] for j in range(y.shape[1])]
    return {
        "valid_window_pearson": float(macro(np.array(window)[:, None])[0]),
        "valid_pearson": float(macro(np.array(pooled)[:, None])[0]),
        "valid_mse": float(np.mean((y - pred) ** 2)),
    }
