"""Snakemake adapter: train one model id and write model.pt + history.tsv."""

import dataclasses
import json
from pathlib import Path

import torch
from chromcnn.config.settings import TrainSettings
from chromcnn.errors import InputError
from chromcnn.inference import model_file
from chromcnn.io.provenance import outside_code, package_versions
from chromcnn.io.split_h5 import read_meta
from chromcnn.runner import run
from chromcnn.training.loop import TrainingError, fit


def main(smk, log):
    p = smk.params
    torch.set_num_threads(smk.threads)
    settings = TrainSettings(**p.settings)
    data = read_meta(smk.input.train)
    read_meta(smk.input.valid)  # a truncated or damaged valid split stops here, before the first epoch
    if data["tasks"] != list(p.tasks):
        raise InputError(
            f"tasks {data['tasks']} differ from config.yaml's {list(p.tasks)}",
            "rerun the data stage",
            path=smk.input.train,
        )
    header = model_file.header(
        settings,
        data["tasks"],
        int(data["window"]),
        p.seqgra or None,
        model_id=p.model_id,
        config_hash=p.config_hash,
        data={"genome_md5": data.get("genome_md5"), "data_config_hash": data.get("config_hash")},
        packages={**package_versions(), "torch": torch.__version__},
    )
    header["outside_code"] = outside_code(header["seqgra"])  # the user's files this model's code comes from
    out = Path(smk.output.model).parent
    log.info("settings: %s", json.dumps(dataclasses.asdict(settings)))
    files = [f"{c['role']} {c['path']} (md5 {c['md5']})" for c in header["outside_code"]]
    log.info("outside code: %s", "; ".join(files) or "none")
    try:
        result = fit(lambda: model_file.build(header), smk.input.train, smk.input.valid, out, settings, header)
    except TrainingError as err:
        raise InputError(
            f"{p.model_id}: {err}; the last good epoch is kept in {out / 'checkpoints'}",
            "lower the learning rate or set a clipnorm in train.overrides",
        ) from None
    metrics = " ".join(f"{k} {v:.4f}" for k, v in result.items() if k.startswith("valid_"))
    log.info("best epoch %d: %s", result["best_epoch"], metrics)


run(snakemake, main)  # noqa: F821
