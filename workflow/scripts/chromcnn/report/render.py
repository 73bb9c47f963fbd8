"""Jinja rendering of the report: one template fragment per section, one page around them.

Templates live outside the library, in ``workflow/report/``: ``template.html``
(the page) and ``sections/{name}.html`` (one fragment per section).
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from pathlib import Path

from chromcnn.io.atomic import write_text

TEMPLATES = Path(__file__).resolve().parents[3] / "report"
PAGE = "template.html"


@lru_cache(maxsize=1)
def environment():
    """The jinja2 environment: templates from :data:`TEMPLATES`, autoescaped, undefined names fail."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=jinja2.StrictUndefined
    )


def render_block(name: str, **context) -> str:
    """HTML fragment of section ``name``: ``sections/{name}.html`` filled with ``context``."""
    return environment().get_template(f"sections/{name}.html").render(**context)


def render_page(sections: list[dict], out_path: str | Path) -> None:
    """The page around rendered sections, written atomically; refuses pages with external references.

    Parameters
    ----------
    sections : list of dict
        In page order, each with ``name`` (anchor), ``nav`` (link text), ``title`` and ``html``.
    """
    page = environment().get_template(PAGE).render(sections=sections)
    external = external_references(page)
    if external:
        raise ValueError(f"the report would reference external resources: {external[:3]}")
    write_text(page, out_path)


def external_references(page: str) -> list[str]:
    """src/href/url() targets that are not data: URIs or in-page anchors."""
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", page)
    refs += re.findall(r"url\(\s*['\"]?([^)'\"]*)", page)
    return [html.unescape(r) for r in refs if not (r.startswith("data:") or r.startswith("#"))]
