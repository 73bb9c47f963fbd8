"""Snakemake adapter: first-layer filters of one model -> PWMs, JASPAR matches, influence."""

import json

import numpy as np
import torch
from chromcnn.inference.predict import load_trained
from chromcnn.interpret import filter_method as it
from chromcnn.interpret import motifs as mtf
from chromcnn.interpret.filters import NotInterpretable
from chromcnn.io.provenance import record, write_json, write_tsv_atomic
from chromcnn.runner import run
from chromcnn.training.loop import TrainSettings, make_loss, pick_device


def main(smk, log):
    p, out = smk.params, smk.output
    torch.set_num_threads(smk.threads)
    db = mtf.load_database(p.motifs)  # a missing release fails here, before any model work
    model, saved = load_trained(smk.input.model, p.seqgra)
    with open(smk.input.composition) as handle:
        comp = json.load(handle)
    background = np.array([comp[b] for b in "ACGT"])
    settings = it.MotifSettings(
        **{
            k: p.motifs[k]
            for k in ("threshold_fraction", "min_sites", "pseudocount", "trim_ic", "qvalue", "min_ic", "min_mean_ic")
        },
        max_sequences=p.motifs["max_sequences"],
        influence_sequences=p.motifs["influence_sequences"],
        seed=p.seed,
        threads=smk.threads,
    )
    if saved["task_type"] != "multi-label" and settings.influence_sequences:
        log.warning("influence is computed for multi-label (0/1) tasks only; skipped for %s", saved["task_type"])
        settings.influence_sequences = 0
    status = {"model": p.model_id, "database": db.release, "interpretable": True, "reason": ""}
    x, y = it.sample_split(smk.input.test, settings.max_sequences, settings.seed)
    loss_fn = make_loss(TrainSettings(**saved["settings"]), None)
    try:
        result = it.analyse(model, x, y, saved["tasks"], loss_fn, background, db, settings, pick_device(p.device))
    except NotInterpretable as why:
        log.warning("%s: first layer not interpretable: %s", p.model_id, why)
        status.update(interpretable=False, reason=str(why))
        result = it.empty_result(saved["tasks"])
    t = result.table
    status.update(
        n_filters=len(t),
        n_with_sites=int((t.n_sites >= settings.min_sites).sum()) if len(t) else 0,
        n_informative=int((t.status == "ok").sum()) if len(t) else 0,
        n_matched=int((t.match_qvalue < settings.qvalue).sum()) if len(t) else 0,
        n_sequences=len(x),
        settings=vars(settings),
        background=dict(zip("ACGT", background.tolist())),
        **record(p.config_hash, {"model": smk.input.model, "test": smk.input.test}, ("torch", "memelite", "pyjaspar")),
    )
    log.info(
        "%s: %d filters, %d with sites, %d matched", p.model_id, len(t), status["n_with_sites"], status["n_matched"]
    )
    mtf.write_meme(out.meme, result.ppms, background, result.nsites)
    write_tsv_atomic(result.matches, out.matches)
    write_tsv_atomic(result.task_influence, out.influence)
    write_json(status, out.status)
    write_tsv_atomic(t, out.filters)


run(snakemake, main)  # noqa: F821
