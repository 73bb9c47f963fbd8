# Config validation, config access and input functions. Nothing else.
import sys
from pathlib import Path

from snakemake.settings.types import ExecMode

_LIBRARY = str(Path(workflow.basedir) / "workflow" / "scripts")
sys.path.insert(0, _LIBRARY)

from chromcnn.io.runlock import library_first  # noqa: E402

# Jobs import this workflow's own library, not a chromcnn installed in the environment.
library_first(_LIBRARY)

from chromcnn.config.schema import (  # noqa: E402
    merge_extend,
    peak_source,
    validate_config,
)
from chromcnn.config.sources import ConfigSources, load_yaml, user_path  # noqa: E402
from chromcnn.config.references import check_references  # noqa: E402
from chromcnn.io.sniff import is_url  # noqa: E402
from chromcnn.errors import InputError  # noqa: E402
from chromcnn.interpret.motifs import check_database_config  # noqa: E402
from chromcnn.interpret.methods import check_attribution_window  # noqa: E402
from chromcnn.io.provenance import config_hash  # noqa: E402
from chromcnn.io.runlock import clear_stale_lock, record_lock_owner  # noqa: E402
from chromcnn.config.training import (  # noqa: E402
    check_multi_class_labels,
    check_names,
    model_ids,
    resolve,
    split_id,
)
from chromcnn.config import stages  # noqa: E402
from chromcnn.config.tables import check_motif_inputs  # noqa: E402
from chromcnn.config.targets import (
    check_targets,
    signal_source,
    target_mode,
)  # noqa: E402

SCHEMA = Path(workflow.basedir) / "workflow" / "schemas" / "config.schema.yaml"
# config.yaml is the default; a file given with --configfile stands alone (Snakemake would
# otherwise merge it into config.yaml's dictionaries). --config key=value still applies.
# Our reader goes first, so a YAML mistake is one file:line message, not Snakemake's
# (files given with --configfile: Snakemake reads them before this file, so the workflow
# profile profiles/default/config.yaml checks them even earlier).
_CLI_CONFIGS = [user_path(f) for f in workflow.overwrite_configfiles or []]
_DEFAULT = ["config.yaml"] if Path("config.yaml").is_file() else []
try:
    for _file in _CLI_CONFIGS or _DEFAULT:
        load_yaml(_file)
except InputError as err:
    sys.exit(f"chromcnn error: {err.one_line()}")
if not _CLI_CONFIGS:

    configfile: "config.yaml"


SOURCES = ConfigSources(
    _CLI_CONFIGS or ["config.yaml"], dict(workflow.config_settings.config or {})
)
CONFIG_FILE = SOURCES.main
try:
    validate_config(config, SCHEMA, SOURCES)
except InputError as err:
    sys.exit(f"chromcnn error: {err.one_line()}")

if workflow.exec_mode == ExecMode.DEFAULT:
    for _warning in check_references(config, SOURCES):
        print(f"chromcnn warning: {_warning}", file=sys.stderr)
    # a run killed with SIGKILL leaves Snakemake's lock: clear it when its owner is gone
    _note = clear_stale_lock(".snakemake")
    if _note:
        print(f"chromcnn: {_note}", file=sys.stderr)


onstart:
    record_lock_owner(".snakemake")


GENOME = config["genome"]["name"]
TASKS = list(config["cell_types"])
SPLITS = ["train", "valid", "test"]
# Stage hashes: a result records (and reruns on) only the config it depends on, so a
# change to one model's training settings does not rebuild the data stage. Which
# keys each stage reads: chromcnn/config/stages.py (allow-lists).
DATA_HASH = config_hash(stages.data_config(config))
MODELS = model_ids(config)
try:
    check_names(config, SOURCES)
    check_targets(config, SOURCES)
    SETTINGS = {m: resolve(config, m, TASKS, SOURCES) for m in MODELS}
    if any(s.task_type == "multi-class" for s in SETTINGS.values()):
        _at = SOURCES.at(("train", "task_type"))
        check_multi_class_labels(
            "results/data/qc.json", DATA_HASH, _at["path"], _at["line"]
        )
    MOTIF_DATABASE = check_database_config(config["motifs"], CONFIG_FILE)
    check_motif_inputs(config["motifs"], SOURCES)
    check_attribution_window(
        config["window"],
        config["interpret"]["attribution"]["modisco"],
        SOURCES.at(("interpret", "attribution", "modisco"))["path"],
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


def signal_source_of(wildcards):
    return signal_source(config, wildcards.cell_type)[0]


def signal_md5_of(wildcards):
    return signal_source(config, wildcards.cell_type)[1]


def signal_input(wildcards):
    """Input function: a cell type's coverage bigWig when it is local, else nothing."""
    return local_input(signal_source_of(wildcards))


def signal_files():
    """The downloaded bigWigs in task order (signal, profile modes), else none (binary)."""
    if target_mode(config) == "binary":
        return []
    return [f"resources/signal/{t}.bw" for t in TASKS]


def target_params():
    """encode_split's targets: None in binary mode, else ``targets`` with the bigWigs' labels."""
    if target_mode(config) == "binary":
        return None
    return {
        **config["targets"],
        "labels": {t: signal_source(config, t)[0] for t in TASKS},
        "test": config["splits"]["test"],  # each bigWig must hold data there
    }


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


def model_name(model):
    """The name part of a model id ``{name}-s{seed}`` (an architecture, variant or seqgra model)."""
    return split_id(model)[0]


def model_hash(model, *sections):
    """Hash of the data config, one model's settings and seqgra definition, and
    the per-model stage ``sections`` (``"evaluate"``, ``"motifs"``)."""
    return config_hash(
        {
            "data": DATA_HASH,
            "model": train_settings(model),
            "seqgra": stages.seqgra_definition(config, model_name(model)),
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
            iter(stages.seqgra_entry(config, model_name(wildcards.model)).values()),
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
    the test split with them, evaluated like a model), else ``[]``. None in profile mode:
    its reference is the mean profile (planted motifs still measure motif recovery)."""
    return ["oracle"] if has_planted() and target_mode(config) != "profile" else []


def reference_models():
    """The references compared beside the models: the oracle (:func:`oracle_models`) and, in
    signal mode, the GC-only regression ``gc_only`` (rule ``gc_regression``)."""
    return oracle_models() + (["gc_only"] if target_mode(config) == "signal" else [])


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


def gc_regression_hash():
    """Hash of the data config and the ``evaluate`` section (all the GC-only regression reads)."""
    return config_hash({"data": DATA_HASH, "evaluate": config["evaluate"]})


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


# Using trained models on new inputs (predict.smk): config sections predict, variants, tracks.

FASTA_SUFFIXES = (".fa", ".fasta", ".fna", ".fa.gz", ".fasta.gz", ".fna.gz")


def inference_models(section):
    """Model ids a ``predict``/``variants``/``tracks`` section uses (empty list = every model)."""
    chosen = config[section]["models"] or MODELS
    unknown = [m for m in chosen if m not in MODELS]
    if unknown:
        at = SOURCES.at((section, "models"))
        where = f"{at['path']}:{at['line']}" if at["line"] else at["path"]
        sys.exit(
            f"chromcnn error: {where}: {section}.models names {unknown[0]!r}, which is not trained. "
            f"Fix: use model ids of train.architectures and train.seeds ({', '.join(MODELS) or 'none'})."
        )
    return chosen


def tracks_enabled():
    return bool(config["tracks"]["regions"] or config["tracks"]["chromosomes"])


def inference_outputs():
    """Every output of the predict, variants and tracks sections (nothing when absent)."""
    out = []
    if config["predict"]["sets"]:
        out += expand(
            "results/predict/{model}/{name}.tsv.gz",
            model=inference_models("predict"),
            name=list(config["predict"]["sets"]),
        )
    if config["variants"]["vcfs"]:
        out += variants_top_files()
        out += expand(
            "results/variants/{model}/{name}.tsv.gz",
            model=inference_models("variants"),
            name=list(config["variants"]["vcfs"]),
        )
    out += tracks_files()
    return out


def variants_top_files():
    if not config["variants"]["vcfs"]:
        return []
    return expand(
        "results/variants/{model}/{name}.top.json",
        model=inference_models("variants"),
        name=list(config["variants"]["vcfs"]),
    )


def tracks_files():
    if not tracks_enabled():
        return []
    return expand(
        "results/tracks/{model}/{task}.bw", model=inference_models("tracks"), task=TASKS
    )


def predict_source(wildcards):
    return config["predict"]["sets"][wildcards.name]


def predict_kind(wildcards):
    """``fasta`` or ``bed``, from the set's file name."""
    path = config["predict"]["sets"][wildcards.name].lower()
    return "fasta" if path.endswith(FASTA_SUFFIXES) else "bed"


def vcf_source(wildcards):
    return config["variants"]["vcfs"][wildcards.name]


def tracks_regions():
    return [config["tracks"]["regions"]] if config["tracks"]["regions"] else []


def tracks_outputs():
    return expand("results/tracks/{{model}}/{task}.bw", task=TASKS)


# The keys of each inference section that change what its jobs write (adding a set, a VCF
# or a model to a section does not rerun the others).
INFERENCE_OUTPUT_KEYS = {
    "predict": ("rc_average",),
    "variants": ("max_indel", "max_ref_mismatch", "top"),
    "tracks": ("regions", "chromosomes", "stride"),
}


def inference_hash_of(section):
    """Param function: the ``{model}`` wildcard's hash plus the keys of one inference
    section that change its outputs."""

    def value(wildcards):
        keys = INFERENCE_OUTPUT_KEYS[section]
        return config_hash(
            {
                "model": model_hash(wildcards.model),
                section: {k: config[section][k] for k in keys},
            }
        )

    return value


def method_models():
    """Interpretation method -> the models it runs on: every model, except where a method's
    ``interpret.<method>.models`` lists model ids ([] for none)."""
    chosen = {"filters": MODELS}
    listed = config["interpret"]["attribution"]["models"]
    unknown = [m for m in listed or [] if m not in MODELS]
    if unknown:
        at = SOURCES.at(("interpret", "attribution", "models"))
        where = f"{at['path']}:{at['line']}" if at["line"] else at["path"]
        sys.exit(
            f"chromcnn error: {where}: interpret.attribution.models names {unknown[0]!r}, which is not "
            f"trained. Fix: use model ids ({', '.join(MODELS) or 'none'}), [] for none or null for all."
        )
    chosen["attribution"] = MODELS if listed is None else listed
    return chosen


METHOD_MODELS = method_models()


def inference_report_inputs():
    """Report inputs of the inference sections: variant top files, tracks and peaks."""
    if not (config["variants"]["vcfs"] or tracks_enabled()):
        return {}
    return {
        "variants_top": variants_top_files(),
        "tracks": tracks_files(),
        "peaks": expand("resources/peaks/{cell_type}.bed.gz", cell_type=TASKS),
    }
