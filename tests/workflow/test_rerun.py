"""Stage hashes: a config change reruns only the jobs that read it.

The outputs of a small demo config (two architectures, one named variant of basset,
two seqgra models) are
marked up to date without running anything (``snakemake --touch`` records each
job's metadata; the files are then created with one common mtime). Each case
changes one thing and a dry run with the default rerun triggers (mtime, params,
input, code, software-env) lists the jobs Snakemake would run.
"""

from __future__ import annotations

import base64
import copy
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from workflow_helpers import copy_project, demo_config, run_env, snakemake_command

pytestmark = pytest.mark.slow  # Snakemake dry runs: a minute or more (slow tier)

PER_MODEL = ("train", "evaluate", "filter_motifs", "attribution")
ACROSS_MODELS = {"compare_models", "cluster_motifs", "attribution_recovery", "report", "all"}


def reruns_of(*models: str) -> set[str]:
    """The jobs a change to ``models`` alone must rerun."""
    return {f"{rule}[model={m}]" for rule in PER_MODEL for m in models} | ACROSS_MODELS


def listed_jobs(text: str) -> set[str]:
    """``rule[wildcards]`` of every job a dry run lists."""
    jobs, current = set(), None
    for line in text.splitlines():
        if match := re.match(r"^(?:local)?rule (\w+):$", line):
            jobs.add(current)
            current = match[1]
        elif (match := re.match(r"^\s+wildcards: (.+)$", line)) and current:
            current = f"{current}[{match[1]}]"
    return (jobs | {current}) - {None}


def start(project: Path, workdir: Path, cfg: dict, name: str, *args: str) -> subprocess.Popen:
    """Start snakemake on ``cfg``, written to a file of its own (the file's name is not tracked)."""
    path = workdir.parent / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    cmd = snakemake_command(workdir, path, "--nolock", *args, project=project)
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=run_env())


def finish(proc: subprocess.Popen) -> str:
    """The output of a started snakemake, which must succeed."""
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out
    return out


def create_recorded_outputs(workdir: Path) -> None:
    """Create every output whose metadata ``--touch`` recorded, all with one mtime."""
    meta = workdir / ".snakemake" / "metadata"
    names = [str(p.relative_to(meta)).replace(os.sep, "") for p in meta.rglob("*") if p.is_file()]
    now = time.time()
    for name in names:
        out = workdir / base64.urlsafe_b64decode(name).decode()
        out.parent.mkdir(parents=True, exist_ok=True)
        out.touch()
        os.utime(out, (now, now))


@pytest.fixture(scope="module")
def touched(tmp_path_factory):
    """(project copy, workdir, base config) with every output up to date."""
    root = tmp_path_factory.mktemp("rerun")
    project = copy_project(root / "project")
    xml = project / "workflow" / "models" / "seqgra"
    seqgra = {"sg_a": str(xml / "basset.xml"), "sg_b": str(xml / "deepsea.xml")}
    variants = {"basset_exp": {"arch": "basset", "hparams": {"first_activation": "exp"}}}
    cfg = demo_config(train={"architectures": ["basset", "deepbind"], "models": variants, "seqgra": seqgra})
    cfg["interpret"]["attribution"]["models"] = None  # every model
    workdir = root / "w"
    workdir.mkdir()
    (workdir / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    finish(start(project, workdir, cfg, "base", "--touch"))
    create_recorded_outputs(workdir)
    return project, workdir, cfg


def changed(base: dict, **changes) -> dict:
    """``base`` with ``changes`` (section -> updated keys)."""
    cfg = copy.deepcopy(base)
    for section, values in changes.items():
        cfg[section] = {**cfg.get(section, {}), **values}
    return cfg


def with_cell_type(base: dict, root: Path) -> dict:
    """``base`` plus a sixth cell type (its own peak file) and the seqgra models relabelled for six tasks."""
    peaks = root / "new_peaks.narrowPeak.gz"
    shutil.copyfile(next(iter(base["cell_types"].values())), peaks)
    seqgra = {}
    for name, xml in base["train"]["seqgra"].items():
        folder = root / f"seqgra6_{name}"
        shutil.copytree(Path(xml).parent, folder, dirs_exist_ok=True)
        copy = folder / Path(xml).name
        copy.write_text(copy.read_text().replace('max="5"', 'max="6"'))
        seqgra[name] = str(copy)
    cfg = changed(base, train={"seqgra": seqgra})
    cfg["cell_types"] = {**base["cell_types"], "newcell": str(peaks)}
    return cfg


def with_new_section(project: Path) -> Path:
    """A copy of ``project`` whose schema has a new top-level section ``extra``."""
    copy = copy_project(project.parent / "project_extra")
    schema = copy / "workflow" / "schemas" / "config.schema.yaml"
    spec = yaml.safe_load(schema.read_text())
    spec["properties"]["extra"] = {"type": "object", "description": "A new section.", "default": {}}
    schema.write_text(yaml.safe_dump(spec, sort_keys=False))
    return copy


@pytest.fixture(scope="module")
def listed(touched):
    """Case -> the jobs its dry run lists (the dry runs go concurrently)."""
    project, workdir, base = touched
    train = base["train"]
    cases = {
        "unchanged": (project, base),
        "download": (project, changed(base, download={"retries": 9, "backoff_s": 0.5, "timeout_s": 5})),
        "overrides": (project, changed(base, train={"overrides": {**train["overrides"], "basset": {"lr": 0.01}}})),
        "variant": (
            project,
            changed(base, train={"models": {"basset_exp": {**train["models"]["basset_exp"], "lr": 0.01}}}),
        ),
        "variant_add": (
            project,
            changed(base, train={"models": {**train["models"], "basset_relu": {"arch": "basset"}}}),
        ),
        "seqgra_add": (project, changed(base, train={"seqgra": {**train["seqgra"], "sg_c": train["seqgra"]["sg_a"]}})),
        "evaluate": (project, changed(base, evaluate={"bootstrap": 10})),
        "new_section": (with_new_section(project), changed(base, extra={"answer": 42})),
        "cell_type_add": (project, with_cell_type(base, workdir.parent)),
        "motifs": (project, changed(base, motifs={"qvalue": 0.01})),
        "interpret": (project, changed(base, interpret={"attribution": {"n_windows": 50}})),
    }
    procs = {name: start(proj, workdir, cfg, name, "-n") for name, (proj, cfg) in cases.items()}
    return {name: listed_jobs(finish(proc)) for name, proc in procs.items()}


def test_touched_outputs_are_up_to_date(listed):
    assert listed["unchanged"] == set()


def test_download_settings_rerun_nothing(listed):
    assert listed["download"] == set()


def test_one_models_overrides_rerun_that_model_only(listed):
    assert listed["overrides"] == reruns_of("basset-s1")  # not basset_exp-s1, a variant of basset


def test_one_variants_settings_rerun_that_variant_only(listed):
    assert listed["variant"] == reruns_of("basset_exp-s1")


def test_adding_a_variant_reruns_no_other_model(listed):
    assert listed["variant_add"] == reruns_of("basset_relu-s1")


def test_adding_a_seqgra_model_reruns_no_other_model(listed):
    assert listed["seqgra_add"] == reruns_of("sg_c-s1")


def test_evaluate_settings_rerun_evaluation_only(listed):
    models = ("basset-s1", "deepbind-s1", "basset_exp-s1", "sg_a-s1", "sg_b-s1")
    expected = {f"evaluate[model={m}]" for m in models} | {"oracle", "compare_models", "report", "all"}
    assert listed["evaluate"] == expected


def test_a_new_top_level_section_reruns_nothing(listed):
    assert listed["new_section"] == set()


def test_adding_a_cell_type_reruns_its_download_the_data_stage_and_everything_after(listed):
    models = ("basset-s1", "deepbind-s1", "basset_exp-s1", "sg_a-s1", "sg_b-s1")
    data = {"build_windows", "check_splits"} | {f"encode_split[split={s}]" for s in ("train", "valid", "test")}
    expected = {"download_peaks[cell_type=newcell]", "oracle"} | data | reruns_of(*models)  # new data: the oracle too
    assert listed["cell_type_add"] == expected


def test_a_motif_setting_reruns_motifs_and_report_only(listed):
    models = ("basset-s1", "deepbind-s1", "basset_exp-s1", "sg_a-s1", "sg_b-s1")
    expected = {f"{rule}[model={m}]" for rule in ("filter_motifs", "attribution") for m in models}
    assert listed["motifs"] == expected | {"cluster_motifs", "attribution_recovery", "report", "all"}


def test_an_attribution_setting_reruns_attribution_clusters_and_report_only(listed):
    models = ("basset-s1", "deepbind-s1", "basset_exp-s1", "sg_a-s1", "sg_b-s1")
    # cluster_motifs joins the attributed models' MoDISco patterns to the filters, so it reruns too
    expected = {f"attribution[model={m}]" for m in models} | {"attribution_recovery", "cluster_motifs", "report", "all"}
    assert listed["interpret"] == expected


def jobs_after_editing(touched, rel: str, comment: str, name: str) -> set[str]:
    """Jobs a dry run lists after appending ``comment`` to the project file ``rel`` (restored after)."""
    project, workdir, base = touched  # after the concurrent dry runs, which read these files
    path = project / rel
    original = path.read_text()
    path.write_text(original + comment)
    try:
        return listed_jobs(finish(start(project, workdir, base, name, "-n")))
    finally:
        path.write_text(original)


def test_editing_one_seqgra_definition_reruns_that_model_only(touched, listed):
    jobs = jobs_after_editing(touched, "workflow/models/seqgra/deepsea.xml", "<!-- edited -->\n", "seqgra_edit")
    assert jobs == reruns_of("sg_b-s1")


def test_editing_one_seqgra_module_reruns_that_model_only(touched, listed):
    jobs = jobs_after_editing(touched, "workflow/models/seqgra/PyTorch/deepsea.py", "# edited\n", "module_edit")
    assert jobs == reruns_of("sg_b-s1")
