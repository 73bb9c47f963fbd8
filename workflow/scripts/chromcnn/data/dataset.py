"""The data stage's driver: peaks -> windows.tsv.gz + qc.json.

All peak files and the blacklist are parsed and checked first (cheap, and
where bad input is caught: unknown chromosome names, peaks from another
assembly, a blacklist in another naming style); the expensive per-chromosome
work starts only when every input is good. The output appears only when
complete, and a split left with no examples stops the run before any HDF5 file
is written.
"""

from __future__ import annotations

import logging
from collections import Counter

import numpy as np

from chromcnn.config.references import check_split_chromosomes
from chromcnn.data.assembly import check_past_end, check_peak_assembly
from chromcnn.data.genome import fasta_index
from chromcnn.data.peaks import PeakSet, load_blacklist, read_peaks
from chromcnn.data.splits import SPLITS
from chromcnn.data.windows import ChromResult, WindowParams, build_chrom, write_chrom
from chromcnn.errors import InputError
from chromcnn.io.windows_table import WindowsWriter

LOG = logging.getLogger(__name__)
GC_HIST_BINS = 20


def read_all_peaks(
    peak_files: dict[str, str],
    chrom_sizes: dict[str, int],
    past_end: str,
    max_unknown: float,
    labels: dict[str, str] | None = None,
    max_past_end: float = 0.01,
) -> list[PeakSet]:
    """Parse and check every cell type's peaks (in config order), raising on the first bad file.

    Each file is read (:func:`chromcnn.data.peaks.read_peaks`), then checked for peaks of
    another known assembly (:func:`chromcnn.data.assembly.check_peak_assembly`) and for
    more than ``max_past_end`` of its peaks past chromosome ends
    (:func:`chromcnn.data.assembly.check_past_end`).
    """
    labels = labels or {}
    out = []
    for name, path in peak_files.items():
        label = labels.get(name) or str(path)
        peaks = read_peaks(path, name, chrom_sizes, past_end, max_unknown, label=label)
        check_peak_assembly(label, name, peaks.max_end, chrom_sizes)
        check_past_end(label, name, peaks.qc, peaks.max_end, chrom_sizes, max_past_end)
        out.append(peaks)
    return out


class QC:
    """Counts and histograms of the windows written."""

    def __init__(self, tasks: list[str]) -> None:
        self.tasks = tasks
        self.counts: Counter = Counter()
        t = len(tasks)
        self.split_n = {s: Counter() for s in SPLITS}
        self.split_pos = {s: np.zeros(t, np.int64) for s in SPLITS}
        self.cooc = np.zeros((t, t), np.int64)
        self.gc_hist = {k: np.zeros(GC_HIST_BINS, np.int64) for k in ("positive", "negative")}
        self.gc_sum = Counter()

    def add(self, res: ChromResult) -> None:
        """Accumulate one chromosome's windows."""
        bins = np.minimum((res.gc * GC_HIST_BINS).astype(np.int64), GC_HIST_BINS - 1)
        for kind, mask in (("positive", ~res.is_negative), ("negative", res.is_negative)):
            self.gc_hist[kind] += np.bincount(bins[mask], minlength=GC_HIST_BINS)
            self.gc_sum[kind] += float(res.gc[mask].sum())
        lab = res.labels.astype(np.int64)
        self.cooc += lab[~res.is_negative].T @ lab[~res.is_negative]
        for code, name in enumerate(SPLITS):
            m = res.split == code
            self.split_n[name]["windows"] += int(m.sum())
            self.split_n[name]["negatives"] += int((m & res.is_negative).sum())
            self.split_pos[name] += lab[m].sum(axis=0)

    def summary(self) -> dict:
        """JSON-ready summary."""
        splits = {}
        for name in SPLITS:
            n = self.split_n[name]["windows"]
            splits[name] = {
                "windows": n,
                "negatives_sampled": self.split_n[name]["negatives"],
                "positives_per_task": dict(zip(self.tasks, self.split_pos[name].tolist())),
            }
        gc = {}
        for kind, hist in self.gc_hist.items():
            total = int(hist.sum())
            gc[kind] = {
                "n": total,
                "mean": (self.gc_sum[kind] / total) if total else None,
                "histogram": hist.tolist(),
                "bin_edges": np.linspace(0, 1, GC_HIST_BINS + 1).round(3).tolist(),
            }
        return {
            "windows": {k: int(v) for k, v in sorted(self.counts.items())},
            "splits": splits,
            "label_cooccurrence": {"tasks": self.tasks, "counts": self.cooc.tolist()},
            "gc": gc,
        }


def check_splits(summary: dict, config_file: str) -> None:
    """Raise when a split has no examples (or no positives at all)."""
    for name in SPLITS:
        if summary["splits"][name]["windows"] == 0:
            raise InputError(
                f"the {name} split has no examples",
                f"list chromosomes or regions that hold peaks under splits.{'valid' if name == 'train' else name} "
                "(and leave some for train)",
                path=config_file,
            )


def build_windows_table(
    fasta: str,
    peak_files: dict[str, str],
    blacklist: str | None,
    params: WindowParams,
    out_tsv: str,
    past_end: str = "clip",
    max_unknown: float = 0.5,
    config_file: str = "config.yaml",
    peak_labels: dict[str, str] | None = None,
    max_past_end: float = 0.01,
    blacklist_label: str | None = None,
    genome_label: str | None = None,
) -> dict:
    """Run the whole window-building step.

    Parameters
    ----------
    fasta : str
        Plain indexed FASTA (``.fai`` beside it).
    peak_files : dict of str to str
        Cell type -> peak file, in task order.
    blacklist : str or None
        BED of regions to exclude.
    params : WindowParams
    out_tsv : str
        ``windows.tsv.gz`` to write (atomically).
    past_end, max_unknown : see :func:`chromcnn.data.peaks.read_peaks`; ``max_unknown``
        also bounds blacklist records in another naming style
        (:func:`chromcnn.data.peaks.load_blacklist`).
    config_file : str
        Named in the error when a split is empty.
    peak_labels : dict, optional
        Names to use for peak files in messages.
    max_past_end : float
        ``peaks.max_past_end_fraction``: stop when more of a cell type's peaks run past
        chromosome ends.
    blacklist_label : str, optional
        Name to use for the blacklist in messages and qc.json (defaults to ``blacklist``).
    genome_label : str, optional
        The user's genome file, named when a held-out chromosome is not in it.

    Returns
    -------
    dict
        QC summary (peaks per cell type, blacklist counts or None, window counts, splits,
        GC, co-occurrence).
    """
    entries = fasta_index(fasta)
    sizes = {e.name: e.length for e in entries}
    held_out = {split: [str(r) for r in regions] for split, regions in params.held_out.items()}
    check_split_chromosomes(held_out, sizes, params.window, config_file, genome_label or fasta)
    tasks = list(peak_files)
    peaksets = read_all_peaks(peak_files, sizes, past_end, max_unknown, peak_labels, max_past_end)
    black, black_qc = load_blacklist(blacklist, sizes, max_unknown, blacklist_label) if blacklist else ({}, None)
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    qc = QC(tasks)
    with WindowsWriter(out_tsv, tasks) as writer:
        for entry in entries:
            res = build_chrom(entry, fasta, peaksets, black.get(entry.name, empty), params, qc.counts)
            if res is not None and len(res.starts):
                write_chrom(writer, entry.name, res, params.window)
                qc.add(res)
                LOG.info("%s: %d windows", entry.name, len(res.starts))
        summary = qc.summary()
        summary["peaks"] = {p.name: p.qc for p in peaksets}
        summary["blacklist"] = black_qc
        check_splits(summary, config_file)
    return summary
