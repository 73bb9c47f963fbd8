"""bigWig tracks match the prediction table; bad input gives one line (file, line, fix) and no output."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pyBigWig
import pytest
import torch
from chromcnn.errors import InputError
from chromcnn.inference.cli import main
from chromcnn.inference.scoring import predict_bed, predict_fasta
from chromcnn.inference.tracks import write_tracks
from chromcnn.inference.variants import score_vcf
from conftest import ROOT

torch.set_num_threads(1)
VCF_HEAD = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"


def test_bigwig_values_match_the_table_at_the_same_positions(planted, planted_model, tmp_path):
    (tmp_path / "r.bed").write_text("chrC\t1000\t1400\nchrC\t49900\t50100\nchrC\t1300\t1700\n")
    outputs = {t: str(tmp_path / "tracks" / f"{t}.bw") for t in planted_model.tasks}
    s = write_tracks(planted_model, planted.fasta, outputs, bed=str(tmp_path / "r.bed"), stride=37)
    assert s["intervals"] == 2 and s["bp"] == 900  # overlapping regions merged
    centres = [c for lo, hi in ((1000, 1700), (49900, 50100)) for c in range(lo + 18, hi, 37)]
    (tmp_path / "c.bed").write_text("".join(f"chrC\t{c}\t{c + 1}\n" for c in centres))
    predict_bed(planted_model, str(tmp_path / "c.bed"), planted.fasta, str(tmp_path / "c.tsv"))
    table = pd.read_csv(tmp_path / "c.tsv", sep="\t")
    for t in planted_model.tasks:
        with pyBigWig.open(outputs[t]) as bw:
            assert bw.chroms() == {"chrC": 50100}
            got = np.array([bw.values("chrC", c, c + 1)[0] for c in centres])
            assert np.isnan(bw.values("chrC", 900, 901)[0])  # outside the regions: no data
        np.testing.assert_allclose(got, table[t].to_numpy(), rtol=0, atol=2e-6)
    assert not list((tmp_path / "tracks").glob(".*part*"))


def _fails(tmp_path, call, *pieces) -> str:
    """Run ``call``; it must raise one InputError line holding ``pieces`` and leave no output."""
    with pytest.raises(InputError) as err:
        call()
    line = err.value.one_line()
    assert "\n" not in line and "Fix:" in line
    for piece in pieces:
        assert piece in line, (piece, line)
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(("out", ".out"))], "partial output left"
    return line


def test_bad_inputs_give_one_line_with_file_line_and_fix(planted, planted_model, tmp_path):
    out = str(tmp_path / "out.tsv")
    fa = str(planted.fasta)
    bed = tmp_path / "ens.bed"
    bed.write_text("C\t100\t300\nC\t500\t700\n")  # Ensembl-style names against chrC
    _fails(tmp_path, lambda: predict_bed(planted_model, str(bed), fa, out), str(bed), "'C'", "'chrC'", "add the prefix")
    bed.write_text("chrC\t100\t300\nchrC\t50000\t50200\n")
    _fails(tmp_path, lambda: predict_bed(planted_model, str(bed), fa, out), f"{bed}:2:", "past the end of chrC")
    bed.write_text("# nothing\n")
    _fails(tmp_path, lambda: predict_bed(planted_model, str(bed), fa, out), str(bed), "no regions")
    bed.write_text("chrC\t100\t1100\n")
    exact = lambda: predict_bed(planted_model, str(bed), fa, out, resize="exact")  # noqa: E731
    _fails(tmp_path, exact, f"{bed}:1:", "1000 bp", "200 bp")
    fasta = tmp_path / "empty.fa"
    fasta.write_text("")
    _fails(tmp_path, lambda: predict_fasta(planted_model, str(fasta), out), str(fasta), "no sequences")
    vcf = tmp_path / "v.vcf"
    vcf.write_text(VCF_HEAD + "chrC\t101\ta\tA\tC\t.\t.\t.\nchrC\t201\tb\tA\tG\t.\t.\t.\n")
    line = _fails(tmp_path, lambda: score_vcf(planted_model, str(vcf), fa, out), str(vcf), "REF alleles", "differ")
    assert any(f"first on line {n}:" in line for n in (3, 4))  # a real REF mismatch (chrC:101 or 201)
    vcf.write_text(VCF_HEAD)
    _fails(tmp_path, lambda: score_vcf(planted_model, str(vcf), fa, out), str(vcf), "no variant records")
    vcf.write_text(VCF_HEAD + "chrC\t101\ta\tA\tC\t.\t.\t.\nchrC\tx12\tb\tA\tG\t.\t.\t.\n")
    _fails(tmp_path, lambda: score_vcf(planted_model, str(vcf), fa, out), f"{vcf}:4:", "malformed VCF record", "POS")
    vcf.write_text("chrC\t100\t300\n")  # a BED given as a VCF
    _fails(tmp_path, lambda: score_vcf(planted_model, str(vcf), fa, out), f"{vcf}:1:", "not a VCF")


def test_vcf_on_another_assembly_is_named(planted, planted_model, tmp_path):
    g_sizes = {"chr1": 248956422}  # an hg38 chr1 genome and an hg19 VCF (its ##contig lengths)
    (tmp_path / "g.fa").write_text(">chr1\n" + "A" * 60 + "\n")
    from chromcnn.inference import vcf as vcf_mod

    counts = vcf_mod.VcfCounts(first_mismatch=vcf_mod.Allele("chr1", 10, ".", "C", "T", 5), ref_mismatch=3)
    path = tmp_path / "v.vcf"
    path.write_text("##fileformat=VCFv4.2\n##contig=<ID=chr1,length=249250621>\n" + VCF_HEAD.split("\n", 1)[1])

    class FakeGenome:
        sizes = g_sizes
        path = "hg38.fa"

        def sequence(self, chrom, start, end):
            return "A"

    err = vcf_mod._mismatch_error(str(path), FakeGenome(), counts, 3, 0.05)
    assert "looks like hg19 but the genome is hg38" in err.one_line()


def test_command_line_help_and_errors(planted, tmp_path, capsys):
    env_path = str(ROOT / "workflow" / "scripts")
    proc = subprocess.run(
        [sys.executable, "-m", "chromcnn.inference.cli", "variants", "--help"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": env_path},
    )
    assert proc.returncode == 0 and "--vcf" in proc.stdout and "TASK.sad" in proc.stdout.replace("\n", " ")
    installed = ROOT / ".venv" / "bin" / "chromcnn"  # setup.sh's entry point, when this checkout is installed
    if installed.exists():
        proc = subprocess.run([str(installed), "predict", "--help"], capture_output=True, text=True)
        assert proc.returncode == 0 and "--resize {centre,exact}" in proc.stdout
    bed = tmp_path / "b.bed"
    bed.write_text("chrZ\t1\t10\n")
    args = ["predict", str(planted.model), "--bed", str(bed), "--genome", str(planted.fasta), "--out"]
    assert main([*args, str(tmp_path / "out.tsv"), "-q"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"chromcnn error: {bed}: regions: 1 of 1 regions")
    fasta = tmp_path / "s.fa"
    fasta.write_text(">s1\nACGT\n>s2\n" + "GATAAGGC" * 30 + "\n")
    assert main(["predict", str(planted.model), "--fasta", str(fasta), "--out", str(tmp_path / "g.tsv.gz"), "-q"]) == 0
    table = pd.read_csv(tmp_path / "g.tsv.gz", sep="\t")
    assert table.name.tolist() == ["s1", "s2:1", "s2:2"] and table.A.iloc[1:].min() > table.A.iloc[0]
