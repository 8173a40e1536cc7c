"""Letters as accessible PDFs: a Django template per kind on the authority's letterhead, rendered by WeasyPrint to
A4, tagged PDF/UA-1, with the recipient's address in the window GOV.UK Notify's precompiled-letter specification
sets (24.6 mm from the left, 40 mm to 66.2 mm from the top, to 120 mm from the left; body from 95 mm). WeasyPrint
embeds (subsets) every font it uses; the fonts come from the system through fontconfig: Liberation Sans (Debian
fonts-liberation2, metric-compatible with Arial), then DejaVu Sans (fonts-dejavu-core)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string

from .recipients import Recipient

# Notify's precompiled letter spec, in millimetres (notifications-template-preview, app/precompiled.py).
ADDRESS_LEFT_MM = 24.6
ADDRESS_TOP_MM = 40.0
ADDRESS_BOTTOM_MM = 66.2
ADDRESS_RIGHT_MM = 120.0
BODY_TOP_MM = 95.0
MAX_ADDRESS_LINES = 7
PAGE_MARGIN_MM = 15.0  # Notify's border: nothing printed within 15 mm of the sides
HEADER_TOP_MM = 5.0
SENDER_LEFT_MM = 125.0

# Positions on the first page, relative to its content area (which starts BODY_TOP_MM down, PAGE_MARGIN_MM in).
GEOMETRY = {
    "body_top": BODY_TOP_MM,
    "header_top": round(HEADER_TOP_MM - BODY_TOP_MM, 1),
    "sender_left": round(SENDER_LEFT_MM - PAGE_MARGIN_MM, 1),
    "address_top": round(ADDRESS_TOP_MM - BODY_TOP_MM, 1),
    "address_left": round(ADDRESS_LEFT_MM - PAGE_MARGIN_MM, 1),
    "address_height": round(ADDRESS_BOTTOM_MM - ADDRESS_TOP_MM, 1),
    "address_width": round(ADDRESS_RIGHT_MM - ADDRESS_LEFT_MM, 1),
}


@dataclass(frozen=True)
class RenderedLetter:
    html: str
    text: str
    pdf: bytes
    page_count: int


def letter_html(*, kind: str, title: str, reference: str, letterhead: dict[str, Any], recipient: Recipient,
                context: dict[str, Any]) -> str:
    address = [recipient.name, *[line for line in recipient.address_lines if line.strip()]][:MAX_ADDRESS_LINES]
    return render_to_string(f"notifications/letters/{kind}.html", {
        **context, "title": title, "reference": reference, "letterhead": letterhead, "recipient": recipient,
        "address_lines": address, "geometry": GEOMETRY,
    })


def visible_text(markup: str) -> str:
    """The words a reader sees (what the birth-relative rule checks), from the letter's HTML."""
    body = re.sub(r"(?is)<(style|script)\b.*?</\1>", " ", markup)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def html_to_pdf(markup: str, *, title: str) -> tuple[bytes, int]:
    from weasyprint import HTML  # imported here: the Pango libraries load only where letters are made

    document = HTML(string=markup, base_url=None).render()
    pdf = document.write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=False)
    return pdf, len(document.pages)


def render_letter(*, kind: str, title: str, reference: str, letterhead: dict[str, Any], recipient: Recipient,
                  context: dict[str, Any]) -> RenderedLetter:
    markup = letter_html(kind=kind, title=title, reference=reference, letterhead=letterhead, recipient=recipient,
                         context=context)
    pdf, pages = html_to_pdf(markup, title=title)
    return RenderedLetter(html=markup, text=visible_text(markup), pdf=pdf, page_count=pages)
