"""The attribution section on synthetic method outputs: patterns, tracks, flags, no-method models, recovery."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
from chromcnn.interpret import attribution as at
from chromcnn.interpret import methods
from chromcnn.interpret import modisco as mo
from chromcnn.interpret import motif_sets as ms
from chromcnn.interpret import motifs as mtf
from chromcnn.interpret.attribution_method import RECOVERY_COLUMNS
from chromcnn.io.atomic import write_json, write_tsv
from chromcnn.report import attribution_sections as sec
from report_inputs import MODELS, make_inputs

L = 100


def _model_files(method: methods.Method, model: str, applicable: bool) -> None:
    folder = method.folder(model)
    Path(folder).mkdir(parents=True)
    status = {
        "model": model,
        "method": at.DEEPLIFT if applicable else "",
        "applicable": applicable,
        "reason": "" if applicable else "the model's output has no gradient with respect to the input",
        "n_windows": {"t0": 4, "t1": 4} if applicable else {},
        "flagged_tasks": ["t1"] if applicable else [],
        "skipped_tasks": {"t1": "3 test positives in the windows (< min_positives 100)"} if applicable else {},
    }
    write_json(status, f"{folder}/status.json")
    ism = [
        ["t0", at.DEEPLIFT, 2, 0.93, 0.9, 1e-7, 1e-6, 0.01, False],
        ["t1", at.DEEPLIFT, 2, 0.4, 0.3, 0.2, 1.0, 0.01, True],
    ]
    write_tsv(pd.DataFrame(ism if applicable else [], columns=at.ISM_COLUMNS), f"{folder}/ism_check.tsv")
    rows = [["t0", "pattern_0", "pos", 42, "CCACCAGGGGGC", "MA0139.2", "CTCF", 1e-6, 1, "MA0139.2", 12, 15.0, "ok"]]
    write_tsv(pd.DataFrame(rows if applicable else [], columns=mo.PATTERN_COLUMNS), f"{folder}/patterns.tsv")
    ppm = 0.9 * np.eye(4)[:, [1, 1, 0, 1, 1, 0, 2, 2, 2, 2, 2, 1]] + 0.025
    mtf.write_meme(f"{folder}/patterns.meme", {"t0.pos.pattern_0": ppm} if applicable else {}, np.full(4, 0.25))
    with h5py.File(f"{folder}/modisco.h5", "w") as h5:
        if applicable:
            p = h5.create_group("t0/pos_patterns/pattern_0")
            p["cwm_trimmed"] = np.eye(4)[:, [1, 1, 0, 1, 1, 0, 2, 2, 2, 2, 2, 1]] * 0.5
            s = p.create_group("seqlets")
            s["example_idx"], s["start"], s["end"] = np.array([0, 1]), np.array([10, 20]), np.array([40, 50])
            h5.create_group("t1")
    with h5py.File(f"{folder}/contributions.h5", "w") as h5:
        if applicable:
            rng = np.random.default_rng(0)
            for task in ("t0", "t1"):
                x = np.eye(4, dtype=np.uint8)[rng.integers(0, 4, (4, L))].transpose(0, 2, 1)
                h5[f"{task}/contributions"] = x * rng.normal(size=(4, 1, L)).astype(np.float32)
                h5[f"{task}/chrom"] = np.array([b"chr3"] * 4)
                h5[f"{task}/start"] = np.arange(4) * 1000


@pytest.fixture(scope="module")
def inp(tmp_path_factory):
    folder = tmp_path_factory.mktemp("attribution_inputs")
    base = make_inputs(folder)
    method = dataclasses.replace(methods.ATTRIBUTION, root=str(folder / "attribution"))
    for model in MODELS:
        _model_files(method, model, applicable=model == "cnn-s1")
    recovery = pd.DataFrame(
        [
            ["MA0139.2", "CTCF", "cnn-s1", True, 1, "t0.pos.pattern_0", 1e-6, 1, "MA0080.7"],
            ["MA0139.2", "CTCF", "linear-s1", False, 0, "", np.nan, 0, ""],
        ],
        columns=RECOVERY_COLUMNS,  # the layout attribution_recovery writes
    )
    write_tsv(recovery, method.file("planted"))
    files = methods.from_inputs(methods.report_inputs(MODELS, [method]))
    clusters = [  # cluster_motifs' layout: CTCF found by cnn-s1's filter and pattern, a pattern-only cluster
        [1, "CTCF", 1, 1, "cnn-s1", True, "cnn-s1:filter0", "cnn-s1:filter0,cnn-s1:modisco:t0.pos.pattern_0", 1, ""],
        [2, "unmatched", 0, 1, "cnn-s1", True, "cnn-s1:modisco:t0.pos.pattern_0", "", 1, "cnn-s1:MoDISco"],
    ]
    clusters[0][-1] = "cnn-s1:both"
    write_tsv(pd.DataFrame(clusters, columns=ms.CLUSTER_COLUMNS), base.interpret["filters"]["clusters"])
    return dataclasses.replace(base, interpret={**base.interpret, **files})


def test_attribution_section(inp):
    html = sec.attribution(inp)
    assert "No attribution method applies: the model&#39;s output has no gradient" in html  # linear-s1
    assert "Method: <b>deeplift_shap</b>" in html and "Flagged (convergence deltas over the tolerance): t1" in html
    assert "MoDISco skipped: 3 test positives in the windows (&lt; min_positives 100)" in html
    assert "42 seqlets; MA0139.2 CTCF (q 1e-06)" in html
    # one pattern logo and two tracks per task of cnn-s1
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', html)) == 1 + 2 * 2
    # the filter method found CTCF in cnn-s1, MoDISco too: "both"; one off-family id
    assert "<td>MA0139.2 CTCF</td><td>both</td><td>-</td>" in html
    assert "<th>1/1</th><th>0/1</th>" in html and "<th>1</th><th>0</th>" in html


def test_motifs_across_models_and_methods(inp):
    html = sec.attribution(inp)
    # the synthetic filters of cnn-s1 match CTCF (report_inputs), and so does its MoDISco pattern
    assert "<td>MA0139.2 CTCF</td><td>both</td><td>-</td>" in html.split("Motifs across models")[1]
    t = pd.DataFrame({"match_id": ["MA1", ""], "match_name": ["X", ""], "match_qvalue": [0.01, 1.0]})
    far = pd.DataFrame({"match_id": ["MA1"], "match_name": ["X"], "match_qvalue": [0.5]})
    got = sec.presence({"a": t, "b": far}, {"a": far, "b": t}, 0.05)
    assert got == {"models": ["a", "b"], "rows": [{"motif": "MA1 X", "cells": ["filter", "MoDISco"]}]}


def test_section_absent_without_the_method(inp):
    assert sec.attribution(dataclasses.replace(inp, interpret={"filters": inp.interpret["filters"]})) is None


def test_seqlets_shade_tracks(inp):
    modisco = inp.interpret["attribution"]["modisco"][0]
    assert sec.seqlet_spans(modisco, "t0") == {0: [(10, 40)], 1: [(20, 50)]}
    assert sec.seqlet_spans(modisco, "missing") == {}


def test_clusters_show_the_method_each_model_found_a_motif_by(inp):
    from chromcnn.report import motif_sections as motif

    html = motif.shared(inp)
    rows = html.split("</table>")[0].split("<tr>")[2:]
    assert "<td>CTCF</td><td>1</td><td>1</td>" in rows[0] and '<span class="yes">both</span>' in rows[0]
    assert '<span class="yes">MoDISco</span>' in rows[1] and "both" not in rows[1]
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', html)) == 2  # the filter's and the pattern's logo


@pytest.mark.slow
def test_report_with_the_attribution_section_opens_offline_in_chromium(inp, tmp_path):
    from chromcnn.report.build import write_report
    from chromium import open_page, page_requests

    page = tmp_path / "report.html"
    write_report(inp, page)
    dom, requests = open_page(page, tmp_path, tmp_path / "report.png")
    assert page_requests(requests) == []  # the page asked the network for nothing
    total = int(re.search(r'data-images-total="(\d+)"', dom).group(1))
    rendered = int(re.search(r'data-images-rendered="(\d+)"', dom).group(1))
    # the attribution section's pattern logo and 4 tracks, the clusters' 2 logos, the rest of the page
    assert total >= 7 and rendered == total  # every inline figure decoded
    for section in ("Attribution and TF-MoDISco", "Motifs across architectures", "MoDISco skipped: 3 test positives"):
        assert section in dom, section


def test_logos_drawn_by_worker_processes_give_the_same_page(inp, tmp_path):
    from chromcnn.report import figures
    from chromcnn.report.build import write_report

    with figures.deferred() as calls:
        uri = figures.logo(np.full((4, 6), 0.25), np.full(4, 0.25))
    assert figures.PLACEHOLDER.fullmatch(uri) and len(calls) == 1  # deferred: a placeholder, drawn later
    assert figures.logo(np.full((4, 6), 0.25), np.full(4, 0.25)).startswith("data:image/png;base64,")  # outside
    pages = []
    for processes in (1, 2):
        write_report(inp, tmp_path / f"p{processes}.html", processes=processes)
        pages.append((tmp_path / f"p{processes}.html").read_text())
    assert pages[0] == pages[1]
    assert not figures.PLACEHOLDER.search(pages[0])  # every placeholder filled
    # the pattern logo, the tracks and the filter logos are all inline PNGs
    assert len(re.findall(r'src="data:image/png;base64,', pages[0])) >= 7


def test_figures_of_other_modules_and_curves_are_deferred_and_drawn_alike():
    from chromcnn.report import figures
    from chromcnn.report.inference_sections import ism_logo

    rng = np.random.default_rng(0)
    y = (rng.random((200, 2)) < 0.3).astype(np.uint8)
    probs = np.clip(y * 0.4 + rng.random((200, 2)) * 0.6, 0, 1)
    ism = -np.abs(rng.normal(size=(4, 12)))
    with figures.deferred() as calls:
        marks = [ism_logo(ism, "ACGTACGTACGT", "ref"), figures.roc_pr(y, probs, ["a", "b"])]
    assert all(figures.PLACEHOLDER.fullmatch(m) for m in marks) and len(calls) == 2
    assert calls[0][0] == "chromcnn.report.inference_sections:ism_logo"  # found again in a worker by module
    one, two = figures.render_deferred(calls, 1), figures.render_deferred(calls, 2)
    assert one == two and all(u.startswith("data:image/png;base64,") for u in one)
    assert one[0] == ism_logo(ism, "ACGTACGTACGT", "ref")  # the same figure as drawn directly
