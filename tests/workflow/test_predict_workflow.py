"""The predict, variants and tracks sections: planned only when configured, for the models named."""

from __future__ import annotations

import re

import pytest
from workflow_helpers import demo_config, run_workflow

pytestmark = pytest.mark.slow  # Snakemake dry runs: about 6 s of CPU each


def planned(proc) -> dict[str, int]:
    """Rule -> job count from a dry run's job table."""
    assert proc.returncode == 0, proc.stderr[-2000:]
    table = proc.stdout.split("Job stats:")[1].split("total")[0]
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M)}


def test_sections_plan_their_outputs_only_when_configured(tmp_path):
    (tmp_path / "r.bed").write_text("chr3\t1000\t2000\n")
    (tmp_path / "s.fa").write_text(">s\nACGT\n")
    (tmp_path / "v.vcf").write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
    cfg = demo_config(
        predict={"sets": {"mine": str(tmp_path / "r.bed"), "seqs": str(tmp_path / "s.fa")}, "models": ["deepbind-s1"]},
        variants={"vcfs": {"calls": str(tmp_path / "v.vcf")}},
        tracks={"chromosomes": ["chr3"], "stride": 100, "models": ["deepbind-s1"]},
    )
    jobs = planned(run_workflow(tmp_path / "on", cfg, extra=("-n",)))
    n_models = len(cfg["train"]["architectures"]) * len(cfg["train"]["seeds"])
    assert jobs["predict_set"] == 2 and jobs["tracks"] == 1 and jobs["variant_effects"] == n_models
    off = planned(run_workflow(tmp_path / "off", demo_config(), extra=("-n",)))
    assert not {"predict_set", "variant_effects", "tracks"} & set(off)


def test_an_untrained_model_name_is_rejected_with_its_line(tmp_path):
    (tmp_path / "r.bed").write_text("chr3\t1000\t2000\n")
    cfg = demo_config(predict={"sets": {"mine": str(tmp_path / "r.bed")}, "models": ["nosuch-s1"]})
    proc = run_workflow(tmp_path / "bad", cfg, extra=("-n",))
    assert proc.returncode != 0
    assert re.search(r"config\.yaml:\d+: predict\.models names 'nosuch-s1', which is not trained\. Fix:", proc.stderr)
