"""Snakemake adapter: results/report.html from every stage's outputs."""

from pathlib import Path

from chromcnn.interpret import methods
from chromcnn.report.build import write_report
from chromcnn.report.inputs import ReportInputs
from chromcnn.runner import run


def _oracle(i) -> dict:
    """The oracle's metrics.tsv and predictions.npz (empty without planted motifs)."""
    metrics, predictions = list(i.oracle_metrics), list(i.oracle_predictions)
    return {"metrics": metrics[0], "predictions": predictions[0]} if metrics else {}


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
        seeds=i.seeds,
        variants=i.variants,
        multiple_testing=p.multiple_testing,
        interpret=methods.from_inputs(i),
        has_planted=p.has_planted,
        oracle=_oracle(i),
        config_hash=p.config_hash,
        database=p.database,
        logos_per_model=p.logos_per_model,
        qvalue=p.qvalue,
        variants_top=list(getattr(i, "variants_top", [])),
        tracks=list(getattr(i, "tracks", [])),
        peaks=list(getattr(i, "peaks", [])),
    )
    write_report(inputs, smk.output.html, processes=smk.threads)
    log.info("wrote %s (%.1f MB)", smk.output.html, Path(smk.output.html).stat().st_size / 1e6)


run(snakemake, main)  # noqa: F821
