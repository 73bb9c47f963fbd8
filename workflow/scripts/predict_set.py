"""Snakemake adapter: one model's predictions on one configured set (BED or FASTA)."""

import torch
from chromcnn.inference import load
from chromcnn.inference.device import pick_device
from chromcnn.inference.scoring import predict_bed, predict_fasta
from chromcnn.runner import run


def main(smk, log):
    p = smk.params
    torch.set_num_threads(smk.threads)
    device = pick_device(p.device)
    model = load(smk.input.model, device)
    kw = {"device": device, "rc_average": p.rc_average, "batch_size": p.batch_size}
    if p.kind == "fasta":
        summary = predict_fasta(model, smk.input.source, smk.output[0], **kw)
    else:
        summary = predict_bed(model, smk.input.source, smk.input.genome, smk.output[0], **kw)
    log.info("%s: %s", smk.output[0], summary)


run(snakemake, main)  # noqa: F821
