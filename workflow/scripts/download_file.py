"""Snakemake adapter: fetch and verify one peak or blacklist file, stored gzip-compressed."""

import shutil
from pathlib import Path

from chromcnn.data.download import gzip_file, obtained, record_dict
from chromcnn.io.atomic import atomic_path, write_json
from chromcnn.io.sniff import check_text, is_gzip
from chromcnn.runner import run


def main(smk, log):
    p = smk.params
    out = Path(smk.output.data)
    retry = {"retries": p.retries, "backoff_s": p.backoff_s, "timeout_s": p.timeout_s}
    with obtained(p.source, out, p.md5, **retry) as record:
        kind = "blacklist" if p.name == "blacklist" else "peak"
        check_text(record.path, p.source, kind, "BED3+" if kind == "blacklist" else "BED3+ or narrowPeak")
        if is_gzip(record.path):
            with atomic_path(out) as tmp:
                shutil.copyfile(record.path, tmp)
        else:
            gzip_file(record.path, out)
    log.info("%s: %s (%d bytes, md5 %s)", p.name, p.source, record.bytes, record.md5)
    write_json({"name": p.name, **record_dict(record), "path": str(out)}, smk.output.provenance)


run(snakemake, main)  # noqa: F821
