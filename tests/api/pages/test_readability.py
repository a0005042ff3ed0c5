"""The tenant's page reads at about a nine-year-old's level (textstat), whatever it flags."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import textstat  # type: ignore[import-untyped]

from dampwatch.assessment.kinds import AlertKind, Evidence, Finding, Severity
from dampwatch_api.alerts import service
from tests.api.conftest import HOME_NORTH, Api
from tests.api.pages.support import page_client, seed_influx, seed_rooms
from tests.support import InfluxDatabase

pytestmark = pytest.mark.servers
# Flesch-Kincaid grade 4 is a US fourth grader, nine to ten years old; the UK's "reading age 9".
MOST_GRADE = 4.5
EVERY_KIND = (
    (AlertKind.MOULD_RISK, Severity.HIGH, "bathroom", {"hours_surface80_30d": 300.0}),
    (AlertKind.CONDENSATION_RISK, Severity.MEDIUM, "bedroom-1", {"damp_days_7d": 4.0}),
    (AlertKind.COLD_HOME, Severity.EMERGENCY, "bedroom-1", {"cold_days_7d": 6.0}),
    (AlertKind.OVERHEATING, Severity.MEDIUM, "bedroom-1", {"hot_night_hours_30d": 40.0}),
    (AlertKind.DEVICE_OFFLINE, Severity.MEDIUM, "bathroom", {"last_seen_age_h": 30.0}),
    (AlertKind.BATTERY_LOW, Severity.LOW, "bathroom", {"battery_pct": 12.0}),
    (AlertKind.SENSOR_FAULT, Severity.MEDIUM, "bedroom-1", {"drift_excess_hpa": 2.0}),
)


def _visible_text(html: str) -> str:
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    main = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", main, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", "\n", main))


def test_tenant_page_reads_at_reading_age_nine(stack: Api, influx_db: InfluxDatabase) -> None:
    seed_rooms(stack, HOME_NORTH)
    seed_influx(influx_db, HOME_NORTH)
    context = stack.client.app.state.context  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    with context.sessions() as session:
        for kind, severity, room, observed in EVERY_KIND:
            finding = Finding(
                home_id=HOME_NORTH,
                room=room,
                kind=kind,
                severity=severity,
                evidence=Evidence("jargon f_Rsi 0.75, 168 hours, 0.0 hPa", 168, "t", observed),
                condition_since=now - timedelta(days=3),
                subject=f"{HOME_NORTH}-{room}"
                if kind.value.startswith(("device", "battery", "sensor"))
                else "",
            )
            service.raise_or_update(session, finding, now=now)
        session.commit()
    html = page_client(stack, "tenant-north").get(f"/homes/{HOME_NORTH}").text
    text = _visible_text(html)
    sentences = " ".join(line.strip() for line in text.splitlines() if len(line.split()) >= 4)
    grade = textstat.flesch_kincaid_grade(sentences)
    assert grade <= MOST_GRADE, f"Flesch-Kincaid grade {grade} for:\n{sentences}"
    for jargon in ("f_Rsi", "168 hours", "hPa", "(no data)", "heart attacks"):
        assert jargon not in text
