"""The written summary as an A4 PDF: every piece of it is text, escaped, never markup."""

from __future__ import annotations

import io
from typing import Any, Final
from xml.sax.saxutils import escape

from fastapi.responses import Response
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer

from dampwatch.casework.letter import Letter

STYLES: Final = getSampleStyleSheet()


def _text(value: str, style: str = "BodyText") -> Paragraph:
    # reportlab's Paragraph reads a small markup language: escape so typed text stays text.
    return Paragraph(escape(value).replace("\n", "<br/>"), STYLES[style])


def render_letter_pdf(letter: Letter) -> bytes:
    """The letter as PDF bytes."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=f"Written summary {letter.reference}",
        author="dampwatch",
    )
    story: list[Any] = [
        _text(letter.title, "Title"),
        _text(letter.address),
        _text(f"Date: {letter.issued_on}"),
        _text(f"Our reference: {letter.reference}"),
        Spacer(1, 4 * mm),
    ]
    for section in letter.sections:
        story.append(_text(section.heading, "Heading2"))
        story.extend(_text(paragraph) for paragraph in section.paragraphs)
        if section.items:
            story.append(
                ListFlowable(
                    [ListItem(_text(item), leftIndent=12) for item in section.items],
                    bulletType="bullet",
                    start="•",
                )
            )
    document.build(story)
    return buffer.getvalue()


def letter_response(letter: Letter) -> Response:
    """The letter as an inline PDF answer."""
    return Response(
        render_letter_pdf(letter),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="summary-{letter.reference}.pdf"'},
    )
