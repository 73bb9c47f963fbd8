"""Reference genome: validate, decompress, index, and read one chromosome at a time.

Sequences are never held as Python strings. :func:`load_codes` reads one
chromosome straight from the indexed FASTA into a ``uint8`` array of base codes
(A=0, C=1, G=2, T=3, anything else=4, case-insensitive) with one
``bytes.translate`` per block, so memory is one byte per base of the current
chromosome.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyfaidx

from chromcnn.errors import InputError
from chromcnn.io.atomic import atomic_path
from chromcnn.io.onehot import ALPHABET
from chromcnn.io.sniff import open_bytes, read_past_bom

CHUNK = 1 << 22
READ_BLOCK = 1 << 18  # 256 KiB: measured fastest for load_codes (stays in cache)
N_CODE = 4
#: 256-byte table mapping ASCII to base codes (A/a=0, C/c=1, G/g=2, T/t=3, else 4).
CODE_TABLE = bytes({ord(b): k for k, b in enumerate(ALPHABET)}.get(i & ~0x20, N_CODE) for i in range(256))
_SEQ_CHARS = b"ACGTNRYKMSWBDHVUacgtnrykmswbdhvu-*"


@dataclass(frozen=True)
class FaiEntry:
    """One line of a samtools-style .fai index."""

    name: str
    length: int
    offset: int
    line_bases: int
    line_width: int


def read_fai(fai_path: str | Path) -> list[FaiEntry]:
    """Read a .fai index in file order."""
    entries = []
    with open(fai_path) as handle:
        for line in handle:
            name, length, offset, bases, width = line.rstrip("\n").split("\t")[:5]
            entries.append(FaiEntry(name, int(length), int(offset), int(bases), int(width)))
    return entries


def fasta_index(fasta: str | Path) -> list[FaiEntry]:
    """The ``.fai`` entries of a plain FASTA, rebuilding the index first when it is missing or older.

    The index is a cache of the FASTA, not a result: the rules list the FASTA as
    their input, so deleting ``{fasta}.fai`` reruns nothing (``snakemake -n`` is
    empty) and the next reader rebuilds it here, atomically (readers running at
    once each write the same bytes and rename them into place).
    """
    fai = Path(f"{fasta}.fai")
    if not fai.is_file() or fai.stat().st_mtime < Path(fasta).stat().st_mtime:
        with atomic_path(fai) as tmp:
            pyfaidx.Faidx(str(fasta), indexname=str(tmp), rebuild=True).close()
    return read_fai(fai)


def read_chrom_sizes(path: str | Path) -> dict[str, int]:
    """Read a two-column chrom.sizes file into ``{name: length}`` (file order kept)."""
    sizes: dict[str, int] = {}
    with open(path) as handle:
        for line in handle:
            if line.strip():
                name, length = line.split()[:2]
                sizes[name] = int(length)
    return sizes


def _not_fasta(label: str, line: int, why: str) -> InputError:
    return InputError(
        f"genome file is not FASTA: {why}",
        "give a FASTA file (plain, gzip or bgzip) whose records start with '>name'",
        path=label,
        line=line,
    )


class _FastaChecker:
    """Streams FASTA bytes, checking syntax line by line only where needed."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.line_no = 0
        self.names: dict[str, int] = {}
        self.seen_text = False

    def feed(self, block: bytes) -> None:
        """Check a block of complete lines (ending with ``\\n``)."""
        if self.names and not block.translate(None, _SEQ_CHARS + b"\r\n"):
            self.line_no += block.count(b"\n")
            return
        for raw in block.split(b"\n")[:-1]:
            self.line_no += 1
            line = raw.rstrip(b"\r")
            if line.startswith(b">"):
                self._header(line)
            elif line.strip():
                self._sequence(line)

    def _header(self, line: bytes) -> None:
        name = line[1:].split(maxsplit=1)[0].decode(errors="replace") if line[1:].strip() else ""
        if not name:
            raise _not_fasta(self.label, self.line_no, "a header line has no name")
        if name in self.names:
            raise InputError(
                f"duplicate FASTA record '{name}' (first on line {self.names[name]})",
                "remove or rename the duplicate record",
                path=self.label,
                line=self.line_no,
            )
        self.names[name] = self.line_no

    def _sequence(self, line: bytes) -> None:
        if not self.names:
            raise _not_fasta(self.label, self.line_no, "the first line does not start with '>'")
        bad = line.translate(None, _SEQ_CHARS)
        if bad:
            char = bad[:1].decode(errors="replace")
            raise _not_fasta(self.label, self.line_no, f"unexpected character {char!r} in sequence")

    def finish(self) -> None:
        if not self.names:
            raise _not_fasta(self.label, max(self.line_no, 1), "no '>' record found")


def decompress_and_check(src: str | Path, dest: str | Path, label: str | None = None) -> list[str]:
    """Copy a plain/gzip/bgzip FASTA to a plain file, validating it on the way.

    Parameters
    ----------
    src : str or Path
        Input FASTA, possibly gzip- or bgzip-compressed.
    dest : str or Path
        Plain FASTA to write (the caller handles atomic renaming).
    label : str, optional
        Name used in error messages (defaults to ``src``).

    Returns
    -------
    list of str
        Record names in file order.
    """
    label = label or str(src)
    checker = _FastaChecker(label)
    try:
        with open_bytes(src) as inp, open(dest, "wb") as out:
            rest = read_past_bom(inp)  # a BOM would hide the first '>'
            while True:
                block = inp.read(CHUNK)
                if not block:
                    break
                block = rest + block
                cut = block.rfind(b"\n") + 1
                rest = block[cut:]
                checker.feed(block[:cut])
                out.write(block[:cut])
            if rest:
                checker.feed(rest + b"\n")
                out.write(rest + b"\n")
    except (EOFError, OSError) as err:
        raise InputError(
            f"cannot read genome file ({err})",
            "check that it is a complete plain, gzip or bgzip FASTA",
            path=label,
        ) from None
    checker.finish()
    return list(checker.names)


def prepare_genome(
    src: str | Path, fasta_out: str | Path, sizes_out: str | Path, label: str | None = None
) -> list[str]:
    """Validate, decompress and index a genome; write ``.fa``, ``.fa.fai`` and chrom sizes.

    All three outputs appear only when complete (temporary names, then renames).

    Returns
    -------
    list of str
        Chromosome names in FASTA order.
    """
    # renamed in this order when all three are complete: FASTA, index, sizes
    with (
        atomic_path(sizes_out) as tmp_sizes,
        atomic_path(f"{fasta_out}.fai") as tmp_fai,
        atomic_path(fasta_out) as tmp_fa,
    ):
        names = decompress_and_check(src, tmp_fa, label)
        try:
            pyfaidx.Faidx(str(tmp_fa), indexname=str(tmp_fai), rebuild=True).close()
        except pyfaidx.FastaIndexingError as err:
            raise InputError(
                f"genome FASTA cannot be indexed: {err}",
                "make every sequence line of a record the same length (e.g. reformat with seqkit seq -w 60)",
                path=label or str(src),
            ) from None
        with open(tmp_sizes, "w") as out:
            out.writelines(f"{e.name}\t{e.length}\n" for e in read_fai(tmp_fai))
    return names


def load_codes(fasta: str | Path, entry: FaiEntry) -> np.ndarray:
    """Read one chromosome as base codes.

    Parameters
    ----------
    fasta : str or Path
        Plain, indexed FASTA.
    entry : FaiEntry
        The chromosome's index entry.

    Returns
    -------
    numpy.ndarray
        uint8, shape (entry.length,), values 0-4 (A, C, G, T, other).
    """
    codes = np.empty(entry.length, dtype=np.uint8)
    lines_per_block = max(1, READ_BLOCK // max(entry.line_width, 1))
    block_bytes = lines_per_block * entry.line_width
    pos = 0
    with open(fasta, "rb") as handle:
        handle.seek(entry.offset)
        while pos < entry.length:
            raw = handle.read(block_bytes)
            if not raw:
                break
            seq = raw.translate(CODE_TABLE, b"\r\n")
            take = min(len(seq), entry.length - pos)
            codes[pos : pos + take] = np.frombuffer(seq, dtype=np.uint8, count=take)
            pos += take
    if pos != entry.length:
        raise InputError(
            f"FASTA record '{entry.name}' is shorter than its index says",
            f"delete {fasta}.fai and type the same command again (the index is rebuilt, nothing else reruns)",
            path=str(fasta),
        )
    return codes


def base_composition(fasta: str | Path) -> dict:
    """A, C, G, T fractions of a plain indexed FASTA (N and other codes excluded).

    Streams one chromosome at a time, so memory is that of the largest one.

    Returns
    -------
    dict
        ``{"A": float, "C": float, "G": float, "T": float, "acgt_bases": int, "other_bases": int}``.
    """
    counts = np.zeros(5, dtype=np.int64)
    for entry in fasta_index(fasta):
        counts += np.bincount(load_codes(fasta, entry), minlength=5)[:5]
    acgt = int(counts[:4].sum())
    if acgt == 0:
        raise InputError("the genome has no A, C, G or T", "check the FASTA", path=str(fasta))
    out = {b: float(c / acgt) for b, c in zip(ALPHABET, counts[:4])}
    out.update(acgt_bases=acgt, other_bases=int(counts[4]))
    return out
