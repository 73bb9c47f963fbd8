"""Checks of a coverage bigWig against the genome and the test split, before any window is encoded.

Beside :func:`chromcnn.data.signal.check_signal_chroms` (chromosome *names*), two checks:

* **another assembly** under the same names: a chromosome the bigWig and the genome share
  with another length (hg19's chr22 is 51,304,566 bp, hg38's 50,818,468) means the
  coverage was computed on another assembly; its positions would be read at the wrong bases;
* **no data on the test split**: when none of ``splits.test``'s chromosomes or regions holds
  a single covered base, every test target would be 0 and every correlation undefined.

Both raise one :class:`~chromcnn.errors.InputError` naming the bigWig (its config label) and
the fix. Missing, NaN and negative values themselves are not errors: they are counted and
read as zero (:mod:`chromcnn.data.signal`).
"""

from __future__ import annotations

from chromcnn.config.regions import parse_region
from chromcnn.data.signal import check_signal_chroms, open_bigwig
from chromcnn.errors import InputError


def check_signal_assembly(path: str, task: str, chrom_sizes: dict[str, int], label: str | None = None) -> None:
    """Every chromosome the bigWig shares with the genome has the genome's length.

    Parameters
    ----------
    path : str
        The bigWig.
    task : str
        Its cell type (named in the message).
    chrom_sizes : dict of str to int
        The genome's chromosome lengths.
    label : str, optional
        How the config names the file (its URL or path); defaults to ``path``.

    Raises
    ------
    InputError
        Naming the first chromosome whose lengths differ, with both lengths.
    """
    bw = open_bigwig(path, label)
    try:
        names = dict(bw.chroms())
    finally:
        bw.close()
    for chrom, length in names.items():
        if chrom in chrom_sizes and int(length) != int(chrom_sizes[chrom]):
            raise InputError(
                f"cell type '{task}' signal: {chrom} is {int(length):,} bp in the bigWig but "
                f"{int(chrom_sizes[chrom]):,} bp in the genome (coverage of another assembly)",
                "give the bigWig computed on this genome's assembly (or lift it over)",
                path=label or str(path),
            )


def covered_bases(path: str, regions: list[str], chrom_sizes: dict[str, int]) -> int:
    """Bases with data of the bigWig within ``regions`` (``chr3`` or ``chr22:40000000-50818468``)."""
    bw = open_bigwig(path)
    try:
        total = 0
        for text in regions:
            region = parse_region(text)
            length = bw.chroms(region.chrom)
            if length is None:
                continue
            end = min(int(length), region.end if region.end is not None else chrom_sizes.get(region.chrom, length))
            if end <= region.start:
                continue
            stats = bw.stats(region.chrom, region.start, end, type="coverage", exact=True)[0]
            total += round((stats or 0.0) * (end - region.start))
        return total
    finally:
        bw.close()


def check_test_coverage(
    path: str, task: str, test: list[str], chrom_sizes: dict[str, int], label: str | None = None
) -> int:
    """The bigWig holds data somewhere in the test split; returns its covered bases there.

    Raises
    ------
    InputError
        When no base of ``splits.test`` has data (every test target would be 0).
    """
    covered = covered_bases(path, test, chrom_sizes)
    if covered == 0:
        raise InputError(
            f"cell type '{task}' signal has no data on the test split ({', '.join(test)}): "
            "every test target would be 0 and its correlations undefined",
            "give a bigWig covering the test chromosomes, or set splits.test to chromosomes or regions it covers",
            path=label or str(path),
        )
    return covered


def check_signals(
    paths: dict[str, str], labels: dict[str, str], chrom_sizes: dict[str, int], test: list[str] | None, log
) -> None:
    """Every check of every task's bigWig (names, assembly, test coverage), before any window is encoded.

    Parameters
    ----------
    paths, labels : dict of str to str
        Task -> the bigWig on disk, and -> how the config names it (for messages).
    chrom_sizes : dict of str to int
        The genome's chromosome lengths.
    test : list of str or None
        ``splits.test`` (chromosomes or regions); None skips the coverage check.
    log : logging.Logger
        Receives the covered bases and the chromosomes a bigWig lacks.
    """
    for task, path in paths.items():
        label = labels[task]
        lacking = check_signal_chroms(path, task, chrom_sizes, label=label)
        check_signal_assembly(path, task, chrom_sizes, label=label)
        if test:
            log.info(
                "%s: %d bases with coverage on the test split",
                task,
                check_test_coverage(path, task, test, chrom_sizes, label),
            )
        if lacking:
            log.warning("%s: no coverage on %s (their windows get 0)", task, ", ".join(lacking[:5]))
