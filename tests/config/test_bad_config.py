"""Bad config files: YAML mistakes, keys that refer to nothing, errors blamed on the right source.

Every case is a unit test on the library (milliseconds); tests/workflow/test_faults.py
checks that Snakemake prints the same line.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from chromcnn.config.references import check_references, check_split_chromosomes
from chromcnn.config.schema import validate_config
from chromcnn.config.sources import ConfigSources, check_configfiles, configfiles_in, load_yaml
from chromcnn.config.tables import check_motif_inputs
from chromcnn.errors import InputError
from conftest import ROOT

SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"


def one_line(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text and ". Fix: " in text
    return text


def demo_cfg(tmp_path, text_edit=None, name="config.yaml"):
    """config.yaml with absolute demo paths, optionally edited as text; returns its path."""
    text = (ROOT / "config.yaml").read_text().replace("resources/demo", str(ROOT / "resources" / "demo"))
    if text_edit:
        text = text_edit(text)
    path = tmp_path / name
    path.write_text(text)
    return path


def line_of(path, start: str) -> int:
    return next(i for i, t in enumerate(path.read_text().splitlines(), 1) if t.lstrip().startswith(start))


# --- YAML -------------------------------------------------------------------------------------


def test_tab_indentation_names_the_line(tmp_path):
    path = demo_cfg(tmp_path, lambda t: t.replace("\n  mode: basset", "\n\tmode: basset"))
    with pytest.raises(InputError) as exc:
        load_yaml(path)
    assert one_line(exc).startswith(f"{path}:{line_of(path, 'mode: basset')}: a tab indents this line")
    assert "spaces" in str(exc.value).split("Fix:")[1]


def test_syntax_error_names_the_line(tmp_path):
    path = demo_cfg(tmp_path, lambda t: t.replace("window: 300", "window: [300"))
    with pytest.raises(InputError) as exc:
        load_yaml(path)
    text = one_line(exc)
    assert text.startswith(f"{path}:") and "not valid YAML" in text
    line = int(text.split(":")[1])
    assert abs(line - line_of(path, "window:")) <= 3  # where PyYAML notices the open bracket


@pytest.mark.parametrize(
    ("content", "problem"), [("", "is empty"), ("# only comments\n", "is empty"), ("- a\n- b\n", "top level is a list")]
)
def test_empty_or_non_mapping_config(tmp_path, content, problem):
    path = tmp_path / "mine.yaml"
    path.write_text(content)
    with pytest.raises(InputError) as exc:
        load_yaml(path)
    assert one_line(exc).startswith(f"{path}") and problem in str(exc.value)


def test_byte_order_mark_in_config_is_accepted(tmp_path):
    path = demo_cfg(tmp_path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_yaml(path)["window"] == 300


# --- the right source -------------------------------------------------------------------------


def test_error_in_first_configfile_is_blamed_on_it_not_the_last(tmp_path):
    base = demo_cfg(tmp_path, lambda t: t.replace("window: 300", "window: -4"), name="config.yaml")
    extra = tmp_path / "extra.yaml"
    extra.write_text("seed: 2\n")
    cfg = load_yaml(base)
    cfg.update(load_yaml(extra))
    with pytest.raises(InputError) as exc:
        validate_config(cfg, SCHEMA, ConfigSources([str(base), str(extra)]))
    assert one_line(exc).startswith(f"{base}:{line_of(base, 'window:')}: config key 'window'")


@pytest.mark.parametrize(
    ("edit", "fix"),
    [
        (("window: 300", "window: 0"), "Fix: set window between 1 and 200000 ("),
        (("    batch_size: null ", "    batch_size: 0 "), "Fix: set interpret.attribution.batch_size to 1 or more ("),
    ],
    ids=["two bounds", "no maximum"],
)
def test_a_value_out_of_range_gets_the_range_in_words(tmp_path, edit, fix):
    path = demo_cfg(tmp_path, lambda t: t.replace(*edit))
    with pytest.raises(InputError) as exc:
        validate_config(load_yaml(path), SCHEMA, ConfigSources([str(path)]))
    assert fix in one_line(exc) and " and inf" not in one_line(exc)


def test_bad_command_line_value_is_blamed_on_the_command_line(tmp_path):
    base = demo_cfg(tmp_path)
    cfg = load_yaml(base)
    cfg["window"] = 0
    with pytest.raises(InputError) as exc:
        validate_config(cfg, SCHEMA, ConfigSources([str(base)], {"window": 0}))
    assert one_line(exc).startswith("command line (--config window=0): config key 'window'")
    assert "config.yaml" not in str(exc.value)


def test_sources_pick_the_deepest_match_and_the_last_file(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("train:\n  max_epochs: 3\n  seeds: [1]\n")
    b.write_text("seed: 1\ntrain:\n  seeds: [2]\n")
    src = ConfigSources([str(a), str(b)])
    assert src.at(("train", "max_epochs")) == {"path": str(a), "line": 2}
    assert src.at(("train", "seeds")) == {"path": str(b), "line": 3}
    assert src.at(("train", "seeds", "0")) == {"path": str(b), "line": 3}


# --- keys that refer to nothing ---------------------------------------------------------------


def validated(path):
    return validate_config(load_yaml(path), SCHEMA, path)


def add_override(text: str, entry: str) -> str:
    return text.replace("  overrides:", f"  overrides:\n    {entry}", 1)


def test_override_for_a_misspelt_architecture(tmp_path):
    path = demo_cfg(tmp_path, lambda t: add_override(t, "basett: {lr: 0.1}"))
    with pytest.raises(InputError) as exc:
        validated(path)
    text = one_line(exc)
    assert text.startswith(f"{path}:{line_of(path, 'basett:')}: train.overrides.basett: no architecture")
    assert "did you mean 'basset'" in text


def test_override_for_an_architecture_not_trained_is_an_error_at_its_line(tmp_path):
    path = demo_cfg(tmp_path, lambda t: t.replace("[deepsea, chromdragonn,", "[chromdragonn,"))
    with pytest.raises(InputError) as exc:
        validated(path)  # its settings would apply to nothing
    assert one_line(exc) == (
        f"{path}:{line_of(path, 'deepsea:')}: train.overrides.deepsea applies to nothing: architecture 'deepsea' "
        "is not trained in this run (train.architectures: chromdragonn, basenji, rc_cnn, deepbind, cnn, linear). "
        "Fix: add 'deepsea' to train.architectures, move these settings into a variant under train.models "
        "(arch: deepsea), or delete the train.overrides.deepsea block."
    )


def test_two_cell_types_reading_one_file(tmp_path):
    path = demo_cfg(tmp_path, lambda t: t.replace("lymphoid.narrowPeak.gz", "myeloid.narrowPeak.gz"))
    with pytest.raises(InputError) as exc:
        validated(path)
    assert one_line(exc).startswith(
        f"{path}:{line_of(path, 'lymphoid:')}: cell types 'myeloid' and 'lymphoid' read the same"
    )


def test_demo_config_has_no_dangling_reference():
    cfg = load_yaml(ROOT / "config.yaml")
    assert check_references(validate_config(cfg, SCHEMA, ROOT / "config.yaml"), ROOT / "config.yaml") == []


SIZES = {"chr1": 6_000_000, "chr2": 1_000_000, "chr3": 250}


def test_split_chromosome_the_genome_lacks(tmp_path):
    path = demo_cfg(tmp_path, lambda t: t.replace("test: [chr3]", "test: [3]"))
    with pytest.raises(InputError) as exc:
        check_split_chromosomes({"valid": ["chr2"], "test": ["3"]}, SIZES, 300, str(path), "genome.fa.gz")
    text = one_line(exc)
    assert text.startswith(
        f"{path}:{line_of(path, 'test:')}: splits.test: chromosome '3' is not in the genome genome.fa.gz"
    )
    assert "'chr3'" in text


def test_test_chromosome_shorter_than_the_window_says_so(tmp_path):
    path = demo_cfg(tmp_path)
    with pytest.raises(InputError) as exc:
        check_split_chromosomes({"valid": ["chr2"], "test": ["chr3"]}, SIZES, 300, str(path), "g.fa")
    text = one_line(exc)
    assert "chromosome 'chr3' is 250 bp long, shorter than one window of 300 bp" in text
    assert "no peaks" not in text and text.startswith(f"{path}:{line_of(path, 'test:')}:")
    check_split_chromosomes({"valid": ["chr2"], "test": ["chr3"]}, SIZES, 200, str(path), "g.fa")  # fits


# --- motif inputs -----------------------------------------------------------------------------


def test_motif_database_that_is_not_meme(tmp_path):
    db = tmp_path / "JASPAR.jaspar"
    db.write_text(">MA0139.2\tCTCF\nA [ 1 2 ]\nC [ 3 4 ]\nG [ 1 1 ]\nT [ 0 0 ]\n")
    with pytest.raises(InputError) as exc:
        check_motif_inputs({"database": str(db), "planted": None}, "config.yaml")
    text = one_line(exc)
    assert text.startswith(f"{db}: motif database is not a MEME motif file") and "zero motifs" in text


def test_planted_table_without_motif_id_column(tmp_path):
    table = tmp_path / "planted.tsv"
    table.write_text("# comment\nid\tname\nMA0139.2\tCTCF\n")
    with pytest.raises(InputError) as exc:
        check_motif_inputs({"database": None, "planted": str(table)}, "config.yaml")
    assert one_line(exc).startswith(f"{table}:2: planted-motif table has no motif_id column")


def test_planted_id_missing_from_a_meme_database(tmp_path):
    db = tmp_path / "db.meme"
    db.write_text(
        "MEME version 4\n\nALPHABET= ACGT\n\nMOTIF MA0139.2 CTCF\nletter-probability matrix: w= 1\n 1 0 0 0\n"
    )
    table = tmp_path / "planted.tsv"
    table.write_text("motif_id\tname\nMA0139.2\tCTCF\nMA9999.1\tX\n")
    with pytest.raises(InputError) as exc:
        check_motif_inputs({"database": str(db), "planted": str(table)}, "config.yaml")
    assert one_line(exc).startswith(f"{table}:3: planted motif MA9999.1 is not in the motif database")


def test_demo_planted_table_passes():
    cfg = yaml.safe_load((ROOT / "config.yaml").read_text())["motifs"]
    cfg["planted"] = str(ROOT / cfg["planted"])
    check_motif_inputs(cfg, "config.yaml")


def test_missing_signal_bigwig_names_its_key_and_line(tmp_path):
    missing = tmp_path / "nowhere.bw"
    path = demo_cfg(
        tmp_path,
        lambda t: re.sub(r"  erythroid: (\S+)", rf"  erythroid: {{peaks: \1, signal: {missing}}}", t, count=1),
    )
    with pytest.raises(InputError) as exc:
        validated(path)
    text = one_line(exc)
    assert text.startswith(f"{path}:{line_of(path, 'erythroid:')}: cell_types.erythroid.signal: file '{missing}'")
    assert "does not exist" in text


def test_the_configfiles_of_a_command_line_as_snakemake_reads_them():
    argv = ["-n", "--configfile", "a.yaml", "b.yaml", "--cores", "1", "--configfiles=c.yaml", "all", "--config", "x=1"]
    assert configfiles_in(argv) == ["a.yaml", "b.yaml", "c.yaml"]
    assert configfiles_in(["--config", "window=5", "--cores", "1"]) == []


def test_check_configfiles_names_the_first_bad_file_and_its_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("good.yaml").write_text("window: 300\n")
    Path("bad.yaml").write_text("window: 300\nsplits:\n  valid: [chr2\n  test: [chr3]\n")
    assert check_configfiles(["--configfile", "good.yaml"]) is None
    message = check_configfiles(["--configfile", "good.yaml", "bad.yaml"])
    assert message.startswith("chromcnn error: bad.yaml:3: not valid YAML (")  # where the bracket opened
    assert check_configfiles(["--configfile", "gone.yaml"]) == (
        "chromcnn error: gone.yaml: config file not found. Fix: check the path given with --configfile "
        "(relative to the directory you run snakemake in)."
    )
