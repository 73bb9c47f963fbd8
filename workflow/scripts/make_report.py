"""Snakemake adapter: results/report.html from every stage's outputs."""

from pathlib import Path

from chromcnn.interpret import methods
from chromcnn.report.build import write_report
from chromcnn.report.inputs import ReportInputs
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
        interpret=methods.from_inputs(i),
        has_planted=p.has_planted,
        config_hash=p.config_hash,
        database=p.database,
        logos_per_model=p.logos_per_model,
        qvalue=p.qvalue,
    )
    write_report(inputs, smk.output.html)
    log.info("wrote %s (%.1f MB)", smk.output.html, Path(smk.output.html).stat().st_size / 1e6)


run(snakemake, main)  # noqa: F821
