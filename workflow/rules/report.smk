# results/report.html: one self-contained page (images inline, no network).


rule report:
    input:
        **interpret_report_inputs(METHOD_MODELS),
        **inference_report_inputs(),
        qc="results/data/qc.json",
        composition=f"resources/genome/{GENOME}.composition.json",
        histories=expand("results/models/{model}/history.tsv", model=MODELS),
        metrics=expand("results/evaluation/{model}/metrics.tsv", model=MODELS),
        predictions=expand("results/evaluation/{model}/predictions.npz", model=MODELS),
        oracle_metrics=expand(
            "results/evaluation/{model}/metrics.tsv", model=oracle_models()
        ),
        oracle_predictions=expand(
            "results/evaluation/{model}/predictions.npz", model=oracle_models()
        ),
        summary="results/evaluation/summary.tsv",
        comparison="results/evaluation/comparison.tsv",
        seeds="results/evaluation/seeds.tsv",
        variants="results/evaluation/variant_comparison.tsv",
    output:
        html=report(
            "results/report.html",
            caption="../report/report.rst",
            category="Report",
            labels={"page": "chromcnn report"},
        ),
    log:
        "logs/report.log",
    conda:
        "../envs/report.yaml"
    threads: setting("report", "threads")
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        models=MODELS,
        settings=all_train_settings(),
        has_planted=has_planted(),
        config_hash=report_hash(),
        database=motif_database_label(),
        logos_per_model=setting("report", "logos_per_model"),
        qvalue=setting("motifs", "qvalue"),
        multiple_testing=setting("compare", "multiple_testing"),
    script:
        "../scripts/make_report.py"
