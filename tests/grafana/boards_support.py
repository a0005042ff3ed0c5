"""Run the committed boards' queries the way Grafana would, against a real InfluxDB."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tests.grafana.grafana_emulation import (
    ALL,
    Rendering,
    Variable,
    render,
    replace_variables,
    sql_interpolate,
    table_rows,
    time_series,
)
from tests.grafana.sql_support import SqlDatabase
from tests.support import InfluxDatabase

REPO = Path(__file__).resolve().parents[2]
SQL_DATASOURCE_UID = "dampwatch-postgres"
DASHBOARDS_DIR = REPO / "grafana" / "dashboards"
PROVISIONING_DIR = REPO / "grafana" / "provisioning"
DATASOURCE_MIN_INTERVAL = "1m"  # the datasource's timeInterval


def load_boards() -> dict[str, dict[str, Any]]:
    """The committed boards by uid."""
    boards = {}
    for path in sorted(DASHBOARDS_DIR.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        boards[document["uid"]] = document
    return boards


def panels(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, rows' nested panels included."""
    for panel in board.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def is_sql(node: dict[str, Any]) -> bool:
    """A target or variable of the PostgreSQL datasource."""
    return bool(node.get("datasource", {}).get("uid") == SQL_DATASOURCE_UID)


def query_texts(board: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, query) for every InfluxQL panel target, variable and annotation."""
    for panel in panels(board):
        for target in panel.get("targets", []):
            if not is_sql(target):
                yield f"panel {panel['title']!r}", target["query"]
    for variable in board.get("templating", {}).get("list", []):
        if variable.get("type") == "query" and not is_sql(variable):
            yield f"variable {variable['name']!r}", variable["query"]
    for annotation in board.get("annotations", {}).get("list", []):
        if "target" in annotation and "query" in annotation["target"]:
            yield f"annotation {annotation['name']!r}", annotation["target"]["query"]


def sql_texts(board: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, SQL) for every PostgreSQL panel target and variable."""
    for panel in panels(board):
        for target in panel.get("targets", []):
            if is_sql(target):
                yield f"panel {panel['title']!r}", target["rawSql"]
    for variable in board.get("templating", {}).get("list", []):
        if variable.get("type") == "query" and is_sql(variable):
            yield f"variable {variable['name']!r}", variable["query"]


def render_sql(sql: str, rendering: Rendering) -> str:
    """The SQL Grafana's PostgreSQL datasource runs: variables quoted as SQL literals."""
    return replace_variables(sql, rendering.variables, sql_interpolate)


@dataclass
class BoardRun:
    """One board evaluated against one database; records which panels a test looked at."""

    board: dict[str, Any]
    db: InfluxDatabase
    rendering: Rendering
    sql: SqlDatabase | None = None
    seen: set[str] = field(default_factory=set)
    queries: list[str] = field(default_factory=list)

    def panel(self, title: str) -> dict[str, Any]:
        """The panel with this title."""
        matches = [panel for panel in panels(self.board) if panel["title"] == title]
        assert len(matches) == 1, f"{len(matches)} panels titled {title!r}"
        return matches[0]

    def _run(self, text: str) -> list[dict[str, Any]]:
        self.queries.append(text)
        result = self.db.query(text)
        return [series for statement in result["results"] for series in statement.get("series", [])]

    def raw(self, title: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The panel and InfluxDB's answer to its (only) target, rendered as Grafana would."""
        panel = self.panel(title)
        self.seen.add(title)
        (target,) = [target for target in panel["targets"] if not is_sql(target)]
        rendering = self.rendering
        if "timeFrom" in panel:
            rendering = replace(
                rendering,
                time_range=type(rendering.time_range).last(
                    panel["timeFrom"], rendering.time_range.to_ms
                ),
            )
        text = render(
            target["query"],
            rendering,
            min_interval=panel.get("interval"),
            max_data_points=panel.get("maxDataPoints"),
        )
        return panel, self._run(text)

    def series(self, title: str) -> dict[str, list[tuple[int, float | None]]]:
        """A time series panel's series by display name."""
        panel, result = self.raw(title)
        assert panel["targets"][0]["resultFormat"] == "time_series"
        return time_series(result, panel["targets"][0].get("alias"))

    def last_values(self, title: str) -> dict[str, float | None]:
        """Each series' last non-null value (stat and bar gauge panels show this)."""
        calcs = self.panel(title)["options"]["reduceOptions"]["calcs"]
        assert calcs == ["lastNotNull"]
        values = {}
        for name, points in self.series(title).items():
            present = [value for _, value in points if value is not None]
            values[name] = present[-1] if present else None
        return values

    def rows(self, title: str) -> list[dict[str, Any]]:
        """A table panel's rows as shown: sorted, Time hidden when the panel hides it."""
        panel, result = self.raw(title)
        assert panel["targets"][0]["resultFormat"] == "table"
        frames = [
            self.sql_result(target["rawSql"]) for target in panel["targets"] if is_sql(target)
        ]
        return table_rows(result, panel, frames)

    def sql_result(self, sql: str) -> list[dict[str, Any]]:
        """The rows the PostgreSQL datasource returns for `sql` under this rendering."""
        assert self.sql is not None, "this run has no SQL database"
        text = render_sql(sql, self.rendering)
        self.queries.append(text)
        return self.sql.rows(text)

    def sql_rows(self, title: str) -> list[dict[str, Any]]:
        """A SQL panel's rows, in the query's order."""
        panel = self.panel(title)
        self.seen.add(title)
        (target,) = panel["targets"]
        assert is_sql(target) and target["format"] == "table"
        return self.sql_result(target["rawSql"])

    def variable(self, name: str) -> dict[str, Any]:
        """The board's variable of this name."""
        (variable,) = [v for v in self.board["templating"]["list"] if v["name"] == name]
        found: dict[str, Any] = variable
        return found

    def variable_options(self, name: str) -> list[str]:
        """A query variable's options: its query run with the variables before it."""
        (variable,) = [v for v in self.board["templating"]["list"] if v["name"] == name]
        if is_sql(variable):
            rows = self.sql_result(variable["query"])
            return [str(row.get("__value", next(iter(row.values())))) for row in rows]
        text = render(variable["query"], self.rendering)
        values = {row[1] for series in self._run(text) for row in series.get("values", [])}
        return sorted(values)

    def annotations(self, name: str) -> list[dict[str, Any]]:
        """Annotation events: time, text and tags from the columns the annotation names."""
        (annotation,) = [a for a in self.board["annotations"]["list"] if a["name"] == name]
        target = annotation["target"]
        text = render(target["query"], self.rendering)
        tag_columns = [column.strip() for column in target["tagsColumn"].split(",")]
        events = []
        for series in self._run(text):
            columns = series["columns"]
            for values in series.get("values", []):
                row = dict(zip(columns, values, strict=True))
                events.append(
                    {
                        "time": row["time"],
                        "text": row[target["textColumn"]],
                        "tags": [row[column] for column in tag_columns if row.get(column)],
                    }
                )
        return events

    def unseen_panels(self) -> set[str]:
        """Panels this run has not evaluated."""
        return {panel["title"] for panel in panels(self.board) if "targets" in panel} - self.seen


def with_variable(rendering: Rendering, variable: Variable) -> Rendering:
    """The rendering with one more (or a changed) variable."""
    return replace(rendering, variables={**rendering.variables, variable.name: variable})


def all_of(name: str, options: list[str]) -> Variable:
    """A multi-value variable set to All."""
    return Variable(name, ALL, options=options, multi=True)
