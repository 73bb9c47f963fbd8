"""Evaluation, motifs and the report through Snakemake, and the report opened in headless Chromium."""

from __future__ import annotations

import gzip
import json
import re

import h5py
import numpy as np
import pandas as pd
import pytest
from chromcnn.evaluation.metrics import METRIC_COLUMNS
from chromcnn.interpret.motifs import read_meme
from chromium import open_page, page_requests
from conftest import ROOT, needs_bedtools
from workflow_helpers import SNAKEMAKE, demo_config, run_workflow

pytestmark = [pytest.mark.slow, needs_bedtools]


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """Two fast models on the demo plus a sixth cell type with no peak outside chr1 (no test positives)."""
    work = tmp_path_factory.mktemp("report")
    rare = work / "rare.bed.gz"
    with gzip.open(rare, "wt") as out:
        out.writelines(f"chr1\t{s}\t{s + 300}\n" for s in range(100_000, 5_000_000, 97_000))
    cfg = demo_config()
    cfg["cell_types"]["rare"] = str(rare)
    cfg["train"].update(
        architectures=["cnn", "linear"],
        max_epochs=3,
        overrides={"cnn": {"hparams": {"num_filters": 16, "kernel_size": 15}}},
    )
    cfg["evaluate"].update(bootstrap=200)
    cfg["motifs"].update(influence_sequences=100)
    proc = run_workflow(work, cfg)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return work


def test_evaluation_outputs_follow_the_contract(small_run):
    ev = small_run / "results" / "evaluation"
    metrics = pd.read_csv(ev / "cnn-s1" / "metrics.tsv", sep="\t")
    assert list(metrics.columns) == METRIC_COLUMNS
    with h5py.File(small_run / "results/data/test.h5") as h5:
        n_test = h5["y"].shape[0]
    assert (metrics.n_pos + metrics.n_neg == n_test).all()
    good = metrics[metrics.task != "rare"]
    assert (good.auroc > 0.6).all() and (good.auroc_lo < good.auroc).all() and (good.auroc < good.auroc_hi).all()
    rare = metrics.set_index("task").loc["rare"]
    assert rare.n_pos == 0 and np.isnan(rare.auroc) and rare.reason == "no positives in the test split"
    summary = pd.read_csv(ev / "summary.tsv", sep="\t")
    # the oracle (motifs.planted is set) is evaluated and summarised like a model
    assert set(summary.model) == {"cnn-s1", "linear-s1", "oracle"} and (summary.n_tasks_defined == 5).all()
    row = summary.set_index("model").loc["cnn-s1"]
    assert row.macro_auroc == pytest.approx(good.auroc.mean(), abs=2e-6)  # both files hold 6 significant digits
    assert row.macro_auroc_lo < row.macro_auroc < row.macro_auroc_hi
    comp = pd.read_csv(ev / "comparison.tsv", sep="\t")
    assert set(comp.metric) == {"auroc", "auprc"} and "macro" in set(comp.task)
    record = json.loads((ev / "cnn-s1" / "evaluation.json").read_text())
    assert len(record["config_hash"]) == 64 and record["inputs"]["model"]["md5"] and record["packages"]["torch"]


def test_motif_outputs_follow_the_contract(small_run):
    folder = small_run / "results" / "motifs" / "cnn-s1"
    filters = pd.read_csv(folder / "filters.tsv", sep="\t")
    contract = ["filter", "n_sites", "ic", "consensus", "match_id", "match_name", "match_qvalue", "influence"]
    assert list(filters.columns[: len(contract)]) == contract and len(filters) == 16
    with_pwm = filters[filters.n_sites >= 10]
    assert len(with_pwm) > 0 and with_pwm.influence.notna().all()
    meme = read_meme(folder / "filters.meme")
    assert set(meme) == {f"filter{f}" for f in with_pwm["filter"]}
    assert all(np.allclose(m.sum(axis=0), 1, atol=1e-4) for m in meme.values())
    status = json.loads((folder / "status.json").read_text())
    assert status["interpretable"] and status["database"].startswith("JASPAR2024 CORE vertebrates")
    linear = json.loads((small_run / "results/motifs/linear-s1/status.json").read_text())
    assert not linear["interpretable"] and "no convolution" in linear["reason"]
    planted = pd.read_csv(small_run / "results/motifs/planted_recovery.tsv", sep="\t")
    assert set(planted.motif_id) == {"MA0139.2", "MA0140.3", "MA0080.7", "MA0114.5", "MA0047.4", "MA0466.4", "MA0153.2"}
    assert not planted[planted.model == "linear-s1"].recovered.any()


def test_report_renders_offline_in_chromium(small_run, tmp_path):
    page = small_run / "results" / "report.html"
    html = page.read_text()
    shot = tmp_path / "report.png"
    dom, requests = open_page(page, tmp_path, shot)
    assert page_requests(requests) == []  # the page asked the network for nothing
    total = int(re.search(r'data-images-total="(\d+)"', dom).group(1))
    rendered = int(re.search(r'data-images-rendered="(\d+)"', dom).group(1))
    assert total >= 10 and rendered == total  # every inline figure decoded
    from PIL import Image

    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.shape[1] == 1280 and pixels.std() > 20  # not a blank page
    for section in [
        "Inputs and provenance",
        "Data QC",
        "Training",
        "Test metrics",
        "Architecture comparison",
        "First-layer motifs",
        "Motifs across architectures",
        "Planted motifs",
    ]:
        assert section in dom, section
    summary = pd.read_csv(small_run / "results/evaluation/summary.tsv", sep="\t").set_index("model")
    assert f"{summary.loc['cnn-s1', 'macro_auroc']:.3f}" in html
    assert "NaN: no positives in the test split" in html
    assert "Not interpreted: it has no convolution over the one-hot input" in html
    # each model's training settings, changed hyperparameters included, are in the training table
    assert "adam lr 0.001, batch 100, max 3 epochs, kernel_size=15, num_filters=16" in html
    qc = json.loads((small_run / "results/data/qc.json").read_text())
    assert qc["provenance"]["config_hash"] in html
    assert qc["provenance"]["inputs"]["genome"]["md5"] in html


def test_chromium_check_catches_network_requests(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text('<html><body><img src="http://example.com/logo.png"></body></html>')
    _, requests = open_page(bad, tmp_path, tmp_path / "bad.png")
    assert any("example.com/logo.png" in r for r in page_requests(requests))


def test_snakemake_report_wires_captions(small_run, tmp_path):
    import subprocess

    out = tmp_path / "snakemake_report.zip"
    proc = subprocess.run(
        [
            SNAKEMAKE,
            "-s",
            str(ROOT / "Snakefile"),
            "--directory",
            str(small_run),
            "--configfile",
            str(small_run / "config.yaml"),
            "--report",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    import zipfile

    names = zipfile.ZipFile(out).namelist()
    assert any(n.endswith("summary.tsv") for n in names) and any(n.endswith("report.html") for n in names)


def test_missing_motif_release_fails_before_any_job(tmp_path):
    cfg = demo_config()
    cfg["motifs"]["jaspar_release"] = "JASPAR2099"
    proc = run_workflow(tmp_path, cfg, "-n")
    assert proc.returncode != 0
    assert re.search(
        r"config.yaml: motif database release 'JASPAR2099' is not available offline \(pyjaspar has .*JASPAR2024",
        proc.stderr,
    )


def test_inference_sections_reproduce_the_evaluation_and_reach_the_report(small_run):
    """predict/variants/tracks on the small run: the test windows' BED gives predictions.npz bit for bit."""
    import pyBigWig
    import yaml
    from chromcnn.inference.genome_reader import Genome

    work = small_run
    with h5py.File(work / "results/data/test.h5") as h5:
        test = pd.DataFrame({"chrom": h5["chrom"].asstr()[:], "start": h5["start"][:], "end": h5["end"][:]})
    test.to_csv(work / "test_windows.bed", sep="\t", header=False, index=False)
    genome = Genome(work / "resources/genome/demo.fa")
    lines = ["##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"]
    for i, r in enumerate(test.head(40).sort_values(["chrom", "start"]).itertuples()):
        ref = genome.sequence(r.chrom, r.start + 150, r.start + 151)
        alt = "ACGT"[("ACGT".index(ref) + 1) % 4] if ref in "ACGT" else "A"
        lines.append(f"{r.chrom}\t{r.start + 151}\tv{i}\t{ref}\t{alt}\t.\t.\t.\n")
    lines.append(f"{test.chrom[0]}\t{test.start[0] + 10}\tsv\tA\t<DEL>\t.\t.\t.\n")
    (work / "calls.vcf").write_text("".join(lines))
    first = test.iloc[0]
    (work / "locus.bed").write_text(f"{first.chrom}\t{max(first.start - 2000, 0)}\t{first.start + 8000}\n")
    cfg = yaml.safe_load((work / "config.yaml").read_text())
    cfg["predict"] = {"sets": {"testwin": str(work / "test_windows.bed")}, "models": ["cnn-s1"]}
    cfg["variants"] = {"vcfs": {"calls": str(work / "calls.vcf")}, "models": ["cnn-s1"], "top": 2}
    cfg["tracks"] = {"regions": str(work / "locus.bed"), "stride": 100}
    proc = run_workflow(work, cfg)
    assert proc.returncode == 0, proc.stderr[-4000:]
    res = work / "results"
    table = pd.read_csv(res / "predict/cnn-s1/testwin.tsv.gz", sep="\t")
    tasks = list(cfg["cell_types"])
    expected = np.load(res / "evaluation/cnn-s1/predictions.npz")["probs"]
    assert np.array_equal(table[tasks].to_numpy(np.float32), expected)  # same model, same strand averaging
    effects = pd.read_csv(res / "variants/cnn-s1/calls.tsv.gz", sep="\t")
    assert len(effects) == 40 and list(effects.columns[5:9]) == [
        f"{tasks[0]}.{s}" for s in ("ref", "alt", "sad", "log_odds")
    ]
    assert json.loads((res / "variants/cnn-s1/calls.top.json").read_text())["counts"]["symbolic"] == 1
    for model in ("cnn-s1", "linear-s1"):
        with pyBigWig.open(str(res / "tracks" / model / f"{tasks[0]}.bw")) as bw:
            values = np.array(bw.values(first.chrom, int(first.start), int(first.start) + 1000))
            assert np.isfinite(values).all() and ((values >= 0) & (values <= 1)).all()
    html = (res / "report.html").read_text()
    assert "Variant effects" in html and "Example locus" in html and "calls.tsv.gz" in html
