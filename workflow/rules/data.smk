# Union peaks, labels, negatives and splits (windows.tsv.gz + qc.json), a leakage
# check, and one-hot HDF5 per split. Layout: ../shared/DESIGN.md.


rule build_windows:
    input:
        fasta=f"resources/genome/{GENOME}.fa",
        fai=f"resources/genome/{GENOME}.fa.fai",
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
        mem_mb=lambda wc, attempt: 4000 * attempt,
        runtime=lambda wc, attempt: 60 * attempt,
    params:
        tasks=TASKS,
        sources={t: peak_source(config, t)[0] for t in TASKS},
        window=config["window"],
        merge_extend=merge_extend(config),
        merge=config["merge"],
        negatives=config["negatives"],
        peaks=config["peaks"],
        splits=config["splits"],
        max_n_fraction=config["max_n_fraction"],
        seed=config["seed"],
        config_hash=DATA_HASH,
        config_file=CONFIG_FILE,
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
        fai=f"resources/genome/{GENOME}.fa.fai",
        genome_provenance=f"resources/genome/{GENOME}.provenance.json",
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
        mem_mb=lambda wc, attempt: 4000 * attempt,
        runtime=lambda wc, attempt: 60 * attempt,
    params:
        split=lambda wc: wc.split,
        genome=GENOME,
        window=config["window"],
        hdf5=config["hdf5"],
        config_hash=DATA_HASH,
    script:
        "../scripts/encode_split.py"
