"""Profile targets: per-bin coverage with crop against a hand-built bigWig, stretch reads, the (N, T, B) split file."""

from __future__ import annotations

import gzip

import h5py
import numpy as np
import pytest
from chromcnn.data.genome import prepare_genome
from chromcnn.data.hdf5 import write_split
from chromcnn.data.signal import SignalTargets, bin_profiles, n_bins, open_bigwig, read_spans
from conftest import random_genome, write_fasta
from test_signal import write_bigwig


def test_bins_and_crop_against_known_values(tmp_path):
    values = np.arange(1000, dtype=np.float64)  # base i has coverage i
    values[300:310] = np.nan  # missing: counted, read as 0
    values[400:402] = -3.0  # negative: counted, read as 0
    bw = open_bigwig(write_bigwig(tmp_path / "p.bw", {"chr1": 1000}, {"chr1": values}))
    # window [200, 456): crop 32 at both ends -> [232, 424) in 6 bins of 32 bp
    prof, bases, nan, neg = bin_profiles(bw, "chr1", np.array([200]), 256, 32, crop=32)
    clean = np.where(np.isnan(values) | (values < 0), 0.0, values)
    expected = [clean[232 + 32 * k : 264 + 32 * k].sum() for k in range(6)]
    assert prof.shape == (1, 6) and np.allclose(prof[0], expected)
    assert prof[0, 0] == np.arange(232, 264).sum()  # a bin without missing bases: the plain sum
    assert (bases, nan, neg) == (192, 10, 2)
    # without crop, 8 bins of 32 bp starting at the window start
    prof, *_ = bin_profiles(bw, "chr1", np.array([0, 744]), 256, 32)
    assert np.allclose(prof[0], [np.arange(32 * k, 32 * k + 32).sum() for k in range(8)])
    # past the chromosome end (744 + 256 = 1000 fits; a window at 800 runs 56 bp past): missing, as 0
    prof, _, nan, _ = bin_profiles(bw, "chr1", np.array([800]), 256, 32)
    assert nan == 56 and prof[0, -1] == 0 and prof[0, 0] == np.arange(800, 832).sum()
    bw.close()


def test_stretch_reads_match_window_reads_and_call_pybigwig_once_per_stretch(tmp_path, monkeypatch):
    rng = np.random.default_rng(2)
    values = rng.integers(0, 9, 20_000).astype(np.float64)
    bw = open_bigwig(write_bigwig(tmp_path / "s.bw", {"chr1": 20_000}, {"chr1": values}))
    lo = rng.integers(0, 19_000, 300)  # unsorted, overlapping
    calls = []

    class Counting:
        def __init__(self, inner):
            self.inner = inner

        def chroms(self, *a):
            return self.inner.chroms(*a)

        def values(self, *a, **k):
            calls.append(a)
            return self.inner.values(*a, **k)

    out, nan, neg = read_spans(Counting(bw), "chr1", lo, 100, bin_bp=1, stretch_bp=5_000)
    for i, s in enumerate(lo):
        assert np.array_equal(out[i], values[s : s + 100])
    assert nan == 0 and neg == 0
    # windows within 5 kb share a call: at most ~ 20 kb / (5 kb - 100) + 1 calls, far fewer than 300
    assert 2 <= len(calls) <= 6
    calls.clear()
    sums, _, _ = read_spans(Counting(bw), "chr1", lo, 100)  # the default stretch covers the chromosome
    assert len(calls) == 2  # 300 windows, at most STRETCH_ROWS = 256 per call
    assert np.allclose(sums[:, 0], [values[s : s + 100].sum() for s in lo])
    bw.close()


def test_n_bins_rejects_windows_the_bins_do_not_tile():
    assert n_bins(512, 32, 32) == 14
    with pytest.raises(ValueError, match="not a positive multiple of bin 128"):
        n_bins(1000, 128, 0)


def _windows(tmp_path, rows, window):
    lines = ["chrom\tstart\tend\tsplit\tA\tB\n"]
    lines += [f"{c}\t{s}\t{s + window}\t{sp}\t1\t0\n" for c, s, sp in rows]
    with gzip.open(tmp_path / "w.tsv.gz", "wt") as handle:
        handle.writelines(lines)
    return str(tmp_path / "w.tsv.gz")


def test_split_file_profile_mode_shape_dtype_attrs_and_values(tmp_path):
    rng = np.random.default_rng(0)
    sizes = {"chr1": 5000, "chr2": 3000}
    write_fasta(tmp_path / "src.fa", random_genome(rng, sizes))
    prepare_genome(tmp_path / "src.fa", tmp_path / "g.fa", tmp_path / "g.sizes")
    cov = {c: rng.integers(0, 4, n).astype(np.float64) for c, n in sizes.items()}
    bw_a = write_bigwig(tmp_path / "a.bw", sizes, cov)
    bw_b = write_bigwig(tmp_path / "b.bw", sizes, {c: 3 * v for c, v in cov.items()})
    rows = [("chr1", s, "train") for s in range(0, 4700, 97)] + [("chr2", s, "train") for s in range(0, 2700, 89)]
    tsv = _windows(tmp_path, rows, 256)
    targets = SignalTargets({"A": bw_a, "B": bw_b}, 200, "log1p", mode="profile", bin_bp=64, crop=64)
    out = tmp_path / "train.h5"
    n = write_split(tsv, "train", str(tmp_path / "g.fa"), str(out), 256, chunk_rows=8, seed=3, signal=targets)
    targets.close()
    with h5py.File(out) as h5:
        y, chrom, start = h5["y"][:], h5["chrom"].asstr()[:], h5["start"][:]
        assert y.dtype == np.float32 and y.shape == (n, 2, 2) and n == len(rows)
        assert h5["y"].chunks == (8, 2, 2)
        assert h5.attrs["target_mode"] == "profile"
        assert int(h5.attrs["target_bin"]) == 64 and int(h5.attrs["target_crop"]) == 64
        assert "target_transform" not in h5.attrs  # profiles are untransformed sums
    for i in range(n):
        c = cov[chrom[i]][start[i] + 64 : start[i] + 192].reshape(2, 64).sum(axis=1)
        assert np.allclose(y[i, 0], c) and np.allclose(y[i, 1], 3 * c)
