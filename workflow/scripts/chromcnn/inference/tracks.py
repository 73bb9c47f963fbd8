"""Genome-wide tracks: the model slid along regions or whole chromosomes, one bigWig per task.

Over each interval ``[s, e)`` (a region list, merged and sorted in genome
order, or whole chromosomes) the bins ``[s + k * stride, s + (k + 1) * stride)``
(the last one clipped at ``e``) get the output of the window **centred on the
bin's centre** ``c = s + k * stride + stride // 2`` (window start
``c - W // 2``, as the TSV's window for the one-base region ``[c, c + 1)``);
windows running off a chromosome are N-padded. So the value a browser shows
at ``c`` is exactly the prediction table's value for the window centred
there. Both strands are averaged unless told otherwise. Files are written
under temporary names and renamed only when every task's file is complete.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyBigWig
import torch

from chromcnn.data.encode import one_hot
from chromcnn.errors import InputError
from chromcnn.inference.genome_reader import Genome, check_names
from chromcnn.inference.model_file import LoadedModel
from chromcnn.io.atomic import finish, temp_path
from chromcnn.io.bed import BedFile

LOG = logging.getLogger(__name__)


def track_intervals(genome: Genome, bed: str | None = None, chroms: list[str] | None = None) -> list[tuple]:
    """Sorted, merged ``(chrom, start, end)`` intervals in genome order: a BED's regions or whole chromosomes.

    Raises
    ------
    InputError
        No intervals; BED chromosomes the genome lacks; a region past its chromosome's end;
        an unknown chromosome name in ``chroms``.
    """
    order = {c: i for i, c in enumerate(genome.sizes)}
    if bed:
        raw = [(r.cols[0], r.start, r.end, r.line_no) for r in BedFile(bed, kind="region")]
        if not raw:
            raise InputError("no regions in the BED file", "give a BED with at least one region", path=bed)
        check_names(bed, "regions", Counter(r[0] for r in raw), genome.sizes)
        for chrom, _, end, line in raw:
            if end > genome.sizes[chrom]:
                raise InputError(
                    f"region ends at {end:,}, past the end of {chrom} ({genome.sizes[chrom]:,} bp)",
                    "use a BED of the genome's assembly, or clip the region to the chromosome",
                    path=bed,
                    line=line,
                )
        spans = sorted(((c, s, e) for c, s, e, _ in raw if e > s), key=lambda r: (order[r[0]], r[1]))
    else:
        names = chroms or list(genome.sizes)
        missing = [c for c in names if c not in genome.sizes]
        if missing:
            raise InputError(
                f"chromosome {missing[0]!r} is not in the genome {genome.path}",
                f"name chromosomes the genome has (e.g. {', '.join(list(genome.sizes)[:3])})",
            )
        spans = sorted(((c, 0, genome.sizes[c]) for c in names), key=lambda r: order[r[0]])
    merged: list[list] = []
    for c, s, e in spans:
        if merged and merged[-1][0] == c and s <= merged[-1][2]:
            merged[-1][2] = max(merged[-1][2], e)
        else:
            merged.append([c, s, e])
    return [tuple(m) for m in merged]


def bins(start: int, end: int, stride: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """int64 bin starts, ends and centres tiling ``[start, end)`` at ``stride`` (last bin clipped)."""
    lo = np.arange(start, end, stride, dtype=np.int64)
    return lo, np.minimum(lo + stride, end), lo + stride // 2


def _batches(genome: Genome, intervals: list[tuple], window: int, stride: int, batch: int) -> Iterator[tuple]:
    for chrom, start, end in intervals:
        lo, hi, centre = bins(start, end, stride)
        for i in range(0, len(lo), batch):
            codes = genome.windows(chrom, centre[i : i + batch] - window // 2, window)
            yield chrom, lo[i : i + batch], hi[i : i + batch], codes


def write_tracks(
    model: LoadedModel,
    genome: str | Genome,
    outputs: dict[str, str],
    *,
    bed: str | None = None,
    chroms: list[str] | None = None,
    stride: int = 50,
    device: torch.device | str = "cpu",
    rc_average: bool = True,
    batch_size: int = 256,
) -> dict:
    """One bigWig per task of the model's outputs along the intervals.

    Parameters
    ----------
    outputs : dict of str to str
        Task -> bigWig path; every task of the model must be named.
    bed, chroms
        The intervals: a BED of regions, or chromosome names (default: the whole genome).
    stride : int
        Bin width (bp) and step between window centres.

    Returns
    -------
    dict
        ``intervals``, ``bins`` (per task), ``bp`` covered.
    """
    if stride < 1:
        raise InputError(f"stride {stride} is below 1 bp", "give a stride of at least 1 bp")
    missing = [t for t in model.tasks if t not in outputs]
    if missing:
        raise InputError(
            f"no output named for task(s) {', '.join(missing)} of {model.path}", "name one bigWig per task"
        )
    genome = genome if isinstance(genome, Genome) else Genome(genome)
    intervals = track_intervals(genome, bed, chroms)
    used = {c for c, _, _ in intervals}
    header = [(c, n) for c, n in genome.sizes.items() if c in used]
    tmps = {t: temp_path(outputs[t]) for t in model.tasks}
    ok, n_bins = False, 0
    handles = {}
    try:
        for t, tmp in tmps.items():
            Path(tmp).parent.mkdir(parents=True, exist_ok=True)
            handles[t] = pyBigWig.open(str(tmp), "w")
            handles[t].addHeader(header)
        for chrom, lo, hi, codes in _batches(genome, intervals, model.window, stride, batch_size * 8):
            probs = model.predict(one_hot(codes), device, rc_average=rc_average, batch_size=batch_size)
            for k, t in enumerate(model.tasks):
                handles[t].addEntries([chrom] * len(lo), lo.tolist(), ends=hi.tolist(), values=probs[:, k].tolist())
            n_bins += len(lo)
        for h in handles.values():
            h.close()
        handles.clear()
        ok = True
    finally:
        for h in handles.values():
            h.close()
        for t, tmp in tmps.items():
            finish(tmp, outputs[t], ok)
    bp = sum(e - s for _, s, e in intervals)
    LOG.info("tracks: %d intervals, %d bp, %d bins per task at stride %d", len(intervals), bp, n_bins, stride)
    return {"intervals": len(intervals), "bins": n_bins, "bp": bp}
