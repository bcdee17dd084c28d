"""The certificate as a PDF: A4 landscape, from the details frozen when it was issued.

Fonts are embedded (static/fonts): DejaVu Sans for Latin with accents, Greek
and Cyrillic names, Noto Sans KR for Korean. The text is written in the
certificate owner's language (the same document whoever downloads it). The
verification address is printed and is also a link; the PDF's title names
the person, its subject carries the code.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from lms.certificates.models import Certificate
from lms.certificates.operations import BASIS_OFFLINE, format_code, site_url
from lms.core.timezones import format_day

# fontTools logs every font subset it makes at INFO: noise in the server's log for each PDF.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT = "DejaVu"
FALLBACK_FONTS = ("NotoSansKR",)

# Colours (RGB).
INK = (33, 37, 41)
ACCENT = (22, 58, 107)
MUTED = (96, 102, 110)
REVOKED_RED = (176, 0, 32)


def _fonts_dir() -> Path:
    return Path(current_app.static_folder) / "fonts"


def _day(value: str | None) -> str:
    return format_day(date.fromisoformat(value), "long") if value else ""


def _dates(details: dict) -> str:
    start, end = _day(details.get("start")), _day(details.get("end"))
    if start and end:
        return start if start == end else _("from %(start)s to %(end)s", start=start, end=end)
    return start or end


class _CertificatePDF(FPDF):
    def fit_font_size(self, text: str, style: str, largest: float, smallest: float, width: float) -> float:
        """The largest size (down to ``smallest``) at which ``text`` fits on one line of ``width``."""
        size = largest
        while size > smallest:
            self.set_font(FONT, style, size)
            if self.get_string_width(text) <= width:
                break
            size -= 1
        self.set_font(FONT, style, size)
        return size

    def centred(self, text: str, height: float, *, style: str = "", size: float = 12, colour=INK,
                multiline: bool = False) -> None:
        if not text:
            return
        self.set_font(FONT, style, size)
        self.set_text_color(*colour)
        if multiline:
            self.multi_cell(0, height, text, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        else:
            self.cell(0, height, text, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _new_document() -> _CertificatePDF:
    pdf = _CertificatePDF(orientation="L", unit="mm", format="A4")
    fonts = _fonts_dir()
    pdf.add_font(FONT, "", str(fonts / "dejavu" / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(fonts / "dejavu" / "DejaVuSans-Bold.ttf"))
    pdf.add_font("NotoSansKR", "", str(fonts / "noto-sans-kr" / "NotoSansKR-Regular.otf"))
    pdf.set_fallback_fonts(list(FALLBACK_FONTS), exact_match=False)
    pdf.set_auto_page_break(False)
    pdf.set_margins(28, 20, 28)
    return pdf


def render_certificate(certificate: Certificate, *, mark_revoked: bool = False, compress: bool = True) -> bytes:
    """The certificate's PDF. ``mark_revoked`` prints REVOKED across it (for the program office's
    records); ``compress=False`` leaves the page streams readable (tests)."""
    details = certificate.details or {}
    owner = certificate.user
    locale = (owner.locale if owner is not None else None) or current_app.config["BABEL_DEFAULT_LOCALE"]
    verify_url = site_url("certificates.verify", code=certificate.code)
    with force_locale(locale):
        return _render(certificate, details, verify_url, mark_revoked, compress)


def _render(certificate: Certificate, details: dict, verify_url: str, mark_revoked: bool, compress: bool) -> bytes:
    pdf = _new_document()
    pdf.set_compression(compress)
    name = details.get("name", "")
    program = details.get("program", "")
    code = format_code(certificate.code)
    pdf.set_title(_("Certificate of completion: %(name)s", name=name))
    pdf.set_subject(_("%(program)s · verification code %(code)s", program=program, code=code))
    pdf.set_author(details.get("host_organisation") or details.get("organisation") or "")
    pdf.set_creator(_("Hybrid Learning"))
    pdf.set_creation_date(certificate.issued_at)
    pdf.add_page()
    width = pdf.epw

    # Frame.
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_line_width(0.3)
    pdf.rect(13, 13, pdf.w - 26, pdf.h - 26)

    pdf.set_y(24)
    host = details.get("host_organisation")
    if host:
        pdf.centred(host.upper(), 7, style="B", size=11, colour=MUTED)
    if mark_revoked:
        revoked = _("REVOKED")
        if certificate.revoked_at is not None:
            revoked = _("REVOKED on %(day)s", day=format_day(certificate.revoked_at.date(), "long"))
        pdf.centred(revoked, 9, style="B", size=16, colour=REVOKED_RED)
    pdf.ln(6)
    pdf.centred(_("Certificate of Completion"), 16, style="B", size=32, colour=ACCENT)
    pdf.ln(4)
    pdf.centred(_("This is to certify that"), 8, size=13, colour=MUTED)
    pdf.ln(3)
    size = pdf.fit_font_size(name, "B", 34, 16, width)
    pdf.set_text_color(*INK)
    pdf.cell(0, size * 0.55, name, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.centred(_("has completed the %(program)s", program=program), 8, size=15, multiline=True)
    parts = [part for part in (
        _("Track: %(track)s", track=details["track"]) if details.get("track") else None,
        _("Module: %(module)s", module=details["module"]) if details.get("module") else None,
    ) if part]
    if parts:
        pdf.ln(1)
        pdf.centred(" · ".join(parts), 7, size=12, multiline=True)
    dates = _dates(details)
    if dates:
        place = details.get("location") if details.get("basis") == BASIS_OFFLINE else None
        if details.get("basis") == BASIS_OFFLINE:
            line = (_("Offline phase %(dates)s, %(place)s", dates=dates, place=place) if place
                    else _("Offline phase %(dates)s", dates=dates))
        else:
            line = _("Online phase %(dates)s", dates=dates)
        pdf.centred(line, 7, size=12)
    pdf.ln(3)
    organisation = details.get("organisation")
    if organisation:
        pdf.centred(_("Training organisation: %(name)s", name=organisation), 7, size=12)
    if host:
        pdf.centred(_("Host organisation: %(name)s", name=host), 7, size=12)

    # Foot: issue date, code and where to verify it.
    pdf.set_y(pdf.h - 48)
    pdf.centred(_("Issued on %(day)s", day=format_day(certificate.issued_at.date(), "long")), 6, size=11,
                colour=MUTED)
    pdf.ln(2)
    pdf.centred(_("Verification code: %(code)s", code=code), 7, style="B", size=12)
    pdf.set_font(FONT, "", 10)
    pdf.set_text_color(*ACCENT)
    label = _("Check that this certificate is genuine at %(url)s", url=verify_url)
    pdf.fit_font_size(label, "", 10, 7, width)
    pdf.cell(0, 6, label, align=Align.C, link=verify_url, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
