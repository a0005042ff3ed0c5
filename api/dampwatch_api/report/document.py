"""The condition report as an A4 PDF, laid out with reportlab."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any, Final
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from dampwatch_api.advice import advice_for
from dampwatch_api.report import charts
from dampwatch_api.report.data import ReportData

CHART_WIDTH: Final = 170 * mm
STYLES: Final = getSampleStyleSheet()
TABLE_STYLE: Final = TableStyle(
    [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8ecf1")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b0b8c4")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)


def _paragraph(template: str, style: str = "BodyText", **values: object) -> Paragraph:
    """A paragraph of the template's own markup with every value escaped into plain text.

    reportlab reads a Paragraph's text as markup: an address or a resolution holding `<a>` or
    `<img src=...>` would be a link or a file read, and a lone `<` a parse error.
    """
    safe = {name: escape(str(value)) for name, value in values.items()}
    return Paragraph(template.format(**safe), STYLES[style])


def _day(moment: datetime | None) -> str:
    return moment.strftime("%d %b %Y %H:%M") if moment else "-"


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _image(png: bytes) -> Image:
    image = Image(io.BytesIO(png))
    ratio = image.imageHeight / image.imageWidth
    image.drawWidth, image.drawHeight = CHART_WIDTH, CHART_WIDTH * ratio
    return image


def _table(rows: list[list[Any]], widths: list[float] | None = None) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TABLE_STYLE)
    return table


def _summary_rows(data: ReportData) -> list[list[Any]]:
    rows: list[list[Any]] = [
        [
            "Room",
            "Temp min/mean/max °C",
            "RH mean/max %",
            "Dew point mean °C",
            "Mould index",
            "h RH≥70% (30 d)",
            "h surface≥80% (30 d)",
            "h <18 °C (7 d)",
        ]
    ]
    for room in data.rooms:
        temperature = room.stat("temperature_c")
        humidity = room.stat("humidity_pct")
        dew = room.stat("dew_point_c")
        rows.append(
            [
                room.name,
                "/".join(_fmt(v) for v in temperature) if temperature else "-",
                f"{_fmt(humidity[1], 0)}/{_fmt(humidity[2], 0)}" if humidity else "-",
                _fmt(dew[1]) if dew else "-",
                _fmt(room.risk.get("mould_index"), 2),
                _fmt(room.risk.get("hours_rh70_30d"), 0),
                _fmt(room.risk.get("hours_surface80_30d"), 0),
                _fmt(room.risk.get("hours_below_18c_7d"), 0),
            ]
        )
    return rows


def _flags(data: ReportData) -> list[Any]:
    story: list[Any] = [Paragraph("Flags and their evidence", STYLES["Heading2"])]
    if not data.alerts:
        return [*story, Paragraph("No flags were raised in this period.", STYLES["BodyText"])]
    for alert in data.alerts:
        where = f" in {alert.room}" if alert.room else ""
        evidence = str((alert.evidence or {}).get("text", "")) or "no evidence recorded"
        block = [
            _paragraph(
                "<b>{title}{where}</b> ({severity}, {status}); opened {opened}, "
                "investigate by {due}",
                title=advice_for(alert.kind).title,
                where=where,
                severity=alert.severity,
                status=alert.status,
                opened=_day(alert.opened_at),
                due=_day(alert.due_by),
            ),
            _paragraph("Evidence: {evidence}", evidence=evidence),
        ]
        if alert.resolution:
            block.append(_paragraph("Resolved: {resolution}", resolution=alert.resolution))
        story.append(KeepTogether(block))
        story.append(Spacer(1, 2 * mm))
    return story


def _history(data: ReportData, staff: bool) -> list[Any]:
    rows: list[list[Any]] = [["When", "Alert", "Who", "What"]]
    for alert in data.alerts:
        for event in data.events.get(alert.id, []):
            reason = (event.detail or {}).get("reason") or ""
            rows.append(
                [
                    _day(event.at),
                    f"#{alert.id} {alert.kind}",
                    event.actor if staff else "housing team",
                    f"{event.action} {reason}",
                ]
            )
    if len(rows) == 1:
        return []
    widths = [32 * mm, 45 * mm, 35 * mm, 58 * mm]
    return [Paragraph("Alert history", STYLES["Heading2"]), _table(rows, widths)]


def render_pdf(data: ReportData, *, staff: bool = True) -> bytes:
    """The report as PDF bytes; for a tenant (`staff` False) the history names no staff."""
    buffer = io.BytesIO()
    home = data.home
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"Condition report {home.home_id}",
        author="dampwatch",
    )
    story: list[Any] = [
        Paragraph("Condition report", STYLES["Title"]),
        _paragraph(
            "{address}, {postcode} (home {home_id})",
            address=home.address,
            postcode=home.postcode,
            home_id=home.home_id,
        ),
        _paragraph("Period: {start} to {end} UTC", start=_day(data.start), end=_day(data.end)),
        Spacer(1, 4 * mm),
    ]
    if not data.consent:
        story.append(
            Paragraph(
                "The tenant has withdrawn consent: no readings are stored or shown for this home.",
                STYLES["BodyText"],
            )
        )
    else:
        story += [
            Paragraph("Conditions by room (hourly means)", STYLES["Heading2"]),
            _table(_summary_rows(data)),
        ]
        mould, hours = charts.mould_chart(data.rooms), charts.hours_chart(data.rooms)
        if mould is not None:
            story += [Paragraph("Mould index", STYLES["Heading2"]), _image(mould)]
        if hours is not None:
            story += [Paragraph("Hours above thresholds", STYLES["Heading2"]), _image(hours)]
        story.append(Paragraph("Temperature, humidity and dew point", STYLES["Heading2"]))
        story += [_image(charts.climate_chart(room)) for room in data.rooms]
    story += _flags(data)
    story += _history(data, staff)
    document.build(story)
    return buffer.getvalue()
