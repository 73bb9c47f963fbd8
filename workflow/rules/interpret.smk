# Interpretation methods, one rule per method entry point. Every output path comes
# from the registry chromcnn.interpret.methods (METHODS); the report rule's inputs
# include **interpret_report_inputs(METHOD_MODELS), so a registered method runs with `rule all`
# on the models it is configured for (common.smk: method_models).
# Today: first-layer filters -> PWMs matched to JASPAR, per model (filter_motifs);
# then clusters across models (filters and MoDISco patterns) and recovery of planted motifs (cluster_motifs).
from chromcnn.interpret import methods as interpret_methods

FILTERS = interpret_methods.FILTERS
interpret_outputs = interpret_methods.outputs
interpret_report_inputs = interpret_methods.report_inputs


rule base_composition:
    input:
        fasta=f"resources/genome/{GENOME}.fa",
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
            FILTERS.file("filters"),
            caption="../report/filters.rst",
            category="Motifs",
            labels={"model": "{model}", "table": "filters"},
        ),
        meme=FILTERS.file("meme"),
        matches=FILTERS.file("matches"),
        untrained=FILTERS.file("untrained"),
        influence=FILTERS.file("influence"),
        status=FILTERS.file("status"),
    log:
        "logs/motifs/{model}.log",
    benchmark:
        "benchmarks/motifs/{model}.tsv"
    conda:
        "../envs/motifs.yaml"
    threads: setting("evaluate", "threads")
    resources:
        gpu=1,
        mem_mb=mem_mb_scaled(8000),
        runtime=runtime_scaled(120),
    params:
        model_id=wildcard("model"),
        device=setting("train", "device"),
        motifs=setting("motifs"),
        seed=setting("seed"),
        config_hash=model_hash_of("motifs"),
    script:
        "../scripts/filter_motifs.py"


rule cluster_motifs:
    input:
        status=FILTERS.files("status", MODELS),
        filters=FILTERS.files("filters", MODELS),
        untrained=FILTERS.files("untrained", MODELS),
        patterns=interpret_methods.ATTRIBUTION.files(
            "patterns", METHOD_MODELS["attribution"]
        ),
        composition=f"resources/genome/{GENOME}.composition.json",
        planted=planted_file(),
        database=motif_database_files(),
    output:
        clusters=report(
            FILTERS.file("clusters"),
            caption="../report/clusters.rst",
            category="Motifs",
            labels={"table": "clusters"},
        ),
        planted=FILTERS.file("planted"),
        specificity=FILTERS.file("specificity"),
    log:
        "logs/motifs/cluster_motifs.log",
    conda:
        "../envs/motifs.yaml"
    threads: setting("evaluate", "threads")
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        models=MODELS,
        pattern_models=METHOD_MODELS["attribution"],
        motifs=setting("motifs"),
        has_planted=has_planted(),
    script:
        "../scripts/cluster_motifs.py"


ATTRIBUTION = interpret_methods.ATTRIBUTION


rule attribution:
    input:
        model="results/models/{model}/model.pt",
        test="results/data/test.h5",
        composition=f"resources/genome/{GENOME}.composition.json",
        database=motif_database_files(),
    output:
        contributions=ATTRIBUTION.file("contributions"),
        ism=ATTRIBUTION.file("ism"),
        modisco=ATTRIBUTION.file("modisco"),
        patterns=ATTRIBUTION.file("patterns"),
        meme=ATTRIBUTION.file("meme"),
        status=ATTRIBUTION.file("status"),
    log:
        "logs/interpret/attribution/{model}.log",
    benchmark:
        "benchmarks/interpret/attribution/{model}.tsv"
    conda:
        "../envs/motifs.yaml"
    threads: setting("train", "threads")  # backward passes, like training
    resources:
        gpu=1,
        mem_mb=mem_mb_scaled(8000),
        runtime=runtime_scaled(240),
    params:
        model_id=wildcard("model"),
        device=setting("train", "device"),
        motifs=setting("motifs"),
        attribution=setting("interpret", "attribution"),
        window=setting("window"),
        seed=setting("seed"),
        config_hash=model_hash_of("motifs", "interpret"),
    script:
        "../scripts/attribution.py"


rule attribution_recovery:
    input:
        status=ATTRIBUTION.files("status", METHOD_MODELS["attribution"]),
        patterns=ATTRIBUTION.files("patterns", METHOD_MODELS["attribution"]),
        planted=planted_file(),
    output:
        planted=ATTRIBUTION.file("planted"),
    log:
        "logs/interpret/attribution/recovery.log",
    conda:
        "../envs/motifs.yaml"
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        models=METHOD_MODELS["attribution"],
        motifs=setting("motifs"),
        has_planted=has_planted(),
    script:
        "../scripts/attribution_recovery.py"
