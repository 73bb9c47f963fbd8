"""``model.pt``: a model file that rebuilds and runs its model without config.yaml.

A model file is a ``torch.save``'d dict (format 2):

===========  =============  ===================================================
key          type           meaning
===========  =============  ===================================================
format       int            :data:`FORMAT_VERSION`; files without it predate it
arch         str            registry architecture (or the seqgra model's name)
hparams      dict           architecture hyperparameters
seqgra       dict or None   seqgra models: the XML definition's text and the
                            external module's source and md5 (see
                            :func:`chromcnn.models.seqgra.embed`)
outside_code list[dict]     the user's files the model's code came from (role, path, md5;
                            empty for registry architectures), written by the training job
tasks        list[str]      output columns, in order
seq_len      int            window (input length, bp)
task_type    str            multi-label, multi-class or regression
transform    str            logits -> outputs: sigmoid, softmax or identity
settings     dict           the full :class:`~chromcnn.config.settings.TrainSettings`
state_dict   dict           weights of the best epoch
best_epoch   int            that epoch; ``valid`` holds its validation row
model_id,    str, str,      provenance (written by the training job; optional)
config_hash, dict, dict
data,
packages
===========  =============  ===================================================

:func:`header` makes everything but the weights, settings and validation row
(the trainer adds those); :func:`build` makes a fresh model from a header, for
training and loading alike; :func:`load` checks a file and returns a ready model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from chromcnn import models
from chromcnn.config.settings import TrainSettings
from chromcnn.errors import InputError
from chromcnn.inference.predict import TRANSFORMS, predict
from chromcnn.models import seqgra
from chromcnn.models.losses import n_outputs

FORMAT_VERSION = 2
REQUIRED = ("arch", "hparams", "seqgra", "tasks", "seq_len", "task_type", "transform", "settings", "state_dict")


@dataclass
class LoadedModel:
    """A model rebuilt from its file, weights loaded, in eval mode.

    Attributes
    ----------
    model : torch.nn.Module
    tasks : list of str
        Output columns.
    window : int
        Input length (bp): inputs are (N, 4, window).
    task_type : str
    transform : str
        ``sigmoid``, ``softmax`` or ``identity``: logits -> outputs.
    settings : dict
        The training settings.
    record : dict
        Everything the file holds (provenance included).
    path : str
    """

    model: nn.Module
    tasks: list[str]
    window: int
    task_type: str
    transform: str
    settings: dict
    record: dict
    path: str

    def predict(
        self, x: np.ndarray | torch.Tensor, device: torch.device | str = "cpu", rc_average: bool = False, **kwargs
    ) -> np.ndarray:
        """float32 (N, T) outputs (probabilities for classifiers) of (N, 4, window) one-hot sequences;
        (N, T + 1) for multi-class, the last column the background class (:mod:`chromcnn.models.losses`)."""
        if x.shape[1:] != (4, self.window):
            raise ValueError(f"inputs of shape {tuple(x.shape)}; this model takes (N, 4, {self.window})")
        return predict(self.model, x, device, transform=self.transform, rc_average=rc_average, **kwargs)


def header(
    settings: TrainSettings, tasks: list[str], window: int, seqgra_definition: str | None = None, **provenance
) -> dict:
    """Everything a model file holds besides weights, settings and the validation row.

    Parameters
    ----------
    settings : TrainSettings
    tasks : list of str
    window : int
        Input length, bp.
    seqgra_definition : str, optional
        Path of the seqgra XML when the model is a seqgra model (its text and
        its external module's source are stored).
    **provenance
        Stored as they are (``model_id``, ``config_hash``, ``data``, ``packages``).
    """
    return {
        "format": FORMAT_VERSION,
        "arch": settings.arch,
        "hparams": settings.hparams,
        "seqgra": seqgra.embed(seqgra_definition) if seqgra_definition else None,
        "tasks": list(tasks),
        "seq_len": int(window),
        "task_type": settings.task_type,
        "transform": TRANSFORMS[settings.task_type],
        **provenance,
    }


def build(record: dict) -> nn.Module:
    """A fresh (untrained) model as described by a header or a model file's record."""
    n_tasks = n_outputs(record.get("task_type", "multi-label"), len(record["tasks"]))  # + background (multi-class)
    seq_len = int(record["seq_len"])
    if record["seqgra"]:
        return seqgra.rebuild(record["seqgra"], n_tasks, seq_len)
    return models.build(record["arch"], n_tasks, seq_len, **record["hparams"])


def _short(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0][:160]}" if text else type(err).__name__


def _read(path: str, fail) -> dict:
    try:
        saved = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as err:  # truncated, garbled or not a torch file: all mean the same to the user
        raise fail(f"unreadable model file ({_short(err)})") from None
    if not isinstance(saved, dict) or "state_dict" not in saved:
        raise fail("not a chromcnn model file")
    if "format" not in saved:
        raise fail(f"model file from before format {FORMAT_VERSION} (no 'format' key)")
    if saved["format"] != FORMAT_VERSION:
        raise fail(f"model file format {saved['format']!r}; this chromcnn reads format {FORMAT_VERSION}")
    missing = [k for k in REQUIRED if k not in saved]
    if missing:
        raise fail(f"the model file lacks {', '.join(missing)}")
    if not saved["seqgra"] and saved["arch"] not in models.REGISTRY:
        known = ", ".join(models.names())
        raise fail(f"architecture '{saved['arch']}' is not registered (known: {known})")
    if saved["transform"] not in TRANSFORMS.values():
        raise fail(f"unknown output transform '{saved['transform']}'")
    return saved


def load(path: str | Path, device: torch.device | str = "cpu") -> LoadedModel:
    """Check a model file and rebuild its model (weights loaded, eval mode, on ``device``).

    Raises
    ------
    InputError
        One line naming the file and saying to retrain, before any other work:
        the file is unreadable (truncated, garbled), predates the format, names
        an unregistered architecture, or its weights do not fit the model.
    """
    path = str(path)
    folder = Path(path).parent
    fix = f"retrain: delete {folder if folder != Path('.') else path} and rerun snakemake"

    def fail(problem: str) -> InputError:
        return InputError(problem, fix, path=path)

    saved = _read(path, fail)
    try:
        model = build(saved)
        model.load_state_dict(saved["state_dict"])
    except Exception as err:  # any failure to rebuild is a file that no longer fits this chromcnn
        raise fail(f"the model cannot be rebuilt from the file ({_short(err)})") from None
    return LoadedModel(
        model=model.eval().to(device),
        tasks=list(saved["tasks"]),
        window=int(saved["seq_len"]),
        task_type=saved["task_type"],
        transform=saved["transform"],
        settings=dict(saved["settings"]),
        record=saved,
        path=path,
    )
