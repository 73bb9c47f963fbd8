"""Snakemake adapter: one-hot encode one split of windows.tsv.gz into HDF5."""

import json

from chromcnn.data.hdf5 import write_split
from chromcnn.io.provenance import package_versions, read_provenance
from chromcnn.runner import run


def main(smk, log):
    p = smk.params
    genome = read_provenance([smk.input.genome_provenance])["genome"]
    attrs = {
        "genome": p.genome,
        "genome_md5": genome["md5"],
        "config_hash": p.config_hash,
        "provenance": json.dumps({"packages": package_versions(), "genome": genome}),
    }
    n = write_split(
        smk.input.windows,
        p.split,
        smk.input.fasta,
        smk.output.h5,
        p.window,
        compression=p.hdf5["compression"],
        level=p.hdf5["compression_level"],
        chunk_rows=p.hdf5["chunk_rows"],
        attrs=attrs,
        threads=smk.threads,
        seed=p.seed,  # rows in a seeded random order (chromcnn.data.hdf5)
    )
    log.info("%s: %d examples written to %s", p.split, n, smk.output.h5)


run(snakemake, main)  # noqa: F821
