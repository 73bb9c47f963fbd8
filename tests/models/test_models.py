"""Every architecture: any window and task count, learns, and the RC model is invariant."""

from __future__ import annotations

import pytest
import torch
from chromcnn import models
from chromcnn.io.onehot import reverse_complement

ARCHS = models.names()


def one_hot(n: int, length: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    idx = torch.randint(0, 4, (n, length), generator=g)
    return torch.nn.functional.one_hot(idx, 4).permute(0, 2, 1).float()


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize(("length", "n_tasks"), [(200, 1), (600, 5), (1000, 50)])
def test_builds_and_runs_for_any_window_and_task_count(arch, length, n_tasks):
    torch.manual_seed(0)
    model = models.build(arch, n_tasks, length).eval()
    with torch.no_grad():
        out = model(one_hot(3, length))
    assert out.shape == (3, n_tasks) and torch.isfinite(out).all()


def test_seed_layer_sizes_are_reproduced_at_1000_bp():
    basset = models.build("basset", 50, 1000)
    assert basset.fc[0].in_features == 3600  # the seed's fc1
    deepsea = models.build("deepsea", 50, 1000)
    assert deepsea.fc[0].in_features == 53 * 960
    dragon = models.build("chromdragonn", 50, 1000)
    assert dragon.fc1.in_features == 4200
    assert [m.out_channels for m in basset.conv if isinstance(m, torch.nn.Conv1d)] == [300, 200, 200]


def bce_step(model, x, y, lr=1e-3):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    torch.manual_seed(1)
    before = loss_fn(model(x), y)
    opt.zero_grad()
    before.backward()
    opt.step()
    torch.manual_seed(1)  # same dropout masks
    return before.item(), loss_fn(model(x), y).item()


@pytest.mark.parametrize("arch", ARCHS)
def test_one_step_lowers_the_loss(arch):
    torch.manual_seed(0)
    model = models.build(arch, 4, 200).train()
    x, y = one_hot(16, 200), (torch.rand(16, 4, generator=torch.Generator().manual_seed(2)) < 0.5).float()
    before, after = bce_step(model, x, y, lr=1e-4)
    assert after < before


# 150 Adam steps: seconds for the small models, minutes for the large ones (slow tier)
HEAVY = {"basset", "basenji", "chromdragonn", "deepsea", "rc_cnn"}


@pytest.mark.parametrize("arch", [pytest.param(a, marks=pytest.mark.slow) if a in HEAVY else a for a in ARCHS])
def test_overfits_a_tiny_batch(arch):
    torch.manual_seed(0)
    model = models.build(arch, 3, 200).train()
    x, y = one_hot(8, 200, seed=3), (torch.rand(8, 3, generator=torch.Generator().manual_seed(4)) < 0.5).float()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(150):
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        pred = model(x) > 0
    assert (pred == y.bool()).float().mean() == 1.0, arch


@pytest.mark.parametrize("length", [200, 601, 1000])
def test_rc_cnn_is_reverse_complement_invariant(length):
    torch.manual_seed(0)
    model = models.build("rc_cnn", 5, length)
    x = one_hot(6, length, seed=length)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(3):  # move BN statistics and weights away from their initial values
        loss = model(x).square().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        a, b = model(x), model(reverse_complement(x))
    assert torch.allclose(a, b, atol=1e-5)
    assert not torch.allclose(a, model(x.flip(2)), atol=1e-3)  # plain reversal is not a symmetry


@pytest.mark.parametrize("arch", ["basset", "deepsea", "deepbind", "rc_cnn"])
def test_exponential_first_layer(arch):
    """first_activation="exp" swaps only the first layer's ReLU for exp, and the model trains."""
    torch.manual_seed(0)
    relu = models.build(arch, 2, 300)
    torch.manual_seed(0)
    exp = models.build(arch, 2, 300, first_activation="exp")
    kinds = [type(m).__name__ for m in exp.modules()]
    assert (
        kinds.count("Exp") == 1 and kinds.count("ReLU") == [type(m).__name__ for m in relu.modules()].count("ReLU") - 1
    )
    x = one_hot(8, 300, seed=3)
    y = torch.tensor([[1.0, 0.0], [0.0, 1.0]]).repeat(4, 1)
    opt = torch.optim.Adam(exp.parameters(), lr=1e-3)
    losses = []
    for _ in range(5):
        loss = torch.nn.functional.binary_cross_entropy_with_logits(exp(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert all(map(torch.isfinite, map(torch.tensor, losses))) and losses[-1] < losses[0]
    exp.eval()
    relu.eval()
    with torch.no_grad():
        assert not torch.allclose(exp(x), relu(x))  # not a no-op
        if arch == "rc_cnn":  # elementwise, so reverse-complement invariance holds
            assert torch.allclose(exp(x), exp(reverse_complement(x)), atol=1e-4)


def test_bad_model_configuration_is_explained():
    with pytest.raises(models.ModelConfigError, match="unknown architecture 'bassett'; valid: basset, deepsea"):
        models.build("bassett", 3, 600)
    with pytest.raises(models.ModelConfigError, match="has no hyperparameter 'filter'"):
        models.build("basset", 3, 600, filter=(1, 2, 3))
    with pytest.raises(models.ModelConfigError, match="'fc' of 'basset' must be int like 1000, got '500'"):
        models.build("basset", 3, 600, fc="500")
    with pytest.raises(models.ModelConfigError, match="too short for deepsea: .* at least 163 bp"):
        models.build("deepsea", 3, 150)
    assert models.build("basset", 3, 168) is not None  # the stated minimum works
    with pytest.raises(
        models.ModelConfigError, match="first_activation 'sigmoid' is not known. Fix: use one of relu, exp"
    ):
        models.build("basset", 3, 600, first_activation="sigmoid")


def _residual_blocks(model):
    from chromcnn.models.basenji import DilatedResidual

    return [m for m in model.modules() if isinstance(m, DilatedResidual)]


def test_basenji_dilations_round_the_running_product_as_basenji2():
    from chromcnn.models.basenji import dilations

    # Basenji2 (params_human.json: rate_mult 1.5, repeat 11, round true): the running rate is
    # multiplied by 1.5 and rounded (half to even) after each block
    assert dilations(11, 1.5) == [1, 2, 3, 4, 6, 9, 14, 21, 32, 48, 72]
    assert dilations(4, 2.0) == [1, 2, 4, 8]
    model = models.build("basenji", 3, 1000, n_dilated=6)
    convs = [next(m for m in r.modules() if isinstance(m, torch.nn.Conv1d)) for r in _residual_blocks(model)]
    assert [c.dilation[0] for c in convs] == [1, 2, 3, 4, 6, 9]
    assert [c.padding[0] for c in convs] == [1, 2, 3, 4, 6, 9]  # kernel 3: length kept


@pytest.mark.parametrize("train", [True, False])
def test_basenji_residual_blocks_are_the_identity_at_initialisation(train):
    torch.manual_seed(0)
    model = models.build("basenji", 3, 600).train(train)
    blocks = _residual_blocks(model)
    assert len(blocks) == 4
    x = torch.randn(5, blocks[0].channels, 75)
    for r in blocks:
        last_bn = [m for m in r.block.modules() if isinstance(m, torch.nn.BatchNorm1d)][-1]
        assert torch.equal(last_bn.weight, torch.zeros_like(last_bn.weight))  # Basenji2's bn_gamma='zeros'
        assert torch.equal(r.block(x), torch.zeros_like(x)) and torch.equal(r(x), x)
    first_bn = [m for m in blocks[0].block.modules() if isinstance(m, torch.nn.BatchNorm1d)][0]
    assert torch.equal(first_bn.weight, torch.ones_like(first_bn.weight))  # the dilated conv's BN keeps gamma 1
