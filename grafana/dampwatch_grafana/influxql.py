"""InfluxQL queries, annotations and variables for grafana-foundation-sdk dashboards.

The SDK has no InfluxDB query type, so raw InfluxQL targets are its `Dataquery` variant written
out the way Grafana's InfluxDB plugin stores them (`rawQuery`, `query`, `resultFormat`, `alias`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from grafana_foundation_sdk.builders import dashboard as board
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog import variants as cogvariants
from grafana_foundation_sdk.models import dashboard as model

from dampwatch_grafana.schema import DATASOURCE_TYPE, DATASOURCE_UID, STATUS_RESOLVED

ResultFormat = Literal["time_series", "table"]


def datasource_ref() -> model.DataSourceRef:
    """The provisioned InfluxDB datasource, by its stable uid."""
    return model.DataSourceRef(type_val=DATASOURCE_TYPE, uid=DATASOURCE_UID)


def ident(name: str) -> str:
    """A double-quoted InfluxQL identifier."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def string_literal(value: str) -> str:
    """A single-quoted InfluxQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def matches_variable(tag: str, variable: str) -> str:
    """`"tag" =~ /^$variable$/`: works for one value, several values and All alike."""
    return f"{ident(tag)} =~ /^${variable}$/"


def not_resolved() -> str:
    """Condition on the `status` field of `alert` points: still open or acknowledged."""
    return f'"status" <> {string_literal(STATUS_RESOLVED)}'


@dataclass
class InfluxQLQuery(cogvariants.Dataquery):
    """A raw InfluxQL target of Grafana's InfluxDB datasource."""

    ref_id: str
    query: str
    result_format: ResultFormat = "time_series"
    alias: str | None = None

    def to_json(self) -> dict[str, object]:
        """The target as Grafana stores it in dashboard JSON."""
        payload: dict[str, object] = {
            "datasource": datasource_ref().to_json(),
            "query": self.query,
            "rawQuery": True,
            "refId": self.ref_id,
            "resultFormat": self.result_format,
        }
        if self.alias:
            payload["alias"] = self.alias
        return payload


class Target(cogbuilder.Builder[cogvariants.Dataquery]):
    """Builder handing an InfluxQL target to the SDK's panel builders."""

    def __init__(
        self,
        query: str,
        *,
        ref_id: str = "A",
        result_format: ResultFormat = "time_series",
        alias: str | None = None,
    ) -> None:
        self._query = InfluxQLQuery(ref_id, query, result_format, alias)

    def build(self) -> cogvariants.Dataquery:
        """The built target."""
        return self._query


class _AnnotationTarget(model.AnnotationTarget):
    """An InfluxQL annotation target in the shape Grafana's InfluxDB plugin migrates to."""

    def __init__(self, query: str, text_column: str, tags_column: str) -> None:
        super().__init__()
        self.query = query
        self.text_column = text_column
        self.tags_column = tags_column

    def to_json(self) -> dict[str, object]:
        """The annotation target as dashboard JSON."""
        return {
            "fromAnnotations": True,
            "query": self.query,
            "queryType": "tags",
            "rawQuery": True,
            "refId": "Anno",
            "tagsColumn": self.tags_column,
            "textColumn": self.text_column,
            "timeEndColumn": "",
            "titleColumn": "",
        }


class AnnotationTarget(cogbuilder.Builder[model.AnnotationTarget]):
    """Builder for an InfluxQL annotation query: the text column and comma-separated tag columns."""

    def __init__(self, query: str, *, text_column: str, tags_column: str) -> None:
        self._target = _AnnotationTarget(query, text_column, tags_column)

    def build(self) -> model.AnnotationTarget:
        """The built annotation target."""
        return self._target


def tag_values_variable(
    name: str,
    label: str,
    query: str,
    *,
    multi: bool = False,
    include_all: bool = False,
) -> board.QueryVariable:
    """A query variable listing tag values, refreshed when the time range changes."""
    variable = (
        board.QueryVariable(name)
        .label(label)
        .datasource(datasource_ref())
        .query(query)
        .refresh(model.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(model.VariableSort.ALPHABETICAL_ASC)
        .multi(multi)
        .include_all(include_all)
    )
    if include_all:
        variable = variable.current(model.VariableOption(text="All", value="$__all", selected=True))
    return variable
