"""Which config keys each pipeline stage depends on: the allow-lists of the stage hashes.

A stage's result records (and Snakemake reruns it on) a hash of only the config it
reads, so a change elsewhere does not rebuild it. Every top-level key of
``workflow/schemas/config.schema.yaml`` is named below exactly once (a test checks
this): adding a section to the schema means deciding here which stage reads it.

- data: windows.tsv.gz, qc.json and the split HDF5 files.
- model: one model's resolved training settings (``train`` with its overrides,
  seqgra XML optimiser and seeds) and only that model's ``train.seqgra`` entry,
  on top of the data hash; training resources (threads, mem_mb, runtime) and the
  list of other models are not part of it.
- evaluate, motifs: a model's hash plus their own section (the seed is already in
  the data hash).
- compare: the comparisons across models and seeds (rule compare_models reads it as
  params, so a change reruns that rule and the report only).
- report: every model's evaluate and motifs hashes plus its own section.
- inference: ``predict``, ``variants`` and ``tracks`` (each rule records its own section
  on top of the model's hash).
- targets: ``targets`` (signal mode), part of the data hash only when not binary.
- untracked: how inputs are fetched (retries, time-outs), not what they contain;
  the inputs' URLs, paths and md5s are tracked by the download rules.

Only the standard library is imported: the Snakefile reads this at parse time.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from xml.etree import ElementTree

DATA_KEYS = (
    "genome",
    "cell_types",
    "window",
    "peaks",
    "merge",
    "negatives",
    "splits",
    "max_n_fraction",
    "hdf5",
    "seed",
)
MODEL_KEYS = ("train",)
EVALUATE_KEYS = ("evaluate",)
COMPARE_KEYS = ("compare",)
MOTIFS_KEYS = ("motifs",)
INTERPRET_KEYS = ("interpret",)
REPORT_KEYS = ("report",)
INFERENCE_KEYS = ("predict", "variants", "tracks")  # using trained models on new inputs
UNTRACKED_KEYS = ("download",)
#: read by the data stage only when not binary (so a binary config's data hash is what it was).
TARGET_KEYS = ("targets",)

STAGE_KEYS = {
    "data": DATA_KEYS,
    "model": MODEL_KEYS,
    "evaluate": EVALUATE_KEYS,
    "compare": COMPARE_KEYS,
    "motifs": MOTIFS_KEYS,
    "interpret": INTERPRET_KEYS,
    "report": REPORT_KEYS,
    "inference": INFERENCE_KEYS,
    "untracked": UNTRACKED_KEYS,
    "targets": TARGET_KEYS,
}
MODEL_SECTIONS = EVALUATE_KEYS + MOTIFS_KEYS + INTERPRET_KEYS  # sections a per-model hash may add


def pick(config: dict, keys: tuple[str, ...]) -> dict:
    """The sub-dict of ``config`` holding only ``keys`` (each must be present)."""
    return {key: config[key] for key in keys}


def data_config(config: dict) -> dict:
    """The part of a validated config that the data stage reads.

    ``targets`` joins it only outside binary mode, and a cell type's unset ``signal`` /
    ``signal_md5`` are left out, so binary configs hash as before quantitative targets; of
    ``targets`` only the keys its mode reads count (signal: center, transform; profile: bin, crop).
    """
    out = pick(config, DATA_KEYS)
    out["cell_types"] = {
        name: {k: v for k, v in entry.items() if not (k.startswith("signal") and v is None)}
        if isinstance(entry, dict)
        else entry
        for name, entry in out["cell_types"].items()
    }
    targets = config.get("targets") or {}
    mode = targets.get("mode", "binary")
    if mode != "binary":  # only the keys the mode reads: a signal config hashes as before profile mode
        unused = ("bin", "crop") if mode == "signal" else ("center", "transform")
        out["targets"] = {k: v for k, v in targets.items() if k not in unused}
    return out


def seqgra_entry(config: dict, name: str) -> dict[str, str]:
    """``{name: xml_path}`` when ``name`` is a seqgra model, else ``{}``."""
    seqgra = config["train"]["seqgra"]
    return {name: seqgra[name]} if name in seqgra else {}


def seqgra_definition(config: dict, name: str) -> dict[str, dict[str, str]]:
    """``{name: {"path": xml_path, "sha256": digest}}`` for a seqgra model, else ``{}``.

    The digest of the XML's bytes makes an edit of the definition file rerun that
    model (and no other).
    """
    return {
        key: {
            "path": path,
            "sha256": hashlib.sha256(Path(path).read_bytes()).hexdigest(),
            "module_sha256": _module_digest(path),
        }
        for key, path in seqgra_entry(config, name).items()
    }


def _module_digest(xml_path: str) -> str:
    """sha256 of the definition's external Python module ("" when it cannot be read).

    The module is code the run executes, so an edit must rerun the model; the XML
    names it in its ``<external>`` element, relative to the XML's folder.
    """
    try:
        root = ElementTree.parse(xml_path).getroot()
        external = next(e for e in root.iter() if str(e.tag).rsplit("}", 1)[-1] == "external")
        module = Path(xml_path).parent / (external.text or "").strip()
        return hashlib.sha256(module.read_bytes()).hexdigest()
    except (ElementTree.ParseError, OSError, StopIteration):
        return ""


def model_sections(config: dict, sections: tuple[str, ...]) -> dict:
    """The per-model stage sections (``evaluate``, ``motifs``) of ``config``.

    Raises
    ------
    ValueError
        For a section that is not a per-model stage's (a typo in a rule file).
    """
    unknown = [s for s in sections if s not in MODEL_SECTIONS]
    if unknown:
        raise ValueError(f"{unknown} are not per-model stage sections {MODEL_SECTIONS}")
    return pick(config, sections)


def unclassified(schema_keys: list[str]) -> list[str]:
    """Top-level schema keys that no stage names, or that more than one names."""
    named = [key for keys in STAGE_KEYS.values() for key in keys]
    return [key for key in schema_keys if named.count(key) != 1] + [k for k in named if k not in schema_keys]


__all__ = [
    "COMPARE_KEYS",
    "DATA_KEYS",
    "EVALUATE_KEYS",
    "INFERENCE_KEYS",
    "MODEL_KEYS",
    "MODEL_SECTIONS",
    "MOTIFS_KEYS",
    "INTERPRET_KEYS",
    "REPORT_KEYS",
    "STAGE_KEYS",
    "UNTRACKED_KEYS",
    "data_config",
    "model_sections",
    "pick",
    "seqgra_definition",
    "seqgra_entry",
    "unclassified",
]
