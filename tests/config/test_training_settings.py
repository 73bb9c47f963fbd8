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
    with pytest.raises(InputError, match="Fix: set train.monitor to one of: valid_loss"):
        check_monitor("regression", "valid_auroc")
    for task_type, monitors in MONITORS.items():
        for monitor in monitors:
            check_monitor(task_type, monitor)
    assert set(MONITORS["multi-label"]) == {"valid_auprc", "valid_auroc", "valid_loss"}
