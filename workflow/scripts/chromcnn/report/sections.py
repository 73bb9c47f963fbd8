"""The report's sections, in page order: one :class:`Section` per ``<h2>`` of results/report.html.

A section is a function from :class:`~chromcnn.report.inputs.ReportInputs` to
an HTML fragment (or None to leave the section out), usually a ``*_context``
function that builds plain table rows and inline figures, rendered by the
section's template fragment ``workflow/report/sections/{name}.html``.

To add a section: write the function (and its fragment), register it in
:data:`SECTIONS`, and test it on small synthetic inputs (tests/test_report_sections.py).
A section that reads a new file also needs that file among the report rule's
inputs (``workflow/rules/report.smk``; an interpretation method's files get
there through its registration in :mod:`chromcnn.interpret.methods`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chromcnn.report import attribution_sections as attribution
from chromcnn.report import inference_sections as inference
from chromcnn.report import motif_sections as motif
from chromcnn.report import profile_sections as profile
from chromcnn.report import stage_sections as stage
from chromcnn.report.inputs import ReportInputs


@dataclass(frozen=True)
class Section:
    """One section of the page.

    Attributes
    ----------
    name : str
        Anchor id (``#name``); also the fragment's file name.
    nav : str
        Link text in the page's navigation bar.
    title : str
        The section's heading.
    build : callable
        ``ReportInputs -> str | None``: the HTML fragment, or None to omit the section.
    """

    name: str
    nav: str
    title: str
    build: Callable[[ReportInputs], str | None]


SECTIONS: list[Section] = [
    Section("provenance", "Inputs", "Inputs and provenance", stage.provenance),
    Section("data", "Data QC", "Data QC", stage.data),
    Section("training", "Training", "Training", stage.training),
    Section("metrics", "Test metrics", "Test metrics", stage.metrics),
    Section("profiles", "Profiles", "Coverage profiles (targets.mode: profile)", profile.profiles),
    Section("comparison", "Architecture comparison", "Architecture comparison", stage.comparison),
    Section("motifs", "Motifs", "First-layer motifs", motif.motifs),
    Section("shared", "Across models", "Motifs across architectures", motif.shared),
    Section("planted", "Planted motifs", "Planted motifs (ground truth)", motif.planted),
    Section("attribution", "Attribution", "Attribution and TF-MoDISco", attribution.attribution),
    Section("variants", "Variants", "Variant effects", inference.variants),
    Section("locus", "Tracks", "Example locus: peaks and tracks", inference.locus),
]
