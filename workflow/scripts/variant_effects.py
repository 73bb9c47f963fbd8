"""Snakemake adapter: one model's variant effects on one configured VCF (table + top variants)."""

import torch
from chromcnn.inference import load
from chromcnn.inference.device import pick_device
from chromcnn.inference.variants import score_vcf
from chromcnn.runner import run


def main(smk, log):
    p = smk.params
    torch.set_num_threads(smk.threads)
    device = pick_device(p.device)
    model = load(smk.input.model, device)
    summary = score_vcf(
        model,
        smk.input.vcf,
        smk.input.genome,
        smk.output.table,
        top_out=smk.output.top,
        top_k=p.top,
        max_indel=p.max_indel,
        max_ref_mismatch=p.max_ref_mismatch,
        device=device,
        batch_size=p.batch_size,
    )
    log.info("%s: %s", smk.output.table, summary)


run(snakemake, main)  # noqa: F821
