"""Files that are not what they claim, text encodings real files carry, full disks, truncated HDF5.

Each case: a bad file -> one InputError line naming the user's file (and the line where
there is one) and the fix; nothing partial left behind.
"""

from __future__ import annotations

import errno
import gzip
import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest
from chromcnn.errors import InputError
from chromcnn.io import atomic
from chromcnn.io.atomic import DiskFullError, atomic_path, temp_path, write_bytes
from chromcnn.io.bed import BedFile
from chromcnn.io.split_h5 import FORMAT_VERSION, SplitWriter, open_split, read_meta
from conftest import ROOT

RECORDS = "chr1\t10\t20\nchr1\t30\t40\n"


def _records(path, label="user.bed"):
    return [(r.cols[0], r.start, r.end, r.line_no) for r in BedFile(path, label, kind="peak")]


def _one_line(err: InputError) -> str:
    text = str(err)
    assert "\n" not in text and "Fix:" in text
    return text


def test_utf8_byte_order_mark_keeps_the_first_record(tmp_path):
    path = tmp_path / "bom.bed"
    path.write_bytes(b"\xef\xbb\xbf" + RECORDS.encode())
    assert _records(path) == [("chr1", 10, 20, 1), ("chr1", 30, 40, 2)]  # not '\ufeffchr1'
    packed = tmp_path / "bom.bed.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    assert _records(packed)[0] == ("chr1", 10, 20, 1)


def test_latin1_byte_in_a_comment_or_header_is_accepted(tmp_path):
    path = tmp_path / "latin.bed"
    path.write_bytes(b"# peaks called by Ren\xe9e\nchrom\tstart\tend\tname \xb5\n" + RECORDS.encode())
    assert [r[:3] for r in _records(path)] == [("chr1", 10, 20), ("chr1", 30, 40)]


def test_non_utf8_byte_in_a_data_line_names_the_line(tmp_path):
    path = tmp_path / "latin.bed"
    path.write_bytes(RECORDS.encode() + b"chr1\t50\t60\tpeak\xe9\n")
    with pytest.raises(InputError) as err:
        _records(path, "my_peaks.bed")
    assert _one_line(err.value).startswith("my_peaks.bed:3: peak line is not UTF-8")


@pytest.mark.parametrize(
    ("content", "what", "fix"),
    [
        (gzip.compress(gzip.compress(RECORDS.encode(), mtime=0), mtime=0), "gzip-compressed twice", "gunzip"),
        (b"\x00\x01\x02binary" * 50, "binary (it holds NUL bytes)", "plain or gzip"),
        (b"\xeb\xf2\x89\x87" + bytes(200), "a bigBed/bigWig file", "plain or gzip"),
        (RECORDS.encode("utf-16"), "UTF-16 text", "iconv"),
        (b"BZh91AY&SY" + bytes(20), "bzip2-compressed", "plain or gzip"),
    ],
    # fixed ids: every pytest-xdist worker must collect the same names (a gzip
    # header's mtime in an id differed between workers collecting a second apart)
    ids=["gzip-twice", "binary", "bigwig", "utf16", "bzip2"],
)
def test_a_file_that_is_not_text_is_named_before_any_record(tmp_path, content, what, fix):
    path = tmp_path / "peaks.bed.gz"
    path.write_bytes(content)
    seen = []
    with pytest.raises(InputError) as err:
        for record in BedFile(path, "ENCFF001.bed.gz", kind="peak"):
            seen.append(record)
    line = _one_line(err.value)
    assert line.startswith(f"ENCFF001.bed.gz: peak file is {what}, not ") and fix in line.split("Fix:")[1]
    assert seen == []  # the file is judged before its first record, not after a garbled one


def test_truncated_gzip_is_one_line(tmp_path):
    path = tmp_path / "cut.bed.gz"
    path.write_bytes(gzip.compress(RECORDS.encode() * 200)[:15])
    with pytest.raises(InputError, match=r"^cut.bed.gz: blacklist file is a damaged gzip file"):
        list(BedFile(path, "cut.bed.gz", kind="blacklist"))


def _split_file(path, n=40):
    attrs = {"format_version": FORMAT_VERSION, "split": "train", "window": 16}
    with SplitWriter(path, ["A"], 16, 8, "none", 0, attrs) as writer:
        writer.append(
            np.ones((n, 4, 16), np.uint8), np.zeros((n, 1), np.uint8), ["chr1"] * n, np.arange(n), np.arange(n) + 16
        )


@pytest.mark.parametrize("reader", [open_split, read_meta])
def test_truncated_split_file_is_caught_when_opened(tmp_path, reader):
    path = tmp_path / "train.h5"
    _split_file(path, 400)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as err:
        reader(path)
    line = _one_line(err.value)
    assert line.startswith(f"{path}: split file is truncated or damaged") and "encode_split" in line


def test_stale_temp_files_of_a_killed_writer_are_removed_by_the_rerun(tmp_path):
    dest = tmp_path / "qc.json"
    stale = tmp_path / ".qc.json.part-999999"
    stale.write_text("half")
    other = tmp_path / ".other.json.part-999999"  # another output's leftover is not ours to touch
    other.write_text("half")
    write_bytes(b"{}", dest)
    assert dest.read_bytes() == b"{}" and not stale.exists() and other.exists()
    assert temp_path(dest).name == f".qc.json.part-{os.getpid()}"


def test_disk_full_is_one_line_and_leaves_nothing_simulated(tmp_path, monkeypatch):
    """ENOSPC raised by the writer (torch/h5py report it in their own words): one line, no temp."""
    dest = tmp_path / "model.pt"
    with pytest.raises(DiskFullError) as err, atomic_path(dest) as tmp:
        tmp.write_bytes(b"x" * 10)
        raise RuntimeError("PytorchStreamWriter failed writing file data/3: file write failed, errno = 28")
    assert _one_line(err.value).startswith(f"{dest}: no space left on device")
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def tiny_disk(tmp_path):
    """A 1 MiB tmpfs (needs root and mount); skipped where that is not possible."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {proc.stderr.decode().strip()}")
    yield mnt
    if subprocess.run(["umount", str(mnt)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_full_disk_real_tmpfs_plain_write(tiny_disk):
    dest = tiny_disk / "windows.tsv"
    with pytest.raises(DiskFullError) as err:
        write_bytes(os.urandom(3 << 20), dest)
    assert _one_line(err.value).startswith(f"{dest}: no space left on device") and "df -h" in str(err.value)
    assert list(tiny_disk.iterdir()) == []


HDF5_WRITER = """
import sys
import numpy as np
from chromcnn.io.split_h5 import FORMAT_VERSION, SplitWriter
from chromcnn.errors import InputError
rng = np.random.default_rng(0)
try:
    with SplitWriter(sys.argv[1], ["A"], 1000, 64, "none", 0, {"format_version": FORMAT_VERSION}) as writer:
        for _ in range(20):  # 20 x 256 kB of incompressible rows
            x = rng.integers(0, 255, (64, 4, 1000), dtype=np.uint8)
            writer.append(x, np.zeros((64, 1), np.uint8), ["c"] * 64, np.arange(64), np.arange(64) + 1000)
except InputError as err:
    print(type(err).__name__, err)
"""


def test_full_disk_real_tmpfs_hdf5_split(tiny_disk):
    """In its own process: HDF5 keeps a file it failed to flush in its state until the process ends."""
    dest = tiny_disk / "train.h5"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "workflow" / "scripts")}
    cmd = [sys.executable, "-c", HDF5_WRITER, str(dest)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
    assert proc.stdout.startswith(f"DiskFullError {dest}: no space left on device"), proc.stdout + proc.stderr
    assert len(proc.stdout.strip().splitlines()) == 1
    assert list(tiny_disk.iterdir()) == []


def test_is_disk_full_recognises_errno_and_messages():
    assert atomic.is_disk_full(OSError(errno.ENOSPC, "No space left on device"))
    assert atomic.is_disk_full(
        OSError("Can't write data (file write failed: errno = 28, error message = 'No space left on device')")
    )
    assert not atomic.is_disk_full(OSError(errno.EACCES, "Permission denied"))


def test_stale_lock_of_a_dead_owner_is_removed_and_a_live_one_kept(tmp_path):
    from chromcnn.io import runlock

    state = tmp_path / ".snakemake"
    (state / "locks").mkdir(parents=True)
    (state / "locks" / "0.output.lock").write_text("results/data/qc.json\n")
    assert "unknown owner" in runlock.clear_stale_lock(state) and "snakemake --unlock --cores 1" in str(
        runlock.clear_stale_lock(state)
    )
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (state / runlock.OWNER).write_text(json.dumps({"pid": dead.pid, "host": socket.gethostname()}))
    note = runlock.clear_stale_lock(state)
    assert note.startswith("removed the lock left by a killed run") and not (state / "locks").exists()
    assert runlock.clear_stale_lock(state) is None  # no lock: nothing to say
    (state / "locks").mkdir()
    (state / "locks" / "0.input.lock").write_text("x\n")
    runlock.record_lock_owner(state)  # this live process holds it
    assert "still running" in runlock.clear_stale_lock(state) and (state / "locks").exists()


def test_read_past_bom_keeps_every_other_byte():
    import io

    from chromcnn.io.sniff import read_past_bom, strip_bom

    assert strip_bom(b"\xef\xbb\xbfchr1\t0\t10\n") == b"chr1\t0\t10\n" and strip_bom(b"\xef\xbb") == b"\xef\xbb"
    handle = io.BytesIO(b"\xef\xbb\xbf>chr1\nACGT\n")
    assert read_past_bom(handle) == b"" and handle.read() == b">chr1\nACGT\n"
    handle = io.BytesIO(b">c\nA\n")
    assert read_past_bom(handle) + handle.read() == b">c\nA\n"  # no BOM: the 3 bytes read come back
