"""The containers' healthcheck script, the assessment loop's check against a real InfluxDB."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from types import ModuleType

import pytest

from tests.support import InfluxDatabase

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "docker" / "healthcheck.py"
HOUR_S = 3600


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("container_healthcheck", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


healthcheck = _load()


def _env(db: InfluxDatabase) -> dict[str, str]:
    return {
        "DAMPWATCH_INFLUX_URL": db.url,
        "DAMPWATCH_INFLUX_API": "v1",
        "DAMPWATCH_INFLUX_DATABASE": db.database,
        "DAMPWATCH_ASSESS_INTERVAL_S": "3600",
    }


def _ingest_wrote(db: InfluxDatabase, now_s: int) -> None:
    db.write(
        f"ingest,worker=w1 written_total=100i {now_s - 600}\n"
        f"ingest,worker=w1 written_total=250i {now_s - 60}",
        precision="s",
    )


@pytest.mark.servers
def test_assess_is_healthy_with_a_recent_home_risk_point(influx_db: InfluxDatabase) -> None:
    now_s = int(time.time())
    _ingest_wrote(influx_db, now_s)
    hour_start = now_s // HOUR_S * HOUR_S - HOUR_S  # the last complete hour, as a cycle stamps it
    influx_db.write(f"home_risk,home=h1 score=40 {hour_start}", precision="s")
    healthy, reason = healthcheck.assess_healthy(_env(influx_db))
    assert healthy, reason


@pytest.mark.servers
def test_assess_is_unhealthy_when_readings_arrive_and_risk_is_stale(
    influx_db: InfluxDatabase,
) -> None:
    now_s = int(time.time())
    _ingest_wrote(influx_db, now_s)
    influx_db.write(f"home_risk,home=h1 score=40 {now_s - 12 * HOUR_S}", precision="s")
    healthy, reason = healthcheck.assess_healthy(_env(influx_db))
    assert not healthy
    assert "last home_risk point was written" in reason
    influx_db.write(f"home_risk,home=h2 score=10 {now_s - HOUR_S}", precision="s")
    assert healthcheck.assess_healthy(_env(influx_db))[0]


@pytest.mark.servers
def test_assess_is_unhealthy_when_it_never_wrote_yet_readings_arrive(
    influx_db: InfluxDatabase,
) -> None:
    _ingest_wrote(influx_db, int(time.time()))
    healthy, reason = healthcheck.assess_healthy(_env(influx_db))
    assert (healthy, reason.endswith("written never")) == (False, True)


@pytest.mark.servers
def test_assess_is_healthy_when_nothing_arrives(influx_db: InfluxDatabase) -> None:
    now_s = int(time.time())
    influx_db.write(f"ingest,worker=w1 written_total=7i {now_s - 60}", precision="s")
    healthy, reason = healthcheck.assess_healthy(_env(influx_db))
    assert healthy, reason
    assert "nothing new to assess" in reason


def test_assess_is_unhealthy_when_influxdb_does_not_answer(unused_port: int) -> None:
    env = {"DAMPWATCH_INFLUX_URL": f"http://127.0.0.1:{unused_port}", "DAMPWATCH_INFLUX_API": "v1"}
    healthy, reason = healthcheck.assess_healthy(env)
    assert not healthy
    assert reason.startswith("InfluxDB query failed")


def test_unknown_check_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert healthcheck.main(["sometimes"]) == 2
    assert "usage: healthcheck.py" in capsys.readouterr().err


@pytest.fixture
def unused_port() -> int:
    from dampwatch_stack.servers import free_port  # noqa: PLC0415

    return free_port()


def test_casework_is_healthy_while_its_heartbeat_is_fresh(tmp_path: Path) -> None:
    env = {"DAMPWATCH_DATA_DIR": str(tmp_path)}
    assert not healthcheck.casework_healthy(env)[0], "no heartbeat yet"
    beat = tmp_path / "casework" / "heartbeat"
    beat.parent.mkdir()
    beat.write_text("leader\n")
    assert healthcheck.casework_healthy(env)[0]
    assert not healthcheck.casework_healthy(env, now_s=beat.stat().st_mtime + 3600)[0]


@pytest.mark.servers
def test_assess_is_unhealthy_when_this_worker_made_no_progress(
    influx_db: InfluxDatabase, tmp_path: Path
) -> None:
    now_s = int(time.time())
    _ingest_wrote(influx_db, now_s)
    influx_db.write(f"home_risk,home=h1 score=40 {now_s - HOUR_S}", precision="s")
    heartbeat = tmp_path / "assess.heartbeat"
    env = _env(influx_db) | {
        "DAMPWATCH_ASSESS_HEARTBEAT_FILE": str(heartbeat),
        "DAMPWATCH_ASSESS_STALL_S": "600",
    }
    healthy, reason = healthcheck.assess_healthy(env)
    assert (healthy, reason) == (False, f"no heartbeat at {heartbeat}")
    heartbeat.touch()
    assert healthcheck.assess_healthy(env)[0]  # other workers keep home_risk fresh, and so
    # does this one: a recent beat
    healthy, reason = healthcheck.assess_healthy(env, now_s=time.time() + 601)
    assert not healthy
    assert reason.startswith("this worker made no progress for 60")
