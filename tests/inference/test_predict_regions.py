"""Predicting regions and sequences: the split's own windows reproduced exactly, centring, tiling, padding."""

from __future__ import annotations

import logging

import h5py
import numpy as np
import pandas as pd
import torch
from chromcnn.data.encode import one_hot
from chromcnn.inference.predict import predict_split
from chromcnn.inference.regions import tile_starts
from chromcnn.inference.scoring import predict_bed, predict_fasta
from planted_genome import WINDOW

torch.set_num_threads(1)


def read_table(path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", dtype={t: np.float32 for t in "ABC"})


def test_bed_of_the_test_split_reproduces_the_split_predictions_exactly(planted, planted_model, tmp_path):
    with h5py.File(planted.splits["test"]) as h5:
        bed = pd.DataFrame({"chrom": h5["chrom"].asstr()[:], "start": h5["start"][:], "end": h5["end"][:]})
    bed.to_csv(tmp_path / "test.bed", sep="\t", header=False, index=False)
    out = str(tmp_path / "p.tsv.gz")
    summary = predict_bed(planted_model, str(tmp_path / "test.bed"), planted.fasta, out, batch_size=64)
    expected, _ = predict_split(planted_model.model, planted.splits["test"], 64, torch.device("cpu"), rc_average=True)
    got = read_table(tmp_path / "p.tsv.gz")
    assert summary == {"records": 200, "windows": 200, "tiled_records": 0}
    assert got.columns.tolist() == ["name", "chrom", "start", "end", "A", "B", "C"]
    assert (got.start.to_numpy() == bed.start.to_numpy()).all() and (got.end - got.start == WINDOW).all()
    assert np.array_equal(got[["A", "B", "C"]].to_numpy(np.float32), expected)  # bit for bit
    single, _ = predict_split(planted_model.model, planted.splits["test"], 64, torch.device("cpu"), rc_average=False)
    assert not np.allclose(single, expected, atol=1e-4)  # the strand average is what was matched


def test_windows_are_centred_or_tiled_as_documented():
    assert tile_starts(0, 200, 200).tolist() == [0]  # a window of the planted_model's size is kept as it is
    assert tile_starts(100, 101, 200).tolist() == [0]  # one base: the window centred on it
    assert tile_starts(1000, 1050, 200).tolist() == [925]
    assert tile_starts(0, 450, 200).tolist() == [-75, 125, 325]  # 3 tiles, overhang split at both ends
    assert tile_starts(10, 10, 200).tolist() == [-90]


def test_long_regions_are_tiled_and_short_ones_centred(planted, planted_model, tmp_path):
    (tmp_path / "r.bed").write_text("chrC\t1000\t1450\tlong\nchrC\t2000\t2050\nchrC\t0\t10\tedge\n")
    predict_bed(planted_model, str(tmp_path / "r.bed"), planted.fasta, str(tmp_path / "r.tsv"))
    got = read_table(tmp_path / "r.tsv")
    assert got.name.tolist() == ["long:1", "long:2", "long:3", "chrC:2000-2050", "edge"]
    assert got.start.tolist() == [925, 1125, 1325, 1925, -95]
    codes = planted.codes["chrC"]
    edge = np.full(WINDOW, 4, np.uint8)  # off the chromosome's start: N
    edge[95:] = codes[: WINDOW - 95]
    x = one_hot(np.stack([codes[925:1125], edge]))
    expected = planted_model.predict(x, rc_average=True)
    np.testing.assert_allclose(got[["A", "B", "C"]].to_numpy()[[0, 4]], expected, rtol=0, atol=1e-6)


def test_fasta_sequences_are_centred_padded_and_odd_characters_reported(planted, planted_model, tmp_path, caplog):
    codes = planted.codes["chrC"]
    seq = np.frombuffer(b"ACGT", np.uint8)[codes[50:250]].tobytes().decode()
    short = seq[20:170].lower()  # 150 bp, soft-masked case
    fasta = tmp_path / "s.fa"
    fasta.write_text(f">exact desc\n{seq[:100]}\n{seq[100:]}\n>short\n{short}\n>odd\n{seq[:50]}XXRY{seq[54:]}\n")
    with caplog.at_level(logging.WARNING):
        summary = predict_fasta(planted_model, str(fasta), str(tmp_path / "s.tsv"))
    assert summary["odd_characters"] == 4
    warning = [r.getMessage() for r in caplog.records if "other than A, C, G, T, N" in r.getMessage()]
    assert (
        len(warning) == 1
        and warning[0].startswith(f"{fasta}:6: sequence 'odd' has 4 characters")
        and "Fix:" in (warning[0])
    )
    got = read_table(tmp_path / "s.tsv")
    assert got.name.tolist() == ["exact", "short", "odd"] and got.start.tolist() == [0, -25, 0]
    padded = np.full(WINDOW, 4, np.uint8)
    padded[25:175] = codes[70:220]
    odd = codes[50:250].copy()
    odd[50:54] = 4
    expected = planted_model.predict(one_hot(np.stack([codes[50:250], padded, odd])), rc_average=True)
    np.testing.assert_allclose(got[["A", "B", "C"]].to_numpy(), expected, rtol=0, atol=1e-6)
