"""The data stage on real hg38 chr22 with ENCODE DNase and TF ChIP peaks.

Skipped cleanly when ../shared/realdata is absent. Only chr22 sequence exists,
so valid and test are regions of chr22 (as its README suggests).
"""

from __future__ import annotations

import json
import re

import h5py
import numpy as np
import pandas as pd
import pytest
from chromcnn.config.regions import parse_region
from chromcnn.data.dataset import build_windows_table
from chromcnn.data.encode import decode
from chromcnn.data.genome import prepare_genome
from chromcnn.data.windows import WindowParams
from chromcnn.errors import InputError
from chromcnn.io.split_h5 import read_meta
from conftest import REALDATA, needs_bedtools, needs_realdata
from workflow_helpers import run_workflow

pytestmark = [needs_realdata, needs_bedtools, pytest.mark.slow]
PEAKS = {
    "DNase_GM12878": "peaks/chr22/DNase_GM12878.ENCFF073ORT.chr22.narrowPeak.gz",
    "DNase_HepG2": "peaks/chr22/DNase_HepG2.ENCFF209DJG.chr22.narrowPeak.gz",
    "ChIP_MAX_K562": "peaks/chr22/ChIP_MAX_K562.ENCFF618VMC.chr22.narrowPeak.gz",
    "ChIP_MYC_K562": "peaks/chr22/ChIP_MYC_K562.ENCFF605WXD.chr22.narrowPeak.gz",
}
GENOMEWIDE = {"DNase_GM12878": ("peaks/encode_genomewide/ENCFF073ORT.bed.gz", 78012, 1479)}


def md5s() -> dict[str, str]:
    """Path -> md5 from ../shared/realdata/md5sums.txt (read only when the data is there)."""
    return dict(line.split()[::-1] for line in (REALDATA / "md5sums.txt").read_text().splitlines())


def chr22_config() -> dict:
    md5 = md5s()
    return {
        "genome": {
            "name": "hg38chr22",
            "fasta": str(REALDATA / "genome" / "hg38.chr22.fa.gz"),
            "md5": md5["./genome/hg38.chr22.fa.gz"],
            "blacklist": str(REALDATA / "blacklist" / "hg38-blacklist.v2.bed"),
        },
        "cell_types": {k: {"peaks": str(REALDATA / v), "md5": md5[f"./{v}"]} for k, v in PEAKS.items()},
        "window": 1000,
        "negatives": {"mode": "gc_matched", "ratio": 1.0},
        "splits": {"valid": ["chr22:35000000-40000000"], "test": ["chr22:40000000-50818468"]},
        "seed": 7,
    }


@pytest.fixture(scope="module")
def chr22_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("chr22")
    targets = [f"results/data/{s}.h5" for s in ("train", "valid", "test")] + ["results/data/qc.json"]
    proc = run_workflow(work, chr22_config(), *targets)  # the data stage only
    assert proc.returncode == 0, proc.stderr[-3000:]
    return work


def test_chr22_windows_and_splits(chr22_run):
    data = chr22_run / "results" / "data"
    qc = json.loads((data / "qc.json").read_text())
    windows = pd.read_csv(data / "windows.tsv.gz", sep="\t")
    assert set(windows.chrom) == {"chr22"}
    test = windows[windows.split == "test"]
    valid = windows[windows.split == "valid"]
    assert (test.start >= 40_000_000).all() and ((valid.start >= 35_000_000) & (valid.end <= 40_000_000)).all()
    for task in PEAKS:
        assert qc["peaks"][task]["dropped_unknown_chrom"] == 0
        assert qc["peaks"][task]["format"] == "narrowPeak"
        for split in ("train", "valid", "test"):
            assert qc["splits"][split]["positives_per_task"][task] > 30, (task, split)
    assert qc["peaks"]["DNase_GM12878"]["read"] == 1479
    assert qc["windows"]["removed_blacklist"] > 0
    assert abs(qc["gc"]["positive"]["mean"] - qc["gc"]["negative"]["mean"]) < 0.01
    assert json.loads((data / "split_check.json").read_text())["ok"]
    with h5py.File(data / "test.h5") as h5:
        assert h5["x"].shape == (len(test), 4, 1000)
        assert h5.attrs["genome_md5"] == md5s()["./genome/hg38.chr22.fa.gz"]


def test_chr22_max_peaks_carry_the_e_box(chr22_run):
    """MAX/MYC bind CACGTG: it must be enriched in their positive windows' centres."""
    data = chr22_run / "results" / "data"
    tasks = read_meta(data / "train.h5")["tasks"]
    with h5py.File(data / "train.h5") as h5:  # rows in a seeded random order: labels from the same file
        centres = [s[400:600] for s in decode(h5["x"][:])]
        y = h5["y"][:]
    ebox = np.array([len(re.findall("CACGTG", s)) for s in centres])
    max_pos = y[:, tasks.index("ChIP_MAX_K562")] == 1
    negative = y.sum(axis=1) == 0
    assert negative.sum() > 500
    assert ebox[max_pos].mean() > 3 * ebox[negative].mean()


@pytest.fixture(scope="module")
def chr22_fasta(tmp_path_factory):
    work = tmp_path_factory.mktemp("g")
    prepare_genome(REALDATA / "genome" / "hg38.chr22.fa.gz", work / "g.fa", work / "g.sizes")
    return str(work / "g.fa")


def params() -> WindowParams:
    return WindowParams(
        window=1000,
        extend=1000,
        held_out={
            "valid": [parse_region("chr22:35000000-40000000")],
            "test": [parse_region("chr22:40000000-50818468")],
        },
    )


def test_genomewide_encode_file_is_an_assembly_mismatch_by_default(chr22_fasta, tmp_path):
    rel, total, _ = GENOMEWIDE["DNase_GM12878"]
    with pytest.raises(InputError) as err:
        build_windows_table(
            chr22_fasta, {"DNase_GM12878": str(REALDATA / rel)}, None, params(), str(tmp_path / "w.tsv.gz")
        )
    assert f"of {total} peaks" in str(err.value) and "genome has 'chr22'" in str(err.value)
    assert "max_unknown_fraction" in str(err.value)
    assert not (tmp_path / "w.tsv.gz").exists()


def test_genomewide_encode_file_drops_other_chromosomes_when_allowed(chr22_fasta, tmp_path):
    rel, total, on_chr22 = GENOMEWIDE["DNase_GM12878"]
    qc = build_windows_table(
        chr22_fasta, {"DNase_GM12878": str(REALDATA / rel)}, None, params(), str(tmp_path / "w.tsv.gz"), max_unknown=1.0
    )
    peaks = qc["peaks"]["DNase_GM12878"]
    assert peaks["read"] == total
    assert peaks["dropped_unknown_chrom"] == total - on_chr22
    assert peaks["kept"] == on_chr22
    assert "chr1" in peaks["dropped_unknown_chrom_by_name"]
