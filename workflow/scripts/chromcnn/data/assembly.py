"""Peaks called on another assembly than the genome's, caught before the heavy steps.

hg19 peaks against an hg38 FASTA share every chromosome name, so the
unknown-chromosome check sees nothing. Two checks see it:

* :func:`check_past_end`: more than ``peaks.max_past_end_fraction`` of a cell
  type's peaks run past their chromosome's end (any genome);
* :func:`check_peak_assembly`: for a genome whose chromosome lengths match a
  known assembly (:data:`ASSEMBLIES`), the peaks' largest end on some chromosome
  lies past that assembly's end but within another assembly's, which names both.

A genome matching no known assembly (a synthetic or custom one) is checked by
the first only.
"""

from __future__ import annotations

from chromcnn.data.chromnames import canonical
from chromcnn.errors import InputError

_HUMAN = [str(i) for i in range(1, 23)] + ["X", "Y"]
_MOUSE = [str(i) for i in range(1, 20)] + ["X", "Y"]
#: Primary chromosome lengths (UCSC chromInfo; GRCh37/GRCh38/NCBI37/GRCm38 are the same), by canonical name.
# fmt: off
ASSEMBLIES: dict[str, dict[str, int]] = {
    "hg19": dict(zip(_HUMAN, [
        249250621, 243199373, 198022430, 191154276, 180915260, 171115067, 159138663, 146364022,
        141213431, 135534747, 135006516, 133851895, 115169878, 107349540, 102531392, 90354753,
        81195210, 78077248, 59128983, 63025520, 48129895, 51304566, 155270560, 59373566,
    ])),
    "hg38": dict(zip(_HUMAN, [
        248956422, 242193529, 198295559, 190214555, 181538259, 170805979, 159345973, 145138636,
        138394717, 133797422, 135086622, 133275309, 114364328, 107043718, 101991189, 90338345,
        83257441, 80373285, 58617616, 64444167, 46709983, 50818468, 156040895, 57227415,
    ])),
    "mm9": dict(zip(_MOUSE, [
        197195432, 181748087, 159599783, 155630120, 152537259, 149517037, 152524553, 131738871,
        124076172, 129993255, 121843856, 121257530, 120284312, 125194864, 103494974, 98319150,
        95272651, 90772031, 61342430, 166650296, 15902555,
    ])),
    "mm10": dict(zip(_MOUSE, [
        195471971, 182113224, 160039680, 156508116, 151834684, 149736546, 145441459, 129401213,
        124595110, 130694993, 122082543, 120129022, 120421639, 124902244, 104043685, 98207768,
        94987271, 90702639, 61431566, 171031299, 91744698,
    ])),
}
# fmt: on
SPECIES = {"hg19": "human", "hg38": "human", "mm9": "mouse", "mm10": "mouse"}
_TABLE_NAMES = set(_HUMAN) | set(_MOUSE)
#: A peak may overshoot its chromosome's end by this much (peak callers do) without naming an assembly.
OVERSHOOT_BP = 10_000


def guess_assembly(chrom_sizes: dict[str, int]) -> str | None:
    """The known assembly whose lengths the genome's tabled chromosomes all equal, if exactly one.

    Parameters
    ----------
    chrom_sizes : dict of str to int
        Genome chromosome lengths, UCSC (``chr1``) or Ensembl (``1``) names.

    Returns
    -------
    str or None
        ``"hg19"``, ``"hg38"``, ``"mm9"`` or ``"mm10"``; None when no tabled chromosome is
        present, a length differs from every assembly, or the evidence fits several.
    """
    tabled = {canonical(c): n for c, n in chrom_sizes.items() if canonical(c) in _TABLE_NAMES}
    hits = [a for a, table in ASSEMBLIES.items() if tabled and all(table.get(c) == n for c, n in tabled.items())]
    return hits[0] if len(hits) == 1 else None


def fitting_assemblies(max_end: dict[str, int]) -> list[str]:
    """Known assemblies that hold every tabled chromosome of the peaks with its largest end (+ overshoot)."""
    tabled = {canonical(c): e for c, e in max_end.items() if canonical(c) in _TABLE_NAMES}
    return [
        a
        for a, table in ASSEMBLIES.items()
        if tabled and all(c in table and e <= table[c] + OVERSHOOT_BP for c, e in tabled.items())
    ]


def check_peak_assembly(label: str, name: str, max_end: dict[str, int], chrom_sizes: dict[str, int]) -> None:
    """Raise when the peaks' coordinates fit another known assembly than the genome's.

    Parameters
    ----------
    label : str
        The peak file, named in the message.
    name : str
        Cell-type name.
    max_end : dict of str to int
        Largest peak end per chromosome as read (before clipping), any chromosome.
    chrom_sizes : dict of str to int
        Genome chromosome lengths.

    Raises
    ------
    InputError
        ``<file>: cell type 'A': peaks look like hg19 (chr1 peaks reach N, past hg38's chr1 end M)
        but the genome is hg38. Fix: lift the peaks over to hg38 (UCSC liftOver) or use the hg19 genome.``
    """
    genome = guess_assembly(chrom_sizes)
    fits = fitting_assemblies(max_end)
    if genome is None or not fits or genome in fits:
        return
    table = ASSEMBLIES[genome]
    over = {c: e - table[canonical(c)] for c, e in max_end.items() if canonical(c) in table}
    chrom = max(over, key=over.__getitem__)
    same_species = [a for a in fits if SPECIES[a] == SPECIES[genome]]
    fix = f"lift the peaks over to {genome} (UCSC liftOver) or use the {(same_species or fits)[0]} genome"
    if not same_species:
        fix = f"use a {' or '.join(fits)} genome: the peaks are from another species than the {genome} genome"
    raise InputError(
        f"cell type '{name}': peaks look like {' or '.join(same_species or fits)} ({chrom} peaks reach "
        f"{max_end[chrom]:,}, past {genome}'s {chrom} end {table[canonical(chrom)]:,}) but the genome is {genome}",
        fix,
        path=label,
    )


def check_past_end(
    label: str, name: str, qc: dict, max_end: dict[str, int], chrom_sizes: dict[str, int], max_fraction: float
) -> None:
    """Raise when more than ``max_fraction`` of the peaks on genome chromosomes run past their ends.

    Parameters
    ----------
    label, name : str
        Peak file (named in the message) and cell type.
    qc : dict
        The peak file's counts (:attr:`chromcnn.data.peaks.PeakSet.qc`): read,
        dropped_unknown_chrom, clipped_past_end, dropped_past_end.
    max_end : dict of str to int
        Largest peak end per chromosome as read.
    chrom_sizes : dict of str to int
        Genome chromosome lengths.
    max_fraction : float
        ``peaks.max_past_end_fraction``.
    """
    past = qc["clipped_past_end"] + qc["dropped_past_end"]
    on_genome = qc["read"] - qc["dropped_unknown_chrom"]
    if past == 0 or past <= max_fraction * on_genome:
        return
    chrom = max((c for c in max_end if c in chrom_sizes), key=lambda c: max_end[c] - chrom_sizes[c])
    raise InputError(
        f"cell type '{name}': {past} of {on_genome} peaks ({100 * past / on_genome:.0f}%) run past their "
        f"chromosome's end, more than peaks.max_past_end_fraction ({max_fraction:g}) allows: {chrom} peaks reach "
        f"{max_end[chrom]:,}, past the genome's {chrom} end {chrom_sizes[chrom]:,}",
        "the peaks were likely called on another assembly: use that assembly's genome, or lift the peaks "
        "over to this one (UCSC liftOver); if the overhang is expected, raise peaks.max_past_end_fraction",
        path=label,
    )
