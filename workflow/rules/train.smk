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
    threads: setting("train", "threads")
    resources:
        gpu=1,
        mem_mb=mem_mb_scaled(setting("train", "mem_mb")),
        runtime=runtime_scaled(setting("train", "runtime")),
    params:
        settings=train_settings_of(),
        seqgra=seqgra_path_of(),
        tasks=TASKS,
        model_id=wildcard("model"),
        config_hash=model_hash_of(),
    script:
        "../scripts/train_model.py"
