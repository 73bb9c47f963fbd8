"""Signal mode end to end at library level: genome + bigWigs -> float32 splits -> regression -> test Pearson.

Windows carry 0-3 planted copies of their task's motif; the task's coverage over the
window centre grows with the copy count, plus noise. A small model trained with MSE
must recover that: test Pearson well above 0 (a model that ignores the sequence gets 0).
"""

from __future__ import annotations

import gzip

import h5py
import numpy as np
import pandas as pd
import pyBigWig
import pytest
import torch
from chromcnn import models
from chromcnn.config.settings import TrainSettings
from chromcnn.data.hdf5 import write_split
from chromcnn.data.signal import SignalTargets
from chromcnn.evaluation.regression import regression_replicates, regression_table
from chromcnn.inference.model_file import header
from chromcnn.inference.predict import predict_split
from chromcnn.training.checkpoint import REGRESSION_HISTORY_COLUMNS
from chromcnn.training.loop import fit

MOTIFS = {"A": "GATAAGGC", "B": "CACGTGAC"}
WINDOW, STEP, CENTER = 200, 250, 100
N = {"chrA": 600, "chrB": 150, "chrC": 150}
SPLIT = {"chrA": "train", "chrB": "valid", "chrC": "test"}


def _genome(root, rng):
    """FASTA, one bigWig per task, windows.tsv.gz; returns their paths and the planted copy counts."""
    codes, counts, cover = {}, {}, {t: {} for t in MOTIFS}
    for chrom, n in N.items():
        c = rng.integers(0, 4, STEP * n + 100).astype(np.uint8)
        k = rng.integers(0, 4, (n, len(MOTIFS)))
        for i in range(n):
            for t, motif in enumerate(MOTIFS.values()):
                slots = rng.choice(np.arange(8), size=k[i, t], replace=False)  # 8 non-overlapping 20 bp slots
                for s in slots:
                    pos = 50 + STEP * i + 20 + 20 * s + 10 * t
                    c[pos : pos + len(motif)] = ["ACGT".index(b) for b in motif]
        for t, task in enumerate(MOTIFS):
            per_base = np.zeros(len(c))
            level = 2.0 * k[:, t] + rng.gamma(1.0, 0.7, n)  # grows with the copies, plus noise
            for i in range(n):
                lo = 50 + STEP * i + (WINDOW - CENTER) // 2
                per_base[lo : lo + CENTER] = level[i]
            cover[task][chrom] = per_base
        codes[chrom], counts[chrom] = c, k
    fasta = root / "g.fa"
    with open(fasta, "w") as out:
        for chrom, c in codes.items():
            seq = np.frombuffer(b"ACGT", np.uint8)[c].tobytes().decode()
            out.write(f">{chrom}\n" + "".join(seq[i : i + 60] + "\n" for i in range(0, len(seq), 60)))
    bigwigs = {}
    for task, per_chrom in cover.items():
        bw = pyBigWig.open(str(root / f"{task}.bw"), "w")
        bw.addHeader([(ch, len(v)) for ch, v in per_chrom.items()])
        for ch, v in per_chrom.items():
            bw.addEntries(ch, 0, values=v.tolist(), span=1, step=1)
        bw.close()
        bigwigs[task] = str(root / f"{task}.bw")
    rows = [(ch, 50 + STEP * i, 50 + STEP * i + WINDOW, SPLIT[ch], 1, 0) for ch, n in N.items() for i in range(n)]
    tsv = root / "windows.tsv.gz"
    with gzip.open(tsv, "wt") as handle:
        pd.DataFrame(rows, columns=["chrom", "start", "end", "split", *MOTIFS]).to_csv(handle, sep="\t", index=False)
    return str(fasta), bigwigs, str(tsv), counts


@pytest.mark.slow
def test_a_model_trained_on_signal_reaches_a_high_test_pearson(tmp_path):
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    fasta, bigwigs, tsv, counts = _genome(tmp_path, rng)
    splits = {}
    for split in ("train", "valid", "test"):
        signal = SignalTargets(bigwigs, CENTER, "log1p")
        splits[split] = str(tmp_path / f"{split}.h5")
        write_split(tsv, split, fasta, splits[split], WINDOW, chunk_rows=64, seed=1, signal=signal)
        signal.close()
    s = TrainSettings(
        arch="deepbind",
        hparams={"filters": 16, "kernel": 11},
        lr=1e-2,
        batch_size=32,
        max_epochs=8,
        patience=8,
        task_type="regression",
        monitor="valid_pearson",
        shift=0,
        device="cpu",
    )

    def build():
        return models.build("deepbind", len(MOTIFS), WINDOW, **s.hparams)

    out = tmp_path / "model"
    result = fit(build, splits["train"], splits["valid"], out, s, meta=header(s, list(MOTIFS), WINDOW))
    history = pd.read_csv(out / "history.tsv", sep="\t")
    assert history.columns.tolist() == REGRESSION_HISTORY_COLUMNS
    assert result["best_epoch"] == int(history.valid_pearson.idxmax()) + 1  # the monitor picks the epoch
    model = build()
    model.load_state_dict(torch.load(out / "model.pt", weights_only=False)["state_dict"])
    pred, y = predict_split(model.eval(), splits["test"], 256, torch.device("cpu"), task_type="regression")
    assert y.dtype == np.float32
    table = regression_table(y, regression_replicates(y, pred, 200, seed=1), list(MOTIFS), 0.95)
    assert (table.pearson_lo > 0.5).all(), table  # measured: 0.69 and 0.86 (point)
    assert (table.spearman > 0.5).all()
    # the targets follow the planted copy counts (rows are shuffled: map them back by start)
    with h5py.File(splits["test"]) as h5:
        row = (h5["start"][:] - 50) // STEP
    for t in range(len(MOTIFS)):
        assert np.corrcoef(y[:, t], counts["chrC"][row, t])[0, 1] > 0.8
    print("test pearson", table.pearson.round(3).tolist(), "spearman", table.spearman.round(3).tolist())
