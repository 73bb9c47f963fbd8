"""results/report.html: one self-contained page from the pipeline's outputs.

Every registered section (:data:`chromcnn.report.sections.SECTIONS`) renders its
HTML fragment from :class:`~chromcnn.report.inputs.ReportInputs`; the page
template (``workflow/report/template.html``) puts them in order under one
navigation bar. Every image is a data URI and the page has no external
reference, so it opens from disk with no network.
"""

from __future__ import annotations

from pathlib import Path

from chromcnn.report import figures
from chromcnn.report.inputs import ReportInputs
from chromcnn.report.render import render_page
from chromcnn.report.sections import SECTIONS, Section


def render_sections(inp: ReportInputs, sections: list[Section] | None = None) -> list[dict]:
    """The HTML of every section that has something to show, in page order."""
    out = []
    for s in SECTIONS if sections is None else sections:
        fragment = s.build(inp)
        if fragment is not None:
            out.append({"name": s.name, "nav": s.nav, "title": s.title, "html": fragment})
    return out


def write_report(
    inp: ReportInputs, out_path: str | Path, sections: list[Section] | None = None, processes: int = 1
) -> None:
    """Render every section and write the page to ``out_path`` atomically.

    The logos are drawn after the sections, by up to ``processes`` worker processes;
    the page is the same for any ``processes``.
    """
    with figures.deferred() as calls:
        rendered = render_sections(inp, sections)
    uris = figures.render_deferred(calls, processes)
    for section in rendered:
        section["html"] = figures.fill(section["html"], uris)
    render_page(rendered, out_path)
