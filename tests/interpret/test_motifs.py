"""Filter -> motif: a first-layer filter set to a known PWM is recovered and matched to its JASPAR id."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from chromcnn import models
from chromcnn.errors import InputError
from chromcnn.interpret import filter_method as it
from chromcnn.interpret import filters as flt
from chromcnn.interpret import motif_sets as ms
from chromcnn.interpret import motifs as mtf
from chromcnn.interpret import specificity as sp
from chromcnn.io.split_h5 import FORMAT_VERSION, SplitWriter


@pytest.fixture(scope="module")
def jaspar():
    return mtf.load_jaspar("JASPAR2024")


def planted_sequences(ppm: np.ndarray, n: int, length: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """One-hot (n, 4, length) random sequences; every other one carries an instance (either strand)."""
    rng = np.random.default_rng(seed)
    seqs = rng.integers(0, 4, (n, length))
    width = ppm.shape[1]
    for i in range(0, n, 2):
        inst = np.array([rng.choice(4, p=ppm[:, j] / ppm[:, j].sum()) for j in range(width)])
        if i % 4 == 0:
            inst = (3 - inst)[::-1]  # reverse strand
        pos = rng.integers(0, length - width)
        seqs[i, pos : pos + width] = inst
    x = np.zeros((n, 4, length), dtype=np.uint8)
    x[np.arange(n)[:, None], seqs, np.arange(length)[None, :]] = 1
    y = np.zeros((n, 2), dtype=np.float32)
    y[::2, 0] = 1
    return x, y


def analyse(model, x, y, jaspar, influence_sequences: int) -> it.FilterMotifs:
    """Basset's method with default settings, tasks "ctcf" and "none", uniform background, on CPU."""
    settings = it.MotifSettings(influence_sequences=influence_sequences)
    loss = torch.nn.BCEWithLogitsLoss()
    return it.analyse(model, x, y, ["ctcf", "none"], loss, np.full(4, 0.25), jaspar, settings, torch.device("cpu"))


def set_filter(layer: flt.FirstLayer, ppm: np.ndarray, scale: float = 2.0) -> int:
    """Filter 0 := ``scale`` x log-odds of ``ppm`` centred in the kernel, others shrunk; returns the offset."""
    k, width = layer.width, ppm.shape[1]
    start = (k - width) // 2
    w = np.zeros((4, k))
    w[:, start : start + width] = scale * np.log2((ppm + 0.01) / 0.25)
    with torch.no_grad():
        layer.weight[0] = torch.tensor(w, dtype=torch.float32)
        layer.weight[1:] *= 0.05
    return start


@pytest.mark.parametrize(
    ("arch", "hparams"),
    [
        ("basset", {"filters": (12, 8, 8)}),
        ("basset", {"filters": (12, 8, 8), "first_activation": "exp"}),
        ("rc_cnn", {"filters": 6, "kernels": (21, 5, 3)}),
    ],
)
def test_known_pwm_is_recovered_and_matched(jaspar, arch, hparams):
    torch.manual_seed(0)
    ctcf = jaspar.ppms[jaspar.index("MA0139.2")]
    model = models.build(arch, 2, 200, **hparams).eval()
    layer = flt.find_first_layer(model)
    assert layer.rc == (arch == "rc_cnn")
    exp = hparams.get("first_activation") == "exp"
    # an exponential layer sees BatchNorm-standardised scores in a trained model: a site scores a few units
    start = set_filter(layer, ctcf, scale=0.1 if exp else 2.0)
    x, y = planted_sequences(ctcf, 240, 200, seed=1)
    result = analyse(model, x, y, jaspar, influence_sequences=60)
    row = result.table.set_index("filter").loc[0]
    # 120 instances, half on each strand: a plain filter sees one strand, the RC-shared one both;
    # exp keeps the sites within ln 2 of the best score, so only the stronger instances
    assert row.status == "ok" and row.n_sites >= (110 if layer.rc else 40 if exp else 55)
    assert row.match_id == "MA0139.2" and row.match_name == "CTCF" and row.match_qvalue < 1e-6
    pwm = result.ppms["filter0"]
    offset = start - int(row.trim_start)  # column of the PWM where the planted matrix starts
    assert offset <= 0 < pwm.shape[1]
    recovered = pwm[:, -offset : -offset + ctcf.shape[1]]
    assert recovered.shape == ctcf.shape
    assert np.abs(recovered - ctcf).mean() < 0.06  # the sites' PWM is the planted PWM
    assert np.corrcoef(recovered.ravel(), ctcf.ravel())[0, 1] > 0.95
    assert row.consensus.startswith(mtf.consensus(ctcf)[:3]) or mtf.consensus(ctcf) in row.consensus
    influence = result.table.influence.abs()
    assert influence[0] == influence.max() > 0  # the dominant filter moves the (untrained) loss most
    assert set(result.matches[result.matches["filter"] == 0].match_id) >= {"MA0139.2"}


def test_influence_of_a_filter_the_model_relies_on(jaspar):
    ctcf = jaspar.ppms[jaspar.index("MA0139.2")]
    torch.manual_seed(0)
    conv = torch.nn.Conv1d(4, 3, 19)
    head = torch.nn.Linear(3, 2)
    model = torch.nn.Sequential(conv, torch.nn.ReLU(), torch.nn.AdaptiveMaxPool1d(1), torch.nn.Flatten(), head)
    layer = flt.find_first_layer(model)
    set_filter(layer, ctcf)
    with torch.no_grad():  # task 0 = "has a CTCF site": logit 0.5 (max activation - 12); task 1 ignores it
        head.weight[:] = torch.tensor([[0.5, 0.0, 0.0], [0.0, 0.0, 0.0]])
        head.bias[:] = torch.tensor([-6.0, 0.0])
    x, y = planted_sequences(ctcf, 200, 120, seed=2)
    x, y = x[::4].repeat(2, axis=0), y[::4].repeat(2, axis=0)  # forward-strand instances and blanks
    result = analyse(model, x, y, jaspar, influence_sequences=100)
    t = result.table.set_index("filter")
    assert t.influence[0] > 0.1  # without the CTCF filter the loss rises
    inf = result.task_influence.set_index("filter")
    assert abs(inf.loc[0, "influence_ctcf"]) > 0.05 and inf.loc[0, "influence_none"] == 0.0


def test_influence_uses_a_seeded_sample_across_the_whole_split(jaspar, tmp_path, monkeypatch):
    # a test split whose first half is on chrA and second half on chrB (label 0 says which), in file order
    n, length = 400, 60
    x = np.zeros((n, 4, length), np.uint8)
    x[np.arange(n)[:, None], np.random.default_rng(0).integers(0, 4, (n, length)), np.arange(length)] = 1
    y = np.zeros((n, 2), np.uint8)
    y[n // 2 :, 0] = 1
    attrs = {"split": "test", "window": length, "format_version": FORMAT_VERSION}
    with SplitWriter(tmp_path / "test.h5", ["ctcf", "none"], length, 16, "none", 0, attrs) as writer:
        writer.append(x, y, ["chrA"] * (n // 2) + ["chrB"] * (n // 2), np.arange(n) * length, np.arange(n) * length)
    seen = []

    def spy(model, layer, xs, ys, *args, **kwargs):
        seen.append(ys[:, 0].numpy().copy())
        return np.zeros(layer.n_filters), np.zeros((layer.n_filters, ys.shape[1]))

    monkeypatch.setattr(flt, "influence", spy)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv1d(4, 3, 19), torch.nn.ReLU(), torch.nn.AdaptiveMaxPool1d(1))
    model.append(torch.nn.Flatten()).append(torch.nn.Linear(3, 2))
    for seed in (1, 2):
        xs, ys = it.sample_split(tmp_path / "test.h5", 300, seed)
        analyse(model, xs, ys, jaspar, influence_sequences=100)
    first, second = seen
    assert len(first) == 100 and 35 <= first.sum() <= 65  # both chromosomes, in proportion (was: chrA only)
    assert not np.array_equal(first, second)  # the sample follows the seed
    xs, ys = it.sample_split(tmp_path / "test.h5", 300, 1)
    analyse(model, xs, ys, jaspar, influence_sequences=100)
    assert np.array_equal(seen[2], first)  # and is deterministic for a seed


@pytest.mark.parametrize("arch", ["linear", "cnn", "chromdragonn"])
def test_uninterpretable_first_layers_say_why(arch):
    model = models.build(arch, 2, 300)
    with pytest.raises(flt.NotInterpretable, match="convolution|bp wide"):
        flt.find_first_layer(model)


def test_first_layer_is_found_by_structure():
    cases = [("basset", "ReLU", {}), ("deepsea", "ReLU", {}), ("basenji", "BatchNorm1d", {}), ("rc_cnn", "ReLU", {})]
    cases += [(arch, "Exp", {"first_activation": "exp"}) for arch in ("basset", "deepsea", "deepbind", "rc_cnn")]
    for arch, follower, hparams in cases:
        layer = flt.find_first_layer(models.build(arch, 2, 600, **hparams))
        assert type(layer.hook).__name__ == follower, arch
        assert layer.weight.shape[1] == 4


def test_pwm_helpers():
    bg = np.array([0.3, 0.2, 0.2, 0.3])
    counts = np.array([[10, 0, 5], [0, 10, 0], [0, 0, 5], [0, 0, 0]], dtype=float)
    ppm = mtf.ppm_from_counts(counts, bg, pseudocount=1.0)
    assert np.allclose(ppm.sum(axis=0), 1) and ppm[0, 0] == pytest.approx(10.3 / 11)
    ic = mtf.information(np.full((4, 1), 0.25), np.full(4, 0.25))
    assert ic[0] == pytest.approx(0.0)
    assert mtf.information(np.array([[1.0], [0], [0], [0]]), np.full(4, 0.25))[0] == pytest.approx(2.0)
    flat = np.full((4, 2), 0.25)
    padded = np.concatenate([flat, np.eye(4)[:, [0, 1, 2]], flat], axis=1)
    trimmed, start = mtf.trim(padded, np.full(4, 0.25), 0.2)
    assert start == 2 and trimmed.shape == (4, 3)
    assert mtf.consensus(np.eye(4)[:, [0, 1, 2, 3]]) == "ACGT"
    assert mtf.consensus(np.array([[0.5], [0.0], [0.5], [0.0]])) == "R"
    p = np.random.default_rng(1).random((3, 50)) ** 3
    from scipy.stats import false_discovery_control

    assert np.allclose(mtf.bh_qvalues(p), [false_discovery_control(row) for row in p])
    assert np.allclose(mtf.bh_qvalues(np.array([[0.01, 0.04, 0.03, 0.5]])), [[0.04, 0.16 / 3, 0.16 / 3, 0.5]])


def test_meme_round_trip(tmp_path, jaspar):
    motifs = {"filter3": jaspar.ppms[jaspar.index("MA0080.7")], "filter7": jaspar.ppms[0]}
    mtf.write_meme(tmp_path / "f.meme", motifs, np.full(4, 0.25), {"filter3": 12})
    back = mtf.read_meme(tmp_path / "f.meme")
    assert list(back) == ["filter3", "filter7"]
    assert np.allclose(back["filter3"], motifs["filter3"], atol=1e-6)


def test_missing_release_names_the_available_ones():
    with pytest.raises(InputError) as err:
        mtf.load_jaspar("JASPAR2099")
    assert "JASPAR2024" in err.value.one_line() and "motifs.jaspar_release" in err.value.one_line()
    with pytest.raises(InputError, match="JASPAR2022"):
        mtf.check_database_config({"database": None, "jaspar_release": "JASPAR1999"}, "config.yaml")


def test_clusters_and_planted_recovery(jaspar):
    ids = ["MA0139.2", "MA0080.7", "MA0114.5"]
    ppms = {i: jaspar.ppms[jaspar.index(i)] for i in ids}

    def fake(model: str, which: list[str], interpretable: bool = True) -> ms.ModelMotifs:
        table = pd.DataFrame(
            {
                "filter": range(len(which)),
                "ic": [mtf.information(ppms[w], np.full(4, 0.25)).sum() for w in which],
                "match_name": [jaspar.names[jaspar.index(w)] for w in which],
                "match_qvalue": 1e-9,
                "status": "ok",
            }
        )
        matches = pd.DataFrame({"filter": range(len(which)), "rank": 1, "match_id": which, "qvalue": 1e-9})
        return ms.ModelMotifs(
            model, interpretable, table, matches, {f"filter{i}": ppms[w] for i, w in enumerate(which)}
        )

    loaded = [fake("a", ids), fake("b", ["MA0139.2", "MA0080.7"]), fake("lin", [], interpretable=False)]
    clusters = ms.cluster(loaded, jaspar, 0.05, 8.0)
    by_label = clusters.set_index("label")
    assert by_label.loc["CTCF", "models"] == "a,b" and bool(by_label.loc["CTCF", "shared_by_all"])
    assert by_label.loc["HNF4A", "models"] == "a" and not bool(by_label.loc["HNF4A", "shared_by_all"])
    planted = pd.DataFrame({"motif_id": ids, "name": ["CTCF", "SPI1", "HNF4A"]})
    rec = ms.planted_recovery(planted, loaded, sp.MatchRule())
    assert rec.groupby("model").recovered.mean().to_dict() == pytest.approx({"a": 1.0, "b": 2 / 3, "lin": 0.0})
    loaded[1].matches["rank"] = 7  # a distant match of a filter that learned something else
    rec = ms.planted_recovery(planted, loaded, sp.MatchRule())
    assert not rec[rec.model == "b"].recovered.any()


def test_clusters_join_filters_and_modisco_patterns_by_method(jaspar):
    ids = ["MA0139.2", "MA0080.7", "MA0114.5"]
    ppms = {i: jaspar.ppms[jaspar.index(i)] for i in ids}
    uniform = np.full(4, 0.25)

    def filters(model: str, which: list[str]) -> ms.ModelMotifs:
        table = pd.DataFrame(
            {
                "filter": range(len(which)),
                "ic": [mtf.information(ppms[w], uniform).sum() for w in which],
                "match_name": [jaspar.names[jaspar.index(w)] for w in which],
                "match_qvalue": 1e-9,
                "status": "ok",
            }
        )
        matches = pd.DataFrame({"filter": range(len(which)), "rank": 1, "match_id": which, "qvalue": 1e-9})
        return ms.ModelMotifs(model, True, table, matches, {f"filter{i}": ppms[w] for i, w in enumerate(which)})

    def patterns(model: str, which: list[str], status: list[str]) -> ms.ModelPatterns:
        labels = [f"t.pos.pattern_{i}" for i in range(len(which))]
        table = pd.DataFrame(
            {
                "task": "t",
                "pattern": [lab.split(".")[-1] for lab in labels],
                "sign": "pos",
                "match_name": [jaspar.names[jaspar.index(w)] for w in which],
                "match_qvalue": 1e-9,
                "status": status,
            }
        )
        return ms.ModelPatterns(model, table, {lab: 0.9 * ppms[w] + 0.025 for lab, w in zip(labels, which)})

    loaded = [filters("a", ["MA0139.2", "MA0080.7"]), filters("b", ["MA0139.2"])]
    found = [
        patterns("a", ["MA0139.2", "MA0114.5"], ["ok", "ok"]),
        patterns("c", ["MA0080.7", "MA0114.5"], ["ok", "diffuse (< 4 bits or < 0.5 bits/column): not matched"]),
    ]
    clusters = ms.cluster(loaded, jaspar, 0.05, 8.0, patterns=found, background=uniform).set_index("label")
    assert clusters.loc["CTCF", "found_by"] == "a:both,b:filter" and clusters.loc["CTCF", "n_patterns"] == 1
    assert clusters.loc["CTCF", "n_filters"] == 2 and bool(clusters.loc["CTCF", "shared_by_all"])
    assert clusters.loc["Spi1", "found_by"] == "a:filter,c:MoDISco" and clusters.loc["Spi1", "models"] == "a,c"
    assert clusters.loc["HNF4A", "found_by"] == "a:MoDISco"  # c's HNF4A pattern is diffuse: left out
    assert "c:modisco:t.pos.pattern_1" not in ",".join(clusters.members)
    assert set(clusters.columns) == set(ms.CLUSTER_COLUMNS) - {"label"}
    alone = ms.cluster(loaded, jaspar, 0.05, 8.0).set_index("label")  # filters only: as before
    assert alone.loc["CTCF", "found_by"] == "a:filter,b:filter" and alone.loc["CTCF", "n_patterns"] == 0


def test_planted_ids_must_be_in_the_database(tmp_path, jaspar):
    path = tmp_path / "planted.tsv"
    path.write_text("motif_id\tname\nMA0139.2\tCTCF\nMA9999.1\tnope\n")
    with pytest.raises(InputError) as err:
        ms.read_planted(path, jaspar)
    assert "planted.tsv:3" in err.value.one_line() and "MA9999.1" in err.value.one_line()
