"""Snakemake adapter: prove with bedtools that no window of one split overlaps another split."""

from chromcnn.data.splits import leakage_report
from chromcnn.errors import InputError
from chromcnn.io.atomic import write_json
from chromcnn.runner import run


def main(smk, log):
    report = leakage_report(smk.input.windows)
    leaks = {k: v for k, v in report.items() if k != "n" and v}
    report["ok"] = not leaks
    log.info("split overlap check: %s", report)
    if leaks:
        raise InputError(
            f"windows overlap across splits: {leaks}",
            "this is a bug in the split assignment; report it with your config.yaml",
            path=smk.input.windows,
        )
    write_json(report, smk.output.report)


run(snakemake, main)  # noqa: F821
