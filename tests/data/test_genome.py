"""Genome preparation: plain/gzip/bgzip, validation errors, indexing, code loading."""

from __future__ import annotations

import gzip

import numpy as np
import pysam
import pytest
from chromcnn.data.genome import load_codes, prepare_genome, read_chrom_sizes, read_fai
from chromcnn.errors import InputError
from conftest import random_genome, write_fasta


def seqs():
    rng = np.random.default_rng(3)
    out = random_genome(rng, {"chrA": 1234, "chrB": 61, "chrC": 500})
    out["chrC"] = out["chrC"][:100] + "nnnnNNNN" + out["chrC"][108:].lower()
    return out


@pytest.mark.parametrize("form", ["plain", "gzip", "bgzip"])
def test_prepare_genome_all_forms(tmp_path, form):
    src = write_fasta(tmp_path / "in.fa", seqs(), width=50)
    if form == "gzip":
        src = tmp_path / "in.fa.gz"
        src.write_bytes(gzip.compress((tmp_path / "in.fa").read_bytes()))
    elif form == "bgzip":
        pysam.tabix_compress(str(tmp_path / "in.fa"), str(tmp_path / "in.fa.bgz"))
        src = tmp_path / "in.fa.bgz"
    names = prepare_genome(src, tmp_path / "g.fa", tmp_path / "g.sizes")
    assert names == ["chrA", "chrB", "chrC"]
    assert read_chrom_sizes(tmp_path / "g.sizes") == {"chrA": 1234, "chrB": 61, "chrC": 500}
    entries = {e.name: e for e in read_fai(tmp_path / "g.fa.fai")}
    for name, seq in seqs().items():
        codes = load_codes(tmp_path / "g.fa", entries[name])
        expected = np.array(["ACGT".find(c) if c in "ACGT" else 4 for c in seq.upper()], np.uint8)
        assert np.array_equal(codes, expected)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize(
    ("text", "pattern", "line"),
    [
        ("chr1\t1\t100\n", "does not start with '>'", 1),
        ("", "no '>' record", 1),
        (">chr1\nACGT\nAC GT\n", "unexpected character ' '", 3),
        (">chr1\nACGT\n>chr1\nAAAA\n", "duplicate FASTA record 'chr1'", 3),
        (">\nACGT\n", "header line has no name", 1),
    ],
)
def test_not_fasta_errors_name_file_and_line(tmp_path, text, pattern, line):
    src = tmp_path / "bad.fa"
    src.write_text(text)
    with pytest.raises(InputError, match=pattern) as err:
        prepare_genome(src, tmp_path / "g.fa", tmp_path / "g.sizes")
    assert str(err.value).startswith(f"{src}:{line}: ")
    assert not (tmp_path / "g.fa").exists() and not (tmp_path / "g.sizes").exists()


def test_binary_file_is_not_fasta(tmp_path):
    src = tmp_path / "x.fa.gz"
    src.write_bytes(gzip.compress(bytes(range(256)) * 10))
    with pytest.raises(InputError, match="not FASTA"):
        prepare_genome(src, tmp_path / "g.fa", tmp_path / "g.sizes")


def test_irregular_line_lengths_are_rejected(tmp_path):
    src = tmp_path / "ragged.fa"
    src.write_text(">chr1\nACGTACGT\nACG\nACGTACGT\n")
    with pytest.raises(InputError, match="cannot be indexed") as err:
        prepare_genome(src, tmp_path / "g.fa", tmp_path / "g.sizes")
    assert "Fix:" in str(err.value)
    assert list(tmp_path.iterdir()) == [src]


def test_deleted_index_is_rebuilt_by_the_reader_with_the_same_bytes(tmp_path):
    """The .fai is a cache (no declared output): fasta_index rebuilds it when missing."""
    from chromcnn.data.genome import fasta_index, prepare_genome

    src = tmp_path / "g.fa"
    src.write_text(">chr1\n" + "ACGT" * 30 + "\n>chr2\n" + "GG" * 7 + "\n")
    fasta = tmp_path / "out.fa"
    prepare_genome(src, fasta, tmp_path / "out.sizes")
    fai = tmp_path / "out.fa.fai"
    before = fai.read_bytes()
    fai.unlink()
    assert [(e.name, e.length) for e in fasta_index(fasta)] == [("chr1", 120), ("chr2", 14)]
    assert fai.read_bytes() == before and not list(tmp_path.glob(".out.fa.fai.part-*"))


def test_fasta_with_a_utf8_byte_order_mark_keeps_its_first_record(tmp_path):
    from chromcnn.data.genome import prepare_genome, read_fai

    src = tmp_path / "bom.fa"
    src.write_bytes(b"\xef\xbb\xbf>chr1\nACGTACGT\n>chr2\nGGGG\n")
    assert prepare_genome(src, tmp_path / "g.fa", tmp_path / "g.sizes") == ["chr1", "chr2"]
    assert (tmp_path / "g.fa").read_bytes().startswith(b">chr1\n")
    assert [e.length for e in read_fai(tmp_path / "g.fa.fai")] == [8, 4]
