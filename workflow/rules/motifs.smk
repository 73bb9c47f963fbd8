# First-layer filters -> PWMs matched to JASPAR, per model; then clusters across
# models and recovery of planted motifs.


rule base_composition:
    input:
        fasta=f"resources/genome/{GENOME}.fa",
        fai=f"resources/genome/{GENOME}.fa.fai",
    output:
        json=f"resources/genome/{GENOME}.composition.json",
    log:
        "logs/motifs/base_composition.log",
    conda:
        "../envs/data.yaml"
    resources:
        mem_mb=2000,
        runtime=30,
    script:
        "../scripts/base_composition.py"


rule filter_motifs:
    input:
        model="results/models/{model}/model.pt",
        test="results/data/test.h5",
        composition=f"resources/genome/{GENOME}.composition.json",
        database=motif_database_files(),
    output:
        filters=report(
            "results/motifs/{model}/filters.tsv",
            caption="../report/filters.rst",
            category="Motifs",
            labels={"model": "{model}", "table": "filters"},
        ),
        meme="results/motifs/{model}/filters.meme",
        matches="results/motifs/{model}/matches.tsv",
        influence="results/motifs/{model}/influence.tsv",
        status="results/motifs/{model}/status.json",
    log:
        "logs/motifs/{model}.log",
    benchmark:
        "benchmarks/motifs/{model}.tsv"
    conda:
        "../envs/motifs.yaml"
    threads: config["evaluate"]["threads"]
    resources:
        gpu=1,
        mem_mb=lambda wc, attempt: 8000 * attempt,
        runtime=lambda wc, attempt: 120 * attempt,
    params:
        model_id=lambda wc: wc.model,
        seqgra=config["train"]["seqgra"],
        device=config["train"]["device"],
        motifs=config["motifs"],
        seed=config["seed"],
        config_hash=lambda wc: model_hash(wc.model, "motifs"),
    script:
        "../scripts/filter_motifs.py"


rule cluster_motifs:
    input:
        status=expand("results/motifs/{model}/status.json", model=MODELS),
        filters=expand("results/motifs/{model}/filters.tsv", model=MODELS),
        planted=planted_file(),
        database=motif_database_files(),
    output:
        clusters=report(
            "results/motifs/clusters.tsv",
            caption="../report/clusters.rst",
            category="Motifs",
            labels={"table": "clusters"},
        ),
        planted="results/motifs/planted_recovery.tsv",
    log:
        "logs/motifs/cluster_motifs.log",
    conda:
        "../envs/motifs.yaml"
    threads: config["evaluate"]["threads"]
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        models=MODELS,
        motifs=config["motifs"],
        has_planted=bool(config["motifs"]["planted"]),
    script:
        "../scripts/cluster_motifs.py"
