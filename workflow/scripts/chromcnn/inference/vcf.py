"""Read a VCF (plain or bgzipped, pysam) as a stream of alleles, and check it against the genome first.

Each record becomes one :class:`Allele` per ALT (multi-allelic records are
split). Skipped and counted: symbolic or structural ALTs (``<DEL>``,
breakends, ``*``, ``.``), alleles longer than ``max_indel`` bp, records on
chromosomes the genome lacks, and REF alleles that differ from the genome.
:func:`check_vcf` streams the file once before any scoring (memory: counters
only) and stops with one line naming the file, the line and the fix on a
file that is not a VCF, an empty one, other chromosome names (both naming
styles named), or more REF mismatches than allowed (naming the assembly
the VCF seems to be on when its ``##contig`` lengths or positions say).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pysam

from chromcnn.data.assembly import fitting_assemblies, guess_assembly
from chromcnn.errors import InputError
from chromcnn.inference.genome_reader import Genome, check_names
from chromcnn.io.sniff import open_text

_BASES = frozenset("ACGTN")
NOT_VCF_FIX = "give a VCF (plain or bgzip) that starts with '##fileformat=VCFv4.x' and a #CHROM header line"


@dataclass(frozen=True)
class Allele:
    """One REF/ALT pair of a record: ``pos`` is 1-based, as in the VCF; ``line`` its line in the file."""

    chrom: str
    pos: int
    id: str
    ref: str
    alt: str
    line: int


@dataclass
class VcfCounts:
    """What the pass over a VCF counted."""

    records: int = 0
    alleles: int = 0
    symbolic: int = 0
    too_long: int = 0
    unknown_chrom: int = 0
    ref_mismatch: int = 0
    chroms: Counter = field(default_factory=Counter)
    max_pos: dict = field(default_factory=dict)
    first_mismatch: tuple | None = None

    def as_dict(self) -> dict:
        keys = ("records", "alleles", "symbolic", "too_long", "unknown_chrom", "ref_mismatch")
        return {k: getattr(self, k) for k in keys}


def open_vcf(path: str) -> pysam.VariantFile:
    """The VCF opened with pysam, or one line saying it is not a VCF."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(2)
    except OSError as err:
        raise InputError(f"cannot read the VCF ({err.strerror})", "give an existing VCF file", path=path) from None
    if head[:1] not in (b"#", b"\x1f"):
        raise InputError("not a VCF: the first line is not a '##' header", NOT_VCF_FIX, path=path, line=1)
    try:
        vcf = pysam.VariantFile(path)
    except (ValueError, OSError) as err:
        raise InputError(f"not a VCF ({str(err).strip()[:120]})", NOT_VCF_FIX, path=path, line=1) from None
    if vcf.format != "VCF":
        raise InputError(f"not a VCF (pysam reads it as {vcf.format})", NOT_VCF_FIX, path=path, line=1)
    return vcf


def _header_lines(path: str) -> int:
    """Number of ``#`` lines at the top of the (decompressed) file."""
    n = 0
    with open_text(path) as handle:
        for line in handle:
            if not line.startswith("#"):
                break
            n += 1
    return n


def is_symbolic(alt: str | None) -> bool:
    """True for ALTs that are not plain bases: ``<...>``, breakends, ``*``, ``.``, missing."""
    return not alt or not set(alt.upper()) <= _BASES


def alleles(path: str, counts: VcfCounts | None = None, max_indel: int = 50) -> Iterator[Allele]:
    """Every plain-base REF/ALT pair of a VCF, in file order (skipped ones are counted in ``counts``)."""
    counts = counts if counts is not None else VcfCounts()
    quiet = pysam.set_verbosity(0)  # htslib warns on stderr for every contig a header lacks
    try:
        vcf = open_vcf(path)
    except InputError:
        pysam.set_verbosity(quiet)
        raise
    first = _header_lines(path) + 1
    try:
        for i, rec in enumerate(vcf):
            counts.records += 1
            counts.chroms[rec.chrom] += 1
            counts.max_pos[rec.chrom] = max(counts.max_pos.get(rec.chrom, 0), rec.pos + len(rec.ref or ""))
            ref = (rec.ref or "").upper()
            for alt in rec.alts or (None,):
                if is_symbolic(alt) or is_symbolic(ref):
                    counts.symbolic += 1
                elif max(len(ref), len(alt)) > max_indel:
                    counts.too_long += 1
                else:
                    counts.alleles += 1
                    yield Allele(rec.chrom, rec.pos, rec.id or ".", ref, alt.upper(), first + i)
    except (ValueError, OSError) as err:
        line = first + counts.records
        raise InputError(
            f"malformed VCF record ({str(err).strip()[:120]})",
            "each record needs tab-separated CHROM, POS (an integer), ID, REF, ALT, QUAL, FILTER, INFO; "
            "fix or delete the line",
            path=path,
            line=line,
        ) from None
    finally:
        vcf.close()
        pysam.set_verbosity(quiet)


def ref_matches(genome: Genome, a: Allele) -> bool:
    """Whether the REF allele equals the genome's bases at its position (and lies on the chromosome)."""
    end = a.pos - 1 + len(a.ref)
    return end <= genome.sizes[a.chrom] and genome.sequence(a.chrom, a.pos - 1, end) == a.ref


def check_vcf(path: str, genome: Genome, max_indel: int = 50, max_ref_mismatch: float = 0.05) -> VcfCounts:
    """One pass over a VCF before scoring: readable, not empty, names, REF alleles.

    Parameters
    ----------
    max_ref_mismatch : float
        Fraction of checked alleles whose REF may differ from the genome (they are skipped).

    Raises
    ------
    InputError
        Not a VCF; no scorable allele; more than half the records on chromosomes the
        genome lacks; REF mismatches above ``max_ref_mismatch``.
    """
    counts = VcfCounts()
    for a in alleles(path, counts, max_indel):
        if a.chrom not in genome.sizes:
            counts.unknown_chrom += 1
        elif not ref_matches(genome, a):
            counts.ref_mismatch += 1
            counts.first_mismatch = counts.first_mismatch or a
    if counts.records == 0:
        raise InputError("no variant records in the VCF", "give a VCF with at least one record", path=path)
    check_names(path, "variants", counts.chroms, genome.sizes, max_fraction=0.5)
    checked = counts.alleles - counts.unknown_chrom
    if checked == 0:
        raise InputError(
            f"no SNV or short indel to score ({counts.symbolic} symbolic, "
            f"{counts.too_long} longer than {max_indel} bp)",
            f"give SNVs or indels of at most {max_indel} bp with plain-base REF and ALT alleles",
            path=path,
        )
    if counts.ref_mismatch > max_ref_mismatch * checked:
        raise _mismatch_error(path, genome, counts, checked, max_ref_mismatch)
    return counts


def _mismatch_error(path: str, genome: Genome, counts: VcfCounts, checked: int, limit: float) -> InputError:
    a = counts.first_mismatch
    end = min(a.pos - 1 + len(a.ref), genome.sizes[a.chrom])
    seen = genome.sequence(a.chrom, a.pos - 1, end) or "nothing (past the end)"
    ours = guess_assembly(genome.sizes)
    theirs = _vcf_assembly(path, counts)
    where = ""
    if theirs and theirs != ours:
        where = f"; the VCF looks like {theirs}" + (f" but the genome is {ours}" if ours else "")
    return InputError(
        f"{counts.ref_mismatch} of {checked} REF alleles ({100 * counts.ref_mismatch / checked:.0f}%) differ from "
        f"the genome {genome.path}, more than the allowed {limit:g} (first on line {a.line}: {a.chrom}:{a.pos} "
        f"REF {a.ref}, genome {seen}){where}",
        "use the genome the VCF was called on, or lift the VCF over to this genome (e.g. bcftools +liftover, "
        "CrossMap); raise the allowed fraction (--max-ref-mismatch, variants.max_ref_mismatch) "
        "only if they are expected",
        path=path,
    )


def _vcf_assembly(path: str, counts: VcfCounts) -> str | None:
    """The known assembly the VCF's ``##contig`` lengths match, else the one its positions alone fit."""
    vcf = open_vcf(path)
    try:
        lengths = {c.name: c.length for c in vcf.header.contigs.values() if c.length}
    finally:
        vcf.close()
    if lengths and (guess := guess_assembly(lengths)):
        return guess
    fits = fitting_assemblies(counts.max_pos)
    return fits[0] if len(fits) == 1 else None
