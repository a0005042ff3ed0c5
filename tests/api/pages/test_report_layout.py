"""The condition report as printed: every page rendered to PNG with pdftoppm, its ink inside the
margins; a summary on page one with the worst case first; no heading left at a page's foot."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from dampwatch.assessment.kinds import AlertKind, Evidence, Finding, Severity
from dampwatch_api.alerts import service
from dampwatch_api.registry.models import Home, Room
from tests.api.conftest import HOME_NORTH, Api
from tests.api.pages.support import seed_alert, seed_influx, seed_rooms
from tests.support import InfluxDatabase

pytestmark = pytest.mark.servers
DPI = 50
MM = DPI / 25.4  # pixels per millimetre
SIDE_MARGIN_MM = 20
TOLERANCE_MM = 2
HEADINGS = ("Summary", "Conditions by room", "Cases and their evidence", "Case history")
LONG_EVIDENCE = (
    "The coldest wall in the {room} was at 80 % relative humidity or more for 150 of the last "
    "168 hours, and below the dew point for 60 hours; the room air was at 70 % or more for "
    "140 hours. " * 3
)


def _seed_cases(api: Api) -> None:
    """Many cases with long evidence, in rooms with long names, at every severity."""
    context = api.client.app.state.context  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    with context.sessions() as session:
        home = session.scalar(select(Home).where(Home.home_id == HOME_NORTH))
        assert home is not None
        session.add(
            Room(home_pk=home.id, room_id="living-room", name="Front living room", kind="living")
        )
        kinds = (AlertKind.CONDENSATION_RISK, AlertKind.OVERHEATING, AlertKind.COLD_HOME)
        for index, kind in enumerate(kinds * 3):
            severity = (Severity.LOW, Severity.MEDIUM, Severity.EMERGENCY)[index % 3]
            room = ("bedroom-1", "living-room", "bathroom")[index // 3]
            finding = Finding(
                home_id=HOME_NORTH,
                room=room,
                kind=kind,
                severity=severity,
                evidence=Evidence(LONG_EVIDENCE.format(room=room), 168, "test", {}),
                condition_since=now - timedelta(days=index),
            )
            service.raise_or_update(session, finding, now=now - timedelta(hours=index))
        session.commit()


def _pages(pdf: Path, directory: Path) -> list[Path]:
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-png", str(pdf), str(directory / "page")], check=True
    )
    return sorted(directory.glob("page-*.png"))


def _ink_columns(image: Image.Image) -> tuple[int, int]:
    """The leftmost and rightmost columns holding anything darker than near-white."""
    grey = image.convert("L").point(lambda value: 255 if value < 235 else 0)
    box = grey.getbbox()
    assert box is not None, "an empty page"
    return box[0], box[2]


def _text(pdf: Path, page: int) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils is not installed")
def test_report_pages_keep_inside_their_margins(
    stack: Api, influx_db: InfluxDatabase, tmp_path: Path
) -> None:
    seed_rooms(stack, HOME_NORTH)
    seed_influx(influx_db, HOME_NORTH)
    seed_alert(stack, HOME_NORTH)
    _seed_cases(stack)
    response = stack.call("GET", f"/v1/homes/{HOME_NORTH}/report.pdf?from=&to=", "officer-north")
    assert response.status_code == 200, response.text
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.content)
    pages = _pages(pdf, tmp_path)
    assert len(pages) >= 3
    for number, path in enumerate(pages, start=1):
        image = Image.open(path)
        left, right = _ink_columns(image)
        allowed = (SIDE_MARGIN_MM - TOLERANCE_MM) * MM
        assert left >= allowed, f"page {number}: ink {left / MM:.1f} mm from the left edge"
        assert image.width - right >= allowed, (
            f"page {number}: ink {(image.width - right) / MM:.1f} mm from the right edge"
        )
        lines = [line.strip() for line in _text(pdf, number).splitlines() if line.strip()]
        body = [line for line in lines if "dampwatch condition report" not in line]
        assert body and body[-1] not in HEADINGS, f"page {number} ends with a heading"
    first = _text(pdf, 1)
    assert "Summary" in first and "Open cases" in first
    # Worst first: the emergencies are listed before any medium or low case.
    listed = first[first.index("Worst first") :]
    assert listed.index("Emergency") < listed.index("Medium") < listed.index("Low")
    assert "Front living room" in first  # rooms by their registered names
    everything = "".join(_text(pdf, page) for page in range(1, len(pages) + 1))
    assert "in Front living room" in everything and "living-room" not in everything
