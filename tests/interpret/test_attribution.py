"""Attribution: a model with CTCF built into its weights gets contributions at the planted
bases (AUROC > 0.8) and MoDISco returns CTCF's JASPAR id; fallbacks and bad inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from chromcnn import models
from chromcnn.errors import InputError
from chromcnn.interpret import attribution as at
from chromcnn.interpret import attribution_method as am
from chromcnn.interpret import methods
from chromcnn.interpret import modisco as mo
from chromcnn.interpret import motifs as mtf
from chromcnn.interpret import specificity as sp
from sklearn.metrics import roc_auc_score
from torch import nn

CTCF = "MA0139.2"
LENGTH = 200  # room for seqlets (41 bp) and their flanks around a 19-bp CTCF site


@pytest.fixture(scope="module")
def jaspar():
    return mtf.load_jaspar("JASPAR2024")


class PWMScanner(nn.Module):
    """One filter holding a motif's log-odds (both strands), ReLU, global max-pool, a logit per task."""

    def __init__(self, ppm: np.ndarray, length: int, n_tasks: int = 2) -> None:
        super().__init__()
        w = np.log2((ppm + 0.01) / 0.25)
        rc = w[::-1, ::-1].copy()
        self.conv = nn.Conv1d(4, 2, ppm.shape[1])
        self.act = nn.ReLU()
        self.pool = nn.MaxPool1d(length - ppm.shape[1] + 1)
        self.out = nn.Linear(2, n_tasks)
        with torch.no_grad():
            self.conv.weight[:] = torch.tensor(np.stack([w, rc]), dtype=torch.float32)
            self.conv.bias[:] = -float(w.max(axis=0).sum()) * 0.5
            self.out.weight[:] = torch.tensor([[1.0, 1.0]] + [[0.0, 0.0]] * (n_tasks - 1))
            self.out.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.pool(self.act(self.conv(x))).flatten(1))


def planted(ppm: np.ndarray, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random windows; every other one carries a sampled instance (either strand).

    Returns uint8 (n, 4, L) one-hot, (n, 2) labels (task 0 = has the motif) and bool (n, L) planted bases.
    """
    rng = np.random.default_rng(seed)
    seqs, mask, width = rng.integers(0, 4, (n, LENGTH)), np.zeros((n, LENGTH), bool), ppm.shape[1]
    for i in range(0, n, 2):
        inst = np.array([rng.choice(4, p=ppm[:, j] / ppm[:, j].sum()) for j in range(width)])
        if i % 4 == 0:
            inst = (3 - inst)[::-1]
        pos = rng.integers(0, LENGTH - width)
        seqs[i, pos : pos + width], mask[i, pos : pos + width] = inst, True
    x = np.zeros((n, 4, LENGTH), dtype=np.uint8)
    x[np.arange(n)[:, None], seqs, np.arange(LENGTH)[None, :]] = 1
    y = np.zeros((n, 2), dtype=np.uint8)
    y[::2, 0] = 1
    return x, y, mask


@pytest.fixture(scope="module")
def ctcf_run(jaspar):
    torch.manual_seed(0)
    ppm = jaspar.ppms[jaspar.index(CTCF)]
    x, y, mask = planted(ppm, 400, seed=3)
    starts = np.arange(len(x)) * LENGTH
    test = am.TestWindows(x, y, np.array(["chrS"] * len(x)), starts, starts + LENGTH)
    s = at.AttributionSettings(
        n_windows=400, n_references=4, ism_windows=3, seed=1, modisco={"min_positives": 50, "n_leiden_runs": 2}
    )
    res = am.attribute(PWMScanner(ppm, LENGTH), ["ctcf", "none"], test, s)
    background = np.full(4, 0.25)
    am.discover(res, test, jaspar, sp.MatchRule(), background, s)
    return res, x, y, mask


def test_contributions_mark_planted_bases(ctcf_run):
    res, _, y, mask = ctcf_run
    sc = res.scores[0]
    assert res.method == at.DEEPLIFT
    assert sc.contributions.shape == (400, 4, LENGTH)
    pos = y[sc.rows, 0] > 0
    per_base = sc.contributions[pos].sum(axis=1)
    assert roc_auc_score(mask[sc.rows][pos].ravel(), per_base.ravel()) > 0.8
    # DeepLIFT/SHAP sums to the output difference: tiny deltas, not flagged; ISM agrees
    ism = pd.DataFrame(res.ism).set_index("task")
    assert ism.loc["ctcf", "delta_relative"] < 1e-3 and not ism.loc["ctcf", "flagged"]
    assert ism.loc["ctcf", "ism_pearson_mean"] > 0.5


def test_modisco_returns_planted_jaspar_id(ctcf_run):
    res, *_ = ctcf_run
    table = res.table
    pos = table[(table.task == "ctcf") & (table.sign == "pos")]
    assert len(pos) and pos.n_seqlets.max() >= 20
    assert CTCF in set(",".join(pos.matches).split(","))
    assert res.skipped["none"].startswith("0 test positives")  # task without positives: skipped, with reason


def test_recovery_and_off_family(ctcf_run):
    res, *_ = ctcf_run
    planted_table = pd.DataFrame({"motif_id": [CTCF, "MA0080.7"], "name": ["CTCF", "SPI1"]})
    rec = mo.recovery(planted_table, "scan", res.table)
    assert rec.set_index("motif_id").recovered.to_dict() == {CTCF: True, "MA0080.7": False}
    # off-family counting is the filter method's (specificity.family_specificity), patterns for filters
    families = {CTCF: frozenset({"More than 3 adjacent zinc fingers"}), "MA9999.1": frozenset({"Other"})}
    table = pd.DataFrame(
        {"task": "t", "sign": "pos", "pattern": ["p0", "p1", "p2"], "matches": [CTCF, f"{CTCF},MA9999.1", ""]}
    )
    spec = mo.specificity([CTCF], table, families, sp.MatchRule())
    assert (spec["n_recovered"], spec["off_family_ids"], spec["n_off_family_queries"]) == (1, ["MA9999.1"], 1)
    assert mo.specificity([CTCF], table, families, sp.MatchRule(max_rank=1))["off_family_ids"] == []


def test_in_place_and_exp_models_get_deeplift():
    x = torch.from_numpy(planted(np.full((4, 6), 0.25), 4, 0)[0].astype(np.float32))
    x = torch.nn.functional.pad(x, (0, 200))[:, :, :300]
    x[:, 0, LENGTH:] = 1  # fill the padding with A: one-hot everywhere
    s = at.AttributionSettings(n_references=3)
    for name, hp in (("cnn", {}), ("basset", {"first_activation": "exp"})):
        torch.manual_seed(0)
        model = at.prepare(models.build(name, 2, 300, **hp))
        assert at.choose_method(at.TaskLogit(model, 0), x, s)[0] == at.DEEPLIFT, name


def test_functional_op_falls_back_to_gradient_x_input():
    class Functional(nn.Module):  # a max-pool DeepLIFT cannot see (functional): deltas are large
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv1d(4, 8, 5)
            self.lin = nn.Linear(8, 1)

        def forward(self, x):
            h = torch.nn.functional.max_pool1d(torch.relu(self.conv(x)), 8)
            return self.lin(h.amax(dim=2))

    torch.manual_seed(0)
    x = torch.from_numpy(planted(np.full((4, 6), 0.25), 6, 1)[0].astype(np.float32))
    method, reason = at.choose_method(at.TaskLogit(Functional(), 0), x, at.AttributionSettings(n_references=4))
    assert method == at.GRADIENT and "convergence deltas" in reason


def test_model_without_input_gradient_gets_no_method():
    class Counts(nn.Module):  # base counts through argmax: no gradient reaches the input
        def forward(self, x):
            return torch.nn.functional.one_hot(x.argmax(dim=1), 4).float().mean(dim=1)[:, :2]

    x, y, _ = planted(np.full((4, 6), 0.25), 8, 2)
    test = am.TestWindows(x, y, np.array(["c"] * 8), np.zeros(8, int), np.full(8, LENGTH))
    res = am.attribute(Counts(), ["a", "b"], test, at.AttributionSettings(n_windows=8))
    assert res.method == "" and "gradient" in res.reason and not res.scores


def test_short_window_is_a_parse_time_error():
    with pytest.raises(InputError, match="interpret.attribution.modisco.sliding_window_size"):
        methods.check_attribution_window(30, {"sliding_window_size": 21, "flank_size": 10}, "config.yaml")
    methods.check_attribution_window(41, {"sliding_window_size": 21, "flank_size": 10}, "config.yaml")


def test_windows_positives_first_seeded():
    y = np.array([[0], [1], [0], [1], [1], [0]])
    ok = np.array([True, True, True, True, False, True])
    rows = at.select_windows(at.high_target(y), ok, 0, 4, seed=5)
    assert set(rows[:2]) == {1, 3} and 4 not in rows
    assert list(rows) == list(at.select_windows(at.high_target(y), ok, 0, 4, seed=5))


class ProfileScanner(nn.Module):
    """CTCF's log-odds on both strands, ReLU, averaged into bins: (N, 2, B) profile outputs (task 1: its negative)."""

    def __init__(self, ppm: np.ndarray, bin_bp: int = 20) -> None:
        super().__init__()
        w = np.log2((ppm + 0.01) / 0.25)
        self.conv = nn.Conv1d(4, 2, ppm.shape[1], padding="same")
        self.act, self.pool = nn.ReLU(), nn.AvgPool1d(bin_bp)
        with torch.no_grad():
            self.conv.weight[:] = torch.tensor(np.stack([w, w[::-1, ::-1].copy()]), dtype=torch.float32)
            self.conv.bias[:] = -float(w.max(axis=0).sum()) * 0.5

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        track = self.pool(self.act(self.conv(x)).sum(dim=1, keepdim=True))
        return torch.cat([track, -track], dim=1)


def test_profile_outputs_attribute_the_task_mean_over_bins(jaspar):
    """Profile mode: a task's output is its mean over bins, the windows with the most coverage come
    first, and the contributions of a profile model mark the planted bases."""
    torch.manual_seed(0)
    ppm = jaspar.ppms[jaspar.index(CTCF)]
    x, labels, mask = planted(ppm, 60, seed=5)
    model = ProfileScanner(ppm)
    wrapped = at.TaskLogit(model, 0)
    xt = torch.from_numpy(x.astype(np.float32))
    assert torch.allclose(wrapped(xt)[:, 0], model(xt)[:, 0].mean(dim=1))
    assert torch.equal(at.TaskLogit(model, 1)(xt), -wrapped(xt))
    rng = np.random.default_rng(1)
    y = (labels[:, :, None] * 50 + rng.gamma(1.0, 1.0, (60, 2, 10))).astype(np.float32)  # coverage at the sites
    high = at.high_target(y)
    assert high[:, 0].tolist() == (labels[:, 0] == 1).tolist()  # above the task's median = the motif's windows
    test = am.TestWindows(x, y, np.array(["chrS"] * 60), np.zeros(60, int), np.full(60, LENGTH))
    res = am.attribute(model, ["ctcf", "none"], test, at.AttributionSettings(n_windows=20, n_references=4))
    sc = res.scores[0]
    assert res.method == at.DEEPLIFT and (labels[sc.rows, 0] == 1).all()  # 20 of the 30 high windows
    per_base = sc.contributions.sum(axis=1)
    assert roc_auc_score(mask[sc.rows].ravel(), per_base.ravel()) > 0.8  # as for the logit model above


def test_signal_targets_count_windows_above_the_median():
    y = np.array([[0.0, 1.5], [2.5, 0.0], [0.3, 0.0], [4.0, 0.2]], dtype=np.float32)
    assert at.high_target(y).tolist() == [[False, True], [True, False], [False, False], [True, True]]
    assert at.high_target(np.array([[0, 1], [1, 1]], dtype=np.uint8)).tolist() == [[False, True], [True, True]]


def test_skip_message_says_what_positives_are_for_signal_targets(jaspar):
    x = np.eye(4, dtype=np.uint8)[np.random.default_rng(0).integers(0, 4, (6, LENGTH))].transpose(0, 2, 1)
    starts = np.arange(6) * LENGTH
    messages = {}
    labels, signal = np.array([[0], [1], [0], [1], [1], [0]], np.uint8), np.arange(6.0)[:, None]
    for kind, y in (("labels", labels), ("signal", signal)):
        test = am.TestWindows(x, y, np.array(["chrS"] * 6), starts, starts + LENGTH)
        assert test.high[:, 0].sum() == 3  # labels 1, or the 3 windows above the median
        res = am.Result(method=at.DEEPLIFT)
        hyp = np.zeros((6, 4, LENGTH), np.float32)
        res.scores.append(at.TaskScores("t", np.arange(6), x, hyp, at.DEEPLIFT, np.zeros(6)))
        am.discover(res, test, jaspar, sp.MatchRule(), np.full(4, 0.25), at.AttributionSettings(modisco={}))
        messages[kind] = res.skipped["t"]
    assert messages["labels"].startswith("3 test positives") and "median" not in messages["labels"]
    assert "positives being the windows above the task's median" in messages["signal"]


def test_pairs_per_pass_follows_the_window_and_never_changes_the_scores():
    s = at.AttributionSettings(n_references=3)
    if not torch.cuda.is_available():  # CPU: ~10,000 bp of window-reference pairs per pass
        assert [s.pairs_per_pass(n) for n in (300, 1000, 10_000, 10)] == [33, 10, 4, 512]
    assert at.AttributionSettings(batch_size=7).pairs_per_pass(300) == 7  # a configured value wins
    torch.manual_seed(0)
    model = at.prepare(models.build("basset", 2, 300))
    wrapped = at.TaskLogit(model, 1)
    x = torch.nn.functional.one_hot(torch.randint(0, 4, (9, 300)), 4).permute(0, 2, 1).float()
    refs = at.references(x, 3, 1)
    runs = [at.deeplift(wrapped, x, refs, at.AttributionSettings(batch_size=b)) for b in (None, 2, 27)]
    for hyp, delta, _ in runs[1:]:
        # equal up to float32 summation order (the conv kernels change with the batch)
        assert (hyp - runs[0][0]).abs().max() <= 1e-5 * runs[0][0].abs().max()
        assert torch.allclose(delta, runs[0][1], atol=1e-5 * runs[0][2])
