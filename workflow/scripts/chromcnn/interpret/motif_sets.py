"""Motifs across models: clusters of similar filters, and recovery of planted motifs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from chromcnn.errors import InputError
from chromcnn.interpret import motifs as mtf
from chromcnn.interpret import specificity as sp

CLUSTER_COLUMNS = ["cluster", "label", "n_filters", "n_models", "models", "shared_by_all", "representative", "members"]
PLANTED_COLUMNS = [
    "motif_id",
    "name",
    "model",
    "recovered",
    "n_filters",
    "filters",
    "best_qvalue",
    "best_rank",
    "untrained_recovered",
    "untrained_n_filters",
]
SPECIFICITY_COLUMNS = [
    "model",
    "weights",
    "n_planted",
    "n_recovered",
    "recall",
    "n_off_family",
    "n_off_family_filters",
    "off_family_ids",
]


@dataclass
class ModelMotifs:
    """The motif outputs of one model (results/motifs/{model}/)."""

    model: str
    interpretable: bool
    table: pd.DataFrame
    matches: pd.DataFrame
    ppms: dict[str, np.ndarray]
    #: matches.tsv of the untrained model of the same architecture; None when it was not run.
    untrained: pd.DataFrame | None = None


def read_model_motifs(model: str, folder: str | Path, interpretable: bool, untrained: bool = False) -> ModelMotifs:
    """filters.tsv, matches.tsv and filters.meme of one model (and untrained_matches.tsv when ``untrained``)."""
    folder = Path(folder)
    table = pd.read_csv(folder / "filters.tsv", sep="\t", keep_default_na=True)
    matches = pd.read_csv(folder / "matches.tsv", sep="\t")
    ppms = mtf.read_meme(folder / "filters.meme") if (folder / "filters.meme").stat().st_size else {}
    null = pd.read_csv(folder / "untrained_matches.tsv", sep="\t") if untrained and interpretable else None
    return ModelMotifs(model, interpretable, table, matches, ppms, null)


def informative_filters(models: list[ModelMotifs], min_ic: float) -> list[tuple[str, int, np.ndarray]]:
    """(model, filter, PPM) of every filter whose trimmed PWM carries at least ``min_ic`` bits."""
    out = []
    for m in models:
        for row in m.table.itertuples():
            name = f"filter{row.filter}"
            if name in m.ppms and str(row.status) == "ok" and np.isfinite(row.ic) and row.ic >= min_ic:
                out.append((m.model, int(row.filter), m.ppms[name]))
    return out


def _link(q: np.ndarray, threshold: float) -> np.ndarray:
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    d = np.minimum(q, q.T)
    np.fill_diagonal(d, 0.0)
    if len(d) == 1:
        return np.array([1])
    return fcluster(linkage(squareform(d, checks=False), method="average"), t=threshold, criterion="distance")


def cluster(
    models: list[ModelMotifs], db: mtf.MotifDatabase, qvalue: float, min_ic: float, threads: int = 1
) -> pd.DataFrame:
    """Group the informative filters of all models by Tomtom similarity.

    Each filter is compared with every other filter and with every database
    motif (the database makes Tomtom's null distribution stable when there are
    few filters); q-values are BH-adjusted per query over all targets. The
    distance of two filters is the smaller of their two q-values; clusters are
    cut from an average-linkage tree at ``qvalue``.
    """
    entries = informative_filters(models, min_ic)
    if not entries:
        return pd.DataFrame(columns=CLUSTER_COLUMNS)
    ppms = [e[2] for e in entries]
    _, q = mtf.tomtom(ppms, ppms + db.ppms, threads)
    labels = _link(q[:, : len(ppms)], qvalue)
    best = {(m.model, int(r.filter)): r for m in models for r in m.table.itertuples()}
    interpretable = sorted(m.model for m in models if m.interpretable)
    rows = []
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        members = [entries[i] for i in idx]
        names = [best[(mo, f)].match_name for mo, f, _ in members if best[(mo, f)].match_qvalue < qvalue]
        label = Counter(names).most_common(1)[0][0] if names else "unmatched"
        rep = max(members, key=lambda e: best[(e[0], e[1])].ic)
        present = sorted({mo for mo, _, _ in members})
        rows.append(
            {
                "label": label,
                "n_filters": len(members),
                "n_models": len(present),
                "models": ",".join(present),
                "shared_by_all": present == interpretable,
                "representative": f"{rep[0]}:filter{rep[1]}",
                "members": ",".join(f"{mo}:filter{f}" for mo, f, _ in members),
            }
        )
    frame = pd.DataFrame(rows).sort_values(["n_models", "n_filters"], ascending=False, kind="stable")
    frame.insert(0, "cluster", range(1, len(frame) + 1))
    return frame[CLUSTER_COLUMNS].reset_index(drop=True)


def read_planted(path: str | Path, db: mtf.MotifDatabase) -> pd.DataFrame:
    """Planted motifs (columns motif_id and optionally name); every id must be in ``db``."""
    table = pd.read_csv(path, sep="\t", comment="#")
    if "motif_id" not in table.columns:
        raise InputError("no motif_id column", "give a TSV with a header line containing motif_id", path=str(path))
    for i, motif_id in enumerate(table.motif_id):
        if motif_id not in db.ids:
            raise InputError(
                f"planted motif {motif_id} is not in {db.release}",
                "use ids of the configured motif database (motifs.jaspar_release or motifs.database)",
                path=str(path),
                line=i + 2,
            )
    if "name" not in table.columns:
        table["name"] = [db.names[db.index(m)] for m in table.motif_id]
    return table


def _hits(matches: pd.DataFrame, motif_id: str, rule: sp.MatchRule) -> pd.DataFrame:
    keep = (matches.match_id == motif_id) & (matches.qvalue < rule.qvalue) & (matches["rank"] <= rule.max_rank)
    return matches[keep]


def planted_recovery(planted: pd.DataFrame, models: list[ModelMotifs], rule: sp.MatchRule) -> pd.DataFrame:
    """For each planted motif and model: the filters that match it, trained and untrained.

    A filter recovers a planted id when the match counts (matches.tsv holds only
    hits whose alignment passes ``rule``'s floors), q < ``rule.qvalue``, and the
    id is among the filter's ``rule.max_rank`` best counted matches: JASPAR holds
    several matrices per family (FOXA1/FOXA2/Foxo1, CEBPB/CEBPE/CEBPG), so the
    planted one need not be first, but a CTCF filter whose 7th match is
    GATA1::TAL1 at q 0.04 has not learned GATA1::TAL1. ``best_rank`` is the
    planted id's best rank over those filters; ``untrained_*`` are the same
    for the untrained model (NA when it was not run).
    """
    rows = []
    for motif in planted.itertuples():
        for m in models:
            hits = _hits(m.matches, motif.motif_id, rule)
            null = _hits(m.untrained, motif.motif_id, rule) if m.untrained is not None else None
            rows.append(
                {
                    "motif_id": motif.motif_id,
                    "name": motif.name,
                    "model": m.model,
                    "recovered": bool(len(hits)),
                    "n_filters": int(hits["filter"].nunique()),
                    "filters": ",".join(f"filter{f}" for f in sorted(hits["filter"].unique())),
                    "best_qvalue": float(hits.qvalue.min()) if len(hits) else np.nan,
                    "best_rank": int(hits["rank"].min()) if len(hits) else pd.NA,
                    "untrained_recovered": bool(len(null)) if null is not None else pd.NA,
                    "untrained_n_filters": int(null["filter"].nunique()) if null is not None else pd.NA,
                }
            )
    return pd.DataFrame(rows, columns=PLANTED_COLUMNS)


def planted_specificity(
    planted: pd.DataFrame, models: list[ModelMotifs], families: dict, rule: sp.MatchRule
) -> pd.DataFrame:
    """Per model (and its untrained null): recall and off-family matches (:func:`specificity.family_specificity`).

    Returns
    -------
    pandas.DataFrame
        :data:`SPECIFICITY_COLUMNS`; ``weights`` is ``trained`` or ``untrained``
        (a row only when the untrained model was run); ``off_family_ids`` is
        comma-separated.
    """
    rows = []
    for m in models:
        for weights, matches in (("trained", m.matches), ("untrained", m.untrained)):
            if matches is None:
                continue
            r = sp.family_specificity(matches, list(planted.motif_id), families, rule, query="filter")
            rows.append(
                {
                    "model": m.model,
                    "weights": weights,
                    "n_planted": r["n_planted"],
                    "n_recovered": r["n_recovered"],
                    "recall": r["recall"],
                    "n_off_family": r["n_off_family"],
                    "n_off_family_filters": r["n_off_family_queries"],
                    "off_family_ids": ",".join(r["off_family_ids"]),
                }
            )
    return pd.DataFrame(rows, columns=SPECIFICITY_COLUMNS)
