"""Downloads against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import gzip
import hashlib

import pytest
from chromcnn.data.download import fetch, obtain, obtained, verify_local
from chromcnn.errors import InputError

PAYLOAD = gzip.compress(b">chr1\nACGTACGTAC\nGGCC\n" * 2000, mtime=0)
MD5 = hashlib.md5(PAYLOAD).hexdigest()
FAST = {"retries": 3, "backoff_s": 0.01, "timeout_s": 5, "sleep": lambda s: None}


def no_leftovers(directory) -> bool:
    return not [p for p in directory.iterdir() if p.name.startswith(".")]


def test_good_file_md5_verified(http_server, tmp_path):
    url = http_server.add("/genome.fa.gz", PAYLOAD)
    record = fetch(url, tmp_path / "out.fa.gz", md5=MD5, **FAST)
    assert (tmp_path / "out.fa.gz").read_bytes() == PAYLOAD
    assert record.md5 == MD5 and record.attempts == 1 and record.bytes == len(PAYLOAD)
    assert no_leftovers(tmp_path)


def test_md5_always_computed_without_expected(http_server, tmp_path):
    url = http_server.add("/a.gz", PAYLOAD)
    assert fetch(url, tmp_path / "a.gz", **FAST).md5 == MD5


def test_wrong_md5_is_an_error_and_leaves_nothing(http_server, tmp_path):
    url = http_server.add("/genome.fa.gz", PAYLOAD)
    with pytest.raises(InputError, match=f"md5 mismatch .*expected {'0' * 32}, got {MD5}.*Fix:"):
        fetch(url, tmp_path / "out.fa.gz", md5="0" * 32, **FAST)
    assert not (tmp_path / "out.fa.gz").exists()
    assert no_leftovers(tmp_path)
    assert http_server.hits("/genome.fa.gz") == 1  # an md5 mismatch is not retried


def test_404_fails_at_once_with_fix(http_server, tmp_path):
    url = http_server.url("/nothing-here.bed.gz")
    with pytest.raises(InputError, match=r"HTTP 404.*Fix: check the URL"):
        fetch(url, tmp_path / "x.bed.gz", **FAST)
    assert http_server.hits("/nothing-here.bed.gz") == 1
    assert list(tmp_path.iterdir()) == []


def test_truncated_gzip_is_rejected(http_server, tmp_path):
    url = http_server.add("/cut.gz", PAYLOAD[: len(PAYLOAD) // 2])
    with pytest.raises(InputError, match="truncated or corrupt gzip"):
        fetch(url, tmp_path / "cut.gz", **FAST)
    assert list(tmp_path.iterdir()) == []


def test_dropped_first_connection_is_retried(http_server, tmp_path):
    url = http_server.add("/flaky.gz", PAYLOAD, behaviour="drop_first")
    record = fetch(url, tmp_path / "flaky.gz", md5=MD5, **FAST)
    assert record.attempts == 2 and http_server.hits("/flaky.gz") == 2
    assert (tmp_path / "flaky.gz").read_bytes() == PAYLOAD


def test_short_body_first_time_is_retried(http_server, tmp_path):
    url = http_server.add("/short-once.gz", PAYLOAD, behaviour="drop_first_short")
    record = fetch(url, tmp_path / "s.gz", md5=MD5, **FAST)
    assert record.attempts == 2


def test_server_error_is_retried(http_server, tmp_path):
    url = http_server.add("/busy.gz", PAYLOAD, behaviour="server_error")
    assert fetch(url, tmp_path / "busy.gz", **FAST).attempts == 2


def test_persistent_failure_gives_up_after_retries_with_backoff(http_server, tmp_path):
    url = http_server.add("/always-short.gz", PAYLOAD, behaviour="short")
    waits = []
    with pytest.raises(InputError, match="failed after 4 attempts"):
        fetch(url, tmp_path / "x.gz", retries=3, backoff_s=0.5, timeout_s=5, sleep=waits.append)
    assert waits == [0.5, 1.0, 2.0]  # exponential backoff
    assert list(tmp_path.iterdir()) == []


def test_connection_refused_is_retried_then_fails(tmp_path):
    with pytest.raises(InputError, match="cannot connect"):
        fetch("http://127.0.0.1:9/x.gz", tmp_path / "x.gz", **FAST)


def test_local_path_verified_in_place(tmp_path):
    src = tmp_path / "peaks.bed.gz"
    src.write_bytes(PAYLOAD)
    record = obtain(str(src), tmp_path / "unused", md5=MD5)
    assert record.path == str(src) and record.md5 == MD5
    with pytest.raises(InputError, match="md5 mismatch"):
        verify_local(str(src), "f" * 32)
    with pytest.raises(InputError, match="does not exist"):
        verify_local(str(tmp_path / "missing.bed"))


def test_obtained_removes_the_download_however_the_block_ends(http_server, tmp_path):
    url = http_server.add("/peaks.bed.gz", PAYLOAD)
    out = tmp_path / "peaks.bed.gz"
    with obtained(url, out, retries=0) as record:
        assert record.path == str(tmp_path / ".peaks.bed.gz.download") and record.bytes == len(PAYLOAD)
        assert gzip.decompress(open(record.path, "rb").read()) == gzip.decompress(PAYLOAD)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="not a bigWig"), obtained(url, out, retries=0):
        raise ValueError("not a bigWig")
    assert list(tmp_path.iterdir()) == []
    local = tmp_path / "local.bed.gz"
    local.write_bytes(PAYLOAD)
    with obtained(str(local), out) as record:
        assert record.path == str(local)
    assert local.exists()  # a local source is used in place, never removed
