# Chromatin CNN pipeline: peaks -> windows -> one-hot HDF5 (-> training, evaluation,
# motifs and report in later stages). Logic lives in workflow/scripts/chromcnn/.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/download.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"


rule all:
    default_target: True
    input:
        data_outputs(),
        model_outputs(),
