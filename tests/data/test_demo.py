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
