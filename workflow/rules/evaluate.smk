# Test-split metrics per model (and of the planted-motif oracle when motifs.planted is
# set; in signal mode also the GC-only regression), then macro/micro summary and paired comparison.


rule evaluate:
    input:
        model="results/models/{model}/model.pt",
        test="results/data/test.h5",
        train="results/data/train.h5",  # profile mode: the mean-profile baseline
    output:
        metrics="results/evaluation/{model}/metrics.tsv",
        predictions="results/evaluation/{model}/predictions.npz",
        record="results/evaluation/{model}/evaluation.json",
    log:
        "logs/evaluate/{model}.log",
    benchmark:
        "benchmarks/evaluate/{model}.tsv"
    conda:
        "../envs/motifs.yaml"
    threads: setting("evaluate", "threads")
    resources:
        mem_mb=mem_mb_scaled(4000),
        runtime=runtime_scaled(60),
    params:
        model_id=wildcard("model"),
        device=setting("train", "device"),
        batch_size=setting("evaluate", "batch_size"),
        rc_average=setting("evaluate", "rc_average"),
        bootstrap=setting("evaluate", "bootstrap"),
        block_bp=setting("evaluate", "block_bp"),
        ci=setting("evaluate", "ci"),
        seed=setting("seed"),
        config_hash=model_hash_of("evaluate"),
    script:
        "../scripts/evaluate_model.py"


rule oracle:
    input:
        train="results/data/train.h5",
        test="results/data/test.h5",
        planted=planted_file(),
        composition=f"resources/genome/{GENOME}.composition.json",
        database=motif_database_files(),
    output:
        metrics="results/evaluation/oracle/metrics.tsv",
        predictions="results/evaluation/oracle/predictions.npz",
        record="results/evaluation/oracle/evaluation.json",
    log:
        "logs/evaluate/oracle.log",
    benchmark:
        "benchmarks/evaluate/oracle.tsv"
    conda:
        "../envs/motifs.yaml"
    threads: setting("evaluate", "threads")
    resources:
        mem_mb=mem_mb_scaled(4000),
        runtime=runtime_scaled(60),
    params:
        motifs=oracle_settings(),
        batch_size=setting("evaluate", "batch_size"),
        bootstrap=setting("evaluate", "bootstrap"),
        block_bp=setting("evaluate", "block_bp"),
        ci=setting("evaluate", "ci"),
        seed=setting("seed"),
        config_hash=oracle_hash(),
    script:
        "../scripts/oracle.py"


rule gc_regression:
    input:
        train="results/data/train.h5",
        test="results/data/test.h5",
    output:
        metrics="results/evaluation/gc_only/metrics.tsv",
        predictions="results/evaluation/gc_only/predictions.npz",
        record="results/evaluation/gc_only/evaluation.json",
    log:
        "logs/evaluate/gc_only.log",
    benchmark:
        "benchmarks/evaluate/gc_only.tsv"
    conda:
        "../envs/motifs.yaml"
    threads: setting("evaluate", "threads")
    resources:
        mem_mb=mem_mb_scaled(4000),
        runtime=runtime_scaled(60),
    params:
        batch_size=setting("evaluate", "batch_size"),
        bootstrap=setting("evaluate", "bootstrap"),
        block_bp=setting("evaluate", "block_bp"),
        ci=setting("evaluate", "ci"),
        seed=setting("seed"),
        config_hash=gc_regression_hash(),
    script:
        "../scripts/gc_regression.py"


rule compare_models:
    input:
        predictions=expand(
            "results/evaluation/{model}/predictions.npz",
            model=MODELS + reference_models(),
        ),
    output:
        summary=report(
            "results/evaluation/summary.tsv",
            caption="../report/summary.rst",
            category="Evaluation",
            labels={"table": "summary"},
        ),
        comparison=report(
            "results/evaluation/comparison.tsv",
            caption="../report/comparison.rst",
            category="Evaluation",
            labels={"table": "paired comparison"},
        ),
        seeds="results/evaluation/seeds.tsv",
        variants="results/evaluation/variant_comparison.tsv",
    log:
        "logs/evaluate/compare_models.log",
    conda:
        "../envs/motifs.yaml"
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        models=MODELS + reference_models(),
        ci=setting("evaluate", "ci"),
        multiple_testing=setting("compare", "multiple_testing"),
        seed=setting("seed"),
    script:
        "../scripts/compare_models.py"
