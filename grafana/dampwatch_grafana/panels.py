"""Panel builders shared by the boards: a grid that never overlaps, and typed panel shorthands."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from grafana_foundation_sdk.builders import bargauge, stat, table, timeseries
from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as board
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models import dashboard as model

from dampwatch_grafana.influxql import Target, datasource_ref
from dampwatch_grafana.sql import SqlTarget, mixed_datasource_ref, sql_datasource_ref

GRID_WIDTH = 24


@dataclass(frozen=True)
class Lookup:
    """Registry names for an InfluxDB table's tag: SQL listing `key` and `column`, joined on it."""

    sql: str
    key: str
    column: str
    title: str


@dataclass
class Grid:
    """Places panels left to right in rows of Grafana's 24 columns, handing out unique ids."""

    x: int = 0
    y: int = 0
    row_height: int = 0
    next_id: int = 1
    _ids: list[int] = field(default_factory=list)

    def place(self, width: int, height: int) -> tuple[int, model.GridPos]:
        """The next panel id and a position that overlaps no earlier panel."""
        if self.x + width > GRID_WIDTH:
            self.x, self.y, self.row_height = 0, self.y + self.row_height, 0
        position = model.GridPos(h=height, w=width, x=self.x, y=self.y)
        self.x += width
        self.row_height = max(self.row_height, height)
        panel_id = self.next_id
        self.next_id += 1
        return panel_id, position


def thresholds(base_color: str, *steps: tuple[float, str]) -> board.ThresholdsConfig:
    """Absolute thresholds: the base colour below the first step, then each step's colour."""
    return (
        board.ThresholdsConfig()
        .mode(model.ThresholdsMode.ABSOLUTE)
        .steps(
            [model.Threshold(value=None, color=base_color)]
            + [model.Threshold(value=value, color=color) for value, color in steps]
        )
    )


def display_name(name: str) -> list[model.DynamicConfigValue]:
    """Override properties that rename a field."""
    return [model.DynamicConfigValue(id_val="displayName", value=name)]


def time_series(
    grid: Grid,
    title: str,
    query: str,
    *,
    unit: str,
    alias: str | None,
    min_interval: str,
    width: int = 12,
    height: int = 8,
    bands: board.ThresholdsConfig | None = None,
    description: str = "",
    max_data_points: int = 500,
) -> timeseries.Panel:
    """A time series of one InfluxQL query; `bands` draws threshold lines and areas."""
    panel_id, position = grid.place(width, height)
    panel = (
        timeseries.Panel()
        .id(panel_id)
        .title(title)
        .description(description)
        .datasource(datasource_ref())
        .with_target(Target(query, alias=alias))
        .grid_pos(position)
        .unit(unit)
        .interval(min_interval)
        .max_data_points(max_data_points)
        .span_nulls(False)
    )
    if bands is not None:
        panel = panel.thresholds(bands).thresholds_style(
            common_builders.GraphThresholdsStyleConfig().mode(
                common.GraphThresholdsStyleMode.LINE_AND_AREA
            )
        )
    return panel


def table_panel(
    grid: Grid,
    title: str,
    query: str,
    *,
    sort_by: str,
    descending: bool = True,
    renames: Sequence[tuple[str, str]] = (),
    units: Sequence[tuple[str, str]] = (),
    width: int = 12,
    height: int = 8,
    description: str = "",
    time_override: str | None = None,
    lookup: Lookup | None = None,
) -> table.Panel:
    """A table of one InfluxQL query (table format), sorted by a column, the Time column hidden.

    Grafana sorts by a column's display name, so `sort_by` (a column of the query) is looked up
    in `renames`. With a `lookup`, the rows are joined to the registry (rows the registry does
    not know are left out) and the registered name comes first, the id after it.
    """
    panel_id, position = grid.place(width, height)
    shown = dict(renames)
    hidden: dict[str, bool] = {"Time": True}
    organize: dict[str, object] = {"excludeByName": hidden}
    panel = (
        table.Panel()
        .id(panel_id)
        .title(title)
        .description(description)
        .grid_pos(position)
        .sort_by(
            [
                common_builders.TableSortByFieldState()
                .display_name(shown.get(sort_by, sort_by))
                .desc(descending)
            ]
        )
    )
    influx = Target(query, result_format="table")
    if lookup is None:
        panel = panel.datasource(datasource_ref()).with_target(influx)
    else:
        panel = (
            panel.datasource(mixed_datasource_ref())
            .with_target(influx)
            .with_target(SqlTarget(lookup.sql, ref_id="B"))
            .with_transformation(
                model.DataTransformerConfig(
                    id_val="joinByField", options={"byField": lookup.key, "mode": "inner"}
                )
            )
        )
        organize["indexByName"] = {lookup.column: 0, lookup.key: 1}
        panel = panel.override_by_name(lookup.column, display_name(lookup.title))
    panel = panel.with_transformation(
        model.DataTransformerConfig(id_val="organize", options=organize)
    )
    if time_override is not None:
        panel = panel.time_from(time_override)
    for column, name in renames:
        panel = panel.override_by_name(column, display_name(name))
    for column, unit in units:
        panel = panel.override_by_name(
            column, [model.DynamicConfigValue(id_val="unit", value=unit)]
        )
    return panel


def sql_table(
    grid: Grid,
    title: str,
    sql: str,
    *,
    width: int = 24,
    height: int = 8,
    description: str = "",
) -> table.Panel:
    """A table of one SQL query, in the query's own order and with its column names."""
    panel_id, position = grid.place(width, height)
    return (
        table.Panel()
        .id(panel_id)
        .title(title)
        .description(description)
        .datasource(sql_datasource_ref())
        .with_target(SqlTarget(sql))
        .grid_pos(position)
    )


def sql_stat(
    grid: Grid,
    title: str,
    sql: str,
    *,
    colors: board.ThresholdsConfig,
    width: int = 6,
    height: int = 4,
    description: str = "",
) -> stat.Panel:
    """A single number: the one value of one SQL query."""
    panel_id, position = grid.place(width, height)
    return (
        stat.Panel()
        .id(panel_id)
        .title(title)
        .description(description)
        .datasource(sql_datasource_ref())
        .with_target(SqlTarget(sql))
        .grid_pos(position)
        .unit("none")
        .thresholds(colors)
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
    )


def sql_bar_gauge(
    grid: Grid,
    title: str,
    sql: str,
    *,
    value_column: str,
    colors: board.ThresholdsConfig,
    width: int = 12,
    height: int = 8,
    description: str = "",
) -> bargauge.Panel:
    """One bar per row of one SQL query, named by its text column, showing `value_column`."""
    panel_id, position = grid.place(width, height)
    return (
        bargauge.Panel()
        .id(panel_id)
        .title(title)
        .description(description)
        .datasource(sql_datasource_ref())
        .with_target(SqlTarget(sql))
        .grid_pos(position)
        .unit("none")
        .thresholds(colors)
        .orientation(common.VizOrientation.HORIZONTAL)
        .reduce_options(
            common_builders.ReduceDataOptions().values(True).calcs([]).fields(f"/^{value_column}$/")
        )
    )


def stat_panel(
    grid: Grid,
    title: str,
    query: str,
    *,
    colors: board.ThresholdsConfig,
    unit: str = "none",
    width: int = 6,
    height: int = 4,
    description: str = "",
    time_override: str | None = None,
) -> stat.Panel:
    """A single number: the last value of one InfluxQL query."""
    panel_id, position = grid.place(width, height)
    panel = (
        stat.Panel()
        .id(panel_id)
        .title(title)
        .description(description)
        .datasource(datasource_ref())
        .with_target(Target(query))
        .grid_pos(position)
        .unit(unit)
        .thresholds(colors)
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
    )
    if time_override is not None:
        panel = panel.time_from(time_override)
    return panel


def bar_gauge(
    grid: Grid,
    title: str,
    query: str,
    *,
    alias: str,
    colors: board.ThresholdsConfig,
    unit: str = "none",
    minimum: float | None = None,
    maximum: float | None = None,
    width: int = 12,
    height: int = 8,
    description: str = "",
    time_override: str | None = None,
) -> bargauge.Panel:
    """One bar per series (named by `alias`) showing its last value."""
    panel_id, position = grid.place(width, height)
    panel = (
        bargauge.Panel()
        .id(panel_id)
        .title(title)
        .description(description)
        .datasource(datasource_ref())
        .with_target(Target(query, alias=alias))
        .grid_pos(position)
        .unit(unit)
        .thresholds(colors)
        .orientation(common.VizOrientation.HORIZONTAL)
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
    )
    if minimum is not None:
        panel = panel.min(minimum)
    if maximum is not None:
        panel = panel.max(maximum)
    if time_override is not None:
        panel = panel.time_from(time_override)
    return panel
