"""basenji as the card's coverage model (profile mode) and the Poisson loss it trains with."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from chromcnn import models
from chromcnn.models.losses import make_loss


@pytest.mark.parametrize(("window", "bin_bp", "crop", "bins"), [(1024, 128, 0, 8), (512, 32, 32, 14), (256, 8, 0, 32)])
def test_basenji_outputs_tasks_by_bins_without_averaging(window, bin_bp, crop, bins):
    torch.manual_seed(0)
    model = models.build("basenji", 3, window, profile_bin=bin_bp, profile_crop=crop).eval()
    x = torch.zeros(2, 4, window)
    x[:, 0] = 1.0
    out = model(x)
    assert out.shape == (2, 3, bins)
    x[1, :, : window // 2] = torch.roll(x[1, :, : window // 2], 1, dims=0)  # change only the left half
    with torch.no_grad():
        out = model(x)
    assert not torch.allclose(out[0, :, 0], out[1, :, 0])  # bins are predicted from the sequence, not constant
    assert out.shape[2] == bins
    assert models.build("basenji", 3, window)(x).shape == (2, 3)  # without profile_bin: one value per window


def test_basenji_rejects_bins_its_trunk_cannot_produce():
    with pytest.raises(
        models.ModelConfigError, match="its trunk pools by 8. Fix: use a targets.bin that is a multiple"
    ):
        models.build("basenji", 1, 1000, profile_bin=100)
    with pytest.raises(models.ModelConfigError, match="crop"):
        models.build("basenji", 1, 1024, profile_bin=128, profile_crop=64)


def test_output_bias_starts_the_rate_at_the_mean():
    model = models.build("basenji", 2, 512, profile_bin=32).eval()
    model.set_output_bias(np.log([5.0, 50.0]))
    assert torch.allclose(model.head.bias, torch.log(torch.tensor([5.0, 50.0])))


class Settings:
    task_type, pos_weight = "regression", False

    def __init__(self, loss):
        self.loss = loss


def test_poisson_loss_is_the_poisson_negative_log_likelihood_of_log_rates():
    rng = np.random.default_rng(0)
    log_rate = torch.tensor(rng.normal(1.0, 0.5, (4, 3, 8)), dtype=torch.float32)
    y = torch.tensor(rng.poisson(3.0, (4, 3, 8)), dtype=torch.float32)
    loss = make_loss(Settings("poisson"), None)(log_rate, y)
    formula = (torch.exp(log_rate) - y * log_rate).mean()  # PoissonNLLLoss(log_input=True), no Stirling term
    assert float(loss) == pytest.approx(float(formula), rel=1e-6)
    assert float(loss) == pytest.approx(float(torch.nn.PoissonNLLLoss()(log_rate, y)), rel=1e-6)
    mse = make_loss(Settings("mse"), None)(log_rate, y)
    assert float(mse) == pytest.approx(float(((log_rate - y) ** 2).mean()), rel=1e-6)
