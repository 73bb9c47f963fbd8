"""Snakemake adapter: summary.tsv (macro/micro with CIs) and paired comparison.tsv of all models
(and of the planted-motif oracle when the data has planted motifs)."""

from chromcnn.evaluation.compare import compare
from chromcnn.io.atomic import write_tsv
from chromcnn.runner import run


def main(smk, log):
    summary, comparison = compare(list(smk.params.models), list(smk.input.predictions), smk.params.ci)
    write_tsv(comparison, smk.output.comparison)
    write_tsv(summary, smk.output.summary)
    log.info("summary:\n%s", summary.to_string(index=False))


run(snakemake, main)  # noqa: F821
