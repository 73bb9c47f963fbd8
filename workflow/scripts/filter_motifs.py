"""Snakemake adapter: first-layer filters of one model -> PWMs, JASPAR matches, influence."""

import torch
from chromcnn.config.settings import TrainSettings
from chromcnn.inference import load
from chromcnn.inference.device import pick_device
from chromcnn.inference.model_file import build
from chromcnn.interpret import filter_method as it
from chromcnn.interpret import motifs as mtf
from chromcnn.interpret.filters import NotInterpretable
from chromcnn.io.provenance import outside_code, record
from chromcnn.models.losses import make_loss
from chromcnn.runner import run


def main(smk, log):
    p, out = smk.params, smk.output
    torch.set_num_threads(smk.threads)
    db = mtf.load_database(p.motifs)  # a missing release fails here, before any model work
    loaded = load(smk.input.model)  # the model file describes itself: no config needed
    background = mtf.read_background(smk.input.composition)
    settings = it.MotifSettings.from_config(p.motifs, p.seed, smk.threads)
    if loaded.task_type != "multi-label" and settings.influence_sequences:
        log.warning("influence is computed for multi-label (0/1) tasks only; skipped for %s", loaded.task_type)
        settings.influence_sequences = 0
    status = {"model": p.model_id, "database": db.release, "interpretable": True, "reason": ""}
    x, y = it.sample_split(smk.input.test, settings.max_sequences, settings.seed)
    loss_fn = make_loss(TrainSettings(**loaded.settings), None)
    try:
        result = it.analyse(loaded.model, x, y, loaded.tasks, loss_fn, background, db, settings, pick_device(p.device))
        if settings.untrained_null:  # the same architecture, initialised as training began (same seed)
            torch.manual_seed(int(loaded.settings["seed"]))
            result.untrained = it.untrained_matches(
                build(loaded.record), x, background, db, settings, pick_device(p.device)
            )
    except NotInterpretable as why:
        log.warning("%s: first layer not interpretable: %s", p.model_id, why)
        status.update(interpretable=False, reason=str(why))
        result = it.empty_result(loaded.tasks)
    status.update(
        **it.counts(result.table, settings),
        n_sequences=len(x),
        n_untrained_matched=int(result.untrained["filter"].nunique()),
        settings=vars(settings),
        background=dict(zip("ACGT", background.tolist())),
        **record(
            p.config_hash,
            {"model": smk.input.model, "test": smk.input.test},
            ("torch", "memelite", "pyjaspar"),
            outside_code(loaded.record.get("seqgra")),
        ),
    )
    log.info(
        "%s: %d filters, %d with sites, %d matched",
        p.model_id,
        status["n_filters"],
        status["n_with_sites"],
        status["n_matched"],
    )
    it.write_outputs(result, status, background, out)


run(snakemake, main)  # noqa: F821
