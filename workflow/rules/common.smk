# Config validation, config access and input functions. Nothing else.
import sys
from pathlib import Path

sys.path.insert(0, str(Path(workflow.basedir) / "workflow" / "scripts"))

from chromcnn.config.schema import (  # noqa: E402
    key_lines,
    load_yaml,
    merge_extend,
    peak_source,
    validate_config,
)
from chromcnn.io.sniff import is_url  # noqa: E402
from chromcnn.errors import InputError  # noqa: E402
from chromcnn.interpret.motifs import check_database_config  # noqa: E402
from chromcnn.io.provenance import config_hash  # noqa: E402
from chromcnn.config.training import model_ids, resolve  # noqa: E402

SCHEMA = Path(workflow.basedir) / "workflow" / "schemas" / "config.schema.yaml"
_CLI_CONFIGS = list(workflow.overwrite_configfiles or [])
CONFIG_FILE = str((_CLI_CONFIGS or workflow.configfiles or ["config.yaml"])[-1])
try:
    if Path(CONFIG_FILE).is_file():
        load_yaml(CONFIG_FILE)  # rejects duplicate keys (cell types) with their line
    validate_config(config, SCHEMA, CONFIG_FILE)
except InputError as err:
    sys.exit(f"chromcnn error: {err.one_line()}")

GENOME = config["genome"]["name"]
TASKS = list(config["cell_types"])
SPLITS = ["train", "valid", "test"]
CONFIG_HASH = config_hash(config)  # the whole config: recorded by the report
# Stage hashes: a result records (and reruns on) only the config it depends on, so a
# change to one model's training settings does not rebuild the data stage.
_DATA_KEYS = [
    k for k in config if k not in ("train", "evaluate", "motifs", "report", "download")
]
DATA_HASH = config_hash({k: config[k] for k in _DATA_KEYS})
MODELS = model_ids(config)
try:
    _LINES = key_lines(CONFIG_FILE) if Path(CONFIG_FILE).is_file() else {}
    SETTINGS = {m: resolve(config, m, TASKS, CONFIG_FILE, _LINES) for m in MODELS}
    MOTIF_DATABASE = check_database_config(config["motifs"], CONFIG_FILE)
    if config["motifs"]["planted"] and not Path(config["motifs"]["planted"]).is_file():
        raise InputError(
            f"motifs.planted file {config['motifs']['planted']} does not exist",
            "give an existing TSV with a motif_id column, or null",
            path=CONFIG_FILE,
        )
except InputError as err:
    sys.exit(f"chromcnn error: {err.one_line()}")


wildcard_constraints:
    split="train|valid|test",
    cell_type="|".join(TASKS),
    genome=GENOME,
    model="|".join(MODELS) if MODELS else "NONE",


def download_params():
    """Retry settings shared by the download rules."""
    return config["download"]


def local_input(source):
    """A local source is a real input (reruns when it changes); a URL is not."""
    return [] if not source or is_url(source) else [source]


def source_of(key):
    """Param function: the local input path when there is one, else the configured URL."""

    def source(wildcards, input):
        return input[0] if len(input) else config["genome"][key]

    return source


def peak_source_of(wildcards):
    return peak_source(config, wildcards.cell_type)[0]


def peak_md5_of(wildcards):
    return peak_source(config, wildcards.cell_type)[1]


def blacklist_files():
    if not config["genome"].get("blacklist"):
        return []
    return [f"resources/genome/{GENOME}.blacklist.bed.gz"]


def input_provenance():
    files = [f"resources/genome/{GENOME}.provenance.json"]
    files += [f"resources/peaks/{t}.provenance.json" for t in TASKS]
    if config["genome"].get("blacklist"):
        files.append(f"resources/genome/{GENOME}.blacklist.provenance.json")
    return files


def model_hash(model, *sections):
    """Hash of the data config, one model's resolved settings and the given config sections."""
    return config_hash(
        {
            "data": DATA_HASH,
            "model": train_settings(model),
            "seqgra": config["train"]["seqgra"],
            **{s: config[s] for s in sections},
        }
    )


def train_settings(model):
    """TrainSettings of a model id as a plain dict (a Snakemake param)."""
    import dataclasses

    return dataclasses.asdict(SETTINGS[model])


def model_outputs():
    return expand("results/models/{model}/model.pt", model=MODELS)


def planted_file():
    return [config["motifs"]["planted"]] if config["motifs"]["planted"] else []


def motif_database_files():
    return [config["motifs"]["database"]] if config["motifs"]["database"] else []


def motif_database_label():
    return MOTIF_DATABASE


def data_outputs():
    return [
        *expand("results/data/{split}.h5", split=SPLITS),
        "results/data/qc.json",
        "results/data/split_check.json",
    ]


def report_outputs():
    return ["results/report.html"] if MODELS else []


# Named helpers for rules (no lambdas in rule bodies). ---------------------------


def mem_mb_scaled(base_mb):
    """Resource function: ``base_mb`` MB on the first attempt, times the attempt after."""

    def mem_mb(wildcards, attempt):
        return base_mb * attempt

    return mem_mb


def runtime_scaled(base_min):
    """Resource function: ``base_min`` minutes on the first attempt, times the attempt after."""

    def runtime(wildcards, attempt):
        return base_min * attempt

    return runtime


def wildcard(name):
    """Param function: the value of wildcard ``name``."""

    def value(wildcards):
        return wildcards[name]

    return value
