"""Per-base contribution scores of one task's logit: DeepLIFT/SHAP, its fallback, an ISM check.

DeepLIFT/SHAP (tangermeme's ``deep_lift_shap``) runs against dinucleotide-shuffled
references. Each model is first probed on a few windows: if the library raises
or its convergence deltas (sum of contributions against the output difference)
exceed the tolerance, an operation has no DeepLIFT rule (a functional max-pool,
say) and the model gets gradient x input instead, which is exact for any
differentiable model. The method each model got is recorded. A model whose
output has no gradient with respect to its input gets no method (a reason).

Arrays: one-hot and contributions are (N, 4, L), rows A, C, G, T.
"""

from __future__ import annotations

import copy
import logging
import warnings
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from chromcnn.inference.device import pass_rows
from chromcnn.models.common import Exp

LOG = logging.getLogger("chromcnn")

DEEPLIFT = "deeplift_shap"
GRADIENT = "gradient_x_input"
ISM_COLUMNS = [
    "task",
    "method",
    "n_windows",
    "ism_pearson_mean",
    "ism_pearson_min",
    "delta_relative",
    "delta_max",
    "tolerance",
    "flagged",
]


#: CPU passes hold about this many window-reference positions (pairs x length):
#: the library's hooks keep several activations per layer, and on CPU a pass that
#: fits in cache is faster per window (measured, README "Performance")
CPU_POSITIONS_PER_PASS = 10_000
#: pairs per pass on a GPU, where large batches fill the device
GPU_PAIRS_PER_PASS = 512


class NoAttribution(RuntimeError):
    """No attribution method applies to the model (the message says why)."""


@dataclass
class AttributionSettings:
    """Options of the attribution step (config.yaml ``interpret.attribution``)."""

    n_windows: int = 2000
    n_references: int = 10
    ism_windows: int = 4
    delta_tolerance: float = 0.01
    probe_windows: int = 4
    batch_size: int | None = None
    seed: int = 1
    modisco: dict = field(default_factory=dict)

    def pairs_per_pass(self, length: int) -> int:
        """Window-reference pairs per forward/backward pass for windows of ``length`` bp.

        The configured ``batch_size`` when set; else 512 on a GPU and, on CPU,
        ``CPU_POSITIONS_PER_PASS // length`` (33 at 300 bp, 10 at 1 kb; at least 4).
        Scores do not depend on it: each window is computed on its own.
        """
        if self.batch_size:
            return int(self.batch_size)
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        return pass_rows(length, device, GPU_PAIRS_PER_PASS, positions=CPU_POSITIONS_PER_PASS)

    @classmethod
    def from_config(cls, cfg: dict, seed: int) -> AttributionSettings:
        """Settings from ``interpret.attribution`` and the run's seed."""
        keys = ("n_windows", "n_references", "ism_windows", "delta_tolerance", "batch_size")
        return cls(**{k: cfg[k] for k in keys}, seed=seed, modisco=dict(cfg["modisco"]))


class TaskLogit(nn.Module):
    """A model reduced to one task's output: input (N, 4, L) float, output (N, 1).

    A (N, T) output gives task ``task``'s logit or predicted signal; a profile
    output (N, T, B) gives the task's mean over its bins (under the Poisson loss,
    the mean log rate), a linear reduction, so DeepLIFT/SHAP stays exact.
    """

    def __init__(self, model: nn.Module, task: int) -> None:
        super().__init__()
        self.model = model
        self.task = task
        self.eval()  # the library restores the mode it found: a training-mode wrapper would enable dropout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.model(x)
        if y.dim() == 3:
            return y[:, self.task].mean(dim=1, keepdim=True)
        return y.reshape(y.shape[0], -1)[:, self.task : self.task + 1]


def prepare(model: nn.Module) -> nn.Module:
    """A copy of ``model`` in eval mode with in-place activations made out-of-place.

    The library's backward hooks cannot wrap an in-place ReLU (autograd rejects
    modifying the hooked view); out-of-place computes the same values.
    """
    model = copy.deepcopy(model).eval()
    for module in model.modules():
        if getattr(module, "inplace", False) is True:
            module.inplace = False
    return model


def extra_rules() -> dict:
    """DeepLIFT rules for our modules the library does not know: the exponential first layer.

    ``Exp`` is elementwise, so the rescale rule (tangermeme's ``_nonlinear``) is the right one.
    """
    from tangermeme.deep_lift_shap import _nonlinear

    return {Exp: _nonlinear}


def are_labels(y: np.ndarray) -> bool:
    """True for (N, T) 0/1 labels; False for signal (N, T) or profile (N, T, B) targets."""
    y = np.asarray(y)
    return bool(y.ndim == 2 and np.isin(y, (0, 1)).all())


def high_target(y: np.ndarray, labels: bool | None = None) -> np.ndarray:
    """bool (N, T): the windows that count as each task's positives for attribution and MoDISco.

    Parameters
    ----------
    y : numpy.ndarray
        (N, T) 0/1 labels, (N, T) float signal, or (N, T, B) float profile.
    labels : bool, optional
        :func:`are_labels` of ``y`` when the caller has it; scanned here when None.

    Returns
    -------
    numpy.ndarray
        Labels: label 1. Signal and profile targets (a profile summed over its bins):
        above the task's median over these windows, and above zero.
    """
    y = np.asarray(y)
    if are_labels(y) if labels is None else labels:
        return y > 0
    strength = y.sum(axis=2) if y.ndim == 3 else y
    strength = np.nan_to_num(strength.astype(np.float64))
    return (strength > np.median(strength, axis=0, keepdims=True)) & (strength > 0)


def select_windows(high: np.ndarray, x_ok: np.ndarray, task: int, n: int, seed: int) -> np.ndarray:
    """Rows for one task: its positives first (seeded order), then the rest, ``n`` in all.

    Parameters
    ----------
    high : numpy.ndarray
        bool (N, T): the positives of every task (:func:`high_target`, computed once per split).
    x_ok : numpy.ndarray
        bool (N,) windows usable for attribution (no unknown bases).

    Returns
    -------
    numpy.ndarray
        int64 (min(n, usable),) row indices.
    """
    rng = np.random.default_rng([seed, task])
    high = np.asarray(high, dtype=bool)[:, task]
    pos = np.flatnonzero(high & x_ok)
    neg = np.flatnonzero(~high & x_ok)
    order = np.concatenate([rng.permutation(pos), rng.permutation(neg)])
    return order[:n].astype(np.int64)


def references(x: torch.Tensor, n: int, seed: int) -> torch.Tensor:
    """float (N, n, 4, L) dinucleotide shuffles of each window, seeded per window."""
    from tangermeme.ersatz import dinucleotide_shuffle

    return dinucleotide_shuffle(x, n=n, random_state=[seed + i for i in range(len(x))]).float()


def _logits(model: nn.Module, x: torch.Tensor, batch: int) -> torch.Tensor:
    with torch.no_grad():
        return torch.cat([model(x[i : i + batch]).float()[:, 0] for i in range(0, len(x), batch)])


def deeplift(wrapped: TaskLogit, x: torch.Tensor, refs: torch.Tensor, s: AttributionSettings):
    """Hypothetical contributions (N, 4, L) and per-window convergence deltas.

    The delta of a window is |sum of its contributions - mean over references of
    (logit(x) - logit(reference))|, which DeepLIFT/SHAP makes zero when every
    nonlinearity has its rule; returned with the mean |output difference| to scale it.
    """
    from tangermeme.deep_lift_shap import deep_lift_shap

    batch = s.pairs_per_pass(x.shape[-1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # deltas are measured below
        hyp = deep_lift_shap(
            wrapped,
            x,
            references=refs,
            hypothetical=True,
            additional_nonlinear_ops=extra_rules(),
            batch_size=batch,
            device="cpu" if not torch.cuda.is_available() else None,
            warning_threshold=float("inf"),
        ).float()
    n, r = refs.shape[:2]
    y0 = _logits(wrapped, x, batch)
    yr = _logits(wrapped, refs.reshape(n * r, *refs.shape[2:]), batch).reshape(n, r)
    diff = (y0[:, None] - yr).mean(dim=1)
    total = (hyp * x).sum(dim=(1, 2))
    return hyp, (total - diff).abs(), (y0[:, None] - yr).abs().mean()


def gradient_x_input(wrapped: TaskLogit, x: torch.Tensor, batch: int) -> torch.Tensor:
    """Hypothetical contributions (N, 4, L): the input gradient, centred over the 4 bases.

    Raises
    ------
    NoAttribution
        When the logit has no finite, non-zero gradient with respect to the input.
    """
    out = []
    for i in range(0, len(x), batch):
        xb = x[i : i + batch].clone().requires_grad_(True)
        y = wrapped(xb).sum()
        if not y.requires_grad:
            raise NoAttribution("the model's output has no gradient with respect to its input (not differentiable)")
        (g,) = torch.autograd.grad(y, xb, allow_unused=True)
        if g is None:
            raise NoAttribution("the model's output has no gradient with respect to the input")
        out.append(g.detach())
    g = torch.cat(out)
    if not torch.isfinite(g).all() or not g.abs().sum() > 0:
        raise NoAttribution("the input gradient is zero or not finite everywhere")
    return g - g.mean(dim=1, keepdim=True)


def choose_method(wrapped: TaskLogit, x: torch.Tensor, s: AttributionSettings) -> tuple[str, str]:
    """DeepLIFT/SHAP when it converges on a probe of ``x``, else gradient x input; (method, reason)."""
    probe = x[: s.probe_windows]
    # raises NoAttribution for a non-differentiable model
    gradient_x_input(wrapped, probe, s.pairs_per_pass(x.shape[-1]))
    try:
        _, delta, scale = deeplift(wrapped, probe, references(probe, s.n_references, s.seed), s)
    except Exception as err:  # the library rejects an op: record why, use the fallback
        return GRADIENT, f"deep_lift_shap failed: {type(err).__name__}: {err}"[:300]
    relative = float(delta.mean() / scale.clamp_min(1e-12))
    if not np.isfinite(relative) or relative > s.delta_tolerance:
        return GRADIENT, (
            f"DeepLIFT/SHAP convergence deltas are {relative:.1%} of the output differences "
            f"(tolerance {s.delta_tolerance:.1%}): an operation has no DeepLIFT rule"
        )
    return DEEPLIFT, ""


@dataclass
class TaskScores:
    """Contributions of one task on its windows."""

    task: str
    rows: np.ndarray
    x: np.ndarray
    hypothetical: np.ndarray
    method: str
    delta: np.ndarray
    scale: float = float("nan")

    @property
    def contributions(self) -> np.ndarray:
        """float32 (N, 4, L) actual contributions (hypothetical x one-hot)."""
        return self.hypothetical * self.x


def task_scores(model: nn.Module, task: int, name: str, x: np.ndarray, rows, method: str, s) -> TaskScores:
    """Contributions of task ``task`` on windows ``x`` (uint8 (N, 4, L)) with ``method``."""
    wrapped = TaskLogit(model, task).eval()
    xt = torch.from_numpy(np.asarray(x, dtype=np.float32))
    scale = torch.tensor(float("nan"))
    if method == DEEPLIFT:
        hyp, delta, scale = deeplift(wrapped, xt, references(xt, s.n_references, s.seed), s)
    else:
        hyp, delta = gradient_x_input(wrapped, xt, s.pairs_per_pass(xt.shape[-1])), torch.full((len(xt),), np.nan)
    hyp = hyp.numpy().astype(np.float32)
    return TaskScores(name, np.asarray(rows), np.asarray(x), hyp, method, delta.numpy(), float(scale))


def ism(wrapped: TaskLogit, x: torch.Tensor, batch: int) -> np.ndarray:
    """float (N, L) in-silico mutagenesis per position: observed base's centred effect (tangermeme)."""
    from tangermeme.saturation_mutagenesis import saturation_mutagenesis

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = saturation_mutagenesis(wrapped, x, target=0, batch_size=batch, device="cpu")
    return out.float().sum(dim=1).numpy()


def ism_check(model: nn.Module, task: int, scores: TaskScores, s: AttributionSettings) -> dict:
    """One row of ism_check.tsv: per-window Pearson r of ISM and the scores, deltas vs tolerance."""
    k = min(s.ism_windows, len(scores.x))
    row = {"task": scores.task, "method": scores.method, "n_windows": k, "tolerance": s.delta_tolerance}
    if k:
        wrapped = TaskLogit(model, task).eval()
        xk = torch.from_numpy(scores.x[:k].astype(np.float32))
        per_base = ism(wrapped, xk, s.pairs_per_pass(xk.shape[-1]))
        attr = scores.contributions[:k].sum(axis=1)
        r = [np.corrcoef(a, b)[0, 1] if a.std() > 0 and b.std() > 0 else np.nan for a, b in zip(per_base, attr)]
        ok = [v for v in r if np.isfinite(v)]
        row.update(ism_pearson_mean=float(np.mean(ok)) if ok else np.nan, ism_pearson_min=min(ok, default=np.nan))
    else:
        row.update(ism_pearson_mean=np.nan, ism_pearson_min=np.nan)
    if scores.method == DEEPLIFT and len(scores.delta):
        row["delta_relative"] = float(scores.delta.mean() / max(scores.scale, 1e-12))
        row["delta_max"] = float(scores.delta.max())
        row["flagged"] = bool(row["delta_relative"] > s.delta_tolerance)
    else:
        row.update(delta_relative=np.nan, delta_max=np.nan, flagged=False)
    return row


def usable(x: np.ndarray) -> np.ndarray:
    """bool (N,): windows without unknown (all-zero) columns, which the shuffles cannot take."""
    return np.asarray(x).sum(axis=1).min(axis=1) > 0
