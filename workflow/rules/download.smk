# Inputs named in config.yaml: fetched (http/https/ftp) or verified in place (local
# paths), md5 checked when given and always recorded in a provenance JSON.


rule download_genome:
    input:
        local_input(config["genome"]["fasta"]),
    output:
        fasta="resources/genome/{genome}.fa",
        fai="resources/genome/{genome}.fa.fai",
        sizes="resources/genome/{genome}.chrom.sizes",
        provenance="resources/genome/{genome}.provenance.json",
    params:
        name=GENOME,
        source=config["genome"]["fasta"],
        md5=config["genome"]["md5"],
        retries=download_params()["retries"],
        backoff_s=download_params()["backoff_s"],
        timeout_s=download_params()["timeout_s"],
    log:
        "logs/download/genome_{genome}.log",
    benchmark:
        "benchmarks/download/genome_{genome}.tsv"
    resources:
        mem_mb=1000,
        runtime=120,
    conda:
        "../envs/data.yaml"
    script:
        "../scripts/download_genome.py"


rule download_blacklist:
    input:
        local_input(config["genome"]["blacklist"]),
    output:
        data="resources/genome/{genome}.blacklist.bed.gz",
        provenance="resources/genome/{genome}.blacklist.provenance.json",
    params:
        name="blacklist",
        source=config["genome"]["blacklist"],
        md5=config["genome"]["blacklist_md5"],
        retries=download_params()["retries"],
        backoff_s=download_params()["backoff_s"],
        timeout_s=download_params()["timeout_s"],
    log:
        "logs/download/blacklist_{genome}.log",
    resources:
        mem_mb=500,
        runtime=30,
    conda:
        "../envs/data.yaml"
    script:
        "../scripts/download_file.py"


rule download_peaks:
    input:
        lambda wc: local_input(peak_source_of(wc)),
    output:
        data="resources/peaks/{cell_type}.bed.gz",
        provenance="resources/peaks/{cell_type}.provenance.json",
    params:
        name=lambda wc: wc.cell_type,
        source=peak_source_of,
        md5=peak_md5_of,
        retries=download_params()["retries"],
        backoff_s=download_params()["backoff_s"],
        timeout_s=download_params()["timeout_s"],
    log:
        "logs/download/peaks_{cell_type}.log",
    resources:
        mem_mb=500,
        runtime=30,
    conda:
        "../envs/data.yaml"
    script:
        "../scripts/download_file.py"
