"""Faults a real run meets, as a user types the commands: YAML mistakes in the default
config.yaml, a killed run (SIGKILL, then SIGINT) typed again, the stale lock SIGKILL
leaves, and a deleted genome index. (Which file a mistake is blamed on, with several
--configfile files or --config: tests/config/test_bad_config.py and test_configfile.py.)

The kill test runs only the data stage of the demo (its cheapest outputs: windows,
qc.json and the test split) so that it fits the slow tier's budget.
"""

from __future__ import annotations

import filecmp
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml
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
    )
    deadline = time.monotonic() + timeout
    while not ready() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before the kill point: " + proc.stdout.read()[-2000:]
    os.killpg(proc.pid, sig)
    out, _ = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, "")


def parts(work: Path, name: str):
    def ready() -> bool:
        folder = work / "results" / "data"
        return folder.is_dir() and any(p.name.startswith(f".{name}.part-") for p in folder.iterdir())

    return ready


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

    # SIGKILL of everything while build_windows writes windows.tsv.gz: a power cut, a time limit
    killed = kill_when(work, signal.SIGKILL, parts(work, "windows.tsv.gz"))
    assert killed.returncode == -signal.SIGKILL
    assert leftovers(work) and any((work / ".snakemake" / "locks").iterdir())  # what SIGKILL leaves
    # SIGINT (Ctrl-C) while the test split is encoded, in the run typed again
    interrupted = kill_when(work, signal.SIGINT, parts(work, "test.h5"))
    assert "removed the lock left by a killed run" in interrupted.stdout, interrupted.stdout[-3000:]
    assert not (work / "results" / "data" / "test.h5").exists()
    # the same command once more
    again = run(work, *TARGETS)
    assert again.returncode == 0, again.stderr[-3000:]
    assert leftovers(work) == []
    for target in TARGETS:
        assert filecmp.cmp(ref / target, work / target, shallow=False), target
