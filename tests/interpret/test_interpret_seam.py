"""The interpretation seam: the method registry names every output, and the workflow takes them from it."""

from __future__ import annotations

import dataclasses
import re

import pytest
from chromcnn.interpret import methods
from workflow_helpers import demo_config, run_workflow


def test_filter_method_keeps_its_paths():
    f = methods.get("filters")
    assert f.root == "results/motifs"
    assert f.file("status") == "results/motifs/{model}/status.json"
    assert f.file("meme", "cnn-s1") == "results/motifs/cnn-s1/filters.meme"
    assert f.file("clusters") == "results/motifs/clusters.tsv"
    assert f.files("status", ["a", "b"]) == ["results/motifs/a/status.json", "results/motifs/b/status.json"]
    assert f.files("planted", ["a", "b"]) == "results/motifs/planted_recovery.tsv"
    assert len(f.outputs(["a", "b"])) == 2 * 6 + 3


def test_new_methods_write_under_results_interpret():
    m = methods.Method(
        "attribution", "Attribution", {"scores": "scores.h5", "summary": "summary.tsv"}, report=("summary",)
    )
    assert m.file("scores", "cnn-s1") == "results/interpret/attribution/cnn-s1/scores.h5"
    assert methods.report_inputs(["x"], [m]) == {"attribution_summary": ["results/interpret/attribution/x/summary.tsv"]}
    with pytest.raises(ValueError, match="not outputs"):
        methods.Method("bad", "Bad", {"a": "a.tsv"}, report=("b",))
    with pytest.raises(KeyError, match="registered: filters"):
        methods.get("nope")


def test_report_inputs_round_trip():
    names = {m.name for m in methods.METHODS}
    assert len(names) == len(methods.METHODS)
    named = methods.report_inputs(["a", "b"])
    back = methods.from_inputs(named)
    for m in methods.METHODS:
        for key in m.report:
            assert back[m.name][key] == m.files(key, ["a", "b"])
    moved = dataclasses.replace(methods.FILTERS, root="/tmp/x")
    assert methods.from_inputs(methods.report_inputs(["a"], [moved]))["filters"]["clusters"] == "/tmp/x/clusters.tsv"


def dry_run_jobs(stdout: str) -> dict[str, list[dict[str, str]]]:
    """rule -> [{"input": ..., "output": ...}] of every job a dry run lists."""
    jobs: dict[str, list[dict[str, str]]] = {}
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", stdout):
        head = re.match(r"(?:local)?rule (\w+):", block)
        if head:
            fields = dict(re.findall(r"^\s+(input|output): (.*)$", block, re.MULTILINE))
            jobs.setdefault(head[1], []).append(fields)
    return jobs


def test_report_and_rules_take_every_method_output_from_the_registry(tmp_path):
    cfg = demo_config()
    cfg["train"]["architectures"] = ["cnn", "linear"]
    cfg["interpret"]["attribution"]["models"] = None  # every method on every model
    proc = run_workflow(tmp_path, cfg, "-n", "results/report.html")
    assert proc.returncode == 0, proc.stderr[-3000:]
    jobs = dry_run_jobs(proc.stdout)
    models = ["cnn-s1", "linear-s1"]
    report_inputs = set(jobs["report"][0]["input"].split(", "))
    written = set()
    for rule in jobs.values():
        for job in rule:
            written |= set(job.get("output", "").split(", "))
    for m in methods.METHODS:
        for key in m.report:
            files = m.files(key, models)
            assert set([files] if isinstance(files, str) else files) <= report_inputs, (m.name, key)
        assert set(m.outputs(models)) <= written, m.name  # every registered output has a rule writing it


def test_each_method_runs_on_the_models_configured_for_it():
    chosen = {"filters": ["a", "b"], "attribution": ["b"]}
    named = methods.report_inputs(chosen)
    assert named["filters_status"] == ["results/motifs/a/status.json", "results/motifs/b/status.json"]
    assert named["attribution_status"] == ["results/interpret/attribution/b/status.json"]
    # a method with no model is left out: no inputs, no outputs, no report section
    none = {"filters": ["a"], "attribution": []}
    assert not any(k.startswith("attribution_") for k in methods.report_inputs(none))
    assert "attribution" not in methods.from_inputs(methods.report_inputs(none))
    assert not any("/attribution/" in p for p in methods.outputs(none))
    assert any("/attribution/b/" in p for p in methods.outputs(chosen))
