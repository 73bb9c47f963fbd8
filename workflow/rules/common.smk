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
from chromcnn.interpret.methods import check_attribution_window  # noqa: E402
from chromcnn.io.provenance import config_hash  # noqa: E402
from chromcnn.config.training import model_ids, resolve  # noqa: E402
from chromcnn.config import stages  # noqa: E402

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
# Stage hashes: a result records (and reruns on) only the config it depends on, so a
# change to one model's training settings does not rebuild the data stage. Which
# keys each stage reads: chromcnn/config/stages.py (allow-lists).
DATA_HASH = config_hash(stages.data_config(config))
MODELS = model_ids(config)
try:
    _LINES = key_lines(CONFIG_FILE) if Path(CONFIG_FILE).is_file() else {}
    SETTINGS = {m: resolve(config, m, TASKS, CONFIG_FILE, _LINES) for m in MODELS}
    MOTIF_DATABASE = check_database_config(config["motifs"], CONFIG_FILE)
    check_attribution_window(
        config["window"], config["interpret"]["attribution"]["modisco"], CONFIG_FILE
    )
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


def setting(*path):
    """The validated config value at ``path``, e.g. ``setting("train", "threads")``."""
    value = config
    for key in path:
        value = value[key]
    return value


def untracked(value):
    """Param function giving ``value`` without Snakemake's params rerun trigger.

    For settings that change how a job runs, not what it writes (download retries,
    the config file's name in messages). A param function that takes ``resources``
    counts as derived, and Snakemake does not record derived params.
    """

    def constant(wildcards, resources):
        return value

    return constant


def download_setting(key):
    """Untracked param: ``download.<key>`` (retries, backoff_s, timeout_s)."""
    return untracked(config["download"][key])


def local_input(source):
    """A local source is a real input (reruns when it changes); a URL is not."""
    return [] if not source or is_url(source) else [source]


def genome_source_of(key):
    """Param function: ``genome.<key>``, the URL or path of the FASTA or blacklist.

    A function, so the path is not mistaken for a hard-coded input prefix; the
    download rules are local rules, so a path in config.yaml is valid where they run.
    """

    def source(wildcards):
        return config["genome"][key]

    return source


def genome_input(key):
    """Input: ``genome.<key>``'s file (fasta, blacklist) when it is local, else nothing."""
    return local_input(config["genome"][key])


def peak_source_of(wildcards):
    return peak_source(config, wildcards.cell_type)[0]


def peak_md5_of(wildcards):
    return peak_source(config, wildcards.cell_type)[1]


def peak_input(wildcards):
    """Input function: a cell type's peak file when it is local, else nothing."""
    return local_input(peak_source_of(wildcards))


def peak_sources():
    """Cell type -> URL or path of its peak file (labels in qc.json)."""
    return {t: peak_source(config, t)[0] for t in TASKS}


def merge_extend_width():
    """Width sites are extended to before merging (``merge.extend`` or the window)."""
    return merge_extend(config)


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
    """Hash of the data config, one model's settings and seqgra definition, and
    the per-model stage ``sections`` (``"evaluate"``, ``"motifs"``)."""
    return config_hash(
        {
            "data": DATA_HASH,
            "model": train_settings(model),
            "seqgra": stages.seqgra_definition(config, SETTINGS[model].arch),
            **stages.model_sections(config, sections),
        }
    )


def model_hash_of(*sections):
    """Param function: ``model_hash`` of the ``{model}`` wildcard and ``sections``."""

    def value(wildcards):
        return model_hash(wildcards.model, *sections)

    return value


def report_hash():
    """Hash of everything the report reads: every model's evaluate and motifs
    hashes, the data hash and the ``report`` section."""
    return config_hash(
        {
            "data": DATA_HASH,
            "models": {m: model_hash(m, *stages.MODEL_SECTIONS) for m in MODELS},
            **stages.pick(config, stages.REPORT_KEYS),
        }
    )


def train_settings(model):
    """TrainSettings of a model id as a plain dict (a Snakemake param)."""
    import dataclasses

    return dataclasses.asdict(SETTINGS[model])


def train_settings_of():
    """Param function: ``train_settings`` of the ``{model}`` wildcard."""

    def value(wildcards):
        return train_settings(wildcards.model)

    return value


def all_train_settings():
    """Model id -> ``train_settings`` for every model."""
    return {m: train_settings(m) for m in MODELS}


def seqgra_path_of():
    """Param function: the seqgra XML path of the ``{model}`` wildcard, or "" for a
    registry architecture."""

    def value(wildcards):
        return next(
            iter(stages.seqgra_entry(config, SETTINGS[wildcards.model].arch).values()),
            "",
        )

    return value


def model_outputs():
    return expand("results/models/{model}/model.pt", model=MODELS)


def planted_file():
    return [config["motifs"]["planted"]] if config["motifs"]["planted"] else []


def has_planted():
    """Whether ``motifs.planted`` names a file of planted motifs."""
    return bool(config["motifs"]["planted"])


def oracle_models():
    """``["oracle"]`` when ``motifs.planted`` names planted motifs (rule ``oracle`` scores
    the test split with them, evaluated like a model), else ``[]``."""
    return ["oracle"] if has_planted() else []


ORACLE_MOTIF_KEYS = ("planted", "database", "jaspar_release", "collection", "tax_group")


def oracle_settings():
    """The ``motifs`` keys the oracle reads (its matrices), so that other motif settings
    (q-values, thresholds) do not rerun it."""
    return {k: config["motifs"].get(k) for k in ORACLE_MOTIF_KEYS}


def oracle_hash():
    """Hash of the data config, the ``evaluate`` section and the oracle's motif keys."""
    return config_hash(
        {"data": DATA_HASH, "evaluate": config["evaluate"], "motifs": oracle_settings()}
    )


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
