"""What Grafana does to an InfluxQL target before and after InfluxDB answers it.

Written after Grafana's InfluxDB datasource (frontend `datasource.ts`: `interpolateQueryExpr`,
`getTimeFilter`; backend `pkg/tsdb/influxdb/influxql`: `$timeFilter`, `$__interval` and alias
rendering) and its interval calculator (`intervalv2`, `gtime.RoundInterval`, `FormatInterval`):
- dashboard variables are replaced first; a multi-value variable, or one used inside a regex
  literal, is regex-escaped and several values become `(a|b)`; All without a custom all value
  means every option; a value that starts like a number is inserted as it is;
- then `$timeFilter` becomes `time >= {from}ms and time <= {to}ms` (the backend) or, for a
  relative range in the browser path, `time >= now() - 7d and time <= now()`;
- `$__interval` is the range divided by the panel's max data points, rounded to Grafana's nice
  steps, and never below the panel's (or datasource's) minimum interval; `$__interval_ms` is it
  in milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

ALL = "$__all"
DEFAULT_MAX_DATA_POINTS = 1500
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
_UNIT_MS["y"] = 365 * _UNIT_MS["d"]
# gtime.RoundInterval: (upper bound of the computed interval, the nice interval), in ms.
_ROUNDING = (
    (10, 1),
    (15, 10),
    (35, 20),
    (75, 50),
    (150, 100),
    (350, 200),
    (750, 500),
    (1_500, 1_000),
    (3_500, 2_000),
    (7_500, 5_000),
    (12_500, 10_000),
    (17_500, 15_000),
    (25_000, 20_000),
    (45_000, 30_000),
    (90_000, 60_000),
    (210_000, 120_000),
    (450_000, 300_000),
    (750_000, 600_000),
    (1_050_000, 900_000),
    (1_500_000, 1_200_000),
    (2_700_000, 1_800_000),
    (5_400_000, 3_600_000),
    (9_000_000, 7_200_000),
    (16_200_000, 10_800_000),
    (32_400_000, 21_600_000),
    (86_400_000, 43_200_000),
    (172_800_000, 86_400_000),
    (604_800_000, 86_400_000),
    (1_814_400_000, 604_800_000),
)
_VARIABLE = re.compile(
    r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}"
)
_REGEX_LITERAL = re.compile(
    r"(\s*(=|!)~\s*)\/((?![*+?])(?:[^\r\n\[/\\]|\\.|\[(?:[^\r\n\]\\]|\\.)*\])+)\/"
    r"((?:g(?:im?|mi?)?|i(?:gm?|mg?)?|m(?:gi?|ig?)?)?)"
)
_JS_FLOAT = re.compile(r"^\s*[+-]?(Infinity|\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?)", re.I)
_ALIAS = re.compile(r"\[\[([@/\w-]+)(\.[@/\w-]+)*\]\]*|\$([@\w-]+)")


def parse_duration_ms(text: str) -> int:
    """`10s`, `5m`, `1h`, `7d` (or bare seconds) in milliseconds."""
    match = re.fullmatch(r"<?(\d+)(ms|s|m|h|d|w|y)?>?", text.strip())
    if not match:
        raise ValueError(f"not a Grafana interval: {text!r}")
    return int(match.group(1)) * _UNIT_MS[match.group(2) or "s"]


def round_interval_ms(interval_ms: float) -> int:
    """Grafana's nice interval for a computed one."""
    for bound, nice in _ROUNDING:
        if interval_ms <= bound:
            return nice
    return 2_592_000_000 if interval_ms < 3_628_800_000 else 31_536_000_000


def format_interval(interval_ms: int) -> str:
    """gtime.FormatInterval: the largest whole unit (y, d, h, m, s, ms)."""
    for unit in ("y", "d", "h", "m", "s"):
        if interval_ms >= _UNIT_MS[unit]:
            return f"{interval_ms // _UNIT_MS[unit]}{unit}"
    return f"{max(interval_ms, 1)}ms"


@dataclass(frozen=True)
class TimeRange:
    """A dashboard time range: raw (`now-7d`) and resolved (epoch ms) ends."""

    raw_from: str
    raw_to: str
    from_ms: int
    to_ms: int

    @classmethod
    def last(cls, span: str, now_ms: int) -> TimeRange:
        """`now-{span}` to `now`."""
        return cls(f"now-{span}", "now", now_ms - parse_duration_ms(span), now_ms)

    @classmethod
    def absolute(cls, from_ms: int, to_ms: int) -> TimeRange:
        """A fixed range."""
        return cls(str(from_ms), str(to_ms), from_ms, to_ms)


def interval_ms(
    time_range: TimeRange, min_interval: str | None, max_data_points: int | None
) -> int:
    """intervalv2.Calculate: range / max data points, rounded, at least the minimum interval."""
    resolution = max_data_points or DEFAULT_MAX_DATA_POINTS
    calculated = (time_range.to_ms - time_range.from_ms) / resolution
    minimum = parse_duration_ms(min_interval) if min_interval else 1
    if calculated < minimum:
        return minimum
    return round_interval_ms(calculated)


def escape_regex(value: str) -> str:
    """@grafana/data escapeRegex."""
    return re.sub(r"[\\^$*+?.()|\[\]{}/]", lambda m: "\\" + m.group(0), value)


@dataclass(frozen=True)
class Variable:
    """A dashboard variable with its current value and options."""

    name: str
    current: str | list[str]
    options: Sequence[str] = ()
    multi: bool = False
    all_value: str | None = None


def interpolate_query_expr(value: str | list[str], variable: Variable, query: str) -> str:
    """Grafana's InfluxDB `interpolateQueryExpr`."""
    if isinstance(value, str) and _JS_FLOAT.match(value):
        return value
    if variable.multi:
        if isinstance(value, str):
            return escape_regex(value)
        return "(" + "|".join(escape_regex(item) for item in value) + ")"
    in_regex = re.compile(rf"\/(?:\^)?(.*)(\${variable.name})(.*)(?:\$)?\/")
    for match in _REGEX_LITERAL.finditer(query):
        if in_regex.search(match.group(0)):
            if isinstance(value, str):
                return escape_regex(value)
            return "(" + "|".join(escape_regex(item) for item in value) + ")"
    return value if isinstance(value, str) else ",".join(value)


def sql_interpolate(value: str | list[str], variable: Variable, _query: str) -> str:
    """Grafana's SQL datasources' `interpolateVariable`: quoted literals for a multi-value or
    include-all variable (several joined by commas), a single value with its quotes doubled."""

    def quoted(item: str) -> str:
        return "'" + item.replace("'", "''") + "'"

    if isinstance(value, list):
        return ",".join(quoted(item) for item in value)
    return quoted(value) if variable.multi else value.replace("'", "''")


def replace_variables(
    query: str,
    variables: Mapping[str, Variable],
    formatter: Callable[[str | list[str], Variable, str], str] = interpolate_query_expr,
) -> str:
    """templateSrv.replace with the datasource's formatter; unknown names stay as they are.

    A custom all value is inserted as it is, whatever the datasource.
    """

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2) or match.group(4)
        variable = variables.get(name)
        if variable is None:
            return match.group(0)
        value = variable.current
        if value == ALL or value == [ALL]:
            if variable.all_value is not None:
                return variable.all_value
            value = list(variable.options)
        return formatter(value, variable, query)

    return _VARIABLE.sub(substitute, query)


def time_filter(time_range: TimeRange, path: Literal["backend", "browser"]) -> str:
    """`$timeFilter`: absolute in the backend; the browser keeps `now-7d` relative."""
    if path == "backend":
        return f"time >= {time_range.from_ms}ms and time <= {time_range.to_ms}ms"

    def influx_time(raw: str, epoch_ms: int) -> str:
        if raw == "now":
            return "now()"
        relative = re.fullmatch(r"now-(\d+)([dhms])", raw)
        if relative:
            return f"now() - {relative.group(1)}{relative.group(2)}"
        return f"{epoch_ms}ms"

    start = influx_time(time_range.raw_from, time_range.from_ms)
    return f"time >= {start} and time <= {influx_time(time_range.raw_to, time_range.to_ms)}"


@dataclass(frozen=True)
class Rendering:
    """Everything a query's final text depends on."""

    time_range: TimeRange
    variables: Mapping[str, Variable] = field(default_factory=dict)
    path: Literal["backend", "browser"] = "backend"
    datasource_min_interval: str | None = None


def render(
    query: str,
    rendering: Rendering,
    *,
    min_interval: str | None = None,
    max_data_points: int | None = None,
) -> str:
    """The InfluxQL Grafana sends for a raw target (the backend's order of replacements)."""
    text = replace_variables(query, rendering.variables)
    interval = interval_ms(
        rendering.time_range, min_interval or rendering.datasource_min_interval, max_data_points
    )
    text = text.replace("$timeFilter", time_filter(rendering.time_range, rendering.path))
    text = text.replace("$interval", format_interval(interval))
    text = text.replace("$__interval_ms", str(interval))
    return text.replace("$__interval", format_interval(interval))


def series_name(alias: str | None, measurement: str, column: str, tags: Mapping[str, str]) -> str:
    """A time series' display name: the alias with `$tag_x`, `$col`, `$m`, or Grafana's default."""
    if not alias:
        suffix = " {" + ", ".join(f"{k}: {v}" for k, v in tags.items()) + "}" if tags else ""
        return f"{measurement}.{column}{suffix}"

    def substitute(match: re.Match[str]) -> str:
        name = (match.group(1) or match.group(3) or "").replace("$", "", 1)
        if name in ("m", "measurement"):
            return measurement
        if name == "col":
            return column
        if name.startswith("tag_") and name[4:] in tags:
            return tags[name[4:]]
        return match.group(0)

    return _ALIAS.sub(substitute, alias)


def time_series(
    result: list[dict[str, Any]], alias: str | None
) -> dict[str, list[tuple[int, float | None]]]:
    """An InfluxDB result as the panel's series: name → [(time ms, value)], one per column."""
    series: dict[str, list[tuple[int, float | None]]] = {}
    for item in result:
        tags = item.get("tags") or {}
        for index, column in enumerate(item["columns"][1:], start=1):
            name = series_name(alias, item["name"], column, tags)
            series[name] = [(row[0], row[index]) for row in item.get("values", [])]
    return series


def display_names(panel: Mapping[str, Any]) -> dict[str, str]:
    """Columns renamed by the panel's `displayName` overrides: column → name shown."""
    names = {}
    for override in panel.get("fieldConfig", {}).get("overrides", []):
        if override["matcher"]["id"] == "byName":
            for prop in override["properties"]:
                if prop["id"] == "displayName":
                    names[override["matcher"]["options"]] = prop["value"]
    return names


def join_by_field(
    frames: Sequence[list[dict[str, Any]]], by: str, mode: str
) -> list[dict[str, Any]]:
    """The `joinByField` transformation (inner mode): rows of every frame sharing `by`."""
    assert mode == "inner", mode
    joined = frames[0]
    for frame in frames[1:]:
        index: dict[Any, list[dict[str, Any]]] = {}
        for row in frame:
            index.setdefault(row.get(by), []).append(row)
        joined = [left | right for left in joined for right in index.get(left.get(by), [])]
    return joined


def influx_rows(result: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A table-format InfluxDB result as rows: tags then columns, `time` as `Time`."""
    rows = []
    for item in result:
        tags = item.get("tags") or {}
        for values in item.get("values", []):
            row = dict(tags) | dict(zip(item["columns"], values, strict=True))
            row["Time"] = row.pop("time")
            rows.append(row)
    return rows


def table_rows(
    result: list[dict[str, Any]],
    panel: Mapping[str, Any],
    other_frames: Sequence[list[dict[str, Any]]] = (),
) -> list[dict[str, Any]]:
    """A table-format result as the panel shows it: joined, Time hidden, sorted.

    Grafana sorts by a column's display name: a sort naming no column the panel shows is an
    error here (Grafana would silently leave the rows unsorted).
    """
    rows = influx_rows(result)
    for transformation in panel.get("transformations", []):
        if transformation["id"] == "joinByField":
            options = transformation["options"]
            rows = join_by_field([rows, *other_frames], options["byField"], options["mode"])
        if transformation["id"] == "organize":
            hidden = transformation["options"].get("excludeByName", {})
            rows = [{k: v for k, v in row.items() if not hidden.get(k)} for row in rows]
    shown = display_names(panel)
    by_display = {shown.get(column, column): column for row in rows for column in row}
    for sort in reversed(panel.get("options", {}).get("sortBy", [])):
        assert not rows or sort["displayName"] in by_display, (
            f"{panel['title']!r} sorts by {sort['displayName']!r}, which it does not show: "
            f"{sorted(by_display)}"
        )
        key: str = by_display.get(sort["displayName"], sort["displayName"])

        def by_column(row: dict[str, Any], key: str = key) -> tuple[bool, Any]:
            return (row.get(key) is None, row.get(key))

        rows.sort(key=by_column, reverse=sort["desc"])
    return rows
