"""Site calling reads the first layer's activation without running the layers after it."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from chromcnn import models
from chromcnn.interpret import filters as flt
from torch import nn


class Deeper(nn.Module):
    """Counts its calls (the deeper layers of a model)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return x.mean(dim=2)


def full_pass_stats(model, layer, x):
    """The definition: the hooked activation of a whole forward pass."""
    store = []
    handle = layer.hook.register_forward_hook(lambda m, i, o: store.append(o.detach()))
    with torch.no_grad():
        model(x)
    handle.remove()
    return store[0]


def test_deeper_layers_do_not_run():
    deeper = Deeper()
    model = nn.Sequential(nn.Sequential(nn.Conv1d(4, 3, 7), nn.ReLU()), deeper).eval()
    layer = flt.find_first_layer(model)
    x = (torch.rand(5, 4, 40) < 0.25).float()
    act = flt.first_activation(model, layer, x)
    assert deeper.calls == 0 and act.shape == (5, 3, 34)
    assert torch.equal(act, full_pass_stats(model, layer, x)) and deeper.calls == 1
    deeper.calls = 0
    flt.activation_stats(model, layer, [x, x], "cpu")
    flt.site_counts(model, layer, [x], np.zeros(3), "cpu")
    assert deeper.calls == 0


@pytest.mark.parametrize(
    ("arch", "hparams"),
    [("deepsea", {"filters": (12, 8, 8)}), ("rc_cnn", {"filters": 6, "kernels": (21, 5, 3)})],
)
def test_stats_and_counts_equal_a_full_pass(arch, hparams):
    torch.manual_seed(0)
    model = models.build(arch, 3, 200, **hparams).eval()
    layer = flt.find_first_layer(model)
    x = (torch.rand(16, 4, 200) < 0.25).float()
    a = flt.strand_view(full_pass_stats(model, layer, x), layer).double()
    mean, top = flt.activation_stats(model, layer, [x[:9], x[9:]], "cpu")
    assert np.allclose(mean, a.mean(dim=(0, 2, 3)).numpy()) and np.allclose(top, a.amax(dim=(0, 2, 3)).numpy())
    threshold = mean + 0.5 * (top - mean)
    _, n_sites = flt.site_counts(model, layer, [x], threshold, "cpu")
    expected = (a > torch.as_tensor(threshold)[None, :, None, None]).sum(dim=(0, 2, 3)).numpy()
    assert n_sites.tolist() == expected.tolist() and n_sites.sum() > 0
