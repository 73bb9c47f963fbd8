"""References of signal mode (``targets.mode: signal``): the planted-motif oracle and a GC-only regression.

**Oracle.** The same features as the binary oracle (:mod:`chromcnn.evaluation.oracle`):
per planted matrix the best log-odds score over all positions and both strands. The demo's
coverage grows with the *number* of a motif's instances (``tools/make_demo.py``), so each
matrix also contributes ``log1p`` of its number of sites, a site being a position and strand
scoring at least :data:`SITE_FRACTION` of the matrix's best possible score. One ordinary
least-squares regression per task on the standardised features of the training split
predicts the test split. A reference, not a ceiling: it knows which motifs decide the signal,
not their strengths' non-linear sum or the noise.

**GC-only.** Per window its G+C fraction over the called (non-N) bases, and its square; one
least-squares regression per task fitted on the training split. A model that does not beat
it has learnt composition, not sequence.

Both are evaluated by :func:`chromcnn.evaluation.regression.regression_replicates` with the
evaluation's seed and blocks, so their replicates pair with every model's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from chromcnn.errors import InputError
from chromcnn.evaluation import metrics as ev
from chromcnn.evaluation import regression as rg
from chromcnn.evaluation.oracle import log_odds, scan
from chromcnn.io.batches import Batches
from chromcnn.io.split_h5 import read_coords, read_meta

#: a site scores at least this fraction of the matrix's best possible log-odds score.
SITE_FRACTION = 0.7


def site_counts(x: np.ndarray, matrices: list[np.ndarray], fraction: float = SITE_FRACTION) -> np.ndarray:
    """Number of positions and strands where each matrix scores at least ``fraction`` of its maximum.

    Parameters
    ----------
    x : numpy.ndarray
        uint8 or float (B, 4, L) one-hot windows.
    matrices : list of numpy.ndarray
        float (4, W_m) log-odds matrices, every W_m <= L.

    Returns
    -------
    numpy.ndarray
        float32 (B, M) counts (both strands of a palindromic site count twice).
    """
    return scan(x, matrices, fraction)[1]


def gc_fraction(x: np.ndarray) -> np.ndarray:
    """G+C fraction of each window over its called bases: float32 (B,) from one-hot (B, 4, L); 0 when all N."""
    x = np.asarray(x, np.float32)
    called = x.sum(axis=(1, 2))
    return (x[:, 1:3].sum(axis=(1, 2)) / np.maximum(called, 1)).astype(np.float32)


def oracle_features(x: np.ndarray, matrices: list[np.ndarray]) -> np.ndarray:
    """float32 (B, 2M): best scores, then ``log1p`` of the site counts of each matrix."""
    best, counts = scan(x, matrices, SITE_FRACTION)  # one conv per matrix width for both
    return np.concatenate([best, np.log1p(counts)], axis=1)


def gc_features(x: np.ndarray) -> np.ndarray:
    """float32 (B, 2): GC fraction and its square."""
    gc = gc_fraction(x)
    return np.stack([gc, gc * gc], axis=1)


def read_features(path: str, featurize, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
    """``featurize(x)`` of every window of a split file in file order, and its targets (N, T) float32."""
    feats, targets = [], []
    for xb, yb in Batches(path, batch_size, memory_budget_mb=0).epoch(0, 0, shuffle=False):
        feats.append(featurize(xb))
        targets.append(np.asarray(yb, np.float32))
    return np.concatenate(feats), np.concatenate(targets)


def fit_predict(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray) -> np.ndarray:
    """One least-squares regression per task on standardised features: float32 (N_test, T) predictions.

    A constant feature (zero variance on the training split) is left out; with none left,
    the prediction is the training mean.
    """
    from sklearn.linear_model import LinearRegression

    train_x, test_x = np.asarray(train_x, np.float64), np.asarray(test_x, np.float64)
    mean, sd = train_x.mean(axis=0), train_x.std(axis=0)
    keep = sd > 1e-12
    zs_train, zs_test = (train_x[:, keep] - mean[keep]) / sd[keep], (test_x[:, keep] - mean[keep]) / sd[keep]
    pred = np.empty((len(test_x), train_y.shape[1]), np.float32)
    for t in range(train_y.shape[1]):
        if not keep.any():
            pred[:, t] = float(np.mean(train_y[:, t]))
            continue
        pred[:, t] = LinearRegression().fit(zs_train, train_y[:, t]).predict(zs_test)
    return pred


@dataclass
class ReferenceResult:
    """A reference's test predictions float32 (N, T), targets (N, T), replicates and metrics.tsv rows."""

    pred: np.ndarray
    y: np.ndarray
    reps: rg.RegressionReplicates
    table: pd.DataFrame
    tasks: list[str]
    n_train: int


def evaluate(
    train: str, test: str, featurize, n_boot: int, seed: int, level: float, batch_size: int, block_bp: int | None
) -> ReferenceResult:
    """Fit a reference on the ``train`` split file, evaluate it on ``test`` like a signal-mode model.

    Parameters
    ----------
    featurize : callable
        uint8 (B, 4, L) -> float (B, F): :func:`gc_features`, or
        ``lambda x: oracle_features(x, matrices)``.
    n_boot, seed, level, block_bp
        ``evaluate.bootstrap``, ``seed``, ``evaluate.ci``, ``evaluate.block_bp``: the model's, for pairing.

    Raises
    ------
    InputError
        When the splits are not signal-mode files, or their tasks differ.
    """
    meta = read_meta(test)
    if meta.get("target_mode") != "signal":
        raise InputError("the split file holds binary labels", "set targets.mode: signal and rebuild", path=test)
    if read_meta(train)["tasks"] != meta["tasks"]:
        raise InputError("the train and test splits have different tasks", "rebuild the data stage", path=train)
    train_x, train_y = read_features(train, featurize, batch_size)
    test_x, y = read_features(test, featurize, batch_size)
    pred = fit_predict(train_x, train_y, test_x)
    chrom, start, _ = read_coords(test)
    reps = rg.regression_replicates(y, pred, n_boot, seed, ev.genomic_blocks(chrom, start, block_bp))
    table = rg.regression_table(y, reps, meta["tasks"], level)
    return ReferenceResult(pred, y, reps, table, meta["tasks"], len(train_y))


def oracle_featurizer(ppms: list[np.ndarray], background: np.ndarray, window: int, path: str):
    """The oracle's ``featurize`` for planted probability matrices; a matrix wider than the window is one line."""
    matrices = [log_odds(p, background) for p in ppms]
    if any(m.shape[1] > window for m in matrices):
        raise InputError(
            f"a planted matrix is {max(m.shape[1] for m in matrices)} columns wide, the windows {window}",
            "use a larger window or planted motifs no wider than the window",
            path=path,
        )
    return lambda x: oracle_features(x, matrices)
