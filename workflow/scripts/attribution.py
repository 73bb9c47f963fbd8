"""Snakemake adapter: contributions, ISM check and TF-MoDISco patterns of one model."""

import torch
from chromcnn.inference import load
from chromcnn.interpret import attribution as at
from chromcnn.interpret import attribution_method as am
from chromcnn.interpret import motifs as mtf
from chromcnn.interpret import specificity as sp
from chromcnn.io.provenance import outside_code, record
from chromcnn.runner import run


def main(smk, log):
    p, out = smk.params, smk.output
    torch.set_num_threads(smk.threads)
    db = mtf.load_database(p.motifs)  # a missing release fails here, before any model work
    loaded = load(smk.input.model)
    background = mtf.read_background(smk.input.composition)
    settings = at.AttributionSettings.from_config(p.attribution, p.seed)
    test = am.read_test(smk.input.test)
    result = am.attribute(loaded.model, loaded.tasks, test, settings)
    if result.method:
        rule = sp.rule_from_config(p.motifs)  # the filter method's matching rule
        floor = sp.floor_from_config(p.motifs)  # and its information floor
        am.discover(result, test, db, rule, background, settings, smk.threads, floor)
    else:
        log.warning("%s: no attribution method applies: %s", p.model_id, result.reason)
    status = am.status_of(result, p.model_id, db, settings)
    status.update(
        record(
            p.config_hash,
            {"model": smk.input.model, "test": smk.input.test},
            ("torch", "tangermeme", "modisco-lite", "memelite", "pyjaspar"),
            outside_code(loaded.record.get("seqgra")),
        )
    )
    log.info("%s: %s, %d patterns, %d matched", p.model_id, status["method"], status["n_patterns"], status["n_matched"])
    am.write_outputs(result, status, background, test, p.window, out)


run(snakemake, main)  # noqa: F821
