"""Faults a real run meets, as a user types the commands: YAML mistakes in the default
config.yaml, a killed run (SIGKILL, then SIGINT) typed again, the stale lock SIGKILL
leaves, and a deleted genome index. (Which file a mistake is blamed on, with several
--configfile files or --config: tests/config/test_bad_config.py and test_configfile.py.)

The first kill test runs only the data stage of the demo (its cheapest outputs: windows,
qc.json and the test split); the second runs the whole pipeline on the smallest config
that has every later stage (one 8-filter CNN, one epoch) once, keeps its data stage, and
kills the rest in training (SIGKILL), in the motif job (SIGINT) and in the report (SIGKILL).
"""

from __future__ import annotations

import base64
import filecmp
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
import torch
import yaml
from chromcnn.training.checkpoint import WALL_TIME_COLUMNS
from conftest import ROOT
from workflow_helpers import SNAKEMAKE, demo_config, run_env

pytestmark = pytest.mark.slow

TARGETS = ("results/data/windows.tsv.gz", "results/data/qc.json", "results/data/test.h5")


def command(work: Path, *args: str) -> list[str]:
    """snakemake as a user in ``work`` types it (config.yaml there, no --configfile)."""
    return [SNAKEMAKE, "-s", str(ROOT / "Snakefile"), "--cores", "2", "--nocolor", *args]


def run(work: Path, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        command(work, *args), cwd=work, capture_output=True, text=True, env=run_env(), timeout=timeout
    )


def write_demo(work: Path) -> None:
    work.mkdir(parents=True, exist_ok=True)
    (work / "config.yaml").write_text(yaml.safe_dump(demo_config(), sort_keys=False))


def test_tab_in_the_default_config_is_our_one_line(tmp_path):
    text = (ROOT / "config.yaml").read_text().replace("resources/demo", str(ROOT / "resources" / "demo"))
    text = text.replace("\n  mode: basset", "\n\tmode: basset")
    (tmp_path / "config.yaml").write_text(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.startswith("\tmode: basset"))
    start = time.perf_counter()
    proc = run(tmp_path, "-n")
    seconds = time.perf_counter() - start
    assert proc.returncode != 0
    errors = [t for t in proc.stderr.splitlines() if "chromcnn error" in t]
    assert errors == [
        f"chromcnn error: config.yaml:{line}: a tab indents this line; YAML indentation must be spaces. "
        "Fix: replace the tab(s) with spaces (the file's other lines use spaces)."
    ], proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr and "WorkflowError" not in proc.stderr
    print(f"seconds until the error: {seconds:.1f}")


def leftovers(work: Path) -> list[str]:
    """Temporary files of ours (``.name.part-PID``, downloads) anywhere under ``work``."""
    names = []
    for sub in ("results", "resources"):
        for path in (work / sub).rglob("*"):
            if ".part-" in path.name or path.name.endswith(".download"):
                names.append(str(path.relative_to(work)))
    return names


def default_sigint() -> None:
    """Ctrl-C as at a terminal: a shell starts background jobs with SIGINT ignored, and the
    runs would inherit that (then SIGINT would not stop them)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def kill_when(work: Path, sig: int, ready, timeout: float = 300) -> subprocess.CompletedProcess:
    """Start the data stage, send ``sig`` to its whole process group once ``ready()``; wait."""
    proc = subprocess.Popen(
        command(work, *TARGETS),
        cwd=work,
        env=run_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=default_sigint,
    )
    deadline = time.monotonic() + timeout
    while not ready() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)  # the demo's test split is written in ~0.1 s: poll well inside that
    assert proc.poll() is None, "the run ended before the kill point: " + proc.stdout.read()[-2000:]
    os.killpg(proc.pid, sig)
    out, _ = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, "")


def parts(work: Path, name: str):
    def ready() -> bool:
        folder = work / "results" / "data"
        return folder.is_dir() and any(p.name.startswith(f".{name}.part-") for p in folder.iterdir())

    return ready


def incomplete_markers(work: Path) -> list[Path]:
    """Snakemake's "incomplete" markers under ``work`` (a job it started and never recorded done)."""
    return list((work / ".snakemake" / "incomplete").rglob("*"))


def mark_incomplete(work: Path, output: str) -> None:
    """Snakemake's "incomplete" marker for ``output`` (its record: the path, url-safe base64)."""
    folder = work / ".snakemake" / "incomplete"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / base64.urlsafe_b64encode(output.encode()).decode()).write_text('{"external_jobid": null}')


def test_killed_runs_typed_again_end_byte_identical_with_no_temp_file(tmp_path):
    ref, work = tmp_path / "ref", tmp_path / "work"
    write_demo(ref)
    write_demo(work)
    done = run(ref, *TARGETS)
    assert done.returncode == 0, done.stderr[-3000:]
    # a deleted genome index is a cache: nothing reruns (readers rebuild it, tests/data)
    (ref / "resources" / "genome" / "demo.fa.fai").unlink()
    dry = run(ref, "-n", *TARGETS)
    assert dry.returncode == 0 and "Nothing to be done" in dry.stdout + dry.stderr, dry.stdout[-2000:]
    # a signal between a job's rename and Snakemake's record of the job leaves a finished file
    # marked incomplete: the same command reruns that job (profiles/default: rerun-incomplete)
    mark_incomplete(ref, "results/data/test.h5")
    rerun = run(ref, *TARGETS)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert re.findall(r"rule (\w+):", rerun.stdout + rerun.stderr) == ["encode_split"], rerun.stderr[-3000:]
    assert incomplete_markers(ref) == []

    # SIGKILL of everything while build_windows writes windows.tsv.gz: a power cut, a time limit
    killed = kill_when(work, signal.SIGKILL, parts(work, "windows.tsv.gz"))
    assert killed.returncode == -signal.SIGKILL
    assert leftovers(work) and any((work / ".snakemake" / "locks").iterdir())  # what SIGKILL leaves
    # SIGINT (Ctrl-C) while the test split is encoded, in the run typed again
    interrupted = kill_when(work, signal.SIGINT, parts(work, "test.h5"))
    assert "removed the lock left by a killed run" in interrupted.stdout, interrupted.stdout[-3000:]
    # no partial split: the interrupted job's output is gone, or (when the signal landed just
    # after its rename, a race no poll interval closes) complete and identical to the reference
    split = work / "results" / "data" / "test.h5"
    assert not split.exists() or filecmp.cmp(ref / "results" / "data" / "test.h5", split, shallow=False)
    print("SIGINT landed", "after the split's rename" if split.exists() else "while the split was written")
    # the same command once more
    again = run(work, *TARGETS)
    assert again.returncode == 0, again.stderr[-3000:]
    assert leftovers(work) == [] and incomplete_markers(work) == []
    for target in TARGETS:
        assert filecmp.cmp(ref / target, work / target, shallow=False), target


def small_config() -> dict:
    """The demo with every stage after the data at its smallest: one 8-filter CNN, one epoch."""
    cfg = demo_config()
    cfg["train"].update(
        architectures=["cnn"],
        max_epochs=1,
        threads=1,
        overrides={"cnn": {"epoch_examples": 2000, "hparams": {"num_filters": 8, "kernel_size": 15}}},
    )
    cfg["evaluate"].update(bootstrap=50, threads=1)
    cfg["motifs"].update(influence_sequences=20, max_sequences=2000, untrained_null=False, planted=None)
    return cfg


DOWNSTREAM = ("results/models", "results/evaluation", "results/motifs", "results/report.html")
# rule -> (its script, which Snakemake copies to .snakemake/scripts/ as the job starts;
# an output that exists only once the job has finished)
STAGES = {
    "train": ("train_model.py", "results/models/cnn-s1/model.pt"),
    "filter_motifs": ("filter_motifs.py", "results/motifs/cnn-s1/filters.tsv"),
    "report": ("make_report.py", "results/report.html"),
}


def output_files(work: Path) -> dict[str, Path]:
    """Every file the pipeline wrote under results/ and resources/, by relative path."""
    return {
        str(p.relative_to(work)): p for sub in ("results", "resources") for p in (work / sub).rglob("*") if p.is_file()
    }


def job_scripts(work: Path, script: str) -> set[str]:
    folder = work / ".snakemake" / "scripts"
    return {p.name for p in folder.glob(f"*.{script}")} if folder.is_dir() else set()


def job_running(names: set[str]) -> bool:
    """Whether a process runs one of these script copies (the job's shell or its Python).

    Snakemake starts the job as ``python .snakemake/scripts/<copy>``; a kill sent the moment
    that process is seen lands inside the job, before its imports are done (a fixed delay
    after the copy appears did not: on a fast machine the small motif job had finished).
    """
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
        except OSError:  # the process ended while we looked
            continue
        if any(name in cmdline for name in names):
            return True
    return False


def kill_in(work: Path, rule: str, sig: int, timeout: float = 600) -> str:
    """Type the same command; once ``rule``'s job runs, send ``sig`` to the whole group; its output."""
    script, output = STAGES[rule]
    before = job_scripts(work, script)  # a SIGKILLed job's copy stays
    proc = subprocess.Popen(
        command(work),
        cwd=work,
        env=run_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=default_sigint,
    )
    lines: list[str] = []

    def read() -> None:
        for line in proc.stdout:
            lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        new = job_scripts(work, script) - before
        if new and job_running(new):
            break
        time.sleep(0.01)
    assert proc.poll() is None, f"the run ended before {rule} was killed: " + "".join(lines)[-3000:]
    os.killpg(proc.pid, sig)
    proc.wait(timeout=120)
    reader.join(timeout=30)
    assert proc.returncode != 0
    assert not (work / output).exists(), f"{rule} finished before the kill"
    return "".join(lines)


def test_killed_in_every_later_stage_typed_again_ends_byte_identical(tmp_path):
    """SIGKILL in training, SIGINT in motifs, SIGKILL in the report; the same command each time."""
    work, ref = tmp_path / "work", tmp_path / "ref"
    work.mkdir()
    (work / "config.yaml").write_text(yaml.safe_dump(small_config(), sort_keys=False))
    done = run(work)
    assert done.returncode == 0, done.stderr[-3000:]
    for sub in ("results", "resources"):
        shutil.copytree(work / sub, ref / sub)
    for rel in DOWNSTREAM:  # the data stage stays (its kills: the test above)
        path = work / rel
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    # one kill per stage, the signals alternating (SIGKILL in training and the report, SIGINT in
    # the motif job): each run after a SIGKILL clears its stale lock, each after a SIGINT has none
    last = None
    for rule, sig in zip(STAGES, (signal.SIGKILL, signal.SIGINT, signal.SIGKILL)):
        output = kill_in(work, rule, sig)
        stale = "removed the lock left by a killed run" in output
        assert stale == (last == signal.SIGKILL), output[-3000:]
        last = sig
    again = run(work)
    assert "removed the lock left by a killed run" in again.stdout + again.stderr
    assert again.returncode == 0, again.stderr[-3000:]
    assert leftovers(work) == [] and incomplete_markers(work) == []
    locks = work / ".snakemake" / "locks"
    assert not (locks.is_dir() and any(locks.iterdir()))
    expected, got = output_files(ref), output_files(work)
    assert sorted(got) == sorted(expected)
    differ = [rel for rel in expected if not filecmp.cmp(expected[rel], got[rel], shallow=False)]
    # the one quantity allowed to differ: the epoch's wall time (README, "Reproducible")
    assert set(differ) <= set(WALL_TIME_FILES), differ
    for rel in differ:
        assert without_wall_time(expected[rel]) == without_wall_time(got[rel]), rel


# Files that hold the epoch's wall time (history.tsv's seconds and samples_per_s, the
# report's training-time cell, the resume checkpoint's history); nothing else may differ.
WALL_TIME_FILES = (
    "results/models/cnn-s1/history.tsv",
    "results/models/cnn-s1/checkpoints/last.pt",
    "results/report.html",
)


def without_wall_time(path: Path) -> object:
    """The file's content with the wall-time fields (:data:`WALL_TIME_COLUMNS`) taken out."""
    if path.suffix == ".tsv":
        return pd.read_csv(path, sep="\t").drop(columns=list(WALL_TIME_COLUMNS)).to_csv()
    if path.suffix == ".html":
        return re.sub(r'<td class="wall-time">[^<]*</td>', "", path.read_text())
    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    for row in ckpt["state"]["history"]:
        for key in WALL_TIME_COLUMNS:
            row.pop(key)
    return plain(ckpt)


def plain(value: object) -> object:
    """``value`` with every tensor as a nested list, comparable with ``==``."""
    if torch.is_tensor(value):
        return value.tolist()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value
