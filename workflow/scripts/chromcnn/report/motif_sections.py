"""Report sections of the first-layer filter method: per-model galleries, clusters, planted motifs.

They read the method's report files (``inp.method_files("filters", key)``, see
:data:`chromcnn.interpret.methods.FILTERS`): each model's ``status.json`` and
folder (filters.tsv, matches.tsv, filters.meme), ``clusters.tsv`` and
``planted_recovery.tsv``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from chromcnn.interpret import motif_sets as ms
from chromcnn.interpret.motifs import read_background
from chromcnn.report import figures as fig
from chromcnn.report.inputs import ReportInputs, fmt, read_json
from chromcnn.report.render import render_block

METHOD = "filters"
#: clusters shown in the "across architectures" table (the largest first).
MAX_CLUSTERS = 40


def load_models(inp: ReportInputs) -> list[tuple[dict, ms.ModelMotifs]]:
    """(status.json, filters.tsv / matches.tsv / filters.meme) of every model, in ``inp.models`` order."""
    out = []
    for model, path in zip(inp.models, inp.method_files(METHOD, "status")):
        status = read_json(path)
        out.append((status, ms.read_model_motifs(model, Path(path).parent, status["interpretable"])))
    return out


def gallery(m: ms.ModelMotifs, bg: np.ndarray, limit: int, qvalue: float) -> list[dict]:
    """Logo cards of up to ``limit`` filters with sites: matched first, then by influence."""
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
                "logo": fig.logo(ppm, bg),
                "consensus": r.consensus,
                "n_sites": r.n_sites,
                "ic": fmt(r.ic, 2),
                "match": f"{r.match_id} {r.match_name}"
                if r.matched
                else ("no match" if r.status == "ok" else r.status),
                "qvalue": fmt(r.match_qvalue, 2),
                "influence": fmt(r.influence, 3),
            }
        )
    return out


def motifs_context(loaded: list[tuple[dict, ms.ModelMotifs]], bg: np.ndarray, limit: int, qvalue: float) -> list[dict]:
    """One summary (filter counts, or why not interpreted) and gallery per model."""
    return [
        {
            "model": mm.model,
            "interpretable": status["interpretable"],
            "reason": status["reason"],
            "n_filters": status.get("n_filters", 0),
            "n_with_sites": status.get("n_with_sites", 0),
            "n_matched": status.get("n_matched", 0),
            "gallery": gallery(mm, bg, limit, qvalue) if status["interpretable"] else [],
        }
        for status, mm in loaded
    ]


def motifs(inp: ReportInputs) -> str:
    """Section "First-layer motifs"."""
    models = motifs_context(load_models(inp), read_background(inp.composition), inp.logos_per_model, inp.qvalue)
    return render_block("motifs", models=models, database=inp.database, qvalue=inp.qvalue)


def shared_context(
    clusters: pd.DataFrame, loaded: list[ms.ModelMotifs], bg: np.ndarray, patterns: list[ms.ModelPatterns] = ()
) -> dict:
    """The largest clusters of filters and MoDISco patterns across models: label, size, method per model, logo.

    ``presence`` holds, per model column (interpretable models, then attributed
    ones), ``filter``, ``MoDISco``, ``both`` or "" (not found); a clusters.tsv
    written before the patterns joined (no ``found_by``) counts as ``filter``.
    """
    interpretable = [m.model for m in loaded if m.interpretable]
    columns = list(dict.fromkeys([*interpretable, *(p.model for p in patterns)]))
    ppms = {f"{m.model}:{name}": ppm for m in loaded for name, ppm in m.ppms.items()}
    ppms.update({f"{p.model}:modisco:{label}": ppm for p in patterns for label, ppm in p.ppms.items()})
    rows = []
    for r in clusters.head(MAX_CLUSTERS).itertuples():
        by = getattr(r, "found_by", None)
        if isinstance(by, str) and by:
            found = dict(item.rsplit(":", 1) for item in by.split(","))
        else:
            found = dict.fromkeys(str(r.models).split(","), "filter")
        rows.append(
            {
                "cluster": r.cluster,
                "label": r.label,
                "n_filters": r.n_filters,
                "n_patterns": int(getattr(r, "n_patterns", 0) or 0),
                "presence": [found.get(m, "") for m in columns],
                "shared": bool(r.shared_by_all),
                "logo": fig.logo(ppms[r.representative], bg, r.representative),
            }
        )
    return {"clusters": rows, "interpretable": columns, "n_clusters": len(clusters)}


def load_patterns(inp: ReportInputs) -> list[ms.ModelPatterns]:
    """The MoDISco patterns of every attributed model (none when the attribution method is not in the report)."""
    files = inp.interpret.get("attribution") or {}
    return [ms.read_model_patterns(Path(p).parent.name, p) for p in files.get("patterns", [])]


def shared(inp: ReportInputs) -> str:
    """Section "Motifs across architectures"."""
    clusters = pd.read_csv(inp.method_files(METHOD, "clusters"), sep="\t")
    loaded = [mm for _, mm in load_models(inp)]
    ctx = shared_context(clusters, loaded, read_background(inp.composition), load_patterns(inp))
    return render_block("shared", motifs=ctx, qvalue=inp.qvalue)


def planted_context(recovery: pd.DataFrame, specificity: pd.DataFrame | None = None) -> dict:
    """Recovery of each planted motif per model (planted_recovery.tsv), each model's rate, and specificity.

    ``specificity`` (planted_specificity.tsv) gives one row per model and
    weights: recall, off-family false positives and the untrained null.
    """
    rate = recovery.groupby("model", sort=False).recovered.mean()
    grid = [
        {
            "motif": f"{motif_id} {name}",
            "cells": [
                (r.recovered, r.filters, fmt(r.best_qvalue, 2), "" if pd.isna(r.best_rank) else int(r.best_rank))
                for r in g.itertuples()
            ],
        }
        for (motif_id, name), g in recovery.groupby(["motif_id", "name"], sort=False)
    ]
    rows = []
    if specificity is not None and len(specificity):
        by = {(r.model, r.weights): r for r in specificity.itertuples()}
        for model in dict.fromkeys(specificity.model):
            t, u = by.get((model, "trained")), by.get((model, "untrained"))
            rows.append(
                {
                    "model": model,
                    "recall": f"{t.n_recovered}/{t.n_planted}" if t else "NA",
                    "off_family": f"{t.n_off_family} ids ({t.n_off_family_filters} filters)" if t else "NA",
                    "off_ids": str(t.off_family_ids) if t and isinstance(t.off_family_ids, str) else "",
                    "null_recall": f"{u.n_recovered}/{u.n_planted}" if u else "not run",
                    "null_off_family": f"{u.n_off_family} ids ({u.n_off_family_filters} filters)" if u else "not run",
                }
            )
    return {"models": list(rate.index), "rates": [f"{v:.0%}" for v in rate.values], "grid": grid, "specificity": rows}


def planted(inp: ReportInputs) -> str | None:
    """Section "Planted motifs (ground truth)"; None (no section) when the data has no planted motifs."""
    if not inp.has_planted:
        return None
    recovery = pd.read_csv(inp.method_files(METHOD, "planted"), sep="\t")
    specificity = pd.read_csv(inp.method_files(METHOD, "specificity"), sep="\t")
    return render_block("planted", planted=planted_context(recovery, specificity), qvalue=inp.qvalue)
