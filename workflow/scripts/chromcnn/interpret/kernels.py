"""Compile, once at set-up, the numba kernels the interpretation steps call.

memelite's Tomtom and tangermeme's dinucleotide shuffle are numba functions:
numba compiles each on its first call in a process and, as they are declared
``cache=True``, stores the machine code beside the library (its
``__pycache__``), where later processes load it in milliseconds. A fresh
install therefore spends its first motif job compiling: Tomtom ~90 s and the
shuffle ~10 s (measured on the 2-core CPU machine), and on a cluster every
motif job that starts before the cache is written compiles it again.
``setup.sh`` runs this module after installing, on inputs of the types the
pipeline passes, so that no workflow job compiles. modisco-lite compiles its own
kernels in the background (its ``precompile``) and is not handled here.

    .venv/bin/python -m chromcnn.interpret.kernels
"""

from __future__ import annotations

import time

import numpy as np


def warm(seed: int = 0) -> dict[str, float]:
    """Call each kernel once on small inputs of the pipeline's types; seconds per kernel.

    Tomtom gets float64 (4, L) PPMs of several lengths through
    :func:`chromcnn.interpret.motifs.tomtom` and
    :func:`chromcnn.interpret.specificity.tomtom_alignments` (the matching
    rule's call); the shuffle gets a float32 (N, 4, L) one-hot batch through
    :func:`chromcnn.interpret.attribution.references`.
    """
    import torch

    from chromcnn.interpret import attribution, motifs, specificity

    rng = np.random.default_rng(seed)
    ppms = [rng.dirichlet(np.ones(4), size=n).T for n in (8, 12, 19, 25)]
    seconds = {}
    t = time.perf_counter()
    motifs.tomtom(ppms[:2], ppms, threads=1)
    specificity.tomtom_alignments(ppms[2:], ppms, threads=1)
    seconds["memelite.tomtom"] = time.perf_counter() - t
    t = time.perf_counter()
    x = torch.nn.functional.one_hot(torch.from_numpy(rng.integers(0, 4, (2, 50))), 4).permute(0, 2, 1)
    attribution.references(x.float(), 2, seed)
    seconds["tangermeme.dinucleotide_shuffle"] = time.perf_counter() - t
    return seconds


def main() -> None:
    """Compile and report the seconds each kernel took (a warm cache: well under a second)."""
    for name, s in warm().items():
        print(f"numba kernels: {name} ready ({s:.1f} s)")


if __name__ == "__main__":
    main()
