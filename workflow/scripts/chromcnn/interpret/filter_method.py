"""From a trained model to a table of first-layer motifs (Basset's method).

Pipeline for one model: sample test sequences (seeded, in random order) ->
per-filter activation mean and max -> sites above ``mean + fraction * (max -
mean)`` -> counts -> PPM with a pseudocount -> information content against the
genome's base composition -> flank trimming -> Tomtom against JASPAR ->
influence of each filter that has enough sites, on the first
``influence_sequences`` of the sample.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from torch import nn

from chromcnn.inference.device import pass_rows
from chromcnn.interpret import filters as flt
from chromcnn.interpret import motifs as mtf
from chromcnn.interpret import specificity as sp
from chromcnn.io.atomic import write_json, write_tsv
from chromcnn.io.split_h5 import sample_rows

LOG = logging.getLogger("chromcnn")

FILTER_COLUMNS = [
    "filter",
    "n_sites",
    "ic",
    "consensus",
    "match_id",
    "match_name",
    "match_qvalue",
    "influence",
    "width",
    "trim_start",
    "threshold",
    "status",
]
MATCH_COLUMNS = ["filter", *sp.MATCH_COLUMNS]


@dataclass
class MotifSettings:
    """Options of the filter -> motif step (config.yaml ``motifs:``)."""

    threshold_fraction: float = 0.5
    min_sites: int = 10
    pseudocount: float = 1.0
    trim_ic: float | None = 0.2
    qvalue: float = 0.05
    min_ic: float = 4.0
    min_mean_ic: float = 0.5
    min_overlap: int = 6
    min_target_coverage: float = 0.5
    min_aligned_ic: float = 4.0
    max_rank: int = 5
    untrained_null: bool = True
    max_sequences: int = 20000
    influence_sequences: int = 2000
    batch_size: int = 256
    seed: int = 1
    threads: int = 1

    @classmethod
    def from_config(cls, motifs: dict, seed: int, threads: int) -> MotifSettings:
        """Settings from config.yaml's ``motifs:`` section, the run's seed and the job's threads."""
        keys = ("threshold_fraction", "min_sites", "pseudocount", "trim_ic", "qvalue", "min_ic", "min_mean_ic")
        optional = ("min_overlap", "min_target_coverage", "min_aligned_ic", "max_rank", "untrained_null")
        return cls(
            **{k: motifs[k] for k in keys},
            **{k: motifs[k] for k in optional if k in motifs},
            max_sequences=motifs["max_sequences"],
            influence_sequences=motifs["influence_sequences"],
            seed=seed,
            threads=threads,
        )

    @property
    def rule(self) -> sp.MatchRule:
        """When a Tomtom hit counts (:class:`chromcnn.interpret.specificity.MatchRule`)."""
        return sp.MatchRule(self.qvalue, self.max_rank, self.min_overlap, self.min_target_coverage, self.min_aligned_ic)


sample_split = sample_rows


def _batches(x: np.ndarray, size: int):
    for i in range(0, len(x), size):
        yield torch.from_numpy(x[i : i + size]).float()


@dataclass
class FilterMotifs:
    """Result for one model."""

    table: pd.DataFrame
    matches: pd.DataFrame
    ppms: dict[str, np.ndarray] = field(default_factory=dict)
    nsites: dict[str, int] = field(default_factory=dict)
    task_influence: pd.DataFrame | None = None
    #: matches.tsv of the untrained model (the null); empty when not run.
    untrained: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MATCH_COLUMNS))


def extract(
    model: nn.Module,
    layer: flt.FirstLayer,
    x: np.ndarray,
    background: np.ndarray,
    s: MotifSettings,
    device: torch.device,
) -> tuple[pd.DataFrame, dict[str, np.ndarray], np.ndarray]:
    """Sites, PPMs and their description; returns (table, trimmed PPMs by name, activation means)."""
    per_pass = pass_rows(x.shape[-1], torch.device(device), s.batch_size)  # CPU: cache-sized passes
    mean, top = flt.activation_stats(model, layer, _batches(x, per_pass), device)
    threshold = mean + s.threshold_fraction * (top - mean)
    counts, n_sites = flt.site_counts(model, layer, _batches(x, per_pass), threshold, device)
    rows, ppms = [], {}
    for f in range(layer.n_filters):
        row = {"filter": f, "n_sites": int(n_sites[f]), "width": layer.width, "threshold": float(threshold[f])}
        if n_sites[f] < s.min_sites or not np.isfinite(threshold[f]) or top[f] <= mean[f]:
            row.update(status=f"too few sites ({int(n_sites[f])} < {s.min_sites})", ic=np.nan, consensus="")
            row["trim_start"] = 0
        else:
            ppm = mtf.ppm_from_counts(counts[f], background, s.pseudocount)
            ppm, offset = mtf.trim(ppm, background, s.trim_ic) if s.trim_ic is not None else (ppm, 0)
            ppms[f"filter{f}"] = ppm
            row.update(
                status="ok",
                ic=float(mtf.information(ppm, background).sum()),
                consensus=mtf.consensus(ppm),
                trim_start=offset,
            )
        rows.append(row)
    return pd.DataFrame(rows), ppms, mean


def match(
    ppms: dict[str, np.ndarray], db: mtf.MotifDatabase, background: np.ndarray, rule: sp.MatchRule, threads: int
) -> tuple[pd.DataFrame, dict[int, tuple[str, str, float]]]:
    """Tomtom every filter PPM against ``db``: the matches ``rule`` counts and each filter's best.

    A hit counts when q < ``rule.qvalue`` and its alignment passes the overlap and
    information floors (:func:`chromcnn.interpret.specificity.aligned_matches`);
    a filter's best is its best-aligned target by p-value (its q may be above the cut).
    """
    found, best = sp.aligned_matches(ppms, db.ids, db.names, db.ppms, background, rule, threads)
    found.insert(0, "filter", [int(k.removeprefix("filter")) for k in found["query"]])
    best = {int(k.removeprefix("filter")): v for k, v in best.items()}
    return found[MATCH_COLUMNS], best


def describe(
    model: nn.Module,
    layer: flt.FirstLayer,
    x: np.ndarray,
    background: np.ndarray,
    db: mtf.MotifDatabase,
    s: MotifSettings,
    device: torch.device,
) -> tuple[pd.DataFrame, dict[str, np.ndarray], np.ndarray, pd.DataFrame]:
    """Sites, PPMs, diffuse-filter flags and database matches of one filter bank.

    Returns
    -------
    (table, ppms, means, matches)
        filters.tsv's columns but influence; trimmed PPMs by name; float (F,)
        activation means; matches.tsv (:data:`MATCH_COLUMNS`).
    """
    table, ppms, means = extract(model, layer, x, background, s, device)
    LOG.info("%d of %d filters have >= %d sites", len(ppms), layer.n_filters, s.min_sites)
    floor = sp.InformationFloor(s.trim_ic, s.min_ic, s.min_mean_ic)  # the floor MoDISco patterns pass too
    width = table["filter"].map(lambda f: ppms[f"filter{f}"].shape[1] if f"filter{f}" in ppms else 1)
    diffuse = table.status.eq("ok") & np.array([floor.is_diffuse(b, w) for b, w in zip(table.ic, width)], dtype=bool)
    table.loc[diffuse, "status"] = floor.diffuse_status
    informative = {k: v for k, v in ppms.items() if table.status[int(k.removeprefix("filter"))] == "ok"}
    matches, best = match(informative, db, background, s.rule, s.threads)
    table["match_id"] = [best.get(f, ("", "", np.nan))[0] for f in table["filter"]]
    table["match_name"] = [best.get(f, ("", "", np.nan))[1] for f in table["filter"]]
    table["match_qvalue"] = [best.get(f, ("", "", np.nan))[2] for f in table["filter"]]
    return table, ppms, means, matches


def untrained_matches(
    untrained: nn.Module, x: np.ndarray, background: np.ndarray, db: mtf.MotifDatabase, s: MotifSettings, device
) -> pd.DataFrame:
    """matches.tsv of an untrained model through the identical pipeline (no influence): the recovery null.

    ``untrained`` is the architecture freshly initialised with the run's seed
    (``torch.manual_seed(seed)`` then :func:`chromcnn.inference.model_file.build`).
    """
    untrained = untrained.eval().to(device)
    return describe(untrained, flt.find_first_layer(untrained), x, background, db, s, device)[3]


def analyse(
    model: nn.Module,
    x: np.ndarray,
    y: np.ndarray,
    tasks: list[str],
    loss_fn: nn.Module,
    background: np.ndarray,
    db: mtf.MotifDatabase,
    s: MotifSettings,
    device: torch.device,
) -> FilterMotifs:
    """Everything for one model; raises ``filters.NotInterpretable`` when there is no filter bank.

    Parameters
    ----------
    x : numpy.ndarray
        uint8 (N, 4, L) test sequences in a random order, as :func:`sample_split`
        returns them: influence is measured on the first ``s.influence_sequences``,
        which are then a seeded uniform sample of the whole split.
    y : numpy.ndarray
        (N, T) labels.
    """
    layer = flt.find_first_layer(model)
    table, ppms, means, matches = describe(model, layer, x, background, db, s, device)
    n_inf = min(len(x), s.influence_sequences)
    ok = [int(k.removeprefix("filter")) for k in ppms]
    d_loss, d_pred = flt.influence(
        model,
        layer,
        torch.from_numpy(x[:n_inf]).float(),
        torch.from_numpy(np.asarray(y[:n_inf], dtype=np.float32)),
        loss_fn,
        means,
        ok,
        device,
        s.batch_size,
    )
    table["influence"] = d_loss
    per_task = pd.DataFrame(d_pred, columns=[f"influence_{t}" for t in tasks])
    per_task.insert(0, "filter", table["filter"])
    nsites = {f"filter{f}": int(table.n_sites[f]) for f in ok}
    return FilterMotifs(table[FILTER_COLUMNS], matches, ppms, nsites, per_task)


def counts(table: pd.DataFrame, s: MotifSettings) -> dict[str, int]:
    """status.json's filter counts: filters, with enough sites, informative, matched."""
    if not len(table):
        return {"n_filters": 0, "n_with_sites": 0, "n_informative": 0, "n_matched": 0}
    return {
        "n_filters": len(table),
        "n_with_sites": int((table.n_sites >= s.min_sites).sum()),
        "n_informative": int((table.status == "ok").sum()),
        "n_matched": int((table.match_qvalue < s.qvalue).sum()),
    }


def write_outputs(result: FilterMotifs, status: dict, background: np.ndarray, out) -> None:
    """The method's files (:data:`chromcnn.interpret.methods.FILTERS`), each written atomically.

    ``out`` has the output paths as attributes ``filters, meme, matches, untrained,
    influence, status``.
    """
    mtf.write_meme(out.meme, result.ppms, background, result.nsites)
    write_tsv(result.matches, out.matches)
    write_tsv(result.untrained, out.untrained)
    write_tsv(result.task_influence, out.influence)
    write_json(status, out.status)
    write_tsv(result.table, out.filters)


def empty_result(tasks: list[str]) -> FilterMotifs:
    """The outputs of a model whose first layer is not a filter bank."""
    return FilterMotifs(
        pd.DataFrame(columns=FILTER_COLUMNS),
        pd.DataFrame(columns=MATCH_COLUMNS),
        task_influence=pd.DataFrame(columns=["filter", *[f"influence_{t}" for t in tasks]]),
    )
