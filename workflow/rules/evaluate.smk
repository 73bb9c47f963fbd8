# Test-split metrics per model, then macro/micro summary and paired comparison.


rule evaluate:
    input:
        model="results/models/{model}/model.pt",
        test="results/data/test.h5",
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
    threads: config["evaluate"]["threads"]
    resources:
        mem_mb=mem_mb_scaled(4000),
        runtime=runtime_scaled(60),
    params:
        model_id=wildcard("model"),
        device=config["train"]["device"],
        batch_size=config["evaluate"]["batch_size"],
        rc_average=config["evaluate"]["rc_average"],
        bootstrap=config["evaluate"]["bootstrap"],
        ci=config["evaluate"]["ci"],
        seed=config["seed"],
        config_hash=lambda wc: model_hash(wc.model, "evaluate"),  # TODO(lead): model_hash_of("evaluate")
    script:
        "../scripts/evaluate_model.py"


rule compare_models:
    input:
        predictions=expand("results/evaluation/{model}/predictions.npz", model=MODELS),
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
    log:
        "logs/evaluate/compare_models.log",
    conda:
        "../envs/motifs.yaml"
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        models=MODELS,
        ci=config["evaluate"]["ci"],
    script:
        "../scripts/compare_models.py"
