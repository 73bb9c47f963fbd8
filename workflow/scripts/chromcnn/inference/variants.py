"""Variant effects from a VCF: reference and alternative windows scored, streamed to a table.

Windows are centred on the variant: the window starts ``W // 2`` bp before the
variant's first REF base, so both alleles share the left flank; the reference
window is the genome's, the alternative one is the left flank, the ALT bases
and the genome after REF, cut to ``W`` (indels shift only the right flank).
Both strands are averaged unless told otherwise. Output columns: ``chrom``,
``pos`` (1-based, as in the VCF), ``id``, ``ref``, ``alt``, then per task
``{task}.ref``, ``{task}.alt`` (outputs), ``{task}.sad`` (alt - ref) and
``{task}.log_odds`` (logit(alt) - logit(ref), probabilities clipped to
[1e-7, 1 - 1e-7]). Alleles are read, scored and written in chunks, so memory
does not grow with the VCF. :func:`score_vcf` also keeps the ``top`` alleles
of each task by ``|sad|`` and writes their in-silico mutagenesis (every base
within ``flank`` bp of the variant changed to each other base; the change in
log-odds) as JSON for the report.
"""

from __future__ import annotations

import heapq
import itertools
import logging
from collections.abc import Iterable, Iterator

import numpy as np
import torch

from chromcnn.data.encode import codes_from_string, one_hot
from chromcnn.inference.genome_reader import Genome
from chromcnn.inference.model_file import LoadedModel
from chromcnn.inference.scoring import TableWriter
from chromcnn.inference.vcf import Allele, VcfCounts, alleles, check_vcf, ref_matches
from chromcnn.io.atomic import write_json

LOG = logging.getLogger(__name__)
EPS = 1e-7
LEAD = ["chrom", "pos", "id", "ref", "alt"]
SUFFIXES = ("ref", "alt", "sad", "log_odds")


def columns(tasks: list[str]) -> list[str]:
    """The table's header: :data:`LEAD` then ``{task}.ref/.alt/.sad/.log_odds`` per task."""
    return LEAD + [f"{t}.{s}" for t in tasks for s in SUFFIXES]


def allele_windows(genome: Genome, a: Allele, window: int) -> tuple[np.ndarray, np.ndarray]:
    """uint8 (window,) codes of the reference and alternative windows centred on ``a``."""
    left = window // 2
    start = a.pos - 1 - left
    ref = genome.window(a.chrom, start, window)
    alt = np.empty(window, np.uint8)
    head = min(window, left + len(a.alt))
    alt[:left] = ref[:left]
    alt[left:head] = codes_from_string(a.alt)[: head - left]
    if head < window:
        alt[head:] = genome.window(a.chrom, a.pos - 1 + len(a.ref), window - head)
    return ref, alt


def logit(p: np.ndarray) -> np.ndarray:
    """float32 log(p / (1 - p)) with p clipped to [EPS, 1 - EPS]."""
    p = np.clip(p.astype(np.float64), EPS, 1 - EPS)
    return np.log(p / (1 - p)).astype(np.float32)


def effects(p_ref: np.ndarray, p_alt: np.ndarray) -> np.ndarray:
    """float32 (n, 4T): per task ref, alt, sad, log_odds, interleaved as :func:`columns` orders them."""
    n, t = p_ref.shape
    out = np.stack([p_ref, p_alt, p_alt - p_ref, logit(p_alt) - logit(p_ref)], axis=2)
    return out.reshape(n, 4 * t)


def _chunks(it: Iterable[Allele], size: int) -> Iterator[list[Allele]]:
    it = iter(it)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


class TopEffects:
    """The ``k`` alleles with the largest ``|sad|`` per task (a heap each; memory O(k T))."""

    def __init__(self, tasks: list[str], k: int) -> None:
        self.tasks, self.k = tasks, k
        self.heaps: list[list] = [[] for _ in tasks]
        self._n = itertools.count()

    def add(self, chunk: list[Allele], eff: np.ndarray) -> None:
        if self.k == 0:
            return
        for t, heap in enumerate(self.heaps):
            sad = eff[:, 4 * t + 2]
            for i in np.argsort(-np.abs(sad))[: self.k]:
                item = (abs(float(sad[i])), next(self._n), chunk[i], eff[i, 4 * t : 4 * t + 4].tolist())
                (heapq.heappush if len(heap) < self.k else heapq.heappushpop)(heap, item)

    def best(self, t: int) -> list[tuple[Allele, list[float]]]:
        return [(a, v) for _, _, a, v in sorted(self.heaps[t], key=lambda h: (-h[0], h[1]))]


def ism(model: LoadedModel, codes: np.ndarray, task: int, flank: int, **kw) -> np.ndarray:
    """float32 (4, 2 flank + 1): change in the task's log-odds when the base at each position
    around the window's centre (``W // 2``) is changed to A, C, G or T (0 for the base already there)."""
    window = len(codes)
    centre = window // 2
    positions = [p for p in range(centre - flank, centre + flank + 1)]
    batch = np.repeat(codes[None], 1 + 4 * len(positions), axis=0)
    for j, p in enumerate(positions):
        batch[1 + 4 * j : 5 + 4 * j, p] = np.arange(4)
    lo = logit(model.predict(one_hot(batch), **kw)[:, task])
    return (lo[1:] - lo[0]).reshape(len(positions), 4).T.copy()


def _top_record(model, genome, top: TopEffects, flank: int, **kw) -> dict:
    out: dict = {"tasks": list(model.tasks), "flank": flank, "top": {}}
    for t, task in enumerate(model.tasks):
        rows = []
        for a, (p_ref, p_alt, sad, lo) in top.best(t):
            ref, alt = allele_windows(genome, a, model.window)
            span = slice(model.window // 2 - flank, model.window // 2 + flank + 1)
            rows.append(
                {
                    **{k: getattr(a, k) for k in ("chrom", "pos", "id", "ref", "alt")},
                    **{"p_ref": p_ref, "p_alt": p_alt, "sad": sad, "log_odds": lo},
                    "seq_ref": "".join("ACGTN"[c] for c in ref[span]),
                    "seq_alt": "".join("ACGTN"[c] for c in alt[span]),
                    "ism_ref": ism(model, ref, t, flank, **kw).round(5).tolist(),
                    "ism_alt": ism(model, alt, t, flank, **kw).round(5).tolist(),
                }
            )
        out["top"][task] = rows
    return out


def score_vcf(
    model: LoadedModel,
    vcf: str,
    genome: str | Genome,
    out: str,
    *,
    top_out: str | None = None,
    top_k: int = 5,
    flank: int = 10,
    max_indel: int = 50,
    max_ref_mismatch: float = 0.05,
    chunk: int = 1024,
    device: torch.device | str = "cpu",
    rc_average: bool = True,
    batch_size: int = 256,
) -> dict:
    """Score every SNV and short indel of a VCF into a table (see the module docstring).

    The VCF is checked in a first pass (:func:`chromcnn.inference.vcf.check_vcf`)
    before the model runs; alleles on chromosomes the genome lacks and REF
    mismatches (below the allowed fraction) are skipped and counted.

    Returns
    -------
    dict
        The counts (records, alleles, symbolic, too_long, unknown_chrom, ref_mismatch) and ``scored``.
    """
    genome = genome if isinstance(genome, Genome) else Genome(genome)
    checked = check_vcf(vcf, genome, max_indel, max_ref_mismatch)
    kw = {"device": device, "rc_average": rc_average, "batch_size": batch_size}
    top = TopEffects(list(model.tasks), top_k if top_out else 0)
    usable = (a for a in alleles(vcf, VcfCounts(), max_indel) if a.chrom in genome.sizes and ref_matches(genome, a))
    scored = 0
    with TableWriter(out, columns(model.tasks)) as table:
        for part in _chunks(usable, chunk):
            pairs = [allele_windows(genome, a, model.window) for a in part]
            x = one_hot(np.stack([c for pair in pairs for c in pair]))
            probs = model.predict(x, **kw)
            eff = effects(probs[0::2], probs[1::2])
            table.write([[getattr(a, k) for a in part] for k in LEAD], eff)
            top.add(part, eff)
            scored += len(part)
        summary = {**checked.as_dict(), "scored": scored}
        if top_out:  # inside the table's block: a failure here leaves neither file
            write_json({**_top_record(model, genome, top, flank, **kw), "counts": summary}, top_out)
    LOG.info("%s: %d alleles scored; %s", out, scored, checked.as_dict())
    return summary
