"""Split files in a seeded random row order (format 2): shuffled, reproducible, coordinates aligned."""

from __future__ import annotations

import filecmp
import gzip

import h5py
import numpy as np
import pytest
from chromcnn.data.encode import decode
from chromcnn.data.genome import prepare_genome
from chromcnn.data.hdf5 import write_split
from chromcnn.evaluation import metrics as ev
from chromcnn.io.batches import Batches
from chromcnn.io.split_h5 import read_coords, read_meta
from conftest import random_genome, write_fasta

WINDOW = 100


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    """A 2-chromosome genome and 430 train windows (labels from the start), with their sequences."""
    tmp = tmp_path_factory.mktemp("toy")
    rng = np.random.default_rng(0)
    seqs = random_genome(rng, {"chr1": 30_000, "chr2": 20_000})
    write_fasta(tmp / "src.fa", seqs)
    prepare_genome(tmp / "src.fa", tmp / "g.fa", tmp / "g.sizes")
    rows = [("chr1", s) for s in range(0, 29_800, 120)] + [("chr2", s) for s in range(0, 19_800, 110)]
    lines = ["chrom\tstart\tend\tsplit\tA\tB\n"]
    lines += [f"{c}\t{s}\t{s + WINDOW}\ttrain\t{(s // 120) % 2 * (c == 'chr1')}\t{int(c == 'chr2')}\n" for c, s in rows]
    with gzip.open(tmp / "w.tsv.gz", "wt") as handle:
        handle.writelines(lines)
    return tmp, seqs, rows


def write(tmp, name: str, seed: int | None) -> str:
    out = str(tmp / name)
    write_split(str(tmp / "w.tsv.gz"), "train", str(tmp / "g.fa"), out, WINDOW, chunk_rows=16, seed=seed,
                shuffle_chunks=4, block_chunks=2)  # fmt: skip
    return out


def test_rows_are_shuffled_and_every_row_matches_its_coordinates(toy):
    tmp, seqs, rows = toy
    path = write(tmp, "shuffled.h5", seed=7)
    chrom, start, end = read_coords(path)
    assert sorted(zip(chrom.tolist(), start.tolist())) == sorted(rows)  # every window once
    with h5py.File(path) as h5:
        x, y = h5["x"][:], h5["y"][:]
    # consumers index rows by their coordinates: each row's sequence and labels are its window's
    assert decode(x) == [seqs[c][s : s + WINDOW].upper() for c, s in zip(chrom, start)]
    assert np.array_equal(y[:, 1], (chrom == "chr2").astype(np.uint8))
    assert np.array_equal(y[chrom == "chr1", 0], ((start[chrom == "chr1"] // 120) % 2).astype(np.uint8))
    assert (end - start == WINDOW).all()
    # consecutive rows are not neighbouring windows (in genomic order every pair is)
    rank = {w: i for i, w in enumerate(rows)}
    pos = np.array([rank[(c, s)] for c, s in zip(chrom.tolist(), start.tolist())])
    assert np.mean(np.abs(np.diff(pos)) == 1) < 0.1
    meta = read_meta(path)
    assert meta["format_version"] == 2 and meta["row_order"] == "shuffled" and meta["shuffle_seed"] == 7


def test_same_seed_same_bytes_other_seed_other_order(toy):
    tmp, _, rows = toy
    a, b, c = write(tmp, "a.h5", 3), write(tmp, "b.h5", 3), write(tmp, "c.h5", 4)
    assert filecmp.cmp(a, b, shallow=False)
    assert not np.array_equal(read_coords(a)[1], read_coords(c)[1])
    genomic = write(tmp, "g.h5", None)
    assert list(zip(*[v.tolist() for v in read_coords(genomic)[:2]])) == rows


def test_streamed_batches_mix_loci_and_blocks_follow_the_windows(toy):
    tmp, _, _ = toy
    shuffled, genomic = write(tmp, "s.h5", 11), write(tmp, "g2.h5", None)
    chrom_s, start_s, _ = read_coords(shuffled)
    chrom_g, start_g, _ = read_coords(genomic)
    # a genomic block is the same set of windows whatever the row order
    bs, bg = ev.genomic_blocks(chrom_s, start_s, 5_000), ev.genomic_blocks(chrom_g, start_g, 5_000)
    key_s = dict(zip(zip(chrom_s.tolist(), start_s.tolist()), bs.tolist()))
    assert all(key_s[k] == v for k, v in zip(zip(chrom_g.tolist(), start_g.tolist()), bg.tolist()))
    # a chunk holds windows of one shuffle buffer's stretch (64 windows here); a streaming reader's
    # block of 4 chunks spans several stretches: many more 5 kb blocks than 64 neighbouring windows
    spread = [len(set(bs[i : i + 64])) for i in range(0, len(bs) - 64, 64)]
    genomic = [len(set(bg[i : i + 64])) for i in range(0, len(bg) - 64, 64)]
    assert min(spread) >= 5 and max(genomic) <= 3
    batches = Batches(shuffled, 32, memory_budget_mb=0, chunks_per_block=1, buffer_blocks=2)
    assert not batches.in_memory and sum(len(x) for x, _ in batches.epoch(1, 0)) == len(bs)


def test_predictions_are_aligned_with_the_coordinates_of_a_shuffled_split(toy):
    import torch
    from chromcnn.inference.predict import predict_split

    class GC(torch.nn.Module):  # logit = GC fraction, a function of the sequence alone
        def forward(self, x):
            return x[:, 1:3].sum(dim=(1, 2))[:, None] / x.shape[2] * torch.ones(1, 2)

    tmp, seqs, _ = toy
    path = write(tmp, "p.h5", 5)
    probs, y = predict_split(GC().eval(), path, 50, torch.device("cpu"), "multi-label", False)
    chrom, start, _ = read_coords(path)
    gc = np.array([sum(b in "CG" for b in seqs[c][s : s + WINDOW].upper()) / WINDOW for c, s in zip(chrom, start)])
    assert np.allclose(probs[:, 0], 1 / (1 + np.exp(-gc)), atol=1e-6)
    assert np.array_equal(y[:, 1], (chrom == "chr2").astype(y.dtype))
