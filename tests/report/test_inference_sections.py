"""Report sections of the inference outputs (variant effects, example locus) on synthetic files."""

from __future__ import annotations

import gzip
import json
import re

import numpy as np
import pyBigWig
from chromcnn.report import inference_sections as inference
from chromcnn.report.inputs import ReportInputs
from chromcnn.report.sections import SECTIONS


def images(fragment: str) -> int:
    return len(re.findall(r'<img [^>]*src="data:image/png;base64,', fragment))


def top_file(path, tasks=("A", "B")) -> str:
    ism = np.zeros((4, 21))
    ism[1, 8:13] = -2.0  # mutating the bases around the variant lowers the prediction
    seq = "ACGTACGTGATAAGGCACGTA"
    rows = {
        t: [
            {
                "chrom": "chr1",
                "pos": 100 + k,
                "id": f"rs{k}",
                "ref": "A",
                "alt": "G",
                "p_ref": 0.9,
                "p_alt": 0.2,
                "sad": -0.7 + 0.1 * k,
                "log_odds": -3.0,
                "seq_ref": seq,
                "seq_alt": seq,
                "ism_ref": ism.tolist(),
                "ism_alt": (ism / 4).tolist(),
            }
            for k in range(3)
        ]
        for t in tasks
    }
    counts = {"scored": 40, "symbolic": 2, "too_long": 1, "unknown_chrom": 0, "ref_mismatch": 1}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"tasks": list(tasks), "flank": 10, "top": rows, "counts": counts}))
    return str(path)


def test_variant_section_lists_the_strongest_effects_with_logos_for_the_top_two(tmp_path):
    path = top_file(tmp_path / "basset-s1" / "gwas.top.json")
    html = inference.variants(ReportInputs(variants_top=[path]))
    assert "basset-s1: gwas" in html and "40 alleles scored" in html and "2 symbolic" in html
    assert html.count("chr1:100 A&gt;G") == 2 and "-0.700" in html  # one row per task, SAD formatted
    assert images(html) == 2 * 2 * 2  # 2 tasks x top 2 variants x (ref, alt) logos
    assert inference.variants(ReportInputs()) is None


def test_locus_section_draws_every_models_track_over_the_peaks(tmp_path):
    tracks = []
    for model in ("basset-s1", "cnn-s1"):
        for task in ("A", "B"):
            path = tmp_path / model / f"{task}.bw"
            path.parent.mkdir(exist_ok=True)
            with pyBigWig.open(str(path), "w") as bw:
                bw.addHeader([("chr3", 100000)])
                starts = list(range(1000, 5000, 50))
                bw.addEntries(["chr3"] * len(starts), starts, ends=[s + 50 for s in starts], values=[0.5] * len(starts))
            tracks.append(str(path))
    peaks = []
    for task in ("A", "B"):
        p = tmp_path / f"{task}.bed.gz"
        with gzip.open(p, "wt") as f:
            f.write("chr3\t1200\t1400\n")
        peaks.append(str(p))
    html = inference.locus(ReportInputs(tracks=tracks, peaks=peaks))
    assert "chr3:1,000-21,000" in html and images(html) == 1 and "cnn-s1/B.bw" in html
    assert inference.locus(ReportInputs()) is None
    assert [s.name for s in SECTIONS][-2:] == ["variants", "locus"]
