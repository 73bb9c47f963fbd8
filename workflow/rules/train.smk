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
        mem_mb=lambda wc, attempt: config["train"]["mem_mb"] * attempt,
        runtime=lambda wc, attempt: config["train"]["runtime"] * attempt,
    params:
        settings=lambda wc: train_settings(wc.model),
        seqgra=config["train"]["seqgra"],
        tasks=TASKS,
        window=config["window"],
        model_id=lambda wc: wc.model,
        config_hash=lambda wc: model_hash(wc.model),
    script:
        "../scripts/train_model.py"
