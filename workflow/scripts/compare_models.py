"""Snakemake adapter: summary.tsv (macro/micro with CIs) and paired comparison.tsv of all models
(and of the planted-motif oracle when the data has planted motifs); seeds.tsv and
variant_comparison.tsv (each variant over its seeds)."""

from chromcnn.evaluation.compare import across_seeds, compare
from chromcnn.io.atomic import write_tsv
from chromcnn.runner import run


def main(smk, log):
    p = smk.params
    models, paths = list(p.models), list(smk.input.predictions)
    summary, comparison = compare(models, paths, p.ci, p.multiple_testing)
    seeds, variants = across_seeds(models, paths, p.ci, p.seed, p.multiple_testing)
    write_tsv(comparison, smk.output.comparison)
    write_tsv(seeds, smk.output.seeds)
    write_tsv(variants, smk.output.variants)
    write_tsv(summary, smk.output.summary)
    log.info("summary:\n%s", summary.to_string(index=False))


run(snakemake, main)  # noqa: F821
