"""SQL targets and variables of Grafana's PostgreSQL datasource for foundation-sdk boards.

The SDK has no PostgreSQL query type, so raw SQL targets are its `Dataquery` variant written out
the way Grafana's PostgreSQL plugin stores them in code mode (`rawSql`, `format`, `rawQuery`).
Grafana quotes a multi-value or include-all variable's values as SQL string literals
(`'a','b'`), doubles the quotes of a single value without adding any, and inserts a custom
"All" value as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from grafana_foundation_sdk.builders import dashboard as board
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog import variants as cogvariants
from grafana_foundation_sdk.models import dashboard as model

from dampwatch_grafana.schema import MIXED_DATASOURCE_UID, SQL_DATASOURCE_TYPE, SQL_DATASOURCE_UID

SqlFormat = Literal["table", "time_series"]
# The custom "All" value of a filter variable: `('*' IN ($var) OR column IN ($var))` keeps every
# row under All, including values that appeared after the variable's options were loaded.
ANY: str = "'*'"


def sql_datasource_ref() -> model.DataSourceRef:
    """The provisioned PostgreSQL datasource, by its stable uid."""
    return model.DataSourceRef(type_val=SQL_DATASOURCE_TYPE, uid=SQL_DATASOURCE_UID)


def mixed_datasource_ref() -> model.DataSourceRef:
    """Grafana's Mixed pseudo datasource: each target names its own."""
    return model.DataSourceRef(type_val="datasource", uid=MIXED_DATASOURCE_UID)


def sql_literal(value: str) -> str:
    """A single-quoted SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def any_of(column: str, variable: str) -> str:
    """`column` is one of the variable's values, or the variable is set to All."""
    return f"({ANY} IN (${variable}) OR {column} IN (${variable}))"


@dataclass
class SqlQuery(cogvariants.Dataquery):
    """A raw SQL target of Grafana's PostgreSQL datasource."""

    ref_id: str
    sql: str
    format: SqlFormat = "table"

    def to_json(self) -> dict[str, object]:
        """The target as Grafana stores it in dashboard JSON."""
        return {
            "datasource": sql_datasource_ref().to_json(),
            "editorMode": "code",
            "format": self.format,
            "rawQuery": True,
            "rawSql": self.sql,
            "refId": self.ref_id,
        }


class SqlTarget(cogbuilder.Builder[cogvariants.Dataquery]):
    """Builder handing a SQL target to the SDK's panel builders."""

    def __init__(self, sql: str, *, ref_id: str = "A", format_: SqlFormat = "table") -> None:
        self._query = SqlQuery(ref_id, sql, format_)

    def build(self) -> cogvariants.Dataquery:
        """The built target."""
        return self._query


def sql_variable(
    name: str,
    label: str,
    sql: str,
    *,
    multi: bool = False,
    include_all: bool = False,
    all_value: str | None = None,
    description: str = "",
) -> board.QueryVariable:
    """A variable whose options a SQL query lists (`__text`/`__value` columns name each option).

    Refreshed when the board loads, so a home or room registered since shows up. `all_value`:
    `ANY` for a variable only SQL filters with `any_of`; none for one InfluxQL also reads, where
    All stands for every option.
    """
    variable = (
        board.QueryVariable(name)
        .label(label)
        .description(description)
        .datasource(sql_datasource_ref())
        .query(sql)
        .refresh(model.VariableRefresh.ON_DASHBOARD_LOAD)
        .sort(model.VariableSort.DISABLED)  # the query's ORDER BY decides
        .multi(multi)
        .include_all(include_all)
        .allow_custom_value(False)  # only values the database listed reach the SQL
    )
    if include_all:
        variable = variable.current(model.VariableOption(text="All", value="$__all", selected=True))
    if all_value is not None:
        variable = variable.all_value(all_value)
    return variable


def custom_variable(
    name: str, label: str, values: list[str], *, description: str = ""
) -> board.CustomVariable:
    """A multi-value variable with fixed options, all selected by default."""
    return (
        board.CustomVariable(name)
        .label(label)
        .description(description)
        .values(",".join(values))
        .multi(True)
        .include_all(True)
        .allow_custom_value(False)
        .all_value(ANY)
        .current(model.VariableOption(text="All", value="$__all", selected=True))
    )
