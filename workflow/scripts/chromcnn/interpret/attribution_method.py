"""The attribution interpretation method for one model: scores, ISM check, MoDISco, JASPAR.

For each task: its test windows (positives first, seeded), contributions of its
logit (DeepLIFT/SHAP or the fallback :mod:`attribution` chose for the model),
the ISM check on the first few, then MoDISco when the task has enough test
positives. In signal and profile mode the output is the predicted signal (a
profile's mean over its bins) and the positives are the windows above the task's
test median (:func:`attribution.high_target`).
Outputs: :data:`chromcnn.interpret.methods.ATTRIBUTION`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from functools import cached_property

import h5py
import numpy as np
import pandas as pd
import torch

from chromcnn.interpret import attribution as at
from chromcnn.interpret import modisco as mo
from chromcnn.interpret import motifs as mtf
from chromcnn.interpret import specificity as sp
from chromcnn.io.atomic import atomic_path, write_json, write_tsv

LOG = logging.getLogger("chromcnn")
#: what "positives" means in a skip message for signal and profile targets
ABOVE_MEDIAN = ", positives being the windows above the task's median"


@dataclass
class TestWindows:
    """The test split: uint8 (N, 4, L) one-hot, targets ((N, T) labels or signal, (N, T, B) profile), coordinates."""

    x: np.ndarray
    y: np.ndarray
    chrom: np.ndarray
    start: np.ndarray
    end: np.ndarray

    @cached_property
    def labels(self) -> bool:
        """Whether the targets are 0/1 labels (:func:`attribution.are_labels`); scanned once."""
        return at.are_labels(self.y)

    @cached_property
    def high(self) -> np.ndarray:
        """bool (N, T): each task's positives for attribution and MoDISco (:func:`attribution.high_target`)."""
        return at.high_target(self.y, self.labels)


def read_test(path: str) -> TestWindows:
    """Every window of the test split file (``io.split_h5`` layout)."""
    from chromcnn.io.split_h5 import open_split

    open_split(path)  # checks the format version, one line naming the file
    with h5py.File(path, "r") as h5:
        return TestWindows(h5["x"][:], h5["y"][:], h5["chrom"].asstr()[:], h5["start"][:], h5["end"][:])


@dataclass
class Result:
    """What the method found for one model."""

    method: str = ""
    reason: str = ""
    scores: list = field(default_factory=list)
    ism: list = field(default_factory=list)
    patterns: dict = field(default_factory=dict)
    skipped: dict = field(default_factory=dict)
    table: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=mo.PATTERN_COLUMNS))
    seconds: dict = field(default_factory=dict)


def attribute(model, tasks: list[str], test: TestWindows, s: at.AttributionSettings) -> Result:
    """Contributions and the ISM check of every task; ``method`` empty and a reason when none applies."""
    model = at.prepare(model)
    ok = at.usable(test.x)
    res, t0 = Result(), time.process_time()
    rows0 = at.select_windows(test.high, ok, 0, max(s.probe_windows, 1), s.seed)
    try:
        probe = torch.from_numpy(test.x[rows0].astype(np.float32))
        res.method, res.reason = at.choose_method(at.TaskLogit(model, 0), probe, s)
    except at.NoAttribution as why:
        res.reason = str(why)
        return res
    LOG.info("attribution method: %s %s", res.method, res.reason)
    high = test.high
    for t, name in enumerate(tasks):
        rows = np.sort(at.select_windows(high, ok, t, s.n_windows, s.seed))
        order = np.argsort(~high[rows, t], kind="stable")  # positives first, genomic order within
        rows = rows[order]
        scores = at.task_scores(model, t, name, test.x[rows], rows, res.method, s)
        res.scores.append(scores)
        res.ism.append(at.ism_check(model, t, scores, s))
    res.seconds["attribution_cpu_s"] = time.process_time() - t0
    return res


def discover(
    res: Result,
    test: TestWindows,
    db: mtf.MotifDatabase,
    rule,
    background: np.ndarray,
    s,
    threads: int = 1,
    floor: sp.InformationFloor | None = None,
) -> None:
    """MoDISco per task on its positives' scores, then Tomtom; tasks with too few positives are skipped.

    ``floor`` (default: the schema's ``motifs`` floor) trims the patterns and
    keeps diffuse ones from matching, as for filters (:func:`modisco.refine`).
    """
    t0, cfg = time.process_time(), {**mo.MODISCO_DEFAULTS, **s.modisco}
    high, meaning = test.high, "" if test.labels else ABOVE_MEDIAN
    for t, sc in enumerate(res.scores):
        positive = high[sc.rows, t]
        n_pos = int(positive.sum())
        if n_pos < cfg["min_positives"]:
            n_all = int(high[:, t].sum())
            res.skipped[sc.task] = (
                f"{n_pos} test positives among its windows ({n_all} in the test split{meaning}; "
                f"< modisco.min_positives {cfg['min_positives']})"
            )
            res.patterns[sc.task] = []
            continue
        try:
            res.patterns[sc.task] = mo.run(sc.x[positive], sc.hypothetical[positive], sc.task, cfg)
        except (ValueError, RuntimeError, IndexError) as err:  # modisco finds too few seqlets
            res.skipped[sc.task] = f"MoDISco found no patterns: {type(err).__name__}: {err}"[:300]
            res.patterns[sc.task] = []
        LOG.info("%s: %d MoDISco patterns", sc.task, len(res.patterns[sc.task]))
    found = [p for ps in res.patterns.values() for p in ps]
    mo.refine(found, background, floor or sp.InformationFloor())
    if found:
        res.table = mo.match(found, db, rule, background, threads)
    res.seconds["modisco_cpu_s"] = time.process_time() - t0


def write_contributions(path, res: Result, test: TestWindows) -> None:
    """contributions.h5: per task group, scores, hypothetical scores, one-hot, rows, coordinates."""
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as h5:
        h5.attrs["method"] = res.method
        h5.attrs["reason"] = res.reason
        for sc in res.scores:
            g = h5.create_group(sc.task)
            g.attrs["method"] = sc.method
            opts = {"compression": "gzip", "compression_opts": 4}
            g.create_dataset("contributions", data=sc.contributions.astype(np.float32), **opts)
            g.create_dataset("hypothetical", data=sc.hypothetical, **opts)
            g.create_dataset("x", data=sc.x, **opts)
            g.create_dataset("rows", data=sc.rows)
            g.create_dataset("chrom", data=test.chrom[sc.rows].astype("S"))
            g.create_dataset("start", data=test.start[sc.rows])
            g.create_dataset("end", data=test.end[sc.rows])
            g.create_dataset("delta", data=sc.delta.astype(np.float32))


def write_outputs(res: Result, status: dict, background: np.ndarray, test: TestWindows, window: int, out) -> None:
    """Every file of :data:`methods.ATTRIBUTION`, each atomic; ``status`` last."""
    write_contributions(out.contributions, res, test)
    write_tsv(pd.DataFrame(res.ism, columns=at.ISM_COLUMNS), out.ism)
    mo.write_h5(out.modisco, res.patterns, res.skipped, window)
    ppms = {f"{p.label}": p.ppm for ps in res.patterns.values() for p in ps}
    nsites = {f"{p.label}": p.n_seqlets for ps in res.patterns.values() for p in ps}
    mtf.write_meme(out.meme, ppms, background, nsites)
    write_tsv(res.table, out.patterns)
    write_json(status, out.status)


def status_of(res: Result, model_id: str, db: mtf.MotifDatabase, s: at.AttributionSettings) -> dict:
    """status.json's summary (the script adds provenance)."""
    flagged = [r["task"] for r in res.ism if r.get("flagged")]
    return {
        "model": model_id,
        "method": res.method,
        "applicable": bool(res.method),
        "reason": res.reason,
        "database": db.release,
        "n_windows": {sc.task: len(sc.rows) for sc in res.scores},
        "flagged_tasks": flagged,
        "skipped_tasks": res.skipped,
        "n_patterns": int(len(res.table)),
        "n_matched": int((res.table.match_id.fillna("") != "").sum()),
        "seconds": res.seconds,
        "settings": {k: v for k, v in vars(s).items()},
    }


RECOVERY_COLUMNS = [
    "motif_id",
    "name",
    "model",
    "recovered",
    "n_patterns",
    "patterns",
    "best_qvalue",
    "n_off_family",
    "off_family",
]


def recovery_table(planted: pd.DataFrame, tables: dict[str, pd.DataFrame], motifs_cfg: dict) -> pd.DataFrame:
    """Per planted motif and model: recovered by a MoDISco pattern, and the model's off-family ids.

    ``n_off_family``/``off_family`` (the same on every row of a model): distinct
    JASPAR ids among its patterns' counted matches outside the planted motifs' TF
    families, by the filter method's rule (:mod:`chromcnn.interpret.specificity`).
    """
    families, rule = sp.database_families(motifs_cfg), sp.rule_from_config(motifs_cfg)
    parts = []
    for model, table in tables.items():
        rec = mo.recovery(planted, model, table)
        spec = mo.specificity(list(planted.motif_id), table, families, rule)
        rec["n_off_family"], rec["off_family"] = spec["n_off_family"], ",".join(spec["off_family_ids"])
        parts.append(rec)
    return pd.concat(parts, ignore_index=True)[RECOVERY_COLUMNS] if parts else pd.DataFrame(columns=RECOVERY_COLUMNS)
