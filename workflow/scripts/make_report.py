"""Snakemake adapter: results/report.html from every stage's outputs."""

from pathlib import Path

from chromcnn.report.build import ReportInputs, collect, render
from chromcnn.runner import run


def main(smk, log):
    i, p = smk.input, smk.params
    inputs = ReportInputs(
        qc=i.qc,
        composition=i.composition,
        models=list(p.models),
        settings=dict(p.settings),
        histories=list(i.histories),
        metrics=list(i.metrics),
        predictions=list(i.predictions),
        summary=i.summary,
        comparison=i.comparison,
        motif_dirs=[str(Path(s).parent) for s in i.motif_status],
        clusters=i.clusters,
        planted=i.planted if p.has_planted else None,
        config_hash=p.config_hash,
        database=p.database,
        logos_per_model=p.logos_per_model,
        qvalue=p.qvalue,
    )
    render(collect(inputs), smk.output.html)
    log.info("wrote %s (%.1f MB)", smk.output.html, Path(smk.output.html).stat().st_size / 1e6)


run(snakemake, main)  # noqa: F821
