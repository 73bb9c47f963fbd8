"""TF-MoDISco (modisco-lite) on contribution scores: patterns, their JASPAR matches, recovery.

A pattern's contribution-weight matrix (CWM) is trimmed to the columns whose
total |contribution| reaches ``trim_fraction`` of its largest column; its PPM
(the seqlets' base frequencies) is trimmed alike. Then the filter method's
information floor applies (:func:`refine`, :class:`specificity.InformationFloor`):
flanking PPM columns under ``motifs.trim_ic`` bits are trimmed from both
matrices, and a pattern under ``motifs.min_ic`` bits or ``motifs.min_mean_ic``
bits per column is diffuse and not matched (a long, mostly flat pattern
otherwise reaches a small q-value against CTCF's 33-column MA1929.2 by summing
weak columns). The rest are matched to the motif database by the filter
method's Tomtom path and rule. Matrices are float (4, L), rows A, C, G, T.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from chromcnn.interpret import motifs as mtf
from chromcnn.interpret import specificity as sp

PATTERN_COLUMNS = [
    "task",
    "pattern",
    "sign",
    "n_seqlets",
    "consensus",
    "match_id",
    "match_name",
    "match_qvalue",
    "match_rank",
    "matches",
    "width",
    "ic",
    "status",
]
MODISCO_DEFAULTS = {
    "sliding_window_size": 21,
    "flank_size": 10,
    "min_positives": 100,
    "max_seqlets": 2000,
    "target_seqlet_fdr": 0.2,
    "n_leiden_runs": 4,
    "final_min_cluster_size": 20,
    "min_metacluster_size": 50,
    "trim_fraction": 0.3,
}
MAX_RANK = 5  # a planted id counts when among a pattern's 5 best matches (the filter method's rule)


@dataclass
class Pattern:
    """One MoDISco pattern, trimmed."""

    task: str
    name: str
    sign: str
    n_seqlets: int
    cwm: np.ndarray
    ppm: np.ndarray
    raw: object
    ic: float = float("nan")
    status: str = "ok"

    @property
    def label(self) -> str:
        return f"{self.task}.{self.sign}.{self.name}"


def trim_bounds(cwm: np.ndarray, fraction: float) -> tuple[int, int]:
    """[start, end) of the columns between the first and last with |contribution| >= fraction x max."""
    score = np.abs(cwm).sum(axis=0)
    keep = np.flatnonzero(score >= fraction * score.max()) if score.max() > 0 else np.arange(len(score))
    return int(keep[0]), int(keep[-1]) + 1


def run(x: np.ndarray, hypothetical: np.ndarray, task: str, cfg: dict, verbose: bool = False) -> list[Pattern]:
    """MoDISco on one task's windows; positive and negative patterns, trimmed.

    Parameters
    ----------
    x : numpy.ndarray
        uint8 (N, 4, L) one-hot.
    hypothetical : numpy.ndarray
        float (N, 4, L) hypothetical contributions.
    """
    from modiscolite.tfmodisco import TFMoDISco

    cfg = {**MODISCO_DEFAULTS, **cfg}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pos, neg = TFMoDISco(
            one_hot=np.ascontiguousarray(x.transpose(0, 2, 1), dtype=np.float32),
            hypothetical_contribs=np.ascontiguousarray(hypothetical.transpose(0, 2, 1), dtype=np.float32),
            sliding_window_size=cfg["sliding_window_size"],
            flank_size=cfg["flank_size"],
            max_seqlets_per_metacluster=cfg["max_seqlets"],
            target_seqlet_fdr=cfg["target_seqlet_fdr"],
            n_leiden_runs=cfg["n_leiden_runs"],
            final_min_cluster_size=cfg["final_min_cluster_size"],
            min_metacluster_size=cfg["min_metacluster_size"],
            verbose=verbose,
        )
    out = []
    for sign, patterns in (("pos", pos), ("neg", neg)):
        for i, p in enumerate(patterns or []):
            cwm = np.asarray(p.contrib_scores, dtype=np.float64).T
            lo, hi = trim_bounds(cwm, cfg["trim_fraction"])
            ppm = np.asarray(p.sequence, dtype=np.float64).T[:, lo:hi] + 1e-3
            ppm /= ppm.sum(axis=0, keepdims=True)
            out.append(Pattern(task, f"pattern_{i}", sign, len(p.seqlets), cwm[:, lo:hi], ppm, p))
    return out


def refine(patterns: list[Pattern], background: np.ndarray, floor: sp.InformationFloor) -> None:
    """Trim each pattern's flanks by the PPM's information and mark the diffuse ones (in place).

    Both matrices keep the columns between the first and last with at least
    ``floor.trim_ic`` bits; ``ic`` is the trimmed PPM's information (bits) and
    ``status`` is ``floor.diffuse_status`` when it is under the floor, else ``ok``.
    """
    for pt in patterns:
        lo, hi = floor.trim(pt.ppm, background)
        pt.ppm, pt.cwm = pt.ppm[:, lo:hi], pt.cwm[:, lo:hi]
        pt.ic = float(mtf.information(pt.ppm, background).sum())
        pt.status = floor.diffuse_status if floor.is_diffuse(pt.ic, pt.ppm.shape[1]) else "ok"


def match(
    patterns: list[Pattern], db: mtf.MotifDatabase, rule: sp.MatchRule, background: np.ndarray, threads: int = 1
) -> pd.DataFrame:
    """patterns.tsv: each pattern with its best counted match and its ranked counted matches.

    The filter method's rule decides which Tomtom hits count
    (:func:`chromcnn.interpret.specificity.aligned_matches`: q-value, aligned
    overlap, aligned information and target coverage); ``matches`` lists the
    ids of the ``rule.max_rank`` best counted hits. Diffuse patterns
    (``status`` not ``ok``, :func:`refine`) are listed unmatched.
    """
    labels = [pt.label for pt in patterns]
    informative = {lab: pt.ppm for lab, pt in zip(labels, patterns) if pt.status == "ok"}
    counted, best = sp.aligned_matches(informative, db.ids, db.names, db.ppms, background, rule, threads)
    rows = []
    for lab, pt in zip(labels, patterns):
        hits = counted[(counted["query"] == lab) & (counted["rank"] <= rule.max_rank)].sort_values("rank")
        top = hits.iloc[0] if len(hits) else None
        rows.append(
            {
                "task": pt.task,
                "pattern": pt.name,
                "sign": pt.sign,
                "n_seqlets": pt.n_seqlets,
                "consensus": mtf.consensus(pt.ppm),
                "match_id": top.match_id if top is not None else "",
                "match_name": top.match_name if top is not None else "",
                "match_qvalue": float(top.qvalue) if top is not None else best.get(lab, ("", "", np.nan))[2],
                "match_rank": 1 if top is not None else np.nan,
                "matches": ",".join(hits.match_id),
                "width": pt.ppm.shape[1],
                "ic": pt.ic,
                "status": pt.status,
            }
        )
    return pd.DataFrame(rows, columns=PATTERN_COLUMNS)


def write_h5(path, patterns_by_task: dict[str, list[Pattern]], skipped: dict[str, str], window: int) -> None:
    """modisco.h5: one group per task holding modisco-lite's pos_patterns / neg_patterns layout."""
    import h5py
    from modiscolite.io import save_pattern

    from chromcnn.io.atomic import atomic_path

    with atomic_path(path) as tmp, h5py.File(tmp, "w") as h5:
        h5.attrs["window_size"] = window
        for task, patterns in patterns_by_task.items():
            grp = h5.create_group(task)
            grp.attrs["skipped"] = skipped.get(task, "")
            for pt in patterns:
                sub = grp.require_group(f"{pt.sign}_patterns").create_group(pt.name)
                save_pattern(pt.raw, sub)
                sub.create_dataset("cwm_trimmed", data=pt.cwm)
                sub.create_dataset("ppm_trimmed", data=pt.ppm)


def recovery(planted: pd.DataFrame, model: str, table: pd.DataFrame) -> pd.DataFrame:
    """Per planted motif: the patterns whose ranked matches (q < qvalue, rank <= 5) include it."""
    rows = []
    for motif in planted.itertuples():
        hit = table[table.matches.fillna("").str.split(",").map(lambda ids, m=motif.motif_id: m in ids)]
        rows.append(
            {
                "motif_id": motif.motif_id,
                "name": motif.name,
                "model": model,
                "recovered": bool(len(hit)),
                "n_patterns": len(hit),
                "patterns": ",".join(f"{r.task}.{r.sign}.{r.pattern}" for r in hit.itertuples()),
                "best_qvalue": float(hit.match_qvalue.min()) if len(hit) else np.nan,
            }
        )
    return pd.DataFrame(rows)


def specificity(planted_ids: list[str], table: pd.DataFrame, families: dict, rule: sp.MatchRule) -> dict:
    """Recall and off-family matches of one model's patterns, by the filter method's rule.

    ``table`` is patterns.tsv; every id in a pattern's ``matches`` is a counted hit
    (ranked in that order), so :func:`chromcnn.interpret.specificity.family_specificity`
    applies unchanged, with patterns in the place of filters.
    """
    rows = [
        (f"{r.task}.{r.sign}.{r.pattern}", rank, motif_id, 0.0)
        for r in table.itertuples()
        for rank, motif_id in enumerate(
            filter(None, str(r.matches if isinstance(r.matches, str) else "").split(",")), 1
        )
    ]
    hits = pd.DataFrame(rows, columns=["pattern", "rank", "match_id", "qvalue"])
    return sp.family_specificity(hits, planted_ids, families, rule, query="pattern")
