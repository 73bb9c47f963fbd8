# Chromatin CNN pipeline: peaks -> windows -> one-hot HDF5 -> one training job per
# model -> evaluation, first-layer motifs -> results/report.html.
# Logic lives in workflow/scripts/chromcnn/.
from snakemake.utils import min_version

min_version("9.0")


# common.smk loads config.yaml (or the files given with --configfile, standing alone),
# applies --config key=value and validates everything before any job runs.
include: "workflow/rules/common.smk"
include: "workflow/rules/download.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/interpret.smk"
include: "workflow/rules/predict.smk"
include: "workflow/rules/report.smk"


# Run on the submitting host, not as cluster jobs: `all` does nothing, and the
# downloads need the network that compute nodes often lack.
localrules:
    all,
    download_genome,
    download_blacklist,
    download_peaks,


rule all:
    default_target: True
    input:
        data_outputs(),
        model_outputs(),
        report_outputs(),
        inference_outputs(),
