"""Snakemake adapter: the genome's base composition (the background of motif information content)."""

from chromcnn.data.genome import base_composition
from chromcnn.io.atomic import write_json
from chromcnn.runner import run


def main(smk, log):
    comp = base_composition(smk.input.fasta)
    log.info("base composition: %s", comp)
    write_json(comp, smk.output.json)


run(snakemake, main)  # noqa: F821
