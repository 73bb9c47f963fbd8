"""Signal targets: bigWig reading, transforms, missing/negative coverage, names, and the float32 split file."""

from __future__ import annotations

import gzip

import h5py
import numpy as np
import pyBigWig
import pytest
from chromcnn.data.genome import prepare_genome
from chromcnn.data.hdf5 import write_split
from chromcnn.data.signal import SignalTargets, check_signal_chroms, open_bigwig, transform, window_sums
from chromcnn.errors import InputError
from conftest import random_genome, write_fasta


def write_bigwig(path, sizes: dict[str, int], values: dict[str, np.ndarray]) -> str:
    """A bigWig with one value per base where ``values[chrom]`` is given (NaN: base left out)."""
    bw = pyBigWig.open(str(path), "w")
    bw.addHeader(list(sizes.items()))
    for chrom in sizes:
        v = values.get(chrom)
        if v is None:
            continue
        keep = np.flatnonzero(~np.isnan(v))
        if len(keep):  # one entry per covered base (tiny files)
            starts = keep.astype(np.int64).tolist()
            ends = [s + 1 for s in starts]
            bw.addEntries([chrom] * len(keep), starts, ends=ends, values=v[keep].astype(float).tolist())
    bw.close()
    return str(path)


def test_transforms_values_and_dtype():
    v = np.array([0.0, 1.0, 10.0, 1e6])
    assert np.allclose(transform(v, "log1p"), np.log1p(v)) and transform(v, "log1p").dtype == np.float32
    assert np.allclose(transform(v, "asinh"), np.arcsinh(v))
    assert np.array_equal(transform(v, "none"), v.astype(np.float32))
    with pytest.raises(InputError, match="unknown targets.transform 'sqrt'"):
        transform(v, "sqrt")


def test_window_sums_centre_nan_and_negative(tmp_path):
    values = np.arange(1000, dtype=np.float64)  # base i has coverage i
    values[510:520] = np.nan  # not in the file: counted, read as 0
    values[530:533] = -5.0  # negative: counted, treated as 0
    path = write_bigwig(tmp_path / "s.bw", {"chr1": 1000, "chr2": 500}, {"chr1": values})
    bw = open_bigwig(path)
    sums, bases, nan, neg = window_sums(bw, "chr1", np.array([0, 400]), 200, 50)
    # window 0: centre [75, 125); window 400: centre [475, 525) minus the 10 missing bases
    assert sums[0] == pytest.approx(np.arange(75, 125).sum())
    assert sums[1] == pytest.approx(np.arange(475, 510).sum() + np.arange(520, 525).sum())
    assert (bases, nan, neg) == (100, 10, 0)
    sums, _, nan, neg = window_sums(bw, "chr1", np.array([450]), 200, 100)  # centre [500, 600)
    assert neg == 3 and nan == 10
    expected = np.arange(500, 600).sum() - np.arange(510, 520).sum() - np.arange(530, 533).sum()
    assert sums[0] == pytest.approx(expected)
    sums, _, nan, _ = window_sums(bw, "chr2", np.array([0]), 200, 50)  # a chromosome without data
    assert sums[0] == 0 and nan == 50
    bw.close()


def test_name_mismatch_is_one_line_naming_the_file(tmp_path):
    sizes = {"chr1": 1000, "chr2": 500}
    ensembl = write_bigwig(tmp_path / "ens.bw", {"1": 1000, "2": 500}, {"1": np.ones(1000)})
    with pytest.raises(InputError) as err:
        check_signal_chroms(ensembl, "A", sizes, label="ens.bw")
    text = str(err.value)
    assert text.startswith("ens.bw") and "cell type 'A' signal" in text and "sed 's/^/chr/'" in text
    assert "\n" not in text
    other = write_bigwig(tmp_path / "other.bw", {"scaffold_9": 100}, {})
    with pytest.raises(InputError, match="lie on chromosomes the genome lacks"):
        check_signal_chroms(other, "A", sizes)
    subset = write_bigwig(tmp_path / "sub.bw", {"chr1": 1000}, {"chr1": np.ones(1000)})
    assert check_signal_chroms(subset, "A", sizes) == ["chr2"]  # windows there get 0


def test_not_a_bigwig(tmp_path):
    (tmp_path / "peaks.bed").write_text("chr1\t1\t2\n")
    with pytest.raises(InputError, match="not a readable bigWig"):
        open_bigwig(str(tmp_path / "peaks.bed"))


def _windows(tmp_path, rows):
    lines = ["chrom\tstart\tend\tsplit\tA\tB\n"]
    lines += [f"{c}\t{s}\t{s + 200}\t{sp}\t1\t0\n" for c, s, sp in rows]
    with gzip.open(tmp_path / "w.tsv.gz", "wt") as handle:
        handle.writelines(lines)
    return str(tmp_path / "w.tsv.gz")


def test_split_file_signal_mode_float32_attrs_and_values(tmp_path):
    rng = np.random.default_rng(0)
    sizes = {"chr1": 5000, "chr2": 3000}
    write_fasta(tmp_path / "src.fa", random_genome(rng, sizes))
    prepare_genome(tmp_path / "src.fa", tmp_path / "g.fa", tmp_path / "g.sizes")
    cov = {c: rng.integers(0, 4, n).astype(np.float64) for c, n in sizes.items()}
    cov["chr1"][2000:2010] = -1.0
    bw_a = write_bigwig(tmp_path / "a.bw", sizes, cov)
    bw_b = write_bigwig(tmp_path / "b.bw", sizes, {c: 2 * v for c, v in cov.items()})
    rows = [("chr1", s, "train") for s in range(0, 4800, 97)] + [("chr2", s, "train") for s in range(0, 2800, 89)]
    tsv = _windows(tmp_path, rows)
    signal = SignalTargets({"A": bw_a, "B": bw_b}, center=100, transform_name="log1p")
    out = tmp_path / "train.h5"
    n = write_split(tsv, "train", str(tmp_path / "g.fa"), str(out), 200, chunk_rows=8, seed=3, signal=signal)
    signal.close()
    assert n == len(rows)
    with h5py.File(out) as h5:
        y, chrom, start = h5["y"][:], h5["chrom"].asstr()[:], h5["start"][:]
        assert y.dtype == np.float32 and y.shape == (n, 2)
        assert h5.attrs["target_mode"] == "signal" and h5.attrs["target_transform"] == "log1p"
        assert int(h5.attrs["target_center"]) == 100
        assert list(h5.attrs["signal_negative"]) == [10, 10]  # the one window whose centre holds chr1:2000-2010
    for i in range(n):
        c = np.clip(cov[chrom[i]][start[i] + 50 : start[i] + 150], 0, None)
        assert y[i, 0] == pytest.approx(np.log1p(c.sum()), rel=1e-6)
        assert y[i, 1] == pytest.approx(np.log1p(2 * c.sum()), rel=1e-6)


def test_binary_split_file_unchanged_by_signal_support(tmp_path):
    """Binary mode: uint8 y and no target attributes (the format is what it was)."""
    rng = np.random.default_rng(1)
    write_fasta(tmp_path / "src.fa", random_genome(rng, {"chr1": 3000}))
    prepare_genome(tmp_path / "src.fa", tmp_path / "g.fa", tmp_path / "g.sizes")
    tsv = _windows(tmp_path, [("chr1", s, "train") for s in range(0, 2800, 50)])
    write_split(tsv, "train", str(tmp_path / "g.fa"), str(tmp_path / "t.h5"), 200, chunk_rows=8)
    with h5py.File(tmp_path / "t.h5") as h5:
        assert h5["y"].dtype == np.uint8 and "target_mode" not in h5.attrs
        assert h5["y"][:, 0].sum() == len(h5["y"])
