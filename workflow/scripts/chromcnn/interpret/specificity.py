"""Which database matches of a learned motif count, and how specific planted-motif recovery is.

Two questions, one module, so every interpretation method (first-layer filters,
MoDISco patterns, ...) answers them the same way:

1. **Does a Tomtom hit count?** (:func:`aligned_matches`). Tomtom's p-value
   sums column scores over the best alignment, so a diffuse 19-column filter
   can reach q < 0.05 against a long matrix by lining up with its
   low-information spacer: CTCF's extended MA1929.2 / MA1930.2 are 31-33
   columns of which a third are N. A hit counts only when the alignment
   (:class:`MatchRule`) overlaps at least ``min_overlap`` columns, covers at
   least ``min_target_coverage`` of the target's information (the part of the
   target the query explains), and the query itself carries at least
   ``min_aligned_ic`` bits in the aligned columns.
2. **How specific is recovery?** (:func:`family_specificity`). Beside recall
   (planted ids matched), count the database ids outside the planted ids'
   TF families (JASPAR's ``tf_family``, :func:`tf_families`) that pass the
   same rule: matches the data cannot explain. Run on an untrained model of
   the same architecture, the same counts are the null the recall must beat.

3. **Is a learned matrix informative enough to match at all?**
   (:class:`InformationFloor`). Flanking columns under ``trim_ic`` bits are
   trimmed, then a matrix under ``min_ic`` bits in all or ``min_mean_ic``
   bits per column is *diffuse* and not matched: a long, mostly flat matrix
   reaches a small Tomtom q-value against a long database matrix by summing
   many weak columns. Filters and MoDISco patterns use the same floor.

Matrices are float (4, L), rows A, C, G, T.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from chromcnn.interpret.motifs import bh_qvalues
from chromcnn.io.onehot import information

#: matches.tsv columns: one row per (query, database motif) pair that counts.
MATCH_COLUMNS = ["rank", "match_id", "match_name", "pvalue", "qvalue", "overlap", "aligned_ic", "target_coverage"]


@dataclass(frozen=True)
class MatchRule:
    """When a Tomtom hit of a query against a database matrix counts.

    Attributes
    ----------
    qvalue : float
        Tomtom q-value (BH per query over the whole database) must be below.
    max_rank : int
        For recovery: the planted id must be among the query's ``max_rank``
        best counted matches (JASPAR holds several matrices per family).
    min_overlap : int
        Aligned columns, at least.
    min_target_coverage : float
        Fraction of the target's information (bits) in the aligned columns, at least.
    min_aligned_ic : float
        Information (bits) of the query in the aligned columns, at least.
    """

    qvalue: float = 0.05
    max_rank: int = 5
    min_overlap: int = 6
    min_target_coverage: float = 0.5
    min_aligned_ic: float = 4.0


@dataclass(frozen=True)
class InformationFloor:
    """Trim and information floor every learned matrix passes before it is matched.

    Attributes
    ----------
    trim_ic : float or None
        Flanking columns under this many bits are trimmed (None: keep all).
    min_ic : float
        Bits in all of the trimmed matrix, at least.
    min_mean_ic : float
        Bits per column of the trimmed matrix, at least.
    """

    trim_ic: float | None = 0.2
    min_ic: float = 4.0
    min_mean_ic: float = 0.5

    @property
    def diffuse_status(self) -> str:
        """The status of a matrix under the floor (filters.tsv and patterns.tsv)."""
        return f"diffuse (< {self.min_ic:g} bits or < {self.min_mean_ic:g} bits/column): not matched"

    def is_diffuse(self, bits: float, width: int) -> bool:
        """Whether a trimmed matrix with ``bits`` of information over ``width`` columns is under the floor."""
        return bool(bits < self.min_ic or bits / max(width, 1) < self.min_mean_ic)

    def trim(self, ppm: np.ndarray, background: np.ndarray) -> tuple[int, int]:
        """[start, end) of the columns between the first and last with >= ``trim_ic`` bits (all when none)."""
        if self.trim_ic is None:
            return 0, ppm.shape[1]
        keep = np.flatnonzero(information(ppm, background) >= self.trim_ic)
        return (int(keep[0]), int(keep[-1]) + 1) if len(keep) else (0, ppm.shape[1])


def floor_from_config(motifs_cfg: dict) -> InformationFloor:
    """The :class:`InformationFloor` of config.yaml's ``motifs`` section (schema defaults for absent keys)."""
    keys = ("trim_ic", "min_ic", "min_mean_ic")
    return InformationFloor(**{k: motifs_cfg[k] for k in keys if k in motifs_cfg})


def aligned_columns(offset: int, strand: int, len_q: int, len_t: int) -> tuple[np.ndarray, np.ndarray]:
    """Query and target columns of a memelite Tomtom alignment.

    memelite reports, for strand 0, that query column ``i`` faces target column
    ``offset + i``; for strand 1, column ``offset + i`` of the reverse-complemented
    target, i.e. target column ``len_t - 1 - offset - i``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        int64 (K,) query columns and the (forward) target columns they face.
    """
    q = np.arange(len_q)
    t = q + int(offset)
    keep = (t >= 0) & (t < len_t)
    q, t = q[keep], t[keep]
    if int(strand) == 1:
        t = len_t - 1 - t
    return q, t


def alignment_stats(
    query: np.ndarray, target: np.ndarray, offset: int, strand: int, background: np.ndarray
) -> tuple[int, float, float]:
    """(overlap, query bits in the aligned columns, fraction of the target's bits aligned)."""
    qc, tc = aligned_columns(offset, strand, query.shape[1], target.shape[1])
    ic_q = information(query, background)
    ic_t = information(target, background)
    total = float(ic_t.sum())
    coverage = float(ic_t[tc].sum()) / total if total > 0 else 0.0
    return len(qc), float(ic_q[qc].sum()), coverage


def tomtom_alignments(queries: list[np.ndarray], targets: list[np.ndarray], threads: int = 1) -> dict[str, np.ndarray]:
    """memelite Tomtom of every query against every target (both strands).

    Returns
    -------
    dict
        ``p``, ``q`` (BH per query), ``offset``, ``overlap``, ``strand``: each (Q, T).
    """
    from memelite import tomtom

    if not queries:
        empty = np.zeros((0, len(targets)))
        return {k: empty for k in ("p", "q", "offset", "overlap", "strand")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        p, _, offset, overlap, strand = tomtom(list(queries), list(targets), n_jobs=threads)
    p = np.clip(np.nan_to_num(np.asarray(p, dtype=np.float64), nan=1.0), 0.0, 1.0)
    return {"p": p, "q": bh_qvalues(p), "offset": offset, "overlap": overlap, "strand": strand}


def aligned_matches(
    queries: Mapping[str, np.ndarray],
    ids: Sequence[str],
    names: Sequence[str],
    targets: Sequence[np.ndarray],
    background: np.ndarray,
    rule: MatchRule,
    threads: int = 1,
) -> tuple[pd.DataFrame, dict[str, tuple[str, str, float]]]:
    """Tomtom each query against a database and keep the hits the rule counts.

    Parameters
    ----------
    queries : mapping of str to numpy.ndarray
        Query name -> float (4, L) probability matrix.
    ids, names, targets : sequences
        The database: ids, names and float (4, L_j) matrices.
    background : numpy.ndarray
        float (4,) base composition for information content.
    rule : MatchRule

    Returns
    -------
    (pandas.DataFrame, dict)
        Counted matches, one row per (query, target): ``query`` then
        :data:`MATCH_COLUMNS`, ranked per query by p-value among counted
        hits (rank 1 is the best); and each query's best target by p-value
        among those whose alignment passes the rule whatever its q-value
        (``(id, name, q)``; absent when no alignment passes).
    """
    names_q = list(queries)
    tt = tomtom_alignments([queries[k] for k in names_q], list(targets), threads)
    rows, best = [], {}
    for i, name in enumerate(names_q):
        rank = 0
        for j in np.argsort(tt["p"][i], kind="stable"):
            overlap, ic, cov = alignment_stats(
                queries[name], targets[j], tt["offset"][i, j], tt["strand"][i, j], background
            )
            if overlap < rule.min_overlap or ic < rule.min_aligned_ic or cov < rule.min_target_coverage:
                continue
            best.setdefault(name, (ids[j], names[j], float(tt["q"][i, j])))
            if tt["q"][i, j] >= rule.qvalue:
                break
            rank += 1
            rows.append([name, rank, ids[j], names[j], float(tt["p"][i, j]), float(tt["q"][i, j]), overlap, ic, cov])
    return pd.DataFrame(rows, columns=["query", *MATCH_COLUMNS]), best


def tf_families(release: str, collection: str = "CORE", tax_group: str = "vertebrates") -> dict[str, frozenset[str]]:
    """JASPAR id -> its TF families (``tf_family`` of pyjaspar's offline records; a dimer has two).

    An id without a recorded family maps to its own name, so it is its own family.
    """
    from pyjaspar import jaspardb

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        records = jaspardb(release=release).fetch_motifs(
            collection=collection, tax_group=[tax_group], all_versions=False
        )
    return {r.matrix_id: frozenset(r.tf_family or [f"name:{r.name}"]) for r in records}


def family_specificity(
    matches: pd.DataFrame,
    planted: Sequence[str],
    families: Mapping[str, frozenset[str]],
    rule: MatchRule,
    query: str = "query",
) -> dict:
    """Recall of planted ids and the off-family matches that pass the same rule.

    Parameters
    ----------
    matches : pandas.DataFrame
        Counted matches of one model (or one set of patterns): columns
        ``query`` (named by ``query``, e.g. ``filter`` or ``pattern``), ``rank``,
        ``match_id``, ``qvalue``, as :func:`aligned_matches` returns them.
    planted : sequence of str
        Planted database ids.
    families : mapping of str to frozenset of str
        id -> TF families (:func:`tf_families`); ids missing from it are their own family.
    rule : MatchRule
        A match counts when ``qvalue < rule.qvalue`` and ``rank <= rule.max_rank``.

    Returns
    -------
    dict
        ``n_planted``, ``n_recovered``, ``recall`` (float), ``planted_rank``
        (id -> best rank of the planted id over the queries that match it, or
        None), ``planted_queries`` (id -> number of such queries),
        ``n_off_family`` (non-planted ids outside every planted id's families
        that pass the rule), ``off_family_ids`` (sorted), ``n_off_family_queries``
        (queries whose counted matches include one of them).
    """
    planted = list(planted)
    hit = matches[(matches.qvalue < rule.qvalue) & (matches["rank"] <= rule.max_rank)]
    own = frozenset().union(*(families.get(p, frozenset({f"id:{p}"})) for p in planted)) if planted else frozenset()
    ranks, n_queries = {}, {}
    for p in planted:
        rows = hit[hit.match_id == p]
        ranks[p] = int(rows["rank"].min()) if len(rows) else None
        n_queries[p] = int(rows[query].nunique())
    outside = [m not in planted and not (families.get(m, frozenset({f"id:{m}"})) & own) for m in hit.match_id]
    off = hit[np.array(outside, dtype=bool)]
    recovered = sum(r is not None for r in ranks.values())
    return {
        "n_planted": len(planted),
        "n_recovered": recovered,
        "recall": recovered / len(planted) if planted else float("nan"),
        "planted_rank": ranks,
        "planted_queries": n_queries,
        "n_off_family": int(off.match_id.nunique()),
        "off_family_ids": sorted(off.match_id.unique()),
        "n_off_family_queries": int(off[query].nunique()),
    }


def database_families(motifs_cfg: dict) -> dict[str, frozenset[str]]:
    """TF families of the database config.yaml's ``motifs`` section names; {} for a MEME file (no families)."""
    if motifs_cfg.get("database"):
        return {}
    return tf_families(motifs_cfg["jaspar_release"], motifs_cfg["collection"], motifs_cfg["tax_group"])


def rule_from_config(motifs_cfg: dict) -> MatchRule:
    """The :class:`MatchRule` of config.yaml's ``motifs`` section (schema defaults for absent keys)."""
    keys = ("qvalue", "max_rank", "min_overlap", "min_target_coverage", "min_aligned_ic")
    return MatchRule(**{k: motifs_cfg[k] for k in keys if k in motifs_cfg})
