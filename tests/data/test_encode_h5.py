"""One-hot encoding and the HDF5 contract (round trip, attributes, streaming)."""

from __future__ import annotations

import gzip

import h5py
import numpy as np
import pytest
from chromcnn.data.encode import codes_from_string, decode, gather, gc_and_n, one_hot, one_hot_windows
from chromcnn.data.genome import prepare_genome
from chromcnn.data.hdf5 import write_split
from chromcnn.io.split_h5 import FORMAT_VERSION, read_meta
from conftest import random_genome, write_fasta


def test_one_hot_acgtn_and_lower_case():
    x = one_hot(codes_from_string("ACGTNacgtnRy-")[None, :])
    assert x.shape == (1, 4, 13) and x.dtype == np.uint8
    expected = np.zeros((4, 13), np.uint8)
    for pos, base in enumerate("ACGTNACGTN"):
        if base != "N":
            expected["ACGT".index(base), pos] = 1
    assert np.array_equal(x[0], expected)
    assert x[0, :, 4].sum() == 0 and x[0, :, 10:].sum() == 0  # N, IUPAC, gap -> all zero


def test_decode_round_trip_and_gather():
    codes = codes_from_string("AACCGGTTNNacgt")
    windows = gather(codes, np.array([0, 5, 10]), 4)
    assert decode(one_hot(windows)) == ["AACC", "GTTN", "ACGT"]
    with pytest.raises(ValueError, match="shorter than the window"):
        gather(codes, np.array([0]), 20)


@pytest.mark.parametrize(("block", "threads"), [(7, 1), (7, 2), (1000, 1)])
def test_blocked_one_hot_equals_plain(block, threads):
    rng = np.random.default_rng(4)
    codes = rng.integers(0, 5, 20_000).astype(np.uint8)
    starts = rng.integers(0, 20_000 - 300, 101)
    expected = one_hot(gather(codes, starts, 300))
    assert np.array_equal(one_hot_windows(codes, starts, 300, block=block, threads=threads), expected)


def test_one_hot_into_preallocated_output_is_checked():
    windows = np.zeros((2, 5), np.uint8)
    with pytest.raises(ValueError, match="out must be uint8"):
        one_hot(windows, out=np.empty((2, 4, 6), np.uint8))


def test_gc_and_n():
    gc, nf = gc_and_n(codes_from_string("GGCCAATTNN")[None, :])
    assert gc[0] == pytest.approx(0.5) and nf[0] == pytest.approx(0.2)
    gc, nf = gc_and_n(codes_from_string("NNNN")[None, :])
    assert gc[0] == 0 and nf[0] == 1


@pytest.mark.parametrize("compression", ["none", "lzf", "gzip"])
def test_hdf5_round_trip(tmp_path, compression):
    rng = np.random.default_rng(0)
    seqs = random_genome(rng, {"chr1": 5000, "chr2": 3000})
    seqs["chr2"] = seqs["chr2"][:100] + "N" * 50 + seqs["chr2"][150:].lower()
    write_fasta(tmp_path / "src.fa", seqs)
    prepare_genome(tmp_path / "src.fa", tmp_path / "g.fa", tmp_path / "g.sizes")
    rows = [("chr1", s, "train", rng.integers(0, 2, 3)) for s in range(0, 4800, 37)]
    rows += [("chr2", s, "train" if s % 2 else "test", rng.integers(0, 2, 3)) for s in range(0, 2800, 29)]
    lines = ["chrom\tstart\tend\tsplit\tA\tB\tC\n"]
    lines += [f"{c}\t{s}\t{s + 200}\t{sp}\t" + "\t".join(map(str, y)) + "\n" for c, s, sp, y in rows]
    with gzip.open(tmp_path / "w.tsv.gz", "wt") as handle:
        handle.writelines(lines)
    n = write_split(
        str(tmp_path / "w.tsv.gz"),
        "train",
        str(tmp_path / "g.fa"),
        str(tmp_path / "train.h5"),
        200,
        compression=compression,
        chunk_rows=16,
        attrs={"genome": "toy"},
        block_chunks=2,
    )
    train = [r for r in rows if r[2] == "train"]
    assert n == len(train)
    with h5py.File(tmp_path / "train.h5") as h5:
        assert h5["x"].dtype == np.uint8 and h5["x"].shape == (n, 4, 200)
        assert h5["x"].chunks == (16, 4, 200)
        assert h5["y"].dtype == np.uint8 and h5["y"].shape == (n, 3)
        assert h5["start"].dtype == np.int64 and h5["end"].dtype == np.int64
        got = decode(h5["x"][:])
        chroms = h5["chrom"].asstr()[:].tolist()
        assert np.array_equal(h5["y"][:], np.array([r[3] for r in train]))
        assert (h5["end"][:] - h5["start"][:] == 200).all()
    expected = [seqs[c][s : s + 200].upper() for c, s, _, _ in train]
    assert got == expected and chroms == [r[0] for r in train]
    meta = read_meta(tmp_path / "train.h5")
    assert meta["tasks"] == ["A", "B", "C"] and meta["window"] == 200 and meta["split"] == "train"
    assert meta["format_version"] == FORMAT_VERSION and meta["genome"] == "toy" and meta["n"] == n
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
