"""The interpretation methods the workflow runs, and the files each writes.

One :class:`Method` per method, registered in :data:`METHODS`. The rule file
(``workflow/rules/interpret.smk``) takes every output path from here, and the
report rule's inputs are :func:`report_inputs` of all methods, so a method
registered here is run by ``rule all`` (through the report) and its summary
files reach the report under the names :func:`input_name` gives.

Output-path contract: a method writes one folder per model,
``results/interpret/{method}/{model}/``, and files across models (if any) in
``results/interpret/{method}/``. The first-layer filter method predates the
contract and keeps its path, ``results/motifs/{model}/`` and
``results/motifs/`` (its ``root``).

This module is read when the Snakefile is parsed: standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

MODEL = "{model}"


@dataclass(frozen=True)
class Method:
    """One interpretation method: its name, the files it writes, the ones the report reads.

    Attributes
    ----------
    name : str
        Short id, used in paths and report input names (``[a-z_]+``).
    title : str
        Human title (logs, README).
    per_model : dict of str to str
        Output key -> file name inside the model's folder.
    shared : dict of str to str
        Output key -> file name inside the method's root (files across models).
    report : tuple of str
        Keys (of ``per_model`` or ``shared``) the report reads.
    root : str
        Folder of the method's outputs; default ``results/interpret/{name}``.
    """

    name: str
    title: str
    per_model: dict[str, str]
    shared: dict[str, str] = field(default_factory=dict)
    report: tuple[str, ...] = ()
    root: str = ""

    def __post_init__(self) -> None:
        if not self.root:
            object.__setattr__(self, "root", f"results/interpret/{self.name}")
        unknown = set(self.report) - set(self.per_model) - set(self.shared)
        if unknown:
            raise ValueError(f"method {self.name}: report keys {sorted(unknown)} are not outputs")
        if set(self.per_model) & set(self.shared):
            raise ValueError(f"method {self.name}: a key is both per-model and shared")

    def folder(self, model: str = MODEL) -> str:
        """The model's output folder (a ``{model}`` wildcard pattern by default)."""
        return f"{self.root}/{model}"

    def file(self, key: str, model: str = MODEL) -> str:
        """Path of output ``key``: in the model's folder, or the root for shared files."""
        if key in self.shared:
            return f"{self.root}/{self.shared[key]}"
        return f"{self.folder(model)}/{self.per_model[key]}"

    def files(self, key: str, models: Iterable[str]) -> list[str] | str:
        """Output ``key`` of every model (a list), or the one shared path (a str)."""
        if key in self.shared:
            return self.file(key)
        return [self.file(key, m) for m in models]

    def outputs(self, models: Iterable[str]) -> list[str]:
        """Every file the method writes for ``models``."""
        models = list(models)
        out = [self.file(k, m) for m in models for k in self.per_model]
        return out + [self.file(k) for k in self.shared]


FILTERS = Method(
    name="filters",
    title="First-layer filters (Basset's method) matched to a motif database",
    per_model={
        "filters": "filters.tsv",
        "meme": "filters.meme",
        "matches": "matches.tsv",
        "untrained": "untrained_matches.tsv",
        "influence": "influence.tsv",
        "status": "status.json",
    },
    shared={"clusters": "clusters.tsv", "planted": "planted_recovery.tsv", "specificity": "planted_specificity.tsv"},
    report=("status", "meme", "clusters", "planted", "specificity"),
    root="results/motifs",
)

ATTRIBUTION = Method(
    name="attribution",
    title="Per-base contributions (DeepLIFT/SHAP, ISM check) and TF-MoDISco patterns matched to a motif database",
    per_model={
        "contributions": "contributions.h5",
        "ism": "ism_check.tsv",
        "modisco": "modisco.h5",
        "patterns": "patterns.tsv",
        "meme": "patterns.meme",
        "status": "status.json",
    },
    shared={"planted": "planted_recovery.tsv"},
    report=("status", "patterns", "modisco", "ism", "contributions", "planted"),
)

#: Every method the workflow runs, in report order.
METHODS: list[Method] = [FILTERS, ATTRIBUTION]


def check_attribution_window(window: int, modisco: dict, source: str) -> None:
    """Parse-time check: windows must hold MoDISco's seqlet window (core plus both flanks).

    Raises
    ------
    InputError
        Naming ``window`` and the ``interpret.attribution.modisco`` keys to change.
    """
    from chromcnn.errors import InputError

    need = modisco["sliding_window_size"] + 2 * modisco["flank_size"]
    if window < need:
        raise InputError(
            f"window ({window} bp) is shorter than MoDISco's seqlet window "
            f"(interpret.attribution.modisco.sliding_window_size {modisco['sliding_window_size']} "
            f"+ 2 x flank_size {modisco['flank_size']} = {need} bp)",
            "raise window, or lower interpret.attribution.modisco.sliding_window_size / flank_size",
            path=source,
        )


def get(name: str) -> Method:
    """The registered method called ``name``."""
    for method in METHODS:
        if method.name == name:
            return method
    raise KeyError(f"no interpretation method {name!r} (registered: {', '.join(m.name for m in METHODS)})")


def input_name(method: str, key: str) -> str:
    """Name of a method's file among the report rule's inputs, e.g. ``filters_status``."""
    return f"{method}_{key}"


def models_of(models: Iterable[str] | Mapping[str, Iterable[str]], method: Method) -> list[str]:
    """The models ``method`` runs on: ``models`` itself, or ``models[method.name]`` for a mapping
    (a method missing from the mapping runs on none)."""
    if isinstance(models, Mapping):
        return list(models.get(method.name, []))
    return list(models)


def report_inputs(
    models: Iterable[str] | Mapping[str, Iterable[str]], methods: Iterable[Method] | None = None
) -> dict[str, list[str] | str]:
    """The report rule's named inputs of every method: ``input_name -> path(s)``.

    ``models`` is one list for every method, or ``method name -> models``; a
    method with no model is left out (the report then has no section for it).
    """
    out: dict[str, list[str] | str] = {}
    for m in METHODS if methods is None else methods:
        chosen = models_of(models, m)
        if chosen:
            out.update({input_name(m.name, key): m.files(key, chosen) for key in m.report})
    return out


def outputs(models: Iterable[str] | Mapping[str, Iterable[str]]) -> list[str]:
    """Every file of every registered method (for ``rule all``); ``models`` as in :func:`report_inputs`."""
    return [path for m in METHODS for path in m.outputs(models_of(models, m)) if models_of(models, m)]


def from_inputs(named) -> dict[str, dict[str, list[str] | str]]:
    """Inverse of :func:`report_inputs`: ``method -> key -> path(s)``.

    ``named`` is a mapping or an object with the names as attributes (Snakemake's ``input``).
    """
    out: dict[str, dict[str, list[str] | str]] = {}
    mapping = isinstance(named, Mapping)
    for m in METHODS:
        names = [input_name(m.name, key) for key in m.report]
        if not all((n in named) if mapping else hasattr(named, n) for n in names):
            continue  # a method left out of the inputs (report_inputs of a subset)
        files = {}
        for key in m.report:
            name = input_name(m.name, key)
            value = named[name] if isinstance(named, Mapping) else getattr(named, name)
            files[key] = str(value) if key in m.shared else [str(v) for v in value]
        out[m.name] = files
    return out
