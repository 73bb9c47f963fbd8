"""Union-peak merging (Basset and bedtools overlap) and interval helpers."""

from __future__ import annotations

import numpy as np
import pytest
from chromcnn.data.intervals import basset_merge, merge_intervals, overlap_merge_bedtools, overlaps_any, place
from conftest import needs_bedtools


def bits(*tasks: int) -> int:
    return sum(1 << t for t in tasks)


def merge(centres, acts, ext=600, min_ov=200, chrom_len=1_000_000):
    out = basset_merge(np.array(centres, np.int64), list(acts), ext, min_ov, chrom_len)
    return out.centres.tolist(), out.activity


def reference_merge(centres, acts, ext, min_ov, chrom_len):
    """Literal reading of Basset's rule: O(n^2), recomputed after every merge."""
    sites = [[int(c), a] for c, a in zip(centres, acts)]

    def start(c):
        return min(max(c - ext // 2, 0), max(chrom_len - ext, 0))

    while True:
        best = None
        for i in range(len(sites) - 1):
            ov = start(sites[i][0]) + ext - start(sites[i + 1][0])
            if ov >= min_ov and (best is None or ov > best[0]):
                best = (ov, i)
        if best is None:
            return [s[0] for s in sites], [s[1] for s in sites]
        i = best[1]
        (c1, a1), (c2, a2) = sites[i], sites[i + 1]
        w1, w2 = 1 + bin(a1).count("1"), 1 + bin(a2).count("1")
        centre = int(np.floor((c1 * w1 + c2 * w2) / (w1 + w2) + 0.5))
        sites[i : i + 2] = [[centre, a1 | a2]]


def test_overlap_at_threshold_merges_with_weighted_centre():
    # windows [700,1300) and [1100,1700) overlap by exactly 200 bp
    centres, acts = merge([1000, 1400], [bits(0), bits(1, 2)])
    assert centres == [1240]  # (1000*2 + 1400*3) / 5: weights 1 + cell types
    assert acts == [bits(0, 1, 2)]


def test_overlap_below_threshold_does_not_merge():
    centres, acts = merge([1000, 1401], [bits(0), bits(1)])
    assert centres == [1000, 1401] and acts == [bits(0), bits(1)]


def test_threshold_is_configurable():
    assert merge([1000, 1401], [bits(0), bits(1)], min_ov=199)[0] == [1201]  # 1200.5 rounds half up


def test_largest_overlap_first_then_recomputed():
    # overlaps 300 (first pair) and 200 (second); after merging the first pair the
    # new centre 1150 overlaps 1700 by only 50 bp, so the third site stays apart
    centres, acts = merge([1000, 1300, 1700], [bits(0), bits(1), bits(2)])
    assert centres == [1150, 1700]
    assert acts == [bits(0, 1), bits(2)]


def test_chain_collapses_when_overlaps_stay_large():
    centres, acts = merge([1000, 1100, 1200], [bits(0), bits(0), bits(1)])
    assert len(centres) == 1 and acts == [bits(0, 1)]


def test_round_half_up_and_same_cell_type():
    assert merge([1000, 1001], [bits(0), bits(0)])[0] == [1001]


def test_chromosome_end_shifts_windows_inside():
    starts = place(np.array([10, 500, 995]), 100, 1000)
    assert starts.tolist() == [0, 450, 900]


@pytest.mark.parametrize("seed", range(40))
def test_heap_merge_matches_literal_reference(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 40))
    chrom_len = int(rng.integers(2_000, 20_000))
    centres = np.sort(rng.integers(0, chrom_len, n))
    acts = [bits(*rng.choice(6, size=int(rng.integers(1, 4)), replace=False)) for _ in range(n)]
    got = merge(centres, acts, 600, 200, chrom_len)
    assert got == reference_merge(centres, acts, 600, 200, chrom_len)


@needs_bedtools
def test_overlap_mode_uses_bedtools_merge():
    out = overlap_merge_bedtools("chr1", np.array([1000, 1500, 3000]), [bits(0), bits(1), bits(2)], 600, 10_000)
    assert out.centres.tolist() == [1250, 3000]  # [700,1800) and [2700,3300)
    assert out.activity == [bits(0, 1), bits(2)]
    assert out.labels(3).tolist() == [[1, 1, 0], [0, 0, 1]]


def test_merge_intervals_and_overlaps_any_match_brute_force():
    rng = np.random.default_rng(7)
    s = rng.integers(0, 10_000, 200)
    e = s + rng.integers(1, 300, 200)
    ms, me = merge_intervals(s, e)
    assert np.all(ms[1:] >= me[:-1])
    covered = np.zeros(11_000, bool)
    for a, b in zip(s, e):
        covered[a:b] = True
    merged_cov = np.zeros(11_000, bool)
    for a, b in zip(ms, me):
        merged_cov[a:b] = True
    assert np.array_equal(covered, merged_cov)
    qs = rng.integers(0, 10_500, 500)
    qe = qs + rng.integers(1, 100, 500)
    brute = np.array([covered[a:b].any() for a, b in zip(qs, qe)])
    assert np.array_equal(overlaps_any(qs, qe, ms, me), brute)
    assert not overlaps_any(np.array([5]), np.array([6]), np.zeros(0, np.int64), np.zeros(0, np.int64)).any()
