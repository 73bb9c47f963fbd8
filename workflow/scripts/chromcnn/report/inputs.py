"""What the report reads (:class:`ReportInputs`) and the number formats its sections share."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass
class ReportInputs:
    """Paths and settings the report reads (the Snakemake rule's inputs and params).

    Every field has a default so a section's unit test fills only what that section reads.

    Attributes
    ----------
    models : list of str
        Model ids; ``histories``, ``metrics`` and ``predictions`` are in this order.
    interpret : dict
        ``method -> key -> path`` (shared files) or ``list of paths`` (one per model,
        in ``models`` order): the report files of each interpretation method
        (:func:`chromcnn.interpret.methods.from_inputs`).
    has_planted : bool
        Whether the data has planted motifs (the planted section is shown).
    oracle : dict
        ``{"metrics": path, "predictions": path}`` of the planted-motif oracle's
        evaluation (:mod:`chromcnn.evaluation.oracle`), empty without planted motifs.
        It is a row of ``summary`` and ``comparison`` too, but not in ``models``: it
        has no history and no filters.
    settings : dict
        ``model -> TrainSettings as a dict``.
    seeds, variants : str
        seeds.tsv and variant_comparison.tsv (each variant over its seeds); "" when absent.
    multiple_testing : str
        How comparison.tsv's winners were controlled (``compare.multiple_testing``).
    """

    qc: str = ""
    composition: str = ""
    models: list[str] = field(default_factory=list)
    histories: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    predictions: list[str] = field(default_factory=list)
    summary: str = ""
    comparison: str = ""
    interpret: dict[str, dict[str, list[str] | str]] = field(default_factory=dict)
    has_planted: bool = False
    oracle: dict[str, str] = field(default_factory=dict)
    config_hash: str = ""
    database: str = ""
    logos_per_model: int = 24
    qvalue: float = 0.05
    settings: dict = field(default_factory=dict)
    variants_top: list[str] = field(default_factory=list)  # results/variants/{model}/{vcf}.top.json
    tracks: list[str] = field(default_factory=list)  # results/tracks/{model}/{task}.bw
    peaks: list[str] = field(default_factory=list)  # resources/peaks/{cell_type}.bed.gz
    seeds: str = ""
    variants: str = ""
    multiple_testing: str = "bh"

    def method_files(self, method: str, key: str) -> list[str] | str:
        """The report file ``key`` of interpretation method ``method`` (a list when per model)."""
        return self.interpret[method][key]


def read_json(path: str | Path) -> dict:
    """A JSON file as a dict."""
    return json.loads(Path(path).read_text())


def fmt(x, digits: int = 3) -> str:
    """A number for a table cell: ``digits`` decimals (significant digits under 1e-3); NA when missing."""
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "NA"
    if isinstance(x, (float, np.floating)):
        return f"{x:.{digits}g}" if abs(x) < 1e-3 and x != 0 else f"{x:.{digits}f}"
    return str(x)


def ci(point, lo, hi) -> str:
    """``point [lo, hi]`` with 3 decimals; the point alone when the interval is undefined; NA."""
    if not np.isfinite(point):
        return "NA"
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return f"{point:.3f}"
    return f"{point:.3f} [{lo:.3f}, {hi:.3f}]"
