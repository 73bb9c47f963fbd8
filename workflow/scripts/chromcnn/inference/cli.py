"""``chromcnn``: ask a trained model about new regions, sequences, loci and variants.

Installed by ``bash setup.sh`` as ``.venv/bin/chromcnn``::

    chromcnn predict  MODEL.pt --bed regions.bed --genome genome.fa --out preds.tsv.gz
    chromcnn predict  MODEL.pt --fasta seqs.fa --out preds.tsv
    chromcnn variants MODEL.pt --vcf calls.vcf.gz --genome genome.fa --out effects.tsv.gz
    chromcnn tracks   MODEL.pt --genome genome.fa --chroms chr2 --stride 50 --out-dir tracks/

Bad input stops with one line (``chromcnn error: FILE:LINE: problem. Fix: ...``)
and exit status 1, leaving no partial output.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import torch

from chromcnn.errors import InputError

DESCRIPTION = """Use a trained chromcnn model (a results/models/*/model.pt file) on new data.
Outputs are probabilities per task (cell type), the mean over both strands unless
--single-strand is given. Every output is written under a temporary name and renamed
when complete."""

PREDICT = """Score regions (BED) or sequences (FASTA). Each region or sequence up to the model's
window gets one window of that size centred on it; longer ones are tiled with adjacent windows
(named NAME:1, NAME:2, ...) centred as a block; bases off a chromosome or sequence are N.
--resize exact instead requires every region to be exactly the model's window.
Output TSV columns: name, chrom, start, end (of the window scored), one column per task."""

VARIANTS = """Score SNVs and short indels of a VCF (plain or bgzip): reference and alternative
windows centred on the variant. Multi-allelic records are split; symbolic/structural alleles
and alleles longer than --max-indel are skipped and counted; REF alleles are checked against
the genome. Output TSV columns: chrom, pos, id, ref, alt, then per task TASK.ref, TASK.alt,
TASK.sad (alt - ref) and TASK.log_odds (change in log-odds)."""

TRACKS = """Slide the model along regions (--bed) or whole chromosomes (--chroms; default: the
whole genome) at --stride bp and write one bigWig per task, OUT_DIR/TASK.bw. The value of the
bin centred at c is the prediction for the window centred at c."""


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", metavar="MODEL.pt", help="self-describing model file written by the pipeline")
    p.add_argument("--device", default="auto", help="auto (GPU when present), cpu, cuda, cuda:1 (default: auto)")
    p.add_argument("--batch-size", type=int, default=256, help="windows per forward pass (default: 256)")
    p.add_argument("--single-strand", action="store_true", help="score the given strand only (no strand averaging)")
    p.add_argument("--threads", type=int, default=0, help="CPU threads for torch (default: torch's choice)")
    p.add_argument("-q", "--quiet", action="store_true", help="print errors only")


def parser() -> argparse.ArgumentParser:
    """The ``chromcnn`` argument parser (subcommands predict, variants, tracks)."""
    top = argparse.ArgumentParser(prog="chromcnn", description=DESCRIPTION)
    sub = top.add_subparsers(dest="command", required=True, metavar="{predict,variants,tracks}")
    p = sub.add_parser("predict", help="score regions (BED) or sequences (FASTA)", description=PREDICT)
    _common(p)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--bed", help="BED of regions (plain or gzip); needs --genome")
    src.add_argument("--fasta", help="FASTA of sequences (plain or gzip), any length")
    p.add_argument("--genome", help="genome FASTA (plain or bgzip; indexed on first use)")
    p.add_argument("--resize", choices=["centre", "exact"], default="centre", help="(default: centre)")
    p.add_argument("--out", required=True, help="output TSV (gzip when it ends in .gz)")
    v = sub.add_parser("variants", help="score the variants of a VCF", description=VARIANTS)
    _common(v)
    v.add_argument("--vcf", required=True, help="VCF, plain or bgzip")
    v.add_argument("--genome", required=True, help="genome FASTA the VCF was called on")
    v.add_argument("--out", required=True, help="output TSV (gzip when it ends in .gz)")
    v.add_argument("--max-indel", type=int, default=50, help="longest REF or ALT scored, bp (default: 50)")
    v.add_argument(
        "--max-ref-mismatch", type=float, default=0.05, help="fraction of REF alleles allowed to differ (default: 0.05)"
    )
    v.add_argument("--top", help="also write the top variants per task with their mutagenesis (JSON)")
    t = sub.add_parser("tracks", help="bigWig tracks of every task along loci", description=TRACKS)
    _common(t)
    t.add_argument("--genome", required=True, help="genome FASTA")
    where = t.add_mutually_exclusive_group()
    where.add_argument("--bed", help="BED of regions to cover")
    where.add_argument("--chroms", help="comma-separated chromosomes to cover whole")
    t.add_argument("--stride", type=int, default=50, help="bp between window centres = bin width (default: 50)")
    t.add_argument("--out-dir", required=True, help="folder for TASK.bw files")
    return top


def _device(requested: str) -> torch.device:
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(requested)


def run(args: argparse.Namespace) -> dict:
    """Run one parsed command; returns its summary."""
    from chromcnn.inference import load
    from chromcnn.inference.scoring import predict_bed, predict_fasta
    from chromcnn.inference.tracks import write_tracks
    from chromcnn.inference.variants import score_vcf

    if not Path(args.model).is_file():
        raise InputError(
            "model file not found", "give a model.pt the pipeline wrote (results/models/*/model.pt)", args.model
        )
    device = _device(args.device)
    model = load(args.model, device)
    kw = {"device": device, "rc_average": not args.single_strand, "batch_size": args.batch_size}
    if args.command == "predict":
        if args.bed:
            if not args.genome:
                raise InputError("--bed needs --genome", "give the genome FASTA the BED's coordinates refer to")
            return predict_bed(model, args.bed, args.genome, args.out, resize=args.resize, **kw)
        return predict_fasta(model, args.fasta, args.out, resize=args.resize, **kw)
    if args.command == "variants":
        return score_vcf(
            model,
            args.vcf,
            args.genome,
            args.out,
            top_out=args.top,
            max_indel=args.max_indel,
            max_ref_mismatch=args.max_ref_mismatch,
            **kw,
        )
    chroms = args.chroms.split(",") if args.chroms else None
    outputs = {task: str(Path(args.out_dir) / f"{task}.bw") for task in model.tasks}
    return write_tracks(model, args.genome, outputs, bed=args.bed, chroms=chroms, stride=args.stride, **kw)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``.venv/bin/chromcnn``; returns the exit status."""
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.ERROR if args.quiet else logging.INFO, format="chromcnn: %(message)s")
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        summary = run(args)
    except InputError as err:
        print(f"chromcnn error: {err.one_line()}", file=sys.stderr)
        return 1
    if not args.quiet:
        print("chromcnn: " + ", ".join(f"{k} {v}" for k, v in summary.items()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
