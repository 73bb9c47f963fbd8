"""Report figures as inline PNG data URIs (matplotlib Agg; nothing is written to disk).

Every function takes plain arrays / tables and returns ``data:image/png;base64,...``
so the report stays one self-contained file.

Logos are most of the report's work (one matplotlib patch per letter: ~0.2 s a
filter logo, ~1 s an 80 bp contribution track; a demo report draws ~280). Inside
:func:`deferred`, the logo functions and the ROC/PR curves (``@deferrable``, here and in
the variant section's ISM logos) return a placeholder instead, and
:func:`render_deferred` draws them all in worker processes and returns the URIs.
"""

from __future__ import annotations

import base64
import functools
import io
import multiprocessing
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from chromcnn.io.onehot import information  # noqa: E402

DPI = 96
#: placeholder of a deferred figure: ``chromcnn-figure-<index>-``
PLACEHOLDER = re.compile(r"chromcnn-figure-(\d+)-")
_pending: list[tuple[str, tuple, dict]] | None = None


def deferrable(draw):
    """Decorator: ``draw`` returns a placeholder inside :func:`deferred`, its data URI outside.

    ``draw`` must be a module-level function returning a data URI; a call is recorded as
    ("module:name", args, kwargs), which pickles to worker processes whatever the arguments' module.
    """

    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        if _pending is None:
            return draw(*args, **kwargs)
        _pending.append((f"{draw.__module__}:{draw.__qualname__}", args, kwargs))
        return f"chromcnn-figure-{len(_pending) - 1}-"

    return wrapper


@contextmanager
def deferred() -> Iterator[list[tuple[str, tuple, dict]]]:
    """Collect the calls of deferrable figures made inside the block; yields the list of calls."""
    global _pending
    previous, _pending = _pending, []
    try:
        yield _pending
    finally:
        _pending = previous


def _draw(call: tuple[str, tuple, dict]) -> str:
    where, args, kwargs = call
    module, name = where.split(":")
    return getattr(sys.modules[module], name).__wrapped__(*args, **kwargs)


#: the calls :func:`render_deferred` hands to its forked workers (set only while they run)
_forked: list[tuple[str, tuple, dict]] = []


def _draw_forked(index: int) -> str:
    return _draw(_forked[index])


def render_deferred(calls: list[tuple[str, tuple, dict]], processes: int = 1) -> list[str]:
    """Data URIs of the collected ``calls``, in order, drawn by up to ``processes`` forked workers.

    The workers inherit ``calls`` through the fork and receive only their indices, so the
    arrays a figure is drawn from (a ROC/PR curve's labels and probabilities: windows x
    tasks) are never pickled; only the PNG URIs come back. The PNG bytes do not depend on
    ``processes`` (each figure is drawn on its own).
    """
    if processes <= 1 or len(calls) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [_draw(c) for c in calls]
    _forked[:] = calls
    try:
        with multiprocessing.get_context("fork").Pool(min(processes, len(calls))) as pool:
            return pool.map(_draw_forked, range(len(calls)), chunksize=max(1, len(calls) // (4 * processes)))
    finally:
        _forked.clear()


def fill(html: str, uris: list[str]) -> str:
    """``html`` with every placeholder replaced by its figure's data URI."""
    return PLACEHOLDER.sub(lambda m: uris[int(m.group(1))], html)


def to_uri(fig) -> str:
    """Render and close ``fig``; return a PNG data URI."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def peaks_per_cell_type(peaks: dict) -> str:
    """Stacked bars: peaks kept and dropped (by reason) per cell type (qc.json ``peaks``)."""
    names = list(peaks)
    kept = np.array([peaks[n]["kept"] for n in names])
    reasons = ["dropped_unknown_chrom", "dropped_past_end", "dropped_empty"]
    fig, ax = plt.subplots(figsize=(6, 0.45 * len(names) + 1.2))
    ax.barh(names, kept, label="kept")
    left = kept.copy()
    for r in reasons:
        vals = np.array([peaks[n].get(r, 0) for n in names])
        if vals.any():
            ax.barh(names, vals, left=left, label=r.replace("_", " "))
            left = left + vals
    ax.set_xlabel("peaks")
    ax.legend(fontsize=8, loc="lower right")
    ax.invert_yaxis()
    return to_uri(fig)


def cooccurrence(tasks: list[str], counts: list[list[int]]) -> str:
    """Heatmap of the fraction of each row task's positives also positive for the column task."""
    c = np.asarray(counts, dtype=float)
    frac = c / np.maximum(np.diag(c)[:, None], 1)
    fig, ax = plt.subplots(figsize=(0.6 * len(tasks) + 2.5, 0.6 * len(tasks) + 1.5))
    im = ax.imshow(frac, vmin=0, vmax=1, cmap="viridis")
    ax.set_xticks(range(len(tasks)), tasks, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(tasks)), tasks, fontsize=8)
    if len(tasks) <= 12:
        for i in range(len(tasks)):
            for j in range(len(tasks)):
                ax.text(j, i, f"{frac[i, j]:.2f}", ha="center", va="center", fontsize=7, color="w")
    fig.colorbar(im, ax=ax, label="P(column | row)")
    return to_uri(fig)


def gc_histograms(gc: dict) -> str:
    """GC fraction of positive vs negative windows (qc.json ``gc``)."""
    fig, ax = plt.subplots(figsize=(5, 3))
    for kind, rec in gc.items():
        h = np.asarray(rec["histogram"], dtype=float)
        edges = np.asarray(rec["bin_edges"])
        if h.sum():
            ax.stairs(h / h.sum(), edges, label=f"{kind} (mean {rec['mean']:.3f})")
    ax.set_xlabel("GC fraction of window")
    ax.set_ylabel("fraction of windows")
    ax.legend(fontsize=8)
    return to_uri(fig)


def training_curves(histories: dict[str, pd.DataFrame]) -> str:
    """Validation loss and AUROC (signal mode: Pearson) per epoch for every model."""
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
    for name, h in histories.items():
        axes[0].plot(h.epoch, h.train_loss, marker=".", label=name)
        axes[1].plot(h.epoch, h.valid_loss, marker=".", label=name)
        axes[2].plot(h.epoch, h["valid_pearson" if "valid_pearson" in h else "valid_auroc"], marker=".", label=name)
    signal = any("valid_pearson" in h for h in histories.values())
    for ax, title in zip(axes, ["train loss", "valid loss", f"valid macro {'Pearson' if signal else 'AUROC'}"]):
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("epoch")
    axes[2].legend(fontsize=7)
    return to_uri(fig)


@deferrable
def roc_pr(y: np.ndarray, probs: np.ndarray, tasks: list[str]) -> str:
    """ROC and precision-recall curves of one model, one line per task."""
    from sklearn.metrics import precision_recall_curve, roc_curve

    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.6))
    for j, t in enumerate(tasks):
        yt = y[:, j] > 0
        if yt.all() or not yt.any():
            continue
        fpr, tpr, _ = roc_curve(yt, probs[:, j])
        prec, rec, _ = precision_recall_curve(yt, probs[:, j])
        a.plot(fpr, tpr, lw=1, label=t)
        b.plot(rec, prec, lw=1, label=t)
        b.axhline(yt.mean(), lw=0.5, ls=":", color=b.lines[-1].get_color())
    a.plot([0, 1], [0, 1], "k:", lw=0.8)
    a.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
    b.set(xlabel="recall", ylabel="precision", title="precision-recall (dotted: prevalence)", ylim=(0, 1.02))
    a.legend(fontsize=7, loc="lower right")
    return to_uri(fig)


def calibration(y: np.ndarray, probs: np.ndarray, bins: int = 10) -> tuple[str, float]:
    """Reliability diagram (all tasks pooled) and the expected calibration error."""
    p, t = probs.ravel(), (y.ravel() > 0).astype(float)
    idx = np.minimum((p * bins).astype(int), bins - 1)
    count = np.bincount(idx, minlength=bins)
    mean_p = np.bincount(idx, p, minlength=bins) / np.maximum(count, 1)
    frac = np.bincount(idx, t, minlength=bins) / np.maximum(count, 1)
    ece = float(np.sum(count * np.abs(mean_p - frac)) / max(len(p), 1))
    fig, ax = plt.subplots(figsize=(3.6, 3.4))
    ok = count > 0
    ax.plot([0, 1], [0, 1], "k:", lw=0.8)
    ax.plot(mean_p[ok], frac[ok], marker="o")
    ax.set(xlabel="mean predicted probability", ylabel="fraction positive", title=f"calibration (ECE {ece:.3f})")
    return to_uri(fig), ece


def comparison_forest(comp: pd.DataFrame, metric: str = "auroc") -> str:
    """Macro differences between model pairs with their paired bootstrap intervals."""
    rows = comp[(comp.task == "macro") & (comp.metric == metric)]
    fig, ax = plt.subplots(figsize=(6, 0.32 * max(len(rows), 1) + 1.2))
    labels = [f"{r.model_a} - {r.model_b}" for r in rows.itertuples()]
    yy = np.arange(len(rows))
    ax.errorbar(
        rows.difference, yy, xerr=[rows.difference - rows.lo, rows.hi - rows.difference], fmt="o", ms=3, capsize=2
    )
    ax.axvline(0, color="k", lw=0.8, ls=":")
    ax.set_yticks(yy, labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel(f"difference in macro {metric.upper()} (95% paired bootstrap CI)")
    return to_uri(fig)


@deferrable
def logo(ppm: np.ndarray, background: np.ndarray, title: str = "") -> str:
    """Information-content sequence logo of a (4, L) PPM (logomaker)."""
    import logomaker

    ic = information(ppm, background)
    heights = pd.DataFrame((ppm * np.clip(ic, 0, None)).T, columns=list("ACGT"))
    fig, ax = plt.subplots(figsize=(0.22 * len(heights) + 0.6, 1.1))
    logomaker.Logo(heights, ax=ax, color_scheme="classic", show_spines=False)
    ax.set_ylim(0, 2)
    ax.set_yticks([0, 1, 2])
    ax.set_xticks([])
    ax.tick_params(labelsize=6)
    if title:
        ax.set_title(title, fontsize=7)
    return to_uri(fig)


@deferrable
def contribution_logo(matrix: np.ndarray, title: str = "", marks: list[tuple[int, int]] | None = None) -> str:
    """Logo of a (4, L) contribution matrix (letters scaled by contribution, negative below 0), logomaker.

    ``marks`` are [start, end) column spans shaded behind the letters (motif sites).
    """
    import logomaker

    frame = pd.DataFrame(np.asarray(matrix, dtype=float).T, columns=list("ACGT"))
    fig, ax = plt.subplots(figsize=(min(0.12 * len(frame) + 0.8, 12), 1.2))
    for start, end in marks or []:
        ax.axvspan(start - 0.5, end - 0.5, color="#fde68a", zorder=0)
    logomaker.Logo(frame, ax=ax, color_scheme="classic", show_spines=False)
    ax.axhline(0, color="#999", lw=0.5)
    ax.set_xticks([])
    ax.tick_params(labelsize=6)
    if title:
        ax.set_title(title, fontsize=7)
    return to_uri(fig)
