# Inputs named in config.yaml: fetched (http/https/ftp) or verified in place (local
# paths), md5 checked when given and always recorded in a provenance JSON.


# The .fa.fai index is written beside the FASTA but is no declared output: it is a
# cache that readers rebuild when it is missing (chromcnn.data.genome.fasta_index),
# so deleting it reruns nothing downstream.
rule download_genome:
    input:
        genome_input("fasta"),
    output:
        fasta="resources/genome/{genome}.fa",
        sizes="resources/genome/{genome}.chrom.sizes",
        provenance="resources/genome/{genome}.provenance.json",
    log:
        "logs/download/genome_{genome}.log",
    benchmark:
        "benchmarks/download/genome_{genome}.tsv"
    conda:
        "../envs/data.yaml"
    resources:
        mem_mb=1000,
        runtime=120,
    params:
        name=GENOME,
        source=genome_source_of("fasta"),
        md5=setting("genome", "md5"),
        retries=download_setting("retries"),
        backoff_s=download_setting("backoff_s"),
        timeout_s=download_setting("timeout_s"),
    script:
        "../scripts/download_genome.py"


rule download_blacklist:
    input:
        genome_input("blacklist"),
    output:
        data="resources/genome/{genome}.blacklist.bed.gz",
        provenance="resources/genome/{genome}.blacklist.provenance.json",
    log:
        "logs/download/blacklist_{genome}.log",
    conda:
        "../envs/data.yaml"
    resources:
        mem_mb=500,
        runtime=30,
    params:
        name="blacklist",
        source=genome_source_of("blacklist"),
        md5=setting("genome", "blacklist_md5"),
        retries=download_setting("retries"),
        backoff_s=download_setting("backoff_s"),
        timeout_s=download_setting("timeout_s"),
    script:
        "../scripts/download_file.py"


rule download_peaks:
    input:
        peak_input,
    output:
        data="resources/peaks/{cell_type}.bed.gz",
        provenance="resources/peaks/{cell_type}.provenance.json",
    log:
        "logs/download/peaks_{cell_type}.log",
    conda:
        "../envs/data.yaml"
    resources:
        mem_mb=500,
        runtime=30,
    params:
        name=wildcard("cell_type"),
        source=peak_source_of,
        md5=peak_md5_of,
        retries=download_setting("retries"),
        backoff_s=download_setting("backoff_s"),
        timeout_s=download_setting("timeout_s"),
    script:
        "../scripts/download_file.py"


# targets.mode signal: one coverage bigWig per cell type, fetched or verified like the peaks.
rule download_signal:
    input:
        signal_input,
    output:
        data="resources/signal/{cell_type}.bw",
        provenance="resources/signal/{cell_type}.provenance.json",
    log:
        "logs/download/signal_{cell_type}.log",
    conda:
        "../envs/data.yaml"
    resources:
        mem_mb=500,
        runtime=60,
    params:
        name=wildcard("cell_type"),
        source=signal_source_of,
        md5=signal_md5_of,
        retries=download_setting("retries"),
        backoff_s=download_setting("backoff_s"),
        timeout_s=download_setting("timeout_s"),
    script:
        "../scripts/download_signal.py"
