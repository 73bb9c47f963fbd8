"""First-layer filters of a trained model: activations, aligned sites, influence.

Basset's method (Kelley et al. 2016): run the test sequences through the model,
take each first-layer filter's activation at every position, call a position a
*site* when the activation exceeds ``mean + 0.5 * (max - mean)`` (mean and max
over all positions of all sequences), and count the bases of the subsequences
under the filter at its sites. The filter's *influence* is the change in loss
(and in each task's mean prediction) when its output is replaced by its mean.

The first layer is found by structure, not by name: the first ``Conv1d`` with 4
input channels (or the reverse-complement-shared ``RCConv``); its activation is
the output of the normalisation / nonlinearity modules that directly follow it
in the same ``nn.Sequential`` (Basset: conv -> BN -> ReLU or exp; Basenji: conv -> BN).
For ``RCConv`` the forward channel ``f`` and its mirrored reverse channel are
one filter scanned on both strands; sites on the reverse strand contribute
their reverse complement to the counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from chromcnn.inference.device import pass_rows
from chromcnn.interpret.ablation import influence_sums
from chromcnn.io.onehot import reverse_complement
from chromcnn.models.common import Exp

FOLLOWERS = (nn.BatchNorm1d, nn.ReLU, nn.GELU, nn.ELU, nn.LeakyReLU, nn.Softplus, nn.Sigmoid, nn.Tanh, nn.SiLU, Exp)
#: first-layer kernels shorter than this are not read as motifs (most TF sites are 6-20 bp).
MIN_KERNEL = 6


@dataclass
class FirstLayer:
    """Where a model's first-layer filters live.

    Attributes
    ----------
    weight : torch.Tensor
        float (F, 4, k) forward kernels.
    padding : int
        Zero padding the convolution applies on each side.
    hook : nn.Module
        Module whose output is the activation (N, C, L').
    rc : bool
        True when channels F..2F-1 are the mirrored reverse-strand copies.
    """

    weight: torch.Tensor
    padding: int
    hook: nn.Module
    rc: bool

    @property
    def n_filters(self) -> int:
        return int(self.weight.shape[0])

    @property
    def width(self) -> int:
        return int(self.weight.shape[2])


class NotInterpretable(ValueError):
    """A model whose first layer cannot be read as motifs (the message says why)."""


def _is_rc_conv(module: nn.Module) -> bool:
    return type(module).__name__ == "RCConv" and hasattr(module, "weight")


def _is_follower(module: nn.Module) -> bool:
    return isinstance(module, FOLLOWERS) or type(module).__name__ == "RCBatchNorm"


def _parents(model: nn.Module) -> dict[int, nn.Module]:
    return {id(child): parent for parent in model.modules() for child in parent.children()}


def find_first_layer(model: nn.Module, min_kernel: int = MIN_KERNEL) -> FirstLayer:
    """The first convolution over the one-hot input, or NotInterpretable with a reason."""
    conv = next(
        (m for m in model.modules() if (isinstance(m, nn.Conv1d) and m.in_channels == 4) or _is_rc_conv(m)), None
    )
    if conv is None:
        raise NotInterpretable("it has no convolution over the one-hot input (its first layer is not a filter bank)")
    rc = _is_rc_conv(conv)
    if not rc:
        if conv.stride[0] != 1 or conv.dilation[0] != 1 or conv.groups != 1 or isinstance(conv.padding, str):
            raise NotInterpretable("its first convolution is strided, dilated, grouped or string-padded")
    width = int(conv.weight.shape[2])
    if width < min_kernel:
        raise NotInterpretable(
            f"its first-layer kernels are {width} bp wide, shorter than a TF motif ({min_kernel} bp or more); "
            "motifs form only in deeper layers"
        )
    hook = conv
    parent = _parents(model).get(id(conv))
    if isinstance(parent, nn.Sequential):
        siblings = list(parent)
        for module in siblings[siblings.index(conv) + 1 :]:
            if not _is_follower(module):
                break
            hook = module
    padding = 0 if rc else int(conv.padding[0])
    return FirstLayer(conv.weight.detach(), padding, hook, rc)


class _Reached(Exception):
    """Raised by :func:`first_activation`'s hook: the layers after the first one need not run."""


def first_activation(model: nn.Module, layer: FirstLayer, x: torch.Tensor) -> torch.Tensor:
    """The hooked first-layer activation (N, C, L') of ``x``, without running the layers after it.

    The forward pass stops (by an exception from the hook) as soon as the activation
    exists: site calling needs nothing deeper, and the deeper layers are most of the
    cost (deepsea: ~97% of a forward pass at 300 bp).
    """
    store: list[torch.Tensor] = []

    def hook(module, inputs, output):
        store.append(output.detach())
        raise _Reached

    handle = layer.hook.register_forward_hook(hook)
    try:
        model(x)
    except _Reached:
        pass
    finally:
        handle.remove()
    if not store:  # the hooked module did not run on this input (not expected)
        raise NotInterpretable("the first layer's activation was not computed by a forward pass")
    return store[0]


def strand_view(act: torch.Tensor, layer: FirstLayer) -> torch.Tensor:
    """(N, C, L') activation -> (N, F, S, L') with S = 2 strands for RC layers, else 1."""
    if not layer.rc:
        return act[:, :, None, :]
    f = layer.n_filters
    return torch.stack([act[:, :f], act[:, f:].flip(1)], dim=2)


@torch.no_grad()
def activation_stats(
    model: nn.Module, layer: FirstLayer, batches, device: torch.device
) -> tuple[np.ndarray, np.ndarray]:
    """Per-filter mean and max activation over all positions (and strands) of all sequences.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        float64 (F,) mean and (F,) max.
    """
    f = layer.n_filters
    total, count, top = np.zeros(f), 0, np.full(f, -np.inf)
    model.eval()
    for x in batches:
        a = strand_view(first_activation(model, layer, x.to(device)), layer).double()
        total += a.sum(dim=(0, 2, 3)).cpu().numpy()
        count += a.shape[0] * a.shape[2] * a.shape[3]
        top = np.maximum(top, a.amax(dim=(0, 2, 3)).cpu().numpy())
    return total / max(count, 1), top


@torch.no_grad()
def site_counts(
    model: nn.Module, layer: FirstLayer, batches, threshold: np.ndarray, device: torch.device
) -> tuple[np.ndarray, np.ndarray]:
    """Base counts of the subsequences under each filter where it exceeds ``threshold``.

    Parameters
    ----------
    threshold : numpy.ndarray
        float (F,).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        float64 (F, 4, k) counts (columns A, C, G, T; N adds nothing) and
        int64 (F,) number of sites.
    """
    f, k, pad = layer.n_filters, layer.width, layer.padding
    counts = torch.zeros(f, 4, k, dtype=torch.float64)
    n_sites = torch.zeros(f, dtype=torch.int64)
    thr = torch.as_tensor(threshold, dtype=torch.float32, device=device)[None, :, None, None]
    model.eval()
    for x in batches:
        x = x.to(device)
        hits = (strand_view(first_activation(model, layer, x), layer) > thr).float()  # (N, F, S, L')
        windows = nn.functional.pad(x, (pad, pad)).unfold(2, k, 1)  # (N, 4, L', k)
        windows = windows[:, :, : hits.shape[3]]
        fwd = torch.einsum("nfl,nclk->fck", hits[:, :, 0], windows)
        if layer.rc:
            rev = torch.einsum("nfl,nclk->fck", hits[:, :, 1], windows)
            fwd = fwd + reverse_complement(rev)  # (F, 4, k): A<->T, C<->G and reversed positions
        counts += fwd.double().cpu()
        n_sites += hits.sum(dim=(0, 2, 3)).long().cpu()
    return counts.numpy(), n_sites.numpy()


@contextmanager
def replaced_by_mean(layer: FirstLayer, filter_index: int, mean: float) -> Iterator[None]:
    """Within the block, filter ``filter_index``'s activation (both strands) is its mean."""

    def hook(module, inputs, output):
        output = output.clone()
        output[:, filter_index] = mean
        if layer.rc:
            output[:, 2 * layer.n_filters - 1 - filter_index] = mean
        return output

    handle = layer.hook.register_forward_hook(hook)
    try:
        yield
    finally:
        handle.remove()


@contextmanager
def replaced_in_groups(layer: FirstLayer, filters: list[int], means: np.ndarray) -> Iterator[None]:
    """Within the block, a batch of ``len(filters)`` equal groups has filter ``filters[g]`` set to its mean in group g.

    The batch is ``len(filters)`` copies of the same ``n`` sequences, stacked; in copy ``g``
    the activation of ``filters[g]`` (both strands for RC layers) becomes ``means[filters[g]]``.
    """
    idx = torch.as_tensor(filters, dtype=torch.long)
    values = torch.as_tensor(np.asarray(means)[filters], dtype=torch.float32)

    def hook(module, inputs, output):
        g = len(filters)
        out = output.clone()
        view = out.view(g, out.shape[0] // g, *out.shape[1:])  # (G, n, C, L')
        rows = torch.arange(g, device=out.device)
        fill = values.to(out.device, out.dtype)[:, None, None].expand(g, view.shape[1], view.shape[3])
        view[rows, :, idx.to(out.device)] = fill
        if layer.rc:
            view[rows, :, (2 * layer.n_filters - 1 - idx).to(out.device)] = fill
        return out

    handle = layer.hook.register_forward_hook(hook)
    try:
        yield
    finally:
        handle.remove()


@torch.no_grad()
def influence(
    model: nn.Module,
    layer: FirstLayer,
    x: torch.Tensor,
    y: torch.Tensor,
    loss_fn: nn.Module,
    means: np.ndarray,
    filters: list[int],
    device: torch.device,
    batch_size: int = 256,
    rows_per_pass: int = 1024,
    analytic: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Basset's filter influence on a sample of sequences, many filters per forward pass.

    With ``analytic`` (default) a model whose first layer is followed by pooling and a
    plain convolution re-runs only the layers after that convolution
    (:mod:`chromcnn.interpret.ablation`); the numbers are the same.

    Each pass stacks copies of up to ``batch_size`` sequences, one per filter of a group
    (about ``rows_per_pass`` rows in all; on CPU at most ~16,000 bp of rows,
    :func:`chromcnn.inference.device.pass_rows`), and sets one filter to its mean in each copy
    (:func:`replaced_in_groups`): the same numbers as one pass per filter, in fewer, larger
    passes.

    Parameters
    ----------
    x : torch.Tensor
        float (N, 4, L) sequences.
    y : torch.Tensor
        float (N, T) targets.
    means : numpy.ndarray
        float (F,) mean activations.
    filters : list of int
        Filters to test (others get NaN).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        float64 (F,) loss change (ablated minus intact; positive = the filter
        helps) and (F, T) change in each task's mean predicted probability
        (intact minus ablated; positive = the filter raises that task).
    """
    model.eval()
    d_loss = np.full(layer.n_filters, np.nan)
    d_pred = np.full((layer.n_filters, y.shape[1]), np.nan)
    if len(x) == 0:
        return d_loss, d_pred
    rows_per_pass = pass_rows(x.shape[-1], torch.device(device), rows_per_pass)  # CPU: cache-sized passes
    n_f = len(filters) + 1  # slot 0: intact
    loss_sum, prob_sum = np.zeros(n_f), np.zeros((n_f, y.shape[1]))
    for i in range(0, len(x), batch_size):
        xb, yb = x[i : i + batch_size].to(device), y[i : i + batch_size]
        sums = influence_sums(model, layer, xb, yb, loss_fn, means, filters, rows_per_pass) if analytic else None
        if sums is not None:  # exact shortcut through the first layer's linear successor
            loss_sum += sums[0]
            prob_sum += sums[1]
            continue
        out = model(xb).float().cpu()
        loss_sum[0] += float(loss_fn(out, yb)) * len(out)
        prob_sum[0] += torch.sigmoid(out).sum(dim=0).double().numpy()
        group = max(1, rows_per_pass // len(xb))
        for j in range(0, len(filters), group):
            chosen = filters[j : j + group]
            with replaced_in_groups(layer, chosen, means):
                out = model(xb.repeat(len(chosen), 1, 1)).float().cpu().view(len(chosen), len(xb), -1)
            for g in range(len(chosen)):
                loss_sum[1 + j + g] += float(loss_fn(out[g], yb)) * len(xb)
                prob_sum[1 + j + g] += torch.sigmoid(out[g]).sum(dim=0).double().numpy()
    loss_mean, prob_mean = loss_sum / len(x), prob_sum / len(x)
    for k, f in enumerate(filters):
        d_loss[f] = loss_mean[1 + k] - loss_mean[0]
        d_pred[f] = prob_mean[0] - prob_mean[1 + k]
    return d_loss, d_pred
