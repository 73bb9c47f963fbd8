"""Filter influence in batched passes equals Basset's one-pass-per-filter definition."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from chromcnn import models
from chromcnn.interpret import filters as flt


def one_pass_per_filter(model, layer, x, y, loss_fn, means, filters):
    """The definition, computed the slow way: one full pass per ablated filter."""
    model.eval()

    def run():
        with torch.no_grad():
            out = model(x).float()
        return float(loss_fn(out, y)), torch.sigmoid(out).mean(dim=0).double().numpy()

    base_loss, base_prob = run()
    d_loss, d_pred = {}, {}
    for f in filters:
        with flt.replaced_by_mean(layer, f, float(means[f])):
            loss, prob = run()
        d_loss[f], d_pred[f] = loss - base_loss, base_prob - prob
    return d_loss, d_pred


@pytest.mark.parametrize(
    ("arch", "hparams"),
    [
        ("basset", {"filters": (12, 8, 8), "fc": 16, "first_activation": "exp"}),  # analytic shortcut
        ("deepsea", {"filters": (12, 8, 8)}),  # analytic shortcut through pooling and dropout
        ("rc_cnn", {"filters": 6, "kernels": (21, 5, 3)}),  # reverse-complement filters: both strands ablated
    ],
)
@pytest.mark.parametrize("analytic", [True, False])
def test_batched_influence_equals_one_pass_per_filter(arch, hparams, analytic):
    torch.manual_seed(0)
    model = models.build(arch, 3, 300, **hparams).eval()
    layer = flt.find_first_layer(model)
    gen = np.random.default_rng(0)
    x = torch.from_numpy(np.eye(4, dtype=np.float32)[gen.integers(0, 4, (23, 300))].transpose(0, 2, 1).copy())
    y = torch.from_numpy(gen.integers(0, 2, (23, 3)).astype(np.float32))
    means = 5 * gen.normal(size=layer.n_filters)  # far from the actual activations
    filters = [0, 2, 3, 5]
    loss_fn = torch.nn.BCEWithLogitsLoss()
    # 23 sequences in batches of 10 (10, 10, 3), 3 filters per pass: every chunking path runs
    d_loss, d_pred = flt.influence(
        model, layer, x, y, loss_fn, means, filters, "cpu", batch_size=10, rows_per_pass=30, analytic=analytic
    )
    ref_loss, ref_pred = one_pass_per_filter(model, layer, x, y, loss_fn, means, filters)
    assert np.isnan(d_loss[1]) and np.isnan(d_pred[4]).all()  # untested filters stay NaN
    for f in filters:
        assert d_loss[f] == pytest.approx(ref_loss[f], abs=1e-5)
        np.testing.assert_allclose(d_pred[f], ref_pred[f], atol=1e-6)
    assert max(abs(v) for v in ref_loss.values()) > 1e-4  # the ablations change the loss (10x the tolerance)


def test_the_shortcut_applies_where_the_structure_allows_it():
    from chromcnn.interpret.ablation import linear_successor

    for arch, hparams, expected in [
        ("basset", {"filters": (12, 8, 8)}, True),
        ("deepsea", {"filters": (12, 8, 8)}, True),
        ("rc_cnn", {"filters": 6, "kernels": (21, 5, 3)}, False),  # reverse-complement layer: general method
    ]:
        model = models.build(arch, 3, 300, **hparams)
        assert (linear_successor(model, flt.find_first_layer(model)) is not None) is expected, arch
