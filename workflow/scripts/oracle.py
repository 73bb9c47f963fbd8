"""Snakemake adapter: the planted-motif oracle's test metrics (metrics.tsv + predictions.npz), as for a model."""

import torch
from chromcnn.errors import InputError
from chromcnn.evaluation import oracle
from chromcnn.evaluation import regression as rg
from chromcnn.evaluation import signal_reference as sr
from chromcnn.interpret import motif_sets as ms
from chromcnn.interpret import motifs as mtf
from chromcnn.io.atomic import write_json, write_tsv
from chromcnn.io.provenance import record
from chromcnn.io.split_h5 import read_meta
from chromcnn.runner import run


def _one(files) -> str:
    """A named input given as a list of at most one path: that path, or ''."""
    return files if isinstance(files, str) else (files[0] if len(files) else "")


def main(smk, log):
    p, i = smk.params, smk.input
    torch.set_num_threads(smk.threads)
    planted_path = _one(i.planted)
    if not planted_path:
        raise InputError("the oracle needs planted motifs", "set motifs.planted to a TSV with a motif_id column")
    db = mtf.load_database(p.motifs)
    planted = ms.read_planted(planted_path, db)
    ppms = [db.ppms[db.index(m)] for m in planted.motif_id]
    background = mtf.read_background(i.composition)
    log.info("planted matrices: %s (%s)", ", ".join(planted.motif_id), db.release)
    signal = read_meta(i.test).get("target_mode") == "signal"
    if signal:  # targets.mode signal: best scores and site counts, least squares per task
        featurize = sr.oracle_featurizer(ppms, background, read_meta(i.test)["window"], planted_path)
        result = sr.evaluate(i.train, i.test, featurize, p.bootstrap, p.seed, p.ci, p.batch_size, p.block_bp)
        for row in result.table.itertuples():
            log.info("%s: Pearson %.4f Spearman %.4f MSE %.4f", row.task, row.pearson, row.spearman, row.mse)
    else:
        result = oracle.evaluate(i.train, i.test, ppms, background, p.bootstrap, p.seed, p.ci, p.batch_size, p.block_bp)
        for row in result.table.itertuples():
            log.info("%s: n_pos %d AUROC %.4f AUPRC %.4f %s", row.task, row.n_pos, row.auroc, row.auprc, row.reason)
    inputs = {"train": i.train, "test": i.test, "planted": planted_path, "composition": i.composition}
    meta = {
        "planted": [f"{m} {n}" for m, n in zip(planted.motif_id, planted.name)],
        "database": db.release,
        "n_train": result.n_train,
        "bootstrap": p.bootstrap,
        "block_bp": p.block_bp,
        "seed": p.seed,
        "ci": p.ci,
        **record(p.config_hash, inputs, ("torch", "scikit-learn", "pyjaspar")),
    }
    if signal:
        meta = {"model": oracle.ORACLE, "tasks": result.tasks, "rc_average": False, **meta}
        rg.save_regression(smk.output.predictions, result.reps, result.y, result.pred, meta)
        write_json(meta, smk.output.record)
        write_tsv(result.table, smk.output.metrics)
    else:
        oracle.save(result, meta, smk.output.metrics, smk.output.predictions, smk.output.record)


run(snakemake, main)  # noqa: F821
