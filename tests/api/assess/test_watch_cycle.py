"""Early warning through the assessment cycle, against a real InfluxDB with known hourly data."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from dampwatch_api.alerts.models import Alert
from dampwatch_api.assess.watching import watch_due
from dampwatch_api.watches.models import Watch
from tests.api.assess.test_cycle import NOW, cycle, healthy, outdoor, series, shower, wobble
from tests.support import InfluxDatabase

UNTIL = NOW + timedelta(days=8)


def wet(t: datetime) -> tuple[float, float]:
    """A cool bedroom with its air near saturation at the wall: mould grows within weeks."""
    return 17.0 + wobble(t), 84.0 + wobble(t)


def watches(engine: Engine) -> list[Watch]:
    with Session(engine) as session:
        return list(session.scalars(select(Watch).order_by(Watch.id)))


@pytest.mark.servers
def test_a_damp_bedroom_is_watched_for_mould_before_the_mould_alert(
    influx_db: InfluxDatabase, sqlite_engine: Engine
) -> None:
    lines = (
        series("damp-1", "s1", "bedroom-1", wet, until=UNTIL)
        + series("damp-1", "s2", "living-room", healthy, until=UNTIL)
        + series("damp-1", "s3", "outdoor", outdoor, until=UNTIL)
        + series("well-1", "s4", "bathroom", shower, until=UNTIL)
        + series("well-1", "s5", "living-room", healthy, until=UNTIL)
    )
    influx_db.write("\n".join(lines))
    report = cycle(sqlite_engine, influx_db, NOW)
    # The damp rule has raised already; the mould index is climbing towards 1 on that wall.
    assert report.watches_opened == 1
    (watch,) = watches(sqlite_engine)
    assert (watch.home_id, watch.room, watch.kind) == ("damp-1", "bedroom-1", "mould_risk")
    assert watch.share >= 0.75 and watch.expected_at > NOW
    assert watch.words.startswith("If the bedroom 1 carries on ")
    assert "the mould rule" in watch.words
    # No watch of a kind already alerted, and none in the home with only shower peaks.
    with Session(sqlite_engine) as session:
        kinds = set(session.scalars(select(Alert.kind).where(Alert.home_id == "damp-1")))
    assert "condensation_risk" in kinds and "mould_risk" not in kinds
    risk = influx_db.rows(
        'SELECT last("watch"), last("watch_share") FROM "risk" GROUP BY "home", "room"'
    )
    watched = {(r["home"], r["room"]): r["last"] for r in risk}
    assert watched[("damp-1", "bedroom-1")] == 1
    assert watched[("well-1", "bathroom")] == 0
    ahead = influx_db.rows(
        'SELECT last("projected_mould_index"), last("projected_damp_run_days") FROM "risk" '
        "WHERE room = 'bedroom-1'"
    )[0]
    assert ahead["last"] >= 1.0 and ahead["last_1"] == 7  # damp every day of the week ahead

    # A week on, the mould alert has come: the watch that preceded it is linked.
    report = cycle(sqlite_engine, influx_db, NOW + timedelta(days=7))
    assert report.watches_linked == 1
    (linked,) = watches(sqlite_engine)
    with Session(sqlite_engine) as session:
        mould = session.scalars(select(Alert).where(Alert.kind == "mould_risk")).one()
    assert linked.alert_id == mould.id and linked.cleared_at == mould.opened_at
    assert linked.lead_hours == pytest.approx(
        (mould.opened_at - watch.opened_at).total_seconds() / 3600
    )
    assert linked.lead_hours > 0


def test_projections_run_every_few_hours() -> None:
    assert watch_due(11, 12, 6) and not watch_due(12, 13, 6)
    assert watch_due(0, 500, 6) and not watch_due(0, 500, 0)
