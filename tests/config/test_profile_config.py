"""targets.mode profile at parse time: defaults, basenji's bin head, and the one-line rejections."""

from __future__ import annotations

import pytest
from chromcnn.config.sources import ConfigSources
from chromcnn.config.targets import PROFILE_ARCHITECTURES, check_targets
from chromcnn.config.training import resolve
from chromcnn.errors import InputError
from test_training_settings import signal_config

PROFILE = "targets: {mode: profile, bin: 128, crop: 0}\n"


def profile_config(tmp_path, train: str, targets: str = PROFILE, window: int = 1024):
    config, path, lines = signal_config(tmp_path, train, targets.replace("targets:", f"window: {window}\ntargets:"))
    config["cell_types"]["A"] = {"peaks": "a.bed", "signal": "a.bw", "signal_md5": None}
    return config, path, lines


def test_profile_mode_resolves_basenji_with_bins_poisson_and_the_window_monitor(tmp_path):
    config, path, lines = profile_config(tmp_path, "architectures: [basenji]\n", "targets: {mode: profile}\n")
    check_targets(config, ConfigSources([path], {}))  # bin defaults to 128: 1024 / 128 = 8 bins
    s = resolve(config, "basenji-s1", ["A"], path, lines)
    assert (s.task_type, s.monitor, s.loss) == ("regression", "valid_window_pearson", "poisson")
    assert s.hparams == {"profile_bin": 128, "profile_crop": 0}
    assert s.rc_augment is False  # a flipped sequence would need flipped bins
    config, path, lines = profile_config(tmp_path, "architectures: [basenji]\nloss: mse\nmonitor: valid_mse\n")
    s = resolve(config, "basenji-s1", ["A"], path, lines)
    assert (s.loss, s.monitor) == ("mse", "valid_mse")


@pytest.mark.parametrize("arch", ["basset", "cnn", "linear"])
def test_an_architecture_without_bins_is_rejected_naming_its_line_and_the_ones_that_can(tmp_path, arch):
    config, path, lines = profile_config(tmp_path, f"architectures: [basenji, {arch}]\n")
    with pytest.raises(InputError) as err:
        check_targets(config, ConfigSources([path], {}))
    text = str(err.value)
    assert text.startswith(f"{path}:{lines[('train', 'architectures')]}: targets.mode is 'profile'")
    assert f"model '{arch}' ({arch}) predicts one value per window" in text
    assert f"use only architectures that output bins: {', '.join(PROFILE_ARCHITECTURES)}" in text
    assert "\n" not in text


def test_a_variant_of_another_architecture_names_its_arch_line(tmp_path):
    config, path, lines = profile_config(tmp_path, "architectures: []\nmodels:\n  small: {arch: deepsea}\n")
    with pytest.raises(InputError) as err:
        check_targets(config, ConfigSources([path], {}))
    assert str(err.value).startswith(f"{path}:{lines[('train', 'models', 'small', 'arch')]}: ")
    assert "model 'small' (deepsea)" in str(err.value)


@pytest.mark.parametrize(
    ("window", "targets", "key", "needle"),
    [
        (1000, "targets: {mode: profile, bin: 128}\n", "bin", "(1000 bp) less 2 x targets.crop (0 bp) = 1000 bp"),
        (1024, "targets: {mode: profile, bin: 128, crop: 64}\n", "crop", "= 896 bp"),
        (256, "targets: {mode: profile, bin: 128, crop: 128}\n", "crop", "= 0 bp"),
    ],
)
def test_bins_that_do_not_tile_the_cropped_window_are_rejected(tmp_path, window, targets, key, needle):
    config, path, lines = profile_config(tmp_path, "architectures: [basenji]\n", targets, window)
    with pytest.raises(InputError) as err:
        check_targets(config, ConfigSources([path], {}))
    text = str(err.value)
    assert text.startswith(f"{path}:{lines[('targets', key)]}: targets.mode is 'profile'") and needle in text
    assert "Fix: choose window, targets.crop and targets.bin" in text


@pytest.mark.parametrize("monitor", ["valid_auprc", "valid_auroc"])
def test_a_binary_only_monitor_in_profile_mode_names_its_line(tmp_path, monitor):
    config, path, lines = profile_config(tmp_path, f"architectures: [basenji]\nmonitor: {monitor}\n")
    with pytest.raises(InputError) as err:
        resolve(config, "basenji-s1", ["A"], path, lines)
    text = str(err.value)
    assert text.startswith(f"{path}:{lines[('train', 'monitor')]}: train.monitor '{monitor}' is a binary-label")
    assert "targets.mode is 'profile'" in text and "valid_window_pearson" in text


def test_the_window_monitor_does_not_exist_in_signal_mode(tmp_path):
    config, path, lines = signal_config(tmp_path, "architectures: [cnn]\nmonitor: valid_window_pearson\n")
    with pytest.raises(
        InputError, match="'valid_window_pearson' is a profile-only metric, but targets.mode is 'signal'"
    ):
        resolve(config, "cnn-s1", ["A"], path, lines)


def test_the_data_hash_reads_only_the_modes_own_target_keys(tmp_path):
    from chromcnn.config.stages import data_config

    config, _, _ = profile_config(tmp_path, "architectures: [basenji]\n")
    assert data_config(config)["targets"] == {"mode": "profile", "bin": 128, "crop": 0}
    config["targets"]["mode"] = "signal"
    assert data_config(config)["targets"] == {"mode": "signal", "center": 200, "transform": "log1p"}
