"""Snakemake adapter: one model's bigWig tracks, one per task."""

import torch
from chromcnn.inference import load
from chromcnn.inference.device import pick_device
from chromcnn.inference.tracks import write_tracks
from chromcnn.runner import run


def main(smk, log):
    p = smk.params
    torch.set_num_threads(smk.threads)
    device = pick_device(p.device)
    model = load(smk.input.model, device)
    outputs = dict(zip(p.tasks, smk.output))
    regions = list(smk.input.regions)
    summary = write_tracks(
        model,
        smk.input.genome,
        outputs,
        bed=regions[0] if regions else None,
        chroms=list(p.chromosomes) or None,
        stride=p.stride,
        device=device,
        batch_size=p.batch_size,
    )
    log.info("tracks: %s", summary)


run(snakemake, main)  # noqa: F821
