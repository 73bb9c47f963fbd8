"""Snakemake adapter: fetch, verify, decompress and index the genome."""

from pathlib import Path

from chromcnn.data.download import obtain, record_dict
from chromcnn.data.genome import prepare_genome
from chromcnn.io.atomic import write_json
from chromcnn.runner import run


def main(smk, log):
    p = smk.params
    raw = Path(smk.output.fasta).with_name(f".{Path(smk.output.fasta).name}.download")
    try:
        record = obtain(p.source, raw, p.md5, retries=p.retries, backoff_s=p.backoff_s, timeout_s=p.timeout_s)
        names = prepare_genome(record.path, smk.output.fasta, smk.output.sizes, label=p.source)
    finally:
        raw.unlink(missing_ok=True)
    log.info("genome %s: %d sequences, md5 %s", p.name, len(names), record.md5)
    prov = {"name": "genome", **record_dict(record), "path": smk.output.fasta, "n_sequences": len(names)}
    write_json(prov, smk.output.provenance)


run(snakemake, main)  # noqa: F821
