"""Profile mode end to end at library level: bigWig bumps at planted motifs -> (N, T, B) splits ->
basenji with its bin head and the Poisson loss -> per-window bin correlation above the mean-profile baseline.

Each window holds one copy of its task's motif at a random place; that task's coverage is a
bump centred on the copy. The mean profile over windows is nearly flat, so only a model that
reads the sequence can place the bump.
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
from chromcnn.evaluation import profile as pf
from chromcnn.evaluation.metrics import interval
from chromcnn.inference.model_file import header
from chromcnn.inference.predict import predict_split
from chromcnn.training.checkpoint import PROFILE_HISTORY_COLUMNS
from chromcnn.training.loop import fit

MOTIF = "GATAAGGCCACGTG"
WINDOW, STEP, BIN = 128, 160, 16
N = {"chrA": 320, "chrB": 80, "chrC": 80}
SPLIT = {"chrA": "train", "chrB": "valid", "chrC": "test"}
HPARAMS = {
    "stem_channels": 24,
    "stem_kernel": 9,
    "tower_channels": [32],
    "n_dilated": 2,
    "bottleneck": 16,
    "head_channels": 32,
    "dropout": 0.0,
}


def _genome(root, rng):
    codes, cover = {}, {}
    for chrom, n in N.items():
        c = rng.integers(0, 4, STEP * n + 100).astype(np.uint8)
        per_base = np.zeros(len(c))
        for i in range(n):
            at = 50 + STEP * i + int(rng.integers(8, WINDOW - len(MOTIF) - 8))
            c[at : at + len(MOTIF)] = ["ACGT".index(b) for b in MOTIF]
            centre = at + len(MOTIF) // 2
            per_base[centre - 16 : centre + 16] = 2.0 + rng.gamma(1.0, 0.3)
        codes[chrom], cover[chrom] = c, per_base
    with open(root / "g.fa", "w") as out:
        for chrom, c in codes.items():
            seq = np.frombuffer(b"ACGT", np.uint8)[c].tobytes().decode()
            out.write(f">{chrom}\n" + "".join(seq[i : i + 60] + "\n" for i in range(0, len(seq), 60)))
    bw = pyBigWig.open(str(root / "A.bw"), "w")
    bw.addHeader([(ch, len(v)) for ch, v in cover.items()])
    for ch, v in cover.items():
        bw.addEntries(ch, 0, values=v.tolist(), span=1, step=1)
    bw.close()
    rows = [(ch, 50 + STEP * i, 50 + STEP * i + WINDOW, SPLIT[ch], 1) for ch, n in N.items() for i in range(n)]
    with gzip.open(root / "w.tsv.gz", "wt") as handle:
        pd.DataFrame(rows, columns=["chrom", "start", "end", "split", "A"]).to_csv(handle, sep="\t", index=False)
    return str(root / "g.fa"), {"A": str(root / "A.bw")}, str(root / "w.tsv.gz")


@pytest.mark.slow
def test_basenji_learns_where_the_coverage_lies_and_beats_the_mean_profile(tmp_path):
    torch.set_num_threads(1)
    fasta, bigwigs, tsv = _genome(tmp_path, np.random.default_rng(0))
    splits = {}
    for split in ("train", "valid", "test"):
        targets = SignalTargets(bigwigs, 0, "none", mode="profile", bin_bp=BIN)
        splits[split] = str(tmp_path / f"{split}.h5")
        write_split(tsv, split, fasta, splits[split], WINDOW, chunk_rows=64, seed=1, signal=targets)
        targets.close()
    with h5py.File(splits["train"]) as h5:
        assert h5["y"].shape == (N["chrA"], 1, WINDOW // BIN) and h5.attrs["target_mode"] == "profile"
    hp = {**HPARAMS, "profile_bin": BIN, "profile_crop": 0}
    s = TrainSettings(
        arch="basenji",
        hparams=hp,
        lr=3e-3,
        batch_size=32,
        max_epochs=6,
        patience=6,
        task_type="regression",
        loss="poisson",
        monitor="valid_window_pearson",
        rc_augment=False,
        shift=0,
        device="cpu",
    )

    def build():
        return models.build("basenji", 1, WINDOW, **{k: tuple(v) if isinstance(v, list) else v for k, v in hp.items()})

    out = tmp_path / "model"
    result = fit(build, splits["train"], splits["valid"], out, s, meta=header(s, ["A"], WINDOW))
    history = pd.read_csv(out / "history.tsv", sep="\t")
    assert history.columns.tolist() == PROFILE_HISTORY_COLUMNS
    assert result["best_epoch"] == int(history.valid_window_pearson.idxmax()) + 1  # the monitor picks the epoch
    model = build()
    model.load_state_dict(torch.load(out / "model.pt", weights_only=False)["state_dict"])
    out_test, y = predict_split(model.eval(), splits["test"], 256, torch.device("cpu"), task_type="regression")
    assert out_test.shape == y.shape == (N["chrC"], 1, WINDOW // BIN)
    reps = pf.profile_replicates(y, pf.coverage(out_test, "poisson"), 200, 1)
    base = pf.profile_replicates(y, pf.baseline_predictions(pf.mean_profile(splits["train"]), len(y)), 200, 1)
    print("window pearson", reps.point["window_pearson"], "baseline", base.point["window_pearson"])
    assert base.point["window_pearson"][0] < 0.3  # the bump moves: the mean shape knows little
    lo, _ = interval(reps.reps["window_pearson"][0] - base.reps["window_pearson"][0], 0.95)
    assert lo > 0.2  # paired: the model beats the baseline on the same resampled windows
