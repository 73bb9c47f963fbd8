"""Set-up compiles the numba kernels the motif and attribution jobs call, into numba's cache."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import memelite
import tangermeme


def _cached(package, stem: str) -> list[Path]:
    """numba cache index files of ``package``'s module ``stem`` (beside it, or under NUMBA_CACHE_DIR)."""
    roots = [Path(package.__file__).parent / "__pycache__"]
    if os.environ.get("NUMBA_CACHE_DIR"):
        roots.append(Path(os.environ["NUMBA_CACHE_DIR"]))
    return [p for root in roots if root.exists() for p in root.rglob(f"{stem}.*.nbi")]


def test_the_kernels_module_leaves_tomtom_and_the_shuffle_compiled_in_the_cache():
    out = subprocess.run(
        [sys.executable, "-m", "chromcnn.interpret.kernels"], capture_output=True, text=True, check=True
    ).stdout
    assert "memelite.tomtom ready" in out and "tangermeme.dinucleotide_shuffle ready" in out
    assert _cached(memelite, "tomtom"), "no compiled Tomtom kernel in numba's cache"
    assert _cached(tangermeme, "ersatz"), "no compiled shuffle kernel in numba's cache"
