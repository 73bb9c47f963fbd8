# One training job per model id {name}-s{seed}: GPU when the node has one, else CPU.


rule train:
    input:
        train="results/data/train.h5",
        valid="results/data/valid.h5",
    output:
        model="results/models/{model}/model.pt",
        history="results/models/{model}/history.tsv",
    log:
        "logs/train/{model}.log",
    benchmark:
        "benchmarks/train/{model}.tsv"
    conda:
        "../envs/torch.yaml"
    threads: config["train"]["threads"]
    resources:
        gpu=1,
        mem_mb=mem_mb_scaled(config["train"]["mem_mb"]),
        runtime=runtime_scaled(config["train"]["runtime"]),
    params:
        # TODO(lead): named helpers in common.smk for the three lambdas below
        settings=lambda wc: train_settings(wc.model),
        seqgra=lambda wc: config["train"]["seqgra"].get(SETTINGS[wc.model].arch, ""),
        tasks=TASKS,
        model_id=wildcard("model"),
        config_hash=lambda wc: model_hash(wc.model),
    script:
        "../scripts/train_model.py"
