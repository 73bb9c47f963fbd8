"""The planted-motif oracle: best log-odds features, a logistic regression per task, model-format outputs."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
from chromcnn.data.hdf5 import SplitWriter
from chromcnn.evaluation import compare, oracle
from chromcnn.evaluation import metrics as ev
from chromcnn.io.split_h5 import FORMAT_VERSION

BG = np.array([0.3, 0.2, 0.2, 0.3])
CONSENSUS = ("GATAAGGCTT", "CACGTGACCA")  # task t is positive where motif t is planted
TASKS = ["erythroid", "myeloid"]


def _ppm(seq: str, p: float = 0.97) -> np.ndarray:
    ppm = np.full((4, len(seq)), (1 - p) / 3)
    for j, base in enumerate(seq):
        ppm["ACGT".index(base), j] = p
    return ppm


PPMS = [_ppm(s) for s in CONSENSUS]


def _split(path: Path, n: int, seed: int, length: int = 200, shuffle: bool = False) -> Path:
    """Background sequences; a sampled motif instance (either strand) decides each task's label.

    ``shuffle`` permutes the labels across windows afterwards (a control: labels independent of sequence).
    """
    rng = np.random.default_rng(seed)
    codes = rng.choice(4, size=(n, length), p=BG).astype(np.uint8)
    y = (rng.random((n, len(PPMS))) < 0.3).astype(np.uint8)
    for i, t in zip(*np.nonzero(y)):
        ppm = PPMS[t]
        site = np.array([rng.choice(4, p=col) for col in ppm.T], dtype=np.uint8)
        if rng.random() < 0.5:
            site = 3 - site[::-1]
        pos = int(rng.integers(0, length - len(site)))
        codes[i, pos : pos + len(site)] = site
    x = (codes[:, None, :] == np.arange(4)[None, :, None]).astype(np.uint8)
    x[:5, :, 10:13] = 0  # a few N columns
    if shuffle:
        y = y[rng.permutation(n)]
    attrs = {"split": path.stem, "window": length, "format_version": FORMAT_VERSION, "genome": "toy"}
    writer = SplitWriter(path, TASKS, length, 32, "gzip", 1, attrs)
    writer.append(x, y, ["chrT"] * n, np.arange(n, dtype=np.int64) * length, np.arange(1, n + 1) * length)
    writer.close(True)
    return path


@pytest.fixture(scope="module")
def splits(tmp_path_factory):
    folder = tmp_path_factory.mktemp("oracle")
    return str(_split(folder / "train.h5", 600, 1)), str(_split(folder / "test.h5", 400, 2))


@pytest.fixture(scope="module")
def shuffled(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shuffled")
    return str(_split(folder / "train.h5", 600, 1, shuffle=True)), str(_split(folder / "test.h5", 400, 2, shuffle=True))


def _direct_best(x: np.ndarray, lo: np.ndarray) -> float:
    """Best score by a plain loop over positions of the sequence and of its reverse complement."""
    seq = "".join("ACGT"[int(np.argmax(c))] if c.any() else "N" for c in x.T)
    rc = "".join({"A": "T", "C": "G", "G": "C", "T": "A", "N": "N"}[b] for b in reversed(seq))
    w, best = lo.shape[1], -np.inf
    for strand in (seq, rc):
        for pos in range(len(strand) - w + 1):
            score = sum(lo["ACGT".index(b), j] for j, b in enumerate(strand[pos : pos + w]) if b != "N")
            best = max(best, score)
    return best


def test_best_score_equals_a_direct_loop_on_both_strands(splits):
    with h5py.File(splits[1], "r") as h5:
        windows = h5["x"][:6]
    matrices = [oracle.log_odds(p, BG) for p in PPMS] + [oracle.log_odds(_ppm("ACGTAC"), BG)]
    got = oracle.best_scores(windows, matrices)
    assert got.shape == (6, 3) and got.dtype == np.float32
    streamed, _ = oracle.split_features(splits[1], matrices, 64)  # batches in file order
    np.testing.assert_array_equal(streamed[:6], got)
    for i in range(6):
        for m, lo in enumerate(matrices):
            assert got[i, m] == pytest.approx(_direct_best(windows[i], lo), rel=1e-5, abs=1e-5)


def test_reverse_strand_instance_scores_like_the_forward_one():
    lo = oracle.log_odds(PPMS[0], BG)
    fwd = np.zeros((1, 4, 30), np.uint8)
    for j, b in enumerate(CONSENSUS[0]):
        fwd[0, "ACGT".index(b), 5 + j] = 1
    rev = np.ascontiguousarray(fwd[:, ::-1, ::-1])
    assert oracle.best_scores(fwd, [lo])[0, 0] == pytest.approx(oracle.best_scores(rev, [lo])[0, 0])
    assert oracle.best_scores(fwd, [lo])[0, 0] == pytest.approx(lo.max(axis=0).sum(), rel=1e-6)


def test_oracle_separates_planted_labels_and_a_shuffled_control_does_not(splits, shuffled):
    result = oracle.evaluate(*splits, PPMS, BG, n_boot=50, seed=1, level=0.95, batch_size=128)
    assert result.probs.shape == (400, 2) and result.n_train == 600
    assert (result.reps.auroc > 0.95).all(), result.reps.auroc
    control = oracle.evaluate(*shuffled, PPMS, BG, n_boot=0, seed=1, level=0.95)
    assert np.abs(control.reps.auroc - 0.5).max() < 0.1, control.reps.auroc


def test_written_files_are_read_like_a_models_evaluation(splits, tmp_path):
    result = oracle.evaluate(*splits, PPMS, BG, n_boot=30, seed=7, level=0.9, batch_size=100)
    out = {k: str(tmp_path / f) for k, f in (("m", "metrics.tsv"), ("p", "predictions.npz"), ("r", "e.json"))}
    oracle.save(result, {"bootstrap": 30, "seed": 7, "ci": 0.9}, out["m"], out["p"], out["r"])
    table = pd.read_csv(out["m"], sep="\t")
    assert list(table.columns) == ev.METRIC_COLUMNS and list(table.task) == TASKS
    # a model evaluated on the same test split with the same seed: paired with the oracle
    probs = np.random.default_rng(0).random(result.y.shape).astype(np.float32)
    ev.save_replicates(
        str(tmp_path / "m.npz"),
        ev.replicates(result.y, probs, 30, 7),
        result.y,
        probs,
        {"tasks": TASKS, "bootstrap": 30, "seed": 7},
    )
    summary, comparison = compare.compare(["cnn-s1", "oracle"], [str(tmp_path / "m.npz"), out["p"]], 0.9)
    assert list(summary.model) == ["oracle", "cnn-s1"]
    assert summary.macro_auroc.iloc[0] > 0.95 and summary.macro_auroc_lo.iloc[0] < summary.macro_auroc.iloc[0]
    macro = comparison[(comparison.task == "macro") & (comparison.metric == "auroc")].iloc[0]
    assert macro.model_a == "oracle" and macro.winner == "oracle"
    assert ev.load_replicates(out["p"])[3]["model"] == "oracle"


def test_a_matrix_wider_than_the_window_is_refused(splits):
    with pytest.raises(Exception, match="columns wide"):
        oracle.split_features(splits[1], [np.zeros((4, 201))], 64)
