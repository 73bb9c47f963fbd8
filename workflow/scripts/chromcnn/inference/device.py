"""Where a model runs: device choice, input transfer, batch prefetching and bf16 autocast.

The GPU path: a one-hot batch crosses the bus as uint8 (a quarter of float32's
bytes) from pinned host memory, is converted on the device, and the next batch is
read by a loader thread and copied on a side stream while the current one
computes (:func:`prefetch`). On CPU the same functions run without threads or
streams, so the training code is one path, tested on CPU.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Iterable, Iterator

import numpy as np
import torch

LOG = logging.getLogger(__name__)


def pick_device(requested: str) -> torch.device:
    """``auto``: CUDA when available, else CPU (with a warning when CUDA was expected)."""
    if requested == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        LOG.warning("no GPU visible: training on CPU")
        return torch.device("cpu")
    return torch.device(requested)


#: on CPU, a forward pass over about this many bp of windows (rows x length) runs
#: fastest: its activations stay in cache (basset 1.3-1.6x the windows/s of 128-512
#: rows at 300 bp and 1 kb, basenji 1.75x at 1 kb; README "Performance")
CPU_PASS_POSITIONS = 16_000


def pass_rows(length: int, device: torch.device, requested: int, positions: int = CPU_PASS_POSITIONS) -> int:
    """Rows per pass: ``requested`` on a GPU; on CPU at most ``positions // length`` (>= 4)."""
    if device.type != "cpu":
        return int(requested)
    return max(1, min(int(requested), max(4, positions // max(int(length), 1))))


def to_input(x: np.ndarray | torch.Tensor, device: torch.device) -> torch.Tensor:
    """A batch (b, 4, L), uint8 or float, numpy or torch -> float32 tensor on ``device``.

    uint8 is converted after the transfer (a quarter of the bytes cross the bus).
    """
    if not isinstance(x, torch.Tensor):
        x = torch.from_numpy(np.ascontiguousarray(x))
    return x.to(device, non_blocking=True).float()


def autocast(device: torch.device, bf16: bool) -> contextlib.AbstractContextManager:
    """bfloat16 autocast on CUDA when ``bf16``; a no-op context otherwise."""
    return torch.autocast("cuda", dtype=torch.bfloat16, enabled=bf16 and device.type == "cuda")


def _staged(x: np.ndarray, device: torch.device, stream) -> tuple[torch.Tensor, object]:
    """uint8 batch -> tensor on ``device`` (pinned and copied on ``stream`` for CUDA), with its ready event."""
    t = torch.from_numpy(np.ascontiguousarray(x))
    if device.type != "cuda":
        return t, None
    with torch.cuda.stream(stream):
        t = t.pin_memory().to(device, non_blocking=True)
        event = torch.cuda.Event()
        event.record(stream)
    return t, event


def _threaded(batches: Iterable, depth: int) -> Iterator:
    """Iterate ``batches`` in a loader thread, ``depth`` batches ahead (HDF5 reads overlap compute)."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for item in batches:
                q.put(item)
        except BaseException as err:  # re-raised in the consumer
            errors.append(err)
        finally:
            q.put(done)

    threading.Thread(target=work, daemon=True).start()
    while (item := q.get()) is not done:
        yield item
    if errors:
        raise errors[0]


def prefetch(
    batches: Iterable[tuple[np.ndarray, np.ndarray]], device: torch.device, depth: int = 2
) -> Iterator[tuple[torch.Tensor, np.ndarray]]:
    """Batches ``(x, y)`` with ``x`` moved to ``device`` as uint8, the next one staged while this one runs.

    Parameters
    ----------
    batches : iterable of (numpy.ndarray, numpy.ndarray)
        x uint8 (b, 4, L) (or float), y (b, T).
    device : torch.device
    depth : int
        CUDA only: batches read ahead by the loader thread.

    Yields
    ------
    (torch.Tensor, numpy.ndarray)
        x on ``device`` with ``x``'s dtype (call ``.float()`` there), y unchanged.
        On CUDA the copy runs on a side stream from pinned memory; the compute
        stream waits for it only when the batch is used. On CPU: no thread, no copy.
    """
    device = torch.device(device)
    if device.type != "cuda":
        for x, y in batches:
            yield _staged(x, device, None)[0], y
        return
    stream = torch.cuda.Stream(device)
    pending = None
    for x, y in _threaded(batches, depth):
        staged = (*_staged(x, device, stream), y)
        if pending is not None:
            yield _ready(pending)
        pending = staged
    if pending is not None:
        yield _ready(pending)


def _ready(staged: tuple) -> tuple[torch.Tensor, np.ndarray]:
    t, event, y = staged
    torch.cuda.current_stream(t.device).wait_event(event)
    t.record_stream(torch.cuda.current_stream(t.device))
    return t, y
