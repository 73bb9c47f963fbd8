"""One-hot DNA: the channel order, the reverse complement and information content.

Sequences are ``(..., 4, L)`` arrays with channels A, C, G, T (the order of
:data:`ALPHABET`); position weight matrices, filters and attributions use the
same ``(..., 4, W)`` shape. Because the complement of channel ``k`` is channel
``3 - k``, reversing both the channel and the position axes reverse-complements.
:func:`reverse_complement` takes NumPy arrays and torch tensors alike.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np

ALPHABET = "ACGT"

ArrayLike = TypeVar("ArrayLike")


def reverse_complement(x: ArrayLike) -> ArrayLike:
    """Reverse complement of one-hot sequences or base matrices.

    Parameters
    ----------
    x : numpy.ndarray or torch.Tensor
        Shape ``(..., 4, L)``, channels A, C, G, T, any dtype.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        A new array of the same type, shape and dtype (C-contiguous for NumPy),
        with ``out[..., k, i] == x[..., 3 - k, L - 1 - i]``.
    """
    if isinstance(x, np.ndarray):
        return np.ascontiguousarray(x[..., ::-1, ::-1])
    return x.flip(-2, -1)  # torch.Tensor (not imported here: io stays free of torch)


def information(ppm: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Information content (bits) of each position of a probability matrix against a background.

    Parameters
    ----------
    ppm : numpy.ndarray
        float, shape (4, W): base probabilities per position (columns sum to 1).
    background : numpy.ndarray
        float, shape (4,): A, C, G, T background frequencies.

    Returns
    -------
    numpy.ndarray
        float64, shape (W,): ``sum_b ppm[b] * log2(ppm[b] / background[b])`` (0 log 0 = 0).
    """
    bg = np.asarray(background, dtype=np.float64)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(ppm > 0, ppm * np.log2(ppm / bg), 0.0)
    return terms.sum(axis=0)
