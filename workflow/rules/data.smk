# Union peaks, labels, negatives and splits (windows.tsv.gz + qc.json), a leakage
# check, and one-hot HDF5 per split. Layout: docs/architecture.md.


rule build_windows:
    input:
        fasta=f"resources/genome/{GENOME}.fa",
        peaks=expand("resources/peaks/{cell_type}.bed.gz", cell_type=TASKS),
        blacklist=blacklist_files(),
        provenance=input_provenance(),
    output:
        windows="results/data/windows.tsv.gz",
        qc="results/data/qc.json",
    log:
        "logs/data/build_windows.log",
    benchmark:
        "benchmarks/data/build_windows.tsv"
    conda:
        "../envs/data.yaml"
    resources:
        mem_mb=mem_mb_scaled(4000),
        runtime=runtime_scaled(60),
    params:
        tasks=TASKS,
        sources=peak_sources(),
        window=setting("window"),
        merge_extend=merge_extend_width(),
        merge=setting("merge"),
        negatives=setting("negatives"),
        peaks=setting("peaks"),
        splits=setting("splits"),
        max_n_fraction=setting("max_n_fraction"),
        seed=setting("seed"),
        config_hash=DATA_HASH,
        config_file=untracked(CONFIG_FILE),
        blacklist_source=untracked(setting("genome", "blacklist")),
        genome_source=untracked(setting("genome", "fasta")),
    script:
        "../scripts/build_windows.py"


rule check_splits:
    input:
        windows="results/data/windows.tsv.gz",
    output:
        report="results/data/split_check.json",
    log:
        "logs/data/check_splits.log",
    conda:
        "../envs/data.yaml"
    resources:
        mem_mb=2000,
        runtime=30,
    script:
        "../scripts/check_splits.py"


rule encode_split:
    input:
        windows="results/data/windows.tsv.gz",
        check="results/data/split_check.json",
        fasta=f"resources/genome/{GENOME}.fa",
        genome_provenance=f"resources/genome/{GENOME}.provenance.json",
        signals=signal_files(),
    output:
        h5="results/data/{split}.h5",
    log:
        "logs/data/encode_{split}.log",
    benchmark:
        "benchmarks/data/encode_{split}.tsv"
    conda:
        "../envs/data.yaml"
    threads: 2
    resources:
        mem_mb=mem_mb_scaled(4000),
        runtime=runtime_scaled(60),
    params:
        split=wildcard("split"),
        genome=GENOME,
        window=setting("window"),
        hdf5=setting("hdf5"),
        seed=setting("seed"),
        config_hash=DATA_HASH,
        targets=target_params(),
    script:
        "../scripts/encode_split.py"
