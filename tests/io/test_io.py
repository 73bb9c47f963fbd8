"""The contract layer (chromcnn.io): atomic writes, sniffing, split files, windows table, BED, one-hot."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import subprocess
import sys

import h5py
import numpy as np
import pandas as pd
import pytest
import torch
from chromcnn import __version__
from chromcnn.data.peaks import read_blacklist, read_peaks
from chromcnn.errors import InputError
from chromcnn.io import provenance
from chromcnn.io.atomic import atomic_path, finish, md5sum, temp_path, write_json, write_tsv
from chromcnn.io.bed import BedFile
from chromcnn.io.onehot import information, reverse_complement
from chromcnn.io.sniff import is_gzip, is_url, open_bytes, open_text
from chromcnn.io.split_h5 import FORMAT_VERSION, SplitWriter, open_split, read_meta, sample_rows
from chromcnn.io.windows_table import FIXED_COLUMNS, WindowsWriter, header, read_tasks, read_windows
from conftest import ROOT


def _leftovers(folder, name):
    return [p.name for p in folder.iterdir() if p.name.startswith(f".{name}.part-")]


def test_atomic_path_renames_on_success(tmp_path):
    dest = tmp_path / "out.txt"
    with atomic_path(dest) as tmp:
        assert tmp == temp_path(dest) and tmp.name.startswith(".out.txt.part-")
        tmp.write_text("new")
        assert not dest.exists()
    assert dest.read_text() == "new" and not _leftovers(tmp_path, "out.txt")


def test_atomic_path_keeps_original_and_no_temp_on_error(tmp_path):
    dest = tmp_path / "out.txt"
    dest.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(dest) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert dest.read_text() == "old" and not _leftovers(tmp_path, "out.txt")


def test_finish_deletes_when_not_ok(tmp_path):
    dest = tmp_path / "x.bin"
    tmp = temp_path(dest)
    tmp.write_bytes(b"1")
    finish(tmp, dest, ok=False)
    assert not dest.exists() and not tmp.exists()


def test_write_json_and_tsv_round_trip(tmp_path):
    obj = {"a": 1, "b": [1.5, None], "c": {"d": "e"}, "p": tmp_path}
    write_json(obj, tmp_path / "o.json")
    assert json.loads((tmp_path / "o.json").read_text()) == {**obj, "p": str(tmp_path)}
    frame = pd.DataFrame({"model": ["a", "b"], "auroc": [0.123456789, np.nan]})
    write_tsv(frame, tmp_path / "o.tsv")
    assert (tmp_path / "o.tsv").read_text() == "model\tauroc\na\t0.123457\nb\tNA\n"
    back = pd.read_csv(tmp_path / "o.tsv", sep="\t", na_values=["NA"])
    assert back["model"].tolist() == ["a", "b"] and np.isnan(back["auroc"][1])
    assert md5sum(tmp_path / "o.tsv") == hashlib.md5(b"model\tauroc\na\t0.123457\nb\tNA\n").hexdigest()


def test_sniffing_url_and_gzip(tmp_path):
    assert is_url("https://x/y.bed") and is_url("FTP://x") and is_url("http://x")
    assert not is_url("resources/x.bed") and not is_url("/abs/http://x")
    plain, packed = tmp_path / "a.txt", tmp_path / "a.txt.gz"
    plain.write_text("l1\r\nl2\n")
    with gzip.open(packed, "wt", newline="") as out:
        out.write("l1\r\nl2\n")
    assert not is_gzip(plain) and is_gzip(packed)
    for path in (plain, packed):
        with open_text(path, newline="") as handle:
            assert handle.read() == "l1\r\nl2\n"
        with open_bytes(path) as handle:
            assert handle.read() == b"l1\r\nl2\n"


def _split(path, n=50, version=FORMAT_VERSION):
    rng = np.random.default_rng(0)
    x = np.zeros((n, 4, 10), np.uint8)
    x[np.arange(n), rng.integers(0, 4, n), :] = 1
    y = rng.integers(0, 2, (n, 2)).astype(np.uint8)
    attrs = {"split": "train", "window": 10, "format_version": version, "provenance": json.dumps({"k": 1})}
    with SplitWriter(path, ["A", "B"], 10, 8, "gzip", 1, attrs) as writer:
        writer.append(x, y, ["chr1"] * n, np.arange(n) * 10, np.arange(n) * 10 + 10)
    return x, y


def test_split_writer_and_readers(tmp_path):
    x, y = _split(tmp_path / "train.h5")
    info = open_split(tmp_path / "train.h5")
    assert (info.n, info.window, info.tasks, info.chunk_rows) == (50, 10, ["A", "B"], 8)
    meta = read_meta(tmp_path / "train.h5")
    assert meta["tasks"] == ["A", "B"] and meta["n"] == 50 and meta["provenance"] == {"k": 1}
    with h5py.File(tmp_path / "train.h5") as h5:
        assert h5["chrom"].asstr()[0] == "chr1" and np.array_equal(h5["x"][:], x)
    assert not _leftovers(tmp_path, "train.h5")


def test_split_writer_leaves_nothing_on_error(tmp_path):
    with pytest.raises(ValueError), SplitWriter(tmp_path / "s.h5", ["A"], 10, 8, "none", 0, {}) as writer:
        writer.append(np.zeros((2, 4, 10), np.uint8), np.zeros((2, 1), np.uint8), ["c", "c"], [0, 1], [10, 11])
        raise ValueError("boom")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("reader", [open_split, read_meta, lambda p: sample_rows(p, 5, 0)])
def test_readers_reject_another_format_version(tmp_path, reader):
    path = tmp_path / "old.h5"
    _split(path, version=FORMAT_VERSION + 1)
    with pytest.raises(InputError, match=f"format_version {FORMAT_VERSION + 1}") as err:
        reader(path)
    assert str(err.value).startswith(str(path)) and "rebuild the data stage" in str(err.value)


def _two_chromosome_split(path, n=200):
    """Rows 0..n/2-1 on chrA, the rest on chrB; row i's index is written into x[i, 0, :2] (hi, lo byte)."""
    x = np.zeros((n, 4, 10), np.uint8)
    x[:, 0, 0], x[:, 0, 1] = np.arange(n) // 256, np.arange(n) % 256
    y = (np.arange(n)[:, None] >= n // 2).astype(np.uint8).repeat(2, axis=1)
    attrs = {"split": "test", "window": 10, "format_version": FORMAT_VERSION}
    chroms = ["chrA"] * (n // 2) + ["chrB"] * (n - n // 2)
    with SplitWriter(path, ["A", "B"], 10, 8, "gzip", 1, attrs) as writer:
        writer.append(x, y, chroms, np.arange(n) * 10, np.arange(n) * 10 + 10)
    return n


def _row_ids(x):
    return x[:, 0, 0].astype(int) * 256 + x[:, 0, 1]


@pytest.mark.parametrize("n_max", [1000, 120])
def test_sample_rows_is_seeded_and_in_random_order_across_the_split(tmp_path, n_max):
    n = _two_chromosome_split(tmp_path / "s.h5")
    a, b = sample_rows(tmp_path / "s.h5", n_max, 3), sample_rows(tmp_path / "s.h5", n_max, 3)
    k = min(n, n_max)
    assert a[0].shape == (k, 4, 10) and a[1].shape == (k, 2)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])  # deterministic for a seed
    rows = _row_ids(a[0])
    assert len(set(rows)) == k and np.array_equal(a[1][:, 0], rows >= n // 2)  # labels stay with their rows
    if n_max < n:  # the same seeded sample of rows as before, only no longer in file order
        assert np.array_equal(np.sort(rows), np.sort(np.random.default_rng(3).choice(n, n_max, replace=False)))
    else:
        assert np.array_equal(np.sort(rows), np.arange(n))
    assert not np.array_equal(rows, np.sort(rows))
    assert not np.array_equal(rows, _row_ids(sample_rows(tmp_path / "s.h5", n_max, 4)[0]))
    for seed in range(5):  # any prefix (influence takes the first n) covers both chromosomes in proportion
        prefix = _row_ids(sample_rows(tmp_path / "s.h5", n_max, seed)[0][:40])
        assert 12 <= (prefix >= n // 2).sum() <= 28


def test_windows_table_write_then_read(tmp_path):
    path = tmp_path / "windows.tsv.gz"
    with WindowsWriter(path, ["erythroid", "myeloid"]) as writer:
        starts = np.array([0, 100], np.int64)
        writer.write("chr1", starts, starts + 50, np.array(["train", "test"]), np.array([[1, 0], [0, 1]], np.uint8))
        writer.write("chr2", starts[:0], starts[:0], np.array([], str), np.zeros((0, 2), np.uint8))
        writer.write("7", starts[:1], starts[:1] + 50, np.array(["valid"]), np.array([[1, 1]], np.uint8))
    with gzip.open(path, "rt") as handle:
        text = handle.read()
    assert text == (
        "chrom\tstart\tend\tsplit\terythroid\tmyeloid\n"
        "chr1\t0\t50\ttrain\t1\t0\nchr1\t100\t150\ttest\t0\t1\n7\t0\t50\tvalid\t1\t1\n"
    )
    assert header(["t"]) == [*FIXED_COLUMNS, "t"] and read_tasks(path) == ["erythroid", "myeloid"]
    frame = read_windows(path)
    assert frame["chrom"].tolist() == ["chr1", "chr1", "7"]  # a numeric chromosome name stays a str
    chunks = list(read_windows(path, columns=["chrom", "split"], chunksize=2))
    assert [len(c) for c in chunks] == [2, 1] and list(chunks[0].columns) == ["chrom", "split"]
    md5_a = md5sum(path)
    with WindowsWriter(tmp_path / "again.tsv.gz", ["erythroid", "myeloid"]) as writer:
        writer.write("chr1", starts, starts + 50, np.array(["train", "test"]), np.array([[1, 0], [0, 1]], np.uint8))
        writer.write("7", starts[:1], starts[:1] + 50, np.array(["valid"]), np.array([[1, 1]], np.uint8))
    assert md5sum(tmp_path / "again.tsv.gz") == md5_a  # gzip mtime 0: same rows, same bytes


def test_windows_writer_leaves_nothing_on_error(tmp_path):
    with pytest.raises(KeyError), WindowsWriter(tmp_path / "w.tsv.gz", ["A"]):
        raise KeyError("x")
    assert list(tmp_path.iterdir()) == []


def test_read_tasks_rejects_other_layout(tmp_path):
    path = tmp_path / "w.tsv"
    path.write_text("chrom\tbegin\tend\tsplit\tA\n")
    with pytest.raises(InputError, match="not a windows table") as err:
        read_tasks(path)
    assert str(path) in str(err.value)


BED = (
    "track name=x\nbrowser position chr1\n# comment\nchrom\tstart\tend\n\n"
    "chr1\t10\t20\r\nchr1 30 40 extra\nchrZ\t1\t2\n"
)


@pytest.mark.parametrize("gz", [False, True])
def test_one_bed_reader_for_peaks_and_blacklist(tmp_path, gz):
    path = tmp_path / ("b.bed.gz" if gz else "b.bed")
    if gz:
        with gzip.open(path, "wt", newline="") as out:
            out.write(BED)
    else:
        path.write_bytes(BED.encode())
    recs = list(BedFile(path))
    assert [(r.line_no, r.cols[0], r.start, r.end) for r in recs] == [
        (6, "chr1", 10, 20),
        (7, "chr1", 30, 40),
        (8, "chrZ", 1, 2),
    ]
    assert recs[1].cols == ["chr1", "30", "40", "extra"]
    sizes = {"chr1": 100}
    black = read_blacklist(path, sizes)
    assert list(black) == ["chr1"] and black["chr1"][0].tolist() == [10, 30] and black["chr1"][1].tolist() == [20, 40]
    peaks = read_peaks(path, "A", sizes, max_unknown_fraction=1.0)
    assert peaks.by_chrom["chr1"].tolist() == [[10, 20, 15], [30, 40, 35]] and peaks.qc["dropped_unknown_chrom"] == 1


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("chr1\t5", "2 column"),
        ("chr1\t-1\t5", "negative start -1"),
        ("chr1\t9\t5", "start 9 > end 5"),
        ("chr1\t1\tx", "end 'x'"),
    ],
)
def test_blacklist_errors_name_file_and_line(tmp_path, line, message):
    path = tmp_path / "black.bed"
    path.write_text(f"chr1\t1\t2\n{line}\n")
    with pytest.raises(InputError, match=message) as err:
        read_blacklist(path, {"chr1": 100})
    assert str(err.value).startswith(f"{path}:2: malformed blacklist line")


def test_reverse_complement_numpy_and_torch():
    x = np.zeros((2, 4, 3), np.uint8)
    for i, base in enumerate("ACG"):  # ACG -> CGT
        x[0, "ACGT".index(base), i] = 1
    x[1, 3, :] = 1  # TTT -> AAA
    rc = reverse_complement(x)
    assert rc.dtype == np.uint8 and rc.flags.c_contiguous
    assert ["".join("ACGT"[k] for k in rc[0].argmax(0))] == ["CGT"] and rc[1, 0].all()
    assert np.array_equal(reverse_complement(rc), x)
    t = torch.from_numpy(x.astype(np.float32))
    assert torch.equal(reverse_complement(t), t.flip(1, 2)) and np.array_equal(reverse_complement(t).numpy(), rc)
    ppm = np.random.default_rng(0).random((4, 7))
    assert np.array_equal(reverse_complement(ppm), ppm[::-1, ::-1])


def test_information_content():
    uniform = np.full(4, 0.25)
    assert information(np.full((4, 2), 0.25), uniform).tolist() == [0.0, 0.0]
    assert information(np.array([[1.0], [0], [0], [0]]), uniform)[0] == pytest.approx(2.0)
    skewed = np.array([0.1, 0.4, 0.4, 0.1])
    assert information(skewed[:, None], skewed)[0] == pytest.approx(0.0)


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
LIB = ROOT / "workflow" / "scripts" / "chromcnn"


def _git(repo, *args: str) -> str:
    cmd = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args]
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()


def _library_at(root) -> object:
    """A copy of the library at ``root``/workflow/scripts/chromcnn (the checkout's layout)."""
    dest = root / "workflow" / "scripts" / "chromcnn"
    shutil.copytree(LIB, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def _code_version(lib, path: str | None = None) -> str:
    """``package_versions()['chromcnn']`` in a fresh interpreter importing the library at ``lib``."""
    code = f"import sys; sys.path.insert(0, {str(lib.parent)!r}); from chromcnn.io import provenance as p; "
    code += "print(p.record('h', {})['packages']['chromcnn'])"
    env = None if path is None else {"PATH": path}
    out = subprocess.run([sys.executable, "-c", code], cwd=lib.parent, capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_code_version_of_this_checkout_is_its_commit():
    expected = __version__
    in_git = shutil.which("git") and subprocess.run(["git", "-C", str(ROOT), "rev-parse"], capture_output=True)
    if in_git and in_git.returncode == 0:
        dirty = _git(ROOT, "status", "--porcelain", "--", "Snakefile", "workflow")
        expected = f"{__version__}+git.{_git(ROOT, 'rev-parse', 'HEAD')}" + (".dirty" if dirty else "")
    assert provenance.package_versions()["chromcnn"] == expected
    assert provenance.record("h", {})["packages"]["chromcnn"] == expected


def test_code_version_is_computed_once_per_process(monkeypatch):
    provenance.code_version.cache_clear()
    calls = []
    monkeypatch.setattr(provenance.subprocess, "run", lambda *a, **k: calls.append(a) or (_ for _ in ()).throw(OSError))
    assert provenance.code_version() == __version__  # git unusable: the package version
    provenance.package_versions()
    provenance.record("h", {})
    assert len(calls) == 1
    provenance.code_version.cache_clear()


@needs_git
def test_code_version_records_the_commit_and_uncommitted_changes(tmp_path):
    lib = _library_at(tmp_path)
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "library")
    sha = _git(tmp_path, "rev-parse", "HEAD")
    (tmp_path / "notes.txt").write_text("not code\n")  # outside Snakefile and workflow/: still clean
    assert _code_version(lib) == f"{__version__}+git.{sha}"
    (lib / "models" / "extra.py").write_text("X = 1\n")  # new code: dirty
    assert _code_version(lib) == f"{__version__}+git.{sha}.dirty"


def test_code_version_outside_a_repository_is_the_package_version(tmp_path):
    lib = _library_at(tmp_path)
    assert _code_version(lib) == __version__
    assert _code_version(lib, path="/nonexistent") == __version__  # no git at all


@needs_git
def test_code_version_ignores_a_repository_that_does_not_track_the_library(tmp_path):
    _git(tmp_path, "init", "-q")
    (tmp_path / "other.txt").write_text("x\n")
    _git(tmp_path, "add", "other.txt")
    _git(tmp_path, "commit", "-qm", "someone else's project")
    lib = _library_at(tmp_path)  # untracked copy inside it, e.g. a vendored library
    assert _code_version(lib) == __version__


def test_outside_code_names_the_seqgra_files_with_their_md5():
    from chromcnn.models import seqgra

    xml = ROOT / "workflow" / "models" / "seqgra" / "deepsea.xml"
    module = ROOT / "workflow" / "models" / "seqgra" / "PyTorch" / "deepsea.py"
    files = provenance.outside_code(seqgra.embed(xml))
    assert files == [
        {"role": "seqgra definition", "path": str(xml), "md5": md5sum(xml)},
        {"role": "external module (executed)", "path": str(module.resolve()), "md5": md5sum(module)},
    ]
    assert provenance.outside_code(None) == []  # a registry architecture runs no outside code
    assert provenance.record("h", {}, outside=files)["outside_code"] == files
    assert provenance.record("h", {}, outside=[])["outside_code"] == []
    assert "outside_code" not in provenance.record("h", {})  # not known: not claimed
