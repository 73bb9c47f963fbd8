"""config.training.resolve: what is rejected when the workflow is parsed, with file, line and fix."""

from __future__ import annotations

import textwrap

import pytest
from chromcnn.config.schema import key_lines, load_yaml, validate_config
from chromcnn.config.training import resolve
from chromcnn.errors import InputError
from conftest import ROOT

SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"


def parse(tmp_path, train: str):
    """Validated config and key lines of a config.yaml with ``train`` as its train section."""
    (tmp_path / "g.fa").write_text(">chr1\nACGT\n")
    (tmp_path / "a.bed").write_text("chr1\t0\t2\n")
    path = tmp_path / "config.yaml"
    text = f"genome:\n  fasta: {tmp_path}/g.fa\ncell_types:\n  A: {tmp_path}/a.bed\ntrain:\n"
    path.write_text(text + textwrap.indent(textwrap.dedent(train), "  "))
    return validate_config(load_yaml(path), SCHEMA, path), str(path), key_lines(path)


def test_multi_label_resolves_with_deterministic_cuda_by_default(tmp_path):
    config, path, lines = parse(tmp_path, "architectures: [cnn]\n")
    settings = resolve(config, "cnn-s1", ["A"], path, lines)
    assert settings.task_type == "multi-label" and settings.monitor == "valid_auprc"
    assert settings.deterministic is True
    config, path, lines = parse(tmp_path, "architectures: [cnn]\ndeterministic: false\n")
    assert resolve(config, "cnn-s1", ["A"], path, lines).deterministic is False


@pytest.mark.parametrize("monitor", ["valid_auprc", "valid_loss"])
def test_regression_on_binary_labels_is_rejected_at_parse_time(tmp_path, monitor):
    config, path, lines = parse(tmp_path, f"architectures: [cnn]\nmonitor: {monitor}\ntask_type: regression\n")
    with pytest.raises(InputError, match=r"'regression' needs quantitative targets.*Fix: use task_type: multi-label"):
        resolve(config, "cnn-s1", ["A"], path, lines)
    with pytest.raises(InputError) as err:
        resolve(config, "cnn-s1", ["A"], path, lines)
    assert str(err.value).startswith(f"{path}:8: ")  # the task_type line


def test_a_monitor_the_task_type_does_not_compute_is_rejected_with_its_line():
    from chromcnn.config.settings import MONITORS, check_monitor

    with pytest.raises(InputError, match=r"c.yaml:7: train.monitor 'valid_auprc' does not exist for task_type "):
        check_monitor("regression", "valid_auprc", "c.yaml", 7)
    with pytest.raises(InputError, match="Fix: set train.monitor to one of: valid_pearson, valid_mse, valid_loss"):
        check_monitor("regression", "valid_auroc")
    for task_type, monitors in MONITORS.items():
        for monitor in monitors:
            check_monitor(task_type, monitor)
    assert set(MONITORS["multi-label"]) == {"valid_auprc", "valid_auroc", "valid_loss"}


def signal_config(tmp_path, train: str, targets: str = "targets: {mode: signal}\n"):
    config, path, lines = parse(tmp_path, train)
    text = open(path).read().replace("train:\n", targets + "train:\n", 1)
    open(path, "w").write(text)
    return validate_config(load_yaml(path), SCHEMA, path), path, key_lines(path)


def test_signal_mode_trains_a_regression_monitored_by_pearson(tmp_path):
    config, path, lines = signal_config(tmp_path, "architectures: [cnn]\n")
    assert config["targets"] == {"mode": "signal", "center": 200, "transform": "log1p", "bin": 128, "crop": 0}
    settings = resolve(config, "cnn-s1", ["A"], path, lines)
    assert (settings.task_type, settings.monitor) == ("regression", "valid_pearson")
    config, path, lines = signal_config(tmp_path, "architectures: [cnn]\nmonitor: valid_mse\n")
    assert resolve(config, "cnn-s1", ["A"], path, lines).monitor == "valid_mse"
    config, path, lines = parse(tmp_path, "architectures: [cnn]\n")  # binary: unchanged defaults
    assert config["targets"]["mode"] == "binary"
    assert resolve(config, "cnn-s1", ["A"], path, lines).monitor == "valid_auprc"


@pytest.mark.parametrize("monitor", ["valid_auprc", "valid_auroc"])
def test_a_binary_only_monitor_in_signal_mode_is_a_parse_time_error_naming_its_line(tmp_path, monitor):
    config, path, lines = signal_config(tmp_path, f"architectures: [cnn]\nmonitor: {monitor}\n")
    with pytest.raises(InputError) as err:
        resolve(config, "cnn-s1", ["A"], path, lines)
    text = str(err.value)
    assert text.startswith(f"{path}:{lines[('train', 'monitor')]}: train.monitor '{monitor}' is a binary-label metric")
    assert "valid_pearson, valid_mse, valid_loss" in text


def test_multi_class_in_signal_mode_is_rejected(tmp_path):
    config, path, lines = signal_config(tmp_path, "architectures: [cnn]\ntask_type: multi-class\n")
    with pytest.raises(InputError, match="'multi-class' needs 0/1 labels, but targets.mode 'signal'"):
        resolve(config, "cnn-s1", ["A"], path, lines)


def test_a_pearson_monitor_on_binary_labels_is_rejected():
    from chromcnn.config.settings import check_monitor

    with pytest.raises(InputError, match="'valid_pearson' does not exist for task_type 'multi-label'"):
        check_monitor("multi-label", "valid_pearson")


VARIANTS = """\
architectures: [cnn]
models:
  cnn_wide: {arch: cnn, lr: 0.01, hparams: {num_filters: 64}}
  cnn_small:
    arch: cnn
    hparams: {num_filters: 4}
overrides:
  cnn: {lr: 0.002}
seeds: [1, 2]
"""


def test_named_variants_are_models_of_their_own(tmp_path):
    from chromcnn.config.training import arch_of, check_names, model_ids

    config, path, lines = parse(tmp_path, VARIANTS)
    check_names(config, path, lines)
    ids = ["cnn-s1", "cnn-s2", "cnn_wide-s1", "cnn_wide-s2", "cnn_small-s1", "cnn_small-s2"]
    assert model_ids(config) == ids
    assert {arch_of(config, m) for m in ids} == {"cnn"}
    wide, small, plain = (resolve(config, m, ["A"], path, lines) for m in ("cnn_wide-s2", "cnn_small-s1", "cnn-s1"))
    assert (wide.arch, wide.lr, wide.hparams, wide.seed) == ("cnn", 0.01, {"num_filters": 64}, 2)
    # train.overrides.cnn reaches the listed architecture only, not the variants of cnn
    assert (small.lr, small.hparams) == (1e-3, {"num_filters": 4}) and plain.lr == 0.002 and plain.hparams == {}


@pytest.mark.parametrize(
    ("train", "pattern", "line"),
    [
        (
            "architectures: [cnn, linear]\nmodels:\n  linear: {arch: linear}\n",
            r"model name 'linear' in train.models collides with train.architectures\[1\]",
            8,
        ),
        (
            "architectures: [cnn]\nmodels:\n  Cnn: {arch: cnn}\n",
            r"model name 'Cnn' in train.models collides with train.architectures\[0\] .*ignoring case",
            8,
        ),
        (
            "architectures: [cnn]\nmodels:\n  sg: {arch: cnn}\nseqgra:\n  sg: x.xml\n",
            r"model name 'sg' in train.seqgra collides with train.models.sg",
            10,
        ),
        ("architectures: [cnn, cnn]\n", r"model name 'cnn' in train.architectures collides with", 6),
        (
            "architectures: []\nmodels:\n  v: {arch: transformer}\n",
            r"train.models.v: unknown architecture 'transformer'. Fix: set arch to one of: basset, deepsea",
            8,
        ),
        (
            "architectures: []\nmodels:\n  deepsea: {arch: basset}\n",
            r"variant is named after architecture 'deepsea' but is a 'basset'",
            8,
        ),
        (
            "architectures: []\nmodels:\n  v: {arch: cnn}\noverrides:\n  v: {lr: 0.1}\n",
            r"train.overrides.v: 'v' is a variant .*Fix: move these settings into train.models.v",
            10,
        ),
    ],
)
def test_colliding_or_malformed_variants_are_rejected_with_their_line(tmp_path, train, pattern, line):
    from chromcnn.config.training import check_names

    config, path, lines = parse(tmp_path, train)
    with pytest.raises(InputError, match=pattern) as err:
        check_names(config, path, lines)
    assert str(err.value).startswith(f"{path}:{line}: ")


def test_a_variant_without_arch_or_with_an_unknown_key_fails_schema_validation(tmp_path):
    required = r"config.yaml:7: config key 'train.models.v': 'arch' is a required property. Fix: add "
    required += r"train.models.v.arch"
    with pytest.raises(InputError, match=required):
        parse(tmp_path, "models:\n  v: {lr: 0.1}\n")
    with pytest.raises(InputError, match=r"config.yaml:7: unknown config key 'train.models.v.lrr'"):
        parse(tmp_path, "models:\n  v: {arch: cnn, lrr: 0.1}\n")


def test_a_variants_bad_hyperparameter_names_its_hparams_line(tmp_path):
    train = "architectures: []\nmodels:\n  v:\n    arch: basset\n    hparams: {fc: big}\n"
    config, path, lines = parse(tmp_path, train)
    with pytest.raises(InputError, match=r"'fc' of 'basset' must be int") as err:
        resolve(config, "v-s1", ["A"], path, lines)
    assert str(err.value).startswith(f"{path}:10: ")


def test_signal_mode_needs_a_bigwig_per_cell_type_and_a_centre_within_the_window(tmp_path):
    from chromcnn.config.sources import ConfigSources
    from chromcnn.config.targets import check_targets, signal_source

    config, path, _ = signal_config(tmp_path, "architectures: [cnn]\n")
    with pytest.raises(InputError) as err:
        check_targets(config, ConfigSources([path], {}))
    text = str(err.value)
    assert text.startswith(f"{path}:") and "cell type 'A' has no coverage bigWig" in text
    assert "cell_types.A: {peaks: ..., signal:" in text
    config["cell_types"]["A"] = {"peaks": "a.bed", "signal": "a.bw", "signal_md5": None}
    assert signal_source(config, "A") == ("a.bw", None)
    check_targets(config)
    config["targets"]["center"] = config["window"] + 1
    with pytest.raises(InputError, match="targets.center 1001 is longer than the window"):
        check_targets(config)
    config["targets"]["mode"] = "binary"
    check_targets(config)  # binary mode reads no bigWig


def test_a_variant_takes_every_key_of_train_overrides():
    import yaml
    from conftest import ROOT

    train = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())["properties"]["train"]
    variant = train["properties"]["models"]["additionalProperties"]["properties"]
    override = train["properties"]["overrides"]["additionalProperties"]["properties"]
    assert set(variant) - {"arch"} == set(override) and variant.keys() & override.keys() == override.keys()
