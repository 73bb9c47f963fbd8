"""Report sections of the pipeline's stages: provenance, data QC, training, test metrics, comparison.

Each section is a ``*_context`` function (plain data in, a dict of table rows
and inline figures out; unit-testable without files) and a function of
:class:`~chromcnn.report.inputs.ReportInputs` that reads the files and returns
the section's HTML fragment.
"""

from __future__ import annotations

import pandas as pd

from chromcnn.config.settings import TrainSettings, best_epoch, stopped_early
from chromcnn.evaluation import metrics as ev
from chromcnn.evaluation.compare import MEAN_PROFILE, ORACLE, ORACLE_LABEL
from chromcnn.evaluation.profile import is_profile
from chromcnn.evaluation.stats import variant_of
from chromcnn.report import figures as fig
from chromcnn.report.inputs import ReportInputs, ci, fmt, read_json
from chromcnn.report.render import render_block
from chromcnn.report.signal_sections import is_signal, prediction_meta, signal_metrics


def _first_status(inp: ReportInputs) -> dict:
    """status.json of the first model's first-layer filters (it records the motif packages)."""
    paths = inp.interpret.get("filters", {}).get("status", [])
    return read_json(paths[0]) if paths else {}


def outside_code_rows(outside: dict[str, list[dict] | None]) -> list[dict[str, str]]:
    """Table rows (model, role, path, md5) of each model's outside code; one "none" or "not recorded" row."""
    rows = []
    for model, files in outside.items():
        if files is None:
            rows.append({"model": model, "role": "not recorded", "path": "", "md5": ""})
        elif not files:
            rows.append({"model": model, "role": "none (registry architecture)", "path": "", "md5": ""})
        rows += [{"model": model, **{k: f.get(k, "") for k in ("role", "path", "md5")}} for f in files or []]
    return rows


def provenance_context(
    qc: dict, status: dict, composition: dict, inp: ReportInputs, outside: dict[str, list[dict] | None] | None = None
) -> dict:
    """Config hashes, input files with md5 and source, code and package versions, outside code, background.

    ``outside`` is model -> the ``outside_code`` of its evaluation record (None: not recorded).
    """
    prov = qc.get("provenance", {})
    inputs = [
        {"name": k, "path": v.get("path", ""), "md5": v.get("md5", ""), "source": v.get("source", "")}
        for k, v in prov.get("inputs", {}).items()
    ]
    return {
        "config_hash": inp.config_hash,
        "data_hash": prov.get("config_hash", ""),
        "packages": {**prov.get("packages", {}), **status.get("packages", {})},
        "inputs": inputs,
        "outside_code": outside_code_rows(outside or {}),
        "database": inp.database,
        "background": {b: f"{composition[b]:.3f}" for b in "ACGT"},
    }


def provenance(inp: ReportInputs) -> str:
    """Section "Inputs and provenance"; outside code from each model's predictions.npz record."""
    outside = {m: prediction_meta(path).get("outside_code") for m, path in zip(inp.models, inp.predictions)}
    ctx = provenance_context(read_json(inp.qc), _first_status(inp), read_json(inp.composition), inp, outside)
    return render_block("provenance", provenance=ctx)


def _dropped(rec: dict) -> str:
    reasons = [
        f"{k.removeprefix('dropped_').replace('_', ' ')}: {v}"
        for k, v in rec.items()
        if k.startswith("dropped_") and isinstance(v, int) and v
    ]
    return ", ".join(reasons) or "none"


def data_context(qc: dict) -> dict:
    """Data QC (qc.json): peak counts, windows, splits, co-occurrence, GC."""
    peaks = [
        {
            "cell_type": name,
            "format": rec.get("format", ""),
            "read": rec["read"],
            "kept": rec["kept"],
            "dropped": _dropped(rec),
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


def data(inp: ReportInputs) -> str:
    """Section "Data QC"."""
    return render_block("data", data=data_context(read_json(inp.qc)))


def settings_text(s: dict | None, model: str = "") -> str:
    """One line of a model's training settings (architecture when the model is a variant named otherwise,
    optimizer, lr, batch, hyperparameters changed)."""
    if not s:
        return ""
    arch = f"{s['arch']}: " if model and s.get("arch") and variant_of(model) != s["arch"] else ""
    text = f"{arch}{s['optimizer']} lr {s['lr']:g}, batch {s['batch_size']}, max {s['max_epochs']} epochs"
    return text + "".join(f", {k}={v}" for k, v in sorted(s.get("hparams", {}).items()))


def convergence_text(rows: list[dict], s: dict | None) -> str:
    """ "early stopping" or "not converged: ..." (the run stopped at max_epochs, early stopping did not trigger)."""
    if not s or not rows:
        return ""
    if stopped_early(rows, s):
        return "yes (early stopping)"
    if not s.get("early_stopping", True):
        return f"not converged: early stopping off, stopped at max_epochs ({len(rows)})"
    patience = s.get("patience", TrainSettings.patience)
    return f"not converged: stopped at max_epochs ({len(rows)}), improving within the last {patience} epochs"


def training_context(histories: dict[str, pd.DataFrame], settings: dict) -> dict:
    """Training curves and one row per model: epochs, the saved (best) epoch and its validation
    AUROC, whether early stopping ended the run, time, settings. The best epoch is the trainer's
    (``config.settings.best_epoch`` on the model's ``monitor``), so the row describes the weights
    in ``model.pt``."""
    rows = []
    for m, h in histories.items():
        s = settings.get(m) or {}
        records = h.to_dict("records")
        best = best_epoch(records, s.get("monitor", "valid_auprc"))
        saved = h[h.epoch == best]
        column = "valid_pearson" if "valid_pearson" in h else "valid_auroc"  # signal mode: Pearson
        rows.append(
            {
                "model": m,
                "epochs": len(h),
                "best_epoch": best,
                "valid_score": fmt(float(saved[column].iloc[0])) if len(saved) else fmt(float("nan")),
                "converged": convergence_text(records, s),
                "not_converged": bool(s) and not stopped_early(records, s),
                "seconds": f"{h.seconds.sum():.0f}",
                "settings": settings_text(s, m),
            }
        )
    signal = any("valid_pearson" in h for h in histories.values())
    return {"png": fig.training_curves(histories), "rows": rows, "score": "Pearson" if signal else "AUROC"}


def training(inp: ReportInputs) -> str:
    """Section "Training"."""
    histories = {m: pd.read_csv(h, sep="\t") for m, h in zip(inp.models, inp.histories)}
    return render_block("training", training=training_context(histories, inp.settings))


def summary_rows(summary: pd.DataFrame) -> list[dict]:
    """summary.tsv rows: macro and micro AUROC / AUPRC with intervals; the oracle's row labelled."""
    return [
        {
            "model": ORACLE_LABEL if r.model == ORACLE else r.model,
            "oracle": r.model == ORACLE,
            "macro_auroc": ci(r.macro_auroc, r.macro_auroc_lo, r.macro_auroc_hi),
            "macro_auprc": ci(r.macro_auprc, r.macro_auprc_lo, r.macro_auprc_hi),
            "micro_auroc": ci(r.micro_auroc, r.micro_auroc_lo, r.micro_auroc_hi),
            "micro_auprc": ci(r.micro_auprc, r.micro_auprc_lo, r.micro_auprc_hi),
            "n_tasks": r.n_tasks_defined,
        }
        for r in summary.itertuples()
    ]


def model_metrics(model: str, metrics_path: str, predictions_path: str) -> dict:
    """One model's per-task table (metrics.tsv), ROC / PR curves and calibration (predictions.npz)."""
    table = pd.read_csv(metrics_path, sep="\t", keep_default_na=False, na_values=["NA"])
    _, y, probs, meta = ev.load_replicates(predictions_path)
    calib, ece = fig.calibration(y, probs)
    tasks = [
        {
            "task": r.task,
            "n_pos": r.n_pos,
            "n_neg": r.n_neg,
            "prevalence": f"{r.prevalence:.3f}",
            "auroc": ci(r.auroc, r.auroc_lo, r.auroc_hi),
            "auprc": ci(r.auprc, r.auprc_lo, r.auprc_hi),
            "ece": fmt(getattr(r, "ece", float("nan")), 3),
            "reason": r.reason if isinstance(r.reason, str) else "",
        }
        for r in table.itertuples()
    ]
    return {
        "model": model,
        "block_bp": meta.get("block_bp"),
        "n_blocks": meta.get("n_blocks"),
        "tasks": tasks,
        "curves_png": fig.roc_pr(y, probs, meta["tasks"]),
        "calibration_png": calib,
        "ece": ece,
        "rc_average": meta.get("rc_average", False),
    }


def block_label(block_bp: int | None, n_blocks: int | None) -> str:
    """'1 Mb (12 blocks)', '100 kb' (count unknown), or '' for the i.i.d. bootstrap."""
    if not block_bp:
        return ""
    size = f"{block_bp / 1e6:g} Mb" if block_bp >= 1_000_000 else f"{block_bp / 1e3:g} kb"
    return f"{size} ({n_blocks} blocks)" if n_blocks else size


def metrics(inp: ReportInputs) -> str | None:
    """Section "Test metrics": the summary table (with the planted-motif oracle's row when the data
    has planted motifs), then each model's (and the oracle's) tasks, curves and calibration.
    Profile models have theirs in the section "Profiles" (:mod:`chromcnn.report.profile_sections`)."""
    if inp.predictions and is_profile(inp.predictions[0]):
        return None
    if is_signal(inp):
        meta = prediction_meta(inp.predictions[0])
        return signal_metrics(inp, block_label(meta.get("block_bp"), meta.get("n_blocks")))
    rows = summary_rows(pd.read_csv(inp.summary, sep="\t"))
    per_model = [model_metrics(*args) for args in zip(inp.models, inp.metrics, inp.predictions)]
    if inp.oracle:
        per_model.append(model_metrics(ORACLE_LABEL, inp.oracle["metrics"], inp.oracle["predictions"]))
    models = [r["model"] for r in rows if not r["oracle"]]
    ctx = {"summary": rows, "per_model": per_model, "best": models[0] if models else "", "oracle": bool(inp.oracle)}
    ctx["block_bp"] = block_label(per_model[0]["block_bp"], per_model[0]["n_blocks"]) if per_model else ""
    return render_block("metrics", metrics=ctx)


def oracle_gaps(comp: pd.DataFrame) -> list[dict]:
    """Macro ``model - oracle`` differences with their paired intervals (comparison.tsv rows with the oracle)."""
    rows = []
    for r in comp[(comp.task == "macro") & ((comp.model_a == ORACLE) | (comp.model_b == ORACLE))].itertuples():
        sign = -1 if r.model_a == ORACLE else 1  # comparison.tsv has the better row first
        diff, lo, hi = (r.difference, r.lo, r.hi) if sign == 1 else (-r.difference, -r.hi, -r.lo)
        model = r.model_b if r.model_a == ORACLE else r.model_a
        rows.append({"model": model, "metric": r.metric.upper(), "gap": ci(diff, lo, hi)})
    return rows


#: the training settings whose difference between two models makes their comparison one of budgets too.
BUDGET_KEYS = ("max_epochs", "lr", "batch_size", "optimizer")
METHOD_NAMES = {"bh": "Benjamini-Hochberg (false discovery rate)", "holm": "Holm (family-wise error)", "none": "none"}


def budget_differences(models: list[str], settings: dict) -> list[dict]:
    """The budget settings (:data:`BUDGET_KEYS`) that differ between ``models``, with each model's value."""
    known = [m for m in models if settings.get(m)]
    out = []
    for key in BUDGET_KEYS:
        values = {m: settings[m].get(key) for m in known}
        if len({str(v) for v in values.values()}) > 1:
            out.append(
                {
                    "key": key,
                    "values": ", ".join(
                        f"{m} {v:g}" if isinstance(v, float) else f"{m} {v}" for m, v in values.items()
                    ),
                }
            )
    return out


def seed_context(seeds: pd.DataFrame | None, variants: pd.DataFrame | None) -> dict:
    """Rows of seeds.tsv (variants with several seeds) and of variant_comparison.tsv's macro rows."""
    if seeds is None or seeds.empty or seeds.n_seeds.max() < 2:
        return {"seed_rows": [], "variant_pairs": []}
    seed_rows = [
        {
            "variant": r.variant,
            "n": r.n_seeds,
            **{
                m: f"{getattr(r, f'macro_{m}_mean'):.3f} ± {getattr(r, f'macro_{m}_sd'):.3f}"
                f" ({getattr(r, f'macro_{m}_min'):.3f}-{getattr(r, f'macro_{m}_max'):.3f})"
                for m in ("auroc", "auprc")
            },
        }
        for r in seeds.itertuples()
    ]
    macro = variants[variants.task == "macro"] if variants is not None else pd.DataFrame()
    pairs = [
        {
            "a": r.variant_a,
            "b": r.variant_b,
            "metric": r.metric.upper(),
            "diff": ci(r.difference, r.lo, r.hi),
            "p": fmt(r.p_adjusted),
            "winner": r.winner,
        }
        for r in macro.itertuples()
    ]
    return {"seed_rows": seed_rows, "variant_pairs": pairs}


def comparison_context(
    comp: pd.DataFrame,
    settings: dict | None = None,
    method: str = "bh",
    seeds: pd.DataFrame | None = None,
    variants: pd.DataFrame | None = None,
) -> dict:
    """Paired differences between models (comparison.tsv), per-task winners among them after
    multiple-testing control (``method``; the uncorrected count beside it), the budgets that differ
    between the models compared, each model's gap to the planted-motif oracle (whose pairs are neither
    pairs nor wins), and, with several seeds, each variant over its seeds."""
    gaps = oracle_gaps(comp)
    common = {"oracle_gaps": gaps, "oracle_label": ORACLE_LABEL, "method": METHOD_NAMES.get(method, method)}
    common |= seed_context(seeds, variants)
    comp = comp[~comp.model_a.isin((ORACLE, MEAN_PROFILE)) & ~comp.model_b.isin((ORACLE, MEAN_PROFILE))]
    if comp.empty:
        return {"pairs": [], "wins": [], "forest_png": "", "budgets": [], **common}
    macro = comp[comp.task == "macro"]
    pairs = [
        {
            "a": r.model_a,
            "b": r.model_b,
            "metric": r.metric.upper(),
            "diff": ci(r.difference, r.lo, r.hi),
            "winner": r.winner,
        }
        for r in macro.itertuples()
    ]
    # signal mode: Pearson; profile mode: the per-window correlation across bins
    primary = next(m for m in ("window_pearson", "pearson", "auroc") if m in set(comp.metric))
    tasks = comp[(comp.task != "macro") & (comp.metric == primary)]
    wins = tasks[tasks.winner != "tie"].groupby("winner").size().sort_values(ascending=False)
    models = sorted(set(comp.model_a) | set(comp.model_b))
    return {
        "pairs": pairs,
        "wins": [{"model": m, "wins": int(n)} for m, n in wins.items()],
        "n_task_pairs": len(tasks),
        "n_uncorrected": int(((tasks.lo > 0) | (tasks.hi < 0)).sum()),
        "forest_png": fig.comparison_forest(comp, primary),
        "budgets": budget_differences(models, settings or {}),
        **common,
    }


def _table(path: str) -> pd.DataFrame | None:
    return pd.read_csv(path, sep="\t") if path else None


def comparison(inp: ReportInputs) -> str:
    """Section "Architecture comparison"."""
    ctx = comparison_context(
        pd.read_csv(inp.comparison, sep="\t"),
        inp.settings,
        inp.multiple_testing,
        _table(inp.seeds),
        _table(inp.variants),
    )
    return render_block("comparison", comparison=ctx)
