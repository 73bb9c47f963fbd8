"""Peaks from another assembly with the same chromosome names stop the data stage early."""

from __future__ import annotations

import numpy as np
import pytest
from chromcnn.config.regions import parse_region
from chromcnn.data import dataset
from chromcnn.data.assembly import ASSEMBLIES, check_peak_assembly, guess_assembly
from chromcnn.data.dataset import build_windows_table
from chromcnn.data.genome import prepare_genome
from chromcnn.data.windows import WindowParams
from chromcnn.errors import InputError
from conftest import random_genome, write_bed, write_fasta

HG38 = {"chr21": 46_709_983, "chr22": 50_818_468}
HG19 = {"chr21": 48_129_895, "chr22": 51_304_566}


def test_the_table_tells_the_four_assemblies_apart():
    for name, sizes in ASSEMBLIES.items():
        assert guess_assembly({f"chr{c}": n for c, n in sizes.items()}) == name
    assert ASSEMBLIES["hg38"]["1"] == 248_956_422 and ASSEMBLIES["hg19"]["1"] == 249_250_621
    assert guess_assembly(HG38) == "hg38" and guess_assembly(HG19) == "hg19"
    assert guess_assembly({"21": 46_709_983, "22": 50_818_468, "MT": 16_569}) == "hg38"  # Ensembl names
    # the demo's synthetic genome and a patched chromosome match nothing
    assert guess_assembly({"chr1": 6_000_000, "chr2": 1_000_000, "chr3": 1_000_000}) is None
    assert guess_assembly({"chr21": 46_709_983, "chr22": 50_818_469}) is None


def test_hg19_peaks_against_an_hg38_genome_name_both_assemblies():
    max_end = {"chr21": 48_000_000, "chr22": 50_000_000, "chrM": 16_000}
    with pytest.raises(InputError) as err:
        check_peak_assembly("p.bed", "A", max_end, HG38)
    msg = str(err.value)
    assert msg.startswith("p.bed: cell type 'A': peaks look like hg19 (chr21 peaks reach 48,000,000, ")
    assert "past hg38's chr21 end 46,709,983) but the genome is hg38" in msg
    assert "Fix: lift the peaks over to hg38 (UCSC liftOver) or use the hg19 genome" in msg


def test_hg38_peaks_against_an_hg19_genome():
    max_end = {"chrX": 156_000_000, "chr1": 248_000_000}
    sizes = {f"chr{c}": n for c, n in ASSEMBLIES["hg19"].items()}
    with pytest.raises(InputError, match="peaks look like hg38 .chrX peaks reach 156,000,000, past hg19's chrX end"):
        check_peak_assembly("p.bed", "A", max_end, sizes)


def test_peaks_that_fit_or_a_genome_of_no_known_assembly_pass():
    check_peak_assembly("p.bed", "A", {"chr21": 46_700_000, "chr22": 50_800_000}, HG38)  # hg38 peaks fit both
    check_peak_assembly("p.bed", "A", {"chr22": 50_818_468 + 500}, HG38)  # a caller's small overshoot
    check_peak_assembly("p.bed", "A", {"chr21": 48_000_000}, {"chr21": 47_000_000})  # no known assembly
    check_peak_assembly("p.bed", "A", {"chr21": 60_000_000}, HG38)  # fits no assembly: left to the past-end check


def write_fake_genome(tmp_path, sizes: dict[str, int]) -> str:
    """A tiny FASTA whose .fai claims ``sizes``: the checks read lengths from the index only."""
    fasta = write_fasta(tmp_path / "g.fa", {c: "ACGT" * 15 for c in sizes})
    (tmp_path / "g.fa.fai").write_text(
        "".join(f"{c}\t{n}\t{6 + 70 * i}\t60\t61\n" for i, (c, n) in enumerate(sizes.items()))
    )
    return str(fasta)


def params(**held) -> WindowParams:
    return WindowParams(window=100, extend=100, held_out={k: [parse_region(v)] for k, v in held.items()})


def no_windows(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("windows were built")

    monkeypatch.setattr(dataset, "build_chrom", fail)


def test_driver_stops_on_hg19_peaks_before_any_window(tmp_path, monkeypatch):
    fasta = write_fake_genome(tmp_path, HG38)
    good = write_bed(tmp_path / "good.bed", [("chr22", 20_000_000, 20_000_500)] * 3)
    bad = write_bed(tmp_path / "hg19.bed", [("chr21", 10_000_000, 10_000_500), ("chr21", 48_000_000, 48_000_400)])
    no_windows(monkeypatch)
    out = tmp_path / "w.tsv.gz"
    with pytest.raises(InputError) as err:
        build_windows_table(fasta, {"A": str(good), "B": str(bad)}, None, params(), str(out))
    msg = str(err.value)
    assert msg.startswith(f"{bad}: cell type 'B': peaks look like hg19") and "genome is hg38" in msg
    assert not out.exists()


def small_genome(tmp_path) -> str:
    sizes = {"chr1": 6000, "chr2": 3000}
    write_fasta(tmp_path / "src.fa", random_genome(np.random.default_rng(0), sizes))
    prepare_genome(tmp_path / "src.fa", tmp_path / "g.fa", tmp_path / "g.sizes")
    return str(tmp_path / "g.fa")


def test_driver_stops_when_30_percent_of_peaks_run_past_the_ends(tmp_path, monkeypatch):
    fasta = small_genome(tmp_path)
    rows = [("chr1", 100 + 50 * i, 200 + 50 * i) for i in range(70)] + [("chr2", 2950, 3100 + i) for i in range(30)]
    peaks = write_bed(tmp_path / "shifted.bed", rows)
    no_windows(monkeypatch)
    with pytest.raises(InputError) as err:
        build_windows_table(fasta, {"A": str(peaks)}, None, params(valid="chr2"), str(tmp_path / "w.tsv.gz"))
    msg = str(err.value)
    assert msg.startswith(f"{peaks}: cell type 'A': 30 of 100 peaks (30%) run past their chromosome's end")
    assert (
        "peaks.max_past_end_fraction (0.01)" in msg
        and "chr2 peaks reach 3,129, past the genome's chr2 end 3,000" in msg
    )
    assert "liftOver" in msg


def test_a_few_past_end_peaks_under_the_threshold_are_clipped_and_counted(tmp_path):
    fasta = small_genome(tmp_path)
    rows = [("chr1", 100 + 50 * i, 200 + 50 * i) for i in range(99)] + [("chr2", 2950, 3100)]
    peaks = write_bed(tmp_path / "p.bed", rows)
    qc = build_windows_table(
        fasta, {"A": str(peaks)}, None, params(valid="chr1:0-1500", test="chr1:1500-3000"), str(tmp_path / "w.tsv.gz")
    )
    assert qc["peaks"]["A"]["clipped_past_end"] == 1
    with pytest.raises(InputError, match="1 of 100 peaks"):
        build_windows_table(fasta, {"A": str(peaks)}, None, params(), str(tmp_path / "x.tsv.gz"), max_past_end=0.005)


def test_human_peaks_against_a_mouse_genome_name_the_species():
    sizes = {f"chr{c}": n for c, n in ASSEMBLIES["mm10"].items()}
    with pytest.raises(
        InputError, match="peaks look like hg19 or hg38 .* genome is mm10. Fix: use a hg19 or hg38 genome"
    ):
        check_peak_assembly("p.bed", "A", {"chr2": 240_000_000, "chr20": 60_000_000}, sizes)


def test_the_table_matches_pybedtools_genome_registry():
    registry = pytest.importorskip("pybedtools.genome_registry")
    for name, table in ASSEMBLIES.items():
        assert {f"chr{c}": n for c, n in table.items()} == {
            f"chr{c}": getattr(registry, name)[f"chr{c}"][1] for c in table
        }
        assert len(table) == (24 if name.startswith("hg") else 21)


def test_driver_says_a_test_chromosome_is_shorter_than_the_window_before_reading_peaks(tmp_path, monkeypatch):
    """Not the misleading "the test split has no examples": the chromosome is named, with both lengths."""
    sizes = {"chr1": 6000, "chr2": 3000, "chrS": 80}
    write_fasta(tmp_path / "src.fa", random_genome(np.random.default_rng(0), sizes))
    prepare_genome(tmp_path / "src.fa", tmp_path / "g.fa", tmp_path / "g.sizes")
    no_windows(monkeypatch)
    missing = tmp_path / "never_read.bed"  # the check comes before any peak file is opened
    with pytest.raises(InputError) as err:
        build_windows_table(
            str(tmp_path / "g.fa"),
            {"A": str(missing)},
            None,
            params(valid="chr2", test="chrS"),
            str(tmp_path / "w.tsv.gz"),
            config_file="my.yaml",
            genome_label="genome.fa.gz",
        )
    msg = str(err.value)
    assert msg.startswith("my.yaml: splits.test: chromosome 'chrS' is 80 bp long, shorter than one window of 100 bp")
    assert not (tmp_path / "w.tsv.gz").exists()
    with pytest.raises(InputError, match=r"chromosome '8' is not in the genome genome.fa.gz"):
        build_windows_table(
            str(tmp_path / "g.fa"),
            {"A": str(missing)},
            None,
            params(valid="8"),
            str(tmp_path / "w.tsv.gz"),
            config_file="my.yaml",
            genome_label="genome.fa.gz",
        )
