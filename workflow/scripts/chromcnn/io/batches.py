"""Batches from the HDF5 contract without one h5py read per example.

A split whose one-hot array fits ``memory_budget_mb`` is read into RAM once
(uint8) and batched by fancy indexing in a shuffled order. A larger split is
read as contiguous, chunk-aligned blocks in a shuffled block order; the rows of
``buffer_blocks`` blocks are shuffled again together before batching. Either
way the order depends only on ``(seed, epoch)``, so a resumed run sees the
same batches as an uninterrupted one.
"""

from __future__ import annotations

from collections.abc import Iterator

import h5py
import numpy as np

from chromcnn.io.split_h5 import open_split


class Batches:
    """Iterable of (x uint8 (b, 4, L), y (b, T)) numpy batches for one epoch at a time.

    Parameters
    ----------
    path : str
        Split file.
    batch_size : int
    memory_budget_mb : float
        Load into RAM when x fits in this many MB.
    chunks_per_block : int
        Streaming mode: HDF5 chunks per contiguous read.
    buffer_blocks : int
        Streaming mode: blocks whose rows are shuffled together.
    """

    def __init__(
        self,
        path: str,
        batch_size: int,
        memory_budget_mb: float = 4096,
        chunks_per_block: int = 4,
        buffer_blocks: int = 16,
    ) -> None:
        self.info = open_split(path)
        self.batch_size = batch_size
        self.in_memory = self.info.n * 4 * self.info.window <= memory_budget_mb * 1e6
        self.block_rows = self.info.chunk_rows * chunks_per_block
        self.buffer_blocks = buffer_blocks
        self.x = self.y = None
        if self.in_memory:
            with h5py.File(path, "r") as h5:
                self.x, self.y = h5["x"][:], h5["y"][:]

    def __len__(self) -> int:
        return -(-self.info.n // self.batch_size)

    def epoch(self, seed: int, epoch: int, shuffle: bool = True) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Batches of one epoch; the order depends only on ``(seed, epoch)``."""
        rng = np.random.default_rng([seed, epoch])
        if self.in_memory:
            yield from self._memory(rng, shuffle)
        else:
            yield from self._stream(rng, shuffle)

    def _memory(self, rng: np.random.Generator, shuffle: bool):
        n, b = self.info.n, self.batch_size
        if not shuffle:
            for i in range(0, n, b):
                yield self.x[i : i + b], self.y[i : i + b]
            return
        order = rng.permutation(n)
        for i in range(0, n, b):
            idx = np.sort(order[i : i + b])
            yield self.x[idx], self.y[idx]

    def _stream(self, rng: np.random.Generator, shuffle: bool):
        starts = np.arange(0, self.info.n, self.block_rows)
        if shuffle:
            starts = rng.permutation(starts)
        b = self.batch_size
        carry_x = carry_y = None
        with h5py.File(self.info.path, "r") as h5:
            x_ds, y_ds = h5["x"], h5["y"]
            for g in range(0, len(starts), self.buffer_blocks):
                xs = [x_ds[s : s + self.block_rows] for s in starts[g : g + self.buffer_blocks]]
                ys = [y_ds[s : s + self.block_rows] for s in starts[g : g + self.buffer_blocks]]
                if carry_x is not None:
                    xs.insert(0, carry_x)
                    ys.insert(0, carry_y)
                bx, by = np.concatenate(xs), np.concatenate(ys)
                if shuffle:
                    perm = rng.permutation(len(bx))
                    bx, by = bx[perm], by[perm]
                full = len(bx) - len(bx) % b
                for i in range(0, full, b):
                    yield bx[i : i + b], by[i : i + b]
                carry_x, carry_y = bx[full:], by[full:]
        if carry_x is not None and len(carry_x):
            yield carry_x, carry_y
