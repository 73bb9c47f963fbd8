"""Split assignment, the bedtools leakage check, and negative sampling."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from chromcnn.config.regions import parse_region
from chromcnn.data.encode import window_stats
from chromcnn.data.intervals import merge_intervals, overlaps_any
from chromcnn.data.negatives import bin_quota, gc_bin, sample_segment
from chromcnn.data.splits import DROPPED, assign, leakage_report, segments
from conftest import needs_bedtools

HELD = {"valid": [parse_region("chr1:1000-2000")], "test": [parse_region("chr2"), parse_region("chr1:5000-6000")]}


def test_segments_cover_chromosome():
    assert segments("chr1", 8000, HELD) == [
        (0, 1000, 0),
        (1000, 2000, 1),
        (2000, 5000, 0),
        (5000, 6000, 2),
        (6000, 8000, 0),
    ]
    assert segments("chr2", 300, HELD) == [(0, 300, 2)]
    assert segments("chr3", 300, HELD) == [(0, 300, 0)]


def test_assign_drops_straddlers():
    segs = segments("chr1", 8000, HELD)
    starts = np.array([0, 800, 1000, 1900, 4900, 5000, 7800])
    got = assign(starts, starts + 100, segs).tolist()
    assert got == [0, 0, 1, 1, 0, 2, 0]
    starts = np.array([950, 1950, 4950, 5950])
    assert (assign(starts, starts + 100, segs) == DROPPED).all()


def write_windows(path, rows):
    with gzip.open(path, "wt") as handle:
        handle.write("chrom\tstart\tend\tsplit\tA\n")
        handle.writelines(f"{c}\t{s}\t{e}\t{sp}\t1\n" for c, s, e, sp in rows)


@needs_bedtools
def test_leakage_report_detects_overlap(tmp_path):
    clean = [("chr1", 0, 100, "train"), ("chr1", 100, 200, "valid"), ("chr1", 300, 400, "test")]
    write_windows(tmp_path / "ok.tsv.gz", clean)
    report = leakage_report(str(tmp_path / "ok.tsv.gz"))
    assert report["train_vs_valid"] == report["train_vs_test"] == report["valid_vs_test"] == 0
    assert report["n"] == {"test": 1, "train": 1, "valid": 1}
    write_windows(tmp_path / "leak.tsv.gz", clean + [("chr1", 350, 450, "train")])
    assert leakage_report(str(tmp_path / "leak.tsv.gz"))["train_vs_test"] == 1


def test_bin_quota_rounds_to_total():
    gc = np.array([0.1, 0.1, 0.45, 0.5, 0.52, 0.9])
    quota = bin_quota(gc, 1.5, 10)
    assert quota.sum() == 9 and quota[1] >= 3 and quota[9] >= 1
    assert gc_bin(np.array([0.0, 0.999, 1.0]), 10).tolist() == [0, 9, 9]


def genome_with_gc_gradient(rng, n=400_000):
    """Sequence whose GC rises from 0.3 to 0.7 along the chromosome."""
    p_gc = np.linspace(0.3, 0.7, n)
    strong = rng.random(n) < p_gc
    coin = rng.random(n) < 0.5
    return np.where(strong, np.where(coin, 1, 2), np.where(coin, 0, 3)).astype(np.uint8)


@pytest.mark.parametrize("matched", [True, False])
def test_negatives_match_gc_and_avoid_excluded(matched):
    rng = np.random.default_rng(11)
    codes = genome_with_gc_gradient(rng, 1_000_000)
    L = 500
    # positives: GC-rich windows near the end of the chromosome (room for non-overlapping negatives)
    pos = np.sort(rng.choice(np.arange(700_000, 999_000, 2000), 150, replace=False))
    pos_gc, _ = window_stats(codes, pos, L)
    ex = merge_intervals(np.concatenate([pos, [100_000]]), np.concatenate([pos + L, [200_000]]))
    quota = bin_quota(pos_gc, 1.0, 20)
    starts, gc = sample_segment(np.random.default_rng(5), codes, (0, len(codes)), L, ex, 0.1, quota, matched)
    assert len(starts) == 150
    assert not overlaps_any(starts, starts + L, *ex).any()
    assert np.allclose(window_stats(codes, starts, L)[0], gc)
    if matched:
        assert np.array_equal(np.bincount(gc_bin(gc, 20), minlength=20), quota)
        assert abs(gc.mean() - pos_gc.mean()) < 0.01
    else:
        assert gc.mean() < pos_gc.mean() - 0.05  # uniform draws are not GC-matched


def test_negative_sampling_is_seeded():
    codes = genome_with_gc_gradient(np.random.default_rng(1), 50_000)
    quota = np.array([0] * 8 + [20, 20] + [0] * 10)
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    a = sample_segment(np.random.default_rng(9), codes, (0, 50_000), 200, empty, 0.1, quota, True)
    b = sample_segment(np.random.default_rng(9), codes, (0, 50_000), 200, empty, 0.1, quota, True)
    assert np.array_equal(a[0], b[0])


def test_windows_with_too_many_n_are_not_sampled():
    codes = np.full(20_000, 4, np.uint8)
    codes[10_000:] = np.random.default_rng(0).integers(0, 4, 10_000)
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    starts, _ = sample_segment(np.random.default_rng(0), codes, (0, 20_000), 100, empty, 0.05, np.array([50]), False)
    assert len(starts) == 50 and (starts >= 9_995).all()


@pytest.mark.parametrize("matched", [True, False])
def test_no_two_negatives_overlap(matched):
    # 120 windows of 300 bp in 60 kb: independent draws would overlap often (birthday problem)
    codes = genome_with_gc_gradient(np.random.default_rng(3), 60_000)
    L = 300
    pos = np.array([10_000, 40_000])
    ex = merge_intervals(pos, pos + L)
    quota = bin_quota(window_stats(codes, np.arange(0, 59_000, 500), L)[0], 1.0, 10)
    starts, _ = sample_segment(np.random.default_rng(2), codes, (0, 60_000), L, ex, 0.1, quota, matched)
    assert len(starts) == quota.sum() == 118
    assert np.all(np.diff(starts) >= L)  # sorted, and each window ends before the next starts
    assert not overlaps_any(starts, starts + L, *ex).any()
