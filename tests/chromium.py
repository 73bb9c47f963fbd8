"""Open a file in headless Chromium (Debian's package) and record any network request it makes."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
from pathlib import Path

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
]


#: requests Chromium makes on its own (clock, component updates, sign-in), not the page's.
BROWSER_OWN = ("clients2.google.com/time/", "update.googleapis.com", "accounts.google.com:443", "optimizationguide-pa")


def page_requests(requests: list[str]) -> list[str]:
    """The recorded requests minus the browser's own background traffic."""
    return [r for r in requests if not any(own in r for own in BROWSER_OWN)]


def binary() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise RuntimeError("chromium is not installed: run `bash setup.sh --dev` (it installs Debian's chromium)")
    return found


class RecordingProxy:
    """A TCP listener used as Chromium's proxy: every request the page makes lands here."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.requests: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    first = conn.recv(4096).split(b"\r\n", 1)[0].decode(errors="replace")
                except OSError:
                    first = "<no request line>"
                self.requests.append(first)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


def open_page(page: Path, tmp: Path, screenshot: Path) -> tuple[str, list[str]]:
    """Screenshot ``page`` and dump its DOM after load; returns (dom, requests seen by the proxy)."""
    proxy = RecordingProxy()
    common = [
        binary(),
        *FLAGS,
        f"--proxy-server=http://127.0.0.1:{proxy.port}",
        "--proxy-bypass-list=<-loopback>",
        "--virtual-time-budget=10000",
        "--window-size=1280,2400",
    ]
    try:
        url = page.resolve().as_uri()
        subprocess.run(
            [*common, f"--user-data-dir={tmp / 'profile1'}", f"--screenshot={screenshot}", url],
            capture_output=True,
            timeout=120,
            check=True,
        )
        dom = subprocess.run(
            [*common, f"--user-data-dir={tmp / 'profile2'}", "--dump-dom", url],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
    finally:
        proxy.close()
    return dom, proxy.requests
