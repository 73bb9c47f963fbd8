# Chromatin CNN pipeline: peaks -> windows -> one-hot HDF5 -> one training job per
# model -> evaluation, first-layer motifs -> results/report.html.
# Logic lives in workflow/scripts/chromcnn/.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/download.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/motifs.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        data_outputs(),
        model_outputs(),
        report_outputs(),
