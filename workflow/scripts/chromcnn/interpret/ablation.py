"""Filter influence without re-running the layers before the first layer's linear successor.

Setting a first-layer filter's activation to a constant ``m`` (its mean) changes
the network only through the next convolution, which is linear: when only
max-pooling and dropout (identity in eval mode) lie between the first layer's
activation ``A`` and that convolution, the pooled channel becomes ``m`` too, and
the convolution's output changes by

    delta_f = conv1d(m - pool(A)_f, W[:, f])   (the convolution's own stride, padding, dilation)

So the intact output ``Z`` of that convolution is computed once per batch, ``Z +
delta_f`` for a group of filters in one grouped convolution, and only the layers
after it run on the stacked copies. The model's forward is reused for them: the
model is called on one sequence, and a forward hook on the successor convolution
replaces its output by the stacked ``Z + delta_f`` (the layers before it see one
row). Exactly :func:`chromcnn.interpret.filters.influence`'s numbers (tested), at
the cost of the layers after the successor (basset: ~1/10 of a forward pass).
Models without such a successor (reverse-complement layers, other layers in
between) return None and the caller uses the general batched method.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

PASS_THROUGH = (nn.MaxPool1d, nn.Dropout)  # a constant channel stays the same constant


def linear_successor(model: nn.Module, layer) -> tuple[list[nn.Module], nn.Conv1d] | None:
    """The pooling/dropout modules after the first layer's activation and the convolution after them, or None."""
    if layer.rc:
        return None
    parent = next((p for p in model.modules() if any(c is layer.hook for c in p.children())), None)
    if not isinstance(parent, nn.Sequential):
        return None
    siblings = list(parent)
    between: list[nn.Module] = []
    for module in siblings[siblings.index(layer.hook) + 1 :]:
        if isinstance(module, nn.Conv1d):
            ok = module.groups == 1 and not isinstance(module.padding, str) and module.padding_mode == "zeros"
            return (between, module) if ok else None
        if not isinstance(module, PASS_THROUGH) or (isinstance(module, nn.MaxPool1d) and module.padding != 0):
            return None
        between.append(module)
    return None


def _delta(pooled: torch.Tensor, conv: nn.Conv1d, chosen: list[int], values: torch.Tensor) -> torch.Tensor:
    """(G, n, C2, L3) change of ``conv``'s output when filter ``chosen[g]`` is ``values[g]`` (pooled: (n, C, L2))."""
    g, c2 = len(chosen), conv.out_channels
    diff = values[None, :, None] - pooled[:, chosen]  # (n, G, L2)
    weight = conv.weight[:, chosen].permute(1, 0, 2).reshape(g * c2, 1, -1)
    out = nn.functional.conv1d(
        diff, weight, None, stride=conv.stride, padding=conv.padding, dilation=conv.dilation, groups=g
    )
    return out.view(len(diff), g, c2, -1).transpose(0, 1)


@torch.no_grad()
def influence_sums(
    model: nn.Module,
    layer,
    xb: torch.Tensor,
    yb: torch.Tensor,
    loss_fn: nn.Module,
    means: np.ndarray,
    filters: list[int],
    rows_per_pass: int = 1024,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Summed loss and probabilities over one batch, intact (row 0) and with each filter ablated.

    Parameters
    ----------
    xb : torch.Tensor
        float (n, 4, L) on the model's device.
    yb : torch.Tensor
        float (n, T) targets (CPU).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray) or None
        float64 (1 + len(filters),) loss x n and (1 + len(filters), T) summed
        probabilities; None when the model has no linear successor.
    """
    found = linear_successor(model, layer)
    if found is None:
        return None
    between, conv = found
    store: dict[str, torch.Tensor] = {}
    handles = [
        layer.hook.register_forward_hook(lambda m, i, o: store.__setitem__("a", o.clone())),
        conv.register_forward_hook(lambda m, i, o: store.__setitem__("z", o.clone())),
    ]
    try:
        out = model(xb).float().cpu()
    finally:
        for h in handles:
            h.remove()
    pooled = store["a"]
    for module in between:
        pooled = module(pooled)
    n = len(xb)
    loss_sum = [float(loss_fn(out, yb)) * n]
    prob_sum = [torch.sigmoid(out).sum(dim=0).double()]
    group = max(1, rows_per_pass // n)
    for j in range(0, len(filters), group):
        chosen = filters[j : j + group]
        values = torch.as_tensor(np.asarray(means)[chosen], dtype=pooled.dtype, device=pooled.device)
        stacked = (store["z"][None] + _delta(pooled, conv, chosen, values)).reshape(-1, *store["z"].shape[1:])
        handle = conv.register_forward_hook(lambda m, i, o, z=stacked: z)
        try:
            ablated = model(xb[:1]).float().cpu()
        finally:
            handle.remove()
        if ablated.shape[0] != len(chosen) * n:  # the model used the input's batch size: not this shortcut
            return None
        ablated = ablated.view(len(chosen), n, -1)
        for g in range(len(chosen)):
            loss_sum.append(float(loss_fn(ablated[g], yb)) * n)
            prob_sum.append(torch.sigmoid(ablated[g]).sum(dim=0).double())
    return np.array(loss_sum), torch.stack(prob_sum).numpy()
