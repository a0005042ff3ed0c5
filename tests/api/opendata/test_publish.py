"""`dampwatch opendata publish` over SQL and a real InfluxDB; the statistics opt-out honoured."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from dampwatch.influx import InfluxQL
from dampwatch.opendata.disclosure import Method
from dampwatch.opendata.publication import publish
from dampwatch.opendata.tally import tally
from dampwatch_api.app import create_app
from dampwatch_api.auth.tokens import create_access_token
from dampwatch_api.db import migrate
from dampwatch_api.db.session import create_db_engine, make_session_factory
from dampwatch_api.opendata import sources
from dampwatch_api.opendata.job import gather
from dampwatch_api.opendata.main import main
from dampwatch_api.registry.models import Home, Role, Tenant, User
from dampwatch_api.settings import ApiAppSettings
from tests.api.opendata.estate import build_estate, settings_values, shared_files
from tests.support import InfluxDatabase

HOMES = 120


def _settings(tmp_path: Path, influx: InfluxDatabase, **extra: object) -> ApiAppSettings:
    url = f"sqlite:///{tmp_path / 'api.db'}"
    values = settings_values(shared_files(), influx) | {"database_url": url, "data_dir": tmp_path}
    return ApiAppSettings(**(values | extra))  # type: ignore[arg-type]


def _environment(monkeypatch: pytest.MonkeyPatch, settings: ApiAppSettings) -> None:
    for name in ("database_url", "data_dir", "geography_lookup", "deprivation_file",
                 "opendata_area_lookup", "opendata_min_hours", "influx_url", "influx_database",
                 "influx_api", "opendata_disclosure"):  # fmt: skip
        value = getattr(settings, name)
        monkeypatch.setenv(f"DAMPWATCH_{name.upper()}", str(getattr(value, "value", value)))


def _table(path: Path) -> dict[tuple[str, str, str], str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {
            (row["area_code"], row["period"], row["measure"]): row["value"]
            for row in csv.DictReader(handle)
        }


@pytest.fixture
def estate(tmp_path: Path, influx_db: InfluxDatabase) -> ApiAppSettings:
    settings = _settings(tmp_path, influx_db)
    migrate(settings.sqlalchemy_url)
    build_estate(settings.sqlalchemy_url, settings, influx_db, HOMES)
    return settings


def test_publish_writes_every_table_from_sql_and_influx(
    estate: ApiAppSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _environment(monkeypatch, estate)
    monkeypatch.setattr(sources, "HOMES_PER_QUERY", 7)  # many batches of homes per month
    out = tmp_path / "published"
    assert main(["publish", "--out", str(out), "--period", "2026-11", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["homes"] == HOMES and summary["periods"] == ["2026-11"]
    assert "hazards_by_lsoa.csv" not in summary["public_files"]
    assert "analyst/hazards_by_lsoa.csv" in summary["analyst_files"]
    assert (out / "catalog.jsonld").is_file() and not (out / "hazards_by_lsoa.csv").exists()
    region = _table(out / "hazards_by_region.csv")
    assert region[("E12000002", "2026-11", "homes_monitored")] == str(HOMES)
    assert region[("E12000002", "2026-11", "homes_damp_hazard")] == str(HOMES // 4)
    # Every home's living room: base 15..21 °C, so 3 of 7 homes sit below 18 °C all 30 hours.
    lad = _table(out / "hazards_by_lad.csv")
    assert float(lad[("E08000011", "2026-11", "median_hours_below_18c")]) == 0
    assert float(lad[("E08000011", "2026-11", "q3_hours_below_18c")]) == 30
    energy = _table(out / "hazards_by_energy_band.csv")
    assert {code for code, _, _ in energy} <= {"C", "D", "E"}


def test_a_missing_area_lookup_is_a_clear_error(
    estate: ApiAppSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _environment(monkeypatch, estate)
    monkeypatch.setenv("DAMPWATCH_OPENDATA_AREA_LOOKUP", str(tmp_path / "nowhere.csv"))
    assert main(["publish", "--out", str(tmp_path / "x"), "--period", "2026-11"]) == 1
    assert "nowhere.csv" in capsys.readouterr().err


def _opt_out_through_the_api(settings: ApiAppSettings, session: Session, home_id: str) -> None:
    """The home's tenant signs in and opts out of statistics on the API's consent route."""
    home = session.scalars(select(Home).where(Home.home_id == home_id)).one()
    user = User(username=f"tenant-{home_id}", password_hash="x", role=Role.TENANT.value, home=home)
    session.add(user)
    session.flush()
    session.scalars(select(Tenant).where(Tenant.home_pk == home.id)).one().user_pk = user.id
    session.commit()
    token = create_access_token(
        user.username, settings.secret_key.get_secret_value(), 600, user_id=user.id
    )
    with TestClient(create_app(settings, connect_broker=False)) as client:
        answer = client.put(
            f"/v1/homes/{home_id}/consent",
            json={"granted": False, "purpose": "statistics"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert answer.status_code == 200, answer.text
    assert answer.json()["statistics"] is False


@pytest.mark.parametrize("method", list(Method))
def test_a_tenant_opting_out_leaves_every_table_at_the_next_publish(
    estate: ApiAppSettings, influx_db: InfluxDatabase, method: Method
) -> None:
    settings = estate.model_copy(update={"opendata_disclosure": method})
    engine = create_db_engine(settings.sqlalchemy_url)
    influx = InfluxQL(settings)
    sessions = make_session_factory(engine)
    with sessions() as session:
        before = gather(session, influx, settings, ["2026-11"]).rows
        _opt_out_through_the_api(settings, session, "od-004")
        session.expire_all()
        after = gather(session, influx, settings, ["2026-11"]).rows
    influx.close()
    engine.dispose()
    assert "od-004" in {row.home_key for row in before}
    assert "od-004" not in {row.home_key for row in after}
    assert len(after) == len(before) - 1
    old, new = publish(before, settings.disclosure), publish(after, settings.disclosure)
    truth_old, truth_new = tally(before), tally(after)
    changed = 0
    for table, rows in new.tables.items():
        old_values = {(r.area_code, r.measure): r.value for r in old.tables[table]}
        for row in rows:
            cell = (table, row.area_level, row.area_code, row.period, row.measure)
            was = old_values.get((row.area_code, row.measure))
            if cell not in truth_new.counts or row.value is None or was is None:
                continue
            moved = truth_old.counts[cell].count - truth_new.counts[cell].count
            assert moved in (0, 1)
            if moved == 0 and method is Method.CELL_KEY:
                assert row.value == was  # same homes, same cell key, same answer
            assert abs(row.value - was) <= 5  # one home, plus at most the method's noise
            changed += row.value != was
    assert changed > 0
