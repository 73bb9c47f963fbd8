"""Generate the offline demo: a synthetic genome and peaks with planted JASPAR motifs.

Run ``.venv/bin/python tools/make_demo.py resources/demo`` (from the repository root) to
regenerate ``resources/demo/`` byte for byte (fixed seed, gzip mtime 0).

The model of regulation is simple and known, so later stages can check what
the networks learn:

* regulatory elements are spaced along the genome; each carries 2-4 instances
  of one or two motifs sampled from their JASPAR 2024 count matrices (random
  strand) near its centre;
* a cell type has a peak at an element when the element carries one of the
  cell type's motifs (detected with probability ``P_DETECT``); CTCF elements
  are open in every cell type;
* noise makes the task learnable but not trivial: peaks at elements without
  the cell type's motifs, peaks at motif-free random places, decoy motif
  instances outside elements, GC-rich elements over a background with
  isochore-like GC variation, soft-masked (lower-case) blocks, N gaps, and a
  few peaks on a chromosome the genome lacks (``chrM``).
"""

from __future__ import annotations

import argparse
import gzip
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SEED = 20261121
CHROMS = {"chr1": 6_000_000, "chr2": 1_000_000, "chr3": 1_000_000}
LINE = 60
RELEASE = "JASPAR2024"
#: motif name -> JASPAR 2024 CORE vertebrates id
MOTIFS = {
    "CTCF": "MA0139.2",
    "GATA1::TAL1": "MA0140.3",
    "SPI1": "MA0080.7",
    "HNF4A": "MA0114.5",
    "FOXA2": "MA0047.4",
    "CEBPB": "MA0466.4",
    "HNF1B": "MA0153.2",
}
#: cell type -> motifs that open chromatin in it (CTCF is open everywhere)
CELL_TYPES = {
    "erythroid": ["GATA1::TAL1", "CTCF"],
    "myeloid": ["SPI1", "CEBPB", "CTCF"],
    "lymphoid": ["SPI1", "CTCF"],
    "hepatocyte": ["HNF4A", "FOXA2", "CEBPB", "CTCF"],
    "foregut": ["FOXA2", "HNF1B", "CTCF"],
}
ELEMENT_SPACING = 800  # minimum bp between element centres
ELEMENT_DENSITY = 1 / 1_000  # elements per bp
P_CTCF_ELEMENT = 0.15
P_DETECT = 0.98
P_FALSE_ELEMENT = 0.01  # peak at an element without the cell type's motifs
P_NOISE_PEAK = 0.01  # fraction of extra peaks at random motif-free places
DECOYS_PER_MB = 10  # instances of each motif outside elements
BLACKLIST = [("chr1", 1_200_000, 1_212_000), ("chr2", 400_000, 405_000), ("chr3", 700_000, 703_000)]
N_GAPS = {"chr1": [(0, 10_000), (2_000_000, 2_020_000)], "chr2": [(0, 10_000)], "chr3": [(990_000, 1_000_000)]}
#: --signal: coverage per planted instance of each motif (CTCF: 1-2 instances, others 3-5)
SIGNAL_STRENGTH = {"CTCF": 6.0, "GATA1::TAL1": 2.0, "SPI1": 2.5, "HNF4A": 2.0, "FOXA2": 1.5, "CEBPB": 1.5, "HNF1B": 2.0}
SIGNAL_WIDTH, SIGNAL_BIN = 500, 10  # bp of coverage written around each element centre, and its step
FOOTPRINT = 120  # bp of the triangular coverage bump centred on each planted instance
COMPLEMENT = bytes.maketrans(b"ACGTacgt", b"TGCAtgca")


@dataclass
class Element:
    chrom: str
    centre: int
    motifs: list[str]


def load_matrices(release: str = RELEASE) -> dict[str, np.ndarray]:
    """Probability matrices (L, 4; A, C, G, T) of :data:`MOTIFS` from pyjaspar, offline."""
    from pyjaspar import jaspardb

    db = jaspardb(release=release)
    out = {}
    for name, mid in MOTIFS.items():
        counts = db.fetch_motif_by_id(mid).counts
        mat = np.array([counts[b] for b in "ACGT"], dtype=float).T + 0.25
        out[name] = mat / mat.sum(axis=1, keepdims=True)
    return out


def sample_instance(rng: np.random.Generator, pwm: np.ndarray) -> bytes:
    """One motif instance sampled column by column from ``pwm``, random strand."""
    cum = pwm.cumsum(axis=1)
    idx = (rng.random(len(pwm))[:, None] > cum).sum(axis=1)
    seq = np.frombuffer(b"ACGT", np.uint8)[np.minimum(idx, 3)].tobytes()
    return seq.translate(COMPLEMENT)[::-1] if rng.random() < 0.5 else seq


def background(rng: np.random.Generator, length: int, gc_boost: list[tuple[int, int]]) -> bytearray:
    """Random sequence with 50-kb GC isochores, GC-rich elements and soft-masked blocks."""
    n_iso = length // 50_000 + 1
    gc = np.repeat(np.clip(rng.normal(0.41, 0.04, n_iso), 0.3, 0.55), 50_000)[:length]
    for start, end in gc_boost:
        gc[max(start, 0) : end] = np.maximum(gc[max(start, 0) : end], 0.52)
    u, v = rng.random(length), rng.random(length)
    strong = u < gc
    codes = np.where(strong, np.where(v < 0.5, 1, 2), np.where(v < 0.5, 0, 3)).astype(np.uint8)
    seq = np.frombuffer(b"ACGT", np.uint8)[codes].copy()
    masked = np.repeat(rng.random(length // 5_000 + 1) < 0.3, 5_000)[:length]
    seq[masked] += 32  # lower case
    return bytearray(seq.tobytes())


def place_elements(rng: np.random.Generator) -> list[Element]:
    """Element centres and their motif content."""
    others = [m for m in MOTIFS if m != "CTCF"]
    elements = []
    for chrom, length in CHROMS.items():
        n = int(length * ELEMENT_DENSITY * 2.5)
        cand = np.sort(rng.integers(2_000, length - 2_000, n))
        kept, last = [], -ELEMENT_SPACING
        gaps = N_GAPS.get(chrom, [])
        for c in cand.tolist():
            if c - last >= ELEMENT_SPACING and not any(s - 1_000 <= c < e + 1_000 for s, e in gaps):
                kept.append(c)
                last = c
        kept = sorted(rng.choice(kept, size=min(len(kept), int(length * ELEMENT_DENSITY)), replace=False).tolist())
        for c in kept:
            if rng.random() < P_CTCF_ELEMENT:
                motifs = ["CTCF"]
            else:
                motifs = list(rng.choice(others, size=int(rng.integers(1, 3)), replace=False))
            elements.append(Element(chrom, int(c), motifs))
    return elements


def plant(rng: np.random.Generator, seq: bytearray, pos: int, inst: bytes) -> None:
    """Write ``inst`` at ``pos`` keeping the soft-mask case of the background."""
    lower = seq[pos] >= 97
    seq[pos : pos + len(inst)] = inst.lower() if lower else inst


def build_genome(
    rng: np.random.Generator, elements: list[Element], pwms: dict[str, np.ndarray], planted: dict | None = None
) -> tuple[dict[str, bytearray], dict]:
    """Sequences with planted element motifs and decoys; returns counts per motif.

    ``planted`` (optional) receives ``(chrom, centre) -> {motif: [instance midpoints]}`` of
    every element; filling it draws nothing from ``rng``, so the outputs do not change.
    """
    counts = {m: {"in_elements": 0, "decoys": 0} for m in MOTIFS}
    seqs = {}
    for chrom, length in CHROMS.items():
        own = [e for e in elements if e.chrom == chrom]
        seq = background(rng, length, [(e.centre - 150, e.centre + 150) for e in own])
        for e in own:
            for motif in e.motifs:
                n_inst = int(rng.integers(3, 6)) if motif != "CTCF" else int(rng.integers(1, 3))
                mids = planted.setdefault((e.chrom, e.centre), {}).setdefault(motif, []) if planted is not None else []
                for _ in range(n_inst):
                    inst = sample_instance(rng, pwms[motif])
                    pos = e.centre + int(rng.integers(-90, 90 - len(inst)))
                    plant(rng, seq, pos, inst)
                    mids.append(pos + len(inst) // 2)
                    counts[motif]["in_elements"] += 1
        centres = np.array([e.centre for e in own])
        for motif, pwm in pwms.items():
            for _ in range(int(DECOYS_PER_MB * length / 1e6)):
                pos = int(rng.integers(1_000, length - 1_000))
                if len(centres) and np.abs(centres - pos).min() < 600:
                    continue
                plant(rng, seq, pos, sample_instance(rng, pwm))
                counts[motif]["decoys"] += 1
        for start, end in N_GAPS.get(chrom, []):
            seq[start:end] = b"N" * (end - start)
        seqs[chrom] = seq
    return seqs, counts


def _peak_line(rng: np.random.Generator, chrom: str, centre: int, name: str, length: int) -> tuple:
    width = int(rng.integers(200, 800))
    summit = centre + int(rng.normal(0, 20))
    start = max(0, summit - int(rng.integers(width // 4, 3 * width // 4)))
    end = min(length, start + width)
    signal = float(rng.gamma(4, 5))
    return (
        chrom,
        start,
        end,
        name,
        min(1000, int(signal * 20)),
        ".",
        round(signal, 3),
        round(signal * 1.7, 3),
        round(signal * 1.2, 3),
        min(max(summit - start, 0), end - start - 1),
    )


def make_peaks(rng: np.random.Generator, elements: list[Element]) -> dict[str, list[tuple]]:
    """narrowPeak rows per cell type."""
    out = {}
    for cell, motifs in CELL_TYPES.items():
        rows = []
        for e in elements:
            has = any(m in motifs for m in e.motifs)
            if (has and rng.random() < P_DETECT) or (not has and rng.random() < P_FALSE_ELEMENT):
                rows.append(_peak_line(rng, e.chrom, e.centre, "", CHROMS[e.chrom]))
        for _ in range(int(P_NOISE_PEAK * len(rows))):
            chrom = rng.choice(list(CHROMS))
            centre = int(rng.integers(20_000, CHROMS[chrom] - 20_000))
            rows.append(_peak_line(rng, chrom, centre, "", CHROMS[chrom]))
        for _ in range(max(1, len(rows) // 100)):
            rows.append(_peak_line(rng, "chrM", int(rng.integers(500, 16_000)), "", 16_569))
        rows.sort(key=lambda r: (r[0], r[1]))
        out[cell] = [(*r[:3], f"{cell}_peak{i + 1}", *r[4:]) for i, r in enumerate(rows)]
    return out


def _write_gz(path: Path, text: str) -> None:
    with open(path, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(text.encode())


def element_profiles(planted: dict, seed: int) -> dict[str, dict]:
    """Per cell type, ``(chrom, centre) -> coverage`` of every element, float64 (SIGNAL_WIDTH // SIGNAL_BIN,)
    values at ``SIGNAL_BIN`` bp steps from ``centre - SIGNAL_WIDTH // 2``.

    Each planted instance of one of the cell type's motifs adds a triangular bump
    :data:`FOOTPRINT` bp wide, centred on the instance, as high as the motif's strength
    (:data:`SIGNAL_STRENGTH`), so an element's total grows with its instances and their
    strengths and the shape follows where they lie. The element's bumps share one
    log-normal noise factor (sd 0.3); a small gamma background spans the whole element.
    Drawn from its own generator (``seed + 1``), so the binary demo's files do not change.
    """
    rng = np.random.default_rng(seed + 1)
    half = SIGNAL_WIDTH // 2
    offsets = np.arange(-half, half, SIGNAL_BIN) + SIGNAL_BIN / 2  # bin midpoints relative to the centre
    wide = 1.0 - np.abs(offsets) / half
    out = {}
    for cell, motifs in CELL_TYPES.items():
        profiles = {}
        for (chrom, centre), inst in planted.items():
            bumps = np.zeros_like(offsets)
            for motif, mids in inst.items():
                if motif in motifs:
                    for mid in mids:
                        tri = 1.0 - np.abs(offsets - (mid - centre)) / (FOOTPRINT / 2)
                        bumps += SIGNAL_STRENGTH[motif] * np.clip(tri, 0.0, None)
            profiles[(chrom, centre)] = bumps * float(rng.lognormal(0.0, 0.3)) + float(rng.gamma(1.0, 0.3)) * wide
        out[cell] = profiles
    return out


def write_signal(out: Path, planted: dict, seed: int) -> None:
    """``signal/{cell}.bw``: per element its coverage (:func:`element_profiles`) over
    ``SIGNAL_WIDTH`` bp around its centre in ``SIGNAL_BIN`` bp steps; no data elsewhere."""
    import pyBigWig

    (out / "signal").mkdir(parents=True, exist_ok=True)
    for cell, profiles in element_profiles(planted, seed).items():
        bw = pyBigWig.open(str(out / "signal" / f"{cell}.bw"), "w")
        bw.addHeader(list(CHROMS.items()))
        for chrom in CHROMS:
            for (c, centre), values in sorted(profiles.items()):
                if c == chrom:
                    start = centre - SIGNAL_WIDTH // 2
                    bw.addEntries(chrom, start, values=np.round(values, 3).tolist(), span=SIGNAL_BIN, step=SIGNAL_BIN)
        bw.close()


def write_demo(out_dir: str | Path, seed: int = SEED, signal: bool = False) -> None:
    """Write genome.fa.gz, peaks/*.narrowPeak.gz, blacklist.bed and planted_motifs.tsv;
    with ``signal`` also signal/{cell}.bw (coverage that grows with the planted instances)."""
    out = Path(out_dir)
    (out / "peaks").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    pwms = load_matrices()
    elements = place_elements(rng)
    planted: dict = {}
    seqs, counts = build_genome(rng, elements, pwms, planted)
    buf = io.StringIO()
    for chrom, seq in seqs.items():
        buf.write(f">{chrom}\n")
        text = seq.decode()
        buf.writelines(text[i : i + LINE] + "\n" for i in range(0, len(text), LINE))
    _write_gz(out / "genome.fa.gz", buf.getvalue())
    for cell, rows in make_peaks(rng, elements).items():
        _write_gz(out / "peaks" / f"{cell}.narrowPeak.gz", "".join("\t".join(map(str, r)) + "\n" for r in rows))
    (out / "blacklist.bed").write_text("".join(f"{c}\t{s}\t{e}\n" for c, s, e in BLACKLIST))
    lines = [
        f"# planted motifs of the chromcnn demo (seed {seed}, {RELEASE} via pyjaspar)\n",
        "motif_id\tname\tcell_types\tinstances_in_elements\tdecoy_instances\telements\n",
    ]
    for name, mid in MOTIFS.items():
        cells = ",".join(c for c, ms in CELL_TYPES.items() if name in ms)
        n_el = sum(name in e.motifs for e in elements)
        lines.append(f"{mid}\t{name}\t{cells}\t{counts[name]['in_elements']}\t{counts[name]['decoys']}\t{n_el}\n")
    (out / "planted_motifs.tsv").write_text("".join(lines))
    if signal:
        write_signal(out, planted, seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", default="resources/demo")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--signal", action="store_true", help="also write signal/{cell}.bw coverage (pyBigWig)")
    args = parser.parse_args()
    write_demo(args.out_dir, args.seed, signal=args.signal)


if __name__ == "__main__":
    main()
