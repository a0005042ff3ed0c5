"""Grafana's substitutions as the board tests apply them: intervals, time filter, variables."""

from __future__ import annotations

import pytest

from tests.grafana.grafana_emulation import (
    ALL,
    Rendering,
    TimeRange,
    Variable,
    format_interval,
    interval_ms,
    render,
    replace_variables,
    series_name,
)

NOW = 1_700_000_000_000


@pytest.mark.parametrize(
    ("span", "max_points", "min_interval", "expected"),
    [
        ("7d", 500, None, "20m"),  # 1209.6 s rounds to 20 min
        ("24h", 1500, None, "1m"),  # 57.6 s rounds to 1 min
        ("1h", 500, None, "5s"),  # 7.2 s rounds to 5 s
        ("1h", 500, "10s", "10s"),  # below the minimum: the minimum
        ("7d", 500, "1h", "1h"),
        ("48h", 500, "1m", "5m"),  # 345.6 s rounds to 5 min, above the minimum
        ("30d", None, None, "30m"),  # default 1500 points: 1728 s rounds to 30 min
        ("396d", 500, None, "12h"),  # 19 h rounds down to 12 h
    ],
)
def test_interval_like_grafana(
    span: str, max_points: int | None, min_interval: str | None, expected: str
) -> None:
    time_range = TimeRange.last(span, NOW)
    assert format_interval(interval_ms(time_range, min_interval, max_points)) == expected


def test_time_filter_absolute_in_backend_relative_in_browser() -> None:
    time_range = TimeRange.last("7d", NOW)
    query = "SELECT x FROM m WHERE $timeFilter GROUP BY time($__interval)"
    backend = render(query, Rendering(time_range), max_data_points=500)
    assert backend == (
        f"SELECT x FROM m WHERE time >= {NOW - 7 * 86_400_000}ms and time <= {NOW}ms "
        "GROUP BY time(20m)"
    )
    browser = render(query, Rendering(time_range, path="browser"), max_data_points=500)
    assert "WHERE time >= now() - 7d and time <= now() GROUP BY time(20m)" in browser


def test_interval_ms_and_interval_text() -> None:
    rendering = Rendering(TimeRange.absolute(0, 3_600_000))
    text = render("count(x) * 1000 / $__interval_ms, $__interval", rendering, min_interval="10s")
    assert text == "count(x) * 1000 / 10000, 10s"


def test_variables_escaped_as_regex() -> None:
    query = 'WHERE "home" =~ /^$home$/ AND "room" =~ /^$room$/'
    variables = {
        "home": Variable("home", "flat.1"),
        "room": Variable("room", ["bathroom", "bed/room"], multi=True),
    }
    assert replace_variables(query, variables) == (
        r'WHERE "home" =~ /^flat\.1$/ AND "room" =~ /^(bathroom|bed\/room)$/'
    )


def test_all_means_every_option_unless_a_custom_all_value() -> None:
    query = 'WHERE "room" =~ /^$room$/'
    every = Variable("room", ALL, options=["a", "b.c"], multi=True)
    assert replace_variables(query, {"room": every}) == r'WHERE "room" =~ /^(a|b\.c)$/'
    custom = Variable("room", ALL, options=["a"], multi=True, all_value=".*")
    assert replace_variables(query, {"room": custom}) == 'WHERE "room" =~ /^.*$/'


def test_plain_and_numeric_values_are_not_escaped_outside_regexes() -> None:
    variables = {"min": Variable("min", "50"), "name": Variable("name", "a.b")}
    assert replace_variables("x >= $min AND y = '$name'", variables) == "x >= 50 AND y = 'a.b'"
    assert replace_variables("${min} [[name]] $unknown", variables) == "50 a.b $unknown"


def test_alias_patterns() -> None:
    tags = {"room": "bathroom", "worker": "w1"}
    assert series_name("$tag_room", "reading", "mean", tags) == "bathroom"
    assert series_name("$tag_worker $col", "ingest", "written", tags) == "w1 written"
    assert series_name(None, "reading", "mean", {"room": "a"}) == "reading.mean {room: a}"
