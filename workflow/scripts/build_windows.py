"""Snakemake adapter: union peaks, labels, negatives and splits -> windows.tsv.gz + qc.json."""

from chromcnn.config.regions import parse_region
from chromcnn.data.dataset import build_windows_table
from chromcnn.data.windows import WindowParams
from chromcnn.io.atomic import write_json
from chromcnn.io.provenance import package_versions, read_provenance
from chromcnn.runner import run


def blacklist_label(files, source: str | None) -> str | None:
    """The blacklist as messages name it: the user's file (the copy under resources/ has
    the same lines), never the internal copy alone."""
    return (source or files[0]) if files else None


def main(smk, log):
    p = smk.params
    params = WindowParams(
        window=p.window,
        merge_mode=p.merge["mode"],
        extend=p.merge_extend,
        min_overlap=p.merge["min_overlap"],
        negatives=p.negatives["mode"],
        ratio=p.negatives["ratio"],
        gc_bins=p.negatives["gc_bins"],
        max_n_fraction=p.max_n_fraction,
        seed=p.seed,
        held_out={k: [parse_region(r) for r in v] for k, v in p.splits.items()},
    )
    peak_files = dict(zip(p.tasks, smk.input.peaks))
    labels = {t: p.sources[t] for t in peak_files}  # the user's files: same lines as the copies
    summary = build_windows_table(
        smk.input.fasta,
        peak_files,
        smk.input.blacklist[0] if smk.input.blacklist else None,
        params,
        smk.output.windows,
        past_end=p.peaks["past_end"],
        max_unknown=p.peaks["max_unknown_fraction"],
        config_file=p.config_file,
        peak_labels=labels,
        max_past_end=p.peaks["max_past_end_fraction"],
        blacklist_label=blacklist_label(smk.input.blacklist, p.blacklist_source),
        genome_label=p.genome_source,
    )
    summary["provenance"] = {
        "config_hash": p.config_hash,
        "packages": package_versions(),
        "inputs": read_provenance(list(smk.input.provenance)),
    }
    write_json(summary, smk.output.qc)
    log.info("windows per split: %s", {k: v["windows"] for k, v in summary["splits"].items()})


run(snakemake, main)  # noqa: F821
