# Using trained models on new inputs: regions and sequences (predict), VCF variant
# effects (variants) and bigWig tracks (tracks). Nothing runs when the sections are absent.


rule predict_set:
    input:
        model="results/models/{model}/model.pt",
        source=predict_source,
        genome=f"resources/genome/{GENOME}.fa",
    output:
        "results/predict/{model}/{name}.tsv.gz",
    log:
        "logs/predict/{model}/{name}.log",
    benchmark:
        "benchmarks/predict/{model}/{name}.tsv"
    conda:
        "../envs/motifs.yaml"
    threads: setting("evaluate", "threads")
    resources:
        mem_mb=mem_mb_scaled(4000),
        runtime=runtime_scaled(60),
    params:
        kind=predict_kind,
        device=setting("train", "device"),
        batch_size=setting("evaluate", "batch_size"),
        rc_average=setting("predict", "rc_average"),
        config_hash=inference_hash_of("predict"),
    script:
        "../scripts/predict_set.py"


rule variant_effects:
    input:
        model="results/models/{model}/model.pt",
        vcf=vcf_source,
        genome=f"resources/genome/{GENOME}.fa",
    output:
        table="results/variants/{model}/{name}.tsv.gz",
        top="results/variants/{model}/{name}.top.json",
    log:
        "logs/variants/{model}/{name}.log",
    benchmark:
        "benchmarks/variants/{model}/{name}.tsv"
    conda:
        "../envs/motifs.yaml"
    threads: setting("evaluate", "threads")
    resources:
        mem_mb=mem_mb_scaled(4000),
        runtime=runtime_scaled(120),
    params:
        device=setting("train", "device"),
        batch_size=setting("evaluate", "batch_size"),
        max_indel=setting("variants", "max_indel"),
        max_ref_mismatch=setting("variants", "max_ref_mismatch"),
        top=setting("variants", "top"),
        config_hash=inference_hash_of("variants"),
    script:
        "../scripts/variant_effects.py"


rule tracks:
    input:
        model="results/models/{model}/model.pt",
        regions=tracks_regions(),
        genome=f"resources/genome/{GENOME}.fa",
    output:
        tracks_outputs(),
    log:
        "logs/tracks/{model}.log",
    benchmark:
        "benchmarks/tracks/{model}.tsv"
    conda:
        "../envs/motifs.yaml"
    threads: setting("evaluate", "threads")
    resources:
        mem_mb=mem_mb_scaled(4000),
        runtime=runtime_scaled(120),
    params:
        tasks=TASKS,
        chromosomes=setting("tracks", "chromosomes"),
        stride=setting("tracks", "stride"),
        device=setting("train", "device"),
        batch_size=setting("evaluate", "batch_size"),
        config_hash=inference_hash_of("tracks"),
    script:
        "../scripts/make_tracks.py"
