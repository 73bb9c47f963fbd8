"""Config values that must refer to something: checked when the workflow is parsed.

A key that names nothing is a mistake the schema cannot see: overrides for an
architecture that is not trained in this run (or misspelt), two cell types reading one file
(the same labels twice), and held-out split chromosomes the genome lacks (that
one needs the genome's chromosome names, so the data stage calls
:func:`check_split_chromosomes` before it reads any peak).
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from chromcnn.config.regions import parse_region
from chromcnn.config.sources import ConfigSources, as_sources
from chromcnn.errors import InputError


def _near(name: str, options: list[str]) -> str:
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def check_overrides(config: dict, sources: ConfigSources) -> list[str]:
    """Every ``train.overrides`` entry must name an architecture or seqgra model this run trains.

    A name nothing is called (a misspelling) and a registered architecture that is
    not in ``train.architectures`` (its settings would apply to nothing: a user who
    shortened the list, or meant a variant under ``train.models``) are both errors.

    Returns
    -------
    list of str
        Always empty (kept so :func:`check_references` can return warnings).

    Raises
    ------
    InputError
        At the override's line: the nearest configured name for a misspelling, or
        "add it to train.architectures (or train.models), or delete the block".
    """
    from chromcnn import models

    train = config["train"]
    trained = list(train["architectures"]) + list(train["seqgra"])
    variants = list(train.get("models", {}) or {})
    for name in train.get("overrides", {}) or {}:
        if name in trained or name in variants:  # an override named after a variant: check_names says why
            continue
        at = sources.at(("train", "overrides", name))
        if name in models.REGISTRY:
            raise InputError(
                f"train.overrides.{name} applies to nothing: architecture '{name}' is not trained in this run "
                f"(train.architectures: {', '.join(train['architectures']) or 'none'})",
                f"add '{name}' to train.architectures, move these settings into a variant under train.models "
                f"(arch: {name}), or delete the train.overrides.{name} block",
                **at,
            )
        raise InputError(
            f"train.overrides.{name}: no architecture or seqgra model is called '{name}'"
            f"{_near(name, trained + models.names())}",
            f"rename it to one of the listed architectures or seqgra models ({', '.join(trained) or 'none'}; "
            "variants take their settings in train.models) or delete it",
            **at,
        )
    return []


def _same_file(a: str, b: str) -> bool:
    if a == b:
        return True
    if "://" in a or "://" in b or not (os.path.exists(a) and os.path.exists(b)):
        return False
    return os.path.samefile(a, b)


def check_distinct_peaks(config: dict, sources: ConfigSources) -> None:
    """Two cell types may not read the same peak file (same path, URL or file)."""
    from chromcnn.config.schema import peak_source

    seen: dict[str, str] = {}
    for name in config["cell_types"]:
        src = peak_source(config, name)[0]
        for other, other_src in seen.items():
            if _same_file(src, other_src):
                raise InputError(
                    f"cell types '{other}' and '{name}' read the same peak file {src}, "
                    "so they would be two copies of one task",
                    f"give {name} its own peak file (or delete one of the two entries)",
                    **sources.at(("cell_types", name)),
                )
        seen[name] = src


def check_references(config: dict, source: str | Path | ConfigSources) -> list[str]:
    """All parse-time reference checks (overrides, distinct peak files); returns warnings."""
    sources = as_sources(source)
    warnings = check_overrides(config, sources)
    check_distinct_peaks(config, sources)
    return warnings


def check_split_chromosomes(
    splits: dict[str, list[str]],
    chrom_sizes: dict[str, int],
    window: int,
    source: str | Path | ConfigSources,
    genome_label: str,
) -> None:
    """Held-out regions must name genome chromosomes that hold at least one window.

    Parameters
    ----------
    splits : dict
        ``{"valid": [...], "test": [...]}``, regions as written in the config.
    chrom_sizes : dict of str to int
        The genome's chromosome lengths.
    window : int
        Window length (bp).
    source : str, Path or ConfigSources
        The config file (or sources) named in messages, at the region's line.
    genome_label : str
        The genome file named in messages.

    Raises
    ------
    InputError
        A chromosome the genome lacks (with the nearest genome names), or a held-out
        chromosome or region shorter than the window (which would otherwise surface
        later as "the test split has no examples").
    """
    sources = as_sources(source)
    names = list(chrom_sizes)
    for split in ("valid", "test"):
        for i, text in enumerate(splits.get(split, [])):
            region = parse_region(text)
            at = sources.at(("splits", split, str(i)))
            size = chrom_sizes.get(region.chrom)
            if size is None:
                raise InputError(
                    f"splits.{split}: chromosome '{region.chrom}' is not in the genome {genome_label} "
                    f"({_genome_names_hint(region.chrom, names)})",
                    f"use the genome's own chromosome names under splits.{split}",
                    **at,
                )
            start, end = region.bounded(size)
            if end - start < window:
                if region.end is None:
                    what = f"chromosome '{region.chrom}' is {size:,} bp long"
                else:
                    what = f"region {text} covers {max(end - start, 0):,} bp of {region.chrom} ({size:,} bp)"
                raise InputError(
                    f"splits.{split}: {what}, shorter than one window of {window:,} bp, so the {split} split "
                    "can hold no example",
                    f"hold out a longer chromosome or region under splits.{split}, or make the window shorter",
                    **at,
                )


def _genome_names_hint(chrom: str, names: list[str]) -> str:
    alt = chrom[3:] if chrom.startswith("chr") else f"chr{chrom}"
    if alt in names:
        return f"it has '{alt}'"
    near = difflib.get_close_matches(chrom, names, n=3)
    shown = near or names[:5]
    more = ", ..." if not near and len(names) > 5 else ""
    return "it has " + ", ".join(f"'{n}'" for n in shown) + more
