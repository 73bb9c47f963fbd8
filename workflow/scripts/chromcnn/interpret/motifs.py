"""Position probability matrices: from site counts, to MEME, to JASPAR matches.

Matrices are float (4, L) with rows A, C, G, T (the PyTorch layout memelite's
Tomtom takes). JASPAR comes from the sqlite file inside the pyjaspar wheel, so
nothing is fetched at run time; the release is recorded with every result.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chromcnn.errors import InputError
from chromcnn.io.atomic import write_text
from chromcnn.io.onehot import information

BASES = "ACGT"
IUPAC = {
    frozenset("AC"): "M",
    frozenset("AG"): "R",
    frozenset("AT"): "W",
    frozenset("CG"): "S",
    frozenset("CT"): "Y",
    frozenset("GT"): "K",
}


def ppm_from_counts(counts: np.ndarray, background: np.ndarray, pseudocount: float = 1.0) -> np.ndarray:
    """Probabilities from aligned-site base counts with a background-weighted pseudocount.

    Parameters
    ----------
    counts : numpy.ndarray
        float (4, L) base counts per position.
    background : numpy.ndarray
        float (4,) base composition (sums to 1).
    pseudocount : float
        Total pseudo-observations added per position, spread as ``background``.

    Returns
    -------
    numpy.ndarray
        float64 (4, L); every column sums to 1.
    """
    counts = np.asarray(counts, dtype=np.float64)
    bg = np.asarray(background, dtype=np.float64)[:, None]
    total = counts.sum(axis=0, keepdims=True)
    return (counts + pseudocount * bg) / (total + pseudocount)


def read_background(path: str | Path) -> np.ndarray:
    """float64 (4,) base composition A, C, G, T from a ``*.composition.json`` file."""
    comp = json.loads(Path(path).read_text())
    return np.array([comp[b] for b in BASES])


def trim(ppm: np.ndarray, background: np.ndarray, min_ic: float) -> tuple[np.ndarray, int]:
    """Drop flanking positions under ``min_ic`` bits; returns (matrix, offset of the first kept column).

    A matrix with no position at or above ``min_ic`` is returned whole.
    """
    ic = information(ppm, background)
    keep = np.flatnonzero(ic >= min_ic)
    if len(keep) == 0:
        return ppm, 0
    return ppm[:, keep[0] : keep[-1] + 1], int(keep[0])


def consensus(ppm: np.ndarray) -> str:
    """IUPAC consensus: a base above 0.5 and twice the next; two bases together above 0.75; else N."""
    letters = []
    for col in np.asarray(ppm).T:
        order = np.argsort(-col)
        first, second = col[order[0]], col[order[1]]
        if first > 0.5 and first >= 2 * second:
            letters.append(BASES[order[0]])
        elif first + second > 0.75:
            letters.append(IUPAC[frozenset(BASES[order[0]] + BASES[order[1]])])
        else:
            letters.append("N")
    return "".join(letters)


def write_meme(path: str | Path, motifs: dict[str, np.ndarray], background: np.ndarray, nsites: dict | None = None):
    """MEME (version 4) text of ``name -> (4, L)`` matrices, written atomically."""
    bg = " ".join(f"{b} {p:.4f}" for b, p in zip(BASES, background))
    lines = ["MEME version 4", "", "ALPHABET= ACGT", "", "strands: + -", "", "Background letter frequencies", bg, ""]
    for name, ppm in motifs.items():
        n = int((nsites or {}).get(name, 0))
        lines.append(f"MOTIF {name}")
        lines.append(f"letter-probability matrix: alength= 4 w= {ppm.shape[1]} nsites= {n} E= 0")
        lines += [" ".join(f"{v:.6f}" for v in col) for col in ppm.T]
        lines.append("")
    write_text("\n".join(lines) + "\n", path)


def read_meme(path: str | Path) -> dict[str, np.ndarray]:
    """``name -> (4, L)`` matrices of a MEME file; the name is the MOTIF line's first word and the rest."""
    from memelite.io import read_meme as _read

    return {name: np.asarray(m, dtype=np.float64) for name, m in _read(str(path)).items()}


@dataclass
class MotifDatabase:
    """Target matrices for Tomtom.

    Attributes
    ----------
    ids, names : list of str
    ppms : list of numpy.ndarray
        float (4, L_i).
    release : str
        e.g. "JASPAR2024 CORE vertebrates non-redundant (pyjaspar 4.0.0)".
    """

    ids: list[str]
    names: list[str]
    ppms: list[np.ndarray]
    release: str

    def index(self, motif_id: str) -> int:
        return self.ids.index(motif_id)


def available_releases() -> list[str]:
    """JASPAR releases shipped inside the installed pyjaspar."""
    import pyjaspar

    return sorted(pyjaspar.jaspar_releases)


def load_jaspar(release: str, collection: str = "CORE", tax_group: str = "vertebrates") -> MotifDatabase:
    """JASPAR non-redundant (latest version of each matrix) from pyjaspar's offline sqlite.

    Raises
    ------
    InputError
        When ``release`` is not shipped with the installed pyjaspar (names the ones that are).
    """
    from importlib import metadata

    releases = available_releases()
    if release not in releases:
        raise InputError(
            f"motif database release '{release}' is not available offline (pyjaspar has {', '.join(releases)})",
            f"set motifs.jaspar_release to one of {', '.join(releases)}",
            path="config.yaml",
        )
    from pyjaspar import jaspardb

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        records = jaspardb(release=release).fetch_motifs(
            collection=collection, tax_group=[tax_group], all_versions=False
        )
    ids, names, ppms = [], [], []
    for rec in records:
        counts = np.array([rec.counts[b] for b in BASES], dtype=np.float64)
        ids.append(rec.matrix_id)
        names.append(rec.name)
        ppms.append(counts / counts.sum(axis=0, keepdims=True))
    label = f"{release} {collection} {tax_group} non-redundant (pyjaspar {metadata.version('pyjaspar')})"
    return MotifDatabase(ids, names, ppms, label)


def load_meme_database(path: str | Path) -> MotifDatabase:
    """A MEME file as a target database (ids = first word of each MOTIF line)."""
    motifs = read_meme(path)
    ids = [k.split()[0] for k in motifs]
    names = [k.split(maxsplit=1)[1] if " " in k else k for k in motifs]
    return MotifDatabase(ids, names, list(motifs.values()), f"MEME file {Path(path).name}")


def bh_qvalues(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values along the last axis (as Tomtom reports per query)."""
    p = np.asarray(p, dtype=np.float64)
    m = p.shape[-1]
    order = np.argsort(p, axis=-1)
    ranked = np.take_along_axis(p, order, axis=-1) * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[..., ::-1], axis=-1)[..., ::-1]
    q = np.empty_like(p)
    np.put_along_axis(q, order, np.minimum(ranked, 1.0), axis=-1)
    return q


def tomtom(queries: list[np.ndarray], targets: list[np.ndarray], threads: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Tomtom p- and q-values of every query against every target (memelite; both strands).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        float64 (Q, T) p-values and per-query BH q-values.
    """
    from memelite import tomtom as _tomtom

    if not queries:
        return np.zeros((0, len(targets))), np.zeros((0, len(targets)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # few-target warning: callers pass whole databases
        p = _tomtom(list(queries), list(targets), n_jobs=threads)[0]
    p = np.clip(np.nan_to_num(np.asarray(p, dtype=np.float64), nan=1.0), 0.0, 1.0)
    return p, bh_qvalues(p)


def check_database_config(cfg: dict, source: str) -> str:
    """Check config.yaml's ``motifs`` database keys before any job runs; returns the database label."""
    from importlib import metadata

    if cfg.get("database"):
        if not Path(cfg["database"]).is_file():
            raise InputError(
                f"motif database file {cfg['database']} does not exist",
                "give an existing MEME file in motifs.database, or null to use JASPAR from pyjaspar",
                path=source,
            )
        return f"MEME file {Path(cfg['database']).name}"
    releases = available_releases()
    if cfg["jaspar_release"] not in releases:
        raise InputError(
            f"motif database release '{cfg['jaspar_release']}' is not available offline "
            f"(pyjaspar has {', '.join(releases)})",
            f"set motifs.jaspar_release to one of {', '.join(releases)}",
            path=source,
        )
    return (
        f"{cfg['jaspar_release']} {cfg['collection']} {cfg['tax_group']} non-redundant "
        f"(pyjaspar {metadata.version('pyjaspar')})"
    )


def load_database(cfg: dict) -> MotifDatabase:
    """The target database config.yaml's ``motifs`` section names: a MEME file, else JASPAR."""
    if cfg.get("database"):
        return load_meme_database(cfg["database"])
    return load_jaspar(cfg["jaspar_release"], cfg["collection"], cfg["tax_group"])
