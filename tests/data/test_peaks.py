"""Peak files: formats, skipped lines, summits, drops, and errors with line numbers."""

from __future__ import annotations

import gzip

import pytest
from chromcnn.data.peaks import read_peaks
from chromcnn.errors import InputError

SIZES = {"chr1": 10_000, "chr2": 5_000}


def write(tmp_path, text: str, name="p.bed", gz=False):
    path = tmp_path / name
    if gz:
        path = tmp_path / (name + ".gz")
        with gzip.open(path, "wb") as handle:
            handle.write(text.encode())
    else:
        path.write_bytes(text.encode())
    return path


def test_narrowpeak_summit_and_bed_midpoint(tmp_path):
    text = (
        "chr1\t100\t300\tp1\t0\t.\t5\t-1\t-1\t20\n"  # summit at 120
        "chr1\t1000\t1200\tp2\t0\t.\t5\t-1\t-1\t-1\n"  # no summit -> midpoint 1100
    )
    peaks = read_peaks(write(tmp_path, text, gz=True), "A", SIZES)
    assert peaks.by_chrom["chr1"].tolist() == [[100, 300, 120], [1000, 1200, 1100]]
    assert peaks.qc["format"] == "narrowPeak"
    bed = read_peaks(write(tmp_path, "chr2\t10\t20\n", name="b.bed"), "B", SIZES)
    assert bed.by_chrom["chr2"].tolist() == [[10, 20, 15]] and bed.qc["format"] == "bed"


def test_header_track_browser_comment_and_crlf_are_tolerated(tmp_path):
    text = (
        "browser position chr1:1-100\r\n"
        'track name="x"\r\n'
        "# a comment\r\n"
        "chrom\tstart\tend\r\n"
        "\r\n"
        "chr1\t10\t20\r\n"
        "chr1  30  50\r\n"
    )
    peaks = read_peaks(write(tmp_path, text), "A", SIZES)
    assert peaks.by_chrom["chr1"][:, :2].tolist() == [[10, 20], [30, 50]]
    assert peaks.qc["read"] == 2


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("chr1\tten\t20", "start 'ten' is not an integer"),
        ("chr1\t30\t20", "start 30 > end 20"),
        ("chr1\t-5\t20", "negative start -5"),
        ("chr1\t10", "2 column"),
        ("chr1\t1\t5\tn\t0\t.\t1\t1\t1\tx", "summit"),
    ],
)
def test_malformed_lines_name_file_and_line(tmp_path, line, message):
    path = write(tmp_path, f"# header comment\nchr1\t1\t5\n{line}\n")
    with pytest.raises(InputError, match=message) as err:
        read_peaks(path, "A", SIZES)
    text = str(err.value)
    assert text.startswith(f"{path}:3: malformed peak line") and "Fix:" in text


def test_empty_file(tmp_path):
    with pytest.raises(InputError, match="has no peaks") as err:
        read_peaks(write(tmp_path, "# only a comment\n"), "A", SIZES)
    assert "p.bed" in str(err.value)


def test_unknown_chromosomes_dropped_and_counted(tmp_path):
    text = "chr1\t1\t5\nchr1\t10\t50\nchrM\t1\t5\nchr1\t60\t70\n"
    peaks = read_peaks(write(tmp_path, text), "A", SIZES)
    assert peaks.count() == 3
    assert peaks.qc["dropped_unknown_chrom"] == 1
    assert peaks.qc["dropped_unknown_chrom_by_name"] == {"chrM": 1}


def test_assembly_mismatch_shows_names_from_both_sides(tmp_path):
    text = "1\t1\t5\n1\t10\t50\n2\t1\t5\nchr1\t60\t70\n"
    with pytest.raises(InputError) as err:
        read_peaks(write(tmp_path, text), "A", SIZES)
    msg = str(err.value)
    assert "3 of 4 peaks (75%)" in msg
    assert "peaks name '1', '2'" in msg and "genome has 'chr1', 'chr2'" in msg
    assert "sed 's/^/chr/'" in msg


def test_mismatch_threshold_is_configurable(tmp_path):
    text = "chr9\t1\t5\nchr9\t10\t50\nchr1\t60\t70\n"
    peaks = read_peaks(write(tmp_path, text), "A", SIZES, max_unknown_fraction=1.0)
    assert peaks.count() == 1 and peaks.qc["dropped_unknown_chrom"] == 2


def test_past_end_clip_or_drop(tmp_path):
    text = "chr2\t4900\t5100\nchr2\t6000\t6100\nchr2\t10\t20\n"
    clip = read_peaks(write(tmp_path, text), "A", SIZES, past_end="clip")
    assert clip.by_chrom["chr2"].tolist() == [[10, 20, 15], [4900, 5000, 4999]]
    assert clip.qc["clipped_past_end"] == 1 and clip.qc["dropped_past_end"] == 1
    drop = read_peaks(write(tmp_path, text), "A", SIZES, past_end="drop")
    assert drop.by_chrom["chr2"].tolist() == [[10, 20, 15]] and drop.qc["dropped_past_end"] == 2


def test_zero_length_peaks_counted(tmp_path):
    peaks = read_peaks(write(tmp_path, "chr1\t5\t5\nchr1\t6\t9\n"), "A", SIZES)
    assert peaks.count() == 1 and peaks.qc["dropped_empty"] == 1
