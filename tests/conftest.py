"""Shared fixtures: the library on sys.path, a real HTTP server, tiny genomes."""

from __future__ import annotations

import gzip
import shutil
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow" / "scripts"))
sys.path.insert(0, str(ROOT / "tools"))  # the demo generator
REALDATA = ROOT.parent / "shared" / "realdata"

needs_realdata = pytest.mark.skipif(
    not (REALDATA / "genome" / "hg38.chr22.fa.gz").is_file(),
    reason="../shared/realdata is absent",
)
needs_bedtools = pytest.mark.skipif(shutil.which("bedtools") is None, reason="bedtools binary not installed")


class _Handler(BaseHTTPRequestHandler):
    """Serves ``server.files``; ``server.behaviour`` selects failure modes per path."""

    def log_message(self, *args) -> None:  # keep pytest output clean
        pass

    def do_GET(self) -> None:  # noqa: N802
        server = self.server
        path = self.path.split("?")[0]
        server.hits[path] += 1
        mode = server.behaviour.get(path, "ok")
        body = server.files.get(path)
        if body is None:
            self.send_error(404, "Not Found")
            return
        if mode == "drop_first" and server.hits[path] == 1:
            self.close_connection = True
            self.connection.shutdown(2)  # hang up without a response
            return
        if mode in ("short", "drop_first_short") and (mode == "short" or server.hits[path] == 1):
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        if mode == "server_error" and server.hits[path] == 1:
            self.send_error(503, "Busy")
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class LocalServer:
    """A real HTTP server on 127.0.0.1 in a thread."""

    def __init__(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.files = {}
        self.httpd.behaviour = {}
        self.httpd.hits = Counter()
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def add(self, path: str, body: bytes, behaviour: str = "ok") -> str:
        """Serve ``body`` at ``path``; return its URL."""
        self.httpd.files[path] = body
        self.httpd.behaviour[path] = behaviour
        return self.url(path)

    def url(self, path: str) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}{path}"

    def hits(self, path: str) -> int:
        return self.httpd.hits[path]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def http_server():
    server = LocalServer()
    yield server
    server.close()


def random_genome(rng: np.random.Generator, sizes: dict[str, int], gc: float = 0.42) -> dict[str, str]:
    """Random sequences with a given GC fraction."""
    out = {}
    for name, n in sizes.items():
        probs = [(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2]
        out[name] = "".join(rng.choice(list("ACGT"), size=n, p=probs))
    return out


def write_fasta(path: Path, seqs: dict[str, str], width: int = 60, compress: bool = False) -> Path:
    """Write sequences as FASTA (optionally gzip)."""
    text = "".join(
        f">{name}\n" + "".join(seq[i : i + width] + "\n" for i in range(0, len(seq), width))
        for name, seq in seqs.items()
    )
    return write_text(path, text, compress)


def write_bed(path: Path, rows: list[tuple], compress: bool = False) -> Path:
    """Write tab-separated rows (optionally gzip)."""
    return write_text(path, "".join("\t".join(map(str, r)) + "\n" for r in rows), compress)


def write_text(path: Path, text: str, compress: bool = False) -> Path:
    """Write text, gzip-compressed when ``compress``."""
    if compress:
        with gzip.open(path, "wt") as handle:
            handle.write(text)
    else:
        path.write_text(text)
    return path


@pytest.fixture(scope="session")
def planted(tmp_path_factory):
    """A planted genome, its splits and a deepbind model trained on it (tests/planted_genome.py)."""
    from planted_genome import planted_fixture

    return planted_fixture(tmp_path_factory)


@pytest.fixture(scope="session")
def planted_model(planted):
    """That model, loaded (chromcnn.inference.load)."""
    from chromcnn.inference import load

    return load(planted.model)


def pytest_collection_modifyitems(config, items) -> None:
    """Test files holding slow tests run first, each file's own order kept.

    The suite runs on two workers, a file to a worker (``-n 2 --dist loadfile`` in
    pyproject.toml, so that a file's module fixtures are built once). A worker that
    starts a minutes-long file last leaves the other idle; starting them first lets
    the short files fill in around them. Order does not change what a test checks.
    """
    slow_files = {item.nodeid.split("::")[0] for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.nodeid.split("::")[0] not in slow_files)
