"""A blacklist that names another naming style's chromosomes stops; a genome subset does not."""

from __future__ import annotations

import numpy as np
import pytest
from chromcnn.config.regions import parse_region
from chromcnn.data import dataset
from chromcnn.data.dataset import build_windows_table
from chromcnn.data.genome import prepare_genome
from chromcnn.data.peaks import load_blacklist
from chromcnn.data.windows import WindowParams
from chromcnn.errors import InputError
from conftest import random_genome, write_bed, write_fasta

SIZES = {"chr1": 10_000, "chr2": 5_000, "chrM": 100}


def test_ensembl_style_blacklist_against_ucsc_genome_stops(tmp_path):
    path = write_bed(tmp_path / "black.bed", [("1", 10, 20), ("1", 50, 90), ("2", 5, 9), ("MT", 1, 5)])
    with pytest.raises(InputError) as err:
        load_blacklist(path, SIZES)
    msg = str(err.value)
    assert msg.startswith(f"{path}: blacklist: 4 of 4 records (100%) lie on chromosomes the genome lacks")
    assert "records name '1', '2', 'MT'" in msg and "genome has 'chr1', 'chr2', 'chrM'" in msg
    assert "sed 's/^/chr/'" in msg


def test_ucsc_style_blacklist_against_ensembl_genome_stops(tmp_path):
    path = write_bed(tmp_path / "black.bed", [("chr1", 10, 20), ("chr2", 5, 9)])
    with pytest.raises(InputError, match="records name 'chr1', 'chr2', genome has '1', '2'.*sed 's/\\^chr//'"):
        load_blacklist(path, {"1": 100, "2": 100}, label="user/black.bed")


def test_a_blacklist_on_no_genome_chromosome_stops(tmp_path):
    path = write_bed(tmp_path / "black.bed", [("NC_000001.11", 10, 20)])
    with pytest.raises(InputError, match="1 of 1 records .* genome has 'chr1', 'chr2', 'chrM'.*genome.blacklist: null"):
        load_blacklist(path, SIZES)


def test_a_few_unknown_contigs_and_a_genome_subset_pass_and_are_counted(tmp_path):
    rows = [("chr1", 10, 20), ("chr1", 15, 30), ("chrUn_gl000220", 1, 5), ("chr2", 1, 3)] + [("chr9", 1, 2)] * 20
    black, qc = load_blacklist(write_bed(tmp_path / "b.bed", rows), SIZES)
    assert black["chr1"][0].tolist() == [10] and black["chr1"][1].tolist() == [30]
    assert qc["read"] == 24 and qc["kept"] == 3 and qc["dropped_unknown_chrom"] == 21
    assert qc["dropped_unknown_chrom_by_name"] == {"chr9": 20, "chrUn_gl000220": 1}


def test_one_other_style_record_under_the_threshold_passes(tmp_path):
    rows = [("chr1", 10 * i, 10 * i + 5) for i in range(9)] + [("MT", 1, 5)]
    black, qc = load_blacklist(write_bed(tmp_path / "b.bed", rows), SIZES, max_unknown_fraction=0.5)
    assert qc["dropped_unknown_chrom"] == 1 and len(black["chr1"][0]) == 9


def small_genome(tmp_path) -> str:
    write_fasta(tmp_path / "src.fa", random_genome(np.random.default_rng(0), {"chr1": 6000, "chr2": 3000}))
    prepare_genome(tmp_path / "src.fa", tmp_path / "g.fa", tmp_path / "g.sizes")
    return str(tmp_path / "g.fa")


def params() -> WindowParams:
    return WindowParams(
        window=100,
        extend=100,
        held_out={"valid": [parse_region("chr1:0-1500")], "test": [parse_region("chr1:3000-4500")]},
    )


def test_driver_stops_before_windows_and_qc_counts_the_rest(tmp_path, monkeypatch):
    fasta = small_genome(tmp_path)
    peaks = write_bed(tmp_path / "p.bed", [("chr1", 100 + 50 * i, 200 + 50 * i) for i in range(100)])
    bad = write_bed(tmp_path / "ensembl.bed", [("1", 10, 20), ("2", 10, 20)])
    calls = []
    real = dataset.build_chrom
    monkeypatch.setattr(dataset, "build_chrom", lambda *a, **k: calls.append(1) or real(*a, **k))
    out = tmp_path / "w.tsv.gz"
    with pytest.raises(InputError, match=f"^{bad}: blacklist: 2 of 2 records .*'1', '2', genome has 'chr1', 'chr2'"):
        build_windows_table(fasta, {"A": str(peaks)}, str(bad), params(), str(out))
    assert not calls and not out.exists()
    ok = write_bed(tmp_path / "ok.bed", [("chr1", 10, 20), ("chr1", 5000, 5100), ("chrUn_x", 1, 2)])
    qc = build_windows_table(fasta, {"A": str(peaks)}, str(ok), params(), str(out), blacklist_label="my/ok.bed")
    assert qc["blacklist"]["file"] == "my/ok.bed"
    assert qc["blacklist"]["dropped_unknown_chrom"] == 1 and qc["blacklist"]["kept"] == 2
