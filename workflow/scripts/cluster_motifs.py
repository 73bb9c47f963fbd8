"""Snakemake adapter: cluster the filters of all models with the MoDISco patterns; recovery of planted motifs."""

import json
from pathlib import Path

import pandas as pd
from chromcnn.interpret import motif_sets as ms
from chromcnn.interpret import motifs as mtf
from chromcnn.interpret import specificity as sp
from chromcnn.io.atomic import write_tsv
from chromcnn.runner import run


def main(smk, log):
    p = smk.params
    cfg = p.motifs
    db = mtf.load_database(cfg)
    files = smk.input.planted
    planted_path = files if isinstance(files, str) else (files[0] if len(files) else None)
    planted = ms.read_planted(planted_path, db) if p.has_planted else None  # before the Tomtom work
    loaded = []
    for model, status in zip(p.models, smk.input.status):
        record = json.loads(Path(status).read_text())
        untrained = bool(record.get("settings", {}).get("untrained_null", False))
        loaded.append(ms.read_model_motifs(model, Path(status).parent, record["interpretable"], untrained))
    patterns = [ms.read_model_patterns(m, path) for m, path in zip(p.pattern_models, smk.input.patterns)]
    background = mtf.read_background(smk.input.composition)
    clusters = ms.cluster(loaded, db, cfg["qvalue"], cfg["min_ic"], smk.threads, patterns, background)
    log.info("%d clusters; shared by all interpretable models: %d", len(clusters), int(clusters.shared_by_all.sum()))
    if planted is not None:
        rule = sp.rule_from_config(cfg)
        recovery = ms.planted_recovery(planted, loaded, rule)
        specific = ms.planted_specificity(planted, loaded, sp.database_families(cfg), rule)
        log.info("planted motif recall and off-family matches:\n%s", specific.iloc[:, :7].to_string())
    else:
        recovery = pd.DataFrame(columns=ms.PLANTED_COLUMNS)
        specific = pd.DataFrame(columns=ms.SPECIFICITY_COLUMNS)
    write_tsv(specific, smk.output.specificity)
    write_tsv(recovery, smk.output.planted)
    write_tsv(clusters, smk.output.clusters)


run(snakemake, main)  # noqa: F821
