"""Inference and evaluation throughput on CPU: windows/s (BED), variants/s (VCF) and of the
bootstrap, against one forward pass per window.

Times are CPU seconds of this process (``time.process_time``), so figures taken on a
shared, loaded machine stay comparable. The limit is a bare ``model(x)`` on one-hot batches (one strand, no
reading, encoding or writing); the pipeline scores both strands, so its best
possible ratio is about 0.5. Prints windows/s, variants/s and the ratios.

The evaluation's bootstrap (``evaluation.metrics.replicates``: per-task and micro
AUROC/AUPRC, ``--boot`` genomic-block replicates as the evaluate rule draws them)
is timed on the same windows, with the named peer beside it: scikit-learn's
``roc_auc_score`` + ``average_precision_score`` on each resampled index set
(per task; no micro), the usual way to bootstrap these metrics.

    .venv/bin/python bench/bench_predict.py [--arch basset] [--n 4000] [--threads 1]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow" / "scripts"))
from chromcnn import models  # noqa: E402
from chromcnn.config.settings import TrainSettings  # noqa: E402
from chromcnn.data.encode import one_hot  # noqa: E402
from chromcnn.evaluation.metrics import bootstrap_weights, genomic_blocks, replicates  # noqa: E402
from chromcnn.inference import load  # noqa: E402
from chromcnn.inference.model_file import header  # noqa: E402
from chromcnn.inference.scoring import predict_bed  # noqa: E402
from chromcnn.inference.variants import score_vcf  # noqa: E402

WINDOW, TASKS = 300, ["a", "b", "c", "d", "e"]


def setup(root: Path, arch: str, n: int) -> tuple[Path, Path, Path, Path]:
    rng = np.random.default_rng(0)
    length = n * 400 + 1000
    seq = np.frombuffer(b"ACGT", np.uint8)[rng.integers(0, 4, length)].tobytes().decode()
    fasta = root / "g.fa"
    fasta.write_text(">chr1\n" + "".join(seq[i : i + 60] + "\n" for i in range(0, length, 60)))
    starts = 500 + 400 * np.arange(n)
    (root / "r.bed").write_text("".join(f"chr1\t{s}\t{s + WINDOW}\n" for s in starts))
    lines = [
        f"chr1\t{s + 151}\tv{i}\t{seq[s + 150]}\t{'ACGT'[('ACGT'.index(seq[s + 150]) + 1) % 4]}\t.\t.\t.\n"
        for i, s in enumerate(starts)
    ]
    (root / "v.vcf").write_text(
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n" + "".join(lines)
    )
    s = TrainSettings(arch=arch, hparams={})
    torch.manual_seed(0)
    net = models.build(arch, len(TASKS), WINDOW)
    record = {**header(s, TASKS, WINDOW), "settings": {}, "state_dict": net.state_dict()}
    torch.save(record, root / "model.pt")
    return fasta, root / "r.bed", root / "v.vcf", root / "model.pt"


def bare_forward(model, codes: np.ndarray, batch: int) -> float:
    """Seconds for one forward pass per window (one strand) on ready one-hot batches."""
    x = torch.from_numpy(one_hot(codes)).float()
    t = time.process_time()
    with torch.no_grad():
        for i in range(0, len(x), batch):
            model(x[i : i + batch])
    return time.process_time() - t


def bootstrap_rates(n: int, n_boot: int, tasks: int = len(TASKS)) -> tuple[float, float]:
    """CPU seconds of ``n_boot`` block-bootstrap replicates of n windows x ``tasks``: ours, scikit-learn's.

    Labels at 30% prevalence, scores correlated with them; 100 kb blocks of
    windows 400 bp apart (250 windows a block), as the evaluate rule draws them.
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    rng = np.random.default_rng(2)
    y = (rng.random((n, tasks)) < 0.3).astype(np.uint8)
    scores = (y + rng.normal(0, 1, y.shape)).astype(np.float32)
    blocks = genomic_blocks(np.full(n, "chr1"), 400 * np.arange(n), 100_000)
    t = time.process_time()
    replicates(y, scores, n_boot, 1, blocks)
    ours = time.process_time() - t
    t = time.process_time()
    for w in bootstrap_weights(n, n_boot, 1, blocks):
        for row in w:
            idx = np.repeat(np.arange(n), row.astype(np.int64))
            for j in range(tasks):
                roc_auc_score(y[idx, j], scores[idx, j])
                average_precision_score(y[idx, j], scores[idx, j])
    return ours, time.process_time() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arch", default="basset")
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--boot", type=int, default=1000, help="bootstrap replicates (the evaluate rule's default)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    with tempfile.TemporaryDirectory() as tmp:
        fasta, bed, vcf, path = setup(Path(tmp), a.arch, a.n)
        model = load(path)
        t = time.process_time()
        predict_bed(model, str(bed), str(fasta), str(Path(tmp) / "p.tsv.gz"), batch_size=a.batch)
        t_bed = time.process_time() - t
        t = time.process_time()
        score_vcf(model, str(vcf), str(fasta), str(Path(tmp) / "v.tsv.gz"), top_k=0, batch_size=a.batch)
        t_vcf = time.process_time() - t
        codes = np.random.default_rng(1).integers(0, 4, (a.n, WINDOW)).astype(np.uint8)
        t_fwd = bare_forward(model.model, codes, a.batch)
    t_boot, t_sk = bootstrap_rates(a.n, a.boot)
    limit = a.n / t_fwd
    print(f"{a.arch}, window {WINDOW}, {a.n} windows/variants, {a.threads} thread(s), batch {a.batch}, CPU seconds")
    print(f"bare forward (1 strand): {limit:,.0f} windows/s  (the limit)")
    print(f"predict (BED, 2 strands): {a.n / t_bed:,.0f} windows/s = {a.n / t_bed / limit:.2f} x limit")
    print(
        f"variants (VCF, ref+alt, 2 strands): {a.n / t_vcf:,.0f} variants/s = {a.n / t_vcf / limit:.2f} x limit"
        f" (4 forward passes per variant: best 0.25)"
    )
    print(
        f"bootstrap ({a.boot} block replicates, {len(TASKS)} tasks + micro): {a.n / t_boot:,.0f} windows/s"
        f" = {a.n / t_boot / limit:.2f} x limit; scikit-learn per replicate (no micro): {a.n / t_sk:,.0f} windows/s"
        f" (ours {t_sk / t_boot:.1f}x faster)"
    )


if __name__ == "__main__":
    main()
