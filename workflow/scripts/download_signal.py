"""Snakemake adapter: fetch and verify one cell type's coverage bigWig (stored as served)."""

import shutil
from pathlib import Path

from chromcnn.data.download import obtained, record_dict
from chromcnn.data.signal import open_bigwig
from chromcnn.io.atomic import atomic_path, write_json
from chromcnn.runner import run


def main(smk, log):
    p = smk.params
    out = Path(smk.output.data)
    retry = {"retries": p.retries, "backoff_s": p.backoff_s, "timeout_s": p.timeout_s}
    with obtained(p.source, out, p.md5, **retry) as record:
        open_bigwig(str(record.path), label=p.source).close()  # not a bigWig: one line naming the source
        with atomic_path(out) as tmp:
            shutil.copyfile(record.path, tmp)
    log.info("%s signal: %s (%d bytes, md5 %s)", p.name, p.source, record.bytes, record.md5)
    write_json({"name": p.name, **record_dict(record), "path": str(out)}, smk.output.provenance)


run(snakemake, main)  # noqa: F821
