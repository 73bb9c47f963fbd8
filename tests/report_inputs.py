"""Small synthetic report inputs: every file the report reads, written with the pipeline's own writers.

Two models on three tasks and 60 test windows: ``cnn-s1`` (interpretable, three
filters, one matched to CTCF) and ``linear-s1`` (not interpretable), a cluster
table and a planted-motif table; with planted motifs, the planted-motif oracle
is a third row of the evaluation. Fast (no training, 20 bootstrap replicates).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
from chromcnn.evaluation import metrics as ev
from chromcnn.evaluation.compare import ORACLE, compare
from chromcnn.interpret import filter_method as it
from chromcnn.interpret import methods
from chromcnn.interpret import motif_sets as ms
from chromcnn.interpret import motifs as mtf
from chromcnn.io.atomic import write_json, write_tsv
from chromcnn.report.inputs import ReportInputs

TASKS = ["erythroid", "myeloid", "rare"]
MODELS = ["cnn-s1", "linear-s1"]
BACKGROUND = {"A": 0.3, "C": 0.2, "G": 0.2, "T": 0.3}
SETTINGS = {"optimizer": "adam", "lr": 0.001, "batch_size": 100, "max_epochs": 3, "hparams": {"num_filters": 16}}
NOT_INTERPRETABLE = "it has no convolution over the one-hot input (its first layer is not a filter bank)"


def qc() -> dict:
    """A qc.json with two cell types (one dropping peaks), three splits and GC histograms."""
    peak = {"format": "narrowPeak", "read": 120, "kept": 117, "dropped_unknown_chrom": 3, "dropped_past_end": 0}
    hist = {"histogram": [0, 5, 20, 5, 0], "bin_edges": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]}
    return {
        "windows": {
            "sites": 300,
            "union_sites": 250,
            "merges": 50,
            "removed_blacklist": 4,
            "removed_n": 1,
            "dropped_straddling": 2,
        },
        "splits": {
            s: {"windows": n, "negatives_sampled": n // 2, "positives_per_task": {t: n // 4 for t in TASKS}}
            for s, n in (("train", 200), ("valid", 40), ("test", 60))
        },
        "label_cooccurrence": {"tasks": TASKS, "counts": [[10, 4, 0], [4, 12, 0], [0, 0, 0]]},
        "gc": {"positive": {"mean": 0.52, **hist}, "negative": {"mean": 0.48, **hist}},
        "peaks": {"erythroid": {**peak, "file": "e.bed.gz"}, "myeloid": {**peak, "dropped_unknown_chrom": 0}},
        "provenance": {
            "config_hash": "d" * 64,
            "packages": {"numpy": "2.0"},
            "inputs": {"genome": {"path": "demo.fa", "md5": "0123abcd" * 4, "source": "resources/demo/genome.fa"}},
        },
    }


def _evaluation(folder: Path, oracle: bool) -> tuple[list[str], list[str], str, str]:
    """metrics.tsv and predictions.npz per model (and of the oracle), summary.tsv and comparison.tsv."""
    rng = np.random.default_rng(0)
    y = np.zeros((60, 3), dtype=np.float32)
    y[:30, 0], y[::3, 1] = 1, 1  # the third task has no positives
    metric_paths, prediction_paths = [], []
    for i, model in enumerate(MODELS + [ORACLE] * oracle):
        noise = 0.6 + 0.3 * i if model != ORACLE else 0.3
        probs = np.clip(0.5 * y + rng.random(y.shape) * noise, 0, 1).astype(np.float32)
        reps = ev.replicates(y, probs, 20, seed=1)
        out = folder / model
        out.mkdir(parents=True)
        write_tsv(ev.task_table(y, reps, TASKS, 0.95, probs), out / "metrics.tsv")
        meta = {"tasks": TASKS, "rc_average": i == 0, "block_bp": 1_000_000, "n_blocks": 12}
        ev.save_replicates(str(out / "predictions.npz"), reps, y, probs, meta)
        metric_paths.append(str(out / "metrics.tsv"))
        prediction_paths.append(str(out / "predictions.npz"))
    summary, comparison = compare(MODELS + [ORACLE] * oracle, prediction_paths, 0.95)
    write_tsv(summary, folder / "summary.tsv")
    write_tsv(comparison, folder / "comparison.tsv")
    return (
        metric_paths[: len(MODELS)],
        prediction_paths[: len(MODELS)],
        str(folder / "summary.tsv"),
        str(folder / "comparison.tsv"),
    )


def _histories(folder: Path) -> list[str]:
    paths = []
    for i, model in enumerate(MODELS):
        h = pd.DataFrame(
            {
                "epoch": [1, 2, 3],
                "train_loss": [0.6, 0.5, 0.45],
                "valid_loss": [0.62, 0.55, 0.56],
                "valid_auroc": [0.6, 0.7 + 0.01 * i, 0.68],
                "valid_auprc": [0.3, 0.4, 0.35],
                "lr": 0.001,
                "seconds": [1.2, 1.1, 1.3],
            }
        )
        paths.append(str(folder / f"{model}.history.tsv"))
        write_tsv(h, paths[-1])
    return paths


def _filters_of(model: str, folder: Path, ctcf: np.ndarray) -> None:
    """One model's filter-method outputs, as filter_motifs writes them."""
    folder.mkdir(parents=True)
    bg = np.array(list(BACKGROUND.values()))
    status = {"model": model, "database": "JASPAR2024 test", "interpretable": model == "cnn-s1", "reason": ""}
    if model != "cnn-s1":
        status["reason"] = NOT_INTERPRETABLE
        result = it.empty_result(TASKS)
    else:
        ppms = {"filter0": ctcf, "filter2": np.full((4, 8), 0.25)}
        table = pd.DataFrame(
            {
                "filter": [0, 1, 2],
                "n_sites": [50, 2, 30],
                "ic": [mtf.information(ctcf, bg).sum(), np.nan, 0.1],
                "consensus": [mtf.consensus(ctcf), "", "NNNNNNNN"],
                "match_id": ["MA0139.2", "", ""],
                "match_name": ["CTCF", "", ""],
                "match_qvalue": [1e-9, np.nan, np.nan],
                "influence": [0.25, np.nan, 0.0004],
                "width": 19,
                "trim_start": [1, 0, 0],
                "threshold": [1.5, 0.2, 0.9],
                "status": ["ok", "too few sites (2 < 10)", "diffuse (< 4 bits or < 0.5 bits/column): not matched"],
            }
        )
        matches = pd.DataFrame([[0, 1, "MA0139.2", "CTCF", 1e-11, 1e-9, 12, 14.0, 0.8]], columns=it.MATCH_COLUMNS)
        result = it.FilterMotifs(
            table, matches, ppms, {"filter0": 50, "filter2": 30}, it.empty_result(TASKS).task_influence
        )
    status.update(it.counts(result.table, it.MotifSettings()), packages={"torch": "2.5", "memelite": "0.1"})
    names = methods.FILTERS.per_model
    out = type("Out", (), {k: folder / v for k, v in names.items()})
    it.write_outputs(result, status, bg, out)


def _interpret(folder: Path) -> dict:
    """The filter method's report files: per-model folders, clusters.tsv and planted_recovery.tsv."""
    filters = dataclasses.replace(methods.FILTERS, root=str(folder))
    ctcf = _ctcf()
    for model in MODELS:
        _filters_of(model, Path(filters.folder(model)), ctcf)
    clusters = pd.DataFrame(
        [[1, "CTCF", 1, 1, "cnn-s1", True, "cnn-s1:filter0", "cnn-s1:filter0", 0, "cnn-s1:filter"]],
        columns=ms.CLUSTER_COLUMNS,
    )
    write_tsv(clusters, filters.file("clusters"))
    planted = pd.DataFrame(
        [
            ["MA0139.2", "CTCF", "cnn-s1", True, 1, "filter0", 1e-9, 1, False, 0],
            ["MA0139.2", "CTCF", "linear-s1", False, 0, "", np.nan, pd.NA, pd.NA, pd.NA],
        ],
        columns=ms.PLANTED_COLUMNS,
    )
    write_tsv(planted, filters.file("planted"))
    specific = pd.DataFrame(
        [
            ["cnn-s1", "trained", 1, 1, 1.0, 2, 3, "MA0258.2,MA1150.2"],
            ["cnn-s1", "untrained", 1, 0, 0.0, 1, 1, "MA1723.2"],
        ],
        columns=ms.SPECIFICITY_COLUMNS,
    )
    write_tsv(specific, filters.file("specificity"))
    return methods.from_inputs(methods.report_inputs(MODELS, [filters]))


def _ctcf() -> np.ndarray:
    """A sharp (4, 12) PPM (consensus CCACCAGGGGGC, part of the CTCF motif), without pyjaspar."""
    seq = "CCACCAGGGGGC"
    ppm = np.full((4, len(seq)), 0.04)
    for j, base in enumerate(seq):
        ppm["ACGT".index(base), j] = 0.88
    return ppm


def make_inputs(folder: Path, has_planted: bool = True) -> ReportInputs:
    """Write every report input under ``folder``; returns the ReportInputs naming them."""
    folder = Path(folder)
    (folder / "qc.json").write_text(json.dumps(qc()))
    write_json(BACKGROUND, folder / "composition.json")
    metric_paths, prediction_paths, summary, comparison = _evaluation(folder / "evaluation", has_planted)
    evaluation = folder / "evaluation" / ORACLE
    oracle = {"metrics": str(evaluation / "metrics.tsv"), "predictions": str(evaluation / "predictions.npz")}
    return ReportInputs(
        qc=str(folder / "qc.json"),
        composition=str(folder / "composition.json"),
        models=list(MODELS),
        histories=_histories(folder),
        metrics=metric_paths,
        predictions=prediction_paths,
        summary=summary,
        comparison=comparison,
        interpret=_interpret(folder / "motifs"),
        has_planted=has_planted,
        oracle=oracle if has_planted else {},
        config_hash="c" * 64,
        database="JASPAR2024 test",
        qvalue=0.05,
        settings={"cnn-s1": SETTINGS},
    )
