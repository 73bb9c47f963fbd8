"""TF-MoDISco (modisco-lite) on contribution scores: patterns, their JASPAR matches, recovery.

A pattern's contribution-weight matrix (CWM) is trimmed to the columns whose
total |contribution| reaches ``trim_fraction`` of its largest column; its PPM
(the seqlets' base frequencies) is trimmed alike and matched to the motif
database by the filter method's Tomtom path and q-value. Matrices are float
(4, L), rows A, C, G, T.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from chromcnn.interpret import motifs as mtf

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


def match(patterns: list[Pattern], db: mtf.MotifDatabase, qvalue: float, threads: int = 1) -> pd.DataFrame:
    """patterns.tsv: each pattern with its best match and its ranked matches under ``qvalue``."""
    p, q = mtf.tomtom([pt.ppm for pt in patterns], db.ppms, threads)
    rows = []
    for i, pt in enumerate(patterns):
        order = np.argsort(p[i], kind="stable")
        hits = [j for j in order if q[i, j] < qvalue][:MAX_RANK]
        best = order[0]
        rows.append(
            {
                "task": pt.task,
                "pattern": pt.name,
                "sign": pt.sign,
                "n_seqlets": pt.n_seqlets,
                "consensus": mtf.consensus(pt.ppm),
                "match_id": db.ids[best] if hits else "",
                "match_name": db.names[best] if hits else "",
                "match_qvalue": float(q[i, best]),
                "match_rank": 1 if hits else np.nan,
                "matches": ",".join(db.ids[j] for j in hits),
                "width": pt.ppm.shape[1],
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


def jaspar_families(release: str, collection: str = "CORE", tax_group: str = "vertebrates") -> dict[str, frozenset]:
    """JASPAR id -> its TF families (pyjaspar's ``tf_family``), offline."""
    from pyjaspar import jaspardb

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        records = jaspardb(release=release).fetch_motifs(
            collection=collection, tax_group=[tax_group], all_versions=False
        )
    return {r.matrix_id: frozenset(f.strip() for f in (r.tf_family or []) if f.strip()) for r in records}


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


def off_family(planted_ids: list[str], table: pd.DataFrame, families: dict[str, frozenset]) -> list[str]:
    """Distinct best-match ids of matched patterns outside every planted motif's TF family.

    An id with no family recorded counts as off-family unless it is itself planted.
    """
    planted = set(planted_ids)
    fams = set().union(*(families.get(i, frozenset()) for i in planted))
    out = set()
    for motif_id in table.match_id.fillna(""):
        if motif_id and motif_id not in planted and not (families.get(motif_id, frozenset()) & fams):
            out.add(motif_id)
    return sorted(out)
