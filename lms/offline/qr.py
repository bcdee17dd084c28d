"""QR codes as inline SVG (segno, pure Python): no image files, no JavaScript, nothing external.

The SVG carries no inline style (the Content-Security-Policy forbids it): its size and white
background come from static/css/offline.css (``.qr-code``).
"""

from __future__ import annotations

import io

import segno
from markupsafe import Markup


def qr_svg(data: str, *, title: str | None = None) -> Markup:
    """``data`` (an address) as an inline ``<svg class="qr-code">`` that scales with its box."""
    code = segno.make(data, error="m", micro=False)
    buffer = io.BytesIO()
    code.save(buffer, kind="svg", xmldecl=False, svgns=True, omitsize=True, svgclass="qr-code",
              lineclass=None, title=title, border=4, scale=1)
    # segno escapes the title; the rest is its own markup (path data only).
    return Markup(buffer.getvalue().decode("utf-8"))
