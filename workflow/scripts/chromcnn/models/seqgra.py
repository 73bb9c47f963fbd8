"""seqgra model-definition XML: parse, check against the data, build, and read settings.

Only what this pipeline can honour is accepted: PyTorch models whose
architecture is an ``external`` ``pytorch-module`` (a Python file, relative to
the XML, defining ``classname``), a loss, an optimizer and training-process
hyperparameters. The label list (``<label>`` elements or a ``<pattern>``) must
have one entry per task of the dataset.
"""

from __future__ import annotations

import hashlib
import inspect
import types
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from torch import nn

from chromcnn.errors import InputError
from chromcnn.models.losses import BACKGROUND, n_outputs

TASKS = {"multi-label classification": "multi-label", "multi-class classification": "multi-class"}
LOSSES = {"BCEWithLogitsLoss": "bce", "CrossEntropyLoss": "ce", "MSELoss": "mse", "PoissonNLLLoss": "poisson"}


@dataclass
class ModelDefinition:
    """The parts of a seqgra model definition this pipeline uses."""

    path: str
    model_id: str
    task: str
    library: str
    labels: list[str]
    module: str
    classname: str
    loss: dict = field(default_factory=dict)
    optimizer: dict = field(default_factory=dict)
    training: dict = field(default_factory=dict)


def _fail(path: str, problem: str, fix: str, line: int | None = None) -> InputError:
    return InputError(problem, fix, path=path, line=line)


def _hyperparameters(root: ET.Element, section: str) -> dict:
    node = root.find(section)
    if node is None:
        return {}
    return {hp.get("name"): (hp.text or "").strip() for hp in node.findall("hyperparameter")}


def _labels(general: ET.Element, path: str) -> list[str]:
    labels = general.find("labels")
    if labels is None:
        raise _fail(path, "no <labels> in <general>", "list <label> elements or give a <pattern>")
    pattern = labels.find("pattern")
    if pattern is not None:
        lo, hi = int(pattern.get("min", "1")), int(pattern.get("max", "0"))
        return [f"{pattern.get('prefix', '')}{i}{pattern.get('postfix', '')}" for i in range(lo, hi + 1)]
    return [(lab.text or "").strip() for lab in labels.findall("label")]


def parse(path: str | Path) -> ModelDefinition:
    """Read a seqgra model definition.

    Raises
    ------
    InputError
        Not XML, or missing the parts named above.
    """
    path = str(path)
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as err:
        line = getattr(err, "position", (None,))[0]
        raise _fail(path, f"model definition is not valid XML ({err})", "fix the XML", line) from None
    return _definition(root, path)


def parse_text(text: str, path: str | Path) -> ModelDefinition:
    """A seqgra model definition from its XML text (as stored in a model file); ``path`` names its origin."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as err:
        raise _fail(str(path), f"model definition is not valid XML ({err})", "fix the XML", err.position[0]) from None
    return _definition(root, str(path))


def _definition(root: ET.Element, path: str) -> ModelDefinition:
    general = root.find("general")
    external = root.find("architecture/external")
    if general is None or external is None:
        raise _fail(
            path,
            "model definition lacks <general> or <architecture><external>",
            'give a PyTorch external module: <external format="pytorch-module" classname=...>file.py</external>',
        )
    library = (general.findtext("library") or "").strip()
    if library != "PyTorch" or external.get("format") != "pytorch-module":
        raise _fail(
            path,
            f"library '{library}' / format '{external.get('format')}' is not supported",
            "use <library>PyTorch</library> with an external pytorch-module",
        )
    module = str((Path(path).parent / (external.text or "").strip()).resolve())
    return ModelDefinition(
        path=path,
        model_id=general.get("id", Path(path).stem),
        task=(general.findtext("task") or "").strip(),
        library=library,
        labels=_labels(general, path),
        module=module,
        classname=external.get("classname", "TorchModel"),
        loss=_hyperparameters(root, "loss"),
        optimizer=_hyperparameters(root, "optimizer"),
        training=_hyperparameters(root, "trainingprocess"),
    )


def check_against(defn: ModelDefinition, tasks: list[str], task_type: str) -> None:
    """The definition's task type and label count must match the dataset."""
    kind = TASKS.get(defn.task)
    if kind is None:
        raise _fail(defn.path, f"task '{defn.task}' is not supported", f"use one of: {', '.join(TASKS)}")
    if kind != task_type:
        raise _fail(
            defn.path,
            f"task '{defn.task}' does not match train.task_type '{task_type}' of config.yaml",
            "make <task> and train.task_type agree",
        )
    wanted = n_outputs(task_type, len(tasks))  # multi-class: the cell types and the background class
    if len(defn.labels) != wanted:
        extra = f" and the '{BACKGROUND}' class (all-zero windows)" if wanted > len(tasks) else ""
        raise _fail(
            defn.path,
            f"{len(defn.labels)} labels ({defn.labels[0]}..{defn.labels[-1]}) against "
            f"{len(tasks)} tasks in the dataset ({', '.join(tasks)}){extra}",
            f'declare {wanted} labels, e.g. <pattern prefix="c" min="1" max="{wanted}"/>',
        )


def module_source(defn: ModelDefinition) -> str:
    """The text of the definition's external pytorch-module file."""
    if not Path(defn.module).is_file():
        raise _fail(
            defn.path,
            f"external module '{defn.module}' does not exist",
            "give the module path relative to the XML file",
        )
    return Path(defn.module).read_text()


def build(defn: ModelDefinition, n_tasks: int, seq_len: int) -> nn.Module:
    """Instantiate the external class, passing n_tasks / seq_len when it accepts them."""
    return build_from_source(defn, module_source(defn), n_tasks, seq_len)


def build_from_source(defn: ModelDefinition, source: str, n_tasks: int, seq_len: int) -> nn.Module:
    """Like :func:`build`, with the external module given as its source text (a model file holds it)."""
    module = types.ModuleType(f"seqgra_{defn.model_id.replace('-', '_')}")
    module.__file__ = defn.module
    exec(compile(source, defn.module, "exec"), module.__dict__)  # noqa: S102 - the user's own model code
    cls = getattr(module, defn.classname, None)
    if cls is None:
        raise _fail(defn.path, f"'{defn.module}' defines no class '{defn.classname}'", "fix classname")
    params = inspect.signature(cls).parameters
    kwargs = {k: v for k, v in (("n_tasks", n_tasks), ("seq_len", seq_len)) if k in params}
    return cls(**kwargs)


def embed(path: str | Path) -> dict:
    """What a model file stores to rebuild a seqgra model without the files.

    Returns
    -------
    dict
        ``definition`` (XML text), ``definition_path``, ``module`` (the
        external module's source text), ``module_path`` and ``module_md5``.
    """
    defn = parse(path)
    source = module_source(defn)
    return {
        "definition": Path(path).read_text(),
        "definition_path": str(path),
        "module": source,
        "module_path": defn.module,
        "module_md5": hashlib.md5(source.encode()).hexdigest(),
    }


def rebuild(embedded: dict, n_tasks: int, seq_len: int) -> nn.Module:
    """The model of an :func:`embed` record (the module source must match its md5)."""
    if hashlib.md5(embedded["module"].encode()).hexdigest() != embedded["module_md5"]:
        raise _fail(embedded["definition_path"], "the stored external module does not match its md5", "retrain")
    defn = parse_text(embedded["definition"], embedded["definition_path"])
    defn.module = embedded["module_path"]
    return build_from_source(defn, embedded["module"], n_tasks, seq_len)


def settings(defn: ModelDefinition) -> dict:
    """TrainSettings fields from the definition's loss, optimizer and training process."""
    out: dict = {"task_type": TASKS.get(defn.task, "multi-label")}
    if "loss" in defn.loss:
        if defn.loss["loss"] not in LOSSES:
            raise _fail(defn.path, f"loss '{defn.loss['loss']}' is not supported", f"use one of: {', '.join(LOSSES)}")
        out["loss"] = LOSSES[defn.loss["loss"]]
    opt = defn.optimizer
    numeric = {"learning_rate": "lr", "momentum": "momentum", "clipnorm": "clipnorm", "weight_decay": "weight_decay"}
    try:
        if "optimizer" in opt:
            out["optimizer"] = opt["optimizer"].lower()
        out.update({dst: float(opt[src]) for src, dst in numeric.items() if src in opt})
        tp = defn.training
        if "batch_size" in tp:
            out["batch_size"] = int(tp["batch_size"])
        if "epochs" in tp:
            out["max_epochs"] = int(tp["epochs"])
        if "early_stopping" in tp:
            out["early_stopping"] = tp["early_stopping"].lower() == "true"
    except ValueError as err:
        raise _fail(
            defn.path, f"hyperparameter of the wrong type ({err})", "give numbers for numeric hyperparameters"
        ) from None
    return out
