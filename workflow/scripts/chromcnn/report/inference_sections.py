"""Report sections of the inference outputs: the strongest variant effects and an example locus.

Shown only when the ``variants`` or ``tracks`` config sections produced files.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from chromcnn.report.figures import deferrable, to_uri
from chromcnn.report.inputs import ReportInputs, fmt, read_json
from chromcnn.report.render import render_block


@deferrable
def ism_logo(ism: np.ndarray, seq: str, title: str = "") -> str:
    """Logo of a (4, W) mutagenesis matrix: each base of ``seq`` drawn with height = minus the mean
    change in log-odds when it is mutated (tall = the base supports the prediction)."""
    import logomaker

    heights = np.zeros((len(seq), 4))
    for i, b in enumerate(seq):
        if b in "ACGT":
            heights[i, "ACGT".index(b)] = -ism[:, i].sum() / 3
    fig, ax = plt.subplots(figsize=(0.22 * len(seq) + 0.6, 1.1))
    logomaker.Logo(pd.DataFrame(heights, columns=list("ACGT")), ax=ax, color_scheme="classic", show_spines=False)
    ax.axvline(len(seq) // 2, color="k", lw=0.5, ls=":")
    ax.set_xticks([])
    ax.tick_params(labelsize=6)
    if title:
        ax.set_title(title, fontsize=7)
    return to_uri(fig)


def variants_context(paths: list[str], logos: int = 2) -> list[dict]:
    """One block per top file (model, VCF): rows of the strongest effects per task, logos for the first."""
    blocks = []
    for path in paths:
        rec = read_json(path)
        rows = []
        for task, top in rec["top"].items():
            for k, v in enumerate(top):
                row = {"task": task, "variant": f"{v['chrom']}:{v['pos']} {v['ref']}>{v['alt']}", "id": v["id"]}
                row.update({c: fmt(float(v[c])) for c in ("p_ref", "p_alt", "sad", "log_odds")})
                row["logos"] = []
                if k < logos:
                    row["logos"] = [
                        ism_logo(np.array(v["ism_ref"]), v["seq_ref"], "ref"),
                        ism_logo(np.array(v["ism_alt"]), v["seq_alt"], "alt"),
                    ]
                rows.append(row)
        model, vcf = Path(path).parent.name, Path(path).name.removesuffix(".top.json")
        blocks.append({"model": model, "vcf": vcf, "rows": rows, "counts": rec.get("counts", {})})
    return blocks


def variants(inp: ReportInputs) -> str | None:
    if not inp.variants_top:
        return None
    return render_block("variants", blocks=variants_context(inp.variants_top))


def _peaks(path: str, chrom: str, lo: int, hi: int) -> list[tuple[int, int]]:
    from chromcnn.io.bed import BedFile

    return [(r.start, r.end) for r in BedFile(path) if r.cols[0] == chrom and r.end > lo and r.start < hi]


def locus_figure(tracks: list[str], peaks: list[str], width: int = 20000) -> tuple[str, str]:
    """Figure of the first covered locus: per task its peaks and every model's track; returns (uri, locus)."""
    import pyBigWig

    by_task: dict[str, list[tuple[str, str]]] = {}
    for path in tracks:
        by_task.setdefault(Path(path).stem, []).append((Path(path).parent.name, path))
    with pyBigWig.open(tracks[0]) as bw:
        chrom = next(iter(bw.chroms()))
        first = bw.intervals(chrom)[0][0]
    lo, hi = first, first + width
    peak_files = {Path(p).name.split(".")[0]: p for p in peaks}
    fig, axes = plt.subplots(len(by_task), 1, figsize=(9, 1.1 * len(by_task) + 0.5), sharex=True, squeeze=False)
    for ax, (task, files) in zip(axes[:, 0], by_task.items()):
        for model, path in files:
            with pyBigWig.open(path) as bw:
                end = min(hi, bw.chroms()[chrom])
                ax.plot(np.arange(lo, end), np.nan_to_num(np.array(bw.values(chrom, lo, end))), lw=0.8, label=model)
        for s, e in _peaks(peak_files[task], chrom, lo, hi) if task in peak_files else []:
            ax.axvspan(s, e, color="0.8", lw=0)
        ax.set_ylim(0, 1)
        ax.set_ylabel(task, fontsize=7, rotation=0, ha="right")
        ax.tick_params(labelsize=6)
    axes[0, 0].legend(fontsize=6, ncol=4, loc="upper right")
    axes[-1, 0].set_xlabel(f"{chrom} (grey: peaks)", fontsize=7)
    return to_uri(fig), f"{chrom}:{lo:,}-{hi:,}"


def locus(inp: ReportInputs) -> str | None:
    if not inp.tracks:
        return None
    uri, where = locus_figure(inp.tracks, inp.peaks)
    return render_block("locus", figure=uri, locus=where, files=sorted(inp.tracks))
