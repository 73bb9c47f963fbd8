"""Score windows with a loaded model and stream the table: :func:`predict_bed`, :func:`predict_fasta`.

Output (TSV, gzip when the name ends in ``.gz``; written under a temporary
name and renamed when complete): ``name``, ``chrom``, ``start``, ``end`` of
the window scored, then one column per task (named by the task) with the
model's output, the mean over both strands unless ``rc_average=False``.
Values are written with 9 significant digits, so float32 outputs read back
exactly.
"""

from __future__ import annotations

import gzip
import io
import logging
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypedDict, Unpack

import numpy as np
import torch

from chromcnn.data.encode import one_hot
from chromcnn.inference.genome_reader import Genome
from chromcnn.inference.model_file import LoadedModel
from chromcnn.inference.regions import Notes, Windows, bed_windows, check_bed, check_fasta, fasta_windows
from chromcnn.io.atomic import StreamedOutput, temp_path

LOG = logging.getLogger(__name__)
WINDOW_COLUMNS = ["name", "chrom", "start", "end"]
BATCHES_PER_READ = 8  # windows read per step = batch_size * this (forward passes stay batch_size)


class TableWriter(StreamedOutput):
    """A TSV (gzip when ``path`` ends in ``.gz``, with a fixed header time) written atomically.

    Parameters
    ----------
    path : str or Path
    columns : list of str
        Header.
    """

    def __init__(self, path: str | Path, columns: list[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = temp_path(self.path)
        self._raw = open(self.tmp, "wb")
        self._gz = (
            gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0) if self.path.suffix == ".gz" else None
        )
        self._text = io.TextIOWrapper(self._gz or self._raw, encoding="utf-8", newline="\n")
        self.columns = list(columns)
        self.rows = 0
        self._text.write("\t".join(self.columns) + "\n")

    def write(self, text_cols: list[list], values: np.ndarray) -> None:
        """Append rows: ``text_cols`` (one list per leading column) then float (n, k) ``values``."""
        if values.ndim != 2 or len(text_cols) + values.shape[1] != len(self.columns):
            raise ValueError(f"{len(text_cols)} + {values.shape[1:]} columns for a {len(self.columns)}-column table")
        lines = []
        for i, row in enumerate(values.tolist()):
            lead = "\t".join(str(c[i]) for c in text_cols)
            lines.append(lead + "\t" + "\t".join(f"{v:.9g}" for v in row) + "\n")
        self._text.write("".join(lines))
        self.rows += len(lines)

    def _close_handles(self) -> None:
        try:
            self._text.close()  # closes the gzip stream, which leaves the raw file open
        finally:
            self._raw.close()


def score(
    model: LoadedModel,
    batches: Iterable[Windows],
    device: torch.device | str = "cpu",
    rc_average: bool = True,
    batch_size: int = 256,
) -> Iterator[tuple[Windows, np.ndarray]]:
    """Each batch of windows with its float32 (n, T) outputs (one-hot A, C, G, T; N = zeros)."""
    for w in batches:
        yield w, model.predict(one_hot(w.codes), device, rc_average=rc_average, batch_size=batch_size)


class ScoreOptions(TypedDict, total=False):
    """Keyword options of :func:`predict_bed` and :func:`predict_fasta` (defaults in :data:`DEFAULTS`).

    ``resize``: ``centre`` (default: regions centred, or tiled when longer) or ``exact`` (see :mod:`.regions`);
    ``device``: where the model runs (``cpu``); ``rc_average``: mean over both strands
    (True); ``batch_size``: windows per forward pass (256).
    """

    resize: str
    device: torch.device | str
    rc_average: bool
    batch_size: int


DEFAULTS: ScoreOptions = {"resize": "centre", "device": "cpu", "rc_average": True, "batch_size": 256}


def _write(
    model: LoadedModel, windows: Callable[[int], Iterable[Windows]], out: str, notes: Notes, options: ScoreOptions
) -> dict:
    """Score the windows ``windows(read_size)`` yields into ``out``; the summary counts."""
    kw = {k: options[k] for k in ("device", "rc_average", "batch_size")}
    with TableWriter(out, WINDOW_COLUMNS + list(model.tasks)) as table:
        for w, probs in score(model, windows(options["batch_size"] * BATCHES_PER_READ), **kw):
            table.write([w.names, w.chroms, w.starts.tolist(), w.ends.tolist()], probs)
            notes.windows += len(w.names)
    summary = {"records": notes.records, "windows": notes.windows, "tiled_records": notes.tiled}
    LOG.info("%s: %d windows from %d records (%d tiled)", out, notes.windows, notes.records, notes.tiled)
    return summary


def predict_bed(model: LoadedModel, bed: str, genome: str | Genome, out: str, **options: Unpack[ScoreOptions]) -> dict:
    """Score every region of a BED (centred or tiled windows, see :mod:`.regions`) into a TSV.

    Every check (names, ends, lengths) runs before the model does; the output
    appears only when complete. ``options``: :class:`ScoreOptions`.

    Returns
    -------
    dict
        ``records``, ``windows``, ``tiled_records``.
    """
    o: ScoreOptions = {**DEFAULTS, **options}
    genome = genome if isinstance(genome, Genome) else Genome(genome)
    check_bed(bed, genome, model.window, o["resize"], model.path)
    notes = Notes()
    return _write(model, lambda size: bed_windows(bed, genome, model.window, size, notes), out, notes, o)


def predict_fasta(model: LoadedModel, fasta: str, out: str, **options: Unpack[ScoreOptions]) -> dict:
    """Score every sequence of a FASTA (centred, N-padded or tiled) into a TSV (``options``: :class:`ScoreOptions`).

    Returns
    -------
    dict
        ``records``, ``windows``, ``tiled_records`` and ``odd_characters`` (characters
        other than A, C, G, T, N, scored as N).
    """
    o: ScoreOptions = {**DEFAULTS, **options}
    odd = check_fasta(fasta, model.window, o["resize"], model.path)
    notes = Notes(odd_chars=odd)
    summary = _write(model, lambda size: fasta_windows(fasta, model.window, size, notes), out, notes, o)
    return {**summary, "odd_characters": int(sum(odd.values()))}
