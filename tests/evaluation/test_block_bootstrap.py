"""Genomic-block bootstrap and the expected calibration error (evaluation/metrics.py)."""

from __future__ import annotations

import numpy as np
import pytest
from chromcnn.evaluation import metrics as ev


def block_correlated(n_blocks: int = 40, per_block: int = 50, seed: int = 0):
    """Labels and scores whose errors are shared within 1 Mb blocks: each block has its own separation."""
    rng = np.random.default_rng(seed)
    chrom = np.repeat([f"chr{1 + k // 20}" for k in range(n_blocks)], per_block)
    start = np.repeat((np.arange(n_blocks) % 20) * 1_000_000, per_block) + rng.integers(
        0, 999_000, n_blocks * per_block
    )
    y = rng.random(n_blocks * per_block) < 0.4
    effect = np.repeat(rng.normal(0.5, 1.5, n_blocks), per_block)  # some blocks separate, some invert
    scores = effect * y + rng.normal(0, 0.3, len(y))
    return chrom, start, y[:, None].astype(np.uint8), scores[:, None]


def test_genomic_blocks_label_chromosome_and_megabase():
    chrom = np.array(["chr2", "chr1", "chr1", "chr1", "chr2"])
    start = np.array([5, 999_999, 1_000_000, 10, 2_500_000])
    assert ev.genomic_blocks(chrom, start, 1_000_000).tolist() == [2, 0, 1, 0, 3]
    assert ev.genomic_blocks(chrom, start, 0) is None
    # the labels follow the windows, not the row order (the split files are shuffled)
    order = np.array([3, 0, 4, 2, 1])
    assert ev.genomic_blocks(chrom[order], start[order], 1_000_000).tolist() == [0, 2, 3, 1, 0]


def test_block_weights_move_whole_blocks_and_are_seeded():
    blocks = np.repeat(np.arange(5), [3, 1, 4, 2, 2])
    w = np.concatenate(list(ev.bootstrap_weights(12, 50, 7, blocks)))
    assert w.shape == (50, 12)
    for k in range(5):  # every window of a block has its block's count
        assert (w[:, blocks == k] == w[:, blocks == k][:, :1]).all()
    assert (np.concatenate(list(ev.bootstrap_weights(12, 50, 7, blocks))) == w).all()
    assert (w[:, np.r_[0, 3, 4, 8, 10]].sum(axis=1) == 5).all()  # 5 blocks drawn per replicate


def test_block_bootstrap_is_wider_than_iid_when_errors_are_block_correlated():
    chrom, start, y, scores = block_correlated()
    blocks = ev.genomic_blocks(chrom, start, 1_000_000)
    assert blocks.max() + 1 == 40
    iid = ev.replicates(y, scores, 400, 1)
    blk = ev.replicates(y, scores, 400, 1, blocks)
    assert iid.auroc[0] == blk.auroc[0]  # the point estimate does not change
    width = [np.subtract(*ev.interval(r.auroc_reps[0])[::-1]) for r in (iid, blk)]
    assert width[1] > 2 * width[0], width


def test_block_replicates_are_paired_across_models():
    chrom, start, y, scores = block_correlated()
    blocks = ev.genomic_blocks(chrom, start, 1_000_000)
    a = ev.replicates(y, scores, 200, 3, blocks)
    b = ev.replicates(y, scores + 0.01 * np.random.default_rng(1).normal(size=scores.shape), 200, 3, blocks)
    diff = a.auroc_reps[0] - b.auroc_reps[0]
    # same resampled blocks on both sides: the difference varies far less than either model
    assert np.std(diff) < 0.2 * np.std(a.auroc_reps[0])


def test_expected_calibration_error_on_known_inputs():
    y = np.array([1] * 6 + [0] * 4)
    assert ev.calibration_error(y, np.full(10, 0.8)) == pytest.approx(0.2)
    assert ev.calibration_error(y, np.full(10, 0.6)) == pytest.approx(0.0)
    # two bins of 10: 0.15 predicted where 1 in 10 is positive, 0.95 where all are
    y2 = np.r_[np.eye(10)[0], np.ones(10)]
    p2 = np.r_[np.full(10, 0.15), np.full(10, 0.95)]
    assert ev.calibration_error(y2, p2) == pytest.approx(0.5 * 0.05 + 0.5 * 0.05)
    # probability 1.0 falls in the last bin, not past it
    assert ev.calibration_error(np.array([1, 0]), np.array([1.0, 0.0])) == pytest.approx(0.0)
    reps = ev.replicates(y[:, None], np.full((10, 1), 0.8), 10, 0)
    table = ev.task_table(y[:, None], reps, ["t"], 0.95, probs=np.full((10, 1), 0.8))
    assert table.ece.iloc[0] == pytest.approx(0.2)


def test_comparison_refuses_replicates_that_are_not_paired(tmp_path):
    from chromcnn.errors import InputError
    from chromcnn.evaluation import compare

    chrom, start, y, scores = block_correlated()
    paths = []
    for name, block_bp in (("a", 1_000_000), ("b", None)):
        blocks = ev.genomic_blocks(chrom, start, block_bp)
        meta = {"tasks": ["t"], "bootstrap": 20, "seed": 1, "block_bp": block_bp}
        paths.append(str(tmp_path / f"{name}.npz"))
        ev.save_replicates(paths[-1], ev.replicates(y, scores, 20, 1, blocks), y, scores, meta)
    with pytest.raises(InputError, match="not paired"):
        compare.compare(["a-s1", "b-s1"], paths, 0.95)
