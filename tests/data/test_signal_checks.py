"""Bad coverage bigWigs: another assembly under the same names, no data on the test split, no shared names."""

from __future__ import annotations

import pyBigWig
import pytest
from chromcnn.data.signal import check_signal_chroms
from chromcnn.data.signal_checks import check_signal_assembly, check_test_coverage, covered_bases
from chromcnn.errors import InputError

GENOME = {"chr1": 5000, "chr2": 3000}


def _bigwig(path, header: dict[str, int], covered: dict[str, tuple[int, int]]) -> str:
    """A bigWig with value 2.0 on ``covered[chrom] = (start, end)`` (one entry per base), no data elsewhere."""
    bw = pyBigWig.open(str(path), "w")
    bw.addHeader(list(header.items()))
    for chrom in header:
        if chrom in covered:
            start, end = covered[chrom]
            bw.addEntries(chrom, start, values=[2.0] * (end - start), span=1, step=1)
    bw.close()
    return str(path)


def _one_line(err) -> str:
    text = str(err.value)
    assert "\n" not in text
    return text


def test_same_names_other_lengths_is_another_assembly(tmp_path):
    bw = _bigwig(tmp_path / "hg19.bw", {"chr1": 5000, "chr2": 3500}, {"chr1": (0, 100)})
    with pytest.raises(InputError) as err:
        check_signal_assembly(bw, "K562", GENOME, label="data/K562.hg19.bw")
    text = _one_line(err)
    assert "data/K562.hg19.bw" in text and "chr2 is 3,500 bp in the bigWig but 3,000 bp" in text
    assert "another assembly" in text
    # the genome's lengths (extra contigs in the header are fine): no error
    ok = _bigwig(tmp_path / "ok.bw", {**GENOME, "chrUn_x": 700}, {"chr1": (0, 100)})
    check_signal_assembly(ok, "K562", GENOME)


def test_no_shared_chromosome_is_one_line(tmp_path):
    bw = _bigwig(tmp_path / "other.bw", {"scaffold_1": 5000, "scaffold_2": 3000}, {"scaffold_1": (0, 100)})
    with pytest.raises(InputError) as err:
        check_signal_chroms(bw, "K562", GENOME, label="other.bw")
    assert "other.bw" in _one_line(err)


def test_no_data_on_the_test_split(tmp_path):
    bw = _bigwig(tmp_path / "a.bw", GENOME, {"chr1": (1000, 1400)})
    with pytest.raises(InputError) as err:
        check_test_coverage(bw, "K562", ["chr2"], GENOME, label="acc.K562.bw")
    text = _one_line(err)
    assert "acc.K562.bw" in text and "no data on the test split (chr2)" in text and "splits.test" in text
    with pytest.raises(InputError, match="chr1:0-1000"):  # a region of a covered chromosome, but none of its bases
        check_test_coverage(bw, "K562", ["chr1:0-1000"], GENOME)
    # covered bases are counted exactly: 400 on chr1, 150 of them in 1250-2000
    assert check_test_coverage(bw, "K562", ["chr1", "chr2"], GENOME) == 400
    assert covered_bases(bw, ["chr1:1250-2000"], GENOME) == 150
    # a test chromosome absent from the bigWig counts 0, the check still passes on the other one
    missing = _bigwig(tmp_path / "b.bw", {"chr1": 5000}, {"chr1": (0, 10)})
    assert covered_bases(missing, ["chr1", "chr2"], GENOME) == 10


def test_checks_run_before_encoding_in_the_adapter(tmp_path):
    """encode_split.py calls every check (check_signals) before write_split (no partial split file
    on a bad bigWig); check_signals stops on another assembly and on no test coverage."""
    import logging
    from pathlib import Path

    from chromcnn.data.signal_checks import check_signals

    source = (Path(__file__).parents[2] / "workflow" / "scripts" / "encode_split.py").read_text()
    assert source.index("check_signals(") < source.index("write_split(")
    log = logging.getLogger("test")
    other = _bigwig(tmp_path / "o.bw", {"chr1": 4000, "chr2": 3000}, {"chr1": (0, 10), "chr2": (0, 10)})
    with pytest.raises(InputError, match="assembly"):
        check_signals({"K562": other}, {"K562": "k562.bw"}, GENOME, ["chr2"], log)
    bare = _bigwig(tmp_path / "b.bw", dict(GENOME), {"chr1": (0, 10)})
    with pytest.raises(InputError, match="no data on the test split"):
        check_signals({"K562": bare}, {"K562": "k562.bw"}, GENOME, ["chr2"], log)
    good = _bigwig(tmp_path / "g.bw", dict(GENOME), {"chr1": (0, 10), "chr2": (0, 10)})
    check_signals({"K562": good}, {"K562": "k562.bw"}, GENOME, ["chr2"], log)
