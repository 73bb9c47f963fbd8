"""Which Tomtom hits count, and the specificity of planted-motif recovery (interpret/specificity.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from chromcnn import models
from chromcnn.interpret import filter_method as it
from chromcnn.interpret import filters as flt
from chromcnn.interpret import motif_sets as ms
from chromcnn.interpret import motifs as mtf
from chromcnn.interpret import specificity as sp
from chromcnn.io.onehot import information
from test_motifs import planted_sequences, set_filter

UNIFORM = np.full(4, 0.25)
IUPAC = {
    "A": "A",
    "C": "C",
    "G": "G",
    "T": "T",
    "N": "ACGT",
    "K": "GT",
    "M": "AC",
    "S": "CG",
    "Y": "CT",
    "R": "AG",
    "W": "AT",
}
CTCF_EXTENDED = {"MA1929.2", "MA1930.2"}


@pytest.fixture(scope="module")
def jaspar():
    return mtf.load_jaspar("JASPAR2024")


@pytest.fixture(scope="module")
def families():
    return sp.tf_families("JASPAR2024")


def iupac_ppm(consensus: str, strength: float) -> np.ndarray:
    """(4, L) PPM: each column ``strength`` x its IUPAC letter's bases (evenly) + the rest uniform."""
    cols = []
    for letter in consensus:
        v = np.array([b in IUPAC[letter] for b in "ACGT"], dtype=float)
        cols.append(strength * v / v.sum() + (1 - strength) * 0.25)
    return np.array(cols).T


def test_aligned_columns_follow_memelite_offsets(jaspar):
    target = jaspar.ppms[jaspar.index("MA1930.2")]
    part = target[:, 20:30]
    for query, strand in ((part, 0), (part[::-1, ::-1], 1)):
        tt = sp.tomtom_alignments([query], [*jaspar.ppms, target])
        assert tt["strand"][0, -1] == strand
        q, t = sp.aligned_columns(tt["offset"][0, -1], strand, query.shape[1], target.shape[1])
        assert sorted(t) == list(range(20, 30)) and len(q) == 10


def test_diffuse_filter_no_longer_matches_extended_ctcf_and_a_ctcf_core_still_matches(jaspar):
    # the artefact of a held-out scenario without CTCF: ~0.55 bits/column over 19 columns passes the
    # filter method's diffuse floors (4 bits, 0.5 bits/column) and Tomtom aligns it to MA1930.2's spacer
    diffuse = iupac_ppm("TNKNTCMSGNKMMNNKYCK", 0.8)
    bits = information(diffuse, UNIFORM)
    assert bits.sum() > 10 and bits.mean() > 0.5 and mtf.consensus(diffuse) == "TNKNTCMSGNKMMNNKYCK"
    p, q = mtf.tomtom([diffuse], jaspar.ppms)
    top5 = [jaspar.ids[j] for j in np.argsort(p[0])[:5] if q[0, j] < 0.05]
    assert "MA1930.2" in top5  # the old rule (q < 0.05 among the 5 best) counted it
    found, _ = sp.aligned_matches({"d": diffuse}, jaspar.ids, jaspar.names, jaspar.ppms, UNIFORM, sp.MatchRule())
    assert not set(found.match_id) & CTCF_EXTENDED

    core = 0.7 * jaspar.ppms[jaspar.index("MA0139.2")] + 0.3 * 0.25  # a blurred learned CTCF core
    found, best = sp.aligned_matches({"c": core}, jaspar.ids, jaspar.names, jaspar.ppms, UNIFORM, sp.MatchRule())
    row = found.set_index("match_id").loc["MA0139.2"]
    assert row["rank"] <= 5 and row.qvalue < 1e-5 and row.target_coverage == pytest.approx(1.0)
    assert best["c"][1] == "CTCF"


def test_a_partial_filter_does_not_count_against_a_long_matrix(jaspar):
    # 6 columns of MA1930.2's upstream part: overlap and information too small to call it CTCF
    part = jaspar.ppms[jaspar.index("MA1930.2")][:, 0:6]
    found, _ = sp.aligned_matches({"p": part}, jaspar.ids, jaspar.names, jaspar.ppms, UNIFORM, sp.MatchRule())
    assert not set(found.match_id) & CTCF_EXTENDED
    loose = sp.MatchRule(min_target_coverage=0.0, min_aligned_ic=0.0)
    found, _ = sp.aligned_matches({"p": part}, jaspar.ids, jaspar.names, jaspar.ppms, UNIFORM, loose)
    assert set(found.match_id) & CTCF_EXTENDED  # without the floors it is a hit


def test_family_specificity_counts_off_family_ids_only(families):
    assert families["MA1929.2"] == families["MA0139.2"]  # CTCF's matrices share a family
    matches = pd.DataFrame(
        [
            ["f0", 1, "MA0139.2", 1e-9],  # planted CTCF
            ["f0", 2, "MA1929.2", 1e-8],  # CTCF family: not a false positive
            ["f1", 1, "MA0140.3", 1e-6],  # planted GATA1::TAL1
            ["f1", 2, "MA0091.2", 1e-3],  # TAL1::TCF3 shares the Tal-related family of the dimer
            ["f2", 1, "MA0047.4", 1e-4],  # FOXA2: off-family
            ["f3", 1, "MA0080.7", 1e-3],  # SPI1: off-family
            ["f3", 6, "MA0114.5", 1e-3],  # rank > 5: does not count
            ["f4", 1, "MA0466.4", 0.2],  # q above the cut: does not count
        ],
        columns=["filter", "rank", "match_id", "qvalue"],
    )
    assert families["MA0091.2"] & families["MA0140.3"]
    r = sp.family_specificity(matches, ["MA0139.2", "MA0140.3", "MA0153.2"], families, sp.MatchRule(), "filter")
    assert r["n_recovered"] == 2 and r["recall"] == pytest.approx(2 / 3)
    assert r["planted_rank"] == {"MA0139.2": 1, "MA0140.3": 1, "MA0153.2": None}
    assert r["off_family_ids"] == ["MA0047.4", "MA0080.7"] and r["n_off_family_queries"] == 2


def test_untrained_model_goes_through_the_same_pipeline(jaspar, families):
    # sequences carrying CTCF; a model whose filter 0 is CTCF recovers it, the untrained one does not
    ctcf = jaspar.ppms[jaspar.index("MA0139.2")]
    x, _ = planted_sequences(ctcf, 240, 200, seed=1)
    settings = it.MotifSettings(influence_sequences=0)
    torch.manual_seed(3)
    untrained = models.build("basset", 2, 200, filters=(12, 8, 8))
    torch.manual_seed(3)
    trained = models.build("basset", 2, 200, filters=(12, 8, 8)).eval()
    set_filter(flt.find_first_layer(trained), ctcf)
    cpu = torch.device("cpu")
    null = it.untrained_matches(untrained, x, UNIFORM, jaspar, settings, cpu)
    hits = it.untrained_matches(trained, x, UNIFORM, jaspar, settings, cpu)
    planted = pd.DataFrame({"motif_id": ["MA0139.2"], "name": ["CTCF"]})
    mm = ms.ModelMotifs("basset-s3", True, pd.DataFrame(), hits, {}, null)
    spec = ms.planted_specificity(planted, [mm], families, settings.rule).set_index("weights")
    assert spec.loc["trained", "recall"] == 1.0 and spec.loc["untrained", "recall"] == 0.0
    rec = ms.planted_recovery(planted, [mm], settings.rule).iloc[0]
    assert rec.recovered and rec.best_rank <= 5 and not rec.untrained_recovered


def test_long_flat_pattern_is_diffuse_under_the_filter_floor_and_no_longer_matches_ctcf(jaspar):
    # the demo artefact: a long, mostly flat MoDISco pattern (hepatocyte pattern_3, 36 columns,
    # ~0.2 bits/column) reached q < 1e-10 against CTCF's 31-column MA1929.2 by summing weak columns
    from chromcnn.interpret import modisco as mo

    flat = iupac_ppm("NNNNNNNCCNCYNGRNGGCNCNNNNNNNNNNNNNNG", 0.6)
    flat[:, 0] = flat[:, -1] = [0.1, 0.1, 0.7, 0.1]  # informative ends: the trim keeps all 36 columns
    pattern = mo.Pattern("t", "pattern_0", "pos", 40, flat.copy(), flat.copy(), None)
    before = mo.match([pattern], jaspar, sp.MatchRule(), UNIFORM)
    assert before.match_id[0] == "MA1929.2"  # without the floor, extended CTCF is its best counted match
    mo.refine([pattern], UNIFORM, sp.InformationFloor())
    assert pattern.ppm.shape[1] == 36 and 6 < pattern.ic < 8  # > 4 bits in all, but ~0.2 bits per column
    after = mo.match([pattern], jaspar, sp.MatchRule(), UNIFORM)
    assert after.status[0].startswith("diffuse") and after.match_id[0] == "" and after.matches[0] == ""


def test_a_motif_in_flat_flanks_is_trimmed_to_its_core_and_matches_its_family_only(jaspar, families):
    # a CEBP core (9 columns) inside 23 flat columns: the old trim (contribution only) left the
    # flanks, and CTCF's extended matrices counted among its 5 best matches
    from chromcnn.interpret import modisco as mo

    rng = np.random.default_rng(1)
    flank = rng.dirichlet(np.full(4, 8.0), size=17).T, rng.dirichlet(np.full(4, 8.0), size=6).T
    ppm = np.concatenate([flank[0], iupac_ppm("TTGCGCAAT", 0.75), flank[1]], axis=1)
    pattern = mo.Pattern("t", "pattern_1", "pos", 40, ppm.copy(), ppm.copy(), None)
    before = mo.match([pattern], jaspar, sp.MatchRule(), UNIFORM)
    assert set(before.matches[0].split(",")) & CTCF_EXTENDED
    mo.refine([pattern], UNIFORM, sp.InformationFloor())
    assert pattern.ppm.shape[1] == 9 and pattern.cwm.shape[1] == 9 and mtf.consensus(pattern.ppm) == "TTGCGCAAT"
    after = mo.match([pattern], jaspar, sp.MatchRule(), UNIFORM)
    ids = after.matches[0].split(",")
    assert after.status[0] == "ok" and after.match_name[0].upper().startswith("CEBP") and after.match_qvalue[0] < 0.01
    assert all(families[i] & families["MA0466.4"] for i in ids)  # every counted match is a CEBP (bZIP) family member


def test_filters_and_patterns_share_the_information_floor():
    floor = sp.floor_from_config({"trim_ic": 0.2, "min_ic": 4.0, "min_mean_ic": 0.5, "qvalue": 0.05})
    settings = it.MotifSettings()
    assert floor == sp.InformationFloor(settings.trim_ic, settings.min_ic, settings.min_mean_ic)
    assert floor.is_diffuse(3.9, 4) and floor.is_diffuse(5.0, 12) and not floor.is_diffuse(8.0, 12)
    assert floor.diffuse_status == "diffuse (< 4 bits or < 0.5 bits/column): not matched"  # filters.tsv's, unchanged
    ppm = np.concatenate([np.full((4, 3), 0.25), iupac_ppm("TTGCGCAAT", 0.75), np.full((4, 2), 0.25)], axis=1)
    assert floor.trim(ppm, UNIFORM) == (3, 12) and sp.InformationFloor(trim_ic=None).trim(ppm, UNIFORM) == (0, 14)
