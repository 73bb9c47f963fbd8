"""Multiple-testing control, bootstrap p-values and aggregation over seeds, on synthetic numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from chromcnn.evaluation import compare, stats
from chromcnn.evaluation import metrics as ev


def test_bh_and_holm_match_hand_computed_values():
    p = np.array([0.01, 0.04, 0.03, 0.005, np.nan])
    # sorted 0.005, 0.01, 0.03, 0.04 (m = 4; NaN is not in the family)
    # BH: p * m / rank = 0.02, 0.02, 0.04, 0.04, then the running minimum from the largest
    np.testing.assert_allclose(stats.adjust(p, "bh"), [0.02, 0.04, 0.04, 0.02, np.nan])
    # Holm: p * (m - rank + 1) = 0.02, 0.03, 0.06, 0.04, then the running maximum
    np.testing.assert_allclose(stats.adjust(p, "holm"), [0.03, 0.06, 0.06, 0.02, np.nan])
    np.testing.assert_allclose(stats.adjust(p, "none"), p)
    assert stats.adjust(np.array([0.9, 0.8]), "holm").max() == 1.0  # capped at 1
    with pytest.raises(ValueError, match="unknown multiple-testing method 'bonf'"):
        stats.adjust(p, "bonf")


def test_bootstrap_p_counts_replicates_beyond_zero():
    assert ev.bootstrap_p(np.full(99, 0.1)) == pytest.approx(0.02)  # 2 x (0 + 1) / (99 + 1): never 0
    assert ev.bootstrap_p(np.r_[np.full(50, -1.0), np.full(50, 1.0)]) == 1.0
    assert ev.bootstrap_p(np.r_[np.full(9, 1.0), -1.0, np.nan]) == pytest.approx(2 * 2 / 11)
    assert np.isnan(ev.bootstrap_p(np.full(5, np.nan)))


def test_twenty_marginal_wins_survive_bh_but_not_holm():
    frame = pd.DataFrame(
        {"model_a": "a", "model_b": "b", "task": [f"t{i}" for i in range(20)], "difference": 0.01, "p": 0.03}
    )
    frame["metric"] = "auroc"
    bh = stats.decide(frame, ["metric"], "bh", 0.95)
    holm = stats.decide(frame, ["metric"], "holm", 0.95)
    none = stats.decide(frame.assign(p=np.r_[0.03, np.full(19, 0.5)]), ["metric"], "none", 0.95)
    assert (bh.winner == "a").all() and np.allclose(bh.p_adjusted, 0.03)  # equal p-values: BH keeps them
    assert (holm.winner == "tie").all() and np.allclose(holm.p_adjusted, 0.6)  # 0.03 x 20
    assert list(none.winner).count("a") == 1


def test_uncorrected_chance_wins_are_removed_by_the_comparison():
    """Two equally good models on 40 tasks: some per-task intervals exclude 0 by chance, BH keeps none."""
    rng = np.random.default_rng(3)
    y = rng.random((400, 40)) < 0.3
    a, b = y + rng.normal(size=y.shape), y + rng.normal(size=y.shape)
    ra, rb = ev.replicates(y, a, 200, seed=1), ev.replicates(y, b, 200, seed=1)
    rows = pd.DataFrame(ev.paired_differences("a", ra, "b", rb, [f"t{i}" for i in range(40)], 0.95))
    raw = rows[(rows.task != "macro") & (rows.winner != "tie")]
    decided = compare.decide_winners(rows.reindex(columns=compare.COMPARISON_COLUMNS), "bh", 0.95)
    assert len(raw) >= 1  # uncorrected: chance "wins" (seeded; ~4 of 80 expected)
    assert (decided[decided.task != "macro"].winner == "tie").all()


def _reps(macro_points: list[float], spread: float, n_boot: int, rng) -> dict[str, ev.Replicates]:
    """Replicates of one model per seed: 2 tasks at ``point``, window replicates point +- ``spread``."""
    out = {}
    noise = rng.normal(0, spread, size=(2, n_boot))  # the same window resamples for every seed and model
    for i, point in enumerate(macro_points):
        pt = np.array([point, point])
        out[i] = ev.Replicates(
            auroc=pt,
            auprc=pt - 0.2,
            auroc_reps=(pt[:, None] + noise).astype(np.float32),
            auprc_reps=(pt[:, None] - 0.2 + noise).astype(np.float32),
            micro_auroc=point,
            micro_auprc=point - 0.2,
            micro_auroc_reps=np.full(n_boot, point, np.float32),
            micro_auprc_reps=np.full(n_boot, point, np.float32),
        )
    return out


def test_seed_table_gives_mean_and_spread_over_seeds():
    summary = pd.DataFrame(
        {
            "model": ["basset_exp-s1", "basset_exp-s2", "basset_exp-s3", "cnn-s1"],
            "macro_auroc": [0.80, 0.90, 1.00, 0.7],
            "macro_auprc": [0.5, 0.5, 0.8, 0.4],
        }
    )
    table = stats.seed_table(summary).set_index("variant")
    row = table.loc["basset_exp"]
    assert row.n_seeds == 3 and row.seeds == "1,2,3"
    assert row.macro_auroc_mean == pytest.approx(0.9) and row.macro_auroc_sd == pytest.approx(0.1)
    assert (row.macro_auroc_min, row.macro_auroc_max) == (0.8, 1.0)
    assert row.macro_auprc_mean == pytest.approx(0.6) and row.macro_auprc_sd == pytest.approx(np.sqrt(0.03))
    assert table.loc["cnn"].n_seeds == 1 and np.isnan(table.loc["cnn"].macro_auroc_sd)
    assert stats.variant_of("basset_exp-s12") == "basset_exp" and stats.variant_of("oracle") == "oracle"


def test_seed_resampling_widens_the_interval_when_seeds_disagree():
    rng = np.random.default_rng(0)
    steady = _reps([0.90, 0.90, 0.90], 0.005, 400, rng)
    shaky = _reps([0.80, 0.92, 0.98], 0.005, 400, np.random.default_rng(0))  # mean 0.90, sd 0.09
    other = _reps([0.85, 0.85, 0.85], 0.005, 400, np.random.default_rng(0))
    loaded = {f"steady-s{i + 1}": r for i, r in steady.items()}
    loaded |= {f"shaky-s{i + 1}": r for i, r in shaky.items()}
    loaded |= {f"other-s{i + 1}": r for i, r in other.items()}
    table = stats.seed_comparison(loaded, ["t0", "t1"], 0.95, seed=1, method="bh")
    macro = table[(table.task == "macro") & (table.metric == "auroc")].set_index(["variant_a", "variant_b"])
    s_o, h_o = macro.loc[("steady", "other")], macro.loc[("shaky", "other")]
    assert s_o.difference == pytest.approx(0.05) and h_o.difference == pytest.approx(0.05, abs=1e-9)
    assert s_o.winner == "steady" and s_o.hi - s_o.lo < 0.01  # same window resamples: paired, narrow
    # one seed at 0.80 loses to 0.85: resampling seeds puts 0 inside the interval
    assert h_o.lo < 0 < h_o.hi and h_o.winner == "tie" and h_o.hi - h_o.lo > 0.08
    assert list(table.columns) == stats.VARIANT_COLUMNS and len(table) == 3 * 2 * 3  # 3 pairs x 2 metrics x 3 rows


def test_across_seeds_reads_predictions_and_leaves_the_oracle_out(tmp_path):
    rng = np.random.default_rng(4)
    y = (rng.random((300, 2)) < 0.4).astype(np.uint8)
    models = ["good-s1", "good-s2", "weak-s1", "weak-s2", compare.ORACLE]
    paths = []
    for i, model in enumerate(models):
        noise = 0.3 if model.startswith("good") else 1.5
        probs = (y + rng.normal(0, noise, y.shape)).astype(np.float32)
        paths.append(str(tmp_path / f"{i}.npz"))
        ev.save_replicates(paths[-1], ev.replicates(y, probs, 100, seed=1), y, probs, {"tasks": ["a", "b"]})
    seeds, variants = compare.across_seeds(models, paths, 0.95, seed=1, method="holm")
    assert list(seeds.variant) == ["good", "weak"] and (seeds.n_seeds == 2).all()
    macro = variants[(variants.task == "macro") & (variants.metric == "auroc")].iloc[0]
    assert (macro.variant_a, macro.variant_b, macro.winner) == ("good", "weak", "good") and macro.lo > 0.1
    seeds, variants = compare.across_seeds(models[::2], paths[::2], 0.95, seed=1)  # one seed each
    assert (seeds.n_seeds == 1).all() and variants.empty and list(variants.columns) == stats.VARIANT_COLUMNS
