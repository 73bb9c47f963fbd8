"""Vectorised window extraction and one-hot encoding from base codes.

Base codes (uint8: A=0, C=1, G=2, T=3, other=4) come from
:func:`chromcnn.data.genome.load_codes`. Windows are gathered with one fancy-index
copy of a strided view, and one-hot planes are written with ``np.equal``
directly into the output, so no temporary larger than the output is made.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from chromcnn.data.genome import CODE_TABLE, N_CODE


def codes_from_string(seq: str) -> np.ndarray:
    """Base codes of a sequence string (any case; non-ACGT -> 4).

    Returns
    -------
    numpy.ndarray
        uint8, shape (len(seq),).
    """
    return np.frombuffer(seq.encode("ascii", "replace").translate(CODE_TABLE), dtype=np.uint8).copy()


def gather(codes: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
    """Windows of ``length`` bases starting at ``starts``.

    Parameters
    ----------
    codes : numpy.ndarray
        uint8, shape (chrom_len,).
    starts : numpy.ndarray
        int64, shape (n,), each in ``[0, chrom_len - length]``.
    length : int
        Window length L.

    Returns
    -------
    numpy.ndarray
        uint8, shape (n, L), a copy.
    """
    if len(codes) < length:
        raise ValueError(f"chromosome of {len(codes)} bp is shorter than the window ({length} bp)")
    view = np.lib.stride_tricks.sliding_window_view(codes, length)
    return view[np.asarray(starts, dtype=np.int64)]


def one_hot(windows: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """One-hot encode base codes, channels A, C, G, T; other codes give all-zero columns.

    Parameters
    ----------
    windows : numpy.ndarray
        uint8, shape (n, L), values 0-4.
    out : numpy.ndarray, optional
        uint8, shape (n, 4, L), C-contiguous, written in place.

    Returns
    -------
    numpy.ndarray
        uint8, shape (n, 4, L).
    """
    n, length = windows.shape
    if out is None:
        out = np.empty((n, 4, length), dtype=np.uint8)
    elif out.shape != (n, 4, length) or out.dtype != np.uint8:
        raise ValueError(f"out must be uint8 of shape {(n, 4, length)}, got {out.dtype} {out.shape}")
    flags = out.view(np.bool_)
    for k in range(4):
        np.equal(windows, k, out=flags[:, k, :])
    return out


def one_hot_windows(
    codes: np.ndarray,
    starts: np.ndarray,
    length: int,
    out: np.ndarray | None = None,
    block: int = 256,
    threads: int = 1,
) -> np.ndarray:
    """Gather and one-hot encode windows in cache-sized blocks.

    Equivalent to ``one_hot(gather(codes, starts, length))`` but about twice as
    fast: each block of ``block`` windows (``block * length`` bytes) stays in
    cache for the four comparison passes. numpy releases the GIL, so
    ``threads > 1`` encodes blocks in parallel.

    Parameters
    ----------
    codes : numpy.ndarray
        uint8, shape (chrom_len,), base codes of one chromosome.
    starts : numpy.ndarray
        int64, shape (n,).
    length : int
        Window length L.
    out : numpy.ndarray, optional
        uint8, shape (n, 4, L), C-contiguous, written in place.
    block : int
        Windows per block.
    threads : int
        Worker threads.

    Returns
    -------
    numpy.ndarray
        uint8, shape (n, 4, L).
    """
    starts = np.asarray(starts, dtype=np.int64)
    n = len(starts)
    if out is None:
        out = np.empty((n, 4, length), dtype=np.uint8)
    if len(codes) < length:
        raise ValueError(f"chromosome of {len(codes)} bp is shorter than the window ({length} bp)")
    view = np.lib.stride_tricks.sliding_window_view(codes, length)

    def encode_block(i: int) -> None:
        one_hot(view[starts[i : i + block]], out=out[i : i + block])

    if threads > 1 and n > block:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(encode_block, range(0, n, block)))
    else:
        for i in range(0, n, block):
            encode_block(i)
    return out


def decode(onehot: np.ndarray) -> list[str]:
    """Sequences back from one-hot (all-zero columns -> 'N').

    Parameters
    ----------
    onehot : numpy.ndarray
        shape (n, 4, L).
    """
    idx = np.where(onehot.any(axis=1), onehot.argmax(axis=1), 4)
    table = np.frombuffer(b"ACGTN", dtype=np.uint8)
    return [table[row].tobytes().decode() for row in idx]


def gc_and_n(windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GC fraction (of ACGT bases) and N fraction (of all bases) per window.

    Parameters
    ----------
    windows : numpy.ndarray
        uint8, shape (n, L).

    Returns
    -------
    tuple of numpy.ndarray
        float64 (n,) GC fraction (0 where no ACGT base), float64 (n,) N fraction.
    """
    length = windows.shape[1]
    n_count = np.count_nonzero(windows == N_CODE, axis=1)
    gc_count = np.count_nonzero((windows == 1) | (windows == 2), axis=1)
    acgt = length - n_count
    gc = np.divide(gc_count, acgt, out=np.zeros(len(windows)), where=acgt > 0)
    return gc, n_count / length


def window_stats(
    codes: np.ndarray, starts: np.ndarray, length: int, batch: int = 4096
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`gc_and_n` of windows gathered in batches (bounded memory)."""
    gc = np.empty(len(starts))
    nf = np.empty(len(starts))
    for i in range(0, len(starts), batch):
        gc[i : i + batch], nf[i : i + batch] = gc_and_n(gather(codes, starts[i : i + batch], length))
    return gc, nf
