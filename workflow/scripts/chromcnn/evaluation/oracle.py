"""The planted-motif oracle: a reference classifier that knows which motifs were planted.

Every window of a split is scored with the log-odds matrix of each planted
motif: the best score over all positions and both strands (one feature per
matrix). One logistic regression per task, fitted on the standardised features
of the training split, predicts the test split's probabilities. It is seqgra's
Bayes-optimal reference in spirit: it knows *which* motifs decide the labels but
not the grammar (counts, spacing, decoys), so a model can beat it. The oracle
is a reference, not a ceiling.

Its probabilities go through the same :mod:`chromcnn.evaluation.metrics` as any
model's (same bootstrap seed, hence paired replicates), so comparisons and the
report treat it as one more row named :data:`~chromcnn.evaluation.compare.ORACLE`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from chromcnn.errors import InputError
from chromcnn.evaluation import metrics as ev
from chromcnn.evaluation.compare import ORACLE
from chromcnn.io.atomic import write_json, write_tsv
from chromcnn.io.batches import Batches
from chromcnn.io.onehot import reverse_complement
from chromcnn.io.split_h5 import read_coords, read_meta

PSEUDOCOUNT = 0.01


def log_odds(ppm: np.ndarray, background: np.ndarray, pseudocount: float = PSEUDOCOUNT) -> np.ndarray:
    """Log-odds (bits) of a probability matrix against a background.

    Parameters
    ----------
    ppm : numpy.ndarray
        float (4, W), rows A, C, G, T; columns sum to 1 (zeros allowed).
    background : numpy.ndarray
        float (4,) base composition.
    pseudocount : float
        Probability mass mixed into each column as ``background`` (keeps zeros finite).

    Returns
    -------
    numpy.ndarray
        float64 (4, W): ``log2(((ppm + pc * bg) / (1 + pc)) / bg)``.
    """
    bg = np.asarray(background, dtype=np.float64)[:, None]
    smoothed = (np.asarray(ppm, dtype=np.float64) + pseudocount * bg) / (1 + pseudocount)
    return np.log2(smoothed / bg)


def best_scores(x: np.ndarray, matrices: list[np.ndarray]) -> np.ndarray:
    """Best log-odds score of each matrix over all positions and both strands.

    Positions are those where the whole matrix lies in the window; an all-zero
    (N) column adds 0. The reverse strand is scored with the reverse-complemented
    matrix, one conv1d per matrix width.

    Parameters
    ----------
    x : numpy.ndarray
        uint8 or float (B, 4, L) one-hot windows.
    matrices : list of numpy.ndarray
        float (4, W_m) log-odds matrices, every W_m <= L.

    Returns
    -------
    numpy.ndarray
        float32 (B, M), column m from ``matrices[m]``.
    """
    return scan(x, matrices)[0]


def scan(
    x: np.ndarray, matrices: list[np.ndarray], fraction: float | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """One pass of every matrix over both strands: the best score of each matrix and, when
    ``fraction`` is given, the number of positions and strands scoring at least ``fraction`` of
    the matrix's best possible score (a palindromic site counts twice).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray or None)
        float32 (B, M) best scores (:func:`best_scores`) and float32 (B, M) site counts.
    """
    xt = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    best = torch.empty((len(x), len(matrices)), dtype=torch.float32)
    counts = torch.zeros((len(x), len(matrices)), dtype=torch.float32) if fraction is not None else None
    for w in sorted({m.shape[1] for m in matrices}):
        idx = [i for i, m in enumerate(matrices) if m.shape[1] == w]
        weight = np.stack([s for i in idx for s in (matrices[i], reverse_complement(matrices[i]))])
        conv = torch.nn.functional.conv1d(xt, torch.from_numpy(weight.astype(np.float32)))  # (B, 2k, L-w+1)
        conv = conv.view(len(x), len(idx), 2, -1)
        best[:, idx] = conv.amax(dim=(2, 3))
        if counts is not None:
            floor = torch.tensor([fraction * float(matrices[i].max(axis=0).sum()) for i in idx])
            counts[:, idx] = (conv >= floor[None, :, None, None]).sum(dim=(2, 3)).float()
    return best.numpy(), None if counts is None else counts.numpy()


def split_features(path: str, matrices: list[np.ndarray], batch_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Best scores of every window of a split file, read in batches (memory: one batch + the result).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        float32 (N, M) features and the labels (N, T), in file order.
    """
    batches = Batches(path, batch_size, memory_budget_mb=0)
    too_wide = [m.shape[1] for m in matrices if m.shape[1] > batches.info.window]
    if too_wide:
        raise InputError(
            f"a planted matrix is {max(too_wide)} columns wide, the windows {batches.info.window}",
            "use a larger window or planted motifs no wider than the window",
            path=path,
        )
    feats, labels = [], []
    for xb, yb in batches.epoch(0, 0, shuffle=False):
        feats.append(best_scores(xb, matrices))
        labels.append(yb)
    return np.concatenate(feats), np.concatenate(labels)


def fit_predict(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray) -> np.ndarray:
    """One standardised logistic regression per task: test probabilities.

    Parameters
    ----------
    train_x, test_x : numpy.ndarray
        float (N_train, M) and (N_test, M) features.
    train_y : numpy.ndarray
        0/1 (N_train, T).

    Returns
    -------
    numpy.ndarray
        float32 (N_test, T); a task with one class in the training split gets
        that class's frequency everywhere (AUROC 0.5 or undefined).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    train_y = np.asarray(train_y) > 0
    probs = np.empty((len(test_x), train_y.shape[1]), dtype=np.float32)
    for t in range(train_y.shape[1]):
        if train_y[:, t].all() or not train_y[:, t].any():
            probs[:, t] = float(train_y[:, t].mean())
            continue
        clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        clf.fit(train_x, train_y[:, t])
        probs[:, t] = clf.predict_proba(test_x)[:, 1]
    return probs


@dataclass
class OracleResult:
    """The oracle's test predictions and metrics, in evaluate_model's format.

    Attributes
    ----------
    probs : numpy.ndarray
        float32 (N_test, T).
    y : numpy.ndarray
        (N_test, T) test labels as stored.
    reps : chromcnn.evaluation.metrics.Replicates
    table : pandas.DataFrame
        metrics.tsv rows (:data:`chromcnn.evaluation.metrics.METRIC_COLUMNS`).
    tasks : list of str
    n_train : int
    """

    probs: np.ndarray
    y: np.ndarray
    reps: ev.Replicates
    table: pd.DataFrame
    tasks: list[str]
    n_train: int


def evaluate(
    train: str,
    test: str,
    ppms: Iterable[np.ndarray],
    background: np.ndarray,
    n_boot: int,
    seed: int,
    level: float,
    batch_size: int = 4096,
    block_bp: int | None = None,
) -> OracleResult:
    """Fit the oracle on the ``train`` split file and evaluate it on ``test``.

    Parameters
    ----------
    ppms : iterable of numpy.ndarray
        float (4, W) probability matrices of the planted motifs.
    background : numpy.ndarray
        float (4,) base composition for the log-odds.
    n_boot, seed, level
        As for a model's evaluation (``evaluate.bootstrap``, ``seed``, ``evaluate.ci``):
        the same seed gives the same bootstrap replicates, so comparisons are paired.
    batch_size : int
        Windows scored at a time (memory: one batch of float32 one-hot plus its scores).
    block_bp : int, optional
        Genomic block of the bootstrap (``evaluate.block_bp``); None = i.i.d. windows.
    """
    tasks = read_meta(test)["tasks"]
    if read_meta(train)["tasks"] != tasks:
        raise InputError("the train and test splits have different tasks", "rebuild the data stage", path=train)
    matrices = [log_odds(p, background) for p in ppms]
    train_x, train_y = split_features(train, matrices, batch_size)
    test_x, y = split_features(test, matrices, batch_size)
    probs = fit_predict(train_x, train_y, test_x)
    chrom, start, _ = read_coords(test)
    reps = ev.replicates(y, probs, n_boot, seed, ev.genomic_blocks(chrom, start, block_bp))
    return OracleResult(probs, y, reps, ev.task_table(y, reps, tasks, level, probs), tasks, len(train_y))


def save(result: OracleResult, meta: dict, metrics: str, predictions: str, record: str) -> None:
    """metrics.tsv, predictions.npz and evaluation.json exactly as a model's evaluation writes them."""
    meta = {"model": ORACLE, "tasks": result.tasks, "rc_average": False, **meta}
    ev.save_replicates(predictions, result.reps, result.y, result.probs, meta)
    write_json(meta, record)
    write_tsv(result.table, metrics)
