"""Snakemake adapter: test-split metrics of one model (metrics.tsv + predictions.npz)."""

import torch
from chromcnn.errors import InputError
from chromcnn.evaluation import metrics as ev
from chromcnn.evaluation import profile as pf
from chromcnn.evaluation import regression as rg
from chromcnn.inference import load
from chromcnn.inference.device import pick_device
from chromcnn.inference.predict import predict_split
from chromcnn.io.atomic import write_json, write_tsv
from chromcnn.io.provenance import outside_code, record
from chromcnn.io.split_h5 import read_coords, read_meta
from chromcnn.runner import run


def main(smk, log):
    p = smk.params
    torch.set_num_threads(smk.threads)
    loaded = load(smk.input.model)
    tasks = read_meta(smk.input.test)["tasks"]
    if tasks != loaded.tasks:
        raise InputError(
            f"the model was trained on tasks {loaded.tasks}, the test split has {tasks}",
            "retrain the model (delete results/models) or rebuild the data stage",
            path=smk.input.test,
        )
    device = pick_device(p.device)
    probs, y = predict_split(loaded.model, smk.input.test, p.batch_size, device, loaded.task_type, p.rc_average)
    log.info("predicted %d test windows x %d tasks on %s (rc_average=%s)", *probs.shape[:2], device, p.rc_average)
    chrom, start, _ = read_coords(smk.input.test)  # rows of predict_split are the file's rows
    blocks = ev.genomic_blocks(chrom, start, p.block_bp)
    n_blocks = int(blocks.max()) + 1 if blocks is not None and len(blocks) else len(y)
    if n_blocks < ev.MIN_BLOCKS:
        log.warning(
            "%d bootstrap blocks of %s bp: intervals are unreliable; lower evaluate.block_bp", n_blocks, p.block_bp
        )
    baseline = None
    if probs.ndim == 3:  # targets.mode profile: (N, T, bins), and the mean-profile baseline
        probs = pf.coverage(probs, loaded.settings.get("loss")).astype("float32")
        reps = pf.profile_replicates(y, probs, p.bootstrap, p.seed, blocks)
        mean = pf.mean_profile(smk.input.train)
        baseline = pf.profile_replicates(y, pf.baseline_predictions(mean, len(y)), p.bootstrap, p.seed, blocks)
        table = pf.profile_table(y, reps, tasks, p.ci)
        base_table = pf.profile_table(y, baseline, tasks, p.ci)
        for row, base in zip(table.itertuples(), base_table.itertuples()):
            log.info(
                "%s: window Pearson %.4f [%.4f, %.4f] (mean-profile baseline %.4f [%.4f, %.4f]) total Pearson %.4f",
                row.task,
                row.window_pearson,
                row.window_pearson_lo,
                row.window_pearson_hi,
                base.window_pearson,
                base.window_pearson_lo,
                base.window_pearson_hi,
                row.total_pearson,
            )
    elif loaded.task_type == "regression":  # targets.mode signal: Pearson, Spearman, MSE
        reps = rg.regression_replicates(y, probs, p.bootstrap, p.seed, blocks)
        table = rg.regression_table(y, reps, tasks, p.ci)
        for row in table.itertuples():
            log.info("%s: Pearson %.4f Spearman %.4f MSE %.4f", row.task, row.pearson, row.spearman, row.mse)
    else:
        reps = ev.replicates(y, probs, p.bootstrap, p.seed, blocks)
        table = ev.task_table(y, reps, tasks, p.ci, probs)
        for row in table.itertuples():
            log.info("%s: n_pos %d AUROC %.4f AUPRC %.4f %s", row.task, row.n_pos, row.auroc, row.auprc, row.reason)
    meta = {
        "model": p.model_id,
        "tasks": tasks,
        "rc_average": p.rc_average,
        "bootstrap": p.bootstrap,
        "block_bp": p.block_bp,
        "n_blocks": n_blocks,
        "seed": p.seed,
        "ci": p.ci,
        **record(
            p.config_hash,
            {"model": smk.input.model, "test": smk.input.test},
            ("torch", "scikit-learn"),
            outside_code(loaded.record.get("seqgra")),
        ),
    }
    if baseline is not None:
        pf.save_profile(smk.output.predictions, reps, y, probs, meta, baseline)
    else:
        save = rg.save_regression if loaded.task_type == "regression" else ev.save_replicates
        save(smk.output.predictions, reps, y, probs, meta)
    write_json(meta, smk.output.record)
    write_tsv(table, smk.output.metrics)


run(snakemake, main)  # noqa: F821
