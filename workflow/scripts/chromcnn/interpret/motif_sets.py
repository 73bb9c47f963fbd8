"""Motifs across models: clusters of similar filters and MoDISco patterns, and recovery of planted motifs.

A cluster groups the informative first-layer filters of every model with the
informative MoDISco patterns of the attributed models (results/interpret/
attribution/{model}/patterns.tsv), so the report can say per motif which models
found it and by which method (``filter``, ``MoDISco`` or ``both``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from chromcnn.errors import InputError
from chromcnn.interpret import motifs as mtf
from chromcnn.interpret import specificity as sp

CLUSTER_COLUMNS = [
    "cluster",
    "label",
    "n_filters",
    "n_models",
    "models",
    "shared_by_all",
    "representative",
    "members",
    "n_patterns",
    "found_by",
]
#: found_by's method names: a model found a cluster's motif by its filters, its MoDISco patterns or both.
FOUND_BY = {
    frozenset({"filter"}): "filter",
    frozenset({"MoDISco"}): "MoDISco",
    frozenset({"filter", "MoDISco"}): "both",
}
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


@dataclass
class ModelPatterns:
    """The MoDISco patterns of one model (results/interpret/attribution/{model}/)."""

    model: str
    #: patterns.tsv (:data:`chromcnn.interpret.modisco.PATTERN_COLUMNS`).
    table: pd.DataFrame
    #: label ``{task}.{sign}.{pattern}`` -> float (4, L) trimmed PPM (patterns.meme).
    ppms: dict[str, np.ndarray]


def read_model_patterns(model: str, patterns_tsv: str | Path) -> ModelPatterns:
    """patterns.tsv and the patterns.meme beside it, of one attributed model."""
    path = Path(patterns_tsv)
    table = pd.read_csv(path, sep="\t") if path.stat().st_size else pd.DataFrame(columns=["task", "sign", "pattern"])
    meme = path.with_name("patterns.meme")
    ppms = mtf.read_meme(meme) if meme.exists() and meme.stat().st_size else {}
    return ModelPatterns(model, table, ppms)


@dataclass(frozen=True)
class Member:
    """One filter or MoDISco pattern in the clustering."""

    model: str
    method: str  # "filter" | "MoDISco"
    name: str  # filter{f} | modisco:{task}.{sign}.{pattern}
    ppm: np.ndarray
    ic: float
    match_name: str
    match_qvalue: float

    @property
    def key(self) -> str:
        return f"{self.model}:{self.name}"


def informative_filters(models: list[ModelMotifs], min_ic: float) -> list[Member]:
    """Every filter whose trimmed PWM carries at least ``min_ic`` bits (status ``ok``)."""
    out = []
    for m in models:
        for row in m.table.itertuples():
            name = f"filter{row.filter}"
            if name in m.ppms and str(row.status) == "ok" and np.isfinite(row.ic) and row.ic >= min_ic:
                q = float(row.match_qvalue) if pd.notna(row.match_qvalue) else np.nan
                out.append(Member(m.model, "filter", name, m.ppms[name], float(row.ic), str(row.match_name), q))
    return out


def informative_patterns(models: list[ModelPatterns], background: np.ndarray, min_ic: float) -> list[Member]:
    """Every MoDISco pattern above the information floor (status ``ok``) with at least ``min_ic`` bits."""
    out = []
    for m in models:
        for row in m.table.itertuples():
            label = f"{row.task}.{row.sign}.{row.pattern}"
            status = str(getattr(row, "status", "ok"))
            if label not in m.ppms or status != "ok":
                continue
            bits = float(mtf.information(m.ppms[label], background).sum())
            if bits >= min_ic:
                q = float(row.match_qvalue) if pd.notna(row.match_qvalue) else np.nan
                name = str(row.match_name) if pd.notna(row.match_name) else ""
                out.append(Member(m.model, "MoDISco", f"modisco:{label}", m.ppms[label], bits, name, q))
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
    models: list[ModelMotifs],
    db: mtf.MotifDatabase,
    qvalue: float,
    min_ic: float,
    threads: int = 1,
    patterns: list[ModelPatterns] = (),
    background: np.ndarray | None = None,
) -> pd.DataFrame:
    """Group the informative filters of all models, and MoDISco patterns, by Tomtom similarity.

    Each member is compared with every other member and with every database
    motif (the database makes Tomtom's null distribution stable when there are
    few members); q-values are BH-adjusted per query over all targets. The
    distance of two members is the smaller of their two q-values; clusters are
    cut from an average-linkage tree at ``qvalue``.

    Returns
    -------
    pandas.DataFrame
        :data:`CLUSTER_COLUMNS`; ``found_by`` is ``model:method`` per model
        present (method ``filter``, ``MoDISco`` or ``both``), comma-separated;
        ``members`` are ``model:filter{f}`` or ``model:modisco:{task}.{sign}.{pattern}``.
    """
    bg = np.full(4, 0.25) if background is None else background
    entries = informative_filters(models, min_ic) + informative_patterns(list(patterns), bg, min_ic)
    if not entries:
        return pd.DataFrame(columns=CLUSTER_COLUMNS)
    ppms = [e.ppm for e in entries]
    _, q = mtf.tomtom(ppms, ppms + db.ppms, threads)
    labels = _link(q[:, : len(ppms)], qvalue)
    interpretable = {m.model for m in models if m.interpretable}
    rows = [
        _cluster_row([entries[i] for i in np.flatnonzero(labels == c)], qvalue, interpretable)
        for c in np.unique(labels)
    ]
    frame = pd.DataFrame(rows).sort_values(["n_models", "n_filters"], ascending=False, kind="stable")
    frame.insert(0, "cluster", range(1, len(frame) + 1))
    return frame[CLUSTER_COLUMNS].reset_index(drop=True)


def _cluster_row(members: list[Member], qvalue: float, interpretable: set[str]) -> dict:
    """One row of clusters.tsv: label (the members' most common match), presence and methods per model."""
    names = [e.match_name for e in members if e.match_qvalue < qvalue and e.match_name]
    methods: dict[str, set] = {}
    for e in members:
        methods.setdefault(e.model, set()).add(e.method)
    present = sorted(methods)
    return {
        "label": Counter(names).most_common(1)[0][0] if names else "unmatched",
        "n_filters": sum(e.method == "filter" for e in members),
        "n_models": len(present),
        "models": ",".join(present),
        "shared_by_all": bool(interpretable) and interpretable <= set(present),
        "representative": max(members, key=lambda e: e.ic).key,
        "members": ",".join(e.key for e in members),
        "n_patterns": sum(e.method == "MoDISco" for e in members),
        "found_by": ",".join(f"{m}:{FOUND_BY[frozenset(methods[m])]}" for m in present),
    }


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
