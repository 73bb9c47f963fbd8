"""Report section of the attribution method: per model, the method used, the ISM check,
per task the MoDISco patterns (contribution logos, seqlets, JASPAR match) and attribution
tracks of the top windows, and planted-motif recovery by filter and by MoDISco.

Reads :data:`chromcnn.interpret.methods.ATTRIBUTION`'s report files (status.json,
patterns.tsv, modisco.h5, ism_check.tsv, contributions.h5, planted_recovery.tsv)
and the filter method's planted_recovery.tsv for the "found by" column.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from chromcnn.report import figures as fig
from chromcnn.report.inputs import ReportInputs, fmt, read_json
from chromcnn.report.render import render_block

METHOD = "attribution"
TRACKS_PER_TASK = 2
TRACK_WIDTH = 80
PATTERNS_PER_TASK = 6
MAX_MOTIFS = 40


def pattern_cards(modisco_h5: str, table: pd.DataFrame, task: str) -> list[dict]:
    """Logo cards of a task's MoDISco patterns (trimmed CWM), most seqlets first."""
    rows = table[table.task == task].sort_values("n_seqlets", ascending=False).head(PATTERNS_PER_TASK)
    out = []
    with h5py.File(modisco_h5, "r") as h5:
        for r in rows.itertuples():
            cwm = h5[f"{task}/{r.sign}_patterns/{r.pattern}/cwm_trimmed"][:]
            matched = isinstance(r.match_id, str) and r.match_id
            out.append(
                {
                    "name": f"{r.sign}.{r.pattern}",
                    "logo": fig.contribution_logo(cwm),
                    "n_seqlets": int(r.n_seqlets),
                    "consensus": r.consensus,
                    "match": f"{r.match_id} {r.match_name} (q {fmt(r.match_qvalue, 2)})" if matched else "no match",
                }
            )
    return out


def seqlet_spans(modisco_h5: str, task: str) -> dict[int, list[tuple[int, int]]]:
    """Window index (within the task's positives) -> seqlet [start, end) of its patterns."""
    spans: dict[int, list[tuple[int, int]]] = {}
    with h5py.File(modisco_h5, "r") as h5:
        if task not in h5:
            return spans
        for sign in ("pos_patterns", "neg_patterns"):
            for pat in h5[task].get(sign, {}).values():
                s = pat["seqlets"]
                for i, a, b in zip(s["example_idx"][:], s["start"][:], s["end"][:]):
                    spans.setdefault(int(i), []).append((int(a), int(b)))
    return spans


def tracks(contrib_h5: str, modisco_h5: str, task: str) -> list[dict]:
    """Attribution logos of the task's windows with the largest total contribution, seqlets shaded."""
    with h5py.File(contrib_h5, "r") as h5:
        if task not in h5:
            return []
        c = h5[f"{task}/contributions"][:]
        chrom, start = h5[f"{task}/chrom"].asstr()[:], h5[f"{task}/start"][:]
    spans = seqlet_spans(modisco_h5, task)
    out = []
    for i in np.argsort(-c.sum(axis=(1, 2)))[:TRACKS_PER_TASK]:
        per_base = np.abs(c[i]).sum(axis=0)
        centre = int(np.argmax(np.convolve(per_base, np.ones(20), "same")))
        lo = max(0, min(centre - TRACK_WIDTH // 2, c.shape[2] - TRACK_WIDTH))
        hi = lo + TRACK_WIDTH
        marks = [(max(a, lo) - lo, min(b, hi) - lo) for a, b in spans.get(int(i), []) if a < hi and b > lo]
        where = f"{chrom[i]}:{start[i] + lo}-{start[i] + hi}"
        out.append({"where": where, "logo": fig.contribution_logo(c[i][:, lo:hi], where, marks)})
    return out


def model_context(model: str, status: dict, patterns: str, modisco: str, ism: str, contributions: str) -> dict:
    """One model's block: method, reason, flags, ISM rows and per-task patterns and tracks."""
    ctx = {
        "model": model,
        "method": status["method"] or "none",
        "reason": status["reason"],
        "applicable": status["applicable"],
        "skipped": status.get("skipped_tasks", {}),
        "flagged": status.get("flagged_tasks", []),
        "ism": [],
        "tasks": [],
    }
    if not status["applicable"]:
        return ctx
    for r in pd.read_csv(ism, sep="\t").itertuples():
        ctx["ism"].append(
            {"task": r.task, "r": fmt(r.ism_pearson_mean, 2), "delta": fmt(r.delta_relative, 2), "flag": r.flagged}
        )
    table = pd.read_csv(patterns, sep="\t")
    for task in status["n_windows"]:
        ctx["tasks"].append(
            {
                "task": task,
                "skipped": ctx["skipped"].get(task, ""),
                "patterns": pattern_cards(modisco, table, task),
                "tracks": tracks(contributions, modisco, task),
            }
        )
    return ctx


def found_by(filters: pd.DataFrame, modisco: pd.DataFrame) -> dict:
    """Per planted motif and model: found by ``filter``, ``MoDISco``, ``both`` or nobody."""
    key = ["motif_id", "name", "model"]
    cols = key + ["recovered"]
    merged = filters[cols].merge(modisco[cols], on=key, how="outer", suffixes=("_f", "_m"))
    merged = merged.fillna({"recovered_f": False, "recovered_m": False})
    label = {(True, True): "both", (True, False): "filter", (False, True): "MoDISco", (False, False): "-"}
    merged["by"] = [label[(bool(f), bool(m))] for f, m in zip(merged.recovered_f, merged.recovered_m)]
    models = list(dict.fromkeys(merged.model))
    grid = [
        {"motif": f"{mid} {name}", "cells": [g.set_index("model").by.get(m, "-") for m in models]}
        for (mid, name), g in merged.groupby(["motif_id", "name"], sort=False)
    ]
    rates = [f"{int(modisco[modisco.model == m].recovered.sum())}/{int((modisco.model == m).sum())}" for m in models]
    off = modisco.groupby("model").n_off_family.first().to_dict() if "n_off_family" in modisco else {}
    return {"models": models, "grid": grid, "rates": rates, "off": [off.get(m, 0) for m in models]}


def presence(filters: dict[str, pd.DataFrame], patterns: dict[str, pd.DataFrame], qvalue: float) -> dict:
    """Per matched database motif and model: found by ``filter``, ``MoDISco``, ``both`` (or ``-``).

    ``filters``: model -> filters.tsv (best match per filter); ``patterns``: model -> patterns.tsv.
    A motif counts for a method when it is the best match (q < ``qvalue``) of one of its filters/patterns.
    """
    found: dict[tuple[str, str], dict[str, set]] = {}
    for how, tables in (("filter", filters), ("MoDISco", patterns)):
        for model, t in tables.items():
            hit = t[(t.match_id.fillna("") != "") & (t.match_qvalue < qvalue)]
            for r in hit.itertuples():
                found.setdefault((r.match_id, r.match_name), {}).setdefault(model, set()).add(how)
    models = list(dict.fromkeys([*filters, *patterns]))
    label = {frozenset({"filter"}): "filter", frozenset({"MoDISco"}): "MoDISco"}
    rows = [
        {
            "motif": f"{mid} {name}",
            "cells": [label.get(frozenset(by.get(m, ())), "both") if m in by else "-" for m in models],
        }
        for (mid, name), by in sorted(found.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]
    return {"models": models, "rows": rows[:MAX_MOTIFS]}


def attribution(inp: ReportInputs) -> str | None:
    """Section "Attribution and TF-MoDISco"."""
    files = inp.interpret.get(METHOD)
    if not files:
        return None
    models = []
    names = [Path(p).parent.name for p in files["status"]]  # results/interpret/attribution/{model}/status.json
    for i, model in enumerate(names):  # interpret.attribution.models may choose a subset of the models
        per = {k: files[k][i] for k in ("status", "patterns", "modisco", "ism", "contributions")}
        models.append(model_context(model, read_json(per.pop("status")), **per))
    filters = {}
    if "filters" in inp.interpret:
        for model, path in zip(inp.models, inp.method_files("filters", "status")):
            filters[model] = pd.read_csv(Path(path).parent / "filters.tsv", sep="\t")
    patterns = {m: pd.read_csv(p, sep="\t") for m, p in zip(names, files["patterns"])}
    across = presence(filters, patterns, inp.qvalue)
    recovery = None
    if inp.has_planted and Path(files["planted"]).stat().st_size:
        modisco = pd.read_csv(files["planted"], sep="\t")
        filters = pd.read_csv(inp.method_files("filters", "planted"), sep="\t")
        recovery = found_by(filters, modisco) if len(modisco) else None
    return render_block(
        "attribution", models=models, recovery=recovery, across=across, database=inp.database, qvalue=inp.qvalue
    )
