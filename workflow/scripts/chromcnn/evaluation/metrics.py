"""Test-split metrics with paired bootstrap confidence intervals.

AUROC and average precision (AUPRC) are computed from one sort per task: the
scores are ordered once, tied scores are grouped, and every bootstrap replicate
is a vector of multinomial weights over the windows (how often each window is
drawn), so a replicate costs O(N) instead of a new sort. The weights depend
only on ``(N, n_boot, seed)`` and the windows' genomic blocks: every task and
every model evaluated on the same test windows sees the same replicates, which
makes differences between models *paired* (same resampled windows on both sides).
Point estimates equal scikit-learn's ``roc_auc_score`` and
``average_precision_score`` (ties included); the tests check that.

**Block bootstrap.** Nearby windows share sequence context, peaks and errors,
so resampling windows one by one understates the spread. With ``blocks`` (the
windows' genomic blocks, :func:`genomic_blocks`: ``evaluate.block_bp``, 1 Mb
by default), a replicate draws whole blocks with replacement (as many draws as
there are blocks) and each window is weighted by how often its block was drawn.

**Design prevalence.** The test split holds the sampled negatives
(``negatives.ratio`` per positive), not the genome's: AUPRC and calibration
are at that design prevalence, not at a genome-wide one.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from chromcnn.io.atomic import atomic_path

#: replicates x windows per block of bootstrap weights (bounds memory: ~8 bytes each).
BLOCK_ELEMENTS = 4_000_000
#: fewer bootstrap blocks than this and the evaluation warns (one block gives zero-width intervals).
MIN_BLOCKS = 10
#: equal-width probability bins of the expected calibration error.
ECE_BINS = 10


def _groups(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Descending order of ``scores`` and the start index of each run of tied scores."""
    order = np.argsort(-scores, kind="stable")
    s = scores[order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    return order, starts


def weighted_auroc_auprc(
    y: np.ndarray, scores: np.ndarray, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """AUROC and average precision of one task under window weights.

    Parameters
    ----------
    y : numpy.ndarray
        bool or 0/1, shape (N,).
    scores : numpy.ndarray
        float, shape (N,); any monotone score.
    weights : numpy.ndarray, optional
        float or int, shape (B, N): one row per replicate; None means one
        replicate of all ones (the point estimate).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        float64 (B,) AUROC and AUPRC; NaN where a replicate has no positive
        or no negative weight.
    """
    order, starts = _groups(np.asarray(scores, dtype=np.float64))
    pos = np.asarray(y, dtype=bool)[order]
    w = np.ones((1, len(order))) if weights is None else np.asarray(weights, dtype=np.float64)[:, order]
    wp = np.add.reduceat(w * pos, starts, axis=1)
    wn = np.add.reduceat(w * ~pos, starts, axis=1)
    cum_p, cum_n = np.cumsum(wp, axis=1), np.cumsum(wn, axis=1)
    n_pos, n_neg = cum_p[:, -1], cum_n[:, -1]
    with np.errstate(invalid="ignore", divide="ignore"):
        auroc = (wp * (n_neg[:, None] - cum_n + 0.5 * wn)).sum(axis=1) / (n_pos * n_neg)
        precision = np.where(cum_p + cum_n > 0, cum_p / np.maximum(cum_p + cum_n, 1e-300), 0.0)
        auprc = (wp * precision).sum(axis=1) / n_pos
    bad = (n_pos <= 0) | (n_neg <= 0)
    auroc[bad] = np.nan
    auprc[bad] = np.nan
    return auroc, auprc


def genomic_blocks(chrom: np.ndarray, start: np.ndarray, block_bp: int | None) -> np.ndarray | None:
    """Block label of each window: ``(chrom, start // block_bp)``, numbered in sorted order.

    Parameters
    ----------
    chrom : numpy.ndarray
        str (N,) chromosome of each window.
    start : numpy.ndarray
        int (N,) 0-based start.
    block_bp : int or None
        Block length; None or 0 gives None (the i.i.d. bootstrap).

    Returns
    -------
    numpy.ndarray or None
        int64 (N,) labels 0..K-1; the same for any row order of the same windows.
    """
    if not block_bp:
        return None
    keys = pd.MultiIndex.from_arrays([np.asarray(chrom).astype(str), np.asarray(start) // int(block_bp)])
    codes, _ = pd.factorize(keys, sort=True)
    return codes.astype(np.int64)


def bootstrap_weights(n: int, n_boot: int, seed: int, blocks: np.ndarray | None = None) -> Iterator[np.ndarray]:
    """Window counts of ``n_boot`` replicates, in groups of rows.

    They depend only on ``(n, n_boot, seed)`` and ``blocks``.

    Parameters
    ----------
    blocks : numpy.ndarray, optional
        int64 (n,) block label of each window (0..K-1); None resamples windows.
        With blocks, each replicate draws K blocks with replacement and a window
        counts as often as its block was drawn.

    Yields
    ------
    numpy.ndarray
        int32 (b, n); each row sums to n without blocks (to about n with them).
    """
    rng = np.random.default_rng(seed)
    per_block = max(1, BLOCK_ELEMENTS // max(n, 1))
    k = n if blocks is None else int(blocks.max()) + 1 if len(blocks) else 0
    for first in range(0, n_boot, per_block):
        b = min(per_block, n_boot - first)
        draws = rng.integers(0, k, size=(b, k))
        flat = (np.arange(b, dtype=np.int64)[:, None] * k + draws).ravel()
        counts = np.bincount(flat, minlength=b * k).reshape(b, k).astype(np.int32)
        yield counts if blocks is None else counts[:, blocks]


@dataclass
class Replicates:
    """Point estimates and bootstrap replicates of one model on one test split.

    Attributes
    ----------
    auroc, auprc : numpy.ndarray
        float64 (T,) point estimates per task (NaN when undefined).
    auroc_reps, auprc_reps : numpy.ndarray
        float32 (T, B) per-task replicates.
    micro_auroc, micro_auprc : float
        Point estimates over all (window, task) pairs pooled.
    micro_auroc_reps, micro_auprc_reps : numpy.ndarray
        float32 (B,).
    """

    auroc: np.ndarray
    auprc: np.ndarray
    auroc_reps: np.ndarray
    auprc_reps: np.ndarray
    micro_auroc: float
    micro_auprc: float
    micro_auroc_reps: np.ndarray
    micro_auprc_reps: np.ndarray


def replicates(
    y: np.ndarray, scores: np.ndarray, n_boot: int, seed: int, blocks: np.ndarray | None = None
) -> Replicates:
    """Per-task and micro AUROC/AUPRC with ``n_boot`` paired bootstrap replicates.

    Parameters
    ----------
    y : numpy.ndarray
        0/1, shape (N, T).
    scores : numpy.ndarray
        float, shape (N, T).
    n_boot : int
    seed : int
    blocks : numpy.ndarray, optional
        int64 (N,) genomic block of each window (:func:`genomic_blocks`); None = i.i.d. windows.
    """
    y = np.asarray(y) > 0
    n, t = y.shape
    point = [weighted_auroc_auprc(y[:, j], scores[:, j]) for j in range(t)]
    micro = weighted_auroc_auprc(y.ravel(), scores.ravel())
    reps = np.full((2, t, n_boot), np.nan, dtype=np.float32)
    micro_reps = np.full((2, n_boot), np.nan, dtype=np.float32)
    done = 0
    for w in bootstrap_weights(n, n_boot, seed, blocks):
        b = len(w)
        for j in range(t):
            reps[0, j, done : done + b], reps[1, j, done : done + b] = weighted_auroc_auprc(y[:, j], scores[:, j], w)
        rows = max(1, BLOCK_ELEMENTS // (n * t))
        for r in range(0, b, rows):
            micro_w = np.repeat(w[r : r + rows], t, axis=1)  # (rows, N*T), row-major like y.ravel()
            sl = slice(done + r, done + min(r + rows, b))
            micro_reps[0, sl], micro_reps[1, sl] = weighted_auroc_auprc(y.ravel(), scores.ravel(), micro_w)
        done += b
    return Replicates(
        auroc=np.array([p[0][0] for p in point]),
        auprc=np.array([p[1][0] for p in point]),
        auroc_reps=reps[0],
        auprc_reps=reps[1],
        micro_auroc=float(micro[0][0]),
        micro_auprc=float(micro[1][0]),
        micro_auroc_reps=micro_reps[0],
        micro_auprc_reps=micro_reps[1],
    )


def interval(reps: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval over the last axis (NaN replicates ignored)."""
    alpha = (1 - level) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows give NaN
        return np.nanquantile(reps, alpha, axis=-1), np.nanquantile(reps, 1 - alpha, axis=-1)


def undefined_reason(n_pos: int, n_neg: int) -> str:
    """Why AUROC/AUPRC are NaN for a task ('' when they are defined)."""
    if n_pos == 0:
        return "no positives in the test split"
    if n_neg == 0:
        return "no negatives in the test split"
    return ""


def macro(reps: np.ndarray) -> np.ndarray:
    """Mean over tasks (axis 0) skipping NaN tasks; NaN when every task is NaN."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(reps, axis=0)


METRIC_COLUMNS = [
    "task",
    "n_pos",
    "n_neg",
    "prevalence",
    "auroc",
    "auroc_lo",
    "auroc_hi",
    "auprc",
    "auprc_lo",
    "auprc_hi",
    "ece",
    "reason",
]


def calibration_error(y: np.ndarray, probs: np.ndarray, n_bins: int = ECE_BINS) -> float:
    """Expected calibration error of one task: sum over bins of (bin share) x |mean prob - fraction positive|.

    Bins are ``n_bins`` equal-width intervals of the predicted probability,
    ``[k/n_bins, (k+1)/n_bins)``, the last one closed at 1. At the test split's
    design prevalence (see the module docstring).

    Parameters
    ----------
    y : numpy.ndarray
        0/1 (N,).
    probs : numpy.ndarray
        float (N,) predicted probabilities in [0, 1].

    Returns
    -------
    float
        In [0, 1]; NaN when N is 0.
    """
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(probs, dtype=np.float64)
    if len(p) == 0:
        return float("nan")
    k = np.minimum((p * n_bins).astype(np.int64), n_bins - 1)
    gap = np.bincount(k, weights=p, minlength=n_bins) - np.bincount(k, weights=y, minlength=n_bins)
    return float(np.abs(gap).sum() / len(p))


def task_table(
    y: np.ndarray, reps: Replicates, tasks: list[str], level: float, probs: np.ndarray | None = None
) -> pd.DataFrame:
    """metrics.tsv rows: one per task, NaN metrics with a reason where undefined.

    ``probs`` (float (N, T)) gives each task's expected calibration error
    (:func:`calibration_error`); NaN without it.
    """
    y = np.asarray(y) > 0
    ece = [calibration_error(y[:, j], probs[:, j]) if probs is not None else np.nan for j in range(y.shape[1])]
    n_pos = y.sum(axis=0)
    n_neg = len(y) - n_pos
    a_lo, a_hi = interval(reps.auroc_reps, level)
    p_lo, p_hi = interval(reps.auprc_reps, level)
    return pd.DataFrame(
        {
            "task": tasks,
            "n_pos": n_pos,
            "n_neg": n_neg,
            "prevalence": n_pos / max(len(y), 1),
            "auroc": reps.auroc,
            "auroc_lo": a_lo,
            "auroc_hi": a_hi,
            "auprc": reps.auprc,
            "auprc_lo": p_lo,
            "auprc_hi": p_hi,
            "ece": ece,
            "reason": [undefined_reason(int(p), int(n)) for p, n in zip(n_pos, n_neg)],
        },
        columns=METRIC_COLUMNS,
    )


def summary_row(model: str, reps: Replicates, level: float) -> dict:
    """summary.tsv row: macro and micro AUROC/AUPRC with intervals."""
    row: dict = {"model": model}
    for metric in ("auroc", "auprc"):
        point, rep = getattr(reps, metric), getattr(reps, f"{metric}_reps")
        lo, hi = interval(macro(rep), level)
        row.update(
            {f"macro_{metric}": float(macro(point[:, None])[0]), f"macro_{metric}_lo": lo, f"macro_{metric}_hi": hi}
        )
        lo, hi = interval(getattr(reps, f"micro_{metric}_reps"), level)
        row.update(
            {f"micro_{metric}": getattr(reps, f"micro_{metric}"), f"micro_{metric}_lo": lo, f"micro_{metric}_hi": hi}
        )
    row["n_tasks_defined"] = int(np.isfinite(reps.auroc).sum())
    return row


def bootstrap_p(reps: np.ndarray) -> float:
    """Two-sided p-value of "the difference is 0" from its bootstrap replicates.

    Twice the smaller tail fraction of replicates at or beyond 0, with the
    ``(k + 1) / (B + 1)`` correction so that it is never 0; NaN replicates are
    ignored; NaN when none is finite.

    Parameters
    ----------
    reps : numpy.ndarray
        float (B,) replicates of a difference.
    """
    reps = np.asarray(reps, dtype=np.float64)
    reps = reps[np.isfinite(reps)]
    if not len(reps):
        return float("nan")
    n = len(reps)
    below, above = (np.sum(reps <= 0) + 1) / (n + 1), (np.sum(reps >= 0) + 1) / (n + 1)
    return float(min(1.0, 2 * min(below, above)))


def paired_differences(
    name_a: str, a: Replicates, name_b: str, b: Replicates, tasks: list[str], level: float
) -> list[dict]:
    """Per-task and macro differences (a - b) with paired bootstrap intervals, p-value and winner.

    The winner here is the model whose interval of the difference excludes 0 in
    its favour; 'tie' otherwise (and when there are no replicates).
    :func:`chromcnn.evaluation.compare.compare` replaces it by the winner after
    multiple-testing control (:func:`chromcnn.evaluation.stats.decide`).
    """

    rows = []
    for metric in ("auroc", "auprc"):
        pa, pb = getattr(a, metric), getattr(b, metric)
        ra, rb = getattr(a, f"{metric}_reps"), getattr(b, f"{metric}_reps")
        diffs = [(t, pa[i] - pb[i], ra[i] - rb[i]) for i, t in enumerate(tasks)]
        diffs.append(("macro", macro(pa[:, None])[0] - macro(pb[:, None])[0], macro(ra) - macro(rb)))
        rows += [_difference_row(name_a, name_b, task, metric, point, rep, level) for task, point, rep in diffs]
    return rows


def _difference_row(
    name_a: str, name_b: str, task: str, metric: str, point: float, rep: np.ndarray, level: float, lower: bool = False
) -> dict:
    """One comparison.tsv row: difference a - b (``point``; replicates ``rep`` float (B,)), interval,
    p-value and winner; with ``lower`` (MSE) a difference below 0 makes ``name_a`` the winner."""
    lo, hi = interval(rep, level)
    better_a, better_b = (hi < 0, lo > 0) if lower else (lo > 0, hi < 0)
    winner = name_a if better_a else name_b if better_b else "tie"
    row = {"model_a": name_a, "model_b": name_b, "task": task, "metric": metric, "difference": float(point)}
    return {**row, "lo": float(lo), "hi": float(hi), "p": bootstrap_p(rep), "winner": winner}


def save_replicates(path: str, reps: Replicates, y: np.ndarray, probs: np.ndarray, meta: dict) -> None:
    """predictions.npz: labels, probabilities and the bootstrap replicates (written atomically)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:  # a handle: numpy would append .npz to a name
        np.savez_compressed(handle, y=np.asarray(y), probs=probs, meta=json.dumps(meta), **vars(reps))


def load_replicates(path: str) -> tuple[Replicates, np.ndarray, np.ndarray, dict]:
    """Inverse of :func:`save_replicates`."""
    with np.load(path) as npz:
        fields = {k: npz[k] for k in Replicates.__dataclass_fields__}
        fields["micro_auroc"], fields["micro_auprc"] = float(fields["micro_auroc"]), float(fields["micro_auprc"])
        return Replicates(**fields), npz["y"], npz["probs"], json.loads(str(npz["meta"]))
