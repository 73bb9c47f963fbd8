"""Config validation: defaults, and one-line errors naming file, line and fix."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
import yaml
from chromcnn.config import stages
from chromcnn.config.regions import Region, parse_region
from chromcnn.config.schema import load_yaml, merge_extend, validate_config
from chromcnn.errors import InputError
from conftest import ROOT

SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"


def write_config(tmp_path, text: str):
    path = tmp_path / "config.yaml"
    (tmp_path / "g.fa").write_text(">chr1\nACGT\n")
    (tmp_path / "a.bed").write_text("chr1\t0\t2\n")
    path.write_text(textwrap.dedent(text).format(d=tmp_path))
    return path


BASE = """\
genome:
  fasta: {d}/g.fa
cell_types:
  A: {d}/a.bed
"""


def check(path):
    return validate_config(load_yaml(path), SCHEMA, path)


def test_defaults_are_filled(tmp_path):
    cfg = check(write_config(tmp_path, BASE))
    assert cfg["window"] == 1000
    assert cfg["merge"] == {"mode": "basset", "extend": None, "min_overlap": 200}
    assert cfg["negatives"]["mode"] == "none"
    assert cfg["hdf5"]["compression"] == "gzip" and cfg["hdf5"]["compression_level"] == 4
    assert merge_extend(cfg) == 1000


def test_shipped_config_is_valid_and_every_key_is_commented():
    cfg = check(ROOT / "config.yaml")
    assert cfg["genome"]["name"] == "demo"
    for line in (ROOT / "config.yaml").read_text().splitlines():
        if ":" in line and not line.lstrip().startswith("#"):
            assert "#" in line, f"config.yaml line without a comment: {line}"


def test_schema_has_description_and_default_everywhere():
    schema = yaml.safe_load(SCHEMA.read_text())

    def walk(props, where):
        for key, sub in props.items():
            assert "description" in sub, f"{where}.{key} has no description"
            assert "default" in sub, f"{where}.{key} has no default"
            if "properties" in sub:
                walk(sub["properties"], f"{where}.{key}")

    walk(schema["properties"], "config")


@pytest.mark.parametrize(
    ("extra", "pattern", "line"),
    [
        ("windw: 600\n", r"unknown config key 'windw'.*Fix: remove it or use one of: .*window", 5),
        ("window: six\n", r"config key 'window': 'six' is not of type 'integer'", 5),
        ("window: 0\n", r"'window': 0 is less than the minimum of 1", 5),
        ("window: 5000000\n", r"'window': 5000000 is greater than the maximum", 5),
        ("merge:\n  mode: fancy\n", r"'merge.mode': 'fancy' is not one of \['basset', 'overlap'\]", 6),
        ("splits:\n  valid: [chr1]\n  test: ['chr1:5-2']\n", r"start >= end.*Fix: write a chromosome name", 7),
        ("splits:\n  valid: ['chr1:0-100']\n  test: ['chr1:50-200']\n", r"split regions overlap", 5),
    ],
)
def test_bad_values_name_file_line_and_fix(tmp_path, extra, pattern, line):
    path = write_config(tmp_path, BASE + extra)
    with pytest.raises(InputError, match=pattern) as err:
        check(path)
    assert str(err.value).startswith(f"{path}:{line}: ")
    assert "\n" not in str(err.value)


def test_invalid_cell_type_name(tmp_path):
    path = write_config(tmp_path, BASE + "  'bad name': {d}/a.bed\n")
    with pytest.raises(InputError, match=r"invalid cell-type name 'bad name'.*letters, digits") as err:
        check(path)
    assert f"{path}:5:" in str(err.value)
    path = write_config(tmp_path, BASE + "  'A.b': {d}/a.bed\n")
    with pytest.raises(InputError, match=r"invalid cell-type name 'A.b'"):
        check(path)


def test_duplicate_cell_type_name(tmp_path):
    path = write_config(tmp_path, BASE + "  A: {d}/a.bed\n")
    with pytest.raises(InputError, match=r"duplicate key 'A' \(first defined on line 4\)") as err:
        load_yaml(path)
    assert f"{path}:5:" in str(err.value)


def test_missing_local_file(tmp_path):
    path = write_config(tmp_path, BASE + "  B: {d}/missing.bed\n")
    with pytest.raises(InputError, match=r"cell_types.B: file '.*missing.bed' does not exist") as err:
        check(path)
    assert f"{path}:5:" in str(err.value)


def test_no_cell_types(tmp_path):
    path = write_config(tmp_path, "genome:\n  fasta: {d}/g.fa\ncell_types: {{}}\n")
    with pytest.raises(InputError, match="cell_types"):
        check(path)


def test_cell_type_mapping_form_and_md5_pattern(tmp_path):
    (tmp_path / "b.bed").write_text("chr1\t0\t2\n")
    ok = BASE + "  B: {{peaks: {d}/b.bed, md5: 0123456789abcdef0123456789abcdef}}\n"
    assert check(write_config(tmp_path, ok))["cell_types"]["B"]["md5"].startswith("0123")
    bad = BASE + "  B: {{peaks: {d}/b.bed, md5: nope}}\n"
    with pytest.raises(InputError):
        check(write_config(tmp_path, bad))


def test_parse_region():
    assert parse_region("chr8") == Region("chr8")
    assert parse_region("chr22:40,000,000-50818468") == Region("chr22", 40_000_000, 50_818_468)
    assert parse_region("chr1:0-10").overlaps(parse_region("chr1"))
    assert not parse_region("chr1:0-10").overlaps(parse_region("chr1:10-20"))
    for bad in ("chr1:10-5", "chr1:a-b", "chr1 chr2"):
        with pytest.raises(ValueError):
            parse_region(bad)


def test_every_top_level_key_belongs_to_exactly_one_stage():
    keys = list(yaml.safe_load(SCHEMA.read_text())["properties"])
    assert stages.unclassified(keys) == []
    assert stages.unclassified([*keys, "extra"]) == ["extra"]  # a new section must be classified
    assert "download" in stages.UNTRACKED_KEYS and "download" not in stages.DATA_KEYS


def test_data_config_is_the_data_stage_keys_only(tmp_path):
    cfg = check(write_config(tmp_path, BASE))
    assert list(stages.data_config(cfg)) == list(stages.DATA_KEYS)
    cfg["download"]["retries"] = 9
    cfg["train"]["max_epochs"] = 2
    assert stages.data_config(cfg) == stages.data_config(check(write_config(tmp_path, BASE)))
    assert cfg["targets"]["mode"] == "binary" and "targets" not in stages.data_config(cfg)  # binary hash unchanged
    cfg["targets"]["mode"] = "signal"
    assert stages.data_config(cfg)["targets"]["mode"] == "signal"  # signal mode rebuilds the data stage


def test_seqgra_entry_and_definition_are_one_models(tmp_path):
    (tmp_path / "a.xml").write_text("<a/>")
    (tmp_path / "b.xml").write_text("<b/>")
    cfg = {"train": {"seqgra": {"sg_a": str(tmp_path / "a.xml"), "sg_b": str(tmp_path / "b.xml")}}}
    assert stages.seqgra_entry(cfg, "sg_a") == {"sg_a": str(tmp_path / "a.xml")}
    assert stages.seqgra_entry(cfg, "basset") == {} and stages.seqgra_definition(cfg, "basset") == {}
    before = stages.seqgra_definition(cfg, "sg_a")
    (tmp_path / "a.xml").write_text("<a edited='1'/>")
    assert stages.seqgra_definition(cfg, "sg_a")["sg_a"]["sha256"] != before["sg_a"]["sha256"]


def test_model_sections_reject_a_section_no_model_stage_reads():
    cfg = {"evaluate": {"ci": 0.9}, "motifs": {}, "download": {}}
    assert stages.model_sections(cfg, ("evaluate",)) == {"evaluate": {"ci": 0.9}}
    with pytest.raises(ValueError, match="download"):
        stages.model_sections(cfg, ("download",))


def test_stages_imports_only_the_standard_library():
    code = (
        "import json, sys; before = set(sys.modules); import chromcnn.config.stages; "
        "print(json.dumps(sorted(m.split('.')[0] for m in set(sys.modules) - before)))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT / "workflow" / "scripts", capture_output=True, text=True, check=True
    )
    third_party = set(json.loads(proc.stdout)) - set(sys.stdlib_module_names) - {"chromcnn"}
    assert third_party == set(), third_party
