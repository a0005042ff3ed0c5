"""The condition report as an A4 PDF, laid out with reportlab.

Page one summarises: the home, the period, the open cases worst first with their deadlines, the
rooms at a glance. Then each room's figures, the cases' evidence, the charts and the case
history. Tables are as wide as the text and wrap their cells; headings stay with what follows.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from html import escape
from typing import Any, Final

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from dampwatch.assessment.config import DEFAULT_CONFIG
from dampwatch_api.advice import kind_title
from dampwatch_api.alerts.models import Alert
from dampwatch_api.evidence import alert_text, room_label
from dampwatch_api.report import charts
from dampwatch_api.report.data import ReportData
from dampwatch_api.report.summary import case_order, summary_rows, uk_time

# the thresholds the assessment counts the hours against, named in the table headings
_CONFIG: Final = DEFAULT_CONFIG

MARGIN: Final = 20 * mm
TEXT_WIDTH: Final = A4[0] - 2 * MARGIN
FOOTER_Y: Final = 10 * mm
_BASE = getSampleStyleSheet()
BODY: Final = ParagraphStyle("Body", parent=_BASE["BodyText"], fontSize=9, leading=12)
CELL: Final = ParagraphStyle("Cell", parent=BODY, fontSize=8, leading=10)
CELL_HEAD: Final = ParagraphStyle("CellHead", parent=CELL, fontName="Helvetica-Bold")
H1: Final = ParagraphStyle("H1", parent=_BASE["Title"], fontSize=18, spaceAfter=4)
# Headings never end a page: they keep with the flowable after them.
H2: Final = ParagraphStyle("H2", parent=_BASE["Heading2"], fontSize=13, keepWithNext=1)
H3: Final = ParagraphStyle("H3", parent=_BASE["Heading3"], fontSize=10.5, keepWithNext=1)
TABLE_STYLE: Final = TableStyle(
    [
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8ecf1")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b0b8c4")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
)


SUMMARY_STYLE: Final = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b0b8c4")),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#e8ecf1")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)


def _fmt(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "-"
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _image(png: bytes) -> Image:
    image = Image(io.BytesIO(png))
    ratio = image.imageHeight / image.imageWidth
    image.drawWidth, image.drawHeight = TEXT_WIDTH, TEXT_WIDTH * ratio
    return image


def table(rows: list[list[str]], shares: list[float], *, header: bool = True) -> Table:
    """A table as wide as the text, columns by share, every cell wrapping its words.

    Cells are reportlab markup: callers escape what came from people or devices."""
    widths = [TEXT_WIDTH * share / sum(shares) for share in shares]
    cells = [
        [Paragraph(text, CELL_HEAD if index == 0 and header else CELL) for text in row]
        for index, row in enumerate(rows)
    ]
    result = Table(cells, colWidths=widths, repeatRows=1 if header else 0)
    result.setStyle(TABLE_STYLE if header else SUMMARY_STYLE)
    return result


def _room_rows(data: ReportData) -> list[list[str]]:
    rows = [
        [
            "Room",
            "Temperature °C (low / mean / high)",
            "Humidity % (mean / high)",
            "Dew point °C (mean)",
            "Mould index",
            f"Hours air ≥ {_CONFIG.room_rh_screen_pct:g} % (30 days)",
            f"Hours wall ≥ {_CONFIG.surface_rh_pct:g} %, "
            f"{_CONFIG.estimated_surface_rh_pct:g} % if estimated (30 days)",
            f"Hours below {_CONFIG.cold_c:g} °C (7 days)",
        ]
    ]
    for room in data.rooms:
        temperature = room.stat("temperature_c")
        humidity = room.stat("humidity_pct")
        dew = room.stat("dew_point_c")
        rows.append(
            [
                escape(room.name),
                " / ".join(_fmt(value) for value in temperature) if temperature else "-",
                f"{_fmt(humidity[1], 0)} / {_fmt(humidity[2], 0)}" if humidity else "-",
                _fmt(dew[1]) if dew else "-",
                _fmt(room.risk.get("mould_index"), 1),
                _fmt(room.risk.get("hours_rh70_30d"), 0),
                _fmt(room.risk.get("hours_surface80_30d"), 0),
                _fmt(room.risk.get("hours_below_18c_7d"), 0),
            ]
        )
    return rows


def _where(alert: Alert, data: ReportData) -> str:
    room = room_label(alert.room, data.names, alert.home_id)
    return f" in {room}" if room else ""


def _flags(data: ReportData) -> list[Any]:
    story: list[Any] = [Paragraph("Cases and their evidence", H2)]
    if not data.alerts:
        return [*story, Paragraph("No case was open in this period.", BODY)]
    for alert in case_order(data.alerts):
        due = alert.summary_due_by if alert.investigated_at else alert.due_by
        block: list[Flowable] = [
            Paragraph(escape(f"{kind_title(alert.kind)}{_where(alert, data)}"), H3),
            Paragraph(
                f"<b>{alert.severity.capitalize()}</b>, {alert.status}; opened "
                f"{uk_time(alert.opened_at)}; "
                + (f"deadline {uk_time(due)}" if due else "no statutory clock"),
                BODY,
            ),
            Paragraph(f"Evidence: {escape(alert_text(alert, data.names))}", BODY),
        ]
        if alert.resolution:
            block.append(Paragraph(f"Resolved: {escape(alert.resolution)}", BODY))
        story += [KeepTogether(block), Spacer(1, 2 * mm)]
    return story


def _history(data: ReportData, staff: bool) -> list[Any]:
    """Every change to the period's cases; a tenant's copy names no staff and holds no notes."""
    rows = [["When (UK time)", "Case", "Who", "What"]]
    for alert in data.alerts:
        case = f"{kind_title(alert.kind)}{_where(alert, data)} (#{alert.id})"
        for event in data.events.get(alert.id, []):
            detail = (event.detail or {}) if staff else {}
            extra = detail.get("reason") or detail.get("text") or detail.get("to") or ""
            person = event.actor if staff else "housing team"
            actor = "the assessment" if event.actor == "dampwatch-assess" else person
            what = event.action.replace("_", " ") + (f": {extra}" if extra else "")
            rows.append([uk_time(event.at), escape(case), escape(actor), escape(what)])
    if len(rows) == 1:
        return []
    return [Paragraph("Case history", H2), table(rows, [1.3, 2.2, 1.3, 2.8])]


def _charts(data: ReportData) -> list[Any]:
    story: list[Any] = []
    mould, hours = charts.mould_chart(data.rooms), charts.hours_chart(data.rooms)
    if mould is not None:
        story.append(KeepTogether([Paragraph("Mould index by room", H2), _image(mould)]))
    if hours is not None:
        story.append(KeepTogether([Paragraph("Hours of damp air and walls", H2), _image(hours)]))
    for index, room in enumerate(data.rooms):
        heading = [Paragraph("Temperature and humidity by room", H2)] if index == 0 else []
        story.append(KeepTogether([*heading, _image(charts.climate_chart(room))]))
    return story


def _footer(home: str) -> Any:
    def draw(canvas: Canvas, document: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(colors.HexColor("#4a5360"))
        canvas.drawString(MARGIN, FOOTER_Y, f"dampwatch condition report · {home}")
        canvas.drawRightString(A4[0] - MARGIN, FOOTER_Y, f"page {document.page}")
        canvas.restoreState()

    return draw


def render_pdf(data: ReportData, *, staff: bool = True) -> bytes:
    """The report as PDF bytes; for a tenant (`staff` False) the history names no staff."""
    buffer = io.BytesIO()
    home = data.home
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"Condition report {home.home_id}",
        author="dampwatch",
    )
    story: list[Any] = [
        Paragraph("Condition report", H1),
        Paragraph(
            f"<b>{escape(home.address)}, {escape(home.postcode)}</b> (home {home.home_id})", BODY
        ),
        Paragraph(
            f"Period {uk_time(data.start)} to {uk_time(data.end)} (UK time); "
            f"made {uk_time(datetime.now(UTC))}",
            BODY,
        ),
        Spacer(1, 3 * mm),
        Paragraph("Summary", H2),
        table(summary_rows(data), [1.2, 4.0], header=False),
    ]
    if not data.consent:
        story.append(
            Paragraph(
                "The tenant has withdrawn consent: no readings are stored or shown for this home.",
                BODY,
            )
        )
    elif data.rooms:
        story += [Paragraph("Conditions by room (hourly means)", H2)]
        story.append(table(_room_rows(data), [1.5, 1.6, 1.2, 1.0, 0.9, 1.1, 1.1, 1.1]))
    story += _flags(data)
    if data.consent:
        story += _charts(data)
    story += _history(data, staff)
    footer = _footer(f"{home.address}, {home.postcode}")
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
