"""Snakemake adapter: the GC-only regression of signal mode (metrics.tsv + predictions.npz), as for a model."""

import torch
from chromcnn.evaluation import regression as rg
from chromcnn.evaluation import signal_reference as sr
from chromcnn.evaluation.compare import GC_ONLY
from chromcnn.io.atomic import write_json, write_tsv
from chromcnn.io.provenance import record
from chromcnn.runner import run


def main(smk, log):
    p, i = smk.params, smk.input
    torch.set_num_threads(smk.threads)
    result = sr.evaluate(i.train, i.test, sr.gc_features, p.bootstrap, p.seed, p.ci, p.batch_size, p.block_bp)
    for row in result.table.itertuples():
        log.info("%s: Pearson %.4f Spearman %.4f MSE %.4f", row.task, row.pearson, row.spearman, row.mse)
    meta = {
        "model": GC_ONLY,
        "tasks": result.tasks,
        "rc_average": False,
        "features": "GC fraction and its square; least squares per task on the training split",
        "n_train": result.n_train,
        "bootstrap": p.bootstrap,
        "block_bp": p.block_bp,
        "seed": p.seed,
        "ci": p.ci,
        **record(p.config_hash, {"train": i.train, "test": i.test}, ("torch", "scikit-learn")),
    }
    rg.save_regression(smk.output.predictions, result.reps, result.y, result.pred, meta)
    write_json(meta, smk.output.record)
    write_tsv(result.table, smk.output.metrics)


run(snakemake, main)  # noqa: F821
