"""Each report section on its own, on small synthetic inputs; then the page that puts them together."""

from __future__ import annotations

import dataclasses
import re
from unittest.mock import ANY

import pandas as pd
import pytest
from chromcnn.evaluation import metrics as ev
from chromcnn.evaluation.compare import ORACLE, ORACLE_LABEL
from chromcnn.report import motif_sections as motif
from chromcnn.report import stage_sections as stage
from chromcnn.report.build import render_sections, write_report
from chromcnn.report.inputs import ci, fmt
from chromcnn.report.render import TEMPLATES, external_references, render_page
from chromcnn.report.sections import SECTIONS, Section
from report_inputs import NOT_INTERPRETABLE, make_inputs, qc


@pytest.fixture(scope="module")
def inp(tmp_path_factory):
    return make_inputs(tmp_path_factory.mktemp("report_inputs"))


def images(fragment: str) -> int:
    return len(re.findall(r'<img [^>]*src="data:image/png;base64,', fragment))


def test_number_formats():
    assert fmt(0.12345) == "0.123" and fmt(0.0004) == "0.0004" and fmt(float("nan")) == "NA" and fmt(None) == "NA"
    assert fmt(1e-9, 2) == "1e-09" and fmt(7) == "7"
    assert ci(0.81234, 0.7, 0.9) == "0.812 [0.700, 0.900]" and ci(0.8, float("nan"), 0.9) == "0.800"
    assert ci(float("nan"), 0, 1) == "NA"


def test_provenance(inp):
    html = stage.provenance(inp)
    assert "c" * 64 in html and "d" * 64 in html  # the run's and the data stage's config hashes
    assert "0123abcd" * 4 in html and "resources/demo/genome.fa" in html
    assert "<td>numpy</td><td>2.0</td>" in html and "<td>torch</td><td>2.5</td>" in html  # qc.json + status.json
    assert "A 0.300 C 0.200 G 0.200 T 0.300" in html and "JASPAR2024 test" in html


def test_provenance_names_each_models_outside_code(inp, tmp_path):
    """Per model, from its evaluation record (predictions.npz): each outside file with its md5, or none."""
    module = {"role": "external module (executed)", "path": "/home/u/PyTorch/net.py", "md5": "e" * 32}
    definition = {"role": "seqgra definition", "path": "/home/u/net.xml", "md5": "f" * 32}
    records = {"sg_net-s1": {"outside_code": [definition, module]}, "cnn-s1": {"outside_code": []}, "old-s1": {}}
    reps, y, probs, _ = ev.load_replicates(inp.predictions[0])
    paths = []
    for model, meta in records.items():
        paths.append(str(tmp_path / f"{model}.npz"))
        ev.save_replicates(paths[-1], reps, y, probs, {"model": model, **meta})
    html = stage.provenance(dataclasses.replace(inp, models=list(records), predictions=paths))
    for row in (module, definition):
        assert f"<td>sg_net-s1</td><td>{row['role']}</td><td>{row['path']}</td><td><code>{row['md5']}</code>" in html
    assert "<td>cnn-s1</td><td>none (registry architecture)</td>" in html
    assert "<td>old-s1</td><td>not recorded</td>" in html


def test_data(inp):
    html = stage.data(inp)
    assert "<td>erythroid</td><td>narrowPeak</td><td>120</td><td>117</td><td>unknown chrom: 3</td>" in html
    assert "<td>myeloid</td><td>narrowPeak</td><td>120</td><td>117</td><td>none</td>" in html
    assert "Sites 300 &rarr; union windows 250 (50 merges)" in html
    assert "<td>test</td><td>60</td><td>30</td><td>15</td><td>15</td><td>15</td>" in html
    assert "mean positive GC\n0.520, negative\n0.480" in html
    assert images(html) == 3
    ctx = stage.data_context(qc())
    assert ctx["tasks"] == ["erythroid", "myeloid", "rare"] and ctx["gc"] == {"positive": 0.52, "negative": 0.48}


def test_training(inp):
    html = stage.training(inp)
    # saved epoch by valid AUPRC (the default monitor: epoch 2) and its valid AUROC, total seconds, settings
    # cnn-s1 ran its max_epochs (3) with its best epoch within the patience (default 5): not converged
    flag = "<b>not converged: stopped at max_epochs (3), improving within the last 5 epochs</b>"
    assert f'<td>cnn-s1</td><td>3</td><td>2</td><td>0.700</td><td>{flag}</td><td class="wall-time">4</td>' in html
    assert "adam lr 0.001, batch 100, max 3 epochs, num_filters=16" in html
    assert '<td>linear-s1</td><td>3</td><td>2</td><td>0.710</td><td></td><td class="wall-time">4</td><td></td>' in html
    assert images(html) == 1
    assert stage.settings_text(None) == ""


SETTINGS = {"optimizer": "adam", "lr": 1e-3, "batch_size": 100, "max_epochs": 3}


def test_convergence_flag_follows_the_trainers_early_stopping_rule():
    h = pd.DataFrame({"epoch": [1, 2, 3, 4], "valid_auprc": [0.3, 0.5, 0.4, 0.45], "valid_auroc": 0.7, "seconds": 1.0})
    h["train_loss"], h["valid_loss"] = 0.5, 0.5
    base = {**SETTINGS, "arch": "basset", "monitor": "valid_auprc", "early_stopping": True, "max_epochs": 4}
    rows = stage.training_context({"b-s1": h}, {"b-s1": {**base, "patience": 2}})["rows"]
    assert rows[0]["converged"] == "yes (early stopping)" and not rows[0]["not_converged"]  # 2 epochs past best
    rows = stage.training_context({"b-s1": h}, {"b-s1": {**base, "patience": 3}})["rows"]
    assert rows[0]["not_converged"] and "stopped at max_epochs (4)" in rows[0]["converged"]
    rows = stage.training_context({"b-s1": h}, {"b-s1": {**base, "patience": 2, "early_stopping": False}})["rows"]
    assert rows[0]["converged"] == "not converged: early stopping off, stopped at max_epochs (4)"
    # a variant's row names its architecture; a listed architecture's does not repeat it
    assert stage.settings_text(base, "basset_exp-s1").startswith("basset: adam lr 0.001")
    assert stage.settings_text(base, "basset-s2").startswith("adam lr 0.001")


def test_budgets_that_differ_between_compared_models_are_named():
    settings = {
        "a-s1": {**SETTINGS, "max_epochs": 8},
        "b-s1": {**SETTINGS, "max_epochs": 1, "lr": 0.01},
        "c-s1": {**SETTINGS, "max_epochs": 8},
    }
    budgets = stage.budget_differences(["a-s1", "b-s1", "c-s1"], settings)
    assert budgets == [
        {"key": "max_epochs", "values": "a-s1 8, b-s1 1, c-s1 8"},
        {"key": "lr", "values": "a-s1 0.001, b-s1 0.01, c-s1 0.001"},
    ]
    assert stage.budget_differences(["a-s1", "c-s1"], settings) == []


def test_training_row_is_the_saved_epoch_under_the_models_monitor():
    """With monitor valid_loss the saved epoch is 2 (lowest loss) and the AUROC shown is epoch 2's,
    not the maximum over epochs (epoch 3 has the higher AUROC here)."""
    h = pd.DataFrame(
        {
            "epoch": [1, 2, 3],
            "train_loss": [0.8, 0.6, 0.5],
            "valid_loss": [0.7, 0.5, 0.6],
            "valid_auroc": [0.6, 0.65, 0.9],
            "valid_auprc": [0.3, 0.2, 0.5],
            "seconds": [1.0, 1.0, 1.0],
        }
    )
    ctx = stage.training_context({"m-s1": h}, {"m-s1": {**SETTINGS, "monitor": "valid_loss"}})
    assert ctx["rows"][0]["best_epoch"] == 2 and ctx["rows"][0]["valid_score"] == "0.650"
    ctx = stage.training_context({"m-s1": h}, {"m-s1": {**SETTINGS, "monitor": "valid_auprc"}})
    assert ctx["rows"][0]["best_epoch"] == 3 and ctx["rows"][0]["valid_score"] == "0.900"


def test_metrics(inp):
    html = stage.metrics(inp)
    summary = pd.read_csv(inp.summary, sep="\t").set_index("model")
    assert f"{summary.loc['cnn-s1', 'macro_auroc']:.3f}" in html
    assert "NaN: no positives in the test split" in html
    assert "cnn-s1 (predictions averaged over both strands)" in html and "linear-s1 (predictions" not in html
    assert images(html) == 6  # curves and calibration of each model and of the oracle
    # per-task calibration error from metrics.tsv, the block bootstrap and the design prevalence said
    ece = pd.read_csv(inp.metrics[0], sep="\t").ece.iloc[0]
    assert 0 < ece < 1 and f"<td>{ece:.3f}</td>" in html
    assert (
        "genomic blocks of 1 Mb (12 blocks)" in html
        and "AUPRC and calibration" in html
        and "design prevalence" in html.lower()
    )


def test_oracle_row_renders_with_its_interval_and_label(inp, tmp_path):
    html = stage.metrics(inp)
    row = pd.read_csv(inp.summary, sep="\t").set_index("model").loc[ORACLE]
    interval = ci(row.macro_auroc, row.macro_auroc_lo, row.macro_auroc_hi)
    assert "[" in interval and f"<td>{ORACLE_LABEL}</td><td>{interval}</td>" in html
    assert f"<h3>{ORACLE_LABEL}</h3>" in html  # its per-task table
    without = make_inputs(tmp_path, has_planted=False)
    assert "oracle" not in stage.metrics(without) and "oracle" not in stage.comparison(without)


def test_comparison(inp, tmp_path):
    html = stage.comparison(inp)
    assert "<td>cnn-s1</td><td>linear-s1</td><td>AUROC</td>" in html and images(html) == 1
    # the oracle's pairs are not wins; with 20 replicates no p-value is under 2/21, so the 2 intervals
    # that exclude 0 do not make winners after control
    assert "out of 3 task x pair comparisons):\nnone.\nUncorrected, 2 of them have an interval excluding 0." in html
    assert "Benjamini-Hochberg" in html and "One seed per model" in html
    comp = pd.read_csv(inp.comparison, sep="\t")
    gap = comp[(comp.task == "macro") & (comp.metric == "auroc") & (comp.model_b == "cnn-s1")].iloc[0]
    assert gap.model_a == ORACLE  # the better row comes first; the report shows model - oracle
    gap_text = ci(-gap.difference, -gap.hi, -gap.lo)
    assert f"<tr><td>cnn-s1</td><td>AUROC</td><td>{gap_text}</td></tr>" in html
    columns = ["model_a", "model_b", "task", "metric", "difference", "lo", "hi", "winner"]
    pd.DataFrame(columns=columns).to_csv(tmp_path / "empty.tsv", sep="\t", index=False)
    one = stage.comparison(type(inp)(comparison=str(tmp_path / "empty.tsv")))
    assert "One model only: nothing to compare." in one


def test_motifs(inp):
    html = motif.motifs(inp)
    assert f"Not interpreted: {NOT_INTERPRETABLE}." in html
    assert "3 filters, 2 with enough sites, 1 matched." in html
    assert "MA0139.2 CTCF (q 1e-09)" in html and "influence 0.25" in html
    assert "diffuse (&lt; 4 bits" in html  # an unmatched filter says why
    assert images(html) == 2  # the two filters with a PWM; filter1 has too few sites
    assert "matched to JASPAR2024 test with Tomtom (q &lt; 0.05)" in html


def test_gallery_is_capped_and_matched_first(inp):
    (status, cnn), _ = motif.load_models(inp)
    bg = [0.25] * 4
    cards = motif.gallery(cnn, bg, limit=1, qvalue=0.05)
    assert [c["filter"] for c in cards] == [0] and status["interpretable"]


def test_shared(inp):
    html = motif.shared(inp)
    assert "1 clusters of informative first-layer filters and TF-MoDISco patterns" in html
    assert '<span class="yes">filter</span>' in html  # cnn-s1 found it by its filters (no attribution here)
    assert "<td>1 (all)</td>" in html and "<th>cnn-s1</th>" in html and "<th>linear-s1</th>" not in html
    assert images(html) == 1


def test_planted(inp):
    html = motif.planted(inp)
    assert "<td>MA0139.2 CTCF</td>" in html and "filter0 (q 1e-09, rank 1)" in html and "not found" in html
    assert "<th>100%</th><th>0%</th>" in html
    # recall beside off-family false positives and the untrained null (planted_specificity.tsv)
    assert "<td>cnn-s1</td><td>1/1</td>" in html and "2 ids (3 filters)" in html
    assert "<td>0/1</td><td>1 ids (1 filters)</td>" in html and 'title="MA0258.2,MA1150.2"' in html
    no_planted = type(inp)(**{**vars(inp), "has_planted": False})
    assert motif.planted(no_planted) is None


def test_sections_are_registered_once_with_a_fragment():
    names = [s.name for s in SECTIONS]
    assert len(set(names)) == len(names)
    for s in SECTIONS:
        assert (TEMPLATES / "sections" / f"{s.name}.html").is_file(), s.name
    assert names[:2] == ["provenance", "data"]


def test_page_puts_the_sections_in_order(inp, tmp_path):
    fake = [
        Section("one", "First", "The first", lambda i: "<p>1</p>"),
        Section("none", "No", "Nothing", lambda i: None),
    ]
    fake.append(Section("two", "Second", "The second", lambda i: "<p>2 &amp; more</p>"))
    write_report(inp, tmp_path / "page.html", fake)
    page = (tmp_path / "page.html").read_text()
    assert '<a href="#one">First</a><a href="#two">Second</a>' in page and "#none" not in page
    assert page.index('<h2 id="one">The first</h2>\n<p>1</p>') < page.index('<h2 id="two">The second</h2>')
    assert "<p>2 &amp; more</p>" in page  # fragments are HTML, not escaped again
    with pytest.raises(ValueError, match="external resources"):
        render_page([{"name": "x", "nav": "x", "title": "x", "html": '<img src="http://a/b.png">'}], tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_whole_report_without_planted_motifs(inp, tmp_path):
    no_planted = type(inp)(**{**vars(inp), "has_planted": False})
    rendered = render_sections(no_planted)
    # no planted motifs, no variants or tracks configured, no attribution method in these inputs
    # (the attribution section: test_attribution_section.py), binary targets (no profiles)
    absent = ("planted", "variants", "locus", "attribution", "profiles")
    assert [s["name"] for s in rendered] == [s.name for s in SECTIONS if s.name not in absent]
    render_page(rendered, tmp_path / "report.html")
    page = (tmp_path / "report.html").read_text()
    assert external_references(page) == [] and "Planted motifs" not in page
    assert all(f'<h2 id="{s["name"]}">{s["title"]}</h2>' in page for s in rendered)


def test_variants_over_seeds_render_with_mean_sd_and_adjusted_p(inp):
    from chromcnn.evaluation import stats

    seeds = pd.DataFrame(
        {"model": ["v-s1", "v-s2", "w-s1", "w-s2"], "macro_auroc": [0.8, 0.9, 0.7, 0.7], "macro_auprc": 0.5}
    ).pipe(stats.seed_table)
    variants = pd.DataFrame(
        [["v", "w", "macro", "auroc", 0.15, 0.05, 0.25, 0.002, 0.004, "v"]], columns=stats.VARIANT_COLUMNS
    )
    ctx = stage.comparison_context(pd.read_csv(inp.comparison, sep="\t"), {}, "holm", seeds, variants)
    assert ctx["seed_rows"][0] == {"variant": "v", "n": 2, "auroc": "0.850 ± 0.071 (0.800-0.900)", "auprc": ANY}
    assert ctx["variant_pairs"] == [
        {"a": "v", "b": "w", "metric": "AUROC", "diff": "0.150 [0.050, 0.250]", "p": "0.004", "winner": "v"}
    ]
    assert ctx["method"] == "Holm (family-wise error)"
    one_seed = stats.seed_table(pd.DataFrame({"model": ["v-s1"], "macro_auroc": [0.8], "macro_auprc": [0.5]}))
    assert stage.comparison_context(pd.read_csv(inp.comparison, sep="\t"), {}, "bh", one_seed)["seed_rows"] == []
