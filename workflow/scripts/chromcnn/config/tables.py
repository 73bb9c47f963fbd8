"""Files named under ``motifs`` checked when the workflow is parsed, before any job runs.

A motif database that is not MEME would load as zero motifs and every filter
would then match nothing, after the models were trained; a planted-motif
table without its ``motif_id`` column would fail in the last stage. Both are
read here as text (through :mod:`chromcnn.io.sniff`, so binary files and
encodings are handled as for every input) in milliseconds.
"""

from __future__ import annotations

from pathlib import Path

from chromcnn.config.sources import ConfigSources, as_sources
from chromcnn.errors import InputError
from chromcnn.io.sniff import text_lines


def meme_motif_ids(path: str | Path) -> list[str]:
    """Ids (first word after ``MOTIF``) of a MEME motif file, checked to be MEME.

    Raises
    ------
    InputError
        No ``MEME version`` line, or no ``MOTIF`` line (the file would load as zero motifs).
    """
    version, ids = False, []
    for _, text, _ in text_lines(path, str(path), "motif database", "MEME"):
        version = version or text.startswith("MEME version")
        if text.startswith("MOTIF") and len(text.split()) > 1:
            ids.append(text.split()[1])
    if not version or not ids:
        what = "has no 'MEME version' line" if not version else "has no 'MOTIF' line"
        raise InputError(
            f"motif database is not a MEME motif file: it {what}, so it would load as zero motifs",
            "give a MEME-format file (JASPAR's 'MEME' download, or meme2meme/jaspar2meme output), "
            "or set motifs.database: null to use JASPAR from pyjaspar",
            path=str(path),
        )
    return ids


def planted_ids(path: str | Path) -> list[tuple[int, str]]:
    """``(line, motif_id)`` rows of a planted-motif TSV (``#`` comments, one header line).

    Raises
    ------
    InputError
        No header with a ``motif_id`` column, or no rows.
    """
    header, col, rows = None, -1, []
    for line_no, text, _ in text_lines(path, str(path), "planted-motif table", "TSV"):
        if not text.strip() or text.startswith("#"):
            continue
        cols = text.split("\t")
        if header is None:
            header = cols
            if "motif_id" not in cols:
                raise InputError(
                    f"planted-motif table has no motif_id column (its header is {' '.join(cols)[:80]!r})",
                    "add a tab-separated header line naming the column of JASPAR/MEME ids 'motif_id'",
                    path=str(path),
                    line=line_no,
                )
            col = cols.index("motif_id")
            continue
        if col >= len(cols) or not cols[col].strip():
            raise InputError(
                "planted-motif row has no motif_id value",
                "give every row a motif id in the motif_id column (tab-separated)",
                path=str(path),
                line=line_no,
            )
        rows.append((line_no, cols[col].strip()))
    if not rows:
        raise InputError(
            "planted-motif table has no rows",
            "add one row per planted motif, or set motifs.planted: null",
            path=str(path),
        )
    return rows


def check_motif_inputs(motifs: dict, source: str | Path | ConfigSources) -> None:
    """``motifs.database`` is MEME with motifs; ``motifs.planted`` exists, has motif_id rows
    and, with a MEME database, only ids that database holds.

    Raises
    ------
    InputError
        Naming the user's file (and line), or the config line of a missing file.
    """
    sources = as_sources(source)
    db_ids = meme_motif_ids(motifs["database"]) if motifs.get("database") else None
    planted = motifs.get("planted")
    if not planted:
        return
    if not Path(planted).is_file():
        raise InputError(
            f"motifs.planted file {planted} does not exist",
            "give an existing TSV with a motif_id column, or null",
            **sources.at(("motifs", "planted")),
        )
    for line_no, motif_id in planted_ids(planted):
        if db_ids is not None and motif_id not in db_ids:
            raise InputError(
                f"planted motif {motif_id} is not in the motif database {motifs['database']}",
                "use ids of motifs.database (the word after MOTIF) in the planted table",
                path=planted,
                line=line_no,
            )
