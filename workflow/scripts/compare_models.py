"""Snakemake adapter: summary.tsv (macro/micro with CIs) and paired comparison.tsv of all models."""

import itertools

import numpy as np
import pandas as pd
from chromcnn.errors import InputError
from chromcnn.evaluation import metrics as ev
from chromcnn.io.atomic import write_tsv
from chromcnn.runner import run


def main(smk, log):
    loaded = {m: ev.load_replicates(path) for m, path in zip(smk.params.models, smk.input.predictions)}
    level = smk.params.ci
    first = next(iter(loaded.values()))
    for model, (_, y, _, _) in loaded.items():
        if y.shape != first[1].shape or not np.array_equal(y, first[1]):
            raise InputError(
                f"{model} was evaluated on other test windows than {smk.params.models[0]}",
                "rerun the evaluation of every model (delete results/evaluation)",
                path=smk.input.predictions[smk.params.models.index(model)],
            )
    tasks = first[3]["tasks"]
    summary = pd.DataFrame([ev.summary_row(m, reps, level) for m, (reps, *_) in loaded.items()])
    summary = summary.sort_values("macro_auroc", ascending=False, na_position="last")
    rows = []
    for a, b in itertools.combinations(summary.model, 2):
        rows += ev.paired_differences(a, loaded[a][0], b, loaded[b][0], tasks, level)
    columns = ["model_a", "model_b", "task", "metric", "difference", "lo", "hi", "winner"]
    write_tsv(pd.DataFrame(rows, columns=columns), smk.output.comparison)
    write_tsv(summary, smk.output.summary)
    log.info("summary:\n%s", summary.to_string(index=False))


run(snakemake, main)  # noqa: F821
