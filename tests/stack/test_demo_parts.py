"""`dampwatch demo` pieces: winter weather, room kinds, the reset, the table, the command line.

The demo itself runs end to end against real servers in tests/stack/test_demo.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dampwatch_stack.demo import cohort_start_s, reset_demo_data
from dampwatch_stack.demo_api import room_kind
from dampwatch_stack.demo_feed import WinterWeather, winter_shift_days
from dampwatch_stack.demo_report import archetype_summary, board_table

DAY_S = 86_400


def _start(year: int, month: int, day: int) -> float:
    return datetime(year, month, day, tzinfo=UTC).timestamp()


def test_a_winter_period_keeps_its_own_weather() -> None:
    assert winter_shift_days(_start(2026, 10, 23), 30) == 0
    assert winter_shift_days(_start(2026, 2, 1), 30) == 0


def test_a_summer_period_gets_late_january_weather() -> None:
    start = _start(2026, 6, 20)
    shift = winter_shift_days(start, 30)
    middle = datetime.fromtimestamp(start + 15 * DAY_S - shift * DAY_S, UTC)
    assert (middle.month, middle.day) == (1, 20)


class _RecordingWeather:
    def __init__(self) -> None:
        self.calls: list[tuple[int, Any, float]] = []

    def day(self, day_index: int, times_s: Any, step_s: float) -> Any:
        self.calls.append((day_index, times_s, step_s))
        return "conditions"


def test_winter_weather_asks_for_the_shifted_times() -> None:
    inner = _RecordingWeather()
    times = np.array([100.0 * DAY_S, 100.0 * DAY_S + 300])
    assert WinterWeather(inner, 10).day(3, times, 300.0) == "conditions"
    day_index, asked, step = inner.calls[0]
    assert (day_index, step) == (3, 300.0)
    assert list(asked) == [90.0 * DAY_S, 90.0 * DAY_S + 300]


@pytest.mark.parametrize(
    ("slug", "kind"),
    [
        ("living-room", "living"),
        ("bedroom-1", "bedroom"),
        ("bedroom-3", "bedroom"),
        ("kitchen", "kitchen"),
        ("bathroom", "bathroom"),
        ("outdoor", "outdoor"),
        ("conservatory", "other"),
    ],
)
def test_room_kinds_follow_the_simulators_room_names(slug: str, kind: str) -> None:
    assert room_kind(slug) == kind


def test_reset_removes_the_last_runs_data_and_keeps_the_ports(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    for relative in (
        "up/mosquitto/mosquitto.db",
        "up/influxdb/data/x",
        "up/logs/api.log",
        "up/state.json",
        "dampwatch.db",
        "dampwatch.db-wal",
        "dampwatch-demo-ingest.registry.json",
        "truth.json",
        "notes.txt",
    ):
        (demo / relative).parent.mkdir(parents=True, exist_ok=True)
        (demo / relative).write_text("x")
    reset_demo_data(demo)
    left = sorted(str(p.relative_to(demo)) for p in demo.rglob("*") if p.is_file())
    assert left == ["notes.txt", "up/state.json"]
    assert (demo / "up" / "logs").is_dir(), "the log directory stays for the new run's logs"


def test_reset_of_a_first_run_does_nothing(tmp_path: Path) -> None:
    reset_demo_data(tmp_path / "demo")
    assert not (tmp_path / "demo").exists()


BOARD = [
    {
        "rank": 1,
        "home_id": "sim-0002",
        "score": 91.4,
        "open_alerts": 3,
        "due_by": "2026-12-04T17:00:00Z",
        "overdue": False,
        "kinds": ["condensation_risk", "mould_risk"],
        "top_reasons": ["bathroom: the coldest wall was at 80 % RH or more for 120 of 168 hours"],
    },
    {
        "rank": 2,
        "home_id": "sim-0001",
        "score": 40.0,
        "open_alerts": 1,
        "due_by": None,
        "overdue": False,
        "kinds": ["cold_home"],
        "top_reasons": [],
    },
]


def test_the_table_ranks_homes_with_kinds_reason_and_archetype() -> None:
    table = board_table(BOARD, {"sim-0001": "cold", "sim-0002": "damp", "sim-0003": "healthy"})
    lines = table.splitlines()
    assert lines[2].split()[:6] == ["1", "sim-0002", "91", "3", "2026-12-04", "damp"]
    assert "condensation_risk, mould_risk" in lines[2]
    assert lines[3].strip().startswith("why: bathroom: the coldest wall")
    assert lines[4].split()[:6] == ["2", "sim-0001", "40", "1", "-", "cold"]
    assert board_table([], {}) == "No home needs intervention."


def test_the_summary_counts_flagged_homes_per_archetype() -> None:
    archetypes = {"sim-0001": "cold", "sim-0002": "damp", "sim-0003": "healthy"}
    summary = archetype_summary(archetypes, {"sim-0001", "sim-0002"})
    assert summary.endswith("cold 1/1, damp 1/1, healthy 0/1")


def _demo(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "dampwatch.cli", "demo", "--data-dir", str(tmp_path), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=os.environ | (env or {}),
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--homes", "0"), "must be at least 1"),
        (("--days", "many"), "not a whole number"),
        (("--mix", "soggy=1"), "unknown archetype 'soggy'"),
        (("--ports", "nine"), "invalid choice"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    result = _demo(tmp_path, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_settings_exit_2(tmp_path: Path) -> None:
    result = _demo(tmp_path, env={"DAMPWATCH_API_PORT": "eighty"})
    assert result.returncode == 2
    assert "invalid settings" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_mosquitto_gives_the_install_command(tmp_path: Path) -> None:
    result = _demo(tmp_path, env={"DAMPWATCH_UP_MOSQUITTO_BINARY": "mosquitto-not-installed"})
    assert result.returncode == 2
    assert "dampwatch demo needs mosquitto; install with:" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_demo_period_ends_at_the_last_whole_interval_before_now() -> None:
    now = _start(2026, 12, 6) + 14 * 3600 + 17 * 60 + 42  # 14:17:42 UTC
    start = cohort_start_s(30, now, 300)
    assert start + 30 * DAY_S == _start(2026, 12, 6) + 14 * 3600 + 15 * 60
    assert start % 300 == 0
