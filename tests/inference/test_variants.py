"""Variant effects: motif-destroying SNVs rank above neutral ones in the motif's task only; VCF handling."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pysam
import torch
from chromcnn.inference.genome_reader import Genome
from chromcnn.inference.variants import allele_windows, logit, score_vcf
from chromcnn.inference.vcf import Allele
from planted_genome import WINDOW
from train_helpers import MOTIFS

torch.set_num_threads(1)
HEADER = "##fileformat=VCFv4.2\n##contig=<ID=chrC>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"


def base(planted, pos0: int) -> str:
    return "ACGT"[planted.codes["chrC"][pos0]]


def planted_vcf(planted, path) -> pd.DataFrame:
    """One SNV in the middle of every planted motif on chrC and one neutral SNV 25-40 bp away from it."""
    rows = []
    sites = planted.sites["chrC"]
    for start, task, pos in sites:
        here = sites[sites[:, 0] == start][:, 2]
        hit = pos + len(MOTIFS[task]) // 2
        for off in (-25, 33, -40, 40):  # the first spot at least 12 bp from every motif of the window
            neutral = pos + off
            if all(neutral < p - 12 or neutral > p + 20 for p in here):
                break
        for kind, p0 in (("destroy", hit), ("neutral", neutral)):
            ref = base(planted, p0)
            alt = "ACGT"[("ACGT".index(ref) + 2) % 4]
            rows.append(("chrC", p0 + 1, f"{kind}{len(rows)}", ref, alt, kind, task))
    df = pd.DataFrame(rows, columns=["chrom", "pos", "id", "ref", "alt", "kind", "task"]).sort_values("pos")
    body = "".join(f"chrC\t{r.pos}\t{r.id}\t{r.ref}\t{r.alt}\t.\t.\t.\n" for r in df.itertuples())
    path.write_text(HEADER + body)
    return df


def auroc(pos: np.ndarray, neg: np.ndarray) -> float:
    return float(np.mean(pos[:, None] > neg[None, :]) + 0.5 * np.mean(pos[:, None] == neg[None, :]))


def test_destroying_variants_rank_above_neutral_ones_in_the_motifs_task(planted, planted_model, tmp_path):
    truth = planted_vcf(planted, tmp_path / "v.vcf")
    summary = score_vcf(planted_model, str(tmp_path / "v.vcf"), planted.fasta, str(tmp_path / "v.tsv.gz"), top_k=0)
    got = pd.read_csv(tmp_path / "v.tsv.gz", sep="\t").merge(truth[["id", "kind", "task"]], on="id")
    assert summary["scored"] == len(truth) and len(got) == len(truth)
    for t, task in enumerate("ABC"):
        mine = got[got.task == t]
        destroy, neutral = mine[mine.kind == "destroy"], mine[mine.kind == "neutral"]
        score = -mine[f"{task}.sad"]  # a destroyed motif lowers its task
        assert auroc(score[mine.kind == "destroy"].to_numpy(), score[mine.kind == "neutral"].to_numpy()) >= 0.9
        hit = -destroy[f"{task}.sad"].mean()
        others = [destroy[f"{o}.sad"].abs().mean() for o in "ABC" if o != task]
        assert hit > 0.05 and max(others) < 0.3 * hit, (task, hit, others)  # the effect is in this task only
        assert neutral[f"{task}.sad"].abs().mean() < 0.3 * hit
    np.testing.assert_allclose(got["A.sad"], got["A.alt"] - got["A.ref"], atol=2e-6)
    np.testing.assert_allclose(
        got["B.log_odds"], logit(got["B.alt"].to_numpy()) - logit(got["B.ref"].to_numpy()), atol=1e-3
    )


def test_records_are_split_skipped_and_streamed_in_chunks(planted, planted_model, tmp_path):
    g = Genome(planted.fasta)
    a, c = base(planted, 1000), base(planted, 2000)
    ref2 = g.sequence("chrC", 3000, 3003)
    other = "ACGT"[("ACGT".index(a) + 1) % 4]
    body = (
        f"chrC\t1001\tm\t{a}\t{other},{a}T\t.\t.\t.\n"  # multi-allelic: an SNV and an insertion
        f"chrC\t2001\tsv\t{c}\t<DEL>\t.\t.\tSVTYPE=DEL\n"  # symbolic: skipped and counted
        f"chrC\t3001\tdel\t{ref2}\t{ref2[0]}\t.\t.\t.\n"  # 2 bp deletion
        f"chrX\t5\tx\tA\tC\t.\t.\t.\n"  # a chromosome the genome lacks: skipped, counted
    )
    (tmp_path / "m.vcf").write_text(HEADER + body)
    pysam.tabix_compress(str(tmp_path / "m.vcf"), str(tmp_path / "m.vcf.gz"))
    outs = []
    for name, chunk in (("m.vcf", 1024), ("m.vcf.gz", 1)):
        s = score_vcf(planted_model, str(tmp_path / name), g, str(tmp_path / f"{name}.tsv"), chunk=chunk, top_k=0)
        assert s == {**s, "records": 4, "alleles": 4, "symbolic": 1, "unknown_chrom": 1, "scored": 3}
        outs.append(pd.read_csv(tmp_path / f"{name}.tsv", sep="\t"))
    pd.testing.assert_frame_equal(outs[0], outs[1])  # bgzip and plain, one chunk or many: the same table
    assert outs[0][["id", "ref", "alt"]].values.tolist() == [
        ["m", a, other],
        ["m", a, a + "T"],
        ["del", ref2, ref2[0]],
    ]
    assert outs[0].columns[:9].tolist() == ["chrom", "pos", "id", "ref", "alt", "A.ref", "A.alt", "A.sad", "A.log_odds"]


def test_allele_windows_are_centred_and_indels_shift_the_right_flank(planted):
    g = Genome(planted.fasta)
    codes = planted.codes["chrC"]
    ref, alt = allele_windows(g, Allele("chrC", 3001, ".", "ACG", "A", 1), WINDOW)
    assert np.array_equal(ref, codes[2900:3100])
    assert np.array_equal(alt[:101], codes[2900:3001]) and np.array_equal(alt[101:], codes[3003:3102])
    ref, alt = allele_windows(g, Allele("chrC", 3001, ".", "A", "TTT", 1), WINDOW)
    assert alt[100:103].tolist() == [3, 3, 3] and np.array_equal(alt[103:], codes[3001:3098])


def test_top_variants_carry_mutagenesis_of_the_broken_motif(planted, planted_model, tmp_path):
    planted_vcf(planted, tmp_path / "v.vcf")
    top = tmp_path / "top.json"
    score_vcf(planted_model, str(tmp_path / "v.vcf"), planted.fasta, str(tmp_path / "v.tsv"), top_out=str(top), top_k=3)
    record = json.loads(top.read_text())
    assert record["tasks"] == ["A", "B", "C"] and record["counts"]["scored"] > 0
    for t, task in enumerate("ABC"):
        best = record["top"][task][0]
        assert best["id"].startswith("destroy") and best["sad"] < 0
        ism = np.array(best["ism_ref"])  # (4, 21): changes to the motif's bases lower the task most
        assert ism.shape == (4, 21)
        motif = MOTIFS[t]
        assert motif[len(motif) // 2 - 2 : len(motif) // 2 + 2] in best["seq_ref"]
        assert ism.min(axis=0)[8:13].mean() < ism.min(axis=0)[[0, 1, 19, 20]].mean()
