"""results/report.html: one self-contained page from the pipeline's outputs.

:func:`collect` reads the outputs into a plain context dict (numbers and
inline figures), :func:`render` fills ``report_template.html`` with jinja2.
Every image is a data URI and the page has no external reference, so it opens
from disk with no network.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from chromcnn.evaluation import metrics as ev
from chromcnn.interpret import motif_sets as ms
from chromcnn.report import figures as fig

TEMPLATE = Path(__file__).resolve().parents[3] / "report" / "template.html"


@dataclass
class ReportInputs:
    """Paths the report reads (the Snakemake rule's inputs)."""

    qc: str
    composition: str
    models: list[str]
    histories: list[str]
    metrics: list[str]
    predictions: list[str]
    summary: str
    comparison: str
    motif_dirs: list[str]
    clusters: str
    planted: str | None = None
    config_hash: str = ""
    database: str = ""
    logos_per_model: int = 24
    qvalue: float = 0.05
    settings: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)


def _fmt(x, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "NA"
    if isinstance(x, (float, np.floating)):
        return f"{x:.{digits}g}" if abs(x) < 1e-3 and x != 0 else f"{x:.{digits}f}"
    return str(x)


def _ci(point, lo, hi) -> str:
    if not np.isfinite(point):
        return "NA"
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return f"{point:.3f}"
    return f"{point:.3f} [{lo:.3f}, {hi:.3f}]"


def data_section(qc: dict) -> dict:
    """Data QC: peak counts, windows, splits, co-occurrence, GC."""
    peaks = [
        {
            "cell_type": name,
            "format": rec.get("format", ""),
            "read": rec["read"],
            "kept": rec["kept"],
            "dropped": ", ".join(
                f"{k.removeprefix('dropped_').replace('_', ' ')}: {v}"
                for k, v in rec.items()
                if k.startswith("dropped_") and isinstance(v, int) and v
            )
            or "none",
            "file": rec.get("file", ""),
        }
        for name, rec in qc["peaks"].items()
    ]
    tasks = qc["label_cooccurrence"]["tasks"]
    splits = [
        {"split": s, "windows": r["windows"], "negatives": r.get("negatives_sampled", 0), **r["positives_per_task"]}
        for s, r in qc["splits"].items()
    ]
    return {
        "peaks": peaks,
        "windows": qc["windows"],
        "splits": splits,
        "tasks": tasks,
        "peaks_png": fig.peaks_per_cell_type(qc["peaks"]),
        "cooc_png": fig.cooccurrence(tasks, qc["label_cooccurrence"]["counts"]),
        "gc_png": fig.gc_histograms(qc["gc"]),
        "gc": {k: v["mean"] for k, v in qc["gc"].items()},
    }


def metrics_section(inp: ReportInputs) -> dict:
    """Summary table, per-model task metrics, curves and calibration."""
    summary = pd.read_csv(inp.summary, sep="\t")
    rows = [
        {
            "model": r.model,
            "macro_auroc": _ci(r.macro_auroc, r.macro_auroc_lo, r.macro_auroc_hi),
            "macro_auprc": _ci(r.macro_auprc, r.macro_auprc_lo, r.macro_auprc_hi),
            "micro_auroc": _ci(r.micro_auroc, r.micro_auroc_lo, r.micro_auroc_hi),
            "micro_auprc": _ci(r.micro_auprc, r.micro_auprc_lo, r.micro_auprc_hi),
            "n_tasks": r.n_tasks_defined,
        }
        for r in summary.itertuples()
    ]
    per_model = []
    for model, m_path, p_path in zip(inp.models, inp.metrics, inp.predictions):
        table = pd.read_csv(m_path, sep="\t", keep_default_na=False, na_values=["NA"])
        _, y, probs, meta = ev.load_replicates(p_path)
        calib, ece = fig.calibration(y, probs)
        per_model.append(
            {
                "model": model,
                "tasks": [
                    {
                        "task": r.task,
                        "n_pos": r.n_pos,
                        "n_neg": r.n_neg,
                        "prevalence": f"{r.prevalence:.3f}",
                        "auroc": _ci(r.auroc, r.auroc_lo, r.auroc_hi),
                        "auprc": _ci(r.auprc, r.auprc_lo, r.auprc_hi),
                        "reason": r.reason if isinstance(r.reason, str) else "",
                    }
                    for r in table.itertuples()
                ],
                "curves_png": fig.roc_pr(y, probs, meta["tasks"]),
                "calibration_png": calib,
                "ece": ece,
                "rc_average": meta.get("rc_average", False),
            }
        )
    return {"summary": rows, "per_model": per_model, "best": rows[0]["model"] if rows else ""}


def comparison_section(path: str) -> dict:
    """Paired differences between architectures, and per-task winners."""
    comp = pd.read_csv(path, sep="\t")
    if comp.empty:
        return {"pairs": [], "wins": [], "forest_png": ""}
    macro = comp[comp.task == "macro"]
    pairs = [
        {
            "a": r.model_a,
            "b": r.model_b,
            "metric": r.metric.upper(),
            "diff": _ci(r.difference, r.lo, r.hi),
            "winner": r.winner,
        }
        for r in macro.itertuples()
    ]
    per_task = comp[(comp.task != "macro") & (comp.metric == "auroc") & (comp.winner != "tie")]
    wins = per_task.groupby("winner").size().sort_values(ascending=False)
    return {
        "pairs": pairs,
        "wins": [{"model": m, "wins": int(n)} for m, n in wins.items()],
        "n_task_pairs": int(((comp.task != "macro") & (comp.metric == "auroc")).sum()),
        "forest_png": fig.comparison_forest(comp, "auroc"),
    }


def _gallery(m: ms.ModelMotifs, background: np.ndarray, limit: int, qvalue: float) -> list[dict]:
    t = m.table[m.table.n_sites >= 1].copy()
    t["matched"] = t.match_qvalue < qvalue
    t["order"] = t.influence.fillna(-np.inf)
    t = t.sort_values(["matched", "order"], ascending=False).head(limit)
    out = []
    for r in t.itertuples():
        ppm = m.ppms.get(f"filter{r.filter}")
        if ppm is None:
            continue
        out.append(
            {
                "filter": r.filter,
                "logo": fig.logo(ppm, background),
                "consensus": r.consensus,
                "n_sites": r.n_sites,
                "ic": _fmt(r.ic, 2),
                "match": f"{r.match_id} {r.match_name}"
                if r.matched
                else ("no match" if r.status == "ok" else r.status),
                "qvalue": _fmt(r.match_qvalue, 2),
                "influence": _fmt(r.influence, 3),
            }
        )
    return out


def motif_section(inp: ReportInputs, background: np.ndarray) -> tuple[dict, list[ms.ModelMotifs]]:
    """Per-model motif summaries and galleries, the cross-model clusters."""
    loaded, models = [], []
    for model, folder in zip(inp.models, inp.motif_dirs):
        status = json.loads((Path(folder) / "status.json").read_text())
        mm = ms.read_model_motifs(model, folder, status["interpretable"])
        loaded.append(mm)
        models.append(
            {
                "model": model,
                "interpretable": status["interpretable"],
                "reason": status["reason"],
                "n_filters": status.get("n_filters", 0),
                "n_with_sites": status.get("n_with_sites", 0),
                "n_matched": status.get("n_matched", 0),
                "gallery": _gallery(mm, background, inp.logos_per_model, inp.qvalue) if status["interpretable"] else [],
            }
        )
    clusters = pd.read_csv(inp.clusters, sep="\t")
    interpretable = [m.model for m in loaded if m.interpretable]
    by_name = {m.model: m for m in loaded}
    rows = []
    for r in clusters.head(40).itertuples():
        model, filt = r.representative.split(":")
        present = set(str(r.models).split(","))
        rows.append(
            {
                "cluster": r.cluster,
                "label": r.label,
                "n_filters": r.n_filters,
                "presence": [m in present for m in interpretable],
                "shared": bool(r.shared_by_all),
                "logo": fig.logo(by_name[model].ppms[filt], background, r.representative),
            }
        )
    return {"models": models, "clusters": rows, "interpretable": interpretable, "n_clusters": len(clusters)}, loaded


def planted_section(path: str | None) -> dict | None:
    """Recovery of planted motifs per model (None when the data has none)."""
    if not path:
        return None
    t = pd.read_csv(path, sep="\t")
    rate = t.groupby("model", sort=False).recovered.mean()
    grid = []
    for (motif_id, name), g in t.groupby(["motif_id", "name"], sort=False):
        grid.append(
            {
                "motif": f"{motif_id} {name}",
                "cells": [(r.recovered, r.filters, _fmt(r.best_qvalue, 2)) for r in g.itertuples()],
            }
        )
    return {"models": list(rate.index), "rates": [f"{v:.0%}" for v in rate.values], "grid": grid}


def provenance_section(qc: dict, inp: ReportInputs) -> dict:
    prov = qc.get("provenance", {})
    rec = json.loads((Path(inp.motif_dirs[0]) / "status.json").read_text()) if inp.motif_dirs else {}
    packages = {**prov.get("packages", {}), **rec.get("packages", {})}
    inputs = [
        {"name": k, "path": v.get("path", ""), "md5": v.get("md5", ""), "source": v.get("source", "")}
        for k, v in prov.get("inputs", {}).items()
    ]
    return {
        "config_hash": inp.config_hash,
        "data_hash": prov.get("config_hash", ""),
        "packages": packages,
        "inputs": inputs,
        "database": inp.database,
    }


def settings_text(s: dict | None) -> str:
    """One line of a model's training settings (optimizer, lr, batch, hyperparameters changed)."""
    if not s:
        return ""
    text = f"{s['optimizer']} lr {s['lr']:g}, batch {s['batch_size']}, max {s['max_epochs']} epochs"
    return text + "".join(f", {k}={v}" for k, v in sorted(s.get("hparams", {}).items()))


def collect(inp: ReportInputs) -> dict:
    """Everything the template shows."""
    qc = json.loads(Path(inp.qc).read_text())
    comp = json.loads(Path(inp.composition).read_text())
    background = np.array([comp[b] for b in "ACGT"])
    histories = {m: pd.read_csv(h, sep="\t") for m, h in zip(inp.models, inp.histories)}
    motifs, _ = motif_section(inp, background)
    return {
        "provenance": provenance_section(qc, inp),
        "data": data_section(qc),
        "training": {
            "png": fig.training_curves(histories),
            "rows": [
                {
                    "model": m,
                    "epochs": len(h),
                    "best_epoch": int(h.epoch[h.valid_auprc.idxmax()]) if len(h) else 0,
                    "valid_auroc": _fmt(float(h.valid_auroc.max())),
                    "seconds": f"{h.seconds.sum():.0f}",
                    "settings": settings_text(inp.settings.get(m)),
                }
                for m, h in histories.items()
            ],
        },
        "metrics": metrics_section(inp),
        "comparison": comparison_section(inp.comparison),
        "motifs": motifs,
        "planted": planted_section(inp.planted),
        "background": {b: f"{comp[b]:.3f}" for b in "ACGT"},
        "qvalue": inp.qvalue,
    }


def render(context: dict, out_path: str) -> None:
    """Fill the template and write ``out_path`` atomically; refuses pages with external references."""
    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    page = env.from_string(TEMPLATE.read_text()).render(**context)
    external = external_references(page)
    if external:
        raise ValueError(f"the report would reference external resources: {external[:3]}")
    tmp = Path(f"{out_path}.part")
    tmp.write_text(page)
    tmp.replace(out_path)


def external_references(page: str) -> list[str]:
    """src/href/url() targets that are not data: URIs or in-page anchors."""
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", page)
    refs += re.findall(r"url\(\s*['\"]?([^)'\"]*)", page)
    return [html.unescape(r) for r in refs if not (r.startswith("data:") or r.startswith("#"))]
