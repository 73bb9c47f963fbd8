"""Snakemake adapter: one-hot encode one split of windows.tsv.gz into HDF5."""

import json

from chromcnn.data.genome import fasta_index
from chromcnn.data.hdf5 import write_split
from chromcnn.data.signal import SignalTargets
from chromcnn.data.signal_checks import check_signals
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
    signal = None
    if p.targets:  # targets.mode signal/profile: check every bigWig's names before encoding
        sizes = {e.name: e.length for e in fasta_index(smk.input.fasta)}
        paths = dict(zip(p.targets["labels"], smk.input.signals))
        check_signals(paths, p.targets["labels"], sizes, p.targets.get("test"), log)
        t = p.targets
        signal = SignalTargets(paths, t["center"], t["transform"], t["mode"], t.get("bin", 128), t.get("crop", 0))
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
        signal=signal,
    )
    if signal is not None:
        signal.close()
        counts = signal.counts
        for task in signal.tasks:
            log.info(
                "%s signal: %d bases read, %d without data and %d negative (both read as 0)",
                task,
                counts.bases[task],
                counts.nan[task],
                counts.negative[task],
            )
    log.info("%s: %d examples written to %s", p.split, n, smk.output.h5)


run(snakemake, main)  # noqa: F821
