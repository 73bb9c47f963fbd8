"""Chromosome names across naming styles, and the one message for names the genome lacks.

UCSC names chromosomes ``chr1 ... chrX, chrM``; Ensembl/NCBI ``1 ... X, MT``.
:func:`canonical` maps both to one key, so a name can be matched to its
counterpart in the genome's style. :func:`unknown_chrom_error` is the wording
used for peak files and blacklists alike.
"""

from __future__ import annotations

from collections import Counter

from chromcnn.errors import InputError


def canonical(name: str) -> str:
    """The style-free key of a chromosome name: ``chr1``, ``Chr1``, ``1`` -> ``1``; ``chrM``, ``MT`` -> ``M``."""
    bare = name[3:] if name[:3].lower() == "chr" else name
    return "M" if bare.upper() in ("M", "MT") else bare


def counterparts(names: list[str], chrom_sizes: dict[str, int]) -> dict[str, str]:
    """Map each of ``names`` that the genome holds in another naming style to the genome's name."""
    genome = {canonical(g): g for g in chrom_sizes}
    return {n: genome[canonical(n)] for n in names if n not in chrom_sizes and canonical(n) in genome}


def unknown_chrom_error(
    label: str,
    subject: str,
    noun: str,
    n_unknown: int,
    n_read: int,
    unknown: Counter,
    chrom_sizes: dict[str, int],
    subset_fix: str,
) -> InputError:
    """The classic assembly/naming mismatch, with example names from both sides.

    Parameters
    ----------
    label : str
        The user's file, named first in the message.
    subject : str
        Whose records these are, e.g. ``"cell type 'A'"`` or ``"blacklist"``.
    noun : str
        What the records are called (``"peaks"``, ``"records"``).
    n_unknown, n_read : int
        Records on chromosomes the genome lacks, and all records read.
    unknown : collections.Counter
        Records per unknown chromosome name.
    chrom_sizes : dict of str to int
        The genome's chromosomes (in FASTA order).
    subset_fix : str
        The fix when the names are not simply another naming style.

    Returns
    -------
    InputError
        ``<file>: <subject>: N of M <noun> (P%) lie on chromosomes the genome lacks: <noun> name
        'x', ..., genome has 'y', .... Fix: ...``; the genome's names are the counterparts of the
        file's names where the genome has them, else its first three. The fix says how to rename
        when the file's names are the genome's in another style, else ``subset_fix``.
    """
    names = [c for c, _ in unknown.most_common(3)]
    pairs = counterparts(list(unknown), chrom_sizes)
    genome_names = [pairs[n] for n in names if n in pairs] or list(chrom_sizes)[:3]
    fix = "use a genome and files of the same assembly and naming"
    if pairs and all(not f.startswith("chr") and g.startswith("chr") for f, g in pairs.items()):
        fix += f" ({noun} use Ensembl-style names; add the prefix, e.g. zcat f | sed 's/^/chr/')"
    elif pairs and all(f.startswith("chr") and not g.startswith("chr") for f, g in pairs.items()):
        fix += f" ({noun} use UCSC-style 'chr' names and the genome does not; drop them, e.g. zcat f | sed 's/^chr//')"
    elif pairs:
        fix += " (" + ", ".join(f"{f!r} is the genome's {g!r}" for f, g in list(pairs.items())[:3]) + "; rename them)"
    else:
        fix += f", {subset_fix}"
    return InputError(
        f"{subject}: {n_unknown} of {n_read} {noun} ({100 * n_unknown / n_read:.0f}%) lie on "
        f"chromosomes the genome lacks: {noun} name {', '.join(map(repr, names))}, "
        f"genome has {', '.join(map(repr, genome_names))}",
        fix,
        path=label,
    )
