"""The boards draw and use the assessment's own thresholds: change the configuration, and the
generated JSON follows; the committed boards carry the rules' defaults."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from dampwatch.assessment.config import DEFAULT_CONFIG, AssessmentConfig
from dampwatch_grafana.generate import dashboards
from tests.grafana.boards_support import load_boards, panels

CHANGED = dataclasses.replace(
    DEFAULT_CONFIG,
    battery_low_pct=11.0,
    battery_ok_pct=31.0,
    battery_offline_after_h=37.0,
    mains_offline_after_h=3.5,
    stuck_hours=29,
    cold_c=19.5,
    very_cold_c=15.5,
    room_rh_screen_pct=66.0,
    surface_rh_pct=83.0,
    mould_raise_index=1.25,
    mould_visible_index=3.75,
    overheating_c=27.5,
    co2_ppm=1400.0,
    weak_signal_dbm=-87.0,
)


def _panel(boards: dict[str, dict[str, Any]], file: str, title: str) -> dict[str, Any]:
    (found,) = [p for p in panels(boards[file]) if p["title"] == title]
    return found


def _steps(panel: dict[str, Any]) -> list[float | None]:
    return [step["value"] for step in panel["fieldConfig"]["defaults"]["thresholds"]["steps"]]


def _check(boards: dict[str, dict[str, Any]], config: AssessmentConfig) -> None:
    battery = _panel(boards, "devices.json", "Battery")
    assert _steps(battery) == [None, config.battery_low_pct, config.battery_ok_pct]
    assert f"{config.battery_low_pct:g} %" in battery["description"]
    signal = _panel(boards, "devices.json", "Signal strength")
    assert _steps(signal) == [None, config.weak_signal_dbm]
    silent = _panel(boards, "devices.json", "Silent or stuck sensors")
    assert f"{config.battery_offline_after_h:g} h (battery" in silent["description"]
    assert f"{config.mains_offline_after_h:g} h (mains)" in silent["description"]
    assert f"{config.stuck_hours} h" in silent["description"]
    assert '"offline" > 0' in silent["targets"][0]["query"]
    temperature = _panel(boards, "home.json", "Temperature")
    assert _steps(temperature) == [None, config.very_cold_c, config.cold_c]
    assert _steps(_panel(boards, "home.json", "Relative humidity")) == [
        None,
        config.room_rh_screen_pct,
    ]
    mould = [None, config.mould_raise_index, config.mould_visible_index]
    assert _steps(_panel(boards, "home.json", "Mould index")) == mould
    assert _steps(_panel(boards, "home.json", "Mould index now")) == mould
    hours = json.dumps(_panel(boards, "home.json", "Hours above thresholds"), ensure_ascii=False)
    for label in (
        f"RH ≥ {config.room_rh_screen_pct:g} %",
        f"Wall RH ≥ {config.surface_rh_pct:g} % "
        f"({config.surface_rh_pct + config.humidity_accuracy_pct:g} % if estimated)",
        f"Below {config.cold_c:g} °C",
        f"Below {config.very_cold_c:g} °C",
        f"above {config.overheating_c:g} °C",
        f"CO₂ ≥ {config.co2_ppm:g} ppm",
    ):
        assert label in hours


def test_committed_boards_carry_the_rules_defaults() -> None:
    committed = {f"{uid.removeprefix('dampwatch-')}.json": b for uid, b in load_boards().items()}
    _check(committed, DEFAULT_CONFIG)
    silent = _panel(committed, "devices.json", "Silent or stuck sensors")["description"]
    assert "25 h (battery" in silent  # not the 6 h the devices board used to have
    assert _steps(_panel(committed, "devices.json", "Battery"))[1] == 15


def test_a_changed_configuration_changes_the_boards() -> None:
    _check(dashboards(CHANGED), CHANGED)


def test_no_band_is_a_number_of_the_board_own() -> None:
    """Every threshold band of every time series and gauge is a value of the configuration."""
    config_values = {
        value
        for value in dataclasses.asdict(CHANGED).values()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }
    for file, board in dashboards(CHANGED).items():
        for panel in panels(board):
            drawn = panel.get("fieldConfig", {}).get("defaults", {}).get("thresholds")
            if drawn is None:
                continue
            if panel["type"] != "timeseries" and panel["title"] != "Mould index now":
                continue  # counts coloured from 1 up: not thresholds of a rule
            for value in _steps(panel)[1:]:
                assert value in config_values, (file, panel["title"], value)
