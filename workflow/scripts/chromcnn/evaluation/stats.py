"""Statistics over models: bootstrap p-values, multiple-testing control, and aggregation over seeds.

- :func:`~chromcnn.evaluation.metrics.bootstrap_p` turns the paired bootstrap
  replicates of a difference into a two-sided p-value.
- :func:`adjust` controls a family of p-values: ``holm`` (Holm 1979, the
  family-wise error rate) or ``bh`` (Benjamini & Hochberg 1995, the false
  discovery rate); ``none`` leaves them as they are.
- :func:`seed_table` and :func:`seed_comparison` aggregate the models of one
  variant (model ids ``{variant}-s{seed}``) over their seeds: the mean and
  spread across seeds, and a paired comparison of two variants whose every
  replicate resamples the seeds of each variant (with replacement) and the test
  windows (the shared window bootstrap of :mod:`chromcnn.evaluation.metrics`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from chromcnn.evaluation import metrics as ev

#: multiple-testing methods of ``compare.multiple_testing``.
METHODS = ("bh", "holm", "none")
SEED_COLUMNS = ["variant", "n_seeds", "seeds"] + [
    f"macro_{m}_{s}" for m in ("auroc", "auprc") for s in ("mean", "sd", "min", "max")
]
VARIANT_COLUMNS = ["variant_a", "variant_b", "task", "metric", "difference", "lo", "hi", "p", "p_adjusted", "winner"]


def adjust(p: np.ndarray, method: str) -> np.ndarray:
    """Adjusted p-values of one family; NaN entries stay NaN and do not count in the family.

    Parameters
    ----------
    p : numpy.ndarray
        float (m,) p-values.
    method : str
        ``holm`` (step-down, family-wise error), ``bh`` (step-up, false
        discovery rate) or ``none``.

    Returns
    -------
    numpy.ndarray
        float64 (m,), each at least its raw p-value and at most 1.
    """
    if method not in METHODS:
        raise ValueError(f"unknown multiple-testing method {method!r}; use one of {METHODS}")
    p = np.asarray(p, dtype=np.float64)
    out = p.copy()
    ok = np.flatnonzero(np.isfinite(p))
    m = len(ok)
    if method == "none" or m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    ranked = p[order]
    if method == "holm":
        adjusted = np.maximum.accumulate(ranked * (m - np.arange(m)))
    else:
        adjusted = np.minimum.accumulate((ranked * m / np.arange(1, m + 1))[::-1])[::-1]
    out[order] = np.minimum(adjusted, 1.0)
    return out


def decide(frame: pd.DataFrame, families: list[str], method: str, level: float) -> pd.DataFrame:
    """Add ``p_adjusted`` (``method`` within each family) and set ``winner`` from it.

    ``frame`` has columns ``difference``, ``p`` and the two model columns (the
    first two columns); a row's winner is the side its difference favours when
    ``p_adjusted < 1 - level``, else ``tie``.
    """
    frame = frame.reset_index(drop=True)
    adjusted = np.full(len(frame), np.nan)
    keys = frame[families].astype(str).agg("|".join, axis=1)
    for key in keys.unique():
        rows = np.flatnonzero(keys == key)
        adjusted[rows] = adjust(frame.p.to_numpy(dtype=np.float64)[rows], method)
    frame["p_adjusted"] = adjusted
    a, b = frame.columns[0], frame.columns[1]
    significant = frame.p_adjusted < 1 - level
    frame["winner"] = np.where(significant, np.where(frame.difference > 0, frame[a], frame[b]), "tie")
    return frame


def variant_of(model: str) -> str:
    """The variant (name) of a model id ``{name}-s{seed}``; other row names are their own variant."""
    name, sep, seed = model.rpartition("-s")
    return name if sep and seed.isdigit() else model


def seed_groups(models: list[str]) -> dict[str, list[str]]:
    """Variant -> its model ids, in ``models`` order."""
    groups: dict[str, list[str]] = {}
    for m in models:
        groups.setdefault(variant_of(m), []).append(m)
    return groups


def seed_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Per variant: number of seeds and the mean, sample sd (ddof 1; NaN with one seed), min and max
    across seeds of the macro AUROC and AUPRC of summary.tsv.

    Parameters
    ----------
    summary : pandas.DataFrame
        summary.tsv rows (``model``, ``macro_auroc``, ``macro_auprc``).
    """
    rows = []
    for variant, ids in seed_groups(list(summary.model)).items():
        sub = summary.set_index("model").loc[ids]
        row: dict = {"variant": variant, "n_seeds": len(ids), "seeds": ",".join(i.rpartition("-s")[2] for i in ids)}
        for metric in ("auroc", "auprc"):
            values = sub[f"macro_{metric}"].to_numpy(dtype=np.float64)
            row[f"macro_{metric}_mean"] = float(np.mean(values))
            row[f"macro_{metric}_sd"] = float(np.std(values, ddof=1)) if len(values) > 1 else float("nan")
            row[f"macro_{metric}_min"], row[f"macro_{metric}_max"] = float(np.min(values)), float(np.max(values))
        rows.append(row)
    return pd.DataFrame(rows, columns=SEED_COLUMNS)


def _seed_mean(points: np.ndarray, reps: np.ndarray, rng: np.random.Generator) -> tuple[float, np.ndarray]:
    """Point: mean over seeds; replicates: replicate b averages the b-th window replicate of seeds drawn
    with replacement. ``points`` (S,), ``reps`` (S, B) -> (float, (B,))."""
    s, b = reps.shape
    draws = rng.integers(0, s, size=(b, s))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        drawn = np.nanmean(reps[draws, np.arange(b)[:, None]], axis=1)
        return float(np.nanmean(points)), drawn


def seed_comparison(
    loaded: Mapping[str, ev.Replicates], tasks: list[str], level: float, seed: int, method: str
) -> pd.DataFrame:
    """Paired comparison of every pair of variants over seeds and windows (variant_comparison.tsv).

    For each task and the macro average, replicate b of variant A is the mean,
    over A's seeds drawn with replacement, of window-bootstrap replicate b; the
    same for B (window replicates are shared, so the pairs stay paired over
    windows; seeds are drawn independently per variant, as they are separate
    training runs). The interval, the bootstrap p-value and the winner follow
    :func:`decide` (per-task rows and macro rows are separate families per metric).

    Parameters
    ----------
    loaded : mapping of str to Replicates
        Model id -> its replicates (every model on the same test windows).
    seed : int
        Seed of the seed resampling.
    """
    groups = seed_groups(list(loaded))
    rng = np.random.default_rng(seed)
    stats: dict[tuple[str, str, str], tuple[float, np.ndarray]] = {}
    for variant, ids in groups.items():
        for metric in ("auroc", "auprc"):
            points = np.stack([getattr(loaded[i], metric) for i in ids])  # (S, T)
            reps = np.stack([getattr(loaded[i], f"{metric}_reps") for i in ids]).astype(np.float64)  # (S, T, B)
            for j, task in enumerate(tasks):
                stats[variant, metric, task] = _seed_mean(points[:, j], reps[:, j], rng)
            macro_points = np.array([ev.macro(p[:, None])[0] for p in points])
            stats[variant, metric, "macro"] = _seed_mean(macro_points, np.stack([ev.macro(r) for r in reps]), rng)
    rows = []
    for a, b in _pairs(list(groups)):
        for metric in ("auroc", "auprc"):
            for task in [*tasks, "macro"]:
                (pa, ra), (pb, rb) = stats[a, metric, task], stats[b, metric, task]
                lo, hi = ev.interval(ra - rb, level)
                rows.append(
                    {"variant_a": a, "variant_b": b, "task": task, "metric": metric, "difference": pa - pb}
                    | {"lo": float(lo), "hi": float(hi), "p": ev.bootstrap_p(ra - rb)}
                )
    frame = pd.DataFrame(rows, columns=[c for c in VARIANT_COLUMNS if c not in ("p_adjusted", "winner")])
    if frame.empty:
        return pd.DataFrame(columns=VARIANT_COLUMNS)
    frame["family"] = np.where(frame.task == "macro", "macro", "task")
    return decide(frame, ["metric", "family"], method, level).drop(columns="family")[VARIANT_COLUMNS]


def _pairs(names: list[str]) -> list[tuple[str, str]]:
    return [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
