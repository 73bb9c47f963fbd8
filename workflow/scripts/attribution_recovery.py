"""Snakemake adapter: planted-motif recovery by the MoDISco patterns of every model."""

import pandas as pd
from chromcnn.interpret import attribution_method as am
from chromcnn.interpret import motif_sets as ms
from chromcnn.interpret import motifs as mtf
from chromcnn.io.atomic import write_tsv
from chromcnn.runner import run


def main(smk, log):
    p = smk.params
    files = smk.input.planted
    planted_path = files if isinstance(files, str) else (files[0] if len(files) else None)
    if not p.has_planted:
        write_tsv(pd.DataFrame(columns=am.RECOVERY_COLUMNS), smk.output.planted)
        return
    db = mtf.load_database(p.motifs)
    planted = ms.read_planted(planted_path, db)
    tables = {m: pd.read_csv(path, sep="\t") for m, path in zip(p.models, smk.input.patterns)}
    recovery = am.recovery_table(planted, tables, p.motifs)
    log.info("MoDISco recovery:\n%s", recovery.groupby("model").recovered.sum().to_string())
    write_tsv(recovery, smk.output.planted)


run(snakemake, main)  # noqa: F821
