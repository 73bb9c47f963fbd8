"""The shipped demo is small, regenerable byte for byte, and carries real JASPAR motifs."""

from __future__ import annotations

import gzip
import hashlib

import make_demo as demo
import numpy as np
import pandas as pd
from conftest import ROOT

DEMO = ROOT / "resources" / "demo"
FILES = ["genome.fa.gz", "blacklist.bed", "planted_motifs.tsv"] + [f"peaks/{c}.narrowPeak.gz" for c in demo.CELL_TYPES]


def test_demo_regenerates_identically(tmp_path):
    demo.write_demo(tmp_path)
    for name in FILES:
        assert (
            hashlib.md5((tmp_path / name).read_bytes()).digest() == hashlib.md5((DEMO / name).read_bytes()).digest()
        ), name


def test_demo_is_small():
    assert sum((DEMO / f).stat().st_size for f in FILES) < 4_000_000


def test_planted_motif_table_matches_jaspar_2024():
    table = pd.read_csv(DEMO / "planted_motifs.tsv", sep="\t", comment="#")
    assert dict(zip(table.name, table.motif_id)) == demo.MOTIFS
    assert (table.instances_in_elements > 500).all()
    cells = {c for row in table.cell_types for c in row.split(",")}
    assert cells == set(demo.CELL_TYPES)
    # every cell type has its own combination of motifs
    combos = {tuple(sorted(m)) for m in demo.CELL_TYPES.values()}
    assert len(combos) == len(demo.CELL_TYPES)


def test_planted_instances_follow_the_matrix():
    """Sampled instances reproduce the JASPAR probabilities (CTCF, 15 columns)."""
    rng = np.random.default_rng(0)
    pwm = demo.load_matrices()["CTCF"]
    forward = []
    while len(forward) < 3000:
        inst = demo.sample_instance(rng, pwm)
        rc = inst.translate(demo.COMPLEMENT)[::-1]
        # orient each instance (sampled on a random strand) back to the matrix's strand
        forward.append(inst if _score(inst, pwm) >= _score(rc, pwm) else rc)
    counts = np.zeros_like(pwm)
    for inst in forward:
        for i, base in enumerate(inst.decode()):
            counts[i, "ACGT".index(base)] += 1
    freq = counts / counts.sum(axis=1, keepdims=True)
    assert np.abs(freq - pwm).max() < 0.05


def _score(seq: bytes, pwm: np.ndarray) -> float:
    return float(sum(np.log(pwm[i, "ACGT".index(b)]) for i, b in enumerate(seq.decode())))


def test_genome_has_soft_masking_and_gaps():
    with gzip.open(DEMO / "genome.fa.gz", "rt") as handle:
        text = handle.read()
    seq = "".join(line for line in text.splitlines() if not line.startswith(">"))
    assert text.count(">") == len(demo.CHROMS)
    assert 0.1 < sum(c.islower() for c in seq) / len(seq) < 0.5
    assert seq.count("N") >= 20_000


def test_demo_signal_grows_with_planted_instances(tmp_path):
    """--signal: an element's central coverage follows instances x strength of the cell type's motifs."""
    from chromcnn.data.signal import open_bigwig, window_sums

    rng = np.random.default_rng(3)
    planted = {}
    for i in range(300):  # elements every 3 kb on chr2, 0-5 GATA1::TAL1 instances, some with SPI1
        centre = 5_000 + 3_000 * i
        inst = {"GATA1::TAL1": (centre + rng.integers(-80, 80, int(rng.integers(0, 6)))).tolist()}
        if i % 3 == 0:
            inst["SPI1"] = (centre + rng.integers(-80, 80, 4)).tolist()  # not erythroid: adds nothing there
        planted[("chr2", centre)] = inst
    demo.write_signal(tmp_path, planted, seed=1)
    bw = open_bigwig(str(tmp_path / "signal" / "erythroid.bw"))
    starts = np.array([c - 150 for _, c in planted])
    sums, _, _, negative = window_sums(bw, "chr2", starts, 300, 200)
    bw.close()
    gata = np.array([len(p["GATA1::TAL1"]) for p in planted.values()])
    assert negative == 0 and np.corrcoef(np.log1p(sums), gata)[0, 1] > 0.8
    assert sums[gata == 0].max() < sums[gata == 5].min()  # no instance: background only
    spi1 = np.array(["SPI1" in p for p in planted.values()])
    for k in range(6):  # SPI1 does not open erythroid chromatin
        both = sums[(gata == k) & spi1].mean(), sums[(gata == k) & ~spi1].mean()
        assert abs(both[0] - both[1]) < 0.5 * max(both) + 5
    bw = open_bigwig(str(tmp_path / "signal" / "lymphoid.bw"))  # SPI1 does open lymphoid chromatin
    lymph, _, _, _ = window_sums(bw, "chr2", starts, 300, 200)
    bw.close()
    assert lymph[spi1].mean() > 5 * lymph[~spi1].mean()


def test_demo_signal_peaks_where_the_instances_lie(tmp_path):
    """--signal: the coverage of an element peaks at its planted instance, not at its centre,
    so profile mode has a shape to learn from the sequence."""
    import pyBigWig

    rng = np.random.default_rng(4)
    offsets = rng.integers(-80, 80, 200)
    planted = {
        ("chr2", 5_000 + 3_000 * i): {"GATA1::TAL1": [5_000 + 3_000 * i + int(d)]} for i, d in enumerate(offsets)
    }
    demo.write_signal(tmp_path, planted, seed=1)
    bw = pyBigWig.open(str(tmp_path / "signal" / "erythroid.bw"))
    found = []
    for chrom, centre in planted:
        values = np.nan_to_num(np.array(bw.values(chrom, centre - 250, centre + 250)))
        found.append(int(values.argmax()) - 250)
    bw.close()
    assert np.abs(np.array(found) - offsets).max() <= demo.SIGNAL_BIN  # the peak sits on the instance
    assert np.std(found) > 30  # and moves with it
